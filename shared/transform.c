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
#include <strings.h>

#include "shared/err.h"
#include "shared/util.h"

struct pair {
	char *from, *to;
	size_t flen, tlen;
};

struct transform {
	struct pair repo;          /* from == NULL: no repo_name rule */
	struct pair bare;          /* from == NULL: no bare-name rule */
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

/* The name part of a valid "owner/name". */
static const char *
repo_name_part(const char *repo)
{
	return strchr(repo, '/') + 1;
}

int
transform_new(struct transform **out, const struct transform_spec *spec)
{
	const char *repo_from = spec->repo_from, *repo_to = spec->repo_to;
	const struct transform_pair *vars = spec->vars, *emails = spec->emails;
	size_t nvars = spec->nvars, nemails = spec->nemails;
	struct transform *t;
	size_t i, j;

	*out = NULL;
	if ((repo_from == NULL) != (repo_to == NULL))
		return err_set(ERR_CONFIG, "repo_name transform needs both source and target "
		    "repositories");
	if (spec->repo_bare && repo_from == NULL)
		return err_set(ERR_CONFIG, "repo_name_bare needs the repo_name transform");
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
	if (repo_from != NULL && strcmp(repo_from, repo_to) != 0) {
		pair_set(&t->repo, repo_from, repo_to);
		if (spec->repo_bare &&
		    strcmp(repo_name_part(repo_from), repo_name_part(repo_to)) != 0)
			pair_set(&t->bare, repo_name_part(repo_from), repo_name_part(repo_to));
	}
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
	pair_release(&t->bare);
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

/*
 * A character that continues a GitHub owner or repository name on either
 * side of a match: letters, digits, '_' (regex \\w) and '-'. '.' is not
 * one: after the name it starts an extension or ends a sentence
 * ("owner/repo.svg", "owner/repo.git", "owner/repo."), as go-broadcast's
 * word boundaries have it. '-' is, unlike \\b: "owner/repo-x" and
 * "my-owner/repo" are other repositories.
 */
static inline bool
name_ch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
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

/* Does the name at d[at..at+flen) stand whole (see name_ch)? */
static bool
name_bounded(const char *d, size_t len, size_t at, size_t flen)
{
	size_t e = at + flen;

	if (at > 0 && name_ch((unsigned char)d[at - 1]))
		return false;
	return e == len || !name_ch((unsigned char)d[e]);
}

/* Is d[at) on a line "module github.com/..." (go.mod's module directive)? */
static bool
go_module_line(const char *d, size_t at)
{
	size_t ls = at, i;

	while (ls > 0 && d[ls - 1] != '\n')
		ls--;
	i = ls;
	while (i < at && (d[i] == ' ' || d[i] == '\t'))
		i++;
	if (at - i < 7 || memcmp(d + i, "module", 6) != 0 || (d[i + 6] != ' ' && d[i + 6] != '\t'))
		return false;
	for (i += 6; i < at && (d[i] == ' ' || d[i] == '\t' || d[i] == '"'); i++)
		;
	return i == at;
}

/*
 * Go source and go.mod (go-broadcast's rules for .go and .mod): only the
 * module path github.com/owner/repo, followed by '/', a quote or the end
 * ("github.com/owner/repo/pkg", "\"github.com/owner/repo\""), or as the
 * module directive. A require line's "github.com/owner/repo v1.2.3" and
 * a plain "owner/repo" in a comment stay.
 */
static bool
go_bounded(const char *d, size_t len, size_t at, size_t flen)
{
	static const char host[] = "github.com/";
	size_t hl = sizeof(host) - 1, e = at + flen, ms;

	if (at < hl || memcmp(d + at - hl, host, hl) != 0)
		return false;
	if (e == len || d[e] == '/' || d[e] == '"' || d[e] == '`')
		return true;
	ms = at - hl;
	return !name_ch((unsigned char)d[e]) && d[e] != '.' && go_module_line(d, ms);
}

/* Go source or go.mod, by the extension (case-insensitive, as go-broadcast). */
static bool
path_is_go(const char *path)
{
	const char *dot = path != NULL ? strrchr(path, '.') : NULL;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return false;
	return strcasecmp(dot, ".go") == 0 || strcasecmp(dot, ".mod") == 0;
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

enum { K_REPO, K_BARE, K_VAR, K_EMAIL };

int
transform_apply(struct buf *out, const struct transform *t, const char *path,
    const char *data, size_t len)
{
	size_t next_repo = NONE, next_bare = NONE, next_var = NONE, next_email[8], copied = 0, i;
	size_t nemails = t != NULL ? t->nemails : 0;
	size_t *ne = nemails <= ARRAY_SIZE(next_email) ? next_email : NULL;
	bool go = path_is_go(path), hit;

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
	if (t->bare.from != NULL && !go)   /* never in Go source: identifiers */
		next_bare = find(data, len, 0, t->bare.from, t->bare.flen);
	if (t->nvars > 0)
		next_var = find_var(data, len, 0, 0);
	for (i = 0; i < nemails; i++)
		ne[i] = find(data, len, 0, t->emails[i].from, t->emails[i].flen);
	for (;;) {
		size_t at = next_repo, kind = K_REPO, ei = 0, mlen, vi;

		if (next_bare < at) {
			at = next_bare;
			kind = K_BARE;
		}
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
			hit = go ? go_bounded(data, len, at, t->repo.flen) :
			    name_bounded(data, len, at, t->repo.flen);
			if (hit) {
				buf_add(out, data + copied, at - copied);
				buf_add(out, t->repo.to, t->repo.tlen);
				copied = at + t->repo.flen;
			}
			next_repo = find(data, len, at + 1, t->repo.from, t->repo.flen);
			break;
		case K_BARE:
			if (name_bounded(data, len, at, t->bare.flen)) {
				buf_add(out, data + copied, at - copied);
				buf_add(out, t->bare.to, t->bare.tlen);
				copied = at + t->bare.flen;
			}
			next_bare = find(data, len, at + 1, t->bare.from, t->bare.flen);
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
		if (next_bare < copied)
			next_bare = find(data, len, copied, t->bare.from, t->bare.flen);
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
