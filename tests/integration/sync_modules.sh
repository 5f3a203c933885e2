#!/bin/bash
# Module sync against the loopback forge: a source with tags v1.1.0,
# v1.2.0 (annotated) and v2.0.0, each with other contents in pkg/errs, and
# a branch head past them. ^1.1.0, an exact tag, latest, ~1.1 and a
# constraint nothing satisfies, each on its own target: the synced
# directory equals the chosen tag's (git ls-tree), the others succeed when
# one fails with cause "version", update_refs edits an existing require
# line and adds a missing one, the version is in the PR body, the metadata
# block and report.json. validate refuses a bad version with file:line:col;
# the modules command's list, show and versions.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

# --- source acme/lib: three tagged versions of pkg/errs, then the head
new_work acme/lib main
s=$T/w/lib
mkdir -p "$s/pkg/errs"
printf 'module github.com/acme/lib/errs\n\ngo 1.21\n' > "$s/pkg/errs/go.mod"
echo "package errs // v1.1.0" > "$s/pkg/errs/errs.go"
echo "readme 1" > "$s/README.md"
push_work acme/lib main "v1.1.0"
git -C "$s" tag v1.1.0
echo "package errs // v1.2.0" > "$s/pkg/errs/errs.go"
echo "package errs // new in v1.2.0" > "$s/pkg/errs/new.go"
push_work acme/lib main "v1.2.0"
git -C "$s" tag -a -m "release v1.2.0" v1.2.0
echo "package errs // v2.0.0" > "$s/pkg/errs/errs.go"
rm "$s/pkg/errs/new.go"
echo "package errs // only in v2" > "$s/pkg/errs/v2.go"
push_work acme/lib main "v2.0.0"
git -C "$s" tag v2.0.0
git -C "$s" tag not-a-version-tag
echo "package errs // unreleased head" > "$s/pkg/errs/errs.go"
echo "readme head" > "$s/README.md"
mkdir -p "$s/pkg/later"
echo "package later" > "$s/pkg/later/later.go"
push_work acme/lib main "head"
git -C "$s" push -q "$T/forge/acme/lib.git" --tags
src=$T/forge/acme/lib.git

# --- targets: caret and exact carry go.mod files for update_refs
make_repo acme/caret main go.mod "module github.com/acme/caret

require (
	github.com/acme/lib/errs v1.0.0 // pinned
	golang.org/x/text v0.3.0
)"
make_repo acme/exact main go.mod "module github.com/acme/exact

go 1.21"
seed_targets main acme/latest acme/tilde acme/nomatch acme/nodir

write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
groups:
  - name: Go libraries
    id: libs
    source: {repo: acme/lib, branch: main}
    targets:
      - repo: acme/caret
        files: [{src: README.md, dest: README.lib.md}]
        directories:
          - src: pkg/errs
            dest: third_party/errs
            module: {type: go, version: "^1.1.0", update_refs: true}
      - repo: acme/exact
        directories:
          - src: pkg/errs
            dest: third_party/errs
            module: {type: go, version: v1.1.0, check_tags: false, update_refs: true}
      - repo: acme/latest
        directories:
          - {src: pkg/errs, dest: errs, module: {type: go, version: latest}}
      - repo: acme/tilde
        directories:
          - {src: pkg/errs, dest: errs, module: {type: go, version: "~1.1"}}
      - repo: acme/nomatch
        directories:
          - {src: pkg/errs, dest: errs, module: {type: go, version: ">=3.0.0 <4"}}
      - repo: acme/nodir
        directories:
          - {src: pkg/later, dest: later, module: {type: go, version: v1.1.0}}
EOF2

# --- validate: the config is fine; a bad version is refused with its place
"$RC" validate -c "$T/sync.yaml" >"$T/validate.out" 2>&1 ||
    { cat "$T/validate.out"; fail "validate refused a good config"; }
