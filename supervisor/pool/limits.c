/*
 * limits — the whole-job limits of the pool, memory and processes
 * (docs/run.md): each attempt in a cgroup of its own where a cgroup v2
 * subtree is delegated to repocast (cgroup.h), else the watchdog
 * (watchdog.h) samples every job's session POOL_WATCHDOG_MS apart and
 * kills a job over a limit, every process of it, with cause `memory` or
 * `pids`. The mechanism is chosen once per pool and named in each record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/pool/evloop.h"
#include "supervisor/pool/internal.h"

static void
fmt_size(char *out, size_t n, uint64_t v)
{
	if (v >= (1u << 20) && v % (1u << 20) == 0)
		snprintf(out, n, "%lluM", (unsigned long long)(v >> 20));
	else if (v >= (1u << 20))
		snprintf(out, n, "%.1fM", (double)v / (1u << 20));
	else
		snprintf(out, n, "%llu bytes", (unsigned long long)v);
}

int
pool_limits_init(struct pool *p)
{
	const char *root = getenv("REPOCAST_CGROUP_ROOT");
	struct buf self = BUF_INIT;
	int rc;

	p->limit = LIMIT_NONE;
	if (p->o.mem_bytes == 0 && p->o.processes == 0)
		return 0;
	if (root == NULL || root[0] == '\0')
		root = CGROUP_ROOT;
	if (buf_read_file(&self, "/proc/self/cgroup") < 0)
		rc = ERR_NOTFOUND;
	else
		rc = cgroup_probe(&p->cg, root, self.ptr, true);
	buf_release(&self);
	if (rc == 0) {
		p->limit = LIMIT_CGROUP;
		log_debug("limits: jobs get cgroups under '%s'", p->cg.base);
		return 0;
	}
	if (rc == ERR_NOTFOUND)
		log_debug("limits: no delegated cgroup (%s): the watchdog enforces them", err_last());
	else
		log_warn("limits: cannot use the delegated cgroup (%s): the watchdog enforces them",
		    err_last());
	p->limit = LIMIT_WATCHDOG;
	return 0;
}

void
pool_limits_release(struct pool *p)
{
	size_t i;

	pool_limits_stop(p);
	for (i = 0; i < p->wd_cap; i++)
		watchdog_job_release(&p->wd[i]);
	free(p->wd);
	free(p->wd_jobs);
	p->wd = NULL;
	p->wd_jobs = NULL;
	p->nwd = p->wd_cap = 0;
	/* The cgroups whose processes were still exiting at their reap. */
	for (i = 0; i < p->cg_left.n; i++) {
		cgroup_job_kill(p->cg_left.v[i]);
		if (cgroup_job_remove(p->cg_left.v[i]) < 0)
			log_warn("%s", err_last());
	}
	strv_release(&p->cg_left);
	cgroup_ctl_release(&p->cg);
}

/* ---- the watchdog ---- */

static void on_sample(void *arg);

static bool
sampled(const struct pool_job *j)
{
	return j->pid > 0 && !j->reaped && (j->state == JOB_SPAWNED || j->state == JOB_RUNNING ||
	    j->state == JOB_STOPPING || j->state == JOB_KILLED);
}

static void
check_job(struct pool_job *j, const struct watchdog_job *wj)
{
	const struct pool_opts *o = &j->p->o;
	char have[32], max[32], *text;

	if (wj->memory > j->rec.job_memory_peak)
		j->rec.job_memory_peak = wj->memory;
	if (wj->tasks > j->rec.job_tasks_peak)
		j->rec.job_tasks_peak = wj->tasks;
	if (j->state == JOB_KILLED)
		return;
	if (o->mem_bytes > 0 && wj->memory > o->mem_bytes) {
		fmt_size(have, sizeof(have), wj->memory);
		fmt_size(max, sizeof(max), o->mem_bytes);
		text = xasprintf("the job's processes held %s of memory, over its limit of %s "
		    "(watchdog)", have, max);
		pool_job_kill_limit(j, wj, CAUSE_MEMORY, text);
		free(text);
	} else if (o->processes > 0 && wj->tasks > o->processes) {
		text = xasprintf("the job ran %llu processes and threads, over its limit of %llu "
		    "(watchdog)", (unsigned long long)wj->tasks, (unsigned long long)o->processes);
		pool_job_kill_limit(j, wj, CAUSE_PIDS, text);
		free(text);
	}
}

