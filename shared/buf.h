/*
 * buf — a growable byte buffer (after git's strbuf).
 *
 * Invariant: ptr is never NULL after buf_init and ptr[len] == '\0', so a
 * buf can always be used as a C string. A zeroed struct is NOT valid: use
 * BUF_INIT or buf_init(). buf_release frees and re-initialises.
 */
#ifndef REPOCAST_BUF_H
#define REPOCAST_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *ptr;
	size_t len;
	size_t cap; /* 0 while ptr points at the shared empty string */
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b, size_t hint);
void buf_release(struct buf *b);
/* Ensure room for n more bytes (plus the terminating NUL). */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_setlen(struct buf *b, size_t len);
#define buf_reset(b) buf_setlen((b), 0)
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Hand the heap string to the caller (who frees it); b is re-initialised. */
char *buf_detach(struct buf *b, size_t *len);
/* Read a whole file into b (appending); -1 with err_sys on failure. */
int buf_read_file(struct buf *b, const char *path);
/* Write b to path atomically (temp file in the same dir, fsync, rename). */
int buf_write_file_atomic(const struct buf *b, const char *path);

#endif
