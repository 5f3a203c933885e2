/*
 * config_parse — the schema: walk the node tree into a struct cfg.
 *
 * Every mapping is read through map_get, which knows the mapping's keys:
 * an unknown key, a duplicate key or a key that is not a string is an
 * error at the key; `<<` merge keys are honoured (explicit keys win).
 * A null value reads as "not given", as in go-broadcast. Scalars keep
 * their YAML type: a quoted "1" is not an integer, a plain 1 may be used
 * as a string (go-broadcast's decoder does the same). Errors never stop
 * the walk: each one is recorded with its key path and the walk goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/config_int.h"

#define MAX_FIELDS 32
#define MAX_MERGE_DEPTH 8

struct walk {
	struct cfg *c;
	const char *file;
	struct cfg_errors *errs;
	struct buf path;
	size_t npresets_ids;
	char **preset_ids;
};

typedef int (*check_fn)(const char *s, const char **why);

static void werr(struct walk *w, const struct cnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
werr(struct walk *w, const struct cnode *n, const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	va_list ap;

	if (w->path.len > 0)
		buf_addf(&m, "%s: ", w->path.ptr);
	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	cfg_errors_add(w->errs, w->file, n->line, n->col, "%s", m.ptr);
	buf_release(&m);
}

static size_t
push_key(struct walk *w, const char *key)
{
	size_t mark = w->path.len;

	if (mark > 0)
		buf_addch(&w->path, '.');
	buf_addstr(&w->path, key);
	return mark;
}

static size_t
push_idx(struct walk *w, size_t i)
{
	size_t mark = w->path.len;

	buf_addf(&w->path, "[%zu]", i);
	return mark;
}

static void
pop(struct walk *w, size_t mark)
{
	buf_setlen(&w->path, mark);
}

static const char *
describe(const struct cnode *n)
{
	if (n->kind == CN_MAP)
		return "a mapping";
	if (n->kind == CN_SEQ)
		return "a sequence";
	switch (n->type) {
	case CT_NULL:
		return "null";
	case CT_BOOL:
		return "a boolean";
	case CT_INT:
		return "an integer";
	case CT_FLOAT:
		return "a number";
	default:
		return "a string";
	}
}

static int
is_null(const struct cnode *n)
{
	return n == NULL || (n->kind == CN_SCALAR && n->type == CT_NULL);
}

static struct cfg_pos
pos_of(const struct cnode *n)
{
	struct cfg_pos p = { n->line, n->col };

	return p;
}

static int
is_merge_key(const struct cnode *k)
{
	return k->kind == CN_SCALAR && k->type == CT_STR && k->len == 2 && strcmp(k->s, "<<") == 0;
}

static int
key_index(const char *const *names, const char *key)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], key) == 0)
			return i;
	return -1;
}

static void map_merge(struct walk *w, const struct cnode *src, const char *const *names,
    const struct cnode **val, const struct cnode **key, int depth);

/*
 * Read one mapping's pairs, skipping merge keys. Explicit pairs (merged 0)
 * report duplicates; merged pairs (merged 1) lose to keys already set.
 */
static void
map_pairs(struct walk *w, const struct cnode *n, const char *const *names, const struct cnode **val,
    const struct cnode **key, int merged)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		const struct cnode *k = n->kid[2 * i], *v = n->kid[2 * i + 1];
		size_t mark;
		int idx;

		if (k->kind != CN_SCALAR || is_null(k)) {
			werr(w, k, "keys must be strings, got %s", describe(k));
			continue;
		}
		if (is_merge_key(k))
			continue;
		idx = key_index(names, k->s);
		if (idx < 0) {
			mark = push_key(w, k->s);
			werr(w, k, "unknown key");
			pop(w, mark);
			continue;
		}
		if (key[idx] != NULL) {
			if (merged)
				continue;
			mark = push_key(w, k->s);
			werr(w, k, "duplicate key (first at line %d, column %d)", key[idx]->line,
			    key[idx]->col);
			pop(w, mark);
			continue;
		}
		key[idx] = k;
		val[idx] = v;
	}
}

/* Apply the merge keys of mapping n (after its own pairs were read). */
static void
map_merges(struct walk *w, const struct cnode *n, const char *const *names,
    const struct cnode **val, const struct cnode **key, int depth)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (is_merge_key(n->kid[2 * i]))
			map_merge(w, n->kid[2 * i + 1], names, val, key, depth + 1);
}

static void
map_merge(struct walk *w, const struct cnode *src, const char *const *names,
    const struct cnode **val, const struct cnode **key, int depth)
{
	size_t i;

	if (depth > MAX_MERGE_DEPTH) {
		werr(w, src, "merge keys (<<) nested more than %d deep", MAX_MERGE_DEPTH);
		return;
	}
	if (src->kind == CN_MAP) {
		map_pairs(w, src, names, val, key, 1);
		map_merges(w, src, names, val, key, depth);
		return;
	}
	if (src->kind == CN_SEQ) {
		/* Earlier mappings in the list win over later ones. */
		for (i = 0; i < src->n; i++) {
			if (src->kid[i]->kind != CN_MAP) {
				werr(w, src->kid[i], "merge key (<<) needs mappings, got %s",
				    describe(src->kid[i]));
				continue;
			}
			map_merge(w, src->kid[i], names, val, key, depth);
		}
		return;
	}
	werr(w, src, "merge key (<<) needs a mapping or a sequence of mappings, got %s",
	    describe(src));
}

