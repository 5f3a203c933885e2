#!/bin/bash
# Skip without spawning (DESIGN §3): a second run of an unchanged sync
# spawns no worker and moves no git traffic; report.json marks the target
# skipped (attempts 0, no pid). Each of these invalidates the record and
# brings the worker back: --no-skip, a source change, a config change, a
# human push to the base branch, a deleted sync branch, a corrupt record.
# A target with nothing to sync (up_to_date, no PR) is skipped too.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main shared.txt "shared v1"
seed_targets main acme/a
make_repo acme/b main shared.txt "shared v1"

config() {
	write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  jobs: $1
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/b
        files: [{src: shared.txt, dest: shared.txt}]
EOF2
}
config 1
LOG=$T/forge/.forge/requests.log

# run NAME [ARGS]: a sync; its report is $T/NAME.json, the forge requests
# it made are $T/NAME.req.
run() {
	local name=$1 before
	shift
	before=$(wc -l < "$LOG" 2>/dev/null || echo 0)
	# its own report dir: run ids have one-second resolution
	rsync_run --report-dir "$T/runs-$name" "$@" > "$T/$name.out" 2>&1 ||
	    { cat "$T/$name.out"; fail "$name: sync failed"; }
	cp "$T/runs-$name"/*/report.json "$T/$name.json"
	tail -n +$((before + 1)) "$LOG" > "$T/$name.req"
}
# field NAME REPO EXPR: EXPR over target t of REPO in run NAME's report
field() {
	pj "[t for t in d['targets'] if t['name'] == '$2'][0]$3" "$T/$1.json"
}
git_requests() {  # git_requests NAME REPO: smart-HTTP requests for REPO
	grep -c "\"/git/$2.git/" "$T/$1.req" || true
}
expect_skipped() {  # expect_skipped NAME REPO OUTCOME
	[ "$(field "$1" "$2" "['skipped']")" = true ] || { cat "$T/$1.json"; fail "$1: $2 not skipped"; }
	[ "$(field "$1" "$2" "['outcome']")" = "$3" ] || fail "$1: $2 outcome $(field "$1" "$2" "['outcome']"), want $3"
	[ "$(field "$1" "$2" "['attempts']")" = 0 ] || fail "$1: $2 attempts"
	[ "$(field "$1" "$2" "['pid']")" = 0 ] || fail "$1: $2 has a pid"
	[ "$(git_requests "$1" "$2")" = 0 ] || { cat "$T/$1.req"; fail "$1: git traffic for $2"; }
}
expect_worker() {  # expect_worker NAME REPO OUTCOME
	[ "$(field "$1" "$2" "['skipped']")" = false ] || fail "$1: $2 was skipped"
	[ "$(field "$1" "$2" "['outcome']")" = "$3" ] || { cat "$T/$1.out"; fail "$1: $2 outcome $(field "$1" "$2" "['outcome']"), want $3"; }
	[ "$(field "$1" "$2" "['attempts']")" = 1 ] || fail "$1: $2 attempts"
	[ "$(field "$1" "$2" "['pid']")" != 0 ] || fail "$1: $2 has no pid"
}

# 1. first run: a pushes (new PR), b is already in step
run r1
expect_worker r1 acme/a pushed
expect_worker r1 acme/b up_to_date
[ -n "$(ls "$T"/cache/repocast/state/skip-*.txt)" ] || fail "no skip records written"

# 2. unchanged: no worker, no git traffic, no writes
run r2
expect_skipped r2 acme/a pending_current
expect_skipped r2 acme/b up_to_date
# the only git traffic is the source's, once per run (not per target)
grep '"/git/' "$T/r2.req" | grep -v '"/git/acme/source.git/' && fail "r2: target git traffic"
[ -z "$(writes_in "$T/r2.req")" ] || fail "r2: writes: $(writes_in "$T/r2.req")"
pjt 'd["totals"]["skipped"] == 2 and d["totals"]["attempts"] == 0' "$T/r2.json" ||
    fail "r2: totals"
[ "$(field r2 acme/a "['pr_url']")" != None ] || fail "r2: a lost its PR url"
[ "$(field r2 acme/a "['result']['branch']")" = "$(field r1 acme/a "['result']['branch']")" ] ||
    fail "r2: a's branch"
grep -q "acme/a .*pending_current" "$T/r2.out" || fail "r2: summary"

# 3. --no-skip and --force: workers, same outcomes
run r3 --no-skip
expect_worker r3 acme/a pending_current
expect_worker r3 acme/b up_to_date
run r3f --force
expect_worker r3f acme/a pending_current
# The summary shows what the PR carries either way (the same counts against
# the base), and says when a target was answered from the cache.
files_of() {  # files_of NAME REPO: the summary's VS BASE column
	awk -v r="$2" '$1 == r { print $3 }' "$T/$1.out"
}
grep -q "^TARGET .*VS BASE +/~/-" "$T/r2.out" || fail "summary header: $(cat "$T/r2.out")"
[ "$(files_of r3 acme/a)" = 1/0/0 ] || fail "r3: a's files $(files_of r3 acme/a), want 1/0/0"
[ "$(files_of r2 acme/a)" = "$(files_of r3 acme/a)" ] ||
	fail "cached a shows $(files_of r2 acme/a), a worker $(files_of r3 acme/a)"
pjt '[t["result"]["added"] for t in d["targets"] if t["name"] == "acme/a"] == [1]' "$T/r2.json" ||
	fail "r2: the report's counts for the cached a"
grep "^acme/a " "$T/r2.out" | grep -q "(cached: unchanged since the last run, no worker)" ||
	fail "r2: cached not said: $(cat "$T/r2.out")"
grep "^acme/a " "$T/r3.out" | grep -q "cached" && fail "r3: a worker ran but the line says cached"

# 4. a source change: a pushes again, b is now behind too
echo "shared v2" > "$T/w/source/shared.txt"
push_work acme/source main
run r4
expect_worker r4 acme/a pushed
expect_worker r4 acme/b pushed
run r5
expect_skipped r5 acme/a pending_current
expect_skipped r5 acme/b pending_current

# 5. a config change (same mappings, another digest)
config 2
run r6
expect_worker r6 acme/a pending_current
expect_worker r6 acme/b pending_current
run r7
expect_skipped r7 acme/a pending_current

# 6. a human push to a's base branch
echo "human" > "$T/w/a/HUMAN.md"
git -C "$T/w/a" pull -q "$T/forge/acme/a.git" main
push_work acme/a main "human change"
run r8
expect_worker r8 acme/a pushed
expect_skipped r8 acme/b pending_current
run r9
expect_skipped r9 acme/a pending_current

# 7. a's sync branch deleted behind repocast's back (the PR stays open)
br=$(field r9 acme/a "['result']['branch']")
git -C "$T/forge/acme/a.git" branch -D "$br" > /dev/null
run r10
expect_worker r10 acme/a pushed
run r11
expect_skipped r11 acme/a pending_current

# 8. a corrupt record: a miss, not an error
for f in "$T"/cache/repocast/state/skip-*.txt; do echo garbage > "$f"; done
run r12
expect_worker r12 acme/a pending_current
expect_worker r12 acme/b pending_current
run r13
expect_skipped r13 acme/a pending_current

# 9. a dry run reads the record but never writes one
rm -f "$T"/cache/repocast/state/skip-*.txt
run r14 --dry-run
expect_worker r14 acme/a pending_current
[ -z "$(ls "$T"/cache/repocast/state/)" ] || fail "a dry run wrote a skip record"
echo ok
