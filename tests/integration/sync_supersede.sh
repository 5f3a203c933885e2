#!/bin/bash
# One open sync PR per target: a target with two older open sync PRs (one
# of them go-broadcast's, found by its branch name and metadata block) ends
# with exactly one; the others are closed with a comment naming it, their
# branches deleted unless someone else committed on them (or
# --keep-branches); three consecutive runs with source changes in between
# leave that one PR open.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main shared.txt "shared v1"
seed_targets main acme/t acme/u

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
      - repo: acme/t
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/u
        files: [{src: shared.txt, dest: shared.txt}]
EOF2

# post PATH JSON: POST to the forge's REST API with the test token.
post() {
	python3 -c 'import sys, urllib.request
r = urllib.request.Request(sys.argv[1], data=sys.argv[3].encode(), method="POST",
    headers={"Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json"})
sys.stdout.write(urllib.request.urlopen(r, timeout=10).read().decode())' \
	    "http://127.0.0.1:$PORT/api/v3$1" "$(cat "$T/token")" "$2"
}

# old_pr REPO BRANCH WHO BODY: a branch with one commit on main by WHO
# ("Dev" is the sync's own identity here) and an open PR for it.
old_pr() {
	local repo=$1 br=$2 who=$3 body=$4 w=$T/w/old-$RANDOM
	git clone -q "$T/forge/$repo.git" "$w"
	echo "old sync of $br" > "$w/shared.txt"
	git -C "$w" add -A
	GIT_COMMITTER_NAME=$who GIT_COMMITTER_EMAIL=$(echo "$who" | tr A-Z a-z)@example.com \
	    git -C "$w" commit -qm "sync: update files from acme/source"
	git -C "$w" push -q origin "HEAD:refs/heads/$br"
	post "/repos/$repo/pulls" "$(python3 -c 'import json,sys
print(json.dumps({"title": "[Sync] old", "head": sys.argv[1], "base": "main",
                  "body": sys.argv[2]}))' "$br" "$body")" > /dev/null
}
open_prs() { api "/repos/$1/pulls" | pj 'sorted(p["number"] for p in d)'; }
branches() { git -C "$T/forge/$1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/; }

# acme/t: go-broadcast's PR (its metadata block) from a sync, and a newer
# repocast-style one without a block (the branch scope decides) by Dev
GB='<!-- go-broadcast-metadata
sync_metadata:
  source_repo: acme/source
  source_commit: 0123456789abcdef0123456789abcdef01234567
  target_repo: acme/t
-->'
old_pr acme/t chore/sync-files-t-20240101-000000-0123456 Other "$GB"
old_pr acme/t chore/sync-files-t-20240102-000000-0123456 Dev "old body"
# acme/u: two old PRs, both the sync's own commits; --keep-branches keeps them
old_pr acme/u chore/sync-files-u-20240101-000000-0123456 Dev "old body"
old_pr acme/u chore/sync-files-u-20240102-000000-0123456 Dev "old body"
[ "$(open_prs acme/t)" = "[1, 2]" ] || fail "setup: t PRs $(open_prs acme/t)"

rsync_run acme/t > "$T/out" 2>&1 || { cat "$T/out"; fail "run 1 failed"; }
cat "$T/out"
rep=$(last_report)
[ "$(outcome "$rep" acme/t)" = pushed ] || fail "t not pushed"
# the newest PR (#2, repocast's commit) is reused; go-broadcast's #1 closed
[ "$(open_prs acme/t)" = "[2]" ] || fail "t: open PRs $(open_prs acme/t), want [2]"
api /repos/acme/t/pulls/1 | pjt 'd["state"] == "closed"' || fail "t: #1 not closed"
api /repos/acme/t/issues/1/comments | pjt 'any("superseded by #2" in c["body"] for c in d)' ||
    fail "t: #1 has no comment naming #2"
# #1's branch has another's commit: kept, and said so
branches acme/t | grep -q 20240101 || fail "t: a branch with another's commit was deleted"
grep -q "acme/t.*closed superseded PR #1 (branch .* kept" "$T/out" || fail "t: summary"
pjt '"closed superseded PR #1" in [x for x in d["targets"] if x["name"] == "acme/t"][0]["note"]' \
    "$rep" || fail "t: report note"

# three runs with a source change before each: still exactly #2
for v in 2 3 4; do
	echo "shared v$v" > "$T/w/source/shared.txt"
	push_work acme/source main
	rsync_run acme/t > "$T/out" 2>&1 || { cat "$T/out"; fail "run v$v failed"; }
	[ "$(open_prs acme/t)" = "[2]" ] || fail "after v$v: t open PRs $(open_prs acme/t)"
	br=$(api /repos/acme/t/pulls/2 | pj 'd["head"]["ref"]')
	git -C "$T/forge/acme/t.git" show "$br:shared.txt" | grep -q "shared v$v" ||
	    fail "after v$v: the open PR does not carry it"
done

# acme/u with --keep-branches: #1 closed, both branches stay
rsync_run --keep-branches acme/u > "$T/out" 2>&1 || { cat "$T/out"; fail "u run failed"; }
[ "$(open_prs acme/u)" = "[2]" ] || fail "u: open PRs $(open_prs acme/u)"
[ "$(branches acme/u | wc -l)" -eq 2 ] || fail "u: --keep-branches deleted a branch"
# a newer duplicate of u without --keep-branches: the newest that can be
# updated (#3, the sync's own commit) is reused, #2 closed and its branch
# (only the sync's own commit) deleted
old_pr acme/u chore/sync-files-u-20240103-000000-0123456 Dev "old body"
rsync_run acme/u > "$T/out" 2>&1 || { cat "$T/out"; fail "u run 2 failed"; }
cat "$T/out"
[ "$(open_prs acme/u)" = "[3]" ] || fail "u: open PRs $(open_prs acme/u), want [3]"
branches acme/u | grep -q 20240102 && fail "u: superseded #2's branch kept"
branches acme/u | grep -q 20240101 || fail "u: the branch --keep-branches kept is gone"
fsck_all
echo "sync_supersede: ok"
