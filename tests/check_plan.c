#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/transform.h"
#include "shared/util.h"
#include "supervisor/config/config.h"
#include "supervisor/sync/plan.h"
#include "supervisor/sync/source.h"
#include "tests/gitfix.h"

/* The default `exclude` list the config loader applies. */
static char *defaults[] = { "*.out", "*.test", "*.exe", "**/.DS_Store", "**/tmp/*", "**/.git" };
#define DEFAULT_EXCLUDE { .v = defaults, .n = ARRAY_SIZE(defaults) }

static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

static struct {
	char *dir;
	git_repository *repo;
	git_tree *tree;
	git_oid sub_commit;
	struct plan_cache *cache;
} fx;

static void
setup(void)
{
	struct gitfix_file files[] = {
		{ "README.md", "# src-org/template\n", 0, 0 },
		{ "LICENSE", "MIT\n", 0, 0 },
		{ ".github/workflows/ci.yml", "name: ci {{NAME}}\n", 0, 0 },
		{ ".github/dependabot.yml", "version: 2\n", 0, 0 },
		{ "src/a.go", "package a\n", 0, 0 },
		{ "src/b.go", "package b\n", 0, 0 },
		{ "src/sub/c.go", "package c\n", 0, 0 },
		{ "src/sub/.hidden.go", "package h\n", 0, 0 },
		{ "src/.env", "X=1\n", 0, 0 },
		{ "src/tmp/x", "scratch\n", 0, 0 },
		{ "src/app.exe", "MZ\n", 0, 0 },
		{ "src/img.png", png, sizeof(png) - 1, 0 },
		{ "src/run.sh", "#!/bin/sh\n", 0, 0100755 },
		{ "src/link", "a.go", 0, 0120000 },
		{ "src/sub2/a.go", "package a2\n", 0, 0 },
		{ "docs/x.md", "x\n", 0, 0 },
		{ "docs/y.txt", "package a\n", 0, 0 }, /* same blob as src/a.go */
	};
	char hex[GIT_OID_HEXSZ + 1];
	git_commit *c = NULL;
	git_oid tip;

	git_libgit2_init();
	fx.dir = gitfix_tmpdir();
	fx.repo = gitfix_init(fx.dir, "main");
	gitfix_commit(&fx.sub_commit, fx.repo, "main", files, ARRAY_SIZE(files));
	git_oid_tostr(hex, sizeof(hex), &fx.sub_commit);
	{
		struct gitfix_file sm[] = { { "src/mod", hex, 0, 0160000 } };

		gitfix_commit(&tip, fx.repo, "main", sm, 1);
	}
	ck_assert_int_eq(git_commit_lookup(&c, fx.repo, &tip), 0);
	ck_assert_int_eq(git_commit_tree(&fx.tree, c), 0);
	git_commit_free(c);
	ck_assert_int_eq(plan_cache_new(&fx.cache, fx.repo), 0);
}

static void
teardown(void)
{
	plan_cache_free(fx.cache);
	git_tree_free(fx.tree);
	git_repository_free(fx.repo);
	gitfix_rmrf(fx.dir);
	free(fx.dir);
	git_libgit2_shutdown();
}

static struct cfg_group
group(void)
{
	struct cfg_group g;

	memset(&g, 0, sizeof(g));
	g.name = "core";
	g.id = "core";
	g.source.repo = "src-org/template";
	g.source.branch = "main";
	return g;
}

static struct cfg_target
target(struct cfg_file *files, size_t nfiles, struct cfg_dir *dirs, size_t ndirs)
{
	struct cfg_target t;

	memset(&t, 0, sizeof(t));
	t.repo = "acme/api";
	t.files = files;
	t.nfiles = nfiles;
	t.dirs = dirs;
	t.ndirs = ndirs;
	return t;
}

static struct cfg_dir
dir(char *src, char *dest)
{
	struct cfg_dir d;

	memset(&d, 0, sizeof(d));
	d.src = src;
	d.dest = dest;
	d.exclude = (struct strv)DEFAULT_EXCLUDE;
	d.preserve_structure = true;
	d.include_hidden = true;
	return d;
}

