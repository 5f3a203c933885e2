/*
 * suggest — "did you mean": the known word closest to a mistyped one, as
 * git answers an unknown command. Distance is the optimal string alignment
 * (insertions, deletions, substitutions and swaps of two neighbours, each
 * 1); a candidate is offered only when it is close for the word's length,
 * so a wild guess is never made.
 */
#ifndef REPOCAST_SUGGEST_H
#define REPOCAST_SUGGEST_H

#include <stddef.h>

/* The edit distance of a and b (bounded: words longer than 64 bytes are
 * never close). */
size_t suggest_distance(const char *a, const char *b);
/*
 * The closest of the n candidates to word (NULL entries are skipped), or
 * NULL when none is within max(1, strlen(word) / 3) edits, or two are
 * equally close. Borrowed from candidates.
 */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
