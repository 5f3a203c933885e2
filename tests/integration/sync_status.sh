#!/bin/bash
# repocast status: per target synced / pending / outdated / error, matching
# the forge's state, with the source commit and the last sync; exit 1 when
# a target is outdated or in error; it writes nothing (no API write, no
# run directory).
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main shared.txt "shared v1"
seed_targets main acme/a acme/b acme/c

write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/b
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/c
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/missing
        files: [{src: shared.txt, dest: shared.txt}]
EOF2

rstatus() {
	(cd "$T" && "$RC" status -c "$T/sync.yaml" --token-file "$T/token" "$@")
}
# state JSON NAME: the state status --json gave NAME
state() { pj "[t for t in d['targets'] if t['name'] == '$2'][0]['state']" "$1"; }
loglen() { wc -l < "$T/forge/.forge/requests.log"; }

# --- before any sync: outdated, and the missing repo in error; exit 1
l=$(loglen)
set +e
rstatus --json > "$T/s.json" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$T/s.json" "$T/err"; fail "status before sync: exit $rc, want 1"; }
for n in a b c; do
	[ "$(state "$T/s.json" acme/$n)" = outdated ] || fail "$n: not outdated before a sync"
done
[ "$(state "$T/s.json" acme/missing)" = error ] || fail "missing: not error"
pjt '"not found" in [t for t in d["targets"] if t["name"] == "acme/missing"][0]["error"]' \
    "$T/s.json" || fail "missing: the error does not say why"
src=$(git -C "$T/forge/acme/source.git" rev-parse main)
pjt 'all(t["source_commit"] == "'"$src"'" for t in d["targets"] if t["name"] != "acme/missing")' \
    "$T/s.json" || fail "source commit"
pjt 'd["counts"] == {"synced": 0, "pending": 0, "outdated": 3, "error": 1}' "$T/s.json" ||
    fail "counts: $(pj 'd["counts"]' "$T/s.json")"
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
[ -z "$(writes_in "$T/slice")" ] || fail "status wrote: $(writes_in "$T/slice")"
[ ! -e "$T/.repocast" ] || fail "status made a run directory"

# --- after a sync: pending, with the PR the forge has open
set +e
rsync_run --confirm-scope 4 > "$T/out" 2>&1
set -e
rstatus --json acme/a acme/b acme/c > "$T/s.json" || fail "status after sync: want exit 0"
for n in a b c; do
	[ "$(state "$T/s.json" acme/$n)" = pending ] || fail "$n: not pending after a sync"
	want=$(api /repos/acme/$n/pulls | pj 'd[0]["number"]')
	head=$(api /repos/acme/$n/pulls | pj 'd[0]["head"]["sha"]')
	pjt '[t for t in d["targets"] if t["name"] == "acme/'$n'"][0]["pr"]["number"] == '"$want" \
	    "$T/s.json" || fail "$n: PR number differs from the forge's"
	pjt '(lambda t: t["last_sync"]["open"] and t["last_sync"]["commit"] == "'"$head"'")([t for t in d["targets"] if t["name"] == "acme/'$n'"][0])' \
	    "$T/s.json" || fail "$n: last sync is not the open PR's head"
done

# --- c's PR merged by hand: synced; after a sync closes the stale PR the
# last sync is that closed PR
cbr=$(git -C "$T/forge/acme/c.git" for-each-ref --format='%(refname)' refs/heads/chore/)
chead=$(git -C "$T/forge/acme/c.git" rev-parse "$cbr")
git -C "$T/forge/acme/c.git" update-ref refs/heads/main "$cbr"
rstatus --json acme/c > "$T/s.json" || fail "status c: exit"
[ "$(state "$T/s.json" acme/c)" = synced ] || fail "c: not synced after the merge"
rsync_run acme/c > "$T/out" 2>&1 || { cat "$T/out"; fail "sync c failed"; }
rstatus --json acme/c > "$T/s.json" || fail "status c: exit"
pjt 'd["targets"][0]["pr"] is None and d["targets"][0]["last_sync"]["open"] is False and d["targets"][0]["last_sync"]["commit"] == "'"$chead"'"' \
    "$T/s.json" || { cat "$T/s.json"; fail "c: last sync is not the closed PR's"; }

# --- the source moves on: a and b outdated (their PRs behind), exit 1
echo "shared v2" > "$T/w/source/shared.txt"
push_work acme/source main
set +e
rstatus acme/a acme/b acme/c > "$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
[ "$rc" -eq 1 ] || fail "outdated: exit $rc, want 1"
grep -Eq '^g +acme/a +outdated +#1 ' "$T/out" || fail "table: a outdated with its PR"
grep -Eq '^g +acme/c +outdated +- ' "$T/out" || fail "table: c outdated"
grep -q "^3 targets: 0 synced, 0 pending, 3 outdated, 0 error" "$T/out" || fail "table: totals"
# --shard: the two shards' targets are disjoint and cover every target
set +e
rstatus --json --shard 0/2 acme/a acme/b acme/c > "$T/s0.json" 2>/dev/null
rstatus --json --shard 1/2 acme/a acme/b acme/c > "$T/s1.json" 2>/dev/null
set -e
python3 -c 'import json,sys
a = [t["name"] for t in json.load(open(sys.argv[1]))["targets"]]
b = [t["name"] for t in json.load(open(sys.argv[2]))["targets"]]
assert not set(a) & set(b), (a, b)
assert sorted(a + b) == ["acme/a", "acme/b", "acme/c"], (a, b)' "$T/s0.json" "$T/s1.json" ||
    fail "status --shard: the shards do not partition the targets"
echo "sync_status: ok"
