/*
 * cmd_run_opts — the options of `repocast run` (the command itself is
 * cmd_run in cmd.h, cmd_run.c). Apart so the flag parsing can be tested on
 * its own.
 */
#ifndef REPOCAST_CMD_RUN_OPTS_H
#define REPOCAST_CMD_RUN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/log.h"
#include "shared/strv.h"
#include "supervisor/opt.h"
#include "supervisor/run/run_output.h"
#include "supervisor/shard.h"
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
	uint64_t processes;       /* --processes: the whole job's; 0 = none */
	uint64_t max_log;         /* --max-log: each log's cap; 0 = none */
	unsigned report_formats;  /* mask of enum report_format (report.h) */
	char *metrics_file;       /* --metrics-file PATH, or NULL */
	char *only_failed;        /* --only-failed RUN, or NULL */
	/* Repositories by query (selection.h), the API, --dry-run. */
	struct strv orgs, users, topics, searches;
	bool include_archived, include_forks, dry_run;
	char *api_url;            /* --api-url, or NULL (then the environment) */
	struct shard shard;       /* --shard K/N; count 0: every repository */
	struct runpr_opts pr;     /* the pull requests (runpr.h) unless --no-pr */
	struct runcfg_opts cfg;   /* -c CONFIG, --groups, --skip-groups (runcfg.h) */
	enum log_level log_level;
	bool json;                /* --json: the run's summary as JSON on stdout */
	bool profile;             /* --profile: workers sample themselves, perf the command */
	enum run_output_mode output; /* --output summary|tag|group */
	char **argv;          /* the command: borrowed from the argv given to parse */
	int argc;
};

/* Defaults: jobs = CPUs, timeout 10m, grace 5s, retries 1, .repocast/runs. */
void cmd_run_opts_init(struct run_opts *o);
void cmd_run_opts_release(struct run_opts *o);
/*
 * Parse `run` arguments (argv[0] is "run"). 0; 1 when --help was asked
 * for; or ERR_CONFIG with err_last naming the bad flag or value.
 */
int cmd_run_parse(struct run_opts *o, int argc, char **argv);
/* The option table cmd_run_parse reads (opt.h). */
extern const struct opt_spec run_optspecs[];
extern const size_t run_noptspecs;

#endif
