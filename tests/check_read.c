/*
 * report.json read back: the round trip through report_json, the refusals
 * (another schema, bad JSON with its line and column, a bad field with its
 * path), causes back to enum and value, RUN names, a run's failed targets.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/strv.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "supervisor/report/read.h"
#include "supervisor/report/report.h"

/* ---- fixtures ---- */

/* --shard's part: the shard, the groups, a merge's findings. */
static void
fill_shard(struct report_run *run)
{
	struct strv deps = { NULL, 0 };

	run->shard_index = 4;
	run->shard_count = 5;   /* the last shard: index count-1 */
	report_run_add_group(run, "base", &deps);
	strv_add(&deps, "base");
	strv_add(&deps, "tools");
	report_run_add_group(run, "overlay", &deps);
	strv_release(&deps);
	run->merge = xcalloc(1, sizeof(*run->merge));
	run->merge->shards = 5;
	run->merge->missing = xcalloc(2, sizeof(unsigned));
	run->merge->missing[0] = 0;
	run->merge->missing[1] = 4;
	run->merge->nmissing = 2;
	run->merge->cross = xcalloc(1, sizeof(*run->merge->cross));
	run->merge->ncross = 1;
	run->merge->cross[0].group = xstrdup("overlay");
	run->merge->cross[0].dependency = xstrdup("base");
	run->merge->cross[0].dependency_failed = 3;
	strv_add(&run->merge->cross[0].ran, "acme/o1");
	strv_add(&run->merge->cross[0].ran, "acme/o2");
	run->merge->differ = xcalloc(1, sizeof(*run->merge->differ));
	run->merge->ndiffer = 1;
	run->merge->differ[0].field = xstrdup("commit_via");
	strv_add(&run->merge->differ[0].runs, "20261122T003000Z-1");
	strv_add(&run->merge->differ[0].values, "push");
	strv_add(&run->merge->differ[0].runs, "20261122T003000Z-2");
	strv_add(&run->merge->differ[0].values, "none");
}

/* A signed run as a GitHub App: installed on two owners, not on a third. */
static void
fill_identity(struct report_run *run)
{
	report_run_set_auth(run, "app", "repocast.auth (sync.yaml:7:5)", "4242");
	report_run_add_installation(run, "acme", 1001, 3);
	report_run_add_installation(run, "beta", 1002, 1);
	report_run_add_installation(run, "gamma", 0, 0);
	run->signing.method = xstrdup("ssh");
	run->signing.key = xstrdup("/home/bot/.ssh/id_ed25519");
	run->signing.fingerprint = xstrdup("SHA256:TCTPAEpnHCLIYnBf63FTdmGIJD1AFOtg5noh+BYW0Gw");
	run->signing.from = xstrdup("repocast.commit");
	run->commit_via = COMMIT_API;
}

static void
fill_run(struct report_run *run)
{
	report_run_init(run, "run");
	run->end_us = run->start_us + 2500000;
	run->argv = xcalloc(4, sizeof(*run->argv));
	run->argv[0] = xstrdup("sh");
	run->argv[1] = xstrdup("-c");
	run->argv[2] = xstrdup("echo 'a b'");
	run->config_digest = xstrdup("0123456789abcdef0123456789abcdef01234567");
	run->jobs = 7;
	run->timeout_ms = 90000;
	run->retries = 2;
	run->interrupted = true;
	run->exit_code = 130;
	run->orphans_reaped = 3;
	run->self = (struct rusage_sample){ 11, 12, 13, 14, 15, 16, 17, 18, 19 };
	run->children = (struct rusage_sample){ 21, 22, 23, 24, 25, 26, 27, 28, 29 };
	run->limits.memory = 256u << 20;
	run->limits.processes = 0;         /* null in the report */
	run->limits.cpu_seconds = 600;
	run->limits.open_files = 1024;
	run->limits.max_log = 1u << 20;
	run->limits.mechanism = LIMIT_WATCHDOG;
	fill_shard(run);
	fill_identity(run);
}

static void
add_phase(struct record *r, const char *key, const char *value)
{
	r->phases = xrealloc(r->phases, (r->nphases + 1) * sizeof(*r->phases));
	r->phases[r->nphases].key = xstrdup(key);
	r->phases[r->nphases++].value = xstrdup(value);
}

