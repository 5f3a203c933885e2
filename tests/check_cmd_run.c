/*
 * The flags of `repocast run`.
 */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/run/cmd_run.h"

/* ---- run flags ---- */

static const char *
parse_err(int argc, const char **argv)
{
	static char msg[512];
	struct run_opts o;
	int rc;

	cmd_run_opts_init(&o);
	rc = cmd_run_parse(&o, argc, (char **)argv);
	snprintf(msg, sizeof(msg), "%s", rc == 0 ? "ok" : err_last());
	cmd_run_opts_release(&o);
	return msg;
}

#define PARSE(...) parse_err((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
    (const char *[]){ __VA_ARGS__ })

START_TEST(test_run_query_flags)
{
	struct run_opts o;
	const char *argv[] = { "run", "--org", "acme", "--org=beta", "--user", "bob", "--topic",
		"go", "--topic=ci", "--search", "topic:go fork:true", "--include-archived",
		"--include-forks", "--api-url", "http://127.0.0.1:1/api/v3", "--git-url=x",
		"--dry-run", NULL };

	cmd_run_opts_init(&o);
	ck_assert_int_eq(cmd_run_parse(&o, 17, (char **)argv), 0);
	ck_assert_uint_eq(o.orgs.n, 2);
	ck_assert_str_eq(o.orgs.v[0], "acme");
	ck_assert_str_eq(o.orgs.v[1], "beta");
	ck_assert_uint_eq(o.users.n, 1);
	ck_assert_str_eq(o.users.v[0], "bob");
	ck_assert_uint_eq(o.topics.n, 2);
	ck_assert_str_eq(o.topics.v[1], "ci");
	ck_assert_uint_eq(o.searches.n, 1);
	ck_assert_str_eq(o.searches.v[0], "topic:go fork:true");
	ck_assert(o.include_archived && o.include_forks && o.dry_run);
	ck_assert(!o.no_pr);
	ck_assert_str_eq(o.api_url, "http://127.0.0.1:1/api/v3");
	ck_assert_str_eq(o.git_url, "x");
	ck_assert_int_eq(o.argc, 0);
	cmd_run_opts_release(&o);

	/* Without the flags, the URLs are left to the environment. */
	cmd_run_opts_init(&o);
	ck_assert_ptr_null(o.api_url);
	ck_assert_ptr_null(o.git_url);
	cmd_run_opts_release(&o);
}
END_TEST

