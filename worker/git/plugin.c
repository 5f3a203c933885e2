/*
 * plugin_git — the entry of repocast-worker-git.so (see plugin.h): the
 * plugin_ops table, libgit2's start and end, and the run job's fetch +
 * checkout. The sync job itself is worker/git/apply.c, also in the plugin.
 */
#include "worker/plugin.h"

#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/git/mirror.h"
#include "shared/log.h"
#include "shared/util.h"
#include "worker/git/commit.h"
#include "worker/worker.h"

/* What the job's one checkout came from: the base of its commit. A worker
 * runs one job, so one is enough. */
static struct commit_base checked_out;

static void
git_start(void)
{
	git_libgit2_init();
}

static void
git_end(void)
{
	free(checked_out.branch);
	checked_out.branch = NULL;
	git_libgit2_shutdown();
}

/*
 * Fetch url's default branch into its mirror in the cache (DESIGN §3) and
 * check that branch's tree out into dir; the mirror lock is held only for
 * the fetch and the checkout.
 */
static int
fetch_checkout(struct worker *w, const char *dir)
{
	const struct msg_job *job = &w->job.u.job;
	git_checkout_options co;
	struct mirror m;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	char *branch = NULL;
	git_oid oid;
	uint64_t t0 = util_now_ms();
	int rc;

	memset(&m, 0, sizeof(m));
	m.lock_fd = -1;
	rc = mirror_open(&m, job->cache_dir, job->remote_url, w->token);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < m.nrepairs; i++)
		worker_log(w, LOG_WARN, "%s", m.repairs[i]);
	if (job->base_branch != NULL && job->base_branch[0] != '\0')
		branch = xstrdup(job->base_branch);
	else if ((rc = mirror_default_branch(&branch, &m)) < 0)
		goto out;
	if ((rc = mirror_fetch(&m, (const char *const *)&branch, NULL, 1)) < 0)
		goto out;
	if ((rc = mirror_branch_oid(&oid, &m, branch)) < 0)
		goto out;
	worker_phase(w, "fetch", util_now_ms() - t0);
	t0 = util_now_ms();
	if (git_commit_lookup(&commit, m.repo, &oid) < 0 || git_commit_tree(&tree, commit) < 0) {
		rc = err_git(ERR_FAIL, "cannot read '%s' of '%s'", branch, job->target);
		goto out;
	}
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
	co.target_directory = dir;
	if (git_checkout_tree(m.repo, (const git_object *)tree, &co) < 0) {
		rc = err_git(ERR_FAIL, "cannot check out '%s' of '%s'", branch, job->target);
		goto out;
	}
	worker_phase(w, "checkout", util_now_ms() - t0);
	free(checked_out.branch);
	checked_out.branch = xstrdup(branch);
	git_oid_cpy(&checked_out.oid, &oid);
	rc = 0;
out:
	git_tree_free(tree);
	git_commit_free(commit);
	free(branch);
	mirror_close(&m);
	return rc;
}

static int
commit_checkout(struct worker *w, const char *dir, struct msg_result *res)
{
	if (checked_out.branch == NULL)
		return err_set(ERR_PROTO, "nothing was checked out to commit");
	return commit_run_changes(res, w, dir, &checked_out);
}

/* Found by plugin_open with dlsym(PLUGIN_SYMBOL); the plugin's only entry. */
extern const struct plugin_ops plugin_git;
const struct plugin_ops plugin_git = {
	PLUGIN_ABI,
	REPOCAST_VERSION,
	git_start,
	git_end,
	apply_job,
	fetch_checkout,
	commit_checkout,
};
