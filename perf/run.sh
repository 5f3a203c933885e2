#!/bin/sh
# make bench: micro-benchmarks, then every end-to-end benchmark in perf/e2e/.
set -eu
O=${O:-build}
"$O/perf/bench" ${BENCHTIME:+-benchtime "$BENCHTIME"} ${BENCH:-}
for s in perf/e2e/*.sh; do
	[ -f "$s" ] || continue
	echo "== $s"
	O=$O sh "$s"
done
