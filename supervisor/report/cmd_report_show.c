/*
 * cmd_report_show — `repocast report show RUN`: the run's command, start
 * and wall time, identity, shards, its targets by outcome, the failed ones
 * with their cause and the top CPU, memory and wall time users; with
 * --json the report itself (cmd_report_internal.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/report/cmd_report_internal.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

/* Rows of each "top" list of show. */
#define TOP_N 5

static const struct opt_spec show_opts[] = {
	{ ROPT_REPORTDIR, 0, "report-dir", true },
	{ ROPT_JSON, 0, "json", false },
};

/* ---- text helpers ---- */

static const char *
fmt_time(char *b, size_t n, uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(b, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return b;
}

/* A shell word for an argument, quoted when it needs to be. */
static void
add_word(struct buf *b, const char *s)
{
	const char *p;

	if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_./=:,+@%") == strlen(s)) {
		buf_addstr(b, s);
		return;
	}
	buf_addch(b, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addch(b, *p);
	}
	buf_addch(b, '\'');
}

/* ---- show ---- */

/* A merged run: its shards, those missing, the cross-shard dependencies. */
static void
show_merge(struct buf *b, const struct report_merge *m)
{
	size_t i, j;

	for (i = 0; m != NULL && i < m->ndiffer; i++) {
		buf_addf(b, "differs   run.%s:", m->differ[i].field);
		for (j = 0; j < m->differ[i].runs.n; j++)
			buf_addf(b, "%s %s: %s", j ? ";" : "", m->differ[i].runs.v[j],
			    m->differ[i].values.v[j]);
		buf_addch(b, '\n');
	}
	if (m == NULL || m->shards == 0)
		return;
	buf_addf(b, "shards    %u merged", m->shards - (unsigned)m->nmissing);
	for (i = 0; i < m->nmissing; i++)
		buf_addf(b, "%s%u", i ? ", " : "; missing: shard ", m->missing[i]);
	buf_addf(b, " (of %u)\n", m->shards);
	for (i = 0; i < m->ncross; i++) {
		buf_addf(b, "depends   group '%s' ran %zu target%s while '%s' had %llu failed "
		    "in another shard:", m->cross[i].group, m->cross[i].ran.n,
		    m->cross[i].ran.n == 1 ? "" : "s", m->cross[i].dependency,
		    (unsigned long long)m->cross[i].dependency_failed);
		for (j = 0; j < m->cross[i].ran.n; j++)
			buf_addf(b, "%s %s", j ? "," : "", m->cross[i].ran.v[j]);
		buf_addch(b, '\n');
	}
}

/* Who the run was (never a secret), how it signed, how its commits went. */
static void
show_identity(struct buf *b, const struct report_run *r)
{
	const char *via = record_commit_name(r->commit_via);
	size_t i;

	if (r->auth_kind != NULL) {
		if (strcmp(r->auth_kind, "app") == 0)
			buf_addf(b, "identity  GitHub App %s", r->auth_app_id ? r->auth_app_id : "?");
		else
			buf_addstr(b, "identity  token");
		if (r->auth_source != NULL)
			buf_addf(b, " from %s", r->auth_source);
		for (i = 0; i < r->ninstallations; i++) {
			buf_addf(b, "%s%s ", i ? ", " : "; installations ", r->installations[i].owner);
			if (r->installations[i].id == 0)
				buf_addstr(b, "not installed");
			else
				buf_addf(b, "%llu", (unsigned long long)r->installations[i].id);
		}
		buf_addch(b, '\n');
	}
	if (r->signing.method != NULL) {
		buf_addf(b, "signing   %s", r->signing.method);
		if (r->signing.fingerprint != NULL)
			buf_addf(b, " %s", r->signing.fingerprint);
		if (r->signing.key != NULL)
			buf_addf(b, ", key %s", r->signing.key);
		if (r->signing.from != NULL)
			buf_addf(b, ", from %s", r->signing.from);
		buf_addch(b, '\n');
	}
	if (via != NULL)
		buf_addf(b, "commits   %s\n", via);
}

static void
show_header(struct buf *b, const struct loaded *l)
{
	const struct report_run *r = &l->run;
	char t[40], w[32];
	size_t i;

	buf_addf(b, "run       %s\n", r->id);
	buf_addf(b, "report    %s\n", l->path);
	buf_addf(b, "command   %s", r->command);
	for (i = 0; r->argv != NULL && r->argv[i] != NULL; i++) {
		buf_addstr(b, i == 0 ? ": " : " ");
		add_word(b, r->argv[i]);
	}
	buf_addch(b, '\n');
	if (r->config_digest != NULL)
		buf_addf(b, "config    %s\n", r->config_digest);
	buf_addf(b, "start     %s on %s\n", fmt_time(t, sizeof(t), r->start_us),
	    r->host != NULL ? r->host : "?");
	buf_addf(b, "wall      %s, exit %d%s\n", cmd_report_fmt_us(w, sizeof(w),
	    r->end_us > r->start_us ? r->end_us - r->start_us : 0), r->exit_code,
	    r->interrupted ? ", interrupted" : "");
	if (r->shard_count > 0)
		buf_addf(b, "shard     %u/%u\n", r->shard_index, r->shard_count);
	show_identity(b, r);
	show_merge(b, r->merge);
}

