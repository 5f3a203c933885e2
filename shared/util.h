/*
 * util — allocation that cannot fail, programmer-error aborts, small helpers.
 *
 * x*alloc abort with a message on out-of-memory: repocast treats OOM in its
 * own bookkeeping as fatal (a worker's rlimit hit shows up as its death, which
 * the supervisor records). BUG() is for broken invariants only, never for
 * bad input.
 */
#ifndef REPOCAST_UTIL_H
#define REPOCAST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))

void util_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
#define BUG(...) util_bug(__FILE__, __LINE__, __VA_ARGS__)

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A copy of s, or NULL when s is NULL. */
char *xstrdup_or_null(const char *s);
/* Printf into a new string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (of *cap elements of size elsize) to hold at least need. */
void util_grow(void **arr, size_t *cap, size_t need, size_t elsize);
#define ALLOC_GROW(arr, need, cap) \
	util_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/*
 * mkdir -p: create path and every missing parent with mode (existing ones
 * are left as they are). 0, or ERR_FAIL with err_last "cannot create
 * directory 'DIR': ..." naming the first one that could not be made.
 */
int util_mkdirs(const char *path, unsigned mode);

/* Overwrite n bytes so the compiler cannot drop it (tokens). */
void util_wipe(void *p, size_t n);
/* Wipe then free a NUL-terminated secret; accepts NULL. */
void util_free_secret(char *s);

/* Monotonic clock in nanoseconds / milliseconds; wall clock in microseconds. */
uint64_t util_now_ns(void);
uint64_t util_now_ms(void);
uint64_t util_wall_us(void);

#endif
