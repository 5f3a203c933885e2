/*
 * Unit tests for supervisor/github/github.c and supervisor/github/discovery.c: the
 * recorded api.github.com fixtures parsed into structs, every endpoint's
 * request (method, path, JSON body) checked against a scripted loopback
 * stub, the create-once reconciliation, and sync PR selection.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/api.h"
#include "supervisor/github/discovery.h"
#include "supervisor/github/github.h"

#include "ghfixture.h"
#include "httpstub.h"

#define SRC "0123456789abcdef0123456789abcdef01234567"
#define DIGEST "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
#define HEAD12 "chore/sync-files-api-20240115-120530-0123456"

static struct api *
mkapi(struct stub *s, struct fake_clock *f)
{
	struct api_opts o;
	struct api *a = NULL;

	api_opts_init(&o);
	o.base_url = s->url;
	o.now_ms = fake_now;
	o.wall_ms = fake_wall;
	o.sleep_ms = fake_sleep;
	o.arg = f;
	ck_assert_msg(api_new(&a, &o, "tok") == 0, "%s", err_last());
	return a;
}

/* The request body of request i equals the JSON text want. */
static void
assert_json(const struct stub *s, size_t i, const char *want)
{
	json_t *got = json_loads(s->reqs[i].body, 0, NULL);
	json_t *exp = json_loads(want, 0, NULL);

	ck_assert_ptr_nonnull(exp);
	ck_assert_msg(got != NULL && json_equal(got, exp), "request %zu body %s, want %s",
	    i, s->reqs[i].body, want);
	json_decref(got);
	json_decref(exp);
}

static void
load_pulls(struct github_pulls *p)
{
	char *body = fixture_body("repocast-pulls-open.json", 0);

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(github_pulls_parse(p, body, strlen(body)), 0);
	free(body);
}

/* ---- fixtures ---- */

START_TEST(test_repo_fixture)
{
	char *body = fixture_body("get-repository.json", 0);
	struct github_repo *r;

	ck_assert_int_eq(github_repo_parse(&r, body, strlen(body)), 0);
	ck_assert_str_eq(r->full_name, "octokit-fixture-org/hello-world");
	ck_assert_str_eq(r->name, "hello-world");
	ck_assert_str_eq(r->owner, "octokit-fixture-org");
	ck_assert_str_eq(r->default_branch, "master");
	ck_assert_str_eq(r->clone_url, "https://github.com/octokit-fixture-org/hello-world.git");
	ck_assert_str_eq(r->html_url, "https://github.com/octokit-fixture-org/hello-world");
	ck_assert(r->can_push);
	ck_assert(!r->private_repo);
	ck_assert(!r->archived);
	ck_assert(r->allow_squash_merge && r->allow_merge_commit && r->allow_rebase_merge);
	ck_assert(!r->allow_auto_merge);
	github_repo_free(r);
	free(body);
	/* absent (a token without admin rights is not shown them): GitHub's defaults */
	ck_assert_int_eq(github_repo_parse(&r, "{\"full_name\":\"a/b\","
	    "\"allow_squash_merge\":false,\"allow_auto_merge\":true}", 70), 0);
	ck_assert(!r->allow_squash_merge && r->allow_merge_commit && r->allow_rebase_merge);
	ck_assert(r->allow_auto_merge);
	github_repo_free(r);
}
END_TEST

START_TEST(test_pull_mergeable)
{
	static const char *const cases[] = {
		"{\"number\":1,\"head\":{\"ref\":\"x\"},\"mergeable\":true,"
		"\"mergeable_state\":\"clean\",\"node_id\":\"PR_kw\"}",
		"{\"number\":1,\"head\":{\"ref\":\"x\"},\"mergeable\":false,"
		"\"mergeable_state\":\"dirty\"}",
		"{\"number\":1,\"head\":{\"ref\":\"x\"},\"mergeable\":null}",
		"{\"number\":1,\"head\":{\"ref\":\"x\"}}",
	};
	static const int want[] = { 1, 0, -1, -1 };
	struct github_pull *pr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(github_pull_parse(&pr, cases[i], strlen(cases[i])), 0);
		ck_assert_int_eq(pr->mergeable, want[i]);
		if (i == 0) {
			ck_assert_str_eq(pr->mergeable_state, "clean");
			ck_assert_str_eq(pr->node_id, "PR_kw");
		}
		if (i == 3)
			ck_assert_ptr_null(pr->mergeable_state);
		github_pull_free(pr);
	}
}
END_TEST

