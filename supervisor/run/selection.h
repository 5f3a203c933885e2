/*
 * selection — which repositories a `repocast run` visits (docs/run.md,
 * "Choosing repositories"): the entries of a --repos file, then the
 * repositories of the API query (--org, --user, --search, filtered by
 * --topic, --include-archived, --include-forks; supervisor/github/repos.h),
 * each name once. The result is the run's repolist plus the record of every
 * repository considered, kept or skipped, for report.json's run.selection
 * and for --dry-run's listing.
 */
#ifndef REPOCAST_SELECTION_H
#define REPOCAST_SELECTION_H

#include <stdio.h>

#include "supervisor/github/api.h"
#include "supervisor/github/app.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/repos.h"
#include "supervisor/github/token.h"
#include "supervisor/report/report.h"
#include "supervisor/run/repolist.h"

struct selection_in {
	const char *repos_file;          /* --repos, or NULL */
	const struct repos_query *query; /* may name no source */
	const struct endpoint *ep;       /* api_url and git_url, with their origins */
	const struct token *token;       /* NULL: unauthenticated API requests */
	struct app *app;                 /* a GitHub App instead of token (appauth.h):
	                                  * each request with its owner's installation,
	                                  * a search with the owner its query names */
	const char *cache_dir;           /* the API's ETag cache goes to <cache_dir>/api */
};

/*
 * Fill list (appending) and sel (present set) from in. With a query, opens
 * an API client for the calls and adds its counters to *stats (may be
 * NULL). Returns 0; the repolist_load errors (ERR_CONFIG, ERR_NOTFOUND)
 * for the file; the repos_resolve errors for the query, a connection
 * failure naming repocast.api_url and where it came from. Blocks.
 */
int selection_resolve(struct repolist *list, struct report_selection *sel, struct api_stats *stats,
    const struct selection_in *in);

/*
 * For --dry-run: what was skipped, one "skipped NAME (REASON, SOURCE)"
 * line each, on err (the names that run are the repolist's).
 */
void selection_print_skipped(FILE *err, const struct report_selection *sel);

#endif
