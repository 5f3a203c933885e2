/*
 * plugin — the git half of repocast-worker, loaded only when a job needs it.
 *
 * Loading libgit2 (Debian's is linked BIND_NOW and pulls 18 libraries)
 * costs more than a whole no-op worker, so the worker executable does not
 * link it (docs/architecture.md). The code that needs libgit2 (the sync
 * job, the run job's fetch + checkout, the mirror cache, err_git) is the
 * shared object PLUGIN_FILE, installed next to the worker; a job that
 * touches a repository loads it with plugin_load. The plugin resolves
 * everything else (msg_*, err_*, buf_*, log_*, worker_*, transform_*, ...)
 * against the executable, which exports its symbols (-rdynamic) and links
 * every object of the worker core, so each of them, and the err buffer,
 * exists once.
 */
#ifndef REPOCAST_PLUGIN_H
#define REPOCAST_PLUGIN_H

struct worker;
struct msg_result;

#define PLUGIN_FILE "repocast-worker-git.so"
/* The one symbol the plugin exports for the worker: a struct plugin_ops. */
#define PLUGIN_SYMBOL "plugin_git"
/* Bumped when struct plugin_ops or struct worker change shape. */
#define PLUGIN_ABI 3

struct plugin_ops {
	int abi;                /* PLUGIN_ABI of the plugin's build */
	const char *version;    /* REPOCAST_VERSION of the plugin's build */
	/* git_libgit2_init / git_libgit2_shutdown */
	void (*init)(void);
	void (*shutdown)(void);
	/* The sync job (worker/git/apply.c): see worker.h for the contract. */
	int (*apply_job)(struct worker *w);
	/*
	 * The run job's repository half: fetch the JOB's remote_url into the
	 * mirror cache and check its branch (base_branch, else the default
	 * branch) out into dir, recording the fetch and checkout phases.
	 * 0, or <0 with err_last() set.
	 */
	int (*checkout)(struct worker *w, const char *dir);
	/*
	 * After a command that succeeded in dir (the last checkout's), when the
	 * JOB names a sync_branch: commit what it changed on the checked-out
	 * commit and push the branch unless dry_run (worker/git/commit.h).
	 * Fills res (outcome, commit, branch, counts, diffstat, diff; the
	 * strings are the caller's to free with free()). 0, or <0 with err_last.
	 */
	int (*commit)(struct worker *w, const char *dir, struct msg_result *res);
};

/*
 * The plugin's path: PLUGIN_FILE in the directory of the running
 * executable (/proc/self/exe). Caller frees.
 */
char *plugin_path(void);
/*
 * dlopen path (RTLD_NOW: a missing symbol fails here, not mid-job) and
 * check its ABI and version. *out is borrowed and stays valid until exit
 * (the plugin is never unloaded). -1 with err_last() "cannot load
 * '<path>': <why>" on failure.
 */
int plugin_open(const struct plugin_ops **out, const char *path);
/* plugin_open(plugin_path()). */
int plugin_load(const struct plugin_ops **out);

#endif
