/*
 * config — the go-broadcast v1 YAML config plus the `repocast:` section
 * (DESIGN §5), loaded into plain C structs with defaults applied.
 *
 * cfg_load parses strictly (unknown keys, duplicate keys, wrong types are
 * errors), resolves file/directory list refs into each target's files and
 * dirs (keyed by dest: later lists override earlier ones, inline entries
 * override lists), merges PR assignments (unique(global ++ target), else
 * defaults), and runs every validation rule. All errors are collected, not
 * only the first: each as "FILE:LINE:COLUMN: message" naming the key path.
 *
 * Everything in a struct cfg is owned by it and freed by cfg_free.
 */
#ifndef REPOCAST_CONFIG_H
#define REPOCAST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/git/signcfg.h"
#include "shared/strv.h"

struct cfg_pos {
	int line;   /* 1-based; 0 when the value came from a default */
	int col;    /* 1-based */
};

struct cfg_kv {
	char *key;
	char *value;
};

struct cfg_transform {
	bool repo_name;
	bool repo_name_bare;       /* also the bare name (repocast's own key) */
	struct cfg_kv *vars;       /* transform.variables, in file order */
	size_t nvars;
};

struct cfg_module {
	bool present;
	char *type;                /* "go" */
	char *version;             /* "v1.2.3", "latest", "^1.2" ... */
	bool check_tags;
	bool update_refs;
};

struct cfg_file {
	char *src;                 /* NULL for a pure delete entry */
	char *dest;
	bool delete;
	struct cfg_pos pos;
	struct cfg_pos dest_pos;
	char *list_id;             /* the file list it came from; NULL: inline */
};

struct cfg_dir {
	char *src;
	char *dest;
	struct strv exclude;   /* the defaults when the key was absent */
	struct strv include_only;
	bool preserve_structure;   /* default true */
	bool include_hidden;       /* default true */
	bool has_transform;        /* a transform: key was given on the dir */
	struct cfg_transform transform;
	struct cfg_module module;
	bool delete;
	bool prune;                /* repocast extension */
	struct cfg_pos pos;
	struct cfg_pos dest_pos;
	char *list_id;             /* the directory list it came from; NULL: inline */
};

struct cfg_file_list {
	char *id, *name, *description;
	struct cfg_file *files;
	size_t nfiles;
	struct cfg_pos pos;
	struct cfg_pos id_pos;
};

struct cfg_dir_list {
	char *id, *name, *description;
	struct cfg_dir *dirs;
	size_t ndirs;
	struct cfg_pos pos;
	struct cfg_pos id_pos;
};

struct cfg_assign {
	struct strv labels, assignees, reviewers, team_reviewers;
};

struct cfg_target {
	char *repo;                /* owner/name */
	char *branch;              /* NULL: the repo's default branch */
	/* Resolved mappings: list refs expanded and merged with inline ones. */
	struct cfg_file *files;
	size_t nfiles;
	struct cfg_dir *dirs;
	size_t ndirs;
	struct strv file_list_refs, dir_list_refs; /* as written */
	struct cfg_pos *file_list_refs_pos, *dir_list_refs_pos; /* per item */
	struct cfg_transform transform;
	char *security_email, *support_email;          /* NULL: the source's */
	char *blob_size_limit;                         /* as written, or NULL */
	struct cfg_assign own;                         /* as written on the target */
	struct cfg_assign pr;                          /* merged: what the PR gets */
	bool pr_draft;             /* open the PR as a draft: the target's pr_draft,
	                            * else its group's defaults.pr_draft */
	bool pr_draft_set;         /* pr_draft written on the target */
	char *clone_mode;          /* go-broadcast's "sparse"/"full"; accepted, unused */
	struct cfg_pos pos;
	struct cfg_pos repo_pos;
	bool parse_failed;         /* internal: its mappings had parse errors */
};

struct cfg_group {
	char *name, *id, *description;
	int priority;
	struct strv depends_on;
	struct cfg_pos *depends_on_pos; /* per item */
	bool enabled;              /* default true */
	struct {
		char *repo;
		char *branch;      /* default "main" */
		char *blob_size_limit;
		char *security_email, *support_email;
	} source;
	struct cfg_assign global;
	struct {
		char *branch_prefix;       /* default "chore/sync-files" */
		struct cfg_assign assign;  /* labels default [automated-sync] */
		bool pr_draft;             /* default false */
	} defaults;
	struct cfg_target *targets;
	size_t ntargets;
	struct cfg_pos pos;
	struct cfg_pos id_pos;
};

