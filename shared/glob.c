/*
 * glob — gitignore-style pattern sets. See glob.h.
 *
 * Patterns are classified once: a basename pattern without wildcards is a
 * string compare, "*<literal>" a suffix compare, everything else goes to
 * the wildcard matcher (git's wildmatch rules with WM_PATHNAME: '*', '?'
 * and brackets never match '/', "**" only between slashes spans
 * directories). "**<slash>X" with X free of '/' is the basename pattern X,
 * as in gitignore. Nothing allocates after glob_set_new.
 */
#include "shared/glob.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

enum {
	G_NEGATE = 1,
	G_DIRONLY = 2,
	G_BASENAME = 4,  /* no '/' in the pattern: match the last component */
};

enum { K_LITERAL, K_SUFFIX, K_WILD };

struct glob_pat {
	char *text;      /* the pattern to match (owned) */
	const char *lit; /* K_LITERAL: text; K_SUFFIX: text + 1; K_WILD: a literal
			    run every match must contain (fast reject), or NULL */
	size_t litlen;
	int flags;
	int kind;
};

struct glob_set {
	struct glob_pat *v;
	size_t n;
};

enum { WM_MATCH, WM_NOMATCH, WM_ABORT_ALL, WM_ABORT_TO_STARSTAR };

static int
special(unsigned char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

static int
class_match(const unsigned char *name, size_t len, unsigned char c)
{
#define CLASS(s, fn) if (len == sizeof(s) - 1 && memcmp(name, s, len) == 0) return fn(c) != 0
	CLASS("alnum", isalnum);
	CLASS("alpha", isalpha);
	CLASS("blank", isblank);
	CLASS("cntrl", iscntrl);
	CLASS("digit", isdigit);
	CLASS("graph", isgraph);
	CLASS("lower", islower);
	CLASS("print", isprint);
	CLASS("punct", ispunct);
	CLASS("space", isspace);
	CLASS("upper", isupper);
	CLASS("xdigit", isxdigit);
#undef CLASS
	return -1; /* unknown class */
}

/*
 * Match the bracket expression at *pp ('[') against c; leave *pp on its
 * closing ']'. 1 match, 0 no match, -1 malformed.
 */
static int
bracket(const unsigned char **pp, unsigned char c)
{
	const unsigned char *p = *pp + 1;
	int negated = 0, matched = 0, first = 1;
	unsigned char lo, hi;

	if (*p == '!' || *p == '^') {
		negated = 1;
		p++;
	}
	for (;; p++, first = 0) {
		if (*p == '\0')
			return -1;
		if (*p == ']' && !first)
			break;
		if (*p == '[' && p[1] == ':') {
			const unsigned char *end = (const unsigned char *)strstr((const char *)p + 2, ":]");
			int r;

			if (end == NULL)
				return -1;
			r = class_match(p + 2, (size_t)(end - p - 2), c);
			if (r < 0)
				return -1;
			matched |= r;
			p = end + 1;
			continue;
		}
		lo = *p;
		if (lo == '\\') {
			lo = *++p;
			if (lo == '\0')
				return -1;
		}
		hi = lo;
		if (p[1] == '-' && p[2] != ']' && p[2] != '\0') {
			p += 2;
			hi = *p;
			if (hi == '\\') {
				hi = *++p;
				if (hi == '\0')
					return -1;
			}
		}
		if (c >= lo && c <= hi)
			matched = 1;
	}
	*pp = p;
	return matched != negated;
}

static int
wild(const unsigned char *p, const unsigned char *t, const unsigned char *pstart)
{
	for (; *p != '\0'; p++, t++) {
		unsigned char pc = *p, tc = *t;
		int slash_ok, r;

		if (tc == '\0' && pc != '*')
			return WM_ABORT_ALL;
		switch (pc) {
		case '\\':
			pc = *++p;
			/* FALLTHROUGH */
		default:
			if (tc != pc)
				return WM_NOMATCH;
			continue;
		case '?':
			if (tc == '/')
				return WM_NOMATCH;
			continue;
		case '[':
			if (tc == '/')
				return WM_NOMATCH;
			r = bracket(&p, tc);
			if (r < 0)
				return WM_ABORT_ALL;
			if (r == 0)
				return WM_NOMATCH;
			continue;
		case '*':
			slash_ok = 0;
			if (p[1] == '*') {
				const unsigned char *before = p - 1;

				while (p[1] == '*')
					p++;
				/* "**" spans directories only as a whole component. */
				if ((before < pstart || *before == '/') && (p[1] == '\0' || p[1] == '/')) {
					if (p[1] == '/' && wild(p + 2, t, pstart) == WM_MATCH)
						return WM_MATCH;
					slash_ok = 1;
				}
			}
			p++;
			if (*p == '\0') {
				if (!slash_ok && strchr((const char *)t, '/') != NULL)
					return WM_NOMATCH;
				return WM_MATCH;
			}
			if (!slash_ok && *p == '/') {
				/* One '*' then '/': the rest of this component. */
				const unsigned char *sl = (const unsigned char *)strchr((const char *)t, '/');

				if (sl == NULL)
					return WM_NOMATCH;
				t = sl;
				continue; /* the loop steps over both slashes */
			}
			for (; *t != '\0'; t++) {
				if (!special(*p)) {
					/* Skip to the next place the literal can start. */
					while (*t != '\0' && (slash_ok || *t != '/') && *t != *p)
						t++;
					if (*t != *p)
						return WM_NOMATCH;
				}
				r = wild(p, t, pstart);
				if (r != WM_NOMATCH) {
					if (!slash_ok || r != WM_ABORT_TO_STARSTAR)
						return r;
				} else if (!slash_ok && *t == '/') {
					return WM_ABORT_TO_STARSTAR;
				}
			}
			return WM_ABORT_ALL;
		}
	}
	return *t != '\0' ? WM_NOMATCH : WM_MATCH;
}

/* Check brackets and escapes; NULL when fine, else what is wrong. */
static const char *
pattern_problem(const char *text)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				return "trailing backslash";
			p++;
		} else if (*p == '[') {
			/* Any character validates the syntax; the result does not matter. */
			if (bracket(&p, 'a') < 0)
				return "unterminated or invalid '[' expression";
		}
	}
	return NULL;
}

