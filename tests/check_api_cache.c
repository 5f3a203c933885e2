/*
 * Unit tests for supervisor/github/api_cache.c, through api_request against
 * a scripted loopback HTTP stub: what an entry holds, a conditional GET
 * answered from it, a damaged entry.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/github/api.h"

#include "apifix.h"
#include "httpstub.h"

static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

START_TEST(test_etag_cache)
{
	static const struct stub_resp script[] = {
		{ 200, "ETag: \"v1\"\r\nX-RateLimit-Remaining: 4999\r\n"
		    "Link: <http://127.0.0.1:1/next>; rel=\"next\"\r\n", "{\"v\":1}", 0, 0 },
		{ 304, "ETag: \"v1\"\r\nX-RateLimit-Remaining: 4999\r\n", NULL, 0, 0 },
		{ 200, "ETag: \"v2\"\r\n", "{\"v\":2}", 0, 0 },
	};
	char dir[] = "/tmp/repocast-api-XXXXXX";
	struct fake_clock f = { 0 };
	struct api_response r;
	struct buf raw = BUF_INIT;
	struct dirent *e;
	struct stub s;
	struct api *a;
	char *cache, *path = NULL;
	DIR *d;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	cache = xasprintf("%s/http", dir);
	stub_start(&s, script, 3);
	a = mkapi(&s, &f, NULL, cache);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/api", NULL, 0), 0);
	ck_assert(!r.not_modified);
	ck_assert_ptr_null(strstr(s.reqs[0].headers, "If-None-Match"));
	/* The cache file holds the URL, ETag, next link and body, no token. */
	d = opendir(cache);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			path = xasprintf("%s/%s", cache, e->d_name);
	closedir(d);
	ck_assert_ptr_nonnull(path);
	ck_assert_int_eq(buf_read_file(&raw, path), 0);
	ck_assert_ptr_nonnull(strstr(raw.ptr, "\"v1\"\n"));
	ck_assert_ptr_nonnull(strstr(raw.ptr, "{\"v\":1}"));
	ck_assert_ptr_null(strstr(raw.ptr, TOKEN));
	ck_assert_ptr_null(strstr(raw.ptr, "Authorization"));

	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/api", NULL, 0), 0);
	ck_assert_ptr_nonnull(strstr(s.reqs[1].headers, "If-None-Match: \"v1\"\r\n"));
	ck_assert(r.not_modified);
	ck_assert_int_eq(r.status, 304);
	ck_assert_str_eq(r.body.ptr, "{\"v\":1}");
	ck_assert_str_eq(r.link_next, "http://127.0.0.1:1/next");
	ck_assert_uint_eq(api_get_stats(a)->not_modified, 1);
	/* A changed answer replaces the entry. */
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/api", NULL, 0), 0);
	ck_assert(!r.not_modified);
	ck_assert_str_eq(r.body.ptr, "{\"v\":2}");
	buf_reset(&raw);
	ck_assert_int_eq(buf_read_file(&raw, path), 0);
	ck_assert_ptr_nonnull(strstr(raw.ptr, "{\"v\":2}"));
	/* API_NOCACHE never sends If-None-Match. */
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
	buf_release(&raw);
	free(path);
	rm_tree(cache);
	rmdir(dir);
	free(cache);
}
END_TEST

START_TEST(test_cache_corrupt)
{
	static const struct stub_resp script[] = {
		{ 200, "ETag: \"v1\"\r\n", "{\"v\":1}", 0, 0 },
		{ 200, "ETag: \"v1\"\r\n", "{\"v\":1}", 0, 0 },
	};
	char dir[] = "/tmp/repocast-api-XXXXXX";
	struct fake_clock f = { 0 };
	struct api_response r;
	struct dirent *e;
	struct stub s;
	struct api *a;
	DIR *d;
	FILE *fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	stub_start(&s, script, 2);
	a = mkapi(&s, &f, NULL, dir);
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/a", NULL, 0), 0);
	/* Damage the entry: the next GET must be unconditional. */
	d = opendir(dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);

		fp = fopen(p, "w");
		fputs("junk", fp);
		fclose(fp);
		free(p);
	}
	closedir(d);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/a", NULL, 0), 0);
	ck_assert_ptr_null(strstr(s.reqs[1].headers, "If-None-Match"));
	ck_assert_str_eq(r.body.ptr, "{\"v\":1}");
	api_response_release(&r);
	api_free(a);
	stub_stop(&s);
	rm_tree(dir);
}
END_TEST

Suite *
api_cache_suite(void)
{
	Suite *s = suite_create("api_cache");
	TCase *tc = tcase_create("cache");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_etag_cache);
	tcase_add_test(tc, test_cache_corrupt);
	suite_add_tcase(s, tc);
	return s;
}
