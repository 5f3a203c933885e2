/* app — see app.h. */
#include "supervisor/github/app.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"
#include "supervisor/github/token.h"

struct app_key {
	EVP_PKEY *pkey;
};

/* One installation this run used. */
struct inst {
	uint64_t id;
	char *token;                   /* secret; NULL until minted */
	int64_t expires, got;          /* Unix seconds */
	unsigned minted;
};

/* One owner asked about: its installation, or none (not installed). */
struct owner {
	char *name;
	uint64_t id;                   /* 0: not installed */
	char *why;                     /* when not installed: the error text */
};

struct app {
	char *app_id, *from;
	uint64_t fixed;                /* the configured installation, or 0 */
	struct app_key *key;
	struct api *api;               /* the App's own client: JWT auth */
	char *jwt;                     /* secret; NULL until signed */
	int64_t jwt_exp;
	struct inst *insts;
	size_t ninsts;
	struct owner *owners;
	size_t nowners;
	/*
	 * sync's publisher thread asks for tokens (app_auth) while the main
	 * thread hands workers theirs (app_token): one lock around both, and
	 * a replaced token is kept (retired) until app_free, so a pointer
	 * either thread was given stays valid for the request it is in.
	 */
	pthread_mutex_t lock;
	char **retired;
	size_t nretired;
};

static struct owner *find_owner(struct app *a, const char *name);

/* ---- the key ---- */

int
app_key_load(struct app_key **out, const char *file)
{
	struct buf b = BUF_INIT, hint = BUF_INIT;
	struct stat st;
	char chunk[1024];
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	ssize_t n;
	int fd, rc = 0;

	*out = NULL;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return err_sys(errno == ENOENT ? ERR_NOTFOUND : ERR_FAIL,
		    "cannot read the GitHub App's private key: cannot open '%s'", file);
	if (fstat(fd, &st) < 0) {
		rc = err_sys(ERR_FAIL, "cannot stat private key file '%s'", file);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(ERR_CONFIG, "private key file '%s' is not a regular file", file);
		goto out;
	}
	/* Checked on the descriptor that is read: no window between the two. */
	if (st.st_mode & 077) {
		token_chmod_hint(&hint, file);
		rc = err_set(ERR_CONFIG, "private key file '%s' is accessible by group or "
		    "others (mode %04o): run '%s' and try again", file,
		    (unsigned)(st.st_mode & 07777), hint.ptr);
		goto out;
	}
	buf_grow(&b, (size_t)st.st_size + 1 < APP_KEY_MAX + 1 ? (size_t)st.st_size + 1 :
	    APP_KEY_MAX + 1);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(ERR_FAIL, "cannot read private key file '%s'", file);
			goto out;
		}
		if (b.len + (size_t)n > APP_KEY_MAX) {
			rc = err_set(ERR_LIMIT, "private key file '%s' is larger than %d bytes",
			    file, APP_KEY_MAX);
			goto out;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	if ((bio = BIO_new_mem_buf(b.ptr, (int)b.len)) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		rc = err_set(ERR_CONFIG, "private key file '%s' holds no PEM private key "
		    "(GitHub's 'Generate a private key' gives one)", file);
		goto out;
	}
	if (EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) {
		rc = err_set(ERR_CONFIG, "private key file '%s' is not an RSA key (a GitHub "
		    "App's key is)", file);
		goto out;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->pkey = pkey;
	pkey = NULL;
out:
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	util_wipe(chunk, sizeof(chunk));
	if (b.ptr != buf_empty)
		util_wipe(b.ptr, b.len);
	buf_release(&b);
	buf_release(&hint);
	close(fd);
	return rc;
}

void
app_key_free(struct app_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

/* ---- the JWT ---- */

void
app_b64url(struct buf *out, const void *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		buf_addch(out, tab[s[i] >> 2]);
		buf_addch(out, tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		buf_addch(out, tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)]);
		buf_addch(out, tab[s[i + 2] & 63]);
	}
	if (n - i == 1) {
		buf_addch(out, tab[s[i] >> 2]);
		buf_addch(out, tab[(s[i] & 3) << 4]);
	} else if (n - i == 2) {
		buf_addch(out, tab[s[i] >> 2]);
		buf_addch(out, tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		buf_addch(out, tab[(s[i + 1] & 15) << 2]);
	}
}

int
app_jwt(struct buf *out, const struct app_key *k, const char *app_id, int64_t now)
{
	static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
	struct buf claims = BUF_INIT;
	unsigned char *sig = NULL;
	size_t start = out->len, siglen = 0;
	EVP_MD_CTX *ctx;
	int rc = 0;

	/* iss as a string: GitHub takes the App id or its client id there. */
	buf_addf(&claims, "{\"iat\":%lld,\"exp\":%lld,\"iss\":\"%s\"}",
	    (long long)(now - APP_JWT_BACKDATE), (long long)(now + APP_JWT_LIFE), app_id);
	app_b64url(out, header, sizeof(header) - 1);
	buf_addch(out, '.');
	app_b64url(out, claims.ptr, claims.len);
	buf_release(&claims);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)out->ptr + start,
	    out->len - start) != 1) {
		rc = err_set(ERR_FAIL, "cannot sign the GitHub App's JWT");
		goto out;
	}
	sig = xmalloc(siglen);
	if (EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)out->ptr + start,
	    out->len - start) != 1) {
		rc = err_set(ERR_FAIL, "cannot sign the GitHub App's JWT");
		goto out;
	}
	buf_addch(out, '.');
	app_b64url(out, sig, siglen);
