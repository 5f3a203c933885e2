/*
 * check — what is checked once the schema walk is done: unique list
 * ids, group ids and targets; file and directory list refs resolved into
 * each target's mappings; PR assignments merged; group dependencies known
 * and acyclic. Also the execution order over that same dependency graph.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/config/internal.h"

/* ---- a string table (generation-stamped, so reuse costs nothing) ---- */

struct stab_slot {
	unsigned gen;
	const char *key;
	size_t val;
};

struct stab {
	struct stab_slot *slot;
	size_t cap;
	unsigned gen;
};

static void
stab_reset(struct stab *t, size_t need)
{
	size_t cap = 16;

	while (cap < need * 2)
		cap *= 2;
	if (cap > t->cap) {
		free(t->slot);
		t->slot = xcalloc(cap, sizeof(*t->slot));
		t->cap = cap;
		t->gen = 0;
	}
	t->gen++;
}

static void
stab_release(struct stab *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/*
 * The slot for key: *found says whether it was there; when not, it is
 * inserted with val. Returns the stored value's address.
 */
static size_t *
stab_put(struct stab *t, const char *key, size_t val, int *found)
{
	size_t i = cfg_hash_str(key) & (t->cap - 1);

	while (t->slot[i].gen == t->gen && strcmp(t->slot[i].key, key) != 0)
		i = (i + 1) & (t->cap - 1);
	*found = t->slot[i].gen == t->gen;
	if (!*found) {
		t->slot[i].gen = t->gen;
		t->slot[i].key = key;
		t->slot[i].val = val;
	}
	return &t->slot[i].val;
}

/* The value stored for key, or NULL. */
static size_t *
stab_get(struct stab *t, const char *key)
{
	size_t i = cfg_hash_str(key) & (t->cap - 1);

	while (t->slot[i].gen == t->gen) {
		if (strcmp(t->slot[i].key, key) == 0)
			return &t->slot[i].val;
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}


/* ---- resolution and validation ---- */

struct check {
	struct cfg *c;
	const char *file;
	struct cfg_errors *errs;
	struct stab t1, t2;
};

static void cerr(struct check *k, struct cfg_pos p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cerr(struct check *k, struct cfg_pos p, const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	cfg_errors_add(k->errs, k->file, p.line, p.col, "%s", m.ptr);
	buf_release(&m);
}

static void
check_list_ids(struct check *k)
{
	struct cfg *c = k->c;
	size_t i, j, *prev;
	int found;

	stab_reset(&k->t1, c->nfile_lists);
	for (i = 0; i < c->nfile_lists; i++) {
		struct cfg_file_list *fl = &c->file_lists[i];

		if (fl->id != NULL) {
			prev = stab_put(&k->t1, fl->id, i, &found);
			if (found)
				cerr(k, fl->id_pos, "file_lists[%zu].id: duplicate file list id '%s'"
				    " (also file_lists[%zu])", i, fl->id, *prev);
		}
		stab_reset(&k->t2, fl->nfiles);
		for (j = 0; j < fl->nfiles; j++) {
			if (fl->files[j].dest == NULL)
				continue;
			prev = stab_put(&k->t2, fl->files[j].dest, j, &found);
			if (found)
				cerr(k, fl->files[j].dest_pos, "file_lists[%zu].files[%zu].dest: "
				    "duplicate dest '%s' (also files[%zu])", i, j, fl->files[j].dest,
				    *prev);
		}
	}
	stab_reset(&k->t1, c->ndir_lists);
	for (i = 0; i < c->ndir_lists; i++) {
		struct cfg_dir_list *dl = &c->dir_lists[i];

		if (dl->id != NULL) {
			prev = stab_put(&k->t1, dl->id, i, &found);
			if (found)
				cerr(k, dl->id_pos, "directory_lists[%zu].id: duplicate directory list"
				    " id '%s' (also directory_lists[%zu])", i, dl->id, *prev);
		}
		stab_reset(&k->t2, dl->ndirs);
		for (j = 0; j < dl->ndirs; j++) {
			if (dl->dirs[j].dest == NULL)
				continue;
			prev = stab_put(&k->t2, dl->dirs[j].dest, j, &found);
			if (found)
				cerr(k, dl->dirs[j].dest_pos, "directory_lists[%zu].directories[%zu]."
				    "dest: duplicate dest '%s' (also directories[%zu])", i, j,
				    dl->dirs[j].dest, *prev);
		}
	}
}

static const struct cfg_file_list *
find_file_list(const struct cfg *c, const char *id)
{
	size_t i;

	for (i = c->nfile_lists; i-- > 0;)
		if (c->file_lists[i].id != NULL && strcmp(c->file_lists[i].id, id) == 0)
			return &c->file_lists[i];
	return NULL;
}

static const struct cfg_dir_list *
find_dir_list(const struct cfg *c, const char *id)
{
	size_t i;

	for (i = c->ndir_lists; i-- > 0;)
		if (c->dir_lists[i].id != NULL && strcmp(c->dir_lists[i].id, id) == 0)
			return &c->dir_lists[i];
	return NULL;
}

/*
 * Expand a target's file list refs and merge its inline files in, keyed by
 * dest: an entry replaces an earlier one with the same dest in place (so
 * the order is first appearance), later lists win, inline entries win.
 * Returns -1 when a ref is unknown (reported).
 */
static int
resolve_files(struct check *k, size_t gi, size_t ti, struct cfg_target *t)
{
	const struct cfg_file_list *lists[64], **lp = lists;
	struct cfg_file *out;
	size_t total = t->nfiles, n = 0, i, j, *slot;
	int found, rc = 0;

	if (t->file_list_refs.n > ARRAY_SIZE(lists))
		lp = xcalloc(t->file_list_refs.n, sizeof(*lp));
	for (i = 0; i < t->file_list_refs.n; i++) {
		lp[i] = find_file_list(k->c, t->file_list_refs.v[i]);
		if (lp[i] == NULL) {
			cerr(k, t->file_list_refs_pos[i], "groups[%zu].targets[%zu].file_list_refs[%zu]:"
			    " unknown file list '%s'", gi, ti, i, t->file_list_refs.v[i]);
			rc = -1;
			continue;
		}
		total += lp[i]->nfiles;
	}
	/* Inline entries: duplicates among them are errors. */
	stab_reset(&k->t1, t->nfiles);
	for (i = 0; i < t->nfiles; i++) {
		if (t->files[i].dest == NULL)
			continue;
		slot = stab_put(&k->t1, t->files[i].dest, i, &found);
		if (found)
			cerr(k, t->files[i].dest_pos, "groups[%zu].targets[%zu].files[%zu].dest: "
			    "duplicate dest '%s' (also files[%zu])", gi, ti, i, t->files[i].dest,
			    *slot);
	}
	if (t->file_list_refs.n == 0 || rc < 0)
		goto out;
	out = xcalloc(total ? total : 1, sizeof(*out));
	stab_reset(&k->t1, total);
	for (i = 0; i <= t->file_list_refs.n; i++) {
		const struct cfg_file *src = i < t->file_list_refs.n ? lp[i]->files : t->files;
		size_t cnt = i < t->file_list_refs.n ? lp[i]->nfiles : t->nfiles;
		const char *list_id = i < t->file_list_refs.n ? lp[i]->id : NULL;

		for (j = 0; j < cnt; j++) {
			if (src[j].dest == NULL)
				continue;
			slot = stab_put(&k->t1, src[j].dest, n, &found);
			if (found) {
				cfg_file_release(&out[*slot]);
				cfg_file_copy(&out[*slot], &src[j], list_id);
			} else {
				cfg_file_copy(&out[n++], &src[j], list_id);
			}
		}
	}
	cfg_files_free(t->files, t->nfiles);
	t->files = out;
	t->nfiles = n;
out:
	if (lp != lists)
		free(lp);
	return rc;
}

static int
resolve_dirs(struct check *k, size_t gi, size_t ti, struct cfg_target *t)
{
	const struct cfg_dir_list *lists[64], **lp = lists;
	struct cfg_dir *out;
	size_t total = t->ndirs, n = 0, i, j, *slot;
	int found, rc = 0;

	if (t->dir_list_refs.n > ARRAY_SIZE(lists))
		lp = xcalloc(t->dir_list_refs.n, sizeof(*lp));
	for (i = 0; i < t->dir_list_refs.n; i++) {
		lp[i] = find_dir_list(k->c, t->dir_list_refs.v[i]);
		if (lp[i] == NULL) {
			cerr(k, t->dir_list_refs_pos[i], "groups[%zu].targets[%zu]."
			    "directory_list_refs[%zu]: unknown directory list '%s'", gi, ti, i,
			    t->dir_list_refs.v[i]);
			rc = -1;
			continue;
		}
		total += lp[i]->ndirs;
	}
	stab_reset(&k->t1, t->ndirs);
	for (i = 0; i < t->ndirs; i++) {
		if (t->dirs[i].dest == NULL)
			continue;
		slot = stab_put(&k->t1, t->dirs[i].dest, i, &found);
		if (found)
			cerr(k, t->dirs[i].dest_pos, "groups[%zu].targets[%zu].directories[%zu].dest:"
			    " duplicate dest '%s' (also directories[%zu])", gi, ti, i,
			    t->dirs[i].dest, *slot);
	}
	if (t->dir_list_refs.n == 0 || rc < 0)
		goto out;
	out = xcalloc(total ? total : 1, sizeof(*out));
	stab_reset(&k->t1, total);
	for (i = 0; i <= t->dir_list_refs.n; i++) {
		const struct cfg_dir *src = i < t->dir_list_refs.n ? lp[i]->dirs : t->dirs;
		size_t cnt = i < t->dir_list_refs.n ? lp[i]->ndirs : t->ndirs;
		const char *list_id = i < t->dir_list_refs.n ? lp[i]->id : NULL;

		for (j = 0; j < cnt; j++) {
			if (src[j].dest == NULL)
				continue;
			slot = stab_put(&k->t1, src[j].dest, n, &found);
			if (found) {
				cfg_dir_release(&out[*slot]);
				cfg_dir_copy(&out[*slot], &src[j], list_id);
			} else {
				cfg_dir_copy(&out[n++], &src[j], list_id);
			}
		}
	}
	cfg_dirs_free(t->dirs, t->ndirs);
	t->dirs = out;
	t->ndirs = n;
out:
	if (lp != lists)
		free(lp);
	return rc;
}

/* dst = unique(a ++ b) when either is non-empty, else a copy of dflt. */
static void
merge_one(struct check *k, struct strv *dst, const struct strv *a, const struct strv *b,
    const struct strv *dflt)
{
	size_t i, n = 0;
	int found;

	if (a->n + b->n == 0) {
		strv_copy(dst, dflt);
		return;
	}
	dst->v = xcalloc(a->n + b->n, sizeof(*dst->v));
	stab_reset(&k->t2, a->n + b->n);
	for (i = 0; i < a->n + b->n; i++) {
		const char *s = i < a->n ? a->v[i] : b->v[i - a->n];

		stab_put(&k->t2, s, 0, &found);
		if (!found)
			dst->v[n++] = xstrdup(s);
	}
	dst->n = n;
}

static void
merge_assign(struct check *k, const struct cfg_group *g, struct cfg_target *t)
{
	merge_one(k, &t->pr.labels, &g->global.labels, &t->own.labels, &g->defaults.assign.labels);
	merge_one(k, &t->pr.assignees, &g->global.assignees, &t->own.assignees,
	    &g->defaults.assign.assignees);
	merge_one(k, &t->pr.reviewers, &g->global.reviewers, &t->own.reviewers,
	    &g->defaults.assign.reviewers);
	merge_one(k, &t->pr.team_reviewers, &g->global.team_reviewers, &t->own.team_reviewers,
	    &g->defaults.assign.team_reviewers);
	if (!t->pr_draft_set)
		t->pr_draft = g->defaults.pr_draft;
}

static void
check_targets(struct check *k, size_t gi, struct cfg_group *g)
{
	struct stab repos = { NULL, 0, 0 };
	size_t ti, *prev;
	int found;

	stab_reset(&repos, g->ntargets);
	for (ti = 0; ti < g->ntargets; ti++) {
		struct cfg_target *t = &g->targets[ti];
		int ok_refs;

		if (t->repo != NULL) {
			prev = stab_put(&repos, t->repo, ti, &found);
			if (found)
				cerr(k, t->repo_pos, "groups[%zu].targets[%zu].repo: duplicate target"
				    " '%s' in group (also targets[%zu])", gi, ti, t->repo, *prev);
		}
		ok_refs = resolve_files(k, gi, ti, t) == 0;
		if (resolve_dirs(k, gi, ti, t) < 0)
			ok_refs = 0;
		if (ok_refs && !t->parse_failed && t->nfiles + t->ndirs == 0)
			cerr(k, t->pos, "groups[%zu].targets[%zu]: target has no mappings (need"
			    " files, directories, file_list_refs or directory_list_refs)", gi, ti);
		merge_assign(k, g, t);
	}
	stab_release(&repos);
}

/* Index of the group with this id, or -1. */
static long
group_index(struct check *k, const char *id)
{
	size_t *v = stab_get(&k->t2, id);

	return v != NULL ? (long)*v : -1;
}

static void
check_groups(struct check *k)
{
	struct cfg *c = k->c;
	size_t gi, j, *prev, n = c->ngroups;
	long *dep_of;
	int *state;
	int found;

	stab_reset(&k->t2, n);
	for (gi = 0; gi < n; gi++) {
		struct cfg_group *g = &c->groups[gi];

		if (g->id == NULL)
			continue;
		prev = stab_put(&k->t2, g->id, gi, &found);
		if (found)
			cerr(k, g->id_pos, "groups[%zu].id: duplicate group id '%s' (also groups[%zu])",
			    gi, g->id, *prev);
	}
	for (gi = 0; gi < n; gi++) {
		struct cfg_group *g = &c->groups[gi];

		for (j = 0; j < g->depends_on.n; j++)
			if (group_index(k, g->depends_on.v[j]) < 0)
				cerr(k, g->depends_on_pos[j], "groups[%zu].depends_on[%zu]: unknown group"
				    " id '%s'", gi, j, g->depends_on.v[j]);
	}
	/*
	 * Cycles: repeatedly peel groups whose dependencies are all peeled;
	 * what is left sits on or behind a cycle. Walk each leftover group's
	 * first leftover dependency until a group repeats: that loop is a
	 * cycle, reported once at the edge that closes it.
	 */
	state = xcalloc(n ? n : 1, sizeof(*state));  /* 0 left, 1 peeled, 2 reported */
	for (;;) {
		int progress = 0;

		for (gi = 0; gi < n; gi++) {
			struct cfg_group *g = &c->groups[gi];
			int ready = 1;

			if (state[gi] != 0)
				continue;
			for (j = 0; j < g->depends_on.n && ready; j++) {
				long d = group_index(k, g->depends_on.v[j]);

				if (d >= 0 && state[d] == 0)
					ready = 0;
			}
			if (ready) {
				state[gi] = 1;
				progress = 1;
			}
		}
		if (!progress)
			break;
	}
	dep_of = xcalloc(n ? n : 1, sizeof(*dep_of));
	for (gi = 0; gi < n; gi++) {
		struct buf path = BUF_INIT;
		size_t cur = gi, steps, first;
		struct cfg_group *g;

		if (state[gi] != 0)
			continue;
		/*
		 * Every leftover group has a leftover dependency; after n steps
		 * along them we have gone round a cycle at least once.
		 */
		for (steps = 0; steps < n; steps++) {
			g = &c->groups[cur];
			for (j = 0; j < g->depends_on.n; j++) {
				long d = group_index(k, g->depends_on.v[j]);

				if (d >= 0 && state[d] != 1) {
					dep_of[cur] = (long)j;
					cur = (size_t)d;
					break;
				}
			}
		}
		if (state[cur] == 2)
			continue;
		/* Report the cycle from its first group in file order. */
		first = cur;
		steps = cur;
		do {
			cur = (size_t)group_index(k, c->groups[cur].depends_on.v[dep_of[cur]]);
			if (cur < first)
				first = cur;
		} while (cur != steps);
		cur = first;
		buf_addstr(&path, c->groups[first].id);
		do {
			g = &c->groups[cur];
			state[cur] = 2;
			cur = (size_t)group_index(k, g->depends_on.v[dep_of[cur]]);
			buf_addf(&path, " -> %s", c->groups[cur].id);
		} while (cur != first);
		g = &c->groups[first];
		j = (size_t)dep_of[first];
		cerr(k, g->depends_on_pos[j], "groups[%zu].depends_on[%zu]: dependency cycle: %s",
		    first, j, path.ptr);
		buf_release(&path);
	}
	free(dep_of);
	free(state);
	for (gi = 0; gi < n; gi++)
		check_targets(k, gi, &c->groups[gi]);
}

void
cfg_validate(struct cfg *c, const char *file, struct cfg_errors *errs)
{
	struct check k;

	memset(&k, 0, sizeof(k));
	k.c = c;
	k.file = file;
	k.errs = errs;
	check_list_ids(&k);
	check_groups(&k);
	stab_release(&k.t1);
	stab_release(&k.t2);
}

/* ---- execution order ---- */

struct heap {
	size_t *v;
	size_t n;
	const struct cfg *c;
};

static int
heap_less(const struct heap *h, size_t a, size_t b)
{
	int pa = h->c->groups[a].priority, pb = h->c->groups[b].priority;

	return pa < pb || (pa == pb && a < b);
}

static void
heap_push(struct heap *h, size_t x)
{
	size_t i = h->n++;

	h->v[i] = x;
	while (i > 0 && heap_less(h, h->v[i], h->v[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, t = h->v[p];

		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
}

static size_t
heap_pop(struct heap *h)
{
	size_t top = h->v[0], i = 0;

	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < h->n && heap_less(h, h->v[l], h->v[m]))
			m = l;
		if (r < h->n && heap_less(h, h->v[r], h->v[m]))
			m = r;
		if (m == i)
			break;
		t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return top;
}

void
cfg_group_order(size_t *order, const struct cfg *c)
{
	size_t n = c->ngroups, i, j, k = 0, e = 0;
	size_t *indeg, *start, *edges;
	struct stab ids = { NULL, 0, 0 };
	struct heap h;
	bool *done;
	int found;

	if (n == 0)
		return;
	indeg = xcalloc(n, sizeof(*indeg));
	start = xcalloc(n + 1, sizeof(*start));
	done = xcalloc(n, sizeof(*done));
	stab_reset(&ids, n);
	for (i = 0; i < n; i++)
		if (c->groups[i].id != NULL)
			stab_put(&ids, c->groups[i].id, i, &found);
	/* edges: dependency -> dependents, as a CSR adjacency list */
	for (i = 0; i < n; i++)
		e += c->groups[i].depends_on.n;
	edges = xcalloc(e ? e : 1, sizeof(*edges));
	for (i = 0; i < n; i++)
		for (j = 0; j < c->groups[i].depends_on.n; j++) {
			size_t *d = stab_get(&ids, c->groups[i].depends_on.v[j]);

			if (d != NULL && *d != i) {
				start[*d + 1]++;
				indeg[i]++;
			}
		}
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	{
		size_t *fill = xcalloc(n, sizeof(*fill));

		for (i = 0; i < n; i++)
			for (j = 0; j < c->groups[i].depends_on.n; j++) {
				size_t *d = stab_get(&ids, c->groups[i].depends_on.v[j]);

				if (d != NULL && *d != i)
					edges[start[*d] + fill[*d]++] = i;
			}
		free(fill);
	}
	h.v = xcalloc(n, sizeof(*h.v));
	h.n = 0;
	h.c = c;
	for (i = 0; i < n; i++)
		if (indeg[i] == 0)
			heap_push(&h, i);
	while (h.n > 0) {
		size_t g = heap_pop(&h);

		order[k++] = g;
		done[g] = true;
		for (j = start[g]; j < start[g + 1]; j++)
			if (--indeg[edges[j]] == 0)
				heap_push(&h, edges[j]);
	}
	/* Only with a cycle (an invalid config): the rest in file order. */
	for (i = 0; i < n && k < n; i++)
		if (!done[i])
			order[k++] = i;
	free(h.v);
	free(edges);
	free(done);
	free(start);
	free(indeg);
	stab_release(&ids);
}

