/*
 * The pool's own cost per worker (DESIGN §9: >= 1500 workers/s): posix_spawn
 * of the release repocast-worker (which then loads no libgit2), HELLO and a
 * run JOB with no repository ("none:") and no command queued at once, READY,
 * RESULT, STATS, /proc/PID/io, reap; two at a time.
 * One op = one worker. perf/e2e/spawn.sh reports it next to xargs/parallel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf/bench.h"
#include "proto/msg.h"
#include "shared/util.h"
#include "supervisor/pool/pool.h"

struct noop {
	uint64_t n, next, failed;
};

static int
noop_next(void **task, const char **name, void *arg)
{
	struct noop *s = arg;

	if (s->next >= s->n)
		return 0;
	s->next++;
	*task = s;
	*name = "noop";
	return 1;
}

static int
noop_started(struct pool_job *j, void *task, void *arg)
{
	struct msg m;

	(void)task;
	(void)arg;
	msg_init(&m, MSG_JOB);
	m.u.job.mode = JOB_RUN;
	m.u.job.target = (char *)"noop";
	m.u.job.remote_url = (char *)"none:";
	m.u.job.cache_dir = (char *)"/nonexistent";
	return pool_send(j, &m);
}

static int
noop_message(struct pool_job *j, void *task, const struct msg *m, void *arg)
{
	(void)j;
	(void)task;
	(void)m;
	(void)arg;
	return 0;
}

static void
noop_finished(struct pool_job *j, void *task, struct record *rec, void *arg)
{
	struct noop *s = arg;

	(void)j;
	(void)task;
	if (record_failed(rec))
		s->failed++;
}

BENCH(PoolNoopWorker)
{
	struct pool_ops ops = { noop_next, noop_started, noop_message, noop_finished, NULL,
		NULL };
	const char *o = getenv("O");
	struct pool_opts po;
	struct noop s = { 0, 0, 0 };
	struct pool *p;
	char *worker = xasprintf("%s/repocast-worker", o != NULL ? o : "build");

	memset(&po, 0, sizeof(po));
	po.jobs = 2;
	po.worker_path = worker;
	po.timeout_ms = 10000;
	s.n = b->n;
	if (pool_new(&p, &po, &ops, &s) < 0)
		BUG("pool_new failed");
	bench_reset_timer(b);
	pool_run(p);
	pool_free(p);
	if (s.failed > 0)
		BUG("%llu no-op workers failed", (unsigned long long)s.failed);
	free(worker);
}
