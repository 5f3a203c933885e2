/*
 * The process core: event loop, spawn, the pool with real worker processes
 * (the test worker, build/tests/bin/repocast-worker-test, for faults),
 * cause naming, the repos file, report.json and the run flags.
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
#include "supervisor/cmd.h"
#include "supervisor/run/cmd_run.h"
#include "supervisor/pool/evloop.h"
#include "supervisor/pool/pool.h"
#include "supervisor/report/report.h"
#include "supervisor/run/repolist.h"
#include "supervisor/pool/spawn.h"

static char *
test_worker(void)
{
	const char *b = getenv("REPOCAST_BUILD");

	return xasprintf("%s/tests/bin/repocast-worker-test", b ? b : "build");
}

/* ---- evloop ---- */

static int fired[8];
static int nfired;
static uint64_t cancel_me;
static struct evloop *loop_under_test;

static void
on_timer(void *arg)
{
	fired[nfired++] = (int)(intptr_t)arg;
	if ((intptr_t)arg == 1)
		evloop_cancel(loop_under_test, cancel_me);
}

START_TEST(test_evloop_timers)
{
	struct evloop *l;
	uint64_t t0 = evloop_now_ms();

	evloop_new(&l);
	loop_under_test = l;
	nfired = 0;
	evloop_timer(l, 60, on_timer, (void *)2);
	evloop_timer(l, 20, on_timer, (void *)1);
	cancel_me = evloop_timer(l, 40, on_timer, (void *)3); /* cancelled by timer 1 */
	evloop_cancel(l, 0);
	while (nfired < 2)
		evloop_run_once(l, -1);
	ck_assert_int_eq(fired[0], 1);
	ck_assert_int_eq(fired[1], 2);
	ck_assert_uint_ge(evloop_now_ms() - t0, 60);
	/* nothing left: a bounded wait returns with no callback */
	ck_assert_int_eq(evloop_run_once(l, 30), 0);
	ck_assert_int_eq(nfired, 2);
	evloop_free(l);
}
END_TEST

static int pipe_a[2], pipe_b[2];
static int io_calls;

static void
on_io(int fd, int revents, void *arg)
{
	char c;

	(void)arg;
	ck_assert(revents & POLLIN);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	io_calls++;
	/* the first one to run removes the other: it must not be called */
	evloop_unwatch(loop_under_test, fd == pipe_a[0] ? pipe_b[0] : pipe_a[0]);
}

static int got_signal;

static void
on_sig(int sig, void *arg)
{
	(void)arg;
	got_signal = sig;
}

START_TEST(test_evloop_io_and_signals)
{
	struct evloop *l;
	static const int sigs[] = { SIGUSR1 };

	evloop_new(&l);
	loop_under_test = l;
	ck_assert_int_eq(pipe(pipe_a), 0);
	ck_assert_int_eq(pipe(pipe_b), 0);
	evloop_watch(l, pipe_a[0], POLLIN, on_io, NULL);
	evloop_watch(l, pipe_b[0], POLLIN, on_io, NULL);
	ck_assert_int_eq(write(pipe_a[1], "x", 1), 1);
	ck_assert_int_eq(write(pipe_b[1], "y", 1), 1);
	io_calls = 0;
	ck_assert_int_eq(evloop_run_once(l, 1000), 1);
	ck_assert_int_eq(io_calls, 1);
	ck_assert_int_eq(evloop_signals(l, sigs, 1, on_sig, NULL), 0);
	got_signal = 0;
	raise(SIGUSR1); /* blocked: it waits in the signalfd */
	while (got_signal == 0)
		evloop_run_once(l, 1000);
	ck_assert_int_eq(got_signal, SIGUSR1);
	evloop_free(l);
	close(pipe_a[0]);
	close(pipe_a[1]);
	close(pipe_b[0]);
	close(pipe_b[1]);
}
END_TEST

/* ---- spawn ---- */

static void
read_all(struct buf *b, int fd)
{
	char tmp[4096];
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		poll(&p, 1, 5000);
		n = read(fd, tmp, sizeof(tmp));
		if (n == 0)
			return;
		if (n > 0)
			buf_add(b, tmp, (size_t)n);
	}
}

