/*
 * html — report.html (DESIGN §7; docs/report-html.md says what each part
 * shows and where its figures come from): one self-contained page with
 * inline CSS and inline SVG, no script, nothing fetched. A
 * Content-Security-Policy of default-src 'none' tells the browser so too,
 * so even a mistake here cannot make the page load anything.
 *
 * Invariants: every string from a record or the run goes through
 * html_text, which replaces invalid UTF-8 and control characters with
 * U+FFFD, escapes the five special characters, and writes the colon of
 * "://" as a reference, so that the only URLs in the file are the PR
 * links' href attributes. The page depends on its input alone (the
 * records and the tails of their logs): no clock, and every sort breaks
 * its ties by the record's index.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/utf8.h"
#include "shared/util.h"
#include "supervisor/report/flame.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/profiles.h"
#include "supervisor/report/report.h"

#define TIMELINE_ROWS 200 /* more targets than this share rows (docs/report-html.md) */

#define CHART_TOP 30      /* bars in the CPU and the memory chart */

#define TOP_LIST 10       /* rows of the slowest and the heaviest tables */

#define FAIL_DETAIL 50    /* failures shown with their log; the rest only in a table */
#define FAIL_OPEN 10      /* ... the first logs unfolded, the others one click away */
#define LOG_LINES 20      /* a failure's log: its last lines */
#define LOG_BYTES 8192    /* ... read from the end of the file, at most */

#define TL_X 250          /* the timeline's plot: x of 0 and its width */
#define TL_W 870
#define TL_ROW 16         /* a row of one target */
#define TL_AGG_ROW 11     /* a row shared by several: 200 of them stay on a screen or two */
#define TL_AXIS_ROWS 40   /* a chart of more rows repeats the axis at its foot */
#define TL_LANE_Y 22      /* the concurrency lane */
#define TL_LANE_H 44
#define TL_ROWS_Y (TL_LANE_Y + TL_LANE_H + 12)

#define CH_X 250          /* a bar chart's bars: x of 0 and the longest bar */
#define CH_W 620
#define CH_ROW 20

static const char *const outcome_colour[NOUTCOMES] = {
	[OUTCOME_NONE] = "#6e7781",
	[OUTCOME_OK] = "#2da44e",
	[OUTCOME_RAN] = "#2da44e",
	[OUTCOME_PUSHED] = "#1a7f37",
	[OUTCOME_UP_TO_DATE] = "#7ad38f",
	[OUTCOME_PENDING_CURRENT] = "#54aeff",
	[OUTCOME_DRY_RUN] = "#0969da",
	[OUTCOME_SKIPPED] = "#afb8c1",
	[OUTCOME_FAILED] = "#cf222e",
	[OUTCOME_TIMED_OUT] = "#e16f24",
	[OUTCOME_CANCELLED] = "#8250df",
	[OUTCOME_UNCHANGED] = "#7ad38f",
};

/* Phases, by the order they were first reported in. */
static const char *const palette[NPALETTE] = {
	"#0550ae", "#bf8700", "#8250df", "#1b7c83", "#bf3989", "#953800", "#424a53", "#6fa8ff",
};

