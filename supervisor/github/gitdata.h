/*
 * gitdata — GitHub's Git Data API: blobs, trees, commits and the branch
 * ref, the four steps of a commit made without a push (repocast.commit.via:
 * api, docs/github.md).
 *
 * Every call is a write through the run's one struct api, so the limiter
 * paces it (repocast.api.write_interval; a commit also counts as
 * content-creating). Blobs, trees and commits are named by their content:
 * a resend after a lost answer makes the same object again (a commit made
 * twice is at worst a second commit no ref names), so they go through the
 * client's ordinary retries. The ref update is the one step that must not
 * happen twice blindly: it is sent once (API_ONCE) and, after a lost
 * answer, the ref is read back and compared with the commit before any
 * resend.
 *
 * Shapes: docs.github.com/rest/git (POST .../git/blobs {content, encoding}
 * -> {sha, url}; POST .../git/trees {base_tree, tree[]} -> {sha, tree[]};
 * POST .../git/commits {message, tree, parents, author, committer} ->
 * {sha, ...}; POST .../git/refs {ref, sha}; PATCH .../git/refs/heads/{b}
 * {sha, force}). All calls block.
 */
#ifndef REPOCAST_GITDATA_H
#define REPOCAST_GITDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/buf.h"

struct api;

/* One entry of a new tree, relative to its base tree. */
struct gitdata_entry {
	const char *path;            /* full path below the root ("a/b/c.txt") */
	unsigned mode;               /* 0100644, 0100755, 0120000 */
	const char *sha;             /* the blob (hex); NULL: the path is deleted */
};

/* An author or committer; date NULL: the server's now. */
struct gitdata_person {
	const char *name;
	const char *email;
	const char *date;            /* ISO 8601 with its offset, or NULL */
};

/*
 * POST /repos/{repo}/git/blobs with len bytes of data, base64. sha (41
 * bytes) gets the blob id the server made. 0, or an api_request error
 * with err_last naming the repository.
 */
int gitdata_blob_create(char sha[41], struct api *a, const char *repo, const void *data,
    size_t len);

/*
 * POST /repos/{repo}/git/trees: base_tree (hex) with the n entries
 * changed (deletions as "sha": null). sha gets the new tree's id.
 */
int gitdata_tree_create(char sha[41], struct api *a, const char *repo, const char *base_tree,
    const struct gitdata_entry *e, size_t n);

/*
 * POST /repos/{repo}/git/commits: message, tree and the one parent (hex).
 * sha gets the commit's id.
 */
int gitdata_commit_create(char sha[41], struct api *a, const char *repo, const char *message,
    const char *tree, const char *parent, const struct gitdata_person *author,
    const struct gitdata_person *committer);

/*
 * Point refs/heads/<branch> of repo at sha, as a forced push would:
 * PATCH .../git/refs/heads/<branch> {force: true} when exists, else POST
 * .../git/refs; an answer that the ref already exists (or does not) turns
 * one into the other. After a lost answer the ref is read again (GET
 * .../git/ref/heads/<branch>, uncached): at sha it is done, else the
 * update is sent again (3 sends at most). *created tells which it was
 * (may be NULL). 0, or an error (err_last names the branch).
 */
int gitdata_ref_set(bool *created, struct api *a, const char *repo, const char *branch,
    const char *sha, bool exists);

/* Bodies, pure, for tests: the JSON of a tree request and of a commit request. */
void gitdata_tree_body(struct buf *out, const char *base_tree, const struct gitdata_entry *e,
    size_t n);
void gitdata_commit_body(struct buf *out, const char *message, const char *tree,
    const char *parent, const struct gitdata_person *author,
    const struct gitdata_person *committer);
/* Append len bytes of data base64-encoded (RFC 4648, padded, no line breaks). */
void gitdata_base64(struct buf *out, const void *data, size_t len);
/*
 * The "sha" of an answer body into sha (41 bytes): 0, or ERR_PROTO when
 * there is none or it is not 40 hex digits ("bad <what> from the github api").
 */
int gitdata_sha_parse(char sha[41], const char *json, size_t len, const char *what);

#endif
