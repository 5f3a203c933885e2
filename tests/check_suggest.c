/*
 * suggest: the edit distance, and offering only a close, unambiguous word.
 */
#include <check.h>

#include "shared/suggest.h"
#include "shared/util.h"

START_TEST(test_suggest_distance)
{
	ck_assert_uint_eq(suggest_distance("", ""), 0);
	ck_assert_uint_eq(suggest_distance("sync", "sync"), 0);
	ck_assert_uint_eq(suggest_distance("sycn", "sync"), 1);      /* a swap */
	ck_assert_uint_eq(suggest_distance("brnach", "branch"), 1);
	ck_assert_uint_eq(suggest_distance("snc", "sync"), 1);       /* a deletion */
	ck_assert_uint_eq(suggest_distance("syncc", "sync"), 1);     /* an insertion */
	ck_assert_uint_eq(suggest_distance("kitten", "sitting"), 3);
	ck_assert_uint_eq(suggest_distance("", "abc"), 3);
	ck_assert_uint_gt(suggest_distance("x", "a-word-of-more-than-sixty-four-bytes-is-never-"
	    "close-to-anything-at-all"), 1000);
}
END_TEST

START_TEST(test_suggest_closest)
{
	static const char *const cmds[] = { "sync", "run", "validate", "report", "help",
	    "version", NULL };
	static const char *const keys[] = { "repo", "branch", "blob_size_limit" };

	ck_assert_str_eq(suggest_closest("sycn", cmds, ARRAY_SIZE(cmds)), "sync");
	ck_assert_str_eq(suggest_closest("valdiate", cmds, ARRAY_SIZE(cmds)), "validate");
	ck_assert_str_eq(suggest_closest("brnach", keys, ARRAY_SIZE(keys)), "branch");
	/* Too far for the word's length: no wild guess. */
	ck_assert_ptr_null(suggest_closest("deploy", cmds, ARRAY_SIZE(cmds)));
	ck_assert_ptr_null(suggest_closest("xy", cmds, ARRAY_SIZE(cmds)));
	/* The word itself is not a suggestion. */
	ck_assert_ptr_null(suggest_closest("run", cmds, ARRAY_SIZE(cmds)));
	/* Two equally close: say nothing rather than pick one. */
	{
		static const char *const two[] = { "cat", "car" };

		ck_assert_ptr_null(suggest_closest("caz", two, 2));
	}
	ck_assert_ptr_null(suggest_closest("sync", NULL, 0));
	/* A word too long to measure against every candidate (the fuzz
	 * corpus found this one): no suggestion, no crash. */
	ck_assert_ptr_null(suggest_closest("6666666666666*6666666666666666666666666666666666666"
	    "66666666666666666666666666666666666666666x", cmds, ARRAY_SIZE(cmds)));
}
END_TEST

Suite *
suggest_suite(void)
{
	Suite *s = suite_create("suggest");
	TCase *tc = tcase_create("suggest");

	tcase_add_test(tc, test_suggest_distance);
	tcase_add_test(tc, test_suggest_closest);
	suite_add_tcase(s, tc);
	return s;
}
