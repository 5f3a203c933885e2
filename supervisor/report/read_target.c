/*
 * read_target — the "targets" of a report.json back into records
 * (read_internal.h), and the names a report writes for causes and signals
 * back to their numbers (report_cause_parse, read.h).
 */
#include "supervisor/report/read_internal.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/report/read.h"
#include "supervisor/report/record.h"

/* ---- names back to numbers ---- */

/*
 * "KILL" (sigabbrev_np) or a number. The writer puts "?" for a signal
 * that has no name (a real-time one); -1 stands for it, which writes
 * back as "?".
 */
static int
signal_parse(int *sig, const char *s, bool unnamed_ok)
{
	char *end;
	long v;
	int i;

	if (unnamed_ok && strcmp(s, "?") == 0) {
		*sig = -1;
		return 0;
	}
	for (i = 1; i < NSIG; i++) {
		const char *name = sigabbrev_np(i);

		if (name != NULL && strcmp(name, s) == 0) {
			*sig = i;
			return 0;
		}
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end != '\0' || errno != 0 || v < 1 || v >= NSIG)
		return ERR_NOTFOUND;
	*sig = (int)v;
	return 0;
}

static int
exit_parse(int *status, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || isspace((unsigned char)s[0]) || *end != '\0' || errno != 0 ||
	    v < INT_MIN || v > INT_MAX)
		return ERR_NOTFOUND;
	*status = (int)v;
	return 0;
}

int
report_cause_parse(enum record_cause *cause, int *value, const char *s)
{
	struct record probe;
	char buf[RECORD_CAUSE_MAX];
	int c;

	if (strncmp(s, "exit:", 5) == 0 && exit_parse(value, s + 5) == 0) {
		*cause = CAUSE_EXIT;
		return 0;
	}
	if (strncmp(s, "signal:", 7) == 0 && signal_parse(value, s + 7, false) == 0) {
		*cause = CAUSE_SIGNAL;
		return 0;
	}
	/*
	 * The record module names the causes (record_cause_name); asking it
	 * keeps one list. Its own causes first: "timeout" and "protocol" are
	 * also error codes, and a report cannot tell which one wrote them.
	 */
	memset(&probe, 0, sizeof(probe));
	for (c = CAUSE_NONE + 1; c < CAUSE_ERROR; c++) {
		if (c == CAUSE_EXIT || c == CAUSE_SIGNAL)
			continue;
		probe.cause = (enum record_cause)c;
		if (strcmp(record_cause_name(buf, &probe), s) == 0) {
			*cause = probe.cause;
			*value = 0;
			return 0;
		}
	}
	/* err_from_name answers ERR_FAIL for a name it does not know, and for "error". */
	if (err_from_name(s) != ERR_FAIL || strcmp(s, err_name(ERR_FAIL)) == 0) {
		*cause = CAUSE_ERROR;
		*value = err_from_name(s);
		return 0;
	}
	return err_set(ERR_NOTFOUND, "'%s' names no cause", s);
}

/* ---- a target ---- */

/* "pr": what became of a sync's pull request; absent in older reports. */
static int
read_pr(struct record *rec, const struct rd *c, const json_t *obj)
{
	char *s = NULL;
	int pr, rc;

	if ((rc = read_get_str(&s, c, obj, "pr", J_NULL | J_OPT)) < 0 || s == NULL)
		return rc;
	for (pr = PR_OPENED; pr <= PR_CLOSED; pr++)
		if (strcmp(record_pr_name((enum record_pr)pr), s) == 0)
			break;
	if (pr > PR_CLOSED)
		rc = read_bad(c, "pr", "is not 'opened', 'updated', 'current' or 'closed'");
	else
		rec->sync.pr = (enum record_pr)pr;
	free(s);
	return rc;
}

