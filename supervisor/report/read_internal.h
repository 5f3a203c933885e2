/*
 * read_internal — internals shared by the files of the report.json reader
 * (read.h), not for use outside them:
 *
 *   read.c          the document (its schema first), the RUN names
 *   read_field.c    one member by its type, and the messages that name it
 *   read_run.c      "run": the run's own fields
 *   read_target.c   "targets": a record each; causes and signals back from names
 *
 * A getter checks the member's type (and range) before it stores anything,
 * and says what is wrong with ERR_PROTO and the member's path in the file
 * ("cannot read report 'F': targets[2].rusage.utime_us is missing"). The
 * strings it stores are the caller's, released with the struct they fill.
 */
#ifndef REPOCAST_REPORT_READ_INTERNAL_H
#define REPOCAST_REPORT_READ_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

/* Where the reader is, for messages: the file and the object's path. */
struct rd {
	const char *file;
	const char *where;        /* "", "run", "targets[3].rusage" */
};

/* read_get()'s flags: the member may be null, may be absent. */
enum { J_NULL = 1, J_OPT = 2 };

/* ERR_PROTO: "cannot read report 'FILE': WHERE.KEY WHAT". */
int read_bad(const struct rd *c, const char *key, const char *what);

/*
 * obj's member key, which must be of type (JSON_TRUE: a boolean). *out is
 * NULL for null (J_NULL) or absent (J_OPT); borrowed from obj otherwise.
 */
int read_get(json_t **out, const struct rd *c, const json_t *obj, const char *key,
    json_type type, unsigned flags);
/* A string member, copied into *dst (NULL for null or absent). */
int read_get_str(char **dst, const struct rd *c, const json_t *obj, const char *key,
    unsigned flags);
/* An integer member in min..max; *present false (and *dst untouched) for null. */
int read_get_int_range(long long *dst, bool *present, const struct rd *c, const json_t *obj,
    const char *key, unsigned flags, long long min, long long max);
/* An integer member in min..INT_MAX. */
int read_get_int(int *dst, const struct rd *c, const json_t *obj, const char *key,
    long long min);
/* An integer member of at least 0. */
int read_get_u64(uint64_t *dst, const struct rd *c, const json_t *obj, const char *key);
/* A boolean member. */
int read_get_bool(bool *dst, const struct rd *c, const json_t *obj, const char *key);
/* The nf uint64_t members f names, each into base + its offset. */
int read_get_u64s(void *base, const struct rd *c, const json_t *obj,
    const struct report_field *f, size_t nf);
/*
 * The object member key into *out (read_get) and the reader's place inside
 * it into *inner, whose path is written into where (n bytes, which inner
 * borrows).
 */
int read_get_obj(json_t **out, struct rd *inner, char *where, size_t n, const struct rd *c,
    const json_t *obj, const char *key, unsigned flags);

/* "commit_via" of a target or a run (push, api or null) into *out; absent
 * in older reports, which leaves *out. */
int read_via(enum record_commit *out, const struct rd *c, const json_t *obj);

/* The document's "run" into r (read_run.c). */
int read_run(struct report_run *r, const struct rd *c, const json_t *doc);

/*
 * The document's "targets" into *recs (*n records, NULL for none): on
 * failure the records read so far are still there for report_records_free
 * (read_target.c).
 */
int read_targets(struct record **recs, size_t *n, const struct rd *c, const json_t *doc);

#endif
