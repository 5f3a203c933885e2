#!/usr/bin/env bash
# --jobs N is respected: never more than N commands at once, and N reached.
. "$(dirname "$0")/run_lib.bash"

for i in 1 2 3 4 5 6 7; do echo "none:j$i"; done >"$T/repos"
mkdir -p "$T/live"
export LIVE=$T/live
for jobs in 1 3; do
	: >"$T/counts"
	rc run --repos "$T/repos" --no-pr --jobs $jobs --report-dir "$T/runs-$jobs" -- \
		sh -c 'touch "$LIVE/$REPOCAST_REPO"; ls "$LIVE" | wc -l >>"$LIVE/../counts";
			sleep 0.3; rm "$LIVE/$REPOCAST_REPO"' >"$T/out" 2>&1 || { cat "$T/out"; fail "run failed"; }
	max=$(sort -n "$T/counts" | tail -n 1)
	[ "$(wc -l <"$T/counts")" -eq 7 ] || fail "not every command ran"
	[ "$max" -eq "$jobs" ] || fail "--jobs $jobs: saw $max at once"
	R=$(report_of "$T/runs-$jobs")
	[ "$(jget "$R" "d['run']['jobs']")" = $jobs ] || fail "run.jobs"
done
assert_no_leftovers
echo "run_jobs: ok"