/*
 * The longest run of plain characters outside brackets and escapes: any
 * match contains it, so a path without it is rejected with one memmem.
 */
static void
required_literal(struct glob_pat *g)
{
	const unsigned char *p = (const unsigned char *)g->text, *run = p;

	g->lit = NULL;
	g->litlen = 0;
	for (;;) {
		if (*p == '\0' || special(*p)) {
			if ((size_t)(p - run) > g->litlen) {
				g->lit = (const char *)run;
				g->litlen = (size_t)(p - run);
			}
			if (*p == '\0')
				break;
			if (*p == '\\')
				p++;
			else if (*p == '[')
				bracket(&p, 'a'); /* validated already: leaves p on ']' */
			run = ++p;
			/* After a star a '/' may vanish ("**" + "/x" matches "x"). */
			if (*run == '/' && run[-1] == '*')
				run++;
			continue;
		}
		p++;
	}
	if (g->litlen < 2)
		g->lit = NULL;
}

static int
compile(struct glob_pat *g, const char *pattern)
{
	const char *p = pattern, *why;
	size_t len;

	memset(g, 0, sizeof(*g));
	if (*p == '!') {
		g->flags |= G_NEGATE;
		p++;
	}
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/' && !(len >= 2 && p[len - 2] == '\\')) {
		g->flags |= G_DIRONLY;
		len--;
	}
	if (memchr(p, '/', len) == NULL) {
		g->flags |= G_BASENAME;
	} else if (p[0] == '/') {
		p++;
		len--;
	} else if (len > 3 && memcmp(p, "**/", 3) == 0 && memchr(p + 3, '/', len - 3) == NULL &&
	    strstr(p + 3, "**") == NULL) {
		/* "**" + "/X" == "X" for a single component. */
		g->flags |= G_BASENAME;
		p += 3;
		len -= 3;
	}
	if (len == 0)
		return err_set(ERR_CONFIG, "invalid pattern '%s': empty pattern", pattern);
	g->text = xstrndup(p, len);
	if ((why = pattern_problem(g->text)) != NULL) {
		free(g->text);
		g->text = NULL;
		return err_set(ERR_CONFIG, "invalid pattern '%s': %s", pattern, why);
	}
	g->kind = K_WILD;
	required_literal(g);
	if (g->flags & G_BASENAME) {
		size_t i, nspecial = 0;

		for (i = 0; i < len; i++)
			nspecial += special((unsigned char)g->text[i]);
		if (nspecial == 0) {
			g->kind = K_LITERAL;
			g->lit = g->text;
			g->litlen = len;
		} else if (nspecial == 1 && g->text[0] == '*') {
			g->kind = K_SUFFIX;
			g->lit = g->text + 1;
			g->litlen = len - 1;
		}
	}
	return 0;
}

