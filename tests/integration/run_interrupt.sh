#!/usr/bin/env bash
# Ctrl-C: SIGINT to the supervisor mid-run stops spawning, cancels and
# stops every worker, writes a valid partial report and exits 130, leaving
# no process behind, every report format whole. A second SIGINT kills at
# once, grace or not. A supervisor killed outright (SIGKILL, at any moment)
# leaves each report file whole or absent, never half-written.
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


# formats_whole DIR [all]: every report file in run directory DIR parses
# to its end; with "all", every one of them must be there.
formats_whole() {
	python3 - "$1" "${2:-}" <<'PY2'
import json, os, sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
d, need = sys.argv[1], sys.argv[2] == "all"
def html(t):
    HTMLParser().feed(t)
    if not t.rstrip().endswith("</html>"):
        sys.exit("report.html cut short")
def text(marker):
    def check(t):
        if not t.endswith("\n") or marker not in t:
            sys.exit("cut short: %r" % t[-80:])
    return check
checks = {
    "report.json": lambda t: json.loads(t)["targets"],
    "trace.json": lambda t: json.loads(t)["traceEvents"],
    "junit.xml": lambda t: ET.fromstring(t).find("testsuite"),
    "report.html": html,
    "metrics.prom": text("repocast_targets"),
    "report.md": text("## Summary"),
}
for name, check in checks.items():
    p = os.path.join(d, name)
    if not os.path.exists(p):
        if need:
            sys.exit("%s: missing" % p)
        continue
    check(open(p, encoding="utf-8").read())
PY2
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
formats_whole "$(dirname "$R")" all || fail "a report format of the partial run is not whole"
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

# 3. SIGKILL at moments spread over the run and its reports: whatever is
# there is whole.
for i in 1 2 3 4 5 6; do echo "none:k$i"; done >"$T/krepos"
for delay in 0.05 0.2 0.4 0.6 0.8 1.0; do
	REPOCAST_IT_MARK=$MARK "$B/repocast" run --repos "$T/krepos" --no-pr --jobs 2 \
	    --report-dir "$T/kruns" -- sh -c 'sleep 0.1' >/dev/null 2>&1 &
	SUP_PID=$!
	sleep "$delay"
	kill -KILL "$SUP_PID" 2>/dev/null || true
	wait "$SUP_PID" 2>/dev/null || true
	SUP_PID=
	for p in $(marked_pids); do kill -KILL "$p" 2>/dev/null || true; done
done
n=0
for d in "$T"/kruns/*/; do
	formats_whole "$d" || fail "SIGKILL left a half-written report in $d"
	[ -e "$d/report.json" ] && n=$((n + 1))
done
echo "SIGKILL: $(ls "$T/kruns" | wc -l) run directories, $n with a report, all whole"
echo "run_interrupt: ok"
