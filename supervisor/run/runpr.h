/*
 * runpr — the pull requests of `repocast run` (docs/run.md, "Pull
 * requests"): the flags, the branch and the text, and, after the workers,
 * opening or updating one PR per repository whose command changed
 * something. The workers commit and push (worker/git/commit.h); only this
 * module talks to the API about PRs, through the run's one struct api.
 *
 * A run's PR is found again by its head branch: the open PR of
 * "<owner>:<branch>" against the base branch is the run's own, and its
 * body ends with "<!-- repocast-run-metadata {json} -->" naming the
 * branch, the command, the repository and the base, so a rerun with the
 * same command (the same default branch) updates that PR instead of
 * opening another. The JSON never contains '<' or '>', so the comment
 * cannot end early.
 */
#ifndef REPOCAST_RUNPR_H
#define REPOCAST_RUNPR_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/buf.h"
#include "shared/strv.h"
#include "supervisor/github/api.h"
#include "supervisor/run/repolist.h"

/* The branch a command gets when --branch is not given: the prefix and a
 * slug of the command. */
#define RUNPR_BRANCH_PREFIX "repocast/run-"
/* The slug's longest part; a longer command gets a hash of itself after it. */
#define RUNPR_SLUG_MAX 40

struct runpr_opts {
	char *branch;                /* --branch, else the default (runpr_opts_finish) */
	char *title;                 /* --title, else the default */
	char *body;                  /* --body, or --body-file's contents, or NULL */
	char *body_file;
	struct strv labels;          /* --labels a,b (repeatable) */
	struct strv reviewers;       /* --reviewers a,b (repeatable) */
	bool draft;                  /* --draft */
	bool diff;                   /* --diff: run, show the diff, push nothing */
	const char *first_flag;      /* the first of these given (static), or NULL */
};

void runpr_opts_release(struct runpr_opts *o);
/*
 * If name (a "--flag") is one of the PR flags, take it: val is its
 * "=value" part or NULL, in which case a flag that needs one takes
 * argv[*i + 1] and advances *i. 1 taken, 0 not a PR flag, ERR_CONFIG.
 */
int runpr_parse_flag(struct runpr_opts *o, const char *name, const char *val, int argc,
    char **argv, int *i);
/*
 * After the whole command line: refuse PR flags with --no-pr or --dry-run
 * (which runs nothing), --body with --body-file; read --body-file; fill the default
 * branch and title from the command (argv, argc) and check the branch by
 * git's rules. 0 or ERR_CONFIG (ERR_NOTFOUND: the body file is missing).
 */
int runpr_opts_finish(struct runpr_opts *o, bool no_pr, bool dry_run, char *const *argv,
    int argc);

/* RUNPR_BRANCH_PREFIX + the command's slug, appended to out. */
void runpr_default_branch(struct buf *out, char *const *argv, int argc);
/* "repocast run: CMD ARGS" (at most 100 bytes, "..." when cut) into out. */
void runpr_default_title(struct buf *out, char *const *argv, int argc);
/* The commit message: the title, a blank line, the command. Caller frees. */
char *runpr_commit_message(const struct runpr_opts *o, char *const *argv, int argc);

/*
 * Can every entry of l have a pull request? Only owner/name entries and
 * repositories the API listed (both fetched from --git-url) name a
 * repository the API knows. 0, or ERR_CONFIG naming the first other entry
 * (a path, a URL, none:).
 */
int runpr_check_entries(const struct repolist *l);

/* What the body is built from (all borrowed). */
struct runpr_text_in {
	const char *repo;            /* owner/name */
	const char *base;            /* the PR's base branch */
	const char *branch;          /* its head */
	const char *commit;          /* the pushed commit (full hex) */
	const char *diffstat;        /* may be NULL */
	const char *body;            /* the user's, or NULL */
	char *const *argv;
	int argc;
};

/* The PR body, ending with the metadata block, appended to out. */
void runpr_body(struct buf *out, const struct runpr_text_in *in);
/*
 * The metadata block of a body: 0 with *branch (caller frees) the branch
 * it names; ERR_NOTFOUND when body has none; ERR_PROTO for a malformed one.
 */
int runpr_meta_branch(char **branch, const char *body);

struct runpr_in {
	struct runpr_text_in text;   /* repo, branch, commit, ...; base NULL: the
					repository's default branch (GET /repos) */
	const struct runpr_opts *o;  /* title, labels, reviewers, draft */
};

struct runpr_out {
	char *url;                   /* caller frees */
	int number;
	bool created;                /* opened now (not adopted or found) */
	bool updated;                /* an open PR's title or body changed */
};

/*
 * Open the PR of in->text.branch in in->text.repo, or update the open one
 * (found by its head, preferring one whose metadata names the branch):
 * the base is text.base, else the repository's default branch (GET
 * /repos); a create goes
 * through github_pull_create_once (a lost answer is reconciled by listing
 * the head's PRs, never two PRs). The labels and reviewers are added to
 * the PR, new or found (GitHub adds them to what it has). Blocks on the API. 0 with *out filled (zeroed first), or an error.
 */
int runpr_publish(struct runpr_out *out, struct api *a, const struct runpr_in *in);

/* The commit identity of a run's commits (worker/git/commit.c's default). */
#define RUNPR_AUTHOR_NAME "repocast"
#define RUNPR_AUTHOR_EMAIL "repocast@localhost"

/*
 * The command changed nothing in repo: close the run's open PR of branch
 * against base (NULL: the default branch)
 * (found as runpr_publish finds it), if any, with a comment saying so,
 * and delete the branch unless it has commits other than the one a run
 * made (pr_close). *out->url/number name the closed PR; out->number 0:
 * there was none. Blocks on the API.
 */
int runpr_close_stale(struct runpr_out *out, struct api *a, const char *repo,
    const char *base, const char *branch);

#endif
