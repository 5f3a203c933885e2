#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/config/config.h"

/* A valid group header: the first target starts on line 8. */
#define GROUPS \
	"groups:\n" \
	"  - name: g\n" \
	"    id: g\n" \
	"    source:\n" \
	"      repo: a/src\n" \
	"    targets:\n"
#define HDR "version: 1\n" GROUPS
#define TGT(repo) \
	"      - repo: " repo "\n" \
	"        files:\n" \
	"          - src: x\n" \
	"            dest: x\n"

/* All error messages of a load, one per line. */
static char *
joined(const struct cfg_errors *errs)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < errs->n; i++)
		buf_addf(&b, "%s\n", errs->v[i].msg);
	return buf_detach(&b, NULL);
}

static struct cfg *
load_ok(const char *yaml)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	char *all;
	int rc = cfg_load_mem(&c, "t.yaml", yaml, strlen(yaml), &errs);

	all = joined(&errs);
	ck_assert_msg(rc == 0, "unexpected errors:\n%s", all);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(errs.n, 0);
	free(all);
	cfg_errors_release(&errs);
	return c;
}

/* Load len bytes; assert it fails with exactly the expected error lines. */
static void
expect_errs_len(const char *yaml, size_t len, const char *expected)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = (struct cfg *)1;
	char *all;
	int rc = cfg_load_mem(&c, "t.yaml", yaml, len, &errs);

	all = joined(&errs);
	ck_assert_int_eq(rc, ERR_CONFIG);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(all, expected);
	free(all);
	cfg_errors_release(&errs);
}

static void
expect_errs(const char *yaml, const char *expected)
{
	expect_errs_len(yaml, strlen(yaml), expected);
}

/* ---- defaults and the full example ---- */

START_TEST(test_defaults)
{
	struct cfg *c = load_ok(HDR TGT("a/b")
	    "        directories:\n"
	    "          - src: d\n"
	    "            dest: d\n");
	const struct cfg_group *g = &c->groups[0];
	const struct cfg_target *t = &g->targets[0];
	const struct cfg_dir *d = &t->dirs[0];

	ck_assert_int_eq(c->version, 1);
	ck_assert_ptr_null(c->name);
	ck_assert_uint_eq(c->ngroups, 1);
	ck_assert_str_eq(g->source.branch, "main");
	ck_assert_str_eq(g->defaults.branch_prefix, "chore/sync-files");
	ck_assert(g->enabled);
	ck_assert_int_eq(g->priority, 0);
	ck_assert_ptr_null(t->branch);
	ck_assert_uint_eq(t->pr.labels.n, 1);
	ck_assert_str_eq(t->pr.labels.v[0], "automated-sync");
	ck_assert_uint_eq(t->pr.assignees.n, 0);
	ck_assert_uint_eq(d->exclude.n, 6);
	ck_assert_str_eq(d->exclude.v[0], "*.out");
	ck_assert_str_eq(d->exclude.v[5], "**/.git");
	ck_assert(d->preserve_structure);
	ck_assert(d->include_hidden);
	ck_assert(!d->has_transform);
	ck_assert(!d->module.present);
	ck_assert_int_eq(c->rc.jobs, 0);
	ck_assert_uint_eq(c->rc.timeout_ms, 600000);
	ck_assert_int_eq(c->rc.retries, 1);
	ck_assert_str_eq(c->rc.api_url, "https://api.github.com");
	ck_assert_str_eq(c->rc.git_url, "https://github.com");
	ck_assert_str_eq(c->rc.report_dir, ".repocast/runs");
	ck_assert_uint_eq(c->rc.report_formats.n, 6); /* json md html junit trace prom */
	ck_assert_ptr_nonnull(strstr(c->rc.cache_dir, "repocast"));
	/* GitHub.com's pace; outward symlinks refused */
	ck_assert_uint_eq(c->rc.api_write_interval_ms, 1000);
	ck_assert_int_eq(c->rc.api_creates_per_minute, 80);
	ck_assert_int_eq(c->rc.api_creates_per_hour, 500);
	ck_assert(!c->rc.keep_symlinks);
	ck_assert(!c->preflight.present);
	ck_assert(c->preflight.enabled);
	ck_assert_int_eq(c->preflight.primary_margin_percent, 20);
	ck_assert_int_eq(c->preflight.secondary_reserve, 10);
	ck_assert_uint_eq(c->rc.mem_bytes, 0);
	cfg_free(c);
}
END_TEST

START_TEST(test_cache_dir_default)
{
	char *home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	char *xdg = getenv("XDG_CACHE_HOME") ? xstrdup(getenv("XDG_CACHE_HOME")) : NULL;
	struct cfg *c;

	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	c = load_ok(HDR TGT("a/b"));
	ck_assert_str_eq(c->rc.cache_dir, "/x/cache/repocast");
	cfg_free(c);
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/home/u", 1);
	c = load_ok(HDR TGT("a/b"));
	ck_assert_str_eq(c->rc.cache_dir, "/home/u/.cache/repocast");
	cfg_free(c);
	unsetenv("HOME");
	c = load_ok(HDR TGT("a/b"));
	ck_assert_str_eq(c->rc.cache_dir, ".repocast/cache");
	cfg_free(c);
	if (home != NULL)
		setenv("HOME", home, 1);
	if (xdg != NULL)
		setenv("XDG_CACHE_HOME", xdg, 1);
	free(home);
	free(xdg);
}
END_TEST

