/*
 * run_output: what `repocast run` prints on stdout, from the bytes of the
 * repositories' logs in any chunking.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/run/run_output.h"

/* An output on a memory stream (not a terminal: no colour, no status line). */
struct fixture {
	struct run_output o;
	struct run_output_task t;
	char *text;
	size_t len;
	FILE *fp;
};

static void
fx_init(struct fixture *f, enum run_output_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->fp = open_memstream(&f->text, &f->len);
	ck_assert_ptr_nonnull(f->fp);
	run_output_init(&f->o, mode, f->fp, NULL, 4);
	run_output_task_init(&f->t);
}

/* What was printed so far (borrowed until fx_release). */
static const char *
fx_text(struct fixture *f)
{
	fflush(f->fp);
	return f->text;
}

static void
fx_release(struct fixture *f)
{
	run_output_task_release(&f->t);
	fclose(f->fp);
	free(f->text);
}

static void
feed(struct fixture *f, const char *s)
{
	run_output_data(&f->o, &f->t, "acme", s, strlen(s));
}

static void
rec_init(struct record *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->name = (char *)name;
	r->wall_us = 1500000;
	r->utime_us = 300000;
	r->stime_us = 100000;
	r->vm_hwm_kib = 2048;
}

START_TEST(test_run_output_modes)
{
	enum run_output_mode m;

	ck_assert_int_eq(run_output_parse(&m, "summary"), 0);
	ck_assert_int_eq(m, RUN_OUTPUT_SUMMARY);
	ck_assert_int_eq(run_output_parse(&m, "tag"), 0);
	ck_assert_int_eq(m, RUN_OUTPUT_TAG);
	ck_assert_int_eq(run_output_parse(&m, "group"), 0);
	ck_assert_int_eq(m, RUN_OUTPUT_GROUP);
	ck_assert_int_eq(run_output_parse(&m, "none"), 0);
	ck_assert_int_eq(m, RUN_OUTPUT_NONE);
	ck_assert_int_eq(run_output_parse(&m, "Tag"), ERR_CONFIG);
	ck_assert_str_eq(err_last(), "invalid --output 'Tag' (summary, tag, group or none)");
	ck_assert_str_eq(run_output_name(RUN_OUTPUT_GROUP), "group");
}
END_TEST

/* Whole lines only, whatever the chunks; the last line without its newline
 * comes out at the end, before the summary line. */
START_TEST(test_run_output_tag_lines)
{
	struct fixture f;
	struct record r;

	fx_init(&f, RUN_OUTPUT_TAG);
	feed(&f, "one\ntw");
	ck_assert_str_eq(fx_text(&f), "acme\tone\n");
	feed(&f, "o");
	feed(&f, "\r\n\nthree");
	ck_assert_str_eq(fx_text(&f), "acme\tone\nacme\ttwo\nacme\t\n");
	rec_init(&r, "acme");
	run_output_finished(&f.o, &f.t, &r);
	ck_assert_str_eq(fx_text(&f), "acme\tone\nacme\ttwo\nacme\t\nacme\tthree\n"
	    "ok   acme  wall   1.50s  cpu   0.40s  mem   2.0 MiB\n");
	fx_release(&f);
}
END_TEST

/* A line is held up to RUN_OUTPUT_LINE_MAX bytes: max is one line, max+1
 * two. */
