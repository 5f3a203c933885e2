/* token — see token.h. */
#include "supervisor/github/token.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
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

static int
load_file(struct token **out, const char *file)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int rc;

	if (stat(file, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return err_set(ERR_CONFIG, "token file '%s' is not a regular file",
			    file);
		if (st.st_size > TOKEN_MAX + 2)
			return err_set(ERR_LIMIT, "github token from --token-file is "
			    "longer than %d bytes", TOKEN_MAX);
		if (st.st_mode & 077)
			log_warn("token file '%s' is readable by others (chmod 600 it)",
			    file);
	}
	rc = buf_read_file(&b, file);
	if (rc != 0) {
		err_wrap("cannot read token file");
		goto out;
	}
	rc = take(out, b.ptr, b.len, "--token-file");
out:
	util_wipe(b.ptr, b.len);
	buf_release(&b);
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
