/*
 * html_summary — the top of report.html: the header (the command, the run's
 * start, host and settings, the library versions, the links to the
 * sections) and the summary section (the cards, the identity table of
 * html_identity.c, the targets by outcome, p50/p95/max).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/report.h"

static void
iso_time(char *b, size_t n, uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char base[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(b, n, "?");
		return;
	}
	snprintf(b, n, "%s.%03u UTC", base, (unsigned)(us % 1000000 / 1000));
}

/* One argument of the command as a shell would need it: quoted unless plain. */
static void
shell_word(struct buf *o, const char *arg)
{
	struct buf q = BUF_INIT;
	const char *c;

	if (arg[0] != '\0' && strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_./:=@%+,-") == strlen(arg)) {
		esc(o, arg);
		return;
	}
	buf_addch(&q, '\'');
	for (c = arg; *c != '\0'; c++)
		if (*c == '\'')
			buf_addstr(&q, "'\\''");
		else
			buf_addch(&q, *c);
	buf_addch(&q, '\'');
	html_text(o, q.ptr, ESC_PRE, 0);
	buf_release(&q);
}

void
html_page_title(struct page *p)
{
	const struct report_run *run = p->run;
	struct buf *o = p->out;
	char start[48], t[32];
	size_t i;

	iso_time(start, sizeof(start), run->start_us);
	buf_addstr(o, "<header>\n<h1>repocast ");
	esc(o, run->command);
	buf_addstr(o, " <small class=\"meta\">");
	esc(o, run->id);
	buf_addstr(o, "</small></h1>\n");
	if (run->argv != NULL && run->argv[0] != NULL) {
		buf_addstr(o, "<p class=\"meta\">command: <code class=\"cmd\">");
		for (i = 0; run->argv[i] != NULL; i++) {
			if (i > 0)
				buf_addch(o, ' ');
			shell_word(o, run->argv[i]);
		}
		buf_addstr(o, "</code></p>\n");
	}
	html_fmt_dur(t, sizeof(t), run->timeout_ms * 1000);
	buf_addf(o, "<p class=\"meta\">started %s on ", start);
	esc(o, run->host);
	buf_addstr(o, " (");
	esc(o, run->kernel);
	buf_addf(o, ") &middot; %d at a time &middot; timeout %s &middot; retries %d &middot; "
	    "exit status %d", run->jobs, run->timeout_ms ? t : "none", run->retries,
	    run->exit_code);
	if (run->config_digest != NULL) {
		buf_addstr(o, " &middot; config ");
		html_text(o, run->config_digest, 0, 12);
	}
	buf_addstr(o, "</p>\n<p class=\"meta\">repocast ");
	esc(o, run->v_repocast);
	buf_addstr(o, ", libgit2 ");
	esc(o, run->v_libgit2);
	buf_addstr(o, ", libcurl ");
	esc(o, run->v_libcurl);
	buf_addstr(o, ", msgpack ");
	esc(o, run->v_msgpack);
	buf_addstr(o, ", jansson ");
	esc(o, run->v_jansson);
	buf_addstr(o, ", libyaml ");
	esc(o, run->v_libyaml);
	buf_addstr(o, "</p>\n<nav><a href=\"#summary\">Summary</a>"
	    "<a href=\"#timeline\">Timeline</a>"
	    "<a href=\"#cpu\">CPU</a><a href=\"#memory\">Memory</a><a href=\"#phases\">Phases</a>"
	    "<a href=\"#slowest\">Slowest</a><a href=\"#heaviest\">Heaviest</a>"
	    "<a href=\"#failures\">Failures</a><a href=\"#prs\">Pull requests</a>"
	    "<a href=\"#targets\">All targets</a>");
	if (p->has_flame)
		buf_addstr(o, "<a href=\"#profile\">Profile</a>");
	buf_addstr(o, "</nav>\n</header>\n");
	if (run->interrupted)
		buf_addstr(o, "<p class=\"warn\">The run was interrupted: targets that never "
		    "started are recorded as cancelled.</p>\n");
}

/* One bar split by outcome, each share as wide as its count. */
static void
outcome_strip(struct page *p)
{
	struct buf *o = p->out;
	double x = 0, w;
	size_t i;

	buf_addf(o, "<svg viewBox=\"0 0 %d 18\" role=\"img\" aria-label=\"targets by outcome\">",
	    SVG_W);
	if (p->n == 0)
		buf_addf(o, "<rect class=\"track\" width=\"%d\" height=\"18\"/>", SVG_W);
	for (i = 0; i < NOUTCOMES && p->n > 0; i++) {
		if (p->outcomes[i] == 0)
			continue;
		w = (double)p->outcomes[i] * SVG_W / (double)p->n;
		buf_addf(o, "<rect class=\"o%zu\" x=\"%.1f\" width=\"%.1f\" height=\"18\">"
		    "<title>%s: %zu</title></rect>", i, x, w,
		    i == OUTCOME_NONE ? "unknown" : record_outcome_name((enum record_outcome)i),
		    p->outcomes[i]);
		x += w;
	}
	buf_addstr(o, "</svg>\n<div class=\"legend\">");
	for (i = 0; i < NOUTCOMES; i++) {
		if (p->outcomes[i] == 0)
			continue;
		buf_addstr(o, "<span>");
		html_chip(o, (enum record_outcome)i);
		buf_addf(o, "%s <b>%zu</b></span>",
		    i == OUTCOME_NONE ? "unknown" : record_outcome_name((enum record_outcome)i),
		    p->outcomes[i]);
	}
	buf_addstr(o, "</div>\n");
}

