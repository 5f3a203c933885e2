/*
 * profile — the worker samples itself (--profile, docs/profile.md).
 *
 * profile_start sets an ITIMER_PROF timer (SIGPROF every period of the
 * process's CPU time, user and system) and a SIGPROF handler that takes a
 * backtrace into a preallocated ring; nothing else happens in the
 * handler: no allocation, no lock, no symbol. profile_drain (called by
 * worker_recv, where the worker waits anyway) and profile_finish move the
 * ring's samples into a table of distinct address stacks; profile_finish
 * stops the timer, names every frame (symtab.h, then dladdr) and sends
 * one PROFILE of folded stacks, root first ("repocast-worker;main;...").
 *
 * backtrace() (glibc, libgcc's DWARF unwinder) and not a frame-pointer
 * walk: Debian's libraries (libc, libgit2, OpenSSL) are built without
 * frame pointers, so a walk would stop, or wander, at their first frame.
 * It is async-signal-safe here once preloaded: its first call dlopens
 * libgcc_s (profile_start makes that call), and since glibc 2.35 and
 * GCC 12 the unwinder finds a pc's unwind tables with _dl_find_object,
 * which takes no lock (so a sample during dlopen of the git plugin cannot
 * deadlock).
 *
 * The kernel checks ITIMER_PROF at its scheduler tick, so a 1 ms period
 * gives one signal a tick (about 300 a CPU second on these machines),
 * not 1000. The handler therefore also reads the process's CPU clock,
 * and a sample counts as many periods as CPU time went by since the one
 * before: a folded count is CPU time in periods (1 ms by default),
 * comparable with perf's samples at -F 1000 in the same graph.
 *
 * When profiling is off none of this runs: no handler, no timer, no ring
 * (worker_recv tests one pointer).
 */
#ifndef REPOCAST_PROFILE_H
#define REPOCAST_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"

struct worker;

/* Frames kept per sample (the leaf end: a deeper stack is cut at its root). */
#define PROFILE_DEPTH 64
/* Samples the ring holds between two drains (at 1 kHz: 8 s of CPU). */
#define PROFILE_RING 8192

struct profile_sample {
	uint32_t depth;
	uint32_t cpu_us;          /* the process's CPU time since the sample before */
	void *pc[PROFILE_DEPTH];  /* leaf first; pc[0] the interrupted one */
};

/*
 * A single-producer single-consumer ring: the producer is the signal
 * handler, the consumer the code it interrupts. head is written by the
 * producer only, tail by the consumer only; a full ring drops the sample
 * (lost). The slots are mmap'ed at init: pages cost memory only once used.
 */
struct profile_ring {
	struct profile_sample *v;
	size_t cap;
	uint64_t head, tail, lost;
};

/* 0, or -1 with err_last set (mmap failed). cap >= 1. */
int profile_ring_init(struct profile_ring *r, size_t cap);
void profile_ring_release(struct profile_ring *r);
/*
 * Async-signal-safe: copy depth frames (at most PROFILE_DEPTH kept) into
 * the next slot. 1 stored, 0 dropped (the ring is full: lost counted).
 */
int profile_ring_push(struct profile_ring *r, void *const *pc, int depth, uint32_t cpu_us);
/* Hand each stored sample to fn, oldest first, and free their slots:
 * the number handed. Not from a signal handler. */
typedef void (*profile_sample_fn)(const struct profile_sample *s, void *arg);
size_t profile_ring_drain(struct profile_ring *r, profile_sample_fn fn, void *arg);

/*
 * Start sampling every period_us microseconds of CPU time: preload the
 * unwinder, map the ring, install the handler, set the timer. 0, or -1
 * with err_last set (nothing left installed).
 */
int profile_start(uint64_t period_us);
/* Whether profile_start succeeded and profile_finish has not run. */
int profile_active(void);
/* Move the ring's samples into the stack table (cheap; no symbols). */
void profile_drain(void);
/*
 * Run mode: what perf recorded of the command (`perf script` text,
 * folded into the same message's stacks) or why it did not (note, e.g.
 * "not available: perf is not on PATH"); either may be NULL.
 */
void profile_add_perf(const char *script, size_t len, const char *note);
/*
 * Stop the timer, name the frames, send PROFILE on w's channel (queued:
 * STATS, sent next, flushes it) and free everything. 0, or -1 with
 * err_last set. A no-op returning 0 when profiling is not active.
 */
int profile_finish(struct worker *w);
/*
 * Name one frame into out: the function from the object's .symtab or
 * dynamic symbols, else "[object base name]", else "[unknown]". pc is
 * the address to look up (a return address minus one).
 */
void profile_symbol(struct buf *out, const void *pc);

#endif
