/* sign — see sign.h. */
#include "worker/sign.h"

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
#include "shared/tmpdir.h"
#include "shared/util.h"

extern char **environ;

/* What a failure's message keeps of the signer's stderr. */
#define SIGN_ERR_MAX 1024
/* What is read of its stdout: a signature is a few KiB. */
#define SIGN_OUT_MAX (256u * 1024)

static const char *const method_names[] = { NULL, "ssh", "openpgp", "x509" };

/* The program's path: as given with a '/', else the first in $PATH. */
static char *
find_program(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;
	char *cand;

	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0 ? xstrdup(prog) : NULL;
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		colon = strchrnul(p, ':');
		cand = colon == p ? xasprintf("./%s", prog) :
		    xasprintf("%.*s/%s", (int)(colon - p), p, prog);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (*colon == '\0')
			break;
	}
	return NULL;
}

/* The worker's environment for the signer: no GPG_TTY, no askpass prompt. */
static char **
signer_env(void)
{
	size_t n = 0, i, k = 0;
	char **env;

	while (environ != NULL && environ[n] != NULL)
		n++;
	env = xcalloc(n + 2, sizeof(*env));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "GPG_TTY=", 8) != 0 &&
		    strncmp(environ[i], "SSH_ASKPASS_REQUIRE=", 20) != 0)
			env[k++] = environ[i];
	env[k++] = (char *)"SSH_ASKPASS_REQUIRE=never";
	env[k] = NULL;
	return env;
}

/* A "key::" public key into a private file, as git does; its path. */
static int
literal_key_file(char **out, struct sign *s, const char *key)
{
	char *path;
	int fd;
	size_t n = strlen(key);

	*out = NULL;
	if (tmpdir_make(&s->tmpdir, "repocast-sign-") < 0)
		return -1;
	path = xasprintf("%s/signing-key.pub", s->tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, key, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		err_sys(ERR_FAIL, "cannot write the signing key file '%s'", path);
		if (fd >= 0)
			close(fd);
		free(path);
		return -1;
	}
	close(fd);
	*out = path;
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The stand-by child: between fork and exec only async-signal-safe calls
 * (dup2, close_range, sigaction, read, execve, write, _exit).
 */
static void
standby(int go, int in, int out, int errfd, const int parents[4], const char *path,
    char *const argv[], char *const envp[])
{
	static const char msg[] = "cannot start the signer\n";
	struct sigaction sa;
	char c;
	ssize_t n;
	int i;

	/* The parent's ends: holding the go pipe's write end would keep the
	 * read below from ever seeing the parent close it. */
	for (i = 0; i < 4; i++)
		close(parents[i]);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	/* Everything else of the worker's (the channel, the mirror) closes at
	 * exec; the go pipe stays readable until then. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	while ((n = read(go, &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(0);
	execve(path, argv, envp);
	n = write(2, msg, sizeof(msg) - 1);
	(void)n;
	_exit(127);
}

void
sign_init(struct sign *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->go_fd = s->in_fd = s->out_fd = s->err_fd = -1;
}

int
sign_prepare(struct sign *s, const struct msg_job *job)
{
	const char *m = job->sign_method, *key = job->sign_key;
	char *path = NULL, *keyfile = NULL, **env = NULL;
	const char *argv[16];
	int go[2] = { -1, -1 }, in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	size_t i, n = 0;
	pid_t pid;
	int rc = -1;

	sign_init(s);
	if (m == NULL || *m == '\0')
		return 0;
	for (i = 1; i < ARRAY_SIZE(method_names); i++)
		if (strcmp(m, method_names[i]) == 0)
			s->method = (enum sign_method)i;
	s->program = job->sign_program != NULL && *job->sign_program != '\0' ?
	    job->sign_program : s->method == SIGN_SSH ? "ssh-keygen" :
	    s->method == SIGN_X509 ? "gpgsm" : "gpg";
	if (s->method == SIGN_NONE) {
		s->method = SIGN_OPENPGP;   /* a signing job all the same: it fails */
		s->failed = xasprintf("unknown signing method '%s'", m);
		return 0;
	}
	if (key == NULL || *key == '\0') {
		s->failed = xasprintf("no signing key given");
		return 0;
	}
	if ((path = find_program(s->program)) == NULL) {
		s->failed = xasprintf("cannot find the signing program '%s'", s->program);
		return 0;
	}
	argv[n++] = s->program;
	if (s->method == SIGN_SSH) {
		if (strncmp(key, "key::", 5) == 0) {
			if (literal_key_file(&keyfile, s, key + 5) < 0) {
				s->failed = xstrdup(err_last());
				rc = 0;
				goto out;
			}
			key = keyfile;
		}
		argv[n++] = "-Y";
		argv[n++] = "sign";
		argv[n++] = "-n";
		argv[n++] = "git";
		argv[n++] = "-f";
		argv[n++] = key;
		if (keyfile != NULL)
			argv[n++] = "-U";
	} else {
		argv[n++] = "--batch";
		if (s->method == SIGN_OPENPGP)
			argv[n++] = "--no-tty";
		argv[n++] = "--pinentry-mode";
		argv[n++] = "error";
		argv[n++] = "--status-fd=2";
		argv[n++] = "-bsau";
		argv[n++] = key;
	}
	argv[n] = NULL;
	env = signer_env();
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(er, O_CLOEXEC) < 0) {
		err_sys(ERR_FAIL, "cannot make the signer's pipes");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err_sys(ERR_FAIL, "cannot start the signer");
		goto out;
	}
	if (pid == 0) {
		const int parents[4] = { go[1], in[1], out[0], er[0] };

		standby(go[0], in[0], out[1], er[1], parents, path, (char *const *)argv, env);
	}
	s->pid = pid;
	s->go_fd = go[1];
	s->in_fd = in[1];
	s->out_fd = out[0];
	s->err_fd = er[0];
	go[1] = in[1] = out[0] = er[0] = -1;
	rc = 0;
