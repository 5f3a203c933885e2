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

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage; /* full help text for `repocast help NAME` */
};

int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sync(int argc, char **argv);

extern const char cmd_validate_usage[];
extern const char cmd_run_usage[];
extern const char cmd_sync_usage[];

#endif
