/*
 * cmd_diagnose — `repocast diagnose`: what this installation and this
 * environment give a run, checked one by one: the library versions (the
 * ones loaded at run time where the library can say), the worker and its
 * git plugin, the token (where it came from and its scopes, never its
 * value), the API (reachable, whose token, the rate limit), the mirror
 * cache and the report directory. One JSON object holds the findings; the
 * text output is read from it. Exit 3 when something a sync needs is
 * missing (worker, plugin, token, a reachable API that accepts the token).
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <dirent.h>
#include <git2.h>
#include <jansson.h>
#include <msgpack.h>
#include <yaml.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/config/config.h"
#include "supervisor/github/api.h"
#include "supervisor/github/app.h"
#include "supervisor/github/appauth.h"
#include "supervisor/github/github.h"
#include "supervisor/github/token.h"
#include "supervisor/pool/pool.h"
#include "supervisor/signing.h"

/* The worker loads its git half from its own directory (worker/plugin.h). */
#define DIAG_PLUGIN_FILE "repocast-worker-git.so"

const char cmd_diagnose_usage[] =
    "usage: repocast diagnose [-c FILE] [--token-file FILE] [--cache-dir DIR]\n"
    "                         [--report-dir DIR] [--json]\n"
    "\n"
    "Check what a run needs and print what was found: the versions of repocast\n"
    "and of the libraries it runs with, where the worker and its git plugin\n"
    "are, whether a token is set (where from, and its scopes; never the token\n"
    "itself), whether the API answers and accepts it, the rate limit left,\n"
    "the mirror cache (location, size), the report directory, how commits\n"
    "are signed (method, key fingerprint or id, program; never the key) and\n"
    "how a sync commits (push, or api: the Git Data API). The config (default\n"
    "sync.yaml, when that file exists) gives the API URL, the cache, the\n"
    "report directory and the commit path.\n"
    "\n"
    "  -c, --config FILE      the config to read (an error when it is invalid)\n"
    "      --token-file FILE  read the token from FILE (else GITHUB_TOKEN, GH_TOKEN)\n"
    "      --cache-dir DIR    the mirror cache (default: config, else ~/.cache/repocast)\n"
    "      --report-dir DIR   where run directories go (default .repocast/runs)\n"
    "      --json             print the findings as one JSON object\n"
    "\n"
    "Exit status: 0 everything a sync needs is there, 2 usage or config error,\n"
    "3 something is missing: the worker, the plugin, a token, an API that\n"
    "answers and accepts the token, or a signing key or program.\n";

struct diag_opts {
	const char *config;
	bool config_given;
	const char *token_file;
	const char *cache_dir;
	const char *report_dir;
	bool json;
};

/* Sum of regular files' sizes under a directory (nftw has no cookie). */
static uint64_t diag_bytes;
static uint64_t diag_files;

static int
diag_count(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F && S_ISREG(st->st_mode)) {
		diag_bytes += (uint64_t)st->st_size;
		diag_files++;
	}
	return 0;
}

static json_t *
diag_versions(void)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	int maj, min, rev;
	char git[32];

	git_libgit2_version(&maj, &min, &rev);
	snprintf(git, sizeof(git), "%d.%d.%d", maj, min, rev);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "repocast", REPOCAST_VERSION,
	    "libgit2", git,
	    "libcurl", cv != NULL && cv->version != NULL ? cv->version : "unknown",
	    "msgpack-c", msgpack_version(),
	    "libyaml", yaml_get_version_string(),
	    "jansson", jansson_version_str());
}

static json_t *
diag_file(const char *path, int mode, int *missing)
{
	bool ok = access(path, mode) == 0;

	if (!ok)
		(*missing)++;
	return json_pack("{s:s, s:b}", "path", path, "found", ok);
}

/* The worker as sync and run look it up, and the plugin next to it. */
static void
diag_worker(json_t *root, const char *argv0, int *missing)
{
	char *worker = pool_find_worker(argv0);
	char *dir = xstrdup(worker), *slash = strrchr(dir, '/');
	char *plugin;
	json_t *w;

	if (slash != NULL)
		*slash = '\0';
	plugin = xasprintf("%s/%s", slash != NULL ? dir : ".", DIAG_PLUGIN_FILE);
	w = diag_file(worker, X_OK, missing);
	json_object_set_new(w, "libexecdir", json_string(REPOCAST_LIBEXECDIR));
	json_object_set_new(w, "from", json_string(getenv("REPOCAST_WORKER") != NULL &&
	    getenv("REPOCAST_WORKER")[0] != '\0' ? "REPOCAST_WORKER" : "lookup"));
	json_object_set_new(root, "worker", w);
	json_object_set_new(root, "plugin", diag_file(plugin, R_OK, missing));
	free(plugin);
	free(dir);
	free(worker);
}

