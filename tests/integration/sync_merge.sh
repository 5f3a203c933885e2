#!/bin/bash
# repocast merge: a green sync PR is merged with the repository's allowed
# method (squash, merge commit, rebase: each really lands on the base
# branch of the forge's git repo) and its branch deleted; pending checks,
# failing checks, a conflicting PR, a draft, a head that moved after the
# checks and branch protection are left and reported; --admin merges
# through protection (and a 405 with enforce_admins is reported);
# --dry-run writes nothing; --json; exit codes.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main shared.txt "shared v1"
ALL="sq mc rb pend fail conf dr moved prot enf req"
for n in $ALL; do make_repo acme/$n main README.md "$n" other.txt "base $n"; done

{
	cat <<'EOF2'
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
EOF2
	for n in $ALL; do
		printf '      - repo: acme/%s\n        files: [{src: shared.txt, dest: shared.txt}]\n' "$n"
		[ "$n" = conf ] && printf '        pr_draft: false\n'
		[ "$n" = dr ] && printf '        pr_draft: true\n'
	done
} | write_config

control() {
	python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method=sys.argv[3],
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()' "http://127.0.0.1:$PORT$1" "${2:-}" "${3:-POST}"
}
# apipost PATH JSON: a write to the forge's REST API with the test token
apipost() {
	python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[3].encode(), method="POST",
                             headers={"Authorization": "Bearer " + sys.argv[2]})
