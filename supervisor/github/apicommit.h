/*
 * apicommit — a commit made through the Git Data API instead of a push
 * (repocast.commit.via: api; docs/github.md, "Commits through the API").
 *
 * A worker builds the commit as for a push, stores every object of it in
 * the target's mirror in the cache and reports it without pushing. Once
 * the worker is gone, apicommit_make opens that mirror (under its lock),
 * reads the commit and its one parent, and makes the same commit on the
 * target:
 *
 *   1. the changed entries: base tree (the parent's) against the new tree,
 *      every added, modified or type-changed path with its mode and blob,
 *      every deleted path (deletions first);
 *   2. the new blobs: those of the changed entries that neither the base
 *      tree nor the known head's tree holds (the target has everything
 *      they name), each once; over max_blobs or max_bytes nothing is
 *      written;
 *   3. POST .../git/blobs per new blob (read from the mirror one at a
 *      time), POST .../git/trees with base_tree and the changed entries,
 *      POST .../git/commits with the commit's own message, author and
 *      committer (dates included), then the branch ref, forced as the push
 *      was (supervisor/github/gitdata.h).
 *
 * The tree the API answers must be the tree the worker built (a git tree
 * id is its content): a difference fails before any commit or ref exists.
 * No content crosses the worker's channel twice; the supervisor holds one
 * blob at a time.
 */
#ifndef REPOCAST_APICOMMIT_H
#define REPOCAST_APICOMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct api;

struct apicommit_in {
	const char *repo;            /* owner/name on the forge */
	const char *cache_dir;       /* the mirror: JOB.cache_dir ... */
	const char *remote_url;      /* ... and JOB.remote_url */
	const char *commit;          /* the worker's commit in the mirror (hex) */
	const char *branch;          /* the branch to point at the commit made */
	const char *protect;         /* the base branch: never written (ERR_CONFIG) */
	const char *known_head;      /* a commit of the target (the open PR's head)
	                              * whose blobs need no request; or NULL */
	bool exists;                 /* the branch is there: update it (forced) */
	uint64_t max_blobs;          /* commit.api_max_blobs; 0: no cap */
	uint64_t max_bytes;          /* commit.api_max_bytes; 0: no cap */
};

struct apicommit_out {
	char commit[41];             /* the commit the API made */
	size_t blobs;                /* blobs created */
	uint64_t bytes;              /* their size */
	bool created;                /* the branch was created (else moved) */
	uint64_t ms;                 /* the time of it all, the pace's waits included */
};

/*
 * Make in->commit on in->repo through a and point in->branch at it.
 * 0 with *out; ERR_LIMIT, before any request, when the new blobs are over
 * in->max_blobs or in->max_bytes (err_last: "the commit through the api
 * would create N blobs of B bytes, over ..."); ERR_CONFIG when the branch
 * is in->protect, the base; else an error of the mirror
 * or the API (err_last starts "commit through the api: "). Blocks on the
 * mirror's lock and the API.
 */
int apicommit_make(struct apicommit_out *out, struct api *a, const struct apicommit_in *in);

#endif
