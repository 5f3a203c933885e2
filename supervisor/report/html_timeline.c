/*
 * html_timeline — the timeline of report.html (docs/report-html.md, "The
 * timeline"): one bar per worker from spawn to reap with its phases inside,
 * the lane of how many ran at once, and past TIMELINE_ROWS targets rows
 * that several consecutive targets share.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/report.h"

#define TIMELINE_ROWS 200 /* more targets than this share rows (docs/report-html.md) */

/* The timeline's geometry, in viewBox units (SVG_W wide). */
#define TL_X 250          /* the timeline's plot: x of 0 and its width */
#define TL_W 870
#define TL_ROW 16         /* a row of one target */
#define TL_AGG_ROW 11     /* a row shared by several: 200 of them stay on a screen or two */
#define TL_AXIS_ROWS 40   /* a chart of more rows repeats the axis at its foot */
#define TL_LANE_Y 22      /* the concurrency lane */
#define TL_LANE_H 44
#define TL_ROWS_Y (TL_LANE_Y + TL_LANE_H + 12)

/* A tick of the time axis: whole units of the step's size. */
static void
fmt_tick(char *b, size_t n, uint64_t us, uint64_t step)
{
	if (step >= 60000000 && us % 60000000 == 0)
		snprintf(b, n, "%llum", (unsigned long long)(us / 60000000));
	else if (step >= 1000000)
		snprintf(b, n, "%.0fs", (double)us / 1e6);
	else if (step >= 100000)
		snprintf(b, n, "%.1fs", (double)us / 1e6);
	else if (step >= 1000)
		snprintf(b, n, "%.0fms", (double)us / 1e3);
	else
		snprintf(b, n, "%llu\xc2\xb5s", (unsigned long long)us);
}

/* A round step (1, 2 or 5 times a power of ten, in us) giving at most ~9 ticks. */
static uint64_t
tick_step(uint64_t span)
{
	uint64_t step = 1;

	for (;;) {
		if (span / step <= 9)
			return step;
		if (span / (step * 2) <= 9)
			return step * 2;
		if (span / (step * 5) <= 9)
			return step * 5;
		step *= 10;
	}
}

static double
tl_x(const struct page *p, uint64_t t)
{
	if (t <= p->t0)
		return TL_X;
	if (t >= p->t1)
		return TL_X + TL_W;
	return TL_X + (double)(t - p->t0) * TL_W / (double)(p->t1 - p->t0);
}

/* The grid from y 0 to bottom, labelled at the top, and at the foot too when foot. */
static void
tl_axis(struct page *p, int bottom, bool foot)
{
	struct buf *o = p->out;
	uint64_t span = p->t1 - p->t0, step = tick_step(span), t;
	char label[32];

	for (t = 0; t <= span; t += step) {
		double x = tl_x(p, p->t0 + t);

		fmt_tick(label, sizeof(label), t, step);
		buf_addf(o, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
		    "<text class=\"mu\" x=\"%.1f\" y=\"13\" text-anchor=\"middle\">%s</text>",
		    x, x, TL_LANE_Y - 4, bottom, x, label);
		if (foot)
			buf_addf(o, "<text class=\"mu\" x=\"%.1f\" y=\"%d\" "
			    "text-anchor=\"middle\">%s</text>", x, bottom + 13, label);
		if (t > UINT64_MAX - step)
			break;
	}
}

struct tl_event {
	uint64_t t;
	int d;                    /* +1 a worker starts, -1 one ends */
};

static int
cmp_event(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->d - y->d;       /* ends first: back to back is not at once */
}

/* How many workers ran at once: the most in each pixel column. */
static void
tl_lane(struct page *p)
{
	struct buf *o = p->out;
	struct tl_event *ev = xcalloc(p->nbars * 2 + 1, sizeof(*ev));
	int *col = xcalloc(TL_W, sizeof(*col));
	int cur = 0, peak = 0, scale, last = -1;
	size_t i, c, from = 0, nev = 0;
	double y;

	for (i = 0; i < p->nbars; i++) {
		const struct record *r = &p->recs[p->order[i]];

		ev[nev++] = (struct tl_event){ r->start_us, 1 };
		ev[nev++] = (struct tl_event){
			r->end_us > r->start_us ? r->end_us : r->start_us + 1, -1
		};
	}
	qsort(ev, nev, sizeof(*ev), cmp_event);
	for (i = 0; i < nev; i++) {
		c = (size_t)(tl_x(p, ev[i].t) - TL_X);
		if (c >= TL_W)
			c = TL_W - 1;
		for (; from <= c; from++)
			if (col[from] < cur)
				col[from] = cur;
		from = c;
		cur += ev[i].d;
		if (col[c] < cur)
			col[c] = cur;
		if (cur > peak)
			peak = cur;
	}
	scale = peak > p->run->jobs ? peak : p->run->jobs;
	if (scale < 1)
		scale = 1;
	buf_addf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">workers running</text>"
	    "<text class=\"mu\" x=\"%d\" y=\"%d\" text-anchor=\"end\">most at once: %d</text>",
	    TL_X - 8, TL_LANE_Y + 18, TL_X - 8, TL_LANE_Y + 32, peak);
	buf_addf(o, "<rect class=\"track\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
	    TL_X, TL_LANE_Y, TL_W, TL_LANE_H);
	buf_addf(o, "<path class=\"lane\" d=\"M%d %d", TL_X, TL_LANE_Y + TL_LANE_H);
	for (c = 0; c < TL_W; c++) {
		if (col[c] == last)
			continue;
		y = TL_LANE_Y + TL_LANE_H - (double)col[c] * TL_LANE_H / scale;
		buf_addf(o, "H%zu V%.1f", TL_X + c, y);
		last = col[c];
	}
	buf_addf(o, "H%d V%d Z\"/>", TL_X + TL_W, TL_LANE_Y + TL_LANE_H);
	if (p->run->jobs > 0 && p->run->jobs <= scale) {
		y = TL_LANE_Y + TL_LANE_H - (double)p->run->jobs * TL_LANE_H / scale;
		buf_addf(o, "<line class=\"axis\" stroke-dasharray=\"4 3\" x1=\"%d\" x2=\"%d\" "
		    "y1=\"%.1f\" y2=\"%.1f\"><title>--jobs %d</title></line>", TL_X, TL_X + TL_W,
		    y, y, p->run->jobs);
	}
	free(col);
	free(ev);
}

