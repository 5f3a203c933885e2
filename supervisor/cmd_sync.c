/*
 * cmd_sync — `repocast sync`: config -> scope -> source mirror -> plan ->
 * discovery -> one worker per target -> pull requests -> report
 * (DESIGN §1, §3, §6). See docs/sync.md.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <jansson.h>

#include "proto/frame.h"
#include "proto/msg.h"
#include "shared/err.h"
#include "shared/log.h"
#include "shared/mirror.h"
#include "shared/transform.h"
#include "shared/util.h"
#include "supervisor/api.h"
#include "supervisor/cmd.h"
#include "supervisor/config.h"
#include "supervisor/github.h"
#include "supervisor/plan.h"
#include "supervisor/discovery.h"
#include "supervisor/pool.h"
#include "supervisor/prtext.h"
#include "supervisor/report.h"
#include "supervisor/scope.h"
#include "supervisor/skipcache.h"
#include "supervisor/source.h"
#include "supervisor/syncjob.h"
#include "supervisor/syncpr.h"
#include "supervisor/token.h"

const char cmd_sync_usage[] =
    "usage: repocast sync [options] [TARGET...]\n"
    "\n"
    "Sync files from each group's source repository to its targets: one\n"
    "worker per target, a sync branch and one pull request per changed target.\n"
    "TARGET filters targets by repository (owner/name or a shell glob).\n"
    "\n"
    "  -c, --config FILE      config file (default sync.yaml)\n"
    "  -n, --dry-run          compute and show changes; push and write nothing\n"
    "      --diff             with --dry-run: print the unified diff\n"
    "  -j, --jobs N           workers at a time (default: config, else CPUs)\n"
    "      --groups LIST      only these groups (names or ids, comma-separated)\n"
    "      --skip-groups LIST skip these groups\n"
    "      --confirm-scope N  confirm a run over more than 5 repositories or\n"
    "                         more than one group (N = number of repositories)\n"
    "      --json             print the per-target summary as JSON\n"
    "      --log-level LEVEL  error, warn, info (default), debug, trace\n"
    "      --report-dir DIR   where run directories go (default .repocast/runs)\n"
    "      --token-file FILE  read the token from FILE (else GITHUB_TOKEN, GH_TOKEN)\n"
    "      --cache-dir DIR    mirror cache (default: config, else ~/.cache/repocast)\n"
    "      --no-progress      no progress lines\n"
    "      --no-skip, --force run a worker for every target, even one whose\n"
    "                         recorded state shows nothing changed\n"
    "\n"
    "Exit status: 0 all targets ok, 1 a target failed, 2 usage or config error,\n"
    "3 environment error (token, network, source), 130 interrupted.\n";

struct sync_opts {
	const char *config;
	bool dry_run, diff, json, no_progress, no_skip;
	int jobs;
	long confirm;
	const char *report_dir, *token_file, *cache_dir;
	const char **groups, **skip;
	size_t ngroups, nskip;
	const char *const *filters;
	size_t nfilters;
};

/* One group's source: mirror fetched once, the commit and its tree. */
struct sync_source {
	const struct cfg_group *group;
	struct source src;
	struct plan_cache *cache;      /* binary/size per blob, once per run */
	char commit[41];
};

struct sync_target {
	const struct cfg_group *group;
	const struct cfg_target *target;
	struct sync_source *source;
	struct syncjob job;
	struct discovery found;
	struct pool_record rec;        /* final record (a copy, or made here) */
	bool has_rec;
	bool skip;                     /* no spawn: failed early, or cached */
	bool cached;                   /* skipped: the skip cache matched */
	struct skipcache_state now;    /* source/discovery state of this run */
	char *note;                    /* shown in the summary */
	char *pr_url;
	bool pr_created, pr_updated, pr_closed;
};

struct sync_run {
	struct sync_opts o;
	struct cfg *cfg;
	struct scope scope;
	struct token *token;
	struct api *api;
	char *cache_dir;
	struct sync_source *sources;
	size_t nsources;
	struct sync_target *t;
	size_t nt;
	size_t next, done, failed;
	bool tty;
	uint64_t t0;
};

/* ---- options ---- */

enum {
	OPT_DIFF = 256, OPT_GROUPS, OPT_SKIP, OPT_CONFIRM, OPT_JSON, OPT_LOGLEVEL,
	OPT_REPORTDIR, OPT_TOKENFILE, OPT_NOPROGRESS, OPT_CACHEDIR, OPT_NOSKIP,
};

static const struct option sync_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "diff", no_argument, NULL, OPT_DIFF },
	{ "jobs", required_argument, NULL, 'j' },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "skip-groups", required_argument, NULL, OPT_SKIP },
	{ "confirm-scope", required_argument, NULL, OPT_CONFIRM },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "log-level", required_argument, NULL, OPT_LOGLEVEL },
	{ "report-dir", required_argument, NULL, OPT_REPORTDIR },
	{ "token-file", required_argument, NULL, OPT_TOKENFILE },
	{ "cache-dir", required_argument, NULL, OPT_CACHEDIR },
	{ "no-progress", no_argument, NULL, OPT_NOPROGRESS },
	{ "no-skip", no_argument, NULL, OPT_NOSKIP },
	{ "force", no_argument, NULL, OPT_NOSKIP },
	{ NULL, 0, NULL, 0 },
};

static int
sync_parse_long(long *out, const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		return err_set(ERR_CONFIG, "invalid %s '%s' (want %ld..%ld)", what, s, min, max);
	*out = v;
	return 0;
}

