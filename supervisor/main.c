/*
 * repocast — the supervisor's entry point: dispatch to a subcommand.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/suggest.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/config/config.h"
#include "supervisor/opt.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const char version_usage[] = "usage: repocast version\n";
static const char help_usage[] = "usage: repocast help [COMMAND]\n";

static const struct cmd commands[] = {
	{ "sync", cmd_sync, "sync files from the source repo to every target", cmd_sync_usage },
	{ "run", cmd_run, "run a command in every repository, with a resource report",
	    cmd_run_usage },
	{ "status", cmd_status, "show which targets are synced, pending or outdated",
	    cmd_status_usage },
	{ "cancel", cmd_cancel, "close the open sync PRs and delete the sync branches",
	    cmd_cancel_usage },
	{ "merge", cmd_merge, "merge the open sync PRs whose checks have passed",
	    cmd_merge_usage },
	{ "modules", cmd_modules, "list module directories and the versions they resolve to",
	    cmd_modules_usage },
	{ "report", cmd_report, "show, compare or merge the reports of past runs",
	    cmd_report_usage },
	{ "validate", cmd_validate, "check a config and show what it would do",
	    cmd_validate_usage },
	{ "diagnose", cmd_diagnose, "check the installation, the token and the API",
	    cmd_diagnose_usage },
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

/*
 * The options a usage text names: every "--word" and every "-x" that
 * starts a word, in order, once each.
 */
static void
complete_flags(const char *usage)
{
	const char *p, *e;
	char seen[4096] = " ";
	char word[64];

	for (p = usage; *p != '\0'; p++) {
		if (*p != '-' || (p > usage && strchr(" ,[|(", p[-1]) == NULL))
			continue;
		e = p + 1;
		if (*e == '-')
			e++;
		if (!islower((unsigned char)*e))
			continue;
		while (islower((unsigned char)*e) || isdigit((unsigned char)*e) || *e == '-')
			e++;
		/* a short option is one letter: "-c," or "-c FILE" */
		if (p[1] != '-' && e - p != 2)
			continue;
		if ((size_t)(e - p) + 2 >= sizeof(word))
			continue;
		snprintf(word, sizeof(word), " %.*s ", (int)(e - p), p);
		if (strstr(seen, word) != NULL || strlen(seen) + strlen(word) >= sizeof(seen))
			continue;
		strcat(seen, word + 1);
		printf("%.*s\n", (int)(e - p), p);
		p = e - 1;
	}
}

/* The config's group ids (groups) or its distinct target repos (targets). */
static int
complete_config(const char *what, const char *path)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	size_t i, j, k;

	if (cfg_load(&c, path, &errs) < 0) {
		cfg_errors_release(&errs);
		return EXIT_USAGE;
	}
	for (i = 0; i < c->ngroups; i++) {
		const struct cfg_group *g = &c->groups[i];

		if (strcmp(what, "groups") == 0) {
			printf("%s\n", g->id);
			continue;
		}
		for (j = 0; j < g->ntargets; j++) {
			bool dup = false;

			for (k = 0; k < i && !dup; k++) {
				size_t m;

				for (m = 0; m < c->groups[k].ntargets && !dup; m++)
					dup = strcmp(c->groups[k].targets[m].repo, g->targets[j].repo) == 0;
			}
			if (!dup)
				printf("%s\n", g->targets[j].repo);
		}
	}
	cfg_free(c);
	cfg_errors_release(&errs);
	return EXIT_OK;
}

/*
 * repocast __complete commands | flags CMD | groups [-c FILE] | targets
 * [-c FILE]: one word a line, for the shell completions
 * (contrib/completions/). Not listed in the help: it is no user command.
 */
static int
cmd_complete(int argc, char **argv)
{
	const struct cmd *c;
	const char *path = "sync.yaml";
	size_t i;

	if (argc >= 2 && strcmp(argv[1], "commands") == 0) {
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			printf("%s\n", commands[i].name);
		return EXIT_OK;
	}
	if (argc == 3 && strcmp(argv[1], "flags") == 0) {
		if ((c = find(argv[2])) == NULL)
			return EXIT_USAGE;
		complete_flags(c->usage);
		return EXIT_OK;
	}
	if (argc >= 2 && (strcmp(argv[1], "groups") == 0 || strcmp(argv[1], "targets") == 0)) {
		if (argc == 4 && (strcmp(argv[2], "-c") == 0 || strcmp(argv[2], "--config") == 0))
			path = argv[3];
		else if (argc != 2)
			return EXIT_USAGE;
		return complete_config(argv[1], path);
	}
	fprintf(stderr, "usage: repocast __complete commands | flags CMD | groups [-c FILE] | "
	    "targets [-c FILE]\n");
	return EXIT_USAGE;
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
	if (strcmp(argv[1], "__complete") == 0)
		return cmd_complete(argc - 1, argv + 1);
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
