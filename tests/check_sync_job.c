/*
 * sync_job — the supervisor side of one target: message order, manifest
 * batches, BLOBS batching at the 1 MiB limit, larger blobs as BLOB_CHUNKs
 * under the write queue's back-pressure, protocol defects. Messages are
 * captured instead of sent through a pool; the queue is a counter.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "gitfix.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/sync/job.h"

struct sent {
	int type;
	size_t n;        /* entries, items or oids */
	size_t bytes;    /* blob bytes */
	uint64_t count;
	uint64_t offset, total;  /* BLOB_CHUNK */
	bool last;
	char oid[41];
};

static struct sent cap[256];
static size_t ncap;
/* What the capture pretends is queued for the worker: blob bytes sent
 * since the test last "drained" it. */
static size_t queued;

/* Chunks of a blob of asm_len bytes are reassembled here. */
static unsigned char *asm_buf;
static size_t asm_len;

static size_t
fake_pending(const struct pool_job *j)
{
	(void)j;
	return queued;
}

static int
capture(struct pool_job *j, const struct msg *m)
{
	size_t i;

	(void)j;
	ck_assert_uint_lt(ncap, ARRAY_SIZE(cap));
	memset(&cap[ncap], 0, sizeof(cap[ncap]));
	cap[ncap].type = m->type;
	if (m->type == MSG_MANIFEST)
		cap[ncap].n = m->u.manifest.n;
	if (m->type == MSG_MANIFEST_END)
		cap[ncap].count = m->u.count.count;
	if (m->type == MSG_BLOBS) {
		cap[ncap].n = m->u.blobs.n;
		for (i = 0; i < m->u.blobs.n; i++)
			cap[ncap].bytes += m->u.blobs.items[i].len;
	}
	if (m->type == MSG_BLOB_CHUNK) {
		cap[ncap].n = 1;
		cap[ncap].bytes = m->u.chunk.len;
		cap[ncap].offset = m->u.chunk.offset;
		cap[ncap].total = m->u.chunk.total;
		cap[ncap].last = m->u.chunk.last;
		memcpy(cap[ncap].oid, m->u.chunk.oid, 41);
	}
	if (m->type == MSG_BLOB_CHUNK && m->u.chunk.total == asm_len &&
	    m->u.chunk.offset + m->u.chunk.len <= asm_len)
		memcpy(asm_buf + m->u.chunk.offset, m->u.chunk.data, m->u.chunk.len);
	queued += cap[ncap].bytes;
	ncap++;
	return 0;
}

static void
setup(struct sync_job *s, size_t nentries)
{
	char oid[41];
	size_t i;

	ncap = 0;
	queued = 0;
	sync_job_init(s);
	s->send = capture;
	s->pending = fake_pending;
	s->repo = xstrdup("acme/t");
	memset(oid, 'a', 40);
	oid[40] = '\0';
	for (i = 0; i < nentries; i++) {
		char path[32];

		snprintf(path, sizeof(path), "f%zu", i);
		sync_job_add_entry(s, path, 0100644, oid, false, false);
	}
}

START_TEST(test_sync_job_start_order_and_batches)
{
	static const size_t sizes[] = { 0, SYNC_JOB_MANIFEST_BATCH, SYNC_JOB_MANIFEST_BATCH + 1 };
	static const size_t batches[] = { 0, 1, 2 };
	struct sync_job s;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		setup(&s, sizes[k]);
		s.token = "secret";
		ck_assert_int_eq(sync_job_start(&s, NULL), 0);
		ck_assert_uint_eq(ncap, 3 + batches[k]);
		ck_assert_int_eq(cap[0].type, MSG_CRED);  /* the worker wants CRED first */
		ck_assert_int_eq(cap[1].type, MSG_JOB);
		if (batches[k] > 0)
			ck_assert_uint_eq(cap[2].n, sizes[k] < SYNC_JOB_MANIFEST_BATCH ? sizes[k] :
			    SYNC_JOB_MANIFEST_BATCH);
		ck_assert_int_eq(cap[ncap - 1].type, MSG_MANIFEST_END);
		ck_assert_uint_eq(cap[ncap - 1].count, sizes[k]);
		ck_assert_int_eq(s.attempts, 1);
		sync_job_release(&s);
	}
	/* no token: no CRED */
	setup(&s, 1);
	ck_assert_int_eq(sync_job_start(&s, NULL), 0);
	ck_assert_int_eq(cap[0].type, MSG_JOB);
	sync_job_release(&s);
}
END_TEST

/* Blobs of the given sizes in a temp repo, listed in s's manifest and in w. */
static void
blobs(struct sync_job *s, git_repository *r, const size_t *sizes, size_t n, struct msg *w)
{
	size_t i;

	msg_init(w, MSG_WANT);
	w->u.want.oids = xcalloc(n, sizeof(*w->u.want.oids));
	w->u.want.n = n;
	for (i = 0; i < n; i++) {
		char *data = xmalloc(sizes[i] + 1);
		char path[32];
		git_oid id;

		memset(data, 'x', sizes[i]);
		data[0] = (char)('a' + i);  /* distinct blobs */
		ck_assert_int_eq(git_blob_create_from_buffer(&id, r, data, sizes[i]), 0);
		git_oid_tostr(w->u.want.oids[i], 41, &id);
		snprintf(path, sizeof(path), "b%zu", i);
		sync_job_add_entry(s, path, 0100644, w->u.want.oids[i], false, false);
		free(data);
	}
}

