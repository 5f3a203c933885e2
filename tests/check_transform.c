#include <check.h>
#include <stdbool.h>
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

/* transform_new with the spec's fields as arguments. */
static int
xf_new(struct transform **out, const char *from, const char *to,
    const struct transform_pair *v, size_t nv, const struct transform_pair *e, size_t ne)
{
	struct transform_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.repo_from = from;
	spec.repo_to = to;
	spec.vars = v;
	spec.nvars = nv;
	spec.emails = e;
	spec.nemails = ne;
	return transform_new(out, &spec);
}

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
	{ "src-org/template_x", "src-org/template_x" },
	{ "a.src-org/template", "a.acme/api" },
	{ "src-org/templates", "src-org/templates" },
	{ "xsrc-org/template", "xsrc-org/template" },
	{ "my-src-org/template", "my-src-org/template" },
	{ "src-org/template.github", "acme/api.github" },
	{ "src-org/template.svg", "acme/api.svg" },
	{ "(src-org/template)", "(acme/api)" },
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

	ck_assert_int_eq(xf_new(&t, "src-org/template", "acme/api", vars,
	    ARRAY_SIZE(vars), emails, ARRAY_SIZE(emails)), 0);
	ck_assert_int_eq(transform_is_noop(t), 0);
	rc = transform_apply(&out, t, NULL, r->in, strlen(r->in));
	ck_assert_msg(strcmp(out.ptr, r->out) == 0, "in '%s': got '%s', want '%s'", r->in,
	    out.ptr, r->out);
	ck_assert_uint_eq(out.len, strlen(r->out));
	ck_assert_int_eq(rc, strcmp(r->in, r->out) != 0);
	buf_release(&out);
	transform_free(t);
}
END_TEST

/*
 * The repo_name rules by file type, on lines of go-broadcast's own files
 * (its README's badges and links, its go.mod): mrz1836/go-broadcast ->
 * acme/widget. bare: with repo_name_bare.
 */
struct type_row {
	const char *path;
	bool bare;
	const char *in;
	const char *out;
};

static const struct type_row type_rows[] = {
	/* Markdown: URLs, badges, owner/repo in text */
	{ "README.md", false,
	  "<a href=\"https://github.com/mrz1836/go-broadcast/releases\"><img src=\"https://img.shields.io/github/release-pre/mrz1836/go-broadcast?include_prereleases\">",
	  "<a href=\"https://github.com/acme/widget/releases\"><img src=\"https://img.shields.io/github/release-pre/acme/widget?include_prereleases\">" },
	{ "README.md", false,
	  "![build](https://github.com/mrz1836/go-broadcast/actions/workflows/fortress.yml/badge.svg)",
	  "![build](https://github.com/acme/widget/actions/workflows/fortress.yml/badge.svg)" },
	{ "README.md", false, "https://img.shields.io/github/stars/mrz1836/go-broadcast.svg",
	  "https://img.shields.io/github/stars/acme/widget.svg" },
	{ "README.md", false, "git clone https://github.com/mrz1836/go-broadcast.git && cd go-broadcast",
	  "git clone https://github.com/acme/widget.git && cd go-broadcast" },
	{ "README.md", true, "git clone https://github.com/mrz1836/go-broadcast.git && cd go-broadcast",
	  "git clone https://github.com/acme/widget.git && cd widget" },
	{ "README.md", false, "gh release download --repo mrz1836/go-broadcast --pattern x",
	  "gh release download --repo acme/widget --pattern x" },
	{ "README.md", false, "[pkg.go.dev/github.com/mrz1836/go-broadcast](https://pkg.go.dev/github.com/mrz1836/go-broadcast)",
	  "[pkg.go.dev/github.com/acme/widget](https://pkg.go.dev/github.com/acme/widget)" },
	{ "docs/a.txt", true, "# go-broadcast\ngo-broadcast-x and go-broadcast_v2 stay; go-broadcast.yml",
	  "# widget\ngo-broadcast-x and go-broadcast_v2 stay; widget.yml" },
	/* YAML / JSON and other files: the same pair rule */
	{ ".github/workflows/ci.yml", false, "uses: mrz1836/go-broadcast/.github/workflows/x.yml@v1",
	  "uses: acme/widget/.github/workflows/x.yml@v1" },
	{ "package.json", true, "{\"name\": \"go-broadcast\", \"repo\": \"mrz1836/go-broadcast\"}",
	  "{\"name\": \"widget\", \"repo\": \"acme/widget\"}" },
	{ "Makefile", false, "REPO := mrz1836/go-broadcast\nNAME := go-broadcast\n",
	  "REPO := acme/widget\nNAME := go-broadcast\n" },
	/* Go: the module path only */
	{ "go.mod", false, "module github.com/mrz1836/go-broadcast\n\ngo 1.25.8\n",
	  "module github.com/acme/widget\n\ngo 1.25.8\n" },
	{ "go.mod", true, "module github.com/mrz1836/go-broadcast",
	  "module github.com/acme/widget" },
	{ "go.mod", false, "require github.com/mrz1836/go-broadcast v1.2.3\n",
	  "require github.com/mrz1836/go-broadcast v1.2.3\n" },
	{ "cmd/main.go", false, "import \"github.com/mrz1836/go-broadcast/internal/sync\"\n",
	  "import \"github.com/acme/widget/internal/sync\"\n" },
	{ "cmd/main.go", false, "import gb \"github.com/mrz1836/go-broadcast\"\n",
	  "import gb \"github.com/acme/widget\"\n" },
	{ "x/Main.GO", false, "\"github.com/mrz1836/go-broadcast/x\"",
	  "\"github.com/acme/widget/x\"" },
	{ "cmd/main.go", true, "// go-broadcast: see mrz1836/go-broadcast and github.com/mrz1836/go-broadcast docs\n",
	  "// go-broadcast: see mrz1836/go-broadcast and github.com/mrz1836/go-broadcast docs\n" },
	{ "cmd/main.go", false, "\"github.com/mrz1836/go-broadcastx\"",
	  "\"github.com/mrz1836/go-broadcastx\"" },
	/* an extension is the last dot of the last path component */
	{ "go.dir/README", false, "see mrz1836/go-broadcast", "see acme/widget" },
};