/* "path mode b/t" lines for all entries, for compact assertions. */
static char *
dump(const struct plan *p)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < p->n; i++)
		buf_addf(&b, "%s %o%s%s\n", p->entries[i].path, p->entries[i].mode,
		    p->entries[i].binary ? " bin" : "", p->entries[i].transform ? " tx" : "");
	return buf_detach(&b, NULL);
}

static void
assert_plan(const struct cfg_group *g, const struct cfg_target *t, const char *want)
{
	struct plan p = PLAN_INIT;
	char *got;
	int rc;

	rc = plan_expand(&p, fx.cache, fx.tree, g, t);
	ck_assert_msg(rc == 0, "plan_expand: %s", err_last());
	got = dump(&p);
	ck_assert_str_eq(got, want);
	free(got);
	plan_release(&p);
}

static void
assert_plan_error(const struct cfg_group *g, const struct cfg_target *t, const char *msg)
{
	struct plan p = PLAN_INIT;

	ck_assert_int_eq(plan_expand(&p, fx.cache, fx.tree, g, t), ERR_CONFIG);
	ck_assert_str_eq(err_last(), msg);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_ptr_null(p.entries);
	ck_assert_uint_eq(p.ndeletes, 0);
}

START_TEST(test_plan_files)
{
	struct cfg_file f[] = {
		{ .src = "README.md", .dest = NULL, .delete = false, .pos = { 3, 5 } },
		{ .src = "src/run.sh", .dest = "bin/run", .delete = false, .pos = { 4, 5 } },
		{ .src = "src/link", .dest = "l", .delete = false, .pos = { 5, 5 } },
		{ .src = "./src/img.png", .dest = "assets/img.png/", .delete = false, .pos = { 6, 5 } },
	};
	struct cfg_group g = group();
	struct cfg_target t = target(f, ARRAY_SIZE(f), NULL, 0);
	struct cfg_kv vars[] = { { "NAME", "api" } };

	assert_plan(&g, &t,
	    "README.md 100644\n"
	    "assets/img.png 100644 bin\n"
	    "bin/run 100755\n"
	    "l 120000\n");
	/* With a transform configured: text files only, never binary or links. */
	t.transform.vars = vars;
	t.transform.nvars = 1;
	assert_plan(&g, &t,
	    "README.md 100644 tx\n"
	    "assets/img.png 100644 bin\n"
	    "bin/run 100755 tx\n"
	    "l 120000\n");
}
END_TEST

