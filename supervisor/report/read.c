/*
 * read — report.json read back into the run and its records, and the RUN
 * names of `repocast report` (read.h).
 */
#include "supervisor/report/read.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/shard.h"

/* Where the reader is, for messages: the file and the object's path. */
struct rd {
	const char *file;
	const char *where;        /* "", "run", "targets[3].rusage" */
};

/* get()'s flags: the member may be null, may be absent. */
enum { J_NULL = 1, J_OPT = 2 };

#define U64_AT(base, off) ((uint64_t *)(void *)((char *)(base) + (off)))

static int
bad(const struct rd *c, const char *key, const char *what)
{
	return err_set(ERR_PROTO, "cannot read report '%s': %s%s%s %s", c->file, c->where,
	    *c->where != '\0' ? "." : "", key, what);
}

static const char *
type_text(json_type type)
{
	switch (type) {
	case JSON_OBJECT: return "is not an object";
	case JSON_ARRAY: return "is not an array";
	case JSON_STRING: return "is not a string";
	case JSON_INTEGER: return "is not an integer";
	case JSON_TRUE: return "is not a boolean";
	default: BUG("type_text: type %d", (int)type);
	}
}

/*
 * obj's member key, which must be of type (JSON_TRUE: a boolean). *out is
 * NULL for null (J_NULL) or absent (J_OPT).
 */
static int
get(json_t **out, const struct rd *c, const json_t *obj, const char *key, json_type type,
    unsigned flags)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL)
		return (flags & J_OPT) ? 0 : bad(c, key, "is missing");
	if (json_is_null(v) && (flags & J_NULL))
		return 0;
	if (type == JSON_TRUE ? !json_is_boolean(v) : json_typeof(v) != type)
		return bad(c, key, type_text(type));
	*out = v;
	return 0;
}

static int
get_str(char **dst, const struct rd *c, const json_t *obj, const char *key, unsigned flags)
{
	json_t *v;
	int rc;

	if ((rc = get(&v, c, obj, key, JSON_STRING, flags)) < 0)
		return rc;
	*dst = v != NULL ? xstrdup(json_string_value(v)) : NULL;
	return 0;
}

/* An integer member in min..max; *present false (and *dst untouched) for null. */
static int
get_int_range(long long *dst, bool *present, const struct rd *c, const json_t *obj,
    const char *key, unsigned flags, long long min, long long max)
{
	char what[80];
	json_t *v;
	int rc;

	if ((rc = get(&v, c, obj, key, JSON_INTEGER, flags)) < 0)
		return rc;
	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(what, sizeof(what), "is out of range (%lld to %lld)", min, max);
		return bad(c, key, what);
	}
	*dst = json_integer_value(v);
	return 0;
}

static int
get_int(int *dst, const struct rd *c, const json_t *obj, const char *key, long long min)
{
	long long v = 0;
	bool present;
	int rc;

	if ((rc = get_int_range(&v, &present, c, obj, key, 0, min, INT_MAX)) < 0)
		return rc;
	*dst = (int)v;
	return 0;
}

static int
get_u64(uint64_t *dst, const struct rd *c, const json_t *obj, const char *key)
{
	long long v = 0;
	bool present;
	int rc;

	if ((rc = get_int_range(&v, &present, c, obj, key, 0, 0, LLONG_MAX)) < 0)
		return rc;
	*dst = (uint64_t)v;
	return 0;
}

static int
get_bool(bool *dst, const struct rd *c, const json_t *obj, const char *key)
{
	json_t *v;
	int rc;

	if ((rc = get(&v, c, obj, key, JSON_TRUE, 0)) < 0)
		return rc;
	*dst = json_is_true(v);
	return 0;
}

static int
get_u64s(void *base, const struct rd *c, const json_t *obj, const struct report_field *f,
    size_t nf)
{
	size_t i;
	int rc;

	for (i = 0; i < nf; i++)
		if ((rc = get_u64(U64_AT(base, f[i].off), c, obj, f[i].key)) < 0)
			return rc;
	return 0;
}

