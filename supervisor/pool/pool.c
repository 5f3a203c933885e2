#include "supervisor/pool/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/rusage.h"
#include "shared/util.h"
#include "supervisor/pool/evloop.h"
#include "supervisor/pool/internal.h"
#include "supervisor/pool/spawn.h"
#include "supervisor/report/profiles.h"

static const char *const state_names[] = {
	"spawned", "running", "stopping", "killed", "exited", "backoff", "done",
};

#define DRAIN_MS 2000      /* how long to wait for pipes after the reap */

static void job_spawn(struct pool_job *j);
static void job_stop(struct pool_job *j, enum record_cause cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void job_check_done(struct pool_job *j);

static void
set_state(struct pool_job *j, enum job_state st)
{
	log_debug("%s: worker %ld: %s -> %s", j->name, (long)j->pid, state_names[j->state],
	    state_names[st]);
	j->state = st;
}

/* ---- helpers ---- */

static void
close_fd(struct pool *p, int *fd)
{
	if (*fd < 0)
		return;
	evloop_unwatch(p->loop, *fd);
	close(*fd);
	*fd = -1;
}

static void
cancel_timer(struct pool *p, uint64_t *id)
{
	evloop_cancel(p->loop, *id);
	*id = 0;
}

static void
write_file(struct pool_job *j, const char *data, size_t n)
{
	/* ops->output sees every byte, also what the cap drops from the log. */
	if (j->p->ops.output != NULL && n > 0)
		j->p->ops.output(j, j->task, data, n, j->p->arg);
	logcap_write(&j->log, data, n);
}

/* ---- the channel ---- */

static void on_to(int fd, int revents, void *arg);

static void
flush_out(struct pool_job *j)
{
	int rc;

	if (j->to_fd < 0)
		return;
	rc = frame_flush(&j->out);
	if (rc < 0) {
		/* The worker closed its end (EPIPE): its exit status will tell why. */
		log_debug("%s: cannot write to worker: %s", j->name, err_last());
		close_fd(j->p, &j->to_fd);
		return;
	}
	if (rc == 0)
		evloop_watch(j->p->loop, j->to_fd, POLLOUT, on_to, j);
	else
		evloop_unwatch(j->p->loop, j->to_fd);
}

/* The worker took bytes: flush more, and let the task refill a drained queue. */
static void
on_to(int fd, int revents, void *arg)
{
	struct pool_job *j = arg;
	struct pool *p = j->p;

	(void)fd;
	(void)revents;
	flush_out(j);
	if (j->to_fd < 0 || p->ops.writable == NULL || frame_pending(&j->out) >= POOL_LOW_WATER)
		return;
	if (p->ops.writable(j, j->task, p->arg) < 0)
		job_stop(j, CAUSE_PROTOCOL, "%s", err_last());
}

int
pool_send(struct pool_job *j, const struct msg *m)
{
	struct msg copy = *m;

	if (j->to_fd < 0)
		return err_set(ERR_FAIL, "worker for '%s' has no channel", j->name);
	copy.id = ++j->next_id;
	if (msg_send(&j->out, &copy) < 0)
		return -1;
	flush_out(j);
	return 0;
}

size_t
pool_pending(const struct pool_job *j)
{
	return frame_pending(&j->out);
}

struct record *
pool_job_record(struct pool_job *j)
{
	return &j->rec;
}

const char *
pool_job_name(const struct pool_job *j)
{
	return j->name;
}

/* Take what the pool keeps from a message; may steal parts of m. */
static int
handle_msg(struct pool_job *j, struct msg *m)
{
	struct pool *p = j->p;

	if (!j->got_ready) {
		if (m->type != MSG_READY) {
			job_stop(j, CAUSE_PROTOCOL, "expected ready from the worker, got %s",
			    msg_type_name(m->type));
			return -1;
		}
		j->got_ready = true;
		if (m->u.ready.pid != (int64_t)j->pid)
			log_debug("%s: worker says pid %lld, spawned %ld", j->name,
			    (long long)m->u.ready.pid, (long)j->pid);
		/* The worker may have run to its end already (its messages
		 * are read after the reap): EXITED stays. */
		if (j->state == JOB_SPAWNED)
			set_state(j, JOB_RUNNING);
		return 0;
	}
	if (m->type < MSG_READY || m->type == MSG_READY) {
		job_stop(j, CAUSE_PROTOCOL, "unexpected %s message from the worker",
		    msg_type_name(m->type));
		return -1;
	}
	if (m->type == MSG_STATS) {
		j->rec.vm_hwm_kib = m->u.stats.vm_hwm_kib;
		record_phases_release(&j->rec);
		j->rec.phases = m->u.stats.phase_ms;
		j->rec.nphases = m->u.stats.nphase;
		m->u.stats.phase_ms = NULL;
		m->u.stats.nphase = 0;
		return 0;
	}
	if (m->type == MSG_PROFILE) {
		/* --profile: its stacks beside its log (profiles.h); a note
		 * in the log says what was sampled. */
		char *line = xasprintf("repocast-worker: profile: %llu samples every %llu us, "
		    "%llu lost%s%s\n", (unsigned long long)m->u.profile.samples,
		    (unsigned long long)m->u.profile.period_us,
		    (unsigned long long)m->u.profile.lost, m->u.profile.perf ? "; perf: " : "",
		    m->u.profile.perf ? m->u.profile.perf : "");

		write_file(j, line, strlen(line));
		free(line);
		if (profiles_store(&j->rec, &m->u.profile) < 0)
			log_warn("%s: --profile: %s", j->name, err_last());
		return 0;
	}
	if (m->type == MSG_LOG) {
		/* The worker's LOG lines belong with the rest of its output. */
		char *line = xasprintf("repocast-worker: %s: %s\n",
		    m->u.log.level == LOG_ERROR ? "error" : m->u.log.level == LOG_WARN ?
		    "warning" : "info", m->u.log.text);

		write_file(j, line, strlen(line));
		free(line);
	}
	if (m->type == MSG_ERROR) {
		j->got_error = true;
		record_set_worker_error(&j->rec, m->u.error.code, m->u.error.text);
	}
	if (p->ops.message(j, j->task, m, p->arg) < 0) {
		job_stop(j, CAUSE_PROTOCOL, "bad %s message: %s", msg_type_name(m->type), err_last());
		return -1;
	}
	if (m->type == MSG_RESULT) {
		msg_result_release(&j->rec.result);
		j->rec.result = m->u.result;
		j->rec.has_result = true;
		memset(&m->u.result, 0, sizeof(m->u.result));
	}
	return 0;
}

static void
on_from(int fd, int revents, void *arg)
{
	struct pool_job *j = arg;
	const void *payload;
	size_t len;
	int rc;

	(void)fd;
	(void)revents;
	rc = frame_fill(&j->in);
	if (rc < 0) {
		log_debug("%s: cannot read from worker: %s", j->name, err_last());
		close_fd(j->p, &j->from_fd);
		job_check_done(j);
		return;
	}
	for (;;) {
		struct msg m;

		rc = frame_next(&payload, &len, &j->in);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* A stream cut inside a frame by the worker's death is not a
			 * protocol error: its exit status says what happened. */
			if (j->in.eof && err_code() != ERR_LIMIT)
				break;
			job_stop(j, CAUSE_PROTOCOL, "%s", err_last());
			return;
		}
		if (msg_decode(&m, payload, len) < 0) {
			job_stop(j, CAUSE_PROTOCOL, "%s", err_last());
			return;
		}
		rc = handle_msg(j, &m);
		msg_release(&m);
		if (rc < 0 || j->from_fd < 0)
			return;
	}
	if (j->in.eof) {
		close_fd(j->p, &j->from_fd);
		job_check_done(j);
	}
}

