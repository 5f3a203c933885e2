/*
 * yaml — YAML bytes to a node tree, from libyaml's event stream.
 *
 * Events rather than libyaml's document loader because the events keep
 * what the schema walk needs (plain vs quoted scalars, explicit tags) and
 * let us stop early: nesting deeper than CFG_MAX_DEPTH and documents of
 * more than CFG_MAX_NODES nodes (counting every alias as the size of what
 * it points at, so alias bombs fail fast) are errors at the offending event.
 * An anchor is registered when its node is complete, so an alias can never
 * point at one of its own ancestors: the tree is acyclic.
 */
#include <stdint.h>
#include <string.h>

#include <yaml.h>

#include "shared/util.h"
#include "supervisor/config/internal.h"

#define CHUNK_MIN 16384

struct cfg_arena_chunk {
	struct cfg_arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *
cfg_arena_alloc(struct carena *a, size_t n)
{
	struct cfg_arena_chunk *c = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;

		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

void
cfg_arena_release(struct carena *a)
{
	struct cfg_arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* Anchors: open addressing on the name. */
struct anchor {
	const char *name;
	struct cnode *node;
};

struct loader {
	struct carena *a;
	const char *file;
	const char *data;
	size_t len;
	struct cfg_errors *errs;
	struct cnode *open[CFG_MAX_DEPTH];   /* collections being built */
	size_t start[CFG_MAX_DEPTH];         /* their first child in kids */
	const char *open_anchor[CFG_MAX_DEPTH];
	int depth;
	struct cnode **kids;                 /* children of every open collection */
	size_t nkids, kids_cap;
	struct anchor *anchors;
	size_t nanchors, anchors_cap;        /* cap: a power of two */
	size_t total;                        /* nodes so far, aliases expanded */
	struct cnode *root;
	int ndocs;
};

static struct anchor *
anchor_slot(struct anchor *tab, size_t cap, const char *name)
{
	size_t i = cfg_hash_str(name) & (cap - 1);

	while (tab[i].name != NULL && strcmp(tab[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void
anchor_set(struct loader *l, const char *name, struct cnode *node)
{
	struct anchor *slot;

	if ((l->nanchors + 1) * 2 > l->anchors_cap) {
		size_t i, ncap = l->anchors_cap ? l->anchors_cap * 2 : 16;
		struct anchor *nt = xcalloc(ncap, sizeof(*nt));

		for (i = 0; i < l->anchors_cap; i++)
			if (l->anchors[i].name != NULL)
				*anchor_slot(nt, ncap, l->anchors[i].name) = l->anchors[i];
		free(l->anchors);
		l->anchors = nt;
		l->anchors_cap = ncap;
	}
	slot = anchor_slot(l->anchors, l->anchors_cap, name);
	if (slot->name == NULL) {
		size_t n = strlen(name) + 1;
		char *copy = cfg_arena_alloc(l->a, n);

		memcpy(copy, name, n);
		slot->name = copy;
		l->nanchors++;
	}
	slot->node = node;  /* a redefined anchor replaces the old one */
}

static struct cnode *
anchor_get(struct loader *l, const char *name)
{
	if (l->anchors_cap == 0)
		return NULL;
	return anchor_slot(l->anchors, l->anchors_cap, name)->node;
}

static int
fail(struct loader *l, int line, int col, const char *fmt, const char *arg)
{
	cfg_errors_add(l->errs, l->file, line, col, fmt, arg);
	return -1;
}

static int
fail_mark(struct loader *l, const yaml_mark_t *m, const char *fmt, const char *arg)
{
	return fail(l, (int)m->line + 1, (int)m->column + 1, fmt, arg);
}

/* Line and column (in characters) of a byte offset. */
static void
offset_pos(const struct loader *l, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (off > l->len)
		off = l->len;
	for (i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)l->data[i];

		if (ch == '\n') {
			(*line)++;
			*col = 1;
		} else if ((ch & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int
parser_error(struct loader *l, const yaml_parser_t *p)
{
	char msg[256];
	int line, col;

	if (p->error == YAML_MEMORY_ERROR)
		BUG("libyaml: out of memory");
	if (p->error == YAML_READER_ERROR) {
		offset_pos(l, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			snprintf(msg, sizeof(msg), "invalid input: %s (byte 0x%02x)",
			    p->problem ? p->problem : "unreadable", (unsigned)p->problem_value & 0xff);
		else
			snprintf(msg, sizeof(msg), "invalid input: %s",
			    p->problem ? p->problem : "unreadable");
		return fail(l, line, col, "%s", msg);
	}
	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	if (p->problem_mark.index < l->len && l->data[p->problem_mark.index] == '\t')
		return fail(l, line, col, "%s",
		    "invalid YAML: tab character where indentation or a token was expected"
		    " (YAML indents with spaces only)");
	if (p->context != NULL)
		snprintf(msg, sizeof(msg), "invalid YAML: %s (%s at line %d, column %d)",
		    p->problem ? p->problem : "syntax error", p->context,
		    (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	else
		snprintf(msg, sizeof(msg), "invalid YAML: %s",
		    p->problem ? p->problem : "syntax error");
	return fail(l, line, col, "%s", msg);
}

static int
match_ci3(const char *s, const char *lower, const char *title, const char *upper)
{
	return strcmp(s, lower) == 0 || strcmp(s, title) == 0 || strcmp(s, upper) == 0;
}

static int
is_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
		const char *d = s + 2;
		int hex = s[1] == 'x';

		if (*d == '\0')
			return 0;
		for (; *d != '\0'; d++)
			if (!(hex ? strchr("0123456789abcdefABCDEF", *d) != NULL : (*d >= '0' && *d <= '7')))
				return 0;
		return 1;
	}
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int
is_float(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	if (match_ci3(s, ".inf", ".Inf", ".INF"))
		return 1;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (digits == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static enum cnode_type
resolve_plain(const char *s)
{
	if (*s == '\0' || strcmp(s, "~") == 0 || match_ci3(s, "null", "Null", "NULL"))
		return CT_NULL;
	if (match_ci3(s, "true", "True", "TRUE") || match_ci3(s, "false", "False", "FALSE"))
		return CT_BOOL;
	if (is_int(s))
		return CT_INT;
	if (is_float(s) || match_ci3(s, ".nan", ".NaN", ".NAN"))
		return CT_FLOAT;
	return CT_STR;
}

#define TAG_PREFIX "tag:yaml.org,2002:"

/* Scalar type from an explicit tag; -1 when the tag is not supported. */
static int
tag_type(const char *tag)
{
	const char *t;

	if (strcmp(tag, "!") == 0)
		return CT_STR;
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
		return -1;
	t = tag + strlen(TAG_PREFIX);
	if (strcmp(t, "str") == 0)
		return CT_STR;
	if (strcmp(t, "int") == 0)
		return CT_INT;
	if (strcmp(t, "bool") == 0)
		return CT_BOOL;
	if (strcmp(t, "null") == 0)
		return CT_NULL;
	if (strcmp(t, "float") == 0)
		return CT_FLOAT;
	return -1;
}

static int
count_node(struct loader *l, const yaml_mark_t *m, size_t weight)
{
	l->total += weight;
	if (l->total > CFG_MAX_NODES) {
		char lim[32];

		snprintf(lim, sizeof(lim), "%zu", CFG_MAX_NODES);
		return fail_mark(l, m, "document too large: more than %s nodes"
		    " (aliases count as the nodes they repeat)", lim);
	}
	return 0;
}

/* Attach a finished node to the open collection, or make it the root. */
static void
attach(struct loader *l, struct cnode *n)
{
	if (l->depth == 0) {
		l->root = n;
		return;
	}
	ALLOC_GROW(l->kids, l->nkids + 1, l->kids_cap);
	l->kids[l->nkids++] = n;
}

static struct cnode *
new_node(struct loader *l, enum cnode_kind kind, const yaml_mark_t *m)
{
	struct cnode *n = cfg_arena_alloc(l->a, sizeof(*n));

	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->weight = 1;
	return n;
}

static int
on_scalar(struct loader *l, const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct cnode *n;
	char *s;
	int t;

	if (count_node(l, &ev->start_mark, 1) < 0)
		return -1;
	n = new_node(l, CN_SCALAR, &ev->start_mark);
	s = cfg_arena_alloc(l->a, len + 1);
	memcpy(s, v, len);
	s[len] = '\0';
	n->s = s;
	n->len = len;
	if (ev->data.scalar.tag != NULL) {
		t = tag_type((const char *)ev->data.scalar.tag);
		if (t < 0)
			return fail_mark(l, &ev->start_mark, "unsupported YAML tag '%s'",
			    (const char *)ev->data.scalar.tag);
		n->type = (enum cnode_type)t;
		if (n->type != CT_STR && n->type != resolve_plain(s))
			return fail_mark(l, &ev->start_mark, "value does not match its tag '%s'",
			    (const char *)ev->data.scalar.tag);
	} else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		n->type = resolve_plain(s);
	} else {
		n->type = CT_STR;
	}
	attach(l, n);
	if (ev->data.scalar.anchor != NULL)
		anchor_set(l, (const char *)ev->data.scalar.anchor, n);
	return 0;
}

static int
on_start(struct loader *l, const yaml_event_t *ev, enum cnode_kind kind)
{
	const yaml_char_t *tag, *anchor;
	const char *want;
	struct cnode *n;

	if (kind == CN_MAP) {
		tag = ev->data.mapping_start.tag;
		anchor = ev->data.mapping_start.anchor;
		want = TAG_PREFIX "map";
	} else {
		tag = ev->data.sequence_start.tag;
		anchor = ev->data.sequence_start.anchor;
		want = TAG_PREFIX "seq";
	}
	if (l->depth >= CFG_MAX_DEPTH) {
		char lim[16];

		snprintf(lim, sizeof(lim), "%d", CFG_MAX_DEPTH);
		return fail_mark(l, &ev->start_mark, "nesting too deep: more than %s levels", lim);
	}
	if (tag != NULL && strcmp((const char *)tag, want) != 0 && strcmp((const char *)tag, "!") != 0)
		return fail_mark(l, &ev->start_mark, "unsupported YAML tag '%s'", (const char *)tag);
	if (count_node(l, &ev->start_mark, 1) < 0)
		return -1;
	n = new_node(l, kind, &ev->start_mark);
	l->open[l->depth] = n;
	l->start[l->depth] = l->nkids;
	l->open_anchor[l->depth] = NULL;
	if (anchor != NULL) {
		size_t alen = strlen((const char *)anchor) + 1;
		char *copy = cfg_arena_alloc(l->a, alen);

		memcpy(copy, anchor, alen);
		l->open_anchor[l->depth] = copy;
	}
	l->depth++;
	return 0;
}

static void
on_end(struct loader *l)
{
	struct cnode *n;
	size_t i, start, cnt;

	l->depth--;
	n = l->open[l->depth];
	start = l->start[l->depth];
	cnt = l->nkids - start;
	n->kid = cfg_arena_alloc(l->a, (cnt ? cnt : 1) * sizeof(*n->kid));
	if (cnt > 0)
		memcpy(n->kid, l->kids + start, cnt * sizeof(*n->kid));
	n->n = n->kind == CN_MAP ? cnt / 2 : cnt;
	for (i = 0; i < cnt; i++)
		n->weight += n->kid[i]->weight;
	l->nkids = start;
	attach(l, n);
	if (l->open_anchor[l->depth] != NULL)
		anchor_set(l, l->open_anchor[l->depth], n);
}

static int
on_alias(struct loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct cnode *target = anchor_get(l, name);

	if (target == NULL)
		return fail_mark(l, &ev->start_mark, "unknown or recursive alias '*%s'", name);
	if (count_node(l, &ev->start_mark, target->weight) < 0)
		return -1;
	attach(l, target);
	return 0;
}

int
cfg_yaml_load(struct cnode **root, struct carena *a, const char *file, const char *data, size_t len,
    struct cfg_errors *errs)
{
	struct loader l;
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0, done = 0;

	memset(&l, 0, sizeof(l));
	l.a = a;
	l.file = file;
	l.data = data;
	l.len = len;
	l.errs = errs;
	*root = NULL;
	if (!yaml_parser_initialize(&p))
		BUG("libyaml: cannot initialise the parser");
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = parser_error(&l, &p);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++l.ndocs > 1)
				rc = fail_mark(&l, &ev.start_mark, "%s",
				    "more than one YAML document in the file");
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&l, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&l, &ev, CN_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&l, &ev, CN_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(&l);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&l, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(l.kids);
	free(l.anchors);
	if (rc == 0)
		*root = l.root;
	return rc;
}
