/*
 * parse — the schema of what to sync: the top level, file_lists and
 * directory_lists, groups with their source, assignments and targets, and
 * the files and directories of each (with transform and module). Read
 * through walk.c; the other sections are in settings.c.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/semver.h"
#include "shared/util.h"
#include "supervisor/config/internal.h"

static void
set_strv(struct strv *sv, const char *const *vals)
{
	size_t n = 0, i;

	strv_release(sv);
	while (vals[n] != NULL)
		n++;
	sv->v = xcalloc(n ? n : 1, sizeof(*sv->v));
	for (i = 0; i < n; i++)
		sv->v[i] = xstrdup(vals[i]);
	sv->n = n;
}

static const char *const default_excludes[] = {
	"*.out", "*.test", "*.exe", "**/.DS_Store", "**/tmp/*", "**/.git", NULL
};

/* ---- transform, module ---- */

static const char *const transform_keys[] = { "repo_name", "variables", "repo_name_bare", NULL };

static int
parse_transform(struct cwalk *w, const struct cnode *n, const char *key, struct cfg_transform *t)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	size_t mark = cfg_walk_push_key(w, key), mark2, i;
	const char *why;
	int rc = 0;

	if (cfg_walk_map(w, n, transform_keys, val, k) < 0) {
		cfg_walk_pop(w, mark);
		return -1;
	}
	if (cfg_walk_bool(&t->repo_name, w, val[0], "repo_name") < 0 ||
	    cfg_walk_bool(&t->repo_name_bare, w, val[2], "repo_name_bare") < 0)
		rc = -1;
	else if (t->repo_name_bare && !t->repo_name) {
		cfg_walk_err(w, val[2], "repo_name_bare needs repo_name: true");
		rc = -1;
	}
	if (!cnode_is_null(val[1])) {
		const struct cnode *vars = val[1];

		mark2 = cfg_walk_push_key(w, "variables");
		if (vars->kind != CN_MAP) {
			cfg_walk_err(w, vars, "expected a mapping, got %s", cfg_node_describe(vars));
			rc = -1;
		} else {
			t->vars = xcalloc(vars->n ? vars->n : 1, sizeof(*t->vars));
			for (i = 0; i < vars->n; i++) {
				const struct cnode *vk = vars->kid[2 * i],
				    *vv = vars->kid[2 * i + 1];
				size_t j, mark3;
				int dup = 0;

				if (vk->kind != CN_SCALAR || cnode_is_null(vk)) {
					cfg_walk_err(w, vk, "keys must be strings, got %s",
					    cfg_node_describe(vk));
					rc = -1;
					continue;
				}
				mark3 = cfg_walk_push_key(w, vk->s);
				for (j = 0; j < t->nvars; j++)
					if (strcmp(t->vars[j].key, vk->s) == 0)
						dup = 1;
				why = NULL;
				if (dup) {
					cfg_walk_err(w, vk, "duplicate key");
					rc = -1;
				} else if (strlen(vk->s) != vk->len ||
				    cfg_check_word(vk->s, &why) < 0) {
					cfg_walk_err(w, vk, "variable name %s",
					    why ? why : "contains a NUL character");
					rc = -1;
				} else if (vv->kind != CN_SCALAR) {
					cfg_walk_err(w, vv, "expected a string, got %s",
					    cfg_node_describe(vv));
					rc = -1;
				} else if (strlen(vv->s) != vv->len) {
					cfg_walk_err(w, vv, "contains a NUL character");
					rc = -1;
				} else {
					t->vars[t->nvars].key = xstrdup(vk->s);
					t->vars[t->nvars].value =
					    xstrdup(vv->type == CT_NULL ? "" : vv->s);
					t->nvars++;
				}
				cfg_walk_pop(w, mark3);
			}
		}
		cfg_walk_pop(w, mark2);
	}
	cfg_walk_pop(w, mark);
	return rc;
}

static const char *const module_keys[] = { "type", "version", "check_tags", "update_refs", NULL };

static int
check_module_type(const char *s, const char **why)
{
	if (strcmp(s, "go") != 0) {
		*why = "unsupported module type (only \"go\" is supported)";
		return -1;
	}
	return 0;
}

