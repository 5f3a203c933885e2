#!/bin/bash
# The shipped Slurm way to scale out (contrib/slurm/, docs/scale-out.md),
# end to end on a single-node Slurm on this machine (contrib/slurm/local.sh):
# submit.sh submits a 4-task array of `sync --shard slurm` against the
# loopback forge (40 targets) and the merge job after it; the merged report
# covers every target exactly once, each changed target got one pull
# request, and a second array's merged outcomes equal an unsharded run's;
# Slurm's record of each task (sacct, or jobcomp/filetxt when accounting is
# off, as in local.sh) shows the task's exit: 1 for the shard holding the
# target that fails, 0 for the others. The daemons listen on loopback only;
# no token reaches Slurm's state. Installs slurm-wlm and munge with
# mk/deps.sh; skips (loudly) only where they cannot be installed or it is
# not root (local.sh runs the daemons as root).
source "$(dirname "$0")/sync_lib.bash"
set -e
skip() {
	echo "SKIP: slurm.sh: $*" >&2
	echo "SKIP: slurm.sh: the Slurm array end-to-end test did not run" >&2
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "not root: the single-node Slurm of contrib/slurm/local.sh needs root"
deps=$( (cd "$ROOT_DIR" && sh mk/deps.sh slurm-wlm munge) 2>&1) ||
    { echo "$deps"; skip "Debian's slurm-wlm and munge cannot be installed here"; }
t0=$(date +%s)
sync_lib_init
forge_start
CONTRIB=$ROOT_DIR/contrib/slurm
# munged runs as the munge user: its directory must be reachable by it.
export REPOCAST_SLURM_DIR=$(mktemp -d /tmp/repocast-slurm.XXXXXX)
chmod 0755 "$REPOCAST_SLURM_DIR"
lib_at_exit 'sh "$CONTRIB/local.sh" stop; [ -n "${KEEP:-}" ] || rm -rf "$REPOCAST_SLURM_DIR"'
unset SLURM_CONF
eval "$(sh "$CONTRIB/local.sh" start)"
[ -n "${SLURM_CONF:-}" ] || fail "local.sh start printed no SLURM_CONF"
# loopback only: slurmctld and slurmd listen on 127.0.0.1 and nowhere else
python3 - "$SLURM_CONF" <<'PY' || fail "the Slurm daemons do not listen on loopback only"
import re, sys
conf = open(sys.argv[1]).read()
ports = [int(re.search(r"^%s=(\d+)$" % k, conf, re.M).group(1)) for k in ("SlurmctldPort", "SlurmdPort")]
listen = [l.split()[1] for f in ("/proc/net/tcp", "/proc/net/tcp6")
          for l in open(f).readlines()[1:] if l.split()[3] == "0A"]
for p in ports:
    at = [a.split(":")[0] for a in listen if int(a.split(":")[1], 16) == p]
    if at != ["0100007F"]:
        sys.exit("FAIL: port %d listens on %s" % (p, at))
PY

make_repo acme/source main f.txt v1
names=$(seq -f 'acme/t%02g' 1 38)
make_repo acme/t01 main README.md fleet
for r in $names; do       # copies of one repository: quicker than 38 pushes
	[ "$r" = acme/t01 ] || cp -a "$T/forge/acme/t01.git" "$T/forge/$r.git"
done
make_repo acme/t39 main f.txt v1 README.md t39        # up to date already
{
	cat <<'EOF'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
groups:
  - name: Fleet
    id: fleet
    source: {repo: acme/source, branch: main}
    targets:
EOF
	for r in $names acme/t39 acme/missing; do      # acme/missing is not on the forge
		printf '      - repo: %s\n        files: [{src: f.txt, dest: f.txt}]\n' "$r"
	done
} | write_config
export REPOCAST=$RC
outcomes() {
	python3 -c 'import json,sys
for t in sorted(json.load(open(sys.argv[1]))["targets"], key=lambda t: t["name"]):
    print(t["name"], t["outcome"], t["cause"])' "$1"
}
# submit OUT: the array and the merge job; sets ARRAY and MERGE.
submit() {
	"$CONTRIB/submit.sh" -n 4 -o "$1" sync -c "$T/sync.yaml" --token-file "$T/token" \
	    --confirm-scope 40 --no-progress > "$T/submit.out" || fail "submit.sh failed"
	ARRAY=$(sed -n 's/^array \([0-9][0-9]*\)$/\1/p' "$T/submit.out")
	MERGE=$(sed -n 's/^merge \([0-9][0-9]*\)$/\1/p' "$T/submit.out")
	[ -n "$ARRAY" ] && [ -n "$MERGE" ] || { cat "$T/submit.out"; fail "submit.sh printed no job ids"; }
}
# wait_jobs: until the queue is empty (3 minutes at most).
wait_jobs() {
	local i
	for i in $(seq 1 900); do
		[ -z "$(squeue -h 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	squeue
	tail -n 20 "$REPOCAST_SLURM_DIR/slurmctld.log"
	fail "the jobs did not end in 3 minutes"
}
# task_exit JOB TASK: the task's exit code as Slurm recorded it ("1:0").
task_exit() {
	if sacct -n -P -X -j "$1" -o JobID,ExitCode > "$T/sacct" 2> /dev/null; then
		sed -n "s/^$1_$2|//p" "$T/sacct" | head -n 1
	else
		sed -n "s/.*ArrayJobId=$1 ArrayTaskId=$2 .* ExitCode=\([0-9:]*\).*/\1/p" \
		    "$REPOCAST_SLURM_DIR/jobcomp.log"
	fi
}
# job_end JOB: "STATE EXIT" of a job that is not an array ("COMPLETED 0:0").
job_end() {
	if sacct -n -P -X -j "$1" -o State,ExitCode > "$T/sacct" 2> /dev/null; then
		tr '|' ' ' < "$T/sacct" | head -n 1
	else
		sed -n "s/^JobId=$1 .* JobState=\([A-Z]*\) .* ExitCode=\([0-9:]*\).*/\1 \2/p" \
		    "$REPOCAST_SLURM_DIR/jobcomp.log"
	fi
}

# --- the first array: every target synced once
# a token in the environment is never handed to Slurm: a sync without a
# token file is refused before anything is submitted
set +e
GITHUB_TOKEN=tok-in-env "$CONTRIB/submit.sh" -n 2 -o "$T/refused" sync -c "$T/sync.yaml" > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "GITHUB_TOKEN/GH_TOKEN are not passed to the jobs" "$T/out" ||
    { cat "$T/out"; fail "submit.sh with the token in the environment: exit $rc"; }
[ -z "$(squeue -h)" ] || fail "submit.sh submitted a job it refused"
echo "slurm.sh: setup done at $(($(date +%s) - t0)) s"
submit "$T/out1"
wait_jobs
M=$T/out1/merged/$ARRAY
[ -f "$M/report.json" ] || { cat "$T"/out1/logs/*; fail "no merged report"; }
for f in report.html report.md junit.xml; do [ -s "$M/$f" ] || fail "merged $f missing"; done
outcomes "$M/report.json" > "$T/o1"
[ "$(wc -l < "$T/o1")" -eq 40 ] || { cat "$T/o1"; fail "the merge has $(wc -l < "$T/o1") targets, want 40"; }
[ -z "$(cut -d' ' -f1 "$T/o1" | uniq -d)" ] || fail "a target is in two shards"
[ "$(grep -c ' pushed None$' "$T/o1")" -eq 38 ] || { cat "$T/o1"; fail "not 38 pushed"; }
grep -q '^acme/t39 up_to_date None$' "$T/o1" || fail "t39 not up to date"
grep -q '^acme/missing failed notfound$' "$T/o1" || fail "acme/missing not failed"
pjt "d['run']['merge'] == {'shards': 4, 'missing_shards': [], 'cross_shard_dependencies': [], 'disagreements': []}" \
    "$M/report.json" || fail "run.merge of the merged array"
pjt "d['run']['auth'] == {'kind': 'token', 'source': '--token-file'} and d['run']['commit_via'] == 'push'" \
    "$M/report.json" || fail "run.auth or run.commit_via of the merged array: $(pj "d['run']['auth']" "$M/report.json")"
python3 - "http://127.0.0.1:$PORT/api/v3" "$(cat "$T/token")" $names <<'PY' || fail "pull requests"
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
for repo in sys.argv[3:]:
    r = urllib.request.Request("%s/repos/%s/pulls?state=all" % (base, repo),
                               headers={"Authorization": "Bearer " + token})
    n = len(json.load(urllib.request.urlopen(r, timeout=10)))
    if n != 1:
        sys.exit("FAIL: %s has %d pull requests, want 1" % (repo, n))
PY
# each task's exit, as Slurm recorded it; the shard that holds acme/missing fails
kmiss=
for k in 0 1 2 3; do
	n=$(pj "len(d['targets'])" "$(ls -d "$T/out1/shards/$ARRAY/task-$k"/*/ | tail -n 1)report.json")
	[ "$n" -gt 0 ] || fail "task $k synced no target"
	"$RC" validate -c "$T/sync.yaml" --shard $k/4 --json | grep '"acme/missing"' > /dev/null && kmiss=$k
done
[ -n "$kmiss" ] || fail "no shard holds acme/missing"
for k in 0 1 2 3; do
	want=0:0
	[ "$k" = "$kmiss" ] && want=1:0
	got=$(task_exit "$ARRAY" $k)
	[ "$got" = "$want" ] || { cat "$REPOCAST_SLURM_DIR/jobcomp.log"; fail "task $k: Slurm recorded exit '$got', want $want"; }
	grep -q "repocast-array: task $k exit ${want%:0}$" "$T/out1/logs/repocast-array-${ARRAY}_$k.out" ||
	    fail "task $k's output does not end with its exit"
done
[ "$(job_end "$MERGE")" = "COMPLETED 0:0" ] ||
    fail "the merge job did not complete with 0: $(job_end "$MERGE")"
if sacct -n > /dev/null 2>&1; then
	echo "slurm.sh: task exits from sacct"
else
	echo "slurm.sh: accounting is off: task exits from jobcomp/filetxt ($REPOCAST_SLURM_DIR/jobcomp.log)"
fi

# --- a second array and an unsharded run: the same outcomes
echo "slurm.sh: first array and its checks done at $(($(date +%s) - t0)) s"
# with a token file given, a token in the environment is allowed but stays
# out of Slurm: its state (which holds each pending job's environment) has
# neither that token nor the token file's
GITHUB_TOKEN=tok-in-env-$$ submit "$T/out2"
! grep -rq -e "tok-in-env-$$" -e "$(cat "$T/token")" "$REPOCAST_SLURM_DIR/state" ||
    fail "a token was written to Slurm's state"
wait_jobs
[ -f "$T/out2/merged/$ARRAY/report.json" ] || fail "no merged report of the second array"
rsync_run --confirm-scope 40 --report-dir "$T/full" > /dev/null 2>&1 && fail "acme/missing must fail"
outcomes "$T/out2/merged/$ARRAY/report.json" > "$T/o2"
outcomes "$(ls -d "$T"/full/*/ | tail -n 1)report.json" > "$T/ofull"
diff "$T/ofull" "$T/o2" || fail "the array's merged outcomes differ from the unsharded run's"
[ "$(grep -c ' pending_current None$' "$T/o2")" -eq 38 ] || fail "second round: not 38 pending_current"
echo "slurm.sh: ok in $(($(date +%s) - t0)) s"
