/*
 * discogql — discovery (discovery.h) of many targets in one GraphQL query
 * (docs/github.md, "GraphQL").
 *
 * One query asks, for up to DISCOGQL_BATCH_MAX targets, under the aliases
 * r0, r1, ...:
 *
 *   rN: repository(owner: "o", name: "n") {
 *     isArchived viewerPermission
 *     defaultBranchRef { name target { oid } }
 *     base: ref(qualifiedName: "refs/heads/B") { target { oid } }  # a configured branch
 *     pullRequests(states: [OPEN], first: 100,
 *         orderBy: { field: CREATED_AT, direction: DESC }) {
 *       pageInfo { hasNextPage }
 *       nodes { number url title body isDraft headRefName headRefOid baseRefName
 *               isCrossRepository headRepository { nameWithOwner } headRepositoryOwner { login }
 *               headRef { target { oid } } author { login } } } }
 *
 * plus rateLimit { cost remaining resetAt }: what discovery_run learns with
 * 3 REST requests per target (repository, base branch ref, open PR pages)
 * and the skip check's fourth (the sync PR's branch head: headRef). The
 * open PRs go through the same selection (discovery_pick), so the result is
 * the one REST gives. At most 100 + 1 connection nodes per target: 50
 * targets are ~5,000 nodes (GitHub allows 500,000) and cost 1 point.
 *
 * A target the answer does not settle is left for REST (done[i] false):
 * its alias is null or has an error (a missing repository or branch: REST
 * then gives the usual error text), more than 100 open PRs, no default
 * branch, an id that is not 40 hex digits.
 */
#ifndef REPOCAST_DISCOGQL_H
#define REPOCAST_DISCOGQL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "shared/buf.h"
#include "supervisor/github/api.h"
#include "supervisor/github/discovery.h"
#include "supervisor/github/graphql.h"

#define DISCOGQL_BATCH_MAX 100   /* targets in one query, at most */
#define DISCOGQL_BATCH_DEFAULT 50

/* The query text for targets t[0 .. n) (appended to out). Pure. */
void discogql_build(struct buf *out, const struct discovery_target *t, size_t n);

/*
 * Read an answer's data object (graphql_parse) for targets t[0 .. n):
 * outs[i] filled and done[i] true for each target it settles; outs[i] of
 * the others zeroed. outs are initialised here (release each with
 * discovery_release). Pure.
 */
void discogql_read(struct discovery *outs, bool *done, const struct discovery_target *t,
    size_t n, json_t *data);

/*
 * Ask for targets t[0 .. n) at url (GraphQL) and read the answer into
 * outs and done as discogql_read does. 0; or an error code with every
 * done[i] false (the caller asks REST) and *unusable set when the API
 * cannot be used at all (graphql.h). cost may be NULL. Blocks.
 */
int discogql_run(struct discovery *outs, bool *done, bool *unusable,
    struct graphql_cost *cost, struct api *a, const char *url,
    const struct discovery_target *t, size_t n);

#endif
