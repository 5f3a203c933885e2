/*
 * Unit tests for supervisor/sync/publish.c: sync --automerge's labels, from
 * GO_BROADCAST_AUTOMERGE_LABELS's text or the config.
 */
#include <check.h>
#include <string.h>

#include "shared/strv.h"
#include "supervisor/config/config.h"
#include "supervisor/sync/internal.h"

START_TEST(test_automerge_labels)
{
	struct cfg c;
	struct strv v;

	memset(&c, 0, sizeof(c));
	strv_add(&c.rc.automerge_labels, "from-config");
	ck_assert_int_eq(sync_automerge_labels(&v, " automerge, ,ready-to-merge ,", &c), 2);
	ck_assert_str_eq(v.v[0], "automerge");
	ck_assert_str_eq(v.v[1], "ready-to-merge");
	strv_release(&v);
	/* unset, empty or only blanks and commas: the config's */
	ck_assert_int_eq(sync_automerge_labels(&v, NULL, &c), 1);
	ck_assert_str_eq(v.v[0], "from-config");
	strv_release(&v);
	ck_assert_int_eq(sync_automerge_labels(&v, " , ,", &c), 1);
	ck_assert_str_eq(v.v[0], "from-config");
	strv_release(&v);
	strv_release(&c.rc.automerge_labels);
	ck_assert_int_eq(sync_automerge_labels(&v, "", &c), 0);
	strv_release(&v);
}
END_TEST

Suite *
publish_suite(void)
{
	Suite *s = suite_create("publish");
	TCase *tc = tcase_create("automerge");

	tcase_add_test(tc, test_automerge_labels);
	suite_add_tcase(s, tc);
	return s;
}
