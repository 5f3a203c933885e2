/* commit — see commit.h. */
#include "worker/git/commit.h"

#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/git/mirror.h"
#include "shared/util.h"
#include "worker/git/gitsign.h"
#include "worker/git/push.h"
#include "worker/worker.h"

/* A preview's diff is capped like a sync dry run's. */
#define COMMIT_DIFF_CAP (256u * 1024)

/* The tree of dir as `git add -A` on top of base_tree would make it. */
static int
dir_tree(git_oid *out, git_repository *repo, const char *dir, git_tree *base_tree)
{
	char *all[] = { (char *)"*" };
	git_strarray spec = { all, 1 };
	git_index *idx = NULL;
	int rc = ERR_FAIL;

	/* In memory only (update_gitlink 0): the mirror's config stays bare. */
	if (git_repository_set_workdir(repo, dir, 0) < 0 ||
	    git_repository_index(&idx, repo) < 0 || git_index_read_tree(idx, base_tree) < 0) {
		err_git(ERR_FAIL, "cannot read the checkout '%s'", dir);
		goto out;
	}
	/* add_all adds new and modified files and drops deleted ones, skipping
	 * ignored paths; update_all catches deletions add_all's walk missed. */
	if (git_index_add_all(idx, &spec, GIT_INDEX_ADD_DEFAULT, NULL, NULL) < 0 ||
	    git_index_update_all(idx, &spec, NULL, NULL) < 0) {
		err_git(ERR_FAIL, "cannot add the command's changes in '%s'", dir);
		goto out;
	}
	if (git_index_write_tree_to(out, idx, repo) < 0) {
		err_git(ERR_FAIL, "cannot write the tree of '%s'", dir);
		goto out;
	}
	rc = 0;
out:
	git_index_free(idx);
	return rc;
}

/* Counts, diffstat and (when patch is non-NULL) the capped diff. */
static int
tree_changes(struct msg_result *res, struct buf *stat, struct buf *patch,
    git_repository *repo, git_tree *a, git_tree *b)
{
	git_diff_options opts;
	git_diff *diff = NULL;
	git_diff_stats *st = NULL;
	git_buf gb = GIT_BUF_INIT;
	size_t i, n;
	int rc = ERR_FAIL;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	if (git_diff_tree_to_tree(&diff, repo, a, b, &opts) < 0 ||
	    git_diff_get_stats(&st, diff) < 0 ||
	    git_diff_stats_to_buf(&gb, st, GIT_DIFF_STATS_FULL | GIT_DIFF_STATS_INCLUDE_SUMMARY,
	    80) < 0) {
		err_git(ERR_FAIL, "cannot compute the diffstat");
		goto out;
	}
	buf_add(stat, gb.ptr, gb.size);
	git_buf_dispose(&gb);
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		if (d->status == GIT_DELTA_ADDED)
			res->added++;
		else if (d->status == GIT_DELTA_DELETED)
			res->deleted++;
		else
			res->changed++;
	}
	if (patch != NULL) {
		if (git_diff_to_buf(&gb, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
			err_git(ERR_FAIL, "cannot format the diff");
			goto out;
		}
		if (gb.size > COMMIT_DIFF_CAP) {
			buf_add(patch, gb.ptr, COMMIT_DIFF_CAP);
			buf_addf(patch, "\n[diff truncated at %u bytes]\n", COMMIT_DIFF_CAP);
		} else {
			buf_add(patch, gb.ptr, gb.size);
		}
	}
	rc = 0;
out:
	git_buf_dispose(&gb);
	git_diff_stats_free(st);
	git_diff_free(diff);
	return rc;
}

/*
 * May the push replace what the remote's branch holds? Yes when it does not
 * exist, or has nothing the base lacks but one commit name <email>
 * committed (an earlier run's; the rule pr_close uses before deleting a
 * branch). Someone else's commits on it are never overwritten.
 */