START_TEST(test_run_output_tag_cap)
{
	struct fixture f;
	char *big = xmalloc(RUN_OUTPUT_LINE_MAX + 2);
	const char *text, *nl;

	memset(big, 'x', RUN_OUTPUT_LINE_MAX + 1);
	big[RUN_OUTPUT_LINE_MAX + 1] = '\0';

	fx_init(&f, RUN_OUTPUT_TAG);
	run_output_data(&f.o, &f.t, "a", big, RUN_OUTPUT_LINE_MAX);
	ck_assert_uint_eq(f.t.partial.len, RUN_OUTPUT_LINE_MAX);
	ck_assert_str_eq(fx_text(&f) ? fx_text(&f) : "", "");
	run_output_data(&f.o, &f.t, "a", "\n", 1);
	text = fx_text(&f);
	ck_assert_uint_eq(strlen(text), 2 + RUN_OUTPUT_LINE_MAX + 1);  /* "a\t" ... "\n" */
	fx_release(&f);

	fx_init(&f, RUN_OUTPUT_TAG);
	run_output_data(&f.o, &f.t, "a", big, RUN_OUTPUT_LINE_MAX + 1);
	text = fx_text(&f);
	nl = strchr(text, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_eq((size_t)(nl - text), 2 + RUN_OUTPUT_LINE_MAX);
	ck_assert_uint_eq(f.t.partial.len, 1);
	run_output_data(&f.o, &f.t, "a", "\n", 1);
	ck_assert_str_eq(fx_text(&f) + 2 + RUN_OUTPUT_LINE_MAX + 1, "a\tx\n");
	fx_release(&f);

	/* Never more than the cap held, in any chunking. */
	fx_init(&f, RUN_OUTPUT_SUMMARY);
	run_output_data(&f.o, &f.t, "a", big, 10);
	run_output_data(&f.o, &f.t, "a", big, RUN_OUTPUT_LINE_MAX);
	ck_assert_uint_eq(f.t.partial.len, 10);
	ck_assert_str_eq(fx_text(&f) ? fx_text(&f) : "", "");
	fx_release(&f);
	free(big);
}
END_TEST

START_TEST(test_run_output_error_line)
{
	struct fixture f;
	char line[400];

	fx_init(&f, RUN_OUTPUT_SUMMARY);
	ck_assert_ptr_null(run_output_error_line(&f.t));
	feed(&f, "compiling\n\n   \n");
	ck_assert_str_eq(run_output_error_line(&f.t), "compiling");    /* the last line */
	feed(&f, "\033[32mbuilt\033[0m \tall\n");
	ck_assert_str_eq(run_output_error_line(&f.t), "built all");
	/* Colours and control bytes go; the first line that reads as an error stays. */
	feed(&f, "\033[1;31merror\033[0m:\tx.c:3\r\nError 2\nmake: *** [all] Fatal\n");
	ck_assert_str_eq(run_output_error_line(&f.t), "error: x.c:3");
	/* Every word, in any case, anywhere in a line; none is a substring of
	 * an ordinary word here. */
	{
		static const char *const hits[] = { "x ERROR y", "Fatal", "3 tests FAILED",
		    "panic: nil", "Cannot open", "sh: No Such file", "cmd: not found",
		    "Permission denied", NULL };
		size_t i;

		for (i = 0; hits[i] != NULL; i++) {
			struct run_output_task t;

			run_output_task_init(&t);
			run_output_data(&f.o, &t, "x", "ok\n", 3);
			run_output_data(&f.o, &t, "x", hits[i], strlen(hits[i]));
			run_output_data(&f.o, &t, "x", "\n", 1);
			ck_assert_msg(strcmp(run_output_error_line(&t), hits[i]) == 0, "%s", hits[i]);
			ck_assert_str_eq(t.first_error, hits[i]);
			run_output_task_release(&t);
		}
		for (i = 0; i < 3; i++) {
			static const char *const misses[] = { "errr", "no-such", "not  found" };
			struct run_output_task t;

			run_output_task_init(&t);
			run_output_data(&f.o, &t, "x", misses[i], strlen(misses[i]));
			run_output_data(&f.o, &t, "x", "\n", 1);
			ck_assert_str_eq(t.first_error, "");
			ck_assert_str_eq(run_output_error_line(&t), misses[i]);   /* the last line */
			run_output_task_release(&t);
		}
	}
	/* Nothing of the summary mode on stdout while it runs. */
	ck_assert_str_eq(fx_text(&f) ? fx_text(&f) : "", "");
	/* A new attempt forgets the last one's lines. */
	run_output_task_restart(&f.o, &f.t, "acme");
	ck_assert_ptr_null(run_output_error_line(&f.t));
	feed(&f, "cannot open 'x': No such file or directory");
	run_output_task_restart(&f.o, &f.t, "acme");   /* the partial line is scanned */
	ck_assert_ptr_null(run_output_error_line(&f.t));
	feed(&f, "fatal: no\n");
	ck_assert_str_eq(run_output_error_line(&f.t), "fatal: no");
	fx_release(&f);

	/* Cut at RUN_OUTPUT_ERROR_MAX bytes, never inside a UTF-8 sequence. */
	fx_init(&f, RUN_OUTPUT_SUMMARY);
	memset(line, 'a', sizeof(line));
	memcpy(line, "error ", 6);
	memcpy(line + RUN_OUTPUT_ERROR_MAX - 1, "\xc3\xa9\n", 4);
	feed(&f, line);
	ck_assert_uint_eq(strlen(run_output_error_line(&f.t)), RUN_OUTPUT_ERROR_MAX - 1);
	fx_release(&f);
	fx_init(&f, RUN_OUTPUT_SUMMARY);
	memcpy(line + RUN_OUTPUT_ERROR_MAX - 2, "\xc3\xa9" "bb\n", 6);
	feed(&f, line);
	ck_assert_uint_eq(strlen(run_output_error_line(&f.t)), RUN_OUTPUT_ERROR_MAX);
	ck_assert_str_eq(run_output_error_line(&f.t) + RUN_OUTPUT_ERROR_MAX - 2, "\xc3\xa9");
	fx_release(&f);
}
END_TEST

START_TEST(test_run_output_fail_line)
{
	struct fixture f;
	struct record r;

	fx_init(&f, RUN_OUTPUT_SUMMARY);
	feed(&f, "building\nerror: widget\nlast\n");
	rec_init(&r, "ab");
	r.cause = CAUSE_EXIT;
	r.cause_value = 2;
	r.command_failed = true;
	r.error = (char *)"the command exited with status 2";
	r.log_path = (char *)"runs/1/targets/ab.log";
	r.has_result = true;
	r.result.cmd_maxrss_kib = 4096;        /* larger than the worker's: shown */
	run_output_finished(&f.o, &f.t, &r);
	ck_assert_str_eq(fx_text(&f), "FAIL ab    wall   1.50s  cpu   0.40s  mem   4.0 MiB  "
	    "exit:2: error: widget  (log: runs/1/targets/ab.log)\n");
	fx_release(&f);

	/* Not the command's failure: what repocast knows of it. */
	fx_init(&f, RUN_OUTPUT_SUMMARY);
	feed(&f, "error: unrelated\n");
	rec_init(&r, "ab");
	r.cause = CAUSE_TIMEOUT;
	r.error = (char *)"no result within 1s";
	r.wall_us = 61000000;
	run_output_finished(&f.o, &f.t, &r);
	ck_assert_str_eq(fx_text(&f), "FAIL ab    wall   1m01s  cpu   0.40s  mem   2.0 MiB  "
	    "timeout: no result within 1s\n");
	fx_release(&f);

	fx_init(&f, RUN_OUTPUT_NONE);
	rec_init(&r, "ab");
	run_output_finished(&f.o, &f.t, &r);
	ck_assert_str_eq(fx_text(&f) ? fx_text(&f) : "", "");
	fx_release(&f);
}
END_TEST

/* group: the summary line, then the log as it is (a newline added at its
 * end when it has none); nothing while it runs. */
START_TEST(test_run_output_group)
{
	char path[] = "/tmp/check-run-output-XXXXXX";
	struct fixture f;
	struct record r;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "one\ntwo", 7), 7);
	close(fd);
	fx_init(&f, RUN_OUTPUT_GROUP);
	feed(&f, "one\ntwo");
	ck_assert_str_eq(fx_text(&f) ? fx_text(&f) : "", "");
	rec_init(&r, "ab");
	r.log_path = path;
	run_output_finished(&f.o, &f.t, &r);
	ck_assert_str_eq(fx_text(&f), "ok   ab    wall   1.50s  cpu   0.40s  mem   2.0 MiB\n"
	    "one\ntwo\n");
	fx_release(&f);
	unlink(path);

	fx_init(&f, RUN_OUTPUT_GROUP);
	rec_init(&r, "ab");
	r.log_path = path;
	run_output_finished(&f.o, &f.t, &r);
	ck_assert_ptr_nonnull(strstr(fx_text(&f), "\n(cannot open the log '/tmp/check-run-output-"));
	fx_release(&f);
}
END_TEST

Suite *
run_output_suite(void)
{
	Suite *s = suite_create("run_output");
	TCase *tc = tcase_create("output");

	tcase_add_test(tc, test_run_output_modes);
	tcase_add_test(tc, test_run_output_tag_lines);
	tcase_add_test(tc, test_run_output_tag_cap);
	tcase_add_test(tc, test_run_output_error_line);
	tcase_add_test(tc, test_run_output_fail_line);
	tcase_add_test(tc, test_run_output_group);
	suite_add_tcase(s, tc);
	return s;
}