START_TEST(test_plan_entry_fields)
{
	struct cfg_file f[] = { { .src = "src/a.go", .dest = "a.go", .delete = false, .pos = { 0, 0 } } };
	struct cfg_group g = group();
	struct cfg_target t = target(f, 1, NULL, 0);
	struct plan p = PLAN_INIT;
	git_tree_entry *e = NULL;

	ck_assert_int_eq(plan_expand(&p, fx.cache, fx.tree, &g, &t), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_str_eq(p.entries[0].path, "a.go");
	ck_assert_str_eq(p.entries[0].src, "src/a.go");
	ck_assert_uint_eq(p.entries[0].size, strlen("package a\n"));
	ck_assert_int_eq(git_tree_entry_bypath(&e, fx.tree, "src/a.go"), 0);
	ck_assert(git_oid_equal(&p.entries[0].oid, git_tree_entry_id(e)));
	git_tree_entry_free(e);
	plan_release(&p);
	ck_assert_ptr_null(p.entries);
	plan_release(&p); /* twice is harmless */
}
END_TEST

START_TEST(test_plan_dir_defaults)
{
	struct cfg_dir d[] = { dir("src", "lib") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);
	struct plan p = PLAN_INIT;

	/* Default excludes drop tmp/x and app.exe; hidden files stay. */
	assert_plan(&g, &t,
	    "lib/.env 100644\n"
	    "lib/a.go 100644\n"
	    "lib/b.go 100644\n"
	    "lib/img.png 100644 bin\n"
	    "lib/link 120000\n"
	    "lib/run.sh 100755\n"
	    "lib/sub/.hidden.go 100644\n"
	    "lib/sub/c.go 100644\n"
	    "lib/sub2/a.go 100644\n");
	/* The submodule is skipped with a note. */
	ck_assert_int_eq(plan_expand(&p, fx.cache, fx.tree, &g, &t), 0);
	ck_assert_uint_eq(p.nnotes, 1);
	ck_assert_str_eq(p.notes[0],
	    "target 'acme/api': skipped submodule 'src/mod' (directories[0])");
	ck_assert_uint_eq(p.nprune, 0);
	ck_assert_uint_eq(p.ndeletes, 0);
	plan_release(&p);
}
END_TEST

START_TEST(test_plan_dir_hidden)
{
	struct cfg_dir d[] = { dir(".", "") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);
	char *ex[] = { "src/", "docs/" };

	d[0].exclude = (struct strv){ .v = ex, .n = 2 };
	assert_plan(&g, &t,
	    ".github/dependabot.yml 100644\n"
	    ".github/workflows/ci.yml 100644\n"
	    "LICENSE 100644\n"
	    "README.md 100644\n");
	d[0].include_hidden = false;
	assert_plan(&g, &t,
	    "LICENSE 100644\n"
	    "README.md 100644\n");
	/* Hidden names deeper down go too. */
	d[0] = dir("src/sub", "x");
	d[0].include_hidden = false;
	assert_plan(&g, &t, "x/c.go 100644\n");
}
END_TEST

START_TEST(test_plan_dir_exclude)
{
	char *ex1[] = { "*.go", "!a.go" };
	char *ex2[] = { "sub/" };
	char *ex3[] = { "/a.go", "*.png", "link", "run.sh", ".*", "sub*" };
	struct cfg_dir d[] = { dir("src", "") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);

	d[0].exclude = (struct strv){ .v = ex1, .n = 2 };
	assert_plan(&g, &t,
	    ".env 100644\n"
	    "a.go 100644\n"
	    "app.exe 100644\n"
	    "img.png 100644 bin\n"
	    "link 120000\n"
	    "run.sh 100755\n"
	    "sub2/a.go 100644\n"
	    "tmp/x 100644\n");
	/* An excluded directory is not descended. */
	d[0].exclude = (struct strv){ .v = ex2, .n = 1 };
	d[0].include_hidden = false;
	assert_plan(&g, &t,
	    "a.go 100644\n"
	    "app.exe 100644\n"
	    "b.go 100644\n"
	    "img.png 100644 bin\n"
	    "link 120000\n"
	    "run.sh 100755\n"
	    "sub2/a.go 100644\n"
	    "tmp/x 100644\n");
	/* Anchored: /a.go is only the top one. */
	d[0].exclude = (struct strv){ .v = ex3, .n = ARRAY_SIZE(ex3) };
	d[0].include_hidden = true;
	assert_plan(&g, &t,
	    "app.exe 100644\n"
	    "b.go 100644\n"
	    "tmp/x 100644\n");
}
END_TEST

START_TEST(test_plan_dir_include_only)
{
	char *inc1[] = { "*.go" };
	char *inc2[] = { "sub/" };
	char *inc3[] = { "c.go", "run.sh" };
	struct cfg_dir d[] = { dir("src", "lib") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);

	d[0].include_only = (struct strv){ .v = inc1, .n = 1 };
	assert_plan(&g, &t,
	    "lib/a.go 100644\n"
	    "lib/b.go 100644\n"
	    "lib/sub/.hidden.go 100644\n"
	    "lib/sub/c.go 100644\n"
	    "lib/sub2/a.go 100644\n");
	/* A directory pattern includes the files below it. */
	d[0].include_only = (struct strv){ .v = inc2, .n = 1 };
	assert_plan(&g, &t,
	    "lib/sub/.hidden.go 100644\n"
	    "lib/sub/c.go 100644\n");
	/* include_only never prunes directories: c.go is found inside sub/. */
	d[0].include_only = (struct strv){ .v = inc3, .n = 2 };
	assert_plan(&g, &t,
	    "lib/run.sh 100755\n"
	    "lib/sub/c.go 100644\n");
	/* Exclude still applies on top. */
	d[0].include_only = (struct strv){ .v = inc1, .n = 1 };
	d[0].exclude = (struct strv){ .v = inc2, .n = 1 };
	assert_plan(&g, &t,
	    "lib/a.go 100644\n"
	    "lib/b.go 100644\n"
	    "lib/sub2/a.go 100644\n");
}
END_TEST

START_TEST(test_plan_flatten)
{
	char *inc[] = { "sub/" };
	char *ex[] = { "sub2/" };
	struct cfg_dir d[] = { dir("src", "flat") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);

	d[0].preserve_structure = false;
	d[0].include_only = (struct strv){ .v = inc, .n = 1 };
	assert_plan(&g, &t,
	    "flat/.hidden.go 100644\n"
	    "flat/c.go 100644\n");
	/* src/a.go and src/sub2/a.go both become flat/a.go. */
	d[0].include_only = (struct strv){ .v = NULL, .n = 0 };
	assert_plan_error(&g, &t, "group 'core', target 'acme/api': destination 'flat/a.go' is "
	    "mapped twice (from source 'src/a.go' and 'src/sub2/a.go')");
	d[0].exclude = (struct strv){ .v = ex, .n = 1 };
	assert_plan(&g, &t,
	    "flat/.env 100644\n"
	    "flat/.hidden.go 100644\n"
	    "flat/a.go 100644\n"
	    "flat/app.exe 100644\n"
	    "flat/b.go 100644\n"
	    "flat/c.go 100644\n"
	    "flat/img.png 100644 bin\n"
	    "flat/link 120000\n"
	    "flat/run.sh 100755\n"
	    "flat/x 100644\n");
}
END_TEST

START_TEST(test_plan_delete_prune)
{
	struct cfg_file f[] = {
		{ .src = NULL, .dest = "old/config.yml", .delete = true, .pos = { 0, 0 } },
		{ .src = "LICENSE", .dest = NULL, .delete = false, .pos = { 0, 0 } },
		{ .src = NULL, .dest = "./Makefile.old", .delete = true, .pos = { 0, 0 } },
		{ .src = NULL, .dest = "old/config.yml", .delete = true, .pos = { 0, 0 } },
	};
	struct cfg_dir d[] = { dir("docs", "docs"), dir(NULL, "legacy/"), dir("src/sub", "s") };
	struct cfg_group g = group();
	struct cfg_target t = target(f, ARRAY_SIZE(f), d, ARRAY_SIZE(d));
	struct plan p = PLAN_INIT;

	d[0].prune = true;
	d[1].delete = true;
	ck_assert_int_eq(plan_expand(&p, fx.cache, fx.tree, &g, &t), 0);
	ck_assert_uint_eq(p.n, 5);
	ck_assert_uint_eq(p.ndeletes, 3);
	ck_assert_str_eq(p.deletes[0], "Makefile.old");
	ck_assert_str_eq(p.deletes[1], "legacy");
	ck_assert_str_eq(p.deletes[2], "old/config.yml");
	ck_assert_uint_eq(p.nprune, 1);
	ck_assert_str_eq(p.prune[0], "docs");
	plan_release(&p);
	/* Deleting what is synced, or a directory above it, is an error. */
	f[0].dest = "LICENSE";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api': 'LICENSE' is both synced "
	    "(from 'LICENSE') and deleted");
	f[0].dest = "s";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api': 's/.hidden.go' is both "
	    "synced (from 'src/sub/.hidden.go') and deleted");
	/* Deleting the whole repository is refused. */
	f[0].dest = "old/x";
	d[1].dest = ".";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', directories[1] '.': "
	    "refusing to delete the repository root");
}
END_TEST

