/*
 * cmd_run — `repocast run`: run a command in every chosen repository (a
 * --repos file and/or an API query, selection.h), one worker per
 * repository, --jobs at a time, and write a run directory with report.json
 * and one log per repository (docs/run.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/buf.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/tmpdir.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/run/cmd_run.h"
#include "supervisor/config/config.h"
#include "supervisor/pool/pool.h"
#include "supervisor/report/progress.h"
#include "supervisor/report/read.h"
#include "supervisor/report/report.h"
#include "supervisor/github/api.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/repos.h"
#include "supervisor/github/token.h"
#include "supervisor/run/repolist.h"
#include "supervisor/run/runpr.h"
#include "supervisor/run/selection.h"

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
    "Unless --no-pr is given, what a successful CMD changed in a repository\n"
    "(as 'git add -A' takes it: .gitignore honoured, deletions included) is\n"
    "committed on its default branch, pushed to the run's branch and one pull\n"
    "request per repository is opened, or updated when the branch already has\n"
    "one (a rerun of the same command). No change: no commit, no PR, outcome\n"
    "'unchanged'. A failed CMD pushes nothing. Every repository must then be\n"
    "owner/name (from --repos or the API); a path, a URL or none: needs --no-pr.\n"
    "\n"
    "pull requests (see docs/run.md):\n"
    "  --branch NAME       the branch to push (default repocast/run-<slug of\n"
    "                      CMD>; git's branch-name rules)\n"
    "  --title TEXT        the PR title (default 'repocast run: CMD')\n"
    "  --body TEXT         text at the top of the PR body\n"
    "  --body-file FILE    the same, read from FILE\n"
    "  --labels A,B        labels to add to the PR (repeatable)\n"
    "  --reviewers A,B     reviewers to request on the PR (repeatable)\n"
    "  --draft             open new PRs as drafts\n"
    "  --diff              preview: run CMD, print each repository's diff on\n"
    "                      stdout, push nothing, open nothing (no API writes)\n"
    "\n"
    "choosing repositories (combinable; see docs/run.md):\n"
    "  --repos FILE        the repositories, one a line (# comments)\n"
    "  -c, --config FILE   every target of a sync config's groups in scope, on\n"
    "                      its branch (the config's api_url, git_url apply)\n"
    "  --groups LIST       with -c: only these groups (names or ids)\n"
    "  --skip-groups LIST  with -c: skip these groups\n"
    "  --org ORG           every repository of organization ORG (repeatable)\n"
    "  --user USER         the repositories USER owns (repeatable)\n"
    "  --search QUERY      GitHub repository search, e.g. 'topic:go org:acme'\n"
    "  --topic T           keep API repositories with topic T (repeatable: any)\n"
    "  --include-archived  keep archived repositories\n"
    "  --include-forks     keep forks\n"
    "  --dry-run           print the chosen repositories (stdout) and the\n"
    "                      skipped ones (stderr); run nothing, write no run\n"
    "                      directory (--diff previews the change instead)\n"
    "\n"
    "options:\n"
    "  --no-pr             only run CMD: commit nothing, open no pull request\n"
    "  --jobs N            workers at a time (default: the number of CPUs)\n"
    "  --timeout D         per-repository deadline, e.g. 90s, 10m (default 10m)\n"
    "  --retries N         extra attempts after a timeout, a signal or a network\n"
    "                      error (default 1; never after an exit status)\n"
    "  --grace D           SIGTERM to SIGKILL delay when stopping (default 5s)\n"
    "  --memory SIZE       memory a worker and its command may add (RLIMIT_AS)\n"
    "  --cpu-seconds N     CPU seconds per worker and per command (RLIMIT_CPU)\n"
    "  --open-files N      open files per worker (RLIMIT_NOFILE)\n"
    "  --report-dir DIR    where run directories go (default .repocast/runs)\n"
    "  --report-format LIST  formats to write: json,md,html,junit,trace,prom\n"
    "                      (default all; report.json is always written)\n"
    "  --metrics-file PATH also write metrics.prom to PATH (atomically)\n"
    "  --only-failed RUN   only the repositories that failed in RUN (a run id\n"
    "                      under the report dir, 'last', or a run directory)\n"
    "  --cache-dir DIR     the mirror cache (default ~/.cache/repocast)\n"
    "  --git-url URL       base for owner/name (default GITHUB_SERVER_URL, else\n"
    "                      https://GH_HOST, else https://github.com)\n"
    "  --api-url URL       the GitHub API (default GITHUB_API_URL, else\n"
    "                      https://GH_HOST/api/v3, else https://api.github.com)\n"
    "  --token-file FILE   token for the API, http(s) fetches and pushes (else\n"
    "                      GITHUB_TOKEN, GH_TOKEN, then 'gh auth token')\n"
    "  --log-level L       error, warn, info, debug, trace\n"
    "  --no-progress       no status line on a terminal (the per-repository\n"
    "                      lines are printed either way)\n"
    "\n"
    "exit status: 0 every command succeeded, 1 one or more failed, 2 usage,\n"
    "3 environment error, 130 interrupted (the partial report is written).\n";

struct task {
	const struct repolist_entry *e;
	struct record rec;
	bool done;
};

struct run_state {
	struct run_opts *o;
	struct repolist list;
	struct task *tasks;
	size_t next, ndone, nfailed;
	struct token *token;    /* NULL: none configured */
	struct endpoint *ep;
	struct runcfg cfg;      /* -c CONFIG (zeroed without one) */
	struct api *api;        /* the pull requests' (NULL with --no-pr, --diff) */
	char *commit_message;   /* the run's commits (NULL with --no-pr) */
	char *run_dir;
	struct progress prog;
};

