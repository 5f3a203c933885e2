#!/bin/bash
# sync --draft and pr_draft open draft PRs (an existing PR that is not a
# draft stays one, and the summary says so); --automerge adds the labels
# of GO_BROADCAST_AUTOMERGE_LABELS, else of repocast.automerge_labels, and
# enables GitHub's auto-merge (enablePullRequestAutoMerge at /api/graphql)
# only where the repository allows it; a refused mutation is a note, not
# a failure.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main shared.txt "shared v1"
seed_targets main acme/a acme/b acme/c acme/d

cfg() {
	write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
  automerge_labels: [ready-to-merge]
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    defaults: {pr_draft: $1}
    targets:
      - repo: acme/a
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/b
        files: [{src: shared.txt, dest: shared.txt}]
        pr_draft: false
      - repo: acme/c
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/d
        files: [{src: shared.txt, dest: shared.txt}]
EOF2
}
draft_of() { api /repos/acme/$1/pulls/1 | pj 'd["draft"]'; }
labels_of() { api /repos/acme/$1/pulls/1 | pj '",".join(sorted(l["name"] for l in d["labels"]))'; }
jt() { pj '[t for t in d["targets"] if t["repo"] == "acme/'"$1"'"][0]["'"$2"'"]' "$T/out.json"; }

# a config key of the wrong type is refused with its place
cfg '"yes"'
set +e
"$RC" validate -c "$T/sync.yaml" > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "sync.yaml:[0-9]*:[0-9]*: .*pr_draft.*boolean" "$T/out" ||
    { cat "$T/out"; fail "pr_draft: \"yes\" not refused with its place (exit $rc)"; }

# defaults.pr_draft: true; b says false; d: --draft is not needed for it either
cfg true
rsync_run --json acme/a acme/b > "$T/out.json" 2>"$T/err" || { cat "$T/out.json" "$T/err"; fail "sync failed"; }
cat "$T/out.json"; [ "$(draft_of a)" = true ] || fail "a: defaults.pr_draft: true gave no draft"
[ "$(draft_of b)" = false ] || fail "b: the target's pr_draft: false was not taken"
[ "$(jt a pr_draft)" = true ] && [ "$(jt b pr_draft)" = false ] || fail "--json pr_draft"

# --draft on c (config says false now); an existing non-draft PR (b) stays so
cfg false
rsync_run acme/c > "$T/out" 2>&1 || { cat "$T/out"; fail "sync c failed"; }
[ "$(draft_of c)" = false ] || fail "c: a draft without --draft"
printf 'shared v2\n' > "$T/w/source/shared.txt"
push_work acme/source main
rsync_run --draft acme/b acme/c acme/d > "$T/out" 2>&1 || { cat "$T/out"; fail "sync --draft failed"; }
cat "$T/out"
[ "$(draft_of b)" = false ] && [ "$(draft_of c)" = false ] || fail "an existing PR turned draft"
grep -q "acme/b .*the open PR is not a draft and stays so" "$T/out" || fail "b: no note on the draft"
[ "$(draft_of d)" = true ] || fail "d: --draft gave no draft"
grep -q "acme/d .*draft PR" "$T/out" || fail "d: the summary does not say draft"
grep -q '"note": *"[^"]*draft PR' "$(last_report)" || fail "report.json: no draft note"

# --automerge: the environment's labels; the repository allows auto-merge
forge_control /_forge/repos/acme/a '{"allow_auto_merge": true, "allow_squash_merge": false}'
l=$(wc -l < "$T/forge/.forge/requests.log")
GO_BROADCAST_AUTOMERGE_LABELS=" automerge, ,ship-it " rsync_run --automerge acme/a > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "sync --automerge failed"; }
cat "$T/out"
[ "$(labels_of a)" = "automated-sync,automerge,ship-it" ] || fail "a: labels $(labels_of a)"
grep -q "acme/a .*auto-merge enabled (merge)" "$T/out" || fail "a: auto-merge not said"
[ "$(api /repos/acme/a/pulls/1 | pj 'd["auto_merge"]["merge_method"]')" = merge ] ||
    fail "a: auto-merge not enabled on the forge"
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
[ "$(writes_in "$T/slice" | grep -c '^POST /api/graphql$')" -eq 1 ] || fail "a: not one GraphQL POST"
# again: the labels are there and auto-merge is on: nothing is written
l=$(wc -l < "$T/forge/.forge/requests.log")
GO_BROADCAST_AUTOMERGE_LABELS="automerge,ship-it" rsync_run --automerge acme/a > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "second sync --automerge failed"; }
grep -q "acme/a .*auto-merge already enabled" "$T/out" || { cat "$T/out"; fail "a: not said already enabled"; }
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
[ -z "$(writes_in "$T/slice")" ] || fail "a: a repeated --automerge wrote: $(writes_in "$T/slice")"

# the config's labels when the environment names none; b's repository
# disallows auto-merge: no mutation sent, a note, exit 0
l=$(wc -l < "$T/forge/.forge/requests.log")
GO_BROADCAST_AUTOMERGE_LABELS= rsync_run --automerge acme/b > "$T/out" 2>&1 ||
    { cat "$T/out"; fail "sync --automerge b failed"; }
cat "$T/out"
[ "$(labels_of b)" = "automated-sync,ready-to-merge" ] || fail "b: labels $(labels_of b)"
grep -q "acme/b .*auto-merge not enabled: the repository does not allow it" "$T/out" || fail "b: no note"
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
writes_in "$T/slice" | grep -q graphql && fail "b: a GraphQL mutation where auto-merge is disallowed"

# GitHub refuses the mutation (an errors[] answer): a note, not a failure
# ("after": 1 lets the discovery query before it through)
forge_control /_forge/repos/acme/c '{"allow_auto_merge": true}'
forge_control /_forge/faults '{"kind":"status","status":200,"path":"^/api/graphql$","after":1,"body":{"data":null,"errors":[{"type":"UNPROCESSABLE","message":"Pull request is in clean status"}]}}'
rsync_run --automerge acme/c > "$T/out" 2>&1 || { cat "$T/out"; fail "a refused auto-merge failed the sync"; }
cat "$T/out"
grep -q "acme/c .*auto-merge not enabled: .*Pull request is in clean status" "$T/out" || fail "c: no note"
forge_control /_forge/faults "" DELETE

# --dry-run --automerge: nothing written
l=$(wc -l < "$T/forge/.forge/requests.log")
rsync_run --dry-run --automerge --draft acme/d > "$T/out" 2>&1 || { cat "$T/out"; fail "dry run failed"; }
tail -n +"$((l + 1))" "$T/forge/.forge/requests.log" > "$T/slice"
[ -z "$(writes_in "$T/slice")" ] || fail "dry run wrote: $(writes_in "$T/slice")"
echo "sync_draft: ok"
