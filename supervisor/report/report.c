#include "supervisor/report/report.h"

#include <curl/curlver.h>
#include <errno.h>
#include <git2.h>
#include <jansson.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/utf8.h"
#include "shared/util.h"

char *
report_run_id(uint64_t wall_us, long pid)
{
	time_t t = (time_t)(wall_us / 1000000);
	struct tm tm;
	char ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	return xasprintf("%s-%ld", ts, pid);
}

void
report_run_init(struct report_run *r, const char *command)
{
	struct utsname u;
	int maj, min, rev;

	memset(r, 0, sizeof(*r));
	r->start_us = util_wall_us();
	r->id = report_run_id(r->start_us, (long)getpid());
	r->command = xstrdup(command);
	if (uname(&u) == 0) {
		r->host = xstrdup(u.nodename);
		r->kernel = xasprintf("%s %s %s", u.sysname, u.release, u.machine);
	} else {
		r->host = xstrdup("unknown");
		r->kernel = xstrdup("unknown");
	}
	git_libgit2_version(&maj, &min, &rev);
	r->v_repocast = xstrdup(REPOCAST_VERSION);
	r->v_libgit2 = xasprintf("%d.%d.%d", maj, min, rev);
	r->v_libcurl = xstrdup(LIBCURL_VERSION);
	r->v_msgpack = xstrdup(msgpack_version());
	r->v_jansson = xstrdup(jansson_version_str());
	r->v_libyaml = xstrdup(yaml_get_version_string());
	r->exit_code = -1;
}

void
report_run_end(struct report_run *r)
{
	struct rusage ru;

	r->end_us = util_wall_us();
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		rusage_from_sys(&r->self, &ru);
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		rusage_from_sys(&r->children, &ru);
}

void
report_run_release(struct report_run *r)
{
	size_t i;

	free(r->id);
	free(r->command);
	for (i = 0; r->argv != NULL && r->argv[i] != NULL; i++)
		free(r->argv[i]);
	free(r->argv);
	free(r->host);
	free(r->kernel);
	free(r->config_digest);
	free(r->signing.method);
	free(r->signing.key);
	free(r->signing.fingerprint);
	free(r->signing.from);
	free(r->v_repocast);
	free(r->v_libgit2);
	free(r->v_libcurl);
	free(r->v_msgpack);
	free(r->v_jansson);
	free(r->v_libyaml);
	for (i = 0; i < r->nspans; i++)
		free(r->spans[i].name);
	free(r->spans);
	report_selection_release(&r->selection);
	for (i = 0; i < r->ngroups; i++) {
		free(r->groups[i].id);
		strv_release(&r->groups[i].depends_on);
	}
	free(r->groups);
	report_merge_free(r->merge);
	free(r->auth_kind);
	free(r->auth_source);
	free(r->auth_app_id);
	for (i = 0; i < r->ninstallations; i++)
		free(r->installations[i].owner);
	free(r->installations);
	memset(r, 0, sizeof(*r));
}

void
report_run_set_auth(struct report_run *r, const char *kind, const char *source,
    const char *app_id)
{
	free(r->auth_kind);
	free(r->auth_source);
	free(r->auth_app_id);
	r->auth_kind = xstrdup(kind);
	r->auth_source = xstrdup_or_null(source);
	r->auth_app_id = xstrdup_or_null(app_id);
}

void
report_run_add_installation(struct report_run *r, const char *owner, uint64_t id,
    unsigned tokens)
{
	struct report_installation *in;

	r->installations = xrealloc(r->installations,
	    (r->ninstallations + 1) * sizeof(*r->installations));
	in = &r->installations[r->ninstallations++];
	in->owner = xstrdup(owner);
	in->id = id;
	in->tokens = tokens;
}

static json_t *u64(uint64_t v);

/* run.auth: null when unknown (a merged run, an old report). */
static json_t *
auth_json(const struct report_run *r)
{
	json_t *o, *a;
	size_t i;

	if (r->auth_kind == NULL)
		return json_null();
	o = json_pack("{s:s,s:o}", "kind", r->auth_kind, "source",
	    report_json_string(r->auth_source));
	if (strcmp(r->auth_kind, "app") != 0)
		return o;
	json_object_set_new(o, "app_id", report_json_string(r->auth_app_id));
	a = json_array();
	for (i = 0; i < r->ninstallations; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:i}", "owner",
		    r->installations[i].owner, "id", r->installations[i].id > 0 ?
		    u64(r->installations[i].id) : json_null(), "tokens",
		    (int)r->installations[i].tokens));
	json_object_set_new(o, "installations", a);
	return o;
}

