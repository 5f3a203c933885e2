/*
 * prom — metrics.prom: the run in Prometheus' text exposition format
 * (0.0.4), fit for node_exporter's textfile collector (docs/report-formats.md).
 *
 * Invariants, each one a reason the collector would reject the file:
 * every family is written once, its # HELP and # TYPE lines before its
 * samples; no sample carries a timestamp; label values are valid UTF-8
 * (made so as report.json makes them, so a repo label names the target
 * report.json names) and escaped (\\, \", \n); no two samples of a family
 * have the same labels; the text ends with a newline. Every family is a
 * gauge: the file describes one run and the next run replaces it, so
 * nothing in it only ever goes up.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/utf8.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

/* How a family's raw value reads: microseconds as seconds, or as is. */
enum unit { UNIT_US, UNIT_COUNT };

/* A per-target family, labelled {repo, outcome}. */
struct target_family {
	const char *name, *help;
	enum unit unit;
	uint64_t (*value)(const struct record *r);
};

static uint64_t
t_wall(const struct record *r)
{
	return r->wall_us;
}

static uint64_t
t_cpu(const struct record *r)
{
	return r->utime_us + r->stime_us;
}

static uint64_t
t_peak(const struct record *r)
{
	return r->vm_hwm_kib * 1024;
}

static uint64_t
t_read(const struct record *r)
{
	return r->read_bytes;
}

static uint64_t
t_write(const struct record *r)
{
	return r->write_bytes;
}

static uint64_t
t_rchar(const struct record *r)
{
	return r->rchar;
}

static uint64_t
t_wchar(const struct record *r)
{
	return r->wchar;
}

static uint64_t
t_attempts(const struct record *r)
{
	return r->attempts > 0 ? (uint64_t)r->attempts : 0;
}

static const struct target_family target_families[] = {
	{ "repocast_target_wall_seconds",
	  "Wall time of the target's last attempt, worker spawn to reap.", UNIT_US, t_wall },
	{ "repocast_target_cpu_seconds",
	  "CPU time (user + system) of the target's worker and its children.", UNIT_US, t_cpu },
	{ "repocast_target_peak_memory_bytes",
	  "Peak resident memory of the target's worker (VmHWM, as the worker read it).",
	  UNIT_COUNT, t_peak },
	{ "repocast_target_io_read_bytes",
	  "Bytes the target's worker caused to be read from storage (/proc/PID/io read_bytes).",
	  UNIT_COUNT, t_read },
	{ "repocast_target_io_write_bytes",
	  "Bytes the target's worker caused to be written to storage (/proc/PID/io write_bytes).",
	  UNIT_COUNT, t_write },
	{ "repocast_target_io_rchar_bytes",
	  "Bytes the target's worker read through system calls, page cache included "
	  "(/proc/PID/io rchar).", UNIT_COUNT, t_rchar },
	{ "repocast_target_io_wchar_bytes",
	  "Bytes the target's worker wrote through system calls (/proc/PID/io wchar).",
	  UNIT_COUNT, t_wchar },
	{ "repocast_target_attempts",
	  "Attempts the target took (1 + retries; 0 when no worker ran).", UNIT_COUNT, t_attempts },
};

/* A label value: valid UTF-8, then \\, \" and \n escaped. */
static void
add_label_value(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	const char *p;

	if (s != NULL)
		utf8_sanitize(&clean, s, strlen(s));
	for (p = clean.ptr; *p != '\0'; p++) {
		if (*p == '\\')
			buf_addstr(out, "\\\\");
		else if (*p == '"')
			buf_addstr(out, "\\\"");
		else if (*p == '\n')
			buf_addstr(out, "\\n");
		else
			buf_addch(out, *p);
	}
	buf_release(&clean);
}

/* Microseconds as exact decimal seconds: no float rounding. */
static void
add_value(struct buf *out, enum unit unit, uint64_t v)
{
	if (unit == UNIT_US)
		buf_addf(out, "%" PRIu64 ".%06" PRIu64 "\n", v / 1000000, v % 1000000);
	else
		buf_addf(out, "%" PRIu64 "\n", v);
}

static void
add_family(struct buf *out, const char *name, const char *help)
{
	buf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A family with one unlabelled sample. */
static void
add_single(struct buf *out, const char *name, const char *help, enum unit unit, uint64_t v)
{
	add_family(out, name, help);
	buf_addstr(out, name);
	buf_addch(out, ' ');
	add_value(out, unit, v);
}

static const char *
outcome_label(const struct record *r)
{
	const char *o = record_outcome_name(r->outcome);

	return o != NULL ? o : "unknown";
}

/* ---- the repo label, once per target ---- */

struct named {
	char *label;              /* the repo label, before escaping */
	size_t i;
};

static int
cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->label, y->label);

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/*
 * Which records get samples: all but the later of two whose repo labels
 * are equal. Names are unique in a run, but two that differ only in bytes
 * that are not UTF-8 become one label, and a repeated label set would
 * make the whole file invalid. Returns the number left out.
 */
static size_t
pick_targets(bool *keep, const struct record *recs, size_t n)
{
	struct named *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t i, dropped = 0;

	for (i = 0; i < n; i++) {
		struct buf clean = BUF_INIT;

		if (recs[i].name != NULL)
			utf8_sanitize(&clean, recs[i].name, strlen(recs[i].name));
		v[i].label = buf_detach(&clean, NULL);
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), cmp_named);
	for (i = 0; i < n; i++) {
		keep[v[i].i] = i == 0 || strcmp(v[i].label, v[i - 1].label) != 0;
		dropped += !keep[v[i].i];
	}
	for (i = 0; i < n; i++)
		free(v[i].label);
	free(v);
	return dropped;
}

