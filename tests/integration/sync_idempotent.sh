#!/bin/bash
# Idempotence and incremental change: a second run with no source change
# pushes and writes nothing; one changed source file gives exactly the
# affected targets a new commit on their existing sync branch, replacing
# the old one (one commit on the base head, still one PR each); a merged sync closes the stale PR; human commits on a sync branch
# are never overwritten (new branch + PR instead, the old PR closed as
# superseded with its branch kept).
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main shared.txt "shared v1" other.txt "other v1"
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
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/b
        files: [{src: shared.txt, dest: conf/shared.txt}]
      - repo: acme/c
        files: [{src: other.txt, dest: other.txt}]
EOF2

heads() {
	local n
	for n in a b c; do
		git -C "$T/forge/acme/$n.git" for-each-ref --format="$n %(refname) %(objectname)" refs/heads/
	done
}
npulls() { api "/repos/acme/$1/pulls" | pj 'len(d)'; }
writes_since() { tail -n +"$(( $1 + 1 ))" "$T/forge/.forge/requests.log" > "$T/slice"; 
	writes_in "$T/slice"; }
loglen() { wc -l < "$T/forge/.forge/requests.log"; }

# run 1: everything pushed, one PR each
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "run 1 failed"; }
rep=$(last_report)
for n in a b c; do
	[ "$(outcome "$rep" acme/$n)" = pushed ] || fail "run 1: $n not pushed"
	[ "$(npulls $n)" -eq 1 ] || fail "run 1: $n PRs"
done
heads > "$T/heads1"

# run 2: no change: nothing pushed, nothing written
l=$(loglen)
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "run 2 failed"; }
rep=$(last_report)
for n in a b c; do
	o=$(outcome "$rep" acme/$n)
	[ "$o" = pending_current ] || [ "$o" = up_to_date ] || fail "run 2: $n is $o"
done
heads > "$T/heads2"
diff "$T/heads1" "$T/heads2" || fail "run 2 moved a ref"
w=$(writes_since "$l")
[ -z "$w" ] || fail "run 2 wrote to the forge: $w"

# run 3: shared.txt changes: a and b get a new commit on the same branch, in
# place of the old one
l=$(loglen)
echo "shared v2" > "$T/w/source/shared.txt"
push_work acme/source main
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "run 3 failed"; }
cat "$T/out"
rep=$(last_report)
[ "$(outcome "$rep" acme/a)" = pushed ] || fail "run 3: a not pushed"
[ "$(outcome "$rep" acme/b)" = pushed ] || fail "run 3: b not pushed"
[ "$(outcome "$rep" acme/c)" = pending_current ] || fail "run 3: c not pending_current"
heads > "$T/heads3"
for n in a b; do
	old=$(grep "^$n refs/heads/chore" "$T/heads2")
	new=$(grep "^$n refs/heads/chore" "$T/heads3")
	[ "$(echo "$old" | cut -d' ' -f2)" = "$(echo "$new" | cut -d' ' -f2)" ] ||
	    fail "$n: a new branch instead of the existing one"
	[ "$(echo "$old" | cut -d' ' -f3)" != "$(echo "$new" | cut -d' ' -f3)" ] ||
	    fail "$n: branch not updated"
	[ "$(npulls $n)" -eq 1 ] || fail "run 3: $n has $(npulls $n) PRs"
	br=$(echo "$new" | cut -d' ' -f2)
	# replaced, not added to: one commit, whose parent is the base head
	[ "$(git -C "$T/forge/acme/$n.git" rev-list --count "main..$br")" -eq 1 ] ||
	    fail "$n: the sync branch has more than one commit over main"
	[ "$(git -C "$T/forge/acme/$n.git" rev-parse "$br^")" = \
	    "$(git -C "$T/forge/acme/$n.git" rev-parse main)" ] || fail "$n: parent is not the base head"
	git -C "$T/forge/acme/$n.git" show "$br:$( [ $n = a ] && echo shared.txt || echo conf/shared.txt)" |
	    grep -q "shared v2" || fail "$n content"
done
[ "$(grep '^c ' "$T/heads2")" = "$(grep '^c ' "$T/heads3")" ] || fail "c moved"
# the PR body now names the new source commit
src=$(git -C "$T/forge/acme/source.git" rev-parse main)
api /repos/acme/a/pulls | pj 'd[0]["body"]' | grep -q "$src" || fail "a: PR body not updated"
writes_since "$l" | grep -q "POST /api/v3/repos/acme/.*/pulls$" && fail "run 3 created a PR"

# a human merges c's sync branch: c is up to date, the stale PR is closed
cbr=$(git -C "$T/forge/acme/c.git" for-each-ref --format='%(refname)' refs/heads/chore/)
git -C "$T/forge/acme/c.git" update-ref refs/heads/main "$cbr"
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "run 4 failed"; }
rep=$(last_report)
[ "$(outcome "$rep" acme/c)" = up_to_date ] || fail "run 4: c not up_to_date"
[ "$(npulls c)" -eq 0 ] || fail "run 4: c's stale PR still open"
git -C "$T/forge/acme/c.git" rev-parse -q --verify "$cbr" >/dev/null && fail "stale branch kept"

# a human commits on a's sync branch: the next change goes to a new branch + PR
abr=$(git -C "$T/forge/acme/a.git" for-each-ref --format='%(refname:short)' refs/heads/chore/)
git clone -q -b "$abr" "$T/forge/acme/a.git" "$T/w/a-human"
echo "human" > "$T/w/a-human/HUMAN.md"
git -C "$T/w/a-human" add -A && git -C "$T/w/a-human" commit -qm human
git -C "$T/w/a-human" push -q origin "$abr"
human=$(git -C "$T/forge/acme/a.git" rev-parse "$abr")
sleep 1   # a new branch name needs a new timestamp second
echo "shared v3" > "$T/w/source/shared.txt"
push_work acme/source main
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "run 5 failed"; }
cat "$T/out"
[ "$(git -C "$T/forge/acme/a.git" rev-parse "$abr")" = "$human" ] || fail "human commit overwritten"
[ "$(git -C "$T/forge/acme/a.git" for-each-ref refs/heads/chore/ | wc -l)" -eq 2 ] ||
    fail "no new branch for a"
# one open sync PR per target: the new one; the old is closed, pointing at it,
# and its branch (someone's commit on it) is kept
[ "$(npulls a)" -eq 1 ] || fail "a: want exactly one open PR, got $(npulls a)"
new=$(api /repos/acme/a/pulls | pj 'd[0]["number"]')
[ "$new" -eq 2 ] || fail "a: the open PR is #$new, want the new #2"
api /repos/acme/a/pulls/1 | pjt 'd["state"] == "closed"' || fail "a: old PR #1 not closed"
api /repos/acme/a/issues/1/comments | pjt 'any("superseded by #2" in c["body"] for c in d)' ||
    fail "a: no comment on #1 naming #2"
api /repos/acme/a/pulls/2 | pj 'd["body"]' | grep -q "has commits repocast did not make" ||
    fail "a: the new PR's body does not say why"
grep -q "acme/a.*other commits" "$T/out" || fail "the summary does not say why"
grep -q "acme/a.*closed superseded PR #1 (branch '$abr' kept" "$T/out" ||
    fail "the summary does not say the old PR was closed and its branch kept"
pjt '[t for t in d["targets"] if t["name"] == "acme/a"][0]["note"].find("closed superseded PR #1") >= 0' \
    "$(last_report)" || fail "report.json: no note for acme/a"
fsck_all
echo ok
