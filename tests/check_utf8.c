/*
 * utf8: what is valid, and that only invalid sequences are replaced
 * (one U+FFFD per maximal subpart), valid text around them kept.
 */
#include <check.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/utf8.h"

#define R "\xEF\xBF\xBD"

static void
expect(const char *in, size_t n, const char *want)
{
	struct buf b = BUF_INIT;

	utf8_sanitize(&b, in, n);
	ck_assert_msg(strcmp(b.ptr, want) == 0, "sanitize of %zu bytes gave '%s'", n, b.ptr);
	ck_assert(utf8_valid(b.ptr, b.len));
	buf_release(&b);
}

START_TEST(test_utf8_valid)
{
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid("plain ascii", 11));
	ck_assert(utf8_valid("\xC3\xA9t\xC3\xA9", 6));             /* été */
	ck_assert(utf8_valid("\xE2\x82\xAC", 3));                  /* € */
	ck_assert(utf8_valid("\xF0\x9F\x98\x80", 4));              /* U+1F600 */
	ck_assert(utf8_valid("\xF4\x8F\xBF\xBF", 4));              /* U+10FFFF */
	ck_assert(!utf8_valid("\xFF", 1));
	ck_assert(!utf8_valid("\xC0\xAF", 2));                     /* overlong '/' */
	ck_assert(!utf8_valid("\xE0\x80\xAF", 3));                 /* overlong */
	ck_assert(!utf8_valid("\xED\xA0\x80", 3));                 /* surrogate */
	ck_assert(!utf8_valid("\xF4\x90\x80\x80", 4));             /* > U+10FFFF */
	ck_assert(!utf8_valid("\xE2\x82", 2));                     /* truncated */
	ck_assert(!utf8_valid("\x80", 1));                         /* lone continuation */
	ck_assert_uint_eq(utf8_seq_len("\xE2\x82\xAC!", 4), 3);
	ck_assert_uint_eq(utf8_seq_len("\xE2\x82", 2), 0);
	ck_assert_uint_eq(utf8_seq_len("", 0), 0);
}
END_TEST

START_TEST(test_utf8_sanitize)
{
	expect("acme/bad\xFF", 9, "acme/bad" R);
	/* Valid text on both sides of one bad byte stays as it was. */
	expect("\xC3\xA9\xFF \xC3\xBC", 6, "\xC3\xA9" R " \xC3\xBC");
	/* A truncated sequence is one replacement, not one per byte. */
	expect("a\xE2\x82z", 4, "a" R "z");
	expect("\xF0\x9F\x98", 3, R);
	/* Bytes that can never start a sequence: one each. */
	expect("\xC0\xAF", 2, R R);
	expect("\x80\x80", 2, R R);
	expect("\xED\xA0\x80", 3, R R R);
	/* Controls are left to the format's own escaping. */
	expect("a\tb\x01", 4, "a\tb\x01");
	expect("", 0, "");
}
END_TEST

Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");

	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_utf8_sanitize);
	suite_add_tcase(s, tc);
	return s;
}
