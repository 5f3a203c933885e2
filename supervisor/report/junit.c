/*
 * junit — junit.xml: the run as JUnit XML, for CI systems that show test
 * results (GitLab, Jenkins, the GitHub actions that publish JUnit). One
 * <testsuite> named "repocast <command>", one <testcase> per target in the
 * order of the input (docs/report-formats.md).
 *
 * A failed target is a <failure> whose type is its cause; a target no
 * worker ran, because a group it depends on failed (outcome skipped) or
 * because the skip cache answered, is <skipped/> and not a failure.
 * errors= is always 0: whatever went wrong, the target failed.
 *
 * Every text is first made valid UTF-8 the way report.json does it, so a
 * testcase names the target report.json names; characters XML 1.0 forbids
 * (C0 controls other than tab, newline and carriage return; U+FFFE,
 * U+FFFF) then become '?', and markup characters are escaped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/utf8.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

/* Is p (valid UTF-8) at U+FFFE or U+FFFF, which XML 1.0 forbids? */
static bool
at_noncharacter(const unsigned char *p)
{
	return p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf);
}

/*
 * Append s escaped for XML. In an attribute, tab, newline and carriage
 * return are written as references: a parser would turn them into spaces.
 */
static void
add_xml(struct buf *out, const char *s, bool attr)
{
	struct buf clean = BUF_INIT;
	const unsigned char *p;

	if (s != NULL)
		utf8_sanitize(&clean, s, strlen(s));
	for (p = (const unsigned char *)clean.ptr; *p != '\0'; p++) {
		switch (*p) {
		case '&': buf_addstr(out, "&amp;"); continue;
		case '<': buf_addstr(out, "&lt;"); continue;
		case '>': buf_addstr(out, "&gt;"); continue;
		case '"': buf_addstr(out, "&quot;"); continue;
		case '\'': buf_addstr(out, "&apos;"); continue;
		case '\r': buf_addstr(out, "&#13;"); continue;
		case '\t':
		case '\n':
			if (attr)
				buf_addf(out, "&#%d;", *p);
			else
				buf_addch(out, *p);
			continue;
		}
		if (*p < 0x20) {
			buf_addch(out, '?');
		} else if (at_noncharacter(p)) {
			buf_addch(out, '?');
			p += 2;
		} else {
			buf_addch(out, *p);
		}
	}
	buf_release(&clean);
}

/* name="value" with a leading space. */
static void
add_attr(struct buf *out, const char *name, const char *value)
{
	buf_addf(out, " %s=\"", name);
	add_xml(out, value, true);
	buf_addch(out, '"');
}

/* Microseconds as seconds with three decimals, exactly. */
static void
add_seconds(struct buf *out, const char *name, uint64_t us)
{
	uint64_t ms = us / 1000;

	buf_addf(out, " %s=\"%" PRIu64 ".%03" PRIu64 "\"", name, ms / 1000, ms % 1000);
}

static bool
is_skipped(const struct record *r)
{
	return r->outcome == OUTCOME_SKIPPED || r->sync.skipped;
}

static bool
is_failure(const struct record *r)
{
	return record_failed(r) && !is_skipped(r);
}

static void
add_skipped(struct buf *out, const struct record *r)
{
	char cause[RECORD_CAUSE_MAX];
	const char *c = record_cause_name(cause, r);

	buf_addstr(out, "      <skipped");
	if (r->sync.skipped) {
		add_attr(out, "message", "skip cache: nothing changed since the last "
		    "successful sync");
	} else {
		struct buf m = BUF_INIT;

		buf_addf(&m, "%s%s%s", c != NULL ? c : "skipped", r->error != NULL ? ": " : "",
		    r->error != NULL ? r->error : "");
		add_attr(out, "message", m.ptr);
		buf_release(&m);
	}
	buf_addstr(out, "/>\n");
}

/* The failure's text: the error, then what a reader needs to look further. */
static void
add_failure(struct buf *out, const struct record *r)
{
	char cause[RECORD_CAUSE_MAX];
	const char *c = record_cause_name(cause, r);
	struct buf text = BUF_INIT;

	buf_addstr(out, "      <failure");
	add_attr(out, "message", r->error != NULL ? r->error : c);
	add_attr(out, "type", c);
	buf_addch(out, '>');
	buf_addf(&text, "%s\ncause: %s (%s)\noutcome: %s\nattempts: %d\n",
	    r->error != NULL ? r->error : c, c, r->command_failed ? "command" : "worker",
	    record_outcome_name(r->outcome) != NULL ? record_outcome_name(r->outcome) :
	    "unknown", r->attempts);
	if (r->log_path != NULL)
		buf_addf(&text, "log: %s\n", r->log_path);
	add_xml(out, text.ptr, false);
	buf_addstr(out, "</failure>\n");
	buf_release(&text);
}

static void
add_testcase(struct buf *out, const struct record *r, const char *classname)
{
	buf_addstr(out, "    <testcase");
	add_attr(out, "classname", classname);
	add_attr(out, "name", r->name);
	add_seconds(out, "time", r->wall_us);
	if (is_skipped(r)) {
		buf_addstr(out, ">\n");
		add_skipped(out, r);
	} else if (is_failure(r)) {
		buf_addstr(out, ">\n");
		add_failure(out, r);
	} else {
		buf_addstr(out, "/>\n");
		return;
	}
	buf_addstr(out, "    </testcase>\n");
}

static void
add_property(struct buf *out, const char *name, const char *value)
{
	buf_addstr(out, "      <property");
	add_attr(out, "name", name);
	add_attr(out, "value", value);
	buf_addstr(out, "/>\n");
}

static void
add_properties(struct buf *out, const struct report_run *run)
{
	char num[32];

	buf_addstr(out, "    <properties>\n");
	add_property(out, "run_id", run->id);
	snprintf(num, sizeof(num), "%d", run->exit_code);
	add_property(out, "exit_code", num);
	add_property(out, "interrupted", run->interrupted ? "true" : "false");
	add_property(out, "repocast_version", run->v_repocast);
	buf_addstr(out, "    </properties>\n");
}

/* The counts both elements carry. */
static void
add_counts(struct buf *out, const struct report_in *in, bool with_skipped)
{
	size_t i, failures = 0, skipped = 0;
	const struct report_run *run = in->run;

	for (i = 0; i < in->n; i++) {
		failures += is_failure(&in->recs[i]);
		skipped += is_skipped(&in->recs[i]);
	}
	buf_addf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\"", in->n, failures);
	if (with_skipped)
		buf_addf(out, " skipped=\"%zu\"", skipped);
	add_seconds(out, "time", run->end_us > run->start_us ? run->end_us - run->start_us : 0);
}

void
report_junit(struct buf *out, const struct report_in *in)
{
	const struct report_run *run = in->run;
	char *suite = xasprintf("repocast %s", run->command);
	char *classname = xasprintf("repocast.%s", run->command);
	time_t t = (time_t)(run->start_us / 1000000);
	char stamp[32];
	struct tm tm;
	size_t i;

	/* The JUnit schema's timestamp has no zone: it is UTC here. */
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	add_attr(out, "name", "repocast");
	add_counts(out, in, false);
	buf_addstr(out, ">\n  <testsuite");
	add_attr(out, "name", suite);
	add_counts(out, in, true);
	add_attr(out, "timestamp", stamp);
	add_attr(out, "hostname", run->host);
	buf_addstr(out, ">\n");
	add_properties(out, run);
	for (i = 0; i < in->n; i++)
		add_testcase(out, &in->recs[i], classname);
	buf_addstr(out, "  </testsuite>\n</testsuites>\n");
	free(suite);
	free(classname);
}