static int
sync_parse_args(struct sync_opts *o, int argc, char **argv)
{
	enum log_level lvl;
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->config = "sync.yaml";
	o->confirm = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:nj:", sync_longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case OPT_DIFF:
			o->diff = true;
			break;
		case 'j':
			if (sync_parse_long(&v, optarg, 1, 1024, "--jobs value") < 0)
				return ERR_CONFIG;
			o->jobs = (int)v;
			break;
		case OPT_GROUPS:
			o->groups = xrealloc(o->groups, (o->ngroups + 1) * sizeof(char *));
			o->groups[o->ngroups++] = optarg;
			break;
		case OPT_SKIP:
			o->skip = xrealloc(o->skip, (o->nskip + 1) * sizeof(char *));
			o->skip[o->nskip++] = optarg;
			break;
		case OPT_CONFIRM:
			if (sync_parse_long(&v, optarg, 0, INT_MAX, "--confirm-scope value") < 0)
				return ERR_CONFIG;
			o->confirm = v;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_LOGLEVEL:
			if (log_parse_level(optarg, &lvl) < 0)
				return err_set(ERR_CONFIG, "invalid --log-level '%s' (want error, warn, "
				    "info, debug or trace)", optarg);
			log_set_level(lvl);
			break;
		case OPT_REPORTDIR:
			o->report_dir = optarg;
			break;
		case OPT_TOKENFILE:
			o->token_file = optarg;
			break;
		case OPT_CACHEDIR:
			o->cache_dir = optarg;
			break;
		case OPT_NOPROGRESS:
			o->no_progress = true;
			break;
		case OPT_NOSKIP:
			o->no_skip = true;
			break;
		case ':':
			return err_set(ERR_CONFIG, "option '%s' needs a value", argv[optind - 1]);
		default:
			return err_set(ERR_CONFIG, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->diff && !o->dry_run)
		return err_set(ERR_CONFIG, "--diff needs --dry-run");
	o->filters = (const char *const *)argv + optind;
	o->nfilters = (size_t)(argc - optind);
	return 0;
}

/* ---- setup ---- */

static char *
sync_default_cache(void)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");

	if (x != NULL && *x != '\0')
		return xasprintf("%s/repocast", x);
	return xasprintf("%s/.cache/repocast", h && *h ? h : "/tmp");
}

/* <git_url>/<owner>/<name>.git */
static char *
sync_remote_url(const struct cfg *c, const char *repo)
{
	const char *base = c->rc.git_url ? c->rc.git_url : "https://github.com";
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s.git", (int)n, base, repo);
}

static bool
sync_loopback(const char *url)
{
	return url != NULL && (strncmp(url, "http://127.0.0.1", 16) == 0 ||
	    strncmp(url, "http://localhost", 16) == 0 || strncmp(url, "http://[::1]", 12) == 0);
}

/* mkdir -p path (0700 for what it creates). */
static int
sync_mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = err_sys(ERR_FAIL, "cannot create directory '%s'", p);
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

static int
sync_open_api(struct sync_run *r)
{
	struct api_opts ao;
	char *cache = xasprintf("%s/api", r->cache_dir);
	int rc;

	if ((rc = sync_mkdirs(cache)) < 0) {
		free(cache);
		return rc;
	}

	api_opts_init(&ao);
	if (r->cfg->rc.api_url != NULL)
		ao.base_url = r->cfg->rc.api_url;
	ao.cache_dir = cache;
	/* GitHub's secondary limits ask >= 1 s between writes; a loopback
	 * forge has none, and pacing it would only slow tests and the demo. */
	if (sync_loopback(ao.base_url))
		ao.write_interval_ms = 0;
	rc = api_new(&r->api, &ao, token_value(r->token));
	free(cache);
	return rc;
}

/* Fetch every in-scope group's source once. */
static int
sync_sources(struct sync_run *r)
{
	size_t i, j;

	r->sources = xcalloc(r->scope.n + 1, sizeof(*r->sources));
	for (i = 0; i < r->scope.n; i++) {
		const struct cfg_group *g = r->scope.v[i].group;
		struct sync_source *s = NULL;
		char *url;
		int rc;

		for (j = 0; j < r->nsources; j++)
			if (r->sources[j].group == g)
				s = &r->sources[j];
		if (s != NULL)
			continue;
		s = &r->sources[r->nsources++];
		s->group = g;
		url = sync_remote_url(r->cfg, g->source.repo);
		rc = source_open(&s->src, r->cache_dir, url, g->source.repo, g->source.branch,
		    token_value(r->token));
		free(url);
		if (rc < 0) {
			err_wrap("group '%s'", g->id);
			return rc;
		}
		memcpy(s->commit, s->src.commit_hex, sizeof(s->commit));
		if ((rc = plan_cache_new(&s->cache, s->src.mirror.repo)) < 0)
			return rc;
		log_info("source %s@%s: %.12s", g->source.repo, g->source.branch, s->commit);
	}
	return 0;
}

static struct sync_source *
sync_source_of(struct sync_run *r, const struct cfg_group *g)
{
	size_t i;

	for (i = 0; i < r->nsources; i++)
		if (r->sources[i].group == g)
			return &r->sources[i];
	BUG("no source for group '%s'", g->id);
}

/* A record for a target that never got a worker. */
static void
sync_fail_early(struct sync_target *t, const char *cause, const char *text)
{
	t->skip = true;
	memset(&t->rec, 0, sizeof(t->rec));
	t->rec.name = xstrdup(t->target->repo);
	t->rec.outcome = xstrdup("failed");
	t->rec.cause = xstrdup(cause);
	t->rec.error = xstrdup(text);
	t->rec.start_us = t->rec.end_us = util_wall_us();
	t->has_rec = true;
}

