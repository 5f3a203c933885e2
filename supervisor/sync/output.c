/*
 * sync_output — what a sync run shows: a progress line per finished
 * target on stderr, then on stdout the dry-run changes, the summary
 * table (or one JSON document with --json); and report.json, written by
 * the report module with each record's skip-cache flag set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/util.h"
#include "supervisor/sync/internal.h"

/*
 * A target is done: the status line moves on; a failure gets a line of
 * its own above it. Without a status line, every target gets its line.
 */
void
sync_progress(struct sync_run *r, const struct sync_target *t)
{
	struct progress *p = &r->prog;
	const struct record *rec = &t->rec;
	const char *outcome = record_outcome_name(rec->outcome);
	char cause[RECORD_CAUSE_MAX];
	bool failed = record_failed(rec);

	progress_finished(p, failed);
	if (outcome == NULL)
		outcome = "?";
	if (r->o.status)
		return;        /* status prints its table at the end */
	if (!p->status)
		progress_line(p, "[%zu/%zu] %s %s (%llu ms)%s%s", p->done, p->total,
		    t->target->repo, outcome, (unsigned long long)(rec->wall_us / 1000),
		    rec->error ? ": " : "", rec->error ? rec->error : "");
	else if (failed)
		progress_line(p, "%sFAIL%s %s: %s%s%s", progress_red(p), progress_plain(p),
		    t->target->repo, record_cause_name(cause, rec), rec->error ? ": " : "",
		    rec->error ? rec->error : "");
}

void
sync_progress_decided(struct sync_run *r, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (r->t[i].skip && r->t[i].has_rec)
			sync_progress(r, &r->t[i]);
}

void
sync_print_dry(const struct sync_target *t)
{
	const struct msg_result *res = &t->rec.result;
	size_t i;

	if (t->rec.outcome != OUTCOME_DRY_RUN)
		return;
	printf("== %s: would push %s to '%s' (+%llu ~%llu -%llu)\n", t->target->repo,
	    res->commit ? res->commit : "", res->branch ? res->branch : "",
	    (unsigned long long)res->added, (unsigned long long)res->changed,
	    (unsigned long long)res->deleted);
	for (i = 0; i < t->rec.sync.nmodules; i++) {
		const struct record_module *m = &t->rec.sync.modules[i];

		printf("   module %s -> %s: %s at %s (%.12s)\n", m->src, m->dest, m->spec,
		    m->version ? m->version : "the branch head", m->commit ? m->commit : "");
	}
	if (res->diffstat != NULL)
		fputs(res->diffstat, stdout);
	if (res->diff != NULL)
		fputs(res->diff, stdout);
}

/* A target's module directories for --json: [{dir, dest, spec, version, commit}]. */
static json_t *
sync_modules_json(const struct record *rec)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < rec->sync.nmodules; i++) {
		const struct record_module *m = &rec->sync.modules[i];

		json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:o}",
		    "dir", report_json_string(m->src), "dest", report_json_string(m->dest),
		    "spec", report_json_string(m->spec), "version", report_json_string(m->version),
		    "commit", report_json_string(m->commit)));
	}
	return a;
}

