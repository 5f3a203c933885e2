/*
 * The pool with real worker processes (the test worker,
 * build/tests/bin/repocast-worker-test, for faults) and its causes.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/pool/pool.h"

static char *
test_worker(void)
{
	const char *b = getenv("REPOCAST_BUILD");

	return xasprintf("%s/tests/bin/repocast-worker-test", b ? b : "build");
}

/* The cause as a report names it ("" when none). */
static const char *
cause_of(const struct record *r)
{
	static char buf[RECORD_CAUSE_MAX];
	const char *s = record_cause_name(buf, r);

	return s != NULL ? s : "";
}


/* ---- the pool ---- */

struct ptask {
	char name[32];
	struct record rec;
	bool done;
	bool live;   /* between started and finished */
};

struct harness {
	struct ptask t[16];
	size_t n, next;
	int running, max_running, started, finished;
	int sigint_at;   /* raise SIGINT when this many have started (0: never) */
	/* Stall the supervisor (its workers run on) for stall_ms: in started
	 * for stall_start's second attempt, in message for stall_result's
	 * RESULT. */
	const char *stall_start, *stall_result;
	int stall_ms;
	const char *const *argv;
	size_t argc;
};

static int
h_next(void **task, const char **name, void *arg)
{
	struct harness *h = arg;

	if (h->next >= h->n)
		return 0;
	*task = &h->t[h->next];
	*name = h->t[h->next].name;
	h->next++;
	return 1;
}

static int
h_started(struct pool_job *j, void *task, void *arg)
{
	struct harness *h = arg;
	struct ptask *t = task;
	struct msg m;

	h->started++;
	if (!t->live) {
		t->live = true;
		h->running++;
	}
	if (h->running > h->max_running)
		h->max_running = h->running;
	msg_init(&m, MSG_JOB);
	m.u.job.mode = JOB_RUN;
	m.u.job.target = t->name;
	m.u.job.remote_url = (char *)"none:";
	m.u.job.cache_dir = (char *)"/nonexistent";
	m.u.job.argv.v = (char **)h->argv;
	m.u.job.argv.n = h->argc;
	if (h->sigint_at > 0 && h->started == h->sigint_at)
		kill(getpid(), SIGINT);
	if (pool_send(j, &m) < 0)
		return -1;
	if (h->stall_start != NULL && strcmp(t->name, h->stall_start) == 0 &&
	    pool_job_record(j)->attempts == 2)
		usleep((useconds_t)h->stall_ms * 1000);
	return 0;
}

static int
h_message(struct pool_job *j, void *task, const struct msg *m, void *arg)
{
	struct harness *h = arg;
	struct ptask *t = task;

	(void)j;
	if (m->type == MSG_RESULT && h->stall_result != NULL &&
	    strcmp(t->name, h->stall_result) == 0)
		usleep((useconds_t)h->stall_ms * 1000);
	return 0;
}

static void
h_finished(struct pool_job *j, void *task, struct record *rec, void *arg)
{
	struct harness *h = arg;
	struct ptask *t = task;

	(void)j;
	h->finished++;
	if (t->live) {
		t->live = false;
		h->running--;
	}
	record_move(&t->rec, rec);
	t->done = true;
}

static void
harness_add(struct harness *h, const char *name)
{
	snprintf(h->t[h->n].name, sizeof(h->t[h->n].name), "%s", name);
	h->n++;
}

static void
harness_release(struct harness *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		record_release(&h->t[i].rec);
}

static int
run_pool(struct harness *h, struct pool_opts *o)
{
	struct pool_ops ops = { h_next, h_started, h_message, h_finished, NULL, NULL };
	struct pool *p;
	char *path = test_worker();
	int rc;

	if (o->worker_path == NULL)
		o->worker_path = path;
	if (o->jobs == 0)
		o->jobs = 4;
	if (o->grace_ms == 0)
		o->grace_ms = 300;
	if (o->backoff_ms == 0)
		o->backoff_ms = 10;
	ck_assert_int_eq(pool_new(&p, o, &ops, h), 0);
	rc = pool_run(p);
	pool_free(p);
	free(path);
	return rc;
}

