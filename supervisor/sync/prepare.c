/*
 * sync_prepare — one target, before its worker: discovery (base branch
 * and head, open sync PR), the skip-cache check, and the plan expanded
 * into the JOB message and its manifest (sync_job.h), directory
 * transforms applied here when they differ from the target's. A target
 * that cannot be prepared gets a failed record and no worker; the run
 * goes on. See internal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/log.h"
#include "shared/pathcheck.h"
#include "shared/transform.h"
#include "shared/util.h"
#include "supervisor/github/app.h"
#include "supervisor/github/discogql.h"
#include "supervisor/github/prtext.h"
#include "supervisor/report/profiles.h"
#include "supervisor/sync/internal.h"
#include "supervisor/github/token.h"

static struct sync_source *
sync_source_of(struct sync_run *r, const struct cfg_group *g)
{
	size_t i;

	for (i = 0; i < r->nsources; i++)
		if (sync_source_same(&r->sources[i], g))
			return &r->sources[i];
	BUG("no source for group '%s'", g->id);
}

/* A target that failed before its worker: err_last() is the error. */
static void
sync_fail_early(struct sync_target *t, int rc)
{
	sync_record_none(t, OUTCOME_FAILED, CAUSE_ERROR, rc, err_last());
	t->rec.start_us = t->rec.end_us = util_wall_us();
}

/*
 * The source -> target address pairs of a target's email transform
 * (security, support): only where both are set and differ. Returns the
 * count (<= 2); the strings are borrowed from the config.
 */
static size_t
sync_email_pairs(struct transform_pair pairs[2], const struct cfg_group *g,
    const struct cfg_target *t)
{
	size_t n = 0;

	if (g->source.security_email && t->security_email &&
	    strcmp(g->source.security_email, t->security_email) != 0) {
		pairs[n].from = g->source.security_email;
		pairs[n++].to = t->security_email;
	}
	if (g->source.support_email && t->support_email &&
	    strcmp(g->source.support_email, t->support_email) != 0) {
		pairs[n].from = g->source.support_email;
		pairs[n++].to = t->support_email;
	}
	return n;
}

static void
sync_kv_add(struct msg_kv **v, size_t *n, const char *k, const char *val)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].key = xstrdup(k);
	(*v)[*n].value = xstrdup(val);
	(*n)++;
}

void
sync_author(const struct cfg *c, const char **name, const char **email)
{
	*name = c->rc.author_name;
	*email = c->rc.author_email;
	if (*name == NULL)
		*name = getenv("GIT_AUTHOR_NAME");
	if (*email == NULL)
		*email = getenv("GIT_AUTHOR_EMAIL");
	if (*name == NULL || **name == '\0')
		*name = "repocast";
	if (*email == NULL || **email == '\0')
		*email = "repocast@users.noreply.github.com";
}

/* Does path lie at or under dir ("" and "." are the root)? */
static bool
sync_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && dir[0] == '.'))
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/*
 * A directory's own transform inherits the target's and overrides it
 * (repo_name when either sets it, the directory's variables over the
 * target's). JOB
 * carries one transform per target, so when the merged rules differ from
 * the target's the supervisor applies them itself: the manifest then names
 * the transformed blob (served from memory) with no transform flag. *out
 * is NULL when the worker's transform is the right one.
 */
static int
sync_dir_transform(struct transform **out, const struct cfg_group *g,
    const struct cfg_target *t, const struct cfg_dir *d)
{
	struct transform_pair *vars, emails[2];
	struct transform_spec spec;
	size_t i, j, n = 0, ne;
	bool same, repo_name, bare;
	int rc;

	*out = NULL;
	/* config has no "unset" for repo_name: a directory can add it, not drop it */
	repo_name = d->transform.repo_name || t->transform.repo_name;
	bare = d->transform.repo_name_bare || t->transform.repo_name_bare;
	same = repo_name == t->transform.repo_name && bare == t->transform.repo_name_bare;
	vars = xcalloc(t->transform.nvars + d->transform.nvars + 1, sizeof(*vars));
	for (i = 0; i < t->transform.nvars; i++) {
		vars[n].from = t->transform.vars[i].key;
		vars[n++].to = t->transform.vars[i].value;
	}
	for (i = 0; i < d->transform.nvars; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(vars[j].from, d->transform.vars[i].key) == 0)
				break;
		if (j == n || strcmp(vars[j].to, d->transform.vars[i].value) != 0)
			same = false;
		vars[j].from = d->transform.vars[i].key;
		vars[j].to = d->transform.vars[i].value;
		if (j == n)
			n++;
	}
	if (same) {
		free(vars);
		return 0;
	}
	ne = sync_email_pairs(emails, g, t);
	memset(&spec, 0, sizeof(spec));
	spec.repo_from = repo_name ? g->source.repo : NULL;
	spec.repo_to = repo_name ? t->repo : NULL;
	spec.repo_bare = repo_name && bare;
	spec.vars = vars;
	spec.nvars = n;
	spec.emails = emails;
	spec.nemails = ne;
	rc = transform_new(out, &spec);
	free(vars);
	return rc;
}

