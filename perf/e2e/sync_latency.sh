#!/bin/sh
# End-to-end: discovery at fleet scale over a slow link. N targets
# (default 1000) on the loopback forge; the forge answers every API and
# git request LATENCY ms late (default 100, GitHub's order of magnitude;
# POST /_forge/latency). Measured, each from the forge's request log:
#   - the first sync at LATENCY up to its first push (then interrupted):
#     the API requests and the time before the first push;
#   - the first sync at latency 0 (it spawns a worker per target): the
#     API requests before the first push, the GraphQL queries in all;
#   - RUNS no-op resyncs with GraphQL (repocast.api.graphql: auto): wall
#     clock and API requests (DESIGN §9: 1000 targets <= 5 s);
#   - one no-op resync with graphql: off (REST) of the first REST_N
#     targets (default 100: REST costs ~3 round trips a target, 1000 of
#     them are minutes), in the same run, as the comparison (its config
#     is another file, so it gets a first run of its own at latency 0).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
RUNS=${RUNS:-3}
N=${N:-1000}
REST_N=${REST_N:-100}
LATENCY=${LATENCY:-100}
BATCH=${BATCH:-50}
sync_lib_init
forge_start
LOG=$T/forge/.forge/requests.log

latency() {
	python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
    method="POST"), timeout=10).read()' "http://127.0.0.1:$PORT/_forge/latency" "{\"ms\": $1}"
}

# a first sync of N targets opens N PRs: more than the default hour's quota
python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"{\"limit\": 1000000}",
    method="POST"), timeout=10).read()' "http://127.0.0.1:$PORT/_forge/ratelimit"

new_work acme/source main
echo "shared settings v1" > "$T/w/source/shared.txt"
push_work acme/source main
new_work acme/t0 main
echo "shared settings v0" > "$T/w/t0/shared.txt"
push_work acme/t0 main
for ((i = 1; i < N; i++)); do cp -r "$T/forge/acme/t0.git" "$T/forge/acme/t$i.git"; done
# config FILE GRAPHQL COUNT
config() {
	{
		cat <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0, creates_per_minute: 0, creates_per_hour: 0, graphql: $2, graphql_batch: $BATCH}
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
EOF2
		for ((i = 0; i < $3; i++)); do
			printf '      - repo: acme/t%d\n        files: [{src: shared.txt, dest: shared.txt}]\n' $i
		done
	} | write_config
	mv "$T/sync.yaml" "$1"
}
config "$T/gql.yaml" auto "$N"
config "$T/rest.yaml" off "$REST_N"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# sync CONFIG COUNT: one run; its forge requests land in $T/req
sync() {
	local before
	before=$(wc -l < "$LOG")
	"$RC" sync -c "$1" --token-file "$T/token" --report-dir "$T/runs" --no-progress \
	    --confirm-scope "$2" > "$T/out" 2>&1 || { tail "$T/out"; fail "sync $1"; }
	tail -n +$((before + 1)) "$LOG" > "$T/req"
}
# api_requests: API requests in $T/req [before the first push]
api_requests() {
	python3 -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if sys.argv[2] == "before-push" and "git-receive-pack" in r["path"]:
        break
    n += r["path"].startswith("/api/")
print(n)' "$T/req" "${1:-all}"
}

# 0. the first sync at LATENCY, up to its first push: the requests and the
# time before it (discovery goes on beside the workers: discq.c). It is
# interrupted there (N workers at LATENCY a git request are minutes).
latency "$LATENCY"
before=$(wc -l < "$LOG")
t0=$(date +%s%N)
"$RC" sync -c "$T/gql.yaml" --token-file "$T/token" --report-dir "$T/runs" --no-progress \
    --confirm-scope "$N" > "$T/out0" 2>&1 &
pid=$!
for ((w = 0; w < 600; w++)); do
	tail -n +$((before + 1)) "$LOG" | grep -q git-receive-pack && break
	sleep 0.05
