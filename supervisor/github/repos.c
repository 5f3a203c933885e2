/* repos — see repos.h. */
#include "supervisor/github/repos.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/github.h"

/* 100 pages of 100: more than any org we were asked about; a search stops
 * at 1000 results (10 pages) on GitHub's side anyway. */
#define REPOS_PAGES_MAX 100

bool
repos_query_any(const struct repos_query *q)
{
	return q->orgs.n > 0 || q->users.n > 0 || q->searches.n > 0;
}

void
repos_result_release(struct repos_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].full_name);
		free(r->v[i].source);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static bool
seen(const struct repos_result *r, const char *full_name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->v[i].full_name, full_name) == 0)
			return true;
	return false;
}

static bool
has_topic(json_t *repo, const struct strv *topics)
{
	json_t *arr = json_object_get(repo, "topics"), *t;
	size_t i, j;

	json_array_foreach(arr, i, t) {
		const char *s = json_string_value(t);

		for (j = 0; s != NULL && j < topics->n; j++)
			if (strcasecmp(s, topics->v[j]) == 0)
				return true;
	}
	return false;
}

static const char *
skip_reason(json_t *repo, const struct repos_query *q)
{
	if (!q->include_archived && json_is_true(json_object_get(repo, "archived")))
		return "archived";
	if (!q->include_forks && json_is_true(json_object_get(repo, "fork")))
		return "fork";
	if (q->topics.n > 0 && !has_topic(repo, &q->topics))
		return "no matching topic";
	return NULL;
}

int
repos_add_page(struct repos_result *out, const struct repos_query *q, const char *source,
    const char *json, size_t len)
{
	json_error_t je;
	json_t *doc, *items, *repo;
	size_t i;
	int rc = 0;

	doc = json_loadb(json, len, 0, &je);
	if (doc == NULL)
		return err_set(ERR_PROTO, "bad repository list from the github api: %s (line %d)",
		    je.text, je.line);
	items = json_is_object(doc) ? json_object_get(doc, "items") : doc;
	if (!json_is_array(items)) {
		rc = err_set(ERR_PROTO, "bad repository list from the github api: expected an "
		    "array or a search answer with items");
		goto out;
	}
	json_array_foreach(items, i, repo) {
		const char *name = json_string_value(json_object_get(repo, "full_name"));
		const char *why;
		struct repos_item *it;

		if (name == NULL || !github_repo_valid(name)) {
			rc = err_set(ERR_PROTO, "bad repository list from the github api: item %zu "
			    "has no valid full_name", i);
			goto out;
		}
		if (seen(out, name))
			continue;
		why = skip_reason(repo, q);
		ALLOC_GROW(out->v, out->n + 1, out->cap);
		it = &out->v[out->n++];
		it->full_name = xstrdup(name);
		it->source = xstrdup(source);
		it->skipped = why;            /* a static string */
		if (why == NULL)
			out->nkept++;
	}
out:
	json_decref(doc);
	return rc;
}

struct page_ctx {
	struct repos_result *out;
	const struct repos_query *q;
	const char *source;
};

static int
on_page(const struct api_response *r, void *arg)
{
	struct page_ctx *c = arg;

	return repos_add_page(c->out, c->q, c->source, r->body.ptr, r->body.len);
}

/* An org or user login: what GitHub allows (letters, digits, '-'). */
static bool
login_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 39 || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool
names_fork(const char *query)
{
	const char *p = query;

	while ((p = strstr(p, "fork:")) != NULL) {
		if (p == query || isspace((unsigned char)p[-1]))
			return true;
		p += 5;
	}
	return false;
}

static int
list_owner(struct repos_result *out, struct api *a, const struct repos_query *q,
    const char *kind, const char *login)
{
	struct page_ctx c;
	char *path, *source;
	bool org = strcmp(kind, "org") == 0;
	int rc;

	if (!login_ok(login))
		return err_set(ERR_CONFIG, "invalid %s name '%s'", org ? "organization" : "user",
		    login);
	path = xasprintf("/%s/%s/repos?%sper_page=100", org ? "orgs" : "users", login,
	    org ? "type=all&sort=full_name&" : "type=owner&sort=full_name&");
	source = xasprintf("%s:%s", kind, login);
	c.out = out;
	c.q = q;
	c.source = source;
	rc = api_get_pages(a, path, REPOS_PAGES_MAX, on_page, &c);
	if (rc == ERR_NOTFOUND)
		err_set(ERR_NOTFOUND, "%s '%s' not found (or no access)%s",
		    org ? "organization" : "user", login,
		    org ? "; for a user's repositories use --user" : "");
	else if (rc != 0)
		err_wrap("cannot list repositories of %s '%s'", kind, login);
	free(path);
	free(source);
	return rc;
}

bool
repos_search_owner(char *owner, size_t n, const char *query)
{
	const char *p = query, *v;
	bool found = false;
	size_t len;

	if (n > 0)
		owner[0] = '\0';
	while (*p != '\0') {
		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		v = NULL;
		if (strncasecmp(p, "org:", 4) == 0)
			v = p + 4;
		else if (strncasecmp(p, "user:", 5) == 0)
			v = p + 5;
		if (v != NULL && v < p + len) {
			size_t vl = (size_t)(p + len - v);

			if (vl >= n)
				return false;
			if (found && (strlen(owner) != vl || strncasecmp(owner, v, vl) != 0))
				return false;
			if (!found)
				memcpy(owner, v, vl);
			owner[vl] = '\0';
			found = true;
		}
		p += len;
	}
	return found;
}

static int
search(struct repos_result *out, struct api *a, const struct repos_query *q, const char *query)
{
	struct buf path = BUF_INIT, full = BUF_INIT;
	struct page_ctx c;
	char *source;
	int rc;

	buf_addstr(&full, query);
	if (q->include_forks && !names_fork(query))
		buf_addstr(&full, " fork:true");
	buf_addstr(&path, "/search/repositories?q=");
	api_escape(&path, full.ptr, false);
	buf_addstr(&path, "&per_page=100");
	source = xasprintf("search:%s", query);
	c.out = out;
	c.q = q;
	c.source = source;
	rc = api_get_pages(a, path.ptr, REPOS_PAGES_MAX, on_page, &c);
	if (rc != 0)
		err_wrap("cannot search repositories for '%s'", query);
	free(source);
	buf_release(&path);
	buf_release(&full);
	return rc;
}

int
repos_resolve(struct repos_result *out, struct api *a, const struct repos_query *q)
{
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; rc == 0 && i < q->orgs.n; i++)
		rc = list_owner(out, a, q, "org", q->orgs.v[i]);
	for (i = 0; rc == 0 && i < q->users.n; i++)
		rc = list_owner(out, a, q, "user", q->users.v[i]);
	for (i = 0; rc == 0 && i < q->searches.n; i++) {
		char owner[128];

		if (q->on_search != NULL)
			q->on_search(repos_search_owner(owner, sizeof(owner), q->searches.v[i]) ?
			    owner : NULL, q->on_search_arg);
		rc = search(out, a, q, q->searches.v[i]);
	}
	return rc;
}