static struct ptask *
find_task(struct harness *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->t[i].name, name) == 0)
			return &h->t[i];
	ck_abort_msg("no task %s", name);
	return NULL;
}

START_TEST(test_pool_ok)
{
	struct harness h;
	struct pool_opts o;
	struct record *r;
	size_t i;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	setenv("REPOCAST_FAULTS", "", 1);
	harness_add(&h, "good");
	harness_add(&h, "good2");
	ck_assert_int_eq(run_pool(&h, &o), 0);
	ck_assert_int_eq(h.finished, 2);
	r = &find_task(&h, "good")->rec;
	ck_assert(!record_failed(r));
	ck_assert_str_eq(record_outcome_name(r->outcome), "ran");
	ck_assert_int_eq(r->attempts, 1);
	ck_assert_int_eq(r->exit_code, 0);
	ck_assert_int_eq(r->term_signal, 0);
	ck_assert_int_gt(r->pid, 0);
	ck_assert(r->has_result);
	ck_assert_uint_gt(r->vm_hwm_kib, 0);
	ck_assert_uint_gt(r->rchar, 0);
	ck_assert_uint_eq(r->msgs_to_worker, 2); /* HELLO, JOB */
	ck_assert_uint_ge(r->msgs_from_worker, 4); /* READY, PHASE..., RESULT, STATS */
	ck_assert_uint_gt(r->bytes_to_worker, 0);
	ck_assert_uint_gt(r->wall_us, 0);
	ck_assert_uint_ge(r->end_us, r->start_us);
	for (i = 0; i < r->nphases; i++)
		if (strcmp(r->phases[i].key, "start") == 0)
			break;
	ck_assert_uint_lt(i, r->nphases);
	harness_release(&h);
}
END_TEST

/*
 * The JOB goes out behind HELLO, so a short job can run to its end and
 * exit before the supervisor has read its READY; when the reap comes
 * first (waitid finds every exited child), READY is read after it from
 * the drained pipe and the attempt must still finish. Staged: "slow"
 * exits while the supervisor stalls on its RESULT, so SIGCHLD is pending
 * when the poll that fires "flaky"'s retry timer returns; the retry's
 * started stalls while that worker runs to its end; then the pending
 * signal reaps both.
 */
START_TEST(test_pool_exit_before_ready)
{
	static const char *const argv[] = { "sleep", "0.05", NULL };
	struct harness h;
	struct pool_opts o;
	char dir[] = "/tmp/repocast-pool-XXXXXX";
	char *f;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("REPOCAST_FAULT_DIR", dir, 1);
	setenv("REPOCAST_FAULTS", "flaky=once-sigkill", 1);
	h.argv = argv;
	h.argc = 2;
	h.stall_start = "flaky";
	h.stall_result = "slow";
	h.stall_ms = 400;
	harness_add(&h, "flaky");
	harness_add(&h, "slow");
	o.jobs = 2;
	o.retries = 1;
	o.backoff_ms = 200;
	o.timeout_ms = 8000;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	ck_assert_int_eq(h.finished, 2);
	ck_assert(!record_failed(&h.t[0].rec));
	ck_assert_str_eq(record_outcome_name(h.t[0].rec.outcome), "ran");
	ck_assert_int_eq(h.t[0].rec.attempts, 2);
	ck_assert(!record_failed(&h.t[1].rec));
	ck_assert_uint_lt(h.t[0].rec.wall_us, 4000000);
	f = xasprintf("%s/flaky.once", dir);
	unlink(f);
	free(f);
	rmdir(dir);
	harness_release(&h);
}
END_TEST