/* "repo, workflow" -> ["repo", "workflow"]. */
static json_t *
diag_scopes(const char *s)
{
	json_t *arr = json_array();
	const char *p = s, *e;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		e = p;
		while (*e != '\0' && *e != ',')
			e++;
		while (e > p && e[-1] == ' ')
			e--;
		if (e > p)
			json_array_append_new(arr, json_stringn(p, (size_t)(e - p)));
		p = e;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return arr;
}

static json_t *
diag_quota(const struct api_quota *q)
{
	char when[32] = "";
	time_t t = (time_t)q->reset;
	struct tm tm;

	if (q->reset > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:I, s:I, s:s?}", "limit", (json_int_t)q->limit,
	    "remaining", (json_int_t)q->remaining, "reset", when[0] ? when : NULL);
}

/*
 * GET /user (who the token is, its scopes from X-OAuth-Scopes: GitHub
 * sends them on every answer to a classic token, a fine-grained token has
 * none) and GET /rate_limit (free). tok may be NULL: then only reachability.
 */
static void
diag_api(json_t *root, const struct cfg *c, const struct token *tok, json_t *tj, int *missing)
{
	struct api_opts ao;
	struct api *a = NULL;
	struct api_response r;
	struct github_rate rate;
	json_t *aj = json_object(), *body;
	long status;
	int rc;

	api_opts_init(&ao);
	if (c != NULL && c->rc.api_url != NULL)
		ao.base_url = c->rc.api_url;
	ao.timeout_ms = 15000;
	ao.max_retries = 1;
	ao.max_rate_retries = 0;
	ao.max_wait_ms = 1000;
	json_object_set_new(aj, "url", json_string(ao.base_url));
	json_object_set_new(root, "api", aj);
	if ((rc = api_new(&a, &ao, tok != NULL ? token_value(tok) : NULL)) < 0) {
		json_object_set_new(aj, "reachable", json_false());
		json_object_set_new(aj, "error", json_string(err_last()));
		(*missing)++;
		return;
	}
	api_response_init(&r);
	rc = api_request(&r, a, API_GET, "/user", NULL, API_NOCACHE);
	/* Any HTTP answer means the API is there; 401 means not for this token. */
	json_object_set_new(aj, "reachable", json_boolean(r.status != 0));
	if (tok != NULL)
		json_object_set_new(tj, "accepted", json_boolean(rc == 0));
	if (rc == 0 && (body = json_loadb(r.body.ptr, r.body.len, 0, NULL)) != NULL) {
		json_t *login = json_object_get(body, "login");

		if (json_is_string(login))
			json_object_set(tj, "login", login);
		json_decref(body);
	}
	if (tok != NULL)
		json_object_set_new(tj, "scopes", r.scopes != NULL ? diag_scopes(r.scopes) :
		    json_null());
	if (r.status == 0 || (tok != NULL && rc != 0)) {
		json_object_set_new(aj, "error", json_string(err_last()));
		(*missing)++;
	}
	status = r.status;
	api_response_release(&r);
	if (status != 0 && github_rate_get(&rate, a) == 0)
		json_object_set_new(aj, "rate_limit", diag_quota(&rate.core));
	api_free(a);
}

static void
diag_token(json_t *root, const struct diag_opts *o, const struct cfg *c, int *missing)
{
	struct token *tok = NULL;
	json_t *tj = json_object();
	int rc;

	json_object_set_new(root, "token", tj);
	rc = token_load(&tok, o->token_file);
	json_object_set_new(tj, "present", json_boolean(rc == 0));
	if (rc == 0) {
		json_object_set_new(tj, "from", json_string(tok->source));
	} else {
		json_object_set_new(tj, "error", json_string(err_last()));
		(*missing)++;
	}
	diag_api(root, c, tok, tj, missing);
	token_free(tok);
}

static const char *str_of(const json_t *o, const char *key);

/*
 * A GitHub App instead of a token: the key read (mode checked), GET /app
 * with its JWT (the App's slug: the JWT is accepted), and for each owner
 * of the config's targets its installation and that installation's rate
 * limit. Never the key, the JWT or a token.
 */
