/*
 * sync_groups — groups run one after another in execution order
 * (cfg_group_order: depends_on, then priority), as go-broadcast's group
 * orchestrator runs them. A group whose dependency, in this run, had a
 * failed target or was skipped itself is skipped: its targets get no
 * discovery and no worker, only a record saying which group stopped
 * them. A dependency not in this run (disabled and not named, left out
 * by --groups, --skip-groups or the target filters) counts as met.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/sync/internal.h"

void
sync_groups_init(struct sync_run *r)
{
	size_t i;

	r->groups = xcalloc(r->nt + 1, sizeof(*r->groups));
	r->ngroups = 0;
	for (i = 0; i < r->nt; i++) {
		struct sync_group *sg = r->ngroups ? &r->groups[r->ngroups - 1] : NULL;

		if (sg != NULL && sg->group == r->t[i].group) {
			sg->n++;
			continue;
		}
		sg = &r->groups[r->ngroups++];
		sg->group = r->t[i].group;
		sg->first = i;
		sg->n = 1;
		sg->state = SYNC_GROUP_PENDING;
	}
}

/* The group of this run with id id, or NULL. */
static const struct sync_group *
sync_group_find(const struct sync_run *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i].group->id, id) == 0)
			return &r->groups[i];
	return NULL;
}

bool
sync_group_blocked(struct sync_run *r, struct sync_group *sg)
{
	const struct cfg_group *g = sg->group;
	const struct sync_group *dep = NULL;
	char *why;
	size_t i;

	for (i = 0; i < g->depends_on.n; i++) {
		const struct sync_group *d = sync_group_find(r, g->depends_on.v[i]);

		if (d == NULL) {
			log_info("group '%s': dependency '%s' is not in this run: counted as met",
			    g->id, g->depends_on.v[i]);
			continue;
		}
		/* execution order puts every dependency first */
		if (d->state == SYNC_GROUP_PENDING)
			BUG("group '%s' runs before its dependency '%s'", g->id, d->group->id);
		if (dep == NULL && (d->state == SYNC_GROUP_SKIPPED || d->nfailed > 0))
			dep = d;
	}
	if (dep == NULL)
		return false;
	if (dep->state == SYNC_GROUP_SKIPPED)
		why = xasprintf("group '%s' was skipped", dep->group->id);
	else
		why = xasprintf("group '%s' had %zu failed target%s", dep->group->id,
		    dep->nfailed, dep->nfailed == 1 ? "" : "s");
	log_warn("group '%s' skipped: %s", g->id, why);
	for (i = sg->first; i < sg->first + sg->n; i++) {
		sync_record_none(&r->t[i], OUTCOME_SKIPPED, CAUSE_DEPENDENCY, 0, why);
		r->t[i].rec.start_us = r->t[i].rec.end_us = util_wall_us();
	}
	free(why);
	sg->state = SYNC_GROUP_SKIPPED;
	return true;
}

void
sync_group_done(struct sync_run *r, struct sync_group *sg)
{
	size_t i;

	sg->nfailed = 0;
	for (i = sg->first; i < sg->first + sg->n; i++)
		if (r->t[i].has_rec && record_failed(&r->t[i].rec))
			sg->nfailed++;
	sg->state = SYNC_GROUP_DONE;
}
