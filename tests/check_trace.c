/*
 * trace.json (supervisor/report/trace.c): loaded with jansson and held to
 * what Perfetto's JSON importer needs (every event has name, ph, ts, pid
 * and tid; X events a dur >= 0 and proper nesting per track; metadata
 * events naming processes and threads), by a checker that is itself tested
 * on bad input; then the tracks, the phases and the supervisor's spans.
 */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

/* ---- the records: tests/reportfix.h ---- */

#include "reportfix.h"

/* ---- a checker of the trace event format ---- */

struct slice {
	json_int_t pid, tid, ts, dur;
	size_t order;
};

/* By track, then start, then the longer first (a parent before its
 * children), then the order of the file. */
static int
cmp_slice(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->dur != y->dur)
		return x->dur > y->dur ? -1 : 1;
	return x->order < y->order ? -1 : 1;
}

/* Every X event of a track either nests in the one open or starts after
 * it ends. */
static const char *
check_nesting(struct slice *v, size_t n)
{
	json_int_t end[64];
	size_t i, depth = 0;

	qsort(v, n, sizeof(*v), cmp_slice);
	for (i = 0; i < n; i++) {
		if (i > 0 && (v[i].pid != v[i - 1].pid || v[i].tid != v[i - 1].tid))
			depth = 0;
		while (depth > 0 && v[i].ts >= end[depth - 1] &&
		    !(v[i].dur == 0 && v[i].ts == end[depth - 1]))
			depth--;
		if (depth > 0 && v[i].ts + v[i].dur > end[depth - 1])
			return "X events overlap without nesting";
		if (depth == 64)
			return "nested too deep for the checker";
		end[depth++] = v[i].ts + v[i].dur;
	}
	return NULL;
}

static const char *
check_event(json_t *e, struct slice *s, size_t *ns)
{
	const char *ph, *name;
	json_t *ts = json_object_get(e, "ts"), *dur = json_object_get(e, "dur");

	if (!json_is_object(e))
		return "an event that is no object";
	name = json_string_value(json_object_get(e, "name"));
	ph = json_string_value(json_object_get(e, "ph"));
	if (name == NULL || ph == NULL)
		return "an event without name or ph";
	if (!json_is_integer(ts) || json_integer_value(ts) < 0)
		return "an event without a ts >= 0";
	if (!json_is_integer(json_object_get(e, "pid")) ||
	    !json_is_integer(json_object_get(e, "tid")))
		return "an event without pid or tid";
	if (strcmp(ph, "M") == 0) {
		if (strcmp(name, "process_name") != 0 && strcmp(name, "thread_name") != 0)
			return "a metadata event of another kind";
		if (!json_is_string(json_object_get(json_object_get(e, "args"), "name")))
			return "a metadata event without args.name";
		return NULL;
	}
	if (strcmp(ph, "X") != 0)
		return "an event neither X nor M";
	if (!json_is_integer(dur) || json_integer_value(dur) < 0)
		return "an X event without a dur >= 0";
	if (!json_is_object(json_object_get(e, "args")))
		return "an X event without args";
	s[*ns].pid = json_integer_value(json_object_get(e, "pid"));
	s[*ns].tid = json_integer_value(json_object_get(e, "tid"));
	s[*ns].ts = json_integer_value(ts);
	s[*ns].dur = json_integer_value(dur);
	s[*ns].order = *ns;
	(*ns)++;
	return NULL;
}

/* NULL when text is a trace Perfetto's JSON importer takes; else why. */
static const char *
trace_check(const char *text)
{
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je), *events;
	struct slice *s = NULL;
	const char *why = NULL;
	size_t i, ns = 0;

	if (doc == NULL)
		return "not JSON";
	events = json_object_get(doc, "traceEvents");
	if (!json_is_array(events))
		why = "no traceEvents array";
	else if (!json_is_string(json_object_get(doc, "displayTimeUnit")) ||
	    strcmp(json_string_value(json_object_get(doc, "displayTimeUnit")), "ms") != 0)
		why = "displayTimeUnit is not ms";
	else
		s = calloc(json_array_size(events) + 1, sizeof(*s));
	for (i = 0; why == NULL && i < json_array_size(events); i++)
		why = check_event(json_array_get(events, i), s, &ns);
	if (why == NULL && s != NULL)
		why = check_nesting(s, ns);
	free(s);
	json_decref(doc);
	return why;
}

