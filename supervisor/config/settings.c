/*
 * settings — the sections that do not describe what to sync:
 * settings_presets (go-broadcast's repository settings; validated, then
 * dropped), rate_limit_preflight, and repocast's own `repocast:` section.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/git/signcfg.h"
#include "shared/pathcheck.h"
#include "shared/util.h"
#include "supervisor/config/internal.h"
#include "supervisor/pool/logcap.h"

/* ---- settings_presets: validated, then dropped ---- */

static const char *const preset_keys[] = {
	"id", "name", "description", "has_issues", "has_wiki", "has_projects", "has_discussions",
	"allow_squash_merge", "allow_merge_commit", "allow_rebase_merge",
	"delete_branch_on_merge", "allow_auto_merge", "allow_update_branch",
	"squash_merge_commit_title", "squash_merge_commit_message", "rulesets", "labels", NULL
};
static const char *const ruleset_keys[] = {
	"name", "target", "enforcement", "include", "exclude", "rules", NULL
};
static const char *const label_keys[] = { "name", "color", "description", NULL };

static int
check_one_of(const char *s, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(s, *allowed) == 0)
			return 0;
	return -1;
}

static int
check_squash_title(const char *s, const char **why)
{
	static const char *const ok[] = { "PR_TITLE", "COMMIT_OR_PR_TITLE", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be PR_TITLE or COMMIT_OR_PR_TITLE";
		return -1;
	}
	return 0;
}

static int
check_squash_message(const char *s, const char **why)
{
	static const char *const ok[] = { "COMMIT_MESSAGES", "PR_BODY", "BLANK", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be COMMIT_MESSAGES, PR_BODY or BLANK";
		return -1;
	}
	return 0;
}

static int
check_ruleset_target(const char *s, const char **why)
{
	static const char *const ok[] = { "branch", "tag", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be \"branch\" or \"tag\"";
		return -1;
	}
	return 0;
}

static int
check_enforcement(const char *s, const char **why)
{
	static const char *const ok[] = { "active", "disabled", "evaluate", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be \"active\", \"disabled\" or \"evaluate\"";
		return -1;
	}
	return 0;
}

static int
check_color(const char *s, const char **why)
{
	size_t i;

	if (*s == '#')
		s++;
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			break;
	if (i != 6 || s[i] != '\0') {
		*why = "must be a 6-digit hex colour like d73a4a";
		return -1;
	}
	return 0;
}

/* One preset; ids holds the ids seen so far (a repeat is an error). */
static void
parse_preset(struct cwalk *w, const struct cnode *n, struct strv *ids)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	const struct cnode *rv[CWALK_MAX_FIELDS], *rk[CWALK_MAX_FIELDS];
	char *tmp = NULL;
	size_t i, j, cnt, mark, mark2;
	bool b;

	if (cfg_walk_map(w, n, preset_keys, val, k) < 0)
		return;
	if (cnode_is_null(val[0])) {
		cfg_walk_missing(w, n, "id");
	} else if (cfg_walk_str(&tmp, w, val[0], "id", cfg_check_word) > 0) {
		for (j = 0; j < ids->n; j++)
			if (strcmp(ids->v[j], tmp) == 0) {
				mark = cfg_walk_push_key(w, "id");
				cfg_walk_err(w, val[0], "duplicate settings preset id '%s'", tmp);
				cfg_walk_pop(w, mark);
				break;
			}
		ids->v = xrealloc(ids->v, (ids->n + 1) * sizeof(*ids->v));
		ids->v[ids->n++] = tmp;
		tmp = NULL;
	}
	if (cnode_is_null(val[1]))
		cfg_walk_missing(w, n, "name");
	else
		cfg_walk_str(&tmp, w, val[1], "name", cfg_check_word);
	cfg_walk_str(&tmp, w, val[2], "description", cfg_check_text);
	for (i = 3; i <= 12; i++)
		cfg_walk_bool(&b, w, val[i], preset_keys[i]);
	cfg_walk_str(&tmp, w, val[13], preset_keys[13], check_squash_title);
	cfg_walk_str(&tmp, w, val[14], preset_keys[14], check_squash_message);
	free(tmp);
	tmp = NULL;

	mark = cfg_walk_push_key(w, "rulesets");
	if (val[15] != NULL && cfg_walk_seq(&cnt, w, val[15]) == 0) {
		for (i = 0; i < cnt; i++) {
			const struct cnode *r = val[15]->kid[i];
			struct strv sv = { NULL, 0 };

			mark2 = cfg_walk_push_idx(w, i);
			if (cfg_walk_map(w, r, ruleset_keys, rv, rk) == 0) {
				if (cnode_is_null(rv[0]))
					cfg_walk_missing(w, r, "name");
				else
					cfg_walk_str(&tmp, w, rv[0], "name", cfg_check_word);
				if (cnode_is_null(rv[1]))
					cfg_walk_missing(w, r, "target");
				else
					cfg_walk_str(&tmp, w, rv[1], "target", check_ruleset_target);
				cfg_walk_str(&tmp, w, rv[2], "enforcement", check_enforcement);
				cfg_walk_strv(&sv, NULL, w, rv[3], "include", cfg_check_word);
				cfg_walk_strv(&sv, NULL, w, rv[4], "exclude", cfg_check_word);
				cfg_walk_strv(&sv, NULL, w, rv[5], "rules", cfg_check_word);
				strv_release(&sv);
			}
			cfg_walk_pop(w, mark2);
		}
	}
	cfg_walk_pop(w, mark);
	mark = cfg_walk_push_key(w, "labels");
	if (val[16] != NULL && cfg_walk_seq(&cnt, w, val[16]) == 0) {
		for (i = 0; i < cnt; i++) {
			const struct cnode *l = val[16]->kid[i];

			mark2 = cfg_walk_push_idx(w, i);
			if (cfg_walk_map(w, l, label_keys, rv, rk) == 0) {
				if (cnode_is_null(rv[0]))
					cfg_walk_missing(w, l, "name");
				else
					cfg_walk_str(&tmp, w, rv[0], "name", cfg_check_word);
				if (cnode_is_null(rv[1]))
					cfg_walk_missing(w, l, "color");
				else
					cfg_walk_str(&tmp, w, rv[1], "color", check_color);
				cfg_walk_str(&tmp, w, rv[2], "description", cfg_check_text);
			}
			cfg_walk_pop(w, mark2);
		}
	}
	cfg_walk_pop(w, mark);
	free(tmp);
}

