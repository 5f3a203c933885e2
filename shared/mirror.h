/*
 * mirror — bare mirror repositories in the cache (DESIGN §3), shared by
 * the supervisor (source mirror) and the worker (target mirrors, `run`).
 *
 * Layout: <cache>/mirrors/<host>/<owner>/<repo>.git for URLs with a host,
 * <cache>/mirrors/local/<sanitised path>.git for local paths and file://.
 * A mirror is locked with flock(LOCK_EX) on <mirror>.lock while open, so
 * two processes never fetch into the same mirror at once (the second
 * waits). Credentials: when token is non-NULL, HTTP(S) fetch and push
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
};

/* Path of the mirror for url under cache (caller frees). */
char *mirror_path(const char *cache, const char *url);
/*
 * Open (creating when absent) and lock the mirror for url. Blocks while
 * another process holds the lock. 0, or -1 with err_last set.
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
/* Fetch the remote's HEAD symref target into *branch (caller frees). */
int mirror_default_branch(struct mirror *m, char **branch);
/* Resolve refs/heads/<branch> in the mirror; ERR_NOTFOUND when absent. */
int mirror_branch_oid(git_oid *out, struct mirror *m, const char *branch);

#endif
