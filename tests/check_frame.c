/*
 * Suite `frame`: the length-prefixed frame writer and reader over pipes.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/frame.h"
#include "shared/err.h"
#include "shared/util.h"

static void
make_pipe(int p[2])
{
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
}

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	ck_assert_int_ge(fl, 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

static void
put_hdr(unsigned char *p, uint32_t len)
{
	p[0] = (unsigned char)(len >> 24);
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
}

static void
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);

		ck_assert_int_gt(k, 0);
		c += k;
		n -= (size_t)k;
	}
}

/* Fill len bytes with a pattern that depends on seed and position. */
static void
pattern(unsigned char *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed * 7 + (i >> 8));
}

START_TEST(test_roundtrip)
{
	static const char *msgs[] = { "", "a", "hello", "frame four" };
	struct frame_writer w;
	struct frame_reader r;
	const void *p;
	size_t len, i;
	int fd[2];

	make_pipe(fd);
	frame_writer_init(&w, fd[1], 64);
	frame_reader_init(&r, fd[0], 64);
	for (i = 0; i < ARRAY_SIZE(msgs); i++)
		ck_assert_int_eq(frame_queue(&w, msgs[i], strlen(msgs[i])), 0);
	ck_assert_uint_eq(frame_pending(&w), 4 * 4 + 0 + 1 + 5 + 10);
	ck_assert_uint_eq(w.msgs, 4);
	ck_assert_int_eq(frame_flush(&w), 1);
	ck_assert_uint_eq(frame_pending(&w), 0);
	ck_assert_uint_eq(w.bytes, 32);
	ck_assert_int_eq(frame_flush(&w), 1);
	close(fd[1]);
	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		ck_assert_int_eq(frame_read(&p, &len, &r), 1);
		ck_assert_uint_eq(len, strlen(msgs[i]));
		ck_assert(memcmp(p, msgs[i], len) == 0);
	}
	ck_assert_int_eq(frame_read(&p, &len, &r), 0);
	ck_assert_int_eq(r.eof, 1);
	ck_assert_uint_eq(r.msgs, 4);
	ck_assert_uint_eq(r.bytes, 32);
	frame_writer_release(&w);
	frame_reader_release(&r);
	close(fd[0]);
}
END_TEST

START_TEST(test_queue_limit)
{
	char data[17] = "0123456789abcdef";
	struct frame_writer w;
	size_t mark;

	frame_writer_init(&w, -1, 16);
	ck_assert_int_eq(frame_queue(&w, data, 0), 0);
	ck_assert_uint_eq(frame_pending(&w), 4);
	ck_assert_int_eq(frame_queue(&w, data, 16), 0);
	ck_assert_uint_eq(frame_pending(&w), 24);
	err_clear();
	ck_assert_int_eq(frame_queue(&w, data, 17), ERR_LIMIT);
	ck_assert_str_eq(err_last(),
	    "frame of 17 bytes exceeds the limit of 16 bytes");
	ck_assert_uint_eq(frame_pending(&w), 24);
	ck_assert_uint_eq(w.msgs, 2);

	/* The in-place variant drops the partial frame. */
	ck_assert_int_eq(frame_queue_begin(&mark, &w), 0);
	buf_add(&w.out, data, 17);
	ck_assert_int_eq(frame_queue_end(&w, mark), ERR_LIMIT);
	ck_assert_str_eq(err_last(),
	    "frame of 17 bytes exceeds the limit of 16 bytes");
	ck_assert_uint_eq(frame_pending(&w), 24);
	ck_assert_int_eq(frame_queue_begin(&mark, &w), 0);
	buf_add(&w.out, data, 16);
	ck_assert_int_eq(frame_queue_end(&w, mark), 0);
	ck_assert_uint_eq(frame_pending(&w), 44);
	ck_assert_int_eq((unsigned char)w.out.ptr[24 + 3], 16);
	ck_assert_uint_eq(w.msgs, 3);
	frame_writer_release(&w);

	/* A channel maximum of 0 admits only empty frames. */
	frame_writer_init(&w, -1, 0);
	ck_assert_int_eq(frame_queue(&w, data, 0), 0);
	ck_assert_int_eq(frame_queue(&w, data, 1), ERR_LIMIT);
	ck_assert_str_eq(err_last(),
	    "frame of 1 bytes exceeds the limit of 0 bytes");
	ck_assert_uint_eq(frame_pending(&w), 4);
	frame_writer_release(&w);
}
END_TEST

