#!/bin/bash
# make install / make uninstall: a build of its own with PREFIX=$T/usr,
# installed into DESTDIR=$T/stage (every file where docs/install.md says),
# then moved to $T/usr as a package manager unpacks a package; the installed
# repocast, with no build directory left to find, runs a real sync against
# the forge with the worker it finds in its compiled-in LIBEXECDIR; `make
# uninstall` removes every file install put.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
unset REPOCAST_WORKER || true

P=$T/usr
STAGE=$T/stage
mk() { make -s -C "$ROOT_DIR" O="$T/build" PREFIX="$P" "$@"; }

forge_start
make_repo acme/source main shared.txt "shared v1"
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
        files: [{src: shared.txt, dest: shared.txt}]
      - repo: acme/b
        files: [{src: shared.txt, dest: conf/shared.txt}]
EOF2

mk -j2 all > "$T/make.out" 2>&1 || { cat "$T/make.out"; fail "make all failed"; }
mk DESTDIR="$STAGE" install > "$T/make.out" 2>&1 ||
    { cat "$T/make.out"; fail "make install failed"; }

want="bin/repocast
libexec/repocast/repocast-worker
libexec/repocast/repocast-worker-git.so
share/bash-completion/completions/repocast
share/doc/repocast/README.md
share/doc/repocast/examples/demo.yaml
share/doc/repocast/examples/github-actions/repocast.yml
share/doc/repocast/examples/sync.yaml
share/doc/repocast/examples/systemd/repocast.service
share/doc/repocast/examples/systemd/repocast.timer
share/man/man1/repocast.1
share/man/man5/repocast-config.5
share/zsh/site-functions/_repocast"
[ -d "$STAGE$P" ] || fail "nothing under DESTDIR$P"
got=$(cd "$STAGE$P" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)
[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); fail "installed files differ"; }
[ "$(find "$STAGE" -type f | wc -l)" -eq "$(echo "$want" | wc -l)" ] ||
    fail "install wrote outside DESTDIR$P"
for f in bin/repocast libexec/repocast/repocast-worker; do
	[ -x "$STAGE$P/$f" ] || fail "$f is not executable"
done
[ "$(stat -c %a "$STAGE$P/share/man/man1/repocast.1")" = 644 ] || fail "man page mode"

# Still in the staging tree the binary looks for its worker where it will be
# installed, not next to itself and not in a build directory.
rm -rf "$T/build"
set +e
"$STAGE$P/bin/repocast" diagnose -c "$T/sync.yaml" --token-file "$T/token" --json > "$T/diag.json" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat "$T/diag.json" "$T/err"; fail "staged diagnose: exit $rc, want 3"; }
pjt "d['worker'] == {'path': '$P/libexec/repocast/repocast-worker', 'found': False, 'libexecdir': '$P/libexec/repocast', 'from': 'lookup'}" "$T/diag.json" ||
    { cat "$T/diag.json"; fail "the staged binary looks for its worker elsewhere"; }
"$STAGE$P/bin/repocast" --version | grep -q "^repocast " || fail "staged --version"

mv "$STAGE$P" "$P"
RCI=$P/bin/repocast
"$RCI" --version | grep -q "^repocast [0-9]" || fail "installed --version"
set +e
"$RCI" diagnose -c "$T/sync.yaml" --token-file "$T/token" --json > "$T/diag.json" 2> "$T/err"
set -e
pjt "d['worker']['path'] == '$P/libexec/repocast/repocast-worker' and d['worker']['found'] and d['plugin'] == {'path': '$P/libexec/repocast/repocast-worker-git.so', 'found': True}" "$T/diag.json" ||
    { cat "$T/diag.json" "$T/err"; fail "diagnose does not find the installed worker"; }
MANPATH=$P/share/man man -w repocast-config 2>/dev/null | grep -qx "$P/share/man/man5/repocast-config.5" ||
    fail "man does not find the installed page"

RC=$RCI
rsync_run > "$T/out" 2>&1 || { cat "$T/out"; fail "sync with the installed binary failed"; }
rep=$(last_report)
for n in a b; do
	[ "$(outcome "$rep" acme/$n)" = pushed ] || { cat "$T/out"; fail "$n not pushed"; }
done
git -C "$T/forge/acme/b.git" for-each-ref refs/heads/chore/ | grep -q . || fail "no sync branch on b"

# uninstall, without DESTDIR now that the files are at PREFIX
make -s -C "$ROOT_DIR" O="$T/build" PREFIX="$P" uninstall > "$T/make.out" 2>&1 ||
    { cat "$T/make.out"; fail "make uninstall failed"; }
left=$(find "$P" -type f)
[ -z "$left" ] || fail "uninstall left files: $left"
for d in libexec/repocast share/doc/repocast; do
	[ ! -e "$P/$d" ] || fail "uninstall left $d"
done
[ ! -e "$T/build" ] || fail "uninstall built something"
echo ok
