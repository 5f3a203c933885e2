#include "shared/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

char buf_empty[1];

void
buf_init(struct buf *b, size_t hint)
{
	b->ptr = buf_empty;
	b->len = 0;
	b->cap = 0;
	if (hint)
		buf_grow(b, hint);
}

void
buf_release(struct buf *b)
{
	if (b->cap)
		free(b->ptr);
	buf_init(b, 0);
}

void
buf_grow(struct buf *b, size_t n)
{
	size_t need, ncap;

	if (b->len + n + 1 < b->len)
		BUG("buf size overflow");
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap < (SIZE_MAX >> 1) ? ncap * 2 : need;
	if (b->cap == 0) {
		b->ptr = xmalloc(ncap);
		b->ptr[0] = '\0';
	} else {
		b->ptr = xrealloc(b->ptr, ncap);
	}
	b->cap = ncap;
}

void
buf_add(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	buf_grow(b, n);
	memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
}

void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addch(struct buf *b, int c)
{
	buf_grow(b, 1);
	b->ptr[b->len++] = (char)c;
	b->ptr[b->len] = '\0';
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(b->ptr + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("vsnprintf failed");
	if (b->cap == 0 || (size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
buf_setlen(struct buf *b, size_t len)
{
	if (len > (b->cap ? b->cap - 1 : 0))
		BUG("buf_setlen beyond capacity");
	b->len = len;
	if (b->cap)
		b->ptr[len] = '\0';
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n > b->len)
		BUG("buf_consume beyond length");
	if (n == 0)
		return;
	memmove(b->ptr, b->ptr + n, b->len - n);
	buf_setlen(b, b->len - n);
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (b->cap == 0)
		buf_grow(b, 0);
	p = b->ptr;
	if (len)
		*len = b->len;
	buf_init(b, 0);
	return p;
}

int
buf_read_file(struct buf *b, const char *path)
{
	char tmp[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(errno == ENOENT ? ERR_NOTFOUND : ERR_FAIL,
		    "cannot open '%s'", path);
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_sys(ERR_FAIL, "cannot read '%s'", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		buf_add(b, tmp, (size_t)n);
	}
	close(fd);
	return 0;
}

int
buf_write_file_atomic(const struct buf *b, const char *path)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	size_t off = 0;
	ssize_t n;
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_sys(ERR_FAIL, "cannot create '%s'", tmp);
		goto out;
	}
	while (off < b->len) {
		n = write(fd, b->ptr + off, b->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_sys(ERR_FAIL, "cannot write '%s'", tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		err_sys(ERR_FAIL, "cannot sync '%s'", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_sys(ERR_FAIL, "cannot close '%s'", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_sys(ERR_FAIL, "cannot rename '%s' to '%s'", tmp, path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
