/*
 * scope — group and target filters, blast-radius guard.
 */
#include "supervisor/sync/scope.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

/* Does comma-separated list item in vals name group g? Marks hits. */
static bool
scope_names(const struct cfg_group *g, const char *const *vals, size_t n, bool *hit)
{
	const char *p, *e;
	size_t i, len, k = 0;
	bool found = false;

	for (i = 0; i < n; i++) {
		for (p = vals[i]; ; p = e + 1) {
			e = strchr(p, ',');
			len = e ? (size_t)(e - p) : strlen(p);
			if (len > 0 && ((strlen(g->name) == len && strncmp(g->name, p, len) == 0) ||
			    (strlen(g->id) == len && strncmp(g->id, p, len) == 0))) {
				found = true;
				if (hit)
					hit[k] = true;
			}
			k++;
			if (e == NULL)
				break;
		}
	}
	return found;
}

/* Number of comma-separated items across vals. */
static size_t
scope_count_items(const char *const *vals, size_t n)
{
	size_t i, k = 0;
	const char *p;

	for (i = 0; i < n; i++) {
		k++;
		for (p = vals[i]; (p = strchr(p, ',')) != NULL; p++)
			k++;
	}
	return k;
}

/* The k-th comma item of vals, copied. */
static char *
scope_item(const char *const *vals, size_t n, size_t k)
{
	const char *p, *e;
	size_t i;

	for (i = 0; i < n; i++)
		for (p = vals[i]; ; p = e + 1) {
			e = strchr(p, ',');
			if (k-- == 0)
				return e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
			if (e == NULL)
				break;
		}
	return xstrdup("");
}

static bool
scope_filter_match(const char *repo, const struct scope_opts *o, bool *hit)
{
	size_t i;
	bool any = false;

	if (o->nfilters == 0)
		return true;
	for (i = 0; i < o->nfilters; i++)
		if (strcmp(o->filters[i], repo) == 0 || fnmatch(o->filters[i], repo, 0) == 0) {
			hit[i] = true;
			any = true;
		}
	return any;
}

static int
scope_unmatched(const char *what, const char *const *vals, size_t n, const bool *hit)
{
	size_t k, items = scope_count_items(vals, n);
	char *s;

	for (k = 0; k < items; k++) {
		if (hit[k])
			continue;
		s = scope_item(vals, n, k);
		err_set(ERR_CONFIG, "%s '%s' matches no %s", what[0] == 'f' ? "target filter" :
		    what[0] == 'g' ? "--groups value" : "--skip-groups value", s,
		    what[0] == 'f' ? "target in scope" : "group");
		free(s);
		return ERR_CONFIG;
	}
	return 0;
}

static bool
scope_in(const struct strv *sv, const char *repo)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], repo) == 0)
			return true;
	return false;
}

int
scope_resolve(struct scope *s, const struct cfg *c, const struct scope_opts *o)
{
	size_t *order = NULL, i, j;
	bool *ghit = NULL, *shit = NULL, *fhit = NULL;
	int rc = ERR_CONFIG;

	memset(s, 0, sizeof(*s));
	order = xcalloc(c->ngroups + 1, sizeof(*order));
	ghit = xcalloc(scope_count_items(o->groups, o->ngroups) + 1, sizeof(bool));
	shit = xcalloc(scope_count_items(o->skip, o->nskip) + 1, sizeof(bool));
	fhit = xcalloc(o->nfilters + 1, sizeof(bool));
	cfg_group_order(order, c);
	s->sharded = o->shard != NULL && o->shard->count > 0;
	for (i = 0; i < c->ngroups; i++) {
		const struct cfg_group *g = &c->groups[order[i]];
		bool named = o->ngroups > 0 && scope_names(g, o->groups, o->ngroups, ghit);
		bool skipped = o->nskip > 0 && scope_names(g, o->skip, o->nskip, shit);
		size_t before = s->n, before_total = s->total;

		if (skipped || (o->ngroups > 0 && !named) || (!g->enabled && !named))
			continue;
		for (j = 0; j < g->ntargets; j++) {
			if (!scope_filter_match(g->targets[j].repo, o, fhit) ||
			    (o->only != NULL && !scope_in(o->only, g->targets[j].repo)))
				continue;
			s->total++;
			if (!shard_holds(o->shard, g->targets[j].repo))
				continue;
			ALLOC_GROW(s->v, s->n + 1, s->cap);
			s->v[s->n].group = g;
			s->v[s->n].target = &g->targets[j];
			s->n++;
		}
		if (s->n > before)
			s->ngroups++;
		if (s->total > before_total)
			s->total_groups++;
	}
	if (scope_unmatched("groups", o->groups, o->ngroups, ghit) < 0 ||
	    scope_unmatched("skip", o->skip, o->nskip, shit) < 0 ||
	    scope_unmatched("filters", o->filters, o->nfilters, fhit) < 0) {
		scope_release(s);
		goto out;
	}
	rc = 0;
out:
	free(order);
	free(ghit);
	free(shit);
	free(fhit);
	return rc;
}

void
scope_release(struct scope *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int
scope_confirm(const struct scope *s, long confirm, bool dry_run)
{
	const char *all = s->sharded ? " (all shards)" : "";

	if (dry_run || (s->total_groups <= SCOPE_MAX_GROUPS && s->total <= SCOPE_MAX_REPOS))
		return 0;
	if (confirm < 0)
		return err_set(ERR_CONFIG,
		    "refusing to sync %zu repositories across %zu group(s)%s without confirmation; "
		    "re-run with --confirm-scope %zu", s->total, s->total_groups,
		    all, s->total);
	if ((size_t)confirm != s->total)
		return err_set(ERR_CONFIG,
		    "--confirm-scope %ld does not match the %zu repositories in scope%s", confirm,
		    s->total, all);
	return 0;
}

const char *
scope_describe(char *buf, size_t len, const struct scope *s, const struct shard *shard)
{
	char sh[64];

	if (!s->sharded || shard == NULL)
		snprintf(buf, len, "scope: %zu target%s in %zu group%s", s->n, s->n == 1 ? "" : "s",
		    s->ngroups, s->ngroups == 1 ? "" : "s");
	else
		snprintf(buf, len, "scope: %zu of %zu target%s in %zu of %zu group%s (%s)", s->n,
		    s->total, s->total == 1 ? "" : "s", s->ngroups, s->total_groups,
		    s->total_groups == 1 ? "" : "s", shard_describe(sh, sizeof(sh), shard));
	return buf;
}