/*
 * version must be a tag, latest or a constraint (shared/semver.h); with
 * check_tags false only a tag or latest, and update_refs needs a version
 * to write, which latest without the tags does not give.
 */
static int
check_module_version(struct cwalk *w, const struct cnode *v, const struct cfg_module *m)
{
	struct semver_spec *sp;
	const char *why = NULL;
	size_t mark;
	int rc = 0;

	mark = cfg_walk_push_key(w, "version");
	if (semver_spec_parse(&sp, m->version, m->check_tags, &why) < 0) {
		cfg_walk_err(w, v, "invalid version '%s': %s", m->version, why);
		rc = -1;
	} else if (semver_spec_kind(sp) == SEMVER_LATEST && !m->check_tags && m->update_refs) {
		cfg_walk_err(w, v, "latest with check_tags: false syncs the branch head, "
		    "which has no version for update_refs to write");
		rc = -1;
	}
	semver_spec_free(sp);
	cfg_walk_pop(w, mark);
	return rc;
}

static int
parse_module(struct cwalk *w, const struct cnode *n, struct cfg_module *m)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	size_t mark;
	int rc = 0;

	if (cnode_is_null(n))
		return 0;
	mark = cfg_walk_push_key(w, "module");
	m->present = true;
	m->check_tags = true;
	m->type = xstrdup("go");
	if (cfg_walk_map(w, n, module_keys, val, k) < 0) {
		cfg_walk_pop(w, mark);
		return -1;
	}
	if (cfg_walk_str(&m->type, w, val[0], "type", check_module_type) < 0)
		rc = -1;
	if (cfg_walk_bool(&m->check_tags, w, val[2], "check_tags") < 0)
		rc = -1;
	if (cfg_walk_bool(&m->update_refs, w, val[3], "update_refs") < 0)
		rc = -1;
	if (val[1] == NULL) {
		cfg_walk_missing(w, n, "version");
		rc = -1;
	} else if (cfg_walk_str(&m->version, w, val[1], "version", cfg_check_word) < 0) {
		rc = -1;
	} else if (m->version != NULL && check_module_version(w, val[1], m) < 0) {
		rc = -1;
	}
	cfg_walk_pop(w, mark);
	return rc;
}

/* ---- sequences of entries ---- */

typedef void (*item_fn)(struct cwalk *w, const struct cnode *n, void *item);

/*
 * The sequence n (null: empty) under key as a new array of *count items
 * of size bytes each, item i read by fn under key[i]. empty, when not
 * NULL, is the error for an empty sequence. NULL and *count 0 when n is
 * not a sequence (reported).
 */
static void *
parse_seq(struct cwalk *w, const struct cnode *n, const char *key, size_t size, size_t *count,
    item_fn fn, const char *empty)
{
	size_t i, cnt, mark = cfg_walk_push_key(w, key), mark2;
	char *v = NULL;

	*count = 0;
	if (cfg_walk_seq(&cnt, w, n) == 0) {
		if (cnt == 0 && empty != NULL)
			cfg_walk_err(w, n, "%s", empty);
		v = xcalloc(cnt ? cnt : 1, size);
		*count = cnt;
		for (i = 0; i < cnt; i++) {
			mark2 = cfg_walk_push_idx(w, i);
			fn(w, n->kid[i], v + i * size);
			cfg_walk_pop(w, mark2);
		}
	}
	cfg_walk_pop(w, mark);
	return v;
}

/* ---- files and directories ---- */

/*
 * src, dest and delete, which files and directories share: dest is
 * required, src too unless the entry deletes.
 */
static void
parse_src_dest(struct cwalk *w, const struct cnode *n, const struct cnode *src,
    const struct cnode *dest, const struct cnode *del, char **srcp, char **destp,
    struct cfg_pos *dest_pos, bool *delp)
{
	cfg_walk_bool(delp, w, del, "delete");
	cfg_walk_str(srcp, w, src, "src", cfg_check_path);
	if (dest == NULL || cnode_is_null(dest))
		cfg_walk_missing(w, n, "dest");
	else if (cfg_walk_str(destp, w, dest, "dest", cfg_check_path) > 0)
		*dest_pos = cnode_pos(dest);
	if (!*delp && (src == NULL || cnode_is_null(src)))
		cfg_walk_missing(w, n, "src");
}

