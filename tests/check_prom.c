/*
 * metrics.prom (supervisor/report/prom.c): read back with a checker of the
 * text exposition format (which is itself tested on bad input), and the
 * figures each family must carry.
 */
#include <check.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

/* ---- the records: tests/reportfix.h ---- */

#include "reportfix.h"

/* ---- a checker of the text format ---- */

static bool
metric_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

static bool
label_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* Parse {a="x",b="y"} at *p; advance past it. NULL when well-formed, else why. */
static const char *
parse_labels(const char **p)
{
	const char *s = *p + 1;

	for (;;) {
		const char *n = s;

		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		if (!label_name_ok(n, (size_t)(s - n)))
			return "bad label name";
		if (s[0] != '=' || s[1] != '"')
			return "label without =\"";
		for (s += 2; *s != '"'; s++) {
			if (*s == '\0' || *s == '\n')
				return "unterminated label value";
			if (*s == '\\') {
				s++;
				if (*s != '\\' && *s != '"' && *s != 'n')
					return "bad escape in a label value";
			}
		}
		s++;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s != '}')
			return "labels not closed";
		*p = s + 1;
		return NULL;
	}
}

struct prom_check {
	char fam[64][96];         /* families in order */
	bool typed[64], sampled[64];
	int nfam, cur;
	char *series[256];        /* name{labels} seen */
	int nseries;
};

static int
family_of(struct prom_check *c, const char *name, size_t n)
{
	int i;

	for (i = 0; i < c->nfam; i++)
		if (strlen(c->fam[i]) == n && memcmp(c->fam[i], name, n) == 0)
			return i;
	return -1;
}

/* One sample line. */
static const char *
check_sample(struct prom_check *c, const char *line)
{
	const char *p = line, *v, *why;
	char *end;
	int f, i;

	while (*p != '\0' && *p != '{' && *p != ' ')
		p++;
	if (!metric_name_ok(line, (size_t)(p - line)))
		return "bad metric name";
	if ((f = family_of(c, line, (size_t)(p - line))) < 0 || !c->typed[f])
		return "sample before its # HELP and # TYPE";
	if (f != c->cur)
		return "family's samples not together";
	if (*p == '{' && (why = parse_labels(&p)) != NULL)
		return why;
	for (i = 0; i < c->nseries; i++)
		if (strlen(c->series[i]) == (size_t)(p - line) &&
		    memcmp(c->series[i], line, (size_t)(p - line)) == 0)
			return "a series twice";
	if (c->nseries < 256)
		c->series[c->nseries++] = strndup(line, (size_t)(p - line));
	if (*p++ != ' ')
		return "no space before the value";
	v = p;
	strtod(v, &end);
	if (end == v || *end != '\0')
		return "bad value (or a timestamp)";
	c->sampled[f] = true;
	return NULL;
}

/* One # line. */
static const char *
check_comment(struct prom_check *c, const char *line)
{
	const char *name = line + 7, *e;
	int f;

	if (strncmp(line, "# HELP ", 7) != 0 && strncmp(line, "# TYPE ", 7) != 0)
		return NULL;
	if ((e = strchr(name, ' ')) == NULL || !metric_name_ok(name, (size_t)(e - name)))
		return "bad name in # HELP or # TYPE";
	f = family_of(c, name, (size_t)(e - name));
	if (line[2] == 'H') {
		if (f >= 0)
			return "# HELP twice";
		if (c->nfam == 64)
			return "too many families for the checker";
		snprintf(c->fam[c->nfam], 96, "%.*s", (int)(e - name), name);
		c->cur = c->nfam++;
		return NULL;
	}
	if (f < 0 || f != c->cur)
		return "# TYPE without its # HELP just before";
	if (c->typed[f])
		return "# TYPE twice";
	if (strcmp(e + 1, "gauge") != 0 && strcmp(e + 1, "counter") != 0)
		return "unexpected type";
	c->typed[f] = true;
	return NULL;
}

/* NULL when text is a valid exposition; else why, with the line in *at. */
static const char *
prom_check(const char *text, char *at, size_t atn)
{
	struct prom_check *c = calloc(1, sizeof(*c));
	const char *p = text, *why = NULL;
	int i;

	c->cur = -1;
	if (*text != '\0' && text[strlen(text) - 1] != '\n')
		why = "no newline at the end";
	while (why == NULL && *p != '\0') {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);

		why = line[0] == '#' ? check_comment(c, line) : check_sample(c, line);
		if (why != NULL)
			snprintf(at, atn, "%s", line);
		free(line);
		p += n + (p[n] == '\n');
	}
	for (i = 0; i < c->nseries; i++)
		free(c->series[i]);
	free(c);
	return why;
}

