/* runpr — see runpr.h. */
#include "supervisor/run/runpr.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/config/config.h"
#include "supervisor/github/github.h"
#include "supervisor/github/pr.h"
#include "supervisor/github/prtext.h"

#define RUNPR_META_MARK "<!-- repocast-run-metadata"
#define RUNPR_META_VERSION 1
#define RUNPR_TITLE_MAX 100

void
runpr_opts_release(struct runpr_opts *o)
{
	free(o->branch);
	free(o->title);
	free(o->body);
	free(o->body_file);
	strv_release(&o->labels);
	strv_release(&o->reviewers);
	memset(o, 0, sizeof(*o));
}

/* "a,b" into list: each item trimmed, none empty. */
static int
add_list(struct strv *list, const char *flag, const char *val)
{
	const char *p = val, *end;

	for (;;) {
		const char *a, *b;

		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (a = p; a < end && isspace((unsigned char)*a); a++)
			;
		for (b = end; b > a && isspace((unsigned char)b[-1]); b--)
			;
		if (a == b)
			return err_set(ERR_CONFIG, "empty name in %s '%s'", flag, val);
		{
			char *s = xstrndup(a, (size_t)(b - a));

			strv_add(list, s);
			free(s);
		}
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

int
runpr_parse_flag(struct runpr_opts *o, const char *name, const char *val, int argc,
    char **argv, int *i)
{
	static const char *const with_value[] = {
		"--branch", "--title", "--body", "--body-file", "--labels", "--reviewers",
	};
	static const char *const bare[] = { "--draft", "--diff" };
	size_t k;
	char **dst;

	for (k = 0; k < ARRAY_SIZE(bare); k++)
		if (strcmp(name, bare[k]) == 0) {
			if (val != NULL)
				return err_set(ERR_CONFIG, "%s takes no value", name);
			if (o->first_flag == NULL)
				o->first_flag = bare[k];
			*(k == 0 ? &o->draft : &o->diff) = true;
			return 1;
		}
	for (k = 0; k < ARRAY_SIZE(with_value); k++)
		if (strcmp(name, with_value[k]) == 0)
			break;
	if (k == ARRAY_SIZE(with_value))
		return 0;
	if (val == NULL) {
		if (*i + 1 >= argc)
			return err_set(ERR_CONFIG, "%s needs a value", name);
		val = argv[++*i];
	}
	if (o->first_flag == NULL)
		o->first_flag = with_value[k];
	if (k == 4 || k == 5)
		return add_list(k == 4 ? &o->labels : &o->reviewers, name, val) < 0 ? ERR_CONFIG : 1;
	dst = k == 0 ? &o->branch : k == 1 ? &o->title : k == 2 ? &o->body : &o->body_file;
	free(*dst);
	*dst = xstrdup(val);
	return 1;
}

/* FNV-1a over the command's words (NUL-separated): the slug's tie-breaker. */
static uint32_t
argv_hash(char *const *argv, int argc)
{
	uint32_t h = 2166136261u;
	int i;
	const char *p;

	for (i = 0; i < argc; i++)
		for (p = argv[i];; p++) {
			h = (h ^ (unsigned char)*p) * 16777619u;
			if (*p == '\0')
				break;
		}
	return h;
}

void
runpr_default_branch(struct buf *out, char *const *argv, int argc)
{
	size_t start, n = 0;
	bool dash = false, cut = false;
	const char *p;
	int i;

	buf_addstr(out, RUNPR_BRANCH_PREFIX);
	start = out->len;
	for (i = 0; i < argc && !cut; i++)
		for (p = argv[i]; !cut; p++) {
			unsigned char c = (unsigned char)*p;

			if (c != '\0' && (isalnum(c) || c == '_')) {
				if (n >= RUNPR_SLUG_MAX) {
					cut = true;
					break;
				}
				if (dash && n > 0) {
					buf_addch(out, '-');
					n++;
				}
				buf_addch(out, (char)tolower(c));
				n++;
				dash = false;
			} else {
				dash = true;
			}
			if (c == '\0')
				break;
		}
	if (out->len == start)
		buf_addstr(out, "command");
	if (cut)
		buf_addf(out, "-%08x", (unsigned)argv_hash(argv, argc));
}

/* The command as one line, words joined by spaces, appended to out. */
static void
command_line(struct buf *out, char *const *argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (i > 0)
			buf_addch(out, ' ');
		buf_addstr(out, argv[i]);
	}
}

void
runpr_default_title(struct buf *out, char *const *argv, int argc)
{
	size_t start = out->len;

	buf_addstr(out, "repocast run: ");
	command_line(out, argv, argc);
	if (out->len - start > RUNPR_TITLE_MAX) {
		buf_setlen(out, start + RUNPR_TITLE_MAX - 3);
		buf_addstr(out, "...");
	}
	/* a title is one line */
	for (size_t k = start; k < out->len; k++)
		if (out->ptr[k] == '\n' || out->ptr[k] == '\r')
			out->ptr[k] = ' ';
}

int
runpr_opts_finish(struct runpr_opts *o, bool no_pr, bool dry_run, char *const *argv,
    int argc)
{
	struct buf b = BUF_INIT;
	const char *why;
	int rc;

	if (no_pr || dry_run) {
		if (o->first_flag != NULL && o->diff && dry_run)
			return err_set(ERR_CONFIG, "--diff runs the command and --dry-run runs "
			    "nothing: give one of them");
		if (o->first_flag != NULL)
			return err_set(ERR_CONFIG, "%s is for pull requests: it cannot go with %s",
			    o->first_flag, no_pr ? "--no-pr" : "--dry-run (which only lists the "
			    "repositories; --diff previews the change)");
		return 0;
	}
	if (o->body != NULL && o->body_file != NULL)
		return err_set(ERR_CONFIG, "give --body or --body-file, not both");
	if (o->body_file != NULL) {
		if ((rc = buf_read_file(&b, o->body_file)) < 0) {
			buf_release(&b);
			err_wrap("--body-file");
			return rc;
		}
		o->body = buf_detach(&b, NULL);
	}
	if (o->body != NULL && strlen(o->body) > PRTEXT_BODY_MAX / 2)
		return err_set(ERR_CONFIG, "the pull request body is longer than %d bytes",
		    PRTEXT_BODY_MAX / 2);
	if (o->branch == NULL) {
		runpr_default_branch(&b, argv, argc);
		o->branch = buf_detach(&b, NULL);
	}
	if (cfg_check_branch(o->branch, &why) < 0)
		return err_set(ERR_CONFIG, "--branch '%s': %s", o->branch, why);
	if (o->title == NULL) {
		runpr_default_title(&b, argv, argc);
		o->title = buf_detach(&b, NULL);
	} else if (o->title[0] == '\0' || strpbrk(o->title, "\r\n") != NULL) {
		return err_set(ERR_CONFIG, "--title must be one non-empty line");
	}
	return 0;
}

char *
runpr_commit_message(const struct runpr_opts *o, char *const *argv, int argc)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s\n\nMade by: repocast run -- ", o->title);
	command_line(&b, argv, argc);
	buf_addch(&b, '\n');
	return buf_detach(&b, NULL);
}

