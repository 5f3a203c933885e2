/*
 * sync_job — the supervisor side of one target of `repocast sync`
 * (DESIGN §2-3): the messages it sends its worker and what it collects.
 *
 * When the pool reports the worker READY, sync_job_start queues CRED, JOB
 * (CRED only with a token), the manifest in MANIFEST batches and
 * MANIFEST_END, all at once: the worker reads them after its fetch. The
 * oids of each WANT are checked against the manifest and queued; the
 * queue is answered from the source mirror as the channel drains: blobs
 * of at most SYNC_JOB_BLOBS_MAX bytes in BLOBS batches of at most that
 * many bytes, a larger blob as BLOB_CHUNKs of SYNC_JOB_CHUNK bytes read
 * through blobread.h, never more than SYNC_JOB_HIGH_WATER bytes queued
 * for the worker before the next slice is read (sync_job_writable is the
 * pool's "the queue drained" callback). So the supervisor holds about
 * SYNC_JOB_HIGH_WATER + SYNC_JOB_CHUNK bytes per worker, whatever the
 * size of the blobs; a small blob is read whole. After WANT_END and the
 * last blob, BLOBS_END. FILES, RESULT, ERROR and LOG are collected into
 * the struct. A retried attempt starts clean.
 *
 * Nothing here blocks but the disk reads: every send is queued on the pool.
 */
#ifndef REPOCAST_SYNC_JOB_H
#define REPOCAST_SYNC_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "proto/msg.h"
#include "shared/buf.h"

struct pool_job;

#define SYNC_JOB_BLOBS_MAX (1024u * 1024)
#define SYNC_JOB_CHUNK (1024u * 1024)
#define SYNC_JOB_HIGH_WATER (2u * 1024 * 1024)
#define SYNC_JOB_MANIFEST_BATCH 1024

/* A blob the supervisor made itself (a directory-specific transform). */
struct sync_job_blob {
	char oid[41];
	struct buf data;
};

/* How messages leave: pool_send, or a capture in tests. */
typedef int (*sync_job_send_fn)(struct pool_job *j, const struct msg *m);
/* Bytes queued for the worker and not yet written: pool_pending, or a test's. */
typedef size_t (*sync_job_pending_fn)(const struct pool_job *j);

struct blobread;

struct sync_job {
	/* set by the caller before the pool starts the job */
	sync_job_send_fn send;             /* pool_send unless set */
	sync_job_pending_fn pending;       /* pool_pending unless set */
	char *repo;                       /* owner/name; owned */
	struct msg job;                   /* MSG_JOB; owned (msg_release) */
	const char *token;                /* borrowed; NULL: no CRED */
	struct msg_manifest_entry *entries; /* owned, sorted by path */
	size_t nentries, entries_cap;
	git_odb *odb;                     /* the source's (struct source owns it,
	                                   * and outlives every job); borrowed */
	git_repository *src_repo;         /* the source mirror, for blobread; borrowed */
	struct sync_job_blob *own;         /* blobs served from memory; owned */
	size_t nown, own_cap;

	/* collected from the worker (reset at every attempt) */
	struct msg_file *files;           /* changed paths; owned */
	size_t nfiles, files_cap;
	bool has_result;                  /* a RESULT came (the record holds it) */
	struct buf warnings;              /* LOG lines at warn level or worse */
	uint64_t blobs_sent, blob_bytes_sent;
	uint64_t chunks_sent;             /* BLOB_CHUNK messages */
	int attempts;

	/* the blobs the worker asked for and not yet sent (reset every attempt) */
	char (*queue)[41];
	size_t nqueue, qhead, queue_cap;
	bool want_end, blobs_end_sent;
	struct blobread *cur;             /* a large blob being sent in chunks */
	const struct sync_job_blob *cur_own; /* ... or a large one from memory */
	char cur_oid[41];
	uint64_t cur_size, cur_off;
	unsigned char *chunk;             /* SYNC_JOB_CHUNK bytes while streaming */
};

/* Zero s, send = pool_send (then the caller fills repo, job, token, entries, odb). */
void sync_job_init(struct sync_job *s);
void sync_job_release(struct sync_job *s);

/* Append one manifest entry (copied). */
void sync_job_add_entry(struct sync_job *s, const char *path, uint32_t mode, const char *oid,
    bool binary, bool transform);
/* Serve oid from memory (data copied); for supervisor-made blobs. */
void sync_job_add_blob(struct sync_job *s, const char *oid, const void *data, size_t len);

/* Pool callback halves: queue the opening messages / handle one message. */
int sync_job_start(struct sync_job *s, struct pool_job *j);
/* <0 (ERR_PROTO, err_last) fails the job as a protocol error. */
int sync_job_message(struct sync_job *s, struct pool_job *j, const struct msg *m);
/*
 * The worker's queue drained below the pool's low-water mark: send the
 * next blobs or slices. <0 (err_last: a source blob that cannot be read)
 * fails the job.
 */
int sync_job_writable(struct sync_job *s, struct pool_job *j);

#endif
