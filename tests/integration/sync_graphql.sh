#!/bin/bash
# Batched discovery over GraphQL (docs/github.md, "GraphQL"). Two copies
# of the same targets, rest-* synced with repocast.api.graphql: off and
# gql-* with the default (auto), give the same report and status, run for
# run: a first sync (a PR opened, one in step, a configured base branch,
# a missing branch, a missing repository, a duplicate sync PR to close)
# and a no-op resync. The GraphQL runs send one query per graphql_batch
# targets and no REST request for the targets a query settled. A GraphQL
# endpoint that answers 404, or a token without the scope
# (INSUFFICIENT_SCOPES), is said in one log line and the run goes on over
# REST with the same results.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start
LOG=$T/forge/.forge/requests.log

make_repo acme/source main shared.txt "shared v1"

# set PREFIX: the same six targets under PREFIX-*
set_up() {
	local p=$1 w
	seed_targets main "acme/$p-a"                           # pushed: a new PR
	make_repo "acme/$p-b" main shared.txt "shared v1"      # up_to_date
	seed_targets main "acme/$p-c"                           # base develop, pushed
	git -C "$T/forge/acme/$p-c.git" branch develop main
	seed_targets main "acme/$p-d"                           # base nope: failed
	seed_targets main "acme/$p-e"                           # three sync PRs: two closed
	for br in "chore/sync-files-$p-e-20240101-000000-0123456" \
	    "chore/sync-files-$p-e-20231231-000000-0123456" \
	    "chore/sync-files-$p-e-20240102-000000-0123456"; do
		w=$T/w/old-$RANDOM
		git clone -q "$T/forge/acme/$p-e.git" "$w"
		echo "old sync of $br" > "$w/shared.txt"
		git -C "$w" add -A
		git -C "$w" commit -qm "sync: update files from acme/source"
		git -C "$w" push -q origin "HEAD:refs/heads/$br"
		post "/repos/acme/$p-e/pulls" "{\"title\": \"[Sync] old\", \"head\": \"$br\", \"base\": \"main\", \"body\": \"old body\"}" > /dev/null
	done
}
post() {
	python3 -c 'import sys, urllib.request
r = urllib.request.Request(sys.argv[1], data=sys.argv[3].encode(), method="POST",
    headers={"Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json"})
sys.stdout.write(urllib.request.urlopen(r, timeout=10).read().decode())' \
	    "http://127.0.0.1:$PORT/api/v3$1" "$(cat "$T/token")" "$2"
}
set_up rest
set_up gql

# config PREFIX GRAPHQL: the config of PREFIX's targets at $T/PREFIX.yaml
config() {
	local p=$1
	write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0, graphql: $2, graphql_batch: 2}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/$p-a
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/$p-b
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/$p-c
        branch: develop
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/$p-d
        branch: nope
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/$p-e
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/$p-missing
        files: [{src: shared.txt, dest: shared.txt}]
EOF2
	mv "$T/sync.yaml" "$T/$p.yaml"
}
config rest off
config gql auto

