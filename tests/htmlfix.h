/*
 * htmlfix — the fixture the report.html suites share (check_html*.c): a
 * run, its records and their logs in a temporary directory, the page it
 * renders, and helpers to pick a section out of it. Header-only; static,
 * so each suite has its own copy.
 */
#ifndef REPOCAST_TESTS_HTMLFIX_H
#define REPOCAST_TESTS_HTMLFIX_H

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

#define T0 1795307400000000ull /* 2026-11-22T00:30:00Z, in us */

struct fx {
	struct report_run run;
	struct record *recs;
	size_t n, cap;
	char dir[40];             /* the logs */
	struct buf html;
};

static inline void
fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	report_run_init(&f->run, "run");
	f->run.start_us = T0;
	f->run.end_us = T0 + 10000000;
	f->run.jobs = 4;
	f->run.retries = 1;
	f->run.timeout_ms = 5000;
	f->run.exit_code = 1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/check-html-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	buf_init(&f->html, 0);
}

static inline void
fx_release(struct fx *f)
{
	char *rm = xasprintf("rm -rf '%s'", f->dir);
	size_t i;

	for (i = 0; i < f->n; i++)
		record_release(&f->recs[i]);
	free(f->recs);
	report_run_release(&f->run);
	buf_release(&f->html);
	ck_assert_int_eq(system(rm), 0);
	free(rm);
}

/* A target whose worker ran from start_ms to start_ms + wall_ms. */
static inline struct record *
fx_add(struct fx *f, const char *name, enum record_outcome o, uint64_t start_ms,
    uint64_t wall_ms)
{
	struct record *r;

	ALLOC_GROW(f->recs, f->n + 1, f->cap);
	r = &f->recs[f->n++];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->outcome = o;
	r->attempts = 1;
	r->pid = 1000 + (pid_t)f->n;
	r->start_us = T0 + start_ms * 1000;
	r->end_us = r->start_us + wall_ms * 1000;
	r->wall_us = wall_ms * 1000;
	r->utime_us = wall_ms * 600;
	r->stime_us = wall_ms * 100;
	r->vm_hwm_kib = 1024 + f->n;
	r->maxrss_kib = 999999;  /* the supervisor's, inherited: never shown */
	r->exit_code = 0;
	return r;
}

static inline void
fx_phase(struct record *r, const char *name, const char *ms)
{
	r->phases = xrealloc(r->phases, (r->nphases + 1) * sizeof(*r->phases));
	r->phases[r->nphases].key = xstrdup(name);
	r->phases[r->nphases].value = xstrdup(ms);
	r->nphases++;
}

static inline void
fx_fail(struct record *r, enum record_cause cause, int value, const char *error)
{
	record_set_cause(r, cause, value, error);
	if (r->outcome != OUTCOME_TIMED_OUT)
		r->outcome = OUTCOME_FAILED;
}

/* The target's log in the fixture's directory, holding text. */
static inline void
fx_log(struct fx *f, struct record *r, const char *text)
{
	size_t len = strlen(text);
	FILE *fp;

	r->log_path = xasprintf("%s/%zu.log", f->dir, (size_t)(r - f->recs));
	fp = fopen(r->log_path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* A log of n lines "line 001" ... */
static inline void
fx_log_lines(struct fx *f, struct record *r, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 1; i <= n; i++)
		buf_addf(&b, "line %03zu\n", i);
	fx_log(f, r, b.ptr);
	buf_release(&b);
}

static inline const char *
fx_render(struct fx *f)
{
	struct report_in in = { &f->run, f->recs, f->n, f->dir };

	buf_reset(&f->html);
	report_html(&f->html, &in);
	return f->html.ptr;
}

static inline size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p;

	for (p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The text of <section id="id"> (caller frees); fails the test if absent. */
static inline char *
section_of(const char *html, const char *id)
{
	char *open = xasprintf("<section id=\"%s\">", id);
	const char *a = strstr(html, open), *z;

	ck_assert_msg(a != NULL, "no section '%s'", id);
	z = strstr(a, "</section>");
	ck_assert_ptr_nonnull(z);
	free(open);
	return xstrndup(a, (size_t)(z - a));
}

/* Is s valid UTF-8 holding no control character but newline? */
static inline int
clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i;

	while (*p) {
		if (*p < 0x80) {
			if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;
		if (len == 0 || *p > 0xf4)
			return 0;
		for (i = 1; i < len; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
		    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f) ||
		    (p[0] == 0xc2 && p[1] < 0xa0))
			return 0;
		p += len;
	}
	return 1;
}

/* The run of the issue: successes, a crash, a timeout, a retry, a PR. */
static inline void
fx_mixed(struct fx *f)
{
	struct record *r;

	r = fx_add(f, "acme/api", OUTCOME_PUSHED, 0, 1200);
	fx_phase(r, "fetch", "300");
	fx_phase(r, "checkout", "200");
	fx_phase(r, "push", "500");
	r->sync.pr = PR_OPENED;
	r->sync.pr_url = xstrdup("https://forge.example/acme/api/pull/7");
	r->has_result = true;
	r->result.changed = 3;
	r = fx_add(f, "acme/web", OUTCOME_UP_TO_DATE, 100, 400);
	fx_phase(r, "fetch", "250");
	r = fx_add(f, "acme/crash", OUTCOME_FAILED, 200, 800);
	fx_fail(r, CAUSE_SIGNAL, SIGSEGV, "the worker was killed by a signal");
	r->exit_code = -1;
	r->term_signal = SIGSEGV;
	fx_log_lines(f, r, 3);
	r = fx_add(f, "acme/slow", OUTCOME_TIMED_OUT, 300, 5000);
	fx_fail(r, CAUSE_TIMEOUT, 0, "no result within 5000 ms");
	r->attempts = 2;
	r->vm_hwm_kib = 0;       /* killed before its STATS */
	r->exit_code = -1;
	r->term_signal = SIGTERM;
	fx_log(f, r, "starting\n--- repocast: attempt 2 ---\nstarting\n");
	r = fx_add(f, "acme/flaky", OUTCOME_RAN, 1400, 900);
	r->attempts = 2;
	fx_phase(r, "command", "700");
}

/* n targets, acme/t00 ..., whose wall, CPU and VmHWM grow with their number. */
static inline void
fx_ranked(struct fx *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "acme/t%02zu", i);
		fx_add(f, name, OUTCOME_RAN, 0, 100 + i);
	}
}

/* Does s, a section of fx_ranked's n (2 or more) targets, name the largest first? */
static inline void
assert_largest_first(const char *s, size_t n)
{
	char first[32], second[32];

	snprintf(first, sizeof(first), ">acme/t%02zu<", n - 1);
	snprintf(second, sizeof(second), ">acme/t%02zu<", n - 2);
	ck_assert_ptr_nonnull(strstr(s, first));
	ck_assert_ptr_nonnull(strstr(s, second));
	ck_assert(strstr(s, first) < strstr(s, second));
}

#endif
