/*
 * record — the per-target record (record.h): reset, copy, release, and
 * the name of a target's file in the run directory.
 */
#include "supervisor/report/record.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/util.h"

#define STR_AT(rec, off) ((char **)(void *)((char *)(rec) + (off)))

/* Every string a record owns, per attempt and for the whole task. */
static const size_t attempt_strings[] = {
	offsetof(struct record, outcome),
	offsetof(struct record, cause),
	offsetof(struct record, error),
};
static const size_t task_strings[] = {
	offsetof(struct record, name),
	offsetof(struct record, pr_url),
	offsetof(struct record, log_path),
};

void
record_phases_release(struct record *rec)
{
	msg_kv_free(rec->phases, rec->nphases);
	rec->phases = NULL;
	rec->nphases = 0;
}

void
record_reset(struct record *rec)
{
	struct record keep = { 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attempt_strings); i++)
		free(*STR_AT(rec, attempt_strings[i]));
	record_phases_release(rec);
	msg_result_release(&rec->result);
	/* What outlives an attempt; everything else starts from zero. */
	for (i = 0; i < ARRAY_SIZE(task_strings); i++)
		*STR_AT(&keep, task_strings[i]) = *STR_AT(rec, task_strings[i]);
	keep.attempts = rec->attempts;
	keep.skipped = rec->skipped;
	*rec = keep;
	rec->exit_code = -1;
}

void
record_release(struct record *rec)
{
	size_t i;

	if (rec == NULL)
		return;
	record_reset(rec);
	for (i = 0; i < ARRAY_SIZE(task_strings); i++)
		free(*STR_AT(rec, task_strings[i]));
	memset(rec, 0, sizeof(*rec));
}

static void
copy_strings(struct record *dst, const struct record *src, const size_t *off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *s = *STR_AT(src, off[i]);

		*STR_AT(dst, off[i]) = xstrdup_or_null(s);
	}
}

void
record_copy(struct record *dst, const struct record *src)
{
	*dst = *src;
	copy_strings(dst, src, attempt_strings, ARRAY_SIZE(attempt_strings));
	copy_strings(dst, src, task_strings, ARRAY_SIZE(task_strings));
	dst->phases = msg_kv_dup(src->phases, src->nphases);
	msg_result_copy(&dst->result, &src->result);
}

static int
file_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

char *
record_file_name(const char *name)
{
	struct buf b = BUF_INIT;
	const char *p;

	for (p = name; *p != '\0'; p++) {
		if (*p == '/')
			buf_addstr(&b, "__");
		else
			buf_addch(&b, file_char((unsigned char)*p) ? *p : '_');
	}
	/* "." and ".." must not name a file in targets/. */
	if (strcmp(b.ptr, ".") == 0 || strcmp(b.ptr, "..") == 0)
		buf_addch(&b, '_');
	return buf_detach(&b, NULL);
}
