#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/git/mirror.h"
#include "shared/util.h"
#include "tests/gitfix.h"

/* A source repo "remote" with one commit on main, plus a cache dir. */
struct fix {
	char *dir;
	char *remote_path;
	char *cache;
	git_repository *remote;
	git_oid tip;
};

static void
fix_setup(struct fix *f, const char *head)
{
	struct gitfix_file files[] = {
		{ "README.md", "hello\n", 0, 0 },
		{ "ci/build.yml", "on: push\n", 0, 0 },
	};

	git_libgit2_init();
	f->dir = gitfix_tmpdir();
	f->remote_path = xasprintf("%s/remote/acme/api.git", f->dir);
	f->cache = xasprintf("%s/cache", f->dir);
	f->remote = gitfix_init(f->remote_path, head);
	gitfix_commit(&f->tip, f->remote, head, files, ARRAY_SIZE(files));
}

static void
fix_teardown(struct fix *f)
{
	git_repository_free(f->remote);
	gitfix_rmrf(f->dir);
	free(f->dir);
	free(f->remote_path);
	free(f->cache);
	git_libgit2_shutdown();
}

START_TEST(test_mirror_path_layout)
{
	char *p;

	p = mirror_path("/c", "https://github.com/acme/api.git");
	ck_assert_str_eq(p, "/c/mirrors/github.com/acme/api.git");
	free(p);
	p = mirror_path("/c", "https://github.com/acme/api");
	ck_assert_str_eq(p, "/c/mirrors/github.com/acme/api.git");
	free(p);
	p = mirror_path("/c", "https://x-access-token:secret@GitHub.com:8443/acme/api/");
	ck_assert_str_eq(p, "/c/mirrors/github.com_8443/acme/api.git");
	free(p);
	p = mirror_path("/c", "git@github.com:acme/api.git");
	ck_assert_str_eq(p, "/c/mirrors/github.com/acme/api.git");
	free(p);
	p = mirror_path("/c", "http://127.0.0.1:9000/../../etc/x y.git");
	ck_assert_str_eq(p, "/c/mirrors/127.0.0.1_9000/_/_/etc/x_y.git");
	free(p);
	p = mirror_path("/c", "http://../a/b");
	ck_assert_str_eq(p, "/c/mirrors/._/a/b.git");
	free(p);
	p = mirror_path("/c", "file:///no/such/dir/repo.git");
	ck_assert_str_eq(p, "/c/mirrors/local/no/such/dir/repo.git");
	free(p);
	p = mirror_path("/c", "/no/such/dir/repo");
	ck_assert_str_eq(p, "/c/mirrors/local/no/such/dir/repo.git");
	free(p);
	p = mirror_path("/c", "https://github.com/");
	ck_assert_str_eq(p, "/c/mirrors/github.com/_.git");
	free(p);
}
END_TEST