struct cfg_repocast {
	int jobs;                  /* 0: number of CPUs */
	uint64_t timeout_ms;       /* default 10 min */
	int retries;               /* default 1 */
	char *cache_dir;           /* default $XDG_CACHE_HOME/repocast or ~/.cache/repocast */
	char *api_url;             /* default https://api.github.com */
	char *git_url;             /* default https://github.com */
	struct cfg_pos api_url_pos, git_url_pos; /* line 0: not in the file (the
	                                          * environment may set them,
	                                          * supervisor/github/endpoint.h) */
	char *author_name, *author_email;
	uint64_t mem_bytes, cpu_seconds, open_files; /* limits; 0 = none */
	uint64_t processes;        /* limits.processes: the whole job's; 0 = none */
	uint64_t max_log;          /* max_log: cap of a target's log; 0 = none */
	bool max_log_set;          /* max_log given (else the default, 16 MiB) */
	int seccomp;               /* limits.seccomp: 0 off, 1 auto (default), 2 on */
	char *report_dir;          /* default .repocast/runs */
	struct strv report_formats; /* default json md html junit trace prom */
	/* API write pace (api:), GitHub.com's rules by default; 0 = off. */
	uint64_t api_write_interval_ms;  /* default 1000 */
	int api_creates_per_minute;      /* default 80 */
	int api_creates_per_hour;        /* default 500 */
	bool api_graphql;                /* api.graphql: auto (default, true) or off */
	int api_graphql_batch;           /* targets per GraphQL query; default 50 */
	bool keep_symlinks;        /* symlinks: keep; default refuse outward links */
	uint64_t max_file_size;    /* bytes; default CFG_MAX_FILE_SIZE; 0 = no cap */
	struct strv automerge_labels; /* sync --automerge's labels (the environment's
	                               * GO_BROADCAST_AUTOMERGE_LABELS wins) */
	/* commit: how commits are signed (docs/signing.md) */
	enum signcfg_mode commit_sign; /* SIGNCFG_GIT (absent): git's config decides */
	struct cfg_pos commit_sign_pos;
	char *commit_key;          /* a key file, a "key::" public key or a key id */
	/* auth: a GitHub App (supervisor/github/app.h); NULL/0 when not set. */
	char *auth_app_id;         /* decimal digits */
	char *auth_key_file;       /* the App's private key (PEM), as written */
	char *auth_installation_id; /* decimal digits; NULL: looked up per owner */
	struct cfg_pos auth_pos;   /* of auth:, line 0 when absent */
	/* commit: how a sync's commit reaches the target (docs/github.md) */
	bool commit_via_api;       /* via: api (Git Data API); default push */
	struct cfg_pos commit_via_pos; /* where via was written; line 0: default */
	uint64_t commit_api_max_blobs; /* api_max_blobs: new blobs one commit may
	                                * create; default CFG_API_MAX_BLOBS */
	uint64_t commit_api_max_bytes; /* api_max_bytes: their total size; default
	                                * CFG_API_MAX_BYTES */
};

/* A commit through the API costs one request per new blob. */
#define CFG_API_MAX_BLOBS 100u
#define CFG_API_MAX_BYTES (10u * 1024 * 1024)

/* GitHub refuses pushes with a file over 100 MiB. */
#define CFG_MAX_FILE_SIZE (100u * 1024 * 1024)

struct cfg_preflight {
	bool present;
	bool enabled;
	int primary_margin_percent;
	int secondary_reserve;
	bool fail_closed;
};

struct cfg {
	char *path;
	int version;
	char *name, *id;
	struct cfg_file_list *file_lists;
	size_t nfile_lists;
	struct cfg_dir_list *dir_lists;
	size_t ndir_lists;
	struct cfg_group *groups;
	size_t ngroups;
	size_t npresets;           /* settings_presets: validated, unused */
	struct cfg_preflight preflight;
	struct cfg_repocast rc;
	char digest[41];           /* hex git blob id of the file's bytes */
};

/* One collected error. */
struct cfg_error {
	char *msg;                 /* "FILE:LINE:COLUMN: message" */
	const char *text;          /* the message alone: points into msg */
	int line, col;             /* 0 when the error has no position */
};

struct cfg_errors {
	struct cfg_error *v;
	size_t n, cap;
};

/* Input limits: larger or deeper input is rejected with a clear error. */
#define CFG_MAX_BYTES ((size_t)8 << 20)   /* 8 MiB */
#define CFG_MAX_DEPTH 64                  /* nested mappings/sequences */
#define CFG_MAX_NODES ((size_t)1 << 20)   /* YAML nodes, aliases expanded */

/*
 * Load and validate path. 0 with *out set (free with cfg_free); ERR_CONFIG
 * with every problem appended to errs (which the caller releases with
 * cfg_errors_release) and *out NULL; ERR_NOTFOUND when the file is missing.
 */
int cfg_load(struct cfg **out, const char *path, struct cfg_errors *errs);
/* Same, from memory; name is used in messages. */
int cfg_load_mem(struct cfg **out, const char *name, const char *data, size_t len,
    struct cfg_errors *errs);
void cfg_free(struct cfg *c);
void cfg_errors_release(struct cfg_errors *errs);

/*
 * Groups in execution order (priority, then depends_on, then file order),
 * enabled and disabled alike. order receives c->ngroups indexes.
 */
void cfg_group_order(size_t *order, const struct cfg *c);

/*
 * The default mirror cache: $XDG_CACHE_HOME/repocast when that is absolute,
 * else ~/.cache/repocast, else .repocast/cache. Caller frees.
 */
char *cfg_default_cache_dir(void);

/* Parse "10m", "90s", "1h30m", "500ms" into ms; -1 on a bad value. */
int cfg_parse_duration(uint64_t *ms, const char *s);
/* Parse "512M", "2G", "100k", "1048576" (bytes); -1 on a bad value. */
int cfg_parse_size(uint64_t *bytes, const char *s);

/*
 * Syntax checks used by the loader, exported for command-line filters.
 * Each returns 0 when s is valid, else -1 with *why (may be NULL) set to a
 * static lowercase reason.
 */
int cfg_check_repo(const char *s, const char **why);
int cfg_check_branch(const char *s, const char **why);
int cfg_check_path(const char *s, const char **why);
int cfg_check_email(const char *s, const char **why);

/* Append one error to errs; file may be NULL (no location prefix). */
void cfg_errors_add(struct cfg_errors *errs, const char *file, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
