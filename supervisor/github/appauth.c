/* appauth — see appauth.h. */
#include "supervisor/github/appauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"

static bool
env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

int
appauth_load(struct app_opts *o, bool *set, char *from_buf, size_t from_len,
    const struct cfg *c, const char *token_file)
{
	char at[200] = "";
	int ret;

	if (c != NULL)
		snprintf(at, sizeof(at), "%s:%d:%d", c->path, c->rc.auth_pos.line,
		    c->rc.auth_pos.col);
	if ((ret = app_opts_resolve(o, set, from_buf, from_len,
	    c != NULL ? c->rc.auth_app_id : NULL, c != NULL ? c->rc.auth_key_file : NULL,
	    c != NULL ? c->rc.auth_installation_id : NULL, at)) < 0)
		return ret;
	if (!*set)
		return 0;
	if (token_file != NULL)
		return err_set(ERR_CONFIG, "--token-file and a GitHub App (%s) are both given: "
		    "use one", o->from);
	if (env_set("GITHUB_TOKEN") || env_set("GH_TOKEN"))
		log_info("GitHub App %s (from %s) authenticates this run: GITHUB_TOKEN and "
		    "GH_TOKEN are not used", o->app_id, o->from);
	token_scrub_env();
	return 0;
}

int
appauth_attach(struct app **out, const struct app_opts *o, struct api_opts *ao)
{
	struct api_opts app_ao = *ao;
	int rc;

	/* The App's own requests (JWT, tokens) are few: no write pace. */
	app_ao.write_interval_ms = 0;
	app_ao.create_per_min = app_ao.create_per_hour = 0;
	if ((rc = app_new(out, o, &app_ao)) < 0)
		return rc;
	appauth_use(ao, *out);
	return 0;
}

void
appauth_use(struct api_opts *ao, struct app *a)
{
	ao->auth = app_auth;
	ao->auth_arg = a;
	ao->auth_hint = "the GitHub App's installation on that owner (repocast.auth)";
}

bool
appauth_owner(char owner[APPAUTH_OWNER_MAX], const char *repo)
{
	size_t n = strcspn(repo, "/");

	owner[0] = '\0';
	if (n == 0 || n >= APPAUTH_OWNER_MAX || repo[n] != '/' || repo[n + 1] == '\0')
		return false;
	memcpy(owner, repo, n);
	owner[n] = '\0';
	return true;
}

int
appauth_repo_token(const char **token, struct app *a, const char *repo)
{
	char owner[APPAUTH_OWNER_MAX];

	*token = NULL;
	if (!appauth_owner(owner, repo))
		return err_set(ERR_CONFIG, "bad repository name '%s'", repo);
	return app_token(token, NULL, a, owner, strchr(repo, '/') + 1, false);
}

int
appauth_group(struct appauth_inst **out, size_t *nout, struct app *a,
    const char *const *repos, size_t n)
{
	struct appauth_inst *v;
	char owner[APPAUTH_OWNER_MAX];
	size_t i, j, nv = 0;
	int rc = 0;

	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		const char *tok;
		uint64_t id = 0;

		if (!appauth_owner(owner, repos[i]) || app_not_installed(a, owner))
			continue;
		rc = app_token(&tok, &id, a, owner, strchr(repos[i], '/') + 1, false);
		if (rc == ERR_AUTH && app_not_installed(a, owner)) {
			log_warn("%s", err_last());
			err_clear();
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		for (j = 0; j < nv && v[j].id != id; j++)
			;
		if (j == nv) {
			v[nv].id = id;
			snprintf(v[nv++].owner, sizeof(v->owner), "%s", owner);
		}
		v[j].n++;
	}
	if (rc < 0) {
		free(v);
		v = NULL;
		nv = 0;
	}
	*out = v;
	*nout = nv;
	return rc;
}

void
appauth_report(struct report_run *run, const struct app *a, const struct token *t)
{
	struct app_owner_info oi;
	size_t i, n;

	if (a == NULL) {
		if (t != NULL)
			report_run_set_auth(run, "token", t->source, NULL);
		return;
	}
	report_run_set_auth(run, "app", app_from(a), app_id(a));
	n = app_owners(a, 0, NULL);
	for (i = 0; i < n; i++) {
		app_owners(a, i, &oi);
		report_run_add_installation(run, oi.owner, oi.installation, oi.tokens);
	}
}
