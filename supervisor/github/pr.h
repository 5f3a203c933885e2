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
#include "supervisor/github/prtext.h"

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
	const char *note;            /* a paragraph for the body, or NULL */
	const struct prtext_module *modules; /* module directories at their versions */
	size_t nmodules;
	bool draft;                  /* open a new PR as a draft */
};

/* Closing one sync PR (pr_close). */
struct pr_close_in {
	const char *repo;            /* target owner/name */
	const struct github_pull *pr;
	const char *comment;         /* posted before closing */
	const char *author_name;     /* repocast's commit identity: a branch */
	const char *author_email;    /*   whose head another made is kept */
	bool keep_branch;            /* --keep-branches */
};

/* What pr_close did to the PR's branch. */
enum pr_branch_fate {
	PR_BRANCH_DELETED,           /* deleted (or already gone) */
	PR_BRANCH_KEPT,              /* kept: asked to */
	PR_BRANCH_FOREIGN,           /* kept: its head is not a commit repocast made */
};

/* What pr_publish did. */
struct pr_out {
	char *url;                   /* the PR's html url (caller frees) */
	int number;
	bool created;                /* opened now (not adopted after a lost answer) */
	bool updated;                /* an existing PR's title or body changed */
	bool draft;                  /* the PR is a draft (an existing PR stays as it is) */
	char *node_id;               /* its GraphQL id (caller frees); may be NULL */
};

/*
 * Open the PR (labels, assignees, reviewers, team reviewers added), or,
 * when in->existing is the PR of head_branch, update its title and body
 * if they changed. *out is filled on success (zeroed first).
 */
int pr_publish(struct pr_out *out, struct api *a, const struct pr_in *in);

/*
 * Comment on and close in->pr, then delete its branch unless asked to keep
 * it or it holds commits the base lacks other than one repocast made (GET
 * compare: 0 ahead of its base, or 1 with committer in->author_*): a
 * branch carrying someone's commits is never deleted. *fate says which. A branch already
 * gone is fine.
 */
int pr_close(enum pr_branch_fate *fate, struct api *a, const struct pr_close_in *in);

/*
 * Would deleting branch lose nothing but repocast's own work? *ok is true
 * when base already has all of it (merged), or when it is one commit
 * ahead of their merge base and author_name <author_email> committed that
 * one (GET .../compare/{base}...{branch}). A branch or base that is gone
 * gives false.
 */
int pr_branch_disposable(bool *ok, struct api *a, const char *repo, const char *base,
    const char *branch, const char *author_name, const char *author_email);

/*
 * Delete branch of repo when pr_branch_disposable says it holds nothing
 * but repocast's work against base; *fate says what became of it
 * (PR_BRANCH_FOREIGN: kept). A branch already gone counts as deleted.
 * With dry_run nothing is deleted, *fate says what would be. pr_close,
 * cancel and merge all drop branches through it.
 */
int pr_branch_drop(enum pr_branch_fate *fate, struct api *a, const char *repo,
    const char *base, const char *branch, const char *author_name,
    const char *author_email, bool dry_run);

/* The comment pr_close posts on a PR made stale by an up-to-date target. */
char *pr_stale_comment(const char *repo, const char *source_commit);
/* The comment on a sync PR another one replaces (by_url may be NULL). */
char *pr_superseded_comment(int by_number, const char *by_url);

#endif
