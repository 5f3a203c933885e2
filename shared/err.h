/*
 * err — the last-error buffer, one per thread.
 *
 * Functions that can fail return int: 0 on success, -1 (ERR_FAIL) on
 * failure, or one of the named negative codes below for expected outcomes.
 * The human-readable detail goes into the last-error buffer with err_set();
 * callers read it with err_last() and may prefix context with err_wrap().
 * Messages are lowercase, with no full stop, what failed first and the
 * subject quoted: "cannot open repository 'acme/api': not found".
 */
#ifndef REPOCAST_ERR_H
#define REPOCAST_ERR_H

enum {
	ERR_OK = 0,
	ERR_FAIL = -1,
	ERR_NOTFOUND = -2,
	ERR_TIMEOUT = -3,
	ERR_PROTO = -4,
	ERR_AUTH = -5,
	ERR_LIMIT = -6,   /* a size or resource limit was hit */
	ERR_CONFIG = -7,  /* bad config or usage */
	ERR_NET = -8,     /* transient network failure */
	ERR_EXISTS = -9,
	ERR_CONFLICT = -10,
	ERR_INTERRUPTED = -11, /* SIGINT or SIGTERM ended the work */
};

/* Record an error; returns code so callers can `return err_set(...)`. */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, appending ": strerror(errno)". */
int err_sys(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the current message with context: "ctx: old message". */
int err_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last message ("" when none); borrowed, valid until the next err_*. */
const char *err_last(void);
int err_code(void);
void err_clear(void);
/* A stable lowercase name for a code: "notfound", "timeout", ... */
const char *err_name(int code);
/* The code err_name gives name for; ERR_FAIL for a name it never gives. */
int err_from_name(const char *name);

#endif
