/* api — see api.h. */
#include "supervisor/github/api.h"

#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"

#ifndef REPOCAST_VERSION
#define REPOCAST_VERSION "0"
#endif

#define CACHE_MAGIC "repocast-http-cache 1"
#define MAX_REDIRECTS 3
#define SLEEP_SLICE_MS 200
#define LOG_WAIT_MS 5000

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

static const char *const method_names[] = {
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

static int
cancelled(struct api *a)
{
	return a->o.cancelled != NULL && a->o.cancelled(a->o.arg);
}

/*
 * Report an event of the request in progress. The path is cut out of its
 * URL here, in one place: no origin, no query, no fragment, so neither a
 * query string nor anything of the headers can reach the hook.
 */
static void
emit(struct api *a, const char *kind, long status, uint64_t start_us, uint64_t dur_us,
    const char *reason)
{
	struct api_event ev;
	const char *p;
	size_t n;
	char *path;

	if (a->o.on_event == NULL || a->ev_url == NULL)
		return;
	/* Every URL sent is under the origin (resolve, redirect_target). */
	p = a->ev_url + strlen(a->origin);
	n = strcspn(p, "?#");
	path = n > 0 ? xstrndup(p, n) : xstrdup("/");
	ev.kind = kind;
	ev.method = method_names[a->ev_method];
	ev.path = path;
	ev.status = status;
	ev.start_us = start_us;
	ev.dur_us = dur_us;
	ev.reason = reason;
	a->o.on_event(&ev, a->o.arg);
	free(path);
}

/*
 * Sleep until monotonic time t. The sleep is summed rather than re-read from
 * the clock so an injected clock that does not advance cannot loop forever.
 */
static int
wait_until(struct api *a, uint64_t t, const char *why)
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
		if (cancelled(a)) {
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
		emit(a, "wait", 0, start_us, slept * 1000, why);
	return rc;
}

/* ---- urls ---- */

static bool
host_is_loopback(const char *h, size_t n)
{
	struct in_addr in;
	char host[256];

	if (n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	/* Strip a port (but not from a bracketed IPv6 literal's inside). */
	if (host[0] == '[') {
		char *e = strchr(host, ']');

		if (e == NULL)
			return false;
		*e = '\0';
		return strcmp(host + 1, "::1") == 0;
	}
	if (strchr(host, ':') != NULL)
		*strchr(host, ':') = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return true;
	/* 127.0.0.0/8 as a real address: "127.0.0.1.example.com" is a name. */
	return inet_pton(AF_INET, host, &in) == 1 && (ntohl(in.s_addr) >> 24) == 127;
}

/* Split "scheme://host[:port]/..." into its origin; -1 when not http(s). */
static int
parse_origin(const char *url, char **origin, bool *loopback, bool *plain)
{
	const char *p, *h;
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0) {
		h = url + 8;
		*plain = false;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		h = url + 7;
		*plain = true;
	} else {
		return -1;
	}
	n = strcspn(h, "/?#");
	if (n == 0)
		return -1;
	for (p = h; p < h + n; p++)
		if (*p == '@' || (unsigned char)*p <= ' ')
			return -1;     /* no userinfo, no spaces */
	*loopback = host_is_loopback(h, n);
	*origin = xstrndup(url, (size_t)(h - url) + n);
	return 0;
}

bool
api_url_is_loopback(const char *url)
{
	char *origin = NULL;
	bool loopback = false, plain;

	if (url == NULL || parse_origin(url, &origin, &loopback, &plain) != 0)
		return false;
	free(origin);
	return loopback;
}

static bool
same_origin(const struct api *a, const char *url)
{
	size_t n = strlen(a->origin);

	return strncasecmp(url, a->origin, n) == 0 &&
	    (url[n] == '\0' || url[n] == '/' || url[n] == '?');
}

/* The absolute URL for path, or NULL (err set) when it leaves the origin. */
static char *
resolve(struct api *a, const char *path)
{
	if (path[0] == '/')
		return xasprintf("%s%s", a->base, path);
	if (same_origin(a, path))
		return xstrdup(path);
	err_set(ERR_PROTO, "refusing to send a request to '%.200s': not under '%s'",
	    path, a->origin);
	return NULL;
}

void
api_escape(struct buf *out, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
		    (keep_slash && *p == '/')) {
			buf_addch(out, *p);
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[*p >> 4]);
			buf_addch(out, hex[*p & 15]);
		}
	}
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
	if (parse_origin(a->base, &a->origin, &a->loopback, &plain) != 0) {
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

static void
response_clear(struct api_response *r)
{
	free(r->etag);
	free(r->link_next);
	free(r->location);
	free(r->scopes);
	r->etag = r->link_next = r->location = r->scopes = NULL;
	r->retry_after = -1;
	r->quota.limit = r->quota.remaining = r->quota.reset = -1;
	r->status = 0;
	r->not_modified = false;
	buf_reset(&r->body);
}

void
api_response_release(struct api_response *r)
{
	if (r == NULL)
		return;
	response_clear(r);
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

/* ---- Link and error bodies ---- */

char *
api_link_next(const char *link)
{
	const char *p = link, *u, *ue;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p != '<')
			return NULL;
		u = p + 1;
		if ((ue = strchr(u, '>')) == NULL)
			return NULL;
		p = ue + 1;
		/* Parameters up to the next top-level comma. */
		while (*p != '\0' && *p != ',') {
			const char *name, *val;
			size_t nn, vn;

			while (*p == ' ' || *p == '\t' || *p == ';')
				p++;
			name = p;
			nn = strcspn(p, "=;,");
			p += nn;
			while (nn > 0 && (name[nn - 1] == ' ' || name[nn - 1] == '\t'))
				nn--;
			if (*p != '=')
				continue;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '"') {
				val = ++p;
				vn = strcspn(p, "\"");
				p += vn;
				if (*p == '"')
					p++;
			} else {
				val = p;
				vn = strcspn(p, ";, \t");
				p += vn;
			}
			if (nn == 3 && strncasecmp(name, "rel", 3) == 0) {
				/* rel may list several space-separated types. */
				const char *t = val, *end = val + vn;

				while (t < end) {
					size_t tn = 0;

					while (t < end && *t == ' ')
						t++;
					while (t + tn < end && t[tn] != ' ')
						tn++;
					if (tn == 4 && strncasecmp(t, "next", 4) == 0)
						return xstrndup(u, (size_t)(ue - u));
					t += tn;
				}
			}
			while (*p != '\0' && *p != ';' && *p != ',')
				p++;
		}
	}
	return NULL;
}

