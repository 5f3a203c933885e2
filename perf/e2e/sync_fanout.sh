#!/bin/sh
# End-to-end: fan-out of a FILES-file directory (default 1000) to N targets
# (default 100) on the loopback forge, first run (DESIGN §9: >= 10x faster
# than the git-CLI shell baseline; supervisor < 2 KiB per planned file).
# Every target starts with unrelated history (a README, two commits); the
# run gives each one the FILES files on a new branch and opens a PR.
#   repocast: `repocast sync --confirm-scope N`, jobs 2, wall clock.
#   baseline: per target, 5 at a time (xargs -P5): git clone over smart
#     HTTP (token through GIT_ASKPASS reading the token file), copy the
#     directory in from one clone of the source, commit, push a branch, and
#     one curl POST /pulls (token header read from a file by curl -H @file).
# Memory: run.supervisor.maxrss_kib of the N-target run over N x FILES
# planned files, and the slope against a 1-target run of the same mapping.
# repocast paces PR creation at 80/min (GitHub's secondary limit, the
# default of repocast.api.creates_per_minute, which this config leaves
# alone; it sets only write_interval: 0), so past 80 targets its wall includes about a minute of
# waiting; the last line gives the ratio up to the last push as well.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
N=${N:-100}
FILES=${FILES:-1000}
P=${P:-5}
sync_lib_init
forge_start

# source: FILES small text files under cfg/ in 10 subdirectories
new_work acme/source main
for ((i = 0; i < FILES; i++)); do
	d=$T/w/source/cfg/sub$((i % 10))
	[ -d "$d" ] || mkdir -p "$d"
	printf 'key%d = value %d\n# shared setting %d of the fleet\n' "$i" "$i" "$i" > "$d/file$i.txt"
done
echo "# source" > "$T/w/source/README.md"
push_work acme/source main
# one target with unrelated history, copied for repocast (t*), the 1-target
# run (s0) and the baseline (b*)
new_work acme/t0 main
echo "# target" > "$T/w/t0/README.md"
push_work acme/t0 main
echo "notes" > "$T/w/t0/NOTES.md"
push_work acme/t0 main
cp -r "$T/forge/acme/t0.git" "$T/forge/acme/s0.git"
for ((i = 0; i < N; i++)); do
	[ "$i" -eq 0 ] || cp -r "$T/forge/acme/t0.git" "$T/forge/acme/t$i.git"
	cp -r "$T/forge/acme/t0.git" "$T/forge/acme/b$i.git"
done

# config FILE PREFIX COUNT
fan_config() {
	{
		cat <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: {write_interval: 0}   # a loopback forge has no secondary limits: say so
  git_url: http://127.0.0.1:@PORT@/git
  jobs: 2
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
EOF2
		for ((i = 0; i < $3; i++)); do
			printf '      - repo: acme/%s%d\n        directories: [{src: cfg, dest: cfg}]\n' "$2" $i
		done
	} | sed "s/@PORT@/$PORT/g" > "$1"
}
fan_config "$T/small.yaml" s 1
fan_config "$T/sync.yaml" t "$N"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# 1-target run: the supervisor's peak for a small plan
"$RC" sync -c "$T/small.yaml" --token-file "$T/token" --report-dir "$T/runs1" \
    --no-progress > "$T/out1" 2>&1 || { tail "$T/out1"; fail "1-target run"; }
