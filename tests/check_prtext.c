/*
 * Unit tests for supervisor/github/prtext.c: title, go-broadcast-compatible branch
 * names (written and parsed), the PR body with its metadata block and
 * limits, and reading repocast and go-broadcast metadata back.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/prtext.h"

#define SRC "0123456789abcdef0123456789abcdef01234567"
#define DIGEST "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
/* 2024-01-15 12:05:30 UTC */
#define WHEN ((time_t)1705320330)

START_TEST(test_title)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(prtext_title(&b, SRC), 0);
	ck_assert_str_eq(b.ptr, "[Sync] Update project files from source repository "
	    "(0123456)");
	buf_reset(&b);
	ck_assert_int_eq(prtext_title(&b, "ABCDEF1"), 0);
	ck_assert_str_eq(b.ptr, "[Sync] Update project files from source repository "
	    "(abcdef1)");
	buf_reset(&b);
	ck_assert_int_eq(prtext_title(&b, "abc12"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "bad commit id 'abc12': need at least 7 hex digits");
	ck_assert_str_eq(b.ptr, "");
	buf_release(&b);
}
END_TEST

START_TEST(test_scope)
{
	static const char *const cases[][2] = {
		{ "acme/api", "api" },
		{ "acme/my.repo", "my-repo" },
		{ "acme/.github", "github" },
		{ "acme/a..b__c", "a-b__c" },
		{ "acme/-x-", "x" },
		{ "acme/...", "unknown" },
		{ "bare", "bare" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		buf_reset(&b);
		prtext_scope(&b, cases[i][0]);
		ck_assert_str_eq(b.ptr, cases[i][1]);
	}
	buf_release(&b);
}
END_TEST

START_TEST(test_branch_name)
{
	struct buf b = BUF_INIT;
	struct prtext_branch br;

	ck_assert_int_eq(prtext_branch(&b, "chore/sync-files", "acme/my.api", WHEN, SRC), 0);
	ck_assert_str_eq(b.ptr, "chore/sync-files-my-api-20240115-120530-0123456");
	ck_assert_int_eq(prtext_branch_parse(&br, b.ptr, "chore/sync-files"), 0);
	ck_assert_str_eq(br.scope, "my-api");
	ck_assert_str_eq(br.commit, "0123456");
	ck_assert_int_eq(br.when, WHEN);
	buf_reset(&b);
	ck_assert_int_eq(prtext_branch(&b, "", "acme/api", WHEN, SRC), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid branch prefix '': empty");
	ck_assert_int_eq(prtext_branch(&b, "sync files", "acme/api", WHEN, SRC), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid branch prefix 'sync files': only letters, "
	    "digits, '/', '_' and '-' are allowed");
	ck_assert_int_eq(prtext_branch(&b, "sync", "acme/api", WHEN, "xyz"), ERR_CONFIG);
	ck_assert_str_eq(b.ptr, "");
	buf_release(&b);
}
END_TEST

START_TEST(test_branch_parse)
{
	static const char *const not_sync[] = {
		"chore/sync-files",
		"chore/sync-files-",
		"chore/sync-files-by-hand",
		"chore/sync-filesX-api-20240115-120530-abc",
		"other/chore/sync-files-api-20240115-120530-abc",
		"chore/sync-files-api-20240115-120530-",
		"chore/sync-files-api-20240115-120530-xyz1234",
		"chore/sync-files-api-2024011-120530-abc1234",
		"chore/sync-files-api-20240115-12053-abc1234",
		"chore/sync-files--20240115-120530-abc1234",
		"chore/sync-files-a.b-20240115-120530-abc1234",
		"chore/sync-files-api-20241315-120530-abc1234",
		"chore/sync-files-api-20240230-120530-abc1234",
		"chore/sync-files-api-20240115-250530-abc1234",
		"chore/sync-files-20240115-120530-abc1234",
	};
	struct prtext_branch br;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(not_sync); i++) {
		ck_assert_msg(prtext_branch_parse(&br, not_sync[i], "chore/sync-files") ==
		    ERR_NOTFOUND, "%s parsed", not_sync[i]);
		ck_assert_str_eq(br.scope, "");
	}
	ck_assert_str_eq(err_last(), "'chore/sync-files-20240115-120530-abc1234' is not a "
	    "sync branch of 'chore/sync-files'");
	/* A scope with dashes, an old group-id scope, a long upper-case commit. */
	ck_assert_int_eq(prtext_branch_parse(&br, "chore/sync-files-my-api-20240115-"
	    "120530-ABCDEF0123", "chore/sync-files"), 0);
	ck_assert_str_eq(br.scope, "my-api");
	ck_assert_str_eq(br.commit, "ABCDEF0123");
	ck_assert_int_eq(prtext_branch_parse(&br, "sync/template-grp_1-20231231-235959-"
	    "abc123", "sync/template"), 0);
	ck_assert_str_eq(br.scope, "grp_1");
	ck_assert_int_eq(br.when, 1704067199);
}
END_TEST

static const struct prtext_change changes[] = {
	{ ".github/workflows/ci.yml", "modified" },
	{ "LICENSE", "added" },
	{ "old.txt", "deleted" },
};

static struct prtext_in
input(const struct prtext_change *files, size_t n)
{
	struct prtext_in in = { "acme/templates", "main", SRC, "acme/api", "develop",
		DIGEST, files, n, NULL, NULL, 0 };

	return in;
}

START_TEST(test_body_roundtrip)
{
	struct prtext_in in = input(changes, 3);
	struct prtext_meta m;
	struct buf b = BUF_INIT;

	ck_assert_int_eq(prtext_body(&b, &in, 0), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, "## What changed\n\nrepocast synced files from "
	    "`acme/templates` (branch `main`) at commit `" SRC "` into `acme/api` (base "
	    "`develop`).\n\n3 files changed (1 added, 1 modified, 1 deleted):\n\n"
	    "- `.github/workflows/ci.yml` (modified)\n- `LICENSE` (added)\n"
	    "- `old.txt` (deleted)\n\n<!-- repocast-metadata {"));
	ck_assert_int_eq(b.ptr[b.len - 1], '\n');
	ck_assert_ptr_nonnull(strstr(b.ptr, " -->\n"));
	ck_assert_int_eq(prtext_meta_parse(&m, b.ptr), 0);
	ck_assert_int_eq(m.origin, PRTEXT_REPOCAST);
	ck_assert_int_eq(m.version, 1);
	ck_assert_str_eq(m.source_repo, "acme/templates");
	ck_assert_str_eq(m.source_branch, "main");
	ck_assert_str_eq(m.source_commit, SRC);
	ck_assert_str_eq(m.target_repo, "acme/api");
	ck_assert_str_eq(m.target_branch, "develop");
	ck_assert_str_eq(m.config_digest, DIGEST);
	ck_assert_uint_eq(m.nfiles, 3);
	ck_assert_uint_eq(m.file_count, 3);
	ck_assert(!m.files_truncated);
	ck_assert_str_eq(m.files[2].path, "old.txt");
	ck_assert_str_eq(m.files[2].status, "deleted");
	prtext_meta_release(&m);
	buf_release(&b);
}
END_TEST

