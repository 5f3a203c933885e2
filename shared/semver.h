/*
 * semver — semantic versions of git tags and the `module.version` specs of
 * a directory mapping (docs/modules.md), with the semantics of the
 * Masterminds semver library that go-broadcast uses.
 *
 * A tag is a version only when it is "v" MAJOR.MINOR.PATCH with an
 * optional "-PRERELEASE" and "+BUILD" (semver 2.0; no leading zeros in
 * numbers). Precedence is semver 2.0's: build metadata is ignored,
 * prerelease identifiers compare numerically or in ASCII order, and a
 * version with a prerelease sorts before the same version without.
 *
 * A spec is one of:
 *   "latest"      the highest version tag, prereleases included
 *   "v1.2.3"      an exact tag (starts with "v", no operator): that tag
 *   a constraint  comparators joined by spaces or commas (all must hold),
 *                 alternatives joined by "||": "=", "!=", ">", ">=", "<",
 *                 "<=", "~" (patch updates: ~1.4 = >=1.4.0 <1.5.0), "^"
 *                 (no change of the left-most non-zero part: ^1.2.0 =
 *                 >=1.2.0 <2.0.0, ^0.3.1 = >=0.3.1 <0.4.0), ranges
 *                 "1.2 - 1.4.5", wildcards "1.2.x", "1.*", "*", partial
 *                 versions ("<2" = <2.0.0, "1.2" = 1.2.x), an optional
 *                 "v" before each version.
 *                 A version with a prerelease satisfies a comparator only
 *                 when the comparator's own version has a prerelease.
 * Everything here is pure string work; a spec owns a copy of its text.
 */
#ifndef REPOCAST_SEMVER_H
#define REPOCAST_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct semver {
	uint64_t major, minor, patch;
	const char *pre;           /* prerelease identifiers, borrowed; NULL: none */
	size_t prelen;
};

enum semver_kind {
	SEMVER_LATEST = 1,
	SEMVER_EXACT,
	SEMVER_CONSTRAINT,
};

struct semver_spec;

/*
 * Parse a tag "vX.Y.Z[-pre][+build]" (the "v" is required). 0, or -1 when
 * tag is not one. out->pre points into tag.
 */
int semver_parse_tag(struct semver *out, const char *tag);
/* Precedence: < 0, 0, > 0 as a sorts before, with, after b. */
int semver_cmp(const struct semver *a, const struct semver *b);
/* Tag precedence of two tags that parse (for qsort of char *: newest first). */
int semver_tag_cmp_desc(const void *a, const void *b);

/*
 * Parse spec s. 0 with *out set (free with semver_spec_free), or -1 with
 * *why a static lowercase reason. With check_tags false only "latest" and
 * an exact tag are accepted (nothing can be matched without the tags).
 */
int semver_spec_parse(struct semver_spec **out, const char *s, bool check_tags,
    const char **why);
void semver_spec_free(struct semver_spec *sp);
enum semver_kind semver_spec_kind(const struct semver_spec *sp);
/* The spec's text as written. */
const char *semver_spec_text(const struct semver_spec *sp);
/* Does the version tag (which must parse) satisfy the spec? latest: any. */
bool semver_spec_match(const struct semver_spec *sp, const char *tag);
/*
 * Choose among tags (any order; ones that do not parse are ignored): the
 * exact tag, else the highest that matches. Its index, or -1 when none.
 */
long semver_spec_pick(const struct semver_spec *sp, const char *const *tags, size_t n);

#endif
