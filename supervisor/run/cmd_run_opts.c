/*
 * cmd_run_opts — the options of `repocast run`: the option table, the
 * defaults, and the parser that checks the flags against each other
 * (cmd_run_opts.h). The command is cmd_run.c.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/strv.h"
#include "shared/util.h"
#include "supervisor/config/config.h"
#include "supervisor/opt.h"
#include "supervisor/pool/logcap.h"
#include "supervisor/pool/pool.h"
#include "supervisor/report/report.h"
#include "supervisor/run/cmd_run_opts.h"
#include "supervisor/run/run_output.h"
#include "supervisor/run/runcfg.h"
#include "supervisor/run/runpr.h"
#include "supervisor/shard.h"

/* One row an option (opt.h); a new flag is a row here and a case in
 * run_parse_one. */
enum {
	ROPT_REPOS = 256, ROPT_NOPR, ROPT_NOPROGRESS, ROPT_TIMEOUT, ROPT_RETRIES, ROPT_GRACE,
	ROPT_MEMORY, ROPT_CPU, ROPT_FILES, ROPT_REPORTDIR, ROPT_REPORTFMT, ROPT_METRICS,
	ROPT_ONLYFAILED, ROPT_CACHEDIR, ROPT_GITURL, ROPT_TOKENFILE, ROPT_LOGLEVEL, ROPT_JSON,
	ROPT_OUTPUT, ROPT_ORG, ROPT_USER, ROPT_TOPIC, ROPT_SEARCH, ROPT_ARCHIVED, ROPT_FORKS,
	ROPT_DRYRUN, ROPT_APIURL, ROPT_PROCESSES, ROPT_MAXLOG, ROPT_SHARD,
	ROPT_BRANCH, ROPT_TITLE, ROPT_BODY, ROPT_BODYFILE, ROPT_LABELS, ROPT_REVIEWERS,
	ROPT_DRAFT, ROPT_DIFF, ROPT_GROUPS, ROPT_SKIPGROUPS, ROPT_PROFILE,
};

const struct opt_spec run_optspecs[] = {
	{ ROPT_REPOS, 0, "repos", true },
	{ ROPT_NOPR, 0, "no-pr", false },
	{ ROPT_NOPROGRESS, 0, "no-progress", false },
	{ 'j', 'j', "jobs", true },
	{ ROPT_TIMEOUT, 0, "timeout", true },
	{ ROPT_RETRIES, 0, "retries", true },
	{ ROPT_GRACE, 0, "grace", true },
	{ ROPT_MEMORY, 0, "memory", true },
	{ ROPT_CPU, 0, "cpu-seconds", true },
	{ ROPT_FILES, 0, "open-files", true },
	{ ROPT_REPORTDIR, 0, "report-dir", true },
	{ ROPT_REPORTFMT, 0, "report-format", true },
	{ ROPT_METRICS, 0, "metrics-file", true },
	{ ROPT_ONLYFAILED, 0, "only-failed", true },
	{ ROPT_CACHEDIR, 0, "cache-dir", true },
	{ ROPT_GITURL, 0, "git-url", true },
	{ ROPT_TOKENFILE, 0, "token-file", true },
	{ ROPT_LOGLEVEL, 0, "log-level", true },
	{ ROPT_JSON, 0, "json", false },
	{ ROPT_OUTPUT, 0, "output", true },
	{ ROPT_ORG, 0, "org", true },
	{ ROPT_USER, 0, "user", true },
	{ ROPT_TOPIC, 0, "topic", true },
	{ ROPT_SEARCH, 0, "search", true },
	{ ROPT_ARCHIVED, 0, "include-archived", false },
	{ ROPT_FORKS, 0, "include-forks", false },
	{ ROPT_DRYRUN, 0, "dry-run", false },
	{ ROPT_APIURL, 0, "api-url", true },
	{ ROPT_PROCESSES, 0, "processes", true },
	{ ROPT_MAXLOG, 0, "max-log", true },
	{ ROPT_SHARD, 0, "shard", true },
	{ ROPT_BRANCH, 0, "branch", true },
	{ ROPT_TITLE, 0, "title", true },
	{ ROPT_BODY, 0, "body", true },
	{ ROPT_BODYFILE, 0, "body-file", true },
	{ ROPT_LABELS, 0, "labels", true },
	{ ROPT_REVIEWERS, 0, "reviewers", true },
	{ ROPT_DRAFT, 0, "draft", false },
	{ ROPT_DIFF, 0, "diff", false },
	{ 'c', 'c', "config", true },
	{ ROPT_GROUPS, 0, "groups", true },
	{ ROPT_SKIPGROUPS, 0, "skip-groups", true },
	{ ROPT_PROFILE, 0, "profile", false },
};
const size_t run_noptspecs = ARRAY_SIZE(run_optspecs);

