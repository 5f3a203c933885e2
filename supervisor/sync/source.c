/*
 * source — fetch and resolve the source repository once per run. See
 * source.h.
 */
#include "supervisor/sync/source.h"

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/util.h"

/* s->tag_names: the mirror's refs/tags/v*. */
static int
source_list_tags(struct source *s)
{
	git_strarray names = { NULL, 0 };
	size_t i;

	if (git_reference_list(&names, s->mirror.repo) < 0)
		return err_git(ERR_FAIL, "cannot list the tags");
	for (i = 0; i < names.count; i++)
		if (strncmp(names.strings[i], "refs/tags/v", 11) == 0)
			strv_add(&s->tag_names, names.strings[i] + 10);
	git_strarray_dispose(&names);
	s->tags = true;
	return 0;
}

int
source_open(struct source *s, const char *cache, const char *url, const char *repo,
    const char *branch, bool tags, const char *token)
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
	if ((rc = mirror_fetch(&s->mirror, branches, NULL, 1)) != 0)
		goto fail;
	if (tags && ((rc = mirror_fetch_tags(&s->mirror, "v*")) != 0 ||
	    (rc = source_list_tags(s)) != 0))
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
	strv_release(&s->tag_names);
	s->tags = false;
}

int
source_tag_tree(git_tree **tree, git_oid *commit, struct source *s, const char *tag)
{
	git_object *obj = NULL;
	git_commit *c = NULL;
	char *ref = xasprintf("refs/tags/%s", tag);
	int rc;

	*tree = NULL;
	rc = git_revparse_single(&obj, s->mirror.repo, ref);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS) {
		rc = err_set(ERR_NOTFOUND, "tag '%s' not found in source '%s'", tag, s->repo);
		goto done;
	}
	if (rc < 0) {
		rc = err_git(ERR_FAIL, "cannot read tag '%s' of source '%s'", tag, s->repo);
		goto done;
	}
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = err_set(ERR_NOTFOUND, "tag '%s' of source '%s' names no commit", tag,
		    s->repo);
		goto done;
	}
	git_oid_cpy(commit, git_commit_id(c));
	if ((rc = git_commit_tree(tree, c)) < 0)
		rc = err_git(ERR_FAIL, "cannot read the tree of tag '%s'", tag);
done:
	git_commit_free(c);
	git_object_free(obj);
	free(ref);
	return rc;
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