void
report_selection_add(struct report_selection *s, const char *name, const char *source,
    const char *skipped)
{
	struct report_pick *p;

	ALLOC_GROW(s->v, s->n + 1, s->cap);
	p = &s->v[s->n++];
	p->name = xstrdup(name);
	p->source = xstrdup(source);
	p->skipped = xstrdup_or_null(skipped);
}

void
report_selection_release(struct report_selection *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].source);
		free(s->v[i].skipped);
	}
	free(s->v);
	strv_release(&s->sources);
	strv_release(&s->topics);
	memset(s, 0, sizeof(*s));
}

static json_t *
strv_json(const struct strv *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_array_append_new(a, report_json_string(v->v[i]));
	return a;
}

/* run.selection: null unless the command recorded one. */
static json_t *
selection_json(const struct report_selection *s)
{
	json_t *repos;
	size_t i;

	if (!s->present)
		return json_null();
	repos = json_array();
	for (i = 0; i < s->n; i++)
		json_array_append_new(repos, json_pack("{s:o,s:o,s:o}",
		    "name", report_json_string(s->v[i].name),
		    "source", report_json_string(s->v[i].source),
		    "skipped", s->v[i].skipped ? report_json_string(s->v[i].skipped) :
		    json_null()));
	return json_pack("{s:o,s:o,s:b,s:b,s:o}", "sources", strv_json(&s->sources),
	    "topics", strv_json(&s->topics), "include_archived", s->include_archived,
	    "include_forks", s->include_forks, "repos", repos);
}

void
report_merge_free(struct report_merge *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ncross; i++) {
		free(m->cross[i].group);
		free(m->cross[i].dependency);
		strv_release(&m->cross[i].ran);
	}
	free(m->cross);
	for (i = 0; i < m->ndiffer; i++) {
		free(m->differ[i].field);
		strv_release(&m->differ[i].runs);
		strv_release(&m->differ[i].values);
	}
	free(m->differ);
	free(m->missing);
	free(m);
}

void
report_run_add_group(struct report_run *r, const char *id, const struct strv *depends_on)
{
	struct report_group_deps *g;

	r->groups = xrealloc(r->groups, (r->ngroups + 1) * sizeof(*r->groups));
	g = &r->groups[r->ngroups++];
	g->id = xstrdup(id);
	strv_copy(&g->depends_on, depends_on);
}

void
report_run_add_span(struct report_run *r, const char *cat, const char *name, long status,
    uint64_t start_us, uint64_t dur_us)
{
	struct report_span *s;

	ALLOC_GROW(r->spans, r->nspans + 1, r->spans_cap);
	s = &r->spans[r->nspans++];
	s->name = xstrdup(name);
	s->cat = cat;
	s->status = status;
	s->start_us = start_us;
	s->dur_us = dur_us;
}

/* ---- the formats ---- */

static const struct {
	const char *name, *file;
	void (*write)(struct buf *out, const struct report_in *in);
} formats[REPORT_NFORMATS] = {
	[REPORT_JSON] = { "json", "report.json", NULL },
	[REPORT_MD] = { "md", "report.md", report_markdown },
	[REPORT_HTML] = { "html", "report.html", report_html },
	[REPORT_JUNIT] = { "junit", "junit.xml", report_junit },
	[REPORT_TRACE] = { "trace", "trace.json", report_trace },
	[REPORT_PROM] = { "prom", "metrics.prom", report_prom },
};

