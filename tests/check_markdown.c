/*
 * report.md (supervisor/report/markdown.c): its sections and figures, the
 * escaping of table cells (every row keeps its number of cells), links,
 * and GitHub's 1 MiB limit for a step summary at 0, max and max + 1.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

#define MD_MAX (1u << 20)

/* ---- the records: tests/reportfix.h ---- */

#include "reportfix.h"

/* ---- reading it back ---- */

static char *
render(const struct report_run *run, const struct record *recs, size_t n)
{
	struct report_in in = { run, recs, n, NULL };
	struct buf b = BUF_INIT;

	report_markdown(&b, &in);
	return buf_detach(&b, NULL);
}

/* Cell separators in a table line: the '|' not escaped by a backslash. */
static int
pipes(const char *line, size_t n)
{
	size_t i;
	int c = 0;

	for (i = 0; i < n; i++) {
		if (line[i] == '\\')
			i++;
		else if (line[i] == '|')
			c++;
	}
	return c;
}

/*
 * Every table keeps the shape of its header: each of its lines has as
 * many cells as the first. Returns the number of tables.
 */
static int
assert_tables(const char *text)
{
	const char *p = text;
	int want = -1, tables = 0;

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		if (n > 0 && p[0] == '|') {
			if (want < 0) {
				want = pipes(p, n);
				tables++;
			}
			ck_assert_msg(pipes(p, n) == want, "a row with other cells: '%.*s'",
			    (int)n, p);
		} else {
			want = -1;
		}
		p += n + (p[n] == '\n');
	}
	return tables;
}

START_TEST(test_pipes_counted)
{
	/* The shape check itself: an escaped '|' is no separator. */
	ck_assert_int_eq(pipes("| a \\| b | c |", 14), 3);
	ck_assert_int_eq(pipes("| a | b | c |", 13), 4);
}
END_TEST

START_TEST(test_md_sections)
{
	struct report_run run;
	struct record recs[NRECS];
	char *t;

	fixture(&run, recs);
	run.api_requests = 12;
	run.api_waited_ms = 7000;
	t = render(&run, recs, NRECS);
	ck_assert_int_eq(assert_tables(t), 4);
	ck_assert(strncmp(t, "# repocast run: 4 of 8 targets failed\n", 38) == 0);
	assert_line(t, "## Summary");
	assert_line(t, "| targets | 8 |");
	assert_line(t, "| `ran` | 3 |");
	assert_line(t, "| `failed` | 2 |");
	assert_line(t, "| `timed_out` | 1 |");
	assert_line(t, "| `skipped` | 1 |");
	assert_line(t, "| `up_to_date` | 1 |");
	assert_line(t, "| failed (any cause) | 4 |");
	assert_line(t, "| answered by the skip cache | 1 |");
	assert_line(t, "| attempts | 7 |");
	assert_line(t, "| run wall | 2.50 s |");
	assert_line(t, "| worker CPU (user + system) | 1.51 s |");
	assert_line(t, "| peak worker memory (VmHWM) | 87.9 MiB (acme/slow) |");
	assert_line(t, "| API requests | 12 (0 not modified, 0 rate-limited, waited 7.00 s) |");
	assert_line(t, "## Failures (4)");
	assert_line(t, "| acme/crash | `signal:SEGV` | 1 | the worker was killed by signal SEGV |");
	assert_line(t, "| acme/slow | `timeout` | 1 | no result within 2 s |");
	assert_line(t, "| acme/later | `dependency` | 0 | group 'base' failed |");
	assert_line(t, "## Pull requests (2)");
	assert_line(t, "| acme/api | [#12](https://github.com/acme/api/pull/12) | opened |");
	assert_line(t, "| acme/flaky | [#7](https://github.com/acme/flaky/pull/7) | updated |");
	/* Only the six whose worker ran; most CPU first, ties by wall then input. */
	assert_line(t, "## Top 6 targets by CPU (of 6 that ran)");
	assert_line(t, "| 1 | acme/slow | `timed_out` | 1.50 s | 1.40 s | 100.0 ms | 2.00 s | "
	    "87.9 MiB | 0 B | 0 B | 1 |");
	/* Peak memory is VmHWM (1656 KiB), not maxrss (8516 KiB). */
	assert_line(t, "| 3 | acme/api | `ran` | 4.0 ms | 3.0 ms | 1.0 ms | 7.0 ms | 1.6 MiB | "
	    "4.0 KiB | 8.0 KiB | 1 |");
	ck_assert_ptr_null(strstr(t, "8.3 MiB"));
	ck_assert_ptr_nonnull(strstr(t, "| 5 | evil"));
	ck_assert_ptr_nonnull(strstr(t, "| 6 | multi"));
	ck_assert_ptr_null(strstr(t, "Truncated"));
	free(t);
	report_run_release(&run);
}
END_TEST

