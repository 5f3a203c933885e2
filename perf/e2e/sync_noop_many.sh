#!/bin/sh
# End-to-end: no-op resync of N targets (default 1000) on the loopback
# forge (DESIGN §9: 1000 targets <= 5 s wall in total; 10,000 targets
# <= 30 s with the supervisor < 200 MB RSS: N=10000 RUNS=3). Every target
# already has the source's file (up_to_date, no PR). The first run spawns
# a worker per target and records each target's state; then RUNS no-op
# runs are timed end to end (`repocast sync`, wall clock): with the skip
# cache they spawn no worker, one conditional GET round per target. One
# --no-skip run (a worker per target) is timed as the comparison
# (NOSKIP=0 leaves it out: at N=10000 it is a second first run).
# Also printed: the supervisor's peak RSS (run.supervisor.maxrss_kib) and
# where a no-op run's time goes: its API requests and the forge's own time
# answering them (its request log's ms), so that a slow run says whether
# the supervisor or the forge is the bottleneck.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
RUNS=${RUNS:-5}
N=${N:-1000}
NOSKIP=${NOSKIP:-1}
FIRST_JOBS=${FIRST_JOBS:-2}  # the first run's workers at once (set-up, timed apart)
sync_lib_init
# a primary quota the run cannot exhaust (the forge's default is GitHub's 5000/h)
forge_start --rate-limit 10000000

new_work acme/source main
echo "shared settings v1" > "$T/w/source/shared.txt"
push_work acme/source main
# one target repository, copied N times (cheap set-up)
new_work acme/t0 main
echo "shared settings v1" > "$T/w/t0/shared.txt"
push_work acme/t0 main
# N-1 copies of t0, hard-linked (git never rewrites an object or a ref file
# in place), in one process: 10,000 in seconds, not minutes
python3 -c 'import os, sys
src, n = sys.argv[1], int(sys.argv[2])
tree = [(os.path.relpath(d, src), fs) for d, _, fs in os.walk(src)]
for i in range(1, n):
    dst = os.path.join(os.path.dirname(src), "t%d.git" % i)
    for rel, fs in tree:
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in fs:
            os.link(os.path.join(src, rel, f), os.path.join(dst, rel, f))' "$T/forge/acme/t0.git" "$N"
{
	cat <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0, creates_per_minute: 0, creates_per_hour: 0}   # a loopback forge has no secondary limits: say so
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
rsync_run --confirm-scope "$N" --jobs "$FIRST_JOBS" > "$T/out" 2>&1 || { tail "$T/out"; fail "first run"; }
first=$(ms "$t0")
rep=$(last_report)
pjt 'all(t["outcome"] == "up_to_date" for t in d["targets"])' "$rep" || fail "first run: not all up_to_date"
mark() {
	python3 -c 'import json,sys
print(max([json.loads(l)["seq"] for l in open(sys.argv[1])] or [0]))' "$T/forge/.forge/requests.log"
}
: > "$T/wall"
: > "$T/rss"
for ((r = 0; r < RUNS; r++)); do
	sleep 1  # one-second run ids
	m0=$(mark)
	t0=$(date +%s%N)
	rsync_run --confirm-scope "$N" > "$T/out" 2>&1 || { tail "$T/out"; fail "run $r"; }
	ms "$t0" >> "$T/wall"
	m1=$(mark)
	rep=$(last_report)
	pjt 'd["totals"]["skipped"] == len(d["targets"]) and d["totals"]["attempts"] == 0' "$rep" ||
	    fail "run $r: not every target skipped"
	pj 'd["run"]["supervisor"]["maxrss_kib"]' "$rep" >> "$T/rss"
done
# The last no-op run's requests and the forge's time on them.
python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
run = [r for r in rs if int(sys.argv[2]) < r["seq"] <= int(sys.argv[3])]
st = {}
for r in run:
    st[r["status"]] = st.get(r["status"], 0) + 1
ms = sum(r["ms"] for r in run)
print("last no-op run: %d API requests (%s), forge time %.0f ms (%.2f ms a request)"
      % (len(run), ", ".join("%d x %s" % (v, k) for k, v in sorted(st.items())), ms,
         ms / max(len(run), 1)))' "$T/forge/.forge/requests.log" "$m0" "$m1"
noskip=0
if [ "$NOSKIP" != 0 ]; then
	sleep 1
	t0=$(date +%s%N)
	rsync_run --confirm-scope "$N" --no-skip > "$T/out" 2>&1 || { tail "$T/out"; fail "--no-skip run"; }
	noskip=$(ms "$t0")
fi
read -r med min max <<< "$(sort -n "$T/wall" | awk '{v[NR]=$1} END {printf "%d %d %d", v[int((NR+1)/2)], v[1], v[NR]}')"
printf 'BenchmarkSyncNoopTargets/%d\t%d\t%d ns/op\t%d min-ms\t%d max-ms\n' "$N" "$RUNS" \
    $((med * 1000000)) "$min" "$max"
printf 'first run (a worker per target, records written): %d ms\n' "$first"
printf 'supervisor maxrss in the no-op runs: %s KiB\n' "$(sort -n "$T/rss" | tr '\n' ' ')"
if [ "$NOSKIP" != 0 ]; then
	printf 'BenchmarkSyncNoopTargetsNoSkip/%d\t1\t%d ns/op\n' "$N" $((noskip * 1000000))
	awk -v a="$med" -v b="$noskip" 'BEGIN { printf "ratio no-skip/skip (median): %.1fx\n", b / a }'
fi
