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

/*
 * What became of a target. A string only in a report or a message
 * (record_outcome_name); the worker's RESULT names its outcome on the
 * wire and record_outcome_parse reads it.
 */
enum record_outcome {
	OUTCOME_NONE,            /* not decided (null in a report) */
	OUTCOME_OK,              /* "ok": a worker's result that named none */
	OUTCOME_RAN,             /* "ran": run, the command succeeded */
	OUTCOME_PUSHED,          /* "pushed": sync, the branch was pushed */
	OUTCOME_UP_TO_DATE,      /* "up_to_date": the target has the files */
	OUTCOME_PENDING_CURRENT, /* "pending_current": its open PR has them */
	OUTCOME_DRY_RUN,         /* "dry_run": sync --dry-run */
	OUTCOME_SKIPPED,         /* "skipped": a dependency failed */
	OUTCOME_FAILED,          /* "failed" */
	OUTCOME_TIMED_OUT,       /* "timed_out" */
	OUTCOME_CANCELLED,       /* "cancelled" */
	OUTCOME_UNCHANGED,       /* "unchanged": run, the command changed nothing (the
				    last outcome: counts are sized by it) */
};

/*
 * Why a target failed, with cause_value where one is needed. A string
 * only in a report or a log line (record_cause_name).
 */
enum record_cause {
	CAUSE_NONE,              /* not failed */
	CAUSE_EXIT,              /* "exit:N", cause_value N */
	CAUSE_SIGNAL,            /* "signal:NAME", cause_value the signal */
	CAUSE_TIMEOUT,           /* "timeout": no result in time */
	CAUSE_PROTOCOL,          /* "protocol": the worker broke the protocol */
	CAUSE_SPAWN,             /* "spawn": the worker could not be started */
	CAUSE_MEMORY,            /* "memory": out of memory under the limit */
	CAUSE_CANCELLED,         /* "cancelled": the run was interrupted */
	CAUSE_DEPENDENCY,        /* "dependency": a group it depends on failed */
	CAUSE_PLUGIN,            /* "plugin": the worker's git plugin did not load */
	CAUSE_PR,                /* "pr": the pull request could not be written */
	CAUSE_PIDS,              /* "pids": more processes than the limit */
	CAUSE_HOSTILE_TREE,      /* "hostile_tree": the target's base tree holds a
	                          * .git, '..' or other name git refuses (worker) */
	CAUSE_HOSTILE_SYMLINK,   /* "hostile_symlink": a synced symlink points outside
	                          * the repository (symlinks: refuse) */
	CAUSE_TOO_LARGE,         /* "too_large": a file over repocast.max_file_size */
	CAUSE_VERSION,           /* "version": no tag satisfies a module's version */
	CAUSE_SIGNING,           /* "signing": the commit could not be signed
	                          * (worker; docs/signing.md): nothing pushed */
	CAUSE_API_COMMIT_LIMIT,  /* "api_commit_limit": a commit through the API
	                          * (repocast.commit.via: api) would create more
	                          * blobs or bytes than commit.api_max_blobs /
	                          * api_max_bytes allow; nothing written */
	CAUSE_ERROR,             /* an error code, cause_value ERR_*: err_name */
};

/* What a sync did to a target's pull request (record_pr_name). */
enum record_pr {
	PR_NONE,                 /* none touched: null in a report */
	PR_OPENED,               /* "opened" */
	PR_UPDATED,              /* "updated": title or body changed */
	PR_CURRENT,              /* "current": the open PR already had it all */
	PR_CLOSED,               /* "closed": stale, the target is up to date */
};

/* How a sync's commit reached the target (record_commit_name). */
enum record_commit {
	COMMIT_NONE,             /* nothing committed: null in a report */
	COMMIT_PUSH,             /* "push": git push by the worker */
	COMMIT_API,              /* "api": the Git Data API, by the supervisor */
};

/*
 * What measured and enforced a target's whole-job limits (memory,
 * processes; docs/run.md): a record_limit_name in a report.
 */
enum record_limit {
	LIMIT_NONE,              /* no such limit: null */
	LIMIT_CGROUP,            /* "cgroup": a delegated cgroup v2 (memory.max, pids.max) */
	LIMIT_WATCHDOG,          /* "watchdog": the supervisor's sampling of the process group */
	LIMIT_RLIMIT,            /* "rlimit": setrlimit in the worker (cpu_seconds, open_files) */
};

/* A cause's longest name ("signal:" and a number, "exit:" and one). */
#define RECORD_CAUSE_MAX 32

/* Times in microseconds unless named. */
/* A module directory a sync target synced at a version (docs/modules.md). */
struct record_module {
	char *src, *dest;         /* the directory mapping */
	char *spec;               /* module.version as written */
	char *version;            /* the tag chosen; NULL: the branch head */
	char *commit;             /* the commit its files came from */
	char *module;             /* go.mod's module path, or NULL */
};

