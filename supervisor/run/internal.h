/*
 * internal — the state of one `repocast run`, shared by the files of the
 * command: cmd_run.c (the command, its steps in order), run_select.c (the
 * endpoint, the token and the repositories), run_app.c (a GitHub App's
 * installations), run_pool.c (the pool's callbacks) and run_publish.c (the
 * pull requests, after the workers). Private: nothing outside
 * supervisor/run/ includes this.
 *
 * st->tasks[k] is the task of st->list.v[k]; a task is done once, by its
 * worker's end (run_finished) or before any worker (run_app_fail_uninstalled),
 * and counted in ndone, and in nfailed when it failed.
 */
#ifndef REPOCAST_RUN_INTERNAL_H
#define REPOCAST_RUN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "proto/msg.h"
#include "supervisor/config/config.h"
#include "supervisor/github/api.h"
#include "supervisor/github/appauth.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/token.h"
#include "supervisor/pool/pool.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"
#include "supervisor/run/cmd_run_opts.h"
#include "supervisor/run/repolist.h"
#include "supervisor/run/run_output.h"
#include "supervisor/run/runcfg.h"
#include "supervisor/signing.h"

struct task {
	const struct repolist_entry *e;
	struct record rec;
	struct run_output_task out;
	bool done;
};

struct run_state {
	struct run_opts *o;
	struct repolist list;
	struct task *tasks;
	size_t next, ndone, nfailed;
	struct token *token;    /* NULL: none configured, or a GitHub App */
	struct app *app;        /* a GitHub App authenticates the run (appauth.h), or NULL */
	struct app_opts app_o;  /* its settings, when use_app */
	bool use_app;
	char app_from[256];
	struct endpoint *ep;
	struct runcfg cfg;      /* -c CONFIG (zeroed without one) */
	struct api *api;        /* the pull requests' (NULL with --no-pr, --diff) */
	char *commit_message;   /* the run's commits (NULL with --no-pr) */
	struct signing sign;    /* how they are signed (docs/signing.md) */
	char *run_dir;
	struct progress prog;
	struct run_output out;
	char *perf, *perf_why;  /* --profile: perf's path, or why it cannot record */
};

/* Does the run commit through the API (-c CONFIG with commit.via: api)? */
static inline bool
run_commit_api(const struct run_state *st)
{
	return st->cfg.cfg != NULL && st->cfg.cfg->rc.commit_via_api;
}

/* An http(s):// URL: the token goes with its fetch and push. */
static inline bool
is_http(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* ---- run_select.c ---- */

/*
 * Where the API and git server are (into ep), a GitHub App or the token,
 * and the repositories into st->list and run->selection. 0, or an error
 * code with err_last: ERR_CONFIG or ERR_NOTFOUND for the user's input,
 * another for the environment's. Blocks on the API.
 */
int run_select(struct run_state *st, struct report_run *run, struct endpoint *ep);

/* ---- run_app.c ---- */

/* e's owner/name when a GitHub App's installation covers it, or NULL
 * (borrowed from e). */
const char *run_app_repo(const struct run_state *st, const struct repolist_entry *e);
/* With a GitHub App, each owner's installation, asked once before anything
 * runs: 0, or an error code (the run stops: the environment's). Blocks. */
int run_app_installations(struct run_state *st);
/* With a GitHub App, the repositories of an owner without it are done now,
 * failed with cause error (ERR_AUTH), before the pool starts. */
void run_app_fail_uninstalled(struct run_state *st);

/* ---- run_pool.c: a run's pool_ops (pool.h); arg is the run_state ---- */

/* The next task not done yet: 1 with *task and *name, 0 when none is left. */
int run_next(void **task, const char **name, void *arg);
/* Queue the job's CRED (when it has a token) and JOB: 0, or -1 to fail it. */
int run_started(struct pool_job *j, void *task, void *arg);
/* A worker's message: 0, or ERR_PROTO for one a run job does not send. */
int run_message(struct pool_job *j, void *task, const struct msg *m, void *arg);
/* The task is over: its final record moved into it, counted, its line printed. */
void run_finished(struct pool_job *j, void *task, struct record *final, void *arg);
/* The command's output, as the pool writes it to the log: to stdout's lines. */
void run_data(struct pool_job *j, void *task, const char *data, size_t n, void *arg);

/* ---- run_publish.c: the pull requests ---- */

/*
 * Before anything runs: every repository one the API can open a PR in,
 * the commit message, and unless --diff the signing, the token and
 * st->api. 0, or an error code (ERR_CONFIG: the user's). Blocks.
 */
int run_pr_prepare(struct run_state *st);
/* After the workers: the commits made through the API (commit.via: api),
 * each pushed repository's PR opened or updated, a stale one closed; a
 * failure fails that repository alone. Blocks on the API. */
void run_pr_publish_all(struct run_state *st);
/* --diff: every repository's diffstat and diff on stdout. */
void run_pr_print_diffs(const struct run_state *st);

#endif
