/*
 * The per-target record: reset between attempts keeps what outlives one,
 * copy is deep (released independently), release frees everything; the
 * file name of a target in the run directory.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/report/record.h"

static void
fill(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->name = xstrdup("acme/api");
	r->outcome = OUTCOME_FAILED;
	r->cause = CAUSE_TIMEOUT;
	r->error = xstrdup("worker timed out");
	r->sync.pr_url = xstrdup("http://127.0.0.1/pr/1");
	r->log_path = xstrdup("targets/acme__api.log");
	r->attempts = 2;
	r->sync.skipped = true;
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
	ck_assert_str_eq(r.sync.pr_url, "http://127.0.0.1/pr/1");
	ck_assert_str_eq(r.log_path, "targets/acme__api.log");
	ck_assert_int_eq(r.attempts, 2);
	ck_assert(r.sync.skipped);
	/* The attempt's fields start again. */
	ck_assert_int_eq(r.outcome, OUTCOME_NONE);
	ck_assert(!record_failed(&r));
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
	ck_assert_int_eq(b.outcome, OUTCOME_FAILED);
	ck_assert_int_eq(b.cause, CAUSE_TIMEOUT);
	ck_assert_str_eq(b.error, "worker timed out");
	ck_assert_str_eq(b.sync.pr_url, "http://127.0.0.1/pr/1");
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

START_TEST(test_record_move)
{
	struct record a, b;
	char *name;

	fill(&a);
	name = a.name;
	record_move(&b, &a);
	/* b has what a had, the same memory; a is empty. */
	ck_assert_ptr_eq(b.name, name);
	ck_assert_ptr_null(a.name);
	ck_assert_ptr_null(a.phases);
	ck_assert(!a.has_result);
	ck_assert_str_eq(b.result.outcome, "pushed");
	record_release(&a);
	record_release(&b);
}
END_TEST

/* The strings of outcomes and causes, made only for reports and logs. */
START_TEST(test_record_names)
{
	struct record r;
	enum record_outcome o;
	char buf[RECORD_CAUSE_MAX];

	memset(&r, 0, sizeof(r));
	ck_assert_ptr_null(record_outcome_name(OUTCOME_NONE));
	ck_assert_str_eq(record_outcome_name(OUTCOME_PENDING_CURRENT), "pending_current");
	ck_assert_str_eq(record_outcome_name(OUTCOME_TIMED_OUT), "timed_out");
	for (o = OUTCOME_OK; o <= OUTCOME_CANCELLED; o++) {
		enum record_outcome back = OUTCOME_NONE;

		ck_assert_int_eq(record_outcome_parse(&back, record_outcome_name(o)), 0);
		ck_assert_int_eq(back, o);
	}
	ck_assert_int_eq(record_outcome_parse(&o, "exploded"), ERR_NOTFOUND);
	ck_assert_int_eq(record_outcome_parse(&o, NULL), ERR_NOTFOUND);

	ck_assert_ptr_null(record_cause_name(buf, &r));
	record_set_cause(&r, CAUSE_SIGNAL, SIGSEGV, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "signal:SEGV");
	record_set_cause(&r, CAUSE_SIGNAL, SIGKILL, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "signal:KILL");
	record_set_cause(&r, CAUSE_SIGNAL, SIGABRT, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "signal:ABRT");
	record_set_cause(&r, CAUSE_SIGNAL, 0, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "signal:0");
	record_set_cause(&r, CAUSE_EXIT, 3, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "exit:3");
	record_set_cause(&r, CAUSE_EXIT, -2147483647 - 1, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "exit:-2147483648");
	record_set_cause(&r, CAUSE_DEPENDENCY, 0, "group 'core' failed");
	ck_assert_str_eq(record_cause_name(buf, &r), "dependency");
	ck_assert_str_eq(r.error, "group 'core' failed");
	record_set_cause(&r, CAUSE_TOO_LARGE, 0, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "too_large");
	record_set_cause(&r, CAUSE_ERROR, ERR_AUTH, NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "auth");
	ck_assert_str_eq(r.error, "group 'core' failed"); /* NULL keeps the text */

	/* A worker's ERROR: its own causes, error codes, anything else. */
	record_set_worker_error(&r, "timeout", "slow");
	ck_assert_int_eq(r.cause, CAUSE_TIMEOUT);
	ck_assert_str_eq(r.error, "slow");
	record_set_worker_error(&r, "plugin", "cannot load");
	ck_assert_str_eq(record_cause_name(buf, &r), "plugin");
	record_set_worker_error(&r, "network", "reset");
	ck_assert_int_eq(r.cause, CAUSE_ERROR);
	ck_assert_int_eq(r.cause_value, ERR_NET);
	ck_assert_str_eq(record_cause_name(buf, &r), "network");
	record_set_worker_error(&r, "no-such-code", NULL);
	ck_assert_str_eq(record_cause_name(buf, &r), "error");
	ck_assert_str_eq(r.error, "");
	record_set_worker_error(&r, NULL, "x");
	ck_assert_str_eq(record_cause_name(buf, &r), "error");
	record_release(&r);
}
END_TEST

/* Which causes earn another attempt. */
START_TEST(test_record_transient)
{
	static const struct {
		enum record_cause cause;
		int value;
		bool transient;
	} cases[] = {
		{ CAUSE_TIMEOUT, 0, true },
		{ CAUSE_ERROR, ERR_NET, true },
		{ CAUSE_ERROR, ERR_TIMEOUT, true },
		{ CAUSE_SIGNAL, SIGKILL, true },
		{ CAUSE_EXIT, 1, false },
		{ CAUSE_MEMORY, 0, false },
		{ CAUSE_PROTOCOL, 0, false },
		{ CAUSE_SPAWN, 0, false },
		{ CAUSE_ERROR, ERR_CONFIG, false },
		{ CAUSE_CANCELLED, 0, false },
		{ CAUSE_NONE, 0, false },
	};
	struct record r;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		record_set_cause(&r, cases[i].cause, cases[i].value, NULL);
		ck_assert_msg(record_cause_transient(&r) == cases[i].transient, "case %zu", i);
	}
	/* The command's own death in a run is not ours to retry. */
	record_set_cause(&r, CAUSE_SIGNAL, SIGKILL, NULL);
	r.command_failed = true;
	ck_assert(!record_cause_transient(&r));
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
	tcase_add_test(tc, test_record_move);
	tcase_add_test(tc, test_record_names);
	tcase_add_test(tc, test_record_transient);
	tcase_add_test(tc, test_record_file_name);
	suite_add_tcase(s, tc);
	return s;
}