out:
	if (rc != 0)
		buf_setlen(out, start);
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(sig);
	return rc;
}

/* ---- life cycle ---- */

static bool
is_id(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 18 && s[n] == '\0' && s[0] != '0';
}

int
app_opts_resolve(struct app_opts *o, bool *set, char *from_buf, size_t from_len,
    const char *cfg_app_id, const char *cfg_key, const char *cfg_inst, const char *cfg_at)
{
	const char *id = getenv("GITHUB_APP_ID"), *key = getenv("GITHUB_APP_PRIVATE_KEY_FILE");
	const char *inst = getenv("GITHUB_APP_INSTALLATION_ID");

	memset(o, 0, sizeof(*o));
	*set = false;
	if (cfg_app_id != NULL) {
		/* The config's App wins over the environment's (as api_url does). */
		snprintf(from_buf, from_len, "repocast.auth (%s)", cfg_at);
		o->app_id = cfg_app_id;
		o->key_file = cfg_key;
		o->installation_id = cfg_inst;
		o->from = from_buf;
		*set = true;
		return 0;
	}
	if (id != NULL && id[0] == '\0')
		id = NULL;
	if (key != NULL && key[0] == '\0')
		key = NULL;
	if (inst != NULL && inst[0] == '\0')
		inst = NULL;
	if (id == NULL && key == NULL) {
		if (inst != NULL)
			return err_set(ERR_CONFIG, "GITHUB_APP_INSTALLATION_ID is set without "
			    "GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY_FILE");
		return 0;
	}
	if (id == NULL || key == NULL)
		return err_set(ERR_CONFIG, "%s is set without %s: a GitHub App needs both",
		    id != NULL ? "GITHUB_APP_ID" : "GITHUB_APP_PRIVATE_KEY_FILE",
		    id != NULL ? "GITHUB_APP_PRIVATE_KEY_FILE" : "GITHUB_APP_ID");
	if (!is_id(id))
		return err_set(ERR_CONFIG, "GITHUB_APP_ID '%.40s' is not a positive integer", id);
	if (inst != NULL && !is_id(inst))
		return err_set(ERR_CONFIG, "GITHUB_APP_INSTALLATION_ID '%.40s' is not a positive "
		    "integer", inst);
	snprintf(from_buf, from_len, "GITHUB_APP_ID");
	o->app_id = id;
	o->key_file = key;
	o->installation_id = inst;
	o->from = from_buf;
	*set = true;
	return 0;
}

static uint64_t
parse_id(const char *s)
{
	return s != NULL ? strtoull(s, NULL, 10) : 0;
}

