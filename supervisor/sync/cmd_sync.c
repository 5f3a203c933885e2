/*
 * cmd_sync — `repocast sync`: config -> scope -> source mirror -> plan ->
 * discovery -> one worker per target -> pull requests -> report
 * (DESIGN §1, §3, §6). See docs/sync.md. This file holds the options,
 * the run's sequence and the pool callbacks; the phases live in
 * the other files of supervisor/sync/ (internal.h).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "supervisor/config/config.h"
#include "supervisor/github/api.h"
#include "supervisor/pool/logcap.h"
#include "supervisor/report/profiles.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/shard.h"
#include "supervisor/sync/internal.h"
#include "supervisor/github/token.h"

const char cmd_sync_usage[] =
    "usage: repocast sync [options] [TARGET...]\n"
    "\n"
    "Sync files from each group's source repository to its targets: one\n"
    "worker per target, a sync branch and one pull request per changed target.\n"
    "TARGET filters targets by repository (owner/name or a shell glob).\n"
    "\n"
    "  -c, --config FILE      config file (default sync.yaml)\n"
    "  -n, --dry-run          compute and show changes; push nothing, write\n"
    "                         nothing to GitHub (reports and caches are written)\n"
    "      --diff             with --dry-run: print the unified diff\n"
    "  -j, --jobs N           workers at a time (default: config, else CPUs)\n"
    "      --groups LIST      only these groups (names or ids, comma-separated)\n"
    "      --skip-groups LIST skip these groups\n"
    "      --confirm-scope N  confirm a run over more than 5 repositories or\n"
    "                         more than one group (N = number of repositories)\n"
    "      --json             print the per-target summary as JSON\n"
    "      --log-level LEVEL  error, warn, info (default), debug, trace\n"
    "      --report-dir DIR   where run directories go (default .repocast/runs)\n"
    "      --report-format LIST  formats to write: json,md,html,junit,trace,prom\n"
    "                         (default: the config's report.formats, else all)\n"
    "      --metrics-file PATH also write metrics.prom to PATH (atomically)\n"
    "      --only-failed RUN  only the targets that failed in RUN (a run id,\n"
    "                         'last', or a run directory or report.json)\n"
    "      --token-file FILE  read the token from FILE (else GITHUB_TOKEN, GH_TOKEN,\n"
    "                         then 'gh auth token'); refused unless only you can\n"
    "                         read it (chmod 600), and beside a GitHub App\n"
    "                         (repocast.auth, GITHUB_APP_ID: the App's\n"
    "                         installation tokens are used)\n"
    "      --cache-dir DIR    mirror cache (default: config, else ~/.cache/repocast);\n"
    "                         a directory of your own, not a system directory\n"
    "      --no-progress      no progress lines\n"
    "      --no-skip, --force run a worker for every target, even one whose\n"
    "                         recorded state shows nothing changed\n"
    "      --keep-branches    closing a stale or superseded sync PR keeps its branch\n"
    "      --draft            open new sync PRs as drafts (as pr_draft: true does)\n"
    "      --automerge        add the automerge labels (GO_BROADCAST_AUTOMERGE_LABELS,\n"
    "                         else the config's automerge_labels) to the sync PR and\n"
    "                         enable GitHub's auto-merge where the repository allows it\n"
    "      --ignore-rate-limit-preflight  go on when the run does not fit the\n"
    "                         API budget (requests then wait for the reset)\n"
    "      --processes N      processes and threads of a target's whole job at\n"
    "                         once (default: the config's limits.processes)\n"
    "      --max-log SIZE     cap of each target's log, head and tail kept\n"
    "                         (default: the config's max_log, else 16M; 0 = none)\n"
    "      --shard K/N        only shard K (from 0) of N: a stable hash of each\n"
    "                         target's name; 'slurm' takes K/N from a Slurm job\n"
    "                         array task (docs/scale-out.md)\n"
    "      --shard-own-token  with --shard: this shard's token has a rate-limit\n"
    "                         budget of its own (else the preflight allows 1/N)\n"
    "      --profile          every worker samples its own CPU use: profile.folded\n"
    "                         and flame.svg in the run directory (docs/profile.md)\n"
    "  -h, --help             this text\n"
    "\n"
    "Options as for every command: --NAME=VALUE or --NAME VALUE, -cFILE or\n"
    "-c FILE, short flags together (-nj4), a long name may be shortened while\n"
    "unambiguous, -- ends the options (TARGETs may come before or after them).\n"
    "\n"
    "The API and git URLs: the config's repocast.api_url and git_url, else\n"
    "GITHUB_API_URL and GITHUB_SERVER_URL, else GH_HOST (docs/github.md).\n"
    "\n"
    "Exit status: 0 all targets ok, 1 a target failed, 2 usage or config error,\n"
    "3 environment error (token, network, source), 130 interrupted.\n";

/* ---- options ---- */

