/*
 * appauth — a command's side of GitHub App authentication (app.h): which
 * App a run authenticates as (its config's repocast.auth, else the
 * environment), the API client that asks the App for its owner's
 * installation token on every request, a repository's token for a worker's
 * CRED message, the installations of a run's repositories (asked once per
 * owner, before any write), and the identity the report records. Shared by
 * `repocast sync` (status, cancel) and `repocast run` (docs/github.md,
 * "GitHub App").
 */
#ifndef REPOCAST_APPAUTH_H
#define REPOCAST_APPAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor/config/config.h"
#include "supervisor/github/api.h"
#include "supervisor/github/app.h"
#include "supervisor/github/token.h"
#include "supervisor/report/report.h"

/* The longest owner name kept (GitHub allows 39 characters). */
#define APPAUTH_OWNER_MAX 128

/*
 * A GitHub App from c's repocast.auth (c may be NULL: none) or the
 * environment (app_opts_resolve): *set says whether one authenticates the
 * run; o's strings are borrowed from c, the environment and from_buf.
 * Refused (ERR_CONFIG) when token_file (--token-file, or NULL) is given
 * beside an App: which one the user meant is not ours to guess. A
 * GITHUB_TOKEN or GH_TOKEN beside an App is left unused (CI systems set
 * one of their own; a line says so) and scrubbed all the same. 0 or an
 * error code.
 */
int appauth_load(struct app_opts *o, bool *set, char *from_buf, size_t from_len,
    const struct cfg *c, const char *token_file);

/*
 * Set up the App (app_new, on a copy of ao without write pace: its own
 * requests are few) and make ao's client authenticate through it: ao's
 * auth, auth_arg and auth_hint are set. Nothing is sent yet. *out is freed
 * with app_free after the client that uses it.
 */
int appauth_attach(struct app **out, const struct app_opts *o, struct api_opts *ao);

/* Make ao's client authenticate through the App a (set up before). */
void appauth_use(struct api_opts *ao, struct app *a);

/* The owner of repo ("owner/name") into owner; false when repo is not one. */
bool appauth_owner(char owner[APPAUTH_OWNER_MAX], const char *repo);

/*
 * The installation token of repo's owner ("owner/name"), minted or
 * refreshed now (borrowed until the next app call): for a worker's CRED
 * message, fetched when the worker starts. 0, ERR_CONFIG for a name that
 * is not owner/name, or an app_token error (ERR_AUTH: not installed there).
 */
int appauth_repo_token(const char **token, struct app *a, const char *repo);

/* One installation a run's repositories use. */
struct appauth_inst {
	uint64_t id;
	char owner[APPAUTH_OWNER_MAX];   /* the first owner seen with it */
	unsigned n;                      /* how many of the repositories */
};

/*
 * The installations of repos (n "owner/name" names), each owner asked once
 * (app_token): *out gets one entry per installation, in the order first
 * seen (caller frees). An owner without the App is logged and left out
 * (app_not_installed says so afterwards; its repositories fail alone).
 * Any other failure, a refused JWT first of all, is returned: the run
 * stops before any write.
 */
int appauth_group(struct appauth_inst **out, size_t *nout, struct app *a,
    const char *const *repos, size_t n);

/*
 * Record in run who the run was on the API (never a secret): the App
 * (its id, where it came from, every owner asked about with its
 * installation and tokens minted) when a is not NULL, else the token t
 * (NULL: nothing recorded).
 */
void appauth_report(struct report_run *run, const struct app *a, const struct token *t);

#endif
