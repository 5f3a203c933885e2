/*
 * api — the supervisor's HTTP client for the GitHub REST API (DESIGN §4).
 *
 * One struct api per run: one libcurl easy handle (one kept-alive
 * connection) and one limiter that every request goes through. It is not
 * thread-safe and every call blocks: one request is in flight at a time.
 *
 * The limiter, in the order it is applied before each request:
 *   - a global "not before" time set by the last rate-limited answer;
 *   - the primary quota: when the last answer said x-ratelimit-remaining: 0,
 *     wait until x-ratelimit-reset;
 *   - mutating requests (POST/PATCH/PUT/DELETE) start >= write_interval_ms
 *     apart (default 1 s);
 *   - content-creating requests (API_CREATE) stay <= create_per_min per
 *     sliding minute (80) and <= create_per_hour per sliding hour (500).
 * These three are GitHub.com's rules by default; 0 turns one off. They are
 * settings (repocast.api in the config), never inferred from the address.
 * A rate-limited answer (429, or 403 carrying retry-after, remaining 0 or a
 * "rate limit" message) is retried after retry-after seconds when given,
 * else at x-ratelimit-reset when remaining is 0, else after backoff_min_ms
 * (60 s) doubling per attempt up to backoff_max_ms. Transient failures
 * (500/502/503/504, connection errors, timeouts) are retried up to
 * max_retries times with retry_base_ms doubling. Other 4xx are never
 * retried. No single wait may exceed max_wait_ms: the request then fails
 * with ERR_LIMIT. Waits longer than 5 s are logged.
 *
 * GET answers carrying an ETag are cached on disk under cache_dir (one file
 * per URL, named by a hash of it, holding the URL, ETag, Link next and body,
 * written atomically; never a request header, so never the token). The
 * next GET of that URL is conditional (If-None-Match); a 304 costs no
 * primary quota and is answered from the cache.
 *
 * Every request sends User-Agent: repocast/<version>, Accept:
 * application/vnd.github+json, X-GitHub-Api-Version: 2022-11-28 and, with
 * a token, Authorization: Bearer <token>. The header list is built per
 * request and wiped after it. Redirects are never followed by libcurl: a
 * GET redirected within the API's own origin is followed by hand (3 hops
 * at most), anything else is an error; pagination links are followed only
 * within the same origin. A token is never sent over plain http except to
 * a loopback host.
 *
 * With api_opts.on_event set, the client reports what it did, for the
 * run's trace: one "request" event after each attempt that went to the
 * network (each one api_stats.requests counts: retries, redirects and
 * failed connections included) and one "wait" event after each wait of
 * the limiter or of a retry's backoff that slept. An event carries the
 * method, the URL's path (no origin, no query, no fragment: never the
 * token, a header or a query string), the status and the wall-clock span.
 *
 * Error texts (err_last) read "<STATUS> <message>[: <errors[]>]" for HTTP
 * errors, e.g. "422 Validation Failed: A pull request already exists for
 * acme:chore/sync-files-api-20240101-120000-abc1234"; callers prefix their
 * context ("cannot create pull request in 'acme/api': ...").
 *
 * The module is split over api.c and api_*.c; api_internal.h, its
 * private header, says which file holds what.
 */
#ifndef REPOCAST_API_H
#define REPOCAST_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"

/* Injectable time, so tests run the limiter without real waiting. */
typedef uint64_t (*api_clock_fn)(void *arg);
typedef void (*api_sleep_fn)(uint64_t ms, void *arg);
/* Polled during waits and transfers: nonzero aborts the request. */
typedef int (*api_cancel_fn)(void *arg);

/* One thing the client did (see the top of this file). */
struct api_event {
	const char *kind;            /* "request" or "wait" */
	const char *method;          /* "GET", ...: the request sent or waiting */
	const char *path;            /* "/repos/acme/api/pulls": path only, no host,
	                              * no query */
	long status;                 /* request: the HTTP status, 0 when no answer
	                              * came (connection failure, timeout); wait: 0 */
	uint64_t start_us, dur_us;   /* wall clock, microseconds since the epoch; a
	                              * wait's dur_us is the time it slept */
	const char *reason;          /* wait: what it waited for ("the interval
	                              * between writes"); request: NULL */
};
/*
 * Called synchronously with an event whose strings are borrowed for the
 * call only. It must not call back into the api.
 */
typedef void (*api_event_fn)(const struct api_event *ev, void *arg);
/*
 * The token of one request, when the token depends on what is asked (a
 * GitHub App's installation token per owner, supervisor/github/app.h).
 * path names the request: the path given to api_request, or to
 * api_get_pages for every page it follows (a next link may not name the
 * owner). stale is true when the server refused the last token given for
 * this request with 401: hand a fresh one (the request is sent again once).
 * Set *token (borrowed until the next call; NULL: none) and return 0, or
 * an error code with err_last set: the request fails with it unsent.
 */