/*
 * The values of a mapping's known keys into val (and their key nodes into
 * key), by index in names. 0 for a mapping or null (nothing set); -1 with
 * an error when n is something else.
 */
static int
map_get(struct walk *w, const struct cnode *n, const char *const *names, const struct cnode **val,
    const struct cnode **key)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		if (i >= MAX_FIELDS)
			BUG("too many fields");
		val[i] = NULL;
		key[i] = NULL;
	}
	if (is_null(n))
		return 0;
	if (n->kind != CN_MAP) {
		werr(w, n, "expected a mapping, got %s", describe(n));
		return -1;
	}
	map_pairs(w, n, names, val, key, 0);
	map_merges(w, n, names, val, key, 0);
	return 0;
}

/* A sequence, or null (0 items). -1 with an error otherwise. */
static int
seq_get(struct walk *w, const struct cnode *n, size_t *count)
{
	*count = 0;
	if (is_null(n))
		return 0;
	if (n->kind != CN_SEQ) {
		werr(w, n, "expected a sequence, got %s", describe(n));
		return -1;
	}
	*count = n->n;
	return 0;
}

static void
missing(struct walk *w, const struct cnode *map, const char *key)
{
	werr(w, map, "missing required key '%s'", key);
}

/*
 * A string. 0: absent or null (out unchanged); 1: set; -1: error. Any
 * scalar but null reads as its text. check (may be NULL) validates it.
 */
static int
get_str(struct walk *w, const struct cnode *v, const char *key, char **out, check_fn check)
{
	const char *why = NULL;
	size_t mark;
	int rc = 1;

	if (is_null(v))
		return 0;
	mark = push_key(w, key);
	if (v->kind != CN_SCALAR) {
		werr(w, v, "expected a string, got %s", describe(v));
		rc = -1;
	} else if (strlen(v->s) != v->len) {
		werr(w, v, "contains a NUL character");
		rc = -1;
	} else if (check != NULL && check(v->s, &why) < 0) {
		werr(w, v, "%s", why);
		rc = -1;
	} else {
		free(*out);
		*out = xstrdup(v->s);
	}
	pop(w, mark);
	return rc;
}

/* Free text (names, descriptions): no NUL; anything else goes. */
static int
check_text(const char *s, const char **why)
{
	(void)s;
	(void)why;
	return 0;
}

/* One-line identifiers: non-empty, no control characters. */
static int
check_word(const char *s, const char **why)
{
	if (*s == '\0') {
		*why = "must not be empty";
		return -1;
	}
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			*why = "must not contain control characters";
			return -1;
		}
	return 0;
}

static int
check_url(const char *s, const char **why)
{
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		*why = "must be an http:// or https:// URL";
		return -1;
	}
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
			*why = "must not contain spaces or control characters";
			return -1;
		}
	return 0;
}

static int
check_size(const char *s, const char **why)
{
	uint64_t b;

	if (cfg_parse_size(s, &b) < 0) {
		*why = "expected a size like 512M, 2G, 100k or a number of bytes";
		return -1;
	}
	return 0;
}

static int
check_duration(const char *s, const char **why)
{
	uint64_t ms;

	if (cfg_parse_duration(s, &ms) < 0) {
		*why = "expected a duration like 10m, 90s, 1h30m or 500ms";
		return -1;
	}
	return 0;
}

static int
check_branch_prefix(const char *s, const char **why)
{
	if (cfg_check_branch(s, why) < 0)
		return -1;
	return 0;
}

static int
parse_int_text(const char *s, long long *out)
{
	int neg = 0, base = 10;
	unsigned long long v;
	char *end;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && s[1] == 'o') {
		base = 8;
		s += 2;
	}
	if (*s < '0' || *s > 'f')
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v > (unsigned long long)INT64_MAX)
		return -1;
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

static int
get_int(struct walk *w, const struct cnode *v, const char *key, int *out, int min, int max)
{
	long long x;
	size_t mark;
	int rc = 1;

	if (is_null(v))
		return 0;
	mark = push_key(w, key);
	if (v->kind != CN_SCALAR || v->type != CT_INT) {
		werr(w, v, "expected an integer, got %s", describe(v));
		rc = -1;
	} else if (parse_int_text(v->s, &x) < 0 || x < min || x > max) {
		werr(w, v, "must be an integer from %d to %d", min, max);
		rc = -1;
	} else {
		*out = (int)x;
	}
	pop(w, mark);
	return rc;
}

static int
get_bool(struct walk *w, const struct cnode *v, const char *key, bool *out)
{
	size_t mark;

	if (is_null(v))
		return 0;
	if (v->kind != CN_SCALAR || v->type != CT_BOOL) {
		mark = push_key(w, key);
		werr(w, v, "expected a boolean (true or false), got %s", describe(v));
		pop(w, mark);
		return -1;
	}
	*out = v->s[0] == 't' || v->s[0] == 'T';
	return 1;
}

static void
strv_free(struct cfg_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	free(sv->pos);
	sv->v = NULL;
	sv->pos = NULL;
	sv->n = 0;
}

