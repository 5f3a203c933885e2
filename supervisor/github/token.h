/*
 * token — the GitHub token of one run.
 *
 * The token comes from --token-file when given, else GITHUB_TOKEN, else
 * GH_TOKEN, else (token_find only) `gh auth token` when gh is on PATH. It
 * lives in exactly one heap string owned by struct token,
 * wiped before it is freed. It is never logged, never put in argv or in a
 * worker's environment (the supervisor hands it to workers in a CRED frame),
 * and error messages name only where it came from, never its value.
 */
#ifndef REPOCAST_TOKEN_H
#define REPOCAST_TOKEN_H

#include <stddef.h>

/* Longest token accepted (GitHub tokens are < 300 bytes). */
#define TOKEN_MAX 1024

struct token {
	char *value;            /* NUL-terminated secret; wiped by token_free */
	const char *source;     /* "--token-file", "GITHUB_TOKEN", "GH_TOKEN" or
	                         * "gh auth token" */
};

/*
 * Load the token: from file when file is not NULL (trailing whitespace
 * stripped; refused with ERR_CONFIG, as ssh refuses a private key, when
 * its group or others have any access: the message gives the chmod), else
 * from the environment. *out is freed with token_free.
 * Returns 0; ERR_AUTH when no token is configured ("no github token: set
 * GITHUB_TOKEN or GH_TOKEN, or pass --token-file"); ERR_NOTFOUND when the
 * file is missing; ERR_LIMIT when longer than TOKEN_MAX; ERR_CONFIG when
 * the token is empty or contains whitespace or control characters.
 */
int token_load(struct token **out, const char *file);

/*
 * token_load, and when it finds no token (ERR_AUTH, file NULL) and an
 * executable gh is on PATH, the output of `gh auth token [--hostname
 * host]` (stdin /dev/null, stderr discarded, 10 s at most; its output is
 * read into the token and wiped, never logged or written). A gh that
 * fails or prints nothing leaves ERR_AUTH, saying gh gave no token.
 * Blocks while gh runs.
 */
int token_find(struct token **out, const char *file, const char *host);

/* Borrowed; valid until token_free. */
const char *token_value(const struct token *t);

/* Wipe and free; accepts NULL. */
void token_free(struct token *t);

/*
 * Remove GITHUB_TOKEN and GH_TOKEN from this process's environment so no
 * child inherits them. Call after token_load, before spawning anything.
 */
void token_scrub_env(void);

/*
 * Append "chmod 600 FILE" as a shell would take it (FILE quoted unless
 * plain): the fix named when a secret's file is open to group or others
 * (the token file here, a GitHub App's private key in app.c).
 */
struct buf;
void token_chmod_hint(struct buf *b, const char *file);

#endif
