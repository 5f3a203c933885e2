/*
 * run_app — `repocast run` as a GitHub App: which repositories an
 * installation covers, each owner's installation asked once before anything
 * runs, and the repositories of an owner without the App failed before any
 * worker (internal.h).
 */

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/app.h"
#include "supervisor/github/appauth.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/record.h"
#include "supervisor/run/internal.h"
#include "supervisor/run/run_output.h"

/*
 * The repository e is on the git server: owner/name when it is fetched
 * from <git_url>/owner/name.git (an owner/name entry, an API or a config
 * repository, or such a URL), which a GitHub App's installation covers;
 * NULL for a path, another URL or none:.
 */
const char *
run_app_repo(const struct run_state *st, const struct repolist_entry *e)
{
	const char *base = st->ep->git_url, *rest;
	size_t n = strlen(base), k = strlen(e->name);

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (strchr(e->name, '/') == NULL || strncmp(e->url, base, n) != 0 || e->url[n] != '/')
		return NULL;
	rest = e->url + n + 1;
	if (strncmp(rest, e->name, k) != 0 || strcmp(rest + k, ".git") != 0)
		return NULL;
	return e->name;
}

/*
 * Before anything runs: each owner's installation, asked once (a JWT the
 * API refuses stops the run here, before any write: exit 3). An owner
 * without the App is left to its repositories (run_app_fail_uninstalled).
 */
int
run_app_installations(struct run_state *st)
{
	struct appauth_inst *v;
	const char **repos;
	size_t k, n = 0, nv;
	int rc;

	if (st->app == NULL)
		return 0;
	repos = xcalloc(st->list.n + 1, sizeof(*repos));
	for (k = 0; k < st->list.n; k++)
		if ((repos[n] = run_app_repo(st, &st->list.v[k])) != NULL)
			n++;
	rc = appauth_group(&v, &nv, st->app, repos, n);
	for (k = 0; rc == 0 && k < nv; k++)
		log_info("GitHub App %s: installation %llu (%s): %u repositor%s", app_id(st->app),
		    (unsigned long long)v[k].id, v[k].owner, v[k].n, v[k].n == 1 ? "y" : "ies");
	free(repos);
	free(v);
	return rc;
}

/* The repositories of an owner without the App fail with cause auth, before
 * any worker; the others go on. */
void
run_app_fail_uninstalled(struct run_state *st)
{
	char owner[APPAUTH_OWNER_MAX];
	const char *repo, *tok;
	size_t k;

	for (k = 0; st->app != NULL && k < st->list.n; k++) {
		struct task *t = &st->tasks[k];

		if ((repo = run_app_repo(st, t->e)) == NULL || !appauth_owner(owner, repo) ||
		    !app_not_installed(st->app, owner))
			continue;
		/* Not asked again: the reason remembered for that owner. */
		if (appauth_repo_token(&tok, st->app, repo) == 0)
			continue;
		memset(&t->rec, 0, sizeof(t->rec));
		t->rec.name = xstrdup(t->e->name);
		t->rec.outcome = OUTCOME_FAILED;
		record_set_cause(&t->rec, CAUSE_ERROR, ERR_AUTH, err_last());
		err_clear();
		t->rec.exit_code = -1;
		t->done = true;
		st->ndone++;
		st->nfailed++;
		run_output_finished(&st->out, &t->out, &t->rec);
		progress_finished(&st->prog, true);
	}
}