/* A sequence of strings; replaces *out when given. */
static int
get_strv(struct walk *w, const struct cnode *v, const char *key, struct cfg_strv *out,
    check_fn check)
{
	size_t i, n, mark, mark2;
	int rc = 1;

	if (v == NULL)
		return 0;
	mark = push_key(w, key);
	if (seq_get(w, v, &n) < 0) {
		pop(w, mark);
		return -1;
	}
	strv_free(out);
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	out->pos = xcalloc(n ? n : 1, sizeof(*out->pos));
	for (i = 0; i < n; i++) {
		const struct cnode *it = v->kid[i];
		const char *why = NULL;

		mark2 = push_idx(w, i);
		if (it->kind != CN_SCALAR || is_null(it)) {
			werr(w, it, "expected a string, got %s", describe(it));
			rc = -1;
		} else if (strlen(it->s) != it->len) {
			werr(w, it, "contains a NUL character");
			rc = -1;
		} else if (check != NULL && check(it->s, &why) < 0) {
			werr(w, it, "%s", why);
			rc = -1;
		} else {
			out->pos[out->n] = pos_of(it);
			out->v[out->n++] = xstrdup(it->s);
		}
		pop(w, mark2);
	}
	pop(w, mark);
	return rc;
}

static void
strv_set(struct cfg_strv *sv, const char *const *vals)
{
	size_t n = 0, i;

	strv_free(sv);
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

static const char *const transform_keys[] = { "repo_name", "variables", NULL };

static int
parse_transform(struct walk *w, const struct cnode *n, const char *key, struct cfg_transform *t)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	size_t mark = push_key(w, key), mark2, i;
	const char *why;
	int rc = 0;

	if (map_get(w, n, transform_keys, val, k) < 0) {
		pop(w, mark);
		return -1;
	}
	if (get_bool(w, val[0], "repo_name", &t->repo_name) < 0)
		rc = -1;
	if (!is_null(val[1])) {
		const struct cnode *vars = val[1];

		mark2 = push_key(w, "variables");
		if (vars->kind != CN_MAP) {
			werr(w, vars, "expected a mapping, got %s", describe(vars));
			rc = -1;
		} else {
			t->vars = xcalloc(vars->n ? vars->n : 1, sizeof(*t->vars));
			for (i = 0; i < vars->n; i++) {
				const struct cnode *vk = vars->kid[2 * i], *vv = vars->kid[2 * i + 1];
				size_t j, mark3;
				int dup = 0;

				if (vk->kind != CN_SCALAR || is_null(vk)) {
					werr(w, vk, "keys must be strings, got %s", describe(vk));
					rc = -1;
					continue;
				}
				mark3 = push_key(w, vk->s);
				for (j = 0; j < t->nvars; j++)
					if (strcmp(t->vars[j].key, vk->s) == 0)
						dup = 1;
				why = NULL;
				if (dup) {
					werr(w, vk, "duplicate key");
					rc = -1;
				} else if (strlen(vk->s) != vk->len || check_word(vk->s, &why) < 0) {
					werr(w, vk, "variable name %s",
					    why ? why : "contains a NUL character");
					rc = -1;
				} else if (vv->kind != CN_SCALAR) {
					werr(w, vv, "expected a string, got %s", describe(vv));
					rc = -1;
				} else if (strlen(vv->s) != vv->len) {
					werr(w, vv, "contains a NUL character");
					rc = -1;
				} else {
					t->vars[t->nvars].key = xstrdup(vk->s);
					t->vars[t->nvars].value = xstrdup(vv->type == CT_NULL ? "" : vv->s);
					t->nvars++;
				}
				pop(w, mark3);
			}
		}
		pop(w, mark2);
	}
	pop(w, mark);
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

static int
check_version_spec(const char *s, const char **why)
{
	if (*s == '\0') {
		*why = "must not be empty";
		return -1;
	}
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
			*why = "must not contain spaces or control characters";
			return -1;
		}
	return 0;
}

static int
parse_module(struct walk *w, const struct cnode *n, struct cfg_module *m)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	size_t mark;
	int rc = 0;

	if (is_null(n))
		return 0;
	mark = push_key(w, "module");
	m->present = true;
	m->check_tags = true;
	m->type = xstrdup("go");
	if (map_get(w, n, module_keys, val, k) < 0) {
		pop(w, mark);
		return -1;
	}
	if (get_str(w, val[0], "type", &m->type, check_module_type) < 0)
		rc = -1;
	if (val[1] == NULL) {
		missing(w, n, "version");
		rc = -1;
	} else if (get_str(w, val[1], "version", &m->version, check_version_spec) < 0) {
		rc = -1;
	}
	if (get_bool(w, val[2], "check_tags", &m->check_tags) < 0)
		rc = -1;
	if (get_bool(w, val[3], "update_refs", &m->update_refs) < 0)
		rc = -1;
	pop(w, mark);
	return rc;
}

/* ---- files and directories ---- */

static const char *const file_keys[] = { "src", "dest", "delete", NULL };