START_TEST(test_labels_fixture)
{
	char *body = fixture_body("add-labels-to-issue.json", 1);
	struct strv v;

	ck_assert_int_eq(github_labels_parse(&v, body, strlen(body)), 0);
	ck_assert_uint_eq(v.n, 3);
	ck_assert_str_eq(v.v[0], "Foo");
	ck_assert_str_eq(v.v[1], "bAr");
	ck_assert_str_eq(v.v[2], "baZ");
	strv_release(&v);
	free(body);
	body = fixture_body("labels.json", 0);
	ck_assert_int_eq(github_labels_parse(&v, body, strlen(body)), 0);
	ck_assert_uint_eq(v.n, 9);
	ck_assert_str_eq(v.v[0], "bug");
	strv_release(&v);
	free(body);
	/* A single label object is not a list. */
	body = fixture_body("labels.json", 1);
	ck_assert_int_eq(github_labels_parse(&v, body, strlen(body)), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad label list from the github api: not an array");
	free(body);
}
END_TEST

START_TEST(test_refs_fixture)
{
	char *body = fixture_body("git-refs.json", 1), *ref;
	char sha[41];

	ck_assert_int_eq(github_ref_parse(&ref, sha, body, strlen(body)), 0);
	ck_assert_str_eq(ref, "refs/heads/test");
	ck_assert_str_eq(sha, "0000000000000000000000000000000000000002");
	free(ref);
	free(body);
	/* The list answer (an array) is not a ref object. */
	body = fixture_body("git-refs.json", 0);
	ck_assert_int_eq(github_ref_parse(&ref, sha, body, strlen(body)), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad git ref from the github api: no object.sha");
	ck_assert_ptr_null(ref);
	free(body);
	/* 40 characters that are not a commit id (found by fuzz_apijson). */
	body = xstrdup("{\"ref\":\"refs/heads/x\",\"object\":{\"sha\":"
	    "\"00000000000000000 0000000000000000000001\"}}");
	ck_assert_int_eq(github_ref_parse(&ref, sha, body, strlen(body)), ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "not a 40-digit hex commit id"));
	ck_assert_ptr_null(ref);
	free(body);
}
END_TEST

START_TEST(test_issues_are_not_pulls)
{
	char *body = fixture_body("paginate-issues.json", 0);
	struct github_pulls p = { 0 };

	ck_assert_int_eq(github_pulls_parse(&p, body, strlen(body)), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad pull request #13 from the github api: no "
	    "head.ref");
	ck_assert_uint_eq(p.n, 0);
	github_pulls_release(&p);
	free(body);
}
END_TEST

START_TEST(test_pulls_fixture)
{
	struct github_pulls p;
	struct github_pull *pr;

	load_pulls(&p);
	ck_assert_uint_eq(p.n, 5);
	pr = &p.v[0];
	ck_assert_int_eq(pr->number, 12);
	ck_assert_str_eq(pr->html_url, "https://github.com/acme/api/pull/12");
	ck_assert_str_eq(pr->state, "open");
	ck_assert_str_eq(pr->title, "[Sync] Update project files from source repository "
	    "(0123456)");
	ck_assert_ptr_nonnull(strstr(pr->body, "<!-- repocast-metadata"));
	ck_assert_str_eq(pr->head.ref, HEAD12);
	ck_assert_str_eq(pr->head.label, "acme:" HEAD12);
	ck_assert_str_eq(pr->head.repo, "acme/api");
	ck_assert_uint_eq(strlen(pr->head.sha), 40);
	ck_assert_str_eq(pr->base.ref, "main");
	ck_assert_uint_eq(pr->labels.n, 2);
	ck_assert_str_eq(pr->labels.v[1], "bAr");
	ck_assert_str_eq(pr->user, "repocast-bot");
	ck_assert_uint_eq(pr->reviewers.n, 1);
	ck_assert_str_eq(pr->reviewers.v[0], "octocat");
	ck_assert_str_eq(pr->team_reviewers.v[0], "platform");
	ck_assert_str_eq(pr->assignees.v[0], "alice");
	ck_assert(!pr->draft);
	ck_assert_ptr_null(p.v[3].body);
	ck_assert(p.v[3].draft);
	ck_assert_str_eq(p.v[4].head.repo, "mallory/api");
	github_pulls_release(&p);
}
END_TEST

START_TEST(test_parse_errors)
{
	struct github_repo *r;
	struct github_pull *pr;
	struct github_pulls p = { 0 };
	struct github_rate rate;

	ck_assert_int_eq(github_repo_parse(&r, "{", 1), ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "bad repository from the github api: "));
	ck_assert_int_eq(github_repo_parse(&r, "{}", 2), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad repository from the github api: no full_name");
	ck_assert_int_eq(github_pulls_parse(&p, "{}", 2), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad pull request list from the github api: not an "
	    "array");
	ck_assert_int_eq(github_pulls_parse(&p, "[]", 2), 0);
	ck_assert_uint_eq(p.n, 0);
	github_pulls_release(&p);
	ck_assert_int_eq(github_pull_parse(&pr, "{\"number\":\"1\"}", 14), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad pull request from the github api: no number");
	/* Out of int's range or not positive: never truncated into another PR's number. */
	{
		static const char *const bad[] = {
			"{\"number\":4294967297,\"head\":{\"ref\":\"x\"}}",
			"{\"number\":0,\"head\":{\"ref\":\"x\"}}",
			"{\"number\":-1,\"head\":{\"ref\":\"x\"}}",
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			ck_assert_int_eq(github_pull_parse(&pr, bad[i], strlen(bad[i])), ERR_PROTO);
			ck_assert_ptr_nonnull(strstr(err_last(), "out of range"));
			ck_assert_ptr_null(pr);
		}
	}
	ck_assert_int_eq(github_rate_parse(&rate, "{\"resources\":{}}", 16), ERR_PROTO);
	ck_assert_str_eq(err_last(), "bad rate limit from the github api: no "
	    "resources.core");
}
END_TEST

START_TEST(test_repo_names)
{
	ck_assert(github_repo_valid("acme/api"));
	ck_assert(github_repo_valid("a-b_c/d.e-f_1"));
	ck_assert(!github_repo_valid("acme"));
	ck_assert(!github_repo_valid("acme/"));
	ck_assert(!github_repo_valid("/api"));
	ck_assert(!github_repo_valid("acme/../x"));
	ck_assert(!github_repo_valid("acme/.hidden"));
	ck_assert(!github_repo_valid("acme/a/b"));
	ck_assert(!github_repo_valid("acme/a?b"));
	ck_assert(!github_repo_valid(NULL));
}
END_TEST

/* ---- endpoints ---- */

START_TEST(test_repo_get)
{
	static char *repo_body;
	struct stub_resp script[] = {
		{ 200, "ETag: \"r1\"\r\n", NULL, 0, 0 },
		{ 404, NULL, "{\"message\":\"Not Found\"}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct github_repo *r;
	struct stub s;
	struct api *a;

	repo_body = fixture_body("get-repository.json", 0);
	script[0].body = repo_body;
	stub_start(&s, script, 2);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_repo_get(&r, a, "acme/hello-world"), 0);
	ck_assert_str_eq(s.reqs[0].method, "GET");
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/hello-world");
	ck_assert_str_eq(r->default_branch, "master");
	github_repo_free(r);
	ck_assert_int_eq(github_repo_get(&r, a, "acme/nope"), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "repository 'acme/nope' not found (or no access)");
	ck_assert_ptr_null(r);
	ck_assert_int_eq(github_repo_get(&r, a, "acme/../etc"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid repository name 'acme/../etc'");
	ck_assert_uint_eq(s.nreqs, 2);
	api_free(a);
	stub_stop(&s);
	free(repo_body);
}
END_TEST

static const char pr_json[] = "{\"number\":42,\"html_url\":\"https://github.com/acme/api/"
    "pull/42\",\"state\":\"open\",\"title\":\"T\",\"body\":\"B\",\"head\":{\"ref\":\""
    HEAD12 "\",\"sha\":\"" SRC "\",\"label\":\"acme:" HEAD12 "\",\"repo\":{\"full_name\":"
    "\"acme/api\"}},\"base\":{\"ref\":\"main\"},\"labels\":[],\"user\":{\"login\":\"bot\"}}";

START_TEST(test_pull_create)
{
	static const struct stub_resp script[] = {
		{ 201, NULL, pr_json, 0, 0 },
	};
	struct github_pull_new req = { "T", HEAD12, "main", "B", false };
	struct fake_clock f = { 0 };
	struct github_pull *pr;
	struct stub s;
	struct api *a;
	bool adopted = true;

	stub_start(&s, script, 1);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_pull_create_once(&pr, &adopted, a, "acme/api", &req), 0);
	ck_assert(!adopted);
	ck_assert_int_eq(pr->number, 42);
	ck_assert_str_eq(pr->head.sha, SRC);
	ck_assert_str_eq(s.reqs[0].method, "POST");
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/api/pulls");
	assert_json(&s, 0, "{\"title\":\"T\",\"head\":\"" HEAD12 "\",\"base\":\"main\","
	    "\"body\":\"B\",\"draft\":false}");
	ck_assert_uint_eq(api_get_stats(a)->creates, 1);
	github_pull_free(pr);
	api_free(a);
	stub_stop(&s);
}
END_TEST

#define EXISTS_BODY "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":" \
    "\"PullRequest\",\"code\":\"custom\",\"message\":\"A pull request already exists " \
    "for acme:" HEAD12 ".\"}]}"

START_TEST(test_create_exists_not_open)
{
	static const struct stub_resp script[] = {
		{ 422, NULL, EXISTS_BODY, 0, 0 },
		{ 200, NULL, "[]", 0, 0 },
	};
	struct github_pull_new req = { "T", HEAD12, "main", NULL, false };
	struct fake_clock f = { 0 };
	struct github_pull *pr;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 2);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_pull_create_once(&pr, NULL, a, "acme/api", &req), ERR_EXISTS);
	ck_assert_str_eq(err_last(), "cannot create pull request in 'acme/api': 422 "
	    "Validation Failed: A pull request already exists for acme:" HEAD12 ".");
	ck_assert_ptr_null(pr);
	ck_assert_uint_eq(s.nreqs, 2);
	ck_assert_str_eq(s.reqs[1].method, "GET");
	ck_assert_str_eq(s.reqs[1].target, "/repos/acme/api/pulls?state=open&per_page=100"
	    "&head=acme%3Achore%2Fsync-files-api-20240115-120530-0123456");
	assert_json(&s, 0, "{\"title\":\"T\",\"head\":\"" HEAD12 "\",\"base\":\"main\","
	    "\"draft\":false}");
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_create_other_422)
{
	static const struct stub_resp script[] = {
		{ 422, NULL, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":"
		    "\"PullRequest\",\"field\":\"base\",\"code\":\"invalid\"}]}", 0, 0 },
	};
	struct github_pull_new req = { "T", HEAD12, "nope", NULL, false };
	struct fake_clock f = { 0 };
	struct github_pull *pr;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 1);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_pull_create_once(&pr, NULL, a, "acme/api", &req), ERR_FAIL);
	ck_assert_str_eq(err_last(), "cannot create pull request in 'acme/api': 422 "
	    "Validation Failed: PullRequest.base: invalid");
	ck_assert_uint_eq(s.nreqs, 1);
	api_free(a);
	stub_stop(&s);
}
END_TEST

