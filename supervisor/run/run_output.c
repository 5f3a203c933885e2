/*
 * run_output — run's stdout (run_output.h).
 */
#include "supervisor/run/run_output.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/utf8.h"
#include "shared/util.h"
#include "supervisor/report/report.h"

#define NAME_WIDTH_MAX 40

static const char *const mode_names[] = { "summary", "tag", "group", "none" };

/*
 * What makes a line of output read as an error: the words compilers,
 * linters, git, make, shells and test runners print on one ("error:",
 * "fatal:", "FAIL", "panic:", "cannot ...", "No such file", "not found",
 * "Permission denied"), in any case; see reads_as_error.
 */

int
run_output_parse(enum run_output_mode *out, const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum run_output_mode)i;
			return 0;
		}
	return err_set(ERR_CONFIG, "invalid --output '%s' (summary, tag, group or none)", s);
}

const char *
run_output_name(enum run_output_mode m)
{
	return mode_names[m];
}

void
run_output_init(struct run_output *o, enum run_output_mode mode, FILE *out,
    struct progress *prog, size_t name_width)
{
	const char *nc = getenv("NO_COLOR");

	memset(o, 0, sizeof(*o));
	o->mode = mode;
	o->out = out;
	o->prog = prog;
	o->on_terminal = progress_is_tty(fileno(out));
	o->color = o->on_terminal && (nc == NULL || *nc == '\0');
	o->name_width = (int)(name_width < NAME_WIDTH_MAX ? name_width : NAME_WIDTH_MAX);
}

void
run_output_task_init(struct run_output_task *t)
{
	buf_init(&t->partial, 0);
	t->first_error[0] = t->last_line[0] = '\0';
	t->last_len = 0;
	t->last_dirty = false;
}

void
run_output_task_release(struct run_output_task *t)
{
	buf_release(&t->partial);
}

/* ---- writing to stdout ---- */

static void
hold(struct run_output *o)
{
	if (o->on_terminal && o->prog != NULL)
		progress_hide(o->prog);
}

static void
release(struct run_output *o)
{
	fflush(o->out);
	if (o->on_terminal && o->prog != NULL)
		progress_show(o->prog);
}

/* One tagged line: NAME, a tab, the line, a newline. */
static void
put_tagged(struct run_output *o, const char *name, const char *line, size_t n)
{
	fputs(name, o->out);
	fputc('\t', o->out);
	fwrite(line, 1, n, o->out);
	fputc('\n', o->out);
}

/* ---- the error scan ---- */

/* The line as one short line of text: escape sequences (colours) and
 * control bytes out, cut at max bytes (never inside a UTF-8 sequence). */
static void
clean_line(char *dst, size_t max, const char *s, size_t n)
{
	size_t i = 0, k = 0;

	while (i < n && k < max) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x1b && i + 1 < n && s[i + 1] == '[') {
			/* CSI: parameters, then one final byte in 0x40..0x7e */
			for (i += 2; i < n && ((unsigned char)s[i] < 0x40 || s[i] > 0x7e); i++)
				;
			i++;
			continue;
		}
		i++;
		if (c < 0x20 || c == 0x7f) {
			if (c == '\t' && k > 0 && dst[k - 1] != ' ')
				dst[k++] = ' ';
			continue;
		}
		dst[k++] = (char)c;
	}
	/* A sequence cut at max: back to its lead byte. */
	if (i < n && k > 0 && ((unsigned char)dst[k - 1] & 0x80)) {
		size_t lead = k - 1;

		while (lead > 0 && ((unsigned char)dst[lead] & 0xc0) == 0x80)
			lead--;
		if (utf8_seq_len(dst + lead, k - lead) != k - lead)
			k = lead;
	}
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	dst[k] = '\0';
}

/* Is w (lowercase) at s, in any case? */
static bool
word_at(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; w[i] != '\0'; i++)
		if (i >= n || (s[i] | 0x20) != w[i])
			return false;
	return true;
}

/*
 * One pass over the line, looking closer only at the letters an error
 * word starts with: every line of a command's output goes through here,
 * so this is what the supervisor's CPU per line of output is.
 */
static bool
reads_as_error(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p = s + i;
		size_t left = n - i;

		switch (*p | 0x20) {
		case 'e':
			if (word_at(p, left, "error"))
				return true;
			break;
		case 'f':
			if (word_at(p, left, "fatal") || word_at(p, left, "fail"))
				return true;
			break;
		case 'p':
			if (word_at(p, left, "panic"))
				return true;
			break;
		case 'c':
			if (word_at(p, left, "cannot"))
				return true;
			break;
		case 'n':
			if (word_at(p, left, "no such") || word_at(p, left, "not found"))
				return true;
			break;
		case 'd':
			if (word_at(p, left, "denied"))
				return true;
			break;
		}
	}
	return false;
}

static bool
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] > ' ')
			return false;
	return true;
}

/* One whole line (without its newline) of the task's output: the last
 * line is kept raw (cleaned when asked for), an error line cleaned once. */
static void
scan_line(struct run_output_task *t, const char *line, size_t n)
{
	if (blank(line, n))
		return;
	t->last_len = n < sizeof(t->last_raw) ? n : sizeof(t->last_raw);
	memcpy(t->last_raw, line, t->last_len);
	t->last_dirty = true;
	if (t->first_error[0] == '\0' && reads_as_error(line, n))
		clean_line(t->first_error, RUN_OUTPUT_ERROR_MAX, line, n);
}