#define EV(body) "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[" body "]}"
#define X(ts, dur) "{\"name\":\"x\",\"ph\":\"X\",\"ts\":" #ts ",\"dur\":" #dur \
	",\"pid\":1,\"tid\":1,\"args\":{}}"

START_TEST(test_checker_rejects)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "{", "not JSON" },
		{ "{\"displayTimeUnit\":\"ms\"}", "no traceEvents array" },
		{ "{\"traceEvents\":[]}", "displayTimeUnit is not ms" },
		{ EV("{\"ph\":\"X\",\"ts\":0,\"dur\":0,\"pid\":1,\"tid\":1}"),
		  "an event without name or ph" },
		{ EV("{\"name\":\"x\",\"ph\":\"X\",\"dur\":0,\"pid\":1,\"tid\":1}"),
		  "an event without a ts >= 0" },
		{ EV(X(-1, 0)), "an event without a ts >= 0" },
		{ EV("{\"name\":\"x\",\"ph\":\"X\",\"ts\":0,\"dur\":0,\"pid\":1}"),
		  "an event without pid or tid" },
		{ EV(X(0, -1)), "an X event without a dur >= 0" },
		{ EV("{\"name\":\"process_name\",\"ph\":\"M\",\"ts\":0,\"pid\":1,\"tid\":1}"),
		  "a metadata event without args.name" },
		{ EV(X(0, 10) "," X(5, 10)), "X events overlap without nesting" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why = trace_check(bad[i].doc);

		ck_assert_msg(why != NULL, "accepted: %s", bad[i].doc);
		ck_assert_str_eq(why, bad[i].why);
	}
	/* Nested, end to end, and zero-length at a parent's end: fine. */
	ck_assert_ptr_null(trace_check(EV(X(0, 10) "," X(0, 4) "," X(4, 6) "," X(10, 0) ","
	    X(10, 5))));
}
END_TEST

/* ---- trace.json ---- */

static json_t *
render(const struct report_run *run, const struct record *recs, size_t n)
{
	struct report_in in = { run, recs, n, NULL };
	struct buf b = BUF_INIT;
	const char *why;
	json_t *doc;

	report_trace(&b, &in);
	why = trace_check(b.ptr);
	ck_assert_msg(why == NULL, "%s:\n%s", why, b.ptr);
	doc = json_loads(b.ptr, 0, NULL);
	buf_release(&b);
	return doc;
}

/* The index-th event with this ph, pid and (when not NULL) name; NULL when
 * there is none. */
static json_t *
find(json_t *doc, const char *ph, json_int_t pid, const char *name, int index)
{
	json_t *events = json_object_get(doc, "traceEvents"), *e;
	size_t i;

	json_array_foreach(events, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "ph")), ph) != 0 ||
		    json_integer_value(json_object_get(e, "pid")) != pid)
			continue;
		if (name != NULL && strcmp(json_string_value(json_object_get(e, "name")), name) != 0)
			continue;
		if (index-- == 0)
			return e;
	}
	return NULL;
}

/* Events of that name. */
static int
count(json_t *doc, const char *name)
{
	json_t *e;
	size_t i;
	int c = 0;

	json_array_foreach(json_object_get(doc, "traceEvents"), i, e)
		c += strcmp(json_string_value(json_object_get(e, "name")), name) == 0;
	return c;
}