#define ASSERT_PROM_OK(text) do { \
	char at_[512] = ""; \
	const char *why_ = prom_check((text), at_, sizeof(at_)); \
	ck_assert_msg(why_ == NULL, "%s at '%s'", why_, at_); \
} while (0)

/* The checker must be able to say no. */
START_TEST(test_checker_rejects)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "a 1\n", "sample before its # HELP and # TYPE" },
		{ "# HELP a x\na 1\n", "sample before its # HELP and # TYPE" },
		{ "# HELP a x\n# TYPE a gauge\na 1", "no newline at the end" },
		{ "# HELP a x\n# TYPE a gauge\n# HELP a y\n", "# HELP twice" },
		{ "# HELP a x\n# TYPE a gauge\n# HELP b x\n# TYPE b gauge\na 1\n",
		  "family's samples not together" },
		{ "# HELP a x\n# TYPE a gauge\na{r=\"x\\t\"} 1\n", "bad escape in a label value" },
		{ "# HELP a x\n# TYPE a gauge\na{r=\"x} 1\n", "unterminated label value" },
		{ "# HELP a x\n# TYPE a gauge\na{r=\"x\" 1\n", "labels not closed" },
		{ "# HELP a x\n# TYPE a gauge\na{r=\"x\"} 1\na{r=\"x\"} 2\n", "a series twice" },
		{ "# HELP a x\n# TYPE a gauge\na 1 1700000000\n", "bad value (or a timestamp)" },
		{ "# HELP 1a x\n", "bad name in # HELP or # TYPE" },
		{ "# HELP a-b x\n", "bad name in # HELP or # TYPE" },
	};
	char at[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why = prom_check(bad[i].text, at, sizeof(at));

		ck_assert_msg(why != NULL, "accepted: %s", bad[i].text);
		ck_assert_str_eq(why, bad[i].why);
	}
	ASSERT_PROM_OK("# HELP a x\n# TYPE a gauge\na{r=\"\\\\\\\"\\n\"} 1.5\n# c\n");
}
END_TEST

/* ---- metrics.prom ---- */

static char *
render(const struct report_run *run, const struct record *recs, size_t n)
{
	struct report_in in = { run, recs, n, NULL };
	struct buf b = BUF_INIT;

	report_prom(&b, &in);
	return buf_detach(&b, NULL);
}

START_TEST(test_prom_figures)
{
	struct report_run run;
	struct record recs[NRECS];
	char *t;

	fixture(&run, recs);
	run.self.utime_us = 5256;
	run.self.stime_us = 7885;
	run.self.maxrss_kib = 8516;
	run.api_requests = 12;
	run.api_waited_ms = 7001;
	t = render(&run, recs, NRECS);
	ASSERT_PROM_OK(t);
	assert_line(t, "# HELP repocast_target_wall_seconds Wall time of the target's last "
	    "attempt, worker spawn to reap.");
	assert_line(t, "# TYPE repocast_target_wall_seconds gauge");
	assert_line(t, "repocast_target_wall_seconds{repo=\"acme/api\",outcome=\"ran\"} 0.007000");
	assert_line(t, "repocast_target_wall_seconds{repo=\"acme/slow\",outcome=\"timed_out\"} "
	    "2.000000");
	assert_line(t, "repocast_target_cpu_seconds{repo=\"acme/api\",outcome=\"ran\"} 0.004000");
	/* VmHWM, not maxrss (8516 KiB, the supervisor's inherited RSS). */
	assert_line(t, "repocast_target_peak_memory_bytes{repo=\"acme/api\",outcome=\"ran\"} "
	    "1695744");
	assert_line(t, "repocast_target_io_read_bytes{repo=\"acme/api\",outcome=\"ran\"} 4096");
	assert_line(t, "repocast_target_io_write_bytes{repo=\"acme/api\",outcome=\"ran\"} 8192");
	assert_line(t, "repocast_target_io_rchar_bytes{repo=\"acme/api\",outcome=\"ran\"} 9771");
	assert_line(t, "repocast_target_io_wchar_bytes{repo=\"acme/api\",outcome=\"ran\"} 313");
	assert_line(t, "repocast_target_attempts{repo=\"acme/flaky\",outcome=\"ran\"} 2");
	assert_line(t, "repocast_target_attempts{repo=\"acme/cached\",outcome=\"up_to_date\"} 0");
	assert_line(t, "repocast_target_attempts{repo=\"acme/later\",outcome=\"skipped\"} 0");
	assert_line(t, "repocast_targets{outcome=\"ran\"} 3");
	assert_line(t, "repocast_targets{outcome=\"failed\"} 2");
	assert_line(t, "repocast_targets{outcome=\"timed_out\"} 1");
	assert_line(t, "repocast_targets{outcome=\"skipped\"} 1");
	assert_line(t, "repocast_targets{outcome=\"up_to_date\"} 1");
	/* Every outcome, 0 included. */
	assert_line(t, "repocast_targets{outcome=\"pushed\"} 0");
	assert_line(t, "repocast_targets{outcome=\"cancelled\"} 0");
	/* The crash, the timeout, the hostile exit and the skipped dependency. */
	assert_line(t, "repocast_targets_failed 4");
	assert_line(t, "repocast_run_attempts 7");
	assert_line(t, "repocast_run_wall_seconds 2.500000");
	assert_line(t, "repocast_run_start_timestamp_seconds 1796300062.000000");
	assert_line(t, "repocast_run_exit_code 1");
	assert_line(t, "repocast_run_interrupted 0");
	assert_line(t, "repocast_supervisor_cpu_seconds 0.013141");
	assert_line(t, "repocast_supervisor_peak_memory_bytes 8720384");
	assert_line(t, "repocast_workers_cpu_seconds 1.512500");
	assert_line(t, "repocast_api_requests 12");
	assert_line(t, "repocast_api_rate_limit_wait_seconds 7.001000");
	assert_line(t, "repocast_run_info{command=\"run\",version=\"" REPOCAST_VERSION "\"} 1");
	free(t);
	report_run_release(&run);
}
END_TEST

