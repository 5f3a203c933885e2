/*
 * markdown — report.md: the run for a human in a hurry, written to fit
 * GitHub's job summary ($GITHUB_STEP_SUMMARY): a summary table, the
 * failures, the pull requests, the top targets by CPU
 * (docs/report-formats.md).
 *
 * Invariants: the document is at most MD_MAX bytes, GitHub's limit for a
 * step summary; a longer one is cut at a line boundary and ends with a
 * note saying how many targets lost rows, and which rows. Every text from a
 * target is made valid UTF-8 as report.json makes it (the same name in
 * every format), kept on one line, and escaped so that it can neither end
 * its table cell nor turn into markup or a link. Peak memory is the
 * worker's VmHWM, never rusage's maxrss (report-schema.md says why).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/utf8.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

#define MD_MAX (1u << 20)      /* GitHub's step summary limit, bytes */
#define MD_NOTE_MAX 512        /* room kept for the truncation note */
#define MD_TOP 20              /* rows of the table by CPU */
#define MD_NAME_MAX 200        /* bytes of a name in a cell */
#define MD_ERROR_MAX 500       /* bytes of an error in a cell */

/* The tables whose rows name targets, in the order they are written. */
enum md_table { TABLE_FAILURES, TABLE_PRS, TABLE_TOP, NTABLES };

static const char *const table_rows[NTABLES] = {
	[TABLE_FAILURES] = "failures",
	[TABLE_PRS] = "pull requests",
	[TABLE_TOP] = "rows by CPU",
};

/* A row of a table, and the target it names. */
struct md_row {
	size_t end;               /* offset just past its newline */
	size_t target;
	enum md_table table;
};

/* The document being written. */
struct md {
	struct buf *out;
	size_t start;             /* where the document starts in out */
	struct md_row *rows;
	size_t nrows, cap;
};

/* The row just written in table t names target i. */
static void
row_done(struct md *md, enum md_table t, size_t i)
{
	ALLOC_GROW(md->rows, md->nrows + 1, md->cap);
	md->rows[md->nrows].end = md->out->len;
	md->rows[md->nrows].target = i;
	md->rows[md->nrows++].table = t;
}

/* ---- text ---- */

/* Bytes a cell cannot hold as they are. */
static bool
md_special(unsigned char c)
{
	switch (c) {
	case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
	case '~': case '&': case '|':
		return true;
	}
	return c < 0x20 || c == 0x7f;
}

/*
 * Append s to a table cell: valid UTF-8, on one line, markup characters
 * backslash-escaped (a '|' would end the cell), at most max bytes of it
 * (cut at a character boundary, with an ellipsis).
 */
static void
add_cell(struct buf *out, const char *s, size_t max)
{
	struct buf clean = BUF_INIT;
	const unsigned char *p, *t;
	size_t n;

	if (s != NULL)
		utf8_sanitize(&clean, s, strlen(s));
	t = (const unsigned char *)clean.ptr;
	n = clean.len;
	if (n > max) {
		n = max;
		while (n > 0 && (t[n] & 0xc0) == 0x80)
			n--;
	}
	for (p = t; p < t + n; p++) {
		const unsigned char *run = p;

		/* Ordinary bytes go in a run at a time. */
		while (p < t + n && !md_special(*p))
			p++;
		buf_add(out, run, (size_t)(p - run));
		if (p == t + n)
			break;
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			buf_addch(out, ' ');
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_addch(out, '?');
		} else {
			buf_addch(out, '\\');
			buf_addch(out, *p);
		}
	}
	if (n < clean.len)
		buf_addstr(out, "\xe2\x80\xa6");
	buf_release(&clean);
}

static void
add_duration(struct buf *out, uint64_t us)
{
	uint64_t s = us / 1000000;

	if (us == 0)
		buf_addstr(out, "0 s");
	else if (us < 1000000)
		buf_addf(out, "%.1f ms", (double)us / 1000);
	else if (s < 60)
		buf_addf(out, "%.2f s", (double)us / 1000000);
	else if (s < 3600)
		buf_addf(out, "%" PRIu64 "m %02" PRIu64 "s", s / 60, s % 60);
	else
		buf_addf(out, "%" PRIu64 "h %02" PRIu64 "m", s / 3600, s / 60 % 60);
}

