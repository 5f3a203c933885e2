/*
 * cmd_report — `repocast report show|diff|merge`: read the report.json of
 * past runs back (read.h) to summarise one, compare two runs' resource
 * use per target, or join the reports of a run's shards into one run
 * directory (docs/report-cli.md).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/report/merge.h"
#include "supervisor/report/read.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

/* Each subcommand's usage line: the first line of a usage error. */
#define SHOW_USAGE "usage: repocast report show RUN [--report-dir DIR] [--json]\n"
#define DIFF_USAGE \
    "usage: repocast report diff A B [--threshold PCT] [--report-dir DIR] [--json]\n"
#define MERGE_USAGE "usage: repocast report merge RUN... -o DIR [--report-dir DIR]\n"
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

/* Rows of each "top" list of show. */
#define TOP_N 5
/* The width of the name column in text output, at most. */
#define NAME_WIDTH_MAX 40

/* The options of the subcommands (opt.h): one table each. */
enum { ROPT_REPORTDIR = 256, ROPT_JSON, ROPT_THRESHOLD };

static const struct opt_spec show_opts[] = {
	{ ROPT_REPORTDIR, 0, "report-dir", true },
	{ ROPT_JSON, 0, "json", false },
};
static const struct opt_spec diff_opts[] = {
	{ ROPT_REPORTDIR, 0, "report-dir", true },
	{ ROPT_JSON, 0, "json", false },
	{ ROPT_THRESHOLD, 0, "threshold", true },
};
static const struct opt_spec merge_opts[] = {
	{ ROPT_REPORTDIR, 0, "report-dir", true },
	{ 'o', 'o', "output", true },
};

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
static int
sub_opts(struct opts *o, const struct sub *sub, int argc, char **argv)
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

static void
loaded_release(struct loaded *l)
{
	free(l->path);
	report_run_release(&l->run);
	report_records_free(l->recs, l->n);
	memset(l, 0, sizeof(*l));
}

static int
load(struct loaded *l, const char *report_dir, const char *run)
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

static const char *
fmt_us(char *b, size_t n, uint64_t us)
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

static const char *
fmt_time(char *b, size_t n, uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(b, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return b;
}

/* A shell word for an argument, quoted when it needs to be. */
static void
add_word(struct buf *b, const char *s)
{
	const char *p;

	if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_./=:,+@%") == strlen(s)) {
		buf_addstr(b, s);
		return;
	}
	buf_addch(b, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addch(b, *p);
	}
	buf_addch(b, '\'');
}

static int
name_width(const struct record *recs, size_t n)
{
	size_t i, w = 6;

	for (i = 0; i < n; i++)
		if (strlen(recs[i].name) > w)
			w = strlen(recs[i].name);
	return (int)(w < NAME_WIDTH_MAX ? w : NAME_WIDTH_MAX);
}

/* ---- show ---- */

/* A merged run: its shards, those missing, the cross-shard dependencies. */
static void
show_merge(struct buf *b, const struct report_merge *m)
{
	size_t i, j;

	for (i = 0; m != NULL && i < m->ndiffer; i++) {
		buf_addf(b, "differs   run.%s:", m->differ[i].field);
		for (j = 0; j < m->differ[i].runs.n; j++)
			buf_addf(b, "%s %s: %s", j ? ";" : "", m->differ[i].runs.v[j],
			    m->differ[i].values.v[j]);
		buf_addch(b, '\n');
	}
	if (m == NULL || m->shards == 0)
		return;
	buf_addf(b, "shards    %u merged", m->shards - (unsigned)m->nmissing);
	for (i = 0; i < m->nmissing; i++)
		buf_addf(b, "%s%u", i ? ", " : "; missing: shard ", m->missing[i]);
	buf_addf(b, " (of %u)\n", m->shards);
	for (i = 0; i < m->ncross; i++) {
		buf_addf(b, "depends   group '%s' ran %zu target%s while '%s' had %llu failed "
		    "in another shard:", m->cross[i].group, m->cross[i].ran.n,
		    m->cross[i].ran.n == 1 ? "" : "s", m->cross[i].dependency,
		    (unsigned long long)m->cross[i].dependency_failed);
		for (j = 0; j < m->cross[i].ran.n; j++)
			buf_addf(b, "%s %s", j ? "," : "", m->cross[i].ran.v[j]);
		buf_addch(b, '\n');
	}
}