typedef int (*api_auth_fn)(const char **token, const char *path, bool stale, void *arg);

struct api_opts {
	const char *base_url;        /* default "https://api.github.com" */
	const char *cache_dir;       /* ETag cache dir (created 0700); NULL: none */
	const char *user_agent;      /* default "repocast/" REPOCAST_VERSION */
	long connect_timeout_ms;     /* default 10000 */
	long timeout_ms;             /* whole request; default 60000 */
	size_t max_body;             /* largest answer body; default 32 MiB */
	int max_retries;             /* transient failures; default 3 */
	int max_rate_retries;        /* rate-limited answers; default 5 */
	uint64_t retry_base_ms;      /* transient backoff start; default 1000 */
	uint64_t write_interval_ms;  /* between mutating requests; default 1000; 0 off */
	unsigned create_per_min;     /* default 80; 0 off */
	unsigned create_per_hour;    /* default 500; 0 off; >= create_per_min when both on */
	uint64_t backoff_min_ms;     /* secondary limit backoff; default 60000 */
	uint64_t backoff_max_ms;     /* default 900000 (15 min) */
	uint64_t max_wait_ms;        /* longest single wait; default 3600000 */
	/* Clock and sleep: NULL = the real monotonic clock, wall clock, sleep. */
	api_clock_fn now_ms;         /* monotonic ms */
	api_clock_fn wall_ms;        /* Unix epoch ms (for x-ratelimit-reset) */
	api_sleep_fn sleep_ms;
	api_cancel_fn cancelled;     /* NULL: never */
	api_event_fn on_event;       /* NULL: none */
	void *arg;                   /* passed to the five callbacks above */
	api_auth_fn auth;            /* NULL: api_new's token for every request */
	void *auth_arg;              /* passed to auth */
	const char *auth_hint;       /* what a 401 says to check; default
	                              * "GITHUB_TOKEN, GH_TOKEN or --token-file" */
};

enum api_method { API_GET, API_POST, API_PATCH, API_PUT, API_DELETE };

/* api_request flags. */
enum {
	API_CREATE = 1 << 0,   /* content-creating: counts against the per-minute/hour caps */
	API_ONCE = 1 << 1,     /* never resend once the request may have reached the
	                        * server (connection lost after sending, timeout, 5xx):
	                        * fail with resp->maybe_done set instead */
	API_NOCACHE = 1 << 2,  /* GET without the ETag cache */
	API_READ = 1 << 3,     /* a POST that only reads (a GraphQL query): paced and
	                        * counted as a GET, never cached */
	API_GRAPHQL = 1 << 4,  /* sent to the GraphQL endpoint: its x-ratelimit-* is
	                        * GraphQL's point budget (api_stats.graphql), kept
	                        * and waited for apart from the core quota */
};

/* The quota the last answer reported (x-ratelimit-*); -1 when unknown. */
struct api_quota {
	long limit;
	long remaining;
	int64_t reset;               /* Unix seconds */
};

struct api_response {
	long status;                 /* final HTTP status; 0 when none arrived */
	struct buf body;             /* body (from the cache on a 304) */
	char *etag;                  /* or NULL */
	char *link_next;             /* absolute URL of rel="next", or NULL */
	char *location;              /* Location header, or NULL */
	char *scopes;                /* X-OAuth-Scopes ("repo, workflow"): a classic
	                              * token's scopes; NULL when not sent */
	long retry_after;            /* seconds; -1 when absent */
	struct api_quota quota;
	bool not_modified;           /* answered 304, body from the cache */
	bool maybe_done;             /* API_ONCE failure after the request may have
	                              * been processed: reconcile before retrying */
};

/* Counters for the run report. */
struct api_stats {
	uint64_t requests;           /* sent over the network, retries included */
	uint64_t not_modified;       /* 304s (free) */
	uint64_t cache_hits;         /* same as not_modified, kept for clarity */
	uint64_t retries;            /* transient retries */
	uint64_t rate_limited;       /* rate-limited answers */
	uint64_t writes;             /* mutating requests sent */
	uint64_t creates;            /* content-creating requests sent */
	uint64_t waited_ms;          /* total time slept by the limiter */
	uint64_t graphql;            /* of requests, sent with API_GRAPHQL */
	struct api_quota quota;      /* core, as last reported */
	struct api_quota graphql_quota; /* GraphQL's points, as last reported */
};

struct api;

/* Fill o with the defaults listed in struct api_opts. */
void api_opts_init(struct api_opts *o);

