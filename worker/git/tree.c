/*
 * tree — manifest vs base tree, blobs in, new tree out.
 */
#include "worker/git/tree.h"

#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/pathcheck.h"
#include "shared/gomod.h"
#include "shared/transform.h"
#include "shared/util.h"

#define MODE_FILE 0100644
#define MODE_EXEC 0100755
#define MODE_LINK 0120000

int
tree_job_init(struct tree_job *tj, git_repository *repo, git_tree *base,
    const struct transform *xf)
{
	memset(tj, 0, sizeof(*tj));
	tj->repo = repo;
	tj->base = base;
	tj->xf = (xf != NULL && !transform_is_noop(xf)) ? xf : NULL;
	buf_init(&tj->scratch, 0);
	if (git_repository_odb(&tj->odb, repo) < 0)
		return err_git(ERR_FAIL, "cannot open the object database");
	return 0;
}

void
tree_job_release(struct tree_job *tj)
{
	size_t i;

	for (i = 0; i < tj->n; i++)
		free(tj->v[i].path);
	free(tj->v);
	for (i = 0; i < tj->nfiles; i++)
		free(tj->files[i].path);
	free(tj->files);
	free(tj->widx);
	if (tj->base_owned)
		git_tree_free(tj->base);
	git_odb_free(tj->odb);
	buf_release(&tj->scratch);
	memset(tj, 0, sizeof(*tj));
}

int
tree_add(struct tree_job *tj, const struct msg_manifest_entry *e)
{
	struct tree_entry *t;
	git_tree_entry *te = NULL;
	const char *why = NULL;
	bool xform;
	int exists;

	if (pathcheck_tree_path(e->path, &why) < 0)
		return err_set(ERR_PROTO, "manifest: bad path '%s': %s", e->path, why);
	if (e->mode != MODE_FILE && e->mode != MODE_EXEC && e->mode != MODE_LINK)
		return err_set(ERR_PROTO, "manifest: bad mode %o for '%s'", e->mode, e->path);
	ALLOC_GROW(tj->v, tj->n + 1, tj->cap);
	t = &tj->v[tj->n];
	memset(t, 0, sizeof(*t));
	if (git_oid_fromstrn(&t->src, e->oid, strlen(e->oid)) < 0 || strlen(e->oid) != 40)
		return err_set(ERR_PROTO, "manifest: bad oid '%s' for '%s'", e->oid, e->path);
	t->path = xstrdup(e->path);
	t->mode = e->mode;
	t->binary = e->binary;
	t->transform = e->transform;
	tj->n++;
	if (tj->base != NULL && git_tree_entry_bypath(&te, tj->base, e->path) == 0) {
		t->in_base = true;
		git_oid_cpy(&t->base_oid, git_tree_entry_id(te));
		t->base_mode = git_tree_entry_filemode(te);
		git_tree_entry_free(te);
	}
	xform = tj->xf != NULL && t->transform && !t->binary && t->mode != MODE_LINK;
	t->transform = xform;
	exists = git_odb_exists(tj->odb, &t->src);
	if (!xform) {
		git_oid_cpy(&t->result, &t->src);
		if (t->in_base && git_oid_equal(&t->base_oid, &t->src) && t->base_mode == t->mode)
			t->state = TREE_UNCHANGED;
		else if (exists)
			t->state = TREE_DONE;  /* the mirror holds it: nothing to move */
		else
			t->state = TREE_WANT;
	} else {
		t->state = exists ? TREE_LOCAL : TREE_WANT;
	}
	return 0;
}

static struct tree_job *sort_tj;

static int
cmp_widx(const void *a, const void *b)
{
	const struct tree_entry *x = &sort_tj->v[*(const size_t *)a];
	const struct tree_entry *y = &sort_tj->v[*(const size_t *)b];

	return git_oid_cmp(&x->src, &y->src);
}

