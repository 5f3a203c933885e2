#!/bin/bash
# repocast.commit.via: api: the sync's commit is made through the Git Data
# API (blobs, tree, commit, ref), never pushed, and leaves exactly the tree
# and message a push makes (an executable, a symlink, a nested new
# directory, a deletion); a rerun moves the branch (PATCH, still one
# commit on the base); a lost answer on POST /git/commits or on the ref
# update leaves one commit and one PR; a change over commit.api_max_blobs
# is refused with cause api_commit_limit and nothing written; repocast run
# -c commits through the API the same way.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

new_work acme/source main
s=$T/w/source
mkdir -p "$s/deep/nested/dir"
echo "shared v1" > "$s/shared.txt"
echo "deep v1" > "$s/deep/nested/dir/file.txt"
printf '#!/bin/sh\necho hi\n' > "$s/run.sh"
chmod +x "$s/run.sh"
ln -s shared.txt "$s/link"
push_work acme/source main

# Two targets with the same base: one synced by push, one through the API.
for n in p a; do
	new_work acme/$n main
	echo "readme" > "$T/w/$n/README.md"
	echo "old" > "$T/w/$n/old.txt"
	GIT_AUTHOR_DATE=1700000000 GIT_COMMITTER_DATE=1700000000 push_work acme/$n main
done
[ "$(git -C "$T/forge/acme/p.git" rev-parse main^{tree})" = \
    "$(git -C "$T/forge/acme/a.git" rev-parse main^{tree})" ] || fail "bases differ"

# config VIA REPO [MAX_BLOBS]
config() {
	sed "s/@PORT@/$PORT/g; s/@VIA@/$1/; s|@REPO@|$2|; s/@MAXB@/${3:-100}/" > "$T/sync.yaml" <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
  author: {name: Sync Bot, email: bot@example.com}
  commit: {via: @VIA@, api_max_blobs: @MAXB@, api_max_bytes: 1M}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: @REPO@
        files:
          - {src: shared.txt, dest: shared.txt}
          - {src: run.sh, dest: bin/run.sh}
          - {src: link, dest: link}
          - {dest: old.txt, delete: true}
        directories:
          - {src: deep, dest: new/deep}
EOF2
}
loglen() { wc -l < "$T/forge/.forge/requests.log"; }
# slice FROM: the request log after line FROM
slice() { tail -n +"$(($1 + 1))" "$T/forge/.forge/requests.log" > "$T/slice"; }
reqs() {
	python3 -c 'import json,sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["method"], r["path"])' "$T/slice"
}
control() {
	curl -fsS -X POST --data "$1" "http://127.0.0.1:$PORT/_forge/faults" >/dev/null
}
ga="git -C $T/forge/acme/a.git"
gp="git -C $T/forge/acme/p.git"
branch_of() { git -C "$T/forge/$1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/; }
open_prs() { api "/repos/$1/pulls?state=open" | pj 'len(d)'; }
# one_commit REPO BRANCH: exactly one commit between the base and the branch
one_commit() {
	local g="git -C $T/forge/$1.git"
	[ "$($g rev-list --count "main..$2")" -eq 1 ] || fail "$1: $2 is not one commit on main"
	[ "$($g rev-parse "$2^")" = "$($g rev-parse main)" ] || fail "$1: parent is not main"
}

# --- the push target first: the reference tree
config push acme/p
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "sync by push failed"; }
rep=$(last_report)
pjt '[t for t in d["targets"] if t["name"] == "acme/p"][0]["commit_via"] == "push" and d["run"]["commit_via"] == "push"' "$rep" ||
    fail "report: acme/p's or the run's commit_via is not push"
bp=$(branch_of acme/p)

# --- the same change through the API: no push, the same tree and message
config api acme/a
l=$(loglen)
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "sync through the api failed"; }
slice "$l"
rep=$(last_report)
[ "$(outcome "$rep" acme/a)" = pushed ] || fail "acme/a not pushed: $(outcome "$rep" acme/a)"
pjt '[t for t in d["targets"] if t["name"] == "acme/a"][0]["commit_via"] == "api"' "$rep" ||
    fail "report: acme/a's commit_via is not api"
