/*
 * repocast-worker — one target, one process (DESIGN §1). Exec'd by the
 * supervisor with fd 3 (supervisor -> worker) and fd 4 (worker ->
 * supervisor); stdout/stderr go to the target's log.
 *
 * Order: die with the supervisor (PDEATHSIG, then check it is still our
 * parent), no_new_privs; HELLO -> READY{pid, libgit2}; [CRED]; JOB; the
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
#include "worker/worker.h"

/* PDEATHSIG fires only for a parent death after the prctl: check the race. */
static int
bind_to_supervisor(void)
{
	const char *want = getenv("REPOCAST_SUPERVISOR_PID");

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return err_sys(ERR_FAIL, "cannot set the parent-death signal");
	if (want != NULL && strtol(want, NULL, 10) != (long)getppid())
		return err_set(ERR_FAIL, "the supervisor (pid %s) is gone", want);
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
 * The JOB's limits. The memory limit is RLIMIT_AS set to the address
 * space the worker already has plus mem_bytes: what a job may add, the
 * same whatever libgit2, libc or a sanitizer mapped at start-up.
 */
static int
apply_limits(const struct msg_job *job)
{
	struct buf b = BUF_INIT;
	unsigned long long pages;
	char *end;

	if (job->mem_bytes > 0) {
		/* statm's first field is VmSize in pages: far cheaper for the
		 * kernel to produce than /proc/self/status. */
		if (buf_read_file(&b, "/proc/self/statm") < 0) {
			buf_release(&b);
			return err_wrap("cannot read the worker's address-space size");
		}
		errno = 0;
		pages = strtoull(b.ptr, &end, 10);
		if (end == b.ptr || *end != ' ' || errno != 0) {
			buf_release(&b);
			return err_set(ERR_FAIL, "cannot read the worker's address-space size: "
			    "bad /proc/self/statm");
		}
		buf_release(&b);
		if (set_limit(RLIMIT_AS, "RLIMIT_AS",
		    (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE) + job->mem_bytes) < 0)
			return -1;
	}
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
	memset(&w, 0, sizeof(w));
	frame_reader_init(&w.in, WORKER_FD_IN, FRAME_MAX_DEFAULT);
	frame_writer_init(&w.out, WORKER_FD_OUT, FRAME_MAX_DEFAULT);
	w.t_start_ms = util_now_ms();

	rc = bind_to_supervisor();
	if (rc == 0)
		rc = handshake(&w);
	if (rc == 0 && w.job.u.job.max_frame > 0)
		w.in.max = w.out.max = (size_t)w.job.u.job.max_frame;
	/*
	 * Only jobs that touch a repository load libgit2 (the plugin):
	 * loading it costs more than a whole no-op worker (docs/PERFORMANCE.md).
	 * Before the limits, like the libraries of a linked program: the
	 * memory limit is what the job adds, whatever was mapped to run it.
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
	worker_phase(&w, "start", util_now_ms() - w.t_start_ms);
	rc = w.job.u.job.mode == JOB_RUN ? run_job(&w) : w.git->apply_job(&w);
	fault_hook(&w, "done");
out:
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