static char list_one[4096];

START_TEST(test_create_dropped_adopts)
{
	struct stub_resp script[] = {
		{ 0, NULL, NULL, STUB_DROP, 0 },
		{ 200, NULL, list_one, 0, 0 },
	};
	struct github_pull_new req = { "T", HEAD12, "main", NULL, false };
	struct fake_clock f = { 0 };
	struct github_pull *pr;
	struct stub s;
	struct api *a;
	bool adopted = false;

	snprintf(list_one, sizeof(list_one), "[%s]", pr_json);
	stub_start(&s, script, 2);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_pull_create_once(&pr, &adopted, a, "acme/api", &req), 0);
	ck_assert(adopted);
	ck_assert_int_eq(pr->number, 42);
	/* One POST only: the lost create was found, not repeated. */
	ck_assert_uint_eq(s.nreqs, 2);
	ck_assert_str_eq(s.reqs[0].method, "POST");
	ck_assert_str_eq(s.reqs[1].method, "GET");
	github_pull_free(pr);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_create_dropped_resends)
{
	static const struct stub_resp script[] = {
		{ 0, NULL, NULL, STUB_DROP, 0 },
		{ 200, NULL, "[]", 0, 0 },
		{ 201, NULL, pr_json, 0, 0 },
	};
	struct github_pull_new req = { "T", HEAD12, "main", NULL, false };
	struct fake_clock f = { 0 };
	struct github_pull *pr;
	struct stub s;
	struct api *a;
	bool adopted = true;

	stub_start(&s, script, 3);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_pull_create_once(&pr, &adopted, a, "acme/api", &req), 0);
	ck_assert(!adopted);
	ck_assert_uint_eq(s.nreqs, 3);
	ck_assert_str_eq(s.reqs[2].method, "POST");
	github_pull_free(pr);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_create_exists_adopts)
{
	struct stub_resp script[] = {
		{ 422, NULL, EXISTS_BODY, 0, 0 },
		{ 200, NULL, list_one, 0, 0 },
	};
	struct github_pull_new req = { "T", HEAD12, "main", NULL, false };
	struct fake_clock f = { 0 };
	struct github_pull *pr;
	struct stub s;
	struct api *a;
	bool adopted = false;

	snprintf(list_one, sizeof(list_one), "[%s]", pr_json);
	stub_start(&s, script, 2);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_pull_create_once(&pr, &adopted, a, "acme/api", &req), 0);
	ck_assert(adopted);
	ck_assert_int_eq(pr->number, 42);
	github_pull_free(pr);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_pr_decorations)
{
	static const struct stub_resp script[] = {
		{ 200, NULL, "[{\"name\":\"automated-sync\"}]", 0, 0 },
		{ 201, NULL, "{}", 0, 0 },
		{ 201, NULL, "{}", 0, 0 },
		{ 201, NULL, "{}", 0, 0 },
		{ 200, NULL, pr_json, 0, 0 },
	};
	static const char *const labels[] = { "automated-sync", "chore" };
	static const char *const users[] = { "alice" };
	static const char *const teams[] = { "platform" };
	struct github_pull_edit e = { NULL, "new body", "closed", NULL };
	struct fake_clock f = { 0 };
	struct github_pull *pr;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 5);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_labels_add(a, "acme/api", 42, labels, 2), 0);
	ck_assert_int_eq(github_labels_add(a, "acme/api", 42, labels, 0), 0);
	ck_assert_int_eq(github_assignees_add(a, "acme/api", 42, users, 1), 0);
	ck_assert_int_eq(github_reviewers_request(a, "acme/api", 42, users, 1, teams, 1), 0);
	ck_assert_int_eq(github_reviewers_request(a, "acme/api", 42, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(github_comment_create(a, "acme/api", 42, "hello"), 0);
	ck_assert_int_eq(github_pull_update(&pr, a, "acme/api", 42, &e), 0);
	ck_assert_int_eq(pr->number, 42);
	github_pull_free(pr);
	ck_assert_uint_eq(s.nreqs, 5);
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/api/issues/42/labels");
	assert_json(&s, 0, "{\"labels\":[\"automated-sync\",\"chore\"]}");
	ck_assert_str_eq(s.reqs[1].target, "/repos/acme/api/issues/42/assignees");
	assert_json(&s, 1, "{\"assignees\":[\"alice\"]}");
	ck_assert_str_eq(s.reqs[2].target, "/repos/acme/api/pulls/42/requested_reviewers");
	assert_json(&s, 2, "{\"reviewers\":[\"alice\"],\"team_reviewers\":[\"platform\"]}");
	ck_assert_str_eq(s.reqs[3].target, "/repos/acme/api/issues/42/comments");
	assert_json(&s, 3, "{\"body\":\"hello\"}");
	ck_assert_str_eq(s.reqs[4].method, "PATCH");
	ck_assert_str_eq(s.reqs[4].target, "/repos/acme/api/pulls/42");
	assert_json(&s, 4, "{\"body\":\"new body\",\"state\":\"closed\"}");
	/* Only the comment counts as content-creating here. */
	ck_assert_uint_eq(api_get_stats(a)->creates, 1);
	ck_assert_uint_eq(api_get_stats(a)->writes, 5);
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_decoration_errors)
{
	static const struct stub_resp script[] = {
		{ 422, NULL, "{\"message\":\"Reviews may only be requested from "
		    "collaborators. One or more of the users or teams you specified is "
		    "not a collaborator of the acme/api repository.\"}", 0, 0 },
	};
	static const char *const users[] = { "stranger" };
	struct fake_clock f = { 0 };
	struct stub s;
	struct api *a;

	stub_start(&s, script, 1);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_reviewers_request(a, "acme/api", 42, users, 1, NULL, 0),
	    ERR_FAIL);
	ck_assert_str_eq(err_last(), "cannot request reviewers on #42 in 'acme/api': 422 "
	    "Reviews may only be requested from collaborators. One or more of the users "
	    "or teams you specified is not a collaborator of the acme/api repository.");
	api_free(a);
	stub_stop(&s);
}
END_TEST

