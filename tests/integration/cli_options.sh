#!/bin/bash
# One option parser for every command (docs/cli.md): the same matrix
# through sync, run, validate and report: -cFILE and -c FILE, --opt=value
# and --opt value, clusters of short flags (-nj4), unambiguous prefixes,
# "--" ending the options (run's command goes after it), "option '--jobs'
# needs a value", unknown options with a suggestion, and on every usage
# error the message plus a two-line usage (exit 2); `help CMD`, `CMD -h`
# and `CMD --help` print the full text on stdout (exit 0).
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

make_repo acme/source main f.txt v1
seed_targets main acme/r1
write_config <<'EOF'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
groups:
  - name: Core
    id: core
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/r1
        files: [{src: f.txt, dest: f.txt}]
EOF
printf 'none:p1\nnone:p2\n' >"$T/repos"

# x WANT CMD...: run repocast CMD, stdout in $T/out, stderr in $T/err;
# its exit status must be WANT.
x() {
	local want=$1 code=0
	shift
	"$RC" "$@" >"$T/out" 2>"$T/err" || code=$?
	[ "$code" -eq "$want" ] || { cat "$T/out" "$T/err"; fail "'$*': exit $code, want $want"; }
}
# usage_error CMD MSG: stderr is exactly "repocast: MSG", CMD's usage line
# and the pointer to its help; nothing on stdout.
usage_error() {
	local cmd=$1 msg=$2 first want
	first=$("$RC" help "${cmd%% *}" | head -n 1)
	[ "$(sed -n 1p "$T/err")" = "repocast: $msg" ] || { cat "$T/err"; fail "$cmd: want 'repocast: $msg'"; }
	[ "$(sed -n 3p "$T/err")" = "See 'repocast help ${cmd%% *}'." ] || { cat "$T/err"; fail "$cmd: no help pointer"; }
	[ "$(wc -l <"$T/err")" -eq 3 ] || { cat "$T/err"; fail "$cmd: more than a two-line usage"; }
	[ ! -s "$T/out" ] || { cat "$T/out"; fail "$cmd: a usage error printed on stdout"; }
	case $cmd in
	report\ *) want="usage: repocast $cmd " ;;
	*) want=$first ;;
	esac
	case "$(sed -n 2p "$T/err")" in
	"$want"*) ;;
	*) cat "$T/err"; fail "$cmd: the usage line is not '$want'" ;;
	esac
}
# full_help CMD ARGS...: the full help of CMD on stdout, exit 0.
full_help() {
	local cmd=$1
	shift
	x 0 "$@"
	"$RC" help "$cmd" >"$T/help"
	cmp -s "$T/out" "$T/help" || fail "'$*' is not the full help of $cmd"
	[ "$(wc -l <"$T/out")" -gt 10 ] || fail "'$*': the help is too short"
}

# ---- validate ----
CFG=$T/sync.yaml
for form in "-c$CFG" "-c $CFG" "--config=$CFG" "--config $CFG" "--conf $CFG"; do
	# shellcheck disable=SC2086 # the form is split on purpose
	x 0 validate $form
	grep -q "valid (version 1, 1 group, 1 target" "$T/out" || fail "validate $form"
done
x 0 validate --js -c "$CFG"
python3 -m json.tool "$T/out" >/dev/null || fail "validate --js: not JSON"
x 2 validate -c
usage_error validate "option '-c' needs a value"
x 2 validate --config
usage_error validate "option '--config' needs a value"
x 2 validate --jsno
usage_error validate "unknown option '--jsno' (did you mean '--json'?)"
x 2 validate --json=yes
usage_error validate "option '--json' takes no value"
x 2 validate -cx -q
usage_error validate "unknown option '-q'"
x 2 validate "$CFG"
usage_error validate "unexpected argument '$CFG' (validate takes no operands)"
full_help validate validate --help
full_help validate validate -h
full_help validate validate -c "$CFG" --help

