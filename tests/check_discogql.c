/*
 * discogql: the batched discovery query as sent, and its answer (shaped
 * like GitHub's: aliases, a null alias with its error, a next page, ids)
 * read into the same struct discovery REST discovery fills.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/discogql.h"

#define B0 "1111111111111111111111111111111111111111"
#define B1 "2222222222222222222222222222222222222222"
#define H5 "5555555555555555555555555555555555555555"
#define N5 "5555555555555555555555555555555555555556"
#define H3 "3333333333333333333333333333333333333333"
#define SRC "abcdefabcdefabcdefabcdefabcdefabcdefabcd"

START_TEST(test_build)
{
	const struct discovery_target t[] = {
		{ "acme/api", NULL, "chore/sync-files", "acme/templates", true, false },
		{ "acme/web", "dev\"x", "chore/sync-files", NULL, true, false },
	};
	struct buf b = BUF_INIT;

	discogql_build(&b, t, 2);
	ck_assert_str_eq(b.ptr,
	    "query{rateLimit{cost remaining resetAt}"
	    "r0:repository(owner:\"acme\",name:\"api\"){isArchived viewerPermission "
	    "defaultBranchRef{name target{oid}}"
	    "pullRequests(states:[OPEN],first:100,orderBy:{field:CREATED_AT,direction:DESC})"
	    "{pageInfo{hasNextPage}"
	    "nodes{id number url title body isDraft headRefName headRefOid baseRefName "
	    "isCrossRepository headRepository{nameWithOwner} headRepositoryOwner{login} "
	    "headRef{target{oid}} author{login} autoMergeRequest{enabledAt}}}}"
	    "r1:repository(owner:\"acme\",name:\"web\"){isArchived viewerPermission "
	    "defaultBranchRef{name target{oid}}"
	    "base:ref(qualifiedName:\"refs/heads/dev\\\"x\"){target{oid}}"
	    "pullRequests(states:[OPEN],first:100,orderBy:{field:CREATED_AT,direction:DESC})"
	    "{pageInfo{hasNextPage}"
	    "nodes{id number url title body isDraft headRefName headRefOid baseRefName "
	    "isCrossRepository headRepository{nameWithOwner} headRepositoryOwner{login} "
	    "headRef{target{oid}} author{login} autoMergeRequest{enabledAt}}}}"
	    "}");
	buf_release(&b);
}
END_TEST

/* One PR node as GitHub answers it; owner is the head repository's full name. */
static json_t *
pr(int number, const char *branch, const char *oid, const char *ref_oid, const char *owner,
    const char *body)
{
	char *login = xstrndup(owner, strcspn(owner, "/"));
	json_t *p = json_pack("{s:i,s:s,s:s,s:b,s:s,s:s,s:s,s:{s:s},s:{s:s},s:{s:s},s:s}",
	    "number", number, "url", "https://github.com/acme/api/pull/x", "title", "[Sync] t",
	    "isDraft", 0, "headRefName", branch, "headRefOid", oid, "baseRefName", "main",
	    "headRepository", "nameWithOwner", owner, "headRepositoryOwner", "login", login,
	    "author", "login", "repocast-bot", "body", body ? body : "");

	json_object_set_new(p, "headRef", ref_oid ? json_pack("{s:{s:s}}", "target", "oid",
	    ref_oid) : json_null());
	free(login);
	return p;
}

static json_t *
repo(const char *dbranch, const char *doid, json_t *base, json_t *nodes, bool next)
{
	json_t *r = json_pack("{s:b,s:s,s:{s:s,s:{s:s}},s:{s:{s:b},s:o}}",
	    "isArchived", 0, "viewerPermission", "WRITE",
	    "defaultBranchRef", "name", dbranch, "target", "oid", doid,
	    "pullRequests", "pageInfo", "hasNextPage", next, "nodes", nodes);

	if (base != NULL)
		json_object_set_new(r, "base", base);
	return r;
}

