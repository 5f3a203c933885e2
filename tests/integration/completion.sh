#!/bin/bash
# Shell completions (contrib/completions/): in bash, sourcing the script
# registers it (complete -p repocast) and completing offers the commands,
# a command's options as its help text lists them, the group ids of the
# config given with -c (also after a comma), its target repositories, and
# log levels; in zsh the same function, called with compadd and friends
# replaced by stubs that print what they are given.
source "$(dirname "$0")/lib.bash"
set -e
lib_init repocast-completion
CFG=$ROOT_DIR/tests/data/config/full.yaml
BASH_COMP=$ROOT_DIR/contrib/completions/repocast.bash
ZSH_COMP=$ROOT_DIR/contrib/completions/_repocast

# comp WORD...: the candidates bash offers for the last WORD
comp() {
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_repocast
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' comp "$BASH_COMP" "$@"
}
has() { # WANT CANDIDATES...
	local want=$1
	shift
	printf '%s\n' "$@" | grep -qxF -- "$want"
}

bash --norc --noprofile -c "source '$BASH_COMP'; complete -p repocast" > "$T/out"
grep -qx "complete -F _repocast repocast" "$T/out" || { cat "$T/out"; fail "not registered"; }

mapfile -t got < <(comp "$RC" "")
for c in sync run report validate diagnose version help --version; do
	has "$c" "${got[@]}" || fail "commands: no $c in: ${got[*]}"
done
mapfile -t got < <(comp "$RC" di)
[ "${got[*]}" = diagnose ] || fail "di: ${got[*]}"

mapfile -t got < <(comp "$RC" sync -c "$CFG" --groups "")
[ "${got[*]}" = "core docs" ] || fail "--groups offers '${got[*]}', want the config's 'core docs'"
mapfile -t got < <(comp "$RC" sync -c "$CFG" --skip-groups "core,d")
[ "${got[*]}" = "core,docs" ] || fail "after a comma: '${got[*]}'"
mapfile -t got < <(comp "$RC" sync --config "$CFG" --dry-run "acme/")
[ "${got[*]}" = "acme/api acme/web" ] || fail "targets: '${got[*]}'"
# without -c: sync.yaml in the current directory
cp "$CFG" "$T/sync.yaml"
mapfile -t got < <(cd "$T" && comp "$RC" sync --groups "")
[ "${got[*]}" = "core docs" ] || fail "default config: '${got[*]}'"
mapfile -t got < <(comp "$RC" sync -c "$T/missing.yaml" --groups "")
[ ${#got[@]} -eq 0 ] || fail "a missing config offers '${got[*]}'"

# a command's options are those of its help text
mapfile -t got < <(comp "$RC" sync --dry)
[ "${got[*]}" = --dry-run ] || fail "--dry: '${got[*]}'"
mapfile -t got < <(comp "$RC" sync -)
for f in $("$RC" help sync | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	has "$f" "${got[@]}" || fail "sync: $f from the help text is not offered"
done
mapfile -t got < <(comp "$RC" diagnose --)
has --token-file "${got[@]}" && has --json "${got[@]}" || fail "diagnose: '${got[*]}'"
has --dry-run "${got[@]}" && fail "diagnose offers sync's --dry-run"
mapfile -t got < <(comp "$RC" sync --log-level d)
[ "${got[*]}" = debug ] || fail "--log-level: '${got[*]}'"
mapfile -t got < <(comp "$RC" report "")
[ "${got[*]}" = "show diff merge" ] || fail "report: '${got[*]}'"
mapfile -t got < <(comp "$RC" help v)
[ "${got[*]}" = "validate version" ] || fail "help: '${got[*]}'"

# zsh
if ! command -v zsh >/dev/null; then
	echo "SKIP (loud): zsh is not installed (mk/deps.sh installs it): the zsh completion is untested"
	echo ok
	exit 0
fi
zcomp() { # WORD...: what _repocast hands compadd, one word a line
	zsh -f -c '
		compadd() { local a; for a in "$@"; do case $a in -S|"") ;; --) ;; *) print -r -- $a;; esac; done }
		compset() { [[ $2 == "*," && $PREFIX == *,* ]] && PREFIX=${PREFIX##*,}; return 0 }
		_files() { print -r -- "(files)" }
		_normal() { print -r -- "(normal)" }
		source_file=$1; shift
		words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
		source $source_file' zcomp "$ZSH_COMP" "$@" | grep -v -- '^-S$'
}
zsh -n "$ZSH_COMP" || fail "zsh: syntax"
got=$(zcomp "$RC" sync -c "$CFG" --groups "" | tr '\n' ' ')
[ "$got" = "core docs " ] || fail "zsh --groups: '$got'"
got=$(zcomp "$RC" sync -c "$CFG" "" | tr '\n' ' ')
[ "$got" = "acme/api acme/web " ] || fail "zsh targets: '$got'"
zcomp "$RC" "" | grep -qx diagnose || fail "zsh commands"
zcomp "$RC" sync --d | grep -qx -- --dry-run || fail "zsh flags"
[ "$(zcomp "$RC" sync -c x)" = "(files)" ] || fail "zsh -c takes a file"
echo ok
