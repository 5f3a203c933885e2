/*
 * report.html of a 2,000-target run (the budget: under 1 s and
 * under 50 MB). The records are synthetic but shaped like a real sync: 8
 * workers at a time, four phases each, a few failures with a log, a few
 * timeouts and retries, a PR for every pushed target. MB/s is the page's
 * size over the time to make it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf/bench.h"
#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

#define TARGETS 2000
#define JOBS 8
#define T0 1795307400000000ull

static const char *const phase_names[] = { "fetch", "plan", "apply", "push" };

/* A small deterministic generator: the same records every run. */
static uint64_t
next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static void
add_phases(struct record *r, uint64_t *seed)
{
	uint64_t left = r->wall_us / 1000;
	size_t k;

	r->nphases = ARRAY_SIZE(phase_names);
	r->phases = xcalloc(r->nphases, sizeof(*r->phases));
	for (k = 0; k < r->nphases; k++) {
		uint64_t ms = k + 1 < r->nphases ? left * (10 + next(seed) % 30) / 100 : left;

		left -= ms;
		r->phases[k].key = xstrdup(phase_names[k]);
		r->phases[k].value = xasprintf("%llu", (unsigned long long)ms);
	}
}

static void
add_log(struct record *r, const char *dir, size_t i)
{
	FILE *fp;
	size_t k;

	r->log_path = xasprintf("%s/target-%04zu.log", dir, i);
	if ((fp = fopen(r->log_path, "w")) == NULL)
		BUG("cannot create '%s'", r->log_path);
	for (k = 0; k < 200; k++)
		fprintf(fp, "step %zu of the job for target %zu: something happened\n", k, i);
	if (fclose(fp) != 0)
		BUG("cannot write '%s'", r->log_path);
}

/* One target, started when its worker slot came free. */
static void
make_record(struct record *r, size_t i, uint64_t *slot_free, uint64_t *seed, const char *dir)
{
	uint64_t roll = next(seed) % 100;
	size_t slot = i % JOBS;

	memset(r, 0, sizeof(*r));
	r->name = xasprintf("acme/service-%04zu", i);
	r->attempts = 1;
	r->pid = 10000 + (pid_t)i;
	r->start_us = slot_free[slot] + 200 + next(seed) % 800;
	r->wall_us = 40000 + next(seed) % 900000;
	r->end_us = r->start_us + r->wall_us;
	slot_free[slot] = r->end_us;
	r->utime_us = r->wall_us * (20 + next(seed) % 50) / 100;
	r->stime_us = r->wall_us * (5 + next(seed) % 20) / 100;
	r->maxrss_kib = 9000;
	r->vm_hwm_kib = 1500 + next(seed) % 60000;
	r->read_bytes = next(seed) % 4000000;
	r->write_bytes = next(seed) % 2000000;
	r->bytes_to_worker = 500 + next(seed) % 200000;
	r->bytes_from_worker = 300 + next(seed) % 2000;
	r->exit_code = 0;
	r->log_path = NULL;
	add_phases(r, seed);
	if (roll < 3) {
		record_set_cause(r, CAUSE_EXIT, 1, "the command exited with status 1");
		r->outcome = OUTCOME_FAILED;
		r->exit_code = 1;
		add_log(r, dir, i);
	} else if (roll < 4) {
		record_set_cause(r, CAUSE_TIMEOUT, 0, "no result within 60000 ms");
		r->outcome = OUTCOME_TIMED_OUT;
		r->attempts = 2;
		r->exit_code = -1;
		r->term_signal = SIGTERM;
		r->vm_hwm_kib = 0;
		add_log(r, dir, i);
	} else if (roll < 6) {
		r->outcome = OUTCOME_UP_TO_DATE;
	} else {
		r->outcome = OUTCOME_PUSHED;
		r->attempts = roll < 8 ? 2 : 1;
		r->sync.pr = roll < 50 ? PR_OPENED : PR_UPDATED;
		r->sync.pr_url = xasprintf("https://forge.example/acme/service-%04zu/pull/%zu", i,
		    i % 90 + 1);
	}
}

BENCH(ReportHTML2000)
{
	char dir[] = "/tmp/repocast-bench-report-XXXXXX";
	uint64_t slot_free[JOBS], seed = 42, i;
	struct record *recs = xcalloc(TARGETS, sizeof(*recs));
	struct report_run run;
	struct report_in in;
	struct buf out = BUF_INIT;
	size_t k;
	char *rm;

	if (mkdtemp(dir) == NULL)
		BUG("cannot create '%s'", dir);
	report_run_init(&run, "sync");
	run.start_us = T0;
	run.jobs = JOBS;
	run.timeout_ms = 60000;
	run.retries = 1;
	run.api_requests = 2431;
	for (k = 0; k < JOBS; k++)
		slot_free[k] = T0;
	for (k = 0; k < TARGETS; k++)
		make_record(&recs[k], k, slot_free, &seed, dir);
	run.end_us = T0;
	for (k = 0; k < JOBS; k++)
		run.end_us = slot_free[k] > run.end_us ? slot_free[k] : run.end_us;
	in = (struct report_in){ &run, recs, TARGETS, dir };
	report_html(&out, &in);
	bench_set_bytes(b, out.len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		buf_reset(&out);
		report_html(&out, &in);
	}
	bench_sink(out.ptr);
	buf_release(&out);
	for (k = 0; k < TARGETS; k++)
		record_release(&recs[k]);
	free(recs);
	report_run_release(&run);
	rm = xasprintf("rm -rf '%s'", dir);
	if (system(rm) != 0)
		BUG("cannot remove '%s'", dir);
	free(rm);
}
