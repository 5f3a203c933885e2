/*
 * report.html as a whole (supervisor/report/html.c): every section in its
 * order with its chart, balanced markup and no script, VmHWM and never
 * maxrss, and a whole page for a run without records.
 */
#include <check.h>

#include "tests/htmlfix.h"

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
	return s;
}
