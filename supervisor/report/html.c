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
 *
 * This file writes the head (the policy and the style sheet) and the
 * sections in their order; html_page.h says which html_*.c writes which.
 */
#include <stddef.h>

#include "shared/buf.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/report.h"

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
