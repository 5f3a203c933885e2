/*
 * transform — per-target content rewrites (DESIGN §3), applied by the
 * worker to text files only:
 *   - repo_name: the source "owner/repo" becomes the target's, also inside
 *     github URLs and Go module paths (github.com/owner/repo/...);
 *   - variables: {{NAME}} and ${NAME} become the value, literally,
 *     longest name first;
 *   - emails: each `from` address becomes its `to` (security, support).
 * A compiled transform is immutable and may be applied to many files.
 */
#ifndef REPOCAST_TRANSFORM_H
#define REPOCAST_TRANSFORM_H

#include <stddef.h>

#include "shared/buf.h"

struct transform_pair {
	const char *from;
	const char *to;
};

struct transform;

/*
 * Compile. repo_from/repo_to may be NULL (no repo_name rewrite). vars'
 * `from` is the bare NAME. Strings are copied.
 */
int transform_new(struct transform **out, const char *repo_from, const char *repo_to,
    const struct transform_pair *vars, size_t nvars,
    const struct transform_pair *emails, size_t nemails);
void transform_free(struct transform *t);
/* Does this transform change anything at all (any rule configured)? */
int transform_is_noop(const struct transform *t);
/*
 * Apply to data and append the result to out (which is reset first).
 * Returns 1 when the result differs from the input, 0 when identical.
 */
int transform_apply(struct buf *out, const struct transform *t, const char *data, size_t len);

#endif