pjt 'd["run"]["commit_via"] == "api"' "$rep" || fail "report: the run's commit_via is not api"
"$RC" report show "$rep" > /dev/null || fail "report show cannot read the report back"
pjt '(lambda t: "api_commit" in t["phases_ms"] and "push" not in t["phases_ms"] and t["result"]["commit"] == "'"$(git -C "$T/forge/acme/a.git" for-each-ref --format='%(objectname)' refs/heads/chore/)"'")([t for t in d["targets"] if t["name"] == "acme/a"][0])' "$rep" ||
    fail "report: no api_commit phase, a push phase, or result.commit is not the branch head"
! grep -q "git-receive-pack" "$T/slice" || fail "a git push happened: $(grep receive-pack "$T/slice")"
reqs > "$T/reqs"
for w in "POST /api/v3/repos/acme/a/git/blobs" "POST /api/v3/repos/acme/a/git/trees" \
    "POST /api/v3/repos/acme/a/git/commits" "POST /api/v3/repos/acme/a/git/refs" \
    "POST /api/v3/repos/acme/a/pulls"; do
	grep -qx "$w" "$T/reqs" || { cat "$T/reqs"; fail "no '$w'"; }
done
# one POST per blob the target lacks: shared.txt, run.sh, file.txt (the
# symlink's blob "shared.txt" is new too), nothing for the base's blobs
nb=$(grep -cx "POST /api/v3/repos/acme/a/git/blobs" "$T/reqs")
[ "$nb" -eq 4 ] || fail "want 4 blob requests, got $nb"
ba=$(branch_of acme/a)
[ -n "$ba" ] || fail "no sync branch on acme/a"
[ "$($ga rev-parse "$ba^{tree}")" = "$($gp rev-parse "$bp^{tree}")" ] ||
    fail "tree through the api differs: $($ga ls-tree -r "$ba") vs $($gp ls-tree -r "$bp")"
one_commit acme/a "$ba"
[ "$($ga log -1 --format=%B "$ba" | sed "s/acme\/a/X/g")" = \
    "$($gp log -1 --format=%B "$bp" | sed "s/acme\/p/X/g")" ] || fail "commit messages differ"
$ga log -1 --format='%an <%ae>|%cn <%ce>' "$ba" | grep -qx "Sync Bot <bot@example.com>|Sync Bot <bot@example.com>" ||
    fail "author/committer: $($ga log -1 --format='%an <%ae>|%cn <%ce>' "$ba")"
$ga ls-tree "$ba" bin/run.sh | grep -q '^100755 ' || fail "exec bit lost"
$ga ls-tree "$ba" link | grep -q '^120000 ' || fail "symlink lost"
$ga cat-file -e "$ba:new/deep/nested/dir/file.txt" || fail "nested new directory missing"
! $ga cat-file -e "$ba:old.txt" 2>/dev/null || fail "old.txt not deleted"
[ "$(open_prs acme/a)" -eq 1 ] || fail "want one open PR on acme/a"
[ "$(api /repos/acme/a/pulls | pj 'd[0]["head"]["sha"]')" = "$($ga rev-parse "$ba")" ] ||
    fail "the PR's head is not the branch"
fsck_all

# --- a source change: the branch moves (PATCH, forced), still one commit
echo "shared v2" > "$s/shared.txt"
push_work acme/source main
l=$(loglen)
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "resync through the api failed"; }
slice "$l"
reqs > "$T/reqs"
! grep -q "git-receive-pack" "$T/slice" || fail "the resync pushed"
grep -qx "PATCH /api/v3/repos/acme/a/git/refs/heads/$ba" "$T/reqs" ||
    { cat "$T/reqs"; fail "no PATCH of the sync branch"; }
[ "$(branch_of acme/a)" = "$ba" ] || fail "the resync made another branch: $(branch_of acme/a)"
one_commit acme/a "$ba"
[ "$($ga cat-file -p "$ba:shared.txt")" = "shared v2" ] || fail "shared.txt not updated"
[ "$(open_prs acme/a)" -eq 1 ] || fail "the resync left $(open_prs acme/a) open PRs"
[ "$(grep -cx "POST /api/v3/repos/acme/a/git/blobs" "$T/reqs")" -eq 1 ] ||
    { cat "$T/reqs"; fail "want one blob request for one changed file"; }

