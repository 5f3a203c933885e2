/*
 * cmd_merge — `repocast merge`'s decision, apart from its I/O so it can be
 * tested: what to do with one open sync PR given what GitHub said of it.
 */
#ifndef REPOCAST_CMD_MERGE_H
#define REPOCAST_CMD_MERGE_H

#include <stdbool.h>

#include "supervisor/github/checks.h"

/* What became of a target's sync PR (docs/sync.md, "Merge"). */
enum cmd_merge_state {
	MERGE_NONE,                  /* no open sync PR */
	MERGE_MERGED,
	MERGE_READY,                 /* would be merged (dry run; or about to be) */
	MERGE_PENDING,               /* checks running, or mergeable not computed: left */
	MERGE_DRAFT,                 /* a draft: left */
	MERGE_CHECKS_FAILED,
	MERGE_NOT_MERGEABLE,         /* conflicts with its base */
	MERGE_BLOCKED,               /* branch protection, no --admin: left */
	MERGE_MOVED,                 /* the head changed after the checks (409) */
	MERGE_REFUSED,               /* GitHub refused the merge (405, 422) */
	MERGE_ERROR,                 /* an API error */
};

struct cmd_merge_facts {
	bool draft;
	int mergeable;               /* 1, 0, -1 (not computed) */
	const char *mergeable_state; /* GitHub's, may be NULL */
	enum github_checks_state checks;
	bool admin;                  /* --admin */
};

/* The state for f; MERGE_READY means merge it. Pure. */
enum cmd_merge_state cmd_merge_decide(const struct cmd_merge_facts *f);
/* Does st count as a failure (exit status 1)? pending, draft, none do not. */
bool cmd_merge_failed(enum cmd_merge_state st);
/* "merged", "checks_failed", ... (static). */
const char *cmd_merge_state_name(enum cmd_merge_state st);

#endif
