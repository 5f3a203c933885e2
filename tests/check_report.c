/*
 * report.json: percentiles, the document, the run directory and id.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

/* ---- report.json ---- */

START_TEST(test_percentile)
{
	uint64_t v[] = { 50, 10, 40, 20, 30, 100, 90, 80, 70, 60 };
	uint64_t one[] = { 7 };

	ck_assert_uint_eq(report_percentile(NULL, 0, 50), 0);
	ck_assert_uint_eq(report_percentile(one, 1, 95), 7);
	ck_assert_uint_eq(report_percentile(v, 10, 50), 50);
	ck_assert_uint_eq(report_percentile(v, 10, 95), 100);
	ck_assert_uint_eq(report_percentile(v, 10, 100), 100);
	ck_assert_uint_eq(report_percentile(v, 10, 0), 10);
}
END_TEST

START_TEST(test_report_json)
{
	struct report_run run;
	struct record recs[3];
	struct msg_kv ph = { (char *)"fetch", (char *)"12" };
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *doc, *t, *run_j;

	memset(recs, 0, sizeof(recs));
	report_run_init(&run, "run");
	run.end_us = run.start_us + 1500000;
	run.exit_code = 1;
	recs[0].name = (char *)"acme/ok";
	recs[0].outcome = OUTCOME_RAN;
	recs[0].pid = 4242;
	recs[0].attempts = 1;
	recs[0].wall_us = 100;
	recs[0].vm_hwm_kib = 2048;
	recs[0].exit_code = 0;
	recs[0].phases = &ph;
	recs[0].nphases = 1;
	recs[0].has_result = true;
	recs[0].result.outcome = (char *)"ran";
	recs[0].result.cmd_wall_ms = 5;
	recs[1].name = (char *)"acme/bad\xff";  /* not UTF-8: must not lose the report */
	recs[1].outcome = OUTCOME_FAILED;
	recs[1].cause = CAUSE_SIGNAL;
	recs[1].cause_value = SIGSEGV;
	recs[1].error = (char *)"the worker was killed by a signal";
	recs[1].attempts = 2;
	recs[1].pid = 4243;
	recs[1].wall_us = 300;
	recs[1].exit_code = -1;
	recs[1].term_signal = SIGSEGV;
	/* No worker ran (skip cache): counted, but kept out of the stats. */
	recs[2].name = (char *)"acme/cached";
	recs[2].outcome = OUTCOME_UP_TO_DATE;
	recs[2].sync.skipped = true;
	report_json(&b, &run, recs, 3);
	doc = json_loads(b.ptr, 0, &je);
	ck_assert_msg(doc != NULL, "bad json: %s", je.text);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "schema")), 1);
	run_j = json_object_get(doc, "run");
	ck_assert_str_eq(json_string_value(json_object_get(run_j, "id")), run.id);
	ck_assert_int_eq(json_integer_value(json_object_get(run_j, "wall_us")), 1500000);
	ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(run_j,
	    "versions"), "libgit2")));
	ck_assert_ptr_nonnull(json_object_get(json_object_get(run_j, "supervisor"), "utime_us"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
	    "failed")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc,
	    "totals"), "causes"), "signal:SEGV")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc,
	    "stats"), "wall_us"), "max")), 300);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc,
	    "stats"), "wall_us"), "p50")), 100);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
	    "skipped")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "totals"),
	    "targets")), 3);
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(doc, "targets"), 2),
	    "skipped")));
	ck_assert(json_is_false(json_object_get(json_array_get(json_object_get(doc, "targets"), 0),
	    "skipped")));
	t = json_array_get(json_object_get(doc, "targets"), 0);
	ck_assert(json_is_true(json_object_get(t, "ok")));
	ck_assert(json_is_null(json_object_get(t, "cause")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(t, "phases_ms"),
	    "fetch")), 12);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(t, "rusage"),
	    "vm_hwm_kib")), 2048);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(t, "command"),
	    "exit")), 0);
	t = json_array_get(json_object_get(doc, "targets"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(t, "name")), "acme/bad\xEF\xBF\xBD");
	ck_assert_str_eq(json_string_value(json_object_get(t, "cause")), "signal:SEGV");
	ck_assert_str_eq(json_string_value(json_object_get(t, "cause_source")), "worker");
	ck_assert_str_eq(json_string_value(json_object_get(t, "worker_signal")), "SEGV");
	ck_assert(json_is_null(json_object_get(t, "worker_exit")));
	ck_assert(json_is_null(json_object_get(t, "result")));
	json_decref(doc);
	buf_release(&b);
	report_run_release(&run);
}
END_TEST

