#!/bin/bash
# repocast sync's command line: scope filters, the blast-radius guard
# (--confirm-scope), usage and config errors with their exit codes, a
# missing token (environment error), --json.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main f.txt v1
seed_targets main acme/r{1..6}
{
	cat <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
groups:
  - name: Core
    id: core
    source: {repo: acme/source, branch: main}
    targets:
EOF2
	for i in 1 2 3 4 5; do
		printf '      - repo: acme/r%d\n        files: [{src: f.txt, dest: f.txt}]\n' $i
	done
	cat <<'EOF2'
  - name: Extra
    id: extra
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/r6
        files: [{src: f.txt, dest: f.txt}]
EOF2
} | write_config

expect() { # want_rc pattern args...
	local want=$1 pat=$2 rc
	shift 2
	set +e
	rsync_run "$@" > "$T/out" 2>&1
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || { cat "$T/out"; fail "'$*': exit $rc, want $want"; }
	grep -q -- "$pat" "$T/out" || { cat "$T/out"; fail "'$*': no '$pat'"; }
}

# the guard: 6 repos in 2 groups
expect 2 "refusing to sync 6 repositories across 2 group(s) without confirmation; re-run with --confirm-scope 6"
expect 2 "\-\-confirm-scope 5 does not match the 6 repositories in scope" --confirm-scope 5
# one group of 5 needs no confirmation; a dry run never does
expect 0 "acme/r5" --groups core --dry-run
expect 0 "acme/r6" --dry-run
[ "$(git -C "$T/forge/acme/r1.git" for-each-ref refs/heads/chore | wc -l)" -eq 0 ] ||
    fail "a dry run pushed"
# --groups by name, --skip-groups wins, filters by name and glob
expect 0 "acme/r6" --groups Extra
grep -q "acme/r1" "$T/out" && fail "--groups Extra ran r1"
expect 0 "acme/r2" --groups core,extra --skip-groups extra acme/r2 --dry-run
grep -q "acme/r6" "$T/out" && fail "--skip-groups did not win"
expect 0 "acme/r3" "acme/r[34]"
grep -q "acme/r1 " "$T/out" && fail "filter ran r1"
git -C "$T/forge/acme/r3.git" rev-parse -q --verify refs/heads/chore/sync-files-r3-* >/dev/null 2>&1 ||
    [ "$(git -C "$T/forge/acme/r3.git" for-each-ref refs/heads/chore | wc -l)" -eq 1 ] ||
    fail "r3 not pushed"
# errors
expect 2 "target filter 'acme/nope' matches no target in scope" acme/nope
expect 2 "\-\-groups value 'nope' matches no group" --groups nope
expect 2 "\-\-skip-groups value 'nah' matches no group" --skip-groups nah --dry-run
expect 2 "invalid \-\-jobs value 'x'" --jobs x
expect 2 "unknown option '\-\-bogus'" --bogus
expect 2 "unknown option '\-\-dry-rnu' (did you mean '\-\-dry-run'?)" --dry-rnu
expect 2 "invalid \-\-log-level 'loud'" --log-level loud
set +e
"$RC" sync -c "$T/nope.yaml" --token-file "$T/token" > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "missing config: exit $rc"
echo "version: 2" > "$T/bad.yaml"
set +e
"$RC" sync -c "$T/bad.yaml" --token-file "$T/token" > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad config: exit $rc"
grep -q "bad.yaml:1:" "$T/out" || { cat "$T/out"; fail "config error without file:line"; }
# no token: environment error
set +e
"$RC" sync -c "$T/sync.yaml" --dry-run --report-dir "$T/runs" > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat "$T/out"; fail "no token: exit $rc, want 3"; }
grep -q "no github token" "$T/out" || fail "no token message"
# sync_rc WANT WHAT ARGS...: run sync with ARGS, its output in $T/out,
# and its exit status must be WANT.
sync_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$RC" sync "$@" > "$T/out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$T/out"; fail "$what: exit $rc, want $want"; }
}
# a token file that is not there, or too long: usage errors (what the
# user named is wrong), as for `repocast run`
sync_rc 2 "missing token file" -c "$T/sync.yaml" --dry-run --token-file "$T/no-such-token" \
    --report-dir "$T/runs"
grep -q "no-such-token" "$T/out" || { cat "$T/out"; fail "missing token file not named"; }
head -c 2000 /dev/zero | tr '\0' a > "$T/long-token"
chmod 600 "$T/long-token"
sync_rc 2 "long token" -c "$T/sync.yaml" --dry-run --token-file "$T/long-token" \
    --report-dir "$T/runs"
grep -q "longer than 1024 bytes" "$T/out" || { cat "$T/out"; fail "long token message"; }
# a token the forge does not know: environment error before any target
echo "wrong-token" > "$T/bad-token"
chmod 600 "$T/bad-token"
sync_rc 3 "bad token" -c "$T/sync.yaml" --dry-run --token-file "$T/bad-token" \
    --report-dir "$T/runs"
grep -qi "auth" "$T/out" || { cat "$T/out"; fail "bad token message"; }
grep -q "wrong-token" "$T/out" && fail "the token was printed"
# a token file its group or others may read: refused as ssh refuses a key,
# a usage error like the other token file errors, with the chmod to run
cp "$T/token" "$T/open-token"
chmod 644 "$T/open-token"
sync_rc 2 "open token file" -c "$T/sync.yaml" --dry-run --token-file "$T/open-token" \
    --report-dir "$T/runs"
grep -qF "token file '$T/open-token' is accessible by group or others (mode 0644): run 'chmod 600 $T/open-token' and try again" "$T/out" ||
    { cat "$T/out"; fail "open token file message"; }
grep -qF "$(cat "$T/token")" "$T/out" && fail "the token was printed"
# --json
rsync_run --json --dry-run acme/r5 > "$T/json" 2>/dev/null || fail "--json run"
pjt 'len(d["targets"]) == 1 and d["targets"][0]["repo"] == "acme/r5" and d["targets"][0]["outcome"] == "dry_run"' \
    "$T/json" >/dev/null || { cat "$T/json"; fail "--json output"; }
echo ok
