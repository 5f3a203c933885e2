/*
 * run_publish — the pull requests of `repocast run`, after the workers,
 * like sync_publish: checked and prepared before anything runs, then each
 * pushed repository's commit (through the API with commit.via: api) and its
 * PR opened or updated, a stale one closed; --diff's preview instead
 * (internal.h, runpr.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/config/config.h"
#include "supervisor/github/api.h"
#include "supervisor/github/apicommit.h"
#include "supervisor/github/appauth.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/token.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/record.h"
#include "supervisor/run/internal.h"
#include "supervisor/run/runpr.h"
#include "supervisor/signing.h"

/*
 * Before anything runs: every repository must be one the API can open a
 * PR in, and a run that pushes needs a token and the API.
 */
int
run_pr_prepare(struct run_state *st)
{
	struct api_opts ao;
	char *cache, *host;
	int rc;

	if ((rc = runpr_check_entries(&st->list)) < 0)
		return rc;
	st->commit_message = runpr_commit_message(&st->o->pr, st->o->argv, st->o->argc);
	if (st->o->pr.diff)
		return 0;     /* a preview pushes nothing and asks the API nothing */
	/* -c CONFIG's repocast.commit, else git's config (docs/signing.md). */
	if ((rc = signing_resolve(&st->sign, st->cfg.cfg, RUNPR_AUTHOR_NAME,
	    RUNPR_AUTHOR_EMAIL)) < 0)
		return rc;
	if (st->token == NULL && st->app == NULL) {
		host = endpoint_git_host(st->ep);
		rc = token_find(&st->token, st->o->token_file, host);
		free(host);
		if (rc < 0) {
			err_wrap("opening pull requests needs a token (--token-file, "
			    "GITHUB_TOKEN, GH_TOKEN or gh auth token; or pass --no-pr)");
			return ERR_AUTH;
		}
	}
	cache = xasprintf("%s/api", st->o->cache_dir);
	if ((rc = util_mkdirs(cache, 0700)) < 0) {
		free(cache);
		return rc;
	}
	api_opts_init(&ao);
	ao.base_url = st->ep->api_url;
	ao.cache_dir = cache;
	if (st->app != NULL)
		appauth_use(&ao, st->app);  /* each repository's owner's installation */
	rc = api_new(&st->api, &ao, st->token != NULL ? token_value(st->token) : NULL);
	free(cache);
	if (rc < 0)
		err_wrap("repocast.api_url (from %s)", st->ep->api_from);
	return rc;
}

/* An earlier run's PR of a repository the command no longer changes is stale. */
static void
pr_close_unchanged(struct run_state *st, struct record *rec, const struct repolist_entry *e)
{
	struct runpr_out out;

	if (runpr_close_stale(&out, st->api, e->name, e->branch, st->o->pr.branch) < 0) {
		rec->outcome = OUTCOME_FAILED;
		record_set_cause(rec, CAUSE_PR, 0, err_last());
		st->nfailed++;
		progress_line(&st->prog, "%sFAIL%s %s: pr: %s", progress_red(&st->prog),
		    progress_plain(&st->prog), rec->name, rec->error);
		return;
	}
	if (out.number == 0)
		return;
	free(rec->sync.pr_url);
	rec->sync.pr_url = out.url;
	rec->sync.pr = PR_CLOSED;
	progress_line(&st->prog, "pr   %s: closed #%d %s (the command changed nothing)",
	    rec->name, out.number, out.url);
}

/*
 * The commit of t, pushed by its worker, or with commit.via: api left in
 * the mirror and made here through the API (supervisor/github/apicommit.h:
 * the branch is the run's own, created or replaced as the forced push
 * did). 0, or -1 with t failed (cause api_commit_limit, or the error's).
 */