static void
on_log(int fd, int revents, void *arg)
{
	struct pool_job *j = arg;
	char data[65536];
	ssize_t n;

	(void)revents;
	n = read(fd, data, sizeof(data));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_fd(j->p, &j->log_fd);
		job_check_done(j);
		return;
	}
	write_file(j, data, (size_t)n);
}

/* ---- the stop sequence and timers ---- */

static void
kill_group(struct pool_job *j, int sig)
{
	/* The worker leads its own session: its pid is the group id. */
	if (j->pid > 0 && !j->reaped && kill(-j->pid, sig) < 0 && errno != ESRCH)
		log_warn("cannot signal worker %ld: %s", (long)j->pid, strerror(errno));
}

static void
on_grace(void *arg)
{
	struct pool_job *j = arg;

	j->grace_timer = 0;
	if (j->state != JOB_STOPPING)
		return;
	set_state(j, JOB_KILLED);
	kill_group(j, SIGKILL);
}

static void
job_stop(struct pool_job *j, enum record_cause cause, const char *fmt, ...)
{
	struct pool *p = j->p;
	struct buf b = BUF_INIT;
	va_list ap;

	if (j->state == JOB_DONE || j->state == JOB_BACKOFF)
		return;
	if (j->stop_cause == CAUSE_NONE) {
		char name[RECORD_CAUSE_MAX];
		struct record r = { .cause = cause };

		j->stop_cause = cause;
		va_start(ap, fmt);
		buf_vaddf(&b, fmt, ap);
		va_end(ap);
		j->stop_error = buf_detach(&b, NULL);
		log_debug("%s: stopping worker %ld: %s: %s", j->name, (long)j->pid,
		    record_cause_name(name, &r), j->stop_error);
	}
	cancel_timer(p, &j->deadline_timer);
	/* Signal first, close the channel second: a worker that sees its
	 * channel end kills its job's group at once (worker/run.c), which
	 * must not cut the grace short. */
	if (j->state == JOB_SPAWNED || j->state == JOB_RUNNING) {
		set_state(j, JOB_STOPPING);
		kill_group(j, SIGTERM);
		if (p->killing) {
			set_state(j, JOB_KILLED);
			kill_group(j, SIGKILL);
		} else {
			j->grace_timer = evloop_timer(p->loop, p->o.grace_ms, on_grace, j);
		}
	}
	/* Close the channel both ways: nothing more is read from a stream that
	 * went wrong or from a worker that is being stopped. */
	close_fd(p, &j->to_fd);
	close_fd(p, &j->from_fd);
	/* Already reaped (a bad frame read after the exit): this may end it. */
	job_check_done(j);
}

