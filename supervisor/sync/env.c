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
#include "supervisor/cmd.h"
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
sync_remote_url(const struct sync_run *r, const char *repo)
{
	const char *base = r->ep.git_url;
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s.git", (int)n, base, repo);
}

/*
 * api_url and git_url: the config's when the file sets them, else the
 * environment's, else the defaults (endpoint.h).
 */
static int
sync_endpoint(struct sync_run *r)
{
	const struct cfg_repocast *rc = &r->cfg->rc;
	struct endpoint_in in;
	char *api_at = NULL, *git_at = NULL;
	int ret;

	memset(&in, 0, sizeof(in));
	if (rc->api_url_pos.line > 0) {
		api_at = xasprintf("%s:%d:%d", r->cfg->path, rc->api_url_pos.line,
		    rc->api_url_pos.col);
		in.api_config = rc->api_url;
		in.api_config_at = api_at;
	}
	if (rc->git_url_pos.line > 0) {
		git_at = xasprintf("%s:%d:%d", r->cfg->path, rc->git_url_pos.line,
		    rc->git_url_pos.col);
		in.git_config = rc->git_url;
		in.git_config_at = git_at;
	}
	ret = endpoint_resolve(&r->ep, &in);
	free(api_at);
	free(git_at);
	if (ret == 0)
		log_debug("api %s (from %s), git %s (from %s)", r->ep.api_url, r->ep.api_from,
		    r->ep.git_url, r->ep.git_from);
	return ret;
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
	const struct sync_run *r = arg;

	/* The pool's signalfd may have taken the signal: sync_pubq_stop. */
	return sync_signal_pending() || sync_pubq_stopped(r);
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

/*
 * The write pace of the config (repocast.api: GitHub.com's rules unless
 * set; 0 turns one off). The same for every address: a GitHub Enterprise
 * Server or a test forge that allows more says so in its config.
 */
static void
sync_api_pace(struct api_opts *ao, const struct cfg *c)
{
	ao->write_interval_ms = c->rc.api_write_interval_ms;
	ao->create_per_min = (unsigned)c->rc.api_creates_per_minute;
	ao->create_per_hour = (unsigned)c->rc.api_creates_per_hour;
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

	/* 0 is "no cap" (repocast.api) and stays so. */
	if (ao->create_per_min > 0)
		ao->create_per_min = ao->create_per_min / share > 0 ? ao->create_per_min / share : 1;
	if (ao->create_per_hour > 0)
		ao->create_per_hour = ao->create_per_hour / share > 0 ?
		    ao->create_per_hour / share : 1;
}

int
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
	ao.base_url = r->ep.api_url;
	ao.cache_dir = cache;
	ao.cancelled = sync_api_cancelled;  /* rate-limit waits end on Ctrl-C */
	ao.on_event = sync_api_event;
	ao.arg = r;
	sync_api_pace(&ao, r->cfg);
	sync_api_limits(&ao, r);
	rc = api_new(&r->api, &ao, token_value(r->token));
	free(cache);
	if (rc < 0)
		err_wrap("repocast.api_url (from %s)", r->ep.api_from);
	return rc;
}

/* Does an in-scope target of g's source sync a module directory? */
static bool
sync_source_needs_tags(const struct sync_run *r, const struct cfg_group *g)
{
	size_t i;

	for (i = 0; i < r->scope.n; i++)
		if (sync_source_same_groups(r->scope.v[i].group, g) &&
		    sync_modules_count(r->scope.v[i].target) > 0)
			return true;
	return false;
}

/* Fetch each distinct source (repo, branch) of the in-scope groups once;
 * with their v* tags when a module directory needs them. */
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
		url = sync_remote_url(r, g->source.repo);
		rc = source_open(&s->src, r->cache_dir, url, g->source.repo, g->source.branch,
		    sync_source_needs_tags(r, g), token_value(r->token));
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
sync_load_config(struct sync_run *r)
{
	int rc;

	if ((rc = cfg_load(&r->cfg, r->o.config, &r->errs)) < 0)
		return rc;
	return sync_endpoint(r);
}

int
sync_load(struct sync_run *r)
{
	struct scope_opts so;
	char *host;
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
	if ((rc = sync_endpoint(r)) < 0)
		return rc;
	host = endpoint_git_host(&r->ep);
	rc = token_find(&r->token, r->o.token_file, host);
	free(host);
	if (rc < 0)
		return rc;
	token_scrub_env();
	return 0;
}

/* Planned requests per target (DESIGN §4): worst case, a 304 not assumed. */
enum {
	PF_READS = 4,            /* repo, base ref, pulls, sync branch ref */
	PF_WRITES = 5,           /* PR, labels, assignees, reviewers, edit */
	PF_CREATES = 1,          /* the PR */
};