static void
sync_kv_add(struct msg_kv **v, size_t *n, const char *k, const char *val)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].key = xstrdup(k);
	(*v)[*n].value = xstrdup(val);
	(*n)++;
}

static void
sync_strv_add(struct msg_strv *s, const char *p)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(char *));
	s->v[s->n++] = xstrdup(p);
}

/* Commit author: config, else git's environment, else a neutral default. */
static void
sync_author(const struct cfg *c, const char **name, const char **email)
{
	*name = c->rc.author_name;
	*email = c->rc.author_email;
	if (*name == NULL)
		*name = getenv("GIT_AUTHOR_NAME");
	if (*email == NULL)
		*email = getenv("GIT_AUTHOR_EMAIL");
	if (*name == NULL || **name == '\0')
		*name = "repocast";
	if (*email == NULL || **email == '\0')
		*email = "repocast@users.noreply.github.com";
}

/* Does path lie at or under dir ("" and "." are the root)? */
static bool
sync_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 0 && dir[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && dir[0] == '.'))
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/*
 * A directory's own transform inherits the target's and overrides it
 * (repo_name when either sets it, the directory's variables over the
 * target's). JOB
 * carries one transform per target, so when the merged rules differ from
 * the target's the supervisor applies them itself: the manifest then names
 * the transformed blob (served from memory) with no transform flag. *out
 * is NULL when the worker's transform is the right one.
 */
static int
sync_dir_transform(struct transform **out, const struct cfg_group *g,
    const struct cfg_target *t, const struct cfg_dir *d)
{
	struct transform_pair *vars, emails[2];
	size_t i, j, n = 0, ne = 0;
	bool same, repo_name;
	int rc;

	*out = NULL;
	/* config has no "unset" for repo_name: a directory can add it, not drop it */
	repo_name = d->transform.repo_name || t->transform.repo_name;
	same = repo_name == t->transform.repo_name;
	vars = xcalloc(t->transform.nvars + d->transform.nvars + 1, sizeof(*vars));
	for (i = 0; i < t->transform.nvars; i++) {
		vars[n].from = t->transform.vars[i].key;
		vars[n++].to = t->transform.vars[i].value;
	}
	for (i = 0; i < d->transform.nvars; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(vars[j].from, d->transform.vars[i].key) == 0)
				break;
		if (j == n || strcmp(vars[j].to, d->transform.vars[i].value) != 0)
			same = false;
		vars[j].from = d->transform.vars[i].key;
		vars[j].to = d->transform.vars[i].value;
		if (j == n)
			n++;
	}
	if (same) {
		free(vars);
		return 0;
	}
	if (g->source.security_email && t->security_email &&
	    strcmp(g->source.security_email, t->security_email) != 0) {
		emails[ne].from = g->source.security_email;
		emails[ne++].to = t->security_email;
	}
	if (g->source.support_email && t->support_email &&
	    strcmp(g->source.support_email, t->support_email) != 0) {
		emails[ne].from = g->source.support_email;
		emails[ne++].to = t->support_email;
	}
	rc = transform_new(out, repo_name ? g->source.repo : NULL, repo_name ? t->repo : NULL,
	    vars, n, emails, ne);
	free(vars);
	return rc;
}

/* Add plan entry e to t's manifest, transformed here when its directory says so. */
static int
sync_add_entry(struct sync_target *t, const struct plan_entry *e, struct transform **dirx)
{
	const struct cfg_target *tg = t->target;
	struct buf out = BUF_INIT;
	const void *data;
	git_blob *blob = NULL;
	char hex[41];
	git_oid id;
	size_t k, len;
	int rc;

	git_oid_tostr(hex, sizeof(hex), &e->oid);
	for (k = tg->ndirs; e->transform && e->src != NULL && k-- > 0; ) {
		const struct cfg_dir *d = &tg->dirs[k];

		if (d->delete || !sync_under(e->src, d->src) || !sync_under(e->path, d->dest))
			continue;
		if (!d->has_transform || dirx[k] == NULL)
			break;
		if ((rc = source_blob(&blob, &data, &len, &t->source->src, &e->oid)) < 0)
			return rc;
		transform_apply(dirx[k], data, len, &out);
		git_blob_free(blob);
		if (git_odb_hash(&id, out.ptr, out.len, GIT_OBJECT_BLOB) < 0) {
			buf_release(&out);
			return err_git(ERR_FAIL, "cannot hash '%s'", e->path);
		}
		git_oid_tostr(hex, sizeof(hex), &id);
		syncjob_add_blob(&t->job, hex, out.ptr, out.len);
		buf_release(&out);
		syncjob_add_entry(&t->job, e->path, e->mode, hex, false, false);
		return 0;
	}
	syncjob_add_entry(&t->job, e->path, e->mode, hex, e->binary, e->transform);
	return 0;
}

