/*
 * data — the values of a parsed config: the collected errors (at most
 * MAX_ERRORS, then one "too many errors" line), and freeing and copying a
 * struct cfg and its parts. The lowest file of the loader: the YAML layer,
 * the schema walk, the settings and the checks call it; it calls none of
 * them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/config/internal.h"

#define MAX_ERRORS 1000

/* ---- errors ---- */

void
cfg_errors_add(struct cfg_errors *errs, const char *file, int line, int col, const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	struct cfg_error *e;
	size_t off;
	va_list ap;

	if (errs->n > MAX_ERRORS)
		return;
	if (errs->n == MAX_ERRORS) {
		fmt = "too many errors: only the first %d are shown";
		line = col = 0;
	}
	if (file != NULL && line > 0)
		buf_addf(&m, "%s:%d:%d: ", file, line, col);
	else if (file != NULL)
		buf_addf(&m, "%s: ", file);
	off = m.len;
	if (errs->n == MAX_ERRORS) {
		buf_addf(&m, "too many errors: only the first %d are shown", MAX_ERRORS);
	} else {
		va_start(ap, fmt);
		buf_vaddf(&m, fmt, ap);
		va_end(ap);
	}
	ALLOC_GROW(errs->v, errs->n + 1, errs->cap);
	e = &errs->v[errs->n++];
	e->msg = buf_detach(&m, NULL);
	e->text = e->msg + off;
	e->line = line;
	e->col = col;
}

void
cfg_errors_release(struct cfg_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->v[i].msg);
	free(errs->v);
	errs->v = NULL;
	errs->n = errs->cap = 0;
}

/* ---- freeing ---- */

static void
assign_release(struct cfg_assign *a)
{
	strv_release(&a->labels);
	strv_release(&a->assignees);
	strv_release(&a->reviewers);
	strv_release(&a->team_reviewers);
}

static void
transform_release(struct cfg_transform *t)
{
	size_t i;

	for (i = 0; i < t->nvars; i++) {
		free(t->vars[i].key);
		free(t->vars[i].value);
	}
	free(t->vars);
	t->vars = NULL;
	t->nvars = 0;
}

void
cfg_file_release(struct cfg_file *f)
{
	free(f->src);
	free(f->dest);
	free(f->list_id);
}

void
cfg_dir_release(struct cfg_dir *d)
{
	free(d->src);
	free(d->dest);
	free(d->list_id);
	strv_release(&d->exclude);
	strv_release(&d->include_only);
	transform_release(&d->transform);
	free(d->module.type);
	free(d->module.version);
}

void
cfg_files_free(struct cfg_file *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cfg_file_release(&v[i]);
	free(v);
}

void
cfg_dirs_free(struct cfg_dir *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cfg_dir_release(&v[i]);
	free(v);
}

static void
target_release(struct cfg_target *t)
{
	free(t->repo);
	free(t->branch);
	cfg_files_free(t->files, t->nfiles);
	cfg_dirs_free(t->dirs, t->ndirs);
	strv_release(&t->file_list_refs);
	strv_release(&t->dir_list_refs);
	free(t->file_list_refs_pos);
	free(t->dir_list_refs_pos);
	transform_release(&t->transform);
	free(t->security_email);
	free(t->support_email);
	free(t->blob_size_limit);
	free(t->clone_mode);
	assign_release(&t->own);
	assign_release(&t->pr);
}

static void
group_release(struct cfg_group *g)
{
	size_t i;

	free(g->name);
	free(g->id);
	free(g->description);
	strv_release(&g->depends_on);
	free(g->depends_on_pos);
	free(g->source.repo);
	free(g->source.branch);
	free(g->source.blob_size_limit);
	free(g->source.security_email);
	free(g->source.support_email);
	assign_release(&g->global);
	free(g->defaults.branch_prefix);
	assign_release(&g->defaults.assign);
	for (i = 0; i < g->ntargets; i++)
		target_release(&g->targets[i]);
	free(g->targets);
}

void
cfg_free(struct cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->name);
	free(c->id);
	for (i = 0; i < c->nfile_lists; i++) {
		free(c->file_lists[i].id);
		free(c->file_lists[i].name);
		free(c->file_lists[i].description);
		cfg_files_free(c->file_lists[i].files, c->file_lists[i].nfiles);
	}
	free(c->file_lists);
	for (i = 0; i < c->ndir_lists; i++) {
		free(c->dir_lists[i].id);
		free(c->dir_lists[i].name);
		free(c->dir_lists[i].description);
		cfg_dirs_free(c->dir_lists[i].dirs, c->dir_lists[i].ndirs);
	}
	free(c->dir_lists);
	for (i = 0; i < c->ngroups; i++)
		group_release(&c->groups[i]);
	free(c->groups);
	free(c->rc.cache_dir);
	free(c->rc.api_url);
	free(c->rc.git_url);
	free(c->rc.author_name);
	free(c->rc.commit_key);
	free(c->rc.author_email);
	free(c->rc.report_dir);
	free(c->rc.auth_app_id);
	free(c->rc.auth_key_file);
	free(c->rc.auth_installation_id);
	strv_release(&c->rc.report_formats);
	strv_release(&c->rc.automerge_labels);
	free(c);
}

/* ---- copies ---- */


void
cfg_file_copy(struct cfg_file *dst, const struct cfg_file *src, const char *list_id)
{
	*dst = *src;
	dst->src = xstrdup_or_null(src->src);
	dst->dest = xstrdup_or_null(src->dest);
	dst->list_id = xstrdup_or_null(list_id);
}

void
cfg_dir_copy(struct cfg_dir *dst, const struct cfg_dir *src, const char *list_id)
{
	size_t i;

	*dst = *src;
	dst->src = xstrdup_or_null(src->src);
	dst->dest = xstrdup_or_null(src->dest);
	dst->list_id = xstrdup_or_null(list_id);
	strv_copy(&dst->exclude, &src->exclude);
	strv_copy(&dst->include_only, &src->include_only);
	dst->transform.vars = xcalloc(src->transform.nvars ? src->transform.nvars : 1,
	    sizeof(*dst->transform.vars));
	for (i = 0; i < src->transform.nvars; i++) {
		dst->transform.vars[i].key = xstrdup(src->transform.vars[i].key);
		dst->transform.vars[i].value = xstrdup(src->transform.vars[i].value);
	}
	dst->module.type = xstrdup_or_null(src->module.type);
	dst->module.version = xstrdup_or_null(src->module.version);
}