/*
 * The options sync, status and cancel share (internal.h): one case each
 * here, the TARGET operands too; 1 handled, 0 not a shared one, or
 * ERR_CONFIG.
 */
int
sync_parse_shared(struct sync_opts *o, const struct opt_item *it, int argc)
{
	enum log_level lvl;
	uint64_t v;

	switch (it->id) {
	case OPT_OPERAND:
		/* A target filter: argv outlives the options. */
		if (o->filters == NULL)
			o->filters = xcalloc((size_t)argc, sizeof(*o->filters));
		o->filters[o->nfilters++] = it->value;
		return 1;
	case 'c':
		o->config = it->value;
		return 1;
	case 'n':
		o->dry_run = true;
		return 1;
	case 'j':
		if (opt_uint(&v, it, 1, 1024) < 0)
			return ERR_CONFIG;
		o->jobs = (int)v;
		return 1;
	case SYNC_OPT_GROUPS:
		o->groups = xrealloc(o->groups, (o->ngroups + 1) * sizeof(char *));
		o->groups[o->ngroups++] = it->value;
		return 1;
	case SYNC_OPT_SKIP:
		o->skip = xrealloc(o->skip, (o->nskip + 1) * sizeof(char *));
		o->skip[o->nskip++] = it->value;
		return 1;
	case SYNC_OPT_CONFIRM:
		if (opt_uint(&v, it, 0, INT_MAX) < 0)
			return ERR_CONFIG;
		o->confirm = (long)v;
		return 1;
	case SYNC_OPT_JSON:
		o->json = true;
		return 1;
	case SYNC_OPT_LOGLEVEL:
		if (opt_log_level(&lvl, it) < 0)
			return ERR_CONFIG;
		log_set_level(lvl);
		return 1;
	case SYNC_OPT_TOKENFILE:
		o->token_file = it->value;
		return 1;
	case SYNC_OPT_CACHEDIR:
		o->cache_dir = it->value;
		return 1;
	case SYNC_OPT_SHARD:
		return shard_parse(&o->shard, it->value) < 0 ? ERR_CONFIG : 1;
	case SYNC_OPT_NOSKIP:
		o->no_skip = true;
		return 1;
	default:
		return 0;
	}
}

