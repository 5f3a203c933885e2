/*
 * cmd — the subcommands of `repocast`. Each takes the arguments after the
 * subcommand name (argv[0] is the subcommand) and returns the process exit
 * code: 0 ok, 1 a target failed, 2 usage or config error, 3 environment
 * error, 130 interrupted.
 */
#ifndef REPOCAST_CMD_H
#define REPOCAST_CMD_H

enum {
	EXIT_OK = 0,
	EXIT_TARGETS = 1,
	EXIT_USAGE = 2,
	EXIT_ENV = 3,
	EXIT_INTERRUPTED = 130,
};

/*
 * Where in a command an error happened decides, with its code, the exit
 * status; library code returns error codes only and the cmd_* entry points
 * turn them into exit statuses with cmd_exit_status, the one table
 * (cmd.c).
 */
enum cmd_stage {
	CMD_INPUT, /* what the user named: flags, config, scope, repos file, token */
	CMD_ENV,   /* the environment: API, sources, run directory, workers */
};

/*
 * The exit status for error err (< 0) at stage: at CMD_INPUT every error
 * is a usage error except ERR_AUTH (no token at all: the environment
 * lacks one); anywhere, ERR_CONFIG is a usage error and ERR_INTERRUPTED
 * an interruption; every other error is an environment error.
 */
int cmd_exit_status(enum cmd_stage stage, int err);
/* Print err_last() as "repocast: ..." on stderr; cmd_exit_status. */
int cmd_fail(enum cmd_stage stage, int err);
/*
 * A usage error, as every command answers one: "repocast: MSG" on stderr,
 * then the two-line usage: the first line of usage (a command's full help
 * text, or a subcommand's one line) and "See 'repocast help NAME'.".
 * cmd_usage_fail says err_last() and returns EXIT_USAGE.
 */
void cmd_usage_error(const char *usage, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cmd_usage_fail(const char *usage, const char *name);
/*
 * May dir hold the cache (shared/pathcheck.h: not a system directory,
 * yours when it exists)? 0, or ERR_CONFIG naming it ("cache directory
 * '/etc' is a system directory ...").
 */
int cmd_check_cache_dir(const char *dir);

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage; /* full help text for `repocast help NAME` */
};

int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_modules(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);

extern const char cmd_validate_usage[];
extern const char cmd_run_usage[];
extern const char cmd_sync_usage[];
extern const char cmd_cancel_usage[];
extern const char cmd_merge_usage[];
extern const char cmd_status_usage[];
extern const char cmd_modules_usage[];
extern const char cmd_report_usage[];
extern const char cmd_diagnose_usage[];

#endif