int
report_format_parse(enum report_format *out, const char *name)
{
	size_t i;

	for (i = 0; i < REPORT_NFORMATS; i++)
		if (strcmp(formats[i].name, name) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	return ERR_NOTFOUND;
}

const char *
report_format_name(enum report_format f)
{
	return formats[f].name;
}

const char *
report_format_file(enum report_format f)
{
	return formats[f].file;
}

static int
formats_add(unsigned *mask, const char *name, size_t len)
{
	char *s = xstrndup(name, len);
	enum report_format f;
	int rc = 0;

	if (report_format_parse(&f, s) < 0)
		rc = err_set(ERR_CONFIG, "unknown report format '%s' (expected json, md, html, "
		    "junit, trace or prom)", s);
	else
		*mask |= 1u << f;
	free(s);
	return rc;
}

int
report_formats_parse(unsigned *mask, const char *list)
{
	const char *p = list, *comma;
	unsigned m = 1u << REPORT_JSON;

	for (;;) {
		comma = strchr(p, ',');
		if (formats_add(&m, p, comma ? (size_t)(comma - p) : strlen(p)) < 0)
			return ERR_CONFIG;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*mask = m;
	return 0;
}

int
report_formats_from(unsigned *mask, const struct strv *names)
{
	unsigned m = 1u << REPORT_JSON;
	size_t i;

	for (i = 0; i < names->n; i++)
		if (formats_add(&m, names->v[i], strlen(names->v[i])) < 0)
			return ERR_CONFIG;
	*mask = m;
	return 0;
}

int
report_write_format(const struct report_in *in, enum report_format f, const char *path)
{
	struct buf b = BUF_INIT;
	int rc;

	if (formats[f].write != NULL)
		formats[f].write(&b, in);
	else
		report_json(&b, in->run, in->recs, in->n);
	rc = buf_write_file_atomic(&b, path);
	buf_release(&b);
	return rc;
}

int
report_write(const struct report_in *in, unsigned mask)
{
	char *first = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < REPORT_NFORMATS; i++) {
		char *path;
		int r;

		if (!(mask & (1u << i)))
			continue;
		path = xasprintf("%s/%s", in->dir, formats[i].file);
		if ((r = report_write_format(in, (enum report_format)i, path)) < 0) {
			if (rc == 0) {
				rc = r;
				first = xstrdup(err_last());
			} else {
				log_warn("%s", err_last());
			}
		}
		free(path);
	}
	if (first != NULL) {
		err_set(rc, "%s", first);
		free(first);
	}
	return rc;
}

int
report_make_dir(char **dir, const char *report_dir, const char *run_id)
{
	char *d = xasprintf("%s/%s", report_dir, run_id);
	char *t = xasprintf("%s/targets", d);
	int rc;

	*dir = NULL;
	rc = util_mkdirs(t, 0755);
	free(t);
	if (rc < 0) {
		free(d);
		return rc;
	}
	*dir = d;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile of v, already sorted: nearest rank, the smallest
 * value with at least p% at or below it. */
static uint64_t
sorted_percentile(const uint64_t *v, size_t n, unsigned p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = ((size_t)p * n + 99) / 100;
	if (rank == 0)
		rank = 1;
	return v[rank - 1];
}

uint64_t
report_percentile(uint64_t *v, size_t n, unsigned p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return sorted_percentile(v, n, p);
}

/* A JSON string for s (NULL -> null). Worker-supplied text may not be
 * UTF-8: bytes jansson rejects become '?' rather than losing the report. */
json_t *
report_json_string(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j != NULL)
		return j;
	utf8_sanitize(&b, s, strlen(s));
	j = json_string(b.ptr);
	buf_release(&b);
	return j;
}

/* Who decided a failure: the `run` command's own end, the supervisor
 * (no worker ran, or the failure came after it: the pull request), or
 * the worker. */
static const char *
cause_source(const struct record *r)
{
	if (r->command_failed)
		return "command";
	if (r->attempts == 0 || r->cause == CAUSE_PR || r->cause == CAUSE_DEPENDENCY ||
	    r->cause == CAUSE_VERSION || r->cause == CAUSE_API_COMMIT_LIMIT)
		return "supervisor";
	/* the commit through the API is the supervisor's, after the worker */
	if (r->sync.commit_via == COMMIT_API)
		return "supervisor";
	return "worker";
}

static json_t *
u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static void
iso_time(char *out, size_t n, uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%03uZ", base, (unsigned)(us % 1000000 / 1000));
}

static json_t *
usage_json(const struct rusage_sample *s)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "utime_us", u64(s->utime_us), "stime_us", u64(s->stime_us),
	    "maxrss_kib", u64(s->maxrss_kib), "minflt", u64(s->minflt),
	    "majflt", u64(s->majflt), "nvcsw", u64(s->nvcsw), "nivcsw", u64(s->nivcsw),
	    "inblock", u64(s->inblock), "oublock", u64(s->oublock));
}

