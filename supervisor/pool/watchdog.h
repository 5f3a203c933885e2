/*
 * watchdog — the whole-job limits where no cgroup is delegated to repocast
 * (docs/run.md): the supervisor samples, at POOL_WATCHDOG_MS intervals,
 * every process of each job and sums what they hold.
 *
 * A job is a session: the worker leads its own (spawn.c), and whatever it
 * starts stays in it unless it calls setsid itself (a setpgid does not
 * leave the session, so such a process is still counted and killed). One
 * pass reads /proc/PID/stat of every process on the machine (its session
 * and thread count) and /proc/PID/statm of the jobs' own (resident minus
 * file-backed and shared pages: the anonymous memory the job's processes
 * hold, counted once per process, not the shared libraries they map).
 * The /proc root is a parameter: the tests use a fake tree.
 *
 * Sampling bounds what a job holds, not what it can grab between two
 * samples: a job over its limit is killed at the next sample.
 */
#ifndef REPOCAST_WATCHDOG_H
#define REPOCAST_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One job's processes as one pass found them. */
struct watchdog_job {
	pid_t sid;                /* in: the job's session (its worker's pid) */
	uint64_t memory;          /* out: bytes of anonymous resident memory, summed */
	uint64_t tasks;           /* out: processes and their threads */
	pid_t *pids;              /* out: the processes found; owned, grown as needed */
	size_t npids, cap;
};

/*
 * One pass over proc_root ("/proc") for the n jobs: fills memory, tasks
 * and pids of each (zero when none of its processes is left). Processes
 * that vanish during the pass are skipped. 0, or -1 with err_last set
 * when proc_root cannot be read.
 */
int watchdog_scan(struct watchdog_job *jobs, size_t n, const char *proc_root);
/* SIGKILL every process of job j found by the last pass, and its group. */
void watchdog_kill(const struct watchdog_job *j);
/* Free the pids array; j stays usable. Accepts NULL. */
void watchdog_job_release(struct watchdog_job *j);

#endif