static const char *
reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "HTTP error";
}

static void
add_clean(struct buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		buf_addch(out, (unsigned char)s[i] < ' ' ? ' ' : s[i]);
}

static void
add_error_item(struct buf *out, json_t *e)
{
	const char *m, *res, *field, *code;

	if (json_is_string(e)) {
		buf_addstr(out, json_string_value(e));
		return;
	}
	if (!json_is_object(e))
		return;
	if ((m = json_string_value(json_object_get(e, "message"))) != NULL) {
		buf_addstr(out, m);
		return;
	}
	res = json_string_value(json_object_get(e, "resource"));
	field = json_string_value(json_object_get(e, "field"));
	code = json_string_value(json_object_get(e, "code"));
	buf_addf(out, "%s%s%s: %s", res ? res : "", res && field ? "." : "",
	    field ? field : "", code ? code : "error");
}

void
api_error_format(struct buf *out, long status, const char *body, size_t len)
{
	json_t *j = NULL, *errs;
	const char *msg = NULL;
	size_t start = out->len, i;

	if (len > 0)
		j = json_loadb(body, len, 0, NULL);
	if (j != NULL && json_is_object(j))
		msg = json_string_value(json_object_get(j, "message"));
	if (msg == NULL) {
		buf_addf(out, "%ld %s", status, reason(status));
		if (len > 0) {
			buf_addstr(out, ": ");
			add_clean(out, body, len < 200 ? len : 200);
		}
		goto out;
	}
	buf_addf(out, "%ld %s", status, msg);
	errs = json_object_get(j, "errors");
	if (json_is_array(errs) && json_array_size(errs) > 0) {
		buf_addstr(out, ": ");
		for (i = 0; i < json_array_size(errs); i++) {
			if (i > 0)
				buf_addstr(out, "; ");
			add_error_item(out, json_array_get(errs, i));
		}
	}
out:
	/* Server text ends up in err_last: keep it on one line. */
	for (i = start; i < out->len; i++)
		if (out->ptr[i] == '\n' || out->ptr[i] == '\r')
			out->ptr[i] = ' ';
	json_decref(j);
}

