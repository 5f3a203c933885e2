/*
 * frame — length-prefixed frames over a pipe.
 *
 * A frame is a 4-byte big-endian payload length followed by the payload
 * (one msgpack array, see msg.h). The length is checked against the
 * channel's maximum BEFORE anything is allocated for it.
 *
 * Writers buffer: frame_queue() appends to an in-memory queue and
 * frame_flush() writes as much as the fd takes (non-blocking fds never
 * block the caller). Readers return whole frames only.
 *
 * Neither side owns the fd: whoever created it closes it.
 */
#ifndef REPOCAST_FRAME_H
#define REPOCAST_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"

#define FRAME_HDR 4
#define FRAME_MAX_DEFAULT (8u * 1024 * 1024)

struct frame_writer {
	int fd;
	size_t max;        /* largest payload accepted by frame_queue */
	struct buf out;    /* queued bytes not yet written */
	size_t off;        /* bytes of out already written */
	uint64_t bytes;    /* payload+header bytes written so far */
	uint64_t msgs;     /* frames queued so far */
};

struct frame_reader {
	int fd;
	size_t max;        /* largest payload accepted */
	struct buf in;     /* bytes read, not yet consumed */
	size_t off;        /* start of the unconsumed part of in */
	int eof;           /* the peer closed its end */
	uint64_t bytes;    /* header+payload bytes of the frames returned */
	uint64_t msgs;     /* frames returned so far */
};

/* max is clamped to 2^32-1 (the header's range). Accepts any fd, even -1. */
void frame_writer_init(struct frame_writer *w, int fd, size_t max);
/* Frees the queue (unwritten bytes are dropped); accepts NULL. */
void frame_writer_release(struct frame_writer *w);
/*
 * Append one frame; does not write. -1 (ERR_LIMIT) when len > w->max.
 */
int frame_queue(struct frame_writer *w, const void *payload, size_t len);
/*
 * Build a frame in place (no copy of the payload): frame_queue_begin
 * reserves the header and stores its position in *mark; the caller then
 * appends the payload to w->out; frame_queue_end fills in the length.
 * frame_queue_end returns -1 (ERR_LIMIT) and drops the partial frame when
 * the payload exceeds w->max. Nothing else may touch w in between.
 */
int frame_queue_begin(size_t *mark, struct frame_writer *w);
int frame_queue_end(struct frame_writer *w, size_t mark);
/* Bytes queued and not yet written. */
size_t frame_pending(const struct frame_writer *w);
/*
 * Write queued bytes. Returns 1 when everything is written, 0 when the fd
 * would block with bytes left, -1 on error (EPIPE included; err_last set).
 */
int frame_flush(struct frame_writer *w);
/* Like frame_flush but waits (poll) until all is written; for workers. */
int frame_flush_all(struct frame_writer *w);

/*
 * max is clamped to 2^32-1. The buffer grows to hold one frame of at most
 * max bytes plus what a read brings with it; the consumed prefix is dropped
 * lazily (linear cost over a stream).
 */
void frame_reader_init(struct frame_reader *r, int fd, size_t max);
/* Frees the buffer; accepts NULL. */
void frame_reader_release(struct frame_reader *r);
/*
 * Read what the fd has now (one read() call) into the reader's buffer.
 * Returns 1 when bytes arrived, 0 when nothing (EAGAIN) or at EOF (r->eof
 * set), -1 on a read error.
 */
int frame_fill(struct frame_reader *r);
/*
 * Take the next whole frame out of the buffer: 1 with *payload and *len set
 * (borrowed: valid until the next frame_fill/frame_next), 0 when no whole
 * frame is buffered, -1 (ERR_PROTO/ERR_LIMIT, err_last set) when the
 * header announces more than r->max or the stream ended inside a frame.
 */
int frame_next(const void **payload, size_t *len, struct frame_reader *r);
/* Blocking: fill until one whole frame or EOF. 1 frame, 0 clean EOF, -1 error. */
int frame_read(const void **payload, size_t *len, struct frame_reader *r);

#endif