static void
sample(struct pool *p)
{
	struct pool_job *j;
	size_t n = 0, i;

	for (j = p->live; j != NULL; j = j->next_live) {
		if (!sampled(j))
			continue;
		if (n == p->wd_cap) {
			p->wd_cap = p->wd_cap ? 2 * p->wd_cap : 8;
			p->wd = xrealloc(p->wd, p->wd_cap * sizeof(*p->wd));
			p->wd_jobs = xrealloc(p->wd_jobs, p->wd_cap * sizeof(*p->wd_jobs));
			memset(p->wd + n, 0, (p->wd_cap - n) * sizeof(*p->wd));
		}
		p->wd[n].sid = j->pid;
		p->wd_jobs[n] = j;
		n++;
	}
	p->nwd = n;
	if (n == 0)
		return;
	if (watchdog_scan(p->wd, n, "/proc") < 0) {
		if (!p->wd_warned)
			log_warn("limits: %s", err_last());
		p->wd_warned = true;
		return;
	}
	/* A kill never frees a job (it is not reaped yet): the list holds. */
	for (i = 0; i < n; i++)
		check_job(p->wd_jobs[i], &p->wd[i]);
}

static void
on_sample(void *arg)
{
	struct pool *p = arg;

	p->watchdog_timer = 0;
	sample(p);
	p->watchdog_timer = evloop_timer(p->loop, POOL_WATCHDOG_MS, on_sample, p);
}

void
pool_limits_start(struct pool *p)
{
	if (p->limit == LIMIT_WATCHDOG && p->watchdog_timer == 0)
		p->watchdog_timer = evloop_timer(p->loop, POOL_WATCHDOG_MS, on_sample, p);
}

void
pool_limits_stop(struct pool *p)
{
	evloop_cancel(p->loop, p->watchdog_timer);
	p->watchdog_timer = 0;
}

/* ---- cgroups ---- */

void
pool_limits_spawned(struct pool_job *j)
{
	struct pool *p = j->p;
	char *text;

	j->rec.limit = p->limit;
	if (p->limit != LIMIT_CGROUP)
		return;
	/* Before HELLO: the worker has forked nothing yet (it waits for it). */
	if (cgroup_job_create(&j->cgroup, &p->cg, ++p->cgroup_seq, p->o.mem_bytes,
	    p->o.processes) < 0 || cgroup_job_attach(j->cgroup, j->pid) < 0) {
		/* Never a job without its limits. */
		text = xasprintf("cannot apply the job's limits: %s", err_last());
		log_error("%s: %s", j->name, text);
		pool_job_kill_limit(j, NULL, CAUSE_SPAWN, text);
		free(text);
	}
}

void
pool_limits_exited(struct pool_job *j)
{
	struct cgroup_stats st;
	char max[32];

	if (j->cgroup == NULL)
		return;
	if (cgroup_job_read(&st, j->cgroup) < 0) {
		log_warn("%s: %s", j->name, err_last());
	} else {
		j->rec.job_memory_peak = st.memory_peak;
		j->rec.job_tasks_peak = st.pids_peak;
		free(j->limit_error);
		j->limit_error = NULL;
		if (st.oom_kills > 0) {
			fmt_size(max, sizeof(max), j->p->o.mem_bytes);
			j->limit_cause = CAUSE_MEMORY;
			j->limit_error = xasprintf("the job went over its memory limit of %s: the "
			    "kernel killed %llu of its processes (cgroup)", max,
			    (unsigned long long)st.oom_kills);
		} else if (st.pids_denied > 0) {
			j->limit_cause = CAUSE_PIDS;
			j->limit_error = xasprintf("the job reached its limit of %llu processes and "
			    "threads: %llu forks were refused (cgroup)",
			    (unsigned long long)j->p->o.processes, (unsigned long long)st.pids_denied);
		}
	}
	/* Whatever the job left, setsid or not, goes with the worker. */
	cgroup_job_kill(j->cgroup);
}

void
pool_limits_reaped(struct pool_job *j)
{
	if (j->cgroup == NULL)
		return;
	/* Its last processes may still be on their way out. */
	if (cgroup_job_remove(j->cgroup) < 0)
		strv_add(&j->p->cg_left, j->cgroup);
	free(j->cgroup);
	j->cgroup = NULL;
}