static void
on_deadline(void *arg)
{
	struct pool_job *j = arg;

	j->deadline_timer = 0;
	job_stop(j, CAUSE_TIMEOUT, "no result within %llu ms",
	    (unsigned long long)j->p->o.timeout_ms);
}

static void
on_drain(void *arg)
{
	struct pool_job *j = arg;

	/* A process that escaped the group keeps the pipes open: give up. */
	j->drain_timer = 0;
	log_debug("%s: pipes still open %d ms after the reap; closing", j->name, DRAIN_MS);
	close_fd(j->p, &j->from_fd);
	close_fd(j->p, &j->log_fd);
	job_check_done(j);
}

/* ---- the end of an attempt ---- */

/* Decide outcome and cause of the attempt that just ended (docs/run.md). */
static void
classify(struct pool_job *j)
{
	struct record *rec = &j->rec;
	const struct msg_result *r = &rec->result;
	bool died = false;

	if (j->stop_cause != CAUSE_NONE) {
		record_set_cause(rec, j->stop_cause, 0, j->stop_error);
	} else if (j->got_error) {
		/* cause/error already hold the worker's ERROR */
	} else if (WIFSIGNALED(j->status) || (WIFEXITED(j->status) &&
	    WEXITSTATUS(j->status) != 0 && !rec->has_result)) {
		died = true;
	} else if (WIFEXITED(j->status) && rec->has_result &&
	    (r->exit_code != 0 || r->term_signal != 0)) {
		/* run mode: the command failed; the worker reported it */
		rec->command_failed = true;
		if (r->term_signal != 0)
			record_set_cause(rec, CAUSE_SIGNAL, (int)r->term_signal, NULL);
		else
			record_set_cause(rec, CAUSE_EXIT, (int)r->exit_code, NULL);
		if (rec->error == NULL)
			rec->error = xasprintf("the command %s %lld", r->term_signal ?
			    "was killed by signal" : "exited with status",
			    (long long)(r->term_signal ? r->term_signal : r->exit_code));
	} else if (WIFEXITED(j->status) && WEXITSTATUS(j->status) != 0) {
		record_set_cause(rec, CAUSE_EXIT, WEXITSTATUS(j->status),
		    "the worker exited with a failure status after its result");
	} else if (!rec->has_result) {
		record_set_cause(rec, CAUSE_PROTOCOL, 0, "the worker exited without a result");
	}
	if (died) {
		if (WIFSIGNALED(j->status))
			record_set_cause(rec, CAUSE_SIGNAL, WTERMSIG(j->status),
			    "the worker was killed by a signal");
		else
			record_set_cause(rec, CAUSE_EXIT, WEXITSTATUS(j->status),
			    "the worker failed without a result");
	}
	/* A job that failed after its cgroup refused it memory or a fork
	 * failed for that reason (limits.c), whatever its command said. */
	if (rec->cause != CAUSE_NONE && rec->cause != CAUSE_CANCELLED &&
	    j->limit_cause != CAUSE_NONE) {
		record_set_cause(rec, j->limit_cause, 0, j->limit_error);
		rec->command_failed = false;
	}
	if (rec->cause == CAUSE_NONE && r->outcome != NULL &&
	    record_outcome_parse(&rec->outcome, r->outcome) < 0) {
		record_set_cause(rec, CAUSE_PROTOCOL, 0, "the worker's result names no known outcome");
		log_debug("%s: unknown outcome '%s'", j->name, r->outcome);
	}
	if (rec->cause == CAUSE_NONE) {
		if (r->outcome == NULL)
			rec->outcome = OUTCOME_OK;
	} else if (rec->cause == CAUSE_TIMEOUT)
		rec->outcome = OUTCOME_TIMED_OUT;
	else if (rec->cause == CAUSE_CANCELLED)
		rec->outcome = OUTCOME_CANCELLED;
	else
		rec->outcome = OUTCOME_FAILED;
}

