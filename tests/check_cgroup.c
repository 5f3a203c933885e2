/*
 * The cgroup v2 path against a fake tree (this machine delegates none):
 * what a probe refuses and why, the supervisor's move into a leaf and the
 * controllers it enables, a job's limits, its figures and causes, and the
 * removal of a dead supervisor's cgroups.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "supervisor/pool/cgroup.h"

static char *root;

static void
setup(void)
{
	ck_assert_int_eq(tmpdir_make(&root, "repocast-cg-"), 0);
}

static void
teardown(void)
{
	tmpdir_remove(root);
	free(root);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static char *
slurp(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_read_file(&b, path), 0);
	free(path);
	return buf_detach(&b, NULL);
}

/* root/svc/repocast: a delegated cgroup offering controllers. */
static char *
delegated(const char *controllers)
{
	char *svc = xasprintf("%s/svc", root), *dir = xasprintf("%s/svc/repocast", root);

	ck_assert_int_eq(mkdir(svc, 0755), 0);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	put(dir, "cgroup.controllers", controllers);
	put(dir, "cgroup.procs", "");
	put(dir, "cgroup.subtree_control", "");
	free(svc);
	return dir;
}

START_TEST(test_probe_refuses)
{
	struct cgroup_ctl ctl;
	char *dir, *leaf;

	ck_assert_int_eq(cgroup_probe(&ctl, root, "0::/\n", false), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "the process is in the root cgroup, which is the host's");
	ck_assert_int_eq(cgroup_probe(&ctl, root, "4:memory:/x\n1:cpu:/\n", false), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "the process is in no cgroup v2");
	/* a tmpfs is no cgroup2 mount */
	ck_assert_int_eq(cgroup_probe(&ctl, root, "0::/svc/repocast\n", true), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "is not a cgroup2 mount"));
	dir = delegated("cpu io memory\n");
	ck_assert_int_eq(cgroup_probe(&ctl, root, "0::/svc/repocast\n", false), ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err_last(), "offers no memory and pids controllers"));
	ck_assert_ptr_null(ctl.base);
	/* nothing was created or changed */
	leaf = xasprintf("%s/supervisor-%ld", dir, (long)getpid());
	ck_assert_int_eq(access(leaf, F_OK), -1);
	free(leaf);
	free(dir);
}
END_TEST

START_TEST(test_probe_sets_up)
{
	struct cgroup_ctl ctl;
	char *dir = delegated("cpu memory pids\n"), *leaf, *s;

	ck_assert_int_eq(cgroup_probe(&ctl, root, "0::/svc/repocast\n", false), 0);
	ck_assert_str_eq(ctl.base, dir);
	/* the supervisor left for a leaf, then enabled the controllers */
	leaf = xasprintf("%s/supervisor-%ld", dir, (long)getpid());
	s = slurp(leaf, "cgroup.procs");
	ck_assert_int_eq(strtol(s, NULL, 10), getpid());
	free(s);
	s = slurp(dir, "cgroup.subtree_control");
	ck_assert_str_eq(s, "+memory +pids");
	free(s);
	cgroup_ctl_release(&ctl);
	ck_assert_ptr_null(ctl.base);
	free(leaf);
	free(dir);
}
END_TEST

START_TEST(test_job)
{
	struct cgroup_ctl ctl;
	struct cgroup_stats st;
	char *dir = delegated("memory pids\n"), *job, *s, *want;

	put(dir, "cgroup.subtree_control", "memory pids\n");
	ck_assert_int_eq(cgroup_probe(&ctl, root, "0::/svc/repocast\n", false), 0);
	ck_assert_int_eq(cgroup_job_create(&job, &ctl, 7, 256u << 20, 0), 0);
	want = xasprintf("%s/job-%ld-7", dir, (long)getpid());
	ck_assert_str_eq(job, want);
	s = slurp(job, "memory.max");
	ck_assert_str_eq(s, "268435456");
	free(s);
	s = slurp(job, "pids.max");
	ck_assert_str_eq(s, "max");
	free(s);
	ck_assert_int_eq(cgroup_job_attach(job, 4242), 0);
	s = slurp(job, "cgroup.procs");
	ck_assert_str_eq(s, "4242");
	free(s);
	/* the kernel's figures */
	put(job, "memory.peak", "123456789\n");
	put(job, "pids.peak", "17\n");
	put(job, "memory.events", "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n");
	put(job, "pids.events", "max 3\n");
	ck_assert_int_eq(cgroup_job_read(&st, job), 0);
	ck_assert_uint_eq(st.memory_peak, 123456789);
	ck_assert_uint_eq(st.pids_peak, 17);
	ck_assert_uint_eq(st.oom_kills, 1);
	ck_assert_uint_eq(st.pids_denied, 3);
	/* without the events a job's cause cannot be told */
	s = xasprintf("%s/memory.events", job);
	unlink(s);
	free(s);
	ck_assert_int_eq(cgroup_job_read(&st, job), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot read the events of cgroup"));
	/* a second job with the same number is refused, not shared */
	ck_assert_int_eq(cgroup_job_create(&s, &ctl, 7, 0, 5), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot create cgroup"));
	cgroup_ctl_release(&ctl);
	free(want);
	free(job);
	free(dir);
}
END_TEST

START_TEST(test_stale_removed)
{
	struct cgroup_ctl ctl;
	char *dir = delegated("memory pids\n"), *stale, *mine, *alive;
	pid_t dead = fork();
	int st;

	ck_assert_int_ge(dead, 0);
	if (dead == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, &st, 0), dead);
	put(dir, "cgroup.subtree_control", "memory pids\n");
	stale = xasprintf("%s/job-%ld-3", dir, (long)dead);
	mine = xasprintf("%s/job-%ld-1", dir, (long)getpid());
	alive = xasprintf("%s/job-1-1", dir);   /* init lives */
	ck_assert_int_eq(mkdir(stale, 0755), 0);
	ck_assert_int_eq(mkdir(mine, 0755), 0);
	ck_assert_int_eq(mkdir(alive, 0755), 0);
	ck_assert_int_eq(cgroup_probe(&ctl, root, "0::/svc/repocast\n", false), 0);
	ck_assert_int_eq(access(stale, F_OK), -1);
	ck_assert_int_eq(access(mine, F_OK), 0);
	ck_assert_int_eq(access(alive, F_OK), 0);
	cgroup_ctl_release(&ctl);
	free(stale);
	free(mine);
	free(alive);
	free(dir);
}
END_TEST

Suite *
cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("fake tree");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_probe_refuses);
	tcase_add_test(tc, test_probe_sets_up);
	tcase_add_test(tc, test_job);
	tcase_add_test(tc, test_stale_removed);
	suite_add_tcase(s, tc);
	return s;
}
