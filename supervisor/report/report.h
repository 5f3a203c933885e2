/*
 * report — the run directory and report.json (DESIGN §7; schema in
 * docs/report-schema.md). Used by `run` and `sync` alike.
 *
 * A run directory is <report-dir>/<run-id>/ with targets/ for the worker
 * logs; run ids are "YYYYMMDDTHHMMSSZ-<pid>" (UTC), so they sort by time.
 * report.json is written atomically (temp file, fsync, rename): a reader
 * never sees half a report, and a partial report (an interrupted run) is a
 * complete document with run.interrupted set.
 */
#ifndef REPOCAST_REPORT_H
#define REPOCAST_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"
#include "shared/rusage.h"
#include "shared/strv.h"
#include "supervisor/report/record.h"

#define REPORT_SCHEMA 1

/* A span on the supervisor's own track (trace.json): a request, a wait. */
struct report_span {
	char *name;               /* "GET /repos/acme/api/pulls", the wait's reason; owned */
	const char *cat;          /* "api" or "wait" (static) */
	long status;              /* the answer's HTTP status; 0 for a wait or none */
	uint64_t start_us, dur_us; /* wall clock, microseconds since the epoch */
};

/* A group of a sync's config and the ids of the groups it depends on
 * (run.groups): what `report merge` checks dependencies across shards by. */
struct report_group_deps {
	char *id;
	struct strv depends_on;
};

/* A group that ran targets in one shard while a group it depends on had
 * failed targets in another (`report merge`, docs/scale-out.md). */
struct report_cross_dep {
	char *group, *dependency;        /* group ids */
	uint64_t dependency_failed;      /* the dependency's failed targets, all shards */
	struct strv ran;                 /* the group's targets that ran all the same */
};

/* A run field the merged reports do not agree on (`report merge`): the
 * merged run has it null, and this says what each report had. */
struct report_disagreement {
	char *field;                     /* "auth", "signing", "commit_via" */
	struct strv runs;                /* each merged report's run id */
	struct strv values;              /* its value, as text ("none": null) */
};

/* What `report merge` found joining shards (run.merge). */
struct report_merge {
	unsigned shards;                 /* N of the shards' --shard K/N; 0: none sharded */
	unsigned *missing;               /* shard indexes without a report, ascending */
	size_t nmissing;
	struct report_cross_dep *cross;
	size_t ncross;
	struct report_disagreement *differ;
	size_t ndiffer;
};

/* The run record. Strings are owned (report_run_release frees them). */
/* One repository a `run` considered (run.selection.repos[] of report.json). */
struct report_pick {
	char *name;               /* owner/name or the repos file entry's name */
	char *source;             /* "repos:FILE", "org:acme", "user:bob", "search:Q" */
	char *skipped;            /* why it was left out, NULL when it ran */
};

/* How a `run` chose its repositories (run.selection; null when absent). */
struct report_selection {
	bool present;
	struct strv sources;      /* "repos:FILE", "org:acme", ... as given */
	struct strv topics;
	bool include_archived, include_forks;
	struct report_pick *v;
	size_t n, cap;
};

/* Append one pick (strings copied; skipped may be NULL). */
void report_selection_add(struct report_selection *s, const char *name, const char *source,
    const char *skipped);
void report_selection_release(struct report_selection *s);

struct report_run {
	char *id;
	char *command;            /* "run", "sync" */
	char **argv;              /* run: the command; NULL-terminated, may be NULL */
	char *host, *kernel;
	char *config_digest;      /* NULL when there is no config */
	char *v_repocast, *v_libgit2, *v_libcurl, *v_msgpack, *v_jansson, *v_libyaml;
	uint64_t start_us, end_us;
	int jobs;
	uint64_t timeout_ms;
	int retries;
	bool interrupted;
	int exit_code;
	uint64_t orphans_reaped;
	/* How the run's commits reach their targets (repocast.commit.via);
	 * COMMIT_NONE when it commits nothing (a dry run, run --no-pr). */
	enum record_commit commit_via;
	/* The limits every target ran under (0 = none) and what enforced
	 * memory and processes (LIMIT_NONE when neither was set). */
	struct {
		uint64_t memory, processes, cpu_seconds, open_files, max_log;
		enum record_limit mechanism;
	} limits;
	/* How the run signed its commits (docs/signing.md); method NULL: it
	 * signed none. Names a key, never holds one. */
	struct {
		char *method;     /* "ssh", "openpgp", "x509" */
		char *key;        /* a key file's path, "key::<type>", or a key id */
		char *fingerprint; /* ssh: "SHA256:..." when readable; else NULL */
		char *from;       /* "repocast.commit" or "git config" */
	} signing;
	struct rusage_sample self;       /* supervisor: RUSAGE_SELF at the end */
	struct rusage_sample children;   /* RUSAGE_CHILDREN at the end */
	/* The supervisor's API use (zero when the command used none). */
	uint64_t api_requests, api_not_modified, api_rate_limited, api_waited_ms;
	struct report_selection selection;  /* run: the repositories chosen */
	struct report_span *spans;       /* in time order; owned */
	size_t nspans, spans_cap;
	unsigned shard_index, shard_count; /* --shard K/N; count 0: not sharded */
	struct report_group_deps *groups; /* sync: every group of the config; owned */
	size_t ngroups;
	struct report_merge *merge;      /* a merged run's findings; NULL otherwise; owned */
	/* Who the run was on the API (never a secret); auth_kind NULL: unknown. */
	char *auth_kind;                 /* "token" or "app" */
	char *auth_source;               /* where the token or the App's settings came from */
	char *auth_app_id;               /* app: the App's id */
	struct report_installation *installations; /* app: per owner asked about */
	size_t ninstallations;
};