static void
diag_app(json_t *root, const struct app_opts *ao, const struct cfg *c, int *missing)
{
	struct api_opts o;
	struct app *app = NULL;
	struct api *a = NULL;
	struct github_rate rate;
	json_t *aj = json_object(), *inst = json_array(), *api = json_object();
	char *slug = NULL;
	size_t g, t, k;
	int rc;

	json_object_set_new(root, "token", json_null());
	json_object_set_new(root, "app", aj);
	json_object_set_new(root, "api", api);
	json_object_set_new(aj, "id", json_string(ao->app_id));
	json_object_set_new(aj, "from", json_string(ao->from));
	json_object_set_new(aj, "private_key_file", json_string(ao->key_file));
	json_object_set_new(aj, "installation_id", ao->installation_id != NULL ?
	    json_string(ao->installation_id) : json_null());
	json_object_set_new(aj, "installations", inst);
	api_opts_init(&o);
	if (c != NULL && c->rc.api_url != NULL)
		o.base_url = c->rc.api_url;
	o.timeout_ms = 15000;
	o.max_retries = 1;
	o.max_rate_retries = 0;
	o.max_wait_ms = 1000;
	json_object_set_new(api, "url", json_string(o.base_url));
	if ((rc = app_new(&app, ao, &o)) < 0) {
		json_object_set_new(aj, "accepted", json_false());
		json_object_set_new(aj, "error", json_string(err_last()));
		(*missing)++;
		return;
	}
	rc = app_describe(&slug, app);
	json_object_set_new(api, "reachable", json_boolean(rc != ERR_NET && rc != ERR_TIMEOUT));
	json_object_set_new(aj, "accepted", json_boolean(rc == 0));
	if (rc < 0) {
		json_object_set_new(aj, "error", json_string(err_last()));
		(*missing)++;
		app_free(app);
		return;
	}
	json_object_set_new(aj, "slug", json_string(slug));
	free(slug);
	o.auth = app_auth;
	o.auth_arg = app;
	if (api_new(&a, &o, NULL) < 0) {
		json_object_set_new(api, "error", json_string(err_last()));
		(*missing)++;
		app_free(app);
		return;
	}
	for (g = 0; c != NULL && g < c->ngroups; g++) {
		for (t = 0; t < c->groups[g].ntargets; t++) {
			const char *repo = c->groups[g].targets[t].repo, *tok;
			char owner[APPAUTH_OWNER_MAX];
			uint64_t id = 0;
			json_t *ij;

			if (!appauth_owner(owner, repo))
				continue;
			for (k = 0; k < json_array_size(inst); k++)
				if (strcmp(str_of(json_array_get(inst, k), "owner"), owner) == 0)
					break;
			if (k < json_array_size(inst))
				continue;
			ij = json_pack("{s:s}", "owner", owner);
			json_array_append_new(inst, ij);
			if ((rc = app_token(&tok, &id, app, owner, strchr(repo, '/') + 1, false)) < 0) {
				json_object_set_new(ij, "id", json_null());
				json_object_set_new(ij, "error", json_string(err_last()));
				(*missing)++;
				continue;
			}
			json_object_set_new(ij, "id", json_integer((json_int_t)id));
			app_set_owner(app, owner);
			if (github_rate_get(&rate, a) == 0)
				json_object_set_new(ij, "rate_limit", diag_quota(&rate.core));
			app_set_owner(app, NULL);
		}
	}
	api_free(a);
	app_free(app);
}

static json_t *
diag_dir(const char *path, bool count_runs)
{
	struct stat st;
	json_t *j = json_pack("{s:s}", "path", path);
	bool there = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

	json_object_set_new(j, "exists", json_boolean(there));
	if (!there)
		return j;
	json_object_set_new(j, "writable", json_boolean(access(path, W_OK) == 0));
	if (count_runs) {
		DIR *d = opendir(path);
		struct dirent *e;
		json_int_t n = 0;

		while (d != NULL && (e = readdir(d)) != NULL) {
			char *rep = xasprintf("%s/%s/report.json", path, e->d_name);

			if (e->d_name[0] != '.' && access(rep, R_OK) == 0)
				n++;
			free(rep);
		}
		if (d != NULL)
			closedir(d);
		json_object_set_new(j, "runs", json_integer(n));
	} else {
		diag_bytes = diag_files = 0;
		nftw(path, diag_count, 16, FTW_PHYS);
		json_object_set_new(j, "bytes", json_integer((json_int_t)diag_bytes));
		json_object_set_new(j, "files", json_integer((json_int_t)diag_files));
	}
	return j;
}

