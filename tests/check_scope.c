/*
 * scope — group and target filters and the blast-radius guard, over
 * configs loaded from memory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "supervisor/config/config.h"
#include "supervisor/sync/scope.h"

/* A config: group "core" (id core) with nrepos targets acme/rN, and when
 * extra, a group "Extra Stuff" (id extra) with acme/x1, plus a disabled
 * group "off" with acme/d1. */
static struct cfg *
load(int nrepos, int extra)
{
	struct buf b = BUF_INIT;
	struct cfg_errors errs;
	struct cfg *c = NULL;
	int i;

	memset(&errs, 0, sizeof(errs));
	buf_addstr(&b, "version: 1\ngroups:\n"
	    "  - name: core\n    id: core\n    source: {repo: acme/src}\n    targets:\n");
	for (i = 1; i <= nrepos; i++)
		buf_addf(&b, "      - repo: acme/r%d\n        files: [{src: a, dest: a}]\n", i);
	if (extra)
		buf_addstr(&b, "  - name: Extra Stuff\n    id: extra\n    source: {repo: acme/src}\n"
		    "    targets:\n      - repo: acme/x1\n        files: [{src: a, dest: a}]\n");
	buf_addstr(&b, "  - name: off\n    id: off\n    enabled: false\n    source: {repo: acme/src}\n"
	    "    targets:\n      - repo: acme/d1\n        files: [{src: a, dest: a}]\n");
	if (cfg_load_mem(&c, "t.yaml", b.ptr, b.len, &errs) != 0) {
		size_t k;

		for (k = 0; k < errs.n; k++)
			fprintf(stderr, "%s\n", errs.v[k].msg);
		ck_abort_msg("config did not load");
	}
	cfg_errors_release(&errs);
	buf_release(&b);
	return c;
}

static int
resolve(struct scope *s, const struct cfg *c, const char *groups, const char *skip,
    const char *f1, const char *f2)
{
	struct scope_opts o;
	const char *g[1] = { groups }, *k[1] = { skip }, *f[2] = { f1, f2 };

	memset(&o, 0, sizeof(o));
	o.groups = g;
	o.ngroups = groups ? 1 : 0;
	o.skip = k;
	o.nskip = skip ? 1 : 0;
	o.filters = f;
	o.nfilters = f2 ? 2 : f1 ? 1 : 0;
	return scope_resolve(s, c, &o);
}

START_TEST(test_scope_guard_limits)
{
	struct cfg *c;
	struct scope s;

	/* 5 repos (the max) in one group: no confirmation needed */
	c = load(5, 0);
	ck_assert_int_eq(resolve(&s, c, NULL, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 5);
	ck_assert_uint_eq(s.ngroups, 1);
	ck_assert_int_eq(scope_confirm(&s, -1, false), 0);
	scope_release(&s);
	cfg_free(c);
	/* 6 (max+1): refused without, with a wrong and with the right count */
	c = load(6, 0);
	ck_assert_int_eq(resolve(&s, c, NULL, NULL, NULL, NULL), 0);
	ck_assert_int_eq(scope_confirm(&s, -1, false), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "refusing to sync 6 repositories across 1 group(s) without "
	    "confirmation; re-run with --confirm-scope 6");
	ck_assert_int_eq(scope_confirm(&s, 5, false), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--confirm-scope 5 does not match the 6 repositories in scope");
	ck_assert_int_eq(scope_confirm(&s, 0, false), ERR_CONFIG);
	ck_assert_int_eq(scope_confirm(&s, 6, false), 0);
	ck_assert_int_eq(scope_confirm(&s, -1, true), 0);  /* a dry run writes nothing */
	scope_release(&s);
	cfg_free(c);
	/* 0 repos in scope: nothing to confirm */
	c = load(1, 0);
	ck_assert_int_eq(resolve(&s, c, NULL, NULL, "acme/r9*", NULL), ERR_CONFIG);
	cfg_free(c);
	/* two groups of one repo each: more than one group needs confirmation */
	c = load(1, 1);
	ck_assert_int_eq(resolve(&s, c, NULL, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.ngroups, 2);
	ck_assert_int_eq(scope_confirm(&s, -1, false), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "refusing to sync 2 repositories across 2 group(s) without "
	    "confirmation; re-run with --confirm-scope 2");
	ck_assert_int_eq(scope_confirm(&s, 1, false), ERR_CONFIG);  /* never the group count */
	ck_assert_int_eq(scope_confirm(&s, 2, false), 0);
	scope_release(&s);
	cfg_free(c);
}
END_TEST

START_TEST(test_scope_filters)
{
	struct cfg *c = load(3, 1);
	struct scope s;

	/* the disabled group is left out */
	ck_assert_int_eq(resolve(&s, c, NULL, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.v[3].target->repo, "acme/x1");
	scope_release(&s);
	/* by name (with a space) and by id, comma-separated; a named disabled group runs */
	ck_assert_int_eq(resolve(&s, c, "Extra Stuff,off", NULL, NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.v[0].target->repo, "acme/x1");
	ck_assert_str_eq(s.v[1].target->repo, "acme/d1");
	scope_release(&s);
	/* skip wins over groups */
	ck_assert_int_eq(resolve(&s, c, "core,extra", "extra", NULL, NULL), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.ngroups, 1);
	scope_release(&s);
	/* filters: exact and glob */
	ck_assert_int_eq(resolve(&s, c, NULL, NULL, "acme/r2", "acme/x?"), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.v[0].target->repo, "acme/r2");
	ck_assert_str_eq(s.v[1].target->repo, "acme/x1");
	scope_release(&s);
	/* errors name what matched nothing */
	ck_assert_int_eq(resolve(&s, c, "core,nope", NULL, NULL, NULL), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--groups value 'nope' matches no group");
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(resolve(&s, c, NULL, "nah", NULL, NULL), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--skip-groups value 'nah' matches no group");
	ck_assert_int_eq(resolve(&s, c, NULL, NULL, "acme/r1", "acme/zz"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "target filter 'acme/zz' matches no target in scope");
	/* a filter for a target outside the selected groups matches nothing */
	ck_assert_int_eq(resolve(&s, c, "extra", NULL, "acme/r1", NULL), ERR_CONFIG);
	ck_assert_int_eq(resolve(&s, c, ",", NULL, NULL, NULL), ERR_CONFIG);
	cfg_free(c);
}
END_TEST

Suite *
scope_suite(void)
{
	Suite *s = suite_create("scope");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_scope_guard_limits);
	tcase_add_test(tc, test_scope_filters);
	suite_add_tcase(s, tc);
	return s;
}
