/*
 * commit — the run job's change: what the command did to its checkout,
 * committed on the base it was checked out from and pushed (docs/run.md).
 *
 * The checkout is a plain directory written from the bare mirror; the
 * mirror becomes its repository for this step only (in memory, nothing
 * written to the mirror's config or index file): the base tree is read
 * into an index, every path is added as `git add -A` would (new, modified
 * and deleted files; .gitignore, .git/info/exclude and core.excludesFile
 * honoured), and the index's tree is the new tree. Equal to the base tree:
 * nothing changed.
 */
#ifndef REPOCAST_COMMIT_H
#define REPOCAST_COMMIT_H

#include <stdbool.h>

#include <git2.h>

#include "proto/msg.h"

struct worker;

/* The commit a run's checkout came from (plugin.c records it). */
struct commit_base {
	char *branch;                /* owned */
	git_oid oid;
};

/*
 * Commit what the command changed in dir on top of base and, unless the
 * JOB is a dry run or says commit_api (the supervisor then makes the
 * commit through the API from the mirror, where it is), push it to the
 * JOB's sync_branch (forced: the branch
 * is the run's own and always one commit on the base). Fills res:
 * outcome "unchanged" (nothing changed: no commit, nothing pushed),
 * "pushed" or "dry_run", with the commit id, the branch, the counts and
 * the diffstat (and the diff when the JOB wants it); res's strings are
 * heap copies the caller frees with free() (the worker core, which does
 * not link this plugin, sends and frees them). Blocks (push).
 * 0, or <0 with err_last set.
 */
int commit_run_changes(struct msg_result *res, struct worker *w, const char *dir,
    const struct commit_base *base);

#endif
