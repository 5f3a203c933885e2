/*
 * sync_skip — skip without spawning (DESIGN §3): the glue between a sync
 * run and supervisor/sync/skipcache.h. After discovery, put together the
 * state a target's result depends on and compare it with the record of
 * its last successful run; after the pull requests, record the state
 * of every target that ended in one the next run can recognise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/github.h"
#include "supervisor/sync/internal.h"

static void
sync_skip_key(struct skipcache_key *k, const struct sync_run *r, const struct sync_target *t)
{
	k->target = t->target->repo;
	k->group = t->group->id;
	k->branch_prefix = t->group->defaults.branch_prefix;
	k->config_digest = r->cfg->digest;
}

static void
sync_copy_hex(char dst[41], const char *src)
{
	if (src != NULL && strlen(src) == 40)
		memcpy(dst, src, 41);
	else
		dst[0] = '\0';
}

/*
 * What the result depends on, as this run sees it: the source tree, the
 * base head (discovery), and the open sync PR's branch with the head the
 * branch REALLY has (its ref, which batched discovery read with the PR
 * list, else one more ETag-cached GET: a deleted branch or a push the PR
 * list has not caught up with must not look unchanged).
 */
static void
sync_skip_state(struct skipcache_state *now, struct sync_run *r, struct sync_target *t)
{
	const struct github_pull *pr = t->found.pr;
	char head[41];

	memset(now, 0, sizeof(*now));
	git_oid_tostr(now->source_tree, sizeof(now->source_tree),
	    git_tree_id(t->source->src.tree));
	/* Module directories come from tags: a new matching tag is a change. */
	if (t->nmods > 0) {
		char tree[41];

		memcpy(tree, now->source_tree, sizeof(tree));
		sync_modules_digest(now->source_tree, t, tree);
	}
	sync_copy_hex(now->base_head, t->found.base_head);
	if (pr == NULL)
		return;
	/* Batched discovery read the branch's ref with the PR list (discogql.h). */
	if (pr->head.ref != NULL && t->found.branch_head[0] != '\0')
		memcpy(head, t->found.branch_head, sizeof(head));
	if (pr->head.ref == NULL || strlen(pr->head.ref) > SKIPCACHE_BRANCH_MAX ||
	    (t->found.branch_head[0] == '\0' &&
	    github_branch_head(head, r->api, t->target->repo, pr->head.ref) != 0)) {
		err_clear();
		now->base_head[0] = '\0';  /* unknown: never matches */
		return;
	}
	snprintf(now->branch, sizeof(now->branch), "%s", pr->head.ref);
	sync_copy_hex(now->branch_head, head);
}

/* A record for a target the skip cache answered: no worker, attempts 0. */
static void
sync_skip_record(struct sync_target *t, enum record_outcome outcome,
    const struct skipcache_state *rec)
{
	const struct github_pull *pr = t->found.pr;

	sync_record_none(t, outcome, CAUSE_NONE, 0, NULL);
	t->cached = true;
	t->rec.start_us = t->rec.end_us = util_wall_us();
	t->rec.exit_code = -1;
	t->rec.has_result = true;
	t->rec.result.outcome = xstrdup(rec->outcome);
	/* What its PR carries, as a worker would report it for the same state. */
	t->rec.result.added = rec->added;
	t->rec.result.changed = rec->changed;
	t->rec.result.deleted = rec->deleted;
	if (pr != NULL) {
		t->rec.result.branch = xstrdup(rec->branch);
		t->rec.result.commit = xstrdup(rec->branch_head);
	}
}

/* Does the skip cache answer for t? Then t is recorded and needs no worker. */
bool
sync_skip_check(struct sync_run *r, struct sync_target *t)
{
	struct skipcache_key k;
	struct skipcache_state rec;
	enum record_outcome outcome;

	sync_skip_state(&t->now, r, t);
	/* Another open sync PR of the target must be closed: publish does it. */
	if (r->o.no_skip || t->found.nothers > 0)
		return false;
	sync_skip_key(&k, r, t);
	if (!skipcache_load(&rec, r->cache_dir, &k) || !skipcache_match(&rec, &t->now) ||
	    record_outcome_parse(&outcome, rec.outcome) < 0)
		return false;
	/* An open PR needs the recorded pending_current; none, up_to_date. */
	if ((t->found.pr != NULL) != (strcmp(rec.outcome, "pending_current") == 0))
		return false;
	log_debug("%s: unchanged since the last run (%s): no worker", t->target->repo,
	    rec.outcome);
	sync_skip_record(t, outcome, &rec);
	return true;
}

/*
 * After the pull requests: record the state of every target whose run
 * ended in a state the next run can recognise. up_to_date counts only
 * with no open sync PR left; pending_current and pushed (its PR now
 * current) with the branch head the worker reported. Anything else
 * leaves the old record alone: a record describes a state fully, so an
 * old one can only match when that whole state is back.
 */
void
sync_skip_store(struct sync_run *r, struct sync_target *t)
{
	const struct record *rec = &t->rec;
	const struct msg_result *res = &rec->result;
	struct skipcache_state st = t->now;
	struct skipcache_key k;

	if (r->o.dry_run || t->cached || !t->has_rec || record_failed(rec) ||
	    !rec->has_result || st.base_head[0] == '\0')
		return;
	if (rec->outcome == OUTCOME_UP_TO_DATE) {
		if (t->found.pr != NULL && !t->pr_closed)
			return;
		st.branch[0] = st.branch_head[0] = '\0';
		st.added = st.changed = st.deleted = 0;
	} else if (rec->outcome == OUTCOME_PENDING_CURRENT ||
	    (rec->outcome == OUTCOME_PUSHED && rec->sync.pr != PR_NONE)) {
		if (res->branch == NULL || strlen(res->branch) > SKIPCACHE_BRANCH_MAX)
			return;
		snprintf(st.branch, sizeof(st.branch), "%s", res->branch);
		sync_copy_hex(st.branch_head, res->commit);
		st.added = res->added;
		st.changed = res->changed;
		st.deleted = res->deleted;
	} else {
		return;
	}
	snprintf(st.outcome, sizeof(st.outcome), "%s", record_outcome_name(st.branch[0] ?
	    OUTCOME_PENDING_CURRENT : OUTCOME_UP_TO_DATE));
	sync_skip_key(&k, r, t);
	if (skipcache_store(r->cache_dir, &k, &st) < 0)
		log_debug("%s: %s", t->target->repo, err_last());
}
