/*
 * sync_discq — a group's discovery beside its workers (DESIGN §4). The
 * first worker starts once the first query's targets are settled, not
 * after the whole group's discovery: at 100 ms a request, 1000 targets
 * are 20 queries (supervisor/github/discogql.h), two seconds and more
 * before the first push otherwise.
 *
 * A thread of the group's own runs sync_discover_some over the targets,
 * a query at a time, and moves `ready` on: r->t[first .. ready) are
 * settled (discovered and skip-checked, or failed). The pool's next
 * (sync_next, in the event loop) waits for the target it hands out to be
 * settled, then plans it (sync_prepare_one): plans and the source
 * mirrors stay the event loop's.
 *
 * Ownership: while the thread runs, the API client is its alone. The
 * publisher (pubq.c) is held until the thread is over, so pull requests
 * wait for the end of discovery (a few seconds of a run that the PR pace
 * bounds anyway), and one request is in flight at a time (DESIGN §4).
 * A target at or past `ready` is the thread's; below it, the event
 * loop's. The App's token cache has its own lock (app.c).
 *
 * Interrupt: the thread stops at its next request on SIGINT/SIGTERM
 * pending (they stay blocked for the run) or sync_discq_stop; the
 * targets it did not settle get no record and end as cancelled. The
 * thread blocks every signal.
 *
 * When the thread cannot be made, sync_discq_start discovers the whole
 * group itself, before the workers, as before.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/sync/internal.h"

struct sync_discq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool threaded;
	bool over;                     /* nothing more will be settled */
	size_t ready;                  /* r->t[.. ready) settled */
	size_t end;                    /* the group's end */
	size_t *idx, m;                /* the targets left for the API */
	struct sync_run *r;
};

static void
discq_settle(struct sync_discq *q, size_t ready, bool over)
{
	pthread_mutex_lock(&q->mu);
	q->ready = ready;
	q->over = q->over || over;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

static void
discq_run(struct sync_discq *q)
{
	size_t off = 0, k;

	while (off < q->m && !atomic_load(&q->r->disc_stop) && !sync_signal_pending()) {
		k = sync_discover_some(q->r, q->idx + off, q->m - off);
		if (k == 0)
			break;
		off += k;
		discq_settle(q, off < q->m ? q->idx[off] : q->end, false);
	}
	if (off < q->m)
		atomic_store(&q->r->disc_stop, true);
	discq_settle(q, off < q->m ? q->idx[off] : q->end, true);
	/* The API client is the publisher's now. */
	sync_pubq_hold(q->r, false);
}

static void *
discq_main(void *arg)
{
	discq_run(arg);
	return NULL;
}

void
sync_discq_start(struct sync_run *r, size_t first, size_t n)
{
	struct sync_discq *q;
	sigset_t all, old;
	int rc;

	if (r->discq != NULL)
		BUG("sync_discq_start: a discovery is running");
	q = xcalloc(1, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	atomic_store(&r->disc_stop, false);
	q->r = r;
	q->end = first + n;
	q->idx = xcalloc(n + 1, sizeof(*q->idx));
	q->m = sync_discover_pre(r, first, n, q->idx);
	q->ready = q->m > 0 ? q->idx[0] : q->end;
	r->discq = q;
	if (q->m == 0) {
		q->over = true;
		return;
	}
	sync_pubq_hold(r, true);
	/* The thread inherits this mask: no signal is ever delivered to it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&q->thread, NULL, discq_main, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	q->threaded = rc == 0;
	if (rc != 0) {
		log_warn("cannot start the discovery thread (%s): discovering every target "
		    "before the workers", strerror(rc));
		discq_run(q);
	}
}

bool
sync_discq_wait(struct sync_run *r, size_t i)
{
	struct sync_discq *q = r->discq;
	bool ok;

	if (q == NULL)
		return true;
	pthread_mutex_lock(&q->mu);
	while (i >= q->ready && !q->over)
		pthread_cond_wait(&q->cv, &q->mu);
	ok = i < q->ready;
	pthread_mutex_unlock(&q->mu);
	return ok;
}

/* In r, not in the queue: the publisher asks (sync_api_cancelled) after
 * the queue is gone. */
void
sync_discq_stop(struct sync_run *r)
{
	atomic_store(&r->disc_stop, true);
}

bool
sync_discq_stopped(const struct sync_run *r)
{
	return atomic_load(&r->disc_stop);
}

void
sync_discq_finish(struct sync_run *r, bool stop)
{
	struct sync_discq *q = r->discq;

	if (q == NULL)
		return;
	if (stop)
		atomic_store(&r->disc_stop, true);
	if (q->threaded)
		pthread_join(q->thread, NULL);
	r->discq = NULL;
	sync_pubq_hold(r, false);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->idx);
	free(q);
}
