#!/bin/bash
# Pull requests are opened while the workers are still running (DESIGN §4:
# pushes never wait for the PR pace), and an interrupt in the middle
# leaves no target stuck.
#   1. --jobs 1, 4 targets, every git-receive-pack held 1 s by the forge:
#      the first POST /pulls arrives before the last target's push starts
#      (PRs after all the workers would come after every push).
#   2. --jobs 1, 6 targets, pushes held 1 s, one PR creation a minute: an
#      interrupt after a few pushes stops the run at once (exit 130, no
#      minute-long wait); every sync branch on the forge then either has
#      its open PR or its target is reported cancelled naming that branch;
#      the next run (pace off) leaves every target with one open sync PR.
#   3. discovery beside the workers: a worker reaches the forge before the
#      last GraphQL query of its group.
#   4. an interrupt during discovery: exit 130 at once, the targets not
#      discovered are cancelled with nothing pushed.
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
  api: $api
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

# fault JSON: add a fault rule to the forge.
fault() {
	python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
urllib.request.urlopen(req, timeout=10).read()' "http://127.0.0.1:$PORT/_forge/faults" "$1"
}

mark() {
	python3 -c 'import json,sys
print(max([json.loads(l)["seq"] for l in open(sys.argv[1])] or [0]))' "$T/forge/.forge/requests.log"
}

# since SEQ: "KIND T END PATH" for the pushes (push) and PR creations (pr)
# after seq SEQ, by arrival; END is when the forge had answered.
since() {
	python3 -c 'import json,sys
rs = [json.loads(l) for l in open(sys.argv[1])]
for r in sorted((r for r in rs if r["seq"] > int(sys.argv[2])), key=lambda r: r["t"]):
    if r["method"] == "POST" and r["path"].endswith("/git-receive-pack"):
        k = "push"
    elif r["method"] == "POST" and r["path"].endswith("/pulls"):
        k = "pr"
    else:
        continue
    print(k, "%.3f" % r["t"], "%.3f" % (r["t"] + r.get("ms", 0) / 1000.0), r["path"])' \
	    "$T/forge/.forge/requests.log" "$1"
}

# 1. PRs while the workers run.
seed_targets main acme/a1 acme/a2 acme/a3 acme/a4
config "{write_interval: 0}" acme/a1 acme/a2 acme/a3 acme/a4
fault '{"kind": "delay", "method": "POST", "path": "/git-receive-pack$", "delay_ms": 1000, "count": 4}'
m=$(mark)
rsync_run --jobs 1 > "$T/out" 2>&1 || { cat "$T/out"; fail "run 1 failed"; }
since "$m" > "$T/s1"
cat "$T/s1"
[ "$(grep -c '^push ' "$T/s1")" -eq 4 ] || fail "expected 4 pushes"
[ "$(grep -c '^pr ' "$T/s1")" -eq 4 ] || fail "expected 4 PR creations"
first_pr=$(awk '$1 == "pr" { print $2; exit }' "$T/s1")
last_push=$(awk '$1 == "push" { t = $2 } END { print t }' "$T/s1")
python3 -c "import sys; sys.exit(0 if $first_pr < $last_push else 1)" ||
    fail "the first PR ($first_pr) came after the last push started ($last_push): PRs waited for the workers"
for n in 1 2 3 4; do
	[ "$(api "/repos/acme/a$n/pulls" | pj 'len(d)')" = 1 ] || fail "acme/a$n: no open PR"
done
echo "pipelined: first PR at $first_pr, last push at $last_push"

# 2. An interrupt between pushes and their PRs.
targets="acme/b1 acme/b2 acme/b3 acme/b4 acme/b5 acme/b6"
# shellcheck disable=SC2086
seed_targets main $targets
# shellcheck disable=SC2086
config "{write_interval: 0, creates_per_minute: 1, creates_per_hour: 0}" $targets
fault '{"kind": "delay", "method": "POST", "path": "/git-receive-pack$", "delay_ms": 1000, "count": 6}'
m=$(mark)
start=$(date +%s)
"$RC" sync -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs" --jobs 1 \
    --no-progress --confirm-scope 6 --ignore-rate-limit-preflight > "$T/out" 2>&1 &
pid=$!
# Wait until three pushes are done: the first PR is open, the next two wait
# for the per-minute pace.
for i in $(seq 1 200); do
	kill -0 "$pid" 2>/dev/null || { cat "$T/out"; fail "the run ended before the interrupt"; }
	[ "$(since "$m" | grep -c '^push ')" -ge 3 ] && break
	sleep 0.05