int
sync_parse_opts(struct sync_opts *o, const struct opt_spec *specs, size_t n, int argc,
    char **argv, int (*own)(struct sync_opts *, const struct opt_item *, void *), void *arg)
{
	struct opt_parser p;
	struct opt_item it;
	int rc, i;

	opt_init(&p, specs, n, argc, argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		if (it.id == OPT_HELP)
			return 1;
		if ((rc = sync_parse_shared(o, &it, argc)) == 0)
			rc = own(o, &it, arg);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	for (i = 0; i < p.nrest; i++) {
		it.id = OPT_OPERAND;
		it.value = p.rest[i];
		sync_parse_shared(o, &it, argc);
	}
	return 0;
}

/* sync's own options (the shared ones are internal.h's SYNC_OPT_*). */
enum {
	OPT_DIFF = SYNC_OPT_OWN, OPT_REPORTDIR, OPT_NOPROGRESS, OPT_REPORTFMT, OPT_METRICS,
	OPT_ONLYFAILED, OPT_IGNOREPF, OPT_KEEPBRANCHES, OPT_PROCESSES, OPT_MAXLOG,
	OPT_SHARD_OWN_TOKEN, OPT_DRAFT, OPT_AUTOMERGE, OPT_PROFILE,
};

/* One row an option (opt.h); a new flag is a row here and a case below. */
static const struct opt_spec sync_optspecs[] = {
	{ 'c', 'c', "config", true },
	{ 'n', 'n', "dry-run", false },
	{ OPT_DIFF, 0, "diff", false },
	{ 'j', 'j', "jobs", true },
	{ SYNC_OPT_GROUPS, 0, "groups", true },
	{ SYNC_OPT_SKIP, 0, "skip-groups", true },
	{ SYNC_OPT_CONFIRM, 0, "confirm-scope", true },
	{ SYNC_OPT_JSON, 0, "json", false },
	{ SYNC_OPT_LOGLEVEL, 0, "log-level", true },
	{ OPT_REPORTDIR, 0, "report-dir", true },
	{ OPT_REPORTFMT, 0, "report-format", true },
	{ OPT_METRICS, 0, "metrics-file", true },
	{ OPT_ONLYFAILED, 0, "only-failed", true },
	{ SYNC_OPT_TOKENFILE, 0, "token-file", true },
	{ SYNC_OPT_CACHEDIR, 0, "cache-dir", true },
	{ OPT_NOPROGRESS, 0, "no-progress", false },
	{ SYNC_OPT_NOSKIP, 0, "no-skip", false },
	{ SYNC_OPT_NOSKIP, 0, "force", false },
	{ OPT_IGNOREPF, 0, "ignore-rate-limit-preflight", false },
	{ OPT_KEEPBRANCHES, 0, "keep-branches", false },
	{ OPT_DRAFT, 0, "draft", false },
	{ OPT_AUTOMERGE, 0, "automerge", false },
	{ OPT_PROCESSES, 0, "processes", true },
	{ OPT_MAXLOG, 0, "max-log", true },
	{ SYNC_OPT_SHARD, 0, "shard", true },
	{ OPT_SHARD_OWN_TOKEN, 0, "shard-own-token", false },
	{ OPT_PROFILE, 0, "profile", false },
};

/* One of sync's own options. */
static int
sync_parse_one(struct sync_opts *o, const struct opt_item *it, void *arg)
{
	uint64_t v;

	UNUSED(arg);
	switch (it->id) {
	case OPT_DIFF:
		o->diff = true;
		return 0;
	case OPT_IGNOREPF:
		o->ignore_preflight = true;
		return 0;
	case OPT_KEEPBRANCHES:
		o->keep_branches = true;
		return 0;
	case OPT_DRAFT:
		o->draft = true;
		return 0;
	case OPT_AUTOMERGE:
		o->automerge = true;
		return 0;
	case OPT_PROCESSES:
		if (opt_uint(&v, it, 1, 1 << 22) < 0)
			return ERR_CONFIG;
		o->processes = v;
		return 0;
	case OPT_SHARD_OWN_TOKEN:
		o->shard_own_token = true;
		return 0;
	case OPT_PROFILE:
		o->profile = true;
		return 0;
	case OPT_MAXLOG:
		if (cfg_parse_size(&o->max_log, it->value) < 0 || (o->max_log > 0 &&
		    o->max_log < LOGCAP_MIN))
			return err_set(ERR_CONFIG, "invalid size '%s' for --max-log (0 for no "
			    "cap, else at least 4K, e.g. 1M)", it->value);
		o->max_log_set = true;
		return 0;
	case OPT_REPORTDIR:
		o->report_dir = it->value;
		return 0;
	case OPT_REPORTFMT:
		/* Never 0: report.json is always in the mask. */
		return report_formats_parse(&o->report_formats, it->value) < 0 ? ERR_CONFIG : 0;
	case OPT_METRICS:
		o->metrics_file = it->value;
		return 0;
	case OPT_ONLYFAILED:
		o->only_failed = it->value;
		return 0;
	case OPT_NOPROGRESS:
		o->no_progress = true;
		return 0;
	default:
		BUG("sync: option %d has no case", it->id);
	}
}

/* 1 when --help was asked for, 0, or ERR_CONFIG. */
static int
sync_parse_args(struct sync_opts *o, int argc, char **argv)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->config = "sync.yaml";
	o->confirm = -1;
	rc = sync_parse_opts(o, sync_optspecs, ARRAY_SIZE(sync_optspecs), argc, argv,
	    sync_parse_one, NULL);
	if (rc != 0)
		return rc;
	if (o->diff && !o->dry_run)
		return err_set(ERR_CONFIG, "--diff needs --dry-run");
	if (o->shard_own_token && o->shard.count == 0)
		return err_set(ERR_CONFIG, "--shard-own-token needs --shard");
	return 0;
}