START_TEST(test_branch_ops)
{
	static char *ref_body;
	struct stub_resp script[] = {
		{ 200, NULL, NULL, 0, 0 },
		{ 204, NULL, NULL, 0, 0 },
		{ 422, NULL, "{\"message\":\"Reference does not exist\"}", 0, 0 },
		{ 404, NULL, "{\"message\":\"Not Found\"}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct stub s;
	struct api *a;
	char sha[41];

	ref_body = fixture_body("git-refs.json", 2);
	script[0].body = ref_body;
	stub_start(&s, script, 4);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_branch_head(sha, a, "acme/api", "release/v1"), 0);
	ck_assert_str_eq(sha, "0000000000000000000000000000000000000001");
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/api/git/ref/heads/release/v1");
	ck_assert_int_eq(github_branch_delete(a, "acme/api", HEAD12), 0);
	ck_assert_str_eq(s.reqs[1].method, "DELETE");
	ck_assert_str_eq(s.reqs[1].target, "/repos/acme/api/git/refs/heads/" HEAD12);
	ck_assert_int_eq(github_branch_delete(a, "acme/api", "gone"), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "cannot delete branch 'gone' of 'acme/api': no such "
	    "branch");
	ck_assert_int_eq(github_branch_head(sha, a, "acme/api", "nope"), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "branch 'nope' not found in 'acme/api'");
	api_free(a);
	stub_stop(&s);
	free(ref_body);
}
END_TEST

START_TEST(test_rate_and_user)
{
	static const struct stub_resp script[] = {
		{ 200, NULL, "{\"resources\":{\"core\":{\"limit\":5000,\"used\":1,"
		    "\"remaining\":4999,\"reset\":1700000000},\"search\":{\"limit\":30,"
		    "\"used\":0,\"remaining\":30,\"reset\":1700000060}},\"rate\":{\"limit\":"
		    "5000,\"used\":1,\"remaining\":4999,\"reset\":1700000000}}", 0, 0 },
		{ 200, NULL, "{\"login\":\"octocat\",\"id\":583231,\"name\":\"The Octocat\"}",
		    0, 0 },
		{ 401, NULL, "{\"message\":\"Bad credentials\"}", 0, 0 },
	};
	struct fake_clock f = { 0 };
	struct github_rate rate;
	struct github_user *u;
	struct stub s;
	struct api *a;

	stub_start(&s, script, 3);
	a = mkapi(&s, &f);
	ck_assert_int_eq(github_rate_get(&rate, a), 0);
	ck_assert_int_eq(rate.core.limit, 5000);
	ck_assert_int_eq(rate.core.remaining, 4999);
	ck_assert_int_eq(rate.core.reset, 1700000000);
	ck_assert_int_eq(rate.search.remaining, 30);
	ck_assert_str_eq(s.reqs[0].target, "/rate_limit");
	ck_assert_int_eq(github_user_get(&u, a), 0);
	ck_assert_str_eq(u->login, "octocat");
	ck_assert_str_eq(u->name, "The Octocat");
	ck_assert_int_eq(u->id, 583231);
	github_user_free(u);
	ck_assert_int_eq(github_user_get(&u, a), ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), "authentication failed at"));
	ck_assert_ptr_null(u);
	api_free(a);
	stub_stop(&s);
}
END_TEST

