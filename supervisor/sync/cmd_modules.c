/*
 * cmd_modules — `repocast modules list|show PATH|versions PATH`: the
 * module directories of a config (docs/modules.md), each resolved as a
 * sync would resolve it: the source mirror is fetched once per source
 * with its v* tags (no worker, no API call, nothing written but the
 * mirror cache).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/semver.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/github/endpoint.h"
#include "supervisor/github/token.h"
#include "supervisor/report/report.h"
#include "supervisor/sync/internal.h"

const char cmd_modules_usage[] =
    "usage: repocast modules list [options]\n"
    "       repocast modules show PATH [options]\n"
    "       repocast modules versions PATH [options]\n"
    "\n"
    "The module directories of the config (directories[] with module:), each\n"
    "resolved against its source's v* tags as sync would resolve it.\n"
    "  list           every module directory: group, target, source and\n"
    "                 destination, version spec, the version it resolves to\n"
    "  show PATH      the module directories whose source directory (or go.mod\n"
    "                 module path) is PATH, with their settings\n"
    "  versions PATH  the version tags of PATH's source, newest first, and what\n"
    "                 each configured spec picks\n"
    "\n"
    "  -c, --config FILE      config file (default sync.yaml)\n"
    "      --json             print JSON\n"
    "      --log-level LEVEL  error, warn, info (default), debug, trace\n"
    "      --token-file FILE  token for fetching the source (else GITHUB_TOKEN,\n"
    "                         GH_TOKEN; none: fetch without one)\n"
    "      --cache-dir DIR    mirror cache (default: config, else ~/.cache/repocast)\n"
    "\n"
    "Exit status: 0 every module resolved, 1 a version no tag satisfies (or\n"
    "another failure to resolve one), 2 usage or config error (PATH is no\n"
    "module directory), 3 environment error (fetching a source).\n";

enum modules_action { MODULES_LIST, MODULES_SHOW, MODULES_VERSIONS };

/* One module directory of the config, resolved. */
struct modules_row {
	const struct cfg_group *group;
	const struct cfg_target *target;
	const struct cfg_dir *d;
	struct source *src;            /* borrowed from the command's sources */
	struct sync_module m;
	char *error;                   /* why it did not resolve, or NULL */
};

struct modules_cmd {
	enum modules_action action;
	const char *path;              /* show, versions */
	struct sync_run r;
	struct source *sources;        /* one per distinct (repo, branch) */
	const struct cfg_group **source_group;
	size_t nsources;
	struct modules_row *rows;
	size_t nrows;
};

enum { OPT_JSON = 256, OPT_LOGLEVEL, OPT_TOKENFILE, OPT_CACHEDIR };

static const struct opt_spec modules_optspecs[] = {
	{ 'c', 'c', "config", true },
	{ OPT_JSON, 0, "json", false },
	{ OPT_LOGLEVEL, 0, "log-level", true },
	{ OPT_TOKENFILE, 0, "token-file", true },
	{ OPT_CACHEDIR, 0, "cache-dir", true },
};

/* 1 when --help was asked for, 0, or ERR_CONFIG. */
static int
modules_parse_args(struct modules_cmd *mc, int argc, char **argv)
{
	struct sync_opts *o = &mc->r.o;
	struct opt_parser p;
	struct opt_item it;
	const char *words[3];
	enum log_level lvl;
	size_t nw = 0;
	int rc, i;

	o->config = "sync.yaml";
	opt_init(&p, modules_optspecs, ARRAY_SIZE(modules_optspecs), argc, argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		switch (it.id) {
		case OPT_HELP:
			return 1;
		case OPT_OPERAND:
			if (nw == ARRAY_SIZE(words))
				return err_set(ERR_CONFIG, "unexpected argument '%s'", it.value);
			words[nw++] = it.value;
			break;
		case 'c':
			o->config = it.value;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_LOGLEVEL:
			if (opt_log_level(&lvl, &it) < 0)
				return ERR_CONFIG;
			log_set_level(lvl);
			break;
		case OPT_TOKENFILE:
			o->token_file = it.value;
			break;
		case OPT_CACHEDIR:
			o->cache_dir = it.value;
			break;
		default:
			BUG("modules: option %d has no case", it.id);
		}
	}
	if (rc < 0)
		return rc;
	for (i = 0; i < p.nrest; i++) {
		if (nw == ARRAY_SIZE(words))
			return err_set(ERR_CONFIG, "unexpected argument '%s'", p.rest[i]);
		words[nw++] = p.rest[i];
	}
	if (nw == 0)
		return err_set(ERR_CONFIG, "modules needs an action: list, show PATH or "
		    "versions PATH");
	if (strcmp(words[0], "list") == 0) {
		mc->action = MODULES_LIST;
		if (nw > 1)
			return err_set(ERR_CONFIG, "unexpected argument '%s'", words[1]);
	} else if (strcmp(words[0], "show") == 0 || strcmp(words[0], "versions") == 0) {
		mc->action = words[0][0] == 's' ? MODULES_SHOW : MODULES_VERSIONS;
		if (nw < 2)
			return err_set(ERR_CONFIG, "modules %s needs a PATH", words[0]);
		if (nw > 2)
			return err_set(ERR_CONFIG, "unexpected argument '%s'", words[2]);
		mc->path = words[1];
	} else {
		return err_set(ERR_CONFIG, "unknown modules action '%s' (want list, show or "
		    "versions)", words[0]);
	}
	return 0;
}