/* The identity (App id, installations), signing and commit path in the
 * run's line; a merge's disagreement named in its Shards section. */
START_TEST(test_md_identity)
{
	struct report_run run;
	struct record recs[NRECS];
	char *t;

	fixture(&run, recs);
	report_run_set_auth(&run, "app", "repocast.auth (sync.yaml:7:5)", "4242");
	report_run_add_installation(&run, "acme", 1001, 2);
	report_run_add_installation(&run, "gamma", 0, 0);
	run.signing.method = xstrdup("ssh");
	run.signing.fingerprint = xstrdup("SHA256:abc");
	run.commit_via = COMMIT_PUSH;
	t = render(&run, recs, NRECS);
	ck_assert_ptr_nonnull(strstr(t, " Commits signed with ssh (SHA256:abc). As GitHub App "
	    "4242 from repocast.auth (sync.yaml:7:5) (installations: acme 1001, gamma not "
	    "installed). Commits by push (each worker's git push).\n"));
	ck_assert_ptr_null(strstr(t, "## Shards"));
	free(t);
	run.merge = xcalloc(1, sizeof(*run.merge));
	run.merge->differ = xcalloc(1, sizeof(*run.merge->differ));
	run.merge->ndiffer = 1;
	run.merge->differ[0].field = xstrdup("commit_via");
	strv_add(&run.merge->differ[0].runs, "r0");
	strv_add(&run.merge->differ[0].values, "push");
	strv_add(&run.merge->differ[0].runs, "r1");
	strv_add(&run.merge->differ[0].values, "none");
	run.commit_via = COMMIT_NONE;
	t = render(&run, recs, NRECS);
	ck_assert_ptr_nonnull(strstr(t, " The commit path differs between the merged reports "
	    "(Shards below).\n"));
	assert_line(t, "## Shards");
	assert_line(t, "- **Disagreement:** the merged reports differ on run.commit\\_via, which "
	    "this run leaves null: r0: push; r1: none");
	free(t);
	report_run_release(&run);
}
END_TEST

START_TEST(test_md_hostile)
{
	struct report_run run;
	struct record recs[NRECS];
	char *t;

	fixture(&run, recs);
	t = render(&run, recs, NRECS);
	/* Not UTF-8: the bad byte U+FFFD as in report.json; markup and the
	 * '|' escaped; newlines a space, the error's control character '?'. */
	assert_line(t, "| evil\"\\<b\\>\\| x\xEF\xBF\xBD | `exit:3` | 1 | bad \\| \\<b\\>\\&\"q\" ? "
	    "line2 |");
	ck_assert_ptr_nonnull(strstr(t, "| multi line \\\\ \"\xc3\xa9\" \\& \\<x\\> | `ran` |"));
	assert_tables(t);
	free(t);
	report_run_release(&run);
}
END_TEST

START_TEST(test_md_links_and_caps)
{
	struct report_run run;
	struct record recs[3];
	char long_error[601];
	char *t, *want;
	int i;

	memset(recs, 0, sizeof(recs));
	report_run_init(&run, "sync");
	target(&recs[0], "acme/a", OUTCOME_PUSHED, 1, 0, 1);
	recs[0].sync.pr_url = (char *)"https://x.test/pull/1) [y](javascript:alert(1)|";
	recs[0].sync.pr = PR_OPENED;
	target(&recs[1], "acme/b", OUTCOME_PUSHED, 2, 0, 1);
	recs[1].sync.pr_url = (char *)"javascript:alert(1)";
	recs[1].sync.pr = PR_CURRENT;
	/* 300 two-byte characters: the cell keeps 250 of them (500 bytes). */
	for (i = 0; i < 300; i++)
		memcpy(long_error + 2 * i, "\xc3\xa9", 2);
	long_error[600] = '\0';
	target(&recs[2], "acme/c", OUTCOME_FAILED, 3, 0, 1);
	failed(&recs[2], CAUSE_ERROR, 0, long_error);
	t = render(&run, recs, 3);
	/* What could end the link or the cell is percent-encoded. */
	assert_line(t, "| acme/a | [pull request](https://x.test/pull/1%29%20%5By%5D%28"
	    "javascript:alert%281%29%7C) | opened |");
	/* Not http(s): text, no link. */
	assert_line(t, "| acme/b | javascript:alert(1) | current |");
	long_error[500] = '\0';
	want = xasprintf("| %s\xe2\x80\xa6 |", long_error);
	ck_assert_msg(strstr(t, want) != NULL, "no capped error in:\n%s", t);
	assert_tables(t);
	free(want);
	free(t);
	report_run_release(&run);
}
END_TEST

