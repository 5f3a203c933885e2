/*
 * Suite `msg`: message encoding and the bounded decoder.
 */
#include <check.h>
#include <msgpack.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"

#define OID1 "0123456789abcdef0123456789abcdef01234567"
#define OID2 "fedcba9876543210fedcba9876543210fedcba98"
#define OID3 "00000000000000000000000000000000000000ff"

/* A string literal and its length (without the terminating NUL). */
#define R(s) s, sizeof(s) - 1

/* ---- crafting payloads by hand (msgpack-c's packer into a buf) ---- */

struct pk {
	struct buf b;
	msgpack_packer p;
};

static int
pk_write(void *data, const char *s, size_t n)
{
	buf_add(data, s, n);
	return 0;
}

static void
pk_init(struct pk *k)
{
	buf_init(&k->b, 0);
	msgpack_packer_init(&k->p, &k->b, pk_write);
}

static void
pk_str(struct pk *k, const char *s)
{
	msgpack_pack_str(&k->p, strlen(s));
	msgpack_pack_str_body(&k->p, s, strlen(s));
}

static void
pk_bin(struct pk *k, const void *d, size_t n)
{
	msgpack_pack_bin(&k->p, n);
	msgpack_pack_bin_body(&k->p, d, n);
}

static void
pk_raw(struct pk *k, const char *bytes, size_t n)
{
	buf_add(&k->b, bytes, n);
}

/* [type, id, ...] header; the caller packs the body. */
static void
pk_head(struct pk *k, int type, uint64_t id)
{
	msgpack_pack_array(&k->p, 3);
	msgpack_pack_int(&k->p, type);
	msgpack_pack_uint64(&k->p, id);
}

/* Decode k's payload; return the code, m released. */
static int
pk_decode(struct pk *k)
{
	struct msg m;
	int rc;

	err_clear();
	rc = msg_decode(&m, k->b.ptr, k->b.len);
	if (rc == 0)
		msg_release(&m);
	buf_release(&k->b);
	return rc;
}

#define ck_assert_bad(k, text) do { \
	ck_assert_int_eq(pk_decode(k), ERR_PROTO); \
	ck_assert_str_eq(err_last(), text); \
} while (0)

/* ---- full messages ---- */

static char *del_v[] = { "old/a", "old/b.txt" };
static char *prune_v[] = { ".github/workflows" };
static char *argv_v[] = { "make", "-j2", "test" };
static struct msg_kv vars_v[] = { { "SERVICE", "api" }, { "ENV", "" } };
static struct msg_kv emails_v[] = { { "security", "sec@x.org" },
	{ "support", "help@x.org" } };
static struct msg_kv requires_v[] = { { "github.com/acme/lib/errs", "v1.2.0" } };
static struct msg_manifest_entry ents_v[] = {
	{ "README.md", 0100644, OID1, false, true },
	{ "bin/run", 0100755, OID2, true, false },
	{ "link", 0120000, OID3, false, false },
};
static const unsigned char blob_a[] = "first blob\n";
static struct msg_blob blobs_v[] = {
	{ OID1, blob_a, sizeof(blob_a) - 1 },
	{ OID2, (const unsigned char *)"", 0 },
};
static char oids_v[2][41] = { OID2, OID3 };
static struct msg_file files_v[] = {
	{ "a", FILE_ADDED }, { "b", FILE_MODIFIED }, { "c", FILE_UNCHANGED },
	{ "d", FILE_DELETED }, { "e", FILE_SKIPPED },
};
static struct msg_kv phase_v[] = { { "fetch", "12" }, { "push", "40" } };
static struct msg_kv stacks_v[] = { { "main;run_job;poll", "7" }, { "main;a<b>&c", "1" } };

static const int all_types[] = {
	MSG_HELLO, MSG_JOB, MSG_CRED, MSG_MANIFEST, MSG_MANIFEST_END,
	MSG_BLOBS, MSG_BLOBS_END, MSG_CANCEL, MSG_BLOB_CHUNK, MSG_READY, MSG_PHASE, MSG_WANT,
	MSG_WANT_END, MSG_FILES, MSG_LOG, MSG_RESULT, MSG_ERROR, MSG_STATS, MSG_PROFILE,
};

/* m with every field set to a distinct value (borrowed static data). */
static void
fill_full(struct msg *m, int type)
{
	msg_init(m, type);
	m->id = 1000 + (uint64_t)type;
	switch (type) {
	case MSG_HELLO:
		m->u.hello.proto = PROTO_VERSION;
		m->u.hello.run_id = "20240101-abc";
		break;
	case MSG_JOB: {
		struct msg_job *j = &m->u.job;

		j->mode = JOB_RUN;
		j->target = "acme/api";
		j->remote_url = "http://127.0.0.1:9/acme/api.git";
		j->cache_dir = "/var/cache/repocast";
		j->base_branch = "main";
		j->sync_branch = "chore/sync-files";
		j->existing_branch = "chore/sync-old";
		j->existing_head = OID1;
		j->base_head = OID3;
		j->commit_message = "sync: update files\n\nbody";
		j->author_name = "Sync Bot";
		j->author_email = "bot@x.org";
		j->dry_run = true;
		j->want_diff = true;
		j->commit_api = true;
		j->delete_paths.v = del_v;
		j->delete_paths.n = 2;
		j->repo_from = "acme/src";
		j->repo_to = "acme/api";
		j->vars = vars_v;
		j->nvars = 2;
		j->emails = emails_v;
		j->nemails = 2;
		j->prune_dirs.v = prune_v;
		j->prune_dirs.n = 1;
		j->go_requires = requires_v;
		j->ngo_requires = 1;
		j->argv.v = argv_v;
		j->argv.n = 3;
		j->sign_method = "ssh";
		j->sign_key = "/home/bot/.ssh/id_ed25519";
		j->sign_program = "ssh-keygen";
		j->cpu_seconds = UINT64_C(1) << 40;
		j->open_files = 1024;
		j->max_frame = FRAME_MAX_DEFAULT;
		j->profile_us = 997;
		j->perf = "/usr/bin/perf";
		break;
	}
	case MSG_CRED:
		m->u.cred.token = "ghp_secret";
		break;
	case MSG_MANIFEST:
		m->u.manifest.entries = ents_v;
		m->u.manifest.n = 3;
		break;
	case MSG_MANIFEST_END:
		m->u.count.count = 3;
		break;
	case MSG_BLOBS:
		m->u.blobs.items = blobs_v;
		m->u.blobs.n = 2;
		break;
	case MSG_BLOB_CHUNK:
		memcpy(m->u.chunk.oid, OID2, 41);
		m->u.chunk.offset = UINT64_C(5) << 32;  /* past 4 GiB: a 64-bit offset */
		m->u.chunk.total = (UINT64_C(5) << 32) + sizeof(blob_a) - 1;
		m->u.chunk.data = blob_a;
		m->u.chunk.len = sizeof(blob_a) - 1;
		m->u.chunk.last = true;
		break;
	case MSG_READY:
		m->u.ready.pid = 4242;
		m->u.ready.libgit2 = "1.5.1";
		break;
	case MSG_PHASE:
		m->u.phase.name = "fetch";
		m->u.phase.ms = 17;
		break;
	case MSG_WANT:
		m->u.want.oids = oids_v;
		m->u.want.n = 2;
		break;
	case MSG_FILES:
		m->u.files.items = files_v;
		m->u.files.n = 5;
		break;
	case MSG_LOG:
		m->u.log.level = LOG_DEBUG;
		m->u.log.text = "fetching 'acme/api'";
		break;
	case MSG_RESULT: {
		struct msg_result *r = &m->u.result;

		r->outcome = "pushed";
		r->commit = OID2;
		r->branch = "chore/sync-files";
		r->changed = 1;
		r->added = 2;
		r->deleted = 3;
		r->bytes = UINT64_MAX;
		r->diffstat = " 3 files changed";
		r->diff = "--- a/x\n+++ b/x\n";
		r->exit_code = -1;
		r->term_signal = 9;
		r->cmd_utime_us = 11;
		r->cmd_stime_us = 12;
		r->cmd_maxrss_kib = 13;
		r->cmd_wall_ms = 14;
		break;
	}
	case MSG_ERROR:
		m->u.error.code = "auth";
		m->u.error.text = "cannot push 'acme/api': denied";
		break;
	case MSG_STATS:
		m->u.stats.vm_hwm_kib = 20480;
		m->u.stats.phase_ms = phase_v;
		m->u.stats.nphase = 2;
		m->u.stats.bytes_in = 100;
		m->u.stats.bytes_out = 200;
		m->u.stats.msgs_in = 3;
		m->u.stats.msgs_out = INT64_MAX;
		break;
	case MSG_PROFILE:
		m->u.profile.period_us = 1000;
		m->u.profile.samples = 8;
		m->u.profile.lost = 2;
		m->u.profile.stacks = stacks_v;
		m->u.profile.nstacks = 2;
		m->u.profile.perf = "not available: perf is not on PATH";
		break;
	default:
		break;
	}
}

