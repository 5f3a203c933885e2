/*
 * sync_env — what a sync run needs before its first target: the config
 * and scope, the token, the API client (with its ETag cache), the
 * preflight quota check, and each in-scope group's source mirror fetched
 * once. Failures are error codes (cmd_sync.c turns them into the exit
 * status). See internal.h.
 */
#include <errno.h>
#include <pthread.h>
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
#include "supervisor/github/appauth.h"
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
	return sync_signal_pending() || sync_pubq_stopped(r) || sync_discq_stopped(r);
}

/* Every request and wait of the API client, on the supervisor's track of
 * trace.json. */
static void
sync_api_event(const struct api_event *ev, void *arg)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
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
	/* The event loop (an App's tokens), discovery and the publisher. */
	pthread_mutex_lock(&lock);
	report_run_add_span(r->run, strcmp(ev->kind, "wait") == 0 ? "wait" : "api", name,
	    ev->status, ev->start_us, ev->dur_us);
	pthread_mutex_unlock(&lock);
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
	if (r->use_app && (rc = appauth_attach(&r->app, &r->app_o, &ao)) < 0) {
		free(cache);
		return rc;
	}
	rc = api_new(&r->api, &ao, r->token != NULL ? token_value(r->token) : NULL);
	free(cache);
	free(r->gql_url);
	r->gql_url = endpoint_graphql_url(r->ep.api_url);
	r->gql_off = !r->cfg->rc.api_graphql;
	if (rc < 0)
		err_wrap("repocast.api_url (from %s)", r->ep.api_from);
	return rc;
}

int
sync_repo_token(const char **token, struct sync_run *r, const char *repo)
{
	if (r->app != NULL)
		return appauth_repo_token(token, r->app, repo);
	*token = r->token != NULL ? token_value(r->token) : NULL;
	return 0;
}