START_TEST(test_prom_hostile_labels)
{
	struct report_run run;
	struct record recs[NRECS];
	char *t;

	fixture(&run, recs);
	t = render(&run, recs, NRECS);
	ASSERT_PROM_OK(t);
	/* Not UTF-8: made so as report.json does (U+FFFD), then escaped. */
	assert_line(t, "repocast_target_wall_seconds{repo=\"evil\\\"<b>|\\nx\xEF\xBF\xBD\","
	    "outcome=\"failed\"} 0.001000");
	/* Valid UTF-8: the newline, backslash and quotes escaped, the rest kept. */
	assert_line(t, "repocast_target_wall_seconds{repo=\"multi\\nline \\\\ \\\"\xc3\xa9\\\" & "
	    "<x>\",outcome=\"ran\"} 0.001000");
	free(t);
	report_run_release(&run);
}
END_TEST

/* Names that differ only in bytes that are not UTF-8 become one label: the
 * first keeps it, the other is left out with a comment saying so. */
START_TEST(test_prom_duplicate_labels)
{
	struct report_run run;
	struct record recs[3];
	char *t;

	memset(recs, 0, sizeof(recs));
	report_run_init(&run, "run");
	target(&recs[0], "a\xff", OUTCOME_RAN, 1, 0, 1000);
	target(&recs[1], "b", OUTCOME_RAN, 2, 0, 2000);
	target(&recs[2], "a\xfe", OUTCOME_RAN, 3, 0, 3000);
	t = render(&run, recs, 3);
	ASSERT_PROM_OK(t);
	assert_line(t, "repocast_target_wall_seconds{repo=\"a\xEF\xBF\xBD\",outcome=\"ran\"} 0.001000");
	ck_assert_ptr_null(strstr(t, "0.003000"));
	assert_line(t, "# repocast: 1 target(s) left out: their repo label repeats another's");
	free(t);
	report_run_release(&run);
}
END_TEST

/* No targets: every family is still there, the counts are 0. */
START_TEST(test_prom_empty)
{
	struct report_run run;
	char *t;

	report_run_init(&run, "sync");
	t = render(&run, NULL, 0);
	ASSERT_PROM_OK(t);
	assert_line(t, "# TYPE repocast_target_wall_seconds gauge");
	assert_line(t, "repocast_targets{outcome=\"ran\"} 0");
	assert_line(t, "repocast_targets_failed 0");
	ck_assert_ptr_null(strstr(t, "repocast_target_wall_seconds{"));
	free(t);
	report_run_release(&run);
}
END_TEST

Suite *
prom_suite(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("prom");

	tcase_add_test(tc, test_checker_rejects);
	tcase_add_test(tc, test_prom_figures);
	tcase_add_test(tc, test_prom_hostile_labels);
	tcase_add_test(tc, test_prom_duplicate_labels);
	tcase_add_test(tc, test_prom_empty);
	suite_add_tcase(s, tc);
	return s;
}
