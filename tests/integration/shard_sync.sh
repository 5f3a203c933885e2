#!/bin/bash
# --shard K/N for sync and validate against the forge: the shards' targets
# are disjoint and cover the config; `report merge` of the shards' runs has
# every target once with the outcome an unsharded run gives it (a dry run
# and a real sync); the scope and preflight lines name the shard; a
# dependency that failed in another shard is reported by the merge (the
# dependent group's targets there ran: docs/scale-out.md); merge refuses
# shards of different partitions and the same shard twice and warns of a
# missing one; --shard slurm reads the array task's variables only when
# given.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main f.txt v1
seed_targets main acme/b0{1,2,4,5,6,7,8} acme/o0{1,2,3,4,5,6} acme/c01
make_repo acme/b03 main f.txt v1 README.md b03    # up to date already

tgt() { printf '      - repo: %s\n        files: [{src: f.txt, dest: f.txt}]\n' "$@"; }
# config MISSING_GROUP: acme/missing (not on the forge: it fails) in group
# MISSING_GROUP; overlay depends on base.
config() {
	{
		cat <<'EOF'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
groups:
  - name: Base
    id: base
    priority: 2
    source: {repo: acme/source, branch: main}
    targets:
EOF
		tgt acme/b0{1,2,3,4,5,6,7,8}
		[ "$1" = base ] && tgt acme/missing
		cat <<'EOF'
  - name: Overlay
    id: overlay
    priority: 1
    depends_on: [base]
    source: {repo: acme/source, branch: main}
    defaults: {branch_prefix: chore/sync-overlay}
    targets:
EOF
		tgt acme/o0{1,2,3,4,5,6}
		cat <<'EOF'
  - name: Other
    id: other
    source: {repo: acme/source, branch: main}
    defaults: {branch_prefix: chore/sync-other}
    targets:
EOF
		tgt acme/c01
		[ "$1" = other ] && tgt acme/missing
	} | write_config
}
# outcomes REPORT: "name outcome cause" a line, sorted.
outcomes() {
	python3 -c 'import json,sys
for t in sorted(json.load(open(sys.argv[1]))["targets"], key=lambda t: t["name"]):
    print(t["name"], t["outcome"], t["cause"])' "$1"
}
# shard_targets K N: the repos `validate --shard K/N --json` lists.
shard_targets() {
	"$RC" validate -c "$T/sync.yaml" --shard "$1/$2" --json > "$T/v.json" ||
	    fail "validate --shard $1/$2"
	pj "' '.join(t['repo'] for g in d['groups'] for t in g['targets'])" "$T/v.json"
}
newest() { ls -td "$1"/*/ | head -n 1; }
config other
ALL=16

# --- validate: the shards are disjoint and cover every target
for n in 1 2 3 5; do
	: > "$T/union"
	for ((k = 0; k < n; k++)); do
		shard_targets $k $n | tr ' ' '\n' | sed '/^$/d' >> "$T/union"
		pjt "d['shard'] == {'index': $k, 'count': $n}" "$T/v.json" || fail "validate: shard field"
	done
	[ "$(sort "$T/union" | uniq -d)" = "" ] || fail "$n shards overlap: $(sort "$T/union" | uniq -d)"
	[ "$(sort -u "$T/union" | wc -l)" -eq $ALL ] || fail "$n shards cover $(sort -u "$T/union" | wc -l) of $ALL"
done
"$RC" validate -c "$T/sync.yaml" --json > "$T/v.json"
pjt "d['shard'] is None and sum(len(g['targets']) for g in d['groups']) == $ALL" "$T/v.json" ||
    fail "validate without --shard"
"$RC" validate -c "$T/sync.yaml" --shard 1/2 > "$T/v.txt"
grep -q "^scope: $(shard_targets 1 2 | wc -w) of $ALL targets (shard 1/2)$" "$T/v.txt" ||
    { cat "$T/v.txt"; fail "validate: no scope line"; }
# --shard slurm: the array task's variables, only when asked
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$RC" validate -c "$T/sync.yaml" --shard slurm \
    --json > "$T/vs.json" || fail "validate --shard slurm"
pj "' '.join(t['repo'] for g in d['groups'] for t in g['targets'])" "$T/vs.json" > "$T/vs"
[ "$(cat "$T/vs")" = "$(shard_targets 1 2)" ] || fail "--shard slurm is not shard 1/2"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$RC" validate -c "$T/sync.yaml" --json > "$T/v.json"
pjt "d['shard'] is None and sum(len(g['targets']) for g in d['groups']) == $ALL" "$T/v.json" ||
    fail "the Slurm variables sharded a run without --shard slurm"
set +e
"$RC" validate -c "$T/sync.yaml" --shard 2/2 > "$T/out" 2>&1; rc1=$?
"$RC" validate -c "$T/sync.yaml" --shard slurm > "$T/out2" 2>&1; rc2=$?
rsync_run --shard-own-token --dry-run > "$T/out3" 2>&1; rc3=$?
set -e
[ "$rc1" -eq 2 ] && grep -q "invalid --shard '2/2': shards are numbered from 0" "$T/out" ||
    { cat "$T/out"; fail "--shard 2/2: exit $rc1"; }
[ "$rc2" -eq 2 ] && grep -q "SLURM_ARRAY_TASK_ID is not set" "$T/out2" ||
    { cat "$T/out2"; fail "--shard slurm outside an array: exit $rc2"; }
[ "$rc3" -eq 2 ] && grep -q -- "--shard-own-token needs --shard" "$T/out3" ||
    { cat "$T/out3"; fail "--shard-own-token alone: exit $rc3"; }

# --- dry run: two shards merged = one unsharded run
rsync_run --dry-run --report-dir "$T/full" > /dev/null 2>&1 && fail "acme/missing must fail"
for k in 0 1; do
	set +e
	rsync_run --dry-run --shard $k/2 --report-dir "$T/dry$k" > "$T/out$k" 2> "$T/err$k"
	set -e
	grep -q "^repocast: scope: $(shard_targets $k 2 | wc -w) of $ALL targets in [0-9] of 3 groups (shard $k/2)$" \
	    "$T/err$k" || { cat "$T/err$k"; fail "shard $k: no scope line"; }
	grep -q "rate-limit preflight: .* shared by 2 runs: [0-9]* for this one.* (shard $k/2: the token is shared by 2 shards, each gets 1/2 of the budget" \
	    "$T/err$k" || { cat "$T/err$k"; fail "shard $k: the preflight line does not divide the budget"; }
	pjt "d['run']['shard'] == {'index': $k, 'count': 2}" "$(newest "$T/dry$k")report.json" ||
	    fail "shard $k: run.shard"
done
"$RC" report merge "$(newest "$T/dry0")" "$(newest "$T/dry1")" -o "$T/drymerged" 2> "$T/merr" ||
    { cat "$T/merr"; fail "merge of the dry runs"; }
outcomes "$(newest "$T/full")report.json" > "$T/o.full"
outcomes "$T/drymerged/report.json" > "$T/o.merged"
[ "$(wc -l < "$T/o.full")" -eq $ALL ] || fail "the unsharded run has not $ALL targets"
diff "$T/o.full" "$T/o.merged" || fail "dry run: merged shards differ from the unsharded run"
grep -q "acme/b03 up_to_date None" "$T/o.merged" || fail "no up-to-date target in the comparison"
grep -q "acme/missing failed notfound" "$T/o.merged" || fail "no failed target in the comparison"
! grep -q warning "$T/merr" || { cat "$T/merr"; fail "a warning merging complete shards"; }
# --only-failed of the merged run: each shard reruns its own failed targets
for k in 0 1; do
	rsync_run --dry-run --shard $k/2 --only-failed "$T/drymerged" --report-dir "$T/of$k" \
	    > "$T/out" 2> "$T/err" && rc=0 || rc=$?
	if shard_targets $k 2 | grep -w acme/missing > /dev/null; then
		[ "$rc" -eq 1 ] || { cat "$T/err"; fail "shard $k: --only-failed exit $rc"; }
		grep -q "scope: 1 of 1 target in 1 of 1 group (shard $k/2)" "$T/err" ||
		    { cat "$T/err"; fail "shard $k: --only-failed scope"; }
	else
		[ "$rc" -eq 0 ] && grep -q "nothing to rerun" "$T/err" ||
		    { cat "$T/err"; fail "shard $k: --only-failed with nothing failed in it"; }
	fi
done
# own token: the whole budget
rsync_run --dry-run --shard 0/2 --shard-own-token --report-dir "$T/own" > /dev/null 2> "$T/err" || true
grep -q "(shard 0/2: its own token, the whole budget)" "$T/err" || { cat "$T/err"; fail "own token"; }
! grep -q "shared by" "$T/err" || fail "own token: budget divided"

# an empty shard (16 targets in 64 shards: the first with none) syncs
# nothing, writes an empty report and succeeds
empty=
for k in $(seq 0 63); do
	[ -z "$(shard_targets $k 64)" ] && { empty=$k; break; }
done
[ -n "$empty" ] || fail "no empty shard among 64"
rsync_run --dry-run --shard $empty/64 --report-dir "$T/empty" > "$T/out" 2> "$T/err" ||
    { cat "$T/out" "$T/err"; fail "an empty shard failed"; }
grep -q "scope: 0 of $ALL targets in 0 of 3 groups (shard $empty/64)" "$T/err" ||
    { cat "$T/err"; fail "empty shard: scope line"; }
pjt "d['targets'] == [] and d['run']['shard']['index'] == $empty" "$(newest "$T/empty")report.json" ||
    fail "empty shard: report"

# --- merge refuses what is not one partition, warns of a missing shard
rsync_run --dry-run --shard 0/3 --report-dir "$T/three" > /dev/null 2>&1 || true
set +e
"$RC" report merge "$(newest "$T/dry0")" "$(newest "$T/three")" -o "$T/m1" > "$T/out" 2>&1; rc1=$?
"$RC" report merge "$(newest "$T/dry0")" "$(newest "$T/own")" -o "$T/m2" > "$T/out2" 2>&1; rc2=$?
"$RC" report merge "$(newest "$T/dry0")" "$(newest "$T/full")" -o "$T/m3" > "$T/out3" 2>&1; rc3=$?
set -e
[ "$rc1" -eq 2 ] && grep -q "shard 0/2 and shard 0/3 are of different partitions" "$T/out" ||
    { cat "$T/out"; fail "merge of 0/2 and 0/3: exit $rc1"; }
[ "$rc2" -eq 2 ] && grep -q "both are shard 0/2" "$T/out2" ||
    { cat "$T/out2"; fail "merge of shard 0/2 twice: exit $rc2"; }
[ "$rc3" -eq 2 ] && grep -q "is a shard (--shard) and '.*' is not" "$T/out3" ||
    { cat "$T/out3"; fail "merge of a shard and an unsharded run: exit $rc3"; }
[ ! -e "$T/m1" ] && [ ! -e "$T/m2/report.json" ] || fail "a refused merge wrote something"
"$RC" report merge "$(newest "$T/dry1")" -o "$T/m4" 2> "$T/merr" || fail "merge of one shard"
grep -q "warning: shard 0/2 has no report: its targets are not in the merge" "$T/merr" ||
    { cat "$T/merr"; fail "no warning for the missing shard"; }
pjt "d['run']['merge']['missing_shards'] == [0] and d['run']['merge']['shards'] == 2" \
    "$T/m4/report.json" || fail "run.merge of the incomplete merge"
grep -q "Missing:\*\* shard 0/2 has no report" "$T/m4/report.md" || fail "report.md: missing shard"
grep -q "<b>Missing:</b> shard 0/2 has no report" "$T/m4/report.html" || fail "report.html: missing shard"
! grep -q 'id="shards"' "$T/drymerged/report.html" || fail "report.html: a shards section with nothing to say"
"$RC" report show "$T/m4" | grep -q "^shards    1 merged; missing: shard 0 (of 2)$" ||
    fail "report show: missing shard"

# --- a real sync in 3 shards: each target written once; merged = unsharded
for k in 0 1 2; do
	set +e
	rsync_run --shard $k/3 --confirm-scope $ALL --report-dir "$T/s$k" > "$T/out$k" 2> "$T/err$k"
	rc=$?
	set -e
	# the shard that holds acme/missing fails (1), the others succeed
	if shard_targets $k 3 | grep -w acme/missing > /dev/null; then want=1; else want=0; fi
	[ "$rc" -eq $want ] || { cat "$T/out$k" "$T/err$k"; fail "sync shard $k/3: exit $rc, want $want"; }
done
"$RC" report merge "$(newest "$T/s0")" "$(newest "$T/s1")" "$(newest "$T/s2")" -o "$T/smerged" \
    2> "$T/merr" || { cat "$T/merr"; fail "merge of the syncs"; }
outcomes "$T/smerged/report.json" > "$T/o.sync"
[ "$(awk '$2 == "pushed"' "$T/o.sync" | wc -l)" -eq $((ALL - 2)) ] ||
    { cat "$T/o.sync"; fail "not every changed target was pushed"; }
for r in b01 b08 o01 o06 c01; do
	[ "$(api "/repos/acme/$r/pulls?state=all" | pj 'len(d)')" -eq 1 ] ||
	    fail "acme/$r: not exactly one pull request"
done
# a second round: 3 shards again and one unsharded run now agree
for k in 0 1 2; do
	rsync_run --shard $k/3 --confirm-scope $ALL --report-dir "$T/r$k" > /dev/null 2>&1 || true
done
"$RC" report merge "$(newest "$T/r0")" "$(newest "$T/r1")" "$(newest "$T/r2")" -o "$T/rmerged" \
    2> /dev/null || fail "merge of the second round"
rsync_run --confirm-scope $ALL --report-dir "$T/rfull" > /dev/null 2>&1 || true
outcomes "$T/rmerged/report.json" > "$T/o.r"
outcomes "$(newest "$T/rfull")report.json" > "$T/o.rfull"
diff "$T/o.rfull" "$T/o.r" || fail "second round: merged shards differ from the unsharded run"
grep -q "acme/o01 pending_current None" "$T/o.r" || { cat "$T/o.r"; fail "second round outcomes"; }

# --- a dependency that fails in another shard (acme/missing in base)
config base
kmiss=1
shard_targets 0 2 | grep -w acme/missing > /dev/null && kmiss=0
other=$((1 - kmiss))
ran=$(shard_targets $other 2 | tr ' ' '\n' | grep '^acme/o0' | sort | tr '\n' ' ')
[ -n "$ran" ] || fail "no overlay target in the shard without acme/missing: change the names"
for k in 0 1; do
	rsync_run --dry-run --shard $k/2 --report-dir "$T/dep$k" > /dev/null 2> "$T/err$k" || true
done
grep -q "group 'overlay' skipped: group 'base' had 1 failed target" "$T/err$kmiss" ||
    { cat "$T/err$kmiss"; fail "overlay not skipped in the shard where base failed"; }
"$RC" report merge "$(newest "$T/dep0")" "$(newest "$T/dep1")" -o "$T/depmerged" 2> "$T/merr" ||
    fail "merge with a cross-shard dependency"
cat "$T/merr"
want="group 'overlay' ran $(echo $ran | wc -w) target"
grep -q "warning: $want.* while its dependency 'base' had 1 failed target in another shard: $(echo $ran | sed 's/ /, /g')$" \
    "$T/merr" || fail "no warning for the cross-shard dependency"
pjt "d['run']['merge']['cross_shard_dependencies'] == [{'group': 'overlay', 'dependency': 'base',
    'dependency_failed': 1, 'ran': '$ran'.split()}]" "$T/depmerged/report.json" ||
    { pj "d['run']['merge']" "$T/depmerged/report.json"; fail "run.merge.cross_shard_dependencies"; }
grep -q "Dependency across shards:\*\* group overlay ran" "$T/depmerged/report.md" ||
    fail "report.md: cross-shard dependency"
grep -q "<b>Dependency across shards:</b> group <code>overlay</code> ran" \
    "$T/depmerged/report.html" || fail "report.html: cross-shard dependency"
"$RC" report show "$T/depmerged" | grep -q "^depends   group 'overlay' ran" ||
    fail "report show: cross-shard dependency"
# each target keeps the record its shard wrote: skipped where base failed,
# run elsewhere (its pull request from the real sync above has the change)
for r in $ran; do
	grep -q "^$r pending_current None$" <(outcomes "$T/depmerged/report.json") ||
	    fail "$r: not run"
done
for r in $(shard_targets $kmiss 2 | tr ' ' '\n' | grep '^acme/o0'); do
	grep -q "^$r skipped dependency$" <(outcomes "$T/depmerged/report.json") ||
	    fail "$r: not skipped in the shard where base failed"
done
echo "shard_sync: ok"
