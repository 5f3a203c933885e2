#!/bin/bash
# Groups run one after another in execution order (depends_on, then
# priority). A group whose dependency had a failed target (here a target
# repo missing on the forge) is skipped: its targets are recorded as
# outcome "skipped", cause "dependency", get no worker and no branch; a
# group depending on a skipped group is skipped too; an independent group
# runs; a dependency on a disabled group (not in the run) counts as met.
# Once the dependency succeeds, its dependents run, each of their targets
# starting after every target of the groups before had ended.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main f.txt v1
seed_targets main acme/{a1,b1,b2,c1,t1,n1,o1}

tgt() { printf '      - repo: %s\n        files: [{src: f.txt, dest: f.txt}]\n' "$@"; }
{
	cat <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 4
groups:
  - name: Overlay
    id: overlay
    priority: 1
    depends_on: [base]
    source: {repo: acme/source, branch: main}
    defaults: {branch_prefix: chore/sync-overlay}
    targets:
EOF2
	tgt acme/b1 acme/b2
	cat <<'EOF2'
  - name: Base
    id: base
    priority: 2
    source: {repo: acme/source, branch: main}
    targets:
EOF2
	tgt acme/a1 acme/missing
	cat <<'EOF2'
  - name: Tail
    id: tail
    priority: 0
    depends_on: [overlay]
    source: {repo: acme/source, branch: main}
    defaults: {branch_prefix: chore/sync-tail}
    targets:
EOF2
	tgt acme/t1
	cat <<'EOF2'
  - name: Other
    id: other
    priority: 3
    source: {repo: acme/source, branch: main}
    defaults: {branch_prefix: chore/sync-other}
    targets:
EOF2
	tgt acme/c1
	cat <<'EOF2'
  - name: Off
    id: off
    enabled: false
    source: {repo: acme/source, branch: main}
    defaults: {branch_prefix: chore/sync-off}
    targets:
EOF2
	tgt acme/o1
	cat <<'EOF2'
  - name: NeedsOff
    id: needoff
    depends_on: [off]
    source: {repo: acme/source, branch: main}
    defaults: {branch_prefix: chore/sync-needoff}
    targets:
EOF2
	tgt acme/n1
} | write_config

branches() { git -C "$T/forge/acme/$1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/; }

# --- run 1: base has a failed target
set +e
rsync_run --confirm-scope 7 > "$T/out1" 2> "$T/err1"
rc=$?
set -e
cat "$T/out1" "$T/err1"
[ "$rc" -eq 1 ] || fail "run 1: exit $rc, want 1"
# Six groups share one source: it is fetched once per run, not once per group.
[ "$(grep -c '^repocast: source acme/source@main' "$T/err1")" -eq 1 ] ||
	fail "run 1: the shared source was fetched more than once"
rep=$(last_report)
[ "$(outcome "$rep" acme/a1)" = pushed ] || fail "a1 not pushed"
[ "$(outcome "$rep" acme/missing)" = failed ] || fail "missing not failed"
[ "$(outcome "$rep" acme/c1)" = pushed ] || fail "independent group not run"
[ "$(outcome "$rep" acme/n1)" = pushed ] || fail "group depending on a disabled group not run"
grep -q "group 'needoff': dependency 'off' is not in this run: counted as met" "$T/err1" ||
    fail "no note on the dependency that is not in the run"
for r in b1 b2; do
	pjt "[(t['outcome'], t['cause'], t['error'], t['attempts'], t['pid']) for t in d['targets']
	    if t['name'] == 'acme/$r'] == [('skipped', 'dependency',
	    \"group 'base' had 1 failed target\", 0, 0)]" "$rep" || fail "$r: not skipped for base"
	[ -z "$(branches $r)" ] || fail "$r: a skipped target got a branch"
	grep -q "acme/$r  *skipped  .*group 'base' had 1 failed target" "$T/out1" ||
	    fail "$r: summary row"
done
pjt "([(t['outcome'], t['cause'], t['error']) for t in d['targets'] if t['name'] == 'acme/t1']
    == [('skipped', 'dependency', \"group 'overlay' was skipped\")])" "$rep" ||
    fail "t1: not skipped for the skipped overlay"
[ -z "$(branches t1)" ] || fail "t1: a skipped target got a branch"
[ -z "$(branches o1)" ] || fail "the disabled group ran"
pjt "(d['totals']['failed'] == 4 and d['totals']['causes'] == {'notfound': 1, 'dependency': 3}
    and d['run']['exit_code'] == 1)" "$rep" || { pj "d['totals']" "$rep"; fail "run 1: totals"; }
grep -q "^7 targets: 1 failed, 3 skipped, " "$T/out1" || fail "run 1: summary line"
grep -q "group 'overlay' skipped: group 'base' had 1 failed target" "$T/err1" ||
    fail "run 1: no warning for the skipped group"
# no discovery for a skipped group: its repos were never asked about
! grep -q '"/api/v3/repos/acme/b1' "$T/forge/.forge/requests.log" ||
    fail "a skipped group's target was discovered"

# the same in a dry run, seen through --json
set +e
rsync_run --dry-run --json > "$T/out2" 2> "$T/err2"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$T/out2" "$T/err2"; fail "dry run: exit $rc, want 1"; }
pjt "(sorted(t['repo'] for t in d['targets'] if t['outcome'] == 'skipped'
    and t['cause'] == 'dependency') == ['acme/b1', 'acme/b2', 'acme/t1'])" "$T/out2" ||
    { cat "$T/out2"; fail "dry run --json: skipped targets"; }

# --- run 2: the missing repo exists now; base succeeds, its dependents run after it
seed_targets main acme/missing
set +e
rsync_run --confirm-scope 7 > "$T/out3" 2> "$T/err3"
rc=$?
set -e
cat "$T/out3" "$T/err3"
[ "$rc" -eq 0 ] || fail "run 2: exit $rc, want 0"
rep=$(last_report)
for r in b1 b2 t1 missing; do
	[ "$(outcome "$rep" acme/$r)" = pushed ] || fail "run 2: $r not pushed"
done
pjt "all(t['attempts'] >= 1 for t in d['targets']
    if t['name'] in ('acme/b1', 'acme/b2', 'acme/t1', 'acme/missing'))" "$rep" ||
    fail "run 2: a target ran without a worker"
# execution order: base before overlay before tail; every target of a
# group starts after every target of the groups before it has ended
python3 - "$rep" <<'EOF' || fail "run 2: groups overlapped"
import json, sys
d = json.load(open(sys.argv[1]))
group = {"acme/a1": "base", "acme/missing": "base", "acme/b1": "overlay",
         "acme/b2": "overlay", "acme/t1": "tail", "acme/c1": "other", "acme/n1": "needoff"}
order = []
for t in d["targets"]:
    g = group[t["name"]]
    if g not in order:
        order.append(g)
for g in ("base", "overlay", "tail"):
    assert g in order, g
assert order.index("base") < order.index("overlay") < order.index("tail"), order
for i, g in enumerate(order):
    for t in d["targets"]:
        if group[t["name"]] != g:
            continue
        for u in d["targets"]:
            if order.index(group[u["name"]]) < i and not t["start_us"] > u["end_us"]:
                sys.exit("%s (%s) started at %d, before %s (%s) ended at %d" % (
                    t["name"], g, t["start_us"], u["name"], group[u["name"]], u["end_us"]))
print("order:", " ".join(order))
EOF
fsck_all
echo "ok"
