/*
 * trace — trace.json: the run in the Chrome trace event format (its JSON
 * object form), which Perfetto and chrome://tracing load
 * (docs/report-formats.md).
 *
 * Each worker is a process of the trace (pid = tid = the worker's pid)
 * named after its target: its last attempt is a complete event ("X"), and
 * the phases the worker reported are X events nested in it, laid end to
 * end from the attempt's start in the order reported. The supervisor is a
 * process of its own (its pid, read from the run id, so no worker can
 * have it) named "repocast supervisor": the run is one X event on it, with
 * the API's requests (cat "api") and the limiter's waits (cat "wait")
 * from report_run.spans inside it. A target no worker ran has no track.
 *
 * Invariants the importers need: every event has name, ph, ts, pid and
 * tid; ts and dur are integer microseconds, ts counted from the earliest
 * time in the trace so that none is negative; a nested X event ends
 * within its parent (a phase is clipped to its attempt, the run's event
 * grows to hold every span). One event per line, so a large trace can be
 * read with line tools.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "supervisor/report/report.h"

struct trace {
	struct buf *out;
	uint64_t base;            /* wall-clock us that ts 0 stands for */
	bool first;
};

static json_t *
str(const char *s)
{
	json_t *j = report_json_string(s != NULL ? s : "");

	if (j == NULL)
		BUG("trace: cannot make a JSON string");
	return j;
}

