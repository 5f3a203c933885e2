/*
 * repos — repositories chosen by a query instead of a list (`repocast run
 * --org/--user/--search/--topic`, docs/run.md), as multi-gitter and
 * git-xargs select them.
 *
 * The sources are unioned in this order: every --org (GET /orgs/{org}/repos),
 * every --user (GET /users/{u}/repos), every --search (GET
 * /search/repositories?q=), each in the order given and each source in the
 * API's order (full_name for orgs and users, best match for a search). A
 * repository listed by two sources is taken once, from the first. Then the
 * filters drop, with the reason recorded: archived repositories (unless
 * include_archived), forks (unless include_forks), and, when topics are
 * given, repositories carrying none of them (any one topic is enough;
 * compared case-insensitively, as GitHub stores topics in lowercase).
 *
 * Every page goes through the run's struct api (limiter, ETag cache, Link
 * pagination). A search leaves forks out unless its query says fork:true or
 * fork:only; with include_forks and no fork: qualifier, " fork:true" is
 * added to the query so that the forks can be included at all. Blocks.
 */
#ifndef REPOCAST_REPOS_H
#define REPOCAST_REPOS_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/strv.h"
#include "supervisor/github/api.h"

struct repos_query {
	struct strv orgs, users, searches, topics;   /* borrowed */
	bool include_archived, include_forks;
	/* Called before each search with the one owner its query names
	 * (repos_search_owner; NULL: none, or several), so that a GitHub App
	 * asks with that owner's installation (app_set_owner). NULL: not
	 * called. */
	void (*on_search)(const char *owner, void *arg);
	void *on_search_arg;
};

/* One repository the query selected, or one it dropped. */
struct repos_item {
	char *full_name;             /* "owner/name" */
	char *source;                /* "org:acme", "user:bob", "search:QUERY" */
	const char *skipped;         /* why it was dropped ("archived", "fork",
	                              * "no matching topic"), NULL when kept */
};

struct repos_result {
	struct repos_item *v;        /* kept and dropped, in the order seen */
	size_t n, cap;
	size_t nkept;
};

/* True when q names at least one org, user or search. Pure. */
bool repos_query_any(const struct repos_query *q);

/*
 * The owner a search query names, into owner (size n): its org:X or
 * user:X qualifier when it has exactly one such (or several naming the
 * same owner, compared case-insensitively). false when it names none or
 * several. Pure.
 */
bool repos_search_owner(char *owner, size_t n, const char *query);

/*
 * Run q into out (initialised here; release with repos_result_release,
 * also after a failure). Returns 0; ERR_NOTFOUND "organization 'x' not
 * found (or no access)" / "user 'x' not found"; ERR_CONFIG for an org or
 * user name GitHub would refuse; otherwise the api error wrapped as
 * "cannot list repositories of org 'acme': ...".
 */
int repos_resolve(struct repos_result *out, struct api *a, const struct repos_query *q);

/*
 * Add the repositories of one page (a JSON array, or a search answer
 * {"items": [...]}) from source to out, applying q's filters. Pure; for
 * repos_resolve and tests. ERR_PROTO for a page that is not one of those.
 */
int repos_add_page(struct repos_result *out, const struct repos_query *q, const char *source,
    const char *json, size_t len);

void repos_result_release(struct repos_result *r);

#endif