START_TEST(test_run_flags)
{
	struct run_opts o;
	const char *argv[] = { "run", "--repos", "f", "--jobs=3", "--timeout", "1m30s",
		"--retries", "0", "--grace", "250ms", "--memory", "512M", "--no-pr", "--",
		"make", "-k", NULL };

	cmd_run_opts_init(&o);
	ck_assert_int_eq(cmd_run_parse(&o, 16, (char **)argv), 0);
	ck_assert_str_eq(o.repos, "f");
	ck_assert_int_eq(o.jobs, 3);
	ck_assert_uint_eq(o.timeout_ms, 90000);
	ck_assert_uint_eq(o.grace_ms, 250);
	ck_assert_int_eq(o.retries, 0);
	ck_assert_uint_eq(o.mem_bytes, 512u << 20);
	ck_assert_int_eq(o.argc, 2);
	ck_assert_str_eq(o.argv[0], "make");
	cmd_run_opts_release(&o);

	ck_assert_str_eq(PARSE("run", "--repos", "f", "--timeout", "5x", "--no-pr", "--", "true"),
	    "invalid duration '5x' for --timeout (e.g. 500ms, 90s, 10m, 1h30m)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--timeout", "", "--no-pr", "--", "true"),
	    "invalid duration '' for --timeout (e.g. 500ms, 90s, 10m, 1h30m)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--timeout", "0", "--no-pr", "--", "true"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--grace", "0", "--no-pr", "--", "true"),
	    "--grace must be more than 0");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--", "true"), "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--no-pr"),
	    "no command given (repocast run ... -- CMD ARGS)");
	ck_assert_str_eq(PARSE("run", "--no-pr", "--", "true"), "no repositories: give --repos "
	    "FILE, -c CONFIG, --org ORG, --user USER or --search QUERY");
	ck_assert_str_eq(PARSE("run", "--topic", "go", "--no-pr", "--", "true"),
	    "--topic filters the repositories of --org, --user or --search: give one of them");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--topic", "go", "--no-pr", "--", "true"),
	    "--topic filters the repositories of --org, --user or --search: give one of them");
	ck_assert_str_eq(PARSE("run", "--org", "acme", "--no-pr", "--", "true"), "ok");
	ck_assert_str_eq(PARSE("run", "--user", "bob", "--topic", "go", "--no-pr", "--", "true"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--search", "topic:go", "--dry-run"), "ok");
	ck_assert_str_eq(PARSE("run", "--org", "acme"),
	    "no command given (repocast run ... -- CMD ARGS)");
	ck_assert_str_eq(PARSE("run", "--org", "acme", "--dry-run=1"), "--dry-run takes no value");
	ck_assert_str_eq(PARSE("run", "--org", "acme", "--include-forks=yes"),
	    "--include-forks takes no value");
	ck_assert_str_eq(PARSE("run", "--org"), "--org needs a value");
	ck_assert_str_eq(PARSE("run", "--api-url"), "--api-url needs a value");
	ck_assert_str_eq(PARSE("run", "--repos"), "--repos needs a value");
	ck_assert_str_eq(PARSE("run", "--bogus", "1"), "unknown option '--bogus'");
	ck_assert_str_eq(PARSE("run", "true"),
	    "unexpected argument 'true' (the command goes after --)");
	ck_assert_str_eq(PARSE("run", "--no-pr=1"), "--no-pr takes no value");
	ck_assert_str_eq(PARSE("run", "--memory", "lots"),
	    "invalid size 'lots' for --memory (e.g. 512M, 2G)");
	ck_assert_str_eq(PARSE("run", "--log-level", "loud"),
	    "invalid log level 'loud' (error, warn, info, debug, trace)");
	/* --jobs: 0, max, max+1 */
	ck_assert_str_eq(PARSE("run", "--jobs", "0"),
	    "invalid value '0' for --jobs (a number from 1 to 4096)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--jobs", "4096", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--jobs", "4097"),
	    "invalid value '4097' for --jobs (a number from 1 to 4096)");
	ck_assert_str_eq(PARSE("run", "--jobs", "-1"),
	    "invalid value '-1' for --jobs (a number from 1 to 4096)");
	/* --retries: 0, max, max+1 */
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--retries", "0", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--retries", "10", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--retries", "11"),
	    "invalid value '11' for --retries (a number from 0 to 10)");
}
END_TEST

/* run_options (for "did you mean") lists what the parser knows, and a
 * typo of one is answered with it. */
START_TEST(test_run_options_list)
{
	struct run_opts o;
	size_t i;

	for (i = 0; i < run_noptions; i++) {
		char *flag = xasprintf("--%s", run_options[i]);
		char *argv[] = { (char *)"run", (char *)"--repos", (char *)"r", (char *)"--no-pr",
		    flag, (char *)"1", (char *)"--", (char *)"true", NULL };
		int argc = 8;

		/* A flag that takes no value: the "1" is then the command. */
		if (strcmp(run_options[i], "no-pr") == 0 || strcmp(run_options[i], "no-progress") == 0)
			argv[5] = (char *)"--";
		cmd_run_opts_init(&o);
		err_clear();
		/* The value "1" may be refused for this option: only an
		 * "unknown option" would mean the list names a flag the
		 * parser does not have. */
		(void)cmd_run_parse(&o, argc, argv);
		ck_assert_msg(strstr(err_last(), "unknown option") == NULL, "%s: %s", flag,
		    err_last());
		cmd_run_opts_release(&o);
		free(flag);
	}
	{
		char *argv[] = { (char *)"run", (char *)"--jbos", (char *)"2", NULL };

		cmd_run_opts_init(&o);
		ck_assert_int_eq(cmd_run_parse(&o, 3, argv), ERR_CONFIG);
		ck_assert_str_eq(err_last(), "unknown option '--jbos' (did you mean '--jobs'?)");
		cmd_run_opts_release(&o);
	}
}
END_TEST

Suite *
cmd_run_suite(void)
{
	Suite *s = suite_create("cmd_run");
	TCase *tc;

	tc = tcase_create("flags");
	tcase_add_test(tc, test_run_flags);
	tcase_add_test(tc, test_run_query_flags);
	tcase_add_test(tc, test_run_options_list);
	suite_add_tcase(s, tc);
	return s;
}
