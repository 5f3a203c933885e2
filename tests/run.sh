#!/bin/sh
# The whole test suite, as `make check` runs it:
#   1. unit tests (Check), 2. fuzz corpus replay, 3. integration tests
#   (tests/integration/*.sh, real binaries, real git, loopback forge),
#   4. under CI or with VALGRIND=1: the unit tests again under valgrind.
# Ends with one line "N passed, N failed" summing all of them.
# TESTS=pattern runs only integration scripts whose name contains pattern.
set -u
O=${O:-build}
export O
ROOT=$(pwd)
export REPOCAST_BUILD="$ROOT/$O"
passed=0
failed=0
failures=""

# Check prints "100%: Checks: 12, Failures: 0, Errors: 0".
unit() {
	label=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: [0-9]+' | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		failures="$failures $label(no-summary,rc=$rc)"
		return
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	bad=$((f + e))
	passed=$((passed + n - bad))
	failed=$((failed + bad))
	if [ "$bad" -ne 0 ] || [ "$rc" -ne 0 ]; then
		[ "$bad" -eq 0 ] && failed=$((failed + 1))
		failures="$failures $label"
	fi
}

echo "== unit tests"
unit unit "$O/tests/check_all"

echo "== fuzz corpus replay"
if "$O/tests/fuzz_replay" tests/fuzz/corpus; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	failures="$failures fuzz-replay"
fi

echo "== integration tests"
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	case "$t" in *"${TESTS:-}"*) ;; *) continue ;; esac
	name=$(basename "$t" .sh)
	start=$(date +%s)
	log="$O/tests/integration-$name.log"
	mkdir -p "$O/tests"
	if bash "$t" >"$log" 2>&1; then
		echo "ok   $name ($(( $(date +%s) - start ))s)"
		passed=$((passed + 1))
	else
		echo "FAIL $name ($(( $(date +%s) - start ))s), log $log:"
		tail -n 40 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
		failures="$failures $name"
	fi
done

if [ "${CI:-}" = true ] || [ "${VALGRIND:-0}" = 1 ]; then
	if [ -n "${SANITIZE:-}" ] || [ "$O" != build ]; then
		echo "== valgrind: skipped for the sanitizer build (ASan and valgrind do not mix)"
	else
		echo "== unit tests under valgrind"
		if CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite "$O/tests/check_all" >"$O/tests/valgrind.log" 2>&1; then
			echo "ok   valgrind"
			passed=$((passed + 1))
		else
			echo "FAIL valgrind, log $O/tests/valgrind.log:"
			tail -n 40 "$O/tests/valgrind.log" | sed 's/^/    /'
			failed=$((failed + 1))
			failures="$failures valgrind"
		fi
	fi
fi

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