out:
	for (i = 0; i < 2; i++) {
		close_fd(&go[i]);
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&er[i]);
	}
	free(env);
	free(keyfile);
	free(path);
	return rc;
}

/* Write data to the signer while reading its stdout and stderr. */
static int
exchange(struct sign *s, struct buf *out, struct buf *err, const char *data, size_t len)
{
	struct pollfd p[3];
	char chunk[4096];
	size_t off = 0;
	ssize_t n;
	int i;

	if (len == 0)
		close_fd(&s->in_fd);
	while (s->in_fd >= 0 || s->out_fd >= 0 || s->err_fd >= 0) {
		p[0].fd = s->in_fd;
		p[0].events = POLLOUT;
		p[1].fd = s->out_fd;
		p[2].fd = s->err_fd;
		p[1].events = p[2].events = POLLIN;
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(ERR_FAIL, "cannot wait for the signer");
		}
		if (p[0].fd >= 0 && p[0].revents != 0) {
			n = write(s->in_fd, data + off, len - off);
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				close_fd(&s->in_fd);    /* EPIPE: it stopped reading */
			else if (n > 0 && (off += (size_t)n) == len)
				close_fd(&s->in_fd);
		}
		for (i = 1; i < 3; i++) {
			int *fd = i == 1 ? &s->out_fd : &s->err_fd;
			struct buf *b = i == 1 ? out : err;

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(*fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close_fd(fd);
				continue;
			}
			if (b->len < (i == 1 ? SIGN_OUT_MAX : SIGN_OUT_MAX / 8))
				buf_add(b, chunk, (size_t)n);
		}
	}
	return 0;
}

/* The signer's stderr as a one-line message: its own lines, not gpg's
 * status lines, blanks squeezed, capped. */