/* The JOB message and manifest for one target. */
static int
sync_prepare(struct sync_run *r, struct sync_target *t)
{
	const struct cfg_group *g = t->group;
	const struct cfg_target *tg = t->target;
	struct msg_job *job = &t->job.job.u.job;
	struct plan pl = PLAN_INIT;
	struct transform **dirx;
	struct buf b = BUF_INIT;
	const char *an, *ae, *sec_from, *sup_from;
	size_t i;
	int rc;

	if ((rc = plan_expand(&pl, t->source->cache, t->source->src.tree, g, tg)) < 0)
		return rc;
	dirx = xcalloc(tg->ndirs + 1, sizeof(*dirx));
	for (i = 0; i < tg->ndirs && rc == 0; i++)
		if (tg->dirs[i].has_transform)
			rc = sync_dir_transform(&dirx[i], g, tg, &tg->dirs[i]);
	for (i = 0; i < pl.n && rc == 0; i++)
		rc = sync_add_entry(t, &pl.entries[i], dirx);
	for (i = 0; i < tg->ndirs; i++)
		transform_free(dirx[i]);
	free(dirx);
	if (rc < 0) {
		plan_release(&pl);
		return rc;
	}
	for (i = 0; i < pl.nnotes; i++)
		log_info("%s: %s", tg->repo, pl.notes[i]);
	for (i = 0; i < pl.ndeletes; i++)
		sync_strv_add(&job->delete_paths, pl.deletes[i]);
	for (i = 0; i < pl.nprune; i++)
		sync_strv_add(&job->prune_dirs, pl.prune[i]);
	plan_release(&pl);

	t->job.repo = xstrdup(tg->repo);
	t->job.token = token_value(r->token);
	if (git_repository_odb(&t->job.odb, t->source->src.mirror.repo) < 0)
		return err_git(ERR_FAIL, "cannot open the source object database");
	job->mode = JOB_SYNC;
	job->target = xstrdup(tg->repo);
	job->remote_url = sync_remote_url(r->cfg, tg->repo);
	job->cache_dir = xstrdup(r->cache_dir);
	job->base_branch = xstrdup(t->found.base_branch);
	if (t->found.base_head[0] != '\0')
		job->base_head = xstrdup(t->found.base_head);
	if ((rc = prtext_branch(&b, g->defaults.branch_prefix, tg->repo, time(NULL),
	    t->source->commit)) < 0) {
		buf_release(&b);
		return rc;
	}
	job->sync_branch = buf_detach(&b, NULL);
	if (t->found.pr != NULL) {
		job->existing_branch = xstrdup(t->found.pr->head.ref);
		job->existing_head = xstrdup(t->found.pr->head.sha);
	}
	job->commit_message = xasprintf("sync: update files from %s (%.7s)\n\n"
	    "Source: %s@%s %s\n", g->source.repo, t->source->commit, g->source.repo,
	    g->source.branch, t->source->commit);
	sync_author(r->cfg, &an, &ae);
	job->author_name = xstrdup(an);
	job->author_email = xstrdup(ae);
	job->dry_run = r->o.dry_run;
	job->want_diff = r->o.diff;
	if (tg->transform.repo_name) {
		job->repo_from = xstrdup(g->source.repo);
		job->repo_to = xstrdup(tg->repo);
	}
	for (i = 0; i < tg->transform.nvars; i++)
		sync_kv_add(&job->vars, &job->nvars, tg->transform.vars[i].key,
		    tg->transform.vars[i].value);
	/* emails: key = the source's address, value = the target's */
	sec_from = g->source.security_email;
	sup_from = g->source.support_email;
	if (sec_from && tg->security_email && strcmp(sec_from, tg->security_email) != 0)
		sync_kv_add(&job->emails, &job->nemails, sec_from, tg->security_email);
	if (sup_from && tg->support_email && strcmp(sup_from, tg->support_email) != 0)
		sync_kv_add(&job->emails, &job->nemails, sup_from, tg->support_email);
	job->mem_bytes = r->cfg->rc.mem_bytes;
	job->cpu_seconds = r->cfg->rc.cpu_seconds;
	job->open_files = r->cfg->rc.open_files;
	job->max_frame = FRAME_MAX_DEFAULT;
	return 0;
}

/* ---- skip without spawning (DESIGN §3; supervisor/skipcache.h) ---- */

static void
sync_skip_key(struct skipcache_key *k, const struct sync_run *r, const struct sync_target *t)
{
	k->target = t->target->repo;
	k->group = t->group->id;
	k->branch_prefix = t->group->defaults.branch_prefix;
	k->config_digest = r->cfg->digest;
}

static void
sync_copy_hex(char dst[41], const char *src)
{
	if (src != NULL && strlen(src) == 40)
		memcpy(dst, src, 41);
	else
		dst[0] = '\0';
}

/*
 * What the result depends on, as this run sees it: the source tree, the
 * base head (discovery), and the open sync PR's branch with the head the
 * branch REALLY has (one more ETag-cached GET: a deleted branch or a push
 * the PR list has not caught up with must not look unchanged).
 */
static void
sync_skip_state(struct skipcache_state *now, struct sync_run *r, struct sync_target *t)
{
	const struct github_pull *pr = t->found.pr;
	char head[41];

	memset(now, 0, sizeof(*now));
	git_oid_tostr(now->source_tree, sizeof(now->source_tree),
	    git_tree_id(t->source->src.tree));
	sync_copy_hex(now->base_head, t->found.base_head);
	if (pr == NULL)
		return;
	if (pr->head.ref == NULL || strlen(pr->head.ref) > SKIPCACHE_BRANCH_MAX ||
	    github_branch_head(head, r->api, t->target->repo, pr->head.ref) != 0) {
		err_clear();
		now->base_head[0] = '\0';  /* unknown: never matches */
		return;
	}
	snprintf(now->branch, sizeof(now->branch), "%s", pr->head.ref);
	sync_copy_hex(now->branch_head, head);
}

/* A record for a target the skip cache answered: no worker, attempts 0. */
static void
sync_skip_record(struct sync_target *t, const struct skipcache_state *rec)
{
	const struct github_pull *pr = t->found.pr;

	t->skip = true;
	t->cached = true;
	memset(&t->rec, 0, sizeof(t->rec));
	t->rec.name = xstrdup(t->target->repo);
	t->rec.outcome = xstrdup(rec->outcome);
	t->rec.start_us = t->rec.end_us = util_wall_us();
	t->rec.exit_code = -1;
	t->rec.has_result = true;
	t->rec.result.outcome = xstrdup(rec->outcome);
	if (pr != NULL) {
		t->rec.result.branch = xstrdup(rec->branch);
		t->rec.result.commit = xstrdup(rec->branch_head);
	}
	t->has_rec = true;
}

