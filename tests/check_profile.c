#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/fold.h"
#include "shared/util.h"
#include "worker/profile.h"
#include "worker/worker.h"

static void
collect(const struct profile_sample *s, void *arg)
{
	struct buf *b = arg;

	buf_addf(b, "%u:%lu:%u,", s->depth, (unsigned long)(uintptr_t)s->pc[0], s->cpu_us);
}

START_TEST(test_ring_full_and_wrap)
{
	struct profile_ring r;
	struct buf b = BUF_INIT;
	void *pc[2] = { (void *)1, (void *)2 };
	uintptr_t i;

	ck_assert_int_eq(profile_ring_init(&r, 4), 0);
	for (i = 1; i <= 5; i++) {
		pc[0] = (void *)i;
		ck_assert_int_eq(profile_ring_push(&r, pc, 2, (uint32_t)(10 * i)), i <= 4);
	}
	ck_assert_uint_eq(r.lost, 1);
	ck_assert_uint_eq(profile_ring_drain(&r, collect, &b), 4);
	ck_assert_str_eq(b.ptr, "2:1:10,2:2:20,2:3:30,2:4:40,");
	/* Drained slots are free again: the ring wraps. */
	buf_reset(&b);
	for (i = 6; i <= 9; i++) {
		pc[0] = (void *)i;
		ck_assert_int_eq(profile_ring_push(&r, pc, 1, 1), 1);
	}
	ck_assert_uint_eq(profile_ring_drain(&r, collect, &b), 4);
	ck_assert_str_eq(b.ptr, "1:6:1,1:7:1,1:8:1,1:9:1,");
	ck_assert_uint_eq(profile_ring_drain(&r, collect, &b), 0);
	ck_assert_uint_eq(r.lost, 1);
	profile_ring_release(&r);
	buf_release(&b);
}
END_TEST

START_TEST(test_ring_depth_cut)
{
	struct profile_ring r;
	struct buf b = BUF_INIT;
	void *pc[PROFILE_DEPTH + 10];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pc); i++)
		pc[i] = (void *)(i + 100);
	ck_assert_int_eq(profile_ring_init(&r, 1), 0);
	ck_assert_int_eq(profile_ring_push(&r, pc, (int)ARRAY_SIZE(pc), 0), 1);
	ck_assert_int_eq(profile_ring_push(&r, pc, 1, 0), 0);  /* cap 1: full */
	ck_assert_uint_eq(profile_ring_drain(&r, collect, &b), 1);
	ck_assert_str_eq(b.ptr, "64:100:0,");  /* PROFILE_DEPTH frames, the leaf end */
	profile_ring_release(&r);
	buf_release(&b);
}
END_TEST

static __attribute__((noinline)) int
check_profile_static_marker(int x)
{
	return x * 3 + 1;
}

START_TEST(test_symbol_names)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(check_profile_static_marker(1), 4);
	/* A static function: only the file's .symtab knows it. */
	profile_symbol(&b, (const void *)((uintptr_t)check_profile_static_marker + 1));
	ck_assert_str_eq(b.ptr, "check_profile_static_marker");
	buf_reset(&b);
	profile_symbol(&b, (const void *)fold_init);
	ck_assert_str_eq(b.ptr, "fold_init");
	buf_reset(&b);
	/* A libc function: its dynamic symbols. */
	profile_symbol(&b, (const void *)strlen);
	ck_assert_msg(strstr(b.ptr, "strlen") != NULL || strcmp(b.ptr, "[libc.so.6]") == 0,
	    "strlen named '%s'", b.ptr);
	buf_reset(&b);
	profile_symbol(&b, (const void *)16);
	ck_assert_str_eq(b.ptr, "[unknown]");
	buf_release(&b);
}
END_TEST

static uint64_t
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static volatile uint64_t spin_sink;

static __attribute__((noinline)) void
check_profile_busy_loop(uint64_t us)
{
	uint64_t t0 = cpu_us(), x = 0;

	while (cpu_us() - t0 < us)
		for (int i = 0; i < 10000; i++)
			x += (uint64_t)i * 7;
	spin_sink = x;
}

static int
no_timer_no_handler(void)
{
	struct itimerval it;
	struct sigaction sa;

	getitimer(ITIMER_PROF, &it);
	sigaction(SIGPROF, NULL, &sa);
	return it.it_interval.tv_sec == 0 && it.it_interval.tv_usec == 0 &&
	    it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0 &&
	    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN) && !(sa.sa_flags & SA_SIGINFO);
}

/* Start, burn CPU, finish: one PROFILE on the channel naming the loop. */
START_TEST(test_profile_end_to_end)
{
	struct worker w;
	struct frame_reader in;
	struct msg m;
	int fds[2];
	size_t i;
	uint64_t total = 0;
	bool found = false;

	ck_assert_int_eq(pipe(fds), 0);
	memset(&w, 0, sizeof(w));
	frame_writer_init(&w.out, fds[1], FRAME_MAX_DEFAULT);
	ck_assert(!profile_active());
	ck_assert(no_timer_no_handler());  /* off: nothing installed */
	ck_assert_int_eq(profile_start(1000), 0);
	ck_assert(profile_active());
	check_profile_busy_loop(300000);
	profile_drain();
	check_profile_busy_loop(100000);
	ck_assert_int_eq(profile_finish(&w), 0);
	ck_assert(!profile_active());
	ck_assert(no_timer_no_handler());  /* finished: the timer is stopped */
	ck_assert_int_ge(frame_flush_all(&w.out), 0);
	close(fds[1]);
	frame_reader_init(&in, fds[0], FRAME_MAX_DEFAULT);
	ck_assert_int_eq(msg_recv(&m, &in), 1);
	ck_assert_int_eq(m.type, MSG_PROFILE);
	ck_assert_uint_eq(m.u.profile.period_us, 1000);
	ck_assert_uint_gt(m.u.profile.samples, 10);
	ck_assert_ptr_null(m.u.profile.perf);
	for (i = 0; i < m.u.profile.nstacks; i++) {
		const char *st = m.u.profile.stacks[i].key;

		ck_assert_msg(strncmp(st, "repocast-worker;", 16) == 0, "stack '%s'", st);
		total += strtoull(m.u.profile.stacks[i].value, NULL, 10);
		if (strstr(st, ";test_profile_end_to_end_fn;check_profile_busy_loop") != NULL)
			found = true;
	}
	ck_assert_msg(found, "no stack through check_profile_busy_loop");
	/* Counts are CPU time in periods: 400 ms of loop, give or take. */
	ck_assert_uint_ge(total, 300);
	ck_assert_uint_le(total, 1000);
	msg_release(&m);
	frame_reader_release(&in);
	frame_writer_release(&w.out);
	close(fds[0]);
}
END_TEST

START_TEST(test_profile_finish_when_off)
{
	struct worker w;

	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(profile_finish(&w), 0);
	ck_assert(no_timer_no_handler());
}
END_TEST

Suite *
profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, test_ring_full_and_wrap);
	tcase_add_test(tc, test_ring_depth_cut);
	suite_add_tcase(s, tc);
	tc = tcase_create("sampling");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_symbol_names);
	tcase_add_test(tc, test_profile_end_to_end);
	tcase_add_test(tc, test_profile_finish_when_off);
	suite_add_tcase(s, tc);
	return s;
}