static int
parse_file(struct walk *w, const struct cnode *n, struct cfg_file *f)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	int rc = 0;

	f->pos = pos_of(n);
	if (is_null(n)) {
		werr(w, n, "expected a mapping, got null");
		return -1;
	}
	if (map_get(w, n, file_keys, val, k) < 0)
		return -1;
	if (get_bool(w, val[2], "delete", &f->delete) < 0)
		rc = -1;
	if (get_str(w, val[0], "src", &f->src, cfg_check_path) < 0)
		rc = -1;
	if (val[1] == NULL || is_null(val[1])) {
		missing(w, n, "dest");
		rc = -1;
	} else if (get_str(w, val[1], "dest", &f->dest, cfg_check_path) < 0) {
		rc = -1;
	} else {
		f->dest_pos = pos_of(val[1]);
	}
	if (!f->delete && (val[0] == NULL || is_null(val[0]))) {
		missing(w, n, "src");
		rc = -1;
	}
	return rc;
}

static const char *const dir_keys[] = {
	"src", "dest", "exclude", "include_only", "preserve_structure", "include_hidden",
	"transform", "module", "delete", "prune", NULL
};

static int
parse_dir(struct walk *w, const struct cnode *n, struct cfg_dir *d)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	int rc = 0;

	d->pos = pos_of(n);
	d->preserve_structure = true;
	d->include_hidden = true;
	if (is_null(n)) {
		werr(w, n, "expected a mapping, got null");
		return -1;
	}
	if (map_get(w, n, dir_keys, val, k) < 0)
		return -1;
	if (get_bool(w, val[8], "delete", &d->delete) < 0)
		rc = -1;
	if (get_str(w, val[0], "src", &d->src, cfg_check_path) < 0)
		rc = -1;
	if (val[1] == NULL || is_null(val[1])) {
		missing(w, n, "dest");
		rc = -1;
	} else if (get_str(w, val[1], "dest", &d->dest, cfg_check_path) < 0) {
		rc = -1;
	} else {
		d->dest_pos = pos_of(val[1]);
	}
	if (!d->delete && (val[0] == NULL || is_null(val[0]))) {
		missing(w, n, "src");
		rc = -1;
	}
	if (is_null(val[2]))
		strv_set(&d->exclude, default_excludes);
	else if (get_strv(w, val[2], "exclude", &d->exclude, check_word) < 0)
		rc = -1;
	if (get_strv(w, val[3], "include_only", &d->include_only, check_word) < 0)
		rc = -1;
	if (get_bool(w, val[4], "preserve_structure", &d->preserve_structure) < 0)
		rc = -1;
	if (get_bool(w, val[5], "include_hidden", &d->include_hidden) < 0)
		rc = -1;
	if (!is_null(val[6])) {
		d->has_transform = true;
		if (parse_transform(w, val[6], "transform", &d->transform) < 0)
			rc = -1;
	}
	if (parse_module(w, val[7], &d->module) < 0)
		rc = -1;
	if (get_bool(w, val[9], "prune", &d->prune) < 0)
		rc = -1;
	return rc;
}

static int
parse_files(struct walk *w, const struct cnode *n, const char *key, struct cfg_file **out,
    size_t *nout)
{
	size_t i, cnt, mark = push_key(w, key), mark2;
	int rc = 0;

	if (seq_get(w, n, &cnt) < 0) {
		pop(w, mark);
		return -1;
	}
	*out = xcalloc(cnt ? cnt : 1, sizeof(**out));
	*nout = cnt;
	for (i = 0; i < cnt; i++) {
		mark2 = push_idx(w, i);
		if (parse_file(w, n->kid[i], &(*out)[i]) < 0)
			rc = -1;
		pop(w, mark2);
	}
	pop(w, mark);
	return rc;
}

static int
parse_dirs(struct walk *w, const struct cnode *n, const char *key, struct cfg_dir **out,
    size_t *nout)
{
	size_t i, cnt, mark = push_key(w, key), mark2;
	int rc = 0;

	if (seq_get(w, n, &cnt) < 0) {
		pop(w, mark);
		return -1;
	}
	*out = xcalloc(cnt ? cnt : 1, sizeof(**out));
	*nout = cnt;
	for (i = 0; i < cnt; i++) {
		mark2 = push_idx(w, i);
		if (parse_dir(w, n->kid[i], &(*out)[i]) < 0)
			rc = -1;
		pop(w, mark2);
	}
	pop(w, mark);
	return rc;
}

/* ---- file_lists, directory_lists ---- */

static const char *const file_list_keys[] = { "id", "name", "description", "files", NULL };
static const char *const dir_list_keys[] = { "id", "name", "description", "directories", NULL };

static void
parse_file_lists(struct walk *w, const struct cnode *n)
{
	struct cfg *c = w->c;
	size_t i, cnt, mark = push_key(w, "file_lists"), mark2;

	if (seq_get(w, n, &cnt) == 0) {
		c->file_lists = xcalloc(cnt ? cnt : 1, sizeof(*c->file_lists));
		c->nfile_lists = cnt;
	}
	for (i = 0; i < c->nfile_lists; i++) {
		struct cfg_file_list *fl = &c->file_lists[i];
		const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS], *it = n->kid[i];

		mark2 = push_idx(w, i);
		fl->pos = pos_of(it);
		if (map_get(w, it, file_list_keys, val, k) == 0) {
			if (is_null(val[0]))
				missing(w, it, "id");
			else if (get_str(w, val[0], "id", &fl->id, check_word) > 0)
				fl->id_pos = pos_of(val[0]);
			get_str(w, val[1], "name", &fl->name, check_text);
			get_str(w, val[2], "description", &fl->description, check_text);
			if (val[3] == NULL)
				missing(w, it, "files");
			else
				parse_files(w, val[3], "files", &fl->files, &fl->nfiles);
		}
		pop(w, mark2);
	}
	pop(w, mark);
}

