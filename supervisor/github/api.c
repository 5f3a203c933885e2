/*
 * api — see api.h: the client's life cycle and the request loop (the
 * limiter's waits, the transfer, the cache, retries, redirects), pages.
 */
#include "supervisor/github/api.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/api_internal.h"

#ifndef REPOCAST_VERSION
#define REPOCAST_VERSION "0"
#endif

#define MAX_REDIRECTS 3

const char *const api_method_names[] = {
	[API_GET] = "GET", [API_POST] = "POST", [API_PATCH] = "PATCH",
	[API_PUT] = "PUT", [API_DELETE] = "DELETE",
};

/* ---- clock ---- */

static uint64_t
real_now(void *arg)
{
	UNUSED(arg);
	return util_now_ms();
}

static uint64_t
real_wall(void *arg)
{
	UNUSED(arg);
	return util_wall_us() / 1000;
}

static void
real_sleep(uint64_t ms, void *arg)
{
	struct timespec ts, rem;

	UNUSED(arg);
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
}

void
api_opts_init(struct api_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->base_url = "https://api.github.com";
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 60000;
	o->max_body = 32u << 20;
	o->max_retries = 3;
	o->max_rate_retries = 5;
	o->retry_base_ms = 1000;
	o->write_interval_ms = 1000;
	o->create_per_min = 80;
	o->create_per_hour = 500;
	o->backoff_min_ms = 60000;
	o->backoff_max_ms = 900000;
	o->max_wait_ms = 3600000;
}

/*
 * Report an event of the request in progress. The path is cut out of its
 * URL here, in one place: no origin, no query, no fragment, so neither a
 * query string nor anything of the headers can reach the hook.
 */
void
api_emit(struct api *a, const char *kind, long status, uint64_t start_us, uint64_t dur_us,
    const char *reason)
{
	struct api_event ev;
	const char *p;
	size_t n;
	char *path;

	if (a->o.on_event == NULL || a->ev_url == NULL)
		return;
	/* Every URL sent is under the origin (api_resolve, api_redirect_target). */
	p = a->ev_url + strlen(a->origin);
	n = strcspn(p, "?#");
	path = n > 0 ? xstrndup(p, n) : xstrdup("/");
	ev.kind = kind;
	ev.method = api_method_names[a->ev_method];
	ev.path = path;
	ev.status = status;
	ev.start_us = start_us;
	ev.dur_us = dur_us;
	ev.reason = reason;
	a->o.on_event(&ev, a->o.arg);
	free(path);
}


/* ---- life cycle ---- */

