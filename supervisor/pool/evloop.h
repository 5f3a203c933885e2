/*
 * evloop — the supervisor's one event loop: file descriptors (poll),
 * signals (signalfd) and one-shot timers on the monotonic clock (after
 * redis ae.c).
 *
 * Single-threaded. Callbacks may add and remove watches and timers,
 * including their own; a removed watch is never called again, even later
 * in the same iteration. Signals given to evloop_signals are blocked for
 * the process while the loop lives and arrive as callbacks: no handler runs
 * in signal context. Children spawned with posix_spawn must reset the mask
 * (spawn.c does).
 */
#ifndef REPOCAST_EVLOOP_H
#define REPOCAST_EVLOOP_H

#include <stddef.h>
#include <stdint.h>

struct evloop;

/* revents are poll(2) bits (POLLIN, POLLOUT, POLLHUP, POLLERR). */
typedef void (*evloop_io_fn)(int fd, int revents, void *arg);
typedef void (*evloop_timer_fn)(void *arg);
typedef void (*evloop_signal_fn)(int signo, void *arg);

int evloop_new(struct evloop **out);
/* Restores the signal mask evloop_signals changed; closes the signalfd. */
void evloop_free(struct evloop *l);

/*
 * Watch fd for events (POLLIN and/or POLLOUT); a second call for the same
 * fd replaces events, fn and arg. The caller keeps owning fd and must
 * evloop_unwatch it before closing it.
 */
void evloop_watch(struct evloop *l, int fd, short events, evloop_io_fn fn, void *arg);
/* Stop watching fd; a no-op when fd is not watched. */
void evloop_unwatch(struct evloop *l, int fd);

/* Call fn once, delay_ms from now. Returns a non-zero id for evloop_cancel. */
uint64_t evloop_timer(struct evloop *l, uint64_t delay_ms, evloop_timer_fn fn, void *arg);
/* Cancel a pending timer; a no-op for 0, fired or unknown ids. */
void evloop_cancel(struct evloop *l, uint64_t id);

/*
 * Deliver the n signals in sigs through fn. Blocks them (sigprocmask) and
 * opens a signalfd. Once per loop. -1 with err_last set on failure.
 */
int evloop_signals(struct evloop *l, const int *sigs, size_t n, evloop_signal_fn fn, void *arg);

/*
 * Wait for the next events (at most max_wait_ms; -1 = until something
 * happens) and dispatch them: due timers, then ready fds and signals.
 * Returns the number of callbacks run, or -1 when poll failed.
 */
int evloop_run_once(struct evloop *l, int max_wait_ms);

/* Monotonic milliseconds, the clock timers use. */
uint64_t evloop_now_ms(void);

#endif