static void
add_bytes(struct buf *out, uint64_t b)
{
	if (b < 1024)
		buf_addf(out, "%" PRIu64 " B", b);
	else if (b < 1024 * 1024)
		buf_addf(out, "%.1f KiB", (double)b / 1024);
	else if (b < 1024ull * 1024 * 1024)
		buf_addf(out, "%.1f MiB", (double)b / (1024 * 1024));
	else
		buf_addf(out, "%.2f GiB", (double)b / (1024.0 * 1024 * 1024));
}

static uint64_t
cpu_us(const struct record *r)
{
	return r->utime_us + r->stime_us;
}

static const char *
outcome_name(const struct record *r)
{
	const char *o = record_outcome_name(r->outcome);

	return o != NULL ? o : "unknown";
}

/* ---- the summary ---- */

static size_t
count_failed(const struct report_in *in)
{
	size_t i, n = 0;

	for (i = 0; i < in->n; i++)
		n += record_failed(&in->recs[i]);
	return n;
}

/* Does a merged run's report disagree on field (run.merge.disagreements)? */
static bool
differs(const struct report_run *run, const char *field)
{
	size_t i;

	for (i = 0; run->merge != NULL && i < run->merge->ndiffer; i++)
		if (strcmp(run->merge->differ[i].field, field) == 0)
			return true;
	return false;
}

/* Who the run was on the API (run.auth: an App's id, never a token) and
 * how its commits went (run.commit_via). */
static void
add_identity(struct md *md, const struct report_run *run)
{
	size_t i;

	if (differs(run, "signing"))
		buf_addstr(md->out, " Signing differs between the merged reports (Shards below).");
	if (differs(run, "auth")) {
		buf_addstr(md->out, " The identity differs between the merged reports (Shards "
		    "below).");
	} else if (run->auth_kind != NULL) {
		if (strcmp(run->auth_kind, "app") == 0) {
			buf_addstr(md->out, " As GitHub App ");
			add_cell(md->out, run->auth_app_id != NULL ? run->auth_app_id : "?",
			    MD_NAME_MAX);
		} else {
			buf_addstr(md->out, " As a token");
		}
		if (run->auth_source != NULL) {
			buf_addstr(md->out, " from ");
			add_cell(md->out, run->auth_source, MD_NAME_MAX);
		}
		for (i = 0; i < run->ninstallations; i++) {
			buf_addstr(md->out, i ? ", " : " (installations: ");
			add_cell(md->out, run->installations[i].owner, MD_NAME_MAX);
			if (run->installations[i].id == 0)
				buf_addstr(md->out, " not installed");
			else
				buf_addf(md->out, " %" PRIu64, run->installations[i].id);
		}
		buf_addstr(md->out, run->ninstallations > 0 ? ")." : ".");
	}
	if (differs(run, "commit_via"))
		buf_addstr(md->out, " The commit path differs between the merged reports (Shards "
		    "below).");
	else if (run->commit_via == COMMIT_PUSH)
		buf_addstr(md->out, " Commits by push (each worker's git push).");
	else if (run->commit_via == COMMIT_API)
		buf_addstr(md->out, " Commits by api (the Git Data API, by the supervisor).");
}

static void
add_title(struct md *md, const struct report_in *in)
{
	const struct report_run *run = in->run;
	size_t failed = count_failed(in);

	buf_addf(md->out, "# repocast %s: ", run->command);
	if (in->n == 0)
		buf_addstr(md->out, "no targets\n\n");
	else if (failed == 0)
		buf_addf(md->out, "all %zu target%s ok\n\n", in->n, in->n == 1 ? "" : "s");
	else
		buf_addf(md->out, "%zu of %zu target%s failed\n\n", failed, in->n,
		    in->n == 1 ? "" : "s");
	buf_addstr(md->out, "Run ");
	add_cell(md->out, run->id, MD_NAME_MAX);
	buf_addstr(md->out, " on ");
	add_cell(md->out, run->host, MD_NAME_MAX);
	buf_addf(md->out, ", exit status %d.", run->exit_code);
	/* Which key signed (docs/signing.md): its fingerprint or id, never the key. */
	if (run->signing.method != NULL) {
		buf_addstr(md->out, " Commits signed with ");
		add_cell(md->out, run->signing.method, MD_NAME_MAX);
		buf_addstr(md->out, " (");
		add_cell(md->out, run->signing.fingerprint != NULL ? run->signing.fingerprint :
		    run->signing.key != NULL ? run->signing.key : "", MD_NAME_MAX);
		buf_addstr(md->out, ").");
	}
	add_identity(md, run);
	buf_addstr(md->out, "\n\n");
	if (run->interrupted)
		buf_addstr(md->out, "> **Interrupted:** the run was stopped before every target "
		    "finished; the targets it did not start are `cancelled`.\n\n");
}

