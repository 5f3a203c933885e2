/*
 * read — report.json read back (docs/report-schema.md): the inverse of
 * report_json for every field that has a home in struct report_run and
 * struct record, and the RUN names of `repocast report` and
 * --only-failed (docs/report-cli.md).
 *
 * The reader is strict: a document of another schema version is refused,
 * every field the writer writes must be present with its type (schema 1
 * never omits a field, it writes null), and an outcome or cause this
 * build cannot name is refused rather than turned into another one, so a
 * merge never rewrites what a shard recorded. Fields it does not know are
 * ignored, as the schema asks. Derived fields (the ISO times, "ok",
 * "totals", "stats") are not read: report_json makes them again.
 */
#ifndef REPOCAST_REPORT_READ_H
#define REPOCAST_REPORT_READ_H

#include <stddef.h>

#include "shared/strv.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

/* Where run directories go unless --report-dir says otherwise. */
#define REPORT_DIR_DEFAULT ".repocast/runs"

/*
 * Parse the report.json document text (len bytes); name is the file for
 * messages. On success *run is filled (release with report_run_release)
 * and *recs holds *n records (report_records_free). On failure nothing is
 * left to release (*run zeroed, *recs NULL, *n 0) and err_last says what
 * and where: "NAME:LINE:COLUMN: invalid JSON: ..." for bad JSON,
 * "... schema N ..." for another version, the field's path
 * ("targets[2].rusage.utime_us") for a bad field. ERR_PROTO.
 */
int report_parse(struct report_run *run, struct record **recs, size_t *n, const char *text,
    size_t len, const char *name);
/* report_parse of the file at path; ERR_NOTFOUND when it does not exist. */
int report_read(struct report_run *run, struct record **recs, size_t *n, const char *path);
/* Release n records and the array. Accepts NULL. */
void report_records_free(struct record *recs, size_t n);

/*
 * A cause as a report writes it ("exit:3", "signal:KILL", "signal:40",
 * "timeout", "auth": record_cause_name) back to its enum and value. A name
 * that is both a cause of the record's own and an error code ("timeout",
 * "protocol") is the record's own, as record_set_worker_error reads a
 * worker's code. 0, or ERR_NOTFOUND for a name that is none (err_last
 * names it).
 */
int report_cause_parse(enum record_cause *cause, int *value, const char *s);

/*
 * The report.json that RUN names, into *path (caller frees): "last" (the
 * newest run directory of report_dir that holds a report.json: the
 * greatest time in its id, then the newest report.json), a run id under
 * report_dir, or the path of a run directory or of a report.json.
 * report_dir NULL means ".repocast/runs". 0, or ERR_NOTFOUND with err_last
 * naming what was looked for; *path is NULL then.
 */
int report_resolve(char **path, const char *report_dir, const char *run);

/*
 * Append to out the names of the targets that failed (record_failed) in
 * the run RUN names (report_resolve), in the report's order. 0, or the
 * error of resolving or reading it; out is left as it was then.
 */
int report_failed_names(struct strv *out, const char *report_dir, const char *run);

#endif
