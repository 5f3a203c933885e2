/*
 * The micro-benchmark driver (see bench.h). Usage:
 *     bench [-benchtime D|Nx] [-count N] [-list] [SUBSTRING...]
 * runs every registered benchmark whose name contains one of the
 * substrings (all when none; "Name$" is that one alone), printing
 * Go-format lines; -list prints the names alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf/bench.h"
#include "shared/util.h"

/* glibc's real allocator, under its internal names. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static uint64_t nallocs, nabytes;

void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);

void *
malloc(size_t n)
{
	__atomic_add_fetch(&nallocs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nabytes, n, __ATOMIC_RELAXED);
	return __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	__atomic_add_fetch(&nallocs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nabytes, a * b, __ATOMIC_RELAXED);
	return __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	__atomic_add_fetch(&nallocs, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nabytes, n, __ATOMIC_RELAXED);
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}

struct entry {
	const char *name;
	bench_fn fn;
};

static struct entry *benches;
static size_t nbenches, capbenches;
static volatile const void *sink;

void
bench_register(const char *name, bench_fn fn)
{
	/* Constructors run before main; plain realloc is fine here. */
	if (nbenches == capbenches) {
		capbenches = capbenches ? capbenches * 2 : 32;
		benches = __libc_realloc(benches, capbenches * sizeof(*benches));
		if (benches == NULL)
			abort();
	}
	benches[nbenches].name = name;
	benches[nbenches].fn = fn;
	nbenches++;
}

void
bench_reset_timer(struct bench_ctx *b)
{
	b->allocs0 = nallocs;
	b->abytes0 = nabytes;
	b->t0 = util_now_ns();
}

void
bench_set_bytes(struct bench_ctx *b, uint64_t bytes)
{
	b->bytes = bytes;
}

void
bench_sink(const void *p)
{
	sink = p;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static int
selected(const char *name, int argc, char **argv, int first)
{
	int i;

	if (first >= argc)
		return 1;
	for (i = first; i < argc; i++) {
		size_t n = strlen(argv[i]);

		/* "Name$": that benchmark alone (make perf-check). */
		if (n > 1 && argv[i][n - 1] == '$') {
			if (strncmp(name, argv[i], n - 1) == 0 && name[n - 1] == '\0')
				return 1;
		} else if (strstr(name, argv[i]) != NULL) {
			return 1;
		}
	}
	return 0;
}

/* Not static, and not inlined: callgrind's --toggle-collect names it. */
__attribute__((noinline)) void
bench_run_n(struct bench_ctx *b, bench_fn fn, uint64_t n)
{
	memset(b, 0, sizeof(*b));
	b->n = n;
	bench_reset_timer(b);
	fn(b);
}

static void
run_one(const struct entry *e, const struct bench_time *bt)
{
	struct bench_ctx b;
	uint64_t n = bt->iterations ? bt->iterations : 1, elapsed, allocs, abytes;
	double benchtime = bt->seconds;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (;;) {
		bench_run_n(&b, e->fn, n);
		elapsed = util_now_ns() - b.t0;
		allocs = nallocs - b.allocs0;
		abytes = nabytes - b.abytes0;
		if (bt->iterations || elapsed >= (uint64_t)(benchtime * 1e9) || n >= 1000000000u)
			break;
		/* Predict the n that fills the bench time, as Go does: +20%, at most x100. */
		{
			double per = elapsed ? (double)elapsed / (double)n : 1.0;
			double want = benchtime * 1e9 / per * 1.2;
			uint64_t next = want > (double)n * 100 ? n * 100 : (uint64_t)want;

			n = next > n ? next : n + 1;
		}
	}
	printf("Benchmark%s-%ld\t%10llu\t%12.1f ns/op", e->name, ncpu,
	    (unsigned long long)n, (double)elapsed / (double)n);
	if (b.bytes)
		printf("\t%9.2f MB/s", (double)b.bytes * (double)n / ((double)elapsed / 1e9) / 1e6);
	printf("\t%8llu B/op\t%6llu allocs/op\n", (unsigned long long)(abytes / n),
	    (unsigned long long)(allocs / n));
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct bench_time bt = { 1.0, 0 };
	long count = 1, k;
	int first = 1, list = 0;
	size_t i;

	while (first < argc && argv[first][0] == '-') {
		const char *o = argv[first];

		if (strcmp(o, "-list") == 0) {
			list = 1;
			first++;
			continue;
		}
		if (strcmp(o, "-benchtime") != 0 && strcmp(o, "-count") != 0) {
			fprintf(stderr, "bench: unknown option '%s'\n"
			    "usage: bench [-benchtime D|Nx] [-count N] [-list] [SUBSTRING...]\n", o);
			return 2;
		}
		if (first + 1 >= argc) {
			fprintf(stderr, "bench: %s needs a value\n", o);
			return 2;
		}
		if (strcmp(o, "-benchtime") == 0 && bench_parse_time(&bt, argv[first + 1]) < 0) {
			fprintf(stderr, "bench: bad -benchtime '%s' (a duration such as 200ms, "
			    "2s, 1m, or an iteration count such as 100x)\n", argv[first + 1]);
			return 2;
		}
		if (strcmp(o, "-count") == 0) {
			char *end;

			count = strtol(argv[first + 1], &end, 10);
			if (*end != '\0' || count < 1 || count > 1000) {
				fprintf(stderr, "bench: bad -count '%s' (1 to 1000)\n", argv[first + 1]);
				return 2;
			}
		}
		first += 2;
	}
	qsort(benches, nbenches, sizeof(*benches), cmp);
	for (i = 0; i < nbenches; i++) {
		if (!selected(benches[i].name, argc, argv, first))
			continue;
		if (list) {
			printf("%s\n", benches[i].name);
			continue;
		}
		for (k = 0; k < count; k++)
			run_one(&benches[i], &bt);
	}
	return 0;
}