START_TEST(test_full_example)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	const struct cfg_group *g;
	const struct cfg_target *t;
	const struct cfg_dir *d;
	size_t order[2];

	ck_assert_int_eq(cfg_load(&c, "tests/data/config/full.yaml", &errs), 0);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_str_eq(c->path, "tests/data/config/full.yaml");
	/* git hash-object tests/data/config/full.yaml */
	ck_assert_str_eq(c->digest, "c0622e5d16f7cab48de38b59192643995f56e5e2");
	ck_assert_str_eq(c->name, "Platform files");
	ck_assert_str_eq(c->id, "platform-2025");
	ck_assert_uint_eq(c->nfile_lists, 2);
	ck_assert_str_eq(c->file_lists[1].id, "lint-files");
	ck_assert_str_eq(c->file_lists[0].description, "GitHub Actions shared by every service");
	ck_assert_uint_eq(c->file_lists[1].nfiles, 3);
	ck_assert(c->file_lists[1].files[2].delete);
	ck_assert_ptr_null(c->file_lists[1].files[2].src);
	ck_assert_uint_eq(c->ndir_lists, 1);
	ck_assert_uint_eq(c->dir_lists[0].ndirs, 2);
	ck_assert_uint_eq(c->npresets, 1);
	ck_assert(c->preflight.present && c->preflight.enabled && !c->preflight.fail_closed);
	ck_assert_int_eq(c->preflight.primary_margin_percent, 25);
	ck_assert_int_eq(c->preflight.secondary_reserve, 15);

	ck_assert_uint_eq(c->ngroups, 2);
	g = &c->groups[0];
	ck_assert_str_eq(g->name, "Core infrastructure");
	ck_assert_str_eq(g->id, "core");
	ck_assert_str_eq(g->description, "Licence, CI and lint configuration for every service");
	ck_assert_int_eq(g->priority, 1);
	ck_assert(g->enabled);
	ck_assert_str_eq(g->source.repo, "acme/template");
	ck_assert_str_eq(g->source.branch, "main");
	ck_assert_str_eq(g->source.blob_size_limit, "10m");
	ck_assert_str_eq(g->source.security_email, "security@acme.example");
	ck_assert_str_eq(g->source.support_email, "support@acme.example");
	ck_assert_uint_eq(g->global.labels.n, 2);
	ck_assert_str_eq(g->global.team_reviewers.v[0], "platform");
	ck_assert_str_eq(g->defaults.branch_prefix, "chore/sync-files");
	ck_assert_str_eq(g->defaults.assign.labels.v[0], "maintenance");
	ck_assert_str_eq(g->defaults.assign.team_reviewers.v[0], "default-team");
	ck_assert_uint_eq(g->ntargets, 2);

	t = &g->targets[0];
	ck_assert_str_eq(t->repo, "acme/api");
	ck_assert_ptr_null(t->branch);
	/* ci-files (2) + lint-files (3) + LICENSE; ci.yml overridden inline. */
	ck_assert_uint_eq(t->nfiles, 6);
	ck_assert_str_eq(t->files[0].dest, ".github/workflows/ci.yml");
	ck_assert_str_eq(t->files[0].src, "ci/api-ci.yml");
	ck_assert_ptr_null(t->files[0].list_id);
	ck_assert_str_eq(t->files[1].list_id, "ci-files");
	ck_assert_str_eq(t->files[4].dest, ".travis.yml");
	ck_assert(t->files[4].delete);
	ck_assert_str_eq(t->files[5].dest, "LICENSE");
	ck_assert_uint_eq(t->ndirs, 2);
	ck_assert_str_eq(t->dirs[1].dest, ".github/actions");
	ck_assert_uint_eq(t->dirs[1].exclude.n, 2);
	ck_assert(!t->dirs[1].include_hidden);
	ck_assert_str_eq(t->dirs[1].list_id, "github-dir");
	ck_assert_uint_eq(t->file_list_refs.n, 2);
	ck_assert_uint_eq(t->dir_list_refs.n, 1);
	ck_assert(t->transform.repo_name);
	ck_assert_uint_eq(t->transform.nvars, 2);
	ck_assert_str_eq(t->transform.vars[0].key, "SERVICE_NAME");
	ck_assert_str_eq(t->transform.vars[1].key, "PORT");
	ck_assert_str_eq(t->transform.vars[1].value, "8080");
	ck_assert_str_eq(t->security_email, "api-security@acme.example");
	ck_assert_str_eq(t->support_email, "api@acme.example");
	ck_assert_str_eq(t->blob_size_limit, "50M");
	ck_assert_uint_eq(t->pr.labels.n, 3);
	ck_assert_str_eq(t->pr.labels.v[2], "api");
	ck_assert_str_eq(t->pr.assignees.v[1], "api-owner");
	ck_assert_str_eq(t->pr.reviewers.v[1], "api-lead");
	ck_assert_str_eq(t->pr.team_reviewers.v[1], "api-team");
	ck_assert_str_eq(t->own.labels.v[0], "api");

	t = &g->targets[1];
	ck_assert_str_eq(t->branch, "develop");
	ck_assert_uint_eq(t->ndirs, 4);
	d = &t->dirs[0];
	ck_assert_str_eq(d->src, "tools");
	ck_assert_uint_eq(d->exclude.n, 1);
	ck_assert_uint_eq(d->include_only.n, 2);
	ck_assert(!d->preserve_structure && !d->include_hidden && d->has_transform);
	ck_assert_str_eq(d->transform.vars[0].value, "production");
	d = &t->dirs[1];
	ck_assert(d->module.present);
	ck_assert_str_eq(d->module.type, "go");
	ck_assert_str_eq(d->module.version, "v1.4.0");
	ck_assert(d->module.check_tags && d->module.update_refs);
	ck_assert(t->dirs[2].delete);
	ck_assert_ptr_null(t->dirs[2].src);
	ck_assert(t->dirs[3].prune);
	ck_assert_uint_eq(t->pr.labels.n, 2);

	g = &c->groups[1];
	ck_assert(!g->enabled);
	ck_assert_str_eq(g->depends_on.v[0], "core");
	ck_assert_str_eq(g->targets[0].clone_mode, "sparse");
	ck_assert_str_eq(g->targets[0].pr.labels.v[0], "automated-sync");

	ck_assert_int_eq(c->rc.jobs, 4);
	ck_assert_uint_eq(c->rc.timeout_ms, 15 * 60 * 1000);
	ck_assert_int_eq(c->rc.retries, 2);
	ck_assert_str_eq(c->rc.cache_dir, "/var/cache/repocast");
	ck_assert_str_eq(c->rc.author_name, "repocast bot");
	ck_assert_str_eq(c->rc.author_email, "repocast-bot@acme.example");
	ck_assert_uint_eq(c->rc.mem_bytes, 512ull << 20);
	ck_assert_uint_eq(c->rc.cpu_seconds, 300);
	ck_assert_uint_eq(c->rc.open_files, 1024);
	ck_assert_str_eq(c->rc.report_dir, ".repocast/runs");
	ck_assert_uint_eq(c->rc.report_formats.n, 5);

	cfg_group_order(order, c);
	ck_assert_uint_eq(order[0], 0);
	ck_assert_uint_eq(order[1], 1);
	cfg_free(c);
	cfg_errors_release(&errs);
}
END_TEST

START_TEST(test_missing_file)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = (struct cfg *)1;

	ck_assert_int_eq(cfg_load(&c, "tests/data/config/no-such.yaml", &errs), ERR_NOTFOUND);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.v[0].msg,
	    "tests/data/config/no-such.yaml: cannot open config: No such file or directory");
	cfg_errors_release(&errs);
}
END_TEST

/* ---- list refs and merges ---- */

START_TEST(test_list_merge_order)
{
	struct cfg *c = load_ok(
	    "version: 1\n"
	    "file_lists:\n"
	    "  - id: one\n"
	    "    files:\n"
	    "      - {src: one/a, dest: a}\n"
	    "      - {src: one/b, dest: b}\n"
	    "  - id: two\n"
	    "    files:\n"
	    "      - {src: two/b, dest: b}\n"
	    "      - {src: two/c, dest: c}\n"
	    "directory_lists:\n"
	    "  - id: d1\n"
	    "    directories:\n"
	    "      - {src: d1/x, dest: x}\n"
	    "  - id: d2\n"
	    "    directories:\n"
	    "      - {src: d2/x, dest: x, exclude: []}\n"
	    "      - {src: d2/y, dest: y}\n"
	    "groups:\n"
	    "  - name: g\n"
	    "    id: g\n"
	    "    source: {repo: a/src}\n"
	    "    targets:\n"
	    "      - repo: a/b\n"
	    "        file_list_refs: [one, two]\n"
	    "        directory_list_refs: [d1, d2]\n"
	    "        files:\n"
	    "          - {src: inline/c, dest: c}\n"
	    "          - {src: inline/d, dest: d}\n"
	    "        directories:\n"
	    "          - {src: inline/y, dest: y}\n");
	const struct cfg_target *t = &c->groups[0].targets[0];

	ck_assert_uint_eq(t->nfiles, 4);
	ck_assert_str_eq(t->files[0].src, "one/a");
	ck_assert_str_eq(t->files[0].list_id, "one");
	ck_assert_str_eq(t->files[1].src, "two/b");  /* later list wins */
	ck_assert_str_eq(t->files[1].list_id, "two");
	ck_assert_str_eq(t->files[2].src, "inline/c");  /* inline wins */
	ck_assert_ptr_null(t->files[2].list_id);
	ck_assert_str_eq(t->files[3].src, "inline/d");
	ck_assert_uint_eq(t->ndirs, 2);
	ck_assert_str_eq(t->dirs[0].src, "d2/x");
	ck_assert_uint_eq(t->dirs[0].exclude.n, 0);
	ck_assert_str_eq(t->dirs[1].src, "inline/y");
	/* The lists themselves are untouched. */
	ck_assert_str_eq(c->file_lists[0].files[1].src, "one/b");
	cfg_free(c);
}
END_TEST