/* ---- discovery ---- */

static const struct discovery_target tgt = {
	"acme/api", NULL, "chore/sync-files", "acme/templates", false, false
};

START_TEST(test_pick_fixture)
{
	struct github_pulls p;
	struct discovery d = { 0 };

	load_pulls(&p);
	discovery_pick(&d, &p, &tgt, "main");
	ck_assert_ptr_nonnull(d.pr);
	ck_assert_int_eq(d.pr->number, 12);
	ck_assert(d.has_meta);
	ck_assert_int_eq(d.meta.origin, PRTEXT_REPOCAST);
	ck_assert_str_eq(d.branch.scope, "api");
	ck_assert_str_eq(d.branch.commit, "0123456");
	/* The older go-broadcast PR of the same target is a duplicate; the
	 * hand-made branch, the unrelated PR and the fork's PR are not ours. */
	ck_assert_uint_eq(d.nothers, 1);
	ck_assert_int_eq(d.others[0].number, 9);
	ck_assert(discovery_is_current(&d, SRC, DIGEST));
	ck_assert(discovery_is_current(&d, SRC, NULL));
	ck_assert(!discovery_is_current(&d, SRC, "other"));
	ck_assert(!discovery_is_current(&d, "0123456", NULL));
	ck_assert(!discovery_is_current(&d, "0123456789abcdef0123456789abcdef01234568",
	    NULL));
	discovery_release(&d);
	github_pulls_release(&p);
}
END_TEST