/* The object member key and the reader's place inside it (where is its buffer). */
static int
get_obj(json_t **out, struct rd *inner, char *where, size_t n, const struct rd *c,
    const json_t *obj, const char *key, unsigned flags)
{
	int rc;

	if ((rc = get(out, c, obj, key, JSON_OBJECT, flags)) < 0)
		return rc;
	/* Only a message reads the path: a long one may be cut short. */
	if (snprintf(where, n, "%s%s%s", c->where, *c->where != '\0' ? "." : "", key) < 0)
		where[0] = '\0';
	inner->file = c->file;
	inner->where = where;
	return 0;
}

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

/* ---- the run ---- */

static const struct report_field usage_fields[] = {
	{ "utime_us", offsetof(struct rusage_sample, utime_us) },
	{ "stime_us", offsetof(struct rusage_sample, stime_us) },
	{ "maxrss_kib", offsetof(struct rusage_sample, maxrss_kib) },
	{ "minflt", offsetof(struct rusage_sample, minflt) },
	{ "majflt", offsetof(struct rusage_sample, majflt) },
	{ "nvcsw", offsetof(struct rusage_sample, nvcsw) },
	{ "nivcsw", offsetof(struct rusage_sample, nivcsw) },
	{ "inblock", offsetof(struct rusage_sample, inblock) },
	{ "oublock", offsetof(struct rusage_sample, oublock) },
};

static int
read_usage(struct rusage_sample *s, const struct rd *c, const json_t *obj, const char *key)
{
	struct rd in;
	char where[64];
	json_t *o;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, key, 0)) < 0)
		return rc;
	return get_u64s(s, &in, o, usage_fields, ARRAY_SIZE(usage_fields));
}

static int
read_argv(char ***argv, const struct rd *c, const json_t *obj)
{
	char key[32];
	json_t *a, *v;
	size_t i, n;
	int rc;

	/* null: a sync, which runs no command (older reports wrote []). */
	if ((rc = get(&a, c, obj, "argv", JSON_ARRAY, J_NULL)) < 0)
		return rc;
	n = a != NULL ? json_array_size(a) : 0;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(a, i))) {
			snprintf(key, sizeof(key), "argv[%zu]", i);
			return bad(c, key, "is not a string");
		}
	*argv = xcalloc(n + 1, sizeof(**argv));
	json_array_foreach(a, i, v)
		(*argv)[i] = xstrdup(json_string_value(v));
	return 0;
}

static const struct report_field api_fields[] = {
	{ "requests", offsetof(struct report_run, api_requests) },
	{ "not_modified", offsetof(struct report_run, api_not_modified) },
	{ "rate_limited", offsetof(struct report_run, api_rate_limited) },
	{ "waited_ms", offsetof(struct report_run, api_waited_ms) },
};

/* run.api: absent in a report written before it was added. */
static int
read_api(struct report_run *r, const struct rd *c, const json_t *obj)
{
	struct rd in;
	char where[64];
	json_t *o;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "api", J_OPT)) < 0 || o == NULL)
		return rc;
	return get_u64s(r, &in, o, api_fields, ARRAY_SIZE(api_fields));
}

/* A JSON array of strings into sv; key names it for messages. */
static int
read_strv(struct strv *sv, const struct rd *c, const json_t *a, const char *key)
{
	char what[64];
	size_t i;

	for (i = 0; i < json_array_size(a); i++) {
		if (!json_is_string(json_array_get(a, i))) {
			snprintf(what, sizeof(what), "%s[%zu]", key, i);
			return bad(c, what, "is not a string");
		}
		strv_add(sv, json_string_value(json_array_get(a, i)));
	}
	return 0;
}

/* run.shard: null when not sharded, absent in older reports. */
static int
read_shard(struct report_run *r, const struct rd *c, const json_t *obj)
{
	long long k = 0, n = 0;
	struct rd in;
	char where[64];
	json_t *o;
	bool present;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "shard", J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = get_int_range(&n, &present, &in, o, "count", 0, 1, SHARD_MAX)) < 0 ||
	    (rc = get_int_range(&k, &present, &in, o, "index", 0, 0, n - 1)) < 0)
		return rc;
	r->shard_index = (unsigned)k;
	r->shard_count = (unsigned)n;
	return 0;
}

/* run.groups: each group's id and depends_on; null for `run`, absent in
 * older reports. */