/* Who the run was (never a secret), how it signed, how its commits went. */
static void
show_identity(struct buf *b, const struct report_run *r)
{
	const char *via = record_commit_name(r->commit_via);
	size_t i;

	if (r->auth_kind != NULL) {
		if (strcmp(r->auth_kind, "app") == 0)
			buf_addf(b, "identity  GitHub App %s", r->auth_app_id ? r->auth_app_id : "?");
		else
			buf_addstr(b, "identity  token");
		if (r->auth_source != NULL)
			buf_addf(b, " from %s", r->auth_source);
		for (i = 0; i < r->ninstallations; i++) {
			buf_addf(b, "%s%s ", i ? ", " : "; installations ", r->installations[i].owner);
			if (r->installations[i].id == 0)
				buf_addstr(b, "not installed");
			else
				buf_addf(b, "%llu", (unsigned long long)r->installations[i].id);
		}
		buf_addch(b, '\n');
	}
	if (r->signing.method != NULL) {
		buf_addf(b, "signing   %s", r->signing.method);
		if (r->signing.fingerprint != NULL)
			buf_addf(b, " %s", r->signing.fingerprint);
		if (r->signing.key != NULL)
			buf_addf(b, ", key %s", r->signing.key);
		if (r->signing.from != NULL)
			buf_addf(b, ", from %s", r->signing.from);
		buf_addch(b, '\n');
	}
	if (via != NULL)
		buf_addf(b, "commits   %s\n", via);
}

static void
show_header(struct buf *b, const struct loaded *l)
{
	const struct report_run *r = &l->run;
	char t[40], w[32];
	size_t i;

	buf_addf(b, "run       %s\n", r->id);
	buf_addf(b, "report    %s\n", l->path);
	buf_addf(b, "command   %s", r->command);
	for (i = 0; r->argv != NULL && r->argv[i] != NULL; i++) {
		buf_addstr(b, i == 0 ? ": " : " ");
		add_word(b, r->argv[i]);
	}
	buf_addch(b, '\n');
	if (r->config_digest != NULL)
		buf_addf(b, "config    %s\n", r->config_digest);
	buf_addf(b, "start     %s on %s\n", fmt_time(t, sizeof(t), r->start_us),
	    r->host != NULL ? r->host : "?");
	buf_addf(b, "wall      %s, exit %d%s\n", fmt_us(w, sizeof(w), r->end_us > r->start_us ?
	    r->end_us - r->start_us : 0), r->exit_code, r->interrupted ? ", interrupted" : "");
	if (r->shard_count > 0)
		buf_addf(b, "shard     %u/%u\n", r->shard_index, r->shard_count);
	show_identity(b, r);
	show_merge(b, r->merge);
}

static void
show_outcomes(struct buf *b, const struct loaded *l)
{
	size_t count[OUTCOME_UNCHANGED + 1] = { 0 };  /* the last outcome */
	size_t i;
	bool first = true;

	for (i = 0; i < l->n; i++)
		if ((size_t)l->recs[i].outcome < ARRAY_SIZE(count))
			count[l->recs[i].outcome]++;
	buf_addf(b, "targets   %zu", l->n);
	for (i = 0; i < ARRAY_SIZE(count); i++) {
		if (count[i] == 0)
			continue;
		buf_addf(b, "%s%zu %s", first ? ": " : ", ", count[i],
		    i == OUTCOME_NONE ? "unknown" : record_outcome_name((enum record_outcome)i));
		first = false;
	}
	buf_addch(b, '\n');
}

static void
show_failed(struct buf *b, const struct loaded *l, int width)
{
	char cause[RECORD_CAUSE_MAX];
	size_t i, nfailed = 0;

	for (i = 0; i < l->n; i++)
		nfailed += record_failed(&l->recs[i]);
	if (nfailed > 0)
		buf_addf(b, "\nfailed (%zu)\n", nfailed);
	for (i = 0; i < l->n; i++) {
		const struct record *r = &l->recs[i];

		if (!record_failed(r))
			continue;
		buf_addf(b, "  %-*s  %s (%s)%s%s\n", width, r->name, record_cause_name(cause, r),
		    r->command_failed ? "command" : "worker", r->error != NULL ? ": " : "",
		    r->error != NULL ? r->error : "");
	}
}

static uint64_t
m_cpu(const struct record *r)
{
	return r->utime_us + r->stime_us;
}

static uint64_t
m_mem(const struct record *r)
{
	return r->vm_hwm_kib;
}

static uint64_t
m_wall(const struct record *r)
{
	return r->wall_us;
}

/* What show ranks the targets by (qsort_r's argument). */
struct rank {
	uint64_t (*metric)(const struct record *r);
};

