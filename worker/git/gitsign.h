/*
 * gitsign — a commit object, signed when the JOB says so (worker/sign.h,
 * docs/signing.md): git_commit_create_buffer makes the object's text,
 * the signer signs exactly those bytes, git_commit_create_with_signature
 * writes the object with the signature in its gpgsig header, as git
 * commit -S does. Unsigned, it is git_commit_create.
 */
#ifndef REPOCAST_GITSIGN_H
#define REPOCAST_GITSIGN_H

#include <git2.h>

struct worker;

/*
 * Write the commit (author = committer = sig, one parent) into repo's
 * object database; *out its id. The signer is w->sign. 0, or <0 with
 * err_last set; a signing failure also sets *cause to "signing" (the
 * target's cause; nothing was written).
 */
int gitsign_commit(git_oid *out, const char **cause, struct worker *w, git_repository *repo,
    const git_signature *sig, const char *message, const git_tree *tree,
    const git_commit *parent);

#endif