static int
read_groups_deps(struct report_run *r, const struct rd *c, const json_t *obj)
{
	char where[96];
	struct rd in = { c->file, where };
	json_t *a, *g, *d;
	size_t i;
	int rc;

	if ((rc = get(&a, c, obj, "groups", JSON_ARRAY, J_NULL | J_OPT)) < 0 || a == NULL)
		return rc;
	r->groups = xcalloc(json_array_size(a) + 1, sizeof(*r->groups));
	json_array_foreach(a, i, g) {
		char *id = NULL;

		snprintf(where, sizeof(where), "%s.groups[%zu]", c->where, i);
		if (!json_is_object(g))
			return err_set(ERR_PROTO, "cannot read report '%s': %s is not an object",
			    c->file, where);
		if ((rc = get_str(&id, &in, g, "id", 0)) < 0)
			return rc;
		r->groups[r->ngroups].id = id;
		r->ngroups++;
		if ((rc = get(&d, &in, g, "depends_on", JSON_ARRAY, 0)) < 0 ||
		    (rc = read_strv(&r->groups[r->ngroups - 1].depends_on, &in, d,
		    "depends_on")) < 0)
			return rc;
	}
	return 0;
}

static int
read_cross(struct report_merge *m, const struct rd *c, const json_t *a)
{
	char where[128];
	struct rd in = { c->file, where };
	json_t *d, *ran;
	size_t i;
	int rc;

	m->cross = xcalloc(json_array_size(a) + 1, sizeof(*m->cross));
	json_array_foreach(a, i, d) {
		struct report_cross_dep *x = &m->cross[m->ncross];

		snprintf(where, sizeof(where), "%s.cross_shard_dependencies[%zu]", c->where, i);
		if (!json_is_object(d))
			return err_set(ERR_PROTO, "cannot read report '%s': %s is not an object",
			    c->file, where);
		m->ncross++;
		if ((rc = get_str(&x->group, &in, d, "group", 0)) < 0 ||
		    (rc = get_str(&x->dependency, &in, d, "dependency", 0)) < 0 ||
		    (rc = get_u64(&x->dependency_failed, &in, d, "dependency_failed")) < 0 ||
		    (rc = get(&ran, &in, d, "ran", JSON_ARRAY, 0)) < 0 ||
		    (rc = read_strv(&x->ran, &in, ran, "ran")) < 0)
			return rc;
	}
	return 0;
}

/* run.merge.disagreements: absent in older reports. */
static int
read_differ(struct report_merge *m, const struct rd *c, const json_t *a)
{
	char where[128], ewhere[160];
	struct rd in = { c->file, where }, ein = { c->file, ewhere };
	json_t *d, *each, *e;
	size_t i, j;
	int rc;

	m->differ = xcalloc(json_array_size(a) + 1, sizeof(*m->differ));
	json_array_foreach(a, i, d) {
		struct report_disagreement *x = &m->differ[m->ndiffer];

		snprintf(where, sizeof(where), "%s.disagreements[%zu]", c->where, i);
		if (!json_is_object(d))
			return err_set(ERR_PROTO, "cannot read report '%s': %s is not an object",
			    c->file, where);
		m->ndiffer++;
		if ((rc = get_str(&x->field, &in, d, "field", 0)) < 0 ||
		    (rc = get(&each, &in, d, "reports", JSON_ARRAY, 0)) < 0)
			return rc;
		json_array_foreach(each, j, e) {
			char *run = NULL, *value = NULL;

			snprintf(ewhere, sizeof(ewhere), "%s.reports[%zu]", where, j);
			if (!json_is_object(e))
				return err_set(ERR_PROTO, "cannot read report '%s': %s is not an "
				    "object", c->file, ewhere);
			if ((rc = get_str(&run, &ein, e, "run", 0)) < 0 ||
			    (rc = get_str(&value, &ein, e, "value", 0)) < 0) {
				free(run);
				return rc;
			}
			strv_add(&x->runs, run);
			strv_add(&x->values, value);
			free(run);
			free(value);
		}
	}
	return 0;
}

/* run.merge: what `report merge` found; null for any other run, absent in
 * older reports. */