/*
 * Create a client. token may be NULL (unauthenticated); it is copied and
 * the copy wiped by api_free. With o->auth set, token is unused: every
 * request asks o->auth for its own. Returns 0; ERR_CONFIG for a bad base_url
 * ("api url 'x' is not an http(s) url"), for plain http with a token to a
 * non-loopback host, or for inconsistent limits; -1 when libcurl or the
 * cache dir cannot be set up. *out is freed with api_free.
 */
int api_new(struct api **out, const struct api_opts *o, const char *token);
void api_free(struct api *a);
/*
 * Is url an http(s) URL whose host is loopback (127.0.0.0/8, localhost,
 * [::1])? The same test api_new applies before sending a token over plain
 * http. Does not block.
 */
bool api_url_is_loopback(const char *url);

void api_response_init(struct api_response *r);
void api_response_release(struct api_response *r);

/*
 * Send one request through the limiter and wait for its final answer
 * (retries included). path is relative to base_url ("/repos/acme/api") or
 * an absolute URL with the same origin. body is a JSON text or NULL.
 * r receives the final answer whatever the outcome (release it in any
 * case). Returns 0 for 2xx and 304; ERR_AUTH for 401 ("authentication
 * failed ..."); ERR_NOTFOUND for 404; ERR_CONFLICT for 409; ERR_LIMIT when
 * rate limits could not be waited out; ERR_NET for a connection failure
 * or 5xx after the retries; ERR_TIMEOUT when the request timed out;
 * ERR_PROTO for a bad answer (oversized body, redirect to another host);
 * -1 for any other HTTP error (422, 403 ...). Blocks; may sleep up to
 * max_wait_ms per wait.
 */
int api_request(struct api_response *r, struct api *a, enum api_method m,
    const char *path, const char *body, unsigned flags);

/*
 * Called once per page by api_get_pages with that page's answer (borrowed).
 * Return 0 to go on, anything else to stop (returned by api_get_pages).
 */
typedef int (*api_page_fn)(const struct api_response *r, void *arg);

/*
 * GET path and every page after it by Link rel="next" (ETag-cached each),
 * calling fn per page. More than max_pages pages is ERR_LIMIT ("more than N
 * pages at 'path'"); max_pages 0 means 100. Returns 0 or an api_request /
 * fn error.
 */
int api_get_pages(struct api *a, const char *path, unsigned max_pages,
    api_page_fn fn, void *arg);

/*
 * Replace the token of every later request (copied; the old copy is wiped;
 * NULL: none). For a client whose token changes in a run (a GitHub App's
 * JWT). Refused like api_new: ERR_CONFIG for plain http to a non-loopback
 * host.
 */
int api_set_token(struct api *a, const char *token);

/* Borrowed; valid until api_free. */
const struct api_stats *api_get_stats(const struct api *a);
/* The configured base URL, without a trailing slash (borrowed). */
const char *api_base_url(const struct api *a);

/*
 * The planned cost of a run, compared with the quota by api_preflight.
 * reads/writes/creates are worst-case request counts (a 304 is free but
 * not assumed).
 */
struct api_plan {
	unsigned reads;              /* GETs */
	unsigned writes;             /* mutating requests, creates included */
	unsigned creates;            /* of which content-creating */
	int margin_percent;          /* of remaining kept in reserve (0-100) */
	int secondary_reserve;       /* per-minute create slots kept in reserve */
	unsigned share;              /* runs spending the token's quota at once (the
	                              * shards of one run): this run gets 1/share of
	                              * what the margin leaves; 0 or 1: all of it */
};

/*
 * Decide whether plan fits the core quota q (from GET /rate_limit) and the
 * create caps in o (NULL: the defaults). Writes one printable line (no
 * newline) into line, e.g. "rate-limit preflight: 12 requests planned (8
 * reads, 4 writes, 1 creates) vs 4999 remaining (margin 10% = 500), resets
 * 2024-01-01T12:00:00Z; 1 content-creating requests paced at 80/min: ok".
 * Returns 0 when it fits, ERR_LIMIT when not (the line ends in
 * "insufficient: <reason>" and err_last holds the reason). Pure: no I/O.
 */
int api_preflight(char *line, size_t len, const struct api_plan *plan,
    const struct api_quota *q, const struct api_opts *o);

/*
 * Parse a Link header value and return the rel="next" URL (a new string) or
 * NULL when there is none. Pure.
 */
char *api_link_next(const char *link);

/*
 * Render an error answer as "<status> <message>[: <detail>; <detail>]"
 * from a GitHub error body ({"message", "errors":[{"message"} or
 * {"resource","field","code"}]}); falls back to the status and the first
 * 200 bytes of a non-JSON body. Appends to out. Pure.
 */
void api_error_format(struct buf *out, long status, const char *body, size_t len);

/*
 * Append s to out percent-encoded for use in a URL path or query value:
 * unreserved characters kept, '/' kept when keep_slash.
 */
void api_escape(struct buf *out, const char *s, bool keep_slash);

#endif
