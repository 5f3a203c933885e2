#include "supervisor/pool/evloop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

struct watch {
	int fd;                 /* -1: free slot */
	short events;
	uint64_t gen;           /* changes whenever the slot is reused */
	evloop_io_fn fn;
	void *arg;
};

struct timer {
	uint64_t id;
	uint64_t due_ms;
	evloop_timer_fn fn;
	void *arg;
};

struct evloop {
	struct watch *w;
	size_t nw, capw;
	uint64_t gen;
	struct timer *t;
	size_t nt, capt;
	uint64_t next_id;
	struct pollfd *pfd;
	uint64_t *pgen;
	size_t cappfd;
	int sigfd;
	sigset_t oldmask;
	int masked;
	evloop_signal_fn sigfn;
	void *sigarg;
};

uint64_t
evloop_now_ms(void)
{
	return util_now_ms();
}

int
evloop_new(struct evloop **out)
{
	struct evloop *l = xcalloc(1, sizeof(*l));

	l->sigfd = -1;
	*out = l;
	return 0;
}

void
evloop_free(struct evloop *l)
{
	if (l == NULL)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->masked)
		sigprocmask(SIG_SETMASK, &l->oldmask, NULL);
	free(l->w);
	free(l->t);
	free(l->pfd);
	free(l->pgen);
	free(l);
}

static struct watch *
find_watch(struct evloop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nw; i++)
		if (l->w[i].fd == fd)
			return &l->w[i];
	return NULL;
}

void
evloop_watch(struct evloop *l, int fd, short events, evloop_io_fn fn, void *arg)
{
	struct watch *w = find_watch(l, fd);

	if (fd < 0)
		BUG("evloop_watch: bad fd %d", fd);
	if (w == NULL) {
		w = find_watch(l, -1);
		if (w == NULL) {
			ALLOC_GROW(l->w, l->nw + 1, l->capw);
			w = &l->w[l->nw++];
		}
		w->fd = fd;
		w->gen = ++l->gen;
	}
	w->events = events;
	w->fn = fn;
	w->arg = arg;
}

void
evloop_unwatch(struct evloop *l, int fd)
{
	struct watch *w = find_watch(l, fd);

	if (w == NULL)
		return;
	w->fd = -1;
	w->fn = NULL;
	/* Trim free slots at the end so the poll set stays short. */
	while (l->nw > 0 && l->w[l->nw - 1].fd < 0)
		l->nw--;
}

uint64_t
evloop_timer(struct evloop *l, uint64_t delay_ms, evloop_timer_fn fn, void *arg)
{
	struct timer *t;

	ALLOC_GROW(l->t, l->nt + 1, l->capt);
	t = &l->t[l->nt++];
	t->id = ++l->next_id;
	t->due_ms = evloop_now_ms() + delay_ms;
	t->fn = fn;
	t->arg = arg;
	return t->id;
}

void
evloop_cancel(struct evloop *l, uint64_t id)
{
	size_t i;

	if (id == 0)
		return;
	for (i = 0; i < l->nt; i++) {
		if (l->t[i].id == id) {
			l->t[i] = l->t[--l->nt];
			return;
		}
	}
}

int
evloop_signals(struct evloop *l, const int *sigs, size_t n, evloop_signal_fn fn, void *arg)
{
	sigset_t set;
	size_t i;

	if (l->sigfd >= 0)
		BUG("evloop_signals called twice");
	sigemptyset(&set);
	for (i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, &l->oldmask) < 0)
		return err_sys(ERR_FAIL, "cannot block signals");
	l->masked = 1;
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return err_sys(ERR_FAIL, "cannot create signalfd");
	l->sigfn = fn;
	l->sigarg = arg;
	return 0;
}

/* Run the timers due now; a timer's callback may add or cancel timers. */
static int
run_timers(struct evloop *l)
{
	uint64_t now = evloop_now_ms();
	int ran = 0;
	size_t i;

	for (i = 0; i < l->nt;) {
		if (l->t[i].due_ms <= now) {
			struct timer t = l->t[i];

			l->t[i] = l->t[--l->nt];
			t.fn(t.arg);
			ran++;
			i = 0; /* the set may have changed under us */
			continue;
		}
		i++;
	}
	return ran;
}

static int
next_wait(struct evloop *l, int max_wait_ms)
{
	uint64_t now = evloop_now_ms(), soonest = UINT64_MAX;
	size_t i;
	int wait;

	for (i = 0; i < l->nt; i++)
		if (l->t[i].due_ms < soonest)
			soonest = l->t[i].due_ms;
	if (soonest == UINT64_MAX)
		return max_wait_ms;
	wait = soonest <= now ? 0 : (soonest - now > 60000 ? 60000 : (int)(soonest - now));
	if (max_wait_ms >= 0 && max_wait_ms < wait)
		wait = max_wait_ms;
	return wait;
}

static int
drain_signals(struct evloop *l)
{
	struct signalfd_siginfo si;
	int ran = 0;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		l->sigfn((int)si.ssi_signo, l->sigarg);
		ran++;
	}
	return ran;
}

int
evloop_run_once(struct evloop *l, int max_wait_ms)
{
	size_t i, n = 0;
	int rc, ran;

	if (l->nw + 1 > l->cappfd) {
		ALLOC_GROW(l->pfd, l->nw + 1, l->cappfd);
		l->pgen = xrealloc(l->pgen, l->cappfd * sizeof(*l->pgen));
	}
	for (i = 0; i < l->nw; i++) {
		if (l->w[i].fd < 0)
			continue;
		l->pfd[n].fd = l->w[i].fd;
		l->pfd[n].events = l->w[i].events;
		l->pfd[n].revents = 0;
		l->pgen[n] = l->w[i].gen;
		n++;
	}
	if (l->sigfd >= 0) {
		l->pfd[n].fd = l->sigfd;
		l->pfd[n].events = POLLIN;
		l->pfd[n].revents = 0;
		l->pgen[n] = 0;
		n++;
	}
	rc = poll(l->pfd, n, next_wait(l, max_wait_ms));
	if (rc < 0 && errno != EINTR)
		return err_sys(ERR_FAIL, "poll failed");
	ran = run_timers(l);
	if (rc <= 0)
		return ran;
	for (i = 0; i < n; i++) {
		struct pollfd *p = &l->pfd[i];
		struct watch *w;

		if (p->revents == 0)
			continue;
		if (p->fd == l->sigfd && l->pgen[i] == 0) {
			ran += drain_signals(l);
			continue;
		}
		/* Skip watches removed (or replaced) by an earlier callback. */
		w = find_watch(l, p->fd);
		if (w == NULL || w->gen != l->pgen[i])
			continue;
		w->fn(p->fd, p->revents, w->arg);
		ran++;
	}
	return ran;
}
