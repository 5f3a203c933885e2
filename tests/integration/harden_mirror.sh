#!/bin/bash
# A target's mirror is never left unusable. Each target below already has
# its sync PR (run 1); the source changes and run 2 fails each of them in
# one way: the worker SIGKILLed as each phase of the sync ends (fetch,
# manifest, blobs, tree, commit, cache, push landed, result sent), the
# forge losing the answer to the push (drop_after: the push landed), the
# forge holding the push, or the fetch, until the target's timeout kills
# the worker, and a first push (no PR yet) whose answer is lost. Two
# mirrors are broken by hand: a sync-branch ref naming a commit the mirror
# does not hold (the forge's head, so a fetch alone would not repair it)
# and a mirror whose config does not parse. Run 3, with no fault, succeeds
# for every target: each has exactly one open PR whose head is the forge's
# branch and holds the new content, each mirror passes git fsck, and the
# repairs are logged.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start
export REPOCAST_WORKER=$BUILD/tests/bin/repocast-worker-test
[ -x "$REPOCAST_WORKER" ] || fail "no test worker at $REPOCAST_WORKER (make build-tests)"

phases="fetch manifest blobs tree commit cache push done"
upd=""
for p in $phases; do
	upd="$upd u-$p"
done
upd="$upd u-drop u-badref u-broken"
fresh="n-drop n-push"
make_repo acme/source main f.txt v1
slow="u-slow u-slowfetch"
for n in $upd $fresh $slow; do
	make_repo "acme/$n" main README.md "$n"
done

targets() {
	local n
	for n in "$@"; do
		printf '      - repo: acme/%s\n        files: [{src: f.txt, dest: f.txt}]\n' "$n"
	done
}
# $1: the file, $2: the timeout, the rest: the targets.
config() {
	local file=$1 timeout=$2
	shift 2
	{
		sed "s/@PORT@/$PORT/g; s/@TIMEOUT@/$timeout/" <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  retries: 0
  timeout: @TIMEOUT@
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
EOF2
		targets "$@"
	} > "$file"
}
config "$T/sync.yaml" 10m $upd $fresh
config "$T/slow.yaml" 3s $slow

# rc_cfg FILE N ARGS...: repocast sync of N targets with that config;
# output in $T/out, exit status in $rc.
rc_cfg() {
	local file=$1 n=$2
	shift 2
	set +e
	"$RC" sync -c "$file" --token-file "$T/token" --report-dir "$T/runs" --no-progress \
	    --confirm-scope "$n" "$@" > "$T/out" 2>&1
	rc=$?
	set -e
}
fault() {
	python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
urllib.request.urlopen(req, timeout=10).read()' "http://127.0.0.1:$PORT/_forge/faults" "$1"
}
open_prs() { api "/repos/acme/$1/pulls?state=open" | pj 'len(d)'; }
forge_head() { git -C "$T/forge/acme/$1.git" rev-parse "refs/heads/$2"; }
mirror_of() { echo "$T/cache/repocast/mirrors/127.0.0.1_$PORT/git/acme/$1.git"; }

# Run 1: every target but the fresh ones gets its PR.
set -e
rc_cfg "$T/sync.yaml" 11 $(for n in $upd; do echo "acme/$n"; done)
[ "$rc" -eq 0 ] || { cat "$T/out"; fail "run 1: exit $rc"; }
rc_cfg "$T/slow.yaml" 2
[ "$rc" -eq 0 ] || { cat "$T/out"; fail "run 1 (slow): exit $rc"; }
for n in $upd $slow; do
	[ "$(open_prs "$n")" -eq 1 ] || fail "run 1: acme/$n has $(open_prs "$n") open PRs"
done
branch_of() { api "/repos/acme/$1/pulls?state=open" | pj 'd[0]["head"]["ref"]'; }

# The source changes.
printf 'v2\n' > "$T/w/source/f.txt"
push_work acme/source main

# Run 2: every target fails in its own way.
faults=""
for p in $phases; do
	faults="$faults${faults:+,}acme/u-$p=sigkill@$p"
done
export REPOCAST_FAULTS="$faults,acme/n-push=sigkill@push"
fault '{"kind":"drop_after","method":"POST","path":"/acme/(u|n)-drop(\\.git)?/git-receive-pack$","count":2}'
fault '{"kind":"delay","delay_ms":8000,"method":"POST","path":"/acme/u-slow(\\.git)?/git-receive-pack$"}'
# u-slowfetch's base moves, so its worker must fetch, and the fetch is held.
printf 'moved\n' > "$T/w/u-slowfetch/README.md"
push_work acme/u-slowfetch main
fault '{"kind":"delay","delay_ms":8000,"method":"POST","path":"/acme/u-slowfetch(\\.git)?/git-upload-pack$"}'
# u-badref: its mirror's sync-branch ref names the forge's head, a commit
# the mirror does not hold; u-broken: a mirror that cannot be opened.
# The lost commit is one repocast could have made (same committer, parent
# on the base branch), so run 3 may build on it.
m=$(mirror_of u-badref)
bb=$(branch_of u-badref)
bad=$(GIT_COMMITTER_NAME=$(git -C "$m" log -1 --format=%cn "$bb") \
    GIT_COMMITTER_EMAIL=$(git -C "$m" log -1 --format=%ce "$bb") \
    git -C "$m" commit-tree -m "a commit the mirror loses" -p main "$bb^{tree}")
