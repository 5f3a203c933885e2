/*
 * cmd_merge — `repocast merge`: merge the open sync PR of every target in
 * scope whose checks have passed (docs/sync.md, "Merge"). No source is
 * fetched and no worker runs: config -> scope -> token -> per target,
 * discovery's open sync PR (as status and cancel find it), the PR re-read
 * until GitHub has computed `mergeable` (a bounded number of reads), the
 * head commit's combined status and check runs, the repository's allowed
 * merge method, then PUT .../merge with the head sha that was checked, so
 * a PR that moved meanwhile is refused (409), never merged blind.
 * Branch protection is never worked around: without --admin a PR GitHub
 * reports "blocked" is left; with --admin the merge is sent and the
 * token's admin rights decide; a 405 is reported as it came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/shard.h"
#include "supervisor/github/checks.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/github.h"
#include "supervisor/github/pr.h"
#include "supervisor/github/token.h"
#include "supervisor/report/report.h"
#include "supervisor/sync/cmd_merge.h"
#include "supervisor/sync/internal.h"

const char cmd_merge_usage[] =
    "usage: repocast merge [options] [TARGET...]\n"
    "\n"
    "Merge the open sync pull request of every target whose checks have passed\n"
    "(combined status success or none, every check run completed with success,\n"
    "neutral or skipped), that GitHub finds mergeable and that is not a draft,\n"
    "with the first merge method the repository allows (squash, merge, rebase),\n"
    "and only at the head commit that was checked. Then delete its sync branch.\n"
    "Per target: merged, pending (checks still running: left), checks_failed,\n"
    "not_mergeable, draft, blocked (branch protection: left without --admin),\n"
    "moved (the head changed), refused (GitHub said no), none, error.\n"
    "TARGET filters targets by repository (owner/name or a shell glob).\n"
    "\n"
    "  -c, --config FILE      config file (default sync.yaml)\n"
    "  -n, --dry-run          say what would be merged; write nothing\n"
    "      --groups LIST      only these groups (names or ids, comma-separated)\n"
    "      --skip-groups LIST skip these groups\n"
    "      --confirm-scope N  confirm a merge over more than 5 repositories or\n"
    "                         more than one group (N = number of repositories)\n"
    "      --admin            merge a PR that branch protection blocks: the\n"
    "                         token's admin rights let it through (GitHub's rule)\n"
    "      --keep-branches    keep the sync branch after the merge\n"
    "      --json             print the per-target result as JSON\n"
    "      --log-level LEVEL  error, warn, info (default), debug, trace\n"
    "      --token-file FILE  read the token from FILE (else GITHUB_TOKEN, GH_TOKEN)\n"
    "      --cache-dir DIR    API cache (default: config, else ~/.cache/repocast)\n"
    "      --shard K/N        only shard K (from 0) of N, as sync --shard takes them\n"
    "                         ('slurm': from a Slurm array task)\n"
    "\n"
    "Exit status: 0 nothing failed (merged, pending, draft or no PR), 1 a PR\n"
    "could not be merged (checks failed, not mergeable, blocked, moved, refused,\n"
    "error), 2 usage or config error, 3 environment error (token, network).\n";

/* Reads of a PR while GitHub has not computed mergeable yet, and the first wait. */
#define MERGE_READS 5
#define MERGE_WAIT_MS 250

static const char *const state_names[] = {
	[MERGE_NONE] = "none", [MERGE_MERGED] = "merged", [MERGE_READY] = "ready",
	[MERGE_PENDING] = "pending", [MERGE_DRAFT] = "draft",
	[MERGE_CHECKS_FAILED] = "checks_failed", [MERGE_NOT_MERGEABLE] = "not_mergeable",
	[MERGE_BLOCKED] = "blocked", [MERGE_MOVED] = "moved", [MERGE_REFUSED] = "refused",
	[MERGE_ERROR] = "error",
};

struct merge_opts {
	bool admin;
	bool keep_branches;
};

/* What became of one target. */
struct merge_target {
	const struct cfg_group *group;
	const struct cfg_target *target;
	struct discovery found;
	enum cmd_merge_state state;
	int pr;                        /* 0: none */
	char *url;
	const char *method;            /* static string, or NULL */
	char sha[41];                  /* the head checked */
	char merge_sha[41];            /* the commit the merge made */
	char *why;                     /* what was found: a check, GitHub's message */
	char *branch;                  /* the sync branch */
	bool deleted, kept;            /* its fate after the merge */
};

enum { OPT_ADMIN = SYNC_OPT_OWN, OPT_KEEP };

