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
#include "supervisor/run/cmd_run_opts.h"

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
	ck_assert_str_eq(PARSE("run", "--org", "acme", "--dry-run=1"), "option '--dry-run' takes no value");
	ck_assert_str_eq(PARSE("run", "--org", "acme", "--include-forks=yes"),
	    "option '--include-forks' takes no value");
	ck_assert_str_eq(PARSE("run", "--org"), "option '--org' needs a value");
	ck_assert_str_eq(PARSE("run", "--api-url"), "option '--api-url' needs a value");
	ck_assert_str_eq(PARSE("run", "--repos"), "option '--repos' needs a value");
	ck_assert_str_eq(PARSE("run", "--bogus", "1"), "unknown option '--bogus'");
	ck_assert_str_eq(PARSE("run", "true"),
	    "unexpected argument 'true' (the command goes after --)");
	ck_assert_str_eq(PARSE("run", "--no-pr=1"), "option '--no-pr' takes no value");
	ck_assert_str_eq(PARSE("run", "--memory", "lots"),
	    "invalid size 'lots' for --memory (e.g. 512M, 2G)");
	ck_assert_str_eq(PARSE("run", "--log-level", "loud"),
	    "invalid --log-level 'loud' (error, warn, info, debug or trace)");
	/* --jobs: 0, max, max+1 */
	ck_assert_str_eq(PARSE("run", "--jobs", "0"),
	    "invalid --jobs value '0' (a number from 1 to 4096)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--jobs", "4096", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--jobs", "4097"),
	    "invalid --jobs value '4097' (a number from 1 to 4096)");
	ck_assert_str_eq(PARSE("run", "--jobs", "-1"),
	    "invalid --jobs value '-1' (a number from 1 to 4096)");
	/* --retries: 0, max, max+1 */
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--retries", "0", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--retries", "10", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--retries", "11"),
	    "invalid --retries value '11' (a number from 0 to 10)");
	/* --shard K/N (supervisor/shard.c parses it) */
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--shard=2/3", "--no-pr", "--", "x"), "ok");
	ck_assert_str_eq(PARSE("run", "--shard", "3/3"), "invalid --shard '3/3': shards are "
	    "numbered from 0, so K must be below N (3)");
	ck_assert_str_eq(PARSE("run", "--shard"), "option '--shard' needs a value");
	{
		const char *sv[] = { "run", "--repos", "f", "--shard", "1/4", "--no-pr", "--", "x" };

		cmd_run_opts_init(&o);
		ck_assert_int_eq(cmd_run_parse(&o, 8, (char **)sv), 0);
		ck_assert_uint_eq(o.shard.index, 1);
		ck_assert_uint_eq(o.shard.count, 4);
		cmd_run_opts_release(&o);
	}
}
END_TEST

/* The whole job's processes and the log cap: 0, max, max+1. */
START_TEST(test_run_limit_flags)
{
	struct run_opts o;
	const char *argv[] = { "run", "--repos", "f", "--processes", "5", "--max-log", "1M",
		"--no-pr", "--", "true", NULL };

	cmd_run_opts_init(&o);
	ck_assert_uint_eq(o.max_log, 16u << 20);
	ck_assert_uint_eq(o.processes, 0);
	ck_assert_int_eq(cmd_run_parse(&o, 10, (char **)argv), 0);
	ck_assert_uint_eq(o.processes, 5);
	ck_assert_uint_eq(o.max_log, 1u << 20);
	cmd_run_opts_release(&o);
	ck_assert_str_eq(PARSE("run", "--processes", "0"),
	    "invalid --processes value '0' (a number from 1 to 4194304)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--processes", "4194304", "--no-pr", "--",
	    "x"), "ok");
	ck_assert_str_eq(PARSE("run", "--processes", "4194305"),
	    "invalid --processes value '4194305' (a number from 1 to 4194304)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--max-log", "0", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--max-log", "4K", "--no-pr", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--max-log", "4095"),
	    "invalid size '4095' for --max-log (0 for no cap, else at least 4K, e.g. 1M)");
	ck_assert_str_eq(PARSE("run", "--max-log", "lots"),
	    "invalid size 'lots' for --max-log (0 for no cap, else at least 4K, e.g. 1M)");
}
END_TEST


/* The short forms and the new flags: -j, --json, --output; --json and
 * an --output other than summary both want stdout. */
START_TEST(test_run_flags_more)
{
	struct run_opts o;
	const char *argv[] = { "run", "--repos=f", "--no-pr", "-j2", "--output", "tag", "--",
		"sh", "-c", "x", NULL };

	cmd_run_opts_init(&o);
	ck_assert_int_eq(cmd_run_parse(&o, 10, (char **)argv), 0);
	ck_assert_int_eq(o.jobs, 2);
	ck_assert_int_eq(o.output, RUN_OUTPUT_TAG);
	ck_assert_int_eq(o.argc, 3);
	ck_assert_str_eq(o.argv[1], "-c");   /* after --: the command's, not ours */
	cmd_run_opts_release(&o);

	ck_assert_str_eq(PARSE("run", "--repos", "f", "--no-pr", "-j", "2", "--", "true"), "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--no-pr", "--output=group", "--", "x"),
	    "ok");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--no-pr", "--json", "--", "x"), "ok");
	ck_assert_str_eq(PARSE("run", "--output", "loud"),
	    "invalid --output 'loud' (summary, tag, group or none)");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--no-pr", "--json", "--output", "tag",
	    "--", "x"), "--json and --output tag both want stdout: pick one");
	ck_assert_str_eq(PARSE("run", "--repos", "f", "--no-pr", "--json", "--output",
	    "summary", "--", "x"), "ok");
	ck_assert_str_eq(PARSE("run", "-j"), "option '-j' needs a value");
	ck_assert_str_eq(PARSE("run", "-x"), "unknown option '-x'");
}
END_TEST

/* Every row of the table parses (a value it refuses is not "unknown"),
 * and a typo of one is answered with it. */
START_TEST(test_run_options_list)
{
	struct run_opts o;
	size_t i;

	for (i = 0; i < run_noptspecs; i++) {
		char *flag = xasprintf("--%s", run_optspecs[i].long_name);
		char *argv[] = { (char *)"run", (char *)"--repos", (char *)"r", (char *)"--no-pr",
		    flag, (char *)"1", (char *)"--", (char *)"true", NULL };
		int argc = 8;

		/* A flag that takes no value: the "1" would be an operand. */
		if (!run_optspecs[i].value)
			argv[5] = (char *)"--";
		cmd_run_opts_init(&o);
		err_clear();
		/* The value "1" may be refused for this option: only an
		 * "unknown option" would mean the table has a row without a case. */
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
cmd_run_opts_suite(void)
{
	Suite *s = suite_create("cmd_run_opts");
	TCase *tc;

	tc = tcase_create("flags");
	tcase_add_test(tc, test_run_flags);
	tcase_add_test(tc, test_run_query_flags);
	tcase_add_test(tc, test_run_flags_more);
	tcase_add_test(tc, test_run_limit_flags);
	tcase_add_test(tc, test_run_options_list);
	suite_add_tcase(s, tc);
	return s;
}