urllib.request.urlopen(req, timeout=10).read()' \
	    "http://127.0.0.1:$PORT/api/v3$1" "$(cat "$T/token")" "$2"
}
rmerge() { "$RC" merge -c "$T/sync.yaml" --token-file "$T/token" --confirm-scope 11 "$@"; }
head_of() { git -C "$T/forge/acme/$1.git" rev-parse "refs/heads/$2"; }
sync_branch() { git -C "$T/forge/acme/$1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/; }
state_of() { pj '[t for t in d["targets"] if t["name"] == "acme/'"$1"'"][0]["'"${2:-state}"'"]' "$T/out.json"; }

rsync_run --confirm-scope 11 > "$T/out" 2>&1 || { cat "$T/out"; fail "sync failed"; }
grep -q "acme/dr .*draft PR" "$T/out" || { cat "$T/out"; fail "pr_draft: true: no draft PR said"; }
[ "$(api /repos/acme/dr/pulls/1 | pj 'd["draft"]')" = true ] || fail "dr: PR is not a draft"
[ "$(api /repos/acme/sq/pulls/1 | pj 'd["draft"]')" = false ] || fail "sq: PR is a draft"

# merge methods: sq squash (the default order), mc merge commits only, rb rebase only
control /_forge/repos/acme/mc '{"allow_squash_merge": false}'
control /_forge/repos/acme/rb '{"allow_squash_merge": false, "allow_merge_commit": false}'
# sq: no status at all (green) and mergeable not computed on the first reads
control /_forge/repos/acme/sq '{"mergeable_after": 2}'
# mc: a success status and a successful check run; rb: a neutral check run
apipost /repos/acme/mc/statuses/"$(head_of mc "$(sync_branch mc)")" '{"state":"success","context":"ci"}'
apipost /repos/acme/mc/check-runs '{"name":"build","head_sha":"'"$(head_of mc "$(sync_branch mc)")"'","status":"completed","conclusion":"success"}'
apipost /repos/acme/rb/check-runs '{"name":"lint","head_sha":"'"$(head_of rb "$(sync_branch rb)")"'","conclusion":"neutral"}'
# pend: a check run in progress; fail: a failing status
apipost /repos/acme/pend/check-runs '{"name":"build","head_sha":"'"$(head_of pend "$(sync_branch pend)")"'","status":"in_progress"}'
apipost /repos/acme/fail/statuses/"$(head_of fail "$(sync_branch fail)")" '{"state":"failure","context":"ci/test"}'
# conf: the base branch changes shared.txt meanwhile: a conflict
printf 'human\n' > "$T/w/conf/shared.txt"
push_work acme/conf main "conflicting change"
# prot: protection only an admin passes; enf: enforced for admins too
control /_forge/repos/acme/prot '{"protected": true}'
control /_forge/repos/acme/enf '{"protected": true, "enforce_admins": true}'
# req: a required check that never reported: no status, no run (green to
# repocast, as GitHub shows it), and GitHub's 405 at the merge
control /_forge/repos/acme/req '{"required_checks": true}'

# --dry-run: says what would happen, writes nothing
l=$(wc -l < "$T/forge/.forge/requests.log")
set +e
rmerge --dry-run > "$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
[ -z "$(writes_in "$T/slice")" ] || fail "dry run wrote: $(writes_in "$T/slice")"
grep -q "^acme/sq: would merge #1 (squash); branch .* would be deleted" "$T/out" || fail "dry run: sq"
grep -q "^acme/pend: pending #1: build: in_progress" "$T/out" || fail "dry run: pend"
[ "$rc" -eq 1 ] || fail "dry run: exit $rc, want 1 (failing checks)"
for n in $ALL; do
	[ "$(api /repos/acme/$n/pulls | pj 'len(d)')" -eq 1 ] || fail "$n: dry run merged or closed"
done

# moved: the head moves while the checks are read (a delay on its check-runs)
control /_forge/faults '{"kind":"delay","delay_ms":2500,"path":"/repos/acme/moved/commits/.*/check-runs$"}'
mb=$(sync_branch moved)
( for i in $(seq 200); do
	curl -s "http://127.0.0.1:$PORT/_forge/faults" | grep -q '"hits": *1' && break
	sleep 0.05
  done
  git clone -q -b "$mb" "$T/forge/acme/moved.git" "$T/w/moved2" &&
  echo more > "$T/w/moved2/more.txt" && git -C "$T/w/moved2" add -A &&
  git -C "$T/w/moved2" commit -qm more && git -C "$T/w/moved2" push -q origin "$mb" ) &
mover=$!

sq_base=$(head_of sq main) mc_base=$(head_of mc main) rb_base=$(head_of rb main)
rb_head=$(head_of rb "$(sync_branch rb)")
l=$(wc -l < "$T/forge/.forge/requests.log")
set +e
rmerge --json > "$T/out.json" 2> "$T/err"
rc=$?
set -e
wait "$mover" || fail "could not move the head of acme/moved"
cat "$T/out.json" "$T/err"
[ "$rc" -eq 1 ] || fail "merge: exit $rc, want 1"
control /_forge/faults "" DELETE
want="sq=merged mc=merged rb=merged pend=pending fail=checks_failed conf=not_mergeable dr=draft moved=moved prot=blocked enf=blocked req=refused"
got=$(for n in $ALL; do printf '%s=%s ' "$n" "$(state_of $n)"; done)
[ "$got" = "$want " ] || fail "merge states: $got, want $want"
[ "$(state_of sq method)" = squash ] && [ "$(state_of mc method)" = merge ] &&
    [ "$(state_of rb method)" = rebase ] || fail "merge methods in --json"
pjt 'd["failed"] == 6 and not d["dry_run"] and not d["admin"] and d["counts"]["merged"] == 3' \
    "$T/out.json" || fail "--json counts"
pjt 'all(set(t) >= {"group","name","state","pr","url","method","head","merge_commit","reason","branch","branch_deleted","failed"} for t in d["targets"])' \
    "$T/out.json" || fail "--json fields"
case $(state_of fail reason) in *ci/test*failure*) ;; *) fail "fail: reason names no check" ;; esac
case $(state_of req reason) in *405*'Required status check "forge" is expected'*) ;;
	*) fail "req: the 405 is not reported: $(state_of req reason)" ;; esac
[ "$(forge_writes | grep -c '^PUT /api/v3/repos/acme/req/pulls/1/merge$')" -eq 1 ] ||
    fail "req: the refused merge was not sent exactly once"

