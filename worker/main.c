/*
 * repocast-worker — one target, one process (DESIGN §1). Exec'd by the
 * supervisor with fd 3 (supervisor -> worker) and fd 4 (worker ->
 * supervisor); stdout/stderr go to the target's log.
 *
 * Order: close every descriptor above the channel's; die with the
 * supervisor, the whole job with it (PDEATHSIG, then check it is still
 * our parent); no_new_privs; HELLO -> READY{pid, libgit2}; [CRED]; JOB; the
 * JOB's rlimits; the git plugin when the job touches a repository; the
 * job; STATS last. Exit 0 when the job succeeded, 1 when it failed, 2
 * when started by hand.
 *
 * This executable does not link libgit2: the code that needs it is the
 * plugin (plugin.h, docs/architecture.md), loaded only for such jobs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <git2/version.h>  /* LIBGIT2_VERSION only: nothing to link */

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/rusage.h"
#include "shared/util.h"
#include "worker/fault.h"
#include "worker/plugin.h"
#include "worker/profile.h"
#include "worker/seccomp.h"
#include "worker/worker.h"

/*
 * The job's process group is the worker's own: the supervisor starts the
 * worker as the leader of a new session (spawn.c), and the worker starts
 * its command without setpgid (run.c), so the command and whatever it
 * forks share the group, and killing the group ends the whole job
 * (docs/architecture.md). A SIGKILL for the worker at the supervisor's
 * death would leave that command running as an orphan: the parent-death
 * signal is SIGHUP, whose handler kills the group, the worker included.
 */
static volatile pid_t supervisor_pid;

static void
on_parent_death(int sig)
{
	(void)sig;
	/* A stray SIGHUP while the supervisor lives is ignored: after its
	 * death our parent is a reaper (init, a subreaper), never it. */
	if (getppid() != supervisor_pid)
		kill(0, SIGKILL);
}

/* PDEATHSIG fires only for a parent death after the prctl: check the race. */
static int
bind_to_supervisor(void)
{
	const char *want = getenv("REPOCAST_SUPERVISOR_PID");
	struct sigaction sa;

	supervisor_pid = want != NULL ? (pid_t)strtol(want, NULL, 10) : getppid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_parent_death;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGHUP, &sa, NULL) < 0)
		return err_sys(ERR_FAIL, "cannot catch the parent-death signal");
	/* A write to a dead supervisor fails with EPIPE (handled) instead of
	 * killing the worker before it could end its job. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGHUP, 0, 0, 0) < 0)
		return err_sys(ERR_FAIL, "cannot set the parent-death signal");
	if (supervisor_pid != getppid())
		return err_set(ERR_FAIL, "the supervisor (pid %ld) is gone", (long)supervisor_pid);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(ERR_FAIL, "cannot set no_new_privs");
	return 0;
}

static int
set_limit(int res, const char *name, uint64_t v)
{
	struct rlimit rl;

	rl.rlim_cur = (rlim_t)v;
	/* RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL a second later. */
	rl.rlim_max = res == RLIMIT_CPU ? (rlim_t)v + 1 : (rlim_t)v;
	if (setrlimit(res, &rl) < 0)
		return err_sys(ERR_CONFIG, "cannot set %s to %llu", name, (unsigned long long)v);
	return 0;
}

/*
 * The JOB's rlimits: CPU seconds and open files, each process on its own.
 * Memory and processes bind the whole job, the supervisor's to enforce
 * (a cgroup or its watchdog, docs/run.md): no RLIMIT_AS, which counted
 * reserved address space, not memory used, and bound each process alone.
 */
