/*
 * The text of report.html (supervisor/report/html_text.c): hostile names
 * and bytes escaped into clean UTF-8, and no URL in the page but the PR
 * links' hrefs.
 */
#include <check.h>

#include "tests/htmlfix.h"

/* Every "http://" or "https://" is a PR link's href; text never reads as a URL. */
START_TEST(test_no_urls)
{
	static const char *const schemes[] = { "http://", "https://" };
	struct fx f;
	struct record *r;
	const char *html, *p;
	size_t i, hrefs = 0;

	fx_init(&f);
	fx_mixed(&f);
	r = fx_add(&f, "https://forge.example/acme/named", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_ERROR, -8, "cannot fetch 'https://forge.example/acme/named.git': refused");
	fx_log(&f, r, "fetching http://forge.example/x\n");
	r = fx_add(&f, "acme/hostile-pr", OUTCOME_PUSHED, 0, 10);
	r->sync.pr = PR_UPDATED;
	r->sync.pr_url = xstrdup("javascript:alert(1)");
	r = fx_add(&f, "acme/plain", OUTCOME_PUSHED, 0, 10);
	r->sync.pr = PR_CLOSED;
	r->sync.pr_url = xstrdup("http://forge.example/acme/plain/pull/2");
	html = fx_render(&f);
	for (i = 0; i < ARRAY_SIZE(schemes); i++)
		for (p = html; (p = strstr(p, schemes[i])) != NULL; p++) {
			ck_assert_msg(p - html >= 6 && strncmp(p - 6, "href=\"", 6) == 0,
			    "a URL outside an href: %.60s", p);
			ck_assert_msg(
			    strncmp(p, "https://forge.example/acme/api/pull/7\"", 38) == 0 ||
			    strncmp(p, "http://forge.example/acme/plain/pull/2\"", 39) == 0,
			    "an href that is no PR: %.60s", p);
			hrefs++;
		}
	ck_assert_uint_eq(hrefs, 2);
	ck_assert_ptr_null(strstr(html, "href=\"javascript"));
	ck_assert_ptr_nonnull(strstr(html, ">javascript:alert(1)<"));
	ck_assert_ptr_nonnull(strstr(html, "https&#58;//forge.example/acme/named"));
	ck_assert_ptr_nonnull(strstr(html, "fetching http&#58;//forge.example/x"));
	ck_assert_ptr_nonnull(strstr(html, "default-src 'none'"));
	fx_release(&f);
}
END_TEST

START_TEST(test_escape)
{
	/* markup, quotes, not UTF-8, overlong '/', a surrogate, a C0 and a C1 control,
	 * past U+10FFFF, then fine UTF-8 */
	static const char hostile[] = "<script>alert(\"x\")</script>&'\xff\xfe\xc0\xaf\xed\xa0\x80"
	    "\x01\xc2\x85\xf4\x90\x80\x80 ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	struct fx f;
	struct record *r;
	const char *html;
	char *s;

	fx_init(&f);
	r = fx_add(&f, hostile, OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_EXIT, 3, hostile);
	fx_phase(r, hostile, "5");
	fx_log(&f, r, hostile);
	html = fx_render(&f);
	ck_assert_msg(clean_utf8(html), "the page is not clean UTF-8");
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "alert(\"x\")"));
	ck_assert_ptr_null(strstr(html, "</script>"));
	ck_assert_uint_ge(count(html,
	    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"), 5);
	/* ff, fe, c0, af, ed a0 80 (3: no valid prefix), 01, c2 85, f4 90 80 80 (4) */
	s = section_of(html, "failures");
	ck_assert_ptr_nonnull(strstr(s, "&amp;&#39;" "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd"));
	ck_assert_ptr_nonnull(strstr(s, " ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
	free(s);
	/* The name of a chart is cut at a code point, never inside one. */
	s = section_of(html, "cpu");
	ck_assert_ptr_nonnull(strstr(s, "\xe2\x80\xa6</text>"));
	free(s);
	fx_release(&f);
}
END_TEST

Suite *
html_text_suite(void)
{
	Suite *s = suite_create("html_text");
	TCase *tc;

	tc = tcase_create("escape");
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_no_urls);
	suite_add_tcase(s, tc);
	return s;
}