static const struct opt_spec merge_optspecs[] = {
	{ 'c', 'c', "config", true },
	{ 'n', 'n', "dry-run", false },
	{ SYNC_OPT_GROUPS, 0, "groups", true },
	{ SYNC_OPT_SKIP, 0, "skip-groups", true },
	{ SYNC_OPT_CONFIRM, 0, "confirm-scope", true },
	{ OPT_ADMIN, 0, "admin", false },
	{ OPT_KEEP, 0, "keep-branches", false },
	{ SYNC_OPT_JSON, 0, "json", false },
	{ SYNC_OPT_LOGLEVEL, 0, "log-level", true },
	{ SYNC_OPT_TOKENFILE, 0, "token-file", true },
	{ SYNC_OPT_CACHEDIR, 0, "cache-dir", true },
	{ SYNC_OPT_SHARD, 0, "shard", true },
};

const char *
cmd_merge_state_name(enum cmd_merge_state st)
{
	return state_names[st];
}

bool
cmd_merge_failed(enum cmd_merge_state st)
{
	switch (st) {
	case MERGE_NONE: case MERGE_MERGED: case MERGE_READY: case MERGE_PENDING:
	case MERGE_DRAFT:
		return false;
	default:
		return true;
	}
}

enum cmd_merge_state
cmd_merge_decide(const struct cmd_merge_facts *f)
{
	if (f->draft)
		return MERGE_DRAFT;
	if (f->mergeable == 0)
		return MERGE_NOT_MERGEABLE;
	if (f->checks == GITHUB_CHECKS_FAILED)
		return MERGE_CHECKS_FAILED;
	if (f->checks == GITHUB_CHECKS_PENDING || f->mergeable < 0)
		return MERGE_PENDING;
	/* Green and mergeable, yet blocked: protection wants more than checks. */
	if (f->mergeable_state != NULL && strcmp(f->mergeable_state, "blocked") == 0 &&
	    !f->admin)
		return MERGE_BLOCKED;
	return MERGE_READY;
}

static int
merge_parse_one(struct sync_opts *o, const struct opt_item *it, void *arg)
{
	struct merge_opts *mo = arg;

	UNUSED(o);
	switch (it->id) {
	case OPT_ADMIN:
		mo->admin = true;
		return 0;
	case OPT_KEEP:
		mo->keep_branches = true;
		return 0;
	default:
		BUG("merge: option %d has no case", it->id);
	}
}

/* 1 when --help was asked for, 0, or ERR_CONFIG. */
static int
merge_parse_args(struct sync_opts *o, struct merge_opts *mo, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	memset(mo, 0, sizeof(*mo));
	o->config = "sync.yaml";
	o->confirm = -1;
	return sync_parse_opts(o, merge_optspecs, ARRAY_SIZE(merge_optspecs), argc, argv,
	    merge_parse_one, mo);
}

static void
merge_set(struct merge_target *mt, enum cmd_merge_state st, const char *why)
{
	mt->state = st;
	free(mt->why);
	mt->why = xstrdup_or_null(why);
	if (st == MERGE_ERROR)
		err_clear();
}

/* Why a PR is left in state st (a new string, or NULL). */
static char *
merge_reason(enum cmd_merge_state st, const struct cmd_merge_facts *f, const char *check)
{
	switch (st) {
	case MERGE_PENDING:
		return xstrdup_or_null(f->checks == GITHUB_CHECKS_GREEN ?
		    "GitHub has not computed mergeability yet" : check);
	case MERGE_CHECKS_FAILED:
		return xstrdup_or_null(check);
	case MERGE_NOT_MERGEABLE:
		return xasprintf("GitHub finds it not mergeable (mergeable_state %s)",
		    f->mergeable_state != NULL ? f->mergeable_state : "unknown");
	case MERGE_BLOCKED:
		return xstrdup("branch protection blocks the merge (--admin merges with the "
		    "token's admin rights)");
	default:
		return NULL;
	}
}