/* Does directory path a name b ("pkg/x/" is "pkg/x")? */
static bool
modules_same_dir(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	while (na > 0 && a[na - 1] == '/')
		na--;
	while (nb > 0 && b[nb - 1] == '/')
		nb--;
	return na == nb && strncmp(a, b, na) == 0;
}

static bool
modules_row_selected(const struct modules_cmd *mc, const struct modules_row *row)
{
	if (mc->action == MODULES_LIST)
		return true;
	return modules_same_dir(row->d->src, mc->path) ||
	    (row->m.module_path != NULL && strcmp(row->m.module_path, mc->path) == 0);
}

/* The source of group g, opened (with its tags) on first use. */
static int
modules_source(struct source **out, struct modules_cmd *mc, const struct cfg_group *g)
{
	struct sync_run *r = &mc->r;
	char *url;
	size_t i;
	int rc;

	for (i = 0; i < mc->nsources; i++)
		if (sync_source_same_groups(mc->source_group[i], g)) {
			*out = &mc->sources[i];
			return 0;
		}
	/* At most one source per group: the arrays were sized so. */
	url = sync_remote_url(r, g->source.repo);
	rc = source_open(&mc->sources[mc->nsources], r->cache_dir, url, g->source.repo,
	    g->source.branch, true, r->token != NULL ? token_value(r->token) : NULL);
	free(url);
	if (rc < 0)
		return err_wrap("group '%s'", g->id);
	mc->source_group[mc->nsources] = g;
	*out = &mc->sources[mc->nsources++];
	return 0;
}

/* Every module directory of the config, resolved. */
static int
modules_collect(struct modules_cmd *mc)
{
	const struct cfg *c = mc->r.cfg;
	size_t gi, ti, di, n = 0;
	int rc;

	for (gi = 0; gi < c->ngroups; gi++)
		for (ti = 0; ti < c->groups[gi].ntargets; ti++)
			n += sync_modules_count(&c->groups[gi].targets[ti]);
	mc->rows = xcalloc(n + 1, sizeof(*mc->rows));
	mc->sources = xcalloc(c->ngroups + 1, sizeof(*mc->sources));
	mc->source_group = xcalloc(c->ngroups + 1, sizeof(*mc->source_group));
	for (gi = 0; gi < c->ngroups; gi++) {
		const struct cfg_group *g = &c->groups[gi];

		for (ti = 0; ti < g->ntargets; ti++) {
			const struct cfg_target *t = &g->targets[ti];

			for (di = 0; di < t->ndirs; di++) {
				struct modules_row *row;

				if (!t->dirs[di].module.present || t->dirs[di].delete)
					continue;
				row = &mc->rows[mc->nrows++];
				row->group = g;
				row->target = t;
				row->d = &t->dirs[di];
				if ((rc = modules_source(&row->src, mc, g)) < 0)
					return rc;
				if (sync_module_resolve(&row->m, row->src, row->d) < 0) {
					row->error = xstrdup(err_last());
					err_clear();
				}
			}
		}
	}
	return 0;
}

