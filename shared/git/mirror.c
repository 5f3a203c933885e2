/*
 * mirror — bare mirror repositories in the cache. See mirror.h.
 *
 * Fetches go through an anonymous remote with explicit refspecs
 * (+refs/heads/B:refs/heads/B), so the mirror's config never records a
 * URL and nothing but the named branches is ever written. The remote is
 * connected once per operation: its advertisement decides which optional
 * branches exist and which refs are already current (those are not
 * fetched at all, so a no-op fetch is one ls-remote).
 */
#include "shared/git/mirror.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/log.h"
#include "shared/tmpdir.h"
#include "shared/util.h"

int
mirror_url_is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* Append one sanitised path segment; empty, "." and ".." become "_". */
static void
add_segment(struct buf *b, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		buf_addch(b, '_');
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_addch(b, isalnum(c) || c == '.' || c == '_' || c == '-' ? c : '_');
	}
}

/* Append path's segments (split on '/'), dropping a trailing ".git". */
static void
add_path(struct buf *b, const char *path)
{
	const char *p = path, *end = path + strlen(path), *slash;
	size_t first = 1;

	while (p < end && *p == '/')
		p++;
	while (end > p && end[-1] == '/')
		end--;
	if (end - p >= 4 && memcmp(end - 4, ".git", 4) == 0)
		end -= 4;
	while (end > p && end[-1] == '/')
		end--;
	if (p == end) {
		buf_addch(b, '_');
		return;
	}
	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		if (slash > p) {
			if (!first)
				buf_addch(b, '/');
			add_segment(b, p, (size_t)(slash - p));
			first = 0;
		}
		p = slash + 1;
	}
}

/* A plain path (not file://, not scheme://, not scp-like host:path)? */
static int
is_local_path(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	return strstr(url, "://") == NULL &&
	    (colon == NULL || (slash != NULL && slash < colon) || url[0] == '.');
}

char *
mirror_path(const char *cache, const char *url)
{
	struct buf b = BUF_INIT;
	const char *rest, *at;
	char real[PATH_MAX];
	size_t i, hostlen;

	buf_addf(&b, "%s/mirrors/", cache);
	rest = strstr(url, "://");
	if (strncasecmp(url, "file://", 7) == 0 || is_local_path(url)) {
		/* A local path: key it by its absolute, resolved form. */
		const char *p = strncasecmp(url, "file://", 7) == 0 ? url + 7 : url;

		buf_addstr(&b, "local/");
		add_path(&b, realpath(p, real) != NULL ? real : p);
	} else {
		/* scheme://[user@]host[:port]/path or scp-like [user@]host:path */
		const char *auth = rest != NULL ? rest + 3 : url;
		const char *aend = rest != NULL ? strchr(auth, '/') : strchr(auth, ':');

		if (aend == NULL)
			aend = auth + strlen(auth);
		at = memchr(auth, '@', (size_t)(aend - auth));
		if (at != NULL)
			auth = at + 1;
		hostlen = (size_t)(aend - auth);
		if (hostlen == 0) {
			buf_addch(&b, '_');
		} else {
			for (i = 0; i < hostlen; i++) {
				unsigned char c = (unsigned char)auth[i];

				buf_addch(&b, c == ':' ? '_' : (char)tolower(c));
			}
			/* The host must not be able to climb out of mirrors/. */
			if (strcmp(b.ptr + b.len - hostlen, "..") == 0 ||
			    strcmp(b.ptr + b.len - hostlen, ".") == 0)
				b.ptr[b.len - 1] = '_';
			for (i = b.len - hostlen; i < b.len; i++)
				if (b.ptr[i] == '/')
					b.ptr[i] = '_';
		}
		buf_addch(&b, '/');
		add_path(&b, *aend != '\0' ? aend + 1 : aend);
	}
	buf_addstr(&b, ".git");
	return buf_detach(&b, NULL);
}

