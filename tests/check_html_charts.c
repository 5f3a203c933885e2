/*
 * The bar charts of report.html (supervisor/report/html_charts.c): the CPU
 * and the memory of the top targets, the largest first, at 0, max and
 * max+1 targets.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/htmlfix.h"

/* The bars of html_charts.c, as the page must show them. */
#define TOP 30

/* The CPU and memory charts: the top TOP targets, the largest first. */
static void
check_top(size_t n)
{
	struct fx f;
	const char *html;
	char *cpu, *mem;
	size_t bars = n < TOP ? n : TOP;

	fx_init(&f);
	fx_ranked(&f, n);
	html = fx_render(&f);
	cpu = section_of(html, "cpu");
	mem = section_of(html, "memory");
	ck_assert_uint_eq(count(cpu, "<rect class=\"u\""), bars);
	ck_assert_uint_eq(count(mem, "<rect class=\"mem\""), bars);
	if (n == 0) {
		ck_assert_ptr_nonnull(strstr(cpu, "no data"));
		ck_assert_ptr_nonnull(strstr(mem, "no data"));
	} else {
		assert_largest_first(cpu, n);
		assert_largest_first(mem, n);
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

Suite *
html_charts_suite(void)
{
	Suite *s = suite_create("html_charts");
	TCase *tc;

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_top_0);
	tcase_add_test(tc, test_top_max);
	tcase_add_test(tc, test_top_max_plus_1);
	suite_add_tcase(s, tc);
	return s;
}
