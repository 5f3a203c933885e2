#!/usr/bin/env bash
# Retries: a worker killed by a signal once is retried and succeeds on the
# second attempt (attempts=2); an exit status is never retried; --retries 0
# turns retries off.
. "$(dirname "$0")/run_lib.bash"

make_repo "$T/src/flaky"
make_repo "$T/src/broken"
printf '%s\n' "$T/src/flaky" "$T/src/broken" >"$T/repos"
mkdir -p "$T/state"
export REPOCAST_WORKER=$B/tests/bin/repocast-worker-test
export REPOCAST_FAULTS="flaky=once-sigkill,broken=exit3"
export REPOCAST_FAULT_DIR=$T/state

set +e
rc run --repos "$T/repos" --no-pr --jobs 2 --retries 1 --report-dir "$T/runs" -- true \
	>"$T/out" 2>&1
code=$?
set -e
cat "$T/out"
[ "$code" -eq 1 ] || fail "exit status $code, want 1 (broken fails)"
R=$(report_of "$T/runs")
t() { jget "$R" "[t for t in d['targets'] if t['name']=='$1'][0]$2"; }
[ "$(t flaky "['attempts']")" = 2 ] || fail "flaky attempts $(t flaky "['attempts']")"
[ "$(t flaky "['cause']")" = None ] || fail "flaky cause $(t flaky "['cause']")"
[ "$(t flaky "['outcome']")" = ran ] || fail "flaky outcome"
[ "$(t broken "['attempts']")" = 1 ] || fail "broken was retried"
[ "$(t broken "['cause']")" = exit:3 ] || fail "broken cause"
grep -q "flaky: signal:KILL; retrying in 1000 ms (attempt 2 of 2)" "$T/out" || fail "retry line"
grep -q -- "--- repocast: attempt 2 ---" "$(dirname "$R")/targets/flaky.log" || fail "attempt marker"

# --retries 0: the same transient failure is final.
rm -rf "$T/state"/* "$T/runs"
set +e
rc run --repos "$T/repos" --no-pr --jobs 2 --retries 0 --report-dir "$T/runs" -- true \
	>"$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || fail "exit status $code, want 1"
R=$(report_of "$T/runs")
[ "$(t flaky "['attempts']")" = 1 ] || fail "flaky retried with --retries 0"
[ "$(t flaky "['cause']")" = signal:KILL ] || fail "flaky cause with --retries 0"
assert_no_leftovers
echo "run_retry: ok"
