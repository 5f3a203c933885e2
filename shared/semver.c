/*
 * semver — version tags and module version specs. See semver.h.
 *
 * A constraint is kept as alternatives ("||") of comparator sets; each
 * comparator is one interval [lo, hi] (either end open or absent),
 * possibly negated ("!="), and whether it admits prerelease versions.
 * Every operator is reduced to such an interval when parsed.
 */
#include "shared/semver.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

struct comparator {
	bool has_lo, lo_incl, has_hi, hi_incl;
	bool negate;               /* "!=": matches outside the interval */
	bool pre_ok;               /* the comparator's version names a prerelease */
	struct semver lo, hi;
};

struct cset {
	struct comparator *v;
	size_t n;
};

struct semver_spec {
	enum semver_kind kind;
	char *text;                /* as written */
	char *work;                /* tokenised copy: versions point into it */
	struct cset *alt;
	size_t nalt;
};

/* A number without leading zeros; advances *p. -1 when there is none. */
static int
parse_num(uint64_t *out, const char **p)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*p = s;
	return 0;
}

/*
 * Dot-separated identifiers of [0-9A-Za-z-], none empty; with numeric
 * true a purely numeric identifier must not have leading zeros (a
 * prerelease, not build metadata). Advances *p.
 */
static int
parse_idents(const char **p, bool numeric)
{
	const char *s = *p, *start;

	for (;;) {
		bool digits = true;

		start = s;
		for (; isalnum((unsigned char)*s) || *s == '-'; s++)
			if (!isdigit((unsigned char)*s))
				digits = false;
		if (s == start)
			return -1;
		if (numeric && digits && s - start > 1 && start[0] == '0')
			return -1;
		if (*s != '.')
			break;
		s++;
	}
	*p = s;
	return 0;
}

/* "-pre" and "+build" after the numbers; *p at their start, advanced. */
static int
parse_suffix(struct semver *v, const char **p)
{
	const char *s = *p;

	v->pre = NULL;
	v->prelen = 0;
	if (*s == '-') {
		const char *start = ++s;

		if (parse_idents(&s, true) < 0)
			return -1;
		v->pre = start;
		v->prelen = (size_t)(s - start);
	}
	if (*s == '+') {
		s++;
		if (parse_idents(&s, false) < 0)
			return -1;
	}
	*p = s;
	return 0;
}

int
semver_parse_tag(struct semver *out, const char *tag)
{
	const char *s = tag;

	memset(out, 0, sizeof(*out));
	if (*s++ != 'v')
		return -1;
	if (parse_num(&out->major, &s) < 0 || *s++ != '.' ||
	    parse_num(&out->minor, &s) < 0 || *s++ != '.' ||
	    parse_num(&out->patch, &s) < 0 || parse_suffix(out, &s) < 0 || *s != '\0')
		return -1;
	return 0;
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* One prerelease identifier against another (semver 2.0 §11.4). */
static int
cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
	bool ad = true, bd = true;
	size_t i;
	int c;

	for (i = 0; i < an; i++)
		ad = ad && isdigit((unsigned char)a[i]);
	for (i = 0; i < bn; i++)
		bd = bd && isdigit((unsigned char)b[i]);
	if (ad && bd) {
		/* no leading zeros: the longer number is the larger */
		if (an != bn)
			return an < bn ? -1 : 1;
		c = memcmp(a, b, an);
		return c < 0 ? -1 : c > 0;
	}
	if (ad != bd)
		return ad ? -1 : 1;
	c = memcmp(a, b, an < bn ? an : bn);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return cmp_u64(an, bn);
}

