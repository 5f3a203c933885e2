/*
 * runpr: the pull-request flags of `repocast run`, the default branch and
 * title, the body's metadata block, which repositories can have a PR.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/config/config.h"
#include "supervisor/run/cmd_run_opts.h"
#include "supervisor/run/runpr.h"

static const char *
parse_err(struct run_opts *o, int argc, const char **argv)
{
	static char msg[512];
	int rc;

	cmd_run_opts_init(o);
	err_clear();
	rc = cmd_run_parse(o, argc, (char **)argv);
	snprintf(msg, sizeof(msg), "%s", rc == 0 ? "ok" : err_last());
	return msg;
}

#define PARSE(o, ...) parse_err((o), (int)(sizeof((const char *[]){ __VA_ARGS__ }) / \
    sizeof(char *)), (const char *[]){ __VA_ARGS__ })

START_TEST(test_flags)
{
	struct run_opts o;

	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--branch", "fix/x", "--title", "T",
	    "--body", "B", "--labels", "a, b", "--labels=c", "--reviewers", "r1,r2", "--draft",
	    "--", "make", "fmt"), "ok");
	ck_assert_str_eq(o.pr.branch, "fix/x");
	ck_assert_str_eq(o.pr.title, "T");
	ck_assert_str_eq(o.pr.body, "B");
	ck_assert_uint_eq(o.pr.labels.n, 3);
	ck_assert_str_eq(o.pr.labels.v[0], "a");
	ck_assert_str_eq(o.pr.labels.v[1], "b");
	ck_assert_str_eq(o.pr.labels.v[2], "c");
	ck_assert_uint_eq(o.pr.reviewers.n, 2);
	ck_assert(o.pr.draft);
	ck_assert(!o.pr.diff);
	cmd_run_opts_release(&o);

	/* defaults from the command */
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--", "sh", "-c",
	    "echo x >> README.md"), "ok");
	ck_assert_str_eq(o.pr.branch, "repocast/run-sh-c-echo-x-readme-md");
	ck_assert_str_eq(o.pr.title, "repocast run: sh -c echo x >> README.md");
	cmd_run_opts_release(&o);
}
END_TEST

START_TEST(test_refusals)
{
	struct run_opts o;

	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--no-pr", "--labels", "x", "--",
	    "true"), "--labels is for pull requests: it cannot go with --no-pr");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--dry-run", "--diff"),
	    "--diff runs the command and --dry-run runs nothing: give one of them");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--dry-run", "--title", "t"),
	    "--title is for pull requests: it cannot go with --dry-run (which only lists "
	    "the repositories; --diff previews the change)");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--dry-run"), "ok");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--branch", "a..b", "--", "true"),
	    "--branch 'a..b': invalid branch name: git refuses it (git check-ref-format "
	    "rules: no '..', '//', '@{', spaces, controls or any of ~ ^ : ? * [ \\; no "
	    "component starting with '.' or ending in '.lock'; not ending in '/' or '.')");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--branch", "x y", "--", "true"),
	    "--branch 'x y': invalid branch name: git refuses it (git check-ref-format "
	    "rules: no '..', '//', '@{', spaces, controls or any of ~ ^ : ? * [ \\; no "
	    "component starting with '.' or ending in '.lock'; not ending in '/' or '.')");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--body", "b", "--body-file", "f",
	    "--", "true"), "give --body or --body-file, not both");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--labels", "a,,b", "--", "true"),
	    "empty name in --labels 'a,,b'");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--draft=1", "--", "true"),
	    "option '--draft' takes no value");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--title"), "option '--title' needs a value");
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--title", "", "--", "true"),
	    "--title must be one non-empty line");
	cmd_run_opts_release(&o);
}
END_TEST

START_TEST(test_body_file)
{
	struct run_opts o;
	char path[] = "/tmp/check_runpr_XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "from a file\n", 12), 12);
	close(fd);
	ck_assert_str_eq(PARSE(&o, "run", "--repos", "f", "--body-file", path, "--", "true"),
	    "ok");
	ck_assert_str_eq(o.pr.body, "from a file\n");
	cmd_run_opts_release(&o);
	unlink(path);
	ck_assert_int_eq(strncmp(PARSE(&o, "run", "--repos", "f", "--body-file", path, "--",
	    "true"), "--body-file: ", 13), 0);
	cmd_run_opts_release(&o);
}
END_TEST