static const char *const file_keys[] = { "src", "dest", "delete", NULL };

static void
parse_file(struct cwalk *w, const struct cnode *n, void *item)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	struct cfg_file *f = item;

	f->pos = cnode_pos(n);
	if (cnode_is_null(n)) {
		cfg_walk_err(w, n, "expected a mapping, got null");
		return;
	}
	if (cfg_walk_map(w, n, file_keys, val, k) < 0)
		return;
	parse_src_dest(w, n, val[0], val[1], val[2], &f->src, &f->dest, &f->dest_pos, &f->delete);
}

static const char *const dir_keys[] = {
	"src", "dest", "exclude", "include_only", "preserve_structure", "include_hidden",
	"transform", "module", "delete", "prune", NULL
};

static void
parse_dir(struct cwalk *w, const struct cnode *n, void *item)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	struct cfg_dir *d = item;

	d->pos = cnode_pos(n);
	d->preserve_structure = true;
	d->include_hidden = true;
	if (cnode_is_null(n)) {
		cfg_walk_err(w, n, "expected a mapping, got null");
		return;
	}
	if (cfg_walk_map(w, n, dir_keys, val, k) < 0)
		return;
	parse_src_dest(w, n, val[0], val[1], val[8], &d->src, &d->dest, &d->dest_pos, &d->delete);
	if (cnode_is_null(val[2]))
		set_strv(&d->exclude, default_excludes);
	else
		cfg_walk_strv(&d->exclude, NULL, w, val[2], "exclude", cfg_check_word);
	cfg_walk_strv(&d->include_only, NULL, w, val[3], "include_only", cfg_check_word);
	cfg_walk_bool(&d->preserve_structure, w, val[4], "preserve_structure");
	cfg_walk_bool(&d->include_hidden, w, val[5], "include_hidden");
	if (!cnode_is_null(val[6])) {
		d->has_transform = true;
		parse_transform(w, val[6], "transform", &d->transform);
	}
	parse_module(w, val[7], &d->module);
	cfg_walk_bool(&d->prune, w, val[9], "prune");
}

static void *
parse_files(struct cwalk *w, const struct cnode *n, size_t *count)
{
	return parse_seq(w, n, "files", sizeof(struct cfg_file), count, parse_file, NULL);
}

static void *
parse_dirs(struct cwalk *w, const struct cnode *n, size_t *count)
{
	return parse_seq(w, n, "directories", sizeof(struct cfg_dir), count, parse_dir, NULL);
}

/* ---- file_lists, directory_lists ---- */

static const char *const file_list_keys[] = { "id", "name", "description", "files", NULL };
static const char *const dir_list_keys[] = { "id", "name", "description", "directories", NULL };

/*
 * What file and directory lists share: id, name, description, and the
 * entries under keys[3], read by entries into *v and *count.
 */
static void
parse_list(struct cwalk *w, const struct cnode *n, const char *const *keys, char **id,
    struct cfg_pos *id_pos, char **name, char **description,
    void *(*entries)(struct cwalk *, const struct cnode *, size_t *), void **v, size_t *count)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];

	if (cfg_walk_map(w, n, keys, val, k) < 0)
		return;
	if (cnode_is_null(val[0]))
		cfg_walk_missing(w, n, "id");
	else if (cfg_walk_str(id, w, val[0], "id", cfg_check_word) > 0)
		*id_pos = cnode_pos(val[0]);
	cfg_walk_str(name, w, val[1], "name", cfg_check_text);
	cfg_walk_str(description, w, val[2], "description", cfg_check_text);
	if (val[3] == NULL)
		cfg_walk_missing(w, n, keys[3]);
	else
		*v = entries(w, val[3], count);
}

static void
parse_file_list(struct cwalk *w, const struct cnode *n, void *item)
{
	struct cfg_file_list *fl = item;
	void *files = NULL;

	fl->pos = cnode_pos(n);
	parse_list(w, n, file_list_keys, &fl->id, &fl->id_pos, &fl->name, &fl->description,
	    parse_files, &files, &fl->nfiles);
	fl->files = files;
}