static void
stderr_text(struct buf *msg, const struct buf *err)
{
	const char *p = err->ptr, *nl;
	size_t start = msg->len;

	for (; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		while (p < nl && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == nl || strncmp(p, "[GNUPG:] ", 9) == 0)
			continue;
		if (msg->len > start)
			buf_addstr(msg, "; ");
		buf_add(msg, p, (size_t)(nl - p));
		while (msg->len > start && (msg->ptr[msg->len - 1] == '\r' ||
		    msg->ptr[msg->len - 1] == ' '))
			buf_setlen(msg, msg->len - 1);
		if (msg->len - start > SIGN_ERR_MAX) {
			buf_setlen(msg, start + SIGN_ERR_MAX);
			buf_addstr(msg, "...");
			break;
		}
	}
	for (size_t i = start; i < msg->len; i++)
		if ((unsigned char)msg->ptr[i] < 0x20)
			msg->ptr[i] = ' ';
	if (msg->len == start)
		buf_addstr(msg, "it failed and said nothing");
}

int
sign_buffer(struct buf *out, struct sign *s, const char *data, size_t len)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	struct sigaction ign, old_pipe;
	int st = 0, rc;
	pid_t pid;
	const char c = 'g';

	buf_reset(out);
	if (s->failed != NULL)
		return err_set(ERR_AUTH, "cannot sign the commit: %s", s->failed);
	if (s->pid < 0 || s->go_fd < 0)
		return err_set(ERR_AUTH, "cannot sign the commit: the signer is not ready");
	if (write(s->go_fd, &c, 1) != 1)
		return err_sys(ERR_AUTH, "cannot sign the commit: cannot start '%s'", s->program);
	close_fd(&s->go_fd);
	/* A signer that stops reading (it failed on its key first) is an EPIPE
	 * here, not a SIGPIPE; and a full pipe never blocks the reads. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	fcntl(s->in_fd, F_SETFL, fcntl(s->in_fd, F_GETFL) | O_NONBLOCK);
	rc = exchange(s, out, &err, data, len);
	sigaction(SIGPIPE, &old_pipe, NULL);
	while ((pid = waitpid(s->pid, &st, 0)) < 0 && errno == EINTR)
		;
	s->pid = -1;
	if (rc < 0)
		goto out;
	if (pid < 0) {
		rc = err_sys(ERR_AUTH, "cannot sign the commit: cannot wait for '%s'", s->program);
		goto out;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || out->len == 0 ||
	    (s->method != SIGN_SSH && strstr(err.ptr, "\n[GNUPG:] SIG_CREATED ") == NULL &&
	    strncmp(err.ptr, "[GNUPG:] SIG_CREATED ", 21) != 0)) {
		stderr_text(&msg, &err);
		if (WIFSIGNALED(st))
			rc = err_set(ERR_AUTH, "cannot sign the commit with '%s': killed by signal %d",
			    s->program, WTERMSIG(st));
		else
			rc = err_set(ERR_AUTH, "cannot sign the commit with '%s': %s", s->program,
			    msg.ptr);
		buf_reset(out);
		goto out;
	}
	/* git strips CRs from the signature's line endings. */
	{
		size_t i, k = 0;

		for (i = 0; i < out->len; i++)
			if (!(out->ptr[i] == '\r' && i + 1 < out->len && out->ptr[i + 1] == '\n'))
				out->ptr[k++] = out->ptr[i];
		buf_setlen(out, k);
	}
	rc = 0;
out:
	buf_release(&err);
	buf_release(&msg);
	return rc;
}

void
sign_release(struct sign *s)
{
	int st;

	if (s == NULL)
		return;
	close_fd(&s->go_fd);
	close_fd(&s->in_fd);
	close_fd(&s->out_fd);
	close_fd(&s->err_fd);
	if (s->pid > 0)
		while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
			;
	s->pid = -1;
	if (s->tmpdir != NULL)
		tmpdir_remove(s->tmpdir);
	free(s->tmpdir);
	s->tmpdir = NULL;
	free(s->failed);
	s->failed = NULL;
}
