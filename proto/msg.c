/*
 * msg — message tables, names, release and the frame helpers (see msg.h).
 * Encoding is in msg_encode.c, decoding in msg_decode.c.
 */
#include "proto/msg.h"

#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/msg_schema.h"
#include "shared/err.h"
#include "shared/util.h"

#define OFF(m) offsetof(struct msg, u.m)

#define S(k, m) { k, MK_STR, 0, OFF(m), 0, NULL }
#define OS(k, m) { k, MK_OPTSTR, 1, OFF(m), 0, NULL }
#define U64(k, m) { k, MK_U64, 0, OFF(m), 0, NULL }
#define I64(k, m) { k, MK_I64, 0, OFF(m), 0, NULL }
#define B(k, m) { k, MK_BOOL, 0, OFF(m), 0, NULL }
#define SV(k, m) { k, MK_STRV, 0, OFF(m), 0, NULL }
#define KV(k, m, c) { k, MK_KV, 0, OFF(m), OFF(c), NULL }
#define ARR(k, kind, m, c) { k, kind, 0, OFF(m), OFF(c), NULL }
#define SUB(k, s) { k, MK_MAP, 0, 0, 0, &s }
#define SCHEMA(name, f) { name, f, ARRAY_SIZE(f) }

static const struct msg_field hello_f[] = {
	{ "proto", MK_U32, 0, OFF(hello.proto), 0, NULL },
	S("run_id", hello.run_id),
};

static const struct msg_field author_f[] = {
	S("name", job.author_name),
	S("email", job.author_email),
};
static const struct msg_schema author_s = SCHEMA("author", author_f);

static const struct msg_field transforms_f[] = {
	S("repo_from", job.repo_from),
	S("repo_to", job.repo_to),
	B("repo_bare", job.repo_bare),
	KV("vars", job.vars, job.nvars),
	KV("emails", job.emails, job.nemails),
};
static const struct msg_schema transforms_s = SCHEMA("transforms", transforms_f);

static const struct msg_field limits_f[] = {
	U64("cpu_seconds", job.cpu_seconds),
	U64("open_files", job.open_files),
	U64("seccomp", job.seccomp),
	U64("max_frame", job.max_frame),
};
static const struct msg_schema limits_s = SCHEMA("limits", limits_f);

static const struct msg_field sign_f[] = {
	OS("method", job.sign_method),
	OS("key", job.sign_key),
	OS("program", job.sign_program),
};
static const struct msg_schema sign_s = SCHEMA("sign", sign_f);

static const struct msg_field job_f[] = {
	{ "mode", MK_MODE, 0, OFF(job.mode), 0, NULL },
	S("target", job.target),
	S("remote_url", job.remote_url),
	S("cache_dir", job.cache_dir),
	S("base_branch", job.base_branch),
	S("sync_branch", job.sync_branch),
	OS("existing_branch", job.existing_branch),
	OS("existing_head", job.existing_head),
	OS("base_head", job.base_head),
	S("commit_message", job.commit_message),
	SUB("author", author_s),
	B("dry_run", job.dry_run),
	B("want_diff", job.want_diff),
	B("commit_api", job.commit_api),
	SV("delete_paths", job.delete_paths),
	SUB("transforms", transforms_s),
	SV("prune_dirs", job.prune_dirs),
	KV("go_requires", job.go_requires, job.ngo_requires),
	SV("argv", job.argv),
	SUB("sign", sign_s),
	SUB("limits", limits_s),
	U64("profile_us", job.profile_us),
	OS("perf", job.perf),
};

static const struct msg_field cred_f[] = {
	{ "token", MK_SECRET, 0, OFF(cred.token), 0, NULL },
};

static const struct msg_field manifest_f[] = {
	ARR("entries", MK_ENTRIES, manifest.entries, manifest.n),
};

static const struct msg_field count_f[] = {
	U64("count", count.count),
};

static const struct msg_field blobs_f[] = {
	ARR("items", MK_BLOBS, blobs.items, blobs.n),
};

static const struct msg_field chunk_f[] = {
	{ "oid", MK_OID, 0, OFF(chunk.oid), 0, NULL },
	U64("offset", chunk.offset),
	U64("total", chunk.total),
	{ "data", MK_BIN, 0, OFF(chunk.data), OFF(chunk.len), NULL },
	B("last", chunk.last),
};

static const struct msg_field ready_f[] = {
	I64("pid", ready.pid),
	S("libgit2", ready.libgit2),
};

static const struct msg_field phase_f[] = {
	S("name", phase.name),
	U64("ms", phase.ms),
};

static const struct msg_field want_f[] = {
	ARR("oids", MK_OIDS, want.oids, want.n),
};

static const struct msg_field files_f[] = {
	ARR("items", MK_FILES, files.items, files.n),
};

static const struct msg_field log_f[] = {
	{ "level", MK_LEVEL, 0, OFF(log.level), 0, NULL },
	S("text", log.text),
};

