#!/usr/bin/env bash
# The fuzz replay driver (tests/fuzz/replay_main.c) fails when it should:
# run over a target that answers wrong for inputs beginning "wrong" and
# aborts on "crash" (tests/fuzz/selftest/), it exits 0 only for a corpus of
# good inputs, names every wrong input, names the input it crashed on, and
# fails on a missing or empty corpus.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
lib_init repocast-fuzz
REPLAY=$BUILD/tests/fuzz_replay_selftest
[ -x "$REPLAY" ] || fail "$REPLAY not built"

# expect WANT ROOT: run the driver over ROOT, keep its output in $T/out.
expect() {
	local want=$1 rc=0
	"$REPLAY" "$2" >"$T/out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$T/out" >&2; fail "replay of $2 exited $rc, want $want"; }
}
has() { grep -qF -- "$1" "$T/out" || { cat "$T/out" >&2; fail "output lacks: $1"; }; }

mkdir -p "$T/good/selftest"
printf 'fine' >"$T/good/selftest/a"
printf 'also fine' >"$T/good/selftest/b"
expect 0 "$T/good"
has "fuzz selftest: replayed 2 inputs"

cp -r "$T/good" "$T/wrong"
printf 'wrong answer' >"$T/wrong/selftest/w1"
printf 'wrong again' >"$T/wrong/selftest/w2"
expect 1 "$T/wrong"
has "fuzz selftest: wrong answer for $T/wrong/selftest/w1"
has "fuzz selftest: wrong answer for $T/wrong/selftest/w2"
has "fuzz selftest: replayed 4 inputs"
! grep -q "wrong answer for $T/wrong/selftest/a" "$T/out" || fail "a good input reported wrong"

cp -r "$T/good" "$T/crash"
printf 'crash now' >"$T/crash/selftest/c"
expect 134 "$T/crash"
has "fuzz replay: crashed on $T/crash/selftest/c"

expect 1 "$T/none"
has "fuzz selftest: no corpus at $T/none/selftest"
mkdir -p "$T/empty/selftest"
expect 1 "$T/empty"
has "fuzz selftest: replayed 0 inputs"
echo "fuzz replay: every failure seen"
