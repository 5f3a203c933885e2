#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/sync/skipcache.h"

#define TREE "1111111111111111111111111111111111111111"
#define BASE "2222222222222222222222222222222222222222"
#define HEAD "3333333333333333333333333333333333333333"

static const struct skipcache_key key = {
	"acme/api", "g1", "chore/sync-files", "d1d1d1d1",
};

static void
state_pending(struct skipcache_state *st)
{
	memset(st, 0, sizeof(*st));
	strcpy(st->source_tree, TREE);
	strcpy(st->base_head, BASE);
	strcpy(st->branch, "chore/sync-files-api-20240101-000000-abcdef0");
	strcpy(st->branch_head, HEAD);
	strcpy(st->outcome, "pending_current");
}

static void
state_uptodate(struct skipcache_state *st)
{
	memset(st, 0, sizeof(*st));
	strcpy(st->source_tree, TREE);
	strcpy(st->base_head, BASE);
	strcpy(st->outcome, "up_to_date");
}

static char *
mktmp(void)
{
	char *dir = xstrdup("/tmp/check-skipcache.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void
rmtmp(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

/* The formatted record with one line replaced (line 0 = the magic). */
static void
text_with_line(struct buf *out, const struct skipcache_state *st, int line, const char *repl)
{
	struct buf b = BUF_INIT;
	char *p, *nl;
	int i = 0;

	skipcache_format(&b, &key, st);
	for (p = b.ptr; *p; p = nl + 1, i++) {
		nl = strchr(p, '\n');
		if (i == line)
			buf_addf(out, "%s\n", repl);
		else
			buf_add(out, p, (size_t)(nl - p + 1));
	}
	buf_release(&b);
}

START_TEST(test_roundtrip)
{
	struct skipcache_state st, got;
	struct buf b = BUF_INIT;

	state_pending(&st);
	skipcache_format(&b, &key, &st);
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 1);
	ck_assert_str_eq(got.source_tree, TREE);
	ck_assert_str_eq(got.base_head, BASE);
	ck_assert_str_eq(got.branch, st.branch);
	ck_assert_str_eq(got.branch_head, HEAD);
	ck_assert_str_eq(got.outcome, "pending_current");
	ck_assert(skipcache_match(&got, &st));
	buf_reset(&b);

	/* What the PR carries comes back; it is not part of the match. */
	st.added = 1;
	st.changed = 12;
	st.deleted = 9999999999999999999ULL;
	skipcache_format(&b, &key, &st);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\nfiles 1 12 9999999999999999999\n"));
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 1);
	ck_assert_uint_eq(got.added, 1);
	ck_assert_uint_eq(got.changed, 12);
	ck_assert_uint_eq(got.deleted, 9999999999999999999ULL);
	got.added = 0;
	ck_assert(skipcache_match(&got, &st));
	buf_reset(&b);

	state_uptodate(&st);
	skipcache_format(&b, &key, &st);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\nbranch -\nhead -\n"));
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 1);
	ck_assert_str_eq(got.branch, "");
	ck_assert_str_eq(got.branch_head, "");
	ck_assert_str_eq(got.outcome, "up_to_date");
	ck_assert(skipcache_match(&got, &st));
	buf_release(&b);
}
END_TEST

START_TEST(test_match)
{
	struct skipcache_state rec, now;

	state_pending(&rec);
	now = rec;
	ck_assert(skipcache_match(&rec, &now));
	now.source_tree[39] = '2';
	ck_assert(!skipcache_match(&rec, &now));
	now = rec;
	now.base_head[0] = '3';
	ck_assert(!skipcache_match(&rec, &now));
	now = rec;
	now.branch_head[5] = 'a';
	ck_assert(!skipcache_match(&rec, &now));
	now = rec;
	strcpy(now.branch, "chore/sync-files-api-other");
	ck_assert(!skipcache_match(&rec, &now));
	/* the branch gone (no PR): no match */
	now = rec;
	now.branch[0] = now.branch_head[0] = '\0';
	ck_assert(!skipcache_match(&rec, &now));
	/* unknown now-state never matches, even an (impossible) empty record */
	memset(&rec, 0, sizeof(rec));
	memset(&now, 0, sizeof(now));
	ck_assert(!skipcache_match(&rec, &now));
}
END_TEST