static const char *
str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static const char *
found(const json_t *o)
{
	return json_is_true(json_object_get(o, "found")) ? "found" : "MISSING";
}

/* Is prog (a name looked up in $PATH, or a path) an executable? */
static bool
diag_program_found(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;
	bool found = false;
	char *cand;

	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0;
	for (p = path != NULL ? path : ""; !found && *p != '\0'; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		cand = xasprintf("%.*s/%s", (int)(colon - p), p, prog);
		found = colon > p && access(cand, X_OK) == 0;
		free(cand);
	}
	return found;
}

/*
 * How a sync would sign its commits (docs/signing.md): the method, the key
 * (its fingerprint or id, never the key), the program and where it all
 * came from; an error (counted missing) when that cannot work: no key for
 * ssh, a key file that is not there, a signer not installed.
 */
static void
diag_signing(json_t *root, const struct cfg *c, int *missing)
{
	const char *name = c != NULL ? c->rc.author_name : NULL;
	const char *email = c != NULL ? c->rc.author_email : NULL;
	struct signing s;
	json_t *o = json_object();
	char *err = NULL;

	if (name == NULL && (name = getenv("GIT_AUTHOR_NAME")) == NULL)
		name = "repocast";
	if (email == NULL && (email = getenv("GIT_AUTHOR_EMAIL")) == NULL)
		email = "repocast@users.noreply.github.com";
	if (signing_resolve(&s, c, name, email) < 0) {
		err = xstrdup(err_last());
	} else if (signing_on(&s)) {
		json_object_set_new(o, "method", json_string(signcfg_mode_name(s.how.method)));
		json_object_set_new(o, "key", json_string(s.shown));
		json_object_set_new(o, "fingerprint", s.fingerprint != NULL ?
		    json_string(s.fingerprint) : json_null());
		json_object_set_new(o, "program", json_string(s.how.program));
		if (!diag_program_found(s.how.program))
			err = xasprintf("the signing program '%s' is not installed", s.how.program);
		else if (s.how.method == SIGNCFG_SSH && strncmp(s.how.key, "key::", 5) != 0 &&
		    access(s.how.key, R_OK) != 0)
			err = xasprintf("cannot read the signing key '%s': %s", s.how.key,
			    strerror(errno));
	}
	if (json_object_get(o, "method") == NULL)
		json_object_set_new(o, "method", json_null());
	json_object_set_new(o, "from", json_string(c != NULL && c->rc.commit_sign != SIGNCFG_GIT ?
	    "repocast.commit" : "git config"));
	json_object_set_new(o, "error", err != NULL ? json_string(err) : json_null());
	if (err != NULL)
		(*missing)++;
	json_object_set_new(root, "signing", o);
	free(err);
	signing_release(&s);
}

