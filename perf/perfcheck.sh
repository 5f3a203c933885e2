#!/bin/sh
# perfcheck.sh check|baseline: callgrind instruction counts of the micro
# benchmarks at a fixed iteration count (`bench -benchtime 100x Name$`,
# counting only inside bench_run_n: the benchmark's own loop, not the
# harness, not the process start-up), against perf/baseline.json.
#   check     fail (exit 1) when a benchmark needs more than TOLERANCE %
#             (default 5) instructions than its baseline; improvements are
#             listed with a hint to refresh the baseline
#   baseline  measure and write perf/baseline.json
# O (build dir), BASELINE (file), PERF_BENCHES (names) override the defaults.
set -eu
O=${O:-build}
BASELINE=${BASELINE:-perf/baseline.json}
TOLERANCE=${TOLERANCE:-5}
ITER=100x
# Deterministic, single-process benchmarks: nothing here waits on a child,
# a pipe or the clock, so the count is the same from run to run; and
# quick under callgrind (the API parsers, billions of instructions at
# 100x, are left to make bench).
PERF_BENCHES=${PERF_BENCHES:-"BinaryDetect8K BranchNameCheck BufAddf ConfigLoadSmall
ConfigYAMLEventsSmall ExcludeMatch ExcludeMatchWildcards
PathCheckDest PathCheckTreeName ProtoDecodeManifest1000 ProtoEncodeManifest1000
PrtextMetaParse RunOutputSummary64K RunOutputTag64K SymtabNameLibc64 Transform4K"}
mode=${1:-check}
case $mode in check|baseline) ;; *) echo "usage: sh perf/perfcheck.sh check|baseline" >&2; exit 2 ;; esac
command -v valgrind >/dev/null 2>&1 ||
	{ echo "perf-check: valgrind is not installed (sh mk/deps.sh installs it)" >&2; exit 2; }
[ -x "$O/perf/bench" ] || { echo "perf-check: no $O/perf/bench (make $O/perf/bench)" >&2; exit 2; }
if [ "$mode" = check ] && [ ! -s "$BASELINE" ]; then
	echo "perf-check: no $BASELINE (make perf-baseline writes it)" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/perfcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
: >"$tmp/counts"
for b in $PERF_BENCHES; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$b" --toggle-collect=bench_run_n \
		"$O/perf/bench" -benchtime "$ITER" "$b\$" >"$tmp/out.$b" 2>"$tmp/err.$b" ||
		{ cat "$tmp/err.$b" >&2; echo "perf-check: $b failed under callgrind" >&2; exit 2; }
	grep -q "^Benchmark$b-" "$tmp/out.$b" ||
		{ echo "perf-check: there is no benchmark '$b'" >&2; exit 2; }
	n=$(sed -n 's/^summary: //p' "$tmp/cg.$b")
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
		{ echo "perf-check: no instruction count for $b" >&2; exit 2; }
	echo "$b $n" >>"$tmp/counts"
done

if [ "$mode" = baseline ]; then
	{
		echo "{"
		echo "  \"what\": \"callgrind instructions (Ir) inside bench_run_n, bench -benchtime $ITER NAME\$\","
		echo "  \"valgrind\": \"$(valgrind --version)\","
		echo "  \"cc\": \"$(${CC:-cc} --version | head -1)\","
		echo "  \"machine\": \"$(uname -m) $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)\","
		echo "  \"benchmarks\": {"
		awk 'NR > 1 { print prev "," } { prev = sprintf("    \"%s\": %s", $1, $2) } END { print prev }' "$tmp/counts"
		echo "  }"
		echo "}"
	} >"$BASELINE"
	echo "perf-check: wrote $BASELINE ($(wc -l <"$tmp/counts") benchmarks)"
	exit 0
fi

# The baseline: one "Name": count per line in its benchmarks object.
sed -n 's/^ *"\([A-Za-z0-9_]*\)": \([0-9][0-9]*\),*$/\1 \2/p' "$BASELINE" >"$tmp/base"
awk -v tol="$TOLERANCE" -v file="$BASELINE" '
FNR == NR { base[$1] = $2; next }
{
	if (!($1 in base)) {
		printf "%-28s %14s %14.0f  not in %s\n", $1, "-", $2, file; missing++; next
	}
	d = ($2 - base[$1]) / base[$1] * 100
	verdict = d > tol ? "REGRESSION" : d < -tol ? "improved" : "ok"
	printf "%-28s %14.0f %14.0f %+7.2f%%  %s\n", $1, base[$1], $2, d, verdict
	if (d > tol) bad++
	if (d < -tol) better++
}
BEGIN { printf "%-28s %14s %14s %8s\n", "benchmark", "baseline Ir", "now Ir", "delta" }
END {
	if (better) printf "%d benchmark(s) improved by more than %s%%: refresh the baseline with make perf-baseline (and commit %s)\n", better, tol, file
	if (missing) printf "%d benchmark(s) not in the baseline: make perf-baseline adds them\n", missing
	if (bad) { printf "perf-check: %d benchmark(s) need more than %s%% more instructions than %s\n", bad, tol, file; exit 1 }
	print "perf-check: ok"
}' "$tmp/base" "$tmp/counts"
