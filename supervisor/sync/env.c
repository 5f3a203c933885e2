/*
 * sync_env — what a sync run needs before its first target: the config
 * and scope, the token, the API client (with its ETag cache), the
 * preflight quota check, and each in-scope group's source mirror fetched
 * once. Failures are error codes (cmd_sync.c turns them into the exit
 * status). See internal.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/api.h"
#include "supervisor/github/github.h"
#include "supervisor/sync/internal.h"
#include "supervisor/github/token.h"
#include "supervisor/report/read.h"

const char *
sync_report_dir(const struct sync_run *r)
{
	if (r->o.report_dir != NULL)
		return r->o.report_dir;
	return r->cfg->rc.report_dir != NULL ? r->cfg->rc.report_dir : ".repocast/runs";
}

char *
sync_remote_url(const struct cfg *c, const char *repo)
{
	const char *base = c->rc.git_url ? c->rc.git_url : "https://github.com";
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s.git", (int)n, base, repo);
}

/*
 * Has SIGINT or SIGTERM arrived? cmd_sync keeps both blocked from its start
 * (a pool's signalfd takes them while workers run), so an interrupt during
 * loading, discovery or the pull requests stays pending until one of the
 * checks (here, in prepare.c and in cmd_sync.c) sees it and the run stops
 * with a partial report.
 */
bool
sync_signal_pending(void)
{
	sigset_t set;

	if (sigpending(&set) < 0)
		return false;
	return sigismember(&set, SIGINT) == 1 || sigismember(&set, SIGTERM) == 1;
}

static int
sync_api_cancelled(void *arg)
{
	(void)arg;
	return sync_signal_pending();
}

/* Every request and wait of the API client, on the supervisor's track of
 * trace.json. */
static void
sync_api_event(const struct api_event *ev, void *arg)
{
	struct sync_run *r = arg;
	char *name;

	if (r->run == NULL)
		return;
	if (strcmp(ev->kind, "wait") == 0)
		name = xasprintf("wait: %s (%s %s)", ev->reason != NULL ? ev->reason : "pace",
		    ev->method != NULL ? ev->method : "", ev->path != NULL ? ev->path : "");
	else
		name = xasprintf("%s %s", ev->method != NULL ? ev->method : "",
		    ev->path != NULL ? ev->path : "");
	report_run_add_span(r->run, strcmp(ev->kind, "wait") == 0 ? "wait" : "api", name,
	    ev->status, ev->start_us, ev->dur_us);
	free(name);
}

/* How many shards spend this token's quota at once: N for --shard K/N
 * unless --shard-own-token says each shard has a token of its own. */
static unsigned
sync_token_share(const struct sync_run *r)
{
	return r->o.shard.count > 1 && !r->o.shard_own_token ? r->o.shard.count : 1;
}

/* The API client's create caps: a shard sharing its token gets 1/N of them,
 * so that the N shards together stay within GitHub's. */
static void
sync_api_limits(struct api_opts *ao, const struct sync_run *r)
{
	unsigned share = sync_token_share(r);

	ao->create_per_min = ao->create_per_min / share > 0 ? ao->create_per_min / share : 1;
	ao->create_per_hour = ao->create_per_hour / share > 0 ? ao->create_per_hour / share : 1;
}

static int
sync_open_api(struct sync_run *r)
{
	struct api_opts ao;
	char *cache = xasprintf("%s/api", r->cache_dir);
	int rc;

	if ((rc = util_mkdirs(cache, 0700)) < 0) {
		free(cache);
		return rc;
	}

	api_opts_init(&ao);
	if (r->cfg->rc.api_url != NULL)
		ao.base_url = r->cfg->rc.api_url;
	ao.cache_dir = cache;
	ao.cancelled = sync_api_cancelled;  /* rate-limit waits end on Ctrl-C */
	ao.on_event = sync_api_event;
	ao.arg = r;
	/* GitHub's secondary limits ask >= 1 s between writes; a loopback
	 * forge has none, and pacing it would only slow tests and the demo. */
	if (api_url_is_loopback(ao.base_url))
		ao.write_interval_ms = 0;
	sync_api_limits(&ao, r);
	rc = api_new(&r->api, &ao, token_value(r->token));
	free(cache);
	return rc;
}

