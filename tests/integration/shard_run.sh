#!/usr/bin/env bash
# --shard K/N for run: the shards run disjoint parts of the repos file that
# cover it, each command once; the scope line names the shard; merged, the
# shards' outcomes equal an unsharded run's; an empty shard writes an
# empty report and succeeds.
. "$(dirname "$0")/run_lib.bash"

for i in $(seq -w 1 20); do echo "none:r$i"; done > "$T/repos"
export RAN=$T/ran
# r05 and r13 fail with their own status; every command notes that it ran.
cmd='echo "$REPOCAST_REPO" >> "$RAN"; case "$REPOCAST_REPO" in r05) exit 3;; r13) exit 4;; esac'
outcomes() {
	python3 -c 'import json,sys
for t in sorted(json.load(open(sys.argv[1]))["targets"], key=lambda t: t["name"]):
    print(t["name"], t["outcome"], t["cause"])' "$1"
}

set +e
rc run --repos "$T/repos" --no-pr --report-dir "$T/full" -- sh -c "$cmd" > "$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$T/out"; fail "unsharded: exit $code, want 1"; }
outcomes "$(report_of "$T/full")" > "$T/o.full"
[ "$(wc -l < "$T/o.full")" -eq 20 ] || fail "the unsharded run has not 20 targets"

: > "$RAN"
for k in 0 1 2; do
	set +e
	rc run --repos "$T/repos" --no-pr --report-dir "$T/s$k" --shard $k/3 -- sh -c "$cmd" \
	    > "$T/out$k" 2>&1
	code=$?
	set -e
	[ "$code" -le 1 ] || { cat "$T/out$k"; fail "shard $k/3: exit $code"; }
	n=$(jget "$(report_of "$T/s$k")" "len(d['targets'])")
	grep -q "^repocast: scope: $n of 20 repositories (shard $k/3)$" "$T/out$k" ||
	    { cat "$T/out$k"; fail "shard $k/3: no scope line"; }
	[ "$(jget "$(report_of "$T/s$k")" "d['run']['shard']")" = "{'index': $k, 'count': 3}" ] ||
	    fail "shard $k/3: run.shard"
done
[ "$(wc -l < "$RAN")" -eq 20 ] || fail "the shards ran $(wc -l < "$RAN") commands, want 20"
[ -z "$(sort "$RAN" | uniq -d)" ] || fail "ran twice: $(sort "$RAN" | uniq -d)"
rc report merge "$(dirname "$(report_of "$T/s0")")" "$(dirname "$(report_of "$T/s1")")" \
    "$(dirname "$(report_of "$T/s2")")" -o "$T/merged" > "$T/out" 2>&1 || { cat "$T/out"; fail "merge"; }
outcomes "$T/merged/report.json" > "$T/o.merged"
diff "$T/o.full" "$T/o.merged" || fail "merged shards differ from the unsharded run"
grep -q "^r05 failed exit:3$" "$T/o.merged" || fail "r05's failure is not in the merge"

# an empty shard (3 repositories, 64 shards: the first that holds none)
head -n 3 "$T/repos" > "$T/few"
empty=
for k in $(seq 0 63); do
	rc run --repos "$T/few" --no-pr --report-dir "$T/e$k" --shard $k/64 -- true > "$T/out" 2>&1 ||
	    { cat "$T/out"; fail "shard $k/64 failed"; }
	if [ "$(jget "$(report_of "$T/e$k")" "len(d['targets'])")" = 0 ]; then empty=$k; break; fi
done
[ -n "$empty" ] || fail "no empty shard among 64 for 3 repositories"
grep -q "scope: 0 of 3 repositories (shard $empty/64)" "$T/out" || { cat "$T/out"; fail "empty shard's scope"; }
set +e
rc run --repos "$T/repos" --no-pr --shard 3/3 -- true > "$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "invalid --shard '3/3'" "$T/out" || { cat "$T/out"; fail "--shard 3/3: exit $code"; }
assert_no_leftovers
echo "shard_run: ok"