START_TEST(test_mirror_repo_url)
{
	char *dir, *p, *want;

	p = mirror_repo_url("https://github.com/", "acme/api");
	ck_assert_str_eq(p, "https://github.com/acme/api.git");
	free(p);
	p = mirror_repo_url("http://127.0.0.1:8080/git", "acme/api");
	ck_assert_str_eq(p, "http://127.0.0.1:8080/git/acme/api.git");
	free(p);
	dir = gitfix_tmpdir();
	/* Local base: owner/name.git when absent everywhere... */
	p = mirror_repo_url(dir, "acme/api");
	want = xasprintf("%s/acme/api.git", dir);
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
	/* ...owner/name when only that exists... */
	want = xasprintf("%s/acme", dir);
	ck_assert_int_eq(mkdir(want, 0700), 0);
	free(want);
	want = xasprintf("%s/acme/api", dir);
	ck_assert_int_eq(mkdir(want, 0700), 0);
	p = mirror_repo_url(dir, "acme/api");
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
	/* ...and the .git form once it exists, also through file://. */
	want = xasprintf("%s/acme/api.git", dir);
	ck_assert_int_eq(mkdir(want, 0700), 0);
	free(want);
	{
		char *base = xasprintf("file://%s/", dir);

		p = mirror_repo_url(base, "acme/api");
		want = xasprintf("file://%s/acme/api.git", dir);
		ck_assert_str_eq(p, want);
		free(p);
		free(want);
		free(base);
	}
	gitfix_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_mirror_open_creates)
{
	struct fix f;
	struct mirror m;
	struct stat st;
	char *want, *lock;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_ptr_nonnull(m.repo);
	ck_assert_int_eq(git_repository_is_bare(m.repo), 1);
	ck_assert_int_ge(m.lock_fd, 0);
	want = mirror_path(f.cache, f.remote_path);
	ck_assert_str_eq(m.path, want);
	ck_assert_ptr_nonnull(strstr(m.path, "/mirrors/local/"));
	ck_assert_int_eq(stat(m.path, &st), 0);
	lock = xasprintf("%s.lock", m.path);
	ck_assert_int_eq(stat(lock, &st), 0);
	mirror_close(&m);
	ck_assert_int_eq(m.lock_fd, -1);
	ck_assert_ptr_null(m.repo);
	mirror_close(&m); /* twice is harmless */
	/* Re-opening an existing mirror works. */
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	mirror_close(&m);
	free(lock);
	free(want);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_fetch_incremental)
{
	struct gitfix_file more[] = { { "new.txt", "new\n", 0, 0 } };
	const char *br[] = { "main" };
	struct fix f;
	struct mirror m;
	git_oid got, tip2;
	char *url;

	fix_setup(&f, "main");
	url = xasprintf("file://%s", f.remote_path);
	ck_assert_int_eq(mirror_open(&m, f.cache, url, NULL), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "branch 'main' not found"));
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	ck_assert(git_oid_equal(&got, &f.tip));
	/* No new commits: a no-op. */
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	ck_assert(git_oid_equal(&got, &f.tip));
	/* A new commit arrives with the second fetch, objects included. */
	gitfix_commit(&tip2, f.remote, "main", more, 1);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	ck_assert(git_oid_equal(&got, &tip2));
	{
		git_commit *c = NULL;

		ck_assert_int_eq(git_commit_lookup(&c, m.repo, &tip2), 0);
		ck_assert(git_oid_equal(git_commit_parent_id(c, 0), &f.tip));
		git_commit_free(c);
	}
	/* Force update: the remote branch is rewritten to an unrelated commit. */
	{
		git_reference *r = NULL;
		git_oid root;

		ck_assert_int_eq(git_reference_lookup(&r, f.remote, "refs/heads/main"), 0);
		ck_assert_int_eq(git_reference_delete(r), 0);
		git_reference_free(r);
		gitfix_commit(&root, f.remote, "main", more, 1);
		ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
		ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
		ck_assert(git_oid_equal(&got, &root));
	}
	mirror_close(&m);
	free(url);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_fetch_optional)
{
	const char *br[] = { "main", "chore/sync-files-x" };
	const int opt[] = { 0, 1 };
	struct fix f;
	struct mirror m;
	git_oid got;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, opt, 2), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "chore/sync-files-x"), ERR_NOTFOUND);
	/* Present: fetched. */
	gitfix_commit(NULL, f.remote, "chore/sync-files-x", NULL, 0);
	ck_assert_int_eq(mirror_fetch(&m, br, opt, 2), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "chore/sync-files-x"), 0);
	/* Deleted on the remote: the stale mirror ref goes too. */
	{
		git_reference *r = NULL;

		ck_assert_int_eq(git_reference_lookup(&r, f.remote,
		    "refs/heads/chore/sync-files-x"), 0);
		ck_assert_int_eq(git_reference_delete(r), 0);
		git_reference_free(r);
	}
	ck_assert_int_eq(mirror_fetch(&m, br, opt, 2), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "chore/sync-files-x"), ERR_NOTFOUND);
	mirror_close(&m);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_fetch_required_missing)
{
	const char *br[] = { "main", "release" };
	struct fix f;
	struct mirror m;
	git_oid got;
	char *want;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 2), ERR_NOTFOUND);
	want = xasprintf("cannot fetch '%s': branch 'release' not found", f.remote_path);
	ck_assert_str_eq(err_last(), want);
	/* Nothing was written. */
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), ERR_NOTFOUND);
	mirror_close(&m);
	free(want);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_fetch_bad_branch_name)
{
	const char *br[] = { "bad..name" };
	struct fix f;
	struct mirror m;
	char *want;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), ERR_CONFIG);
	want = xasprintf("cannot fetch '%s': invalid branch name 'bad..name'", f.remote_path);
	ck_assert_str_eq(err_last(), want);
	/* Zero branches: nothing to do, no connection. */
	ck_assert_int_eq(mirror_fetch(&m, NULL, NULL, 0), 0);
	mirror_close(&m);
	free(want);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_fetch_no_repo)
{
	const char *br[] = { "main" };
	struct fix f;
	struct mirror m;
	char *url, *prefix;
	char *b;

	fix_setup(&f, "main");
	url = xasprintf("%s/remote/acme/nope.git", f.dir);
	ck_assert_int_eq(mirror_open(&m, f.cache, url, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), ERR_NOTFOUND);
	prefix = xasprintf("cannot fetch '%s': repository not found: ", url);
	ck_assert_msg(strncmp(err_last(), prefix, strlen(prefix)) == 0, "%s", err_last());
	ck_assert_int_eq(mirror_default_branch(&b, &m), ERR_NOTFOUND);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(err_last(), url));
	mirror_close(&m);
	free(prefix);
	free(url);
	/* The same through file://, where libgit2 itself reports it. */
	url = xasprintf("file://%s/remote/acme/nope.git", f.dir);
	ck_assert_int_eq(mirror_open(&m, f.cache, url, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), ERR_NOTFOUND);
	prefix = xasprintf("cannot fetch '%s': repository not found: ", url);
	ck_assert_msg(strncmp(err_last(), prefix, strlen(prefix)) == 0, "%s", err_last());
	mirror_close(&m);
	free(prefix);
	free(url);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_default_branch)
{
	struct fix f;
	struct mirror m;
	char *b = NULL;
	char *url;

	fix_setup(&f, "develop");
	gitfix_commit(NULL, f.remote, "main", NULL, 0);
	url = xasprintf("file://%s", f.remote_path);
	ck_assert_int_eq(mirror_open(&m, f.cache, url, NULL), 0);
	ck_assert_int_eq(mirror_default_branch(&b, &m), 0);
	ck_assert_str_eq(b, "develop");
	free(b);
	mirror_close(&m);
	free(url);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_default_branch_empty)
{
	struct mirror m;
	git_repository *r;
	char *dir, *path, *cache, *b = NULL;

	git_libgit2_init();
	dir = gitfix_tmpdir();
	path = xasprintf("%s/empty.git", dir);
	cache = xasprintf("%s/cache", dir);
	r = gitfix_init(path, "main");
	ck_assert_int_eq(mirror_open(&m, cache, path, NULL), 0);
	ck_assert_int_eq(mirror_default_branch(&b, &m), ERR_NOTFOUND);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(err_last(), "has no HEAD"));
	mirror_close(&m);
	git_repository_free(r);
	gitfix_rmrf(dir);
	free(dir);
	free(path);
	free(cache);
	git_libgit2_shutdown();
}
END_TEST