START_TEST(test_read)
{
	const struct discovery_target t[] = {
		{ "acme/api", NULL, "chore/sync-files", "acme/templates", true, false },
		{ "acme/web", "develop", "chore/sync-files", "acme/templates", true, false },
		{ "acme/gone", NULL, "chore/sync-files", NULL, true, false },
		{ "acme/big", NULL, "chore/sync-files", NULL, true, false },
		{ "acme/nobase", "nope", "chore/sync-files", NULL, true, false },
		{ "acme/badoid", NULL, "chore/sync-files", NULL, true, false },
	};
	struct discovery out[6];
	bool done[6];
	json_t *data, *nodes;
	char *meta;

	meta = xasprintf("What changed ...\n\n<!-- repocast-metadata {\"version\":1,"
	    "\"source_repo\":\"acme/templates\",\"source_branch\":\"main\",\"source_commit\":"
	    "\"" SRC "\",\"target_repo\":\"acme/api\",\"target_branch\":\"main\","
	    "\"config_digest\":\"d1\",\"file_count\":1,\"files\":[]} -->");
	nodes = json_array();
	/* this target's sync PR; its branch has moved on since the PR list (N5) */
	json_array_append_new(nodes, pr(5, "chore/sync-files-api-20240102-120000-abcdef0", H5,
	    N5, "acme/api", meta));
	/* an older one without metadata (its branch scope is this target's): to close */
	json_array_append_new(nodes, pr(3, "chore/sync-files-api-20240101-120000-abcdef0", H3,
	    H3, "acme/api", "old"));
	/* a fork's PR under the same name, and a branch that is no sync branch */
	json_array_append_new(nodes, pr(7, "chore/sync-files-api-20240103-120000-abcdef0", H3,
	    NULL, "other/api", meta));
	json_array_append_new(nodes, pr(8, "feature/x", H3, H3, "acme/api", NULL));
	data = json_object();
	json_object_set_new(data, "rateLimit", json_pack("{s:i,s:i}", "cost", 1, "remaining", 4999));
	json_object_set_new(data, "r0", repo("main", B0, NULL, nodes, false));
	json_object_set_new(data, "r1", repo("main", B0, json_pack("{s:{s:s}}", "target", "oid",
	    B1), json_array(), false));
	json_object_set_new(data, "r2", json_null());
	json_object_set_new(data, "r3", repo("main", B0, NULL, json_array(), true));
	json_object_set_new(data, "r4", repo("main", B0, json_null(), json_array(), false));
	json_object_set_new(data, "r5", repo("main", "xyz", NULL, json_array(), false));

	discogql_read(out, done, t, 6, data);
	ck_assert(done[0] && done[1]);
	ck_assert(!done[2] && !done[3] && !done[4] && !done[5]);
	ck_assert_str_eq(out[0].default_branch, "main");
	ck_assert_str_eq(out[0].base_branch, "main");
	ck_assert_str_eq(out[0].base_head, B0);
	ck_assert(out[0].can_push && !out[0].archived);
	ck_assert_ptr_nonnull(out[0].pr);
	ck_assert_int_eq(out[0].pr->number, 5);
	ck_assert_str_eq(out[0].pr->head.sha, H5);
	ck_assert_str_eq(out[0].pr->head.repo, "acme/api");
	ck_assert_str_eq(out[0].pr->head.label, "acme:chore/sync-files-api-20240102-120000-abcdef0");
	ck_assert_str_eq(out[0].pr->base.ref, "main");
	ck_assert_str_eq(out[0].pr->state, "open");
	ck_assert_str_eq(out[0].pr->user, "repocast-bot");
	ck_assert(out[0].has_meta);
	ck_assert_str_eq(out[0].meta.source_commit, SRC);
	ck_assert(discovery_is_current(&out[0], SRC, "d1"));
	ck_assert_str_eq(out[0].branch_head, N5);
	ck_assert_uint_eq(out[0].nothers, 1);
	ck_assert_int_eq(out[0].others[0].number, 3);
	ck_assert_str_eq(out[1].base_branch, "develop");
	ck_assert_str_eq(out[1].default_branch, "main");
	ck_assert_str_eq(out[1].base_head, B1);
	ck_assert_ptr_null(out[1].pr);
	ck_assert_str_eq(out[1].branch_head, "");
	ck_assert_ptr_null(out[2].base_branch);
	discovery_release(&out[0]);
	discovery_release(&out[1]);
	json_decref(data);
	free(meta);
}
END_TEST

/* Odd answers never crash and never settle a target. */
START_TEST(test_read_odd)
{
	const struct discovery_target t[] = {
		{ "acme/api", NULL, "chore/sync-files", NULL, true, false },
	};
	static const char *const bad[] = {
		"{}", "{\"r0\":1}", "{\"r0\":{}}", "{\"r0\":{\"defaultBranchRef\":null}}",
		"{\"r0\":{\"defaultBranchRef\":{\"name\":\"main\",\"target\":{\"oid\":\"" B0 "\"}}}}",
		"{\"r0\":{\"defaultBranchRef\":{\"name\":\"main\",\"target\":{\"oid\":\"" B0 "\"}},"
		"\"pullRequests\":{\"nodes\":{}}}}",
		"{\"r0\":{\"defaultBranchRef\":{\"name\":\"main\",\"target\":{\"oid\":1}},"
		"\"pullRequests\":{\"nodes\":[]}}}",
	};
	struct discovery out[1];
	bool done[1];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *d = json_loads(bad[i], 0, NULL);

		ck_assert_ptr_nonnull(d);
		discogql_read(out, done, t, 1, d);
		ck_assert_msg(!done[0], "settled by %s", bad[i]);
		json_decref(d);
	}
	/* PR nodes without a number or a head name are left out, not fatal; a
	 * newer sync PR from a fork that is gone is not this target's. */
	{
		json_t *d = json_loads("{\"r0\":{\"defaultBranchRef\":{\"name\":\"main\","
		    "\"target\":{\"oid\":\"" B0 "\"}},\"pullRequests\":{\"pageInfo\":"
		    "{\"hasNextPage\":false},\"nodes\":[{\"number\":0,\"headRefName\":\"x\"},"
		    "{\"number\":4},null,{\"number\":11,\"baseRefName\":\"main\",\"headRefName\":"
		    "\"chore/sync-files-api-20240105-120000-abcdef0\",\"isCrossRepository\":true,"
		    "\"headRepository\":null,\"headRepositoryOwner\":null},{\"number\":9,\"baseRefName\":\"main\",\"headRefName\":"
		    "\"chore/sync-files-api-20240101-120000-abcdef0\"}]}}}", 0, NULL);

		discogql_read(out, done, t, 1, d);
		ck_assert(done[0]);
		ck_assert_ptr_nonnull(out[0].pr);
		ck_assert_int_eq(out[0].pr->number, 9);
		ck_assert_str_eq(out[0].branch_head, "");
		discovery_release(&out[0]);
		json_decref(d);
	}
}
END_TEST

Suite *
discogql_suite(void)
{
	Suite *s = suite_create("discogql");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_read_odd);
	suite_add_tcase(s, tc);
	return s;
}