/* p50, p95 and max of a key over the targets that ran. */
static void
dist_row(struct page *p, const char *label, rec_key key, bool kib)
{
	struct buf *o = p->out;
	uint64_t *v = xcalloc(p->nbars ? p->nbars : 1, sizeof(*v));
	static const unsigned rank[] = { 50, 95, 100 };
	char t[32];
	size_t i;

	for (i = 0; i < p->nbars; i++)
		v[i] = key(&p->recs[p->order[i]]);
	buf_addf(o, "<tr><td>%s</td>", label);
	for (i = 0; i < ARRAY_SIZE(rank); i++) {
		uint64_t x = report_percentile(v, p->nbars, rank[i]);

		if (kib)
			html_fmt_kib(t, sizeof(t), x);
		else
			html_fmt_dur(t, sizeof(t), x);
		buf_addf(o, "<td class=\"n\">%s</td>", t);
	}
	buf_addstr(o, "</tr>\n");
	free(v);
}

void
html_section_summary(struct page *p)
{
	const struct report_run *run = p->run;
	struct buf *o = p->out;
	uint64_t wall = run->end_us > run->start_us ? run->end_us - run->start_us : p->t1 - p->t0;
	char v[64], a[32], b[32];

	buf_addstr(o, "<section id=\"summary\">\n<h2>Run summary</h2>\n<div class=\"cards\">\n");
	snprintf(v, sizeof(v), "%zu", p->n);
	html_card(o, v, "targets");
	snprintf(v, sizeof(v), "%zu", p->failed);
	html_card(o, v, "failed (a cause is set)");
	html_fmt_dur(v, sizeof(v), wall);
	html_card(o, v, "wall time of the run");
	html_fmt_dur(v, sizeof(v), p->utime + p->stime);
	html_fmt_dur(a, sizeof(a), p->utime);
	html_fmt_dur(b, sizeof(b), p->stime);
	{
		char label[128];

		snprintf(label, sizeof(label), "worker CPU: user %s + sys %s", a, b);
		html_card(o, v, label);
	}
	if (p->hwm_at < p->n)
		html_fmt_kib(v, sizeof(v), p->recs[p->hwm_at].vm_hwm_kib);
	else
		snprintf(v, sizeof(v), "n/a");
	html_card(o, v, "peak worker memory (VmHWM)");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)p->attempts);
	snprintf(a, sizeof(a), "%zu", p->retried);
	{
		char label[96];

		snprintf(label, sizeof(label), "attempts (%s target%s retried)", a,
		    p->retried == 1 ? "" : "s");
		html_card(o, v, label);
	}
	snprintf(v, sizeof(v), "%.2f", wall ? (double)p->wall_sum / (double)wall : 0.0);
	html_card(o, v, "parallelism (worker wall / run wall)");
	html_fmt_dur(v, sizeof(v), run->self.utime_us + run->self.stime_us);
	html_card(o, v, "supervisor CPU (its own rusage)");
	html_fmt_kib(v, sizeof(v), run->self.maxrss_kib);
	html_card(o, v, "supervisor peak RSS");
	snprintf(v, sizeof(v), "%llu", (unsigned long long)run->api_requests);
	snprintf(a, sizeof(a), "%llu", (unsigned long long)run->api_not_modified);
	{
		char label[96];

		snprintf(label, sizeof(label), "API requests (%s answered 304)", a);
		html_card(o, v, label);
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)run->api_rate_limited);
	html_card(o, v, "API requests rate-limited");
	html_fmt_dur(v, sizeof(v), run->api_waited_ms * 1000);
	html_card(o, v, "waited for the API's pace");
	buf_addstr(o, "</div>\n");
	html_identity_table(o, run);
	buf_addstr(o, "<h3 style=\"margin-top:14px\">Targets by outcome</h3>\n");
	outcome_strip(p);
	buf_addstr(o, "<table style=\"max-width:560px;margin-top:10px\"><tr><th>over the targets "
	    "that ran</th><th class=\"n\">p50</th><th class=\"n\">p95</th><th class=\"n\">max</th>"
	    "</tr>\n");
	dist_row(p, "worker wall", html_key_wall, false);
	dist_row(p, "worker CPU (user + sys)", html_key_cpu, false);
	dist_row(p, "worker peak memory (VmHWM)", html_key_hwm, true);
	buf_addstr(o, "</table>\n<p class=\"src\">Sources: wall is the run's end minus its start; "
	    "worker CPU is the sum of every target's utime + stime from <code>wait4</code> (the "
	    "last attempt's worker and its command); peak memory is the VmHWM each worker read "
	    "from <code>/proc/self/status</code>, not rusage maxrss, which inherits the "
	    "supervisor's RSS "
	    "across exec; the supervisor's figures are its own <code>getrusage(RUSAGE_SELF)</code> "
	    "at the end of the run; the API figures are the supervisor's client counters (a "
	    "<code>run</code> makes no API requests); the identity, signing and commit path are "
	    "<code>run.auth</code>, <code>run.signing</code> and <code>run.commit_via</code>: "
	    "names, ids and fingerprints, never a token or a key.</p>\n</section>\n");
}
