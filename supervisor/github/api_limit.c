/*
 * api_limit — the waits of the api module (api.h): sleeping until a time
 * (cancellable, bounded by max_wait_ms, reported), the limiter applied
 * before each request, and what tells a rate-limited or transient answer
 * and its backoff.
 */
#include "supervisor/github/api.h"

#include <inttypes.h>
#include <string.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/api_internal.h"

#define SLEEP_SLICE_MS 200
#define LOG_WAIT_MS 5000

int
api_cancelled(struct api *a)
{
	return a->o.cancelled != NULL && a->o.cancelled(a->o.arg);
}

/*
 * Sleep until monotonic time t. The sleep is summed rather than re-read from
 * the clock so an injected clock that does not advance cannot loop forever.
 */
int
api_wait_until(struct api *a, uint64_t t, const char *why)
{
	uint64_t now = a->o.now_ms(a->o.arg), left, s, slept = 0, start_us;
	int rc = 0;

	if (t <= now)
		return 0;
	left = t - now;
	if (left > a->o.max_wait_ms)
		return err_set(ERR_LIMIT, "%s: would have to wait %" PRIu64 " s, "
		    "more than the %" PRIu64 " s allowed", why, (left + 999) / 1000,
		    a->o.max_wait_ms / 1000);
	/* A rate-limited answer has already been reported with its wait. */
	if (left >= LOG_WAIT_MS && t != a->not_before)
		log_info("waiting %" PRIu64 " s for %s", (left + 999) / 1000, why);
	a->st.waited_ms += left;
	start_us = util_wall_us();
	while (left > 0) {
		if (api_cancelled(a)) {
			rc = err_set(ERR_FAIL, "interrupted while waiting for %s", why);
			break;
		}
		s = left < SLEEP_SLICE_MS || a->o.cancelled == NULL ? left : SLEEP_SLICE_MS;
		a->o.sleep_ms(s, a->o.arg);
		slept += s;
		left -= s;
	}
	/* What was slept, not what was planned: an interrupted wait is shorter. */
	if (slept > 0)
		api_emit(a, "wait", 0, start_us, slept * 1000, why);
	return rc;
}

/* ---- the limiter ---- */

static uint64_t
ring_at(const struct api *a, size_t i)
{
	return a->ring[(a->ring_head + i) % a->ring_cap];
}

void
api_ring_push(struct api *a, uint64_t t)
{
	size_t cap = a->ring_cap;

	if (cap == 0)
		return;
	if (a->ring_n < cap) {
		a->ring[(a->ring_head + a->ring_n) % cap] = t;
		a->ring_n++;
	} else {
		a->ring[a->ring_head] = t;
		a->ring_head = (a->ring_head + 1) % cap;
	}
}

bool
api_is_mutating(enum api_method m, unsigned flags)
{
	return m != API_GET && !(flags & API_READ);
}

/* The budget a request spends: GraphQL's points or the core quota. */
struct api_quota *
api_quota_of(struct api *a, unsigned flags)
{
	return (flags & API_GRAPHQL) ? &a->st.graphql_quota : &a->st.quota;
}

int
api_limiter_wait(struct api *a, enum api_method m, unsigned flags, bool quota_free)
{
	struct api_quota *q = api_quota_of(a, flags);
	uint64_t wall;
	int rc;

	if ((rc = api_wait_until(a, a->not_before, "the GitHub rate limit")) != 0)
		return rc;
	if (!quota_free && q->remaining == 0 && q->reset > 0) {
		wall = a->o.wall_ms(a->o.arg);
		if ((uint64_t)q->reset * 1000 > wall) {
			rc = api_wait_until(a, a->o.now_ms(a->o.arg) +
			    ((uint64_t)q->reset * 1000 - wall),
			    (flags & API_GRAPHQL) ? "the GraphQL rate limit to reset" :
			    "the primary rate limit to reset");
			if (rc != 0)
				return rc;
		}
		q->remaining = -1;
	}
	if (api_is_mutating(m, flags) && a->have_write &&
	    (rc = api_wait_until(a, a->last_write + a->o.write_interval_ms,
	    "the interval between writes")) != 0)
		return rc;
	if (flags & API_CREATE) {
		if (a->o.create_per_min > 0 && a->ring_n >= a->o.create_per_min &&
		    (rc = api_wait_until(a, ring_at(a, a->ring_n - a->o.create_per_min) +
		    60000, "the per-minute content-creation limit")) != 0)
			return rc;
		if (a->o.create_per_hour > 0 && a->ring_n >= a->o.create_per_hour &&
		    (rc = api_wait_until(a, ring_at(a, a->ring_n - a->o.create_per_hour) +
		    3600000, "the per-hour content-creation limit")) != 0)
			return rc;
	}
	return 0;
}

bool
api_is_rate_limited(const struct api_response *r)
{
	if (r->status == 429)
		return true;
	if (r->status != 403)
		return false;
	return r->retry_after >= 0 || r->quota.remaining == 0 ||
	    strcasestr(r->body.ptr, "rate limit") != NULL;
}

bool
api_is_transient(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504;
}

uint64_t
api_backoff(uint64_t base, int attempt, uint64_t cap)
{
	uint64_t d = base;

	while (attempt-- > 0 && d < cap)
		d *= 2;
	return d < cap ? d : cap;
}
