#!/usr/bin/env bash
# Limits bind the whole job. Four children of 100 MB each under --memory
# 256M: the job is killed with cause memory (each alone is under the
# limit); one process over the limit is `memory`, not `exit:1`; twenty
# sleeps under --processes 5: cause pids; every process of a killed job is
# gone; report.json names the mechanism (a delegated cgroup, else the
# watchdog). A command printing 50 MB under --max-log 1M leaves a log of
# about 1 MiB with its head, its tail and the dropped count, also in the
# report. A sync's worker is held by limits.memory and max_log too.
. "$(dirname "$0")/run_lib.bash"

echo "none:mem" >"$T/repos"
# which mechanism this machine gives: a cgroup only where one is delegated
want_mech=watchdog
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] &&
    ! grep -qx '0::/' /proc/self/cgroup; then
	echo "NOTE: /sys/fs/cgroup is cgroup2: the mechanism may be cgroup here"
	want_mech=
fi

# target_field REPORT EXPR: a Python expression over the one target t.
tf() {
	jget "$1" "$2"
}

check_limit() { # REPORT CAUSE
	local r=$1 cause=$2 mech
	[ "$(tf "$r" "d['targets'][0]['cause']")" = "$cause" ] ||
	    fail "cause $(tf "$r" "d['targets'][0]['cause']"), want $cause: $(tf "$r" "d['targets'][0]['error']")"
	mech=$(tf "$r" "d['targets'][0]['limits']['mechanism']")
	case $mech in cgroup | watchdog) ;; *) fail "mechanism '$mech'" ;; esac
	[ -z "$want_mech" ] || [ "$mech" = "$want_mech" ] || fail "mechanism $mech, want $want_mech"
	assert_no_leftovers
}

# 1. Four children of 100 MB each: 400 MB together under a 256M limit.
PY='import time; b = b"x" * (100 << 20); time.sleep(20)'
rc run --repos "$T/repos" --no-pr --memory 256M --report-dir "$T/r1" -- \
    sh -c "for i in 1 2 3 4; do python3 -c '$PY' & done; wait" >"$T/out" 2>&1 || true
cat "$T/out"
R=$(report_of "$T/r1")
check_limit "$R" memory
[ "$(tf "$R" "d['run']['limits']['memory']['max']")" = $((256 << 20)) ] || fail "run.limits.memory"
[ "$(tf "$R" "d['run']['limits']['memory']['mechanism']")" = "$(tf "$R" "d['targets'][0]['limits']['mechanism']")" ] ||
    fail "run and target name different mechanisms"
[ "$(tf "$R" "d['targets'][0]['limits']['memory_peak_bytes'] > (256 << 20)")" = True ] ||
    fail "the peak does not show the job over its limit"
[ "$(tf "$R" "d['targets'][0]['wall_us'] < 15000000")" = True ] || fail "the job was not stopped early"

# 2. One process over the limit: memory, not exit:1.
rc run --repos "$T/repos" --no-pr --memory 64M --report-dir "$T/r2" -- \
    python3 -c 'import time; b = b"x" * (200 << 20); time.sleep(20)' >"$T/out" 2>&1 || true
check_limit "$(report_of "$T/r2")" memory

# 3. Under the limit nothing happens: two children of 40 MB under 256M.
PY='b = b"x" * (40 << 20)'
rc run --repos "$T/repos" --no-pr --memory 256M --report-dir "$T/r3" -- \
    sh -c "python3 -c '$PY' & python3 -c '$PY'; wait" >"$T/out" 2>&1 ||
    { cat "$T/out"; fail "a job under its memory limit failed"; }
R=$(report_of "$T/r3")
[ "$(tf "$R" "d['targets'][0]['ok']")" = True ] || fail "under the limit: not ok"

# 4. Twenty sleeps under --processes 5.
rc run --repos "$T/repos" --no-pr --processes 5 --report-dir "$T/r4" -- \
    sh -c 'for i in $(seq 1 20); do sleep 30 & done; wait' >"$T/out" 2>&1 || true
cat "$T/out"
R=$(report_of "$T/r4")
check_limit "$R" pids
[ "$(tf "$R" "d['run']['limits']['processes']['max']")" = 5 ] || fail "run.limits.processes"
[ "$(tf "$R" "d['targets'][0]['limits']['processes_peak'] > 5")" = True ] || fail "processes_peak"
# and a job within it runs: the worker, sh and two sleeps
rc run --repos "$T/repos" --no-pr --processes 5 --report-dir "$T/r5" -- \
    sh -c 'sleep 0.3 & sleep 0.3; wait' >"$T/out" 2>&1 ||
    { cat "$T/out"; fail "a job within its processes limit failed"; }

