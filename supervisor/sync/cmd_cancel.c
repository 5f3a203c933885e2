/*
 * cmd_cancel — `repocast cancel`: close every open sync PR of the targets
 * in scope, with a comment, and delete their sync branches (docs/sync.md,
 * "Cancel"). No source is fetched and no worker runs: config -> scope ->
 * token -> per target, discovery's open sync PRs and the branches under
 * the group's branch prefix that parse as this target's sync branches.
 * A branch holding someone else's commits is never deleted (the same
 * check as a superseded PR's, pr_branch_disposable).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/shard.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/pr.h"
#include "supervisor/github/prtext.h"
#include "supervisor/github/token.h"
#include "supervisor/report/report.h"
#include "supervisor/sync/internal.h"

const char cmd_cancel_usage[] =
    "usage: repocast cancel [options] [TARGET...]\n"
    "\n"
    "Close every open sync pull request of the targets, with a comment, and\n"
    "delete their sync branches (repocast's and go-broadcast's, found as sync\n"
    "does). A branch with commits repocast did not make is kept. TARGET filters\n"
    "targets by repository (owner/name or a shell glob).\n"
    "\n"
    "  -c, --config FILE      config file (default sync.yaml)\n"
    "  -n, --dry-run          say what would be closed and deleted; write nothing\n"
    "      --groups LIST      only these groups (names or ids, comma-separated)\n"
    "      --skip-groups LIST skip these groups\n"
    "      --confirm-scope N  confirm a cancel over more than 5 repositories or\n"
    "                         more than one group (N = number of repositories)\n"
    "      --keep-branches    close the pull requests, keep every branch\n"
    "      --comment TEXT     the comment posted before closing (default: says\n"
    "                         the sync was cancelled)\n"
    "      --json             print the per-target result as JSON\n"
    "      --log-level LEVEL  error, warn, info (default), debug, trace\n"
    "      --token-file FILE  read the token from FILE (else GITHUB_TOKEN, GH_TOKEN)\n"
    "      --cache-dir DIR    API cache (default: config, else ~/.cache/repocast)\n"
    "      --shard K/N        only shard K (from 0) of N, as sync --shard takes them\n"
    "                         ('slurm': from a Slurm array task)\n"
    "\n"
    "Exit status: 0 everything closed (or nothing to close), 1 a close or a\n"
    "delete failed, 2 usage or config error, 3 environment error (token, network).\n";

#define CANCEL_COMMENT "Closing: the sync was cancelled (repocast cancel)."

struct cancel_opts {
	const char *comment;
	bool keep_branches;
};

/* What became of one target. */
struct cancel_target {
	const struct cfg_group *group;
	const struct cfg_target *target;
	struct discovery found;
	struct strv closed;            /* "#N" of each PR closed (or to close) */
	struct strv deleted;           /* branches deleted (or to delete) */
	struct strv kept;              /* branches kept: someone else's commits */
	char *error;                   /* the first failure, or NULL */
};

enum { OPT_KEEP = SYNC_OPT_OWN, OPT_COMMENT };

static const struct opt_spec cancel_optspecs[] = {
	{ 'c', 'c', "config", true },
	{ 'n', 'n', "dry-run", false },
	{ SYNC_OPT_GROUPS, 0, "groups", true },
	{ SYNC_OPT_SKIP, 0, "skip-groups", true },
	{ SYNC_OPT_CONFIRM, 0, "confirm-scope", true },
	{ OPT_KEEP, 0, "keep-branches", false },
	{ OPT_COMMENT, 0, "comment", true },
	{ SYNC_OPT_JSON, 0, "json", false },
	{ SYNC_OPT_LOGLEVEL, 0, "log-level", true },
	{ SYNC_OPT_TOKENFILE, 0, "token-file", true },
	{ SYNC_OPT_CACHEDIR, 0, "cache-dir", true },
	{ SYNC_OPT_SHARD, 0, "shard", true },
};

/* One of cancel's own options; arg is the struct cancel_opts. */
static int
cancel_parse_one(struct sync_opts *o, const struct opt_item *it, void *arg)
{
	struct cancel_opts *co = arg;

	UNUSED(o);
	switch (it->id) {
	case OPT_KEEP:
		co->keep_branches = true;
		return 0;
	case OPT_COMMENT:
		if (*it->value == '\0')
			return err_set(ERR_CONFIG, "--comment needs a text");
		co->comment = it->value;
		return 0;
	default:
		BUG("cancel: option %d has no case", it->id);
	}
}