/* Does the skip cache answer for t? Then t is recorded and needs no worker. */
static bool
sync_skip_check(struct sync_run *r, struct sync_target *t)
{
	struct skipcache_key k;
	struct skipcache_state rec;

	sync_skip_state(&t->now, r, t);
	if (r->o.no_skip)
		return false;
	sync_skip_key(&k, r, t);
	if (!skipcache_load(&rec, r->cache_dir, &k) || !skipcache_match(&rec, &t->now))
		return false;
	/* An open PR needs the recorded pending_current; none, up_to_date. */
	if ((t->found.pr != NULL) != (strcmp(rec.outcome, "pending_current") == 0))
		return false;
	log_debug("%s: unchanged since the last run (%s): no worker", t->target->repo,
	    rec.outcome);
	sync_skip_record(t, &rec);
	return true;
}

/*
 * After the pull requests: record the state of every target whose run
 * ended in a state the next run can recognise. up_to_date counts only
 * with no open sync PR left; pending_current and pushed (its PR now
 * current) with the branch head the worker reported. Anything else
 * leaves the old record alone: a record describes a state fully, so an
 * old one can only match when that whole state is back.
 */
static void
sync_skip_store(struct sync_run *r, struct sync_target *t)
{
	const struct pool_record *rec = &t->rec;
	const struct msg_result *res = &rec->result;
	struct skipcache_state st = t->now;
	struct skipcache_key k;

	if (r->o.dry_run || t->cached || !t->has_rec || rec->cause != NULL ||
	    !rec->has_result || res->outcome == NULL || st.base_head[0] == '\0')
		return;
	if (strcmp(res->outcome, "up_to_date") == 0) {
		if (t->found.pr != NULL && !t->pr_closed)
			return;
		st.branch[0] = st.branch_head[0] = '\0';
	} else if (strcmp(res->outcome, "pending_current") == 0 ||
	    (strcmp(res->outcome, "pushed") == 0 && t->pr_url != NULL)) {
		if (res->branch == NULL || strlen(res->branch) > SKIPCACHE_BRANCH_MAX)
			return;
		snprintf(st.branch, sizeof(st.branch), "%s", res->branch);
		sync_copy_hex(st.branch_head, res->commit);
	} else {
		return;
	}
	snprintf(st.outcome, sizeof(st.outcome), "%s",
	    st.branch[0] ? "pending_current" : "up_to_date");
	sync_skip_key(&k, r, t);
	if (skipcache_store(r->cache_dir, &k, &st) < 0)
		log_debug("%s: %s", t->target->repo, err_last());
}

/* Discovery + plan for every target, in scope order. */
static void
sync_prepare_all(struct sync_run *r)
{
	size_t i;

	r->nt = r->scope.n;
	r->t = xcalloc(r->nt + 1, sizeof(*r->t));
	for (i = 0; i < r->nt; i++) {
		struct sync_target *t = &r->t[i];
		struct discovery_target dt;
		int rc;

		t->group = r->scope.v[i].group;
		t->target = r->scope.v[i].target;
		t->source = sync_source_of(r, t->group);
		syncjob_init(&t->job);
		memset(&dt, 0, sizeof(dt));
		dt.repo = t->target->repo;
		dt.branch = t->target->branch;
		dt.branch_prefix = t->group->defaults.branch_prefix;
		dt.source_repo = t->group->source.repo;
		dt.want_base_head = true;  /* lets a current mirror skip its fetch */
		rc = discovery_run(&t->found, r->api, &dt);
		if (rc < 0) {
			sync_fail_early(t, err_name(rc), err_last());
			continue;
		}
		if (sync_skip_check(r, t))
			continue;
		if ((rc = sync_prepare(r, t)) < 0)
			sync_fail_early(t, err_name(rc), err_last());
	}
}

/* ---- pool callbacks ---- */

static int
sync_next(void **task, const char **name, void *arg)
{
	struct sync_run *r = arg;

	while (r->next < r->nt && r->t[r->next].skip)
		r->next++;
	if (r->next >= r->nt)
		return 0;
	*task = &r->t[r->next];
	*name = r->t[r->next].target->repo;
	r->next++;
	return 1;
}

static int
sync_started(struct pool_job *j, void *task, void *arg)
{
	struct sync_target *t = task;

	UNUSED(arg);
	return syncjob_start(&t->job, j);
}

static int
sync_message(struct pool_job *j, void *task, const struct msg *m, void *arg)
{
	struct sync_target *t = task;

	UNUSED(arg);
	return syncjob_message(&t->job, j, m);
}

static void
sync_progress(struct sync_run *r, const struct sync_target *t)
{
	const struct pool_record *rec = &t->rec;

	if (r->o.no_progress)
		return;
	if (r->tty)
		fprintf(stderr, "\r\033[K[%zu/%zu] %zu failed  last: %s %s", r->done, r->nt,
		    r->failed, t->target->repo, rec->outcome);
	else
		fprintf(stderr, "[%zu/%zu] %s %s (%llu ms)%s%s\n", r->done, r->nt,
		    t->target->repo, rec->outcome, (unsigned long long)(rec->wall_us / 1000),
		    rec->error ? ": " : "", rec->error ? rec->error : "");
}