rep1=$(ls -d "$T"/runs1/*/report.json | tail -n 1)
pjt 'd["targets"][0]["outcome"] == "pushed"' "$rep1" || fail "1-target run: not pushed"
rss1=$(pj 'd["run"]["supervisor"]["maxrss_kib"]' "$rep1")

# repocast, N targets
t0=$(date +%s%N)
rsync_run --confirm-scope "$N" > "$T/out" 2>&1 || { tail "$T/out"; fail "repocast run"; }
rc_ms=$(ms "$t0")
rep=$(last_report)
pjt 'len(d["targets"]) == '"$N"' and all(t["outcome"] == "pushed" for t in d["targets"])' "$rep" ||
    fail "repocast run: not every target pushed"
rssN=$(pj 'd["run"]["supervisor"]["maxrss_kib"]' "$rep")
npr=$(api "/repos/acme/t$((N - 1))/pulls" | pj 'len(d)')
[ "$npr" = 1 ] || fail "repocast run: no PR on t$((N - 1))"

# baseline: git CLI + curl, P at a time
printf '#!/bin/sh\ncase "$1" in Username*) echo x-access-token ;; *) cat "%s" ;; esac\n' \
    "$T/token" > "$T/askpass"
chmod 700 "$T/askpass"
printf 'Authorization: Bearer %s\n' "$(cat "$T/token")" > "$T/authhdr"
chmod 600 "$T/authhdr"
cat > "$T/one.sh" <<'EOF2'
#!/bin/bash
# one.sh I: clone acme/bI, copy cfg/ in, commit, push a branch, open a PR.
set -e
i=$1
d=$T/bw/b$i
git clone -q "$URL/acme/b$i.git" "$d"
cd "$d"
git checkout -q -b sync/cfg
cp -r "$T/bsrc/cfg" .
git add -A
git commit -qm "sync cfg from acme/source"
git push -q origin sync/cfg
curl -sf -o /dev/null -H @"$T/authhdr" -H 'Content-Type: application/json' \
    -d '{"title":"Sync cfg from acme/source","head":"sync/cfg","base":"main","body":"sync"}' \
    "$API/repos/acme/b$i/pulls"
EOF2
chmod 700 "$T/one.sh"
export T GIT_ASKPASS=$T/askpass GIT_TERMINAL_PROMPT=0
export URL=http://127.0.0.1:$PORT/git API=http://127.0.0.1:$PORT/api/v3
mkdir -p "$T/bw"
t0=$(date +%s%N)
git clone -q "$URL/acme/source.git" "$T/bsrc"
seq 0 $((N - 1)) | xargs -P"$P" -n1 "$T/one.sh" || fail "baseline failed"
base_ms=$(ms "$t0")
unset GIT_ASKPASS
npr=$(api "/repos/acme/b$((N - 1))/pulls" | pj 'len(d)')
[ "$npr" = 1 ] || fail "baseline: no PR on b$((N - 1))"
[ "$(git -C "$T/forge/acme/b0.git" ls-tree -r --name-only sync/cfg | grep -c '^cfg/')" = "$FILES" ] ||
    fail "baseline: b0 does not hold $FILES files"
[ "$(git -C "$T/forge/acme/t0.git" ls-tree -r --name-only \
    "$(git -C "$T/forge/acme/t0.git" for-each-ref --format='%(refname)' refs/heads/ | grep -v main | head -n 1)" |
    grep -c '^cfg/')" = "$FILES" ] || fail "repocast: t0 does not hold $FILES files"

printf 'BenchmarkSyncFanout/%dx%d\t1\t%d ns/op\n' "$N" "$FILES" $((rc_ms * 1000000))
printf 'BenchmarkGitCLIFanout/%dx%d-P%d\t1\t%d ns/op\n' "$N" "$FILES" "$P" $((base_ms * 1000000))
awk -v a="$rc_ms" -v b="$base_ms" 'BEGIN { printf "ratio baseline/repocast: %.1fx\n", b / a }'
awk -v r1="$rss1" -v rn="$rssN" -v f1="$FILES" -v fn=$((N * FILES)) 'BEGIN {
	printf "supervisor maxrss: %d KiB (1 target, %d files), %d KiB (%d targets, %d files)\n", r1, f1, rn, fn / f1, fn
	printf "supervisor KiB per planned file: ratio %.3f, slope %.4f\n", rn / fn, (rn - r1) / (fn - f1)
}'
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
s = {}
for t in d["targets"]:
    for k, v in t["phases_ms"].items():
        s[k] = s.get(k, 0) + v
print("repocast phases_ms summed over targets:", ", ".join("%s %d" % kv for kv in sorted(s.items())))
w = sorted(t["wall_us"] for t in d["targets"])
print("repocast worker wall median %.1f ms, sum %d ms; run wall %d ms" % (w[len(w) // 2] / 1e3, sum(w) / 1e3, d["run"]["wall_us"] / 1e3))
last = max(t["end_us"] for t in d["targets"]) - d["run"]["start_us"]
print("repocast: last worker done at %d ms, then %d ms of PR creation (80 creates/min pace)" % (last / 1e3, d["run"]["wall_us"] / 1e3 - last / 1e3))
print("ratio baseline/repocast-until-last-push (PR phase left out): %.1fx" % (float(sys.argv[2]) / (last / 1e3)))' "$rep" "$base_ms"