START_TEST(test_body_modules)
{
	static const struct prtext_module mods[] = {
		{ "pkg/errors", "vendor/errors", "v1.2.0", SRC },
		{ "pkg/log", "pkg/log", NULL, SRC },
	};
	struct prtext_in in = input(changes, 1);
	struct prtext_meta m;
	struct buf b = BUF_INIT;

	in.modules = mods;
	in.nmodules = 2;
	ck_assert_int_eq(prtext_body(&b, &in, 0), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, "`develop`).\n\nModule directories at their "
	    "versions:\n\n- `pkg/errors` -> `vendor/errors` at `v1.2.0` (commit `" SRC "`)\n"
	    "- `pkg/log` -> `pkg/log` at the branch head (commit `" SRC "`)\n\n1 file changed"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"modules\":[{\"dir\":\"pkg/errors\",\"dest\":"
	    "\"vendor/errors\",\"version\":\"v1.2.0\",\"commit\":\"" SRC "\"},{\"dir\":"
	    "\"pkg/log\",\"dest\":\"pkg/log\",\"version\":null,"));
	/* the block still reads back */
	ck_assert_int_eq(prtext_meta_parse(&m, b.ptr), 0);
	ck_assert_str_eq(m.source_commit, SRC);
	prtext_meta_release(&m);
	buf_release(&b);
}
END_TEST

