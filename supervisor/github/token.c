/* token — see token.h. */
#include "supervisor/github/token.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

/* Check and copy a candidate; src names where it came from (never the value). */
static int
take(struct token **out, const char *val, size_t len, const char *src)
{
	struct token *t;
	size_t i;

	while (len > 0 && (val[len - 1] == '\n' || val[len - 1] == '\r' ||
	    val[len - 1] == ' ' || val[len - 1] == '\t'))
		len--;
	if (len == 0)
		return err_set(ERR_CONFIG, "github token from %s is empty", src);
	if (len > TOKEN_MAX)
		return err_set(ERR_LIMIT, "github token from %s is longer than %d bytes",
		    src, TOKEN_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c <= ' ' || c == 0x7f)
			return err_set(ERR_CONFIG, "github token from %s contains "
			    "whitespace or control characters", src);
	}
	t = xcalloc(1, sizeof(*t));
	t->value = xstrndup(val, len);
	t->source = src;
	*out = t;
	return 0;
}

void
token_chmod_hint(struct buf *b, const char *file)
{
	const char *p;

	buf_addstr(b, "chmod 600 ");
	if (file[0] != '\0' && strspn(file, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_./-+,:@%=") == strlen(file)) {
		buf_addstr(b, file);
		return;
	}
	buf_addch(b, '\'');
	for (p = file; *p != '\0'; p++) {
		if (*p == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addch(b, *p);
	}
	buf_addch(b, '\'');
}

/*
 * The file's bytes, read from the descriptor whose mode was checked (no
 * window between the check and the read). As ssh does for a private key,
 * a token file that its group or others may read or write is refused.
 */
static int
load_file(struct token **out, const char *file)
{
	struct buf b = BUF_INIT, hint = BUF_INIT;
	struct stat st;
	char chunk[512];
	ssize_t n;
	int fd, rc;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return err_sys(errno == ENOENT ? ERR_NOTFOUND : ERR_FAIL,
		    "cannot read token file: cannot open '%s'", file);
	if (fstat(fd, &st) < 0) {
		rc = err_sys(ERR_FAIL, "cannot read token file: cannot stat '%s'", file);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(ERR_CONFIG, "token file '%s' is not a regular file", file);
		goto out;
	}
	if (st.st_mode & 077) {
		token_chmod_hint(&hint, file);
		rc = err_set(ERR_CONFIG, "token file '%s' is accessible by group or others (mode"
		    " %04o): run '%s' and try again", file, (unsigned)(st.st_mode & 07777),
		    hint.ptr);
		goto out;
	}
	if (st.st_size > TOKEN_MAX + 2) {
		rc = err_set(ERR_LIMIT, "github token from --token-file is longer than %d bytes",
		    TOKEN_MAX);
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(ERR_FAIL, "cannot read token file '%s'", file);
			goto out;
		}
		buf_add(&b, chunk, (size_t)n);
		if (b.len > TOKEN_MAX + 2) {
			rc = err_set(ERR_LIMIT, "github token from --token-file is longer than %d"
			    " bytes", TOKEN_MAX);
			goto out;
		}
	}
	rc = take(out, b.ptr != NULL ? b.ptr : "", b.len, "--token-file");
out:
	util_wipe(chunk, sizeof(chunk));
	if (b.ptr != NULL)
		util_wipe(b.ptr, b.len);
	buf_release(&b);
	buf_release(&hint);
	close(fd);
	return rc;
}

int
token_load(struct token **out, const char *file)
{
	const char *v;

	*out = NULL;
	if (file != NULL)
		return load_file(out, file);
	if ((v = getenv("GITHUB_TOKEN")) != NULL && v[0] != '\0')
		return take(out, v, strlen(v), "GITHUB_TOKEN");
	if ((v = getenv("GH_TOKEN")) != NULL && v[0] != '\0')
		return take(out, v, strlen(v), "GH_TOKEN");
	return err_set(ERR_AUTH, "no github token: set GITHUB_TOKEN or GH_TOKEN, "
	    "or pass --token-file");
}

/* How long `gh auth token` may take (it may wait on a keyring). */
#define GH_TIMEOUT_MS 10000

extern char **environ;

/* The first executable "gh" on PATH, or NULL. */
static char *
find_gh(void)
{
	const char *path = getenv("PATH"), *p;

	if (path == NULL)
		return NULL;
	for (p = path;; p++) {
		size_t n = strcspn(p, ":");
		char *cand;

		if (n > 0 && n < PATH_MAX) {
			struct stat st;

			cand = xasprintf("%.*s/gh", (int)n, p);
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		p += n;
		if (*p == '\0')
			return NULL;
	}
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Run gh auth token and read its stdout into b (at most TOKEN_MAX + 2
 * bytes). 0 when gh exited 0 in time; -1 otherwise (err_last says why).
 */
static int
run_gh(struct buf *b, const char *gh, const char *host)
{
	char *argv[6] = { (char *)"gh", (char *)"auth", (char *)"token", NULL, NULL, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	int fds[2] = { -1, -1 }, e, status = 0, rc = -1;
	uint64_t deadline;
	pid_t pid = -1;
	char chunk[256];

	if (host != NULL) {
		argv[3] = (char *)"--hostname";
		argv[4] = (char *)host;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_sys(ERR_FAIL, "cannot run '%s auth token'", gh);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	e = posix_spawn(&pid, gh, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[1]);
	if (e != 0) {
		close(fds[0]);
		errno = e;
		return err_sys(ERR_FAIL, "cannot run '%s auth token'", gh);
	}
	/* Room for the whole answer up front: no realloc leaves a copy behind. */
	buf_grow(b, TOKEN_MAX + 3);
	deadline = mono_ms() + GH_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		uint64_t now = mono_ms();
		ssize_t n;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			err_set(ERR_TIMEOUT, "'%s auth token' took longer than %d s", gh,
			    GH_TIMEOUT_MS / 1000);
			goto reap;
		}
		if (poll(&pfd, 1, (int)(deadline - now)) < 0) {
			if (errno == EINTR)
				continue;
			kill(pid, SIGKILL);
			err_sys(ERR_FAIL, "cannot read from '%s auth token'", gh);
			goto reap;
		}
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b->len + (size_t)n <= TOKEN_MAX + 2)
			buf_add(b, chunk, (size_t)n);
		util_wipe(chunk, sizeof(chunk));
	}
	rc = 0;
reap:
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = err_set(ERR_AUTH, "'%s auth token' failed (not logged in?)", gh);
	return rc;
}

int
token_find(struct token **out, const char *file, const char *host)
{
	struct buf b = BUF_INIT;
	char *gh;
	int rc;

	rc = token_load(out, file);
	if (rc != ERR_AUTH || file != NULL)
		return rc;
	if ((gh = find_gh()) == NULL)
		return rc;
	rc = run_gh(&b, gh, host);
	if (rc == 0 && b.len == 0)
		rc = err_set(ERR_AUTH, "'%s auth token' printed no token", gh);
	if (rc == 0)
		rc = take(out, b.ptr, b.len, "gh auth token");
	if (rc < 0 && *out == NULL) {
		err_wrap("no github token: GITHUB_TOKEN and GH_TOKEN are unset, no --token-file, "
		    "and gh gave none");
		rc = rc == ERR_CONFIG || rc == ERR_LIMIT ? rc : ERR_AUTH;
	}
	util_wipe(b.ptr, b.len);
	buf_release(&b);
	free(gh);
	return rc;
}

const char *
token_value(const struct token *t)
{
	return t->value;
}

void
token_free(struct token *t)
{
	if (t == NULL)
		return;
	util_free_secret(t->value);
	free(t);
}

void
token_scrub_env(void)
{
	static const char *const names[] = { "GITHUB_TOKEN", "GH_TOKEN" };
	size_t i;
	char *v;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		/* Wipe the bytes in environ before dropping the entry. */
		if ((v = getenv(names[i])) != NULL)
			util_wipe(v, strlen(v));
		unsetenv(names[i]);
	}
}