static const char css[] =
    ":root{--fg:#1f2328;--mu:#59636e;--ln:#d1d9e0;--bg:#fff;--cd:#f6f8fa}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}"
    "main{max-width:1240px;margin:0 auto;padding:20px 28px 60px}"
    "h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:0 0 10px;padding-bottom:6px;"
    "border-bottom:1px solid var(--ln)}h3{font-size:15px;margin:0 0 6px}"
    "section{margin:30px 0}nav{margin:10px 0 0;font-size:13px}nav a{margin-right:14px}"
    "a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}"
    ".meta{color:var(--mu);margin:2px 0}.meta code{color:var(--fg)}.cmd{white-space:pre-wrap}"
    ".warn{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(178px,1fr));gap:10px}"
    ".card{background:var(--cd);border:1px solid var(--ln);border-radius:8px;padding:9px 12px}"
    ".card b{display:block;font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}"
    ".card span{color:var(--mu);font-size:12px}"
    ".src,.note{color:var(--mu);font-size:12px;margin:6px 0}"
    ".note{background:var(--cd);border-left:3px solid #0969da;padding:6px 10px;color:var(--fg)}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:13px}"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--ln);text-align:left;vertical-align:top}"
    "th{background:var(--cd);font-weight:600;position:sticky;top:0}"
    ".n{text-align:right;white-space:nowrap}"
    "td.nm{min-width:11em;max-width:32em;overflow-wrap:anywhere}"
    "#identity th{width:1%;white-space:nowrap}#identity td{overflow-wrap:anywhere}"
    ".chip{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;"
    "vertical-align:-1px}"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:6px 0}"
    ".scroll{max-height:640px;overflow:auto;border:1px solid var(--ln);border-radius:6px}"
    ".fail{border:1px solid var(--ln);border-left:4px solid #cf222e;border-radius:6px;"
    "padding:8px 14px;margin:8px 0}"
    ".fail.late{border-left-color:#e16f24}.fail p{margin:2px 0}.facts{color:var(--mu)}"
    ".facts b{color:var(--fg)}.errtext{white-space:pre-wrap;word-break:break-word}"
    "details summary{cursor:pointer}"
    "pre{background:#0d1117;color:#e6edf3;padding:10px 12px;border-radius:6px;overflow:auto;"
    "max-height:420px;margin:4px 0 0;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"
    "monospace}"
    "svg{display:block;width:100%;height:auto}"
    "svg text{font-size:11px;fill:var(--fg)}svg .mu{fill:var(--mu)}svg .sm{font-size:9px}"
    "svg .grid{stroke:#eaeef2;stroke-width:1}svg .axis{stroke:#afb8c1}"
    "svg .lane{fill:#ddf4ff;stroke:#54aeff}svg .track{fill:#f6f8fa}"
    "svg .retried{stroke:#1f2328;stroke-width:1;stroke-dasharray:2 1.5}"
    "svg .agg{opacity:.45}svg .u{fill:#0969da}svg .s{fill:#80ccff}svg .mem{fill:#8250df}"
    "svg .ph{fill:#6639ba}";

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

/* ---- head and summary ---- */