START_TEST(test_sync_job_blobs_limit)
{
	const size_t M = SYNC_JOB_BLOBS_MAX;
	struct {
		size_t sizes[3];
		size_t n;
		size_t msgs;
	} cases[] = {
		{ { 0 }, 0, 0 },                          /* nothing wanted */
		{ { M / 2, M / 2 }, 2, 1 },               /* exactly the max: one message */
		{ { M / 2, M / 2 + 1 }, 2, 2 },           /* max + 1: two */
		{ { M, 10 }, 2, 2 },                      /* a blob of exactly the max: BLOBS */
		{ { M + 1, 10 }, 2, 3 },                  /* one byte more: chunks M + 1, then BLOBS */
		{ { 1, 1, 1 }, 3, 1 },
	};
	char *dir;
	git_repository *r;
	size_t k, i, total, sum;

	git_libgit2_init();
	dir = gitfix_tmpdir();
	r = gitfix_init(dir, "main");
	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		struct sync_job s;
		struct msg w;

		setup(&s, 0);
		ck_assert_int_eq(git_repository_odb(&s.odb, r), 0);
		s.src_repo = r;
		blobs(&s, r, cases[k].sizes, cases[k].n, &w);
		ck_assert_int_eq(sync_job_message(&s, NULL, &w), 0);
		/* The queue never filled (each message adds at most 1 MiB to an
		 * empty one... until 2 MiB): drain and ask again until nothing moves. */
		for (i = ncap + 1; i != ncap; ) {
			i = ncap;
			queued = 0;
			ck_assert_int_eq(sync_job_writable(&s, NULL), 0);
		}
		ck_assert_uint_eq(ncap, cases[k].msgs);
		for (i = 0, total = 0, sum = 0; i < ncap; i++) {
			ck_assert(cap[i].bytes <= M);
			if (cap[i].type == MSG_BLOB_CHUNK) {
				total += cap[i].last;
			} else {
				ck_assert_int_eq(cap[i].type, MSG_BLOBS);
				total += cap[i].n;
			}
			sum += cap[i].bytes;
		}
		ck_assert_uint_eq(total, cases[k].n);
		for (i = 0; i < cases[k].n; i++)
			sum -= cases[k].sizes[i];
		ck_assert_uint_eq(sum, 0);
		ck_assert_uint_eq(s.blobs_sent, cases[k].n);
		free(w.u.want.oids);
		git_odb_free(s.odb);
		sync_job_release(&s);
	}
	git_repository_free(r);
	gitfix_rmrf(dir);
	free(dir);
	git_libgit2_shutdown();
}
END_TEST

/*
 * A 5 MiB blob between two small ones, the queue full when WANT comes:
 * nothing is read until it drains, each drain adds at most
 * SYNC_JOB_HIGH_WATER + SYNC_JOB_CHUNK bytes, the chunks are contiguous
 * and reassemble the blob, and BLOBS_END waits for the last one.
 */