static void
fill_usage(struct pool_job *j)
{
	struct record *rec = &j->rec;
	struct rusage_sample s;

	rusage_from_sys(&s, &j->ru);
	rec->utime_us = s.utime_us;
	rec->stime_us = s.stime_us;
	rec->maxrss_kib = s.maxrss_kib;
	rec->minflt = s.minflt;
	rec->majflt = s.majflt;
	rec->nvcsw = s.nvcsw;
	rec->nivcsw = s.nivcsw;
	rec->inblock = s.inblock;
	rec->oublock = s.oublock;
	if (j->have_io) {
		rec->rchar = j->io.rchar;
		rec->wchar = j->io.wchar;
		rec->read_bytes = j->io.read_bytes;
		rec->write_bytes = j->io.write_bytes;
	}
	rec->exit_code = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : -1;
	rec->term_signal = WIFSIGNALED(j->status) ? WTERMSIG(j->status) : 0;
}

static void
release_attempt(struct pool_job *j)
{
	struct pool *p = j->p;

	cancel_timer(p, &j->deadline_timer);
	cancel_timer(p, &j->grace_timer);
	cancel_timer(p, &j->drain_timer);
	close_fd(p, &j->to_fd);
	close_fd(p, &j->from_fd);
	close_fd(p, &j->log_fd);
	frame_writer_release(&j->out);
	frame_reader_release(&j->in);
	free(j->stop_error);
	j->stop_error = NULL;
	j->stop_cause = CAUSE_NONE;
	free(j->limit_error);
	j->limit_error = NULL;
	j->limit_cause = CAUSE_NONE;
}

static void
unlink_live(struct pool_job *j)
{
	struct pool_job **pp;

	for (pp = &j->p->live; *pp != NULL; pp = &(*pp)->next_live) {
		if (*pp == j) {
			*pp = j->next_live;
			j->p->nlive--;
			return;
		}
	}
}

static void
job_free(struct pool_job *j)
{
	release_attempt(j);
	logcap_close(&j->log);
	record_release(&j->rec);
	free(j);
}

static void
on_backoff(void *arg)
{
	struct pool_job *j = arg;

	j->backoff_timer = 0;
	job_spawn(j);
}

static void
job_finish(struct pool_job *j)
{
	struct pool *p = j->p;
	char name[RECORD_CAUSE_MAX];
	const char *cause;
	uint64_t delay;

	j->rec.end_us = util_wall_us();
	j->rec.wall_us = (util_now_ns() - j->t0_ns) / 1000;
	j->rec.bytes_to_worker = j->out.bytes;
	j->rec.msgs_to_worker = j->out.msgs;
	j->rec.bytes_from_worker = j->in.bytes;
	j->rec.msgs_from_worker = j->in.msgs;
	if (j->pid > 0)
		fill_usage(j);
	classify(j);
	release_attempt(j);
	cause = record_cause_name(name, &j->rec);
	log_debug("%s: attempt %d: %s%s%s", j->name, j->rec.attempts,
	    record_outcome_name(j->rec.outcome), cause ? " cause " : "", cause ? cause : "");
	if (!p->cancelling && j->rec.attempts <= p->o.retries && record_cause_transient(&j->rec)) {
		delay = p->o.backoff_ms << (j->rec.attempts - 1 < 16 ? j->rec.attempts - 1 : 16);
		log_info("%s: %s; retrying in %llu ms (attempt %d of %d)", j->name, cause,
		    (unsigned long long)delay, j->rec.attempts + 1, p->o.retries + 1);
		set_state(j, JOB_BACKOFF);
		j->backoff_timer = evloop_timer(p->loop, delay, on_backoff, j);
		return;
	}
	set_state(j, JOB_DONE);
	unlink_live(j);
	j->rec.log_dropped = logcap_dropped(&j->log);
	logcap_close(&j->log);
	p->ops.finished(j, j->task, &j->rec, p->arg);
	job_free(j);
}

