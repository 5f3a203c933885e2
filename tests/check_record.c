/*
 * The per-target record: reset between attempts keeps what outlives one,
 * copy is deep (released independently), release frees everything; the
 * file name of a target in the run directory.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "shared/util.h"
#include "supervisor/report/record.h"

static void
fill(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->name = xstrdup("acme/api");
	r->outcome = xstrdup("failed");
	r->cause = xstrdup("timeout");
	r->error = xstrdup("worker timed out");
	r->pr_url = xstrdup("http://127.0.0.1/pr/1");
	r->log_path = xstrdup("targets/acme__api.log");
	r->attempts = 2;
	r->skipped = true;
	r->pid = 42;
	r->wall_us = 1000;
	r->exit_code = 3;
	r->term_signal = 9;
	r->command_failed = true;
	r->nphases = 1;
	r->phases = xcalloc(1, sizeof(*r->phases));
	r->phases[0].key = xstrdup("fetch");
	r->phases[0].value = xstrdup("12");
	r->has_result = true;
	r->result.outcome = xstrdup("pushed");
	r->result.commit = xstrdup("0123456789abcdef0123456789abcdef01234567");
	r->result.diffstat = xstrdup(" a | 1 +");
	r->result.changed = 4;
}

START_TEST(test_record_reset)
{
	struct record r;

	fill(&r);
	record_reset(&r);
	/* What outlives an attempt stays. */
	ck_assert_str_eq(r.name, "acme/api");
	ck_assert_str_eq(r.pr_url, "http://127.0.0.1/pr/1");
	ck_assert_str_eq(r.log_path, "targets/acme__api.log");
	ck_assert_int_eq(r.attempts, 2);
	ck_assert(r.skipped);
	/* The attempt's fields start again. */
	ck_assert_ptr_null(r.outcome);
	ck_assert_ptr_null(r.cause);
	ck_assert_ptr_null(r.error);
	ck_assert_ptr_null(r.phases);
	ck_assert_uint_eq(r.nphases, 0);
	ck_assert(!r.has_result);
	ck_assert_ptr_null(r.result.outcome);
	ck_assert_uint_eq(r.result.changed, 0);
	ck_assert_int_eq(r.pid, 0);
	ck_assert_uint_eq(r.wall_us, 0);
	ck_assert_int_eq(r.exit_code, -1);
	ck_assert_int_eq(r.term_signal, 0);
	ck_assert(!r.command_failed);
	record_release(&r);
	ck_assert_ptr_null(r.name);
	record_release(NULL);
}
END_TEST

START_TEST(test_record_copy)
{
	struct record a, b;

	fill(&a);
	record_copy(&b, &a);
	/* Equal values, separate memory: a's release leaves b whole. */
	ck_assert_ptr_ne(a.name, b.name);
	ck_assert_ptr_ne(a.phases, b.phases);
	ck_assert_ptr_ne(a.result.outcome, b.result.outcome);
	record_release(&a);
	ck_assert_str_eq(b.name, "acme/api");
	ck_assert_str_eq(b.outcome, "failed");
	ck_assert_str_eq(b.cause, "timeout");
	ck_assert_str_eq(b.error, "worker timed out");
	ck_assert_str_eq(b.pr_url, "http://127.0.0.1/pr/1");
	ck_assert_str_eq(b.log_path, "targets/acme__api.log");
	ck_assert_uint_eq(b.nphases, 1);
	ck_assert_str_eq(b.phases[0].key, "fetch");
	ck_assert_str_eq(b.phases[0].value, "12");
	ck_assert_str_eq(b.result.outcome, "pushed");
	ck_assert_str_eq(b.result.commit, "0123456789abcdef0123456789abcdef01234567");
	ck_assert_ptr_null(b.result.branch);
	ck_assert_str_eq(b.result.diffstat, " a | 1 +");
	ck_assert_uint_eq(b.result.changed, 4);
	ck_assert_int_eq(b.exit_code, 3);
	record_release(&b);
}
END_TEST

START_TEST(test_record_file_name)
{
	char *s;

	s = record_file_name("acme/api");
	ck_assert_str_eq(s, "acme__api");
	free(s);
	s = record_file_name("a b/c:d");
	ck_assert_str_eq(s, "a_b__c_d");
	free(s);
	s = record_file_name("..");
	ck_assert_str_eq(s, ".._");
	free(s);
}
END_TEST

Suite *
record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc;

	tc = tcase_create("record");
	tcase_add_test(tc, test_record_reset);
	tcase_add_test(tc, test_record_copy);
	tcase_add_test(tc, test_record_file_name);
	suite_add_tcase(s, tc);
	return s;
}
