/*
 * pool — run one worker process per task, --jobs at a time, from one event
 * loop (DESIGN §1; after git's run_processes_parallel: callbacks + cookie).
 *
 * The pool spawns repocast-worker with posix_spawn (own session, fds 3/4
 * as the channel, stdout+stderr into a log pipe copied to the task's log
 * file), sends HELLO itself and waits for READY, then calls ops->started,
 * which queues the task's first messages (JOB, CRED, ...). Every message
 * the worker sends after READY goes to ops->message, which may queue
 * replies with pool_send. STATS is consumed by the pool (into the record).
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

struct pool;
struct pool_job;

/* Per-target resource record (DESIGN §7). Times in microseconds unless named. */
struct pool_record {
	char *name;               /* owner/repo or the repo list entry */
	char *outcome;            /* from RESULT, or "failed" / "timed_out" / "cancelled" */
	char *cause;              /* NULL when ok; "exit:N", "signal:NAME", "timeout", "protocol",
				     "spawn", "memory", or an ERROR code from the worker */
	char *error;              /* human text of the failure, or NULL */
	int attempts;
	pid_t pid;
	uint64_t start_us, end_us; /* wall clock, microseconds since the epoch */
	uint64_t wall_us, utime_us, stime_us;
	uint64_t maxrss_kib, vm_hwm_kib;
	uint64_t minflt, majflt, nvcsw, nivcsw, inblock, oublock;
	uint64_t rchar, wchar, read_bytes, write_bytes;
	uint64_t bytes_to_worker, bytes_from_worker, msgs_to_worker, msgs_from_worker;
	struct msg_kv *phases;    /* phase name -> ms (decimal string) */
	size_t nphases;
	struct msg_result result; /* copy of the worker's RESULT (zeroed when none) */
	bool has_result;
	char *pr_url;             /* set by the caller after PR creation */
	char *log_path;           /* targets/<owner>__<repo>.log */
};

struct pool_ops {
	/*
	 * Hand out the next task: return 1 with *task set to the caller's task
	 * cookie and *name to its display name (borrowed until finished), 0
	 * when there is none left (now).
	 */
	int (*next)(void **task, const char **name, void *arg);
	/* The worker answered READY; queue the task's messages with pool_send. */
	int (*started)(struct pool_job *j, void *task, void *arg);
	/* A message after READY (not STATS). Return <0 to fail the job (protocol). */
	int (*message)(struct pool_job *j, void *task, const struct msg *m, void *arg);
	/* The task is over (for good, retries done); rec is borrowed. */
	void (*finished)(struct pool_job *j, void *task, const struct pool_record *rec, void *arg);
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
	uint64_t mem_bytes;       /* worker limits, passed in JOB by the caller; here for cause */
};

int pool_new(struct pool **out, const struct pool_opts *opts, const struct pool_ops *ops,
    void *arg);
void pool_free(struct pool *p);
/* Run until every task is finished or the run is interrupted. 0, or EXIT_INTERRUPTED. */
int pool_run(struct pool *p);
/* Queue a message to the job's worker (non-blocking). */
int pool_send(struct pool_job *j, const struct msg *m);
/* The job's current record (borrowed). */
struct pool_record *pool_job_record(struct pool_job *j);

/* Find repocast-worker next to argv0's binary, else in LIBEXECDIR. Caller frees. */
char *pool_find_worker(const char *argv0);

#endif
