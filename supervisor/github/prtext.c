/* prtext — see prtext.h. */
#include "supervisor/github/prtext.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/util.h"

#define META_MARK "<!-- repocast-metadata"
#define META_VERSION 1

static const char *const gb_marks[] = {
	"<!-- go-broadcast-metadata",
	"<!-- go-broadcast:metadata",
	"<!-- go-broadcast metadata",
};

static size_t
hex_len(const char *s)
{
	size_t n = 0;

	while (s != NULL && isxdigit((unsigned char)s[n]))
		n++;
	return n;
}

bool
prtext_commit_eq(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return false;
	n = strlen(a);
	if ((n != 40 && n != 64) || hex_len(a) != n || strlen(b) != n ||
	    hex_len(b) != n)
		return false;
	return strncasecmp(a, b, n) == 0;
}

static int
short_commit(char out[8], const char *commit)
{
	size_t i;

	if (hex_len(commit) < 7)
		return err_set(ERR_CONFIG, "bad commit id '%s': need at least 7 hex "
		    "digits", commit ? commit : "(null)");
	for (i = 0; i < 7; i++)
		out[i] = (char)tolower((unsigned char)commit[i]);
	out[7] = '\0';
	return 0;
}

int
prtext_title(struct buf *out, const char *commit)
{
	char sha7[8];
	int rc;

	if ((rc = short_commit(sha7, commit)) != 0)
		return rc;
	buf_addf(out, "[Sync] Update project files from source repository (%s)", sha7);
	return 0;
}

static bool
scope_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

void
prtext_scope(struct buf *out, const char *target_repo)
{
	const char *name = strrchr(target_repo, '/');
	size_t start = out->len;
	bool dash = false;

	name = name ? name + 1 : target_repo;
	for (; *name != '\0'; name++) {
		if (scope_char((unsigned char)*name)) {
			if (dash && out->len > start)
				buf_addch(out, '-');
			dash = false;
			buf_addch(out, *name);
		} else {
			dash = true;
		}
	}
	/* Trim dashes at both ends, as go-broadcast does. */
	while (out->len > start && out->ptr[out->len - 1] == '-')
		buf_setlen(out, out->len - 1);
	while (out->len > start && out->ptr[start] == '-') {
		memmove(out->ptr + start, out->ptr + start + 1, out->len - start - 1);
		buf_setlen(out, out->len - 1);
	}
	if (out->len == start)
		buf_addstr(out, "unknown");
}

static int
check_prefix(const char *prefix)
{
	const char *p;

	if (prefix == NULL || prefix[0] == '\0')
		return err_set(ERR_CONFIG, "invalid branch prefix '': empty");
	for (p = prefix; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '/' && *p != '_' && *p != '-')
			return err_set(ERR_CONFIG, "invalid branch prefix '%s': only "
			    "letters, digits, '/', '_' and '-' are allowed", prefix);
	return 0;
}