/* Feed raw bytes into a reader with the given maximum; EOF after them. */
static int
read_raw(const void *bytes, size_t n, size_t max, size_t *len, size_t *cap)
{
	struct frame_reader r;
	const void *p;
	int fd[2], rc;

	make_pipe(fd);
	write_all(fd[1], bytes, n);
	close(fd[1]);
	frame_reader_init(&r, fd[0], max);
	err_clear();
	rc = frame_read(&p, len, &r);
	*cap = r.in.cap;
	frame_reader_release(&r);
	close(fd[0]);
	return rc;
}

START_TEST(test_reader_limit)
{
	unsigned char in[4 + 17];
	size_t len, cap;

	memset(in, 'x', sizeof(in));
	put_hdr(in, 16);
	ck_assert_int_eq(read_raw(in, 4 + 16, 16, &len, &cap), 1);
	ck_assert_uint_eq(len, 16);
	put_hdr(in, 0);
	ck_assert_int_eq(read_raw(in, 4, 16, &len, &cap), 1);
	ck_assert_uint_eq(len, 0);
	put_hdr(in, 17);
	ck_assert_int_eq(read_raw(in, 4 + 17, 16, &len, &cap), ERR_LIMIT);
	ck_assert_str_eq(err_last(),
	    "frame of 17 bytes exceeds the limit of 16 bytes");
	put_hdr(in, 0);
	ck_assert_int_eq(read_raw(in, 4, 0, &len, &cap), 1);
	put_hdr(in, 1);
	ck_assert_int_eq(read_raw(in, 5, 0, &len, &cap), ERR_LIMIT);
	ck_assert_str_eq(err_last(),
	    "frame of 1 bytes exceeds the limit of 0 bytes");
}
END_TEST

START_TEST(test_reader_no_alloc_before_check)
{
	unsigned char in[4];
	size_t len, cap;

	/* A header announcing 4 GiB - 1 with the default 8 MiB maximum. */
	put_hdr(in, UINT32_MAX);
	ck_assert_int_eq(read_raw(in, 4, FRAME_MAX_DEFAULT, &len, &cap),
	    ERR_LIMIT);
	ck_assert_str_eq(err_last(),
	    "frame of 4294967295 bytes exceeds the limit of 8388608 bytes");
	ck_assert_uint_lt(cap, 256 * 1024);
	/* Just above the maximum: still no buffer sized for it. */
	put_hdr(in, FRAME_MAX_DEFAULT + 1);
	ck_assert_int_eq(read_raw(in, 4, FRAME_MAX_DEFAULT, &len, &cap),
	    ERR_LIMIT);
	ck_assert_str_eq(err_last(),
	    "frame of 8388609 bytes exceeds the limit of 8388608 bytes");
	ck_assert_uint_lt(cap, 256 * 1024);
}
END_TEST

START_TEST(test_truncated)
{
	unsigned char in[4 + 10];
	size_t len, cap;

	memset(in, 'y', sizeof(in));
	put_hdr(in, 10);
	/* EOF inside the payload. */
	ck_assert_int_eq(read_raw(in, 4 + 9, 64, &len, &cap), ERR_PROTO);
	ck_assert_str_eq(err_last(), "protocol error: truncated frame");
	/* EOF inside the header. */
	ck_assert_int_eq(read_raw(in, 3, 64, &len, &cap), ERR_PROTO);
	ck_assert_str_eq(err_last(), "protocol error: truncated frame");
	/* EOF right after a whole frame is clean. */
	ck_assert_int_eq(read_raw(in, 0, 64, &len, &cap), 0);
	ck_assert_str_eq(err_last(), "");
}
END_TEST

