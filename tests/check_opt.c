/*
 * opt: the one option parser of every command.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/opt.h"

enum { T_JSON = 256, T_REPORTDIR, T_NOSKIP, T_NOPROGRESS };

static const struct opt_spec specs[] = {
	{ 'c', 'c', "config", true },
	{ 'n', 'n', "dry-run", false },
	{ 'j', 'j', "jobs", true },
	{ T_JSON, 0, "json", false },
	{ T_REPORTDIR, 0, "report-dir", true },
	{ T_NOSKIP, 0, "no-skip", false },
	{ T_NOSKIP, 0, "force", false },
	{ T_NOPROGRESS, 0, "no-progress", false },
};

/*
 * Parse argv (argv[0] is the command) and describe what came out, one
 * item a word: "c=FILE", "n", "json", "report-dir=D", "op=X", "help",
 * then "--: A B" for the words after "--", or "error: MSG".
 */
static const char *
parse(int argc, const char **argv)
{
	static char out[1024];
	struct opt_parser p;
	struct opt_item it;
	struct buf b = BUF_INIT;
	int rc, i;

	opt_init(&p, specs, ARRAY_SIZE(specs), argc, (char **)argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		if (b.len > 0)
			buf_addch(&b, ' ');
		switch (it.id) {
		case OPT_OPERAND:
			buf_addf(&b, "op=%s", it.value);
			break;
		case OPT_HELP:
			buf_addstr(&b, "help");
			break;
		case 'c': case 'j':
			buf_addf(&b, "%c=%s", it.id, it.value);
			break;
		case 'n':
			buf_addstr(&b, "n");
			break;
		case T_JSON:
			buf_addstr(&b, "json");
			break;
		case T_REPORTDIR:
			buf_addf(&b, "report-dir=%s", it.value);
			break;
		case T_NOSKIP:
			buf_addstr(&b, "no-skip");
			break;
		case T_NOPROGRESS:
			buf_addstr(&b, "no-progress");
			break;
		default:
			ck_abort_msg("unexpected id %d", it.id);
		}
	}
	if (rc < 0) {
		ck_assert_int_eq(rc, ERR_CONFIG);
		snprintf(out, sizeof(out), "error: %s", err_last());
	} else {
		if (p.rest != NULL) {
			buf_addstr(&b, b.len > 0 ? " --:" : "--:");
			for (i = 0; i < p.nrest; i++)
				buf_addf(&b, " %s", p.rest[i]);
		}
		snprintf(out, sizeof(out), "%s", b.ptr);
	}
	buf_release(&b);
	return out;
}

#define P(...) parse((int)(sizeof((const char *[]){ "cmd", __VA_ARGS__ }) / sizeof(char *)), \
    (const char *[]){ "cmd", __VA_ARGS__ })

START_TEST(test_opt_values)
{
	/* --opt value, --opt=value, -c value, -cvalue */
	ck_assert_str_eq(P("--config", "a.yaml"), "c=a.yaml");
	ck_assert_str_eq(P("--config=a.yaml"), "c=a.yaml");
	ck_assert_str_eq(P("-c", "a.yaml"), "c=a.yaml");
	ck_assert_str_eq(P("-ca.yaml"), "c=a.yaml");
	/* An empty value is a value (its handler decides). */
	ck_assert_str_eq(P("--config="), "c=");
	/* A value may start with '-': the next word is taken as it is. */
	ck_assert_str_eq(P("--config", "-n"), "c=-n");
	ck_assert_str_eq(P("-c", "--json"), "c=--json");
	/* "=" inside a value stays. */
	ck_assert_str_eq(P("--report-dir=a=b"), "report-dir=a=b");
	ck_assert_str_eq(P("-ca=b"), "c=a=b");
}
END_TEST

START_TEST(test_opt_clusters)
{
	ck_assert_str_eq(P("-nj4"), "n j=4");
	ck_assert_str_eq(P("-nj", "4"), "n j=4");
	ck_assert_str_eq(P("-jn"), "j=n");   /* -j takes the rest: "n" is its value */
	ck_assert_str_eq(P("-nn"), "n n");
	ck_assert_str_eq(P("-nh"), "n help");
	ck_assert_str_eq(P("-nx"), "error: unknown option '-x'");
	ck_assert_str_eq(P("-nj"), "error: option '-j' needs a value");
}
END_TEST

START_TEST(test_opt_operands)
{
	/* Operands between options, in order; "-" is one. */
	ck_assert_str_eq(P("a", "-n", "b", "--json", "-"), "op=a n op=b json op=-");
	/* "--" ends the options: the rest is left to the caller as it is. */
	ck_assert_str_eq(P("-j", "2", "--", "sh", "-c", "--json"), "j=2 --: sh -c --json");
	ck_assert_str_eq(P("--"), "--:");
	ck_assert_str_eq(P("-n", "--", "--"), "n --: --");
	ck_assert_str_eq(P(), "");
}
END_TEST

