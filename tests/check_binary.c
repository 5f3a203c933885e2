#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/binary.h"

START_TEST(test_binary_text)
{
	char buf[BINARY_SNIFF * 2];

	memset(buf, 'a', sizeof(buf));
	ck_assert(!binary_detect(buf, 0));
	ck_assert(!binary_detect("", 0));
	ck_assert(!binary_detect("hello\n", 6));
	ck_assert(!binary_detect(buf, sizeof(buf)));
	/* UTF-8 and high bytes are text. */
	ck_assert(!binary_detect("\xc3\xa9\xff\x01\x7f", 5));
}
END_TEST

START_TEST(test_binary_nul_positions)
{
	char buf[BINARY_SNIFF * 2];

	memset(buf, 'a', sizeof(buf));
	buf[0] = '\0';
	ck_assert(binary_detect(buf, 1));
	ck_assert(binary_detect(buf, sizeof(buf)));
	buf[0] = 'a';
	/* The last sniffed byte (index 7999) counts... */
	buf[BINARY_SNIFF - 1] = '\0';
	ck_assert(binary_detect(buf, sizeof(buf)));
	ck_assert(binary_detect(buf, BINARY_SNIFF));
	/* ...but not when the data ends before it. */
	ck_assert(!binary_detect(buf, BINARY_SNIFF - 1));
	buf[BINARY_SNIFF - 1] = 'a';
	/* The first byte past the sniff window (index 8000) does not. */
	buf[BINARY_SNIFF] = '\0';
	ck_assert(!binary_detect(buf, sizeof(buf)));
	ck_assert(!binary_detect(buf, BINARY_SNIFF + 1));
}
END_TEST

Suite *
binary_suite(void)
{
	Suite *s = suite_create("binary");
	TCase *tc = tcase_create("detect");

	tcase_add_test(tc, test_binary_text);
	tcase_add_test(tc, test_binary_nul_positions);
	suite_add_tcase(s, tc);
	return s;
}
