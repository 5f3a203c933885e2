/*
 * sync_publish — once a target's record is final: what its outcome means
 * for its pull requests (supervisor/github/pr.h). pushed: open a PR, or
 * update the reused branch's; up_to_date with an open sync PR: close it
 * as stale; pending_current: report the open PR. Then one open sync PR
 * per target is the rule: every other open sync PR of the target (older
 * duplicates, go-broadcast's, one against another base, one whose branch
 * has someone else's commits) is closed with a comment naming the PR
 * that replaces it. Called from the group's publisher thread (pubq.c),
 * one target after another, through the one API limiter, so the event
 * loop never waits on the API.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/sync/internal.h"
#include "supervisor/github/pr.h"

/*
 * Cut off by an interrupt: t is cancelled, a pushed t's branch named
 * (why, when given, is what was cut off). Its record fails, so no skip
 * record is kept and the next run picks t up.
 */
static void
sync_set_cancelled(struct sync_target *t, const char *why)
{
	const char *branch = t->rec.result.branch;
	char *text;

	if (t->rec.outcome == OUTCOME_PUSHED && branch != NULL && t->rec.sync.pr_url == NULL)
		text = xasprintf("pushed branch '%s', but the run was interrupted before its "
		    "pull request (the next run opens one)%s%s", branch, why ? ": " : "",
		    why ? why : "");
	else
		text = xasprintf("the run was interrupted before its pull requests were brought "
		    "up to date%s%s", why ? ": " : "", why ? why : "");
	t->rec.outcome = OUTCOME_CANCELLED;
	record_set_cause(&t->rec, CAUSE_CANCELLED, 0, text);
	free(text);
}

static void
sync_set_failed(struct sync_run *r, struct sync_target *t, const char *text)
{
	/* An API wait or request ended by the interrupt is no PR failure. */
	if (sync_pubq_stopped(r) || sync_signal_pending()) {
		sync_set_cancelled(t, text);
		return;
	}
	t->rec.outcome = OUTCOME_FAILED;
	record_set_cause(&t->rec, CAUSE_PR, 0, text);
}

/* Append "; text" to the target's summary note and its record's note. */
static void
sync_note(struct sync_target *t, const char *text)
{
	char *n;

	n = t->note != NULL ? xasprintf("%s; %s", t->note, text) : xstrdup(text);
	free(t->note);
	t->note = n;
	free(t->rec.sync.note);
	t->rec.sync.note = xstrdup(n);
}

/* Close pr with comment; note what became of it and its branch. */
static int
sync_close(struct sync_run *r, struct sync_target *t, const struct github_pull *pr,
    const char *comment, const char *what)
{
	struct pr_close_in in;
	enum pr_branch_fate fate;
	char *text;
	int rc;

	if (r->o.dry_run) {
		text = xasprintf("would close %s PR #%d", what, pr->number);
		sync_note(t, text);
		free(text);
		return 0;
	}
	memset(&in, 0, sizeof(in));
	in.repo = t->target->repo;
	in.pr = pr;
	in.comment = comment;
	in.keep_branch = r->o.keep_branches;
	sync_author(r->cfg, &in.author_name, &in.author_email);
	if ((rc = pr_close(&fate, r->api, &in)) < 0)
		return rc;
	if (fate == PR_BRANCH_FOREIGN)
		text = xasprintf("closed %s PR #%d (branch '%s' kept: it has commits repocast "
		    "did not make)", what, pr->number, pr->head.ref);
	else
		text = xasprintf("closed %s PR #%d", what, pr->number);
	sync_note(t, text);
	free(text);
	return 0;
}

/* Close every other open sync PR of t: by_number (by_url) replaces them. */
static int
sync_close_others(struct sync_run *r, struct sync_target *t, int by_number,
    const char *by_url)
{
	char *comment = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->found.nothers && rc == 0; i++) {
		const struct github_pull *o = &t->found.others[i];

		if (by_number > 0) {
			comment = pr_superseded_comment(by_number, by_url);
			rc = sync_close(r, t, o, comment, "superseded");
		} else {
			comment = pr_stale_comment(t->target->repo, t->source->commit);
			rc = sync_close(r, t, o, comment, "stale");
		}
		free(comment);
	}
	return rc;
}