static json_int_t
ival(json_t *e, const char *key)
{
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(json_is_integer(json_object_get(e, key)), "no integer '%s'", key);
	return json_integer_value(json_object_get(e, key));
}

static const char *
meta_name(json_t *doc, const char *what, json_int_t pid)
{
	json_t *e = find(doc, "M", pid, what, 0);

	ck_assert_msg(e != NULL, "no %s for pid %lld", what, (long long)pid);
	return json_string_value(json_object_get(json_object_get(e, "args"), "name"));
}

START_TEST(test_trace_workers)
{
	struct report_run run;
	struct record recs[NRECS];
	json_t *doc, *e;

	fixture(&run, recs);
	doc = render(&run, recs, NRECS);
	/* One track per worker, named after its target. */
	ck_assert_str_eq(meta_name(doc, "process_name", 1001), "acme/api");
	ck_assert_str_eq(meta_name(doc, "thread_name", 1001), "acme/api");
	e = find(doc, "X", 1001, "acme/api", 0);
	ck_assert_int_eq(ival(e, "tid"), 1001);
	ck_assert_int_eq(ival(e, "ts"), 1000);
	ck_assert_int_eq(ival(e, "dur"), 7000);
	ck_assert_str_eq(json_string_value(json_object_get(e, "cat")), "target");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "args"), "outcome")),
	    "ran");
	/* The phases end to end from the attempt's start, in the order reported. */
	e = find(doc, "X", 1001, NULL, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "name")), "start");
	ck_assert_int_eq(ival(e, "ts"), 1000);
	ck_assert_int_eq(ival(e, "dur"), 1000);
	e = find(doc, "X", 1001, NULL, 2);
	ck_assert_str_eq(json_string_value(json_object_get(e, "name")), "fetch");
	ck_assert_int_eq(ival(e, "ts"), 2000);
	ck_assert_int_eq(ival(e, "dur"), 3000);
	e = find(doc, "X", 1001, NULL, 3);
	ck_assert_str_eq(json_string_value(json_object_get(e, "name")), "command");
	ck_assert_int_eq(ival(e, "ts"), 5000);
	ck_assert_int_eq(ival(e, "dur"), 2000);
	ck_assert_ptr_null(find(doc, "X", 1001, NULL, 4));
	/* The crash and the timeout have their cause; the retry its attempts. */
	e = find(doc, "X", 1002, "acme/crash", 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "args"), "cause")),
	    "signal:SEGV");
	e = find(doc, "X", 1003, "acme/slow", 0);
	ck_assert_int_eq(ival(e, "dur"), 2000000);
	ck_assert_int_eq(ival(json_object_get(e, "args"), "vm_hwm_kib"), 90000);
	ck_assert_int_eq(ival(json_object_get(find(doc, "X", 1004, "acme/flaky", 0), "args"),
	    "attempts"), 2);
	/* No worker ran for the skipped target nor the cached one: no track
	 * (the supervisor and six workers are named). */
	ck_assert_ptr_null(find(doc, "M", 0, NULL, 0));
	ck_assert_ptr_null(find(doc, "X", 0, NULL, 0));
	ck_assert_int_eq(count(doc, "process_name"), 7);
	/* Hostile names: valid JSON strings, made valid UTF-8 as in report.json. */
	ck_assert_str_eq(meta_name(doc, "process_name", 1005), "evil\"<b>|\nx\xEF\xBF\xBD");
	ck_assert_str_eq(meta_name(doc, "process_name", 1006), "multi\nline \\ \"\xc3\xa9\" & <x>");
	json_decref(doc);
	report_run_release(&run);
}
END_TEST