int
runpr_check_entries(const struct repolist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct repolist_entry *e = &l->v[i];

		if (strcmp(e->spec, e->name) == 0 && github_repo_valid(e->spec))
			continue;
		return err_set(ERR_CONFIG, "'%s' (line %d): a pull request needs a repository "
		    "the API knows, given as owner/name (fetched from --git-url); for a "
		    "path, a URL or none: pass --no-pr", e->spec, e->line);
	}
	return 0;
}

/* json's text with '<' and '>' escaped (they only occur in strings). */
static void
add_json_safe(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '>')
			buf_addstr(out, "\\u003e");
		else if (*s == '<')
			buf_addstr(out, "\\u003c");
		else
			buf_addch(out, *s);
	}
}

void
runpr_body(struct buf *out, const struct runpr_text_in *in)
{
	json_t *j = json_object(), *cmd = json_array();
	char *s;
	int i;

	if (in->body != NULL && in->body[0] != '\0') {
		buf_addstr(out, in->body);
		if (in->body[strlen(in->body) - 1] != '\n')
			buf_addch(out, '\n');
		buf_addch(out, '\n');
	}
	buf_addstr(out, "This pull request was made by `repocast run`, which ran the command\n\n"
	    "```\n");
	command_line(out, in->argv, in->argc);
	buf_addf(out, "\n```\n\nin `%s` on `%s`.\n", in->repo, in->base);
	if (in->diffstat != NULL && in->diffstat[0] != '\0') {
		buf_addstr(out, "\n```\n");
		buf_addstr(out, in->diffstat);
		if (in->diffstat[strlen(in->diffstat) - 1] != '\n')
			buf_addch(out, '\n');
		buf_addstr(out, "```\n");
	}
	json_object_set_new(j, "version", json_integer(RUNPR_META_VERSION));
	json_object_set_new(j, "repo", json_string(in->repo));
	json_object_set_new(j, "base", json_string(in->base));
	json_object_set_new(j, "branch", json_string(in->branch));
	if (in->commit != NULL)
		json_object_set_new(j, "commit", json_string(in->commit));
	for (i = 0; i < in->argc; i++)
		json_array_append_new(cmd, json_string(in->argv[i]));
	json_object_set_new(j, "command", cmd);
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (s == NULL)
		BUG("cannot serialise the run metadata");
	buf_addstr(out, "\n" RUNPR_META_MARK " ");
	add_json_safe(out, s);
	buf_addstr(out, " -->\n");
	free(s);
}

