/*
 * err_git — see err_git.h: apart from err.c so that only code that links
 * libgit2 carries it. In repocast-worker it lives in the git plugin
 * (repocast-worker-git.so) and writes the executable's one buffer through
 * err_set (docs/architecture.md).
 */
#include "shared/git/err_git.h"
#include "shared/err.h"

#include <stdarg.h>
#include <stdio.h>

#include <git2/errors.h>

int
err_git(int code, const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	char what[2048];  /* the size of err.c's buffer */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(code, "%s: %s", what,
	    ge && ge->message ? ge->message : "unknown libgit2 error");
}