static void
parse_dir_list(struct cwalk *w, const struct cnode *n, void *item)
{
	struct cfg_dir_list *dl = item;
	void *dirs = NULL;

	dl->pos = cnode_pos(n);
	parse_list(w, n, dir_list_keys, &dl->id, &dl->id_pos, &dl->name, &dl->description,
	    parse_dirs, &dirs, &dl->ndirs);
	dl->dirs = dirs;
}

/* ---- groups and targets ---- */

enum {
	A_LABELS, A_ASSIGNEES, A_REVIEWERS, A_TEAM_REVIEWERS,
};

static void
parse_assign(struct cwalk *w, const struct cnode **val, struct cfg_assign *a)
{
	cfg_walk_strv(&a->labels, NULL, w, val[A_LABELS], "pr_labels", cfg_check_word);
	cfg_walk_strv(&a->assignees, NULL, w, val[A_ASSIGNEES], "pr_assignees", cfg_check_word);
	cfg_walk_strv(&a->reviewers, NULL, w, val[A_REVIEWERS], "pr_reviewers", cfg_check_word);
	cfg_walk_strv(&a->team_reviewers, NULL, w, val[A_TEAM_REVIEWERS], "pr_team_reviewers",
	    cfg_check_word);
}

static const char *const global_keys[] = {
	"pr_labels", "pr_assignees", "pr_reviewers", "pr_team_reviewers", NULL
};
static const char *const defaults_keys[] = {
	"pr_labels", "pr_assignees", "pr_reviewers", "pr_team_reviewers", "branch_prefix",
	"pr_draft", NULL
};

enum {
	T_LABELS, T_ASSIGNEES, T_REVIEWERS, T_TEAM_REVIEWERS, T_REPO, T_BRANCH, T_FILES, T_DIRS,
	T_FILE_REFS, T_DIR_REFS, T_TRANSFORM, T_SEC_EMAIL, T_SUP_EMAIL, T_BLOB, T_CLONE,
	T_DRAFT,
};
static const char *const target_keys[] = {
	"pr_labels", "pr_assignees", "pr_reviewers", "pr_team_reviewers", "repo", "branch",
	"files", "directories", "file_list_refs", "directory_list_refs", "transform",
	"security_email", "support_email", "blob_size_limit", "clone_mode", "pr_draft", NULL
};

static int
check_clone_mode(const char *s, const char **why)
{
	if (strcmp(s, "sparse") != 0 && strcmp(s, "full") != 0) {
		*why = "must be \"sparse\" or \"full\"";
		return -1;
	}
	return 0;
}

static void
parse_target(struct cwalk *w, const struct cnode *n, void *item)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	struct cfg_target *t = item;
	size_t before = w->errs->n;

	t->pos = cnode_pos(n);
	if (cnode_is_null(n)) {
		cfg_walk_err(w, n, "expected a mapping, got null");
		t->parse_failed = true;
		return;
	}
	if (cfg_walk_map(w, n, target_keys, val, k) < 0) {
		t->parse_failed = true;
		return;
	}
	if (cnode_is_null(val[T_REPO]))
		cfg_walk_missing(w, n, "repo");
	else if (cfg_walk_str(&t->repo, w, val[T_REPO], "repo", cfg_check_repo) > 0)
		t->repo_pos = cnode_pos(val[T_REPO]);
	cfg_walk_str(&t->branch, w, val[T_BRANCH], "branch", cfg_check_branch);
	if (val[T_FILES] != NULL)
		t->files = parse_files(w, val[T_FILES], &t->nfiles);
	if (val[T_DIRS] != NULL)
		t->dirs = parse_dirs(w, val[T_DIRS], &t->ndirs);
	cfg_walk_strv(&t->file_list_refs, &t->file_list_refs_pos, w, val[T_FILE_REFS],
	    "file_list_refs", cfg_check_word);
	cfg_walk_strv(&t->dir_list_refs, &t->dir_list_refs_pos, w, val[T_DIR_REFS],
	    "directory_list_refs", cfg_check_word);
	if (val[T_TRANSFORM] != NULL)
		parse_transform(w, val[T_TRANSFORM], "transform", &t->transform);
	cfg_walk_str(&t->security_email, w, val[T_SEC_EMAIL], "security_email", cfg_check_email);
	cfg_walk_str(&t->support_email, w, val[T_SUP_EMAIL], "support_email", cfg_check_email);
	cfg_walk_str(&t->blob_size_limit, w, val[T_BLOB], "blob_size_limit", cfg_check_size);
	cfg_walk_str(&t->clone_mode, w, val[T_CLONE], "clone_mode", check_clone_mode);
	if (val[T_DRAFT] != NULL && cfg_walk_bool(&t->pr_draft, w, val[T_DRAFT], "pr_draft") > 0)
		t->pr_draft_set = true;
	parse_assign(w, val, &t->own);
	if (w->errs->n != before)
		t->parse_failed = true;
}

