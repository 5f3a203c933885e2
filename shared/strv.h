/*
 * strv — a counted vector of owned strings: a message's string arrays, a
 * pull request's labels and logins. Not NULL-terminated (exec wants its
 * own copy). Zero-initialised is empty.
 */
#ifndef REPOCAST_STRV_H
#define REPOCAST_STRV_H

#include <stddef.h>

struct strv {
	char **v;
	size_t n;
};

/* Append a copy of s. Never fails (allocation failure aborts). */
void strv_add(struct strv *sv, const char *s);
/* dst becomes a deep copy of src (overwritten, not released first). */
void strv_copy(struct strv *dst, const struct strv *src);
/* Free every string and the vector; sv becomes empty. Accepts NULL. */
void strv_release(struct strv *sv);

#endif
