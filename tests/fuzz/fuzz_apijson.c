/*
 * Fuzz the readers of the forge's JSON answers, as the API client reads
 * them (supervisor/github/): one input is one response body, handed to
 * every parser an endpoint's answer goes through (repository, pull request
 * and pull request list, git ref, a Git Data object's sha, rate limit,
 * user, labels, error body), then a parsed PR list goes through
 * discovery's selection of the sync PR, and a GraphQL answer through
 * graphql_parse and batched discovery's reader (discogql_read).
 * None may crash, leak or read out of bounds, and what a parser accepts
 * must hold what its callers rely on.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/strv.h"
#include "shared/util.h"
#include "supervisor/github/api.h"
#include "supervisor/github/discogql.h"
#include "supervisor/github/discovery.h"
#include "supervisor/github/graphql.h"
#include "supervisor/github/github.h"
#include "supervisor/github/gitdata.h"
#include "tests/fuzz/fuzz.h"

int fuzz_apijson(const uint8_t *data, size_t size);

static bool
is_hex40(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 40)
		return false;
	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* What every caller of a parsed pull request relies on. */
static bool
pull_ok(const struct github_pull *p)
{
	return p->number > 0 && p->head.ref != NULL;
}

/* Discovery over the list: the pick is one of the list's PRs, others too. */
static int
pick(struct github_pulls *pulls)
{
	struct discovery_target t = {
		.repo = "acme/api",
		.branch_prefix = "chore/sync-files",
		.source_repo = "acme/source",
	};
	struct discovery d;
	size_t i;
	int wrong = 0;

	memset(&d, 0, sizeof(d));
	discovery_pick(&d, pulls, &t, "main");
	if (d.pr != NULL && !pull_ok(d.pr))
		wrong = 1;
	if (d.nothers > pulls->n)
		wrong = 1;
	for (i = 0; i < d.nothers; i++)
		if (!pull_ok(&d.others[i]))
			wrong = 1;
	(void)discovery_is_current(&d, "0123456789abcdef0123456789abcdef01234567", "digest");
	discovery_release(&d);
	return wrong;
}

/* A GraphQL answer for two targets: what a settled target holds is what
 * the sync relies on (a base branch, a full base head, a sound PR). */
static int
graphql(const char *json, size_t size)
{
	const struct discovery_target t[2] = {
		{ "acme/api", NULL, "chore/sync-files", "acme/source", true, false },
		{ "acme/web", "develop", "chore/sync-files", NULL, true, false },
	};
	struct discovery out[2];
	struct graphql_cost cost;
	json_t *data;
	bool done[2], unusable;
	size_t i, k;
	int wrong = 0;

	if (graphql_parse(&data, &unusable, &cost, 200, json, size) != 0)
		return unusable && data != NULL;
	discogql_read(out, done, t, 2, data);
	for (i = 0; i < 2; i++) {
		if (!done[i])
			continue;
		if (out[i].base_branch == NULL || out[i].default_branch == NULL ||
		    !is_hex40(out[i].base_head) ||
		    (out[i].branch_head[0] != '\0' && !is_hex40(out[i].branch_head)) ||
		    (out[i].pr != NULL && !pull_ok(out[i].pr)))
			wrong = 1;
		for (k = 0; k < out[i].nothers; k++)
			if (!pull_ok(&out[i].others[k]))
				wrong = 1;
		discovery_release(&out[i]);
	}
	json_decref(data);
	return wrong;
}

int
fuzz_apijson(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	struct github_repo *repo = NULL;
	struct github_pull *pull = NULL;
	struct github_pulls pulls = { NULL, 0, false };
	struct github_rate rate;
	struct github_user *user = NULL;
	struct strv labels = { NULL, 0 };
	struct buf b = BUF_INIT;
	char sha[41], *ref = NULL;
	size_t i;
	int wrong = 0;

	if (github_repo_parse(&repo, json, size) == 0 && repo->full_name == NULL)
		wrong = 1;
	github_repo_free(repo);
	if (github_pull_parse(&pull, json, size) == 0 && !pull_ok(pull))
		wrong = 1;
	github_pull_free(pull);
	if (github_pulls_parse(&pulls, json, size) == 0) {
		for (i = 0; i < pulls.n; i++)
			if (!pull_ok(&pulls.v[i]))
				wrong = 1;
		/* Moves the chosen PR out of the list (its slot left zeroed). */
		wrong |= pick(&pulls);
	}
	github_pulls_release(&pulls);
	if (github_ref_parse(&ref, sha, json, size) == 0 && !is_hex40(sha))
		wrong = 1;
	free(ref);
	/* a blob's, tree's or commit's answer (Git Data API): lowercase hex only */
	if (gitdata_sha_parse(sha, json, size, "blob") == 0 &&
	    (!is_hex40(sha) || strspn(sha, "0123456789abcdef") != 40))
		wrong = 1;
	memset(&rate, 0, sizeof(rate));
	(void)github_rate_parse(&rate, json, size);
	if (github_user_parse(&user, json, size) == 0 && user->login == NULL)
		wrong = 1;
	github_user_free(user);
	if (github_labels_parse(&labels, json, size) == 0)
		for (i = 0; i < labels.n; i++)
			if (labels.v[i] == NULL)
				wrong = 1;
	strv_release(&labels);
	api_error_format(&b, 422, json, size);
	buf_release(&b);
	wrong |= graphql(json, size);
	err_clear();
	return wrong;
}

FUZZ_ENTRY(apijson)