static const struct msg_field result_f[] = {
	S("outcome", result.outcome),
	OS("commit", result.commit),
	OS("branch", result.branch),
	U64("changed", result.changed),
	U64("added", result.added),
	U64("deleted", result.deleted),
	U64("bytes", result.bytes),
	OS("diffstat", result.diffstat),
	OS("diff", result.diff),
	I64("exit_code", result.exit_code),
	I64("term_signal", result.term_signal),
	U64("cmd_utime_us", result.cmd_utime_us),
	U64("cmd_stime_us", result.cmd_stime_us),
	U64("cmd_maxrss_kib", result.cmd_maxrss_kib),
	U64("cmd_wall_ms", result.cmd_wall_ms),
};

static const struct msg_field error_f[] = {
	S("code", error.code),
	S("text", error.text),
};

static const struct msg_field stats_f[] = {
	U64("vm_hwm_kib", stats.vm_hwm_kib),
	KV("phase_ms", stats.phase_ms, stats.nphase),
	U64("bytes_in", stats.bytes_in),
	U64("bytes_out", stats.bytes_out),
	U64("msgs_in", stats.msgs_in),
	U64("msgs_out", stats.msgs_out),
};

static const struct msg_field profile_f[] = {
	U64("period_us", profile.period_us),
	U64("samples", profile.samples),
	U64("lost", profile.lost),
	KV("stacks", profile.stacks, profile.nstacks),
	OS("perf", profile.perf),
};

static const struct msg_schema hello_s = SCHEMA("hello", hello_f);
static const struct msg_schema job_s = SCHEMA("job", job_f);
static const struct msg_schema cred_s = SCHEMA("cred", cred_f);
static const struct msg_schema manifest_s = SCHEMA("manifest", manifest_f);
static const struct msg_schema manifest_end_s = SCHEMA("manifest_end", count_f);
static const struct msg_schema blobs_s = SCHEMA("blobs", blobs_f);
static const struct msg_schema blobs_end_s = { "blobs_end", NULL, 0 };
static const struct msg_schema cancel_s = { "cancel", NULL, 0 };
static const struct msg_schema chunk_s = SCHEMA("blob_chunk", chunk_f);
static const struct msg_schema ready_s = SCHEMA("ready", ready_f);
static const struct msg_schema phase_s = SCHEMA("phase", phase_f);
static const struct msg_schema want_s = SCHEMA("want", want_f);
static const struct msg_schema want_end_s = { "want_end", NULL, 0 };
static const struct msg_schema files_s = SCHEMA("files", files_f);
static const struct msg_schema log_s = SCHEMA("log", log_f);
static const struct msg_schema result_s = SCHEMA("result", result_f);
static const struct msg_schema error_s = SCHEMA("error", error_f);
static const struct msg_schema stats_s = SCHEMA("stats", stats_f);
static const struct msg_schema profile_s = SCHEMA("profile", profile_f);

const char *const msg_level_names[5] = {
	"error", "warn", "info", "debug", "trace",
};

const char *const msg_status_names[5] = {
	"added", "modified", "unchanged", "deleted", "skipped",
};

const struct msg_schema *
msg_schema_find(int type)
{
	switch (type) {
	case MSG_HELLO: return &hello_s;
	case MSG_JOB: return &job_s;
	case MSG_CRED: return &cred_s;
	case MSG_MANIFEST: return &manifest_s;
	case MSG_MANIFEST_END: return &manifest_end_s;
	case MSG_BLOBS: return &blobs_s;
	case MSG_BLOBS_END: return &blobs_end_s;
	case MSG_CANCEL: return &cancel_s;
	case MSG_BLOB_CHUNK: return &chunk_s;
	case MSG_READY: return &ready_s;
	case MSG_PHASE: return &phase_s;
	case MSG_WANT: return &want_s;
	case MSG_WANT_END: return &want_end_s;
	case MSG_FILES: return &files_s;
	case MSG_LOG: return &log_s;
	case MSG_RESULT: return &result_s;
	case MSG_ERROR: return &error_s;
	case MSG_STATS: return &stats_s;
	case MSG_PROFILE: return &profile_s;
	default: return NULL;
	}
}

const char *
msg_type_name(int type)
{
	const struct msg_schema *s = msg_schema_find(type);

	return s ? s->name : "unknown";
}

const char *
msg_file_status_name(int st)
{
	if (st < 0 || (size_t)st >= ARRAY_SIZE(msg_status_names))
		return "unknown";
	return msg_status_names[st];
}

void
msg_init(struct msg *m, int type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
}

#define AT(m, off, T) ((T *)(void *)((char *)(m) + (off)))