START_TEST(test_key_mismatch)
{
	struct skipcache_state st, got;
	struct skipcache_key k2 = key;
	struct buf b = BUF_INIT;

	state_pending(&st);
	skipcache_format(&b, &key, &st);
	k2.config_digest = "d2";
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &k2), 0);
	ck_assert_str_eq(got.outcome, "");
	k2 = key;
	k2.branch_prefix = "sync/other";
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &k2), 0);
	k2 = key;
	k2.target = "acme/web";
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &k2), 0);
	k2 = key;
	k2.group = "g2";
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &k2), 0);
	buf_release(&b);
	/* different keys, different files */
	{
		char *p1 = skipcache_path("/c", &key), *p2 = skipcache_path("/c", &k2);

		ck_assert_str_ne(p1, p2);
		ck_assert_int_eq(strncmp(p1, "/c/state/skip-", 14), 0);
		ck_assert_uint_eq(strlen(p1), strlen("/c/state/skip-") + 16 + 4);
		free(p1);
		free(p2);
	}
}
END_TEST

START_TEST(test_corrupt)
{
	static const struct {
		int line;
		const char *repl;
	} bad[] = {
		{ 0, "repocast-skip 2" },
		{ 1, "version 0.0.0-other" },
		{ 6, "tree 111" },
		{ 6, "tree 111111111111111111111111111111111111111G" },
		{ 6, "tree 1111111111111111111111111111111111111111 " },
		{ 7, "base -" },
		{ 7, "bose 2222222222222222222222222222222222222222" },
		{ 9, "head -" },
		{ 9, "head 33" },
		{ 10, "outcome pushed" },
		{ 10, "outcome up_to_date" },   /* up_to_date with a branch */
		{ 10, "outcome" },
		{ 11, "files 1 2" },
		{ 11, "files 1 2 3 4" },
		{ 11, "files 1 2 x" },
		{ 11, "files 1  2 3" },
		{ 11, "files -1 2 3" },
		{ 11, "files 1 2 3 " },
		{ 11, "files 1 2 12345678901234567890" },  /* 20 digits */
		{ 11, "flies 1 2 3" },
	};
	struct skipcache_state st, got;
	struct buf b = BUF_INIT;
	size_t i;

	state_pending(&st);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&b);
		text_with_line(&b, &st, bad[i].line, bad[i].repl);
		ck_assert_msg(skipcache_parse(&got, b.ptr, b.len, &key) == 0, "case %zu", i);
		ck_assert_str_eq(got.source_tree, "");
	}
	/* truncated at every length, trailing bytes, empty */
	buf_reset(&b);
	skipcache_format(&b, &key, &st);
	for (i = 0; i < b.len; i++)
		ck_assert_int_eq(skipcache_parse(&got, b.ptr, i, &key), 0);
	buf_addstr(&b, "x\n");
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 0);
	ck_assert_int_eq(skipcache_parse(&got, "", 0, &key), 0);
	/* a NUL inside a value */
	buf_reset(&b);
	skipcache_format(&b, &key, &st);
	b.ptr[strstr(b.ptr, "branch ") - b.ptr + 8] = '\0';
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 0);
	/* pending_current without a branch */
	buf_reset(&b);
	state_uptodate(&st);
	text_with_line(&b, &st, 10, "outcome pending_current");
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 0);
	buf_release(&b);
}
END_TEST

START_TEST(test_branch_limit)
{
	struct skipcache_state st, got;
	struct buf b = BUF_INIT, name = BUF_INIT;
	size_t i;

	/* a 255-character branch (the max) is recorded ... */
	state_pending(&st);
	memset(st.branch, 'b', SKIPCACHE_BRANCH_MAX);
	st.branch[SKIPCACHE_BRANCH_MAX] = '\0';
	skipcache_format(&b, &key, &st);
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 1);
	ck_assert_uint_eq(strlen(got.branch), SKIPCACHE_BRANCH_MAX);
	/* ... a 256-character one in a file is a miss, and "" (0) is one too */
	for (i = 0; i < SKIPCACHE_BRANCH_MAX + 1; i++)
		buf_addch(&name, 'b');
	buf_reset(&b);
	state_pending(&st);
	{
		struct buf line = BUF_INIT;

		buf_addf(&line, "branch %s", name.ptr);
		text_with_line(&b, &st, 8, line.ptr);
		buf_release(&line);
	}
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 0);
	buf_reset(&b);
	text_with_line(&b, &st, 8, "branch ");
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 0);
	buf_release(&b);
	buf_release(&name);
}
END_TEST