void
sync_report_auth(const struct sync_run *r, struct report_run *run)
{
	appauth_report(run, r->app, r->token);
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
		const char *tok;
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
		if ((rc = sync_repo_token(&tok, r, g->source.repo)) < 0) {
			/* The App not installed on the source's owner: a public source
			 * needs no token. Any other failure stops the run. */
			char owner[128];

			snprintf(owner, sizeof(owner), "%.*s", (int)strcspn(g->source.repo, "/"),
			    g->source.repo);
			if (r->app == NULL || !app_not_installed(r->app, owner)) {
				free(url);
				return err_wrap("group '%s': source '%s'", g->id, g->source.repo);
			}
			log_info("source %s: %s; fetching without a token", g->source.repo,
			    err_last());
			err_clear();
			tok = NULL;
		}
		rc = source_open(&s->src, r->cache_dir, url, g->source.repo, g->source.branch,
		    sync_source_needs_tags(r, g), tok);
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

/*
 * A GitHub App from the config or the environment (appauth.h): 0 when the
 * run authenticates as one, 1 when it uses a token, an error code when both
 * the App and --token-file are given.
 */
static int
sync_load_app(struct sync_run *r)
{
	int ret;

	if ((ret = appauth_load(&r->app_o, &r->use_app, r->app_from, sizeof(r->app_from),
	    r->cfg, r->o.token_file)) < 0)
		return ret;
	return r->use_app ? 0 : 1;
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
	if ((rc = sync_load_app(r)) != 1)
		return rc;
	host = endpoint_git_host(&r->ep);
	rc = token_find(&r->token, r->o.token_file, host);
	free(host);
	if (rc < 0)
		return rc;
	token_scrub_env();
	return 0;
}

int
sync_open_targets(struct sync_run *r)
{
	size_t i;
	int rc;

	if ((rc = sync_load(r)) < 0) {
		for (i = 0; i < r->errs.n; i++)
			fprintf(stderr, "%s\n", r->errs.v[i].msg);
		return r->errs.n > 0 ? cmd_exit_status(CMD_INPUT, rc) : cmd_fail(CMD_INPUT, rc);
	}
	r->cache_dir = xstrdup(r->o.cache_dir != NULL ? r->o.cache_dir : r->cfg->rc.cache_dir);
	if ((rc = sync_open_api(r)) < 0)
		return cmd_fail(CMD_ENV, rc);
	return EXIT_OK;
}

/* Planned requests per target (DESIGN §4): worst case, a 304 not assumed. */
enum {
	PF_READS = 4,            /* repo, base ref, pulls, sync branch ref */
	PF_WRITES = 5,           /* PR, labels, assignees, reviewers, edit */
	PF_CREATES = 1,          /* the PR */
	PF_AUTOMERGE_READS = 1,  /* --automerge: the repository's allow_auto_merge */
	PF_AUTOMERGE_WRITES = 2, /* its labels, the GraphQL mutation */
	/* commit.via: api adds a tree, a commit and the ref, and at least one
	 * blob; further blobs (up to commit.api_max_blobs) are paced as they
	 * come but not foreseen: a change's size is known after its worker */
	PF_API_WRITES = 4,
	PF_API_CREATES = 1,      /* the commit */
};

static void
sync_plan(struct api_plan *plan, const struct cfg *c, unsigned n,
    const struct sync_opts *o, unsigned share)
{
	const struct cfg_preflight *pf = &c->preflight;
	bool api = c->rc.commit_via_api;

	memset(plan, 0, sizeof(*plan));
	plan->share = share;
	plan->reads = (PF_READS + (o->automerge ? PF_AUTOMERGE_READS : 0)) * n;
	plan->writes = o->dry_run ? 0 : (PF_WRITES + (o->automerge ?
	    PF_AUTOMERGE_WRITES : 0) + (api ? PF_API_WRITES : 0)) * n;
	plan->creates = o->dry_run ? 0 : (PF_CREATES + (api ? PF_API_CREATES : 0)) * n;
	plan->margin_percent = pf->present ? pf->primary_margin_percent : 10;
	plan->secondary_reserve = pf->present ? pf->secondary_reserve : 0;
}

/* The most targets of this run that fit the quota now (0: none). */
static unsigned
sync_plan_fits(const struct cfg *c, const struct github_rate *rate,
    const struct api_opts *pace, unsigned n, const struct sync_opts *o, unsigned share)
{
	struct api_plan plan;
	char line[8];
	unsigned lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		sync_plan(&plan, c, mid, o, share);
		if (api_preflight(line, sizeof(line), &plan, &rate->core, pace) == 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	err_clear();
	return lo;
}

/*
 * GraphQL's own points (batched discovery, supervisor/github/discogql.h):
 * one query of at most 100 targets costs 1 point, so a run plans
 * ceil(targets / graphql_batch) of them, with the same margin and share
 * as the core quota. A run whose queries do not fit discovers over REST,
 * which the core plan already counts (its reads are the worst case).
 */
static void
sync_preflight_graphql(struct sync_run *r, unsigned n, const char *pre,
    const struct api_quota *q, int margin_percent, unsigned share)
{
	unsigned batch = (unsigned)r->cfg->rc.api_graphql_batch, queries;
	long avail;

	if (r->gql_off || q->remaining < 0 || batch == 0 || n == 0)
		return;
	queries = (n + batch - 1) / batch;
	avail = q->remaining - (q->remaining * margin_percent + 99) / 100;
	if (share > 1)
		avail = avail > 0 ? avail / (long)share : 0;
	if ((long)queries <= avail) {
		log_info("%srate-limit preflight: GraphQL: %u %s of %u targets planned (1 point "
		    "each) vs %ld points remaining: ok", pre, queries,
		    queries == 1 ? "query" : "queries", batch, q->remaining);
		return;
	}
	log_warn("%srate-limit preflight: GraphQL: %u %s planned vs %ld points available "
	    "(%ld remaining): discovery uses the REST API for this run", pre, queries,
	    queries == 1 ? "query" : "queries", avail < 0 ? 0 : avail, q->remaining);
	r->gql_off = true;
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
/*
 * The preflight of n targets against one quota; who names whose quota it
 * is in the log line (NULL: the token's).
 */
static int
sync_preflight_one(struct sync_run *r, unsigned n, const char *who)
{
	const struct cfg_preflight *pf = &r->cfg->preflight;
	struct github_rate rate;
	struct api_plan plan;
	struct api_opts pace;
	char line[512], sh[64], pre[160];
	unsigned fits;
	int rc;

	api_opts_init(&pace);
	sync_api_pace(&pace, r->cfg);
	sync_api_limits(&pace, r);
	snprintf(pre, sizeof(pre), "%s%s", who != NULL ? who : "", who != NULL ? ": " : "");
	if ((rc = github_rate_get(&rate, r->api)) < 0) {
		if (rc == ERR_AUTH || rc == ERR_NET || rc == ERR_TIMEOUT ||
		    (pf->present && pf->fail_closed))
			return endpoint_api_error(&r->ep, rc);
		log_warn("%srate-limit preflight: %s; going on without it "
		    "(rate_limit_preflight.fail_closed: true stops here)", pre, err_last());
		err_clear();
		return 0;
	}
	if (pf->present && !pf->enabled)
		return 0;
	sync_plan(&plan, r->cfg, n, &r->o, sync_token_share(r));
	rc = api_preflight(line, sizeof(line), &plan, &rate.core, &pace);
	shard_describe(sh, sizeof(sh), &r->o.shard);
	if (r->o.shard.count > 1 && r->o.shard_own_token)
		log_info("%s%s (%s: its own token, the whole budget)", pre, line, sh);
	else if (r->o.shard.count > 1)
		log_info("%s%s (%s: the token is shared by %u shards, each gets 1/%u of the "
		    "budget and of the create rate; --shard-own-token when each has its own)",
		    pre, line, sh, r->o.shard.count, r->o.shard.count);
	else
		log_info("%s%s", pre, line);
	sync_preflight_graphql(r, n, pre, &rate.graphql, plan.margin_percent, plan.share);
	if (rc == 0)
		return 0;
	if (r->o.ignore_preflight) {
		log_warn("rate-limit preflight: over budget, going on as "
		    "--ignore-rate-limit-preflight says; requests wait for the reset "
		    "when the quota runs out");
		err_clear();
		return 0;
	}
	fits = sync_plan_fits(r->cfg, &rate, &pace, n, &r->o, sync_token_share(r));
	if (fits > 0)
		return err_set(ERR_LIMIT, "rate-limit preflight: %sthis run of %u %s does not fit "
		    "the API budget (%s); %u %s would pass now: narrow it with --groups or "
		    "TARGET filters, wait for the reset, or pass "
		    "--ignore-rate-limit-preflight to go on and wait for the reset", pre, n,
		    n == 1 ? "target" : "targets", line, fits, fits == 1 ? "target" : "targets");
	return err_set(ERR_LIMIT, "rate-limit preflight: %sthis run of %u %s does not fit the "
	    "API budget (%s); no target would pass now: wait for the reset, or pass "
	    "--ignore-rate-limit-preflight to go on and wait for it", pre, n,
	    n == 1 ? "target" : "targets", line);
}

/*
 * With a GitHub App every installation has a quota of its own: find each
 * in-scope owner's installation (a refused JWT stops the run here, before
 * any write), then check each installation's targets against its own
 * GET /rate_limit. An owner without an installation is left to its
 * targets, which fail with that cause; the others go on.
 */
static int
sync_preflight_app(struct sync_run *r)
{
	struct appauth_inst *v;
	const char **repos;
	char who[200];
	size_t i, nv;
	int rc;

	repos = xcalloc(r->scope.n + 1, sizeof(*repos));
	for (i = 0; i < r->scope.n; i++)
		repos[i] = r->scope.v[i].target->repo;
	rc = appauth_group(&v, &nv, r->app, repos, r->scope.n);
	free(repos);
	for (i = 0; i < nv && rc == 0; i++) {
		snprintf(who, sizeof(who), "installation %llu (%s)", (unsigned long long)v[i].id,
		    v[i].owner);
		app_set_owner(r->app, v[i].owner);
		rc = sync_preflight_one(r, v[i].n, who);
	}
	app_set_owner(r->app, NULL);
	free(v);
	return rc;
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
	if (r->app != NULL)
		return sync_preflight_app(r);
	return sync_preflight_one(r, (unsigned)r->scope.n, NULL);
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
