/*
 * source — fetch and resolve the source repository once per run. See
 * source.h.
 */
#include "supervisor/sync/source.h"

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/log.h"
#include "shared/util.h"

int
source_open(struct source *s, const char *cache, const char *url, const char *repo,
    const char *branch, const char *token)
{
	const char *branches[1] = { branch };
	git_commit *commit = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	s->mirror.lock_fd = -1;
	s->repo = xstrdup(repo);
	s->branch = xstrdup(branch);
	if ((rc = mirror_open(&s->mirror, cache, url, token)) != 0)
		goto fail;
	for (size_t i = 0; i < s->mirror.nrepairs; i++)
		log_warn("%s", s->mirror.repairs[i]);
	if ((rc = mirror_fetch(&s->mirror, branches, NULL, 1)) != 0)
		goto fail;
	if ((rc = mirror_branch_oid(&s->commit, &s->mirror, branch)) != 0)
		goto fail;
	if ((rc = git_commit_lookup(&commit, s->mirror.repo, &s->commit)) < 0) {
		rc = err_git(ERR_FAIL, "cannot read commit %s", git_oid_tostr_s(&s->commit));
		goto fail;
	}
	if ((rc = git_commit_tree(&s->tree, commit)) < 0) {
		rc = err_git(ERR_FAIL, "cannot read the tree of commit %s",
		    git_oid_tostr_s(&s->commit));
		goto fail;
	}
	git_commit_free(commit);
	commit = NULL;
	if ((rc = git_repository_odb(&s->odb, s->mirror.repo)) < 0) {
		rc = err_git(ERR_FAIL, "cannot open the object database");
		goto fail;
	}
	git_oid_tostr(s->commit_hex, sizeof(s->commit_hex), &s->commit);
	mirror_unlock(&s->mirror);
	return 0;
fail:
	err_wrap("cannot read source '%s' branch '%s'", repo, branch);
	git_commit_free(commit);
	source_close(s);
	return rc;
}

void
source_close(struct source *s)
{
	if (s == NULL)
		return;
	git_tree_free(s->tree);
	s->tree = NULL;
	git_odb_free(s->odb);
	s->odb = NULL;
	mirror_close(&s->mirror);
	free(s->repo);
	free(s->branch);
	s->repo = s->branch = NULL;
}

int
source_blob(git_blob **blob, const void **data, size_t *len, struct source *s,
    const git_oid *oid)
{
	int rc;

	*blob = NULL;
	rc = git_blob_lookup(blob, s->mirror.repo, oid);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		return err_set(ERR_NOTFOUND, "blob %s not found in source '%s'",
		    git_oid_tostr_s(oid), s->repo);
	if (rc < 0)
		return err_git(ERR_FAIL, "cannot read blob %s of source '%s'",
		    git_oid_tostr_s(oid), s->repo);
	*data = git_blob_rawcontent(*blob);
	*len = (size_t)git_blob_rawsize(*blob);
	return 0;
}
