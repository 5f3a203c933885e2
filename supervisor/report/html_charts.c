/*
 * html_charts — the charts of report.html after the timeline: the CPU and
 * the memory of the top CHART_TOP targets and the phases summed over the
 * targets, as horizontal bars, and the flame graph of a --profile run
 * (flame.h draws it).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shared/buf.h"
#include "supervisor/report/flame.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/report.h"

#define CHART_TOP 30      /* bars in the CPU and the memory chart */

/* A bar chart's geometry, in viewBox units (SVG_W wide). */
#define CH_X 250          /* a bar chart's bars: x of 0 and the longest bar */
#define CH_W 620
#define CH_ROW 20

/* One horizontal bar of nseg stacked segments on row i, scaled to max. */
static void
chart_row(struct buf *o, size_t i, const uint64_t *seg, const char *const *cls, size_t nseg,
    uint64_t max, const char *value)
{
	int y = (int)i * CH_ROW + 4;
	double x = CH_X, w;
	size_t k;

	buf_addf(o, "<rect class=\"track\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\"/>", CH_X, y,
	    CH_W);
	for (k = 0; k < nseg; k++) {
		w = max ? (double)seg[k] * CH_W / (double)max : 0;
		if (w <= 0)
			continue;
		buf_addf(o, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\"/>",
		    cls[k], x, y, w < 0.5 ? 0.5 : w);
		x += w;
	}
	buf_addf(o, "<text x=\"%d\" y=\"%d\">%s</text>", CH_X + CH_W + 8, y + 11, value);
}

static void
chart_label(struct buf *o, size_t i, const char *name)
{
	buf_addf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", CH_X - 8, (int)i * CH_ROW + 15);
	html_text(o, name, 0, LABEL_CHARS);
	buf_addstr(o, "</text>");
}

static void
chart_begin(struct buf *o, size_t rows, const char *label)
{
	buf_addf(o, "<svg viewBox=\"0 0 %d %zu\" role=\"img\" aria-label=\"%s\">", SVG_W,
	    (rows ? rows : 1) * CH_ROW + 8, label);
	if (rows == 0)
		buf_addf(o, "<text class=\"mu\" x=\"%d\" y=\"16\">no data</text>", CH_X);
}

void
html_section_cpu(struct page *p)
{
	static const char *const cls[] = { "u", "s" };
	struct buf *o = p->out;
	size_t m = html_page_top(p, html_key_cpu), i;
	uint64_t max = m ? html_key_cpu(&p->recs[p->idx[0]]) : 0;

	if (m > CHART_TOP)
		m = CHART_TOP;
	buf_addf(o, "<section id=\"cpu\">\n<h2>CPU time per target (top %d)</h2>\n"
	    "<div class=\"legend\"><span><span class=\"chip\" style=\"background:#0969da\"></span>"
	    "user</span><span><span class=\"chip\" style=\"background:#80ccff\"></span>"
	    "system</span>"
	    "</div>\n", CHART_TOP);
	chart_begin(o, m, "CPU time per target");
	for (i = 0; i < m; i++) {
		const struct record *r = &p->recs[p->idx[i]];
		uint64_t seg[2] = { r->utime_us, r->stime_us };
		char v[32], u[32], s[32], value[112];

		html_fmt_dur(v, sizeof(v), seg[0] + seg[1]);
		html_fmt_dur(u, sizeof(u), seg[0]);
		html_fmt_dur(s, sizeof(s), seg[1]);
		snprintf(value, sizeof(value), "%s (user %s, sys %s)", v, u, s);
		buf_addstr(o, "<g>");
		chart_label(o, i, r->name);
		chart_row(o, i, seg, cls, 2, max, value);
		buf_addstr(o, "<title>");
		esc(o, r->name);
		buf_addstr(o, "</title></g>");
	}
	buf_addstr(o, "</svg>\n<p class=\"src\">Source: the worker's rusage from "
	    "<code>wait4</code> (ru_utime, ru_stime; the worker and its command, the last "
	    "attempt).</p>\n</section>\n");
}

void
html_section_memory(struct page *p)
{
	static const char *const cls[] = { "mem" };
	struct buf *o = p->out;
	size_t m = html_page_top(p, html_key_hwm), i;
	uint64_t max = m ? html_key_hwm(&p->recs[p->idx[0]]) : 0;

	if (m > CHART_TOP)
		m = CHART_TOP;
	buf_addf(o, "<section id=\"memory\">\n<h2>Peak memory per target (top %d)</h2>\n",
	    CHART_TOP);
	chart_begin(o, m, "peak memory per target");
	for (i = 0; i < m; i++) {
		const struct record *r = &p->recs[p->idx[i]];
		uint64_t seg[1] = { r->vm_hwm_kib };
		char v[32];

		html_fmt_kib(v, sizeof(v), seg[0]);
		buf_addstr(o, "<g>");
		chart_label(o, i, r->name);
		chart_row(o, i, seg, cls, 1, max, v);
		buf_addstr(o, "<title>");
		esc(o, r->name);
		buf_addstr(o, "</title></g>");
	}
	buf_addstr(o, "</svg>\n<p class=\"src\">Source: VmHWM, the worker's own peak resident "
	    "set, which it reads from <code>/proc/self/status</code> and reports in its STATS. "
	    "rusage maxrss is not shown: across exec it inherits the supervisor's RSS and is "
	    "wrong for small workers. A worker that sent no STATS (killed, timed out) has no "
	    "VmHWM and no bar.</p>\n</section>\n");
}