void
sync_publish(struct sync_run *r, struct sync_target *t)
{
	const struct msg_result *res = &t->rec.result;
	const struct github_pull *old = t->found.pr;
	struct pr_out out;
	struct pr_in in;
	char *comment, *note = NULL;
	struct prtext_module *mods;
	bool moved;
	int rc;

	if (!t->has_rec || record_failed(&t->rec) || !t->rec.has_result)
		return;
	if (t->rec.outcome == OUTCOME_UP_TO_DATE) {
		if (old != NULL) {
			comment = pr_stale_comment(t->target->repo, t->source->commit);
			rc = sync_close(r, t, old, comment, "stale");
			free(comment);
			if (rc < 0) {
				sync_set_failed(r, t, err_last());
				return;
			}
			if (!r->o.dry_run) {
				t->pr_closed = true;
				t->rec.sync.pr = PR_CLOSED;
				free(t->rec.sync.pr_url);
				t->rec.sync.pr_url = xstrdup_or_null(old->html_url);
			}
		}
		if (sync_close_others(r, t, 0, NULL) < 0)
			sync_set_failed(r, t, err_last());
		return;
	}
	if (t->rec.outcome == OUTCOME_PENDING_CURRENT && old != NULL) {
		free(t->rec.sync.pr_url);
		t->rec.sync.pr_url = xstrdup(old->html_url ? old->html_url : "");
		t->rec.sync.pr = PR_CURRENT;
		if (sync_close_others(r, t, old->number, old->html_url) < 0)
			sync_set_failed(r, t, err_last());
		return;
	}
	if (t->rec.outcome == OUTCOME_DRY_RUN) {
		/* sync_close only notes in a dry run; the numbers are the PRs to go */
		if (old != NULL && strcmp(old->head.ref, res->branch) != 0)
			sync_close(r, t, old, NULL, "superseded");
		sync_close_others(r, t, 1, NULL);
		return;
	}
	if (t->rec.outcome != OUTCOME_PUSHED)
		return;
	/* The worker left old's branch alone (someone else committed on it). */
	moved = old != NULL && strcmp(old->head.ref, res->branch) != 0;
	if (moved)
		note = xasprintf("The earlier sync branch `%s` (#%d) has commits repocast did "
		    "not make, so it was not rewritten; this pull request replaces it.",
		    old->head.ref, old->number);
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
	in.existing = old;
	in.note = note;
	in.modules = mods = sync_modules_prtext(t);
	in.nmodules = t->nmods;
	free(t->rec.sync.pr_url);
	t->rec.sync.pr_url = NULL;
	rc = pr_publish(&out, r->api, &in);
	free(note);
	free(mods);
	if (rc < 0) {
		sync_set_failed(r, t, err_last());
		return;
	}
	t->rec.sync.pr_url = out.url;
	t->pr_created = out.created;
	t->pr_updated = out.updated;
	t->rec.sync.pr = t->pr_created ? PR_OPENED : t->pr_updated ? PR_UPDATED : PR_CURRENT;
	if (moved) {
		sync_note(t, "branch had other commits: new PR");
		comment = pr_superseded_comment(out.number, out.url);
		rc = sync_close(r, t, old, comment, "superseded");
		free(comment);
		if (rc < 0) {
			sync_set_failed(r, t, err_last());
			return;
		}
	}
	if (sync_close_others(r, t, out.number, out.url) < 0)
		sync_set_failed(r, t, err_last());
}

void
sync_publish_abandon(struct sync_run *r, struct sync_target *t)
{
	UNUSED(r);
	if (!t->has_rec || record_failed(&t->rec) || !t->rec.has_result)
		return;
	if (t->rec.outcome == OUTCOME_PUSHED)
		sync_set_cancelled(t, NULL);
	else if (t->found.pr != NULL || t->found.nothers > 0)
		sync_note(t, "interrupted before its pull requests were brought up to date");
}
