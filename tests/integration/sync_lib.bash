# Helpers for the sync integration tests (sourced, never run on its own).
#   sync_lib_init      lib_init (lib.bash) and no token in the environment
#   (fail, forge_start, RC and T come from lib.bash)
#   gen_repo DIR BRANCH N NAME   bare repo with N files + 2 more commits
#   tree_sum DIR       checksum of every file under DIR (forge state)
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com
export GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com
export HOME=${HOME:-/tmp}

sync_lib_init() {
	lib_init repocast-sync
	unset GITHUB_TOKEN GH_TOKEN || true
}

# gen_repo DIR BRANCH NFILES NAME: bare repo, one commit of NFILES files,
# then two small commits (history). Deterministic.
gen_repo() {
	local dir=$1 branch=$2 n=$3 name=$4 i c ts=1700000000
	git init -q --bare "$dir"
	git -C "$dir" symbolic-ref HEAD "refs/heads/$branch"
	{
		printf 'commit refs/heads/%s\ncommitter Dev <dev@example.com> %d +0000\ndata 8\ninitial\n' \
		    "$branch" "$ts"
		for ((i = 1; i <= n; i++)); do
			c="package pkg$((i % 17))

// $name file $i
func F$i() int { return $i }
"
			printf 'M 100644 inline src/pkg%d/file%d.go\ndata %d\n%s\n' \
			    $((i % 17)) "$i" "${#c}" "$c"
		done
		c="# $name
"
		printf 'M 100644 inline README.md\ndata %d\n%s\n' "${#c}" "$c"
		for i in 1 2; do
			printf 'commit refs/heads/%s\ncommitter Dev <dev@example.com> %d +0000\ndata 7\nchange\n' \
			    "$branch" $((ts + i * 60))
			c="change $i of $name
"
			printf 'M 100644 inline CHANGES.md\ndata %d\n%s\n' "${#c}" "$c"
		done
	} | git -C "$dir" fast-import --quiet
}

# tree_sum DIR: one checksum over every file's path and content.
tree_sum() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha1sum | sha1sum)
}

# pj EXPR [FILE]: evaluate a Python expression over the JSON document d
# (FILE or stdin) and print it (strings raw, anything else as JSON).
# pjt EXPR [FILE]: exit 0 when the expression is true. (No jq needed.)
pj() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$@"
}
pjt() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$@"
}

# api GET PATH: JSON from the forge's REST API (with the test token).
api() {
	python3 -c 'import sys, urllib.request
r = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
sys.stdout.write(urllib.request.urlopen(r, timeout=10).read().decode())' \
	    "http://127.0.0.1:$PORT/api/v3$1" "$(cat "$T/token")"
}

# writes_in FILE: the writes in a forge request log (anything but GET/HEAD,
# git fetches and GraphQL queries), one "METHOD PATH" a line.
writes_in() {
	python3 -c 'import json,sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if (r["method"] not in ("GET", "HEAD") and "git-upload-pack" not in r["path"]
            and (r.get("graphql") or {}).get("operation") != "query"):
        print(r["method"], r["path"])' "$1"
}

# repocast sync with the test's config, token and report dir.
rsync_run() {
	"$RC" sync -c "$T/sync.yaml" --token-file "$T/token" --report-dir "$T/runs" \
	    --no-progress "$@"
}

# write_config FILE: substitute @PORT@ from stdin into $T/sync.yaml.
write_config() {
	sed "s/@PORT@/$PORT/g" > "$T/sync.yaml"
}

# new_work OWNER/NAME BRANCH: an empty bare repo on the forge and a work
# clone at $T/w/NAME to fill it (push with push_work OWNER/NAME BRANCH).
new_work() {
	local repo=$1 branch=$2 name=${1#*/}
	git init -q --bare "$T/forge/$repo.git"
	git -C "$T/forge/$repo.git" symbolic-ref HEAD "refs/heads/$branch"
	rm -rf "$T/w/$name"
	git init -q -b "$branch" "$T/w/$name"
}

push_work() {
	local repo=$1 branch=$2 name=${1#*/}
	git -C "$T/w/$name" add -A
	git -C "$T/w/$name" commit -qm "${3:-update}"
	git -C "$T/w/$name" push -q "$T/forge/$repo.git" "HEAD:refs/heads/$branch"
}

# make_repo OWNER/NAME BRANCH [FILE CONTENT]...: a forge repo whose first
# commit holds each FILE with CONTENT plus a newline (its work clone stays
# at $T/w/NAME for later push_work).
make_repo() {
	local repo=$1 branch=$2 name=${1#*/}
	shift 2
	new_work "$repo" "$branch"
	while [ $# -ge 2 ]; do
		printf '%s\n' "$2" > "$T/w/$name/$1"
		shift 2
	done
	push_work "$repo" "$branch"
}

# seed_targets BRANCH OWNER/NAME...: make_repo each with README.md = NAME.
seed_targets() {
	local branch=$1 repo
	shift
	for repo in "$@"; do
		make_repo "$repo" "$branch" README.md "${repo#*/}"
	done
}

# The writes the forge saw (anything but GET/HEAD and git fetches).
forge_writes() {
	[ -f "$T/forge/.forge/requests.log" ] || return 0
	writes_in "$T/forge/.forge/requests.log"
}

# fsck_all: git fsck --strict on every repo of the forge.
fsck_all() {
	local r
	for r in "$T"/forge/*/*.git; do
		git -C "$r" fsck --strict --no-dangling >/dev/null 2>"$T/fsck.err" ||
		    { cat "$T/fsck.err"; fail "fsck failed on $r"; }
	done
}

# outcome REPORT REPO: the outcome recorded for REPO in a report.json.
outcome() {
	python3 -c 'import json,sys
print("".join(t["outcome"] or "" for t in json.load(open(sys.argv[1]))["targets"]
              if t["name"] == sys.argv[2]))' "$1" "$2"
}

last_report() {
	# newest by time, as repocast reads "last": two runs in one second sort by
	# pid in their names, and pids wrap
	ls -td "$T"/runs/*/report.json | head -n 1
}
