/*
 * read_run — the "run" object of a report.json back into struct report_run
 * (read_internal.h): the command, times, versions, resource use, limits,
 * identity, signing, and for a shard or a merge what it was of.
 */
#include "supervisor/report/read_internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/rusage.h"
#include "shared/strv.h"
#include "shared/util.h"
#include "supervisor/shard.h"

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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, key, 0)) < 0)
		return rc;
	return read_get_u64s(s, &in, o, usage_fields, ARRAY_SIZE(usage_fields));
}

static int
read_argv(char ***argv, const struct rd *c, const json_t *obj)
{
	char key[32];
	json_t *a, *v;
	size_t i, n;
	int rc;

	/* null: a sync, which runs no command (older reports wrote []). */
	if ((rc = read_get(&a, c, obj, "argv", JSON_ARRAY, J_NULL)) < 0)
		return rc;
	n = a != NULL ? json_array_size(a) : 0;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(a, i))) {
			snprintf(key, sizeof(key), "argv[%zu]", i);
			return read_bad(c, key, "is not a string");
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "api", J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	return read_get_u64s(r, &in, o, api_fields, ARRAY_SIZE(api_fields));
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
			return read_bad(c, what, "is not a string");
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "shard",
	    J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = read_get_int_range(&n, &present, &in, o, "count", 0, 1, SHARD_MAX)) < 0 ||
	    (rc = read_get_int_range(&k, &present, &in, o, "index", 0, 0, n - 1)) < 0)
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

	if ((rc = read_get(&a, c, obj, "groups", JSON_ARRAY, J_NULL | J_OPT)) < 0 || a == NULL)
		return rc;
	r->groups = xcalloc(json_array_size(a) + 1, sizeof(*r->groups));
	json_array_foreach(a, i, g) {
		char *id = NULL;

		snprintf(where, sizeof(where), "%s.groups[%zu]", c->where, i);
		if (!json_is_object(g))
			return err_set(ERR_PROTO, "cannot read report '%s': %s is not an object",
			    c->file, where);
		if ((rc = read_get_str(&id, &in, g, "id", 0)) < 0)
			return rc;
		r->groups[r->ngroups].id = id;
		r->ngroups++;
		if ((rc = read_get(&d, &in, g, "depends_on", JSON_ARRAY, 0)) < 0 ||
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
		if ((rc = read_get_str(&x->group, &in, d, "group", 0)) < 0 ||
		    (rc = read_get_str(&x->dependency, &in, d, "dependency", 0)) < 0 ||
		    (rc = read_get_u64(&x->dependency_failed, &in, d, "dependency_failed")) < 0 ||
		    (rc = read_get(&ran, &in, d, "ran", JSON_ARRAY, 0)) < 0 ||
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
		if ((rc = read_get_str(&x->field, &in, d, "field", 0)) < 0 ||
		    (rc = read_get(&each, &in, d, "reports", JSON_ARRAY, 0)) < 0)
			return rc;
		json_array_foreach(each, j, e) {
			char *run = NULL, *value = NULL;

			snprintf(ewhere, sizeof(ewhere), "%s.reports[%zu]", where, j);
			if (!json_is_object(e))
				return err_set(ERR_PROTO, "cannot read report '%s': %s is not an "
				    "object", c->file, ewhere);
			if ((rc = read_get_str(&run, &ein, e, "run", 0)) < 0 ||
			    (rc = read_get_str(&value, &ein, e, "value", 0)) < 0) {
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "merge",
	    J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	m = r->merge = xcalloc(1, sizeof(*m));
	if ((rc = read_get_int_range(&shards, &present, &in, o, "shards", J_NULL, 1,
	    SHARD_MAX)) < 0 ||
	    (rc = read_get(&a, &in, o, "missing_shards", JSON_ARRAY, 0)) < 0)
		return rc;
	m->shards = (unsigned)shards;
	m->missing = xcalloc(json_array_size(a) + 1, sizeof(*m->missing));
	json_array_foreach(a, i, v) {
		k = json_is_integer(v) ? json_integer_value(v) : -1;
		if (k < 0 || k >= shards) {
			snprintf(what, sizeof(what), "missing_shards[%zu]", i);
			return read_bad(&in, what, "is not a shard index");
		}
		m->missing[m->nmissing++] = (unsigned)k;
	}
	if ((rc = read_get(&a, &in, o, "cross_shard_dependencies", JSON_ARRAY, 0)) < 0 ||
	    (rc = read_cross(m, &in, a)) < 0 ||
	    (rc = read_get(&a, &in, o, "disagreements", JSON_ARRAY, J_OPT)) < 0)
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "versions", 0)) < 0)
		return rc;
	if ((rc = read_get_str(&r->v_repocast, &in, o, "repocast", 0)) < 0 ||
	    (rc = read_get_str(&r->v_libgit2, &in, o, "libgit2", 0)) < 0 ||
	    (rc = read_get_str(&r->v_libcurl, &in, o, "libcurl", 0)) < 0 ||
	    (rc = read_get_str(&r->v_msgpack, &in, o, "msgpack", 0)) < 0 ||
	    (rc = read_get_str(&r->v_jansson, &in, o, "jansson", 0)) < 0 ||
	    (rc = read_get_str(&r->v_libyaml, &in, o, "libyaml", 0)) < 0)
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, key, J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = read_get_u64(max, &in, o, "max")) < 0 ||
	    (rc = read_get_str(&s, &in, o, "mechanism", J_NULL)) < 0)
		return rc;
	if (s != NULL && mech != NULL && record_limit_parse(mech, s) < 0)
		rc = read_bad(&in, "mechanism", "names no mechanism");
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "limits", J_OPT)) < 0 ||
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
		rc = read_get_u64(&r->limits.max_log, &in, o, "max_log");
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "signing",
	    J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = read_get_str(&r->signing.method, &in, o, "method", 0)) < 0 ||
	    (rc = read_get_str(&r->signing.key, &in, o, "key", J_NULL)) < 0 ||
	    (rc = read_get_str(&r->signing.fingerprint, &in, o, "fingerprint", J_NULL)) < 0 ||
	    (rc = read_get_str(&r->signing.from, &in, o, "from", J_NULL)) < 0)
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

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, obj, "auth",
	    J_NULL | J_OPT)) < 0 ||
	    o == NULL)
		return rc;
	if ((rc = read_get_str(&r->auth_kind, &in, o, "kind", 0)) < 0 ||
	    (rc = read_get_str(&r->auth_source, &in, o, "source", J_NULL)) < 0 ||
	    (rc = read_get_str(&r->auth_app_id, &in, o, "app_id", J_NULL | J_OPT)) < 0 ||
	    (rc = read_get(&a, &in, o, "installations", JSON_ARRAY, J_NULL | J_OPT)) < 0)
		return rc;
	if (strcmp(r->auth_kind, "token") != 0 && strcmp(r->auth_kind, "app") != 0)
		return read_bad(&in, "kind", "is not 'token' or 'app'");
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
		if ((rc = read_get_str(&inst->owner, &iin, e, "owner", 0)) < 0 ||
		    (rc = read_get_int_range(&tokens, &present, &iin, e, "tokens", 0, 0,
		    UINT_MAX)) < 0)
			return rc;
		inst->tokens = (unsigned)tokens;
		if (json_is_null(json_object_get(e, "id")))
			continue;       /* the App is not installed there */
		if ((rc = read_get_u64(&inst->id, &iin, e, "id")) < 0)
			return rc;
		if (inst->id == 0)
			return read_bad(&iin, "id",
			    "is 0 (null says the App is not installed there)");
	}
	return 0;
}

