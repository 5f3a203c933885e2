/*
 * walk — reading the node tree against the schema: the key path
 * kept for messages, mappings with their known keys, sequences, and typed
 * scalars. The per-section parsers (parse.c, settings.c)
 * are written in terms of these.
 *
 * Every mapping is read through cfg_walk_map, which knows the mapping's keys:
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
#include "shared/suggest.h"
#include "shared/util.h"
#include "supervisor/config/internal.h"

#define MAX_MERGE_DEPTH 8

void
cfg_walk_err(struct cwalk *w, const struct cnode *n, const char *fmt, ...)
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

size_t
cfg_walk_push_key(struct cwalk *w, const char *key)
{
	size_t mark = w->path.len;

	if (mark > 0)
		buf_addch(&w->path, '.');
	buf_addstr(&w->path, key);
	return mark;
}

/* By hand rather than buf_addf: this runs for every item of every sequence. */
size_t
cfg_walk_push_idx(struct cwalk *w, size_t i)
{
	char tmp[3 * sizeof(size_t) + 2], *p = tmp + sizeof(tmp);
	size_t mark = w->path.len;

	*--p = ']';
	do
		*--p = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	*--p = '[';
	buf_add(&w->path, p, (size_t)(tmp + sizeof(tmp) - p));
	return mark;
}

const char *
cfg_node_describe(const struct cnode *n)
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

/* "unknown key", with the closest known key when one is near. */
static void
unknown_key(struct cwalk *w, const struct cnode *k, const char *const *names)
{
	const char *near;
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	near = suggest_closest(k->s, names, n);
	if (near != NULL)
		cfg_walk_err(w, k, "unknown key (did you mean '%s'?)", near);
	else
		cfg_walk_err(w, k, "unknown key");
}

static void map_merge(struct cwalk *w, const struct cnode *src, const char *const *names,
    const struct cnode **val, const struct cnode **key, int depth);

/*
 * Read one mapping's pairs, skipping merge keys. Explicit pairs (merged 0)
 * report duplicates; merged pairs (merged 1) lose to keys already set.
 */
static void
map_pairs(struct cwalk *w, const struct cnode *n, const char *const *names,
    const struct cnode **val, const struct cnode **key, int merged)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		const struct cnode *k = n->kid[2 * i], *v = n->kid[2 * i + 1];
		size_t mark;
		int idx;

		if (k->kind != CN_SCALAR || cnode_is_null(k)) {
			cfg_walk_err(w, k, "keys must be strings, got %s", cfg_node_describe(k));
			continue;
		}
		if (is_merge_key(k))
			continue;
		idx = key_index(names, k->s);
		if (idx < 0) {
			mark = cfg_walk_push_key(w, k->s);
			unknown_key(w, k, names);
			cfg_walk_pop(w, mark);
			continue;
		}
		if (key[idx] != NULL) {
			if (merged)
				continue;
			mark = cfg_walk_push_key(w, k->s);
			cfg_walk_err(w, k, "duplicate key (first at line %d, column %d)",
			    key[idx]->line,
			    key[idx]->col);
			cfg_walk_pop(w, mark);
			continue;
		}
		key[idx] = k;
		val[idx] = v;
	}
}

/* Apply the merge keys of mapping n (after its own pairs were read). */
static void
map_merges(struct cwalk *w, const struct cnode *n, const char *const *names,
    const struct cnode **val, const struct cnode **key, int depth)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (is_merge_key(n->kid[2 * i]))
			map_merge(w, n->kid[2 * i + 1], names, val, key, depth + 1);
}

static void
map_merge(struct cwalk *w, const struct cnode *src, const char *const *names,
    const struct cnode **val, const struct cnode **key, int depth)
{
	size_t i;

	if (depth > MAX_MERGE_DEPTH) {
		cfg_walk_err(w, src, "merge keys (<<) nested more than %d deep", MAX_MERGE_DEPTH);
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
				cfg_walk_err(w, src->kid[i], "merge key (<<) needs mappings, got %s",
				    cfg_node_describe(src->kid[i]));
				continue;
			}
			map_merge(w, src->kid[i], names, val, key, depth);
		}
		return;
	}
	cfg_walk_err(w, src, "merge key (<<) needs a mapping or a sequence of mappings, got %s",
	    cfg_node_describe(src));
}

/*
 * The values of a mapping's known keys into val (and their key nodes into
 * key), by index in names. 0 for a mapping or null (nothing set); -1 with
 * an error when n is something else.
 */
int
cfg_walk_map(struct cwalk *w, const struct cnode *n, const char *const *names,
    const struct cnode **val, const struct cnode **key)
{
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		if (i >= CWALK_MAX_FIELDS)
			BUG("too many fields");
		val[i] = NULL;
		key[i] = NULL;
	}
	if (cnode_is_null(n))
		return 0;
	if (n->kind != CN_MAP) {
		cfg_walk_err(w, n, "expected a mapping, got %s", cfg_node_describe(n));
		return -1;
	}
	map_pairs(w, n, names, val, key, 0);
	map_merges(w, n, names, val, key, 0);
	return 0;
}

