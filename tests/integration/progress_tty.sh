#!/usr/bin/env bash
# The progress display as a person sees it: `repocast run` typed into a
# tmux pane shows one status line (done/total, running, failed, rate,
# ETA) while it runs, the per-repository lines above it, and no status
# line left once it ends; a failure is red unless NO_COLOR is set; with
# --output tag every tagged line stays whole beside the status line. With
# stderr not a terminal there is no status line at all.
. "$(dirname "$0")/run_lib.bash"
command -v tmux >/dev/null || fail "tmux is not installed (mk/deps.sh installs it)"

for i in 1 2 3 4 5 6 7 8; do echo "none:p$i"; done >"$T/repos"
# p3 fails; every command takes a moment, so the status line is seen.
cat >"$T/cmd.sh" <<'SH'
echo "out $REPOCAST_REPO"
sleep 0.4
[ "$REPOCAST_REPO" != p3 ]
SH
SOCK=$T/tmux.sock
tmux -S "$SOCK" -f /dev/null new-session -d -x 150 -y 40 -s t
lib_at_exit "tmux -S '$SOCK' kill-server 2>/dev/null"

# typed RUNS ENV [OPTIONS]: type one run into the pane; capture the screen
# while it runs (into $T/seen) and once it is done (into $T/final).
typed() {
	local runs=$1 env=$2 opts=${3:-} i
	# -l: the line as text (tmux would read a ';' as its own separator)
	tmux -S "$SOCK" send-keys -t t -l "clear; $env REPOCAST_IT_MARK=$MARK $B/repocast run \
--repos $T/repos --no-pr --jobs 2 --report-dir $T/$runs $opts -- sh $T/cmd.sh; echo \"END $runs \$?\""
	tmux -S "$SOCK" send-keys -t t Enter
	: >"$T/seen"
	for i in $(seq 1 200); do
		tmux -S "$SOCK" capture-pane -p -e -t t >"$T/screen"
		cat "$T/screen" >>"$T/seen"
		grep -Eq "^END $runs [0-9]+$" "$T/screen" && break
		sleep 0.05
	done
	grep -q "^END $runs 1$" "$T/screen" || { cat "$T/screen"; fail "the run did not end with exit 1"; }
	tmux -S "$SOCK" capture-pane -p -e -t t >"$T/final"
}

typed runs1 ""
grep -Eq '\[[0-9]/8\] [0-9] running, .*[0-9] failed.*, [0-9.]+/s, [0-9]:[0-9][0-9] elapsed, ETA ' \
    "$T/seen" || { cat "$T/seen"; fail "no status line while running"; }
grep -q "p3" "$T/final" || fail "the failure has no line"
grep -q $'\033\\[31mFAIL' "$T/final" || { cat -v "$T/final"; fail "the failure is not red"; }
[ "$(grep -c '   none:p\|ok.*p[0-9]' "$T/final")" -ge 7 ] || { cat "$T/final"; fail "ok lines missing"; }
grep -q "8 repositories, 1 failed" "$T/final" || { cat "$T/final"; fail "no summary line"; }
! grep -Eq '\[[0-9]/8\] [0-9] running' "$T/final" || { cat "$T/final"; fail "status line left behind"; }

typed runs2 "NO_COLOR=1"
! grep -q $'\033\\[3[12]m' "$T/final" || { cat -v "$T/final"; fail "colour despite NO_COLOR"; }
grep -q "FAIL" "$T/final" || fail "no FAIL line with NO_COLOR"

# --output tag on the terminal: every tagged line whole at the start of its
# own line (the status line is taken away before each), none left at the end.
typed runs4 "NO_COLOR=1" "--output tag"
[ "$(grep -Ec '^p[0-9] +out p[0-9]$' "$T/final")" -eq 8 ] || { cat "$T/final"; fail "tagged lines broken on a terminal"; }
! grep -Eq '\[[0-9]/8\] [0-9] running' "$T/final" || { cat "$T/final"; fail "status line left behind (tag)"; }
grep -Eq '\[[0-9]/8\] [0-9] running' "$T/seen" || { cat "$T/seen"; fail "no status line while running (tag)"; }

# Not a terminal: lines only (the per-repository ones on stdout), never a
# status line.
rc run --repos "$T/repos" --no-pr --jobs 2 --report-dir "$T/runs3" -- sh "$T/cmd.sh" \
    >"$T/out" 2>"$T/err" && fail "p3 should fail the run"
! grep -q $'\r' "$T/err" "$T/out" || { cat -v "$T/err"; fail "a status line on a pipe"; }
! grep -q $'\033' "$T/err" "$T/out" || { cat -v "$T/err"; fail "escape codes on a pipe"; }
grep -q "^FAIL p3 " "$T/out" || { cat "$T/out"; fail "no FAIL line on a pipe"; }
[ "$(grep -c '^ok   p[0-9] ' "$T/out")" -eq 7 ] || { cat "$T/out"; fail "ok lines missing on a pipe"; }
assert_no_leftovers
echo "progress_tty: ok"