void
cfg_parse_presets(struct cwalk *w, const struct cnode *n)
{
	struct strv ids = { NULL, 0 };
	size_t i, cnt, mark = cfg_walk_push_key(w, "settings_presets");

	if (cfg_walk_seq(&cnt, w, n) == 0) {
		w->c->npresets = cnt;
		for (i = 0; i < cnt; i++) {
			size_t mark2 = cfg_walk_push_idx(w, i);

			parse_preset(w, n->kid[i], &ids);
			cfg_walk_pop(w, mark2);
		}
	}
	cfg_walk_pop(w, mark);
	strv_release(&ids);
}

/* ---- rate_limit_preflight, repocast ---- */

static const char *const preflight_keys[] = {
	"enabled", "primary_margin_percent", "secondary_reserve", "fail_closed", NULL
};

void
cfg_parse_preflight(struct cwalk *w, const struct cnode *n)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	struct cfg_preflight *p = &w->c->preflight;
	size_t mark = cfg_walk_push_key(w, "rate_limit_preflight");

	p->present = true;
	if (cfg_walk_map(w, n, preflight_keys, val, k) == 0) {
		cfg_walk_bool(&p->enabled, w, val[0], "enabled");
		cfg_walk_int(&p->primary_margin_percent, w, val[1], "primary_margin_percent", 0, 100);
		cfg_walk_int(&p->secondary_reserve, w, val[2], "secondary_reserve", 0, 1000000);
		cfg_walk_bool(&p->fail_closed, w, val[3], "fail_closed");
		/* 0 means "the default" in go-broadcast. */
		if (p->primary_margin_percent == 0)
			p->primary_margin_percent = 20;
		if (p->secondary_reserve == 0)
			p->secondary_reserve = 10;
	}
	cfg_walk_pop(w, mark);
}

static const char *const rc_keys[] = {
	"jobs", "timeout", "retries", "cache_dir", "api_url", "git_url", "author", "limits",
	"report", "max_log", "api", "symlinks", "max_file_size", "automerge_labels", "commit",
	"auth", NULL
};
static const char *const commit_keys[] = {
	"sign", "key", "via", "api_max_blobs", "api_max_bytes", NULL
};
static const char *const auth_keys[] = { "app_id", "private_key_file", "installation_id", NULL };

/* A GitHub App or installation id: a positive decimal number. */
static int
check_id(const char *s, const char **why)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || s[n] != '\0' || n > 18 || s[0] == '0') {
		*why = "expected a positive integer (the id GitHub shows)";
		return -1;
	}
	return 0;
}

static int
check_via(const char *s, const char **why)
{
	static const char *const ok[] = { "push", "api", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be \"push\" or \"api\"";
		return -1;
	}
	return 0;
}

static const char *const author_keys[] = { "name", "email", NULL };
static const char *const limits_keys[] = {
	"memory", "cpu_seconds", "open_files", "processes", "seccomp", NULL
};
static const char *const seccomp_modes[] = { "off", "auto", "on", NULL };

