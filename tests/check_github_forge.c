/*
 * The API client against the loopback forge (tests/forge/forge.py): real
 * HTTP, real git repositories, the forge's fault switches. One forge per
 * run of this suite (an unchecked fixture), with a bare repo acme/api whose
 * branches are pushed with git before the forge starts. Limits are scaled
 * down (10 ms between writes, 200 ms backoff) so the suite takes seconds.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/api.h"
#include "supervisor/github/discovery.h"
#include "supervisor/github/github.h"
#include "supervisor/github/prtext.h"

extern char **environ;

#define TOKEN "forge-token-0123456789"
#define SRC "0123456789abcdef0123456789abcdef01234567"
#define DIGEST "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
#define PREFIX "chore/sync-files"
/* Branches pushed by the setup: two sync branches, a plain one, one to delete. */
#define B_SYNC "chore/sync-files-api-20240115-120530-0123456"
#define B_LOST "chore/sync-files-api-20240116-080000-89abcde"
#define B_PAGE "feature/paging"
#define B_GONE "chore/stale-branch"

static char tmp[64];
static char base_url[128];   /* http://127.0.0.1:PORT/api/v3 */
static char origin[96];      /* http://127.0.0.1:PORT */
static pid_t forge_pid = -1;

static void
sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd.ptr);
	if (rc != 0) {
		fprintf(stderr, "setup command failed (%d): %s\n", rc, cmd.ptr);
		abort();
	}
	buf_release(&cmd);
}

