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

#define CHART_TOP 30      /* bars in the CPU and the memory chart */

#define TOP_LIST 10       /* rows of the slowest and the heaviest tables */

#define FAIL_DETAIL 50    /* failures shown with their log; the rest only in a table */
#define FAIL_OPEN 10      /* ... the first logs unfolded, the others one click away */
#define LOG_LINES 20      /* a failure's log: its last lines */
#define LOG_BYTES 8192    /* ... read from the end of the file, at most */

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
