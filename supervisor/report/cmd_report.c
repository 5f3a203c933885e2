/*
 * cmd_report — `repocast report show|diff|merge`: read the report.json of
 * past runs back (read.h) to summarise one, compare two runs' resource
 * use per target, or join the reports of a run's shards into one run
 * directory (docs/report-cli.md). This file holds the usage, the options
 * and what the subcommands share; each subcommand is a file of its own
 * (cmd_report_internal.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/report/cmd_report_internal.h"
#include "supervisor/report/read.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

#define SUBS_USAGE "usage: repocast report show|diff|merge [options] RUN...\n"
#define SHORT_USAGE \
    SHOW_USAGE \
    "       repocast report diff A B [--threshold PCT] [--report-dir DIR] [--json]\n" \
    "       repocast report merge RUN... -o DIR [--report-dir DIR]\n"

const char cmd_report_usage[] =
    SHORT_USAGE
    "\n"
    "Read the reports that runs wrote (report.json, docs/report-schema.md).\n"
    "RUN (and A, B) is a run id under the report directory, 'last' (the\n"
    "newest run there), or the path of a run directory or of a report.json.\n"
    "\n"
    "  show   the run's command, start and wall time, its targets by outcome,\n"
    "         the failed ones with their cause and the top CPU, memory and\n"
    "         wall time users; with --json the report itself\n"
    "  diff   each target's wall time, CPU (user+system) and peak memory (the\n"
    "         worker's VmHWM) in A and in B, matched by name, and the targets\n"
    "         only one run has; a rise of more than PCT percent that is also\n"
    "         at least 50ms (1 MiB of memory) is a regression\n"
    "  merge  join the reports of one run's shards (same command, same config,\n"
    "         no target in two of them) into the run directory DIR, with the\n"
    "         targets' logs, and write every report format there\n"
    "\n"
    "options:\n"
    "  --report-dir DIR    where run ids are looked up (default .repocast/runs)\n"
    "  --json              show, diff: JSON on stdout\n"
    "  --threshold PCT     diff: the rise that is a regression (default 20)\n"
    "  -o, --output DIR    merge: the run directory to write (must hold no report)\n"
    "  -h, --help          this text\n"
    "\n"
    "exit status: 0 ok, 1 diff found a regression, 2 usage error or a report\n"
    "that cannot be read or merged, 3 environment error (merge cannot write DIR).\n";

/* The width of the name column in text output, at most. */
#define NAME_WIDTH_MAX 40

/* "20", "12.5" or "20%": a percentage of at least 0. */
static int
parse_threshold(double *out, const char *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*end == '%')
		end++;
	if (end == v || *end != '\0' || errno != 0 || !(d >= 0) || d > 1e9)
		return err_set(ERR_CONFIG, "invalid value '%s' for --threshold (a percentage, "
		    "e.g. 20)", v);
	*out = d;
	return 0;
}

/*
 * The options and operands after the subcommand (argv[0]).
 * 1 when --help was asked for, 0, or ERR_CONFIG.
 */
static int
parse_opts(struct opts *o, const struct sub *sub, int argc, char **argv)
{
	struct opt_parser p;
	struct opt_item it;
	int rc, i;

	memset(o, 0, sizeof(*o));
	o->threshold = 20;
	o->pos = xcalloc((size_t)argc, sizeof(*o->pos));
	opt_init(&p, sub->specs, sub->nspecs, argc, argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		switch (it.id) {
		case OPT_HELP:
			return 1;
		case OPT_OPERAND:
			o->pos[o->npos++] = (char *)it.value;
			break;
		case ROPT_REPORTDIR:
			o->report_dir = it.value;
			break;
		case ROPT_JSON:
			o->json = true;
			break;
		case ROPT_THRESHOLD:
			if ((rc = parse_threshold(&o->threshold, it.value)) < 0)
				return rc;
			break;
		case 'o':
			o->out = it.value;
			break;
		default:
			BUG("report: option %d has no case", it.id);
		}
	}
	for (i = 0; rc == 0 && i < p.nrest; i++)
		o->pos[o->npos++] = p.rest[i];
	return rc;
}

/* A subcommand's options: -1 to go on; EXIT_OK after --help (the usage
 * printed); EXIT_USAGE after a bad option (said on stderr). */
int
cmd_report_sub_opts(struct opts *o, const struct sub *sub, int argc, char **argv)
{
	int rc = parse_opts(o, sub, argc, argv);

	if (rc > 0) {
		fputs(cmd_report_usage, stdout);
		return EXIT_OK;
	}
	if (rc < 0)
		return cmd_usage_fail(sub->usage, "report");
	return -1;
}

void
cmd_report_loaded_release(struct loaded *l)
{
	free(l->path);
	report_run_release(&l->run);
	report_records_free(l->recs, l->n);
	memset(l, 0, sizeof(*l));
}

int
cmd_report_load(struct loaded *l, const char *report_dir, const char *run)
{
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = report_resolve(&l->path, report_dir, run)) < 0)
		return rc;
	if ((rc = report_read(&l->run, &l->recs, &l->n, l->path)) < 0) {
		free(l->path);
		l->path = NULL;
	}
	return rc;
}

/* ---- text helpers ---- */

const char *
cmd_report_fmt_us(char *b, size_t n, uint64_t us)
{
	if (us < 1000)
		snprintf(b, n, "%lluus", (unsigned long long)us);
	else if (us < 1000000)
		snprintf(b, n, "%.1fms", (double)us / 1e3);
	else if (us < 60000000)
		snprintf(b, n, "%.2fs", (double)us / 1e6);
	else
		snprintf(b, n, "%llum%02llus", (unsigned long long)(us / 60000000),
		    (unsigned long long)(us / 1000000 % 60));
	return b;
}

int
cmd_report_name_width(const struct record *recs, size_t n)
{
	size_t i, w = 6;

	for (i = 0; i < n; i++)
		if (strlen(recs[i].name) > w)
			w = strlen(recs[i].name);
	return (int)(w < NAME_WIDTH_MAX ? w : NAME_WIDTH_MAX);
}

/* ---- the command ---- */

int
cmd_report(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {
		{ "show", cmd_report_show },
		{ "diff", cmd_report_diff },
		{ "merge", cmd_report_merge },
	};
	size_t i;

	if (argc < 2) {
		cmd_usage_error(SUBS_USAGE, "report", "'report' needs a subcommand: show, diff or "
		    "merge");
		return EXIT_USAGE;
	}
	for (i = 0; i < ARRAY_SIZE(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(argc - 1, argv + 1);
	cmd_usage_error(SUBS_USAGE, "report", "'%s' is not a 'report' subcommand (show, diff or "
	    "merge)", argv[1]);
	return EXIT_USAGE;
}