static void
merge_sleep(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* GET the PR until mergeable is computed (MERGE_READS reads at most). */
static int
merge_read_pr(struct github_pull **out, struct sync_run *r, const char *repo, int number)
{
	unsigned wait = MERGE_WAIT_MS;
	int i, rc;

	*out = NULL;
	for (i = 0; i < MERGE_READS; i++) {
		if (i > 0) {
			merge_sleep(wait);
			wait *= 2;
		}
		github_pull_free(*out);
		if ((rc = github_pull_get(out, r->api, repo, number)) < 0)
			return rc;
		if ((*out)->mergeable >= 0 || (*out)->draft)
			break;
		log_debug("%s: #%d: mergeable not computed yet (read %d)", repo, number, i + 1);
	}
	return 0;
}

/* After the merge: delete the sync branch, as cancel does (never one with
 * someone else's commits). */
static void
merge_branch(struct sync_run *r, const struct merge_opts *mo, struct merge_target *mt,
    const char *base)
{
	enum pr_branch_fate fate;
	const char *an, *ae;

	if (mo->keep_branches || mt->branch == NULL)
		return;
	sync_author(r->cfg, &an, &ae);
	/* The merge is done: a branch that cannot be deleted is kept, said in the log. */
	if (pr_branch_drop(&fate, r->api, mt->target->repo, base, mt->branch, an, ae,
	    r->o.dry_run) < 0) {
		log_warn("%s: branch '%s' kept: %s", mt->target->repo, mt->branch, err_last());
		err_clear();
	}
	mt->deleted = fate == PR_BRANCH_DELETED;
	mt->kept = !mt->deleted;
}

static void
merge_one(struct sync_run *r, const struct merge_opts *mo, struct merge_target *mt)
{
	struct discovery_target dt;
	struct github_pull *pr = NULL;
	struct github_repo *repo = NULL;
	struct github_checks ck;
	struct github_merge_result res;
	struct cmd_merge_facts f;
	const char *name = mt->target->repo;

	memset(&ck, 0, sizeof(ck));
	memset(&res, 0, sizeof(res));
	memset(&dt, 0, sizeof(dt));
	dt.repo = name;
	dt.branch = mt->target->branch;
	dt.branch_prefix = mt->group->defaults.branch_prefix;
	dt.source_repo = mt->group->source.repo;
	if (discovery_run(&mt->found, r->api, &dt) < 0) {
		merge_set(mt, MERGE_ERROR, err_last());
		return;
	}
	if (mt->found.pr == NULL) {
		merge_set(mt, MERGE_NONE, NULL);
		return;
	}
	mt->pr = mt->found.pr->number;
	mt->url = xstrdup_or_null(mt->found.pr->html_url);
	mt->branch = xstrdup(mt->found.pr->head.ref);
	if (merge_read_pr(&pr, r, name, mt->pr) < 0) {
		merge_set(mt, MERGE_ERROR, err_last());
		goto out;
	}
	if (pr->head.sha == NULL || strcmp(pr->state ? pr->state : "", "open") != 0) {
		merge_set(mt, MERGE_ERROR, "the pull request is no longer open");
		goto out;
	}
	snprintf(mt->sha, sizeof(mt->sha), "%s", pr->head.sha);
	memset(&f, 0, sizeof(f));
	f.draft = pr->draft;
	f.mergeable = pr->mergeable;
	f.mergeable_state = pr->mergeable_state;
	f.admin = mo->admin;
	f.checks = GITHUB_CHECKS_GREEN;
	if (!pr->draft && pr->mergeable != 0) {
		if (github_checks_get(&ck, r->api, name, mt->sha) < 0) {
			merge_set(mt, MERGE_ERROR, err_last());
			goto out;
		}
		f.checks = ck.state;
	}
	mt->state = cmd_merge_decide(&f);
	if (mt->state != MERGE_READY) {
		merge_set(mt, mt->state, NULL);
		mt->why = merge_reason(mt->state, &f, ck.what);
		goto out;
	}
	if (github_repo_get(&repo, r->api, name) < 0) {
		merge_set(mt, MERGE_ERROR, err_last());
		goto out;
	}
	mt->method = github_merge_method(repo->allow_squash_merge, repo->allow_merge_commit,
	    repo->allow_rebase_merge);
	if (mt->method == NULL) {
		merge_set(mt, MERGE_REFUSED, "the repository allows no merge method");
		goto out;
	}
	if (r->o.dry_run) {
		merge_set(mt, MERGE_READY, NULL);
		merge_branch(r, mo, mt, pr->base.ref);
		goto out;
	}
	if (github_pull_merge(&res, r->api, name, mt->pr, mt->method, mt->sha) < 0) {
		merge_set(mt, MERGE_ERROR, err_last());
		goto out;
	}
	if (!res.merged) {
		merge_set(mt, res.status == 409 ? MERGE_MOVED : MERGE_REFUSED, res.message);
		goto out;
	}
	merge_set(mt, MERGE_MERGED, NULL);
	snprintf(mt->merge_sha, sizeof(mt->merge_sha), "%s", res.sha);
	merge_branch(r, mo, mt, pr->base.ref);
out:
	github_merge_result_release(&res);
	github_checks_release(&ck);
	github_repo_free(repo);
	github_pull_free(pr);
}

static json_t *
merge_target_json(const struct merge_target *mt)
{
	json_t *j;

	j = json_pack("{s:s,s:s,s:s}", "group", mt->group->id, "name", mt->target->repo,
	    "state", state_names[mt->state]);
	json_object_set_new(j, "pr", mt->pr > 0 ? json_integer(mt->pr) : json_null());
	json_object_set_new(j, "url", report_json_string(mt->url));
	json_object_set_new(j, "method", report_json_string(mt->method));
	json_object_set_new(j, "head", report_json_string(mt->sha[0] ? mt->sha : NULL));
	json_object_set_new(j, "merge_commit",
	    report_json_string(mt->merge_sha[0] ? mt->merge_sha : NULL));
	json_object_set_new(j, "reason", report_json_string(mt->why));
	json_object_set_new(j, "branch", report_json_string(mt->branch));
	json_object_set_new(j, "branch_deleted", json_boolean(mt->deleted));
	json_object_set_new(j, "failed", json_boolean(cmd_merge_failed(mt->state)));
	return j;
}

static void
merge_print(const struct sync_run *r, const struct merge_opts *mo,
    const struct merge_target *mt, size_t n)
{
	size_t counts[ARRAY_SIZE(state_names)] = { 0 }, i, k, nfailed = 0;
	json_t *j, *arr = NULL, *cnt;
	struct buf line = BUF_INIT;
	char *s;

	for (i = 0; i < n; i++) {
		counts[mt[i].state]++;
		nfailed += cmd_merge_failed(mt[i].state);
	}
	if (r->o.json) {
		arr = json_array();
		cnt = json_object();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, merge_target_json(&mt[i]));
		for (k = 0; k < ARRAY_SIZE(state_names); k++)
			json_object_set_new(cnt, state_names[k], json_integer((json_int_t)counts[k]));
		j = json_pack("{s:b,s:b,s:o,s:o,s:I}", "dry_run", r->o.dry_run, "admin",
		    mo->admin, "targets", arr, "counts", cnt, "failed", (json_int_t)nfailed);
		s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(j);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct merge_target *x = &mt[i];

		buf_reset(&line);
		buf_addf(&line, "%s: %s", x->target->repo,
		    x->state == MERGE_READY ? "would merge" : state_names[x->state]);
		if (x->pr > 0)
			buf_addf(&line, " #%d", x->pr);
		if (x->method != NULL && (x->state == MERGE_MERGED || x->state == MERGE_READY))
			buf_addf(&line, " (%s%s%.7s)", x->method, x->merge_sha[0] ? ", " : "",
			    x->merge_sha);
		if (x->why != NULL)
			buf_addf(&line, ": %s", x->why);
		if (x->deleted)
			buf_addf(&line, "; branch %s %sdeleted", x->branch,
			    r->o.dry_run ? "would be " : "");
		else if (x->kept)
			buf_addf(&line, "; branch %s kept", x->branch);
		if (x->state == MERGE_NONE)
			buf_addstr(&line, " (no open sync pull request)");
		puts(line.ptr);
	}
	buf_release(&line);
	printf("%zu %s: %zu merged, %zu %s, %zu pending, %zu left, %zu failed%s\n", n,
	    n == 1 ? "target" : "targets", counts[MERGE_MERGED], counts[MERGE_READY],
	    r->o.dry_run ? "would merge" : "ready", counts[MERGE_PENDING],
	    counts[MERGE_DRAFT] + counts[MERGE_NONE], nfailed,
	    r->o.dry_run ? " (dry run: nothing written)" : "");
}

