/*
 * The event loop: timers, cancel, I/O readiness and signals as events.
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
#include "supervisor/pool/evloop.h"

/* ---- evloop ---- */

static int fired[8];
static int nfired;
static uint64_t cancel_me;
static struct evloop *loop_under_test;

static void
on_timer(void *arg)
{
	fired[nfired++] = (int)(intptr_t)arg;
	if ((intptr_t)arg == 1)
		evloop_cancel(loop_under_test, cancel_me);
}

START_TEST(test_evloop_timers)
{
	struct evloop *l;
	uint64_t t0 = evloop_now_ms();

	evloop_new(&l);
	loop_under_test = l;
	nfired = 0;
	evloop_timer(l, 60, on_timer, (void *)2);
	evloop_timer(l, 20, on_timer, (void *)1);
	cancel_me = evloop_timer(l, 40, on_timer, (void *)3); /* cancelled by timer 1 */
	evloop_cancel(l, 0);
	while (nfired < 2)
		evloop_run_once(l, -1);
	ck_assert_int_eq(fired[0], 1);
	ck_assert_int_eq(fired[1], 2);
	ck_assert_uint_ge(evloop_now_ms() - t0, 60);
	/* nothing left: a bounded wait returns with no callback */
	ck_assert_int_eq(evloop_run_once(l, 30), 0);
	ck_assert_int_eq(nfired, 2);
	evloop_free(l);
}
END_TEST

static int pipe_a[2], pipe_b[2];
static int io_calls;

static void
on_io(int fd, int revents, void *arg)
{
	char c;

	(void)arg;
	ck_assert(revents & POLLIN);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	io_calls++;
	/* the first one to run removes the other: it must not be called */
	evloop_unwatch(loop_under_test, fd == pipe_a[0] ? pipe_b[0] : pipe_a[0]);
}

static int got_signal;

static void
on_sig(int sig, void *arg)
{
	(void)arg;
	got_signal = sig;
}

START_TEST(test_evloop_io_and_signals)
{
	struct evloop *l;
	static const int sigs[] = { SIGUSR1 };

	evloop_new(&l);
	loop_under_test = l;
	ck_assert_int_eq(pipe(pipe_a), 0);
	ck_assert_int_eq(pipe(pipe_b), 0);
	evloop_watch(l, pipe_a[0], POLLIN, on_io, NULL);
	evloop_watch(l, pipe_b[0], POLLIN, on_io, NULL);
	ck_assert_int_eq(write(pipe_a[1], "x", 1), 1);
	ck_assert_int_eq(write(pipe_b[1], "y", 1), 1);
	io_calls = 0;
	ck_assert_int_eq(evloop_run_once(l, 1000), 1);
	ck_assert_int_eq(io_calls, 1);
	ck_assert_int_eq(evloop_signals(l, sigs, 1, on_sig, NULL), 0);
	got_signal = 0;
	raise(SIGUSR1); /* blocked: it waits in the signalfd */
	while (got_signal == 0)
		evloop_run_once(l, 1000);
	ck_assert_int_eq(got_signal, SIGUSR1);
	evloop_free(l);
	close(pipe_a[0]);
	close(pipe_a[1]);
	close(pipe_b[0]);
	close(pipe_b[1]);
}
END_TEST

Suite *
evloop_suite(void)
{
	Suite *s = suite_create("evloop");
	TCase *tc;

	tc = tcase_create("evloop");
	tcase_add_test(tc, test_evloop_timers);
	tcase_add_test(tc, test_evloop_io_and_signals);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);
	return s;
}