static void
check_strv(const struct strv *v, char **want, size_t n)
{
	size_t i;

	ck_assert_uint_eq(v->n, n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(v->v[i], want[i]);
}

static void
check_kv(const struct msg_kv *kv, size_t n, const struct msg_kv *want,
    size_t wn)
{
	size_t i;

	ck_assert_uint_eq(n, wn);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(kv[i].key, want[i].key);
		ck_assert_str_eq(kv[i].value, want[i].value);
	}
}

/* d, decoded from fill_full's message of the same type, equals it. */
static void
check_full(const struct msg *d, int type, const void *payload, size_t len)
{
	size_t i;

	ck_assert_int_eq(d->type, type);
	ck_assert_uint_eq(d->id, 1000 + (uint64_t)type);
	switch (type) {
	case MSG_HELLO:
		ck_assert_uint_eq(d->u.hello.proto, PROTO_VERSION);
		ck_assert_str_eq(d->u.hello.run_id, "20240101-abc");
		break;
	case MSG_JOB: {
		const struct msg_job *j = &d->u.job;

		ck_assert_int_eq(j->mode, JOB_RUN);
		ck_assert_str_eq(j->target, "acme/api");
		ck_assert_str_eq(j->remote_url, "http://127.0.0.1:9/acme/api.git");
		ck_assert_str_eq(j->cache_dir, "/var/cache/repocast");
		ck_assert_str_eq(j->base_branch, "main");
		ck_assert_str_eq(j->sync_branch, "chore/sync-files");
		ck_assert_str_eq(j->existing_branch, "chore/sync-old");
		ck_assert_str_eq(j->existing_head, OID1);
		ck_assert_str_eq(j->base_head, OID3);
		ck_assert_str_eq(j->commit_message, "sync: update files\n\nbody");
		ck_assert_str_eq(j->author_name, "Sync Bot");
		ck_assert_str_eq(j->author_email, "bot@x.org");
		ck_assert(j->dry_run);
		ck_assert(j->want_diff);
		ck_assert(j->commit_api);
		check_strv(&j->delete_paths, del_v, 2);
		ck_assert_str_eq(j->repo_from, "acme/src");
		ck_assert_str_eq(j->repo_to, "acme/api");
		check_kv(j->vars, j->nvars, vars_v, 2);
		check_kv(j->emails, j->nemails, emails_v, 2);
		check_strv(&j->prune_dirs, prune_v, 1);
		check_kv(j->go_requires, j->ngo_requires, requires_v, 1);
		check_strv(&j->argv, argv_v, 3);
		ck_assert_str_eq(j->sign_method, "ssh");
		ck_assert_str_eq(j->sign_key, "/home/bot/.ssh/id_ed25519");
		ck_assert_str_eq(j->sign_program, "ssh-keygen");
		ck_assert_uint_eq(j->cpu_seconds, UINT64_C(1) << 40);
		ck_assert_uint_eq(j->open_files, 1024);
		ck_assert_uint_eq(j->max_frame, FRAME_MAX_DEFAULT);
		ck_assert_uint_eq(j->profile_us, 997);
		ck_assert_str_eq(j->perf, "/usr/bin/perf");
		break;
	}
	case MSG_CRED:
		ck_assert_str_eq(d->u.cred.token, "ghp_secret");
		break;
	case MSG_MANIFEST:
		ck_assert_uint_eq(d->u.manifest.n, 3);
		for (i = 0; i < 3; i++) {
			const struct msg_manifest_entry *e = &d->u.manifest.entries[i];

			ck_assert_str_eq(e->path, ents_v[i].path);
			ck_assert_uint_eq(e->mode, ents_v[i].mode);
			ck_assert_str_eq(e->oid, ents_v[i].oid);
			ck_assert_int_eq(e->binary, ents_v[i].binary);
			ck_assert_int_eq(e->transform, ents_v[i].transform);
		}
		break;
	case MSG_MANIFEST_END:
		ck_assert_uint_eq(d->u.count.count, 3);
		break;
	case MSG_BLOBS:
		ck_assert_uint_eq(d->u.blobs.n, 2);
		for (i = 0; i < 2; i++) {
			const struct msg_blob *b = &d->u.blobs.items[i];

			ck_assert_str_eq(b->oid, blobs_v[i].oid);
			ck_assert_uint_eq(b->len, blobs_v[i].len);
			ck_assert(memcmp(b->data, blobs_v[i].data, b->len) == 0);
			/* Borrowed from the payload, not copied. */
			ck_assert(b->data >= (const unsigned char *)payload);
			ck_assert(b->data + b->len <=
			    (const unsigned char *)payload + len);
		}
		break;
	case MSG_BLOB_CHUNK:
		ck_assert_str_eq(d->u.chunk.oid, OID2);
		ck_assert_uint_eq(d->u.chunk.offset, UINT64_C(5) << 32);
		ck_assert_uint_eq(d->u.chunk.total, (UINT64_C(5) << 32) + sizeof(blob_a) - 1);
		ck_assert_uint_eq(d->u.chunk.len, sizeof(blob_a) - 1);
		ck_assert(memcmp(d->u.chunk.data, blob_a, d->u.chunk.len) == 0);
		ck_assert(d->u.chunk.last);
		/* Borrowed from the payload, not copied. */
		ck_assert(d->u.chunk.data >= (const unsigned char *)payload);
		ck_assert(d->u.chunk.data + d->u.chunk.len <= (const unsigned char *)payload + len);
		break;
	case MSG_READY:
		ck_assert_int_eq(d->u.ready.pid, 4242);
		ck_assert_str_eq(d->u.ready.libgit2, "1.5.1");
		break;
	case MSG_PHASE:
		ck_assert_str_eq(d->u.phase.name, "fetch");
		ck_assert_uint_eq(d->u.phase.ms, 17);
		break;
	case MSG_WANT:
		ck_assert_uint_eq(d->u.want.n, 2);
		ck_assert_str_eq(d->u.want.oids[0], OID2);
		ck_assert_str_eq(d->u.want.oids[1], OID3);
		break;
	case MSG_FILES:
		ck_assert_uint_eq(d->u.files.n, 5);
		for (i = 0; i < 5; i++) {
			ck_assert_str_eq(d->u.files.items[i].path, files_v[i].path);
			ck_assert_int_eq(d->u.files.items[i].status,
			    files_v[i].status);
		}
		break;
	case MSG_LOG:
		ck_assert_int_eq(d->u.log.level, LOG_DEBUG);
		ck_assert_str_eq(d->u.log.text, "fetching 'acme/api'");
		break;
	case MSG_RESULT: {
		const struct msg_result *r = &d->u.result;

		ck_assert_str_eq(r->outcome, "pushed");
		ck_assert_str_eq(r->commit, OID2);
		ck_assert_str_eq(r->branch, "chore/sync-files");
		ck_assert_uint_eq(r->changed, 1);
		ck_assert_uint_eq(r->added, 2);
		ck_assert_uint_eq(r->deleted, 3);
		ck_assert_uint_eq(r->bytes, UINT64_MAX);
		ck_assert_str_eq(r->diffstat, " 3 files changed");
		ck_assert_str_eq(r->diff, "--- a/x\n+++ b/x\n");
		ck_assert_int_eq(r->exit_code, -1);
		ck_assert_int_eq(r->term_signal, 9);
		ck_assert_uint_eq(r->cmd_utime_us, 11);
		ck_assert_uint_eq(r->cmd_stime_us, 12);
		ck_assert_uint_eq(r->cmd_maxrss_kib, 13);
		ck_assert_uint_eq(r->cmd_wall_ms, 14);
		break;
	}
	case MSG_ERROR:
		ck_assert_str_eq(d->u.error.code, "auth");
		ck_assert_str_eq(d->u.error.text, "cannot push 'acme/api': denied");
		break;
	case MSG_STATS:
		ck_assert_uint_eq(d->u.stats.vm_hwm_kib, 20480);
		check_kv(d->u.stats.phase_ms, d->u.stats.nphase, phase_v, 2);
		ck_assert_uint_eq(d->u.stats.bytes_in, 100);
		ck_assert_uint_eq(d->u.stats.bytes_out, 200);
		ck_assert_uint_eq(d->u.stats.msgs_in, 3);
		ck_assert_uint_eq(d->u.stats.msgs_out, INT64_MAX);
		break;
	case MSG_PROFILE:
		ck_assert_uint_eq(d->u.profile.period_us, 1000);
		ck_assert_uint_eq(d->u.profile.samples, 8);
		ck_assert_uint_eq(d->u.profile.lost, 2);
		check_kv(d->u.profile.stacks, d->u.profile.nstacks, stacks_v, 2);
		ck_assert_str_eq(d->u.profile.perf, "not available: perf is not on PATH");
		break;
	default:
		break;
	}
}