START_TEST(test_spawn_fds)
{
	struct spawn_child c;
	struct buf out = BUF_INIT;
	char *argv[] = { (char *)"sh", (char *)"-c",
		(char *)"for f in 0 1 2 3 4 5 6 7 8 9 10 11; do [ -e /proc/$$/fd/$f ] && "
		"printf '%s ' $f; done; printf 'pgid=%s sid=%s' "
		"$(ps -o pgid= -p $$ | tr -d ' ') $(ps -o sid= -p $$ | tr -d ' ')", NULL };
	char *envp[] = { NULL };
	char want[128];
	int st, saved[2], fd;

	/* Free 3 and 4 so the pipes land there: spawn must still deliver them.
	 * (Whatever the test runner keeps there is put back afterwards.) */
	for (fd = 3; fd <= 4; fd++) {
		saved[fd - 3] = fcntl(fd, F_DUPFD_CLOEXEC, 100);
		close(fd);
	}
	ck_assert_int_eq(spawn_worker(&c, "/bin/sh", argv, envp), 0);
	for (fd = 3; fd <= 4; fd++) {
		if (saved[fd - 3] >= 0) {
			dup2(saved[fd - 3], fd);
			close(saved[fd - 3]);
		}
	}
	ck_assert_int_ge(c.to_child, 5);
	ck_assert_int_ge(c.from_child, 5);
	ck_assert_int_ge(c.log, 5);
	ck_assert_int_eq(fcntl(c.log, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fcntl(c.log, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(c.to_child);
	close(c.from_child);
	read_all(&out, c.log);
	close(c.log);
	ck_assert_int_eq(waitpid(c.pid, &st, 0), c.pid);
	snprintf(want, sizeof(want), "0 1 2 3 4 pgid=%ld sid=%ld", (long)c.pid, (long)c.pid);
	ck_assert_str_eq(out.ptr, want);
	buf_release(&out);
}
END_TEST

START_TEST(test_spawn_missing)
{
	struct spawn_child c;
	char *argv[] = { (char *)"x", NULL };
	char *envp[] = { NULL };

	ck_assert_int_eq(spawn_worker(&c, "/nonexistent/repocast-worker", argv, envp), -1);
	ck_assert_str_eq(err_last(),
	    "cannot execute '/nonexistent/repocast-worker': No such file or directory");
	ck_assert_int_eq(c.pid, -1);
	ck_assert_int_eq(c.log, -1);
}
END_TEST

START_TEST(test_spawn_env)
{
	const char *drop[] = { "GITHUB_TOKEN", "GH_TOKEN", NULL };
	const char *add[] = { "REPOCAST_X=new", NULL };
	char **env;
	size_t i;
	int seen = 0;

	setenv("GITHUB_TOKEN", "secret-1", 1);
	setenv("GH_TOKEN", "secret-2", 1);
	setenv("GITHUB_TOKENS", "kept", 1);
	setenv("REPOCAST_X", "old", 1);
	env = spawn_env_new(drop, add);
	for (i = 0; env[i] != NULL; i++) {
		ck_assert_ptr_null(strstr(env[i], "secret"));
		ck_assert_str_ne(env[i], "REPOCAST_X=old");
		if (strcmp(env[i], "GITHUB_TOKENS=kept") == 0 || strcmp(env[i], "REPOCAST_X=new") == 0)
			seen++;
	}
	ck_assert_int_eq(seen, 2);
	spawn_env_free(env);
}
END_TEST

/* ---- the worker handshake, by hand ---- */

START_TEST(test_worker_proto_mismatch)
{
	struct spawn_child c;
	char *path = test_worker();
	char *argv[] = { (char *)"repocast-worker", NULL };
	char *envp[] = { NULL };
	struct frame_writer w;
	struct frame_reader r;
	struct msg m;
	int st, fl;

	ck_assert_int_eq(spawn_worker(&c, path, argv, envp), 0);
	fl = fcntl(c.from_child, F_GETFL);
	fcntl(c.from_child, F_SETFL, fl & ~O_NONBLOCK);
	frame_writer_init(&w, c.to_child, FRAME_MAX_DEFAULT);
	frame_reader_init(&r, c.from_child, FRAME_MAX_DEFAULT);
	msg_init(&m, MSG_HELLO);
	m.u.hello.proto = PROTO_VERSION + 1;
	m.u.hello.run_id = (char *)"t";
	ck_assert_int_eq(msg_send(&w, &m), 0);
	ck_assert_int_eq(frame_flush_all(&w), 1);
	ck_assert_int_eq(msg_recv(&m, &r), 1);
	ck_assert_int_eq(m.type, MSG_ERROR);
	ck_assert_str_eq(m.u.error.code, "protocol");
	ck_assert_str_eq(m.u.error.text, "protocol version mismatch: peer speaks 3, this side 2");
	msg_release(&m);
	ck_assert_int_eq(msg_recv(&m, &r), 1);
	ck_assert_int_eq(m.type, MSG_STATS); /* STATS comes last, even then */
	msg_release(&m);
	ck_assert_int_eq(msg_recv(&m, &r), 0);
	ck_assert_int_eq(waitpid(c.pid, &st, 0), c.pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	frame_writer_release(&w);
	frame_reader_release(&r);
	close(c.to_child);
	close(c.from_child);
	close(c.log);
	free(path);
}
END_TEST

START_TEST(test_worker_by_hand)
{
	struct buf out = BUF_INIT;
	char *cmd = xasprintf("%s/repocast-worker 2>&1 </dev/null 3>&- 4>&-",
	    getenv("REPOCAST_BUILD") ? getenv("REPOCAST_BUILD") : "build");
	FILE *fp = popen(cmd, "r");
	char line[256];

	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		buf_addstr(&out, line);
	ck_assert_int_eq(WEXITSTATUS(pclose(fp)), 2);
	ck_assert_str_eq(out.ptr, "repocast-worker: started by repocast, not by hand "
	    "(expects the channel on fds 3 and 4)\n");
	buf_release(&out);
	free(cmd);
}
END_TEST

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
	uint64_t mem;
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
	m.u.job.mem_bytes = h->mem;
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
h_finished(struct pool_job *j, void *task, const struct record *rec, void *arg)
{
	struct harness *h = arg;
	struct ptask *t = task;

	(void)j;
	h->finished++;
	if (t->live) {
		t->live = false;
		h->running--;
	}
	record_copy(&t->rec, rec);
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
	struct pool_ops ops = { h_next, h_started, h_message, h_finished };
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
	ck_assert_ptr_null(r->cause);
	ck_assert_str_eq(r->outcome, "ran");
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
	ck_assert_ptr_null(h.t[0].rec.cause);
	ck_assert_str_eq(h.t[0].rec.outcome, "ran");
	ck_assert_int_eq(h.t[0].rec.attempts, 2);
	ck_assert_ptr_null(h.t[1].rec.cause);
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
	o.timeout_ms = 400;
	o.mem_bytes = h.mem = strcmp(fault, "memory") == 0 ? 64u << 20 : 0;
	ck_assert_int_eq(run_pool(&h, &o), 0);
	r = &find_task(&h, "victim")->rec;
	ck_assert_ptr_nonnull(r->cause);
	ck_assert_str_eq(r->cause, cause);
	ck_assert_str_eq(r->outcome, outcome);
	if (error != NULL)
		ck_assert_str_eq(r->error, error);
	ck_assert_int_eq(r->attempts, 1);
	/* the other worker is untouched */
	ck_assert_ptr_null(find_task(&h, "bystander")->rec.cause);
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
	expect_cause("memory", "memory", "failed", "the worker ran out of memory under its limit");
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
	ck_assert_str_eq(r->cause, "timeout");
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
	ck_assert_str_eq(r->cause, "spawn");
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
	ck_assert_ptr_null(h.t[0].rec.cause);
	ck_assert_int_eq(h.t[0].rec.attempts, 2);
	/* a network error is transient: retried until the retries run out */
	ck_assert_str_eq(h.t[1].rec.cause, "network");
	ck_assert_int_eq(h.t[1].rec.attempts, 3);
	/* an exit status never is */
	ck_assert_str_eq(h.t[2].rec.cause, "exit:3");
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
		ck_assert_ptr_null(h.t[i].rec.cause);
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
	ck_assert_str_eq(r->cause, "exit:7");
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
	ck_assert_int_eq(run_pool(&h, &o), EXIT_INTERRUPTED);
	ck_assert_int_eq(h.finished, 2); /* c never started */
	ck_assert_int_eq(h.next, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_str_eq(h.t[i].rec.cause, "cancelled");
		ck_assert_str_eq(h.t[i].rec.outcome, "cancelled");
	}
	harness_release(&h);
}
END_TEST

/* ---- causes ---- */

START_TEST(test_causes)
{
	char buf[32];

	ck_assert_str_eq(pool_signal_cause(buf, sizeof(buf), SIGSEGV), "signal:SEGV");
	ck_assert_str_eq(pool_signal_cause(buf, sizeof(buf), SIGKILL), "signal:KILL");
	ck_assert_str_eq(pool_signal_cause(buf, sizeof(buf), SIGABRT), "signal:ABRT");
	ck_assert_str_eq(pool_signal_cause(buf, sizeof(buf), 0), "signal:0");
	ck_assert(pool_cause_transient("timeout", false));
	ck_assert(pool_cause_transient("network", false));
	ck_assert(pool_cause_transient("signal:KILL", false));
	ck_assert(!pool_cause_transient("signal:KILL", true)); /* the command's, not ours */
	ck_assert(!pool_cause_transient("exit:1", false));
	ck_assert(!pool_cause_transient("memory", false));
	ck_assert(!pool_cause_transient("protocol", false));
	ck_assert(!pool_cause_transient("spawn", false));
	ck_assert(!pool_cause_transient("config", false));
	ck_assert(!pool_cause_transient("cancelled", false));
	ck_assert(!pool_cause_transient(NULL, false));
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

/* ---- the repos file ---- */

START_TEST(test_repolist_good)
{
	struct repolist l = { 0 };
	char cwd[4096];
	char *want;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(repolist_parse(&l, "r.txt",
	    "# comment\n\n  acme/api  \n/srv/git/tool.git/\n./rel/x\nfile:///srv/y.git\n"
	    "http://127.0.0.1:9/git/o/z.git\t\nnone:\nnone:bench-1\n", "http://h/git"), 0);
	ck_assert_uint_eq(l.n, 7);
	ck_assert_str_eq(l.v[0].name, "acme/api");
	ck_assert_str_eq(l.v[0].url, "http://h/git/acme/api.git");
	ck_assert_int_eq(l.v[0].line, 3);
	ck_assert_str_eq(l.v[1].name, "tool");
	ck_assert_str_eq(l.v[1].url, "/srv/git/tool.git/");
	want = xasprintf("%s/./rel/x", cwd);
	ck_assert_str_eq(l.v[2].url, want);
	free(want);
	ck_assert_str_eq(l.v[2].name, "x");
	ck_assert_str_eq(l.v[3].name, "y");
	ck_assert_str_eq(l.v[4].name, "o/z");
	ck_assert_str_eq(l.v[5].name, "none-8");
	ck_assert_str_eq(l.v[5].url, "none:");
	ck_assert_str_eq(l.v[6].name, "bench-1");
	repolist_release(&l);
	/* a trailing slash on the base is not doubled */
	ck_assert_int_eq(repolist_parse(&l, "r", "a/b\n", "http://h/"), 0);
	ck_assert_str_eq(l.v[0].url, "http://h/a/b.git");
	repolist_release(&l);
}
END_TEST

START_TEST(test_repolist_bad)
{
	struct repolist l = { 0 };

	ck_assert_int_eq(repolist_parse(&l, "r.txt", "ok/one\nnot a repo\n-bad/x\nok/one\n",
	    "http://h"), ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "r.txt:2: repository 'not a repo' contains blanks\n"
	    "r.txt:3: cannot parse repository '-bad/x' (expected a path, a file:// or "
	    "http(s):// URL, owner/name, or none:)\n"
	    "r.txt:4: duplicate repository 'ok/one' (first on line 1)");
	ck_assert_uint_eq(l.n, 0); /* nothing kept from a bad file */
	ck_assert_int_eq(repolist_parse(&l, "r.txt", "\n\nacme/api\n", NULL), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "r.txt:3: 'acme/api' needs a git URL to resolve against "
	    "(--git-url)");
	ck_assert_int_eq(repolist_parse(&l, "r.txt", "/\n", NULL), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "r.txt:1: repository '/' has no name");
	ck_assert_uint_eq(l.n, 0);
	repolist_release(&l);
}
END_TEST

START_TEST(test_repolist_load)
{
	struct repolist l = { 0 };
	char path[] = "/tmp/repocast-repos-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "# only comments\n\n", 17), 17);
	close(fd);
	ck_assert_int_eq(repolist_load(&l, path, NULL), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), ": no repositories listed"));
	unlink(path);
	ck_assert_int_eq(repolist_load(&l, path, NULL), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot open"));
	repolist_release(&l);
}
END_TEST

START_TEST(test_repolist_file_name)
{
	char *s;

	s = record_file_name("acme/api");
	ck_assert_str_eq(s, "acme__api");
	free(s);
	s = record_file_name("a b/c:d");
	ck_assert_str_eq(s, "a_b__c_d");
	free(s);
	s = record_file_name("..");
	ck_assert_str_eq(s, ".._");
	free(s);
}
END_TEST

/* ---- report.json ---- */

START_TEST(test_percentile)
{
	uint64_t v[] = { 50, 10, 40, 20, 30, 100, 90, 80, 70, 60 };
	uint64_t one[] = { 7 };

	ck_assert_uint_eq(report_percentile(NULL, 0, 50), 0);
	ck_assert_uint_eq(report_percentile(one, 1, 95), 7);
	ck_assert_uint_eq(report_percentile(v, 10, 50), 50);
	ck_assert_uint_eq(report_percentile(v, 10, 95), 100);
	ck_assert_uint_eq(report_percentile(v, 10, 100), 100);
	ck_assert_uint_eq(report_percentile(v, 10, 0), 10);
}
END_TEST

START_TEST(test_report_json)
{
	struct report_run run;
	struct record recs[3];
	struct msg_kv ph = { (char *)"fetch", (char *)"12" };
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *doc, *t, *run_j;

	memset(recs, 0, sizeof(recs));
	report_run_init(&run, "run");
	run.end_us = run.start_us + 1500000;
	run.exit_code = 1;
	recs[0].name = (char *)"acme/ok";
	recs[0].outcome = (char *)"ran";
	recs[0].pid = 4242;
	recs[0].attempts = 1;
	recs[0].wall_us = 100;
	recs[0].vm_hwm_kib = 2048;
	recs[0].exit_code = 0;
	recs[0].phases = &ph;
	recs[0].nphases = 1;
	recs[0].has_result = true;
	recs[0].result.outcome = (char *)"ran";
	recs[0].result.cmd_wall_ms = 5;
	recs[1].name = (char *)"acme/bad\xff";  /* not UTF-8: must not lose the report */
	recs[1].outcome = (char *)"failed";
	recs[1].cause = (char *)"signal:SEGV";
	recs[1].error = (char *)"the worker was killed by a signal";
	recs[1].attempts = 2;
	recs[1].pid = 4243;
	recs[1].wall_us = 300;
	recs[1].exit_code = -1;
	recs[1].term_signal = SIGSEGV;
	/* No worker ran (skip cache): counted, but kept out of the stats. */
	recs[2].name = (char *)"acme/cached";
	recs[2].outcome = (char *)"up_to_date";
	recs[2].skipped = true;
	report_json(&b, &run, recs, 3);
	doc = json_loads(b.ptr, 0, &je);
	ck_assert_msg(doc != NULL, "bad json: %s", je.text);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "schema")), 1);
	run_j = json_object_get(doc, "run");
	ck_assert_str_eq(json_string_value(json_object_get(run_j, "id")), run.id);
	ck_assert_int_eq(json_integer_value(json_object_get(run_j, "wall_us")), 1500000);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(run_j,
	    "versions"), "libgit2")));
	ck_assert_ptr_nonnull(json_object_get(json_object_get(run_j, "supervisor"), "utime_us"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
	    "failed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc,
	    "totals"), "causes"), "signal:SEGV")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc,
	    "stats"), "wall_us"), "max")), 300);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc,
	    "stats"), "wall_us"), "p50")), 100);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
	    "skipped")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
	    "targets")), 3);
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(doc, "targets"), 2),
	    "skipped")));
	ck_assert(json_is_false(json_object_get(json_array_get(json_object_get(doc, "targets"), 0),
	    "skipped")));
	t = json_array_get(json_object_get(doc, "targets"), 0);
	ck_assert(json_is_true(json_object_get(t, "ok")));
	ck_assert(json_is_null(json_object_get(t, "cause")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(t, "phases_ms"),
	    "fetch")), 12);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(t, "rusage"),
	    "vm_hwm_kib")), 2048);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(t, "command"),
	    "exit")), 0);
	t = json_array_get(json_object_get(doc, "targets"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(t, "name")), "acme/bad?");
	ck_assert_str_eq(json_string_value(json_object_get(t, "cause")), "signal:SEGV");
	ck_assert_str_eq(json_string_value(json_object_get(t, "cause_source")), "worker");
	ck_assert_str_eq(json_string_value(json_object_get(t, "worker_signal")), "SEGV");
	ck_assert(json_is_null(json_object_get(t, "worker_exit")));
	ck_assert(json_is_null(json_object_get(t, "result")));
	json_decref(doc);
	buf_release(&b);
	report_run_release(&run);
}
END_TEST

