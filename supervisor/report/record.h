/*
 * record — the per-target record the reports are made of (DESIGN §7): one
 * per target of a sync or a run, filled by the process core (rusage,
 * /proc io, channel bytes, cause) and by the command (outcome without a
 * worker, PR URL, skip-cache answer), read by every report format.
 *
 * This module is the record's one owner: reset between attempts, copy and
 * release are here and nowhere else, and the string fields are listed
 * once (record.c), so a new one is copied and freed with it. The worker's
 * RESULT inside it is copied and released by proto (msg_result_copy,
 * derived from the schema).
 */
#ifndef REPOCAST_RECORD_H
#define REPOCAST_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/msg.h"

/* Times in microseconds unless named. */
struct record {
	char *name;               /* owner/repo or the repo list entry */
	char *outcome;            /* from RESULT, or "failed" / "timed_out" / "cancelled" */
	char *cause;              /* NULL when ok; "exit:N", "signal:NAME", "timeout", "protocol",
				     "spawn", "memory", or an ERROR code from the worker */
	char *error;              /* human text of the failure, or NULL */
	int attempts;
	pid_t pid;
	uint64_t start_us, end_us; /* wall clock, microseconds since the epoch */
	uint64_t wall_us, utime_us, stime_us;
	uint64_t maxrss_kib, vm_hwm_kib;
	uint64_t minflt, majflt, nvcsw, nivcsw, inblock, oublock;
	uint64_t rchar, wchar, read_bytes, write_bytes;
	uint64_t bytes_to_worker, bytes_from_worker, msgs_to_worker, msgs_from_worker;
	struct msg_kv *phases;    /* phase name -> ms (decimal string) */
	size_t nphases;
	struct msg_result result; /* copy of the worker's RESULT (zeroed when none) */
	bool has_result;
	char *pr_url;             /* set by the caller after PR creation */
	bool skipped;             /* sync: the skip cache answered; no worker ran */
	char *log_path;           /* targets/<owner>__<repo>.log */
	/* Added by the process core: */
	int exit_code;            /* the worker's exit status; -1 when it did not exit */
	int term_signal;          /* the signal that ended the worker; 0 when none */
	bool command_failed;      /* run mode: cause names the command's end, not the worker's */
};

/* Clear the per-attempt fields (keeps name, attempts, log path, pr_url). */
void record_reset(struct record *rec);
/* Free a record's phases. */
void record_phases_release(struct record *rec);
/* Free what a record owns (not the struct); rec becomes zeroed. Accepts NULL. */
void record_release(struct record *rec);
/* Deep copy of src into dst (overwritten, not released first). */
void record_copy(struct record *dst, const struct record *src);
/*
 * "owner/name" -> "owner__name", any other byte outside [A-Za-z0-9._-]
 * -> '_', "." and ".." get a '_' appended: the base name of a target's
 * file in the run directory (targets/<base>.log). Caller frees.
 */
char *record_file_name(const char *name);

#endif