START_TEST(test_roundtrip_full)
{
	size_t t;

	for (t = 0; t < ARRAY_SIZE(all_types); t++) {
		struct buf a = BUF_INIT, b = BUF_INIT;
		struct msg m, d;

		fill_full(&m, all_types[t]);
		msg_encode(&a, &m);
		ck_assert_int_eq(msg_decode(&d, a.ptr, a.len), 0);
		check_full(&d, all_types[t], a.ptr, a.len);
		/* Encoding what was decoded gives the same bytes. */
		msg_encode(&b, &d);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert(memcmp(a.ptr, b.ptr, a.len) == 0);
		msg_release(&d);
		ck_assert_int_eq(d.type, 0);
		buf_release(&a);
		buf_release(&b);
	}
}
END_TEST

START_TEST(test_roundtrip_minimal)
{
	size_t t;

	/* Zeroed messages: optionals absent, NULL required strings as "". */
	for (t = 0; t < ARRAY_SIZE(all_types); t++) {
		struct buf a = BUF_INIT;
		struct msg m, d;

		msg_init(&m, all_types[t]);
		if (all_types[t] == MSG_BLOB_CHUNK) {
			/* An oid has no empty form; an empty blob's one chunk is its last. */
			memcpy(m.u.chunk.oid, OID1, 41);
			m.u.chunk.last = true;
		}
		msg_encode(&a, &m);
		ck_assert_int_eq(msg_decode(&d, a.ptr, a.len), 0);
		ck_assert_int_eq(d.type, all_types[t]);
		ck_assert_uint_eq(d.id, 0);
		switch (d.type) {
		case MSG_JOB:
			ck_assert_int_eq(d.u.job.mode, JOB_SYNC);
			ck_assert_str_eq(d.u.job.target, "");
			ck_assert_str_eq(d.u.job.author_name, "");
			ck_assert_ptr_null(d.u.job.existing_branch);
			ck_assert_ptr_null(d.u.job.existing_head);
			ck_assert_ptr_null(d.u.job.base_head);
			ck_assert_ptr_null(d.u.job.sign_method);
			ck_assert_ptr_null(d.u.job.sign_key);
			ck_assert_uint_eq(d.u.job.delete_paths.n, 0);
			ck_assert_uint_eq(d.u.job.nvars, 0);
			ck_assert(!d.u.job.dry_run);
			break;
		case MSG_RESULT:
			ck_assert_str_eq(d.u.result.outcome, "");
			ck_assert_ptr_null(d.u.result.commit);
			ck_assert_ptr_null(d.u.result.branch);
			ck_assert_ptr_null(d.u.result.diffstat);
			ck_assert_ptr_null(d.u.result.diff);
			break;
		case MSG_MANIFEST:
			ck_assert_uint_eq(d.u.manifest.n, 0);
			break;
		case MSG_CRED:
			ck_assert_str_eq(d.u.cred.token, "");
			break;
		default:
			break;
		}
		msg_release(&d);
		buf_release(&a);
	}
}
END_TEST

START_TEST(test_empty_bodies)
{
	static const int empty[] = { MSG_BLOBS_END, MSG_WANT_END, MSG_CANCEL };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(empty); i++) {
		struct buf a = BUF_INIT;
		struct msg m;

		msg_init(&m, empty[i]);
		m.id = 5;
		msg_encode(&a, &m);
		/* [type, 5, {}] */
		ck_assert_uint_eq(a.len, 4);
		ck_assert_int_eq((unsigned char)a.ptr[0], 0x93);
		ck_assert_int_eq((unsigned char)a.ptr[1], empty[i]);
		ck_assert_int_eq((unsigned char)a.ptr[2], 5);
		ck_assert_int_eq((unsigned char)a.ptr[3], 0x80);
		buf_release(&a);
	}
}
END_TEST

