/*
 * cmd_report_internal — internals shared by the files of `repocast report`,
 * not for use outside them:
 *
 *   cmd_report.c          the usage, the options, a report loaded, the dispatch
 *   cmd_report_show.c     show: one run summarised
 *   cmd_report_diff.c     diff: two runs' resource use per target
 *   cmd_report_merge.c    merge: a run's shards joined into one run directory
 *
 * A subcommand gets argv from its own name on, answers an exit status
 * (cmd.h: EXIT_OK, EXIT_USAGE, ...) and has said on stderr what failed.
 */
#ifndef REPOCAST_REPORT_CMD_REPORT_INTERNAL_H
#define REPOCAST_REPORT_CMD_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/opt.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

/* Each subcommand's usage line: the first line of a usage error. */
#define SHOW_USAGE "usage: repocast report show RUN [--report-dir DIR] [--json]\n"
#define DIFF_USAGE \
    "usage: repocast report diff A B [--threshold PCT] [--report-dir DIR] [--json]\n"
#define MERGE_USAGE "usage: repocast report merge RUN... -o DIR [--report-dir DIR]\n"

/* The options of the subcommands (opt.h): one table each. */
enum { ROPT_REPORTDIR = 256, ROPT_JSON, ROPT_THRESHOLD };

/* A subcommand: its options and its usage line. */
struct sub {
	const struct opt_spec *specs;
	size_t nspecs;
	const char *usage;
};

struct opts {
	const char *report_dir;   /* NULL: REPORT_DIR_DEFAULT */
	const char *out;          /* merge: -o DIR */
	bool json;
	double threshold;         /* diff: percent */
	char **pos;               /* the positional arguments (borrowed) */
	size_t npos;
};

/* A report read back. */
struct loaded {
	char *path;               /* its report.json */
	struct report_run run;
	struct record *recs;
	size_t n;
};

/*
 * A subcommand's options into *o (argv[0] is the subcommand; free o->pos
 * after, whatever the answer): -1 to go on; EXIT_OK after --help (the
 * usage printed); EXIT_USAGE after a bad option (said on stderr).
 */
int cmd_report_sub_opts(struct opts *o, const struct sub *sub, int argc, char **argv);

/*
 * The report RUN names (report_resolve) read into *l: 0, or the error of
 * resolving or reading it (l holds nothing then). Release with
 * cmd_report_loaded_release, which also takes an l that failed.
 */
int cmd_report_load(struct loaded *l, const char *report_dir, const char *run);
void cmd_report_loaded_release(struct loaded *l);

/* us microseconds as text ("850us", "1.2ms", "3.40s", "2m05s") into b; returns b. */
const char *cmd_report_fmt_us(char *b, size_t n, uint64_t us);
/* The width of the name column for the n records: the longest name, 6 to 40. */
int cmd_report_name_width(const struct record *recs, size_t n);

/* What a target used, as show ranks it and diff compares it. */
static inline uint64_t
m_cpu(const struct record *r)
{
	return r->utime_us + r->stime_us;
}

static inline uint64_t
m_mem(const struct record *r)
{
	return r->vm_hwm_kib;
}

static inline uint64_t
m_wall(const struct record *r)
{
	return r->wall_us;
}

/* The subcommands: report show, diff and merge (argv[0] is "show", ...). */
int cmd_report_show(int argc, char **argv);
int cmd_report_diff(int argc, char **argv);
int cmd_report_merge(int argc, char **argv);

#endif