static json_t *
modules_row_json(const struct modules_row *row)
{
	const struct cfg_module *mod = &row->d->module;

	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o}",
	    "group", report_json_string(row->group->id),
	    "group_name", report_json_string(row->group->name),
	    "source_repo", report_json_string(row->group->source.repo),
	    "source_branch", report_json_string(row->group->source.branch),
	    "target", report_json_string(row->target->repo),
	    "src", report_json_string(row->d->src),
	    "dest", report_json_string(row->d->dest ? row->d->dest : row->d->src),
	    "type", report_json_string(mod->type),
	    "check_tags", mod->check_tags, "update_refs", mod->update_refs,
	    "version", report_json_string(mod->version),
	    "resolved", report_json_string(row->error ? NULL : row->m.version),
	    "commit", report_json_string(row->error || !row->m.commit[0] ? NULL : row->m.commit),
	    "error", report_json_string(row->error));
}

static void
modules_print_row(const struct modules_row *row, bool details)
{
	const struct cfg_module *mod = &row->d->module;

	printf("    Source: %s\n", row->d->src);
	printf("    Target: %s -> %s\n", row->target->repo, row->d->dest ? row->d->dest :
	    row->d->src);
	printf("    Type: %s\n", mod->type);
	printf("    Version: %s\n", mod->version);
	if (row->error != NULL)
		printf("    Resolves to: (none) %s\n", row->error);
	else if (row->m.version != NULL)
		printf("    Resolves to: %s (commit %.12s)\n", row->m.version, row->m.commit);
	else
		printf("    Resolves to: the branch head (commit %.12s; check_tags: false)\n",
		    row->m.commit);
	if (!details)
		return;
	printf("    Source Repository: %s (branch %s)\n", row->group->source.repo,
	    row->group->source.branch);
	printf("    Module Path: %s\n", row->m.module_path ? row->m.module_path : "(no go.mod)");
	printf("    Check Tags: %s\n", mod->check_tags ? "true" : "false");
	printf("    Update Refs: %s\n", mod->update_refs ? "true" : "false");
}

/* list and show: the selected rows, grouped by group. */
static void
modules_print(const struct modules_cmd *mc, size_t nsel)
{
	const struct cfg_group *last = NULL;
	size_t i, k = 0;

	if (mc->action == MODULES_LIST)
		printf("=== Configured Modules ===\n");
	else
		printf("=== Module: %s ===\n", mc->path);
	for (i = 0; i < mc->nrows; i++) {
		const struct modules_row *row = &mc->rows[i];

		if (!modules_row_selected(mc, row))
			continue;
		if (row->group != last) {
			printf("\nGroup: %s (%s)\n", row->group->name ? row->group->name :
			    row->group->id, row->group->id);
			last = row->group;
		}
		printf("  Module %zu:\n", ++k);
		modules_print_row(row, mc->action == MODULES_SHOW);
	}
	if (mc->action == MODULES_LIST)
		printf("\nTotal modules configured: %zu\n", nsel);
}

/* versions: the tags of the first selected row's source, newest first. */
static void
modules_versions(const struct modules_cmd *mc, const struct modules_row *first)
{
	const struct strv *tags = &first->src->tag_names;
	const char **v = xcalloc(tags->n + 1, sizeof(*v));
	json_t *doc = NULL, *list = NULL, *conf = NULL;
	struct semver sv;
	size_t i, n = 0;

	for (i = 0; i < tags->n; i++)
		if (semver_parse_tag(&sv, tags->v[i]) == 0)
			v[n++] = tags->v[i];
	qsort(v, n, sizeof(*v), semver_tag_cmp_desc);
	if (mc->r.o.json) {
		list = json_array();
		conf = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(list, json_string(v[i]));
	} else {
		printf("=== Available Versions for %s ===\n", mc->path);
		printf("Source Repository: %s (branch %s)\n\n", first->group->source.repo,
		    first->group->source.branch);
		printf(n > 0 ? "Available Versions:\n" : "Available Versions: none\n");
		for (i = 0; i < n; i++)
			printf("  - %s\n", v[i]);
		printf("\n");
	}
	for (i = 0; i < mc->nrows; i++) {
		const struct modules_row *row = &mc->rows[i];

		if (!modules_row_selected(mc, row) || row->src != first->src)
			continue;
		if (conf != NULL) {
			json_array_append_new(conf, modules_row_json(row));
			continue;
		}
		printf("Current Configuration (%s -> %s): %s\n", row->target->repo,
		    row->d->dest ? row->d->dest : row->d->src, row->d->module.version);
		if (row->error != NULL)
			printf("  Resolves to: (none) %s\n", row->error);
		else
			printf("  Resolves to: %s\n", row->m.version ? row->m.version :
			    "the branch head (check_tags: false)");
	}
	if (mc->r.o.json) {
		doc = json_pack("{s:s,s:s,s:s,s:o,s:o}", "path", mc->path,
		    "source_repo", first->group->source.repo,
		    "source_branch", first->group->source.branch, "versions", list,
		    "configured", conf);
		if (doc == NULL || json_dumpf(doc, stdout, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) < 0)
			BUG("modules: cannot print JSON");
		putchar('\n');
		json_decref(doc);
	}
	free(v);
}