int
runpr_meta_branch(char **branch, const char *body)
{
	const char *p = NULL, *q, *end;
	json_error_t je;
	json_t *j, *b;
	int rc = 0;

	*branch = NULL;
	/* the last block wins, as in prtext */
	for (q = body != NULL ? strstr(body, RUNPR_META_MARK) : NULL; q != NULL;
	    q = strstr(q + 1, RUNPR_META_MARK))
		p = q;
	if (p == NULL)
		return ERR_NOTFOUND;
	p += strlen(RUNPR_META_MARK);
	if ((end = strstr(p, "-->")) == NULL)
		return err_set(ERR_PROTO, "bad repocast-run-metadata block: no closing '-->'");
	j = json_loadb(p, (size_t)(end - p), 0, &je);
	if (j == NULL)
		return err_set(ERR_PROTO, "bad repocast-run-metadata block: %s", je.text);
	b = json_object_get(j, "branch");
	if (!json_is_string(b))
		rc = err_set(ERR_PROTO, "bad repocast-run-metadata block: no branch");
	else
		*branch = xstrdup(json_string_value(b));
	json_decref(j);
	return rc;
}

#define CSTRV(s) ((const char *const *)(s).v), (s).n

/* The open PR of owner:branch against base, ours first; NULL: none. */
static int
find_open(struct github_pull **out, struct api *a, const char *repo, const char *base,
    const char *branch)
{
	struct github_pulls prs;
	char *head, *slash = strchr(repo, '/'), *meta = NULL;
	size_t i, pick = SIZE_MAX;
	int rc;

	*out = NULL;
	head = xasprintf("%.*s:%s", (int)(slash - repo), repo, branch);
	rc = github_pulls_list(&prs, a, repo, head);
	free(head);
	if (rc < 0)
		goto out;
	for (i = 0; i < prs.n; i++) {
		const struct github_pull *p = &prs.v[i];

		if (p->head.ref == NULL || strcmp(p->head.ref, branch) != 0 ||
		    p->base.ref == NULL || strcmp(p->base.ref, base) != 0)
			continue;
		if (pick == SIZE_MAX)
			pick = i;
		if (runpr_meta_branch(&meta, p->body) == 0 && strcmp(meta, branch) == 0) {
			free(meta);
			pick = i;
			break;
		}
		free(meta);
		meta = NULL;
		err_clear();
	}
	if (pick != SIZE_MAX) {
		*out = xcalloc(1, sizeof(**out));
		**out = prs.v[pick];
		memset(&prs.v[pick], 0, sizeof(prs.v[pick]));
	}
	rc = 0;
out:
	github_pulls_release(&prs);
	return rc;
}