int
prtext_branch(struct buf *out, const char *prefix, const char *target_repo,
    time_t when, const char *commit)
{
	char sha7[8], ts[32];
	struct tm tm;
	int rc;

	if ((rc = check_prefix(prefix)) != 0 || (rc = short_commit(sha7, commit)) != 0)
		return rc;
	if (gmtime_r(&when, &tm) == NULL)
		return err_set(ERR_CONFIG, "bad branch time %lld", (long long)when);
	strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	buf_addf(out, "%s-", prefix);
	prtext_scope(out, target_repo);
	buf_addf(out, "-%s-%s", ts, sha7);
	return 0;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int
prtext_branch_parse(struct prtext_branch *out, const char *name,
    const char *prefix)
{
	size_t pn = strlen(prefix), n, i;
	const char *s, *c, *t, *d;
	struct tm tm;
	int v[6];

	memset(out, 0, sizeof(*out));
	if (strncmp(name, prefix, pn) != 0 || name[pn] != '-')
		goto no;
	s = name + pn + 1;
	n = strlen(s);
	/* From the end: -<hex>, -<6 digits>, -<8 digits>; the rest is scope. */
	if ((c = strrchr(s, '-')) == NULL || c[1] == '\0' ||
	    hex_len(c + 1) != strlen(c + 1) || strlen(c + 1) >= sizeof(out->commit))
		goto no;
	if (c - s < 16 || c[-7] != '-' || !all_digits(c - 6, 6) || c[-16] != '-' ||
	    !all_digits(c - 15, 8))
		goto no;
	t = c - 6;
	d = c - 15;
	n = (size_t)(d - 1 - s);
	if (n == 0 || n >= sizeof(out->scope))
		goto no;
	for (i = 0; i < n; i++)
		if (!scope_char((unsigned char)s[i]))
			goto no;
	memcpy(out->scope, s, n);
	out->scope[n] = '\0';
	strcpy(out->commit, c + 1);
	sscanf(d, "%4d%2d%2d", &v[0], &v[1], &v[2]);
	sscanf(t, "%2d%2d%2d", &v[3], &v[4], &v[5]);
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		goto no;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	out->when = timegm(&tm);
	/* timegm normalises 31 February into March: reject such dates. */
	if (tm.tm_mday != v[2] || tm.tm_mon != v[1] - 1)
		goto no;
	return 0;
no:
	memset(out, 0, sizeof(*out));
	return err_set(ERR_NOTFOUND, "'%s' is not a sync branch of '%s'", name, prefix);
}

/* ---- the body ---- */

/* Inline code for a path: control characters shown as '?'. */
static void
add_code(struct buf *out, const char *s)
{
	bool tick = strchr(s, '`') != NULL;

	buf_addstr(out, tick ? "`` " : "`");
	for (; *s != '\0'; s++)
		buf_addch(out, (unsigned char)*s < ' ' ? '?' : *s);
	buf_addstr(out, tick ? " ``" : "`");
}

/* The metadata comment line; with_files false drops the file list. */
static void
meta_line(struct buf *out, const struct prtext_in *in, bool with_files)
{
	json_t *j = json_object(), *files;
	char *s, *p;
	size_t i;

	json_object_set_new(j, "version", json_integer(META_VERSION));
	json_object_set_new(j, "source_repo", json_string(in->source_repo));
	if (in->source_branch != NULL)
		json_object_set_new(j, "source_branch", json_string(in->source_branch));
	json_object_set_new(j, "source_commit", json_string(in->source_commit));
	json_object_set_new(j, "target_repo", json_string(in->target_repo));
	if (in->target_branch != NULL)
		json_object_set_new(j, "target_branch", json_string(in->target_branch));
	if (in->config_digest != NULL)
		json_object_set_new(j, "config_digest", json_string(in->config_digest));
	json_object_set_new(j, "file_count", json_integer((json_int_t)in->nfiles));
	if (in->nmodules > 0) {
		json_t *mods = json_array();

		for (i = 0; i < in->nmodules; i++) {
			const struct prtext_module *m = &in->modules[i];

			json_array_append_new(mods, json_pack("{s:s, s:s, s:o, s:s}", "dir", m->dir,
			    "dest", m->dest, "version", m->version ? json_string(m->version) :
			    json_null(), "commit", m->commit));
		}
		json_object_set_new(j, "modules", mods);
	}
	if (with_files) {
		files = json_array();
		for (i = 0; i < in->nfiles; i++)
			json_array_append_new(files, json_pack("{s:s, s:s}", "path",
			    in->files[i].path, "status", in->files[i].status ?
			    in->files[i].status : "modified"));
		json_object_set_new(j, "files", files);
	} else {
		json_object_set_new(j, "files_truncated", json_true());
	}
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (s == NULL)
		BUG("cannot serialise the pr metadata");
	buf_addstr(out, META_MARK " ");
	/*
	 * '<' and '>' only occur inside strings: escaped, neither "-->" nor
	 * another block's marker can appear in the JSON.
	 */
	for (p = s; *p != '\0'; p++) {
		if (*p == '>')
			buf_addstr(out, "\\u003e");
		else if (*p == '<')
			buf_addstr(out, "\\u003c");
		else
			buf_addch(out, *p);
	}
	buf_addstr(out, " -->\n");
	free(s);
}

static void
summary(struct buf *out, const struct prtext_in *in)
{
	static const char *const kinds[] = { "added", "modified", "deleted" };
	size_t count[3] = { 0, 0, 0 }, i, k, other = 0;
	const char *sep = "";

	for (i = 0; i < in->nfiles; i++) {
		for (k = 0; k < 3; k++)
			if (in->files[i].status && strcmp(in->files[i].status, kinds[k]) == 0)
				break;
		if (k < 3)
			count[k]++;
		else
			other++;
	}
	buf_addf(out, "%zu file%s changed", in->nfiles, in->nfiles == 1 ? "" : "s");
	if (in->nfiles > 0)
		buf_addstr(out, " (");
	for (k = 0; k < 3; k++) {
		if (count[k] == 0)
			continue;
		buf_addf(out, "%s%zu %s", sep, count[k], kinds[k]);
		sep = ", ";
	}
	if (other > 0)
		buf_addf(out, "%s%zu other", sep, other);
	if (in->nfiles > 0)
		buf_addch(out, ')');
}

int
prtext_body(struct buf *out, const struct prtext_in *in, size_t max)
{
	struct buf head = BUF_INIT, meta = BUF_INIT, list = BUF_INIT, line = BUF_INIT;
	size_t i, budget, fixed;
	int rc = 0;

	if (max == 0)
		max = PRTEXT_BODY_MAX;
	if (in->source_repo == NULL || in->target_repo == NULL ||
	    in->source_commit == NULL)
		return err_set(ERR_CONFIG, "cannot write the pull request body: "
		    "source repo, source commit and target repo are required");
	buf_addstr(&head, "## What changed\n\nrepocast synced files from ");
	add_code(&head, in->source_repo);
	if (in->source_branch != NULL) {
		buf_addstr(&head, " (branch ");
		add_code(&head, in->source_branch);
		buf_addch(&head, ')');
	}
	buf_addstr(&head, " at commit ");
	add_code(&head, in->source_commit);
	buf_addstr(&head, " into ");
	add_code(&head, in->target_repo);
	if (in->target_branch != NULL) {
		buf_addstr(&head, " (base ");
		add_code(&head, in->target_branch);
		buf_addch(&head, ')');
	}
	buf_addstr(&head, ".\n\n");
	if (in->nmodules > 0) {
		buf_addstr(&head, "Module directories at their versions:\n\n");
		for (i = 0; i < in->nmodules; i++) {
			const struct prtext_module *m = &in->modules[i];

			buf_addstr(&head, "- ");
			add_code(&head, m->dir);
			buf_addstr(&head, " -> ");
			add_code(&head, m->dest);
			buf_addstr(&head, " at ");
			if (m->version != NULL)
				add_code(&head, m->version);
			else
				buf_addstr(&head, "the branch head");
			buf_addstr(&head, " (commit ");
			add_code(&head, m->commit);
			buf_addstr(&head, ")\n");
		}
		buf_addch(&head, '\n');
	}
	if (in->note != NULL && *in->note != '\0')
		buf_addf(&head, "> **Note:** %s\n\n", in->note);
	summary(&head, in);
	buf_addstr(&head, in->nfiles > 0 ? ":\n\n" : ".\n");

	meta_line(&meta, in, true);
	/* Room for the list: a blank line and "...and N more" are reserved. */
	fixed = head.len + 1 + meta.len + 48;
	if (fixed > max) {
		buf_reset(&meta);
		meta_line(&meta, in, false);
		fixed = head.len + 1 + meta.len + 48;
	}
	if (fixed > max) {
		rc = err_set(ERR_LIMIT, "cannot write the pull request body: %zu "
		    "bytes needed, %zu allowed", fixed, max);
		goto out;
	}
	budget = max - fixed;
	for (i = 0; i < in->nfiles && i < PRTEXT_LIST_MAX; i++) {
		buf_reset(&line);
		buf_addstr(&line, "- ");
		add_code(&line, in->files[i].path);
		buf_addf(&line, " (%s)\n", in->files[i].status ? in->files[i].status
		    : "modified");
		if (list.len + line.len > budget)
			break;
		buf_add(&list, line.ptr, line.len);
	}
	if (i < in->nfiles)
		buf_addf(&list, "- ...and %zu more\n", in->nfiles - i);
	buf_add(out, head.ptr, head.len);
	buf_add(out, list.ptr, list.len);
	buf_addch(out, '\n');
	buf_add(out, meta.ptr, meta.len);
out:
	buf_release(&head);
	buf_release(&meta);
	buf_release(&list);
	buf_release(&line);
	return rc;
}

/* ---- reading metadata back ---- */

void
prtext_meta_release(struct prtext_meta *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->source_repo);
	free(m->source_branch);
	free(m->source_commit);
	free(m->target_repo);
	free(m->target_branch);
	free(m->config_digest);
	free(m->sync_commit);
	for (i = 0; i < m->nfiles; i++) {
		free(m->files[i].path);
		free(m->files[i].status);
	}
	free(m->files);
	memset(m, 0, sizeof(*m));
}

