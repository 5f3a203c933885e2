#!/bin/bash
# repocast sync against the loopback forge: every mapping feature,
# transforms on text but not binary, exec bit and symlink, deletion and
# prune, a base branch other than main, a missing target repo. Results
# checked with the git CLI and the forge's API; git fsck --strict on all.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

# --- source acme/source
new_work acme/source main
s=$T/w/source
mkdir -p "$s/docs/sub" "$s/flat/x" "$s/flat/y" "$s/only" "$s/wf" "$s/cfg"
echo "license text" > "$s/LICENSE"
echo "a" > "$s/docs/a.md"
echo "c" > "$s/docs/sub/c.md"
echo "hidden" > "$s/docs/.hidden.md"
echo "scratch" > "$s/docs/skip.tmp"
echo "one" > "$s/flat/x/one.txt"
echo "two" > "$s/flat/y/two.txt"
echo "package a" > "$s/only/a.go"
echo "not go" > "$s/only/b.md"
echo "name: ci" > "$s/wf/ci.yml"
cat > "$s/tmpl.txt" <<'T'
repo: acme/source
url: https://github.com/acme/source/issues
module github.com/acme/source/v2
service: {{SERVICE}} and ${SERVICE}
mail: security@source.example
T
printf 'module github.com/acme/source\n\nrequire github.com/acme/source v1.0.0\n// acme/source\n' \
    > "$s/go.mod"
printf '![s](https://img.shields.io/github/stars/acme/source.svg)\ncd source\nsource-x\n' \
    > "$s/README.md"
printf 'acme/source\0binary security@source.example\n' > "$s/bin.dat"
printf '#!/bin/sh\necho acme/source\n' > "$s/run.sh"
chmod +x "$s/run.sh"
ln -s tmpl.txt "$s/link"
mkdir -p "$s/tdir"
echo 'svc {{SERVICE}} of acme/source, team ${TEAM}' > "$s/tdir/x.txt"
push_work acme/source main

# --- target acme/t1 (main): files to delete and prune
new_work acme/t1 main
w=$T/w/t1
mkdir -p "$w/workflows" "$w/legacy/deep" "$w/src"
echo "old" > "$w/OLD.md"
echo "stale" > "$w/workflows/stale.yml"
echo "l1" > "$w/legacy/l1.txt"
echo "l2" > "$w/legacy/deep/l2.txt"
echo "keep" > "$w/src/main.c"
push_work acme/t1 main

# --- target acme/t2: default branch main, syncs against develop
seed_targets main acme/t2
git -C "$T/forge/acme/t2.git" branch develop main
main_t2=$(git -C "$T/forge/acme/t2.git" rev-parse main)

write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
  author: {name: Sync Bot, email: bot@example.com}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main, security_email: security@source.example}
    defaults: {branch_prefix: chore/sync-files, pr_labels: [automated-sync, infra]}
    global: {pr_assignees: [alice]}
    targets:
      - repo: acme/t1
        security_email: security@t1.example
        transform:
          repo_name: true
          repo_name_bare: true
          variables: {SERVICE: t1-svc}
        files:
          - {src: LICENSE, dest: LICENSE}
          - {src: go.mod, dest: go.mod}
          - {src: README.md, dest: README.md}
          - {src: tmpl.txt, dest: tmpl.txt}
          - {src: bin.dat, dest: bin.dat}
          - {src: run.sh, dest: bin/run.sh}
          - {src: link, dest: link}
          - {dest: OLD.md, delete: true}
        directories:
          - {src: docs, dest: docs, exclude: ["*.tmp"], include_hidden: false}
          - {src: flat, dest: flatdest, preserve_structure: false}
          - {src: only, dest: only, include_only: ["*.go"]}
          - {src: wf, dest: workflows, prune: true}
          - {src: docs, dest: legacy, delete: true}
          - src: tdir
            dest: tdir
            transform: {variables: {SERVICE: dir-svc, TEAM: core}}
      - repo: acme/t2
        branch: develop
        files:
          - {src: LICENSE, dest: LICENSE}
      - repo: acme/missing
        files:
          - {src: LICENSE, dest: LICENSE}
EOF2

set +e
rsync_run > "$T/out1" 2> "$T/err1"
rc=$?
set -e
cat "$T/out1" "$T/err1"
[ "$rc" -eq 1 ] || fail "exit $rc, want 1 (one target failed)"
rep=$(last_report)
[ "$(outcome "$rep" acme/t1)" = pushed ] || fail "t1 not pushed"
[ "$(outcome "$rep" acme/t2)" = pushed ] || fail "t2 not pushed"
[ "$(outcome "$rep" acme/missing)" = failed ] || fail "missing not failed"
grep -q "acme/missing.*not found" "$T/out1" || fail "no clear error for the missing repo"

