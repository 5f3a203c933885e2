/*
 * The micro-benchmark driver (see bench.h). Usage:
 *     bench [-benchtime SECONDS[s]] [SUBSTRING...]
 * runs every registered benchmark whose name contains one of the
 * substrings (all when none), printing Go-format lines.
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
	for (i = first; i < argc; i++)
		if (strstr(name, argv[i]) != NULL)
			return 1;
	return 0;
}

static void
run_one(const struct entry *e, double benchtime)
{
	struct bench_ctx b;
	uint64_t n = 1, elapsed, allocs, abytes;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (;;) {
		memset(&b, 0, sizeof(b));
		b.n = n;
		bench_reset_timer(&b);
		e->fn(&b);
		elapsed = util_now_ns() - b.t0;
		allocs = nallocs - b.allocs0;
		abytes = nabytes - b.abytes0;
		if (elapsed >= (uint64_t)(benchtime * 1e9) || n >= 1000000000u)
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
	double benchtime = 1.0;
	int first = 1;
	size_t i;

	if (argc > 2 && strcmp(argv[1], "-benchtime") == 0) {
		benchtime = strtod(argv[2], NULL);
		if (benchtime <= 0) {
			fprintf(stderr, "bench: bad -benchtime '%s'\n", argv[2]);
			return 2;
		}
		first = 3;
	}
	qsort(benches, nbenches, sizeof(*benches), cmp);
	for (i = 0; i < nbenches; i++)
		if (selected(benches[i].name, argc, argv, first))
			run_one(&benches[i], benchtime);
	return 0;
}