/* Add plan entry e to t's manifest, transformed here when its directory says so. */
static int
sync_add_entry(struct sync_target *t, const struct plan_entry *e, struct transform **dirx)
{
	const struct cfg_target *tg = t->target;
	struct buf out = BUF_INIT;
	const void *data;
	git_blob *blob = NULL;
	char hex[41];
	git_oid id;
	size_t k, len;
	int rc;

	git_oid_tostr(hex, sizeof(hex), &e->oid);
	for (k = tg->ndirs; e->transform && e->src != NULL && k-- > 0; ) {
		const struct cfg_dir *d = &tg->dirs[k];

		if (d->delete || !sync_under(e->src, d->src) || !sync_under(e->path, d->dest))
			continue;
		if (!d->has_transform || dirx[k] == NULL)
			break;
		if ((rc = source_blob(&blob, &data, &len, &t->source->src, &e->oid)) < 0)
			return rc;
		transform_apply(&out, dirx[k], e->path, data, len);
		git_blob_free(blob);
		if (git_odb_hash(&id, out.ptr, out.len, GIT_OBJECT_BLOB) < 0) {
			buf_release(&out);
			return err_git(ERR_FAIL, "cannot hash '%s'", e->path);
		}
		git_oid_tostr(hex, sizeof(hex), &id);
		sync_job_add_blob(&t->job, hex, out.ptr, out.len);
		buf_release(&out);
		sync_job_add_entry(&t->job, e->path, e->mode, hex, false, false);
		return 0;
	}
	sync_job_add_entry(&t->job, e->path, e->mode, hex, e->binary, e->transform);
	return 0;
}

/*
 * Symlinks that point outside the repository (shared/pathcheck.h), unless
 * the config keeps them: the target fails with cause hostile_symlink and
 * no worker. 0 none; 1 recorded; < 0 a link could not be read.
 */
static int
sync_check_links(struct sync_run *r, struct sync_target *t, const struct plan *pl)
{
	const void *data;
	const char *why = NULL;
	git_blob *blob = NULL;
	char *msg, *shown;
	size_t i, k, len;
	int rc, bad;

	if (r->cfg->rc.keep_symlinks)
		return 0;
	for (i = 0; i < pl->n; i++) {
		const struct plan_entry *e = &pl->entries[i];

		if (e->mode != 0120000)
			continue;
		if ((rc = source_blob(&blob, &data, &len, &t->source->src, &e->oid)) < 0)
			return rc;
		bad = pathcheck_symlink(e->path, data, len, &why) < 0;
		if (bad) {
			/* The link's bytes are the source's: no control character reaches a terminal. */
			shown = xstrndup(data, len > 200 ? 200 : len);
			for (k = 0; shown[k] != '\0'; k++)
				if ((unsigned char)shown[k] < 0x20 || shown[k] == 0x7f)
					shown[k] = '?';
			msg = xasprintf("symlink '%s' (from '%s') points to '%s': %s; set"
			    " repocast.symlinks: keep to sync it anyway", e->path, e->src, shown, why);
			free(shown);
			sync_record_none(t, OUTCOME_FAILED, CAUSE_HOSTILE_SYMLINK, 0, msg);
			t->rec.start_us = t->rec.end_us = util_wall_us();
			log_error("%s: %s", t->target->repo, msg);
			free(msg);
		}
		git_blob_free(blob);
		if (bad)
			return 1;
	}
	return 0;
}