static int
read_merge(struct report_run *r, const struct rd *c, const json_t *obj)
{
	long long shards = 0, k;
	struct report_merge *m;
	struct rd in;
	char where[64], what[48];
	json_t *o, *a, *v;
	bool present;
	size_t i;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "merge", J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	m = r->merge = xcalloc(1, sizeof(*m));
	if ((rc = get_int_range(&shards, &present, &in, o, "shards", J_NULL, 1, SHARD_MAX)) < 0 ||
	    (rc = get(&a, &in, o, "missing_shards", JSON_ARRAY, 0)) < 0)
		return rc;
	m->shards = (unsigned)shards;
	m->missing = xcalloc(json_array_size(a) + 1, sizeof(*m->missing));
	json_array_foreach(a, i, v) {
		k = json_is_integer(v) ? json_integer_value(v) : -1;
		if (k < 0 || k >= shards) {
			snprintf(what, sizeof(what), "missing_shards[%zu]", i);
			return bad(&in, what, "is not a shard index");
		}
		m->missing[m->nmissing++] = (unsigned)k;
	}
	if ((rc = get(&a, &in, o, "cross_shard_dependencies", JSON_ARRAY, 0)) < 0 ||
	    (rc = read_cross(m, &in, a)) < 0 ||
	    (rc = get(&a, &in, o, "disagreements", JSON_ARRAY, J_OPT)) < 0)
		return rc;
	return read_differ(m, &in, a);
}

static int
read_versions(struct report_run *r, const struct rd *c, const json_t *obj)
{
	struct rd in;
	char where[64];
	json_t *o;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "versions", 0)) < 0)
		return rc;
	if ((rc = get_str(&r->v_repocast, &in, o, "repocast", 0)) < 0 ||
	    (rc = get_str(&r->v_libgit2, &in, o, "libgit2", 0)) < 0 ||
	    (rc = get_str(&r->v_libcurl, &in, o, "libcurl", 0)) < 0 ||
	    (rc = get_str(&r->v_msgpack, &in, o, "msgpack", 0)) < 0 ||
	    (rc = get_str(&r->v_jansson, &in, o, "jansson", 0)) < 0 ||
	    (rc = get_str(&r->v_libyaml, &in, o, "libyaml", 0)) < 0)
		return rc;
	return 0;
}

/* One of run.limits: null, or {max, mechanism}. */
static int
read_run_limit(uint64_t *max, enum record_limit *mech, const struct rd *c, const json_t *obj,
    const char *key)
{
	char where[64], *s = NULL;
	struct rd in;
	json_t *o;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, key, J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = get_u64(max, &in, o, "max")) < 0 ||
	    (rc = get_str(&s, &in, o, "mechanism", J_NULL)) < 0)
		return rc;
	if (s != NULL && mech != NULL && record_limit_parse(mech, s) < 0)
		rc = bad(&in, "mechanism", "names no mechanism");
	free(s);
	return rc;
}

/* "limits": absent in older reports. */
static int
read_run_limits(struct report_run *r, const struct rd *c, const json_t *obj)
{
	char where[64];
	struct rd in;
	json_t *o, *ml;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "limits", J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = read_run_limit(&r->limits.memory, &r->limits.mechanism, &in, o, "memory")) < 0 ||
	    (rc = read_run_limit(&r->limits.processes, &r->limits.mechanism, &in, o,
	    "processes")) < 0 ||
	    (rc = read_run_limit(&r->limits.cpu_seconds, NULL, &in, o, "cpu_seconds")) < 0 ||
	    (rc = read_run_limit(&r->limits.open_files, NULL, &in, o, "open_files")) < 0)
		return rc;
	ml = json_object_get(o, "max_log");
	if (ml != NULL && !json_is_null(ml))
		rc = get_u64(&r->limits.max_log, &in, o, "max_log");
	return rc;
}

/* "signing": null (none), absent in older reports. */
static int
read_signing(struct report_run *r, const struct rd *c, const json_t *obj)
{
	char where[64];
	struct rd in;
	json_t *o;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "signing", J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = get_str(&r->signing.method, &in, o, "method", 0)) < 0 ||
	    (rc = get_str(&r->signing.key, &in, o, "key", J_NULL)) < 0 ||
	    (rc = get_str(&r->signing.fingerprint, &in, o, "fingerprint", J_NULL)) < 0 ||
	    (rc = get_str(&r->signing.from, &in, o, "from", J_NULL)) < 0)
		return rc;
	return 0;
}

/* "auth": who the run was on the API; null (none, unknown), absent in older
 * reports. Installations only for an App. */