/* "modules": a sync target's module directories; absent for the others. */
static int
read_modules(struct record *rec, const struct rd *c, const json_t *obj)
{
	struct record_module m;
	struct rd in;
	char where[64];
	json_t *a;
	size_t i;
	int rc;

	if ((rc = read_get(&a, c, obj, "modules", JSON_ARRAY, J_OPT)) < 0 || a == NULL)
		return rc;
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *o = json_array_get(a, i);

		snprintf(where, sizeof(where), "%s.modules[%zu]", c->where, i);
		in.file = c->file;
		in.where = where;
		if (!json_is_object(o))
			return err_set(ERR_PROTO, "cannot read report '%s': %s is not an object",
			    c->file, where);
		memset(&m, 0, sizeof(m));
		if ((rc = read_get_str(&m.src, &in, o, "dir", 0)) == 0 &&
		    (rc = read_get_str(&m.dest, &in, o, "dest", 0)) == 0 &&
		    (rc = read_get_str(&m.spec, &in, o, "spec", 0)) == 0 &&
		    (rc = read_get_str(&m.version, &in, o, "version", J_NULL)) == 0 &&
		    (rc = read_get_str(&m.commit, &in, o, "commit", J_NULL)) == 0 &&
		    (rc = read_get_str(&m.module, &in, o, "module", J_NULL)) == 0)
			record_add_module(rec, &m);
		free(m.src);
		free(m.dest);
		free(m.spec);
		free(m.version);
		free(m.commit);
		free(m.module);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const struct report_field result_fields[] = {
	{ "changed", offsetof(struct msg_result, changed) },
	{ "added", offsetof(struct msg_result, added) },
	{ "deleted", offsetof(struct msg_result, deleted) },
	{ "bytes", offsetof(struct msg_result, bytes) },
};

static const struct report_field command_fields[] = {
	{ "wall_ms", offsetof(struct msg_result, cmd_wall_ms) },
	{ "utime_us", offsetof(struct msg_result, cmd_utime_us) },
	{ "stime_us", offsetof(struct msg_result, cmd_stime_us) },
	{ "maxrss_kib", offsetof(struct msg_result, cmd_maxrss_kib) },
};

static int
read_group(struct record *rec, const struct rd *c, const json_t *obj, const char *key,
    const struct report_field *f, size_t nf)
{
	struct rd in;
	char where[64];
	json_t *o;
	int rc;

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, key, 0)) < 0)
		return rc;
	return read_get_u64s(rec, &in, o, f, nf);
}

/* rusage, io and channel: the groups report.json writes (report.h). */
static int
read_groups(struct record *rec, const struct rd *c, const json_t *obj)
{
	size_t g;
	int rc;

	for (g = 0; g < report_nrecord_groups; g++) {
		const struct report_group *gr = &report_record_groups[g];

		if ((rc = read_group(rec, c, obj, gr->key, gr->fields, gr->n)) < 0)
			return rc;
	}
	return 0;
}

/* A signal name member (null: 0) into *sig. */
static int
get_signal(int *sig, const struct rd *c, const json_t *obj, const char *key)
{
	char *s = NULL;
	char what[64];
	int rc;

	*sig = 0;
	if ((rc = read_get_str(&s, c, obj, key, J_NULL)) < 0 || s == NULL)
		return rc;
	if (signal_parse(sig, s, true) < 0) {
		snprintf(what, sizeof(what), "names no signal ('%.32s')", s);
		rc = read_bad(c, key, what);
	}
	free(s);
	return rc;
}

static int
read_outcome(struct record *rec, const struct rd *c, const json_t *obj)
{
	char *s = NULL, what[80];
	int rc;

	if ((rc = read_get_str(&s, c, obj, "outcome", 0)) < 0)
		return rc;
	/* The writer's word for OUTCOME_NONE. */
	if (strcmp(s, "unknown") == 0)
		rec->outcome = OUTCOME_NONE;
	else if (record_outcome_parse(&rec->outcome, s) < 0) {
		snprintf(what, sizeof(what), "names no outcome ('%.40s')", s);
		rc = read_bad(c, "outcome", what);
	}
	free(s);
	return rc;
}

