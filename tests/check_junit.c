/*
 * junit.xml (supervisor/report/junit.c): parsed back with a small XML 1.0
 * well-formedness checker (itself tested on bad input) into a tree whose
 * shape, counts and decoded texts are asserted.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

/* ---- the records: tests/reportfix.h ---- */

#include "reportfix.h"

/* ---- a small XML checker ---- */

#define X_MAX_ATTRS 16
#define X_MAX_KIDS 64

struct xnode {
	char *name;
	char *an[X_MAX_ATTRS], *av[X_MAX_ATTRS];
	int nattr;
	struct xnode *kids[X_MAX_KIDS];
	int nkids;
	struct buf text;          /* character data, references decoded */
};

struct xp {
	const char *p;
	const char *why;
};

/* The UTF-8 sequence at p: its length and code point, 0 when invalid. */
static int
utf8_next(const unsigned char *p, uint32_t *cp)
{
	int n, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, *cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, *cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, *cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && *cp < 0x800) || (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* XML 1.0's Char production. */
static bool
xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

static bool
name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	    (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

static char *
x_name(struct xp *x)
{
	const char *s = x->p;

	if (!name_char(*s, true)) {
		x->why = "bad name";
		return NULL;
	}
	while (name_char(*x->p, false))
		x->p++;
	return strndup(s, (size_t)(x->p - s));
}

static void
x_space(struct xp *x)
{
	while (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')
		x->p++;
}

static void
add_utf8(struct buf *b, uint32_t c)
{
	if (c < 0x80) {
		buf_addch(b, (int)c);
	} else if (c < 0x800) {
		buf_addch(b, (int)(0xc0 | c >> 6));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addch(b, (int)(0xe0 | c >> 12));
		buf_addch(b, (int)(0x80 | (c >> 6 & 0x3f)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	} else {
		buf_addch(b, (int)(0xf0 | c >> 18));
		buf_addch(b, (int)(0x80 | (c >> 12 & 0x3f)));
		buf_addch(b, (int)(0x80 | (c >> 6 & 0x3f)));
		buf_addch(b, (int)(0x80 | (c & 0x3f)));
	}
}

/* A reference at x->p ('&'), decoded into b. */
static void
x_reference(struct xp *x, struct buf *b)
{
	static const struct {
		const char *name;
		char c;
	} named[] = { { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' },
		{ "apos;", '\'' } };
	unsigned long c;
	char *end;
	size_t i;

	x->p++;
	for (i = 0; i < ARRAY_SIZE(named); i++)
		if (strncmp(x->p, named[i].name, strlen(named[i].name)) == 0) {
			buf_addch(b, named[i].c);
			x->p += strlen(named[i].name);
			return;
		}
	if (*x->p != '#') {
		x->why = "bad reference";
		return;
	}
	x->p++;
	c = *x->p == 'x' ? strtoul(x->p + 1, &end, 16) : strtoul(x->p, &end, 10);
	if (end == x->p || *end != ';' || !xml_char((uint32_t)c)) {
		x->why = "bad character reference";
		return;
	}
	add_utf8(b, (uint32_t)c);
	x->p = end + 1;
}

static void
x_attrs(struct xp *x, struct xnode *n)
{
	for (;;) {
		const char *before = x->p;
		char q, *name;
		struct buf v = BUF_INIT;
		int i;

		x_space(x);
		if (*x->p == '/' || *x->p == '>' || *x->p == '?')
			return;
		if (x->p == before) {
			x->why = "no space before an attribute";
			return;
		}
		if ((name = x_name(x)) == NULL)
			return;
		for (i = 0; i < n->nattr; i++)
			if (strcmp(n->an[i], name) == 0)
				x->why = "attribute twice";
		if (n->nattr == X_MAX_ATTRS)
			x->why = "too many attributes for the checker";
		if (x->why != NULL || *x->p++ != '=' || (*x->p != '"' && *x->p != '\'')) {
			if (x->why == NULL)
				x->why = "attribute without =\"";
			free(name);
			return;
		}
		q = *x->p++;
		while (x->why == NULL && *x->p != q) {
			if (*x->p == '\0' || *x->p == '<')
				x->why = "'<' or the end in an attribute";
			else if (*x->p == '&')
				x_reference(x, &v);
			else
				buf_addch(&v, *x->p++);
		}
		x->p++;
		n->an[n->nattr] = name;
		n->av[n->nattr++] = buf_detach(&v, NULL);
		if (x->why != NULL)
			return;
	}
}

static void
x_free(struct xnode *n)
{
	int i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nattr; i++) {
		free(n->an[i]);
		free(n->av[i]);
	}
	for (i = 0; i < n->nkids; i++)
		x_free(n->kids[i]);
	free(n->name);
	buf_release(&n->text);
	free(n);
}

static struct xnode *x_element(struct xp *x);

/* Content up to and including the end tag of n. */
static void
x_content(struct xp *x, struct xnode *n)
{
	while (x->why == NULL) {
		if (*x->p == '\0') {
			x->why = "element not closed";
		} else if (strncmp(x->p, "</", 2) == 0) {
			char *name;

			x->p += 2;
			if ((name = x_name(x)) == NULL)
				return;
			if (strcmp(name, n->name) != 0)
				x->why = "end tag does not match";
			free(name);
			x_space(x);
			if (x->why == NULL && *x->p++ != '>')
				x->why = "end tag not closed";
			return;
		} else if (strncmp(x->p, "<!--", 4) == 0) {
			const char *e = strstr(x->p + 4, "-->");

			if (e == NULL)
				x->why = "comment not closed";
			else
				x->p = e + 3;
		} else if (*x->p == '<') {
			struct xnode *k = x_element(x);

			if (k != NULL && n->nkids == X_MAX_KIDS) {
				x->why = "too many children for the checker";
				x_free(k);
			} else if (k != NULL) {
				n->kids[n->nkids++] = k;
			}
		} else if (*x->p == '&') {
			x_reference(x, &n->text);
		} else if (strncmp(x->p, "]]>", 3) == 0) {
			x->why = "]]> in text";
		} else {
			buf_addch(&n->text, *x->p++);
		}
	}
}

static struct xnode *
x_element(struct xp *x)
{
	struct xnode *n = calloc(1, sizeof(*n));

	buf_init(&n->text, 0);
	x->p++;
	if ((n->name = x_name(x)) != NULL)
		x_attrs(x, n);
	if (x->why == NULL && strncmp(x->p, "/>", 2) == 0) {
		x->p += 2;
	} else if (x->why == NULL && *x->p == '>') {
		x->p++;
		x_content(x, n);
	} else if (x->why == NULL) {
		x->why = "tag not closed";
	}
	if (x->why != NULL) {
		x_free(n);
		return NULL;
	}
	return n;
}

/* The document's root, or NULL with *why. */
static struct xnode *
xml_parse(const char *doc, const char **why)
{
	const unsigned char *u = (const unsigned char *)doc;
	struct xp x = { doc, NULL };
	struct xnode *root;
	uint32_t c;
	int n;

	while (*u != '\0') {
		if ((n = utf8_next(u, &c)) == 0) {
			*why = "not UTF-8";
			return NULL;
		}
		if (!xml_char(c)) {
			*why = "a character XML 1.0 forbids";
			return NULL;
		}
		u += n;
	}
	if (strncmp(x.p, "<?xml ", 6) == 0) {
		const char *e = strstr(x.p, "?>");

		if (e == NULL) {
			*why = "declaration not closed";
			return NULL;
		}
		x.p = e + 2;
	}
	x_space(&x);
	if (*x.p != '<') {
		*why = "no root element";
		return NULL;
	}
	root = x_element(&x);
	x_space(&x);
	if (x.why == NULL && *x.p != '\0')
		x.why = "more after the root element";
	if (x.why != NULL) {
		x_free(root);
		*why = x.why;
		return NULL;
	}
	return root;
}

static const char *
x_attr(const struct xnode *n, const char *name)
{
	int i;

	for (i = 0; i < n->nattr; i++)
		if (strcmp(n->an[i], name) == 0)
			return n->av[i];
	return NULL;
}

/* The i-th child named name, or NULL. */
static struct xnode *
x_kid(const struct xnode *n, const char *name, int i)
{
	int k;

	for (k = 0; k < n->nkids; k++)
		if (strcmp(n->kids[k]->name, name) == 0 && i-- == 0)
			return n->kids[k];
	return NULL;
}

static int
x_count(const struct xnode *n, const char *name)
{
	int k, c = 0;

	for (k = 0; k < n->nkids; k++)
		c += strcmp(n->kids[k]->name, name) == 0;
	return c;
}

START_TEST(test_checker_rejects)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "", "no root element" },
		{ "<a>", "element not closed" },
		{ "<a></b>", "end tag does not match" },
		{ "<a/><b/>", "more after the root element" },
		{ "<a x=\"1\" x=\"2\"/>", "attribute twice" },
		{ "<a x=\"<\"/>", "'<' or the end in an attribute" },
		{ "<a x=1/>", "attribute without =\"" },
		{ "<a>&foo;</a>", "bad reference" },
		{ "<a>& </a>", "bad reference" },
		{ "<a>&#1;</a>", "bad character reference" },
		{ "<a>]]></a>", "]]> in text" },
		{ "<a>\x01</a>", "a character XML 1.0 forbids" },
		{ "<a>\xef\xbf\xbe</a>", "a character XML 1.0 forbids" },
		{ "<a>\xff</a>", "not UTF-8" },
		{ "<a>\xc0\xaf</a>", "not UTF-8" },
		{ "<a x=\"1\"y=\"2\"/>", "no space before an attribute" },
	};
	struct xnode *n;
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		n = xml_parse(bad[i].doc, &why);
		ck_assert_msg(n == NULL, "accepted: %s", bad[i].doc);
		ck_assert_str_eq(why, bad[i].why);
	}
	n = xml_parse("<?xml version=\"1.0\"?>\n<a x='&#10;&lt;'><!-- c --><b/>t&amp;</a>\n", &why);
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(x_attr(n, "x"), "\n<");
	ck_assert_str_eq(n->text.ptr, "t&");
	ck_assert_int_eq(x_count(n, "b"), 1);
	x_free(n);
}
END_TEST

/* ---- junit.xml ---- */

static struct xnode *
render(const struct report_run *run, const struct record *recs, size_t n, char **text)
{
	struct report_in in = { run, recs, n, NULL };
	struct buf b = BUF_INIT;
	struct xnode *root;
	const char *why = NULL;

	report_junit(&b, &in);
	root = xml_parse(b.ptr, &why);
	ck_assert_msg(root != NULL, "not well-formed: %s:\n%s", why, b.ptr);
	*text = buf_detach(&b, NULL);
	return root;
}

/* The testcase named name. */
static struct xnode *
testcase(const struct xnode *suite, const char *name)
{
	int i;

	for (i = 0; i < suite->nkids; i++)
		if (strcmp(suite->kids[i]->name, "testcase") == 0 &&
		    strcmp(x_attr(suite->kids[i], "name"), name) == 0)
			return suite->kids[i];
	ck_abort_msg("no testcase '%s'", name);
	return NULL;
}

START_TEST(test_junit_shape)
{
	struct report_run run;
	struct record recs[NRECS];
	struct xnode *root, *suite, *tc, *f;
	char *text;

	fixture(&run, recs);
	root = render(&run, recs, NRECS, &text);
	ck_assert_str_eq(root->name, "testsuites");
	ck_assert_int_eq(root->nkids, 1);
	suite = x_kid(root, "testsuite", 0);
	ck_assert_ptr_nonnull(suite);
	ck_assert_str_eq(x_attr(suite, "name"), "repocast run");
	ck_assert_str_eq(x_attr(suite, "tests"), "8");
	/* The crash, the timeout, the hostile exit; the skipped dependency and
	 * the skip cache's answer are skipped, not failures. */
	ck_assert_str_eq(x_attr(suite, "failures"), "3");
	ck_assert_str_eq(x_attr(suite, "errors"), "0");
	ck_assert_str_eq(x_attr(suite, "skipped"), "2");
	ck_assert_str_eq(x_attr(suite, "time"), "2.500");
	ck_assert_str_eq(x_attr(suite, "timestamp"), "2026-12-03T12:14:22");
	ck_assert_str_eq(x_attr(root, "tests"), "8");
	ck_assert_str_eq(x_attr(root, "failures"), "3");
	ck_assert_int_eq(x_count(suite, "testcase"), NRECS);
	ck_assert_int_eq(x_count(suite, "properties"), 1);

	tc = testcase(suite, "acme/api");
	ck_assert_str_eq(x_attr(tc, "classname"), "repocast.run");
	ck_assert_str_eq(x_attr(tc, "time"), "0.007");
	ck_assert_int_eq(tc->nkids, 0);
	tc = testcase(suite, "acme/crash");
	f = x_kid(tc, "failure", 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(x_attr(f, "type"), "signal:SEGV");
	ck_assert_str_eq(x_attr(f, "message"), "the worker was killed by signal SEGV");
	ck_assert_ptr_nonnull(strstr(f->text.ptr, "cause: signal:SEGV (worker)\n"));
	tc = testcase(suite, "acme/slow");
	ck_assert_str_eq(x_attr(tc, "time"), "2.000");
	ck_assert_str_eq(x_attr(x_kid(tc, "failure", 0), "type"), "timeout");
	ck_assert_ptr_nonnull(strstr(x_kid(tc, "failure", 0)->text.ptr, "outcome: timed_out\n"));
	/* A retry that worked is a pass. */
	ck_assert_int_eq(testcase(suite, "acme/flaky")->nkids, 0);
	tc = testcase(suite, "acme/later");
	ck_assert_ptr_null(x_kid(tc, "failure", 0));
	ck_assert_str_eq(x_attr(x_kid(tc, "skipped", 0), "message"),
	    "dependency: group 'base' failed");
	tc = testcase(suite, "acme/cached");
	ck_assert_ptr_nonnull(strstr(x_attr(x_kid(tc, "skipped", 0), "message"), "skip cache"));
	x_free(root);
	free(text);
	report_run_release(&run);
}
END_TEST

START_TEST(test_junit_hostile)
{
	struct report_run run;
	struct record recs[NRECS];
	struct xnode *root, *suite, *f;
	char *text;

	fixture(&run, recs);
	root = render(&run, recs, NRECS, &text);
	suite = x_kid(root, "testsuite", 0);
	/* Not UTF-8: made valid as report.json does it (U+FFFD for the bad
	 * byte, the valid text kept); markup escaped, the name intact. */
	f = x_kid(testcase(suite, "evil\"<b>|\nx\xEF\xBF\xBD"), "failure", 0);
	ck_assert_str_eq(x_attr(f, "type"), "exit:3");
	/* Valid UTF-8 with a control character: the newline kept (as &#10; in
	 * the attribute), the control replaced. */
	ck_assert_str_eq(x_attr(f, "message"), "bad | <b>&\"q\"\n? line2");
	ck_assert_ptr_nonnull(strstr(f->text.ptr, "bad | <b>&\"q\"\n? line2\n"));
	ck_assert_ptr_nonnull(strstr(f->text.ptr, "cause: exit:3 (command)"));
	ck_assert_ptr_nonnull(testcase(suite, "multi\nline \\ \"\xc3\xa9\" & <x>"));
	ck_assert_ptr_null(strchr(text, '\x01'));
	x_free(root);
	free(text);
	report_run_release(&run);
}
END_TEST

/* Characters XML 1.0 forbids even when they are valid UTF-8. */
START_TEST(test_junit_forbidden_chars)
{
	struct report_run run;
	struct record r;
	struct xnode *root, *tc;
	char *text;

	memset(&r, 0, sizeof(r));
	report_run_init(&run, "sync");
	target(&r, "a\x1b[31m\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd\t\r", OUTCOME_FAILED, 1, 0, 1);
	failed(&r, CAUSE_PROTOCOL, 0, "frame\x7f\x0b");
	root = render(&run, &r, 1, &text);
	tc = x_kid(x_kid(root, "testsuite", 0), "testcase", 0);
	/* ESC, U+FFFE and U+FFFF become '?'; U+FFFD, tab and CR are kept. */
	ck_assert_str_eq(x_attr(tc, "name"), "a?[31m??\xef\xbf\xbd\t\r");
	ck_assert_str_eq(x_attr(tc, "classname"), "repocast.sync");
	ck_assert_str_eq(x_attr(x_kid(tc, "failure", 0), "message"), "frame\x7f?");
	x_free(root);
	free(text);
	report_run_release(&run);
}
END_TEST

START_TEST(test_junit_empty)
{
	struct report_run run;
	struct xnode *root, *suite;
	char *text;

	report_run_init(&run, "run");
	root = render(&run, NULL, 0, &text);
	suite = x_kid(root, "testsuite", 0);
	ck_assert_str_eq(x_attr(suite, "tests"), "0");
	ck_assert_str_eq(x_attr(suite, "failures"), "0");
	ck_assert_int_eq(x_count(suite, "testcase"), 0);
	x_free(root);
	free(text);
	report_run_release(&run);
}
END_TEST

Suite *
junit_suite(void)
{
	Suite *s = suite_create("junit");
	TCase *tc = tcase_create("junit");

	tcase_add_test(tc, test_checker_rejects);
	tcase_add_test(tc, test_junit_shape);
	tcase_add_test(tc, test_junit_hostile);
	tcase_add_test(tc, test_junit_forbidden_chars);
	tcase_add_test(tc, test_junit_empty);
	suite_add_tcase(s, tc);
	return s;
}
