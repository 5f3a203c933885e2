#!/bin/sh
# Every exported symbol carries its module's prefix (STYLE, Naming).
# Usage: sh mk/symbols.sh BUILD_DIR SOURCE.c ...
#
# For an object built from DIR/NAME.c, a defined global symbol must start
# with one of:
#   NAME_            the module (mirror_open in shared/git/mirror.c)
#   WORD_            NAME's first word, for a module split over files
#                    (msg_decode.c: msg_*, pool/cause.c: pool_*)
#   FOLDER_          the folder, for the phases of one command
#                    (supervisor/sync/env.c: sync_*)
#   FOLDER_NAME_     (supervisor/sync/job.c: sync_job_*)
# or be NAME itself (main, err_git, cmd_sync). Two folders have a prefix of
# their own: supervisor/config/ is cfg_, and shared/util.c also exports
# git's x-allocators (xmalloc, xstrdup, ...: they die instead of failing).
# Symbols the compiler adds (__odr_asan.*, ...) start with __ and are not
# checked. Prints each offender as "file: symbol" and exits 1 when there is one.
set -u
O=$1
shift
bad=0
for src in "$@"; do
	obj=$O/${src%.c}.o
	[ -f "$obj" ] || obj=$O/pic/${src%.c}.o
	if [ ! -f "$obj" ]; then
		echo "symbols: no object for $src (build first)" >&2
		exit 2
	fi
	name=$(basename "$src" .c)
	dir=$(dirname "$src")
	folder=$(basename "$dir")
	word=${name%%_*}
	extra=
	case "$dir" in
	supervisor/config) extra=cfg_ ;;
	esac
	case "$src" in
	shared/util.c) extra=x ;;
	esac
	out=$(nm -g --defined-only "$obj" | awk -v n="$name" -v w="$word" \
	    -v f="$folder" -v x="$extra" -v src="$src" '
		function has(p) { return p != "" && substr($3, 1, length(p)) == p }
		NF == 3 {
			# __odr_asan.* and the like: the compiler'"'"'s, not ours.
			if (substr($3, 1, 2) == "__")
				next
			if ($3 == n || has(n "_") || has(w "_") || has(f "_") ||
			    has(f "_" n "_") || has(x))
				next
			print src ": " $3
		}') || exit 2
	if [ -n "$out" ]; then
		printf '%s\n' "$out"
		bad=1
	fi
done
[ "$bad" -eq 0 ] || echo "symbols: the symbols above lack their module's prefix (STYLE, Naming)" >&2
exit "$bad"