/*
 * Refuse the target when a file it would sync is over
 * repocast.max_file_size: 1 (t recorded failed, cause too_large, naming
 * the first such path and how many more), 0 when every file fits.
 */
static int
sync_too_large(struct sync_run *r, struct sync_target *t, const struct plan *pl)
{
	uint64_t max = r->cfg->rc.max_file_size;
	const struct plan_entry *first = NULL;
	size_t i, more = 0;
	char *msg;

	for (i = 0; max > 0 && i < pl->n; i++) {
		if ((uint64_t)pl->entries[i].size <= max)
			continue;
		if (first == NULL)
			first = &pl->entries[i];
		else
			more++;
	}
	if (first == NULL)
		return 0;
	if (more)
		msg = xasprintf("file '%s' is %zu bytes, over repocast.max_file_size (%llu bytes); "
		    "%zu more files are too", first->path, first->size, (unsigned long long)max, more);
	else
		msg = xasprintf("file '%s' is %zu bytes, over repocast.max_file_size (%llu bytes)",
		    first->path, first->size, (unsigned long long)max);
	sync_record_none(t, OUTCOME_FAILED, CAUSE_TOO_LARGE, 0, msg);
	t->rec.start_us = t->rec.end_us = util_wall_us();
	log_info("%s: %s", t->target->repo, msg);
	free(msg);
	return 1;
}

/* The JOB message and manifest for one target: 0, 1 refused (recorded), or an error. */
static int
sync_prepare(struct sync_run *r, struct sync_target *t)
{
	const struct cfg_group *g = t->group;
	const struct cfg_target *tg = t->target;
	struct msg_job *job = &t->job.job.u.job;
	struct plan pl = PLAN_INIT;
	const git_tree **trees;
	struct transform **dirx;
	struct buf b = BUF_INIT;
	struct transform_pair emails[2];
	const char *an, *ae;
	size_t i, ne;
	int rc;

	trees = sync_modules_trees(t);
	rc = plan_expand_at(&pl, t->source->cache, t->source->src.tree, trees, g, tg);
	free(trees);
	if (rc < 0)
		return rc;
	if ((rc = sync_check_links(r, t, &pl)) != 0 || (rc = sync_too_large(r, t, &pl)) != 0) {
		plan_release(&pl);
		return rc;
	}
	dirx = xcalloc(tg->ndirs + 1, sizeof(*dirx));
	for (i = 0; i < tg->ndirs && rc == 0; i++)
		if (tg->dirs[i].has_transform)
			rc = sync_dir_transform(&dirx[i], g, tg, &tg->dirs[i]);
	for (i = 0; i < pl.n && rc == 0; i++)
		rc = sync_add_entry(t, &pl.entries[i], dirx);
	for (i = 0; i < tg->ndirs; i++)
		transform_free(dirx[i]);
	free(dirx);
	if (rc < 0) {
		plan_release(&pl);
		return rc;
	}
	for (i = 0; i < pl.nnotes; i++)
		log_info("%s: %s", tg->repo, pl.notes[i]);
	for (i = 0; i < pl.ndeletes; i++)
		strv_add(&job->delete_paths, pl.deletes[i]);
	for (i = 0; i < pl.nprune; i++)
		strv_add(&job->prune_dirs, pl.prune[i]);
	plan_release(&pl);

	t->job.repo = xstrdup(tg->repo);
	t->job.token = r->token != NULL ? token_value(r->token) : NULL;  /* App: at start */
	t->job.odb = t->source->src.odb;
	t->job.src_repo = t->source->src.mirror.repo;
	job->mode = JOB_SYNC;
	job->target = xstrdup(tg->repo);
	job->remote_url = sync_remote_url(r, tg->repo);
	job->cache_dir = xstrdup(r->cache_dir);
	job->base_branch = xstrdup(t->found.base_branch);
	if (t->found.base_head[0] != '\0')
		job->base_head = xstrdup(t->found.base_head);
	if ((rc = prtext_branch(&b, g->defaults.branch_prefix, tg->repo, time(NULL),
	    t->source->commit)) < 0) {
		buf_release(&b);
		return rc;
	}
	job->sync_branch = buf_detach(&b, NULL);
	if (t->found.pr != NULL) {
		job->existing_branch = xstrdup(t->found.pr->head.ref);
		job->existing_head = xstrdup(t->found.pr->head.sha);
	}
	buf_addf(&b, "sync: update files from %s (%.7s)\n\nSource: %s@%s %s\n", g->source.repo,
	    t->source->commit, g->source.repo, g->source.branch, t->source->commit);
	for (i = 0; i < t->nmods; i++)
		buf_addf(&b, "Module: %s at %s (%s)\n", t->mods[i].d->src,
		    t->mods[i].version ? t->mods[i].version : "the branch head", t->mods[i].commit);
	job->commit_message = buf_detach(&b, NULL);
	sync_author(r->cfg, &an, &ae);
	job->author_name = xstrdup(an);
	job->author_email = xstrdup(ae);
	job->dry_run = r->o.dry_run;
	job->want_diff = r->o.diff;
	/* A dry run's commit is not written, so not signed (docs/signing.md). */
	if (!r->o.dry_run)
		signing_to_job(&r->sign, job);
	job->commit_api = r->cfg->rc.commit_via_api;
	if (tg->transform.repo_name) {
		job->repo_from = xstrdup(g->source.repo);
		job->repo_to = xstrdup(tg->repo);
		job->repo_bare = tg->transform.repo_name_bare;
	}
	for (i = 0; i < tg->transform.nvars; i++)
		sync_kv_add(&job->vars, &job->nvars, tg->transform.vars[i].key,
		    tg->transform.vars[i].value);
	/* emails: key = the source's address, value = the target's */
	ne = sync_email_pairs(emails, g, tg);
	for (i = 0; i < ne; i++)
		sync_kv_add(&job->emails, &job->nemails, emails[i].from, emails[i].to);
	for (i = 0; i < t->nmods; i++)
		if (t->mods[i].d->module.update_refs && t->mods[i].version != NULL)
			sync_kv_add(&job->go_requires, &job->ngo_requires, t->mods[i].module_path,
			    t->mods[i].version);
	job->cpu_seconds = r->cfg->rc.cpu_seconds;
	job->open_files = r->cfg->rc.open_files;
	job->seccomp = (uint64_t)r->cfg->rc.seccomp;
	job->max_frame = FRAME_MAX_DEFAULT;
	job->profile_us = r->o.profile ? PROFILES_PERIOD_US : 0;
	return 0;
}

