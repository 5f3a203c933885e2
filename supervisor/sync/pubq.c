/*
 * sync_pubq — a group's pull requests beside its workers (DESIGN §4:
 * pushes never wait for the PR pace). One publisher thread per group
 * takes each target as soon as its record is final (its worker finished,
 * or it was decided without one) and runs sync_publish, then
 * sync_skip_store, for it: the API limiter paces the writes in that
 * thread while the event loop goes on with the other workers, so a run
 * takes about max(git work, PR pace), never their sum.
 *
 * Ownership: from sync_pubq_add until sync_pubq_finish returns, a target
 * is the publisher's alone (the event loop reads it no more), and while
 * the thread publishes it is the API client's only user: the group's
 * discovery (discq.c) holds it (sync_pubq_hold) until discovery is over,
 * and the pool never calls the API. err_last is per
 * thread (shared/err.c). The thread blocks every signal: SIGINT, SIGTERM
 * and SIGCHLD stay for the pool's signalfd.
 *
 * Interrupt: sync_pubq_stop (or a pending SIGINT/SIGTERM) ends the
 * current request's waits (sync_api_cancelled) and every target not yet
 * published is handed to sync_publish_abandon: it keeps no skip record,
 * so the next run picks it up.
 *
 * When the thread cannot be made the queue is drained by
 * sync_pubq_finish itself, after the workers, as before pipelining.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/sync/internal.h"

struct sync_pubq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool threaded;
	bool closing;                  /* no more targets will be added */
	bool held;                     /* sync_pubq_hold: take nothing yet */
	atomic_bool stop;              /* interrupted: publish no more */
	struct sync_target **q;        /* FIFO, q[head .. tail) waiting */
	size_t cap, head, tail;
	struct sync_run *r;
};

/* Take the next target (NULL when closed and empty); waits for one. */
static struct sync_target *
pubq_take(struct sync_pubq *q)
{
	struct sync_target *t = NULL;

	pthread_mutex_lock(&q->mu);
	while ((q->head == q->tail || q->held) && !q->closing)
		pthread_cond_wait(&q->cv, &q->mu);
	if (q->head < q->tail)
		t = q->q[q->head++];
	pthread_mutex_unlock(&q->mu);
	return t;
}

static void
pubq_drain(struct sync_pubq *q)
{
	struct sync_target *t;

	while ((t = pubq_take(q)) != NULL) {
		if (atomic_load(&q->stop) || sync_signal_pending()) {
			atomic_store(&q->stop, true);
			sync_publish_abandon(q->r, t);
			continue;
		}
		sync_publish(q->r, t);
		sync_skip_store(q->r, t);
	}
}

static void *
pubq_main(void *arg)
{
	pubq_drain(arg);
	return NULL;
}

void
sync_pubq_start(struct sync_run *r, size_t n)
{
	struct sync_pubq *q;
	sigset_t all, old;
	int rc;

	if (r->pubq != NULL)
		BUG("sync_pubq_start: a queue is running");
	q = xcalloc(1, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	atomic_init(&q->stop, false);
	q->cap = n > 0 ? n : 1;
	q->q = xcalloc(q->cap, sizeof(*q->q));
	q->r = r;
	r->pubq = q;
	/* The thread inherits this mask: no signal is ever delivered to it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&q->thread, NULL, pubq_main, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	q->threaded = rc == 0;
	if (rc != 0)
		log_warn("cannot start the pull request thread (%s): pull requests are opened "
		    "after the workers", strerror(rc));
}

void
sync_pubq_add(struct sync_run *r, struct sync_target *t)
{
	struct sync_pubq *q = r->pubq;

	if (q == NULL)
		BUG("sync_pubq_add: no queue");
	pthread_mutex_lock(&q->mu);
	if (q->closing || q->tail >= q->cap)
		BUG("sync_pubq_add: more targets than the group has");
	q->q[q->tail++] = t;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
sync_pubq_hold(struct sync_run *r, bool held)
{
	struct sync_pubq *q = r->pubq;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->held = held;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
sync_pubq_stop(struct sync_run *r)
{
	if (r->pubq != NULL)
		atomic_store(&r->pubq->stop, true);
}

bool
sync_pubq_stopped(const struct sync_run *r)
{
	return r->pubq != NULL && atomic_load(&r->pubq->stop);
}

size_t
sync_pubq_waiting(struct sync_run *r)
{
	struct sync_pubq *q = r->pubq;
	size_t n;

	if (q == NULL)
		return 0;
	pthread_mutex_lock(&q->mu);
	n = q->tail - q->head;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void
sync_pubq_finish(struct sync_run *r)
{
	struct sync_pubq *q = r->pubq;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->closing = true;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	if (q->threaded)
		pthread_join(q->thread, NULL);
	else
		pubq_drain(q);
	r->pubq = NULL;
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->q);
	free(q);
}
