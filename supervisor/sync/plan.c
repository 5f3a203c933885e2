/*
 * plan — mappings x source tree -> sorted entries, deletes, prunes. See
 * plan.h.
 */
#include "supervisor/sync/plan.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/binary.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/glob.h"
#include "shared/pathcheck.h"
#include "shared/transform.h"
#include "shared/util.h"
#include "supervisor/sync/blobread.h"

/* ---- blob classification cache ---------------------------------------- */

struct slot {
	git_oid oid;
	size_t size;
	bool used;
	bool binary;
};

/* Blobs up to this size are read whole to classify them, larger ones sniffed. */
#define PLAN_READ_WHOLE (1024u * 1024)

struct plan_cache {
	git_repository *repo;
	git_odb *odb;          /* repo's; owned reference */
	struct slot *slots;
	size_t cap;            /* power of two */
	size_t used;
	size_t reads;
};

int
plan_cache_new(struct plan_cache **out, git_repository *repo)
{
	struct plan_cache *c = xcalloc(1, sizeof(*c));

	*out = NULL;
	c->repo = repo;
	if (git_repository_odb(&c->odb, repo) < 0) {
		free(c);
		return err_git(ERR_FAIL, "cannot open the object database");
	}
	c->cap = 1024;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	*out = c;
	return 0;
}

void
plan_cache_free(struct plan_cache *c)
{
	if (c == NULL)
		return;
	free(c->slots);
	git_odb_free(c->odb);
	free(c);
}

size_t
plan_cache_reads(const struct plan_cache *c)
{
	return c->reads;
}

static size_t
oid_hash(const git_oid *oid)
{
	uint64_t h;

	memcpy(&h, oid->id, sizeof(h)); /* object ids are uniformly random */
	return (size_t)h;
}

