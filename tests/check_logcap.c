/*
 * A capped log: under, at and one over the cap, head and tail kept in
 * order with the dropped count, writes of any size, no cap.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "supervisor/pool/logcap.h"

static char *dir;

static void
setup(void)
{
	ck_assert_int_eq(tmpdir_make(&dir, "repocast-logcap-"), 0);
}

static void
teardown(void)
{
	tmpdir_remove(dir);
	free(dir);
}

/* The bytes 0..n-1 of a pattern that never repeats within 4 KiB windows. */
static char *
pattern(size_t n)
{
	char *p = xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)('a' + (i * 7 + i / 26) % 26);
	return p;
}

/* Write data to a log capped at max in pieces of step; the file's text. */
static void
run(struct buf *out, uint64_t *dropped, const char *data, size_t n, uint64_t max, size_t step)
{
	char *path = xasprintf("%s/t.log", dir);
	struct logcap lc;
	size_t off, k;

	ck_assert_int_eq(logcap_open(&lc, path, max), 0);
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		logcap_write(&lc, data + off, k);
	}
	*dropped = logcap_dropped(&lc);
	logcap_close(&lc);
	buf_reset(out);
	ck_assert_int_eq(buf_read_file(out, path), 0);
	free(path);
}

START_TEST(test_under_at_over)
{
	struct buf b = BUF_INIT;
	char *data = pattern(8192);
	uint64_t dropped;

	run(&b, &dropped, data, 0, 4096, 100);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(dropped, 0);
	run(&b, &dropped, data, 4000, 4096, 100);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(b.len, 4000);
	ck_assert_mem_eq(b.ptr, data, 4000);
	run(&b, &dropped, data, 4096, 4096, 1);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(b.len, 4096);
	ck_assert_mem_eq(b.ptr, data, 4096);
	/* one byte over: byte 2048 goes, the line says so */
	run(&b, &dropped, data, 4097, 4096, 4097);
	ck_assert_uint_eq(dropped, 1);
	ck_assert_mem_eq(b.ptr, data, 2048);
	ck_assert_ptr_nonnull(strstr(b.ptr, "\n--- repocast: 1 bytes of output dropped here: the log "
	    "keeps the first 2048 and the last 2048 bytes (--max-log 4096) ---\n"));
	ck_assert_mem_eq(b.ptr + b.len - 2048, data + 4097 - 2048, 2048);
	buf_release(&b);
	free(data);
}
END_TEST

START_TEST(test_head_and_tail)
{
	static const size_t steps[] = { 1, 7, 1000, 2048, 3000, 100000 };
	size_t n = 100000, i;
	char *data = pattern(n);
	struct buf b = BUF_INIT;
	uint64_t dropped;
	const char *line;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		run(&b, &dropped, data, n, 4096, steps[i]);
		ck_assert_uint_eq(dropped, n - 4096);
		ck_assert_mem_eq(b.ptr, data, 2048);
		line = strstr(b.ptr, "--- repocast: 95904 bytes of output dropped here");
		ck_assert_ptr_nonnull(line);
		ck_assert_ptr_eq(line, b.ptr + 2049);
		ck_assert_mem_eq(b.ptr + b.len - 2048, data + n - 2048, 2048);
		/* the file is the head, the line and the tail: nothing else */
		ck_assert_uint_eq(b.len, 4096 + strlen("\n") + strcspn(line, "\n") + 1);
	}
	buf_release(&b);
	free(data);
}
END_TEST

START_TEST(test_no_cap)
{
	size_t n = 1 << 20;
	char *data = pattern(n);
	struct buf b = BUF_INIT;
	uint64_t dropped;

	run(&b, &dropped, data, n, 0, 65536);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_uint_eq(b.len, n);
	ck_assert_mem_eq(b.ptr, data, n);
	buf_release(&b);
	free(data);
}
END_TEST

START_TEST(test_open_fails)
{
	struct logcap lc;

	ck_assert_int_eq(logcap_open(&lc, "/nonexistent/dir/t.log", 4096), -1);
	/* writes go nowhere, close is harmless */
	logcap_write(&lc, "x", 1);
	ck_assert_uint_eq(logcap_dropped(&lc), 0);
	logcap_close(&lc);
}
END_TEST

Suite *
logcap_suite(void)
{
	Suite *s = suite_create("logcap");
	TCase *tc = tcase_create("logcap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_under_at_over);
	tcase_add_test(tc, test_head_and_tail);
	tcase_add_test(tc, test_no_cap);
	tcase_add_test(tc, test_open_fails);
	suite_add_tcase(s, tc);
	return s;
}
