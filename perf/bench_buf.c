#include "perf/bench.h"
#include "shared/buf.h"

BENCH(BufAddf)
{
	struct buf s = BUF_INIT;
	uint64_t i;

	buf_grow(&s, 256);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		buf_reset(&s);
		buf_addf(&s, "%s/%s:%llu", "acme", "api", (unsigned long long)i);
	}
	bench_sink(s.ptr);
	buf_release(&s);
}
