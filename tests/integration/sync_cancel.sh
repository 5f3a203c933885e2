#!/bin/bash
# repocast cancel: closes every open sync PR of the targets with a comment
# and deletes their sync branches (also one left without a PR); a branch
# with someone else's commit is kept and said so; --dry-run writes
# nothing; --keep-branches; --json; exit 1 when a close fails.
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
EOF2

rcancel() {
	"$RC" cancel -c "$T/sync.yaml" --token-file "$T/token" "$@"
}
control() {
	python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method=sys.argv[3],
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()' "http://127.0.0.1:$PORT$1" "${2:-}" "${3:-POST}"
}
open_prs() { api "/repos/$1/pulls" | pj 'len(d)'; }
branches() { git -C "$T/forge/$1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/; }

rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "sync failed"; }
for n in a b c; do [ "$(open_prs acme/$n)" -eq 1 ] || fail "$n: no PR after sync"; done
# b: a sync branch left without a PR (a run cut off before its PR)
git -C "$T/forge/acme/b.git" branch chore/sync-files-b-20240101-000000-0123456 \
    "$(branches acme/b)"
# c: someone commits on the sync branch
cbr=$(branches acme/c)
git clone -q -b "$cbr" "$T/forge/acme/c.git" "$T/w/c-human"
echo human > "$T/w/c-human/HUMAN.md"
git -C "$T/w/c-human" add -A
GIT_COMMITTER_NAME=Human GIT_COMMITTER_EMAIL=human@example.com git -C "$T/w/c-human" commit -qm human
git -C "$T/w/c-human" push -q origin "$cbr"

# --shard with --dry-run: the two shards name every target once
(rcancel --dry-run --shard 0/2; rcancel --dry-run --shard 1/2) 2>/dev/null |
    grep -o '^acme/[a-z]*:' | sort > "$T/shards"
[ "$(tr '\n' ' ' < "$T/shards")" = "acme/a: acme/b: acme/c: " ] ||
    fail "cancel --shard: the shards do not partition the targets: $(cat "$T/shards")"

# --dry-run: says what it would do, writes nothing
l=$(wc -l < "$T/forge/.forge/requests.log")
rcancel --dry-run > "$T/out" 2>&1 || { cat "$T/out"; fail "dry run failed"; }
cat "$T/out"
grep -q "^acme/a: would be closed #1; branch chore/sync-files-a-.* would be deleted" "$T/out" ||
    fail "dry run: a"
grep -q "^acme/b: .*branches .*chore/sync-files-b-20240101-000000-0123456.* would be deleted" \
    "$T/out" || fail "dry run: b's branch without a PR"
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
[ -z "$(writes_in "$T/slice")" ] || fail "dry run wrote: $(writes_in "$T/slice")"
for n in a b c; do [ "$(open_prs acme/$n)" -eq 1 ] || fail "$n: dry run closed a PR"; done

# cancel, --json
rcancel --json --comment "Stopping the rollout." > "$T/out.json" 2> "$T/err" ||
    { cat "$T/out.json" "$T/err"; fail "cancel failed"; }
cat "$T/out.json"
pjt 'd["failed"] == 0 and not d["dry_run"] and len(d["targets"]) == 3' "$T/out.json" ||
    fail "cancel --json: summary"
pjt '[t for t in d["targets"] if t["name"] == "acme/c"][0]["branches_kept"] == ["'"$cbr"'"]' \
    "$T/out.json" || fail "cancel --json: c's branch not listed as kept"
for n in a b c; do
	[ "$(open_prs acme/$n)" -eq 0 ] || fail "$n: an open sync PR is left"
	api /repos/acme/$n/issues/1/comments | pjt 'any(c["body"] == "Stopping the rollout." for c in d)' ||
	    fail "$n: no --comment text on the PR"
done
[ -z "$(branches acme/a)" ] || fail "a: sync branch left: $(branches acme/a)"
[ -z "$(branches acme/b)" ] || fail "b: sync branch left: $(branches acme/b)"
[ "$(branches acme/c)" = "$cbr" ] || fail "c: the branch with a human commit was deleted"

# again: nothing to do, exit 0
rcancel > "$T/out" 2>&1 || { cat "$T/out"; fail "second cancel failed"; }
grep -q "^acme/a: no open sync pull request or sync branch" "$T/out" || fail "second cancel: a"
grep -q "^acme/c: branch $cbr kept" "$T/out" || fail "second cancel: c"

# --keep-branches, and a failing close: exit 1, named
rsync_run acme/a > "$T/out" 2>&1 || { cat "$T/out"; fail "resync a failed"; }
rsync_run acme/b > "$T/out" 2>&1 || { cat "$T/out"; fail "resync b failed"; }
control /_forge/faults '{"kind": "status", "status": 500, "method": "PATCH", "path": "/repos/acme/b/pulls/", "count": 20}'
set +e
rcancel --keep-branches acme/a acme/b > "$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
[ "$rc" -eq 1 ] || fail "a failed close: exit $rc, want 1"
grep -q "^acme/b: FAILED: " "$T/out" || fail "the failure is not named"
[ "$(open_prs acme/a)" -eq 0 ] || fail "a: not closed next to b's failure"
[ -n "$(branches acme/a)" ] || fail "a: --keep-branches deleted the branch"
control /_forge/faults "" DELETE
echo "sync_cancel: ok"
