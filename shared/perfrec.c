/*
 * perfrec — perf's availability and output (see perfrec.h).
 */
#include "shared/perfrec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

extern char **environ;

static char *
find_on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;

	if (path == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		char *f;

		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		f = xasprintf("%.*s/%s", (int)(end - p), end > p ? p : ".", name);
		if (access(f, X_OK) == 0)
			return f;
		free(f);
		if (*end == '\0')
			return NULL;
	}
}

int
perfrec_capture(struct buf *out, size_t max, char *const argv[], int *status)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char chunk[65536];
	int pfd[2], e, rc = -1;
	pid_t pid;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(ERR_FAIL, "cannot run '%s'", argv[0]);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	e = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	close(pfd[1]);
	if (e != 0) {
		errno = e;
		err_sys(ERR_FAIL, "cannot run '%s'", argv[0]);
		goto out;
	}
	for (;;) {
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < max)
			buf_add(out, chunk, (size_t)n < max - out->len ? (size_t)n : max - out->len);
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR) {
			err_sys(ERR_FAIL, "cannot wait for '%s'", argv[0]);
			goto out;
		}
	rc = 0;
out:
	close(pfd[0]);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int
perfrec_probe(char **path, char **why)
{
	struct buf b = BUF_INIT;
	char *perf;
	int st = 0, paranoid = 2;
	FILE *f;

	*path = *why = NULL;
	perf = find_on_path("perf");
	if (perf == NULL) {
		*why = xstrdup("perf is not on PATH (Debian: apt-get install linux-perf)");
		return 0;
	}
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (f == NULL) {
		*why = xstrdup("the kernel has no perf events (no "
		    "/proc/sys/kernel/perf_event_paranoid)");
		free(perf);
		return 0;
	}
	if (fscanf(f, "%d", &paranoid) != 1)
		paranoid = 2;
	fclose(f);
	if (paranoid > 2 && geteuid() != 0) {
		*why = xasprintf("kernel.perf_event_paranoid is %d: perf record needs 2 or less "
		    "(sysctl kernel.perf_event_paranoid=2) or CAP_PERFMON", paranoid);
		free(perf);
		return 0;
	}
	{
		char *argv[] = { perf, (char *)"record", (char *)"-q", (char *)"-o",
			(char *)"/dev/null", (char *)"--", (char *)"true", NULL };

		if (perfrec_capture(&b, 0, argv, &st) < 0) {
			*why = xasprintf("a trial perf record could not start: %s", err_last());
			buf_release(&b);
			free(perf);
			return 0;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			*why = xasprintf("a trial 'perf record -o /dev/null -- true' failed (%s, "
			    "kernel.perf_event_paranoid %d)", WIFEXITED(st) ? "it exited non-zero" :
			    "it was killed", paranoid);
			buf_release(&b);
			free(perf);
			return 0;
		}
	}
	buf_release(&b);
	*path = perf;
	return 1;
}
