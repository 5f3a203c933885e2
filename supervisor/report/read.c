/*
 * read — report.json read back into the run and its records, and the RUN
 * names of `repocast report` (read.h). The document's two halves are read
 * by read_run.c and read_target.c, a member by read_field.c
 * (read_internal.h).
 */
#include "supervisor/report/read.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/report/read_internal.h"

/* The version first: a document of another schema may differ anywhere. */
static int
read_doc(struct report_run *run, struct record **recs, size_t *n, const struct rd *c,
    const json_t *doc)
{
	long long schema = 0;
	bool present;
	char *tool = NULL;
	int rc;

	if (!json_is_object(doc))
		return err_set(ERR_PROTO, "cannot read report '%s': not a JSON object", c->file);
	if ((rc = read_get_int_range(&schema, &present, c, doc, "schema", 0, LLONG_MIN,
	    LLONG_MAX)) < 0)
		return rc;
	if (schema != REPORT_SCHEMA)
		return err_set(ERR_PROTO, "cannot read report '%s': it has schema %lld, and this "
		    "repocast reads schema %d", c->file, schema, REPORT_SCHEMA);
	if ((rc = read_get_str(&tool, c, doc, "tool", 0)) < 0)
		return rc;
	if (strcmp(tool, "repocast") != 0)
		rc = err_set(ERR_PROTO, "cannot read report '%s': it was written by '%s', not "
		    "repocast", c->file, tool);
	free(tool);
	if (rc < 0)
		return rc;
	if ((rc = read_run(run, c, doc)) < 0)
		return rc;
	return read_targets(recs, n, c, doc);
}

int
report_parse(struct report_run *run, struct record **recs, size_t *n, const char *text,
    size_t len, const char *name)
{
	struct rd c = { name, "" };
	struct report_run r;
	struct record *v = NULL;
	size_t nv = 0;
	json_error_t je;
	json_t *doc;
	int rc;

	memset(run, 0, sizeof(*run));
	*recs = NULL;
	*n = 0;
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL)
		return err_set(ERR_PROTO, "%s:%d:%d: invalid JSON: %s", name, je.line, je.column,
		    je.text);
	memset(&r, 0, sizeof(r));
	rc = read_doc(&r, &v, &nv, &c, doc);
	json_decref(doc);
	if (rc < 0) {
		report_run_release(&r);
		report_records_free(v, nv);
		return rc;
	}
	*run = r;
	*recs = v;
	*n = nv;
	return 0;
}

int
report_read(struct report_run *run, struct record **recs, size_t *n, const char *path)
{
	struct buf b = BUF_INIT;
	int rc;

	memset(run, 0, sizeof(*run));
	*recs = NULL;
	*n = 0;
	if ((rc = buf_read_file(&b, path)) < 0) {
		err_wrap("cannot read report");
		buf_release(&b);
		return rc;
	}
	rc = report_parse(run, recs, n, b.ptr, b.len, path);
	buf_release(&b);
	return rc;
}

void
report_records_free(struct record *recs, size_t n)
{
	size_t i;

	for (i = 0; recs != NULL && i < n; i++)
		record_release(&recs[i]);
	free(recs);
}

/* ---- RUN names ---- */

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "YYYYMMDDTHHMMSSZ-PID" (report_run_id). */
#define RUN_TIME_LEN 16

static bool
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool
is_run_id(const char *s)
{
	size_t len = strlen(s);

	return len > RUN_TIME_LEN + 1 && digits(s, 8) && s[8] == 'T' && digits(s + 9, 6) &&
	    s[15] == 'Z' && s[16] == '-' && digits(s + 17, len - 17);
}

/* Is run id a (with its report's mtime ma) newer than b (mb)? */
static bool
newer(const char *a, const struct timespec *ma, const char *b, const struct timespec *mb)
{
	int c = strncmp(a, b, RUN_TIME_LEN);

	if (c != 0)
		return c > 0;
	/* Two runs in one second: the pid says nothing, the report's time does. */
	if (ma->tv_sec != mb->tv_sec)
		return ma->tv_sec > mb->tv_sec;
	if (ma->tv_nsec != mb->tv_nsec)
		return ma->tv_nsec > mb->tv_nsec;
	return strcmp(a, b) > 0;
}

static int
newest_run(char **path, const char *dir)
{
	struct timespec best_m = { 0, 0 };
	char *best = NULL, *p;
	struct dirent *e;
	struct stat st;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return err_sys(errno == ENOENT ? ERR_NOTFOUND : ERR_FAIL,
		    "cannot open report directory '%s'", dir);
	for (;;) {
		errno = 0;
		if ((e = readdir(d)) == NULL)
			break;
		if (!is_run_id(e->d_name))
			continue;
		p = xasprintf("%s/%s/report.json", dir, e->d_name);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    (best == NULL || newer(e->d_name, &st.st_mtim, best, &best_m))) {
			free(best);
			best = xstrdup(e->d_name);
			best_m = st.st_mtim;
		}
		free(p);
	}
	if (errno != 0)
		rc = err_sys(ERR_FAIL, "cannot read report directory '%s'", dir);
	else if (best == NULL)
		rc = err_set(ERR_NOTFOUND, "no run with a report.json in '%s'", dir);
	else
		*path = xasprintf("%s/%s/report.json", dir, best);
	closedir(d);
	free(best);
	return rc;
}

int
report_resolve(char **path, const char *report_dir, const char *run)
{
	const char *dir = report_dir != NULL ? report_dir : REPORT_DIR_DEFAULT;
	char *p;

	*path = NULL;
	if (strcmp(run, "last") == 0)
		return newest_run(path, dir);
	/* An id never holds a '/': RUN is then a path. */
	if (run[0] != '\0' && strchr(run, '/') == NULL) {
		p = xasprintf("%s/%s/report.json", dir, run);
		if (is_file(p)) {
			*path = p;
			return 0;
		}
		free(p);
	}
	if (is_dir(run)) {
		/* "runs/x/", as a shell's glob gives it: no "//" in messages. */
		p = xasprintf("%s%sreport.json", run, run[strlen(run) - 1] == '/' ? "" : "/");
		if (is_file(p)) {
			*path = p;
			return 0;
		}
		free(p);
		return err_set(ERR_NOTFOUND, "no report.json in '%s'", run);
	}
	if (is_file(run)) {
		*path = xstrdup(run);
		return 0;
	}
	return err_set(ERR_NOTFOUND, "no run '%s' in '%s', and no such run directory or report "
	    "file", run, dir);
}

int
report_failed_names(struct strv *out, const char *report_dir, const char *run)
{
	struct report_run r;
	struct record *recs;
	char *path;
	size_t i, n;
	int rc;

	if ((rc = report_resolve(&path, report_dir, run)) < 0)
		return rc;
	rc = report_read(&r, &recs, &n, path);
	free(path);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		if (record_failed(&recs[i]))
			strv_add(out, recs[i].name);
	report_records_free(recs, n);
	report_run_release(&r);
	return 0;
}