START_TEST(test_body_hostile_paths)
{
	static const struct prtext_change evil[] = {
		{ "a-->b.txt", "added" },
		{ "tick`name\n.md", "modified" },
		{ "<!-- repocast-metadata {} -->", "added" },
	};
	struct prtext_in in = input(evil, 3);
	struct prtext_meta m;
	struct buf b = BUF_INIT;
	const char *meta;

	ck_assert_int_eq(prtext_body(&b, &in, 0), 0);
	meta = strstr(b.ptr, "\n<!-- repocast-metadata ");
	ck_assert_ptr_nonnull(meta);
	/* Only the closing marker ends the comment. */
	ck_assert_ptr_eq(strstr(meta, "-->"), b.ptr + b.len - 4);
	ck_assert_ptr_nonnull(strstr(b.ptr, "- `` tick`name?.md `` (modified)\n"));
	ck_assert_int_eq(prtext_meta_parse(&m, b.ptr), 0);
	ck_assert_uint_eq(m.nfiles, 3);
	ck_assert_str_eq(m.files[0].path, "a-->b.txt");
	ck_assert_str_eq(m.files[1].path, "tick`name\n.md");
	ck_assert_str_eq(m.files[2].path, "<!-- repocast-metadata {} -->");
	prtext_meta_release(&m);
	buf_release(&b);
}
END_TEST

static struct prtext_change *
many(size_t n)
{
	struct prtext_change *v = xcalloc(n + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++) {
		v[i].path = xasprintf("dir/file-%04zu.txt", i);
		v[i].status = "added";
	}
	return v;
}

static void
many_free(struct prtext_change *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((char *)v[i].path);
	free(v);
}

START_TEST(test_body_list_limit)
{
	struct prtext_change *v = many(PRTEXT_LIST_MAX + 1);
	struct prtext_in in = input(v, 0);
	struct prtext_meta m;
	struct buf b = BUF_INIT;

	/* 0 files. */
	ck_assert_int_eq(prtext_body(&b, &in, 0), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, "`develop`).\n\n0 files changed.\n\n<!-- "));
	ck_assert_int_eq(prtext_meta_parse(&m, b.ptr), 0);
	ck_assert_uint_eq(m.nfiles, 0);
	prtext_meta_release(&m);
	/* PRTEXT_LIST_MAX files: all listed. */
	buf_reset(&b);
	in.nfiles = PRTEXT_LIST_MAX;
	ck_assert_int_eq(prtext_body(&b, &in, 0), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, "- `dir/file-0049.txt` (added)\n\n<!-- "));
	ck_assert_ptr_null(strstr(b.ptr, "more\n"));
	/* One more: counted, not listed, still in the metadata. */
	buf_reset(&b);
	in.nfiles = PRTEXT_LIST_MAX + 1;
	ck_assert_int_eq(prtext_body(&b, &in, 0), 0);
	ck_assert_ptr_null(strstr(b.ptr, "- `dir/file-0050.txt`"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "- ...and 1 more\n"));
	ck_assert_int_eq(prtext_meta_parse(&m, b.ptr), 0);
	ck_assert_uint_eq(m.nfiles, PRTEXT_LIST_MAX + 1);
	ck_assert_str_eq(m.files[PRTEXT_LIST_MAX].path, "dir/file-0050.txt");
	prtext_meta_release(&m);
	buf_release(&b);
	many_free(v, PRTEXT_LIST_MAX + 1);
}
END_TEST