/* A sync's report: no command (argv null), and who decided each failure. */
START_TEST(test_report_sync_sources)
{
	struct report_run run;
	struct record recs[4];
	struct buf b = BUF_INIT;
	json_error_t je;
	json_t *doc, *t;
	static const char *const want[] = { "supervisor", "supervisor", "worker", NULL };
	size_t i;

	memset(recs, 0, sizeof(recs));
	report_run_init(&run, "sync");
	recs[0].name = (char *)"acme/early";     /* failed before a worker */
	recs[0].outcome = OUTCOME_FAILED;
	recs[0].cause = CAUSE_ERROR;
	recs[0].cause_value = ERR_NOTFOUND;
	recs[1].name = (char *)"acme/pr";        /* the worker pushed, the PR failed */
	recs[1].outcome = OUTCOME_FAILED;
	recs[1].cause = CAUSE_PR;
	recs[1].attempts = 1;
	recs[2].name = (char *)"acme/slow";
	recs[2].outcome = OUTCOME_TIMED_OUT;
	recs[2].cause = CAUSE_TIMEOUT;
	recs[2].attempts = 2;
	recs[3].name = (char *)"acme/fine";
	recs[3].outcome = OUTCOME_UP_TO_DATE;
	recs[3].attempts = 1;
	report_json(&b, &run, recs, 4);
	doc = json_loads(b.ptr, 0, &je);
	ck_assert_msg(doc != NULL, "bad json: %s", je.text);
	ck_assert(json_is_null(json_object_get(json_object_get(doc, "run"), "argv")));
	for (i = 0; i < 4; i++) {
		t = json_array_get(json_object_get(doc, "targets"), i);
		if (want[i] == NULL)
			ck_assert(json_is_null(json_object_get(t, "cause_source")));
		else
			ck_assert_str_eq(json_string_value(json_object_get(t, "cause_source")), want[i]);
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "targets"), 0), "cause")), "notfound");
	json_decref(doc);
	buf_release(&b);
	report_run_release(&run);
}
END_TEST

START_TEST(test_report_dir_and_id)
{
	char base[] = "/tmp/repocast-report-XXXXXX";
	char *dir = NULL, *dir2 = NULL, *id, *path, *t;
	struct report_run run;
	struct buf b = BUF_INIT;

	/* 2026-11-22T00:30:00Z */
	id = report_run_id(1795307400ull * 1000000, 42);
	ck_assert_str_eq(id, "20261122T003000Z-42");
	ck_assert_ptr_nonnull(mkdtemp(base));
	path = xasprintf("%s/a/b", base);
	ck_assert_int_eq(report_make_dir(&dir, path, id), 0);
	t = xasprintf("%s/a/b/%s/targets", base, id);
	ck_assert_int_eq(access(t, W_OK), 0);
	report_run_init(&run, "run");
	free(t);
	t = xasprintf("%s/report.json", dir);
	{
		const struct report_in in = { &run, NULL, 0, dir };

		ck_assert_int_eq(report_write_format(&in, REPORT_JSON, t), 0);
	}
	ck_assert_int_eq(buf_read_file(&b, t), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"schema\": 1"));
	unlink(t);
	free(t);
	t = xasprintf("rm -rf '%s'", base);
	ck_assert_int_eq(system(t), 0);
	free(t);
	/* a file in the way */
	ck_assert_int_eq(report_make_dir(&dir2, "/dev/null/x", id), -1);
	ck_assert_ptr_null(dir2);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot create directory '/dev/null"));
	report_run_release(&run);
	buf_release(&b);
	free(path);
	free(id);
	free(dir);
}
END_TEST

Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc;

	tc = tcase_create("report");
	tcase_add_test(tc, test_percentile);
	tcase_add_test(tc, test_report_json);
	tcase_add_test(tc, test_report_sync_sources);
	tcase_add_test(tc, test_report_dir_and_id);
	suite_add_tcase(s, tc);
	return s;
}
