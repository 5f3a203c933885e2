/* discovery — see discovery.h. */
#include "supervisor/github/discovery.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

void
discovery_release(struct discovery *d)
{
	size_t i;

	if (d == NULL)
		return;
	free(d->default_branch);
	free(d->base_branch);
	free(d->clone_url);
	github_pull_free(d->pr);
	prtext_meta_release(&d->meta);
	for (i = 0; i < d->nothers; i++)
		github_pull_release(&d->others[i]);
	free(d->others);
	memset(d, 0, sizeof(*d));
}

/* The head lives in the target repo itself (not a fork). */
static bool
head_in_repo(const struct github_pull *p, const char *repo)
{
	size_t on = strcspn(repo, "/");

	if (p->head.repo != NULL)
		return strcasecmp(p->head.repo, repo) == 0;
	if (p->head.label != NULL)
		return strncasecmp(p->head.label, repo, on) == 0 &&
		    p->head.label[on] == ':';
	return true;
}

struct cand {
	size_t idx;
	bool has_meta;
	struct prtext_meta meta;
	struct prtext_branch br;
};

/* Is pull p this target's sync PR? Fills c on yes. */
static bool
is_ours(struct cand *c, const struct github_pull *p,
    const struct discovery_target *t)
{
	struct buf scope = BUF_INIT;
	bool ok;

	memset(c, 0, sizeof(*c));
	if (prtext_branch_parse(&c->br, p->head.ref, t->branch_prefix) != 0 ||
	    !head_in_repo(p, t->repo)) {
		err_clear();
		return false;
	}
	c->has_meta = prtext_meta_parse(&c->meta, p->body) == 0;
	err_clear();
	if (c->has_meta) {
		ok = (c->meta.target_repo == NULL ||
		    strcasecmp(c->meta.target_repo, t->repo) == 0) &&
		    (t->source_repo == NULL || c->meta.source_repo == NULL ||
		    strcasecmp(c->meta.source_repo, t->source_repo) == 0);
	} else {
		prtext_scope(&scope, t->repo);
		ok = strcmp(c->br.scope, scope.ptr) == 0;
		buf_release(&scope);
	}
	if (!ok)
		prtext_meta_release(&c->meta);
	return ok;
}

/* Does a rank above b? Base match, then newest branch, then highest number. */
static bool
better(const struct cand *a, const struct cand *b, const struct github_pulls *pulls,
    const char *base)
{
	const struct github_pull *pa = &pulls->v[a->idx], *pb = &pulls->v[b->idx];
	bool ba = pa->base.ref && strcmp(pa->base.ref, base) == 0;
	bool bb = pb->base.ref && strcmp(pb->base.ref, base) == 0;

	if (ba != bb)
		return ba;
	if (a->br.when != b->br.when)
		return a->br.when > b->br.when;
	return pa->number > pb->number;
}

/* Move pulls->v[i] to the end of out->others. */
static void
discovery_other(struct discovery *out, struct github_pulls *pulls, size_t i)
{
	out->others[out->nothers++] = pulls->v[i];
	memset(&pulls->v[i], 0, sizeof(pulls->v[i]));
}

void
discovery_pick(struct discovery *out, struct github_pulls *pulls,
    const struct discovery_target *t, const char *base_branch)
{
	struct cand best, c;
	bool have = false;
	size_t i;

	out->others = xcalloc(pulls->n + 1, sizeof(*out->others));
	for (i = 0; i < pulls->n; i++) {
		if (!is_ours(&c, &pulls->v[i], t))
			continue;
		c.idx = i;
		if (!have) {
			best = c;
			have = true;
			continue;
		}
		if (better(&c, &best, pulls, base_branch)) {
			discovery_other(out, pulls, best.idx);
			prtext_meta_release(&best.meta);
			best = c;
		} else {
			discovery_other(out, pulls, i);
			prtext_meta_release(&c.meta);
		}
	}
	if (!have)
		return;
	/* A sync PR against another base is not this target's current PR. */
	if (pulls->v[best.idx].base.ref == NULL ||
	    strcmp(pulls->v[best.idx].base.ref, base_branch) != 0) {
		discovery_other(out, pulls, best.idx);
		prtext_meta_release(&best.meta);
		return;
	}
	out->pr = xmalloc(sizeof(*out->pr));
	*out->pr = pulls->v[best.idx];
	memset(&pulls->v[best.idx], 0, sizeof(pulls->v[best.idx]));
	out->has_meta = best.has_meta;
	out->meta = best.meta;
	out->branch = best.br;
}

const struct github_pull *
discovery_newest(struct prtext_branch *br, const struct github_pulls *pulls,
    const struct discovery_target *t)
{
	const struct github_pull *best = NULL;
	struct cand c;
	size_t i;

	for (i = 0; i < pulls->n; i++) {
		if (pulls->v[i].head.ref == NULL || !is_ours(&c, &pulls->v[i], t))
			continue;
		prtext_meta_release(&c.meta);
		if (best == NULL || c.br.when > br->when ||
		    (c.br.when == br->when && pulls->v[i].number > best->number)) {
			best = &pulls->v[i];
			*br = c.br;
		}
	}
	return best;
}

int
discovery_run(struct discovery *out, struct api *a, const struct discovery_target *t)
{
	struct github_repo *repo = NULL;
	struct github_pulls pulls;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&pulls, 0, sizeof(pulls));
	if ((rc = github_repo_get(&repo, a, t->repo)) != 0)
		goto fail;
	out->default_branch = xstrdup(repo->default_branch);
	out->base_branch = xstrdup(t->branch ? t->branch : repo->default_branch);
	out->clone_url = xstrdup_or_null(repo->clone_url);
	out->archived = repo->archived;
	out->can_push = repo->can_push;
	if (t->want_base_head &&
	    (rc = github_branch_head(out->base_head, a, t->repo, out->base_branch)) != 0)
		goto fail;
	if ((rc = github_pulls_list(&pulls, a, t->repo, NULL)) != 0)
		goto fail;
	discovery_pick(out, &pulls, t, out->base_branch);
	github_pulls_release(&pulls);
	github_repo_free(repo);
	return 0;
fail:
	github_pulls_release(&pulls);
	github_repo_free(repo);
	err_wrap("cannot discover '%s'", t->repo);
	return rc;
}

bool
discovery_is_current(const struct discovery *d, const char *source_commit,
    const char *config_digest)
{
	if (d->pr == NULL || !d->has_meta ||
	    !prtext_commit_eq(d->meta.source_commit, source_commit))
		return false;
	if (config_digest == NULL)
		return true;
	return d->meta.config_digest != NULL &&
	    strcmp(d->meta.config_digest, config_digest) == 0;
}