/* Every field the reader fills, each with a value of its own. */
static void
fill_recs(struct record *recs)
{
	struct record *r;
	uint64_t *u;
	size_t i;

	memset(recs, 0, 4 * sizeof(*recs));
	/* ran, with a RESULT and the command's figures */
	r = &recs[0];
	r->name = xstrdup("acme/api");
	r->outcome = OUTCOME_RAN;
	r->attempts = 1;
	r->pid = 4242;
	r->start_us = 1796300054174248;
	r->end_us = 1796300054197854;
	/* wall_us .. msgs_from_worker are consecutive uint64_t fields: 101, 102, ... */
	for (u = &r->wall_us, i = 0; u <= &r->msgs_from_worker; u++, i++)
		*u = 101 + i;
	add_phase(r, "start", "7");
	add_phase(r, "fetch", "12");
	add_phase(r, "command", "0");
	r->has_result = true;
	r->result.outcome = xstrdup("ran");
	r->result.commit = xstrdup("0123456789abcdef0123456789abcdef01234567");
	r->result.branch = xstrdup("main");
	r->result.diffstat = xstrdup(" a | 1 +");
	r->result.changed = 4;
	r->result.added = 5;
	r->result.deleted = 6;
	r->result.bytes = 7;
	r->result.exit_code = 0;
	r->result.cmd_wall_ms = 8;
	r->result.cmd_utime_us = 9;
	r->result.cmd_stime_us = 10;
	r->result.cmd_maxrss_kib = 11;
	r->log_path = xstrdup("runs/x/targets/acme__api.log");
	r->exit_code = 0;
	r->limit = LIMIT_CGROUP;
	r->job_memory_peak = 123456789;
	r->job_tasks_peak = 17;
	r->log_dropped = 4242;
	/* the command killed by a signal */
	r = &recs[1];
	r->name = xstrdup("acme/crash");
	r->outcome = OUTCOME_FAILED;
	r->cause = CAUSE_SIGNAL;
	r->cause_value = SIGSEGV;
	r->command_failed = true;
	r->error = xstrdup("the command was killed by signal 11");
	r->attempts = 1;
	r->pid = INT_MAX;
	r->wall_us = 300;
	r->exit_code = 1;
	r->has_result = true;
	r->result.outcome = xstrdup("failed");
	r->result.exit_code = -1;
	r->result.term_signal = SIGSEGV;
	/* the worker killed; the skip cache and a PR URL (sync's part) */
	r = &recs[2];
	r->name = xstrdup("acme/sync");
	r->outcome = OUTCOME_TIMED_OUT;
	r->cause = CAUSE_TIMEOUT;
	r->error = xstrdup("no result in 90s");
	r->attempts = 2;
	r->pid = 17;
	r->exit_code = -1;
	r->term_signal = SIGKILL;
	r->sync.group = xstrdup("overlay");
	r->sync.pr_url = xstrdup("http://127.0.0.1:1/acme/sync/pull/1");
	r->sync.pr = PR_UPDATED;
	r->sync.skipped = true;
	{
		struct record_module m = { "pkg/errs", "third_party/errs", "^1.1.0", "v1.2.0",
			"0123456789abcdef0123456789abcdef01234567", "github.com/acme/lib/errs" };
		struct record_module head = { "pkg/log", "pkg/log", "latest", NULL,
			"89abcdef0123456789abcdef0123456789abcdef", NULL };

		record_add_module(r, &m);
		record_add_module(r, &head);
	}
	/* no worker: an error code as cause, outcome not decided */
	r = &recs[3];
	r->name = xstrdup("acme/auth");
	r->outcome = OUTCOME_NONE;
	r->cause = CAUSE_ERROR;
	r->cause_value = ERR_AUTH;
	r->exit_code = -1;
}

static void
json_of(struct buf *b, const struct report_run *run, const struct record *recs, size_t n)
{
	buf_reset(b);
	report_json(b, run, recs, n);
}

static void
assert_rec_eq(const struct record *a, const struct record *b)
{
	size_t i;

	ck_assert_str_eq(a->name, b->name);
	ck_assert_int_eq(a->outcome, b->outcome);
	ck_assert_int_eq(a->cause, b->cause);
	ck_assert_int_eq(a->cause_value, b->cause_value);
	ck_assert_int_eq(a->command_failed, b->command_failed);
	ck_assert_pstr_eq(a->error, b->error);
	ck_assert_int_eq(a->attempts, b->attempts);
	ck_assert_int_eq(a->pid, b->pid);
	ck_assert_uint_eq(a->start_us, b->start_us);
	ck_assert_uint_eq(a->end_us, b->end_us);
	ck_assert_int_eq(memcmp(&a->wall_us, &b->wall_us,
	    (size_t)((const char *)(&a->msgs_from_worker + 1) - (const char *)&a->wall_us)), 0);
	ck_assert_uint_eq(a->nphases, b->nphases);
	for (i = 0; i < a->nphases; i++) {
		ck_assert_str_eq(a->phases[i].key, b->phases[i].key);
		ck_assert_str_eq(a->phases[i].value, b->phases[i].value);
	}
	ck_assert_int_eq(a->has_result, b->has_result);
	ck_assert_pstr_eq(a->result.outcome, b->result.outcome);
	ck_assert_pstr_eq(a->result.commit, b->result.commit);
	ck_assert_pstr_eq(a->result.branch, b->result.branch);
	ck_assert_pstr_eq(a->result.diffstat, b->result.diffstat);
	ck_assert_uint_eq(a->result.changed, b->result.changed);
	ck_assert_uint_eq(a->result.added, b->result.added);
	ck_assert_uint_eq(a->result.deleted, b->result.deleted);
	ck_assert_uint_eq(a->result.bytes, b->result.bytes);
	ck_assert_int_eq(a->result.exit_code, b->result.exit_code);
	ck_assert_int_eq(a->result.term_signal, b->result.term_signal);
	ck_assert_uint_eq(a->result.cmd_wall_ms, b->result.cmd_wall_ms);
	ck_assert_uint_eq(a->result.cmd_utime_us, b->result.cmd_utime_us);
	ck_assert_uint_eq(a->result.cmd_stime_us, b->result.cmd_stime_us);
	ck_assert_uint_eq(a->result.cmd_maxrss_kib, b->result.cmd_maxrss_kib);
	ck_assert_pstr_eq(a->log_path, b->log_path);
	ck_assert_int_eq(a->exit_code, b->exit_code);
	ck_assert_int_eq(a->term_signal, b->term_signal);
	ck_assert_pstr_eq(a->sync.group, b->sync.group);
	ck_assert_pstr_eq(a->sync.pr_url, b->sync.pr_url);
	ck_assert_int_eq(a->sync.pr, b->sync.pr);
	ck_assert_int_eq(a->sync.skipped, b->sync.skipped);
	ck_assert_int_eq(a->limit, b->limit);
	ck_assert_uint_eq(a->job_memory_peak, b->job_memory_peak);
	ck_assert_uint_eq(a->job_tasks_peak, b->job_tasks_peak);
	ck_assert_uint_eq(a->log_dropped, b->log_dropped);
	ck_assert_uint_eq(a->sync.nmodules, b->sync.nmodules);
	for (i = 0; i < a->sync.nmodules; i++) {
		const struct record_module *ma = &a->sync.modules[i], *mb = &b->sync.modules[i];

		ck_assert_str_eq(ma->src, mb->src);
		ck_assert_str_eq(ma->dest, mb->dest);
		ck_assert_str_eq(ma->spec, mb->spec);
		ck_assert_pstr_eq(ma->version, mb->version);
		ck_assert_pstr_eq(ma->commit, mb->commit);
		ck_assert_pstr_eq(ma->module, mb->module);
	}
}