START_TEST(test_msgpack_interop)
{
	size_t t;

	/* What we encode is plain msgpack: msgpack-c's own unpacker reads it. */
	for (t = 0; t < ARRAY_SIZE(all_types); t++) {
		struct buf a = BUF_INIT;
		msgpack_unpacked u;
		size_t off = 0;
		struct msg m;

		fill_full(&m, all_types[t]);
		msg_encode(&a, &m);
		msgpack_unpacked_init(&u);
		ck_assert_int_eq(msgpack_unpack_next(&u, a.ptr, a.len, &off),
		    MSGPACK_UNPACK_SUCCESS);
		ck_assert_uint_eq(off, a.len);
		ck_assert_int_eq(u.data.type, MSGPACK_OBJECT_ARRAY);
		ck_assert_uint_eq(u.data.via.array.size, 3);
		ck_assert_uint_eq(u.data.via.array.ptr[0].via.u64,
		    (uint64_t)all_types[t]);
		ck_assert_int_eq(u.data.via.array.ptr[2].type, MSGPACK_OBJECT_MAP);
		msgpack_unpacked_destroy(&u);
		buf_release(&a);
	}
}
END_TEST

START_TEST(test_lenient_integers)
{
	struct pk k;
	struct msg m;

	/* A non-negative number in a signed encoding is still a number. */
	pk_init(&k);
	pk_raw(&k, R("\x93\xd0\x01\xd3\0\0\0\0\0\0\0\x07\x82"));
	pk_str(&k, "proto");
	pk_raw(&k, R("\xd2\0\0\0\x01"));
	pk_str(&k, "run_id");
	pk_str(&k, "r");
	ck_assert_int_eq(msg_decode(&m, k.b.ptr, k.b.len), 0);
	ck_assert_int_eq(m.type, MSG_HELLO);
	ck_assert_uint_eq(m.id, 7);
	ck_assert_uint_eq(m.u.hello.proto, 1);
	msg_release(&m);
	buf_release(&k.b);

	/* Negative numbers for signed fields, in every width. */
	pk_init(&k);
	pk_head(&k, MSG_READY, 1);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "pid");
	msgpack_pack_int64(&k.p, INT64_MIN);
	pk_str(&k, "libgit2");
	pk_str(&k, "");
	ck_assert_int_eq(msg_decode(&m, k.b.ptr, k.b.len), 0);
	ck_assert_int_eq(m.u.ready.pid, INT64_MIN);
	msg_release(&m);
	buf_release(&k.b);

	pk_init(&k);
	pk_head(&k, MSG_READY, 1);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "pid");
	pk_raw(&k, R("\xd1\xff\x85")); /* int16 -123 */
	pk_str(&k, "libgit2");
	pk_str(&k, "");
	ck_assert_int_eq(msg_decode(&m, k.b.ptr, k.b.len), 0);
	ck_assert_int_eq(m.u.ready.pid, -123);
	msg_release(&m);
	buf_release(&k.b);
}
END_TEST

/* ---- bad payloads: each with its exact error text ---- */

START_TEST(test_bad_envelope)
{
	struct pk k;
	struct msg m;

	err_clear();
	ck_assert_int_eq(msg_decode(&m, "", 0), ERR_PROTO);
	ck_assert_str_eq(err_last(), "protocol error: empty payload");

	pk_init(&k);
	msgpack_pack_map(&k.p, 0);
	ck_assert_bad(&k, "protocol error: payload: expected array");

	pk_init(&k);
	pk_str(&k, "hello");
	ck_assert_bad(&k, "protocol error: payload: expected array");

	pk_init(&k);
	msgpack_pack_array(&k.p, 2);
	msgpack_pack_int(&k.p, MSG_CANCEL);
	msgpack_pack_int(&k.p, 0);
	ck_assert_bad(&k,
	    "protocol error: payload: expected [type, id, body], got 2 elements");

	pk_init(&k);
	msgpack_pack_array(&k.p, 4);
	msgpack_pack_int(&k.p, MSG_CANCEL);
	msgpack_pack_int(&k.p, 0);
	msgpack_pack_map(&k.p, 0);
	msgpack_pack_nil(&k.p);
	ck_assert_bad(&k,
	    "protocol error: payload: expected [type, id, body], got 4 elements");

	pk_init(&k);
	msgpack_pack_array(&k.p, 3);
	pk_str(&k, "cancel");
	msgpack_pack_int(&k.p, 0);
	msgpack_pack_map(&k.p, 0);
	ck_assert_bad(&k, "protocol error: payload.type: expected unsigned integer");

	pk_init(&k);
	pk_head(&k, 99, 0);
	msgpack_pack_map(&k.p, 0);
	ck_assert_bad(&k, "protocol error: unknown message type 99");

	pk_init(&k);
	pk_head(&k, 0, 0);
	msgpack_pack_map(&k.p, 0);
	ck_assert_bad(&k, "protocol error: unknown message type 0");

	pk_init(&k);
	msgpack_pack_array(&k.p, 3);
	msgpack_pack_uint64(&k.p, UINT64_C(1) << 32 | MSG_CANCEL);
	msgpack_pack_int(&k.p, 0);
	msgpack_pack_map(&k.p, 0);
	ck_assert_bad(&k, "protocol error: unknown message type 4294967304");

	pk_init(&k);
	msgpack_pack_array(&k.p, 3);
	msgpack_pack_int(&k.p, MSG_CANCEL);
	msgpack_pack_int(&k.p, -1);
	msgpack_pack_map(&k.p, 0);
	ck_assert_bad(&k, "protocol error: cancel.id: expected unsigned integer");

	pk_init(&k);
	pk_head(&k, MSG_CANCEL, 0);
	msgpack_pack_array(&k.p, 0);
	ck_assert_bad(&k, "protocol error: cancel: expected map");

	pk_init(&k);
	pk_head(&k, MSG_CANCEL, 0);
	msgpack_pack_map(&k.p, 0);
	msgpack_pack_nil(&k.p);
	ck_assert_bad(&k, "protocol error: cancel: 1 trailing bytes");

	pk_init(&k);
	pk_head(&k, MSG_CANCEL, 0);
	ck_assert_bad(&k, "protocol error: payload: 3 elements exceed the payload");

	pk_init(&k);
	pk_head(&k, MSG_CANCEL, 0);
	pk_raw(&k, R("\x81\xa5" "ab"));
	ck_assert_bad(&k, "protocol error: cancel: truncated");

	pk_init(&k);
	pk_head(&k, MSG_CANCEL, 0);
	pk_raw(&k, R("\x81\xa2" "ab"));
	ck_assert_bad(&k, "protocol error: cancel: unknown key 'ab'");
}
END_TEST

/* A HELLO body with one field replaced by raw bytes. */
static void
pk_hello(struct pk *k, const char *proto_raw, size_t n)
{
	pk_init(k);
	pk_head(k, MSG_HELLO, 0);
	msgpack_pack_map(&k->p, 2);
	pk_str(k, "proto");
	pk_raw(k, proto_raw, n);
	pk_str(k, "run_id");
	pk_str(k, "r1");
}