START_TEST(test_plan_missing)
{
	struct cfg_file f[] = { { .src = "nope.txt", .dest = NULL, .delete = false, .pos = { 12, 7 } } };
	struct cfg_dir d[] = { dir("nodir", "x") };
	struct cfg_group g = group();
	struct cfg_target t = target(f, 1, NULL, 0);

	assert_plan_error(&g, &t, "group 'core', target 'acme/api', files[0] 'nope.txt' "
	    "(line 12): source path 'nope.txt' not found in 'src-org/template' branch 'main'");
	f[0].src = "src";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', files[0] 'src' (line 12): "
	    "source path 'src' is a directory (map it under directories:)");
	f[0].src = "src/mod";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', files[0] 'src/mod' "
	    "(line 12): source path 'src/mod' is a submodule, which cannot be synced");
	f[0].src = "src/a.go/x";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', files[0] 'src/a.go/x' "
	    "(line 12): source path 'src/a.go/x' not found in 'src-org/template' branch 'main'");
	f[0].src = "";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', files[0] '' (line 12): "
	    "empty source path");
	f[0].src = NULL;
	f[0].dest = "x";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', files[0] 'x' (line 12): "
	    "no source path");
	t = target(NULL, 0, d, 1);
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', directories[0] 'nodir': "
	    "source directory 'nodir' not found in 'src-org/template' branch 'main'");
	d[0].src = "LICENSE";
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', directories[0] 'LICENSE': "
	    "source path 'LICENSE' is not a directory");
}
END_TEST