static json_t *
u64(uint64_t v)
{
	return json_integer((json_int_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
}

/* Append ev (consumed) as one line of the array. */
static void
emit(struct trace *tr, json_t *ev)
{
	char *s;

	if (ev == NULL || (s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		BUG("trace: cannot write an event");
	buf_addstr(tr->out, tr->first ? "\n" : ",\n");
	buf_addstr(tr->out, s);
	tr->first = false;
	free(s);
	json_decref(ev);
}

static uint64_t
rel(const struct trace *tr, uint64_t t)
{
	return t > tr->base ? t - tr->base : 0;
}

/* A metadata event naming a process or a thread. */
static void
emit_name(struct trace *tr, const char *what, long pid, const char *name)
{
	emit(tr, json_pack("{s:s,s:s,s:i,s:I,s:I,s:{s:o}}", "name", what, "ph", "M", "ts", 0,
	    "pid", (json_int_t)pid, "tid", (json_int_t)pid, "args", "name", str(name)));
}

/* A complete event; args consumed. */
static void
emit_complete(struct trace *tr, json_t *name, const char *cat, uint64_t start, uint64_t dur,
    long pid, json_t *args)
{
	emit(tr, json_pack("{s:o,s:s,s:s,s:o,s:o,s:I,s:I,s:o}", "name", name, "cat", cat,
	    "ph", "X", "ts", u64(rel(tr, start)), "dur", u64(dur), "pid", (json_int_t)pid,
	    "tid", (json_int_t)pid, "args", args));
}

/* ---- the supervisor ---- */

/* The supervisor's pid, the run id's suffix ("...Z-1234"); 0 when it has none. */
static long
supervisor_pid(const struct report_run *run)
{
	const char *p = run->id != NULL ? strrchr(run->id, '-') : NULL;
	char *end;
	long pid;

	if (p == NULL || p[1] < '1' || p[1] > '9')
		return 0;
	pid = strtol(p + 1, &end, 10);
	return *end == '\0' && pid > 0 ? pid : 0;
}

static uint64_t
span_end(const struct report_span *s)
{
	return s->start_us + s->dur_us;
}

static void
emit_supervisor(struct trace *tr, const struct report_run *run)
{
	uint64_t start = run->start_us, end = run->end_us > run->start_us ? run->end_us :
	    run->start_us;
	long pid = supervisor_pid(run);
	char *title;
	size_t i;

	/* The run holds every span, so that each nests in it. */
	for (i = 0; i < run->nspans; i++) {
		if (run->spans[i].start_us < start)
			start = run->spans[i].start_us;
		if (span_end(&run->spans[i]) > end)
			end = span_end(&run->spans[i]);
	}
	emit_name(tr, "process_name", pid, "repocast supervisor");
	emit_name(tr, "thread_name", pid, "repocast supervisor");
	title = xasprintf("repocast %s", run->command != NULL ? run->command : "");
	emit_complete(tr, str(title), "run", start, end - start, pid,
	    json_pack("{s:o,s:i,s:b,s:o,s:o}", "id", str(run->id), "exit_code", run->exit_code,
	    "interrupted", run->interrupted, "api_requests", u64(run->api_requests),
	    "api_waited_ms", u64(run->api_waited_ms)));
	free(title);
	for (i = 0; i < run->nspans; i++) {
		const struct report_span *s = &run->spans[i];
		json_t *args = json_object();

		if (s->status != 0)
			json_object_set_new(args, "status", json_integer(s->status));
		emit_complete(tr, str(s->name), s->cat != NULL ? s->cat : "api", s->start_us,
		    s->dur_us, pid, args);
	}
}

/* ---- the workers ---- */

/* A phase's milliseconds; false when the value is no decimal number. */
static bool
phase_ms(uint64_t *out, const char *v)
{
	char *end;

	if (v == NULL || *v < '0' || *v > '9')
		return false;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno == 0 && *end == '\0';
}

/*
 * The phases end to end from the attempt's start, each clipped to the
 * attempt: the worker rounds to milliseconds, and a phase that spilled
 * past its parent would not nest.
 */
static void
emit_phases(struct trace *tr, const struct record *r, uint64_t dur)
{
	uint64_t at = r->start_us, end = r->start_us + dur, ms, us, start;
	size_t i;

	for (i = 0; i < r->nphases; i++) {
		if (!phase_ms(&ms, r->phases[i].value))
			continue;
		/* Saturating: a worker's huge number must not wrap around. */
		us = ms <= UINT64_MAX / 1000 ? ms * 1000 : UINT64_MAX;
		start = at < end ? at : end;
		emit_complete(tr, str(r->phases[i].key), "phase", start,
		    us < end - start ? us : end - start, (long)r->pid,
		    json_pack("{s:o}", "ms", u64(ms)));
		at = UINT64_MAX - at < us ? UINT64_MAX : at + us;
	}
}

static json_t *
target_args(const struct record *r)
{
	char cause[RECORD_CAUSE_MAX];
	const char *outcome = record_outcome_name(r->outcome);

	return json_pack("{s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "outcome", str(outcome != NULL ? outcome : "unknown"),
	    "cause", report_json_string(record_cause_name(cause, r)),
	    "error", report_json_string(r->error), "attempts", r->attempts,
	    "utime_us", u64(r->utime_us), "stime_us", u64(r->stime_us),
	    "vm_hwm_kib", u64(r->vm_hwm_kib), "rchar", u64(r->rchar), "wchar", u64(r->wchar),
	    "read_bytes", u64(r->read_bytes), "write_bytes", u64(r->write_bytes),
	    "log", report_json_string(r->log_path));
}

static void
emit_worker(struct trace *tr, const struct record *r)
{
	uint64_t dur = r->wall_us;

	if (dur == 0 && r->end_us > r->start_us)
		dur = r->end_us - r->start_us;
	emit_name(tr, "process_name", (long)r->pid, r->name);
	emit_name(tr, "thread_name", (long)r->pid, r->name);
	emit_complete(tr, str(r->name), "target", r->start_us, dur, (long)r->pid,
	    target_args(r));
	emit_phases(tr, r, dur);
}

/* The earliest time in the trace: ts 0. */
static uint64_t
earliest(const struct report_in *in)
{
	uint64_t t = in->run->start_us;
	size_t i;

	for (i = 0; i < in->run->nspans; i++)
		if (in->run->spans[i].start_us < t)
			t = in->run->spans[i].start_us;
	for (i = 0; i < in->n; i++)
		if (in->recs[i].pid != 0 && in->recs[i].start_us < t)
			t = in->recs[i].start_us;
	return t;
}

void
report_trace(struct buf *out, const struct report_in *in)
{
	struct trace tr = { out, earliest(in), true };
	size_t i;

	buf_addstr(out, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
	emit_supervisor(&tr, in->run);
	for (i = 0; i < in->n; i++)
		if (in->recs[i].pid != 0)
			emit_worker(&tr, &in->recs[i]);
	buf_addstr(out, "\n]}\n");
}
