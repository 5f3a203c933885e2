/*
 * msg — the messages between supervisor and worker (DESIGN §2).
 *
 * Each frame payload is one msgpack array [type, id, body]: type a positive
 * integer (enum msg_type), id an unsigned integer (a sequence number chosen
 * by the sender), body a map with short string keys. Decoding checks every
 * field's type, rejects unknown message types, missing required fields,
 * unknown keys and trailing bytes.
 *
 * Ownership: msg_decode fills a struct msg whose strings and arrays are
 * heap copies owned by the msg and released by msg_release, EXCEPT blob
 * data (msg.u.blobs.items[i].data, msg.u.chunk.data), which points into the
 * frame payload and is valid only as long as that payload is (avoids
 * copying content twice).
 *
 * Encoding appends one whole payload (without the frame header) to a buf;
 * the caller then hands it to frame_queue. msg_send does both.
 */
#ifndef REPOCAST_MSG_H
#define REPOCAST_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"
#include "shared/strv.h"

struct frame_writer;

#define PROTO_VERSION 4

enum msg_type {
	/* supervisor -> worker */
	MSG_HELLO = 1,
	MSG_JOB = 2,
	MSG_CRED = 3,
	MSG_MANIFEST = 4,
	MSG_MANIFEST_END = 5,
	MSG_BLOBS = 6,
	MSG_BLOBS_END = 7,
	MSG_CANCEL = 8,
	MSG_BLOB_CHUNK = 9,
	/* worker -> supervisor */
	MSG_READY = 32,
	MSG_PHASE = 33,
	MSG_WANT = 34,
	MSG_WANT_END = 35,
	MSG_FILES = 36,
	MSG_LOG = 37,
	MSG_RESULT = 38,
	MSG_ERROR = 39,
	MSG_STATS = 40,
	MSG_PROFILE = 41,
};

/* "hello", "job", ...; "unknown" for anything else. */
const char *msg_type_name(int type);

struct msg_kv {
	char *key;
	char *value;
};

struct msg_hello {
	uint32_t proto;
	char *run_id;
};

enum msg_job_mode { JOB_SYNC = 0, JOB_RUN = 1 };

struct msg_job {
	enum msg_job_mode mode;      /* "sync" or "run" on the wire */
	char *target;                /* owner/name */
	char *remote_url;            /* what the worker fetches and pushes */
	char *cache_dir;             /* mirror cache root */
	char *base_branch;
	char *sync_branch;           /* branch to push (new or existing) */
	char *existing_branch;       /* optional: open sync PR's branch */
	char *existing_head;         /* optional: its head as discovery saw it */
	char *base_head;             /* optional: the base branch's head as discovery
					saw it (full hex id); the worker skips its
					fetch when the mirror already has it */
	char *commit_message;
	char *author_name;
	char *author_email;
	bool dry_run;
	bool want_diff;              /* dry-run: include a unified diff */
	bool commit_api;             /* repocast.commit.via: api: leave the commit in
	                              * the mirror, push nothing; the supervisor makes
	                              * it through the API (docs/github.md) */
	struct strv delete_paths;
	/* transforms: source repo -> target repo, template vars, emails */
	char *repo_from;
	char *repo_to;
	bool repo_bare;              /* also the bare repository name */
	struct msg_kv *vars;
	size_t nvars;
	struct msg_kv *emails;       /* key "security" / "support" */
	size_t nemails;
	/* prune: target paths under these dirs that are not in the manifest go */
	struct strv prune_dirs;
	/* module sync's update_refs: module path -> version, set in the require
	 * entries of the target's go.mod (at the root of its base tree) */
	struct msg_kv *go_requires;
	size_t ngo_requires;
	/* run mode: the command to run in the checkout */
	struct strv argv;
	/* sign{method, key, program}, all optional: how the commit is signed
	 * (worker/sign.h). method "ssh", "openpgp" or "x509" (NULL: unsigned);
	 * key a key file's path, a "key::" public key or a key id, never key
	 * material; program the signer to run. */
	char *sign_method;
	char *sign_key;
	char *sign_program;
	/* the worker's rlimits (memory and processes bind the whole job and
	 * are the supervisor's: supervisor/pool/limits.c); 0 = none */
	uint64_t cpu_seconds;
	uint64_t open_files;
	uint64_t seccomp;            /* sync: 0 off, 1 auto, 2 on (worker/seccomp.h) */
	uint64_t max_frame;
	/* --profile: the sampling period in microseconds of CPU time; 0 = off
	 * (no timer, no handler: worker/profile.h) */
	uint64_t profile_us;
	/* run mode with --profile: perf's path when the supervisor found that
	 * perf can record here (shared/perfrec.h); NULL otherwise */
	char *perf;
};

struct msg_cred {
	char *token; /* wiped by msg_release */
};

struct msg_manifest_entry {
	char *path;      /* target path */
	uint32_t mode;   /* 0100644, 0100755, 0120000 */
	char oid[41];    /* source blob, hex */
	bool binary;
	bool transform;  /* a transform applies to this entry */
};

struct msg_manifest {
	struct msg_manifest_entry *entries;
	size_t n;
};

struct msg_count {
	uint64_t count;
};

struct msg_blob {
	char oid[41];
	const unsigned char *data; /* borrowed from the frame payload */
	size_t len;
};

struct msg_blobs {
	struct msg_blob *items;
	size_t n;
};

/*
 * One slice of a blob too large for BLOBS: a blob of `total` bytes travels
 * as consecutive chunks, offsets 0, len0, len0+len1, ..., the last one
 * flagged. msg_decode checks offset + len <= total and that `last` is set
 * exactly when the chunk ends the blob; the order is the receiver's check.
 */