START_TEST(test_plan_bad_pattern)
{
	char *ex[] = { "[oops" };
	struct cfg_dir d[] = { dir("src", "x") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);

	d[0].pos.line = 30;
	d[0].exclude = (struct strv){ .v = ex, .n = 1 };
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', directories[0] 'src' "
	    "(line 30): invalid pattern '[oops': unterminated or invalid '[' expression");
	d[0].exclude = (struct strv)DEFAULT_EXCLUDE;
	d[0].include_only = (struct strv){ .v = ex, .n = 1 };
	assert_plan_error(&g, &t, "group 'core', target 'acme/api', directories[0] 'src' "
	    "(line 30): invalid pattern '[oops': unterminated or invalid '[' expression");
}
END_TEST

START_TEST(test_plan_collisions)
{
	struct cfg_file f[] = {
		{ .src = "LICENSE", .dest = "x/LICENSE", .delete = false, .pos = { 0, 0 } },
		{ .src = "README.md", .dest = "x/LICENSE", .delete = false, .pos = { 0, 0 } },
	};
	struct cfg_dir d[] = { dir("src/sub", "lib/a.go") };
	struct cfg_group g = group();
	struct cfg_target t = target(f, 2, NULL, 0);

	assert_plan_error(&g, &t, "group 'core', target 'acme/api': destination 'x/LICENSE' is "
	    "mapped twice (from source 'LICENSE' and 'README.md')");
	/* A file where another mapping needs a directory. */
	f[0].dest = "lib/a.go";
	f[1].dest = NULL;
	t = target(f, 2, d, 1);
	assert_plan_error(&g, &t, "group 'core', target 'acme/api': destination 'lib/a.go' "
	    "(from 'LICENSE') is a file, but 'lib/a.go/.hidden.go' (from 'src/sub/.hidden.go') "
	    "needs it to be a directory");
	/* A file and a directory mapping of the same dest, no clash: fine. */
	f[0].dest = "lib/b.go";
	assert_plan(&g, &t,
	    "README.md 100644\n"
	    "lib/a.go/.hidden.go 100644\n"
	    "lib/a.go/c.go 100644\n"
	    "lib/b.go 100644\n");
}
END_TEST