static void
diag_print_text(const json_t *root)
{
	const json_t *v = json_object_get(root, "versions"), *w = json_object_get(root, "worker");
	const json_t *p = json_object_get(root, "plugin"), *t = json_object_get(root, "token");
	const json_t *a = json_object_get(root, "api"), *c = json_object_get(root, "cache");
	const json_t *r = json_object_get(root, "report_dir"), *cf = json_object_get(root, "config");
	const json_t *cm = json_object_get(root, "commit");
	const json_t *rl = json_object_get(a, "rate_limit"), *sc = json_object_get(t, "scopes");
	const json_t *sg = json_object_get(root, "signing");
	const char *key;
	json_t *val;
	size_t i;

	printf("versions:\n");
	json_object_foreach((json_t *)v, key, val)
		printf("  %-10s %s\n", key, json_string_value(val));
	printf("worker:     %s (%s; libexec dir %s)\n", str_of(w, "path"), found(w),
	    str_of(w, "libexecdir"));
	printf("plugin:     %s (%s)\n", str_of(p, "path"), found(p));
	printf("config:     %s\n", json_is_string(json_object_get(cf, "path")) ?
	    str_of(cf, "path") : "none (defaults)");
	if (strcmp(str_of(cm, "via"), "api") == 0)
		printf("commit:     api (Git Data API, no push; at most %" JSON_INTEGER_FORMAT
		    " new blobs, %" JSON_INTEGER_FORMAT " bytes)\n",
		    json_integer_value(json_object_get(cm, "api_max_blobs")),
		    json_integer_value(json_object_get(cm, "api_max_bytes")));
	else
		printf("commit:     push (git push by the workers)\n");
	if (json_object_get(root, "app") != NULL) {
		const json_t *ap = json_object_get(root, "app"), *in, *q;

		printf("identity:   GitHub App %s (from %s; key %s)", str_of(ap, "id"),
		    str_of(ap, "from"), str_of(ap, "private_key_file"));
		if (json_is_true(json_object_get(ap, "accepted")))
			printf(", slug %s\n", str_of(ap, "slug"));
		else
			printf("\n            REFUSED: %s\n", str_of(ap, "error"));
		in = json_object_get(ap, "installations");
		for (i = 0; i < json_array_size(in); i++) {
			const json_t *e = json_array_get(in, i);

			q = json_object_get(e, "rate_limit");
			if (json_is_integer(json_object_get(e, "id")))
				printf("  %-16s installation %" JSON_INTEGER_FORMAT, str_of(e, "owner"),
				    json_integer_value(json_object_get(e, "id")));
			else
				printf("  %-16s NO INSTALLATION: %s", str_of(e, "owner"),
				    str_of(e, "error"));
			if (q != NULL)
				printf(", rate limit %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
				    " left, resets %s", json_integer_value(json_object_get(q,
				    "remaining")), json_integer_value(json_object_get(q, "limit")),
				    str_of(q, "reset"));
			printf("\n");
		}
	} else if (json_is_true(json_object_get(t, "present"))) {
		printf("identity:   token from %s\n", str_of(t, "from"));
		printf("token:      from %s", str_of(t, "from"));
		if (json_is_string(json_object_get(t, "login")))
			printf(", user %s", str_of(t, "login"));
		if (json_is_array(sc)) {
			printf(", scopes:");
			for (i = 0; i < json_array_size(sc); i++)
				printf("%s%s", i ? ", " : " ", json_string_value(json_array_get(sc, i)));
			if (json_array_size(sc) == 0)
				printf(" (none)");
		} else if (json_is_true(json_object_get(t, "accepted"))) {
			printf(", scopes: not sent (a fine-grained or app token)");
		}
		printf("\n");
	} else {
		printf("token:      MISSING: %s\n", str_of(t, "error"));
	}
	printf("api:        %s (%s)\n", str_of(a, "url"),
	    json_is_true(json_object_get(a, "reachable")) ? "reachable" : "UNREACHABLE");
	if (json_is_string(json_object_get(a, "error")))
		printf("            error: %s\n", str_of(a, "error"));
	if (rl != NULL)
		printf("rate limit: %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
		    " left, resets %s\n", json_integer_value(json_object_get(rl, "remaining")),
		    json_integer_value(json_object_get(rl, "limit")), str_of(rl, "reset"));
	if (json_is_true(json_object_get(c, "exists")))
		printf("cache:      %s (%" JSON_INTEGER_FORMAT " bytes in %" JSON_INTEGER_FORMAT
		    " files)\n", str_of(c, "path"), json_integer_value(json_object_get(c, "bytes")),
		    json_integer_value(json_object_get(c, "files")));
	else
		printf("cache:      %s (not created yet)\n", str_of(c, "path"));
	if (json_is_true(json_object_get(r, "exists")))
		printf("report dir: %s (%" JSON_INTEGER_FORMAT " runs)\n", str_of(r, "path"),
		    json_integer_value(json_object_get(r, "runs")));
	else
		printf("report dir: %s (not created yet)\n", str_of(r, "path"));
	if (json_is_string(json_object_get(sg, "method"))) {
		printf("signing:    %s, key %s", str_of(sg, "method"), str_of(sg, "key"));
		if (json_is_string(json_object_get(sg, "fingerprint")))
			printf(" (%s)", str_of(sg, "fingerprint"));
		printf(", program %s, from %s\n", str_of(sg, "program"), str_of(sg, "from"));
	} else if (!json_is_string(json_object_get(sg, "error"))) {
		printf("signing:    off (%s)\n", str_of(sg, "from"));
	}
	if (json_is_string(json_object_get(sg, "error")))
		printf("signing:    ERROR: %s\n", str_of(sg, "error"));
	printf("%s\n", json_is_true(json_object_get(root, "ok")) ? "ok" :
	    "something a sync needs is missing (see above)");
}

enum { DOPT_TOKENFILE = 256, DOPT_CACHEDIR, DOPT_REPORTDIR, DOPT_JSON };

static const struct opt_spec diag_optspecs[] = {
	{ 'c', 'c', "config", true },
	{ DOPT_TOKENFILE, 0, "token-file", true },
	{ DOPT_CACHEDIR, 0, "cache-dir", true },
	{ DOPT_REPORTDIR, 0, "report-dir", true },
	{ DOPT_JSON, 0, "json", false },
};