/* ---- report.json ---- */

#define FIELD_AT(rec, off) ((const uint64_t *)(const void *)((const char *)(rec) + (off)))

static const struct report_field rusage_fields[] = {
	{ "utime_us", offsetof(struct record, utime_us) },
	{ "stime_us", offsetof(struct record, stime_us) },
	{ "maxrss_kib", offsetof(struct record, maxrss_kib) },
	{ "vm_hwm_kib", offsetof(struct record, vm_hwm_kib) },
	{ "minflt", offsetof(struct record, minflt) },
	{ "majflt", offsetof(struct record, majflt) },
	{ "nvcsw", offsetof(struct record, nvcsw) },
	{ "nivcsw", offsetof(struct record, nivcsw) },
	{ "inblock", offsetof(struct record, inblock) },
	{ "oublock", offsetof(struct record, oublock) },
};

static const struct report_field io_fields[] = {
	{ "rchar", offsetof(struct record, rchar) },
	{ "wchar", offsetof(struct record, wchar) },
	{ "read_bytes", offsetof(struct record, read_bytes) },
	{ "write_bytes", offsetof(struct record, write_bytes) },
};

static const struct report_field channel_fields[] = {
	{ "bytes_to_worker", offsetof(struct record, bytes_to_worker) },
	{ "bytes_from_worker", offsetof(struct record, bytes_from_worker) },
	{ "msgs_to_worker", offsetof(struct record, msgs_to_worker) },
	{ "msgs_from_worker", offsetof(struct record, msgs_from_worker) },
};

const struct report_group report_record_groups[] = {
	{ "rusage", rusage_fields, ARRAY_SIZE(rusage_fields) },
	{ "io", io_fields, ARRAY_SIZE(io_fields) },
	{ "channel", channel_fields, ARRAY_SIZE(channel_fields) },
};
const size_t report_nrecord_groups = ARRAY_SIZE(report_record_groups);

static json_t *
target_json(const struct record *r)
{
	char start[40], end[40], cause[RECORD_CAUSE_MAX];
	json_t *t, *phases, *cmd;
	size_t i, g;

	iso_time(start, sizeof(start), r->start_us);
	iso_time(end, sizeof(end), r->end_us);
	phases = json_object();
	for (i = 0; i < r->nphases; i++)
		json_object_set_new(phases, r->phases[i].key,
		    u64(strtoull(r->phases[i].value, NULL, 10)));
	t = json_pack("{s:o,s:o,s:b,s:o,s:o,s:o,s:i,s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}",
	    "name", report_json_string(r->name), "outcome",
	    report_json_string(r->outcome != OUTCOME_NONE ? record_outcome_name(r->outcome) :
	    "unknown"),
	    "ok", !record_failed(r), "cause", report_json_string(record_cause_name(cause, r)),
	    "cause_source", !record_failed(r) ? json_null() : json_string(cause_source(r)),
	    "error", report_json_string(r->error), "attempts", r->attempts, "pid", (json_int_t)r->pid,
	    "start", start, "end", end, "start_us", u64(r->start_us), "end_us", u64(r->end_us),
	    "wall_us", u64(r->wall_us),
	    "worker_exit", r->exit_code >= 0 ? json_integer(r->exit_code) : json_null(),
	    "worker_signal", r->term_signal ? json_string(sigabbrev_np(r->term_signal) ?
	    sigabbrev_np(r->term_signal) : "?") : json_null(),
	    "log", report_json_string(r->log_path));
	for (g = 0; g < report_nrecord_groups; g++) {
		const struct report_group *gr = &report_record_groups[g];
		json_t *o = json_object();

		for (i = 0; i < gr->n; i++)
			json_object_set_new(o, gr->fields[i].key, u64(*FIELD_AT(r, gr->fields[i].off)));
		json_object_set_new(t, gr->key, o);
	}
	json_object_set_new(t, "phases_ms", phases);
	if (r->has_result) {
		const struct msg_result *res = &r->result;

		json_object_set_new(t, "result", json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		    "outcome", report_json_string(res->outcome), "commit", report_json_string(res->commit),
		    "branch", report_json_string(res->branch), "changed", u64(res->changed),
		    "added", u64(res->added), "deleted", u64(res->deleted),
		    "bytes", u64(res->bytes), "diffstat", report_json_string(res->diffstat)));
		if (r->result.cmd_wall_ms > 0 || res->exit_code != 0 || res->term_signal != 0 ||
		    res->cmd_utime_us > 0 || res->cmd_maxrss_kib > 0) {
			cmd = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
			    "exit", res->term_signal ? json_null() :
			    json_integer((json_int_t)res->exit_code),
			    "signal", res->term_signal ? json_string(sigabbrev_np(
			    (int)res->term_signal) ? sigabbrev_np((int)res->term_signal) : "?") :
			    json_null(),
			    "wall_ms", u64(res->cmd_wall_ms), "utime_us", u64(res->cmd_utime_us),
			    "stime_us", u64(res->cmd_stime_us),
			    "maxrss_kib", u64(res->cmd_maxrss_kib));
			json_object_set_new(t, "command", cmd);
		}
	} else {
		json_object_set_new(t, "result", json_null());
	}
	json_object_set_new(t, "limits", json_pack("{s:o,s:o,s:o}",
	    "mechanism", report_json_string(record_limit_name(r->limit)),
	    "memory_peak_bytes", u64(r->job_memory_peak),
	    "processes_peak", u64(r->job_tasks_peak)));
	json_object_set_new(t, "log_dropped_bytes", u64(r->log_dropped));
	json_object_set_new(t, "group", report_json_string(r->sync.group));
	json_object_set_new(t, "pr_url", report_json_string(r->sync.pr_url));
	json_object_set_new(t, "pr", report_json_string(record_pr_name(r->sync.pr)));
	json_object_set_new(t, "commit_via",
	    report_json_string(record_commit_name(r->sync.commit_via)));
	json_object_set_new(t, "skipped", json_boolean(r->sync.skipped));
	json_object_set_new(t, "note", report_json_string(r->sync.note));
	if (r->sync.nmodules > 0) {
		json_t *mods = json_array();
		size_t k;

		for (k = 0; k < r->sync.nmodules; k++) {
			const struct record_module *m = &r->sync.modules[k];

			json_array_append_new(mods, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
			    "dir", report_json_string(m->src), "dest", report_json_string(m->dest),
			    "spec", report_json_string(m->spec),
			    "version", report_json_string(m->version),
			    "commit", report_json_string(m->commit),
			    "module", report_json_string(m->module)));
		}
		json_object_set_new(t, "modules", mods);
	}
	return t;
}

