/*
 * runcfg — `repocast run -c CONFIG`: a run's repositories taken from a sync
 * config (docs/run.md, "From a sync config"). Every target of the groups in
 * scope (sync's scope rules: --groups, --skip-groups, disabled groups only
 * when named) runs once, as owner/name fetched from the git server, on the
 * target's `branch` (else the repository's default branch); the config's
 * repocast.api_url and repocast.git_url apply as they do for sync (flags
 * win). Nothing else of the config is used by a run: its mappings,
 * transforms and PR settings belong to sync.
 */
#ifndef REPOCAST_RUNCFG_H
#define REPOCAST_RUNCFG_H

#include "shared/strv.h"
#include "supervisor/config/config.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/report/report.h"
#include "supervisor/run/repolist.h"
#include "supervisor/sync/scope.h"

struct runcfg_opts {
	char *config;                /* -c/--config FILE, or NULL */
	struct strv groups, skip;    /* --groups, --skip-groups (comma lists) */
};

void runcfg_opts_release(struct runcfg_opts *o);
/*
 * If name is -c, --config, --groups or --skip-groups, take it (val: the
 * "=value" part or NULL, then argv[*i + 1], advancing *i). 1 taken, 0 not
 * one of them, ERR_CONFIG. After the command line: --groups or
 * --skip-groups without -c is refused by runcfg_opts_check.
 */
int runcfg_parse_flag(struct runcfg_opts *o, const char *name, const char *val, int argc,
    char **argv, int *i);
int runcfg_opts_check(const struct runcfg_opts *o);

struct runcfg {
	struct cfg *cfg;
	struct scope scope;
	char *api_at, *git_at;       /* "FILE:LINE:COL" of the config's urls */
};

/*
 * Load and validate o->config (strictly, as sync does) and resolve its
 * scope into c (released with runcfg_release, also after a failure).
 * ERR_CONFIG with every config error (file:line:col), one a line;
 * ERR_NOTFOUND for a missing file.
 */
int runcfg_load(struct runcfg *c, const struct runcfg_opts *o);
void runcfg_release(struct runcfg *c);
/* The config's api_url/git_url into in (borrowed from c). */
void runcfg_endpoint(struct endpoint_in *in, const struct runcfg *c);
/*
 * Append every target in scope to l (owner/name under git_url, its branch;
 * a repository already listed is kept once) and to sel as source
 * "config:FILE".
 */
void runcfg_add(struct repolist *l, struct report_selection *sel, const struct runcfg *c,
    const char *git_url);

#endif