START_TEST(test_md_empty)
{
	struct report_run run;
	char *t;

	report_run_init(&run, "run");
	t = render(&run, NULL, 0);
	ck_assert(strncmp(t, "# repocast run: no targets\n", 27) == 0);
	assert_line(t, "| targets | 0 |");
	assert_line(t, "| peak worker memory (VmHWM) | none |");
	assert_line(t, "| run wall | 0 s |");
	ck_assert_ptr_null(strstr(t, "skip cache"));
	ck_assert_ptr_null(strstr(t, "## Failures"));
	ck_assert_ptr_null(strstr(t, "## Top"));
	free(t);
	report_run_release(&run);
}
END_TEST

/* ---- the 1 MiB limit ---- */

#define NBIG 2400
#define ERR_BASE 300
#define TOP 20

/* NBIG failed targets, the errors sized to give the document a length. */
struct big {
	struct report_run run;
	struct record recs[NBIG];
	char *names[NBIG], *errors[NBIG];
};

static void
big_init(struct big *b)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	report_run_init(&b->run, "sync");
	for (i = 0; i < NBIG; i++) {
		b->names[i] = xasprintf("acme/t%05zu", i);
		b->errors[i] = xmalloc(ERR_BASE + 1);
		memset(b->errors[i], 'e', ERR_BASE);
		b->errors[i][ERR_BASE] = '\0';
		target(&b->recs[i], b->names[i], OUTCOME_FAILED, (pid_t)(i + 1), i, 1000);
		failed(&b->recs[i], CAUSE_TIMEOUT, 0, b->errors[i]);
		/* The last TOP targets lead the table by CPU. */
		b->recs[i].utime_us = i;
	}
}

static void
big_release(struct big *b)
{
	size_t i;

	for (i = 0; i < NBIG; i++) {
		free(b->names[i]);
		free(b->errors[i]);
	}
	report_run_release(&b->run);
}

/*
 * Lengthen the errors until the whole document would be size bytes: each
 * byte of an error is a byte of the document (ASCII letters, under the
 * cell's cap), and the output only shrinks by truncation, so the length
 * before any cut is measured with the limit not yet reached.
 */
static void
big_fit(struct big *b, size_t size)
{
	char *t = render(&b->run, b->recs, NBIG);
	size_t len = strlen(t), i;

	free(t);
	ck_assert_uint_lt(len, MD_MAX);
	ck_assert_uint_lt(len, size);
	for (i = 0; len < size; i++) {
		size_t add = size - len < 150 ? size - len : 150;
		size_t old = strlen(b->errors[i]);

		ck_assert_uint_lt(i, NBIG);
		b->errors[i] = xrealloc(b->errors[i], old + add + 1);
		memset(b->errors[i] + old, 'e', add);
		b->errors[i][old + add] = '\0';
		b->recs[i].error = b->errors[i];
		len += add;
	}
}

/*
 * Which targets still have their failure row, and which their row by CPU:
 * one pass over the lines ("| acme/t00042 | `timeout` | ..." and
 * "| 3 | acme/t02397 | `failed` | ..."), fast enough under valgrind.
 */
static void
big_rows(const char *t, bool *failure, bool *top)
{
	const char *p = t;
	unsigned i, rank;
	int n;

	memset(failure, 0, NBIG * sizeof(*failure));
	memset(top, 0, NBIG * sizeof(*top));
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		/* sscanf takes the length of what it reads: one line, not the rest. */
		char line[64];

		snprintf(line, sizeof(line), "%.*s", (int)(len < 63 ? len : 63), p);
		n = 0;
		if (sscanf(line, "| acme/t%5u | `timeout` |%n", &i, &n) == 1 && n > 0 && i < NBIG)
			failure[i] = true;
		else if (sscanf(line, "| %u | acme/t%5u | `failed` |%n", &rank, &i, &n) == 2 &&
		    n > 0 && i < NBIG)
			top[i] = true;
		p += len;
		p += *p == '\n';
	}
}

