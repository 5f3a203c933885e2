/*
 * The timeline of report.html (supervisor/report/html_timeline.c): one
 * row per target up to its row limit, shared rows past it (at 0, max,
 * max+1 and 2,000 targets), and no bar for a target that never started.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/htmlfix.h"

/* The row limit of html_timeline.c, as the page must show it. */
#define ROWS 200

/* Past ROWS targets, consecutive targets share a row, and the page says so. */
static void
check_rows(size_t n, size_t rows, size_t per)
{
	struct fx f;
	const char *html;
	char *s, *note;
	size_t i;

	fx_init(&f);
	for (i = 0; i < n; i++) {
		char name[32];
		struct record *r;

		snprintf(name, sizeof(name), "acme/repo-%04zu", i);
		r = fx_add(&f, name, i % 97 == 5 ? OUTCOME_FAILED : OUTCOME_RAN, i * 3,
		    40 + i % 13);
		if (i % 97 == 5)
			fx_fail(r, CAUSE_EXIT, 1, "the command exited with status 1");
		if (i % 101 == 7)
			r->attempts = 2;
	}
	html = fx_render(&f);
	s = section_of(html, "timeline");
	if (per == 1) {
		ck_assert_uint_eq(count(s, "<g class=\"row\">"), rows);
		ck_assert_uint_eq(count(s, "<g class=\"bucket\">"), 0);
		ck_assert_ptr_null(strstr(s, "timeline-aggregated"));
	} else {
		ck_assert_uint_eq(count(s, "<g class=\"row\">"), 0);
		ck_assert_uint_eq(count(s, "<g class=\"bucket\">"), rows);
		/* every target keeps its own bar, with its name in its tooltip */
		ck_assert_uint_eq(count(s, " agg\""), n);
		note = xasprintf("%zu targets ran, more than the %d rows this chart draws, so the "
		    "rows are aggregated: each row holds %zu consecutive targets", n, ROWS, per);
		ck_assert_msg(strstr(s, note) != NULL, "no note: %s", note);
		free(note);
	}
	if (n == 0)
		ck_assert_ptr_nonnull(strstr(s, "no worker ran"));
	free(s);
	fx_release(&f);
}

START_TEST(test_rows_0)
{
	check_rows(0, 0, 1);
}
END_TEST

START_TEST(test_rows_max)
{
	check_rows(ROWS, ROWS, 1);
}
END_TEST

START_TEST(test_rows_max_plus_1)
{
	check_rows(ROWS + 1, 101, 2);
}
END_TEST

START_TEST(test_rows_2000)
{
	check_rows(2000, ROWS, 10);
}
END_TEST

/* A target that never started has no bar, and the page counts it. */
START_TEST(test_no_worker)
{
	struct fx f;
	struct record *r;
	char *s;

	fx_init(&f);
	fx_add(&f, "acme/ran", OUTCOME_RAN, 0, 10);
	r = fx_add(&f, "acme/cached", OUTCOME_UP_TO_DATE, 0, 0);
	r->pid = 0;
	r->start_us = r->end_us = 0;
	r->sync.skipped = true;
	s = section_of(fx_render(&f), "timeline");
	ck_assert_uint_eq(count(s, "<g class=\"row\">"), 1);
	ck_assert_ptr_nonnull(strstr(s, "1 target had no worker"));
	free(s);
	fx_release(&f);
}
END_TEST

Suite *
html_timeline_suite(void)
{
	Suite *s = suite_create("html_timeline");
	TCase *tc;

	tc = tcase_create("rows");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_rows_0);
	tcase_add_test(tc, test_rows_max);
	tcase_add_test(tc, test_rows_max_plus_1);
	tcase_add_test(tc, test_rows_2000);
	tcase_add_test(tc, test_no_worker);
	suite_add_tcase(s, tc);
	return s;
}
