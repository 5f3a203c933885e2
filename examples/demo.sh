#!/bin/sh
# `make demo`: a real fan-out sync against a loopback forge.
#   - a source repo acme/templates and 20 targets acme/svc-01..20 (a few
#     hundred files of history each), all bare repos under a temp dir;
#   - the loopback forge (tests/forge/forge.py) serving git + REST on 127.0.0.1;
#   - `repocast sync` with examples/demo.yaml, then the same run again
#     (nothing to do the second time), then one source change.
# Leaves nothing behind; exits non-zero on any failure.
set -eu
O=${O:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RC="$ROOT/$O/repocast"
FORGE_PY=${FORGE_PY:-$ROOT/tests/forge/forge.py}
N=20
RUNS=${RUNS:-$ROOT/$O/demo-runs}
T=$(mktemp -d "${TMPDIR:-/tmp}/repocast-demo.XXXXXX")
FORGE_PID=
cleanup() {
	rc=$?
	[ -n "$FORGE_PID" ] && kill "$FORGE_PID" 2>/dev/null && wait "$FORGE_PID" 2>/dev/null
	if [ "$rc" -ne 0 ] && [ -f "$T/forge.log" ]; then
		echo "--- forge log (tail)"; tail -n 20 "$T/forge.log"
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT INT TERM

export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com
export XDG_CACHE_HOME="$T/cache"
unset GITHUB_TOKEN GH_TOKEN 2>/dev/null || true
[ -x "$RC" ] || { echo "demo: $RC not built (run make)"; exit 1; }

# data LEN-counted fast-import blob of $1
fi_file() { # mode path content
	printf 'M %s inline %s\ndata %d\n%s\n' "$1" "$2" "$(printf '%s' "$3" | wc -c)" "$3"
}

gen_target() { # dir name
	git init -q --bare "$1"
	git -C "$1" symbolic-ref HEAD refs/heads/main
	{
		printf 'commit refs/heads/main\ncommitter dev <dev@example.com> 1700000000 +0000\ndata 8\ninitial\n'
		i=1
		while [ $i -le 300 ]; do
			c="package pkg$((i % 13))

// $2 file $i
func F$i() int { return $i }"
			printf 'M 100644 inline src/pkg%d/f%d.go\ndata %d\n%s\n' $((i % 13)) $i ${#c} "$c"
			i=$((i + 1))
		done
		fi_file 100644 README.md "# $2"
		fi_file 100644 OLD_NOTICE.md "this notice is obsolete"
		fi_file 100644 .github/workflows/legacy.yml "name: legacy"
		for k in 1 2 3; do
			printf 'commit refs/heads/main\ncommitter dev <dev@example.com> %d +0000\ndata 7\nchange\n' \
			    $((1700000000 + k * 3600))
			fi_file 100644 CHANGES.md "release $k of $2"
		done
	} | git -C "$1" fast-import --quiet
}

gen_source() { # dir
	git init -q --bare "$1"
	git -C "$1" symbolic-ref HEAD refs/heads/main
	{
		printf 'commit refs/heads/main\ncommitter dev <dev@example.com> 1700000000 +0000\ndata 10\ntemplates\n'
		fi_file 100644 LICENSE "MIT License

Copyright (c) acme"
		fi_file 100644 .editorconfig "root = true
[*]
indent_style = tab"
		fi_file 100644 templates/CONTRIBUTING.md "# Contributing to acme/templates

Report security issues to security@acme.example.
See https://github.com/acme/templates/issues."
		fi_file 100644 .github/workflows/ci.yml "name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test"
		fi_file 100644 .github/workflows/lint.yml "name: lint
on: [push]"
		fi_file 100755 tools/check.sh "#!/bin/sh
# checks for acme/templates
exec make check"
		fi_file 120000 tools/check "check.sh"
		printf 'M 100644 inline tools/logo.bin\ndata 8\n\001\000\002\000PNG\n'
		fi_file 100644 tools/scratch.tmp "not synced"
	} | git -C "$1" fast-import --quiet
}

start=$(date +%s)
mkdir -p "$T/forge/.forge" "$T/forge/acme"
gen_source "$T/forge/acme/templates.git"
i=1
targets=""
while [ $i -le $N ]; do
	name=$(printf 'svc-%02d' $i)
	gen_target "$T/forge/acme/$name.git" "acme/$name"
	targets="$targets      - repo: acme/$name
        file_list_refs: [base]
        directory_list_refs: [ci]
        transform:
          repo_name: true
"
	i=$((i + 1))
done
echo "demo: generated 1 source and $N targets (300+ files each) in $(( $(date +%s) - start ))s"

token="demo-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s demo\n' "$token" > "$T/forge/.forge/tokens"
printf '%s\n' "$token" > "$T/token"
chmod 600 "$T/token"
python3 "$FORGE_PY" --root "$T/forge" --port 0 > "$T/forge.log" 2>&1 &
FORGE_PID=$!
PORT=
i=0
while [ $i -lt 200 ]; do
	PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$T/forge.log" | head -n 1)
	[ -n "$PORT" ] && break
	kill -0 "$FORGE_PID" 2>/dev/null || break
	sleep 0.05
	i=$((i + 1))
done
[ -n "$PORT" ] || { echo "demo: the forge did not start"; exit 1; }
echo "demo: forge listening on 127.0.0.1:$PORT"

printf '%s' "$targets" > "$T/targets.yaml"
awk -v port="$PORT" -v tf="$T/targets.yaml" '
	/^@TARGETS@$/ { while ((getline l < tf) > 0) print l; next }
	{ gsub(/@PORT@/, port); print }' "$ROOT/examples/demo.yaml" > "$T/sync.yaml"

run_sync() {
	"$RC" sync -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$RUNS" \
	    --confirm-scope $N --no-progress "$@"
}

echo "demo: first run: every target gets a sync branch and a pull request"
run_sync
echo
echo "demo: second run, nothing changed in the source: nothing to push"
run_sync > "$T/second"
cat "$T/second"
if grep -q " pushed " "$T/second"; then
	echo "demo: error: the second run pushed something"
	exit 1
fi
echo
echo "demo: change one source file and run again: each sync branch's commit replaced, same PRs"
w="$T/work"
git clone -q "$T/forge/acme/templates.git" "$w"
printf '\n      - run: make lint\n' >> "$w/.github/workflows/ci.yml"
git -C "$w" commit -qam "ci: also lint"
git -C "$w" push -q origin main
run_sync
echo
echo "demo: done in $(( $(date +%s) - start ))s; reports are under $RUNS"
