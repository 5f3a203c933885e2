/*
 * merge — `report merge`'s shard checks and cross-shard dependency findings
 * (supervisor/report/merge.c) over run records and records made here.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/strv.h"
#include "shared/util.h"
#include "supervisor/report/merge.h"
#include "supervisor/report/report.h"

static int
shards(struct report_merge **m, const unsigned (*ks)[2], size_t n)
{
	static const char *const paths[] = { "a", "b", "c", "d", "e" };
	struct report_run runs[5];
	const struct report_run *p[5];
	size_t i;

	memset(runs, 0, sizeof(runs));
	for (i = 0; i < n; i++) {
		runs[i].shard_index = ks[i][0];
		runs[i].shard_count = ks[i][1];
		p[i] = &runs[i];
	}
	return report_merge_shards(m, p, paths, n);
}

START_TEST(test_merge_shards)
{
	static const unsigned full[4][2] = { { 2, 4 }, { 0, 4 }, { 3, 4 }, { 1, 4 } };
	static const unsigned gaps[2][2] = { { 3, 4 }, { 1, 4 } };
	static const unsigned twice[3][2] = { { 0, 2 }, { 1, 2 }, { 1, 2 } };
	static const unsigned mixed_n[2][2] = { { 0, 2 }, { 0, 3 } };
	static const unsigned mixed[2][2] = { { 0, 2 }, { 0, 0 } };
	static const unsigned mixed2[2][2] = { { 0, 0 }, { 1, 2 } };
	static const unsigned none[2][2] = { { 0, 0 }, { 0, 0 } };
	struct report_merge *m = (struct report_merge *)&m;

	ck_assert_int_eq(shards(&m, full, 4), 0);
	ck_assert_uint_eq(m->shards, 4);
	ck_assert_uint_eq(m->nmissing, 0);
	report_merge_free(m);
	ck_assert_int_eq(shards(&m, gaps, 2), 0);
	ck_assert_uint_eq(m->nmissing, 2);
	ck_assert_uint_eq(m->missing[0], 0);
	ck_assert_uint_eq(m->missing[1], 2);
	report_merge_free(m);
	ck_assert_int_eq(shards(&m, none, 2), 0);   /* runs split by hand */
	ck_assert_uint_eq(m->shards, 0);
	ck_assert_uint_eq(m->nmissing, 0);
	report_merge_free(m);
	ck_assert_int_eq(shards(&m, twice, 3), ERR_CONFLICT);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(err_last(), "cannot merge 'b' and 'c': both are shard 1/2");
	ck_assert_int_eq(shards(&m, mixed_n, 2), ERR_CONFLICT);
	ck_assert_str_eq(err_last(), "cannot merge 'a' and 'b': shard 0/2 and shard 0/3 are of "
	    "different partitions");
	ck_assert_int_eq(shards(&m, mixed, 2), ERR_CONFLICT);
	ck_assert_str_eq(err_last(), "cannot merge 'a' and 'b': 'a' is a shard (--shard) and "
	    "'b' is not");
	ck_assert_int_eq(shards(&m, mixed2, 2), ERR_CONFLICT);
	ck_assert_str_eq(err_last(), "cannot merge 'a' and 'b': 'b' is a shard (--shard) and "
	    "'a' is not");
	ck_assert_ptr_null(m);
	report_merge_free(NULL);
}
END_TEST

static void
rec(struct record *r, const char *name, const char *group, enum record_cause cause)
{
	memset(r, 0, sizeof(*r));
	r->name = (char *)name;
	r->sync.group = (char *)group;
	r->cause = cause;
	r->outcome = cause == CAUSE_NONE ? OUTCOME_PUSHED : cause == CAUSE_DEPENDENCY ?
	    OUTCOME_SKIPPED : OUTCOME_FAILED;
}

