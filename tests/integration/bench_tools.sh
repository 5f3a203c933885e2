#!/bin/bash
# The benchmark tooling (docs/PERFORMANCE.md): bench's -benchtime in Go's
# syntax (100x is exactly 100 iterations, 200ms is not 200 s), -count;
# perf/compare.sh's medians and deltas; perf/perfcheck.sh failing on a
# regression beyond 5 %, listing an improvement with the refresh hint,
# and passing against its own fresh baseline.
. "$(dirname "$0")/lib.bash"
lib_init repocast-bench
BENCH=$BUILD/perf/bench
[ -x "$BENCH" ] || fail "no $BENCH (make build-tests builds it)"
command -v valgrind >/dev/null || fail "no valgrind: 'sh mk/deps.sh' installs it"
cd "$ROOT_DIR"

out=$("$BENCH" -benchtime 100x -count 2 'ExcludeMatch$')
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "-count 2 printed: $out"
echo "$out" | awk '$2 != 100 { exit 1 }' || fail "-benchtime 100x did not run 100 iterations: $out"
t0=$(date +%s)
"$BENCH" -benchtime 200ms 'ExcludeMatch$' >/dev/null
[ $(( $(date +%s) - t0 )) -lt 20 ] || fail "-benchtime 200ms ran for seconds"
"$BENCH" -benchtime 200q x >/dev/null 2>"$T/err" && fail "-benchtime 200q accepted"
grep -q "bad -benchtime '200q'" "$T/err" || fail "no error for 200q: $(cat "$T/err")"

printf 'BenchmarkA-2\t10\t100.0 ns/op\t0 B/op\t0 allocs/op\nBenchmarkA-2\t10\t300.0 ns/op\t0 B/op\t0 allocs/op\nBenchmarkA-2\t10\t120.0 ns/op\t0 B/op\t0 allocs/op\n' >"$T/base"
printf 'BenchmarkA-2\t10\t150.0 ns/op\t0 B/op\t2 allocs/op\nBenchmarkA-2\t10\t130.0 ns/op\t0 B/op\t2 allocs/op\nBenchmarkB-2\t1\t5 ns/op\n' >"$T/new"
sh perf/compare.sh "$T/base" "$T/new" >"$T/cmp"
grep -Eq '^A +120\.0ns +140\.0ns +130\.0ns +150\.0ns +\+16\.7%  0 -> 2$' "$T/cmp" || { cat "$T/cmp"; fail "compare: wrong line for A"; }
grep -q '^B .*new: not in the baseline' "$T/cmp" || fail "compare: B not shown as new"
sh perf/compare.sh "$T/base" /dev/null 2>/dev/null && fail "compare accepted an empty file"

export PERF_BENCHES="ExcludeMatch PathCheckTreeName"
O="$BUILD" BASELINE="$T/baseline.json" sh perf/perfcheck.sh baseline >/dev/null || fail "perf-baseline failed"
O="$BUILD" BASELINE="$T/baseline.json" sh perf/perfcheck.sh check >"$T/ok" || { cat "$T/ok"; fail "perf-check failed against its own baseline"; }
grep -q 'perf-check: ok' "$T/ok" || fail "no ok line"
# A baseline 10 % lower: a regression, exit 1.
awk '/"ExcludeMatch":/ { sub(/[0-9]+/, int($2 * 0.9)) } { print }' "$T/baseline.json" >"$T/low.json"
if O="$BUILD" BASELINE="$T/low.json" sh perf/perfcheck.sh check >"$T/low" 2>&1; then
	cat "$T/low"; fail "perf-check passed a 10 % regression"
fi
grep -q '^ExcludeMatch .*REGRESSION' "$T/low" || { cat "$T/low"; fail "the regression is not named"; }
# A baseline 10 % higher: an improvement, still exit 0, with the hint.
awk '/"ExcludeMatch":/ { sub(/[0-9]+/, int($2 * 1.1)) } { print }' "$T/baseline.json" >"$T/high.json"
O="$BUILD" BASELINE="$T/high.json" sh perf/perfcheck.sh check >"$T/high" || { cat "$T/high"; fail "an improvement failed perf-check"; }
grep -q '^ExcludeMatch .*improved' "$T/high" && grep -q 'make perf-baseline' "$T/high" ||
	{ cat "$T/high"; fail "the improvement or the refresh hint is missing"; }
echo "bench_tools: ok"