char *
mirror_repo_url(const char *git_url, const char *repo)
{
	size_t n = strlen(git_url);
	char *url, *bare;
	struct stat st;

	while (n > 0 && git_url[n - 1] == '/')
		n--;
	url = xasprintf("%.*s/%s.git", (int)n, git_url, repo);
	if (strncasecmp(git_url, "file://", 7) != 0 && !is_local_path(git_url))
		return url;
	bare = url;
	if (strncasecmp(bare, "file://", 7) == 0)
		bare += 7;
	if (stat(bare, &st) == 0)
		return url;
	url[strlen(url) - 4] = '\0';
	bare = strncasecmp(url, "file://", 7) == 0 ? url + 7 : url;
	if (stat(bare, &st) == 0)
		return url;
	strcat(url, ".git"); /* neither exists: report the conventional name */
	return url;
}

/* url without "user[:password]@" in its authority part. */
static char *
safe_url(const char *url)
{
	const char *rest = strstr(url, "://"), *auth, *aend, *at;
	struct buf b = BUF_INIT;

	if (rest == NULL)
		return xstrdup(url);
	auth = rest + 3;
	aend = auth + strcspn(auth, "/?#");
	at = NULL;
	for (const char *p = auth; p < aend; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return xstrdup(url);
	buf_add(&b, url, (size_t)(auth - url));
	buf_addstr(&b, at + 1);
	return buf_detach(&b, NULL);
}

/* Record one repair in m->repairs. */
static void
note_repair(struct mirror *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note_repair(struct mirror *m, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	m->repairs = xrealloc(m->repairs, (m->nrepairs + 1) * sizeof(*m->repairs));
	m->repairs[m->nrepairs++] = buf_detach(&b, NULL);
}

/*
 * Is the object a ref names usable: present, and for a commit, its tree
 * present too (what a sync reads first)? 1 yes, 0 missing, <0 the object
 * database itself failed.
 */
static int
ref_target_ok(git_odb *odb, git_repository *repo, const git_oid *id)
{
	git_commit *c = NULL;
	size_t len;
	git_object_t type;
	int rc;

	rc = git_odb_read_header(&len, &type, odb, id);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if (type != GIT_OBJECT_COMMIT)
		return 1;
	rc = git_commit_lookup(&c, repo, id);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	rc = git_odb_exists(odb, git_commit_tree_id(c));
	git_commit_free(c);
	return rc;
}

/*
 * Check the refs of an open mirror: a ref naming an object the mirror does
 * not hold (a run killed between a ref update and the objects it names, a
 * mirror written by an older repocast) is deleted and noted in m->repairs;
 * the next fetch brings it back. 0, or <0 with err_last set when the mirror
 * cannot be read at all (its config, HEAD or refs do not parse).
 */
static int
check_refs(struct mirror *m)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_config *cfg = NULL;
	git_odb *odb = NULL;
	char **drop = NULL;
	git_oid *ids = NULL;
	size_t ndrop = 0, cap = 0, i;
	int rc;

	if ((rc = git_repository_config(&cfg, m->repo)) < 0 ||
	    (rc = git_repository_odb(&odb, m->repo)) < 0 ||
	    (rc = git_reference_iterator_new(&it, m->repo)) < 0) {
		rc = err_git(ERR_FAIL, "cannot read the mirror");
		goto out;
	}
	while ((rc = git_reference_next(&ref, it)) == 0) {
		const git_oid *id = git_reference_target(ref);
		int ok;

		if (id != NULL && (ok = ref_target_ok(odb, m->repo, id)) <= 0) {
			if (ok < 0) {
				git_reference_free(ref);
				rc = err_git(ERR_FAIL, "cannot read the objects of the mirror");
				goto out;
			}
			if (ndrop == cap) {
				cap = cap ? 2 * cap : 4;
				drop = xrealloc(drop, cap * sizeof(*drop));
				ids = xrealloc(ids, cap * sizeof(*ids));
			}
			drop[ndrop] = xstrdup(git_reference_name(ref));
			git_oid_cpy(&ids[ndrop++], id);
		}
		git_reference_free(ref);
	}
	if (rc != GIT_ITEROVER) {
		rc = err_git(ERR_FAIL, "cannot list the refs of the mirror");
		goto out;
	}
	/* HEAD of a bare mirror: unborn is fine, unreadable is not. */
	if ((rc = git_repository_head_unborn(m->repo)) < 0 && rc != GIT_ENOTFOUND) {
		rc = err_git(ERR_FAIL, "cannot read HEAD of the mirror");
		goto out;
	}
	for (i = 0; i < ndrop; i++) {
		if ((rc = git_reference_remove(m->repo, drop[i])) < 0) {
			rc = err_git(ERR_FAIL, "cannot delete ref '%s' of the mirror", drop[i]);
			goto out;
		}
		note_repair(m, "the mirror '%s' of '%s': dropped ref '%s', whose object %s it did "
		    "not hold; it is fetched again", m->path, m->safe_url, drop[i],
		    git_oid_tostr_s(&ids[i]));
	}
	rc = 0;
out:
	for (i = 0; i < ndrop; i++)
		free(drop[i]);
	free(drop);
	free(ids);
	git_reference_iterator_free(it);
	git_odb_free(odb);
	git_config_free(cfg);
	return rc;
}

/*
 * The mirror cannot be read: move it to <path>.broken (replacing an older
 * one, kept for a post-mortem) and start an empty one. 0, or <0.
 */
static int
rebuild(struct mirror *m, const char *why)
{
	char *aside = xasprintf("%s.broken", m->path);
	struct stat st;
	int rc;

	git_repository_free(m->repo);
	m->repo = NULL;
	if (lstat(aside, &st) == 0)
		tmpdir_remove(aside);
	if (rename(m->path, aside) != 0 && errno != ENOENT) {
		rc = err_sys(ERR_FAIL, "cannot move the broken mirror '%s' aside (%s)", m->path,
		    why);
		free(aside);
		return rc;
	}
	if (git_repository_init(&m->repo, m->path, 1) < 0) {
		rc = err_git(ERR_FAIL, "cannot create mirror '%s' of '%s'", m->path, m->safe_url);
		free(aside);
		return rc;
	}
	note_repair(m, "the mirror '%s' of '%s' could not be read (%s): moved aside to '%s' "
	    "and rebuilt", m->path, m->safe_url, why, aside);
	free(aside);
	return 0;
}

int
mirror_open(struct mirror *m, const char *cache, const char *url, const char *token)
{
	char *lockpath = NULL, *parent, *why;
	int rc;

	memset(m, 0, sizeof(*m));
	m->lock_fd = -1;
	if (git_libgit2_init() < 0)
		return err_git(ERR_FAIL, "cannot initialise libgit2");
	m->git_inited = 1;
	m->url = xstrdup(url);
	m->safe_url = safe_url(url);
	m->token = token;
	m->path = mirror_path(cache, url);
	lockpath = xasprintf("%s.lock", m->path);
	/* The lock file sits beside the mirror, in the mirror's parent directory. */
	parent = xstrndup(m->path, (size_t)(strrchr(m->path, '/') - m->path));
	rc = util_mkdirs(parent, 0700);
	free(parent);
	if (rc != 0)
		goto fail;
	m->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (m->lock_fd < 0) {
		rc = err_sys(ERR_FAIL, "cannot open lock file '%s'", lockpath);
		goto fail;
	}
	while ((rc = flock(m->lock_fd, LOCK_EX)) != 0 && errno == EINTR)
		;
	if (rc != 0) {
		rc = err_sys(ERR_FAIL, "cannot lock '%s'", lockpath);
		goto fail;
	}
	/* Under the lock: nobody else reads or writes the mirror now. */
	rc = git_repository_open_bare(&m->repo, m->path);
	if (rc == GIT_ENOTFOUND && access(m->path, F_OK) != 0) {
		rc = git_repository_init(&m->repo, m->path, 1);
		if (rc < 0) {
			rc = err_git(ERR_FAIL, "cannot create mirror '%s' of '%s'", m->path,
			    m->safe_url);
			goto fail;
		}
	} else if (rc < 0 || check_refs(m) < 0) {
		if (rc < 0)
			err_git(ERR_FAIL, "cannot open the mirror");
		why = xstrdup(err_last());
		err_clear();
		rc = rebuild(m, why);
		free(why);
		if (rc < 0)
			goto fail;
	}
	free(lockpath);
	return 0;
fail:
	free(lockpath);
	mirror_close(m);
	return rc;
}

void
mirror_unlock(struct mirror *m)
{
	if (m->lock_fd >= 0) {
		close(m->lock_fd); /* drops the flock */
		m->lock_fd = -1;
	}
}

void
mirror_close(struct mirror *m)
{
	if (m == NULL)
		return;
	git_repository_free(m->repo);
	m->repo = NULL;
	mirror_unlock(m);
	free(m->path);
	free(m->url);
	free(m->safe_url);
	m->path = m->url = m->safe_url = NULL;
	for (size_t i = 0; i < m->nrepairs; i++)
		free(m->repairs[i]);
	free(m->repairs);
	m->repairs = NULL;
	m->nrepairs = 0;
	m->token = NULL;
	if (m->git_inited)
		git_libgit2_shutdown();
	m->git_inited = 0;
}

int
mirror_credential(git_credential **out, struct mirror *m, const char *url,
    unsigned int allowed_types)
{
	if (m->token == NULL || !mirror_url_is_http(url) ||
	    !(allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT))
		return GIT_PASSTHROUGH;
	/* Asked again within one operation: the server refused the token. */
	if (m->cred_tries++ > 0) {
		git_error_set_str(GIT_ERROR_NET, "the server rejected the token (HTTP 401)");
		return GIT_EAUTH;
	}
	return git_credential_userpass_plaintext_new(out, "x-access-token", m->token);
}

static int
cred_cb(git_credential **out, const char *url, const char *user, unsigned int allowed,
    void *payload)
{
	(void)user;
	return mirror_credential(out, payload, url, allowed);
}

void
mirror_remote_callbacks(git_remote_callbacks *cbs, struct mirror *m)
{
	git_remote_init_callbacks(cbs, GIT_REMOTE_CALLBACKS_VERSION);
	cbs->credentials = cred_cb;
	cbs->payload = m;
	m->cred_tries = 0;
}

static int
contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

int
mirror_error(struct mirror *m, int git_rc, const char *action)
{
	const git_error *e = git_error_last();
	const char *msg = e != NULL && e->message != NULL ? e->message : "unknown error";
	int klass = e != NULL ? e->klass : GIT_ERROR_NONE;
	const char *url = m->safe_url != NULL ? m->safe_url : "";
	int code;
	const char *why;

	if (git_rc == GIT_EAUTH || contains(msg, "401") || contains(msg, "403") ||
	    contains(msg, "authentication") || contains(msg, "rejected the token")) {
		code = ERR_AUTH;
		if (m->token == NULL)
			/* libgit2's own words ("... but no callback set") name its
			 * API, not anything the user can change. */
			return err_set(code, "cannot %s '%s': the server asks for "
			    "authentication and no token was given (set GITHUB_TOKEN or GH_TOKEN, "
			    "or pass --token-file)", action, url);
		why = "authentication failed (is the token valid and allowed to access it?)";
	} else if (klass == GIT_ERROR_ODB || klass == GIT_ERROR_OBJECT ||
	    klass == GIT_ERROR_REFERENCE || klass == GIT_ERROR_TREE ||
	    klass == GIT_ERROR_INDEXER || klass == GIT_ERROR_ZLIB) {
		/* Local: an object or ref of the mirror, not the remote repository. */
		code = ERR_FAIL;
		why = "the mirror is missing or cannot read an object";
	} else if (contains(msg, "404") || contains(msg, "could not find repository") ||
	    contains(msg, "failed to resolve path") || contains(msg, "epository not found") ||
	    (git_rc == GIT_ENOTFOUND && klass != GIT_ERROR_NET && klass != GIT_ERROR_HTTP)) {
		code = ERR_NOTFOUND;
		why = "repository not found";
	} else if (klass == GIT_ERROR_NET || klass == GIT_ERROR_HTTP || klass == GIT_ERROR_SSL ||
	    klass == GIT_ERROR_SSH || contains(msg, "timed out") || contains(msg, "connect")) {
		code = ERR_NET;
		why = "network error";
	} else {
		code = ERR_FAIL;
		why = "git error";
	}
	return err_set(code, "cannot %s '%s': %s: %s", action, url, why, msg);
}

static const git_remote_head *
find_head(const git_remote_head **heads, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(heads[i]->name, name) == 0)
			return heads[i];
	return NULL;
}