# --- lost answers: POST /git/commits (done, answer dropped), then the ref
# update: the branch still ends one commit on main, one PR
for f in '{"kind": "drop_after", "method": "POST", "path": "/repos/acme/a/git/commits$", "count": 1}' \
    '{"kind": "drop_after", "method": "PATCH", "path": "/repos/acme/a/git/refs/", "count": 1}'; do
	echo "shared v$RANDOM$RANDOM" > "$s/shared.txt"
	push_work acme/source main
	curl -fsS -X DELETE "http://127.0.0.1:$PORT/_forge/faults" >/dev/null
	control "$f"
	l=$(loglen)
	rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "sync with a lost answer failed ($f)"; }
	slice "$l"
	[ "$(curl -fsS "http://127.0.0.1:$PORT/_forge/faults" | pj 'd[0]["hits"]')" -eq 1 ] ||
	    fail "fault hits ($f)"
	one_commit acme/a "$ba"
	[ "$($ga cat-file -p "$ba:shared.txt")" = "$(cat "$s/shared.txt")" ] ||
	    fail "branch not at the new content ($f)"
	[ "$(open_prs acme/a)" -eq 1 ] || fail "a lost answer left $(open_prs acme/a) PRs ($f)"
	[ "$(api "/repos/acme/a/pulls?state=all" | pj 'len(d)')" -eq 1 ] ||
	    fail "a lost answer made another PR ($f)"
	reqs > "$T/reqs"
	case $f in
	*commits*)   # the commit was sent again (a second, unreferenced commit), the ref once
		[ "$(grep -cx "POST /api/v3/repos/acme/a/git/commits" "$T/reqs")" -eq 2 ] ||
		    { cat "$T/reqs"; fail "the lost commit was not sent again"; }
		[ "$(grep -cx "PATCH /api/v3/repos/acme/a/git/refs/heads/$ba" "$T/reqs")" -eq 1 ] ||
		    { cat "$T/reqs"; fail "want one ref update after a lost commit answer"; } ;;
	*)           # the ref was read back and found done: not sent again
		[ "$(grep -cx "PATCH /api/v3/repos/acme/a/git/refs/heads/$ba" "$T/reqs")" -eq 1 ] ||
		    { cat "$T/reqs"; fail "the ref update was sent again"; }
		sed -n "\|^PATCH /api/v3/repos/acme/a/git/refs/heads/$ba\$|,\$p" "$T/reqs" |
		    grep -qx "GET /api/v3/repos/acme/a/git/ref/heads/$ba" ||
		    { cat "$T/reqs"; fail "the ref was not read back after the lost answer"; } ;;
	esac
done
curl -fsS -X DELETE "http://127.0.0.1:$PORT/_forge/faults" >/dev/null

# --- over the limit: 2 new blobs, api_max_blobs 1: refused, nothing written
head_before=$($ga rev-parse "$ba")
echo "shared v3" > "$s/shared.txt"
echo "deep v3" > "$s/deep/nested/dir/file.txt"
push_work acme/source main
config api acme/a 1
l=$(loglen)
set +e
rsync_run > "$T/out" 2>&1
rc=$?
set -e
slice "$l"
[ "$rc" -eq 1 ] || { cat "$T/out"; fail "over the limit: exit $rc, want 1"; }
rep=$(last_report)
pjt '[t for t in d["targets"] if t["name"] == "acme/a"][0]["cause"] == "api_commit_limit"' "$rep" ||
    fail "cause: $(pj '[t for t in d["targets"] if t["name"] == "acme/a"][0]["cause"]' "$rep")"
pj '[t for t in d["targets"] if t["name"] == "acme/a"][0]["error"]' "$rep" > "$T/why"
grep -q "would create 2 blobs" "$T/why" && grep -q "api_max_blobs (1)" "$T/why" ||
    fail "unclear refusal: $(cat "$T/why")"
grep -q "would create 2 blobs" "$T/out" || { cat "$T/out"; fail "the summary does not say why"; }
[ -z "$(writes_in "$T/slice")" ] || fail "over the limit, writes: $(writes_in "$T/slice")"
[ "$($ga rev-parse "$ba")" = "$head_before" ] || fail "over the limit, the branch moved"