int
semver_cmp(const struct semver *a, const struct semver *b)
{
	const char *pa, *pb, *ea, *eb;
	int c;

	if ((c = cmp_u64(a->major, b->major)) != 0 || (c = cmp_u64(a->minor, b->minor)) != 0 ||
	    (c = cmp_u64(a->patch, b->patch)) != 0)
		return c;
	if (a->pre == NULL || b->pre == NULL)
		return a->pre == NULL ? (b->pre == NULL ? 0 : 1) : -1;
	pa = a->pre;
	pb = b->pre;
	ea = a->pre + a->prelen;
	eb = b->pre + b->prelen;
	while (pa < ea && pb < eb) {
		const char *da = memchr(pa, '.', (size_t)(ea - pa));
		const char *db = memchr(pb, '.', (size_t)(eb - pb));

		if (da == NULL)
			da = ea;
		if (db == NULL)
			db = eb;
		if ((c = cmp_ident(pa, (size_t)(da - pa), pb, (size_t)(db - pb))) != 0)
			return c;
		pa = da < ea ? da + 1 : ea;
		pb = db < eb ? db + 1 : eb;
	}
	/* more identifiers: higher precedence */
	return pa < ea ? 1 : pb < eb ? -1 : 0;
}

int
semver_tag_cmp_desc(const void *a, const void *b)
{
	const char *ta = *(const char *const *)a, *tb = *(const char *const *)b;
	struct semver va, vb;

	if (semver_parse_tag(&va, ta) < 0 || semver_parse_tag(&vb, tb) < 0)
		return strcmp(ta, tb);
	return -semver_cmp(&va, &vb);
}

/*
 * A version in a constraint: optional "v", up to three numbers, where a
 * missing part or "x", "X", "*" is a wildcard (and ends the numbers).
 * *parts receives how many numbers were given (0..3); the missing ones
 * are zero. A prerelease needs all three numbers.
 */
static int
parse_partial(struct semver *v, int *parts, const char *s)
{
	uint64_t *num[3];
	int i;

	memset(v, 0, sizeof(*v));
	num[0] = &v->major;
	num[1] = &v->minor;
	num[2] = &v->patch;
	*parts = 0;
	if (*s == 'v' || *s == 'V')
		s++;
	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (*s != '.')
				break;
			s++;
		}
		if (*s == 'x' || *s == 'X' || *s == '*') {
			s++;
			/* what follows a wildcard can only be wildcards */
			while (*s == '.' && (s[1] == 'x' || s[1] == 'X' || s[1] == '*'))
				s += 2;
			return *s == '\0' ? 0 : -1;
		}
		if (parse_num(num[i], &s) < 0)
			return -1;
		(*parts)++;
	}
	if (*s != '\0' && *parts < 3)
		return -1;
	if (parse_suffix(v, &s) < 0 || *s != '\0')
		return -1;
	return 0;
}

/* The lowest version above every version that starts with v's first k parts. */
static struct semver
bump(const struct semver *v, int k)
{
	struct semver b = { 0, 0, 0, NULL, 0 };

	if (k == 1) {
		b.major = v->major + 1;
	} else if (k == 2) {
		b.major = v->major;
		b.minor = v->minor + 1;
	} else {
		b.major = v->major;
		b.minor = v->minor;
		b.patch = v->patch + 1;
	}
	return b;
}

static void
set_lo(struct comparator *c, struct semver v, bool incl)
{
	c->has_lo = true;
	c->lo = v;
	c->lo_incl = incl;
}

static void
set_hi(struct comparator *c, struct semver v, bool incl)
{
	c->has_hi = true;
	c->hi = v;
	c->hi_incl = incl;
}

/* "1.2.x"-style: the versions that start with v's first k parts. */
static void
set_wild(struct comparator *c, const struct semver *v, int k)
{
	if (k == 3) {
		set_lo(c, *v, true);
		set_hi(c, *v, true);
	} else if (k > 0) {
		set_lo(c, *v, true);
		set_hi(c, bump(v, k), false);
	}
}

static const char *const operators[] = {
	"!=", ">=", "<=", "~>", ">", "<", "=", "~", "^", NULL,
};

/* The operator at the start of s ("" when none). */
static const char *
op_of(const char *s)
{
	size_t i;

	for (i = 0; operators[i] != NULL; i++)
		if (strncmp(s, operators[i], strlen(operators[i])) == 0)
			return operators[i];
	return "";
}

