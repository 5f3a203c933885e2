/*
 * github — typed GitHub REST endpoints over api.h (DESIGN §4).
 *
 * Each function sends its request(s) through the run's struct api (so the
 * limiter, the ETag cache and the retries apply) and parses the JSON answer
 * with jansson into the plain structs below. Every string in these structs
 * is owned by the struct and freed by its _free/_release function; a JSON
 * null or a missing field is NULL (strings), 0 (numbers) or false.
 *
 * repo arguments are "owner/name" and are checked against GitHub's name
 * rules before any request (ERR_CONFIG "invalid repository name 'x'"), so
 * no caller-supplied text can change the request path. Error texts say what
 * failed and where, then the API's own words: "cannot create pull request
 * in 'acme/api': 422 Validation Failed: A pull request already exists for
 * acme:chore/sync-files-api-...". Every call blocks (see api.h).
 */
#ifndef REPOCAST_GITHUB_H
#define REPOCAST_GITHUB_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/strv.h"
#include "supervisor/github/api.h"

struct github_repo {
	char *full_name;             /* "owner/name" */
	char *name;
	char *owner;                 /* owner.login */
	char *default_branch;
	char *clone_url;             /* https clone url */
	char *html_url;
	bool private_repo;
	bool archived;
	bool fork;
	bool can_push;               /* permissions.push (false when absent) */
	/* The merge methods allowed (GitHub's defaults when absent: the three
	 * methods true, auto-merge false). */
	bool allow_squash_merge, allow_merge_commit, allow_rebase_merge;
	bool allow_auto_merge;
	bool not_modified;           /* the answer came from the ETag cache (304) */
};

struct github_pull {
	int number;
	char *html_url;
	char *state;                 /* "open" or "closed" */
	char *title;
	char *body;                  /* may be NULL */
	bool draft;
	bool merged;
	char *node_id;               /* the GraphQL id (enablePullRequestAutoMerge) */
	int mergeable;               /* 1, 0, or -1: null (GitHub has not computed it
	                              * yet) or absent (a list item) */
	char *mergeable_state;       /* "clean", "blocked", "dirty", ...; NULL: absent */
	bool auto_merge;             /* auto_merge is set (GitHub's auto-merge is on) */
	struct {
		char *ref;           /* branch name */
		char *sha;           /* full commit id */
		char *label;         /* "owner:ref" */
		char *repo;          /* head.repo.full_name; NULL for a deleted fork */
	} head;
	struct {
		char *ref;
		char *sha;
	} base;
	struct strv labels;                  /* labels[].name */
	char *user;                          /* user.login */
	struct strv assignees;               /* assignees[].login */
	struct strv reviewers;               /* requested_reviewers[].login */
	struct strv team_reviewers;          /* requested_teams[].slug */
	char *created_at, *updated_at;       /* ISO 8601 as sent */
};

struct github_pulls {
	struct github_pull *v;
	size_t n;
	bool not_modified;           /* every page came from the ETag cache */
};

/*
 * GET /repos/{o}/{r}/compare/{base}...{head}: how far head is ahead of
 * their merge base, and who committed head's newest commit.
 */
struct github_compare {
	int ahead_by;
	int behind_by;
	char *committer_name;        /* of the last commit listed; NULL: none */
	char *committer_email;
};

struct github_user {
	char *login;
	long long id;
	char *name;
};

/* GET /rate_limit: the core quota, the one for search and GraphQL's points. */
struct github_rate {
	struct api_quota core;
	struct api_quota search;
	struct api_quota graphql;    /* -1 fields when the answer has none */
};

/* POST /repos/{o}/{r}/pulls. */
struct github_pull_new {
	const char *title;
	const char *head;            /* branch name in the same repository */
	const char *base;
	const char *body;            /* may be NULL */
	bool draft;
};

/* PATCH /repos/{o}/{r}/pulls/{n}: NULL fields are left unchanged. */
struct github_pull_edit {
	const char *title;
	const char *body;
	const char *state;           /* "open" or "closed" */
	const char *base;
};

/* True when repo is "owner/name" by GitHub's rules. Pure. */
bool github_repo_valid(const char *repo);

/*
 * GET /repos/{o}/{r} (ETag-cached). *out freed with github_repo_free.
 * ERR_NOTFOUND: "repository 'acme/api' not found (or no access)".
 */
int github_repo_get(struct github_repo **out, struct api *a, const char *repo);

/* Compare base...head (branch names or ids); free with github_compare_free. */
int github_compare_get(struct github_compare **out, struct api *a, const char *repo,
    const char *base, const char *head);
void github_compare_free(struct github_compare *c);
void github_repo_free(struct github_repo *r);

/*
 * GET /repos/{o}/{r}/git/ref/heads/{branch} (ETag-cached): the full commit
 * id the branch points at, into sha (41 bytes). ERR_NOTFOUND when the
 * branch does not exist.
 */
int github_branch_head(char sha[41], struct api *a, const char *repo,
    const char *branch);

