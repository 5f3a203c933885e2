#!/bin/sh
# End-to-end: the cost of --profile (DESIGN §9: zero when off, < 5 % CPU
# when on). A sync (--dry-run --no-skip: every round does the same work) of
# TARGETS targets mapping a FILES-file directory, RUNS rounds of a run
# without and one with --profile (each first in turn); the figure is the
# workers' CPU (utime + stime summed over the targets, from report.json),
# median of the rounds, and the ratio of the medians. Beside it, steadier
# on a loaded machine: the median of each round's own on/off ratio (its
# two runs are seconds apart), and the sum of each worker's fastest round
# (a shared machine's noise only adds time); and the whole run's CPU, the
# supervisor's included (its reaped children's rusage: the supervisor and
# its workers, so what the supervisor does with the profiles counts too).
# Then the same for `repocast run` of a busy command, where --profile also
# puts the command under perf record (its own cost, shown apart). Last,
# strace of a worker without --profile: no setitimer, no SIGPROF handler
# (the "zero" is structural, not a small number). SYNC_ONLY=1 stops after
# the sync part; CALLGRIND=1 adds an instruction count of the profiler's
# fixed part in each worker (below).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
RUNS=${RUNS:-7}
TARGETS=${TARGETS:-4}
FILES=${FILES:-3000}
sync_lib_init
forge_start

gen_repo "$T/forge/acme/source.git" main "$FILES" source
targets=
for ((i = 0; i < TARGETS; i++)); do
	seed_targets main acme/t$i
	targets="$targets
      - repo: acme/t$i
        directories: [{src: src, dest: src}]"
done
write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
  jobs: 1
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:$targets
EOF2
# warm the mirror cache: every round fetches nothing
rsync_run --dry-run --no-skip --confirm-scope "$TARGETS" >"$T/out" 2>&1 || { cat "$T/out"; fail "warm-up"; }

# cpu REPORT [command|targets]: the workers' (or the commands') CPU in us;
# targets: each worker's, "repo=us ..."
cpu() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
if len(sys.argv) > 2 and sys.argv[2] == "targets":
    print(" ".join("%s=%d" % (t["name"], t["rusage"]["utime_us"] + t["rusage"]["stime_us"])
                   for t in d["targets"]))
elif len(sys.argv) > 2:
    print(sum(t["command"]["utime_us"] + t["command"]["stime_us"] for t in d["targets"]))
else:
    print(sum(t["rusage"]["utime_us"] + t["rusage"]["stime_us"] for t in d["targets"]))' "$@"
}
med() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# tree_cpu OUT CMD...: run CMD; append to OUT the CPU in us of every
# process it reaped (the supervisor, and the workers it waited for)
tree_cpu() {
	local out=$1
	shift
	python3 -c 'import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "a").write("%d\n" % ((u.ru_utime + u.ru_stime) * 1e6))
sys.exit(rc)' "$out" "$@"
}

: >"$T/off" ; : >"$T/on"; : >"$T/toff"; : >"$T/ton"; : >"$T/ratio"
for ((r = 0; r < RUNS; r++)); do
	# ABBA: which goes first alternates (the first of two runs is not
	# always the slower or the faster one)
	order="off on"; [ $((r % 2)) = 1 ] && order="on off"
	for mode in $order; do
		flag=; [ "$mode" = on ] && flag=--profile
		rm -rf "$T/runs"
		tree_cpu "$T/t$mode" "$RC" sync -c "$T/sync.yaml" --token-file "$T/token" \
			--report-dir "$T/runs" --no-progress --dry-run --no-skip --confirm-scope "$TARGETS" \
			$flag >"$T/out" 2>&1 || { cat "$T/out"; fail "sync $mode"; }
		cpu "$(last_report)" >>"$T/$mode"
		cpu "$(last_report)" targets >>"$T/$mode.targets"
		[ "$mode" = on ] && cp "$(dirname "$(last_report)")/profile.folded" "$T/last.folded"
	done
	awk -v a="$(tail -n 1 "$T/off")" -v b="$(tail -n 1 "$T/on")" 'BEGIN { print b / a }' >>"$T/ratio"
done
off=$(med <"$T/off"); on=$(med <"$T/on"); toff=$(med <"$T/toff"); ton=$(med <"$T/ton")
samples=$(awk '{ n += $NF } END { print n }' "$T/last.folded")
echo "sync --dry-run of $TARGETS targets x $FILES files, $RUNS rounds, workers' CPU:"
echo "  off: median $((off / 1000)) ms ($(tr '\n' ' ' <"$T/off"| awk '{ for (i = 1; i <= NF; i++) printf "%d ", $i / 1000 }')ms)"
echo "  on:  median $((on / 1000)) ms ($(tr '\n' ' ' <"$T/on"| awk '{ for (i = 1; i <= NF; i++) printf "%d ", $i / 1000 }')ms), $samples ms sampled in the last round"
awk -v a="$off" -v b="$on" 'BEGIN { printf "  --profile: %+.1f %% of the workers'"'"' CPU (budget < 5 %%)\n", (b - a) / a * 100 }'
awk -v r="$(med <"$T/ratio")" -v all="$(sort -g "$T/ratio" | awk '{ printf "%+.1f ", ($1 - 1) * 100 }')" \
	'BEGIN { printf "  rounds'"'"' own ratios: median %+.1f %% (%s%%)\n", (r - 1) * 100, all }'
