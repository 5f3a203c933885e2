#!/usr/bin/env bash
# One `repocast run` over 8 local repositories where 7 workers fail in 7
# ways (test worker faults) and one succeeds: every cause lands in
# report.json, the good one's output is in its log, exit status 1, and no
# process is left behind (not even the good command's background child).
. "$(dirname "$0")/run_lib.bash"

names="segv sigkill exit3 hang garbage oversized memory good"
: >"$T/repos"
for n in $names; do
	make_repo "$T/src/$n"
	echo "$T/src/$n" >>"$T/repos"
done
echo "# a comment and a blank line" >>"$T/repos"
echo >>"$T/repos"

export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
export REPOCAST_WORKER=$B/tests/bin/repocast-worker-test
export REPOCAST_FAULTS="segv=segv,sigkill=sigkill,exit3=exit3,hang=hang,garbage=garbage,oversized=oversized,memory=memory"
start=$(date +%s)
set +e
rc run --repos "$T/repos" --no-pr --jobs 8 --timeout 2s --retries 0 \
	--memory 64M --grace 1s --report-dir "$T/runs" -- \
	sh -c 'echo "command ran in $REPOCAST_REPO: $(cat README)"; sleep 60 & exit 0' \
	>"$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
[ "$rc" -eq 1 ] || fail "exit status $rc, want 1"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the run took too long"

R=$(report_of "$T/runs")
check() { # name cause outcome
	got=$(jget "$R" "[t for t in d['targets'] if t['name']=='$1'][0]['cause']")
	[ "$got" = "$2" ] || fail "$1: cause '$got', want '$2'"
	got=$(jget "$R" "[t for t in d['targets'] if t['name']=='$1'][0]['outcome']")
	[ "$got" = "$3" ] || fail "$1: outcome '$got', want '$3'"
}
check segv signal:SEGV failed
check sigkill signal:KILL failed
check exit3 exit:3 failed
check hang timeout timed_out
check garbage protocol failed
check oversized protocol failed
check memory memory failed
check good None ran
[ "$(jget "$R" "d['schema']")" = 1 ] || fail "schema"
[ "$(jget "$R" "d['totals']['failed']")" = 7 ] || fail "totals.failed"
[ "$(jget "$R" "d['run']['exit_code']")" = 1 ] || fail "run.exit_code"
[ "$(jget "$R" "d['run']['interrupted']")" = False ] || fail "run.interrupted"
grep -q "frame of 16777216 bytes exceeds the limit" "$R" || fail "oversized frame error text"
# The good one: command output in its log, its exit and rusage recorded.
LOG=$(dirname "$R")/targets/good.log
grep -qx "command ran in good: hello from good" "$LOG" || fail "good log: $(cat "$LOG")"
[ "$(jget "$R" "[t for t in d['targets'] if t['name']=='good'][0]['command']['exit']")" = 0 ] \
	|| fail "good command exit"
[ "$(jget "$R" "[t for t in d['targets'] if t['name']=='good'][0]['rusage']['vm_hwm_kib'] > 0")" = True ] \
	|| fail "good vm_hwm"
# Its background sleep was killed with its process group and reaped by us.
[ "$(jget "$R" "d['run']['orphans_reaped'] >= 1")" = True ] || fail "orphans_reaped"
for n in $names; do [ -f "$(dirname "$R")/targets/$n.log" ] || fail "no log for $n"; done
grep -q "injecting fault 'segv'" "$(dirname "$R")/targets/segv.log" || fail "segv log"
# The private checkouts are gone, the killed workers' too (the supervisor
# removes the run's scratch directory).
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
assert_no_leftovers

# The faults live only in the test build: the release worker has no trace.
# (nm's output is captured first: grep -q closing the pipe early would
# trip pipefail)
syms=$(nm "$B/tests/bin/repocast-worker-test")
echo "$syms" | grep -q ' T fault_hook$' || fail "test worker lacks fault_hook"
grep -q "injecting fault" "$B/tests/bin/repocast-worker-test" || fail "test worker lacks fault text"
syms=$(nm "$B/repocast-worker")
if echo "$syms" | grep -q fault_hook || grep -q -e "injecting fault" -e REPOCAST_FAULTS "$B/repocast-worker"; then
	fail "the release worker contains fault code"
fi
echo "run_faults: ok"