/* ---- the ETag cache ---- */

static char *
cache_path(const struct api *a, const char *url)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)url; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return xasprintf("%s/%016" PRIx64, a->cache_dir, h);
}

struct cache_entry {
	struct buf raw;
	char *etag, *link;     /* point into raw; link NULL when empty */
	const char *body;
	size_t body_len;
};

/* Load url's entry; 0 when found and valid, else -1 (a miss, no error). */
static int
cache_load(struct cache_entry *e, const struct api *a, const char *url)
{
	char *path = cache_path(a, url), *line[4], *p;
	int i, rc = -1;

	buf_init(&e->raw, 0);
	e->etag = e->link = NULL;
	if (buf_read_file(&e->raw, path) != 0) {
		err_clear();
		goto out;
	}
	p = e->raw.ptr;
	for (i = 0; i < 4; i++) {
		char *nl = strchr(p, '\n');

		if (nl == NULL)
			goto out;
		*nl = '\0';
		line[i] = p;
		p = nl + 1;
	}
	if (strcmp(line[0], CACHE_MAGIC) != 0 || strcmp(line[1], url) != 0 ||
	    line[2][0] == '\0')
		goto out;
	e->etag = line[2];
	e->link = line[3][0] != '\0' ? line[3] : NULL;
	e->body = p;
	e->body_len = e->raw.len - (size_t)(p - e->raw.ptr);
	rc = 0;
out:
	free(path);
	return rc;
}

static void
cache_store(struct api *a, const char *url, const struct api_response *r)
{
	struct buf b = BUF_INIT;
	char *path;

	/* A header value with a newline would break the format: skip it. */
	if (strchr(r->etag, '\n') != NULL || strchr(url, '\n') != NULL ||
	    (r->link_next != NULL && strchr(r->link_next, '\n') != NULL))
		return;
	path = cache_path(a, url);
	buf_addf(&b, "%s\n%s\n%s\n%s\n", CACHE_MAGIC, url, r->etag,
	    r->link_next ? r->link_next : "");
	buf_add(&b, r->body.ptr, r->body.len);
	if (buf_write_file_atomic(&b, path) != 0) {
		log_warn("cannot update the http cache: %s", err_last());
		err_clear();
	}
	buf_release(&b);
	free(path);
}

/* ---- one transfer ---- */

static char *
dup_trim(const char *v, size_t n)
{
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	return xstrndup(v, n);
}

static long
parse_long(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	return v;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct api *a = arg;
	struct api_response *r = a->cur;
	size_t n = size * nmemb, nl;
	char *v;
	const char *colon;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a 1xx): forget the previous headers. */
		free(r->etag);
		free(r->link_next);
		free(r->location);
		free(r->scopes);
		r->etag = r->link_next = r->location = r->scopes = NULL;
		r->retry_after = -1;
		r->quota.limit = r->quota.remaining = r->quota.reset = -1;
		return n;
	}
	if ((colon = memchr(data, ':', n)) == NULL)
		return n;
	nl = (size_t)(colon - data);
	v = dup_trim(colon + 1, n - nl - 1);
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(data, name, nl) == 0)
	if (IS("etag")) {
		free(r->etag);
		r->etag = v;
		v = NULL;
	} else if (IS("link")) {
		free(r->link_next);
		r->link_next = api_link_next(v);
	} else if (IS("location")) {
		free(r->location);
		r->location = v;
		v = NULL;
	} else if (IS("x-oauth-scopes")) {
		free(r->scopes);
		r->scopes = v;
		v = NULL;
	} else if (IS("retry-after")) {
		long s = parse_long(v);

		if (s < 0) {
			/* An HTTP date instead of seconds. */
			time_t t = curl_getdate(v, NULL);
			int64_t now = (int64_t)(a->o.wall_ms(a->o.arg) / 1000);

			if (t > 0)
				s = t > now ? (long)(t - now) : 0;
		}
		r->retry_after = s;
	} else if (IS("x-ratelimit-limit")) {
		r->quota.limit = parse_long(v);
	} else if (IS("x-ratelimit-remaining")) {
		r->quota.remaining = parse_long(v);
	} else if (IS("x-ratelimit-reset")) {
		long long t = strtoll(v, NULL, 10);

		/* Seconds; some recordings normalise it to milliseconds. */
		r->quota.reset = t > 100000000000LL ? t / 1000 : t;
	}
