/*
 * cmd_status — `repocast status`: a sync dry run (cmd_sync.c's sync_main with
 * o.status) that writes nothing and prints, per group and target, what a
 * sync would find: synced, pending (its open sync PR carries the source),
 * outdated (a sync would push), or error, with the source commit and the
 * last sync (the open sync PR's branch, else the newest closed one). See
 * docs/sync.md, "Status".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/shard.h"
#include "supervisor/github/github.h"
#include "supervisor/report/report.h"
#include "supervisor/sync/internal.h"

const char cmd_status_usage[] =
    "usage: repocast status [options] [TARGET...]\n"
    "\n"
    "Show, per group and target, where each target stands against its source,\n"
    "as a sync would find it (a dry run: nothing is pushed or written through\n"
    "the API, no run directory is made):\n"
    "  synced    the target's base branch has the files\n"
    "  pending   its open sync PR carries them (PR number and url)\n"
    "  outdated  a sync would push (with its open PR, if one is behind)\n"
    "  error     the target could not be checked (the reason is shown)\n"
    "with the source commit and the last sync (commit and time of the open\n"
    "sync PR's branch, else of the newest closed one). TARGET filters targets\n"
    "by repository (owner/name or a shell glob).\n"
    "\n"
    "  -c, --config FILE      config file (default sync.yaml)\n"
    "  -j, --jobs N           workers at a time (default: config, else CPUs)\n"
    "      --groups LIST      only these groups (names or ids, comma-separated)\n"
    "      --skip-groups LIST skip these groups\n"
    "      --json             print the states as JSON\n"
    "      --log-level LEVEL  error, warn, info (default), debug, trace\n"
    "      --token-file FILE  read the token from FILE (else GITHUB_TOKEN, GH_TOKEN)\n"
    "      --cache-dir DIR    mirror cache (default: config, else ~/.cache/repocast)\n"
    "      --no-skip          check every target with a worker, even one the skip\n"
    "                         cache knows\n"
    "      --shard K/N        only shard K (from 0) of N, as sync --shard takes them\n"
    "                         ('slurm': from a Slurm array task)\n"
    "\n"
    "Exit status: 0 every target synced or pending, 1 a target outdated or in\n"
    "error, 2 usage or config error, 3 environment error (token, network, source).\n";

static const struct opt_spec status_optspecs[] = {
	{ 'c', 'c', "config", true },
	{ 'j', 'j', "jobs", true },
	{ SYNC_OPT_GROUPS, 0, "groups", true },
	{ SYNC_OPT_SKIP, 0, "skip-groups", true },
	{ SYNC_OPT_JSON, 0, "json", false },
	{ SYNC_OPT_LOGLEVEL, 0, "log-level", true },
	{ SYNC_OPT_TOKENFILE, 0, "token-file", true },
	{ SYNC_OPT_CACHEDIR, 0, "cache-dir", true },
	{ SYNC_OPT_NOSKIP, 0, "no-skip", false },
	{ SYNC_OPT_SHARD, 0, "shard", true },
};

/* status has no options of its own: every row is a shared one. */
static int
status_parse_one(struct sync_opts *o, const struct opt_item *it, void *arg)
{
	UNUSED(o);
	UNUSED(arg);
	BUG("status: option %d has no case", it->id);
}

/* 1 when --help was asked for, 0, or ERR_CONFIG. */
int
sync_status_parse_args(struct sync_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->config = "sync.yaml";
	o->confirm = -1;
	o->dry_run = true;
	o->status = true;
	o->no_progress = true;     /* the table is the output */
	return sync_parse_opts(o, status_optspecs, ARRAY_SIZE(status_optspecs), argc, argv,
	    status_parse_one, NULL);
}

enum status_state { ST_SYNCED, ST_PENDING, ST_OUTDATED, ST_ERROR };

static const char *const state_names[] = { "synced", "pending", "outdated", "error" };

/* The last sync of a target: its open sync PR, else the newest closed one. */
struct status_last {
	bool present;
	bool open;
	int pr;
	char commit[41];
	time_t when;
};

static enum status_state
status_state(const struct sync_target *t)
{
	if (!t->has_rec || record_failed(&t->rec))
		return ST_ERROR;
	switch (t->rec.outcome) {
	case OUTCOME_UP_TO_DATE:
		return ST_SYNCED;
	case OUTCOME_PENDING_CURRENT:
		return ST_PENDING;
	case OUTCOME_DRY_RUN:
		return ST_OUTDATED;
	default:
		return ST_ERROR;
	}
}

/* Why a target is in error: its error text, else its outcome's name. */
static const char *
status_error(char buf[RECORD_CAUSE_MAX], const struct sync_target *t)
{
	const char *s;

	if (!t->has_rec)
		return "not checked";
	if (t->rec.error != NULL)
		return t->rec.error;
	s = record_cause_name(buf, &t->rec);
	if (s == NULL)
		s = record_outcome_name(t->rec.outcome);
	return s != NULL ? s : "not checked";
}

static void
status_copy_hex(char dst[41], const char *src)
{
	snprintf(dst, 41, "%s", src != NULL ? src : "");
}