START_TEST(test_trace_supervisor)
{
	struct report_run run;
	struct record recs[NRECS];
	json_int_t pid;
	json_t *doc, *e, *runev;

	fixture(&run, recs);
	/* Before the run's start (the earliest time: ts 0) and past its end. */
	report_run_add_span(&run, "api", "GET /repos/acme/api", 200, T0 - 1000, 5000);
	report_run_add_span(&run, "wait", "the GitHub rate limit", 0, T0 + 4000, 7000000);
	report_run_add_span(&run, "api", "POST /repos/acme/api/pulls", 201, T0 + 7004000, 300);
	doc = render(&run, recs, NRECS);
	pid = strtol(strrchr(run.id, '-') + 1, NULL, 10);
	ck_assert_int_gt(pid, 0);
	ck_assert_str_eq(meta_name(doc, "process_name", pid), "repocast supervisor");
	ck_assert_str_eq(meta_name(doc, "thread_name", pid), "repocast supervisor");
	/* The run grows to hold every span. */
	runev = find(doc, "X", pid, "repocast run", 0);
	ck_assert_int_eq(ival(runev, "ts"), 0);
	ck_assert_int_eq(ival(runev, "dur"), 7005300);
	ck_assert_int_eq(ival(json_object_get(runev, "args"), "exit_code"), 1);
	e = find(doc, "X", pid, "GET /repos/acme/api", 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "cat")), "api");
	ck_assert_int_eq(ival(e, "ts"), 0);
	ck_assert_int_eq(ival(e, "dur"), 5000);
	ck_assert_int_eq(ival(json_object_get(e, "args"), "status"), 200);
	e = find(doc, "X", pid, "the GitHub rate limit", 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "cat")), "wait");
	ck_assert_int_eq(ival(e, "ts"), 5000);
	ck_assert_int_eq(ival(e, "dur"), 7000000);
	ck_assert_ptr_null(json_object_get(json_object_get(e, "args"), "status"));
	/* The workers' ts count from the same 0: a worker started at T0 + 1000. */
	ck_assert_int_eq(ival(find(doc, "X", 1001, "acme/api", 0), "ts"), 2000);
	json_decref(doc);
	report_run_release(&run);
}
END_TEST

/* Phases the worker rounded up past the attempt's end are clipped to it;
 * a value that is no number is left out. */
START_TEST(test_trace_phases_clipped)
{
	static struct msg_kv ph[] = {
		{ (char *)"start", (char *)"1" },
		{ (char *)"fetch", (char *)"3" },
		{ (char *)"bogus", (char *)"12x" },
		{ (char *)"command", (char *)"18446744073709551615" },
	};
	struct report_run run;
	struct record r;
	json_t *doc, *e;

	memset(&r, 0, sizeof(r));
	report_run_init(&run, "run");
	run.start_us = T0;
	run.end_us = T0 + 10000;
	target(&r, "acme/x", OUTCOME_RAN, 77, 0, 2500);
	r.phases = ph;
	r.nphases = ARRAY_SIZE(ph);
	doc = render(&run, &r, 1);
	e = find(doc, "X", 77, "fetch", 0);
	ck_assert_int_eq(ival(e, "ts"), 1000);
	ck_assert_int_eq(ival(e, "dur"), 1500);
	ck_assert_ptr_null(find(doc, "X", 77, "bogus", 0));
	e = find(doc, "X", 77, "command", 0);
	ck_assert_int_eq(ival(e, "ts"), 2500);
	ck_assert_int_eq(ival(e, "dur"), 0);
	json_decref(doc);
	report_run_release(&run);
}
END_TEST

START_TEST(test_trace_empty)
{
	struct report_run run;
	json_t *doc;

	report_run_init(&run, "sync");
	run.end_us = run.start_us;
	doc = render(&run, NULL, 0);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "traceEvents")), 3);
	json_decref(doc);
	report_run_release(&run);
}
END_TEST

Suite *
trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");

	tcase_add_test(tc, test_checker_rejects);
	tcase_add_test(tc, test_trace_workers);
	tcase_add_test(tc, test_trace_supervisor);
	tcase_add_test(tc, test_trace_phases_clipped);
	tcase_add_test(tc, test_trace_empty);
	suite_add_tcase(s, tc);
	return s;
}