int
app_new(struct app **out, const struct app_opts *o, const struct api_opts *ao)
{
	struct api_opts opts = *ao;
	struct app *a;
	int rc;

	*out = NULL;
	a = xcalloc(1, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
	a->app_id = xstrdup(o->app_id);
	a->from = xstrdup(o->from != NULL ? o->from : "repocast.auth");
	a->fixed = parse_id(o->installation_id);
	if ((rc = app_key_load(&a->key, o->key_file)) < 0) {
		err_wrap("GitHub App %s (from %s)", a->app_id, a->from);
		goto fail;
	}
	opts.cache_dir = NULL;
	opts.auth = NULL;
	opts.auth_arg = NULL;
	opts.auth_hint = "that repocast.auth.private_key_file is the App's key, "
	    "app_id its id, and the clock";
	if ((rc = api_new(&a->api, &opts, NULL)) < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	app_free(a);
	return rc;
}

void
app_free(struct app *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->ninsts; i++)
		util_free_secret(a->insts[i].token);
	for (i = 0; i < a->nretired; i++)
		util_free_secret(a->retired[i]);
	free(a->retired);
	pthread_mutex_destroy(&a->lock);
	for (i = 0; i < a->nowners; i++) {
		free(a->owners[i].name);
		free(a->owners[i].why);
	}
	free(a->insts);
	free(a->owners);
	util_free_secret(a->jwt);
	api_free(a->api);
	app_key_free(a->key);
	app_set_owner(a, NULL);
	free(a->app_id);
	free(a->from);
	free(a);
}

const char *
app_id(const struct app *a)
{
	return a->app_id;
}

const char *
app_from(const struct app *a)
{
	return a->from;
}

size_t
app_owners(const struct app *a, size_t i, struct app_owner_info *out)
{
	if (i < a->nowners && out != NULL) {
		size_t j;

		out->owner = a->owners[i].name;
		out->installation = a->owners[i].id;
		out->tokens = 0;
		for (j = 0; j < a->ninsts; j++)
			if (a->insts[j].id == a->owners[i].id)
				out->tokens = a->insts[j].minted;
	}
	return a->nowners;
}

bool
app_not_installed(struct app *a, const char *owner)
{
	const struct owner *o;
	bool no;

	/* sync's discovery thread asks while the event loop adds owners. */
	pthread_mutex_lock(&a->lock);
	o = find_owner(a, owner);
	no = o != NULL && o->id == 0 && a->fixed == 0;
	pthread_mutex_unlock(&a->lock);
	return no;
}

/*
 * The owner of requests that name none is the calling thread's: sync's
 * discovery thread asks GraphQL for one owner's targets while its
 * publisher thread enables auto-merge on another's pull request.
 */
static __thread const struct app *owner_app;
static __thread char owner_name[128];

void
app_set_owner(struct app *a, const char *owner)
{
	if (owner == NULL || strlen(owner) >= sizeof(owner_name)) {
		if (owner_app == a)
			owner_app = NULL;
		return;
	}
	owner_app = a;
	memcpy(owner_name, owner, strlen(owner) + 1);
}

/* ---- talking to the API as the App ---- */

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/* A JWT with at least a minute left on the App's client (stale: a new one). */
static int
use_jwt(struct app *a, bool stale)
{
	struct buf b = BUF_INIT;
	int64_t now = now_s();
	int rc;

	if (a->jwt != NULL && !stale && a->jwt_exp - now > 60)
		return 0;
	if ((rc = app_jwt(&b, a->key, a->app_id, now)) < 0)
		return rc;
	util_free_secret(a->jwt);
	a->jwt = buf_detach(&b, NULL);
	a->jwt_exp = now + APP_JWT_LIFE;
	return api_set_token(a->api, a->jwt);
}

/* One request as the App; a 401 once more with a new JWT (a clock step). */
static int
app_request(struct api_response *r, struct app *a, enum api_method m, const char *path)
{
	int rc;

	if ((rc = use_jwt(a, false)) < 0)
		return rc;
	rc = api_request(r, a->api, m, path, m == API_POST ? "{}" : NULL, API_NOCACHE);
	if (rc == ERR_AUTH) {
		api_response_release(r);
		api_response_init(r);
		if ((rc = use_jwt(a, true)) < 0)
			return rc;
		rc = api_request(r, a->api, m, path, m == API_POST ? "{}" : NULL, API_NOCACHE);
	}
	if (rc == ERR_AUTH)
		err_wrap("GitHub App %s (from %s): the API refused its JWT", a->app_id, a->from);
	return rc;
}

static struct owner *
find_owner(struct app *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nowners; i++)
		if (strcasecmp(a->owners[i].name, name) == 0)
			return &a->owners[i];
	return NULL;
}

static struct owner *
add_owner(struct app *a, const char *name, uint64_t id)
{
	struct owner *o;

	a->owners = xrealloc(a->owners, (a->nowners + 1) * sizeof(*a->owners));
	o = &a->owners[a->nowners++];
	memset(o, 0, sizeof(*o));
	o->name = xstrdup(name);
	o->id = id;
	return o;
}