START_TEST(test_opt_errors)
{
	ck_assert_str_eq(P("--jobs"), "error: option '--jobs' needs a value");
	ck_assert_str_eq(P("-j"), "error: option '-j' needs a value");
	ck_assert_str_eq(P("--json=1"), "error: option '--json' takes no value");
	ck_assert_str_eq(P("--json="), "error: option '--json' takes no value");
	ck_assert_str_eq(P("--bogus"), "error: unknown option '--bogus'");
	ck_assert_str_eq(P("--jbos", "2"), "error: unknown option '--jbos' (did you mean '--jobs'?)");
	ck_assert_str_eq(P("--jsno=1"), "error: unknown option '--jsno' (did you mean '--json'?)");
	ck_assert_str_eq(P("--dry-rnu"),
	    "error: unknown option '--dry-rnu' (did you mean '--dry-run'?)");
	ck_assert_str_eq(P("--hlep"), "error: unknown option '--hlep' (did you mean '--help'?)");
	ck_assert_str_eq(P("-x"), "error: unknown option '-x'");
	ck_assert_str_eq(P("--=x"), "error: unknown option '--=x'");
	ck_assert_str_eq(P("-="), "error: unknown option '-='");
	/* The first error ends the parse: what came before is kept by the caller. */
	ck_assert_str_eq(P("-n", "--nope"), "error: unknown option '--nope'");
}
END_TEST

START_TEST(test_opt_prefixes)
{
	/* An unambiguous prefix is the option (as getopt_long and git). */
	ck_assert_str_eq(P("--dry"), "n");
	ck_assert_str_eq(P("--conf=x"), "c=x");
	ck_assert_str_eq(P("--js"), "json");
	/* An exact name wins over the longer names it is a prefix of. */
	ck_assert_str_eq(P("--force"), "no-skip");
	/* Two names of one option are one match. */
	ck_assert_str_eq(P("--no-s"), "no-skip");
	ck_assert_str_eq(P("--no"), "error: option '--no' is ambiguous (--no-skip, --no-progress)");
	/* Messages name the option as the table spells it. */
	ck_assert_str_eq(P("--jo"), "error: option '--jobs' needs a value");
	ck_assert_str_eq(P("--js=1"), "error: option '--json' takes no value");
}
END_TEST

START_TEST(test_opt_help)
{
	ck_assert_str_eq(P("--help"), "help");
	ck_assert_str_eq(P("-h"), "help");
	ck_assert_str_eq(P("a", "--help"), "op=a help");
	ck_assert_str_eq(P("--", "--help"), "--: --help");
}
END_TEST

static const char *
uint_err(const char *v, uint64_t min, uint64_t max)
{
	static char out[256];
	struct opt_item it = { 'j', v, "--jobs" };
	uint64_t n = 0;

	if (opt_uint(&n, &it, min, max) < 0)
		snprintf(out, sizeof(out), "%s", err_last());
	else
		snprintf(out, sizeof(out), "%llu", (unsigned long long)n);
	return out;
}

START_TEST(test_opt_uint)
{
	ck_assert_str_eq(uint_err("0", 1, 4096), "invalid --jobs value '0' (a number from 1 to 4096)");
	ck_assert_str_eq(uint_err("1", 1, 4096), "1");
	ck_assert_str_eq(uint_err("4096", 1, 4096), "4096");
	ck_assert_str_eq(uint_err("4097", 1, 4096),
	    "invalid --jobs value '4097' (a number from 1 to 4096)");
	ck_assert_str_eq(uint_err("0", 0, 10), "0");
	ck_assert_str_eq(uint_err("", 0, 10), "invalid --jobs value '' (a number from 0 to 10)");
	ck_assert_str_eq(uint_err("-1", 0, 10), "invalid --jobs value '-1' (a number from 0 to 10)");
	ck_assert_str_eq(uint_err("+1", 0, 10), "invalid --jobs value '+1' (a number from 0 to 10)");
	ck_assert_str_eq(uint_err("2x", 0, 10), "invalid --jobs value '2x' (a number from 0 to 10)");
	ck_assert_str_eq(uint_err("99999999999999999999", 0, 10),
	    "invalid --jobs value '99999999999999999999' (a number from 0 to 10)");
}
END_TEST

START_TEST(test_opt_log_level)
{
	struct opt_item it = { 256, "debug", "--log-level" };
	enum log_level l;

	ck_assert_int_eq(opt_log_level(&l, &it), 0);
	ck_assert_int_eq(l, LOG_DEBUG);
	it.value = "loud";
	ck_assert_int_eq(opt_log_level(&l, &it), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid --log-level 'loud' (error, warn, info, debug or trace)");
}
END_TEST

Suite *
opt_suite(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_opt_values);
	tcase_add_test(tc, test_opt_clusters);
	tcase_add_test(tc, test_opt_operands);
	tcase_add_test(tc, test_opt_errors);
	tcase_add_test(tc, test_opt_prefixes);
	tcase_add_test(tc, test_opt_help);
	suite_add_tcase(s, tc);
	tc = tcase_create("values");
	tcase_add_test(tc, test_opt_uint);
	tcase_add_test(tc, test_opt_log_level);
	suite_add_tcase(s, tc);
	return s;
}