int
glob_set_new(struct glob_set **out, const char *const *patterns, size_t n)
{
	struct glob_set *s = xcalloc(1, sizeof(*s));
	size_t i;
	int rc;

	*out = NULL;
	s->v = xcalloc(n ? n : 1, sizeof(*s->v));
	for (i = 0; i < n; i++) {
		if (patterns[i] == NULL) {
			rc = err_set(ERR_CONFIG, "invalid pattern: null");
			goto fail;
		}
		if ((rc = compile(&s->v[i], patterns[i])) != 0)
			goto fail;
		s->n++;
	}
	*out = s;
	return 0;
fail:
	glob_set_free(s);
	return rc;
}

void
glob_set_free(struct glob_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	free(s);
}

static bool
pat_match(const struct glob_pat *g, const char *path, size_t pathlen, const char *base,
    size_t baselen)
{
	switch (g->kind) {
	case K_LITERAL:
		return baselen == g->litlen && memcmp(base, g->lit, baselen) == 0;
	case K_SUFFIX:
		return baselen >= g->litlen &&
		    memcmp(base + baselen - g->litlen, g->lit, g->litlen) == 0;
	default:
		if (g->lit != NULL) {
			const char *subj = g->flags & G_BASENAME ? base : path;
			size_t n = g->flags & G_BASENAME ? baselen : pathlen;

			if (memmem(subj, n, g->lit, g->litlen) == NULL)
				return false;
		}
		return wild((const unsigned char *)g->text,
		    (const unsigned char *)(g->flags & G_BASENAME ? base : path),
		    (const unsigned char *)g->text) == WM_MATCH;
	}
}

bool
glob_set_match(const struct glob_set *s, const char *path, bool is_dir)
{
	const char *base;
	size_t i, baselen, pathlen;

	if (s == NULL || s->n == 0)
		return false;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	baselen = strlen(base);
	pathlen = (size_t)(base - path) + baselen;
	for (i = s->n; i-- > 0;) {
		const struct glob_pat *g = &s->v[i];

		if ((g->flags & G_DIRONLY) && !is_dir)
			continue;
		if (pat_match(g, path, pathlen, base, baselen))
			return !(g->flags & G_NEGATE);
	}
	return false;
}

bool
glob_set_excludes(const struct glob_set *s, const char *path, bool is_dir)
{
	char prefix[4096];
	const char *p;
	size_t n;

	if (s == NULL || s->n == 0)
		return false;
	/* A path under an excluded directory stays excluded (gitignore). */
	for (p = strchr(path, '/'); p != NULL; p = strchr(p + 1, '/')) {
		n = (size_t)(p - path);
		if (n >= sizeof(prefix))
			break;
		memcpy(prefix, path, n);
		prefix[n] = '\0';
		if (glob_set_match(s, prefix, true))
			return true;
	}
	return glob_set_match(s, path, is_dir);
}

size_t
glob_set_count(const struct glob_set *s)
{
	return s != NULL ? s->n : 0;
}
