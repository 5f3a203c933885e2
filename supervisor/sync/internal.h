/*
 * sync/internal — internals shared by `repocast sync`'s files, not for use
 * outside supervisor/sync/cmd_sync.c and the other files of supervisor/sync/.
 *
 * One struct sync_run holds a run: options, config, scope, token, API
 * client, the sources (one per group, fetched once) and one sync_target
 * per target in scope order. The files split the run along its phases:
 *
 *   cmd_sync.c      options, the run's sequence, the pool callbacks
 *   groups.c        groups in execution order; skipped for a failed dependency
 *   env.c           config, scope, token; API client, preflight, sources
 *   prepare.c       per target: discovery, skip check, plan -> JOB + manifest
 *   skip.c          the skip cache glue (supervisor/sync/skipcache.h)
 *   publish.c       after the workers: pull requests
 *   output.c        progress, dry-run output, summary table, --json, report.json
 *   target.c        a target's record when no worker runs for it
 *
 * Invariants: a target has a final record (has_rec) once its worker
 * finished or it was decided without one (skip = true: failed early or
 * answered by the skip cache); a target's record is owned by the target
 * and released by cmd_sync's release. Everything here runs in the
 * supervisor, single-threaded.
 */
#ifndef REPOCAST_SYNC_INT_H
#define REPOCAST_SYNC_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "supervisor/config/config.h"
#include "supervisor/github/discovery.h"
#include "supervisor/github/app.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/prtext.h"
#include "supervisor/sync/plan.h"
#include "supervisor/pool/pool.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/report.h"
#include "supervisor/signing.h"
#include "supervisor/sync/scope.h"
#include "supervisor/sync/skipcache.h"
#include "supervisor/sync/source.h"
#include "supervisor/sync/job.h"

struct sync_opts {
	const char *config;
	bool dry_run, diff, json, no_progress, no_skip;
	bool ignore_preflight;         /* --ignore-rate-limit-preflight */
	bool keep_branches;            /* --keep-branches: closing a PR keeps its branch */
	bool draft;                    /* --draft: new PRs are drafts */
	bool automerge;                /* --automerge: labels, and GitHub's auto-merge */
	bool status;                   /* `repocast status`: a dry run that prints states */
	int jobs;
	long confirm;
	const char *report_dir, *token_file, *cache_dir;
	unsigned report_formats;       /* --report-format's mask; 0: the config's */
	const char *metrics_file;      /* --metrics-file PATH, or NULL */
	const char *only_failed;       /* --only-failed RUN, or NULL */
	uint64_t processes;            /* --processes; 0: the config's */
	uint64_t max_log;              /* --max-log, when max_log_set */
	bool max_log_set;
	const char **groups, **skip;
	size_t ngroups, nskip;
	const char **filters;          /* the TARGET operands (borrowed from argv) */
	size_t nfilters;
	struct shard shard;            /* --shard; count 0: every target */
	bool shard_own_token;          /* --shard-own-token */
	bool profile;                  /* --profile: workers sample themselves */
};

/* One group's source: mirror fetched once, the commit and its tree. */
/* One per distinct (source repo, branch) in scope: fetched once per run. */
struct sync_source {
	const char *repo;              /* borrowed from the config */
	const char *branch;
	struct source src;
	struct plan_cache *cache;      /* binary/size per blob, once per run */
	char commit[41];
};

/* Does group g read from source s (same repo and branch)? */
static inline bool
sync_source_same(const struct sync_source *s, const struct cfg_group *g)
{
	return strcmp(s->repo, g->source.repo) == 0 && strcmp(s->branch, g->source.branch) == 0;
}

/* Do groups a and b read from the same source (repo and branch)? */
static inline bool
sync_source_same_groups(const struct cfg_group *a, const struct cfg_group *b)
{
	return strcmp(a->source.repo, b->source.repo) == 0 &&
	    strcmp(a->source.branch, b->source.branch) == 0;
}