/* 1 when --help was asked for, 0, or ERR_CONFIG. */
static int
cancel_parse_args(struct sync_opts *o, struct cancel_opts *co, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	memset(co, 0, sizeof(*co));
	o->config = "sync.yaml";
	o->confirm = -1;
	co->comment = CANCEL_COMMENT;
	return sync_parse_opts(o, cancel_optspecs, ARRAY_SIZE(cancel_optspecs), argc, argv,
	    cancel_parse_one, co);
}

static void
cancel_fail(struct cancel_target *ct, const char *what)
{
	if (ct->error == NULL)
		ct->error = xstrdup(what);
	err_clear();
}

/* Delete branch unless kept; record which. base: what it is compared with. */
static void
cancel_branch(struct sync_run *r, const struct cancel_opts *co, struct cancel_target *ct,
    const char *branch, const char *base)
{
	enum pr_branch_fate fate;
	const char *an, *ae;

	if (co->keep_branches)
		return;
	sync_author(r->cfg, &an, &ae);
	if (pr_branch_drop(&fate, r->api, ct->target->repo, base, branch, an, ae,
	    r->o.dry_run) < 0) {
		cancel_fail(ct, err_last());
		return;
	}
	strv_add(fate == PR_BRANCH_DELETED ? &ct->deleted : &ct->kept, branch);
}

/* Close pr (comment first); its branch goes with cancel_branch. */
static void
cancel_pr(struct sync_run *r, const struct cancel_opts *co, struct cancel_target *ct,
    const struct github_pull *pr)
{
	struct github_pull_edit ed;
	char num[16];

	if (!r->o.dry_run) {
		if (github_comment_create(r->api, ct->target->repo, pr->number, co->comment) < 0) {
			cancel_fail(ct, err_last());
			return;
		}
		memset(&ed, 0, sizeof(ed));
		ed.state = "closed";
		if (github_pull_update(NULL, r->api, ct->target->repo, pr->number, &ed) < 0) {
			cancel_fail(ct, err_last());
			return;
		}
	}
	snprintf(num, sizeof(num), "#%d", pr->number);
	strv_add(&ct->closed, num);
	if (pr->head.ref != NULL)
		cancel_branch(r, co, ct, pr->head.ref, pr->base.ref);
}

static bool
cancel_listed(const struct strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

/* Is branch one of this target's sync branches (prefix and scope)? */
static bool
cancel_is_sync_branch(const struct cancel_target *ct, const char *branch)
{
	struct prtext_branch br;
	struct buf scope = BUF_INIT;
	bool ok;

	if (prtext_branch_parse(&br, branch, ct->group->defaults.branch_prefix) != 0) {
		err_clear();
		return false;
	}
	prtext_scope(&scope, ct->target->repo);
	ok = strcmp(br.scope, scope.ptr) == 0;
	buf_release(&scope);
	return ok;
}

static void
cancel_one(struct sync_run *r, const struct cancel_opts *co, struct cancel_target *ct)
{
	struct discovery_target dt;
	struct strv branches;
	size_t i;

	memset(&dt, 0, sizeof(dt));
	dt.repo = ct->target->repo;
	dt.branch = ct->target->branch;
	dt.branch_prefix = ct->group->defaults.branch_prefix;
	dt.source_repo = ct->group->source.repo;
	if (discovery_run(&ct->found, r->api, &dt) < 0) {
		cancel_fail(ct, err_last());
		return;
	}
	if (ct->found.pr != NULL)
		cancel_pr(r, co, ct, ct->found.pr);
	for (i = 0; i < ct->found.nothers; i++)
		cancel_pr(r, co, ct, &ct->found.others[i]);
	/* Sync branches without an open PR (a run cut off before its PR). */
	if (co->keep_branches)
		return;
	if (github_branches_matching(&branches, r->api, ct->target->repo,
	    ct->group->defaults.branch_prefix) < 0) {
		cancel_fail(ct, err_last());
		return;
	}
	for (i = 0; i < branches.n; i++) {
		const char *b = branches.v[i];

		if (!cancel_is_sync_branch(ct, b) || cancel_listed(&ct->deleted, b) ||
		    cancel_listed(&ct->kept, b))
			continue;
		cancel_branch(r, co, ct, b, ct->found.base_branch);
	}
	strv_release(&branches);
}

static char *
cancel_join(const struct strv *sv)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sv->n; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", sv->v[i]);
	if (b.ptr == NULL)
		buf_addstr(&b, "");
	return buf_detach(&b, NULL);
}

