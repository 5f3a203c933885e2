/*
 * err — the per-thread last-error buffer (see err.h). No libgit2 here:
 * err_git lives in shared/git/err_git.c, so that programs which do not load libgit2
 * (repocast-worker, until a job needs git) can link this module.
 */
#include "shared/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_MAX 2048

/* Per thread: the supervisor's pull request thread (supervisor/sync/pubq.c)
 * has its own. */
static _Thread_local char errbuf[ERR_MAX];
static _Thread_local int errcode;

static void
vset(const char *fmt, va_list ap)
{
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
}

int
err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	errcode = code;
	return code;
}

int
err_sys(int code, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;
	size_t n;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", strerror(saved));
	errcode = code;
	errno = saved;
	return code;
}

int
err_wrap(const char *fmt, ...)
{
	char old[ERR_MAX];
	va_list ap;
	size_t n;

	memcpy(old, errbuf, sizeof(old));
	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	if (old[0] != '\0')
		snprintf(errbuf + n, sizeof(errbuf) - n, ": %s", old);
	return errcode ? errcode : ERR_FAIL;
}

const char *
err_last(void)
{
	return errbuf;
}

int
err_code(void)
{
	return errcode;
}

void
err_clear(void)
{
	errbuf[0] = '\0';
	errcode = 0;
}

const char *
err_name(int code)
{
	switch (code) {
	case ERR_OK: return "ok";
	case ERR_FAIL: return "error";
	case ERR_NOTFOUND: return "notfound";
	case ERR_TIMEOUT: return "timeout";
	case ERR_PROTO: return "protocol";
	case ERR_AUTH: return "auth";
	case ERR_LIMIT: return "limit";
	case ERR_CONFIG: return "config";
	case ERR_NET: return "network";
	case ERR_EXISTS: return "exists";
	case ERR_CONFLICT: return "conflict";
	case ERR_INTERRUPTED: return "interrupted";
	}
	return "error";
}

int
err_from_name(const char *name)
{
	int code;

	for (code = ERR_OK; code >= ERR_INTERRUPTED; code--)
		if (strcmp(err_name(code), name) == 0)
			return code;
	return ERR_FAIL;
}
