/*
 * transform — per-target content rewrites. See transform.h.
 *
 * One left-to-right pass over the input: each rule keeps the position of
 * its next candidate (memmem / memchr), the earliest candidate is tried,
 * and replaced text is never rescanned. So a variable's value is inserted
 * literally even when it contains another rule's pattern, and the result
 * does not depend on rule order.
 */
#include "shared/transform.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

struct pair {
	char *from, *to;
	size_t flen, tlen;
};

struct transform {
	struct pair repo;          /* from == NULL: no repo_name rule */
	struct pair *vars;         /* from = bare NAME; longest first */
	size_t nvars;
	struct pair *emails;
	size_t nemails;
};

#define NONE ((size_t)-1)

static void
pair_set(struct pair *p, const char *from, const char *to)
{
	p->from = xstrdup(from);
	p->to = xstrdup(to);
	p->flen = strlen(from);
	p->tlen = strlen(to);
}

static void
pair_release(struct pair *p)
{
	free(p->from);
	free(p->to);
	p->from = p->to = NULL;
}

/* "owner/name" with both parts non-empty and no other '/' or whitespace. */
static bool
repo_valid(const char *s)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL || slash == s || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
		return false;
	return strpbrk(s, " \t\r\n") == NULL;
}

static int
var_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->flen != y->flen)
		return x->flen > y->flen ? -1 : 1;
	return strcmp(x->from, y->from);
}

int
transform_new(struct transform **out, const char *repo_from, const char *repo_to,
    const struct transform_pair *vars, size_t nvars,
    const struct transform_pair *emails, size_t nemails)
{
	struct transform *t;
	size_t i, j;

	*out = NULL;
	if ((repo_from == NULL) != (repo_to == NULL))
		return err_set(ERR_CONFIG, "repo_name transform needs both source and target "
		    "repositories");
	if (repo_from != NULL && !repo_valid(repo_from))
		return err_set(ERR_CONFIG, "invalid repository '%s' for the repo_name transform: "
		    "expected owner/name", repo_from);
	if (repo_to != NULL && !repo_valid(repo_to))
		return err_set(ERR_CONFIG, "invalid repository '%s' for the repo_name transform: "
		    "expected owner/name", repo_to);
	for (i = 0; i < nvars; i++) {
		if (vars[i].from == NULL || vars[i].from[0] == '\0')
			return err_set(ERR_CONFIG, "empty variable name in transform variables");
		if (vars[i].to == NULL)
			return err_set(ERR_CONFIG, "variable '%s' has no value", vars[i].from);
	}
	t = xcalloc(1, sizeof(*t));
	if (repo_from != NULL && strcmp(repo_from, repo_to) != 0)
		pair_set(&t->repo, repo_from, repo_to);
	t->vars = xcalloc(nvars ? nvars : 1, sizeof(*t->vars));
	for (i = 0; i < nvars; i++) {
		/* A repeated name: the later value wins. */
		for (j = 0; j < t->nvars; j++)
			if (strcmp(t->vars[j].from, vars[i].from) == 0)
				break;
		if (j < t->nvars) {
			free(t->vars[j].to);
			t->vars[j].to = xstrdup(vars[i].to);
			t->vars[j].tlen = strlen(vars[i].to);
			continue;
		}
		pair_set(&t->vars[t->nvars++], vars[i].from, vars[i].to);
	}
	qsort(t->vars, t->nvars, sizeof(*t->vars), var_cmp);
	t->emails = xcalloc(nemails ? nemails : 1, sizeof(*t->emails));
	for (i = 0; i < nemails; i++) {
		/* Only when both sides are set and differ (go-broadcast's rule). */
		if (emails[i].from == NULL || emails[i].to == NULL || emails[i].from[0] == '\0' ||
		    emails[i].to[0] == '\0' || strcmp(emails[i].from, emails[i].to) == 0)
			continue;
		pair_set(&t->emails[t->nemails++], emails[i].from, emails[i].to);
	}
	*out = t;
	return 0;
}

void
transform_free(struct transform *t)
{
	size_t i;

	if (t == NULL)
		return;
	pair_release(&t->repo);
	for (i = 0; i < t->nvars; i++)
		pair_release(&t->vars[i]);
	for (i = 0; i < t->nemails; i++)
		pair_release(&t->emails[i]);
	free(t->vars);
	free(t->emails);
	free(t);
}

int
transform_is_noop(const struct transform *t)
{
	return t == NULL || (t->repo.from == NULL && t->nvars == 0 && t->nemails == 0);
}

/* Characters of a GitHub owner or repository name. */
static inline bool
name_ch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_' || c == '.';
}

static inline bool
alnum_ch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static size_t
find(const char *d, size_t len, size_t from, const char *needle, size_t nlen)
{
	const char *p;

	if (from >= len || nlen > len - from)
		return NONE;
	p = memmem(d + from, len - from, needle, nlen);
	return p != NULL ? (size_t)(p - d) : NONE;
}

/*
 * Does the repo at d[at..at+flen) stand as a whole owner/name pair? Before
 * it: start or a non-name character ('/', ':', space, quote...). After
 * it: end, a non-name character, ".git", or a '.' ending a sentence.
 */
static bool
repo_bounded(const char *d, size_t len, size_t at, size_t flen)
{
	size_t e = at + flen;

	if (at > 0 && name_ch((unsigned char)d[at - 1]))
		return false;
	if (e == len || !name_ch((unsigned char)d[e]))
		return true;
	if (d[e] != '.')
		return false;
	if (e + 4 <= len && memcmp(d + e, ".git", 4) == 0 &&
	    (e + 4 == len || !name_ch((unsigned char)d[e + 4])))
		return true;
	return e + 1 == len || !name_ch((unsigned char)d[e + 1]);
}