/* The long options cmd_run_parse knows (for "did you mean"; the
 * check_cmd_run suite holds the two lists equal). */
const char *const run_options[] = {
	"repos", "no-pr", "no-progress", "jobs", "timeout", "retries", "grace", "memory",
	"cpu-seconds", "open-files", "report-dir", "report-format", "metrics-file",
	"only-failed", "cache-dir", "git-url", "token-file", "log-level",
	"org", "user", "topic", "search", "include-archived", "include-forks", "dry-run",
	"api-url", "branch", "title", "body", "body-file", "labels", "reviewers", "draft",
	"diff", "config", "groups", "skip-groups",
};
const size_t run_noptions = ARRAY_SIZE(run_options);

/* What a usage error ends with. */
#define RUN_HINT "See 'repocast help run'.\n"

static int
parse_u64_flag(uint64_t *out, const char *flag, const char *v, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n < min || n > max)
		return err_set(ERR_CONFIG, "invalid value '%s' for %s (a number from %llu to %llu)",
		    v, flag, (unsigned long long)min, (unsigned long long)max);
	*out = n;
	return 0;
}

static int
parse_duration_flag(uint64_t *out, const char *flag, const char *v)
{
	if (cfg_parse_duration(out, v) < 0)
		return err_set(ERR_CONFIG, "invalid duration '%s' for %s (e.g. 500ms, 90s, 10m, "
		    "1h30m)", v, flag);
	return 0;
}

void
cmd_run_opts_init(struct run_opts *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->jobs = n > 0 ? (int)n : 1;
	o->timeout_ms = 10 * 60 * 1000;
	o->grace_ms = POOL_GRACE_MS;
	o->retries = 1;
	o->report_dir = xstrdup(".repocast/runs");
	o->report_formats = REPORT_ALL;
	o->cache_dir = cfg_default_cache_dir();
	o->log_level = LOG_INFO;
}

