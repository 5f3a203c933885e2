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

/* --shard: the shards' scopes are disjoint, cover the unsharded one in its
 * order, and the guard counts every shard's repositories. */
START_TEST(test_scope_shard)
{
	struct cfg *c = load(12, 1);
	struct scope all, s;
	struct scope_opts o;
	struct shard sh = { 0, 3, false };
	size_t seen[16] = { 0 }, i, j, last;
	char line[160];

	ck_assert_int_eq(resolve(&all, c, NULL, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(all.n, 13);
	ck_assert_str_eq(scope_describe(line, sizeof(line), &all, NULL),
	    "scope: 13 targets in 2 groups");
	memset(&o, 0, sizeof(o));
	o.shard = &sh;
	for (sh.index = 0; sh.index < 3; sh.index++) {
		ck_assert_int_eq(scope_resolve(&s, c, &o), 0);
		ck_assert_uint_eq(s.total, 13);
		ck_assert_uint_eq(s.total_groups, 2);
		last = 0;
		for (i = 0; i < s.n; i++) {
			for (j = 0; j < all.n && all.v[j].target != s.v[i].target; j++)
				;
			ck_assert_uint_lt(j, all.n);
			ck_assert(i == 0 || j > last);      /* the unsharded order */
			ck_assert_uint_eq(shard_of(s.v[i].target->repo, 3), sh.index);
			last = j;
			seen[j]++;
		}
		/* the guard: all 13 across both groups, in every shard */
		ck_assert_int_eq(scope_confirm(&s, (long)s.n, false), ERR_CONFIG);
		snprintf(line, sizeof(line), "--confirm-scope %zu does not match the 13 "
		    "repositories in scope (all shards)", s.n);
		ck_assert_str_eq(err_last(), line);
		ck_assert_int_eq(scope_confirm(&s, 13, false), 0);
		scope_release(&s);
	}
	for (j = 0; j < all.n; j++)
		ck_assert_uint_eq(seen[j], 1);
	sh.index = 1;
	ck_assert_int_eq(scope_resolve(&s, c, &o), 0);
	ck_assert_int_eq(scope_confirm(&s, -1, false), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "refusing to sync 13 repositories across 2 group(s) "
	    "(all shards) without confirmation; re-run with --confirm-scope 13");
	snprintf(line, sizeof(line), "scope: %zu of 13 targets in %zu of 2 groups (shard 1/3)",
	    s.n, s.ngroups);
	{
		char got[160];

		ck_assert_str_eq(scope_describe(got, sizeof(got), &s, &sh), line);
	}
	scope_release(&s);
	/* a filter naming a target of another shard is no error: it matched */
	for (i = 1; i <= 12; i++) {
		char name[32];
		const char *f[1] = { name };

		snprintf(name, sizeof(name), "acme/r%zu", i);
		if (shard_of(name, 3) == 1)
			continue;
		o.filters = f;
		o.nfilters = 1;
		ck_assert_int_eq(scope_resolve(&s, c, &o), 0);
		ck_assert_uint_eq(s.n, 0);
		ck_assert_uint_eq(s.total, 1);
		scope_release(&s);
		break;
	}
	ck_assert_uint_le(i, 12);
	scope_release(&all);
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
	tcase_add_test(tc, test_scope_shard);
	suite_add_tcase(s, tc);
	return s;
}