static void
forge_setup(void)
{
	char *forge_py, *root, *tokens, *log;
	char *argv[10];
	posix_spawn_file_actions_t fa;
	struct pollfd pfd;
	char line[256];
	size_t n = 0;
	int p[2];
	FILE *f;

	strcpy(tmp, "/tmp/repocast-forge-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		abort();
	root = xasprintf("%s/root", tmp);
	tokens = xasprintf("%s/root/.forge/tokens", tmp);
	log = xasprintf("%s/forge.log", tmp);
	sh("set -e; T='%s'; export HOME=\"$T/home\" GIT_CONFIG_NOSYSTEM=1 "
	    "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t "
	    "GIT_COMMITTER_EMAIL=t@example.com; mkdir -p \"$T/home\" \"$T/root/acme\" "
	    "\"$T/root/.forge\"; git init -q --bare -b main \"$T/root/acme/api.git\"; "
	    "git init -q -b main \"$T/work\"; cd \"$T/work\"; echo base >README.md; "
	    "git add .; git commit -qm base; git push -q \"$T/root/acme/api.git\" main; "
	    "for b in %s %s %s %s; do git checkout -q -b \"$b\" main; echo \"$b\" >f.txt; "
	    "git add .; git commit -qm \"$b\"; git push -q \"$T/root/acme/api.git\" \"$b\"; "
	    "done", tmp, B_SYNC, B_LOST, B_PAGE, B_GONE);
	/* The token goes to the forge through its tokens file, never argv. */
	f = fopen(tokens, "w");
	fprintf(f, "%s bot\n", TOKEN);
	fclose(f);
	forge_py = realpath("tests/forge/forge.py", NULL);
	ck_assert_msg(forge_py != NULL, "tests/forge/forge.py not found (run from the "
	    "top of the tree)");
	if (pipe2(p, O_CLOEXEC) != 0)
		abort();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	argv[0] = "python3";
	argv[1] = forge_py;
	argv[2] = "--root";
	argv[3] = root;
	argv[4] = "--port";
	argv[5] = "0";
	argv[6] = "--log";
	argv[7] = log;
	argv[8] = NULL;
	if (posix_spawnp(&forge_pid, "python3", &fa, NULL, argv, environ) != 0)
		abort();
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	/* The first stdout line: "listening on http://127.0.0.1:PORT". */
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (n < sizeof(line) - 1 && poll(&pfd, 1, 15000) > 0) {
		ssize_t r = read(p[0], line + n, 1);

		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(p[0]);
	if (sscanf(line, "listening on %95s", origin) != 1) {
		fprintf(stderr, "forge did not start: '%s'\n", line);
		abort();
	}
	snprintf(base_url, sizeof(base_url), "%s/api/v3", origin);
	free(forge_py);
	free(root);
	free(tokens);
	free(log);
}

static void
forge_teardown(void)
{
	if (forge_pid > 0) {
		kill(forge_pid, SIGTERM);
		waitpid(forge_pid, NULL, 0);
		forge_pid = -1;
	}
	sh("rm -rf '%s'", tmp);
}

static struct api *
mkapi(const char *token, const char *cache)
{
	struct api_opts o;
	struct api *a = NULL;

	api_opts_init(&o);
	o.base_url = base_url;
	o.cache_dir = cache;
	o.write_interval_ms = 10;
	o.retry_base_ms = 50;
	o.backoff_min_ms = 200;
	o.timeout_ms = 10000;
	ck_assert_msg(api_new(&a, &o, token) == 0, "%s", err_last());
	return a;
}

/* A forge control request (same origin, so the client may send it). */
static void
control(struct api *a, enum api_method m, const char *path, const char *body)
{
	struct api_response r;
	char *url = xasprintf("%s/_forge%s", origin, path);

	api_response_init(&r);
	ck_assert_msg(api_request(&r, a, m, url, body, API_NOCACHE) == 0, "%s",
	    err_last());
	api_response_release(&r);
	free(url);
}

/* How many logged requests match method and a path regex (python does it). */
static int
forge_count(const char *method, const char *path_suffix)
{
	struct buf out = BUF_INIT;
	char *cmd;
	FILE *p;
	char tmpl[256];
	int n = -1;

	cmd = xasprintf("python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) "
	    "if (lambda r: r[\"method\"] == sys.argv[2] and r[\"path\"].split(\"?\")[0]"
	    ".endswith(sys.argv[3]))(json.loads(l))))' '%s/root/.forge/requests.log' '%s' '%s'",
	    tmp, method, path_suffix);
	p = popen(cmd, "r");
	if (p != NULL && fgets(tmpl, sizeof(tmpl), p) != NULL)
		n = atoi(tmpl);
	if (p != NULL)
		pclose(p);
	free(cmd);
	buf_release(&out);
	return n;
}

START_TEST(test_forge_pr_flow)
{
	static const struct prtext_change files[] = { { "f.txt", "added" } };
	static const char *const labels[] = { "automated-sync", "chore" };
	static const char *const users[] = { "alice" };
	static const char *const teams[] = { "platform" };
	struct prtext_in in = { "acme/templates", "main", SRC, "acme/api", "main",
		DIGEST, files, 1, NULL, NULL, 0 };
	struct discovery_target t = { "acme/api", NULL, PREFIX, "acme/templates", true, false };
	struct github_pull_edit e = { "[Sync] retitled", NULL, NULL, NULL };
	struct buf title = BUF_INIT, body = BUF_INIT;
	struct github_pull_new req;
	struct github_user *u;
	struct github_repo *repo;
	struct github_pull *pr, *upd;
	struct github_rate rate;
	struct discovery d;
	struct api *a = mkapi(TOKEN, NULL);
	bool adopted = true;

	ck_assert_int_eq(github_user_get(&u, a), 0);
	ck_assert_str_eq(u->login, "bot");
	github_user_free(u);
	ck_assert_int_eq(github_rate_get(&rate, a), 0);
	ck_assert_int_eq(rate.core.limit, 5000);
	ck_assert_int_gt(rate.core.remaining, 0);
	ck_assert_int_eq(github_repo_get(&repo, a, "acme/api"), 0);
	ck_assert_str_eq(repo->default_branch, "main");
	ck_assert_ptr_nonnull(strstr(repo->clone_url, "/acme/api.git"));
	github_repo_free(repo);

	ck_assert_int_eq(prtext_title(&title, SRC), 0);
	ck_assert_int_eq(prtext_body(&body, &in, 0), 0);
	req = (struct github_pull_new){ title.ptr, B_SYNC, "main", body.ptr, false };
	ck_assert_int_eq(github_pull_create_once(&pr, &adopted, a, "acme/api", &req), 0);
	ck_assert(!adopted);
	ck_assert_str_eq(pr->title, "[Sync] Update project files from source repository "
	    "(0123456)");
	ck_assert_str_eq(pr->head.ref, B_SYNC);
	ck_assert_uint_eq(strlen(pr->head.sha), 40);
	ck_assert_int_eq(github_labels_add(a, "acme/api", pr->number, labels, 2), 0);
	ck_assert_int_eq(github_assignees_add(a, "acme/api", pr->number, users, 1), 0);
	ck_assert_int_eq(github_reviewers_request(a, "acme/api", pr->number, users, 1,
	    teams, 1), 0);
	ck_assert_int_eq(github_comment_create(a, "acme/api", pr->number, "synced"), 0);
	ck_assert_int_eq(github_pull_update(&upd, a, "acme/api", pr->number, &e), 0);
	ck_assert_str_eq(upd->title, "[Sync] retitled");
	ck_assert_uint_eq(upd->labels.n, 2);
	ck_assert_str_eq(upd->labels.v[0], "automated-sync");
	ck_assert_uint_eq(upd->assignees.n, 1);
	ck_assert_str_eq(upd->assignees.v[0], "alice");
	ck_assert_uint_eq(upd->reviewers.n, 1);
	ck_assert_str_eq(upd->team_reviewers.v[0], "platform");
	github_pull_free(upd);

	/* Discovery finds it again, reads its metadata, compares full ids. */
	ck_assert_int_eq(discovery_run(&d, a, &t), 0);
	ck_assert_str_eq(d.base_branch, "main");
	ck_assert_uint_eq(strlen(d.base_head), 40);
	ck_assert_ptr_nonnull(d.pr);
	ck_assert_int_eq(d.pr->number, pr->number);
	ck_assert(d.has_meta);
	ck_assert_str_eq(d.meta.source_commit, SRC);
	ck_assert(discovery_is_current(&d, SRC, DIGEST));
	ck_assert(!discovery_is_current(&d, "0123456", DIGEST));
	discovery_release(&d);
	/* A second create for the same head adopts the open PR. */
	ck_assert_int_eq(github_pull_create_once(&upd, &adopted, a, "acme/api", &req), 0);
	ck_assert(adopted);
	ck_assert_int_eq(upd->number, pr->number);
	github_pull_free(upd);
	github_pull_free(pr);
	buf_release(&title);
	buf_release(&body);
	api_free(a);
}
END_TEST

START_TEST(test_forge_etag)
{
	char *cache = xasprintf("%s/http-etag", tmp);
	struct api_response r;
	struct api *a = mkapi(TOKEN, cache);
	long rem1, rem2, rem3;

	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/api", NULL, 0), 0);
	ck_assert(!r.not_modified);
	ck_assert_ptr_nonnull(r.etag);
	rem1 = r.quota.remaining;
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/api", NULL, 0), 0);
	ck_assert(r.not_modified);
	ck_assert_int_eq(r.status, 304);
	ck_assert_ptr_nonnull(strstr(r.body.ptr, "\"default_branch\":\"main\""));
	rem2 = r.quota.remaining;
	/* The 304 cost nothing; an unconditional GET costs one. */
	ck_assert_int_eq(rem2, rem1);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/repos/acme/api", NULL, API_NOCACHE),
	    0);
	rem3 = r.quota.remaining;
	ck_assert_int_eq(rem3, rem2 - 1);
	ck_assert_uint_eq(api_get_stats(a)->not_modified, 1);
	api_response_release(&r);
	api_free(a);
	free(cache);
}
END_TEST

START_TEST(test_forge_5xx_retried)
{
	struct api *a = mkapi(TOKEN, NULL);
	struct github_repo *repo;

	control(a, API_POST, "/faults", "{\"kind\":\"status\",\"status\":502,\"method\":"
	    "\"GET\",\"path\":\"/repos/acme/api$\",\"count\":2}");
	ck_assert_int_eq(github_repo_get(&repo, a, "acme/api"), 0);
	ck_assert_str_eq(repo->default_branch, "main");
	ck_assert_uint_eq(api_get_stats(a)->retries, 2);
	github_repo_free(repo);
	/* More failures than retries: the error says so. */
	control(a, API_POST, "/faults", "{\"kind\":\"status\",\"status\":503,\"method\":"
	    "\"GET\",\"path\":\"/repos/acme/api$\",\"count\":4}");
	ck_assert_int_eq(github_repo_get(&repo, a, "acme/api"), ERR_NET);
	ck_assert_str_eq(err_last(), "cannot get repository 'acme/api': giving up after 3 "
	    "retries: 503 Service Unavailable");
	control(a, API_DELETE, "/faults", NULL);
	api_free(a);
}
END_TEST

START_TEST(test_forge_rate_limits)
{
	static const char *const labels[] = { "x" };
	struct api *a = mkapi(TOKEN, NULL);
	struct api_response r;
	uint64_t t0;

	/* Secondary limit with retry-after: 1 s honoured, then success. */
	control(a, API_POST, "/faults", "{\"kind\":\"secondary\",\"retry_after\":1,"
	    "\"method\":\"POST\",\"path\":\"/labels$\",\"count\":1}");
	t0 = util_now_ms();
	ck_assert_int_eq(github_labels_add(a, "acme/api", 1, labels, 1), 0);
	ck_assert_uint_ge(util_now_ms() - t0, 1000);
	ck_assert_uint_eq(api_get_stats(a)->rate_limited, 1);
	/* Secondary limit without retry-after: the backoff (200 ms here). */
	control(a, API_POST, "/faults", "{\"kind\":\"status\",\"status\":429,\"method\":"
	    "\"GET\",\"path\":\"/user$\",\"count\":1}");
	t0 = util_now_ms();
	api_response_init(&r);
	ck_assert_int_eq(api_request(&r, a, API_GET, "/user", NULL, API_NOCACHE), 0);
	ck_assert_int_eq(r.status, 200);
	api_response_release(&r);
	ck_assert_uint_eq(api_get_stats(a)->rate_limited, 2);
	ck_assert_uint_ge(util_now_ms() - t0, 200);
	/* Primary quota exhausted until x-ratelimit-reset (1-2 s ahead). */
	control(a, API_POST, "/faults", "{\"kind\":\"primary\",\"reset\":2,\"method\":"
	    "\"GET\",\"path\":\"/repos/acme/api$\",\"count\":1}");
	t0 = util_now_ms();
	{
		struct github_repo *repo;

		ck_assert_int_eq(github_repo_get(&repo, a, "acme/api"), 0);
		github_repo_free(repo);
	}
	ck_assert_uint_ge(util_now_ms() - t0, 1000);
	ck_assert_uint_eq(api_get_stats(a)->rate_limited, 3);
	control(a, API_DELETE, "/faults", NULL);
	api_free(a);
}
END_TEST

struct count {
	int pages, items;
};

static int
count_page(const struct api_response *r, void *arg)
{
	struct count *c = arg;
	json_t *j = json_loadb(r->body.ptr, r->body.len, 0, NULL);

	c->pages++;
	c->items += (int)json_array_size(j);
	json_decref(j);
	return 0;
}

START_TEST(test_forge_lost_create)
{
	struct github_pull_new req = { "[Sync] lost", B_LOST, "main", "body", false };
	struct github_pull_new req2 = { "paging", B_PAGE, "main", NULL, false };
	struct api *a = mkapi(TOKEN, NULL);
	struct github_pulls list;
	struct github_pull *pr, *pr2;
	struct count c = { 0, 0 };
	bool adopted = false;
	int posts;

	/* The create happens, its answer is lost: reconciled, not repeated. */
	control(a, API_POST, "/faults", "{\"kind\":\"drop_after\",\"method\":\"POST\","
	    "\"path\":\"/repos/acme/api/pulls$\",\"count\":1}");
	posts = forge_count("POST", "/repos/acme/api/pulls");
	ck_assert_int_eq(github_pull_create_once(&pr, &adopted, a, "acme/api", &req), 0);
	ck_assert(adopted);
	ck_assert_str_eq(pr->head.ref, B_LOST);
	ck_assert_int_eq(forge_count("POST", "/repos/acme/api/pulls"), posts + 1);
	ck_assert_int_eq(github_pulls_list(&list, a, "acme/api", "acme:" B_LOST), 0);
	ck_assert_uint_eq(list.n, 1);
	github_pulls_release(&list);
	/* Dropped before it was performed: the reconcile finds none, resends. */
	control(a, API_POST, "/faults", "{\"kind\":\"drop\",\"method\":\"POST\","
	    "\"path\":\"/repos/acme/api/pulls$\",\"count\":1}");
	ck_assert_int_eq(github_pull_create_once(&pr2, &adopted, a, "acme/api", &req2), 0);
	ck_assert(!adopted);
	ck_assert_int_eq(forge_count("POST", "/repos/acme/api/pulls"), posts + 3);
	/* Pagination over the forge's Link headers, one PR per page. */
	ck_assert_int_eq(api_get_pages(a, "/repos/acme/api/pulls?state=all&per_page=1", 0,
	    count_page, &c), 0);
	ck_assert_int_ge(c.pages, 2);
	ck_assert_int_eq(c.items, c.pages);
	github_pull_free(pr);
	github_pull_free(pr2);
	api_free(a);
}
END_TEST

START_TEST(test_forge_refs)
{
	struct api *a = mkapi(TOKEN, NULL);
	char sha[41];

	ck_assert_int_eq(github_branch_head(sha, a, "acme/api", B_GONE), 0);
	ck_assert_uint_eq(strlen(sha), 40);
	ck_assert_int_eq(github_branch_delete(a, "acme/api", B_GONE), 0);
	ck_assert_int_eq(github_branch_delete(a, "acme/api", B_GONE), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "cannot delete branch '" B_GONE "' of 'acme/api': no "
	    "such branch");
	ck_assert_int_eq(github_branch_head(sha, a, "acme/api", B_GONE), ERR_NOTFOUND);
	ck_assert_int_eq(github_branch_head(sha, a, "acme/nope", "main"), ERR_NOTFOUND);
	api_free(a);
}
END_TEST

START_TEST(test_forge_bad_token)
{
	struct api *a = mkapi("wrong-token", NULL);
	struct github_user *u;
	struct discovery_target t = { "acme/api", NULL, PREFIX, NULL, false, false };
	struct discovery d;
	char *want;

	ck_assert_int_eq(github_user_get(&u, a), ERR_AUTH);
	want = xasprintf("authentication failed at '%s': 401 Bad credentials (check "
	    "GITHUB_TOKEN, GH_TOKEN or --token-file)", origin);
	ck_assert_str_eq(err_last(), want);
	ck_assert_int_eq(discovery_run(&d, a, &t), ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot discover 'acme/api': cannot get "
	    "repository 'acme/api': authentication failed"));
	discovery_release(&d);
	free(want);
	api_free(a);
}
END_TEST

Suite *
github_forge_suite(void)
{
	Suite *s = suite_create("github_forge");
	TCase *tc = tcase_create("forge");

	tcase_add_unchecked_fixture(tc, forge_setup, forge_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_forge_pr_flow);
	tcase_add_test(tc, test_forge_etag);
	tcase_add_test(tc, test_forge_5xx_retried);
	tcase_add_test(tc, test_forge_rate_limits);
	tcase_add_test(tc, test_forge_lost_create);
	tcase_add_test(tc, test_forge_refs);
	tcase_add_test(tc, test_forge_bad_token);
	suite_add_tcase(s, tc);
	return s;
}
