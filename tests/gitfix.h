/*
 * gitfix — test fixtures: real git repositories built with libgit2 in
 * mktemp directories (no git CLI, no working trees). Header-only so any
 * suite can include it; every helper asserts with Check on failure.
 */
#ifndef REPOCAST_TESTS_GITFIX_H
#define REPOCAST_TESTS_GITFIX_H

#include <check.h>
#include <ftw.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/util.h"

struct gitfix_file {
	const char *path;
	const char *data;      /* NULL: delete path */
	size_t len;            /* 0: strlen(data) */
	unsigned mode;         /* 0: 0100644 */
};

/* A new temporary directory (caller frees the string, rmrf's the dir). */
static inline char *
gitfix_tmpdir(void)
{
	char *d = xstrdup("/tmp/repocast-test-XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static inline int
gitfix_rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline void
gitfix_rmrf(const char *path)
{
	nftw(path, gitfix_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new bare repository at path (HEAD -> refs/heads/<head>). */
static inline git_repository *
gitfix_init(const char *path, const char *head)
{
	git_repository *r = NULL;
	char *ref;

	ck_assert_int_eq(git_repository_init(&r, path, 1), 0);
	ref = xasprintf("refs/heads/%s", head);
	ck_assert_int_eq(git_repository_set_head(r, ref), 0);
	free(ref);
	return r;
}

/*
 * Commit files on branch (created when absent, parent = its tip), starting
 * from the tip's tree. Returns the commit id in *out (may be NULL).
 */
static inline void
gitfix_commit(git_oid *out, git_repository *r, const char *branch,
    const struct gitfix_file *files, size_t n)
{
	git_tree_update *ups = xcalloc(n ? n : 1, sizeof(*ups));
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_oid oid, empty, cid;
	char *ref = xasprintf("refs/heads/%s", branch);
	size_t i;

	if (git_reference_name_to_id(&oid, r, ref) == 0) {
		ck_assert_int_eq(git_commit_lookup(&parent, r, &oid), 0);
		ck_assert_int_eq(git_commit_tree(&base, parent), 0);
	} else {
		ck_assert_int_eq(git_treebuilder_new(&tb, r, NULL), 0);
		ck_assert_int_eq(git_treebuilder_write(&empty, tb), 0);
		git_treebuilder_free(tb);
		ck_assert_int_eq(git_tree_lookup(&base, r, &empty), 0);
	}
	for (i = 0; i < n; i++) {
		ups[i].path = files[i].path;
		if (files[i].data == NULL) {
			ups[i].action = GIT_TREE_UPDATE_REMOVE;
			continue;
		}
		ups[i].action = GIT_TREE_UPDATE_UPSERT;
		ups[i].filemode = files[i].mode ? (git_filemode_t)files[i].mode : GIT_FILEMODE_BLOB;
		if (files[i].mode == GIT_FILEMODE_COMMIT) {
			ck_assert_int_eq(git_oid_fromstr(&ups[i].id, files[i].data), 0);
			continue;
		}
		ck_assert_int_eq(git_blob_create_from_buffer(&ups[i].id, r, files[i].data,
		    files[i].len ? files[i].len : strlen(files[i].data)), 0);
	}
	ck_assert_int_eq(git_tree_create_updated(&oid, r, base, n, ups), 0);
	ck_assert_int_eq(git_tree_lookup(&tree, r, &oid), 0);
	ck_assert_int_eq(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0), 0);
	ck_assert_int_eq(git_commit_create(&cid, r, ref, sig, sig, NULL, "test commit\n", tree,
	    parent ? 1 : 0, (const git_commit **)&parent), 0);
	if (out != NULL)
		*out = cid;
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	free(ref);
	free(ups);
}

#endif