void
sync_targets_init(struct sync_run *r)
{
	size_t i;

	r->nt = r->scope.n;
	r->t = xcalloc(r->nt + 1, sizeof(*r->t));
	for (i = 0; i < r->nt; i++) {
		struct sync_target *t = &r->t[i];

		t->group = r->scope.v[i].group;
		t->target = r->scope.v[i].target;
		t->source = sync_source_of(r, t->group);
		sync_job_init(&t->job);
	}
}

/*
 * The first query of discovery for targets r->t[idx[0 .. n)]: up to
 * repocast.api.graphql_batch of them in one GraphQL query
 * (supervisor/github/discogql.h); as a GitHub App, one owner's alone. done[j]
 * is set for each target the answer settled (its found filled), the
 * others are left for REST. Returns how many targets the query was for
 * (>= 1 when n > 0). An API found unusable (no GraphQL at the endpoint, a
 * token without the scope) is said once and turns GraphQL off for the rest
 * of the run.
 */
static size_t
sync_discover_query(struct sync_run *r, const size_t *idx, size_t n, bool *done)
{
	size_t batch = (size_t)r->cfg->rc.api_graphql_batch, k, j;
	struct discovery_target dts[DISCOGQL_BATCH_MAX];
	struct discovery outs[DISCOGQL_BATCH_MAX];
	struct graphql_cost cost;
	char owner[128];
	bool unusable;
	int rc;

	if (batch < 1 || batch > DISCOGQL_BATCH_MAX)
		batch = DISCOGQL_BATCH_DEFAULT;
	k = n < batch ? n : batch;
	/* As a GitHub App, one query is one owner's: its installation's
	 * token sees that owner's repositories alone. */
	if (r->app != NULL && k > 0) {
		const char *o0 = r->t[idx[0]].target->repo;
		size_t ol = strcspn(o0, "/");

		for (j = 1; j < k; j++) {
			const char *oj = r->t[idx[j]].target->repo;

			if (strncmp(oj, o0, ol) != 0 || oj[ol] != '/')
				break;
		}
		k = j;
		snprintf(owner, sizeof(owner), "%.*s", (int)ol, o0);
		if (app_not_installed(r->app, owner))
			return k;  /* REST says why, target by target */
		app_set_owner(r->app, owner);
	}
	for (j = 0; j < k; j++) {
		const struct sync_target *t = &r->t[idx[j]];

		memset(&dts[j], 0, sizeof(dts[j]));
		dts[j].repo = t->target->repo;
		dts[j].branch = t->target->branch;
		dts[j].branch_prefix = t->group->defaults.branch_prefix;
		dts[j].source_repo = t->group->source.repo;
		dts[j].want_base_head = true;
		dts[j].want_labels = r->o.automerge;
	}
	rc = discogql_run(outs, done, &unusable, &cost, r->api, r->gql_url, dts, k);
	if (r->app != NULL)
		app_set_owner(r->app, NULL);
	r->gql_queries++;
	if (cost.cost > 0)
		r->gql_points += cost.cost;
	if (rc == 0)
		log_debug("GraphQL: %zu targets in one query: cost %ld, %ld points left", k,
		    cost.cost, cost.remaining);
	if (rc < 0 && sync_signal_pending()) {
		/* the caller sees the interrupt */
	} else if (rc < 0 && unusable) {
		log_warn("%s: discovery uses the REST API for this run "
		    "(repocast.api.graphql: off says so up front)", err_last());
		r->gql_off = true;
	} else if (rc < 0) {
		log_info("%s: these %zu targets are discovered over REST", err_last(), k);
	}
	err_clear();
	for (j = 0; j < k; j++)
		if (done[j])
			r->t[idx[j]].found = outs[j];
	return k;
}