/* Keep only the PRs numbered in keep[] (the rest released). */
static void
keep_only(struct github_pulls *p, const int *keep, size_t nkeep)
{
	size_t i, j, out = 0;

	for (i = 0; i < p->n; i++) {
		bool k = false;

		for (j = 0; j < nkeep; j++)
			k = k || p->v[i].number == keep[j];
		if (k)
			p->v[out++] = p->v[i];
		else
			github_pull_release(&p->v[i]);
	}
	p->n = out;
}

START_TEST(test_pick_go_broadcast)
{
	static const int keep[] = { 9 };
	struct github_pulls p;
	struct discovery d = { 0 };

	load_pulls(&p);
	keep_only(&p, keep, 1);
	discovery_pick(&d, &p, &tgt, "main");
	ck_assert_ptr_nonnull(d.pr);
	ck_assert_int_eq(d.pr->number, 9);
	ck_assert_int_eq(d.meta.origin, PRTEXT_GO_BROADCAST);
	ck_assert(discovery_is_current(&d, "fedcba9876543210fedcba9876543210fedcba98",
	    NULL));
	/* No digest in a go-broadcast block: never current when one is asked. */
	ck_assert(!discovery_is_current(&d, "fedcba9876543210fedcba9876543210fedcba98",
	    DIGEST));
	discovery_release(&d);
	github_pulls_release(&p);
}
END_TEST