/* 1 when --help was asked for, 0, or ERR_CONFIG. */
static int
diag_parse(struct diag_opts *o, int argc, char **argv)
{
	struct opt_parser p;
	struct opt_item it;
	int rc;

	opt_init(&p, diag_optspecs, ARRAY_SIZE(diag_optspecs), argc, argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		switch (it.id) {
		case OPT_HELP:
			return 1;
		case 'c':
			o->config = it.value;
			o->config_given = true;
			break;
		case DOPT_TOKENFILE:
			o->token_file = it.value;
			break;
		case DOPT_CACHEDIR:
			o->cache_dir = it.value;
			break;
		case DOPT_REPORTDIR:
			o->report_dir = it.value;
			break;
		case DOPT_JSON:
			o->json = true;
			break;
		default:
			return err_set(ERR_CONFIG, "'diagnose' takes no arguments");
		}
	}
	if (rc == 0 && p.nrest > 0)
		rc = err_set(ERR_CONFIG, "'diagnose' takes no arguments");
	return rc;
}

int
cmd_diagnose(int argc, char **argv)
{
	struct diag_opts o = { "sync.yaml", false, NULL, NULL, NULL, false };
	struct cfg_errors errs = { NULL, 0, 0 };
	struct cfg *c = NULL;
	json_t *root, *cf;
	struct app_opts ao;
	bool use_app = false;
	char *cache, from[256];
	int missing = 0, rc;
	size_t i;

	if ((rc = diag_parse(&o, argc, argv)) != 0) {
		if (rc > 0)
			fputs(cmd_diagnose_usage, stdout);
		return rc > 0 ? EXIT_OK : cmd_usage_fail(cmd_diagnose_usage, "diagnose");
	}
	/* Without -c a missing sync.yaml is fine: the defaults apply. */
	if (o.config_given || access(o.config, F_OK) == 0) {
		rc = cfg_load(&c, o.config, &errs);
		if (rc < 0) {
			for (i = 0; i < errs.n; i++)
				fprintf(stderr, "%s\n", errs.v[i].msg);
			if (errs.n == 0)
				fprintf(stderr, "repocast: %s\n", err_last());
			cfg_errors_release(&errs);
			return EXIT_USAGE;
		}
	}
	root = json_object();
	json_object_set_new(root, "versions", diag_versions());
	diag_worker(root, argv[0], &missing);
	cf = json_object();
	json_object_set_new(cf, "path", c != NULL ? json_string(o.config) : json_null());
	json_object_set_new(root, "config", cf);
	if ((rc = appauth_load(&ao, &use_app, from, sizeof(from), c, o.token_file)) < 0) {
		fprintf(stderr, "repocast: %s\n", err_last());
		json_decref(root);
		cfg_free(c);
		return EXIT_USAGE;
	}
	/* how a sync's commit reaches its targets (docs/github.md) */
	json_object_set_new(root, "commit", json_pack("{s:s,s:I,s:I}",
	    "via", c != NULL && c->rc.commit_via_api ? "api" : "push",
	    "api_max_blobs", (json_int_t)(c != NULL ? c->rc.commit_api_max_blobs :
	    CFG_API_MAX_BLOBS),
	    "api_max_bytes", (json_int_t)(c != NULL ? c->rc.commit_api_max_bytes :
	    CFG_API_MAX_BYTES)));
	if (use_app)
		diag_app(root, &ao, c, &missing);
	else
		diag_token(root, &o, c, &missing);
	if (o.cache_dir != NULL)
		cache = xstrdup(o.cache_dir);
	else if (c != NULL && c->rc.cache_dir != NULL)
		cache = xstrdup(c->rc.cache_dir);
	else
		cache = cfg_default_cache_dir();
	json_object_set_new(root, "cache", diag_dir(cache, false));
	free(cache);
	json_object_set_new(root, "report_dir", diag_dir(o.report_dir != NULL ? o.report_dir :
	    c != NULL && c->rc.report_dir != NULL ? c->rc.report_dir : ".repocast/runs", true));
	diag_signing(root, c, &missing);
	json_object_set_new(root, "ok", json_boolean(missing == 0));
	if (o.json) {
		char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		diag_print_text(root);
	}
	json_decref(root);
	cfg_free(c);
	cfg_errors_release(&errs);
	return missing == 0 ? EXIT_OK : EXIT_ENV;
}
