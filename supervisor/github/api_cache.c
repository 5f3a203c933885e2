/*
 * api_cache — the api module's ETag cache (api.h): one file per URL under
 * cache_dir, named by a hash of the URL, holding the URL, the ETag, the
 * Link next and the body, written atomically.
 */
#include "supervisor/github/api.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/api_internal.h"

#define CACHE_MAGIC "repocast-http-cache 1"

static char *
cache_path(const struct api *a, const char *url)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)url; *p != '\0'; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return xasprintf("%s/%016" PRIx64, a->cache_dir, h);
}

/* Load url's entry; 0 when found and valid, else -1 (a miss, no error). */
int
api_cache_load(struct cache_entry *e, const struct api *a, const char *url)
{
	char *path = cache_path(a, url), *line[4], *p;
	int i, rc = -1;

	buf_init(&e->raw, 0);
	e->etag = e->link = NULL;
	if (buf_read_file(&e->raw, path) != 0) {
		err_clear();
		goto out;
	}
	p = e->raw.ptr;
	for (i = 0; i < 4; i++) {
		char *nl = strchr(p, '\n');

		if (nl == NULL)
			goto out;
		*nl = '\0';
		line[i] = p;
		p = nl + 1;
	}
	if (strcmp(line[0], CACHE_MAGIC) != 0 || strcmp(line[1], url) != 0 ||
	    line[2][0] == '\0')
		goto out;
	e->etag = line[2];
	e->link = line[3][0] != '\0' ? line[3] : NULL;
	e->body = p;
	e->body_len = e->raw.len - (size_t)(p - e->raw.ptr);
	rc = 0;
out:
	free(path);
	return rc;
}

void
api_cache_store(struct api *a, const char *url, const struct api_response *r)
{
	struct buf b = BUF_INIT;
	char *path;

	/* A header value with a newline would break the format: skip it. */
	if (strchr(r->etag, '\n') != NULL || strchr(url, '\n') != NULL ||
	    (r->link_next != NULL && strchr(r->link_next, '\n') != NULL))
		return;
	path = cache_path(a, url);
	buf_addf(&b, "%s\n%s\n%s\n%s\n", CACHE_MAGIC, url, r->etag,
	    r->link_next ? r->link_next : "");
	buf_add(&b, r->body.ptr, r->body.len);
	if (buf_write_file_atomic(&b, path) != 0) {
		log_warn("cannot update the http cache: %s", err_last());
		err_clear();
	}
	buf_release(&b);
	free(path);
}