/* Fetch each distinct source (repo, branch) of the in-scope groups once. */
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

		for (j = 0; j < r->nsources && s == NULL; j++)
			if (sync_source_same(&r->sources[j], g))
				s = &r->sources[j];
		if (s != NULL)
			continue;
		s = &r->sources[r->nsources++];
		s->repo = g->source.repo;
		s->branch = g->source.branch;
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

int
sync_load(struct sync_run *r)
{
	struct scope_opts so;
	char line[160];
	int rc;

	if ((rc = cfg_load(&r->cfg, r->o.config, &r->errs)) < 0)
		return rc;
	memset(&so, 0, sizeof(so));
	so.groups = r->o.groups;
	so.ngroups = r->o.ngroups;
	so.skip = r->o.skip;
	so.nskip = r->o.nskip;
	so.filters = r->o.filters;
	so.nfilters = r->o.nfilters;
	so.shard = &r->o.shard;
	if (r->o.only_failed != NULL) {
		if ((rc = report_failed_names(&r->failed_before, sync_report_dir(r),
		    r->o.only_failed)) < 0)
			return err_wrap("--only-failed");
		so.only = &r->failed_before;
	}
	if ((rc = scope_resolve(&r->scope, r->cfg, &so)) < 0 ||
	    (rc = scope_confirm(&r->scope, r->o.confirm, r->o.dry_run)) < 0)
		return rc;
	log_info("%s", scope_describe(line, sizeof(line), &r->scope, &r->o.shard));
	if ((rc = token_load(&r->token, r->o.token_file)) < 0)
		return rc;
	token_scrub_env();
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
	struct api_opts ao;
	char line[512], sh[64];
	unsigned n = (unsigned)r->scope.n;
	int rc;

	if ((rc = github_rate_get(&rate, r->api)) < 0)
		return rc;
	if (pf->present && !pf->enabled)
		return 0;
	memset(&plan, 0, sizeof(plan));
	plan.reads = 4 * n;      /* repo, base ref, pulls, sync branch ref */
	plan.writes = r->o.dry_run ? 0 : 5 * n;      /* PR, labels, assignees, reviewers, edit */
	plan.creates = r->o.dry_run ? 0 : n;
	plan.margin_percent = pf->present ? pf->primary_margin_percent : 10;
	plan.secondary_reserve = pf->present ? pf->secondary_reserve : 0;
	plan.share = sync_token_share(r);
	api_opts_init(&ao);
	sync_api_limits(&ao, r);
	rc = api_preflight(line, sizeof(line), &plan, &rate.core, &ao);
	shard_describe(sh, sizeof(sh), &r->o.shard);
	if (r->o.shard.count > 1 && r->o.shard_own_token)
		log_info("%s (%s: its own token, the whole budget)", line, sh);
	else if (r->o.shard.count > 1)
		log_info("%s (%s: the token is shared by %u shards, each gets 1/%u of the "
		    "budget and of the create rate; --shard-own-token when each has its own)",
		    line, sh, r->o.shard.count, r->o.shard.count);
	else
		log_info("%s", line);
	if (rc < 0 && pf->present && pf->fail_closed)
		return rc;
	return 0;
}

int
sync_env(struct sync_run *r)
{
	int rc;

	/* The loader always sets a cache dir (cfg_default_cache_dir). */
	r->cache_dir = xstrdup(r->o.cache_dir != NULL ? r->o.cache_dir : r->cfg->rc.cache_dir);
	if ((rc = sync_open_api(r)) < 0 || (rc = sync_preflight(r)) < 0 ||
	    (rc = sync_sources(r)) < 0)
		return rc;
	return 0;
}