START_TEST(test_assignment_merge)
{
	struct cfg *c = load_ok(
	    "version: 1\n"
	    "groups:\n"
	    "  - name: g\n"
	    "    id: g\n"
	    "    source: {repo: a/src}\n"
	    "    global:\n"
	    "      pr_labels: [sync, chore]\n"
	    "      pr_reviewers: [lead]\n"
	    "    defaults:\n"
	    "      branch_prefix: sync/files\n"
	    "      pr_labels: [fallback]\n"
	    "      pr_assignees: [owner]\n"
	    "      pr_team_reviewers: [team]\n"
	    "    targets:\n"
	    "      - repo: a/b\n"
	    "        files: [{src: x, dest: x}]\n"
	    "        pr_labels: [chore, extra, extra]\n"
	    "        pr_assignees: [me]\n"
	    "      - repo: a/c\n"
	    "        files: [{src: x, dest: x}]\n");
	const struct cfg_group *g = &c->groups[0];
	const struct cfg_target *t = &g->targets[0];

	ck_assert_str_eq(g->defaults.branch_prefix, "sync/files");
	ck_assert_uint_eq(t->pr.labels.n, 3);
	ck_assert_str_eq(t->pr.labels.v[0], "sync");
	ck_assert_str_eq(t->pr.labels.v[1], "chore");
	ck_assert_str_eq(t->pr.labels.v[2], "extra");
	ck_assert_uint_eq(t->pr.assignees.n, 1);
	ck_assert_str_eq(t->pr.assignees.v[0], "me");
	ck_assert_uint_eq(t->pr.reviewers.n, 1);
	ck_assert_str_eq(t->pr.reviewers.v[0], "lead");
	ck_assert_uint_eq(t->pr.team_reviewers.n, 1);
	ck_assert_str_eq(t->pr.team_reviewers.v[0], "team");
	t = &g->targets[1];
	ck_assert_uint_eq(t->pr.labels.n, 2);
	ck_assert_str_eq(t->pr.assignees.v[0], "owner");
	cfg_free(c);
}
END_TEST

START_TEST(test_group_order)
{
	struct cfg *c = load_ok(
	    "version: 1\n"
	    "groups:\n"
	    "  - {name: A, id: a, priority: 5, source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: B, id: b, priority: 1, depends_on: [c], source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: C, id: c, priority: 10, source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: D, id: d, priority: 1, source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: E, id: e, priority: 5, enabled: false, source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: F, id: f, priority: -3, depends_on: [e, d], source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n");
	size_t order[6];

	cfg_group_order(order, c);
	/* d(1) a(5, first in file) e(5) then f (needs e, d), c(10), b (needs c). */
	ck_assert_uint_eq(order[0], 3);
	ck_assert_uint_eq(order[1], 0);
	ck_assert_uint_eq(order[2], 4);
	ck_assert_uint_eq(order[3], 5);
	ck_assert_uint_eq(order[4], 2);
	ck_assert_uint_eq(order[5], 1);
	ck_assert(!c->groups[4].enabled);
	cfg_free(c);
}
END_TEST

START_TEST(test_aliases_and_merge_keys)
{
	struct cfg *c = load_ok(HDR
	    "      - &t1\n"
	    "        repo: a/b\n"
	    "        files: &std\n"
	    "          - {src: a, dest: a}\n"
	    "        pr_labels: [x]\n"
	    "      - <<: *t1\n"
	    "        repo: a/c\n"
	    "      - repo: a/d\n"
	    "        files: *std\n");
	const struct cfg_group *g = &c->groups[0];

	ck_assert_uint_eq(g->ntargets, 3);
	ck_assert_str_eq(g->targets[1].repo, "a/c");
	ck_assert_uint_eq(g->targets[1].nfiles, 1);
	ck_assert_str_eq(g->targets[1].pr.labels.v[0], "x");
	ck_assert_str_eq(g->targets[2].files[0].dest, "a");
	ck_assert_str_eq(g->targets[2].pr.labels.v[0], "automated-sync");
	cfg_free(c);
}
END_TEST

START_TEST(test_null_is_absent)
{
	struct cfg *c = load_ok(HDR TGT("a/b")
	    "        branch:\n"
	    "        pr_labels: ~\n");

	ck_assert_ptr_null(c->groups[0].targets[0].branch);
	ck_assert_str_eq(c->groups[0].targets[0].pr.labels.v[0], "automated-sync");
	cfg_free(c);
}
END_TEST

START_TEST(test_scalar_types)
{
	/* A plain number is a fine string (go-broadcast's decoder agrees). */
	struct cfg *c = load_ok(HDR TGT("a/b")
	    "        transform: {variables: {PORT: 8080, ON: true, T: !!str 12}}\n");

	ck_assert_str_eq(c->groups[0].targets[0].transform.vars[0].value, "8080");
	ck_assert_str_eq(c->groups[0].targets[0].transform.vars[1].value, "true");
	ck_assert_str_eq(c->groups[0].targets[0].transform.vars[2].value, "12");
	cfg_free(c);
}
END_TEST

/* ---- validation rules, one by one ---- */

START_TEST(test_version)
{
	expect_errs("version: 2\ngroups: []\n",
	    "t.yaml:1:10: version: unsupported version 2 (only version 1 is supported)\n"
	    "t.yaml:2:9: groups: at least one group is required\n");
	expect_errs("groups:\n  - {name: g, id: g, source: {repo: a/s}, targets: [{repo: a/b, files: [{src: x, dest: x}]}]}\n",
	    "t.yaml:1:1: missing required key 'version'\n");
	expect_errs("version: \"1\"\n",
	    "t.yaml:1:1: missing required key 'groups'\n"
	    "t.yaml:1:10: version: expected an integer, got a string\n");
}
END_TEST

START_TEST(test_repo_syntax)
{
	const char *why = NULL;

	expect_errs(HDR TGT("a/b/c"),
	    "t.yaml:8:15: groups[0].targets[0].repo: invalid repository: expected owner/name\n");
	expect_errs(HDR TGT("-a/b"),
	    "t.yaml:8:15: groups[0].targets[0].repo: invalid repository: owner and name must"
	    " start with a letter or digit\n");
	expect_errs(HDR TGT("\"a/b c\""),
	    "t.yaml:8:15: groups[0].targets[0].repo: invalid repository: only letters, digits,"
	    " '_', '.' and '-' are allowed in owner/name\n");
	ck_assert_int_eq(cfg_check_repo("acme/api.v2_x-y", &why), 0);
	ck_assert_int_eq(cfg_check_repo("A9/_x", &why), -1);
	ck_assert_int_eq(cfg_check_repo("acme/", &why), -1);
	ck_assert_int_eq(cfg_check_repo("/api", &why), -1);
	ck_assert_int_eq(cfg_check_repo("acme", &why), -1);
	ck_assert_int_eq(cfg_check_repo("", &why), -1);
}
END_TEST