START_TEST(test_one_byte_at_a_time)
{
	struct frame_writer w;
	struct frame_reader r;
	unsigned char data[300];
	const void *p;
	size_t len, i, got = 0;
	int fd[2], rc;

	make_pipe(fd);
	frame_writer_init(&w, fd[1], 1024);
	for (i = 0; i < 5; i++) {
		pattern(data, sizeof(data), (unsigned)i);
		ck_assert_int_eq(frame_queue(&w, data, 60 * i), 0);
	}
	frame_reader_init(&r, fd[0], 1024);
	set_nonblock(fd[0]);
	for (i = 0; i < w.out.len; i++) {
		write_all(fd[1], w.out.ptr + i, 1);
		ck_assert_int_eq(frame_fill(&r), 1);
		while ((rc = frame_next(&p, &len, &r)) == 1) {
			ck_assert_uint_eq(len, 60 * got);
			pattern(data, sizeof(data), (unsigned)got);
			ck_assert(memcmp(p, data, len) == 0);
			got++;
		}
		ck_assert_int_eq(rc, 0);
		/* Nothing more to read yet: 0, not EOF. */
		ck_assert_int_eq(frame_fill(&r), 0);
		ck_assert_int_eq(r.eof, 0);
	}
	ck_assert_uint_eq(got, 5);
	close(fd[1]);
	ck_assert_int_eq(frame_fill(&r), 0);
	ck_assert_int_eq(r.eof, 1);
	ck_assert_int_eq(frame_next(&p, &len, &r), 0);
	frame_writer_release(&w);
	frame_reader_release(&r);
	close(fd[0]);
}
END_TEST

START_TEST(test_full_pipe)
{
	size_t big = 1024 * 1024, len;
	unsigned char *data = xmalloc(big);
	struct frame_writer w;
	struct frame_reader r;
	const void *p;
	int fd[2], rc, zero = 0, i;

	make_pipe(fd);
	set_nonblock(fd[1]);
	set_nonblock(fd[0]);
	frame_writer_init(&w, fd[1], big);
	frame_reader_init(&r, fd[0], big);
	for (i = 0; i < 3; i++) {
		pattern(data, big, (unsigned)i);
		ck_assert_int_eq(frame_queue(&w, data, big - (size_t)i), 0);
	}
	ck_assert_int_eq(frame_flush(&w), 0);
	ck_assert_uint_gt(frame_pending(&w), 0);
	ck_assert_uint_lt(frame_pending(&w), 3 * big + 12);
	/* Queue more while blocked: appended behind the unwritten bytes. */
	ck_assert_int_eq(frame_queue(&w, "tail", 4), 0);
	i = 0;
	for (;;) {
		int k;

		rc = frame_flush(&w);
		ck_assert_int_ge(rc, 0);
		if (rc == 0)
			zero++;
		ck_assert_int_ge(frame_fill(&r), 0);
		while ((k = frame_next(&p, &len, &r)) == 1) {
			if (i < 3) {
				ck_assert_uint_eq(len, big - (size_t)i);
				pattern(data, big, (unsigned)i);
				ck_assert(memcmp(p, data, len) == 0);
			} else {
				ck_assert_uint_eq(len, 4);
				ck_assert(memcmp(p, "tail", 4) == 0);
			}
			i++;
		}
		ck_assert_int_eq(k, 0);
		if (i == 4)
			break;
	}
	ck_assert_int_eq(i, 4);
	ck_assert_int_gt(zero, 0);
	ck_assert_uint_eq(frame_pending(&w), 0);
	ck_assert_uint_eq(w.bytes, 3 * big - 3 + 4 * 4 + 4);
	/* The reader never held much more than one frame plus a chunk. */
	ck_assert_uint_lt(r.in.cap, 2 * big + 256 * 1024);
	free(data);
	frame_writer_release(&w);
	frame_reader_release(&r);
	close(fd[0]);
	close(fd[1]);
}
END_TEST

