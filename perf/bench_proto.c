/*
 * Protocol micro-benchmarks: encoding and decoding of the two bulk
 * messages, a 1000-entry MANIFEST batch and a 1 MiB BLOBS message.
 * Baselines in the same run: msgpack-c's generic unpacker over the same
 * manifest payload (what msg_decode replaces) and a plain memcpy of the
 * blob bytes (the floor for encoding a blob).
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf/bench.h"
#include "proto/msg.h"
#include "shared/util.h"

#define NENT 1000
#define BLOB_SIZE (1024 * 1024)
#define NBLOB 4

static struct msg_manifest_entry *
bench_entries(void)
{
	struct msg_manifest_entry *e = xcalloc(NENT, sizeof(*e));
	size_t i;

	for (i = 0; i < NENT; i++) {
		e[i].path = xasprintf("src/module%03zu/file_%zu.go", i / 10, i);
		e[i].mode = i % 7 ? 0100644 : 0100755;
		snprintf(e[i].oid, sizeof(e[i].oid), "%040zx", i * 2654435761u);
		e[i].binary = i % 13 == 0;
		e[i].transform = i % 3 == 0;
	}
	return e;
}

static void
bench_entries_free(struct msg_manifest_entry *e)
{
	size_t i;

	for (i = 0; i < NENT; i++)
		free(e[i].path);
	free(e);
}

static void
bench_manifest(struct msg *m, struct msg_manifest_entry *e)
{
	msg_init(m, MSG_MANIFEST);
	m->u.manifest.entries = e;
	m->u.manifest.n = NENT;
}

BENCH(ProtoEncodeManifest1000)
{
	struct msg_manifest_entry *e = bench_entries();
	struct buf out = BUF_INIT;
	struct msg m;
	uint64_t i;

	bench_manifest(&m, e);
	msg_encode(&out, &m);
	bench_set_bytes(b, out.len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		buf_reset(&out);
		msg_encode(&out, &m);
	}
	bench_sink(out.ptr);
	buf_release(&out);
	bench_entries_free(e);
}

BENCH(ProtoDecodeManifest1000)
{
	struct msg_manifest_entry *e = bench_entries();
	struct buf out = BUF_INIT;
	struct msg m;
	uint64_t i;

	bench_manifest(&m, e);
	msg_encode(&out, &m);
	bench_set_bytes(b, out.len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		if (msg_decode(&m, out.ptr, out.len) != 0)
			abort();
		bench_sink(m.u.manifest.entries);
		msg_release(&m);
	}
	buf_release(&out);
	bench_entries_free(e);
}

/* Baseline: msgpack-c's generic unpacker (object tree in a zone). */
BENCH(ProtoDecodeManifest1000MsgpackC)
{
	struct msg_manifest_entry *e = bench_entries();
	struct buf out = BUF_INIT;
	msgpack_unpacked u;
	struct msg m;
	uint64_t i;

	bench_manifest(&m, e);
	msg_encode(&out, &m);
	bench_set_bytes(b, out.len);
	msgpack_unpacked_init(&u);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		size_t off = 0;

		if (msgpack_unpack_next(&u, out.ptr, out.len, &off) !=
		    MSGPACK_UNPACK_SUCCESS)
			abort();
		bench_sink(&u.data);
	}
	msgpack_unpacked_destroy(&u);
	buf_release(&out);
	bench_entries_free(e);
}

static void
bench_blobs(struct msg *m, struct msg_blob *items, unsigned char *data)
{
	size_t i;

	for (i = 0; i < NBLOB; i++) {
		snprintf(items[i].oid, sizeof(items[i].oid), "%040zx", i + 1);
		items[i].data = data + i * (BLOB_SIZE / NBLOB);
		items[i].len = BLOB_SIZE / NBLOB;
	}
	msg_init(m, MSG_BLOBS);
	m->u.blobs.items = items;
	m->u.blobs.n = NBLOB;
}

BENCH(ProtoEncodeBlobs1MiB)
{
	unsigned char *data = xmalloc(BLOB_SIZE);
	struct msg_blob items[NBLOB];
	struct buf out = BUF_INIT;
	struct msg m;
	uint64_t i;

	memset(data, 'x', BLOB_SIZE);
	bench_blobs(&m, items, data);
	msg_encode(&out, &m);
	bench_set_bytes(b, BLOB_SIZE);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		buf_reset(&out);
		msg_encode(&out, &m);
	}
	bench_sink(out.ptr);
	buf_release(&out);
	free(data);
}

BENCH(ProtoDecodeBlobs1MiB)
{
	unsigned char *data = xmalloc(BLOB_SIZE);
	struct msg_blob items[NBLOB];
	struct buf out = BUF_INIT;
	struct msg m;
	uint64_t i;

	memset(data, 'x', BLOB_SIZE);
	bench_blobs(&m, items, data);
	msg_encode(&out, &m);
	bench_set_bytes(b, BLOB_SIZE);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		if (msg_decode(&m, out.ptr, out.len) != 0)
			abort();
		bench_sink(m.u.blobs.items);
		msg_release(&m);
	}
	buf_release(&out);
	free(data);
}

/* Baseline: copying the blob bytes once, the least encoding can cost. */
BENCH(ProtoMemcpy1MiB)
{
	unsigned char *data = xmalloc(BLOB_SIZE), *dst = xmalloc(BLOB_SIZE);
	uint64_t i;

	memset(data, 'x', BLOB_SIZE);
	memset(dst, 0, BLOB_SIZE);
	bench_set_bytes(b, BLOB_SIZE);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		memcpy(dst, data, BLOB_SIZE);
		bench_sink(dst);
	}
	free(data);
	free(dst);
}