/* A target's tooltip: its name, outcome, times and attempts. */
static void
tl_title(struct page *p, const struct record *r)
{
	struct buf *o = p->out;
	char cause[RECORD_CAUSE_MAX], at[32], wall[32];
	const char *cn = record_cause_name(cause, r);

	html_fmt_dur(at, sizeof(at), r->start_us - p->t0);
	html_fmt_dur(wall, sizeof(wall), r->end_us - r->start_us);
	buf_addstr(o, "<title>");
	esc(o, r->name);
	buf_addf(o, " \xe2\x80\x94 %s%s%s, +%s, %s", html_outcome_label(r), cn ? " " : "",
	    cn ? cn : "", at, wall);
	if (r->attempts > 1)
		buf_addf(o, ", %d attempts (the bar is the last)", r->attempts);
	buf_addstr(o, "</title>");
}

/* The phases inside a bar, one after the other from its start, cut at its end. */
static void
tl_phases(struct page *p, const struct record *r, int y)
{
	uint64_t at = r->start_us, ms, end;
	size_t k, slot;
	double x0, x1;

	for (k = 0; k < r->nphases && at < r->end_us; k++) {
		if (r->phases[k].key == NULL)
			continue;
		ms = html_phase_ms(&r->phases[k]);
		end = ms > (r->end_us - at) / 1000 ? r->end_us : at + ms * 1000;
		slot = html_phase_slot(p, r->phases[k].key);
		x0 = tl_x(p, at);
		x1 = tl_x(p, end);
		if (x1 - x0 >= 0.3)
			buf_addf(p->out, "<rect class=\"p%zu\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			    "height=\"5\"/>", slot % NPALETTE, x0, y + 8, x1 - x0);
		at = end;
	}
}

/* One target's bar on row y; agg: drawn over others in a shared row. */
static void
tl_bar(struct page *p, const struct record *r, int y, bool agg)
{
	struct buf *o = p->out;
	double x0 = tl_x(p, r->start_us), x1 = tl_x(p, r->end_us);

	if (x1 - x0 < 1.5)
		x1 = x0 + 1.5;
	buf_addf(o, "<g><rect class=\"o%d%s%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
	    "height=\"%d\"/>", (int)html_outcome_of(r), agg ? " agg" : "",
	    r->attempts > 1 && !agg ? " retried" : "", x0, agg ? y + 1 : y + 2, x1 - x0,
	    agg ? TL_AGG_ROW - 2 : 12);
	if (!agg) {
		tl_phases(p, r, y);
		if (r->attempts > 1)
			buf_addf(o, "<text x=\"%.1f\" y=\"%d\">\xe2\x86\xbb%d</text>", x1 + 3,
			    y + 12, r->attempts);
	}
	tl_title(p, r);
	buf_addstr(o, "</g>");
}

static void
tl_label(struct page *p, int y, const char *name, const char *suffix, bool agg)
{
	buf_addf(p->out, "<text%s x=\"%d\" y=\"%d\" text-anchor=\"end\">",
	    agg ? " class=\"sm\"" : "", TL_X - 8, agg ? y + 9 : y + 12);
	html_text(p->out, name, 0, LABEL_CHARS);
	buf_addstr(p->out, suffix);
	buf_addstr(p->out, "</text>");
}

/* Rank by failure: failed bars are drawn last, over the others. */
static int
severity(const struct record *r)
{
	return record_failed(r) ? 1 : 0;
}

static int
cmp_severity(const void *a, const void *b, void *arg)
{
	const struct record *recs = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int x = severity(&recs[i]), y = severity(&recs[j]);

	if (x != y)
		return x - y;
	return i < j ? -1 : i > j;
}

