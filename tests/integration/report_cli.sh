#!/usr/bin/env bash
# `repocast report show|diff|merge` over real `repocast run`s of two local
# repositories and three none: entries, one of which fails (exit 3) and
# one of which burns CPU for a time its environment sets: show (text and
# JSON, every way of naming a run), diff (a CPU that grew fourfold is a regression,
# exit 1; the same run, or the same work twice, is not), merge (two shards
# give the unsharded run's targets, outcomes and causes, in every format;
# overlapping targets, other commands and other configs are refused).
. "$(dirname "$0")/run_lib.bash"

make_repo "$T/src/alpha"
make_repo "$T/src/beta"
cat >"$T/repos" <<EOF
$T/src/alpha
$T/src/beta
none:gamma
none:heavy
none:bad
EOF
head -n 3 "$T/repos" >"$T/shard1"
tail -n 2 "$T/repos" >"$T/shard2"

# heavy counts to $BURN in the shell: its CPU time grows with it.
CMD='n=100; [ "$REPOCAST_REPO" = heavy ] && n=$BURN; i=0
while [ $i -lt $n ]; do i=$((i + 1)); done
[ "$REPOCAST_REPO" != bad ] || exit 3'

# run_report REPOS REPORT_DIR [CMD]: a run; prints its report.json.
run_report() {
	local out=$T/run.out
	set +e
	rc run --repos "$1" --no-pr --jobs 2 --report-dir "$2" -- sh -c "${3:-$CMD}" >"$out" 2>&1
	local status=$?
	set -e
	# 1 when bad is among the repos, 0 when not
	[ "$status" -eq "$(grep -c '^none:bad$' "$1")" ] || { cat "$out" >&2; fail "run of $1: exit $status"; }
	sed -n 's/.*; report: //p' "$out"
}

# expect_status WANT CMD...: run CMD, its stdout in $T/out, stderr in $T/err.
expect_status() {
	local want=$1 got
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "$*: exit $got, want $want"; }
}

# A run's targets as sorted "name outcome cause cause_source" lines.
targets_of() {
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t in sorted(d["targets"], key=lambda t: t["name"]):
    print(t["name"], t["outcome"], t["cause"], t["cause_source"])
PY
}

export BURN=200000
RA=$(run_report "$T/repos" "$T/runs")
RA2=$(run_report "$T/repos" "$T/runs")
# Four times the work: the CPU time measured on a shared machine then
# still grows well past 1.5x (twice the work once measured only 1.35x).
export BURN=800000
RB=$(run_report "$T/repos" "$T/runs")
export BURN=200000
A_ID=$(basename "$(dirname "$RA")")
B_ID=$(basename "$(dirname "$RB")")

# ---- show
expect_status 0 rc report show last --report-dir "$T/runs"
cp "$T/out" "$T/show-last"
grep -q "^run       $B_ID\$" "$T/out" || fail "show last is not the newest run ($B_ID)"
grep -q "^command   run: sh -c " "$T/out" || fail "show: no command line"
grep -q "^targets   5: 4 ran, 1 failed\$" "$T/out" || fail "show: targets by outcome"
grep -q "^failed (1)\$" "$T/out" || fail "show: no failed section"
grep -Eq "^  bad +exit:3 \(command\): " "$T/out" || fail "show: the failed target and its cause"
grep -A1 "^top CPU" "$T/out" | grep -Eq "^  heavy +[0-9.]+m?s\$" ||
	fail "show: heavy is not the top CPU user"
grep -q "^top peak memory" "$T/out" || fail "show: no memory ranking"
grep -q "^slowest (wall)" "$T/out" || fail "show: no wall ranking"
# every name of a run shows the same run
for name in "$B_ID" "$(dirname "$RB")" "$RB"; do
	expect_status 0 rc report show "$name" --report-dir "$T/runs"
	cmp -s "$T/out" "$T/show-last" || fail "show $name differs from show last"
done
expect_status 0 rc report show "$A_ID" --report-dir "$T/runs" --json
cmp -s "$T/out" "$RA" || fail "show --json is not the report"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" || fail "show --json: not JSON"

expect_status 2 rc report show 20990101T000000Z-1 --report-dir "$T/runs"
grep -q "no run '20990101T000000Z-1' in '$T/runs'" "$T/err" || fail "show: unknown run's error"
expect_status 2 rc report show
grep -q "See 'repocast help report'" "$T/err" || fail "show: usage error without the help hint"
expect_status 2 rc report show last --bogus
grep -q "unknown option '--bogus'" "$T/err" || fail "show: unknown option's error"
expect_status 2 rc report frobnicate
expect_status 0 rc help report
grep -q "repocast report merge" "$T/out" || fail "help report"
expect_status 0 rc help
grep -Eq "^  report +" "$T/out" || fail "repocast help does not list report"

mkdir -p "$T/broken"
printf '{"schema": 1,\n "run": ]\n' >"$T/broken/report.json"
expect_status 2 rc report show "$T/broken"
grep -q "$T/broken/report.json:2:9: invalid JSON" "$T/err" || fail "bad JSON: no line and column"
mkdir -p "$T/future"
sed 's/"schema": 1,/"schema": 2,/' "$RA" >"$T/future/report.json"
expect_status 2 rc report show "$T/future/report.json"
grep -q "cannot read report '$T/future/report.json': it has schema 2" "$T/err" ||
	fail "schema 2 not refused"

