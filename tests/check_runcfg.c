/*
 * runcfg: `repocast run -c CONFIG` takes the targets of a sync config's
 * groups in scope, each once, with its branch.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/run/runcfg.h"

static const char yaml[] =
    "version: 1\n"
    "repocast: {git_url: 'https://git.example/x'}\n"
    "groups:\n"
    "  - name: one\n"
    "    id: one\n"
    "    source: {repo: acme/src}\n"
    "    targets:\n"
    "      - {repo: acme/a, branch: dev, files: [{src: f, dest: f}]}\n"
    "      - {repo: acme/b, files: [{src: f, dest: f}]}\n"
    "  - name: two\n"
    "    id: two\n"
    "    source: {repo: acme/src}\n"
    "    targets:\n"
    "      - {repo: acme/b, files: [{src: f, dest: f}]}\n"
    "      - {repo: acme/c, files: [{src: f, dest: f}]}\n";

static char *
write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/check_runcfg_XXXXXX");
	int fd = mkstemp(path);
	size_t n = strlen(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

START_TEST(test_flags)
{
	struct runcfg_opts o;
	char *argv[] = { (char *)"run", (char *)"x.yaml", (char *)"one,two", NULL };
	int i = 0;

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(runcfg_parse_flag(&o, "-c", NULL, 3, argv, &i), 1);
	ck_assert_int_eq(i, 1);
	ck_assert_str_eq(o.config, "x.yaml");
	ck_assert_int_eq(runcfg_parse_flag(&o, "--groups", NULL, 3, argv, &i), 1);
	ck_assert_str_eq(o.groups.v[0], "one,two");
	ck_assert_int_eq(runcfg_parse_flag(&o, "--skip-groups", "two", 3, argv, &i), 1);
	ck_assert_str_eq(o.skip.v[0], "two");
	ck_assert_int_eq(runcfg_parse_flag(&o, "--repos", "f", 3, argv, &i), 0);
	ck_assert_int_eq(runcfg_parse_flag(&o, "--config", NULL, 3, argv, &i), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--config needs a value");
	ck_assert_int_eq(runcfg_opts_check(&o), 0);
	free(o.config);
	o.config = NULL;
	ck_assert_int_eq(runcfg_opts_check(&o), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "--groups chooses groups of a sync config: give -c CONFIG");
	runcfg_opts_release(&o);
}
END_TEST

START_TEST(test_targets)
{
	struct runcfg_opts o;
	struct runcfg c;
	struct repolist l;
	struct report_selection sel;
	char *path = write_tmp(yaml);

	memset(&o, 0, sizeof(o));
	memset(&l, 0, sizeof(l));
	memset(&sel, 0, sizeof(sel));
	o.config = xstrdup(path);
	ck_assert_int_eq(runcfg_load(&c, &o), 0);
	runcfg_add(&l, &sel, &c, "https://git.example/x");
	/* every group in scope; acme/b once, from the group that named it first */
	ck_assert_uint_eq(l.n, 3);
	ck_assert_str_eq(l.v[0].name, "acme/a");
	ck_assert_str_eq(l.v[0].branch, "dev");
	ck_assert_str_eq(l.v[0].url, "https://git.example/x/acme/a.git");
	ck_assert_ptr_null(l.v[1].branch);
	ck_assert_str_eq(l.v[2].name, "acme/c");
	ck_assert_uint_eq(sel.n, 4);
	ck_assert_str_eq(sel.v[2].skipped, "listed before");
	runcfg_release(&c);
	repolist_release(&l);
	report_selection_release(&sel);

	/* --groups two */
	memset(&sel, 0, sizeof(sel));
	strv_add(&o.groups, "two");
	ck_assert_int_eq(runcfg_load(&c, &o), 0);
	runcfg_add(&l, &sel, &c, "https://git.example/x");
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].name, "acme/b");
	runcfg_release(&c);
	repolist_release(&l);
	report_selection_release(&sel);

	/* a group that does not exist */
	strv_release(&o.groups);
	strv_add(&o.groups, "nope");
	ck_assert_int_eq(runcfg_load(&c, &o), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), "nope"));
	runcfg_release(&c);
	runcfg_opts_release(&o);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_bad_config)
{
	struct runcfg_opts o;
	struct runcfg c;
	char *path = write_tmp("version: 1\ngroups: []\nbogus: 1\n");

	memset(&o, 0, sizeof(o));
	o.config = xstrdup(path);
	ck_assert_int_eq(runcfg_load(&c, &o), ERR_CONFIG);
	/* file:line:col of the bad key */
	ck_assert_ptr_nonnull(strstr(err_last(), ":3:1:"));
	runcfg_release(&c);
	free(o.config);
	o.config = xstrdup("/nonexistent/run.yaml");
	ck_assert_int_eq(runcfg_load(&c, &o), ERR_NOTFOUND);
	runcfg_release(&c);
	runcfg_opts_release(&o);
	unlink(path);
	free(path);
}
END_TEST

Suite *
runcfg_suite(void)
{
	Suite *s = suite_create("runcfg");
	TCase *tc = tcase_create("runcfg");

	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_targets);
	tcase_add_test(tc, test_bad_config);
	suite_add_tcase(s, tc);
	return s;
}
