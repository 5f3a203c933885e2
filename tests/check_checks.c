/*
 * Unit tests for supervisor/github/checks.c: folding the combined status
 * and the check runs of a commit into green, pending or failed, and the
 * merge method a repository allows.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/checks.h"

#define S(x) x, strlen(x)

START_TEST(test_no_checks_is_green)
{
	struct github_checks c;

	memset(&c, 0, sizeof(c));
	/* GitHub says "pending" for a commit without any status: nothing waits. */
	ck_assert_int_eq(github_checks_parse_status(&c, S("{\"state\":\"pending\","
	    "\"statuses\":[],\"total_count\":0}")), 0);
	ck_assert_int_eq(github_checks_parse_runs(&c, S("{\"total_count\":0,"
	    "\"check_runs\":[]}")), 0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_GREEN);
	ck_assert_ptr_null(c.what);
	github_checks_release(&c);
}
END_TEST

START_TEST(test_runs)
{
	struct github_checks c;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(github_checks_parse_runs(&c, S("{\"check_runs\":["
	    "{\"name\":\"a\",\"status\":\"completed\",\"conclusion\":\"success\"},"
	    "{\"name\":\"b\",\"status\":\"completed\",\"conclusion\":\"neutral\"},"
	    "{\"name\":\"c\",\"status\":\"completed\",\"conclusion\":\"skipped\"}]}")), 0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_GREEN);
	ck_assert_int_eq(c.nruns, 3);
	ck_assert_int_eq(github_checks_parse_runs(&c, S("{\"check_runs\":["
	    "{\"name\":\"d\",\"status\":\"queued\",\"conclusion\":null},"
	    "{\"name\":\"e\",\"status\":\"in_progress\",\"conclusion\":null}]}")), 0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_PENDING);
	ck_assert_str_eq(c.what, "d: queued");          /* the first pending one */
	ck_assert_int_eq(github_checks_parse_runs(&c, S("{\"check_runs\":["
	    "{\"name\":\"f\",\"status\":\"completed\",\"conclusion\":\"timed_out\"},"
	    "{\"name\":\"g\",\"status\":\"completed\",\"conclusion\":\"failure\"}]}")), 0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_FAILED); /* failure wins over pending */
	ck_assert_str_eq(c.what, "f: timed_out");
	github_checks_release(&c);
}
END_TEST

START_TEST(test_statuses)
{
	struct github_checks c;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(github_checks_parse_status(&c, S("{\"state\":\"success\",\"statuses\":["
	    "{\"context\":\"ci\",\"state\":\"success\"}]}")), 0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_GREEN);
	ck_assert_int_eq(github_checks_parse_status(&c, S("{\"state\":\"pending\",\"statuses\":["
	    "{\"context\":\"ci\",\"state\":\"pending\"}]}")), 0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_PENDING);
	ck_assert_str_eq(c.what, "ci: pending");
	github_checks_release(&c);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(github_checks_parse_status(&c, S("{\"state\":\"failure\",\"statuses\":["
	    "{\"context\":\"ci\",\"state\":\"success\"},{\"context\":\"x\",\"state\":\"error\"}]}")),
	    0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_FAILED);
	ck_assert_str_eq(c.what, "x: error");
	github_checks_release(&c);
	/* the combined state alone, when no single status explains it */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(github_checks_parse_status(&c, S("{\"state\":\"failure\",\"statuses\":["
	    "{\"context\":\"ci\",\"state\":\"success\"}]}")), 0);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_FAILED);
	ck_assert_str_eq(c.what, "combined status: failure");
	github_checks_release(&c);
}
END_TEST

START_TEST(test_bad_answers)
{
	struct github_checks c;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(github_checks_parse_status(&c, S("{\"statuses\":[]}")), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad combined status from the github api: no state or "
	    "statuses");
	ck_assert_int_eq(github_checks_parse_runs(&c, S("[]")), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad check runs from the github api: not an object");
	ck_assert_int_eq(github_checks_parse_runs(&c, S("{\"total_count\":1}")), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad check runs from the github api: no check_runs");
	ck_assert_int_eq(github_checks_parse_runs(&c, S("{")), ERR_PROTO);
	ck_assert_int_eq(c.state, GITHUB_CHECKS_GREEN);
	ck_assert_int_eq(c.nruns, 0);
	github_checks_release(&c);
}
END_TEST

START_TEST(test_merge_method)
{
	ck_assert_str_eq(github_merge_method(true, true, true), "squash");
	ck_assert_str_eq(github_merge_method(false, true, true), "merge");
	ck_assert_str_eq(github_merge_method(false, false, true), "rebase");
	ck_assert_ptr_null(github_merge_method(false, false, false));
}
END_TEST

Suite *
checks_suite(void)
{
	Suite *s = suite_create("checks");
	TCase *fold = tcase_create("fold");
	TCase *method = tcase_create("method");

	tcase_add_test(fold, test_no_checks_is_green);
	tcase_add_test(fold, test_runs);
	tcase_add_test(fold, test_statuses);
	tcase_add_test(fold, test_bad_answers);
	tcase_add_test(method, test_merge_method);
	suite_add_tcase(s, fold);
	suite_add_tcase(s, method);
	return s;
}