START_TEST(test_report_dir_and_id)
{
	char base[] = "/tmp/repocast-report-XXXXXX";
	char *dir = NULL, *dir2 = NULL, *id, *path, *t;
	struct report_run run;
	struct buf b = BUF_INIT;

	/* 2026-11-22T00:30:00Z */
	id = report_run_id(1795307400ull * 1000000, 42);
	ck_assert_str_eq(id, "20261122T003000Z-42");
	ck_assert_ptr_nonnull(mkdtemp(base));
	path = xasprintf("%s/a/b", base);
	ck_assert_int_eq(report_make_dir(&dir, path, id), 0);
	t = xasprintf("%s/a/b/%s/targets", base, id);
	ck_assert_int_eq(access(t, W_OK), 0);
	report_run_init(&run, "run");
	free(t);
	t = xasprintf("%s/report.json", dir);
	ck_assert_int_eq(report_write_json(&run, NULL, 0, t), 0);
	ck_assert_int_eq(buf_read_file(&b, t), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"schema\": 1"));
	unlink(t);
	free(t);
	t = xasprintf("rm -rf '%s'", base);
	ck_assert_int_eq(system(t), 0);
	free(t);
	/* a file in the way */
	ck_assert_int_eq(report_make_dir(&dir2, "/dev/null/x", id), -1);
	ck_assert_ptr_null(dir2);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot create directory '/dev/null"));
	report_run_release(&run);
	buf_release(&b);
	free(path);
	free(id);
	free(dir);
}
END_TEST