static void
parse_dir_lists(struct walk *w, const struct cnode *n)
{
	struct cfg *c = w->c;
	size_t i, cnt, mark = push_key(w, "directory_lists"), mark2;

	if (seq_get(w, n, &cnt) == 0) {
		c->dir_lists = xcalloc(cnt ? cnt : 1, sizeof(*c->dir_lists));
		c->ndir_lists = cnt;
	}
	for (i = 0; i < c->ndir_lists; i++) {
		struct cfg_dir_list *dl = &c->dir_lists[i];
		const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS], *it = n->kid[i];

		mark2 = push_idx(w, i);
		dl->pos = pos_of(it);
		if (map_get(w, it, dir_list_keys, val, k) == 0) {
			if (is_null(val[0]))
				missing(w, it, "id");
			else if (get_str(w, val[0], "id", &dl->id, check_word) > 0)
				dl->id_pos = pos_of(val[0]);
			get_str(w, val[1], "name", &dl->name, check_text);
			get_str(w, val[2], "description", &dl->description, check_text);
			if (val[3] == NULL)
				missing(w, it, "directories");
			else
				parse_dirs(w, val[3], "directories", &dl->dirs, &dl->ndirs);
		}
		pop(w, mark2);
	}
	pop(w, mark);
}

/* ---- groups and targets ---- */

enum {
	A_LABELS, A_ASSIGNEES, A_REVIEWERS, A_TEAM_REVIEWERS,
};

static void
parse_assign(struct walk *w, const struct cnode **val, struct cfg_assign *a)
{
	get_strv(w, val[A_LABELS], "pr_labels", &a->labels, check_word);
	get_strv(w, val[A_ASSIGNEES], "pr_assignees", &a->assignees, check_word);
	get_strv(w, val[A_REVIEWERS], "pr_reviewers", &a->reviewers, check_word);
	get_strv(w, val[A_TEAM_REVIEWERS], "pr_team_reviewers", &a->team_reviewers, check_word);
}

static const char *const global_keys[] = {
	"pr_labels", "pr_assignees", "pr_reviewers", "pr_team_reviewers", NULL
};
static const char *const defaults_keys[] = {
	"pr_labels", "pr_assignees", "pr_reviewers", "pr_team_reviewers", "branch_prefix", NULL
};