START_TEST(test_pick_rules)
{
	static const int keep[] = { 12 };
	struct discovery_target t = tgt;
	struct github_pulls p;
	struct discovery d = { 0 };

	/* Another base: listed for closing, not chosen. */
	load_pulls(&p);
	keep_only(&p, keep, 1);
	discovery_pick(&d, &p, &t, "develop");
	ck_assert_ptr_null(d.pr);
	ck_assert_uint_eq(d.nothers, 1);
	ck_assert_int_eq(d.others[0].number, 12);
	ck_assert_ptr_nonnull(d.others[0].head.ref);   /* moved out of p ... */
	ck_assert_ptr_null(p.v[0].head.ref);           /* ... whose slot is zeroed */
	discovery_release(&d);
	github_pulls_release(&p);
	load_pulls(&p);
	keep_only(&p, keep, 1);
	/* Metadata for another source: not ours. */
	t.source_repo = "acme/other-templates";
	discovery_pick(&d, &p, &t, "main");
	ck_assert_ptr_null(d.pr);
	ck_assert_uint_eq(d.nothers, 0);
	discovery_release(&d);
	/* Metadata for another target (same scope "api"): not ours. */
	t.source_repo = NULL;
	t.repo = "other/api";
	discovery_pick(&d, &p, &t, "main");
	ck_assert_ptr_null(d.pr);
	discovery_release(&d);
	/* Without metadata the branch scope decides. */
	free(p.v[0].body);
	p.v[0].body = xstrdup("no block here");
	t.repo = "acme/api";
	discovery_pick(&d, &p, &t, "main");
	ck_assert_ptr_nonnull(d.pr);
	ck_assert(!d.has_meta);
	ck_assert(!discovery_is_current(&d, SRC, NULL));
	discovery_release(&d);
	github_pulls_release(&p);
}
END_TEST

