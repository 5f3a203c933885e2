/*
 * Unit tests for supervisor/github/token.c: the token from GITHUB_TOKEN or
 * GH_TOKEN, from a file (its mode checked), from `gh auth token`.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/token.h"

static char *
write_tmp(const char *content, size_t n, int mode)
{
	char *path = xstrdup("/tmp/repocast-token-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, n), (ssize_t)n);
	fchmod(fd, (mode_t)mode);
	close(fd);
	return path;
}

START_TEST(test_token_env)
{
	struct token *t = NULL;

	unsetenv("GITHUB_TOKEN");
	unsetenv("GH_TOKEN");
	ck_assert_int_eq(token_load(&t, NULL), ERR_AUTH);
	ck_assert_str_eq(err_last(), "no github token: set GITHUB_TOKEN or GH_TOKEN, or "
	    "pass --token-file");
	setenv("GH_TOKEN", "gh-one", 1);
	ck_assert_int_eq(token_load(&t, NULL), 0);
	ck_assert_str_eq(token_value(t), "gh-one");
	ck_assert_str_eq(t->source, "GH_TOKEN");
	token_free(t);
	setenv("GITHUB_TOKEN", "github-two\n", 1);
	ck_assert_int_eq(token_load(&t, NULL), 0);
	ck_assert_str_eq(token_value(t), "github-two");
	ck_assert_str_eq(t->source, "GITHUB_TOKEN");
	token_free(t);
	setenv("GITHUB_TOKEN", "bad token", 1);
	ck_assert_int_eq(token_load(&t, NULL), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "github token from GITHUB_TOKEN contains whitespace "
	    "or control characters");
	ck_assert_ptr_null(strstr(err_last(), "bad token"));
	token_scrub_env();
	ck_assert_ptr_null(getenv("GITHUB_TOKEN"));
	ck_assert_ptr_null(getenv("GH_TOKEN"));
	token_free(NULL);
}
END_TEST

/* Write an executable gh into dir that runs body (sh). */
static void
fake_gh(const char *dir, const char *body)
{
	char *path = xasprintf("%s/gh", dir);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
	free(path);
}

START_TEST(test_token_gh)
{
	char dir[] = "/tmp/repocast-gh-XXXXXX", *args, *old_path, *path;
	struct token *t = NULL;
	struct buf b = BUF_INIT;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	old_path = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	path = xasprintf("%s:%s", dir, old_path);
	args = xasprintf("%s/args", dir);
	unsetenv("GITHUB_TOKEN");
	unsetenv("GH_TOKEN");

	/* No gh on PATH: token_load's answer, word for word. */
	setenv("PATH", dir, 1);
	ck_assert_int_eq(token_find(&t, NULL, "github.com"), ERR_AUTH);
	ck_assert_str_eq(err_last(), "no github token: set GITHUB_TOKEN or GH_TOKEN, or "
	    "pass --token-file");

	setenv("PATH", path, 1);
	fake_gh(dir, "echo \"$*\" >\"$(dirname \"$0\")/args\"; echo gho_fromgh123");
	ck_assert_int_eq(token_find(&t, NULL, "ghe.example:8443"), 0);
	ck_assert_str_eq(token_value(t), "gho_fromgh123");
	ck_assert_str_eq(t->source, "gh auth token");
	token_free(t);
	t = NULL;
	ck_assert_int_eq(buf_read_file(&b, args), 0);
	ck_assert_str_eq(b.ptr, "auth token --hostname ghe.example:8443\n");
	buf_release(&b);

	/* The environment and --token-file come first: gh is not run. */
	unlink(args);
	setenv("GH_TOKEN", "from-env", 1);
	ck_assert_int_eq(token_find(&t, NULL, NULL), 0);
	ck_assert_str_eq(t->source, "GH_TOKEN");
	token_free(t);
	t = NULL;
	unsetenv("GH_TOKEN");
	ck_assert_int_eq(token_find(&t, "/nonexistent/token", NULL), ERR_NOTFOUND);
	ck_assert_int_eq(access(args, F_OK), -1);

	/* A gh that is not logged in, or prints nothing or junk. */
	fake_gh(dir, "echo 'no oauth token' >&2; exit 1");
	ck_assert_int_eq(token_find(&t, NULL, NULL), ERR_AUTH);
	ck_assert_ptr_null(t);
	ck_assert_ptr_nonnull(strstr(err_last(), "and gh gave none"));
	ck_assert_ptr_nonnull(strstr(err_last(), "auth token' failed (not logged in?)"));
	fake_gh(dir, "exit 0");
	ck_assert_int_eq(token_find(&t, NULL, NULL), ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), "printed no token"));
	fake_gh(dir, "echo 'two words'");
	ck_assert_int_eq(token_find(&t, NULL, NULL), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), "github token from gh auth token contains "
	    "whitespace"));
	ck_assert_ptr_null(strstr(err_last(), "two words"));

	setenv("PATH", old_path, 1);
	unlink(args);
	free(args);
	args = xasprintf("%s/gh", dir);
	unlink(args);
	rmdir(dir);
	free(args);
	free(path);
	free(old_path);
}
END_TEST