START_TEST(test_plan_binary_once)
{
	struct cfg_dir d[] = { dir("src", "lib"), dir("docs", "docs") };
	struct cfg_group g = group();
	struct cfg_target t1 = target(NULL, 0, d, 2), t2 = target(NULL, 0, d, 2);
	struct plan p1 = PLAN_INIT, p2 = PLAN_INIT;
	size_t reads;

	t2.repo = "acme/web";
	ck_assert_int_eq(plan_expand(&p1, fx.cache, fx.tree, &g, &t1), 0);
	reads = plan_cache_reads(fx.cache);
	/* 11 files, but src/a.go and docs/y.txt share one blob. */
	ck_assert_uint_eq(p1.n, 11);
	ck_assert_uint_eq(reads, 10);
	ck_assert_int_eq(plan_expand(&p2, fx.cache, fx.tree, &g, &t2), 0);
	ck_assert_uint_eq(plan_cache_reads(fx.cache), reads);
	ck_assert_uint_eq(p2.n, p1.n);
	plan_release(&p1);
	plan_release(&p2);
}
END_TEST

START_TEST(test_plan_cache_grows)
{
	struct gitfix_file *files = xcalloc(3000, sizeof(*files));
	char (*names)[32] = xcalloc(3000, 32), (*data)[32] = xcalloc(3000, 32);
	struct cfg_dir d[] = { dir("many", "") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);
	struct plan p = PLAN_INIT;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_oid tip;
	size_t i;

	for (i = 0; i < 3000; i++) {
		snprintf(names[i], 32, "many/f%04zu", i);
		snprintf(data[i], 32, "%zu%s", i, i % 2 ? "" : "\0");
		files[i].path = names[i];
		files[i].data = data[i];
		files[i].len = strlen(data[i]) + (i % 2 ? 0 : 1);
	}
	gitfix_commit(&tip, fx.repo, "many", files, 3000);
	ck_assert_int_eq(git_commit_lookup(&c, fx.repo, &tip), 0);
	ck_assert_int_eq(git_commit_tree(&tree, c), 0);
	ck_assert_int_eq(plan_expand(&p, fx.cache, tree, &g, &t), 0);
	ck_assert_uint_eq(p.n, 3000);
	for (i = 0; i < 3000; i++)
		ck_assert_int_eq(p.entries[i].binary, i % 2 == 0);
	ck_assert_uint_eq(plan_cache_reads(fx.cache), 3000);
	plan_release(&p);
	/* Everything is cached now. */
	ck_assert_int_eq(plan_expand(&p, fx.cache, tree, &g, &t), 0);
	ck_assert_uint_eq(plan_cache_reads(fx.cache), 3000);
	for (i = 0; i < 3000; i++)
		ck_assert_int_eq(p.entries[i].binary, i % 2 == 0);
	plan_release(&p);
	git_tree_free(tree);
	git_commit_free(c);
	free(files);
	free(names);
	free(data);
}
END_TEST

START_TEST(test_plan_transform)
{
	struct cfg_kv vars[] = { { "NAME", "api" } };
	struct cfg_dir d[] = { dir("docs", "docs") };
	struct cfg_group g = group();
	struct cfg_target t = target(NULL, 0, d, 1);
	struct transform *tx = NULL;
	struct buf out = BUF_INIT;
	static const char in[] = "src-org/template {{NAME}} sec@src.example";

	ck_assert_int_eq(plan_transform_new(&tx, &g, &t), 0);
	ck_assert_ptr_null(tx);
	ck_assert(!plan_has_transform(&g, &t, NULL));
	/* A directory-level transform flags that directory's files only. */
	d[0].has_transform = true;
	d[0].transform.repo_name = true;
	ck_assert(plan_has_transform(&g, &t, &d[0]));
	assert_plan(&g, &t, "docs/x.md 100644 tx\ndocs/y.txt 100644 tx\n");
	/* Same emails on both sides: no email transform. */
	g.source.security_email = "sec@src.example";
	t.security_email = "sec@src.example";
	ck_assert(!plan_has_transform(&g, &t, NULL));
	t.security_email = "security@acme.example";
	ck_assert(plan_has_transform(&g, &t, NULL));
	t.transform.repo_name = true;
	t.transform.vars = vars;
	t.transform.nvars = 1;
	ck_assert_int_eq(plan_transform_new(&tx, &g, &t), 0);
	ck_assert_ptr_nonnull(tx);
	ck_assert_int_eq(transform_apply(&out, tx, "docs/x.md", in, strlen(in)), 1);
	ck_assert_str_eq(out.ptr, "acme/api api security@acme.example");
	transform_free(tx);
	/* A bad target name is reported with the group and target. */
	t.repo = "bad";
	ck_assert_int_eq(plan_transform_new(&tx, &g, &t), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "group 'core', target 'bad': transform: invalid repository "
	    "'bad' for the repo_name transform: expected owner/name");
	buf_release(&out);
}
END_TEST

