/*
 * What `repocast run` spends per byte of its commands' output (the
 * supervisor reads every byte: docs/run.md, Output): the line split and
 * the error scan of the default summary mode, and tag mode's tagged lines
 * (written to /dev/null), over 64 KiB chunks of 35-byte lines. Baseline:
 * memchr over the same chunk, the least any line split costs.
 */
#include <stdio.h>
#include <string.h>

#include "perf/bench.h"
#include "supervisor/run/run_output.h"

#define CHUNK 65536

static char chunk[CHUNK];

static size_t
fill_lines(void)
{
	static const char line[] = "some line of output text here, ok\n";
	size_t n = CHUNK / (sizeof(line) - 1) * (sizeof(line) - 1), i;

	for (i = 0; i < n; i += sizeof(line) - 1)
		memcpy(chunk + i, line, sizeof(line) - 1);
	return n;
}

static void
run_mode(struct bench_ctx *b, enum run_output_mode mode)
{
	struct run_output o;
	struct run_output_task t;
	FILE *null = fopen("/dev/null", "w");
	size_t n = fill_lines();
	uint64_t i;

	if (null == NULL)
		return;
	run_output_init(&o, mode, null, NULL, 8);
	run_output_task_init(&t);
	bench_set_bytes(b, n);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		run_output_data(&o, &t, "acme/api", chunk, n);
	bench_sink(run_output_error_line(&t));
	run_output_task_release(&t);
	fclose(null);
}

BENCH(RunOutputSummary64K)
{
	run_mode(b, RUN_OUTPUT_SUMMARY);
}

BENCH(RunOutputTag64K)
{
	run_mode(b, RUN_OUTPUT_TAG);
}

/* Baseline: finding the newlines and nothing else. */
BENCH(RunOutputMemchr64K)
{
	size_t n = fill_lines(), lines = 0;
	uint64_t i;

	bench_set_bytes(b, n);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		const char *p = chunk, *end = chunk + n, *nl;

		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			lines++;
			p = nl + 1;
		}
	}
	bench_sink(&lines);
}
