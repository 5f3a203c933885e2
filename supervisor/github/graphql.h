/*
 * graphql — GitHub's GraphQL API (docs/github.md, "GraphQL"): batched
 * discovery's queries and the auto-merge mutation.
 *
 * A query is a POST of {"query": TEXT} to the GraphQL endpoint
 * (endpoint_graphql_url): through the same limiter as every REST request,
 * as a read (API_READ: no write interval) whose answer's x-ratelimit-* is
 * GraphQL's own point budget (API_GRAPHQL), never the core quota.
 *
 * GitHub answers 200 with {"data": ..., "errors": [...]}: data may be null
 * (the whole query failed) or partly null (one alias failed, its error's
 * "path" names it). graphql_query sorts the failures into three kinds:
 *
 *   - the API cannot be used at all with this endpoint and token: a 404
 *     from the endpoint (a server without GraphQL), or an answer without
 *     data whose errors are of type FORBIDDEN or INSUFFICIENT_SCOPES (a
 *     token without the scope): *unusable is set, the caller goes back
 *     to REST for the rest of the run;
 *   - the query failed (other errors without data, RATE_LIMITED, a body
 *     that is not a GraphQL answer, a transport error): an error code;
 *   - the query answered, some aliases with errors: 0; the caller reads
 *     each alias and treats a null one as not answered.
 *
 * Blocks.
 */
#ifndef REPOCAST_GRAPHQL_H
#define REPOCAST_GRAPHQL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "shared/buf.h"
#include "supervisor/github/api.h"

/* What rateLimit{cost remaining resetAt} said; -1 when not asked or absent. */
struct graphql_cost {
	long cost;
	long remaining;
};

/*
 * Append text to out as a GraphQL string literal (the quotes included):
 * '"' and '\' escaped, control characters as \uXXXX. Pure.
 */
void graphql_string(struct buf *out, const char *text);

/*
 * Read a GraphQL answer body: 0 with *data (a new reference: the "data"
 * object, at least one member not null) or the sorting above, with
 * *unusable set for the first kind. cost is filled from data.rateLimit
 * when present (may be NULL). Pure; used by graphql_query and tests.
 */
int graphql_parse(json_t **data, bool *unusable, struct graphql_cost *cost,
    long status, const char *body, size_t len);

/*
 * POST query (the GraphQL text, not yet wrapped in JSON) to url and read
 * the answer as graphql_parse does. Errors read "GraphQL at 'URL': ...".
 */
int graphql_query(json_t **data, bool *unusable, struct graphql_cost *cost,
    struct api *a, const char *url, const char *query);

/*
 * The one mutation sync sends: enablePullRequestAutoMerge(input:
 * {pullRequestId: node_id, mergeMethod: method}) at url, method "squash",
 * "merge" or "rebase"; paced as a write and sent once. 0, or an error
 * whose text is GitHub's reason ("Pull request Auto merge is not allowed
 * for this repository").
 */
int graphql_automerge_enable(struct api *a, const char *url, const char *node_id,
    const char *method);

#endif