START_TEST(test_branch_names)
{
	/* What git check-ref-format --branch says of each (libgit2 decides). */
	static const char *const good[] = {
		"main", "feature/x", "release-1.2", "a.b", "x@y", "v1_2", "a/b/c/d", "x.lockx",
		"caf\xc3\xa9", "a-", "a+b", "a=b", "a,b", "@x", "x@", "a.lock.b", "UPPER/Case",
		NULL
	};
	static const char *const bad[] = {
		"", "-x", "@", "HEAD", "/x", "x/", "x.", "a..b", "a//b", "a@{b", "a b", "a~b",
		"a^b", "a:b", "a?b", "a*b", "a[b", "a\\b", "a\tb", "a\x7f", ".x", "a/.x",
		"x.lock", "a/x.lock/b", "a/.", "a/..", ".", "..",
		NULL
	};
	const char *why;
	size_t i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(cfg_check_branch(good[i], &why) == 0, "rejected '%s'", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(cfg_check_branch(bad[i], &why) < 0, "accepted '%s'", bad[i]);
	ck_assert_int_eq(cfg_check_branch("-x", &why), -1);
	ck_assert_str_eq(why, "invalid branch name: must not start with '-'");
	expect_errs(HDR TGT("a/b") "        branch: feat.lock\n",
	    "t.yaml:12:17: groups[0].targets[0].branch: invalid branch name: git refuses it (git"
	    " check-ref-format rules: no '..', '//', '@{', spaces, controls or any of ~ ^ : ? *"
	    " [ \\; no component starting with '.' or ending in '.lock'; not ending in '/' or"
	    " '.')\n");
	expect_errs(HDR TGT("a/b") "    defaults: {branch_prefix: \"sync files\"}\n",
	    "t.yaml:12:31: groups[0].defaults.branch_prefix: invalid branch name: git refuses it"
	    " (git check-ref-format rules: no '..', '//', '@{', spaces, controls or any of ~ ^ :"
	    " ? * [ \\; no component starting with '.' or ending in '.lock'; not ending in '/'"
	    " or '.')\n");
}
END_TEST

START_TEST(test_paths)
{
	expect_errs(HDR
	    "      - repo: a/b\n"
	    "        files:\n"
	    "          - src: /etc/passwd\n"
	    "            dest: ../x\n"
	    "          - src: a/../../b\n"
	    "            dest: \"a\\x01b\"\n"
	    "          - src: \"\"\n"
	    "            dest: ok/./fine\n",
	    "t.yaml:10:18: groups[0].targets[0].files[0].src: path must be relative\n"
	    "t.yaml:11:19: groups[0].targets[0].files[0].dest: path must not contain a '..'"
	    " segment\n"
	    "t.yaml:12:18: groups[0].targets[0].files[1].src: path must not contain a '..'"
	    " segment\n"
	    "t.yaml:13:19: groups[0].targets[0].files[1].dest: path must not contain control"
	    " characters\n"
	    "t.yaml:14:18: groups[0].targets[0].files[2].src: path must not be empty\n");
	expect_errs(HDR
	    "      - repo: a/b\n"
	    "        directories:\n"
	    "          - {src: d, dest: /abs}\n",
	    "t.yaml:10:28: groups[0].targets[0].directories[0].dest: path must be relative\n");
}
END_TEST

START_TEST(test_nul_in_string)
{
	expect_errs(HDR TGT("a/b") "        transform: {variables: {X: \"a\\0b\"}}\n",
	    "t.yaml:12:36: groups[0].targets[0].transform.variables.X: contains a NUL"
	    " character\n");
}
END_TEST

START_TEST(test_emails)
{
	const char *why;

	expect_errs(HDR TGT("a/b") "        security_email: not-an-email\n",
	    "t.yaml:12:25: groups[0].targets[0].security_email: invalid email address\n");
	expect_errs("version: 1\ngroups:\n  - name: g\n    id: g\n"
	    "    source: {repo: a/s, support_email: \"a@b\"}\n"
	    "    targets:\n" TGT("a/b"),
	    "t.yaml:5:40: groups[0].source.support_email: invalid email address\n");
	ck_assert_int_eq(cfg_check_email("sec@acme.example", &why), 0);
	ck_assert_int_eq(cfg_check_email("a.b+c@x.y.z", &why), 0);
	ck_assert_int_eq(cfg_check_email("@x.y", &why), -1);
	ck_assert_int_eq(cfg_check_email("a@@x.y", &why), -1);
	ck_assert_int_eq(cfg_check_email("a b@x.y", &why), -1);
	ck_assert_int_eq(cfg_check_email("a@x..y", &why), -1);
	ck_assert_int_eq(cfg_check_email("a@x.", &why), -1);
	ck_assert_int_eq(cfg_check_email("a@.x", &why), -1);
}
END_TEST

START_TEST(test_unique_targets)
{
	expect_errs(HDR TGT("a/b") TGT("a/c") TGT("a/b"),
	    "t.yaml:16:15: groups[0].targets[2].repo: duplicate target 'a/b' in group (also"
	    " targets[0])\n");
}
END_TEST

START_TEST(test_unknown_refs)
{
	expect_errs(HDR
	    "      - repo: a/b\n"
	    "        file_list_refs: [nope]\n"
	    "        directory_list_refs: [none]\n",
	    "t.yaml:9:26: groups[0].targets[0].file_list_refs[0]: unknown file list 'nope'\n"
	    "t.yaml:10:31: groups[0].targets[0].directory_list_refs[0]: unknown directory list"
	    " 'none'\n");
}
END_TEST

START_TEST(test_depends_on)
{
	expect_errs(
	    "version: 1\n"
	    "groups:\n"
	    "  - {name: A, id: a, depends_on: [b], source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: B, id: b, depends_on: [c], source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: C, id: c, depends_on: [a, zz], source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: D, id: d, depends_on: [d], source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: E, id: e, depends_on: [a], source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n",
	    "t.yaml:3:35: groups[0].depends_on[0]: dependency cycle: a -> b -> c -> a\n"
	    "t.yaml:5:38: groups[2].depends_on[1]: unknown group id 'zz'\n"
	    "t.yaml:6:35: groups[3].depends_on[0]: dependency cycle: d -> d\n");
}
END_TEST

START_TEST(test_no_mappings)
{
	expect_errs(HDR "      - repo: a/b\n",
	    "t.yaml:8:9: groups[0].targets[0]: target has no mappings (need files, directories,"
	    " file_list_refs or directory_list_refs)\n");
	/* A bad mapping is reported as such, not also as "no mappings". */
	expect_errs(HDR "      - repo: a/b\n        files: x\n",
	    "t.yaml:9:16: groups[0].targets[0].files: expected a sequence, got a string\n");
}
END_TEST

START_TEST(test_unique_dests)
{
	expect_errs(HDR
	    "      - repo: a/b\n"
	    "        files:\n"
	    "          - {src: x, dest: same}\n"
	    "          - {src: y, dest: same}\n"
	    "        directories:\n"
	    "          - {src: x, dest: d}\n"
	    "          - {src: y, dest: d}\n",
	    "t.yaml:11:28: groups[0].targets[0].files[1].dest: duplicate dest 'same' (also"
	    " files[0])\n"
	    "t.yaml:14:28: groups[0].targets[0].directories[1].dest: duplicate dest 'd' (also"
	    " directories[0])\n");
	expect_errs("version: 1\n"
	    "file_lists:\n"
	    "  - id: l\n"
	    "    files: [{src: a, dest: a}, {src: b, dest: a}]\n"
	    "  - id: l\n"
	    "    files: [{src: a, dest: a}]\n"
	    GROUPS TGT("a/b"),
	    "t.yaml:4:47: file_lists[0].files[1].dest: duplicate dest 'a' (also files[0])\n"
	    "t.yaml:5:9: file_lists[1].id: duplicate file list id 'l' (also file_lists[0])\n");
}
END_TEST

START_TEST(test_group_required)
{
	expect_errs("version: 1\n"
	    "groups:\n"
	    "  - description: x\n"
	    "    targets: []\n",
	    "t.yaml:3:5: groups[0]: missing required key 'name'\n"
	    "t.yaml:3:5: groups[0]: missing required key 'id'\n"
	    "t.yaml:3:5: groups[0]: missing required key 'source'\n"
	    "t.yaml:4:14: groups[0].targets: at least one target is required\n");
	expect_errs("version: 1\n"
	    "groups:\n"
	    "  - {name: A, id: a, source: {repo: a/s}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n"
	    "  - {name: B, id: a, source: {branch: x}, targets: [{repo: a/t, files: [{src: x, dest: x}]}]}\n",
	    "t.yaml:4:19: groups[1].id: duplicate group id 'a' (also groups[0])\n"
	    "t.yaml:4:30: groups[1].source: missing required key 'repo'\n");
}
END_TEST

START_TEST(test_file_entry_required)
{
	expect_errs(HDR
	    "      - repo: a/b\n"
	    "        files:\n"
	    "          - src: x\n"
	    "          - dest: y\n"
	    "          - dest: z\n"
	    "            delete: true\n"
	    "          - ~\n",
	    "t.yaml:10:13: groups[0].targets[0].files[0]: missing required key 'dest'\n"
	    "t.yaml:11:13: groups[0].targets[0].files[1]: missing required key 'src'\n"
	    "t.yaml:14:13: groups[0].targets[0].files[3]: expected a mapping, got null\n");
}
END_TEST

/* ---- strictness: keys and types ---- */

START_TEST(test_unknown_key)
{
	expect_errs(HDR TGT("a/b") "        bogus: 1\n          \n",
	    "t.yaml:12:9: groups[0].targets[0].bogus: unknown key\n");
	expect_errs(HDR "      - repo: a/b\n        files: [{src: a, dest: a, mode: 644}]\n",
	    "t.yaml:9:35: groups[0].targets[0].files[0].mode: unknown key\n");
	expect_errs("version: 1\nsource: {repo: a/b}\n" GROUPS TGT("a/b"),
	    "t.yaml:2:1: source: unknown key (the pre-group format is not supported: put source"
	    " and targets under groups[])\n");
}
END_TEST

START_TEST(test_duplicate_key)
{
	expect_errs(HDR TGT("a/b") "        repo: a/c\n",
	    "t.yaml:12:9: groups[0].targets[0].repo: duplicate key (first at line 8, column 9)\n");
	expect_errs(HDR TGT("a/b") "        transform: {variables: {A: x, A: y}}\n",
	    "t.yaml:12:39: groups[0].targets[0].transform.variables.A: duplicate key\n");
	expect_errs(HDR TGT("a/b") "        transform: {repo_name_bare: true}\n",
	    "t.yaml:12:37: groups[0].targets[0].transform: repo_name_bare needs"
	    " repo_name: true\n");
}
END_TEST

START_TEST(test_wrong_types)
{
	expect_errs(HDR TGT("a/b")
	    "        transform: {repo_name: \"true\"}\n"
	    "        pr_labels: label\n"
	    "        blob_size_limit: [1]\n"
	    "    priority: high\n"
	    "    enabled: 1\n",
	    "t.yaml:12:32: groups[0].targets[0].transform.repo_name: expected a boolean (true or"
	    " false), got a string\n"
	    "t.yaml:13:20: groups[0].targets[0].pr_labels: expected a sequence, got a string\n"
	    "t.yaml:14:26: groups[0].targets[0].blob_size_limit: expected a string, got a"
	    " sequence\n"
	    "t.yaml:15:15: groups[0].priority: expected an integer, got a string\n"
	    "t.yaml:16:14: groups[0].enabled: expected a boolean (true or false), got an"
	    " integer\n");
	expect_errs(HDR TGT("a/b") "    source: [a/s]\n",
	    "t.yaml:12:5: groups[0].source: duplicate key (first at line 5, column 5)\n");
	expect_errs("version: 1\ngroups:\n  - name: g\n    id: g\n    source: [a/s]\n"
	    "    targets:\n" TGT("a/b"),
	    "t.yaml:5:13: groups[0].source: expected a mapping, got a sequence\n");
	expect_errs("version: 1\ngroups: {a: 1}\n",
	    "t.yaml:2:9: groups: expected a sequence, got a mapping\n");
	expect_errs("- a\n- b\n", "t.yaml:1:1: expected a mapping at the top level, got a"
	    " sequence\n");
	/* Depth 0: a lone scalar. */
	expect_errs("version\n", "t.yaml:1:1: expected a mapping at the top level, got a"
	    " string\n");
	expect_errs("version: 1.0\ngroups: []\n",
	    "t.yaml:1:10: version: expected an integer, got a number\n"
	    "t.yaml:2:9: groups: at least one group is required\n");
	expect_errs(HDR TGT("a/b") "    priority: 99999999999999999999\n",
	    "t.yaml:12:15: groups[0].priority: must be an integer from -1000000 to 1000000\n");
	expect_errs(HDR TGT("a/b") "    {a: b}: 1\n",
	    "t.yaml:12:5: groups[0]: keys must be strings, got a mapping\n");
}
END_TEST

START_TEST(test_tags)
{
	expect_errs("version: !!int \"1\"\n" "groups: !custom []\n",
	    "t.yaml:2:9: unsupported YAML tag '!custom'\n");
	expect_errs("version: !!bool 1\n",
	    "t.yaml:1:10: value does not match its tag 'tag:yaml.org,2002:bool'\n");
}
END_TEST

/* ---- bad input classes ---- */

START_TEST(test_empty_input)
{
	expect_errs_len("", 0, "t.yaml:1:1: empty config: expected a mapping with 'version' and"
	    " 'groups'\n");
	expect_errs("# only a comment\n\n", "t.yaml:1:1: empty config: expected a mapping with"
	    " 'version' and 'groups'\n");
	expect_errs("---\n...\n", "t.yaml:1:1: empty config: expected a mapping with 'version'"
	    " and 'groups'\n");
}
END_TEST

START_TEST(test_non_utf8)
{
	expect_errs("version: 1\nname: \"caf\xe9\"\n",
	    "t.yaml:2:12: invalid input: invalid trailing UTF-8 octet (byte 0x22)\n");
	expect_errs("version: 1\n\xff\n",
	    "t.yaml:2:1: invalid input: invalid leading UTF-8 octet (byte 0xff)\n");
	expect_errs("version: 1\nname: \x01\n",
	    "t.yaml:2:7: invalid input: control characters are not allowed (byte 0x01)\n");
}
END_TEST

START_TEST(test_tabs)
{
	expect_errs("version: 1\ngroups:\n\t- name: x\n",
	    "t.yaml:3:1: invalid YAML: tab character where indentation or a token was expected"
	    " (YAML indents with spaces only)\n");
	expect_errs("version: 1\ngroups: [\n",
	    "t.yaml:3:1: invalid YAML: did not find expected node content (while parsing a flow"
	    " node at line 3, column 1)\n");
}
END_TEST

START_TEST(test_multiple_documents)
{
	expect_errs(HDR TGT("a/b") "---\nversion: 1\n",
	    "t.yaml:12:1: more than one YAML document in the file\n");
}
END_TEST

START_TEST(test_size_limit)
{
	static const char cfgtext[] = HDR TGT("a/b");
	size_t max = CFG_MAX_BYTES, n = strlen(cfgtext), i;
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	char *big = xmalloc(max + 2);

	/* Exactly at the limit: a valid config padded with comment lines. */
	memcpy(big, cfgtext, n);
	for (i = n; i < max; i++)
		big[i] = (i - n) % 100 == 0 ? '#' : ((i - n) % 100 == 99 ? '\n' : 'x');
	big[max - 1] = '\n';
	ck_assert_int_eq(cfg_load_mem(&c, "t.yaml", big, max, &errs), 0);
	ck_assert_ptr_nonnull(c);
	cfg_free(c);
	big[max] = '\n';
	expect_errs_len(big, max + 1, "t.yaml:1:1: config too large: 8388609 bytes (the limit is"
	    " 8388608 bytes, 8 MiB)\n");
	free(big);
	cfg_errors_release(&errs);
}
END_TEST

START_TEST(test_size_limit_file)
{
	char path[] = "/tmp/repocast-cfg-XXXXXX";
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = (struct cfg *)1;
	int fd = mkstemp(path);
	char *msg;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 10 << 20), 0);
	close(fd);
	ck_assert_int_eq(cfg_load(&c, path, &errs), ERR_CONFIG);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 1);
	msg = xasprintf("%s:1:1: config too large: 10485760 bytes (the limit is 8388608 bytes,"
	    " 8 MiB)", path);
	ck_assert_str_eq(errs.v[0].msg, msg);
	ck_assert_str_eq(errs.v[0].text, "config too large: 10485760 bytes (the limit is"
	    " 8388608 bytes, 8 MiB)");
	free(msg);
	unlink(path);
	cfg_errors_release(&errs);
}
END_TEST