static int
read_auth(struct report_run *r, const struct rd *c, const json_t *obj)
{
	char where[64], iwhere[128];
	struct rd in, iin = { c->file, iwhere };
	json_t *o, *a, *e;
	size_t i;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "auth", J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = get_str(&r->auth_kind, &in, o, "kind", 0)) < 0 ||
	    (rc = get_str(&r->auth_source, &in, o, "source", J_NULL)) < 0 ||
	    (rc = get_str(&r->auth_app_id, &in, o, "app_id", J_NULL | J_OPT)) < 0 ||
	    (rc = get(&a, &in, o, "installations", JSON_ARRAY, J_NULL | J_OPT)) < 0)
		return rc;
	if (strcmp(r->auth_kind, "token") != 0 && strcmp(r->auth_kind, "app") != 0)
		return bad(&in, "kind", "is not 'token' or 'app'");
	r->installations = xcalloc(json_array_size(a) + 1, sizeof(*r->installations));
	json_array_foreach(a, i, e) {
		struct report_installation *inst = &r->installations[r->ninstallations];
		long long tokens = 0;
		bool present;

		snprintf(iwhere, sizeof(iwhere), "%s.installations[%zu]", where, i);
		if (!json_is_object(e))
			return err_set(ERR_PROTO, "cannot read report '%s': %s is not an object",
			    c->file, iwhere);
		r->ninstallations++;
		if ((rc = get_str(&inst->owner, &iin, e, "owner", 0)) < 0 ||
		    (rc = get_int_range(&tokens, &present, &iin, e, "tokens", 0, 0, UINT_MAX)) < 0)
			return rc;
		inst->tokens = (unsigned)tokens;
		if (json_is_null(json_object_get(e, "id")))
			continue;       /* the App is not installed there */
		if ((rc = get_u64(&inst->id, &iin, e, "id")) < 0)
			return rc;
		if (inst->id == 0)
			return bad(&iin, "id", "is 0 (null says the App is not installed there)");
	}
	return 0;
}

/* "commit_via" of a target or a run: push, api or null; absent in older
 * reports. */
static int
read_via(enum record_commit *out, const struct rd *c, const json_t *obj)
{
	char *s = NULL;
	int rc;

	if ((rc = get_str(&s, c, obj, "commit_via", J_NULL | J_OPT)) < 0 || s == NULL)
		return rc;
	if (strcmp(s, "push") == 0)
		*out = COMMIT_PUSH;
	else if (strcmp(s, "api") == 0)
		*out = COMMIT_API;
	else
		rc = bad(c, "commit_via", "is not 'push' or 'api'");
	free(s);
	return rc;
}

static int
read_run(struct report_run *r, const struct rd *c, const json_t *doc)
{
	struct rd in;
	char where[64];
	json_t *o;
	int rc;

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, doc, "run", 0)) < 0)
		return rc;
	if ((rc = get_str(&r->id, &in, o, "id", 0)) < 0 ||
	    (rc = get_str(&r->command, &in, o, "command", 0)) < 0 ||
	    (rc = read_argv(&r->argv, &in, o)) < 0 ||
	    (rc = get_u64(&r->start_us, &in, o, "start_us")) < 0 ||
	    (rc = get_u64(&r->end_us, &in, o, "end_us")) < 0 ||
	    (rc = get_str(&r->host, &in, o, "host", J_NULL)) < 0 ||
	    (rc = get_str(&r->kernel, &in, o, "kernel", J_NULL)) < 0 ||
	    (rc = get_int(&r->jobs, &in, o, "jobs", 0)) < 0 ||
	    (rc = get_u64(&r->timeout_ms, &in, o, "timeout_ms")) < 0 ||
	    (rc = get_int(&r->retries, &in, o, "retries", 0)) < 0 ||
	    (rc = get_bool(&r->interrupted, &in, o, "interrupted")) < 0 ||
	    (rc = get_int(&r->exit_code, &in, o, "exit_code", INT_MIN)) < 0 ||
	    (rc = get_str(&r->config_digest, &in, o, "config_digest", J_NULL)) < 0 ||
	    (rc = read_versions(r, &in, o)) < 0 ||
	    (rc = read_usage(&r->self, &in, o, "supervisor")) < 0 ||
	    (rc = read_usage(&r->children, &in, o, "children")) < 0 ||
	    (rc = get_u64(&r->orphans_reaped, &in, o, "orphans_reaped")) < 0 ||
	    (rc = read_via(&r->commit_via, &in, o)) < 0 ||
	    (rc = read_api(r, &in, o)) < 0 ||
	    (rc = read_run_limits(r, &in, o)) < 0 ||
	    (rc = read_signing(r, &in, o)) < 0 ||
	    (rc = read_auth(r, &in, o)) < 0 ||
	    (rc = read_shard(r, &in, o)) < 0 ||
	    (rc = read_groups_deps(r, &in, o)) < 0 ||
	    (rc = read_merge(r, &in, o)) < 0)
		return rc;
	return 0;
}

