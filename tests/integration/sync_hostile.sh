#!/bin/bash
# Hostile input at sync time (docs/SECURITY.md):
#   1. a target whose base branch already holds a .git entry (at the top, or
#      as sub/.GIT deeper down) fails with cause hostile_tree; nothing is
#      pushed to it and no PR is opened; a clean target in the same run
#      is synced.
#   2. a synced directory holding symlinks that point outside the
#      repository (../../../etc/passwd, /etc/shadow): the target fails with
#      cause hostile_symlink and nothing is pushed; with `symlinks: keep`
#      the links are pushed as they are. A link that stays inside is kept
#      either way.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

# raw_tree GITDIR "MODE NAME OID"...: a tree object written literally (git
# itself would refuse the names), its id printed.
raw_tree() {
	local dir=$1
	shift
	python3 -c 'import sys
out = b""
for e in sys.argv[1:]:
    mode, name, oid = e.split(" ", 2)
    out += mode.encode() + b" " + name.encode() + b"\0" + bytes.fromhex(oid)
sys.stdout.buffer.write(out)' "$@" | git -C "$dir" hash-object -t tree --literally -w --stdin
}

# plant GITDIR TREE: a commit of TREE on top of main.
plant() {
	local c
	c=$(git -C "$1" commit-tree "$2" -p main -m "planted")
	git -C "$1" update-ref refs/heads/main "$c"
}

new_work acme/source main
s=$T/w/source
mkdir -p "$s/links"
echo "shared" > "$s/SHARED.md"
echo "inside" > "$s/links/target.txt"
ln -s target.txt "$s/links/ok"
ln -s ../../../etc/passwd "$s/links/evil"
ln -s /etc/shadow "$s/links/abs"
push_work acme/source main

seed_targets main acme/h1 acme/h2 acme/ok acme/s1 acme/s2
# h1: a .git blob at the top of its tree
g=$T/forge/acme/h1.git
blob=$(echo "[core]" | git -C "$g" hash-object -w --stdin)
readme=$(git -C "$g" rev-parse main:README.md)
plant "$g" "$(raw_tree "$g" "100644 .git $blob" "100644 README.md $readme")"
# h2: sub/.GIT/config, two levels down
g=$T/forge/acme/h2.git
blob=$(echo "[core]" | git -C "$g" hash-object -w --stdin)
readme=$(git -C "$g" rev-parse main:README.md)
inner=$(raw_tree "$g" "100644 config $blob")
sub=$(raw_tree "$g" "40000 .GIT $inner")
plant "$g" "$(raw_tree "$g" "100644 README.md $readme" "40000 sub $sub")"
head_h1=$(git -C "$T/forge/acme/h1.git" rev-parse main)
head_h2=$(git -C "$T/forge/acme/h2.git" rev-parse main)

config() {
	write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  cache_dir: $T/cache
$1
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/h1
        files: [{src: SHARED.md, dest: SHARED.md}]
      - repo: acme/h2
        files: [{src: SHARED.md, dest: SHARED.md}]
      - repo: acme/ok
        files: [{src: SHARED.md, dest: SHARED.md}]
      - repo: acme/s1
        directories: [{src: links, dest: links}]
      - repo: acme/s2
        files: [{src: links/ok, dest: docs/ok}]
EOF2
}

# cause REPORT REPO, source REPORT REPO, error REPORT REPO
field() {
	python3 -c 'import json,sys
print("".join(str(t[sys.argv[3]] or "") for t in json.load(open(sys.argv[1]))["targets"]
              if t["name"] == sys.argv[2]))' "$1" "$2" "$3"
}

pushes_to() {
	python3 -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["method"] == "POST" and ("/" + sys.argv[2] + ".git/git-receive-pack" in r["path"]
                                  or r["path"].startswith("/api/v3/repos/" + sys.argv[2] + "/")):
        n += 1
print(n)' "$T/forge/.forge/requests.log" "$1"
}

