/*
 * api_preflight — whether a run's planned requests fit the quota and the
 * create caps (api_preflight in api.h). Pure: no I/O.
 */
#include "supervisor/github/api.h"

#include <stdio.h>
#include <time.h>

#include "shared/buf.h"
#include "shared/err.h"

int
api_preflight(char *line, size_t len, const struct api_plan *plan,
    const struct api_quota *q, const struct api_opts *o)
{
	struct api_opts d;
	struct buf b = BUF_INIT, why = BUF_INIT;
	unsigned total = plan->reads + plan->writes;
	long margin = 0, avail;
	int pct = plan->margin_percent, rc = 0;
	bool no_slots = false;
	unsigned per_min;

	if (o == NULL) {
		api_opts_init(&d);
		o = &d;
	}
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	buf_addf(&b, "rate-limit preflight: %u requests planned (%u reads, %u writes, "
	    "%u creates)", total, plan->reads, plan->writes, plan->creates);
	if (q->remaining >= 0) {
		margin = (q->remaining * pct + 99) / 100;
		avail = q->remaining - margin;
		buf_addf(&b, " vs %ld remaining (margin %d%% = %ld)", q->remaining,
		    pct, margin);
		if (plan->share > 1) {
			avail = avail > 0 ? avail / (long)plan->share : 0;
			buf_addf(&b, ", shared by %u runs: %ld for this one", plan->share, avail);
		}
		if (q->reset > 0) {
			time_t t = (time_t)q->reset;
			struct tm tm;
			char ts[32];

			gmtime_r(&t, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
			buf_addf(&b, ", resets %s", ts);
		}
		if ((long)total > avail)
			buf_addf(&why, "%u requests exceed the %ld available", total,
			    avail < 0 ? 0 : avail);
	} else {
		buf_addstr(&b, " vs an unknown remaining quota");
	}
	per_min = o->create_per_min;
	if (per_min == 0) {
		/* Pacing per minute is off (repocast.api.creates_per_minute: 0). */
		buf_addf(&b, "; %u content-creating requests, not paced per minute",
		    plan->creates);
	} else {
		if (plan->secondary_reserve > 0)
			per_min = (unsigned)plan->secondary_reserve >= per_min ? 0
			    : per_min - (unsigned)plan->secondary_reserve;
		buf_addf(&b, "; %u content-creating requests paced at %u/min", plan->creates,
		    per_min);
		/* The limiter's window is one minute: up to per_min creates go at
		 * once, each further per_min costs another minute of waiting. */
		if (plan->creates > 0 && per_min > 0 && plan->creates <= per_min)
			buf_addstr(&b, " (no wait)");
		else if (plan->creates > 0 && per_min > 0)
			buf_addf(&b, " (at least %u min of waiting)",
			    (plan->creates + per_min - 1) / per_min - 1);
		else if (plan->creates > 0)
			no_slots = true;
	}
	if (no_slots)
		buf_addf(&why, "%sthe secondary reserve (%d) leaves no create slots",
		    why.len ? "; " : "", plan->secondary_reserve);
	else if (o->create_per_hour > 0 && plan->creates > o->create_per_hour)
		buf_addf(&why, "%s%u content-creating requests exceed the %u/hour cap",
		    why.len ? "; " : "", plan->creates, o->create_per_hour);
	if (why.len > 0) {
		buf_addf(&b, ": insufficient: %s", why.ptr);
		rc = err_set(ERR_LIMIT, "rate-limit preflight: %s", why.ptr);
	} else {
		buf_addstr(&b, ": ok");
	}
	if (len > 0)
		snprintf(line, len, "%s", b.ptr);
	buf_release(&b);
	buf_release(&why);
	return rc;
}