static void
job_check_done(struct pool_job *j)
{
	if (j->state != JOB_EXITED || j->from_fd >= 0 || j->log_fd >= 0)
		return;
	job_finish(j);
}

/* The process has ended (a zombie still, under WNOWAIT): collect and reap. */
static void
job_reap(struct pool_job *j)
{
	struct pool *p = j->p;

	if (rusage_read_io(&j->io, j->pid) == 0)
		j->have_io = true;
	else
		log_debug("%s: %s", j->name, err_last());
	pool_limits_exited(j);
	/* Whatever the worker left running in its group goes with it. */
	kill_group(j, SIGKILL);
	while (wait4(j->pid, &j->status, 0, &j->ru) < 0) {
		if (errno != EINTR)
			BUG("wait4(%ld) failed: %s", (long)j->pid, strerror(errno));
	}
	j->reaped = true;
	pool_limits_reaped(j);
	cancel_timer(p, &j->deadline_timer);
	cancel_timer(p, &j->grace_timer);
	/* The channel to the worker is useless now. */
	close_fd(p, &j->to_fd);
	set_state(j, JOB_EXITED);
	if (j->from_fd >= 0 || j->log_fd >= 0)
		j->drain_timer = evloop_timer(p->loop, DRAIN_MS, on_drain, j);
	job_check_done(j);
}

static struct pool_job *
find_pid(struct pool *p, pid_t pid)
{
	struct pool_job *j;

	for (j = p->live; j != NULL; j = j->next_live)
		if (j->pid == pid && !j->reaped)
			return j;
	return NULL;
}

static void
reap_children(struct pool *p)
{
	struct pool_job *j;
	siginfo_t si;
	int status;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return; /* ECHILD: nothing left */
		}
		if (si.si_pid == 0)
			return;
		j = find_pid(p, si.si_pid);
		if (j != NULL) {
			job_reap(j);
			continue;
		}
		/* An orphaned grandchild: we are its subreaper. */
		while (waitpid(si.si_pid, &status, 0) < 0 && errno == EINTR)
			;
		p->orphans++;
		log_debug("reaped orphaned process %ld", (long)si.si_pid);
	}
}

/* ---- spawning ---- */

static void
spawn_failed(struct pool_job *j, const char *why)
{
	record_set_cause(&j->rec, CAUSE_SPAWN, 0, why);
	j->stop_cause = CAUSE_SPAWN;
	j->stop_error = xstrdup(why);
	j->pid = 0;
	j->reaped = true;
	set_state(j, JOB_EXITED);
	job_check_done(j);
}

