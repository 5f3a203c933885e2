/*
 * Fuzz target `frame`: arbitrary bytes as a channel stream. The bytes go
 * straight into a frame_reader's buffer (as if one read had returned them
 * all, then EOF); every whole frame is decoded with msg_decode. A decoded
 * message must re-encode to a payload that decodes again to the same
 * encoding (encode(decode(x)) is a fixed point), and must fit the frame
 * limit it came through.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/util.h"
#include "tests/fuzz/fuzz.h"

/* Small enough that the limit check is exercised by short inputs. */
#define FUZZ_FRAME_MAX 4096

static void
fuzz_check_reencode(const struct msg *m)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct msg again;

	msg_encode(&a, m);
	if (msg_decode(&again, a.ptr, a.len) != 0)
		BUG("re-encoded %s does not decode", msg_type_name(m->type));
	msg_encode(&b, &again);
	if (a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0)
		BUG("re-encoding of %s is not stable", msg_type_name(m->type));
	msg_release(&again);
	buf_release(&a);
	buf_release(&b);
}

int
fuzz_frame(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	const void *p;
	size_t len;
	int rc;

	frame_reader_init(&r, -1, FUZZ_FRAME_MAX);
	buf_add(&r.in, data, size);
	r.eof = 1;
	while ((rc = frame_next(&p, &len, &r)) == 1) {
		struct msg m;

		if (len > FUZZ_FRAME_MAX)
			BUG("frame of %zu bytes passed the limit", len);
		if (msg_decode(&m, p, len) == 0) {
			fuzz_check_reencode(&m);
			msg_release(&m);
		}
	}
	frame_reader_release(&r);
	return 0;
}

FUZZ_ENTRY(frame)