static void
sync_plan(struct api_plan *plan, const struct cfg_preflight *pf, unsigned n, bool dry_run,
    unsigned share)
{
	memset(plan, 0, sizeof(*plan));
	plan->share = share;
	plan->reads = PF_READS * n;
	plan->writes = dry_run ? 0 : PF_WRITES * n;
	plan->creates = dry_run ? 0 : PF_CREATES * n;
	plan->margin_percent = pf->present ? pf->primary_margin_percent : 10;
	plan->secondary_reserve = pf->present ? pf->secondary_reserve : 0;
}

/* The most targets of this run that fit the quota now (0: none). */
static unsigned
sync_plan_fits(const struct cfg_preflight *pf, const struct github_rate *rate,
    const struct api_opts *pace, unsigned n, bool dry_run, unsigned share)
{
	struct api_plan plan;
	char line[8];
	unsigned lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		sync_plan(&plan, pf, mid, dry_run, share);
		if (api_preflight(line, sizeof(line), &plan, &rate->core, pace) == 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	err_clear();
	return lo;
}

/*
 * Before anything else touches the API: is the token good, and does the
 * run's worst-case cost fit the quota (DESIGN §4)? GET /rate_limit costs
 * no quota. An auth failure stops the run; any other failure to read the
 * budget warns and goes on, or stops it with fail_closed (go-broadcast's
 * rule). A run over budget is refused before any write, saying what
 * would pass, unless --ignore-rate-limit-preflight: then the limiter
 * waits for the reset when the quota runs out.
 */
static int
sync_preflight(struct sync_run *r)
{
	const struct cfg_preflight *pf = &r->cfg->preflight;
	struct github_rate rate;
	struct api_plan plan;
	struct api_opts pace;
	char line[512], sh[64];
	unsigned n = (unsigned)r->scope.n, fits;
	int rc;

	api_opts_init(&pace);
	sync_api_pace(&pace, r->cfg);
	sync_api_limits(&pace, r);
	if ((rc = github_rate_get(&rate, r->api)) < 0) {
		if (rc == ERR_AUTH || rc == ERR_NET || rc == ERR_TIMEOUT ||
		    (pf->present && pf->fail_closed))
			return endpoint_api_error(&r->ep, rc);
		log_warn("rate-limit preflight: %s; going on without it "
		    "(rate_limit_preflight.fail_closed: true stops here)", err_last());
		err_clear();
		return 0;
	}
	if (pf->present && !pf->enabled)
		return 0;
	sync_plan(&plan, pf, n, r->o.dry_run, sync_token_share(r));
	rc = api_preflight(line, sizeof(line), &plan, &rate.core, &pace);
	shard_describe(sh, sizeof(sh), &r->o.shard);
	if (r->o.shard.count > 1 && r->o.shard_own_token)
		log_info("%s (%s: its own token, the whole budget)", line, sh);
	else if (r->o.shard.count > 1)
		log_info("%s (%s: the token is shared by %u shards, each gets 1/%u of the "
		    "budget and of the create rate; --shard-own-token when each has its own)",
		    line, sh, r->o.shard.count, r->o.shard.count);
	else
		log_info("%s", line);
	if (rc == 0)
		return 0;
	if (r->o.ignore_preflight) {
		log_warn("rate-limit preflight: over budget, going on as "
		    "--ignore-rate-limit-preflight says; requests wait for the reset "
		    "when the quota runs out");
		err_clear();
		return 0;
	}
	fits = sync_plan_fits(pf, &rate, &pace, n, r->o.dry_run, sync_token_share(r));
	if (fits > 0)
		return err_set(ERR_LIMIT, "rate-limit preflight: this run of %u %s does not fit "
		    "the API budget (%s); %u %s would pass now: narrow it with --groups or "
		    "TARGET filters, wait for the reset, or pass "
		    "--ignore-rate-limit-preflight to go on and wait for the reset", n,
		    n == 1 ? "target" : "targets", line, fits, fits == 1 ? "target" : "targets");
	return err_set(ERR_LIMIT, "rate-limit preflight: this run of %u %s does not fit the "
	    "API budget (%s); no target would pass now: wait for the reset, or pass "
	    "--ignore-rate-limit-preflight to go on and wait for it", n,
	    n == 1 ? "target" : "targets", line);
}

int
sync_env(struct sync_run *r)
{
	int rc;

	/* The loader always sets a cache dir (cfg_default_cache_dir). */
	r->cache_dir = xstrdup(r->o.cache_dir != NULL ? r->o.cache_dir : r->cfg->rc.cache_dir);
	if ((rc = cmd_check_cache_dir(r->cache_dir)) < 0)
		return rc;
	if ((rc = sync_open_api(r)) < 0 || (rc = sync_preflight(r)) < 0 ||
	    (rc = sync_sources(r)) < 0)
		return rc;
	return 0;
}
