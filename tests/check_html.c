/*
 * report.html (supervisor/report/html*.c): the sections and their charts,
 * the top lists' and the failures' limits, and the log tails.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/htmlfix.h"

/* The limits of html.c, as the page must show them. */
#define ROWS 200
#define TOP 30
#define FAILS 50
#define LINES 20

START_TEST(test_sections)
{
	static const char *const ids[] = {
		"summary", "timeline", "cpu", "memory", "phases", "slowest", "heaviest",
		"failures", "prs", "targets",
	};
	static const char *const charts[] = { "summary", "timeline", "cpu", "memory", "phases" };
	struct fx f;
	const char *html;
	char *s;
	size_t i;

	fx_init(&f);
	fx_mixed(&f);
	f.run.api_requests = 4321;
	f.run.api_not_modified = 17;
	f.run.argv = xcalloc(4, sizeof(*f.run.argv));
	f.run.argv[0] = xstrdup("make");
	f.run.argv[1] = xstrdup("lint");
	f.run.argv[2] = xstrdup("it's\tok\n");
	html = fx_render(&f);
	/* the command as a shell would read it, its tab and newline kept */
	ck_assert_ptr_nonnull(strstr(html,
	    "<code class=\"cmd\">make lint &#39;it&#39;\\&#39;&#39;s\tok\n&#39;</code>"));
	ck_assert_msg(strncmp(html, "<!DOCTYPE html>\n", 16) == 0, "no doctype");
	ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		free(section_of(html, ids[i]));
	for (i = 0; i < ARRAY_SIZE(charts); i++) {
		s = section_of(html, charts[i]);
		ck_assert_msg(strstr(s, "<svg") != NULL && strstr(s, "</svg>") != NULL,
		    "no chart in '%s'", charts[i]);
		free(s);
	}
	ck_assert_uint_eq(count(html, "<svg"), count(html, "</svg>"));
	ck_assert_uint_eq(count(html, "<section"), ARRAY_SIZE(ids));
	ck_assert_uint_eq(count(html, "<section"), count(html, "</section>"));
	ck_assert_uint_eq(count(html, "<g"), count(html, "</g>"));
	ck_assert_ptr_null(strstr(html, "<script"));

	s = section_of(html, "summary");
	ck_assert_ptr_nonnull(strstr(s, "4321"));
	ck_assert_ptr_nonnull(strstr(s, "(17 answered 304)"));
	ck_assert_ptr_nonnull(strstr(s, "VmHWM"));
	free(s);

	/* one row per target, the retries marked, the phases inside the bars */
	s = section_of(html, "timeline");
	ck_assert_uint_eq(count(s, "<g class=\"row\">"), 5);
	ck_assert_uint_eq(count(s, " retried\""), 2);
	ck_assert_uint_eq(count(s, "\xe2\x86\xbb" "2</text>"), 2);
	ck_assert_uint_eq(count(s, "<rect class=\"p"), 5);
	ck_assert_ptr_null(strstr(s, "timeline-aggregated"));
	free(s);

	s = section_of(html, "failures");
	ck_assert_ptr_nonnull(strstr(s, "<b>signal:SEGV</b>"));
	ck_assert_ptr_nonnull(strstr(s, "<b>timeout</b>"));
	ck_assert_ptr_nonnull(strstr(s, "no result within 5000 ms"));
	ck_assert_ptr_nonnull(strstr(s, "line 003"));
	ck_assert_ptr_nonnull(strstr(s, "--- repocast: attempt 2 ---"));
	ck_assert_uint_eq(count(s, "<article"), 2);
	free(s);

	s = section_of(html, "prs");
	ck_assert_ptr_nonnull(strstr(s, "<a href=\"https://forge.example/acme/api/pull/7\""));
	ck_assert_ptr_nonnull(strstr(s, "<td>opened</td>"));
	free(s);

	s = section_of(html, "phases");
	ck_assert_ptr_nonnull(strstr(s, ">fetch</text>"));
	ck_assert_ptr_nonnull(strstr(s, "550 ms (28%, 2 targets)"));
	free(s);
	fx_release(&f);
}
END_TEST

