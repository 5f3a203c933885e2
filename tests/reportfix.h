/*
 * reportfix — the run the report-format suites share (check_markdown,
 * check_junit, check_prom, check_trace): eight records with successes, a
 * failure, a timeout, a retry, a skipped and a cached target and hostile
 * names. Header-only; static, so each suite has its own copy.
 */
#ifndef REPOCAST_TESTS_REPORTFIX_H
#define REPOCAST_TESTS_REPORTFIX_H

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "supervisor/report/report.h"

#define T0 1796300062000000ull  /* the run's start, us since the epoch */
#define NRECS 8

static struct msg_kv phases[] = {
	{ (char *)"start", (char *)"1" },
	{ (char *)"fetch", (char *)"3" },
	{ (char *)"command", (char *)"2" },
};

static void
target(struct record *r, const char *name, enum record_outcome o, pid_t pid,
    uint64_t start, uint64_t wall)
{
	r->name = (char *)name;
	r->outcome = o;
	r->pid = pid;
	r->attempts = pid != 0;
	r->start_us = pid != 0 ? T0 + start : 0;
	r->end_us = pid != 0 ? r->start_us + wall : 0;
	r->wall_us = wall;
	r->exit_code = pid != 0 ? 0 : -1;
}

static void
failed(struct record *r, enum record_cause c, int value, const char *error)
{
	r->cause = c;
	r->cause_value = value;
	r->error = (char *)error;
}

/* Two that ran, a crash, a timeout, one that took a retry, one skipped,
 * one the skip cache answered, two hostile names. The strings are
 * borrowed: release only the run. */
static void
fixture(struct report_run *run, struct record *r)
{
	memset(r, 0, NRECS * sizeof(*r));
	report_run_init(run, "run");
	run->start_us = T0;
	run->end_us = T0 + 2500000;
	run->exit_code = 1;
	target(&r[0], "acme/api", OUTCOME_RAN, 1001, 1000, 7000);
	r[0].utime_us = 3000;
	r[0].stime_us = 1000;
	r[0].vm_hwm_kib = 1656;
	r[0].maxrss_kib = 8516;
	r[0].read_bytes = 4096;
	r[0].write_bytes = 8192;
	r[0].rchar = 9771;
	r[0].wchar = 313;
	r[0].phases = phases;
	r[0].nphases = ARRAY_SIZE(phases);
	r[0].sync.pr_url = (char *)"https://github.com/acme/api/pull/12";
	r[0].sync.pr = PR_OPENED;
	target(&r[1], "acme/crash", OUTCOME_FAILED, 1002, 2000, 3000);
	failed(&r[1], CAUSE_SIGNAL, SIGSEGV, "the worker was killed by signal SEGV");
	r[1].utime_us = 2500;
	r[1].vm_hwm_kib = 2048;
	r[1].exit_code = -1;
	r[1].term_signal = SIGSEGV;
	target(&r[2], "acme/slow", OUTCOME_TIMED_OUT, 1003, 3000, 2000000);
	failed(&r[2], CAUSE_TIMEOUT, 0, "no result within 2 s");
	r[2].utime_us = 1400000;
	r[2].stime_us = 100000;
	r[2].vm_hwm_kib = 90000;
	target(&r[3], "acme/flaky", OUTCOME_RAN, 1004, 10000, 5000);
	r[3].attempts = 2;
	r[3].utime_us = 6000;
	r[3].sync.pr_url = (char *)"https://github.com/acme/flaky/pull/7";
	r[3].sync.pr = PR_UPDATED;
	target(&r[4], "acme/later", OUTCOME_SKIPPED, 0, 0, 0);
	failed(&r[4], CAUSE_DEPENDENCY, 0, "group 'base' failed");
	target(&r[5], "acme/cached", OUTCOME_UP_TO_DATE, 0, 0, 0);
	r[5].sync.skipped = true;
	target(&r[6], "evil\"<b>|\nx\xff", OUTCOME_FAILED, 1005, 20000, 1000);
	failed(&r[6], CAUSE_EXIT, 3, "bad | <b>&\"q\"\n\x01 line2");
	r[6].command_failed = true;
	target(&r[7], "multi\nline \\ \"\xc3\xa9\" & <x>", OUTCOME_RAN, 1006, 21000, 1000);
}

/* text holds line as a whole line. */
static inline void
assert_line(const char *text, const char *line)
{
	char *want = xasprintf("\n%s\n", line);

	ck_assert_msg(strstr(text, want) != NULL, "no line '%s' in:\n%s", line, text);
	free(want);
}

#endif
