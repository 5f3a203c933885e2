/*
 * Unit tests for supervisor/github/graphql.c: the GraphQL URL derived from
 * the REST api_url as GitHub lays them out.
 */
#include <check.h>
#include <stdlib.h>

#include "supervisor/github/graphql.h"

START_TEST(test_url)
{
	static const char *const cases[][2] = {
		{ "https://api.github.com", "https://api.github.com/graphql" },
		{ "https://api.github.com/", "https://api.github.com/graphql" },
		{ "https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql" },
		{ "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql" },
		{ "http://127.0.0.1:8080/api/v3", "http://127.0.0.1:8080/api/graphql" },
	};
	size_t i;
	char *u;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u = graphql_url(cases[i][0]);
		ck_assert_str_eq(u, cases[i][1]);
		free(u);
	}
}
END_TEST

Suite *
graphql_suite(void)
{
	Suite *s = suite_create("graphql");
	TCase *tc = tcase_create("url");

	tcase_add_test(tc, test_url);
	suite_add_tcase(s, tc);
	return s;
}