START_TEST(test_body_size_limit)
{
	struct prtext_change *v = many(4000);
	struct prtext_in in = input(v, 4000);
	struct prtext_meta m;
	struct buf b = BUF_INIT;
	size_t full, small, meta_len, head_len;

	/* 4000 files do not fit 64 KiB with their list: metadata drops it. */
	ck_assert_int_eq(prtext_body(&b, &in, 0), 0);
	ck_assert_uint_le(b.len, PRTEXT_BODY_MAX);
	ck_assert_int_eq(prtext_meta_parse(&m, b.ptr), 0);
	ck_assert(m.files_truncated);
	ck_assert_uint_eq(m.nfiles, 0);
	ck_assert_uint_eq(m.file_count, 4000);
	ck_assert_str_eq(m.source_commit, SRC);
	prtext_meta_release(&m);
	/* Exactly enough room for the full body: nothing dropped. */
	in.nfiles = 3;
	in.files = changes;
	buf_reset(&b);
	ck_assert_int_eq(prtext_body(&b, &in, 100000), 0);
	full = b.len;
	meta_len = full - (size_t)(strstr(b.ptr, "<!-- repocast-metadata") - b.ptr);
	head_len = (size_t)(strstr(b.ptr, "- `") - b.ptr);
	buf_reset(&b);
	ck_assert_int_eq(prtext_body(&b, &in, full + 48), 0);
	ck_assert_uint_eq(b.len, full);
	ck_assert_ptr_null(strstr(b.ptr, "more\n"));
	/* One byte less: the visible list loses its last line first. */
	buf_reset(&b);
	ck_assert_int_eq(prtext_body(&b, &in, full + 47), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, "- `LICENSE` (added)\n- ...and 1 more\n"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"files\":["));
	/* Room for the metadata with its file list, none for the list. */
	buf_reset(&b);
	ck_assert_int_eq(prtext_body(&b, &in, head_len + 1 + meta_len + 48), 0);
	ck_assert_ptr_nonnull(strstr(b.ptr, ":\n\n- ...and 3 more\n"));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"files\":["));
	/* One byte less: the file list comes out of the metadata. */
	buf_reset(&b);
	ck_assert_int_eq(prtext_body(&b, &in, head_len + 1 + meta_len + 47), 0);
	ck_assert_ptr_null(strstr(b.ptr, "\"files\":["));
	ck_assert_ptr_nonnull(strstr(b.ptr, "\"files_truncated\":true"));
	ck_assert_uint_le(b.len, head_len + 1 + meta_len + 47);
	/* Too small for anything: an error, nothing written. */
	small = 100;
	buf_reset(&b);
	ck_assert_int_eq(prtext_body(&b, &in, small), ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot write the pull request body: "));
	ck_assert_ptr_nonnull(strstr(err_last(), "bytes needed, 100 allowed"));
	ck_assert_uint_eq(b.len, 0);
	in.source_commit = NULL;
	ck_assert_int_eq(prtext_body(&b, &in, 0), ERR_CONFIG);
	ck_assert_uint_eq(b.len, 0);
	buf_release(&b);
	many_free(v, 4000);
}
END_TEST

/* The block exactly as go-broadcast's writeMetadataBlock writes it. */
static const char gb_body[] =
    "## What Changed\n* Updated 2 individual file(s)\n\n"
    "<!-- go-broadcast-metadata\n"
    "sync_metadata:\n"
    "  source_repo: acme/templates\n"
    "  source_commit: fedcba9876543210fedcba9876543210fedcba98\n"
    "  target_repo: acme/api\n"
    "  sync_commit: 1111111111111111111111111111111111111111\n"
    "  sync_time: 2024-01-10T09:00:00Z\n"
    "directories:\n"
    "  - src: .github/coverage\n"
    "    dest: .github/coverage\n"
    "    excluded: [\"*.out\", \"*.test\"]\n"
    "    files_synced: 61\n"
    "performance:\n"
    "  source_commit: not-this-one\n"
    "-->\n";

START_TEST(test_meta_go_broadcast)
{
	struct prtext_meta m;
	char *crlf;
	size_t i, j;

	ck_assert_int_eq(prtext_meta_parse(&m, gb_body), 0);
	ck_assert_int_eq(m.origin, PRTEXT_GO_BROADCAST);
	ck_assert_str_eq(m.source_repo, "acme/templates");
	ck_assert_str_eq(m.source_commit, "fedcba9876543210fedcba9876543210fedcba98");
	ck_assert_str_eq(m.target_repo, "acme/api");
	ck_assert_str_eq(m.sync_commit, "1111111111111111111111111111111111111111");
	ck_assert_ptr_null(m.config_digest);
	prtext_meta_release(&m);
	/* The same with CRLF line ends (edited in a browser) and quoting. */
	crlf = xmalloc(2 * sizeof(gb_body));
	for (i = j = 0; gb_body[i] != '\0'; i++) {
		if (gb_body[i] == '\n')
			crlf[j++] = '\r';
		crlf[j++] = gb_body[i];
	}
	crlf[j] = '\0';
	ck_assert_int_eq(prtext_meta_parse(&m, crlf), 0);
	ck_assert_str_eq(m.source_commit, "fedcba9876543210fedcba9876543210fedcba98");
	ck_assert_str_eq(m.target_repo, "acme/api");
	prtext_meta_release(&m);
	free(crlf);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- go-broadcast:metadata\nsync_metadata:\n"
	    "  source_repo: 'acme/t'\n  source_commit: \"abc\"\n-->"), 0);
	ck_assert_str_eq(m.source_repo, "acme/t");
	ck_assert_str_eq(m.source_commit, "abc");
	ck_assert_ptr_null(m.target_repo);
	prtext_meta_release(&m);
}
END_TEST

