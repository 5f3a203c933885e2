/*
 * frame — length-prefixed frames over a pipe (see frame.h).
 *
 * Writer: frames are appended to one buffer and written with as few
 * write() calls as the fd allows; the written prefix is dropped lazily
 * (when everything is written, or when it is the larger half of the
 * buffer) so a slow reader never costs a memmove per frame.
 *
 * Reader: one read() per frame_fill into the free tail of the buffer.
 * The consumed prefix is compacted away only when it is empty or when it
 * outweighs what is left, which keeps the cost linear in the stream size.
 * The header's length is checked against max before the buffer is grown
 * for the frame.
 */
#include "proto/frame.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

/* Bytes asked of each read(); a pipe rarely holds more. */
#define FRAME_READ_CHUNK (64u * 1024)

static uint32_t
frame_get_len(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
frame_put_len(unsigned char *p, uint32_t len)
{
	p[0] = (unsigned char)(len >> 24);
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
}

void
frame_writer_init(struct frame_writer *w, int fd, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->max = max > UINT32_MAX ? UINT32_MAX : max;
	buf_init(&w->out, 0);
}

void
frame_writer_release(struct frame_writer *w)
{
	if (w == NULL)
		return;
	buf_release(&w->out);
	w->off = 0;
}

/* Drop the written prefix when it is all of the buffer or most of it. */
static void
frame_writer_compact(struct frame_writer *w)
{
	if (w->off == 0)
		return;
	if (w->off == w->out.len) {
		buf_reset(&w->out);
		w->off = 0;
	} else if (w->off >= w->out.len - w->off) {
		buf_consume(&w->out, w->off);
		w->off = 0;
	}
}

int
frame_queue_begin(size_t *mark, struct frame_writer *w)
{
	unsigned char hdr[FRAME_HDR] = { 0 };

	frame_writer_compact(w);
	*mark = w->out.len;
	buf_add(&w->out, hdr, sizeof(hdr));
	return 0;
}

int
frame_queue_end(struct frame_writer *w, size_t mark)
{
	size_t len;

	if (mark + FRAME_HDR > w->out.len || mark < w->off)
		BUG("frame_queue_end: bad mark");
	len = w->out.len - mark - FRAME_HDR;
	if (len > w->max) {
		buf_setlen(&w->out, mark);
		return err_set(ERR_LIMIT,
		    "frame of %zu bytes exceeds the limit of %zu bytes",
		    len, w->max);
	}
	frame_put_len((unsigned char *)w->out.ptr + mark, (uint32_t)len);
	w->msgs++;
	return 0;
}

int
frame_queue(struct frame_writer *w, const void *payload, size_t len)
{
	unsigned char hdr[FRAME_HDR];

	if (len > w->max)
		return err_set(ERR_LIMIT,
		    "frame of %zu bytes exceeds the limit of %zu bytes",
		    len, w->max);
	frame_writer_compact(w);
	frame_put_len(hdr, (uint32_t)len);
	buf_grow(&w->out, sizeof(hdr) + len);
	buf_add(&w->out, hdr, sizeof(hdr));
	buf_add(&w->out, payload, len);
	w->msgs++;
	return 0;
}

size_t
frame_pending(const struct frame_writer *w)
{
	return w->out.len - w->off;
}

int
frame_flush(struct frame_writer *w)
{
	while (w->off < w->out.len) {
		ssize_t n = write(w->fd, w->out.ptr + w->off,
		    w->out.len - w->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return err_sys(ERR_FAIL, "cannot write frame");
		}
		if (n == 0)
			return err_set(ERR_FAIL, "cannot write frame: no progress");
		w->off += (size_t)n;
		w->bytes += (uint64_t)n;
	}
	buf_reset(&w->out);
	w->off = 0;
	return 1;
}

int
frame_flush_all(struct frame_writer *w)
{
	for (;;) {
		struct pollfd pfd;
		int rc = frame_flush(w);

		if (rc != 0)
			return rc;
		pfd.fd = w->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return err_sys(ERR_FAIL, "cannot wait for the channel");
	}
}

void
frame_reader_init(struct frame_reader *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max > UINT32_MAX ? UINT32_MAX : max;
	buf_init(&r->in, 0);
}

void
frame_reader_release(struct frame_reader *r)
{
	if (r == NULL)
		return;
	buf_release(&r->in);
	r->off = 0;
}

/*
 * Drop the consumed prefix when nothing else is buffered, or when it is
 * larger than what follows (each byte is then moved at most once more
 * than it is read: linear overall).
 */
static void
frame_reader_compact(struct frame_reader *r)
{
	if (r->off == 0)
		return;
	if (r->off == r->in.len) {
		buf_reset(&r->in);
		r->off = 0;
	} else if (r->off >= r->in.len - r->off) {
		buf_consume(&r->in, r->off);
		r->off = 0;
	}
}

int
frame_fill(struct frame_reader *r)
{
	size_t avail, want = FRAME_READ_CHUNK;
	ssize_t n;

	if (r->eof)
		return 0;
	frame_reader_compact(r);
	avail = r->in.len - r->off;
	if (avail >= FRAME_HDR) {
		size_t flen = frame_get_len((unsigned char *)r->in.ptr + r->off);

		/* Grow for the announced frame only once it passed the limit. */
		if (flen <= r->max && flen + FRAME_HDR > avail &&
		    flen + FRAME_HDR - avail > want)
			want = flen + FRAME_HDR - avail;
	}
	buf_grow(&r->in, want);
	/* Use all the room the buffer has anyway. */
	want = r->in.cap - r->in.len - 1;
	for (;;) {
		n = read(r->fd, r->in.ptr + r->in.len, want);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return err_sys(ERR_FAIL, "cannot read frame");
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	buf_setlen(&r->in, r->in.len + (size_t)n);
	return 1;
}

int
frame_next(const void **payload, size_t *len, struct frame_reader *r)
{
	size_t avail = r->in.len - r->off;
	size_t flen;

	if (avail < FRAME_HDR) {
		if (r->eof && avail > 0)
			return err_set(ERR_PROTO, "protocol error: truncated frame");
		return 0;
	}
	flen = frame_get_len((unsigned char *)r->in.ptr + r->off);
	if (flen > r->max)
		return err_set(ERR_LIMIT,
		    "frame of %zu bytes exceeds the limit of %zu bytes",
		    flen, r->max);
	if (avail - FRAME_HDR < flen) {
		if (r->eof)
			return err_set(ERR_PROTO, "protocol error: truncated frame");
		return 0;
	}
	*payload = r->in.ptr + r->off + FRAME_HDR;
	*len = flen;
	r->off += FRAME_HDR + flen;
	r->bytes += FRAME_HDR + flen;
	r->msgs++;
	return 1;
}

int
frame_read(const void **payload, size_t *len, struct frame_reader *r)
{
	for (;;) {
		struct pollfd pfd;
		int rc = frame_next(payload, len, r);

		if (rc != 0)
			return rc;
		if (r->eof)
			return 0;
		rc = frame_fill(r);
		if (rc < 0)
			return rc;
		if (rc > 0 || r->eof)
			continue;
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return err_sys(ERR_FAIL, "cannot wait for the channel");
	}
}