/*
 * GET /repos/{o}/{r}/pulls?state=open&per_page=100, every page (at most 50).
 * With head ("owner:branch") only that branch's PRs are listed (the
 * reconcile query). out is initialised here; release it with
 * github_pulls_release (also after a failure).
 */
int github_pulls_list(struct github_pulls *out, struct api *a, const char *repo,
    const char *head);
/*
 * The most recently updated closed PRs (one page of 100: GET .../pulls?
 * state=closed&sort=updated&direction=desc), as github_pulls_list.
 */
int github_pulls_closed(struct github_pulls *out, struct api *a, const char *repo);
void github_pulls_release(struct github_pulls *p);
/* Free a heap PR (github_pull_free) or the strings of an embedded one. */
void github_pull_free(struct github_pull *p);
void github_pull_release(struct github_pull *p);

/*
 * POST /repos/{o}/{r}/pulls, sent once (API_ONCE): no retry after a
 * request that may have been processed. Returns 0 with *out; ERR_EXISTS
 * when GitHub answers that a PR for this head already exists; ERR_NET with
 * *maybe_created set (when maybe_created is not NULL) when the answer was
 * lost. Most callers want github_pull_create_once instead.
 */
int github_pull_create(struct github_pull **out, bool *maybe_created,
    struct api *a, const char *repo, const struct github_pull_new *req);

/*
 * Create the PR for req->head with the guarantee that one head never gets
 * two PRs. Before a resend after a lost answer (connection dropped or
 * timed out after sending, 5xx), and after an "already exists" answer,
 * the open PRs of "<owner>:<head>" are listed: an existing PR is adopted
 * (*adopted set true) instead of creating another. At most 3 sends.
 * Returns 0 with *out (freed with github_pull_free), or an error.
 */
int github_pull_create_once(struct github_pull **out, bool *adopted, struct api *a,
    const char *repo, const struct github_pull_new *req);

/* GET /repos/{o}/{r}/pulls/{n} (never from the ETag cache: mergeable changes). */
int github_pull_get(struct github_pull **out, struct api *a, const char *repo, int number);

/* PATCH /repos/{o}/{r}/pulls/{n}; *out (may be NULL) gets the updated PR. */
int github_pull_update(struct github_pull **out, struct api *a, const char *repo,
    int number, const struct github_pull_edit *e);

/* POST /repos/{o}/{r}/issues/{n}/labels {"labels": [...]}. n == 0: no request. */
int github_labels_add(struct api *a, const char *repo, int number,
    const char *const *labels, size_t n);

/* POST /repos/{o}/{r}/issues/{n}/assignees {"assignees": [...]}. */
int github_assignees_add(struct api *a, const char *repo, int number,
    const char *const *logins, size_t n);

/*
 * POST /repos/{o}/{r}/pulls/{n}/requested_reviewers {"reviewers": [...],
 * "team_reviewers": [...]}. No request when both lists are empty.
 */
int github_reviewers_request(struct api *a, const char *repo, int number,
    const char *const *logins, size_t nlogins, const char *const *teams,
    size_t nteams);

/* POST /repos/{o}/{r}/issues/{n}/comments (content-creating, sent once). */
int github_comment_create(struct api *a, const char *repo, int number,
    const char *body);

/*
 * DELETE /repos/{o}/{r}/git/refs/heads/{branch}. ERR_NOTFOUND when the
 * branch does not exist (GitHub answers 422 "Reference does not exist").
 */
int github_branch_delete(struct api *a, const char *repo, const char *branch);
/*
 * The branches whose names start with prefix (GET .../git/matching-refs/
 * heads/{prefix}) into out, initialised here, as names without refs/heads/.
 */
int github_branches_matching(struct strv *out, struct api *a, const char *repo,
    const char *prefix);

/* GET /rate_limit (never counted against the quota, never cached). */
int github_rate_get(struct github_rate *out, struct api *a);

/* GET /user: who the token belongs to. 401 -> ERR_AUTH. */
int github_user_get(struct github_user **out, struct api *a);
void github_user_free(struct github_user *u);

/*
 * Parsers, pure, exposed for tests and benchmarks. Each returns 0, or
 * ERR_PROTO with "bad <what> from the github api: <reason>".
 */
int github_repo_parse(struct github_repo **out, const char *json, size_t len);
/* Appends the PRs of one page (a JSON array) to out. */
int github_pulls_parse(struct github_pulls *out, const char *json, size_t len);
int github_pull_parse(struct github_pull **out, const char *json, size_t len);
/* A label array (POST .../labels answer) into names. */
int github_labels_parse(struct strv *out, const char *json, size_t len);
/* A git ref object {"ref", "object": {"sha"}} into ref and sha. */
int github_ref_parse(char **ref, char sha[41], const char *json, size_t len);
int github_rate_parse(struct github_rate *out, const char *json, size_t len);
/* GET /user's answer (free with github_user_free). */
int github_user_parse(struct github_user **out, const char *json, size_t len);

#endif