/* ---- pool callbacks ---- */

static int
sync_next(void **task, const char **name, void *arg)
{
	struct sync_run *r = arg;
	struct sync_target *t;

	for (; r->next < r->end; r->next++) {
		t = &r->t[r->next];
		/* Discovery goes on beside the workers (discq.c). */
		if (!sync_discq_wait(r, r->next)) {
			r->next = r->end;  /* interrupted: the rest are cancelled */
			return 0;
		}
		sync_prepare_one(r, t);
		if (!t->skip) {
			*task = t;
			*name = t->target->repo;
			r->next++;
			return 1;
		}
		/* Decided without a worker (the skip cache, a failure): final. */
		if (t->has_rec) {
			sync_progress(r, t);
			sync_pubq_add(r, t);
		}
	}
	return 0;
}

static int
sync_started(struct pool_job *j, void *task, void *arg)
{
	struct sync_run *r = arg;
	struct sync_target *t = task;

	progress_started(&r->prog);
	/* Fetched now, not when planned: an App's token may have been replaced
	 * since, and a retry gets a fresh one. */
	if (r->app != NULL && sync_repo_token(&t->job.token, r, t->target->repo) < 0) {
		log_warn("%s: %s", t->target->repo, err_last());
		return -1;
	}
	return sync_job_start(&t->job, j);
}

static int
sync_message(struct pool_job *j, void *task, const struct msg *m, void *arg)
{
	struct sync_target *t = task;

	UNUSED(arg);
	return sync_job_message(&t->job, j, m);
}

static int
sync_writable(struct pool_job *j, void *task, void *arg)
{
	struct sync_target *t = task;

	UNUSED(arg);
	return sync_job_writable(&t->job, j);
}

static void
sync_finished(struct pool_job *j, void *task, struct record *rec, void *arg)
{
	struct sync_run *r = arg;
	struct sync_target *t = task;

	UNUSED(j);
	record_move(&t->rec, rec);
	t->has_rec = true;
	sync_progress(r, t);
	/* The pool cancels every worker on an interrupt: publish no more. */
	if (t->rec.cause == CAUSE_CANCELLED)
		sync_pubq_stop(r);
	/* Its PR at once, at the API's pace, while the other workers go on. */
	sync_pubq_add(r, t);
}

static void
sync_release(struct sync_run *r)
{
	size_t i;

	signing_release(&r->sign);
	for (i = 0; i < r->nt; i++) {
		sync_job_release(&r->t[i].job);
		sync_modules_release(&r->t[i]);
		discovery_release(&r->t[i].found);
		if (r->t[i].has_rec)
			record_release(&r->t[i].rec);
		free(r->t[i].note);
	}
	free(r->t);
	free(r->groups);
	for (i = 0; i < r->nsources; i++) {
		plan_cache_free(r->sources[i].cache);
		source_close(&r->sources[i].src);
	}
	free(r->sources);
	free(r->gql_url);
	api_free(r->api);
	app_free(r->app);
	endpoint_release(&r->ep);
	token_free(r->token);
	scope_release(&r->scope);
	cfg_free(r->cfg);
	cfg_errors_release(&r->errs);
	strv_release(&r->failed_before);
	free(r->cache_dir);
	free(r->o.groups);
	free(r->o.skip);
	free(r->o.filters);
}

