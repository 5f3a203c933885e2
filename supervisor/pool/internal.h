/*
 * internal — the pool's state, shared by its modules (pool.c: the jobs'
 * lives; limits.c: the whole-job limits). Nothing outside supervisor/pool/
 * includes this.
 */
#ifndef REPOCAST_POOL_INTERNAL_H
#define REPOCAST_POOL_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "proto/frame.h"
#include "shared/rusage.h"
#include "shared/strv.h"
#include "supervisor/pool/cgroup.h"
#include "supervisor/pool/logcap.h"
#include "supervisor/pool/pool.h"
#include "supervisor/pool/watchdog.h"
#include "supervisor/report/record.h"

/*
 * One job's life. Transitions are logged at debug level:
 *   SPAWNED -> RUNNING -> EXITED -> (BACKOFF -> SPAWNED ...) -> DONE
 *   any live state -> STOPPING -> KILLED -> EXITED  (the stop sequence)
 */
enum job_state {
	JOB_SPAWNED,   /* HELLO and the task's first messages queued, waiting for READY */
	JOB_RUNNING,   /* READY seen, the task's messages flow */
	JOB_STOPPING,  /* SIGTERM sent, channel closed, grace running */
	JOB_KILLED,    /* SIGKILL sent to the process group */
	JOB_EXITED,    /* reaped; draining the channel and the log pipe */
	JOB_BACKOFF,   /* waiting to retry */
	JOB_DONE,
};

struct pool_job {
	struct pool *p;
	enum job_state state;
	void *task;
	const char *name;
	struct record rec;
	pid_t pid;
	int to_fd, from_fd, log_fd;
	struct logcap log;       /* targets/<name>.log, for every attempt */
	struct frame_writer out;
	struct frame_reader in;
	uint64_t deadline_timer, grace_timer, drain_timer, backoff_timer;
	enum record_cause stop_cause; /* set when the pool stopped the worker */
	char *stop_error;
	bool got_ready, got_error, reaped;
	int status;              /* wait status */
	struct rusage ru;
	struct rusage_io io;
	bool have_io;
	char *cgroup;            /* the attempt's cgroup directory (limits.c), or NULL */
	enum record_cause limit_cause; /* what the cgroup saw (limits.c): the cause
	                                * when the attempt fails */
	char *limit_error;
	uint64_t t0_ns;
	uint64_t next_id;
	struct pool_job *next_live;
};

struct pool {
	struct pool_opts o;
	struct pool_ops ops;
	void *arg;
	struct evloop *loop;
	char **env;
	struct pool_job *live;   /* jobs holding a slot */
	int nlive;
	bool no_more;            /* next() said 0 and nothing can add tasks */
	bool cancelling;
	bool killing;            /* second Ctrl-C */
	uint64_t orphans;
	struct sigaction old_pipe;
	/* The whole-job limits (limits.c): */
	enum record_limit limit; /* LIMIT_NONE without memory or processes limit */
	struct cgroup_ctl cg;    /* LIMIT_CGROUP */
	uint64_t watchdog_timer; /* LIMIT_WATCHDOG: the next sample */
	struct watchdog_job *wd; /* one per live job in the last sample */
	struct pool_job **wd_jobs; /* the job of each */
	size_t nwd, wd_cap;
	bool wd_warned;          /* a failed sample was logged */
	struct strv cg_left;     /* job cgroups not removed yet */
	uint64_t cgroup_seq;     /* names the jobs' cgroups */
};

/* Stop j at once (SIGKILL to all its processes) with cause and text. */
void pool_job_kill_limit(struct pool_job *j, const struct watchdog_job *wj,
    enum record_cause cause, const char *text);

/*
 * limits.c: the mechanism for the pool's limits, chosen once in pool_new
 * (a delegated cgroup, else the watchdog); 0 or -1 with err_last set.
 */
int pool_limits_init(struct pool *p);
void pool_limits_release(struct pool *p);
/* Begin and end sampling (the watchdog's timer); around pool_run's loop. */
void pool_limits_start(struct pool *p);
void pool_limits_stop(struct pool *p);
/* A worker was spawned: into its cgroup before it runs anything. */
void pool_limits_spawned(struct pool_job *j);
/* The worker ended (a zombie still): read the cgroup's figures and cause
 * into j's record (for the classification), kill what is left in it. */
void pool_limits_exited(struct pool_job *j);
/* After the reap: remove the attempt's cgroup. */
void pool_limits_reaped(struct pool_job *j);

#endif
