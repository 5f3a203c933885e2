/* discogql — see discogql.h. */
#include "supervisor/github/discogql.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/strv.h"
#include "shared/util.h"

#define PR_FIELDS \
	"id number url title body isDraft headRefName headRefOid baseRefName " \
	"isCrossRepository headRepository{nameWithOwner} headRepositoryOwner{login} " \
	"headRef{target{oid}} author{login} autoMergeRequest{enabledAt}"

void
discogql_build(struct buf *out, const struct discovery_target *t, size_t n)
{
	struct buf qualified = BUF_INIT;
	size_t i, on;

	buf_addstr(out, "query{rateLimit{cost remaining resetAt}");
	for (i = 0; i < n; i++) {
		char *owner;

		on = strcspn(t[i].repo, "/");
		owner = xstrndup(t[i].repo, on);
		buf_addf(out, "r%zu:repository(owner:", i);
		graphql_string(out, owner);
		buf_addstr(out, ",name:");
		graphql_string(out, t[i].repo[on] == '/' ? t[i].repo + on + 1 : "");
		buf_addstr(out, "){isArchived viewerPermission defaultBranchRef{name target{oid}}");
		if (t[i].branch != NULL) {
			buf_reset(&qualified);
			buf_addf(&qualified, "refs/heads/%s", t[i].branch);
			buf_addstr(out, "base:ref(qualifiedName:");
			graphql_string(out, qualified.ptr);
			buf_addstr(out, "){target{oid}}");
		}
		/* Newest first, as REST lists them: the PRs to close go in the same order. */
		buf_addstr(out, "pullRequests(states:[OPEN],first:100,"
		    "orderBy:{field:CREATED_AT,direction:DESC}){pageInfo{hasNextPage}"
		    "nodes{" PR_FIELDS);
		/* Only --automerge reads them (a label connection per PR costs
		 * GitHub's points); more than 20 at most re-adds one. */
		if (t[i].want_labels)
			buf_addstr(out, " labels(first:20){nodes{name}}");
		buf_addstr(out, "}}}");
		free(owner);
	}
	buf_addch(out, '}');
	buf_release(&qualified);
}

