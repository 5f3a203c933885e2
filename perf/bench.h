/*
 * bench — a micro-benchmark harness whose output follows Go's format:
 *
 *     BenchmarkName-2   100000   1234 ns/op   56 B/op   2 allocs/op
 *
 * A benchmark is declared with BENCH(Name) { ... } and must run its body
 * b->n times. Like Go's, the harness grows n until one run takes at least
 * the bench time (default 1 s; `-benchtime 200ms`, `2s`, `1m`), then
 * reports that run; `-benchtime 100x` runs exactly 100 iterations, once
 * (what callgrind counts: make perf-check). `-count N` runs each
 * benchmark N times, a line each (make bench-compare).
 * Allocations are counted by the harness itself: perf/bench_main.c
 * interposes malloc/calloc/realloc/free for the whole process, so every
 * allocation made by the code under test, libraries included, is counted.
 * bench_reset_timer() drops setup time and allocations from the count;
 * bench_set_bytes() adds an MB/s column (bytes processed per op).
 */
#ifndef REPOCAST_BENCH_H
#define REPOCAST_BENCH_H

#include <stdint.h>

struct bench_ctx {
	uint64_t n;          /* iterations to run */
	uint64_t bytes;      /* bytes per op, for MB/s; 0 = none */
	uint64_t t0;         /* start, ns (internal) */
	uint64_t allocs0;    /* allocation count at start (internal) */
	uint64_t abytes0;
};

typedef void (*bench_fn)(struct bench_ctx *b);

/* -benchtime: a duration, or a number of iterations (then seconds is 0). */
struct bench_time {
	double seconds;
	uint64_t iterations;
};
/* Parse Go's -benchtime syntax (perf/bench_time.c): 0, or -1. */
int bench_parse_time(struct bench_time *out, const char *s);
/* Run fn once with b->n = n (perf-check's callgrind counts exactly this). */
void bench_run_n(struct bench_ctx *b, bench_fn fn, uint64_t n);

void bench_register(const char *name, bench_fn fn);
void bench_reset_timer(struct bench_ctx *b);
void bench_set_bytes(struct bench_ctx *b, uint64_t bytes);
/* Keep a value alive so the compiler cannot drop the work that made it. */
void bench_sink(const void *p);

#define BENCH(name) \
	static void bench_##name(struct bench_ctx *b); \
	__attribute__((constructor)) static void bench_reg_##name(void) \
	{ \
		bench_register(#name, bench_##name); \
	} \
	static void bench_##name(struct bench_ctx *b)

#endif
