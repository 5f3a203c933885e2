/*
 * run — the `repocast run` job: fetch the repository into the mirror
 * cache and check its default branch out into a private temporary
 * directory (the git plugin's checkout, plugin.h), run the command there
 * (a child of the worker, in the worker's process group, which is the
 * job's: no setpgid, so killing the group reaches all it forks; output
 * into the target's log), report its exit and resource use in RESULT,
 * remove the directory. While the command runs the worker watches the
 * channel: its end (the supervisor died or stopped the job) kills the
 * job's process group, the worker included.
 *
 * When the JOB names a sync_branch (a run that opens pull requests) and
 * the command succeeded, the plugin commits what it changed and pushes the
 * branch (worker/git/commit.h); RESULT's outcome is then unchanged,
 * pushed or dry_run. The worker never talks to the API: the supervisor
 * opens the pull requests.
 *
 * The command's environment is the worker's (which never holds a token)
 * plus REPOCAST_REPO; GITHUB_TOKEN and GH_TOKEN are dropped once more.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/perfrec.h"
#include "shared/rusage.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "worker/plugin.h"
#include "worker/profile.h"
#include "worker/worker.h"

extern char **environ;

/* ---- the command ---- */

static int
is_token_var(const char *e)
{
	return strncmp(e, "GITHUB_TOKEN=", 13) == 0 || strncmp(e, "GH_TOKEN=", 9) == 0 ||
	    strncmp(e, "REPOCAST_REPO=", 14) == 0 || strncmp(e, "REPOCAST_SUPERVISOR_PID=", 24) == 0;
}

static char **
command_env(const char *repo)
{
	size_t n = 0, k = 0, i;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (i = 0; i < n; i++)
		if (!is_token_var(environ[i]))
			env[k++] = environ[i];
	env[k++] = xasprintf("REPOCAST_REPO=%s", repo);
	env[k] = NULL;
	return env;
}

/*
 * The supervisor's side of the channel is gone: so is the job, at once. A
 * living supervisor stopping the job signals the group before it closes
 * the channel (pool.c), so its SIGTERM and grace come first; a dead one
 * kills nothing any more. SIGKILL ends this process too.
 */
static void
kill_job(void)
{
	kill(0, SIGKILL);
	pause();
	_exit(1);
}

/* Read what the supervisor sent during the command: a CANCEL, or its end.
 * Nothing is flushed here: a dead supervisor's pipe would only fail. */
static void
read_channel(struct worker *w)
{
	const void *payload;
	size_t len;
	struct msg m;
	int rc;

	if (frame_fill(&w->in) < 0)
		kill_job();
	while ((rc = frame_next(&payload, &len, &w->in)) == 1) {
		if (msg_decode(&m, payload, len) < 0)
			kill_job();
		if (m.type == MSG_CANCEL)
			w->cancelled = 1; /* the supervisor's stop sequence follows */
		else
			log_warn("unexpected %s message while the command runs",
			    msg_type_name(m.type));
		msg_release(&m);
	}
	if (rc < 0 || w->in.eof)
		kill_job();
}

/*
 * Wait for the command while watching the channel (a pidfd for the
 * command, poll on both). Without a pidfd, a plain wait: the
 * parent-death signal (main.c) still ends the job with the supervisor.
 */
static int
wait_command(struct worker *w, pid_t pid, int *st, struct rusage *ru)
{
	struct pollfd pf[2];
	int pfd = pidfd_open(pid, 0), n;

	while (pfd >= 0) {
		pf[0].fd = WORKER_FD_IN;
		pf[0].events = POLLIN;
		pf[1].fd = pfd;
		pf[1].events = POLLIN;
		pf[0].revents = pf[1].revents = 0;
		n = poll(pf, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(pfd);
			return err_sys(ERR_FAIL, "cannot wait for the command");
		}
		if (pf[1].revents != 0)
			break;
		if (pf[0].revents != 0)
			read_channel(w);
	}
	if (pfd >= 0)
		close(pfd);
	while (wait4(pid, st, 0, ru) < 0) {
		if (errno != EINTR)
			return err_sys(ERR_FAIL, "cannot wait for the command");
	}
	return 0;
}

/*
 * --profile with perf: the command as `perf record ... -- CMD`, its
 * samples into data (the job's private directory). A vector of the
 * command's own strings (borrowed) behind perf's.
 */
#define PERF_ARGS 10
static char **
perf_argv(const struct msg_job *job, const char *data)
{
	char **v = xcalloc(job->argv.n + PERF_ARGS + 1, sizeof(*v));
	size_t i = 0;

	v[i++] = job->perf;
	v[i++] = (char *)"record";
	v[i++] = (char *)"-F";
	v[i++] = (char *)PERFREC_FREQ;
	v[i++] = (char *)"-g";
	v[i++] = (char *)"-q";
	v[i++] = (char *)"-o";
	v[i++] = (char *)data;
	v[i++] = (char *)"--";
	memcpy(v + i, job->argv.v, job->argv.n * sizeof(*v));
	return v;
}

/* What perf recorded, folded into the worker's PROFILE (profile.h). */
static void
perf_collect(const struct msg_job *job, const char *data)
{
	struct buf out = BUF_INIT;
	char *argv[] = { job->perf, (char *)"script", (char *)"-i", (char *)data,
		(char *)"-F", (char *)"comm,ip,sym,dso", NULL };
	char *note;
	int st;

	if (access(data, R_OK) < 0) {
		profile_add_perf(NULL, 0, "perf record wrote no samples");
		return;
	}
	/* perf script's text is large (a few hundred bytes a sample): 256 MiB
	 * is hours of CPU at 1 kHz. */
	if (perfrec_capture(&out, 256u << 20, argv, &st) < 0) {
		note = xasprintf("cannot read perf's samples: %s", err_last());
		profile_add_perf(NULL, 0, note);
		free(note);
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		profile_add_perf(NULL, 0, "perf script failed");
	} else {
		profile_add_perf(out.ptr, out.len, "recorded");
	}
	buf_release(&out);
}

