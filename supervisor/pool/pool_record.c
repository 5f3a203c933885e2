/*
 * pool_record — the per-target record of the pool (struct pool_record in
 * pool.h): reset between attempts, copy, release; and the names of causes.
 * Part of the pool module, split from pool.c for size.
 */
#include "supervisor/pool/pool.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

void
pool_result_release(struct msg_result *r)
{
	free(r->outcome);
	free(r->commit);
	free(r->branch);
	free(r->diffstat);
	free(r->diff);
	memset(r, 0, sizeof(*r));
}

void
pool_phases_release(struct pool_record *rec)
{
	size_t i;

	for (i = 0; i < rec->nphases; i++) {
		free(rec->phases[i].key);
		free(rec->phases[i].value);
	}
	free(rec->phases);
	rec->phases = NULL;
	rec->nphases = 0;
}

/* Reset the per-attempt part of a record (keeps name, attempts, log path). */
void
pool_record_reset(struct pool_record *rec)
{
	free(rec->outcome);
	free(rec->cause);
	free(rec->error);
	rec->outcome = rec->cause = rec->error = NULL;
	pool_phases_release(rec);
	pool_result_release(&rec->result);
	rec->has_result = false;
	rec->pid = 0;
	rec->exit_code = -1;
	rec->term_signal = 0;
	rec->command_failed = false;
	rec->start_us = rec->end_us = rec->wall_us = rec->utime_us = rec->stime_us = 0;
	rec->maxrss_kib = rec->vm_hwm_kib = 0;
	rec->minflt = rec->majflt = rec->nvcsw = rec->nivcsw = rec->inblock = rec->oublock = 0;
	rec->rchar = rec->wchar = rec->read_bytes = rec->write_bytes = 0;
	rec->bytes_to_worker = rec->bytes_from_worker = 0;
	rec->msgs_to_worker = rec->msgs_from_worker = 0;
}

void
pool_record_release(struct pool_record *rec)
{
	if (rec == NULL)
		return;
	pool_record_reset(rec);
	free(rec->name);
	free(rec->pr_url);
	free(rec->log_path);
	memset(rec, 0, sizeof(*rec));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
pool_record_copy(struct pool_record *dst, const struct pool_record *src)
{
	size_t i;

	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->outcome = dup_or_null(src->outcome);
	dst->cause = dup_or_null(src->cause);
	dst->error = dup_or_null(src->error);
	dst->pr_url = dup_or_null(src->pr_url);
	dst->log_path = dup_or_null(src->log_path);
	dst->phases = src->nphases ? xcalloc(src->nphases, sizeof(*dst->phases)) : NULL;
	for (i = 0; i < src->nphases; i++) {
		dst->phases[i].key = xstrdup(src->phases[i].key);
		dst->phases[i].value = xstrdup(src->phases[i].value);
	}
	dst->result.outcome = dup_or_null(src->result.outcome);
	dst->result.commit = dup_or_null(src->result.commit);
	dst->result.branch = dup_or_null(src->result.branch);
	dst->result.diffstat = dup_or_null(src->result.diffstat);
	dst->result.diff = dup_or_null(src->result.diff);
}

const char *
pool_signal_cause(char *buf, size_t n, int sig)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev != NULL)
		snprintf(buf, n, "signal:%s", abbrev);
	else
		snprintf(buf, n, "signal:%d", sig);
	return buf;
}

bool
pool_cause_transient(const char *cause, bool command_failed)
{
	if (cause == NULL || command_failed)
		return false;
	return strcmp(cause, "timeout") == 0 || strcmp(cause, "network") == 0 ||
	    strncmp(cause, "signal:", 7) == 0;
}
