/*
 * syncplan — source mirror and mapping expansion.
 */
#include "supervisor/syncplan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/binary.h"
#include "shared/err.h"
#include "shared/glob.h"
#include "shared/util.h"

int
syncplan_source_open(struct syncplan_source *s, const char *cache, const char *url,
    const char *branch, const char *token)
{
	git_oid head;
	int rc;

	memset(s, 0, sizeof(*s));
	s->mir.lock_fd = -1;
	if ((rc = mirror_open(&s->mir, cache, url, token)) < 0)
		return rc;
	if ((rc = mirror_fetch(&s->mir, &branch, NULL, 1)) < 0)
		return rc;
	if ((rc = mirror_branch_oid(&head, &s->mir, branch)) < 0)
		return rc;
	mirror_unlock(&s->mir);
	if (git_commit_lookup(&s->commit, s->mir.repo, &head) < 0 ||
	    git_commit_tree(&s->tree, s->commit) < 0)
		return err_git(ERR_FAIL, "cannot read branch '%s' of '%s'", branch, url);
	git_oid_tostr(s->hex, sizeof(s->hex), &head);
	return 0;
}

void
syncplan_source_close(struct syncplan_source *s)
{
	git_tree_free(s->tree);
	git_commit_free(s->commit);
	free(s->bin_oid);
	free(s->bin_val);
	mirror_close(&s->mir);
	memset(s, 0, sizeof(*s));
	s->mir.lock_fd = -1;
}

static size_t
bin_slot(const struct syncplan_source *s, const git_oid *id)
{
	size_t h;

	memcpy(&h, id->id, sizeof(h));
	return h & (s->bin_cap - 1);
}

static void
bin_grow(struct syncplan_source *s)
{
	git_oid *oo = s->bin_oid;
	signed char *ov = s->bin_val;
	size_t oc = s->bin_cap, i, k;

	s->bin_cap = oc ? oc * 2 : 1024;
	s->bin_oid = xcalloc(s->bin_cap, sizeof(*s->bin_oid));
	s->bin_val = xmalloc(s->bin_cap);
	memset(s->bin_val, -1, s->bin_cap);
	for (i = 0; i < oc; i++) {
		if (ov[i] < 0)
			continue;
		for (k = bin_slot(s, &oo[i]); s->bin_val[k] >= 0; k = (k + 1) & (s->bin_cap - 1))
			;
		s->bin_oid[k] = oo[i];
		s->bin_val[k] = ov[i];
	}
	free(oo);
	free(ov);
}

/* Binary per git's rule, once per blob. */
static int
syncplan_binary(bool *out, struct syncplan_source *s, const git_oid *id)
{
	git_blob *b = NULL;
	size_t k, len;

	if (s->bin_n * 2 >= s->bin_cap)
		bin_grow(s);
	for (k = bin_slot(s, id); s->bin_val[k] >= 0; k = (k + 1) & (s->bin_cap - 1))
		if (git_oid_equal(&s->bin_oid[k], id)) {
			*out = s->bin_val[k] == 1;
			return 0;
		}
	if (git_blob_lookup(&b, s->mir.repo, id) < 0)
		return err_git(ERR_FAIL, "cannot read source blob");
	len = (size_t)git_blob_rawsize(b);
	*out = binary_detect(git_blob_rawcontent(b), len < BINARY_SNIFF ? len : BINARY_SNIFF);
	git_blob_free(b);
	s->bin_oid[k] = *id;
	s->bin_val[k] = *out ? 1 : 0;
	s->bin_n++;
	return 0;
}

static char *
join(const char *a, const char *b)
{
	size_t n = strlen(a);

	while (n > 0 && a[n - 1] == '/')
		n--;
	if (n == 0)
		return xstrdup(b);
	return xasprintf("%.*s/%s", (int)n, a, b);
}

