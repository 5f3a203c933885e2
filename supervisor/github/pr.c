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
	rc = prtext_body(body, &pin, 0);
	free(ch);
	return rc;
}

#define CSTRV(s) ((const char *const *)(s).v), (s).n

int
pr_publish(char **url, bool *created, bool *updated, struct api *a,
    const struct pr_in *in)
{
	struct buf title = BUF_INIT, body = BUF_INIT;
	struct github_pull_new req;
	struct github_pull_edit ed;
	struct github_pull *pr = NULL;
	bool adopted = false;
	int rc;

	*url = NULL;
	*created = *updated = false;
	if ((rc = pr_text(&title, &body, in)) < 0)
		goto out;
	if (in->existing != NULL && strcmp(in->existing->head.ref, in->head_branch) == 0) {
		*url = xstrdup(in->existing->html_url ? in->existing->html_url : "");
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
		*updated = true;
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.title = title.ptr;
	req.head = in->head_branch;
	req.base = in->base_branch;
	req.body = body.ptr;
	if ((rc = github_pull_create_once(&pr, &adopted, a, in->repo, &req)) < 0)
		goto out;
	*url = xstrdup(pr->html_url ? pr->html_url : "");
	*created = !adopted;
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

int
pr_close_stale(struct api *a, const char *repo, const struct github_pull *pr,
    const char *source_commit)
{
	struct github_pull_edit ed;
	char *text;
	int rc;

	text = xasprintf("Closing: '%s' is already up to date with the source (%.7s); "
	    "this sync pull request is no longer needed.", repo, source_commit);
	rc = github_comment_create(a, repo, pr->number, text);
	free(text);
	if (rc < 0)
		return rc;
	memset(&ed, 0, sizeof(ed));
	ed.state = "closed";
	if ((rc = github_pull_update(NULL, a, repo, pr->number, &ed)) < 0)
		return rc;
	rc = github_branch_delete(a, repo, pr->head.ref);
	if (rc == ERR_NOTFOUND)
		rc = 0;
	return rc;
}
