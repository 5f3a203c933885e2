#!/bin/bash
# The Debian package that `make deb` built (build/deb/; not part of `make
# check`: the package build takes minutes, so `make deb` runs this test at
# its end): its files are where the Makefile's install puts them under /usr
# (zsh's in vendor-completions), its dependencies are satisfiable here, and
# the packaged repocast, unpacked in a private mount namespace where
# /usr/libexec is the package's (nothing on the machine is installed or
# changed), finds its worker in /usr/libexec/repocast, reports itself with
# --version and diagnose, and runs a sync against the forge.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
set -e
DEB=$(ls "$ROOT_DIR"/build/deb/repocast_*_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
if [ -z "$DEB" ]; then
	echo "SKIP (loud): no package in build/deb/: run 'make deb' (it builds the package and then runs this test)"
	echo ok
	exit 0
fi
echo "package: $DEB"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' | LC_ALL=C sort > "$T/files"
for f in /usr/bin/repocast /usr/libexec/repocast/repocast-worker \
    /usr/libexec/repocast/repocast-worker-git.so /usr/share/man/man1/repocast.1.gz \
    /usr/share/man/man5/repocast-config.5.gz /usr/share/bash-completion/completions/repocast \
    /usr/share/zsh/vendor-completions/_repocast /usr/share/doc/repocast/copyright \
    /usr/share/doc/repocast/examples/sync.yaml \
    /usr/share/doc/repocast/examples/systemd/repocast.service; do
	grep -qx "$f" "$T/files" || fail "the package lacks $f"
done
dpkg-deb -f "$DEB" Depends | grep -q "libgit2" || fail "no libgit2 in Depends"
dpkg --dry-run -i "$DEB" > "$T/out" 2>&1 || { cat "$T/out"; fail "the package does not install here"; }

dpkg-deb -x "$DEB" "$T/root"
forge_start
make_repo acme/source main f.txt v1
seed_targets main acme/a
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
EOF2
if ! unshare --mount true 2>/dev/null; then
	echo "SKIP (loud): no private mount namespace here (unshare --mount needs root):" \
	    "the packaged binary was not run"
	echo ok
	exit 0
fi
# In the namespace /usr/libexec is the package's: the binary must find
# its worker where the package put it, /usr/libexec/repocast.
unshare --mount bash -c '
	set -e
	mount --bind "$1/usr/libexec" /usr/libexec
	R=$1/usr/bin/repocast
	"$R" --version
	"$R" diagnose -c "$2/sync.yaml" --token-file "$2/token" --json > "$2/diag.json"
	"$R" sync -c "$2/sync.yaml" --token-file "$2/token" --report-dir "$2/runs" --no-progress
' ns "$T/root" "$T" > "$T/out" 2>&1 || { cat "$T/out" "$T/diag.json"; fail "the packaged repocast failed"; }
grep -q "^repocast $(dpkg-deb -f "$DEB" Version) " "$T/out" || { cat "$T/out"; fail "--version"; }
pjt "d['worker'] == {'path': '/usr/libexec/repocast/repocast-worker', 'found': True, 'libexecdir': '/usr/libexec/repocast', 'from': 'lookup'} and d['plugin']['found'] and d['ok']" "$T/diag.json" ||
    { cat "$T/diag.json"; fail "diagnose"; }
[ "$(outcome "$(last_report)" acme/a)" = pushed ] || { cat "$T/out"; fail "the packaged sync did not push"; }
echo ok