static void
add_outcome_rows(struct md *md, const struct report_in *in)
{
	size_t i, c, unknown = 0;
	int o;

	for (o = OUTCOME_NONE + 1; record_outcome_name((enum record_outcome)o) != NULL; o++) {
		for (c = 0, i = 0; i < in->n; i++)
			c += in->recs[i].outcome == (enum record_outcome)o;
		if (c > 0)
			buf_addf(md->out, "| `%s` | %zu |\n",
			    record_outcome_name((enum record_outcome)o), c);
	}
	for (i = 0; i < in->n; i++)
		unknown += record_outcome_name(in->recs[i].outcome) == NULL;
	if (unknown > 0)
		buf_addf(md->out, "| `unknown` | %zu |\n", unknown);
}

static void
add_summary(struct md *md, const struct report_in *in)
{
	const struct report_run *run = in->run;
	uint64_t cpu = 0, attempts = 0, cached = 0;
	const struct record *peak = NULL;
	size_t i;

	for (i = 0; i < in->n; i++) {
		const struct record *r = &in->recs[i];

		cpu += cpu_us(r);
		attempts += r->attempts > 0 ? (uint64_t)r->attempts : 0;
		cached += r->sync.skipped;
		if (r->vm_hwm_kib > 0 && (peak == NULL || r->vm_hwm_kib > peak->vm_hwm_kib))
			peak = r;
	}
	buf_addf(md->out, "## Summary\n\n| | |\n|:--|--:|\n| targets | %zu |\n", in->n);
	add_outcome_rows(md, in);
	buf_addf(md->out, "| failed (any cause) | %zu |\n", count_failed(in));
	if (cached > 0)
		buf_addf(md->out, "| answered by the skip cache | %" PRIu64 " |\n", cached);
	buf_addf(md->out, "| attempts | %" PRIu64 " |\n| run wall | ", attempts);
	add_duration(md->out, run->end_us > run->start_us ? run->end_us - run->start_us : 0);
	buf_addstr(md->out, " |\n| worker CPU (user + system) | ");
	add_duration(md->out, cpu);
	buf_addstr(md->out, " |\n| supervisor CPU | ");
	add_duration(md->out, run->self.utime_us + run->self.stime_us);
	buf_addstr(md->out, " |\n| peak worker memory (VmHWM) | ");
	if (peak != NULL) {
		add_bytes(md->out, peak->vm_hwm_kib * 1024);
		buf_addstr(md->out, " (");
		add_cell(md->out, peak->name, MD_NAME_MAX);
		buf_addch(md->out, ')');
	} else {
		buf_addstr(md->out, "none");
	}
	buf_addstr(md->out, " |\n");
	if (run->api_requests > 0) {
		buf_addf(md->out, "| API requests | %" PRIu64 " (%" PRIu64 " not modified, %"
		    PRIu64 " rate-limited, waited ", run->api_requests, run->api_not_modified,
		    run->api_rate_limited);
		add_duration(md->out, run->api_waited_ms * 1000);
		buf_addstr(md->out, ") |\n");
	}
	buf_addch(md->out, '\n');
}

/* ---- the target tables ---- */

static void
add_failures(struct md *md, const struct report_in *in)
{
	char cause[RECORD_CAUSE_MAX];
	size_t i, failed = count_failed(in);

	if (failed == 0)
		return;
	buf_addf(md->out, "## Failures (%zu)\n\n| target | cause | attempts | error |\n"
	    "|:--|:--|--:|:--|\n", failed);
	for (i = 0; i < in->n; i++) {
		const struct record *r = &in->recs[i];

		if (!record_failed(r))
			continue;
		buf_addstr(md->out, "| ");
		add_cell(md->out, r->name, MD_NAME_MAX);
		buf_addf(md->out, " | `%s` | %d | ", record_cause_name(cause, r), r->attempts);
		add_cell(md->out, r->error, MD_ERROR_MAX);
		buf_addstr(md->out, " |\n");
		row_done(md, TABLE_FAILURES, i);
	}
	buf_addch(md->out, '\n');
}

