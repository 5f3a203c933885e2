/*
 * The header and the summary of report.html
 * (supervisor/report/html_summary.c): the command as a shell would read
 * it, and the cards' figures.
 */
#include <check.h>
#include <string.h>

#include "tests/htmlfix.h"

/* A plain word stays as it is; an empty one and one with a space are quoted. */
START_TEST(test_command)
{
	struct fx f;
	const char *html;

	fx_init(&f);
	f.run.argv = xcalloc(5, sizeof(*f.run.argv));
	f.run.argv[0] = xstrdup("make");
	f.run.argv[1] = xstrdup("A_b.9/c:d=e@f%g+h,i-j");
	f.run.argv[2] = xstrdup("");
	f.run.argv[3] = xstrdup("two words");
	html = fx_render(&f);
	ck_assert_ptr_nonnull(strstr(html, "<code class=\"cmd\">make A_b.9/c:d=e@f%g+h,i-j "
	    "&#39;&#39; &#39;two words&#39;</code>"));
	fx_release(&f);
}
END_TEST

/* The cards of the mixed run: counts, attempts and retries, parallelism. */
START_TEST(test_cards)
{
	struct fx f;
	char *s;

	fx_init(&f);
	fx_mixed(&f);
	s = section_of(fx_render(&f), "summary");
	ck_assert_ptr_nonnull(strstr(s, "<b>5</b><span>targets</span>"));
	ck_assert_ptr_nonnull(strstr(s, "<b>2</b><span>failed (a cause is set)</span>"));
	ck_assert_ptr_nonnull(strstr(s, "<b>10.00 s</b><span>wall time of the run</span>"));
	ck_assert_ptr_nonnull(strstr(s, "<b>7</b><span>attempts (2 targets retried)</span>"));
	/* 1.2 + 0.4 + 0.8 + 5 + 0.9 s of workers over 10 s */
	ck_assert_ptr_nonnull(strstr(s, "<b>0.83</b><span>parallelism"));
	free(s);
	fx_release(&f);
}
END_TEST

Suite *
html_summary_suite(void)
{
	Suite *s = suite_create("html_summary");
	TCase *tc;

	tc = tcase_create("summary");
	tcase_add_test(tc, test_command);
	tcase_add_test(tc, test_cards);
	suite_add_tcase(s, tc);
	return s;
}