struct msg_blob_chunk {
	char oid[41];
	uint64_t offset;
	uint64_t total;
	const unsigned char *data; /* borrowed from the frame payload */
	size_t len;
	bool last;
};

struct msg_ready {
	int64_t pid;
	char *libgit2;
};

struct msg_phase {
	char *name;
	uint64_t ms;
};

struct msg_want {
	char (*oids)[41];
	size_t n;
};

enum file_status {
	FILE_ADDED, FILE_MODIFIED, FILE_UNCHANGED, FILE_DELETED, FILE_SKIPPED,
};
const char *msg_file_status_name(int st);

struct msg_file {
	char *path;
	int status; /* enum file_status; a string on the wire */
};

struct msg_files {
	struct msg_file *items;
	size_t n;
};

struct msg_log {
	int level; /* enum log_level */
	char *text;
};

struct msg_result {
	char *outcome;   /* up_to_date, pending_current, pushed, dry_run, ran, failed */
	char *commit;    /* optional */
	char *branch;    /* optional */
	uint64_t changed, added, deleted;
	uint64_t bytes;
	char *diffstat;  /* optional */
	char *diff;      /* optional, dry-run --diff, size-capped */
	int64_t exit_code;   /* run mode: the command's exit status, -1 if signalled */
	int64_t term_signal; /* run mode: signal number or 0 */
	/* run mode: the command's own rusage, as the worker saw it via wait4 */
	uint64_t cmd_utime_us, cmd_stime_us, cmd_maxrss_kib, cmd_wall_ms;
};

struct msg_error {
	char *code;      /* err_name() of the failure: "notfound", "auth", ... */
	char *text;
};

struct msg_stats {
	uint64_t vm_hwm_kib;
	struct msg_kv *phase_ms; /* value is the decimal ms as a string */
	size_t nphase;
	uint64_t bytes_in, bytes_out, msgs_in, msgs_out;
};

/*
 * PROFILE (sent before STATS, only by a worker whose JOB asked for it):
 * the worker's own samples folded into stacks ("main;run_job;poll" ->
 * count, root first), and in run mode those of the command as perf
 * recorded them (or why it could not).
 */
struct msg_profile {
	uint64_t period_us;      /* the sampling period of the worker's timer */
	uint64_t samples;        /* the worker's samples taken */
	uint64_t lost;           /* samples dropped: the ring was full, a stack cut */
	struct msg_kv *stacks;   /* folded stack -> decimal count */
	size_t nstacks;
	char *perf;              /* run mode: "recorded" or why not; else NULL */
};

struct msg {
	int type;
	uint64_t id;
	union {
		struct msg_hello hello;
		struct msg_job job;
		struct msg_cred cred;
		struct msg_manifest manifest;
		struct msg_count count;  /* MANIFEST_END{count} */
		struct msg_blobs blobs;
		struct msg_blob_chunk chunk;
		struct msg_ready ready;
		struct msg_phase phase;
		struct msg_want want;
		struct msg_files files;
		struct msg_log log;
		struct msg_result result;
		struct msg_error error;
		struct msg_stats stats;
		struct msg_profile profile;
	} u;
};

/* Zero m; m->type set to type. */
void msg_init(struct msg *m, int type);
/* Free everything m owns (never the borrowed blob data); m becomes zeroed. */
void msg_release(struct msg *m);
/*
 * Deep copy of src into dst (overwritten, not released first), derived
 * from the schema like msg_release. For messages that are kept (RESULT,
 * ERROR, STATS, JOB); a MANIFEST, WANT, BLOBS, BLOB_CHUNK or FILES message
 * is streamed, never copied: BUG().
 */
void msg_copy(struct msg *dst, const struct msg *src);
/* A copy of n key/value pairs (NULL for none); free with msg_kv_free. */
struct msg_kv *msg_kv_dup(const struct msg_kv *kv, size_t n);
/* Free n key/value pairs and their array. Accepts NULL. */
void msg_kv_free(struct msg_kv *kv, size_t n);
/* The same for a RESULT body alone, as a record keeps it. */
void msg_result_copy(struct msg_result *dst, const struct msg_result *src);
/* Free what a RESULT body owns; r becomes zeroed. */
void msg_result_release(struct msg_result *r);

/* Append m's msgpack payload to out. BLOBS_END, WANT_END, CANCEL have empty bodies. */
void msg_encode(struct buf *out, const struct msg *m);
/*
 * Decode one payload into m (which it initialises). 0 on success;
 * ERR_PROTO with err_last naming the message and field on any defect.
 * On failure m holds nothing to release.
 */
int msg_decode(struct msg *m, const void *payload, size_t len);
/*
 * Encode m and queue it as one frame on w (does not flush); the payload is
 * built in place in w's queue. -1 (ERR_LIMIT) when it exceeds w->max, with
 * nothing queued.
 */
int msg_send(struct frame_writer *w, const struct msg *m);

struct frame_reader;
/*
 * Non-blocking: take the next whole frame from r's buffer (frame_next) and
 * decode it into m. 1 with m filled (release it), 0 when no whole frame is
 * buffered, -1 on a frame or decode error (err_last set; m empty). Blob
 * data borrows from r's buffer: valid until the next frame_fill.
 */
int msg_next(struct msg *m, struct frame_reader *r);
/*
 * Blocking (frame_read): 1 with m filled, 0 on a clean EOF, -1 on error.
 * Same borrowing rule as msg_next.
 */
int msg_recv(struct msg *m, struct frame_reader *r);
/*
 * Check that m is a HELLO speaking PROTO_VERSION: 0, or ERR_PROTO with
 * "protocol version mismatch: peer speaks 2, this side 1".
 */
int msg_hello_check(const struct msg *m);

#endif
