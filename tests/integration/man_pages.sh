#!/bin/bash
# The man pages: repocast(1) and repocast-config(5) render with no warning
# (MANWIDTH=80 man --warnings -l); repocast(1) has an entry for every option
# of every command's own help text (so a flag added to a command without
# its man entry fails here), every exit status of supervisor/cmd.h and
# every environment variable the sources read; repocast-config(5) has
# every key of the config loader and docs/config.md and no other
# (man_pages.py). Each check is also shown to fail on a page that lacks
# one entry.
source "$(dirname "$0")/lib.bash"
set -e
lib_init repocast-man
M=$ROOT_DIR/man
CHK=$ROOT_DIR/tests/integration/man_pages.py
SRCS=$(find "$ROOT_DIR/supervisor" "$ROOT_DIR/shared" "$ROOT_DIR/worker" "$ROOT_DIR/proto" -name '*.c')

command -v man >/dev/null || fail "man is not installed (mk/deps.sh installs man-db)"
for page in repocast.1 repocast-config.5; do
	MANWIDTH=80 man --warnings -l "$M/$page" > "$T/out" 2> "$T/err" || fail "man -l $page failed"
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "$page: warnings"; }
	[ "$(wc -l < "$T/out")" -gt 100 ] || fail "$page renders to almost nothing"
	awk 'length > 80 { exit 1 }' "$T/out" || fail "$page: a line wider than 80 columns"
done
MANWIDTH=80 man -l "$M/repocast.1" | grep -q "^SYNOPSIS" || fail "no SYNOPSIS"
MANWIDTH=80 man -l "$M/repocast-config.5" | grep -q "repocast.report.formats" ||
    fail "the config page does not show its keys"

python3 "$CHK" flags "$M/repocast.1" "$RC" || fail "repocast(1) and the help texts differ"
python3 "$CHK" exit "$M/repocast.1" "$ROOT_DIR/supervisor/cmd.h" || fail "exit statuses"
# shellcheck disable=SC2086
python3 "$CHK" env "$M/repocast.1" $SRCS || fail "environment"
python3 "$CHK" keys "$M/repocast-config.5" "$ROOT_DIR/docs/config.md" \
    "$ROOT_DIR"/supervisor/config/*.c || fail "repocast-config(5) and the config keys differ"

# The checks fail on a page that lacks an entry.
drop_entry() { # PAGE TAG > PAGE': without the .TP entry whose tag line is TAG
	TAG=$2 awk '
		$0 == ".TP" { held = 1; next }
		held { held = 0; if ($0 == ENVIRON["TAG"]) { skip = 1; next } print ".TP" }
		skip && /^\./ { skip = 0 }
		!skip { print }' "$1"
}
drop_entry "$M/repocast.1" '.BR \-n ", " \-\-dry\-run' > "$T/r.1"
! python3 "$CHK" flags "$T/r.1" "$RC" > "$T/out" || fail "a missing --dry-run passed"
grep -q "no entry for --dry-run (in 'repocast help sync')" "$T/out" || { cat "$T/out"; fail "message"; }
drop_entry "$M/repocast-config.5" '.B repocast.limits.open_files' > "$T/c.5"
[ "$(wc -l < "$T/c.5")" -eq $(($(wc -l < "$M/repocast-config.5") - 3)) ] || fail "drop_entry"
! python3 "$CHK" keys "$T/c.5" "$ROOT_DIR/docs/config.md" "$ROOT_DIR"/supervisor/config/*.c \
    > "$T/out" || fail "a missing key passed"
grep -q "the loader accepts 'open_files', the page has no entry" "$T/out" || { cat "$T/out"; fail "key message"; }
sed 's/`include_hidden`/`include_hidden`, `include_symlinks`/' "$ROOT_DIR/docs/config.md" > "$T/config.md"
printf 'static const char *const x_keys[] = { "include_symlinks", NULL };\n' > "$T/x.c"
! python3 "$CHK" keys "$M/repocast-config.5" "$T/config.md" "$ROOT_DIR"/supervisor/config/*.c \
    "$T/x.c" > "$T/out" || fail "a key only the docs and the loader have passed"
grep -q "docs/config.md names \`include_symlinks\`" "$T/out" || { cat "$T/out"; fail "docs message"; }
echo ok
