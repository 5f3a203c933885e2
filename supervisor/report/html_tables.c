/*
 * html_tables — the tables of targets in report.html: the slowest and the
 * heaviest (the top TOP_LIST), the pull requests with their links (only an
 * http(s) URL becomes one: the only URLs in the page), and every target in
 * the order of the input.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/report.h"

#define TOP_LIST 10       /* rows of the slowest and the heaviest tables */

void
html_top_table(struct page *p, const char *id, const char *title, rec_key key, const char *src)
{
	struct buf *o = p->out;
	size_t m = html_page_top(p, key), i;

	if (m > TOP_LIST)
		m = TOP_LIST;
	buf_addf(o, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
	if (m == 0) {
		buf_addstr(o, "<p>No target has this figure.</p>\n");
	} else {
		buf_addstr(o, "<table><tr><th class=\"n\">#</th><th>target</th><th>outcome</th>"
		    "<th class=\"n\">wall</th><th class=\"n\">CPU</th><th class=\"n\">VmHWM</th>"
		    "<th class=\"n\">attempts</th></tr>\n");
	}
	for (i = 0; i < m; i++) {
		const struct record *r = &p->recs[p->idx[i]];
		char w[32], c[32], h[32];

		html_fmt_dur(w, sizeof(w), r->wall_us);
		html_fmt_dur(c, sizeof(c), html_key_cpu(r));
		html_fmt_kib(h, sizeof(h), r->vm_hwm_kib);
		buf_addf(o, "<tr><td class=\"n\">%zu</td><td class=\"nm\">", i + 1);
		esc(o, r->name);
		buf_addstr(o, "</td><td>");
		html_chip(o, html_outcome_of(r));
		buf_addf(o, "%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
		    "<td class=\"n\">%s</td><td class=\"n\">%d</td></tr>\n", html_outcome_label(r),
		    w, c, r->vm_hwm_kib ? h : "&ndash;", r->attempts);
	}
	if (m > 0)
		buf_addstr(o, "</table>\n");
	buf_addf(o, "<p class=\"src\">%s</p>\n</section>\n", src);
}

/* ---- pull requests ---- */

static bool
is_web_url(const char *s)
{
	return s != NULL && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

static void
pr_link(struct buf *o, const char *url)
{
	if (url == NULL) {
		buf_addstr(o, "&ndash;");
		return;
	}
	/* Anything but a web address (javascript:, say) stays text. */
	if (!is_web_url(url)) {
		esc(o, url);
		return;
	}
	buf_addstr(o, "<a href=\"");
	html_text(o, url, ESC_URL, 0);
	buf_addstr(o, "\" rel=\"noreferrer\">");
	esc(o, url);
	buf_addstr(o, "</a>");
}

void
html_section_prs(struct page *p)
{
	static const enum record_pr kinds[] = { PR_OPENED, PR_UPDATED, PR_CURRENT, PR_CLOSED };
	struct buf *o = p->out;
	size_t count[ARRAY_SIZE(kinds)] = { 0 }, i, k;

	buf_addstr(o, "<section id=\"prs\">\n<h2>Pull requests</h2>\n");
	if (p->prs == 0) {
		buf_addstr(o, "<p>No pull request was opened, updated or closed.</p>\n");
		buf_addstr(o, "<p class=\"src\">Source: the record's sync part (a sync's PR action "
		    "and URL; a run opens none).</p>\n</section>\n");
		return;
	}
	for (i = 0; i < p->n; i++)
		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			count[k] += p->recs[i].sync.pr == kinds[k];
	buf_addstr(o, "<div class=\"cards\">\n");
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		char v[32];

		snprintf(v, sizeof(v), "%zu", count[k]);
		html_card(o, v, record_pr_name(kinds[k]));
	}
	buf_addstr(o, "</div>\n<div class=\"scroll\" style=\"margin-top:10px\"><table><tr>"
	    "<th>target</th><th>pull request</th><th>link</th></tr>\n");
	for (i = 0; i < p->n; i++) {
		const struct record *r = &p->recs[i];
		const char *what = record_pr_name(r->sync.pr);

		if (r->sync.pr == PR_NONE && r->sync.pr_url == NULL)
			continue;
		buf_addstr(o, "<tr><td class=\"nm\">");
		esc(o, r->name);
		buf_addf(o, "</td><td>%s</td><td class=\"nm\">", what ? what : "&ndash;");
		pr_link(o, r->sync.pr_url);
		buf_addstr(o, "</td></tr>\n");
	}
	buf_addstr(o, "</table></div>\n<p class=\"src\">Source: the record's sync part: what the "
	    "sync did to the target's pull request, and its URL.</p>\n</section>\n");
}

/* ---- every target ---- */

static void
target_row(struct page *p, size_t i)
{
	const struct record *r = &p->recs[i];
	struct buf *o = p->out;
	char cause[RECORD_CAUSE_MAX], at[32], w[32], u[32], s[32], h[32], rd[32], wr[32], ch[32];
	const char *cn = record_cause_name(cause, r);

	html_fmt_dur(at, sizeof(at), html_has_bar(r) ? r->start_us - p->t0 : 0);
	html_fmt_dur(w, sizeof(w), r->wall_us);
	html_fmt_dur(u, sizeof(u), r->utime_us);
	html_fmt_dur(s, sizeof(s), r->stime_us);
	html_fmt_kib(h, sizeof(h), r->vm_hwm_kib);
	html_fmt_bytes(rd, sizeof(rd), r->read_bytes);
	html_fmt_bytes(wr, sizeof(wr), r->write_bytes);
	html_fmt_bytes(ch, sizeof(ch), r->bytes_to_worker + r->bytes_from_worker);
	buf_addf(o, "<tr><td class=\"n\">%zu</td><td class=\"nm\">", i + 1);
	esc(o, r->name);
	buf_addstr(o, "</td><td>");
	html_chip(o, html_outcome_of(r));
	buf_addf(o, "%s</td><td>", html_outcome_label(r));
	if (cn != NULL)
		esc(o, cn);
	buf_addf(o, "</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
	    "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
	    "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
	    "<td class=\"n\">%llu</td><td>", r->attempts, html_has_bar(r) ? at : "&ndash;", w, u, s,
	    r->vm_hwm_kib ? h : "&ndash;", rd, wr, ch,
	    (unsigned long long)(r->has_result ? r->result.changed : 0));
	if (r->sync.pr != PR_NONE)
		buf_addstr(o, record_pr_name(r->sync.pr));
	buf_addstr(o, "</td></tr>\n");
}

void
html_section_targets(struct page *p)
{
	struct buf *o = p->out;
	size_t i;

	buf_addf(o, "<section id=\"targets\">\n<h2>All targets (%zu)</h2>\n<div class=\"scroll\">"
	    "<table><tr><th class=\"n\">#</th><th>target</th><th>outcome</th><th>cause</th>"
	    "<th class=\"n\">attempts</th><th class=\"n\">start</th><th class=\"n\">wall</th>"
	    "<th class=\"n\">user</th><th class=\"n\">sys</th><th class=\"n\">VmHWM</th>"
	    "<th class=\"n\">disk read</th><th class=\"n\">disk written</th>"
	    "<th class=\"n\">channel</th><th class=\"n\">files changed</th><th>PR</th></tr>\n",
	    p->n);
	for (i = 0; i < p->n; i++)
		target_row(p, i);
	buf_addstr(o, "</table></div>\n<p class=\"src\">In the order of the input. start: since "
	    "the run started; wall, user, sys: the last attempt's worker (spawn to reap, "
	    "<code>wait4</code> rusage); VmHWM: the worker's own peak memory from its STATS; disk "
	    "read and written: read_bytes and write_bytes of <code>/proc/PID/io</code>; channel: "
	    "bytes over the worker's channel, both ways; files changed: the worker's RESULT.</p>\n"
	    "</section>\n");
}
