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
#include <strings.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/util.h"
#include "supervisor/sync/internal.h"
#include "supervisor/github/apicommit.h"
#include "supervisor/github/app.h"
#include "supervisor/github/appauth.h"
#include "supervisor/github/checks.h"
#include "supervisor/github/graphql.h"
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

int
sync_automerge_labels(struct strv *out, const char *env, const struct cfg *c)
{
	const char *p = env, *e;
	size_t i;

	memset(out, 0, sizeof(*out));
	while (p != NULL && *p != '\0') {
		e = p + strcspn(p, ",");
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		i = (size_t)(e - p);
		while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
			i--;
		if (i > 0) {
			char *s = xstrndup(p, i);

			strv_add(out, s);
			free(s);
		}
		p = *e != '\0' ? e + 1 : e;
	}
	if (out->n == 0)
		for (i = 0; i < c->rc.automerge_labels.n; i++)
			strv_add(out, c->rc.automerge_labels.v[i]);
	return (int)out->n;
}

/* Is label on the PR already (GitHub matches label names case-insensitively)? */
static bool
sync_has_label(const struct github_pull *pr, const char *label)
{
	size_t i;

	for (i = 0; pr != NULL && i < pr->labels.n; i++)
		if (strcasecmp(pr->labels.v[i], label) == 0)
			return true;
	return false;
}

/*
 * GitHub's auto-merge on t's pull request node_id: a GraphQL mutation,
 * whose path names no owner, so as a GitHub App it is sent with the
 * installation token of t's owner (app_set_owner is this thread's).
 */
static int
sync_automerge_enable(struct sync_run *r, const struct sync_target *t, const char *node_id,
    const char *method)
{
	char owner[APPAUTH_OWNER_MAX];
	int rc;

	if (r->app != NULL && appauth_owner(owner, t->target->repo))
		app_set_owner(r->app, owner);
	rc = graphql_automerge_enable(r->api, r->gql_url, node_id, method);
	if (r->app != NULL)
		app_set_owner(r->app, NULL);
	return rc;
}

/*
 * --automerge on t's open sync PR (number, node_id; old: the PR as
 * discovery listed it, or NULL for a new one): add the automerge labels
 * it lacks, then enable GitHub's auto-merge when the repository allows it
 * and it is not on yet. Neither failing fails the target: a note says why.
 */