int
api_new(struct api **out, const struct api_opts *o, const char *token)
{
	struct api_opts d;
	struct api *a;
	bool plain = false;
	size_t n;
	int rc = ERR_CONFIG;

	*out = NULL;
	if (o == NULL) {
		api_opts_init(&d);
		o = &d;
	}
	/* 0 turns a cap off; two caps must nest (a minute's never above the hour's). */
	if (o->create_per_min > 0 && o->create_per_hour > 0 &&
	    o->create_per_min > o->create_per_hour)
		return err_set(ERR_CONFIG, "bad api limits: need create_per_min "
		    "(%u) <= create_per_hour (%u)", o->create_per_min, o->create_per_hour);
	if (o->max_retries < 0 || o->max_rate_retries < 0)
		return err_set(ERR_CONFIG, "bad api limits: negative retry count");
	a = xcalloc(1, sizeof(*a));
	a->o = *o;
	if (a->o.base_url == NULL)
		a->o.base_url = "https://api.github.com";
	if (a->o.now_ms == NULL)
		a->o.now_ms = real_now;
	if (a->o.wall_ms == NULL)
		a->o.wall_ms = real_wall;
	if (a->o.sleep_ms == NULL)
		a->o.sleep_ms = real_sleep;
	if (a->o.max_body == 0)
		a->o.max_body = 32u << 20;
	a->base = xstrdup(a->o.base_url);
	n = strlen(a->base);
	while (n > 0 && a->base[n - 1] == '/')
		a->base[--n] = '\0';
	if (api_parse_origin(a->base, &a->origin, &a->loopback, &plain) != 0) {
		err_set(ERR_CONFIG, "api url '%s' is not an http(s) url", a->o.base_url);
		goto fail;
	}
	a->plain = plain;
	if (plain && !a->loopback && (token != NULL || o->auth != NULL)) {
		err_set(ERR_CONFIG, "refusing to send a token over plain http to '%s' "
		    "(use https)", a->origin);
		goto fail;
	}
	a->o.base_url = a->base;
	a->user_agent = xstrdup(o->user_agent ? o->user_agent
	    : "repocast/" REPOCAST_VERSION);
	a->o.user_agent = a->user_agent;
	a->token = xstrdup_or_null(token);
	a->ring_cap = a->o.create_per_hour > a->o.create_per_min ? a->o.create_per_hour :
	    a->o.create_per_min;
	a->ring = a->ring_cap > 0 ? xcalloc(a->ring_cap, sizeof(*a->ring)) : NULL;
	a->st.quota.limit = a->st.quota.remaining = a->st.quota.reset = -1;
	a->st.graphql_quota.limit = a->st.graphql_quota.remaining = a->st.graphql_quota.reset = -1;
	if (o->cache_dir != NULL) {
		a->cache_dir = xstrdup(o->cache_dir);
		a->o.cache_dir = a->cache_dir;
		if (mkdir(a->cache_dir, 0700) < 0 && errno != EEXIST) {
			rc = err_sys(ERR_FAIL, "cannot create cache dir '%s'", a->cache_dir);
			goto fail;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((a->curl = curl_easy_init()) == NULL) {
		rc = err_set(ERR_FAIL, "cannot initialise libcurl");
		goto fail;
	}
	*out = a;
	return 0;
fail:
	api_free(a);
	return rc;
}

int
api_set_token(struct api *a, const char *token)
{
	if (a->plain && !a->loopback && token != NULL)
		return err_set(ERR_CONFIG, "refusing to send a token over plain http to '%s' "
		    "(use https)", a->origin);
	util_free_secret(a->token);
	a->token = xstrdup_or_null(token);
	return 0;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
	util_free_secret(a->token);
	free(a->ring);
	free(a->cache_dir);
	free(a->user_agent);
	free(a->origin);
	free(a->base);
	free(a);
}

void
api_response_init(struct api_response *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 0);
	r->retry_after = -1;
	r->quota.limit = r->quota.remaining = r->quota.reset = -1;
}

void
api_response_clear_headers(struct api_response *r)
{
	free(r->etag);
	free(r->link_next);
	free(r->location);
	free(r->scopes);
	r->etag = r->link_next = r->location = r->scopes = NULL;
	r->retry_after = -1;
	r->quota.limit = r->quota.remaining = r->quota.reset = -1;
}

void
api_response_clear(struct api_response *r)
{
	api_response_clear_headers(r);
	r->status = 0;
	r->not_modified = false;
	buf_reset(&r->body);
}

void
api_response_release(struct api_response *r)
{
	if (r == NULL)
		return;
	api_response_clear(r);
	buf_release(&r->body);
}

const struct api_stats *
api_get_stats(const struct api *a)
{
	return &a->st;
}

const char *
api_base_url(const struct api *a)
{
	return a->base;
}

/* ---- a request ---- */

static int
http_error(const struct api *a, const struct api_response *r, const char *what)
{
	struct buf m = BUF_INIT;
	int code;

	api_error_format(&m, r->status, r->body.ptr, r->body.len);
	switch (r->status) {
	case 401:
		code = err_set(ERR_AUTH, "authentication failed at '%s': %s (check %s)",
		    a->origin, m.ptr, a->o.auth_hint != NULL ? a->o.auth_hint :
		    "GITHUB_TOKEN, GH_TOKEN or --token-file");
		break;
	case 404:
		code = err_set(ERR_NOTFOUND, "%s", m.ptr);
		break;
	case 409:
		code = err_set(ERR_CONFLICT, "%s", m.ptr);
		break;
	default:
		if (api_is_transient(r->status))
			code = err_set(ERR_NET, "%s%s", m.ptr, what);
		else
			code = err_set(ERR_FAIL, "%s", m.ptr);
	}
	buf_release(&m);
	return code;
}

static int
net_error(const struct api *a, CURLcode cc)
{
	const char *why = a->errbuf[0] != '\0' ? a->errbuf : curl_easy_strerror(cc);

	return err_set(cc == CURLE_OPERATION_TIMEDOUT ? ERR_TIMEOUT : ERR_NET,
	    "cannot reach '%s': %s", a->origin, why);
}

/* True when the request certainly never reached the server. */
static bool
never_sent(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	    cc == CURLE_COULDNT_RESOLVE_PROXY;
}

static bool
is_redirect(long s)
{
	return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}


int
api_request(struct api_response *r, struct api *a, enum api_method m,
    const char *path, const char *body, unsigned flags)
{
	struct cache_entry ce;
	bool use_cache, have_ce = false, quota_free, stale = false;
	const char *auth_path = a->pages_path != NULL ? a->pages_path : path;
	int tries = 0, rate_tries = 0, hops = 0, rc;
	uint64_t start_us, start_ns;
	char *url, *next;
	CURLcode cc;

	if ((url = api_resolve(a, path)) == NULL)
		return ERR_PROTO;
	use_cache = m == API_GET && a->cache_dir != NULL && !(flags & API_NOCACHE);
	quota_free = m == API_GET && strcmp(path, "/rate_limit") == 0;
	r->maybe_done = false;
	memset(&ce, 0, sizeof(ce));
	buf_init(&ce.raw, 0);
	for (;;) {
		if (have_ce) {
			buf_release(&ce.raw);
			have_ce = false;
		}
		if (use_cache)
			have_ce = api_cache_load(&ce, a, url) == 0;
		/* url changes with a redirect: the events name the one sent. */
		a->ev_method = m;
		a->ev_url = url;
		if ((rc = api_limiter_wait(a, m, flags, quota_free)) != 0)
			goto out;
		a->req_token = a->token;
		if (a->o.auth != NULL &&
		    (rc = a->o.auth(&a->req_token, auth_path, stale, a->o.auth_arg)) != 0)
			goto out;
		if (api_is_mutating(m, flags)) {
			a->last_write = a->o.now_ms(a->o.arg);
			a->have_write = true;
			a->st.writes++;
		}
		if (flags & API_CREATE) {
			api_ring_push(a, a->o.now_ms(a->o.arg));
			a->st.creates++;
		}
		a->st.requests++;
		if (flags & API_GRAPHQL)
			a->st.graphql++;
		start_us = util_wall_us();
		start_ns = util_now_ns();
		cc = api_perform(a, r, m, url, body, have_ce ? ce.etag : NULL, flags);
		/* The duration from the monotonic clock: a wall-clock step must
		 * not make a request last a negative or huge time. */
		api_emit(a, "request", r->status, start_us, (util_now_ns() - start_ns) / 1000,
		    NULL);
		log_debug("%s %s -> %ld", api_method_names[m], url, r->status);
		if (cc != CURLE_OK) {
			if (a->too_big) {
				rc = err_set(ERR_PROTO, "answer from '%s' is larger than %zu "
				    "bytes", a->origin, a->o.max_body);
				goto out;
			}
			if (cc == CURLE_ABORTED_BY_CALLBACK) {
				rc = err_set(ERR_FAIL, "interrupted");
				goto out;
			}
			rc = net_error(a, cc);
			if ((flags & API_ONCE) && !never_sent(cc)) {
				r->maybe_done = true;
				goto out;
			}
			if (tries >= a->o.max_retries)
				goto out;
			a->st.retries++;
			log_debug("retrying after: %s", err_last());
			if ((rc = api_wait_until(a, a->o.now_ms(a->o.arg) +
			    api_backoff(a->o.retry_base_ms, tries++, a->o.backoff_max_ms),
			    "a retry")) != 0)
				goto out;
			continue;
		}
		if (r->quota.remaining >= 0)
			*api_quota_of(a, flags) = r->quota;
		if (r->status == 304 && have_ce) {
			buf_reset(&r->body);
			buf_add(&r->body, ce.body, ce.body_len);
			free(r->etag);
			r->etag = xstrdup(ce.etag);
			free(r->link_next);
			r->link_next = xstrdup_or_null(ce.link);
			r->not_modified = true;
			a->st.not_modified++;
			a->st.cache_hits++;
			rc = 0;
			goto out;
		}
		if (r->status >= 200 && r->status < 300) {
			if (use_cache && r->etag != NULL)
				api_cache_store(a, url, r);
			rc = 0;
			goto out;
		}
		if (api_is_rate_limited(r)) {
			uint64_t wait;
			struct buf m2 = BUF_INIT;

			a->st.rate_limited++;
			api_error_format(&m2, r->status, r->body.ptr, r->body.len);
			if (r->retry_after >= 0) {
				wait = (uint64_t)r->retry_after * 1000;
			} else if (r->quota.remaining == 0 && r->quota.reset > 0) {
				uint64_t wall = a->o.wall_ms(a->o.arg);
				uint64_t at = (uint64_t)r->quota.reset * 1000;

				wait = at > wall ? at - wall : 0;
				/* The limiter waits for the reset: don't wait twice. */
				api_quota_of(a, flags)->remaining = -1;
			} else {
				wait = api_backoff(a->o.backoff_min_ms, rate_tries,
				    a->o.backoff_max_ms);
			}
			if (rate_tries >= a->o.max_rate_retries) {
				rc = err_set(ERR_LIMIT, "still rate limited after %d retries: "
				    "%s", rate_tries, m2.ptr);
				buf_release(&m2);
				goto out;
			}
			if (wait > a->o.max_wait_ms) {
				rc = err_set(ERR_LIMIT, "rate limited: %s (retry in %" PRIu64
				    " s, more than the %" PRIu64 " s allowed)", m2.ptr,
				    (wait + 999) / 1000, a->o.max_wait_ms / 1000);
				buf_release(&m2);
				goto out;
			}
			log_warn("rate limited (%s): retrying in %" PRIu64 " s", m2.ptr,
			    (wait + 999) / 1000);
			buf_release(&m2);
			rate_tries++;
			a->not_before = a->o.now_ms(a->o.arg) + wait;
			continue;
		}
		if (is_redirect(r->status) && m == API_GET && r->location != NULL &&
		    hops < MAX_REDIRECTS) {
			if ((next = api_redirect_target(a, r->location)) == NULL) {
				rc = err_set(ERR_PROTO, "refusing to follow a redirect to "
				    "another host: '%.200s'", r->location);
				goto out;
			}
			hops++;
			free(url);
			url = next;
			continue;
		}
		/* A refused token of an auth callback may have expired early: once
		 * more with a fresh one. Nothing was done, so API_ONCE allows it. */
		if (r->status == 401 && a->o.auth != NULL && !stale) {
			stale = true;
			log_debug("%s %s: 401, once more with a fresh token", api_method_names[m],
			    url);
			continue;
		}
		if (is_redirect(r->status)) {
			rc = err_set(ERR_PROTO, "unexpected redirect %ld from '%s'",
			    r->status, url);
			goto out;
		}
		if (api_is_transient(r->status)) {
			if (flags & API_ONCE) {
				r->maybe_done = true;
				rc = http_error(a, r, "");
				goto out;
			}
			if (tries < a->o.max_retries) {
				a->st.retries++;
				if ((rc = api_wait_until(a, a->o.now_ms(a->o.arg) +
				    api_backoff(a->o.retry_base_ms, tries++, a->o.backoff_max_ms),
				    "a retry")) != 0)
					goto out;
				continue;
			}
			rc = http_error(a, r, "");
			if (tries > 0)
				err_wrap("giving up after %d retries", tries);
			goto out;
		}
		rc = http_error(a, r, "");
		goto out;
	}
out:
	a->ev_url = NULL;
	a->req_token = NULL;
	buf_release(&ce.raw);
	free(url);
	return rc;
}

int
api_get_pages(struct api *a, const char *path, unsigned max_pages,
    api_page_fn fn, void *arg)
{
	struct api_response r;
	char *url = xstrdup(path), *next;
	unsigned pages = 0;
	int rc = 0;

	if (max_pages == 0)
		max_pages = 100;
	while (url != NULL) {
		if (++pages > max_pages) {
			rc = err_set(ERR_LIMIT, "more than %u pages at '%s'", max_pages,
			    path);
			break;
		}
		api_response_init(&r);
		a->pages_path = path;
		rc = api_request(&r, a, API_GET, url, NULL, 0);
		a->pages_path = NULL;
		if (rc == 0)
			rc = fn(&r, arg);
		next = r.link_next;
		r.link_next = NULL;
		api_response_release(&r);
		free(url);
		url = next;
		if (rc != 0)
			break;
	}
	free(url);
	return rc;
}