static void
show_outcomes(struct buf *b, const struct loaded *l)
{
	size_t count[OUTCOME_UNCHANGED + 1] = { 0 };  /* the last outcome */
	size_t i;
	bool first = true;

	for (i = 0; i < l->n; i++)
		if ((size_t)l->recs[i].outcome < ARRAY_SIZE(count))
			count[l->recs[i].outcome]++;
	buf_addf(b, "targets   %zu", l->n);
	for (i = 0; i < ARRAY_SIZE(count); i++) {
		if (count[i] == 0)
			continue;
		buf_addf(b, "%s%zu %s", first ? ": " : ", ", count[i],
		    i == OUTCOME_NONE ? "unknown" : record_outcome_name((enum record_outcome)i));
		first = false;
	}
	buf_addch(b, '\n');
}

static void
show_failed(struct buf *b, const struct loaded *l, int width)
{
	char cause[RECORD_CAUSE_MAX];
	size_t i, nfailed = 0;

	for (i = 0; i < l->n; i++)
		nfailed += record_failed(&l->recs[i]);
	if (nfailed > 0)
		buf_addf(b, "\nfailed (%zu)\n", nfailed);
	for (i = 0; i < l->n; i++) {
		const struct record *r = &l->recs[i];

		if (!record_failed(r))
			continue;
		buf_addf(b, "  %-*s  %s (%s)%s%s\n", width, r->name, record_cause_name(cause, r),
		    r->command_failed ? "command" : "worker", r->error != NULL ? ": " : "",
		    r->error != NULL ? r->error : "");
	}
}
/* What show ranks the targets by (qsort_r's argument). */
struct rank {
	uint64_t (*metric)(const struct record *r);
};

static int
cmp_rank(const void *a, const void *b, void *arg)
{
	const struct rank *rank = arg;
	const struct record *x = *(const struct record *const *)a;
	const struct record *y = *(const struct record *const *)b;
	uint64_t mx = rank->metric(x), my = rank->metric(y);

	if (mx != my)
		return mx < my ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The TOP_N targets whose worker ran, by metric, largest first. */
static void
show_top(struct buf *b, const struct loaded *l, int width, const char *title,
    uint64_t (*metric)(const struct record *r), bool kib)
{
	const struct record **v = xcalloc(l->n ? l->n : 1, sizeof(*v));
	struct rank rank = { metric };
	size_t i, m = 0;
	char s[32];

	for (i = 0; i < l->n; i++)
		if (l->recs[i].pid != 0)
			v[m++] = &l->recs[i];
	qsort_r(v, m, sizeof(*v), cmp_rank, &rank);
	if (m > 0)
		buf_addf(b, "\n%s\n", title);
	for (i = 0; i < m && i < TOP_N; i++)
		buf_addf(b, "  %-*s  %s\n", width, v[i]->name, kib ?
		    report_fmt_kib(s, sizeof(s), metric(v[i])) :
		    cmd_report_fmt_us(s, sizeof(s), metric(v[i])));
	free(v);
}

static void
show_text(struct buf *b, const struct loaded *l)
{
	int width = cmd_report_name_width(l->recs, l->n);

	show_header(b, l);
	show_outcomes(b, l);
	show_failed(b, l, width);
	show_top(b, l, width, "top CPU (user+system)", m_cpu, false);
	show_top(b, l, width, "top peak memory (worker VmHWM)", m_mem, true);
	show_top(b, l, width, "slowest (wall)", m_wall, false);
}

int
cmd_report_show(int argc, char **argv)
{
	static const struct sub sub = { show_opts, ARRAY_SIZE(show_opts), SHOW_USAGE };
	struct opts o;
	struct loaded l;
	struct buf b = BUF_INIT;
	int rc, status;

	memset(&l, 0, sizeof(l));
	if ((status = cmd_report_sub_opts(&o, &sub, argc, argv)) >= 0)
		goto out;
	status = EXIT_OK;
	if (o.npos != 1) {
		cmd_usage_error(SHOW_USAGE, "report", "'report show' takes one RUN");
		status = EXIT_USAGE;
		goto out;
	}
	if ((rc = cmd_report_load(&l, o.report_dir, o.pos[0])) < 0) {
		status = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	/* The document itself, read and checked: fields this build does not
	 * know are kept. */
	if (o.json)
		rc = buf_read_file(&b, l.path);
	else
		show_text(&b, &l);
	if (rc < 0) {
		status = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	fwrite(b.ptr, 1, b.len, stdout);
out:
	buf_release(&b);
	cmd_report_loaded_release(&l);
	free(o.pos);
	return status;
}
