/*
 * git2_check — drive the loopback forge's smart HTTP with libgit2, the way
 * repocast's worker does (tests/integration/forge.sh builds and runs it).
 *
 *   git2_check clone URL DIR TOKENFILE
 *   git2_check push GITDIR URL REFSPEC TOKENFILE
 *
 * Credentials: user x-access-token, password read from TOKENFILE (never argv).
 * libgit2 sends receive-pack bodies with chunked transfer encoding, so a push
 * here exercises the forge's chunked decoding. A ref the server refuses (e.g.
 * a pre-receive hook) is printed as "rejected REF: MESSAGE" and exits 1.
 * Exit: 0 ok, 1 failure (message on stderr), 2 usage.
 */
#include <git2.h>
#include <stdio.h>
#include <string.h>

static char token[512];
static int rejected;

static int
read_token(const char *path)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	n = fread(token, 1, sizeof(token) - 1, f);
	fclose(f);
	while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' ||
	    token[n - 1] == ' '))
		n--;
	token[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Only on a 401: libgit2 first tries without credentials. */
static int
on_cred(git_credential **out, const char *url, const char *user,
    unsigned int allowed, void *arg)
{
	(void)url;
	(void)user;
	(void)arg;
	if (!(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	return git_credential_userpass_plaintext_new(out, "x-access-token", token);
}

static int
on_ref_status(const char *ref, const char *status, void *arg)
{
	(void)arg;
	if (status != NULL) {
		printf("rejected %s: %s\n", ref, status);
		rejected = 1;
	}
	return 0;
}

static int
fail(const char *what)
{
	const git_error *e = git_error_last();

	fprintf(stderr, "git2_check: %s: %s\n", what, e ? e->message : "unknown");
	return 1;
}

static int
do_clone(const char *url, const char *dir)
{
	git_clone_options opts = GIT_CLONE_OPTIONS_INIT;
	git_repository *repo = NULL;

	opts.fetch_opts.callbacks.credentials = on_cred;
	if (git_clone(&repo, url, dir, &opts) != 0)
		return fail("clone");
	git_repository_free(repo);
	printf("cloned %s\n", url);
	return 0;
}

static int
do_push(const char *gitdir, const char *url, const char *refspec)
{
	git_push_options opts = GIT_PUSH_OPTIONS_INIT;
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	char *specs[1];
	git_strarray arr;
	int rc = 1;

	specs[0] = (char *)refspec;
	arr.strings = specs;
	arr.count = 1;
	opts.callbacks.credentials = on_cred;
	opts.callbacks.push_update_reference = on_ref_status;
	if (git_repository_open(&repo, gitdir) != 0) {
		rc = fail("open");
		goto out;
	}
	if (git_remote_create_anonymous(&remote, repo, url) != 0) {
		rc = fail("remote");
		goto out;
	}
	if (git_remote_push(remote, &arr, &opts) != 0) {
		rc = fail("push");
		goto out;
	}
	if (!rejected)
		printf("pushed %s\n", refspec);
	rc = rejected;
out:
	git_remote_free(remote);
	git_repository_free(repo);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc = 2;

	git_libgit2_init();
	if (argc == 5 && strcmp(argv[1], "clone") == 0) {
		if (read_token(argv[4]) == 0)
			rc = do_clone(argv[2], argv[3]);
		else
			rc = 1;
	} else if (argc == 6 && strcmp(argv[1], "push") == 0) {
		if (read_token(argv[5]) == 0)
			rc = do_push(argv[2], argv[3], argv[4]);
		else
			rc = 1;
	} else {
		fprintf(stderr, "usage: git2_check clone URL DIR TOKENFILE\n"
		    "       git2_check push GITDIR URL REFSPEC TOKENFILE\n");
	}
	git_libgit2_shutdown();
	return rc;
}
