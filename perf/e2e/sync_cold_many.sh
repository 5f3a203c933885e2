#!/bin/sh
# End-to-end: cold first sync of N targets (default 2000) with --jobs J
# (default 32) on the loopback forge: every target is pushed a new branch
# and gets a PR (pace off: repocast.api {write_interval: 0,
# creates_per_minute: 0, creates_per_hour: 0}). While it runs, the
# supervisor's open descriptors (/proc/PID/fd) and its zombie children
# (state Z, ppid = supervisor) are sampled every 0.2 s: neither may grow
# with the targets done (DESIGN §9: no fd or zombie growth at fleet
# scale). Printed: wall, the samples' min/median/max for the first and the
# last tenth of the run, the supervisor's peak RSS, and a verdict line.
#   N=2000 J=32 sh perf/e2e/sync_cold_many.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
N=${N:-2000}
J=${J:-32}
sync_lib_init
# a primary quota the run cannot exhaust (the forge's default is GitHub's 5000/h)
forge_start --rate-limit 10000000

new_work acme/source main
echo "shared settings v2" > "$T/w/source/shared.txt"
push_work acme/source main
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
  api: {write_interval: 0, creates_per_minute: 0, creates_per_hour: 0}
  git_url: http://127.0.0.1:@PORT@/git
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

t0=$(date +%s%N)
"$RC" sync -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs" --no-progress \
    --confirm-scope "$N" --jobs "$J" > "$T/out" 2>&1 &
pid=$!
: > "$T/samples"
while kill -0 "$pid" 2>/dev/null; do
	fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
	# children of the supervisor that have exited and not been reaped
	z=$(ps -o stat= --ppid "$pid" 2>/dev/null | grep -c '^Z' || true)
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null | wc -l)
	echo "$(( ($(date +%s%N) - t0) / 1000000 )) $fds $z $kids" >> "$T/samples"
	sleep 0.2
done
set +e
wait "$pid"
rc=$?
set -e
wall=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" -eq 0 ] || { tail -n 20 "$T/out"; fail "run exited $rc"; }
rep=$(last_report)
pjt 'len(d["targets"]) == '"$N"' and all(t["outcome"] == "pushed" and t.get("pr") == "opened" for t in d["targets"])' "$rep" ||
    fail "not every target pushed with a new PR"
rss=$(pj 'd["run"]["supervisor"]["maxrss_kib"]' "$rep")
printf 'BenchmarkSyncColdTargets/%d-j%d\t1\t%d ns/op\n' "$N" "$J" $((wall * 1000000))
python3 -c 'import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 4]
# the samples while workers ran (children present): start-up and the end left out
busy = [r for r in rows if r[3] > 0]
if len(busy) < 20:
    sys.exit("too few samples while workers ran: %d" % len(busy))
k = max(len(busy) // 10, 1)
def stats(rs, col):
    v = sorted(r[col] for r in rs)
    return v[0], v[len(v) // 2], v[-1]
first, last = busy[:k], busy[-k:]
f1, f2 = stats(first, 1), stats(last, 1)
z = max(r[2] for r in rows)
print("samples: %d (%d with workers), every 0.2 s" % (len(rows), len(busy)))
print("supervisor fds min/median/max: first tenth %d/%d/%d, last tenth %d/%d/%d, whole run max %d"
      % (f1 + f2 + (max(r[1] for r in rows),)))
print("zombie children: max %d in any sample (workers at once: max %d)" % (z, max(r[3] for r in rows)))
grow = f2[1] > f1[1] + 8
print("fd growth: %s; zombies: %s" % ("GROWS" if grow else "none",
      "pile up" if z > int(sys.argv[2]) else "none beyond the reaping lag"))
sys.exit(1 if grow or z > int(sys.argv[2]) else 0)' "$T/samples" "$J" || fail "fd or zombie growth"
printf 'supervisor maxrss: %d KiB\n' "$rss"
