/*
 * source — fetch and resolve the source repository once per run. See
 * source.h.
 */
#include "supervisor/sync/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/log.h"
#include "shared/util.h"

/*
 * mirror_fetch in a child process. libgit2 1.5's indexer reads the pack it
 * is receiving back through mmap, growing one mapping over the whole pack
 * (whatever the pack window settings), so a fetch leaves as much mapped,
 * and counted in the process's RSS, as it received: 500 MiB for a pack
 * holding a 500 MiB file (measured: 110 MiB of a 100 MiB pack). The child
 * pays for that and exits; the supervisor waits for it, and gets its error
 * (code and text) through a pipe. A plain fork() without exec: the
 * supervisor is single-threaded here (before any pool), the child shares
 * the mirror's lock (mirror.h) and only calls _exit after the fetch.
 */
static int
source_fetch(struct source *s)
{
	const char *branches[1] = { s->branch };
	struct buf why = BUF_INIT;
	char tmp[512];
	int fds[2], rc, st, code;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set(ERR_FAIL, "cannot make a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		rc = err_set(ERR_FAIL, "cannot fork to fetch: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		close(fds[0]);
		rc = mirror_fetch(&s->mirror, branches, NULL, 1);
		if (rc != 0) {
			int len = snprintf(tmp, sizeof(tmp), "%d %s", rc, err_last());

			if (len > 0 && write(fds[1], tmp, (size_t)len < sizeof(tmp) ?
			    (size_t)len : sizeof(tmp) - 1) < 0)
				_exit(2);
		}
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	while ((n = read(fds[0], tmp, sizeof(tmp))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		buf_add(&why, tmp, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		buf_release(&why);
		return 0;
	}
	if (why.len > 0 && sscanf(why.ptr, "%d", &code) == 1 && strchr(why.ptr, ' ') != NULL)
		rc = err_set(code < 0 ? code : ERR_FAIL, "%s", strchr(why.ptr, ' ') + 1);
	else if (WIFSIGNALED(st))
		rc = err_set(ERR_FAIL, "the fetch process died of signal %d", WTERMSIG(st));
	else
		rc = err_set(ERR_FAIL, "the fetch process exited with status %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	buf_release(&why);
	return rc;
}

/* s->tag_names: the mirror's refs/tags/v*. */
static int
source_list_tags(struct source *s)
{
	git_strarray names = { NULL, 0 };
	size_t i;

	if (git_reference_list(&names, s->mirror.repo) < 0)
		return err_git(ERR_FAIL, "cannot list the tags");
	for (i = 0; i < names.count; i++)
		if (strncmp(names.strings[i], "refs/tags/v", 11) == 0)
			strv_add(&s->tag_names, names.strings[i] + 10);
	git_strarray_dispose(&names);
	s->tags = true;
	return 0;
}

int
source_open(struct source *s, const char *cache, const char *url, const char *repo,
    const char *branch, bool tags, const char *token)
{
	git_commit *commit = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	s->mirror.lock_fd = -1;
	s->repo = xstrdup(repo);
	s->branch = xstrdup(branch);
	if ((rc = mirror_open(&s->mirror, cache, url, token)) != 0)
		goto fail;
	for (size_t i = 0; i < s->mirror.nrepairs; i++)
		log_warn("%s", s->mirror.repairs[i]);
	if ((rc = source_fetch(s)) != 0)
		goto fail;
	if (tags && ((rc = mirror_fetch_tags(&s->mirror, "v*")) != 0 ||
	    (rc = source_list_tags(s)) != 0))
		goto fail;
	if ((rc = mirror_branch_oid(&s->commit, &s->mirror, branch)) != 0)
		goto fail;
	if ((rc = git_commit_lookup(&commit, s->mirror.repo, &s->commit)) < 0) {
		rc = err_git(ERR_FAIL, "cannot read commit %s", git_oid_tostr_s(&s->commit));
		goto fail;
	}
	if ((rc = git_commit_tree(&s->tree, commit)) < 0) {
		rc = err_git(ERR_FAIL, "cannot read the tree of commit %s",
		    git_oid_tostr_s(&s->commit));
		goto fail;
	}
	git_commit_free(commit);
	commit = NULL;
	if ((rc = git_repository_odb(&s->odb, s->mirror.repo)) < 0) {
		rc = err_git(ERR_FAIL, "cannot open the object database");
		goto fail;
	}
	git_oid_tostr(s->commit_hex, sizeof(s->commit_hex), &s->commit);
	mirror_unlock(&s->mirror);
	return 0;
fail:
	err_wrap("cannot read source '%s' branch '%s'", repo, branch);
	git_commit_free(commit);
	source_close(s);
	return rc;
}

void
source_close(struct source *s)
{
	if (s == NULL)
		return;
	git_tree_free(s->tree);
	s->tree = NULL;
	git_odb_free(s->odb);
	s->odb = NULL;
	mirror_close(&s->mirror);
	free(s->repo);
	free(s->branch);
	s->repo = s->branch = NULL;
	strv_release(&s->tag_names);
	s->tags = false;
}

int
source_tag_tree(git_tree **tree, git_oid *commit, struct source *s, const char *tag)
{
	git_object *obj = NULL;
	git_commit *c = NULL;
	char *ref = xasprintf("refs/tags/%s", tag);
	int rc;

	*tree = NULL;
	rc = git_revparse_single(&obj, s->mirror.repo, ref);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS) {
		rc = err_set(ERR_NOTFOUND, "tag '%s' not found in source '%s'", tag, s->repo);
		goto done;
	}
	if (rc < 0) {
		rc = err_git(ERR_FAIL, "cannot read tag '%s' of source '%s'", tag, s->repo);
		goto done;
	}
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = err_set(ERR_NOTFOUND, "tag '%s' of source '%s' names no commit", tag,
		    s->repo);
		goto done;
	}
	git_oid_cpy(commit, git_commit_id(c));
	if ((rc = git_commit_tree(tree, c)) < 0)
		rc = err_git(ERR_FAIL, "cannot read the tree of tag '%s'", tag);
done:
	git_commit_free(c);
	git_object_free(obj);
	free(ref);
	return rc;
}

int
source_blob(git_blob **blob, const void **data, size_t *len, struct source *s,
    const git_oid *oid)
{
	int rc;

	*blob = NULL;
	rc = git_blob_lookup(blob, s->mirror.repo, oid);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		return err_set(ERR_NOTFOUND, "blob %s not found in source '%s'",
		    git_oid_tostr_s(oid), s->repo);
	if (rc < 0)
		return err_git(ERR_FAIL, "cannot read blob %s of source '%s'",
		    git_oid_tostr_s(oid), s->repo);
	*data = git_blob_rawcontent(*blob);
	*len = (size_t)git_blob_rawsize(*blob);
	return 0;
}