/* One module directory of a target, resolved (modules.c). */
struct sync_module {
	size_t dir;                    /* index in the target's dirs */
	const struct cfg_dir *d;       /* borrowed from the config */
	char *version;                 /* the chosen tag; NULL: the branch head
	                                * (latest with check_tags: false) */
	char commit[41];               /* the commit its files come from */
	char *module_path;             /* go.mod's module at that commit, or NULL */
	git_tree *tree;                /* the tag's tree (owned); NULL: the branch's */
};

struct sync_target {
	const struct cfg_group *group;
	const struct cfg_target *target;
	struct sync_source *source;
	struct sync_job job;
	struct discovery found;
	struct record rec;             /* final record (the pool's, or made here) */
	bool has_rec;
	bool skip;                     /* no spawn: failed early, or cached */
	bool cached;                   /* skipped: the skip cache matched */
	struct skipcache_state now;    /* source/discovery state of this run */
	char *note;                    /* shown in the summary */
	struct sync_module *mods;      /* its module directories, resolved */
	size_t nmods;
	bool pr_created, pr_updated, pr_closed;
	bool pr_draft;                 /* its open sync PR is a draft */
};

/* A group's state in this run (groups.c). */
enum sync_group_state {
	SYNC_GROUP_PENDING,            /* not run (yet) */
	SYNC_GROUP_DONE,               /* ran; nfailed of its targets failed */
	SYNC_GROUP_SKIPPED,            /* a group it depends on failed or was skipped */
};

/* One in-scope group: its targets are r->t[first .. first+n). */
struct sync_group {
	const struct cfg_group *group;
	size_t first, n;
	enum sync_group_state state;
	size_t nfailed;
};

struct sync_run {
	struct sync_opts o;
	struct cfg *cfg;
	struct cfg_errors errs;        /* the config's errors, when it failed */
	struct strv failed_before;     /* --only-failed: the targets that failed then */
	struct scope scope;
	struct token *token;           /* NULL with a GitHub App */
	struct app *app;               /* GitHub App auth, or NULL (sync_open_api) */
	struct app_opts app_o;         /* when use_app: the App's settings */
	bool use_app;
	char app_from[256];
	struct endpoint ep;            /* api_url and git_url, with their origins */
	struct api *api;
	struct report_run *run;        /* the run record: the API's spans go there */
	char *cache_dir;
	struct sync_source *sources;
	size_t nsources;
	struct sync_target *t;
	size_t nt;
	struct sync_group *groups;     /* in execution order */
	size_t ngroups;
	size_t next, end;              /* the pool hands out r->t[next .. end) */
	size_t failed, nskipped;       /* counted once every target has its record;
	                                * nskipped: skipped for a dependency */
	struct progress prog;
	struct signing sign;           /* how commits are signed (sync, not status) */
	uint64_t t0;
	/* Batched discovery over GraphQL (supervisor/github/discogql.h). */
	char *gql_url;                 /* the GraphQL endpoint next to api_url */
	bool gql_off;                  /* repocast.api.graphql: off, or found unusable */
	long gql_points;               /* GraphQL points spent (rateLimit.cost), summed */
	unsigned gql_queries;          /* queries sent */
	struct sync_pubq *pubq;        /* the running group's pull requests (pubq.c) */
	struct sync_discq *discq;      /* the running group's discovery (discq.c) */
	atomic_bool disc_stop;         /* sync_discq_stop */
};

/* ---- env.c ---- */

/* The API client alone (r->cache_dir set): for commands without workers.
 * With a GitHub App, the App too (every request gets its owner's
 * installation token). */
int sync_open_api(struct sync_run *r);
/*
 * The token a worker or a fetch of repo ("owner/name") uses: the run's
 * token, or with a GitHub App the installation token of repo's owner
 * (minted or refreshed now; borrowed until the next call). 0, or an
 * app_token error.
 */