/* Is the email at d[at..at+flen) a whole address (not inside a longer one)? */
static bool
email_bounded(const char *d, size_t len, size_t at, size_t flen)
{
	size_t e = at + flen;
	unsigned char c;

	if (at > 0) {
		c = (unsigned char)d[at - 1];
		if (alnum_ch(c) || strchr("._%+-", c) != NULL)
			return false;
	}
	if (e == len)
		return true;
	c = (unsigned char)d[e];
	if (alnum_ch(c) || c == '-' || c == '_')
		return false;
	return !(c == '.' && e + 1 < len && alnum_ch((unsigned char)d[e + 1]));
}

/* Next '{' that opens "{{" or "${" at or after from; returns the opener. */
static size_t
find_var(const char *d, size_t len, size_t from, size_t floor)
{
	const char *p;
	size_t c;

	while (from < len) {
		p = memchr(d + from, '{', len - from);
		if (p == NULL)
			return NONE;
		c = (size_t)(p - d);
		if (c > floor && d[c - 1] == '$')
			return c - 1;
		if (c + 1 < len && d[c + 1] == '{')
			return c;
		from = c + 1;
	}
	return NONE;
}

/* Match a variable at d[at] ("{{NAME}}" or "${NAME}"); its length or 0. */
static size_t
match_var(const struct transform *t, const char *d, size_t len, size_t at, size_t *vi)
{
	bool dollar = d[at] == '$';
	size_t i, n = len - at - 2;
	const char *name = d + at + 2;

	for (i = 0; i < t->nvars; i++) {
		const struct pair *v = &t->vars[i];
		size_t close = dollar ? 1 : 2;

		if (v->flen + close > n || memcmp(name, v->from, v->flen) != 0)
			continue;
		if (name[v->flen] != '}' || (!dollar && name[v->flen + 1] != '}'))
			continue;
		*vi = i;
		return 2 + v->flen + close;
	}
	return 0;
}

enum { K_REPO, K_VAR, K_EMAIL };

int
transform_apply(struct buf *out, const struct transform *t, const char *data, size_t len)
{
	size_t next_repo = NONE, next_var = NONE, next_email[8], copied = 0, i;
	size_t nemails = t != NULL ? t->nemails : 0;
	size_t *ne = nemails <= ARRAY_SIZE(next_email) ? next_email : NULL;

	buf_reset(out);
	if (transform_is_noop(t)) {
		buf_add(out, data, len);
		return 0;
	}
	if (ne == NULL)
		ne = xcalloc(nemails, sizeof(*ne));
	buf_grow(out, len + len / 16 + 64);
	if (t->repo.from != NULL)
		next_repo = find(data, len, 0, t->repo.from, t->repo.flen);
	if (t->nvars > 0)
		next_var = find_var(data, len, 0, 0);
	for (i = 0; i < nemails; i++)
		ne[i] = find(data, len, 0, t->emails[i].from, t->emails[i].flen);
	for (;;) {
		size_t at = next_repo, kind = K_REPO, ei = 0, mlen, vi;

		if (next_var < at) {
			at = next_var;
			kind = K_VAR;
		}
		for (i = 0; i < nemails; i++) {
			if (ne[i] < at) {
				at = ne[i];
				kind = K_EMAIL;
				ei = i;
			}
		}
		if (at == NONE)
			break;
		switch (kind) {
		case K_REPO:
			if (repo_bounded(data, len, at, t->repo.flen)) {
				buf_add(out, data + copied, at - copied);
				buf_add(out, t->repo.to, t->repo.tlen);
				copied = at + t->repo.flen;
			}
			next_repo = find(data, len, at + 1, t->repo.from, t->repo.flen);
			break;
		case K_VAR:
			mlen = match_var(t, data, len, at, &vi);
			if (mlen > 0) {
				buf_add(out, data + copied, at - copied);
				buf_add(out, t->vars[vi].to, t->vars[vi].tlen);
				copied = at + mlen;
			}
			if (mlen > 0)
				next_var = find_var(data, len, copied, copied);
			else if (data[at] == '$' && at + 2 < len && data[at + 2] == '{')
				next_var = at + 1; /* "${{NAME}}": try the "{{" */
			else
				next_var = find_var(data, len, at + (data[at] == '$' ? 2 : 1), copied);
			break;
		default:
			if (email_bounded(data, len, at, t->emails[ei].flen)) {
				buf_add(out, data + copied, at - copied);
				buf_add(out, t->emails[ei].to, t->emails[ei].tlen);
				copied = at + t->emails[ei].flen;
			}
			ne[ei] = find(data, len, at + 1, t->emails[ei].from, t->emails[ei].flen);
			break;
		}
		/* Candidates inside consumed input are gone. */
		if (next_repo < copied)
			next_repo = find(data, len, copied, t->repo.from, t->repo.flen);
		if (next_var < copied)
			next_var = find_var(data, len, copied, copied);
		for (i = 0; i < nemails; i++)
			if (ne[i] < copied)
				ne[i] = find(data, len, copied, t->emails[i].from, t->emails[i].flen);
	}
	if (ne != next_email)
		free(ne);
	if (copied == 0) {
		buf_add(out, data, len);
		return 0;
	}
	buf_add(out, data + copied, len - copied);
	return out->len != len || memcmp(out->ptr, data, len) != 0;
}