/* ---- a target ---- */

/* "pr": what became of a sync's pull request; absent in older reports. */
static int
read_pr(struct record *rec, const struct rd *c, const json_t *obj)
{
	char *s = NULL;
	int pr, rc;

	if ((rc = get_str(&s, c, obj, "pr", J_NULL | J_OPT)) < 0 || s == NULL)
		return rc;
	for (pr = PR_OPENED; pr <= PR_CLOSED; pr++)
		if (strcmp(record_pr_name((enum record_pr)pr), s) == 0)
			break;
	if (pr > PR_CLOSED)
		rc = bad(c, "pr", "is not 'opened', 'updated', 'current' or 'closed'");
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

	if ((rc = get(&a, c, obj, "modules", JSON_ARRAY, J_OPT)) < 0 || a == NULL)
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
		if ((rc = get_str(&m.src, &in, o, "dir", 0)) == 0 &&
		    (rc = get_str(&m.dest, &in, o, "dest", 0)) == 0 &&
		    (rc = get_str(&m.spec, &in, o, "spec", 0)) == 0 &&
		    (rc = get_str(&m.version, &in, o, "version", J_NULL)) == 0 &&
		    (rc = get_str(&m.commit, &in, o, "commit", J_NULL)) == 0 &&
		    (rc = get_str(&m.module, &in, o, "module", J_NULL)) == 0)
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

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, key, 0)) < 0)
		return rc;
	return get_u64s(rec, &in, o, f, nf);
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
	if ((rc = get_str(&s, c, obj, key, J_NULL)) < 0 || s == NULL)
		return rc;
	if (signal_parse(sig, s, true) < 0) {
		snprintf(what, sizeof(what), "names no signal ('%.32s')", s);
		rc = bad(c, key, what);
	}
	free(s);
	return rc;
}

static int
read_outcome(struct record *rec, const struct rd *c, const json_t *obj)
{
	char *s = NULL, what[80];
	int rc;

	if ((rc = get_str(&s, c, obj, "outcome", 0)) < 0)
		return rc;
	/* The writer's word for OUTCOME_NONE. */
	if (strcmp(s, "unknown") == 0)
		rec->outcome = OUTCOME_NONE;
	else if (record_outcome_parse(&rec->outcome, s) < 0) {
		snprintf(what, sizeof(what), "names no outcome ('%.40s')", s);
		rc = bad(c, "outcome", what);
	}
	free(s);
	return rc;
}