static int
cmp_rank(const void *a, const void *b, void *arg)
{
	const struct rank *rank = arg;
	const struct record *x = *(const struct record *const *)a;
	const struct record *y = *(const struct record *const *)b;
	uint64_t mx = rank->metric(x), my = rank->metric(y);

	if (mx != my)
		return mx < my ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The TOP_N targets whose worker ran, by metric, largest first. */
static void
show_top(struct buf *b, const struct loaded *l, int width, const char *title,
    uint64_t (*metric)(const struct record *r), bool kib)
{
	const struct record **v = xcalloc(l->n ? l->n : 1, sizeof(*v));
	struct rank rank = { metric };
	size_t i, m = 0;
	char s[32];

	for (i = 0; i < l->n; i++)
		if (l->recs[i].pid != 0)
			v[m++] = &l->recs[i];
	qsort_r(v, m, sizeof(*v), cmp_rank, &rank);
	if (m > 0)
		buf_addf(b, "\n%s\n", title);
	for (i = 0; i < m && i < TOP_N; i++)
		buf_addf(b, "  %-*s  %s\n", width, v[i]->name, kib ?
		    report_fmt_kib(s, sizeof(s), metric(v[i])) : fmt_us(s, sizeof(s), metric(v[i])));
	free(v);
}

static void
show_text(struct buf *b, const struct loaded *l)
{
	int width = name_width(l->recs, l->n);

	show_header(b, l);
	show_outcomes(b, l);
	show_failed(b, l, width);
	show_top(b, l, width, "top CPU (user+system)", m_cpu, false);
	show_top(b, l, width, "top peak memory (worker VmHWM)", m_mem, true);
	show_top(b, l, width, "slowest (wall)", m_wall, false);
}

static int
do_show(int argc, char **argv)
{
	static const struct sub sub = { show_opts, ARRAY_SIZE(show_opts), SHOW_USAGE };
	struct opts o;
	struct loaded l;
	struct buf b = BUF_INIT;
	int rc, status;

	memset(&l, 0, sizeof(l));
	if ((status = sub_opts(&o, &sub, argc, argv)) >= 0)
		goto out;
	status = EXIT_OK;
	if (o.npos != 1) {
		cmd_usage_error(SHOW_USAGE, "report", "'report show' takes one RUN");
		status = EXIT_USAGE;
		goto out;
	}
	if ((rc = load(&l, o.report_dir, o.pos[0])) < 0) {
		status = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	/* The document itself, read and checked: fields this build does not
	 * know are kept. */
	if (o.json)
		rc = buf_read_file(&b, l.path);
	else
		show_text(&b, &l);
	if (rc < 0) {
		status = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	fwrite(b.ptr, 1, b.len, stdout);
out:
	buf_release(&b);
	loaded_release(&l);
	free(o.pos);
	return status;
}

/* ---- diff ---- */

/*
 * The metrics diff compares, with the smallest rise that counts: a
 * worker's start, a checkout and the scheduler of a busy machine move a
 * small target's times by tens of ms run to run, which would be a
 * "regression" of 100 %. Peak memory barely moves.
 */
enum { M_WALL, M_CPU, M_MEM, M_N };

static const struct {
	const char *name;         /* in the text */
	const char *json;         /* the key in --json */
	uint64_t floor;
	bool kib;
	uint64_t (*get)(const struct record *r);
} metrics[M_N] = {
	[M_WALL] = { "wall", "wall_us", 50000, false, m_wall },
	[M_CPU] = { "cpu", "cpu_us", 50000, false, m_cpu },
	[M_MEM] = { "mem", "vm_hwm_kib", 1024, true, m_mem },
};

struct diff_row {
	const struct record *a, *b;
	unsigned regressed;       /* bit per metric */
	bool compared;            /* both workers ran */
};

struct diff {
	struct diff_row *rows;
	size_t nrows;
	const struct record **only_a, **only_b;
	size_t nonly_a, nonly_b;
	size_t nregressions;      /* rows with a regressed metric */
};

static int
cmp_rec_ptr_name(const void *a, const void *b)
{
	return strcmp((*(const struct record *const *)a)->name,
	    (*(const struct record *const *)b)->name);
}

static int
cmp_key_rec(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct record *const *)elem)->name);
}

/* Percent change from a to b; false when a is 0 (no percentage). */
static bool
change_pct(double *pct, uint64_t a, uint64_t b)
{
	if (a == 0) {
		*pct = 0;
		return b == 0;
	}
	*pct = ((double)b - (double)a) * 100.0 / (double)a;
	return true;
}

