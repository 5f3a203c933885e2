/*
 * discovery — what the API says about one target before its worker runs
 * (DESIGN §3, §4): the base branch (the configured one or the repository's
 * default), optionally its head commit, and the one open sync PR that
 * belongs to this target.
 *
 * An open PR is this target's sync PR when all of these hold:
 *   - its head branch is a go-broadcast-style sync branch of the group's
 *     branch_prefix (prtext_branch_parse), and lives in the target repo
 *     itself (PRs from forks are never adopted);
 *   - its body's metadata block (repocast's or go-broadcast's) names this
 *     target repo (and, when given, this source repo); a PR without a
 *     readable block counts only when its branch scope is this target's.
 * Of several, the one against the base branch with the newest branch
 * timestamp (then the highest number) is chosen; the rest are listed in
 * others (duplicates or PRs against another base) for the caller to close.
 *
 * Commits are compared as FULL ids only (prtext_commit_eq); a short id
 * from a branch name never makes a PR current.
 *
 * Costs: GET /repos/{o}/{r}, the open-PR pages, and with want_base_head
 * GET .../git/ref/heads/{base}; all ETag-cached, so an unchanged target
 * costs no quota (304s). Blocks.
 */
#ifndef REPOCAST_DISCOVERY_H
#define REPOCAST_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/github/api.h"
#include "supervisor/github/github.h"
#include "supervisor/github/prtext.h"

struct discovery_target {
	const char *repo;            /* "owner/name" */
	const char *branch;          /* configured base branch; NULL: the default */
	const char *branch_prefix;   /* e.g. "chore/sync-files" */
	const char *source_repo;     /* the group's source "owner/name"; NULL: any */
	bool want_base_head;         /* also fetch the base branch's head commit */
	bool want_labels;            /* GraphQL: also the open PRs' labels (REST
	                              * always has them) */
};

struct discovery {
	char *default_branch;
	char *base_branch;           /* target branch, or default_branch */
	char *clone_url;
	bool archived;
	bool can_push;
	char base_head[41];          /* full id when want_base_head, else "" */
	struct github_pull *pr;      /* this target's open sync PR, or NULL */
	bool has_meta;               /* pr's body had a readable metadata block */
	struct prtext_meta meta;     /* that block */
	struct prtext_branch branch; /* pr's parsed head branch name */
	char branch_head[41];        /* the head pr's branch has now (its ref), when
	                              * discovery read it (batched: discogql.h);
	                              * "" = not known */
	struct github_pull *others;  /* this target's other open sync PRs (owned) */
	size_t nothers;
};

/*
 * Discover t into out (initialised here; release with discovery_release,
 * also after a failure). Returns 0, or the github_* error wrapped as
 * "cannot discover 'acme/api': ..." (ERR_NOTFOUND for a missing repo or
 * base branch, ERR_AUTH, ERR_LIMIT, ERR_NET ...).
 */
int discovery_run(struct discovery *out, struct api *a,
    const struct discovery_target *t);

/*
 * Of pulls (open or closed), the newest sync PR of t by its branch's
 * timestamp (then number), with that branch parsed into *br; NULL when
 * none is t's. Pure.
 */
const struct github_pull *discovery_newest(struct prtext_branch *br,
    const struct github_pulls *pulls, const struct discovery_target *t);

/*
 * The selection alone, over an already fetched PR list (pure; used by
 * discovery_run and tests). Moves the chosen PR out of pulls into out->pr
 * and the other sync PRs into out->others (their slots are left zeroed)
 * and fills has_meta, meta and branch.
 * base_branch is the target's base. out must be zeroed or released first.
 */
void discovery_pick(struct discovery *out, struct github_pulls *pulls,
    const struct discovery_target *t, const char *base_branch);

/*
 * True when the chosen PR was made from exactly source_commit (FULL id
 * compare) and, when config_digest is not NULL, with that config digest.
 * A go-broadcast PR (no digest) is never current when a digest is asked
 * for: the worker then compares trees itself.
 */
bool discovery_is_current(const struct discovery *d, const char *source_commit,
    const char *config_digest);

void discovery_release(struct discovery *d);

#endif