static int
read_cause(struct record *rec, const struct rd *c, const json_t *obj)
{
	char *cause = NULL, *source = NULL, what[80];
	int rc;

	if ((rc = get_str(&cause, c, obj, "cause", J_NULL)) < 0 ||
	    (rc = get_str(&source, c, obj, "cause_source", J_NULL)) < 0)
		goto out;
	if (cause != NULL && report_cause_parse(&rec->cause, &rec->cause_value, cause) < 0) {
		snprintf(what, sizeof(what), "names no cause ('%.40s')", cause);
		rc = bad(c, "cause", what);
		goto out;
	}
	if (source != NULL && strcmp(source, "command") != 0 && strcmp(source, "worker") != 0 &&
	    strcmp(source, "supervisor") != 0) {
		snprintf(what, sizeof(what), "is not 'command', 'supervisor' or 'worker' ('%.32s')",
		    source);
		rc = bad(c, "cause_source", what);
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

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "phases_ms", 0)) < 0)
		return rc;
	if (json_object_size(o) == 0)
		return 0;
	rec->phases = xcalloc(json_object_size(o), sizeof(*rec->phases));
	json_object_foreach(o, key, v) {
		if ((rc = get_u64(&ms, &in, o, key)) < 0)
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

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "command", J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = get_int_range(&status, &present, &in, o, "exit", J_NULL, INT_MIN, INT_MAX)) < 0 ||
	    (rc = get_signal(&sig, &in, o, "signal")) < 0 ||
	    (rc = get_u64s(res, &in, o, command_fields, ARRAY_SIZE(command_fields))) < 0)
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

	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "result", J_NULL)) < 0 ||
	    o == NULL)
		return rc;
	rec->has_result = true;
	if ((rc = get_str(&res->outcome, &in, o, "outcome", J_NULL)) < 0 ||
	    (rc = get_str(&res->commit, &in, o, "commit", J_NULL)) < 0 ||
	    (rc = get_str(&res->branch, &in, o, "branch", J_NULL)) < 0 ||
	    (rc = get_str(&res->diffstat, &in, o, "diffstat", J_NULL)) < 0 ||
	    (rc = get_u64s(res, &in, o, result_fields, ARRAY_SIZE(result_fields))) < 0)
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
	    (rc = get_u64(&rec->log_dropped, c, obj, "log_dropped_bytes")) < 0)
		return rc;
	if ((rc = get_obj(&o, &in, where, sizeof(where), c, obj, "limits", J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = get_u64s(rec, &in, o, f, ARRAY_SIZE(f))) < 0 ||
	    (rc = get_str(&s, &in, o, "mechanism", J_NULL)) < 0)
		return rc;
	if (s != NULL && record_limit_parse(&rec->limit, s) < 0)
		rc = bad(&in, "mechanism", "names no mechanism");
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
	if ((rc = get_str(&rec->name, c, t, "name", 0)) < 0 ||
	    (rc = read_outcome(rec, c, t)) < 0 ||
	    (rc = read_cause(rec, c, t)) < 0 ||
	    (rc = get_str(&rec->error, c, t, "error", J_NULL)) < 0 ||
	    (rc = get_int(&rec->attempts, c, t, "attempts", 0)) < 0 ||
	    (rc = get_int_range(&pid, &present, c, t, "pid", 0, 0, INT_MAX)) < 0 ||
	    (rc = get_u64(&rec->start_us, c, t, "start_us")) < 0 ||
	    (rc = get_u64(&rec->end_us, c, t, "end_us")) < 0 ||
	    (rc = get_u64(&rec->wall_us, c, t, "wall_us")) < 0 ||
	    (rc = get_int_range(&status, &present, c, t, "worker_exit", J_NULL, 0, INT_MAX)) < 0 ||
	    (rc = get_signal(&rec->term_signal, c, t, "worker_signal")) < 0 ||
	    (rc = get_str(&rec->log_path, c, t, "log", J_NULL)) < 0 ||
	    (rc = read_groups(rec, c, t)) < 0 ||
	    (rc = read_phases(rec, c, t)) < 0 ||
	    (rc = read_result(rec, c, t)) < 0 ||
	    (rc = get_str(&rec->sync.group, c, t, "group", J_NULL | J_OPT)) < 0 ||
	    (rc = get_str(&rec->sync.pr_url, c, t, "pr_url", J_NULL)) < 0 ||
	    (rc = read_pr(rec, c, t)) < 0 ||
	    (rc = read_via(&rec->sync.commit_via, c, t)) < 0 ||
	    (rc = get_bool(&rec->sync.skipped, c, t, "skipped")) < 0 ||
	    (rc = get_str(&rec->sync.note, c, t, "note", J_NULL | J_OPT)) < 0 ||
	    (rc = read_limits(rec, c, t)) < 0 ||
	    (rc = read_modules(rec, c, t)) < 0)
		return rc;
	rec->pid = (pid_t)pid;
	rec->exit_code = (int)status;
	return 0;
}

static int
read_targets(struct record **recs, size_t *n, const struct rd *c, const json_t *doc)
{
	char where[32];
	json_t *a;
	struct rd in = { c->file, where };
	size_t i;
	int rc;

	if ((rc = get(&a, c, doc, "targets", JSON_ARRAY, 0)) < 0)
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
	if ((rc = get_int_range(&schema, &present, c, doc, "schema", 0, LLONG_MIN,
	    LLONG_MAX)) < 0)
		return rc;
	if (schema != REPORT_SCHEMA)
		return err_set(ERR_PROTO, "cannot read report '%s': it has schema %lld, and this "
		    "repocast reads schema %d", c->file, schema, REPORT_SCHEMA);
	if ((rc = get_str(&tool, c, doc, "tool", 0)) < 0)
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
