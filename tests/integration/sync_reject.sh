#!/bin/bash
# A push the server refuses (pre-receive hook): that target fails with the
# server's reason; the other target and every other ref are unharmed.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main f.txt v1
seed_targets main acme/good acme/bad
cat > "$T/forge/acme/bad.git/hooks/pre-receive" <<'H'
#!/bin/sh
echo "policy: sync branches are not allowed here" >&2
exit 1
H
chmod +x "$T/forge/acme/bad.git/hooks/pre-receive"
bad_refs=$(git -C "$T/forge/acme/bad.git" for-each-ref)

write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  retries: 0
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/bad
        files: [{src: f.txt, dest: f.txt}]
      - repo: acme/good
        files: [{src: f.txt, dest: f.txt}]
EOF2

set +e
rsync_run > "$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
[ "$rc" -eq 1 ] || fail "exit $rc, want 1"
rep=$(last_report)
[ "$(outcome "$rep" acme/bad)" = failed ] || fail "bad not failed"
[ "$(outcome "$rep" acme/good)" = pushed ] || fail "good not pushed"
pj '[t["error"] for t in d["targets"] if t["name"] == "acme/bad"][0]' "$rep" | grep -q "rejected" ||
    fail "the error does not say the push was rejected"
pj '[t["cause"] for t in d["targets"] if t["name"] == "acme/bad"][0]' "$rep" | grep -q "conflict" ||
    fail "cause"
[ "$(git -C "$T/forge/acme/bad.git" for-each-ref)" = "$bad_refs" ] || fail "bad's refs changed"
[ "$(api /repos/acme/bad/pulls | pj 'len(d)')" -eq 0 ] || fail "a PR was opened for bad"
[ "$(api /repos/acme/good/pulls | pj 'len(d)')" -eq 1 ] || fail "good has no PR"
fsck_all
echo ok
