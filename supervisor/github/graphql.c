/* graphql — see graphql.h. */
#include "supervisor/github/graphql.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/util.h"

char *
graphql_url(const char *api_url)
{
	size_t n = strlen(api_url);

	while (n > 0 && api_url[n - 1] == '/')
		n--;
	if (n >= 7 && strncmp(api_url + n - 7, "/api/v3", 7) == 0)
		return xasprintf("%.*s/api/graphql", (int)(n - 7), api_url);
	return xasprintf("%.*s/graphql", (int)n, api_url);
}

int
graphql_post(struct buf *answer, struct api *a, const char *query,
    const char *variables_json)
{
	struct api_response r;
	json_t *req, *vars = NULL, *j = NULL, *errs, *data;
	const char *msg;
	char *body, *url, *s;
	int rc;

	if (variables_json != NULL && (vars = json_loads(variables_json, 0, NULL)) == NULL)
		BUG("graphql_post: variables are not JSON");
	req = json_pack("{s:s}", "query", query);
	if (vars != NULL)
		json_object_set_new(req, "variables", vars);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	url = graphql_url(api_base_url(a));
	api_response_init(&r);
	rc = api_request(&r, a, API_POST, url, body, API_ONCE);
	if (rc == 0) {
		j = json_loadb(r.body.ptr, r.body.len, 0, NULL);
		errs = json_object_get(j, "errors");
		data = json_object_get(j, "data");
		if (!json_is_object(j)) {
			rc = err_set(ERR_PROTO, "bad graphql answer: not a JSON object");
		} else if (json_array_size(errs) > 0) {
			msg = json_string_value(json_object_get(json_array_get(errs, 0),
			    "message"));
			rc = err_set(ERR_CONFLICT, "%s", msg != NULL ? msg : "graphql error");
		} else if (!json_is_object(data)) {
			rc = err_set(ERR_PROTO, "bad graphql answer: no data");
		} else {
			s = json_dumps(data, JSON_COMPACT);
			buf_addstr(answer, s);
			free(s);
		}
	}
	json_decref(j);
	api_response_release(&r);
	free(url);
	free(body);
	return rc;
}

int
graphql_automerge_enable(struct api *a, const char *node_id, const char *method)
{
	static const char query[] =
	    "mutation($id: ID!, $method: PullRequestMergeMethod!) { "
	    "enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $method}) "
	    "{ pullRequest { number autoMergeRequest { enabledAt mergeMethod } } } }";
	struct buf answer = BUF_INIT;
	char upper[16], *vars;
	json_t *v;
	size_t i;
	int rc;

	for (i = 0; method[i] != '\0' && i + 1 < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)method[i]);
	upper[i] = '\0';
	v = json_pack("{s:s,s:s}", "id", node_id, "method", upper);
	vars = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	rc = graphql_post(&answer, a, query, vars);
	if (rc != 0)
		err_wrap("cannot enable auto-merge");
	buf_release(&answer);
	free(vars);
	return rc;
}