int sync_repo_token(const char **token, struct sync_run *r, const char *repo);
/* Record in run who this run was on the API (never a secret). */
void sync_report_auth(const struct sync_run *r, struct report_run *run);

/*
 * What the user named: the config, the scope, the token (then scrubbed
 * from the environment). 0, or an error code; a config's errors are in
 * r->errs (err_last() when there are none).
 */
int sync_load(struct sync_run *r);
/*
 * For a command over the targets' pull requests (merge, cancel):
 * sync_load, the cache directory and the API client. EXIT_OK, or the exit
 * code to return, the errors printed.
 */
int sync_open_targets(struct sync_run *r);
/* The config and the endpoints alone (no scope, no token): errors as sync_load. */
int sync_load_config(struct sync_run *r);
/*
 * Cache directory, API client, preflight, every in-scope group's source
 * fetched once. 0, or an error code (err_last() says why).
 */
int sync_env(struct sync_run *r);
/* Has SIGINT or SIGTERM arrived (they stay blocked during a sync)? (env.c) */
bool sync_signal_pending(void);
/* Where run directories go: --report-dir, the config's, the default. */
const char *sync_report_dir(const struct sync_run *r);
/* <git_url>/<owner>/<name>.git for repo (caller frees); git_url is r->ep's. */
char *sync_remote_url(const struct sync_run *r, const char *repo);

/* ---- prepare.c ---- */

/* r->t: one target per scope entry, in scope order, nothing discovered yet. */
void sync_targets_init(struct sync_run *r);
/*
 * Discovery of a group's targets, in three steps that never fail: a
 * target that cannot be discovered or prepared gets a failed record and no
 * worker.
 *
 * sync_discover_pre: what needs no request (module versions against the
 * tags) for r->t[first .. first+n); the indexes of the targets left for
 * the API go to idx (n of room), their count is returned.
 *
 * sync_discover_some: discovery and the skip check of the first targets of
 * idx[0 .. n): one GraphQL query's worth (or one target over REST).
 * Returns how many of them are settled now, 0 < k <= n; fewer only on an
 * interrupt (sync_signal_pending, sync_discq_stopped). Blocks on the API:
 * it is the API client's only user while it runs (discq.c).
 *
 * sync_prepare_one: the plan and the JOB of a discovered target that needs
 * a worker (in the event loop, which owns the source mirrors).
 */
size_t sync_discover_pre(struct sync_run *r, size_t first, size_t n, size_t *idx);
size_t sync_discover_some(struct sync_run *r, const size_t *idx, size_t n);
void sync_prepare_one(struct sync_run *r, struct sync_target *t);

/* ---- modules.c ---- */

/* How many of t's directories sync a module (`module:`, not a delete)? */
size_t sync_modules_count(const struct cfg_target *t);
/*
 * Resolve every module directory of t against its source's tags (the
 * source was opened with its tags when t has any): t->mods. 0;
 * ERR_NOTFOUND when no tag satisfies a version or an exact tag is absent
 * (the target fails with cause "version"); ERR_CONFIG when update_refs
 * finds no go.mod module in the directory at that tag; -1 on a git
 * error. err_last() names the directory and the version.
 */
int sync_modules_resolve(struct sync_target *t);
/*
 * Resolve module directory d against source s (opened with its tags
 * unless d is latest with check_tags: false) into m (zeroed first;
 * release with sync_module_release). Errors as sync_modules_resolve,
 * without the directory in the message.
 */
int sync_module_resolve(struct sync_module *m, struct source *s, const struct cfg_dir *d);
void sync_module_release(struct sync_module *m);
/* The trees to expand t's directories from (plan_expand_at), or NULL
 * when t has no module directory at a tag. Caller frees the array. */
const git_tree **sync_modules_trees(const struct sync_target *t);
/* A digest of the module commits, folded into the skip cache's source
 * tree id so that a new matching tag is a change (hex, 41 bytes). */