START_TEST(test_bad_fields)
{
	struct pk k;

	pk_hello(&k, R("\x01"));
	ck_assert_int_eq(pk_decode(&k), 0);

	pk_hello(&k, R("\xa1" "1"));
	ck_assert_bad(&k, "protocol error: hello.proto: expected unsigned integer");
	pk_hello(&k, R("\xff"));
	ck_assert_bad(&k, "protocol error: hello.proto: expected unsigned integer");
	pk_hello(&k, R("\xc0"));
	ck_assert_bad(&k, "protocol error: hello.proto: expected unsigned integer");
	/* uint32 field: max passes, max+1 is out of range. */
	pk_hello(&k, R("\xce\xff\xff\xff\xff"));
	ck_assert_int_eq(pk_decode(&k), 0);
	pk_hello(&k, R("\xcf\0\0\0\x01\0\0\0\0"));
	ck_assert_bad(&k, "protocol error: hello.proto: out of range");

	/* Missing, unknown, duplicate. */
	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "proto");
	msgpack_pack_int(&k.p, 1);
	ck_assert_bad(&k, "protocol error: hello.run_id: missing required field");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 3);
	pk_str(&k, "proto");
	msgpack_pack_int(&k.p, 1);
	pk_str(&k, "run_id");
	pk_str(&k, "r");
	pk_str(&k, "bogus");
	msgpack_pack_int(&k.p, 1);
	ck_assert_bad(&k, "protocol error: hello: unknown key 'bogus'");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 1);
	pk_raw(&k, R("\xa4" "a\n\0b"));
	msgpack_pack_int(&k.p, 1);
	ck_assert_bad(&k, "protocol error: hello: unknown key 'a?\?b'");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "proto_and_a_very_long_key_that_goes_on");
	msgpack_pack_int(&k.p, 1);
	ck_assert_bad(&k, "protocol error: hello: unknown key "
	    "'proto_and_a_very_long_key_that_g...'");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 3);
	pk_str(&k, "run_id");
	pk_str(&k, "a");
	pk_str(&k, "proto");
	msgpack_pack_int(&k.p, 1);
	pk_str(&k, "run_id");
	pk_str(&k, "b");
	ck_assert_bad(&k, "protocol error: hello.run_id: duplicate key");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 1);
	msgpack_pack_int(&k.p, 1);
	msgpack_pack_int(&k.p, 1);
	ck_assert_bad(&k, "protocol error: hello: expected string key");

	/* Strings: truncated, NUL inside, binary instead. */
	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "proto");
	msgpack_pack_int(&k.p, 1);
	pk_str(&k, "run_id");
	pk_raw(&k, R("\xdb\xff\xff\xff\xff" "abc"));
	ck_assert_bad(&k, "protocol error: hello.run_id: truncated");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "proto");
	msgpack_pack_int(&k.p, 1);
	pk_str(&k, "run_id");
	pk_raw(&k, R("\xa3" "a\0b"));
	ck_assert_bad(&k, "protocol error: hello.run_id: string contains a NUL byte");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "proto");
	msgpack_pack_int(&k.p, 1);
	pk_str(&k, "run_id");
	pk_bin(&k, "r1", 2);
	ck_assert_bad(&k, "protocol error: hello.run_id: expected string");
}
END_TEST

/* A JOB from fill_full with the value of key replaced by raw bytes. */
static void
pk_job_with(struct pk *k, const char *key, const char *raw, size_t n)
{
	struct buf a = BUF_INIT;
	struct msg m;
	msgpack_unpacked u;
	msgpack_object_map *body;
	size_t off = 0, i;

	fill_full(&m, MSG_JOB);
	msg_encode(&a, &m);
	msgpack_unpacked_init(&u);
	ck_assert_int_eq(msgpack_unpack_next(&u, a.ptr, a.len, &off),
	    MSGPACK_UNPACK_SUCCESS);
	body = &u.data.via.array.ptr[2].via.map;
	pk_init(k);
	pk_head(k, MSG_JOB, 1);
	msgpack_pack_map(&k->p, body->size);
	for (i = 0; i < body->size; i++) {
		msgpack_object *ko = &body->ptr[i].key;

		msgpack_pack_object(&k->p, *ko);
		if (ko->via.str.size == strlen(key) &&
		    memcmp(ko->via.str.ptr, key, ko->via.str.size) == 0)
			pk_raw(k, raw, n);
		else
			msgpack_pack_object(&k->p, body->ptr[i].val);
	}
	msgpack_unpacked_destroy(&u);
	buf_release(&a);
}

START_TEST(test_bad_job)
{
	struct pk k;

	pk_job_with(&k, "base_branch", R("\xa4main"));
	ck_assert_int_eq(pk_decode(&k), 0);

	pk_job_with(&k, "base_branch", R("\x01"));
	ck_assert_bad(&k, "protocol error: job.base_branch: expected string");
	pk_job_with(&k, "mode", R("\xa4sink"));
	ck_assert_bad(&k, "protocol error: job.mode: expected sync or run");
	pk_job_with(&k, "mode", R("\x00"));
	ck_assert_bad(&k, "protocol error: job.mode: expected string");
	pk_job_with(&k, "dry_run", R("\x01"));
	ck_assert_bad(&k, "protocol error: job.dry_run: expected boolean");
	pk_job_with(&k, "commit_api", R("\xa3" "api"));
	ck_assert_bad(&k, "protocol error: job.commit_api: expected boolean");
	pk_job_with(&k, "existing_head", R("\xc0"));
	ck_assert_bad(&k, "protocol error: job.existing_head: expected string");
	pk_job_with(&k, "base_head", R("\x01"));
	ck_assert_bad(&k, "protocol error: job.base_head: expected string");
	pk_job_with(&k, "author", R("\x81\xa4name\x05"));
	ck_assert_bad(&k, "protocol error: job.author.name: expected string");
	pk_job_with(&k, "author", R("\x81\xa4name\xa1x"));
	ck_assert_bad(&k, "protocol error: job.author.email: missing required field");
	pk_job_with(&k, "author", R("\x80"));
	ck_assert_bad(&k, "protocol error: job.author.name: missing required field");
	pk_job_with(&k, "author", R("\xa1x"));
	ck_assert_bad(&k, "protocol error: job.author: expected map");
	pk_job_with(&k, "limits", R("\x81\xa3mem\x01"));
	ck_assert_bad(&k, "protocol error: job.limits: unknown key 'mem'");
	pk_job_with(&k, "limits", R("\x81\xab" "cpu_seconds\xff"));
	ck_assert_bad(&k, "protocol error: job.limits.cpu_seconds: expected unsigned integer");
	pk_job_with(&k, "delete_paths", R("\x92\xa1x\x01"));
	ck_assert_bad(&k, "protocol error: job.delete_paths[1]: expected string");
	pk_job_with(&k, "delete_paths", R("\x80"));
	ck_assert_bad(&k, "protocol error: job.delete_paths: expected array");
	pk_job_with(&k, "transforms",
	    R("\x84\xa9repo_from\xa0\xa7repo_to\xa0\xa4vars\x81\xa1k\x01"
	    "\xa6" "emails\x80"));
	ck_assert_bad(&k, "protocol error: job.transforms.vars[0].value: expected string");
	pk_job_with(&k, "transforms",
	    R("\x84\xa9repo_from\xa0\xa7repo_to\xa0\xa4vars\x90"
	    "\xa6" "emails\x80"));
	ck_assert_bad(&k, "protocol error: job.transforms.vars: expected map");
}
END_TEST

