/*
 * config_int — internals shared by the config loader's files, not for use
 * outside supervisor/config*.c.
 *
 * config_yaml.c turns the bytes into a small tree of nodes (libyaml events;
 * limits on depth and node count; anchors shared, never copied), allocated
 * from an arena freed in one go. config_parse.c walks that tree against the
 * schema into a struct cfg. config.c resolves list refs, merges assignments
 * and runs the cross-field validation rules.
 */
#ifndef REPOCAST_CONFIG_INT_H
#define REPOCAST_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "supervisor/config.h"

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
	struct carena_chunk *head;
};

/* Allocate n zeroed bytes from a; freed by carena_release. */
void *carena_alloc(struct carena *a, size_t n);
void carena_release(struct carena *a);

/*
 * Parse one YAML document into *root. 0 ok (*root NULL for an empty
 * document); -1 with one error appended to errs.
 */
int cyaml_load(struct cnode **root, struct carena *a, const char *file, const char *data,
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

/* Schema walk: fill c from root, appending every problem to errs. */
void cfg_parse_tree(struct cfg *c, const struct cnode *root, const char *file,
    struct cfg_errors *errs);

#endif
