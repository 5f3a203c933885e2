/*
 * err_git — the libgit2 half of the last-error buffer (shared/err.h):
 * record git_error_last() under our own message. Only code that links
 * libgit2 includes this header (shared/git/, the supervisor's sync phase,
 * the worker's git plugin); in repocast-worker it lives in the plugin and
 * writes the executable's one buffer through err_set.
 */
#ifndef REPOCAST_ERR_GIT_H
#define REPOCAST_ERR_GIT_H

/*
 * Record the current libgit2 error after "what: " (fmt) with code;
 * returns code. Copies git_error_last()->message at once.
 */
int err_git(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
