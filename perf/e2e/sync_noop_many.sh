#!/bin/sh
# End-to-end: no-op resync of N targets (default 1000) on the loopback
# forge (DESIGN §9: 1000 targets <= 5 s wall in total). Every target
# already has the source's file (up_to_date, no PR). The first run spawns
# a worker per target and records each target's state; then RUNS no-op
# runs are timed end to end (`repocast sync`, wall clock): with the skip
# cache they spawn no worker, one conditional GET round per target. One
# --no-skip run (a worker per target) is timed as the comparison.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
RUNS=${RUNS:-5}
N=${N:-1000}
sync_lib_init
forge_start

new_work acme/source main
echo "shared settings v1" > "$T/w/source/shared.txt"
push_work acme/source main
# one target repository, copied N times (cheap set-up)
new_work acme/t0 main
echo "shared settings v1" > "$T/w/t0/shared.txt"
push_work acme/t0 main
for ((i = 1; i < N; i++)); do cp -r "$T/forge/acme/t0.git" "$T/forge/acme/t$i.git"; done
{
	cat <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
EOF2
	for ((i = 0; i < N; i++)); do
		printf '      - repo: acme/t%d\n        files: [{src: shared.txt, dest: shared.txt}]\n' $i
	done
} | write_config
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
t0=$(date +%s%N)
rsync_run --confirm-scope "$N" > "$T/out" 2>&1 || { tail "$T/out"; fail "first run"; }
first=$(ms "$t0")
rep=$(last_report)
pjt 'all(t["outcome"] == "up_to_date" for t in d["targets"])' "$rep" || fail "first run: not all up_to_date"
: > "$T/wall"
for ((r = 0; r < RUNS; r++)); do
	sleep 1  # one-second run ids
	t0=$(date +%s%N)
	rsync_run --confirm-scope "$N" > "$T/out" 2>&1 || { tail "$T/out"; fail "run $r"; }
	ms "$t0" >> "$T/wall"
	rep=$(last_report)
	pjt 'd["totals"]["skipped"] == len(d["targets"]) and d["totals"]["attempts"] == 0' "$rep" ||
	    fail "run $r: not every target skipped"
done
sleep 1
t0=$(date +%s%N)
rsync_run --confirm-scope "$N" --no-skip > "$T/out" 2>&1 || { tail "$T/out"; fail "--no-skip run"; }
noskip=$(ms "$t0")
read -r med min max <<< "$(sort -n "$T/wall" | awk '{v[NR]=$1} END {printf "%d %d %d", v[int((NR+1)/2)], v[1], v[NR]}')"
printf 'BenchmarkSyncNoopTargets/%d\t%d\t%d ns/op\t%d min-ms\t%d max-ms\n' "$N" "$RUNS" \
    $((med * 1000000)) "$min" "$max"
printf 'BenchmarkSyncNoopTargetsNoSkip/%d\t1\t%d ns/op\n' "$N" $((noskip * 1000000))
printf 'first run (a worker per target, records written): %d ms\n' "$first"
awk -v a="$med" -v b="$noskip" 'BEGIN { printf "ratio no-skip/skip (median): %.1fx\n", b / a }'