/* A merged run's missing shards and cross-shard dependencies (merge.h). */
static void
add_merge(struct md *md, const struct report_in *in)
{
	const struct report_merge *m = in->run->merge;
	size_t i, j;

	if (m == NULL || (m->nmissing == 0 && m->ncross == 0 && m->ndiffer == 0))
		return;
	buf_addstr(md->out, "## Shards\n\n");
	for (i = 0; i < m->nmissing; i++)
		buf_addf(md->out, "- **Missing:** shard %u/%u has no report: its targets are not "
		    "in this run.\n", m->missing[i], m->shards);
	for (i = 0; i < m->ncross; i++) {
		const struct report_cross_dep *x = &m->cross[i];

		buf_addstr(md->out, "- **Dependency across shards:** group ");
		add_cell(md->out, x->group, MD_NAME_MAX);
		buf_addf(md->out, " ran %zu target%s while its dependency ", x->ran.n,
		    x->ran.n == 1 ? "" : "s");
		add_cell(md->out, x->dependency, MD_NAME_MAX);
		buf_addf(md->out, " had %" PRIu64 " failed target%s in another shard:",
		    x->dependency_failed, x->dependency_failed == 1 ? "" : "s");
		for (j = 0; j < x->ran.n; j++) {
			buf_addstr(md->out, j ? ", " : " ");
			add_cell(md->out, x->ran.v[j], MD_NAME_MAX);
		}
		buf_addstr(md->out, "\n");
	}
	for (i = 0; i < m->ndiffer; i++) {
		const struct report_disagreement *d = &m->differ[i];

		buf_addstr(md->out, "- **Disagreement:** the merged reports differ on run.");
		add_cell(md->out, d->field, MD_NAME_MAX);
		buf_addstr(md->out, ", which this run leaves null:");
		for (j = 0; j < d->runs.n; j++) {
			buf_addstr(md->out, j ? "; " : " ");
			add_cell(md->out, d->runs.v[j], MD_NAME_MAX);
			buf_addstr(md->out, ": ");
			add_cell(md->out, d->values.v[j], MD_NAME_MAX);
		}
		buf_addstr(md->out, "\n");
	}
	buf_addch(md->out, '\n');
}

/* "#12" for a URL ending in /pull/12, else "pull request". */
static void
add_pr_text(struct buf *out, const char *url)
{
	const char *p = strrchr(url, '/');

	if (p != NULL && p - url >= 5 && strncmp(p - 5, "/pull", 5) == 0 && p[1] != '\0' &&
	    strspn(p + 1, "0123456789") == strlen(p + 1))
		buf_addf(out, "#%s", p + 1);
	else
		buf_addstr(out, "pull request");
}

/*
 * A link to an http(s) URL, percent-encoding whatever could end the link
 * or the cell; any other URL is only text (no javascript: links).
 */
static void
add_pr_link(struct buf *out, const char *url)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		add_cell(out, url, MD_ERROR_MAX);
		return;
	}
	buf_addch(out, '[');
	add_pr_text(out, url);
	buf_addstr(out, "](");
	for (p = (const unsigned char *)url; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || strchr("()<>|\\`[]\"'", *p) != NULL) {
			buf_addch(out, '%');
			buf_addch(out, hex[*p >> 4]);
			buf_addch(out, hex[*p & 15]);
		} else {
			buf_addch(out, *p);
		}
	}
	buf_addch(out, ')');
}

static void
add_prs(struct md *md, const struct report_in *in)
{
	size_t i, n = 0;

	for (i = 0; i < in->n; i++)
		n += in->recs[i].sync.pr_url != NULL;
	if (n == 0)
		return;
	buf_addf(md->out, "## Pull requests (%zu)\n\n| target | pull request | action |\n"
	    "|:--|:--|:--|\n", n);
	for (i = 0; i < in->n; i++) {
		const struct record *r = &in->recs[i];
		const char *action = record_pr_name(r->sync.pr);

		if (r->sync.pr_url == NULL)
			continue;
		buf_addstr(md->out, "| ");
		add_cell(md->out, r->name, MD_NAME_MAX);
		buf_addstr(md->out, " | ");
		add_pr_link(md->out, r->sync.pr_url);
		buf_addf(md->out, " | %s |\n", action != NULL ? action : "");
		row_done(md, TABLE_PRS, i);
	}
	buf_addch(md->out, '\n');
}

struct by_cpu {
	uint64_t cpu, wall;
	size_t i;
};