static int
check_seccomp(const char *s, const char **why)
{
	if (check_one_of(s, seccomp_modes) < 0) {
		*why = "expected auto, off or on";
		return -1;
	}
	return 0;
}
static const char *const report_keys[] = { "dir", "formats", NULL };
static const char *const api_keys[] = {
	"write_interval", "creates_per_minute", "creates_per_hour", "graphql", "graphql_batch",
	NULL
};

static int
check_graphql(const char *s, const char **why)
{
	static const char *const ok[] = { "auto", "off", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "expected auto or off";
		return -1;
	}
	return 0;
}

static int
check_symlinks(const char *s, const char **why)
{
	static const char *const ok[] = { "refuse", "keep", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "must be \"refuse\" or \"keep\"";
		return -1;
	}
	return 0;
}

/* Where the cache may live: shared/pathcheck.h (not a system directory, yours). */
static int
check_sign(const char *s, const char **why)
{
	enum signcfg_mode m;

	return signcfg_mode_parse(&m, s, why);
}

static int
check_cache_dir(const char *s, const char **why)
{
	return pathcheck_cache_dir(s, why);
}

static int
check_format(const char *s, const char **why)
{
	static const char *const ok[] = { "json", "md", "html", "junit", "trace", "prom", NULL };

	if (check_one_of(s, ok) < 0) {
		*why = "unknown report format (expected json, md, html, junit, trace or prom)";
		return -1;
	}
	return 0;
}

static int
check_url(const char *s, const char **why)
{
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		*why = "must be an http:// or https:// URL";
		return -1;
	}
	return cfg_check_token(s, why);
}

static int
check_max_log(const char *s, const char **why)
{
	uint64_t v;

	if (cfg_check_size(s, why) < 0)
		return -1;
	if (cfg_parse_size(&v, s) < 0 || (v > 0 && v < LOGCAP_MIN)) {
		*why = "a log cap is 0 (none) or at least 4K";
		return -1;
	}
	return 0;
}

static int
check_duration(const char *s, const char **why)
{
	uint64_t ms;

	if (cfg_parse_duration(&ms, s) < 0) {
		*why = "expected a duration like 10m, 90s, 1h30m or 500ms";
		return -1;
	}
	return 0;
}

static int
get_u64_limit(struct cwalk *w, const struct cnode *v, const char *key, uint64_t *out)
{
	int x = 0, rc = cfg_walk_int(&x, w, v, key, 0, 1 << 30);

	if (rc > 0)
		*out = (uint64_t)x;
	return rc;
}