/* One comparator: operator op ("" for none) and version ver into *c. */
static int
parse_comparator(struct comparator *c, const char *op, const char *ver, const char **why)
{
	struct semver v;
	int k;

	memset(c, 0, sizeof(*c));
	if (parse_partial(&v, &k, ver) < 0) {
		*why = "expected versions like 1.2.3, 1.2, 1.x with an optional operator "
		    "(=, !=, >, >=, <, <=, ~, ^)";
		return -1;
	}
	c->pre_ok = v.pre != NULL;
	if (*op == '\0' || strcmp(op, "=") == 0 || strcmp(op, "!=") == 0) {
		set_wild(c, &v, k);
		c->negate = op[0] == '!';
	} else if (strcmp(op, ">") == 0) {
		if (k == 0) {
			*why = "no version is greater than '*'";
			return -1;
		}
		if (k == 3)
			set_lo(c, v, false);
		else
			set_lo(c, bump(&v, k), true);
	} else if (strcmp(op, ">=") == 0) {
		set_lo(c, v, true);
	} else if (strcmp(op, "<") == 0) {
		if (k == 0) {
			*why = "no version is less than '*'";
			return -1;
		}
		set_hi(c, v, false);
	} else if (strcmp(op, "<=") == 0) {
		if (k == 3)
			set_hi(c, v, true);
		else if (k > 0)
			set_hi(c, bump(&v, k), false);
	} else if (op[0] == '~') {
		if (k > 0) {
			set_lo(c, v, true);
			set_hi(c, bump(&v, k == 1 ? 1 : 2), false);
		}
	} else {  /* ^ */
		if (k > 0) {
			set_lo(c, v, true);
			if (k == 1 || v.major > 0)
				set_hi(c, bump(&v, 1), false);
			else if (k == 2 || v.minor > 0)
				set_hi(c, bump(&v, 2), false);
			else
				set_hi(c, bump(&v, 3), false);
		}
	}
	return 0;
}

/* "A - B": >= A (zero-filled), <= B (or below B's next when partial). */
static int
parse_hyphen(struct comparator *c, const char *a, const char *b, const char **why)
{
	struct semver va, vb;
	int ka, kb;

	memset(c, 0, sizeof(*c));
	if (parse_partial(&va, &ka, a) < 0 || parse_partial(&vb, &kb, b) < 0) {
		*why = "expected a range like 1.2 - 1.4.5";
		return -1;
	}
	c->pre_ok = va.pre != NULL || vb.pre != NULL;
	set_lo(c, va, true);
	if (kb == 3)
		set_hi(c, vb, true);
	else if (kb > 0)
		set_hi(c, bump(&vb, kb), false);
	return 0;
}

static void
cset_add(struct cset *cs, const struct comparator *c)
{
	cs->v = xrealloc(cs->v, (cs->n + 1) * sizeof(*cs->v));
	cs->v[cs->n++] = *c;
}

/*
 * One alternative (between "||"s), s NUL-terminated and writable: tokens
 * separated by blanks and commas; an operator alone joins the next token
 * ("> = 1" is not accepted, ">= 1" is); "A - B" is a range.
 */
static int
parse_set(struct cset *cs, char *s, const char **why)
{
	char *tok[64];
	size_t n = 0, i;
	struct comparator c;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		if (n == ARRAY_SIZE(tok)) {
			*why = "too many comparators";
			return -1;
		}
		tok[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != ',')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	if (n == 0) {
		*why = "empty constraint";
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *op = op_of(tok[i]);

		if (*op != '\0' && tok[i][strlen(op)] == '\0') {
			/* an operator, then its version as the next token */
			if (i + 1 == n || *op_of(tok[i + 1]) != '\0') {
				*why = "an operator needs a version after it";
				return -1;
			}
			if (parse_comparator(&c, op, tok[i + 1], why) < 0)
				return -1;
			i++;
		} else if (i + 2 < n && strcmp(tok[i + 1], "-") == 0) {
			if (*op != '\0' || *op_of(tok[i + 2]) != '\0') {
				*why = "a range's ends take no operator";
				return -1;
			}
			if (parse_hyphen(&c, tok[i], tok[i + 2], why) < 0)
				return -1;
			i += 2;
		} else if (parse_comparator(&c, op, tok[i] + strlen(op), why) < 0) {
			return -1;
		}
		cset_add(cs, &c);
	}
	return 0;
}

