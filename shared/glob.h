/*
 * glob — gitignore-style pattern sets for directory `exclude` and
 * `include_only` (DESIGN §3): `*` and `?` (not across '/'), `**` (any
 * number of directories), a leading '/' anchors to the mapping root, a
 * pattern without '/' matches the basename at any depth, a trailing '/'
 * matches directories only, '!' negates, the last matching pattern wins.
 * Matching allocates nothing. Patterns are taken as written: no comments,
 * no trailing-space trimming; a backslash escapes the next character (a
 * pattern starting with backslash-'!' matches a literal '!'). An empty
 * pattern, an unterminated '[' or a trailing backslash is an error.
 */
#ifndef REPOCAST_GLOB_H
#define REPOCAST_GLOB_H

#include <stdbool.h>
#include <stddef.h>

struct glob_set;

/* Compile n patterns; ERR_CONFIG (err_last names the pattern) on a bad one. */
int glob_set_new(struct glob_set **out, const char *const *patterns, size_t n);
void glob_set_free(struct glob_set *s);
/*
 * Does the set match path (relative to the mapping root, '/'-separated,
 * no leading '/')? With negations, the last matching pattern decides.
 * An empty set matches nothing.
 */
bool glob_set_match(const struct glob_set *s, const char *path, bool is_dir);
/*
 * gitignore's full rule, for callers that do not walk top-down: path is
 * excluded when any of its parent directories matches (a file cannot be
 * re-included under an excluded directory) or when it matches itself.
 * Allocation-free; parents longer than 4095 bytes are not checked.
 */
bool glob_set_excludes(const struct glob_set *s, const char *path, bool is_dir);
/* Number of patterns (0 for NULL). */
size_t glob_set_count(const struct glob_set *s);

#endif