enum {
	T_LABELS, T_ASSIGNEES, T_REVIEWERS, T_TEAM_REVIEWERS, T_REPO, T_BRANCH, T_FILES, T_DIRS,
	T_FILE_REFS, T_DIR_REFS, T_TRANSFORM, T_SEC_EMAIL, T_SUP_EMAIL, T_BLOB, T_CLONE,
};
static const char *const target_keys[] = {
	"pr_labels", "pr_assignees", "pr_reviewers", "pr_team_reviewers", "repo", "branch",
	"files", "directories", "file_list_refs", "directory_list_refs", "transform",
	"security_email", "support_email", "blob_size_limit", "clone_mode", NULL
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
parse_target(struct walk *w, const struct cnode *n, struct cfg_target *t)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	size_t before = w->errs->n;

	t->pos = pos_of(n);
	if (is_null(n)) {
		werr(w, n, "expected a mapping, got null");
		t->parse_failed = true;
		return;
	}
	if (map_get(w, n, target_keys, val, k) < 0) {
		t->parse_failed = true;
		return;
	}
	if (is_null(val[T_REPO]))
		missing(w, n, "repo");
	else if (get_str(w, val[T_REPO], "repo", &t->repo, cfg_check_repo) > 0)
		t->repo_pos = pos_of(val[T_REPO]);
	get_str(w, val[T_BRANCH], "branch", &t->branch, cfg_check_branch);
	if (val[T_FILES] != NULL)
		parse_files(w, val[T_FILES], "files", &t->files, &t->nfiles);
	if (val[T_DIRS] != NULL)
		parse_dirs(w, val[T_DIRS], "directories", &t->dirs, &t->ndirs);
	get_strv(w, val[T_FILE_REFS], "file_list_refs", &t->file_list_refs, check_word);
	get_strv(w, val[T_DIR_REFS], "directory_list_refs", &t->dir_list_refs, check_word);
	if (val[T_TRANSFORM] != NULL)
		parse_transform(w, val[T_TRANSFORM], "transform", &t->transform);
	get_str(w, val[T_SEC_EMAIL], "security_email", &t->security_email, cfg_check_email);
	get_str(w, val[T_SUP_EMAIL], "support_email", &t->support_email, cfg_check_email);
	get_str(w, val[T_BLOB], "blob_size_limit", &t->blob_size_limit, check_size);
	get_str(w, val[T_CLONE], "clone_mode", &t->clone_mode, check_clone_mode);
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
parse_group(struct walk *w, const struct cnode *n, struct cfg_group *g)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	const struct cnode *sv[MAX_FIELDS], *sk[MAX_FIELDS];
	static const char *const default_labels[] = { "automated-sync", NULL };
	size_t i, cnt, mark, mark2;

	g->pos = pos_of(n);
	g->enabled = true;
	g->source.branch = xstrdup("main");
	g->defaults.branch_prefix = xstrdup("chore/sync-files");
	strv_set(&g->defaults.assign.labels, default_labels);
	if (map_get(w, n, group_keys, val, k) < 0)
		return;
	if (is_null(val[G_NAME]))
		missing(w, n, "name");
	else
		get_str(w, val[G_NAME], "name", &g->name, check_word);
	if (is_null(val[G_ID]))
		missing(w, n, "id");
	else if (get_str(w, val[G_ID], "id", &g->id, check_word) > 0)
		g->id_pos = pos_of(val[G_ID]);
	get_str(w, val[G_DESC], "description", &g->description, check_text);
	get_int(w, val[G_PRIORITY], "priority", &g->priority, -1000000, 1000000);
	get_strv(w, val[G_DEPENDS], "depends_on", &g->depends_on, check_word);
	get_bool(w, val[G_ENABLED], "enabled", &g->enabled);

	if (is_null(val[G_SOURCE])) {
		missing(w, n, "source");
	} else {
		mark = push_key(w, "source");
		if (map_get(w, val[G_SOURCE], source_keys, sv, sk) == 0) {
			if (is_null(sv[0]))
				missing(w, val[G_SOURCE], "repo");
			else
				get_str(w, sv[0], "repo", &g->source.repo, cfg_check_repo);
			get_str(w, sv[1], "branch", &g->source.branch, cfg_check_branch);
			get_str(w, sv[2], "blob_size_limit", &g->source.blob_size_limit, check_size);
			get_str(w, sv[3], "security_email", &g->source.security_email,
			    cfg_check_email);
			get_str(w, sv[4], "support_email", &g->source.support_email, cfg_check_email);
		}
		pop(w, mark);
	}
	if (val[G_GLOBAL] != NULL) {
		mark = push_key(w, "global");
		if (map_get(w, val[G_GLOBAL], global_keys, sv, sk) == 0)
			parse_assign(w, sv, &g->global);
		pop(w, mark);
	}
	if (val[G_DEFAULTS] != NULL) {
		mark = push_key(w, "defaults");
		if (map_get(w, val[G_DEFAULTS], defaults_keys, sv, sk) == 0) {
			parse_assign(w, sv, &g->defaults.assign);
			get_str(w, sv[4], "branch_prefix", &g->defaults.branch_prefix,
			    check_branch_prefix);
		}
		pop(w, mark);
	}
	if (val[G_TARGETS] == NULL) {
		missing(w, n, "targets");
		return;
	}
	mark = push_key(w, "targets");
	if (seq_get(w, val[G_TARGETS], &cnt) == 0) {
		if (cnt == 0)
			werr(w, val[G_TARGETS], "at least one target is required");
		g->targets = xcalloc(cnt ? cnt : 1, sizeof(*g->targets));
		g->ntargets = cnt;
		for (i = 0; i < cnt; i++) {
			mark2 = push_idx(w, i);
			parse_target(w, val[G_TARGETS]->kid[i], &g->targets[i]);
			pop(w, mark2);
		}
	}
	pop(w, mark);
}

/* ---- settings_presets: validated, then dropped ---- */

static const char *const preset_keys[] = {
	"id", "name", "description", "has_issues", "has_wiki", "has_projects", "has_discussions",
	"allow_squash_merge", "allow_merge_commit", "allow_rebase_merge",
	"delete_branch_on_merge", "allow_auto_merge", "allow_update_branch",
	"squash_merge_commit_title", "squash_merge_commit_message", "rulesets", "labels", NULL
};
static const char *const ruleset_keys[] = {
	"name", "target", "enforcement", "include", "exclude", "rules", NULL
};
static const char *const label_keys[] = { "name", "color", "description", NULL };

static int
check_one_of(const char *s, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(s, *allowed) == 0)
			return 0;
	return -1;
}

static int
check_squash_title(const char *s, const char **why)
{
	static const char *const ok[] = { "PR_TITLE", "COMMIT_OR_PR_TITLE", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be PR_TITLE or COMMIT_OR_PR_TITLE";
		return -1;
	}
	return 0;
}

static int
check_squash_message(const char *s, const char **why)
{
	static const char *const ok[] = { "COMMIT_MESSAGES", "PR_BODY", "BLANK", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be COMMIT_MESSAGES, PR_BODY or BLANK";
		return -1;
	}
	return 0;
}

static int
check_ruleset_target(const char *s, const char **why)
{
	static const char *const ok[] = { "branch", "tag", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be \"branch\" or \"tag\"";
		return -1;
	}
	return 0;
}

static int
check_enforcement(const char *s, const char **why)
{
	static const char *const ok[] = { "active", "disabled", "evaluate", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be \"active\", \"disabled\" or \"evaluate\"";
		return -1;
	}
	return 0;
}

static int
check_color(const char *s, const char **why)
{
	size_t i;

	if (*s == '#')
		s++;
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			break;
	if (i != 6 || s[i] != '\0') {
		*why = "must be a 6-digit hex colour like d73a4a";
		return -1;
	}
	return 0;
}