static char *
nested(int depth)
{
	struct buf b = BUF_INIT;
	int i;

	/* The top-level mapping is level 1; then depth - 1 sequences. */
	buf_addstr(&b, "x: ");
	for (i = 1; i < depth; i++)
		buf_addch(&b, '[');
	for (i = 1; i < depth; i++)
		buf_addch(&b, ']');
	buf_addch(&b, '\n');
	return buf_detach(&b, NULL);
}

START_TEST(test_depth_limit)
{
	char *s = nested(CFG_MAX_DEPTH);

	ck_assert_int_eq(CFG_MAX_DEPTH, 64);
	expect_errs(s, "t.yaml:1:1: x: unknown key\n"
	    "t.yaml:1:1: missing required key 'version'\n"
	    "t.yaml:1:1: missing required key 'groups'\n");
	free(s);
	s = nested(CFG_MAX_DEPTH + 1);
	expect_errs(s, "t.yaml:1:67: nesting too deep: more than 64 levels\n");
	free(s);
	s = nested(100000);
	expect_errs(s, "t.yaml:1:67: nesting too deep: more than 64 levels\n");
	free(s);
}
END_TEST

static char *
flat_seq(size_t k)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_addstr(&b, "x: [");
	for (i = 0; i < k; i++)
		buf_addstr(&b, "a,");
	buf_addstr(&b, "]\n");
	return buf_detach(&b, NULL);
}