# run NAME PREFIX [ARGS]: a sync of PREFIX's targets; its report is
# $T/NAME.json (names and texts with PREFIX- made X-), its forge requests
# $T/NAME.req, its output $T/NAME.out. A run with failed targets exits 1.
run() {
	local name=$1 p=$2 before rc=0
	shift 2
	before=$(wc -l < "$LOG")
	"$RC" sync -c "$T/$p.yaml" --token-file "$T/token" --report-dir "$T/runs-$name" \
	    --no-progress --confirm-scope 6 "$@" > "$T/$name.out" 2>&1 || rc=$?
	[ "$rc" -le 1 ] || { cat "$T/$name.out"; fail "$name: sync exit $rc"; }
	tail -n +$((before + 1)) "$LOG" > "$T/$name.req"
	python3 - "$T/runs-$name"/*/report.json "$p" > "$T/$name.json" <<'EOF2'
import json, re, sys
d = json.load(open(sys.argv[1]))
p = sys.argv[2]
def norm(v):
    return None if v is None else re.sub(r"\b%s-" % p, "X-", re.sub(r":\d+/", ":PORT/", str(v)))
out = []
for t in d["targets"]:
    pr = t.get("pr_url")
    res = t.get("result") or {}
    out.append({"name": norm(t["name"]), "outcome": t["outcome"], "cause": t.get("cause"),
                "error": norm(t.get("error")), "skipped": t.get("skipped"),
                "pr_number": pr and pr.rsplit("/", 1)[1], "pr": t.get("pr"),
                "files": [res.get(k) for k in ("added", "changed", "deleted")]})
print(json.dumps(out, indent=1, sort_keys=True))
EOF2
}
same() {  # same A B: the two normalised reports are equal
	diff -u "$T/$1.json" "$T/$2.json" || fail "$1 and $2 differ"
}
# requests NAME REGEX: how many of NAME's forge requests have a path matching REGEX
requests() {
	python3 -c 'import json,re,sys
print(sum(1 for l in open(sys.argv[1]) if re.search(sys.argv[2], json.loads(l)["path"])))' \
	    "$T/$1.req" "$2"
}
open_prs() { api "/repos/$1/pulls" | pj 'sorted(p["number"] for p in d)'; }

# 1. first sync
run rest1 rest
run gql1 gql
same rest1 gql1
pjt '[t["outcome"] for t in d] == ["pushed", "up_to_date", "pushed", "failed", "pushed", "failed"]' \
    "$T/gql1.json" || { cat "$T/gql1.json"; fail "gql1: outcomes"; }
pjt '"not found" in d[5]["error"] and "X-missing" in d[5]["error"]' "$T/gql1.json" ||
    fail "gql1: the missing repository's error: $(cat "$T/gql1.json")"
# supersede: the newer old PR is reused, the other closed, in both copies
[ "$(open_prs acme/rest-e)" = "[3]" ] || fail "rest-e: open PRs $(open_prs acme/rest-e)"
[ "$(open_prs acme/gql-e)" = "[3]" ] || fail "gql-e: open PRs $(open_prs acme/gql-e)"
# and the other two are closed in the same order (the PR list's, newest first)
closes() {
	python3 -c 'import json,re,sys
print(" ".join(m.group(1) for m in (re.search(sys.argv[2], json.loads(l)["path"])
                                    for l in open(sys.argv[1])) if m))' \
	    "$T/$1.req" "^/api/v3/repos/acme/$2-e/issues/([0-9]+)/comments$"
}
[ "$(closes rest1 rest)" = "$(closes gql1 gql)" ] && [ -n "$(closes gql1 gql)" ] ||
    fail "closing order: REST $(closes rest1 rest), GraphQL $(closes gql1 gql)"
# 6 targets, 2 a query: 3 queries; REST only for the two targets a query
# could not settle (the missing branch and the missing repository)
[ "$(requests gql1 '^/api/graphql$')" = 3 ] || { cat "$T/gql1.req"; fail "gql1: graphql queries"; }
[ "$(requests rest1 '^/api/graphql$')" = 0 ] || fail "rest1: a graphql request with graphql: off"
for x in a b c e; do
	[ "$(requests gql1 "^/api/v3/repos/acme/gql-$x(/git/ref/|/pulls\\?|\$)")" = 0 ] ||
	    { grep "gql-$x" "$T/gql1.req"; fail "gql1: REST discovery for gql-$x"; }
done
[ "$(requests gql1 '^/api/v3/repos/acme/gql-missing$')" = 1 ] || fail "gql1: no REST for gql-missing"
[ "$(requests gql1 '^/api/v3/repos/acme/gql-d$')" = 1 ] || fail "gql1: no REST for gql-d"
python3 -c 'import json,sys
q = [json.loads(l) for l in open(sys.argv[1])]
q = [r for r in q if r["path"] == "/api/graphql"]
assert [r["graphql"]["repositories"] for r in q] == [2, 2, 2], q
assert all(r["graphql"]["operation"] == "query" and r["status"] == 200 for r in q), q' \
    "$T/gql1.req" || fail "gql1: queries not batched by 2"

# 2. no-op resync: every target skipped or failed as before, same report
sleep 1
run rest2 rest
run gql2 gql
same rest2 gql2
pjt 'all(t["skipped"] for t in d if t["outcome"] != "failed")' "$T/gql2.json" ||
    fail "gql2: not skipped: $(cat "$T/gql2.json")"
[ "$(requests gql2 '^/api/graphql$')" = 3 ] || fail "gql2: graphql queries"
# the skip check's branch head came with the query: no REST ref GET
[ "$(requests gql2 '^/api/v3/repos/acme/gql-[abce]')" = 0 ] ||
    { cat "$T/gql2.req"; fail "gql2: REST requests for settled targets"; }
total_rest=$(requests rest2 '^/api/v3/')
total_gql=$(requests gql2 '^/api/')
echo "no-op resync of 6 targets: $total_rest REST requests with graphql: off, $total_gql with auto"
[ "$total_gql" -lt "$total_rest" ] || fail "gql2: $total_gql requests, REST $total_rest"

# 3. status reads the same
for p in rest gql; do
	"$RC" status -c "$T/$p.yaml" --token-file "$T/token" 2>"$T/status-$p.err" |
	    sed -e "s/\\b$p-/X-/g" -e 's/:[0-9][0-9]*\//:PORT\//g' |
	    awk '{ print $1, $2, $3, $4, $5, $(NF - 1), $NF }' > "$T/status-$p.out" || true
	# (the last sync's commit and time are the branch's own: they differ)
done
diff -u "$T/status-rest.out" "$T/status-gql.out" || fail "status differs"
grep -q "X-e" "$T/status-gql.out" || fail "status: $(cat "$T/status-gql.out")"

# fault RULE: one forge fault rule (JSON)
fault() {
	python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
    method=sys.argv[3]), timeout=10).read()' "http://127.0.0.1:$PORT/_forge/faults" "${1:-}" \
	    "${2:-POST}"
}
# 4. no GraphQL at the endpoint (404): one line, then REST, same report
fault '{"kind":"status","status":404,"path":"^/api/graphql$","count":100}'
sleep 1
run gql404 gql --no-skip
fault '' DELETE
run rest404 rest --no-skip
same rest404 gql404
[ "$(requests gql404 '^/api/graphql$')" = 1 ] || fail "gql404: GraphQL asked again after a 404"
[ "$(grep -c "GraphQL at .*404.*discovery uses the REST API" "$T/gql404.out")" = 1 ] ||
    { cat "$T/gql404.out"; fail "gql404: the fallback not said once"; }
[ "$(requests gql404 '^/api/v3/repos/acme/gql-a$')" = 1 ] || fail "gql404: no REST discovery"

# 5. a token without the scope: data null, INSUFFICIENT_SCOPES
fault '{"kind":"status","status":200,"path":"^/api/graphql$","count":100,"body":{"data":null,"errors":[{"type":"INSUFFICIENT_SCOPES","locations":[{"line":1,"column":1}],"message":"Your token has not been granted the required scopes to execute this query."}]}}'
sleep 1
run gqlscope gql
fault '' DELETE
run restscope rest
same restscope gqlscope
[ "$(requests gqlscope '^/api/graphql$')" = 1 ] || fail "gqlscope: GraphQL asked again"
[ "$(grep -c "INSUFFICIENT_SCOPES.*discovery uses the REST API" "$T/gqlscope.out")" = 1 ] ||
    { cat "$T/gqlscope.out"; fail "gqlscope: the fallback not said once"; }
pjt 'all(t["skipped"] for t in d if t["outcome"] != "failed")' "$T/gqlscope.json" ||
    fail "gqlscope: the skip cache did not answer over REST"

# 6. GraphQL's points spent: the preflight says so and discovery goes over REST
python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
    method="POST"), timeout=10).read()' "http://127.0.0.1:$PORT/_forge/ratelimit" \
    '{"resource": "graphql", "remaining": 0, "reset_in": 3600}'
sleep 1
run gqlpoints gql
same restscope gqlpoints
[ "$(requests gqlpoints '^/api/graphql$')" = 0 ] || fail "gqlpoints: a query with no points left"
grep -q "rate-limit preflight: GraphQL: 3 queries planned vs 0 points available (0 remaining): discovery uses the REST API" \
    "$T/gqlpoints.out" || { cat "$T/gqlpoints.out"; fail "gqlpoints: preflight"; }
grep -q "rate-limit preflight: GraphQL: 3 queries of 2 targets planned (1 point each) vs [0-9]* points remaining: ok" \
    "$T/gql2.out" || { cat "$T/gql2.out"; fail "gql2: no GraphQL preflight line"; }
echo ok
