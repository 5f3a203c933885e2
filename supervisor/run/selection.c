/* selection — see selection.h. */
#include "supervisor/run/selection.h"

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/appauth.h"

static int
open_api(struct api **out, const struct selection_in *in)
{
	struct api_opts ao;
	char *cache = xasprintf("%s/api", in->cache_dir);
	int rc;

	*out = NULL;
	if ((rc = util_mkdirs(cache, 0700)) < 0) {
		free(cache);
		return rc;
	}
	api_opts_init(&ao);
	ao.base_url = in->ep->api_url;
	ao.cache_dir = cache;
	if (in->app != NULL)
		appauth_use(&ao, in->app);
	rc = api_new(out, &ao, in->token != NULL ? token_value(in->token) : NULL);
	free(cache);
	if (rc < 0)
		err_wrap("repocast.api_url (from %s)", in->ep->api_from);
	return rc;
}

/* repos_query's on_search: a search asks with its owner's installation. */
static void
search_owner(const char *owner, void *arg)
{
	app_set_owner(arg, owner);
}

static void
copy_query(struct report_selection *sel, const struct selection_in *in)
{
	const struct repos_query *q = in->query;
	size_t i;
	char *s;

	if (in->repos_file != NULL) {
		s = xasprintf("repos:%s", in->repos_file);
		strv_add(&sel->sources, s);
		free(s);
	}
	for (i = 0; i < q->orgs.n; i++) {
		s = xasprintf("org:%s", q->orgs.v[i]);
		strv_add(&sel->sources, s);
		free(s);
	}
	for (i = 0; i < q->users.n; i++) {
		s = xasprintf("user:%s", q->users.v[i]);
		strv_add(&sel->sources, s);
		free(s);
	}
	for (i = 0; i < q->searches.n; i++) {
		s = xasprintf("search:%s", q->searches.v[i]);
		strv_add(&sel->sources, s);
		free(s);
	}
	strv_copy(&sel->topics, &q->topics);
	sel->include_archived = q->include_archived;
	sel->include_forks = q->include_forks;
}

static int
add_query(struct repolist *list, struct report_selection *sel, struct api_stats *stats,
    const struct selection_in *in)
{
	struct repos_result res;
	struct repos_query q = *in->query;
	struct api *a = NULL;
	size_t i;
	int rc;

	memset(&res, 0, sizeof(res));
	if ((rc = open_api(&a, in)) < 0)
		return rc;
	if (in->app != NULL) {
		q.on_search = search_owner;
		q.on_search_arg = in->app;
	}
	rc = repos_resolve(&res, a, &q);
	if (in->app != NULL)
		app_set_owner(in->app, NULL);
	if (rc < 0) {
		endpoint_api_error(in->ep, rc);
		goto out;
	}
	for (i = 0; i < res.n; i++) {
		const struct repos_item *it = &res.v[i];
		const char *why = it->skipped;

		if (why == NULL && repolist_add_repo(list, it->full_name, in->ep->git_url) > 0)
			why = "listed before";
		report_selection_add(sel, it->full_name, it->source, why);
	}
	log_info("selection: %zu repositor%s from the api, %zu skipped", res.nkept,
	    res.nkept == 1 ? "y" : "ies", res.n - res.nkept);
out:
	if (stats != NULL && a != NULL) {
		const struct api_stats *s = api_get_stats(a);

		stats->requests += s->requests;
		stats->not_modified += s->not_modified;
		stats->rate_limited += s->rate_limited;
		stats->waited_ms += s->waited_ms;
	}
	repos_result_release(&res);
	api_free(a);
	return rc;
}

int
selection_resolve(struct repolist *list, struct report_selection *sel, struct api_stats *stats,
    const struct selection_in *in)
{
	size_t i, first = list->n;
	int rc;

	sel->present = true;
	copy_query(sel, in);
	if (in->repos_file != NULL) {
		char *src = xasprintf("repos:%s", in->repos_file);

		rc = repolist_load(list, in->repos_file, in->ep->git_url);
		for (i = first; rc == 0 && i < list->n; i++)
			report_selection_add(sel, list->v[i].name, src, NULL);
		free(src);
		if (rc < 0)
			return rc;
	}
	if (repos_query_any(in->query))
		return add_query(list, sel, stats, in);
	return 0;
}

void
selection_print_skipped(FILE *err, const struct report_selection *sel)
{
	size_t i;

	for (i = 0; i < sel->n; i++) {
		const struct report_pick *p = &sel->v[i];

		if (p->skipped != NULL)
			fprintf(err, "skipped %s (%s, %s)\n", p->name, p->skipped, p->source);
	}
}
