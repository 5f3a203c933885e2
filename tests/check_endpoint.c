/*
 * endpoint: where api_url and git_url come from (flag > config >
 * GITHUB_API_URL/GITHUB_SERVER_URL > GH_HOST > default) and the error an
 * unreachable API turns into.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "supervisor/github/endpoint.h"

static void
clear_env(void)
{
	unsetenv("GITHUB_API_URL");
	unsetenv("GITHUB_SERVER_URL");
	unsetenv("GH_HOST");
}

START_TEST(test_endpoint_default)
{
	struct endpoint_in in;
	struct endpoint e;

	clear_env();
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_url, "https://api.github.com");
	ck_assert_str_eq(e.api_from, "the default");
	ck_assert_str_eq(e.git_url, "https://github.com");
	ck_assert_str_eq(e.git_from, "the default");
	endpoint_release(&e);
	endpoint_release(NULL);
}
END_TEST

START_TEST(test_endpoint_order)
{
	struct endpoint_in in;
	struct endpoint e;

	clear_env();
	setenv("GH_HOST", "ghe.example.com", 1);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_url, "https://ghe.example.com/api/v3");
	ck_assert_str_eq(e.api_from, "GH_HOST");
	ck_assert_str_eq(e.git_url, "https://ghe.example.com");
	ck_assert_str_eq(e.git_from, "GH_HOST");
	endpoint_release(&e);

	/* GITHUB_API_URL and GITHUB_SERVER_URL win over GH_HOST, each alone. */
	setenv("GITHUB_API_URL", "http://127.0.0.1:9/api/v3/", 1);
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_url, "http://127.0.0.1:9/api/v3");
	ck_assert_str_eq(e.api_from, "GITHUB_API_URL");
	ck_assert_str_eq(e.git_url, "https://ghe.example.com");
	endpoint_release(&e);
	setenv("GITHUB_SERVER_URL", "http://127.0.0.1:9/git", 1);
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.git_url, "http://127.0.0.1:9/git");
	ck_assert_str_eq(e.git_from, "GITHUB_SERVER_URL");
	endpoint_release(&e);

	/* The config wins over the environment, a flag over the config. */
	in.api_config = "https://config.example/api";
	in.api_config_at = "sync.yaml:3:12";
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_url, "https://config.example/api");
	ck_assert_str_eq(e.api_from, "sync.yaml:3:12");
	ck_assert_str_eq(e.git_from, "GITHUB_SERVER_URL");
	endpoint_release(&e);
	in.api_flag = "https://flag.example/api";
	in.git_flag = "https://flag.example/";
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_url, "https://flag.example/api");
	ck_assert_str_eq(e.api_from, "--api-url");
	ck_assert_str_eq(e.git_url, "https://flag.example");
	ck_assert_str_eq(e.git_from, "--git-url");
	endpoint_release(&e);
	clear_env();
}
END_TEST

START_TEST(test_endpoint_gh_host)
{
	struct endpoint_in in;
	struct endpoint e;
	char *host;

	clear_env();
	memset(&in, 0, sizeof(in));
	/* github.com itself has its API at api.github.com. */
	setenv("GH_HOST", "github.com", 1);
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_url, "https://api.github.com");
	ck_assert_str_eq(e.git_url, "https://github.com");
	host = endpoint_git_host(&e);
	ck_assert_str_eq(host, "github.com");
	free(host);
	endpoint_release(&e);
	setenv("GH_HOST", "ghe.local:8443", 1);
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_url, "https://ghe.local:8443/api/v3");
	host = endpoint_git_host(&e);
	ck_assert_str_eq(host, "ghe.local:8443");
	free(host);
	endpoint_release(&e);
	setenv("GH_HOST", "bad/host", 1);
	ck_assert_int_eq(endpoint_resolve(&e, &in), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "GH_HOST 'bad/host' is not a host name");
	endpoint_release(&e);
	setenv("GH_HOST", "", 1);    /* empty: unset */
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	ck_assert_str_eq(e.api_from, "the default");
	endpoint_release(&e);
	clear_env();
}
END_TEST

START_TEST(test_endpoint_bad_env)
{
	struct endpoint_in in;
	struct endpoint e;

	clear_env();
	memset(&in, 0, sizeof(in));
	setenv("GITHUB_API_URL", "ftp://x", 1);
	ck_assert_int_eq(endpoint_resolve(&e, &in), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "GITHUB_API_URL 'ftp://x' is not an http(s) url");
	endpoint_release(&e);
	/* Not consulted when the config sets api_url. */
	in.api_config = "https://api.example";
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	endpoint_release(&e);
	unsetenv("GITHUB_API_URL");
	setenv("GITHUB_SERVER_URL", "https://", 1);
	ck_assert_int_eq(endpoint_resolve(&e, &in), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "GITHUB_SERVER_URL 'https://' is not an http(s) url");
	endpoint_release(&e);
	clear_env();
}
END_TEST

START_TEST(test_endpoint_api_error)
{
	struct endpoint_in in;
	struct endpoint e;
	char *host;

	clear_env();
	memset(&in, 0, sizeof(in));
	in.api_flag = "http://127.0.0.1:1/api/v3";
	in.git_flag = "https://user:pw@git.example:8080/base";
	ck_assert_int_eq(endpoint_resolve(&e, &in), 0);
	err_set(ERR_NET, "cannot reach 'http://127.0.0.1:1': refused");
	ck_assert_int_eq(endpoint_api_error(&e, ERR_NET), ERR_NET);
	ck_assert_str_eq(err_last(), "repocast.api_url 'http://127.0.0.1:1/api/v3' (from "
	    "--api-url): cannot reach 'http://127.0.0.1:1': refused");
	/* Anything but an unreachable server is left alone. */
	err_set(ERR_NOTFOUND, "organization 'x' not found");
	ck_assert_int_eq(endpoint_api_error(&e, ERR_NOTFOUND), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "organization 'x' not found");
	host = endpoint_git_host(&e);
	ck_assert_str_eq(host, "git.example:8080");
	free(host);
	endpoint_release(&e);
}
END_TEST

START_TEST(test_endpoint_graphql_url)
{
	static const char *const cases[][2] = {
		{ "https://api.github.com", "https://api.github.com/graphql" },
		{ "https://api.github.com/", "https://api.github.com/graphql" },
		{ "https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql" },
		{ "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql" },
		{ "http://127.0.0.1:8080/api/v3", "http://127.0.0.1:8080/api/graphql" },
		{ "https://proxy.example/github", "https://proxy.example/github/graphql" },
		{ "https://x.example/api/v30", "https://x.example/api/v30/graphql" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = endpoint_graphql_url(cases[i][0]);

		ck_assert_str_eq(u, cases[i][1]);
		free(u);
	}
}
END_TEST

Suite *
endpoint_suite(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("resolve");

	tcase_add_test(tc, test_endpoint_default);
	tcase_add_test(tc, test_endpoint_order);
	tcase_add_test(tc, test_endpoint_gh_host);
	tcase_add_test(tc, test_endpoint_bad_env);
	tcase_add_test(tc, test_endpoint_api_error);
	tcase_add_test(tc, test_endpoint_graphql_url);
	suite_add_tcase(s, tc);
	return s;
}
