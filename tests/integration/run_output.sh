#!/usr/bin/env bash
# What `repocast run` prints on stdout (docs/run.md, "Output"): by default
# one line per repository as it ends (outcome, wall, CPU, peak memory; a
# FAIL line names the cause, the command's first error line and its log);
# --output tag streams every line prefixed with the repository, lines of
# two repositories interleaved, whole lines only; --output group prints
# each repository's output in one piece when it ends; --json prints the
# run's summary as one JSON document.
. "$(dirname "$0")/run_lib.bash"

# ---- tag: lines interleave as they come, whole lines only ----
# a and b take turns: each waits until repocast has printed the other's
# line on stdout ($OUT) before printing its next one, so the order of the
# tagged lines is fixed by the commands, not by timing. b's "whole" comes
# in two writes 0.3 s apart and must still be one line; a's last line has
# no newline.
printf 'none:a\nnone:b\n' >"$T/ab"
cat >"$T/turns.sh" <<'SH'
wait_for() {
	i=0
	while ! grep -q "$1" "$OUT"; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "gave up waiting for '$1'"; exit 9; }
		sleep 0.02
	done
}
tab=$(printf '\t')
if [ "$REPOCAST_REPO" = a ]; then
	echo a1
	wait_for "^b${tab}b1\$"
	echo a2
	wait_for "^b${tab}whole\$"
	printf 'a3'
else
	wait_for "^a${tab}a1\$"
	echo b1
	wait_for "^a${tab}a2\$"
	printf 'wh'
	sleep 0.3
	echo ole
fi
SH
export OUT=$T/tag.out
rc run --repos "$T/ab" --no-pr --jobs 2 --report-dir "$T/runs-tag" --output tag -- \
    sh "$T/turns.sh" >"$OUT" 2>"$T/tag.err" || { cat "$OUT" "$T/tag.err"; fail "tag run failed"; }
printf 'a\ta1\nb\tb1\na\ta2\nb\twhole\na\ta3\n' >"$T/want"
grep "$(printf '\t')" "$OUT" >"$T/tagged" || true
diff -u "$T/want" "$T/tagged" || fail "tag: tagged lines not interleaved as the commands wrote them"
# a's summary line comes after a's last tagged line, b's after b's.
python3 - "$OUT" <<'PY' || fail "tag: a summary line before its repository's last line"
import sys
lines = open(sys.argv[1]).read().splitlines()
for name in ("a", "b"):
    last = max(i for i, l in enumerate(lines) if l.startswith(name + "\t"))
    ok = [i for i, l in enumerate(lines) if l.startswith("ok   " + name + " ")]
    assert len(ok) == 1 and ok[0] > last, (name, lines)
PY

# ---- group: each repository's lines together, after its summary line ----
# Both commands print their first line before either prints its second
# (each waits for the other's marker), so their output is interleaved in
# time; group must still keep each repository's lines together.
mkdir "$T/marks"
export MARKS=$T/marks
cat >"$T/both.sh" <<'SH'
echo "$REPOCAST_REPO-1"
: >"$MARKS/$REPOCAST_REPO"
other=a
[ "$REPOCAST_REPO" = a ] && other=b
i=0
while [ ! -e "$MARKS/$other" ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "gave up waiting for $other"; exit 9; }
	sleep 0.02
done
echo "$REPOCAST_REPO-2"
echo "$REPOCAST_REPO-3"
SH
rc run --repos "$T/ab" --no-pr --jobs 2 --report-dir "$T/runs-group" --output group -- \
    sh "$T/both.sh" >"$T/group.out" 2>"$T/group.err" || { cat "$T/group.err"; fail "group run failed"; }
python3 - "$T/group.out" <<'PY' || { cat "$T/group.out"; fail "group: a repository's lines are not together"; }
import sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 8, lines
for name in ("a", "b"):
    i = [k for k, l in enumerate(lines) if l.startswith("ok   " + name + " ")]
    assert len(i) == 1, (name, lines)
    assert lines[i[0] + 1:i[0] + 4] == ["%s-%d" % (name, n) for n in (1, 2, 3)], (name, lines)