static void
sync_finished(struct pool_job *j, void *task, const struct pool_record *rec, void *arg)
{
	struct sync_run *r = arg;
	struct sync_target *t = task;

	UNUSED(j);
	pool_record_copy(&t->rec, rec);
	t->has_rec = true;
	r->done++;
	if (t->rec.cause != NULL)
		r->failed++;
	sync_progress(r, t);
}

/* ---- after the workers: pull requests ---- */

static void
sync_set_failed(struct sync_target *t, const char *cause, const char *text)
{
	free(t->rec.outcome);
	free(t->rec.cause);
	free(t->rec.error);
	t->rec.outcome = xstrdup("failed");
	t->rec.cause = xstrdup(cause);
	t->rec.error = xstrdup(text);
}

static void
sync_publish(struct sync_run *r, struct sync_target *t)
{
	const struct msg_result *res = &t->rec.result;
	struct syncpr_in in;
	int rc;

	if (!t->has_rec || t->rec.cause != NULL || !t->rec.has_result || res->outcome == NULL)
		return;
	if (strcmp(res->outcome, "up_to_date") == 0 && t->found.pr != NULL) {
		if (r->o.dry_run) {
			t->note = xasprintf("would close stale PR #%d", t->found.pr->number);
			return;
		}
		rc = syncpr_close_stale(r->api, t->target->repo, t->found.pr, t->source->commit);
		if (rc < 0) {
			sync_set_failed(t, "pr", err_last());
			return;
		}
		t->pr_closed = true;
		t->note = xasprintf("closed stale PR #%d", t->found.pr->number);
		return;
	}
	if (strcmp(res->outcome, "pending_current") == 0 && t->found.pr != NULL) {
		t->pr_url = xstrdup(t->found.pr->html_url ? t->found.pr->html_url : "");
		free(t->rec.pr_url);
		t->rec.pr_url = xstrdup(t->pr_url);
		return;
	}
	if (strcmp(res->outcome, "pushed") != 0)
		return;
	memset(&in, 0, sizeof(in));
	in.repo = t->target->repo;
	in.base_branch = t->found.base_branch;
	in.head_branch = res->branch;
	in.source_repo = t->group->source.repo;
	in.source_branch = t->group->source.branch;
	in.source_commit = t->source->commit;
	in.config_digest = r->cfg->digest;
	in.files = t->job.files;
	in.nfiles = t->job.nfiles;
	in.assign = &t->target->pr;
	in.existing = t->found.pr;
	rc = syncpr_publish(&t->pr_url, &t->pr_created, &t->pr_updated, r->api, &in);
	if (rc < 0) {
		sync_set_failed(t, "pr", err_last());
		return;
	}
	if (t->found.pr != NULL && strcmp(t->found.pr->head.ref, res->branch) != 0)
		t->note = xasprintf("branch '%s' had other commits: new PR", t->found.pr->head.ref);
	free(t->rec.pr_url);
	t->rec.pr_url = t->pr_url ? xstrdup(t->pr_url) : NULL;
}

/* ---- output ---- */

static void
sync_print_dry(const struct sync_target *t)
{
	const struct msg_result *res = &t->rec.result;

	if (!t->rec.has_result || res->outcome == NULL || strcmp(res->outcome, "dry_run") != 0)
		return;
	printf("== %s: would push %s to '%s' (+%llu ~%llu -%llu)\n", t->target->repo,
	    res->commit ? res->commit : "", res->branch ? res->branch : "",
	    (unsigned long long)res->added, (unsigned long long)res->changed,
	    (unsigned long long)res->deleted);
	if (res->diffstat != NULL)
		fputs(res->diffstat, stdout);
	if (res->diff != NULL)
		fputs(res->diff, stdout);
}

static void
sync_summary(struct sync_run *r, const char *report_path)
{
	size_t i, w = 6;

	for (i = 0; i < r->nt; i++)
		if (strlen(r->t[i].target->repo) > w)
			w = strlen(r->t[i].target->repo);
	printf("%-*s  %-15s  %-14s  %7s  %s\n", (int)w, "TARGET", "OUTCOME", "FILES +/~/-",
	    "WALL", "DETAIL");
	for (i = 0; i < r->nt; i++) {
		const struct sync_target *t = &r->t[i];
		const struct pool_record *rec = &t->rec;
		const struct msg_result *res = &rec->result;
		char files[64] = "-";
		const char *detail = "";

		if (rec->has_result)
			snprintf(files, sizeof(files), "%llu/%llu/%llu",
			    (unsigned long long)res->added, (unsigned long long)res->changed,
			    (unsigned long long)res->deleted);
		if (rec->cause != NULL)
			detail = rec->error ? rec->error : rec->cause;
		else if (t->pr_url != NULL)
			detail = t->pr_url;
		else if (rec->has_result && res->branch != NULL)
			detail = res->branch;
		printf("%-*s  %-15s  %-14s  %5llums  %s%s%s%s\n", (int)w, t->target->repo,
		    rec->outcome ? rec->outcome : "?", files,
		    (unsigned long long)(rec->wall_us / 1000), detail,
		    t->pr_created ? " (new PR)" : t->pr_updated ? " (PR updated)" : "",
		    t->note ? "; " : "", t->note ? t->note : "");
	}
	printf("%zu targets: %zu failed, %.1f s\n", r->nt, r->failed,
	    (double)(util_now_ms() - r->t0) / 1000.0);
	if (report_path != NULL)
		printf("report: %s\n", report_path);
}