static int
read_cause(struct record *rec, const struct rd *c, const json_t *obj)
{
	char *cause = NULL, *source = NULL, what[80];
	int rc;

	if ((rc = read_get_str(&cause, c, obj, "cause", J_NULL)) < 0 ||
	    (rc = read_get_str(&source, c, obj, "cause_source", J_NULL)) < 0)
		goto out;
	if (cause != NULL && report_cause_parse(&rec->cause, &rec->cause_value, cause) < 0) {
		snprintf(what, sizeof(what), "names no cause ('%.40s')", cause);
		rc = read_bad(c, "cause", what);
		goto out;
	}
	if (source != NULL && strcmp(source, "command") != 0 && strcmp(source, "worker") != 0 &&
	    strcmp(source, "supervisor") != 0) {
		snprintf(what, sizeof(what), "is not 'command', 'supervisor' or 'worker' ('%.32s')",
		    source);
		rc = read_bad(c, "cause_source", what);
		goto out;
	}
	rec->command_failed = source != NULL && strcmp(source, "command") == 0;
out:
	free(cause);
	free(source);
	return rc;
}

static int
read_phases(struct record *rec, const struct rd *c, const json_t *obj)
{
	struct rd in;
	char where[64];
	const char *key;
	json_t *o, *v;
	size_t i = 0;
	uint64_t ms;
	int rc;

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "phases_ms", 0)) < 0)
		return rc;
	if (json_object_size(o) == 0)
		return 0;
	rec->phases = xcalloc(json_object_size(o), sizeof(*rec->phases));
	json_object_foreach(o, key, v) {
		if ((rc = read_get_u64(&ms, &in, o, key)) < 0)
			return rc;
		rec->phases[i].key = xstrdup(key);
		/* The record keeps a phase as the worker sent it: decimal text. */
		rec->phases[i].value = xasprintf("%llu", (unsigned long long)ms);
		rec->nphases = ++i;
	}
	return 0;
}

/* "command": the run command's own figures, inside the worker's RESULT. */
static int
read_command(struct msg_result *res, const struct rd *c, const json_t *obj)
{
	struct rd in;
	char where[64];
	json_t *o;
	long long status = -1;
	bool present;
	int sig, rc;

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "command", J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = read_get_int_range(&status, &present, &in, o, "exit", J_NULL, INT_MIN,
	    INT_MAX)) < 0 ||
	    (rc = get_signal(&sig, &in, o, "signal")) < 0 ||
	    (rc = read_get_u64s(res, &in, o, command_fields, ARRAY_SIZE(command_fields))) < 0)
		return rc;
	/* null exit: signalled, which the RESULT says with -1. */
	res->exit_code = status;
	res->term_signal = sig;
	return 0;
}

static int
read_result(struct record *rec, const struct rd *c, const json_t *obj)
{
	struct msg_result *res = &rec->result;
	struct rd in;
	char where[64];
	json_t *o;
	int rc;

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "result", J_NULL)) < 0 ||
	    o == NULL)
		return rc;
	rec->has_result = true;
	if ((rc = read_get_str(&res->outcome, &in, o, "outcome", J_NULL)) < 0 ||
	    (rc = read_get_str(&res->commit, &in, o, "commit", J_NULL)) < 0 ||
	    (rc = read_get_str(&res->branch, &in, o, "branch", J_NULL)) < 0 ||
	    (rc = read_get_str(&res->diffstat, &in, o, "diffstat", J_NULL)) < 0 ||
	    (rc = read_get_u64s(res, &in, o, result_fields, ARRAY_SIZE(result_fields))) < 0)
		return rc;
	/* The writer puts "command" beside "result", not in it. */
	return read_command(res, c, obj);
}