static void
expect_cause(const char *fault, const char *cause, const char *outcome, const char *error)
{
	struct harness h;
	struct pool_opts o;
	struct record *r;
	char *spec = xasprintf("victim=%s", fault);

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	setenv("REPOCAST_FAULTS", spec, 1);
	harness_add(&h, "victim");
	harness_add(&h, "bystander");
	/* The watchdog must find the memory well before the deadline, even
	 * on a loaded machine. */
	o.timeout_ms = strcmp(fault, "memory") == 0 ? 3000 : 400;
	o.mem_bytes = strcmp(fault, "memory") == 0 ? 64u << 20 : 0;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	r = &find_task(&h, "victim")->rec;
	ck_assert(record_failed(r));
	ck_assert_str_eq(cause_of(r), cause);
	ck_assert_str_eq(record_outcome_name(r->outcome), outcome);
	if (error != NULL)
		ck_assert_msg(strncmp(r->error, error, strlen(error)) == 0,
		    "error '%s' does not start with '%s'", r->error, error);
	ck_assert_int_eq(r->attempts, 1);
	/* the other worker is untouched */
	ck_assert(!record_failed(&find_task(&h, "bystander")->rec));
	harness_release(&h);
	free(spec);
}

START_TEST(test_pool_exit)
{
	expect_cause("exit3", "exit:3", "failed", "the worker failed without a result");
}
END_TEST

START_TEST(test_pool_segv)
{
	expect_cause("segv", "signal:SEGV", "failed", "the worker was killed by a signal");
}
END_TEST

START_TEST(test_pool_timeout)
{
	expect_cause("hang", "timeout", "timed_out", "no result within 400 ms");
}
END_TEST

START_TEST(test_pool_garbage)
{
	expect_cause("garbage", "protocol", "failed", NULL);
}
END_TEST

START_TEST(test_pool_oversized)
{
	expect_cause("oversized", "protocol", "failed",
	    "frame of 16777216 bytes exceeds the limit of 8388608 bytes");
}
END_TEST

START_TEST(test_pool_memory)
{
	/* The watchdog found it (this machine has no delegated cgroup). */
	expect_cause("memory", "memory", "failed", "the job's processes held ");
}
END_TEST

START_TEST(test_pool_network_error)
{
	/* retries 0: the worker's ERROR code is the cause */
	expect_cause("network", "network", "failed", "injected network failure");
}
END_TEST

START_TEST(test_pool_grace_kill)
{
	struct harness h;
	struct pool_opts o;
	struct record *r;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	setenv("REPOCAST_FAULTS", "stubborn=hang-term", 1);
	harness_add(&h, "stubborn");
	o.timeout_ms = 200;
	o.grace_ms = 300;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	r = &h.t[0].rec;
	ck_assert_str_eq(cause_of(r), "timeout");
	ck_assert_int_eq(r->term_signal, SIGKILL); /* it ignored SIGTERM */
	ck_assert_uint_ge(r->wall_us, 500000);
	harness_release(&h);
}
END_TEST

START_TEST(test_pool_spawn_failure)
{
	struct harness h;
	struct pool_opts o;
	struct record *r;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	harness_add(&h, "x");
	o.worker_path = "/nonexistent/repocast-worker";
	o.retries = 3;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	r = &h.t[0].rec;
	ck_assert_str_eq(cause_of(r), "spawn");
	ck_assert_str_eq(r->error,
	    "cannot execute '/nonexistent/repocast-worker': No such file or directory");
	ck_assert_int_eq(r->attempts, 1); /* never retried */
	harness_release(&h);
}
END_TEST

START_TEST(test_pool_retry)
{
	struct harness h;
	struct pool_opts o;
	char dir[] = "/tmp/repocast-pool-XXXXXX";
	char *f;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("REPOCAST_FAULT_DIR", dir, 1);
	setenv("REPOCAST_FAULTS", "flaky=once-sigkill,net=network,bad=exit3", 1);
	harness_add(&h, "flaky");
	harness_add(&h, "net");
	harness_add(&h, "bad");
	o.retries = 2;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	/* a signal is transient: the second attempt succeeds */
	ck_assert(!record_failed(&h.t[0].rec));
	ck_assert_int_eq(h.t[0].rec.attempts, 2);
	/* a network error is transient: retried until the retries run out */
	ck_assert_str_eq(cause_of(&h.t[1].rec), "network");
	ck_assert_int_eq(h.t[1].rec.attempts, 3);
	/* an exit status never is */
	ck_assert_str_eq(cause_of(&h.t[2].rec), "exit:3");
	ck_assert_int_eq(h.t[2].rec.attempts, 1);
	f = xasprintf("%s/flaky.once", dir);
	unlink(f);
	free(f);
	rmdir(dir);
	harness_release(&h);
}
END_TEST

