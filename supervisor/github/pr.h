/*
 * pr — the pull-request side of a sync (DESIGN §3-4): find a target's
 * base branch and its open sync PR, then, after the worker, open or
 * update the PR, or close a stale one. Every call goes through the run's
 * struct api (one limiter) and blocks.
 *
 * An open PR is this config's sync PR when its head branch lives in the
 * target repository, parses as a sync branch of the group's prefix
 * (go-broadcast's format, prtext_branch_parse), targets the base branch,
 * and its metadata block (repocast's or go-broadcast's), when present,
 * names the same source repository. The newest such PR wins.
 */
#ifndef REPOCAST_PR_H
#define REPOCAST_PR_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/msg.h"
#include "supervisor/github/api.h"
#include "supervisor/config/config.h"
#include "supervisor/github/github.h"

struct pr_in {
	const char *repo;            /* target owner/name */
	const char *base_branch;
	const char *head_branch;     /* the branch the worker pushed */
	const char *source_repo, *source_branch, *source_commit;
	const char *config_digest;
	const struct msg_file *files;
	size_t nfiles;
	const struct cfg_assign *assign;   /* labels, assignees, reviewers */
	const struct github_pull *existing; /* open sync PR on head_branch, or NULL */
};

/*
 * Open the PR (labels, assignees, reviewers, team reviewers added), or,
 * when in->existing is the PR of head_branch, update its title and body
 * if they changed. *url (caller frees) and *created are set on success.
 */
int pr_publish(char **url, bool *created, bool *updated, struct api *a,
    const struct pr_in *in);

/*
 * The target is up to date: comment on, close the stale sync PR and
 * delete its branch (a branch already gone is fine).
 */
int pr_close_stale(struct api *a, const char *repo, const struct github_pull *pr,
    const char *source_commit);

#endif