int
tree_need(char (**out)[41], size_t *n, struct tree_job *tj)
{
	char (*v)[41] = NULL;
	size_t i, k = 0;

	free(tj->widx);
	tj->widx = xcalloc(tj->n ? tj->n : 1, sizeof(size_t));
	tj->nwidx = 0;
	for (i = 0; i < tj->n; i++)
		if (tj->v[i].state == TREE_WANT)
			tj->widx[tj->nwidx++] = i;
	sort_tj = tj;
	if (tj->nwidx > 0)
		qsort(tj->widx, tj->nwidx, sizeof(size_t), cmp_widx);
	sort_tj = NULL;
	v = xcalloc(tj->nwidx ? tj->nwidx : 1, sizeof(*v));
	for (i = 0; i < tj->nwidx; i++) {
		const git_oid *id = &tj->v[tj->widx[i]].src;

		if (k > 0 && i > 0 && git_oid_equal(id, &tj->v[tj->widx[i - 1]].src))
			continue;
		git_oid_tostr(v[k++], 41, id);
	}
	*out = v;
	*n = k;
	return 0;
}

/* Produce t->result from the source content. */
static int
tree_resolve(struct tree_job *tj, struct tree_entry *t, const void *data, size_t len)
{
	if (t->transform) {
		transform_apply(&tj->scratch, tj->xf, t->path, data, len);
		if (git_odb_write(&t->result, tj->odb, tj->scratch.ptr, tj->scratch.len,
		    GIT_OBJECT_BLOB) < 0)
			return err_git(ERR_FAIL, "cannot write blob for '%s'", t->path);
	} else {
		git_oid_cpy(&t->result, &t->src);
	}
	t->state = TREE_DONE;
	return 0;
}

