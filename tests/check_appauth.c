/*
 * appauth: the parts of a command's App authentication that need no API:
 * a repository's owner, the identity a report records for a token run,
 * and an App refused beside --token-file. The App against the forge is
 * tests/integration/sync_app.sh and run_app.sh.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "supervisor/github/appauth.h"

START_TEST(test_appauth_owner)
{
	char o[APPAUTH_OWNER_MAX];
	char long_name[APPAUTH_OWNER_MAX + 8];
	const char *tok;

	ck_assert(appauth_owner(o, "acme/api"));
	ck_assert_str_eq(o, "acme");
	ck_assert(!appauth_owner(o, "acme"));
	ck_assert_str_eq(o, "");
	ck_assert(!appauth_owner(o, "/api"));
	ck_assert(!appauth_owner(o, "acme/"));
	memset(long_name, 'a', sizeof(long_name) - 3);
	memcpy(long_name + sizeof(long_name) - 3, "/b", 3);
	ck_assert(!appauth_owner(o, long_name));
	/* a name that is not owner/name: refused before the App is asked */
	ck_assert_int_eq(appauth_repo_token(&tok, NULL, "api"), ERR_CONFIG);
	ck_assert_ptr_null(tok);
}
END_TEST

START_TEST(test_appauth_report_token)
{
	struct token t = { (char *)"secret", "GITHUB_TOKEN" };
	struct report_run run;

	report_run_init(&run, "run");
	appauth_report(&run, NULL, NULL);
	ck_assert_ptr_null(run.auth_kind);
	appauth_report(&run, NULL, &t);
	ck_assert_str_eq(run.auth_kind, "token");
	ck_assert_str_eq(run.auth_source, "GITHUB_TOKEN");
	ck_assert_ptr_null(run.auth_app_id);
	report_run_release(&run);
}
END_TEST

START_TEST(test_appauth_load_token_file)
{
	struct app_opts o;
	char from[64];
	bool set;

	setenv("GITHUB_APP_ID", "4242", 1);
	setenv("GITHUB_APP_PRIVATE_KEY_FILE", "/nonexistent/key.pem", 1);
	ck_assert_int_eq(appauth_load(&o, &set, from, sizeof(from), NULL, "tok"), ERR_CONFIG);
	ck_assert(strstr(err_last(), "--token-file and a GitHub App (GITHUB_APP_ID)") != NULL);
	ck_assert_int_eq(appauth_load(&o, &set, from, sizeof(from), NULL, NULL), 0);
	ck_assert(set);
	ck_assert_str_eq(o.app_id, "4242");
	ck_assert_str_eq(o.from, "GITHUB_APP_ID");
	unsetenv("GITHUB_APP_ID");
	unsetenv("GITHUB_APP_PRIVATE_KEY_FILE");
	ck_assert_int_eq(appauth_load(&o, &set, from, sizeof(from), NULL, "tok"), 0);
	ck_assert(!set);
	err_clear();
}
END_TEST

Suite *
appauth_suite(void)
{
	Suite *s = suite_create("appauth");
	TCase *tc = tcase_create("appauth");

	tcase_add_test(tc, test_appauth_owner);
	tcase_add_test(tc, test_appauth_report_token);
	tcase_add_test(tc, test_appauth_load_token_file);
	suite_add_tcase(s, tc);
	return s;
}