# --- repocast run -c with via: api: its commit goes the same way (no push),
# with the tree a push makes (the same command on acme/p by push)
runcmd() {
	"$RC" run -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs-run" \
	    --no-progress --branch repocast/run-api -- sh -c 'mkdir -p made/by && echo ran > made/by/run.txt && rm -f old.txt'
}
config push acme/p
runcmd > "$T/out" 2>&1 || { cat "$T/out"; fail "run by push failed"; }
config api acme/a
l=$(loglen)
runcmd > "$T/out" 2>&1 || { cat "$T/out"; fail "run through the api failed"; }
slice "$l"
! grep -q "git-receive-pack" "$T/slice" || fail "run pushed"
reqs > "$T/reqs"
grep -qx "POST /api/v3/repos/acme/a/git/commits" "$T/reqs" || { cat "$T/reqs"; fail "run: no commit through the api"; }
[ "$($ga rev-parse repocast/run-api^{tree})" = "$($gp rev-parse repocast/run-api^{tree})" ] ||
    fail "run: the tree through the api differs from the pushed one"
one_commit acme/a repocast/run-api
rr=$(ls -td "$T"/runs-run/*/report.json | head -n 1)
pjt '(lambda t: t["outcome"] == "pushed" and t["commit_via"] == "api" and t["pr"] == "opened" and t["result"]["commit"] == "'"$($ga rev-parse repocast/run-api)"'")(d["targets"][0])' "$rr" ||
    fail "run report: $(pj 'd["targets"][0]["commit_via"], d["targets"][0]["outcome"]' "$rr")"
[ "$(api "/repos/acme/a/pulls?state=open&head=acme:repocast/run-api" | pj 'len(d)')" -eq 1 ] ||
    fail "run: no PR of its branch"
# again with another change: the run's branch is replaced (forced), one commit
runcmd2() {
	"$RC" run -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs-run" \
	    --no-progress --branch repocast/run-api -- sh -c 'echo again > again.txt'
}
l=$(loglen)
runcmd2 > "$T/out" 2>&1 || { cat "$T/out"; fail "second run through the api failed"; }
slice "$l"
reqs > "$T/reqs"
grep -qx "PATCH /api/v3/repos/acme/a/git/refs/heads/repocast/run-api" "$T/reqs" ||
    { cat "$T/reqs"; fail "run: the branch was not replaced"; }
one_commit acme/a repocast/run-api
$ga cat-file -e repocast/run-api:again.txt || fail "run: second change missing"
! $ga cat-file -e repocast/run-api:made/by/run.txt 2>/dev/null || fail "run: the branch kept the first run's commit"
[ "$(api "/repos/acme/a/pulls?state=open&head=acme:repocast/run-api" | pj 'len(d)')" -eq 1 ] ||
    fail "run: the second run left more than one PR"

# --- signing asked for beside via: api is refused (the API would not carry
# the signature), whether the config or git's config asks; nothing written
m=$(wc -l < "$T/forge/.forge/requests.log")
cp "$T/sync.yaml" "$T/sync.yaml.api"
sed -i 's/via: api/via: api, sign: ssh, key: \/nonexistent.key/' "$T/sync.yaml"
set +e
rsync_run > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$T/out"; fail "via: api with sign: ssh: exit $rc, want 2"; }
grep -q 'sync.yaml:[0-9]*:[0-9]*: repocast.commit.via: api does not carry a signature.*repocast.commit.sign' "$T/out" ||
    { cat "$T/out"; fail "via: api with sign: unclear"; }
cp "$T/sync.yaml.api" "$T/sync.yaml"
mkdir -p "$T/home"
printf '[commit]\n\tgpgsign = true\n[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = /nonexistent.key\n' > "$T/home/.gitconfig"
set +e
HOME="$T/home" rsync_run > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$T/out"; fail "via: api with git's commit.gpgsign: exit $rc, want 2"; }
grep -q "api does not carry a signature.*git's commit.gpgsign" "$T/out" ||
    { cat "$T/out"; fail "via: api with git's gpgsign: unclear"; }
[ "$(writes_in <(tail -n +"$((m + 1))" "$T/forge/.forge/requests.log") | wc -l)" -eq 0 ] ||
    fail "a refused signing run wrote to the forge"

# --- a bad value is a config error with its position
sed -i 's/via: api/via: graphql/' "$T/sync.yaml"
set +e
"$RC" validate -c "$T/sync.yaml" > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$T/out"; fail "via: graphql: exit $rc, want 2"; }
grep -q 'sync.yaml:[0-9]*:[0-9]*:.*via.*"push" or "api"' "$T/out" || { cat "$T/out"; fail "bad via: unclear"; }
echo "sync_api_commit: ok"