START_TEST(test_bad_items)
{
	unsigned char oid[21] = { 0 };
	struct pk k;

	/* Manifest entry: wrong length, bad mode, bad oid, bad bool. */
	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 4);
	pk_str(&k, "a");
	msgpack_pack_uint32(&k.p, 0100644);
	pk_bin(&k, oid, 20);
	msgpack_pack_true(&k.p);
	ck_assert_bad(&k,
	    "protocol error: manifest.entries[0]: expected array of 5 elements");

	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 5);
	pk_str(&k, "a");
	msgpack_pack_uint32(&k.p, 0100600);
	pk_bin(&k, oid, 20);
	msgpack_pack_true(&k.p);
	msgpack_pack_true(&k.p);
	ck_assert_bad(&k, "protocol error: manifest.entries[0].mode: "
	    "expected 0100644, 0100755 or 0120000");

	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	msgpack_pack_array(&k.p, 2);
	msgpack_pack_array(&k.p, 5);
	pk_str(&k, "a");
	msgpack_pack_uint32(&k.p, 0100644);
	pk_bin(&k, oid, 20);
	msgpack_pack_true(&k.p);
	msgpack_pack_true(&k.p);
	msgpack_pack_array(&k.p, 5);
	pk_str(&k, "b");
	msgpack_pack_uint32(&k.p, 0100644);
	pk_bin(&k, oid, 21);
	msgpack_pack_true(&k.p);
	msgpack_pack_true(&k.p);
	ck_assert_bad(&k, "protocol error: manifest.entries[1].oid: "
	    "expected 20-byte binary oid");

	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 5);
	pk_str(&k, "a");
	msgpack_pack_uint32(&k.p, 0100644);
	pk_str(&k, OID1);
	msgpack_pack_true(&k.p);
	msgpack_pack_true(&k.p);
	ck_assert_bad(&k, "protocol error: manifest.entries[0].oid: "
	    "expected 20-byte binary oid");

	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 5);
	pk_str(&k, "a");
	msgpack_pack_uint32(&k.p, 0100644);
	pk_bin(&k, oid, 20);
	msgpack_pack_true(&k.p);
	msgpack_pack_int(&k.p, 1);
	ck_assert_bad(&k, "protocol error: manifest.entries[0].transform: "
	    "expected boolean");

	/* Blob item data must be binary. */
	pk_init(&k);
	pk_head(&k, MSG_BLOBS, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "items");
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 2);
	pk_bin(&k, oid, 20);
	pk_str(&k, "content as a string, not binary");
	ck_assert_bad(&k, "protocol error: blobs.items[0].data: expected binary");

	pk_init(&k);
	pk_head(&k, MSG_BLOBS, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "items");
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 2);
	pk_bin(&k, oid, 20);
	pk_raw(&k, R("\xc6\0\x10\0\0" "abc"));
	ck_assert_bad(&k, "protocol error: blobs.items[0].data: truncated");

	pk_init(&k);
	pk_head(&k, MSG_WANT, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "oids");
	msgpack_pack_array(&k.p, 1);
	pk_bin(&k, oid, 19);
	msgpack_pack_nil(&k.p);
	msgpack_pack_nil(&k.p);
	ck_assert_bad(&k, "protocol error: want.oids[0]: expected 20-byte binary oid");

	pk_init(&k);
	pk_head(&k, MSG_FILES, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "items");
	msgpack_pack_array(&k.p, 1);
	msgpack_pack_array(&k.p, 2);
	pk_str(&k, "a");
	pk_str(&k, "changed");
	ck_assert_bad(&k, "protocol error: files.items[0].status: "
	    "expected added, modified, unchanged, deleted or skipped");

	pk_init(&k);
	pk_head(&k, MSG_LOG, 0);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "level");
	pk_str(&k, "fatal");
	pk_str(&k, "text");
	pk_str(&k, "x");
	ck_assert_bad(&k, "protocol error: log.level: "
	    "expected error, warn, info, debug or trace");

	pk_init(&k);
	pk_head(&k, MSG_READY, 0);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "pid");
	msgpack_pack_uint64(&k.p, (uint64_t)INT64_MAX + 1);
	pk_str(&k, "libgit2");
	pk_str(&k, "x");
	ck_assert_bad(&k, "protocol error: ready.pid: out of range");

	pk_init(&k);
	pk_head(&k, MSG_READY, 0);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "pid");
	msgpack_pack_true(&k.p);
	pk_str(&k, "libgit2");
	pk_str(&k, "x");
	ck_assert_bad(&k, "protocol error: ready.pid: expected integer");
}
END_TEST

START_TEST(test_bombs)
{
	struct pk k;
	size_t i;

	/* Counts that cannot fit in the payload are refused before allocating. */
	pk_init(&k);
	pk_raw(&k, R("\xdd\xff\xff\xff\xff"));
	ck_assert_bad(&k,
	    "protocol error: payload: 4294967295 elements exceed the payload");

	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	pk_raw(&k, R("\xdd\xff\xff\xff\xff"));
	ck_assert_bad(&k, "protocol error: manifest.entries: "
	    "4294967295 elements exceed the payload");

	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	pk_raw(&k, R("\xdf\xff\xff\xff\xff"));
	ck_assert_bad(&k, "protocol error: hello: 4294967295 entries exceed the payload");

	pk_init(&k);
	pk_head(&k, MSG_STATS, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "phase_ms");
	pk_raw(&k, R("\xde\xff\xff"));
	ck_assert_bad(&k, "protocol error: stats.phase_ms: 65535 entries exceed the payload");

	/* 1000 manifest entries claimed, 999 entries' worth of bytes. */
	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	msgpack_pack_array(&k.p, 1000);
	for (i = 0; i < 999 * 25; i++)
		msgpack_pack_nil(&k.p);
	ck_assert_bad(&k, "protocol error: manifest.entries: "
	    "1000 elements exceed the payload");

	/* Exactly enough bytes: the count passes, the elements do not. */
	pk_init(&k);
	pk_head(&k, MSG_MANIFEST, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "entries");
	msgpack_pack_array(&k.p, 1000);
	for (i = 0; i < 1000 * 25; i++)
		msgpack_pack_nil(&k.p);
	ck_assert_bad(&k, "protocol error: manifest.entries[0]: expected array");

	/* Deep nesting where a string belongs: one level is looked at. */
	pk_init(&k);
	pk_head(&k, MSG_HELLO, 0);
	msgpack_pack_map(&k.p, 2);
	pk_str(&k, "proto");
	msgpack_pack_int(&k.p, 1);
	pk_str(&k, "run_id");
	for (i = 0; i < 100000; i++)
		msgpack_pack_array(&k.p, 1);
	msgpack_pack_nil(&k.p);
	ck_assert_bad(&k, "protocol error: hello.run_id: expected string");

	pk_init(&k);
	for (i = 0; i < 100000; i++)
		msgpack_pack_array(&k.p, 1);
	ck_assert_bad(&k, "protocol error: payload: "
	    "expected [type, id, body], got 1 elements");
}
END_TEST