/* The installation id in an installation object. */
static int
parse_installation(uint64_t *id, const struct api_response *r)
{
	json_t *j = json_loadb(r->body.ptr, r->body.len, 0, NULL);
	json_t *v = j != NULL ? json_object_get(j, "id") : NULL;
	int rc = 0;

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		rc = err_set(ERR_PROTO, "bad installation from the github api: no id");
	else
		*id = (uint64_t)json_integer_value(v);
	json_decref(j);
	return rc;
}

/* Ask which installation covers owner (through repo when given): ERR_NOTFOUND
 * when none does. */
static int
lookup(uint64_t *id, struct app *a, const char *owner, const char *repo)
{
	struct api_response r;
	struct buf path = BUF_INIT;
	int rc, k;

	for (k = repo != NULL ? 0 : 1; k < 3; k++) {
		buf_reset(&path);
		buf_addstr(&path, k == 0 ? "/repos/" : k == 1 ? "/orgs/" : "/users/");
		api_escape(&path, owner, false);
		if (k == 0) {
			buf_addch(&path, '/');
			api_escape(&path, repo, false);
		}
		buf_addstr(&path, "/installation");
		api_response_init(&r);
		rc = app_request(&r, a, API_GET, path.ptr);
		if (rc == 0)
			rc = parse_installation(id, &r);
		api_response_release(&r);
		/* An org's route answers 404 for a user, and the other way round. */
		if (rc != ERR_NOTFOUND || k == 0)
			break;
	}
	if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "GitHub App %s is not installed on '%s' (GET %s: 404): "
		    "install it there, or leave that owner's targets out", a->app_id, owner,
		    path.ptr);
	buf_release(&path);
	return rc;
}

static struct inst *
find_inst(struct app *a, uint64_t id)
{
	size_t i;

	for (i = 0; i < a->ninsts; i++)
		if (a->insts[i].id == id)
			return &a->insts[i];
	a->insts = xrealloc(a->insts, (a->ninsts + 1) * sizeof(*a->insts));
	memset(&a->insts[a->ninsts], 0, sizeof(*a->insts));
	a->insts[a->ninsts].id = id;
	return &a->insts[a->ninsts++];
}

/* "2016-07-11T22:14:10Z" as Unix seconds; -1 when it is not one. */
static int64_t
parse_time(const char *s)
{
	struct tm tm;
	int v[6];
	char z;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5], &z) != 7 || z != 'Z')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	return (int64_t)timegm(&tm);
}

/* POST /app/installations/{id}/access_tokens: {token, expires_at}. */
static int
mint(struct app *a, struct inst *in)
{
	struct api_response r;
	char path[96];
	json_t *j = NULL;
	const char *tok;
	int64_t exp;
	int rc;

	snprintf(path, sizeof(path), "/app/installations/%llu/access_tokens",
	    (unsigned long long)in->id);
	api_response_init(&r);
	if ((rc = app_request(&r, a, API_POST, path)) < 0) {
		err_wrap("cannot get a token for installation %llu of GitHub App %s",
		    (unsigned long long)in->id, a->app_id);
		goto out;
	}
	j = json_loadb(r.body.ptr, r.body.len, 0, NULL);
	tok = json_string_value(json_object_get(j, "token"));
	exp = parse_time(json_string_value(json_object_get(j, "expires_at")));
	if (tok == NULL || tok[0] == '\0' || strlen(tok) > 1024 || exp < 0) {
		rc = err_set(ERR_PROTO, "bad answer to POST %s: no token or expires_at", path);
		goto out;
	}
	if (in->token != NULL) {
		a->retired = xrealloc(a->retired, (a->nretired + 1) * sizeof(*a->retired));
		a->retired[a->nretired++] = in->token;
	}
	in->token = xstrdup(tok);
	in->got = now_s();
	in->expires = exp;
	in->minted++;
	log_debug("installation %llu of GitHub App %s: token %u, expires in %lld s",
	    (unsigned long long)in->id, a->app_id, in->minted, (long long)(exp - in->got));
out:
	if (j != NULL) {
		/* The answer's copy of the token: wiped with the body. */
		json_t *t = json_object_get(j, "token");

		if (json_is_string(t))
			util_wipe((char *)json_string_value(t), json_string_length(t));
		json_decref(j);
	}
	util_wipe(r.body.ptr, r.body.len);
	api_response_release(&r);
	return rc;
}

