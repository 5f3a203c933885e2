/*
 * The worker's check of a target's base tree before it commits
 * (tree_check_base: every entry name of every subtree against git's
 * rules). A worker walks once, cold, so each op opens the repository,
 * walks, and closes it; TreeOpenOnly is the same without the walk, the
 * baseline to subtract. The repository is tests/integration/sync_lib.bash's
 * gen_repo with 1000 files in 17 directories, packed by git fast-import
 * as a fetched mirror is.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <git2.h>

#include "perf/bench.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "worker/git/tree.h"

static char *
make_repo(char **dir)
{
	char *path, *cmd;

	git_libgit2_init();
	if (tmpdir_make(dir, "repocast-bench-tree-") < 0)
		exit(1);
	path = xasprintf("%s/r.git", *dir);
	cmd = xasprintf("bash -c '. tests/integration/sync_lib.bash && gen_repo %s main 1000 x'",
	    path);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_tree: cannot make the repository (run from the root)\n");
		exit(1);
	}
	free(cmd);
	return path;
}

static void
walk_cold(struct bench_ctx *b, bool walk)
{
	char *dir = NULL, *path = make_repo(&dir), *bad;
	const char *why;
	uint64_t i;

	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		git_repository *r = NULL;
		git_object *t = NULL;
		struct tree_job tj;

		if (git_repository_open_bare(&r, path) < 0 ||
		    git_revparse_single(&t, r, "main^{tree}") < 0 ||
		    tree_job_init(&tj, r, (git_tree *)t, NULL) < 0)
			exit(1);
		if (walk && tree_check_base(&bad, &why, &tj) != 0)
			exit(1);
		tree_job_release(&tj);
		git_object_free(t);
		git_repository_free(r);
	}
	tmpdir_remove(dir);
	free(dir);
	free(path);
	git_libgit2_shutdown();
}

BENCH(TreeCheckBase1000Cold)
{
	walk_cold(b, true);
}

BENCH(TreeOpenOnly)
{
	walk_cold(b, false);
}