START_TEST(test_decode_budget)
{
	struct msg_manifest_entry *e;
	struct buf a = BUF_INIT;
	const char *suffix = ": decoded message exceeds its memory budget";
	struct pk k;
	struct msg m;
	size_t i, n = 100000;

	/* Many empty strings: tiny on the wire, costly once decoded. */
	pk_init(&k);
	pk_head(&k, MSG_STATS, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "phase_ms");
	msgpack_pack_map(&k.p, 200000);
	for (i = 0; i < 200000; i++) {
		pk_str(&k, "");
		pk_str(&k, "");
	}
	ck_assert_int_eq(pk_decode(&k), ERR_PROTO);
	ck_assert_msg(strncmp(err_last(), "protocol error: stats.phase_ms[", 31) == 0,
	    "%s", err_last());
	ck_assert_str_eq(err_last() + strlen(err_last()) - strlen(suffix), suffix);

	/* A large real manifest with short paths stays within it. */
	e = xcalloc(n, sizeof(*e));
	for (i = 0; i < n; i++) {
		e[i].path = xasprintf("f%zu", i);
		e[i].mode = 0100644;
		memcpy(e[i].oid, OID1, 41);
	}
	msg_init(&m, MSG_MANIFEST);
	m.u.manifest.entries = e;
	m.u.manifest.n = n;
	msg_encode(&a, &m);
	ck_assert_uint_lt(a.len, FRAME_MAX_DEFAULT);
	ck_assert_int_eq(msg_decode(&m, a.ptr, a.len), 0);
	ck_assert_uint_eq(m.u.manifest.n, n);
	ck_assert_str_eq(m.u.manifest.entries[n - 1].path, "f99999");
	msg_release(&m);
	for (i = 0; i < n; i++)
		free(e[i].path);
	free(e);
	buf_release(&a);

	/* A short argv of one-letter words: within the fixed slack. */
	buf_add(&a, "\xdc\x03\xe8", 3);
	for (i = 0; i < 1000; i++)
		buf_add(&a, "\xa1x", 2);
	pk_job_with(&k, "argv", a.ptr, a.len);
	ck_assert_int_eq(pk_decode(&k), 0);
	buf_release(&a);
}
END_TEST

START_TEST(test_send_limit)
{
	struct frame_writer w;
	struct buf a = BUF_INIT;
	struct msg m;
	char *want;

	fill_full(&m, MSG_JOB);
	msg_encode(&a, &m);
	/* At the limit: one frame; one byte under: refused, nothing queued. */
	frame_writer_init(&w, -1, a.len);
	ck_assert_int_eq(msg_send(&w, &m), 0);
	ck_assert_uint_eq(frame_pending(&w), a.len + FRAME_HDR);
	ck_assert(memcmp(w.out.ptr + FRAME_HDR, a.ptr, a.len) == 0);
	frame_writer_release(&w);

	frame_writer_init(&w, -1, a.len - 1);
	ck_assert_int_eq(frame_queue(&w, "x", 1), 0);
	err_clear();
	ck_assert_int_eq(msg_send(&w, &m), ERR_LIMIT);
	ck_assert_uint_eq(frame_pending(&w), 5);
	ck_assert_uint_eq(w.msgs, 1);
	want = xasprintf("cannot send job: frame of %zu bytes exceeds the "
	    "limit of %zu bytes", a.len, a.len - 1);
	ck_assert_str_eq(err_last(), want);
	free(want);
	frame_writer_release(&w);
	buf_release(&a);
}
END_TEST

START_TEST(test_next_recv)
{
	struct frame_writer w;
	struct frame_reader r;
	struct msg m;
	int fd[2];
	size_t t;

	ck_assert_int_eq(pipe(fd), 0);
	frame_writer_init(&w, fd[1], FRAME_MAX_DEFAULT);
	frame_reader_init(&r, fd[0], FRAME_MAX_DEFAULT);
	ck_assert_int_eq(msg_next(&m, &r), 0);
	for (t = 0; t < ARRAY_SIZE(all_types); t++) {
		fill_full(&m, all_types[t]);
		ck_assert_int_eq(msg_send(&w, &m), 0);
	}
	ck_assert_int_eq(frame_queue(&w, "\x90", 1), 0);
	ck_assert_int_eq(frame_flush_all(&w), 1);
	close(fd[1]);
	for (t = 0; t < ARRAY_SIZE(all_types); t++) {
		ck_assert_int_eq(msg_recv(&m, &r), 1);
		check_full(&m, all_types[t], r.in.ptr, r.in.len);
		msg_release(&m);
	}
	ck_assert_int_eq(msg_recv(&m, &r), ERR_PROTO);
	ck_assert_str_eq(err_last(),
	    "protocol error: payload: expected [type, id, body], got 0 elements");
	ck_assert_int_eq(m.type, 0);
	ck_assert_int_eq(msg_recv(&m, &r), 0);
	ck_assert_int_eq(msg_next(&m, &r), 0);
	frame_writer_release(&w);
	frame_reader_release(&r);
	close(fd[0]);
}
END_TEST

/*
 * Values the wire cannot carry are programmer errors: BUG() aborts. Run
 * fn(m) in a child (works with CK_FORK=no too), assert that it aborted,
 * return its stderr.
 */
static char *
bug_in_child(void (*fn)(const struct msg *), const struct msg *m)
{
	struct buf err = BUF_INIT;
	char chunk[512];
	ssize_t n;
	int fd[2], st;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		fn(m);
		_exit(0);
	}
	close(fd[1]);
	while ((n = read(fd[0], chunk, sizeof(chunk))) > 0)
		buf_add(&err, chunk, (size_t)n);
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	return buf_detach(&err, NULL);
}

static void
encode_one(const struct msg *m)
{
	struct buf a = BUF_INIT;

	msg_encode(&a, m);
	buf_release(&a);
}

static char *
encode_in_child(const struct msg *m)
{
	return bug_in_child(encode_one, m);
}

START_TEST(test_encode_bugs)
{
	struct msg_manifest_entry e = { "a", 0100644, "not-hex", false, false };
	struct msg_file f = { "a", 7 };
	struct msg m;
	char *text;

	msg_init(&m, MSG_MANIFEST);
	m.u.manifest.entries = &e;
	m.u.manifest.n = 1;
	text = encode_in_child(&m);
	ck_assert_ptr_nonnull(strstr(text,
	    "msg_encode: oid 'not-hex' is not 40 hex digits\n"));
	free(text);

	memcpy(e.oid, OID1 "0", 41);
	e.oid[40] = '0';
	text = encode_in_child(&m);
	ck_assert_ptr_nonnull(strstr(text, "is longer than 40 hex digits"));
	free(text);

	msg_init(&m, MSG_FILES);
	m.u.files.items = &f;
	m.u.files.n = 1;
	text = encode_in_child(&m);
	ck_assert_ptr_nonnull(strstr(text,
	    "msg_encode: file status 7 out of range\n"));
	free(text);

	msg_init(&m, 77);
	text = encode_in_child(&m);
	ck_assert_ptr_nonnull(strstr(text,
	    "msg_encode: unknown message type 77\n"));
	free(text);
}
END_TEST

START_TEST(test_hello_check)
{
	struct msg m;

	msg_init(&m, MSG_HELLO);
	m.u.hello.proto = PROTO_VERSION;
	ck_assert_int_eq(msg_hello_check(&m), 0);
	m.u.hello.proto = PROTO_VERSION + 1;
	ck_assert_int_eq(msg_hello_check(&m), ERR_PROTO);
	ck_assert_str_eq(err_last(),
	    "protocol version mismatch: peer speaks 5, this side 4");
	msg_init(&m, MSG_JOB);
	ck_assert_int_eq(msg_hello_check(&m), ERR_PROTO);
	ck_assert_str_eq(err_last(), "protocol error: expected hello, got job");
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(msg_type_name(MSG_HELLO), "hello");
	ck_assert_str_eq(msg_type_name(MSG_MANIFEST_END), "manifest_end");
	ck_assert_str_eq(msg_type_name(MSG_STATS), "stats");
	ck_assert_str_eq(msg_type_name(MSG_BLOB_CHUNK), "blob_chunk");
	ck_assert_str_eq(msg_type_name(10), "unknown");
	ck_assert_str_eq(msg_type_name(-1), "unknown");
	ck_assert_str_eq(msg_file_status_name(FILE_ADDED), "added");
	ck_assert_str_eq(msg_file_status_name(FILE_SKIPPED), "skipped");
	ck_assert_str_eq(msg_file_status_name(5), "unknown");
	ck_assert_str_eq(msg_file_status_name(-1), "unknown");
}
END_TEST

