/*
 * Spawning a worker: its descriptors, a missing binary, the environment,
 * and the handshake with the test worker by hand.
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
#include "supervisor/pool/spawn.h"

static char *
test_worker(void)
{
	const char *b = getenv("REPOCAST_BUILD");

	return xasprintf("%s/tests/bin/repocast-worker-test", b ? b : "build");
}


/* ---- spawn ---- */

static void
read_all(struct buf *b, int fd)
{
	char tmp[4096];
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		poll(&p, 1, 5000);
		n = read(fd, tmp, sizeof(tmp));
		if (n == 0)
			return;
		if (n > 0)
			buf_add(b, tmp, (size_t)n);
	}
}

START_TEST(test_spawn_fds)
{
	struct spawn_child c;
	struct buf out = BUF_INIT;
	char *argv[] = { (char *)"sh", (char *)"-c",
		(char *)"for f in 0 1 2 3 4 5 6 7 8 9 10 11; do [ -e /proc/$$/fd/$f ] && "
		"printf '%s ' $f; done; printf 'pgid=%s sid=%s' "
		"$(ps -o pgid= -p $$ | tr -d ' ') $(ps -o sid= -p $$ | tr -d ' ')", NULL };
	char *envp[] = { NULL };
	char want[128];
	int st, saved[2], fd;

	/* Free 3 and 4 so the pipes land there: spawn must still deliver them.
	 * (Whatever the test runner keeps there is put back afterwards.) */
	for (fd = 3; fd <= 4; fd++) {
		saved[fd - 3] = fcntl(fd, F_DUPFD_CLOEXEC, 100);
		close(fd);
	}
	ck_assert_int_eq(spawn_worker(&c, "/bin/sh", argv, envp), 0);
	for (fd = 3; fd <= 4; fd++) {
		if (saved[fd - 3] >= 0) {
			dup2(saved[fd - 3], fd);
			close(saved[fd - 3]);
		}
	}
	ck_assert_int_ge(c.to_child, 5);
	ck_assert_int_ge(c.from_child, 5);
	ck_assert_int_ge(c.log, 5);
	ck_assert_int_eq(fcntl(c.log, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(fcntl(c.log, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(c.to_child);
	close(c.from_child);
	read_all(&out, c.log);
	close(c.log);
	ck_assert_int_eq(waitpid(c.pid, &st, 0), c.pid);
	snprintf(want, sizeof(want), "0 1 2 3 4 pgid=%ld sid=%ld", (long)c.pid, (long)c.pid);
	ck_assert_str_eq(out.ptr, want);
	buf_release(&out);
}
END_TEST

START_TEST(test_spawn_missing)
{
	struct spawn_child c;
	char *argv[] = { (char *)"x", NULL };
	char *envp[] = { NULL };

	ck_assert_int_eq(spawn_worker(&c, "/nonexistent/repocast-worker", argv, envp), -1);
	ck_assert_str_eq(err_last(),
	    "cannot execute '/nonexistent/repocast-worker': No such file or directory");
	ck_assert_int_eq(c.pid, -1);
	ck_assert_int_eq(c.log, -1);
}
END_TEST

START_TEST(test_spawn_env)
{
	const char *drop[] = { "GITHUB_TOKEN", "GH_TOKEN", NULL };
	const char *add[] = { "REPOCAST_X=new", NULL };
	char **env;
	size_t i;
	int seen = 0;

	setenv("GITHUB_TOKEN", "secret-1", 1);
	setenv("GH_TOKEN", "secret-2", 1);
	setenv("GITHUB_TOKENS", "kept", 1);
	setenv("REPOCAST_X", "old", 1);
	env = spawn_env_new(drop, add);
	for (i = 0; env[i] != NULL; i++) {
		ck_assert_ptr_null(strstr(env[i], "secret"));
		ck_assert_str_ne(env[i], "REPOCAST_X=old");
		if (strcmp(env[i], "GITHUB_TOKENS=kept") == 0 || strcmp(env[i], "REPOCAST_X=new") == 0)
			seen++;
	}
	ck_assert_int_eq(seen, 2);
	spawn_env_free(env);
}
END_TEST

/* ---- the worker handshake, by hand ---- */

START_TEST(test_worker_proto_mismatch)
{
	struct spawn_child c;
	char *path = test_worker();
	char *argv[] = { (char *)"repocast-worker", NULL };
	char *envp[] = { NULL };
	struct frame_writer w;
	struct frame_reader r;
	struct msg m;
	int st, fl;

	ck_assert_int_eq(spawn_worker(&c, path, argv, envp), 0);
	fl = fcntl(c.from_child, F_GETFL);
	fcntl(c.from_child, F_SETFL, fl & ~O_NONBLOCK);
	frame_writer_init(&w, c.to_child, FRAME_MAX_DEFAULT);
	frame_reader_init(&r, c.from_child, FRAME_MAX_DEFAULT);
	msg_init(&m, MSG_HELLO);
	m.u.hello.proto = PROTO_VERSION + 1;
	m.u.hello.run_id = (char *)"t";
	ck_assert_int_eq(msg_send(&w, &m), 0);
	ck_assert_int_eq(frame_flush_all(&w), 1);
	ck_assert_int_eq(msg_recv(&m, &r), 1);
	ck_assert_int_eq(m.type, MSG_ERROR);
	ck_assert_str_eq(m.u.error.code, "protocol");
	ck_assert_str_eq(m.u.error.text, "protocol version mismatch: peer speaks 5, this side 4");
	msg_release(&m);
	ck_assert_int_eq(msg_recv(&m, &r), 1);
	ck_assert_int_eq(m.type, MSG_STATS); /* STATS comes last, even then */
	msg_release(&m);
	ck_assert_int_eq(msg_recv(&m, &r), 0);
	ck_assert_int_eq(waitpid(c.pid, &st, 0), c.pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	frame_writer_release(&w);
	frame_reader_release(&r);
	close(c.to_child);
	close(c.from_child);
	close(c.log);
	free(path);
}
END_TEST

START_TEST(test_worker_by_hand)
{
	struct buf out = BUF_INIT;
	char *cmd = xasprintf("%s/repocast-worker 2>&1 </dev/null 3>&- 4>&-",
	    getenv("REPOCAST_BUILD") ? getenv("REPOCAST_BUILD") : "build");
	FILE *fp = popen(cmd, "r");
	char line[256];

	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		buf_addstr(&out, line);
	ck_assert_int_eq(WEXITSTATUS(pclose(fp)), 2);
	ck_assert_str_eq(out.ptr, "repocast-worker: started by repocast, not by hand "
	    "(expects the channel on fds 3 and 4)\n");
	buf_release(&out);
	free(cmd);
}
END_TEST

Suite *
spawn_suite(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc;

	tc = tcase_create("spawn");
	tcase_add_test(tc, test_spawn_fds);
	tcase_add_test(tc, test_spawn_missing);
	tcase_add_test(tc, test_spawn_env);
	tcase_add_test(tc, test_worker_proto_mismatch);
	tcase_add_test(tc, test_worker_by_hand);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);
	return s;
}
