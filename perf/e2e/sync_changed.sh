#!/bin/sh
# End-to-end: a changed target (10 files) commit + push over smart HTTP on
# the loopback forge (DESIGN §9: worker wall <= 40 ms). After a first run
# (which pushes and warms the caches), each of RUNS rounds changes all 10
# source files and syncs again: the worker fetches, takes 10 blobs, builds
# the tree, commits and pushes onto the existing sync branch. Figures are
# the worker's wall time from report.json (median, min, max). The push is
# split into the forge's part (the "ms" of the worker's receive-pack
# requests in the forge's request log: the git-http-backend CGI runs) and
# the rest; the git CLI's push alone to the same forge is timed too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
RUNS=${RUNS:-15}
sync_lib_init
forge_start

new_work acme/source main
gen() { for ((k = 0; k < 10; k++)); do printf 'round %d file %d\n' "$1" $k > "$T/w/source/f$k.txt"; done; }
gen 0
push_work acme/source main
gen_repo "$T/forge/acme/target.git" main 300 acme/target
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
        files:
          - {src: f0.txt, dest: conf/f0.txt}
          - {src: f1.txt, dest: conf/f1.txt}
          - {src: f2.txt, dest: conf/f2.txt}
          - {src: f3.txt, dest: conf/f3.txt}
          - {src: f4.txt, dest: conf/f4.txt}
          - {src: f5.txt, dest: conf/f5.txt}
          - {src: f6.txt, dest: conf/f6.txt}
          - {src: f7.txt, dest: conf/f7.txt}
          - {src: f8.txt, dest: conf/f8.txt}
          - {src: f9.txt, dest: conf/f9.txt}
EOF2
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "first run"; }
# baseline: the git CLI doing the same in a warm clone (fetch, copy the 10
# files, commit, push the branch), the way a shell script would
url="http://x-access-token:$(cat "$T/token")@127.0.0.1:$PORT/git/acme/target.git"
git clone -q "$url" "$T/cli"
: > "$T/wall"
: > "$T/cli_us"
: > "$T/cli_push_us"
: > "$T/forge_push_us"
: > "$T/push_ms"
LOG=$T/forge/.forge/requests.log
# forge_ms FROM REPO SERVICE: summed "ms" of REPO's SERVICE requests after line FROM, in us
forge_us() {
	tail -n +$(($1 + 1)) "$LOG" | python3 -c 'import json,sys
print(int(1000 * sum(r["ms"] for r in map(json.loads, sys.stdin)
      if r.get("service") == sys.argv[2] and sys.argv[1] in r["path"])))' "$2" "$3"
}
for ((i = 1; i <= RUNS; i++)); do
	gen "$i"
	push_work acme/source main "round $i"
	t0=$(date +%s%N)
	git -C "$T/cli" fetch -q origin main
	git -C "$T/cli" checkout -q -B cli-sync origin/main
	mkdir -p "$T/cli/conf"
	cp "$T"/w/source/f*.txt "$T/cli/conf/"
	git -C "$T/cli" add -A conf
	git -C "$T/cli" commit -qm "sync round $i" || fail "baseline commit"
	t1=$(date +%s%N)
	git -C "$T/cli" push -q -f origin cli-sync || fail "baseline push"
	t2=$(date +%s%N)
	echo $(( (t2 - t0) / 1000 )) >> "$T/cli_us"
	echo $(( (t2 - t1) / 1000 )) >> "$T/cli_push_us"
	before=$(wc -l < "$LOG")
	rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "run $i"; }
	forge_us "$before" /git/acme/target.git git-receive-pack >> "$T/forge_push_us"
	rep=$(last_report)
	pj 'd["targets"][0]["phases_ms"]["push"]' "$rep" >> "$T/push_ms"
	[ "$(outcome "$rep" acme/target)" = pushed ] || fail "run $i: not pushed"
	pj 'd["targets"][0]["wall_us"]' "$rep" >> "$T/wall"
	pj 'd["targets"][0]["phases_ms"]' "$rep" >> "$T/phases"
done
read -r med min max <<< "$(sort -n "$T/wall" | awk '{v[NR]=$1} END {printf "%d %d %d", v[int((NR+1)/2)], v[1], v[NR]}')"
stat() { sort -n "$1" | awk '{v[NR]=$1} END {printf "%d %d %d", v[int((NR+1)/2)], v[1], v[NR]}'; }
read -r cmed cmin cmax <<< "$(stat "$T/cli_us")"
read -r pmed pmin pmax <<< "$(stat "$T/cli_push_us")"
read -r fmed fmin fmax <<< "$(stat "$T/forge_push_us")"
read -r wpmed wpmin wpmax <<< "$(stat "$T/push_ms")"
printf 'BenchmarkSyncChanged10Files\t%d\t%d ns/op\t%d worker-wall-min-us\t%d worker-wall-max-us\n' \
    "$RUNS" $((med * 1000)) "$min" "$max"
printf 'BenchmarkGitCLIChanged10Files\t%d\t%d ns/op\t%d min-us\t%d max-us\n' \
    "$RUNS" $((cmed * 1000)) "$cmin" "$cmax"
printf 'BenchmarkGitCLIPushOnly\t%d\t%d ns/op\t%d min-us\t%d max-us\n' \
    "$RUNS" $((pmed * 1000)) "$pmin" "$pmax"
printf 'worker push phase median %d ms; forge time of its receive-pack requests median %d us (min %d, max %d)\n' \
    "$wpmed" "$fmed" "$fmin" "$fmax"
awk -v a="$med" -v f="$fmed" 'BEGIN { printf "worker wall minus forge receive-pack time (median of each): %.1f ms\n", (a - f) / 1000 }'
awk -v a="$med" -v b="$cmed" 'BEGIN { printf "ratio git-cli/worker (median): %.1fx\n", b / a }'
echo "phases (ms) of the last runs:"; tail -n 3 "$T/phases"