/* Most CPU first; then longest wall; then the order of the input. */
static int
cmp_cpu(const void *a, const void *b)
{
	const struct by_cpu *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? 1 : -1;
	if (x->wall != y->wall)
		return x->wall < y->wall ? 1 : -1;
	return (x->i > y->i) - (x->i < y->i);
}

static void
add_top_row(struct md *md, const struct record *r, size_t rank)
{
	buf_addf(md->out, "| %zu | ", rank);
	add_cell(md->out, r->name, MD_NAME_MAX);
	buf_addf(md->out, " | `%s` | ", outcome_name(r));
	add_duration(md->out, cpu_us(r));
	buf_addstr(md->out, " | ");
	add_duration(md->out, r->utime_us);
	buf_addstr(md->out, " | ");
	add_duration(md->out, r->stime_us);
	buf_addstr(md->out, " | ");
	add_duration(md->out, r->wall_us);
	buf_addstr(md->out, " | ");
	add_bytes(md->out, r->vm_hwm_kib * 1024);
	buf_addstr(md->out, " | ");
	add_bytes(md->out, r->read_bytes);
	buf_addstr(md->out, " | ");
	add_bytes(md->out, r->write_bytes);
	buf_addf(md->out, " | %d |\n", r->attempts);
}

/* The targets whose worker ran (pid set), as report.json's stats count them. */
static void
add_top(struct md *md, const struct report_in *in)
{
	struct by_cpu *v = xcalloc(in->n ? in->n : 1, sizeof(*v));
	size_t i, m = 0;

	for (i = 0; i < in->n; i++)
		if (in->recs[i].pid != 0)
			v[m++] = (struct by_cpu){ cpu_us(&in->recs[i]), in->recs[i].wall_us, i };
	if (m > 0) {
		qsort(v, m, sizeof(*v), cmp_cpu);
		buf_addf(md->out, "## Top %zu targets by CPU (of %zu that ran)\n\n| # | target | "
		    "outcome | CPU | user | system | wall | peak memory | disk read | "
		    "disk written | attempts |\n|--:|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|\n",
		    m < MD_TOP ? m : (size_t)MD_TOP, m);
		for (i = 0; i < m && i < MD_TOP; i++) {
			add_top_row(md, &in->recs[v[i].i], i + 1);
			row_done(md, TABLE_TOP, v[i].i);
		}
		buf_addch(md->out, '\n');
	}
	free(v);
}

/* ---- the limit ---- */

/*
 * Cut the document at the last line boundary that leaves room for the
 * note, then say how many targets lost a row and how many rows of each
 * table are gone. Rows come last in the document, so only rows are cut.
 */
static void
truncate_to_fit(struct md *md, size_t ntargets)
{
	const char *doc = md->out->ptr + md->start;
	bool *lost = xcalloc(ntargets ? ntargets : 1, sizeof(*lost));
	size_t rows[NTABLES] = { 0 }, dropped[NTABLES] = { 0 };
	size_t cut = MD_MAX - MD_NOTE_MAX, i, targets = 0;
	const char *sep = "";

	while (cut > 0 && doc[cut - 1] != '\n')
		cut--;
	for (i = 0; i < md->nrows; i++) {
		const struct md_row *r = &md->rows[i];

		rows[r->table]++;
		if (r->end - md->start > cut) {
			dropped[r->table]++;
			lost[r->target] = true;
		}
	}
	for (i = 0; i < ntargets; i++)
		targets += lost[i];
	buf_setlen(md->out, md->start + cut);
	/* The blank line ends a table: a line after it would be one more row. */
	buf_addf(md->out, "\n> **Truncated:** this summary stops at GitHub's limit of %u bytes "
	    "for a step summary: the rows of %zu target%s are left out (", MD_MAX, targets,
	    targets == 1 ? "" : "s");
	for (i = 0; i < NTABLES; i++) {
		if (dropped[i] == 0)
			continue;
		buf_addf(md->out, "%s%zu of %zu %s", sep, dropped[i], rows[i], table_rows[i]);
		sep = ", ";
	}
	buf_addstr(md->out, "). Every target is in report.json, in the run directory.\n");
	free(lost);
}

void
report_markdown(struct buf *out, const struct report_in *in)
{
	struct md md = { out, out->len, NULL, 0, 0 };

	add_title(&md, in);
	add_summary(&md, in);
	add_failures(&md, in);
	add_merge(&md, in);
	add_prs(&md, in);
	add_top(&md, in);
	if (out->len - md.start > MD_MAX)
		truncate_to_fit(&md, in->n);
	free(md.rows);
}
