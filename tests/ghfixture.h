/*
 * ghfixture — read the recorded GitHub interactions in tests/data/github/
 * (JSON arrays of {method, path, body, status, response, headers}).
 * Header-only test helper; everything is static.
 */
#ifndef REPOCAST_TESTS_GHFIXTURE_H
#define REPOCAST_TESTS_GHFIXTURE_H

#include <check.h>
#include <jansson.h>
#include <stdlib.h>

/* Interaction i of tests/data/github/<name>; aborts the test when missing. */
__attribute__((unused)) static json_t *
fixture_get(const char *name, size_t i)
{
	char path[512];
	json_error_t je;
	json_t *all, *one;

	snprintf(path, sizeof(path), "tests/data/github/%s", name);
	all = json_load_file(path, 0, &je);
	ck_assert_msg(all != NULL, "cannot load %s: %s", path, je.text);
	one = json_array_get(all, i);
	ck_assert_ptr_nonnull(one);
	json_incref(one);
	json_decref(all);
	return one;
}

/* The response body of interaction i as a JSON text (caller frees). */
__attribute__((unused)) static char *
fixture_body(const char *name, size_t i)
{
	json_t *one = fixture_get(name, i);
	char *s = json_dumps(json_object_get(one, "response"), JSON_COMPACT);

	json_decref(one);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* Header h of interaction i (caller frees), or NULL. */
__attribute__((unused)) static char *
fixture_header(const char *name, size_t i, const char *h)
{
	json_t *one = fixture_get(name, i);
	json_t *v = json_object_get(json_object_get(one, "headers"), h);
	char *s = NULL;

	if (json_is_string(v))
		s = strdup(json_string_value(v));
	else if (json_is_integer(v))
		if (asprintf(&s, "%lld", (long long)json_integer_value(v)) < 0)
			s = NULL;
	json_decref(one);
	return s;
}

#endif