static void
job_spawn(struct pool_job *j)
{
	struct pool *p = j->p;
	struct spawn_child c;
	char *argv[] = { (char *)"repocast-worker", NULL };
	struct msg hello;

	record_reset(&j->rec);
	j->rec.attempts++;
	j->got_ready = j->got_error = j->reaped = false;
	j->have_io = false;
	j->status = 0;
	memset(&j->ru, 0, sizeof(j->ru));
	j->next_id = 0;
	j->t0_ns = util_now_ns();
	j->rec.start_us = util_wall_us();
	j->to_fd = j->from_fd = j->log_fd = -1;
	frame_writer_init(&j->out, -1, p->o.max_frame);
	frame_reader_init(&j->in, -1, p->o.max_frame);
	j->pid = 0;
	j->state = JOB_SPAWNED;
	if (j->rec.attempts > 1) {
		char line[64];

		snprintf(line, sizeof(line), "--- repocast: attempt %d ---\n", j->rec.attempts);
		write_file(j, line, strlen(line));
	}
	if (spawn_worker(&c, p->o.worker_path, argv, p->env) < 0) {
		log_error("%s: %s", j->name, err_last());
		spawn_failed(j, err_last());
		return;
	}
	j->pid = c.pid;
	j->rec.pid = c.pid;
	j->to_fd = c.to_child;
	j->from_fd = c.from_child;
	j->log_fd = c.log;
	j->out.fd = c.to_child;
	j->in.fd = c.from_child;
	log_debug("%s: worker %ld spawned (attempt %d)", j->name, (long)c.pid, j->rec.attempts);
	evloop_watch(p->loop, j->from_fd, POLLIN, on_from, j);
	evloop_watch(p->loop, j->log_fd, POLLIN, on_log, j);
	pool_limits_spawned(j);
	if (j->state != JOB_SPAWNED)
		return; /* the limits could not be applied: it is being stopped */
	if (p->o.timeout_ms > 0)
		j->deadline_timer = evloop_timer(p->loop, p->o.timeout_ms, on_deadline, j);
	msg_init(&hello, MSG_HELLO);
	hello.u.hello.proto = PROTO_VERSION;
	hello.u.hello.run_id = (char *)(p->o.run_id ? p->o.run_id : "");
	pool_send(j, &hello);
	/*
	 * The task's first messages go right behind HELLO, before READY
	 * (docs/protocol.md): the worker reads them once it has answered, so
	 * a short job runs from exec to exit without waiting for the
	 * supervisor, which is one round trip less per worker.
	 */
	if (p->ops.started(j, j->task, p->arg) < 0)
		job_stop(j, CAUSE_PROTOCOL, "cannot start the job: %s", err_last());
}

static void
job_new(struct pool *p, void *task, const char *name)
{
	struct pool_job *j = xcalloc(1, sizeof(*j));
	char *base;

	j->p = p;
	j->task = task;
	j->name = name;
	j->to_fd = j->from_fd = j->log_fd = -1;
	j->log.fd = -1;
	j->rec.name = xstrdup(name);
	j->rec.exit_code = -1;
	j->state = JOB_SPAWNED;
	if (p->o.log_dir != NULL) {
		base = record_file_name(name);
		j->rec.log_path = xasprintf("%s/%s.log", p->o.log_dir, base);
		free(base);
		if (logcap_open(&j->log, j->rec.log_path, p->o.max_log) < 0)
			log_warn("%s", err_last());
	}
	j->next_live = p->live;
	p->live = j;
	p->nlive++;
	job_spawn(j);
}

static void
fill_slots(struct pool *p)
{
	void *task;
	const char *name;

	while (!p->cancelling && !p->no_more && p->nlive < p->o.jobs) {
		if (p->ops.next(&task, &name, p->arg) <= 0) {
			p->no_more = true;
			return;
		}
		job_new(p, task, name);
	}
}

/* ---- signals ---- */

static void
cancel_all(struct pool *p)
{
	struct pool_job *j, *next;
	struct msg cancel;

	msg_init(&cancel, MSG_CANCEL);
	for (j = p->live; j != NULL; j = next) {
		next = j->next_live;
		switch (j->state) {
		case JOB_BACKOFF:
			/* A retry that will not happen: the last attempt stands. */
			cancel_timer(p, &j->backoff_timer);
			set_state(j, JOB_DONE);
			unlink_live(j);
			p->ops.finished(j, j->task, &j->rec, p->arg);
			job_free(j);
			break;
		case JOB_STOPPING:
			if (p->killing) {
				cancel_timer(p, &j->grace_timer);
				set_state(j, JOB_KILLED);
				kill_group(j, SIGKILL);
			}
			break;
		case JOB_RUNNING:
			pool_send(j, &cancel);
			/* fall through */
		case JOB_SPAWNED:
			job_stop(j, CAUSE_CANCELLED, "the run was interrupted"); /* may free j */
			break;
		default:
			break; /* killed already, or exited and draining */
		}
	}
}

static void
on_signal(int sig, void *arg)
{
	struct pool *p = arg;

	if (sig == SIGCHLD) {
		reap_children(p);
		return;
	}
	if (p->cancelling) {
		log_warn("interrupted again: killing every worker");
		p->killing = true;
	} else {
		log_warn("interrupted: cancelling %d running worker%s", p->nlive,
		    p->nlive == 1 ? "" : "s");
		p->cancelling = true;
	}
	cancel_all(p);
}

/* ---- public ---- */

