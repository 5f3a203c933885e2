/*
 * The model of report.html (supervisor/report/html_page.c): the same page
 * for the same input, whatever ties the sorts meet, and phase times that
 * are no decimal number counted as 0.
 */
#include <check.h>

#include "tests/htmlfix.h"

START_TEST(test_deterministic)
{
	struct fx f;
	char *first;
	size_t i;

	fx_init(&f);
	fx_mixed(&f);
	/* equal keys everywhere: only the index can order them */
	for (i = 0; i < 300; i++)
		fx_add(&f, i % 2 ? "acme/same-b" : "acme/same-a", OUTCOME_RAN, 500, 100);
	first = xstrdup(fx_render(&f));
	ck_assert_str_eq(fx_render(&f), first);
	free(first);
	fx_release(&f);
}
END_TEST

/* A phase time that is no decimal number counts as 0, never as a huge one. */
START_TEST(test_bad_phase)
{
	struct fx f;
	struct record *r;
	char *s;

	fx_init(&f);
	r = fx_add(&f, "acme/odd", OUTCOME_RAN, 0, 100);
	fx_phase(r, "neg", "-5");
	fx_phase(r, "junk", "12abc");
	fx_phase(r, "empty", "");
	fx_phase(r, "ok", "40");
	s = section_of(fx_render(&f), "phases");
	ck_assert_uint_eq(count(s, "0 \xc2\xb5s (0%, 1 target)"), 3);
	ck_assert_ptr_nonnull(strstr(s, "40.0 ms (100%, 1 target)"));
	free(s);
	fx_release(&f);
}
END_TEST

Suite *
html_page_suite(void)
{
	Suite *s = suite_create("html_page");
	TCase *tc;

	tc = tcase_create("model");
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_bad_phase);
	suite_add_tcase(s, tc);
	return s;
}