git -C "$m" push -q --force "$T/forge/acme/u-badref.git" "$bad:refs/heads/$bb"
rm "$m/objects/${bad:0:2}/${bad:2}"
printf '%s\n' "$bad" > "$m/refs/heads/$bb"
[ "$(forge_head u-badref "$bb")" = "$bad" ] || fail "u-badref: forge head"
! git -C "$m" cat-file -e "$bad" 2>/dev/null ||
    fail "u-badref: the mirror holds the commit it should lack"
printf '[core\n\tbroken = \n' > "$(mirror_of u-broken)/config"
rc_cfg "$T/sync.yaml" 11 $(for n in $phases drop; do echo "acme/u-$n"; done) $(for n in $fresh; do echo "acme/$n"; done)
cat "$T/out"
[ "$rc" -eq 1 ] || fail "run 2: exit $rc, want 1"
rep=$(last_report)
for n in $phases drop; do
	o=$(outcome "$rep" "acme/u-$n")
	[ "$o" = failed ] || fail "run 2: acme/u-$n is '$o', want failed"
done
rc_cfg "$T/slow.yaml" 2
cat "$T/out"
[ "$rc" -eq 1 ] || fail "run 2 (slow): exit $rc, want 1"
for n in $slow; do
	o=$(outcome "$(last_report)" "acme/$n")
	[ "$o" = timed_out ] || fail "run 2: acme/$n is '$o', want timed_out"
done
# The lost answers and the kill after the push: the pushes landed.
for n in u-drop n-drop u-push n-push; do
	b=$(git -C "$T/forge/acme/$n.git" for-each-ref --format='%(refname)' refs/heads/chore/)
	[ -n "$b" ] && [ "$(git -C "$T/forge/acme/$n.git" show "$b:f.txt")" = v2 ] ||
	    fail "run 2: the push to acme/$n did not land"
done
for n in $fresh; do
	[ "$(open_prs "$n")" -eq 0 ] || fail "run 2: acme/$n has a PR"
done

# Run 3: no fault; every target is synced, one open PR each.
unset REPOCAST_FAULTS
curl -s -X DELETE "http://127.0.0.1:$PORT/_forge/faults" > /dev/null
rc_cfg "$T/sync.yaml" 13
cat "$T/out"
cp "$T/out" "$T/out.3"
[ "$rc" -eq 0 ] || fail "run 3: exit $rc, want 0"
rc_cfg "$T/slow.yaml" 2
cat "$T/out"
[ "$rc" -eq 0 ] || fail "run 3 (slow): exit $rc, want 0"
for n in $upd $fresh $slow; do
	[ "$(open_prs "$n")" -eq 1 ] || fail "run 3: acme/$n has $(open_prs "$n") open PRs, want 1"
	pr=$(api "/repos/acme/$n/pulls?state=open")
	b=$(echo "$pr" | pj 'd[0]["head"]["ref"]')
	[ "$(echo "$pr" | pj 'd[0]["head"]["sha"]')" = "$(forge_head "$n" "$b")" ] ||
	    fail "run 3: acme/$n's PR head is not its branch's head"
	[ "$(git -C "$T/forge/acme/$n.git" show "refs/heads/$b:f.txt")" = v2 ] ||
	    fail "run 3: acme/$n's branch does not hold the new f.txt"
	git -C "$(mirror_of "$n")" fsck --no-dangling > /dev/null 2>"$T/fsck.err" ||
	    { cat "$T/fsck.err"; fail "run 3: the mirror of acme/$n is not consistent"; }
done
grep -q "u-badref.*dropped ref 'refs/heads/$bb', whose object $bad" "$T/out.3" ||
    fail "the dropped ref of acme/u-badref is not logged"
grep -q "u-broken.*moved aside" "$T/out.3" || fail "the rebuilt mirror of acme/u-broken is not logged"
grep -q "dropped ref 'refs/heads/$bb'" "$T"/runs/*/targets/acme__u-badref.log ||
    fail "the dropped ref is not in acme/u-badref's log"
grep -q "moved aside" "$T"/runs/*/targets/acme__u-broken.log ||
    fail "the rebuilt mirror is not in acme/u-broken's log"
ls -d "$(mirror_of u-broken)".broken* > /dev/null 2>&1 ||
    fail "the broken mirror of acme/u-broken was not moved aside"
fsck_all
echo "harden_mirror: ok"
