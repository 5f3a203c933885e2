/*
 * cgroup — the whole-job limits in a cgroup v2 subtree delegated to
 * repocast (docs/run.md): one cgroup per worker attempt, made in the
 * supervisor's own cgroup, with memory.max and pids.max; memory.peak,
 * pids.peak, memory.events (oom_kill) and pids.events (max) for the report
 * and the cause.
 *
 * Only a delegated subtree is used, never created or changed elsewhere:
 * the process's own cgroup (/proc/self/cgroup, "0::PATH") under a cgroup2
 * mount, not the root (the host's), offering the memory and pids
 * controllers, with cgroup.procs and cgroup.subtree_control writable. To
 * enable the controllers for its children (cgroup v2 lets a cgroup with
 * processes of its own have none), the supervisor first moves itself into
 * a leaf, <base>/supervisor-PID. The cgroups a killed supervisor left are
 * emptied and removed by the next probe.
 *
 * The mount point is a parameter: tests point it at a directory of their
 * own (check_fs false), where every control file is a plain file.
 */
#ifndef REPOCAST_CGROUP_H
#define REPOCAST_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The default cgroup2 mount (REPOCAST_CGROUP_ROOT overrides it). */
#define CGROUP_ROOT "/sys/fs/cgroup"

struct cgroup_ctl {
	char *base;               /* the delegated cgroup; NULL: none */
};

/* What a job's cgroup measured (0 where the kernel has no such file). */
struct cgroup_stats {
	uint64_t memory_peak;     /* memory.peak, bytes */
	uint64_t pids_peak;       /* pids.peak */
	uint64_t oom_kills;       /* memory.events oom_kill */
	uint64_t pids_denied;     /* pids.events max: forks refused at pids.max */
};

/*
 * Find the subtree delegated to this process: root is the cgroup2 mount
 * (checked to be one when check_fs), self_cgroup the text of
 * /proc/self/cgroup. 0 with ctl->base set; ERR_NOTFOUND with err_last
 * saying why there is none (not a failure: the watchdog takes over); -1
 * when a delegated subtree could not be set up.
 */
int cgroup_probe(struct cgroup_ctl *ctl, const char *root, const char *self_cgroup,
    bool check_fs);
void cgroup_ctl_release(struct cgroup_ctl *ctl);

/*
 * Make base/job-PID-SEQ (PID the supervisor's) with memory.max = mem and
 * pids.max = pids (0: "max"), memory.swap.max 0 where swap is accounted.
 * *dir receives its path (caller frees). 0, or -1 with err_last set.
 */
int cgroup_job_create(char **dir, const struct cgroup_ctl *ctl, uint64_t seq, uint64_t mem,
    uint64_t pids);
/* Move pid into the job's cgroup. 0, or -1 with err_last set. */
int cgroup_job_attach(const char *dir, pid_t pid);
/* Read the job's figures. 0, or -1 with err_last set. */
int cgroup_job_read(struct cgroup_stats *st, const char *dir);
/* SIGKILL everything in the cgroup (cgroup.kill, else each of cgroup.procs). */
void cgroup_job_kill(const char *dir);
/* Remove the (empty) cgroup. 0, or -1 with err_last set (EBUSY: not empty). */
int cgroup_job_remove(const char *dir);

#endif