START_TEST(test_source_open)
{
	struct source s;
	const void *data;
	git_blob *blob = NULL;
	git_oid tip, missing;
	size_t len;
	char *cache = xasprintf("%s/cache", fx.dir);
	char *tx;

	ck_assert_int_eq(git_reference_name_to_id(&tip, fx.repo, "refs/heads/main"), 0);
	ck_assert_int_eq(source_open(&s, cache, fx.dir, "src-org/template", "main", false, NULL), 0);
	ck_assert(git_oid_equal(&s.commit, &tip));
	ck_assert_str_eq(s.commit_hex, git_oid_tostr_s(&tip));
	ck_assert(git_oid_equal(git_tree_id(s.tree), git_tree_id(fx.tree)));
	/* The lock is released once resolved. */
	ck_assert_int_eq(s.mirror.lock_fd, -1);
	{
		git_tree_entry *e = NULL;

		ck_assert_int_eq(git_tree_entry_bypath(&e, s.tree, "LICENSE"), 0);
		ck_assert_int_eq(source_blob(&blob, &data, &len, &s, git_tree_entry_id(e)), 0);
		ck_assert_uint_eq(len, 4);
		ck_assert_int_eq(memcmp(data, "MIT\n", 4), 0);
		git_blob_free(blob);
		git_tree_entry_free(e);
	}
	memset(&missing, 0x42, sizeof(missing));
	ck_assert_int_eq(source_blob(&blob, &data, &len, &s, &missing), ERR_NOTFOUND);
	tx = xasprintf("blob %s not found in source 'src-org/template'",
	    git_oid_tostr_s(&missing));
	ck_assert_str_eq(err_last(), tx);
	free(tx);
	source_close(&s);
	source_close(&s);
	/* A missing branch. */
	ck_assert_int_eq(source_open(&s, cache, fx.dir, "src-org/template", "nope", false, NULL),
	    ERR_NOTFOUND);
	tx = xasprintf("cannot read source 'src-org/template' branch 'nope': cannot fetch '%s': "
	    "branch 'nope' not found", fx.dir);
	ck_assert_str_eq(err_last(), tx);
	free(tx);
	ck_assert_ptr_null(s.tree);
	free(cache);
}
END_TEST

Suite *
plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("expand");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_plan_files);
	tcase_add_test(tc, test_plan_entry_fields);
	tcase_add_test(tc, test_plan_dir_defaults);
	tcase_add_test(tc, test_plan_dir_hidden);
	tcase_add_test(tc, test_plan_dir_exclude);
	tcase_add_test(tc, test_plan_dir_include_only);
	tcase_add_test(tc, test_plan_flatten);
	tcase_add_test(tc, test_plan_delete_prune);
	tcase_add_test(tc, test_plan_missing);
	tcase_add_test(tc, test_plan_bad_pattern);
	tcase_add_test(tc, test_plan_collisions);
	tcase_add_test(tc, test_plan_binary_once);
	tcase_add_test(tc, test_plan_cache_grows);
	tcase_add_test(tc, test_plan_transform);
	tcase_add_test(tc, test_source_open);
	suite_add_tcase(s, tc);
	return s;
}
