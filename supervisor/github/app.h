/*
 * app — authenticating as a GitHub App (docs/github.md "GitHub App").
 *
 * The App's private key (PEM, RSA) is read once from a file that only its
 * owner may access (refused otherwise, as ssh refuses a private key). The
 * supervisor signs a JWT with it (RS256: {"alg":"RS256","typ":"JWT"},
 * {"iat": now-60, "exp": now+540, "iss": app id}, base64url without
 * padding; a new one when less than a minute is left), finds the
 * installation of each owner (GET /repos/{o}/{r}/installation, or
 * /orgs/{o}/installation then /users/{o}/installation) unless one
 * installation id is configured, and exchanges the JWT for that
 * installation's token (POST /app/installations/{id}/access_tokens). The
 * tokens are cached per installation and replaced before they expire
 * (when less than 5 minutes, or half their life if shorter, are left) or
 * when the API refused one (api_auth_fn's stale).
 *
 * The key, the JWT and the tokens live in this module's memory alone,
 * wiped before they are freed; they are never logged, never in argv or a
 * child's environment, never in an error text or a report. Workers get a
 * token over the CRED message. Not thread-safe; every call may block on
 * the API.
 */
#ifndef REPOCAST_APP_H
#define REPOCAST_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/buf.h"
#include "supervisor/github/api.h"

/* The longest private key file read (an RSA-4096 PEM is ~3.3 KiB). */
#define APP_KEY_MAX (64 * 1024)
/* The JWT's life: GitHub refuses an exp more than 10 minutes after iat. */
#define APP_JWT_BACKDATE 60
#define APP_JWT_LIFE 540

struct app_key;
struct app;

/*
 * Read an RSA private key (PEM) from file. Refused with ERR_CONFIG, naming
 * the chmod, when its group or others have any access, or when it is not a
 * regular file or not a PEM private key; ERR_NOTFOUND when missing;
 * ERR_LIMIT past APP_KEY_MAX. The bytes read are wiped. *out is freed with
 * app_key_free.
 */
int app_key_load(struct app_key **out, const char *file);
/* Free the key (libcrypto's EVP_PKEY_free); accepts NULL. */
void app_key_free(struct app_key *k);

/* Append base64url of p (RFC 4648 §5, no padding) to out. Pure. */
void app_b64url(struct buf *out, const void *p, size_t n);

/*
 * Append the App's JWT at Unix time now to out: header.payload.signature,
 * each base64url, signed RS256 (SHA-256, PKCS #1 v1.5) with k. app_id is
 * decimal. Returns 0, or ERR_FAIL when libcrypto cannot sign. The caller
 * wipes out.
 */
int app_jwt(struct buf *out, const struct app_key *k, const char *app_id, int64_t now);

struct app_opts {
	const char *app_id;            /* decimal digits */
	const char *key_file;          /* PEM private key */
	const char *installation_id;   /* decimal; NULL: looked up per owner */
	const char *from;              /* where they came from, for messages and
	                                * reports ("repocast.auth", "GITHUB_APP_ID") */
};

/*
 * Which App, if any, a run authenticates as: the config's repocast.auth
 * when it sets app_id (cfg_* borrowed from the config; cfg_at its
 * "file:line:col"), else GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY_FILE
 * (and GITHUB_APP_INSTALLATION_ID) from the environment. *set says whether
 * one is. Strings in o are borrowed (the config's, the environment's,
 * from_buf's). ERR_CONFIG when the environment names an App without its
 * key, or the other way round, or an id is not a positive number.
 */
int app_opts_resolve(struct app_opts *o, bool *set, char *from_buf, size_t from_len,
    const char *cfg_app_id, const char *cfg_key, const char *cfg_inst, const char *cfg_at);

/*
 * Read the key and set up the App's own API client (from ao: base URL and
 * limits; no ETag cache, no auth callback). Nothing is sent yet. Returns 0
 * or an app_key_load / api_new error (err_last names o->from). *out is
 * freed with app_free.
 */
int app_new(struct app **out, const struct app_opts *o, const struct api_opts *ao);
/* Wipe the JWT and every token, free the key and the client; accepts NULL. */
void app_free(struct app *a);

/*
 * The installation token for a request about owner (repo: one of its
 * repositories, or NULL), minted or refreshed as needed (stale: the API
 * refused the last one). *token is borrowed until the next call; *inst
 * (when not NULL) gets the installation id. Returns 0; ERR_AUTH when the
 * App is not installed on owner ("GitHub App N is not installed on
 * 'owner'": remembered, not asked again) or the API refused the JWT;
 * another api error code otherwise.
 */
int app_token(const char **token, uint64_t *inst, struct app *a, const char *owner,
    const char *repo, bool stale);

/*
 * An api_auth_fn (arg: the struct app): the owner from path
 * (/repos/{o}/{r}/..., /orgs/{o}/..., /users/{o}/...), else the owner set
 * this thread set by app_set_owner (for /rate_limit, /graphql), else the
 * configured installation.
 */
int app_auth(const char **token, const char *path, bool stale, void *arg);

/* Was owner asked about and found without an installation of the App? */
bool app_not_installed(struct app *a, const char *owner);

/*
 * The owner of this thread's later requests that name none (copied; NULL
 * or a name of 128 bytes or more: none). Each thread has its own.
 */
void app_set_owner(struct app *a, const char *owner);

/* The App's id (borrowed) and where it came from (app_opts.from). */
const char *app_id(const struct app *a);
const char *app_from(const struct app *a);

/* One owner this run asked about: its installation (0: not installed). */
struct app_owner_info {
	const char *owner;             /* borrowed until app_free */
	uint64_t installation;
	unsigned tokens;               /* installation tokens minted for it */
};

/* How many owners were asked about so far; with i below that, *out gets
 * the i-th (in the order they were first asked). */
size_t app_owners(const struct app *a, size_t i, struct app_owner_info *out);

/*
 * GET /app with the JWT: the App's slug into *slug (caller frees), for
 * `repocast diagnose`. Returns 0 or an api error code.
 */
int app_describe(char **slug, struct app *a);

#endif
