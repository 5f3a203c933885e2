/*
 * report — the run directory and report.json (DESIGN §7; schema in
 * docs/report-schema.md). Used by `run` and `sync` alike.
 *
 * A run directory is <report-dir>/<run-id>/ with targets/ for the worker
 * logs; run ids are "YYYYMMDDTHHMMSSZ-<pid>" (UTC), so they sort by time.
 * report.json is written atomically (temp file, fsync, rename): a reader
 * never sees half a report, and a partial report (an interrupted run) is a
 * complete document with run.interrupted set.
 */
#ifndef REPOCAST_REPORT_H
#define REPOCAST_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"
#include "shared/rusage.h"
#include "supervisor/report/record.h"

#define REPORT_SCHEMA 1

/* The run record. Strings are owned (report_run_release frees them). */
struct report_run {
	char *id;
	char *command;            /* "run", "sync" */
	char **argv;              /* run: the command; NULL-terminated, may be NULL */
	char *host, *kernel;
	char *config_digest;      /* NULL when there is no config */
	char *v_repocast, *v_libgit2, *v_libcurl, *v_msgpack, *v_jansson, *v_libyaml;
	uint64_t start_us, end_us;
	int jobs;
	uint64_t timeout_ms;
	int retries;
	bool interrupted;
	int exit_code;
	uint64_t orphans_reaped;
	struct rusage_sample self;       /* supervisor: RUSAGE_SELF at the end */
	struct rusage_sample children;   /* RUSAGE_CHILDREN at the end */
};

/* Fill id (for now), start time, host, kernel and library versions. */
void report_run_init(struct report_run *r, const char *command);
/* Record end time and the supervisor's own rusage. */
void report_run_end(struct report_run *r);
void report_run_release(struct report_run *r);

/* "20261122T003000Z-1234" for the given wall time (us) and pid. Caller frees. */
char *report_run_id(uint64_t wall_us, long pid);

/*
 * Create <report_dir>/<run_id>/targets (parents too). *dir receives the
 * run directory (caller frees). -1 with err_last set.
 */
int report_make_dir(char **dir, const char *report_dir, const char *run_id);

/* Nearest-rank percentile (p in 0..100) of n values (sorted in place). */
uint64_t report_percentile(uint64_t *v, size_t n, unsigned p);

/* Append the report.json document for run and its n records to out. */
void report_json(struct buf *out, const struct report_run *run,
    const struct record *recs, size_t n);
/* Write report.json to path atomically. -1 with err_last set. */
int report_write_json(const struct report_run *run, const struct record *recs, size_t n,
    const char *path);

/*
 * A new JSON string for s (jansson reference, caller owns it): null for
 * NULL; bytes that are not valid UTF-8 or are control characters become
 * '?' rather than losing the document.
 */
struct json_t *report_json_string(const char *s);

#endif
