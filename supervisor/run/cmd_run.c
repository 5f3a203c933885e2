/*
 * cmd_run — `repocast run`: run a command in every chosen repository (a
 * --repos file and/or an API query, selection.h), one worker per
 * repository, --jobs at a time, and write a run directory with report.json
 * and one log per repository (docs/run.md). Its options are
 * cmd_run_opts.c; its steps, sharing internal.h, run_select.c, run_app.c,
 * run_pool.c and run_publish.c.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/frame.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/perfrec.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/github/api.h"
#include "supervisor/github/appauth.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/token.h"
#include "supervisor/pool/pool.h"
#include "supervisor/report/profiles.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/read.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"
#include "supervisor/run/cmd_run_opts.h"
#include "supervisor/run/internal.h"
#include "supervisor/run/repolist.h"
#include "supervisor/run/run_output.h"
#include "supervisor/run/selection.h"
#include "supervisor/signing.h"

const char cmd_run_usage[] =
    "usage: repocast run (--repos FILE | -c CONFIG | --org ORG | --user USER |\n"
    "                     --search QUERY)...\n"
    "                    [--no-pr | PR options] [options] -- CMD [ARGS...]\n"
    "       repocast run ... --dry-run\n"
    "\n"
    "Check out every chosen repository into a private temporary directory and\n"
    "run CMD there, one isolated worker process per repository, with\n"
    "REPOCAST_REPO set to the repository. The repositories are the union of\n"
    "the sources: a FILE listing one a line (a local path, a file:// or\n"
    "http(s):// git URL, or owner/name resolved against --git-url), and the\n"
    "repositories the GitHub API lists for --org, --user and --search, where\n"
    "archived repositories and forks are skipped and --topic keeps those\n"
    "with any of its topics. The report (report.json, one log per repository\n"
    "under targets/) records the selection and each command's exit and\n"
    "resource use.\n"
    "\n"
    "stdout: one line per repository as it ends (ok or FAIL, wall time, CPU,\n"
    "peak memory; a FAIL line adds the cause, the command's first error line\n"
    "and its log), or with --output tag every line of every command prefixed\n"
    "with its repository as it comes, or with --output group each repository's\n"
    "output in one piece when it ends. On a terminal stderr shows a status line.\n"
    "\n"
    "Unless --no-pr is given, what a successful CMD changed in a repository\n"
    "(as 'git add -A' takes it: .gitignore honoured, deletions included) is\n"
    "committed on its default branch, pushed to the run's branch and one pull\n"
    "request per repository is opened, or updated when the branch already has\n"
    "one (a rerun of the same command). No change: no commit, no PR, outcome\n"
    "'unchanged'. A failed CMD pushes nothing. Every repository must then be\n"
    "owner/name (from --repos or the API); a path, a URL or none: needs --no-pr.\n"
    "\n"
    "pull requests (see docs/run.md):\n"
    "      --branch NAME     the branch to push (default repocast/run-<slug of\n"
    "                        CMD>; git's branch-name rules)\n"
    "      --title TEXT      the PR title (default 'repocast run: CMD')\n"
    "      --body TEXT       text at the top of the PR body\n"
    "      --body-file FILE  the same, read from FILE\n"
    "      --labels A,B      labels to add to the PR (repeatable)\n"
    "      --reviewers A,B   reviewers to request on the PR (repeatable)\n"
    "      --draft           open new PRs as drafts\n"
    "      --diff            preview: run CMD, print each repository's diff on\n"
    "                        stdout, push nothing, open nothing (no API writes)\n"
    "\n"
    "choosing repositories (combinable; see docs/run.md):\n"
    "      --repos FILE      the repositories, one a line (# comments)\n"
    "  -c, --config FILE     every target of a sync config's groups in scope, on\n"
    "                        its branch (the config's api_url, git_url apply)\n"
    "      --groups LIST     with -c: only these groups (names or ids)\n"
    "      --skip-groups LIST  with -c: skip these groups\n"
    "      --org ORG         every repository of organization ORG (repeatable)\n"
    "      --user USER       the repositories USER owns (repeatable)\n"
    "      --search QUERY    GitHub repository search, e.g. 'topic:go org:acme'\n"
    "      --topic T         keep API repositories with topic T (repeatable: any)\n"
    "      --include-archived  keep archived repositories\n"
    "      --include-forks   keep forks\n"
    "      --dry-run         print the chosen repositories (stdout) and the\n"
    "                        skipped ones (stderr); run nothing, write no run\n"
    "                        directory (--diff previews the change instead)\n"
    "\n"
    "options:\n"
    "      --no-pr           only run CMD: commit nothing, open no pull request\n"
    "  -j, --jobs N          workers at a time (default: the number of CPUs)\n"
    "      --output MODE     summary (default), tag, group, or none\n"
    "      --json            print the run's summary as JSON on stdout\n"
    "      --timeout D       per-repository deadline, e.g. 90s, 10m (default 10m)\n"
    "      --retries N       extra attempts after a timeout, a signal or a network\n"
    "                        error (default 1; never after an exit status)\n"
    "      --grace D         SIGTERM to SIGKILL delay when stopping (default 5s)\n"
    "      --memory SIZE     memory of the whole job: the worker, the command and\n"
    "                        all it starts (a cgroup, else the supervisor's watchdog)\n"
    "      --processes N     processes and threads of the whole job at once\n"
    "      --cpu-seconds N   CPU seconds per worker and per command (RLIMIT_CPU)\n"
    "      --open-files N    open files per worker (RLIMIT_NOFILE)\n"
    "      --max-log SIZE    cap of each repository's log: its head and tail are\n"
    "                        kept (default 16M; 0 = no cap)\n"
    "      --report-dir DIR  where run directories go (default .repocast/runs)\n"
    "      --report-format LIST  formats to write: json,md,html,junit,trace,prom\n"
    "                        (default all; report.json is always written)\n"
    "      --metrics-file PATH  also write metrics.prom to PATH (atomically)\n"
    "      --only-failed RUN only the repositories that failed in RUN (a run id\n"
    "                        under the report dir, 'last', or a run directory)\n"
    "      --shard K/N       only shard K (from 0) of N: a stable hash of each\n"
    "                        repository's name; 'slurm' takes K/N from a Slurm\n"
    "                        job array task (docs/scale-out.md)\n"
    "      --cache-dir DIR   the mirror cache (default ~/.cache/repocast), a\n"
    "                        directory of your own, not a system directory\n"
    "      --git-url URL     base for owner/name (default GITHUB_SERVER_URL, else\n"
    "                        https://GH_HOST, else https://github.com)\n"
    "      --api-url URL     the GitHub API (default GITHUB_API_URL, else\n"
    "                        https://GH_HOST/api/v3, else https://api.github.com)\n"
    "      --token-file FILE token for the API, http(s) fetches and pushes (else\n"
    "                        GITHUB_TOKEN, GH_TOKEN, then 'gh auth token');\n"
    "                        refused unless only you can read it (chmod 600);\n"
    "                        a GitHub App instead: -c CONFIG's repocast.auth or\n"
    "                        GITHUB_APP_ID (docs/github.md)\n"
    "      --log-level L     error, warn, info, debug, trace\n"
    "      --no-progress     no status line on a terminal\n"
    "      --profile         every worker samples its own CPU use, and perf records\n"
    "                        the command where it can: profile.folded and flame.svg\n"
    "                        in the run directory (docs/profile.md)\n"
    "  -h, --help            this text\n"
    "\n"
    "Options as for every command: --NAME=VALUE or --NAME VALUE, -j4 or -j 4,\n"
    "a long name may be shortened while unambiguous, -- ends the options.\n"
    "\n"
    "exit status: 0 every command succeeded, 1 one or more failed, 2 usage,\n"
    "3 environment error, 130 interrupted (the partial report is written).\n";

/* ---- --json ---- */