static void
msg_release_fields(struct msg *m, const struct msg_schema *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct msg_field *f = &s->f[i];

		switch (f->kind) {
		case MK_STR:
		case MK_OPTSTR:
			free(*AT(m, f->off, char *));
			break;
		case MK_SECRET:
			util_free_secret(*AT(m, f->off, char *));
			break;
		case MK_STRV:
			strv_release(AT(m, f->off, struct strv));
			break;
		case MK_KV:
			msg_kv_free(*AT(m, f->off, struct msg_kv *), *AT(m, f->off2, size_t));
			break;
		case MK_MAP:
			msg_release_fields(m, f->sub);
			break;
		case MK_ENTRIES: {
			struct msg_manifest_entry *e =
			    *AT(m, f->off, struct msg_manifest_entry *);
			size_t n = *AT(m, f->off2, size_t);

			for (j = 0; j < n; j++)
				free(e[j].path);
			free(e);
			break;
		}
		case MK_FILES: {
			struct msg_file *fi = *AT(m, f->off, struct msg_file *);
			size_t n = *AT(m, f->off2, size_t);

			for (j = 0; j < n; j++)
				free(fi[j].path);
			free(fi);
			break;
		}
		case MK_BLOBS:
		case MK_OIDS:
			free(*AT(m, f->off, void *));
			break;
		default:
			break;
		}
	}
}

void
msg_release(struct msg *m)
{
	const struct msg_schema *s;

	if (m == NULL)
		return;
	s = msg_schema_find(m->type);
	if (s != NULL)
		msg_release_fields(m, s);
	memset(m, 0, sizeof(*m));
}

struct msg_kv *
msg_kv_dup(const struct msg_kv *kv, size_t n)
{
	struct msg_kv *v = n ? xcalloc(n, sizeof(*v)) : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		v[i].key = xstrdup(kv[i].key);
		v[i].value = xstrdup(kv[i].value);
	}
	return v;
}

void
msg_kv_free(struct msg_kv *kv, size_t n)
{
	size_t i;

	if (kv == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/*
 * Deep-copy the fields of s from src into dst (which holds a shallow copy
 * of src). Derived from the schema, as msg_release is: a new field is
 * copied and released without a line here.
 */
static void
msg_copy_fields(struct msg *dst, const struct msg *src, const struct msg_schema *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct msg_field *f = &s->f[i];

		switch (f->kind) {
		case MK_STR:
		case MK_OPTSTR:
		case MK_SECRET:
			*AT(dst, f->off, char *) = xstrdup_or_null(*AT(src, f->off, char *));
			break;
		case MK_STRV:
			strv_copy(AT(dst, f->off, struct strv), AT(src, f->off, struct strv));
			break;
		case MK_KV:
			*AT(dst, f->off, struct msg_kv *) =
			    msg_kv_dup(*AT(src, f->off, struct msg_kv *), *AT(src, f->off2, size_t));
			break;
		case MK_MAP:
			msg_copy_fields(dst, src, f->sub);
			break;
		case MK_ENTRIES:
		case MK_FILES:
		case MK_BLOBS:
		case MK_OIDS:
		case MK_BIN:
			/* Streamed and released at once, never kept. */
			BUG("msg_copy of a %s message", msg_type_name(src->type));
		default:
			break;
		}
	}
}

void
msg_copy(struct msg *dst, const struct msg *src)
{
	const struct msg_schema *s = msg_schema_find(src->type);

	*dst = *src;
	if (s != NULL)
		msg_copy_fields(dst, src, s);
}

void
msg_result_copy(struct msg_result *dst, const struct msg_result *src)
{
	struct msg a, b;

	msg_init(&a, MSG_RESULT);
	a.u.result = *src;
	msg_copy(&b, &a);
	*dst = b.u.result;
}

void
msg_result_release(struct msg_result *r)
{
	struct msg m;

	msg_init(&m, MSG_RESULT);
	m.u.result = *r;
	msg_release(&m);
	memset(r, 0, sizeof(*r));
}

int
msg_send(struct frame_writer *w, const struct msg *m)
{
	size_t mark;

	frame_queue_begin(&mark, w);
	msg_encode(&w->out, m);
	if (frame_queue_end(w, mark) < 0)
		return err_wrap("cannot send %s", msg_type_name(m->type));
	return 0;
}

/* Decode the frame that take() yields: 1, or take's 0 or -1. */
static int
msg_take(struct msg *m, struct frame_reader *r,
    int (*take)(const void **, size_t *, struct frame_reader *))
{
	const void *p;
	size_t len;
	int rc;

	msg_init(m, 0);
	rc = take(&p, &len, r);
	if (rc <= 0)
		return rc;
	if ((rc = msg_decode(m, p, len)) < 0)
		return rc;
	return 1;
}

int
msg_next(struct msg *m, struct frame_reader *r)
{
	return msg_take(m, r, frame_next);
}

int
msg_recv(struct msg *m, struct frame_reader *r)
{
	return msg_take(m, r, frame_read);
}

int
msg_hello_check(const struct msg *m)
{
	if (m->type != MSG_HELLO)
		return err_set(ERR_PROTO,
		    "protocol error: expected hello, got %s",
		    msg_type_name(m->type));
	if (m->u.hello.proto != PROTO_VERSION)
		return err_set(ERR_PROTO,
		    "protocol version mismatch: peer speaks %u, this side %u",
		    (unsigned)m->u.hello.proto, (unsigned)PROTO_VERSION);
	return 0;
}