START_TEST(test_merge_deps)
{
	struct report_run groups;
	struct report_merge m;
	struct strv deps = { NULL, 0 };
	struct record r[7];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	memset(&groups, 0, sizeof(groups));
	memset(&m, 0, sizeof(m));
	report_run_add_group(&groups, "base", &deps);
	report_run_add_group(&groups, "other", &deps);
	strv_add(&deps, "base");
	report_run_add_group(&groups, "overlay", &deps);
	strv_release(&deps);
	strv_add(&deps, "overlay");
	report_run_add_group(&groups, "tail", &deps);
	strv_release(&deps);
	strv_add(&deps, "other");
	report_run_add_group(&groups, "fine", &deps);
	strv_release(&deps);
	/* base failed in one shard; overlay ran o1 and o3 elsewhere, o2 was
	 * skipped beside the failure; tail's dependency overlay had a skipped
	 * (so failed) target: t1 ran; other had no failure: fine is fine */
	rec(&r[0], "acme/b1", "base", CAUSE_NONE);
	rec(&r[1], "acme/b2", "base", CAUSE_ERROR);
	rec(&r[2], "acme/o1", "overlay", CAUSE_NONE);
	rec(&r[3], "acme/o2", "overlay", CAUSE_DEPENDENCY);
	rec(&r[4], "acme/o3", "overlay", CAUSE_PR);
	rec(&r[5], "acme/t1", "tail", CAUSE_NONE);
	rec(&r[6], "acme/f1", "fine", CAUSE_NONE);
	report_merge_deps(&m, &groups, r, 7);
	ck_assert_uint_eq(m.ncross, 2);
	ck_assert_str_eq(m.cross[0].group, "overlay");
	ck_assert_str_eq(m.cross[0].dependency, "base");
	ck_assert_uint_eq(m.cross[0].dependency_failed, 1);
	ck_assert_uint_eq(m.cross[0].ran.n, 2);
	ck_assert_str_eq(m.cross[0].ran.v[0], "acme/o1");
	ck_assert_str_eq(m.cross[0].ran.v[1], "acme/o3");   /* ran, then its PR failed */
	ck_assert_str_eq(m.cross[1].group, "tail");
	ck_assert_uint_eq(m.cross[1].dependency_failed, 2);
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	m.shards = 3;
	m.missing = xcalloc(1, sizeof(unsigned));
	m.missing[0] = 2;
	m.nmissing = 1;
	report_merge_warn(f, &m);
	fclose(f);
	ck_assert_str_eq(text,
	    "repocast: warning: shard 2/3 has no report: its targets are not in the merge\n"
	    "repocast: warning: group 'overlay' ran 2 targets while its dependency 'base' had 1 "
	    "failed target in another shard: acme/o1, acme/o3\n"
	    "repocast: warning: group 'tail' ran 1 target while its dependency 'overlay' had 2 "
	    "failed targets in another shard: acme/t1\n");
	free(text);
	/* an older report without groups: nothing found */
	{
		struct report_run bare;
		struct report_merge *none = xcalloc(1, sizeof(*none));

		memset(&bare, 0, sizeof(bare));
		report_merge_deps(none, &bare, r, 7);
		ck_assert_uint_eq(none->ncross, 0);
		report_merge_free(none);
	}
	{
		struct report_merge *heap = xcalloc(1, sizeof(*heap));

		*heap = m;
		report_merge_free(heap);
	}
	report_run_release(&groups);
}
END_TEST

/* A shard of a signed run as GitHub App 4242, run id id. */
static void
app_shard(struct report_run *r, const char *id, const char *fingerprint)
{
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	report_run_set_auth(r, "app", "repocast.auth (sync.yaml:7:5)", "4242");
	r->signing.method = xstrdup("ssh");
	r->signing.key = xstrdup("/home/bot/.ssh/id_ed25519");
	r->signing.fingerprint = xstrdup_or_null(fingerprint);
	r->signing.from = xstrdup("repocast.commit");
	r->commit_via = COMMIT_PUSH;
}

static char *
warned(const struct report_merge *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	report_merge_warn(f, m);
	fclose(f);
	return text;
}

