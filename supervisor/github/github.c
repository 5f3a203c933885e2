/* github — see github.h. */
#include "supervisor/github/github.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

#define PULL_PAGES_MAX 50
#define CREATE_SENDS_MAX 3

/* ---- names ---- */

static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 100 || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

bool
github_repo_valid(const char *repo)
{
	const char *slash;

	if (repo == NULL || (slash = strchr(repo, '/')) == NULL)
		return false;
	return name_ok(repo, (size_t)(slash - repo)) &&
	    name_ok(slash + 1, strlen(slash + 1));
}

static int
check_repo(const char *repo)
{
	if (!github_repo_valid(repo))
		return err_set(ERR_CONFIG, "invalid repository name '%s'",
		    repo ? repo : "(null)");
	return 0;
}

/* ---- json helpers ---- */

static char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return xstrdup_or_null(s);
}

static bool
jbool(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* key's boolean, or dflt when it is absent or not a boolean. */
static bool
jbool_or(json_t *o, const char *key, bool dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

static int
load(json_t **out, const char *json, size_t len, const char *what)
{
	json_error_t je;

	*out = json_loadb(json, len, 0, &je);
	if (*out == NULL)
		return err_set(ERR_PROTO, "bad %s from the github api: %s (line %d)",
		    what, je.text, je.line);
	return 0;
}

/* Collect key of every object in array (skipping non-strings). */
static void
strv_from(struct strv *out, json_t *arr, const char *key)
{
	size_t i;
	json_t *e;

	out->v = NULL;
	out->n = 0;
	if (!json_is_array(arr))
		return;
	out->v = xcalloc(json_array_size(arr) + 1, sizeof(*out->v));
	json_array_foreach(arr, i, e) {
		const char *s = json_string_value(json_object_get(e, key));

		if (s != NULL)
			out->v[out->n++] = xstrdup(s);
	}
}

static json_t *
jarray_of(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

/* Serialise and consume j. */
static char *
dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (s == NULL)
		BUG("cannot serialise a json request body");
	return s;
}

/* ---- repository ---- */

void
github_repo_free(struct github_repo *r)
{
	if (r == NULL)
		return;
	free(r->full_name);
	free(r->name);
	free(r->owner);
	free(r->default_branch);
	free(r->clone_url);
	free(r->html_url);
	free(r);
}

int
github_repo_parse(struct github_repo **out, const char *json, size_t len)
{
	struct github_repo *r;
	json_t *j;
	int rc;

	*out = NULL;
	if ((rc = load(&j, json, len, "repository")) != 0)
		return rc;
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "full_name"))) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad repository from the github api: "
		    "no full_name");
	}
	r = xcalloc(1, sizeof(*r));
	r->full_name = jstr(j, "full_name");
	r->name = jstr(j, "name");
	r->owner = jstr(json_object_get(j, "owner"), "login");
	r->default_branch = jstr(j, "default_branch");
	r->clone_url = jstr(j, "clone_url");
	r->html_url = jstr(j, "html_url");
	r->private_repo = jbool(j, "private");
	r->archived = jbool(j, "archived");
	r->fork = jbool(j, "fork");
	r->can_push = jbool(json_object_get(j, "permissions"), "push");
	r->allow_squash_merge = jbool_or(j, "allow_squash_merge", true);
	r->allow_merge_commit = jbool_or(j, "allow_merge_commit", true);
	r->allow_rebase_merge = jbool_or(j, "allow_rebase_merge", true);
	r->allow_auto_merge = jbool_or(j, "allow_auto_merge", false);
	json_decref(j);
	*out = r;
	return 0;
}

