#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/fold.h"
#include "shared/util.h"

static uint64_t
count_of(const struct fold *f, const char *stack)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].stack, stack) == 0)
			return f->v[i].count;
	return 0;
}

START_TEST(test_fold_merge)
{
	struct fold f;
	struct buf b = BUF_INIT;

	fold_init(&f);
	fold_add(&f, "main;b", 6, 2);
	fold_add(&f, "main;a;x", 8, 1);
	fold_add(&f, "main;b;IGNORED", 6, 3);  /* len 6: "main;b" again */
	fold_add(&f, "main", 4, 0);            /* a zero count adds nothing */
	ck_assert_uint_eq(f.n, 2);
	ck_assert_uint_eq(f.total, 6);
	ck_assert_uint_eq(count_of(&f, "main;b"), 5);
	fold_write(&b, &f);
	ck_assert_str_eq(b.ptr, "main;a;x 1\nmain;b 5\n");
	/* Sorted, the table still finds every stack. */
	fold_add(&f, "main;a;x", 8, 4);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_uint_eq(count_of(&f, "main;a;x"), 5);
	buf_release(&b);
	fold_release(&f);
}
END_TEST

START_TEST(test_fold_many)
{
	struct fold f;
	char s[32];
	int i;

	fold_init(&f);
	for (i = 0; i < 5000; i++) {
		snprintf(s, sizeof(s), "main;f%d", i % 1000);
		fold_add(&f, s, strlen(s), 1);
	}
	ck_assert_uint_eq(f.n, 1000);
	ck_assert_uint_eq(f.total, 5000);
	ck_assert_uint_eq(count_of(&f, "main;f999"), 5);
	fold_release(&f);
}
END_TEST

START_TEST(test_fold_lines)
{
	struct fold f;
	const char *text = "a;b 3\n\nc 10\r\na;b 2\n";

	fold_init(&f);
	ck_assert_int_eq(fold_add_text(&f, text, strlen(text)), 0);
	ck_assert_uint_eq(count_of(&f, "a;b"), 5);
	ck_assert_uint_eq(count_of(&f, "c"), 10);
	/* A frame may hold spaces: the count is after the last one. */
	ck_assert_int_eq(fold_add_line(&f, "main;operator new[] (x) 7", 25), 0);
	ck_assert_uint_eq(count_of(&f, "main;operator new[] (x)"), 7);
	fold_release(&f);
}
END_TEST

static const struct {
	const char *line, *err;
} bad_lines[] = {
	{ "a;b", "no count after the stack" },
	{ "a;b ", "no count after the stack" },
	{ "a;b 1x", "the count '1x' is not a number" },
	{ "a;b 0", "a count of 0" },
	{ " 5", "an empty stack" },
	{ "a 99999999999999999999999", "the count '99999999999999999999999' is too large" },
};

START_TEST(test_fold_bad_lines)
{
	struct fold f;

	fold_init(&f);
	ck_assert_int_eq(fold_add_line(&f, bad_lines[_i].line, strlen(bad_lines[_i].line)),
	    ERR_FAIL);
	ck_assert_str_eq(err_last(), bad_lines[_i].err);
	ck_assert_uint_eq(f.n, 0);
	fold_release(&f);
}
END_TEST

START_TEST(test_fold_bad_text_line_number)
{
	struct fold f;
	const char *text = "a 1\nb 2\nc\n";

	fold_init(&f);
	ck_assert_int_eq(fold_add_text(&f, text, strlen(text)), ERR_FAIL);
	ck_assert_str_eq(err_last(), "line 3: no count after the stack");
	fold_release(&f);
}
END_TEST

START_TEST(test_fold_frame_clean)
{
	struct buf b = BUF_INIT;

	fold_frame_clean(&b, "a;b\nc\x7f");
	ck_assert_str_eq(b.ptr, "a:b?c?");
	buf_reset(&b);
	fold_frame_clean(&b, "");
	ck_assert_str_eq(b.ptr, "[unknown]");
	buf_reset(&b);
	fold_frame_clean(&b, NULL);
	ck_assert_str_eq(b.ptr, "[unknown]");
	buf_release(&b);
}
END_TEST

/* What `perf script -F comm,ip,sym,dso` prints after perf record -g. */
static const char perf_text[] =
    "sh \n"
    "\t            9f87 [unknown] (/usr/bin/dash)\n"
    "\t           83275 _IO_default_xsputn+0x15 (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
    "\t    7ffd08475d00 [unknown] ([unknown])\n"
    "\n"
    "sh \n"
    "\t           1568b [unknown] (/usr/bin/dash)\n"
    "\n"
    "sh \n"
    "\tffffffff813babe0 sched_balance_update+0x1f ([kernel.kallsyms])\n"
    "\t            a7a9 main (/usr/bin/dash)\n"
    "\n"
    "sh \n"
    "\t           1568b [unknown] (/usr/bin/dash)\n"
    "\n"
    "cc1 \n"
    "\t           1568b a;b (/usr/lib/gcc/cc1)\n";

START_TEST(test_fold_perf_script)
{
	struct fold f;

	fold_init(&f);
	ck_assert_uint_eq(fold_add_perf_script(&f, perf_text, strlen(perf_text)), 5);
	/* Root first: comm, then the outermost frame; offsets dropped;
	 * unresolved frames named after their object. */
	ck_assert_uint_eq(count_of(&f, "sh;[unknown];_IO_default_xsputn;[dash]"), 1);
	ck_assert_uint_eq(count_of(&f, "sh;[dash]"), 2);
	ck_assert_uint_eq(count_of(&f, "sh;main;sched_balance_update"), 1);
	/* A ';' in a name cannot split the frame; the last sample needs no
	 * blank line after it. */
	ck_assert_uint_eq(count_of(&f, "cc1;a:b"), 1);
	ck_assert_uint_eq(f.total, 5);
	fold_release(&f);
}
END_TEST

START_TEST(test_fold_perf_script_empty)
{
	struct fold f;

	fold_init(&f);
	ck_assert_uint_eq(fold_add_perf_script(&f, "", 0), 0);
	ck_assert_uint_eq(fold_add_perf_script(&f, "\n\n", 2), 0);
	ck_assert_uint_eq(f.n, 0);
	fold_release(&f);
}
END_TEST

Suite *
fold_suite(void)
{
	Suite *s = suite_create("fold");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_fold_merge);
	tcase_add_test(tc, test_fold_many);
	tcase_add_test(tc, test_fold_frame_clean);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, test_fold_lines);
	tcase_add_loop_test(tc, test_fold_bad_lines, 0, (int)ARRAY_SIZE(bad_lines));
	tcase_add_test(tc, test_fold_bad_text_line_number);
	tcase_add_test(tc, test_fold_perf_script);
	tcase_add_test(tc, test_fold_perf_script_empty);
	suite_add_tcase(s, tc);
	return s;
}
