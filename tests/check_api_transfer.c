/*
 * Unit tests for supervisor/github/api_transfer.c, through api_request
 * against a scripted loopback HTTP stub: the headers and methods sent, the
 * headers read, the body limit, the timeout, a cancelled transfer.
 */
#include <check.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/api.h"

#include "apifix.h"
#include "httpstub.h"

START_TEST(test_headers_keepalive)
{
	static const struct stub_resp script[] = {
		{ 200, NULL, "{\"a\":1}", 0, 0 },
		{ 200, NULL, "{\"a\":2}", 0, 0 },
		{ 201, NULL, "{\"a\":3}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 3);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/api", NULL, 0), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body.ptr, "{\"a\":1}");
	ck_assert_int_eq(api_request(&r, a, API_GET, "/user", NULL, 0), 0);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/repos/acme/api/pulls",
	    "{\"x\":1}", 0), 0);
	ck_assert_int_eq(r.status, 201);
	api_response_release(&r);
	ck_assert_uint_eq(s.nreqs, 3);
	ck_assert_str_eq(s.reqs[0].method, "GET");
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/api");
	ck_assert_ptr_nonnull(strstr(s.reqs[0].headers, "User-Agent: repocast/"));
	ck_assert_ptr_nonnull(strstr(s.reqs[0].headers,
	    "Accept: application/vnd.github+json\r\n"));
	ck_assert_ptr_nonnull(strstr(s.reqs[0].headers,
	    "X-GitHub-Api-Version: 2022-11-28\r\n"));
	ck_assert_ptr_nonnull(strstr(s.reqs[0].headers,
	    "Authorization: Bearer " TOKEN "\r\n"));
	ck_assert_str_eq(s.reqs[2].method, "POST");
	ck_assert_str_eq(s.reqs[2].body, "{\"x\":1}");
	ck_assert_ptr_nonnull(strstr(s.reqs[2].headers,
	    "Content-Type: application/json\r\n"));
	/* One connection, kept alive across the three requests. */
	ck_assert_int_eq(s.nconns, 1);
	ck_assert_int_eq(s.reqs[2].conn, 1);
	ck_assert_uint_eq(api_get_stats(a)->requests, 3);
	ck_assert_uint_eq(api_get_stats(a)->writes, 1);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_methods)
{
	static const struct stub_resp script[] = {
		{ 200, NULL, "{}", 0, 0 },
		{ 204, NULL, NULL, 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 3);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_PATCH, "/x", "{\"s\":1}", 0), 0);
	ck_assert_int_eq(api_request(&r, a, API_DELETE, "/y", NULL, 0), 0);
	ck_assert_int_eq(r.status, 204);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/z", NULL, 0), 0);
	api_response_release(&r);
	ck_assert_str_eq(s.reqs[0].method, "PATCH");
	ck_assert_str_eq(s.reqs[0].body, "{\"s\":1}");
	ck_assert_str_eq(s.reqs[1].method, "DELETE");
	ck_assert_str_eq(s.reqs[2].method, "GET");
	/* Two mutating requests: the second waited the 1 s interval. */
	ck_assert_uint_eq(f.slept, 1000);
	api_free(a);
	stub_stop(&s);
}
END_TEST

/* X-OAuth-Scopes is kept as sent (repocast diagnose shows it); an answer
 * without it leaves none from the one before. */
START_TEST(test_oauth_scopes)
{
	static const struct stub_resp script[] = {
		{ 200, "X-OAuth-Scopes: repo, workflow\r\n", "{}", 0, 0 },
		{ 200, "x-oauth-scopes:\r\n", "{}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 3);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/user", NULL, API_NOCACHE), 0);
	ck_assert_ptr_nonnull(r.scopes);
	ck_assert_str_eq(r.scopes, "repo, workflow");
	ck_assert_int_eq(api_request(&r, a, API_GET, "/user", NULL, API_NOCACHE), 0);
	ck_assert_ptr_nonnull(r.scopes);
	ck_assert_str_eq(r.scopes, "");
	ck_assert_int_eq(api_request(&r, a, API_GET, "/user", NULL, API_NOCACHE), 0);
	ck_assert_ptr_null(r.scopes);
	api_response_release(&r);
	ck_assert_ptr_null(r.scopes);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_timeout)
{
	static const struct stub_resp script[] = {
		{ 200, NULL, "{}", STUB_LATE, 1500 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;

	api_opts_init(&o);
	o.timeout_ms = 200;
	o.max_retries = 0;
	stub_start(&s, script, 1);
	a = mkapi(&s, &f, &o, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/slow", NULL, 0), ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot reach"));
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_max_body)
{
	static const struct stub_resp script[] = {
		{ 200, NULL, "", 0, 0 },
		{ 200, NULL, "0123456789", 0, 0 },
		{ 200, NULL, "0123456789X", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;

	api_opts_init(&o);
	o.max_body = 10;
	stub_start(&s, script, 3);
	a = mkapi(&s, &f, &o, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/0", NULL, 0), 0);
	ck_assert_uint_eq(r.body.len, 0);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/max", NULL, 0), 0);
	ck_assert_uint_eq(r.body.len, 10);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/over", NULL, 0), ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "is larger than 10 bytes"));
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

static int
always(void *arg)
{
	UNUSED(arg);
	return 1;
}

START_TEST(test_cancel)
{
	static const struct stub_resp script[] = {
		{ 429, "Retry-After: 5\r\n", NULL, 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;

	api_opts_init(&o);
	o.cancelled = always;
	stub_start(&s, script, 1);
	a = mkapi(&s, &f, &o, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), ERR_FAIL);
	ck_assert_str_eq(err_last(), "interrupted");
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

Suite *
api_transfer_suite(void)
{
	Suite *s = suite_create("api_transfer");
	TCase *tc = tcase_create("transfer");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_headers_keepalive);
	tcase_add_test(tc, test_methods);
	tcase_add_test(tc, test_oauth_scopes);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_max_body);
	tcase_add_test(tc, test_cancel);
	suite_add_tcase(s, tc);
	return s;
}