/* Is s an exact tag spec: "v..." with no operator, blank, comma or '|'? */
static bool
looks_exact(const char *s)
{
	return s[0] == 'v' && strpbrk(s, "~^<>=*!|, \t") == NULL;
}

int
semver_spec_parse(struct semver_spec **out, const char *s, bool check_tags, const char **why)
{
	struct semver_spec *sp;
	struct semver v;
	char *p, *bar;

	*out = NULL;
	sp = xcalloc(1, sizeof(*sp));
	sp->text = xstrdup(s);
	if (strcmp(s, "latest") == 0) {
		sp->kind = SEMVER_LATEST;
	} else if (looks_exact(s)) {
		sp->kind = SEMVER_EXACT;
		if (semver_parse_tag(&v, s) < 0) {
			*why = "not a version tag: expected vMAJOR.MINOR.PATCH, optionally "
			    "with -PRERELEASE";
			goto fail;
		}
	} else {
		sp->kind = SEMVER_CONSTRAINT;
		if (!check_tags) {
			*why = "with check_tags: false only an exact tag (v1.2.3) or latest "
			    "is accepted: a constraint needs the tags";
			goto fail;
		}
		sp->work = xstrdup(s);
		for (p = sp->work;; p = bar + 2) {
			bar = strstr(p, "||");
			if (bar != NULL)
				*bar = '\0';
			sp->alt = xrealloc(sp->alt, (sp->nalt + 1) * sizeof(*sp->alt));
			memset(&sp->alt[sp->nalt], 0, sizeof(*sp->alt));
			if (parse_set(&sp->alt[sp->nalt++], p, why) < 0)
				goto fail;
			if (bar == NULL)
				break;
		}
	}
	*out = sp;
	return 0;
fail:
	semver_spec_free(sp);
	return -1;
}

void
semver_spec_free(struct semver_spec *sp)
{
	size_t i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->nalt; i++)
		free(sp->alt[i].v);
	free(sp->alt);
	free(sp->work);
	free(sp->text);
	free(sp);
}

enum semver_kind
semver_spec_kind(const struct semver_spec *sp)
{
	return sp->kind;
}

const char *
semver_spec_text(const struct semver_spec *sp)
{
	return sp->text;
}

static bool
comparator_match(const struct comparator *c, const struct semver *v)
{
	bool in = true;
	int r;

	if (v->pre != NULL && !c->pre_ok)
		return false;
	if (c->has_lo) {
		r = semver_cmp(v, &c->lo);
		in = r > 0 || (r == 0 && c->lo_incl);
	}
	if (in && c->has_hi) {
		r = semver_cmp(v, &c->hi);
		in = r < 0 || (r == 0 && c->hi_incl);
	}
	return c->negate ? !in : in;
}

bool
semver_spec_match(const struct semver_spec *sp, const char *tag)
{
	struct semver v;
	size_t i, j;

	if (semver_parse_tag(&v, tag) < 0)
		return false;
	switch (sp->kind) {
	case SEMVER_LATEST:
		return true;
	case SEMVER_EXACT:
		return strcmp(tag, sp->text) == 0;
	case SEMVER_CONSTRAINT:
		for (i = 0; i < sp->nalt; i++) {
			for (j = 0; j < sp->alt[i].n; j++)
				if (!comparator_match(&sp->alt[i].v[j], &v))
					break;
			if (j == sp->alt[i].n)
				return true;
		}
		return false;
	}
	return false;
}

long
semver_spec_pick(const struct semver_spec *sp, const char *const *tags, size_t n)
{
	struct semver best, v;
	long pick = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!semver_spec_match(sp, tags[i]) || semver_parse_tag(&v, tags[i]) < 0)
			continue;
		if (pick < 0 || semver_cmp(&v, &best) > 0) {
			pick = (long)i;
			best = v;
		}
	}
	return pick;
}