/* msg_copy: deep, from the schema; what it copies encodes the same. */
START_TEST(test_copy)
{
	struct msg a, b;
	struct msg_result r, c;
	struct buf ea = BUF_INIT, eb = BUF_INIT;

	msg_init(&a, MSG_ERROR);
	a.id = 7;
	a.u.error.code = xstrdup("network");
	a.u.error.text = xstrdup("cannot fetch");
	msg_copy(&b, &a);
	ck_assert_ptr_ne(a.u.error.text, b.u.error.text);
	msg_encode(&ea, &a);
	msg_release(&a);
	msg_encode(&eb, &b);
	ck_assert_uint_eq(ea.len, eb.len);
	ck_assert_mem_eq(ea.ptr, eb.ptr, ea.len);
	msg_release(&b);
	buf_release(&ea);
	buf_release(&eb);

	memset(&r, 0, sizeof(r));
	r.outcome = xstrdup("pushed");
	r.diff = xstrdup("+x");
	r.changed = 3;
	r.exit_code = -1;
	msg_result_copy(&c, &r);
	msg_result_release(&r);
	ck_assert_ptr_null(r.outcome);
	ck_assert_str_eq(c.outcome, "pushed");
	ck_assert_str_eq(c.diff, "+x");
	ck_assert_ptr_null(c.commit);
	ck_assert_uint_eq(c.changed, 3);
	ck_assert_int_eq(c.exit_code, -1);
	msg_result_release(&c);
}
END_TEST

/* A streamed message is never kept: copying one is a programmer error. */
static void
copy_one(const struct msg *m)
{
	struct msg b;

	msg_copy(&b, m);
	msg_release(&b);
}

/* A BLOB_CHUNK body by hand: oid, offset, total, data of len bytes, last. */
static void
pk_chunk(struct pk *k, uint64_t off, uint64_t total, size_t len, bool last)
{
	static const unsigned char oid[20] = { 1, 2, 3 };
	static const unsigned char data[16] = "0123456789abcdef";

	pk_init(k);
	pk_head(k, MSG_BLOB_CHUNK, 0);
	msgpack_pack_map(&k->p, 5);
	pk_str(k, "oid");
	pk_bin(k, oid, 20);
	pk_str(k, "offset");
	msgpack_pack_uint64(&k->p, off);
	pk_str(k, "total");
	msgpack_pack_uint64(&k->p, total);
	pk_str(k, "data");
	pk_bin(k, data, len);
	pk_str(k, "last");
	if (last)
		msgpack_pack_true(&k->p);
	else
		msgpack_pack_false(&k->p);
}

START_TEST(test_bad_chunk)
{
	static const unsigned char oid[20] = { 0 };
	struct pk k;

	/* In range: a middle chunk, the last one, one that is the whole blob. */
	pk_chunk(&k, 0, 32, 16, false);
	ck_assert_int_eq(pk_decode(&k), 0);
	pk_chunk(&k, 16, 32, 16, true);
	ck_assert_int_eq(pk_decode(&k), 0);
	pk_chunk(&k, 0, 16, 16, true);
	ck_assert_int_eq(pk_decode(&k), 0);
	pk_chunk(&k, 0, 0, 0, true);
	ck_assert_int_eq(pk_decode(&k), 0);
	/* Past the total: by one byte, by the offset alone, by a wrapping sum. */
	pk_chunk(&k, 17, 32, 16, true);
	ck_assert_bad(&k, "protocol error: blob_chunk: offset 17 + length 16 exceeds total 32");
	pk_chunk(&k, 33, 32, 0, false);
	ck_assert_bad(&k, "protocol error: blob_chunk: offset 33 + length 0 exceeds total 32");
	pk_chunk(&k, UINT64_MAX, UINT64_MAX, 16, true);
	ck_assert_bad(&k, "protocol error: blob_chunk: offset 18446744073709551615 + length 16 "
	    "exceeds total 18446744073709551615");
	/* The flag must match the position. */
	pk_chunk(&k, 16, 32, 16, false);
	ck_assert_bad(&k, "protocol error: blob_chunk.last: not set on the chunk that ends the blob");
	pk_chunk(&k, 0, 32, 16, true);
	ck_assert_bad(&k, "protocol error: blob_chunk.last: set on a chunk that does not end the "
	    "blob");
	/* Field types: an oid of 19 bytes, data as a string, a missing flag. */
	pk_init(&k);
	pk_head(&k, MSG_BLOB_CHUNK, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "oid");
	pk_bin(&k, oid, 19);
	ck_assert_bad(&k, "protocol error: blob_chunk.oid: expected 20-byte binary oid");
	pk_init(&k);
	pk_head(&k, MSG_BLOB_CHUNK, 0);
	msgpack_pack_map(&k.p, 1);
	pk_str(&k, "data");
	pk_str(&k, "text");
	ck_assert_bad(&k, "protocol error: blob_chunk.data: expected binary");
	pk_init(&k);
	pk_head(&k, MSG_BLOB_CHUNK, 0);
	msgpack_pack_map(&k.p, 4);
	pk_str(&k, "oid");
	pk_bin(&k, oid, 20);
	pk_str(&k, "offset");
	msgpack_pack_uint64(&k.p, 0);
	pk_str(&k, "total");
	msgpack_pack_uint64(&k.p, 0);
	pk_str(&k, "data");
	pk_bin(&k, oid, 0);
	ck_assert_bad(&k, "protocol error: blob_chunk.last: missing required field");
	/* Data cut short: the bin header announces more than is there. */
	pk_chunk(&k, 0, 16, 16, true);
	k.b.len -= 8;  /* "last" and its value (6 bytes), and 2 bytes of data */
	ck_assert_bad(&k, "protocol error: blob_chunk.data: truncated");
}
END_TEST

START_TEST(test_copy_streamed_bug)
{
	struct msg a;
	char *text;

	msg_init(&a, MSG_MANIFEST);
	text = bug_in_child(copy_one, &a);
	ck_assert_ptr_nonnull(strstr(text, "msg_copy of a manifest message"));
	free(text);
}
END_TEST

Suite *
msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_test(tc, test_roundtrip_full);
	tcase_add_test(tc, test_roundtrip_minimal);
	tcase_add_test(tc, test_empty_bodies);
	tcase_add_test(tc, test_msgpack_interop);
	tcase_add_test(tc, test_lenient_integers);
	tcase_add_test(tc, test_next_recv);
	tcase_add_test(tc, test_send_limit);
	tcase_add_test(tc, test_hello_check);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_copy);
	suite_add_tcase(s, tc);

	tc = tcase_create("bug");
	tcase_add_test(tc, test_encode_bugs);
	tcase_add_test(tc, test_copy_streamed_bug);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_add_test(tc, test_bad_envelope);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_bad_job);
	tcase_add_test(tc, test_bad_items);
	tcase_add_test(tc, test_bad_chunk);
	tcase_add_test(tc, test_bombs);
	tcase_add_test(tc, test_decode_budget);
	suite_add_tcase(s, tc);
	return s;
}
