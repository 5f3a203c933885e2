/*
 * repocast — the supervisor's entry point: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/suggest.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const char version_usage[] = "usage: repocast version\n";
static const char help_usage[] = "usage: repocast help [COMMAND]\n";

static const struct cmd commands[] = {
	{ "sync", cmd_sync, "sync files from the source repo to every target", cmd_sync_usage },
	{ "run", cmd_run, "run a command in every repository, with a resource report",
	    cmd_run_usage },
	{ "report", cmd_report, "show, compare or merge the reports of past runs",
	    cmd_report_usage },
	{ "validate", cmd_validate, "check a config and show what it would do",
	    cmd_validate_usage },
	{ "version", cmd_version, "print version information", version_usage },
	{ "help", cmd_help, "show help for a command", help_usage },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: repocast <command> [options]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\nSee 'repocast help <command>' for a command's options.\n");
}

/* "'sycn' is not a repocast command. The most similar command is 'sync'." */
static void
not_a_command(const char *name, const char *tail)
{
	const char *names[ARRAY_SIZE(commands)];
	const char *near;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	near = suggest_closest(name, names, ARRAY_SIZE(names));
	if (near != NULL)
		fprintf(stderr, "repocast: '%s' is not a repocast command. The most similar "
		    "command is '%s'.\n", name, near);
	else
		fprintf(stderr, "repocast: '%s' is not a repocast command.%s\n", name, tail);
}

static const struct cmd *
find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * The operand of help or version (which take no options but -h): 0 with
 * *operand the one word or NULL, 1 after -h (usage printed), or
 * EXIT_USAGE's usage error printed (-1).
 */
static int
main_operand(const char **operand, size_t max, const char *usage, const char *name, int argc,
    char **argv)
{
	struct opt_parser p;
	struct opt_item it;
	size_t n = 0;
	int rc, i;

	*operand = NULL;
	opt_init(&p, NULL, 0, argc, argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		if (it.id == OPT_HELP) {
			fputs(usage, stdout);
			return 1;
		}
		if (n++ == 0)
			*operand = it.value;
	}
	for (i = 0; rc == 0 && i < p.nrest; i++)
		if (n++ == 0)
			*operand = p.rest[i];
	if (rc == 0 && n > max)
		rc = err_set(ERR_CONFIG, "'%s' takes %s", name, max == 0 ? "no arguments" :
		    "one command");
	if (rc < 0) {
		cmd_usage_fail(usage, name);
		return -1;
	}
	return 0;
}

static int
cmd_version(int argc, char **argv)
{
	const char *none;
	int maj, min, rev, rc;

	if ((rc = main_operand(&none, 0, version_usage, "version", argc, argv)) != 0)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	git_libgit2_version(&maj, &min, &rev);
	printf("repocast %s (libgit2 %d.%d.%d)\n", REPOCAST_VERSION, maj, min, rev);
	return EXIT_OK;
}

static int
cmd_help(int argc, char **argv)
{
	const struct cmd *c;
	const char *name;
	int rc;

	if ((rc = main_operand(&name, 1, help_usage, "help", argc, argv)) != 0)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	if (name == NULL) {
		usage(stdout);
		return EXIT_OK;
	}
	c = find(name);
	if (c == NULL) {
		not_a_command(name, "");
		return EXIT_USAGE;
	}
	fputs(c->usage, stdout);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	const struct cmd *c;

	log_set_prog("repocast");
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv + 1);
	c = find(argv[1]);
	if (c == NULL) {
		not_a_command(argv[1], " See 'repocast --help'.");
		return EXIT_USAGE;
	}
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		fputs(c->usage, stdout);
		return EXIT_OK;
	}
	return c->fn(argc - 1, argv + 1);
}