void
cfg_parse_repocast(struct cwalk *w, const struct cnode *n)
{
	const struct cnode *val[CWALK_MAX_FIELDS], *k[CWALK_MAX_FIELDS];
	const struct cnode *sv[CWALK_MAX_FIELDS], *sk[CWALK_MAX_FIELDS];
	struct cfg_repocast *r = &w->c->rc;
	size_t mark = cfg_walk_push_key(w, "repocast"), mark2;
	char *tmp = NULL;

	if (cfg_walk_map(w, n, rc_keys, val, k) < 0) {
		cfg_walk_pop(w, mark);
		return;
	}
	cfg_walk_int(&r->jobs, w, val[0], "jobs", 0, 4096);
	if (cfg_walk_str(&tmp, w, val[1], "timeout", check_duration) > 0)
		cfg_parse_duration(&r->timeout_ms, tmp);
	cfg_walk_int(&r->retries, w, val[2], "retries", 0, 100);
	cfg_walk_str(&r->cache_dir, w, val[3], "cache_dir", check_cache_dir);
	if (cfg_walk_str(&r->api_url, w, val[4], "api_url", check_url) > 0)
		r->api_url_pos = cnode_pos(val[4]);
	if (cfg_walk_str(&r->git_url, w, val[5], "git_url", check_url) > 0)
		r->git_url_pos = cnode_pos(val[5]);
	if (val[6] != NULL) {
		mark2 = cfg_walk_push_key(w, "author");
		if (cfg_walk_map(w, val[6], author_keys, sv, sk) == 0) {
			cfg_walk_str(&r->author_name, w, sv[0], "name", cfg_check_word);
			cfg_walk_str(&r->author_email, w, sv[1], "email", cfg_check_email);
		}
		cfg_walk_pop(w, mark2);
	}
	if (val[7] != NULL) {
		mark2 = cfg_walk_push_key(w, "limits");
		if (cfg_walk_map(w, val[7], limits_keys, sv, sk) == 0) {
			if (cfg_walk_str(&tmp, w, sv[0], "memory", cfg_check_size) > 0)
				cfg_parse_size(&r->mem_bytes, tmp);
			get_u64_limit(w, sv[1], "cpu_seconds", &r->cpu_seconds);
			get_u64_limit(w, sv[2], "open_files", &r->open_files);
			get_u64_limit(w, sv[3], "processes", &r->processes);
			if (cfg_walk_str(&tmp, w, sv[4], "seccomp", check_seccomp) > 0)
				for (r->seccomp = 0; strcmp(seccomp_modes[r->seccomp], tmp) != 0;
				    r->seccomp++)
					;
		}
		cfg_walk_pop(w, mark2);
	}
	if (val[8] != NULL) {
		mark2 = cfg_walk_push_key(w, "report");
		if (cfg_walk_map(w, val[8], report_keys, sv, sk) == 0) {
			cfg_walk_str(&r->report_dir, w, sv[0], "dir", cfg_check_word);
			cfg_walk_strv(&r->report_formats, NULL, w, sv[1], "formats", check_format);
		}
		cfg_walk_pop(w, mark2);
	}
	/* "0" is no cap; a size is at least 4 KiB (the run's check, cmd_run.c). */
	if (cfg_walk_str(&tmp, w, val[9], "max_log", check_max_log) > 0) {
		cfg_parse_size(&r->max_log, tmp);
		r->max_log_set = true;
	}
	if (val[10] != NULL) {
		mark2 = cfg_walk_push_key(w, "api");
		if (cfg_walk_map(w, val[10], api_keys, sv, sk) == 0) {
			if (cfg_walk_str(&tmp, w, sv[0], "write_interval", check_duration) > 0)
				cfg_parse_duration(&r->api_write_interval_ms, tmp);
			cfg_walk_int(&r->api_creates_per_minute, w, sv[1], "creates_per_minute", 0,
			    1000000);
			cfg_walk_int(&r->api_creates_per_hour, w, sv[2], "creates_per_hour", 0,
			    1000000);
			if (cfg_walk_str(&tmp, w, sv[3], "graphql", check_graphql) > 0)
				r->api_graphql = strcmp(tmp, "auto") == 0;
			cfg_walk_int(&r->api_graphql_batch, w, sv[4], "graphql_batch", 1, 100);
		}
		cfg_walk_pop(w, mark2);
	}
	if (cfg_walk_str(&tmp, w, val[11], "symlinks", check_symlinks) > 0)
		r->keep_symlinks = strcmp(tmp, "keep") == 0;
	if (cfg_walk_str(&tmp, w, val[12], "max_file_size", cfg_check_size) > 0)
		cfg_parse_size(&r->max_file_size, tmp);
	cfg_walk_strv(&r->automerge_labels, NULL, w, val[13], "automerge_labels", cfg_check_word);
	if (val[14] != NULL) {
		mark2 = cfg_walk_push_key(w, "commit");
		if (cfg_walk_map(w, val[14], commit_keys, sv, sk) == 0) {
			if (cfg_walk_str(&tmp, w, sv[0], "sign", check_sign) > 0) {
				signcfg_mode_parse(&r->commit_sign, tmp, NULL);
				r->commit_sign_pos = cnode_pos(sv[0]);
			}
			cfg_walk_str(&r->commit_key, w, sv[1], "key", cfg_check_word);
			if (cfg_walk_str(&tmp, w, sv[2], "via", check_via) > 0) {
				r->commit_via_api = strcmp(tmp, "api") == 0;
				r->commit_via_pos = cnode_pos(sv[2]);
			}
			get_u64_limit(w, sv[3], "api_max_blobs", &r->commit_api_max_blobs);
			if (cfg_walk_str(&tmp, w, sv[4], "api_max_bytes", cfg_check_size) > 0)
				cfg_parse_size(&r->commit_api_max_bytes, tmp);
		}
		cfg_walk_pop(w, mark2);
	}
	if (val[15] != NULL) {
		mark2 = cfg_walk_push_key(w, "auth");
		r->auth_pos = cnode_pos(val[15]);
		if (cfg_walk_map(w, val[15], auth_keys, sv, sk) == 0) {
			cfg_walk_str(&r->auth_app_id, w, sv[0], "app_id", check_id);
			cfg_walk_str(&r->auth_key_file, w, sv[1], "private_key_file", cfg_check_word);
			cfg_walk_str(&r->auth_installation_id, w, sv[2], "installation_id",
			    check_id);
			/* One without the other has no effect: refuse it. */
			if (cnode_is_null(sv[0]) != cnode_is_null(sv[1]))
				cfg_walk_err(w, val[15], "needs both app_id and private_key_file");
			else if (!cnode_is_null(sv[2]) && cnode_is_null(sv[0]))
				cfg_walk_err(w, val[15], "installation_id needs app_id and "
				    "private_key_file");
		}
		cfg_walk_pop(w, mark2);
	}
	free(tmp);
	cfg_walk_pop(w, mark);
}

