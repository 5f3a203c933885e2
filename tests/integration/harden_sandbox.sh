#!/bin/bash
# The workers' sandbox. A run's command starts with no_new_privs, no
# descriptor but 0-2, and no seccomp filter (it is arbitrary). A sync
# worker, once libgit2 is up, runs under the system-call allow-list
# (limits.seccomp, default auto): with `on` a sync still pushes and opens
# its PR, and a worker that then tries execve or fork is refused (EPERM);
# with `off` the same execve goes through. A bad mode is a config error.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
B=$BUILD

# ---- run: no_new_privs, closed descriptors, no filter ----
echo "none:s" >"$T/repos"
"$RC" run --repos "$T/repos" --no-pr --report-dir "$T/r1" -- \
    sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; echo "fds: $(ls /proc/self/fd | sort -n | tr "\n" " ")"' \
    >"$T/out" 2>&1 || { cat "$T/out"; fail "the run failed"; }
L=$(ls "$T"/r1/*/targets/s.log)
cat "$L"
grep -qP '^NoNewPrivs:\t1$' "$L" || fail "the command runs without no_new_privs"
grep -qP '^Seccomp:\t0$' "$L" || fail "a run's command got a seccomp filter"
# ls's own directory descriptor is 3: nothing of the worker's is left
grep -qx 'fds: 0 1 2 3 ' "$L" || fail "the command inherited descriptors: $(grep fds: "$L")"

# ---- sync ----
# A sanitizer build's leak checker traces the worker at its exit (clone,
# ptrace), which the filter refuses: `on` cannot pass there, `auto` is off.
if readelf -d "$B/repocast-worker" 2>/dev/null | grep -q 'libasan'; then
	echo "SKIP: harden_sandbox's seccomp part: a sanitizer build (LeakSanitizer needs ptrace)"
	echo "harden_sandbox: ok (run part only)"
	exit 0
fi
forge_start
make_repo acme/source main f.txt v1
seed_targets main acme/a acme/x
config() { # MODE
	write_config <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  retries: 0
  limits: {seccomp: $1}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        files: [{src: f.txt, dest: f.txt}]
      - repo: acme/x
        files: [{src: f.txt, dest: f.txt}]
EOF2
}

# 1. on: the sync works under the filter.
config on
rsync_run >"$T/out" 2>&1 || { cat "$T/out"; fail "sync under seccomp on failed"; }
rep=$(last_report)
[ "$(outcome "$rep" acme/a)" = pushed ] || fail "acme/a: $(outcome "$rep" acme/a)"
[ "$(api /repos/acme/a/pulls?state=open | pj 'len(d)')" = 1 ] || fail "no PR under seccomp"

# 2. on: execve and fork are refused once the worker is sandboxed.
printf 'v2\n' >"$T/w/source/f.txt"
push_work acme/source main v2
export REPOCAST_WORKER=$B/tests/bin/repocast-worker-test REPOCAST_FAULTS="acme/x=exec"
set +e
rsync_run >"$T/out" 2>&1
set -e
rep=$(last_report)
err=$(pj '[t["error"] for t in d["targets"] if t["name"] == "acme/x"][0]' "$rep")
[ "$err" = "execve blocked: Operation not permitted; fork blocked: Operation not permitted" ] ||
    { cat "$T/out"; fail "under seccomp on: $err"; }
[ "$(outcome "$rep" acme/a)" = pushed ] || fail "the bystander: $(outcome "$rep" acme/a)"

# 3. off: the same execve replaces the worker (no result: protocol).
config off
set +e
rsync_run >"$T/out" 2>&1
set -e
rep=$(last_report)
err=$(pj '[t["error"] or "" for t in d["targets"] if t["name"] == "acme/x"][0]' "$rep")
case $err in *blocked*) fail "seccomp off still blocked: $err" ;; esac
[ "$(pj '[t["cause"] for t in d["targets"] if t["name"] == "acme/x"][0]' "$rep")" = protocol ] ||
    fail "with seccomp off the exec'd program should have ended the worker: $err"
unset REPOCAST_WORKER REPOCAST_FAULTS

# 4. a bad mode
config sometimes
set +e
"$RC" validate -c "$T/sync.yaml" >"$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "validate: exit $rc"
grep -q "repocast.limits.seccomp: expected auto, off or on" "$T/out" || fail "$(cat "$T/out")"
echo "harden_sandbox: ok"
