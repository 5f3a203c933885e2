/* skipcache — see skipcache.h. */
#include "supervisor/sync/skipcache.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

#define SKIPCACHE_MAGIC "repocast-skip 1"

#ifndef REPOCAST_VERSION
#define REPOCAST_VERSION "unknown"
#endif

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* FNV-1a 64 over the key fields, each followed by a NUL. */
static uint64_t
skipcache_hash(const struct skipcache_key *k)
{
	const char *f[4] = { nz(k->target), nz(k->group), nz(k->branch_prefix),
	    nz(k->config_digest) };
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;
	const char *s;

	for (i = 0; i < ARRAY_SIZE(f); i++) {
		for (s = f[i]; ; s++) {
			h ^= (unsigned char)*s;
			h *= 0x100000001b3ull;
			if (*s == '\0')
				break;
		}
	}
	return h;
}

char *
skipcache_path(const char *cache_dir, const struct skipcache_key *k)
{
	return xasprintf("%s/state/skip-%016llx.txt", cache_dir,
	    (unsigned long long)skipcache_hash(k));
}

static bool
is_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[40] == '\0';
}

/* A value may not hold a line break (it would forge the next line). */
static bool
is_line(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

static bool
state_valid(const struct skipcache_state *st)
{
	if (!is_hex40(st->source_tree) || !is_hex40(st->base_head) || !is_line(st->branch))
		return false;
	if (strcmp(st->outcome, "up_to_date") == 0)
		return st->branch[0] == '\0' && st->branch_head[0] == '\0';
	if (strcmp(st->outcome, "pending_current") == 0)
		return st->branch[0] != '\0' && is_hex40(st->branch_head);
	return false;
}

void
skipcache_format(struct buf *out, const struct skipcache_key *k,
    const struct skipcache_state *st)
{
	buf_addf(out, "%s\nversion %s\ntarget %s\ngroup %s\nprefix %s\ndigest %s\n"
	    "tree %s\nbase %s\nbranch %s\nhead %s\noutcome %s\nfiles %llu %llu %llu\n",
	    SKIPCACHE_MAGIC, REPOCAST_VERSION, nz(k->target), nz(k->group), nz(k->branch_prefix),
	    nz(k->config_digest), st->source_tree, st->base_head,
	    st->branch[0] ? st->branch : "-", st->branch_head[0] ? st->branch_head : "-",
	    st->outcome, st->added, st->changed, st->deleted);
}

/*
 * Take the next line of *p (up to end), which must read "<name> <value>";
 * val and vlen then point at the value. false on any mismatch.
 */
static bool
take_line(const char **val, size_t *vlen, const char **p, const char *end, const char *name)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = strlen(name);

	if (nl == NULL || (size_t)(nl - *p) < n + 1 || memcmp(*p, name, n) != 0 ||
	    (*p)[n] != ' ')
		return false;
	*val = *p + n + 1;
	*vlen = (size_t)(nl - *val);
	*p = nl + 1;
	return true;
}

static bool
take_eq(const char **p, const char *end, const char *name, const char *want)
{
	const char *v;
	size_t n;

	return take_line(&v, &n, p, end, name) && n == strlen(want) && memcmp(v, want, n) == 0;
}

/* Copy a value into dst (cap bytes with the NUL); "-" is the empty value. */
static bool
take_into(char *dst, size_t cap, const char **p, const char *end, const char *name)
{
	const char *v;
	size_t n;

	if (!take_line(&v, &n, p, end, name) || n == 0 || n >= cap || memchr(v, '\0', n))
		return false;
	if (n == 1 && v[0] == '-')
		n = 0;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return true;
}

/* "files A C D": three decimal counts, nothing else. */
static bool
take_counts(struct skipcache_state *st, const char **p, const char *end)
{
	unsigned long long *out[3] = { &st->added, &st->changed, &st->deleted };
	const char *v, *q;
	size_t n, i;

	if (!take_line(&v, &n, p, end, "files"))
		return false;
	q = v;
	for (i = 0; i < 3; i++) {
		unsigned long long x = 0;
		size_t digits = 0;

		if (i > 0 && (q >= v + n || *q++ != ' '))
			return false;
		while (q < v + n && *q >= '0' && *q <= '9' && digits < 19) {
			x = x * 10 + (unsigned long long)(*q++ - '0');
			digits++;
		}
		if (digits == 0)
			return false;
		*out[i] = x;
	}
	return q == v + n;
}

