/*
 * Mirror benchmarks: what opening a target's mirror costs a worker (lock,
 * open, the check of every ref's object on open), over a mirror holding
 * two branches, as a sync target's does (base branch and sync branch).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "perf/bench.h"
#include "shared/git/mirror.h"
#include "shared/tmpdir.h"
#include "shared/util.h"

/* A remote with one commit on main and sync, and a cache holding its mirror. */
static int
setup(char **dir, char **remote, char **cache)
{
	git_repository *r = NULL;
	git_treebuilder *tb = NULL;
	git_signature *sig = NULL;
	git_oid blob, tree, commit;
	struct mirror m;
	const char *br[] = { "main", "sync" };
	int rc = -1;

	if (tmpdir_make(dir, "repocast-bench-") != 0)
		return -1;
	*remote = xasprintf("%s/remote.git", *dir);
	*cache = xasprintf("%s/cache", *dir);
	if (git_repository_init(&r, *remote, 1) < 0 ||
	    git_blob_create_from_buffer(&blob, r, "hello\n", 6) < 0 ||
	    git_treebuilder_new(&tb, r, NULL) < 0 ||
	    git_treebuilder_insert(NULL, tb, "README", &blob, GIT_FILEMODE_BLOB) < 0 ||
	    git_treebuilder_write(&tree, tb) < 0 ||
	    git_signature_new(&sig, "A", "a@example.com", 1700000000, 0) < 0)
		goto out;
	{
		git_tree *t = NULL;

		if (git_tree_lookup(&t, r, &tree) < 0)
			goto out;
		rc = git_commit_create(&commit, r, "refs/heads/main", sig, sig, NULL, "c\n", t, 0,
		    NULL);
		git_tree_free(t);
		if (rc < 0) {
			rc = -1;
			goto out;
		}
	}
	{
		git_reference *ref = NULL;

		if (git_reference_create(&ref, r, "refs/heads/sync", &commit, 0, NULL) < 0)
			goto out;
		git_reference_free(ref);
	}
	if (mirror_open(&m, *cache, *remote, NULL) != 0)
		goto out;
	rc = mirror_fetch(&m, br, NULL, 2);
	mirror_close(&m);
out:
	git_signature_free(sig);
	git_treebuilder_free(tb);
	git_repository_free(r);
	return rc;
}

BENCH(MirrorOpen2Refs)
{
	char *dir = NULL, *remote = NULL, *cache = NULL;
	struct mirror m;
	uint64_t i;

	git_libgit2_init();
	if (setup(&dir, &remote, &cache) != 0) {
		fprintf(stderr, "bench_mirror: setup failed\n");
		exit(1);
	}
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		if (mirror_open(&m, cache, remote, NULL) != 0) {
			fprintf(stderr, "bench_mirror: mirror_open failed\n");
			exit(1);
		}
		bench_sink(m.repo);
		mirror_close(&m);
	}
	tmpdir_remove(dir);
	free(dir);
	free(remote);
	free(cache);
	git_libgit2_shutdown();
}

/*
 * The same open, then what every sync does next whether it fetches or not:
 * resolve the base branch and read its commit and tree. The object
 * database and refs that the check on open loads are loaded here anyway.
 */
BENCH(MirrorOpenRead2Refs)
{
	char *dir = NULL, *remote = NULL, *cache = NULL;
	struct mirror m;
	git_commit *c;
	git_tree *t;
	git_oid id;
	uint64_t i;

	git_libgit2_init();
	if (setup(&dir, &remote, &cache) != 0) {
		fprintf(stderr, "bench_mirror: setup failed\n");
		exit(1);
	}
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		if (mirror_open(&m, cache, remote, NULL) != 0 ||
		    mirror_branch_oid(&id, &m, "main") != 0 ||
		    git_commit_lookup(&c, m.repo, &id) < 0) {
			fprintf(stderr, "bench_mirror: cannot open and read the mirror\n");
			exit(1);
		}
		if (git_commit_tree(&t, c) < 0) {
			fprintf(stderr, "bench_mirror: cannot read the tree\n");
			exit(1);
		}
		git_tree_free(t);
		git_commit_free(c);
		mirror_close(&m);
	}
	tmpdir_remove(dir);
	free(dir);
	free(remote);
	free(cache);
	git_libgit2_shutdown();
}
