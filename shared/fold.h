/*
 * fold — folded stacks: "root;caller;callee count" lines, the format of
 * Brendan Gregg's stackcollapse tools and of the flame graph renderer
 * (supervisor/report/flame.h), used by --profile in both processes.
 *
 * A fold is a table of distinct stacks, each a string of frames joined by
 * ';' (root first, leaf last), with a sample count. Adding a stack that is
 * already there adds to its count. A frame never holds ';', a newline or
 * a NUL: fold_frame_clean makes a name fit. Not for a signal handler
 * (it allocates).
 */
#ifndef REPOCAST_FOLD_H
#define REPOCAST_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"

struct fold_stack {
	char *stack;              /* owned */
	uint64_t count;
};

struct fold {
	struct fold_stack *v;     /* in insertion order until fold_sort */
	size_t n, cap;
	size_t *slots;            /* hash table of v indexes + 1; 0 = empty */
	size_t nslots;
	uint64_t total;           /* sum of the counts */
};

void fold_init(struct fold *f);
void fold_release(struct fold *f);
/* Add count samples of stack (copied; len bytes, no NUL needed). */
void fold_add(struct fold *f, const char *stack, size_t len, uint64_t count);
/* Sort the stacks by name (the folded files' order: stable, diffable). */
void fold_sort(struct fold *f);
/*
 * Parse one line "a;b;c 12" (trailing newline allowed) and add it:
 * 0, or ERR_FAIL with err_last saying why (no count, a zero or
 * non-numeric count, an empty stack).
 */
int fold_add_line(struct fold *f, const char *line, size_t len);
/* Every line of text (blank lines skipped): 0, or the first line's error
 * with its line number. */
int fold_add_text(struct fold *f, const char *text, size_t len);
/* Append every stack as a "stack count\n" line, sorted (fold_sort). */
void fold_write(struct buf *out, struct fold *f);
/*
 * Fold the text of `perf script -F comm,ip,sym,dso` with call chains
 * (perf record -g): each sample is a "comm" header line and its frames,
 * leaf first, one a line ("\t  addr sym+0x10 (dso)"), ended by a blank
 * line. The stack is comm;outermost;...;leaf, unresolved frames named
 * [dso base name] (or [unknown]). Returns the samples added.
 */
uint64_t fold_add_perf_script(struct fold *f, const char *text, size_t len);
/*
 * Append name to out as one frame: ';' becomes ':', control bytes
 * (newline included) become '?', and an empty name "[unknown]".
 */
void fold_frame_clean(struct buf *out, const char *name);

#endif
