/*
 * push — push one branch of a target mirror to its remote (DESIGN §3).
 *
 * git_remote_push returns 0 even when the server refused a ref, so every
 * pushed ref is checked through the push_update_reference callback: a
 * non-NULL status is a rejection and becomes ERR_CONFLICT with the
 * server's reason. HTTP(S) remotes authenticate as user "x-access-token"
 * with the token as password; the token is never logged or stored.
 */
#ifndef REPOCAST_PUSH_H
#define REPOCAST_PUSH_H

#include <git2.h>

#include "shared/git/mirror.h"

/*
 * Point refs/heads/<branch> of the mirror at commit (force) and push it to
 * the mirror's url as refs/heads/<branch>, replacing what is there, with
 * the mirror's token (may be NULL).
 * Refuses (BUG-free, ERR_CONFIG) when branch equals protect (the base
 * branch). Blocks. 0 ok; ERR_CONFLICT when the server rejected the ref,
 * ERR_AUTH on 401/403, ERR_NET on transport errors, -1 otherwise; err_last
 * names the branch.
 */
int push_branch(struct mirror *m, const char *branch, const char *protect,
    const git_oid *commit);

#endif
