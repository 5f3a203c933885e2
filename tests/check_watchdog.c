/*
 * The watchdog's pass over /proc: a fake tree (sessions, threads,
 * anonymous memory, processes that vanish or hold garbage), and the kill
 * of a real session whose member left its process group.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "supervisor/pool/watchdog.h"

static void
put(const char *root, const char *pid, const char *name, const char *text)
{
	char *dir = xasprintf("%s/%s", root, pid), *path = xasprintf("%s/%s", dir, name);
	FILE *f;

	mkdir(dir, 0755);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
	free(dir);
}

/* A stat line: pid (comm) state ppid pgrp session ... num_threads (field 20). */
static char *
stat_line(const char *pid, const char *comm, int pgrp, int sid, int threads)
{
	return xasprintf("%s (%s) S 1 %d %d 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 %d 0 12345 "
	    "1000000 300 18446744073709551615\n", pid, comm, pgrp, sid, threads);
}

static void
fake_proc(const char *root)
{
	char *s;

	s = stat_line("100", "repocast-worker", 100, 100, 1);
	put(root, "100", "stat", s);
	put(root, "100", "statm", "1000 300 100 1 0 200 0\n");
	free(s);
	/* comm with a space and a ')', its own group, three threads */
	s = stat_line("101", "a) b", 101, 100, 3);
	put(root, "101", "stat", s);
	put(root, "101", "statm", "500 50 10 1 0 40 0\n");
	free(s);
	/* gone between its stat and its statm: a task without memory */
	s = stat_line("102", "sh", 100, 100, 1);
	put(root, "102", "stat", s);
	free(s);
	/* garbage and a truncated line: skipped */
	put(root, "103", "stat", "103 (x S 1 100 100\n");
	put(root, "104", "stat", "104 (x) S 1 100\n");
	/* another session */
	s = stat_line("200", "other", 200, 200, 8);
	put(root, "200", "stat", s);
	put(root, "200", "statm", "9000 9000 0 1 0 9000 0\n");
	free(s);
	/* not processes */
	put(root, "self", "stat", "1 (self) S 1 100 100\n");
	put(root, "0abc", "stat", "1 (x) S 1 100 100\n");
}

START_TEST(test_scan_fake)
{
	struct watchdog_job jobs[2];
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char *root;
	size_t i;
	int seen = 0;

	ck_assert_int_eq(tmpdir_make(&root, "repocast-wd-"), 0);
	fake_proc(root);
	memset(jobs, 0, sizeof(jobs));
	jobs[0].sid = 100;
	jobs[1].sid = 300;   /* no process left */
	ck_assert_int_eq(watchdog_scan(jobs, 2, root), 0);
	ck_assert_uint_eq(jobs[0].memory, ((300 - 100) + (50 - 10)) * page);
	ck_assert_uint_eq(jobs[0].tasks, 1 + 3 + 1);
	ck_assert_uint_eq(jobs[0].npids, 3);
	for (i = 0; i < jobs[0].npids; i++)
		seen |= 1 << (jobs[0].pids[i] - 100);
	ck_assert_int_eq(seen, 7);
	ck_assert_uint_eq(jobs[1].memory, 0);
	ck_assert_uint_eq(jobs[1].tasks, 0);
	ck_assert_uint_eq(jobs[1].npids, 0);
	/* A second pass starts from zero, not from the first one's sums. */
	ck_assert_int_eq(watchdog_scan(jobs, 2, root), 0);
	ck_assert_uint_eq(jobs[0].tasks, 5);
	ck_assert_uint_eq(jobs[0].npids, 3);
	watchdog_job_release(&jobs[0]);
	watchdog_job_release(&jobs[1]);
	tmpdir_remove(root);
	free(root);
}
END_TEST

START_TEST(test_scan_missing_root)
{
	struct watchdog_job j;

	memset(&j, 0, sizeof(j));
	j.sid = 1;
	ck_assert_int_eq(watchdog_scan(&j, 1, "/nonexistent/proc"), -1);
	ck_assert_str_eq(err_last(), "cannot read '/nonexistent/proc': No such file or directory");
	watchdog_job_release(&j);
}
END_TEST

/* The session leader's state: 'Z' (or gone) once it is dead. */
static char
state_of(pid_t pid)
{
	char path[64], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 'X';
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	p = strrchr(line, ')');
	return p != NULL && p[1] == ' ' ? p[2] : '?';
}

START_TEST(test_kill_session)
{
	struct watchdog_job j;
	int p[2], st, i;
	pid_t leader, escapee = 0;

	ck_assert_int_eq(pipe(p), 0);
	leader = fork();
	ck_assert_int_ge(leader, 0);
	if (leader == 0) {
		pid_t g;

		setsid();
		g = fork();
		if (g == 0) {
			/* leaves the group, stays in the session */
			setpgid(0, 0);
			for (;;)
				pause();
		}
		if (write(p[1], &g, sizeof(g)) != (ssize_t)sizeof(g))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &escapee, sizeof(escapee)), (ssize_t)sizeof(escapee));
	close(p[0]);
	memset(&j, 0, sizeof(j));
	j.sid = leader;
	/* the escapee's setpgid may still be on its way: the session counts */
	for (i = 0; i < 100 && j.tasks < 2; i++) {
		ck_assert_int_eq(watchdog_scan(&j, 1, "/proc"), 0);
		if (j.tasks < 2)
			usleep(10000);
	}
	ck_assert_uint_eq(j.tasks, 2);
	ck_assert_uint_eq(j.npids, 2);
	watchdog_kill(&j);
	ck_assert_int_eq(waitpid(leader, &st, 0), leader);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* The escapee is init's (or a subreaper's) to reap: dead, not running. */
	for (i = 0; i < 100 && state_of(escapee) != 'Z' && state_of(escapee) != 'X'; i++)
		usleep(10000);
	ck_assert_msg(state_of(escapee) == 'Z' || state_of(escapee) == 'X',
	    "process %ld outside the group survived", (long)escapee);
	watchdog_job_release(&j);
}
END_TEST

Suite *
watchdog_suite(void)
{
	Suite *s = suite_create("watchdog");
	TCase *tc;

	tc = tcase_create("scan");
	tcase_add_test(tc, test_scan_fake);
	tcase_add_test(tc, test_scan_missing_root);
	suite_add_tcase(s, tc);
	tc = tcase_create("kill");
	tcase_add_test(tc, test_kill_session);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);
	return s;
}
