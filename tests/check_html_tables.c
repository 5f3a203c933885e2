/*
 * The tables of report.html (supervisor/report/html_tables.c): the
 * slowest and the heaviest targets, the largest first, at 0, max and
 * max+1 targets.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/htmlfix.h"

/* The rows of the top tables of html_tables.c, as the page must show them. */
#define TOP_ROWS 10

/* The slowest and the heaviest: the top TOP_ROWS targets, the largest first. */
static void
check_tables(size_t n)
{
	static const char *const ids[] = { "slowest", "heaviest" };
	struct fx f;
	const char *html;
	size_t i, rows = n < TOP_ROWS ? n : TOP_ROWS;

	fx_init(&f);
	fx_ranked(&f, n);
	html = fx_render(&f);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		char *s = section_of(html, ids[i]);

		ck_assert_uint_eq(count(s, "<tr><td class=\"n\">"), rows);
		if (n == 0) {
			ck_assert_ptr_nonnull(strstr(s, "No target has this figure."));
			ck_assert_ptr_null(strstr(s, "<table>"));
		} else {
			assert_largest_first(s, n);
		}
		/* the smallest of TOP_ROWS + 1 is left out */
		if (n > TOP_ROWS)
			ck_assert_ptr_null(strstr(s, ">acme/t00<"));
		free(s);
	}
	fx_release(&f);
}

START_TEST(test_tables_0)
{
	check_tables(0);
}
END_TEST

START_TEST(test_tables_max)
{
	check_tables(TOP_ROWS);
}
END_TEST

START_TEST(test_tables_max_plus_1)
{
	check_tables(TOP_ROWS + 1);
}
END_TEST

Suite *
html_tables_suite(void)
{
	Suite *s = suite_create("html_tables");
	TCase *tc;

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tables_0);
	tcase_add_test(tc, test_tables_max);
	tcase_add_test(tc, test_tables_max_plus_1);
	suite_add_tcase(s, tc);
	return s;
}