static char *
jdup(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return xstrdup_or_null(s);
}

static int
parse_repocast(struct prtext_meta *m, const char *start)
{
	const char *end = strstr(start, "-->");
	json_error_t je;
	json_t *j, *files, *e;
	size_t i;
	int rc = 0;

	if (end == NULL)
		return err_set(ERR_PROTO, "bad repocast-metadata block: no closing '-->'");
	j = json_loadb(start, (size_t)(end - start), 0, &je);
	if (j == NULL)
		return err_set(ERR_PROTO, "bad repocast-metadata block: %s", je.text);
	if (!json_is_object(j) || !json_is_integer(json_object_get(j, "version"))) {
		rc = err_set(ERR_PROTO, "bad repocast-metadata block: no version");
		goto out;
	}
	m->origin = PRTEXT_REPOCAST;
	m->version = (int)json_integer_value(json_object_get(j, "version"));
	m->source_repo = jdup(j, "source_repo");
	m->source_branch = jdup(j, "source_branch");
	m->source_commit = jdup(j, "source_commit");
	m->target_repo = jdup(j, "target_repo");
	m->target_branch = jdup(j, "target_branch");
	m->config_digest = jdup(j, "config_digest");
	if (m->source_repo == NULL || m->source_commit == NULL ||
	    m->target_repo == NULL) {
		rc = err_set(ERR_PROTO, "bad repocast-metadata block: source_repo, "
		    "source_commit and target_repo are required");
		goto out;
	}
	files = json_object_get(j, "files");
	if (json_is_array(files)) {
		m->files = xcalloc(json_array_size(files) + 1, sizeof(*m->files));
		json_array_foreach(files, i, e) {
			if (!json_is_string(json_object_get(e, "path")))
				continue;
			m->files[m->nfiles].path = jdup(e, "path");
			m->files[m->nfiles].status = jdup(e, "status");
			m->nfiles++;
		}
	}
	m->files_truncated = json_is_true(json_object_get(j, "files_truncated"));
	m->file_count = json_is_integer(json_object_get(j, "file_count")) ?
	    (size_t)json_integer_value(json_object_get(j, "file_count")) : m->nfiles;
out:
	json_decref(j);
	return rc;
}

