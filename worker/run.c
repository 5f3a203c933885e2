/*
 * run — the `repocast run` job: fetch the repository, check its default
 * branch out into a private temporary directory, run the command there
 * (a child of the worker, in the worker's process group, output into the
 * target's log), report its exit and resource use in RESULT, remove the
 * directory.
 *
 * The command's environment is the worker's (which never holds a token)
 * plus REPOCAST_REPO; GITHUB_TOKEN and GH_TOKEN are dropped once more.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/rusage.h"
#include "shared/util.h"
#include "worker/worker.h"

extern char **environ;

/* ---- fetch + checkout ---- */

static int
cred_cb(git_credential **out, const char *url, const char *user, unsigned int allowed,
    void *payload)
{
	const char *token = payload;

	(void)url;
	(void)user;
	if (token == NULL || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	return git_credential_userpass_plaintext_new(out, "x-access-token", token);
}

/* A libgit2 failure as an ERR_* code: transport trouble is transient. */
static int
git_code(int rc)
{
	const git_error *e = git_error_last();

	if (rc == GIT_ENOTFOUND)
		return ERR_NOTFOUND;
	if (rc == GIT_EAUTH)
		return ERR_AUTH;
	if (e != NULL && (e->klass == GIT_ERROR_NET || e->klass == GIT_ERROR_HTTP ||
	    e->klass == GIT_ERROR_SSL || e->klass == GIT_ERROR_SSH))
		return ERR_NET;
	if (e != NULL && e->klass == GIT_ERROR_NOMEMORY)
		return ERR_LIMIT;
	return ERR_FAIL;
}

/*
 * Clone url and check its default branch out into dir. (A private clone
 * until the mirror cache, shared/mirror.h, is available to the worker.)
 */
static int
fetch_checkout(struct worker *w, const char *url, const char *dir)
{
	git_clone_options opts;
	git_repository *repo = NULL;
	uint64_t t0 = util_now_ms();
	int rc;

	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
	opts.fetch_opts.callbacks.credentials = cred_cb;
	opts.fetch_opts.callbacks.payload = w->token;
	opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_FORCE;
	rc = git_clone(&repo, url, dir, &opts);
	if (rc < 0)
		return err_git(git_code(rc), "cannot fetch '%s'", url);
	worker_phase(w, "fetch", util_now_ms() - t0);
	git_repository_free(repo);
	return 0;
}

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

/* Run argv in dir; fill the command part of res. 0 ran (any exit), -1 not started. */
static int
run_command(struct msg_result *res, const struct msg_job *job, const char *dir)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	struct rusage ru;
	struct rusage_sample s;
	char **env = command_env(job->target);
	uint64_t t0;
	pid_t pid;
	int e, st, rc = -1;
	size_t last;

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
	e = posix_spawnp(&pid, job->argv.v[0], &fa, &attr, job->argv.v, env);
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
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			err_sys(ERR_FAIL, "cannot wait for the command");
			goto out;
		}
	}
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
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* ---- cleanup ---- */

static int
unlock_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	/* A command may leave directories unwritable; removal needs them writable. */
	if (type == FTW_D && (st->st_mode & 0700) != 0700)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
remove_tree(const char *dir)
{
	nftw(dir, unlock_dir, 16, FTW_PHYS);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
run_job(struct worker *w)
{
	const struct msg_job *job = &w->job.u.job;
	const char *tmp = getenv("TMPDIR");
	char *dir = NULL, *tree = NULL;
	struct msg m;
	uint64_t t0;
	int rc;

	msg_init(&m, MSG_RESULT);
	dir = xasprintf("%s/repocast-run-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		rc = err_sys(ERR_FAIL, "cannot create a directory for '%s'", job->target);
		worker_error(w, rc);
		free(dir);
		return rc;
	}
	tree = xasprintf("%s/tree", dir);
	if (strcmp(job->remote_url, "none:") == 0) {
		if (mkdir(tree, 0700) < 0) {
			rc = err_sys(ERR_FAIL, "cannot create '%s'", tree);
			worker_error(w, rc);
			goto out;
		}
	} else if ((rc = fetch_checkout(w, job->remote_url, tree)) < 0) {
		worker_log(w, LOG_ERROR, "%s", err_last());
		worker_error(w, rc);
		goto out;
	}
	if (w->cancelled) {
		rc = err_set(ERR_TIMEOUT, "the job was cancelled");
		worker_error(w, rc);
		goto out;
	}
	t0 = util_now_ms();
	if (job->argv.n > 0 && run_command(&m.u.result, job, tree) < 0) {
		rc = -1;
		worker_error(w, rc);
		goto out;
	}
	worker_phase(w, "command", util_now_ms() - t0);
	rc = (m.u.result.exit_code == 0 && m.u.result.term_signal == 0) ? 0 : ERR_FAIL;
	m.u.result.outcome = (char *)(rc == 0 ? "ran" : "failed");
	if (worker_send(w, &m) < 0)
		rc = -1;
out:
	remove_tree(dir);
	free(tree);
	free(dir);
	return rc;
}