/* Run argv in dir; fill the command part of res. 0 ran (any exit), -1 not started. */
static int
run_command(struct msg_result *res, struct worker *w, const struct msg_job *job,
    const char *dir, const char *perf_data)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	struct rusage ru;
	struct rusage_sample s;
	char **env = command_env(job->target);
	char **argv = perf_data != NULL ? perf_argv(job, perf_data) :
	    xcalloc(job->argv.n + 1, sizeof(*argv));
	uint64_t t0;
	pid_t pid;
	int e, st, rc = -1;
	size_t last;

	/* a strv is counted; exec wants a NULL-terminated vector */
	if (perf_data == NULL)
		memcpy(argv, job->argv.v, job->argv.n * sizeof(*argv));
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* The channel (3, 4) and everything else stays with the worker. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	t0 = util_now_ms();
	e = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
	if (e != 0) {
		errno = e;
		err_sys(ERR_FAIL, "cannot execute '%s'", job->argv.v[0]);
		fprintf(stderr, "repocast-worker: %s\n", err_last());
		/* what a shell reports for a command it cannot run */
		res->exit_code = e == ENOENT ? 127 : 126;
		res->cmd_wall_ms = util_now_ms() - t0;
		rc = 0;
		goto out;
	}
	if (wait_command(w, pid, &st, &ru) < 0)
		goto out;
	res->cmd_wall_ms = util_now_ms() - t0;
	rusage_from_sys(&s, &ru);
	res->cmd_utime_us = s.utime_us;
	res->cmd_stime_us = s.stime_us;
	res->cmd_maxrss_kib = s.maxrss_kib;
	res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	res->term_signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	rc = 0;
out:
	for (last = 0; env[last] != NULL; last++)
		;
	free(env[last - 1]); /* only REPOCAST_REPO was allocated */
	free(env);
	free(argv);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int
run_job(struct worker *w)
{
	const struct msg_job *job = &w->job.u.job;
	char *dir = NULL, *tree = NULL, *perf_data = NULL;
	struct msg m;
	uint64_t t0;
	int rc;

	msg_init(&m, MSG_RESULT);
	if (strcmp(job->remote_url, "none:") == 0 && job->argv.n == 0) {
		/* Nothing to fetch, nothing to run: the pool benchmark's no-op.
		 * STATS follows at once: one write for both. */
		m.u.result.outcome = (char *)"ran";
		return worker_queue(w, &m) < 0 ? -1 : 0;
	}
	if ((rc = tmpdir_make(&dir, "repocast-checkout-")) < 0) {
		worker_error(w, rc);
		return rc;
	}
	tree = xasprintf("%s/tree", dir);
	if (strcmp(job->remote_url, "none:") == 0) {
		if (mkdir(tree, 0700) < 0) {
			rc = err_sys(ERR_FAIL, "cannot create '%s'", tree);
			worker_error(w, rc);
			goto out;
		}
	} else if ((rc = w->git->checkout(w, tree)) < 0) {
		worker_log(w, LOG_ERROR, "%s", err_last());
		worker_error(w, rc);
		goto out;
	}
	if (w->cancelled) {
		rc = err_set(ERR_TIMEOUT, "the job was cancelled");
		worker_error(w, rc);
		goto out;
	}
	/*
	 * The token served the fetch; the command needs none. Without a push
	 * to come (--no-pr, or a preview) it is wiped before the command
	 * starts, so the command (the same user) does not find it in this
	 * process's memory either. A run that pushes keeps it for the push:
	 * the command still gets it neither in its environment nor in its
	 * argv, and reading this process's memory needs ptrace rights over it
	 * (docs/SECURITY.md).
	 */
	if (job->sync_branch == NULL || job->sync_branch[0] == '\0' || job->dry_run) {
		util_free_secret(w->token);
		w->token = NULL;
	}
	/* --profile: perf records the command where the supervisor found it
	 * can; its wall and rusage then include perf's own. */
	if (w->profiling && job->perf != NULL && job->argv.n > 0)
		perf_data = xasprintf("%s/perf.data", dir);
	t0 = util_now_ms();
	if (job->argv.n > 0 && run_command(&m.u.result, w, job, tree, perf_data) < 0) {
		rc = -1;
		worker_error(w, rc);
		goto out;
	}
	if (perf_data != NULL)
		perf_collect(job, perf_data);
	worker_phase(w, "command", util_now_ms() - t0);
	rc = (m.u.result.exit_code == 0 && m.u.result.term_signal == 0) ? 0 : ERR_FAIL;
	m.u.result.outcome = (char *)(rc == 0 ? "ran" : "failed");
	if (rc == 0 && job->sync_branch != NULL && job->sync_branch[0] != '\0') {
		if (w->git == NULL) {
			rc = err_set(ERR_CONFIG, "'%s' has no repository to commit to", job->target);
			worker_error(w, rc);
			goto out;
		}
		if ((rc = w->git->commit(w, tree, &m.u.result)) < 0) {
			worker_log(w, LOG_ERROR, "%s", err_last());
			if (w->cause != NULL)
				worker_error_cause(w, w->cause);
			else
				worker_error(w, rc);
			goto out;
		}
	}
	if (worker_send(w, &m) < 0)
		rc = -1;
out:
	free(m.u.result.commit);
	free(m.u.result.branch);
	free(m.u.result.diffstat);
	free(m.u.result.diff);
	tmpdir_remove(dir);
	free(perf_data);
	free(tree);
	free(dir);
	return rc;
}
