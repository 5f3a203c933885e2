#!/usr/bin/env bash
# --only-failed RUN: a rerun of just the repositories that failed in RUN
# ('last', a run id, a run directory); nothing failed means nothing to do
# (exit 0, no new run); an unknown run is a usage error.
. "$(dirname "$0")/run_lib.bash"

for r in a b c d e; do echo "none:$r"; done >"$T/repos"
export RAN=$T/ran FIXED=$T/fixed
# b and d fail until $FIXED exists; every command notes that it ran.
cmd='echo "$REPOCAST_REPO" >>"$RAN"; case "$REPOCAST_REPO" in *b|*d) [ -e "$FIXED" ];; esac'
runs() { ls "$T/runs" | wc -l; }

rc run --repos "$T/repos" --no-pr --report-dir "$T/runs" -- sh -c "$cmd" >"$T/out" 2>&1 &&
    fail "b and d should fail the first run"
[ "$(sort "$RAN" | tr -d '\n')" = abcde ] || fail "first run: $(cat "$RAN")"
first=$(ls "$T/runs")

: >"$RAN"
rc run --repos "$T/repos" --no-pr --report-dir "$T/runs" --only-failed last -- sh -c "$cmd" \
    >"$T/out" 2>&1 && fail "b and d still fail"
[ "$(sort "$RAN" | tr -d '\n')" = bd ] || { cat "$T/out"; fail "rerun ran: $(cat "$RAN")"; }
R=$(ls -td "$T"/runs/* | head -n 1)
[ "$(jget "$R/report.json" "len(d['targets'])")" = 2 ] || fail "the rerun's report has not 2 targets"

touch "$FIXED"
: >"$RAN"
rc run --repos "$T/repos" --no-pr --report-dir "$T/runs" --only-failed "$first" -- sh -c "$cmd" \
    >"$T/out" 2>&1 || { cat "$T/out"; fail "rerun by id after the fix"; }
[ "$(sort "$RAN" | tr -d '\n')" = bd ] || fail "rerun by id ran: $(cat "$RAN")"
[ "$(runs)" -eq 3 ] || fail "expected 3 runs"

: >"$RAN"
rc run --repos "$T/repos" --no-pr --report-dir "$T/runs" --only-failed last -- sh -c "$cmd" \
    >"$T/out" 2>&1 || { cat "$T/out"; fail "nothing to rerun must exit 0"; }
grep -q "nothing to rerun" "$T/out" || { cat "$T/out"; fail "no 'nothing to rerun'"; }
[ ! -s "$RAN" ] || fail "a command ran with nothing to rerun"
[ "$(runs)" -eq 3 ] || fail "a run directory was made with nothing to rerun"

set +e
rc run --repos "$T/repos" --no-pr --report-dir "$T/runs" --only-failed 19990101T000000Z-1 \
    -- true >"$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 2 ] || { cat "$T/out"; fail "unknown run: exit $code, want 2"; }
grep -q -- "--only-failed" "$T/out" || { cat "$T/out"; fail "the error does not name --only-failed"; }
assert_no_leftovers
echo "run_only_failed: ok"
