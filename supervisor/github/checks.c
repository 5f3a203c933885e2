/* checks — see checks.h. */
#include "supervisor/github/checks.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/github.h"

/* Record st (pending or failed) for name: a worse state replaces a better
 * one, the first of equals stays. */
static void
checks_note(struct github_checks *c, enum github_checks_state st, const char *name,
    const char *state)
{
	if (st <= c->state)
		return;
	c->state = st;
	free(c->what);
	c->what = xasprintf("%s: %s", name != NULL ? name : "(unnamed)",
	    state != NULL ? state : "(none)");
}

static int
checks_load(json_t **out, const char *json, size_t len, const char *what)
{
	json_error_t je;

	*out = json_loadb(json, len, 0, &je);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return err_set(ERR_PROTO, "bad %s from the github api: %s", what,
		    je.text[0] ? je.text : "not an object");
	}
	return 0;
}

int
github_checks_parse_status(struct github_checks *c, const char *json, size_t len)
{
	const char *state, *s;
	json_t *j, *arr, *e;
	size_t i;
	int rc;

	if ((rc = checks_load(&j, json, len, "combined status")) != 0)
		return rc;
	state = json_string_value(json_object_get(j, "state"));
	arr = json_object_get(j, "statuses");
	if (state == NULL || !json_is_array(arr)) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad combined status from the github api: no state "
		    "or statuses");
	}
	c->nstatuses += (int)json_array_size(arr);
	/* No status at all is "pending" on GitHub, yet nothing is waited for. */
	json_array_foreach(arr, i, e) {
		s = json_string_value(json_object_get(e, "state"));
		if (s != NULL && strcmp(s, "success") == 0)
			continue;
		checks_note(c, s != NULL && strcmp(s, "pending") == 0 ? GITHUB_CHECKS_PENDING :
		    GITHUB_CHECKS_FAILED, json_string_value(json_object_get(e, "context")), s);
	}
	if (json_array_size(arr) > 0 && strcmp(state, "success") != 0 &&
	    c->state == GITHUB_CHECKS_GREEN)
		checks_note(c, strcmp(state, "pending") == 0 ? GITHUB_CHECKS_PENDING :
		    GITHUB_CHECKS_FAILED, "combined status", state);
	json_decref(j);
	return 0;
}

int
github_checks_parse_runs(struct github_checks *c, const char *json, size_t len)
{
	static const char *const fine[] = { "success", "neutral", "skipped" };
	const char *status, *concl, *name;
	json_t *j, *arr, *e;
	size_t i, k;
	int rc;

	if ((rc = checks_load(&j, json, len, "check runs")) != 0)
		return rc;
	arr = json_object_get(j, "check_runs");
	if (!json_is_array(arr)) {
		json_decref(j);
		return err_set(ERR_PROTO, "bad check runs from the github api: no check_runs");
	}
	c->nruns += (int)json_array_size(arr);
	json_array_foreach(arr, i, e) {
		status = json_string_value(json_object_get(e, "status"));
		concl = json_string_value(json_object_get(e, "conclusion"));
		name = json_string_value(json_object_get(e, "name"));
		if (status == NULL || strcmp(status, "completed") != 0) {
			checks_note(c, GITHUB_CHECKS_PENDING, name, status);
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(fine); k++)
			if (concl != NULL && strcmp(concl, fine[k]) == 0)
				break;
		if (k == ARRAY_SIZE(fine))
			checks_note(c, GITHUB_CHECKS_FAILED, name, concl);
	}
	json_decref(j);
	return 0;
}

void
github_checks_release(struct github_checks *c)
{
	if (c == NULL)
		return;
	free(c->what);
	memset(c, 0, sizeof(*c));
}

/* GET path, then parse it into c. */
static int
checks_fetch(struct github_checks *c, struct api *a, const char *path,
    int (*parse)(struct github_checks *, const char *, size_t))
{
	struct api_response r;
	int rc;

	api_response_init(&r);
	rc = api_request(&r, a, API_GET, path, NULL, API_NOCACHE);
	if (rc == 0)
		rc = parse(c, r.body.ptr, r.body.len);
	api_response_release(&r);
	return rc;
}

int
github_checks_get(struct github_checks *c, struct api *a, const char *repo,
    const char *sha)
{
	char *path;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!github_repo_valid(repo))
		return err_set(ERR_CONFIG, "invalid repository name '%s'", repo);
	if (strlen(sha) != 40 || strspn(sha, "0123456789abcdef") != 40)
		return err_set(ERR_PROTO, "cannot check commit '%s' of '%s': not a full "
		    "commit id", sha, repo);
	path = xasprintf("/repos/%s/commits/%s/status?per_page=100", repo, sha);
	rc = checks_fetch(c, a, path, github_checks_parse_status);
	free(path);
	if (rc == 0) {
		path = xasprintf("/repos/%s/commits/%s/check-runs?per_page=100", repo, sha);
		rc = checks_fetch(c, a, path, github_checks_parse_runs);
		free(path);
	}
	if (rc != 0)
		err_wrap("cannot read the checks of %.7s in '%s'", sha, repo);
	return rc;
}

int
github_pull_merge(struct github_merge_result *out, struct api *a, const char *repo,
    int number, const char *method, const char *sha)
{
	struct api_response r;
	json_t *j, *body;
	char *path, *req;
	const char *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!github_repo_valid(repo))
		return err_set(ERR_CONFIG, "invalid repository name '%s'", repo);
	body = json_pack("{s:s,s:s}", "merge_method", method, "sha", sha);
	req = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	path = xasprintf("/repos/%s/pulls/%d/merge", repo, number);
	api_response_init(&r);
	rc = api_request(&r, a, API_PUT, path, req, API_ONCE);
	out->status = r.status;
	if (rc == 0) {
		j = json_loadb(r.body.ptr, r.body.len, 0, NULL);
		s = json_string_value(json_object_get(j, "sha"));
		out->merged = json_is_true(json_object_get(j, "merged"));
		if (s != NULL)
			snprintf(out->sha, sizeof(out->sha), "%s", s);
		if (!out->merged) {
			out->message = xstrdup_or_null(json_string_value(json_object_get(j,
			    "message")));
			if (out->message == NULL)
				out->message = xstrdup("the merge was not done");
		}
		json_decref(j);
	} else if (r.status == 405 || r.status == 409 || r.status == 422) {
		/* GitHub said no: the caller reports it, nothing is retried. */
		out->message = xstrdup(err_last());
		err_clear();
		rc = 0;
	} else {
		err_wrap("cannot merge pull request #%d of '%s'", number, repo);
	}
	api_response_release(&r);
	free(path);
	free(req);
	return rc;
}

void
github_merge_result_release(struct github_merge_result *m)
{
	if (m == NULL)
		return;
	free(m->message);
	memset(m, 0, sizeof(*m));
}

const char *
github_merge_method(bool squash, bool merge, bool rebase)
{
	if (squash)
		return "squash";
	if (merge)
		return "merge";
	if (rebase)
		return "rebase";
	return NULL;
}