static int
readable_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms);
}

START_TEST(test_mirror_lock_blocks)
{
	struct fix f;
	struct mirror m;
	int fds[2], status;
	pid_t pid;
	char c;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct mirror m2;

		close(fds[0]);
		/* An inherited descriptor shares the parent's lock. */
		close(m.lock_fd);
		if (mirror_open(&m2, f.cache, f.remote_path, NULL) != 0)
			_exit(2);
		if (write(fds[1], "L", 1) != 1)
			_exit(3);
		mirror_close(&m2);
		_exit(0);
	}
	close(fds[1]);
	/* The child blocks while we hold the lock... */
	ck_assert_int_eq(readable_within(fds[0], 300), 0);
	mirror_close(&m);
	/* ...and gets it as soon as we let go. */
	ck_assert_int_eq(readable_within(fds[0], 10000), 1);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	ck_assert_int_eq(c, 'L');
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fds[0]);
	fix_teardown(&f);
}
END_TEST


/*
 * A loopback HTTP server answering git's smart-HTTP discovery request:
 * /missing/... 404, /forbidden/... 403, /private/... 401 unless the basic
 * credentials are x-access-token:good-token (then 404: accepted, no repo).
 */
static const char http_server[] =
    "import base64,http.server,sys\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "  def log_message(self,*a): pass\n"
    "  def do_GET(self):\n"
    "    good='Basic '+base64.b64encode(b'x-access-token:good-token').decode()\n"
    "    if '/private/' in self.path and self.headers.get('Authorization')!=good:\n"
    "      self.send_response(401)\n"
    "      self.send_header('WWW-Authenticate','Basic realm=\"t\"')\n"
    "    elif '/forbidden/' in self.path: self.send_response(403)\n"
    "    else: self.send_response(404)\n"
    "    self.send_header('Content-Length','0')\n"
    "    self.end_headers()\n"
    "s=http.server.HTTPServer(('127.0.0.1',0),H)\n"
    "print(s.server_address[1],flush=True)\n"
    "s.serve_forever()\n";