static unsigned
regressions(const struct record *a, const struct record *b, double threshold)
{
	unsigned bits = 0;
	size_t m;
	double pct;

	for (m = 0; m < M_N; m++) {
		uint64_t x = metrics[m].get(a), y = metrics[m].get(b);

		if (y <= x || y - x < metrics[m].floor)
			continue;
		if (!change_pct(&pct, x, y) || pct > threshold)
			bits |= 1u << m;
	}
	return bits;
}

static void
diff_build(struct diff *d, const struct loaded *a, const struct loaded *b, double threshold)
{
	const struct record **sb = xcalloc(b->n ? b->n : 1, sizeof(*sb));
	const struct record **sa = xcalloc(a->n ? a->n : 1, sizeof(*sa));
	const struct record **hit;
	size_t i;

	memset(d, 0, sizeof(*d));
	d->rows = xcalloc(a->n ? a->n : 1, sizeof(*d->rows));
	d->only_a = xcalloc(a->n ? a->n : 1, sizeof(*d->only_a));
	d->only_b = xcalloc(b->n ? b->n : 1, sizeof(*d->only_b));
	for (i = 0; i < b->n; i++)
		sb[i] = &b->recs[i];
	qsort(sb, b->n, sizeof(*sb), cmp_rec_ptr_name);
	for (i = 0; i < a->n; i++)
		sa[i] = &a->recs[i];
	qsort(sa, a->n, sizeof(*sa), cmp_rec_ptr_name);
	/* In A's order; names are unique in a run (they name the log files). */
	for (i = 0; i < a->n; i++) {
		const struct record *ra = &a->recs[i];
		struct diff_row *row;

		hit = bsearch(ra->name, sb, b->n, sizeof(*sb), cmp_key_rec);
		if (hit == NULL) {
			d->only_a[d->nonly_a++] = ra;
			continue;
		}
		row = &d->rows[d->nrows++];
		row->a = ra;
		row->b = *hit;
		/* A target that did not run has no resource use to compare. */
		row->compared = ra->pid != 0 && row->b->pid != 0;
		row->regressed = row->compared ? regressions(ra, row->b, threshold) : 0;
		d->nregressions += row->regressed != 0;
	}
	for (i = 0; i < b->n; i++)
		if (bsearch(b->recs[i].name, sa, a->n, sizeof(*sa), cmp_key_rec) == NULL)
			d->only_b[d->nonly_b++] = &b->recs[i];
	free(sa);
	free(sb);
}

static void
diff_release(struct diff *d)
{
	free(d->rows);
	free(d->only_a);
	free(d->only_b);
	memset(d, 0, sizeof(*d));
}

static void
diff_metric_text(struct buf *b, const struct diff_row *row, size_t m)
{
	uint64_t x = metrics[m].get(row->a), y = metrics[m].get(row->b);
	char sx[32], sy[32];
	double pct;

	if (metrics[m].kib) {
		report_fmt_kib(sx, sizeof(sx), x);
		report_fmt_kib(sy, sizeof(sy), y);
	} else {
		fmt_us(sx, sizeof(sx), x);
		fmt_us(sy, sizeof(sy), y);
	}
	buf_addf(b, "  %s %s -> %s", metrics[m].name, sx, sy);
	if (change_pct(&pct, x, y))
		buf_addf(b, " (%+.0f%%)", pct);
	else
		buf_addstr(b, " (new)");
	if (row->regressed & (1u << m))
		buf_addch(b, '!');
}

static void
diff_list_text(struct buf *b, const char *title, const struct record **v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	buf_addf(b, "%s:", title);
	for (i = 0; i < n; i++)
		buf_addf(b, " %s", v[i]->name);
	buf_addch(b, '\n');
}

