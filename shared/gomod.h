/*
 * gomod — the two go.mod edits module sync needs (docs/modules.md): read
 * the `module` path, and set the version of one `require` entry. Pure text
 * work on go.mod's line syntax: `//` comments, quoted or bare paths,
 * `require x v` lines and `require ( ... )` blocks. Everything else of the
 * file is kept byte for byte.
 */
#ifndef REPOCAST_GOMOD_H
#define REPOCAST_GOMOD_H

#include <stddef.h>

#include "shared/buf.h"

/* The longest module path or version accepted. */
#define GOMOD_TOKEN_MAX 512

/*
 * The module path of go.mod text data (the first `module` directive) into
 * *out (caller frees). 0, or ERR_NOTFOUND when there is none.
 */
int gomod_module_path(char **out, const char *data, size_t len);

/*
 * data with module's require entry set to version, into out (appended):
 * the version of an existing entry (in a line or a block, the first one)
 * is replaced; without one, "\tMODULE VERSION" goes at the end of the
 * first require block, else a line "require MODULE VERSION" is appended.
 * 0, or ERR_CONFIG for a module or version that is empty or holds blanks,
 * quotes or control characters.
 */
int gomod_set_require(struct buf *out, const char *data, size_t len, const char *module,
    const char *version);

#endif
