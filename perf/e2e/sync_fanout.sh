#!/bin/sh
# End-to-end: fan-out of a FILES-file directory (default 1000) to N targets
# (default 100) on the loopback forge, first run (DESIGN §9: >= 4x faster
# than the git-CLI shell baseline with pacing off; with the PR pace on,
# wall <= 1.1 x max(pace bound, git-work bound); supervisor < 1 KiB per
# planned file).
# Every target starts with unrelated history (a README, two commits); the
# run gives each one the FILES files on a new branch and opens a PR.
#   repocast, pace off: `repocast sync --confirm-scope N`, jobs 2, wall
#     clock, repocast.api {write_interval: 0, creates_per_minute: 0,
#     creates_per_hour: 0}: the git-work bound (pushes and PRs, nothing
#     waits).
#   repocast, paced: the same on a fresh copy of the targets with
#     GitHub.com's rules scaled by SCALE (default 10: write_interval
#     1 s / SCALE, creates_per_minute 80 x SCALE, creates_per_hour off, as
#     a run of N <= 500 never reaches GitHub's 500/h... at SCALE 1 it
#     would); the pace bound is computed from those settings and the
#     writes the forge saw: max((writes - 1) x write_interval,
#     floor((creates - 1) / creates_per_minute) x 60 s). PACE=0 leaves
#     this run out.
#   BASELINE=0 leaves the git-CLI baseline out (N=500 runs).
#   baseline: per target, 5 at a time (xargs -P5): git clone over smart
#     HTTP (token through GIT_ASKPASS reading the token file), copy the
#     directory in from one clone of the source, commit, push a branch, and
#     one curl POST /pulls (token header read from a file by curl -H @file).
# What bounds the pace-off run: the forge's own time in git-receive-pack
# and git-upload-pack (its request log's ms), summed and divided by jobs.
# Memory: run.supervisor.maxrss_kib of the N-target run over N x FILES
# planned files, and the slope against a 1-target run of the same mapping.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
source "$(dirname "$0")/../../tests/integration/sync_lib.bash"
N=${N:-100}
FILES=${FILES:-1000}
P=${P:-5}
SCALE=${SCALE:-10}
PACE=${PACE:-1}
BASELINE=${BASELINE:-1}
sync_lib_init
# a primary quota the run cannot exhaust (the forge's default is GitHub's 5000/h)
forge_start --rate-limit 10000000

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
	[ "$BASELINE" = 0 ] || cp -r "$T/forge/acme/t0.git" "$T/forge/acme/b$i.git"
	[ "$PACE" = 0 ] || cp -r "$T/forge/acme/t0.git" "$T/forge/acme/p$i.git"
done

