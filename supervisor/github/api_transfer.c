/*
 * api_transfer — one request of the api module (api.h) on its libcurl
 * handle: the headers sent (wiped after), the answer's headers and body
 * read into a struct api_response, no redirect followed, cancellable.
 */
#include "supervisor/github/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "shared/util.h"
#include "supervisor/github/api_internal.h"

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
		api_response_clear_headers(r);
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
	return api_cancelled(arg);
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

CURLcode
api_perform(struct api *a, struct api_response *r, enum api_method m, const char *url,
    const char *body, const char *if_none_match, unsigned flags)
{
	struct curl_slist *h = NULL;
	struct buf line = BUF_INIT;
	CURL *c = a->curl;
	CURLcode cc;
	long status = 0;

	api_response_clear(r);
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
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, api_method_names[m]);
	} else if (m == API_POST) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		if (m != API_GET)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, api_method_names[m]);
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
