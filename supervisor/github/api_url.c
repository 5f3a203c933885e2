/*
 * api_url — the URLs of the api module (api.h): an origin and whether it
 * is loopback, a path or a redirect resolved within the origin, escaping.
 */
#include "supervisor/github/api.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/github/api_internal.h"

static bool
host_is_loopback(const char *h, size_t n)
{
	struct in_addr in;
	char host[256];

	if (n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	/* Strip a port (but not from a bracketed IPv6 literal's inside). */
	if (host[0] == '[') {
		char *e = strchr(host, ']');

		if (e == NULL)
			return false;
		*e = '\0';
		return strcmp(host + 1, "::1") == 0;
	}
	if (strchr(host, ':') != NULL)
		*strchr(host, ':') = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return true;
	/* 127.0.0.0/8 as a real address: "127.0.0.1.example.com" is a name. */
	return inet_pton(AF_INET, host, &in) == 1 && (ntohl(in.s_addr) >> 24) == 127;
}

/* Split "scheme://host[:port]/..." into its origin; -1 when not http(s). */
int
api_parse_origin(const char *url, char **origin, bool *loopback, bool *plain)
{
	const char *p, *h;
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0) {
		h = url + 8;
		*plain = false;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		h = url + 7;
		*plain = true;
	} else {
		return -1;
	}
	n = strcspn(h, "/?#");
	if (n == 0)
		return -1;
	for (p = h; p < h + n; p++)
		if (*p == '@' || (unsigned char)*p <= ' ')
			return -1;     /* no userinfo, no spaces */
	*loopback = host_is_loopback(h, n);
	*origin = xstrndup(url, (size_t)(h - url) + n);
	return 0;
}

bool
api_url_is_loopback(const char *url)
{
	char *origin = NULL;
	bool loopback = false, plain;

	if (url == NULL || api_parse_origin(url, &origin, &loopback, &plain) != 0)
		return false;
	free(origin);
	return loopback;
}

static bool
same_origin(const struct api *a, const char *url)
{
	size_t n = strlen(a->origin);

	return strncasecmp(url, a->origin, n) == 0 &&
	    (url[n] == '\0' || url[n] == '/' || url[n] == '?');
}

/* The absolute URL for path, or NULL (err set) when it leaves the origin. */
char *
api_resolve(struct api *a, const char *path)
{
	if (path[0] == '/')
		return xasprintf("%s%s", a->base, path);
	if (same_origin(a, path))
		return xstrdup(path);
	err_set(ERR_PROTO, "refusing to send a request to '%.200s': not under '%s'",
	    path, a->origin);
	return NULL;
}

/* Resolve a Location against url; NULL when it leaves the origin. */
char *
api_redirect_target(struct api *a, const char *loc)
{
	if (loc[0] == '/' && loc[1] != '/')
		return xasprintf("%s%s", a->origin, loc);
	if (same_origin(a, loc))
		return xstrdup(loc);
	return NULL;
}


void
api_escape(struct buf *out, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
		    (keep_slash && *p == '/')) {
			buf_addch(out, *p);
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[*p >> 4]);
			buf_addch(out, hex[*p & 15]);
		}
	}
}
