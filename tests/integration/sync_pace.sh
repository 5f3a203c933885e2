#!/bin/bash
# API writes are paced by the config, the same for every address: the
# loopback forge gets GitHub.com's pace unless the config says otherwise.
# Gaps are measured by the forge (each request's arrival time, `t` in its
# request log), not by the wall clock of this script.
#   1. repocast.api.write_interval: 200ms, 5 targets: every write arrives
#      about 200 ms or more after the one before; the 5 PR creations span
#      >= 0.8 s.
#   2. write_interval: 0 on the same kind of run: the writes bunch up (so
#      the first check can fail).
#   3. no api: section at all: GitHub.com's 1 s between writes.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

new_work acme/source main
echo "shared" > "$T/w/source/SHARED.md"
push_work acme/source main

# config API_SECTION TARGETS...: one group syncing SHARED.md to each target.
config() {
	local api=$1 t
	shift
	{
		cat <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  cache_dir: $T/cache
$api
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
EOF2
		for t in "$@"; do
			printf '      - repo: %s\n        files: [{src: SHARED.md, dest: SHARED.md}]\n' "$t"
		done
	} | write_config
}

mark() {
	python3 -c 'import json,sys
print(max([json.loads(l)["seq"] for l in open(sys.argv[1])] or [0]))' "$T/forge/.forge/requests.log"
}

# writes_since SEQ: the API writes after seq SINCE as "METHOD PATH T", by arrival.
writes_since() {
	python3 -c 'import json,sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs = [r for r in rs if r["seq"] > int(sys.argv[2]) and r["method"] not in ("GET", "HEAD")
      and "/git/" not in r["path"] and "graphql" not in r["path"]]
for r in sorted(rs, key=lambda r: r["seq"]):
    print(r["method"], r["path"], r["t"])' "$T/forge/.forge/requests.log" "$1"
}

# min_gap FILE: the shortest gap between two writes' arrivals. The client
# spaces the starts of its requests; an arrival can lag its start by a few
# ms on a loaded machine, so the checks below leave 50 ms (100 ms at 1 s).
min_gap() {
	python3 -c 'import sys
ts = [float(l.split()[2]) for l in open(sys.argv[1])]
print("%.3f" % min(b - a for a, b in zip(ts, ts[1:])))' "$1"
}

run_sync() {
	rsync_run >"$T/out" 2>&1 || { cat "$T/out"; fail "sync failed"; }
}

# 1. 200 ms between writes.
seed_targets main acme/p1 acme/p2 acme/p3 acme/p4 acme/p5
config "  api: {write_interval: 200ms, creates_per_minute: 80, creates_per_hour: 500}" \
    acme/p1 acme/p2 acme/p3 acme/p4 acme/p5
m=$(mark)
run_sync
writes_since "$m" > "$T/w1"
[ "$(grep -c '^POST /api/v3/repos/acme/p[1-5]/pulls ' "$T/w1")" -eq 5 ] ||
    { cat "$T/w1"; fail "expected 5 PR creations"; }
g=$(min_gap "$T/w1")
python3 -c "import sys; sys.exit(0 if $g >= 0.15 else 1)" ||
    { cat "$T/w1"; fail "writes $g s apart with write_interval 200ms"; }
span=$(python3 -c 'import sys
ts = [float(l.split()[2]) for l in open(sys.argv[1]) if l.endswith("/pulls " + l.split()[2] + "\n")]
print("%.3f" % (ts[-1] - ts[0]))' "$T/w1")
python3 -c "import sys; sys.exit(0 if $span >= 0.8 else 1)" ||
    { cat "$T/w1"; fail "5 PR creations in $span s with write_interval 200ms"; }
grep -q "5 content-creating requests paced at 80/min" "$T/out" || { cat "$T/out"; fail "preflight line"; }
echo "paced: 5 creations over $span s, writes >= $g s apart"

# 2. write_interval 0: nothing waits (the same measure sees it).
seed_targets main acme/q1 acme/q2 acme/q3 acme/q4 acme/q5
config "  api: {write_interval: 0, creates_per_minute: 0, creates_per_hour: 0}" \
    acme/q1 acme/q2 acme/q3 acme/q4 acme/q5
m=$(mark)
run_sync
writes_since "$m" > "$T/w2"
[ "$(grep -c '/pulls ' "$T/w2")" -eq 5 ] || { cat "$T/w2"; fail "expected 5 PR creations (off)"; }
g=$(min_gap "$T/w2")
python3 -c "import sys; sys.exit(0 if $g < 0.15 else 1)" ||
    { cat "$T/w2"; fail "writes still $g s apart with pacing off"; }
grep -q "5 content-creating requests, not paced per minute" "$T/out" || { cat "$T/out"; fail "preflight line (off)"; }

# 3. The default is GitHub.com's pace, on a loopback address too.
seed_targets main acme/d1 acme/d2
config "" acme/d1 acme/d2
m=$(mark)
run_sync
writes_since "$m" > "$T/w3"
[ "$(wc -l < "$T/w3")" -ge 3 ] || { cat "$T/w3"; fail "expected PR writes"; }
g=$(min_gap "$T/w3")
python3 -c "import sys; sys.exit(0 if $g >= 0.9 else 1)" ||
    { cat "$T/w3"; fail "default pace: writes $g s apart on a loopback api_url"; }
echo "sync_pace: ok"