config ""
rc=0
rsync_run >"$T/out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/out"; fail "sync exited $rc, want 1 (targets failed)"; }
rep=$(last_report)
for r in acme/h1 acme/h2; do
	[ "$(outcome "$rep" $r)" = failed ] || { cat "$T/out"; fail "$r not failed"; }
	[ "$(field "$rep" $r cause)" = hostile_tree ] || fail "$r cause: $(field "$rep" $r cause)"
	[ "$(field "$rep" $r cause_source)" = worker ] || fail "$r cause_source"
	[ "$(pushes_to $r)" -eq 0 ] || fail "something was written to $r"
done
field "$rep" acme/h1 error | grep -qF "its tree holds '.git' (a '.git' name), a name git refuses" ||
    fail "h1 error: $(field "$rep" acme/h1 error)"
field "$rep" acme/h2 error | grep -qF "its tree holds 'sub/.GIT' (a '.git' name)" ||
    fail "h2 error: $(field "$rep" acme/h2 error)"
[ "$(git -C "$T/forge/acme/h1.git" for-each-ref --format=x | wc -l)" -eq 1 ] || fail "a branch appeared on h1"
[ "$(git -C "$T/forge/acme/h1.git" rev-parse main)" = "$head_h1" ] || fail "h1 main moved"
[ "$(git -C "$T/forge/acme/h2.git" rev-parse main)" = "$head_h2" ] || fail "h2 main moved"
[ "$(api /repos/acme/h1/pulls | pj 'len(d)')" = 0 ] || fail "a PR on h1"
[ "$(outcome "$rep" acme/ok)" = pushed ] || fail "ok not pushed"
[ "$(api /repos/acme/ok/pulls | pj 'len(d)')" = 1 ] || fail "no PR on ok"

# 2. outward symlinks refused by default: no worker, nothing written.
[ "$(outcome "$rep" acme/s1)" = failed ] || fail "s1 not failed"
[ "$(field "$rep" acme/s1 cause)" = hostile_symlink ] || fail "s1 cause: $(field "$rep" acme/s1 cause)"
[ "$(field "$rep" acme/s1 cause_source)" = supervisor ] || fail "s1 cause_source"
field "$rep" acme/s1 error | grep -qE "symlink 'links/(abs|evil)' \(from 'links/(abs|evil)'\) points to '(/etc/shadow|\.\./\.\./\.\./etc/passwd)': the link (is an absolute path|points outside the repository); set repocast.symlinks: keep" ||
    fail "s1 error: $(field "$rep" acme/s1 error)"
[ "$(pushes_to acme/s1)" -eq 0 ] || fail "something was written to s1"
grep -q "acme/s1: symlink 'links/" "$T/out" || { cat "$T/out"; fail "no error line for s1"; }
# a link that stays inside is synced by default
[ "$(outcome "$rep" acme/s2)" = pushed ] || fail "s2 (an inside link) not pushed"

# ... and kept with symlinks: keep.
config "  symlinks: keep"
rsync_run acme/s1 >"$T/out" 2>&1 || { cat "$T/out"; fail "sync with symlinks: keep"; }
rep=$(last_report)
[ "$(outcome "$rep" acme/s1)" = pushed ] || { cat "$T/out"; fail "s1 not pushed with symlinks: keep"; }
br=$(api /repos/acme/s1/pulls | pj 'd[0]["head"]["ref"]')
g=$T/forge/acme/s1.git
[ "$(git -C "$g" cat-file -p "$br:links/evil")" = ../../../etc/passwd ] || fail "links/evil"
[ "$(git -C "$g" cat-file -p "$br:links/abs")" = /etc/shadow ] || fail "links/abs"
git -C "$g" ls-tree "$br" links/ | grep -q "^120000 blob .*	links/ok$" || fail "links/ok not a symlink"
echo "sync_hostile: ok"
