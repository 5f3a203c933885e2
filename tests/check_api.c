/*
 * Unit tests for supervisor/github/api.c (the client's set-up, the request
 * loop: pagination, auth callbacks, redirects, retries, API_ONCE, events),
 * against a scripted loopback HTTP stub with a fake clock. The api's other
 * files have suites of their own (check_api_*.c), token.c has check_token.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/api.h"

#include "apifix.h"
#include "httpstub.h"

/* ---- set-up ---- */

START_TEST(test_new_errors)
{
	struct api_opts o;
	struct api *a = (struct api *)1;

	api_opts_init(&o);
	o.base_url = "ftp://example.com";
	ck_assert_int_eq(api_new(&a, &o, NULL), ERR_CONFIG);
	ck_assert_ptr_null(a);
	ck_assert_str_eq(err_last(), "api url 'ftp://example.com' is not an http(s) url");
	o.base_url = "http://user@127.0.0.1/";
	ck_assert_int_eq(api_new(&a, &o, NULL), ERR_CONFIG);
	o.base_url = "http://ghe.example.com/api/v3";
	ck_assert_int_eq(api_new(&a, &o, TOKEN), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "refusing to send a token over plain http to "
	    "'http://ghe.example.com' (use https)");
	/* Without a token plain http is fine; so is loopback with one. */
	ck_assert_int_eq(api_new(&a, &o, NULL), 0);
	ck_assert_str_eq(api_base_url(a), "http://ghe.example.com/api/v3");
	api_free(a);
	o.base_url = "http://127.0.0.1:1/";
	ck_assert_int_eq(api_new(&a, &o, TOKEN), 0);
	ck_assert_str_eq(api_base_url(a), "http://127.0.0.1:1");
	api_free(a);
	o.create_per_min = 501;
	ck_assert_int_eq(api_new(&a, &o, TOKEN), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), "create_per_min (501) <= "
	    "create_per_hour (500)"));
}
END_TEST

/* ---- transport ---- */

struct pages {
	int n;
	char seen[8][64];
};

static int
on_page(const struct api_response *r, void *arg)
{
	struct pages *p = arg;

	snprintf(p->seen[p->n++], 64, "%s", r->body.ptr);
	return 0;
}