int
github_repo_get(struct github_repo **out, struct api *a, const char *repo)
{
	struct api_response r;
	char *path;
	int rc;

	*out = NULL;
	if ((rc = check_repo(repo)) != 0)
		return rc;
	path = xasprintf("/repos/%s", repo);
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, path, NULL, 0);
	if (rc == ERR_NOTFOUND)
		err_set(ERR_NOTFOUND, "repository '%s' not found (or no access)", repo);
	else if (rc != 0)
		err_wrap("cannot get repository '%s'", repo);
	else if ((rc = github_repo_parse(out, r.body.ptr, r.body.len)) != 0)
		err_wrap("cannot get repository '%s'", repo);
	else if ((*out)->default_branch == NULL) {
		github_repo_free(*out);
		*out = NULL;
		rc = err_set(ERR_PROTO, "cannot get repository '%s': no default_branch "
		    "in the answer", repo);
	} else {
		(*out)->not_modified = r.not_modified;
	}
	api_response_release(&r);
	free(path);
	return rc;
}

void
github_compare_free(struct github_compare *c)
{
	if (c == NULL)
		return;
	free(c->committer_name);
	free(c->committer_email);
	free(c);
}

int
github_compare_get(struct github_compare **out, struct api *a, const char *repo,
    const char *base, const char *head)
{
	struct api_response r;
	json_t *j = NULL, *commits, *last, *who;
	char *path;
	int rc;

	*out = NULL;
	if ((rc = check_repo(repo)) != 0)
		return rc;
	path = xasprintf("/repos/%s/compare/%s...%s", repo, base, head);
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, path, NULL, 0);
	if (rc == 0 && (rc = load(&j, r.body.ptr, r.body.len, "comparison")) == 0) {
		commits = json_object_get(j, "commits");
		if (!json_is_integer(json_object_get(j, "ahead_by")) ||
		    !json_is_integer(json_object_get(j, "behind_by")) || !json_is_array(commits)) {
			rc = err_set(ERR_PROTO, "bad comparison from the github api: no ahead_by, "
			    "behind_by or commits");
		} else {
			*out = xcalloc(1, sizeof(**out));
			(*out)->ahead_by = (int)json_integer_value(json_object_get(j, "ahead_by"));
			(*out)->behind_by = (int)json_integer_value(json_object_get(j, "behind_by"));
			last = json_array_get(commits, json_array_size(commits) - 1);
			who = json_object_get(json_object_get(last, "commit"), "committer");
			if (json_is_object(who)) {
				(*out)->committer_name = jstr(who, "name");
				(*out)->committer_email = jstr(who, "email");
			}
		}
	}
	if (rc != 0)
		err_wrap("cannot compare '%s...%s' of '%s'", base, head, repo);
	json_decref(j);
	api_response_release(&r);
	free(path);
	return rc;
}

int
github_ref_parse(char **ref, char sha[41], const char *json, size_t len)
{
	const char *s;
	json_t *j;
	int rc;

	if (ref != NULL)
		*ref = NULL;
	sha[0] = '\0';
	if ((rc = load(&j, json, len, "git ref")) != 0)
		return rc;
	s = json_string_value(json_object_get(json_object_get(j, "object"), "sha"));
	if (!json_is_object(j) || s == NULL) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad git ref from the github api: no "
		    "object.sha");
	}
	/* A full commit id: it reaches the worker's JOB and the skip cache. */
	if (strlen(s) != 40 || strspn(s, "0123456789abcdefABCDEF") != 40) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad git ref from the github api: object.sha "
		    "is not a 40-digit hex commit id");
	}
	memcpy(sha, s, 41);
	if (ref != NULL)
		*ref = jstr(j, "ref");
	json_decref(j);
	return 0;
}

int
github_branch_head(char sha[41], struct api *a, const char *repo,
    const char *branch)
{
	struct api_response r;
	struct buf path = BUF_INIT;
	int rc;

	sha[0] = '\0';
	if ((rc = check_repo(repo)) != 0)
		return rc;
	buf_addf(&path, "/repos/%s/git/ref/heads/", repo);
	api_escape(&path, branch, true);
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, path.ptr, NULL, 0);
	if (rc == ERR_NOTFOUND)
		err_set(ERR_NOTFOUND, "branch '%s' not found in '%s'", branch, repo);
	else if (rc != 0 || (rc = github_ref_parse(NULL, sha, r.body.ptr,
	    r.body.len)) != 0)
		err_wrap("cannot get branch '%s' of '%s'", branch, repo);
	api_response_release(&r);
	buf_release(&path);
	return rc;
}