static pid_t
http_start(int *port)
{
	int fds[2];
	char line[32];
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execlp("python3", "python3", "-c", http_server, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	/* The whole line: the server dies of EPIPE if "\n" finds no reader. */
	while (len == 0 || line[len - 1] != '\n') {
		ck_assert_int_eq(readable_within(fds[0], 10000), 1);
		n = read(fds[0], line + len, sizeof(line) - 1 - len);
		ck_assert_int_gt(n, 0);
		len += (size_t)n;
		ck_assert_uint_lt(len, sizeof(line) - 1);
	}
	line[len] = '\0';
	*port = atoi(line);
	ck_assert_int_gt(*port, 0);
	close(fds[0]);
	return pid;
}

static void
http_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* Fetch url with token; return the code, leave the message in err_last. */
static int
http_fetch(const char *cache, const char *url, const char *token)
{
	const char *br[] = { "main" };
	struct mirror m;
	int rc;

	ck_assert_int_eq(mirror_open(&m, cache, url, token), 0);
	rc = mirror_fetch(&m, br, NULL, 1);
	mirror_close(&m);
	return rc;
}

START_TEST(test_mirror_http_errors)
{
	char *dir, *cache, *url;
	int port, rc;
	pid_t pid;

	git_libgit2_init();
	dir = gitfix_tmpdir();
	cache = xasprintf("%s/cache", dir);
	pid = http_start(&port);

	url = xasprintf("http://127.0.0.1:%d/missing/repo.git", port);
	rc = http_fetch(cache, url, NULL);
	ck_assert_msg(rc == ERR_NOTFOUND, "%d %s", rc, err_last());
	ck_assert_ptr_nonnull(strstr(err_last(), "repository not found"));
	ck_assert_ptr_nonnull(strstr(err_last(), url));
	free(url);

	url = xasprintf("http://127.0.0.1:%d/forbidden/repo.git", port);
	ck_assert_int_eq(http_fetch(cache, url, "good-token"), ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), "authentication failed"));
	ck_assert_ptr_null(strstr(err_last(), "good-token"));
	free(url);

	/* No token: 401 is an auth error. */
	url = xasprintf("http://127.0.0.1:%d/private/repo.git", port);
	ck_assert_int_eq(http_fetch(cache, url, NULL), ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), url));
	ck_assert_ptr_nonnull(strstr(err_last(), "no token was given"));
	/* A rejected token: asked once, then ERR_AUTH, token never echoed. */
	ck_assert_int_eq(http_fetch(cache, url, "bad-secret-token"), ERR_AUTH);
	ck_assert_msg(strncmp(err_last(), "cannot fetch '", 14) == 0, "%s", err_last());
	ck_assert_ptr_null(strstr(err_last(), "bad-secret-token"));
	/* The right token is sent as x-access-token: accepted (then 404). */
	ck_assert_int_eq(http_fetch(cache, url, "good-token"), ERR_NOTFOUND);
	free(url);

	/* Credentials in the URL never reach a message. */
	url = xasprintf("http://user:pw-in-url@127.0.0.1:%d/missing/repo.git", port);
	ck_assert_int_eq(http_fetch(cache, url, NULL), ERR_NOTFOUND);
	ck_assert_ptr_null(strstr(err_last(), "pw-in-url"));
	ck_assert_ptr_nonnull(strstr(err_last(), "http://127.0.0.1:"));
	free(url);

	http_stop(pid);
	/* Nothing listens now: a network error. */
	url = xasprintf("http://127.0.0.1:%d/missing/repo.git", port);
	ck_assert_int_eq(http_fetch(cache, url, NULL), ERR_NET);
	ck_assert_ptr_nonnull(strstr(err_last(), "network error"));
	free(url);

	gitfix_rmrf(dir);
	free(dir);
	free(cache);
	git_libgit2_shutdown();
}
END_TEST

