/*
 * cmd_validate — `repocast validate [-c FILE] [--json]`: load the config,
 * print every error (exit 2) or a summary of what a sync would do (exit 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/config/config.h"
#include "supervisor/opt.h"
#include "supervisor/shard.h"

const char cmd_validate_usage[] =
    "usage: repocast validate [-c FILE] [--json] [--shard K/N]\n"
    "\n"
    "Check a config and show what it would do: the groups in execution order\n"
    "(priority, enabled state, dependencies) and, per target, the branch, the\n"
    "number of mappings, files, directories and deletions, the branch prefix\n"
    "and the labels, assignees and reviewers its pull request will get.\n"
    "\n"
    "  -c, --config FILE   the config to check (default: sync.yaml)\n"
    "      --json          print the summary, or the errors, as JSON on stdout\n"
    "      --shard K/N     list only the targets of shard K (from 0) of N, as\n"
    "                      sync --shard takes them ('slurm': from a Slurm array task)\n"
    "  -h, --help          this text\n"
    "\n"
    "Every error is printed on stderr as FILE:LINE:COLUMN: message.\n"
    "Exit status: 0 the config is valid, 2 it is not (or a usage error).\n";

struct counts {
	size_t files, dirs, deletions;
};

static struct counts
count_target(const struct cfg_target *t)
{
	struct counts n = { 0, 0, 0 };
	size_t i;

	for (i = 0; i < t->nfiles; i++) {
		if (t->files[i].delete)
			n.deletions++;
		else
			n.files++;
	}
	for (i = 0; i < t->ndirs; i++) {
		if (t->dirs[i].delete)
			n.deletions++;
		else
			n.dirs++;
	}
	return n;
}

static void
print_list(const char *label, const struct strv *sv)
{
	size_t i;

	printf("      %-16s", label);
	if (sv->n == 0)
		printf("(none)");
	for (i = 0; i < sv->n; i++)
		printf("%s%s", i ? ", " : "", sv->v[i]);
	printf("\n");
}

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void
print_text(const struct cfg *c, const size_t *order, const struct shard *sh)
{
	size_t i, j, ntargets = 0, nshard = 0;
	char desc[64];

	for (i = 0; i < c->ngroups; i++)
		for (j = 0; j < c->groups[i].ntargets; j++) {
			ntargets++;
			nshard += shard_holds(sh, c->groups[i].targets[j].repo);
		}
	printf("%s: valid (version %d, %zu %s, %zu %s, digest %.12s)\n", c->path, c->version,
	    c->ngroups, plural(c->ngroups, "group", "groups"), ntargets,
	    plural(ntargets, "target", "targets"), c->digest);
	if (sh->count > 0)
		printf("scope: %zu of %zu %s (%s)\n", nshard, ntargets,
		    plural(ntargets, "target", "targets"), shard_describe(desc, sizeof(desc), sh));
	if (c->name != NULL || c->id != NULL)
		printf("name: %s%s%s%s\n", c->name ? c->name : "", c->id ? " (id " : "",
		    c->id ? c->id : "", c->id ? ")" : "");
	for (i = 0; i < c->ngroups; i++) {
		const struct cfg_group *g = &c->groups[order[i]];

		printf("\n%zu. group %s (%s): priority %d, %s, depends on: ", i + 1, g->id, g->name,
		    g->priority, g->enabled ? "enabled" : "disabled");
		if (g->depends_on.n == 0)
			printf("(none)");
		for (j = 0; j < g->depends_on.n; j++)
			printf("%s%s", j ? ", " : "", g->depends_on.v[j]);
		printf("\n   source: %s @ %s\n", g->source.repo, g->source.branch);
		for (j = 0; j < g->ntargets; j++) {
			const struct cfg_target *t = &g->targets[j];
			struct counts n = count_target(t);

			if (!shard_holds(sh, t->repo))
				continue;
			printf("   - %s  branch %s\n", t->repo,
			    t->branch ? t->branch : "(default branch)");
			printf("      %zu %s: %zu %s, %zu %s, %zu %s\n", t->nfiles + t->ndirs,
			    plural(t->nfiles + t->ndirs, "mapping", "mappings"), n.files,
			    plural(n.files, "file", "files"), n.dirs,
			    plural(n.dirs, "directory", "directories"), n.deletions,
			    plural(n.deletions, "deletion", "deletions"));
			printf("      %-16s%s\n", "branch prefix:", g->defaults.branch_prefix);
			print_list("labels:", &t->pr.labels);
			print_list("assignees:", &t->pr.assignees);
			print_list("reviewers:", &t->pr.reviewers);
			print_list("team reviewers:", &t->pr.team_reviewers);
		}
	}
}

static json_t *
json_strv(const struct strv *sv)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static json_t *
json_str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
json_summary(const struct cfg *c, const size_t *order, const struct shard *sh)
{
	json_t *root = json_object(), *groups = json_array(), *rc = json_object();
	size_t i, j;

	json_object_set_new(root, "config", json_string(c->path));
	json_object_set_new(root, "valid", json_true());
	json_object_set_new(root, "version", json_integer(c->version));
	json_object_set_new(root, "name", json_str_or_null(c->name));
	json_object_set_new(root, "id", json_str_or_null(c->id));
	json_object_set_new(root, "digest", json_string(c->digest));
	json_object_set_new(root, "shard", sh->count == 0 ? json_null() : json_pack("{s:i,s:i}",
	    "index", (int)sh->index, "count", (int)sh->count));
	for (i = 0; i < c->ngroups; i++) {
		const struct cfg_group *g = &c->groups[order[i]];
		json_t *jg = json_object(), *targets = json_array();

		json_object_set_new(jg, "id", json_string(g->id));
		json_object_set_new(jg, "name", json_string(g->name));
		json_object_set_new(jg, "priority", json_integer(g->priority));
		json_object_set_new(jg, "enabled", json_boolean(g->enabled));
		json_object_set_new(jg, "depends_on", json_strv(&g->depends_on));
		json_object_set_new(jg, "source", json_pack("{s:s, s:s}", "repo", g->source.repo,
		    "branch", g->source.branch));
		for (j = 0; j < g->ntargets; j++) {
			const struct cfg_target *t = &g->targets[j];
			struct counts n = count_target(t);
			json_t *jt;

			if (!shard_holds(sh, t->repo))
				continue;
			jt = json_object();
			json_object_set_new(jt, "repo", json_string(t->repo));
			json_object_set_new(jt, "branch", json_str_or_null(t->branch));
			json_object_set_new(jt, "mappings", json_integer((json_int_t)(t->nfiles +
			    t->ndirs)));
			json_object_set_new(jt, "files", json_integer((json_int_t)n.files));
			json_object_set_new(jt, "directories", json_integer((json_int_t)n.dirs));
			json_object_set_new(jt, "deletions", json_integer((json_int_t)n.deletions));
			json_object_set_new(jt, "branch_prefix",
			    json_string(g->defaults.branch_prefix));
			json_object_set_new(jt, "labels", json_strv(&t->pr.labels));
			json_object_set_new(jt, "assignees", json_strv(&t->pr.assignees));
			json_object_set_new(jt, "reviewers", json_strv(&t->pr.reviewers));
			json_object_set_new(jt, "team_reviewers", json_strv(&t->pr.team_reviewers));
			json_array_append_new(targets, jt);
		}
		json_object_set_new(jg, "targets", targets);
		json_array_append_new(groups, jg);
	}
	json_object_set_new(root, "groups", groups);
	json_object_set_new(rc, "jobs", json_integer(c->rc.jobs));
	json_object_set_new(rc, "timeout_ms", json_integer((json_int_t)c->rc.timeout_ms));
	json_object_set_new(rc, "retries", json_integer(c->rc.retries));
	json_object_set_new(rc, "cache_dir", json_string(c->rc.cache_dir));
	json_object_set_new(rc, "api_url", json_string(c->rc.api_url));
	json_object_set_new(rc, "git_url", json_string(c->rc.git_url));
	json_object_set_new(rc, "report_dir", json_string(c->rc.report_dir));
	json_object_set_new(rc, "report_formats", json_strv(&c->rc.report_formats));
	json_object_set_new(root, "repocast", rc);
	return root;
}

static json_t *
json_errors(const char *path, const struct cfg_errors *errs)
{
	json_t *root = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(root, "config", json_string(path));
	json_object_set_new(root, "valid", json_false());
	for (i = 0; i < errs->n; i++) {
		const struct cfg_error *e = &errs->v[i];

		json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:s}", "file", path, "line",
		    e->line, "column", e->col, "message", e->text));
	}
	json_object_set_new(root, "errors", arr);
	return root;
}

static void
json_print(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(j);
}

/* The options of validate (opt.h): one row each. */
enum { VOPT_JSON = 256, VOPT_SHARD };

