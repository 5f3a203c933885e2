/*
 * The worker's git plugin loader (worker/plugin.c) and err_git
 * (shared/git/err_git.c). Loading the real plugin needs the worker executable
 * (it resolves the worker's symbols): tests/integration/run_plugin.sh.
 */
#include <check.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/util.h"
#include "worker/plugin.h"

START_TEST(test_plugin_path_next_to_exe)
{
	char self[PATH_MAX], *want, *p;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	want = xasprintf("%s/repocast-worker-git.so", self);
	p = plugin_path();
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
}
END_TEST

START_TEST(test_plugin_open_errors)
{
	const struct plugin_ops *ops = (const void *)1;
	Dl_info info;
	char *want;

	/* A bare name would make dlopen search the library path. */
	ck_assert_int_eq(plugin_open(&ops, "repocast-worker-git.so"), ERR_FAIL);
	ck_assert_ptr_null(ops);
	ck_assert_str_eq(err_last(), "cannot load 'repocast-worker-git.so': not a path");

	ck_assert_int_eq(plugin_open(&ops, "/nonexistent/repocast-worker-git.so"), ERR_FAIL);
	ck_assert_ptr_null(ops);
	ck_assert_str_eq(err_last(), "cannot load '/nonexistent/repocast-worker-git.so': "
	    "/nonexistent/repocast-worker-git.so: cannot open shared object file: "
	    "No such file or directory");

	/* A real shared object without the entry: libc. */
	ck_assert_int_ne(dladdr((void *)&strlen, &info), 0);
	ck_assert_ptr_nonnull(strchr(info.dli_fname, '/'));
	ck_assert_int_eq(plugin_open(&ops, info.dli_fname), ERR_FAIL);
	ck_assert_ptr_null(ops);
	want = xasprintf("cannot load '%s': it has no 'plugin_git'", info.dli_fname);
	ck_assert_str_eq(err_last(), want);
	free(want);
}
END_TEST

START_TEST(test_err_git)
{
	git_repository *repo = NULL;
	const git_error *ge;
	char *want;

	git_libgit2_init();
	ck_assert_int_lt(git_repository_open(&repo, "/nonexistent/repo"), 0);
	ge = git_error_last();
	ck_assert_ptr_nonnull(ge);
	want = xasprintf("cannot open 'a/b': %s", ge->message);
	ck_assert_int_eq(err_git(ERR_NOTFOUND, "cannot open '%s'", "a/b"), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), want);
	ck_assert_int_eq(err_code(), ERR_NOTFOUND);
	free(want);
	git_error_clear();
	ck_assert_int_eq(err_git(ERR_FAIL, "cannot read '%s'", "x"), ERR_FAIL);
	ck_assert_str_eq(err_last(), "cannot read 'x': unknown libgit2 error");
	git_libgit2_shutdown();
}
END_TEST

Suite *
plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, test_plugin_path_next_to_exe);
	tcase_add_test(tc, test_plugin_open_errors);
	tcase_add_test(tc, test_err_git);
	suite_add_tcase(s, tc);
	return s;
}