static struct slot *
cache_slot(struct slot *slots, size_t cap, const git_oid *oid)
{
	size_t i = oid_hash(oid) & (cap - 1);

	while (slots[i].used && !git_oid_equal(&slots[i].oid, oid))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void
cache_grow(struct plan_cache *c)
{
	struct slot *old = c->slots;
	size_t oldcap = c->cap, i;

	c->cap *= 2;
	c->slots = xcalloc(c->cap, sizeof(*c->slots));
	for (i = 0; i < oldcap; i++)
		if (old[i].used)
			*cache_slot(c->slots, c->cap, &old[i].oid) = old[i];
	free(old);
}

/*
 * Size and binary-ness of a blob. A large one is not read whole (a 500 MiB
 * file would cost the supervisor 500 MiB): its size comes from the object
 * header and the binary check from its first BINARY_SNIFF bytes.
 */
static int
cache_classify(struct plan_cache *c, const git_oid *oid, bool *binary, size_t *size)
{
	unsigned char head[BINARY_SNIFF];
	struct blobread *br = NULL;
	git_blob *blob = NULL;
	git_object_t type;
	uint64_t total;
	size_t len, n = 0, got;
	int rc;

	if (git_odb_read_header(&len, &type, c->odb, oid) == 0 && type == GIT_OBJECT_BLOB &&
	    len > PLAN_READ_WHOLE) {
		if ((rc = blobread_open(&br, &total, c->repo, oid)) < 0)
			return rc;
		while (rc == 0 && n < sizeof(head)) {
			rc = blobread_read(&got, br, head + n, sizeof(head) - n);
			n += got;
			if (got == 0)
				break;
		}
		blobread_free(br);
		if (rc < 0)
			return rc;
		*size = (size_t)total;
		*binary = binary_detect(head, n);
		return 0;
	}
	if (git_blob_lookup(&blob, c->repo, oid) < 0)
		return err_git(ERR_FAIL, "cannot read blob %s", git_oid_tostr_s(oid));
	*size = (size_t)git_blob_rawsize(blob);
	*binary = binary_detect(git_blob_rawcontent(blob), *size);
	git_blob_free(blob);
	return 0;
}

/* Classify a blob: from the cache, else read it once. */
static int
cache_get(struct plan_cache *c, const git_oid *oid, bool *binary, size_t *size)
{
	struct slot *s = cache_slot(c->slots, c->cap, oid);
	int rc;

	if (!s->used) {
		if ((rc = cache_classify(c, oid, &s->binary, &s->size)) < 0)
			return rc;
		c->reads++;
		s->used = true;
		s->oid = *oid;
		if (++c->used * 4 > c->cap * 3) {
			*binary = s->binary;
			*size = s->size;
			cache_grow(c);
			return 0;
		}
	}
	*binary = s->binary;
	*size = s->size;
	return 0;
}

/* ---- transforms --------------------------------------------------------- */

static bool
email_changes(const char *from, const char *to)
{
	return from != NULL && to != NULL && from[0] != '\0' && to[0] != '\0' &&
	    strcmp(from, to) != 0;
}

bool
plan_has_transform(const struct cfg_group *g, const struct cfg_target *t,
    const struct cfg_dir *d)
{
	if (t->transform.repo_name || t->transform.nvars > 0)
		return true;
	if (email_changes(g->source.security_email, t->security_email) ||
	    email_changes(g->source.support_email, t->support_email))
		return true;
	return d != NULL && d->has_transform && (d->transform.repo_name || d->transform.nvars > 0);
}

int
plan_transform_new(struct transform **out, const struct cfg_group *g,
    const struct cfg_target *t)
{
	struct transform_pair *vars, emails[2];
	struct transform_spec spec;
	size_t i, nemails = 0;
	int rc;

	*out = NULL;
	if (!plan_has_transform(g, t, NULL))
		return 0;
	vars = xcalloc(t->transform.nvars ? t->transform.nvars : 1, sizeof(*vars));
	for (i = 0; i < t->transform.nvars; i++) {
		vars[i].from = t->transform.vars[i].key;
		vars[i].to = t->transform.vars[i].value;
	}
	if (email_changes(g->source.security_email, t->security_email)) {
		emails[nemails].from = g->source.security_email;
		emails[nemails++].to = t->security_email;
	}
	if (email_changes(g->source.support_email, t->support_email)) {
		emails[nemails].from = g->source.support_email;
		emails[nemails++].to = t->support_email;
	}
	memset(&spec, 0, sizeof(spec));
	spec.repo_from = t->transform.repo_name ? g->source.repo : NULL;
	spec.repo_to = t->transform.repo_name ? t->repo : NULL;
	spec.repo_bare = t->transform.repo_name && t->transform.repo_name_bare;
	spec.vars = vars;
	spec.nvars = t->transform.nvars;
	spec.emails = emails;
	spec.nemails = nemails;
	rc = transform_new(out, &spec);
	if (rc != 0)
		err_wrap("group '%s', target '%s': transform", g->name, t->repo);
	free(vars);
	return rc;
}

/* ---- expansion ---------------------------------------------------------- */

struct ctx {
	struct plan *p;
	struct plan_cache *c;
	git_repository *repo;
	const struct cfg_group *g;
	const struct cfg_target *t;
	const char *kind;      /* "files" / "directories" */
	size_t index;
	const struct cfg_pos *pos;
	const char *what;      /* the mapping's src, for messages */
	/* directory mapping state */
	const struct cfg_dir *d;
	struct glob_set *exclude, *include;
	const char *dest;      /* normalised, may be "" */
	bool transform;
};

/* "group 'g', target 'o/r', directories[1] 'src' (line 12)" */
static int
ctx_err(const struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
ctx_err(const struct ctx *x, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_addf(&b, "group '%s', target '%s', %s[%zu] '%s'", x->g->name, x->t->repo, x->kind,
	    x->index, x->what);
	if (x->pos != NULL && x->pos->line > 0)
		buf_addf(&b, " (line %d)", x->pos->line);
	buf_addstr(&b, ": ");
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	err_set(ERR_CONFIG, "%s", b.ptr);
	buf_release(&b);
	return ERR_CONFIG;
}

/* Strip "./" prefixes and leading/trailing slashes; "." becomes "". */
static char *
norm_path(const char *s)
{
	size_t n;

	if (s == NULL)
		return xstrdup("");
	for (;;) {
		if (s[0] == '.' && s[1] == '/')
			s += 2;
		else if (s[0] == '/')
			s++;
		else
			break;
	}
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		n--;
	if (n == 1 && s[0] == '.')
		n = 0;
	return xstrndup(s, n);
}

static char *
join(const char *dir, const char *name)
{
	return dir[0] == '\0' ? xstrdup(name) : xasprintf("%s/%s", dir, name);
}

static void
add_str(char ***v, size_t *n, size_t *cap, char *s)
{
	ALLOC_GROW(*v, *n + 1, *cap);
	(*v)[(*n)++] = s;
}

static int
add_entry(struct ctx *x, char *dest, const char *src, const git_tree_entry *e)
{
	struct plan_entry *pe;
	git_filemode_t mode = git_tree_entry_filemode(e);
	const char *why = NULL;
	bool binary = false;
	size_t size = 0;
	int rc;

	/* A name from the source tree can make any dest: the worker's rule, here first. */
	if (pathcheck_tree_path(dest, &why) < 0) {
		rc = ctx_err(x, "'%s' would be written to '%s': %s", src, dest, why);
		free(dest);
		return rc;
	}
	if ((rc = cache_get(x->c, git_tree_entry_id(e), &binary, &size)) != 0) {
		free(dest);
		return ctx_err(x, "%s", err_last());
	}
	ALLOC_GROW(x->p->entries, x->p->n + 1, x->p->cap);
	pe = &x->p->entries[x->p->n++];
	pe->path = dest;
	pe->src = xstrdup(src);
	pe->mode = mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0100755 :
	    mode == GIT_FILEMODE_LINK ? 0120000 : 0100644;
	git_oid_cpy(&pe->oid, git_tree_entry_id(e));
	pe->size = size;
	pe->binary = binary;
	pe->transform = x->transform && !binary && mode != GIT_FILEMODE_LINK;
	return 0;
}

static int
expand_file(struct ctx *x, const git_tree *tree, const struct cfg_file *f)
{
	git_tree_entry *e = NULL;
	char *src = norm_path(f->src), *dest = norm_path(f->dest ? f->dest : f->src);
	int rc;

	x->what = f->src;
	if (src[0] == '\0') {
		rc = ctx_err(x, "empty source path");
		goto done;
	}
	if (dest[0] == '\0') {
		rc = ctx_err(x, "empty destination path");
		goto done;
	}
	rc = git_tree_entry_bypath(&e, tree, src);
	if (rc == GIT_ENOTFOUND) {
		rc = ctx_err(x, "source path '%s' not found in '%s' branch '%s'", src,
		    x->g->source.repo, x->g->source.branch);
		goto done;
	}
	if (rc < 0) {
		rc = ctx_err(x, "cannot look up '%s': %s", src,
		    git_error_last() ? git_error_last()->message : "?");
		goto done;
	}
	switch (git_tree_entry_type(e)) {
	case GIT_OBJECT_BLOB:
		rc = add_entry(x, dest, src, e);
		dest = NULL;
		break;
	case GIT_OBJECT_TREE:
		rc = ctx_err(x, "source path '%s' is a directory (map it under directories:)", src);
		break;
	default:
		rc = ctx_err(x, "source path '%s' is a submodule, which cannot be synced", src);
		break;
	}
done:
	git_tree_entry_free(e);
	free(src);
	free(dest);
	return rc;
}

/* Walk tree (at rel below the mapping's src) into entries. */
static int
walk(struct ctx *x, const git_tree *tree, struct buf *rel, const char *srcroot)
{
	size_t i, n = git_tree_entrycount(tree), mark = rel->len;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_object_t type = git_tree_entry_type(e);
		char *dest, *src;

		buf_setlen(rel, mark);
		if (mark > 0)
			buf_addch(rel, '/');
		buf_addstr(rel, name);
		if (!x->d->include_hidden && name[0] == '.')
			continue;
		if (type == GIT_OBJECT_TREE) {
			git_tree *sub = NULL;

			if (glob_set_match(x->exclude, rel->ptr, true))
				continue;
			if (git_tree_lookup(&sub, x->repo, git_tree_entry_id(e)) < 0) {
				rc = ctx_err(x, "cannot read directory '%s': %s", rel->ptr,
				    git_error_last() ? git_error_last()->message : "?");
				break;
			}
			rc = walk(x, sub, rel, srcroot);
			git_tree_free(sub);
			continue;
		}
		src = join(srcroot, rel->ptr);
		if (type != GIT_OBJECT_BLOB) {
			add_str(&x->p->notes, &x->p->nnotes, &x->p->notes_cap,
			    xasprintf("target '%s': skipped submodule '%s' (%s[%zu])", x->t->repo,
			    src, x->kind, x->index));
			free(src);
			continue;
		}
		if (glob_set_match(x->exclude, rel->ptr, false) ||
		    (glob_set_count(x->include) > 0 &&
		    !glob_set_excludes(x->include, rel->ptr, false))) {
			free(src);
			continue;
		}
		dest = join(x->dest, x->d->preserve_structure ? rel->ptr : name);
		rc = add_entry(x, dest, src, e);
		free(src);
	}
	buf_setlen(rel, mark);
	return rc;
}

static int
expand_dir(struct ctx *x, const git_tree *root, const struct cfg_dir *d)
{
	git_tree_entry *e = NULL;
	git_tree *sub = NULL;
	struct buf rel = BUF_INIT;
	char *src = norm_path(d->src), *dest = norm_path(d->dest);
	const git_tree *tree = root;
	int rc;

	x->what = d->src != NULL ? d->src : "";
	x->d = d;
	x->dest = dest;
	x->transform = plan_has_transform(x->g, x->t, d);
	if ((rc = glob_set_new(&x->exclude, (const char *const *)d->exclude.v, d->exclude.n)) != 0 ||
	    (rc = glob_set_new(&x->include, (const char *const *)d->include_only.v,
	    d->include_only.n)) != 0) {
		rc = ctx_err(x, "%s", err_last());
		goto done;
	}
	if (src[0] != '\0') {
		rc = git_tree_entry_bypath(&e, root, src);
		if (rc == GIT_ENOTFOUND) {
			rc = ctx_err(x, "source directory '%s' not found in '%s' branch '%s'", src,
			    x->g->source.repo, x->g->source.branch);
			goto done;
		}
		if (rc < 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE) {
			rc = ctx_err(x, "source path '%s' is not a directory", src);
			goto done;
		}
		if (git_tree_lookup(&sub, x->repo, git_tree_entry_id(e)) < 0) {
			rc = ctx_err(x, "cannot read directory '%s': %s", src,
			    git_error_last() ? git_error_last()->message : "?");
			goto done;
		}
		tree = sub;
	}
	rc = walk(x, tree, &rel, src);
	if (rc == 0 && d->prune)
		add_str(&x->p->prune, &x->p->nprune, &x->p->prune_cap, xstrdup(dest));
done:
	glob_set_free(x->exclude);
	glob_set_free(x->include);
	x->exclude = x->include = NULL;
	git_tree_free(sub);
	git_tree_entry_free(e);
	buf_release(&rel);
	free(src);
	free(dest);
	return rc;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_entry *)a)->path, ((const struct plan_entry *)b)->path);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