/* "limits" and "log_dropped_bytes": absent in older reports. */
static int
read_limits(struct record *rec, const struct rd *c, const json_t *obj)
{
	static const struct report_field f[] = {
		{ "memory_peak_bytes", offsetof(struct record, job_memory_peak) },
		{ "processes_peak", offsetof(struct record, job_tasks_peak) },
	};
	char where[64], *s = NULL;
	struct rd in;
	json_t *o;
	int rc;

	if (json_object_get(obj, "log_dropped_bytes") != NULL &&
	    (rc = read_get_u64(&rec->log_dropped, c, obj, "log_dropped_bytes")) < 0)
		return rc;
	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "limits", J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = read_get_u64s(rec, &in, o, f, ARRAY_SIZE(f))) < 0 ||
	    (rc = read_get_str(&s, &in, o, "mechanism", J_NULL)) < 0)
		return rc;
	if (s != NULL && record_limit_parse(&rec->limit, s) < 0)
		rc = read_bad(&in, "mechanism", "names no mechanism");
	free(s);
	return rc;
}

static int
read_target(struct record *rec, const struct rd *c, const json_t *t)
{
	long long status = -1, pid = 0;
	bool present;
	int rc;

	rec->exit_code = -1;
	if (!json_is_object(t))
		return err_set(ERR_PROTO, "cannot read report '%s': %s is not an object", c->file,
		    c->where);
	if ((rc = read_get_str(&rec->name, c, t, "name", 0)) < 0 ||
	    (rc = read_outcome(rec, c, t)) < 0 ||
	    (rc = read_cause(rec, c, t)) < 0 ||
	    (rc = read_get_str(&rec->error, c, t, "error", J_NULL)) < 0 ||
	    (rc = read_get_int(&rec->attempts, c, t, "attempts", 0)) < 0 ||
	    (rc = read_get_int_range(&pid, &present, c, t, "pid", 0, 0, INT_MAX)) < 0 ||
	    (rc = read_get_u64(&rec->start_us, c, t, "start_us")) < 0 ||
	    (rc = read_get_u64(&rec->end_us, c, t, "end_us")) < 0 ||
	    (rc = read_get_u64(&rec->wall_us, c, t, "wall_us")) < 0 ||
	    (rc = read_get_int_range(&status, &present, c, t, "worker_exit", J_NULL, 0,
	    INT_MAX)) < 0 ||
	    (rc = get_signal(&rec->term_signal, c, t, "worker_signal")) < 0 ||
	    (rc = read_get_str(&rec->log_path, c, t, "log", J_NULL)) < 0 ||
	    (rc = read_groups(rec, c, t)) < 0 ||
	    (rc = read_phases(rec, c, t)) < 0 ||
	    (rc = read_result(rec, c, t)) < 0 ||
	    (rc = read_get_str(&rec->sync.group, c, t, "group", J_NULL | J_OPT)) < 0 ||
	    (rc = read_get_str(&rec->sync.pr_url, c, t, "pr_url", J_NULL)) < 0 ||
	    (rc = read_pr(rec, c, t)) < 0 ||
	    (rc = read_via(&rec->sync.commit_via, c, t)) < 0 ||
	    (rc = read_get_bool(&rec->sync.skipped, c, t, "skipped")) < 0 ||
	    (rc = read_get_str(&rec->sync.note, c, t, "note", J_NULL | J_OPT)) < 0 ||
	    (rc = read_limits(rec, c, t)) < 0 ||
	    (rc = read_modules(rec, c, t)) < 0)
		return rc;
	rec->pid = (pid_t)pid;
	rec->exit_code = (int)status;
	return 0;
}

int
read_targets(struct record **recs, size_t *n, const struct rd *c, const json_t *doc)
{
	char where[32];
	json_t *a;
	struct rd in = { c->file, where };
	size_t i;
	int rc;

	if ((rc = read_get(&a, c, doc, "targets", JSON_ARRAY, 0)) < 0)
		return rc;
	*n = json_array_size(a);
	*recs = *n ? xcalloc(*n, sizeof(**recs)) : NULL;
	for (i = 0; i < *n; i++) {
		snprintf(where, sizeof(where), "targets[%zu]", i);
		if ((rc = read_target(&(*recs)[i], &in, json_array_get(a, i))) < 0)
			return rc;
	}
	return 0;
}
