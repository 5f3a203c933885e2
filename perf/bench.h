/*
 * bench — a micro-benchmark harness whose output follows Go's format:
 *
 *     BenchmarkName-2   100000   1234 ns/op   56 B/op   2 allocs/op
 *
 * A benchmark is declared with BENCH(Name) { ... } and must run its body
 * b->n times. Like Go's, the harness grows n until one run takes at least
 * the bench time (default 1 s, `-benchtime 0.2s`), then reports that run.
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