/* ---- pull requests ---- */

void
github_pull_release(struct github_pull *p)
{
	if (p == NULL)
		return;
	free(p->html_url);
	free(p->node_id);
	free(p->mergeable_state);
	free(p->state);
	free(p->title);
	free(p->body);
	free(p->head.ref);
	free(p->head.sha);
	free(p->head.label);
	free(p->head.repo);
	free(p->base.ref);
	free(p->base.sha);
	strv_release(&p->labels);
	free(p->user);
	strv_release(&p->assignees);
	strv_release(&p->reviewers);
	strv_release(&p->team_reviewers);
	free(p->created_at);
	free(p->updated_at);
	memset(p, 0, sizeof(*p));
}

void
github_pull_free(struct github_pull *p)
{
	if (p == NULL)
		return;
	github_pull_release(p);
	free(p);
}

static int
pull_from(struct github_pull *p, json_t *j)
{
	json_t *num = json_object_get(j, "number"), *head, *base;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(j) || !json_is_integer(num))
		return err_set(ERR_PROTO, "bad pull request from the github api: "
		    "no number");
	/* Truncated to int, 2^32 + 1 would name PR #1 in later requests. */
	if (json_integer_value(num) < 1 || json_integer_value(num) > INT_MAX)
		return err_set(ERR_PROTO, "bad pull request from the github api: "
		    "number %lld out of range", (long long)json_integer_value(num));
	head = json_object_get(j, "head");
	base = json_object_get(j, "base");
	if (!json_is_string(json_object_get(head, "ref")))
		return err_set(ERR_PROTO, "bad pull request #%lld from the github "
		    "api: no head.ref", (long long)json_integer_value(num));
	p->number = (int)json_integer_value(num);
	p->html_url = jstr(j, "html_url");
	p->state = jstr(j, "state");
	p->title = jstr(j, "title");
	p->body = jstr(j, "body");
	p->draft = jbool(j, "draft");
	p->merged = jbool(j, "merged");
	p->node_id = jstr(j, "node_id");
	p->mergeable = json_is_boolean(json_object_get(j, "mergeable")) ?
	    jbool(j, "mergeable") : -1;
	p->mergeable_state = jstr(j, "mergeable_state");
	p->auto_merge = json_is_object(json_object_get(j, "auto_merge"));
	p->head.ref = jstr(head, "ref");
	p->head.sha = jstr(head, "sha");
	p->head.label = jstr(head, "label");
	p->head.repo = jstr(json_object_get(head, "repo"), "full_name");
	p->base.ref = jstr(base, "ref");
	p->base.sha = jstr(base, "sha");
	strv_from(&p->labels, json_object_get(j, "labels"), "name");
	p->user = jstr(json_object_get(j, "user"), "login");
	strv_from(&p->assignees, json_object_get(j, "assignees"), "login");
	strv_from(&p->reviewers, json_object_get(j, "requested_reviewers"), "login");
	strv_from(&p->team_reviewers, json_object_get(j, "requested_teams"), "slug");
	p->created_at = jstr(j, "created_at");
	p->updated_at = jstr(j, "updated_at");
	return 0;
}

int
github_pull_parse(struct github_pull **out, const char *json, size_t len)
{
	struct github_pull *p;
	json_t *j;
	int rc;

	*out = NULL;
	if ((rc = load(&j, json, len, "pull request")) != 0)
		return rc;
	p = xcalloc(1, sizeof(*p));
	if ((rc = pull_from(p, j)) != 0) {
		github_pull_release(p);
		free(p);
	} else {
		*out = p;
	}
	json_decref(j);
	return rc;
}

int
github_pulls_parse(struct github_pulls *out, const char *json, size_t len)
{
	size_t i, base;
	json_t *j, *e;
	int rc;

	if ((rc = load(&j, json, len, "pull request list")) != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad pull request list from the github api: "
		    "not an array");
	}
	base = out->n;
	out->v = xrealloc(out->v, (base + json_array_size(j) + 1) * sizeof(*out->v));
	json_array_foreach(j, i, e) {
		if ((rc = pull_from(&out->v[out->n], e)) != 0) {
			github_pull_release(&out->v[out->n]);
			break;
		}
		out->n++;
	}
	json_decref(j);
	return rc;
}

