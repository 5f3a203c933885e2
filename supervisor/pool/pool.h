/*
 * pool — run one worker process per task, --jobs at a time, from one event
 * loop (DESIGN §1; after git's run_processes_parallel: callbacks + cookie).
 *
 * The pool spawns repocast-worker with posix_spawn (own session, fds 3/4
 * as the channel, stdout+stderr into a log pipe copied to the task's log
 * file), queues HELLO itself and at once calls ops->started, which queues
 * the task's first messages (CRED, JOB, ...) behind it: the worker reads
 * them after its READY, so no round trip is spent waiting for READY. The
 * first message from the worker must be READY; every message it sends
 * after READY goes to ops->message, which may queue replies with
 * pool_send. STATS is consumed by the pool (into the record).
 * When the process is gone the pool fills the record (rusage from wait4,
 * /proc/PID/io read after waitid(WNOWAIT), cause) and calls ops->finished.
 *
 * A worker that sends a bad or oversized frame, exceeds its deadline, dies
 * by a signal or exits non-zero is stopped (close channel, SIGTERM to its
 * process group, grace, SIGKILL) and recorded with its cause; the pool
 * carries on. Transient causes are retried with exponential backoff.
 * Nothing here blocks on a single worker.
 */
#ifndef REPOCAST_POOL_H
#define REPOCAST_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/msg.h"
#include "supervisor/report/record.h"

struct pool;
struct pool_job;

struct pool_ops {
	/*
	 * Hand out the next task: return 1 with *task set to the caller's task
	 * cookie and *name to its display name (borrowed until finished), 0
	 * when there is none left (now).
	 */
	int (*next)(void **task, const char **name, void *arg);
	/* The worker is spawned and HELLO queued: queue the task's first
	 * messages with pool_send (the worker reads them after its READY). */
	int (*started)(struct pool_job *j, void *task, void *arg);
	/* A message after READY (not STATS). Return <0 to fail the job (protocol). */
	int (*message)(struct pool_job *j, void *task, const struct msg *m, void *arg);
	/* The task is over (for good, retries done): rec is its final record,
	 * which the callback may take (record_move); what it leaves is freed. */
	void (*finished)(struct pool_job *j, void *task, struct record *rec, void *arg);
	/*
	 * Optional (NULL: none): n bytes as they go into the task's log (the
	 * worker's stdout+stderr, its LOG lines, the attempt separators), in
	 * the order they go there, any chunking; all of an attempt's before
	 * finished (or the next attempt's started).
	 */
	void (*output)(struct pool_job *j, void *task, const char *data, size_t n, void *arg);
	/*
	 * Optional (NULL: none). The job's write queue, after being full
	 * enough to wait for the worker, drained below POOL_LOW_WATER bytes:
	 * queue more (a sender that keeps pool_pending under a bound of its
	 * own never holds more than that for a slow worker). <0 fails the job.
	 */
	int (*writable)(struct pool_job *j, void *task, void *arg);
};

struct pool_opts {
	int jobs;                 /* parallel workers, >= 1 */
	uint64_t timeout_ms;      /* per-worker deadline; 0 = none */
	uint64_t grace_ms;        /* SIGTERM -> SIGKILL, default 5000 */
	int retries;              /* extra attempts for transient causes */
	uint64_t backoff_ms;      /* first retry delay, doubled each time */
	const char *worker_path;  /* repocast-worker binary */
	const char *log_dir;      /* where targets/<name>.log go */
	const char *run_id;
	uint64_t max_frame;       /* per-channel frame maximum */
	uint64_t mem_bytes;       /* the whole job's memory, bytes; 0 = none (limits.c) */
	uint64_t processes;       /* the whole job's processes and threads; 0 = none */
	uint64_t max_log;         /* cap of each target's log, bytes; 0 = none (logcap.h) */
	const char *const *env;   /* "NAME=value" added to workers' environment; may be NULL */
};

/* Below this many queued bytes the pool asks ops->writable for more. */
#define POOL_LOW_WATER (1024u * 1024)

/* The default grace between SIGTERM and SIGKILL, and the first retry delay. */
#define POOL_GRACE_MS 5000
#define POOL_BACKOFF_MS 1000
/* The watchdog's sampling period (10 Hz) where no cgroup holds the limits. */
#define POOL_WATCHDOG_MS 100

int pool_new(struct pool **out, const struct pool_opts *opts, const struct pool_ops *ops,
    void *arg);
void pool_free(struct pool *p);
/*
 * Run until every task is finished or the run is interrupted: 0, or
 * ERR_INTERRUPTED (an error code, never an exit status: the cmd_* entry
 * points alone choose those).
 */
int pool_run(struct pool *p);
/* Queue a message to the job's worker (non-blocking). */
int pool_send(struct pool_job *j, const struct msg *m);
/* Bytes queued for the job's worker and not yet written. */
size_t pool_pending(const struct pool_job *j);
/* The job's current record (borrowed). */
struct record *pool_job_record(struct pool_job *j);

/* The job's display name (borrowed). */
const char *pool_job_name(const struct pool_job *j);
/* Orphaned grandchildren reaped so far (the pool is their subreaper). */
uint64_t pool_orphans(const struct pool *p);
/* What enforces the pool's memory and processes limits (LIMIT_NONE: none set). */
enum record_limit pool_limit(const struct pool *p);
/* Whether pool_run ended because of SIGINT/SIGTERM. */
bool pool_interrupted(const struct pool *p);

/*
 * The worker binary: $REPOCAST_WORKER when set (a debugging aid: run a
 * different worker build), else repocast-worker next to the running
 * executable (the build tree), else REPOCAST_LIBEXECDIR. Caller frees.
 */
char *pool_find_worker(const char *argv0);

#endif
