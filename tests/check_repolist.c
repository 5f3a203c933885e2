/*
 * The repos file of `repocast run`: good and bad entries, loading.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/run/repolist.h"

/* ---- the repos file ---- */

START_TEST(test_repolist_good)
{
	struct repolist l = { 0 };
	char cwd[4096];
	char *want;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(repolist_parse(&l, "r.txt",
	    "# comment\n\n  acme/api  \n/srv/git/tool.git/\n./rel/x\nfile:///srv/y.git\n"
	    "http://127.0.0.1:9/git/o/z.git\t\nnone:\nnone:bench-1\n", "http://h/git"), 0);
	ck_assert_uint_eq(l.n, 7);
	ck_assert_str_eq(l.v[0].name, "acme/api");
	ck_assert_str_eq(l.v[0].url, "http://h/git/acme/api.git");
	ck_assert_int_eq(l.v[0].line, 3);
	ck_assert_str_eq(l.v[1].name, "tool");
	ck_assert_str_eq(l.v[1].url, "/srv/git/tool.git/");
	want = xasprintf("%s/./rel/x", cwd);
	ck_assert_str_eq(l.v[2].url, want);
	free(want);
	ck_assert_str_eq(l.v[2].name, "x");
	ck_assert_str_eq(l.v[3].name, "y");
	ck_assert_str_eq(l.v[4].name, "o/z");
	ck_assert_str_eq(l.v[5].name, "none-8");
	ck_assert_str_eq(l.v[5].url, "none:");
	ck_assert_str_eq(l.v[6].name, "bench-1");
	repolist_release(&l);
	/* a trailing slash on the base is not doubled */
	ck_assert_int_eq(repolist_parse(&l, "r", "a/b\n", "http://h/"), 0);
	ck_assert_str_eq(l.v[0].url, "http://h/a/b.git");
	repolist_release(&l);
}
END_TEST

START_TEST(test_repolist_bad)
{
	struct repolist l = { 0 };

	ck_assert_int_eq(repolist_parse(&l, "r.txt", "ok/one\nnot a repo\n-bad/x\nok/one\n",
	    "http://h"), ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "r.txt:2: repository 'not a repo' contains blanks\n"
	    "r.txt:3: cannot parse repository '-bad/x' (expected a path, a file:// or "
	    "http(s):// URL, owner/name, or none:)\n"
	    "r.txt:4: duplicate repository 'ok/one' (first on line 1)");
	ck_assert_uint_eq(l.n, 0); /* nothing kept from a bad file */
	ck_assert_int_eq(repolist_parse(&l, "r.txt", "\n\nacme/api\n", NULL), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "r.txt:3: 'acme/api' needs a git URL to resolve against "
	    "(--git-url)");
	ck_assert_int_eq(repolist_parse(&l, "r.txt", "/\n", NULL), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "r.txt:1: repository '/' has no name");
	ck_assert_uint_eq(l.n, 0);
	repolist_release(&l);
}
END_TEST

/* --only-failed: keep the named entries, in order; free the others. */
START_TEST(test_repolist_keep)
{
	struct repolist l;
	struct strv names = { NULL, 0 };

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(repolist_parse(&l, "r", "acme/a\nacme/b\nacme/c\nacme/d\n",
	    "http://h/"), 0);
	strv_add(&names, "acme/d");
	strv_add(&names, "acme/b");
	strv_add(&names, "acme/gone");
	ck_assert_uint_eq(repolist_keep(&l, &names), 2);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].name, "acme/b");
	ck_assert_str_eq(l.v[1].name, "acme/d");
	strv_release(&names);
	ck_assert_uint_eq(repolist_keep(&l, &names), 0);
	repolist_release(&l);
}
END_TEST

START_TEST(test_repolist_load)
{
	struct repolist l = { 0 };
	char path[] = "/tmp/repocast-repos-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "# only comments\n\n", 17), 17);
	close(fd);
	ck_assert_int_eq(repolist_load(&l, path, NULL), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), ": no repositories listed"));
	unlink(path);
	ck_assert_int_eq(repolist_load(&l, path, NULL), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot open"));
	repolist_release(&l);
}
END_TEST

Suite *
repolist_suite(void)
{
	Suite *s = suite_create("repolist");
	TCase *tc;

	tc = tcase_create("repolist");
	tcase_add_test(tc, test_repolist_good);
	tcase_add_test(tc, test_repolist_bad);
	tcase_add_test(tc, test_repolist_load);
	tcase_add_test(tc, test_repolist_keep);
	suite_add_tcase(s, tc);
	return s;
}
