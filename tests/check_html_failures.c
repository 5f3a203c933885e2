/*
 * The Failures section of report.html (supervisor/report/html_failures.c):
 * the failures shown with their log at 0, max and max+1, the log tails at
 * 0, max and max+1 lines and of a big log, and missing, FIFO and absent
 * logs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/htmlfix.h"

/* The limits of html_failures.c, as the page must show them. */
#define FAILS 50
#define LINES 20

/* The failures with their log: the first FAILS, the rest in a table. */
static void
check_fails(size_t n)
{
	struct fx f;
	char *s;
	size_t i;

	fx_init(&f);
	fx_add(&f, "acme/ok", OUTCOME_RAN, 0, 10);
	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "acme/f%02zu", i);
		fx_fail(fx_add(&f, name, OUTCOME_FAILED, 0, 10), CAUSE_EXIT, 2, "exit 2");
	}
	s = section_of(fx_render(&f), "failures");
	ck_assert_uint_eq(count(s, "<article"), n < FAILS ? n : FAILS);
	if (n > FAILS) {
		ck_assert_ptr_nonnull(strstr(s, "1 more failures"));
		ck_assert_ptr_nonnull(strstr(s, ">acme/f50</td>"));
	} else {
		ck_assert_ptr_null(strstr(s, "failures-more"));
	}
	if (n == 0)
		ck_assert_ptr_nonnull(strstr(s, "No target failed."));
	else
		ck_assert_ptr_nonnull(strstr(s, "failed: <b>exit:2</b>"));
	free(s);
	fx_release(&f);
}

START_TEST(test_fails_0)
{
	check_fails(0);
}
END_TEST

START_TEST(test_fails_max)
{
	check_fails(FAILS);
}
END_TEST

START_TEST(test_fails_max_plus_1)
{
	check_fails(FAILS + 1);
}
END_TEST

/* A failure's log: its last LINES lines. */
static char *
fail_of(size_t lines)
{
	struct fx f;
	struct record *r;
	char *s;

	fx_init(&f);
	r = fx_add(&f, "acme/x", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_EXIT, 1, "exit 1");
	fx_log_lines(&f, r, lines);
	s = section_of(fx_render(&f), "failures");
	fx_release(&f);
	return s;
}

START_TEST(test_log_0)
{
	char *s = fail_of(0);

	ck_assert_ptr_nonnull(strstr(s, ".log (empty).</p>"));
	ck_assert_ptr_null(strstr(s, "<pre>"));
	free(s);
}
END_TEST

START_TEST(test_log_max)
{
	char *s = fail_of(LINES);

	ck_assert_ptr_nonnull(strstr(s, "The whole of "));
	ck_assert_ptr_nonnull(strstr(s, "<pre>line 001\n"));
	ck_assert_ptr_nonnull(strstr(s, "line 020\n</pre>"));
	free(s);
}
END_TEST

START_TEST(test_log_max_plus_1)
{
	char *s = fail_of(LINES + 1);

	ck_assert_ptr_nonnull(strstr(s, "The last 20 lines of "));
	ck_assert_ptr_null(strstr(s, "line 001"));
	ck_assert_ptr_nonnull(strstr(s, "<pre>line 002\n"));
	ck_assert_ptr_nonnull(strstr(s, "line 021\n</pre>"));
	free(s);
}
END_TEST

/* A big log is read from its end only. */
START_TEST(test_log_big)
{
	char *s = fail_of(100000);

	ck_assert_ptr_nonnull(strstr(s, "The last 20 lines of "));
	ck_assert_ptr_nonnull(strstr(s, "<pre>line 99981\n"));
	ck_assert_ptr_nonnull(strstr(s, "line 100000\n</pre>"));
	ck_assert_uint_lt(strlen(s), 4096);
	free(s);
}
END_TEST

/* A missing log, a FIFO (read, it would block) and no log at all are said so. */
START_TEST(test_log_missing)
{
	struct fx f;
	struct record *r;
	char *s, *want;

	fx_init(&f);
	r = fx_add(&f, "acme/gone", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_EXIT, 1, "exit 1");
	r->log_path = xasprintf("%s/nothing.log", f.dir);
	r = fx_add(&f, "acme/fifo", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_EXIT, 1, "exit 1");
	r->log_path = xasprintf("%s/fifo.log", f.dir);
	ck_assert_int_eq(mkfifo(r->log_path, 0600), 0);
	r = fx_add(&f, "acme/none", OUTCOME_FAILED, 0, 10);
	fx_fail(r, CAUSE_SPAWN, 0, "cannot execute");
	s = section_of(fx_render(&f), "failures");
	want = xasprintf("The log is not available: cannot open &#39;%s/nothing.log&#39;: No "
	    "such file or directory</p>", f.dir);
	ck_assert_msg(strstr(s, want) != NULL, "no '%s' in %s", want, s);
	free(want);
	want = xasprintf("The log is not available: &#39;%s/fifo.log&#39; is not a regular "
	    "file</p>", f.dir);
	ck_assert_msg(strstr(s, want) != NULL, "no '%s' in %s", want, s);
	free(want);
	ck_assert_ptr_nonnull(strstr(s, "No log was recorded for this target."));
	free(s);
	fx_release(&f);
}
END_TEST

Suite *
html_failures_suite(void)
{
	Suite *s = suite_create("html_failures");
	TCase *tc;

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_fails_0);
	tcase_add_test(tc, test_fails_max);
	tcase_add_test(tc, test_fails_max_plus_1);
	suite_add_tcase(s, tc);

	tc = tcase_create("logs");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_log_0);
	tcase_add_test(tc, test_log_max);
	tcase_add_test(tc, test_log_max_plus_1);
	tcase_add_test(tc, test_log_big);
	tcase_add_test(tc, test_log_missing);
	suite_add_tcase(s, tc);
	return s;
}