static const char *const source_keys[] = {
	"repo", "branch", "blob_size_limit", "security_email", "support_email", NULL
};

enum {
	G_NAME, G_ID, G_DESC, G_PRIORITY, G_DEPENDS, G_ENABLED, G_SOURCE, G_GLOBAL, G_DEFAULTS,
	G_TARGETS,
};
static const char *const group_keys[] = {
	"name", "id", "description", "priority", "depends_on", "enabled", "source", "global",
	"defaults", "targets", NULL
};

static void
parse_group(struct cwalk *w, const struct cnode *n, void *item)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	const struct cnode *sv[CWALK_MAX_FIELDS], *sk[CWALK_MAX_FIELDS];
	static const char *const default_labels[] = { "automated-sync", NULL };
	struct cfg_group *g = item;
	size_t mark;

	g->pos = cnode_pos(n);
	g->enabled = true;
	g->source.branch = xstrdup("main");
	g->defaults.branch_prefix = xstrdup("chore/sync-files");
	set_strv(&g->defaults.assign.labels, default_labels);
	if (cfg_walk_map(w, n, group_keys, val, k) < 0)
		return;
	if (cnode_is_null(val[G_NAME]))
		cfg_walk_missing(w, n, "name");
	else
		cfg_walk_str(&g->name, w, val[G_NAME], "name", cfg_check_word);
	if (cnode_is_null(val[G_ID]))
		cfg_walk_missing(w, n, "id");
	else if (cfg_walk_str(&g->id, w, val[G_ID], "id", cfg_check_word) > 0)
		g->id_pos = cnode_pos(val[G_ID]);
	cfg_walk_str(&g->description, w, val[G_DESC], "description", cfg_check_text);
	cfg_walk_int(&g->priority, w, val[G_PRIORITY], "priority", -1000000, 1000000);
	cfg_walk_strv(&g->depends_on, &g->depends_on_pos, w, val[G_DEPENDS], "depends_on", cfg_check_word);
	cfg_walk_bool(&g->enabled, w, val[G_ENABLED], "enabled");

	if (cnode_is_null(val[G_SOURCE])) {
		cfg_walk_missing(w, n, "source");
	} else {
		mark = cfg_walk_push_key(w, "source");
		if (cfg_walk_map(w, val[G_SOURCE], source_keys, sv, sk) == 0) {
			if (cnode_is_null(sv[0]))
				cfg_walk_missing(w, val[G_SOURCE], "repo");
			else
				cfg_walk_str(&g->source.repo, w, sv[0], "repo", cfg_check_repo);
			cfg_walk_str(&g->source.branch, w, sv[1], "branch", cfg_check_branch);
			cfg_walk_str(&g->source.blob_size_limit, w, sv[2], "blob_size_limit", cfg_check_size);
			cfg_walk_str(&g->source.security_email, w, sv[3], "security_email", cfg_check_email);
			cfg_walk_str(&g->source.support_email, w, sv[4], "support_email", cfg_check_email);
		}
		cfg_walk_pop(w, mark);
	}
	if (val[G_GLOBAL] != NULL) {
		mark = cfg_walk_push_key(w, "global");
		if (cfg_walk_map(w, val[G_GLOBAL], global_keys, sv, sk) == 0)
			parse_assign(w, sv, &g->global);
		cfg_walk_pop(w, mark);
	}
	if (val[G_DEFAULTS] != NULL) {
		mark = cfg_walk_push_key(w, "defaults");
		if (cfg_walk_map(w, val[G_DEFAULTS], defaults_keys, sv, sk) == 0) {
			parse_assign(w, sv, &g->defaults.assign);
			cfg_walk_str(&g->defaults.branch_prefix, w, sv[4], "branch_prefix", cfg_check_branch);
			cfg_walk_bool(&g->defaults.pr_draft, w, sv[5], "pr_draft");
		}
		cfg_walk_pop(w, mark);
	}
	if (val[G_TARGETS] == NULL) {
		cfg_walk_missing(w, n, "targets");
		return;
	}
	g->targets = parse_seq(w, val[G_TARGETS], "targets", sizeof(*g->targets), &g->ntargets,
	    parse_target, "at least one target is required");
}