static void
assert_run_eq(const struct report_run *a, const struct report_run *b)
{
	size_t i;

	ck_assert_str_eq(a->id, b->id);
	ck_assert_str_eq(a->command, b->command);
	for (i = 0; a->argv[i] != NULL; i++)
		ck_assert_str_eq(a->argv[i], b->argv[i]);
	ck_assert_ptr_null(b->argv[i]);
	ck_assert_pstr_eq(a->host, b->host);
	ck_assert_pstr_eq(a->kernel, b->kernel);
	ck_assert_pstr_eq(a->config_digest, b->config_digest);
	ck_assert_str_eq(a->v_repocast, b->v_repocast);
	ck_assert_str_eq(a->v_libgit2, b->v_libgit2);
	ck_assert_str_eq(a->v_libcurl, b->v_libcurl);
	ck_assert_str_eq(a->v_msgpack, b->v_msgpack);
	ck_assert_str_eq(a->v_jansson, b->v_jansson);
	ck_assert_str_eq(a->v_libyaml, b->v_libyaml);
	ck_assert_uint_eq(a->start_us, b->start_us);
	ck_assert_uint_eq(a->end_us, b->end_us);
	ck_assert_int_eq(a->jobs, b->jobs);
	ck_assert_uint_eq(a->timeout_ms, b->timeout_ms);
	ck_assert_int_eq(a->retries, b->retries);
	ck_assert_int_eq(a->interrupted, b->interrupted);
	ck_assert_int_eq(a->exit_code, b->exit_code);
	ck_assert_uint_eq(a->orphans_reaped, b->orphans_reaped);
	ck_assert_int_eq(memcmp(&a->self, &b->self, sizeof(a->self)), 0);
	ck_assert_int_eq(memcmp(&a->children, &b->children, sizeof(a->children)), 0);
	ck_assert_uint_eq(a->limits.memory, b->limits.memory);
	ck_assert_uint_eq(a->limits.processes, b->limits.processes);
	ck_assert_uint_eq(a->limits.cpu_seconds, b->limits.cpu_seconds);
	ck_assert_uint_eq(a->limits.open_files, b->limits.open_files);
	ck_assert_uint_eq(a->limits.max_log, b->limits.max_log);
	ck_assert_int_eq(a->limits.mechanism, b->limits.mechanism);
	ck_assert_uint_eq(a->shard_index, b->shard_index);
	ck_assert_uint_eq(a->shard_count, b->shard_count);
	ck_assert_uint_eq(a->ngroups, b->ngroups);
	for (i = 0; i < a->ngroups; i++) {
		ck_assert_str_eq(a->groups[i].id, b->groups[i].id);
		ck_assert_uint_eq(a->groups[i].depends_on.n, b->groups[i].depends_on.n);
	}
	ck_assert_pstr_eq(a->auth_kind, b->auth_kind);
	ck_assert_pstr_eq(a->auth_source, b->auth_source);
	ck_assert_pstr_eq(a->auth_app_id, b->auth_app_id);
	ck_assert_uint_eq(a->ninstallations, b->ninstallations);
	for (i = 0; i < a->ninstallations; i++) {
		ck_assert_str_eq(a->installations[i].owner, b->installations[i].owner);
		ck_assert_uint_eq(a->installations[i].id, b->installations[i].id);
		ck_assert_uint_eq(a->installations[i].tokens, b->installations[i].tokens);
	}
	ck_assert_pstr_eq(a->signing.method, b->signing.method);
	ck_assert_pstr_eq(a->signing.key, b->signing.key);
	ck_assert_pstr_eq(a->signing.fingerprint, b->signing.fingerprint);
	ck_assert_pstr_eq(a->signing.from, b->signing.from);
	ck_assert_int_eq(a->commit_via, b->commit_via);
	ck_assert_int_eq(a->merge == NULL, b->merge == NULL);
	if (a->merge != NULL) {
		ck_assert_uint_eq(a->merge->ndiffer, b->merge->ndiffer);
		for (i = 0; i < a->merge->ndiffer; i++) {
			ck_assert_str_eq(a->merge->differ[i].field, b->merge->differ[i].field);
			ck_assert_uint_eq(a->merge->differ[i].runs.n, b->merge->differ[i].runs.n);
			ck_assert_str_eq(a->merge->differ[i].runs.v[1], b->merge->differ[i].runs.v[1]);
			ck_assert_str_eq(a->merge->differ[i].values.v[1],
			    b->merge->differ[i].values.v[1]);
		}
		ck_assert_uint_eq(a->merge->shards, b->merge->shards);
		ck_assert_uint_eq(a->merge->nmissing, b->merge->nmissing);
		ck_assert_uint_eq(a->merge->missing[1], b->merge->missing[1]);
		ck_assert_uint_eq(a->merge->ncross, b->merge->ncross);
		ck_assert_str_eq(a->merge->cross[0].group, b->merge->cross[0].group);
		ck_assert_str_eq(a->merge->cross[0].ran.v[1], b->merge->cross[0].ran.v[1]);
		ck_assert_uint_eq(a->merge->cross[0].dependency_failed,
		    b->merge->cross[0].dependency_failed);
	}
}

