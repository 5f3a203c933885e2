# bash completion for repocast: commands, each command's options (read
# from the command's own help text through `repocast __complete`), and the
# group ids and target repositories of the config named by -c/--config
# (default sync.yaml). Installed as
# share/bash-completion/completions/repocast; or source it from ~/.bashrc.

_repocast_words() {
	# the words one `repocast __complete ...` call prints; nothing on error
	"$_repocast_bin" __complete "$@" 2>/dev/null
}

# Complete the last item of a comma-separated list CUR from WORDS.
_repocast_list() {
	local cur=$1 words=$2 head=
	[[ $cur == *,* ]] && head=${cur%,*},
	local w
	COMPREPLY=()
	for w in $(compgen -W "$words" -- "${cur##*,}"); do
		COMPREPLY+=("$head$w")
	done
	[[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
	return 0
}

_repocast() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= cfg=sync.yaml i
	local _repocast_bin=${COMP_WORDS[0]}
	[[ $COMP_CWORD -gt 0 ]] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$(_repocast_words commands) --help --version" -- "$cur"))
		return 0
	fi
	cmd=${COMP_WORDS[1]}
	for ((i = 2; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config) cfg=${COMP_WORDS[i + 1]} ;;
		--config=*) cfg=${COMP_WORDS[i]#--config=} ;;
		--) [[ $cmd == run ]] && return 0 ;;  # the command's own words
		esac
	done
	case $prev in
	-c | --config | --token-file | --repos | --metrics-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	--report-dir | --cache-dir | -o | --output)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0 ;;
	--groups | --skip-groups)
		_repocast_list "$cur" "$(_repocast_words groups -c "$cfg")"
		return 0 ;;
	--report-format)
		_repocast_list "$cur" "json md html junit trace prom"
		return 0 ;;
	--log-level)
		COMPREPLY=($(compgen -W "error warn info debug trace" -- "$cur"))
		return 0 ;;
	-j | --jobs | --confirm-scope | --timeout | --retries | --grace | --memory | \
	--cpu-seconds | --open-files | --only-failed | --git-url | --threshold)
		return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_repocast_words flags "$cmd") --help" -- "$cur"))
		return 0
	fi
	case $cmd in
	sync) COMPREPLY=($(compgen -W "$(_repocast_words targets -c "$cfg")" -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$(_repocast_words commands)" -- "$cur")) ;;
	report)
		[[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "show diff merge" -- "$cur")) ;;
	esac
	return 0
}

complete -F _repocast repocast