/* A YAML plain or quoted scalar (as go-broadcast writes them). */
static char *
yaml_scalar(const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	return xstrndup(v, n);
}

static int
parse_go_broadcast(struct prtext_meta *m, const char *start)
{
	const char *end = strstr(start, "-->"), *p, *nl;
	bool in_sync = false, seen = false;

	if (end == NULL)
		return err_set(ERR_PROTO, "bad go-broadcast-metadata block: no closing "
		    "'-->'");
	m->origin = PRTEXT_GO_BROADCAST;
	for (p = start; p < end; p = nl + 1) {
		const char *colon, *key;
		size_t ln, kn, ind = 0;
		char **slot = NULL;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		ln = (size_t)(nl - p);
		while (ind < ln && p[ind] == ' ')
			ind++;
		if (ind == ln || p[ind] == '\r' || p[ind] == '#')
			continue;
		if (ind == 0) {
			in_sync = strncmp(p, "sync_metadata:", 14) == 0;
			seen = seen || in_sync;
			continue;
		}
		if (!in_sync || (colon = memchr(p, ':', ln)) == NULL)
			continue;
		key = p + ind;
		kn = (size_t)(colon - key);
#define KEY(k) (kn == sizeof(k) - 1 && strncmp(key, k, kn) == 0)
		if (KEY("source_repo"))
			slot = &m->source_repo;
		else if (KEY("source_commit"))
			slot = &m->source_commit;
		else if (KEY("target_repo"))
			slot = &m->target_repo;
		else if (KEY("sync_commit"))
			slot = &m->sync_commit;
#undef KEY
		if (slot != NULL) {
			free(*slot);
			*slot = yaml_scalar(colon + 1, (size_t)(nl - colon - 1));
		}
	}
	if (!seen)
		return err_set(ERR_PROTO, "bad go-broadcast-metadata block: no "
		    "sync_metadata");
	if (m->source_commit == NULL || m->source_repo == NULL)
		return err_set(ERR_PROTO, "bad go-broadcast-metadata block: "
		    "source_repo and source_commit are required");
	return 0;
}

int
prtext_meta_parse(struct prtext_meta *out, const char *body)
{
	const char *p;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (body == NULL)
		return err_set(ERR_NOTFOUND, "no metadata block: empty body");
	/* The last repocast block wins: a quoted older body may precede it. */
	if ((p = strstr(body, META_MARK)) != NULL) {
		const char *q;

		while ((q = strstr(p + 1, META_MARK)) != NULL)
			p = q;
		return parse_repocast(out, p + strlen(META_MARK));
	}
	for (i = 0; i < ARRAY_SIZE(gb_marks); i++)
		if ((p = strstr(body, gb_marks[i])) != NULL)
			return parse_go_broadcast(out, p + strlen(gb_marks[i]));
	return err_set(ERR_NOTFOUND, "no metadata block in the pull request body");
}