static void
add_targets(struct buf *out, const struct record *recs, size_t n)
{
	bool *keep = xcalloc(n ? n : 1, sizeof(*keep));
	size_t f, i, dropped;

	dropped = pick_targets(keep, recs, n);
	if (dropped > 0)
		buf_addf(out, "# repocast: %zu target(s) left out: their repo label repeats "
		    "another's\n", dropped);
	for (f = 0; f < ARRAY_SIZE(target_families); f++) {
		const struct target_family *tf = &target_families[f];

		add_family(out, tf->name, tf->help);
		for (i = 0; i < n; i++) {
			if (!keep[i])
				continue;
			buf_addf(out, "%s{repo=\"", tf->name);
			add_label_value(out, recs[i].name);
			buf_addf(out, "\",outcome=\"%s\"} ", outcome_label(&recs[i]));
			add_value(out, tf->unit, tf->value(&recs[i]));
		}
	}
	free(keep);
}

/* ---- the run ---- */

/* Every outcome gets a sample, 0 included: a series that comes and goes
 * with the outcomes of the day cannot be graphed or alerted on. */
static void
add_outcomes(struct buf *out, const struct record *recs, size_t n)
{
	size_t i, unknown = 0;
	int o;

	add_family(out, "repocast_targets", "Targets of the run by outcome.");
	for (o = OUTCOME_NONE + 1; record_outcome_name((enum record_outcome)o) != NULL; o++) {
		uint64_t c = 0;

		for (i = 0; i < n; i++)
			c += recs[i].outcome == (enum record_outcome)o;
		buf_addf(out, "repocast_targets{outcome=\"%s\"} %" PRIu64 "\n",
		    record_outcome_name((enum record_outcome)o), c);
	}
	for (i = 0; i < n; i++)
		unknown += record_outcome_name(recs[i].outcome) == NULL;
	if (unknown > 0)
		buf_addf(out, "repocast_targets{outcome=\"unknown\"} %zu\n", unknown);
}

static void
add_run(struct buf *out, const struct report_run *run, const struct record *recs, size_t n)
{
	uint64_t failed = 0, attempts = 0, cpu = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		failed += record_failed(&recs[i]);
		attempts += t_attempts(&recs[i]);
		cpu += t_cpu(&recs[i]);
	}
	/* No run id label: a new series every run is churn a time-series
	 * database pays for; the start time tells runs apart. */
	add_family(out, "repocast_run_info", "The run's command and repocast's version.");
	buf_addstr(out, "repocast_run_info{command=\"");
	add_label_value(out, run->command);
	buf_addstr(out, "\",version=\"");
	add_label_value(out, run->v_repocast);
	buf_addstr(out, "\"} 1\n");
	add_outcomes(out, recs, n);
	add_single(out, "repocast_targets_failed", "Targets that failed, whatever the cause.",
	    UNIT_COUNT, failed);
	add_single(out, "repocast_run_attempts", "Attempts over all targets, retries included.",
	    UNIT_COUNT, attempts);
	add_single(out, "repocast_run_start_timestamp_seconds", "When the run started (Unix time).",
	    UNIT_US, run->start_us);
	add_single(out, "repocast_run_end_timestamp_seconds", "When the run ended (Unix time).",
	    UNIT_US, run->end_us);
	add_single(out, "repocast_run_wall_seconds", "Wall time of the whole run.", UNIT_US,
	    run->end_us > run->start_us ? run->end_us - run->start_us : 0);
	add_single(out, "repocast_run_exit_code", "repocast's exit status.", UNIT_COUNT,
	    run->exit_code >= 0 ? (uint64_t)run->exit_code : 0);
	add_single(out, "repocast_run_interrupted", "1 when the run was interrupted (partial).",
	    UNIT_COUNT, run->interrupted);
	add_single(out, "repocast_run_orphans_reaped",
	    "Processes left behind by workers, reaped by the supervisor.", UNIT_COUNT,
	    run->orphans_reaped);
	add_single(out, "repocast_workers_cpu_seconds",
	    "CPU time (user + system) of every target's worker, summed.", UNIT_US, cpu);
	add_single(out, "repocast_supervisor_cpu_seconds",
	    "CPU time (user + system) of the supervisor itself.", UNIT_US,
	    run->self.utime_us + run->self.stime_us);
	add_single(out, "repocast_supervisor_peak_memory_bytes",
	    "Peak resident memory of the supervisor (its own maxrss).", UNIT_COUNT,
	    run->self.maxrss_kib * 1024);
	add_single(out, "repocast_api_requests",
	    "GitHub API requests sent, retries included.", UNIT_COUNT, run->api_requests);
	add_single(out, "repocast_api_not_modified",
	    "GitHub API answers 304 Not Modified (free of quota).", UNIT_COUNT,
	    run->api_not_modified);
	add_single(out, "repocast_api_rate_limited",
	    "GitHub API answers that said the rate limit was hit.", UNIT_COUNT,
	    run->api_rate_limited);
	add_single(out, "repocast_api_rate_limit_wait_seconds",
	    "Time the API client slept for rate limits, pacing and retries.", UNIT_US,
	    run->api_waited_ms * 1000);
}

void
report_prom(struct buf *out, const struct report_in *in)
{
	add_run(out, in->run, in->recs, in->n);
	add_targets(out, in->recs, in->n);
}