static int
branch_replaceable(bool *ok, struct mirror *m, const char *branch, const git_oid *base,
    const char *name, const char *email)
{
	const char *names[1] = { branch };
	const int optional[1] = { 1 };
	const git_signature *who;
	git_commit *c = NULL;
	git_oid head;
	size_t ahead, behind;
	int rc;

	*ok = false;
	if ((rc = mirror_fetch(m, names, optional, 1)) < 0)
		return rc;
	rc = mirror_branch_oid(&head, m, branch);
	if (rc == ERR_NOTFOUND) {
		err_clear();
		*ok = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (git_graph_ahead_behind(&ahead, &behind, m->repo, &head, base) < 0 ||
	    git_commit_lookup(&c, m->repo, &head) < 0)
		return err_git(ERR_FAIL, "cannot compare branch '%s' with its base", branch);
	who = git_commit_committer(c);
	*ok = ahead == 0 || (ahead == 1 && who != NULL && strcmp(who->name, name) == 0 &&
	    strcmp(who->email, email) == 0);
	git_commit_free(c);
	return 0;
}

/* The JOB's author, else repocast's (the wire sends an absent string as ""). */
static void
job_author(const char **name, const char **email, const struct msg_job *job)
{
	*name = job->author_name && *job->author_name ? job->author_name : "repocast";
	*email = job->author_email && *job->author_email ? job->author_email :
	    "repocast@localhost";
}

static int
make_commit(git_oid *out, struct worker *w, git_repository *repo, const struct msg_job *job,
    git_tree *tree, git_commit *parent)
{
	const char *name, *email;
	const char *text = job->commit_message && *job->commit_message ? job->commit_message :
	    "repocast run\n";
	const git_commit *parents[1] = { parent };
	const char *cause = NULL;
	git_signature *sig = NULL;
	git_buf gb = GIT_BUF_INIT;
	int rc = 0;

	job_author(&name, &email, job);
	if (git_signature_now(&sig, name, email) < 0)
		return err_git(ERR_CONFIG, "bad commit author '%s <%s>'", name, email);
	/* A preview's commit is not written (and not signed): its id alone. */
	if (job->dry_run) {
		if (git_commit_create_buffer(&gb, repo, sig, sig, NULL, text, tree, 1, parents) < 0 ||
		    git_odb_hash(out, gb.ptr, gb.size, GIT_OBJECT_COMMIT) < 0)
			rc = err_git(ERR_FAIL, "cannot build the commit");
		git_buf_dispose(&gb);
	} else if ((rc = gitsign_commit(out, &cause, w, repo, sig, text, tree, parent)) < 0 &&
	    cause != NULL) {
		w->cause = cause;
	}
	git_signature_free(sig);
	return rc;
}

int
commit_run_changes(struct msg_result *res, struct worker *w, const char *dir,
    const struct commit_base *base)
{
	const struct msg_job *job = &w->job.u.job;
	struct buf stat = BUF_INIT, patch = BUF_INIT;
	struct mirror m;
	git_commit *parent = NULL;
	git_tree *base_tree = NULL, *new_tree = NULL;
	git_oid tree_id, commit_id;
	char hex[GIT_OID_HEXSZ + 1];
	uint64_t t0 = util_now_ms();
	int rc;

	memset(&m, 0, sizeof(m));
	m.lock_fd = -1;
	if (job->sync_branch == NULL || base == NULL || base->branch == NULL)
		return err_set(ERR_PROTO, "a run job that commits needs its branch and base");
	if ((rc = mirror_open(&m, job->cache_dir, job->remote_url, w->token)) < 0)
		return rc;
	if (git_commit_lookup(&parent, m.repo, &base->oid) < 0 ||
	    git_commit_tree(&base_tree, parent) < 0) {
		rc = err_git(ERR_FAIL, "cannot read '%s' of '%s'", base->branch, job->target);
		goto out;
	}
	if ((rc = dir_tree(&tree_id, m.repo, dir, base_tree)) < 0)
		goto out;
	if (git_oid_equal(&tree_id, git_tree_id(base_tree))) {
		res->outcome = (char *)"unchanged";
		worker_phase(w, "commit", util_now_ms() - t0);
		rc = 0;
		goto out;
	}
	if (git_tree_lookup(&new_tree, m.repo, &tree_id) < 0) {
		rc = err_git(ERR_FAIL, "cannot read the new tree");
		goto out;
	}
	if ((rc = tree_changes(res, &stat, job->want_diff ? &patch : NULL, m.repo, base_tree,
	    new_tree)) < 0)
		goto out;
	if ((rc = make_commit(&commit_id, w, m.repo, job, new_tree, parent)) < 0)
		goto out;
	worker_phase(w, "commit", util_now_ms() - t0);
	if (!job->dry_run) {
		const char *name, *email;
		bool ok;

		t0 = util_now_ms();
		job_author(&name, &email, job);
		if ((rc = branch_replaceable(&ok, &m, job->sync_branch, &base->oid, name,
		    email)) < 0)
			goto out;
		if (!ok) {
			rc = err_set(ERR_CONFLICT, "branch '%s' of '%s' has commits repocast did not "
			    "make: not overwritten (give the run another --branch)",
			    job->sync_branch, job->target);
			goto out;
		}
		/* commit.via: api: the commit and its objects are in the mirror
		 * (the index wrote the blobs and trees, make_commit the commit); the
		 * supervisor makes it on the target through the API */
		if (job->commit_api) {
			/* push_branch's own check, for the commit the API makes */
			if (strcmp(job->sync_branch, base->branch) == 0) {
				rc = err_set(ERR_CONFIG, "refusing to push to the base branch '%s'",
				    job->sync_branch);
				goto out;
			}
		} else {
			if ((rc = push_branch(&m, job->sync_branch, base->branch, &commit_id)) < 0)
				goto out;
			worker_phase(w, "push", util_now_ms() - t0);
		}
	}
	git_oid_tostr(hex, sizeof(hex), &commit_id);
	res->outcome = (char *)(job->dry_run ? "dry_run" : "pushed");
	res->commit = xstrdup(hex);
	res->branch = xstrdup(job->sync_branch);
	res->diffstat = buf_detach(&stat, NULL);
	if (job->want_diff)
		res->diff = buf_detach(&patch, NULL);
	rc = 0;
out:
	buf_release(&stat);
	buf_release(&patch);
	git_tree_free(new_tree);
	git_tree_free(base_tree);
	git_commit_free(parent);
	mirror_close(&m);
	return rc;
}