START_TEST(test_md_limit_max)
{
	struct big *b = xcalloc(1, sizeof(*b));
	bool failure[NBIG], top[NBIG];
	size_t i;
	char *t;

	big_init(b);
	big_fit(b, MD_MAX);
	t = render(&b->run, b->recs, NBIG);
	ck_assert_uint_eq(strlen(t), MD_MAX);
	ck_assert_ptr_null(strstr(t, "Truncated"));
	big_rows(t, failure, top);
	for (i = 0; i < NBIG; i++) {
		ck_assert(failure[i]);
		ck_assert(top[i] == (i >= NBIG - TOP));
	}
	free(t);
	big_release(b);
	free(b);
}
END_TEST

/* The note says what went, by counting what is left. */
static void
assert_note(const char *t)
{
	bool failure[NBIG], top[NBIG];
	size_t i, lost = 0, nf = 0, nt = 0;
	struct buf want = BUF_INIT;

	big_rows(t, failure, top);
	for (i = 0; i < NBIG; i++) {
		nf += !failure[i];
		nt += i >= NBIG - TOP && !top[i];
		lost += !failure[i] || (i >= NBIG - TOP && !top[i]);
	}
	buf_addf(&want, "\n\n> **Truncated:** this summary stops at GitHub's limit of 1048576 "
	    "bytes for a step summary: the rows of %zu targets are left out (", lost);
	if (nf > 0)
		buf_addf(&want, "%zu of %d failures, ", nf, NBIG);
	buf_addf(&want, "%zu of %d rows by CPU). Every target is in report.json, in the run "
	    "directory.\n", nt, TOP);
	ck_assert_uint_gt(strlen(t), want.len);
	ck_assert_str_eq(t + strlen(t) - want.len, want.ptr);
	buf_release(&want);
}

START_TEST(test_md_limit_max_plus_one)
{
	struct big *b = xcalloc(1, sizeof(*b));
	const char *note;
	char *t;

	big_init(b);
	big_fit(b, MD_MAX + 1);
	t = render(&b->run, b->recs, NBIG);
	ck_assert_uint_le(strlen(t), MD_MAX);
	/* Cut after a whole row, then the blank line that ends the table. */
	note = strstr(t, "\n\n> **Truncated:** ");
	ck_assert_ptr_nonnull(note);
	ck_assert(note[-1] == '|');
	assert_note(t);
	/* One byte over costs rows of the table by CPU (it comes last), no
	 * failure. */
	ck_assert_msg(strstr(note, " of 20 rows by CPU)") != NULL, "%s", note);
	ck_assert_msg(strstr(note, "failures") == NULL, "%s", note);
	/* The summary still counts every target. */
	assert_line(t, "| failed (any cause) | 2400 |");
	assert_tables(t);
	free(t);
	big_release(b);
	free(b);
}
END_TEST

START_TEST(test_md_limit_far_over)
{
	struct big *b = xcalloc(1, sizeof(*b));
	char *t;

	big_init(b);
	big_fit(b, MD_MAX + 100000);
	t = render(&b->run, b->recs, NBIG);
	ck_assert_uint_le(strlen(t), MD_MAX);
	ck_assert_uint_gt(strlen(t), MD_MAX - 1024);
	assert_note(t);
	ck_assert_ptr_nonnull(strstr(t, " of 2400 failures, 20 of 20 rows by CPU)"));
	assert_tables(t);
	free(t);
	big_release(b);
	free(b);
}
END_TEST

Suite *
markdown_suite(void)
{
	Suite *s = suite_create("markdown");
	TCase *tc = tcase_create("markdown");
	TCase *lim = tcase_create("limit");

	tcase_add_test(tc, test_pipes_counted);
	tcase_add_test(tc, test_md_sections);
	tcase_add_test(tc, test_md_identity);
	tcase_add_test(tc, test_md_hostile);
	tcase_add_test(tc, test_md_links_and_caps);
	tcase_add_test(tc, test_md_empty);
	tcase_set_timeout(lim, 60);
	tcase_add_test(lim, test_md_limit_max);
	tcase_add_test(lim, test_md_limit_max_plus_one);
	tcase_add_test(lim, test_md_limit_far_over);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, lim);
	return s;
}
