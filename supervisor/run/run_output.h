/*
 * run_output — what `repocast run` prints on stdout, with GNU parallel's
 * habits (docs/run.md, "Output"):
 *   summary  (default) one line per repository as it ends: outcome, wall
 *            time, CPU, peak memory; a FAIL line adds the cause, the first
 *            error line of the command's output and the path of its log
 *   tag      every line of every command as it comes, prefixed with the
 *            repository and a tab (parallel --tag); lines of two
 *            repositories interleave, whole lines only; then the summary
 *            line
 *   group    each repository's summary line and then its whole output
 *            when it ends (parallel --group)
 *   none     nothing (what --json uses: stdout is the JSON document's)
 *
 * The output comes from the pool as it goes into the repository's log
 * (pool_ops.output): the supervisor already copies every worker's
 * stdout+stderr pipe into targets/NAME.log. Memory is bounded per running
 * repository: tag holds at most one partial line (RUN_OUTPUT_LINE_MAX
 * bytes; a longer line is cut there), the error scan two short lines, and
 * group copies the finished log file to stdout in chunks instead of
 * holding the output.
 *
 * When a status line is on the terminal (progress.h) and stdout is that
 * terminal too, it is taken away before stdout is written and drawn again.
 */
#ifndef REPOCAST_RUN_OUTPUT_H
#define REPOCAST_RUN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shared/buf.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/record.h"

enum run_output_mode {
	RUN_OUTPUT_SUMMARY,
	RUN_OUTPUT_TAG,
	RUN_OUTPUT_GROUP,
	RUN_OUTPUT_NONE,
};

/* The longest partial line tag mode holds before it prints it as a line. */
#define RUN_OUTPUT_LINE_MAX 65536
/* The first error line is kept (and shown) up to this many bytes. */
#define RUN_OUTPUT_ERROR_MAX 200

/* One repository's output so far (its current attempt). */
struct run_output_task {
	struct buf partial;     /* the line not ended yet */
	char first_error[RUN_OUTPUT_ERROR_MAX + 1]; /* "" until a line reads as an error */
	char last_raw[RUN_OUTPUT_ERROR_MAX];        /* the last line that was not blank, */
	size_t last_len;                            /* as it came (cut) ... */
	char last_line[RUN_OUTPUT_ERROR_MAX + 1];   /* ... and cleaned, when asked for */
	bool last_dirty;                            /* last_line is behind last_raw */
};

struct run_output {
	enum run_output_mode mode;
	FILE *out;
	struct progress *prog;  /* the status line on stderr, or NULL */
	bool on_terminal;       /* out is a terminal: clear the status line first */
	bool color;
	int name_width;
};

/* "summary", "tag", "group", "none": 0, or ERR_CONFIG naming them. */
int run_output_parse(enum run_output_mode *out, const char *s);
const char *run_output_name(enum run_output_mode m);

/*
 * Print on out (stdout) in mode; prog, when not NULL, is the status line
 * to keep clear of. name_width: the widest repository name (names are
 * padded to it, up to 40).
 */
void run_output_init(struct run_output *o, enum run_output_mode mode, FILE *out,
    struct progress *prog, size_t name_width);
void run_output_task_init(struct run_output_task *t);
/* A new attempt starts: forget what the last one said (tag prints its
 * partial line first). */
void run_output_task_restart(struct run_output *o, struct run_output_task *t, const char *name);
void run_output_task_release(struct run_output_task *t);
/* n bytes of name's output (any chunking): scanned, and printed in tag mode. */
void run_output_data(struct run_output *o, struct run_output_task *t, const char *name,
    const char *data, size_t n);
/*
 * The repository is done, rec its final record: tag prints the partial
 * line, every mode the summary line, group then the log (rec->log_path).
 */
void run_output_finished(struct run_output *o, struct run_output_task *t,
    const struct record *rec);
/*
 * The line a FAIL names: for a command that failed, its first error line,
 * else its last line that was not blank; NULL when it printed nothing
 * (borrowed from t, which it may update).
 */
const char *run_output_error_line(struct run_output_task *t);

#endif
