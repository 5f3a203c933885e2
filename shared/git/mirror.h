/*
 * mirror — bare mirror repositories in the cache (DESIGN §3), shared by
 * the supervisor (source mirror) and the worker (target mirrors, `run`).
 *
 * Layout: <cache>/mirrors/<host>/<owner>/<repo>.git for URLs with a host,
 * <cache>/mirrors/local/<sanitised path>.git for local paths and file://.
 * A mirror is locked with flock(LOCK_EX) on <mirror>.lock while open, so
 * two processes never fetch into the same mirror at once (the second
 * waits). The lock belongs to the open file description: a child that
 * fork()s without exec shares it until it closes lock_fd (O_CLOEXEC, so an
 * exec'd child never holds it). Credentials: when token is non-NULL, HTTP(S) fetch and push
 * authenticate as user "x-access-token" with the token as password; the
 * token is never written to disk, argv, the environment or a log.
 */
#ifndef REPOCAST_MIRROR_H
#define REPOCAST_MIRROR_H

#include <git2.h>

struct mirror {
	git_repository *repo;  /* the bare mirror; owned */
	char *path;            /* its directory */
	char *url;             /* remote URL (file://, http(s)://, or a local path) */
	int lock_fd;           /* flock'd; -1 when closed */
	const char *token;     /* borrowed; may be NULL */
	char *safe_url;        /* url with any user:password@ removed, for messages */
	int cred_tries;        /* credential callback calls in the current operation */
	int git_inited;        /* git_libgit2_init done by mirror_open */
	char **repairs;        /* what mirror_open repaired, one sentence each */
	size_t nrepairs;
};

/* Path of the mirror for url under cache (caller frees). */
char *mirror_path(const char *cache, const char *url);
/*
 * Open (creating when absent) and lock the mirror for url. Blocks while
 * another process holds the lock. Under the lock, the mirror is checked
 * and repaired: a ref naming an object the mirror does not hold (or a
 * commit whose tree it does not hold) is deleted, so the next fetch brings
 * it back; a mirror that cannot be read (config, HEAD, refs or object
 * database unreadable) is moved aside to <path>.broken and rebuilt empty.
 * Each repair is a sentence in m->repairs, for the caller to log as a
 * warning.
 * 0, or -1 with err_last set.
 */
int mirror_open(struct mirror *m, const char *cache, const char *url, const char *token);
/* Unlock and free; accepts a zeroed/closed mirror. */
void mirror_close(struct mirror *m);
/*
 * Fetch the given branches (names without refs/heads/) into
 * refs/heads/<name> of the mirror, force-updating. A branch missing on the
 * remote is not an error when optional[i] is non-zero (optional may be
 * NULL: all required). ERR_NOTFOUND when the repository does not exist,
 * ERR_AUTH on 401/403, ERR_NET on transport errors.
 */
int mirror_fetch(struct mirror *m, const char *const *branches, const int *optional, size_t n);
/*
 * Fetch the remote's tags matching pattern (a refspec glob below
 * refs/tags/, e.g. "v*") into refs/tags/ of the mirror, force-updating and
 * pruning the local ones the remote no longer has. Errors as mirror_fetch.
 */
int mirror_fetch_tags(struct mirror *m, const char *pattern);
/* Fetch the remote's HEAD symref target into *branch (caller frees). */
int mirror_default_branch(char **branch, struct mirror *m);
/* Resolve refs/heads/<branch> in the mirror; ERR_NOTFOUND when absent. */
int mirror_branch_oid(git_oid *out, struct mirror *m, const char *branch);

/*
 * Additions for the engine's own remote operations (push, ls-remote).
 *
 * mirror_unlock releases the flock but keeps the repository open: the
 * source side holds the tree of one commit, whose objects a concurrent
 * fetch by another process can only add to, never remove (mirrors are
 * never gc'd while repocast runs), and a target that is also the source
 * repository must not deadlock on its own supervisor.
 */
void mirror_unlock(struct mirror *m);
/*
 * Fill cbs (git_remote_init_callbacks is done here) with the credential
 * callback for m: payload is m. Resets the retry count. Callers that need
 * their own payload call mirror_credential from their own callback.
 */
void mirror_remote_callbacks(git_remote_callbacks *cbs, struct mirror *m);
/*
 * The credential logic: for http(s) URLs with a token, user
 * "x-access-token" and the token, once per operation (a second request
 * means the token was rejected: GIT_EAUTH). Otherwise GIT_PASSTHROUGH.
 */
int mirror_credential(git_credential **out, struct mirror *m, const char *url,
    unsigned int allowed_types);
/*
 * Convert the libgit2 error of a failed remote operation into ERR_NOTFOUND
 * (missing repository or path, HTTP 404), ERR_AUTH (HTTP 401/403, rejected
 * credentials), ERR_NET (transport, TLS, timeouts) or ERR_FAIL, and set
 * err_last to "cannot <action> '<safe url>': <reason>: <libgit2 message>".
 * Returns the code. git_rc is the libgit2 return value.
 */
int mirror_error(struct mirror *m, int git_rc, const char *action);
/*
 * The clone URL of repo ("owner/name") under git_url: "<git_url>/owner/
 * name.git" (trailing slashes of git_url dropped). For a local git_url (a
 * path or file://) whose "<base>/owner/name.git" does not exist but
 * "<base>/owner/name" does, the latter. Caller frees.
 */
char *mirror_repo_url(const char *git_url, const char *repo);
/* Does url use http:// or https://? */
int mirror_url_is_http(const char *url);

#endif
