/*
 * Unit tests for supervisor/github/api_url.c: escaping for a URL, loopback
 * hosts.
 */
#include <check.h>

#include "shared/buf.h"
#include "supervisor/github/api.h"

START_TEST(test_escape)
{
	struct buf b = BUF_INIT;

	api_escape(&b, "chore/sync files+x~", true);
	ck_assert_str_eq(b.ptr, "chore/sync%20files%2Bx~");
	buf_reset(&b);
	api_escape(&b, "acme:chore/x", false);
	ck_assert_str_eq(b.ptr, "acme%3Achore%2Fx");
	buf_release(&b);
}
END_TEST

START_TEST(test_url_is_loopback)
{
	ck_assert(api_url_is_loopback("http://127.0.0.1:8080/api/v3"));
	ck_assert(api_url_is_loopback("http://127.1.2.3/api/v3"));
	ck_assert(api_url_is_loopback("http://LOCALHOST:9/api/v3"));
	ck_assert(api_url_is_loopback("https://[::1]:443/api/v3"));
	/* A name that merely starts like a loopback address is not one. */
	ck_assert(!api_url_is_loopback("http://127.0.0.1.example.com/api/v3"));
	ck_assert(!api_url_is_loopback("http://localhost.example.com/api/v3"));
	ck_assert(!api_url_is_loopback("https://api.github.com"));
	ck_assert(!api_url_is_loopback("ftp://127.0.0.1/"));
	ck_assert(!api_url_is_loopback(NULL));
}
END_TEST

Suite *
api_url_suite(void)
{
	Suite *s = suite_create("api_url");
	TCase *tc = tcase_create("url");

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_url_is_loopback);
	suite_add_tcase(s, tc);
	return s;
}