done
first_push_ms=$(ms "$t0")
kill -INT "$pid"
wait "$pid" || true
tail -n +$((before + 1)) "$LOG" > "$T/req"
lat_before_push=$(api_requests before-push)
latency 0
sleep 1

# 1. the first sync (latency 0: N workers push and open PRs; the ones the
# interrupt left pushed without a PR get theirs)
sync "$T/gql.yaml" "$N"
pjt 'all(t["outcome"] == "pushed" for t in d["targets"])' "$(last_report)" ||
    fail "first run: not every target pushed"
first_before_push=$(api_requests before-push)
first_gql=$(grep -c '"/api/graphql"' "$T/req")
# the REST config is another file (another digest): its own skip records
sleep 1
sync "$T/rest.yaml" "$REST_N"

# 2. no-op resyncs at LATENCY, GraphQL
latency "$LATENCY"
: > "$T/wall"
for ((r = 0; r < RUNS; r++)); do
	sleep 1  # one-second run ids
	t0=$(date +%s%N)
	sync "$T/gql.yaml" "$N"
	ms "$t0" >> "$T/wall"
	pjt 'd["totals"]["skipped"] == len(d["targets"])' "$(last_report)" ||
	    fail "run $r: not every target skipped"
	noop_gql=$(api_requests)
	# where the wall goes: the forge's time per request (its latency included)
	python3 -c 'import json,sys
rs = [json.loads(l) for l in open(sys.argv[1])]
q = sorted(r["ms"] for r in rs if r["path"] == "/api/graphql")
g = [r["ms"] for r in rs if r["path"].startswith("/git/")]
o = [r["ms"] for r in rs if r["path"].startswith("/api/") and r["path"] != "/api/graphql"]
print("%d queries, %.0f ms in all (median %.0f ms, max %.0f ms); %d git requests %.0f ms; "
      "%d other API requests %.0f ms" % (len(q), sum(q), q[len(q) // 2], q[-1], len(g), sum(g),
      len(o), sum(o)))' "$T/req" > "$T/where"
done
# 3. the REST comparison, REST_N targets
sleep 1
t0=$(date +%s%N)
sync "$T/rest.yaml" "$REST_N"
rest_ms=$(ms "$t0")
pjt 'd["totals"]["skipped"] == len(d["targets"])' "$(last_report)" ||
    fail "REST run: not every target skipped"
noop_rest=$(api_requests)
latency 0

read -r med min max <<< "$(sort -n "$T/wall" | awk '{v[NR]=$1} END {printf "%d %d %d", v[int((NR+1)/2)], v[1], v[NR]}')"
printf 'BenchmarkSyncNoopLatencyGraphQL/%d/%dms\t%d\t%d ns/op\t%d min-ms\t%d max-ms\t%d api-requests\n' \
    "$N" "$LATENCY" "$RUNS" $((med * 1000000)) "$min" "$max" "$noop_gql"
printf 'BenchmarkSyncNoopLatencyREST/%d/%dms\t1\t%d ns/op\t%d api-requests\n' \
    "$REST_N" "$LATENCY" $((rest_ms * 1000000)) "$noop_rest"
printf 'first sync of %d targets at %d ms: %d API requests and %d ms before the first push\n' \
    "$N" "$LATENCY" "$lat_before_push" "$first_push_ms"
printf 'first sync of %d targets at 0 ms: %d API requests before the first push (%d GraphQL queries of %d in all)\n' \
    "$N" "$first_before_push" "$first_gql" "$BATCH"
printf 'last no-op GraphQL run, forge time: %s\n' "$(cat "$T/where")"
awk -v g="$med" -v n="$N" -v r="$rest_ms" -v rn="$REST_N" 'BEGIN {
	printf "per target: GraphQL %.2f ms, REST %.2f ms (%.0fx)\n", g / n, r / rn, (r / rn) / (g / n) }'