void
cmd_run_opts_release(struct run_opts *o)
{
	free(o->repos);
	free(o->report_dir);
	free(o->cache_dir);
	free(o->git_url);
	free(o->token_file);
	free(o->metrics_file);
	free(o->only_failed);
	free(o->api_url);
	strv_release(&o->orgs);
	strv_release(&o->users);
	strv_release(&o->topics);
	strv_release(&o->searches);
	runpr_opts_release(&o->pr);
	runcfg_opts_release(&o->cfg);
	memset(o, 0, sizeof(*o));
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

int
cmd_run_parse(struct run_opts *o, int argc, char **argv)
{
	uint64_t v;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		char name[32];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-c") == 0)
			a = "--config";    /* the one short flag, as sync has it */
		if (strncmp(a, "--", 2) != 0)
			return err_set(ERR_CONFIG, "unexpected argument '%s' (the command goes "
			    "after --)", a);
		/* --flag=value or --flag value */
		eq = strchr(a, '=');
		if (eq != NULL) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
			val = eq + 1;
		} else {
			snprintf(name, sizeof(name), "%s", a);
		}
		/* --branch, --title, --body, --body-file, --labels, --reviewers,
		 * --draft, --diff: the pull requests' own (runpr.h); --config,
		 * --groups, --skip-groups: targets from a sync config (runcfg.h). */
		if ((rc = runpr_parse_flag(&o->pr, name, val, argc, argv, &i)) != 0 ||
		    (rc = runcfg_parse_flag(&o->cfg, name, val, argc, argv, &i)) != 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (strcmp(name, "--no-pr") == 0 || strcmp(name, "--no-progress") == 0 ||
		    strcmp(name, "--include-archived") == 0 || strcmp(name, "--include-forks") == 0 ||
		    strcmp(name, "--dry-run") == 0) {
			if (val != NULL)
				return err_set(ERR_CONFIG, "%s takes no value", name);
			if (strcmp(name, "--no-pr") == 0)
				o->no_pr = true;
			else if (strcmp(name, "--no-progress") == 0)
				o->no_progress = true;
			else if (strcmp(name, "--include-archived") == 0)
				o->include_archived = true;
			else if (strcmp(name, "--include-forks") == 0)
				o->include_forks = true;
			else
				o->dry_run = true;
			continue;
		}
		if (val == NULL) {
			if (i + 1 >= argc)
				return err_set(ERR_CONFIG, "%s needs a value", name);
			val = argv[++i];
		}
		if (strcmp(name, "--repos") == 0) {
			set_str(&o->repos, val);
		} else if (strcmp(name, "--jobs") == 0) {
			if (parse_u64_flag(&v, name, val, 1, 4096) < 0)
				return -1;
			o->jobs = (int)v;
		} else if (strcmp(name, "--timeout") == 0) {
			if (parse_duration_flag(&o->timeout_ms, name, val) < 0)
				return -1;
		} else if (strcmp(name, "--grace") == 0) {
			if (parse_duration_flag(&o->grace_ms, name, val) < 0)
				return -1;
			if (o->grace_ms == 0)
				return err_set(ERR_CONFIG, "--grace must be more than 0");
		} else if (strcmp(name, "--retries") == 0) {
			if (parse_u64_flag(&v, name, val, 0, 10) < 0)
				return -1;
			o->retries = (int)v;
		} else if (strcmp(name, "--memory") == 0) {
			if (cfg_parse_size(&o->mem_bytes, val) < 0 || o->mem_bytes == 0)
				return err_set(ERR_CONFIG, "invalid size '%s' for --memory (e.g. 512M, "
				    "2G)", val);
		} else if (strcmp(name, "--cpu-seconds") == 0) {
			if (parse_u64_flag(&o->cpu_seconds, name, val, 1, UINT32_MAX) < 0)
				return -1;
		} else if (strcmp(name, "--open-files") == 0) {
			if (parse_u64_flag(&o->open_files, name, val, 16, 1048576) < 0)
				return -1;
		} else if (strcmp(name, "--report-dir") == 0) {
			set_str(&o->report_dir, val);
		} else if (strcmp(name, "--report-format") == 0) {
			if (report_formats_parse(&o->report_formats, val) < 0)
				return -1;
		} else if (strcmp(name, "--metrics-file") == 0) {
			set_str(&o->metrics_file, val);
		} else if (strcmp(name, "--only-failed") == 0) {
			set_str(&o->only_failed, val);
		} else if (strcmp(name, "--cache-dir") == 0) {
			set_str(&o->cache_dir, val);
		} else if (strcmp(name, "--git-url") == 0) {
			set_str(&o->git_url, val);
		} else if (strcmp(name, "--org") == 0 || strcmp(name, "--user") == 0 ||
		    strcmp(name, "--topic") == 0 || strcmp(name, "--search") == 0) {
			/* Repositories by query: repeatable, unioned (selection.h). */
			strv_add(name[2] == 'o' ? &o->orgs : name[2] == 'u' ? &o->users :
			    name[2] == 't' ? &o->topics : &o->searches, val);
		} else if (strcmp(name, "--api-url") == 0) {
			set_str(&o->api_url, val);
		} else if (strcmp(name, "--token-file") == 0) {
			set_str(&o->token_file, val);
		} else if (strcmp(name, "--log-level") == 0) {
			if (log_parse_level(&o->log_level, val) < 0)
				return err_set(ERR_CONFIG, "invalid log level '%s' (error, warn, info, "
				    "debug, trace)", val);
		} else {
			return cmd_unknown_option(name, run_options, ARRAY_SIZE(run_options));
		}
	}
	if (o->topics.n > 0 && o->orgs.n == 0 && o->users.n == 0 && o->searches.n == 0)
		return err_set(ERR_CONFIG, "--topic filters the repositories of --org, --user or "
		    "--search: give one of them");
	if ((rc = runcfg_opts_check(&o->cfg)) < 0)
		return rc;
	if (o->repos == NULL && o->orgs.n == 0 && o->users.n == 0 && o->searches.n == 0 &&
	    o->cfg.config == NULL)
		return err_set(ERR_CONFIG, "no repositories: give --repos FILE, -c CONFIG, --org "
		    "ORG, --user USER or --search QUERY");
	o->argv = argv + i;
	o->argc = argc - i;
	/* --dry-run runs nothing: no command needed */
	if (!o->dry_run && i >= argc)
		return err_set(ERR_CONFIG, "no command given (repocast run ... -- CMD ARGS)");
	return runpr_opts_finish(&o->pr, o->no_pr, o->dry_run, o->argv, o->argc);
}

