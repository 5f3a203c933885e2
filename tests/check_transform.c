#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/transform.h"
#include "shared/util.h"

static const struct transform_pair vars[] = {
	{ "NAME", "api" },
	{ "NAME_LONG", "acme-api-service" },
	{ "OWNER", "acme" },
};

static const struct transform_pair emails[] = {
	{ "security@src.example", "sec@acme.example" },
	{ "support@src.example", "help@acme.example" },
};

struct tcase_row {
	const char *in;
	const char *out;
};

/* repo_name: src-org/template -> acme/api, plus the variables and emails. */
static const struct tcase_row rows[] = {
	/* repo_name */
	{ "src-org/template", "acme/api" },
	{ "see src-org/template.", "see acme/api." },
	{ "https://github.com/src-org/template", "https://github.com/acme/api" },
	{ "https://github.com/src-org/template/blob/main/x", "https://github.com/acme/api/blob/main/x" },
	{ "git@github.com:src-org/template.git", "git@github.com:acme/api.git" },
	{ "module github.com/src-org/template\n", "module github.com/acme/api\n" },
	{ "import \"github.com/src-org/template/v2/pkg\"", "import \"github.com/acme/api/v2/pkg\"" },
	{ "uses: src-org/template/.github/workflows/ci.yml@v1",
	  "uses: acme/api/.github/workflows/ci.yml@v1" },
	{ "[x](src-org/template)", "[x](acme/api)" },
	{ "src-org/template src-org/template", "acme/api acme/api" },
	{ "src-org/template-x", "src-org/template-x" },
	{ "src-org/templates", "src-org/templates" },
	{ "xsrc-org/template", "xsrc-org/template" },
	{ "my-src-org/template", "my-src-org/template" },
	{ "src-org/template.github", "src-org/template.github" },
	{ "src-org/template_v2", "src-org/template_v2" },
	{ "src-org/TEMPLATE", "src-org/TEMPLATE" },
	{ "other/template", "other/template" },
	/* variables */
	{ "{{NAME}}", "api" },
	{ "${NAME}", "api" },
	{ "x{{NAME}}y${NAME}z", "xapiyapiz" },
	{ "{{NAME_LONG}}", "acme-api-service" },
	{ "${NAME_LONG}/${NAME}", "acme-api-service/api" },
	{ "{{NAME_LONGER}}", "{{NAME_LONGER}}" },
	{ "{{ NAME }}", "{{ NAME }}" },
	{ "{{name}}", "{{name}}" },
	{ "{{NAME}", "{{NAME}" },
	{ "{{NAME", "{{NAME" },
	{ "${NAME", "${NAME" },
	{ "$NAME", "$NAME" },
	{ "{NAME}", "{NAME}" },
	{ "{{{NAME}}}", "{api}" },
	{ "${{NAME}}", "$api" },
	{ "$${NAME}", "$api" },
	{ "{{OWNER}}/{{NAME}}", "acme/api" },
	{ "{{", "{{" },
	{ "${", "${" },
	{ "{", "{" },
	{ "$", "$" },
	/* emails */
	{ "security@src.example", "sec@acme.example" },
	{ "mailto:support@src.example)", "mailto:help@acme.example)" },
	{ "<security@src.example>.", "<sec@acme.example>." },
	{ "mail security@src.example.", "mail sec@acme.example." },
	{ "xsecurity@src.example", "xsecurity@src.example" },
	{ "security@src.example.org", "security@src.example.org" },
	{ "security@src.examples", "security@src.examples" },
	/* everything at once, replaced text never rescanned */
	{ "{{OWNER}}: src-org/template <support@src.example>",
	  "acme: acme/api <help@acme.example>" },
	/* nothing to do */
	{ "", "" },
	{ "plain text\n", "plain text\n" },
};

START_TEST(test_transform_table)
{
	const struct tcase_row *r = &rows[_i];
	struct transform *t = NULL;
	struct buf out = BUF_INIT;
	int rc;

	ck_assert_int_eq(transform_new(&t, "src-org/template", "acme/api", vars,
	    ARRAY_SIZE(vars), emails, ARRAY_SIZE(emails)), 0);
	ck_assert_int_eq(transform_is_noop(t), 0);
	rc = transform_apply(&out, t, r->in, strlen(r->in));
	ck_assert_msg(strcmp(out.ptr, r->out) == 0, "in '%s': got '%s', want '%s'", r->in,
	    out.ptr, r->out);
	ck_assert_uint_eq(out.len, strlen(r->out));
	ck_assert_int_eq(rc, strcmp(r->in, r->out) != 0);
	buf_release(&out);
	transform_free(t);
}
END_TEST

