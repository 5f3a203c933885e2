/*
 * shard — the --shard partition (supervisor/shard.c): parsing K/N and
 * Slurm's array variables, and the partition's properties over 10,000
 * generated names: coverage, disjointness, balance, stability when a
 * target is added or removed or N grows by one.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "supervisor/shard.h"

#define NNAMES 10000

static char names[NNAMES + 1][48];

/* Names as platforms have them: a few owners, many repositories each,
 * with numbers, dashes and mixed case. */
static void
gen_names(void)
{
	static const char *const owners[] = { "acme", "Acme-Labs", "infra", "k8s-tools", "x" };
	size_t i;

	for (i = 0; i <= NNAMES; i++)
		snprintf(names[i], sizeof(names[i]), "%s/%s-%zu", owners[i % 5],
		    i % 3 == 0 ? "service" : i % 3 == 1 ? "lib" : "Tool_", i * 7 + 3);
}

START_TEST(test_shard_parse)
{
	struct shard s;

	ck_assert_int_eq(shard_parse(&s, "0/1"), 0);
	ck_assert_uint_eq(s.index, 0);
	ck_assert_uint_eq(s.count, 1);
	ck_assert(!s.from_slurm);
	ck_assert_int_eq(shard_parse(&s, "3/4"), 0);
	ck_assert_uint_eq(s.index, 3);
	ck_assert_uint_eq(s.count, 4);
	ck_assert_int_eq(shard_parse(&s, "65535/65536"), 0);   /* N at its max */
	ck_assert_uint_eq(s.count, SHARD_MAX);
	ck_assert_int_eq(shard_parse(&s, "0/65537"), ERR_CONFIG);  /* max + 1 */
	ck_assert_str_eq(err_last(), "invalid --shard '0/65537' (want K/N with 0 <= K < N <= "
	    "65536, or 'slurm')");
	ck_assert_int_eq(shard_parse(&s, "4/4"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid --shard '4/4': shards are numbered from 0, so K must "
	    "be below N (4)");
	ck_assert_int_eq(shard_parse(&s, "1/1"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "0/0"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid --shard '0/0' (want K/N with 0 <= K < N <= 65536, "
	    "or 'slurm')");
	ck_assert_int_eq(shard_parse(&s, "-1/4"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "+1/4"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, " 1/4"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "1/4x"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "1/"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "/4"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "1"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "1/2/3"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, ""), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "99999999999/4"), ERR_CONFIG);
	ck_assert_int_eq(shard_parse(&s, "SLURM"), ERR_CONFIG);
}
END_TEST

static void
slurm_env(const char *id, const char *count, const char *min, const char *max, const char *step)
{
	const char *const vars[] = { "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
	    "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP" };
	const char *vals[] = { id, count, min, max, step };
	size_t i;

	for (i = 0; i < 5; i++) {
		if (vals[i] != NULL)
			setenv(vars[i], vals[i], 1);
		else
			unsetenv(vars[i]);
	}
}

START_TEST(test_shard_slurm)
{
	struct shard s;
	char buf[64];

	slurm_env("2", "4", "0", "3", "1");
	ck_assert_int_eq(shard_parse(&s, "slurm"), 0);
	ck_assert_uint_eq(s.index, 2);
	ck_assert_uint_eq(s.count, 4);
	ck_assert(s.from_slurm);
	ck_assert_str_eq(shard_describe(buf, sizeof(buf), &s), "shard 2/4 from Slurm");
	/* an array that does not start at 0: --array=5-8 */
	slurm_env("5", "4", "5", "8", NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), 0);
	ck_assert_uint_eq(s.index, 0);
	ck_assert_uint_eq(s.count, 4);
	slurm_env("8", "4", "5", "8", NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), 0);
	ck_assert_uint_eq(s.index, 3);
	/* no MIN, MAX or STEP (older Slurm): ids from 0 */
	slurm_env("1", "2", NULL, NULL, NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), 0);
	ck_assert_uint_eq(s.index, 1);
	ck_assert_uint_eq(s.count, 2);
	/* not in an array */
	slurm_env(NULL, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--shard slurm: SLURM_ARRAY_TASK_ID is not set (not a task "
	    "of a Slurm job array? submit with sbatch --array)");
	slurm_env("1", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--shard slurm: SLURM_ARRAY_TASK_COUNT is not set (not a "
	    "task of a Slurm job array? submit with sbatch --array)");
	slurm_env("x1", "4", NULL, NULL, NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--shard slurm: SLURM_ARRAY_TASK_ID is 'x1', not a number");
	/* ids with gaps or a step would leave shards without a task */
	slurm_env("0", "3", "0", "7", NULL);    /* --array=0,3,7 */
	ck_assert_int_eq(shard_parse(&s, "slurm"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--shard slurm: the array's ids 0-7 are not 3 contiguous "
	    "tasks; shards need contiguous task ids (e.g. --array=0-3)");
	slurm_env("2", "3", "0", "4", "2");     /* --array=0-4:2 */
	ck_assert_int_eq(shard_parse(&s, "slurm"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--shard slurm: the array's step is 2; shards need "
	    "contiguous task ids (e.g. --array=0-3)");
	slurm_env("9", "4", "5", NULL, NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--shard slurm: SLURM_ARRAY_TASK_ID 9 is outside the array's "
	    "4 tasks from 5");
	slurm_env("0", "0", NULL, NULL, NULL);
	ck_assert_int_eq(shard_parse(&s, "slurm"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--shard slurm: SLURM_ARRAY_TASK_COUNT is 0 (want 1..65536)");
	slurm_env(NULL, NULL, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_shard_describe)
{
	struct shard s = { 1, 4, false };
	char buf[64];

	ck_assert_str_eq(shard_describe(buf, sizeof(buf), &s), "shard 1/4");
	ck_assert_str_eq(shard_describe(buf, sizeof(buf), NULL), "");
	s.count = 0;
	ck_assert_str_eq(shard_describe(buf, sizeof(buf), &s), "");
	ck_assert(shard_holds(&s, "acme/api"));   /* not sharded: every target */
	ck_assert(shard_holds(NULL, "acme/api"));
}
END_TEST

/* Every name in exactly one shard; shard sizes near NNAMES/n. */
static void
check_partition(unsigned n)
{
	size_t *size = calloc(n, sizeof(*size)), i;
	double mean = (double)NNAMES / n, slack = 6 * sqrt(mean) + 1;
	unsigned k;

	ck_assert_ptr_nonnull(size);
	for (i = 0; i < NNAMES; i++) {
		unsigned holders = 0, at = shard_of(names[i], n);
		struct shard s = { 0, n, false };

		ck_assert_uint_lt(at, n);
		for (k = 0; k < n; k++) {
			s.index = k;
			holders += shard_holds(&s, names[i]);
		}
		ck_assert_msg(holders == 1, "'%s' is in %u of %u shards", names[i], holders, n);
		size[at]++;
	}
	for (k = 0; k < n; k++)
		ck_assert_msg(fabs((double)size[k] - mean) <= slack, "shard %u/%u has %zu of %d "
		    "names (want %.0f +- %.0f)", k, n, size[k], NNAMES, mean, slack);
	free(size);
}

START_TEST(test_shard_partition)
{
	static const unsigned ns[] = { 1, 2, 3, 4, 7, 10, 16, 64, 100 };
	size_t i;

	gen_names();
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		check_partition(ns[i]);
}
END_TEST

/* A name's shard is its own: the same whatever the other targets, their
 * order, or the case of the name. */
START_TEST(test_shard_stable)
{
	unsigned *before = calloc(NNAMES + 1, sizeof(*before)), n = 4;
	size_t i, moved = 0;

	ck_assert_ptr_nonnull(before);
	gen_names();
	for (i = 0; i < NNAMES; i++)
		before[i] = shard_of(names[i], n);
	/* one target added (names[NNAMES]): only it may land anywhere new,
	 * every other target keeps its shard; so it does in reverse order */
	for (i = NNAMES + 1; i-- > 0;)
		if (i < NNAMES)
			ck_assert_uint_eq(shard_of(names[i], n), before[i]);
	ck_assert_uint_lt(shard_of(names[NNAMES], n), n);
	/* GitHub's names are case-insensitive: so is the shard */
	ck_assert_uint_eq(shard_of("Acme-Labs/Service-3", 16), shard_of("acme-labs/service-3", 16));
	/* from 4 shards to 5: a target moves only into the new shard, and
	 * about a fifth of them do */
	for (i = 0; i < NNAMES; i++) {
		unsigned now = shard_of(names[i], n + 1);

		if (now != before[i]) {
			ck_assert_uint_eq(now, n);
			moved++;
		}
	}
	ck_assert_msg(moved > NNAMES / 5 - 300 && moved < NNAMES / 5 + 300, "%zu of %d moved "
	    "from 4 to 5 shards", moved, NNAMES);
	/* The partition is part of the interface: a run's shards must agree
	 * across versions and machines, so these stay what they are. */
	ck_assert_uint_eq(shard_of("acme/api", 4), 0);
	ck_assert_uint_eq(shard_of("acme/web", 4), 3);
	ck_assert_uint_eq(shard_of("infra/terraform", 1000), 307);
	free(before);
}
END_TEST

Suite *
shard_suite(void)
{
	Suite *s = suite_create("shard");
	TCase *parse = tcase_create("parse"), *part = tcase_create("partition");

	tcase_add_test(parse, test_shard_parse);
	tcase_add_test(parse, test_shard_slurm);
	tcase_add_test(parse, test_shard_describe);
	tcase_add_test(part, test_shard_partition);
	tcase_add_test(part, test_shard_stable);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, part);
	return s;
}