# floor: per target, its fastest round, summed (the noise of a shared
# machine only adds time: the minimum is the least disturbed run)
floor() {
	tr ' ' '\n' <"$1" | awk -F= 'NF == 2 { if (!($1 in m) || $2 < m[$1]) m[$1] = $2 } END { for (k in m) s += m[k]; print s }'
}
awk -v a="$(floor "$T/off.targets")" -v b="$(floor "$T/on.targets")" \
	'BEGIN { printf "  each worker'"'"'s fastest round, summed: off %.1f ms, on %.1f ms: %+.1f %%\n", a / 1000, b / 1000, (b - a) / a * 100 }'
awk -v a="$toff" -v b="$ton" 'BEGIN { printf "  whole run (supervisor + workers): off %d ms, on %d ms: %+.1f %%\n", a / 1000, b / 1000, (b - a) / a * 100 }'
# the supervisor alone: each round's whole run less its workers
soff=$(paste "$T/toff" "$T/off" | awk '{ print $1 - $2 }' | med)
son=$(paste "$T/ton" "$T/on" | awk '{ print $1 - $2 }' | med)
awk -v a="$soff" -v b="$son" 'BEGIN { printf "  the supervisor alone: off %.1f ms, on %.1f ms: %+.1f ms\n", a / 1000, b / 1000, (b - a) / 1000 }'
printf 'BenchmarkProfileOffSync-%d\t%d\t%d ns/op\n' "$(nproc)" "$RUNS" "$((off * 1000))"
printf 'BenchmarkProfileOnSync-%d\t%d\t%d ns/op\n' "$(nproc)" "$RUNS" "$((on * 1000))"

# CALLGRIND=1: the instructions of profile_start and profile_finish (the
# fixed part: the unwinder's preload, naming the frames, the message) in
# one worker, under callgrind. Its CPU clock runs some 30 times slower
# there, so it takes ~30 times the samples of a real run: the count
# shows how the naming grows with the profile, not a real worker's time.
if [ "${CALLGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null || fail "CALLGRIND=1: valgrind is not installed"
	# valgrind's own system calls are not on the worker's allow-list
	sed 's/^  jobs: 1$/  jobs: 1\n  limits: {seccomp: off}/' "$T/sync.yaml" >"$T/cg.yaml"
	printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/cg.%%p --toggle-collect=profile_start --toggle-collect=profile_finish %s "$@"\n' \
		"$T" "${REPOCAST_WORKER:-$BUILD/repocast-worker}" >"$T/cg-worker"
	chmod +x "$T/cg-worker"
	rm -rf "$T/runs"
	REPOCAST_WORKER="$T/cg-worker" "$RC" sync -c "$T/cg.yaml" --token-file "$T/token" \
		--report-dir "$T/runs" --no-progress --dry-run --no-skip --confirm-scope "$TARGETS" \
		--profile >"$T/out" 2>&1 || { cat "$T/out"; fail "sync under callgrind"; }
	# (a child the worker forks leaves a file of its own, with no count)
	for f in "$T"/cg.*; do
		n=$(sed -n 's/^summary: //p' "$f")
		if [ -n "$n" ]; then
			printf '  callgrind, one worker: %s instructions in profile_start + profile_finish\n' "$n"
		fi
	done
	grep -h 'profile:' "$(dirname "$(last_report)")"/targets/*.log | sed 's/^/    /'
fi
[ "${SYNC_ONLY:-0}" = 1 ] && exit 0

# run: a busy command; with --profile perf records it where it can.
git clone -q --bare "$T/forge/acme/source.git" "$T/big.git"
echo "$T/big.git" >"$T/repos"
: >"$T/roff"; : >"$T/ron"; : >"$T/coff"; : >"$T/con"
for ((r = 0; r < RUNS; r++)); do
	for mode in off on; do
		flag=; [ "$mode" = on ] && flag=--profile
		rm -rf "$T/runs-run"
		"$RC" run --repos "$T/repos" --no-pr --no-progress --report-dir "$T/runs-run" $flag \
			-- sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done' >"$T/out" 2>&1 ||
			{ cat "$T/out"; fail "run $mode"; }
		rep=$(ls "$T"/runs-run/*/report.json)
		cpu "$rep" >>"$T/r$mode"
		cpu "$rep" command >>"$T/c$mode"
	done
done
roff=$(med <"$T/roff"); ron=$(med <"$T/ron"); coff=$(med <"$T/coff"); con=$(med <"$T/con")
echo "run of a busy command (sh loop) in a $FILES-file checkout, $RUNS rounds:"
echo "  worker + command CPU: off $((roff / 1000)) ms, on $((ron / 1000)) ms; the command alone (under perf when on): off $((coff / 1000)) ms, on $((con / 1000)) ms"
awk -v a="$roff" -v b="$ron" 'BEGIN { printf "  --profile (sampler + perf record): %+.1f %% of the CPU\n", (b - a) / a * 100 }'
grep -h 'perf' "$T"/runs-run/*/targets/*.log | head -n 1 || true

# zero when off: what a worker does with and without --profile, as strace saw it.
if command -v strace >/dev/null; then
	for mode in off on; do
		flag=; [ "$mode" = on ] && flag=--profile
		rm -rf "$T/runs-run"
		strace -f -qq -e trace=setitimer,rt_sigaction -e signal=none -o "$T/strace.$mode" \
			"$RC" run --repos "$T/repos" --no-pr --no-progress --report-dir "$T/runs-run" $flag -- true \
			>/dev/null 2>&1 || fail "strace run $mode"
		printf '  strace, %s: %d setitimer calls, %d SIGPROF handlers set\n' "$mode" \
			"$(grep -c 'setitimer(ITIMER_PROF' "$T/strace.$mode")" \
			"$(grep -c 'rt_sigaction(SIGPROF, {sa_handler=0x' "$T/strace.$mode")"
	done
else
	echo "  (no strace: the off path's calls not shown)"
fi