/* "#12" -> 12, as numbers in --json. */
static json_t *
cancel_numbers_json(const struct strv *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sv->n; i++)
		json_array_append_new(a, json_integer(atoi(sv->v[i] + 1)));
	return a;
}

static json_t *
cancel_strv_json(const struct strv *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sv->n; i++)
		json_array_append_new(a, report_json_string(sv->v[i]));
	return a;
}

static void
cancel_print(const struct sync_run *r, const struct cancel_target *ct, size_t n,
    size_t nfailed)
{
	const char *would = r->o.dry_run ? "would be " : "";
	json_t *j, *arr, *t;
	char *s;
	size_t i;

	if (r->o.json) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			t = json_pack("{s:s,s:o,s:o,s:o,s:o}", "name", ct[i].target->repo,
			    "closed", cancel_numbers_json(&ct[i].closed),
			    "branches_deleted", cancel_strv_json(&ct[i].deleted),
			    "branches_kept", cancel_strv_json(&ct[i].kept),
			    "error", report_json_string(ct[i].error));
			json_array_append_new(arr, t);
		}
		j = json_pack("{s:b,s:o,s:I}", "dry_run", r->o.dry_run, "targets", arr,
		    "failed", (json_int_t)nfailed);
		s = json_dumps(j, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(j);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct cancel_target *x = &ct[i];
		struct buf line = BUF_INIT;
		char *v;

		if (x->closed.n > 0) {
			v = cancel_join(&x->closed);
			buf_addf(&line, "; %sclosed %s", would, v);
			free(v);
		}
		if (x->deleted.n > 0) {
			v = cancel_join(&x->deleted);
			buf_addf(&line, "; branch%s %s %sdeleted", x->deleted.n > 1 ? "es" : "", v,
			    would);
			free(v);
		}
		if (x->kept.n > 0) {
			v = cancel_join(&x->kept);
			buf_addf(&line, "; branch%s %s kept: commits repocast did not make",
			    x->kept.n > 1 ? "es" : "", v);
			free(v);
		}
		if (x->error != NULL)
			buf_addf(&line, "; FAILED: %s", x->error);
		if (line.len == 0)
			buf_addstr(&line, "; no open sync pull request or sync branch");
		printf("%s: %s\n", x->target->repo, line.ptr + 2);
		buf_release(&line);
	}
	printf("%zu %s: %zu failed%s\n", n, n == 1 ? "target" : "targets", nfailed,
	    r->o.dry_run ? " (dry run: nothing written)" : "");
}

int
cmd_cancel(int argc, char **argv)
{
	struct sync_run r;
	struct cancel_opts co;
	struct cancel_target *ct = NULL;
	size_t i, nfailed = 0;
	int code = EXIT_OK, rc;

	memset(&r, 0, sizeof(r));
	if ((rc = cancel_parse_args(&r.o, &co, argc, argv)) != 0) {
		if (rc > 0)
			fputs(cmd_cancel_usage, stdout);
		code = rc > 0 ? EXIT_OK : cmd_usage_fail(cmd_cancel_usage, "cancel");
		goto out;
	}
	if ((code = sync_open_targets(&r)) != EXIT_OK)
		goto out;
	ct = xcalloc(r.scope.n + 1, sizeof(*ct));
	for (i = 0; i < r.scope.n; i++) {
		ct[i].group = r.scope.v[i].group;
		ct[i].target = r.scope.v[i].target;
		cancel_one(&r, &co, &ct[i]);
		if (ct[i].error != NULL)
			nfailed++;
	}
	cancel_print(&r, ct, r.scope.n, nfailed);
	if (code == EXIT_OK && nfailed > 0)
		code = EXIT_TARGETS;
out:
	for (i = 0; ct != NULL && i < r.scope.n; i++) {
		discovery_release(&ct[i].found);
		strv_release(&ct[i].closed);
		strv_release(&ct[i].deleted);
		strv_release(&ct[i].kept);
		free(ct[i].error);
	}
	free(ct);
	endpoint_release(&r.ep);
	free(r.gql_url);
	api_free(r.api);
	app_free(r.app);
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