int
pool_new(struct pool **out, const struct pool_opts *opts, const struct pool_ops *ops, void *arg)
{
	static const int sigs[] = { SIGCHLD, SIGINT, SIGTERM };
	static const char *const drop[] = { "GITHUB_TOKEN", "GH_TOKEN", NULL };
	struct sigaction ign;
	struct pool *p;
	char ppid[64];
	const char **add;
	size_t n = 0;

	*out = NULL;
	if (opts->jobs < 1 || opts->worker_path == NULL)
		return err_set(ERR_CONFIG, "pool needs jobs >= 1 and a worker path");
	p = xcalloc(1, sizeof(*p));
	p->o = *opts;
	if (p->o.grace_ms == 0)
		p->o.grace_ms = POOL_GRACE_MS;
	if (p->o.backoff_ms == 0)
		p->o.backoff_ms = POOL_BACKOFF_MS;
	if (p->o.max_frame == 0)
		p->o.max_frame = FRAME_MAX_DEFAULT;
	p->ops = *ops;
	p->arg = arg;
	evloop_new(&p->loop);
	if (evloop_signals(p->loop, sigs, ARRAY_SIZE(sigs), on_signal, p) < 0)
		goto fail;
	if (pool_limits_init(p) < 0)
		goto fail;
	/* Orphaned grandchildren come to us, to be reaped and counted. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		err_sys(ERR_FAIL, "cannot become a subreaper");
		goto fail;
	}
	/* EPIPE from a dead worker is handled where it happens. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &p->old_pipe);
	snprintf(ppid, sizeof(ppid), "REPOCAST_SUPERVISOR_PID=%ld", (long)getpid());
	/* Tokens reach a worker only in a CRED message, never its environment. */
	while (opts->env != NULL && opts->env[n] != NULL)
		n++;
	add = xcalloc(n + 2, sizeof(*add));
	if (n > 0)
		memcpy(add, opts->env, n * sizeof(*add));
	add[n] = ppid;
	p->env = spawn_env_new(drop, add);
	free(add);
	*out = p;
	return 0;
fail:
	evloop_free(p->loop);
	free(p);
	return -1;
}

void
pool_free(struct pool *p)
{
	struct pool_job *j, *next;

	if (p == NULL)
		return;
	for (j = p->live; j != NULL; j = next) {
		next = j->next_live;
		if (j->pid > 0 && !j->reaped) {
			kill_group(j, SIGKILL);
			while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		job_free(j);
	}
	sigaction(SIGPIPE, &p->old_pipe, NULL);
	pool_limits_release(p);
	evloop_free(p->loop);
	spawn_env_free(p->env);
	free(p);
}

int
pool_run(struct pool *p)
{
	pool_limits_start(p);
	fill_slots(p);
	while (p->nlive > 0) {
		if (evloop_run_once(p->loop, -1) < 0)
			BUG("event loop failed: %s", err_last());
		fill_slots(p);
	}
	pool_limits_stop(p);
	/* Orphans that outlived every worker: reap what has already ended. */
	reap_children(p);
	return p->cancelling ? ERR_INTERRUPTED : 0;
}

enum record_limit
pool_limit(const struct pool *p)
{
	return p->limit;
}

void
pool_job_kill_limit(struct pool_job *j, const struct watchdog_job *wj, enum record_cause cause,
    const char *text)
{
	if (j->reaped)
		return;
	job_stop(j, cause, "%s", text);
	/* No grace: what is over a limit goes on growing while it lasts. */
	cancel_timer(j->p, &j->grace_timer);
	if (j->state == JOB_STOPPING)
		set_state(j, JOB_KILLED);
	kill_group(j, SIGKILL);
	if (wj != NULL)
		watchdog_kill(wj);
}

uint64_t
pool_orphans(const struct pool *p)
{
	return p->orphans;
}

bool
pool_interrupted(const struct pool *p)
{
	return p->cancelling;
}

char *
pool_find_worker(const char *argv0)
{
	const char *env = getenv("REPOCAST_WORKER");
	char self[PATH_MAX], *slash, *path;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
	} else if (argv0 != NULL && strchr(argv0, '/') != NULL) {
		snprintf(self, sizeof(self), "%s", argv0);
	} else {
		self[0] = '\0';
	}
	slash = strrchr(self, '/');
	if (slash != NULL) {
		*slash = '\0';
		path = xasprintf("%s/repocast-worker", self);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return xasprintf("%s/repocast-worker", REPOCAST_LIBEXECDIR);
}