static const struct opt_spec validate_opts[] = {
	{ 'c', 'c', "config", true },
	{ VOPT_JSON, 0, "json", false },
	{ VOPT_SHARD, 0, "shard", true },
};

int
cmd_validate(int argc, char **argv)
{
	struct cfg_errors errs = { NULL, 0, 0 };
	const char *path = "sync.yaml";
	struct shard sh = { 0, 0, false };
	struct cfg *c = NULL;
	struct opt_parser p;
	struct opt_item it;
	size_t i, *order;
	int json = 0, rc;

	opt_init(&p, validate_opts, ARRAY_SIZE(validate_opts), argc, argv);
	while ((rc = opt_next(&it, &p)) > 0) {
		switch (it.id) {
		case OPT_HELP:
			fputs(cmd_validate_usage, stdout);
			return EXIT_OK;
		case 'c':
			path = it.value;
			break;
		case VOPT_JSON:
			json = 1;
			break;
		case VOPT_SHARD:
			if (shard_parse(&sh, it.value) < 0)
				return cmd_usage_fail(cmd_validate_usage, "validate");
			break;
		default:
			err_set(ERR_CONFIG, "unexpected argument '%s' (validate takes no operands)",
			    it.value);
			return cmd_usage_fail(cmd_validate_usage, "validate");
		}
	}
	if (rc == 0 && p.nrest > 0) {
		err_set(ERR_CONFIG, "unexpected argument '%s' (validate takes no operands)",
		    p.rest[0]);
		rc = ERR_CONFIG;
	}
	if (rc < 0)
		return cmd_usage_fail(cmd_validate_usage, "validate");
	rc = cfg_load(&c, path, &errs);
	if (rc != 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i].msg);
		if (json)
			json_print(json_errors(path, &errs));
		cfg_errors_release(&errs);
		return cmd_exit_status(CMD_INPUT, rc);
	}
	order = xcalloc(c->ngroups ? c->ngroups : 1, sizeof(*order));
	cfg_group_order(order, c);
	if (json)
		json_print(json_summary(c, order, &sh));
	else
		print_text(c, order, &sh);
	free(order);
	cfg_free(c);
	cfg_errors_release(&errs);
	return EXIT_OK;
}