static void
parse_preset(struct walk *w, const struct cnode *n)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	const struct cnode *rv[MAX_FIELDS], *rk[MAX_FIELDS];
	char *tmp = NULL;
	size_t i, j, cnt, mark, mark2;
	bool b;

	if (map_get(w, n, preset_keys, val, k) < 0)
		return;
	if (is_null(val[0])) {
		missing(w, n, "id");
	} else if (get_str(w, val[0], "id", &tmp, check_word) > 0) {
		for (j = 0; j < w->npresets_ids; j++)
			if (strcmp(w->preset_ids[j], tmp) == 0) {
				mark = push_key(w, "id");
				werr(w, val[0], "duplicate settings preset id '%s'", tmp);
				pop(w, mark);
				break;
			}
		w->preset_ids = xrealloc(w->preset_ids,
		    (w->npresets_ids + 1) * sizeof(*w->preset_ids));
		w->preset_ids[w->npresets_ids++] = tmp;
		tmp = NULL;
	}
	if (is_null(val[1]))
		missing(w, n, "name");
	else
		get_str(w, val[1], "name", &tmp, check_word);
	get_str(w, val[2], "description", &tmp, check_text);
	for (i = 3; i <= 12; i++)
		get_bool(w, val[i], preset_keys[i], &b);
	get_str(w, val[13], preset_keys[13], &tmp, check_squash_title);
	get_str(w, val[14], preset_keys[14], &tmp, check_squash_message);
	free(tmp);
	tmp = NULL;

	mark = push_key(w, "rulesets");
	if (val[15] != NULL && seq_get(w, val[15], &cnt) == 0) {
		for (i = 0; i < cnt; i++) {
			const struct cnode *r = val[15]->kid[i];
			struct cfg_strv sv = { NULL, 0, NULL };

			mark2 = push_idx(w, i);
			if (map_get(w, r, ruleset_keys, rv, rk) == 0) {
				if (is_null(rv[0]))
					missing(w, r, "name");
				else
					get_str(w, rv[0], "name", &tmp, check_word);
				if (is_null(rv[1]))
					missing(w, r, "target");
				else
					get_str(w, rv[1], "target", &tmp, check_ruleset_target);
				get_str(w, rv[2], "enforcement", &tmp, check_enforcement);
				get_strv(w, rv[3], "include", &sv, check_word);
				get_strv(w, rv[4], "exclude", &sv, check_word);
				get_strv(w, rv[5], "rules", &sv, check_word);
				strv_free(&sv);
			}
			pop(w, mark2);
		}
	}
	pop(w, mark);
	mark = push_key(w, "labels");
	if (val[16] != NULL && seq_get(w, val[16], &cnt) == 0) {
		for (i = 0; i < cnt; i++) {
			const struct cnode *l = val[16]->kid[i];

			mark2 = push_idx(w, i);
			if (map_get(w, l, label_keys, rv, rk) == 0) {
				if (is_null(rv[0]))
					missing(w, l, "name");
				else
					get_str(w, rv[0], "name", &tmp, check_word);
				if (is_null(rv[1]))
					missing(w, l, "color");
				else
					get_str(w, rv[1], "color", &tmp, check_color);
				get_str(w, rv[2], "description", &tmp, check_text);
			}
			pop(w, mark2);
		}
	}
	pop(w, mark);
	free(tmp);
}

/* ---- rate_limit_preflight, repocast ---- */

static const char *const preflight_keys[] = {
	"enabled", "primary_margin_percent", "secondary_reserve", "fail_closed", NULL
};

static void
parse_preflight(struct walk *w, const struct cnode *n)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	struct cfg_preflight *p = &w->c->preflight;
	size_t mark = push_key(w, "rate_limit_preflight");

	p->present = true;
	if (map_get(w, n, preflight_keys, val, k) == 0) {
		get_bool(w, val[0], "enabled", &p->enabled);
		get_int(w, val[1], "primary_margin_percent", &p->primary_margin_percent, 0, 100);
		get_int(w, val[2], "secondary_reserve", &p->secondary_reserve, 0, 1000000);
		get_bool(w, val[3], "fail_closed", &p->fail_closed);
		/* 0 means "the default" in go-broadcast. */
		if (p->primary_margin_percent == 0)
			p->primary_margin_percent = 20;
		if (p->secondary_reserve == 0)
			p->secondary_reserve = 10;
	}
	pop(w, mark);
}

static const char *const rc_keys[] = {
	"jobs", "timeout", "retries", "cache_dir", "api_url", "git_url", "author", "limits",
	"report", NULL
};
static const char *const author_keys[] = { "name", "email", NULL };
static const char *const limits_keys[] = { "memory", "cpu_seconds", "open_files", NULL };
static const char *const report_keys[] = { "dir", "formats", NULL };

static int
check_format(const char *s, const char **why)
{
	static const char *const ok[] = { "json", "md", "html", "trace", "prom", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "unknown report format (expected json, md, html, trace or prom)";
		return -1;
	}
	return 0;
}

static int
get_u64_limit(struct walk *w, const struct cnode *v, const char *key, uint64_t *out)
{
	int x = 0, rc = get_int(w, v, key, &x, 0, 1 << 30);

	if (rc > 0)
		*out = (uint64_t)x;
	return rc;
}

