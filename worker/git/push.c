/*
 * push — one forced branch push with every ref's status checked.
 */
#include "worker/git/push.h"

#include <stdio.h>
#include <string.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/util.h"

struct push_state {
	struct mirror *m;
	int rejected;
	char reason[256];
	int seen;               /* the server reported on our ref */
};

static int
push_cred(git_credential **out, const char *url, const char *user_from_url,
    unsigned int allowed, void *payload)
{
	struct push_state *st = payload;

	UNUSED(user_from_url);
	return mirror_credential(out, st->m, url, allowed);
}

static int
push_ref_status(const char *refname, const char *status, void *data)
{
	struct push_state *st = data;

	UNUSED(refname);
	st->seen = 1;
	if (status != NULL) {
		st->rejected = 1;
		snprintf(st->reason, sizeof(st->reason), "%s", status);
	}
	return 0;
}

int
push_branch(struct mirror *m, const char *branch, const char *protect,
    const git_oid *commit)
{
	git_push_options opts;
	git_remote_create_options ropts;
	struct push_state st;
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	char refname[512], spec[1100];
	char *specs[1];
	git_strarray arr;
	int rc = ERR_FAIL, grc;

	memset(&st, 0, sizeof(st));
	st.m = m;
	m->cred_tries = 0;
	git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
	if (protect != NULL && strcmp(branch, protect) == 0)
		return err_set(ERR_CONFIG, "refusing to push to the base branch '%s'", branch);
	if ((size_t)snprintf(refname, sizeof(refname), "refs/heads/%s", branch) >=
	    sizeof(refname))
		return err_set(ERR_CONFIG, "branch name too long '%s'", branch);
	if (git_reference_create(&ref, m->repo, refname, commit, 1, "repocast sync") < 0) {
		err_git(ERR_FAIL, "cannot create branch '%s'", branch);
		goto out;
	}
	/*
	 * In-memory remote; skipping url.*.insteadOf also keeps libgit2 1.5 off
	 * a regex path that leaks pcre2 match data (as in mirror.c).
	 */
	git_remote_create_options_init(&ropts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ropts.repository = m->repo;
	ropts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, m->url, &ropts) < 0) {
		err_git(ERR_FAIL, "cannot open remote for '%s'", branch);
		goto out;
	}
	snprintf(spec, sizeof(spec), "+%s:%s", refname, refname);
	specs[0] = spec;
	arr.strings = specs;
	arr.count = 1;
	opts.callbacks.credentials = push_cred;
	opts.callbacks.push_update_reference = push_ref_status;
	opts.callbacks.payload = &st;
	opts.pb_parallelism = 1;
	if ((grc = git_remote_push(remote, &arr, &opts)) < 0) {
		rc = mirror_error(m, grc, "push to");
		err_wrap("branch '%s'", branch);
		goto out;
	}
	if (st.rejected) {
		rc = err_set(ERR_CONFLICT, "push of branch '%s' rejected: %s", branch, st.reason);
		goto out;
	}
	if (!st.seen) {
		rc = err_set(ERR_FAIL, "push of branch '%s': the server did not report the ref",
		    branch);
		goto out;
	}
	rc = 0;
out:
	git_remote_free(remote);
	git_reference_free(ref);
	return rc;
}