static void
status_last(struct status_last *l, struct sync_run *r, const struct sync_target *t)
{
	struct discovery_target dt;
	struct github_pulls closed;
	const struct github_pull *p;
	struct prtext_branch br;

	memset(l, 0, sizeof(*l));
	if (t->found.pr != NULL) {
		l->present = l->open = true;
		l->pr = t->found.pr->number;
		status_copy_hex(l->commit, t->found.pr->head.sha);
		l->when = t->found.branch.when;
		return;
	}
	if (t->found.base_branch == NULL)   /* discovery failed */
		return;
	memset(&dt, 0, sizeof(dt));
	dt.repo = t->target->repo;
	dt.branch = t->target->branch;
	dt.branch_prefix = t->group->defaults.branch_prefix;
	dt.source_repo = t->group->source.repo;
	if (github_pulls_closed(&closed, r->api, t->target->repo) < 0) {
		log_debug("%s: no last sync: %s", t->target->repo, err_last());
		err_clear();
		github_pulls_release(&closed);
		return;
	}
	memset(&br, 0, sizeof(br));
	if ((p = discovery_newest(&br, &closed, &dt)) != NULL) {
		l->present = true;
		l->pr = p->number;
		status_copy_hex(l->commit, p->head.sha);
		l->when = br.when;
	}
	github_pulls_release(&closed);
}

static void
status_time(char buf[32], time_t when)
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
status_target_json(const struct sync_target *t, enum status_state st,
    const struct status_last *l)
{
	const struct github_pull *pr = t->found.pr;
	char cause[RECORD_CAUSE_MAX], ts[32];
	json_t *j;

	j = json_pack("{s:s,s:s,s:s}", "group", t->group->id, "name", t->target->repo,
	    "state", state_names[st]);
	json_object_set_new(j, "pr", pr == NULL ? json_null() : json_pack("{s:i,s:o}",
	    "number", pr->number, "url", report_json_string(pr->html_url)));
	json_object_set_new(j, "source_commit",
	    report_json_string(t->source != NULL ? t->source->commit : NULL));
	if (l->present) {
		status_time(ts, l->when);
		json_object_set_new(j, "last_sync", json_pack("{s:o,s:s,s:i,s:b}",
		    "commit", report_json_string(l->commit), "time", ts, "pr", l->pr,
		    "open", l->open));
	} else {
		json_object_set_new(j, "last_sync", json_null());
	}
	json_object_set_new(j, "error", st == ST_ERROR ?
	    report_json_string(status_error(cause, t)) : json_null());
	return j;
}

int
sync_status_print(struct sync_run *r)
{
	size_t counts[4] = { 0 }, i;
	json_t *doc = NULL, *arr = NULL;
	char cause[RECORD_CAUSE_MAX], ts[32], prs[16], last[96];
	char *s;

	if (r->o.json)
		arr = json_array();
	else
		printf("%-12s %-28s %-9s %-6s %-8s %s\n", "GROUP", "TARGET", "STATE", "PR",
		    "SOURCE", "LAST SYNC");
	for (i = 0; i < r->nt; i++) {
		const struct sync_target *t = &r->t[i];
		enum status_state st = status_state(t);
		struct status_last l;

		status_last(&l, r, t);
		counts[st]++;
		if (r->o.json) {
			json_array_append_new(arr, status_target_json(t, st, &l));
			continue;
		}
		snprintf(prs, sizeof(prs), t->found.pr ? "#%d" : "-",
		    t->found.pr ? t->found.pr->number : 0);
		if (l.present) {
			status_time(ts, l.when);
			snprintf(last, sizeof(last), "%.7s %s (#%d %s)", l.commit, ts, l.pr,
			    l.open ? "open" : "closed");
		} else {
			snprintf(last, sizeof(last), "-");
		}
		printf("%-12s %-28s %-9s %-6s %-8.7s %s\n", t->group->id, t->target->repo,
		    state_names[st], prs, t->source != NULL ? t->source->commit : "-", last);
		if (st == ST_ERROR)
			printf("%-12s %-28s   %s\n", "", "", status_error(cause, t));
		else if (t->found.pr != NULL && t->found.pr->html_url != NULL)
			printf("%-12s %-28s   %s\n", "", "", t->found.pr->html_url);
	}
	if (r->o.json) {
		doc = json_pack("{s:o,s:{s:I,s:I,s:I,s:I}}", "targets", arr, "counts",
		    "synced", (json_int_t)counts[ST_SYNCED], "pending",
		    (json_int_t)counts[ST_PENDING], "outdated", (json_int_t)counts[ST_OUTDATED],
		    "error", (json_int_t)counts[ST_ERROR]);
		s = json_dumps(doc, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(doc);
	} else {
		printf("%zu %s: %zu synced, %zu pending, %zu outdated, %zu error\n", r->nt,
		    r->nt == 1 ? "target" : "targets", counts[ST_SYNCED], counts[ST_PENDING],
		    counts[ST_OUTDATED], counts[ST_ERROR]);
	}
	return counts[ST_OUTDATED] + counts[ST_ERROR] > 0 ? EXIT_TARGETS : EXIT_OK;
}
