/*
 * cmd_report_diff — `repocast report diff A B`: each target's wall time,
 * CPU and peak memory in two runs, matched by name, the regressions among
 * them and the targets only one run has, as text or JSON
 * (cmd_report_internal.h).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/report/cmd_report_internal.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

static const struct opt_spec diff_opts[] = {
	{ ROPT_REPORTDIR, 0, "report-dir", true },
	{ ROPT_JSON, 0, "json", false },
	{ ROPT_THRESHOLD, 0, "threshold", true },
};

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
		cmd_report_fmt_us(sx, sizeof(sx), x);
		cmd_report_fmt_us(sy, sizeof(sy), y);
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
	int width = cmd_report_name_width(a->recs, a->n);
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

int
cmd_report_diff(int argc, char **argv)
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
	if ((status = cmd_report_sub_opts(&o, &sub, argc, argv)) >= 0)
		goto out;
	status = EXIT_OK;
	if (o.npos != 2) {
		cmd_usage_error(DIFF_USAGE, "report", "'report diff' takes two runs, A and B");
		status = EXIT_USAGE;
		goto out;
	}
	if ((rc = cmd_report_load(&a, o.report_dir, o.pos[0])) < 0 ||
	    (rc = cmd_report_load(&b, o.report_dir, o.pos[1])) < 0) {
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
	cmd_report_loaded_release(&a);
	cmd_report_loaded_release(&b);
	free(o.pos);
	return status;
}