START_TEST(test_meta_errors)
{
	struct prtext_meta m;

	ck_assert_int_eq(prtext_meta_parse(&m, "just a body"), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "no metadata block in the pull request body");
	prtext_meta_release(&m);
	ck_assert_int_eq(prtext_meta_parse(&m, NULL), ERR_NOTFOUND);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- repocast-metadata {\"version\":1"),
	    ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad repocast-metadata block: no closing '-->'");
	prtext_meta_release(&m);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- repocast-metadata {oops} -->"),
	    ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "bad repocast-metadata block: "));
	prtext_meta_release(&m);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- repocast-metadata {\"version\":1,"
	    "\"source_repo\":\"a/b\"} -->"), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad repocast-metadata block: source_repo, "
	    "source_commit and target_repo are required");
	prtext_meta_release(&m);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- repocast-metadata [] -->"), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad repocast-metadata block: no version");
	prtext_meta_release(&m);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- go-broadcast-metadata\nfiles: []\n"
	    "-->"), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad go-broadcast-metadata block: no sync_metadata");
	prtext_meta_release(&m);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- go-broadcast-metadata\nsync_metadata:"
	    "\n  target_repo: a/b\n-->"), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad go-broadcast-metadata block: source_repo and "
	    "source_commit are required");
	prtext_meta_release(&m);
	ck_assert_int_eq(prtext_meta_parse(&m, "<!-- go-broadcast-metadata\nsync_metadata:"),
	    ERR_PROTO);
	prtext_meta_release(&m);
}
END_TEST

START_TEST(test_meta_last_block_wins)
{
	struct prtext_meta m;
	const char *body =
	    "> quoted: <!-- repocast-metadata {\"version\":1,\"source_repo\":\"a/b\","
	    "\"source_commit\":\"old\",\"target_repo\":\"a/c\"} -->\n\n"
	    "<!-- repocast-metadata {\"version\":2,\"source_repo\":\"a/b\","
	    "\"source_commit\":\"new\",\"target_repo\":\"a/c\",\"future\":1} -->\n";

	ck_assert_int_eq(prtext_meta_parse(&m, body), 0);
	ck_assert_str_eq(m.source_commit, "new");
	ck_assert_int_eq(m.version, 2);
	prtext_meta_release(&m);
}
END_TEST

START_TEST(test_commit_eq)
{
	ck_assert(prtext_commit_eq(SRC, SRC));
	ck_assert(prtext_commit_eq(SRC, "0123456789ABCDEF0123456789ABCDEF01234567"));
	ck_assert(!prtext_commit_eq(SRC, "0123456789abcdef0123456789abcdef01234568"));
	ck_assert(!prtext_commit_eq("0123456", "0123456"));
	ck_assert(!prtext_commit_eq(SRC, "0123456"));
	ck_assert(!prtext_commit_eq(SRC "0", SRC "0"));
	ck_assert(!prtext_commit_eq(NULL, SRC));
	ck_assert(!prtext_commit_eq("zz23456789abcdef0123456789abcdef01234567",
	    "zz23456789abcdef0123456789abcdef01234567"));
	ck_assert(prtext_commit_eq(SRC "0123456789abcdef01234567", SRC
	    "0123456789abcdef01234567"));
}
END_TEST

Suite *
prtext_suite(void)
{
	Suite *s = suite_create("prtext");
	TCase *names = tcase_create("names");
	TCase *body = tcase_create("body");
	TCase *meta = tcase_create("metadata");

	tcase_add_test(names, test_title);
	tcase_add_test(names, test_body_modules);
	tcase_add_test(names, test_scope);
	tcase_add_test(names, test_branch_name);
	tcase_add_test(names, test_branch_parse);
	tcase_add_test(body, test_body_roundtrip);
	tcase_add_test(body, test_body_hostile_paths);
	tcase_add_test(body, test_body_list_limit);
	tcase_add_test(body, test_body_size_limit);
	tcase_add_test(meta, test_meta_go_broadcast);
	tcase_add_test(meta, test_meta_errors);
	tcase_add_test(meta, test_meta_last_block_wins);
	tcase_add_test(meta, test_commit_eq);
	suite_add_tcase(s, names);
	suite_add_tcase(s, body);
	suite_add_tcase(s, meta);
	return s;
}