sed 's/version: latest}/version: not-a-version}/' "$T/sync.yaml" > "$T/bad.yaml"
"$RC" validate -c "$T/bad.yaml" >"$T/bad.out" 2>&1
code=$?
[ "$code" = 2 ] || { cat "$T/bad.out"; fail "validate of a bad version: exit $code, want 2"; }
line=$(grep -n 'not-a-version' "$T/bad.yaml" | cut -d: -f1)
col=$(grep 'not-a-version' "$T/bad.yaml" | awk '{print index($0, "not-a-version")}')
grep -q "bad.yaml:$line:$col: groups\[0\].targets\[2\].directories\[0\].module.version: invalid version 'not-a-version'" \
    "$T/bad.out" || { cat "$T/bad.out"; fail "validate: no file:line:col error"; }

# --- the modules command
"$RC" modules list -c "$T/sync.yaml" --token-file "$T/token" > "$T/list.out" ||
    [ $? = 1 ] || fail "modules list failed"
grep -q 'Total modules configured: 6' "$T/list.out" || { cat "$T/list.out"; fail "list count"; }
grep -q 'Target: acme/caret -> third_party/errs' "$T/list.out" || fail "list target"
grep -q 'Resolves to: v1.2.0' "$T/list.out" || { cat "$T/list.out"; fail "list resolved"; }
"$RC" modules list -c "$T/sync.yaml" --token-file "$T/token" --json > "$T/list.json"
code=$?
[ "$code" = 1 ] || fail "modules list: exit $code, want 1 (nomatch resolves to nothing)"
pjt '[m["resolved"] for m in d["modules"]] == ["v1.2.0", "v1.1.0", "v2.0.0", "v1.1.0", None, None]' \
    "$T/list.json" || { cat "$T/list.json"; fail "list --json resolved versions"; }
pjt '(d["modules"][0]["version"] == "^1.1.0" and d["modules"][0]["group"] == "libs" and
     d["modules"][0]["dest"] == "third_party/errs" and d["modules"][0]["update_refs"] and
     "no tag of" in d["modules"][4]["error"] and
     "does not exist at v1.1.0" in d["modules"][5]["error"])' "$T/list.json" || fail "list --json fields"
"$RC" modules show pkg/errs -c "$T/sync.yaml" --token-file "$T/token" > "$T/show.out"
"$RC" modules show github.com/acme/lib/errs -c "$T/sync.yaml" --token-file "$T/token" --json > "$T/show.json"
"$RC" modules show pkg/none -c "$T/sync.yaml" --token-file "$T/token" > /dev/null 2> "$T/none.err"
code=$?
grep -q '=== Module: pkg/errs ===' "$T/show.out" || fail "show header"
grep -q 'Module Path: github.com/acme/lib/errs' "$T/show.out" || fail "show module path"
grep -q 'Update Refs: true' "$T/show.out" || fail "show update_refs"
pjt 'len(d["modules"]) == 4' "$T/show.json" || fail "show by module path"
[ "$code" = 2 ] || fail "show of an unknown path: exit $code, want 2"
grep -q "no module directory 'pkg/none'" "$T/none.err" || fail "show unknown: message"
"$RC" modules versions pkg/errs -c "$T/sync.yaml" --token-file "$T/token" > "$T/versions.out"
"$RC" modules versions pkg/errs -c "$T/sync.yaml" --token-file "$T/token" --json > "$T/versions.json"
pjt 'd["versions"] == ["v2.0.0", "v1.2.0", "v1.1.0"]' "$T/versions.json" ||
    { cat "$T/versions.json"; fail "versions newest first"; }
[ "$(grep -c '^  - v' "$T/versions.out")" = 3 ] || { cat "$T/versions.out"; fail "versions text"; }
grep -q 'Current Configuration (acme/tilde -> errs): ~1.1' "$T/versions.out" ||
    fail "versions: configuration"

# --- sync: nomatch fails with cause version, the others are pushed
rsync_run --confirm-scope 6 > "$T/sync.out" 2>&1
code=$?
[ "$code" = 1 ] || { cat "$T/sync.out"; fail "sync: exit $code, want 1"; }
rep=$(last_report)
for t in caret exact latest tilde; do
	[ "$(outcome "$rep" acme/$t)" = pushed ] || { cat "$T/sync.out"; fail "acme/$t not pushed"; }