static char *
strip(const char *p)
{
	char *s = xstrdup(p);
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static void
add_entry(struct syncplan *p, const char *dest, uint32_t mode, const git_oid *id, bool bin,
    bool xf)
{
	struct syncplan_entry *e;

	ALLOC_GROW(p->entries, p->n + 1, p->cap);
	e = &p->entries[p->n++];
	e->dest = xstrdup(dest);
	e->mode = mode;
	git_oid_cpy(&e->oid, id);
	e->binary = bin;
	e->transform = xf && !bin && mode != GIT_FILEMODE_LINK;
	e->seq = p->n;
}

static bool
xf_active(const struct cfg_transform *x)
{
	return x->repo_name || x->nvars > 0;
}

static bool
hidden(const char *rel)
{
	const char *s;

	if (*rel == '.')
		return true;
	for (s = rel; (s = strchr(s, '/')) != NULL; s++)
		if (s[1] == '.')
			return true;
	return false;
}

struct dir_walk {
	struct syncplan *p;
	struct syncplan_source *s;
	const struct cfg_dir *d;
	struct glob_set *ex, *inc;
	bool xf;
	int rc;
};

static int
dir_cb(const char *root, const git_tree_entry *te, void *payload)
{
	struct dir_walk *w = payload;
	const char *name = git_tree_entry_name(te);
	git_filemode_t mode = git_tree_entry_filemode(te);
	char *rel, *dest;
	bool bin = false;

	if (mode == GIT_FILEMODE_TREE)
		return 0;
	if (mode == GIT_FILEMODE_COMMIT)
		return 0;  /* submodules are not files */
	rel = xasprintf("%s%s", root, name);
	/* exclude prunes directories; include_only applies to files only */
	if ((!w->d->include_hidden && hidden(rel)) || glob_set_excludes(w->ex, rel, false) ||
	    (glob_set_count(w->inc) > 0 && !glob_set_match(w->inc, rel, false))) {
		free(rel);
		return 0;
	}
	dest = join(w->d->dest, w->d->preserve_structure ? rel : name);
	if (mode != GIT_FILEMODE_LINK && syncplan_binary(&bin, w->s, git_tree_entry_id(te)) < 0) {
		w->rc = ERR_FAIL;
		free(rel);
		free(dest);
		return -1;
	}
	add_entry(w->p, dest, mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0100755 :
	    mode == GIT_FILEMODE_LINK ? 0120000 : 0100644, git_tree_entry_id(te), bin, w->xf);
	free(rel);
	free(dest);
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct syncplan_entry *x = a, *y = b;
	int c = strcmp(x->dest, y->dest);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : 1;  /* later mapping last */
}

int
syncplan_build(struct syncplan *p, struct syncplan_source *s, const struct cfg_group *g,
    const struct cfg_target *t)
{
	git_tree_entry *te = NULL;
	git_tree *sub = NULL;
	size_t i, k;
	int rc = 0;

	UNUSED(g);
	memset(p, 0, sizeof(*p));
	for (i = 0; i < t->ndirs && rc == 0; i++) {
		const struct cfg_dir *d = &t->dirs[i];
		struct dir_walk w;
		char *src;

		if (d->delete) {
			ALLOC_GROW(p->deletes, p->ndeletes + 1, p->dcap);
			p->deletes[p->ndeletes++] = strip(d->dest);
			continue;
		}
		src = strip(d->src);
		if (*src == '\0' || strcmp(src, ".") == 0) {
			sub = NULL;
			if (git_tree_dup(&sub, s->tree) < 0)
				rc = err_git(ERR_FAIL, "cannot read the source tree");
		} else if (git_tree_entry_bypath(&te, s->tree, src) < 0 ||
		    git_tree_entry_type(te) != GIT_OBJECT_TREE) {
			rc = err_set(ERR_CONFIG, "directory '%s' not found in source '%s'", src,
			    g->source.repo);
		} else if (git_tree_lookup(&sub, s->mir.repo, git_tree_entry_id(te)) < 0) {
			rc = err_git(ERR_FAIL, "cannot read source directory '%s'", src);
		}
		git_tree_entry_free(te);
		te = NULL;
		free(src);
		if (rc < 0)
			break;
		memset(&w, 0, sizeof(w));
		w.p = p;
		w.s = s;
		w.d = d;
		if ((rc = glob_set_new(&w.ex, (const char *const *)d->exclude.v,
		    d->exclude.n)) < 0 || (rc = glob_set_new(&w.inc,
		    (const char *const *)d->include_only.v, d->include_only.n)) < 0) {
			glob_set_free(w.ex);
			git_tree_free(sub);
			break;
		}
		w.xf = d->has_transform ? xf_active(&d->transform) : xf_active(&t->transform);
		if (git_tree_walk(sub, GIT_TREEWALK_PRE, dir_cb, &w) < 0 || w.rc < 0)
			rc = w.rc < 0 ? w.rc : err_git(ERR_FAIL, "cannot walk '%s'", d->src);
		git_tree_free(sub);
		sub = NULL;
		glob_set_free(w.ex);
		glob_set_free(w.inc);
		if (d->prune && rc == 0) {
			ALLOC_GROW(p->prune, p->nprune + 1, p->pcap);
			p->prune[p->nprune++] = strip(d->dest);
		}
	}
	for (i = 0; i < t->nfiles && rc == 0; i++) {
		const struct cfg_file *f = &t->files[i];
		git_filemode_t mode;
		bool bin = false;

		if (f->delete || f->src == NULL) {
			ALLOC_GROW(p->deletes, p->ndeletes + 1, p->dcap);
			p->deletes[p->ndeletes++] = strip(f->dest);
			continue;
		}
		if (git_tree_entry_bypath(&te, s->tree, f->src) < 0 ||
		    git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
			git_tree_entry_free(te);
			te = NULL;
			rc = err_set(ERR_CONFIG, "file '%s' not found in source '%s'", f->src,
			    g->source.repo);
			break;
		}
		mode = git_tree_entry_filemode(te);
		if (mode != GIT_FILEMODE_LINK && syncplan_binary(&bin, s, git_tree_entry_id(te)) < 0)
			rc = ERR_FAIL;
		else
			add_entry(p, f->dest, mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0100755 :
			    mode == GIT_FILEMODE_LINK ? 0120000 : 0100644, git_tree_entry_id(te), bin,
			    xf_active(&t->transform));
		git_tree_entry_free(te);
		te = NULL;
	}
	if (rc < 0) {
		syncplan_release(p);
		return rc;
	}
	/* sort by dest; of duplicates the later mapping wins */
	qsort(p->entries, p->n, sizeof(*p->entries), cmp_entry);
	for (i = 0, k = 0; i < p->n; i++) {
		if (i + 1 < p->n && strcmp(p->entries[i].dest, p->entries[i + 1].dest) == 0) {
			free(p->entries[i].dest);
			continue;
		}
		p->entries[k++] = p->entries[i];
	}
	p->n = k;
	return 0;
}

void
syncplan_release(struct syncplan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->entries[i].dest);
	free(p->entries);
	for (i = 0; i < p->ndeletes; i++)
		free(p->deletes[i]);
	free(p->deletes);
	for (i = 0; i < p->nprune; i++)
		free(p->prune[i]);
	free(p->prune);
	memset(p, 0, sizeof(*p));
}
