#include "supervisor/pool/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

extern char **environ;

/*
 * Move fd to a number >= 5 (keeping O_CLOEXEC). The child's dup2 onto 0-4
 * must never find its source already at the target number: dup2(3, 3) is a
 * no-op that leaves O_CLOEXEC set, so the fd would vanish at exec; nor may
 * one dup2 overwrite the source of a later one.
 */
static int
lift_fd(int *fd)
{
	int nfd;

	if (*fd >= 5)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 5);
	if (nfd < 0)
		return err_sys(ERR_FAIL, "cannot duplicate descriptor");
	close(*fd);
	*fd = nfd;
	return 0;
}

static void
close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static int
make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0) {
		p[0] = p[1] = -1;
		return err_sys(ERR_FAIL, "cannot create pipe");
	}
	if (lift_fd(&p[0]) < 0 || lift_fd(&p[1]) < 0)
		return -1;
	return 0;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return err_sys(ERR_FAIL, "cannot make descriptor non-blocking");
	return 0;
}

int
spawn_worker(struct spawn_child *c, const char *path, char *const argv[], char *const envp[])
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, logp[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc = -1, e, have_fa = 0, have_attr = 0;
	pid_t pid;

	c->pid = -1;
	c->to_child = c->from_child = c->log = -1;
	/* posix_spawn reports exec failures itself (glibc's vfork-style clone);
	 * checking first also holds where it is emulated with fork, as under
	 * valgrind, and costs no process for a missing binary. */
	if (access(path, X_OK) < 0)
		return err_sys(ERR_FAIL, "cannot execute '%s'", path);
	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(logp) < 0)
		goto out;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto spawn_err;
	have_fa = 1;
	if ((e = posix_spawnattr_init(&attr)) != 0)
		goto spawn_err;
	have_attr = 1;
	if ((e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, logp[1], 1)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, logp[1], 2)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, in[0], 3)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, out[1], 4)) != 0 ||
	    (e = posix_spawn_file_actions_addclosefrom_np(&fa, 5)) != 0)
		goto spawn_err;
	sigemptyset(&none);
	sigfillset(&all);
	if ((e = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(&attr, &all)) != 0 ||
	    (e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
		POSIX_SPAWN_SETSIGDEF)) != 0)
		goto spawn_err;
	e = posix_spawn(&pid, path, &fa, &attr, argv, envp);
	if (e != 0) {
		errno = e;
		err_sys(ERR_FAIL, "cannot execute '%s'", path);
		goto out;
	}
	c->pid = pid;
	close(in[0]);
	close(out[1]);
	close(logp[1]);
	c->to_child = in[1];
	c->from_child = out[0];
	c->log = logp[0];
	in[0] = in[1] = out[0] = out[1] = logp[0] = logp[1] = -1;
	/* The parent's ends never block: a slow worker cannot stall the loop. */
	if (set_nonblock(c->to_child) < 0 || set_nonblock(c->from_child) < 0 ||
	    set_nonblock(c->log) < 0)
		BUG("fcntl(O_NONBLOCK) failed on a fresh pipe: %s", err_last());
	rc = 0;
	goto out;
spawn_err:
	errno = e;
	err_sys(ERR_FAIL, "cannot set up spawn of '%s'", path);
out:
	if (have_attr)
		posix_spawnattr_destroy(&attr);
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	close_pair(in);
	close_pair(out);
	close_pair(logp);
	return rc;
}

/* Whether entry ("NAME=value") names one of the list's variables; the list
 * holds bare names or NAME=value strings. */
static int
named_in(const char *entry, const char *const *list)
{
	size_t n;

	for (; list != NULL && *list != NULL; list++) {
		n = strcspn(*list, "=");
		if (strncmp(entry, *list, n) == 0 && entry[n] == '=')
			return 1;
	}
	return 0;
}

char **
spawn_env_new(const char *const *drop, const char *const *add)
{
	size_t n = 0, k = 0, i;
	char **env;

	while (environ != NULL && environ[n] != NULL)
		n++;
	for (i = 0; add != NULL && add[i] != NULL; i++)
		;
	env = xcalloc(n + i + 1, sizeof(*env));
	for (i = 0; i < n; i++)
		if (!named_in(environ[i], drop) && !named_in(environ[i], add))
			env[k++] = xstrdup(environ[i]);
	for (i = 0; add != NULL && add[i] != NULL; i++)
		env[k++] = xstrdup(add[i]);
	env[k] = NULL;
	return env;
}

void
spawn_env_free(char **env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}