void
html_section_phases(struct page *p)
{
	static const char *const cls[NPALETTE] = { "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7" };
	struct buf *o = p->out;
	uint64_t max = 0, total = 0;
	size_t i, rows = 0;

	for (i = 0; i <= PHASES_MAX; i++) {
		if (p->phases[i].name == NULL)
			continue;
		rows++;
		total += p->phases[i].ms;
		if (p->phases[i].ms > max)
			max = p->phases[i].ms;
	}
	buf_addstr(o, "<section id=\"phases\">\n<h2>Phases, summed over the targets</h2>\n");
	chart_begin(o, rows, "phase breakdown");
	for (rows = 0, i = 0; i <= PHASES_MAX; i++) {
		const struct phase_sum *s = &p->phases[i];
		char v[32], value[96];

		if (s->name == NULL)
			continue;
		html_fmt_dur(v, sizeof(v), s->ms * 1000);
		snprintf(value, sizeof(value), "%s (%.0f%%, %zu target%s)", v,
		    total ? 100.0 * (double)s->ms / (double)total : 0.0, s->n,
		    s->n == 1 ? "" : "s");
		chart_label(o, rows, s->name);
		chart_row(o, rows, &s->ms, &cls[i % NPALETTE], 1, max, value);
		rows++;
	}
	buf_addf(o, "</svg>\n<p class=\"src\">Source: the phase times (ms) each worker reported in "
	    "its STATS, in the order they were first reported; names past the first %d are summed "
	    "as \"other\".</p>\n</section>\n", PHASES_MAX);
}

/* ---- --profile ---- */

void
html_section_profile(struct page *p)
{
	struct buf *o = p->out, sub = BUF_INIT;
	struct flame_opts fo;
	uint64_t samples = 0, lost = 0;
	size_t i, j, profiled = 0;

	if (!p->has_flame)
		return;
	for (i = 0; i < p->n; i++) {
		samples += p->recs[i].profile.samples;
		lost += p->recs[i].profile.lost;
		profiled += p->recs[i].profile.folded;
	}
	buf_addstr(o, "<section id=\"profile\">\n<h2>Profile</h2>\n<p>");
	buf_addf(o, "<code>--profile</code>: %zu of %zu target%s sent samples; the workers took "
	    "%llu samples of their own CPU time (%llu lost); the graph counts %llu ms of CPU.",
	    profiled, p->n, p->n == 1 ? "" : "s", (unsigned long long)samples,
	    (unsigned long long)lost, (unsigned long long)p->flame.total);
	/* What became of perf, once per distinct answer. */
	for (i = 0; i < p->n; i++) {
		const char *note = p->recs[i].profile.perf;
		size_t same = 0;

		if (note == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (p->recs[j].profile.perf != NULL && strcmp(p->recs[j].profile.perf, note) == 0)
				break;
		if (j < i)
			continue;
		for (j = i; j < p->n; j++)
			same += p->recs[j].profile.perf != NULL &&
			    strcmp(p->recs[j].profile.perf, note) == 0;
		buf_addstr(o, " perf (the command): ");
		esc(o, note);
		buf_addf(o, " (%zu target%s).", same, same == 1 ? "" : "s");
	}
	buf_addstr(o, "</p>\n");
	memset(&fo, 0, sizeof(fo));
	fo.title = "CPU of every worker (and command)";
	buf_addf(&sub, "%llu ms of CPU in %zu distinct stacks", (unsigned long long)p->flame.total,
	    p->flame.n);
	fo.subtitle = sub.ptr;
	fo.nonce = p->nonce;
	fo.id = "flamegraph";
	fo.width = 1180;
	flame_svg(o, &p->flame, &fo);
	buf_addstr(o, "<p class=\"src\">Folded stacks, root first, merged over the targets: "
	    "<code>profile.folded</code> and <code>flame.svg</code> in the run directory, "
	    "<code>targets/NAME.folded</code> per target. A box's width is its share of the "
	    "CPU time; click one to zoom to it, <em>Search</em> to highlight names that match "
	    "(docs/profile.md).</p>\n</section>\n");
	buf_release(&sub);
}
