/*
 * Unit tests for supervisor/github/api_preflight.c: a run's plan against
 * the quota, the margin, the share and the create caps.
 */
#include <check.h>
#include <string.h>

#include "shared/err.h"
#include "supervisor/github/api.h"

START_TEST(test_preflight)
{
	struct api_plan p = { 8, 4, 1, 10, 0, 0 };
	struct api_quota q = { 5000, 4999, 1700000000 };
	char line[512];

	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	ck_assert_str_eq(line, "rate-limit preflight: 12 requests planned (8 reads, "
	    "4 writes, 1 creates) vs 4999 remaining (margin 10% = 500), resets "
	    "2023-11-14T22:13:20Z; 1 content-creating requests paced at 80/min "
	    "(no wait): ok");
	/* Exactly the available budget fits; one more does not. */
	q.remaining = 100;
	p.margin_percent = 0;
	p.reads = 96;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	p.reads = 97;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), ERR_LIMIT);
	ck_assert_str_eq(err_last(), "rate-limit preflight: 101 requests exceed the "
	    "100 available");
	ck_assert_ptr_nonnull(strstr(line, ": insufficient: 101 requests exceed"));
	/* The per-hour create cap: 500 fits, 501 does not. */
	q.remaining = 5000;
	p.reads = 0;
	p.writes = p.creates = 500;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	ck_assert_ptr_nonnull(strstr(line, "paced at 80/min (at least 6 min of waiting): ok"));
	/* A minute's allowance goes without waiting; one more waits a minute. */
	p.writes = p.creates = 80;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	ck_assert_ptr_nonnull(strstr(line, "paced at 80/min (no wait): ok"));
	p.writes = p.creates = 81;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	ck_assert_ptr_nonnull(strstr(line, "paced at 80/min (at least 1 min of waiting): ok"));
	p.writes = p.creates = 501;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), ERR_LIMIT);
	ck_assert_str_eq(err_last(), "rate-limit preflight: 501 content-creating "
	    "requests exceed the 500/hour cap");
	/* A reserve that eats every per-minute slot. */
	p.writes = p.creates = 1;
	p.secondary_reserve = 80;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(err_last(), "leaves no create slots"));
	/* Unknown quota: only the create caps apply. */
	p.secondary_reserve = 0;
	q.remaining = -1;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	ck_assert_ptr_nonnull(strstr(line, "unknown remaining quota"));
	/* Four shards on one token: each gets a quarter of what the margin
	 * leaves (1000 - 100 = 900: 225 each); 225 fits, 226 does not. */
	memset(&p, 0, sizeof(p));
	p.margin_percent = 10;
	p.share = 4;
	q.remaining = 1000;
	q.reset = 0;
	p.reads = 225;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	ck_assert_str_eq(line, "rate-limit preflight: 225 requests planned (225 reads, "
	    "0 writes, 0 creates) vs 1000 remaining (margin 10% = 100), shared by 4 runs: "
	    "225 for this one; 0 content-creating requests paced at 80/min: ok");
	p.reads = 226;
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), ERR_LIMIT);
	ck_assert_str_eq(err_last(), "rate-limit preflight: 226 requests exceed the "
	    "225 available");
	p.share = 1;    /* alone (or its own token): all 900 */
	ck_assert_int_eq(api_preflight(line, sizeof(line), &p, &q, NULL), 0);
	ck_assert_ptr_null(strstr(line, "shared"));
}
END_TEST

Suite *
api_preflight_suite(void)
{
	Suite *s = suite_create("api_preflight");
	TCase *tc = tcase_create("preflight");

	tcase_add_test(tc, test_preflight);
	suite_add_tcase(s, tc);
	return s;
}