START_TEST(test_node_limit)
{
	/* map + key + sequence + k scalars = CFG_MAX_NODES */
	size_t k = CFG_MAX_NODES - 3;
	char *s = flat_seq(k), *want;

	expect_errs(s, "t.yaml:1:1: x: unknown key\n"
	    "t.yaml:1:1: missing required key 'version'\n"
	    "t.yaml:1:1: missing required key 'groups'\n");
	free(s);
	s = flat_seq(k + 1);
	want = xasprintf("t.yaml:1:%zu: document too large: more than 1048576 nodes (aliases"
	    " count as the nodes they repeat)\n", 5 + 2 * k);
	expect_errs(s, want);
	free(want);
	free(s);
}
END_TEST

START_TEST(test_alias_bomb)
{
	expect_errs(
	    "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n"
	    "a1: &a1 [*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0]\n"
	    "a2: &a2 [*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1]\n"
	    "a3: &a3 [*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2]\n"
	    "a4: &a4 [*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3]\n"
	    "a5: &a5 [*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4]\n"
	    "a6: &a6 [*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5]\n"
	    "a7: &a7 [*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6]\n"
	    "a8: &a8 [*a7,*a7,*a7,*a7,*a7,*a7,*a7,*a7,*a7,*a7]\n",
	    "t.yaml:6:42: document too large: more than 1048576 nodes (aliases count as the"
	    " nodes they repeat)\n");
	expect_errs("a: &x [*x]\n", "t.yaml:1:8: unknown or recursive alias '*x'\n");
	expect_errs("a: *nope\n", "t.yaml:1:4: unknown or recursive alias '*nope'\n");
}
END_TEST

START_TEST(test_all_errors_collected)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	static const char yaml[] =
	    "version: 1\n"
	    "bogus: 1\n"
	    "groups:\n"
	    "  - name: g\n"
	    "    id: g\n"
	    "    priority: \"1\"\n"
	    "    source: {repo: bad}\n"
	    "    targets:\n"
	    "      - repo: a/b\n"
	    "        files: [{src: /x, dest: ../y}]\n"
	    "repocast: {jobs: -1}\n";

	ck_assert_int_eq(cfg_load_mem(&c, "sync.yaml", yaml, strlen(yaml), &errs), ERR_CONFIG);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(errs.n, 6);
	ck_assert_str_eq(errs.v[0].msg, "sync.yaml:2:1: bogus: unknown key");
	ck_assert_int_eq(errs.v[0].line, 2);
	ck_assert_int_eq(errs.v[0].col, 1);
	ck_assert_str_eq(errs.v[0].text, "bogus: unknown key");
	ck_assert_str_eq(errs.v[5].msg, "sync.yaml:11:18: repocast.jobs: must be an integer from"
	    " 0 to 4096");
	cfg_errors_release(&errs);
}
END_TEST

/* ---- go-broadcast's other sections, the repocast section ---- */

START_TEST(test_presets_and_preflight)
{
	expect_errs(HDR TGT("a/b")
	    "settings_presets:\n"
	    "  - id: p\n"
	    "    name: P\n"
	    "    has_wiki: maybe\n"
	    "    squash_merge_commit_title: TITLE\n"
	    "    rulesets: [{name: r, target: branch, enforcement: on, rules: [deletion]}]\n"
	    "    labels: [{name: bug, color: red}]\n"
	    "    nope: 1\n"
	    "  - {id: p, name: Q}\n"
	    "rate_limit_preflight: {primary_margin_percent: 101, secondary_reserve: -1}\n",
	    "t.yaml:15:15: settings_presets[0].has_wiki: expected a boolean (true or false), got"
	    " a string\n"
	    "t.yaml:16:32: settings_presets[0].squash_merge_commit_title: must be PR_TITLE or"
	    " COMMIT_OR_PR_TITLE\n"
	    "t.yaml:17:55: settings_presets[0].rulesets[0].enforcement: must be \"active\","
	    " \"disabled\" or \"evaluate\"\n"
	    "t.yaml:18:33: settings_presets[0].labels[0].color: must be a 6-digit hex colour like"
	    " d73a4a\n"
	    "t.yaml:19:5: settings_presets[0].nope: unknown key\n"
	    "t.yaml:20:10: settings_presets[1].id: duplicate settings preset id 'p'\n"
	    "t.yaml:21:48: rate_limit_preflight.primary_margin_percent: must be an integer from 0"
	    " to 100\n"
	    "t.yaml:21:72: rate_limit_preflight.secondary_reserve: must be an integer from 0 to"
	    " 1000000\n");
}
END_TEST

START_TEST(test_repocast_api_symlinks)
{
	struct cfg *c = load_ok(HDR TGT("a/b")
	    "repocast:\n"
	    "  api: {write_interval: 250ms, creates_per_minute: 0, creates_per_hour: 2000}\n"
	    "  symlinks: keep\n");

	ck_assert_uint_eq(c->rc.api_write_interval_ms, 250);
	ck_assert_int_eq(c->rc.api_creates_per_minute, 0);
	ck_assert_int_eq(c->rc.api_creates_per_hour, 2000);
	ck_assert(c->rc.keep_symlinks);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast: {api: {write_interval: 0}, symlinks: refuse}\n");
	ck_assert_uint_eq(c->rc.api_write_interval_ms, 0);
	ck_assert_int_eq(c->rc.api_creates_per_minute, 80);
	ck_assert(!c->rc.keep_symlinks);
	cfg_free(c);
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  api: {write_interval: 5, creates_per_minute: -1, creates_per_hour: x, burst: 1}\n"
	    "  symlinks: follow\n",
	    "t.yaml:13:25: repocast.api.write_interval: expected a duration like 10m, 90s, 1h30m"
	    " or 500ms\n"
	    "t.yaml:13:48: repocast.api.creates_per_minute: must be an integer from 0 to 1000000\n"
	    "t.yaml:13:70: repocast.api.creates_per_hour: expected an integer, got a string\n"
	    "t.yaml:13:73: repocast.api.burst: unknown key\n"
	    "t.yaml:14:13: repocast.symlinks: must be \"refuse\" or \"keep\"\n");
}
END_TEST

START_TEST(test_repocast_commit)
{
	struct cfg *c = load_ok(HDR TGT("a/b") "repocast: {api: {write_interval: 0}}\n");

	ck_assert_int_eq(c->rc.commit_sign, SIGNCFG_GIT);   /* absent: git's config */
	ck_assert_ptr_null(c->rc.commit_key);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  commit: {sign: ssh, key: ~/.ssh/id_ed25519}\n");
	ck_assert_int_eq(c->rc.commit_sign, SIGNCFG_SSH);
	ck_assert_str_eq(c->rc.commit_key, "~/.ssh/id_ed25519");
	ck_assert_int_eq(c->rc.commit_sign_pos.line, 13);
	ck_assert_int_eq(c->rc.commit_sign_pos.col, 18);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  commit: {sign: false}\n");
	ck_assert_int_eq(c->rc.commit_sign, SIGNCFG_OFF);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  commit: {sign: openpgp, key: 0xABCDEF12}\n");
	ck_assert_int_eq(c->rc.commit_sign, SIGNCFG_OPENPGP);
	ck_assert_str_eq(c->rc.commit_key, "0xABCDEF12");
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  commit: {sign: x509}\n");
	ck_assert_int_eq(c->rc.commit_sign, SIGNCFG_X509);
	cfg_free(c);
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  commit: {sign: gpg, key: '', armor: true}\n",
	    "t.yaml:13:18: repocast.commit.sign: expected ssh, openpgp, x509 or false\n"
	    "t.yaml:13:28: repocast.commit.key: must not be empty\n"
	    "t.yaml:13:32: repocast.commit.armor: unknown key\n");
	expect_errs(HDR TGT("a/b") "repocast:\n  commit: [ssh]\n",
	    "t.yaml:13:11: repocast.commit: expected a mapping, got a sequence\n");
}
END_TEST

