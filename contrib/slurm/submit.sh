#!/bin/sh
# Submit a repocast run as a Slurm job array of N shards and a merge job
# that joins their reports once every task has ended (docs/scale-out.md).
#
#   contrib/slurm/submit.sh [-n N] [-o OUT] COMMAND [ARGS...]
#   contrib/slurm/submit.sh -n 8 -o /shared/repocast sync -c /shared/sync.yaml --confirm-scope 400
#
#   -n N     shards, one array task each (default 4)
#   -o OUT   a directory every node sees (default ./repocast-slurm): the
#            tasks' reports go to OUT/shards/ARRAYJOB/task-K, the merged run
#            to OUT/merged/ARRAYJOB, Slurm's output to OUT/logs
# SBATCH_ARGS: more sbatch options for both jobs (word-split), e.g.
# "--partition=batch --account=platform". The environment (REPOCAST,
# REPOCAST_CACHE_DIR, REPOCAST_TOKEN_FILE) goes with the jobs, but never
# GITHUB_TOKEN or GH_TOKEN: Slurm keeps a job's environment in its state
# files, and a token must not be written there. The jobs read the token
# from a file (REPOCAST_TOKEN_FILE, or --token-file in the arguments) that
# only their user can read.
#
# Prints the array job id and the merge job id, one a line:
#   array 41
#   merge 42
set -eu
here=$(cd "$(dirname "$0")" && pwd)
n=4
out=$PWD/repocast-slurm
while getopts n:o: opt; do
	case $opt in
	n) n=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: submit.sh [-n N] [-o OUT] COMMAND [ARGS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	echo "usage: submit.sh [-n N] [-o OUT] COMMAND [ARGS...]" >&2
	exit 2
fi
case $n in
'' | *[!0-9]* | 0) echo "submit.sh: -n wants a number of shards from 1, not '$n'" >&2; exit 2 ;;
esac
case $out in
/*) ;;
*) out=$PWD/$out ;;
esac
case " $* " in
*" --token-file"*) have_file=1 ;;
*) have_file=${REPOCAST_TOKEN_FILE:+1} ;;
esac
if [ -z "$have_file" ] && { [ -n "${GITHUB_TOKEN:-}" ] || [ -n "${GH_TOKEN:-}" ]; }; then
	echo "submit.sh: GITHUB_TOKEN/GH_TOKEN are not passed to the jobs (Slurm would store" \
	    "them in its job state): put the token in a file only you can read and set" \
	    "REPOCAST_TOKEN_FILE=FILE or pass --token-file FILE" >&2
	[ "$1" = sync ] && exit 2
fi
mkdir -p "$out/logs"
# shellcheck disable=SC2086 # SBATCH_ARGS is a list of options
array=$(env -u GITHUB_TOKEN -u GH_TOKEN sbatch --parsable ${SBATCH_ARGS:-} --array=0-$((n - 1)) \
    --output="$out/logs/%x-%A_%a.out" "$here/repocast-array.sbatch" "$out" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(env -u GITHUB_TOKEN -u GH_TOKEN sbatch --parsable ${SBATCH_ARGS:-} --dependency=afterany:"$array" \
    --output="$out/logs/%x-%j.out" "$here/repocast-merge.sbatch" "$out" "$array")
merge=${merge%%;*}
echo "array $array"
echo "merge $merge"
echo "submit.sh: $n shards; merged report: $out/merged/$array/ once job $merge ends" >&2