START_TEST(test_merge_identity)
{
	struct report_run s[3], out;
	const struct report_run *p[3] = { &s[0], &s[1], &s[2] };
	struct report_merge m;
	char *text;

	/* The shards agree: the identity is kept, each owner's installation
	 * once, its tokens added up; signing and commit path kept. */
	app_shard(&s[0], "r0", "SHA256:abc");
	report_run_add_installation(&s[0], "acme", 1001, 2);
	report_run_add_installation(&s[0], "gamma", 0, 0);
	app_shard(&s[1], "r1", "SHA256:abc");
	free(s[1].signing.key);          /* another machine, the same key */
	s[1].signing.key = xstrdup("/root/.ssh/id_ed25519");
	report_run_add_installation(&s[1], "beta", 1002, 1);
	report_run_add_installation(&s[1], "acme", 1001, 3);
	app_shard(&s[2], "r2", "SHA256:abc");
	memset(&m, 0, sizeof(m));
	memset(&out, 0, sizeof(out));
	report_merge_identity(&m, &out, p, 3);
	ck_assert_uint_eq(m.ndiffer, 0);
	ck_assert_str_eq(out.auth_kind, "app");
	ck_assert_str_eq(out.auth_app_id, "4242");
	ck_assert_str_eq(out.auth_source, "repocast.auth (sync.yaml:7:5)");
	ck_assert_uint_eq(out.ninstallations, 3);
	ck_assert_str_eq(out.installations[0].owner, "acme");
	ck_assert_uint_eq(out.installations[0].id, 1001);
	ck_assert_uint_eq(out.installations[0].tokens, 5);
	ck_assert_str_eq(out.installations[1].owner, "gamma");
	ck_assert_uint_eq(out.installations[1].id, 0);
	ck_assert_str_eq(out.installations[2].owner, "beta");
	ck_assert_uint_eq(out.installations[2].tokens, 1);
	ck_assert_str_eq(out.signing.method, "ssh");
	ck_assert_str_eq(out.signing.fingerprint, "SHA256:abc");
	ck_assert_str_eq(out.signing.key, "/home/bot/.ssh/id_ed25519");   /* the first's */
	ck_assert_str_eq(out.signing.from, "repocast.commit");
	ck_assert_int_eq(out.commit_via, COMMIT_PUSH);
	report_run_release(&out);

	/* A token from two sources is one kind of identity: the sources joined. */
	report_run_set_auth(&s[0], "token", "GITHUB_TOKEN", NULL);
	report_run_set_auth(&s[1], "token", "--token-file", NULL);
	report_run_set_auth(&s[2], "token", "GITHUB_TOKEN", NULL);
	memset(&out, 0, sizeof(out));
	report_merge_identity(&m, &out, p, 3);
	ck_assert_uint_eq(m.ndiffer, 0);
	ck_assert_str_eq(out.auth_kind, "token");
	ck_assert_ptr_null(out.auth_app_id);
	ck_assert_str_eq(out.auth_source, "GITHUB_TOKEN, --token-file");
	report_run_release(&out);

	/* They disagree: an App and a token, a key and no signing, another
	 * key, push and nothing: each left null, each report's value named. */
	report_run_set_auth(&s[0], "app", "GITHUB_APP_ID", "4242");
	free(s[1].signing.method);
	s[1].signing.method = NULL;
	free(s[2].signing.fingerprint);
	s[2].signing.fingerprint = NULL;
	free(s[2].signing.key);
	s[2].signing.key = xstrdup("key::ssh-ed25519");
	s[2].commit_via = COMMIT_NONE;
	memset(&out, 0, sizeof(out));
	report_merge_identity(&m, &out, p, 3);
	ck_assert_ptr_null(out.auth_kind);
	ck_assert_uint_eq(out.ninstallations, 0);
	ck_assert_ptr_null(out.signing.method);
	ck_assert_int_eq(out.commit_via, COMMIT_NONE);
	ck_assert_uint_eq(m.ndiffer, 3);
	ck_assert_str_eq(m.differ[0].field, "auth");
	ck_assert_str_eq(m.differ[1].field, "signing");
	ck_assert_str_eq(m.differ[2].field, "commit_via");
	ck_assert_uint_eq(m.differ[1].runs.n, 3);
	ck_assert_str_eq(m.differ[1].runs.v[2], "r2");
	text = warned(&m);
	ck_assert_str_eq(text,
	    "repocast: warning: the reports disagree on run.auth, which the merged report leaves "
	    "null (run.merge.disagreements): r0: app 4242, r1: token, r2: token\n"
	    "repocast: warning: the reports disagree on run.signing, which the merged report "
	    "leaves null (run.merge.disagreements): r0: ssh SHA256:abc, r1: none, r2: ssh "
	    "key::ssh-ed25519\n"
	    "repocast: warning: the reports disagree on run.commit_via, which the merged report "
	    "leaves null (run.merge.disagreements): r0: push, r1: push, r2: none\n");
	free(text);
	{
		struct report_merge *heap = xcalloc(1, sizeof(*heap));

		*heap = m;
		report_merge_free(heap);
	}
	/* One report: itself. */
	memset(&m, 0, sizeof(m));
	memset(&out, 0, sizeof(out));
	report_merge_identity(&m, &out, p, 1);
	ck_assert_uint_eq(m.ndiffer, 0);
	ck_assert_str_eq(out.auth_source, "GITHUB_APP_ID");
	report_run_release(&out);
	report_run_release(&s[0]);
	report_run_release(&s[1]);
	report_run_release(&s[2]);
}
END_TEST

Suite *
merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_merge_shards);
	tcase_add_test(tc, test_merge_deps);
	tcase_add_test(tc, test_merge_identity);
	suite_add_tcase(s, tc);
	return s;
}
