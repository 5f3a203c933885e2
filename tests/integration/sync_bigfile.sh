#!/bin/bash
# Files larger than a frame: a 20 MiB file reaches its target in
# BLOB_CHUNKs (the frame limit is 8 MiB) with the target's blob equal to
# the source's; a 120 MiB file is over the default repocast.max_file_size
# (100 MiB): its target fails with cause too_large naming the path, before
# any push (no branch, no PR, no receive-pack on that repository), while
# the other targets sync; with max_file_size raised it goes through.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

new_work acme/source main
s=$T/w/source
echo "small" > "$s/small.txt"
head -c $((20 * 1024 * 1024)) /dev/urandom > "$s/f20.bin"
head -c $((120 * 1024 * 1024)) /dev/urandom > "$s/f120.bin"
push_work acme/source main
src="git -C $T/forge/acme/source.git"
seed_targets main acme/big acme/mid acme/small

config() {
	write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
$1
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/big
        files:
          - {src: small.txt, dest: small.txt}
          - {src: f120.bin, dest: data/f120.bin}
      - repo: acme/mid
        files:
          - {src: f20.bin, dest: f20.bin}
      - repo: acme/small
        files:
          - {src: small.txt, dest: small.txt}
EOF2
}

# sync_branch REPO: the one sync branch on the forge repo (empty: none)
sync_branch() {
	git -C "$T/forge/$1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/
}

# --- the default cap: acme/big refused, the others pushed
config ""
set +e
rsync_run > "$T/out1" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$T/out1"; fail "exit $rc, want 1 (acme/big is refused)"; }
rep=$(last_report)
pjt '[t["cause"] for t in d["targets"] if t["name"] == "acme/big"] == ["too_large"]' "$rep" ||
    { cat "$T/out1"; fail "acme/big: cause is not too_large"; }
err=$(pj '[t["error"] for t in d["targets"] if t["name"] == "acme/big"][0]' "$rep")
[ "$err" = "file 'data/f120.bin' is 125829120 bytes, over repocast.max_file_size (104857600 bytes)" ] ||
    fail "acme/big: error '$err'"
pjt '[t["pid"] for t in d["targets"] if t["name"] == "acme/big"] == [0]' "$rep" ||
    fail "a worker ran for acme/big"
[ -z "$(sync_branch acme/big)" ] || fail "acme/big got a sync branch"
[ "$(api /repos/acme/big/pulls | pj 'len(d)')" -eq 0 ] || fail "acme/big got a pull request"
! forge_writes | grep -q "acme/big" || { forge_writes; fail "a write reached acme/big"; }
[ "$(outcome "$rep" acme/mid)" = pushed ] || fail "acme/mid not pushed"
[ "$(outcome "$rep" acme/small)" = pushed ] || fail "acme/small not pushed"
br=$(sync_branch acme/mid)
[ "$(git -C "$T/forge/acme/mid.git" rev-parse "$br:f20.bin")" = "$($src rev-parse main:f20.bin)" ] ||
    fail "acme/mid: f20.bin differs from the source's"
# 20 MiB went as BLOB_CHUNKs: more bytes to the worker than one frame may hold
pjt '[t["channel"]["bytes_to_worker"] for t in d["targets"] if t["name"] == "acme/mid"][0] > 20 * 1024 * 1024' \
    "$rep" || fail "acme/mid: under 20 MiB went to its worker"

# --- the cap raised: acme/big goes through, its blob is the source's
config "  max_file_size: 200M"
rsync_run > "$T/out2" 2>&1 || { cat "$T/out2"; fail "raised cap: sync failed"; }
rep=$(last_report)
[ "$(outcome "$rep" acme/big)" = pushed ] || { cat "$T/out2"; fail "acme/big not pushed"; }
br=$(sync_branch acme/big)
[ "$(git -C "$T/forge/acme/big.git" rev-parse "$br:data/f120.bin")" = \
    "$($src rev-parse main:f120.bin)" ] || fail "acme/big: f120.bin differs from the source's"
[ "$(api /repos/acme/big/pulls | pj 'len(d)')" -eq 1 ] || fail "acme/big: want one pull request"
# the other two are unchanged
[ "$(outcome "$rep" acme/mid)" = pending_current ] || fail "acme/mid: $(outcome "$rep" acme/mid)"

# --- the bound itself: small.txt is 6 bytes; a cap of 6 takes it, 5 does not
config "  max_file_size: 6"
rsync_run --dry-run acme/small > "$T/out4" 2>&1 || { cat "$T/out4"; fail "a file of exactly the cap"; }
config "  max_file_size: 5"
set +e
rsync_run --dry-run acme/small > "$T/out4" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$T/out4"; fail "cap + 1: exit $rc, want 1"; }
pjt '[t["cause"] for t in d["targets"]] == ["too_large"]' "$(last_report)" || fail "cap + 1: cause"

# --- a cap of 0 means none; a bad size is a config error with its position
config "  max_file_size: 0"
"$RC" validate -c "$T/sync.yaml" > /dev/null || fail "max_file_size: 0 does not validate"
config "  max_file_size: 10 pounds"
set +e
"$RC" validate -c "$T/sync.yaml" > "$T/out3" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$T/out3"; fail "bad max_file_size: exit $rc, want 2"; }
grep -q "sync.yaml:6:18: repocast.max_file_size: " "$T/out3" || { cat "$T/out3"; fail "no position"; }
fsck_all
echo "ok"
