/*
 * gomod — read the module path and set a require entry of go.mod text.
 * See gomod.h.
 */
#include "shared/gomod.h"

#include <stdbool.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

struct tok {
	size_t off, len;           /* in the whole text, quotes included */
};

#define LINE_TOKS 4

/*
 * The first LINE_TOKS tokens of the line data[start, end) before any
 * "//" comment: blank-separated, a "..." or `...` token taken whole.
 * Returns the count (at most LINE_TOKS).
 */
static size_t
tokens(struct tok *t, const char *data, size_t start, size_t end)
{
	size_t i = start, n = 0;

	while (i < end && n < LINE_TOKS) {
		size_t s;

		while (i < end && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r'))
			i++;
		if (i >= end || (i + 1 < end && data[i] == '/' && data[i + 1] == '/'))
			break;
		s = i;
		if (data[i] == '"' || data[i] == '`') {
			char q = data[i++];

			while (i < end && data[i] != q)
				i += data[i] == '\\' && q == '"' && i + 1 < end ? 2 : 1;
			if (i < end)
				i++;
		} else {
			while (i < end && data[i] != ' ' && data[i] != '\t' && data[i] != '\r' &&
			    !(i + 1 < end && data[i] == '/' && data[i + 1] == '/'))
				i++;
		}
		t[n].off = s;
		t[n++].len = i - s;
	}
	return n;
}

static bool
tok_is(const char *data, const struct tok *t, const char *s)
{
	return t->len == strlen(s) && memcmp(data + t->off, s, t->len) == 0;
}

/* A token naming path s, bare or quoted. */
static bool
tok_path_is(const char *data, const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	if (tok_is(data, t, s))
		return true;
	return t->len == n + 2 && (data[t->off] == '"' || data[t->off] == '`') &&
	    memcmp(data + t->off + 1, s, n) == 0;
}

int
gomod_module_path(char **out, const char *data, size_t len)
{
	struct tok t[LINE_TOKS];
	size_t start = 0, end, n;

	*out = NULL;
	while (start < len) {
		const char *nl = memchr(data + start, '\n', len - start);

		end = nl != NULL ? (size_t)(nl - data) : len;
		n = tokens(t, data, start, end);
		if (n >= 2 && tok_is(data, &t[0], "module")) {
			size_t off = t[1].off, l = t[1].len;

			if (l >= 2 && (data[off] == '"' || data[off] == '`')) {
				off++;
				l -= 2;
			}
			if (l == 0 || l > GOMOD_TOKEN_MAX)
				break;
			*out = xstrndup(data + off, l);
			return 0;
		}
		start = end + 1;
	}
	return err_set(ERR_NOTFOUND, "no module directive in go.mod");
}

static int
check_token(const char *what, const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > GOMOD_TOKEN_MAX)
		return err_set(ERR_CONFIG, "invalid %s '%s' for go.mod", what, s);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '`')
			return err_set(ERR_CONFIG, "invalid %s '%s' for go.mod", what, s);
	return 0;
}

int
gomod_set_require(struct buf *out, const char *data, size_t len, const char *module,
    const char *version)
{
	struct tok t[LINE_TOKS];
	size_t start = 0, end, n, block_end = SIZE_MAX;
	bool in_block = false;
	int rc;

	if ((rc = check_token("module path", module)) < 0 ||
	    (rc = check_token("version", version)) < 0)
		return rc;
	while (start < len) {
		const char *nl = memchr(data + start, '\n', len - start);
		const struct tok *e = NULL;

		end = nl != NULL ? (size_t)(nl - data) : len;
		n = tokens(t, data, start, end);
		if (in_block) {
			if (n >= 1 && tok_is(data, &t[0], ")")) {
				in_block = false;
				if (block_end == SIZE_MAX)
					block_end = start;
			} else if (n >= 2) {
				e = &t[0];
			}
		} else if (n >= 2 && tok_is(data, &t[0], "require")) {
			if (tok_is(data, &t[1], "("))
				in_block = true;
			else if (n >= 3)
				e = &t[1];
		}
		if (e != NULL && tok_path_is(data, e, module)) {
			buf_add(out, data, e[1].off);
			buf_addstr(out, version);
			buf_add(out, data + e[1].off + e[1].len, len - e[1].off - e[1].len);
			return 0;
		}
		start = end + 1;
	}
	if (block_end != SIZE_MAX) {
		buf_add(out, data, block_end);
		buf_addf(out, "\t%s %s\n", module, version);
		buf_add(out, data + block_end, len - block_end);
		return 0;
	}
	buf_add(out, data, len);
	if (len > 0 && data[len - 1] != '\n')
		buf_addch(out, '\n');
	buf_addf(out, "%srequire %s %s\n", len > 0 ? "\n" : "", module, version);
	return 0;
}
