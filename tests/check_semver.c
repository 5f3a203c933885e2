/*
 * semver: tags, precedence, module version specs (parse errors, matching
 * tables, picking among tags).
 */
#include <check.h>
#include <stdlib.h>

#include "shared/semver.h"
#include "shared/util.h"

START_TEST(test_semver_tags)
{
	static const char *const good[] = {
		"v0.0.0", "v1.2.3", "v10.20.30", "v1.2.3-rc.1", "v1.2.3-alpha-1.x",
		"v1.2.3+build.5", "v1.2.3-0.a+b", "v18446744073709551615.0.0",
	};
	static const char *const bad[] = {
		"", "v", "1.2.3", "v1.2", "v1", "v01.2.3", "v1.02.3", "v1.2.3-", "v1.2.3-01",
		"v1.2.3-a..b", "v1.2.3+", "v1.2.3 ", "V1.2.3", "v1.2.3.4", "v1.x.0",
		"v18446744073709551616.0.0", "vfoo",
	};
	struct semver v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		ck_assert_msg(semver_parse_tag(&v, good[i]) == 0, "%s", good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(semver_parse_tag(&v, bad[i]) == -1, "%s", bad[i]);
	ck_assert_int_eq(semver_parse_tag(&v, "v1.2.3-rc.1+b"), 0);
	ck_assert_uint_eq(v.major, 1);
	ck_assert_uint_eq(v.minor, 2);
	ck_assert_uint_eq(v.patch, 3);
	ck_assert_uint_eq(v.prelen, 4);
}
END_TEST

START_TEST(test_semver_order)
{
	/* semver 2.0 §11's example, ascending, then the build ignored */
	static const char *const asc[] = {
		"v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta",
		"v1.0.0-beta.2", "v1.0.0-beta.11", "v1.0.0-rc.1", "v1.0.0", "v1.0.1",
		"v1.1.0", "v1.10.0", "v2.0.0",
	};
	struct semver a, b;
	const char *tags[] = { "v1.2.0", "v2.0.0", "v1.10.0", "v2.0.0-rc.1", "v1.9.9" };
	size_t i;

	for (i = 0; i + 1 < ARRAY_SIZE(asc); i++) {
		ck_assert_int_eq(semver_parse_tag(&a, asc[i]), 0);
		ck_assert_int_eq(semver_parse_tag(&b, asc[i + 1]), 0);
		ck_assert_msg(semver_cmp(&a, &b) < 0, "%s < %s", asc[i], asc[i + 1]);
		ck_assert_msg(semver_cmp(&b, &a) > 0, "%s > %s", asc[i + 1], asc[i]);
		ck_assert_int_eq(semver_cmp(&a, &a), 0);
	}
	ck_assert_int_eq(semver_parse_tag(&a, "v1.0.0+x"), 0);
	ck_assert_int_eq(semver_parse_tag(&b, "v1.0.0+y"), 0);
	ck_assert_int_eq(semver_cmp(&a, &b), 0);
	qsort(tags, ARRAY_SIZE(tags), sizeof(tags[0]), semver_tag_cmp_desc);
	ck_assert_str_eq(tags[0], "v2.0.0");
	ck_assert_str_eq(tags[1], "v2.0.0-rc.1");
	ck_assert_str_eq(tags[2], "v1.10.0");
	ck_assert_str_eq(tags[3], "v1.9.9");
	ck_assert_str_eq(tags[4], "v1.2.0");
}
END_TEST

START_TEST(test_semver_spec_errors)
{
	static const char *const bad[] = {
		"", "not-a-version", "v1.2", "vfoo", "v1.2.3-", ">=", ">= <2", "1.2.3.4",
		"^1.x.3", "~foo", "1.2 -", ">*", "<*", "1.2 - >1.4", "||", "^1.2 ||", "=>1",
		"1.2-rc.1", "v1.2.3 extra-",
	};
	struct semver_spec *sp;
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		ck_assert_msg(semver_spec_parse(&sp, bad[i], true, &why) == -1, "'%s'", bad[i]);
		ck_assert_ptr_null(sp);
		ck_assert_ptr_nonnull(why);
	}
	/* without the tags only what needs no tag list */
	ck_assert_int_eq(semver_spec_parse(&sp, "^1.2.0", false, &why), -1);
	ck_assert_str_eq(why, "with check_tags: false only an exact tag (v1.2.3) or latest "
	    "is accepted: a constraint needs the tags");
	ck_assert_int_eq(semver_spec_parse(&sp, "v1.2.0", false, &why), 0);
	ck_assert_int_eq(semver_spec_kind(sp), SEMVER_EXACT);
	semver_spec_free(sp);
	ck_assert_int_eq(semver_spec_parse(&sp, "latest", false, &why), 0);
	ck_assert_int_eq(semver_spec_kind(sp), SEMVER_LATEST);
	semver_spec_free(sp);
	ck_assert_int_eq(semver_spec_parse(&sp, "~1.4", true, &why), 0);
	ck_assert_int_eq(semver_spec_kind(sp), SEMVER_CONSTRAINT);
	ck_assert_str_eq(semver_spec_text(sp), "~1.4");
	semver_spec_free(sp);
}
END_TEST

