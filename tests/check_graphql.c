/*
 * graphql: string literals, and the answer reader over answers shaped
 * like GitHub's (data, partial data with errors[] and their path, data
 * null, the error types that say the API cannot be used).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "supervisor/github/graphql.h"

START_TEST(test_string)
{
	struct buf b = BUF_INIT;

	graphql_string(&b, "acme");
	buf_addch(&b, ' ');
	graphql_string(&b, "a\"b\\c\nd\x01");
	ck_assert_str_eq(b.ptr, "\"acme\" \"a\\\"b\\\\c\\u000ad\\u0001\"");
	buf_reset(&b);
	graphql_string(&b, "");
	ck_assert_str_eq(b.ptr, "\"\"");
	buf_release(&b);
}
END_TEST

static int
parse(json_t **data, bool *unusable, struct graphql_cost *c, long status, const char *body)
{
	return graphql_parse(data, unusable, c, status, body, strlen(body));
}

START_TEST(test_parse_data)
{
	const char *ok = "{\"data\":{\"rateLimit\":{\"cost\":1,\"remaining\":4987,"
	    "\"resetAt\":\"2024-01-01T13:00:00Z\"},\"r0\":{\"isArchived\":false}}}";
	/* One alias failed (a missing repository): the rest is data. */
	const char *partial = "{\"data\":{\"r0\":{\"isArchived\":false},\"r1\":null},"
	    "\"errors\":[{\"type\":\"NOT_FOUND\",\"path\":[\"r1\"],\"locations\":[{\"line\":1,"
	    "\"column\":90}],\"message\":\"Could not resolve to a Repository with the name "
	    "'acme/gone'.\"}]}";
	struct graphql_cost c;
	json_t *d;
	bool unusable;

	ck_assert_int_eq(parse(&d, &unusable, &c, 200, ok), 0);
	ck_assert(!unusable);
	ck_assert_int_eq(c.cost, 1);
	ck_assert_int_eq(c.remaining, 4987);
	ck_assert(json_is_object(json_object_get(d, "r0")));
	json_decref(d);
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, partial), 0);
	ck_assert(json_is_null(json_object_get(d, "r1")));
	json_decref(d);
}
END_TEST

START_TEST(test_parse_unusable)
{
	const char *scopes = "{\"data\":null,\"errors\":[{\"type\":\"INSUFFICIENT_SCOPES\","
	    "\"locations\":[{\"line\":1,\"column\":1}],\"message\":\"Your token has not been "
	    "granted the required scopes to execute this query.\"}]}";
	const char *forbidden = "{\"errors\":[{\"type\":\"FORBIDDEN\",\"message\":\"Resource "
	    "not accessible by integration\"},{\"type\":\"FORBIDDEN\",\"message\":\"x\"}]}";
	struct graphql_cost c;
	json_t *d;
	bool unusable;

	ck_assert_int_eq(parse(&d, &unusable, &c, 200, scopes), ERR_AUTH);
	ck_assert(unusable);
	ck_assert_ptr_null(d);
	ck_assert_str_eq(err_last(), "INSUFFICIENT_SCOPES: Your token has not been granted the "
	    "required scopes to execute this query.");
	ck_assert_int_eq(c.cost, -1);
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, forbidden), ERR_AUTH);
	ck_assert(unusable);
	ck_assert_str_eq(err_last(), "FORBIDDEN: Resource not accessible by integration "
	    "(and 1 more errors)");
	/* No GraphQL at the endpoint (a server without it). */
	ck_assert_int_eq(parse(&d, &unusable, NULL, 404, "{\"message\":\"Not Found\"}"),
	    ERR_NOTFOUND);
	ck_assert(unusable);
	ck_assert_str_eq(err_last(), "404 Not Found (no GraphQL API here)");
}
END_TEST

START_TEST(test_parse_failed)
{
	/* Errors of other types fail the query without turning GraphQL off. */
	const char *parse_error = "{\"errors\":[{\"message\":\"Parse error on \\\"}\\\" "
	    "(RCURLY) at [1, 5]\",\"locations\":[{\"line\":1,\"column\":5}]}]}";
	const char *limited = "{\"errors\":[{\"type\":\"RATE_LIMITED\",\"message\":\"API rate "
	    "limit exceeded for user ID 1.\"}]}";
	const char *all_null = "{\"data\":{\"r0\":null},\"errors\":[{\"type\":\"NOT_FOUND\","
	    "\"path\":[\"r0\"],\"message\":\"Could not resolve to a Repository with the name "
	    "'acme/x'.\"}]}";
	json_t *d;
	bool unusable;

	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, parse_error), ERR_FAIL);
	ck_assert(!unusable);
	ck_assert_str_eq(err_last(), "Parse error on \"}\" (RCURLY) at [1, 5]");
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, limited), ERR_FAIL);
	ck_assert(!unusable);
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, all_null), ERR_FAIL);
	ck_assert(!unusable);
	ck_assert_ptr_nonnull(strstr(err_last(), "NOT_FOUND: Could not resolve"));
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, "<html>"), ERR_PROTO);
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, "[1]"), ERR_PROTO);
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, "{}"), ERR_PROTO);
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200, "{\"data\":null}"), ERR_PROTO);
	ck_assert(!unusable);
	/* A message with control characters is shown on one line. */
	ck_assert_int_eq(parse(&d, &unusable, NULL, 200,
	    "{\"errors\":[{\"message\":\"a\\nb\\u001b[31m\"}]}"), ERR_FAIL);
	ck_assert_str_eq(err_last(), "a b [31m");
}
END_TEST

Suite *
graphql_suite(void)
{
	Suite *s = suite_create("graphql");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_string);
	tcase_add_test(tc, test_parse_data);
	tcase_add_test(tc, test_parse_unusable);
	tcase_add_test(tc, test_parse_failed);
	suite_add_tcase(s, tc);
	return s;
}