START_TEST(test_files)
{
	struct skipcache_state st, got;
	struct buf b = BUF_INIT;
	char *dir = mktmp(), *path;
	FILE *fp;
	size_t i;

	/* missing: a miss, no error */
	ck_assert_int_eq(skipcache_load(&got, dir, &key), 0);
	ck_assert_str_eq(err_last(), "");
	state_pending(&st);
	ck_assert_int_eq(skipcache_store(dir, &key, &st), 0);
	ck_assert_int_eq(skipcache_load(&got, dir, &key), 1);
	ck_assert(skipcache_match(&got, &st));
	/* overwritten by the next store */
	state_uptodate(&st);
	ck_assert_int_eq(skipcache_store(dir, &key, &st), 0);
	ck_assert_int_eq(skipcache_load(&got, dir, &key), 1);
	ck_assert_str_eq(got.outcome, "up_to_date");
	/* corrupt on disk: a miss */
	path = skipcache_path(dir, &key);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("repocast-skip 1\ngarbage\n", fp);
	fclose(fp);
	ck_assert_int_eq(skipcache_load(&got, dir, &key), 0);
	ck_assert_str_eq(err_last(), "");
	/* the size cap: SKIPCACHE_FILE_MAX bytes read, +1 never */
	fp = fopen(path, "w");
	for (i = 0; i < SKIPCACHE_FILE_MAX + 1; i++)
		fputc('x', fp);
	fclose(fp);
	ck_assert_int_eq(skipcache_load(&got, dir, &key), 0);
	skipcache_format(&b, &key, &st);
	while (b.len < SKIPCACHE_FILE_MAX)
		buf_addch(&b, '\n');
	ck_assert_int_eq(skipcache_parse(&got, b.ptr, b.len, &key), 0);  /* trailing */
	buf_release(&b);
	/* a directory in its place: a miss */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(skipcache_load(&got, dir, &key), 0);
	ck_assert_int_eq(rmdir(path), 0);
	/* forget */
	ck_assert_int_eq(skipcache_store(dir, &key, &st), 0);
	skipcache_forget(dir, &key);
	ck_assert_int_eq(access(path, F_OK), -1);
	skipcache_forget(dir, &key);
	free(path);
	rmtmp(dir);
}
END_TEST

START_TEST(test_store_errors)
{
	struct skipcache_state st;
	struct skipcache_key k2 = key;
	char *dir = mktmp(), *sub;

	state_pending(&st);
	strcpy(st.outcome, "pushed");
	ck_assert_int_eq(skipcache_store(dir, &key, &st), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "skip cache: cannot record outcome 'pushed' of 'acme/api'");
	state_pending(&st);
	strcpy(st.branch, "a\nb");
	ck_assert_int_eq(skipcache_store(dir, &key, &st), ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "skip cache: cannot record outcome 'pending_current' of 'acme/api'");
	state_pending(&st);
	k2.group = "g\n";
	ck_assert_int_eq(skipcache_store(dir, &k2, &st), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "skip cache: line break in the key of 'acme/api'");
	/* an unwritable cache: an error for the caller to ignore */
	sub = xasprintf("%s/file", dir);
	ck_assert_int_eq(close(creat(sub, 0600)), 0);
	ck_assert_int_eq(skipcache_store(sub, &key, &st), ERR_FAIL);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot create directory"));
	free(sub);
	rmtmp(dir);
}
END_TEST

Suite *
skipcache_suite(void)
{
	Suite *s = suite_create("skipcache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_key_mismatch);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_branch_limit);
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_store_errors);
	suite_add_tcase(s, tc);
	return s;
}
