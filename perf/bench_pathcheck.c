/*
 * The path and branch-name rules the config and the worker apply to every
 * path and name: pathcheck_tree_path (git's .git spellings, '..', both
 * separators) on a typical dest, pathcheck_name on a tree entry name, and
 * a branch name through libgit2's git_reference_name_is_valid
 * (refname_check_branch; its one-time libgit2 set-up is outside the timer).
 */
#include <stdlib.h>

#include "perf/bench.h"
#include "shared/git/refname.h"
#include "shared/pathcheck.h"

BENCH(PathCheckDest)
{
	static const char path[] = ".github/workflows/ci/release-pipeline.yml";
	uint64_t i;

	bench_set_bytes(b, sizeof(path) - 1);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		if (pathcheck_tree_path(path, NULL) != 0)
			abort();
}

BENCH(PathCheckTreeName)
{
	uint64_t i;

	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		if (pathcheck_name("CONTRIBUTING.md", NULL) != 0)
			abort();
}

BENCH(BranchNameCheck)
{
	uint64_t i;

	if (refname_check_branch("chore/sync-files", NULL) != 0)
		abort();
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		if (refname_check_branch("chore/sync-files", NULL) != 0)
			abort();
}