/* A whole line: scanned, and printed with its tag in tag mode. */
static void
one_line(struct run_output *o, struct run_output_task *t, const char *name, const char *line,
    size_t n)
{
	if (n > 0 && line[n - 1] == '\r')
		n--;
	scan_line(t, line, n);
	if (o->mode == RUN_OUTPUT_TAG)
		put_tagged(o, name, line, n);
}

void
run_output_data(struct run_output *o, struct run_output_task *t, const char *name,
    const char *data, size_t n)
{
	const char *end = data + n, *nl;
	bool wrote = false;
	size_t len;

	if (o->mode == RUN_OUTPUT_TAG) {
		hold(o);
		wrote = true;
	}
	while (data < end) {
		nl = memchr(data, '\n', (size_t)(end - data));
		len = nl != NULL ? (size_t)(nl - data) : (size_t)(end - data);
		if (t->partial.len + len > RUN_OUTPUT_LINE_MAX) {
			/* A line longer than the cap: what fits is printed as a line. */
			size_t room = RUN_OUTPUT_LINE_MAX - t->partial.len;

			buf_add(&t->partial, data, room);
			one_line(o, t, name, t->partial.ptr, t->partial.len);
			buf_setlen(&t->partial, 0);
			data += room;
			continue;
		}
		if (nl == NULL) {
			buf_add(&t->partial, data, len);
			break;
		}
		if (t->partial.len > 0) {
			buf_add(&t->partial, data, len);
			one_line(o, t, name, t->partial.ptr, t->partial.len);
			buf_setlen(&t->partial, 0);
		} else {
			one_line(o, t, name, data, len);
		}
		data = nl + 1;
	}
	if (wrote)
		release(o);
}

/* What is left of the last line, as a line. */
static void
flush_partial(struct run_output *o, struct run_output_task *t, const char *name)
{
	if (t->partial.len == 0)
		return;
	if (o->mode == RUN_OUTPUT_TAG)
		hold(o);
	one_line(o, t, name, t->partial.ptr, t->partial.len);
	buf_setlen(&t->partial, 0);
	if (o->mode == RUN_OUTPUT_TAG)
		release(o);
}

void
run_output_task_restart(struct run_output *o, struct run_output_task *t, const char *name)
{
	flush_partial(o, t, name);
	t->first_error[0] = t->last_line[0] = '\0';
	t->last_len = 0;
	t->last_dirty = false;
}

const char *
run_output_error_line(struct run_output_task *t)
{
	if (t->first_error[0] != '\0')
		return t->first_error;
	if (t->last_dirty) {
		clean_line(t->last_line, RUN_OUTPUT_ERROR_MAX, t->last_raw, t->last_len);
		t->last_dirty = false;
	}
	return t->last_line[0] != '\0' ? t->last_line : NULL;
}

/* ---- the summary line ---- */

static const char *
fmt_us(char *b, size_t n, uint64_t us)
{
	if (us < 60000000)
		snprintf(b, n, "%.2fs", (double)us / 1e6);
	else
		snprintf(b, n, "%llum%02llus", (unsigned long long)(us / 60000000),
		    (unsigned long long)(us / 1000000 % 60));
	return b;
}

static void
summary_line(struct run_output *o, struct run_output_task *t, const struct record *rec)
{
	char wall[32], cpu[32], mem[32], cause[RECORD_CAUSE_MAX];
	uint64_t peak = rec->vm_hwm_kib;
	bool failed = record_failed(rec);
	const char *why = rec->error;

	/* The job's peak: the worker's own, or its command's when larger. */
	if (rec->has_result && rec->result.cmd_maxrss_kib > peak)
		peak = rec->result.cmd_maxrss_kib;
	fprintf(o->out, "%s%-4s%s %-*s  wall %7s  cpu %7s  mem %9s",
	    !o->color ? "" : failed ? "\033[31m" : "\033[32m", failed ? "FAIL" : "ok",
	    o->color ? "\033[0m" : "", o->name_width, rec->name,
	    fmt_us(wall, sizeof(wall), rec->wall_us),
	    fmt_us(cpu, sizeof(cpu), rec->utime_us + rec->stime_us),
	    report_fmt_kib(mem, sizeof(mem), peak));
	if (failed) {
		if (rec->command_failed && run_output_error_line(t) != NULL)
			why = run_output_error_line(t);
		fprintf(o->out, "  %s%s%s", record_cause_name(cause, rec), why != NULL ? ": " : "",
		    why != NULL ? why : "");
		if (rec->log_path != NULL)
			fprintf(o->out, "  (log: %s)", rec->log_path);
	}
	fputc('\n', o->out);
}

/* group: the log, as it is, in chunks. */
static void
copy_log(struct run_output *o, const struct record *rec)
{
	char chunk[65536], last = '\n';
	FILE *f;
	size_t n;

	if (rec->log_path == NULL)
		return;
	if ((f = fopen(rec->log_path, "r")) == NULL) {
		fprintf(o->out, "(cannot open the log '%s': %s)\n", rec->log_path,
		    strerror(errno));
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		fwrite(chunk, 1, n, o->out);
		last = chunk[n - 1];
	}
	if (last != '\n')
		fputc('\n', o->out);
	fclose(f);
}

void
run_output_finished(struct run_output *o, struct run_output_task *t,
    const struct record *rec)
{
	flush_partial(o, t, rec->name);
	/* Only the two short lines stay for --json: the line buffer goes. */
	buf_release(&t->partial);
	if (o->mode == RUN_OUTPUT_NONE)
		return;
	hold(o);
	summary_line(o, t, rec);
	if (o->mode == RUN_OUTPUT_GROUP)
		copy_log(o, rec);
	release(o);
}