static int
connect_remote(git_remote **out, struct mirror *m, git_remote_callbacks *cbs,
    const char *action)
{
	git_remote_create_options opts;
	struct stat st;
	int rc;

	*out = NULL;
	git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	/* libgit2 calls a missing local path an "unsupported URL protocol". */
	if (is_local_path(m->url) && stat(m->url, &st) != 0)
		return err_sys(ERR_NOTFOUND, "cannot %s '%s': repository not found", action,
		    m->safe_url);
	mirror_remote_callbacks(cbs, m);
	/*
	 * An in-memory remote. Skipping url.*.insteadOf also keeps libgit2
	 * 1.5 away from a regex path that leaks pcre2 match data per remote.
	 */
	opts.repository = m->repo;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if ((rc = git_remote_create_with_opts(out, m->url, &opts)) < 0)
		return mirror_error(m, rc, action);
	if ((rc = git_remote_connect(*out, GIT_DIRECTION_FETCH, cbs, NULL, NULL)) < 0) {
		rc = mirror_error(m, rc, action);
		git_remote_free(*out);
		*out = NULL;
		return rc;
	}
	return 0;
}

int
mirror_fetch(struct mirror *m, const char *const *branches, const int *optional, size_t n)
{
	git_fetch_options fo;
	git_remote *remote = NULL;
	const git_remote_head **heads;
	const git_remote_head *h;
	git_reference *ref;
	git_strarray specs = { NULL, 0 };
	git_oid have;
	char *refname = NULL;
	size_t nheads, i;
	int rc;

	if (n == 0)
		return 0;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	for (i = 0; i < n; i++) {
		free(refname);
		refname = xasprintf("refs/heads/%s", branches[i]);
		if (!git_reference_is_valid_name(refname)) {
			rc = err_set(ERR_CONFIG, "cannot fetch '%s': invalid branch name '%s'",
			    m->safe_url, branches[i]);
			goto done;
		}
	}
	if ((rc = connect_remote(&remote, m, &fo.callbacks, "fetch")) != 0)
		goto done;
	if ((rc = git_remote_ls(&heads, &nheads, remote)) < 0) {
		rc = mirror_error(m, rc, "list the branches of");
		goto done;
	}
	specs.strings = xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++) {
		free(refname);
		refname = xasprintf("refs/heads/%s", branches[i]);
		h = find_head(heads, nheads, refname);
		if (h == NULL && (optional == NULL || !optional[i])) {
			rc = err_set(ERR_NOTFOUND, "cannot fetch '%s': branch '%s' not found",
			    m->safe_url, branches[i]);
			goto done;
		}
		if (h == NULL) {
			/* Gone on the remote: a stale local copy would lie. */
			if (git_reference_lookup(&ref, m->repo, refname) == 0) {
				git_reference_delete(ref);
				git_reference_free(ref);
			}
			continue;
		}
		if (git_reference_name_to_id(&have, m->repo, refname) == 0 &&
		    git_oid_equal(&have, &h->oid))
			continue;
		specs.strings[specs.count++] = xasprintf("+%s:%s", refname, refname);
	}
	if (specs.count == 0) {
		rc = 0;
		goto done;
	}
	fo.prune = GIT_FETCH_NO_PRUNE;
	fo.update_fetchhead = 0;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if ((rc = git_remote_fetch(remote, &specs, &fo, "repocast: fetch")) < 0) {
		rc = mirror_error(m, rc, "fetch");
		goto done;
	}
	/* Double-check: libgit2 skips refspecs quietly when the remote moved. */
	for (i = 0; i < specs.count; i++) {
		const char *dst = strchr(specs.strings[i], ':') + 1;

		if (git_reference_name_to_id(&have, m->repo, dst) != 0) {
			rc = err_set(ERR_FAIL, "cannot fetch '%s': '%s' was not updated",
			    m->safe_url, dst);
			goto done;
		}
	}
	rc = 0;