static int
parse_duration_flag(uint64_t *out, const struct opt_item *it)
{
	if (cfg_parse_duration(out, it->value) < 0)
		return err_set(ERR_CONFIG, "invalid duration '%s' for %s (e.g. 500ms, 90s, 10m, "
		    "1h30m)", it->value, it->name);
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
	o->max_log = LOGCAP_DEFAULT;
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

/* An option runpr_parse_flag or runcfg_parse_flag reads, by its long name. */
static int
run_parse_named(struct run_opts *o, const struct opt_item *it, bool cfg)
{
	const struct opt_spec *sp;
	char name[40];
	int i = 0, rc;

	for (sp = run_optspecs; sp->id != it->id; sp++)
		;
	snprintf(name, sizeof(name), "--%s", sp->long_name);
	rc = cfg ? runcfg_parse_flag(&o->cfg, name, it->value, 0, NULL, &i) :
	    runpr_parse_flag(&o->pr, name, it->value, 0, NULL, &i);
	if (rc == 0)
		BUG("run: '%s' is not the pull requests' or the config's", name);
	return rc < 0 ? rc : 0;
}

/* One option. */
static int
run_parse_one(struct run_opts *o, const struct opt_item *it)
{
	uint64_t v;

	switch (it->id) {
	case ROPT_REPOS:
		set_str(&o->repos, it->value);
		return 0;
	case ROPT_NOPR:
		o->no_pr = true;
		return 0;
	case ROPT_NOPROGRESS:
		o->no_progress = true;
		return 0;
	case 'j':
		if (opt_uint(&v, it, 1, 4096) < 0)
			return ERR_CONFIG;
		o->jobs = (int)v;
		return 0;
	case ROPT_TIMEOUT:
		return parse_duration_flag(&o->timeout_ms, it);
	case ROPT_GRACE:
		if (parse_duration_flag(&o->grace_ms, it) < 0)
			return ERR_CONFIG;
		if (o->grace_ms == 0)
			return err_set(ERR_CONFIG, "--grace must be more than 0");
		return 0;
	case ROPT_RETRIES:
		if (opt_uint(&v, it, 0, 10) < 0)
			return ERR_CONFIG;
		o->retries = (int)v;
		return 0;
	case ROPT_MEMORY:
		if (cfg_parse_size(&o->mem_bytes, it->value) < 0 || o->mem_bytes == 0)
			return err_set(ERR_CONFIG, "invalid size '%s' for --memory (e.g. 512M, 2G)",
			    it->value);
		return 0;
	case ROPT_CPU:
		return opt_uint(&o->cpu_seconds, it, 1, UINT32_MAX);
	case ROPT_FILES:
		return opt_uint(&o->open_files, it, 16, 1048576);
	case ROPT_REPORTDIR:
		set_str(&o->report_dir, it->value);
		return 0;
	case ROPT_REPORTFMT:
		return report_formats_parse(&o->report_formats, it->value) < 0 ? ERR_CONFIG : 0;
	case ROPT_METRICS:
		set_str(&o->metrics_file, it->value);
		return 0;
	case ROPT_ONLYFAILED:
		set_str(&o->only_failed, it->value);
		return 0;
	case ROPT_CACHEDIR:
		set_str(&o->cache_dir, it->value);
		return 0;
	case ROPT_GITURL:
		set_str(&o->git_url, it->value);
		return 0;
	case ROPT_TOKENFILE:
		set_str(&o->token_file, it->value);
		return 0;
	case ROPT_LOGLEVEL:
		return opt_log_level(&o->log_level, it);
	case ROPT_JSON:
		o->json = true;
		return 0;
	case ROPT_OUTPUT:
		return run_output_parse(&o->output, it->value);
	/* Repositories by query: repeatable, unioned (selection.h). */
	case ROPT_ORG:
		strv_add(&o->orgs, it->value);
		return 0;
	case ROPT_USER:
		strv_add(&o->users, it->value);
		return 0;
	case ROPT_TOPIC:
		strv_add(&o->topics, it->value);
		return 0;
	case ROPT_SEARCH:
		strv_add(&o->searches, it->value);
		return 0;
	case ROPT_ARCHIVED:
		o->include_archived = true;
		return 0;
	case ROPT_FORKS:
		o->include_forks = true;
		return 0;
	case ROPT_PROFILE:
		o->profile = true;
		return 0;
	case ROPT_DRYRUN:
		o->dry_run = true;
		return 0;
	case ROPT_APIURL:
		set_str(&o->api_url, it->value);
		return 0;
	/* The pull requests' own (runpr.h) and a sync config's targets
	 * (runcfg.h): their parsers take the long name and the value. */
	case ROPT_BRANCH: case ROPT_TITLE: case ROPT_BODY: case ROPT_BODYFILE:
	case ROPT_LABELS: case ROPT_REVIEWERS: case ROPT_DRAFT: case ROPT_DIFF:
		return run_parse_named(o, it, false);
	case 'c': case ROPT_GROUPS: case ROPT_SKIPGROUPS:
		return run_parse_named(o, it, true);
	case ROPT_SHARD:
		return shard_parse(&o->shard, it->value) < 0 ? ERR_CONFIG : 0;
	case ROPT_PROCESSES:
		return opt_uint(&o->processes, it, 1, 1 << 22);
	case ROPT_MAXLOG:
		if (cfg_parse_size(&o->max_log, it->value) < 0 || (o->max_log > 0 &&
		    o->max_log < LOGCAP_MIN))
			return err_set(ERR_CONFIG, "invalid size '%s' for --max-log (0 for no "
			    "cap, else at least 4K, e.g. 1M)", it->value);
		return 0;
	case OPT_OPERAND:
		return err_set(ERR_CONFIG, "unexpected argument '%s' (the command goes after --)",
		    it->value);
	default:
		BUG("run: option %d has no case", it->id);
	}
}

int
cmd_run_parse(struct run_opts *o, int argc, char **argv)
{
	struct opt_parser p;
	struct opt_item it;
	int rc;

	opt_init(&p, run_optspecs, ARRAY_SIZE(run_optspecs), argc, argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		if (it.id == OPT_HELP)
			return 1;
		if ((rc = run_parse_one(o, &it)) < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (o->topics.n > 0 && o->orgs.n == 0 && o->users.n == 0 && o->searches.n == 0)
		return err_set(ERR_CONFIG, "--topic filters the repositories of --org, --user or "
		    "--search: give one of them");
	if ((rc = runcfg_opts_check(&o->cfg)) < 0)
		return rc;
	if (o->repos == NULL && o->orgs.n == 0 && o->users.n == 0 && o->searches.n == 0 &&
	    o->cfg.config == NULL)
		return err_set(ERR_CONFIG, "no repositories: give --repos FILE, -c CONFIG, --org "
		    "ORG, --user USER or --search QUERY");
	o->argv = p.rest;
	o->argc = p.nrest;
	/* --dry-run runs nothing: no command needed */
	if (!o->dry_run && p.nrest == 0)
		return err_set(ERR_CONFIG, "no command given (repocast run ... -- CMD ARGS)");
	if (o->json && (o->output == RUN_OUTPUT_TAG || o->output == RUN_OUTPUT_GROUP))
		return err_set(ERR_CONFIG, "--json and --output %s both want stdout: pick one",
		    run_output_name(o->output));
	return runpr_opts_finish(&o->pr, o->no_pr, o->dry_run, o->argv, o->argc);
}