# ---- diff
expect_status 1 rc report diff "$A_ID" "$B_ID" --report-dir "$T/runs"
grep -Eq "^  heavy .*cpu [^ ]+ -> [^ ]+ \(\+[0-9]+%\)!.*REGRESSION\$" "$T/out" ||
	fail "diff: heavy's grown CPU not flagged"
grep -q "regression" "$T/out" || fail "diff: no count"
expect_status 1 rc report diff "$RA" "$RB" --json
python3 - "$T/out" <<'PY' || fail "diff --json"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {t["name"]: t for t in d["targets"]}
assert set(rows) == {"alpha", "beta", "gamma", "heavy", "bad"}, rows.keys()
h = rows["heavy"]
assert h["regression"] and h["cpu_us"]["regression"], h
assert h["cpu_us"]["b"] > 1.5 * h["cpu_us"]["a"], h
assert h["cpu_us"]["change_pct"] > 20, h
# a few ms of CPU either way is under the floor
for n in ("gamma", "bad"):
    assert not rows[n]["cpu_us"]["regression"], rows[n]
assert d["regressions"] >= 1 and d["threshold_pct"] == 20
assert d["only_in_a"] == [] and d["only_in_b"] == []
PY
# the same run: nothing changed
expect_status 0 rc report diff "$RA" "$RA"
grep -q "^0 regressions\$" "$T/out" || fail "diff of a run with itself"
# the same work twice; a busy machine stretches wall time, hence the wide bar
expect_status 0 rc report diff "$RA" "$RA2" --threshold 100
# and the bar decides: no threshold is passed by nothing
expect_status 1 rc report diff "$RA" "$RB" --threshold 10%
expect_status 2 rc report diff "$RA" "$RB" --threshold lots
grep -q "invalid value 'lots' for --threshold" "$T/err" || fail "diff: bad threshold's error"
expect_status 2 rc report diff "$RA"
grep -q "See 'repocast help report'" "$T/err" || fail "diff: usage hint"

# ---- merge
S1=$(run_report "$T/shard1" "$T/shards")
S2=$(run_report "$T/shard2" "$T/shards")
# targets only one run has
expect_status 0 rc report diff "$RA" "$S1" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["only_in_a"] == ["heavy", "bad"], d["only_in_a"]' "$T/out" || fail "diff: only in A"

expect_status 0 rc report merge "$S1" "$(dirname "$S2")" -o "$T/merged"
M=$T/merged/report.json
for f in report.json report.md report.html junit.xml trace.json metrics.prom; do
	[ -f "$T/merged/$f" ] || fail "merge did not write $f"
done
targets_of "$RA" >"$T/want"
targets_of "$M" >"$T/got"
diff -u "$T/want" "$T/got" || fail "merged shards are not the unsharded run's targets"
python3 - "$M" "$S1" "$S2" <<'PY' || fail "merged run record"
import json, os, sys
m, s1, s2 = (json.load(open(p)) for p in sys.argv[1:])
names = [t["name"] for t in m["targets"]]
assert names == sorted(names), names
assert m["run"]["id"] == "merged", m["run"]["id"]
assert m["run"]["start_us"] == min(s1["run"]["start_us"], s2["run"]["start_us"])
assert m["run"]["end_us"] == max(s1["run"]["end_us"], s2["run"]["end_us"])
assert m["run"]["argv"] == s1["run"]["argv"]
t = m["totals"]
assert (t["targets"], t["ok"], t["failed"]) == (5, 4, 1), t
assert t["causes"] == {"exit:3": 1}, t
assert t["attempts"] == s1["totals"]["attempts"] + s2["totals"]["attempts"], t
for x in m["targets"]:
    assert x["log"] and os.path.isfile(x["log"]), x["log"]
    assert x["log"].startswith(os.path.dirname(sys.argv[1]) + "/targets/"), x["log"]
PY
# the merged run reads back like any other
expect_status 0 rc report show "$T/merged"
grep -q "^targets   5: 4 ran, 1 failed\$" "$T/out" || fail "show of the merged run"
expect_status 2 rc report merge "$S1" "$S2" -o "$T/merged"
grep -q "'$T/merged' holds a report already" "$T/err" || fail "merge over a report"

# refusals: nothing is written
expect_status 2 rc report merge "$S1" "$RA" -o "$T/overlap"
grep -q "cannot merge '$S1' and '$RA': both have target 'alpha'" "$T/err" ||
	fail "overlap: the error does not name both reports and the target: $(cat "$T/err")"
[ ! -e "$T/overlap" ] || fail "overlap: something was written"
S3=$(run_report "$T/shard2" "$T/shards-other" "$CMD; true")
expect_status 2 rc report merge "$S1" "$S3" -o "$T/other"
grep -q "cannot merge '$S1' and '$S3': they ran different commands" "$T/err" ||
	fail "another command: $(cat "$T/err")"
mkdir -p "$T/edited"
python3 - "$S2" "$T/edited/report.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["run"]["config_digest"] = "0123456789abcdef0123456789abcdef01234567"
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
expect_status 2 rc report merge "$S1" "$T/edited" -o "$T/other"
grep -q "cannot merge '$S1' and '$T/edited/report.json': different configs" "$T/err" ||
	fail "another config: $(cat "$T/err")"
[ ! -e "$T/other" ] || fail "refused merges wrote something"
expect_status 2 rc report merge "$S1" "$S2"
grep -q "needs -o DIR" "$T/err" || fail "merge without -o"

assert_no_leftovers
echo "report_cli: ok"