done:
	if (remote != NULL) {
		git_remote_disconnect(remote);
		git_remote_free(remote);
	}
	for (i = 0; i < specs.count; i++)
		free(specs.strings[i]);
	free(specs.strings);
	free(refname);
	return rc;
}

int
mirror_fetch_tags(struct mirror *m, const char *pattern)
{
	git_fetch_options fo;
	git_remote *remote = NULL;
	char *spec = xasprintf("+refs/tags/%s:refs/tags/%s", pattern, pattern);
	char *specs_v[1] = { spec };
	git_strarray specs = { specs_v, 1 };
	int rc;

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	if ((rc = connect_remote(&remote, m, &fo.callbacks, "fetch")) != 0)
		goto done;
	/* A tag deleted or moved on the remote must not survive in the mirror. */
	fo.prune = GIT_FETCH_PRUNE;
	fo.update_fetchhead = 0;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if ((rc = git_remote_fetch(remote, &specs, &fo, "repocast: fetch tags")) < 0)
		rc = mirror_error(m, rc, "fetch the tags of");
done:
	if (remote != NULL) {
		git_remote_disconnect(remote);
		git_remote_free(remote);
	}
	free(spec);
	return rc;
}

int
mirror_default_branch(char **branch, struct mirror *m)
{
	git_remote_callbacks cbs;
	git_remote *remote = NULL;
	git_buf b = { NULL, 0, 0 };
	int rc;

	*branch = NULL;
	if ((rc = connect_remote(&remote, m, &cbs, "read the default branch of")) != 0)
		return rc;
	rc = git_remote_default_branch(&b, remote);
	if (rc == GIT_ENOTFOUND) {
		rc = err_set(ERR_NOTFOUND, "cannot read the default branch of '%s': "
		    "the remote has no HEAD (empty repository?)", m->safe_url);
	} else if (rc < 0) {
		rc = mirror_error(m, rc, "read the default branch of");
	} else if (strncmp(b.ptr, "refs/heads/", 11) != 0) {
		rc = err_set(ERR_FAIL, "cannot read the default branch of '%s': HEAD points at '%s'",
		    m->safe_url, b.ptr);
	} else {
		*branch = xstrdup(b.ptr + 11);
		rc = 0;
	}
	git_buf_dispose(&b);
	git_remote_disconnect(remote);
	git_remote_free(remote);
	return rc;
}

int
mirror_branch_oid(git_oid *out, struct mirror *m, const char *branch)
{
	char *refname = xasprintf("refs/heads/%s", branch);
	int rc;

	rc = git_reference_name_to_id(out, m->repo, refname);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		rc = err_set(ERR_NOTFOUND, "branch '%s' not found in the mirror of '%s'", branch,
		    m->safe_url);
	else if (rc < 0)
		rc = err_git(ERR_FAIL, "cannot resolve branch '%s' in the mirror of '%s'", branch,
		    m->safe_url);
	free(refname);
	return rc;
}