size_t
sync_discover_pre(struct sync_run *r, size_t first, size_t n, size_t *idx)
{
	size_t m = 0, i;

	for (i = first; i < first + n && !sync_signal_pending(); i++) {
		struct sync_target *t = &r->t[i];
		int rc;

		/* Before any request: a version no tag satisfies needs no API call. */
		if (sync_modules_count(t->target) > 0 && (rc = sync_modules_resolve(t)) < 0) {
			if (rc == ERR_NOTFOUND) {
				sync_record_none(t, OUTCOME_FAILED, CAUSE_VERSION, 0, err_last());
				t->rec.start_us = t->rec.end_us = util_wall_us();
			} else {
				sync_fail_early(t, rc);
			}
			continue;
		}
		idx[m++] = i;
	}
	return m;
}

size_t
sync_discover_some(struct sync_run *r, const size_t *idx, size_t n)
{
	bool done[DISCOGQL_BATCH_MAX];
	size_t k, j;

	if (n == 0)
		return 0;
	memset(done, 0, sizeof(done));
	k = 1;
	if (!r->gql_off)
		k = sync_discover_query(r, idx, n, done);
	for (j = 0; j < k; j++) {
		struct sync_target *t = &r->t[idx[j]];
		struct discovery_target dt;
		int rc;

		if (sync_signal_pending() || sync_discq_stopped(r))
			return j;  /* the interrupt ended a request: the rest are cancelled */
		if (!done[j]) {
			memset(&dt, 0, sizeof(dt));
			dt.repo = t->target->repo;
			dt.branch = t->target->branch;
			dt.branch_prefix = t->group->defaults.branch_prefix;
			dt.source_repo = t->group->source.repo;
			dt.want_base_head = true;  /* lets a current mirror skip its fetch */
			rc = discovery_run(&t->found, r->api, &dt);
			if (rc < 0 && (sync_signal_pending() || sync_discq_stopped(r)))
				return j;
			if (rc < 0) {
				sync_fail_early(t, rc);
				continue;
			}
		}
		sync_skip_check(r, t);
	}
	return k;
}

void
sync_prepare_one(struct sync_run *r, struct sync_target *t)
{
	int rc;

	if (!t->skip && (rc = sync_prepare(r, t)) < 0)
		sync_fail_early(t, rc);  /* > 0: refused, already recorded */
}