/* One limit: {max, mechanism}, or null when it is not set. */
static json_t *
limit_json(uint64_t max, const char *mechanism)
{
	if (max == 0)
		return json_null();
	return json_pack("{s:o,s:o}", "max", u64(max), "mechanism", report_json_string(mechanism));
}

static json_t *
limits_json(const struct report_run *run)
{
	const char *whole = record_limit_name(run->limits.mechanism);
	const char *rlimit = record_limit_name(LIMIT_RLIMIT);

	return json_pack("{s:o,s:o,s:o,s:o,s:o}",
	    "memory", limit_json(run->limits.memory, whole),
	    "processes", limit_json(run->limits.processes, whole),
	    "cpu_seconds", limit_json(run->limits.cpu_seconds, rlimit),
	    "open_files", limit_json(run->limits.open_files, rlimit),
	    "max_log", run->limits.max_log ? u64(run->limits.max_log) : json_null());
}

/* run.groups: null for a run without groups (`run`). */
static json_t *
run_groups_json(const struct report_run *run)
{
	json_t *a;
	size_t i, j;

	if (run->groups == NULL)
		return json_null();
	a = json_array();
	for (i = 0; i < run->ngroups; i++) {
		json_t *deps = json_array();

		for (j = 0; j < run->groups[i].depends_on.n; j++)
			json_array_append_new(deps, json_string(run->groups[i].depends_on.v[j]));
		json_array_append_new(a, json_pack("{s:s,s:o}", "id", run->groups[i].id,
		    "depends_on", deps));
	}
	return a;
}

