#!/usr/bin/env bash
# Ctrl-C: SIGINT to the supervisor mid-run stops spawning, cancels and
# stops every worker, writes a valid partial report and exits 130, leaving
# no process behind. A second SIGINT kills at once, grace or not.
. "$(dirname "$0")/run_lib.bash"

for i in 1 2 3 4; do echo "none:n$i"; done >"$T/repos"

wait_logs() { # N: until N target logs exist
	local i
	for i in $(seq 1 100); do
		[ "$(ls "$T"/runs/*/targets/ 2>/dev/null | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "workers did not start"
}

# 1. One SIGINT; the commands sleep, SIGTERM ends them.
REPOCAST_IT_MARK=$MARK "$B/repocast" run --repos "$T/repos" --no-pr --jobs 2 --report-dir "$T/runs" -- sleep 60 \
	>"$T/out" 2>&1 &
SUP_PID=$!
wait_logs 2
sleep 0.3
t0=$(date +%s)
kill -INT "$SUP_PID"
set +e
wait "$SUP_PID"
code=$?
set -e
SUP_PID=
cat "$T/out"
[ "$code" -eq 130 ] || fail "exit status $code, want 130"
[ $(( $(date +%s) - t0 )) -le 4 ] || fail "took too long to stop"
R=$(report_of "$T/runs")
[ "$(jget "$R" "d['run']['interrupted']")" = True ] || fail "interrupted not set"
[ "$(jget "$R" "d['run']['exit_code']")" = 130 ] || fail "run.exit_code"
[ "$(jget "$R" "len(d['targets'])")" = 4 ] || fail "every target is in the partial report"
[ "$(jget "$R" "sorted(t['cause'] for t in d['targets'])")" = \
	"['cancelled', 'cancelled', 'cancelled', 'cancelled']" ] || fail "causes"
[ "$(jget "$R" "sum(1 for t in d['targets'] if t['pid'])")" = 2 ] || fail "two had started"
grep -q "interrupted: cancelling 2 running workers" "$T/out" || fail "message"
assert_no_leftovers

# 2. Workers that ignore SIGTERM, a 30 s grace: the second SIGINT kills them.
rm -rf "$T/runs"
export REPOCAST_WORKER=$B/tests/bin/repocast-worker-test
export REPOCAST_FAULTS="n1=hang-term,n2=hang-term,n3=hang-term,n4=hang-term"
REPOCAST_IT_MARK=$MARK "$B/repocast" run --repos "$T/repos" --no-pr --jobs 2 --grace 30s --report-dir "$T/runs" -- true \
	>"$T/out" 2>&1 &
SUP_PID=$!
wait_logs 2
sleep 0.3
kill -INT "$SUP_PID"
sleep 0.5
kill -0 "$SUP_PID" 2>/dev/null || fail "stopped before the grace ran out"
t0=$(date +%s)
kill -INT "$SUP_PID"
set +e
wait "$SUP_PID"
code=$?
set -e
SUP_PID=
cat "$T/out"
[ "$code" -eq 130 ] || fail "exit status $code, want 130"
[ $(( $(date +%s) - t0 )) -le 3 ] || fail "the second Ctrl-C did not kill at once"
grep -q "interrupted again: killing every worker" "$T/out" || fail "message"
R=$(report_of "$T/runs")
[ "$(jget "$R" "sorted(t['worker_signal'] for t in d['targets'] if t['pid'])")" = \
	"['KILL', 'KILL']" ] || fail "workers were not SIGKILLed"
assert_no_leftovers
echo "run_interrupt: ok"