/* The run's summary on stdout, as sync --json prints its own: the report's
 * path, the run and one object per repository. */
static void
print_json(struct run_state *st, const struct report_run *run, const char *report_path)
{
	json_t *targets = json_array(), *argv = json_array(), *doc;
	char cause[RECORD_CAUSE_MAX];
	size_t k;
	int i;

	for (i = 0; i < st->o->argc; i++)
		json_array_append_new(argv, report_json_string(st->o->argv[i]));
	for (k = 0; k < st->list.n; k++) {
		struct task *t = &st->tasks[k];
		const struct record *rec = &t->rec;
		uint64_t peak = rec->vm_hwm_kib;

		if (rec->has_result && rec->result.cmd_maxrss_kib > peak)
			peak = rec->result.cmd_maxrss_kib;
		json_array_append_new(targets, json_pack(
		    "{s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:o}",
		    "repo", report_json_string(rec->name),
		    "outcome", report_json_string(record_outcome_name(rec->outcome)),
		    "cause", report_json_string(record_cause_name(cause, rec)),
		    "error", report_json_string(rec->error),
		    "error_line", report_json_string(record_failed(rec) && rec->command_failed ?
		        run_output_error_line(&t->out) : NULL),
		    "exit_code", rec->has_result ? json_integer(rec->result.exit_code) : json_null(),
		    "wall_ms", (json_int_t)(rec->wall_us / 1000),
		    "cpu_ms", (json_int_t)((rec->utime_us + rec->stime_us) / 1000),
		    "peak_kib", (json_int_t)peak,
		    "log", report_json_string(rec->log_path)));
	}
	doc = json_pack("{s:o,s:{s:s,s:o,s:i,s:b,s:I,s:I},s:o}",
	    "report", report_json_string(report_path),
	    "run", "id", run->id, "argv", argv, "exit_code", run->exit_code,
	    "interrupted", run->interrupted, "repositories", (json_int_t)st->list.n,
	    "failed", (json_int_t)st->nfailed,
	    "targets", targets);
	if (doc == NULL || json_dumpf(doc, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
		BUG("run: cannot print the JSON summary");
	putchar('\n');
	fflush(stdout);
	json_decref(doc);
}

/* ---- the command ---- */

/* --shard: keep the shard's repositories and say so in the scope line. */
static void
run_shard(struct repolist *l, const struct run_opts *o)
{
	size_t total = l->n;
	char sh[64];

	if (o->shard.count == 0)
		return;
	repolist_keep_shard(l, &o->shard);
	log_info("scope: %zu of %zu repositor%s (%s)", l->n, total, total == 1 ? "y" : "ies",
	    shard_describe(sh, sizeof(sh), &o->shard));
}

static void
fill_not_started(struct run_state *st)
{
	size_t i;

	for (i = 0; i < st->list.n; i++) {
		struct task *t = &st->tasks[i];

		if (t->done)
			continue;
		memset(&t->rec, 0, sizeof(t->rec));
		t->rec.name = xstrdup(t->e->name);
		t->rec.outcome = OUTCOME_CANCELLED;
		t->rec.cause = CAUSE_CANCELLED;
		t->rec.error = xstrdup("the run was interrupted before this repository started");
		t->rec.exit_code = -1;
		st->nfailed++;
	}
}

int
cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct run_state st;
	struct report_run run;
	struct pool_opts po;
	struct pool_ops ops = { run_next, run_started, run_message, run_finished, run_data,
		NULL };
	struct pool *pool = NULL;
	struct record *recs = NULL;
	struct report_in in;
	struct endpoint ep;
	char *worker = NULL, *path = NULL, *log_dir = NULL, *scratch = NULL, *tmpenv = NULL;
	char prefix[64];
	const char *wenv[2] = { NULL, NULL };
	int rc, i, n, exit_code = EXIT_OK;
	size_t k, width = 0;

	memset(&st, 0, sizeof(st));
	memset(&ep, 0, sizeof(ep));
	report_run_init(&run, "run");
	cmd_run_opts_init(&o);
	if ((rc = cmd_run_parse(&o, argc, argv)) != 0) {
		if (rc > 0)
			fputs(cmd_run_usage, stdout);
		exit_code = rc > 0 ? EXIT_OK : cmd_usage_fail(cmd_run_usage, "run");
		goto out;
	}
	log_set_level(o.log_level);
	st.o = &o;
	if ((rc = cmd_check_cache_dir(o.cache_dir)) < 0) {
		exit_code = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	if ((rc = run_select(&st, &run, &ep)) < 0) {
		/* A bad repos file or an org that does not exist is the user's; the
		 * API, the network and the token are the environment's. */
		exit_code = cmd_fail(rc == ERR_CONFIG || rc == ERR_NOTFOUND ? CMD_INPUT : CMD_ENV,
		    rc);
		goto out;
	}
	run_shard(&st.list, &o);
	if (o.only_failed != NULL) {
		struct strv failed = { NULL, 0 };
		size_t kept;

		if ((rc = report_failed_names(&failed, o.report_dir, o.only_failed)) < 0) {
			err_wrap("--only-failed");
			exit_code = cmd_fail(CMD_INPUT, rc);
			goto out;
		}
		kept = repolist_keep(&st.list, &failed);
		strv_release(&failed);
		if (kept == 0) {
			/* As GNU parallel's --resume-failed: nothing failed, nothing to do. */
			log_info("no repository of this selection failed in run '%s': nothing to "
			    "rerun", o.only_failed);
			goto out;
		}
	}
	if (o.dry_run) {
		for (k = 0; k < st.list.n; k++)
			printf("%s\n", st.list.v[k].name);
		selection_print_skipped(stderr, &run.selection);
		fprintf(stderr, "repocast: %zu repositor%s would run (--dry-run: nothing ran, no "
		    "run directory written)\n", st.list.n, st.list.n == 1 ? "y" : "ies");
		goto out;
	}
	/* An empty shard still writes its (empty) report: report merge wants one
	 * per shard (docs/scale-out.md). */
	if (st.list.n == 0 && o.shard.count == 0) {
		fprintf(stderr, "repocast: no repository matched: nothing to run\n");
		goto out;
	}
	st.ep = &ep;
	if (!o.no_pr && (rc = run_pr_prepare(&st)) < 0) {
		exit_code = cmd_fail(rc == ERR_CONFIG ? CMD_INPUT : CMD_ENV, rc);
		goto out;
	}
	if ((rc = run_app_installations(&st)) < 0) {
		exit_code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	st.tasks = xcalloc(st.list.n, sizeof(*st.tasks));
	for (k = 0; k < st.list.n; k++) {
		st.tasks[k].e = &st.list.v[k];
		run_output_task_init(&st.tasks[k].out);
		if (strlen(st.list.v[k].name) > width)
			width = strlen(st.list.v[k].name);
	}

	run.argv = xcalloc((size_t)o.argc + 1, sizeof(*run.argv));
	for (i = 0; i < o.argc; i++)
		run.argv[i] = xstrdup(o.argv[i]);
	run.jobs = o.jobs;
	signing_to_report(&st.sign, &run);
	run.shard_index = o.shard.index;
	run.shard_count = o.shard.count;
	run.timeout_ms = o.timeout_ms;
	run.retries = o.retries;
	if ((rc = report_make_dir(&st.run_dir, o.report_dir, run.id)) < 0) {
		exit_code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	log_dir = xasprintf("%s/targets", st.run_dir);
	/* --profile: can perf record the commands? Asked once for the run. */
	if (o.profile && perfrec_probe(&st.perf, &st.perf_why) == 0)
		fprintf(stderr, "repocast: --profile: perf cannot record the commands: %s\n",
		    st.perf_why);
	worker = pool_find_worker(argv[0]);
	if (access(worker, X_OK) < 0)
		log_warn("worker '%s' is not executable: %s", worker, strerror(errno));

	/* Workers make their checkouts in a scratch directory the supervisor
	 * removes at the end: a worker killed mid-job leaves nothing behind. */
	/* Named by our pid: the next run removes what a killed one left. */
	if ((n = tmpdir_remove_stale("repocast-run-")) > 0)
		log_info("removed %d scratch director%s of runs that were killed", n,
		    n == 1 ? "y" : "ies");
	snprintf(prefix, sizeof(prefix), "repocast-run-%ld-", (long)getpid());
	if ((rc = tmpdir_make(&scratch, prefix)) < 0) {
		exit_code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	tmpenv = xasprintf("TMPDIR=%s", scratch);
	wenv[0] = tmpenv;

	memset(&po, 0, sizeof(po));
	po.jobs = o.jobs;
	po.timeout_ms = o.timeout_ms;
	po.grace_ms = o.grace_ms;
	po.retries = o.retries;
	po.worker_path = worker;
	po.log_dir = log_dir;
	po.run_id = run.id;
	po.max_frame = FRAME_MAX_DEFAULT;
	po.mem_bytes = o.mem_bytes;
	po.processes = o.processes;
	po.max_log = o.max_log;
	po.env = wenv;
	if ((rc = pool_new(&pool, &po, &ops, &st)) < 0) {
		exit_code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	run.limits.memory = o.mem_bytes;
	run.limits.processes = o.processes;
	run.limits.cpu_seconds = o.cpu_seconds;
	run.limits.open_files = o.open_files;
	run.limits.max_log = o.max_log;
	run.limits.mechanism = pool_limit(pool);
	if (!o.no_pr && !o.pr.diff)
		run.commit_via = run_commit_api(&st) ? COMMIT_API : COMMIT_PUSH;
	log_info("run %s: %zu repositor%s, %zu at a time", run.id, st.list.n,
	    st.list.n == 1 ? "y" : "ies", st.list.n < (size_t)o.jobs ? st.list.n : (size_t)o.jobs);
	progress_init(&st.prog, stderr, st.list.n,
	    progress_is_tty(STDERR_FILENO) && !o.no_progress);
	run_output_init(&st.out, o.json ? RUN_OUTPUT_NONE : o.output, stdout, &st.prog, width);
	run_app_fail_uninstalled(&st);
	pool_run(pool);
	run.interrupted = pool_interrupted(pool);
	if (!run.interrupted && st.api != NULL)
		run_pr_publish_all(&st);
	progress_end(&st.prog);
	run.orphans_reaped = pool_orphans(pool);
	if (run.interrupted)
		fill_not_started(&st);
	if (o.pr.diff)
		run_pr_print_diffs(&st);

	exit_code = run.interrupted ? EXIT_INTERRUPTED : st.nfailed > 0 ? EXIT_TARGETS : EXIT_OK;
	report_run_end(&run);
	run.exit_code = exit_code;
	appauth_report(&run, st.app, st.token);
	recs = xcalloc(st.list.n, sizeof(*recs));
	for (k = 0; k < st.list.n; k++)
		recs[k] = st.tasks[k].rec;
	path = xasprintf("%s/report.json", st.run_dir);
	in.run = &run;
	in.recs = recs;
	in.n = st.list.n;
	in.dir = st.run_dir;
	/* --profile: profile.folded and flame.svg, before report.html shows them. */
	for (k = 0; o.profile && st.perf_why != NULL && k < st.list.n; k++)
		if (recs[k].profile.perf == NULL && recs[k].pid != 0)
			recs[k].profile.perf = st.tasks[k].rec.profile.perf =
			    xasprintf("not available: %s", st.perf_why);
	if (o.profile && profiles_collect(st.run_dir, recs, st.list.n) < 0)
		fprintf(stderr, "repocast: --profile: %s\n", err_last());
	rc = report_write(&in, o.report_formats);
	if (rc == 0 && o.metrics_file != NULL)
		rc = report_write_format(&in, REPORT_PROM, o.metrics_file);
	if (rc < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		if (exit_code == EXIT_OK)
			exit_code = EXIT_ENV;
	} else {
		fprintf(stderr, "repocast: %zu repositor%s, %zu failed%s; report: %s\n", st.list.n,
		    st.list.n == 1 ? "y" : "ies", st.nfailed,
		    run.interrupted ? " (interrupted)" : "", path);
	}
	if (o.json)
		print_json(&st, &run, rc < 0 && access(path, F_OK) != 0 ? NULL : path);
out:
	pool_free(pool);
	tmpdir_remove(scratch);
	free(scratch);
	free(tmpenv);
	free(recs);
	for (k = 0; st.tasks != NULL && k < st.list.n; k++) {
		record_release(&st.tasks[k].rec);
		run_output_task_release(&st.tasks[k].out);
	}
	free(st.tasks);
	repolist_release(&st.list);
	runcfg_release(&st.cfg);
	api_free(st.api);
	app_free(st.app);
	free(st.commit_message);
	signing_release(&st.sign);
	token_free(st.token);
	free(st.perf);
	free(st.perf_why);
	free(st.run_dir);
	free(log_dir);
	free(worker);
	free(path);
	report_run_release(&run);
	endpoint_release(&ep);
	cmd_run_opts_release(&o);
	return exit_code;
}
