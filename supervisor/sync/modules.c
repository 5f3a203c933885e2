/*
 * sync_modules — module directories (docs/modules.md): resolve each
 * `module.version` of a target against its source's v* tags, from the
 * source mirror (no other clone), into the tag's commit and tree that the
 * plan expands the directory from. See internal.h.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/gomod.h"
#include "shared/semver.h"
#include "shared/util.h"
#include "supervisor/sync/internal.h"

size_t
sync_modules_count(const struct cfg_target *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->ndirs; i++)
		n += t->dirs[i].module.present && !t->dirs[i].delete;
	return n;
}

/* go.mod's module path in directory dir of tree; *out NULL when none. */
static int
sync_module_path(char **out, struct source *s, const git_tree *tree, const char *dir)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	const void *data;
	size_t len, n = strlen(dir);
	char *path;
	int rc;

	*out = NULL;
	while (n > 0 && dir[n - 1] == '/')
		n--;
	path = n == 0 || (n == 1 && dir[0] == '.') ? xstrdup("go.mod") :
	    xasprintf("%.*s/go.mod", (int)n, dir);
	rc = git_tree_entry_bypath(&e, tree, path);
	free(path);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return err_git(ERR_FAIL, "cannot read go.mod of '%s'", dir);
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		git_tree_entry_free(e);
		return 0;
	}
	rc = source_blob(&blob, &data, &len, s, git_tree_entry_id(e));
	git_tree_entry_free(e);
	if (rc < 0)
		return rc;
	if (gomod_module_path(out, data, len) < 0)
		err_clear();
	git_blob_free(blob);
	return 0;
}

/* Is dir a directory of tree ("" and "." are the root)? 0, or -1. */
static int
sync_module_has_dir(const git_tree *tree, const char *dir)
{
	git_tree_entry *e = NULL;
	size_t n = strlen(dir);
	char *path;
	int rc;

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && dir[0] == '.'))
		return 0;
	path = xstrndup(dir, n);
	rc = git_tree_entry_bypath(&e, tree, path) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE ? 0 : -1;
	git_tree_entry_free(e);
	free(path);
	return rc;
}

int
sync_module_resolve(struct sync_module *m, struct source *s, const struct cfg_dir *d)
{
	const struct cfg_module *mod = &d->module;
	struct semver_spec *sp = NULL;
	const char *why = NULL;
	git_oid commit;
	long pick;
	int rc;

	memset(m, 0, sizeof(*m));
	m->d = d;
	/* The config was validated: a spec that fails here is a bug. */
	if (semver_spec_parse(&sp, mod->version, mod->check_tags, &why) < 0)
		BUG("module version '%s' passed validation: %s", mod->version, why);
	if (semver_spec_kind(sp) == SEMVER_LATEST && !mod->check_tags) {
		/* No tags to choose from: the branch head (go-broadcast's fallback). */
		memcpy(m->commit, s->commit_hex, sizeof(m->commit));
		rc = 0;
		goto path;
	}
	if (!s->tags)
		BUG("source '%s' opened without its tags", s->repo);
	if (semver_spec_kind(sp) == SEMVER_EXACT) {
		m->version = xstrdup(mod->version);
	} else {
		pick = semver_spec_pick(sp, (const char *const *)s->tag_names.v, s->tag_names.n);
		if (pick < 0) {
			rc = err_set(ERR_NOTFOUND, "no tag of '%s' satisfies version '%s' (%zu "
			    "version tags)", s->repo, mod->version, s->tag_names.n);
			goto done;
		}
		m->version = xstrdup(s->tag_names.v[pick]);
	}
	if ((rc = source_tag_tree(&m->tree, &commit, s, m->version)) < 0)
		goto done;
	git_oid_tostr(m->commit, sizeof(m->commit), &commit);
	if (sync_module_has_dir(m->tree, d->src) < 0) {
		rc = err_set(ERR_NOTFOUND, "directory '%s' does not exist at %s of '%s'", d->src,
		    m->version, s->repo);
		goto done;
	}
path:
	if ((rc = sync_module_path(&m->module_path, s, m->tree ? m->tree : s->tree,
	    m->d->src)) < 0)
		goto done;
	if (mod->update_refs && m->module_path == NULL)
		rc = err_set(ERR_CONFIG, "update_refs: no go.mod with a module line in '%s' "
		    "at %s", m->d->src, m->version ? m->version : "the branch head");
done:
	semver_spec_free(sp);
	return rc;
}

