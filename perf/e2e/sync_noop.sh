#!/bin/sh
# End-to-end: no-op resync of one target mapping a 1000-file directory over
# smart HTTP on the loopback forge (DESIGN §9: worker wall <= 15 ms,
# < 64 KiB over the channel). The first run pushes and warms the caches;
# then RUNS no-op runs with --no-skip (so that a worker runs: this is the
# per-target worker budget); figures are the worker's wall time and channel
# bytes from report.json (median, min, max), in Go benchmark format. Each
# round also times the whole `repocast sync` command with and without the
# skip cache (DESIGN §3: no worker at all for an unchanged target).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
RUNS=${RUNS:-15}
sync_lib_init
forge_start

new_work acme/source main
mkdir -p "$T/w/source/big"
for ((i = 0; i < 1000; i++)); do
	d=$T/w/source/big/d$((i % 20))
	mkdir -p "$d"
	printf 'file %d\nsome content for file %d\n' $i $i > "$d/f$i.txt"
done
push_work acme/source main
new_work acme/target main
echo target > "$T/w/target/README.md"
push_work acme/target main
write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 1
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/target
        directories: [{src: big, dest: big}]
EOF2
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "first run"; }
# baseline: the git CLI finding out there is nothing to do in a warm clone
# of the sync branch (fetch, copy the 1000 files over, status)
br=$(git -C "$T/forge/acme/target.git" for-each-ref --format='%(refname:short)' refs/heads/chore/)
url="http://x-access-token:$(cat "$T/token")@127.0.0.1:$PORT/git/acme/target.git"
git clone -q -b "$br" "$url" "$T/cli"
: > "$T/wall"
: > "$T/bytes"
: > "$T/cli_us"
: > "$T/cmd_noskip"
: > "$T/cmd_skip"
for ((i = 0; i < RUNS; i++)); do
	t0=$(date +%s%N)
	git -C "$T/cli" fetch -q origin main "$br"
	cp -r "$T/w/source/big" "$T/cli/"
	[ -z "$(git -C "$T/cli" status --porcelain)" ] || fail "baseline: not a no-op"
	echo $(( ($(date +%s%N) - t0) / 1000 )) >> "$T/cli_us"
	sleep 1  # one-second run ids
	t0=$(date +%s%N)
	rsync_run --no-skip > "$T/out" 2>&1 || { cat "$T/out"; fail "run $i"; }
	echo $(( ($(date +%s%N) - t0) / 1000 )) >> "$T/cmd_noskip"
	rep=$(last_report)
	[ "$(outcome "$rep" acme/target)" = pending_current ] || fail "not a no-op"
	pj 'd["targets"][0]["wall_us"]' "$rep" >> "$T/wall"
	pj 'd["targets"][0]["channel"]["bytes_to_worker"] + d["targets"][0]["channel"]["bytes_from_worker"]' "$rep" >> "$T/bytes"
	pj 'd["targets"][0]["phases_ms"]' "$rep" >> "$T/phases"
	sleep 1
	t0=$(date +%s%N)
	rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "skip run $i"; }
	echo $(( ($(date +%s%N) - t0) / 1000 )) >> "$T/cmd_skip"
	pjt 'd["targets"][0]["skipped"] and d["targets"][0]["outcome"] == "pending_current"' \
	    "$(last_report)" || fail "skip run $i: not skipped"
done
stat() { sort -n "$1" | awk '{v[NR]=$1} END {printf "%d %d %d", v[int((NR+1)/2)], v[1], v[NR]}'; }
read -r wmed wmin wmax <<< "$(stat "$T/wall")"
read -r bmed bmin bmax <<< "$(stat "$T/bytes")"
read -r cmed cmin cmax <<< "$(stat "$T/cli_us")"
read -r nmed nmin nmax <<< "$(stat "$T/cmd_noskip")"
read -r smed smin smax <<< "$(stat "$T/cmd_skip")"
printf 'BenchmarkSyncNoop1000Files\t%d\t%d ns/op\t%d worker-wall-min-us\t%d worker-wall-max-us\t%d channel-B/op\n' \
    "$RUNS" $((wmed * 1000)) "$wmin" "$wmax" "$bmed"
printf 'BenchmarkGitCLINoop1000Files\t%d\t%d ns/op\t%d min-us\t%d max-us\n' \
    "$RUNS" $((cmed * 1000)) "$cmin" "$cmax"
printf 'BenchmarkSyncNoopCommandNoSkip\t%d\t%d ns/op\t%d min-us\t%d max-us\n' \
    "$RUNS" $((nmed * 1000)) "$nmin" "$nmax"
printf 'BenchmarkSyncNoopCommandSkip\t%d\t%d ns/op\t%d min-us\t%d max-us\n' \
    "$RUNS" $((smed * 1000)) "$smin" "$smax"
awk -v a="$wmed" -v b="$cmed" 'BEGIN { printf "ratio git-cli/worker (median): %.1fx\n", b / a }'
echo "phases (ms) of the last runs:"; tail -n 3 "$T/phases"
