/*
 * Config benchmarks: cfg_load_mem (parse + schema + resolve + validate)
 * from memory, and, as the baseline in the same run, libyaml alone
 * draining the event stream of the same bytes.
 * Budget (DESIGN §9): the small example < 40 us.
 */
#include <stdio.h>
#include <stdlib.h>

#include <yaml.h>

#include "perf/bench.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "supervisor/config/config.h"

static void
read_or_die(struct buf *b, const char *path)
{
	if (buf_read_file(b, path) < 0) {
		fprintf(stderr, "bench_config: %s (run from the repository root)\n", err_last());
		exit(1);
	}
}

static void
bench_load(struct bench_ctx *b, const char *path)
{
	struct buf data = BUF_INIT;
	uint64_t i;

	read_or_die(&data, path);
	bench_set_bytes(b, data.len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		struct cfg_errors errs = { NULL, 0, 0 };
		struct cfg *c = NULL;

		if (cfg_load_mem(&c, path, data.ptr, data.len, &errs) != 0) {
			fprintf(stderr, "bench_config: %s does not load\n", path);
			exit(1);
		}
		bench_sink(c);
		cfg_free(c);
		cfg_errors_release(&errs);
	}
	buf_release(&data);
}

static void
bench_events(struct bench_ctx *b, const char *path)
{
	struct buf data = BUF_INIT;
	uint64_t i;

	read_or_die(&data, path);
	bench_set_bytes(b, data.len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		yaml_parser_t p;
		yaml_event_t ev;
		int done = 0;

		yaml_parser_initialize(&p);
		yaml_parser_set_input_string(&p, (const unsigned char *)data.ptr, data.len);
		while (!done && yaml_parser_parse(&p, &ev)) {
			done = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
		}
		yaml_parser_delete(&p);
	}
	buf_release(&data);
}

BENCH(ConfigLoadSmall)
{
	bench_load(b, "perf/data/config-small.yaml");
}

BENCH(ConfigLoad200Targets)
{
	bench_load(b, "perf/data/config-200.yaml");
}

BENCH(ConfigYAMLEventsSmall)
{
	bench_events(b, "perf/data/config-small.yaml");
}

BENCH(ConfigYAMLEvents200Targets)
{
	bench_events(b, "perf/data/config-200.yaml");
}
