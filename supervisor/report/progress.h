/*
 * progress — what a run shows on stderr while it runs, for `sync` and
 * `run` alike (DESIGN §6).
 *
 * On a terminal (and without --no-progress) one status line: done/total,
 * running, failed, targets per second and the time left, redrawn at most
 * ten times a second and cleared at the end; a line that must stay (a
 * failure, a target's result line) is printed above it. Anywhere else
 * only those lines, one per event. NO_COLOR (any value) turns colour off;
 * TERM=dumb or unset counts as no terminal.
 */
#ifndef REPOCAST_PROGRESS_H
#define REPOCAST_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *out;
	bool status;           /* draw the status line */
	bool color;
	size_t total, done, failed, running;
	uint64_t t0_ms, drawn_ms;
	bool shown;            /* a status line is on the screen */
};

/* Is fd a terminal worth a status line (a tty, TERM set and not dumb)? */
bool progress_is_tty(int fd);
/*
 * Start showing a run of total targets on out: a status line when status
 * is set (progress_is_tty and no --no-progress).
 */
void progress_init(struct progress *p, FILE *out, size_t total, bool status);
/* A worker started; a target ended (failed or not). Redraws if due. */
void progress_started(struct progress *p);
void progress_finished(struct progress *p, bool failed);
/* Print a line that stays (no newline needed), above the status line. */
void progress_line(struct progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Something else is about to write to the terminal (stdout on the same
 * terminal): progress_hide takes the status line away, progress_show
 * draws it again once that is written.
 */
void progress_hide(struct progress *p);
void progress_show(struct progress *p);
/* Colour s in red or green when colour is on ("" around it otherwise). */
const char *progress_red(const struct progress *p);
const char *progress_green(const struct progress *p);
const char *progress_plain(const struct progress *p);
/* Clear the status line for good (the end of the run); log lines no
 * longer clear it. */
void progress_end(struct progress *p);

/* The status line's text for these figures, into buf (tests use it). */
void progress_format(char *buf, size_t n, const struct progress *p, uint64_t now_ms);

#endif