void
github_pulls_release(struct github_pulls *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		github_pull_release(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static int
on_pulls_page(const struct api_response *r, void *arg)
{
	struct github_pulls *out = arg;

	if (!r->not_modified)
		out->not_modified = false;
	return github_pulls_parse(out, r->body.ptr, r->body.len);
}

static int
pulls_list(struct github_pulls *out, struct api *a, const char *repo,
    const char *state, const char *head, unsigned flags, int pages)
{
	struct buf path = BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	out->not_modified = true;
	if ((rc = check_repo(repo)) != 0)
		return rc;
	buf_addf(&path, "/repos/%s/pulls?state=%s&per_page=100", repo, state);
	if (strcmp(state, "open") != 0)
		buf_addstr(&path, "&sort=updated&direction=desc");
	if (head != NULL) {
		buf_addstr(&path, "&head=");
		api_escape(&path, head, false);
	}
	if (flags & API_NOCACHE) {
		/* api_get_pages caches every page; the reconcile query must not. */
		struct api_response r;

		api_response_init(&r);
		rc = api_request(&r, a, API_GET, path.ptr, NULL, API_NOCACHE);
		if (rc == 0)
			rc = on_pulls_page(&r, out);
		api_response_release(&r);
	} else {
		rc = api_get_pages(a, path.ptr, pages, on_pulls_page, out);
	}
	if (rc != 0)
		err_wrap("cannot list pull requests of '%s'", repo);
	buf_release(&path);
	return rc;
}

int
github_pulls_list(struct github_pulls *out, struct api *a, const char *repo,
    const char *head)
{
	return pulls_list(out, a, repo, "open", head, 0, PULL_PAGES_MAX);
}

int
github_pulls_closed(struct github_pulls *out, struct api *a, const char *repo)
{
	return pulls_list(out, a, repo, "closed", NULL, 0, 1);
}

int
github_pull_create(struct github_pull **out, bool *maybe_created, struct api *a,
    const char *repo, const struct github_pull_new *req)
{
	struct api_response r;
	char *path, *body;
	json_t *j;
	int rc;

	*out = NULL;
	if (maybe_created != NULL)
		*maybe_created = false;
	if ((rc = check_repo(repo)) != 0)
		return rc;
	if (req->title == NULL || req->head == NULL || req->base == NULL)
		BUG("github_pull_create: title, head and base are required");
	j = json_pack("{s:s, s:s, s:s, s:b}", "title", req->title, "head", req->head,
	    "base", req->base, "draft", req->draft);
	if (req->body != NULL)
		json_object_set_new(j, "body", json_string(req->body));
	body = dump(j);
	path = xasprintf("/repos/%s/pulls", repo);
	api_response_init(&r);
	rc = api_request(&r, a, API_POST, path, body, API_CREATE | API_ONCE);
	if (rc == 0) {
		if ((rc = github_pull_parse(out, r.body.ptr, r.body.len)) != 0)
			err_wrap("cannot create pull request in '%s'", repo);
	} else {
		struct buf m = BUF_INIT;

		if (maybe_created != NULL)
			*maybe_created = r.maybe_done;
		if (r.status == 422 && strstr(r.body.ptr, "already exists") != NULL)
			rc = ERR_EXISTS;
		buf_addstr(&m, err_last());
		err_set(rc, "cannot create pull request in '%s': %s", repo, m.ptr);
		buf_release(&m);
	}
	api_response_release(&r);
	free(path);
	free(body);
	return rc;
}

/* The open PR of repo whose head is branch (same repository), or ERR_NOTFOUND. */
static int
find_by_head(struct github_pull **out, struct api *a, const char *repo,
    const char *branch, const char *base)
{
	struct github_pulls list;
	struct buf head = BUF_INIT;
	size_t i, pick = (size_t)-1;
	int rc;

	*out = NULL;
	buf_add(&head, repo, strcspn(repo, "/"));
	buf_addf(&head, ":%s", branch);
	rc = pulls_list(&list, a, repo, "open", head.ptr, API_NOCACHE, 1);
	buf_release(&head);
	if (rc != 0)
		goto out;
	for (i = 0; i < list.n; i++) {
		struct github_pull *p = &list.v[i];

		if (strcmp(p->head.ref, branch) != 0 ||
		    (p->head.repo != NULL && strcasecmp(p->head.repo, repo) != 0))
			continue;
		if (pick == (size_t)-1 || (p->base.ref != NULL &&
		    strcmp(p->base.ref, base) == 0))
			pick = i;
	}
	if (pick == (size_t)-1) {
		rc = err_set(ERR_NOTFOUND, "no open pull request for '%s' in '%s'",
		    branch, repo);
		goto out;
	}
	*out = xmalloc(sizeof(**out));
	**out = list.v[pick];
	/* Ownership moved: leave a hole the release skips safely. */
	memset(&list.v[pick], 0, sizeof(list.v[pick]));
out:
	github_pulls_release(&list);
	return rc;
}

int
github_pull_create_once(struct github_pull **out, bool *adopted, struct api *a,
    const char *repo, const struct github_pull_new *req)
{
	struct buf first = BUF_INIT;
	bool maybe = false;
	int sends, rc = -1, rc2;

	*out = NULL;
	if (adopted != NULL)
		*adopted = false;
	for (sends = 0; sends < CREATE_SENDS_MAX; sends++) {
		rc = github_pull_create(out, &maybe, a, repo, req);
		if (rc == 0 || (rc != ERR_EXISTS && !maybe))
			break;
		buf_reset(&first);
		buf_addstr(&first, err_last());
		/* The answer was lost or says it exists: look before resending. */
		rc2 = find_by_head(out, a, repo, req->head, req->base);
		if (rc2 == 0) {
			if (adopted != NULL)
				*adopted = true;
			rc = 0;
			break;
		}
		if (rc2 != ERR_NOTFOUND) {
			rc = rc2;
			err_wrap("cannot reconcile a lost pull request answer ('%s')",
			    first.ptr);
			break;
		}
		if (rc == ERR_EXISTS) {
			/* Exists, yet not open for this head: report GitHub's words. */
			err_set(rc, "%s", first.ptr);
			break;
		}
	}
	buf_release(&first);
	return rc;
}

int
github_pull_get(struct github_pull **out, struct api *a, const char *repo, int number)
{
	struct api_response r;
	char *path;
	int rc;

	*out = NULL;
	if ((rc = check_repo(repo)) != 0)
		return rc;
	path = xasprintf("/repos/%s/pulls/%d", repo, number);
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, path, NULL, API_NOCACHE);
	if (rc == 0)
		rc = github_pull_parse(out, r.body.ptr, r.body.len);
	if (rc != 0)
		err_wrap("cannot get pull request #%d of '%s'", number, repo);
	api_response_release(&r);
	free(path);
	return rc;
}

int
github_pull_update(struct github_pull **out, struct api *a, const char *repo,
    int number, const struct github_pull_edit *e)
{
	struct api_response r;
	char *path, *body;
	json_t *j = json_object();
	int rc;

	if (out != NULL)
		*out = NULL;
	if ((rc = check_repo(repo)) != 0) {
		json_decref(j);
		return rc;
	}
	if (e->title != NULL)
		json_object_set_new(j, "title", json_string(e->title));
	if (e->body != NULL)
		json_object_set_new(j, "body", json_string(e->body));
	if (e->state != NULL)
		json_object_set_new(j, "state", json_string(e->state));
	if (e->base != NULL)
		json_object_set_new(j, "base", json_string(e->base));
	body = dump(j);
	path = xasprintf("/repos/%s/pulls/%d", repo, number);
	api_response_init(&r);
	rc = api_request(&r, a, API_PATCH, path, body, 0);
	if (rc == 0 && out != NULL)
		rc = github_pull_parse(out, r.body.ptr, r.body.len);
	if (rc != 0)
		err_wrap("cannot update pull request #%d in '%s'", number, repo);
	api_response_release(&r);
	free(path);
	free(body);
	return rc;
}

/* POST path with body; wraps errors with what. Consumes j. */
static int
post(struct api *a, const char *path, json_t *j, unsigned flags, const char *what,
    const char *repo, int number)
{
	struct api_response r;
	char *body = dump(j);
	int rc;

	api_response_init(&r);
	rc = api_request(&r, a, API_POST, path, body, flags);
	if (rc != 0)
		err_wrap("cannot %s on #%d in '%s'", what, number, repo);
	api_response_release(&r);
	free(body);
	return rc;
}

int
github_labels_add(struct api *a, const char *repo, int number,
    const char *const *labels, size_t n)
{
	char *path;
	int rc;

	if ((rc = check_repo(repo)) != 0 || n == 0)
		return rc;
	path = xasprintf("/repos/%s/issues/%d/labels", repo, number);
	rc = post(a, path, json_pack("{s:o}", "labels", jarray_of(labels, n)), 0,
	    "add labels", repo, number);
	free(path);
	return rc;
}

int
github_assignees_add(struct api *a, const char *repo, int number,
    const char *const *logins, size_t n)
{
	char *path;
	int rc;

	if ((rc = check_repo(repo)) != 0 || n == 0)
		return rc;
	path = xasprintf("/repos/%s/issues/%d/assignees", repo, number);
	rc = post(a, path, json_pack("{s:o}", "assignees", jarray_of(logins, n)), 0,
	    "add assignees", repo, number);
	free(path);
	return rc;
}

int
github_reviewers_request(struct api *a, const char *repo, int number,
    const char *const *logins, size_t nlogins, const char *const *teams,
    size_t nteams)
{
	char *path;
	int rc;

	if ((rc = check_repo(repo)) != 0 || (nlogins == 0 && nteams == 0))
		return rc;
	path = xasprintf("/repos/%s/pulls/%d/requested_reviewers", repo, number);
	rc = post(a, path, json_pack("{s:o, s:o}", "reviewers",
	    jarray_of(logins, nlogins), "team_reviewers", jarray_of(teams, nteams)),
	    0, "request reviewers", repo, number);
	free(path);
	return rc;
}

int
github_comment_create(struct api *a, const char *repo, int number,
    const char *body)
{
	char *path;
	int rc;

	if ((rc = check_repo(repo)) != 0)
		return rc;
	path = xasprintf("/repos/%s/issues/%d/comments", repo, number);
	rc = post(a, path, json_pack("{s:s}", "body", body), API_CREATE | API_ONCE,
	    "comment", repo, number);
	free(path);
	return rc;
}

int
github_branch_delete(struct api *a, const char *repo, const char *branch)
{
	struct api_response r;
	struct buf path = BUF_INIT;
	int rc;

	if ((rc = check_repo(repo)) != 0)
		return rc;
	buf_addf(&path, "/repos/%s/git/refs/heads/", repo);
	api_escape(&path, branch, true);
	api_response_init(&r);
	rc = api_request(&r, a, API_DELETE, path.ptr, NULL, 0);
	if (rc == ERR_NOTFOUND || (r.status == 422 &&
	    strstr(r.body.ptr, "Reference does not exist") != NULL))
		rc = err_set(ERR_NOTFOUND, "cannot delete branch '%s' of '%s': no such "
		    "branch", branch, repo);
	else if (rc != 0)
		err_wrap("cannot delete branch '%s' of '%s'", branch, repo);
	api_response_release(&r);
	buf_release(&path);
	return rc;
}

int
github_branches_matching(struct strv *out, struct api *a, const char *repo,
    const char *prefix)
{
	struct api_response r;
	struct buf path = BUF_INIT;
	json_t *j = NULL, *ref;
	const char *name;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_repo(repo)) != 0)
		return rc;
	buf_addf(&path, "/repos/%s/git/matching-refs/heads/", repo);
	api_escape(&path, prefix, true);
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, path.ptr, NULL, 0);
	if (rc == 0 && (rc = load(&j, r.body.ptr, r.body.len, "refs")) == 0) {
		if (!json_is_array(j))
			rc = err_set(ERR_PROTO, "bad refs from the github api: not a list");
		json_array_foreach(j, i, ref) {
			if (rc != 0)
				break;
			name = json_string_value(json_object_get(ref, "ref"));
			if (name != NULL && strncmp(name, "refs/heads/", 11) == 0)
				strv_add(out, name + 11);
		}
	}
	if (rc != 0) {
		strv_release(out);
		err_wrap("cannot list the branches of '%s'", repo);
	}
	json_decref(j);
	api_response_release(&r);
	buf_release(&path);
	return rc;
}

