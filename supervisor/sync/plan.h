/*
 * plan — expand one target's mappings against the source tree object
 * (DESIGN §3). No checkout: files and directories are read from the tree,
 * blobs only to classify them (binary or not), once per blob per run.
 *
 * Output, per target: the entries to write (sorted by dest path, unique,
 * no entry below another entry's path), the paths to delete, and the
 * directories to prune (repocast's `prune: true`). Mapping rules:
 *   files[]: src (a blob or symlink) -> dest (default: src); `delete: true`
 *     deletes dest in the target.
 *   directories[]: every blob under src -> dest/<path below src>, except
 *     - names starting with '.' at any level when include_hidden is false,
 *     - what `exclude` matches (gitignore rules; an excluded directory is
 *       not descended),
 *     - files that `include_only` (when non-empty) does not match; it
 *       never prunes a directory, and a file inside a directory it
 *       matches counts as matched (gitignore's parent rule);
 *     with preserve_structure false every file lands in dest/<basename>
 *     (two files with one basename are an error); `delete: true` deletes
 *     dest; `prune: true` adds dest to the prune list.
 * Submodules (commit entries) are skipped with a note. Modes 100644,
 * 100755 and 120000 (symlinks) are kept. transform is set on an entry when
 * the target (or the directory's own transform) configures repo_name,
 * variables or an email change, and the blob is neither binary nor a
 * symlink.
 */
#ifndef REPOCAST_PLAN_H
#define REPOCAST_PLAN_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "supervisor/config/config.h"

struct transform;

struct plan_entry {
	char *path;            /* dest path in the target, '/'-separated, owned */
	char *src;             /* source path it came from, owned */
	unsigned int mode;     /* 0100644, 0100755 or 0120000 */
	git_oid oid;           /* the source blob */
	size_t size;           /* blob size in bytes */
	bool binary;           /* NUL in the first 8000 bytes */
	bool transform;        /* the worker must run the target's transform */
};

struct plan {
	struct plan_entry *entries;
	size_t n, cap;
	char **deletes;        /* sorted, unique */
	size_t ndeletes, deletes_cap;
	char **prune;          /* directories to prune, sorted, unique */
	size_t nprune, prune_cap;
	char **notes;          /* human-readable notes (skipped submodules) */
	size_t nnotes, notes_cap;
};

/*
 * The per-run cache: blob id -> (binary, size). One per source repository
 * per run, shared by every target planned from it. Borrowed repo.
 */
struct plan_cache;

int plan_cache_new(struct plan_cache **out, git_repository *repo);
void plan_cache_free(struct plan_cache *c);
/* How many blobs were read to classify them (each at most once). */
size_t plan_cache_reads(const struct plan_cache *c);

#define PLAN_INIT { NULL, 0, 0, NULL, 0, 0, NULL, 0, 0, NULL, 0, 0 }

/*
 * Expand target t of group g against tree (the source commit's tree) into
 * p (which must be PLAN_INIT or released). 0, or ERR_CONFIG with err_last
 * naming the group, the target and the mapping (a missing src path, a src
 * of the wrong kind, a bad pattern, a dest collision, a path both synced
 * and deleted); on error p is released. Reads blobs through c.
 */
int plan_expand(struct plan *p, struct plan_cache *c, const git_tree *tree,
    const struct cfg_group *g, const struct cfg_target *t);
/*
 * The same, with directory i of t expanded from dir_trees[i] instead when
 * that is not NULL (a module directory at its version's tag: a tree of the
 * same repository). dir_trees may be NULL, else has t->ndirs items.
 */
int plan_expand_at(struct plan *p, struct plan_cache *c, const git_tree *tree,
    const git_tree *const *dir_trees, const struct cfg_group *g, const struct cfg_target *t);
void plan_release(struct plan *p);
/*
 * The target-level transform of t (repo_name, variables, emails) as the
 * worker will run it; *out NULL when nothing is configured. Directory
 * transforms are not included (the JOB message carries one transform).
 */
int plan_transform_new(struct transform **out, const struct cfg_group *g,
    const struct cfg_target *t);
/* Does the target (or directory d, may be NULL) configure any transform? */
bool plan_has_transform(const struct cfg_group *g, const struct cfg_target *t,
    const struct cfg_dir *d);

#endif
