/* runcfg — see runcfg.h. */
#include "supervisor/run/runcfg.h"

#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

void
runcfg_opts_release(struct runcfg_opts *o)
{
	free(o->config);
	strv_release(&o->groups);
	strv_release(&o->skip);
	memset(o, 0, sizeof(*o));
}

int
runcfg_parse_flag(struct runcfg_opts *o, const char *name, const char *val, int argc,
    char **argv, int *i)
{
	bool cfg = strcmp(name, "-c") == 0 || strcmp(name, "--config") == 0;

	if (!cfg && strcmp(name, "--groups") != 0 && strcmp(name, "--skip-groups") != 0)
		return 0;
	if (val == NULL) {
		if (*i + 1 >= argc)
			return err_set(ERR_CONFIG, "%s needs a value", name);
		val = argv[++*i];
	}
	if (cfg) {
		free(o->config);
		o->config = xstrdup(val);
	} else {
		strv_add(name[2] == 'g' ? &o->groups : &o->skip, val);
	}
	return 1;
}

int
runcfg_opts_check(const struct runcfg_opts *o)
{
	if (o->config == NULL && (o->groups.n > 0 || o->skip.n > 0))
		return err_set(ERR_CONFIG, "%s chooses groups of a sync config: give -c CONFIG",
		    o->groups.n > 0 ? "--groups" : "--skip-groups");
	return 0;
}

int
runcfg_load(struct runcfg *c, const struct runcfg_opts *o)
{
	const struct cfg_repocast *rc;
	struct cfg_errors errs;
	struct scope_opts so;
	struct buf b = BUF_INIT;
	size_t i;
	int ret;

	memset(c, 0, sizeof(*c));
	memset(&errs, 0, sizeof(errs));
	if ((ret = cfg_load(&c->cfg, o->config, &errs)) < 0) {
		for (i = 0; i < errs.n; i++)
			buf_addf(&b, "%s%s", i > 0 ? "\n" : "", errs.v[i].msg);
		if (errs.n > 0)
			err_set(ret, "%s", b.ptr);
		buf_release(&b);
		cfg_errors_release(&errs);
		return ret;
	}
	cfg_errors_release(&errs);
	memset(&so, 0, sizeof(so));
	so.groups = (const char *const *)o->groups.v;
	so.ngroups = o->groups.n;
	so.skip = (const char *const *)o->skip.v;
	so.nskip = o->skip.n;
	if ((ret = scope_resolve(&c->scope, c->cfg, &so)) < 0)
		return ret;
	rc = &c->cfg->rc;
	if (rc->api_url_pos.line > 0)
		c->api_at = xasprintf("%s:%d:%d", c->cfg->path, rc->api_url_pos.line,
		    rc->api_url_pos.col);
	if (rc->git_url_pos.line > 0)
		c->git_at = xasprintf("%s:%d:%d", c->cfg->path, rc->git_url_pos.line,
		    rc->git_url_pos.col);
	return 0;
}

void
runcfg_release(struct runcfg *c)
{
	scope_release(&c->scope);
	cfg_free(c->cfg);
	free(c->api_at);
	free(c->git_at);
	memset(c, 0, sizeof(*c));
}

void
runcfg_endpoint(struct endpoint_in *in, const struct runcfg *c)
{
	if (c->api_at != NULL) {
		in->api_config = c->cfg->rc.api_url;
		in->api_config_at = c->api_at;
	}
	if (c->git_at != NULL) {
		in->git_config = c->cfg->rc.git_url;
		in->git_config_at = c->git_at;
	}
}

void
runcfg_add(struct repolist *l, struct report_selection *sel, const struct runcfg *c,
    const char *git_url)
{
	char *src = xasprintf("config:%s", c->cfg->path);
	size_t i;

	strv_add(&sel->sources, src);
	for (i = 0; i < c->scope.n; i++) {
		const struct cfg_target *t = c->scope.v[i].target;

		if (repolist_add_repo(l, t->repo, git_url) == 0) {
			if (t->branch != NULL)
				l->v[l->n - 1].branch = xstrdup(t->branch);
			report_selection_add(sel, t->repo, src, NULL);
		} else {
			report_selection_add(sel, t->repo, src, "listed before");
		}
	}
	free(src);
}
