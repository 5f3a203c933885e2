/*
 * tree — compare a manifest with a target's base tree and build the new
 * tree in memory (DESIGN §3). No working tree, no index: the new tree is
 * git_tree_create_updated(base tree, upserts + removals).
 *
 * Flow: tree_add() each manifest entry (classifies it), tree_need() lists
 * the source blobs whose content is still missing (the WANT list: only
 * entries whose result can differ from the base tree and whose blob the
 * target mirror does not already hold), tree_blob() hands content in,
 * tree_build() resolves the remaining local blobs, applies deletions and
 * prune, and writes the new tree. Entries are owned by the tree_job.
 *
 * Invariant: transforms are applied to regular text files only, never to
 * binary files or symlinks; a transformed result is hashed and compared
 * with the base entry, so an unchanged result is "unchanged".
 */
#ifndef REPOCAST_TREE_H
#define REPOCAST_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "proto/msg.h"
#include "shared/buf.h"

struct transform;

enum tree_state {
	TREE_UNCHANGED,  /* same oid and mode as the base entry, no transform */
	TREE_LOCAL,      /* content needed, the target mirror has the blob */
	TREE_WANT,       /* content needed from the supervisor */
	TREE_DONE,       /* result oid known */
};

struct tree_entry {
	char *path;
	uint32_t mode;
	git_oid src;         /* source blob */
	git_oid result;      /* blob in the new tree (after transform) */
	bool binary, transform;
	int state;           /* enum tree_state */
	int status;          /* enum file_status, set by tree_build */
	bool in_base;
	git_oid base_oid;
	uint32_t base_mode;
};

struct tree_file {
	char *path;
	int status;          /* enum file_status */
};

struct tree_job {
	git_repository *repo;          /* borrowed */
	git_odb *odb;                  /* owned */
	git_tree *base;                /* borrowed (owned when base_owned) */
	bool base_owned;
	const struct transform *xf;    /* borrowed; NULL or no-op: none */
	struct tree_entry *v;
	size_t n, cap;
	size_t *widx;                  /* TREE_WANT entries sorted by src oid */
	size_t nwidx;
	/* results of tree_build */
	struct tree_file *files;       /* changed paths only (added/modified/deleted) */
	size_t nfiles, files_cap;
	uint64_t added, modified, deleted, unchanged;
	uint64_t bytes_in;             /* blob bytes received */
	struct buf scratch;
};

/* Bind to repo and its base tree (both borrowed; base may be NULL: empty). */
int tree_job_init(struct tree_job *tj, git_repository *repo, git_tree *base,
    const struct transform *xf);
void tree_job_release(struct tree_job *tj);

/*
 * Add one manifest entry and classify it. ERR_PROTO on a bad oid, mode or
 * path, or a path already added.
 */
int tree_add(struct tree_job *tj, const struct msg_manifest_entry *e);

/*
 * The distinct source blobs to request (hex, caller frees *out). Call after
 * every tree_add.
 */
int tree_need(char (**out)[41], size_t *n, struct tree_job *tj);

/*
 * Content of source blob hexoid. Its hash is checked (ERR_PROTO when the
 * data is not that blob or was never asked for); the result is written to
 * the mirror's odb for every entry that uses it.
 */
int tree_blob(struct tree_job *tj, const char *hexoid, const void *data, size_t len);
/* Is source blob id still wanted (tree_need listed it, no content yet)? */
bool tree_wanted(const struct tree_job *tj, const git_oid *id);
/*
 * Source blob id (len bytes) is now in the mirror's odb, written and its
 * id checked by the caller (a blob streamed in BLOB_CHUNKs): resolve
 * every entry that uses it (a transformed one reads it back whole).
 * ERR_PROTO when it was never asked for.
 */
int tree_blob_stored(struct tree_job *tj, const git_oid *id, uint64_t len);

/*
 * Module sync's update_refs: set each req[i] (module path -> version) in
 * the require entries of the base tree's root go.mod (shared/gomod.h) and
 * add the result as the entry "go.mod". Call after every tree_add and
 * tree_blob, before tree_build. ERR_CONFIG when the base has no go.mod or
 * the manifest syncs go.mod itself. n == 0: nothing.
 */
int tree_set_requires(struct tree_job *tj, const struct msg_kv *req, size_t n);

/*
 * Finish: read local blobs, check every wanted blob arrived (ERR_PROTO
 * otherwise), remove delete paths and, under each prune dir, base files
 * not in the manifest; write the new tree into *out. Fills files and the
 * counters.
 */
int tree_build(git_oid *out, struct tree_job *tj, const struct strv *delete_paths,
    const struct strv *prune_dirs);

/*
 * Does the base tree hold an entry git itself refuses (shared/pathcheck.h
 * pathcheck_name: a .git by git's rules, "..", ".", a '/' in a name)? A
 * commit on top would carry it on. Walks the whole base tree (every
 * subtree is read once). 0 clean; 1 with *bad the entry's path (caller
 * frees) and *why a static reason; ERR_FAIL when a tree cannot be read.
 */
int tree_check_base(char **bad, const char **why, struct tree_job *tj);

/*
 * Diffstat (and, when patch is non-NULL, the unified diff capped at cap
 * bytes) between the base tree and new_tree, appended to stat/patch.
 */
int tree_diff(struct buf *stat, struct buf *patch, size_t cap, struct tree_job *tj,
    const git_oid *new_tree);

#endif
