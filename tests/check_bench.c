#include <check.h>
#include <string.h>

#include "perf/bench.h"
#include "shared/util.h"

static const struct {
	const char *s;
	double seconds;
	uint64_t iterations;
} good[] = {
	{ "200ms", 0.2, 0 }, { "2s", 2, 0 }, { "1m", 60, 0 }, { "1h", 3600, 0 },
	{ "1.5s", 1.5, 0 }, { "1m30s", 90, 0 }, { "500us", 0.0005, 0 },
	{ "500\xc2\xb5s", 0.0005, 0 }, { "100ns", 1e-7, 0 }, { "100x", 0, 100 },
	{ "1x", 0, 1 }, { "0.3", 0.3, 0 }, { "2", 2, 0 },
};

START_TEST(test_benchtime_good)
{
	struct bench_time t;

	ck_assert_int_eq(bench_parse_time(&t, good[_i].s), 0);
	ck_assert_uint_eq(t.iterations, good[_i].iterations);
	ck_assert_double_eq_tol(t.seconds, good[_i].seconds, 1e-12);
}
END_TEST

static const char *const bad[] = {
	"", "x", "0x", "-1s", "ms", "10q", "1.5x", "2s3", "s", "0s", "0", "1 s", "x100", "1mx",
};

START_TEST(test_benchtime_bad)
{
	struct bench_time t;

	ck_assert_msg(bench_parse_time(&t, bad[_i]) < 0, "'%s' accepted", bad[_i]);
}
END_TEST

/* The bug this parser fixed: 200ms was read as 200 seconds. */
START_TEST(test_benchtime_ms_is_not_seconds)
{
	struct bench_time t;

	ck_assert_int_eq(bench_parse_time(&t, "200ms"), 0);
	ck_assert(t.seconds < 1);
}
END_TEST

Suite *
bench_suite(void)
{
	Suite *s = suite_create("bench");
	TCase *tc = tcase_create("benchtime");

	tcase_add_loop_test(tc, test_benchtime_good, 0, (int)ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_benchtime_bad, 0, (int)ARRAY_SIZE(bad));
	tcase_add_test(tc, test_benchtime_ms_is_not_seconds);
	suite_add_tcase(s, tc);
	return s;
}