struct report_installation {
	char *owner;
	uint64_t id;                     /* 0: the App is not installed there */
	unsigned tokens;                 /* installation tokens minted in the run */
};

/* Set the run's identity (strings copied; app_id NULL for a token). */
void report_run_set_auth(struct report_run *r, const char *kind, const char *source,
    const char *app_id);
/* Append one owner's installation (app auth). */
void report_run_add_installation(struct report_run *r, const char *owner, uint64_t id,
    unsigned tokens);

/* Fill id (for now), start time, host, kernel and library versions. */
void report_run_init(struct report_run *r, const char *command);
/* Record end time and the supervisor's own rusage. */
void report_run_end(struct report_run *r);
void report_run_release(struct report_run *r);
/* Append a span (name copied) to the supervisor's track. */
void report_run_add_span(struct report_run *r, const char *cat, const char *name, long status,
    uint64_t start_us, uint64_t dur_us);

/* Free m and what it owns. Accepts NULL. */
void report_merge_free(struct report_merge *m);

/* Append group id (copied) and its dependencies (copied) to run.groups. */
void report_run_add_group(struct report_run *r, const char *id, const struct strv *depends_on);

/* "20261122T003000Z-1234" for the given wall time (us) and pid. Caller frees. */
char *report_run_id(uint64_t wall_us, long pid);

/*
 * Create <report_dir>/<run_id>/targets (parents too). *dir receives the
 * run directory (caller frees). -1 with err_last set.
 */
int report_make_dir(char **dir, const char *report_dir, const char *run_id);

/* Nearest-rank percentile (p in 0..100) of n values (sorted in place). */
uint64_t report_percentile(uint64_t *v, size_t n, unsigned p);

/* A number member of a report.json object and where it is in a struct. */
struct report_field {
	const char *key;
	size_t off;               /* of a uint64_t */
};

/* A record's grouped numbers ("rusage", "io", "channel"), in the order
 * report.json writes them: the writer and the reader (read_target.c) share
 * them. */
struct report_group {
	const char *key;
	const struct report_field *fields;
	size_t n;
};
extern const struct report_group report_record_groups[];
extern const size_t report_nrecord_groups;

/* Append the report.json document for run and its n records to out. */
void report_json(struct buf *out, const struct report_run *run,
    const struct record *recs, size_t n);

/*
 * The formats a run writes, each a file of the run directory; every one
 * by default, fewer with report.formats or --report-format.
 */
enum report_format {
	REPORT_JSON,              /* "json": report.json */
	REPORT_MD,                /* "md": report.md */
	REPORT_HTML,              /* "html": report.html */
	REPORT_JUNIT,             /* "junit": junit.xml */
	REPORT_TRACE,             /* "trace": trace.json */
	REPORT_PROM,              /* "prom": metrics.prom */
	REPORT_NFORMATS
};
#define REPORT_ALL ((1u << REPORT_NFORMATS) - 1)

/* "md" -> REPORT_MD: 0, or ERR_NOTFOUND. */
int report_format_parse(enum report_format *out, const char *name);
/* The format's name ("md") and its file in the run directory ("report.md"). */
const char *report_format_name(enum report_format f);
const char *report_format_file(enum report_format f);

/* What every format is made from. */
struct report_in {
	const struct report_run *run;
	const struct record *recs;
	size_t n;
	const char *dir;          /* the run directory (targets' logs); may be NULL */
};

/* Each format, appended to out (supervisor/report/<format>.c). */
void report_markdown(struct buf *out, const struct report_in *in);
void report_html(struct buf *out, const struct report_in *in);
void report_junit(struct buf *out, const struct report_in *in);
void report_trace(struct buf *out, const struct report_in *in);
void report_prom(struct buf *out, const struct report_in *in);

/*
 * The formats named by a comma-separated list ("md,html"; --report-format)
 * or by the config's report.formats, as a mask. report.json is always in
 * it: it is the run's record, which the others are made from and which
 * `report show|diff|merge` and --only-failed read. 0, or ERR_CONFIG with
 * err_last naming the unknown format.
 */
int report_formats_parse(unsigned *mask, const char *list);
int report_formats_from(unsigned *mask, const struct strv *names);

/* Write one format to path atomically (temp file, fsync, rename). */
int report_write_format(const struct report_in *in, enum report_format f, const char *path);
/*
 * Write the formats of the mask into in->dir, each atomically: whole or
 * absent. 0, or the first failure's code with err_last naming the file
 * (the other formats are still written).
 */
int report_write(const struct report_in *in, unsigned formats);

/*
 * A new JSON string for s (jansson reference, caller owns it): null for
 * NULL; each invalid UTF-8 sequence becomes U+FFFD (shared/utf8.h) rather
 * than losing the document, and valid text around it stays.
 */
struct json_t *report_json_string(const char *s);

/* kib as "812 KiB", "8.3 MiB" or "1.25 GiB" into b (n bytes); returns b. */
const char *report_fmt_kib(char *b, size_t n, uint64_t kib);

#endif
