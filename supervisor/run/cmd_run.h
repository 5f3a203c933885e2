/*
 * cmd_run — the options of `repocast run` (the command itself is cmd_run in
 * cmd.h). Split out so the flag parsing can be tested on its own.
 */
#ifndef REPOCAST_CMD_RUN_H
#define REPOCAST_CMD_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/log.h"
#include "shared/strv.h"
#include "supervisor/run/runcfg.h"
#include "supervisor/run/runpr.h"

struct run_opts {
	char *repos;
	bool no_pr;
	bool no_progress;     /* plain lines even on a terminal */
	int jobs;
	uint64_t timeout_ms, grace_ms;
	int retries;
	uint64_t mem_bytes, cpu_seconds, open_files;
	char *report_dir, *cache_dir, *token_file;
	char *git_url;            /* --git-url, or NULL (then the environment) */
	unsigned report_formats;  /* mask of enum report_format (report.h) */
	char *metrics_file;       /* --metrics-file PATH, or NULL */
	char *only_failed;        /* --only-failed RUN, or NULL */
	/* Repositories by query (selection.h), the API, --dry-run. */
	struct strv orgs, users, topics, searches;
	bool include_archived, include_forks, dry_run;
	char *api_url;            /* --api-url, or NULL (then the environment) */
	struct runpr_opts pr;     /* the pull requests (runpr.h) unless --no-pr */
	struct runcfg_opts cfg;   /* -c CONFIG, --groups, --skip-groups (runcfg.h) */
	enum log_level log_level;
	char **argv;          /* the command: borrowed from the argv given to parse */
	int argc;
};

/* Defaults: jobs = CPUs, timeout 10m, grace 5s, retries 1, .repocast/runs. */
void cmd_run_opts_init(struct run_opts *o);
void cmd_run_opts_release(struct run_opts *o);
/*
 * Parse `run` arguments (argv[0] is "run"). 0, or ERR_CONFIG with err_last
 * naming the bad flag or value.
 */
int cmd_run_parse(struct run_opts *o, int argc, char **argv);
/* Every long option cmd_run_parse knows, without "--". */
extern const char *const run_options[];
extern const size_t run_noptions;

#endif