# ---- run ----
jobs_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["jobs"])' "$1"; }
n=0
for form in "-j 2" "-j2" "--jobs 2" "--jobs=2" "--jo=2"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	x 0 run $form --repos "$T/repos" --no-pr --report-dir "$T/runs-$n" -- true
	[ "$(jobs_of "$(ls "$T"/runs-$n/*/report.json)")" = 2 ] || fail "run $form: jobs not 2"
done
# After "--" everything is the command's, options included.
x 0 run --repos="$T/repos" --no-pr --report-dir "$T/runs-dd" -- sh -c 'echo "[$1]"' sh --json -j9
grep -q '^ok   p1 ' "$T/out" || { cat "$T/out"; fail "run: --json after -- was taken as repocast's"; }
grep -qx '\[--json\]' "$T/runs-dd"/*/targets/p1.log || fail "run: the command did not get --json"
[ "$(jobs_of "$(ls "$T"/runs-dd/*/report.json)")" != 9 ] || fail "run: -j9 after -- was taken"
x 2 run --repos "$T/repos" --no-pr --jobs
usage_error run "option '--jobs' needs a value"
x 2 run --repos "$T/repos" --no-pr -j
usage_error run "option '-j' needs a value"
x 2 run --repos "$T/repos" --no-pr true
usage_error run "unexpected argument 'true' (the command goes after --)"
x 2 run --jbos 2 --repos "$T/repos" --no-pr -- true
usage_error run "unknown option '--jbos' (did you mean '--jobs'?)"
x 2 run --no-pr=1
usage_error run "option '--no-pr' takes no value"
x 2 run --re x
usage_error run "option '--re' is ambiguous (--repos, --retries, --report-dir, --report-format, --reviewers)"
x 2 run -j 0 --repos "$T/repos" --no-pr -- true
usage_error run "invalid -j value '0' (a number from 1 to 4096)"
full_help run run --help
full_help run run -h
full_help run run --repos "$T/repos" -h

# ---- sync ----
x 2 sync --jobs
usage_error sync "option '--jobs' needs a value"
x 2 sync --dry-rnu
usage_error sync "unknown option '--dry-rnu' (did you mean '--dry-run'?)"
x 2 sync -nj0
usage_error sync "invalid -j value '0' (a number from 1 to 1024)"
x 2 sync --jobs=x
usage_error sync "invalid --jobs value 'x' (a number from 1 to 1024)"
x 2 sync -nx
usage_error sync "unknown option '-x'"
# -cFILE names the file; a config error is not a usage error (no usage lines).
x 2 sync "-c$T/nope.yaml" --token-file "$T/token"
grep -q "$T/nope.yaml" "$T/err" || { cat "$T/err"; fail "sync -cFILE: the file is not named"; }
! grep -q "^usage:" "$T/err" || fail "sync: a config error printed the usage"
# A real dry run through every form: -nj3 is --dry-run --jobs 3; the
# target filter may come before the options.
for form in "-nj3" "-n -j3" "-nj 3" "--dry-run --jobs=3" "--dry --jobs 3"; do
	rm -rf "$T/runs"
	# shellcheck disable=SC2086
	x 0 sync acme/r1 $form --json -c "$T/sync.yaml" --token-file="$T/token" --report-dir "$T/runs"
	pjt 'd["targets"][0]["repo"] == "acme/r1" and d["targets"][0]["outcome"] == "dry_run"' \
	    "$T/out" >/dev/null || { cat "$T/out"; fail "sync $form: not a dry run of acme/r1"; }
	[ "$(jobs_of "$(ls "$T"/runs/*/report.json)")" = 3 ] || fail "sync $form: jobs not 3"
done
[ "$(git -C "$T/forge/acme/r1.git" for-each-ref refs/heads/chore | wc -l)" -eq 0 ] ||
    fail "a dry run pushed"
# "--" ends the options: what follows is a target filter, even "-n".
x 2 sync -n -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs" -- -n
grep -q "target filter '-n' matches no target" "$T/err" || { cat "$T/err"; fail "sync -- -n"; }
full_help sync sync --help
full_help sync sync -c x -h

# ---- report ----
RUN=$(ls -d "$T"/runs-1/*)
x 0 report show "$RUN" --json
python3 -m json.tool "$T/out" >/dev/null || fail "report show --json"
x 0 report show --report-dir="$T/runs-1" last
grep -q "p1" "$T/out" || fail "report show --report-dir=DIR last"
x 2 report show --jsno "$RUN"
usage_error "report show" "unknown option '--jsno' (did you mean '--json'?)"
x 2 report show --report-dir
usage_error "report show" "option '--report-dir' needs a value"
x 2 report diff "$RUN" "$RUN" --threshold
usage_error "report diff" "option '--threshold' needs a value"
x 0 report diff "$RUN" "$RUN" --threshold=50
x 2 report merge "$RUN" --output
usage_error "report merge" "option '--output' needs a value"
x 0 report merge "$RUN" "-o$T/merged"
[ -f "$T/merged/report.json" ] || fail "report merge -oDIR wrote nothing"
x 2 report merge "$RUN" -o "$T/m2" --json
usage_error "report merge" "unknown option '--json'"
full_help report report show --help
full_help report report merge -h

# ---- help ----
x 0 help sync
grep -q "^usage: repocast sync" "$T/out" || fail "help sync"
x 2 help sycn
grep -q "'sycn' is not a repocast command. The most similar command is 'sync'." "$T/err" ||
    { cat "$T/err"; fail "help sycn"; }
x 2 help --bogus
usage_error help "unknown option '--bogus'"
x 2 help sync run
usage_error help "'help' takes one command"
x 0 help -h
[ "$(cat "$T/out")" = "usage: repocast help [COMMAND]" ] || fail "help -h"
x 0 help -- sync
grep -q "^usage: repocast sync" "$T/out" || fail "help -- sync"
x 2 version --bogus
usage_error version "unknown option '--bogus'"
x 0 version
grep -q "^repocast " "$T/out" || fail "version"
echo "cli_options: ok"