START_TEST(test_pool_jobs_limit)
{
	static const char *const argv[] = { "sleep", "0.2", NULL };
	struct harness h;
	struct pool_opts o;
	size_t i;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	setenv("REPOCAST_FAULTS", "", 1);
	for (i = 0; i < 6; i++) {
		char n[8];

		snprintf(n, sizeof(n), "t%zu", i);
		harness_add(&h, n);
	}
	h.argv = argv;
	h.argc = 2;
	o.jobs = 2;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	ck_assert_int_eq(h.finished, 6);
	ck_assert_int_eq(h.max_running, 2);
	for (i = 0; i < 6; i++) {
		ck_assert(!record_failed(&h.t[i].rec));
		ck_assert_uint_ge(h.t[i].rec.result.cmd_wall_ms, 200);
	}
	harness_release(&h);
}
END_TEST

START_TEST(test_pool_command_exit)
{
	static const char *const argv[] = { "sh", "-c", "exit 7", NULL };
	struct harness h;
	struct pool_opts o;
	struct record *r;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	setenv("REPOCAST_FAULTS", "", 1);
	harness_add(&h, "cmd");
	h.argv = argv;
	h.argc = 3;
	o.retries = 2;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	r = &h.t[0].rec;
	ck_assert_str_eq(cause_of(r), "exit:7");
	ck_assert(r->command_failed);
	ck_assert_int_eq(r->exit_code, 1); /* the worker's own status */
	ck_assert_int_eq(r->result.exit_code, 7);
	ck_assert_int_eq(r->attempts, 1);
	harness_release(&h);
}
END_TEST

START_TEST(test_pool_interrupt)
{
	struct harness h;
	struct pool_opts o;
	size_t i;

	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	setenv("REPOCAST_FAULTS", "a=hang,b=hang,c=hang", 1);
	harness_add(&h, "a");
	harness_add(&h, "b");
	harness_add(&h, "c");
	h.sigint_at = 2;
	o.jobs = 2;
	ck_assert_int_eq(run_pool(&h, &o), ERR_INTERRUPTED);
	ck_assert_int_eq(h.finished, 2); /* c never started */
	ck_assert_int_eq(h.next, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_str_eq(cause_of(&h.t[i].rec), "cancelled");
		ck_assert_str_eq(record_outcome_name(h.t[i].rec.outcome), "cancelled");
	}
	harness_release(&h);
}
END_TEST

START_TEST(test_find_worker)
{
	char *p;

	setenv("REPOCAST_WORKER", "/opt/w", 1);
	p = pool_find_worker("x");
	ck_assert_str_eq(p, "/opt/w");
	free(p);
	unsetenv("REPOCAST_WORKER");
	p = pool_find_worker("x");
	ck_assert_ptr_nonnull(strstr(p, "/repocast-worker"));
	free(p);
}
END_TEST

Suite *
pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc;

	tc = tcase_create("pool");
	tcase_add_test(tc, test_pool_ok);
	tcase_add_test(tc, test_pool_exit_before_ready);
	tcase_add_test(tc, test_pool_exit);
	tcase_add_test(tc, test_pool_segv);
	tcase_add_test(tc, test_pool_timeout);
	tcase_add_test(tc, test_pool_garbage);
	tcase_add_test(tc, test_pool_oversized);
	tcase_add_test(tc, test_pool_memory);
	tcase_add_test(tc, test_pool_network_error);
	tcase_add_test(tc, test_pool_grace_kill);
	tcase_add_test(tc, test_pool_spawn_failure);
	tcase_add_test(tc, test_pool_retry);
	tcase_add_test(tc, test_pool_jobs_limit);
	tcase_add_test(tc, test_pool_command_exit);
	tcase_add_test(tc, test_pool_interrupt);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);

	tc = tcase_create("causes");
	tcase_add_test(tc, test_find_worker);
	suite_add_tcase(s, tc);
	return s;
}