int
read_run(struct report_run *r, const struct rd *c, const json_t *doc)
{
	struct rd in;
	char where[64];
	json_t *o;
	int rc;

	if ((rc = read_get_obj(&o, &in, where, sizeof(where), c, doc, "run", 0)) < 0)
		return rc;
	if ((rc = read_get_str(&r->id, &in, o, "id", 0)) < 0 ||
	    (rc = read_get_str(&r->command, &in, o, "command", 0)) < 0 ||
	    (rc = read_argv(&r->argv, &in, o)) < 0 ||
	    (rc = read_get_u64(&r->start_us, &in, o, "start_us")) < 0 ||
	    (rc = read_get_u64(&r->end_us, &in, o, "end_us")) < 0 ||
	    (rc = read_get_str(&r->host, &in, o, "host", J_NULL)) < 0 ||
	    (rc = read_get_str(&r->kernel, &in, o, "kernel", J_NULL)) < 0 ||
	    (rc = read_get_int(&r->jobs, &in, o, "jobs", 0)) < 0 ||
	    (rc = read_get_u64(&r->timeout_ms, &in, o, "timeout_ms")) < 0 ||
	    (rc = read_get_int(&r->retries, &in, o, "retries", 0)) < 0 ||
	    (rc = read_get_bool(&r->interrupted, &in, o, "interrupted")) < 0 ||
	    (rc = read_get_int(&r->exit_code, &in, o, "exit_code", INT_MIN)) < 0 ||
	    (rc = read_get_str(&r->config_digest, &in, o, "config_digest", J_NULL)) < 0 ||
	    (rc = read_versions(r, &in, o)) < 0 ||
	    (rc = read_usage(&r->self, &in, o, "supervisor")) < 0 ||
	    (rc = read_usage(&r->children, &in, o, "children")) < 0 ||
	    (rc = read_get_u64(&r->orphans_reaped, &in, o, "orphans_reaped")) < 0 ||
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