# 5. 50 MB of output under --max-log 1M.
rc run --repos "$T/repos" --no-pr --max-log 1M --report-dir "$T/r6" -- \
    python3 -c 'import sys
sys.stdout.write("FIRST LINE\n")
line = "y" * 99 + "\n"
for i in range(500000):
    sys.stdout.write(line)
sys.stdout.write("LAST LINE\n")' >"$T/out" 2>&1 || { cat "$T/out"; fail "the chatty command failed"; }
R=$(report_of "$T/r6")
L=$(ls "$T"/r6/*/targets/mem.log)
size=$(stat -c %s "$L")
[ "$size" -ge $((1 << 20)) ] && [ "$size" -le $(((1 << 20) + 512)) ] || fail "log of $size bytes under --max-log 1M"
head -n 1 "$L" | grep -qx "FIRST LINE" || fail "the log lost its head"
tail -n 1 "$L" | grep -qx "LAST LINE" || fail "the log lost its tail"
dropped=$(tf "$R" "d['targets'][0]['log_dropped_bytes']")
total=$((11 + 500000 * 100 + 10))
[ "$dropped" -eq $((total - (1 << 20))) ] || fail "log_dropped_bytes $dropped, want $((total - (1 << 20)))"
grep -aq "^--- repocast: $dropped bytes of output dropped here" "$L" || fail "the log does not say what was dropped"
[ "$(tf "$R" "d['run']['limits']['max_log']")" = $((1 << 20)) ] || fail "run.limits.max_log"
# the default cap is 16 MiB
rc run --repos "$T/repos" --no-pr --report-dir "$T/r7" -- true >/dev/null 2>&1
[ "$(jget "$(report_of "$T/r7")" "d['run']['limits']['max_log']")" = $((16 << 20)) ] || fail "default max_log"

# 6. Bad values are refused.
for bad in "--processes 0" "--max-log 100" "--max-log lots"; do
	if rc run --repos "$T/repos" --no-pr $bad -- true >"$T/out" 2>&1; then
		fail "'$bad' was accepted"
	fi
	grep -q "invalid" "$T/out" || fail "'$bad': $(cat "$T/out")"
done
echo "harden_limits: run ok"

# 7. A sync takes limits.memory, limits.processes and max_log from its
# config, --processes and --max-log over them, and its workers run under
# them (the same pool as a run's).
saved_t=$T saved_exit=("${LIB_AT_EXIT[@]}")
. "$(dirname "$0")/sync_lib.bash"   # sources lib.bash again: keep T and the exit hooks
T=$saved_t LIB_AT_EXIT=("${saved_exit[@]}")
unset GITHUB_TOKEN GH_TOKEN || true
forge_start
make_repo acme/source main f.txt v1
seed_targets main acme/a
write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  limits: {memory: 512M, processes: 64}
  max_log: 4K
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        files: [{src: f.txt, dest: f.txt}]
EOF2
rsync_run >"$T/out" 2>&1 || { cat "$T/out"; fail "sync under limits failed"; }
R=$(last_report)
pjt 'd["run"]["limits"]["memory"]["max"] == 512 << 20 and d["run"]["limits"]["processes"]["max"] == 64' "$R" ||
    fail "sync: run.limits from the config: $(pj 'd["run"]["limits"]' "$R")"
pjt 'd["run"]["limits"]["max_log"] == 4096' "$R" || fail "sync: max_log from the config"
pjt 'd["targets"][0]["limits"]["mechanism"] in ("cgroup", "watchdog") and d["targets"][0]["ok"]' "$R" ||
    fail "sync: the target's limits: $(pj 'd["targets"][0]["limits"]' "$R")"
printf 'v2\n' >"$T/w/source/f.txt"
push_work acme/source main v2
rsync_run --processes 32 --max-log 8K >"$T/out" 2>&1 || { cat "$T/out"; fail "sync with flags failed"; }
R=$(last_report)
pjt 'd["run"]["limits"]["processes"]["max"] == 32 and d["run"]["limits"]["max_log"] == 8192' "$R" ||
    fail "sync: the flags do not override the config: $(pj 'd["run"]["limits"]' "$R")"
# --max-log 0: no cap
printf 'v3\n' >"$T/w/source/f.txt"
push_work acme/source main v3
if rsync_run --processes 32 --max-log 0 >"$T/out" 2>&1; then :; fi
pjt 'd["run"]["limits"]["max_log"] is None' "$(last_report)" || fail "sync: --max-log 0 is no cap"
echo "harden_limits: ok"