int
cmd_merge(int argc, char **argv)
{
	struct sync_run r;
	struct merge_opts mo;
	struct merge_target *mt = NULL;
	size_t i, nfailed = 0;
	int code = EXIT_OK, rc;

	memset(&r, 0, sizeof(r));
	if ((rc = merge_parse_args(&r.o, &mo, argc, argv)) != 0) {
		if (rc > 0)
			fputs(cmd_merge_usage, stdout);
		code = rc > 0 ? EXIT_OK : cmd_usage_fail(cmd_merge_usage, "merge");
		goto out;
	}
	if ((code = sync_open_targets(&r)) != EXIT_OK)
		goto out;
	mt = xcalloc(r.scope.n + 1, sizeof(*mt));
	for (i = 0; i < r.scope.n; i++) {
		mt[i].group = r.scope.v[i].group;
		mt[i].target = r.scope.v[i].target;
		merge_one(&r, &mo, &mt[i]);
		nfailed += cmd_merge_failed(mt[i].state);
	}
	merge_print(&r, &mo, mt, r.scope.n);
	if (nfailed > 0)
		code = EXIT_TARGETS;
out:
	for (i = 0; mt != NULL && i < r.scope.n; i++) {
		discovery_release(&mt[i].found);
		free(mt[i].url);
		free(mt[i].why);
		free(mt[i].branch);
	}
	free(mt);
	endpoint_release(&r.ep);
	api_free(r.api);
	token_free(r.token);
	scope_release(&r.scope);
	cfg_free(r.cfg);
	cfg_errors_release(&r.errs);
	strv_release(&r.failed_before);
	free(r.cache_dir);
	free(r.o.groups);
	free(r.o.skip);
	free(r.o.filters);
	return code;
}
