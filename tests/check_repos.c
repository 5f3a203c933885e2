/*
 * repos: the filters and the union over pages of the GitHub answers (an
 * org or user listing, a search answer), without the network; the forge
 * integration test (tests/integration/run_query.sh) runs repos_resolve.
 */
#include <check.h>
#include <string.h>

#include "shared/err.h"
#include "supervisor/github/repos.h"

#define ITEM(name, extra) "{\"full_name\":\"" name "\",\"name\":\"x\"" extra "}"

static const char page1[] = "[" ITEM("acme/api", ",\"topics\":[\"go\"],\"archived\":false,"
    "\"fork\":false") "," ITEM("acme/old", ",\"topics\":[\"go\"],\"archived\":true") ","
    ITEM("acme/fork", ",\"topics\":[\"Go\"],\"fork\":true") "," ITEM("acme/web",
    ",\"topics\":[\"js\"]") "," ITEM("acme/bare", "") "]";

static void
query(struct repos_query *q, const char *const *topics, size_t ntopics)
{
	memset(q, 0, sizeof(*q));
	q->topics.v = (char **)topics;
	q->topics.n = ntopics;
}

START_TEST(test_repos_filters)
{
	static const char *const go[] = { "go" };
	struct repos_query q;
	struct repos_result r;

	query(&q, go, 1);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(repos_add_page(&r, &q, "org:acme", page1, strlen(page1)), 0);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_uint_eq(r.nkept, 1);
	ck_assert_str_eq(r.v[0].full_name, "acme/api");
	ck_assert_ptr_null(r.v[0].skipped);
	ck_assert_str_eq(r.v[0].source, "org:acme");
	ck_assert_str_eq(r.v[1].skipped, "archived");
	ck_assert_str_eq(r.v[2].skipped, "fork");
	ck_assert_str_eq(r.v[3].skipped, "no matching topic");
	ck_assert_str_eq(r.v[4].skipped, "no matching topic");   /* no topics at all */
	repos_result_release(&r);

	/* Both included, topics compared case-insensitively. */
	q.include_archived = q.include_forks = true;
	ck_assert_int_eq(repos_add_page(&r, &q, "org:acme", page1, strlen(page1)), 0);
	ck_assert_uint_eq(r.nkept, 3);
	ck_assert_ptr_null(r.v[1].skipped);
	ck_assert_ptr_null(r.v[2].skipped);
	repos_result_release(&r);

	/* No topics: no topic filter. */
	query(&q, NULL, 0);
	ck_assert_int_eq(repos_add_page(&r, &q, "org:acme", page1, strlen(page1)), 0);
	ck_assert_uint_eq(r.nkept, 3);
	repos_result_release(&r);
	repos_result_release(NULL);
}
END_TEST

START_TEST(test_repos_union)
{
	static const char *const any[] = { "js", "go" };
	static const char search[] = "{\"total_count\":2,\"incomplete_results\":false,\"items\":["
	    ITEM("ACME/API", ",\"topics\":[\"go\"],\"score\":1.0") "," ITEM("bob/tool",
	    ",\"topics\":[\"go\"]") "]}";
	struct repos_query q;
	struct repos_result r;

	query(&q, any, 2);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(repos_add_page(&r, &q, "org:acme", page1, strlen(page1)), 0);
	ck_assert_uint_eq(r.nkept, 2);   /* api (go), web (js): any topic is enough */
	/* A second source: acme/api again (any case) is taken once, from the first. */
	ck_assert_int_eq(repos_add_page(&r, &q, "search:topic:go", search, strlen(search)), 0);
	ck_assert_uint_eq(r.n, 6);
	ck_assert_uint_eq(r.nkept, 3);
	ck_assert_str_eq(r.v[5].full_name, "bob/tool");
	ck_assert_str_eq(r.v[5].source, "search:topic:go");
	repos_result_release(&r);
}
END_TEST

START_TEST(test_repos_bad_pages)
{
	static const char *const bad[] = {
		"", "{", "{\"items\":3}", "\"x\"", "[{\"name\":\"x\"}]", "[{\"full_name\":\"a/b/c\"}]",
		"[{\"full_name\":\"../x\"}]",
	};
	struct repos_query q;
	struct repos_result r;
	size_t i;

	query(&q, NULL, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0, sizeof(r));
		ck_assert_int_eq(repos_add_page(&r, &q, "org:acme", bad[i], strlen(bad[i])),
		    ERR_PROTO);
		ck_assert_ptr_nonnull(strstr(err_last(), "bad repository list from the github api"));
		repos_result_release(&r);
	}
	/* An empty page is no error. */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(repos_add_page(&r, &q, "org:acme", "[]", 2), 0);
	ck_assert_uint_eq(r.n, 0);
	repos_result_release(&r);
}
END_TEST

START_TEST(test_repos_query_any)
{
	static const char *const one[] = { "acme" };
	struct repos_query q;

	query(&q, one, 1);   /* topics alone select nothing */
	ck_assert(!repos_query_any(&q));
	q.searches.v = (char **)one;
	q.searches.n = 1;
	ck_assert(repos_query_any(&q));
}
END_TEST

/* The owner a search names: the installation a GitHub App asks it with. */
START_TEST(test_repos_search_owner)
{
	char o[16];

	ck_assert(repos_search_owner(o, sizeof(o), "topic:go org:acme"));
	ck_assert_str_eq(o, "acme");
	ck_assert(repos_search_owner(o, sizeof(o), "user:Bob lib"));
	ck_assert_str_eq(o, "Bob");
	ck_assert(repos_search_owner(o, sizeof(o), "org:acme ORG:ACME"));
	ck_assert_str_eq(o, "acme");
	ck_assert(!repos_search_owner(o, sizeof(o), "org:acme user:bob"));
	ck_assert(!repos_search_owner(o, sizeof(o), "topic:go archived:false"));
	ck_assert_str_eq(o, "");
	ck_assert(!repos_search_owner(o, sizeof(o), "org:"));
	ck_assert(!repos_search_owner(o, sizeof(o), "org:an-owner-name-too-long"));
}
END_TEST

Suite *
repos_suite(void)
{
	Suite *s = suite_create("repos");
	TCase *tc = tcase_create("pages");

	tcase_add_test(tc, test_repos_filters);
	tcase_add_test(tc, test_repos_union);
	tcase_add_test(tc, test_repos_bad_pages);
	tcase_add_test(tc, test_repos_query_any);
	tcase_add_test(tc, test_repos_search_owner);
	suite_add_tcase(s, tc);
	return s;
}
