/*
 * html_page — private to supervisor/report/html*.c, the files of
 * report.html: the page's model and what each file gives the others.
 * Nothing else includes it; report.h declares report_html, the one entry.
 *
 * html.c writes the head (the policy, the style sheet) and then the
 * sections in their order; html_page.c builds the model from the records
 * once and ranks the top lists; html_text.c escapes text and formats
 * figures. The sections: html_summary.c (the header and the summary),
 * html_identity.c (identity and commits, a merged run's shards),
 * html_timeline.c, html_charts.c (the bar charts and the flame graph),
 * html_failures.c and html_tables.c (the slowest and the heaviest, the
 * pull requests, every target).
 *
 * Invariants (the top of html.c says why): every string from a record or
 * the run goes through html_text; nothing reads a clock; every sort
 * breaks its ties by the record's index. All of it writes to p->out and
 * none of it fails: a log that cannot be read is said so on the page.
 */
#ifndef REPOCAST_REPORT_HTML_PAGE_H
#define REPOCAST_REPORT_HTML_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"
#include "supervisor/report/flame.h"
#include "supervisor/report/report.h"

#define PHASES_MAX 24     /* distinct phase names; later ones are summed as "other" */
#define LABEL_CHARS 32    /* a name in a chart, in code points; the tooltip has it all */

#define NOUTCOMES (OUTCOME_UNCHANGED + 1)
#define NPALETTE 8        /* phase colours, .p0 to .p7 (html.c's style sheet) */

/* The SVG geometry, in viewBox units (the page scales them to its width). */
#define SVG_W 1180

/* ---- text and figures (html_text.c) ---- */

enum {
	ESC_PRE = 1,              /* keep newlines and tabs (a <pre>, an error's text) */
	ESC_URL = 2,              /* an href: "://" stays as it is */
};

/*
 * Append len bytes of s to out as HTML text or attribute value: invalid
 * UTF-8 and control characters become U+FFFD, the five special characters
 * references, the colon of "://" (unless ESC_URL) "&#58;". At most max
 * code points (0: all), then an ellipsis.
 */
void html_textn(struct buf *out, const char *s, size_t len, unsigned flags, size_t max);

/* html_textn of a string; nothing for NULL. */
void html_text(struct buf *out, const char *s, unsigned flags, size_t max);

#define esc(out, s) html_text((out), (s), 0, 0)

/* A duration in us ("850 µs", "1.5 ms", "2.35 s", "4m 05s", "1h 02m") into b of n bytes. */
void html_fmt_dur(char *b, size_t n, uint64_t us);

/* A size in bytes ("512 B", "1.50 KiB", "20.0 MiB") into b of n bytes. */
void html_fmt_bytes(char *b, size_t n, uint64_t bytes);

/* html_fmt_bytes of a size in KiB. */
void html_fmt_kib(char *b, size_t n, uint64_t kib);

/* ---- the page's model (html_page.c) ---- */

struct phase_sum {
	const char *name;         /* borrowed from the first record that reported it */
	uint64_t ms;
	size_t n;                 /* targets that reported it */
};

struct page {
	struct buf *out;
	const struct report_run *run;
	const struct record *recs;
	size_t n;
	uint64_t t0, t1;          /* the timeline: the run's start, the last end */
	size_t *order;            /* the targets with a bar, by start (n slots) */
	size_t nbars;
	size_t *idx;              /* scratch for a top list (n slots) */
	struct phase_sum phases[PHASES_MAX + 1]; /* the last one is "other" */
	size_t nphases;
	size_t outcomes[NOUTCOMES];
	size_t failed, retried, prs;
	uint64_t attempts, utime, stime, wall_sum;
	size_t hwm_at;            /* the target with the highest VmHWM; n when none */
	/* --profile: the run's profile.folded (flame.h), and the nonce its
	 * graph's script runs under (the page allows that one script) */
	bool has_flame;
	struct fold flame;
	char nonce[33];
};

/*
 * Take in's records into p (borrowed: in must outlive p), to write to out:
 * the counts, the phase sums, the start order, the timeline's span and,
 * for a --profile run, the flame graph of in->dir's profile.folded with a
 * fresh nonce. Dies only when memory runs out; release with
 * html_page_release.
 */
void html_page_init(struct page *p, struct buf *out, const struct report_in *in);
void html_page_release(struct page *p);

/* r's outcome, OUTCOME_NONE when out of range; and its name ("unknown" for none). */
enum record_outcome html_outcome_of(const struct record *r);
const char *html_outcome_label(const struct record *r);

/* Did a worker run for r (a bar on the timeline)? */
bool html_has_bar(const struct record *r);

/* A phase's milliseconds; 0 when its value is no decimal number. */
uint64_t html_phase_ms(const struct msg_kv *kv);

/* The slot of a phase name in p->phases: its own while there is room, then "other". */
size_t html_phase_slot(struct page *p, const char *name);

/* The outcome's colour chip; a summary card of value (escaped) over label (markup). */
void html_chip(struct buf *out, enum record_outcome o);
void html_card(struct buf *o, const char *value, const char *label);

/* ---- top lists (html_page.c) ---- */

typedef uint64_t (*rec_key)(const struct record *r);

/* The keys the lists rank by: worker wall, CPU (user + sys), VmHWM. */
uint64_t html_key_wall(const struct record *r);
uint64_t html_key_cpu(const struct record *r);
uint64_t html_key_hwm(const struct record *r);

/* The targets whose key is not 0, largest first, into p->idx; their count. */
size_t html_page_top(struct page *p, rec_key key);

/* ---- the sections, in the page's order ---- */

/* html_summary.c: the header (command, run, versions, links) and <section id="summary">. */
void html_page_title(struct page *p);
void html_section_summary(struct page *p);

/* html_identity.c: the summary's "Identity and commits" table. */
void html_identity_table(struct buf *o, const struct report_run *run);

/* html_timeline.c: <section id="timeline">. */
void html_section_timeline(struct page *p);

/* html_charts.c: <section id="cpu">, "memory" and "phases". */
void html_section_cpu(struct page *p);
void html_section_memory(struct page *p);
void html_section_phases(struct page *p);

/* html_tables.c: the top TOP_LIST targets by key in <section id="id">, src its note. */
void html_top_table(struct page *p, const char *id, const char *title, rec_key key,
    const char *src);

/* html_failures.c: <section id="failures">; reads the failed targets' logs. */
void html_section_failures(struct page *p);

/* html_identity.c: <section id="shards"> of a merged run; nothing for any other. */
void html_section_shards(struct page *p);

/* html_tables.c: <section id="prs"> and <section id="targets">. */
void html_section_prs(struct page *p);
void html_section_targets(struct page *p);

/* html_charts.c: <section id="profile"> of a --profile run; nothing for any other. */
void html_section_profile(struct page *p);

#endif
