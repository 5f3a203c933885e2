/*
 * record — the per-target record (record.h): outcome and cause names,
 * reset, copy, move, release, and the name of a target's file in the run
 * directory.
 */
#include "supervisor/report/record.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

#define STR_AT(rec, off) ((char **)(void *)((char *)(rec) + (off)))

/* Every string a record owns, per attempt and for the whole task. */
static const size_t attempt_strings[] = {
	offsetof(struct record, error),
};
static const size_t task_strings[] = {
	offsetof(struct record, name),
	offsetof(struct record, sync.group),
	offsetof(struct record, sync.pr_url),
	offsetof(struct record, sync.note),
	offsetof(struct record, log_path),
	offsetof(struct record, profile.perf),
};

/* Indexed by enum record_outcome. */
static const char *const outcome_names[] = {
	NULL, "ok", "ran", "pushed", "up_to_date", "pending_current", "dry_run",
	"skipped", "failed", "timed_out", "cancelled", "unchanged",
};

/* Indexed by enum record_cause; CAUSE_EXIT, _SIGNAL and _ERROR are made. */
static const char *const cause_names[] = {
	NULL, "exit", "signal", "timeout", "protocol", "spawn", "memory",
	"cancelled", "dependency", "plugin", "pr", "pids", "hostile_tree", "hostile_symlink",
	"too_large", "version", "signing", "api_commit_limit", "error",
};

/* Indexed by enum record_limit. */
static const char *const limit_names[] = { NULL, "cgroup", "watchdog", "rlimit" };

const char *
record_limit_name(enum record_limit l)
{
	return (size_t)l < ARRAY_SIZE(limit_names) ? limit_names[l] : NULL;
}

int
record_limit_parse(enum record_limit *out, const char *s)
{
	size_t i;

	for (i = 1; s != NULL && i < ARRAY_SIZE(limit_names); i++)
		if (strcmp(limit_names[i], s) == 0) {
			*out = (enum record_limit)i;
			return 0;
		}
	return ERR_NOTFOUND;
}

void
record_phase_add(struct record *rec, const char *name, uint64_t ms)
{
	rec->phases = xrealloc(rec->phases, (rec->nphases + 1) * sizeof(*rec->phases));
	rec->phases[rec->nphases].key = xstrdup(name);
	rec->phases[rec->nphases].value = xasprintf("%llu", (unsigned long long)ms);
	rec->nphases++;
}

const char *
record_commit_name(enum record_commit c)
{
	static const char *const names[] = { NULL, "push", "api" };

	return (size_t)c < ARRAY_SIZE(names) ? names[c] : NULL;
}

const char *
record_pr_name(enum record_pr pr)
{
	static const char *const names[] = { NULL, "opened", "updated", "current", "closed" };

	return (size_t)pr < ARRAY_SIZE(names) ? names[pr] : NULL;
}

const char *
record_outcome_name(enum record_outcome o)
{
	return (size_t)o < ARRAY_SIZE(outcome_names) ? outcome_names[o] : NULL;
}

int
record_outcome_parse(enum record_outcome *out, const char *s)
{
	size_t i;

	for (i = 1; s != NULL && i < ARRAY_SIZE(outcome_names); i++)
		if (strcmp(outcome_names[i], s) == 0) {
			*out = (enum record_outcome)i;
			return 0;
		}
	return ERR_NOTFOUND;
}

const char *
record_cause_name(char buf[RECORD_CAUSE_MAX], const struct record *rec)
{
	const char *sig;

	switch (rec->cause) {
	case CAUSE_NONE:
		return NULL;
	case CAUSE_EXIT:
		snprintf(buf, RECORD_CAUSE_MAX, "exit:%d", rec->cause_value);
		return buf;
	case CAUSE_SIGNAL:
		if ((sig = sigabbrev_np(rec->cause_value)) != NULL)
			snprintf(buf, RECORD_CAUSE_MAX, "signal:%s", sig);
		else
			snprintf(buf, RECORD_CAUSE_MAX, "signal:%d", rec->cause_value);
		return buf;
	case CAUSE_ERROR:
		return err_name(rec->cause_value);
	default:
		return (size_t)rec->cause < ARRAY_SIZE(cause_names) ? cause_names[rec->cause] :
		    "error";
	}
}

void
record_set_cause(struct record *rec, enum record_cause cause, int value, const char *error)
{
	rec->cause = cause;
	rec->cause_value = value;
	if (error != NULL) {
		free(rec->error);
		rec->error = xstrdup(error);
	}
}

void
record_set_worker_error(struct record *rec, const char *code, const char *text)
{
	static const enum record_cause own[] = {
		CAUSE_TIMEOUT, CAUSE_PROTOCOL, CAUSE_PLUGIN, CAUSE_HOSTILE_TREE, CAUSE_SIGNING,
	};
	size_t i;

	free(rec->error);
	rec->error = xstrdup(text != NULL ? text : "");
	for (i = 0; code != NULL && i < ARRAY_SIZE(own); i++)
		if (strcmp(code, cause_names[own[i]]) == 0) {
			record_set_cause(rec, own[i], 0, NULL);
			return;
		}
	record_set_cause(rec, CAUSE_ERROR, code != NULL ? err_from_name(code) : ERR_FAIL, NULL);
}

bool
record_cause_transient(const struct record *rec)
{
	if (rec->command_failed)
		return false;
	switch (rec->cause) {
	case CAUSE_TIMEOUT:
	case CAUSE_SIGNAL:
		return true;
	case CAUSE_ERROR:
		return rec->cause_value == ERR_NET || rec->cause_value == ERR_TIMEOUT;
	default:
		return false;
	}
}

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
	keep.sync.skipped = rec->sync.skipped;
	keep.log_dropped = rec->log_dropped; /* one log for every attempt */
	keep.sync.modules = rec->sync.modules;
	keep.sync.nmodules = rec->sync.nmodules;
	keep.profile.samples = rec->profile.samples; /* every attempt's samples */
	keep.profile.lost = rec->profile.lost;
	keep.profile.folded = rec->profile.folded;
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
	for (i = 0; i < rec->sync.nmodules; i++) {
		struct record_module *m = &rec->sync.modules[i];

		free(m->src);
		free(m->dest);
		free(m->spec);
		free(m->version);
		free(m->commit);
		free(m->module);
	}
	free(rec->sync.modules);
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
	size_t i;

	*dst = *src;
	copy_strings(dst, src, attempt_strings, ARRAY_SIZE(attempt_strings));
	copy_strings(dst, src, task_strings, ARRAY_SIZE(task_strings));
	dst->phases = msg_kv_dup(src->phases, src->nphases);
	msg_result_copy(&dst->result, &src->result);
	dst->sync.modules = NULL;
	dst->sync.nmodules = 0;
	for (i = 0; i < src->sync.nmodules; i++)
		record_add_module(dst, &src->sync.modules[i]);
}

void
record_add_module(struct record *rec, const struct record_module *m)
{
	struct record_module *d;

	rec->sync.modules = xrealloc(rec->sync.modules,
	    (rec->sync.nmodules + 1) * sizeof(*rec->sync.modules));
	d = &rec->sync.modules[rec->sync.nmodules++];
	d->src = xstrdup_or_null(m->src);
	d->dest = xstrdup_or_null(m->dest);
	d->spec = xstrdup_or_null(m->spec);
	d->version = xstrdup_or_null(m->version);
	d->commit = xstrdup_or_null(m->commit);
	d->module = xstrdup_or_null(m->module);
}

void
record_move(struct record *dst, struct record *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
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
