#include <check.h>

#include "shared/err.h"
#include "supervisor/cmd.h"

/* The table of supervisor/cmd.c, row by row. */
START_TEST(test_cmd_exit_status)
{
	ck_assert_int_eq(cmd_exit_status(CMD_INPUT, 0), EXIT_OK);
	ck_assert_int_eq(cmd_exit_status(CMD_ENV, 0), EXIT_OK);

	/* What the user named is wrong: a usage error, whatever the code... */
	ck_assert_int_eq(cmd_exit_status(CMD_INPUT, ERR_CONFIG), EXIT_USAGE);
	ck_assert_int_eq(cmd_exit_status(CMD_INPUT, ERR_LIMIT), EXIT_USAGE);
	ck_assert_int_eq(cmd_exit_status(CMD_INPUT, ERR_NOTFOUND), EXIT_USAGE);
	ck_assert_int_eq(cmd_exit_status(CMD_INPUT, ERR_FAIL), EXIT_USAGE);
	/* ...except no token at all, which the environment lacks. */
	ck_assert_int_eq(cmd_exit_status(CMD_INPUT, ERR_AUTH), EXIT_ENV);

	/* Past the inputs: the environment, unless the config is to blame. */
	ck_assert_int_eq(cmd_exit_status(CMD_ENV, ERR_CONFIG), EXIT_USAGE);
	ck_assert_int_eq(cmd_exit_status(CMD_ENV, ERR_LIMIT), EXIT_ENV);
	ck_assert_int_eq(cmd_exit_status(CMD_ENV, ERR_AUTH), EXIT_ENV);
	ck_assert_int_eq(cmd_exit_status(CMD_ENV, ERR_NET), EXIT_ENV);
	ck_assert_int_eq(cmd_exit_status(CMD_ENV, ERR_FAIL), EXIT_ENV);

	/* An interruption is one anywhere. */
	ck_assert_int_eq(cmd_exit_status(CMD_INPUT, ERR_INTERRUPTED), EXIT_INTERRUPTED);
	ck_assert_int_eq(cmd_exit_status(CMD_ENV, ERR_INTERRUPTED), EXIT_INTERRUPTED);
}
END_TEST

Suite *
cmd_suite(void)
{
	Suite *s = suite_create("cmd");
	TCase *tc = tcase_create("cmd");

	tcase_add_test(tc, test_cmd_exit_status);
	suite_add_tcase(s, tc);
	return s;
}