START_TEST(test_transform_noop)
{
	static const char text[] = "src-org/template {{NAME}} security@src.example\0bin";
	struct transform *t = NULL;
	struct buf out = BUF_INIT;

	/* Nothing configured. */
	ck_assert_int_eq(transform_new(&t, NULL, NULL, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(transform_is_noop(t), 1);
	ck_assert_int_eq(transform_apply(&out, t, text, sizeof(text)), 0);
	ck_assert_uint_eq(out.len, sizeof(text));
	ck_assert_int_eq(memcmp(out.ptr, text, sizeof(text)), 0);
	transform_free(t);
	/* Same repo, same emails, empty emails: still nothing to do. */
	{
		const struct transform_pair same[] = {
			{ "a@b.example", "a@b.example" }, { "", "x@y.example" }, { "a@b.example", NULL },
		};

		ck_assert_int_eq(transform_new(&t, "src-org/template", "src-org/template", NULL, 0,
		    same, ARRAY_SIZE(same)), 0);
		ck_assert_int_eq(transform_is_noop(t), 1);
		ck_assert_int_eq(transform_apply(&out, t, text, sizeof(text)), 0);
		ck_assert_int_eq(memcmp(out.ptr, text, sizeof(text)), 0);
		transform_free(t);
	}
	/* A rule whose replacement equals its match: unchanged, returns 0. */
	{
		const struct transform_pair v[] = { { "X", "{{X}}" } };

		ck_assert_int_eq(transform_new(&t, NULL, NULL, v, 1, NULL, 0), 0);
		ck_assert_int_eq(transform_apply(&out, t, "a{{X}}b", 7), 0);
		ck_assert_str_eq(out.ptr, "a{{X}}b");
		/* ${X} becomes {{X}}: changed, and not rescanned. */
		ck_assert_int_eq(transform_apply(&out, t, "${X}", 4), 1);
		ck_assert_str_eq(out.ptr, "{{X}}");
		transform_free(t);
	}
	/* NULL transform and the out buffer is reset first. */
	buf_reset(&out);
	buf_addstr(&out, "stale");
	ck_assert_int_eq(transform_is_noop(NULL), 1);
	ck_assert_int_eq(transform_apply(&out, NULL, "abc", 3), 0);
	ck_assert_str_eq(out.ptr, "abc");
	buf_release(&out);
	transform_free(NULL);
}
END_TEST

START_TEST(test_transform_vars_override)
{
	const struct transform_pair v[] = { { "A", "1" }, { "B", "2" }, { "A", "3" } };
	struct transform *t = NULL;
	struct buf out = BUF_INIT;

	ck_assert_int_eq(transform_new(&t, NULL, NULL, v, ARRAY_SIZE(v), NULL, 0), 0);
	ck_assert_int_eq(transform_apply(&out, t, "{{A}}{{B}}${A}", 14), 1);
	ck_assert_str_eq(out.ptr, "323");
	buf_release(&out);
	transform_free(t);
}
END_TEST

START_TEST(test_transform_many_emails)
{
	struct transform_pair e[20];
	char from[20][32], to[20][32];
	struct transform *t = NULL;
	struct buf out = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(e); i++) {
		snprintf(from[i], sizeof(from[i]), "a%zu@x.example", i);
		snprintf(to[i], sizeof(to[i]), "b%zu@y.example", i);
		e[i].from = from[i];
		e[i].to = to[i];
	}
	ck_assert_int_eq(transform_new(&t, NULL, NULL, NULL, 0, e, ARRAY_SIZE(e)), 0);
	ck_assert_int_eq(transform_apply(&out, t, "a19@x.example a3@x.example a1@x.example", 39),
	    1);
	ck_assert_str_eq(out.ptr, "b19@y.example b3@y.example b1@y.example");
	buf_release(&out);
	transform_free(t);
}
END_TEST

START_TEST(test_transform_errors)
{
	const struct transform_pair empty_name[] = { { "", "x" } };
	const struct transform_pair null_value[] = { { "N", NULL } };
	struct transform *t = (struct transform *)1;

	ck_assert_int_eq(transform_new(&t, "noslash", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err_last(),
	    "invalid repository 'noslash' for the repo_name transform: expected owner/name");
	ck_assert_int_eq(transform_new(&t, "acme/api", "a/b/c", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "invalid repository 'a/b/c' for the repo_name transform: expected owner/name");
	ck_assert_int_eq(transform_new(&t, "/api", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_int_eq(transform_new(&t, "acme/", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_int_eq(transform_new(&t, "acme/a pi", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_int_eq(transform_new(&t, "acme/api", NULL, NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "repo_name transform needs both source and target repositories");
	ck_assert_int_eq(transform_new(&t, NULL, NULL, empty_name, 1, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "empty variable name in transform variables");
	ck_assert_int_eq(transform_new(&t, NULL, NULL, null_value, 1, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "variable 'N' has no value");
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_transform_large)
{
	struct transform *t = NULL;
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	int i;

	ck_assert_int_eq(transform_new(&t, "src-org/template", "acme/api", vars,
	    ARRAY_SIZE(vars), NULL, 0), 0);
	for (i = 0; i < 5000; i++) {
		buf_addf(&in, "line %d {{NAME}} github.com/src-org/template/x {\n", i);
		buf_addf(&want, "line %d api github.com/acme/api/x {\n", i);
	}
	ck_assert_int_eq(transform_apply(&out, t, in.ptr, in.len), 1);
	ck_assert_uint_eq(out.len, want.len);
	ck_assert_int_eq(memcmp(out.ptr, want.ptr, want.len), 0);
	buf_release(&in);
	buf_release(&out);
	buf_release(&want);
	transform_free(t);
}
END_TEST

Suite *
transform_suite(void)
{
	Suite *s = suite_create("transform");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_transform_table, 0, (int)ARRAY_SIZE(rows));
	tcase_add_test(tc, test_transform_noop);
	tcase_add_test(tc, test_transform_vars_override);
	tcase_add_test(tc, test_transform_many_emails);
	tcase_add_test(tc, test_transform_large);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_transform_errors);
	suite_add_tcase(s, tc);
	return s;
}