static void
diff_text(struct buf *b, const struct diff *d, const struct loaded *a, const struct loaded *bb,
    double threshold)
{
	int width = name_width(a->recs, a->n);
	size_t i, m;

	buf_addf(b, "diff %s -> %s (a regression: more than %g%% and at least 50ms, or 1 MiB)\n",
	    a->run.id, bb->run.id, threshold);
	for (i = 0; i < d->nrows; i++) {
		const struct diff_row *row = &d->rows[i];

		buf_addf(b, "  %-*s", width, row->a->name);
		if (!row->compared) {
			buf_addf(b, "  not compared: no worker ran in %s",
			    row->a->pid == 0 ? "A" : "B");
		}
		for (m = 0; row->compared && m < M_N; m++)
			diff_metric_text(b, row, m);
		if (row->a->outcome != row->b->outcome || row->a->cause != row->b->cause ||
		    row->a->cause_value != row->b->cause_value) {
			char ca[RECORD_CAUSE_MAX], cb[RECORD_CAUSE_MAX];
			const char *na = record_cause_name(ca, row->a), *nb = record_cause_name(cb,
			    row->b);

			buf_addf(b, "  outcome %s -> %s", na != NULL ? na : "ok", nb != NULL ? nb : "ok");
		}
		if (row->regressed)
			buf_addstr(b, "  REGRESSION");
		buf_addch(b, '\n');
	}
	diff_list_text(b, "only in A", d->only_a, d->nonly_a);
	diff_list_text(b, "only in B", d->only_b, d->nonly_b);
	buf_addf(b, "%zu regression%s\n", d->nregressions, d->nregressions == 1 ? "" : "s");
}

static json_t *
metric_json(const struct diff_row *row, size_t m)
{
	uint64_t x = metrics[m].get(row->a), y = metrics[m].get(row->b);
	double pct;
	bool has = change_pct(&pct, x, y);

	/* One decimal is what the figure is worth. */
	return json_pack("{s:I,s:I,s:o,s:b}", "a", (json_int_t)x, "b", (json_int_t)y,
	    "change_pct", has ? json_real((double)(long long)(pct * 10 + (pct < 0 ? -0.5 : 0.5)) /
	    10) : json_null(), "regression", (row->regressed & (1u << m)) != 0);
}

static json_t *
names_json(const struct record **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, report_json_string(v[i]->name));
	return a;
}

static json_t *
row_json(const struct diff_row *row)
{
	char ca[RECORD_CAUSE_MAX], cb[RECORD_CAUSE_MAX];
	json_t *t;
	size_t m;

	t = json_pack("{s:o,s:b,s:b,s:o,s:o,s:o,s:o}", "name", report_json_string(row->a->name),
	    "compared", row->compared, "regression", row->regressed != 0,
	    "outcome_a", report_json_string(record_outcome_name(row->a->outcome)),
	    "outcome_b", report_json_string(record_outcome_name(row->b->outcome)),
	    "cause_a", report_json_string(record_cause_name(ca, row->a)),
	    "cause_b", report_json_string(record_cause_name(cb, row->b)));
	for (m = 0; m < M_N; m++)
		json_object_set_new(t, metrics[m].json, row->compared ? metric_json(row, m) :
		    json_null());
	return t;
}

static char *
diff_json(const struct diff *d, const struct loaded *a, const struct loaded *b,
    double threshold)
{
	json_t *doc, *rows = json_array(), *floors = json_object();
	char *text;
	size_t i;

	for (i = 0; i < d->nrows; i++)
		json_array_append_new(rows, row_json(&d->rows[i]));
	for (i = 0; i < M_N; i++)
		json_object_set_new(floors, metrics[i].json, json_integer((json_int_t)metrics[i].floor));
	doc = json_pack("{s:o,s:o,s:f,s:o,s:o,s:o,s:o,s:I}", "a", report_json_string(a->run.id),
	    "b", report_json_string(b->run.id), "threshold_pct", threshold, "min_change", floors,
	    "targets", rows,
	    "only_in_a", names_json(d->only_a, d->nonly_a),
	    "only_in_b", names_json(d->only_b, d->nonly_b),
	    "regressions", (json_int_t)d->nregressions);
	if (doc == NULL)
		BUG("diff_json: json_pack failed");
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	if (text == NULL)
		BUG("diff_json: json_dumps failed");
	json_decref(doc);
	return text;
}

