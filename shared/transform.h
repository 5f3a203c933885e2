/*
 * transform — per-target content rewrites (DESIGN §3), applied by the
 * worker to text files only:
 *   - repo_name: the source "owner/repo" becomes the target's, by the
 *     file's type as go-broadcast does it: in Go source and go.mod only
 *     as the module path github.com/owner/repo; elsewhere as a whole pair
 *     (URLs, badges, "owner/repo" in text); with repo_bare also the bare
 *     repository name, as a whole word, outside Go files;
 *   - variables: {{NAME}} and ${NAME} become the value, literally,
 *     longest name first;
 *   - emails: each `from` address becomes its `to` (security, support).
 * A compiled transform is immutable and may be applied to many files.
 */
#ifndef REPOCAST_TRANSFORM_H
#define REPOCAST_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/buf.h"

struct transform_pair {
	const char *from;
	const char *to;
};

struct transform;

/* What to compile; every pointer may be NULL with its count 0. */
struct transform_spec {
	const char *repo_from;     /* "owner/name"; NULL: no repo_name rewrite */
	const char *repo_to;
	bool repo_bare;            /* also the bare name (needs repo_from) */
	const struct transform_pair *vars;     /* `from` is the bare NAME */
	size_t nvars;
	const struct transform_pair *emails;
	size_t nemails;
};

/* Compile spec. Strings are copied. */
int transform_new(struct transform **out, const struct transform_spec *spec);
void transform_free(struct transform *t);
/* Does this transform change anything at all (any rule configured)? */
int transform_is_noop(const struct transform *t);
/*
 * Apply to data, the content of the file at path (its extension picks
 * the repo_name rules; NULL: not a Go file), and append the result to
 * out (which is reset first). Returns 1 when the result differs from the
 * input, 0 when identical.
 */
int transform_apply(struct buf *out, const struct transform *t, const char *path,
    const char *data, size_t len);

#endif