/* The first position in widx whose entry's source is id (or past the end). */
static size_t
tree_want_first(const struct tree_job *tj, const git_oid *id)
{
	size_t lo = 0, hi = tj->nwidx, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (git_oid_cmp(&tj->v[tj->widx[mid]].src, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
tree_blob(struct tree_job *tj, const char *hexoid, const void *data, size_t len)
{
	git_oid id, got;
	size_t i;
	int found = 0, written = 0;

	if (strlen(hexoid) != 40 || git_oid_fromstr(&id, hexoid) < 0)
		return err_set(ERR_PROTO, "blobs: bad oid '%s'", hexoid);
	if (git_odb_hash(&got, data, len, GIT_OBJECT_BLOB) < 0 || !git_oid_equal(&got, &id))
		return err_set(ERR_PROTO, "blobs: content does not match blob %s", hexoid);
	for (i = tree_want_first(tj, &id); i < tj->nwidx; i++) {
		struct tree_entry *t = &tj->v[tj->widx[i]];

		if (!git_oid_equal(&t->src, &id))
			break;
		if (t->state != TREE_WANT)
			continue;
		if (!written) {
			/* Keep the source blob too: next run needs no WANT for it. */
			if (git_odb_write(&got, tj->odb, data, len, GIT_OBJECT_BLOB) < 0)
				return err_git(ERR_FAIL, "cannot write blob %s", hexoid);
			written = 1;
		}
		if (tree_resolve(tj, t, data, len) < 0)
			return ERR_FAIL;
		found = 1;
	}
	if (!found)
		return err_set(ERR_PROTO, "blobs: blob %s was not requested", hexoid);
	tj->bytes_in += len;
	return 0;
}

bool
tree_wanted(const struct tree_job *tj, const git_oid *id)
{
	size_t i;

	for (i = tree_want_first(tj, id); i < tj->nwidx; i++) {
		const struct tree_entry *t = &tj->v[tj->widx[i]];

		if (!git_oid_equal(&t->src, id))
			break;
		if (t->state == TREE_WANT)
			return true;
	}
	return false;
}

int
tree_blob_stored(struct tree_job *tj, const git_oid *id, uint64_t len)
{
	git_odb_object *obj = NULL;
	size_t i;
	int found = 0, rc = 0;

	for (i = tree_want_first(tj, id); i < tj->nwidx && rc == 0; i++) {
		struct tree_entry *t = &tj->v[tj->widx[i]];

		if (!git_oid_equal(&t->src, id))
			break;
		if (t->state != TREE_WANT)
			continue;
		found = 1;
		if (!t->transform) {
			git_oid_cpy(&t->result, &t->src);
			t->state = TREE_DONE;
			continue;
		}
		/* A transform needs the text whole; read it back once. */
		if (obj == NULL && git_odb_read(&obj, tj->odb, id) < 0) {
			rc = err_git(ERR_FAIL, "cannot read blob %s", git_oid_tostr_s(id));
			break;
		}
		rc = tree_resolve(tj, t, git_odb_object_data(obj), git_odb_object_size(obj));
	}
	git_odb_object_free(obj);
	if (rc < 0)
		return rc;
	if (!found)
		return err_set(ERR_PROTO, "blobs: blob %s was not requested", git_oid_tostr_s(id));
	tj->bytes_in += len;
	return 0;
}

static int
cmp_entry_path(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path, ((const struct tree_entry *)b)->path);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
tree_in_manifest(const struct tree_job *tj, const char *path)
{
	size_t lo = 0, hi = tj->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(tj->v[mid].path, path);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct walk_ctx {
	struct tree_job *tj;
	const char *prefix;
	char **rm;
	size_t nrm, cap;
};

static void
add_removal(struct walk_ctx *w, char *path)
{
	ALLOC_GROW(w->rm, w->nrm + 1, w->cap);
	w->rm[w->nrm++] = path;
}

static int
walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct walk_ctx *w = payload;
	char *p;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	p = xasprintf("%s/%s%s", w->prefix, root, git_tree_entry_name(entry));
	if (tree_in_manifest(w->tj, p))
		free(p);
	else
		add_removal(w, p);
	return 0;
}

/* Every base file at or under path that the manifest does not list. */
static int
collect_removals(struct walk_ctx *w, const char *path)
{
	git_tree_entry *te = NULL;
	git_tree *sub = NULL;
	const char *why = NULL;
	char *clean;
	size_t len;
	int rc = 0;

	clean = xstrdup(path);
	len = strlen(clean);
	while (len > 0 && clean[len - 1] == '/')
		clean[--len] = '\0';
	if (len > 0 && pathcheck_tree_path(clean, &why) < 0) {
		rc = err_set(ERR_PROTO, "job: bad delete or prune path '%s': %s", clean, why);
		free(clean);
		return rc;
	}
	if (w->tj->base == NULL) {
		free(clean);
		return 0;
	}
	if (len == 0 || git_tree_entry_bypath(&te, w->tj->base, clean) < 0) {
		free(clean);
		return 0;  /* nothing there: nothing to delete */
	}
	if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		if (git_tree_lookup(&sub, w->tj->repo, git_tree_entry_id(te)) < 0) {
			rc = err_git(ERR_FAIL, "cannot read tree '%s'", clean);
		} else {
			w->prefix = clean;
			if (git_tree_walk(sub, GIT_TREEWALK_PRE, walk_cb, w) < 0)
				rc = err_git(ERR_FAIL, "cannot walk tree '%s'", clean);
		}
		free(clean);
	} else if (tree_in_manifest(w->tj, clean)) {
		free(clean);
	} else {
		add_removal(w, clean);
	}
	git_tree_free(sub);
	git_tree_entry_free(te);
	return rc;
}

static void
add_file(struct tree_job *tj, char *path, int status)
{
	ALLOC_GROW(tj->files, tj->nfiles + 1, tj->files_cap);
	tj->files[tj->nfiles].path = path;
	tj->files[tj->nfiles].status = status;
	tj->nfiles++;
}

int
tree_build(git_oid *out, struct tree_job *tj, const struct strv *delete_paths,
    const struct strv *prune_dirs)
{
	struct walk_ctx w;
	git_tree_update *up = NULL;
	git_odb_object *obj = NULL;
	git_treebuilder *tb = NULL;
	size_t i, nup = 0;
	int rc = ERR_FAIL;

	memset(&w, 0, sizeof(w));
	w.tj = tj;
	for (i = 0; i < tj->n; i++) {
		struct tree_entry *t = &tj->v[i];

		if (t->state == TREE_WANT)
			return err_set(ERR_PROTO, "blobs: blob for '%s' never arrived", t->path);
		if (t->state != TREE_LOCAL)
			continue;
		if (git_odb_read(&obj, tj->odb, &t->src) < 0)
			return err_git(ERR_FAIL, "cannot read blob for '%s'", t->path);
		rc = tree_resolve(tj, t, git_odb_object_data(obj), git_odb_object_size(obj));
		git_odb_object_free(obj);
		obj = NULL;
		if (rc < 0)
			return rc;
	}
	if (tj->n > 0)
		qsort(tj->v, tj->n, sizeof(*tj->v), cmp_entry_path);
	free(tj->widx);  /* indexes are stale after the sort */
	tj->widx = NULL;
	tj->nwidx = 0;
	for (i = 1; i < tj->n; i++)
		if (strcmp(tj->v[i - 1].path, tj->v[i].path) == 0)
			return err_set(ERR_PROTO, "manifest: duplicate path '%s'", tj->v[i].path);
	for (i = 0; delete_paths != NULL && i < delete_paths->n; i++)
		if ((rc = collect_removals(&w, delete_paths->v[i])) < 0)
			goto out;
	for (i = 0; prune_dirs != NULL && i < prune_dirs->n; i++)
		if ((rc = collect_removals(&w, prune_dirs->v[i])) < 0)
			goto out;
	rc = ERR_FAIL;  /* what the failures below return */
	if (w.nrm > 0)
		qsort(w.rm, w.nrm, sizeof(*w.rm), cmp_str);
	up = xcalloc(tj->n + w.nrm + 1, sizeof(*up));
	for (i = 0; i < tj->n; i++) {
		struct tree_entry *t = &tj->v[i];

		if (!t->in_base)
			t->status = FILE_ADDED;
		else if (git_oid_equal(&t->result, &t->base_oid) && t->mode == t->base_mode)
			t->status = FILE_UNCHANGED;
		else
			t->status = FILE_MODIFIED;
		if (t->status == FILE_UNCHANGED) {
			tj->unchanged++;
			continue;
		}
		if (t->status == FILE_ADDED)
			tj->added++;
		else
			tj->modified++;
		up[nup].action = GIT_TREE_UPDATE_UPSERT;
		git_oid_cpy(&up[nup].id, &t->result);
		up[nup].filemode = t->mode;
		up[nup].path = t->path;
		nup++;
		add_file(tj, xstrdup(t->path), t->status);
	}
	for (i = 0; i < w.nrm; i++) {
		if (i > 0 && strcmp(w.rm[i], w.rm[i - 1]) == 0)
			continue;  /* listed by a delete and a prune */
		up[nup].action = GIT_TREE_UPDATE_REMOVE;
		up[nup].path = w.rm[i];
		nup++;
		tj->deleted++;
		add_file(tj, xstrdup(w.rm[i]), FILE_DELETED);
	}
	if (tj->base == NULL) {
		/* An empty base: start from an empty tree. */
		git_oid empty;

		if (git_treebuilder_new(&tb, tj->repo, NULL) < 0 ||
		    git_treebuilder_write(&empty, tb) < 0) {
			err_git(ERR_FAIL, "cannot write an empty tree");
			goto out;
		}
		if (git_tree_lookup(&tj->base, tj->repo, &empty) < 0) {
			err_git(ERR_FAIL, "cannot read the empty tree");
			goto out;
		}
		tj->base_owned = true;
	}
	if (nup == 0) {
		git_oid_cpy(out, git_tree_id(tj->base));
	} else if (git_tree_create_updated(out, tj->repo, tj->base, nup, up) < 0) {
		err_git(ERR_FAIL, "cannot build the new tree");
		goto out;
	}
	rc = 0;
out:
	git_treebuilder_free(tb);
	for (i = 0; i < w.nrm; i++)
		free(w.rm[i]);
	free(w.rm);
	free(up);
	return rc;
}

int
tree_diff(struct buf *stat, struct buf *patch, size_t cap, struct tree_job *tj,
    const git_oid *new_tree)
{
	git_diff_options opts;
	git_diff *diff = NULL;
	git_diff_stats *st = NULL;
	git_tree *nt = NULL;
	git_buf gb = GIT_BUF_INIT;
	int rc = ERR_FAIL;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (git_tree_lookup(&nt, tj->repo, new_tree) < 0) {
		err_git(ERR_FAIL, "cannot read the new tree");
		goto out;
	}
	if (git_diff_tree_to_tree(&diff, tj->repo, tj->base, nt, &opts) < 0 ||
	    git_diff_get_stats(&st, diff) < 0 ||
	    git_diff_stats_to_buf(&gb, st, GIT_DIFF_STATS_FULL | GIT_DIFF_STATS_INCLUDE_SUMMARY,
	    80) < 0) {
		err_git(ERR_FAIL, "cannot compute the diffstat");
		goto out;
	}
	buf_add(stat, gb.ptr, gb.size);
	git_buf_dispose(&gb);
	if (patch != NULL) {
		if (git_diff_to_buf(&gb, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
			err_git(ERR_FAIL, "cannot format the diff");
			goto out;
		}
		if (gb.size > cap) {
			buf_add(patch, gb.ptr, cap);
			buf_addf(patch, "\n[diff truncated at %zu bytes]\n", cap);
		} else {
			buf_add(patch, gb.ptr, gb.size);
		}
	}
	rc = 0;
out:
	git_buf_dispose(&gb);
	git_diff_stats_free(st);
	git_diff_free(diff);
	git_tree_free(nt);
	return rc;
}

/* ---- the base tree's own names ---- */

struct hostile_ctx {
	char *path;                /* the first hostile entry found, or NULL */
	const char *why;
};

static int
hostile_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct hostile_ctx *h = payload;
	const char *why = NULL;
	char *p;

	if (pathcheck_name(git_tree_entry_name(entry), &why) == 0)
		return 0;
	h->path = xasprintf("%s%s", root, git_tree_entry_name(entry));
	/* A planted name may hold anything: no control character reaches a log. */
	for (p = h->path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	h->why = why;
	return -1;  /* stops the walk */
}

int
tree_check_base(char **bad, const char **why, struct tree_job *tj)
{
	struct hostile_ctx h = { NULL, NULL };
	int rc;

	*bad = NULL;
	if (tj->base == NULL)
		return 0;
	rc = git_tree_walk(tj->base, GIT_TREEWALK_PRE, hostile_cb, &h);
	if (h.path != NULL) {
		*bad = h.path;
		*why = h.why;
		return 1;
	}
	if (rc < 0)
		return err_git(ERR_FAIL, "cannot walk the base tree");
	return 0;
}

int
tree_set_requires(struct tree_job *tj, const struct msg_kv *req, size_t n)
{
	struct msg_manifest_entry e;
	struct buf cur = BUF_INIT, next = BUF_INIT;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	git_oid id;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	for (i = 0; i < tj->n; i++)
		if (strcmp(tj->v[i].path, "go.mod") == 0)
			return err_set(ERR_CONFIG, "update_refs: go.mod is also synced from the "
			    "source; it cannot be both");
	if (tj->base == NULL || git_tree_entry_bypath(&te, tj->base, "go.mod") != 0 ||
	    git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(te);
		err_clear();
		return err_set(ERR_CONFIG, "update_refs: the target has no go.mod at its root");
	}
	if (git_blob_lookup(&blob, tj->repo, git_tree_entry_id(te)) < 0) {
		rc = err_git(ERR_FAIL, "cannot read the target's go.mod");
		goto out;
	}
	buf_add(&cur, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	for (i = 0; i < n; i++) {
		buf_reset(&next);
		if ((rc = gomod_set_require(&next, cur.ptr ? cur.ptr : "", cur.len, req[i].key,
		    req[i].value)) < 0)
			goto out;
		buf_reset(&cur);
		buf_add(&cur, next.ptr ? next.ptr : "", next.len);
	}
	if (git_odb_write(&id, tj->odb, cur.ptr ? cur.ptr : "", cur.len, GIT_OBJECT_BLOB) < 0) {
		rc = err_git(ERR_FAIL, "cannot write the new go.mod");
		goto out;
	}
	/* An entry like any synced file: tree_build compares it with the base. */
	memset(&e, 0, sizeof(e));
	e.path = (char *)"go.mod";
	e.mode = git_tree_entry_filemode(te) == GIT_FILEMODE_BLOB_EXECUTABLE ? MODE_EXEC :
	    MODE_FILE;
	git_oid_tostr(e.oid, sizeof(e.oid), &id);
	rc = tree_add(tj, &e);
out:
	git_blob_free(blob);
	git_tree_entry_free(te);
	buf_release(&cur);
	buf_release(&next);
	return rc;
}