/* ---- the token ---- */

static bool
is_http(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/* ---- the repositories ---- */

static bool
any_http(const struct repolist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (is_http(l->v[i].url))
			return true;
	return false;
}

/*
 * Where the API and git server are, the token, and the repositories
 * (selection.h) into st->list and run->selection. A token is optional for
 * run: only the API query and http(s) entries use one, and `gh auth token`
 * is asked only when one of them needs it.
 */
static int
run_select(struct run_state *st, struct report_run *run, struct endpoint *ep)
{
	const struct run_opts *o = st->o;
	struct endpoint_in ein;
	struct repos_query q;
	struct selection_in in;
	struct api_stats stats;
	char *host = NULL;
	bool asked = false;
	int rc;

	memset(&ein, 0, sizeof(ein));
	ein.api_flag = o->api_url;
	ein.git_flag = o->git_url;
	if (o->cfg.config != NULL) {
		if ((rc = runcfg_load(&st->cfg, &o->cfg)) < 0)
			return rc;
		runcfg_endpoint(&ein, &st->cfg);
	}
	if ((rc = endpoint_resolve(ep, &ein)) < 0)
		return rc;
	host = endpoint_git_host(ep);
	memset(&q, 0, sizeof(q));
	q.orgs = o->orgs;
	q.users = o->users;
	q.searches = o->searches;
	q.topics = o->topics;
	q.include_archived = o->include_archived;
	q.include_forks = o->include_forks;
	rc = token_load(&st->token, o->token_file);
	if (rc == ERR_AUTH && o->token_file == NULL && repos_query_any(&q)) {
		asked = true;
		rc = token_find(&st->token, NULL, host);
	}
	if (rc < 0 && !(rc == ERR_AUTH && o->token_file == NULL))
		goto out;
	if (st->token == NULL && repos_query_any(&q))
		log_warn("%s: asking the api without a token", err_last());
	memset(&in, 0, sizeof(in));
	memset(&stats, 0, sizeof(stats));
	in.repos_file = o->repos;
	in.query = &q;
	in.ep = ep;
	in.token = st->token;
	in.cache_dir = o->cache_dir;
	rc = selection_resolve(&st->list, &run->selection, &stats, &in);
	run->api_requests = stats.requests;
	run->api_not_modified = stats.not_modified;
	run->api_rate_limited = stats.rate_limited;
	run->api_waited_ms = stats.waited_ms;
	if (rc < 0)
		goto out;
	if (st->cfg.cfg != NULL)
		runcfg_add(&st->list, &run->selection, &st->cfg, ep->git_url);
	if (st->token == NULL && !asked && any_http(&st->list)) {
		rc = token_find(&st->token, NULL, host);
		if (rc < 0 && rc != ERR_AUTH)
			goto out;
	}
	if (st->token != NULL)
		log_debug("github token from %s", st->token->source);
	rc = 0;
out:
	free(host);
	return rc;
}

/* ---- pool callbacks ---- */

static int
run_next(void **task, const char **name, void *arg)
{
	struct run_state *st = arg;
	struct task *t;

	if (st->next >= st->list.n)
		return 0;
	t = &st->tasks[st->next++];
	*task = t;
	*name = t->e->name;
	return 1;
}

static int
run_started(struct pool_job *j, void *task, void *arg)
{
	struct run_state *st = arg;
	struct task *t = task;
	struct msg m;
	int rc;

	progress_started(&st->prog);
	if (st->token != NULL && is_http(t->e->url)) {
		/* The token travels only here: never in argv or a worker's env. */
		msg_init(&m, MSG_CRED);
		m.u.cred.token = (char *)token_value(st->token);
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
	m.u.job.mem_bytes = st->o->mem_bytes;
	m.u.job.cpu_seconds = st->o->cpu_seconds;
	m.u.job.open_files = st->o->open_files;
	m.u.job.max_frame = FRAME_MAX_DEFAULT;
	if (!st->o->no_pr) {
		/* commit and push what the command changed (worker/git/commit.h) */
		m.u.job.sync_branch = st->o->pr.branch;
		m.u.job.author_name = (char *)RUNPR_AUTHOR_NAME;
		m.u.job.author_email = (char *)RUNPR_AUTHOR_EMAIL;
		m.u.job.commit_message = st->commit_message;
		m.u.job.dry_run = st->o->pr.diff;
		m.u.job.want_diff = st->o->pr.diff;
	}
	rc = pool_send(j, &m);
	return rc;
}

static int
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

static void
run_finished(struct pool_job *j, void *task, struct record *final, void *arg)
{
	struct run_state *st = arg;
	struct task *t = task;
	const struct record *rec = &t->rec;
	char cause[RECORD_CAUSE_MAX];

	(void)j;
	record_move(&t->rec, final);
	t->done = true;
	st->ndone++;
	progress_finished(&st->prog, record_failed(rec));
	if (record_failed(rec)) {
		st->nfailed++;
		progress_line(&st->prog, "%sFAIL%s %s: %s%s%s (%.1fs)", progress_red(&st->prog),
		    progress_plain(&st->prog), rec->name, record_cause_name(cause, rec),
		    rec->error ? ": " : "", rec->error ? rec->error : "",
		    (double)rec->wall_us / 1e6);
	} else {
		progress_line(&st->prog, "%sok%s   %s (%.1fs)", progress_green(&st->prog),
		    progress_plain(&st->prog), rec->name, (double)rec->wall_us / 1e6);
	}
}

/* ---- the pull requests (after the workers, like sync_publish) ---- */

/*
 * Before anything runs: every repository must be one the API can open a
 * PR in, and a run that pushes needs a token and the API.
 */
static int
pr_prepare(struct run_state *st)
{
	struct api_opts ao;
	char *cache, *host;
	int rc;

	if ((rc = runpr_check_entries(&st->list)) < 0)
		return rc;
	st->commit_message = runpr_commit_message(&st->o->pr, st->o->argv, st->o->argc);
	if (st->o->pr.diff)
		return 0;     /* a preview pushes nothing and asks the API nothing */
	if (st->token == NULL) {
		host = endpoint_git_host(st->ep);
		rc = token_find(&st->token, st->o->token_file, host);
		free(host);
		if (rc < 0) {
			err_wrap("opening pull requests needs a token (--token-file, "
			    "GITHUB_TOKEN, GH_TOKEN or gh auth token; or pass --no-pr)");
			return ERR_AUTH;
		}
	}
	cache = xasprintf("%s/api", st->o->cache_dir);
	if ((rc = util_mkdirs(cache, 0700)) < 0) {
		free(cache);
		return rc;
	}
	api_opts_init(&ao);
	ao.base_url = st->ep->api_url;
	ao.cache_dir = cache;
	rc = api_new(&st->api, &ao, token_value(st->token));
	free(cache);
	if (rc < 0)
		err_wrap("repocast.api_url (from %s)", st->ep->api_from);
	return rc;
}

/* An earlier run's PR of a repository the command no longer changes is stale. */
static void
pr_close_unchanged(struct run_state *st, struct record *rec, const struct repolist_entry *e)
{
	struct runpr_out out;

	if (runpr_close_stale(&out, st->api, e->name, e->branch, st->o->pr.branch) < 0) {
		rec->outcome = OUTCOME_FAILED;
		record_set_cause(rec, CAUSE_PR, 0, err_last());
		st->nfailed++;
		progress_line(&st->prog, "%sFAIL%s %s: pr: %s", progress_red(&st->prog),
		    progress_plain(&st->prog), rec->name, rec->error);
		return;
	}
	if (out.number == 0)
		return;
	free(rec->sync.pr_url);
	rec->sync.pr_url = out.url;
	rec->sync.pr = PR_CLOSED;
	progress_line(&st->prog, "pr   %s: closed #%d %s (the command changed nothing)",
	    rec->name, out.number, out.url);
}

/* Open or update the PR of every repository whose branch was pushed; close
 * the stale one of a repository left unchanged. */
static void
pr_publish_all(struct run_state *st)
{
	struct runpr_out out;
	struct runpr_in in;
	size_t k;

	for (k = 0; k < st->list.n; k++) {
		struct task *t = &st->tasks[k];
		struct record *rec = &t->rec;

		if (!t->done || record_failed(rec) || !rec->has_result)
			continue;
		if (rec->outcome == OUTCOME_UNCHANGED) {
			pr_close_unchanged(st, rec, t->e);
			continue;
		}
		if (rec->outcome != OUTCOME_PUSHED)
			continue;
		memset(&in, 0, sizeof(in));
		in.text.repo = t->e->name;
		in.text.base = t->e->branch;
		in.text.branch = rec->result.branch;
		in.text.commit = rec->result.commit;
		in.text.diffstat = rec->result.diffstat;
		in.text.body = st->o->pr.body;
		in.text.argv = st->o->argv;
		in.text.argc = st->o->argc;
		in.o = &st->o->pr;
		if (runpr_publish(&out, st->api, &in) < 0) {
			rec->outcome = OUTCOME_FAILED;
			record_set_cause(rec, CAUSE_PR, 0, err_last());
			st->nfailed++;
			progress_line(&st->prog, "%sFAIL%s %s: pr: %s", progress_red(&st->prog),
			    progress_plain(&st->prog), rec->name, rec->error);
			continue;
		}
		free(rec->sync.pr_url);
		rec->sync.pr_url = out.url;
		rec->sync.pr = out.created ? PR_OPENED : out.updated ? PR_UPDATED : PR_CURRENT;
		progress_line(&st->prog, "pr   %s: %s #%d %s", rec->name,
		    record_pr_name(rec->sync.pr), out.number, out.url);
	}
}

/* --diff: every repository's diffstat and diff on stdout. */
static void
pr_print_diffs(const struct run_state *st)
{
	size_t k;

	for (k = 0; k < st->list.n; k++) {
		const struct record *rec = &st->tasks[k].rec;

		if (rec->outcome == OUTCOME_UNCHANGED)
			printf("=== %s: unchanged\n", rec->name);
		if (rec->outcome != OUTCOME_DRY_RUN || !rec->has_result)
			continue;
		printf("=== %s: would push branch '%s'\n%s\n%s", rec->name,
		    rec->result.branch ? rec->result.branch : "",
		    rec->result.diffstat ? rec->result.diffstat : "",
		    rec->result.diff ? rec->result.diff : "");
	}
	fflush(stdout);
}

/* ---- the command ---- */

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
	struct pool_ops ops = { run_next, run_started, run_message, run_finished };
	struct pool *pool = NULL;
	struct record *recs = NULL;
	struct report_in in;
	struct endpoint ep;
	char *worker = NULL, *path = NULL, *log_dir = NULL, *scratch = NULL, *tmpenv = NULL;
	const char *wenv[2] = { NULL, NULL };
	int rc, i, exit_code = EXIT_OK;
	size_t k;

	memset(&st, 0, sizeof(st));
	memset(&ep, 0, sizeof(ep));
	report_run_init(&run, "run");
	cmd_run_opts_init(&o);
	if ((rc = cmd_run_parse(&o, argc, argv)) < 0) {
		cmd_usage_error(RUN_HINT, "%s", err_last());
		exit_code = cmd_exit_status(CMD_INPUT, rc);
		goto out;
	}
	log_set_level(o.log_level);
	st.o = &o;
	if ((rc = run_select(&st, &run, &ep)) < 0) {
		/* A bad repos file or an org that does not exist is the user's; the
		 * API, the network and the token are the environment's. */
		exit_code = cmd_fail(rc == ERR_CONFIG || rc == ERR_NOTFOUND ? CMD_INPUT : CMD_ENV,
		    rc);
		goto out;
	}
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
	if (st.list.n == 0) {
		fprintf(stderr, "repocast: no repository matched: nothing to run\n");
		goto out;
	}
	st.ep = &ep;
	if (!o.no_pr && (rc = pr_prepare(&st)) < 0) {
		exit_code = cmd_fail(rc == ERR_CONFIG ? CMD_INPUT : CMD_ENV, rc);
		goto out;
	}
	st.tasks = xcalloc(st.list.n, sizeof(*st.tasks));
	for (k = 0; k < st.list.n; k++)
		st.tasks[k].e = &st.list.v[k];

	run.argv = xcalloc((size_t)o.argc + 1, sizeof(*run.argv));
	for (i = 0; i < o.argc; i++)
		run.argv[i] = xstrdup(o.argv[i]);
	run.jobs = o.jobs;
	run.timeout_ms = o.timeout_ms;
	run.retries = o.retries;
	if ((rc = report_make_dir(&st.run_dir, o.report_dir, run.id)) < 0) {
		exit_code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	log_dir = xasprintf("%s/targets", st.run_dir);
	worker = pool_find_worker(argv[0]);
	if (access(worker, X_OK) < 0)
		log_warn("worker '%s' is not executable: %s", worker, strerror(errno));

	/* Workers make their checkouts in a scratch directory the supervisor
	 * removes at the end: a worker killed mid-job leaves nothing behind. */
	if ((rc = tmpdir_make(&scratch, "repocast-run-")) < 0) {
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
	po.env = wenv;
	if ((rc = pool_new(&pool, &po, &ops, &st)) < 0) {
		exit_code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	log_info("run %s: %zu repositor%s, %zu at a time", run.id, st.list.n,
	    st.list.n == 1 ? "y" : "ies", st.list.n < (size_t)o.jobs ? st.list.n : (size_t)o.jobs);
	progress_init(&st.prog, stderr, st.list.n,
	    progress_is_tty(STDERR_FILENO) && !o.no_progress);
	pool_run(pool);
	run.interrupted = pool_interrupted(pool);
	if (!run.interrupted && st.api != NULL)
		pr_publish_all(&st);
	progress_end(&st.prog);
	run.orphans_reaped = pool_orphans(pool);
	if (run.interrupted)
		fill_not_started(&st);
	if (o.pr.diff)
		pr_print_diffs(&st);

	exit_code = run.interrupted ? EXIT_INTERRUPTED : st.nfailed > 0 ? EXIT_TARGETS : EXIT_OK;
	report_run_end(&run);
	run.exit_code = exit_code;
	recs = xcalloc(st.list.n, sizeof(*recs));
	for (k = 0; k < st.list.n; k++)
		recs[k] = st.tasks[k].rec;
	path = xasprintf("%s/report.json", st.run_dir);
	in.run = &run;
	in.recs = recs;
	in.n = st.list.n;
	in.dir = st.run_dir;
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
out:
	pool_free(pool);
	tmpdir_remove(scratch);
	free(scratch);
	free(tmpenv);
	free(recs);
	for (k = 0; st.tasks != NULL && k < st.list.n; k++)
		record_release(&st.tasks[k].rec);
	free(st.tasks);
	repolist_release(&st.list);
	runcfg_release(&st.cfg);
	api_free(st.api);
	free(st.commit_message);
	token_free(st.token);
	free(st.run_dir);
	free(log_dir);
	free(worker);
	free(path);
	report_run_release(&run);
	endpoint_release(&ep);
	cmd_run_opts_release(&o);
	return exit_code;
}
