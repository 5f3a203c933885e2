#!/bin/bash
# contrib/github-actions and contrib/systemd: the workflow parses as YAML
# with its required keys (a schedule, steps, the token from a secret, the
# report to the job summary, the run directory uploaded) and its scripts as
# bash; then its diagnose, sync and summary steps run for real against the
# forge (repocast on PATH, the token in GITHUB_TOKEN as the secret puts
# it). The systemd units pass a key checker (the hardening, the credential,
# the timer) and systemd-analyze verify and security where systemd-analyze
# exists; the service's ExecStart runs a sync against the forge with its
# paths moved under the test directory.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
set -e
LINT=$ROOT_DIR/tests/integration/contrib_lint.py
WF=$ROOT_DIR/contrib/github-actions/repocast.yml
SVC=$ROOT_DIR/contrib/systemd/repocast.service
TMR=$ROOT_DIR/contrib/systemd/repocast.timer

python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing (mk/deps.sh installs it)"
mkdir -p "$T/steps"
python3 "$LINT" workflow "$WF" "$T/steps" > "$T/steps.txt" || fail "workflow lint"
for s in "$T"/steps/*.sh; do
	bash -n "$s" || fail "workflow: $(basename "$s") is not valid bash"
done
step() { sed -n "s/^\(step-[0-9]*\.sh\): $1\$/\1/p" "$T/steps.txt"; }
for name in "Check the environment" Sync "Report to the job summary"; do
	[ -n "$(step "$name")" ] || fail "workflow: no step '$name'"
done

forge_start
make_repo acme/source main f.txt v1
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

# The workflow's steps, as the runner runs them (bash -e, in the checkout).
mkdir -p "$T/checkout"
cp "$T/sync.yaml" "$T/checkout/sync.yaml"
: > "$T/summary"
for name in "Check the environment" Sync "Report to the job summary"; do
	(cd "$T/checkout" && PATH=$BUILD:$PATH GITHUB_TOKEN=$(cat "$T/token") CONFIRM= \
	    XDG_CACHE_HOME=$T/wf-cache GITHUB_STEP_SUMMARY=$T/summary \
	    bash --noprofile --norc -eo pipefail "$T/steps/$(step "$name")") > "$T/out" 2>&1 ||
	    { cat "$T/out"; fail "workflow step '$name' failed"; }
done
rep=$(ls "$T"/checkout/runs/*/report.md)
[ -s "$T/summary" ] && cmp -s "$rep" "$T/summary" || fail "the job summary is not report.md"
grep -q "acme/a" "$T/summary" || fail "the summary does not name the targets"
! grep -q "$(cat "$T/token")" "$T/summary" "$T"/checkout/runs/*/* 2>/dev/null ||
    fail "the token is in the run directory"

# systemd: the key checker, then the service's ExecStart against the forge
python3 "$LINT" units "$SVC" "$TMR" > "$T/exec" || fail "units lint"
mkdir -p "$T/state" "$T/credentials"
cp "$T/token" "$T/credentials/github-token"
sed -e "s|^/usr/bin/repocast |$RC |" -e "s|\${CREDENTIALS_DIRECTORY}|$T/credentials|" \
    -e "s|/etc/repocast/|$T/|" -e "s|/var/lib/repocast|$T/state|g" \
    -e "s|/var/cache/repocast|$T/unit-cache|g" "$T/exec" > "$T/exec.sh"
grep -q "^$RC sync -c $T/sync.yaml --token-file $T/credentials/github-token " "$T/exec.sh" ||
    { cat "$T/exec.sh"; fail "ExecStart not rewritten"; }
(cd "$T/state" && bash "$T/exec.sh") > "$T/out" 2>&1 || { cat "$T/out"; fail "ExecStart's sync failed"; }
ls "$T"/state/runs/*/report.json > /dev/null || fail "the service wrote no report"
grep -q "^repocast_" "$T/state/metrics.prom" || fail "the service wrote no metrics.prom"
[ -d "$T/unit-cache/mirrors" ] || fail "the service did not use its cache directory"

if command -v systemd-analyze >/dev/null; then
	# verify checks that ExecStart's program exists: point it at this build
	mkdir -p "$T/units"
	sed "s|/usr/bin/repocast|$RC|" "$SVC" > "$T/units/repocast.service"
	cp "$TMR" "$T/units/repocast.timer"
	systemd-analyze verify --man=no "$T/units/repocast.service" "$T/units/repocast.timer" \
	    > "$T/out" 2>&1 || { cat "$T/out"; fail "systemd-analyze verify"; }
	[ ! -s "$T/out" ] || { cat "$T/out"; fail "systemd-analyze verify warns"; }
	systemd-analyze security --offline=yes --threshold=25 "$T/units/repocast.service" \
	    > "$T/out" 2>&1 || { tail -n 5 "$T/out"; fail "the service's exposure is above 2.5"; }
	tail -n 1 "$T/out"
else
	echo "SKIP (loud): systemd-analyze is not installed: the units were checked by" \
	    "contrib_lint.py's key checker only, not by systemd"
fi
echo ok