/* VmHWM is the memory shown; rusage maxrss (999999 KiB here) never is. */
START_TEST(test_memory_source)
{
	struct fx f;
	const char *html;

	fx_init(&f);
	fx_add(&f, "acme/one", OUTCOME_RAN, 0, 10)->vm_hwm_kib = 2048;
	html = fx_render(&f);
	ck_assert_ptr_nonnull(strstr(html, "2.00 MiB"));
	ck_assert_ptr_null(strstr(html, "977 MiB"));
	ck_assert_ptr_null(strstr(html, "999999"));
	fx_release(&f);
}
END_TEST

/* The CPU and memory charts: the top TOP targets, the largest first. */
static void
check_top(size_t n)
{
	struct fx f;
	const char *html;
	char *cpu, *mem;
	size_t i, bars = n < TOP ? n : TOP;

	fx_init(&f);
	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "acme/t%02zu", i);
		fx_add(&f, name, OUTCOME_RAN, 0, 100 + i);
	}
	html = fx_render(&f);
	cpu = section_of(html, "cpu");
	mem = section_of(html, "memory");
	ck_assert_uint_eq(count(cpu, "<rect class=\"u\""), bars);
	ck_assert_uint_eq(count(mem, "<rect class=\"mem\""), bars);
	if (n == 0) {
		ck_assert_ptr_nonnull(strstr(cpu, "no data"));
		ck_assert_ptr_nonnull(strstr(mem, "no data"));
	} else {
		char first[32], second[32];

		/* the largest first */
		snprintf(first, sizeof(first), ">acme/t%02zu<", n - 1);
		snprintf(second, sizeof(second), ">acme/t%02zu<", n - 2);
		ck_assert_ptr_nonnull(strstr(cpu, first));
		ck_assert_ptr_nonnull(strstr(cpu, second));
		ck_assert(strstr(cpu, first) < strstr(cpu, second));
		ck_assert(strstr(mem, first) < strstr(mem, second));
	}
	/* the smallest of TOP + 1 is left out */
	if (n > TOP) {
		ck_assert_ptr_null(strstr(cpu, ">acme/t00<"));
		ck_assert_ptr_null(strstr(mem, ">acme/t00<"));
	}
	free(cpu);
	free(mem);
	fx_release(&f);
}

START_TEST(test_top_0)
{
	check_top(0);
}
END_TEST

START_TEST(test_top_max)
{
	check_top(TOP);
}
END_TEST

START_TEST(test_top_max_plus_1)
{
	check_top(TOP + 1);
}
END_TEST

/* The failures with their log: the first FAILS, the rest in a table. */
static void
check_fails(size_t n)
{
	struct fx f;
	char *s;
	size_t i;

	fx_init(&f);
	fx_add(&f, "acme/ok", OUTCOME_RAN, 0, 10);
	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "acme/f%02zu", i);
		fx_fail(fx_add(&f, name, OUTCOME_FAILED, 0, 10), CAUSE_EXIT, 2, "exit 2");
	}
	s = section_of(fx_render(&f), "failures");
	ck_assert_uint_eq(count(s, "<article"), n < FAILS ? n : FAILS);
	if (n > FAILS) {
		ck_assert_ptr_nonnull(strstr(s, "1 more failures"));
		ck_assert_ptr_nonnull(strstr(s, ">acme/f50</td>"));
	} else {
		ck_assert_ptr_null(strstr(s, "failures-more"));
	}
	if (n == 0)
		ck_assert_ptr_nonnull(strstr(s, "No target failed."));
	else
		ck_assert_ptr_nonnull(strstr(s, "failed: <b>exit:2</b>"));
	free(s);
	fx_release(&f);
}

START_TEST(test_fails_0)
{
	check_fails(0);
}
END_TEST

START_TEST(test_fails_max)
{
	check_fails(FAILS);
}
END_TEST

START_TEST(test_fails_max_plus_1)
{
	check_fails(FAILS + 1);
}
END_TEST

/* A failure's log: its last LINES lines. */
static char *
fail_of(size_t lines)
{
	struct fx f;
	struct record *r;
	char *s;

	fx_init(&f);
	r = fx_add(&f, "acme/x", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_EXIT, 1, "exit 1");
	fx_log_lines(&f, r, lines);
	s = section_of(fx_render(&f), "failures");
	fx_release(&f);
	return s;
}

