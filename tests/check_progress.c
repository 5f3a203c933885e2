/*
 * The progress display: the status line's text, its redraw around lines
 * that stay, NO_COLOR, and no status line at all off a terminal.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/report/progress.h"

/* Everything written to f so far, NUL-terminated (caller frees). */
static char *
slurp(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	s = xcalloc(1, (size_t)n + 1);
	rewind(f);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	return s;
}

START_TEST(test_progress_format)
{
	struct progress p;
	char line[256];

	setenv("NO_COLOR", "1", 1);
	progress_init(&p, stderr, 10, true);
	p.t0_ms = 1000;
	p.done = 4;
	p.running = 2;
	p.failed = 1;
	progress_format(line, sizeof(line), &p, 3000);   /* 2 s: 2 a second */
	ck_assert_str_eq(line, "[4/10] 2 running, 1 failed, 2.0/s, 0:02 elapsed, ETA 0:03");
	p.done = 0;
	progress_format(line, sizeof(line), &p, 1000);
	ck_assert_str_eq(line, "[0/10] 2 running, 1 failed, 0.0/s, 0:00 elapsed, ETA --");
	p.done = 1;
	p.total = 10000;
	progress_format(line, sizeof(line), &p, 1000 + 4000 * 1000);
	/* 9999 left at one per 4000 s */
	ck_assert_str_eq(line, "[1/10000] 2 running, 1 failed, 0.0/s, 1:06:40 elapsed, "
	    "ETA 11110:00:00");
	progress_end(&p);
	unsetenv("NO_COLOR");
}
END_TEST

START_TEST(test_progress_status_line)
{
	FILE *f = tmpfile();
	struct progress p;
	char *s;

	ck_assert_ptr_nonnull(f);
	unsetenv("NO_COLOR");
	progress_init(&p, f, 2, true);
	ck_assert(p.color);
	progress_started(&p);
	progress_started(&p);
	progress_finished(&p, true);
	progress_line(&p, "FAIL %s", "acme/a");
	progress_finished(&p, false);     /* the last: always drawn */
	progress_end(&p);
	s = slurp(f);
	/* The line that stays came after a clear, the status was redrawn
	 * after it, and the run ends on a cleared line. */
	ck_assert_ptr_nonnull(strstr(s, "\r\033[KFAIL acme/a\n\r\033[K[1/2] 1 running, "
	    "\033[31m1 failed\033[0m"));
	ck_assert_ptr_nonnull(strstr(s, "[2/2] 0 running"));
	ck_assert(strlen(s) >= 4 && strcmp(s + strlen(s) - 4, "\r\033[K") == 0);
	free(s);
	fclose(f);
}
END_TEST

START_TEST(test_progress_plain)
{
	FILE *f = tmpfile();
	struct progress p;
	char *s;

	ck_assert_ptr_nonnull(f);
	unsetenv("NO_COLOR");
	progress_init(&p, f, 2, false);
	ck_assert(!p.color);              /* no terminal, no colour */
	progress_started(&p);
	progress_finished(&p, false);
	progress_line(&p, "%sok%s   acme/a", progress_green(&p), progress_plain(&p));
	progress_end(&p);
	s = slurp(f);
	ck_assert_str_eq(s, "ok   acme/a\n");
	free(s);
	fclose(f);
}
END_TEST

START_TEST(test_progress_no_color_and_log)
{
	FILE *f = tmpfile();
	struct progress p;
	char *s;

	ck_assert_ptr_nonnull(f);
	setenv("NO_COLOR", "yes", 1);
	progress_init(&p, f, 3, true);
	ck_assert(!p.color);
	progress_started(&p);             /* the first draw */
	progress_finished(&p, true);      /* within 100 ms: not redrawn */
	ck_assert(p.shown);
	/* A log line takes the status line away first (it goes to stderr;
	 * here only the clearing on f is seen). */
	log_set_level(LOG_ERROR);
	log_msg(LOG_ERROR, "check_progress: a log line (expected)");
	ck_assert(!p.shown);
	progress_end(&p);
	s = slurp(f);
	ck_assert_ptr_null(strstr(s, "\033[31m"));
	ck_assert_ptr_nonnull(strstr(s, "[0/3] 1 running, 0 failed"));
	ck_assert_ptr_null(strstr(s, "1 failed"));
	free(s);
	fclose(f);
	unsetenv("NO_COLOR");
	log_set_level(LOG_INFO);
}
END_TEST

/* Another writer on the same terminal: hide takes the status line away,
 * show draws it again. */
START_TEST(test_progress_hide_show)
{
	FILE *f = tmpfile();
	struct progress p;
	char *s;

	ck_assert_ptr_nonnull(f);
	setenv("NO_COLOR", "1", 1);
	progress_init(&p, f, 2, true);
	progress_started(&p);
	ck_assert(p.shown);
	progress_hide(&p);
	ck_assert(!p.shown);
	progress_show(&p);
	ck_assert(p.shown);
	progress_end(&p);
	s = slurp(f);
	ck_assert_str_eq(s, "\r\033[K[0/2] 1 running, 0 failed, 0.0/s, 0:00 elapsed, ETA --"
	    "\r\033[K\r\033[K[0/2] 1 running, 0 failed, 0.0/s, 0:00 elapsed, ETA --\r\033[K");
	free(s);
	fclose(f);
	unsetenv("NO_COLOR");

	/* Without a status line both do nothing. */
	f = tmpfile();
	progress_init(&p, f, 2, false);
	progress_started(&p);
	progress_hide(&p);
	progress_show(&p);
	progress_end(&p);
	s = slurp(f);
	ck_assert_str_eq(s, "");
	free(s);
	fclose(f);
}
END_TEST

Suite *
progress_suite(void)
{
	Suite *s = suite_create("progress");
	TCase *tc = tcase_create("progress");

	tcase_add_test(tc, test_progress_format);
	tcase_add_test(tc, test_progress_status_line);
	tcase_add_test(tc, test_progress_plain);
	tcase_add_test(tc, test_progress_no_color_and_log);
	tcase_add_test(tc, test_progress_hide_show);
	suite_add_tcase(s, tc);
	return s;
}