struct match_case {
	const char *spec;
	const char *tag;
	bool match;
};

START_TEST(test_semver_spec_match)
{
	static const struct match_case cases[] = {
		{ "latest", "v0.0.1", true },
		{ "latest", "v3.0.0-rc.1", true },
		{ "v1.2.3", "v1.2.3", true },
		{ "v1.2.3", "v1.2.4", false },
		{ "v1.2.3-rc.1", "v1.2.3-rc.1", true },
		{ "1.2.3", "v1.2.3", true },
		{ "=1.2.3", "v1.2.4", false },
		{ "1.2", "v1.2.9", true },
		{ "1.2", "v1.3.0", false },
		{ "1.2.x", "v1.2.0", true },
		{ "1.*", "v1.9.0", true },
		{ "1.*", "v2.0.0", false },
		{ "*", "v0.1.0", true },
		{ "*", "v1.0.0-rc.1", false },
		{ "!=1.2.3", "v1.2.3", false },
		{ "!=1.2.3", "v1.2.4", true },
		{ ">1.2.3", "v1.2.3", false },
		{ ">1.2.3", "v1.2.4", true },
		{ ">1.2", "v1.2.9", false },
		{ ">1.2", "v1.3.0", true },
		{ ">=1.2.0", "v1.2.0", true },
		{ ">=1.2.0", "v1.1.9", false },
		{ "<2", "v1.99.0", true },
		{ "<2", "v2.0.0", false },
		{ "<=1.2", "v1.2.7", true },
		{ "<=1.2", "v1.3.0", false },
		{ "<=1.2.3", "v1.2.3", true },
		{ "~1.4", "v1.4.0", true },
		{ "~1.4", "v1.4.9", true },
		{ "~1.4", "v1.5.0", false },
		{ "~1.2.3", "v1.2.2", false },
		{ "~1.2.3", "v1.2.4", true },
		{ "~1.2.3", "v1.3.0", false },
		{ "~1", "v1.9.0", true },
		{ "~1", "v2.0.0", false },
		{ "~>1.4", "v1.4.2", true },
		{ "^1.2.0", "v1.2.0", true },
		{ "^1.2.0", "v1.9.9", true },
		{ "^1.2.0", "v2.0.0", false },
		{ "^1.2.0", "v1.1.9", false },
		{ "^0.3.1", "v0.3.5", true },
		{ "^0.3.1", "v0.4.0", false },
		{ "^0.0.3", "v0.0.3", true },
		{ "^0.0.3", "v0.0.4", false },
		{ "^0", "v0.9.0", true },
		{ "^0", "v1.0.0", false },
		{ "^1", "v1.5.0", true },
		{ ">=1.0.0 <2", "v1.5.0", true },
		{ ">=1.0.0 <2", "v2.0.0", false },
		{ ">=1.0.0 <2", "v0.9.0", false },
		{ ">=1.2.0, <1.5.0", "v1.4.9", true },
		{ ">=1.2.0, <1.5.0", "v1.5.0", false },
		{ ">= 1.2.0 , < 1.5.0", "v1.3.0", true },
		{ "v1.2.0 - v1.4", "v1.4.9", true },
		{ "1.2 - 1.4.5", "v1.2.0", true },
		{ "1.2 - 1.4.5", "v1.4.5", true },
		{ "1.2 - 1.4.5", "v1.4.6", false },
		{ "1.2.3 - 1.4", "v1.4.9", true },
		{ "1.2.3 - 1.4", "v1.5.0", false },
		{ "^1.0 || ^3.0", "v3.1.0", true },
		{ "^1.0 || ^3.0", "v2.1.0", false },
		{ "^1.0 || ^3.0", "v1.1.0", true },
		/* prereleases: only where the comparator names one */
		{ "^1.2.0", "v1.3.0-rc.1", false },
		{ ">=1.0.0", "v2.0.0-beta", false },
		{ ">=2.0.0-beta", "v2.0.0-beta.2", true },
		{ ">=2.0.0-beta", "v2.0.0-alpha", false },
		{ ">=2.0.0-beta", "v2.1.0", true },
		{ "^1.2.0-rc.1", "v1.2.0-rc.2", true },
		{ "^1.2.0-rc.1", "v1.2.0", true },
		/* a tag that is no version never matches */
		{ "latest", "v1.2", false },
		{ "*", "release-1", false },
	};
	struct semver_spec *sp;
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_msg(semver_spec_parse(&sp, cases[i].spec, true, &why) == 0, "'%s'",
		    cases[i].spec);
		ck_assert_msg(semver_spec_match(sp, cases[i].tag) == cases[i].match,
		    "'%s' vs %s: expected %s", cases[i].spec, cases[i].tag,
		    cases[i].match ? "match" : "no match");
		semver_spec_free(sp);
	}
}
END_TEST