static void
sync_json_str(FILE *fp, const char *s)
{
	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void
sync_print_json(struct sync_run *r, const char *report_path)
{
	size_t i;

	printf("{\"report\":");
	sync_json_str(stdout, report_path);
	printf(",\"targets\":[");
	for (i = 0; i < r->nt; i++) {
		const struct sync_target *t = &r->t[i];
		const struct msg_result *res = &t->rec.result;

		printf("%s{\"repo\":", i ? "," : "");
		sync_json_str(stdout, t->target->repo);
		printf(",\"outcome\":");
		sync_json_str(stdout, t->rec.outcome);
		printf(",\"cause\":");
		sync_json_str(stdout, t->rec.cause);
		printf(",\"error\":");
		sync_json_str(stdout, t->rec.error);
		printf(",\"commit\":");
		sync_json_str(stdout, t->rec.has_result ? res->commit : NULL);
		printf(",\"branch\":");
		sync_json_str(stdout, t->rec.has_result ? res->branch : NULL);
		printf(",\"pr_url\":");
		sync_json_str(stdout, t->pr_url);
		printf(",\"diffstat\":");
		sync_json_str(stdout, t->rec.has_result ? res->diffstat : NULL);
		printf(",\"diff\":");
		sync_json_str(stdout, t->rec.has_result ? res->diff : NULL);
		printf(",\"added\":%llu,\"changed\":%llu,\"deleted\":%llu,\"wall_ms\":%llu}",
		    (unsigned long long)res->added, (unsigned long long)res->changed,
		    (unsigned long long)res->deleted, (unsigned long long)(t->rec.wall_us / 1000));
	}
	printf("]}\n");
}

/*
 * report.json, with "skipped": true on each target the skip cache answered
 * (and totals.skipped): the report module's document, amended here.
 */
static int
sync_write_report(struct sync_run *r, const struct report_run *run,
    const struct pool_record *recs, const char *path)
{
	struct buf b = BUF_INIT;
	json_t *doc, *targets, *totals;
	json_error_t jerr;
	size_t i, nskip = 0;
	char *text;
	int rc;

	report_json(&b, run, recs, r->nt);
	doc = json_loadb(b.ptr, b.len, 0, &jerr);
	targets = doc ? json_object_get(doc, "targets") : NULL;
	totals = doc ? json_object_get(doc, "totals") : NULL;
	if (doc == NULL || !json_is_array(targets) || json_array_size(targets) != r->nt ||
	    !json_is_object(totals))
		BUG("sync: report.json does not read back: %s", jerr.text);
	for (i = 0; i < r->nt; i++) {
		json_object_set_new(json_array_get(targets, i), "skipped",
		    json_boolean(r->t[i].cached));
		nskip += r->t[i].cached;
	}
	json_object_set_new(totals, "skipped", json_integer((json_int_t)nskip));
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL)
		BUG("sync: json_dumps failed");
	buf_reset(&b);
	buf_addstr(&b, text);
	buf_addch(&b, '\n');
	free(text);
	json_decref(doc);
	rc = buf_write_file_atomic(&b, path);
	buf_release(&b);
	return rc;
}

/* ---- the command ---- */

static void
sync_release(struct sync_run *r)
{
	size_t i;

	for (i = 0; i < r->nt; i++) {
		git_odb_free(r->t[i].job.odb);  /* syncjob borrows it */
		syncjob_release(&r->t[i].job);
		discovery_release(&r->t[i].found);
		if (r->t[i].has_rec)
			pool_record_release(&r->t[i].rec);
		free(r->t[i].note);
		free(r->t[i].pr_url);
	}
	free(r->t);
	for (i = 0; i < r->nsources; i++) {
		plan_cache_free(r->sources[i].cache);
		source_close(&r->sources[i].src);
	}
	free(r->sources);
	api_free(r->api);
	token_free(r->token);
	scope_release(&r->scope);
	cfg_free(r->cfg);
	free(r->cache_dir);
	free(r->o.groups);
	free(r->o.skip);
}

