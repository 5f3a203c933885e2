#include "supervisor/run/repolist.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

static int
name_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

/* owner/name as DESIGN §5 validates repos: [A-Za-z0-9][\w.-]* twice. */
static int
is_owner_name(const char *s)
{
	const char *slash = strchr(s, '/');
	const char *p;

	if (slash == NULL || slash == s || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)slash[1]))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (p != slash && !name_char((unsigned char)*p))
			return 0;
	return strchr(slash + 1, '/') == NULL;
}

/* The last n path components of s (without a trailing '/' or ".git"). */
static char *
tail_name(const char *s, int n)
{
	size_t end = strlen(s), start;
	int seen = 0;

	while (end > 0 && s[end - 1] == '/')
		end--;
	if (end >= 4 && strncmp(s + end - 4, ".git", 4) == 0)
		end -= 4;
	start = end;
	while (start > 0) {
		if (s[start - 1] == '/' && ++seen == n)
			break;
		start--;
	}
	return xstrndup(s + start, end - start);
}

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Fill e from spec; on a bad entry append "NAME:LINE: ..." to errs. */
static int
parse_entry(struct repolist_entry *e, const char *spec, const char *git_url, struct buf *errs,
    const char *file, int line)
{
	char cwd[PATH_MAX];

	memset(e, 0, sizeof(*e));
	e->line = line;
	if (strpbrk(spec, " \t") != NULL) {
		buf_addf(errs, "%s:%d: repository '%s' contains blanks\n", file, line, spec);
		return -1;
	}
	if (has_prefix(spec, "none:")) {
		e->name = xstrdup(spec[5] != '\0' ? spec + 5 : spec);
		if (spec[5] == '\0') {
			free(e->name);
			e->name = xasprintf("none-%d", line);
		}
		e->url = xstrdup("none:");
	} else if (has_prefix(spec, "http://") || has_prefix(spec, "https://")) {
		e->name = tail_name(spec, 2);
		e->url = xstrdup(spec);
	} else if (has_prefix(spec, "file://")) {
		e->name = tail_name(spec, 1);
		e->url = xstrdup(spec);
	} else if (spec[0] == '/' || has_prefix(spec, "./") || has_prefix(spec, "../")) {
		e->name = tail_name(spec, 1);
		if (spec[0] == '/') {
			e->url = xstrdup(spec);
		} else {
			if (getcwd(cwd, sizeof(cwd)) == NULL) {
				buf_addf(errs, "%s:%d: cannot resolve '%s': no current directory\n",
				    file, line, spec);
				free(e->name);
				e->name = NULL;
				return -1;
			}
			e->url = xasprintf("%s/%s", cwd, spec);
		}
	} else if (is_owner_name(spec)) {
		if (git_url == NULL || git_url[0] == '\0') {
			buf_addf(errs, "%s:%d: '%s' needs a git URL to resolve against (--git-url)\n",
			    file, line, spec);
			return -1;
		}
		e->name = xstrdup(spec);
		e->url = xasprintf("%s%s%s.git", git_url,
		    git_url[strlen(git_url) - 1] == '/' ? "" : "/", spec);
	} else {
		buf_addf(errs, "%s:%d: cannot parse repository '%s' (expected a path, a file:// or "
		    "http(s):// URL, owner/name, or none:)\n", file, line, spec);
		return -1;
	}
	if (e->name[0] == '\0') {
		buf_addf(errs, "%s:%d: repository '%s' has no name\n", file, line, spec);
		free(e->name);
		free(e->url);
		e->name = e->url = NULL;
		return -1;
	}
	e->spec = xstrdup(spec);
	return 0;
}

static void
entry_release(struct repolist_entry *e)
{
	free(e->spec);
	free(e->name);
	free(e->url);
	free(e->branch);
}

int
repolist_parse(struct repolist *l, const char *name, const char *text, const char *git_url)
{
	struct buf errs = BUF_INIT;
	size_t first = l->n, i, n;
	const char *p = text;
	int line = 0, rc = 0;

	while (*p != '\0') {
		struct repolist_entry e;
		char *spec;
		size_t a, b;

		n = strcspn(p, "\n");
		line++;
		a = 0;
		b = n;
		while (a < b && isspace((unsigned char)p[a]))
			a++;
		while (b > a && isspace((unsigned char)p[b - 1]))
			b--;
		if (a < b && p[a] != '#') {
			spec = xstrndup(p + a, b - a);
			if (parse_entry(&e, spec, git_url, &errs, name, line) == 0) {
				for (i = first; i < l->n; i++) {
					if (strcmp(l->v[i].name, e.name) == 0) {
						buf_addf(&errs, "%s:%d: duplicate repository '%s' "
						    "(first on line %d)\n", name, line, e.name,
						    l->v[i].line);
						break;
					}
				}
				ALLOC_GROW(l->v, l->n + 1, l->cap);
				l->v[l->n++] = e;
			}
			free(spec);
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	if (errs.len > 0) {
		buf_setlen(&errs, errs.len - 1);
		rc = err_set(ERR_CONFIG, "%s", errs.ptr);
		for (i = first; i < l->n; i++)
			entry_release(&l->v[i]);
		l->n = first;
	}
	buf_release(&errs);
	return rc;
}

int
repolist_load(struct repolist *l, const char *path, const char *git_url)
{
	struct buf b = BUF_INIT;
	size_t before = l->n;
	int rc;

	rc = buf_read_file(&b, path);
	if (rc == 0 && memchr(b.ptr, '\0', b.len) != NULL)
		rc = err_set(ERR_CONFIG, "%s: not a text file", path);
	if (rc == 0)
		rc = repolist_parse(l, path, b.ptr, git_url);
	if (rc == 0 && l->n == before)
		rc = err_set(ERR_CONFIG, "%s: no repositories listed", path);
	buf_release(&b);
	return rc;
}

int
repolist_add_repo(struct repolist *l, const char *full_name, const char *git_url)
{
	struct repolist_entry *e;
	size_t i, n = strlen(git_url);

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i].name, full_name) == 0)
			return 1;
	while (n > 0 && git_url[n - 1] == '/')
		n--;
	ALLOC_GROW(l->v, l->n + 1, l->cap);
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->spec = xstrdup(full_name);
	e->name = xstrdup(full_name);
	e->url = xasprintf("%.*s/%s.git", (int)n, git_url, full_name);
	return 0;
}

size_t
repolist_keep(struct repolist *l, const struct strv *names)
{
	size_t i, j, k = 0;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < names->n; j++)
			if (strcmp(l->v[i].name, names->v[j]) == 0)
				break;
		if (j < names->n)
			l->v[k++] = l->v[i];
		else
			entry_release(&l->v[i]);
	}
	l->n = k;
	return k;
}

size_t
repolist_keep_shard(struct repolist *l, const struct shard *s)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		if (shard_holds(s, l->v[i].name))
			l->v[k++] = l->v[i];
		else
			entry_release(&l->v[i]);
	}
	l->n = k;
	return k;
}

void
repolist_release(struct repolist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		entry_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
