/*
 * Unit tests for supervisor/github/api_limit.c, through api_request against
 * a scripted loopback HTTP stub with a fake clock: rate-limited answers
 * waited out or given up, the primary quota, the write interval, the
 * create caps, GraphQL's points.
 */
#include <check.h>
#include <stdio.h>

#include "shared/err.h"
#include "supervisor/github/api.h"

#include "apifix.h"
#include "httpstub.h"

START_TEST(test_rate_limit_retry_after)
{
	static const struct stub_resp script[] = {
		{ 403, "Retry-After: 7\r\n", "{\"message\":\"You have exceeded a "
		    "secondary rate limit\"}", 0, 0 },
		{ 201, NULL, "{}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;

	api_opts_init(&o);
	o.write_interval_ms = 0;
	stub_start(&s, script, 3);
	a = mkapi(&s, &f, &o, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/p", "{}", API_CREATE), 0);
	ck_assert_int_eq(r.status, 201);
	ck_assert_int_eq(f.nsleeps, 1);
	ck_assert_uint_eq(f.sleeps[0], 7000);
	ck_assert_uint_eq(api_get_stats(a)->rate_limited, 1);
	/* The next request goes straight out. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), 0);
	ck_assert_int_eq(f.nsleeps, 1);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_rate_limit_backoff)
{
	static const struct stub_resp script[] = {
		{ 429, NULL, NULL, 0, 0 },
		{ 403, NULL, "{\"message\":\"secondary rate limit\"}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 3);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), 0);
	/* No retry-after, no exhausted quota: >= 60 s, doubling. */
	ck_assert_int_eq(f.nsleeps, 2);
	ck_assert_uint_eq(f.sleeps[0], 60000);
	ck_assert_uint_eq(f.sleeps[1], 120000);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_rate_limit_reset)
{
	static char h[128];
	struct stub_resp script[] = {
		{ 403, h, "{\"message\":\"API rate limit exceeded\"}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
	};
	struct fake_clock f = { 0, 1700000000000ULL, 0, { 0 }, 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	snprintf(h, sizeof(h), "X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: %llu\r\n",
	    1700000000ULL + 30);
	stub_start(&s, script, 2);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), 0);
	ck_assert_uint_eq(f.slept, 30000);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_primary_exhausted_preemptive)
{
	static char h[128];
	struct stub_resp script[] = {
		{ 200, h, "{}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
	};
	struct fake_clock f = { 0, 1700000000000ULL, 0, { 0 }, 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	/* A normalised millisecond reset (as in the recordings) works too. */
	snprintf(h, sizeof(h), "X-RateLimit-Limit: 5000\r\nX-RateLimit-Remaining: 0\r\n"
	    "X-RateLimit-Reset: %llu\r\n", (1700000000ULL + 12) * 1000);
	stub_start(&s, script, 3);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), 0);
	ck_assert_int_eq(api_get_stats(a)->quota.remaining, 0);
	ck_assert_int_eq(api_get_stats(a)->quota.reset, 1700000012);
	ck_assert_uint_eq(f.slept, 0);
	/* GET /rate_limit is free and never waits. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/rate_limit", NULL, 0), 0);
	ck_assert_uint_eq(f.slept, 0);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), 0);
	ck_assert_uint_eq(f.slept, 12000);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_rate_limit_give_up)
{
	static const struct stub_resp script[] = {
		{ 429, "Retry-After: 7200\r\n", NULL, 0, 0 },
		{ 429, NULL, NULL, 0, 0 },
		{ 429, NULL, NULL, 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 3);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), ERR_LIMIT);
	ck_assert_str_eq(err_last(), "rate limited: 429 Too Many Requests (retry in "
	    "7200 s, more than the 3600 s allowed)");
	ck_assert_uint_eq(f.slept, 0);
	api_free(a);
	/* max_rate_retries: 1 retry allowed, the second 429 ends it. */
	api_opts_init(&o);
	o.max_rate_retries = 1;
	a = mkapi(&s, &f, &o, NULL);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), ERR_LIMIT);
	ck_assert_str_eq(err_last(), "still rate limited after 1 retries: 429 Too Many "
	    "Requests");
	ck_assert_uint_eq(s.nreqs, 3);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_create_caps)
{
	struct stub_resp script[8];
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;
	int i;

	for (i = 0; i < 8; i++)
		script[i] = (struct stub_resp){ 201, NULL, "{}", 0, 0 };
	api_opts_init(&o);
	o.write_interval_ms = 0;
	o.create_per_min = 3;
	o.create_per_hour = 5;
	stub_start(&s, script, 8);
	a = mkapi(&s, &f, &o, NULL);
	api_response_init(&r);
	/* 3 per minute go at once (0, max); the 4th (max+1) waits a minute. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(api_request(&r, a, API_POST, "/c", "{}", API_CREATE), 0);
	ck_assert_uint_eq(f.slept, 0);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/c", "{}", API_CREATE), 0);
	ck_assert_uint_eq(f.now, 60000);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/c", "{}", API_CREATE), 0);
	ck_assert_uint_eq(f.now, 60000);
	/* 5 per hour: the 6th waits for the hour since the first. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/c", "{}", API_CREATE), 0);
	ck_assert_uint_eq(f.now, 3600000);
	/* Non-create writes are not capped. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/w", "{}", 0), 0);
	ck_assert_uint_eq(f.now, 3600000);
	ck_assert_uint_eq(api_get_stats(a)->creates, 6);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

/* 0 turns a cap off: the other still binds; both off, nothing waits. */
START_TEST(test_create_caps_off)
{
	struct stub_resp script[8];
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;
	int i;

	for (i = 0; i < 8; i++)
		script[i] = (struct stub_resp){ 201, NULL, "{}", 0, 0 };
	api_opts_init(&o);
	o.write_interval_ms = 0;
	o.create_per_min = 0;
	o.create_per_hour = 3;
	stub_start(&s, script, 8);
	a = mkapi(&s, &f, &o, NULL);
	api_response_init(&r);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(api_request(&r, a, API_POST, "/c", "{}", API_CREATE), 0);
	ck_assert_uint_eq(f.slept, 0);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/c", "{}", API_CREATE), 0);
	ck_assert_uint_eq(f.now, 3600000);
	api_free(a);
	/* Both off and no interval: four creates at the same instant. */
	o.create_per_hour = 0;
	f.now = f.slept = 0;
	a = mkapi(&s, &f, &o, NULL);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(api_request(&r, a, API_POST, "/c", "{}", API_CREATE), 0);
	ck_assert_uint_eq(f.slept, 0);
	ck_assert_uint_eq(api_get_stats(a)->creates, 4);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

/* A GraphQL query is paced as a read and spends GraphQL's points, not core's. */
START_TEST(test_graphql_budget)
{
	static char h[160];
	struct stub_resp script[] = {
		{ 200, h, "{\"data\":{}}", 0, 0 },
		{ 200, NULL, "{\"data\":{}}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
		{ 200, NULL, "{\"data\":{}}", 0, 0 },
	};
	struct fake_clock f = { 0, 1700000000000ULL, 0, { 0 }, 0 };
	struct api_response r;
	struct stub s;
	struct api *a;
	const unsigned q = API_READ | API_GRAPHQL | API_NOCACHE;

	snprintf(h, sizeof(h), "X-RateLimit-Limit: 5000\r\nX-RateLimit-Remaining: 0\r\n"
	    "X-RateLimit-Reset: %llu\r\nX-RateLimit-Resource: graphql\r\n",
	    1700000000ULL + 12);
	stub_start(&s, script, 4);
	a = mkapi(&s, &f, NULL, NULL);  /* write_interval 1 s */
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/graphql", "{\"query\":\"{}\"}", q), 0);
	ck_assert_int_eq(api_get_stats(a)->graphql_quota.remaining, 0);
	ck_assert_int_eq(api_get_stats(a)->graphql_quota.reset, 1700000012);
	ck_assert_int_eq(api_get_stats(a)->quota.remaining, -1);
	/* A core request does not wait for GraphQL's reset. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), 0);
	ck_assert_uint_eq(f.slept, 0);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/h", NULL, 0), 0);
	ck_assert_uint_eq(f.slept, 0);
	/* The next query does; no write interval for a read. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/graphql", "{\"query\":\"{}\"}", q), 0);
	ck_assert_uint_eq(f.slept, 12000);
	ck_assert_uint_eq(api_get_stats(a)->writes, 0);
	ck_assert_uint_eq(api_get_stats(a)->graphql, 2);
	ck_assert_uint_eq(api_get_stats(a)->requests, 4);
	ck_assert_str_eq(s.reqs[3].method, "POST");
	ck_assert_str_eq(s.reqs[3].body, "{\"query\":\"{}\"}");
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

/* The interval is the setting, whatever the address (the stub is on 127.0.0.1). */
START_TEST(test_write_interval_on_loopback)
{
	struct stub_resp script[4];
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;
	int i;

	for (i = 0; i < 4; i++)
		script[i] = (struct stub_resp){ 201, NULL, "{}", 0, 0 };
	api_opts_init(&o);
	ck_assert_uint_eq(o.write_interval_ms, 1000);
	ck_assert_uint_eq(o.create_per_min, 80);
	ck_assert_uint_eq(o.create_per_hour, 500);
	o.write_interval_ms = 250;
	stub_start(&s, script, 4);
	a = mkapi(&s, &f, &o, NULL);
	api_response_init(&r);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(api_request(&r, a, API_PATCH, "/p", "{}", 0), 0);
	ck_assert_uint_eq(f.slept, 750);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

Suite *
api_limit_suite(void)
{
	Suite *s = suite_create("api_limit");
	TCase *tc = tcase_create("limiter");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_rate_limit_retry_after);
	tcase_add_test(tc, test_rate_limit_backoff);
	tcase_add_test(tc, test_rate_limit_reset);
	tcase_add_test(tc, test_primary_exhausted_preemptive);
	tcase_add_test(tc, test_rate_limit_give_up);
	tcase_add_test(tc, test_create_caps);
	tcase_add_test(tc, test_create_caps_off);
	tcase_add_test(tc, test_write_interval_on_loopback);
	tcase_add_test(tc, test_graphql_budget);
	suite_add_tcase(s, tc);
	return s;
}
