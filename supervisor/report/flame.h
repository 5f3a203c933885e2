/*
 * flame — a flame graph of folded stacks as SVG (--profile,
 * docs/profile.md): one box per frame, its width its share of the
 * samples, the root at the bottom, callees above their callers, siblings
 * in name order; colours from the frame's name (the same name, the same
 * colour, in every graph). The SVG carries its own small script: a
 * click on a frame zooms to it (its callers stay, full width, faded),
 * "Reset zoom" goes back, "Search" highlights the frames whose names
 * match a regular expression and says what share of the samples they
 * hold. Every box has a <title>: name, samples, share (a tooltip, and
 * what a reader without the script still gets).
 *
 * The script attaches its handlers with addEventListener (no on*
 * attributes) and loads nothing, so report.html can allow exactly it
 * with a Content-Security-Policy nonce.
 */
#ifndef REPOCAST_FLAME_H
#define REPOCAST_FLAME_H

#include <stdbool.h>

#include "shared/buf.h"
#include "shared/fold.h"

struct flame_opts {
	const char *title;        /* shown at the top; NULL: "Flame graph" */
	const char *subtitle;     /* a line under it, or NULL */
	const char *nonce;        /* the <script>'s nonce attribute, or NULL */
	const char *id;           /* the <svg>'s id, unique in a page; NULL: "flame" */
	bool standalone;          /* a whole document (XML prolog, xmlns) for flame.svg */
	unsigned width;           /* pixels; 0: 1200 */
};

/* Frames narrower than this (pixels) are left out, as their callees. */
#define FLAME_MIN_WIDTH 0.1

/*
 * Append the flame graph of f (sorted by this call) to out. An empty
 * fold gives a graph that says there were no samples.
 */
void flame_svg(struct buf *out, struct fold *f, const struct flame_opts *o);
/*
 * Append s as XML text or attribute content: & < > " ' as entities,
 * control bytes and bytes that are not valid UTF-8 as '?'.
 */
void flame_escape(struct buf *out, const char *s, size_t len);

#endif