START_TEST(test_transform_by_type)
{
	const struct type_row *r = &type_rows[_i];
	struct transform_spec spec;
	struct transform *t = NULL;
	struct buf out = BUF_INIT;

	memset(&spec, 0, sizeof(spec));
	spec.repo_from = "mrz1836/go-broadcast";
	spec.repo_to = "acme/widget";
	spec.repo_bare = r->bare;
	ck_assert_int_eq(transform_new(&t, &spec), 0);
	transform_apply(&out, t, r->path, r->in, strlen(r->in));
	ck_assert_msg(strcmp(out.ptr, r->out) == 0, "%s: in '%s': got '%s', want '%s'", r->path,
	    r->in, out.ptr, r->out);
	buf_release(&out);
	transform_free(t);
}
END_TEST

START_TEST(test_transform_bare_rules)
{
	struct transform_spec spec;
	struct transform *t = NULL;
	struct buf out = BUF_INIT;

	/* Same name, another owner: no bare rule, the pair still changes. */
	memset(&spec, 0, sizeof(spec));
	spec.repo_from = "old/api";
	spec.repo_to = "new/api";
	spec.repo_bare = true;
	ck_assert_int_eq(transform_new(&t, &spec), 0);
	ck_assert_int_eq(transform_apply(&out, t, "a.md", "api old/api", 11), 1);
	ck_assert_str_eq(out.ptr, "api new/api");
	transform_free(t);
	/* The bare rule needs the pair rule. */
	spec.repo_from = spec.repo_to = NULL;
	t = (struct transform *)1;
	ck_assert_int_eq(transform_new(&t, &spec), ERR_CONFIG);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err_last(), "repo_name_bare needs the repo_name transform");
	buf_release(&out);
}
END_TEST

