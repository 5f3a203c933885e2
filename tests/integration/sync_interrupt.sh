#!/bin/bash
# Ctrl-C outside the worker pool: an interrupt while discovery is talking to
# the API stops the run at once, writes a partial report (every target
# cancelled), writes nothing to the forge and exits 130.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main f.txt v1
seed_targets main acme/a acme/b acme/c

write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        files: [{src: f.txt, dest: f.txt}]
      - repo: acme/b
        files: [{src: f.txt, dest: f.txt}]
      - repo: acme/c
        files: [{src: f.txt, dest: f.txt}]
EOF2

# Every discovery request for the targets (REST, and the batched GraphQL
# query) takes 3 s: the interrupt lands while the first one is in flight.
python3 -c 'import json, sys, urllib.request
rule = [{"kind": "delay", "method": "GET", "path": "^/api/v3/repos/acme/[abc]", "delay_ms": 3000, "count": 100},
        {"kind": "delay", "method": "POST", "path": "^/api/graphql$", "delay_ms": 3000, "count": 100}]
req = urllib.request.Request(sys.argv[1], data=json.dumps(rule).encode(), method="POST")
urllib.request.urlopen(req, timeout=10).read()' "http://127.0.0.1:$PORT/_forge/faults"

start=$(date +%s)
# The binary itself, not the rsync_run function: $! must be repocast's pid.
"$RC" sync -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs" \
    --no-progress > "$T/out" 2> "$T/err" &
pid=$!
# Wait until the first delayed discovery request is in flight.
for i in $(seq 1 100); do
	grep -q '^repocast: source acme/source@main' "$T/err" && break
	sleep 0.05
done
sleep 0.5
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
cat "$T/out" "$T/err"
[ "$rc" -eq 130 ] || fail "exit $rc, want 130"
# It did not sit through nine delayed requests (27 s).
[ $(( $(date +%s) - start )) -lt 10 ] || fail "interrupt was not acted on promptly"
rep=$(last_report)
[ -f "$rep" ] || fail "no partial report"
pjt 'd["run"]["exit_code"] == 130 and d["run"]["interrupted"] is True' "$rep" || fail "report: run.exit_code 130 and run.interrupted"
for n in a b c; do
	[ "$(outcome "$rep" acme/$n)" = cancelled ] || fail "acme/$n not cancelled: $(outcome "$rep" acme/$n)"
done
[ -z "$(forge_writes)" ] || fail "the forge saw writes: $(forge_writes)"
# No worker is left behind.
! pgrep -f "repocast-worker" -P "$pid" >/dev/null 2>&1 || fail "workers left"
echo "sync_interrupt: ok"