void sync_modules_digest(char out[41], const struct sync_target *t, const char *source_tree);
/* t's modules for the PR text (borrowed strings; caller frees the array). */
struct prtext_module *sync_modules_prtext(const struct sync_target *t);
/* t's resolved modules into its record (rec.sync.modules). */
void sync_modules_record(struct sync_target *t);
/* Free t->mods. */
void sync_modules_release(struct sync_target *t);

/* ---- target.c ---- */

/*
 * Give t a record of its own, with no worker: name, outcome, cause (and
 * its value, record.h) and error (CAUSE_NONE and NULL when it did not
 * fail), everything else zero; t->skip set.
 */
void sync_record_none(struct sync_target *t, enum record_outcome outcome, enum record_cause cause,
    int cause_value, const char *error);

/* ---- groups.c ---- */

/* r->groups from r->t (whose groups are contiguous, in execution order). */
void sync_groups_init(struct sync_run *r);
/*
 * Whether sg must be skipped because a group it depends on, in this
 * run, had a failed target or was skipped itself. Then every target of
 * sg is recorded as outcome "skipped", cause "dependency", the error
 * naming that group, and sg's state is SKIPPED. A dependency that is not
 * in this run (disabled, filtered out) counts as met.
 */
bool sync_group_blocked(struct sync_run *r, struct sync_group *sg);
/* sg has run (workers and pull requests): count its failed targets. */
void sync_group_done(struct sync_run *r, struct sync_group *sg);

/* ---- skip.c ---- */

/*
 * Does the skip cache answer for t (after its discovery)? Then t is
 * recorded with the recorded outcome and needs no worker. Also computes
 * t->now, which sync_skip_store records. May make one API call.
 */
bool sync_skip_check(struct sync_run *r, struct sync_target *t);
/* After the pull requests: record t's state for the next run when it ended in one. */
void sync_skip_store(struct sync_run *r, struct sync_target *t);

/* ---- publish.c ---- */

/*
 * Once t's record is final: open or update t's pull request, or close a
 * stale one, per its worker's outcome (nothing in a dry run but a note).
 * A failure turns t's record into failed, cause "pr". Blocks on the API
 * (called from the publisher thread, pubq.c).
 */
void sync_publish(struct sync_run *r, struct sync_target *t);
/*
 * sync --automerge's labels into out (initialised here): env's
 * comma-separated names (GO_BROADCAST_AUTOMERGE_LABELS; blanks trimmed,
 * empty items dropped) when it names any, else the config's
 * repocast.automerge_labels. Returns how many. Pure.
 */
struct strv;
int sync_automerge_labels(struct strv *out, const char *env, const struct cfg *c);
/*
 * The run was interrupted before t's pull requests were written: a
 * pushed t becomes cancelled (its branch is named in the note; the next
 * run opens its PR, `repocast cancel` deletes the branch), any other t
 * keeps its outcome with a note when it had a PR to close. Writes nothing.
 */
void sync_publish_abandon(struct sync_run *r, struct sync_target *t);

/* ---- discq.c ---- */

/*
 * A group's discovery beside its workers: sync_discq_start settles the
 * targets r->t[first .. first+n) in a thread of its own, a query at a
 * time, while the pool runs the targets already settled; the publisher
 * (pubq.c) is held until the discovery is over, so the API client has one
 * user at a time. Without the thread, everything is discovered in
 * sync_discq_start itself, as before.
 */
void sync_discq_start(struct sync_run *r, size_t first, size_t n);
/* Wait until r->t[i] is discovered: true; false when discovery stopped
 * (an interrupt) before it. */
bool sync_discq_wait(struct sync_run *r, size_t i);
/* Stop at the next request (an interrupt). */
void sync_discq_stop(struct sync_run *r);
bool sync_discq_stopped(const struct sync_run *r);
/* Wait for the thread to end (stopping it first when stop) and free it. */
void sync_discq_finish(struct sync_run *r, bool stop);

/* ---- pubq.c ---- */