static void
parse_repocast(struct walk *w, const struct cnode *n)
{
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	const struct cnode *sv[MAX_FIELDS], *sk[MAX_FIELDS];
	struct cfg_repocast *r = &w->c->rc;
	size_t mark = push_key(w, "repocast"), mark2;
	char *tmp = NULL;

	if (map_get(w, n, rc_keys, val, k) < 0) {
		pop(w, mark);
		return;
	}
	get_int(w, val[0], "jobs", &r->jobs, 0, 4096);
	if (get_str(w, val[1], "timeout", &tmp, check_duration) > 0)
		cfg_parse_duration(tmp, &r->timeout_ms);
	get_int(w, val[2], "retries", &r->retries, 0, 100);
	get_str(w, val[3], "cache_dir", &r->cache_dir, check_word);
	get_str(w, val[4], "api_url", &r->api_url, check_url);
	get_str(w, val[5], "git_url", &r->git_url, check_url);
	if (val[6] != NULL) {
		mark2 = push_key(w, "author");
		if (map_get(w, val[6], author_keys, sv, sk) == 0) {
			get_str(w, sv[0], "name", &r->author_name, check_word);
			get_str(w, sv[1], "email", &r->author_email, cfg_check_email);
		}
		pop(w, mark2);
	}
	if (val[7] != NULL) {
		mark2 = push_key(w, "limits");
		if (map_get(w, val[7], limits_keys, sv, sk) == 0) {
			if (get_str(w, sv[0], "memory", &tmp, check_size) > 0)
				cfg_parse_size(tmp, &r->mem_bytes);
			get_u64_limit(w, sv[1], "cpu_seconds", &r->cpu_seconds);
			get_u64_limit(w, sv[2], "open_files", &r->open_files);
		}
		pop(w, mark2);
	}
	if (val[8] != NULL) {
		mark2 = push_key(w, "report");
		if (map_get(w, val[8], report_keys, sv, sk) == 0) {
			get_str(w, sv[0], "dir", &r->report_dir, check_word);
			get_strv(w, sv[1], "formats", &r->report_formats, check_format);
		}
		pop(w, mark2);
	}
	free(tmp);
	pop(w, mark);
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
	const struct cnode *val[MAX_FIELDS], *k[MAX_FIELDS];
	struct walk w;
	size_t i, cnt, mark;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.file = file;
	w.errs = errs;
	buf_init(&w.path, 128);
	if (root == NULL || root->kind != CN_MAP) {
		if (root == NULL || is_null(root))
			cfg_errors_add(errs, file, 1, 1,
			    "empty config: expected a mapping with 'version' and 'groups'");
		else
			werr(&w, root, "expected a mapping at the top level, got %s", describe(root));
		goto out;
	}
	map_get(&w, root, top_keys, val, k);
	for (i = K_SOURCE; i <= K_MAPPINGS; i++)
		if (k[i] != NULL) {
			mark = push_key(&w, top_keys[i]);
			werr(&w, k[i], "unknown key (the pre-group format is not supported: put "
			    "source and targets under groups[])");
			pop(&w, mark);
		}
	if (val[K_VERSION] == NULL) {
		cfg_errors_add(errs, file, root->line, root->col, "missing required key 'version'");
	} else if (get_int(&w, val[K_VERSION], "version", &c->version, INT32_MIN, INT32_MAX) > 0 &&
	    c->version != 1) {
		mark = push_key(&w, "version");
		werr(&w, val[K_VERSION], "unsupported version %d (only version 1 is supported)",
		    c->version);
		pop(&w, mark);
	}
	get_str(&w, val[K_NAME], "name", &c->name, check_text);
	get_str(&w, val[K_ID], "id", &c->id, check_word);
	if (val[K_FILE_LISTS] != NULL)
		parse_file_lists(&w, val[K_FILE_LISTS]);
	if (val[K_DIR_LISTS] != NULL)
		parse_dir_lists(&w, val[K_DIR_LISTS]);
	if (val[K_PRESETS] != NULL) {
		mark = push_key(&w, "settings_presets");
		if (seq_get(&w, val[K_PRESETS], &cnt) == 0) {
			c->npresets = cnt;
			for (i = 0; i < cnt; i++) {
				size_t mark2 = push_idx(&w, i);

				parse_preset(&w, val[K_PRESETS]->kid[i]);
				pop(&w, mark2);
			}
		}
		pop(&w, mark);
	}
	if (val[K_PREFLIGHT] != NULL)
		parse_preflight(&w, val[K_PREFLIGHT]);
	if (val[K_REPOCAST] != NULL)
		parse_repocast(&w, val[K_REPOCAST]);
	if (is_null(val[K_GROUPS])) {
		cfg_errors_add(errs, file, root->line, root->col, "missing required key 'groups'");
		goto out;
	}
	mark = push_key(&w, "groups");
	if (seq_get(&w, val[K_GROUPS], &cnt) == 0) {
		if (cnt == 0)
			werr(&w, val[K_GROUPS], "at least one group is required");
		c->groups = xcalloc(cnt ? cnt : 1, sizeof(*c->groups));
		c->ngroups = cnt;
		for (i = 0; i < cnt; i++) {
			size_t mark2 = push_idx(&w, i);

			parse_group(&w, val[K_GROUPS]->kid[i], &c->groups[i]);
			pop(&w, mark2);
		}
	}
	pop(&w, mark);
out:
	for (i = 0; i < w.npresets_ids; i++)
		free(w.preset_ids[i]);
	free(w.preset_ids);
	buf_release(&w.path);
}
