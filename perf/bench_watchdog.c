#include <unistd.h>

#include "perf/bench.h"
#include "supervisor/pool/watchdog.h"

/*
 * One watchdog pass over this machine's /proc for 8 jobs: what every
 * 100 ms sample costs the supervisor while a memory or processes limit is
 * set (docs/PERFORMANCE.md). Our own session stands in for one job.
 */
BENCH(WatchdogScan)
{
	struct watchdog_job jobs[8] = { { 0 } };
	uint64_t i;
	size_t k;

	for (k = 0; k < 8; k++)
		jobs[k].sid = getsid(0) + (pid_t)k;
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		watchdog_scan(jobs, 8, "/proc");
	bench_sink(jobs);
	for (k = 0; k < 8; k++)
		watchdog_job_release(&jobs[k]);
}
