/*
 * run_pool — the pool's callbacks of `repocast run` (pool.h, pool_ops): the
 * next repository, its worker's CRED and JOB, the worker's messages, the
 * command's output and the record at the end (internal.h).
 */

#include <stddef.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/err.h"
#include "shared/log.h"
#include "supervisor/github/appauth.h"
#include "supervisor/github/token.h"
#include "supervisor/pool/pool.h"
#include "supervisor/report/profiles.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/record.h"
#include "supervisor/run/internal.h"
#include "supervisor/run/run_output.h"
#include "supervisor/run/runpr.h"
#include "supervisor/signing.h"

int
run_next(void **task, const char **name, void *arg)
{
	struct run_state *st = arg;
	struct task *t;

	/* (a task done already failed before the pool: run_app_fail_uninstalled) */
	while (st->next < st->list.n && st->tasks[st->next].done)
		st->next++;
	if (st->next >= st->list.n)
		return 0;
	t = &st->tasks[st->next++];
	*task = t;
	*name = t->e->name;
	return 1;
}

int
run_started(struct pool_job *j, void *task, void *arg)
{
	struct run_state *st = arg;
	struct task *t = task;
	const char *cred = NULL, *repo;
	struct msg m;
	int rc;

	progress_started(&st->prog);
	if (pool_job_record(j)->attempts > 1)
		run_output_task_restart(&st->out, &t->out, t->e->name);
	/* With a GitHub App, the installation token of the repository's owner,
	 * fetched now, not when planned: it may have been replaced since, and a
	 * retry gets a fresh one. */
	if (st->app != NULL && (repo = run_app_repo(st, t->e)) != NULL &&
	    is_http(t->e->url) && appauth_repo_token(&cred, st->app, repo) < 0) {
		log_warn("%s: %s", t->e->name, err_last());
		return -1;
	}
	if (st->token != NULL && is_http(t->e->url))
		cred = token_value(st->token);
	if (cred != NULL) {
		/* The token travels only here: never in argv or a worker's env. */
		msg_init(&m, MSG_CRED);
		m.u.cred.token = (char *)cred;
		if (pool_send(j, &m) < 0)
			return -1;
	}
	msg_init(&m, MSG_JOB);
	m.u.job.mode = JOB_RUN;
	m.u.job.target = (char *)t->e->name;
	m.u.job.remote_url = t->e->url;
	m.u.job.base_branch = t->e->branch;
	m.u.job.cache_dir = st->o->cache_dir;
	m.u.job.argv.v = st->o->argv;
	m.u.job.argv.n = (size_t)st->o->argc;
	m.u.job.cpu_seconds = st->o->cpu_seconds;
	m.u.job.open_files = st->o->open_files;
	m.u.job.max_frame = FRAME_MAX_DEFAULT;
	m.u.job.profile_us = st->o->profile ? PROFILES_PERIOD_US : 0;
	m.u.job.perf = st->perf;
	if (!st->o->no_pr) {
		/* commit and push what the command changed (worker/git/commit.h) */
		m.u.job.sync_branch = st->o->pr.branch;
		m.u.job.author_name = (char *)RUNPR_AUTHOR_NAME;
		m.u.job.author_email = (char *)RUNPR_AUTHOR_EMAIL;
		m.u.job.commit_message = st->commit_message;
		m.u.job.dry_run = st->o->pr.diff;
		m.u.job.want_diff = st->o->pr.diff;
		if (!st->o->pr.diff)
			signing_borrow(&st->sign, &m.u.job);
		/* commit.via: api: the worker leaves the commit in the mirror and
		 * run_pr_publish_all makes it through the API */
		m.u.job.commit_api = run_commit_api(st);
	}
	rc = pool_send(j, &m);
	return rc;
}

int
run_message(struct pool_job *j, void *task, const struct msg *m, void *arg)
{
	(void)task;
	(void)arg;
	switch (m->type) {
	case MSG_PHASE:
	case MSG_RESULT:
	case MSG_ERROR:
		return 0;
	case MSG_LOG:
		log_debug("%s: %s", pool_job_name(j), m->u.log.text);
		return 0;
	default:
		return err_set(ERR_PROTO, "a run job does not send %s", msg_type_name(m->type));
	}
}

void
run_finished(struct pool_job *j, void *task, struct record *final, void *arg)
{
	struct run_state *st = arg;
	struct task *t = task;

	(void)j;
	record_move(&t->rec, final);
	t->done = true;
	st->ndone++;
	if (record_failed(&t->rec))
		st->nfailed++;
	/* The line first: the status line is drawn after it, with this one counted. */
	run_output_finished(&st->out, &t->out, &t->rec);
	progress_finished(&st->prog, record_failed(&t->rec));
}

void
run_data(struct pool_job *j, void *task, const char *data, size_t n, void *arg)
{
	struct run_state *st = arg;
	struct task *t = task;

	(void)j;
	run_output_data(&st->out, &t->out, t->e->name, data, n);
}
