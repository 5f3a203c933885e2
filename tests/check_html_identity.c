/*
 * The identity table and the Shards section of report.html
 * (supervisor/report/html_identity.c): the run's identity, signing and
 * commit path, escaped, and a merge's disagreement as each report's value.
 */
#include <check.h>

#include "tests/htmlfix.h"

/* The run's identity, signing and commit path in the summary, escaped;
 * a merge's disagreement shown as each report's value. */
START_TEST(test_identity)
{
	struct fx f;
	const char *html;
	char *s;

	fx_init(&f);
	fx_add(&f, "acme/one", OUTCOME_RAN, 0, 10);
	html = fx_render(&f);
	s = section_of(html, "summary");
	ck_assert_ptr_nonnull(strstr(s, "<tr><th>identity</th><td>none recorded"));
	ck_assert_ptr_nonnull(strstr(s, "<tr><th>signing</th><td>unsigned</td>"));
	ck_assert_ptr_nonnull(strstr(s, "<tr><th>commit path</th><td>none: "));
	free(s);
	report_run_set_auth(&f.run, "token", "GITHUB_TOKEN", NULL);
	f.run.commit_via = COMMIT_PUSH;
	html = fx_render(&f);
	s = section_of(html, "summary");
	ck_assert_ptr_nonnull(strstr(s, "<td>token from <code>GITHUB_TOKEN</code></td>"));
	ck_assert_ptr_nonnull(strstr(s, "<td><b>push</b>: each worker's git push</td>"));
	free(s);
	report_run_set_auth(&f.run, "app", "repocast.auth (<sync>.yaml:7:5)", "4242");
	report_run_add_installation(&f.run, "acme", 1001, 2);
	report_run_add_installation(&f.run, "gamma", 0, 0);
	f.run.signing.method = xstrdup("ssh");
	f.run.signing.key = xstrdup("/keys/a&b");
	f.run.signing.fingerprint = xstrdup("SHA256:TCTPAEpnHCLIYnBf63FTdmGIJD1AFOtg5noh+BYW0Gw");
	f.run.signing.from = xstrdup("repocast.commit");
	f.run.commit_via = COMMIT_API;
	html = fx_render(&f);
	s = section_of(html, "summary");
	ck_assert_ptr_nonnull(strstr(s, "<td>GitHub App <b>4242</b> from <code>repocast.auth "
	    "(&lt;sync&gt;.yaml:7:5)</code>; installations: acme 1001 (2 tokens), gamma <b>not "
	    "installed</b> (0 tokens)</td>"));
	ck_assert_ptr_nonnull(strstr(s, "<td><b>ssh</b>, key <code>/keys/a&amp;b</code>, "
	    "fingerprint <code>SHA256:TCTPAEpnHCLIYnBf63FTdmGIJD1AFOtg5noh+BYW0Gw</code>, from "
	    "repocast.commit</td>"));
	ck_assert_ptr_nonnull(strstr(s, "<td><b>api</b>: the Git Data API"));
	free(s);
	ck_assert_ptr_null(strstr(html, "id=\"shards\""));
	/* merged reports that disagree on the signing */
	f.run.merge = xcalloc(1, sizeof(*f.run.merge));
	f.run.merge->differ = xcalloc(1, sizeof(*f.run.merge->differ));
	f.run.merge->ndiffer = 1;
	f.run.merge->differ[0].field = xstrdup("signing");
	strv_add(&f.run.merge->differ[0].runs, "r0");
	strv_add(&f.run.merge->differ[0].values, "ssh SHA256:abc");
	strv_add(&f.run.merge->differ[0].runs, "r<1>");
	strv_add(&f.run.merge->differ[0].values, "none");
	html = fx_render(&f);
	s = section_of(html, "summary");
	ck_assert_ptr_nonnull(strstr(s, "<tr><th>signing</th><td><b>differs between the merged "
	    "reports:</b> r0: <code>ssh SHA256:abc</code>; r&lt;1&gt;: <code>none</code></td>"));
	free(s);
	s = section_of(html, "shards");
	ck_assert_ptr_nonnull(strstr(s, "<b>Disagreement:</b> the merged reports differ on "
	    "<code>run.signing</code>"));
	free(s);
	fx_release(&f);
}
END_TEST

Suite *
html_identity_suite(void)
{
	Suite *s = suite_create("html_identity");
	TCase *tc;

	tc = tcase_create("identity");
	tcase_add_test(tc, test_identity);
	suite_add_tcase(s, tc);
	return s;
}