#undef IS
	free(v);
	return n;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct api *a = arg;
	size_t n = size * nmemb;

	if (a->cur->body.len + n > a->o.max_body) {
		a->too_big = true;
		return 0;
	}
	buf_add(&a->cur->body, data, n);
	return n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	UNUSED(dt);
	UNUSED(dn);
	UNUSED(ut);
	UNUSED(un);
	return cancelled(arg);
}

/* Overwrite every header string (the Authorization one among them). */
static void
headers_free(struct curl_slist *h)
{
	struct curl_slist *p;

	for (p = h; p != NULL; p = p->next)
		util_wipe(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

static CURLcode
perform(struct api *a, struct api_response *r, enum api_method m, const char *url,
    const char *body, const char *if_none_match, unsigned flags)
{
	struct curl_slist *h = NULL;
	struct buf line = BUF_INIT;
	CURL *c = a->curl;
	CURLcode cc;
	long status = 0;

	response_clear(r);
	a->cur = r;
	a->too_big = false;
	a->errbuf[0] = '\0';
	h = curl_slist_append(h, "Accept: application/vnd.github+json");
	h = curl_slist_append(h, "X-GitHub-Api-Version: 2022-11-28");
	h = curl_slist_append(h, "Expect:");
	if (body != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (if_none_match != NULL) {
		buf_addf(&line, "If-None-Match: %s", if_none_match);
		h = curl_slist_append(h, line.ptr);
	}
	if (a->req_token != NULL) {
		buf_reset(&line);
		buf_addf(&line, "Authorization: Bearer %s", a->req_token);
		h = curl_slist_append(h, line.ptr);
		util_wipe(line.ptr, line.len);
	}
	buf_release(&line);

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(c, CURLOPT_USERAGENT, a->user_agent);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, a->o.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, a->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, a->errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, a);
	if (a->loopback)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	/*
	 * libcurl silently resends a request whose reused connection dies
	 * before any answer byte: a once-only request must not be resent, so
	 * it gets a connection of its own (which later requests then reuse).
	 */
	if (flags & API_ONCE)
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (m != API_POST)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_names[m]);
	} else if (m == API_POST) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		if (m != API_GET)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_names[m]);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	r->status = cc == CURLE_OK ? status : 0;
	/* The handle keeps pointers to h; drop them before freeing it. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	headers_free(h);
	a->cur = NULL;
	return cc;
}

/* ---- the limiter ---- */

static uint64_t
ring_at(const struct api *a, size_t i)
{
	return a->ring[(a->ring_head + i) % a->ring_cap];
}

static void
ring_push(struct api *a, uint64_t t)
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

static bool
is_mutating(enum api_method m, unsigned flags)
{
	return m != API_GET && !(flags & API_READ);
}

/* The budget a request spends: GraphQL's points or the core quota. */
static struct api_quota *
quota_of(struct api *a, unsigned flags)
{
	return (flags & API_GRAPHQL) ? &a->st.graphql_quota : &a->st.quota;
}

static int
limiter_wait(struct api *a, enum api_method m, unsigned flags, bool quota_free)
{
	struct api_quota *q = quota_of(a, flags);
	uint64_t wall;
	int rc;

	if ((rc = wait_until(a, a->not_before, "the GitHub rate limit")) != 0)
		return rc;
	if (!quota_free && q->remaining == 0 && q->reset > 0) {
		wall = a->o.wall_ms(a->o.arg);
		if ((uint64_t)q->reset * 1000 > wall) {
			rc = wait_until(a, a->o.now_ms(a->o.arg) +
			    ((uint64_t)q->reset * 1000 - wall),
			    (flags & API_GRAPHQL) ? "the GraphQL rate limit to reset" :
			    "the primary rate limit to reset");
			if (rc != 0)
				return rc;
		}
		q->remaining = -1;
	}
	if (is_mutating(m, flags) && a->have_write &&
	    (rc = wait_until(a, a->last_write + a->o.write_interval_ms,
	    "the interval between writes")) != 0)
		return rc;
	if (flags & API_CREATE) {
		if (a->o.create_per_min > 0 && a->ring_n >= a->o.create_per_min &&
		    (rc = wait_until(a, ring_at(a, a->ring_n - a->o.create_per_min) +
		    60000, "the per-minute content-creation limit")) != 0)
			return rc;
		if (a->o.create_per_hour > 0 && a->ring_n >= a->o.create_per_hour &&
		    (rc = wait_until(a, ring_at(a, a->ring_n - a->o.create_per_hour) +
		    3600000, "the per-hour content-creation limit")) != 0)
			return rc;
	}
	return 0;
}

