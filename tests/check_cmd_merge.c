/*
 * Unit tests for supervisor/sync/cmd_merge.c's decision: what `repocast
 * merge` does with a sync PR given its draft flag, mergeable, mergeable
 * state, checks and --admin; which states fail the run.
 */
#include <check.h>
#include <string.h>

#include "supervisor/sync/cmd_merge.h"

static enum cmd_merge_state
decide(bool draft, int mergeable, const char *ms, enum github_checks_state ck, bool admin)
{
	struct cmd_merge_facts f;

	memset(&f, 0, sizeof(f));
	f.draft = draft;
	f.mergeable = mergeable;
	f.mergeable_state = ms;
	f.checks = ck;
	f.admin = admin;
	return cmd_merge_decide(&f);
}

START_TEST(test_decide)
{
	ck_assert_int_eq(decide(false, 1, "clean", GITHUB_CHECKS_GREEN, false), MERGE_READY);
	ck_assert_int_eq(decide(false, 1, NULL, GITHUB_CHECKS_GREEN, false), MERGE_READY);
	/* a draft is left whatever else holds */
	ck_assert_int_eq(decide(true, 1, "draft", GITHUB_CHECKS_GREEN, true), MERGE_DRAFT);
	ck_assert_int_eq(decide(false, 0, "dirty", GITHUB_CHECKS_GREEN, true),
	    MERGE_NOT_MERGEABLE);
	ck_assert_int_eq(decide(false, 1, "clean", GITHUB_CHECKS_FAILED, true),
	    MERGE_CHECKS_FAILED);
	ck_assert_int_eq(decide(false, 1, "clean", GITHUB_CHECKS_PENDING, true), MERGE_PENDING);
	/* mergeable not computed yet after the re-reads: left as pending */
	ck_assert_int_eq(decide(false, -1, "unknown", GITHUB_CHECKS_GREEN, false), MERGE_PENDING);
	ck_assert_int_eq(decide(false, -1, "unknown", GITHUB_CHECKS_FAILED, false),
	    MERGE_CHECKS_FAILED);
	/* protection: left without --admin, sent with it */
	ck_assert_int_eq(decide(false, 1, "blocked", GITHUB_CHECKS_GREEN, false), MERGE_BLOCKED);
	ck_assert_int_eq(decide(false, 1, "blocked", GITHUB_CHECKS_GREEN, true), MERGE_READY);
}
END_TEST

START_TEST(test_failed)
{
	ck_assert(!cmd_merge_failed(MERGE_NONE));
	ck_assert(!cmd_merge_failed(MERGE_MERGED));
	ck_assert(!cmd_merge_failed(MERGE_READY));
	ck_assert(!cmd_merge_failed(MERGE_PENDING));
	ck_assert(!cmd_merge_failed(MERGE_DRAFT));
	ck_assert(cmd_merge_failed(MERGE_CHECKS_FAILED));
	ck_assert(cmd_merge_failed(MERGE_NOT_MERGEABLE));
	ck_assert(cmd_merge_failed(MERGE_BLOCKED));
	ck_assert(cmd_merge_failed(MERGE_MOVED));
	ck_assert(cmd_merge_failed(MERGE_REFUSED));
	ck_assert(cmd_merge_failed(MERGE_ERROR));
	ck_assert_str_eq(cmd_merge_state_name(MERGE_CHECKS_FAILED), "checks_failed");
	ck_assert_str_eq(cmd_merge_state_name(MERGE_NOT_MERGEABLE), "not_mergeable");
}
END_TEST

Suite *
cmd_merge_suite(void)
{
	Suite *s = suite_create("cmd_merge");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, test_decide);
	tcase_add_test(tc, test_failed);
	suite_add_tcase(s, tc);
	return s;
}