# config FILE PREFIX COUNT [API]
fan_config() {
	{
		cat <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  api: ${4:-"{write_interval: 0, creates_per_minute: 0, creates_per_hour: 0}"}
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
iv_ms=$((1000 / SCALE))
cpm=$((80 * SCALE))
fan_config "$T/paced.yaml" p "$N" "{write_interval: ${iv_ms}ms, creates_per_minute: $cpm, creates_per_hour: 0}"
# seq SEQ...: the forge's last request seq so far
mark() {
	python3 -c 'import json,sys
print(max([json.loads(l)["seq"] for l in open(sys.argv[1])] or [0]))' "$T/forge/.forge/requests.log"
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# 1-target run: the supervisor's peak for a small plan
"$RC" sync -c "$T/small.yaml" --token-file "$T/token" --report-dir "$T/runs1" \
    --no-progress > "$T/out1" 2>&1 || { tail "$T/out1"; fail "1-target run"; }
rep1=$(ls -d "$T"/runs1/*/report.json | tail -n 1)
pjt 'd["targets"][0]["outcome"] == "pushed"' "$rep1" || fail "1-target run: not pushed"
rss1=$(pj 'd["run"]["supervisor"]["maxrss_kib"]' "$rep1")

# repocast, N targets, pace off
m0=$(mark)
t0=$(date +%s%N)
rsync_run --confirm-scope "$N" > "$T/out" 2>&1 || { tail "$T/out"; fail "repocast run"; }
rc_ms=$(ms "$t0")
m1=$(mark)
rep=$(last_report)
pjt 'len(d["targets"]) == '"$N"' and all(t["outcome"] == "pushed" for t in d["targets"])' "$rep" ||
    fail "repocast run: not every target pushed"
rssN=$(pj 'd["run"]["supervisor"]["maxrss_kib"]' "$rep")
npr=$(api "/repos/acme/t$((N - 1))/pulls" | pj 'len(d)')
[ "$npr" = 1 ] || fail "repocast run: no PR on t$((N - 1))"

# repocast, N targets, paced
if [ "$PACE" != 0 ]; then
	t0=$(date +%s%N)
	"$RC" sync -c "$T/paced.yaml" --token-file "$T/token" --report-dir "$T/runsp" \
	    --no-progress --confirm-scope "$N" > "$T/outp" 2>&1 || { tail "$T/outp"; fail "paced run"; }
	paced_ms=$(ms "$t0")
	repp=$(ls -d "$T"/runsp/*/report.json | tail -n 1)
	pjt 'all(t["outcome"] == "pushed" and t.get("pr") == "opened" for t in d["targets"])' "$repp" ||
	    fail "paced run: not every target pushed with a new PR"
fi
m2=$(mark)

if [ "$BASELINE" != 0 ]; then
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
fi
[ "$(git -C "$T/forge/acme/t0.git" ls-tree -r --name-only \
    "$(git -C "$T/forge/acme/t0.git" for-each-ref --format='%(refname)' refs/heads/ | grep -v main | head -n 1)" |
    grep -c '^cfg/')" = "$FILES" ] || fail "repocast: t0 does not hold $FILES files"

printf 'BenchmarkSyncFanout/%dx%d\t1\t%d ns/op\n' "$N" "$FILES" $((rc_ms * 1000000))
if [ "$PACE" != 0 ]; then
	printf 'BenchmarkSyncFanoutPaced/%dx%d-x%d\t1\t%d ns/op\n' "$N" "$FILES" "$SCALE" \
	    $((paced_ms * 1000000))
	python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
lo, hi = int(sys.argv[2]), int(sys.argv[3])
iv, cpm = float(sys.argv[4]) / 1000, int(sys.argv[5])
api = [r for r in rs if lo < r["seq"] <= hi and "/api/" in r["path"]]
writes = [r for r in api if r["method"] not in ("GET", "HEAD") and "graphql" not in r["path"]]
creates = [r for r in writes if r["method"] == "POST"]
bound = max((len(writes) - 1) * iv, ((len(creates) - 1) // cpm) * 60.0 if cpm else 0.0)
paced, git = float(sys.argv[6]) / 1000, float(sys.argv[7]) / 1000
b = max(bound, git)
print("paced run (x%s GitHub pace: write_interval %.0f ms, %d creates/min): %d writes, %d creates;"
      " pace bound %.1f s, git-work bound (pace-off run) %.1f s; wall %.1f s = %.3f x max(bounds)"
      % (sys.argv[8], iv * 1000, cpm, len(writes), len(creates), bound, git, paced, paced / b))
# The paced run itself: its workers are not held by the pace, so the
# last one ends when the pace-off run would (a steadier measure on a
# shared machine than a second run).
# Discovery (one round of GETs per target) comes before any worker and any
# PR: counted from the first worker on, the run is the pipeline alone.
d = json.load(open(sys.argv[9]))
s0 = d["run"]["start_us"]
last = (max(t["end_us"] for t in d["targets"]) - s0) / 1e6
start = (min(t["start_us"] for t in d["targets"]) - s0) / 1e6
wall = d["run"]["wall_us"] / 1e6
first_pr = min(r["t"] for r in creates) - s0 / 1e6
print("paced run: first worker at %.1f s (discovery before it), first PR at %.1f s, last worker"
      " done at %.1f s, end at %.1f s; from the first worker: wall / max(pace bound, git work)"
      " = %.1f / max(%.1f, %.1f) = %.3f" % (start, first_pr, last, wall, wall - start, bound,
      last - start, (wall - start) / max(bound, last - start)))' \
	    "$T/forge/.forge/requests.log" "$m1" "$m2" "$iv_ms" "$cpm" "$paced_ms" "$rc_ms" "$SCALE" "$repp"
fi
python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
lo, hi, jobs, wall = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
run = [r for r in rs if lo < r["seq"] <= hi]
rp = [r["ms"] for r in run if r["path"].endswith("/git-receive-pack")]
up = [r["ms"] for r in run if r["path"].endswith("/git-upload-pack")]
ap = [r["ms"] for r in run if "/api/" in r["path"]]
srv = sum(rp) + sum(up) + sum(ap)
print("forge time in the pace-off run: receive-pack %d x median %.1f ms = %.0f ms; upload-pack %d x %.1f ms = %.0f ms;"
      " api %d requests %.0f ms; all / %d jobs = %.0f ms of %.0f ms wall (%.0f%%)"
      % (len(rp), sorted(rp)[len(rp) // 2] if rp else 0, sum(rp), len(up),
         sorted(up)[len(up) // 2] if up else 0, sum(up), len(ap), sum(ap), jobs, srv / jobs, wall,
         100 * srv / jobs / wall))' "$T/forge/.forge/requests.log" "$m0" "$m1" 2 "$rc_ms"
if [ "$BASELINE" != 0 ]; then
	printf 'BenchmarkGitCLIFanout/%dx%d-P%d\t1\t%d ns/op\n' "$N" "$FILES" "$P" $((base_ms * 1000000))
	awk -v a="$rc_ms" -v b="$base_ms" 'BEGIN { printf "ratio baseline/repocast (pace off): %.1fx\n", b / a }'
else
	base_ms=0
fi
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
print("repocast (pace off): last worker done at %d ms, then %d ms to the end of the run" % (last / 1e3, d["run"]["wall_us"] / 1e3 - last / 1e3))
if float(sys.argv[2]) > 0:
    print("ratio baseline/repocast-until-last-push: %.1fx" % (float(sys.argv[2]) / (last / 1e3)))' "$rep" "$base_ms"