/* --labels and --reviewers onto PR number (no request for an empty list). */
static int
add_people(struct api *a, const char *repo, int number, const struct runpr_opts *o)
{
	int rc;

	if ((rc = github_labels_add(a, repo, number, CSTRV(o->labels))) < 0)
		return rc;
	return github_reviewers_request(a, repo, number, CSTRV(o->reviewers), NULL, 0);
}

/* GET /repos/{o}/{r}: *r holds its default branch. */
static int
default_branch(struct github_repo **r, struct api *a, const char *repo)
{
	int rc;

	if ((rc = github_repo_get(r, a, repo)) < 0)
		return rc;
	if ((*r)->default_branch == NULL)
		return err_set(ERR_PROTO, "repository '%s' has no default branch", repo);
	return 0;
}

int
runpr_publish(struct runpr_out *out, struct api *a, const struct runpr_in *in)
{
	struct runpr_text_in text = in->text;
	struct buf body = BUF_INIT;
	struct github_repo *r = NULL;
	struct github_pull *pr = NULL;
	struct github_pull_new req;
	struct github_pull_edit ed;
	bool adopted = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (text.base == NULL && (rc = default_branch(&r, a, text.repo)) < 0)
		goto out;
	if (text.base == NULL)
		text.base = r->default_branch;
	runpr_body(&body, &text);
	if ((rc = find_open(&pr, a, text.repo, text.base, text.branch)) < 0)
		goto out;
	if (pr != NULL) {
		out->url = xstrdup(pr->html_url ? pr->html_url : "");
		out->number = pr->number;
		if (pr->title == NULL || strcmp(pr->title, in->o->title) != 0 || pr->body == NULL ||
		    strcmp(pr->body, body.ptr) != 0) {
			memset(&ed, 0, sizeof(ed));
			ed.title = in->o->title;
			ed.body = body.ptr;
			if ((rc = github_pull_update(NULL, a, text.repo, pr->number, &ed)) < 0)
				goto out;
			out->updated = true;
		}
		/* this run's labels and reviewers join what the PR has */
		rc = add_people(a, text.repo, pr->number, in->o);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.title = in->o->title;
	req.head = text.branch;
	req.base = text.base;
	req.body = body.ptr;
	req.draft = in->o->draft;
	if ((rc = github_pull_create_once(&pr, &adopted, a, text.repo, &req)) < 0)
		goto out;
	out->url = xstrdup(pr->html_url ? pr->html_url : "");
	out->number = pr->number;
	out->created = !adopted;
	rc = add_people(a, text.repo, pr->number, in->o);
out:
	github_pull_free(pr);
	github_repo_free(r);
	buf_release(&body);
	return rc;
}

int
runpr_close_stale(struct runpr_out *out, struct api *a, const char *repo, const char *base,
    const char *branch)
{
	struct github_repo *r = NULL;
	struct github_pull *pr = NULL;
	struct pr_close_in in;
	enum pr_branch_fate fate;
	char *comment = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (base == NULL && (rc = default_branch(&r, a, repo)) < 0)
		goto out;
	if (base == NULL)
		base = r->default_branch;
	if ((rc = find_open(&pr, a, repo, base, branch)) < 0 || pr == NULL)
		goto out;
	comment = xasprintf("Closing: the command of this pull request no longer changes "
	    "anything in '%s' (on %s); it is no longer needed.", repo, base);
	memset(&in, 0, sizeof(in));
	in.repo = repo;
	in.pr = pr;
	in.comment = comment;
	in.author_name = RUNPR_AUTHOR_NAME;
	in.author_email = RUNPR_AUTHOR_EMAIL;
	if ((rc = pr_close(&fate, a, &in)) < 0)
		goto out;
	out->url = xstrdup(pr->html_url ? pr->html_url : "");
	out->number = pr->number;
out:
	free(comment);
	github_pull_free(pr);
	github_repo_free(r);
	return rc;
}