static int
do_diff(int argc, char **argv)
{
	static const struct sub sub = { diff_opts, ARRAY_SIZE(diff_opts), DIFF_USAGE };
	struct opts o;
	struct loaded a, b;
	struct diff d;
	struct buf out = BUF_INIT;
	int rc, status;
	char *text;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	if ((status = sub_opts(&o, &sub, argc, argv)) >= 0)
		goto out;
	status = EXIT_OK;
	if (o.npos != 2) {
		cmd_usage_error(DIFF_USAGE, "report", "'report diff' takes two runs, A and B");
		status = EXIT_USAGE;
		goto out;
	}
	if ((rc = load(&a, o.report_dir, o.pos[0])) < 0 ||
	    (rc = load(&b, o.report_dir, o.pos[1])) < 0) {
		status = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	diff_build(&d, &a, &b, o.threshold);
	if (o.json) {
		text = diff_json(&d, &a, &b, o.threshold);
		buf_addstr(&out, text);
		buf_addch(&out, '\n');
		free(text);
	} else {
		diff_text(&out, &d, &a, &b, o.threshold);
	}
	fwrite(out.ptr, 1, out.len, stdout);
	status = d.nregressions > 0 ? EXIT_TARGETS : EXIT_OK;
out:
	buf_release(&out);
	diff_release(&d);
	loaded_release(&a);
	loaded_release(&b);
	free(o.pos);
	return status;
}

/* ---- merge ---- */

static bool
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
argv_eq(char **a, char **b)
{
	size_t i;

	for (i = 0; a != NULL && b != NULL && a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

/* Shards of one run: the same command over the same config. */
static int
check_same_run(const struct loaded *a, const struct loaded *b)
{
	if (!str_eq(a->run.command, b->run.command))
		return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': one is a '%s', the other "
		    "a '%s'", a->path, b->path, a->run.command, b->run.command);
	if (!str_eq(a->run.config_digest, b->run.config_digest))
		return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': different configs "
		    "(digest %s and %s)", a->path, b->path,
		    a->run.config_digest ? a->run.config_digest : "none",
		    b->run.config_digest ? b->run.config_digest : "none");
	/* A run's command line is its config. */
	if (!argv_eq(a->run.argv, b->run.argv))
		return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': they ran different "
		    "commands", a->path, b->path);
	return 0;
}

/* A target of the merge: its record and the report it came from. */
struct merge_ent {
	struct record *rec;
	const struct loaded *from;
};

static int
cmp_ent(const void *a, const void *b)
{
	const struct merge_ent *x = a, *y = b;
	int c = strcmp(x->rec->name, y->rec->name);

	/* A name in two reports: the first named first, in the message too. */
	if (c == 0 && x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return c;
}

/* Every target of the shards, by name; ERR_CONFLICT for one in two of them. */
static int
merge_targets(struct merge_ent **out, size_t *n, struct loaded *in, size_t nin)
{
	struct merge_ent *v;
	size_t i, j, m = 0, total = 0;

	for (i = 0; i < nin; i++)
		total += in[i].n;
	v = xcalloc(total ? total : 1, sizeof(*v));
	for (i = 0; i < nin; i++)
		for (j = 0; j < in[i].n; j++) {
			v[m].rec = &in[i].recs[j];
			v[m++].from = &in[i];
		}
	qsort(v, m, sizeof(*v), cmp_ent);
	for (i = 1; i < m; i++)
		if (strcmp(v[i - 1].rec->name, v[i].rec->name) == 0) {
			err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': both have target '%s'",
			    v[i - 1].from->path, v[i].from->path, v[i].rec->name);
			free(v);
			return ERR_CONFLICT;
		}
	*out = v;
	*n = m;
	return 0;
}