START_TEST(test_log_0)
{
	char *s = fail_of(0);

	ck_assert_ptr_nonnull(strstr(s, ".log (empty).</p>"));
	ck_assert_ptr_null(strstr(s, "<pre>"));
	free(s);
}
END_TEST

START_TEST(test_log_max)
{
	char *s = fail_of(LINES);

	ck_assert_ptr_nonnull(strstr(s, "The whole of "));
	ck_assert_ptr_nonnull(strstr(s, "<pre>line 001\n"));
	ck_assert_ptr_nonnull(strstr(s, "line 020\n</pre>"));
	free(s);
}
END_TEST

START_TEST(test_log_max_plus_1)
{
	char *s = fail_of(LINES + 1);

	ck_assert_ptr_nonnull(strstr(s, "The last 20 lines of "));
	ck_assert_ptr_null(strstr(s, "line 001"));
	ck_assert_ptr_nonnull(strstr(s, "<pre>line 002\n"));
	ck_assert_ptr_nonnull(strstr(s, "line 021\n</pre>"));
	free(s);
}
END_TEST

/* A big log is read from its end only. */
START_TEST(test_log_big)
{
	char *s = fail_of(100000);

	ck_assert_ptr_nonnull(strstr(s, "The last 20 lines of "));
	ck_assert_ptr_nonnull(strstr(s, "<pre>line 99981\n"));
	ck_assert_ptr_nonnull(strstr(s, "line 100000\n</pre>"));
	ck_assert_uint_lt(strlen(s), 4096);
	free(s);
}
END_TEST

/* A missing log, a FIFO (read, it would block) and no log at all are said so. */
START_TEST(test_log_missing)
{
	struct fx f;
	struct record *r;
	char *s, *want;

	fx_init(&f);
	r = fx_add(&f, "acme/gone", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_EXIT, 1, "exit 1");
	r->log_path = xasprintf("%s/nothing.log", f.dir);
	r = fx_add(&f, "acme/fifo", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_EXIT, 1, "exit 1");
	r->log_path = xasprintf("%s/fifo.log", f.dir);
	ck_assert_int_eq(mkfifo(r->log_path, 0600), 0);
	r = fx_add(&f, "acme/none", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_SPAWN, 0, "cannot execute");
	s = section_of(fx_render(&f), "failures");
	want = xasprintf("The log is not available: cannot open &#39;%s/nothing.log&#39;: No "
	    "such file or directory</p>", f.dir);
	ck_assert_msg(strstr(s, want) != NULL, "no '%s' in %s", want, s);
	free(want);
	want = xasprintf("The log is not available: &#39;%s/fifo.log&#39; is not a regular "
	    "file</p>", f.dir);
	ck_assert_msg(strstr(s, want) != NULL, "no '%s' in %s", want, s);
	free(want);
	ck_assert_ptr_nonnull(strstr(s, "No log was recorded for this target."));
	free(s);
	fx_release(&f);
}
END_TEST

/* A run without records still makes a whole page. */
START_TEST(test_empty)
{
	struct fx f;
	const char *html;

	fx_init(&f);
	f.run.interrupted = true;
	html = fx_render(&f);
	ck_assert_uint_eq(count(html, "<section"), 10);
	ck_assert_ptr_nonnull(strstr(html, "No target failed."));
	ck_assert_ptr_nonnull(strstr(html, "No pull request was opened"));
	ck_assert_ptr_nonnull(strstr(html, "The run was interrupted"));
	ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
	fx_release(&f);
}
END_TEST

Suite *
html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc;

	tc = tcase_create("page");
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_memory_source);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_top_0);
	tcase_add_test(tc, test_top_max);
	tcase_add_test(tc, test_top_max_plus_1);
	tcase_add_test(tc, test_fails_0);
	tcase_add_test(tc, test_fails_max);
	tcase_add_test(tc, test_fails_max_plus_1);
	suite_add_tcase(s, tc);

	tc = tcase_create("logs");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_log_0);
	tcase_add_test(tc, test_log_max);
	tcase_add_test(tc, test_log_max_plus_1);
	tcase_add_test(tc, test_log_big);
	tcase_add_test(tc, test_log_missing);
	suite_add_tcase(s, tc);
	return s;
}
