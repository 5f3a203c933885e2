#!/usr/bin/env bash
# Every process of a job dies with its supervisor. A supervisor killed
# with SIGKILL mid-run takes its workers, their commands and the
# commands' children and grandchildren with it within a second (found by
# a marker in their environment, via /proc), at several moments of a run
# and of a sync; the next run succeeds, and a sync leaves exactly one open
# pull request per target.
. "$(dirname "$0")/run_lib.bash"
# sync_lib.bash's helpers too (make_repo becomes its own); it sources
# lib.bash again, which would forget this test's T and exit hooks.
saved_t=$T saved_exit=("${LIB_AT_EXIT[@]}")
. "$(dirname "$0")/sync_lib.bash"
T=$saved_t LIB_AT_EXIT=("${saved_exit[@]}")
unset GITHUB_TOKEN GH_TOKEN || true

# gone_within_1s: no marked process is left one second after the kill.
gone_within_1s() {
	local i left
	for i in $(seq 1 10); do
		left=$(marked_pids | tr '\n' ' ')
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	ps -o pid,ppid,pgid,args -p "$(echo $left | tr ' ' ,)" >&2 || true
	fail "$1: processes outlived the supervisor by a second: $left"
}

# count_sleeps: marked `sleep 30` processes.
count_sleeps() {
	python3 - "$MARK" <<'PY'
import os, sys
want = b"REPOCAST_IT_MARK=" + sys.argv[1].encode()
n = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        env = open("/proc/%s/environ" % pid, "rb").read().split(b"\0")
        argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
    except OSError:
        continue
    n += want in env and argv[:2] == [b"sleep", b"30"]
print(n)
PY
}

# ---- run: children and grandchildren of the command ----
for i in 1 2 3; do echo "none:o$i"; done >"$T/repos"
# Per repository: sh, a background sleep (child), a second sh with two
# sleeps (grandchildren), and a foreground sleep: 4 sleeps.
CMD='sleep 30 & sh -c "sleep 30 & sleep 30" & sleep 30'
# Scratch directories (checkouts) go under $T/tmp: the killed runs leave
# theirs, the next run removes them.
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp
for delay in 0.05 0.3 full; do
	# The binary itself, not the rc function: $! must be repocast's pid.
	REPOCAST_IT_MARK=$MARK "$B/repocast" run --repos "$T/repos" --no-pr --jobs 3 \
	    --report-dir "$T/runs" -- sh -c "$CMD" >"$T/out" 2>&1 &
	SUP_PID=$!
	if [ "$delay" = full ]; then
		# every command's every sleep is running
		for i in $(seq 1 100); do
			[ "$(count_sleeps)" -ge 12 ] && break
			sleep 0.1
		done
		[ "$(count_sleeps)" -ge 12 ] || fail "the commands did not start: $(count_sleeps) sleeps"
	else
		sleep "$delay"
	fi
	kill -KILL "$SUP_PID"
	wait "$SUP_PID" 2>/dev/null || true
	SUP_PID=
	gone_within_1s "run killed at $delay"
done
[ -n "$(ls "$T/tmp" | grep '^repocast-run-')" ] || fail "the killed runs left no scratch directory (the test is moot)"
# The next run over the same cache and report dir succeeds and clears
# what the killed ones left.
rc run --repos "$T/repos" --no-pr --jobs 3 --report-dir "$T/runs" -- sh -c 'echo ok' \
    >"$T/out" 2>&1 || { cat "$T/out"; fail "the run after the kills failed"; }
grep -q "removed [0-9]* scratch director" "$T/out" || fail "no stale scratch directory removed: $(cat "$T/out")"
[ -z "$(ls "$T/tmp" | grep '^repocast-run-')" ] || fail "scratch directories left: $(ls "$T/tmp")"
assert_no_leftovers
unset TMPDIR
echo "harden_orphans: run ok"

# ---- sync: kill during discovery, during the push, during the PR ----
forge_start
make_repo acme/source main f.txt v0
seed_targets main acme/a acme/b
write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        files: [{src: f.txt, dest: f.txt}]
      - repo: acme/b
        files: [{src: f.txt, dest: f.txt}]
EOF2

fault() {
	curl -fsS -X POST --data "$1" "http://127.0.0.1:$PORT/_forge/faults" >/dev/null
}

open_prs() { # OWNER/NAME: the number of open pull requests
	api "/repos/$1/pulls?state=open" | pj 'len(d)'
}

round=0
for point in discovery push pr; do
	round=$((round + 1))
	# New source content: each round has work to do.
	printf 'v%d\n' "$round" >"$T/w/source/f.txt"
	push_work acme/source main "round $round"
	case $point in
	discovery) fault '{"kind":"delay","method":"GET","path":"^/api/v3/repos/acme/[ab]","delay_ms":3000,"count":100}' ;;
	push) fault '{"kind":"delay","path":"git-receive-pack$","delay_ms":3000,"count":100}' ;;
	pr) fault '{"kind":"delay","method":"(POST|PATCH)","path":"/pulls","delay_ms":3000,"count":100}' ;;
	esac
	REPOCAST_IT_MARK=$MARK "$RC" sync -c "$T/sync.yaml" --token-file "$T/token" \
	    --report-dir "$T/runs" --no-progress >"$T/out" 2>&1 &
	SUP_PID=$!
	# Wait for the delayed request to be in flight.
	reached=
	for i in $(seq 1 100); do
		case $point in
		discovery) grep -q '^repocast: source acme/source@main' "$T/out" && reached=1 ;;
		push) grep -q 'git-receive-pack' "$T/forge/.forge/requests.log" 2>/dev/null && reached=1 ;;
		pr) forge_writes 2>/dev/null | grep -q 'pulls' && reached=1 ;;
		esac
		[ -n "$reached" ] && break
		sleep 0.05
	done
	[ -n "$reached" ] || { cat "$T/out"; fail "the sync never reached its $point"; }
	sleep 0.3
	kill -KILL "$SUP_PID"
	wait "$SUP_PID" 2>/dev/null || true
	SUP_PID=
	gone_within_1s "sync killed during $point"
	curl -fsS -X DELETE "http://127.0.0.1:$PORT/_forge/faults" >/dev/null
	# The next sync recovers: the mirrors, the skip cache, the PRs.
	rsync_run >"$T/out" 2>&1 || { cat "$T/out"; fail "the sync after a kill during $point failed"; }
	for r in acme/a acme/b; do
		[ "$(open_prs $r)" = 1 ] || fail "$r: $(open_prs $r) open pull requests after a kill during $point, want 1"
	done
	[ "$(git -C "$T/forge/acme/a.git" show "$(api /repos/acme/a/pulls?state=open | pj 'd[0]["head"]["sha"]'):f.txt")" = "v$round" ] ||
	    fail "acme/a's pull request does not carry round $round"
done
fsck_all
assert_no_leftovers
echo "harden_orphans: ok"