static bool
is_rate_limited(const struct api_response *r)
{
	if (r->status == 429)
		return true;
	if (r->status != 403)
		return false;
	return r->retry_after >= 0 || r->quota.remaining == 0 ||
	    strcasestr(r->body.ptr, "rate limit") != NULL;
}

static bool
is_transient(long status)
{
	return status == 500 || status == 502 || status == 503 || status == 504;
}

static uint64_t
backoff(uint64_t base, int attempt, uint64_t cap)
{
	uint64_t d = base;

	while (attempt-- > 0 && d < cap)
		d *= 2;
	return d < cap ? d : cap;
}

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
		if (is_transient(r->status))
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

/* Resolve a Location against url; NULL when it leaves the origin. */
static char *
redirect_target(struct api *a, const char *loc)
{
	if (loc[0] == '/' && loc[1] != '/')
		return xasprintf("%s%s", a->origin, loc);
	if (same_origin(a, loc))
		return xstrdup(loc);
	return NULL;
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

	if ((url = resolve(a, path)) == NULL)
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
			have_ce = cache_load(&ce, a, url) == 0;
		/* url changes with a redirect: the events name the one sent. */
		a->ev_method = m;
		a->ev_url = url;
		if ((rc = limiter_wait(a, m, flags, quota_free)) != 0)
			goto out;
		a->req_token = a->token;
		if (a->o.auth != NULL &&
		    (rc = a->o.auth(&a->req_token, auth_path, stale, a->o.auth_arg)) != 0)
			goto out;
		if (is_mutating(m, flags)) {
			a->last_write = a->o.now_ms(a->o.arg);
			a->have_write = true;
			a->st.writes++;
		}
		if (flags & API_CREATE) {
			ring_push(a, a->o.now_ms(a->o.arg));
			a->st.creates++;
		}
		a->st.requests++;
		if (flags & API_GRAPHQL)
			a->st.graphql++;
		start_us = util_wall_us();
		start_ns = util_now_ns();
		cc = perform(a, r, m, url, body, have_ce ? ce.etag : NULL, flags);
		/* The duration from the monotonic clock: a wall-clock step must
		 * not make a request last a negative or huge time. */
		emit(a, "request", r->status, start_us, (util_now_ns() - start_ns) / 1000, NULL);
		log_debug("%s %s -> %ld", method_names[m], url, r->status);
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
			if ((rc = wait_until(a, a->o.now_ms(a->o.arg) +
			    backoff(a->o.retry_base_ms, tries++, a->o.backoff_max_ms),
			    "a retry")) != 0)
				goto out;
			continue;
		}
		if (r->quota.remaining >= 0)
			*quota_of(a, flags) = r->quota;
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
				cache_store(a, url, r);
			rc = 0;
			goto out;
		}
		if (is_rate_limited(r)) {
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
				quota_of(a, flags)->remaining = -1;
			} else {
				wait = backoff(a->o.backoff_min_ms, rate_tries,
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
			if ((next = redirect_target(a, r->location)) == NULL) {
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
			log_debug("%s %s: 401, once more with a fresh token", method_names[m],
			    url);
			continue;
		}
		if (is_redirect(r->status)) {
			rc = err_set(ERR_PROTO, "unexpected redirect %ld from '%s'",
			    r->status, url);
			goto out;
		}
		if (is_transient(r->status)) {
			if (flags & API_ONCE) {
				r->maybe_done = true;
				rc = http_error(a, r, "");
				goto out;
			}
			if (tries < a->o.max_retries) {
				a->st.retries++;
				if ((rc = wait_until(a, a->o.now_ms(a->o.arg) +
				    backoff(a->o.retry_base_ms, tries++, a->o.backoff_max_ms),
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

/* ---- preflight ---- */

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
