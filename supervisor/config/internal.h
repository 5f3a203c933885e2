/*
 * config/internal — internals shared by the config loader's files, not for use
 * outside supervisor/config/.
 *
 * yaml.c turns the bytes into a small tree of nodes (libyaml events;
 * limits on depth and node count; anchors shared, never copied), allocated
 * from an arena freed in one go. walk.c reads that tree against the
 * schema (key paths, known keys, typed scalars); parse.c (the sync
 * sections) and settings.c (settings_presets, rate_limit_preflight,
 * repocast) use it to fill a struct cfg. config.c loads and applies defaults;
 * check.c resolves list refs, merges assignments, runs
 * the cross-field validation rules and orders the groups. value.c
 * holds the syntax of single values, data.c the error list, copies and
 * release (the lowest file: it calls none of the others).
 */
#ifndef REPOCAST_CONFIG_INT_H
#define REPOCAST_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"
#include "supervisor/config/config.h"

enum cnode_kind { CN_SCALAR, CN_SEQ, CN_MAP };

/* What a scalar resolves to (plain scalars by YAML 1.2 core rules). */
enum cnode_type { CT_STR, CT_NULL, CT_BOOL, CT_INT, CT_FLOAT };

struct cnode {
	enum cnode_kind kind;
	enum cnode_type type;      /* scalars only */
	int line, col;             /* 1-based */
	const char *s;             /* scalar value, NUL-terminated */
	size_t len;                /* may be < strlen only if s holds a NUL */
	struct cnode **kid;        /* seq: n items; map: 2n (key, value) */
	size_t n;
	size_t weight;             /* nodes in this subtree, aliases expanded */
};

struct carena {
	struct cfg_arena_chunk *head;
};

/* Allocate n zeroed bytes from a; freed by cfg_arena_release. */
void *cfg_arena_alloc(struct carena *a, size_t n);
void cfg_arena_release(struct carena *a);

/*
 * Parse one YAML document into *root. 0 ok (*root NULL for an empty
 * document); -1 with one error appended to errs.
 */
int cfg_yaml_load(struct cnode **root, struct carena *a, const char *file, const char *data,
    size_t len, struct cfg_errors *errs);

/* FNV-1a of a NUL-terminated string: the anchor table's and the id tables' hash. */
static inline uint32_t
cfg_hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* ---- the schema walk (walk.c) ---- */

#define CWALK_MAX_FIELDS 32        /* keys of the largest mapping in the schema */

/* One walk of a tree into w->c; path is the key path of the node at hand. */
struct cwalk {
	struct cfg *c;
	const char *file;
	struct cfg_errors *errs;
	struct buf path;           /* "groups[0].targets[2]" */
};

/* Checks a string value: 0 ok, else -1 with *why a static reason. */
typedef int (*cfg_walk_check_fn)(const char *s, const char **why);

static inline int
cnode_is_null(const struct cnode *n)
{
	return n == NULL || (n->kind == CN_SCALAR && n->type == CT_NULL);
}

static inline struct cfg_pos
cnode_pos(const struct cnode *n)
{
	struct cfg_pos p = { n->line, n->col };

	return p;
}

/* "a mapping", "null", "an integer"...: what n is, for messages. */
const char *cfg_node_describe(const struct cnode *n);

/* Record an error at n, prefixed with the key path when there is one. */
void cfg_walk_err(struct cwalk *w, const struct cnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Extend the key path by .key or [i]; return the mark cfg_walk_pop restores. */
size_t cfg_walk_push_key(struct cwalk *w, const char *key);
size_t cfg_walk_push_idx(struct cwalk *w, size_t i);

static inline void
cfg_walk_pop(struct cwalk *w, size_t mark)
{
	buf_setlen(&w->path, mark);
}

/* "missing required key 'key'" at the mapping map. */
void cfg_walk_missing(struct cwalk *w, const struct cnode *map, const char *key);

/*
 * The values of mapping n's known keys into val (and their key nodes into
 * key), by index in the NULL-terminated names (at most CWALK_MAX_FIELDS).
 * 0 for a mapping or null (nothing set); -1 with an error otherwise.
 */
int cfg_walk_map(struct cwalk *w, const struct cnode *n, const char *const *names,
    const struct cnode **val, const struct cnode **key);
/* *count items of sequence n (0 for null); -1 with an error if n is neither. */
int cfg_walk_seq(size_t *count, struct cwalk *w, const struct cnode *n);

/*
 * Typed values under key: 0 absent or null (out unchanged), 1 set, -1 an
 * error (recorded). check may be NULL. cfg_walk_strv replaces *out when v is
 * given (even when an item fails), and with pos not NULL *pos too: where
 * each item was read, for later messages (free it with the vector).
 */
int cfg_walk_str(char **out, struct cwalk *w, const struct cnode *v, const char *key,
    cfg_walk_check_fn check);
int cfg_walk_int(int *out, struct cwalk *w, const struct cnode *v, const char *key, int min,
    int max);
int cfg_walk_bool(bool *out, struct cwalk *w, const struct cnode *v, const char *key);
int cfg_walk_strv(struct strv *out, struct cfg_pos **pos, struct cwalk *w, const struct cnode *v,
    const char *key, cfg_walk_check_fn check);

/* ---- sections (parse.c, settings.c) ---- */

/* Schema walk: fill c from root, appending every problem to errs. */
void cfg_parse_tree(struct cfg *c, const struct cnode *root, const char *file,
    struct cfg_errors *errs);
/* settings_presets (validated, then dropped: only the count is kept). */
void cfg_parse_presets(struct cwalk *w, const struct cnode *n);
void cfg_parse_preflight(struct cwalk *w, const struct cnode *n);
void cfg_parse_repocast(struct cwalk *w, const struct cnode *n);

/* ---- value checks for cwalk (value.c) ---- */

int cfg_check_text(const char *s, const char **why);   /* anything (no NUL) */
int cfg_check_word(const char *s, const char **why);   /* non-empty, no controls */
int cfg_check_token(const char *s, const char **why);  /* non-empty, no spaces/controls */
int cfg_check_size(const char *s, const char **why);   /* cfg_parse_size syntax */

/* ---- the struct's parts (data.c) ---- */

/* Free what an entry owns (not the entry); an array of n entries and all. */
void cfg_file_release(struct cfg_file *f);
void cfg_dir_release(struct cfg_dir *d);
void cfg_files_free(struct cfg_file *v, size_t n);
void cfg_dirs_free(struct cfg_dir *v, size_t n);
/* Deep copies into uninitialised dst. */
void cfg_file_copy(struct cfg_file *dst, const struct cfg_file *src, const char *list_id);
void cfg_dir_copy(struct cfg_dir *dst, const struct cfg_dir *src, const char *list_id);

/* ---- after the walk (check.c) ---- */

/*
 * Resolve list refs, merge assignments and run the cross-field rules on
 * a walked c, appending every problem to errs.
 */
void cfg_validate(struct cfg *c, const char *file, struct cfg_errors *errs);

#endif