/* ---- rate limit and user ---- */

static void
quota_from(struct api_quota *q, json_t *o)
{
	q->limit = q->remaining = q->reset = -1;
	if (!json_is_object(o))
		return;
	if (json_is_integer(json_object_get(o, "limit")))
		q->limit = (long)json_integer_value(json_object_get(o, "limit"));
	if (json_is_integer(json_object_get(o, "remaining")))
		q->remaining = (long)json_integer_value(json_object_get(o, "remaining"));
	if (json_is_integer(json_object_get(o, "reset")))
		q->reset = (int64_t)json_integer_value(json_object_get(o, "reset"));
}

int
github_rate_parse(struct github_rate *out, const char *json, size_t len)
{
	json_t *j, *res, *core;
	int rc;

	if ((rc = load(&j, json, len, "rate limit")) != 0)
		return rc;
	res = json_object_get(j, "resources");
	core = json_object_get(res, "core");
	if (core == NULL)
		core = json_object_get(j, "rate");
	if (!json_is_object(core)) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad rate limit from the github api: no "
		    "resources.core");
	}
	quota_from(&out->core, core);
	quota_from(&out->search, json_object_get(res, "search"));
	quota_from(&out->graphql, json_object_get(res, "graphql"));
	json_decref(j);
	return 0;
}