static void
page_head(struct page *p)
{
	struct buf *o = p->out;
	size_t i;

	buf_addstr(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src data:");
	/* The flame graph's script, and no other (--profile). */
	if (p->has_flame)
		buf_addf(o, "; script-src 'nonce-%s'", p->nonce);
	buf_addstr(o, "\">\n"
	    "<link rel=\"icon\" href=\"data:,\">\n<title>repocast ");
	esc(o, p->run->command);
	buf_addstr(o, " ");
	esc(o, p->run->id);
	buf_addstr(o, "</title>\n<style>");
	buf_addstr(o, css);
	for (i = 0; i < NOUTCOMES; i++)
		buf_addf(o, ".o%zu{fill:%s;background:%s}", i, outcome_colour[i],
		    outcome_colour[i]);
	for (i = 0; i < NPALETTE; i++)
		buf_addf(o, ".p%zu{fill:%s;background:%s}", i, palette[i], palette[i]);
	/* In a shared row the others are translucent, a failure is not. */
	buf_addf(o, "svg .agg.o%d,svg .agg.o%d,svg .agg.o%d{opacity:1}", OUTCOME_FAILED,
	    OUTCOME_TIMED_OUT, OUTCOME_CANCELLED);
	buf_addstr(o, "</style>\n</head>\n<body>\n<main>\n");
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

/* The merged reports' disagreement on field (run.merge), or NULL. */
static const struct report_disagreement *
differ_of(const struct report_run *run, const char *field)
{
	size_t i;

	for (i = 0; run->merge != NULL && i < run->merge->ndiffer; i++)
		if (strcmp(run->merge->differ[i].field, field) == 0)
			return &run->merge->differ[i];
	return NULL;
}

/* A field the merged reports disagree on: each report's value. */
/* "run: <code>value</code>; ..." for each merged run of d. */
static void
differ_values(struct buf *o, const struct report_disagreement *d)
{
	size_t i;

	for (i = 0; i < d->runs.n; i++) {
		buf_addstr(o, i ? "; " : "");
		esc(o, d->runs.v[i]);
		buf_addstr(o, ": <code>");
		esc(o, d->values.v[i]);
		buf_addstr(o, "</code>");
	}
}

static void
differ_cell(struct buf *o, const struct report_disagreement *d)
{
	buf_addstr(o, "<td><b>differs between the merged reports:</b> ");
	differ_values(o, d);
	buf_addstr(o, "</td>");
}

/* Who the run was on the API (run.auth): never a token, the App's id. */
static void
identity_cell(struct buf *o, const struct report_run *run)
{
	const struct report_disagreement *d = differ_of(run, "auth");
	size_t i;

	if (d != NULL) {
		differ_cell(o, d);
		return;
	}
	buf_addstr(o, "<td>");
	if (run->auth_kind == NULL) {
		buf_addstr(o, "none recorded (no API token was used)");
	} else if (strcmp(run->auth_kind, "app") == 0) {
		buf_addstr(o, "GitHub App <b>");
		esc(o, run->auth_app_id != NULL ? run->auth_app_id : "?");
		buf_addstr(o, "</b>");
	} else {
		buf_addstr(o, "token");
	}
	if (run->auth_kind != NULL && run->auth_source != NULL) {
		buf_addstr(o, " from <code>");
		esc(o, run->auth_source);
		buf_addstr(o, "</code>");
	}
	for (i = 0; i < run->ninstallations; i++) {
		const struct report_installation *in = &run->installations[i];

		buf_addstr(o, i ? ", " : "; installations: ");
		esc(o, in->owner);
		if (in->id == 0)
			buf_addstr(o, " <b>not installed</b>");
		else
			buf_addf(o, " %" PRIu64, in->id);
		buf_addf(o, " (%u token%s)", in->tokens, in->tokens == 1 ? "" : "s");
	}
	buf_addstr(o, "</td>");
}

/* How the run signed its commits (run.signing): the key's name and fingerprint. */
static void
signing_cell(struct buf *o, const struct report_run *run)
{
	const struct report_disagreement *d = differ_of(run, "signing");

	if (d != NULL) {
		differ_cell(o, d);
		return;
	}
	if (run->signing.method == NULL) {
		buf_addstr(o, "<td>unsigned</td>");
		return;
	}
	buf_addstr(o, "<td><b>");
	esc(o, run->signing.method);
	buf_addstr(o, "</b>");
	if (run->signing.key != NULL) {
		buf_addstr(o, ", key <code>");
		esc(o, run->signing.key);
		buf_addstr(o, "</code>");
	}
	if (run->signing.fingerprint != NULL) {
		buf_addstr(o, ", fingerprint <code>");
		esc(o, run->signing.fingerprint);
		buf_addstr(o, "</code>");
	}
	if (run->signing.from != NULL) {
		buf_addstr(o, ", from ");
		esc(o, run->signing.from);
	}
	buf_addstr(o, "</td>");
}

/* How the run's commits reach their targets (run.commit_via). */
static void
via_cell(struct buf *o, const struct report_run *run)
{
	const struct report_disagreement *d = differ_of(run, "commit_via");

	if (d != NULL)
		differ_cell(o, d);
	else if (run->commit_via == COMMIT_PUSH)
		buf_addstr(o, "<td><b>push</b>: each worker's git push</td>");
	else if (run->commit_via == COMMIT_API)
		buf_addstr(o, "<td><b>api</b>: the Git Data API, by the supervisor</td>");
	else
		buf_addstr(o, "<td>none: the run commits nothing (a dry run, <code>status</code>, "
		    "<code>run --no-pr</code>)</td>");
}

void
html_identity_table(struct buf *o, const struct report_run *run)
{
	buf_addstr(o, "<h3 style=\"margin-top:14px\">Identity and commits</h3>\n"
	    "<table id=\"identity\" style=\"max-width:960px\">\n<tr><th>identity</th>");
	identity_cell(o, run);
	buf_addstr(o, "</tr>\n<tr><th>signing</th>");
	signing_cell(o, run);
	buf_addstr(o, "</tr>\n<tr><th>commit path</th>");
	via_cell(o, run);
	buf_addstr(o, "</tr>\n</table>\n");
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

/* ---- timeline ---- */

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

/* ---- bar charts ---- */

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

/* ---- tables ---- */

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

/* ---- failures ---- */

/*
 * The end of the file at path, at most LOG_BYTES, into dst; *cut when
 * more came before it. Only a regular file is read (never a FIFO that
 * would block). 0, or -1 with err_last set.
 */
static int
log_tail(struct buf *dst, const char *path, bool *cut)
{
	struct stat st;
	off_t from;
	ssize_t got;
	int fd, rc = -1;

	*cut = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_sys(ERR_FAIL, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		err_sys(ERR_FAIL, "cannot stat '%s'", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(ERR_FAIL, "'%s' is not a regular file", path);
		goto out;
	}
	from = st.st_size > LOG_BYTES ? st.st_size - LOG_BYTES : 0;
	*cut = from > 0;
	buf_grow(dst, LOG_BYTES);
	got = pread(fd, dst->ptr + dst->len, LOG_BYTES, from);
	if (got < 0) {
		err_sys(ERR_FAIL, "cannot read '%s'", path);
		goto out;
	}
	buf_setlen(dst, dst->len + (size_t)got);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Where the last max lines of s (len bytes) begin; *more when lines came before. */
static size_t
tail_start(const char *s, size_t len, size_t max, bool *more)
{
	size_t i = len, lines = 0;

	if (i > 0 && s[i - 1] == '\n')
		i--;              /* the last line's newline ends it, it starts none */
	while (i > 0) {
		if (s[i - 1] == '\n' && ++lines == max) {
			*more = true;
			return i;
		}
		i--;
	}
	*more = false;
	return 0;
}

static void
fail_log(struct page *p, const struct record *r, bool open)
{
	struct buf *o = p->out, log = BUF_INIT;
	size_t start = 0;
	bool cut, more;

	if (r->log_path == NULL) {
		buf_addstr(o, "<p class=\"src\">No log was recorded for this target.</p>\n");
		return;
	}
	if (log_tail(&log, r->log_path, &cut) < 0) {
		buf_addstr(o, "<p class=\"src\">The log is not available: ");
		esc(o, err_last());
		buf_addstr(o, "</p>\n");
		buf_release(&log);
		return;
	}
	if (cut) {
		/* The first line read is likely part of a longer one. */
		const char *nl = memchr(log.ptr, '\n', log.len);

		start = nl != NULL ? (size_t)(nl - log.ptr) + 1 : 0;
	}
	start += tail_start(log.ptr + start, log.len - start, LOG_LINES, &more);
	if (log.len == 0) {
		buf_addstr(o, "<p class=\"src\">The whole of ");
		esc(o, r->log_path);
		buf_addstr(o, " (empty).</p>\n");
		buf_release(&log);
		return;
	}
	buf_addf(o, "<details%s><summary class=\"src\">", open ? " open" : "");
	buf_addf(o, (cut || more) ? "The last %d lines of " : "The whole of ", LOG_LINES);
	esc(o, r->log_path);
	buf_addstr(o, "</summary>\n<pre>");
	html_textn(o, log.ptr + start, log.len - start, ESC_PRE, 0);
	buf_addstr(o, "</pre></details>\n");
	buf_release(&log);
}

static void
fail_detail(struct page *p, const struct record *r, bool open)
{
	struct buf *o = p->out;
	char cause[RECORD_CAUSE_MAX], w[32];
	const char *sig = r->term_signal ? sigabbrev_np(r->term_signal) : NULL;

	html_fmt_dur(w, sizeof(w), r->wall_us);
	buf_addf(o, "<article class=\"fail%s\">\n<h3>",
	    html_outcome_of(r) == OUTCOME_TIMED_OUT ? " late" : "");
	html_chip(o, html_outcome_of(r));
	esc(o, r->name);
	buf_addf(o, "</h3>\n<p class=\"facts\">%s &middot; cause <b>", html_outcome_label(r));
	esc(o, record_cause_name(cause, r));
	buf_addf(o, "</b>, from the %s &middot; %d attempt%s &middot; ",
	    r->command_failed ? "command" : "worker", r->attempts, r->attempts == 1 ? "" : "s");
	if (r->pid == 0)
		buf_addstr(o, "no worker started");
	else if (r->exit_code >= 0)
		buf_addf(o, "worker %ld exited %d after %s", (long)r->pid, r->exit_code, w);
	else
		buf_addf(o, "worker %ld killed by SIG%s after %s", (long)r->pid, sig ? sig : "?",
		    w);
	buf_addstr(o, "</p>\n");
	if (r->error != NULL) {
		buf_addstr(o, "<p class=\"errtext\">");
		html_text(o, r->error, ESC_PRE, 0);
		buf_addstr(o, "</p>\n");
	}
	fail_log(p, r, open);
	buf_addstr(o, "</article>\n");
}

/* Failed targets counted by cause, in order of first appearance. */
static void
fail_causes(struct page *p)
{
	struct buf *o = p->out;
	char names[64][RECORD_CAUSE_MAX], cause[RECORD_CAUSE_MAX];
	size_t count[64], nn = 0, i, k, other = 0;

	for (i = 0; i < p->n; i++) {
		const char *c = record_cause_name(cause, &p->recs[i]);

		if (c == NULL)
			continue;
		for (k = 0; k < nn && strcmp(names[k], c) != 0; k++)
			;
		if (k == nn && nn == ARRAY_SIZE(names)) {
			other++;
			continue;
		}
		if (k == nn) {
			snprintf(names[nn], RECORD_CAUSE_MAX, "%s", c);
			count[nn++] = 0;
		}
		count[k]++;
	}
	buf_addf(o, "<p>%zu target%s failed:", p->failed, p->failed == 1 ? "" : "s");
	for (k = 0; k < nn; k++) {
		buf_addstr(o, k ? ", <b>" : " <b>");
		esc(o, names[k]);
		buf_addf(o, "</b> %zu", count[k]);
	}
	if (other > 0)
		buf_addf(o, ", other causes %zu", other);
	buf_addstr(o, ".</p>\n");
}

void
html_section_failures(struct page *p)
{
	struct buf *o = p->out;
	char cause[RECORD_CAUSE_MAX];
	size_t i, shown = 0;

	buf_addstr(o, "<section id=\"failures\">\n<h2>Failures</h2>\n");
	if (p->failed == 0) {
		buf_addstr(o, "<p>No target failed.</p>\n</section>\n");
		return;
	}
	fail_causes(p);
	for (i = 0; i < p->n; i++) {
		if (!record_failed(&p->recs[i]))
			continue;
		if (shown == FAIL_DETAIL)
			break;
		fail_detail(p, &p->recs[i], shown++ < FAIL_OPEN);
	}
	if (p->failed > FAIL_DETAIL) {
		buf_addf(o, "<p class=\"note\" id=\"failures-more\">%zu more failures, without "
		    "their "
		    "logs (the first %d are shown above):</p>\n<div class=\"scroll\"><table><tr>"
		    "<th>target</th><th>cause</th><th>error</th></tr>\n", p->failed - FAIL_DETAIL,
		    FAIL_DETAIL);
		for (; i < p->n; i++) {
			const struct record *r = &p->recs[i];

			if (!record_failed(r))
				continue;
			buf_addstr(o, "<tr><td class=\"nm\">");
			esc(o, r->name);
			buf_addstr(o, "</td><td>");
			esc(o, record_cause_name(cause, r));
			buf_addstr(o, "</td><td class=\"errtext\">");
			html_text(o, r->error, ESC_PRE, 0);
			buf_addstr(o, "</td></tr>\n");
		}
		buf_addstr(o, "</table></div>\n");
	}
	buf_addf(o, "<p class=\"src\">Cause and error are the record's (the pool's verdict, or the "
	    "worker's ERROR); the log lines are the end of the target's log in the run directory "
	    "(the last %d KiB read at most, every attempt's output in it).</p>\n</section>\n",
	    LOG_BYTES / 1024);
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

/* A merged run's missing shards and cross-shard dependencies
 * (docs/scale-out.md); nothing for any other run. */
void
html_section_shards(struct page *p)
{
	const struct report_merge *m = p->run->merge;
	struct buf *o = p->out;
	size_t i, j;

	if (m == NULL || (m->nmissing == 0 && m->ncross == 0 && m->ndiffer == 0))
		return;
	buf_addstr(o, "<section id=\"shards\">\n<h2>Shards</h2>\n<ul>\n");
	for (i = 0; i < m->nmissing; i++)
		buf_addf(o, "<li><b>Missing:</b> shard %u/%u has no report: its targets are not in "
		    "this run.</li>\n", m->missing[i], m->shards);
	for (i = 0; i < m->ncross; i++) {
		const struct report_cross_dep *x = &m->cross[i];

		buf_addstr(o, "<li><b>Dependency across shards:</b> group <code>");
		esc(o, x->group);
		buf_addf(o, "</code> ran %zu target%s while its dependency <code>", x->ran.n,
		    x->ran.n == 1 ? "" : "s");
		esc(o, x->dependency);
		buf_addf(o, "</code> had %" PRIu64 " failed target%s in another shard:",
		    x->dependency_failed, x->dependency_failed == 1 ? "" : "s");
		for (j = 0; j < x->ran.n; j++) {
			buf_addstr(o, j ? ", " : " ");
			esc(o, x->ran.v[j]);
		}
		buf_addstr(o, "</li>\n");
	}
	for (i = 0; i < m->ndiffer; i++) {
		const struct report_disagreement *d = &m->differ[i];

		buf_addstr(o, "<li><b>Disagreement:</b> the merged reports differ on <code>run.");
		esc(o, d->field);
		buf_addstr(o, "</code>, which this run leaves null: ");
		differ_values(o, d);
		buf_addstr(o, "</li>\n");
	}
	buf_addstr(o, "</ul>\n<p class=\"src\">From report merge: each target's record is as its "
	    "shard wrote it.</p>\n</section>\n");
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

void
report_html(struct buf *out, const struct report_in *in)
{
	struct page p;

	html_page_init(&p, out, in);
	page_head(&p);
	html_page_title(&p);
	html_section_summary(&p);
	html_section_timeline(&p);
	html_section_cpu(&p);
	html_section_memory(&p);
	html_section_phases(&p);
	html_top_table(&p, "slowest", "Slowest targets", html_key_wall, "By the worker's wall "
	    "time, spawn to reap, of the last attempt.");
	html_top_table(&p, "heaviest", "Heaviest targets", html_key_hwm, "By the worker's peak "
	    "memory (VmHWM from its STATS; never rusage maxrss).");
	html_section_failures(&p);
	html_section_shards(&p);
	html_section_prs(&p);
	html_section_targets(&p);
	html_section_profile(&p);
	buf_addf(out, "<footer class=\"src\">Written by repocast %s from the records of "
	    "report.json (docs/report-html.md). %s, nothing loaded from elsewhere."
	    "</footer>\n"
	    "</main>\n</body>\n</html>\n", REPOCAST_VERSION,
	    p.has_flame ? "No script but the flame graph's" : "No script");
	html_page_release(&p);
}
