/* gitsign — see gitsign.h. */
#include "worker/git/gitsign.h"

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/log.h"
#include "worker/sign.h"
#include "worker/worker.h"

int
gitsign_commit(git_oid *out, const char **cause, struct worker *w, git_repository *repo,
    const git_signature *sig, const char *message, const git_tree *tree,
    const git_commit *parent)
{
	const git_commit *parents[1] = { parent };
	git_buf content = GIT_BUF_INIT;
	struct buf signature = BUF_INIT;
	int rc;

	if (w->sign.method == SIGN_NONE) {
		if (git_commit_create(out, repo, NULL, sig, sig, NULL, message, tree, 1,
		    parents) < 0)
			return err_git(ERR_FAIL, "cannot create the commit");
		return 0;
	}
	if (git_commit_create_buffer(&content, repo, sig, sig, NULL, message, tree, 1,
	    parents) < 0)
		return err_git(ERR_FAIL, "cannot build the commit");
	if ((rc = sign_buffer(&signature, &w->sign, content.ptr, content.size)) < 0) {
		*cause = "signing";
		goto out;
	}
	/* libgit2 continues every line of the header: a last newline would
	 * leave a line of one space where git leaves none. */
	while (signature.len > 0 && signature.ptr[signature.len - 1] == '\n')
		buf_setlen(&signature, signature.len - 1);
	if (git_commit_create_with_signature(out, repo, content.ptr, signature.ptr,
	    "gpgsig") < 0) {
		rc = err_git(ERR_FAIL, "cannot write the signed commit");
		goto out;
	}
	worker_log(w, LOG_DEBUG, "commit signed with %s (%s)", w->sign.program,
	    w->sign.method == SIGN_SSH ? "ssh" : w->sign.method == SIGN_X509 ? "x509" :
	    "openpgp");
	rc = 0;
out:
	buf_release(&signature);
	git_buf_dispose(&content);
	return rc;
}