/* ---- top level ---- */

enum {
	K_VERSION, K_NAME, K_ID, K_FILE_LISTS, K_DIR_LISTS, K_GROUPS, K_PRESETS, K_PREFLIGHT,
	K_REPOCAST, K_SOURCE, K_TARGETS, K_MAPPINGS,
};
static const char *const top_keys[] = {
	"version", "name", "id", "file_lists", "directory_lists", "groups", "settings_presets",
	"rate_limit_preflight", "repocast", "source", "targets", "mappings", NULL
};

void
cfg_parse_tree(struct cfg *c, const struct cnode *root, const char *file, struct cfg_errors *errs)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	struct cwalk w;
	size_t i, mark;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.file = file;
	w.errs = errs;
	buf_init(&w.path, 128);
	if (root == NULL || root->kind != CN_MAP) {
		if (root == NULL || cnode_is_null(root))
			cfg_errors_add(errs, file, 1, 1,
			    "empty config: expected a mapping with 'version' and 'groups'");
		else
			cfg_walk_err(&w, root, "expected a mapping at the top level, got %s",
			    cfg_node_describe(root));
		goto out;
	}
	cfg_walk_map(&w, root, top_keys, val, k);
	for (i = K_SOURCE; i <= K_MAPPINGS; i++)
		if (k[i] != NULL) {
			mark = cfg_walk_push_key(&w, top_keys[i]);
			cfg_walk_err(&w, k[i],
			    "unknown key (the pre-group format is not supported: put "
			    "source and targets under groups[])");
			cfg_walk_pop(&w, mark);
		}
	if (val[K_VERSION] == NULL) {
		cfg_errors_add(errs, file, root->line, root->col, "missing required key 'version'");
	} else if (cfg_walk_int(&c->version, &w, val[K_VERSION], "version", INT32_MIN,
	    INT32_MAX) > 0 &&
	    c->version != 1) {
		mark = cfg_walk_push_key(&w, "version");
		cfg_walk_err(&w, val[K_VERSION],
		    "unsupported version %d (only version 1 is supported)",
		    c->version);
		cfg_walk_pop(&w, mark);
	}
	cfg_walk_str(&c->name, &w, val[K_NAME], "name", cfg_check_text);
	cfg_walk_str(&c->id, &w, val[K_ID], "id", cfg_check_word);
	if (val[K_FILE_LISTS] != NULL)
		c->file_lists = parse_seq(&w, val[K_FILE_LISTS], "file_lists",
		    sizeof(*c->file_lists), &c->nfile_lists, parse_file_list, NULL);
	if (val[K_DIR_LISTS] != NULL)
		c->dir_lists = parse_seq(&w, val[K_DIR_LISTS], "directory_lists",
		    sizeof(*c->dir_lists), &c->ndir_lists, parse_dir_list, NULL);
	if (val[K_PRESETS] != NULL)
		cfg_parse_presets(&w, val[K_PRESETS]);
	if (val[K_PREFLIGHT] != NULL)
		cfg_parse_preflight(&w, val[K_PREFLIGHT]);
	if (val[K_REPOCAST] != NULL)
		cfg_parse_repocast(&w, val[K_REPOCAST]);
	if (cnode_is_null(val[K_GROUPS])) {
		cfg_errors_add(errs, file, root->line, root->col, "missing required key 'groups'");
		goto out;
	}
	c->groups = parse_seq(&w, val[K_GROUPS], "groups", sizeof(*c->groups), &c->ngroups,
	    parse_group, "at least one group is required");
out:
	buf_release(&w.path);
}