/* Drop the interrupts already acted on, then unblock them. */
static void
sync_signals_restore(const sigset_t *stop, const sigset_t *oldmask)
{
	const struct timespec zero = { 0, 0 };

	while (sigtimedwait(stop, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, oldmask, NULL);
}

static void
sync_pool_opts(struct pool_opts *po, const struct sync_run *r, const char *worker,
    const char *log_dir, const char *run_id)
{
	memset(po, 0, sizeof(*po));
	po->jobs = r->o.jobs > 0 ? r->o.jobs : r->cfg->rc.jobs > 0 ? r->cfg->rc.jobs :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (po->jobs < 1)
		po->jobs = 1;
	po->timeout_ms = r->cfg->rc.timeout_ms;
	po->grace_ms = POOL_GRACE_MS;
	po->retries = r->cfg->rc.retries;
	po->backoff_ms = POOL_BACKOFF_MS;
	po->worker_path = worker;
	po->log_dir = log_dir;
	po->run_id = run_id;
	po->max_frame = FRAME_MAX_DEFAULT;
	po->mem_bytes = r->cfg->rc.mem_bytes;
	po->processes = r->o.processes > 0 ? r->o.processes : r->cfg->rc.processes;
	po->max_log = r->o.max_log_set ? r->o.max_log : r->cfg->rc.max_log_set ?
	    r->cfg->rc.max_log : LOGCAP_DEFAULT;
}

/*
 * The groups, one after another (groups.c): one pool run for the
 * group's workers, with its discovery beside them (discq.c: a worker
 * starts once its target is discovered, the plan made as it starts) and
 * its pull requests beside them (pubq.c: each target's as soon as its
 * worker is done, once discovery is over), and every one
 * of them written before the next group starts. A pool lives until the next group's is made (or the
 * caller frees *pool): while it lives SIGINT and SIGTERM stay pending
 * for it, so a signal that came during the pull requests or the next
 * group's discovery is seen here and stops the run before another group
 * starts. 0, or an error code (err_last() says why).
 */
static int
sync_run_groups(struct sync_run *r, struct report_run *run, struct pool **pool,
    const struct pool_opts *po)
{
	static const struct pool_ops ops = {
		sync_next, sync_started, sync_message, sync_finished, NULL, sync_writable,
	};
	size_t gi, waiting;
	int rc;

	for (gi = 0; gi < r->ngroups && !run->interrupted; gi++) {
		struct sync_group *sg = &r->groups[gi];

		if (sync_group_blocked(r, sg)) {
			sync_progress_decided(r, sg->first, sg->n);
			continue;
		}
		pool_free(*pool);
		*pool = NULL;
		if ((rc = pool_new(pool, po, &ops, r)) < 0)
			return rc;
		run->limits.memory = po->mem_bytes;
		run->limits.processes = po->processes;
		run->limits.cpu_seconds = r->cfg->rc.cpu_seconds;
		run->limits.open_files = r->cfg->rc.open_files;
		run->limits.max_log = po->max_log;
		run->limits.mechanism = pool_limit(*pool);
		r->next = sg->first;
		r->end = sg->first + sg->n;
		sync_pubq_start(r, sg->n);
		sync_discq_start(r, sg->first, sg->n);
		if (pool_run(*pool) == ERR_INTERRUPTED)
			run->interrupted = true;
		run->interrupted = run->interrupted || pool_interrupted(*pool) ||
		    sync_discq_stopped(r) || sync_signal_pending();
		sync_discq_finish(r, run->interrupted);
		run->orphans_reaped += pool_orphans(*pool);
		if (run->interrupted)
			sync_pubq_stop(r);
		else if ((waiting = sync_pubq_waiting(r)) > 0)
			log_info("workers done; %zu pull request%s to go at the repocast.api pace",
			    waiting, waiting == 1 ? "" : "s");
		sync_pubq_finish(r);
		/* An interrupt while the last PRs waited for the pace (the pool
		 * had stopped reading signals): the run stops here. */
		if (sync_signal_pending())
			run->interrupted = true;
		if (run->interrupted)
			break;
		sync_group_done(r, sg);
	}
	return 0;
}

/* A failure before the targets: the config's errors, or err_last(). */
static int
sync_fail(const struct sync_run *r, enum cmd_stage stage, int rc)
{
	size_t i;

	if (r->errs.n == 0)
		return cmd_fail(stage, rc);
	for (i = 0; i < r->errs.n; i++)
		fprintf(stderr, "%s\n", r->errs.v[i].msg);
	return cmd_exit_status(stage, rc);
}

/*
 * The run itself, with options o (consumed: the run releases their
 * lists): sync, or with o->status (a dry run) `repocast status`, which
 * writes no run directory (the workers' logs go to a private temporary
 * one) and prints each target's state.
 */
static int
sync_main(const struct sync_opts *o, const char *argv0)
{
	struct sync_run r;
	struct report_run run;
	struct pool_opts po;
	struct pool *pool = NULL;
	struct record *recs = NULL;
	char *run_dir = NULL, *report_path = NULL, *log_dir = NULL, *worker = NULL;
	sigset_t stop, oldmask;
	size_t i;
	int code = EXIT_OK, rc;

	memset(&r, 0, sizeof(r));
	r.o = *o;
	r.t0 = util_now_ms();
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &oldmask);
	report_run_init(&run, "sync");
	r.run = &run;
	if ((rc = sync_load(&r)) < 0) {
		code = sync_fail(&r, CMD_INPUT, rc);
		goto out;
	}
	/* Before any fetch: a signing setting that cannot work is the config's
	 * error. status commits nothing. */
	if (!r.o.status) {
		const char *an, *ae;

		sync_author(r.cfg, &an, &ae);
		if ((rc = signing_resolve(&r.sign, r.cfg, an, ae)) < 0) {
			code = sync_fail(&r, CMD_INPUT, rc);
			goto out;
		}
		if (signing_on(&r.sign)) {
			char *d = signing_describe(&r.sign);

			log_debug("signing: %s", d);
			free(d);
		}
	}
	if (r.o.only_failed != NULL && r.scope.n == 0) {
		/* As GNU parallel's --resume-failed: nothing failed, nothing to do. */
		log_info("no target in scope failed in run '%s': nothing to rerun", r.o.only_failed);
		goto out;
	}
	if ((rc = sync_env(&r)) < 0) {
		code = sync_fail(&r, CMD_ENV, rc);
		goto out;
	}
	if (!r.o.dry_run)
		run.commit_via = r.cfg->rc.commit_via_api ? COMMIT_API : COMMIT_PUSH;
	if (sync_signal_pending()) {
		/* Nothing ran yet: no run directory, like any early failure. */
		log_warn("interrupted before any target ran");
		code = EXIT_INTERRUPTED;
		goto out;
	}
	if (r.o.dry_run && !r.o.status)
		log_info("dry run: nothing will be pushed, no pull request will be written");
	sync_targets_init(&r);
	sync_groups_init(&r);
	progress_init(&r.prog, stderr, r.nt, progress_is_tty(STDERR_FILENO) && !r.o.no_progress);
	run.config_digest = xstrdup(r.cfg->digest);
	signing_to_report(&r.sign, &run);
	run.shard_index = r.o.shard.index;
	run.shard_count = r.o.shard.count;
	for (i = 0; i < r.cfg->ngroups; i++)
		report_run_add_group(&run, r.cfg->groups[i].id, &r.cfg->groups[i].depends_on);
	if (r.o.status)
		rc = tmpdir_make(&run_dir, "repocast-status");
	else
		rc = report_make_dir(&run_dir, sync_report_dir(&r), run.id);
	if (rc < 0) {
		code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	log_dir = xasprintf("%s/targets", run_dir);
	if (r.o.status && (rc = util_mkdirs(log_dir, 0700)) < 0) {
		code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	worker = pool_find_worker(argv0);
	sync_pool_opts(&po, &r, worker, log_dir, run.id);
	run.jobs = po.jobs;
	run.timeout_ms = po.timeout_ms;
	run.retries = po.retries;
	if ((rc = sync_run_groups(&r, &run, &pool, &po)) < 0) {
		code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	recs = xcalloc(r.nt + 1, sizeof(*recs));
	for (i = 0; i < r.nt; i++) {
		if (!r.t[i].has_rec)
			sync_record_none(&r.t[i], OUTCOME_CANCELLED, CAUSE_CANCELLED, 0, NULL);
		if (r.t[i].rec.sync.group == NULL)
			r.t[i].rec.sync.group = xstrdup(r.t[i].group->id);
		if (record_failed(&r.t[i].rec))
			r.failed++;
		if (r.t[i].rec.outcome == OUTCOME_SKIPPED)
			r.nskipped++;
		sync_modules_record(&r.t[i]);
		recs[i] = r.t[i].rec;
	}
	progress_end(&r.prog);
	if (r.o.status) {
		code = run.interrupted ? EXIT_INTERRUPTED : sync_status_print(&r);
		goto out;
	}
	for (i = 0; i < r.nt && !r.o.json; i++)
		sync_print_dry(&r.t[i]);
	code = run.interrupted ? EXIT_INTERRUPTED : r.failed > 0 ? EXIT_TARGETS : EXIT_OK;
	run.exit_code = code;
	report_run_end(&run);
	sync_report_auth(&r, &run);
	report_path = xasprintf("%s/report.json", run_dir);
	/* --profile: profile.folded and flame.svg, before report.html shows them. */
	if (r.o.profile && profiles_collect(run_dir, recs, r.nt) < 0)
		fprintf(stderr, "repocast: --profile: %s\n", err_last());
	if (sync_write_report(&r, &run, recs, run_dir) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		if (access(report_path, F_OK) != 0) {
			free(report_path);
			report_path = NULL;
		}
	}
	if (r.o.json)
		sync_print_json(&r, report_path);
	else
		sync_summary(&r, report_path);
out:
	progress_end(&r.prog);
	free(recs);
	pool_free(pool);
	sync_signals_restore(&stop, &oldmask);
	free(worker);
	free(log_dir);
	if (r.o.status && run_dir != NULL)
		tmpdir_remove(run_dir);
	free(run_dir);
	free(report_path);
	report_run_release(&run);
	sync_release(&r);
	return code;
}

int
cmd_sync(int argc, char **argv)
{
	struct sync_opts o;
	int rc, code;

	if ((rc = sync_parse_args(&o, argc, argv)) != 0) {
		if (rc > 0)
			fputs(cmd_sync_usage, stdout);
		code = rc > 0 ? EXIT_OK : cmd_usage_fail(cmd_sync_usage, "sync");
		free(o.groups);
		free(o.skip);
		free(o.filters);
		return code;
	}
	return sync_main(&o, argv[0]);
}

int
cmd_status(int argc, char **argv)
{
	struct sync_opts o;
	int rc, code;

	if ((rc = sync_status_parse_args(&o, argc, argv)) != 0) {
		if (rc > 0)
			fputs(cmd_status_usage, stdout);
		code = rc > 0 ? EXIT_OK : cmd_usage_fail(cmd_status_usage, "status");
		free(o.groups);
		free(o.skip);
		free(o.filters);
		return code;
	}
	return sync_main(&o, argv[0]);
}
