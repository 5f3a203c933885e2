#!/bin/bash
# The rate-limit preflight: a run that does not fit the API budget is
# refused before any write (exit 3, saying how many targets would pass);
# a dry run that fits goes on; --ignore-rate-limit-preflight goes on and
# waits for the reset; a budget that cannot be read warns and goes on,
# unless rate_limit_preflight.fail_closed.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main shared.txt "shared v1"
seed_targets main acme/t1 acme/t2 acme/t3 acme/t4 acme/t5

config() {
	write_config <<EOF2
version: 1
$1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
$(for n in 1 2 3 4 5; do printf '      - {repo: acme/t%d, files: [{src: shared.txt, dest: shared.txt}]}\n' $n; done)
EOF2
}

# control POST PATH JSON: the forge's control endpoint.
control() {
	python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()' "http://127.0.0.1:$PORT$1" "$2"
}
loglen() { wc -l < "$T/forge/.forge/requests.log"; }

# --- over budget: 5 targets plan 45 requests (4 reads + 5 writes each);
# 30 remaining minus the 20% margin (6) leaves 24: 2 targets would pass.
config "rate_limit_preflight: {enabled: true, primary_margin_percent: 20}"
control /_forge/ratelimit '{"login": "demo", "remaining": 30, "reset_in": 600}'
l=$(loglen)
set +e
rsync_run --confirm-scope 5 > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat "$T/out"; fail "over budget: exit $rc, want 3"; }
grep -q "does not fit the API budget" "$T/out" || { cat "$T/out"; fail "no budget message"; }
grep -q "2 targets would pass now" "$T/out" || { cat "$T/out"; fail "does not say what would pass"; }
grep -q -- "--ignore-rate-limit-preflight" "$T/out" || fail "does not name the flag"
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
[ -z "$(writes_in "$T/slice")" ] || fail "a refused run wrote: $(writes_in "$T/slice")"
ls "$T"/runs/*/report.json >/dev/null 2>&1 && fail "a refused run wrote a report"

# --- a dry run plans reads only (20 <= 24): it goes on
rsync_run --dry-run > "$T/out" 2>&1 || { cat "$T/out"; fail "dry run refused"; }

# --- --ignore-rate-limit-preflight: goes on; when the quota runs out the
# requests wait for the reset (3 s here) and every target gets its PR
control /_forge/ratelimit '{"login": "demo", "remaining": 30, "reset_in": 3}'
rsync_run --confirm-scope 5 --ignore-rate-limit-preflight > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "ignored preflight: run failed"; }
grep -q "going on as --ignore-rate-limit-preflight says" "$T/out" || fail "no warning"
for n in 1 2 3 4 5; do
	[ "$(api /repos/acme/t$n/pulls | pj 'len(d)')" -eq 1 ] || fail "t$n: want one PR"
done

# --- the budget cannot be read (404, as a GHES without rate limiting
# answers): warn and go on; with fail_closed: exit 3
control /_forge/faults '{"kind": "status", "status": 404, "path": "/rate_limit$", "count": 1}'
rsync_run --confirm-scope 5 > "$T/out" 2>&1 || { cat "$T/out"; fail "fail-open run failed"; }
grep -q "going on without it" "$T/out" || { cat "$T/out"; fail "no fail-open warning"; }
config "rate_limit_preflight: {enabled: true, fail_closed: true}"
control /_forge/faults '{"kind": "status", "status": 404, "path": "/rate_limit$", "count": 1}'
set +e
rsync_run --confirm-scope 5 > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat "$T/out"; fail "fail_closed: exit $rc, want 3"; }
grep -q "rate limit" "$T/out" || { cat "$T/out"; fail "fail_closed: no message"; }
echo "sync_preflight: ok"
