/*
 * Unit tests for supervisor/github/api_answer.c: Link headers (the recorded
 * fixtures and edge cases) and error bodies rendered as one line.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "supervisor/github/api.h"

#include "ghfixture.h"

START_TEST(test_link_fixture)
{
	static const char *const want[] = {
		"https://api.github.com/repositories/1000/issues?per_page=3&page=2",
		"https://api.github.com/repositories/1000/issues?per_page=3&page=3",
		"https://api.github.com/repositories/1000/issues?per_page=3&page=4",
		"https://api.github.com/repositories/1000/issues?per_page=3&page=5",
		NULL,
	};
	size_t i;

	for (i = 0; i < 5; i++) {
		char *link = fixture_header("paginate-issues.json", i, "link");
		char *next;

		ck_assert_ptr_nonnull(link);
		next = api_link_next(link);
		if (want[i] == NULL)
			ck_assert_ptr_null(next);
		else
			ck_assert_str_eq(next, want[i]);
		free(next);
		free(link);
	}
}
END_TEST

START_TEST(test_link_edge)
{
	char *s;

	ck_assert_ptr_null(api_link_next(""));
	ck_assert_ptr_null(api_link_next("garbage"));
	ck_assert_ptr_null(api_link_next("<http://x/1"));
	ck_assert_ptr_null(api_link_next("<http://x/1>; rel=\"last\""));
	s = api_link_next("<http://x/1>; rel=\"prev next\"");
	ck_assert_str_eq(s, "http://x/1");
	free(s);
	s = api_link_next("<http://x/1>; title=\"a,b\", <http://x/2>; REL=next");
	ck_assert_str_eq(s, "http://x/2");
	free(s);
	s = api_link_next("<http://x/9>;rel=nextish, <http://x/3>;rel=next");
	ck_assert_str_eq(s, "http://x/3");
	free(s);
}
END_TEST

START_TEST(test_error_format)
{
	struct buf b = BUF_INIT;
	char *body = fixture_body("errors.json", 0);
	const char *exists = "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":"
	    "\"PullRequest\",\"code\":\"custom\",\"message\":\"A pull request already "
	    "exists for acme:chore/sync-files-api-20240101-120000-abc1234.\"}]}";

	api_error_format(&b, 422, body, strlen(body));
	ck_assert_str_eq(b.ptr, "422 Validation Failed: Label.color: invalid");
	buf_reset(&b);
	api_error_format(&b, 422, exists, strlen(exists));
	ck_assert_str_eq(b.ptr, "422 Validation Failed: A pull request already exists "
	    "for acme:chore/sync-files-api-20240101-120000-abc1234.");
	buf_reset(&b);
	api_error_format(&b, 502, "", 0);
	ck_assert_str_eq(b.ptr, "502 Bad Gateway");
	buf_reset(&b);
	api_error_format(&b, 500, "<html>\nboom</html>", 18);
	ck_assert_str_eq(b.ptr, "500 Internal Server Error: <html> boom</html>");
	buf_reset(&b);
	api_error_format(&b, 404, "{\"message\":\"Not Found\"}", 23);
	ck_assert_str_eq(b.ptr, "404 Not Found");
	buf_release(&b);
	free(body);
}
END_TEST

Suite *
api_answer_suite(void)
{
	Suite *s = suite_create("api_answer");
	TCase *tc0 = tcase_create("link");
	TCase *tc1 = tcase_create("error");

	tcase_add_test(tc0, test_link_fixture);
	tcase_add_test(tc0, test_link_edge);
	tcase_add_test(tc1, test_error_format);
	suite_add_tcase(s, tc0);
	suite_add_tcase(s, tc1);
	return s;
}
