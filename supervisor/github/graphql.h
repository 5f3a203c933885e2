/*
 * graphql — one GraphQL request over the run's struct api (so the limiter
 * and the token apply), and the one mutation sync sends:
 * enablePullRequestAutoMerge (docs/github.md, "Auto-merge").
 *
 * The GraphQL endpoint is derived from the REST api_url as GitHub lays
 * them out: https://api.github.com -> https://api.github.com/graphql;
 * GitHub Enterprise Server https://HOST/api/v3 -> https://HOST/api/graphql
 * (the same origin, so the api client accepts the absolute URL). Every
 * call blocks.
 */
#ifndef REPOCAST_GRAPHQL_H
#define REPOCAST_GRAPHQL_H

#include "shared/buf.h"
#include "supervisor/github/api.h"

/* The GraphQL URL for REST base api_url (a new string). Pure. */
char *graphql_url(const char *api_url);

/*
 * POST {"query": query, "variables": variables_json} (variables_json a
 * JSON object text, or NULL) to the GraphQL endpoint; answer gets the
 * "data" member as JSON text. A document GitHub refuses (HTTP 200 with
 * "errors") is ERR_CONFLICT with the first error's message; HTTP errors as
 * api_request. A mutation is sent once (API_ONCE, API_CREATE is not
 * implied).
 */
int graphql_post(struct buf *answer, struct api *a, const char *query,
    const char *variables_json);

/*
 * enablePullRequestAutoMerge(input: {pullRequestId: node_id, mergeMethod:
 * method}) with method "squash", "merge" or "rebase". 0, or an error whose
 * text is GitHub's reason ("Pull request Auto merge is not allowed for this
 * repository").
 */
int graphql_automerge_enable(struct api *a, const char *node_id, const char *method);

#endif