/* A shared row: targets [from, to) of the start order. */
static void
tl_bucket(struct page *p, size_t from, size_t to, int y)
{
	size_t i, m = to - from, retried = 0;
	uint64_t end = 0;
	char suffix[48];

	for (i = 0; i < m; i++) {
		const struct record *r = &p->recs[p->order[from + i]];

		p->idx[i] = p->order[from + i];
		retried += r->attempts > 1;
		end = r->end_us > end ? r->end_us : end;
	}
	qsort_r(p->idx, m, sizeof(*p->idx), cmp_severity, (void *)p->recs);
	snprintf(suffix, sizeof(suffix), " +%zu", m - 1);
	buf_addstr(p->out, "<g class=\"bucket\">");
	tl_label(p, y, p->recs[p->order[from]].name, m > 1 ? suffix : "", true);
	for (i = 0; i < m; i++)
		tl_bar(p, &p->recs[p->idx[i]], y, true);
	if (retried > 0)
		buf_addf(p->out, "<text class=\"sm\" x=\"%.1f\" y=\"%d\">\xe2\x86\xbb%zu</text>",
		    tl_x(p, end) + 3, y + 9, retried);
	buf_addstr(p->out, "</g>");
}

static void
tl_legend(struct page *p)
{
	struct buf *o = p->out;
	size_t i;

	buf_addstr(o, "<div class=\"legend\">");
	for (i = 0; i < NOUTCOMES; i++) {
		if (p->outcomes[i] == 0)
			continue;
		buf_addstr(o, "<span>");
		html_chip(o, (enum record_outcome)i);
		buf_addstr(o, i == OUTCOME_NONE ? "unknown" :
		    record_outcome_name((enum record_outcome)i));
		buf_addstr(o, "</span>");
	}
	for (i = 0; i <= PHASES_MAX; i++) {
		if (p->phases[i].name == NULL)
			continue;
		buf_addf(o, "<span><span class=\"chip p%zu\" style=\"height:5px\"></span>phase ",
		    i % NPALETTE);
		html_text(o, p->phases[i].name, 0, LABEL_CHARS);
		buf_addstr(o, "</span>");
	}
	if (p->retried > 0)
		buf_addstr(o, "<span>\xe2\x86\xbbN retried: N attempts, the bar is the last "
		    "one</span>");
	buf_addstr(o, "</div>\n");
}

void
html_section_timeline(struct page *p)
{
	struct buf *o = p->out;
	size_t per = (p->nbars + TIMELINE_ROWS - 1) / TIMELINE_ROWS, rows, i;
	int row, bottom;
	bool foot;

	if (per == 0)
		per = 1;
	rows = (p->nbars + per - 1) / per;
	row = per > 1 ? TL_AGG_ROW : TL_ROW;
	bottom = TL_ROWS_Y + (int)(rows ? rows : 1) * row + 4;
	foot = rows > TL_AXIS_ROWS;
	buf_addstr(o, "<section id=\"timeline\">\n<h2>Timeline</h2>\n");
	tl_legend(p);
	if (per > 1)
		buf_addf(o, "<p class=\"note\" id=\"timeline-aggregated\">%zu targets ran, more "
		    "than the %d rows this chart draws, so the rows are aggregated: each row holds "
		    "%zu consecutive targets in order of start (the label names the first), their "
		    "bars drawn translucent over each other, darker where they overlap, failures "
		    "on top; phases are not drawn in these rows and \xe2\x86\xbbN counts the "
		    "row's retried targets. Hover a bar for its target; every target is in the "
		    "table at the end.</p>\n", p->nbars, TIMELINE_ROWS, per);
	buf_addf(o, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"timeline of the workers\">", SVG_W, bottom + (foot ? 18 : 2));
	tl_axis(p, bottom, foot);
	tl_lane(p);
	for (i = 0; i < rows; i++) {
		int y = TL_ROWS_Y + (int)i * row;
		size_t from = i * per, to = from + per < p->nbars ? from + per : p->nbars;

		if (per > 1) {
			tl_bucket(p, from, to, y);
			continue;
		}
		buf_addstr(o, "<g class=\"row\">");
		tl_label(p, y, p->recs[p->order[from]].name, "", false);
		tl_bar(p, &p->recs[p->order[from]], y, false);
		buf_addstr(o, "</g>");
	}
	if (rows == 0)
		buf_addf(o, "<text class=\"mu\" x=\"%d\" y=\"%d\">no worker ran</text>", TL_X,
		    TL_ROWS_Y + 12);
	buf_addstr(o, "</svg>\n");
	if (p->nbars < p->n)
		buf_addf(o, "<p class=\"src\">%zu target%s had no worker (skipped, or never "
		    "started) and no bar.</p>\n", p->n - p->nbars, p->n - p->nbars == 1 ? "" : "s");
	buf_addstr(o, "<p class=\"src\">One row per target in order of start; x is the wall time "
	    "since the run started. A bar runs from the worker's spawn to its reap (the record's "
	    "start and end: for a retried target, the last attempt), coloured by outcome; the "
	    "strip inside it is the phases the worker reported (its STATS), in the order it "
	    "reported them. The top lane counts the workers running at once (the dashed line is "
	    "--jobs).</p>\n</section>\n");
}