done
[ "$(outcome "$rep" acme/nomatch)" = failed ] || fail "acme/nomatch did not fail"
pjt '"does not exist at v1.1.0" in [t for t in d["targets"] if t["name"] == "acme/nodir"][0]["error"]' \
    "$rep" || fail "nodir: error text"
pjt '[t for t in d["targets"] if t["name"] == "acme/nodir"][0]["cause"] == "version"' "$rep" ||
    fail "nodir: cause is not version"
pjt '[t for t in d["targets"] if t["name"] == "acme/nomatch"][0]["cause"] == "version"' "$rep" ||
    fail "nomatch: cause is not version"
pjt '"no tag of" in [t for t in d["targets"] if t["name"] == "acme/nomatch"][0]["error"]' "$rep" ||
    fail "nomatch: error text"

branch_of() {
	pj "[t for t in d['targets'] if t['name'] == '$1'][0]['result']['branch']" "$rep"
}

# The synced directory is the tag's directory, blob for blob.
check_tree() {
	local repo=$1 dest=$2 tag=$3 br
	br=$(branch_of "$repo")
	diff <(git -C "$T/forge/$repo.git" ls-tree -r "$br:$dest") \
	    <(git -C "$src" ls-tree -r "$tag:pkg/errs") ||
	    fail "$repo: $dest is not pkg/errs at $tag"
}
check_tree acme/caret third_party/errs v1.2.0
check_tree acme/exact third_party/errs v1.1.0
check_tree acme/latest errs v2.0.0
check_tree acme/tilde errs v1.1.0
# A file mapping outside the module still comes from the branch head.
[ "$(git -C "$T/forge/acme/caret.git" show "$(branch_of acme/caret):README.lib.md")" = "readme head" ] ||
    fail "caret: README.lib.md is not the head's"

# report.json: per target, the module with its version and commit
pjt '([t for t in d["targets"] if t["name"] == "acme/caret"][0]["modules"] ==
     [{"dir": "pkg/errs", "dest": "third_party/errs", "spec": "^1.1.0", "version": "v1.2.0",
       "commit": "'"$(git -C "$src" rev-parse 'v1.2.0^{commit}')"'",
       "module": "github.com/acme/lib/errs"}])' "$rep" || fail "report.json modules of caret"
pjt '[t for t in d["targets"] if t["name"] == "acme/latest"][0]["modules"][0]["version"] == "v2.0.0"' \
    "$rep" || fail "report.json modules of latest"

# update_refs: an existing require line's version changed, the rest kept
gomod=$(git -C "$T/forge/acme/caret.git" show "$(branch_of acme/caret):go.mod")
[ "$gomod" = "module github.com/acme/caret

require (
	github.com/acme/lib/errs v1.2.0 // pinned
	golang.org/x/text v0.3.0
)" ] || { echo "$gomod"; fail "caret: go.mod require not updated"; }
# ... and a missing one added
gomod=$(git -C "$T/forge/acme/exact.git" show "$(branch_of acme/exact):go.mod")
[ "$gomod" = "module github.com/acme/exact

go 1.21

require github.com/acme/lib/errs v1.1.0" ] || { echo "$gomod"; fail "exact: go.mod require not added"; }
# no update_refs: go.mod untouched (latest has none, and gets none)
git -C "$T/forge/acme/latest.git" cat-file -e "$(branch_of acme/latest):go.mod" 2>/dev/null &&
    fail "latest: go.mod appeared without update_refs"

# The PR body names the version; the metadata block carries it.
api /repos/acme/caret/pulls > "$T/pr.json"
pjt 'len(d) == 1' "$T/pr.json" || fail "caret: one PR"
body=$(pj 'd[0]["body"]' "$T/pr.json")
grep -q '`pkg/errs` -> `third_party/errs` at `v1.2.0`' <<<"$body" || { echo "$body"; fail "PR body version"; }
meta=$(sed -n 's/.*<!-- repocast-metadata \(.*\) -->.*/\1/p' <<<"$body")
pjt '(d["modules"] == [{"dir": "pkg/errs", "dest": "third_party/errs", "version": "v1.2.0",
     "commit": "'"$(git -C "$src" rev-parse 'v1.2.0^{commit}')"'"}])' <(echo "$meta") ||
    { echo "$meta"; fail "metadata block modules"; }