/* ---- the round trip ---- */

START_TEST(test_round_trip)
{
	struct report_run run, back;
	struct record recs[4], *got = NULL;
	struct buf one = BUF_INIT, two = BUF_INIT;
	size_t i, n = 99;

	fill_run(&run);
	fill_recs(recs);
	json_of(&one, &run, recs, 4);
	ck_assert_int_eq(report_parse(&back, &got, &n, one.ptr, one.len, "r.json"), 0);
	ck_assert_uint_eq(n, 4);
	assert_run_eq(&run, &back);
	for (i = 0; i < n; i++)
		assert_rec_eq(&recs[i], &got[i]);
	/* What was read writes the same document: nothing was lost on the way. */
	json_of(&two, &back, got, n);
	ck_assert_str_eq(one.ptr, two.ptr);
	report_records_free(got, n);
	report_run_release(&back);
	for (i = 0; i < 4; i++)
		record_release(&recs[i]);
	report_run_release(&run);
	buf_release(&one);
	buf_release(&two);
}
END_TEST

START_TEST(test_round_trip_empty)
{
	struct report_run run, back;
	struct record *got = (struct record *)&run;
	struct buf one = BUF_INIT, two = BUF_INIT;
	size_t n = 99;

	/* No argv, no config, no targets: [] and null come back as none. */
	report_run_init(&run, "sync");
	json_of(&one, &run, NULL, 0);
	ck_assert_int_eq(report_parse(&back, &got, &n, one.ptr, one.len, "r.json"), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(got);
	ck_assert_ptr_null(back.argv);
	ck_assert_ptr_null(back.config_digest);
	ck_assert_str_eq(back.command, "sync");
	json_of(&two, &back, got, n);
	ck_assert_str_eq(one.ptr, two.ptr);
	report_run_release(&back);
	report_run_release(&run);
	buf_release(&one);
	buf_release(&two);
}
END_TEST

START_TEST(test_round_trip_unnamed_signal)
{
	struct report_run run, back;
	struct record rec, *got;
	struct buf one = BUF_INIT, two = BUF_INIT;
	size_t n;

	/* A real-time signal has no name: the report says "?" and the reader
	 * keeps that as -1, which writes "?" again. The cause keeps the number. */
	report_run_init(&run, "run");
	memset(&rec, 0, sizeof(rec));
	rec.name = (char *)"rt";
	rec.outcome = OUTCOME_FAILED;
	rec.cause = CAUSE_SIGNAL;
	rec.cause_value = SIGRTMIN + 2;
	rec.exit_code = -1;
	rec.term_signal = SIGRTMIN + 2;
	json_of(&one, &run, &rec, 1);
	ck_assert_ptr_nonnull(strstr(one.ptr, "\"worker_signal\": \"?\""));
	ck_assert_int_eq(report_parse(&back, &got, &n, one.ptr, one.len, "r.json"), 0);
	ck_assert_int_eq(got[0].term_signal, -1);
	ck_assert_int_eq(got[0].cause, CAUSE_SIGNAL);
	ck_assert_int_eq(got[0].cause_value, SIGRTMIN + 2);
	json_of(&two, &back, got, n);
	ck_assert_str_eq(one.ptr, two.ptr);
	report_records_free(got, n);
	report_run_release(&back);
	report_run_release(&run);
	buf_release(&one);
	buf_release(&two);
}
END_TEST

/* ---- refusals ---- */

/* Parse text that must be refused: the error names want, nothing is left. */
static void
assert_refused(const char *text, const char *want)
{
	struct report_run run;
	struct record *recs = (struct record *)&run;
	size_t n = 99;

	ck_assert_int_eq(report_parse(&run, &recs, &n, text, strlen(text), "dir/r.json"),
	    ERR_PROTO);
	ck_assert_msg(strstr(err_last(), want) != NULL, "error '%s' lacks '%s'", err_last(), want);
	ck_assert_ptr_null(recs);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(run.id);
	ck_assert_ptr_null(run.command);
}

/* The good document with the member at path ("targets[1].rusage.utime_us")
 * set to v (NULL: removed), as text (caller frees). */
static char *
mutated(const char *path, json_t *v)
{
	struct report_run run;
	struct record recs[4];
	struct buf b = BUF_INIT;
	json_t *doc, *obj;
	char *p, *key, *next, *text;
	size_t i;

	fill_run(&run);
	fill_recs(recs);
	json_of(&b, &run, recs, 4);
	doc = json_loads(b.ptr, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	p = xstrdup(path);
	obj = doc;
	for (key = p; (next = strchr(key, '.')) != NULL; key = next + 1) {
		*next = '\0';
		if (strchr(key, '[') != NULL) {
			*strchr(key, '[') = '\0';
			obj = json_array_get(json_object_get(obj, key),
			    strtoul(key + strlen(key) + 1, NULL, 10));
		} else {
			obj = json_object_get(obj, key);
		}
		ck_assert_ptr_nonnull(obj);
	}
	if (v == NULL)
		ck_assert_int_eq(json_object_del(obj, key), 0);
	else
		ck_assert_int_eq(json_object_set_new(obj, key, v), 0);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	free(p);
	for (i = 0; i < 4; i++)
		record_release(&recs[i]);
	report_run_release(&run);
	buf_release(&b);
	return text;
}

static void
assert_mutation_refused(const char *path, json_t *v, const char *want)
{
	char *text = mutated(path, v);

	assert_refused(text, want);
	free(text);
}

START_TEST(test_schema_refused)
{
	assert_mutation_refused("schema", json_integer(2),
	    "cannot read report 'dir/r.json': it has schema 2, and this repocast reads schema 1");
	assert_mutation_refused("schema", json_integer(0), "it has schema 0");
	assert_mutation_refused("schema", json_string("1"),
	    "cannot read report 'dir/r.json': schema is not an integer");
	assert_mutation_refused("schema", NULL, "schema is missing");
	assert_mutation_refused("tool", json_string("other"), "written by 'other'");
}
END_TEST

START_TEST(test_bad_json)
{
	assert_refused("{\n  \"schema\": 1,\n  x", "dir/r.json:3:3: invalid JSON: ");
	assert_refused("", "dir/r.json:1:0: invalid JSON: ");
	assert_refused("{\"schema\": 1, \"schema\": 1}", "dir/r.json:1:22: invalid JSON: duplicate");
	assert_refused("[1]", "cannot read report 'dir/r.json': not a JSON object");
}
END_TEST

START_TEST(test_bad_fields)
{
	/* Each message names the field's path in the document. */
	assert_mutation_refused("run", NULL, "'dir/r.json': run is missing");
	assert_mutation_refused("run.id", json_null(), "run.id is not a string");
	assert_mutation_refused("run.argv", json_pack("[s,i]", "sh", 1),
	    "run.argv[1] is not a string");
	assert_mutation_refused("run.versions.libgit2", NULL, "run.versions.libgit2 is missing");
	assert_mutation_refused("run.supervisor.utime_us", json_integer(-1),
	    "run.supervisor.utime_us is out of range");
	assert_mutation_refused("run.interrupted", json_integer(1),
	    "run.interrupted is not a boolean");
	assert_mutation_refused("run.jobs", json_real(2.0), "run.jobs is not an integer");
	assert_mutation_refused("targets", json_object(), "targets is not an array");
	assert_mutation_refused("targets[1].name", NULL, "targets[1].name is missing");
	assert_mutation_refused("targets[1].rusage.utime_us", json_string("x"),
	    "targets[1].rusage.utime_us is not an integer");
	assert_mutation_refused("targets[0].io", json_null(), "targets[0].io is not an object");
	assert_mutation_refused("targets[0].phases_ms.fetch", json_string("12"),
	    "targets[0].phases_ms.fetch is not an integer");
	assert_mutation_refused("targets[0].outcome", json_string("bogus"),
	    "targets[0].outcome names no outcome ('bogus')");
	assert_mutation_refused("targets[1].cause", json_string("exit:x"),
	    "targets[1].cause names no cause ('exit:x')");
	assert_mutation_refused("targets[1].cause_source", json_string("moon"),
	    "targets[1].cause_source is not 'command', 'supervisor' or 'worker'");
	assert_mutation_refused("targets[2].worker_signal", json_string("NOPE"),
	    "targets[2].worker_signal names no signal ('NOPE')");
	assert_mutation_refused("targets[0].command.signal", json_integer(9),
	    "targets[0].command.signal is not a string");
	assert_mutation_refused("targets[0].result.changed", json_true(),
	    "targets[0].result.changed is not an integer");
	assert_mutation_refused("targets[3].skipped", NULL, "targets[3].skipped is missing");
	/* --shard's fields: K below N, N in 1..65536, the groups' and the
	 * merge's members typed */
	assert_mutation_refused("run.shard.index", json_integer(5),
	    "run.shard.index is out of range (0 to 4)");
	assert_mutation_refused("run.shard.count", json_integer(0),
	    "run.shard.count is out of range (1 to 65536)");
	assert_mutation_refused("run.shard.count", json_integer(65537),
	    "run.shard.count is out of range (1 to 65536)");
	assert_mutation_refused("run.groups", json_string("base"), "run.groups is not an array");
	assert_mutation_refused("run.groups[1].depends_on", json_pack("[s,i]", "base", 1),
	    "run.groups[1].depends_on[1] is not a string");
	assert_mutation_refused("run.groups[0].id", NULL, "run.groups[0].id is missing");
	assert_mutation_refused("run.merge.missing_shards", json_pack("[i]", 5),
	    "run.merge.missing_shards[0] is not a shard index");
	assert_mutation_refused("run.merge.cross_shard_dependencies[0].ran", json_null(),
	    "run.merge.cross_shard_dependencies[0].ran is not an array");
	assert_mutation_refused("targets[2].group", json_integer(1),
	    "targets[2].group is not a string");
	/* run.auth: a known kind, installations typed, an id null or positive */
	assert_mutation_refused("run.auth.kind", json_string("oauth"),
	    "run.auth.kind is not 'token' or 'app'");
	assert_mutation_refused("run.auth.installations", json_string("acme"),
	    "run.auth.installations is not an array");
	assert_mutation_refused("run.auth.installations[1].owner", NULL,
	    "run.auth.installations[1].owner is missing");
	assert_mutation_refused("run.auth.installations[0].id", json_integer(0),
	    "run.auth.installations[0].id is 0 (null says the App is not installed there)");
	assert_mutation_refused("run.auth.installations[2].tokens", json_integer(-1),
	    "run.auth.installations[2].tokens is out of range");
	assert_mutation_refused("run.merge.disagreements[0].reports[1].value", json_integer(1),
	    "run.merge.disagreements[0].reports[1].value is not a string");
	assert_mutation_refused("run.merge.disagreements", json_object(),
	    "run.merge.disagreements is not an array");
}
END_TEST

START_TEST(test_limits)
{
	struct report_run run;
	struct record *recs;
	size_t n;
	char *text;

	/* pid: 0 and INT_MAX are pids (the round trip has both), INT_MAX + 1 is not. */
	assert_mutation_refused("targets[0].pid", json_integer((json_int_t)INT_MAX + 1),
	    "targets[0].pid is out of range (0 to 2147483647)");
	assert_mutation_refused("targets[0].pid", json_integer(-1), "targets[0].pid is out of range");
	assert_mutation_refused("targets[0].attempts", json_integer((json_int_t)INT_MAX + 1),
	    "targets[0].attempts is out of range");
	/* A u64 field holds what a JSON integer can: up to INT64_MAX. */
	text = mutated("targets[0].rusage.utime_us", json_integer(INT64_MAX));
	ck_assert_int_eq(report_parse(&run, &recs, &n, text, strlen(text), "r.json"), 0);
	ck_assert_uint_eq(recs[0].utime_us, (uint64_t)INT64_MAX);
	report_records_free(recs, n);
	report_run_release(&run);
	free(text);
	/* Unknown fields are ignored, as the schema asks of consumers. */
	text = mutated("targets[0].new_field", json_string("later"));
	ck_assert_int_eq(report_parse(&run, &recs, &n, text, strlen(text), "r.json"), 0);
	report_records_free(recs, n);
	report_run_release(&run);
	free(text);
	/* Reports from before --shard have no shard, groups, merge or group. */
	{
		static const char *const gone[] = { "run.shard", "run.groups", "run.merge",
		    "targets[2].group" };
		size_t k;

		for (k = 0; k < ARRAY_SIZE(gone); k++) {
			text = mutated(gone[k], NULL);
			ck_assert_int_eq(report_parse(&run, &recs, &n, text, strlen(text), "r.json"),
			    0);
			ck_assert_uint_eq(k == 0 ? run.shard_count : k == 1 ? run.ngroups :
			    k == 2 ? (run.merge == NULL ? 0 : 1) : (recs[2].sync.group != NULL), 0);
			report_records_free(recs, n);
			report_run_release(&run);
			free(text);
		}
	}
	/* "command" is written only for a run's command: absent is fine. */
	text = mutated("targets[0].command", NULL);
	ck_assert_int_eq(report_parse(&run, &recs, &n, text, strlen(text), "r.json"), 0);
	ck_assert_uint_eq(recs[0].result.cmd_wall_ms, 0);
	report_records_free(recs, n);
	report_run_release(&run);
	free(text);
}
END_TEST

/* ---- causes ---- */

START_TEST(test_cause_parse)
{
	static const struct {
		const char *s;
		enum record_cause cause;
		int value;
	} ok[] = {
		{ "exit:3", CAUSE_EXIT, 3 },
		{ "exit:0", CAUSE_EXIT, 0 },
		{ "exit:-1", CAUSE_EXIT, -1 },
		{ "signal:KILL", CAUSE_SIGNAL, SIGKILL },
		{ "signal:SEGV", CAUSE_SIGNAL, SIGSEGV },
		{ "signal:40", CAUSE_SIGNAL, 40 },
		{ "timeout", CAUSE_TIMEOUT, 0 },
		{ "protocol", CAUSE_PROTOCOL, 0 },
		{ "spawn", CAUSE_SPAWN, 0 },
		{ "memory", CAUSE_MEMORY, 0 },
		{ "cancelled", CAUSE_CANCELLED, 0 },
		{ "dependency", CAUSE_DEPENDENCY, 0 },
		{ "plugin", CAUSE_PLUGIN, 0 },
		{ "pr", CAUSE_PR, 0 },
		{ "hostile_tree", CAUSE_HOSTILE_TREE, 0 },
		{ "hostile_symlink", CAUSE_HOSTILE_SYMLINK, 0 },
		{ "too_large", CAUSE_TOO_LARGE, 0 },
		{ "version", CAUSE_VERSION, 0 },
		{ "signing", CAUSE_SIGNING, 0 },
		{ "api_commit_limit", CAUSE_API_COMMIT_LIMIT, 0 },
		{ "auth", CAUSE_ERROR, ERR_AUTH },
		{ "network", CAUSE_ERROR, ERR_NET },
		{ "notfound", CAUSE_ERROR, ERR_NOTFOUND },
		{ "error", CAUSE_ERROR, ERR_FAIL },
	};
	static const char *const bad[] = {
		"", "exit:", "exit:x", "exit:3x", "exit: 3", "signal:", "signal:NOPE", "signal:0",
		"signal:65", "signal:?", "bogus", "Timeout",
	};
	enum record_cause cause;
	char buf[RECORD_CAUSE_MAX];
	struct record r;
	size_t i;
	int value;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		cause = CAUSE_NONE;
		value = 12345;
		ck_assert_msg(report_cause_parse(&cause, &value, ok[i].s) == 0, "%s", ok[i].s);
		ck_assert_int_eq(cause, ok[i].cause);
		ck_assert_int_eq(value, ok[i].value);
		/* and the name it came from again */
		memset(&r, 0, sizeof(r));
		r.cause = cause;
		r.cause_value = value;
		ck_assert_str_eq(record_cause_name(buf, &r), ok[i].s);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(report_cause_parse(&cause, &value, bad[i]) == ERR_NOTFOUND, "'%s'",
		    bad[i]);
		ck_assert_ptr_nonnull(strstr(err_last(), "names no cause"));
	}
}
END_TEST

/* ---- RUN names ---- */

static void
write_report(const char *dir, const char *id, const struct record *recs, size_t n)
{
	struct report_run run;
	char *d = xasprintf("%s/%s", dir, id), *p = xasprintf("%s/report.json", d);

	ck_assert_int_eq(util_mkdirs(d, 0755), 0);
	report_run_init(&run, "run");
	free(run.id);
	run.id = xstrdup(id);
	{
		const struct report_in in = { &run, recs, n, d };

		ck_assert_int_eq(report_write_format(&in, REPORT_JSON, p), 0);
	}
	report_run_release(&run);
	free(p);
	free(d);
}

/* Set the mtime of dir/id/report.json to sec. */
static void
set_mtime(const char *dir, const char *id, time_t sec)
{
	struct timespec ts[2] = { { sec, 0 }, { sec, 0 } };
	char *p = xasprintf("%s/%s/report.json", dir, id);

	ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
}

static void
assert_resolves(const char *dir, const char *run, const char *want)
{
	char *path = NULL;

	ck_assert_msg(report_resolve(&path, dir, run) == 0, "%s: %s", run, err_last());
	ck_assert_str_eq(path, want);
	free(path);
}

static void
assert_not_resolved(const char *dir, const char *run, const char *want)
{
	char *path = (char *)"x";

	ck_assert_int_eq(report_resolve(&path, dir, run), ERR_NOTFOUND);
	ck_assert_ptr_null(path);
	ck_assert_msg(strstr(err_last(), want) != NULL, "error '%s' lacks '%s'", err_last(), want);
}

START_TEST(test_resolve)
{
	char *base, *runs, *p, *q;

	ck_assert_int_eq(tmpdir_make(&base, "repocast-read-"), 0);
	runs = xasprintf("%s/runs", base);
	write_report(runs, "20260101T000000Z-5", NULL, 0);
	write_report(runs, "20260102T000000Z-3", NULL, 0);
	/* not runs: no report.json yet, a name that is no id */
	p = xasprintf("%s/20260103T000000Z-1", runs);
	ck_assert_int_eq(util_mkdirs(p, 0755), 0);
	free(p);
	write_report(runs, "zzz", NULL, 0);
	set_mtime(runs, "zzz", 2000000000);
	set_mtime(runs, "20260101T000000Z-5", 1900000000);
	set_mtime(runs, "20260102T000000Z-3", 1800000000);

	/* the greatest time in the id, whatever the files' times */
	q = xasprintf("%s/20260102T000000Z-3/report.json", runs);
	assert_resolves(runs, "last", q);
	free(q);
	q = xasprintf("%s/20260101T000000Z-5/report.json", runs);
	assert_resolves(runs, "20260101T000000Z-5", q);
	free(q);
	/* a run directory, a report.json, by path */
	q = xasprintf("%s/zzz/report.json", runs);
	p = xasprintf("%s/zzz", runs);
	assert_resolves(NULL, p, q);
	assert_resolves(runs, q, q);
	free(p);
	p = xasprintf("%s/zzz/", runs);
	assert_resolves(runs, p, q);
	free(p);
	free(q);
	assert_not_resolved(runs, "20260104T000000Z-1",
	    "no run '20260104T000000Z-1' in '");
	p = xasprintf("%s/20260103T000000Z-1", runs);
	assert_not_resolved(runs, p, "no report.json in '");
	free(p);
	assert_not_resolved(base, "last", "no run with a report.json in '");
	p = xasprintf("%s/none", base);
	assert_not_resolved(p, "last", "cannot open report directory '");
	free(p);

	/* Two runs in one second: the newer report.json, not the greater pid. */
	write_report(base, "20260105T000000Z-9", NULL, 0);
	write_report(base, "20260105T000000Z-10", NULL, 0);
	set_mtime(base, "20260105T000000Z-9", 1800000000);
	set_mtime(base, "20260105T000000Z-10", 1800000001);
	q = xasprintf("%s/20260105T000000Z-10/report.json", base);
	assert_resolves(base, "last", q);
	free(q);
	set_mtime(base, "20260105T000000Z-9", 1800000002);
	q = xasprintf("%s/20260105T000000Z-9/report.json", base);
	assert_resolves(base, "last", q);
	free(q);

	tmpdir_remove(base);
	free(runs);
	free(base);
}
END_TEST

START_TEST(test_read_file)
{
	struct report_run run;
	struct record *recs = (struct record *)&run;
	char *base, *p;
	size_t n = 99;
	FILE *f;

	ck_assert_int_eq(tmpdir_make(&base, "repocast-read-"), 0);
	p = xasprintf("%s/missing.json", base);
	ck_assert_int_eq(report_read(&run, &recs, &n, p), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "missing.json"));
	ck_assert_ptr_null(recs);
	ck_assert_uint_eq(n, 0);
	free(p);
	/* A file's messages name the file. */
	p = xasprintf("%s/bad.json", base);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs("{\"schema\": 1,\n\"tool\": }\n", f);
	fclose(f);
	ck_assert_int_eq(report_read(&run, &recs, &n, p), ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(err_last(), "bad.json:2:9: invalid JSON"));
	free(p);
	tmpdir_remove(base);
	free(base);
}
END_TEST