/* ---- run flags ---- */

static const char *
parse_err(int argc, const char **argv)
{
	static char msg[512];
	struct run_opts o;
	int rc;

	cmd_run_opts_init(&o);
	rc = cmd_run_parse(&o, argc, (char **)argv);
	snprintf(msg, sizeof(msg), "%s", rc == 0 ? "ok" : err_last());
	cmd_run_opts_release(&o);
	return msg;
}

#define PARSE(...) parse_err((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
    (const char *[]){ __VA_ARGS__ })

START_TEST(test_run_flags)
{
	struct run_opts o;
	const char *argv[] = { "run", "--repos", "f", "--jobs=3", "--timeout", "1m30s",
		"--retries", "0", "--grace", "250ms", "--memory", "512M", "--no-pr", "--",
		"make", "-k", NULL };

	cmd_run_opts_init(&o);
	ck_assert_int_eq(cmd_run_parse(&o, 16, (char **)argv), 0);
	ck_assert_str_eq(o.repos, "f");
	ck_assert_int_eq(o.jobs, 3);
	ck_assert_uint_eq(o.timeout_ms, 90000);
	ck_assert_uint_eq(o.grace_ms, 250);
	ck_assert_int_eq(o.retries, 0);
	ck_assert_uint_eq(o.mem_bytes, 512u << 20);
	ck_assert_int_eq(o.argc, 2);
	ck_assert_str_eq(o.argv[0], "make");
	cmd_run_opts_release(&o);

	ck_assert_str_eq(PARSE("run", "--repos", "f", "--timeout", "5x", "--no-pr", "--", "true"),
	    "invalid duration '5x' for --timeout (e.g. 500ms, 90s, 10m, 1h30m)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--timeout", "", "--no-pr", "--", "true"),
	    "invalid duration '' for --timeout (e.g. 500ms, 90s, 10m, 1h30m)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--timeout", "0", "--no-pr", "--", "true"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--grace", "0", "--no-pr", "--", "true"),
	    "--grace must be more than 0");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--", "true"),
	    "opening pull requests from 'run' is not available yet: pass --no-pr");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--no-pr"),
	    "no command given (repocast run ... -- CMD ARGS)");
	ck_assert_str_eq(PARSE("run", "--no-pr", "--", "true"), "--repos FILE is required");
	ck_assert_str_eq(PARSE("run", "--repos"), "--repos needs a value");
	ck_assert_str_eq(PARSE("run", "--bogus", "1"), "unknown option '--bogus'");
	ck_assert_str_eq(PARSE("run", "true"),
	    "unexpected argument 'true' (the command goes after --)");
	ck_assert_str_eq(PARSE("run", "--no-pr=1"), "--no-pr takes no value");
	ck_assert_str_eq(PARSE("run", "--memory", "lots"),
	    "invalid size 'lots' for --memory (e.g. 512M, 2G)");
	ck_assert_str_eq(PARSE("run", "--log-level", "loud"),
	    "invalid log level 'loud' (error, warn, info, debug, trace)");
	/* --jobs: 0, max, max+1 */
	ck_assert_str_eq(PARSE("run", "--jobs", "0"),
	    "invalid value '0' for --jobs (a number from 1 to 4096)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--jobs", "4096", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--jobs", "4097"),
	    "invalid value '4097' for --jobs (a number from 1 to 4096)");
	ck_assert_str_eq(PARSE("run", "--jobs", "-1"),
	    "invalid value '-1' for --jobs (a number from 1 to 4096)");
	/* --retries: 0, max, max+1 */
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--retries", "0", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--retries", "10", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--retries", "11"),
	    "invalid value '11' for --retries (a number from 0 to 10)");
}
END_TEST

Suite *
pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc;

	tc = tcase_create("evloop");
	tcase_add_test(tc, test_evloop_timers);
	tcase_add_test(tc, test_evloop_io_and_signals);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);

	tc = tcase_create("spawn");
	tcase_add_test(tc, test_spawn_fds);
	tcase_add_test(tc, test_spawn_missing);
	tcase_add_test(tc, test_spawn_env);
	tcase_add_test(tc, test_worker_proto_mismatch);
	tcase_add_test(tc, test_worker_by_hand);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);

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
	tcase_add_test(tc, test_causes);
	tcase_add_test(tc, test_find_worker);
	suite_add_tcase(s, tc);

	tc = tcase_create("repolist");
	tcase_add_test(tc, test_repolist_good);
	tcase_add_test(tc, test_repolist_bad);
	tcase_add_test(tc, test_repolist_load);
	tcase_add_test(tc, test_repolist_file_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("report");
	tcase_add_test(tc, test_percentile);
	tcase_add_test(tc, test_report_json);
	tcase_add_test(tc, test_report_dir_and_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("flags");
	tcase_add_test(tc, test_run_flags);
	suite_add_tcase(s, tc);
	return s;
}
