/* graphql — see graphql.h. */
#include "supervisor/github/graphql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

void
graphql_string(struct buf *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	buf_addch(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			buf_addch(out, '\\');
			buf_addch(out, (char)*s);
		} else if (*s < 0x20 || *s == 0x7f) {
			buf_addf(out, "\\u%04x", *s);
		} else {
			buf_addch(out, (char)*s);
		}
	}
	buf_addch(out, '"');
}

/* The first error's type and message, shown as "TYPE: message" (200 bytes at most). */
static void
graphql_first_error(struct buf *out, json_t *errors)
{
	json_t *e = json_array_get(errors, 0);
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	size_t i, start = out->len;

	if (type != NULL)
		buf_addf(out, "%s: ", type);
	buf_addf(out, "%.200s", msg != NULL ? msg : "(no message)");
	if (json_array_size(errors) > 1)
		buf_addf(out, " (and %zu more errors)", json_array_size(errors) - 1);
	for (i = start; i < out->len; i++)
		if ((unsigned char)out->ptr[i] < 0x20)
			out->ptr[i] = ' ';
}

/* Is every error of a type that says the token may not use the API? */
static bool
graphql_denied(json_t *errors)
{
	size_t i;
	json_t *e;

	if (json_array_size(errors) == 0)
		return false;
	json_array_foreach(errors, i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));

		if (type == NULL || (strcmp(type, "FORBIDDEN") != 0 &&
		    strcmp(type, "INSUFFICIENT_SCOPES") != 0))
			return false;
	}
	return true;
}

/* Does data have at least one member that is not null? */
static bool
graphql_some_data(json_t *data)
{
	const char *k;
	json_t *v;

	if (!json_is_object(data))
		return false;
	json_object_foreach(data, k, v)
		if (!json_is_null(v) && strcmp(k, "rateLimit") != 0)
			return true;
	return false;
}

static long
graphql_long(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

int
graphql_parse(json_t **data, bool *unusable, struct graphql_cost *cost,
    long status, const char *body, size_t len)
{
	struct buf why = BUF_INIT;
	json_error_t je;
	json_t *j, *d, *errors;
	int rc;

	*data = NULL;
	*unusable = false;
	if (cost != NULL)
		cost->cost = cost->remaining = -1;
	if (status == 404 || status == 403) {
		*unusable = true;
		return err_set(ERR_NOTFOUND, "%ld %s", status, status == 404 ?
		    "Not Found (no GraphQL API here)" : "Forbidden");
	}
	if ((j = json_loadb(body, len, 0, &je)) == NULL || !json_is_object(j)) {
		json_decref(j);
		return err_set(ERR_PROTO, "the answer is not a GraphQL answer");
	}
	d = json_object_get(j, "data");
	errors = json_object_get(j, "errors");
	if (cost != NULL && json_is_object(d)) {
		json_t *rl = json_object_get(d, "rateLimit");

		cost->cost = graphql_long(rl, "cost");
		cost->remaining = graphql_long(rl, "remaining");
	}
	if (graphql_some_data(d)) {
		*data = json_incref(d);
		json_decref(j);
		return 0;
	}
	if (json_array_size(errors) == 0) {
		json_decref(j);
		return err_set(ERR_PROTO, "the answer has neither data nor errors");
	}
	graphql_first_error(&why, errors);
	*unusable = graphql_denied(errors);
	rc = err_set(*unusable ? ERR_AUTH : ERR_FAIL, "%s", why.ptr);
	buf_release(&why);
	json_decref(j);
	return rc;
}

/* POST {"query": doc, "variables": vars} (vars may be NULL) with flags. */
static int
graphql_send(json_t **data, bool *unusable, struct graphql_cost *cost, struct api *a,
    const char *url, const char *doc, json_t *vars, unsigned flags)
{
	struct api_response r;
	json_t *req;
	char *body;
	int rc;

	*data = NULL;
	*unusable = false;
	req = json_pack("{s:s}", "query", doc);
	if (vars != NULL)
		json_object_set(req, "variables", vars);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (body == NULL)
		return err_set(ERR_FAIL, "GraphQL at '%s': cannot encode the request", url);
	api_response_init(&r);
	rc = api_request(&r, a, API_POST, url, body, flags);
	free(body);
	if (rc == 0 || ((r.status == 404 || r.status == 403) && rc != ERR_LIMIT))
		rc = graphql_parse(data, unusable, cost, rc == 0 ? 200 : r.status,
		    r.body.ptr, r.body.len);
	if (rc != 0)
		err_wrap("GraphQL at '%s'", url);
	api_response_release(&r);
	return rc;
}

int
graphql_query(json_t **data, bool *unusable, struct graphql_cost *cost,
    struct api *a, const char *url, const char *query)
{
	return graphql_send(data, unusable, cost, a, url, query, NULL,
	    API_READ | API_GRAPHQL | API_NOCACHE);
}

int
graphql_automerge_enable(struct api *a, const char *url, const char *node_id,
    const char *method)
{
	static const char doc[] =
	    "mutation($id: ID!, $method: PullRequestMergeMethod!) { "
	    "enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: $method}) "
	    "{ pullRequest { number autoMergeRequest { enabledAt mergeMethod } } } }";
	char upper[16];
	json_t *vars, *data;
	bool unusable;
	size_t i;
	int rc;

	for (i = 0; method[i] != '\0' && i + 1 < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)method[i]);
	upper[i] = '\0';
	vars = json_pack("{s:s,s:s}", "id", node_id, "method", upper);
	/* A mutation is a write: paced as one, and sent once. */
	rc = graphql_send(&data, &unusable, NULL, a, url, doc, vars,
	    API_GRAPHQL | API_ONCE | API_NOCACHE);
	json_decref(vars);
	json_decref(data);
	if (rc != 0)
		err_wrap("cannot enable auto-merge");
	return rc;
}
