/*
 * worker — the channel side of repocast-worker (see worker.h): blocking
 * sends and receives on fds 3/4, phases, LOG and ERROR messages.
 */
#include "worker/worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "worker/fault.h"
#include "worker/profile.h"

int
worker_queue(struct worker *w, struct msg *m)
{
	m->id = ++w->next_id;
	return msg_send(&w->out, m) < 0 ? -1 : 0;
}

int
worker_send(struct worker *w, struct msg *m)
{
	if (worker_queue(w, m) < 0)
		return -1;
	return frame_flush_all(&w->out) < 0 ? -1 : 0;
}

int
worker_recv(struct worker *w, struct msg *m)
{
	int rc;

	if (frame_flush_all(&w->out) < 0)
		return -1;
	/* --profile: empty the sample ring while the worker waits anyway. */
	if (w->profiling)
		profile_drain();
	rc = msg_recv(m, &w->in);

	if (rc == 1 && m->type == MSG_CANCEL) {
		msg_release(m);
		w->cancelled = 1;
		return err_set(ERR_TIMEOUT, "the job was cancelled");
	}
	return rc;
}

void
worker_phase(struct worker *w, const char *name, uint64_t ms)
{
	struct msg m;
	size_t i;

	for (i = 0; i < w->nphases; i++)
		if (strcmp(w->phases[i].key, name) == 0)
			break;
	if (i == w->nphases) {
		if (w->nphases == ARRAY_SIZE(w->phases))
			BUG("too many phases (adding '%s')", name);
		w->phases[i].key = xstrdup(name);
		w->phases[i].value = NULL;
		w->nphases++;
	}
	free(w->phases[i].value);
	w->phases[i].value = xasprintf("%llu", (unsigned long long)ms);
	/* Nobody waits for a PHASE (its times also go in STATS): queued. */
	msg_init(&m, MSG_PHASE);
	m.u.phase.name = (char *)name;
	m.u.phase.ms = ms;
	worker_queue(w, &m);
	fault_hook(w, name);
}

void
worker_log(struct worker *w, int level, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	struct msg m;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	msg_init(&m, MSG_LOG);
	m.u.log.level = level;
	m.u.log.text = b.ptr;
	worker_send(w, &m);
	buf_release(&b);
}

void
worker_error(struct worker *w, int code)
{
	worker_error_cause(w, err_name(code));
}

void
worker_error_cause(struct worker *w, const char *cause)
{
	struct msg m;

	/* An allocation that failed under RLIMIT_AS is the memory limit. */
	if (strstr(err_last(), "out of memory") != NULL)
		cause = "memory";
	msg_init(&m, MSG_ERROR);
	m.u.error.code = (char *)cause;
	m.u.error.text = (char *)err_last();
	worker_send(w, &m);
}
