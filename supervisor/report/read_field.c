/*
 * read_field — one member of a report.json object by its type, for the
 * reader's files (read_internal.h): a member missing, of another type or
 * out of range is an error that names its path in the document.
 */
#include "supervisor/report/read_internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

#define U64_AT(base, off) ((uint64_t *)(void *)((char *)(base) + (off)))

int
read_bad(const struct rd *c, const char *key, const char *what)
{
	return err_set(ERR_PROTO, "cannot read report '%s': %s%s%s %s", c->file, c->where,
	    *c->where != '\0' ? "." : "", key, what);
}

static const char *
type_text(json_type type)
{
	switch (type) {
	case JSON_OBJECT: return "is not an object";
	case JSON_ARRAY: return "is not an array";
	case JSON_STRING: return "is not a string";
	case JSON_INTEGER: return "is not an integer";
	case JSON_TRUE: return "is not a boolean";
	default: BUG("type_text: type %d", (int)type);
	}
}

/*
 * obj's member key, which must be of type (JSON_TRUE: a boolean). *out is
 * NULL for null (J_NULL) or absent (J_OPT).
 */
int
read_get(json_t **out, const struct rd *c, const json_t *obj, const char *key, json_type type,
    unsigned flags)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL)
		return (flags & J_OPT) ? 0 : read_bad(c, key, "is missing");
	if (json_is_null(v) && (flags & J_NULL))
		return 0;
	if (type == JSON_TRUE ? !json_is_boolean(v) : json_typeof(v) != type)
		return read_bad(c, key, type_text(type));
	*out = v;
	return 0;
}

int
read_get_str(char **dst, const struct rd *c, const json_t *obj, const char *key, unsigned flags)
{
	json_t *v;
	int rc;

	if ((rc = read_get(&v, c, obj, key, JSON_STRING, flags)) < 0)
		return rc;
	*dst = v != NULL ? xstrdup(json_string_value(v)) : NULL;
	return 0;
}

/* An integer member in min..max; *present false (and *dst untouched) for null. */
int
read_get_int_range(long long *dst, bool *present, const struct rd *c, const json_t *obj,
    const char *key, unsigned flags, long long min, long long max)
{
	char what[80];
	json_t *v;
	int rc;

	if ((rc = read_get(&v, c, obj, key, JSON_INTEGER, flags)) < 0)
		return rc;
	*present = v != NULL;
	if (v == NULL)
		return 0;
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(what, sizeof(what), "is out of range (%lld to %lld)", min, max);
		return read_bad(c, key, what);
	}
	*dst = json_integer_value(v);
	return 0;
}

int
read_get_int(int *dst, const struct rd *c, const json_t *obj, const char *key, long long min)
{
	long long v = 0;
	bool present;
	int rc;

	if ((rc = read_get_int_range(&v, &present, c, obj, key, 0, min, INT_MAX)) < 0)
		return rc;
	*dst = (int)v;
	return 0;
}

int
read_get_u64(uint64_t *dst, const struct rd *c, const json_t *obj, const char *key)
{
	long long v = 0;
	bool present;
	int rc;

	if ((rc = read_get_int_range(&v, &present, c, obj, key, 0, 0, LLONG_MAX)) < 0)
		return rc;
	*dst = (uint64_t)v;
	return 0;
}

int
read_get_bool(bool *dst, const struct rd *c, const json_t *obj, const char *key)
{
	json_t *v;
	int rc;

	if ((rc = read_get(&v, c, obj, key, JSON_TRUE, 0)) < 0)
		return rc;
	*dst = json_is_true(v);
	return 0;
}

int
read_get_u64s(void *base, const struct rd *c, const json_t *obj, const struct report_field *f,
    size_t nf)
{
	size_t i;
	int rc;

	for (i = 0; i < nf; i++)
		if ((rc = read_get_u64(U64_AT(base, f[i].off), c, obj, f[i].key)) < 0)
			return rc;
	return 0;
}

/* The object member key and the reader's place inside it (where is its buffer). */
int
read_get_obj(json_t **out, struct rd *inner, char *where, size_t n, const struct rd *c,
    const json_t *obj, const char *key, unsigned flags)
{
	int rc;

	if ((rc = read_get(out, c, obj, key, JSON_OBJECT, flags)) < 0)
		return rc;
	/* Only a message reads the path: a long one may be cut short. */
	if (snprintf(where, n, "%s%s%s", c->where, *c->where != '\0' ? "." : "", key) < 0)
		where[0] = '\0';
	inner->file = c->file;
	inner->where = where;
	return 0;
}

/* "commit_via" of a target or a run: push, api or null; absent in older
 * reports. */
int
read_via(enum record_commit *out, const struct rd *c, const json_t *obj)
{
	char *s = NULL;
	int rc;

	if ((rc = read_get_str(&s, c, obj, "commit_via", J_NULL | J_OPT)) < 0 || s == NULL)
		return rc;
	if (strcmp(s, "push") == 0)
		*out = COMMIT_PUSH;
	else if (strcmp(s, "api") == 0)
		*out = COMMIT_API;
	else
		rc = read_bad(c, "commit_via", "is not 'push' or 'api'");
	free(s);
	return rc;
}
