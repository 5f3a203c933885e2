/*
 * blobread — read one blob of a repository in slices, with memory that
 * does not grow with the blob (DESIGN §9: a 500 MiB file keeps the
 * supervisor under 64 MiB).
 *
 * libgit2 1.5 streams loose objects only (git_odb_open_rstream); a fetched
 * mirror keeps its objects in packs, where git_odb_read inflates the whole
 * object into memory. So the reader tries, in order:
 *   1. "loose": libgit2's read stream of a loose object;
 *   2. "pack": the object stored whole (not as a delta) in one of the
 *      repository's packs, found through the pack's .idx (version 2) and
 *      inflated from the .pack file 64 KiB at a time;
 *   3. "whole": anything else (a delta, an object only an alternate or an
 *      in-memory backend holds) is read with git_odb_read, as git itself
 *      does for deltas: memory then follows the size of that blob.
 * Blobs git stores above core.bigFileThreshold (512 MiB by default) are
 * never deltified, and an incompressible or first-version large file is
 * stored whole, so (2) is the path large files take.
 *
 * The bytes are the object's content as stored; the worker checks the
 * object id of what arrives (git_odb_open_wstream), so a corrupt pack
 * cannot pass as the blob it names. A read past the announced size, or an
 * inflate that ends early, is an error.
 */
#ifndef REPOCAST_BLOBREAD_H
#define REPOCAST_BLOBREAD_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

struct blobread;

/*
 * Open blob id of repo (borrowed; must outlive the reader). *size is the
 * blob's length. 0, ERR_NOTFOUND (no such blob), or -1, err_last naming
 * the blob. Blocks on the disk.
 */
int blobread_open(struct blobread **out, uint64_t *size, git_repository *repo, const git_oid *id);
/*
 * Read the next bytes into buf (at most n): *got is how many, 0 only at
 * the end of the blob. 0, or -1 (err_last set: a short or corrupt pack).
 */
int blobread_read(size_t *got, struct blobread *b, void *buf, size_t n);
/* "loose", "pack" or "whole": which way the reader took (see above). */
const char *blobread_how(const struct blobread *b);
/* Close; accepts NULL. */
void blobread_free(struct blobread *b);

#endif
