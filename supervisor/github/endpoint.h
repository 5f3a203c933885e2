/*
 * endpoint — where the GitHub API and the git server are (docs/github.md).
 *
 * Each URL is taken from the first of these that sets it:
 *   api_url: a flag (--api-url), the config (repocast.api_url),
 *            GITHUB_API_URL, GH_HOST, the default https://api.github.com;
 *   git_url: a flag (--git-url), the config (repocast.git_url),
 *            GITHUB_SERVER_URL, GH_HOST, the default https://github.com.
 * GITHUB_API_URL and GITHUB_SERVER_URL are what GitHub Actions sets; GH_HOST
 * is gh's: HOST gives https://HOST/api/v3 and https://HOST (GitHub
 * Enterprise Server), except github.com itself (https://api.github.com).
 * Each URL remembers where it came from ("--api-url", "sync.yaml:12:12",
 * "GITHUB_API_URL", "GH_HOST", "the default") so errors can say it.
 */
#ifndef REPOCAST_ENDPOINT_H
#define REPOCAST_ENDPOINT_H

#include "supervisor/github/api.h"

/* What the command line and the config say; NULL fields are unset. */
struct endpoint_in {
	const char *api_flag, *git_flag;           /* the values of --api-url, --git-url */
	const char *api_flag_name, *git_flag_name; /* default "--api-url", "--git-url" */
	const char *api_config, *git_config;       /* set by the config file */
	const char *api_config_at, *git_config_at; /* "FILE:LINE:COL" of those */
};

struct endpoint {
	char *api_url, *git_url;     /* no trailing '/' */
	char *api_from, *git_from;   /* where each came from (see above) */
};

/*
 * Fill out from in and the environment (initialised here; release with
 * endpoint_release, also after a failure). ERR_CONFIG when an environment
 * value is not an http(s) URL or GH_HOST is not a host name
 * ("GITHUB_API_URL 'x' is not an http(s) url"). Does not block.
 */
int endpoint_resolve(struct endpoint *out, const struct endpoint_in *in);
void endpoint_release(struct endpoint *e);

/*
 * Add to err_last what an API failure rc says about the endpoint: for a
 * connection failure or a timeout (ERR_NET, ERR_TIMEOUT) the error becomes
 * "cannot reach the github api at 'URL' (repocast.api_url, from FROM):
 * <what failed>". Other errors are left as they are. Returns rc.
 */
int endpoint_api_error(const struct endpoint *e, int rc);

/*
 * The host[:port] of e's git server, for `gh auth token --hostname`
 * (a new string; NULL when git_url has no host).
 */
char *endpoint_git_host(const struct endpoint *e);

/*
 * The GraphQL endpoint next to api_url (a new string): a GitHub Enterprise
 * Server's "https://HOST/api/v3" gives "https://HOST/api/graphql" (so
 * does the loopback forge's "http://127.0.0.1:PORT/api/v3"), anything
 * else gets "/graphql" appended ("https://api.github.com/graphql").
 * A trailing '/' is ignored. Pure.
 */
char *endpoint_graphql_url(const char *api_url);

#endif