/*
 * Start a group's publisher (n: how many targets it may be given): a
 * thread that runs sync_publish and sync_skip_store for each target
 * added, in order, while the workers go on. Does not block.
 */
void sync_pubq_start(struct sync_run *r, size_t n);
/* Hand t (its record final) to the publisher; t is its own until
 * sync_pubq_finish returns. Does not block on the API. */
void sync_pubq_add(struct sync_run *r, struct sync_target *t);
/* Interrupted: publish no more (the targets left are abandoned). */
void sync_pubq_stop(struct sync_run *r);
/* Held, the publisher takes nothing (targets queue up) until released;
 * sync_pubq_finish releases it. */
void sync_pubq_hold(struct sync_run *r, bool held);
/* Whether sync_pubq_stop was called or the publisher saw an interrupt. */
bool sync_pubq_stopped(const struct sync_run *r);
/* Targets added and not yet taken by the publisher. */
size_t sync_pubq_waiting(struct sync_run *r);
/* No more targets: wait until every one added is published (or
 * abandoned) and end the publisher. Blocks; a no-op without one. */
void sync_pubq_finish(struct sync_run *r);

/* ---- options (cmd_sync.c) ---- */

/*
 * The option ids sync, status and cancel share (with 'c', 'n' and 'j'): a
 * command's table uses these for them, its own ids start at SYNC_OPT_OWN.
 */
enum {
	SYNC_OPT_GROUPS = 256, SYNC_OPT_SKIP, SYNC_OPT_CONFIRM, SYNC_OPT_JSON, SYNC_OPT_LOGLEVEL,
	SYNC_OPT_TOKENFILE, SYNC_OPT_CACHEDIR, SYNC_OPT_SHARD, SYNC_OPT_NOSKIP, SYNC_OPT_OWN,
};

struct opt_item;
struct opt_spec;
/* A shared option or a TARGET operand into o: 1, 0 when it is not one, ERR_CONFIG. */
int sync_parse_shared(struct sync_opts *o, const struct opt_item *it, int argc);
/*
 * Read argv with the n specs: the shared options by sync_parse_shared, the
 * others by own (0 or ERR_CONFIG; arg its cookie). 1 when --help was asked
 * for, 0, or ERR_CONFIG. o's defaults are the caller's.
 */
int sync_parse_opts(struct sync_opts *o, const struct opt_spec *specs, size_t n, int argc,
    char **argv, int (*own)(struct sync_opts *, const struct opt_item *, void *), void *arg);

/* ---- cmd_status.c ---- */

/* `repocast status`'s options: a dry run with o->status set. */
int sync_status_parse_args(struct sync_opts *o, int argc, char **argv);
/* Print every target's state (table or --json); the exit status. */
int sync_status_print(struct sync_run *r);

/* Commit author: config, else git's environment, else a neutral default. */
void sync_author(const struct cfg *c, const char **name, const char **email);

/* ---- output.c ---- */

/* One progress line on stderr for a finished target (unless --no-progress). */
void sync_progress(struct sync_run *r, const struct sync_target *t);
/* The targets of r->t[first .. first+n) decided without a worker (failed
 * early, answered by the skip cache, skipped for a dependency) count as
 * done in the progress. */
void sync_progress_decided(struct sync_run *r, size_t first, size_t n);
/* With --dry-run: "== owner/name: would push ..." with diffstat and diff. */
void sync_print_dry(const struct sync_target *t);
/* The summary table and the report path (may be NULL) on stdout. */
void sync_summary(struct sync_run *r, const char *report_path);
/* The summary as one JSON document on stdout (--json). */
void sync_print_json(struct sync_run *r, const char *report_path);
/*
 * Write the run's reports into its directory dir: the formats of
 * --report-format or the config (report_write), and --metrics-file. Each
 * record's `skipped` is set from the target's skip-cache state and the
 * run's API figures from the client first. 0, or an error code (err_last).
 */
int sync_write_report(struct sync_run *r, struct report_run *run,
    struct record *recs, const char *dir);

#endif