git -C "$T/forge/acme/caret.git" log -1 --format=%B "$(branch_of acme/caret)" |
    grep -q '^Module: pkg/errs at v1.2.0' || fail "commit message names the module version"
api /repos/acme/nomatch/pulls | pjt 'd == []' || fail "nomatch has a PR"

# --- a new tag that ^1.1.0 accepts: the next run moves caret to it
echo "package errs // v1.3.0" > "$s/pkg/errs/errs.go"
git -C "$s" checkout -q v1.2.0 -- pkg/errs/new.go
git -C "$s" rm -q pkg/errs/v2.go
push_work acme/lib main "v1.3.0"
git -C "$s" tag v1.3.0
git -C "$s" push -q "$T/forge/acme/lib.git" v1.3.0
rsync_run acme/caret > "$T/sync2.out" 2>&1
code=$?
[ "$code" = 0 ] || { cat "$T/sync2.out"; fail "second sync: exit $code"; }
rep=$(last_report)
[ "$(outcome "$rep" acme/caret)" = pushed ] || { cat "$T/sync2.out"; fail "caret not moved to v1.3.0"; }
check_tree acme/caret third_party/errs v1.3.0
git -C "$T/forge/acme/caret.git" show "$(branch_of acme/caret):go.mod" |
    grep -q 'github.com/acme/lib/errs v1.3.0 // pinned' || fail "caret: go.mod not at v1.3.0"

# --- the skip cache: unchanged, no worker; a new tag off the branch (the
# branch head does not move) is a change all the same
rsync_run acme/caret > "$T/sync3.out" 2>&1 || { cat "$T/sync3.out"; fail "third sync failed"; }
rep=$(last_report)
pjt '[t for t in d["targets"] if t["name"] == "acme/caret"][0]["skipped"]' "$rep" ||
    { cat "$T/sync3.out"; fail "caret: an unchanged rerun was not answered by the skip cache"; }
head_before=$(git -C "$src" rev-parse main)
git -C "$s" checkout -q -b side
echo "package errs // v1.4.0" > "$s/pkg/errs/errs.go"
git -C "$s" commit -qam "v1.4.0 off the branch"
git -C "$s" tag v1.4.0
git -C "$s" push -q "$T/forge/acme/lib.git" v1.4.0
[ "$(git -C "$src" rev-parse main)" = "$head_before" ] || fail "the branch head moved"
rsync_run acme/caret > "$T/sync4.out" 2>&1 || { cat "$T/sync4.out"; fail "fourth sync failed"; }
rep=$(last_report)
[ "$(outcome "$rep" acme/caret)" = pushed ] || { cat "$T/sync4.out"; fail "caret not moved to v1.4.0"; }
check_tree acme/caret third_party/errs v1.4.0

# --json names the module versions too
rsync_run --dry-run --json acme/tilde > "$T/dry.json" 2> "$T/dry.err" ||
    { cat "$T/dry.err"; fail "dry run of tilde failed"; }
pjt '(d["targets"][0]["modules"] == [{"dir": "pkg/errs", "dest": "errs", "spec": "~1.1",
     "version": "v1.1.0", "commit": "'"$(git -C "$src" rev-parse v1.1.0)"'"}])' "$T/dry.json" ||
    { cat "$T/dry.json"; fail "sync --json modules"; }

# A tag deleted on the remote leaves the mirror too.
git -C "$src" tag -d v2.0.0 >/dev/null
"$RC" modules versions pkg/errs -c "$T/sync.yaml" --token-file "$T/token" --json \
    > "$T/versions2.json" || [ $? = 1 ] || fail "modules versions after a deleted tag"
pjt 'd["versions"] == ["v1.4.0", "v1.3.0", "v1.2.0", "v1.1.0"]' "$T/versions2.json" ||
    { cat "$T/versions2.json"; fail "a deleted tag is still listed"; }

fsck_all
echo "ok: sync_modules"
