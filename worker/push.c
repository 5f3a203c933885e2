/*
 * push — one forced branch push with every ref's status checked.
 */
#include "worker/push.h"

#include <stdio.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

struct push_state {
	const char *token;
	int cred_tries;         /* bail out instead of looping on bad creds */
	int rejected;
	char reason[256];
	char refname[256];
	int seen;               /* the server reported on our ref */
};

static int
push_cred(git_credential **out, const char *url, const char *user_from_url,
    unsigned int allowed, void *payload)
{
	struct push_state *st = payload;

	UNUSED(url);
	UNUSED(user_from_url);
	if (st->token == NULL || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	/* libgit2 asks again after a 401: one try, then give up (auth error). */
	if (st->cred_tries++ > 0)
		return GIT_EUSER;
	return git_credential_userpass_plaintext_new(out, "x-access-token", st->token);
}

static int
push_ref_status(const char *refname, const char *status, void *data)
{
	struct push_state *st = data;

	st->seen = 1;
	if (status != NULL) {
		st->rejected = 1;
		snprintf(st->reason, sizeof(st->reason), "%s", status);
		snprintf(st->refname, sizeof(st->refname), "%s", refname);
	}
	return 0;
}

static int
push_classify(struct push_state *st)
{
	const git_error *ge = git_error_last();
	const char *msg = ge && ge->message ? ge->message : "";

	if (st->cred_tries > 1 || strstr(msg, "401") || strstr(msg, "403") ||
	    strstr(msg, "authentication"))
		return ERR_AUTH;
	if (ge && (ge->klass == GIT_ERROR_NET || ge->klass == GIT_ERROR_HTTP ||
	    ge->klass == GIT_ERROR_SSL))
		return ERR_NET;
	return ERR_FAIL;
}

int
push_branch(git_repository *repo, const char *url, const char *token,
    const char *branch, const char *protect, const git_oid *commit)
{
	git_push_options opts;
	struct push_state st;
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	char refname[512], spec[1100];
	char *specs[1];
	git_strarray arr;
	int rc = ERR_FAIL, code;

	memset(&st, 0, sizeof(st));
	st.token = token;
	git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
	if (protect != NULL && strcmp(branch, protect) == 0)
		return err_set(ERR_CONFIG, "refusing to push to the base branch '%s'", branch);
	if ((size_t)snprintf(refname, sizeof(refname), "refs/heads/%s", branch) >=
	    sizeof(refname))
		return err_set(ERR_CONFIG, "branch name too long '%s'", branch);
	if (git_reference_create(&ref, repo, refname, commit, 1, "repocast sync") < 0) {
		err_git(ERR_FAIL, "cannot create branch '%s'", branch);
		goto out;
	}
	if (git_remote_create_anonymous(&remote, repo, url) < 0) {
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
	if (git_remote_push(remote, &arr, &opts) < 0) {
		code = push_classify(&st);
		err_git(code, "cannot push branch '%s'", branch);
		rc = code;
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
