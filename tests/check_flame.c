#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/fold.h"
#include "shared/util.h"
#include "supervisor/report/flame.h"

/*
 * A small XML well-formedness check: elements nest and close, attribute
 * values are quoted, '&' starts an entity, no '<' in text or values,
 * CDATA and the prolog skipped. NULL when s is well-formed, else why.
 */
static const char *
xml_check(const char *s)
{
	static char why[128];
	char stack[64][32];
	int sp = 0, elems = 0;
	const char *p = s;

	while (*p) {
		if (strncmp(p, "<?", 2) == 0) {
			p = strstr(p, "?>");
			if (p == NULL)
				return "unterminated prolog";
			p += 2;
		} else if (strncmp(p, "<![CDATA[", 9) == 0) {
			p = strstr(p, "]]>");
			if (p == NULL)
				return "unterminated CDATA";
			p += 3;
		} else if (strncmp(p, "</", 2) == 0) {
			size_t n = strcspn(p + 2, ">");

			if (sp == 0 || strlen(stack[sp - 1]) != n || strncmp(stack[sp - 1], p + 2, n))
				return snprintf(why, sizeof(why), "</%.*s> closes <%s>", (int)n, p + 2,
				    sp ? stack[sp - 1] : "nothing"), why;
			sp--;
			p += n + 3;
		} else if (*p == '<') {
			size_t n = strcspn(p + 1, " \t\n/>");
			int self = 0;

			if (n == 0 || n >= sizeof(stack[0]))
				return "bad element name";
			if (sp == 0 && elems > 0)
				return "a second root element";
			memcpy(stack[sp], p + 1, n);
			stack[sp][n] = '\0';
			p += 1 + n;
			while (*p && *p != '>') {
				if (*p == '/' && p[1] == '>') {
					self = 1;
					p++;
					break;
				}
				if (*p == '"' || *p == '\'') {
					char q = *p++;

					while (*p && *p != q) {
						if (*p == '<')
							return "'<' in an attribute value";
						if (*p == '&' && strspn(p + 1, "abcdefghijklmnopqrstuvwxyz#0123456789") == 0)
							return "bare '&' in an attribute value";
						p++;
					}
					if (*p != q)
						return "unterminated attribute value";
				} else if (*p == '=' && p[1] != '"' && p[1] != '\'') {
					return "unquoted attribute value";
				}
				p++;
			}
			if (*p != '>')
				return "unterminated tag";
			p++;
			elems++;
			if (!self && ++sp >= 64)
				return "nested too deep";
		} else {
			if (*p == '&') {
				size_t n = strcspn(p, ";");

				if (p[n] != ';' || n < 2 || n > 8)
					return "bare '&' in text";
			}
			if (*p == '>' && sp > 0)
				return "'>' in text";
			p++;
		}
	}
	if (sp != 0)
		return snprintf(why, sizeof(why), "<%s> left open", stack[sp - 1]), why;
	return elems ? NULL : "no element";
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
render(struct buf *out, struct fold *f, const char *nonce, bool standalone)
{
	struct flame_opts o;

	memset(&o, 0, sizeof(o));
	o.title = "Test <graph>";
	o.subtitle = "a & b";
	o.nonce = nonce;
	o.standalone = standalone;
	flame_svg(out, f, &o);
}

START_TEST(test_flame_well_formed)
{
	struct fold f;
	struct buf b = BUF_INIT;
	const char *why;

	fold_init(&f);
	fold_add(&f, "main;a;b", 8, 30);
	fold_add(&f, "main;a", 6, 10);
	fold_add(&f, "main;c", 6, 60);
	render(&b, &f, "abc123", true);
	why = xml_check(b.ptr);
	ck_assert_msg(why == NULL, "not well-formed: %s", why);
	ck_assert(strncmp(b.ptr, "<?xml", 5) == 0);
	ck_assert(strstr(b.ptr, "xmlns=\"http://www.w3.org/2000/svg\"") != NULL);
	/* all, main, a, b, c: one frame each. */
	ck_assert_uint_eq(count(b.ptr, "<g class=\"f\""), 5);
	ck_assert(strstr(b.ptr, "<title>all (100 samples, 100.00%)</title>") != NULL);
	ck_assert(strstr(b.ptr, "<title>c (60 samples, 60.00%)</title>") != NULL);
	ck_assert(strstr(b.ptr, "<title>b (30 samples, 30.00%)</title>") != NULL);
	/* b is a's callee: above it (one frame up), from a's x. */
	ck_assert(strstr(b.ptr, "data-x=\"0\" data-w=\"40\" data-d=\"2\" data-n=\"a\"") != NULL);
	ck_assert(strstr(b.ptr, "data-x=\"0\" data-w=\"30\" data-d=\"3\" data-n=\"b\"") != NULL);
	ck_assert(strstr(b.ptr, "data-x=\"40\" data-w=\"60\" data-d=\"2\" data-n=\"c\"") != NULL);
	ck_assert(strstr(b.ptr, "<script nonce=\"abc123\"><![CDATA[") != NULL);
	ck_assert(strstr(b.ptr, "Test &lt;graph&gt;") != NULL);
	ck_assert(strstr(b.ptr, "a &amp; b") != NULL);
	/* Handlers by addEventListener only: no on* attribute a policy would block. */
	ck_assert(strstr(b.ptr, " onclick=") == NULL && strstr(b.ptr, " onload=") == NULL);
	buf_release(&b);
	fold_release(&f);
}
END_TEST

START_TEST(test_flame_escapes_names)
{
	struct fold f;
	struct buf b = BUF_INIT;
	const char *why;
	const char *evil = "main;operator<<(std::ostream&, \"x\");f'\x01;bad\xff;caf\xc3\xa9";

	fold_init(&f);
	fold_add(&f, evil, strlen(evil), 5);
	render(&b, &f, NULL, false);
	why = xml_check(b.ptr);
	ck_assert_msg(why == NULL, "not well-formed: %s", why);
	ck_assert(strstr(b.ptr, "operator&lt;&lt;(std::ostream&amp;, &quot;x&quot;)") != NULL);
	ck_assert(strstr(b.ptr, "f&#39;?") != NULL);   /* a control byte: '?' */
	ck_assert(strstr(b.ptr, "bad?") != NULL);      /* not UTF-8: '?' */
	ck_assert(strstr(b.ptr, "caf\xc3\xa9") != NULL); /* UTF-8 kept */
	ck_assert(strstr(b.ptr, "<?xml") == NULL);     /* inline: no prolog */
	ck_assert(strstr(b.ptr, "<script><![CDATA[") != NULL);
	buf_release(&b);
	fold_release(&f);
}
END_TEST

START_TEST(test_flame_empty)
{
	struct fold f;
	struct buf b = BUF_INIT;

	fold_init(&f);
	render(&b, &f, NULL, true);
	ck_assert(xml_check(b.ptr) == NULL);
	ck_assert(strstr(b.ptr, ">No samples<") != NULL);
	ck_assert_uint_eq(count(b.ptr, "<g class=\"f\""), 0);
	buf_release(&b);
	fold_release(&f);
}
END_TEST

START_TEST(test_flame_narrow_frames_left_out)
{
	struct fold f;
	struct buf b = BUF_INIT;

	fold_init(&f);
	fold_add(&f, "main;wide", 9, 1000000);
	fold_add(&f, "main;thin;deeper", 16, 1);  /* 1e-6 of 1180 px: < 0.1 px */
	render(&b, &f, NULL, true);
	ck_assert(xml_check(b.ptr) == NULL);
	ck_assert(strstr(b.ptr, "data-n=\"wide\"") != NULL);
	ck_assert(strstr(b.ptr, "data-n=\"thin\"") == NULL);
	ck_assert(strstr(b.ptr, "data-n=\"deeper\"") == NULL);
	buf_release(&b);
	fold_release(&f);
}
END_TEST

START_TEST(test_flame_text_cut)
{
	struct fold f;
	struct buf b = BUF_INIT;
	char name[300];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	fold_init(&f);
	fold_add(&f, name, strlen(name), 1);
	render(&b, &f, NULL, true);
	/* The box is narrower than 299 characters: the text ends in "..". */
	ck_assert(strstr(b.ptr, "nn..</text>") != NULL);
	ck_assert(xml_check(b.ptr) == NULL);
	buf_release(&b);
	fold_release(&f);
}
END_TEST

START_TEST(test_flame_xml_check_fails)
{
	/* The checker itself sees what it must. */
	ck_assert(xml_check("<a><b></a>") != NULL);
	ck_assert(xml_check("<a x=1></a>") != NULL);
	ck_assert(xml_check("<a>&</a>") != NULL);
	ck_assert(xml_check("<a title=\"<\"></a>") != NULL);
	ck_assert(xml_check("<a>") != NULL);
	ck_assert(xml_check("<a/><b/>") != NULL);
	ck_assert(xml_check("<a>&amp;<b/></a>") == NULL);
}
END_TEST

Suite *
flame_suite(void)
{
	Suite *s = suite_create("flame");
	TCase *tc = tcase_create("svg");

	tcase_add_test(tc, test_flame_well_formed);
	tcase_add_test(tc, test_flame_escapes_names);
	tcase_add_test(tc, test_flame_empty);
	tcase_add_test(tc, test_flame_narrow_frames_left_out);
	tcase_add_test(tc, test_flame_text_cut);
	tcase_add_test(tc, test_flame_xml_check_fails);
	suite_add_tcase(s, tc);
	return s;
}
