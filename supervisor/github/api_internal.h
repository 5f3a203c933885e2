/*
 * api_internal — private to the api module (api.h), which is split over
 * files: api.c (life cycle, the request loop with its retries, pages),
 * api_url.c (origins, resolving a path or a redirect), api_cache.c (the
 * ETag cache), api_transfer.c (one libcurl transfer), api_limit.c (the
 * waits and the limiter); api_answer.c (Link, error bodies) and
 * api_preflight.c are pure and need none of it. This header holds what
 * the others share: the client's state and the functions one file calls
 * in another. Only api.c and the api_*.c files include it.
 */
#ifndef REPOCAST_API_INTERNAL_H
#define REPOCAST_API_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "shared/buf.h"
#include "supervisor/github/api.h"

struct api {
	CURL *curl;
	struct api_opts o;
	char *base;             /* base_url without a trailing slash */
	char *origin;           /* scheme://host[:port] */
	char *cache_dir;
	char *user_agent;
	char *token;            /* secret: wiped by api_free */
	const char *req_token;  /* the token of the request in progress (borrowed) */
	const char *pages_path; /* api_get_pages: the path naming every page */
	bool loopback, plain;
	uint64_t not_before;    /* monotonic ms: no request before this */
	uint64_t last_write;    /* monotonic ms of the last mutating request */
	bool have_write;
	uint64_t *ring;         /* start times of the last ring_cap creates */
	size_t ring_head, ring_n, ring_cap; /* ring_cap: the larger cap; 0: no caps */
	struct api_stats st;
	/* The request in progress, named in its events (api_event). */
	enum api_method ev_method;
	const char *ev_url;     /* NULL outside api_request */
	/* State of the transfer in progress. */
	struct api_response *cur;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
};

/* A cached answer (api_cache.c). */
struct cache_entry {
	struct buf raw;
	char *etag, *link;     /* point into raw; link NULL when empty */
	const char *body;
	size_t body_len;
};

/* "GET", ... by enum api_method. */
extern const char *const api_method_names[];

/* ---- api.c ---- */

/* Report an event of the request in progress to o.on_event, if any. */
void api_emit(struct api *a, const char *kind, long status, uint64_t start_us,
    uint64_t dur_us, const char *reason);
/* Forget what an answer's headers said (a 1xx's, before the real answer's). */
void api_response_clear_headers(struct api_response *r);
/* Forget an answer's status, headers and body (the body's buffer is kept). */
void api_response_clear(struct api_response *r);

/* ---- api_url.c ---- */

/* Split "scheme://host[:port]/..." into its origin; -1 when not http(s). */
int api_parse_origin(const char *url, char **origin, bool *loopback, bool *plain);
/* The absolute URL for path, or NULL (err set) when it leaves the origin. */
char *api_resolve(struct api *a, const char *path);
/* Resolve a Location against url; NULL when it leaves the origin. */
char *api_redirect_target(struct api *a, const char *loc);

/* ---- api_cache.c ---- */

/*
 * Load url's entry; 0 when found and valid, else -1 (a miss, no error).
 * e->raw is initialised in any case: release it.
 */
int api_cache_load(struct cache_entry *e, const struct api *a, const char *url);
/* Store r's answer to url; a failure is logged, never returned. */
void api_cache_store(struct api *a, const char *url, const struct api_response *r);

/* ---- api_transfer.c ---- */

/*
 * Send one request and read its answer into r (cleared first; the token
 * is a->req_token). Returns libcurl's code; r->status is 0 unless it is
 * CURLE_OK, and a->too_big tells an oversized body. Blocks.
 */
CURLcode api_perform(struct api *a, struct api_response *r, enum api_method m,
    const char *url, const char *body, const char *if_none_match, unsigned flags);

/* ---- api_limit.c ---- */

/* Has o.cancelled asked to stop? */
int api_cancelled(struct api *a);
/*
 * Sleep until monotonic time t, waiting for why (named in the log and the
 * "wait" event). Returns 0; ERR_LIMIT when it would exceed max_wait_ms;
 * ERR_FAIL when cancelled. Blocks.
 */
int api_wait_until(struct api *a, uint64_t t, const char *why);
/* Note a content-creating request started at monotonic time t. */
void api_ring_push(struct api *a, uint64_t t);
/* Does the request count as a write (paced by write_interval_ms)? */
bool api_is_mutating(enum api_method m, unsigned flags);
/* The budget a request spends: GraphQL's points or the core quota. */
struct api_quota *api_quota_of(struct api *a, unsigned flags);
/*
 * Wait for everything the limiter asks before a request (see api.h);
 * quota_free skips the primary quota (GET /rate_limit). Returns 0 or an
 * api_wait_until error. Blocks.
 */
int api_limiter_wait(struct api *a, enum api_method m, unsigned flags, bool quota_free);
/* Is r a rate-limited answer (429, or 403 saying so)? */
bool api_is_rate_limited(const struct api_response *r);
/* Is status a transient server failure worth a retry? */
bool api_is_transient(long status);
/* base doubled attempt times, at most cap. */
uint64_t api_backoff(uint64_t base, int attempt, uint64_t cap);

#endif