static const char *
jget_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A full commit id: 40 hex digits (what the worker and the skip cache rely on). */
static bool
is_oid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 40)
		return false;
	for (i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* target{oid} of a ref object, or NULL. */
static const char *
ref_oid(json_t *ref)
{
	const char *oid = jget_str(json_object_get(ref, "target"), "oid");

	return is_oid(oid) ? oid : NULL;
}

/* One pull request node into p (as REST's pull-request-simple would fill it): 0, or -1. */
static int
pull_from_node(struct github_pull *p, json_t *j)
{
	json_t *num = json_object_get(j, "number");
	const char *owner = jget_str(json_object_get(j, "headRepositoryOwner"), "login");
	const char *ref = jget_str(j, "headRefName");
	json_t *le;
	size_t li;

	memset(p, 0, sizeof(*p));
	if (!json_is_integer(num) || json_integer_value(num) < 1 ||
	    json_integer_value(num) > INT_MAX || ref == NULL)
		return -1;
	p->number = (int)json_integer_value(num);
	p->html_url = xstrdup_or_null(jget_str(j, "url"));
	p->state = xstrdup("open");
	p->title = xstrdup_or_null(jget_str(j, "title"));
	p->body = xstrdup_or_null(jget_str(j, "body"));
	p->node_id = xstrdup_or_null(jget_str(j, "id"));
	p->draft = json_is_true(json_object_get(j, "isDraft"));
	p->auto_merge = json_is_object(json_object_get(j, "autoMergeRequest"));
	json_array_foreach(json_object_get(json_object_get(j, "labels"), "nodes"), li, le) {
		const char *name = jget_str(le, "name");

		if (name != NULL)
			strv_add(&p->labels, name);
	}
	p->head.ref = xstrdup(ref);
	p->head.sha = xstrdup_or_null(jget_str(j, "headRefOid"));
	p->head.repo = xstrdup_or_null(jget_str(json_object_get(j, "headRepository"),
	    "nameWithOwner"));
	/* A fork that is gone: no repository, never this target's. */
	if (p->head.repo == NULL && json_is_true(json_object_get(j, "isCrossRepository")))
		p->head.repo = xstrdup("");
	if (owner != NULL)
		p->head.label = xasprintf("%s:%s", owner, ref);
	p->base.ref = xstrdup_or_null(jget_str(j, "baseRefName"));
	p->user = xstrdup_or_null(jget_str(json_object_get(j, "author"), "login"));
	return 0;
}

/* One alias's repository object into out: true when it settles the target. */
static bool
discogql_one(struct discovery *out, const struct discovery_target *t, json_t *repo)
{
	json_t *dref = json_object_get(repo, "defaultBranchRef");
	json_t *prs = json_object_get(repo, "pullRequests");
	json_t *nodes = json_object_get(prs, "nodes"), *node;
	struct github_pulls pulls;
	const char *dname = jget_str(dref, "name"), *head, *perm;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(repo) || dname == NULL || !json_is_array(nodes) ||
	    json_is_true(json_object_get(json_object_get(prs, "pageInfo"), "hasNextPage")))
		return false;
	head = t->branch != NULL ? ref_oid(json_object_get(repo, "base")) : ref_oid(dref);
	if (head == NULL)
		return false;  /* a missing base branch: REST says so in its words */
	memset(&pulls, 0, sizeof(pulls));
	pulls.v = xcalloc(json_array_size(nodes) + 1, sizeof(*pulls.v));
	json_array_foreach(nodes, i, node) {
		if (pull_from_node(&pulls.v[pulls.n], node) == 0)
			pulls.n++;
		else
			github_pull_release(&pulls.v[pulls.n]);
	}
	out->default_branch = xstrdup(dname);
	out->base_branch = xstrdup(t->branch != NULL ? t->branch : dname);
	out->archived = json_is_true(json_object_get(repo, "isArchived"));
	perm = jget_str(repo, "viewerPermission");
	out->can_push = perm != NULL && (strcmp(perm, "ADMIN") == 0 ||
	    strcmp(perm, "MAINTAIN") == 0 || strcmp(perm, "WRITE") == 0);
	if (t->want_base_head)
		memcpy(out->base_head, head, 41);
	discovery_pick(out, &pulls, t, out->base_branch);
	github_pulls_release(&pulls);
	/* The chosen PR's branch as its ref says now (the skip check's question). */
	json_array_foreach(nodes, i, node) {
		const char *oid;

		if (out->pr == NULL || !json_is_integer(json_object_get(node, "number")) ||
		    json_integer_value(json_object_get(node, "number")) != out->pr->number)
			continue;
		if ((oid = ref_oid(json_object_get(node, "headRef"))) != NULL)
			memcpy(out->branch_head, oid, 41);
		break;
	}
	return true;
}

void
discogql_read(struct discovery *outs, bool *done, const struct discovery_target *t,
    size_t n, json_t *data)
{
	char alias[32];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(alias, sizeof(alias), "r%zu", i);
		done[i] = discogql_one(&outs[i], &t[i], json_object_get(data, alias));
		if (!done[i])
			discovery_release(&outs[i]);
	}
}

int
discogql_run(struct discovery *outs, bool *done, bool *unusable,
    struct graphql_cost *cost, struct api *a, const char *url,
    const struct discovery_target *t, size_t n)
{
	struct buf q = BUF_INIT;
	json_t *data = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&outs[i], 0, sizeof(outs[i]));
		done[i] = false;
	}
	discogql_build(&q, t, n);
	rc = graphql_query(&data, unusable, cost, a, url, q.ptr);
	buf_release(&q);
	if (rc != 0)
		return rc;
	discogql_read(outs, done, t, n, data);
	json_decref(data);
	return 0;
}