# squash: one new commit on main, parent the old main, the file landed
[ "$(git -C "$T/forge/acme/sq.git" rev-parse main^)" = "$sq_base" ] || fail "sq: not one commit on main"
git -C "$T/forge/acme/sq.git" rev-parse -q --verify main^2 >/dev/null && fail "sq: a merge commit"
[ "$(git -C "$T/forge/acme/sq.git" show main:shared.txt)" = "shared v1" ] || fail "sq: file not on main"
[ "$(head_of sq main)" = "$(state_of sq merge_commit)" ] || fail "sq: merge_commit is not main"
# merge commit: two parents, the second the PR's head
[ "$(git -C "$T/forge/acme/mc.git" rev-parse main^1)" = "$mc_base" ] || fail "mc: first parent"
git -C "$T/forge/acme/mc.git" rev-parse -q --verify main^2 >/dev/null || fail "mc: no merge commit"
[ "$(git -C "$T/forge/acme/mc.git" show main:shared.txt)" = "shared v1" ] || fail "mc: file not on main"
# rebase: the head's commit re-made on main (new id, same tree, one parent)
[ "$(git -C "$T/forge/acme/rb.git" rev-parse main^)" = "$rb_base" ] || fail "rb: parent"
[ "$(head_of rb main)" != "$rb_head" ] || fail "rb: fast-forwarded instead of rebased"
[ "$(git -C "$T/forge/acme/rb.git" rev-parse main^{tree})" = "$(git -C "$T/forge/acme/rb.git" rev-parse "$rb_head^{tree}")" ] ||
    fail "rb: tree differs from the head's"
for n in sq mc rb; do
	[ -z "$(sync_branch $n)" ] || fail "$n: sync branch left after the merge"
	[ "$(api /repos/acme/$n/pulls/1 | pj 'd["merged"]')" = true ] || fail "$n: PR not merged"
	[ "$(state_of $n branch_deleted)" = true ] || fail "$n: branch_deleted"
done
for n in pend fail conf dr moved prot enf req; do
	[ "$(api /repos/acme/$n/pulls | pj 'len(d)')" -eq 1 ] || fail "$n: PR not left open"
done
# blocked without --admin: no merge was even sent for prot or enf
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
writes_in "$T/slice" | grep -q "PUT /api/v3/repos/acme/\(prot\|enf\)/" &&
    fail "a merge was sent through protection without --admin"

# --admin: prot merges (the admin token passes protection); enf's 405 is reported
set +e
rmerge --admin acme/prot acme/enf > "$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
[ "$rc" -eq 1 ] || fail "--admin: exit $rc, want 1 (enf refused)"
grep -q "^acme/prot: merged #1 (squash, " "$T/out" || fail "--admin: prot not merged"
grep -q "^acme/enf: refused #1: .*405.*approving review" "$T/out" || fail "--admin: enf's 405 not reported"
[ "$(git -C "$T/forge/acme/prot.git" show main:shared.txt)" = "shared v1" ] || fail "prot: not on main"

# checks turn green: fail merges now; --keep-branches keeps its branch; only
# pending left: exit 0
apipost /repos/acme/fail/statuses/"$(head_of fail "$(sync_branch fail)")" '{"state":"success","context":"ci/test"}'
fb=$(sync_branch fail)
rmerge --keep-branches acme/fail acme/pend acme/dr > "$T/out" 2>&1 || { cat "$T/out"; fail "exit not 0 with only pending/draft left"; }
cat "$T/out"
grep -q "^acme/fail: merged #1" "$T/out" || fail "fail: not merged once green"
[ "$(sync_branch fail)" = "$fb" ] || fail "--keep-branches deleted the branch"
grep -q "^3 targets: 1 merged, 0 ready, 1 pending, 1 left, 0 failed" "$T/out" || fail "summary line"

# a target with no open sync PR: none, exit 0
rmerge acme/sq > "$T/out" 2>&1 || { cat "$T/out"; fail "merge with nothing to do failed"; }
grep -q "^acme/sq: none (no open sync pull request)" "$T/out" || fail "none"
fsck_all
echo "sync_merge: ok"