START_TEST(test_flush_all_child)
{
	size_t big = 3 * 1024 * 1024 + 5, len;
	unsigned char *data = xmalloc(big), *want = xmalloc(big);
	struct frame_reader r;
	const void *p;
	int fd[2], st, i;
	pid_t pid;

	make_pipe(fd);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct frame_writer w;

		close(fd[0]);
		set_nonblock(fd[1]);
		frame_writer_init(&w, fd[1], big);
		for (i = 0; i < 4; i++) {
			pattern(data, big, (unsigned)i);
			if (frame_queue(&w, data, big - (size_t)i) < 0 ||
			    frame_flush_all(&w) != 1)
				_exit(1);
		}
		frame_writer_release(&w);
		free(data);
		free(want);
		_exit(0);
	}
	close(fd[1]);
	frame_reader_init(&r, fd[0], big);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(frame_read(&p, &len, &r), 1);
		ck_assert_uint_eq(len, big - (size_t)i);
		pattern(want, big, (unsigned)i);
		ck_assert(memcmp(p, want, len) == 0);
	}
	ck_assert_int_eq(frame_read(&p, &len, &r), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(data);
	free(want);
	frame_reader_release(&r);
	close(fd[0]);
}
END_TEST

START_TEST(test_epipe)
{
	struct frame_writer w;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int fd[2];

	make_pipe(fd);
	close(fd[0]);
	frame_writer_init(&w, fd[1], 64);
	ck_assert_int_eq(frame_queue(&w, "x", 1), 0);
	err_clear();
	ck_assert_int_eq(frame_flush(&w), -1);
	ck_assert_str_eq(err_last(), "cannot write frame: Broken pipe");
	ck_assert_int_eq(frame_flush_all(&w), -1);
	ck_assert_str_eq(err_last(), "cannot write frame: Broken pipe");
	ck_assert_uint_eq(frame_pending(&w), 5);
	frame_writer_release(&w);
	close(fd[1]);
	signal(SIGPIPE, old);
}
END_TEST

START_TEST(test_many_frames_linear)
{
	struct frame_writer w;
	struct frame_reader r;
	unsigned char data[1000];
	const void *p;
	size_t len, total = 0, i;
	int fd[2];
	pid_t pid;
	int st;

	/* 20000 frames of assorted sizes through a pipe, checked in order. */
	make_pipe(fd);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fd[0]);
		frame_writer_init(&w, fd[1], sizeof(data));
		for (i = 0; i < 20000; i++) {
			pattern(data, i % 1000, (unsigned)i);
			frame_queue(&w, data, i % 1000);
			if (frame_pending(&w) > 64 * 1024 &&
			    frame_flush_all(&w) != 1)
				_exit(1);
		}
		st = frame_flush_all(&w) == 1 ? 0 : 1;
		frame_writer_release(&w);
		_exit(st);
	}
	close(fd[1]);
	frame_reader_init(&r, fd[0], sizeof(data));
	for (i = 0; i < 20000; i++) {
		ck_assert_int_eq(frame_read(&p, &len, &r), 1);
		ck_assert_uint_eq(len, i % 1000);
		pattern(data, len, (unsigned)i);
		ck_assert(memcmp(p, data, len) == 0);
		total += len;
	}
	ck_assert_int_eq(frame_read(&p, &len, &r), 0);
	ck_assert_uint_eq(r.msgs, 20000);
	ck_assert_uint_eq(r.bytes, total + 4 * 20000);
	ck_assert_uint_le(r.in.cap, 256 * 1024);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	frame_reader_release(&r);
	close(fd[0]);
}
END_TEST

START_TEST(test_read_error)
{
	struct frame_reader r;
	const void *p;
	size_t len;

	frame_reader_init(&r, -1, 64);
	ck_assert_int_eq(frame_fill(&r), -1);
	ck_assert_str_eq(err_last(), "cannot read frame: Bad file descriptor");
	ck_assert_int_eq(frame_read(&p, &len, &r), -1);
	frame_reader_release(&r);
}
END_TEST

Suite *
frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc;

	tc = tcase_create("writer");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_queue_limit);
	tcase_add_test(tc, test_epipe);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_test(tc, test_reader_limit);
	tcase_add_test(tc, test_reader_no_alloc_before_check);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_one_byte_at_a_time);
	tcase_add_test(tc, test_read_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_full_pipe);
	tcase_add_test(tc, test_flush_all_child);
	tcase_add_test(tc, test_many_frames_linear);
	suite_add_tcase(s, tc);
	return s;
}
