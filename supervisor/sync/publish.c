/*
 * sync_publish — after the workers: per target, what its outcome means
 * for its pull request (supervisor/github/pr.h). pushed: open a PR, or
 * update the reused branch's; up_to_date with an open sync PR: close it
 * as stale; pending_current: report the open PR. Sequential, through the
 * one API limiter, so the event loop never waits on the API.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/sync/internal.h"
#include "supervisor/github/pr.h"

static void
sync_set_failed(struct sync_target *t, const char *text)
{
	t->rec.outcome = OUTCOME_FAILED;
	record_set_cause(&t->rec, CAUSE_PR, 0, text);
}

void
sync_publish(struct sync_run *r, struct sync_target *t)
{
	const struct msg_result *res = &t->rec.result;
	struct pr_in in;
	int rc;

	if (!t->has_rec || record_failed(&t->rec) || !t->rec.has_result)
		return;
	if (t->rec.outcome == OUTCOME_UP_TO_DATE && t->found.pr != NULL) {
		if (r->o.dry_run) {
			t->note = xasprintf("would close stale PR #%d", t->found.pr->number);
			return;
		}
		rc = pr_close_stale(r->api, t->target->repo, t->found.pr, t->source->commit);
		if (rc < 0) {
			sync_set_failed(t, err_last());
			return;
		}
		t->pr_closed = true;
		t->rec.sync.pr = PR_CLOSED;
		free(t->rec.sync.pr_url);
		t->rec.sync.pr_url = xstrdup_or_null(t->found.pr->html_url);
		t->note = xasprintf("closed stale PR #%d", t->found.pr->number);
		return;
	}
	if (t->rec.outcome == OUTCOME_PENDING_CURRENT && t->found.pr != NULL) {
		free(t->rec.sync.pr_url);
		t->rec.sync.pr_url = xstrdup(t->found.pr->html_url ? t->found.pr->html_url : "");
		t->rec.sync.pr = PR_CURRENT;
		return;
	}
	if (t->rec.outcome != OUTCOME_PUSHED)
		return;
	memset(&in, 0, sizeof(in));
	in.repo = t->target->repo;
	in.base_branch = t->found.base_branch;
	in.head_branch = res->branch;
	in.source_repo = t->group->source.repo;
	in.source_branch = t->group->source.branch;
	in.source_commit = t->source->commit;
	in.config_digest = r->cfg->digest;
	in.files = t->job.files;
	in.nfiles = t->job.nfiles;
	in.assign = &t->target->pr;
	in.existing = t->found.pr;
	free(t->rec.sync.pr_url);
	t->rec.sync.pr_url = NULL;
	rc = pr_publish(&t->rec.sync.pr_url, &t->pr_created, &t->pr_updated, r->api, &in);
	if (rc < 0) {
		sync_set_failed(t, err_last());
		return;
	}
	t->rec.sync.pr = t->pr_created ? PR_OPENED : t->pr_updated ? PR_UPDATED : PR_CURRENT;
	if (t->found.pr != NULL && strcmp(t->found.pr->head.ref, res->branch) != 0)
		t->note = xasprintf("branch '%s' had other commits: new PR", t->found.pr->head.ref);
}
