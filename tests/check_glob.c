#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/glob.h"
#include "shared/util.h"

struct glob_case {
	const char *patterns[8];
	const char *path;
	int is_dir;
	int want;   /* what git check-ignore --no-index said */
};

static const struct glob_case cases[] = {
#include "tests/data/glob_cases.inc"
};

static size_t
npatterns(const struct glob_case *c)
{
	size_t n = 0;

	while (n < ARRAY_SIZE(c->patterns) && c->patterns[n] != NULL)
		n++;
	return n;
}

START_TEST(test_glob_git_table)
{
	const struct glob_case *c = &cases[_i];
	struct glob_set *s = NULL;
	bool got;

	ck_assert_int_eq(glob_set_new(&s, c->patterns, npatterns(c)), 0);
	ck_assert_uint_eq(glob_set_count(s), npatterns(c));
	got = glob_set_excludes(s, c->path, c->is_dir);
	ck_assert_msg(got == (c->want != 0), "patterns[0] '%s' (n=%zu) path '%s'%s: got %d, git says %d",
	    c->patterns[0], npatterns(c), c->path, c->is_dir ? " (dir)" : "", got, c->want);
	glob_set_free(s);
}
END_TEST

START_TEST(test_glob_match_vs_excludes)
{
	const char *pats[] = { "build/" };
	const char *neg[] = { "*", "!*.go" };
	struct glob_set *s = NULL;

	ck_assert_int_eq(glob_set_new(&s, pats, 1), 0);
	/* glob_set_match looks at the path alone; excludes adds the parents. */
	ck_assert(glob_set_match(s, "build", true));
	ck_assert(!glob_set_match(s, "build", false));
	ck_assert(!glob_set_match(s, "build/out.o", false));
	ck_assert(glob_set_excludes(s, "build/out.o", false));
	ck_assert(glob_set_excludes(s, "a/build/b/c", false));
	ck_assert(!glob_set_excludes(s, "a/builds/c", false));
	glob_set_free(s);
	ck_assert_int_eq(glob_set_new(&s, neg, 2), 0);
	ck_assert(!glob_set_match(s, "cmd/main.go", false));
	ck_assert(glob_set_match(s, "cmd/main.c", false));
	glob_set_free(s);
}
END_TEST

START_TEST(test_glob_empty_set)
{
	struct glob_set *s = NULL;

	ck_assert_int_eq(glob_set_new(&s, NULL, 0), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(glob_set_count(s), 0);
	ck_assert(!glob_set_match(s, "anything", false));
	ck_assert(!glob_set_excludes(s, "a/b", false));
	glob_set_free(s);
	ck_assert(!glob_set_match(NULL, "anything", true));
	ck_assert_uint_eq(glob_set_count(NULL), 0);
	glob_set_free(NULL);
}
END_TEST

static const struct {
	const char *pattern;
	const char *msg;
} bad[] = {
	{ "", "invalid pattern '': empty pattern" },
	{ "!", "invalid pattern '!': empty pattern" },
	{ "/", "invalid pattern '/': empty pattern" },
	{ "!//", "invalid pattern '!//': empty pattern" },
	{ "[abc", "invalid pattern '[abc': unterminated or invalid '[' expression" },
	{ "a/[", "invalid pattern 'a/[': unterminated or invalid '[' expression" },
	{ "[[:bogus:]]", "invalid pattern '[[:bogus:]]': unterminated or invalid '[' expression" },
	{ "[[:alpha:", "invalid pattern '[[:alpha:': unterminated or invalid '[' expression" },
	{ "abc\\", "invalid pattern 'abc\\': trailing backslash" },
};

START_TEST(test_glob_bad_patterns)
{
	const char *pats[] = { "*.ok", bad[_i].pattern };
	struct glob_set *s = (struct glob_set *)1;

	ck_assert_int_eq(glob_set_new(&s, pats, 2), ERR_CONFIG);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err_last(), bad[_i].msg);
}
END_TEST

START_TEST(test_glob_null_pattern)
{
	const char *pats[] = { NULL };
	struct glob_set *s = NULL;

	ck_assert_int_eq(glob_set_new(&s, pats, 1), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid pattern: null");
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_glob_long_paths)
{
	const char *pats[] = { "deep/" };
	struct glob_set *s = NULL;
	char *path = xmalloc(5000);

	memset(path, 'a', 4999);
	path[4999] = '\0';
	memcpy(path, "deep/", 5);
	ck_assert_int_eq(glob_set_new(&s, pats, 1), 0);
	ck_assert(glob_set_excludes(s, path, false));
	ck_assert(!glob_set_match(s, path, false));
	glob_set_free(s);
	free(path);
}
END_TEST

Suite *
glob_suite(void)
{
	Suite *s = suite_create("glob");
	TCase *tc = tcase_create("git");

	tcase_add_loop_test(tc, test_glob_git_table, 0, (int)ARRAY_SIZE(cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_test(tc, test_glob_match_vs_excludes);
	tcase_add_test(tc, test_glob_empty_set);
	tcase_add_test(tc, test_glob_long_paths);
	tcase_add_loop_test(tc, test_glob_bad_patterns, 0, (int)ARRAY_SIZE(bad));
	tcase_add_test(tc, test_glob_null_pattern);
	suite_add_tcase(s, tc);
	return s;
}
