/*
 * pr — discovery of the open sync PR; create, update, close.
 */
#include "supervisor/github/pr.h"

#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/prtext.h"

static int
pr_text(struct buf *title, struct buf *body, const struct pr_in *in)
{
	struct prtext_change *ch;
	struct prtext_in pin;
	size_t i;
	int rc;

	if ((rc = prtext_title(title, in->source_commit)) < 0)
		return rc;
	ch = xcalloc(in->nfiles + 1, sizeof(*ch));
	for (i = 0; i < in->nfiles; i++) {
		ch[i].path = in->files[i].path;
		ch[i].status = msg_file_status_name(in->files[i].status);
	}
	memset(&pin, 0, sizeof(pin));
	pin.source_repo = in->source_repo;
	pin.source_branch = in->source_branch;
	pin.source_commit = in->source_commit;
	pin.target_repo = in->repo;
	pin.target_branch = in->base_branch;
	pin.config_digest = in->config_digest;
	pin.files = ch;
	pin.nfiles = in->nfiles;
	pin.note = in->note;
	pin.modules = in->modules;
	pin.nmodules = in->nmodules;
	rc = prtext_body(body, &pin, 0);
	free(ch);
	return rc;
}

#define CSTRV(s) ((const char *const *)(s).v), (s).n

int
pr_publish(struct pr_out *out, struct api *a, const struct pr_in *in)
{
	struct buf title = BUF_INIT, body = BUF_INIT;
	struct github_pull_new req;
	struct github_pull_edit ed;
	struct github_pull *pr = NULL;
	bool adopted = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pr_text(&title, &body, in)) < 0)
		goto out;
	if (in->existing != NULL && strcmp(in->existing->head.ref, in->head_branch) == 0) {
		out->url = xstrdup(in->existing->html_url ? in->existing->html_url : "");
		out->number = in->existing->number;
		out->draft = in->existing->draft;
		out->node_id = xstrdup_or_null(in->existing->node_id);
		if ((in->existing->title && strcmp(in->existing->title, title.ptr) == 0) &&
		    (in->existing->body && strcmp(in->existing->body, body.ptr) == 0)) {
			rc = 0;
			goto out;
		}
		memset(&ed, 0, sizeof(ed));
		ed.title = title.ptr;
		ed.body = body.ptr;
		if ((rc = github_pull_update(NULL, a, in->repo, in->existing->number, &ed)) < 0)
			goto out;
		out->updated = true;
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.title = title.ptr;
	req.head = in->head_branch;
	req.base = in->base_branch;
	req.body = body.ptr;
	req.draft = in->draft;
	if ((rc = github_pull_create_once(&pr, &adopted, a, in->repo, &req)) < 0)
		goto out;
	out->url = xstrdup(pr->html_url ? pr->html_url : "");
	out->number = pr->number;
	out->draft = pr->draft;
	out->node_id = xstrdup_or_null(pr->node_id);
	out->created = !adopted;
	if ((rc = github_labels_add(a, in->repo, pr->number, CSTRV(in->assign->labels))) < 0 ||
	    (rc = github_assignees_add(a, in->repo, pr->number,
	    CSTRV(in->assign->assignees))) < 0 ||
	    (rc = github_reviewers_request(a, in->repo, pr->number,
	    CSTRV(in->assign->reviewers), CSTRV(in->assign->team_reviewers))) < 0)
		goto out;
	rc = 0;
out:
	github_pull_free(pr);
	buf_release(&title);
	buf_release(&body);
	return rc;
}

char *
pr_stale_comment(const char *repo, const char *source_commit)
{
	return xasprintf("Closing: '%s' is already up to date with the source (%.7s); "
	    "this sync pull request is no longer needed.", repo, source_commit);
}

char *
pr_superseded_comment(int by_number, const char *by_url)
{
	if (by_url != NULL && *by_url != '\0')
		return xasprintf("Closing: superseded by #%d (%s). repocast keeps one open "
		    "sync pull request per target.", by_number, by_url);
	return xasprintf("Closing: superseded by #%d. repocast keeps one open sync pull "
	    "request per target.", by_number);
}

int
pr_branch_disposable(bool *ok, struct api *a, const char *repo, const char *base,
    const char *branch, const char *author_name, const char *author_email)
{
	struct github_compare *c = NULL;
	int rc;

	*ok = false;
	if (base == NULL || branch == NULL)
		return 0;
	rc = github_compare_get(&c, a, repo, base, branch);
	if (rc == ERR_NOTFOUND) {
		err_clear();
		return 0;
	}
	if (rc < 0)
		return rc;
	*ok = c->ahead_by == 0 || (c->ahead_by == 1 && author_name != NULL &&
	    author_email != NULL && c->committer_name != NULL && c->committer_email != NULL &&
	    strcmp(c->committer_name, author_name) == 0 &&
	    strcmp(c->committer_email, author_email) == 0);
	github_compare_free(c);
	return 0;
}

int
pr_branch_drop(enum pr_branch_fate *fate, struct api *a, const char *repo,
    const char *base, const char *branch, const char *author_name,
    const char *author_email, bool dry_run)
{
	bool ours;
	int rc;

	*fate = PR_BRANCH_KEPT;
	if ((rc = pr_branch_disposable(&ours, a, repo, base, branch, author_name,
	    author_email)) < 0)
		return rc;
	if (!ours) {
		*fate = PR_BRANCH_FOREIGN;
		return 0;
	}
	rc = dry_run ? 0 : github_branch_delete(a, repo, branch);
	if (rc == ERR_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	if (rc == 0)
		*fate = PR_BRANCH_DELETED;
	return rc;
}

int
pr_close(enum pr_branch_fate *fate, struct api *a, const struct pr_close_in *in)
{
	struct github_pull_edit ed;
	int rc;

	*fate = PR_BRANCH_KEPT;
	if ((rc = github_comment_create(a, in->repo, in->pr->number, in->comment)) < 0)
		return rc;
	memset(&ed, 0, sizeof(ed));
	ed.state = "closed";
	if ((rc = github_pull_update(NULL, a, in->repo, in->pr->number, &ed)) < 0)
		return rc;
	if (in->keep_branch || in->pr->head.ref == NULL)
		return 0;
	return pr_branch_drop(fate, a, in->repo, in->pr->base.ref, in->pr->head.ref,
	    in->author_name, in->author_email, false);
}