static int
pr_commit(struct run_state *st, struct task *t)
{
	struct record *rec = &t->rec;
	struct apicommit_out out;
	struct apicommit_in in;
	int rc;

	if (!run_commit_api(st)) {
		rec->sync.commit_via = COMMIT_PUSH;
		return 0;
	}
	memset(&in, 0, sizeof(in));
	in.repo = t->e->name;
	in.cache_dir = st->o->cache_dir;
	in.remote_url = t->e->url;
	in.commit = rec->result.commit;
	in.branch = rec->result.branch;
	in.protect = t->e->branch;
	in.max_blobs = st->cfg.cfg->rc.commit_api_max_blobs;
	in.max_bytes = st->cfg.cfg->rc.commit_api_max_bytes;
	rec->sync.commit_via = COMMIT_API;
	if ((rc = apicommit_make(&out, st->api, &in)) < 0) {
		rec->outcome = OUTCOME_FAILED;
		if (rc == ERR_LIMIT)
			record_set_cause(rec, CAUSE_API_COMMIT_LIMIT, 0, err_last());
		else
			record_set_cause(rec, CAUSE_ERROR, rc, err_last());
		st->nfailed++;
		progress_line(&st->prog, "%sFAIL%s %s: %s", progress_red(&st->prog),
		    progress_plain(&st->prog), rec->name, rec->error);
		return -1;
	}
	free(rec->result.commit);
	rec->result.commit = xstrdup(out.commit);
	record_phase_add(rec, "api_commit", out.ms);
	return 0;
}

/* Open or update the PR of every repository whose branch was pushed; close
 * the stale one of a repository left unchanged. */
void
run_pr_publish_all(struct run_state *st)
{
	struct runpr_out out;
	struct runpr_in in;
	size_t k;

	for (k = 0; k < st->list.n; k++) {
		struct task *t = &st->tasks[k];
		struct record *rec = &t->rec;

		if (!t->done || record_failed(rec) || !rec->has_result)
			continue;
		if (rec->outcome == OUTCOME_UNCHANGED) {
			pr_close_unchanged(st, rec, t->e);
			continue;
		}
		if (rec->outcome != OUTCOME_PUSHED)
			continue;
		if (pr_commit(st, t) < 0)
			continue;
		memset(&in, 0, sizeof(in));
		in.text.repo = t->e->name;
		in.text.base = t->e->branch;
		in.text.branch = rec->result.branch;
		in.text.commit = rec->result.commit;
		in.text.diffstat = rec->result.diffstat;
		in.text.body = st->o->pr.body;
		in.text.argv = st->o->argv;
		in.text.argc = st->o->argc;
		in.o = &st->o->pr;
		if (runpr_publish(&out, st->api, &in) < 0) {
			rec->outcome = OUTCOME_FAILED;
			record_set_cause(rec, CAUSE_PR, 0, err_last());
			st->nfailed++;
			progress_line(&st->prog, "%sFAIL%s %s: pr: %s", progress_red(&st->prog),
			    progress_plain(&st->prog), rec->name, rec->error);
			continue;
		}
		free(rec->sync.pr_url);
		rec->sync.pr_url = out.url;
		rec->sync.pr = out.created ? PR_OPENED : out.updated ? PR_UPDATED : PR_CURRENT;
		progress_line(&st->prog, "pr   %s: %s #%d %s", rec->name,
		    record_pr_name(rec->sync.pr), out.number, out.url);
	}
}

/* --diff: every repository's diffstat and diff on stdout. */
void
run_pr_print_diffs(const struct run_state *st)
{
	size_t k;

	for (k = 0; k < st->list.n; k++) {
		const struct record *rec = &st->tasks[k].rec;

		if (rec->outcome == OUTCOME_UNCHANGED)
			printf("=== %s: unchanged\n", rec->name);
		if (rec->outcome != OUTCOME_DRY_RUN || !rec->has_result)
			continue;
		printf("=== %s: would push branch '%s'\n%s\n%s", rec->name,
		    rec->result.branch ? rec->result.branch : "",
		    rec->result.diffstat ? rec->result.diffstat : "",
		    rec->result.diff ? rec->result.diff : "");
	}
	fflush(stdout);
}