int
github_rate_get(struct github_rate *out, struct api *a)
{
	struct api_response r;
	int rc;

	api_response_init(&r);
	rc = api_request(&r, a, API_GET, "/rate_limit", NULL, API_NOCACHE);
	if (rc == 0)
		rc = github_rate_parse(out, r.body.ptr, r.body.len);
	if (rc != 0)
		err_wrap("cannot get the rate limit");
	api_response_release(&r);
	return rc;
}

int
github_user_parse(struct github_user **out, const char *json, size_t len)
{
	json_t *j;
	int rc;

	*out = NULL;
	if ((rc = load(&j, json, len, "user")) != 0)
		return rc;
	if (!json_is_string(json_object_get(j, "login"))) {
		rc = err_set(ERR_PROTO, "bad user from the github api: no login");
	} else {
		*out = xcalloc(1, sizeof(**out));
		(*out)->login = jstr(j, "login");
		(*out)->name = jstr(j, "name");
		(*out)->id = json_integer_value(json_object_get(j, "id"));
	}
	json_decref(j);
	return rc;
}

int
github_user_get(struct github_user **out, struct api *a)
{
	struct api_response r;
	int rc;

	*out = NULL;
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, "/user", NULL, 0);
	if (rc == 0)
		rc = github_user_parse(out, r.body.ptr, r.body.len);
	if (rc != 0 && rc != ERR_AUTH)
		err_wrap("cannot get the authenticated user");
	api_response_release(&r);
	return rc;
}

void
github_user_free(struct github_user *u)
{
	if (u == NULL)
		return;
	free(u->login);
	free(u->name);
	free(u);
}

int
github_labels_parse(struct strv *out, const char *json, size_t len)
{
	json_t *j;
	int rc;

	if ((rc = load(&j, json, len, "label list")) != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad label list from the github api: not an "
		    "array");
	}
	strv_from(out, j, "name");
	json_decref(j);
	return 0;
}