START_TEST(test_repocast_auth)
{
	struct cfg *c = load_ok(HDR TGT("a/b")
	    "repocast:\n"
	    "  auth: {app_id: 4242, private_key_file: /etc/app.pem, installation_id: 99}\n");

	ck_assert_str_eq(c->rc.auth_app_id, "4242");
	ck_assert_str_eq(c->rc.auth_key_file, "/etc/app.pem");
	ck_assert_str_eq(c->rc.auth_installation_id, "99");
	ck_assert_int_eq(c->rc.auth_pos.line, 13);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast: {jobs: 1}\n");
	ck_assert_ptr_null(c->rc.auth_app_id);
	ck_assert_int_eq(c->rc.auth_pos.line, 0);
	cfg_free(c);
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  auth: {app_id: 0x1, private_key_file: k.pem, installation_id: -3, token: t}\n",
	    "t.yaml:13:18: repocast.auth.app_id: expected a positive integer (the id GitHub"
	    " shows)\n"
	    "t.yaml:13:65: repocast.auth.installation_id: expected a positive integer (the id"
	    " GitHub shows)\n"
	    "t.yaml:13:69: repocast.auth.token: unknown key\n");
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  auth: {installation_id: 3}\n",
	    "t.yaml:13:9: repocast.auth: installation_id needs app_id and private_key_file\n");
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  auth: {app_id: 12}\n",
	    "t.yaml:13:9: repocast.auth: needs both app_id and private_key_file\n");
}
END_TEST

START_TEST(test_repocast_commit_via)
{
	struct cfg *c = load_ok(HDR TGT("a/b") "repocast: {api: {write_interval: 0}}\n");

	/* push, and the limits of a commit through the api, by default */
	ck_assert(!c->rc.commit_via_api);
	ck_assert_int_eq(c->rc.commit_via_pos.line, 0);
	ck_assert_uint_eq(c->rc.commit_api_max_blobs, 100);
	ck_assert_uint_eq(c->rc.commit_api_max_bytes, 10u << 20);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b")
	    "repocast:\n"
	    "  commit: {via: api, api_max_blobs: 0, api_max_bytes: 2M}\n");
	ck_assert(c->rc.commit_via_api);
	ck_assert_int_eq(c->rc.commit_via_pos.line, 13);
	ck_assert_int_eq(c->rc.commit_via_pos.col, 17);
	ck_assert_uint_eq(c->rc.commit_api_max_blobs, 0);
	ck_assert_uint_eq(c->rc.commit_api_max_bytes, 2u << 20);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast: {commit: {via: push}}\n");
	ck_assert(!c->rc.commit_via_api);
	cfg_free(c);
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  commit: {via: graphql, api_max_blobs: -1, api_max_bytes: lots, armor: true}\n",
	    "t.yaml:13:17: repocast.commit.via: must be \"push\" or \"api\"\n"
	    "t.yaml:13:41: repocast.commit.api_max_blobs: must be an integer from 0 to"
	    " 1073741824\n"
	    "t.yaml:13:60: repocast.commit.api_max_bytes: expected a size like 512M, 2G, 100k or"
	    " a number of bytes\n"
	    "t.yaml:13:66: repocast.commit.armor: unknown key\n");
}
END_TEST

START_TEST(test_repocast_section)
{
	struct cfg *c = load_ok(HDR TGT("a/b")
	    "repocast:\n"
	    "  timeout: 1h30m\n"
	    "  limits: {memory: 1048576, cpu_seconds: 0}\n"
	    "  report: {formats: [json]}\n");

	ck_assert_uint_eq(c->rc.timeout_ms, 5400000);
	ck_assert_uint_eq(c->rc.mem_bytes, 1048576);
	ck_assert_uint_eq(c->rc.report_formats.n, 1);
	ck_assert_uint_eq(c->rc.processes, 0);
	ck_assert(!c->rc.max_log_set);
	ck_assert_int_eq(c->rc.seccomp, 1);   /* auto */
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  limits: {seccomp: off}\n");
	ck_assert_int_eq(c->rc.seccomp, 0);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  limits: {seccomp: on}\n");
	ck_assert_int_eq(c->rc.seccomp, 2);
	cfg_free(c);
	/* the whole job's processes and the log cap: 0 (none), 4K, over */
	c = load_ok(HDR TGT("a/b")
	    "repocast:\n"
	    "  limits: {processes: 64}\n"
	    "  max_log: 1M\n");
	ck_assert_uint_eq(c->rc.processes, 64);
	ck_assert(c->rc.max_log_set);
	ck_assert_uint_eq(c->rc.max_log, 1u << 20);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  max_log: 0\n");
	ck_assert(c->rc.max_log_set);
	ck_assert_uint_eq(c->rc.max_log, 0);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  max_log: 4K\n");
	ck_assert_uint_eq(c->rc.max_log, 4096);
	cfg_free(c);
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  limits: {processes: -1}\n"
	    "  max_log: 4095\n",
	    "t.yaml:13:23: repocast.limits.processes: must be an integer from 0 to 1073741824\n"
	    "t.yaml:14:12: repocast.max_log: a log cap is 0 (none) or at least 4K\n");
	c = load_ok(HDR TGT("a/b"));
	ck_assert_uint_eq(c->rc.max_file_size, 100u << 20);  /* GitHub's limit by default */
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  max_file_size: 2GiB\n");
	ck_assert_uint_eq(c->rc.max_file_size, 2ull << 30);
	cfg_free(c);
	c = load_ok(HDR TGT("a/b") "repocast:\n  max_file_size: 0\n");
	ck_assert_uint_eq(c->rc.max_file_size, 0);        /* no cap */
	cfg_free(c);
	expect_errs(HDR TGT("a/b") "repocast:\n  max_file_size: [1]\n",
	    "t.yaml:13:18: repocast.max_file_size: expected a string, got a sequence\n");
	expect_errs(HDR TGT("a/b") "repocast:\n  max_file_size: 10 MB\n",
	    "t.yaml:13:18: repocast.max_file_size: expected a size like 512M, 2G, 100k or a"
	    " number of bytes\n");
	expect_errs(HDR TGT("a/b")
	    "repocast:\n"
	    "  jobs: 5000\n"
	    "  timeout: 10 minutes\n"
	    "  retries: many\n"
	    "  api_url: ftp://x\n"
	    "  git_url: \"http://a b\"\n"
	    "  author: {name: bot, email: bot, extra: 1}\n"
	    "  limits: {memory: 12X, open_files: -1}\n"
	    "  report: {formats: [pdf], dir: \"\"}\n"
	    "  cache: x\n",
	    "t.yaml:13:9: repocast.jobs: must be an integer from 0 to 4096\n"
	    "t.yaml:14:12: repocast.timeout: expected a duration like 10m, 90s, 1h30m or 500ms\n"
	    "t.yaml:15:12: repocast.retries: expected an integer, got a string\n"
	    "t.yaml:16:12: repocast.api_url: must be an http:// or https:// URL\n"
	    "t.yaml:17:12: repocast.git_url: must not contain spaces or control characters\n"
	    "t.yaml:18:30: repocast.author.email: invalid email address\n"
	    "t.yaml:18:35: repocast.author.extra: unknown key\n"
	    "t.yaml:19:20: repocast.limits.memory: expected a size like 512M, 2G, 100k or a"
	    " number of bytes\n"
	    "t.yaml:19:37: repocast.limits.open_files: must be an integer from 0 to 1073741824\n"
	    "t.yaml:20:22: repocast.report.formats[0]: unknown report format (expected json, md,"
	    " html, junit, trace or prom)\n"
	    "t.yaml:20:33: repocast.report.dir: must not be empty\n"
	    "t.yaml:21:3: repocast.cache: unknown key\n");
}
END_TEST