static int
modules_output(struct modules_cmd *mc)
{
	const struct modules_row *first = NULL;
	size_t i, nsel = 0, nfailed = 0;

	for (i = 0; i < mc->nrows; i++) {
		if (!modules_row_selected(mc, &mc->rows[i]))
			continue;
		if (first == NULL)
			first = &mc->rows[i];
		nsel++;
		nfailed += mc->rows[i].error != NULL;
	}
	if (mc->action != MODULES_LIST && first == NULL) {
		fprintf(stderr, "repocast: no module directory '%s' in '%s' (see 'repocast "
		    "modules list')\n", mc->path, mc->r.o.config);
		return EXIT_USAGE;
	}
	if (mc->action == MODULES_VERSIONS) {
		modules_versions(mc, first);
	} else if (mc->r.o.json) {
		json_t *list = json_array(), *doc;

		for (i = 0; i < mc->nrows; i++)
			if (modules_row_selected(mc, &mc->rows[i]))
				json_array_append_new(list, modules_row_json(&mc->rows[i]));
		doc = json_pack("{s:o}", "modules", list);
		if (doc == NULL || json_dumpf(doc, stdout, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) < 0)
			BUG("modules: cannot print JSON");
		putchar('\n');
		json_decref(doc);
	} else {
		modules_print(mc, nsel);
	}
	return nfailed > 0 ? EXIT_TARGETS : EXIT_OK;
}

int
cmd_modules(int argc, char **argv)
{
	struct modules_cmd mc;
	struct sync_run *r = &mc.r;
	char *host;
	size_t i;
	int code, rc;

	memset(&mc, 0, sizeof(mc));
	if ((rc = modules_parse_args(&mc, argc, argv)) != 0) {
		if (rc > 0)
			fputs(cmd_modules_usage, stdout);
		code = rc > 0 ? EXIT_OK : cmd_usage_fail(cmd_modules_usage, "modules");
		goto out;
	}
	if ((rc = sync_load_config(r)) < 0) {
		for (i = 0; i < r->errs.n; i++)
			fprintf(stderr, "%s\n", r->errs.v[i].msg);
		code = r->errs.n > 0 ? cmd_exit_status(CMD_INPUT, rc) : cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	/* A token only helps the fetch: public and local sources need none. */
	host = endpoint_git_host(&r->ep);
	rc = token_find(&r->token, r->o.token_file, host);
	free(host);
	if (rc < 0 && (r->o.token_file != NULL || rc != ERR_AUTH)) {
		code = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	err_clear();
	token_scrub_env();
	r->cache_dir = xstrdup(r->o.cache_dir != NULL ? r->o.cache_dir : r->cfg->rc.cache_dir);
	if ((rc = modules_collect(&mc)) < 0) {
		code = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	code = modules_output(&mc);
out:
	for (i = 0; i < mc.nrows; i++) {
		sync_module_release(&mc.rows[i].m);
		free(mc.rows[i].error);
	}
	free(mc.rows);
	for (i = 0; i < mc.nsources; i++)
		source_close(&mc.sources[i]);
	free(mc.sources);
	free(mc.source_group);
	endpoint_release(&r->ep);
	token_free(r->token);
	cfg_free(r->cfg);
	cfg_errors_release(&r->errs);
	free(r->cache_dir);
	return code;
}
