# The integration scripts' common ground (sourced, never run on its own).
# Each script sets its own shell options; this file assumes none.
#   ROOT_DIR, BUILD, RC  the source tree, the build directory, the binary
#   fail MSG...          print "FAIL: MSG" on stderr and exit 1
#   lib_init PREFIX      T, a new temporary directory, removed at exit
#                        (KEEP=1 keeps it); XDG_CACHE_HOME under it
#   lib_at_exit CMD      run CMD at exit, before T is removed (last first)
#   forge_start          the loopback forge on ROOT=$T/forge; sets PORT,
#                        FORGE_PID, a token in $T/token; stopped at exit,
#                        its log's tail shown when the script failed
ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${REPOCAST_BUILD:-$ROOT_DIR/${O:-build}}
RC=$BUILD/repocast
T=
FORGE_PID=
LIB_AT_EXIT=()

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

lib_init() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	export XDG_CACHE_HOME=$T/cache
	trap lib_cleanup EXIT
}

lib_at_exit() {
	LIB_AT_EXIT=("$*" "${LIB_AT_EXIT[@]}")
}

lib_cleanup() {
	local rc=$? cmd
	set +e
	for cmd in "${LIB_AT_EXIT[@]}"; do
		eval "$cmd"
	done
	if [ -n "$FORGE_PID" ]; then
		kill "$FORGE_PID" 2>/dev/null
		wait "$FORGE_PID" 2>/dev/null
		if [ "$rc" -ne 0 ] && [ -f "$T/forge.log" ]; then
			echo "--- forge log (tail)"
			tail -n 20 "$T/forge.log"
		fi
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	exit "$rc"
}

# forge_start [FORGE OPTION...]: the forge listens on a port of its own
# choosing; the port is read from its first log line. Options go to
# forge.py (e.g. --rate-limit N for a benchmark of thousands of targets).
forge_start() {
	local i
	mkdir -p "$T/forge/.forge"
	echo "tok-demo-0123456789 demo" >"$T/forge/.forge/tokens"
	printf 'tok-demo-0123456789\n' >"$T/token"
	chmod 600 "$T/token"
	python3 "${FORGE_PY:-$ROOT_DIR/tests/forge/forge.py}" --root "$T/forge" \
	    --port 0 "$@" >"$T/forge.log" 2>&1 &
	FORGE_PID=$!
	for i in $(seq 1 100); do
		PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' \
		    "$T/forge.log" | head -n 1)
		[ -n "$PORT" ] && return 0
		kill -0 "$FORGE_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$T/forge.log"
	fail "forge did not start"
}

# forge_control PATH [JSON] [METHOD]: a request to one of the forge's
# control endpoints (/_forge/..., no auth; METHOD is POST unless given);
# one that fails fails the test.
forge_control() {
	python3 -c 'import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method=sys.argv[3],
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()' "http://127.0.0.1:$PORT$1" "${2:-}" "${3:-POST}" ||
	    fail "the forge's control ${3:-POST} $1 failed"
}