done
sleep 0.3
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
cat "$T/out"
[ "$rc" -eq 130 ] || fail "exit $rc, want 130"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the interrupt waited for the PR pace"
rep=$(last_report)
pjt 'd["run"]["interrupted"] is True' "$rep" || fail "report: not interrupted"
npr=0
nleft=0
for t in $targets; do
	n=${t#*/}
	open=$(api "/repos/$t/pulls" | pj 'len(d)')
	for b in $(git -C "$T/forge/$t.git" for-each-ref --format='%(refname:short)' refs/heads/ |
	    grep -v '^main$'); do
		if [ "$open" = 1 ]; then
			npr=$((npr + 1))
			continue
		fi
		# No PR: the target is cancelled; when its worker had finished the
		# push, the report names the branch (a worker stopped during its
		# push may have left one too: cancelled, the next run is the same).
		[ "$(outcome "$rep" "$t")" = cancelled ] || fail "$t: branch $b without a PR, outcome $(outcome "$rep" "$t")"
		err=$(pj '[x for x in d["targets"] if x["name"] == "'"$t"'"][0]["error"]' "$rep")
		case $err in
		"pushed branch '$b', but the run was interrupted before its pull request (the next run opens one)"*)
			nleft=$((nleft + 1)) ;;
		"the run was interrupted") ;;
		*) fail "$t: branch $b without a PR: $err" ;;
		esac
	done
	echo "$n: open PRs $open"
done
[ "$npr" -ge 1 ] || fail "no PR was opened before the interrupt"
[ "$nleft" -ge 1 ] || fail "no pushed branch was left waiting for its PR (the test did not interrupt in the middle)"
# Nothing is recorded in the skip cache for a target left without its PR.
sleep 1  # one-second run ids
config "{write_interval: 0, creates_per_minute: 0, creates_per_hour: 0}" $targets
rsync_run --jobs 2 --confirm-scope 6 > "$T/out" 2>&1 || { cat "$T/out"; fail "the next run failed"; }
rep=$(last_report)
for t in $targets; do
	[ "$(api "/repos/$t/pulls" | pj 'len(d)')" = 1 ] ||
	    fail "$t: not one open PR after the next run ($(outcome "$rep" "$t"))"
	[ "$(git -C "$T/forge/$t.git" show main:SHARED.md 2>/dev/null)" = "" ] || fail "$t: main changed"
done
echo "interrupted: $npr branches with their PR, $nleft left for the next run, which opened them"

# 3. Discovery beside the workers (discq.c): 6 targets, one GraphQL query
# each (graphql_batch: 1), every query held 500 ms: the first target's
# worker is at the forge (its first git request) before the last query
# arrives; discovering everything first would put every target's git
# request after the last query.
dtargets="acme/d0 acme/d1 acme/d2 acme/d3 acme/d4 acme/d5"
seed_targets main $dtargets
config "{write_interval: 0, graphql_batch: 1}" $dtargets
fault '{"kind": "delay", "method": "POST", "path": "^/api/graphql$", "delay_ms": 500, "count": 6}'
m=$(mark)
rsync_run --jobs 2 --confirm-scope 6 > "$T/out" 2>&1 || { cat "$T/out"; fail "run 3 failed"; }
rep=$(last_report)
for t in $dtargets; do
	[ "$(outcome "$rep" "$t")" = pushed ] || fail "run 3: $t: $(outcome "$rep" "$t")"
done
read -r nq first_git last_q <<< "$(python3 -c 'import json,sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs = [r for r in rs if r["seq"] > int(sys.argv[2])]
q = [r["t"] for r in rs if r["path"] == "/api/graphql"]
g = [r["t"] for r in rs if r["path"].startswith("/git/acme/d")]
print(len(q), "%.3f" % min(g), "%.3f" % max(q))' "$T/forge/.forge/requests.log" "$m")"
echo "discovery: $nq queries, the first target git request at $first_git, the last query at $last_q"
[ "$nq" = 6 ] || fail "run 3: $nq GraphQL queries, want 6"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)' \
    "$first_git" "$last_q" || fail "run 3: no worker reached the forge before the last query"

# 4. An interrupt during that discovery: 6 more targets, each query held
# 1 s, SIGINT after the first answer: the run ends at once (exit 130),
# the targets not discovered yet are cancelled and have no sync branch.
etargets="acme/e0 acme/e1 acme/e2 acme/e3 acme/e4 acme/e5"
seed_targets main $etargets
config "{write_interval: 0, graphql_batch: 1}" $etargets
fault '{"kind": "delay", "method": "POST", "path": "^/api/graphql$", "delay_ms": 1000, "count": 6}'
"$RC" sync -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs" --jobs 2 \
    --no-progress --confirm-scope 6 > "$T/out" 2>&1 &
pid=$!
sleep 1.6
t0=$(date +%s%N)
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
took=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 130 ] || { cat "$T/out"; fail "run 4: exit $rc, want 130"; }
[ "$took" -lt 5000 ] || fail "run 4: $took ms from SIGINT to exit"
rep=$(last_report)
ncancel=0
for t in $etargets; do
	o=$(outcome "$rep" "$t")
	case $o in
	pushed) ;;
	cancelled)
		ncancel=$((ncancel + 1))
		[ "$(api "/repos/$t/pulls" | pj 'len(d)')" = 0 ] || fail "run 4: $t cancelled with a PR"
		;;
	*) fail "run 4: $t: $o" ;;
	esac
done
[ "$ncancel" -ge 3 ] || fail "run 4: $ncancel targets cancelled, want the ones not discovered"
git -C "$T/forge/acme/e5.git" for-each-ref refs/heads/chore | grep -q . &&
    fail "run 4: e5 (never discovered) has a sync branch"
echo "interrupted discovery: exit 130 after $took ms, $ncancel of 6 cancelled"
echo "sync_pipeline: ok"