START_TEST(test_mirror_unlock_keeps_repo)
{
	struct fix f;
	struct mirror m, m2;
	const char *br[] = { "main" };
	git_oid got;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	mirror_unlock(&m);
	ck_assert_int_eq(m.lock_fd, -1);
	/* Another opener is not blocked now; the first still reads. */
	ck_assert_int_eq(mirror_open(&m2, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	ck_assert(git_oid_equal(&got, &f.tip));
	mirror_close(&m2);
	mirror_close(&m);
	fix_teardown(&f);
}
END_TEST

START_TEST(test_mirror_open_bad_cache)
{
	struct mirror m;
	char *dir, *cache;

	dir = gitfix_tmpdir();
	cache = xasprintf("%s/file", dir);
	ck_assert_int_eq(close(creat(cache, 0600)), 0);
	ck_assert_int_eq(mirror_open(&m, cache, "https://github.com/a/b", NULL), ERR_FAIL);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot create directory"));
	ck_assert_ptr_null(m.repo);
	ck_assert_int_eq(m.lock_fd, -1);
	mirror_close(&m);
	gitfix_rmrf(dir);
	free(dir);
	free(cache);
}
END_TEST

/* Write refs/heads/<name> of the repository at path as a loose ref file. */
static void
write_ref(const char *path, const char *name, const git_oid *id)
{
	char *file = xasprintf("%s/refs/heads/%s", path, name);
	FILE *fp = fopen(file, "w");

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "%s\n", git_oid_tostr_s(id));
	ck_assert_int_eq(fclose(fp), 0);
	free(file);
}

/*
 * A ref naming a commit the mirror does not hold (a run killed between the
 * ref update and its objects), at the commit the remote has: a fetch alone
 * would keep it (the remote is "current"). Open drops it with a note, and
 * the next fetch brings the branch back, objects included.
 */
START_TEST(test_mirror_open_drops_dangling_ref)
{
	struct gitfix_file more[] = { { "sync.txt", "sync\n", 0, 0 } };
	const char *br[] = { "main", "sync" };
	struct fix f;
	struct mirror m;
	git_commit *c = NULL;
	git_oid got, lost;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_uint_eq(m.nrepairs, 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	gitfix_commit(&lost, f.remote, "sync", more, 1);
	write_ref(m.path, "sync", &lost);
	mirror_close(&m);

	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_uint_eq(m.nrepairs, 1);
	ck_assert_ptr_nonnull(strstr(m.repairs[0], "dropped ref 'refs/heads/sync'"));
	ck_assert_ptr_nonnull(strstr(m.repairs[0], git_oid_tostr_s(&lost)));
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "sync"), ERR_NOTFOUND);
	/* main was sound and is kept. */
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	ck_assert(git_oid_equal(&got, &f.tip));
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 2), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "sync"), 0);
	ck_assert(git_oid_equal(&got, &lost));
	ck_assert_int_eq(git_commit_lookup(&c, m.repo, &got), 0);
	git_commit_free(c);
	mirror_close(&m);
	/* Repaired: the next open has nothing to say. */
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_uint_eq(m.nrepairs, 0);
	mirror_close(&m);
	fix_teardown(&f);
}
END_TEST

/* A commit that is there but whose tree is not: dropped too. */
START_TEST(test_mirror_open_drops_commit_without_tree)
{
	const char *br[] = { "main" };
	struct fix f;
	struct mirror m;
	git_oid got, tree, commit;
	git_odb *odb = NULL;
	char *loose;
	char buf[256];
	int n;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	/* A loose commit naming a tree nobody wrote. */
	ck_assert_int_eq(git_oid_fromstr(&tree, "0123456789012345678901234567890123456789"), 0);
	n = snprintf(buf, sizeof(buf), "tree %s\nauthor A <a@b> 1 +0000\n"
	    "committer A <a@b> 1 +0000\n\nlost\n", git_oid_tostr_s(&tree));
	ck_assert_int_eq(git_repository_odb(&odb, m.repo), 0);
	ck_assert_int_eq(git_odb_write(&commit, odb, buf, (size_t)n, GIT_OBJECT_COMMIT), 0);
	git_odb_free(odb);
	write_ref(m.path, "half", &commit);
	loose = xasprintf("%s/objects/%.2s", m.path, git_oid_tostr_s(&commit));
	ck_assert_int_eq(access(loose, F_OK), 0);
	free(loose);
	mirror_close(&m);

	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_uint_eq(m.nrepairs, 1);
	ck_assert_ptr_nonnull(strstr(m.repairs[0], "dropped ref 'refs/heads/half'"));
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "half"), ERR_NOTFOUND);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	mirror_close(&m);
	fix_teardown(&f);
}
END_TEST

