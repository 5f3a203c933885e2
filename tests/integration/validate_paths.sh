#!/usr/bin/env bash
# repocast validate refuses hostile paths with FILE:LINE:COLUMN: a dest in
# .git by any of git's spellings, a '..' by either separator, absolute
# paths, and a cache_dir that is a system directory or someone else's.
# Then the same rule at sync time for --cache-dir, which no config names.
set -euo pipefail
. "$(dirname "$0")/lib.bash"
lib_init repocast-validate-paths
cd "$T"

expect() {
	local want=$1 rc=0
	shift
	"$@" >out 2>err || rc=$?
	[ "$rc" -eq "$want" ] || { cat out err >&2; fail "'$*' exited $rc, want $want"; }
}

DOTGIT="path must not contain a '.git' segment (git's rules: any case, trailing dots or spaces, 'git~1', ignorable code points)"

# Each hostile dest on its own line; the value starts at column 19 (files)
# or 25 (directories: "- {src: d, dest: " is 17 characters after the indent).
cat > bad.yaml <<'YAML'
version: 1
groups:
  - name: g
    id: g
    source: {repo: a/s}
    targets:
      - repo: a/t
        files:
          - src: x
            dest: .git/hooks/pre-commit
          - src: x
            dest: .GIT/config
          - src: x
            dest: sub/.git/config
          - src: x
            dest: ".git "
          - src: x
            dest: '..\..'
          - src: x
            dest: /etc/passwd
          - src: x
            dest: "C:\\Windows\\x"
          - src: x
            dest: GIT~1/config
          - src: x
            dest: ".g\u200Cit/hooks/post-checkout"
          - src: x
            dest: .git./x
          - src: ../../etc/shadow
            dest: ok
        directories:
          - {src: d, dest: .git}
          - {src: d, dest: a\.git\b}
repocast:
  cache_dir: /etc
YAML
expect 2 "$RC" validate -c bad.yaml
cat > want <<TXT
bad.yaml:10:19: groups[0].targets[0].files[0].dest: $DOTGIT
bad.yaml:12:19: groups[0].targets[0].files[1].dest: $DOTGIT
bad.yaml:14:19: groups[0].targets[0].files[2].dest: $DOTGIT
bad.yaml:16:19: groups[0].targets[0].files[3].dest: $DOTGIT
bad.yaml:18:19: groups[0].targets[0].files[4].dest: path must not contain a '..' segment
bad.yaml:20:19: groups[0].targets[0].files[5].dest: path must be relative
bad.yaml:22:19: groups[0].targets[0].files[6].dest: path must be relative
bad.yaml:24:19: groups[0].targets[0].files[7].dest: $DOTGIT
bad.yaml:26:19: groups[0].targets[0].files[8].dest: $DOTGIT
bad.yaml:28:19: groups[0].targets[0].files[9].dest: $DOTGIT
bad.yaml:29:18: groups[0].targets[0].files[10].src: path must not contain a '..' segment
bad.yaml:32:28: groups[0].targets[0].directories[0].dest: $DOTGIT
bad.yaml:33:28: groups[0].targets[0].directories[1].dest: $DOTGIT
bad.yaml:35:14: repocast.cache_dir: is a system directory (a cache directory must be one of your own)
TXT
diff -u want err || fail "error lines differ"
[ ! -s out ] || fail "stdout not empty for an invalid config"

# The neighbours of those names are fine: .github, .gitignore, a '.' path.
cat > good.yaml <<'YAML'
version: 1
groups:
  - name: g
    id: g
    source: {repo: a/s}
    targets:
      - repo: a/t
        files:
          - {src: x, dest: .github/workflows/ci.yml}
          - {src: x, dest: .gitignore}
          - {src: x, dest: sub/.gitmodules.txt}
          - {src: x, dest: git~2}
        directories:
          - {src: d, dest: .}
repocast:
  cache_dir: cache
YAML
expect 0 "$RC" validate -c good.yaml

# cache_dir: another user's directory, a world-writable one, a file, a
# symlink into a system tree.
mkdir -p other open
chmod 0777 open
: > afile
ln -s /usr/lib linked
for d in open afile linked/repocast; do
	sed "s|cache_dir: cache|cache_dir: $d|" good.yaml > c.yaml
	expect 2 "$RC" validate -c c.yaml
done
sed "s|cache_dir: cache|cache_dir: open|" good.yaml > c.yaml
expect 2 "$RC" validate -c c.yaml
grep -qF "c.yaml:16:14: repocast.cache_dir: is writable by every user (chmod o-w it, or choose another)" err ||
    { cat err; fail "world-writable cache_dir"; }
if [ "$(id -u)" -eq 0 ]; then
	chown 65534:65534 other
else
	other=/var/cache  # owned by root
fi
sed "s|cache_dir: cache|cache_dir: ${other:-other}|" good.yaml > c.yaml
expect 2 "$RC" validate -c c.yaml
grep -qF "c.yaml:16:14: repocast.cache_dir: is owned by another user (a cache directory must be owned by you)" err ||
    { cat err; fail "foreign cache_dir"; }

# --cache-dir is held to the same rule before anything runs.
GITHUB_TOKEN=unused expect 2 "$RC" sync -c good.yaml --cache-dir /etc --dry-run
grep -qF "cache directory '/etc' is a system directory" err || { cat err; fail "sync --cache-dir /etc"; }
printf 'x file:///nowhere\n' > repos.txt
expect 2 "$RC" run --repos repos.txt --cache-dir /usr --no-pr -- true
grep -qF "cache directory '/usr' is a system directory" err || { cat err; fail "run --cache-dir /usr"; }
echo "validate_paths: ok"
