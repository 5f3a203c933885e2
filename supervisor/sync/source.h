/*
 * source — the source repository of one group for one run (DESIGN §3):
 * its mirror is fetched once, the branch resolved to a commit and the
 * commit's tree kept open for planning and for serving blobs to workers.
 *
 * The fetch runs in a forked child (source.c says why: libgit2's indexer
 * maps the whole pack it receives, which would stay in the supervisor's
 * RSS). After source_open the mirror's flock is released (mirror_unlock):
 * the objects of the resolved commit never go away, and a target that is
 * the source repository itself must not wait for its own supervisor.
 */
#ifndef REPOCAST_SOURCE_H
#define REPOCAST_SOURCE_H

#include <git2.h>
#include <stdbool.h>

#include "shared/git/mirror.h"
#include "shared/strv.h"

struct source {
	struct mirror mirror;
	char *repo;                /* owner/name */
	char *branch;
	git_oid commit;
	char commit_hex[GIT_OID_HEXSZ + 1];
	git_tree *tree;            /* the commit's tree; owned */
	git_odb *odb;              /* the mirror's object database; owned, lent to
	                            * every job of the source (sync_job.odb) */
	bool tags;                 /* the v* tags were fetched (module sync) */
	struct strv tag_names;     /* then: every refs/tags/v* name, without
	                            * refs/tags/, in refname order */
};

/*
 * Open the mirror of url in cache, fetch branch, resolve it; with tags
 * also fetch the remote's refs/tags/v* (pruning deleted ones) and list
 * them in s->tag_names. repo names the source in messages. Blocks on the network and on the mirror lock. 0, or
 * ERR_NOTFOUND (repository or branch missing), ERR_AUTH, ERR_NET, -1, with
 * err_last "cannot read source 'owner/name' branch 'b': ...". token is
 * borrowed and must outlive s.
 */
int source_open(struct source *s, const char *cache, const char *url, const char *repo,
    const char *branch, bool tags, const char *token);
/* Release everything; accepts a zeroed or already closed source. */
void source_close(struct source *s);
/*
 * Read a blob of the source mirror: *data points into *blob (free with
 * git_blob_free). ERR_NOTFOUND when the object is absent or not a blob.
 */
int source_blob(git_blob **blob, const void **data, size_t *len, struct source *s,
    const git_oid *oid);

/*
 * The commit a tag of the mirror names (an annotated tag peeled) and its
 * tree (free with git_tree_free). ERR_NOTFOUND when refs/tags/<tag> is
 * absent or does not lead to a commit.
 */
int source_tag_tree(git_tree **tree, git_oid *commit, struct source *s, const char *tag);

#endif
