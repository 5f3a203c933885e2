#!/usr/bin/env bash
# repocast validate: exit codes, the summary, JSON output and error lines
# for good and bad configs.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
ROOT=$ROOT_DIR
BIN=$RC
lib_init repocast-validate
cd "$T"

# expect RC CMD... : run, keep stdout/stderr in out/err, check the exit code.
expect() {
	local want=$1 rc=0
	shift
	"$@" >out 2>err || rc=$?
	[ "$rc" -eq "$want" ] || { cat out err >&2; fail "'$*' exited $rc, want $want"; }
}

has() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks: $2"; }; }

# 1. The complete example: valid, summary in execution order.
expect 0 "$BIN" validate -c "$ROOT/examples/sync.yaml"
has out "valid (version 1, 2 groups, 3 targets"
has out "1. group core (Core infrastructure): priority 1, enabled, depends on: (none)"
has out "2. group docs (Documentation): priority 2, disabled, depends on: core"
has out "   - acme/api  branch (default branch)"
has out "   - acme/web  branch develop"
has out "      8 mappings: 5 files, 2 directories, 1 deletion"
has out "      labels:         automated-sync, chore, api"
has out "      branch prefix:  chore/sync-files"
[ ! -s err ] || fail "stderr not empty for a valid config"

# 2. --json summary.
expect 0 "$BIN" validate --json -c "$ROOT/examples/sync.yaml"
python3 - <<'PY'
import json
d = json.load(open("out"))
assert d["valid"] is True and d["version"] == 1, d
assert [g["id"] for g in d["groups"]] == ["core", "docs"]
t = d["groups"][0]["targets"][0]
assert t["repo"] == "acme/api" and t["branch"] is None
assert (t["mappings"], t["files"], t["directories"], t["deletions"]) == (8, 5, 2, 1)
assert t["labels"] == ["automated-sync", "chore", "api"]
assert t["team_reviewers"] == ["platform", "api-team"]
assert d["groups"][1]["enabled"] is False and d["groups"][1]["depends_on"] == ["core"]
assert d["repocast"]["timeout_ms"] == 900000
PY

# 3. Default path: sync.yaml in the current directory; missing file.
expect 2 "$BIN" validate
has err "sync.yaml: cannot open config: No such file or directory"
cp "$ROOT/examples/sync.yaml" sync.yaml
expect 0 "$BIN" validate
has out "sync.yaml: valid"

# 4. A config with many errors: every one on stderr, exit 2.
cat > bad.yaml <<'YAML'
version: 1
bogus: true
groups:
  - name: g
    id: g
    priority: "1"
    source:
      repo: not-a-repo
    targets:
      - repo: a/b
        files:
          - src: x
            dest: /abs
      - repo: a/b
        files:
          - src: y
            dest: y
YAML
expect 2 "$BIN" validate -c bad.yaml
[ ! -s out ] || fail "stdout not empty for an invalid config"
cat > want <<'TXT'
bad.yaml:2:1: bogus: unknown key
bad.yaml:6:15: groups[0].priority: expected an integer, got a string
bad.yaml:8:13: groups[0].source.repo: invalid repository: expected owner/name
bad.yaml:13:19: groups[0].targets[0].files[0].dest: path must be relative
bad.yaml:14:15: groups[0].targets[1].repo: duplicate target 'a/b' in group (also targets[0])
TXT
diff -u want err || fail "error lines differ"

# 5. --json with errors: the object on stdout, the lines still on stderr.
expect 2 "$BIN" validate -c bad.yaml --json
diff -u want err || fail "error lines differ with --json"
python3 - <<'PY'
import json
d = json.load(open("out"))
assert d["valid"] is False and len(d["errors"]) == 5, d
e = d["errors"][3]
assert (e["file"], e["line"], e["column"]) == ("bad.yaml", 13, 19), e
assert e["message"] == "groups[0].targets[0].files[0].dest: path must be relative", e
PY

# 6. Bad input classes through the binary.
printf '' > empty.yaml
expect 2 "$BIN" validate -c empty.yaml
has err "empty.yaml:1:1: empty config: expected a mapping with 'version' and 'groups'"
printf 'version: 1\ngroups:\n\t- name: x\n' > tab.yaml
expect 2 "$BIN" validate -c tab.yaml
has err "tab.yaml:3:1: invalid YAML: tab character"
printf 'version: 1\n\377\n' > bin.yaml
expect 2 "$BIN" validate -c bin.yaml
has err "bin.yaml:2:1: invalid input: invalid leading UTF-8 octet (byte 0xff)"
head -c 10485760 /dev/zero > big.yaml
expect 2 "$BIN" validate -c big.yaml
has err "big.yaml:1:1: config too large: 10485760 bytes (the limit is 8388608 bytes, 8 MiB)"
mkdir dir.yaml
expect 2 "$BIN" validate -c dir.yaml
has err "dir.yaml: cannot read config: not a regular file"

# 7. Usage.
expect 2 "$BIN" validate --bogus
has err "repocast: unknown option '--bogus'"
expect 2 "$BIN" validate --jsno
has err "repocast: unknown option '--jsno' (did you mean '--json'?)"
# did you mean: a command, a config key
expect 2 "$BIN" sycn
has err "repocast: 'sycn' is not a repocast command. The most similar command is 'sync'."
expect 2 "$BIN" deploy
has err "repocast: 'deploy' is not a repocast command. See 'repocast --help'."
cat > typo.yaml <<'YAML'
version: 1
groups:
  - name: g
    id: g
    source: {repo: a/s, brnach: main}
    targets: [{repo: a/t, files: [{src: x, dest: x}]}]
YAML
expect 2 "$BIN" validate -c typo.yaml
has err "typo.yaml:5:25: groups[0].source.brnach: unknown key (did you mean 'branch'?)"
expect 2 "$BIN" validate -c
has err "option '-c' needs a value"
expect 0 "$BIN" help validate
has out "usage: repocast validate [-c FILE] [--json]"
expect 0 "$BIN" validate --help
has out "Exit status: 0 the config is valid, 2 it is not"
echo "validate: ok"