START_TEST(test_transform_noop)
{
	static const char text[] = "src-org/template {{NAME}} security@src.example\0bin";
	struct transform *t = NULL;
	struct buf out = BUF_INIT;

	/* Nothing configured. */
	ck_assert_int_eq(xf_new(&t, NULL, NULL, NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(transform_is_noop(t), 1);
	ck_assert_int_eq(transform_apply(&out, t, NULL, text, sizeof(text)), 0);
	ck_assert_uint_eq(out.len, sizeof(text));
	ck_assert_int_eq(memcmp(out.ptr, text, sizeof(text)), 0);
	transform_free(t);
	/* Same repo, same emails, empty emails: still nothing to do. */
	{
		const struct transform_pair same[] = {
			{ "a@b.example", "a@b.example" }, { "", "x@y.example" }, { "a@b.example", NULL },
		};

		ck_assert_int_eq(xf_new(&t, "src-org/template", "src-org/template", NULL, 0,
		    same, ARRAY_SIZE(same)), 0);
		ck_assert_int_eq(transform_is_noop(t), 1);
		ck_assert_int_eq(transform_apply(&out, t, NULL, text, sizeof(text)), 0);
		ck_assert_int_eq(memcmp(out.ptr, text, sizeof(text)), 0);
		transform_free(t);
	}
	/* A rule whose replacement equals its match: unchanged, returns 0. */
	{
		const struct transform_pair v[] = { { "X", "{{X}}" } };

		ck_assert_int_eq(xf_new(&t, NULL, NULL, v, 1, NULL, 0), 0);
		ck_assert_int_eq(transform_apply(&out, t, NULL, "a{{X}}b", 7), 0);
		ck_assert_str_eq(out.ptr, "a{{X}}b");
		/* ${X} becomes {{X}}: changed, and not rescanned. */
		ck_assert_int_eq(transform_apply(&out, t, NULL, "${X}", 4), 1);
		ck_assert_str_eq(out.ptr, "{{X}}");
		transform_free(t);
	}
	/* NULL transform and the out buffer is reset first. */
	buf_reset(&out);
	buf_addstr(&out, "stale");
	ck_assert_int_eq(transform_is_noop(NULL), 1);
	ck_assert_int_eq(transform_apply(&out, NULL, NULL, "abc", 3), 0);
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

	ck_assert_int_eq(xf_new(&t, NULL, NULL, v, ARRAY_SIZE(v), NULL, 0), 0);
	ck_assert_int_eq(transform_apply(&out, t, NULL, "{{A}}{{B}}${A}", 14), 1);
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
	ck_assert_int_eq(xf_new(&t, NULL, NULL, NULL, 0, e, ARRAY_SIZE(e)), 0);
	ck_assert_int_eq(transform_apply(&out, t, NULL, "a19@x.example a3@x.example a1@x.example", 39),
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

	ck_assert_int_eq(xf_new(&t, "noslash", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err_last(),
	    "invalid repository 'noslash' for the repo_name transform: expected owner/name");
	ck_assert_int_eq(xf_new(&t, "acme/api", "a/b/c", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "invalid repository 'a/b/c' for the repo_name transform: expected owner/name");
	ck_assert_int_eq(xf_new(&t, "/api", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_int_eq(xf_new(&t, "acme/", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_int_eq(xf_new(&t, "acme/a pi", "acme/api", NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_int_eq(xf_new(&t, "acme/api", NULL, NULL, 0, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "repo_name transform needs both source and target repositories");
	ck_assert_int_eq(xf_new(&t, NULL, NULL, empty_name, 1, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "empty variable name in transform variables");
	ck_assert_int_eq(xf_new(&t, NULL, NULL, null_value, 1, NULL, 0), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "variable 'N' has no value");
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_transform_large)
{
	struct transform *t = NULL;
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	int i;

	ck_assert_int_eq(xf_new(&t, "src-org/template", "acme/api", vars,
	    ARRAY_SIZE(vars), NULL, 0), 0);
	for (i = 0; i < 5000; i++) {
		buf_addf(&in, "line %d {{NAME}} github.com/src-org/template/x {\n", i);
		buf_addf(&want, "line %d api github.com/acme/api/x {\n", i);
	}
	ck_assert_int_eq(transform_apply(&out, t, NULL, in.ptr, in.len), 1);
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
	tcase_add_loop_test(tc, test_transform_by_type, 0, (int)ARRAY_SIZE(type_rows));
	tcase_add_test(tc, test_transform_bare_rules);
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
