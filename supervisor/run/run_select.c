/*
 * run_select — the first step of `repocast run`: where the API and the git
 * server are, a GitHub App or a token, and the repositories (selection.h),
 * with the token asked for only when a repository or the query needs it
 * (internal.h).
 */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/log.h"
#include "supervisor/github/api.h"
#include "supervisor/github/appauth.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/repos.h"
#include "supervisor/github/token.h"
#include "supervisor/report/report.h"
#include "supervisor/run/internal.h"
#include "supervisor/run/repolist.h"
#include "supervisor/run/runcfg.h"
#include "supervisor/run/selection.h"

static bool
any_http(const struct repolist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (is_http(l->v[i].url))
			return true;
	return false;
}

/*
 * Where the API and git server are, the token, and the repositories
 * (selection.h) into st->list and run->selection. A token is optional for
 * run: only the API query and http(s) entries use one, and `gh auth token`
 * is asked only when one of them needs it.
 */
int
run_select(struct run_state *st, struct report_run *run, struct endpoint *ep)
{
	const struct run_opts *o = st->o;
	struct endpoint_in ein;
	struct repos_query q;
	struct selection_in in;
	struct api_stats stats;
	char *host = NULL;
	bool asked = false;
	int rc;

	memset(&ein, 0, sizeof(ein));
	ein.api_flag = o->api_url;
	ein.git_flag = o->git_url;
	if (o->cfg.config != NULL) {
		if ((rc = runcfg_load(&st->cfg, &o->cfg)) < 0)
			return rc;
		runcfg_endpoint(&ein, &st->cfg);
	}
	if ((rc = endpoint_resolve(ep, &ein)) < 0)
		return rc;
	/* A GitHub App (-c CONFIG's repocast.auth, else GITHUB_APP_ID) instead of
	 * a token: no token is looked for then. */
	if ((rc = appauth_load(&st->app_o, &st->use_app, st->app_from, sizeof(st->app_from),
	    st->cfg.cfg, o->token_file)) < 0)
		return rc;
	if (st->use_app) {
		struct api_opts ao;

		api_opts_init(&ao);
		ao.base_url = ep->api_url;
		if ((rc = appauth_attach(&st->app, &st->app_o, &ao)) < 0)
			return rc;
		log_debug("GitHub App %s (from %s)", st->app_o.app_id, st->app_o.from);
	}
	host = endpoint_git_host(ep);
	memset(&q, 0, sizeof(q));
	q.orgs = o->orgs;
	q.users = o->users;
	q.searches = o->searches;
	q.topics = o->topics;
	q.include_archived = o->include_archived;
	q.include_forks = o->include_forks;
	rc = st->app != NULL ? 0 : token_load(&st->token, o->token_file);
	if (rc == ERR_AUTH && o->token_file == NULL && repos_query_any(&q)) {
		asked = true;
		rc = token_find(&st->token, NULL, host);
	}
	if (rc < 0 && !(rc == ERR_AUTH && o->token_file == NULL))
		goto out;
	if (st->token == NULL && st->app == NULL && repos_query_any(&q))
		log_warn("%s: asking the api without a token", err_last());
	memset(&in, 0, sizeof(in));
	memset(&stats, 0, sizeof(stats));
	in.repos_file = o->repos;
	in.query = &q;
	in.ep = ep;
	in.token = st->token;
	in.app = st->app;
	in.cache_dir = o->cache_dir;
	rc = selection_resolve(&st->list, &run->selection, &stats, &in);
	run->api_requests = stats.requests;
	run->api_not_modified = stats.not_modified;
	run->api_rate_limited = stats.rate_limited;
	run->api_waited_ms = stats.waited_ms;
	if (rc < 0)
		goto out;
	if (st->cfg.cfg != NULL)
		runcfg_add(&st->list, &run->selection, &st->cfg, ep->git_url);
	if (st->token == NULL && st->app == NULL && !asked && any_http(&st->list)) {
		rc = token_find(&st->token, NULL, host);
		if (rc < 0 && rc != ERR_AUTH)
			goto out;
	}
	if (st->token != NULL)
		log_debug("github token from %s", st->token->source);
	rc = 0;
out:
	free(host);
	return rc;
}