int
skipcache_parse(struct skipcache_state *st, const char *text, size_t len,
    const struct skipcache_key *k)
{
	const char *p = text, *end = text + len;
	size_t m = strlen(SKIPCACHE_MAGIC);

	memset(st, 0, sizeof(*st));
	if (len > SKIPCACHE_FILE_MAX || len < m + 1 || memcmp(p, SKIPCACHE_MAGIC, m) != 0 ||
	    p[m] != '\n')
		goto miss;
	p += m + 1;
	if (!take_eq(&p, end, "version", REPOCAST_VERSION) ||
	    !take_eq(&p, end, "target", nz(k->target)) ||
	    !take_eq(&p, end, "group", nz(k->group)) ||
	    !take_eq(&p, end, "prefix", nz(k->branch_prefix)) ||
	    !take_eq(&p, end, "digest", nz(k->config_digest)) ||
	    !take_into(st->source_tree, sizeof(st->source_tree), &p, end, "tree") ||
	    !take_into(st->base_head, sizeof(st->base_head), &p, end, "base") ||
	    !take_into(st->branch, sizeof(st->branch), &p, end, "branch") ||
	    !take_into(st->branch_head, sizeof(st->branch_head), &p, end, "head") ||
	    !take_into(st->outcome, sizeof(st->outcome), &p, end, "outcome") ||
	    !take_counts(st, &p, end) || p != end || !state_valid(st))
		goto miss;
	return 1;
miss:
	memset(st, 0, sizeof(*st));
	return 0;
}

int
skipcache_load(struct skipcache_state *st, const char *cache_dir,
    const struct skipcache_key *k)
{
	struct buf b = BUF_INIT;
	char *path = skipcache_path(cache_dir, k);
	struct stat sb;
	int found = 0;

	memset(st, 0, sizeof(*st));
	/* A huge file is corrupt: never read more than the cap. */
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size <= SKIPCACHE_FILE_MAX &&
	    buf_read_file(&b, path) == 0)
		found = skipcache_parse(st, b.ptr ? b.ptr : "", b.len, k);
	err_clear();
	buf_release(&b);
	free(path);
	return found;
}

int
skipcache_store(const char *cache_dir, const struct skipcache_key *k,
    const struct skipcache_state *st)
{
	struct buf b = BUF_INIT;
	char *dir, *path;
	int rc;

	if (!state_valid(st))
		return err_set(ERR_CONFIG, "skip cache: cannot record outcome '%s' of '%s'",
		    st->outcome, nz(k->target));
	if (!is_line(nz(k->target)) || !is_line(nz(k->group)) ||
	    !is_line(nz(k->branch_prefix)) || !is_line(nz(k->config_digest)))
		return err_set(ERR_CONFIG, "skip cache: line break in the key of '%s'",
		    nz(k->target));
	dir = xasprintf("%s/state", cache_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = err_sys(ERR_FAIL, "cannot create directory '%s'", dir);
		free(dir);
		return rc;
	}
	free(dir);
	path = skipcache_path(cache_dir, k);
	skipcache_format(&b, k, st);
	rc = buf_write_file_atomic(&b, path);
	buf_release(&b);
	free(path);
	return rc;
}

void
skipcache_forget(const char *cache_dir, const struct skipcache_key *k)
{
	char *path = skipcache_path(cache_dir, k);

	(void)unlink(path);
	free(path);
}

bool
skipcache_match(const struct skipcache_state *rec, const struct skipcache_state *now)
{
	return now->source_tree[0] != '\0' && now->base_head[0] != '\0' &&
	    strcmp(rec->source_tree, now->source_tree) == 0 &&
	    strcmp(rec->base_head, now->base_head) == 0 &&
	    strcmp(rec->branch, now->branch) == 0 &&
	    strcmp(rec->branch_head, now->branch_head) == 0;
}