void
sync_summary(struct sync_run *r, const char *report_path)
{
	size_t i, w = 6;

	for (i = 0; i < r->nt; i++)
		if (strlen(r->t[i].target->repo) > w)
			w = strlen(r->t[i].target->repo);
	/* The counts are the PR's whole change against the base branch (what
	 * GitHub shows on the PR), not this push's change to the sync branch. */
	printf("%-*s  %-15s  %-14s  %7s  %s\n", (int)w, "TARGET", "OUTCOME", "VS BASE +/~/-",
	    "WALL", "DETAIL");
	for (i = 0; i < r->nt; i++) {
		const struct sync_target *t = &r->t[i];
		const struct record *rec = &t->rec;
		const struct msg_result *res = &rec->result;
		char files[64] = "-", cause[RECORD_CAUSE_MAX];
		const char *detail = "", *outcome = record_outcome_name(rec->outcome);

		if (rec->has_result)
			snprintf(files, sizeof(files), "%llu/%llu/%llu",
			    (unsigned long long)res->added, (unsigned long long)res->changed,
			    (unsigned long long)res->deleted);
		if (record_failed(rec))
			detail = rec->error ? rec->error : record_cause_name(cause, rec);
		else if (rec->sync.pr_url != NULL && rec->sync.pr != PR_CLOSED)
			detail = rec->sync.pr_url;
		else if (rec->has_result && res->branch != NULL)
			detail = res->branch;
		printf("%-*s  %-15s  %-14s  %5llums  %s%s%s%s%s\n", (int)w, t->target->repo,
		    outcome ? outcome : "?", files,
		    (unsigned long long)(rec->wall_us / 1000), detail,
		    t->pr_created ? " (new PR)" : t->pr_updated ? " (PR updated)" : "",
		    t->cached ? " (cached: unchanged since the last run, no worker)" : "",
		    t->note ? "; " : "", t->note ? t->note : "");
	}
	if (r->nskipped > 0)
		printf("%zu target%s: %zu failed, %zu skipped, %.1f s\n", r->nt, r->nt == 1 ? "" : "s",
		    r->failed - r->nskipped, r->nskipped, (double)(util_now_ms() - r->t0) / 1000.0);
	else
		printf("%zu target%s: %zu failed, %.1f s\n", r->nt, r->nt == 1 ? "" : "s", r->failed,
		    (double)(util_now_ms() - r->t0) / 1000.0);
	if (report_path != NULL)
		printf("report: %s\n", report_path);
}

void
sync_print_json(struct sync_run *r, const char *report_path)
{
	json_t *targets = json_array(), *doc;
	size_t i;

	for (i = 0; i < r->nt; i++) {
		const struct sync_target *t = &r->t[i];
		const struct msg_result *res = &t->rec.result;
		bool has = t->rec.has_result;
		char cause[RECORD_CAUSE_MAX];

		json_array_append_new(targets, json_pack(
		    "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:I}",
		    "repo", report_json_string(t->target->repo),
		    "outcome", report_json_string(record_outcome_name(t->rec.outcome)),
		    "cause", report_json_string(record_cause_name(cause, &t->rec)),
		    "error", report_json_string(t->rec.error),
		    "commit", report_json_string(has ? res->commit : NULL),
		    "branch", report_json_string(has ? res->branch : NULL),
		    "pr_url", report_json_string(t->rec.sync.pr_url),
		    "diffstat", report_json_string(has ? res->diffstat : NULL),
		    "diff", report_json_string(has ? res->diff : NULL),
		    "added", (json_int_t)res->added, "changed", (json_int_t)res->changed,
		    "deleted", (json_int_t)res->deleted,
		    "wall_ms", (json_int_t)(t->rec.wall_us / 1000)));
		json_object_set_new(json_array_get(targets, i), "pr_draft",
		    json_boolean(t->pr_draft));
		json_object_set_new(json_array_get(targets, i), "note",
		    report_json_string(t->note));
		if (t->rec.sync.nmodules > 0)
			json_object_set_new(json_array_get(targets, i), "modules",
			    sync_modules_json(&t->rec));
	}
	doc = json_pack("{s:o,s:o}", "report", report_json_string(report_path),
	    "targets", targets);
	if (doc == NULL || json_dumpf(doc, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
		BUG("sync: cannot print the JSON summary");
	putchar('\n');
	json_decref(doc);
}

int
sync_write_report(struct sync_run *r, struct report_run *run,
    struct record *recs, const char *dir)
{
	const struct report_in in = { run, recs, r->nt, dir };
	unsigned mask = r->o.report_formats;
	size_t i;
	int rc;

	for (i = 0; i < r->nt; i++)
		recs[i].sync.skipped = r->t[i].cached;
	if (r->api != NULL) {
		const struct api_stats *st = api_get_stats(r->api);

		run->api_requests = st->requests;
		run->api_not_modified = st->not_modified;
		run->api_rate_limited = st->rate_limited;
		run->api_waited_ms = st->waited_ms;
	}
	/* The config's names were checked when it was read. */
	if (mask == 0 && (rc = report_formats_from(&mask, &r->cfg->rc.report_formats)) < 0)
		return rc;
	rc = report_write(&in, mask);
	if (r->o.metrics_file != NULL) {
		int m = report_write_format(&in, REPORT_PROM, r->o.metrics_file);

		if (rc == 0)
			rc = m;
	}
	return rc;
}