static void
sync_automerge(struct sync_run *r, struct sync_target *t, int number, const char *node_id,
    const struct github_pull *old)
{
	struct github_repo *repo = NULL;
	struct strv labels, all;
	const char *method;
	char *text;
	size_t i;

	if (!r->o.automerge)
		return;
	sync_automerge_labels(&all, getenv("GO_BROADCAST_AUTOMERGE_LABELS"), r->cfg);
	memset(&labels, 0, sizeof(labels));
	for (i = 0; i < all.n; i++)
		if (!sync_has_label(old, all.v[i]))
			strv_add(&labels, all.v[i]);
	strv_release(&all);
	if (r->o.dry_run) {
		sync_note(t, labels.n > 0 ? "would add the automerge labels and enable "
		    "auto-merge where allowed" : "would enable auto-merge where allowed");
		strv_release(&labels);
		return;
	}
	if (labels.n > 0 && github_labels_add(r->api, t->target->repo, number,
	    (const char *const *)labels.v, labels.n) < 0) {
		text = xasprintf("automerge labels not added: %s", err_last());
		sync_note(t, text);
		free(text);
		err_clear();
	}
	strv_release(&labels);
	if (old != NULL && old->auto_merge) {
		sync_note(t, "auto-merge already enabled");
		return;
	}
	if (github_repo_get(&repo, r->api, t->target->repo) < 0) {
		text = xasprintf("auto-merge not enabled: %s", err_last());
	} else if (!repo->allow_auto_merge) {
		text = xstrdup("auto-merge not enabled: the repository does not allow it");
	} else if ((method = github_merge_method(repo->allow_squash_merge,
	    repo->allow_merge_commit, repo->allow_rebase_merge)) == NULL) {
		text = xstrdup("auto-merge not enabled: the repository allows no merge method");
	} else if (node_id == NULL) {
		text = xstrdup("auto-merge not enabled: the pull request has no node_id");
	} else if (sync_automerge_enable(r, t, node_id, method) < 0) {
		text = xasprintf("auto-merge not enabled: %s", err_last());
	} else {
		text = xasprintf("auto-merge enabled (%s)", method);
	}
	sync_note(t, text);
	log_info("%s: #%d: %s", t->target->repo, number, text);
	free(text);
	err_clear();
	github_repo_free(repo);
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

/*
 * t's worker left its commit in the target's mirror (commit.via: api):
 * make it through the API (supervisor/github/apicommit.h). 0, or -1 with
 * t failed (cause api_commit_limit, or the error's).
 */
static int
sync_commit_api(struct sync_run *r, struct sync_target *t)
{
	const struct msg_job *job = &t->job.job.u.job;
	struct msg_result *res = &t->rec.result;
	const struct github_pull *old = t->found.pr;
	struct apicommit_out out;
	struct apicommit_in in;
	int rc;

	memset(&in, 0, sizeof(in));
	in.repo = t->target->repo;
	in.cache_dir = job->cache_dir;
	in.remote_url = job->remote_url;
	in.commit = res->commit;
	in.branch = res->branch;
	in.protect = t->found.base_branch;
	/* the open PR's branch, when the worker reused it: replaced, and its
	 * blobs are on the target already */
	if (old != NULL && old->head.ref != NULL && res->branch != NULL &&
	    strcmp(old->head.ref, res->branch) == 0) {
		in.exists = true;
		in.known_head = old->head.sha;
	}
	in.max_blobs = r->cfg->rc.commit_api_max_blobs;
	in.max_bytes = r->cfg->rc.commit_api_max_bytes;
	t->rec.sync.commit_via = COMMIT_API;
	if ((rc = apicommit_make(&out, r->api, &in)) < 0) {
		t->rec.outcome = OUTCOME_FAILED;
		if (rc == ERR_LIMIT)
			record_set_cause(&t->rec, CAUSE_API_COMMIT_LIMIT, 0, err_last());
		else
			record_set_cause(&t->rec, CAUSE_ERROR, rc, err_last());
		return -1;
	}
	free(res->commit);
	res->commit = xstrdup(out.commit);
	record_phase_add(&t->rec, "api_commit", out.ms);
	return 0;
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
		t->pr_draft = old->draft;
		if (sync_close_others(r, t, old->number, old->html_url) < 0)
			sync_set_failed(r, t, err_last());
		else
			sync_automerge(r, t, old->number, old->node_id, old);
		return;
	}
	if (t->rec.outcome == OUTCOME_DRY_RUN) {
		/* sync_close only notes in a dry run; the numbers are the PRs to go */
		if (old != NULL && strcmp(old->head.ref, res->branch) != 0)
			sync_close(r, t, old, NULL, "superseded");
		sync_close_others(r, t, 1, NULL);
		if (r->o.draft || t->target->pr_draft)
			sync_note(t, old != NULL && strcmp(old->head.ref, res->branch) == 0 &&
			    !old->draft ? "the open PR is not a draft and stays so" :
			    "would open a draft PR");
		sync_automerge(r, t, 0, NULL, NULL);
		return;
	}
	if (t->rec.outcome != OUTCOME_PUSHED)
		return;
	if (t->job.job.u.job.commit_api) {
		if (sync_commit_api(r, t) < 0)
			return;
	} else {
		t->rec.sync.commit_via = COMMIT_PUSH;
	}
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
	in.draft = r->o.draft || t->target->pr_draft;
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
	t->pr_draft = out.draft;
	if (out.draft)
		sync_note(t, "draft PR");
	else if (in.draft)
		sync_note(t, "the open PR is not a draft and stays so");
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
	else
		sync_automerge(r, t, out.number, out.node_id, out.created ||
		    old == NULL || strcmp(old->head.ref, res->branch) != 0 ? NULL : old);
	free(out.node_id);
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
