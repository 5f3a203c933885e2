# Shared by tests/integration/run_*.sh (sourced; not a test itself).
# Sets B (build dir), T (this test's temp dir, removed at exit), MARK (a
# unique string; rc runs repocast with it in the environment, which every
# worker and command inherits, so leftovers can be found in /proc; the
# test shell itself does not carry it), and helpers. fail, T and its
# removal at exit come from lib.bash.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
ROOT=$ROOT_DIR
B=$BUILD
lib_init repocast-it
MARK="repocast-it-$$-$RANDOM"
SUP_PID=
run_lib_cleanup() {
	[ -n "$SUP_PID" ] && kill -KILL "$SUP_PID" 2>/dev/null || true
	for p in $(marked_pids); do kill -KILL "$p" 2>/dev/null || true; done
}
lib_at_exit run_lib_cleanup

# make_repo DIR: a git repository with one commit on main.
make_repo() {
	git init -q -b main "$1"
	echo "hello from $(basename "$1")" >"$1/README"
	git -C "$1" add README
	git -C "$1" -c user.name=t -c user.email=t@example.com commit -qm init
}

# Processes carrying MARK in their environment.
marked_pids() {
	python3 - "$MARK" <<'PY'
import os, sys
want = b"REPOCAST_IT_MARK=" + sys.argv[1].encode()
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            if want in f.read().split(b"\0"):
                print(pid)
    except OSError:
        pass
PY
}

# rc ARGS...: run repocast with the marker in its environment.
rc() {
	REPOCAST_IT_MARK=$MARK "$B/repocast" "$@"
}

assert_no_leftovers() {
	local left
	left=$(marked_pids | tr '\n' ' ')
	[ -z "$left" ] || { ps -o pid,ppid,args -p "$(echo $left | tr ' ' ,)" >&2 || true; fail "processes left behind: $left"; }
}

# report_of DIR: the one report.json under a report dir.
report_of() {
	local r
	r=$(ls "$1"/*/report.json)
	[ "$(echo "$r" | wc -l)" -eq 1 ] || fail "expected one report in $1: $r"
	echo "$r"
}

# jget REPORT EXPR: evaluate a python expression over the report as d.
jget() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