START_TEST(test_pagination)
{
	static char h1[256], h2[256];
	struct stub_resp script[] = {
		{ 200, h1, "[1]", 0, 0 },
		{ 200, h2, "[2]", 0, 0 },
		{ 200, NULL, "[3]", 0, 0 },
		{ 200, h1, "[1]", 0, 0 },
		{ 200, h2, "[2]", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct pages p = { 0 };
	struct stub s;
	struct api *a;

	stub_start(&s, script, 5);
	snprintf(h1, sizeof(h1), "Link: <%s/repositories/1/pulls?page=2>; rel=\"next\", "
	    "<%s/repositories/1/pulls?page=3>; rel=\"last\"\r\n", s.url, s.url);
	snprintf(h2, sizeof(h2), "Link: <%s/repositories/1/pulls?page=3>; rel=\"next\"\r\n",
	    s.url);
	a = mkapi(&s, &f, NULL, NULL);
	/* max_pages = the page count: fine. */
	ck_assert_int_eq(api_get_pages(a, "/repos/acme/api/pulls", 3, on_page, &p), 0);
	ck_assert_int_eq(p.n, 3);
	ck_assert_str_eq(p.seen[2], "[3]");
	ck_assert_str_eq(s.reqs[1].target, "/repositories/1/pulls?page=2");
	ck_assert_str_eq(s.reqs[2].target, "/repositories/1/pulls?page=3");
	/* One page fewer allowed: ERR_LIMIT after two pages. */
	p.n = 0;
	ck_assert_int_eq(api_get_pages(a, "/repos/acme/api/pulls", 2, on_page, &p),
	    ERR_LIMIT);
	ck_assert_str_eq(err_last(), "more than 2 pages at '/repos/acme/api/pulls'");
	ck_assert_int_eq(p.n, 2);
	api_free(a);
	stub_stop(&s);
}
END_TEST

/* An auth callback's calls, and the token it hands each time. */
struct auth_log {
	char paths[8][128];
	bool stale[8];
	char tok[8][16];
	int n;
	int fail_at;                 /* 1-based call that fails; 0: none */
};

static int
auth_cb(const char **token, const char *path, bool stale, void *arg)
{
	struct auth_log *l = arg;

	ck_assert_int_lt(l->n, 8);
	snprintf(l->paths[l->n], sizeof(l->paths[0]), "%s", path);
	l->stale[l->n] = stale;
	snprintf(l->tok[l->n], sizeof(l->tok[0]), "tok%d", l->n + 1);
	*token = l->tok[l->n];
	if (++l->n == l->fail_at)
		return err_set(ERR_AUTH, "no installation here");
	return 0;
}

START_TEST(test_auth_callback)
{
	static char h1[256];
	struct stub_resp script[] = {
		{ 200, h1, "[1]", 0, 0 },
		{ 401, NULL, "{\"message\":\"Bad credentials\"}", 0, 0 },
		{ 200, NULL, "[2]", 0, 0 },
		{ 401, NULL, "{\"message\":\"Bad credentials\"}", 0, 0 },
		{ 401, NULL, "{\"message\":\"Bad credentials\"}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct auth_log l = { .fail_at = 6 };
	struct pages p = { 0 };
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 5);
	snprintf(h1, sizeof(h1), "Link: <%s/repositories/1/pulls?page=2>; rel=\"next\"\r\n",
	    s.url);
	api_opts_init(&o);
	o.auth = auth_cb;
	o.auth_arg = &l;
	o.auth_hint = "the installation";
	o.write_interval_ms = 0;
	a = mkapi(&s, &f, &o, NULL);
	/* Page 2's link names no owner: the callback gets the first page's path.
	 * Its 401 is answered once with a fresh token (stale). */
	ck_assert_int_eq(api_get_pages(a, "/repos/acme/api/pulls", 0, on_page, &p), 0);
	ck_assert_int_eq(p.n, 2);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.paths[0], "/repos/acme/api/pulls");
	ck_assert_str_eq(l.paths[1], "/repos/acme/api/pulls");
	ck_assert_str_eq(l.paths[2], "/repos/acme/api/pulls");
	ck_assert(!l.stale[0] && !l.stale[1] && l.stale[2]);
	ck_assert_ptr_nonnull(strstr(s.reqs[0].headers, "Authorization: Bearer tok1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.reqs[1].headers, "Authorization: Bearer tok2\r\n"));
	ck_assert_ptr_nonnull(strstr(s.reqs[2].headers, "Authorization: Bearer tok3\r\n"));
	ck_assert_ptr_null(strstr(s.reqs[0].headers, TOKEN));
	/* Refused twice: once more only, then ERR_AUTH with the hint; API_ONCE too. */
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/repos/beta/x/pulls", "{}", API_ONCE),
	    ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), "401 Bad credentials (check the installation)"));
	ck_assert_int_eq(l.n, 5);
	ck_assert_uint_eq(s.nreqs, 5);
	/* A callback that fails: the request is not sent. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/gamma/y", NULL, 0), ERR_AUTH);
	ck_assert_str_eq(err_last(), "no installation here");
	ck_assert_uint_eq(s.nreqs, 5);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_pagination_other_host)
{
	static const struct stub_resp script[] = {
		{ 200, "Link: <https://evil.example.com/x?page=2>; rel=\"next\"\r\n", "[1]",
		    0, 0 },
	};
	struct fake_clock f = { 0 };
	struct pages p = { 0 };
	struct stub s;
	struct api *a;

	stub_start(&s, script, 1);
	a = mkapi(&s, &f, NULL, NULL);
	ck_assert_int_eq(api_get_pages(a, "/x", 0, on_page, &p), ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "refusing to send a request to "
	    "'https://evil.example.com/x?page=2'"));
	ck_assert_int_eq(p.n, 1);
	ck_assert_uint_eq(s.nreqs, 1);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_redirects)
{
	static char loc[128];
	struct stub_resp script[] = {
		{ 301, loc, NULL, 0, 0 },
		{ 200, NULL, "{\"moved\":true}", 0, 0 },
		{ 301, "Location: https://evil.example.com/repos/x\r\n", NULL, 0, 0 },
		{ 307, "Location: /repositories/7\r\n", NULL, 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 4);
	snprintf(loc, sizeof(loc), "Location: %s/repositories/7\r\n", s.url);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/old", NULL, 0), 0);
	ck_assert_str_eq(r.body.ptr, "{\"moved\":true}");
	ck_assert_str_eq(s.reqs[1].target, "/repositories/7");
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/x", NULL, 0), ERR_PROTO);
	ck_assert_str_eq(err_last(), "refusing to follow a redirect to another host: "
	    "'https://evil.example.com/repos/x'");
	/* Mutations are never redirected. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/repos/acme/x/pulls", "{}", 0),
	    ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "unexpected redirect 307"));
	ck_assert_uint_eq(s.nreqs, 4);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_retry_5xx)
{
	static const struct stub_resp script[] = {
		{ 502, NULL, NULL, 0, 0 },
		{ 503, NULL, "{\"message\":\"busy\"}", 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
		{ 500, NULL, NULL, 0, 0 },
		{ 500, NULL, NULL, 0, 0 },
		{ 500, NULL, NULL, 0, 0 },
		{ 500, NULL, "{\"message\":\"boom\"}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 7);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/x", NULL, 0), 0);
	ck_assert_uint_eq(api_get_stats(a)->retries, 2);
	ck_assert_int_eq(f.nsleeps, 2);
	ck_assert_uint_eq(f.sleeps[0], 1000);
	ck_assert_uint_eq(f.sleeps[1], 2000);
	/* max_retries (3) resends, then the error. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/x", NULL, 0), ERR_NET);
	ck_assert_str_eq(err_last(), "giving up after 3 retries: 500 boom");
	ck_assert_uint_eq(s.nreqs, 7);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_4xx_not_retried)
{
	static const struct stub_resp script[] = {
		{ 422, NULL, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":"
		    "\"Label\",\"code\":\"invalid\",\"field\":\"color\"}]}", 0, 0 },
		{ 404, NULL, "{\"message\":\"Not Found\"}", 0, 0 },
		{ 409, NULL, "{\"message\":\"Conflict\"}", 0, 0 },
		{ 403, NULL, "{\"message\":\"Resource not accessible by integration\"}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 4);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/l", "{}", 0), ERR_FAIL);
	ck_assert_str_eq(err_last(), "422 Validation Failed: Label.color: invalid");
	ck_assert_int_eq(r.status, 422);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/n", NULL, 0), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "404 Not Found");
	ck_assert_int_eq(api_request(&r, a, API_GET, "/c", NULL, 0), ERR_CONFLICT);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/f", NULL, 0), ERR_FAIL);
	ck_assert_str_eq(err_last(), "403 Resource not accessible by integration");
	ck_assert_uint_eq(s.nreqs, 4);
	ck_assert_uint_eq(api_get_stats(a)->retries, 0);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_401_auth)
{
	static const struct stub_resp script[] = {
		{ 401, NULL, "{\"message\":\"Bad credentials\",\"documentation_url\":"
		    "\"https://docs.github.com/rest\"}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;
	char *want;

	stub_start(&s, script, 1);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/user", NULL, 0), ERR_AUTH);
	want = xasprintf("authentication failed at '%s': 401 Bad credentials (check "
	    "GITHUB_TOKEN, GH_TOKEN or --token-file)", s.url);
	ck_assert_str_eq(err_last(), want);
	ck_assert_ptr_null(strstr(err_last(), TOKEN));
	ck_assert_uint_eq(s.nreqs, 1);
	free(want);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_once_lost_response)
{
	static const struct stub_resp script[] = {
		{ 200, NULL, "{}", 0, 0 },
		{ 0, NULL, NULL, STUB_DROP, 0 },
		{ 0, NULL, NULL, STUB_DROP, 0 },
		{ 200, NULL, "{}", 0, 0 },
		{ 502, NULL, NULL, 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct api_response r;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 5);
	a = mkapi(&s, &f, NULL, NULL);
	api_response_init(&r);
	/* A kept-alive connection first: libcurl must not resend on it. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), 0);
	ck_assert_int_eq(api_request(&r, a, API_POST, "/p", "{}", API_ONCE), ERR_NET);
	ck_assert(r.maybe_done);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot reach 'http://127.0.0.1:"));
	ck_assert_uint_eq(s.nreqs, 2);
	/* Without API_ONCE a lost answer is resent. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/p", "{}", 0), 0);
	ck_assert(!r.maybe_done);
	ck_assert_uint_eq(s.nreqs, 4);
	/* A 5xx to a once-only request is not resent either. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/p", "{}", API_ONCE), ERR_NET);
	ck_assert(r.maybe_done);
	ck_assert_str_eq(err_last(), "502 Bad Gateway");
	ck_assert_uint_eq(s.nreqs, 5);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_connect_refused)
{
	struct fake_clock f = { 0 };
	struct api_response r;
	struct api_opts o;
	struct api *a;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", stub_dead_port());
	api_opts_init(&o);
	o.base_url = url;
	o.now_ms = fake_now;
	o.wall_ms = fake_wall;
	o.sleep_ms = fake_sleep;
	o.arg = &f;
	ck_assert_int_eq(api_new(&a, &o, TOKEN), 0);
	api_response_init(&r);
	/* Never sent: safe to resend even for API_ONCE. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/p", "{}", API_ONCE), ERR_NET);
	ck_assert(!r.maybe_done);
	ck_assert_uint_eq(api_get_stats(a)->requests, 4);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot reach 'http://127.0.0.1:"));
	api_response_release(&r);
	api_free(a);
}
END_TEST

/* ---- the event hook ---- */

/* The clock first: the api's other callbacks get the same arg and read it
 * as a struct fake_clock. */
struct events {
	struct fake_clock f;
	struct {
		char kind[16], method[16], path[256], reason[64];
		long status;
		uint64_t start_us, dur_us;
	} ev[16];
	int n;
};

static void
on_event(const struct api_event *e, void *arg)
{
	struct events *evs = arg;

	ck_assert_int_lt(evs->n, 16);
	snprintf(evs->ev[evs->n].kind, 16, "%s", e->kind);
	snprintf(evs->ev[evs->n].method, 16, "%s", e->method);
	snprintf(evs->ev[evs->n].path, 256, "%s", e->path);
	snprintf(evs->ev[evs->n].reason, 64, "%s", e->reason ? e->reason : "(null)");
	evs->ev[evs->n].status = e->status;
	evs->ev[evs->n].start_us = e->start_us;
	evs->ev[evs->n].dur_us = e->dur_us;
	evs->n++;
}

#define ASSERT_EV(i, k, m, p, st) do { \
	ck_assert_str_eq(evs.ev[i].kind, k); \
	ck_assert_str_eq(evs.ev[i].method, m); \
	ck_assert_str_eq(evs.ev[i].path, p); \
	ck_assert_int_eq(evs.ev[i].status, st); \
} while (0)

START_TEST(test_events)
{
	static char loc[128];
	struct stub_resp script[] = {
		{ 403, "Retry-After: 7\r\n", "{\"message\":\"secondary rate limit\"}", 0, 0 },
		{ 201, NULL, "{}", 0, 0 },
		{ 502, NULL, NULL, 0, 0 },
		{ 301, loc, NULL, 0, 0 },
		{ 200, NULL, "{}", 0, 0 },
	};
	struct events evs;
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;
	uint64_t before, after;
	int i;

	memset(&evs, 0, sizeof(evs));
	stub_start(&s, script, 5);
	snprintf(loc, sizeof(loc), "Location: %s/repositories/7?page=2#frag\r\n", s.url);
	api_opts_init(&o);
	o.on_event = on_event;
	a = mkapi(&s, &evs.f, &o, NULL);
	api_response_init(&r);
	before = util_wall_us();
	/* A rate-limited write: the answer, the wait, the answer. */
	ck_assert_int_eq(api_request(&r, a, API_POST, "/repos/acme/api/pulls?access_token=q",
	    "{}", API_CREATE), 0);
	ck_assert_int_eq(evs.n, 3);
	ASSERT_EV(0, "request", "POST", "/repos/acme/api/pulls", 403);
	ASSERT_EV(1, "wait", "POST", "/repos/acme/api/pulls", 0);
	ck_assert_uint_eq(evs.ev[1].dur_us, 7000000);
	ck_assert_str_eq(evs.ev[1].reason, "the GitHub rate limit");
	ASSERT_EV(2, "request", "POST", "/repos/acme/api/pulls", 201);
	ck_assert_str_eq(evs.ev[2].reason, "(null)");
	/* A 5xx, the retry's backoff, a redirect followed: each attempt is an
	 * event, named by the URL it went to, without its query. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/old?per_page=100", NULL, 0), 0);
	after = util_wall_us();
	ck_assert_int_eq(evs.n, 7);
	ASSERT_EV(3, "request", "GET", "/repos/acme/old", 502);
	ASSERT_EV(4, "wait", "GET", "/repos/acme/old", 0);
	ck_assert_str_eq(evs.ev[4].reason, "a retry");
	ck_assert_uint_eq(evs.ev[4].dur_us, 1000000);
	ASSERT_EV(5, "request", "GET", "/repos/acme/old", 301);
	ASSERT_EV(6, "request", "GET", "/repositories/7", 200);
	for (i = 0; i < evs.n; i++) {
		ck_assert_uint_ge(evs.ev[i].start_us, before);
		ck_assert_uint_le(evs.ev[i].start_us, after);
		ck_assert_ptr_null(strchr(evs.ev[i].path, '?'));
		ck_assert_ptr_null(strstr(evs.ev[i].path, "127.0.0.1"));
		if (strcmp(evs.ev[i].kind, "request") == 0)
			ck_assert_uint_le(evs.ev[i].dur_us, after - before);
	}
	/* One event per request counted; no event for a wait that did not sleep. */
	ck_assert_uint_eq(api_get_stats(a)->requests, 5);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_events_connect_refused)
{
	struct events evs;
	struct api_response r;
	struct api_opts o;
	struct api *a;
	char url[64];

	memset(&evs, 0, sizeof(evs));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", stub_dead_port());
	api_opts_init(&o);
	o.base_url = url;
	o.max_retries = 1;
	o.now_ms = fake_now;
	o.wall_ms = fake_wall;
	o.sleep_ms = fake_sleep;
	o.on_event = on_event;
	o.arg = &evs;
	ck_assert_int_eq(api_new(&a, &o, TOKEN), 0);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/x", NULL, 0), ERR_NET);
	/* No answer: status 0, and the retry's wait in between. */
	ck_assert_int_eq(evs.n, 3);
	ASSERT_EV(0, "request", "GET", "/x", 0);
	ASSERT_EV(1, "wait", "GET", "/x", 0);
	ASSERT_EV(2, "request", "GET", "/x", 0);
	api_response_release(&r);
	api_free(a);
}
END_TEST

/* Cancelled once a wait has slept: the transfer itself is never cut. */
static int
cancel_after_a_sleep(void *arg)
{
	struct events *evs = arg;

	return evs->f.slept > 0;
}

START_TEST(test_events_interrupted_wait)
{
	static const struct stub_resp script[] = {
		{ 429, "Retry-After: 5\r\n", NULL, 0, 0 },
	};
	struct events evs;
	struct api_response r;
	struct api_opts o;
	struct stub s;
	struct api *a;

	memset(&evs, 0, sizeof(evs));
	api_opts_init(&o);
	o.on_event = on_event;
	o.cancelled = cancel_after_a_sleep;
	stub_start(&s, script, 1);
	a = mkapi(&s, &evs.f, &o, NULL);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/g", NULL, 0), ERR_FAIL);
	ck_assert_str_eq(err_last(), "interrupted while waiting for the GitHub rate limit");
	/* The wait is reported with what it slept: one 200 ms slice. */
	ck_assert_int_eq(evs.n, 2);
	ASSERT_EV(1, "wait", "GET", "/g", 0);
	ck_assert_uint_eq(evs.ev[1].dur_us, 200000);
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
}
END_TEST

Suite *
api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *new = tcase_create("new");
	TCase *net = tcase_create("transport");
	TCase *ev = tcase_create("events");

	tcase_add_test(new, test_new_errors);
	tcase_set_timeout(net, 20);
	tcase_add_test(net, test_pagination);
	tcase_add_test(net, test_pagination_other_host);
	tcase_add_test(net, test_auth_callback);
	tcase_add_test(net, test_redirects);
	tcase_add_test(net, test_retry_5xx);
	tcase_add_test(net, test_4xx_not_retried);
	tcase_add_test(net, test_401_auth);
	tcase_add_test(net, test_once_lost_response);
	tcase_add_test(net, test_connect_refused);
	tcase_set_timeout(ev, 20);
	tcase_add_test(ev, test_events);
	tcase_add_test(ev, test_events_connect_refused);
	tcase_add_test(ev, test_events_interrupted_wait);
	suite_add_tcase(s, new);
	suite_add_tcase(s, net);
	suite_add_tcase(s, ev);
	return s;
}
