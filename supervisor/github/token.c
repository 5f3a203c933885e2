/* token — see token.h. */
#include "supervisor/github/token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* "chmod 600 FILE" as a shell would take it: FILE quoted unless plain. */
static void
chmod_hint(struct buf *b, const char *file)
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
		chmod_hint(&hint, file);
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
