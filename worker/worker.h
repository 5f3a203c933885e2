/*
 * worker — the state of one repocast-worker process and its channel.
 *
 * fd 3 carries supervisor -> worker frames, fd 4 worker -> supervisor
 * (DESIGN §1). The worker is single-threaded and blocking: it reads the
 * next message when it needs one, so these calls block. Sends flush at
 * once, except PHASE and worker_queue's messages, which wait for the next
 * flush: the next send, the next receive (nothing waits for an answer with
 * frames still queued) or STATS at exit. Each flush wakes the supervisor,
 * so a no-op worker writes twice (READY; PHASE+RESULT+STATS), not four
 * times. A CANCEL received by worker_recv makes it return ERR_TIMEOUT
 * with w->cancelled set; job code then unwinds and exits.
 */
#ifndef REPOCAST_WORKER_H
#define REPOCAST_WORKER_H

#include <stdint.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "worker/sign.h"

struct plugin_ops;

#define WORKER_FD_IN 3
#define WORKER_FD_OUT 4

struct worker {
	struct frame_reader in;
	struct frame_writer out;
	uint64_t next_id;
	char *token;            /* from CRED; wiped at exit; may be NULL */
	struct msg job;         /* the JOB message (type MSG_JOB) */
	int cancelled;
	uint64_t t_start_ms;
	struct msg_kv phases[16];  /* phase name -> ms, reported in STATS */
	size_t nphases;
	/* The git plugin (plugin.h): set by main before a job that needs a
	 * repository (sync, run with a remote); NULL for the others. */
	const struct plugin_ops *git;
	/* The commit signer (sign.h): readied by main before the sandbox. */
	struct sign sign;
	/* A failure's own cause the plugin names ("signing"), or NULL. */
	const char *cause;
	/* --profile: the sampling profiler runs (profile.h). */
	int profiling;
};

/* Encode, queue and flush one message, and what was queued before (blocking). */
int worker_send(struct worker *w, struct msg *m);
/* Encode and queue one message; the next flush sends it. For a message
 * that is followed at once by another send (RESULT before STATS). */
int worker_queue(struct worker *w, struct msg *m);
/* Flush what is queued, then read and decode the next message into m
 * (blocking); 1 msg, 0 EOF, <0 error. */
int worker_recv(struct worker *w, struct msg *m);
/* Record a phase time (also queued as PHASE{name, ms}). */
void worker_phase(struct worker *w, const char *name, uint64_t ms);
/* Send LOG{level, text}. */
void worker_log(struct worker *w, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Send ERROR{code, text} with err_name(code) and err_last(). */
void worker_error(struct worker *w, int code);
/* Same with a cause of its own (e.g. "plugin") instead of err_name(code). */
void worker_error_cause(struct worker *w, const char *cause);

/*
 * Jobs. Each runs after HELLO/READY, JOB and the optional CRED, sends its
 * RESULT (or ERROR) and returns 0, or a negative ERR_* code; main then sends
 * STATS and exits (0 ok, 1 job failed).
 */
int apply_job(struct worker *w);  /* worker/git/apply.c, in the git plugin */
int run_job(struct worker *w);   /* worker/run.c; w->git for a remote */

#endif