START_TEST(test_failed_names)
{
	struct record recs[4];
	struct strv names = { NULL, 0 };
	char *base;
	size_t i;

	fill_recs(recs);
	ck_assert_int_eq(tmpdir_make(&base, "repocast-read-"), 0);
	write_report(base, "20260101T000000Z-1", recs, 4);
	strv_add(&names, "kept");
	ck_assert_int_eq(report_failed_names(&names, base, "last"), 0);
	ck_assert_uint_eq(names.n, 4);
	ck_assert_str_eq(names.v[0], "kept");
	ck_assert_str_eq(names.v[1], "acme/crash");
	ck_assert_str_eq(names.v[2], "acme/sync");
	ck_assert_str_eq(names.v[3], "acme/auth");
	/* An error leaves the list as it was. */
	ck_assert_int_eq(report_failed_names(&names, base, "20990101T000000Z-1"), ERR_NOTFOUND);
	ck_assert_uint_eq(names.n, 4);
	strv_release(&names);
	tmpdir_remove(base);
	free(base);
	for (i = 0; i < 4; i++)
		record_release(&recs[i]);
}
END_TEST

Suite *
read_suite(void)
{
	Suite *s = suite_create("read");
	TCase *tc;

	tc = tcase_create("round trip");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_empty);
	tcase_add_test(tc, test_round_trip_unnamed_signal);
	suite_add_tcase(s, tc);
	tc = tcase_create("refusals");
	tcase_add_test(tc, test_schema_refused);
	tcase_add_test(tc, test_bad_json);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("causes");
	tcase_add_test(tc, test_cause_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("runs");
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_failed_names);
	suite_add_tcase(s, tc);
	return s;
}