/* A mirror that cannot be read is moved aside and rebuilt, and fetches again. */
START_TEST(test_mirror_open_rebuilds_unreadable)
{
	const char *br[] = { "main" };
	struct fix f;
	struct mirror m;
	struct stat st;
	git_oid got;
	char *config, *aside;
	FILE *fp;

	fix_setup(&f, "main");
	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	config = xasprintf("%s/config", m.path);
	aside = xasprintf("%s.broken", m.path);
	mirror_close(&m);
	fp = fopen(config, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("[core\n\tbare = \n", fp);
	ck_assert_int_eq(fclose(fp), 0);

	ck_assert_int_eq(mirror_open(&m, f.cache, f.remote_path, NULL), 0);
	ck_assert_uint_eq(m.nrepairs, 1);
	ck_assert_ptr_nonnull(strstr(m.repairs[0], "moved aside"));
	ck_assert_ptr_nonnull(strstr(m.repairs[0], "config"));
	ck_assert_int_eq(stat(aside, &st), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), ERR_NOTFOUND);
	ck_assert_int_eq(mirror_fetch(&m, br, NULL, 1), 0);
	ck_assert_int_eq(mirror_branch_oid(&got, &m, "main"), 0);
	ck_assert(git_oid_equal(&got, &f.tip));
	mirror_close(&m);
	free(config);
	free(aside);
	fix_teardown(&f);
}
END_TEST

/* A missing local object is not a missing repository. */
START_TEST(test_mirror_error_missing_object)
{
	struct mirror m;

	git_libgit2_init();
	memset(&m, 0, sizeof(m));
	m.safe_url = (char *)"https://github.com/acme/api.git";
	git_error_set_str(GIT_ERROR_ODB, "object not found - no match for id (0123)");
	ck_assert_int_eq(mirror_error(&m, GIT_ENOTFOUND, "push to"), ERR_FAIL);
	ck_assert_ptr_null(strstr(err_last(), "repository not found"));
	ck_assert_ptr_nonnull(strstr(err_last(), "object not found"));
	git_error_set_str(GIT_ERROR_HTTP, "unexpected http status code: 404");
	ck_assert_int_eq(mirror_error(&m, -1, "fetch"), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "repository not found"));
	err_clear();
	git_libgit2_shutdown();
}
END_TEST

Suite *
mirror_suite(void)
{
	Suite *s = suite_create("mirror");
	TCase *tc = tcase_create("path");

	tcase_add_test(tc, test_mirror_path_layout);
	tcase_add_test(tc, test_mirror_repo_url);
	suite_add_tcase(s, tc);
	tc = tcase_create("local");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_mirror_open_creates);
	tcase_add_test(tc, test_mirror_fetch_incremental);
	tcase_add_test(tc, test_mirror_fetch_optional);
	tcase_add_test(tc, test_mirror_fetch_required_missing);
	tcase_add_test(tc, test_mirror_fetch_bad_branch_name);
	tcase_add_test(tc, test_mirror_fetch_no_repo);
	tcase_add_test(tc, test_mirror_default_branch);
	tcase_add_test(tc, test_mirror_default_branch_empty);
	tcase_add_test(tc, test_mirror_unlock_keeps_repo);
	tcase_add_test(tc, test_mirror_open_bad_cache);
	tcase_add_test(tc, test_mirror_open_drops_dangling_ref);
	tcase_add_test(tc, test_mirror_open_drops_commit_without_tree);
	tcase_add_test(tc, test_mirror_open_rebuilds_unreadable);
	tcase_add_test(tc, test_mirror_error_missing_object);
	suite_add_tcase(s, tc);
	tc = tcase_create("lock");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_mirror_lock_blocks);
	suite_add_tcase(s, tc);
	tc = tcase_create("http");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mirror_http_errors);
	suite_add_tcase(s, tc);
	return s;
}