/* Is in's token still good for a while: 5 minutes, or half its life? */
static bool
fresh(const struct inst *in)
{
	int64_t life = in->expires - in->got, margin = 300, now = now_s();

	if (life / 2 < margin)
		margin = life / 2;
	return in->token != NULL && in->expires - now > margin;
}

static int app_token_locked(const char **token, uint64_t *inst, struct app *a,
    const char *owner, const char *repo, bool stale);

int
app_token(const char **token, uint64_t *inst, struct app *a, const char *owner,
    const char *repo, bool stale)
{
	int rc;

	pthread_mutex_lock(&a->lock);
	rc = app_token_locked(token, inst, a, owner, repo, stale);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static int
app_token_locked(const char **token, uint64_t *inst, struct app *a, const char *owner,
    const char *repo, bool stale)
{
	struct owner *o = NULL;
	struct inst *in;
	uint64_t id = a->fixed;
	int rc;

	*token = NULL;
	if (id == 0) {
		if (owner == NULL)
			return err_set(ERR_AUTH, "GitHub App %s: no installation for a request "
			    "that names no owner (set repocast.auth.installation_id)", a->app_id);
		if ((o = find_owner(a, owner)) == NULL) {
			if ((rc = lookup(&id, a, owner, repo)) < 0) {
				if (rc != ERR_NOTFOUND)
					return rc;
				o = add_owner(a, owner, 0);
				o->why = xstrdup(err_last());
				return ERR_AUTH;
			}
			o = add_owner(a, owner, id);
			log_info("GitHub App %s: installation %llu for '%s'", a->app_id,
			    (unsigned long long)id, owner);
		}
		if (o->id == 0)
			return err_set(ERR_AUTH, "%s", o->why);
		id = o->id;
	} else if (owner != NULL && find_owner(a, owner) == NULL) {
		add_owner(a, owner, id);
	}
	in = find_inst(a, id);
	if ((stale || !fresh(in)) && (rc = mint(a, in)) < 0)
		return rc;
	*token = in->token;
	if (inst != NULL)
		*inst = id;
	return 0;
}

/* The path after the API's base, when path is an absolute URL under it. */
static const char *
rel_path(const struct app *a, const char *path)
{
	const char *base = api_base_url(a->api);
	size_t n = strlen(base);

	if (strncmp(path, base, n) == 0 && path[n] == '/')
		return path + n;
	return path;
}

int
app_auth(const char **token, const char *path, bool stale, void *arg)
{
	struct app *a = arg;
	char owner[128], repo[128];
	const char *p = rel_path(a, path), *s;
	size_t n;

	owner[0] = repo[0] = '\0';
	if (strncmp(p, "/repos/", 7) == 0 || strncmp(p, "/orgs/", 6) == 0 ||
	    strncmp(p, "/users/", 7) == 0) {
		s = strchr(p + 1, '/') + 1;
		n = strcspn(s, "/?#");
		if (n > 0 && n < sizeof(owner)) {
			memcpy(owner, s, n);
			owner[n] = '\0';
		}
		if (p[1] == 'r' && s[n] == '/') {
			s += n + 1;
			n = strcspn(s, "/?#");
			if (n > 0 && n < sizeof(repo)) {
				memcpy(repo, s, n);
				repo[n] = '\0';
			}
		}
	}
	if (owner[0] == '\0' && owner_app == a)
		memcpy(owner, owner_name, sizeof(owner));
	return app_token(token, NULL, a, owner[0] != '\0' ? owner : NULL,
	    repo[0] != '\0' ? repo : NULL, stale);
}

int
app_describe(char **slug, struct app *a)
{
	struct api_response r;
	json_t *j;
	int rc;

	*slug = NULL;
	api_response_init(&r);
	if ((rc = app_request(&r, a, API_GET, "/app")) == 0) {
		j = json_loadb(r.body.ptr, r.body.len, 0, NULL);
		if (json_is_string(json_object_get(j, "slug")))
			*slug = xstrdup(json_string_value(json_object_get(j, "slug")));
		else
			rc = err_set(ERR_PROTO, "bad answer to GET /app: no slug");
		json_decref(j);
	}
	api_response_release(&r);
	return rc;
}
