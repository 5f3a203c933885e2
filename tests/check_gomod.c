/*
 * gomod: the module path of go.mod text, and setting one require entry
 * (a line, a block, a missing one) with the rest kept byte for byte.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/gomod.h"
#include "shared/util.h"

static char *
module_of(const char *text)
{
	char *p = NULL;

	if (gomod_module_path(&p, text, strlen(text)) != 0)
		return NULL;
	return p;
}

START_TEST(test_gomod_module_path)
{
	char *p;

	p = module_of("// comment\nmodule github.com/a/b // trailing\n\ngo 1.21\n");
	ck_assert_str_eq(p, "github.com/a/b");
	free(p);
	p = module_of("module \"example.com/q\"\n");
	ck_assert_str_eq(p, "example.com/q");
	free(p);
	p = module_of("module\texample.com/tab");
	ck_assert_str_eq(p, "example.com/tab");
	free(p);
	ck_assert_ptr_null(module_of("go 1.21\n// module x\n"));
	ck_assert_ptr_null(module_of(""));
	ck_assert_ptr_null(module_of("module\n"));
}
END_TEST

static void
expect_set(const char *in, const char *mod, const char *ver, const char *want)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(gomod_set_require(&b, in, strlen(in), mod, ver), 0);
	ck_assert_str_eq(b.ptr != NULL ? b.ptr : "", want);
	buf_release(&b);
}

START_TEST(test_gomod_set_require)
{
	/* an entry in a block: only its version changes */
	expect_set("module x\n\nrequire (\n\tgithub.com/a/lib v1.0.0 // indirect\n"
	    "\tgithub.com/c/d v0.1.0\n)\n",
	    "github.com/a/lib", "v1.2.0",
	    "module x\n\nrequire (\n\tgithub.com/a/lib v1.2.0 // indirect\n"
	    "\tgithub.com/c/d v0.1.0\n)\n");
	/* a single-line require, quoted path */
	expect_set("module x\nrequire \"github.com/a/lib\" v1.0.0\n", "github.com/a/lib",
	    "v2.0.0", "module x\nrequire \"github.com/a/lib\" v2.0.0\n");
	/* a prefix of another module's path is not that module */
	expect_set("module x\nrequire github.com/a/lib2 v1.0.0\n", "github.com/a/lib", "v1.1.0",
	    "module x\nrequire github.com/a/lib2 v1.0.0\n\nrequire github.com/a/lib v1.1.0\n");
	/* missing: at the end of the first block */
	expect_set("module x\n\nrequire (\n\tgithub.com/c/d v0.1.0\n)\n\nrequire (\n)\n",
	    "github.com/a/lib", "v1.2.0",
	    "module x\n\nrequire (\n\tgithub.com/c/d v0.1.0\n\tgithub.com/a/lib v1.2.0\n)\n"
	    "\nrequire (\n)\n");
	/* missing, no block, no final newline */
	expect_set("module x\n\ngo 1.21", "github.com/a/lib", "v1.2.0",
	    "module x\n\ngo 1.21\n\nrequire github.com/a/lib v1.2.0\n");
	/* a commented-out entry does not count */
	expect_set("module x\n// require github.com/a/lib v0.1.0\n", "github.com/a/lib", "v1.0.0",
	    "module x\n// require github.com/a/lib v0.1.0\n\nrequire github.com/a/lib v1.0.0\n");
	/* an empty file */
	expect_set("", "m", "v1.0.0", "require m v1.0.0\n");
}
END_TEST

START_TEST(test_gomod_bad_tokens)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(gomod_set_require(&b, "", 0, "", "v1"), ERR_CONFIG);
	ck_assert_int_eq(gomod_set_require(&b, "", 0, "a b", "v1"), ERR_CONFIG);
	ck_assert_int_eq(gomod_set_require(&b, "", 0, "a", "v1\n"), ERR_CONFIG);
	ck_assert_int_eq(gomod_set_require(&b, "", 0, "a\"", "v1"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid module path 'a\"' for go.mod");
	ck_assert_uint_eq(b.len, 0);
	buf_release(&b);
}
END_TEST

Suite *
gomod_suite(void)
{
	Suite *s = suite_create("gomod");
	TCase *tc = tcase_create("gomod");

	tcase_add_test(tc, test_gomod_module_path);
	tcase_add_test(tc, test_gomod_set_require);
	tcase_add_test(tc, test_gomod_bad_tokens);
	suite_add_tcase(s, tc);
	return s;
}
