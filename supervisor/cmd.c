/*
 * cmd — the one table from error codes to exit statuses (cmd.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shared/err.h"
#include "shared/pathcheck.h"
#include "shared/util.h"
#include "supervisor/cmd.h"

#define ANY_STAGE (-1)
#define ANY_ERR 1 /* no error code is positive */

/* First match wins. */
static const struct {
	int stage;
	int err;
	int status;
} exit_table[] = {
	{ ANY_STAGE, ERR_INTERRUPTED, EXIT_INTERRUPTED },
	{ CMD_INPUT, ERR_AUTH, EXIT_ENV },
	{ CMD_INPUT, ANY_ERR, EXIT_USAGE },
	{ ANY_STAGE, ERR_CONFIG, EXIT_USAGE },
	{ ANY_STAGE, ANY_ERR, EXIT_ENV },
};

int
cmd_exit_status(enum cmd_stage stage, int err)
{
	size_t i;

	if (err >= 0)
		return EXIT_OK;
	for (i = 0; i < ARRAY_SIZE(exit_table); i++)
		if ((exit_table[i].stage == ANY_STAGE || exit_table[i].stage == (int)stage) &&
		    (exit_table[i].err == ANY_ERR || exit_table[i].err == err))
			return exit_table[i].status;
	return EXIT_ENV;
}

void
cmd_usage_error(const char *usage, const char *name, const char *fmt, ...)
{
	const char *nl = strchr(usage, '\n');
	va_list ap;

	fputs("repocast: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, "%.*s\nSee 'repocast help %s'.\n",
	    (int)(nl != NULL ? (size_t)(nl - usage) : strlen(usage)), usage, name);
}

int
cmd_usage_fail(const char *usage, const char *name)
{
	cmd_usage_error(usage, name, "%s", err_last());
	return EXIT_USAGE;
}

int
cmd_fail(enum cmd_stage stage, int err)
{
	fprintf(stderr, "repocast: %s\n", err_last());
	return cmd_exit_status(stage, err);
}

int
cmd_check_cache_dir(const char *dir)
{
	const char *why = NULL;

	if (pathcheck_cache_dir(dir, &why) < 0)
		return err_set(ERR_CONFIG, "cache directory '%s' %s", dir, why);
	return 0;
}