START_TEST(test_discovery_run)
{
	static char *repo_body, *pulls_body;
	struct stub_resp script[] = {
		{ 200, "ETag: \"r\"\r\n", NULL, 0, 0 },
		{ 200, NULL, "{\"ref\":\"refs/heads/main\",\"object\":{\"sha\":\""
		    "1111111111111111111111111111111111111111\",\"type\":\"commit\"}}", 0, 0 },
		{ 200, "ETag: \"p\"\r\n", NULL, 0, 0 },
		{ 404, NULL, "{\"message\":\"Not Found\"}", 0, 0 },
	};
	struct discovery_target t = tgt;
	struct fake_clock f = { 0 };
	struct discovery d;
	struct stub s;
	struct api *a;

	repo_body = fixture_body("get-repository.json", 0);
	pulls_body = fixture_body("repocast-pulls-open.json", 0);
	script[0].body = repo_body;
	script[2].body = pulls_body;
	stub_start(&s, script, 4);
	a = mkapi(&s, &f);
	t.branch = "main";
	t.want_base_head = true;
	ck_assert_int_eq(discovery_run(&d, a, &t), 0);
	ck_assert_str_eq(d.default_branch, "master");
	ck_assert_str_eq(d.base_branch, "main");
	ck_assert_str_eq(d.base_head, "1111111111111111111111111111111111111111");
	ck_assert_int_eq(d.pr->number, 12);
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/api");
	ck_assert_str_eq(s.reqs[1].target, "/repos/acme/api/git/ref/heads/main");
	ck_assert_str_eq(s.reqs[2].target, "/repos/acme/api/pulls?state=open&per_page=100");
	discovery_release(&d);
	t.repo = "acme/gone";
	ck_assert_int_eq(discovery_run(&d, a, &t), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "cannot discover 'acme/gone': repository "
	    "'acme/gone' not found (or no access)");
	discovery_release(&d);
	api_free(a);
	stub_stop(&s);
	free(repo_body);
	free(pulls_body);
}
END_TEST

Suite *
github_suite(void)
{
	Suite *s = suite_create("github");
	TCase *fx = tcase_create("fixtures");
	TCase *ep = tcase_create("endpoints");
	TCase *disc = tcase_create("discovery");

	tcase_add_test(fx, test_repo_fixture);
	tcase_add_test(fx, test_pull_mergeable);
	tcase_add_test(fx, test_labels_fixture);
	tcase_add_test(fx, test_refs_fixture);
	tcase_add_test(fx, test_issues_are_not_pulls);
	tcase_add_test(fx, test_pulls_fixture);
	tcase_add_test(fx, test_parse_errors);
	tcase_add_test(fx, test_repo_names);
	tcase_set_timeout(ep, 20);
	tcase_add_test(ep, test_repo_get);
	tcase_add_test(ep, test_pull_create);
	tcase_add_test(ep, test_create_exists_not_open);
	tcase_add_test(ep, test_create_other_422);
	tcase_add_test(ep, test_create_dropped_adopts);
	tcase_add_test(ep, test_create_dropped_resends);
	tcase_add_test(ep, test_create_exists_adopts);
	tcase_add_test(ep, test_pr_decorations);
	tcase_add_test(ep, test_decoration_errors);
	tcase_add_test(ep, test_branch_ops);
	tcase_add_test(ep, test_rate_and_user);
	tcase_set_timeout(disc, 20);
	tcase_add_test(disc, test_pick_fixture);
	tcase_add_test(disc, test_pick_go_broadcast);
	tcase_add_test(disc, test_pick_rules);
	tcase_add_test(disc, test_discovery_run);
	suite_add_tcase(s, fx);
	suite_add_tcase(s, ep);
	suite_add_tcase(s, disc);
	return s;
}