static int
apply_limits(const struct msg_job *job)
{
	if (job->cpu_seconds > 0 && set_limit(RLIMIT_CPU, "RLIMIT_CPU", job->cpu_seconds) < 0)
		return -1;
	if (job->open_files > 0 && set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", job->open_files) < 0)
		return -1;
	return 0;
}

/* HELLO -> READY, then [CRED] and JOB into w. */
static int
handshake(struct worker *w)
{
	struct msg m;
	int rc;

	rc = worker_recv(w, &m);
	if (rc <= 0)
		return rc == 0 ? err_set(ERR_PROTO, "the supervisor closed the channel") : rc;
	rc = msg_hello_check(&m);
	msg_release(&m);
	if (rc < 0)
		return rc;
	msg_init(&m, MSG_READY);
	m.u.ready.pid = (int64_t)getpid();
	/* The version the plugin is built against (libgit2's soname pins the
	 * minor version); asking libgit2 itself would mean loading it. */
	m.u.ready.libgit2 = (char *)LIBGIT2_VERSION;
	if (worker_send(w, &m) < 0)
		return -1;
	for (;;) {
		rc = worker_recv(w, &m);
		if (rc <= 0)
			return rc == 0 ? err_set(ERR_PROTO, "the supervisor closed the channel") : rc;
		if (m.type == MSG_CRED && w->token == NULL) {
			/* Take the token out of the message: one copy, wiped at exit. */
			w->token = m.u.cred.token;
			m.u.cred.token = NULL;
			msg_release(&m);
			continue;
		}
		if (m.type != MSG_JOB) {
			rc = err_set(ERR_PROTO, "protocol error: expected job, got %s",
			    msg_type_name(m.type));
			msg_release(&m);
			return rc;
		}
		w->job = m;
		return 0;
	}
}

static void
send_stats(struct worker *w)
{
	struct msg m;

	msg_init(&m, MSG_STATS);
	m.u.stats.vm_hwm_kib = rusage_self_vm_hwm();
	m.u.stats.phase_ms = w->phases;
	m.u.stats.nphase = w->nphases;
	m.u.stats.bytes_in = w->in.bytes;
	m.u.stats.msgs_in = w->in.msgs;
	/* This frame itself is not counted: the supervisor counts what it got. */
	m.u.stats.bytes_out = w->out.bytes;
	m.u.stats.msgs_out = w->out.msgs;
	worker_send(w, &m);
}

/* Sync jobs and run jobs with a remote; not "none:" entries. */
static int
needs_git(const struct msg_job *job)
{
	return job->mode != JOB_RUN || strcmp(job->remote_url, "none:") != 0;
}

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

int
main(int argc, char **argv)
{
	struct worker w;
	size_t i;
	int rc, git_started = 0;

	(void)argv;
	log_set_prog("repocast-worker");
	if (argc > 1 || !is_open(WORKER_FD_IN) || !is_open(WORKER_FD_OUT)) {
		fprintf(stderr, "repocast-worker: started by repocast, not by hand "
		    "(expects the channel on fds 3 and 4)\n");
		return 2;
	}
	/* Nothing but the channel survives from whoever started us. */
	close_range(WORKER_FD_OUT + 1, ~0U, 0);
	memset(&w, 0, sizeof(w));
	sign_init(&w.sign);
	frame_reader_init(&w.in, WORKER_FD_IN, FRAME_MAX_DEFAULT);
	frame_writer_init(&w.out, WORKER_FD_OUT, FRAME_MAX_DEFAULT);
	w.t_start_ms = util_now_ms();

	rc = bind_to_supervisor();
	if (rc == 0)
		rc = handshake(&w);
	if (rc == 0 && w.job.u.job.max_frame > 0)
		w.in.max = w.out.max = (size_t)w.job.u.job.max_frame;
	/* --profile: from the JOB on, the plugin's loading included. Off,
	 * nothing of the profiler runs (profile.h). */
	if (rc == 0 && w.job.u.job.profile_us > 0) {
		if (profile_start(w.job.u.job.profile_us) < 0)
			log_warn("--profile: %s", err_last());
		else
			w.profiling = 1;
	}
	/*
	 * Only jobs that touch a repository load libgit2 (the plugin):
	 * loading it costs more than a whole no-op worker (docs/PERFORMANCE.md).
	 * Before the limits, like the libraries of a linked program.
	 */
	if (rc == 0 && needs_git(&w.job.u.job) && plugin_load(&w.git) < 0) {
		log_error("%s", err_last());
		worker_error_cause(&w, "plugin");
		rc = -1;
		goto out;
	}
	if (rc == 0)
		rc = apply_limits(&w.job.u.job);
	if (rc < 0) {
		log_error("%s", err_last());
		worker_error(&w, rc);
		goto out;
	}
	fault_hook(&w, "job");
	/* libgit2's TLS set-up parses the CA bundle: after the limits, as
	 * everything the job does. */
	if (w.git != NULL) {
		w.git->init();
		git_started = 1;
	}
	/* The signer's child is forked now, before the filter forbids it. */
	if (sign_prepare(&w.sign, &w.job.u.job) < 0) {
		log_error("%s", err_last());
		worker_error_cause(&w, "signing");
		rc = -1;
		goto out;
	}
	/* A sync worker runs no command: from here on it needs no program,
	 * no process, no mount (seccomp.h). */
	if (w.job.u.job.mode != JOB_RUN &&
	    seccomp_apply(w.job.u.job.seccomp, w.profiling) < 0) {
		log_error("%s", err_last());
		worker_error(&w, ERR_CONFIG);
		rc = -1;
		goto out;
	}
	fault_hook(&w, "sandboxed");
	worker_phase(&w, "start", util_now_ms() - w.t_start_ms);
	rc = w.job.u.job.mode == JOB_RUN ? run_job(&w) : w.git->apply_job(&w);
	fault_hook(&w, "done");
out:
	/* PROFILE is queued: STATS, last, flushes it. */
	if (w.profiling && profile_finish(&w) < 0)
		log_warn("--profile: %s", err_last());
	sign_release(&w.sign);
	send_stats(&w);
	for (i = 0; i < w.nphases; i++) {
		free(w.phases[i].key);
		free(w.phases[i].value);
	}
	util_free_secret(w.token);
	msg_release(&w.job);
	frame_reader_release(&w.in);
	frame_writer_release(&w.out);
	if (git_started)
		w.git->shutdown();
	return rc == 0 ? 0 : 1;
}
