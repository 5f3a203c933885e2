/* Test-only fault injection; see fault.h. Empty unless REPOCAST_TEST_HOOKS. */
#ifdef REPOCAST_TEST_HOOKS
#include "worker/fault.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"
#include "worker/worker.h"

/* The fault configured for target, copied into out; "" when none. */
static void
fault_for(char *out, size_t n, const char *target)
{
	const char *spec = getenv("REPOCAST_FAULTS"), *p, *eq, *end;
	size_t tl = strlen(target);

	out[0] = '\0';
	for (p = spec; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || (size_t)(eq - p) != tl || strncmp(p, target, tl) != 0)
			continue;
		snprintf(out, n, "%.*s", (int)(end - eq - 1), eq + 1);
		return;
	}
}

static void
hang(void)
{
	for (;;)
		pause();
}

static void
write_raw(const void *p, size_t n)
{
	if (write(WORKER_FD_OUT, p, n) != (ssize_t)n)
		_exit(97);
}

static void
try_exec(struct worker *w)
{
	char *argv[] = { (char *)"/bin/true", NULL };
	pid_t pid;

	execv(argv[0], argv);
	err_sys(ERR_FAIL, "execve blocked");
	/* and no new process either */
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		err_set(ERR_FAIL, "fork allowed after %s", err_last());
	} else {
		int e = errno;
		char *first = xstrdup(err_last());

		errno = e;
		err_sys(ERR_FAIL, "%s; fork blocked", first);
		free(first);
	}
	worker_error(w, ERR_FAIL);
	_exit(1);
}

void
fault_hook(struct worker *w, const char *point)
{
	const char *target = w->job.u.job.target ? w->job.u.job.target : "";
	const char *at_point = "job";
	char fault[64], *at;

	fault_for(fault, sizeof(fault), target);
	if (fault[0] == '\0')
		return;
	if ((at = strchr(fault, '@')) != NULL) {
		*at = '\0';
		at_point = at + 1;
	}
	/* "exec": once the worker is sandboxed, try to run a program. */
	if (strcmp(fault, "exec") == 0) {
		if (strcmp(point, "sandboxed") == 0)
			try_exec(w);
		return;
	}
	if (strcmp(point, at_point) != 0)
		return;
	fprintf(stderr, "repocast-worker-test: injecting fault '%s' into '%s' at '%s'\n", fault,
	    target, point);
	fflush(stderr);
	if (strcmp(fault, "segv") == 0) {
		/* Sanitizers catch SIGSEGV: restore the default so it is a death. */
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	} else if (strcmp(fault, "sigkill") == 0) {
		raise(SIGKILL);
	} else if (strcmp(fault, "exit3") == 0) {
		_exit(3);
	} else if (strcmp(fault, "hang") == 0) {
		hang();
	} else if (strcmp(fault, "hang-term") == 0) {
		signal(SIGTERM, SIG_IGN);
		hang();
	} else if (strcmp(fault, "garbage") == 0) {
		static const unsigned char g[] = { 0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1 };

		write_raw(g, sizeof(g));
		hang();
	} else if (strcmp(fault, "oversized") == 0) {
		static const unsigned char h[] = { 0x01, 0x00, 0x00, 0x00 }; /* 16 MiB */

		write_raw(h, sizeof(h));
		hang();
	} else if (strcmp(fault, "memory") == 0) {
		/* Bounded at 4 GiB so a missing limit cannot take the machine. */
		size_t i;

		for (i = 0; i < 4096; i++)
			memset(xmalloc(1 << 20), 1, 1 << 20);
		_exit(98);
	} else if (strcmp(fault, "network") == 0) {
		err_set(ERR_NET, "injected network failure");
		worker_error(w, ERR_NET);
		_exit(1);
	} else if (strcmp(fault, "once-sigkill") == 0) {
		const char *dir = getenv("REPOCAST_FAULT_DIR");
		char *base = xstrdup(target), *path, *s;
		int fd;

		for (s = base; *s != '\0'; s++)
			if (*s == '/')
				*s = '_';
		path = xasprintf("%s/%s.once", dir ? dir : "/tmp", base);
		free(base);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		free(path);
		if (fd >= 0) {
			close(fd);
			raise(SIGKILL);
		}
	} else {
		fprintf(stderr, "repocast-worker-test: unknown fault '%s'\n", fault);
		_exit(96);
	}
}
#else
/* ISO C forbids an empty translation unit. */
typedef int fault_release_build_has_no_fault_code;
#endif
