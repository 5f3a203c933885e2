/*
 * checks — is a commit green, and merging a pull request (docs/github.md,
 * "Merge").
 *
 * A commit's checks are two things on GitHub: the combined status of the
 * commit statuses (GET /repos/{o}/{r}/commits/{ref}/status) and the check
 * runs of apps such as Actions (GET .../commits/{ref}/check-runs). They
 * are green when the combined state is success or no status was set at
 * all, and every check run is completed with conclusion success, neutral
 * or skipped. A failure anywhere wins over pending; pending over green.
 * Every call blocks on the run's struct api (see api.h).
 */
#ifndef REPOCAST_CHECKS_H
#define REPOCAST_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/github/api.h"

enum github_checks_state {
	GITHUB_CHECKS_GREEN,
	GITHUB_CHECKS_PENDING,
	GITHUB_CHECKS_FAILED,
};

struct github_checks {
	enum github_checks_state state;
	char *what;                  /* the status or run that is not green,
	                              * "name: state"; NULL when green (owned) */
	int nstatuses, nruns;        /* how many were looked at */
};

/*
 * Fold one answer into c (zero it first: green, nothing seen). Pure.
 * status: the combined status object {"state", "statuses": [{"context",
 * "state"}], "total_count"}; runs: {"total_count", "check_runs": [{"name",
 * "status", "conclusion"}]}. 0, or ERR_PROTO "bad combined status from the
 * github api: ...".
 */
int github_checks_parse_status(struct github_checks *c, const char *json, size_t len);
int github_checks_parse_runs(struct github_checks *c, const char *json, size_t len);

/* Both GETs for commit sha of repo, folded into *c (initialised here). */
int github_checks_get(struct github_checks *c, struct api *a, const char *repo,
    const char *sha);
void github_checks_release(struct github_checks *c);

/* What PUT .../pulls/{n}/merge answered. */
struct github_merge_result {
	bool merged;
	char sha[41];                /* the merge (or squash, or last rebased) commit */
	long status;                 /* HTTP status: 200, 405, 409, 422 ... */
	char *message;               /* GitHub's message when refused (owned) */
};

/*
 * PUT /repos/{o}/{r}/pulls/{n}/merge {"merge_method": method, "sha": sha}:
 * merge only if the head is still sha. 0 merged; a refusal GitHub gives
 * (405 not mergeable or protected, 409 head moved, 422) is also 0 with
 * out->merged false, out->status and out->message set: the caller reports
 * it and never retries around it. Other errors (network, auth) as
 * api_request. Sent once (API_ONCE): a lost answer is an error the caller
 * reports, never a second merge.
 */
int github_pull_merge(struct github_merge_result *out, struct api *a, const char *repo,
    int number, const char *method, const char *sha);
void github_merge_result_release(struct github_merge_result *m);

/*
 * The merge method a repository allows, in the order squash, merge,
 * rebase ("squash", "merge" or "rebase"); NULL when it allows none. Pure.
 */
const char *github_merge_method(bool squash, bool merge, bool rebase);

#endif
