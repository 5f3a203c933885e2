/*
 * html_failures — the Failures section of report.html: the failed targets
 * counted by cause, the first FAIL_DETAIL with their error and the last
 * lines of their log, the rest in a table. A log is read from its end, at
 * most LOG_BYTES, and only when it is a regular file (a FIFO cannot stall
 * the report).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/report/html_page.h"
#include "supervisor/report/report.h"

#define FAIL_DETAIL 50    /* failures shown with their log; the rest only in a table */
#define FAIL_OPEN 10      /* ... the first logs unfolded, the others one click away */
#define LOG_LINES 20      /* a failure's log: its last lines */
#define LOG_BYTES 8192    /* ... read from the end of the file, at most */

/*
 * The end of the file at path, at most LOG_BYTES, into dst; *cut when
 * more came before it. Only a regular file is read (never a FIFO that
 * would block). 0, or -1 with err_last set.
 */
static int
log_tail(struct buf *dst, const char *path, bool *cut)
{
	struct stat st;
	off_t from;
	ssize_t got;
	int fd, rc = -1;

	*cut = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_sys(ERR_FAIL, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		err_sys(ERR_FAIL, "cannot stat '%s'", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(ERR_FAIL, "'%s' is not a regular file", path);
		goto out;
	}
	from = st.st_size > LOG_BYTES ? st.st_size - LOG_BYTES : 0;
	*cut = from > 0;
	buf_grow(dst, LOG_BYTES);
	got = pread(fd, dst->ptr + dst->len, LOG_BYTES, from);
	if (got < 0) {
		err_sys(ERR_FAIL, "cannot read '%s'", path);
		goto out;
	}
	buf_setlen(dst, dst->len + (size_t)got);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Where the last max lines of s (len bytes) begin; *more when lines came before. */
static size_t
tail_start(const char *s, size_t len, size_t max, bool *more)
{
	size_t i = len, lines = 0;

	if (i > 0 && s[i - 1] == '\n')
		i--;              /* the last line's newline ends it, it starts none */
	while (i > 0) {
		if (s[i - 1] == '\n' && ++lines == max) {
			*more = true;
			return i;
		}
		i--;
	}
	*more = false;
	return 0;
}

static void
fail_log(struct page *p, const struct record *r, bool open)
{
	struct buf *o = p->out, log = BUF_INIT;
	size_t start = 0;
	bool cut, more;

	if (r->log_path == NULL) {
		buf_addstr(o, "<p class=\"src\">No log was recorded for this target.</p>\n");
		return;
	}
	if (log_tail(&log, r->log_path, &cut) < 0) {
		buf_addstr(o, "<p class=\"src\">The log is not available: ");
		esc(o, err_last());
		buf_addstr(o, "</p>\n");
		buf_release(&log);
		return;
	}
	if (cut) {
		/* The first line read is likely part of a longer one. */
		const char *nl = memchr(log.ptr, '\n', log.len);

		start = nl != NULL ? (size_t)(nl - log.ptr) + 1 : 0;
	}
	start += tail_start(log.ptr + start, log.len - start, LOG_LINES, &more);
	if (log.len == 0) {
		buf_addstr(o, "<p class=\"src\">The whole of ");
		esc(o, r->log_path);
		buf_addstr(o, " (empty).</p>\n");
		buf_release(&log);
		return;
	}
	buf_addf(o, "<details%s><summary class=\"src\">", open ? " open" : "");
	buf_addf(o, (cut || more) ? "The last %d lines of " : "The whole of ", LOG_LINES);
	esc(o, r->log_path);
	buf_addstr(o, "</summary>\n<pre>");
	html_textn(o, log.ptr + start, log.len - start, ESC_PRE, 0);
	buf_addstr(o, "</pre></details>\n");
	buf_release(&log);
}

static void
fail_detail(struct page *p, const struct record *r, bool open)
{
	struct buf *o = p->out;
	char cause[RECORD_CAUSE_MAX], w[32];
	const char *sig = r->term_signal ? sigabbrev_np(r->term_signal) : NULL;

	html_fmt_dur(w, sizeof(w), r->wall_us);
	buf_addf(o, "<article class=\"fail%s\">\n<h3>",
	    html_outcome_of(r) == OUTCOME_TIMED_OUT ? " late" : "");
	html_chip(o, html_outcome_of(r));
	esc(o, r->name);
	buf_addf(o, "</h3>\n<p class=\"facts\">%s &middot; cause <b>", html_outcome_label(r));
	esc(o, record_cause_name(cause, r));
	buf_addf(o, "</b>, from the %s &middot; %d attempt%s &middot; ",
	    r->command_failed ? "command" : "worker", r->attempts, r->attempts == 1 ? "" : "s");
	if (r->pid == 0)
		buf_addstr(o, "no worker started");
	else if (r->exit_code >= 0)
		buf_addf(o, "worker %ld exited %d after %s", (long)r->pid, r->exit_code, w);
	else
		buf_addf(o, "worker %ld killed by SIG%s after %s", (long)r->pid, sig ? sig : "?",
		    w);
	buf_addstr(o, "</p>\n");
	if (r->error != NULL) {
		buf_addstr(o, "<p class=\"errtext\">");
		html_text(o, r->error, ESC_PRE, 0);
		buf_addstr(o, "</p>\n");
	}
	fail_log(p, r, open);
	buf_addstr(o, "</article>\n");
}

/* Failed targets counted by cause, in order of first appearance. */
static void
fail_causes(struct page *p)
{
	struct buf *o = p->out;
	char names[64][RECORD_CAUSE_MAX], cause[RECORD_CAUSE_MAX];
	size_t count[64], nn = 0, i, k, other = 0;

	for (i = 0; i < p->n; i++) {
		const char *c = record_cause_name(cause, &p->recs[i]);

		if (c == NULL)
			continue;
		for (k = 0; k < nn && strcmp(names[k], c) != 0; k++)
			;
		if (k == nn && nn == ARRAY_SIZE(names)) {
			other++;
			continue;
		}
		if (k == nn) {
			snprintf(names[nn], RECORD_CAUSE_MAX, "%s", c);
			count[nn++] = 0;
		}
		count[k]++;
	}
	buf_addf(o, "<p>%zu target%s failed:", p->failed, p->failed == 1 ? "" : "s");
	for (k = 0; k < nn; k++) {
		buf_addstr(o, k ? ", <b>" : " <b>");
		esc(o, names[k]);
		buf_addf(o, "</b> %zu", count[k]);
	}
	if (other > 0)
		buf_addf(o, ", other causes %zu", other);
	buf_addstr(o, ".</p>\n");
}

void
html_section_failures(struct page *p)
{
	struct buf *o = p->out;
	char cause[RECORD_CAUSE_MAX];
	size_t i, shown = 0;

	buf_addstr(o, "<section id=\"failures\">\n<h2>Failures</h2>\n");
	if (p->failed == 0) {
		buf_addstr(o, "<p>No target failed.</p>\n</section>\n");
		return;
	}
	fail_causes(p);
	for (i = 0; i < p->n; i++) {
		if (!record_failed(&p->recs[i]))
			continue;
		if (shown == FAIL_DETAIL)
			break;
		fail_detail(p, &p->recs[i], shown++ < FAIL_OPEN);
	}
	if (p->failed > FAIL_DETAIL) {
		buf_addf(o, "<p class=\"note\" id=\"failures-more\">%zu more failures, without "
		    "their "
		    "logs (the first %d are shown above):</p>\n<div class=\"scroll\"><table><tr>"
		    "<th>target</th><th>cause</th><th>error</th></tr>\n", p->failed - FAIL_DETAIL,
		    FAIL_DETAIL);
		for (; i < p->n; i++) {
			const struct record *r = &p->recs[i];

			if (!record_failed(r))
				continue;
			buf_addstr(o, "<tr><td class=\"nm\">");
			esc(o, r->name);
			buf_addstr(o, "</td><td>");
			esc(o, record_cause_name(cause, r));
			buf_addstr(o, "</td><td class=\"errtext\">");
			html_text(o, r->error, ESC_PRE, 0);
			buf_addstr(o, "</td></tr>\n");
		}
		buf_addstr(o, "</table></div>\n");
	}
	buf_addf(o, "<p class=\"src\">Cause and error are the record's (the pool's verdict, or the "
	    "worker's ERROR); the log lines are the end of the target's log in the run directory "
	    "(the last %d KiB read at most, every attempt's output in it).</p>\n</section>\n",
	    LOG_BYTES / 1024);
}