static const char *
pick(const char *spec, const char *const *tags, size_t n)
{
	struct semver_spec *sp;
	const char *why;
	long i;

	ck_assert_int_eq(semver_spec_parse(&sp, spec, true, &why), 0);
	i = semver_spec_pick(sp, tags, n);
	semver_spec_free(sp);
	return i < 0 ? NULL : tags[i];
}

START_TEST(test_semver_spec_pick)
{
	static const char *const tags[] = {
		"v1.1.0", "v2.0.0", "v1.2.0", "release", "v1.2", "v2.1.0-rc.1", "v1.1.5",
	};
	size_t n = ARRAY_SIZE(tags);

	ck_assert_str_eq(pick("^1.1.0", tags, n), "v1.2.0");
	ck_assert_str_eq(pick("~1.1", tags, n), "v1.1.5");
	ck_assert_str_eq(pick("latest", tags, n), "v2.1.0-rc.1");
	ck_assert_str_eq(pick("v1.1.0", tags, n), "v1.1.0");
	ck_assert_str_eq(pick(">=1.0.0 <2", tags, n), "v1.2.0");
	ck_assert_str_eq(pick("*", tags, n), "v2.0.0");
	ck_assert_ptr_null(pick("^3.0.0", tags, n));
	ck_assert_ptr_null(pick("v1.2.1", tags, n));
	ck_assert_ptr_null(pick("latest", tags, 0));
}
END_TEST

Suite *
semver_suite(void)
{
	Suite *s = suite_create("semver");
	TCase *tc = tcase_create("semver");

	tcase_add_test(tc, test_semver_tags);
	tcase_add_test(tc, test_semver_order);
	tcase_add_test(tc, test_semver_spec_errors);
	tcase_add_test(tc, test_semver_spec_match);
	tcase_add_test(tc, test_semver_spec_pick);
	suite_add_tcase(s, tc);
	return s;
}
