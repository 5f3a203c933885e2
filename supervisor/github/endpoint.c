/* endpoint — see endpoint.h. */
#include "supervisor/github/endpoint.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/err.h"
#include "shared/util.h"

static bool
is_http_url(const char *s)
{
	return (strncmp(s, "https://", 8) == 0 && s[8] != '\0') ||
	    (strncmp(s, "http://", 7) == 0 && s[7] != '\0');
}

/* A copy of url without trailing slashes. */
static char *
trimmed(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

/* GH_HOST: a host name with an optional port, nothing else. */
static bool
host_ok(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '.' || s[0] == '-' || strlen(s) > 253)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != ':')
			return false;
	return true;
}

static int
from_env_url(char **url, char **from, const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		return 0;
	if (!is_http_url(v) || strpbrk(v, " \t\r\n") != NULL)
		return err_set(ERR_CONFIG, "%s '%s' is not an http(s) url", name, v);
	*url = trimmed(v);
	*from = xstrdup(name);
	return 1;
}

int
endpoint_resolve(struct endpoint *out, const struct endpoint_in *in)
{
	const char *host = getenv("GH_HOST");
	int rc;

	memset(out, 0, sizeof(*out));
	if (host != NULL && host[0] != '\0' && !host_ok(host))
		return err_set(ERR_CONFIG, "GH_HOST '%s' is not a host name", host);
	if (host != NULL && host[0] == '\0')
		host = NULL;

	if (in->api_flag != NULL) {
		out->api_url = trimmed(in->api_flag);
		out->api_from = xstrdup(in->api_flag_name ? in->api_flag_name : "--api-url");
	} else if (in->api_config != NULL) {
		out->api_url = trimmed(in->api_config);
		out->api_from = xstrdup(in->api_config_at ? in->api_config_at : "the config");
	} else if ((rc = from_env_url(&out->api_url, &out->api_from, "GITHUB_API_URL")) != 0) {
		if (rc < 0)
			return rc;
	} else if (host != NULL) {
		out->api_url = strcasecmp(host, "github.com") == 0 ?
		    xstrdup("https://api.github.com") : xasprintf("https://%s/api/v3", host);
		out->api_from = xstrdup("GH_HOST");
	} else {
		out->api_url = xstrdup("https://api.github.com");
		out->api_from = xstrdup("the default");
	}

	if (in->git_flag != NULL) {
		out->git_url = trimmed(in->git_flag);
		out->git_from = xstrdup(in->git_flag_name ? in->git_flag_name : "--git-url");
	} else if (in->git_config != NULL) {
		out->git_url = trimmed(in->git_config);
		out->git_from = xstrdup(in->git_config_at ? in->git_config_at : "the config");
	} else if ((rc = from_env_url(&out->git_url, &out->git_from, "GITHUB_SERVER_URL")) != 0) {
		if (rc < 0)
			return rc;
	} else if (host != NULL) {
		out->git_url = xasprintf("https://%s", host);
		out->git_from = xstrdup("GH_HOST");
	} else {
		out->git_url = xstrdup("https://github.com");
		out->git_from = xstrdup("the default");
	}
	return 0;
}

void
endpoint_release(struct endpoint *e)
{
	if (e == NULL)
		return;
	free(e->api_url);
	free(e->git_url);
	free(e->api_from);
	free(e->git_from);
	memset(e, 0, sizeof(*e));
}

int
endpoint_api_error(const struct endpoint *e, int rc)
{
	if (rc == ERR_NET || rc == ERR_TIMEOUT)
		err_wrap("repocast.api_url '%s' (from %s)", e->api_url, e->api_from);
	return rc;
}

char *
endpoint_git_host(const struct endpoint *e)
{
	const char *p = strstr(e->git_url, "://");
	size_t n;

	if (p == NULL)
		return NULL;
	p += 3;
	n = strcspn(p, "/?#");
	/* user:password@ is not part of the host */
	if (memchr(p, '@', n) != NULL) {
		const char *at = memchr(p, '@', n);

		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	return n > 0 ? xstrndup(p, n) : NULL;
}

char *
endpoint_graphql_url(const char *api_url)
{
	size_t n = strlen(api_url);
	static const char v3[] = "/api/v3";

	while (n > 0 && api_url[n - 1] == '/')
		n--;
	if (n >= sizeof(v3) - 1 && strncmp(api_url + n - (sizeof(v3) - 1), v3,
	    sizeof(v3) - 1) == 0)
		return xasprintf("%.*s/api/graphql", (int)(n - (sizeof(v3) - 1)), api_url);
	return xasprintf("%.*s/graphql", (int)n, api_url);
}