/* run.merge: null unless `report merge` wrote the report. */
static json_t *
run_merge_json(const struct report_merge *m)
{
	json_t *o, *missing, *cross, *differ;
	size_t i, j;

	if (m == NULL)
		return json_null();
	missing = json_array();
	for (i = 0; i < m->nmissing; i++)
		json_array_append_new(missing, json_integer(m->missing[i]));
	cross = json_array();
	for (i = 0; i < m->ncross; i++) {
		const struct report_cross_dep *d = &m->cross[i];
		json_t *ran = json_array();

		for (j = 0; j < d->ran.n; j++)
			json_array_append_new(ran, json_string(d->ran.v[j]));
		json_array_append_new(cross, json_pack("{s:s,s:s,s:o,s:o}", "group", d->group,
		    "dependency", d->dependency, "dependency_failed", u64(d->dependency_failed),
		    "ran", ran));
	}
	differ = json_array();
	for (i = 0; i < m->ndiffer; i++) {
		const struct report_disagreement *d = &m->differ[i];
		json_t *each = json_array();

		for (j = 0; j < d->runs.n; j++)
			json_array_append_new(each, json_pack("{s:o,s:o}", "run",
			    report_json_string(d->runs.v[j]), "value",
			    report_json_string(d->values.v[j])));
		json_array_append_new(differ, json_pack("{s:s,s:o}", "field", d->field,
		    "reports", each));
	}
	o = json_pack("{s:o,s:o,s:o,s:o}", "shards", m->shards ? json_integer(m->shards) :
	    json_null(), "missing_shards", missing, "cross_shard_dependencies", cross,
	    "disagreements", differ);
	return o;
}

/* p50/p95/max of one metric over the records. */
static json_t *
metric_json(const struct record *recs, size_t n, size_t off)
{
	uint64_t *v = xcalloc(n ? n : 1, sizeof(*v));
	json_t *o;
	size_t i;

	size_t m = 0;

	/* Only targets whose worker ran: a skipped or never-started target's
	 * zeros would drag every percentile down. */
	for (i = 0; i < n; i++)
		if (recs[i].pid != 0)
			memcpy(&v[m++], (const char *)&recs[i] + off, sizeof(uint64_t));
	/* One sort for the three ranks. */
	qsort(v, m, sizeof(*v), cmp_u64);
	o = json_pack("{s:o,s:o,s:o}", "p50", u64(sorted_percentile(v, m, 50)),
	    "p95", u64(sorted_percentile(v, m, 95)), "max", u64(sorted_percentile(v, m, 100)));
	free(v);
	return o;
}