START_TEST(test_module_and_transform)
{
	expect_errs(HDR
	    "      - repo: a/b\n"
	    "        directories:\n"
	    "          - src: d\n"
	    "            dest: d\n"
	    "            module: {type: npm}\n"
	    "            transform: {repo_name: true, variables: [A]}\n"
	    "        clone_mode: shallow\n",
	    "t.yaml:12:21: groups[0].targets[0].directories[0].module: missing required key"
	    " 'version'\n"
	    "t.yaml:12:28: groups[0].targets[0].directories[0].module.type: unsupported module"
	    " type (only \"go\" is supported)\n"
	    "t.yaml:13:53: groups[0].targets[0].directories[0].transform.variables: expected a"
	    " mapping, got a sequence\n"
	    "t.yaml:14:21: groups[0].targets[0].clone_mode: must be \"sparse\" or \"full\"\n");
}
END_TEST

START_TEST(test_module_versions)
{
	expect_errs(HDR
	    "      - repo: a/b\n"
	    "        directories:\n"
	    "          - {src: a, dest: a, module: {type: go, version: not-a-version}}\n"
	    "          - {src: b, dest: b, module: {type: go, version: \">=1.0.0 <2\"}}\n"
	    "          - {src: c, dest: c, module: {type: go, version: v1.2}}\n"
	    "          - {src: d, dest: d, module: {version: ^1.2, check_tags: false}}\n"
	    "          - {src: e, dest: e, module: {version: v1.2.0, check_tags: false}}\n"
	    "          - {src: f, dest: f, module: {version: latest, check_tags: false,"
	    " update_refs: true}}\n"
	    "          - {src: g, dest: g, module: {version: \"~1.4, <1.4.5\"}}\n",
	    "t.yaml:10:59: groups[0].targets[0].directories[0].module.version: invalid version"
	    " 'not-a-version': expected versions like 1.2.3, 1.2, 1.x with an optional operator"
	    " (=, !=, >, >=, <, <=, ~, ^)\n"
	    "t.yaml:12:59: groups[0].targets[0].directories[2].module.version: invalid version"
	    " 'v1.2': not a version tag: expected vMAJOR.MINOR.PATCH, optionally with"
	    " -PRERELEASE\n"
	    "t.yaml:13:49: groups[0].targets[0].directories[3].module.version: invalid version"
	    " '^1.2': with check_tags: false only an exact tag (v1.2.3) or latest is accepted:"
	    " a constraint needs the tags\n"
	    "t.yaml:15:49: groups[0].targets[0].directories[5].module.version: latest with"
	    " check_tags: false syncs the branch head, which has no version for update_refs to"
	    " write\n");
}
END_TEST

START_TEST(test_durations_sizes)
{
	uint64_t v;

	ck_assert_int_eq(cfg_parse_duration(&v, "0"), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cfg_parse_duration(&v, "10m"), 0);
	ck_assert_uint_eq(v, 600000);
	ck_assert_int_eq(cfg_parse_duration(&v, "90s"), 0);
	ck_assert_uint_eq(v, 90000);
	ck_assert_int_eq(cfg_parse_duration(&v, "1h30m"), 0);
	ck_assert_uint_eq(v, 5400000);
	ck_assert_int_eq(cfg_parse_duration(&v, "500ms"), 0);
	ck_assert_uint_eq(v, 500);
	ck_assert_int_eq(cfg_parse_duration(&v, ""), -1);
	ck_assert_int_eq(cfg_parse_duration(&v, "10"), -1);
	ck_assert_int_eq(cfg_parse_duration(&v, "m"), -1);
	ck_assert_int_eq(cfg_parse_duration(&v, "10x"), -1);
	ck_assert_int_eq(cfg_parse_duration(&v, "-1s"), -1);
	ck_assert_int_eq(cfg_parse_duration(&v, "99999999999999999999h"), -1);
	ck_assert_int_eq(cfg_parse_duration(&v, "5124095576030h"), 0);
	ck_assert_int_eq(cfg_parse_duration(&v, "5124095576031h"), -1);

	ck_assert_int_eq(cfg_parse_size(&v, "0"), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cfg_parse_size(&v, "1048576"), 0);
	ck_assert_uint_eq(v, 1048576);
	ck_assert_int_eq(cfg_parse_size(&v, "512M"), 0);
	ck_assert_uint_eq(v, 512ull << 20);
	ck_assert_int_eq(cfg_parse_size(&v, "10m"), 0);
	ck_assert_uint_eq(v, 10ull << 20);
	ck_assert_int_eq(cfg_parse_size(&v, "2GiB"), 0);
	ck_assert_uint_eq(v, 2ull << 30);
	ck_assert_int_eq(cfg_parse_size(&v, "100k"), 0);
	ck_assert_uint_eq(v, 102400);
	ck_assert_int_eq(cfg_parse_size(&v, "16777215T"), 0);
	ck_assert_int_eq(cfg_parse_size(&v, "16777216T"), -1);
	ck_assert_int_eq(cfg_parse_size(&v, ""), -1);
	ck_assert_int_eq(cfg_parse_size(&v, "M"), -1);
	ck_assert_int_eq(cfg_parse_size(&v, "1.5G"), -1);
	ck_assert_int_eq(cfg_parse_size(&v, "12X"), -1);
}
END_TEST

START_TEST(test_error_cap)
{
	struct buf b = BUF_INIT;
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	int i;

	for (i = 0; i < 1500; i++)
		buf_addf(&b, "k%d: 1\n", i);
	ck_assert_int_eq(cfg_load_mem(&c, "t.yaml", b.ptr, b.len, &errs), ERR_CONFIG);
	ck_assert_uint_eq(errs.n, 1001);
	ck_assert_str_eq(errs.v[0].msg, "t.yaml: too many errors: only the first 1000 are shown");
	ck_assert_str_eq(errs.v[1].msg, "t.yaml:1:1: k0: unknown key");
	ck_assert_str_eq(errs.v[1000].msg, "t.yaml:1000:1: k999: unknown key");
	buf_release(&b);
	cfg_errors_release(&errs);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_cache_dir_default);
	tcase_add_test(tc, test_full_example);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_list_merge_order);
	tcase_add_test(tc, test_assignment_merge);
	tcase_add_test(tc, test_group_order);
	tcase_add_test(tc, test_aliases_and_merge_keys);
	tcase_add_test(tc, test_null_is_absent);
	tcase_add_test(tc, test_scalar_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_repo_syntax);
	tcase_add_test(tc, test_branch_names);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_nul_in_string);
	tcase_add_test(tc, test_emails);
	tcase_add_test(tc, test_unique_targets);
	tcase_add_test(tc, test_unknown_refs);
	tcase_add_test(tc, test_depends_on);
	tcase_add_test(tc, test_no_mappings);
	tcase_add_test(tc, test_unique_dests);
	tcase_add_test(tc, test_group_required);
	tcase_add_test(tc, test_file_entry_required);
	tcase_add_test(tc, test_presets_and_preflight);
	tcase_add_test(tc, test_repocast_section);
	tcase_add_test(tc, test_repocast_api_symlinks);
	tcase_add_test(tc, test_repocast_commit);
	tcase_add_test(tc, test_repocast_auth);
	tcase_add_test(tc, test_repocast_commit_via);
	tcase_add_test(tc, test_module_and_transform);
	tcase_add_test(tc, test_module_versions);
	tcase_add_test(tc, test_durations_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("strict");
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_tags);
	tcase_add_test(tc, test_all_errors_collected);
	tcase_add_test(tc, test_error_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad_input");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_non_utf8);
	tcase_add_test(tc, test_tabs);
	tcase_add_test(tc, test_multiple_documents);
	tcase_add_test(tc, test_size_limit);
	tcase_add_test(tc, test_size_limit_file);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_node_limit);
	tcase_add_test(tc, test_alias_bomb);
	suite_add_tcase(s, tc);
	return s;
}