START_TEST(test_default_branch)
{
	struct buf b = BUF_INIT;
	char *one[] = { (char *)"./fix.sh" };
	char *none[] = { (char *)"--", (char *)"!!" };
	char *lng[] = { (char *)"sed", (char *)"-i",
	    (char *)"s/aaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/", (char *)"x" };
	char *lng2[] = { (char *)"sed", (char *)"-i",
	    (char *)"s/aaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/", (char *)"y" };
	const char *why;
	char *first;

	runpr_default_branch(&b, one, 1);
	ck_assert_str_eq(b.ptr, "repocast/run-fix-sh");
	buf_reset(&b);
	runpr_default_branch(&b, none, 2);
	ck_assert_str_eq(b.ptr, "repocast/run-command");
	buf_reset(&b);
	/* cut at RUNPR_SLUG_MAX, then a hash of the whole command: two
	 * commands that share the cut part still get two branches */
	runpr_default_branch(&b, lng, 4);
	ck_assert_uint_eq(b.len, strlen(RUNPR_BRANCH_PREFIX) + RUNPR_SLUG_MAX + 9);
	ck_assert_int_eq(cfg_check_branch(b.ptr, &why), 0);
	first = xstrdup(b.ptr);
	buf_reset(&b);
	runpr_default_branch(&b, lng2, 4);
	ck_assert_str_ne(first, b.ptr);
	ck_assert_int_eq(strncmp(first, b.ptr, b.len - 8), 0);
	free(first);
	buf_release(&b);
}
END_TEST

START_TEST(test_body_meta)
{
	struct buf b = BUF_INIT;
	struct runpr_text_in in;
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"echo '-->' <x> >> f" };
	char *branch = NULL;
	const char *blk;

	memset(&in, 0, sizeof(in));
	in.repo = "acme/api";
	in.base = "main";
	in.branch = "repocast/run-x";
	in.commit = "0123456789012345678901234567890123456789";
	in.diffstat = " f | 1 +\n";
	in.body = "Why.";
	in.argv = argv;
	in.argc = 3;
	runpr_body(&b, &in);
	ck_assert_ptr_nonnull(strstr(b.ptr, "Why.\n\n"));
	ck_assert_ptr_nonnull(strstr(b.ptr, " f | 1 +\n"));
	ck_assert_int_eq(runpr_meta_branch(&branch, b.ptr), 0);
	ck_assert_str_eq(branch, "repocast/run-x");
	free(branch);
	/* the command's '-->' and '<' cannot end or fake the block: the only
	 * "-->" after the mark is the block's own end */
	blk = strstr(b.ptr, "<!-- repocast-run-metadata");
	ck_assert_ptr_nonnull(blk);
	ck_assert_ptr_eq(strstr(blk, "-->"), b.ptr + b.len - 4);
	ck_assert_ptr_nonnull(strstr(blk, "\\u003e"));
	ck_assert_int_eq(runpr_meta_branch(&branch, "no block"), ERR_NOTFOUND);
	ck_assert_int_eq(runpr_meta_branch(&branch, "<!-- repocast-run-metadata {\"x\":1} -->"),
	    ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad repocast-run-metadata block: no branch");
	ck_assert_int_eq(runpr_meta_branch(&branch, "<!-- repocast-run-metadata {"), ERR_PROTO);
	buf_release(&b);
}
END_TEST

START_TEST(test_entries)
{
	struct repolist l;

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(repolist_parse(&l, "r", "acme/api\nacme/web\n", "https://github.com"), 0);
	ck_assert_int_eq(runpr_check_entries(&l), 0);
	repolist_release(&l);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(repolist_parse(&l, "r", "acme/api\n/srv/git/x.git\n",
	    "https://github.com"), 0);
	ck_assert_int_eq(runpr_check_entries(&l), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "'/srv/git/x.git' (line 2): a pull request needs a "
	    "repository the API knows, given as owner/name (fetched from --git-url); for a path, "
	    "a URL or none: pass --no-pr");
	repolist_release(&l);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(repolist_parse(&l, "r", "none:\n", NULL), 0);
	ck_assert_int_eq(runpr_check_entries(&l), ERR_CONFIG);
	repolist_release(&l);
}
END_TEST

Suite *
runpr_suite(void)
{
	Suite *s = suite_create("runpr");
	TCase *tc = tcase_create("flags");

	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_body_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, test_default_branch);
	tcase_add_test(tc, test_body_meta);
	tcase_add_test(tc, test_entries);
	suite_add_tcase(s, tc);
	return s;
}
