#!/bin/sh
# End-to-end: one BIG_MIB (default 500) MiB file synced to 2 targets over
# smart HTTP on the loopback forge (DESIGN §9: blobs of any size streamed
# with the supervisor's memory independent of blob size; 500 MiB file:
# supervisor < 64 MiB). The file is random (incompressible, so the source
# mirror's pack holds it whole, the case blobread.h streams). Figures: the
# supervisor's peak RSS from report.json (getrusage maxrss) and from
# /proc/PID/status (VmHWM, read while it runs), each worker's VmHWM, the
# wall time and the bytes sent to the workers. One run (it moves ~1 GiB
# through zlib several times); needs ~4 GiB of disk under TMPDIR.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
BIG_MIB=${BIG_MIB:-500}
sync_lib_init
forge_start

new_work acme/source main
echo "small" > "$T/w/source/small.txt"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom > "$T/w/source/big.bin"
push_work acme/source main
seed_targets main acme/t1 acme/t2
write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
  max_file_size: 2G
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/t1
        files: [{src: big.bin, dest: big.bin}, {src: small.txt, dest: small.txt}]
      - repo: acme/t2
        files: [{src: big.bin, dest: data/big.bin}]
EOF2

t0=$(date +%s%N)
# rsync_run's command itself, so that $! is the supervisor
"$RC" sync -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs" --no-progress \
    > "$T/out" 2>&1 &
pid=$!
hwm=0
while kill -0 "$pid" 2>/dev/null; do
	v=$(awk '/^VmHWM:/ {print $2}' /proc/"$pid"/status 2>/dev/null || true)
	[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
	sleep 0.05
done
wait "$pid" || { cat "$T/out"; fail "sync failed"; }
t1=$(date +%s%N)
rep=$(last_report)
for r in acme/t1 acme/t2; do
	[ "$(outcome "$rep" "$r")" = pushed ] || { cat "$T/out"; fail "$r not pushed"; }
done
want=$(git -C "$T/forge/acme/source.git" rev-parse main:big.bin)
b1=$(git -C "$T/forge/acme/t1.git" for-each-ref --format='%(refname:short)' refs/heads/chore/)
b2=$(git -C "$T/forge/acme/t2.git" for-each-ref --format='%(refname:short)' refs/heads/chore/)
[ "$(git -C "$T/forge/acme/t1.git" rev-parse "$b1:big.bin")" = "$want" ] || fail "t1: blob differs"
[ "$(git -C "$T/forge/acme/t2.git" rev-parse "$b2:data/big.bin")" = "$want" ] || fail "t2: blob differs"
sup_kib=$(pj 'd["run"]["supervisor"]["maxrss_kib"]' "$rep")
w_kib=$(pj 'max(t["rusage"]["vm_hwm_kib"] for t in d["targets"])' "$rep")
sent=$(pj 'sum(t["channel"]["bytes_to_worker"] for t in d["targets"])' "$rep")
printf 'BenchmarkSyncBigFile%dMiB2Targets\t1\t%d ns/op\t%d supervisor-maxrss-kib\t%d supervisor-vmhwm-kib\t%d worker-vmhwm-max-kib\t%d bytes-to-workers\n' \
    "$BIG_MIB" $((t1 - t0)) "$sup_kib" "$hwm" "$w_kib" "$sent"
awk -v k="$sup_kib" 'BEGIN { printf "supervisor peak RSS: %.1f MiB (budget 64 MiB): %s\n", k / 1024,
    k < 64 * 1024 ? "ok" : "OVER" }'