# --- t1: the tree of its sync branch
g1="git -C $T/forge/acme/t1.git"
br=$($g1 for-each-ref --format='%(refname:short)' refs/heads/chore/)
[ "$(echo "$br" | wc -l)" -eq 1 ] || fail "want one sync branch on t1, got: $br"
[[ "$br" =~ ^chore/sync-files-t1-[0-9]{8}-[0-9]{6}-[0-9a-f]{7}$ ]] || fail "branch name '$br'"
[ "$($g1 rev-parse "$br^")" = "$($g1 rev-parse main)" ] || fail "parent is not the base head"
$g1 log -1 --format='%an <%ae>' "$br" | grep -q "Sync Bot <bot@example.com>" || fail "author"
files=$($g1 ls-tree -r --name-only "$br")
want="LICENSE README.md bin.dat bin/run.sh docs/a.md docs/sub/c.md flatdest/one.txt
flatdest/two.txt go.mod link only/a.go src/main.c tdir/x.txt tmpl.txt workflows/ci.yml"
[ "$(echo $files)" = "$(echo $want)" ] || fail "t1 tree: $(echo $files)"
$g1 ls-tree "$br" bin/run.sh | grep -q '^100755 ' || fail "exec bit lost"
$g1 ls-tree "$br" link | grep -q '^120000 ' || fail "symlink lost"
[ "$($g1 cat-file -p "$br:link")" = tmpl.txt ] || fail "symlink target"
t=$($g1 cat-file -p "$br:tmpl.txt")
echo "$t" | grep -q "^repo: acme/t1$" || fail "repo_name not applied: $t"
echo "$t" | grep -q "github.com/acme/t1/issues" || fail "url not rewritten"
echo "$t" | grep -q "github.com/acme/t1/v2" || fail "module path not rewritten"
echo "$t" | grep -q "service: t1-svc and t1-svc" || fail "variables not applied"
echo "$t" | grep -q "security@t1.example" || fail "email not applied"
cmp <($g1 cat-file -p "$br:bin.dat") "$s/bin.dat" || fail "binary file was transformed"
# repo_name by file type: go.mod only the module path; the bare name in Markdown
[ "$($g1 cat-file -p "$br:go.mod")" = "$(printf 'module github.com/acme/t1\n\nrequire github.com/acme/source v1.0.0\n// acme/source')" ] ||
    fail "go.mod: $($g1 cat-file -p "$br:go.mod")"
[ "$($g1 cat-file -p "$br:README.md")" = "$(printf '![s](https://img.shields.io/github/stars/acme/t1.svg)\ncd t1\nsource-x')" ] ||
    fail "README.md: $($g1 cat-file -p "$br:README.md")"
# a directory's transform inherits the target's (repo_name) and overrides SERVICE
[ "$($g1 cat-file -p "$br:tdir/x.txt")" = "svc dir-svc of acme/t1, team core" ] ||
    fail "directory transform: $($g1 cat-file -p "$br:tdir/x.txt")"
[ "$($g1 rev-parse "$br:bin/run.sh")" != "" ] || fail "run.sh"
$g1 cat-file -p "$br:bin/run.sh" | grep -q "acme/t1" || fail "text script not transformed"

# --- t1: its pull request
pr=$(api /repos/acme/t1/pulls)
[ "$(echo "$pr" | pj 'len(d)')" -eq 1 ] || fail "want 1 PR on t1"
echo "$pr" | pjt 'd[0]["head"]["ref"] == "'"$br"'" and d[0]["base"]["ref"] == "main"' ||
    fail "PR head/base"
echo "$pr" | pj 'd[0]["title"]' | grep -Eq '^\[Sync\] Update project files from source repository \([0-9a-f]{7}\)$' ||
    fail "PR title"
src_head=$(git -C "$T/forge/acme/source.git" rev-parse main)
echo "$pr" | pj 'd[0]["body"]' | grep -q "repocast-metadata.*$src_head" || fail "metadata block"
echo "$pr" | pjt 'sorted(l["name"] for l in d[0]["labels"]) == ["automated-sync", "infra"]' ||
    fail "labels"
echo "$pr" | pjt '[a["login"] for a in d[0]["assignees"]] == ["alice"]' || fail "assignees"

# --- t2: synced against develop, main untouched, PR base develop
g2="git -C $T/forge/acme/t2.git"
br2=$($g2 for-each-ref --format='%(refname:short)' refs/heads/chore/)
[ "$($g2 rev-parse "$br2^")" = "$($g2 rev-parse develop)" ] || fail "t2 parent is not develop"
[ "$($g2 rev-parse main)" = "$main_t2" ] || fail "t2 main moved"
api /repos/acme/t2/pulls | pjt 'd[0]["base"]["ref"] == "develop"' || fail "t2 PR base"

# never pushed to a base branch
[ "$($g1 rev-parse main)" = "$(git -C "$T/w/t1" rev-parse HEAD)" ] || fail "t1 main moved"

# --only-failed last: only acme/missing runs again (and fails again)
set +e
rsync_run --only-failed last > "$T/out2" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$T/out2"; fail "--only-failed: exit $rc, want 1"; }
rep=$(last_report)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit([t["name"] for t in d["targets"]] != ["acme/missing"])' "$rep" ||
    fail "--only-failed ran more than acme/missing"
# the API client's requests are on the supervisor's track of trace.json,
# and counted in report.json
python3 - "$(dirname "$rep")" <<'PY2' || fail "no API spans in trace.json"
import json, os, sys
d = sys.argv[1]
ev = json.load(open(os.path.join(d, "trace.json")))["traceEvents"]
api = [e for e in ev if e.get("cat") == "api"]
names = [e["name"] for e in api]
# the path as sent, under the API's base path (/api/v3 on this forge)
assert any(n.startswith("GET /") and n.endswith("/rate_limit") for n in names), names
assert any(n.startswith("GET /") and "/repos/acme/missing" in n for n in names), names
assert all(e["ph"] == "X" and e["dur"] >= 0 for e in api), api
run = json.load(open(os.path.join(d, "report.json")))["run"]
assert len(api) == run["api"]["requests"], (len(api), run.get("api"))
PY2
# a run whose failures are all gone from the scope: nothing to rerun
set +e
rsync_run --only-failed last acme/t1 > "$T/out3" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || { cat "$T/out3"; fail "nothing to rerun: exit $rc, want 0"; }
grep -q "nothing to rerun" "$T/out3" || { cat "$T/out3"; fail "no 'nothing to rerun'"; }
[ "$(last_report)" = "$rep" ] || fail "a run was made with nothing to rerun"
fsck_all
echo "ok"