struct record {
	char *name;               /* owner/repo or the repo list entry */
	enum record_outcome outcome;
	enum record_cause cause;  /* CAUSE_NONE when ok */
	int cause_value;          /* CAUSE_EXIT, CAUSE_SIGNAL, CAUSE_ERROR: see above */
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
	struct msg_result result; /* the worker's RESULT (zeroed when none) */
	bool has_result;
	char *log_path;           /* targets/<owner>__<repo>.log */
	/* Added by the process core: */
	int exit_code;            /* the worker's exit status; -1 when it did not exit */
	int term_signal;          /* the signal that ended the worker; 0 when none */
	bool command_failed;      /* cause names the command's end, not the worker's */
	/* The whole job's limits as enforced (zero when none was set): */
	enum record_limit limit;  /* what measured and enforced memory and processes */
	uint64_t job_memory_peak; /* bytes, the job's processes together, as it measured */
	uint64_t job_tasks_peak;  /* processes and threads at once, as it measured */
	uint64_t log_dropped;     /* bytes of output left out of the capped log */
	/* `repocast sync` sets these, and a run that opens pull requests
	 * (pr_url, pr; zero in a run with --no-pr): */
	struct {
		char *group;      /* the target's group id (--shard merges check
		                   * depends_on across shards with it); NULL in
		                   * a report written before it was kept */
		char *pr_url;     /* the pull request, once written */
		char *note;       /* what else happened to its PRs (superseded
				     ones closed, a branch left alone), or NULL */
		enum record_pr pr; /* what became of it */
		enum record_commit commit_via; /* how its commit got there */
		bool skipped;     /* the skip cache answered; no worker ran */
		struct record_module *modules; /* its module directories */
		size_t nmodules;
	} sync;
	/* --profile (docs/profile.md): what the worker's PROFILE messages
	 * said, every attempt's together; the stacks themselves are in
	 * targets/<base>.folded (the pool writes them). */
	struct {
		uint64_t samples, lost;
		bool folded;      /* targets/<base>.folded was written */
		char *perf;       /* run: "recorded" or why perf did not record; or NULL */
	} profile;
};

/* "pushed" for OUTCOME_PUSHED, ...; NULL for OUTCOME_NONE. */
const char *record_outcome_name(enum record_outcome o);
/* Append phase name of ms to rec's phases (the supervisor's own, after the
 * worker's: a commit through the API). */
void record_phase_add(struct record *rec, const char *name, uint64_t ms);
/* "push" for COMMIT_PUSH, "api" for COMMIT_API; NULL for COMMIT_NONE. */
const char *record_commit_name(enum record_commit c);
/* "cgroup" for LIMIT_CGROUP, ...; NULL for LIMIT_NONE. */
const char *record_limit_name(enum record_limit l);
/* The mechanism named s: 0, or ERR_NOTFOUND. */
int record_limit_parse(enum record_limit *out, const char *s);
/* "opened" for PR_OPENED, ...; NULL for PR_NONE. */
const char *record_pr_name(enum record_pr pr);
/* The outcome named s: 0, or ERR_NOTFOUND for a name that is none. */
int record_outcome_parse(enum record_outcome *out, const char *s);
/* rec's cause as a report writes it ("exit:3", "signal:KILL", "auth"),
 * in buf of RECORD_CAUSE_MAX bytes; NULL when rec did not fail. */
const char *record_cause_name(char buf[RECORD_CAUSE_MAX], const struct record *rec);
/* Set rec's cause and value, and its error text unless error is NULL. */
void record_set_cause(struct record *rec, enum record_cause cause, int value, const char *error);
/*
 * The cause a worker's ERROR names (its code: err_name of an error code,
 * or a cause of its own such as "plugin"), with its text. A code that
 * names nothing known becomes CAUSE_ERROR with ERR_FAIL ("error").
 */
void record_set_worker_error(struct record *rec, const char *code, const char *text);
/* Did rec fail (a cause is set)? */
static inline bool
record_failed(const struct record *rec)
{
	return rec->cause != CAUSE_NONE;
}
/* Would another attempt likely do better? A timeout, a network error
 * (a worker's ERROR) and a worker killed by a signal; never the
 * command's own failure in a run. */
bool record_cause_transient(const struct record *rec);

/* Clear the per-attempt fields (keeps name, attempts, log path, sync). */
void record_reset(struct record *rec);
/* Free a record's phases. */
void record_phases_release(struct record *rec);
/* Free what a record owns (not the struct); rec becomes zeroed. Accepts NULL. */
void record_release(struct record *rec);
/* Append one module (the strings are copied; version may be NULL). */
void record_add_module(struct record *rec, const struct record_module *m);
/* Deep copy of src into dst (overwritten, not released first). */
void record_copy(struct record *dst, const struct record *src);
/* dst takes what src owns (dst overwritten); src becomes zeroed. */
void record_move(struct record *dst, struct record *src);
/*
 * "owner/name" -> "owner__name", any other byte outside [A-Za-z0-9._-]
 * -> '_', "." and ".." get a '_' appended: the base name of a target's
 * file in the run directory (targets/<base>.log). Caller frees.
 */
char *record_file_name(const char *name);

#endif
