#!/bin/bash
# `repocast run` without --no-pr: after the command succeeds, what it
# changed (as `git add -A` would take it: .gitignore honoured, deletions
# too) is committed, pushed to the run's branch and one PR per changed
# repository is opened; an unchanged repository gets none (outcome
# unchanged). A rerun updates the same PR. --diff previews and pushes
# nothing; a failing command pushes nothing; a lost create answer is
# reconciled (still one PR); a rerun whose command changes nothing closes
# the stale PR; a local path is refused.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

seed_targets main acme/a acme/b acme/c
# b ignores *.log: the command's log file must not be committed
printf '*.log\n' > "$T/w/b/.gitignore"
echo gone > "$T/w/b/old.txt"
push_work acme/b main "ignore logs"
printf '%s\n' acme/a acme/b acme/c > "$T/repos"

# each step has its own report dir: its one report is the step's
STEP=0
step_report() { ls "$T/runs$STEP"/*/report.json; }
open_prs() { api "/repos/$1/pulls?state=open" | pj 'len(d)'; }
heads() { git -C "$T/forge/$1.git" for-each-ref --format='%(refname:short)' refs/heads/; }
run_pr() {
	"$RC" run --repos "$T/repos" --token-file "$T/token" --report-dir "$T/runs$STEP" \
	    --git-url "http://127.0.0.1:$PORT/git" --api-url "http://127.0.0.1:$PORT/api/v3" \
	    --no-progress --jobs 2 --retries 0 "$@"
}
# a and b change, c does not; b also writes an ignored file and deletes one
CMD='case "$REPOCAST_REPO" in acme/c) ;; acme/b) echo x >> README.md; echo noise > build.log; rm old.txt; mkdir -p .github/w; echo y > .github/w/ci.yml; printf "#!/bin/sh\n" > run.sh; chmod +x run.sh ;; *) echo x >> README.md ;; esac'
BR=repocast/run-change

STEP=1
# 1. --diff: the command runs, the diff is shown, nothing is pushed or written
before=$(for r in a b c; do heads acme/$r; done | sort | tr '\n' ' ')
run_pr --diff --branch $BR -- sh -c "$CMD" > "$T/diff" 2> "$T/err" || { cat "$T/err"; fail "--diff failed"; }
grep -q '^=== acme/a: would push branch' "$T/diff" || { cat "$T/diff"; fail "no diff for a"; }
grep -q '^=== acme/c: unchanged' "$T/diff" || { cat "$T/diff"; fail "c not unchanged"; }
grep -q '^+x$' "$T/diff" || fail "the diff does not show the change"
grep -q 'build.log' "$T/diff" && fail "the ignored file is in the diff"
after=$(for r in a b c; do heads acme/$r; done | sort | tr '\n' ' ')
[ "$before" = "$after" ] || fail "--diff pushed: $before -> $after"
for r in a b c; do [ "$(open_prs acme/$r)" -eq 0 ] || fail "--diff opened a PR in $r"; done
[ -z "$(forge_writes)" ] || fail "--diff wrote to the API: $(forge_writes)"
R=$(step_report)
[ "$(outcome "$R" acme/a)" = dry_run ] || fail "a: $(outcome "$R" acme/a), want dry_run"
[ "$(outcome "$R" acme/c)" = unchanged ] || fail "c: $(outcome "$R" acme/c), want unchanged"

STEP=2
# 2. a failing command pushes nothing and opens nothing
set +e
run_pr --branch $BR -- sh -c "$CMD; exit 1" > "$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$T/out"; fail "failing command: exit $code, want 1"; }
after=$(for r in a b c; do heads acme/$r; done | sort | tr '\n' ' ')
[ "$before" = "$after" ] || fail "a failing command pushed: $after"
for r in a b c; do [ "$(open_prs acme/$r)" -eq 0 ] || fail "a failing command opened a PR in $r"; done

STEP=3
# 3. the run: one PR per changed repository, none for c
run_pr --branch $BR --title "Add x" --body "Why: testing." --labels automated,run \
    --draft -- sh -c "$CMD" > "$T/out" 2>&1 || { cat "$T/out"; fail "run failed"; }
R=$(step_report)
for r in a b; do
	[ "$(outcome "$R" acme/$r)" = pushed ] || fail "$r: $(outcome "$R" acme/$r), want pushed"
	[ "$(open_prs acme/$r)" -eq 1 ] || fail "$r: $(open_prs acme/$r) open PRs, want 1"
done
[ "$(outcome "$R" acme/c)" = unchanged ] || fail "c: $(outcome "$R" acme/c), want unchanged"
[ "$(open_prs acme/c)" -eq 0 ] || fail "c got a PR"
heads acme/c | grep -q "^$BR\$" && fail "c got a branch"
api /repos/acme/a/pulls > "$T/pa"
pjt "d[0]['head']['ref'] == '$BR' and d[0]['title'] == 'Add x' and d[0]['draft']" "$T/pa" \
    || fail "a's PR: $(cat "$T/pa")"
pjt "sorted(l['name'] for l in d[0]['labels']) == ['automated', 'run']" "$T/pa" || fail "labels"
pjt "'Why: testing.' in d[0]['body'] and 'repocast-run-metadata' in d[0]['body']" "$T/pa" \
    || fail "a's body: $(pj "d[0]['body']" "$T/pa")"
url_a=$(pj "d[0]['html_url']" "$T/pa")
pjt "[(t['pr'], t['pr_url']) for t in d['targets'] if t['name']=='acme/a'] == [('opened', '$url_a')]" \
    "$R" || fail "a's pr/pr_url in the report"
# b's commit: README changed, old.txt deleted, build.log not committed
git -C "$T/forge/acme/b.git" ls-tree -r --name-only $BR > "$T/btree"
grep -qx README.md "$T/btree" || fail "README.md missing"
grep -qx build.log "$T/btree" && fail "the ignored build.log was committed"
grep -qx old.txt "$T/btree" && fail "the deleted old.txt is still there"
grep -qx .github/w/ci.yml "$T/btree" || fail "a new file in a new hidden directory was not committed"
git -C "$T/forge/acme/b.git" ls-tree $BR run.sh | grep -q "^100755 " || fail "run.sh lost its mode"
[ "$(git -C "$T/forge/acme/b.git" rev-list --count main..$BR)" -eq 1 ] || fail "not one commit"
num_a=$(pj "d[0]['number']" "$T/pa")

STEP=4
# 4. a rerun with a further change updates the same PR (still one open)
CMD2='case "$REPOCAST_REPO" in acme/c) ;; *) echo x >> README.md; echo y >> README.md ;; esac'
run_pr --branch $BR --title "Add x and y" --labels extra -- sh -c "$CMD2" > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "rerun failed"; }
for r in a b; do [ "$(open_prs acme/$r)" -eq 1 ] || fail "$r: two PRs after the rerun"; done
api /repos/acme/a/pulls > "$T/pa"
[ "$(pj "d[0]['number']" "$T/pa")" = "$num_a" ] || fail "a new PR instead of an update"
[ "$(pj "d[0]['title']" "$T/pa")" = "Add x and y" ] || fail "title not updated"
pjt "sorted(l['name'] for l in d[0]['labels']) == ['automated', 'extra', 'run']" "$T/pa" ||
    fail "labels after the rerun: $(pj "[l['name'] for l in d[0]['labels']]" "$T/pa")"
git -C "$T/forge/acme/a.git" show $BR:README.md | grep -qx y || fail "the branch lacks the new change"
R=$(step_report)
pjt "[t for t in d['targets'] if t['name']=='acme/a'][0]['pr'] == 'updated'" "$R" ||
    fail "a's pr is not 'updated': $(cat "$R" | head -c 600)"

# 4b. the command changes nothing any more: the stale PRs are closed with a
# comment and the run's branches deleted
STEP=45
run_pr --branch $BR -- true > "$T/out" 2>&1 || { cat "$T/out"; fail "no-op rerun failed"; }
for r in a b c; do
	[ "$(open_prs acme/$r)" -eq 0 ] || fail "$r: a stale PR stayed open"
	heads acme/$r | grep -q "^$BR\$" && fail "$r: the run's branch stayed"
done
R=$(step_report)
pjt "[(t['name'], t['outcome'], t['pr']) for t in d['targets']] == [('acme/a', 'unchanged', 'closed'), ('acme/b', 'unchanged', 'closed'), ('acme/c', 'unchanged', None)]" "$R" ||
    fail "no-op rerun: $(pj "[(t['name'], t['outcome'], t['pr']) for t in d['targets']]" "$R")"
api "/repos/acme/a/issues/$num_a/comments" | pjt "'no longer changes anything' in d[-1]['body']" ||
    fail "no closing comment"

STEP=5
# 5. default branch from the command; a lost create answer is reconciled
make_repo acme/d main README.md d
printf 'acme/d\n' > "$T/repos"
forge_control /_forge/faults '{"kind": "drop_after", "method": "POST", "path": "/repos/acme/d/pulls$", "count": 1}'
run_pr -- sh -c 'echo z >> README.md' > "$T/out" 2>&1 || { cat "$T/out"; fail "run on d failed"; }
forge_control /_forge/faults "" DELETE
[ "$(open_prs acme/d)" -eq 1 ] || fail "d: $(open_prs acme/d) PRs after a lost create"
# adopted after the lost answer (the fault fired), not opened twice
pjt "[t['pr'] for t in d['targets']] == ['current']" "$(step_report)" ||
    fail "d's PR was not reconciled: $(pj "[t['pr'] for t in d['targets']]" "$(step_report)")"
pjt "d[0]['head']['ref'] == 'repocast/run-sh-c-echo-z-readme-md'" <(api /repos/acme/d/pulls) ||
    fail "default branch: $(api /repos/acme/d/pulls | pj "d[0]['head']['ref']")"
num_d=$(api /repos/acme/d/pulls | pj "d[0]['number']")
# the same command again after the base moved: the same PR, updated
echo "more" > "$T/w/d/NEW.md"
push_work acme/d main "base moves"
STEP=55
run_pr -- sh -c 'echo z >> README.md' > "$T/out" 2>&1 || { cat "$T/out"; fail "rerun on d failed"; }
[ "$(open_prs acme/d)" -eq 1 ] || fail "d: two PRs after the same command again"
pjt "d[0]['number'] == $num_d" <(api /repos/acme/d/pulls) || fail "d: a new PR for the same command"
pjt "[t['pr'] for t in d['targets']] == ['updated']" "$(step_report)" || fail "d's PR not updated"
git -C "$T/forge/acme/d.git" show repocast/run-sh-c-echo-z-readme-md:NEW.md >/dev/null ||
    fail "d: the branch is not on the new base"

# someone commits on the run's branch: the next run does not overwrite it
DBR=repocast/run-sh-c-echo-z-readme-md
git -C "$T/w/d" fetch -q "$T/forge/acme/d.git" "$DBR"
git -C "$T/w/d" checkout -q -b mine FETCH_HEAD
echo "by hand" > "$T/w/d/HAND.md"
git -C "$T/w/d" add HAND.md
git -C "$T/w/d" commit -qm "a human commit"
git -C "$T/w/d" push -q "$T/forge/acme/d.git" "HEAD:refs/heads/$DBR"
hand=$(git -C "$T/forge/acme/d.git" rev-parse "$DBR")
STEP=56
set +e
run_pr -- sh -c 'echo z >> README.md' > "$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$T/out"; fail "a branch with a human commit: exit $code, want 1"; }
grep -q "has commits repocast did not make" "$T/out" || { cat "$T/out"; fail "no reason given"; }
[ "$(git -C "$T/forge/acme/d.git" rev-parse "$DBR")" = "$hand" ] || fail "the human commit was overwritten"
[ "$(open_prs acme/d)" -eq 1 ] || fail "d: PRs changed"

STEP=6
# 6. refused: a local path, a bad branch name, PR flags with --no-pr
printf '%s\n' "$T/forge/acme/a.git" > "$T/local"
set +e
"$RC" run --repos "$T/local" --report-dir "$T/runs-local" -- true > "$T/out" 2>&1; code=$?
set -e
[ "$code" -eq 2 ] && grep -q "pass --no-pr" "$T/out" || { cat "$T/out"; fail "local path: exit $code"; }
[ ! -e "$T/runs-local" ] || fail "a refused run wrote a run directory"
set +e
run_pr --branch 'bad..name' -- true > "$T/out" 2>&1; code=$?
set -e
[ "$code" -eq 2 ] && grep -q "invalid branch name" "$T/out" || { cat "$T/out"; fail "bad branch: $code"; }
set +e
run_pr --no-pr --title x -- true > "$T/out" 2>&1; code=$?
set -e
[ "$code" -eq 2 ] && grep -q "cannot go with --no-pr" "$T/out" || { cat "$T/out"; fail "--no-pr --title"; }

# 7. -c CONFIG: the targets of the groups in scope, on each target's branch,
# with the config's api_url and git_url
git -C "$T/w/c" checkout -qb dev
echo "on dev" > "$T/w/c/DEV.md"
push_work acme/c dev "dev work"
cat > "$T/run.yaml" <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:$PORT/api/v3
  git_url: http://127.0.0.1:$PORT/git
groups:
  - name: one
    id: one
    source: {repo: acme/a, branch: main}
    targets:
      - repo: acme/c
        branch: dev
        files: [{src: README.md, dest: X.md}]
  - name: two
    id: two
    source: {repo: acme/a, branch: main}
    targets:
      - repo: acme/d
        files: [{src: README.md, dest: X.md}]
EOF2
STEP=7
"$RC" run -c "$T/run.yaml" --groups one --token-file "$T/token" --report-dir "$T/runs7" \
    --no-progress --title "dev change" -- sh -c 'test -f DEV.md && echo more >> DEV.md' \
    > "$T/out" 2>&1 || { cat "$T/out"; fail "run -c failed"; }
R=$(step_report)
pjt "[(t['name'], t['outcome']) for t in d['targets']] == [('acme/c', 'pushed')]" "$R" ||
    fail "-c --groups one: $(pj "[(t['name'], t['outcome']) for t in d['targets']]" "$R")"
pjt "'config:$T/run.yaml' in d['run']['selection']['sources']" "$R" || fail "selection sources"
api /repos/acme/c/pulls > "$T/pc"
pjt "[(p['base']['ref'], p['title']) for p in d] == [('dev', 'dev change')]" "$T/pc" ||
    fail "the PR is not against the target's branch: $(cat "$T/pc" | head -c 300)"
set +e
"$RC" run -c "$T/run.yaml" --groups nope --no-pr --report-dir "$T/runs8" -- true > "$T/out" 2>&1
code=$?
"$RC" run --repos "$T/repos" --groups one --no-pr -- true > "$T/out2" 2>&1
code2=$?
set -e
[ "$code" -eq 2 ] || { cat "$T/out"; fail "unknown group: exit $code"; }
[ "$code2" -eq 2 ] && grep -q "give -c CONFIG" "$T/out2" || { cat "$T/out2"; fail "--groups without -c"; }
# no token anywhere (a gh that has none either): refused before anything runs
mkdir -p "$T/bin"
printf '#!/bin/sh\nexit 1\n' > "$T/bin/gh"
chmod +x "$T/bin/gh"
set +e
env -u GITHUB_TOKEN -u GH_TOKEN PATH="$T/bin:$PATH" "$RC" run --repos "$T/repos" \
    --git-url "http://127.0.0.1:$PORT/git" --api-url "http://127.0.0.1:$PORT/api/v3" \
    --report-dir "$T/runs-notoken" -- true > "$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 3 ] && grep -q "opening pull requests needs a token" "$T/out" ||
    { cat "$T/out"; fail "no token: exit $code, want 3"; }
[ ! -e "$T/runs-notoken" ] || fail "a run without a token wrote a run directory"
fsck_all
echo "run_pr: ok"