static int
sync_load(struct sync_run *r)
{
	struct cfg_errors errs;
	struct scope_opts so;
	size_t i;
	int rc;

	memset(&errs, 0, sizeof(errs));
	rc = cfg_load(&r->cfg, r->o.config, &errs);
	if (rc < 0) {
		if (errs.n == 0)
			fprintf(stderr, "repocast: %s\n", err_last());
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i].msg);
		cfg_errors_release(&errs);
		return EXIT_USAGE;
	}
	cfg_errors_release(&errs);
	memset(&so, 0, sizeof(so));
	so.groups = r->o.groups;
	so.ngroups = r->o.ngroups;
	so.skip = r->o.skip;
	so.nskip = r->o.nskip;
	so.filters = r->o.filters;
	so.nfilters = r->o.nfilters;
	if (scope_resolve(&r->scope, r->cfg, &so) < 0 ||
	    scope_confirm(&r->scope, r->o.confirm, r->o.dry_run) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * Before anything else touches the API: is the token good, and does the
 * run's worst-case cost fit the quota (DESIGN §4)? GET /rate_limit costs
 * no quota. An auth or network failure here is an environment error.
 */
static int
sync_preflight(struct sync_run *r)
{
	const struct cfg_preflight *pf = &r->cfg->preflight;
	struct github_rate rate;
	struct api_plan plan;
	char line[512];
	unsigned n = (unsigned)r->scope.n;
	int rc;

	if ((rc = github_rate_get(&rate, r->api)) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		return EXIT_ENV;
	}
	if (pf->present && !pf->enabled)
		return 0;
	memset(&plan, 0, sizeof(plan));
	plan.reads = 4 * n;      /* repo, base ref, pulls, sync branch ref */
	plan.writes = r->o.dry_run ? 0 : 5 * n;      /* PR, labels, assignees, reviewers, edit */
	plan.creates = r->o.dry_run ? 0 : n;
	plan.margin_percent = pf->present ? pf->primary_margin_percent : 10;
	plan.secondary_reserve = pf->present ? pf->secondary_reserve : 0;
	rc = api_preflight(line, sizeof(line), &plan, &rate.core, NULL);
	log_info("%s", line);
	if (rc < 0 && pf->present && pf->fail_closed) {
		fprintf(stderr, "repocast: %s\n", err_last());
		return EXIT_ENV;
	}
	return 0;
}

static int
sync_env(struct sync_run *r)
{
	int rc;

	if ((rc = token_load(&r->token, r->o.token_file)) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		return rc == ERR_CONFIG || rc == ERR_LIMIT ? EXIT_USAGE : EXIT_ENV;
	}
	token_scrub_env();
	if (r->o.cache_dir != NULL)
		r->cache_dir = xstrdup(r->o.cache_dir);
	else if (r->cfg->rc.cache_dir != NULL)
		r->cache_dir = xstrdup(r->cfg->rc.cache_dir);
	else
		r->cache_dir = sync_default_cache();
	if ((rc = sync_open_api(r)) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		return rc == ERR_CONFIG ? EXIT_USAGE : EXIT_ENV;
	}
	if ((rc = sync_preflight(r)) != 0)
		return rc;
	if ((rc = sync_sources(r)) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		return EXIT_ENV;
	}
	return 0;
}

int
cmd_sync(int argc, char **argv)
{
	struct sync_run r;
	struct report_run run;
	struct pool_ops ops = { sync_next, sync_started, sync_message, sync_finished };
	struct pool_opts po;
	struct pool *pool = NULL;
	struct pool_record *recs = NULL;
	char *run_dir = NULL, *report_path = NULL, *log_dir = NULL, *worker = NULL;
	size_t i;
	int rc, code = EXIT_OK, prc = 0;

	memset(&r, 0, sizeof(r));
	r.t0 = util_now_ms();
	r.tty = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	if (sync_parse_args(&r.o, argc, argv) < 0) {
		fprintf(stderr, "repocast: %s\n%s", err_last(), cmd_sync_usage);
		free(r.o.groups);
		free(r.o.skip);
		return EXIT_USAGE;
	}
	report_run_init(&run, "sync");
	if ((code = sync_load(&r)) != 0 || (code = sync_env(&r)) != 0)
		goto out;
	if (r.o.dry_run)
		log_info("dry run: nothing will be pushed, no pull request will be written");
	sync_prepare_all(&r);
	run.config_digest = xstrdup(r.cfg->digest);
	if (report_make_dir(&run_dir, r.o.report_dir ? r.o.report_dir :
	    r.cfg->rc.report_dir ? r.cfg->rc.report_dir : ".repocast/runs", run.id) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		code = EXIT_ENV;
		goto out;
	}
	log_dir = xasprintf("%s/targets", run_dir);
	worker = pool_find_worker(argv[0]);
	memset(&po, 0, sizeof(po));
	po.jobs = r.o.jobs > 0 ? r.o.jobs : r.cfg->rc.jobs > 0 ? r.cfg->rc.jobs :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (po.jobs < 1)
		po.jobs = 1;
	po.timeout_ms = r.cfg->rc.timeout_ms;
	po.grace_ms = POOL_GRACE_MS;
	po.retries = r.cfg->rc.retries;
	po.backoff_ms = POOL_BACKOFF_MS;
	po.worker_path = worker;
	po.log_dir = log_dir;
	po.run_id = run.id;
	po.max_frame = FRAME_MAX_DEFAULT;
	po.mem_bytes = r.cfg->rc.mem_bytes;
	run.jobs = po.jobs;
	run.timeout_ms = po.timeout_ms;
	run.retries = po.retries;
	if ((rc = pool_new(&pool, &po, &ops, &r)) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		code = EXIT_ENV;
		goto out;
	}
	prc = pool_run(pool);
	if (r.tty && !r.o.no_progress)
		fputc('\n', stderr);
	run.interrupted = pool_interrupted(pool);
	run.orphans_reaped = pool_orphans(pool);
	if (!run.interrupted)
		for (i = 0; i < r.nt; i++) {
			sync_publish(&r, &r.t[i]);
			sync_skip_store(&r, &r.t[i]);
		}
	r.failed = 0;
	recs = xcalloc(r.nt + 1, sizeof(*recs));
	for (i = 0; i < r.nt; i++) {
		if (!r.t[i].has_rec) {
			memset(&r.t[i].rec, 0, sizeof(r.t[i].rec));
			r.t[i].rec.name = xstrdup(r.t[i].target->repo);
			r.t[i].rec.outcome = xstrdup("cancelled");
			r.t[i].rec.cause = xstrdup("cancelled");
			r.t[i].has_rec = true;
		}
		if (r.t[i].rec.cause != NULL)
			r.failed++;
		recs[i] = r.t[i].rec;
	}
	for (i = 0; i < r.nt && !r.o.json; i++)
		sync_print_dry(&r.t[i]);
	code = run.interrupted || prc == EXIT_INTERRUPTED ? EXIT_INTERRUPTED :
	    r.failed > 0 ? EXIT_TARGETS : EXIT_OK;
	run.exit_code = code;
	report_run_end(&run);
	report_path = xasprintf("%s/report.json", run_dir);
	if (sync_write_report(&r, &run, recs, report_path) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		free(report_path);
		report_path = NULL;
	}
	if (r.o.json)
		sync_print_json(&r, report_path);
	else
		sync_summary(&r, report_path);
out:
	free(recs);
	pool_free(pool);
	free(worker);
	free(log_dir);
	free(run_dir);
	free(report_path);
	report_run_release(&run);
	sync_release(&r);
	return code;
}