START_TEST(test_sync_job_stream_backpressure)
{
	const size_t big = 5 * SYNC_JOB_CHUNK + 3;
	unsigned char *data = xmalloc(big);
	struct sync_job s;
	struct msg w, end;
	git_repository *r;
	git_oid id;
	char *dir;
	size_t i, k, rounds = 0, chunks = 0;
	uint64_t off = 0;

	for (i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 7 + i / 4096);
	git_libgit2_init();
	dir = gitfix_tmpdir();
	r = gitfix_init(dir, "main");
	setup(&s, 0);
	ck_assert_int_eq(git_repository_odb(&s.odb, r), 0);
	s.src_repo = r;
	blobs(&s, r, (const size_t[]){ 10, 20 }, 2, &w);
	ck_assert_int_eq(git_blob_create_from_buffer(&id, r, data, big), 0);
	w.u.want.oids = xrealloc(w.u.want.oids, 3 * sizeof(*w.u.want.oids));
	memcpy(w.u.want.oids[2], w.u.want.oids[1], 41);
	git_oid_tostr(w.u.want.oids[1], 41, &id);
	w.u.want.n = 3;
	sync_job_add_entry(&s, "big.bin", 0100644, w.u.want.oids[1], true, false);
	asm_buf = xcalloc(1, big);
	asm_len = big;

	queued = SYNC_JOB_HIGH_WATER;
	ck_assert_int_eq(sync_job_message(&s, NULL, &w), 0);
	msg_init(&end, MSG_WANT_END);
	ck_assert_int_eq(sync_job_message(&s, NULL, &end), 0);
	ck_assert_uint_eq(ncap, 0);       /* a full queue: nothing read, no BLOBS_END */
	while (ncap == 0 || cap[ncap - 1].type != MSG_BLOBS_END) {
		ck_assert_uint_lt(++rounds, 20);
		queued = 0;
		ck_assert_int_eq(sync_job_writable(&s, NULL), 0);
		ck_assert_uint_le(queued, SYNC_JOB_HIGH_WATER + SYNC_JOB_CHUNK);
	}
	ck_assert_uint_ge(rounds, 3);     /* 5 MiB took several drains */
	/* BLOBS(10) CHUNK x6 BLOBS(20) BLOBS_END */
	ck_assert_int_eq(cap[0].type, MSG_BLOBS);
	ck_assert_uint_eq(cap[0].bytes, 10);
	for (k = 1; cap[k].type == MSG_BLOB_CHUNK; k++, chunks++) {
		ck_assert_str_eq(cap[k].oid, w.u.want.oids[1]);
		ck_assert_uint_eq(cap[k].offset, off);
		ck_assert_uint_eq(cap[k].total, big);
		ck_assert_uint_le(cap[k].bytes, SYNC_JOB_CHUNK);
		off += cap[k].bytes;
		ck_assert_int_eq(cap[k].last, off == big);
	}
	ck_assert_uint_eq(chunks, 6);
	ck_assert_uint_eq(off, big);
	ck_assert(memcmp(asm_buf, data, big) == 0);
	ck_assert_int_eq(cap[k].type, MSG_BLOBS);
	ck_assert_uint_eq(cap[k].bytes, 20);
	ck_assert_int_eq(cap[k + 1].type, MSG_BLOBS_END);
	ck_assert_uint_eq(ncap, k + 2);
	ck_assert_uint_eq(s.blobs_sent, 3);
	ck_assert_uint_eq(s.chunks_sent, 6);
	/* A second WANT_END, or a WANT after it, is the worker's mistake. */
	ck_assert_int_eq(sync_job_message(&s, NULL, &end), ERR_PROTO);
	ck_assert_str_eq(err_last(), "second WANT_END from the worker of 'acme/t'");
	ck_assert_int_eq(sync_job_message(&s, NULL, &w), ERR_PROTO);
	ck_assert_str_eq(err_last(), "WANT after WANT_END from the worker of 'acme/t'");

	free(asm_buf);
	asm_buf = NULL;
	asm_len = 0;
	free(w.u.want.oids);
	git_odb_free(s.odb);
	sync_job_release(&s);
	git_repository_free(r);
	gitfix_rmrf(dir);
	free(dir);
	free(data);
	git_libgit2_shutdown();
}
END_TEST

START_TEST(test_sync_job_protocol_defects)
{
	struct sync_job s;
	struct msg m;
	char oids[1][41];

	setup(&s, 1);
	/* a blob that is not in the manifest */
	memset(oids[0], 'b', 40);
	oids[0][40] = '\0';
	msg_init(&m, MSG_WANT);
	m.u.want.oids = oids;
	m.u.want.n = 1;
	ck_assert_int_eq(sync_job_message(&s, NULL, &m), ERR_PROTO);
	ck_assert_str_eq(err_last(), "worker wants blob bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, "
	    "which is not in its manifest");
	ck_assert_uint_eq(ncap, 0);
	/* WANT_END -> BLOBS_END */
	msg_init(&m, MSG_WANT_END);
	ck_assert_int_eq(sync_job_message(&s, NULL, &m), 0);
	ck_assert_int_eq(cap[0].type, MSG_BLOBS_END);
	/* one RESULT only */
	msg_init(&m, MSG_RESULT);
	m.u.result.outcome = "pushed";
	m.u.result.branch = "b";
	ck_assert_int_eq(sync_job_message(&s, NULL, &m), 0);
	ck_assert(s.has_result);
	ck_assert_int_eq(sync_job_message(&s, NULL, &m), ERR_PROTO);
	ck_assert_str_eq(err_last(), "second RESULT from the worker of 'acme/t'");
	/* a supervisor-to-worker message coming back */
	msg_init(&m, MSG_JOB);
	ck_assert_int_eq(sync_job_message(&s, NULL, &m), ERR_PROTO);
	ck_assert_str_eq(err_last(), "unexpected 'job' from the worker of 'acme/t'");
	/* a retry starts clean */
	ck_assert_int_eq(sync_job_start(&s, NULL), 0);
	ck_assert(!s.has_result);
	ck_assert_int_eq(s.attempts, 1);
	sync_job_release(&s);
}
END_TEST

Suite *
sync_job_suite(void)
{
	Suite *s = suite_create("sync_job");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_sync_job_start_order_and_batches);
	tcase_add_test(tc, test_sync_job_blobs_limit);
	tcase_add_test(tc, test_sync_job_stream_backpressure);
	tcase_add_test(tc, test_sync_job_protocol_defects);
	suite_add_tcase(s, tc);
	return s;
}
