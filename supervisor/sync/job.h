/*
 * sync_job — the supervisor side of one target of `repocast sync`
 * (DESIGN §2-3): the messages it sends its worker and what it collects.
 *
 * When the pool reports the worker READY, sync_job_start queues CRED, JOB
 * (CRED only with a token), the manifest in MANIFEST batches and
 * MANIFEST_END, all at once: the worker reads them after its fetch. Each
 * WANT is answered at once with BLOBS read from the source mirror's
 * object database, batches of at most SYNC_JOB_BLOBS_MAX bytes (a larger
 * blob travels alone); WANT_END with BLOBS_END. FILES, RESULT, ERROR and
 * LOG are collected into the struct. A retried attempt starts clean.
 *
 * Nothing here blocks: every send is queued on the pool.
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
#define SYNC_JOB_MANIFEST_BATCH 1024

/* A blob the supervisor made itself (a directory-specific transform). */
struct sync_job_blob {
	char oid[41];
	struct buf data;
};

/* How messages leave: pool_send, or a capture in tests. */
typedef int (*sync_job_send_fn)(struct pool_job *j, const struct msg *m);

struct sync_job {
	/* set by the caller before the pool starts the job */
	sync_job_send_fn send;             /* pool_send unless set */
	char *repo;                       /* owner/name; owned */
	struct msg job;                   /* MSG_JOB; owned (msg_release) */
	const char *token;                /* borrowed; NULL: no CRED */
	struct msg_manifest_entry *entries; /* owned, sorted by path */
	size_t nentries, entries_cap;
	git_odb *odb;                     /* the source's (struct source owns it,
	                                   * and outlives every job); borrowed */
	struct sync_job_blob *own;         /* blobs served from memory; owned */
	size_t nown, own_cap;

	/* collected from the worker (reset at every attempt) */
	struct msg_file *files;           /* changed paths; owned */
	size_t nfiles, files_cap;
	bool has_result;                  /* a RESULT came (the record holds it) */
	struct buf warnings;              /* LOG lines at warn level or worse */
	uint64_t blobs_sent, blob_bytes_sent;
	int attempts;
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

#endif