/* The distinct values of a string field of the shards' runs, joined by ", ". */
static char *
join_distinct(const struct loaded *in, size_t nin, size_t off)
{
	struct buf b = BUF_INIT;
	size_t i, j;

	for (i = 0; i < nin; i++) {
		const char *s = *(char *const *)(const void *)((const char *)&in[i].run + off);
		bool seen = false;

		if (s == NULL)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = str_eq(s, *(char *const *)(const void *)((const char *)&in[j].run +
			    off));
		if (!seen)
			buf_addf(&b, "%s%s", b.len ? ", " : "", s);
	}
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
usage_add(struct rusage_sample *sum, const struct rusage_sample *s)
{
	sum->utime_us += s->utime_us;
	sum->stime_us += s->stime_us;
	if (s->maxrss_kib > sum->maxrss_kib)
		sum->maxrss_kib = s->maxrss_kib;
	sum->minflt += s->minflt;
	sum->majflt += s->majflt;
	sum->nvcsw += s->nvcsw;
	sum->nivcsw += s->nivcsw;
	sum->inblock += s->inblock;
	sum->oublock += s->oublock;
}

static char **
argv_dup(char **argv)
{
	char **v;
	size_t i, n = 0;

	if (argv == NULL)
		return NULL;
	while (argv[n] != NULL)
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = xstrdup(argv[i]);
	return v;
}

/* The basename of a directory path ("a/b/" -> "b"): the run's id. */
static char *
dir_id(const char *dir)
{
	size_t len = strlen(dir);
	const char *p;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	for (p = dir + len; p > dir && p[-1] != '/'; p--)
		;
	return xstrndup(p, len - (size_t)(p - dir));
}

/* The merged run record: the shards' span of time, their sums and worst;
 * their identity, signing and commit path when they agree, else a
 * disagreement in m (merge.h). */
static void
merge_run(struct report_run *r, const struct loaded *in, size_t nin, const char *dir,
    struct report_merge *m)
{
	const struct report_run **runs = xcalloc(nin, sizeof(*runs));
	size_t i;

	memset(r, 0, sizeof(*r));
	r->id = dir_id(dir);
	r->command = xstrdup(in[0].run.command);
	r->argv = argv_dup(in[0].run.argv);
	r->config_digest = xstrdup_or_null(in[0].run.config_digest);
	for (i = 0; i < nin; i++)
		runs[i] = &in[i].run;
	report_merge_identity(m, r, runs, nin);
	free(runs);
	r->host = join_distinct(in, nin, offsetof(struct report_run, host));
	r->kernel = join_distinct(in, nin, offsetof(struct report_run, kernel));
	r->v_repocast = join_distinct(in, nin, offsetof(struct report_run, v_repocast));
	r->v_libgit2 = join_distinct(in, nin, offsetof(struct report_run, v_libgit2));
	r->v_libcurl = join_distinct(in, nin, offsetof(struct report_run, v_libcurl));
	r->v_msgpack = join_distinct(in, nin, offsetof(struct report_run, v_msgpack));
	r->v_jansson = join_distinct(in, nin, offsetof(struct report_run, v_jansson));
	r->v_libyaml = join_distinct(in, nin, offsetof(struct report_run, v_libyaml));
	r->start_us = in[0].run.start_us;
	for (i = 0; i < in[0].run.ngroups; i++)
		report_run_add_group(r, in[0].run.groups[i].id, &in[0].run.groups[i].depends_on);
	for (i = 0; i < nin; i++) {
		const struct report_run *s = &in[i].run;

		if (s->start_us < r->start_us)
			r->start_us = s->start_us;
		if (s->end_us > r->end_us)
			r->end_us = s->end_us;
		/* The shards ran side by side: their workers add up. */
		r->jobs += s->jobs;
		if (s->timeout_ms > r->timeout_ms)
			r->timeout_ms = s->timeout_ms;
		if (s->retries > r->retries)
			r->retries = s->retries;
		r->interrupted |= s->interrupted;
		/* The worst: 130 over 3 over 1 over 0. */
		if (i == 0 || s->exit_code > r->exit_code)
			r->exit_code = s->exit_code;
		r->orphans_reaped += s->orphans_reaped;
		usage_add(&r->self, &s->self);
		usage_add(&r->children, &s->children);
		r->api_requests += s->api_requests;
		r->api_not_modified += s->api_not_modified;
		r->api_rate_limited += s->api_rate_limited;
		r->api_waited_ms += s->api_waited_ms;
	}
}

/* The report's run directory: where its targets/ are. */
static char *
report_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

/*
 * Copy the target's log from its shard's run directory into dir/targets/
 * and point the record at it; a target without a log keeps none.
 */
static int
merge_log(struct record *rec, const struct loaded *from, const char *dir)
{
	char *base = record_file_name(rec->name), *src_dir = report_dir_of(from->path);
	char *src = xasprintf("%s/targets/%s.log", src_dir, base);
	char *dst = xasprintf("%s/targets/%s.log", dir, base);
	struct buf b = BUF_INIT;
	int rc = buf_read_file(&b, src);

	free(rec->log_path);
	rec->log_path = NULL;
	if (rc == ERR_NOTFOUND) {
		rc = 0;
	} else if (rc == 0 && (rc = buf_write_file_atomic(&b, dst)) == 0) {
		rec->log_path = dst;
		dst = NULL;
	}
	buf_release(&b);
	free(dst);
	free(src);
	free(src_dir);
	free(base);
	return rc;
}

/* DIR is a new run directory: refused when it holds a report already. */
static int
merge_dir(const char *dir)
{
	char *p = xasprintf("%s/report.json", dir);
	struct stat st;
	int rc = 0;

	if (stat(p, &st) == 0)
		rc = err_set(ERR_EXISTS, "'%s' holds a report already; merge into a new directory",
		    dir);
	free(p);
	if (rc < 0)
		return rc;
	p = xasprintf("%s/targets", dir);
	rc = util_mkdirs(p, 0755);
	free(p);
	return rc;
}

/* Write the merged run into dir: logs, then every format. CMD_ENV errors. */
/* The merge's findings m (consumed) go into the run record, and the
 * cross-shard dependencies are found in the merged records. */
static int
merge_write(const struct loaded *in, size_t nin, struct merge_ent *ents, size_t n,
    const char *dir, struct report_merge *m)
{
	struct report_run run;
	struct report_in rin;
	struct record *recs = xcalloc(n ? n : 1, sizeof(*recs));
	size_t i;
	int rc = 0;

	merge_run(&run, in, nin, dir, m);
	for (i = 0; i < n; i++) {
		record_move(&recs[i], ents[i].rec);
		if (rc == 0)
			rc = merge_log(&recs[i], ents[i].from, dir);
	}
	report_merge_deps(m, &in[0].run, recs, n);
	report_merge_warn(stderr, m);
	run.merge = m;
	if (rc == 0) {
		rin.run = &run;
		rin.recs = recs;
		rin.n = n;
		rin.dir = dir;
		rc = report_write(&rin, REPORT_ALL);
	}
	report_records_free(recs, n);
	report_run_release(&run);
	return rc;
}

/* The shards' partition (merge.h): ERR_CONFLICT when they are not one. */
static int
merge_shards(struct report_merge **m, const struct loaded *in, size_t nin)
{
	const struct report_run **runs = xcalloc(nin, sizeof(*runs));
	const char **paths = xcalloc(nin, sizeof(*paths));
	size_t i;
	int rc;

	for (i = 0; i < nin; i++) {
		runs[i] = &in[i].run;
		paths[i] = in[i].path;
	}
	rc = report_merge_shards(m, runs, paths, nin);
	free(runs);
	free(paths);
	return rc;
}

static int
merge_usage(struct opts *o, int argc, char **argv)
{
	static const struct sub sub = { merge_opts, ARRAY_SIZE(merge_opts), MERGE_USAGE };
	int status = sub_opts(o, &sub, argc, argv);

	if (status >= 0)
		return status;
	if (o->npos == 0) {
		cmd_usage_error(MERGE_USAGE, "report", "'report merge' takes the runs to merge");
		return EXIT_USAGE;
	}
	if (o->out == NULL) {
		cmd_usage_error(MERGE_USAGE, "report",
		    "'report merge' needs -o DIR, the run directory to write");
		return EXIT_USAGE;
	}
	return -1;
}

static int
do_merge(int argc, char **argv)
{
	struct opts o;
	struct loaded *in = NULL;
	struct merge_ent *ents = NULL;
	struct report_merge *m = NULL;
	size_t i, nin = 0, n = 0, nfailed = 0;
	int rc, status;

	if ((status = merge_usage(&o, argc, argv)) >= 0)
		goto out;
	in = xcalloc(o.npos, sizeof(*in));
	for (nin = 0; nin < o.npos; nin++)
		if ((rc = load(&in[nin], o.report_dir, o.pos[nin])) < 0) {
			status = cmd_fail(CMD_INPUT, rc);
			goto out;
		}
	for (i = 1; i < nin; i++)
		if ((rc = check_same_run(&in[0], &in[i])) < 0) {
			status = cmd_fail(CMD_INPUT, rc);
			goto out;
		}
	if ((rc = merge_shards(&m, in, nin)) < 0) {
		status = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	if ((rc = merge_targets(&ents, &n, in, nin)) < 0 || (rc = merge_dir(o.out)) < 0) {
		/* An existing report in DIR is the user's naming; mkdir failing is not. */
		status = cmd_fail(rc == ERR_CONFLICT || rc == ERR_EXISTS ? CMD_INPUT : CMD_ENV, rc);
		goto out;
	}
	for (i = 0; i < n; i++)
		nfailed += record_failed(ents[i].rec);
	rc = merge_write(in, nin, ents, n, o.out, m);
	m = NULL;
	if (rc < 0) {
		status = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	fprintf(stderr, "repocast: merged %zu report%s, %zu target%s (%zu failed), into "
	    "%s/report.json\n", nin, nin == 1 ? "" : "s", n, n == 1 ? "" : "s", nfailed, o.out);
	status = EXIT_OK;
out:
	for (i = 0; in != NULL && i < nin; i++)
		loaded_release(&in[i]);
	free(in);
	free(ents);
	report_merge_free(m);
	free(o.pos);
	return status;
}

/* ---- the command ---- */

int
cmd_report(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} subs[] = {
		{ "show", do_show },
		{ "diff", do_diff },
		{ "merge", do_merge },
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