sort_unique(char **v, size_t *n)
{
	size_t i, j = 0;

	if (*n < 2)
		return; /* v may be NULL: no qsort(NULL, 0) */
	qsort(v, *n, sizeof(*v), str_cmp);
	for (i = 0; i < *n; i++) {
		if (j > 0 && strcmp(v[j - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[j++] = v[i];
	}
	*n = j;
}

static const struct plan_entry *
find_entry(const struct plan *p, const char *path)
{
	struct plan_entry key = { 0 };

	key.path = (char *)path;
	return bsearch(&key, p->entries, p->n, sizeof(*p->entries), entry_cmp);
}

/* Does s equal dir or lie below it? */
static bool
under(const char *s, const char *dir)
{
	size_t n = strlen(dir);

	return n == 0 || (strncmp(s, dir, n) == 0 && (s[n] == '\0' || s[n] == '/'));
}

/* Dest collisions, file-vs-directory clashes, synced-and-deleted paths. */
static int
check(const struct ctx *x)
{
	const struct plan *p = x->p;
	char tmp[4096];
	size_t i, k;

	for (i = 1; i < p->n; i++)
		if (strcmp(p->entries[i - 1].path, p->entries[i].path) == 0)
			return err_set(ERR_CONFIG, "group '%s', target '%s': destination '%s' is "
			    "mapped twice (from source '%s' and '%s')", x->g->name, x->t->repo,
			    p->entries[i].path, p->entries[i - 1].src, p->entries[i].src);
	for (i = 0; i < p->n; i++) {
		const char *path = p->entries[i].path, *s;

		for (s = strchr(path, '/'); s != NULL; s = strchr(s + 1, '/')) {
			const struct plan_entry *pe;

			if ((size_t)(s - path) >= sizeof(tmp))
				break;
			memcpy(tmp, path, (size_t)(s - path));
			tmp[s - path] = '\0';
			if ((pe = find_entry(p, tmp)) != NULL)
				return err_set(ERR_CONFIG, "group '%s', target '%s': destination '%s' "
				    "(from '%s') is a file, but '%s' (from '%s') needs it to be a "
				    "directory", x->g->name, x->t->repo, pe->path, pe->src, path,
				    p->entries[i].src);
		}
	}
	for (k = 0; k < p->ndeletes; k++)
		for (i = 0; i < p->n; i++)
			if (under(p->entries[i].path, p->deletes[k]))
				return err_set(ERR_CONFIG, "group '%s', target '%s': '%s' is both "
				    "synced (from '%s') and deleted", x->g->name, x->t->repo,
				    p->entries[i].path, p->entries[i].src);
	return 0;
}

int
plan_expand(struct plan *p, struct plan_cache *c, const git_tree *tree,
    const struct cfg_group *g, const struct cfg_target *t)
{
	return plan_expand_at(p, c, tree, NULL, g, t);
}

int
plan_expand_at(struct plan *p, struct plan_cache *c, const git_tree *tree,
    const git_tree *const *dir_trees, const struct cfg_group *g, const struct cfg_target *t)
{
	struct ctx x;
	size_t i;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	x.p = p;
	x.c = c;
	x.repo = git_tree_owner(tree);
	x.g = g;
	x.t = t;
	x.transform = plan_has_transform(g, t, NULL);
	x.kind = "files";
	for (i = 0; i < t->nfiles && rc == 0; i++) {
		const struct cfg_file *f = &t->files[i];

		x.index = i;
		x.pos = &f->pos;
		if (f->delete) {
			char *d = norm_path(f->dest ? f->dest : f->src);

			x.what = f->dest ? f->dest : (f->src ? f->src : "");
			if (d[0] == '\0') {
				free(d);
				rc = ctx_err(&x, "empty path to delete");
				break;
			}
			add_str(&p->deletes, &p->ndeletes, &p->deletes_cap, d);
			continue;
		}
		if (f->src == NULL) {
			x.what = f->dest ? f->dest : "";
			rc = ctx_err(&x, "no source path");
			break;
		}
		x.transform = plan_has_transform(g, t, NULL);
		rc = expand_file(&x, tree, f);
	}
	x.kind = "directories";
	for (i = 0; i < t->ndirs && rc == 0; i++) {
		const struct cfg_dir *d = &t->dirs[i];

		x.index = i;
		x.pos = &d->pos;
		if (d->delete) {
			char *dd = norm_path(d->dest ? d->dest : d->src);

			x.what = d->dest ? d->dest : (d->src ? d->src : "");
			if (dd[0] == '\0') {
				free(dd);
				rc = ctx_err(&x, "refusing to delete the repository root");
				break;
			}
			add_str(&p->deletes, &p->ndeletes, &p->deletes_cap, dd);
			continue;
		}
		rc = expand_dir(&x, dir_trees != NULL && dir_trees[i] != NULL ? dir_trees[i] : tree,
		    d);
	}
	if (rc == 0) {
		if (p->n > 1)
			qsort(p->entries, p->n, sizeof(*p->entries), entry_cmp);
		sort_unique(p->deletes, &p->ndeletes);
		sort_unique(p->prune, &p->nprune);
		rc = check(&x);
	}
	if (rc != 0)
		plan_release(p);
	return rc;
}

void
plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->entries[i].path);
		free(p->entries[i].src);
	}
	free(p->entries);
	for (i = 0; i < p->ndeletes; i++)
		free(p->deletes[i]);
	free(p->deletes);
	for (i = 0; i < p->nprune; i++)
		free(p->prune[i]);
	free(p->prune);
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	memset(p, 0, sizeof(*p));
}
