/*
 * config — loading a struct cfg: bytes, limits, digest, defaults, then
 * the YAML layer (yaml.c), the schema walk (parse.c, with settings.c,
 * walk.c and value.c) and the cross-field rules (check.c); the errors
 * sorted by position. The top of the loader: it calls those files, and
 * they call only data.c (the values, their copies and release, the
 * error list) below them, never this file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/config/internal.h"

static int
err_before(const struct cfg_error *a, const struct cfg_error *b)
{
	return a->line < b->line || (a->line == b->line && a->col < b->col);
}

/* Stable sort of errs[from..] by position (a merge sort: n may be large). */
static void
errors_sort(struct cfg_errors *errs, size_t from)
{
	size_t n = errs->n - from, width, i;
	struct cfg_error *a = errs->v + from, *tmp;

	if (n < 2)
		return;
	tmp = xmalloc(n * sizeof(*tmp));
	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t l = i, mid = i + width < n ? i + width : n;
			size_t r = mid, end = i + 2 * width < n ? i + 2 * width : n, k = i;

			while (l < mid && r < end)
				tmp[k++] = err_before(&a[r], &a[l]) ? a[r++] : a[l++];
			while (l < mid)
				tmp[k++] = a[l++];
			while (r < end)
				tmp[k++] = a[r++];
		}
		memcpy(a, tmp, n * sizeof(*a));
	}
	free(tmp);
}

char *
cfg_default_cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/repocast", xdg);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.cache/repocast", home);
	return xstrdup(".repocast/cache");
}

static void
set_defaults(struct cfg *c)
{
	static const char *const formats[] = { "json", "md", "html", "junit", "trace", "prom" };
	size_t i;

	c->rc.timeout_ms = 10 * 60 * 1000;
	c->rc.retries = 1;
	c->rc.seccomp = 1;  /* auto */
	c->rc.max_file_size = CFG_MAX_FILE_SIZE;
	c->rc.commit_api_max_blobs = CFG_API_MAX_BLOBS;
	c->rc.commit_api_max_bytes = CFG_API_MAX_BYTES;
	c->rc.cache_dir = cfg_default_cache_dir();
	c->rc.api_url = xstrdup("https://api.github.com");
	c->rc.git_url = xstrdup("https://github.com");
	c->rc.report_dir = xstrdup(".repocast/runs");
	c->rc.report_formats.v = xcalloc(ARRAY_SIZE(formats), sizeof(char *));
	for (i = 0; i < ARRAY_SIZE(formats); i++)
		c->rc.report_formats.v[i] = xstrdup(formats[i]);
	c->rc.report_formats.n = ARRAY_SIZE(formats);
	c->rc.api_write_interval_ms = 1000;
	c->rc.api_creates_per_minute = 80;
	c->rc.api_creates_per_hour = 500;
	c->rc.api_graphql = true;
	c->rc.api_graphql_batch = 50;
	c->preflight.enabled = true;
	c->preflight.primary_margin_percent = 20;
	c->preflight.secondary_reserve = 10;
}

int
cfg_load_mem(struct cfg **out, const char *name, const char *data, size_t len,
    struct cfg_errors *errs)
{
	struct carena arena = { NULL };
	struct cnode *root = NULL;
	struct cfg *c;
	size_t before = errs->n;
	git_oid oid;

	*out = NULL;
	if (len > CFG_MAX_BYTES) {
		cfg_errors_add(errs, name, 1, 1, "config too large: %zu bytes (the limit is %zu"
		    " bytes, 8 MiB)", len, CFG_MAX_BYTES);
		return err_set(ERR_CONFIG, "config '%s' is too large", name);
	}
	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(name);
	set_defaults(c);
	if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) == 0)
		git_oid_tostr(c->digest, sizeof(c->digest), &oid);
	if (cfg_yaml_load(&root, &arena, name, data, len, errs) == 0) {
		cfg_parse_tree(c, root, name, errs);
		cfg_validate(c, name, errs);
	}
	cfg_arena_release(&arena);
	if (errs->n != before) {
		errors_sort(errs, before);
		cfg_free(c);
		return err_set(ERR_CONFIG, "invalid config '%s' (%zu errors)", name,
		    errs->n - before);
	}
	*out = c;
	return 0;
}

int
cfg_load(struct cfg **out, const char *path, struct cfg_errors *errs)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int fd, rc;
	ssize_t r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		cfg_errors_add(errs, path, 0, 0, "cannot open config: %s", strerror(e));
		errno = e;
		return err_sys(e == ENOENT ? ERR_NOTFOUND : ERR_CONFIG, "cannot open config '%s'",
		    path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cfg_errors_add(errs, path, 0, 0, "cannot read config: not a regular file");
		close(fd);
		return err_set(ERR_CONFIG, "cannot read config '%s': not a regular file", path);
	}
	if ((uint64_t)st.st_size > CFG_MAX_BYTES) {
		cfg_errors_add(errs, path, 1, 1, "config too large: %llu bytes (the limit is %zu"
		    " bytes, 8 MiB)", (unsigned long long)st.st_size, CFG_MAX_BYTES);
		close(fd);
		return err_set(ERR_CONFIG, "config '%s' is too large", path);
	}
	/* Read at most one byte past the limit, in case the file grows. */
	buf_grow(&b, (size_t)st.st_size + 1);
	for (;;) {
		buf_grow(&b, 65536);
		r = read(fd, b.ptr + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		buf_setlen(&b, b.len + (size_t)r);
		if (b.len > CFG_MAX_BYTES)
			break;
	}
	if (r < 0) {
		int e = errno;

		cfg_errors_add(errs, path, 0, 0, "cannot read config: %s", strerror(e));
		close(fd);
		buf_release(&b);
		errno = e;
		return err_sys(ERR_CONFIG, "cannot read config '%s'", path);
	}
	close(fd);
	rc = cfg_load_mem(out, path, b.ptr, b.len, errs);
	buf_release(&b);
	return rc;
}