void
report_json(struct buf *out, const struct report_run *run, const struct record *recs,
    size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} metrics[] = {
		{ "wall_us", offsetof(struct record, wall_us) },
		{ "utime_us", offsetof(struct record, utime_us) },
		{ "stime_us", offsetof(struct record, stime_us) },
		{ "maxrss_kib", offsetof(struct record, maxrss_kib) },
		{ "vm_hwm_kib", offsetof(struct record, vm_hwm_kib) },
		{ "minflt", offsetof(struct record, minflt) },
		{ "majflt", offsetof(struct record, majflt) },
		{ "nvcsw", offsetof(struct record, nvcsw) },
		{ "nivcsw", offsetof(struct record, nivcsw) },
		{ "inblock", offsetof(struct record, inblock) },
		{ "oublock", offsetof(struct record, oublock) },
		{ "rchar", offsetof(struct record, rchar) },
		{ "wchar", offsetof(struct record, wchar) },
		{ "read_bytes", offsetof(struct record, read_bytes) },
		{ "write_bytes", offsetof(struct record, write_bytes) },
		{ "bytes_to_worker", offsetof(struct record, bytes_to_worker) },
		{ "bytes_from_worker", offsetof(struct record, bytes_from_worker) },
	};
	char start[40], end[40], cause[RECORD_CAUSE_MAX];
	json_t *doc, *jrun, *targets, *argv, *stats, *causes;
	uint64_t failed = 0, attempts = 0, utime = 0, stime = 0, wall = 0, skipped = 0;
	size_t i;
	char *text;

	iso_time(start, sizeof(start), run->start_us);
	iso_time(end, sizeof(end), run->end_us);
	/* A sync runs no command: null, as the schema says, not []. */
	argv = run->argv != NULL ? json_array() : json_null();
	for (i = 0; run->argv != NULL && run->argv[i] != NULL; i++)
		json_array_append_new(argv, report_json_string(run->argv[i]));
	jrun = json_pack("{s:s,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:i,s:b,s:i,s:o}",
	    "id", run->id, "command", run->command, "argv", argv,
	    "start", start, "end", end, "start_us", u64(run->start_us),
	    "end_us", u64(run->end_us), "wall_us", u64(run->end_us > run->start_us ?
	    run->end_us - run->start_us : 0),
	    "host", report_json_string(run->host), "kernel", report_json_string(run->kernel),
	    "jobs", run->jobs, "timeout_ms", u64(run->timeout_ms), "retries", run->retries,
	    "interrupted", run->interrupted, "exit_code", run->exit_code,
	    "config_digest", report_json_string(run->config_digest));
	json_object_set_new(jrun, "versions", json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}",
	    "repocast", run->v_repocast, "libgit2", run->v_libgit2, "libcurl", run->v_libcurl,
	    "msgpack", run->v_msgpack, "jansson", run->v_jansson, "libyaml", run->v_libyaml));
	json_object_set_new(jrun, "supervisor", usage_json(&run->self));
	json_object_set_new(jrun, "children", usage_json(&run->children));
	json_object_set_new(jrun, "orphans_reaped", u64(run->orphans_reaped));
	json_object_set_new(jrun, "commit_via",
	    report_json_string(record_commit_name(run->commit_via)));
	json_object_set_new(jrun, "selection", selection_json(&run->selection));
	json_object_set_new(jrun, "limits", limits_json(run));
	json_object_set_new(jrun, "signing", run->signing.method == NULL ? json_null() :
	    json_pack("{s:s,s:o,s:o,s:o}", "method", run->signing.method,
	    "key", report_json_string(run->signing.key),
	    "fingerprint", report_json_string(run->signing.fingerprint),
	    "from", report_json_string(run->signing.from)));
	json_object_set_new(jrun, "shard", run->shard_count == 0 ? json_null() :
	    json_pack("{s:i,s:i}", "index", (int)run->shard_index, "count", (int)run->shard_count));
	json_object_set_new(jrun, "groups", run_groups_json(run));
	json_object_set_new(jrun, "merge", run_merge_json(run->merge));
	json_object_set_new(jrun, "auth", auth_json(run));
	json_object_set_new(jrun, "api", json_pack("{s:o,s:o,s:o,s:o}",
	    "requests", u64(run->api_requests), "not_modified", u64(run->api_not_modified),
	    "rate_limited", u64(run->api_rate_limited), "waited_ms", u64(run->api_waited_ms)));

	targets = json_array();
	causes = json_object();
	for (i = 0; i < n; i++) {
		json_array_append_new(targets, target_json(&recs[i]));
		attempts += (uint64_t)recs[i].attempts;
		utime += recs[i].utime_us;
		stime += recs[i].stime_us;
		wall += recs[i].wall_us;
		skipped += recs[i].sync.skipped;
		if (record_failed(&recs[i])) {
			const char *name = record_cause_name(cause, &recs[i]);
			json_t *c = json_object_get(causes, name);

			failed++;
			json_object_set_new(causes, name,
			    json_integer(c ? json_integer_value(c) + 1 : 1));
		}
	}
	stats = json_object();
	for (i = 0; i < ARRAY_SIZE(metrics); i++)
		json_object_set_new(stats, metrics[i].name, metric_json(recs, n, metrics[i].off));

	doc = json_pack("{s:i,s:s,s:o,s:{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o},s:o,s:o}",
	    "schema", REPORT_SCHEMA, "tool", "repocast", "run", jrun,
	    "totals", "targets", u64(n), "ok", u64(n - failed), "failed", u64(failed),
	    "skipped", u64(skipped),
	    "attempts", u64(attempts), "utime_us", u64(utime), "stime_us", u64(stime),
	    "worker_wall_us", u64(wall), "causes", causes,
	    "stats", stats, "targets", targets);
	if (doc == NULL)
		BUG("report_json: json_pack failed");
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL)
		BUG("report_json: json_dumps failed");
	buf_addstr(out, text);
	buf_addch(out, '\n');
	free(text);
	json_decref(doc);
}


const char *
report_fmt_kib(char *b, size_t n, uint64_t kib)
{
	if (kib < 1024)
		snprintf(b, n, "%llu KiB", (unsigned long long)kib);
	else if (kib < 1024 * 1024)
		snprintf(b, n, "%.1f MiB", (double)kib / 1024);
	else
		snprintf(b, n, "%.2f GiB", (double)kib / (1024 * 1024));
	return b;
}