START_TEST(test_token_file)
{
	char big[TOKEN_MAX + 2];
	struct token *t = NULL;
	char *p;

	/* The file wins over the environment. */
	setenv("GITHUB_TOKEN", "from-env", 1);
	p = write_tmp("from-file\n", 10, 0600);
	ck_assert_int_eq(token_load(&t, p), 0);
	ck_assert_str_eq(token_value(t), "from-file");
	ck_assert_str_eq(t->source, "--token-file");
	token_free(t);
	unlink(p);
	free(p);
	unsetenv("GITHUB_TOKEN");
	/* 0 bytes, TOKEN_MAX bytes, TOKEN_MAX + 1 bytes. */
	p = write_tmp("", 0, 0600);
	ck_assert_int_eq(token_load(&t, p), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "github token from --token-file is empty");
	unlink(p);
	free(p);
	memset(big, 'a', sizeof(big));
	p = write_tmp(big, TOKEN_MAX, 0600);
	ck_assert_int_eq(token_load(&t, p), 0);
	ck_assert_uint_eq(strlen(token_value(t)), TOKEN_MAX);
	token_free(t);
	unlink(p);
	free(p);
	p = write_tmp(big, TOKEN_MAX + 1, 0600);
	ck_assert_int_eq(token_load(&t, p), ERR_LIMIT);
	ck_assert_str_eq(err_last(), "github token from --token-file is longer than 1024 "
	    "bytes");
	unlink(p);
	ck_assert_int_eq(token_load(&t, p), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot read token file: cannot open"));
	ck_assert_int_eq(token_load(&t, "/tmp"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "token file '/tmp' is not a regular file");
	free(p);
}
END_TEST

/* As ssh does for a key: any access by group or others refuses the file. */
START_TEST(test_token_file_mode)
{
	static const int refused[] = { 0644, 0640, 0604, 0660, 0602, 0620, 0610, 0601, 0666 };
	static const int fine[] = { 0600, 0400, 0700 };
	struct token *t = NULL;
	char *p, *want, *odd;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		p = write_tmp("tok\n", 4, refused[i]);
		ck_assert_int_eq(token_load(&t, p), ERR_CONFIG);
		ck_assert_ptr_null(t);
		want = xasprintf("token file '%s' is accessible by group or others (mode %04o): run"
		    " 'chmod 600 %s' and try again", p, refused[i], p);
		ck_assert_str_eq(err_last(), want);
		ck_assert_ptr_null(strstr(err_last(), "tok\n"));
		free(want);
		unlink(p);
		free(p);
	}
	for (i = 0; i < ARRAY_SIZE(fine); i++) {
		p = write_tmp("tok\n", 4, fine[i]);
		ck_assert_int_eq(token_load(&t, p), 0);
		ck_assert_str_eq(token_value(t), "tok");
		token_free(t);
		t = NULL;
		unlink(p);
		free(p);
	}
	/* A name a shell would split is quoted in the command to run. */
	p = write_tmp("tok\n", 4, 0644);
	odd = xasprintf("%s it's", p);
	ck_assert_int_eq(rename(p, odd), 0);
	ck_assert_int_eq(token_load(&t, odd), ERR_CONFIG);
	want = xasprintf("run 'chmod 600 '%s it'\\''s'' and try again", p);
	ck_assert_msg(strstr(err_last(), want) != NULL, "%s", err_last());
	free(want);
	unlink(odd);
	free(odd);
	free(p);
}
END_TEST

Suite *
token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("token");

	tcase_add_test(tc, test_token_env);
	tcase_add_test(tc, test_token_file);
	tcase_add_test(tc, test_token_gh);
	tcase_add_test(tc, test_token_file_mode);
	suite_add_tcase(s, tc);
	return s;
}
