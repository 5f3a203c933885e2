/*
 * html_identity — who the run was and how it committed (run.auth,
 * run.signing, run.commit_via: names, ids and fingerprints, never a token
 * or a key), and the Shards section of a run written by report merge: both
 * show a field the merged reports disagree on as each report's value.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "shared/buf.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/report.h"

/* The merged reports' disagreement on field (run.merge), or NULL. */
static const struct report_disagreement *
differ_of(const struct report_run *run, const char *field)
{
	size_t i;

	for (i = 0; run->merge != NULL && i < run->merge->ndiffer; i++)
		if (strcmp(run->merge->differ[i].field, field) == 0)
			return &run->merge->differ[i];
	return NULL;
}

/* "run: <code>value</code>; ..." for each merged run of d. */
static void
differ_values(struct buf *o, const struct report_disagreement *d)
{
	size_t i;

	for (i = 0; i < d->runs.n; i++) {
		buf_addstr(o, i ? "; " : "");
		esc(o, d->runs.v[i]);
		buf_addstr(o, ": <code>");
		esc(o, d->values.v[i]);
		buf_addstr(o, "</code>");
	}
}

/* A field the merged reports disagree on: each report's value. */
static void
differ_cell(struct buf *o, const struct report_disagreement *d)
{
	buf_addstr(o, "<td><b>differs between the merged reports:</b> ");
	differ_values(o, d);
	buf_addstr(o, "</td>");
}

/* Who the run was on the API (run.auth): never a token, the App's id. */
static void
identity_cell(struct buf *o, const struct report_run *run)
{
	const struct report_disagreement *d = differ_of(run, "auth");
	size_t i;

	if (d != NULL) {
		differ_cell(o, d);
		return;
	}
	buf_addstr(o, "<td>");
	if (run->auth_kind == NULL) {
		buf_addstr(o, "none recorded (no API token was used)");
	} else if (strcmp(run->auth_kind, "app") == 0) {
		buf_addstr(o, "GitHub App <b>");
		esc(o, run->auth_app_id != NULL ? run->auth_app_id : "?");
		buf_addstr(o, "</b>");
	} else {
		buf_addstr(o, "token");
	}
	if (run->auth_kind != NULL && run->auth_source != NULL) {
		buf_addstr(o, " from <code>");
		esc(o, run->auth_source);
		buf_addstr(o, "</code>");
	}
	for (i = 0; i < run->ninstallations; i++) {
		const struct report_installation *in = &run->installations[i];

		buf_addstr(o, i ? ", " : "; installations: ");
		esc(o, in->owner);
		if (in->id == 0)
			buf_addstr(o, " <b>not installed</b>");
		else
			buf_addf(o, " %" PRIu64, in->id);
		buf_addf(o, " (%u token%s)", in->tokens, in->tokens == 1 ? "" : "s");
	}
	buf_addstr(o, "</td>");
}

/* How the run signed its commits (run.signing): the key's name and fingerprint. */
static void
signing_cell(struct buf *o, const struct report_run *run)
{
	const struct report_disagreement *d = differ_of(run, "signing");

	if (d != NULL) {
		differ_cell(o, d);
		return;
	}
	if (run->signing.method == NULL) {
		buf_addstr(o, "<td>unsigned</td>");
		return;
	}
	buf_addstr(o, "<td><b>");
	esc(o, run->signing.method);
	buf_addstr(o, "</b>");
	if (run->signing.key != NULL) {
		buf_addstr(o, ", key <code>");
		esc(o, run->signing.key);
		buf_addstr(o, "</code>");
	}
	if (run->signing.fingerprint != NULL) {
		buf_addstr(o, ", fingerprint <code>");
		esc(o, run->signing.fingerprint);
		buf_addstr(o, "</code>");
	}
	if (run->signing.from != NULL) {
		buf_addstr(o, ", from ");
		esc(o, run->signing.from);
	}
	buf_addstr(o, "</td>");
}

/* How the run's commits reach their targets (run.commit_via). */
static void
via_cell(struct buf *o, const struct report_run *run)
{
	const struct report_disagreement *d = differ_of(run, "commit_via");

	if (d != NULL)
		differ_cell(o, d);
	else if (run->commit_via == COMMIT_PUSH)
		buf_addstr(o, "<td><b>push</b>: each worker's git push</td>");
	else if (run->commit_via == COMMIT_API)
		buf_addstr(o, "<td><b>api</b>: the Git Data API, by the supervisor</td>");
	else
		buf_addstr(o, "<td>none: the run commits nothing (a dry run, <code>status</code>, "
		    "<code>run --no-pr</code>)</td>");
}

void
html_identity_table(struct buf *o, const struct report_run *run)
{
	buf_addstr(o, "<h3 style=\"margin-top:14px\">Identity and commits</h3>\n"
	    "<table id=\"identity\" style=\"max-width:960px\">\n<tr><th>identity</th>");
	identity_cell(o, run);
	buf_addstr(o, "</tr>\n<tr><th>signing</th>");
	signing_cell(o, run);
	buf_addstr(o, "</tr>\n<tr><th>commit path</th>");
	via_cell(o, run);
	buf_addstr(o, "</tr>\n</table>\n");
}

/* A merged run's missing shards and cross-shard dependencies
 * (docs/scale-out.md); nothing for any other run. */
void
html_section_shards(struct page *p)
{
	const struct report_merge *m = p->run->merge;
	struct buf *o = p->out;
	size_t i, j;

	if (m == NULL || (m->nmissing == 0 && m->ncross == 0 && m->ndiffer == 0))
		return;
	buf_addstr(o, "<section id=\"shards\">\n<h2>Shards</h2>\n<ul>\n");
	for (i = 0; i < m->nmissing; i++)
		buf_addf(o, "<li><b>Missing:</b> shard %u/%u has no report: its targets are not in "
		    "this run.</li>\n", m->missing[i], m->shards);
	for (i = 0; i < m->ncross; i++) {
		const struct report_cross_dep *x = &m->cross[i];

		buf_addstr(o, "<li><b>Dependency across shards:</b> group <code>");
		esc(o, x->group);
		buf_addf(o, "</code> ran %zu target%s while its dependency <code>", x->ran.n,
		    x->ran.n == 1 ? "" : "s");
		esc(o, x->dependency);
		buf_addf(o, "</code> had %" PRIu64 " failed target%s in another shard:",
		    x->dependency_failed, x->dependency_failed == 1 ? "" : "s");
		for (j = 0; j < x->ran.n; j++) {
			buf_addstr(o, j ? ", " : " ");
			esc(o, x->ran.v[j]);
		}
		buf_addstr(o, "</li>\n");
	}
	for (i = 0; i < m->ndiffer; i++) {
		const struct report_disagreement *d = &m->differ[i];

		buf_addstr(o, "<li><b>Disagreement:</b> the merged reports differ on <code>run.");
		esc(o, d->field);
		buf_addstr(o, "</code>, which this run leaves null: ");
		differ_values(o, d);
		buf_addstr(o, "</li>\n");
	}
	buf_addstr(o, "</ul>\n<p class=\"src\">From report merge: each target's record is as its "
	    "shard wrote it.</p>\n</section>\n");
}
