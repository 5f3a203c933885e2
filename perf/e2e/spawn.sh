#!/bin/sh
# Process core throughput (docs/PERFORMANCE.md, "Process core"), side by side
# in one run on the same machine, 2 at a time:
#   repocast-run   `repocast run` over N "none:" entries running `true`: per
#                  item a worker spawn + handshake + JOB + the command's spawn
#                  + RESULT/STATS + reap + its log file, plus report.json
#   pool-noop      the pool alone (perf/bench_pool.c): no-op worker spawn +
#                  HELLO/READY + JOB + RESULT + STATS + /proc io + reap
#   xargs-P2       seq N | xargs -P2 -n1 true
#   parallel-j2    seq N | parallel -j2 true   (N/4 items: it is slow)
#   xargs-worker   seq N | xargs -P2 -n1 repocast-worker: the worker binary's
#                  bare exec + dynamic loading + exit (it exits at once when
#                  not given a channel; no libgit2: docs/architecture.md)
# Prints items/s for each and the ratios to the baselines. The machine's
# load moves every figure: compare the ratios of one run.
set -eu
O=${O:-build}
N=${N:-1000}
T=$(mktemp -d /tmp/repocast-spawn-XXXXXX)
trap 'rm -rf "$T"' EXIT

i=0
while [ $i -lt "$N" ]; do echo "none:n$i"; i=$((i + 1)); done >"$T/repos"
now() { date +%s.%N; }
rate() { python3 -c "import sys; print('%.0f' % (int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2]))))" "$@"; }

t0=$(now)
"$O/repocast" run --repos "$T/repos" --no-pr --jobs 2 --log-level error \
	--report-dir "$T/runs" -- true 2>/dev/null
t1=$(now)
r_run=$(rate "$N" "$t0" "$t1")

t0=$(now)
seq "$N" | xargs -P2 -n1 true
t1=$(now)
r_xargs=$(rate "$N" "$t0" "$t1")

t0=$(now)
seq "$N" | xargs -P2 -n1 "$O/repocast-worker" 2>/dev/null || true
t1=$(now)
r_wexec=$(rate "$N" "$t0" "$t1")

NP=$((N / 4))
t0=$(now)
seq "$NP" | parallel -j2 true
t1=$(now)
r_par=$(rate "$NP" "$t0" "$t1")

r_pool=
if [ -x "$O/perf/bench" ]; then
	ns=$(O=$O "$O/perf/bench" -benchtime 1s PoolNoopWorker | awk '/PoolNoopWorker/ {print $3}')
	r_pool=$(python3 -c "print('%.0f' % (1e9 / float('$ns')))")
fi

printf '%-14s %8s items/s\n' repocast-run "$r_run"
[ -n "$r_pool" ] && printf '%-14s %8s workers/s\n' pool-noop "$r_pool"
printf '%-14s %8s items/s\n' xargs-P2 "$r_xargs" parallel-j2 "$r_par" xargs-worker "$r_wexec"
python3 -c "print('repocast-run / xargs-P2 = %.2f, / parallel-j2 = %.2f' % ($r_run / $r_xargs, $r_run / $r_par))"
[ -n "$r_pool" ] && python3 -c "print('pool-noop / xargs-P2 = %.2f, / parallel-j2 = %.2f' % ($r_pool / $r_xargs, $r_pool / $r_par))"
exit 0