assert not any("\t" in l for l in lines), lines
PY
# The same commands under tag: both first lines before any second line.
rm -f "$T"/marks/*
rc run --repos "$T/ab" --no-pr --jobs 2 --report-dir "$T/runs-group" --output tag -- \
    sh "$T/both.sh" >"$T/tag2.out" 2>/dev/null || fail "tag run of both.sh failed"
python3 - "$T/tag2.out" <<'PY' || { cat "$T/tag2.out"; fail "tag: the two repositories did not interleave"; }
import sys
tagged = [l.split("\t")[1] for l in open(sys.argv[1]).read().splitlines() if "\t" in l]
assert len(tagged) == 6 and sorted(tagged[:2]) == ["a-1", "b-1"], tagged
PY

# ---- the default: one line per repository, nothing of the commands ----
printf 'none:fine\nnone:broken\nnone:quiet\n' >"$T/three"
cat >"$T/fails.sh" <<'SH'
echo "noise from $REPOCAST_REPO"
case $REPOCAST_REPO in
broken) echo "compiling"; echo "src/w.c:3: error: widget is broken" >&2
	echo "Error 1 (the second error line)"; echo "done"; exit 3 ;;
quiet) echo "last words"; exit 4 ;;
esac
SH
set +e
rc run --repos "$T/three" --no-pr --jobs 2 --report-dir "$T/runs-sum" -- sh "$T/fails.sh" \
    >"$T/sum.out" 2>"$T/sum.err"
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$T/sum.out" "$T/sum.err"; fail "default: exit $code, want 1"; }
[ "$(wc -l <"$T/sum.out")" -eq 3 ] || { cat "$T/sum.out"; fail "default: not one line per repository"; }
! grep -q "noise" "$T/sum.out" || fail "default: the commands' output is on stdout"
num='[0-9]+\.[0-9]{2}s'
grep -Eq "^ok   fine +wall +$num +cpu +$num +mem +[0-9.]+ (KiB|MiB)\$" "$T/sum.out" ||
    { cat "$T/sum.out"; fail "default: no ok line with wall, cpu and mem"; }
R=$(report_of "$T/runs-sum")
LOG=$(jget "$R" "[t for t in d['targets'] if t['name']=='broken'][0]['log']")
[ -f "$LOG" ] || fail "broken's log '$LOG' is not there"
grep -Fq "error: widget is broken" "$LOG" || fail "broken's log lacks its error"
line=$(grep "^FAIL broken " "$T/sum.out") || { cat "$T/sum.out"; fail "default: no FAIL line for broken"; }
[[ "$line" =~ ^FAIL\ broken\ +wall\ +$num\ +cpu\ +$num\ +mem\ +[0-9.]+\ (KiB|MiB)\ \  ]] ||
    fail "default: FAIL line without wall, cpu and mem: $line"
[[ "$line" == *"  exit:3: src/w.c:3: error: widget is broken  (log: $LOG)" ]] ||
    fail "default: the FAIL line does not name the first error line and the log: $line"
# No line reads as an error: the last line is named.
grep -Eq "^FAIL quiet .*  exit:4: last words  \(log: .*/targets/quiet\.log\)\$" "$T/sum.out" ||
    { cat "$T/sum.out"; fail "default: the FAIL line does not name the last line"; }
grep -q "3 repositories, 2 failed; report: " "$T/sum.err" || { cat "$T/sum.err"; fail "no summary on stderr"; }

# ---- --json: the run's summary, one document on stdout ----
set +e
rc run --repos "$T/three" --no-pr --jobs 2 --report-dir "$T/runs-json" --json -- sh "$T/fails.sh" \
    >"$T/json.out" 2>"$T/json.err"
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$T/json.err"; fail "--json: exit $code, want 1"; }
python3 -m json.tool "$T/json.out" >/dev/null || { cat "$T/json.out"; fail "--json: not JSON"; }
if command -v jq >/dev/null; then jq -e . "$T/json.out" >/dev/null || fail "--json: jq cannot read it"; fi
python3 - "$T/json.out" <<'PY' || { cat "$T/json.out"; fail "--json: wrong summary"; }
import json, os, sys
d = json.load(open(sys.argv[1]))
assert os.path.isfile(d["report"]), d["report"]
assert d["run"]["repositories"] == 3 and d["run"]["failed"] == 2 and d["run"]["exit_code"] == 1, d["run"]
assert d["run"]["argv"][0] == "sh", d["run"]
t = {x["repo"]: x for x in d["targets"]}
assert t["fine"]["outcome"] == "ran" and t["fine"]["cause"] is None and t["fine"]["exit_code"] == 0, t["fine"]
assert t["broken"]["cause"] == "exit:3" and t["broken"]["exit_code"] == 3, t["broken"]
assert t["broken"]["error_line"] == "src/w.c:3: error: widget is broken", t["broken"]
assert t["quiet"]["error_line"] == "last words", t["quiet"]
for x in t.values():
    assert os.path.isfile(x["log"]) and x["wall_ms"] >= 0 and x["cpu_ms"] >= 0 and x["peak_kib"] > 0, x
PY
! grep -q "noise" "$T/json.out" || fail "--json: command output on stdout"
# --output none: nothing on stdout at all.
rc run --repos "$T/ab" --no-pr --report-dir "$T/runs-none" --output none -- echo hi \
    >"$T/none.out" 2>/dev/null || fail "--output none run failed"
[ ! -s "$T/none.out" ] || { cat "$T/none.out"; fail "--output none printed"; }

# --json and tag or group both want stdout.
set +e
rc run --repos "$T/three" --no-pr --json --output tag -- true >"$T/out" 2>"$T/err"
code=$?
set -e
[ "$code" -eq 2 ] || fail "--json --output tag: exit $code, want 2"
grep -q "^repocast: --json and --output tag both want stdout: pick one\$" "$T/err" || { cat "$T/err"; fail "--json --output tag message"; }
set +e
rc run --repos "$T/three" --no-pr --output loud -- true >"$T/out" 2>"$T/err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "invalid --output 'loud' (summary, tag, group or none)" "$T/err" ||
    { cat "$T/err"; fail "--output loud"; }
assert_no_leftovers
echo "run_output: ok"