/* A sequence, or null (0 items). -1 with an error otherwise. */
int
cfg_walk_seq(size_t *count, struct cwalk *w, const struct cnode *n)
{
	*count = 0;
	if (cnode_is_null(n))
		return 0;
	if (n->kind != CN_SEQ) {
		cfg_walk_err(w, n, "expected a sequence, got %s", cfg_node_describe(n));
		return -1;
	}
	*count = n->n;
	return 0;
}

void
cfg_walk_missing(struct cwalk *w, const struct cnode *map, const char *key)
{
	cfg_walk_err(w, map, "missing required key '%s'", key);
}

/*
 * A string. 0: absent or null (out unchanged); 1: set; -1: error. Any
 * scalar but null reads as its text. check (may be NULL) validates it.
 */
int
cfg_walk_str(char **out, struct cwalk *w, const struct cnode *v, const char *key,
    cfg_walk_check_fn check)
{
	const char *why = NULL;
	size_t mark;
	int rc = 1;

	if (cnode_is_null(v))
		return 0;
	mark = cfg_walk_push_key(w, key);
	if (v->kind != CN_SCALAR) {
		cfg_walk_err(w, v, "expected a string, got %s", cfg_node_describe(v));
		rc = -1;
	} else if (strlen(v->s) != v->len) {
		cfg_walk_err(w, v, "contains a NUL character");
		rc = -1;
	} else if (check != NULL && check(v->s, &why) < 0) {
		cfg_walk_err(w, v, "%s", why);
		rc = -1;
	} else {
		free(*out);
		*out = xstrdup(v->s);
	}
	cfg_walk_pop(w, mark);
	return rc;
}

/* Free text (names, descriptions): no NUL; anything else goes. */

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

int
cfg_walk_int(int *out, struct cwalk *w, const struct cnode *v, const char *key, int min, int max)
{
	long long x;
	size_t mark;
	int rc = 1;

	if (cnode_is_null(v))
		return 0;
	mark = cfg_walk_push_key(w, key);
	if (v->kind != CN_SCALAR || v->type != CT_INT) {
		cfg_walk_err(w, v, "expected an integer, got %s", cfg_node_describe(v));
		rc = -1;
	} else if (parse_int_text(v->s, &x) < 0 || x < min || x > max) {
		cfg_walk_err(w, v, "must be an integer from %d to %d", min, max);
		rc = -1;
	} else {
		*out = (int)x;
	}
	cfg_walk_pop(w, mark);
	return rc;
}

int
cfg_walk_bool(bool *out, struct cwalk *w, const struct cnode *v, const char *key)
{
	size_t mark;

	if (cnode_is_null(v))
		return 0;
	if (v->kind != CN_SCALAR || v->type != CT_BOOL) {
		mark = cfg_walk_push_key(w, key);
		cfg_walk_err(w, v, "expected a boolean (true or false), got %s", cfg_node_describe(v));
		cfg_walk_pop(w, mark);
		return -1;
	}
	*out = v->s[0] == 't' || v->s[0] == 'T';
	return 1;
}

int
cfg_walk_strv(struct strv *out, struct cfg_pos **pos, struct cwalk *w, const struct cnode *v,
    const char *key, cfg_walk_check_fn check)
{
	size_t i, n, mark, mark2;
	int rc = 1;

	if (v == NULL)
		return 0;
	mark = cfg_walk_push_key(w, key);
	if (cfg_walk_seq(&n, w, v) < 0) {
		cfg_walk_pop(w, mark);
		return -1;
	}
	strv_release(out);
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	if (pos != NULL) {
		free(*pos);
		*pos = xcalloc(n ? n : 1, sizeof(**pos));
	}
	for (i = 0; i < n; i++) {
		const struct cnode *it = v->kid[i];
		const char *why = NULL;

		mark2 = cfg_walk_push_idx(w, i);
		if (it->kind != CN_SCALAR || cnode_is_null(it)) {
			cfg_walk_err(w, it, "expected a string, got %s", cfg_node_describe(it));
			rc = -1;
		} else if (strlen(it->s) != it->len) {
			cfg_walk_err(w, it, "contains a NUL character");
			rc = -1;
		} else if (check != NULL && check(it->s, &why) < 0) {
			cfg_walk_err(w, it, "%s", why);
			rc = -1;
		} else {
			if (pos != NULL)
				(*pos)[out->n] = cnode_pos(it);
			out->v[out->n++] = xstrdup(it->s);
		}
		cfg_walk_pop(w, mark2);
	}
	cfg_walk_pop(w, mark);
	return rc;
}