int
sync_modules_resolve(struct sync_target *t)
{
	const struct cfg_target *tg = t->target;
	size_t i;
	int rc;

	t->nmods = 0;
	t->mods = xcalloc(sync_modules_count(tg) + 1, sizeof(*t->mods));
	for (i = 0; i < tg->ndirs; i++) {
		struct sync_module *m;

		if (!tg->dirs[i].module.present || tg->dirs[i].delete)
			continue;
		m = &t->mods[t->nmods++];
		rc = sync_module_resolve(m, &t->source->src, &tg->dirs[i]);
		m->dir = i;
		if (rc < 0) {
			err_wrap("directory '%s' module version '%s'", m->d->src,
			    m->d->module.version);
			return rc;
		}
	}
	return 0;
}

const git_tree **
sync_modules_trees(const struct sync_target *t)
{
	const git_tree **v;
	size_t i;
	bool any = false;

	for (i = 0; i < t->nmods; i++)
		any = any || t->mods[i].tree != NULL;
	if (!any)
		return NULL;
	v = xcalloc(t->target->ndirs + 1, sizeof(*v));
	for (i = 0; i < t->nmods; i++)
		v[t->mods[i].dir] = t->mods[i].tree;
	return v;
}

void
sync_modules_digest(char out[41], const struct sync_target *t, const char *source_tree)
{
	struct buf b = BUF_INIT;
	git_oid id;
	size_t i;

	buf_addstr(&b, source_tree);
	for (i = 0; i < t->nmods; i++)
		buf_addf(&b, "\n%zu %s %s", t->mods[i].dir, t->mods[i].commit,
		    t->mods[i].version ? t->mods[i].version : "");
	if (git_odb_hash(&id, b.ptr, b.len, GIT_OBJECT_BLOB) < 0)
		BUG("cannot hash the module commits");
	git_oid_tostr(out, 41, &id);
	buf_release(&b);
}

struct prtext_module *
sync_modules_prtext(const struct sync_target *t)
{
	struct prtext_module *v = xcalloc(t->nmods + 1, sizeof(*v));
	size_t i;

	for (i = 0; i < t->nmods; i++) {
		v[i].dir = t->mods[i].d->src;
		v[i].dest = t->mods[i].d->dest ? t->mods[i].d->dest : t->mods[i].d->src;
		v[i].version = t->mods[i].version;
		v[i].commit = t->mods[i].commit;
	}
	return v;
}

void
sync_modules_record(struct sync_target *t)
{
	size_t i;

	for (i = 0; i < t->nmods; i++) {
		const struct sync_module *m = &t->mods[i];
		struct record_module rm = {
			m->d->src, m->d->dest ? m->d->dest : m->d->src, m->d->module.version,
			m->version, m->commit[0] ? (char *)m->commit : NULL, m->module_path,
		};

		if (m->commit[0] != '\0')  /* resolved (not the one that failed) */
			record_add_module(&t->rec, &rm);
	}
}

void
sync_module_release(struct sync_module *m)
{
	free(m->version);
	free(m->module_path);
	git_tree_free(m->tree);
	memset(m, 0, sizeof(*m));
}

void
sync_modules_release(struct sync_target *t)
{
	size_t i;

	for (i = 0; i < t->nmods; i++)
		sync_module_release(&t->mods[i]);
	free(t->mods);
	t->mods = NULL;
	t->nmods = 0;
}
