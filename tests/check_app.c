/*
 * app: base64url, the JWT's header and claims, its RS256 signature
 * (verified here with libcrypto against a key made at test time), the
 * private key file's checks, where an App's settings come from.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "supervisor/github/app.h"

#include "httpstub.h"

static char dir[32];
static EVP_PKEY *pkey;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_app.XXXXXX");  /* each test: CK_FORK=no too */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	pkey = EVP_RSA_gen(2048);
	ck_assert_ptr_nonnull(pkey);
}

static void
teardown(void)
{
	char cmd[128];

	EVP_PKEY_free(pkey);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write pkey as PEM to dir/name with mode; returns the path (static). */
static const char *
write_key(const char *name, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

static const char *
b64(const char *s, size_t n)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	app_b64url(&b, s, n);
	return b.ptr;
}

START_TEST(test_b64url)
{
	/* RFC 4648 §10's vectors, without padding, and the URL alphabet. */
	ck_assert_str_eq(b64("", 0), "");
	ck_assert_str_eq(b64("f", 1), "Zg");
	ck_assert_str_eq(b64("fo", 2), "Zm8");
	ck_assert_str_eq(b64("foo", 3), "Zm9v");
	ck_assert_str_eq(b64("foob", 4), "Zm9vYg");
	ck_assert_str_eq(b64("fooba", 5), "Zm9vYmE");
	ck_assert_str_eq(b64("foobar", 6), "Zm9vYmFy");
	ck_assert_str_eq(b64("\xfb\xff\xfe", 3), "-__-");
	ck_assert_str_eq(b64("\0\0", 2), "AAA");
}
END_TEST

/* Decode base64url (no padding) of s[0..n) into out. */
static void
unb64(struct buf *out, const char *s, size_t n)
{
	unsigned v = 0;
	int bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *p = strchr(tab, s[i]);

		ck_assert_msg(p != NULL && s[i] != '\0', "not base64url: %c", s[i]);
		v = (v << 6) | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (int)((v >> bits) & 0xff));
		}
	}
}

START_TEST(test_jwt)
{
	struct app_key *k = NULL;
	struct buf jwt = BUF_INIT, part = BUF_INIT, sig = BUF_INIT;
	const char *d1, *d2;
	EVP_MD_CTX *ctx;

	ck_assert_int_eq(app_key_load(&k, write_key("k.pem", 0600)), 0);
	ck_assert_int_eq(app_jwt(&jwt, k, "4242", 1700000000), 0);
	d1 = strchr(jwt.ptr, '.');
	ck_assert_ptr_nonnull(d1);
	d2 = strchr(d1 + 1, '.');
	ck_assert_ptr_nonnull(d2);
	ck_assert_ptr_null(strchr(jwt.ptr, '='));
	unb64(&part, jwt.ptr, (size_t)(d1 - jwt.ptr));
	ck_assert_str_eq(part.ptr, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
	buf_reset(&part);
	unb64(&part, d1 + 1, (size_t)(d2 - d1 - 1));
	/* iat backdated a minute for clock drift; exp within GitHub's 10 minutes. */
	ck_assert_str_eq(part.ptr, "{\"iat\":1699999940,\"exp\":1700000540,\"iss\":\"4242\"}");
	unb64(&sig, d2 + 1, strlen(d2 + 1));
	ck_assert_uint_eq(sig.len, 256);
	ctx = EVP_MD_CTX_new();
	ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
	ck_assert_int_eq(EVP_DigestVerify(ctx, (const unsigned char *)sig.ptr, sig.len,
	    (const unsigned char *)jwt.ptr, (size_t)(d2 - jwt.ptr)), 1);
	/* One byte of the claims changed: the signature no longer holds. */
	jwt.ptr[d1 - jwt.ptr + 2] ^= 1;
	ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey), 1);
	ck_assert_int_ne(EVP_DigestVerify(ctx, (const unsigned char *)sig.ptr, sig.len,
	    (const unsigned char *)jwt.ptr, (size_t)(d2 - jwt.ptr)), 1);
	EVP_MD_CTX_free(ctx);
	buf_release(&jwt);
	buf_release(&part);
	buf_release(&sig);
	app_key_free(k);
	app_key_free(NULL);
}
END_TEST

START_TEST(test_key_refused)
{
	struct app_key *k = NULL;
	char path[256];
	int fd;

	ck_assert_int_eq(app_key_load(&k, write_key("open.pem", 0644)), ERR_CONFIG);
	ck_assert_ptr_null(k);
	ck_assert_ptr_nonnull(strstr(err_last(), "is accessible by group or others (mode 0644)"));
	ck_assert_ptr_nonnull(strstr(err_last(), "/open.pem' is accessible"));
	ck_assert_ptr_nonnull(strstr(err_last(), ": run 'chmod 600 /tmp/check_app."));
	ck_assert_ptr_null(strstr(err_last(), "PRIVATE"));
	ck_assert_int_eq(app_key_load(&k, write_key("group.pem", 0640)), ERR_CONFIG);
	snprintf(path, sizeof(path), "%s/missing.pem", dir);
	ck_assert_int_eq(app_key_load(&k, path), ERR_NOTFOUND);
	ck_assert_int_eq(app_key_load(&k, dir), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), "is not a regular file"));
	snprintf(path, sizeof(path), "%s/junk.pem", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a key\n", 10), 10);
	close(fd);
	ck_assert_int_eq(app_key_load(&k, path), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), "holds no PEM private key"));
	/* APP_KEY_MAX bytes are read, one more is refused. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(ftruncate(fd, APP_KEY_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(app_key_load(&k, path), ERR_LIMIT);
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(ftruncate(fd, APP_KEY_MAX), 0);
	close(fd);
	ck_assert_int_eq(app_key_load(&k, path), ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err_last(), "holds no PEM private key"));
}
END_TEST

START_TEST(test_resolve)
{
	struct app_opts o;
	char from[128];
	bool set;

	unsetenv("GITHUB_APP_ID");
	unsetenv("GITHUB_APP_PRIVATE_KEY_FILE");
	unsetenv("GITHUB_APP_INSTALLATION_ID");
	ck_assert_int_eq(app_opts_resolve(&o, &set, from, sizeof(from), NULL, NULL, NULL, "x"), 0);
	ck_assert(!set);
	setenv("GITHUB_APP_ID", "77", 1);
	ck_assert_int_eq(app_opts_resolve(&o, &set, from, sizeof(from), NULL, NULL, NULL, "x"),
	    ERR_CONFIG);
	ck_assert_str_eq(err_last(),
	    "GITHUB_APP_ID is set without GITHUB_APP_PRIVATE_KEY_FILE: a GitHub App needs both");
	setenv("GITHUB_APP_PRIVATE_KEY_FILE", "/k.pem", 1);
	setenv("GITHUB_APP_INSTALLATION_ID", "9", 1);
	ck_assert_int_eq(app_opts_resolve(&o, &set, from, sizeof(from), NULL, NULL, NULL, "x"), 0);
	ck_assert(set);
	ck_assert_str_eq(o.app_id, "77");
	ck_assert_str_eq(o.key_file, "/k.pem");
	ck_assert_str_eq(o.installation_id, "9");
	ck_assert_str_eq(o.from, "GITHUB_APP_ID");
	/* The config's App wins over the environment's. */
	ck_assert_int_eq(app_opts_resolve(&o, &set, from, sizeof(from), "5", "/c.pem", NULL,
	    "sync.yaml:3:5"), 0);
	ck_assert_str_eq(o.app_id, "5");
	ck_assert_str_eq(o.key_file, "/c.pem");
	ck_assert_ptr_null(o.installation_id);
	ck_assert_str_eq(o.from, "repocast.auth (sync.yaml:3:5)");
	setenv("GITHUB_APP_ID", "07x", 1);
	ck_assert_int_eq(app_opts_resolve(&o, &set, from, sizeof(from), NULL, NULL, NULL, "x"),
	    ERR_CONFIG);
	ck_assert_str_eq(err_last(), "GITHUB_APP_ID '07x' is not a positive integer");
	unsetenv("GITHUB_APP_ID");
	unsetenv("GITHUB_APP_PRIVATE_KEY_FILE");
	ck_assert_int_eq(app_opts_resolve(&o, &set, from, sizeof(from), NULL, NULL, NULL, "x"),
	    ERR_CONFIG);
	ck_assert_str_eq(err_last(), "GITHUB_APP_INSTALLATION_ID is set without GITHUB_APP_ID "
	    "and GITHUB_APP_PRIVATE_KEY_FILE");
	unsetenv("GITHUB_APP_INSTALLATION_ID");
}
END_TEST

/* {"token": tok, "expires_at": now + in} */
static void
token_body(char *out, size_t n, const char *tok, long in)
{
	time_t t = time(NULL) + in;
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(out, n, "{\"token\":\"%s\",\"expires_at\":\"%s\"}", tok, when);
}

START_TEST(test_tokens)
{
	static char t1[128], t2[128], t3[128], tb[128];
	struct stub_resp script[] = {
		{ 200, NULL, "{\"id\":7,\"account\":{\"login\":\"acme\"}}", 0, 0 },
		{ 201, NULL, t1, 0, 0 },
		{ 201, NULL, t2, 0, 0 },
		{ 201, NULL, t3, 0, 0 },
		{ 404, NULL, "{\"message\":\"Not Found\"}", 0, 0 },
		{ 404, NULL, "{\"message\":\"Not Found\"}", 0, 0 },
		{ 200, NULL, "{\"id\":8}", 0, 0 },
		{ 201, NULL, tb, 0, 0 },
		{ 401, NULL, "{\"message\":\"A JSON web token could not be decoded\"}", 0, 0 },
		{ 401, NULL, "{\"message\":\"A JSON web token could not be decoded\"}", 0, 0 },
	};
	struct app_opts ao = { "4242", NULL, NULL, "test" };
	struct app_owner_info oi;
	struct api_opts o;
	struct app *a = NULL;
	struct stub s;
	const char *tok;
	uint64_t id = 0;

	token_body(t1, sizeof(t1), "ghs_one", 3600);
	token_body(t2, sizeof(t2), "ghs_two", -1);     /* expired as it arrives */
	token_body(t3, sizeof(t3), "ghs_three", 3600);
	token_body(tb, sizeof(tb), "ghs_b", 3600);
	stub_start(&s, script, 10);
	api_opts_init(&o);
	o.base_url = s.url;
	o.write_interval_ms = 0;
	o.max_retries = 0;
	ao.key_file = write_key("k.pem", 0600);
	ck_assert_int_eq(app_new(&a, &ao, &o), 0);
	ck_assert_uint_eq(s.nreqs, 0);
	/* The owner's installation through its repository, then its token. */
	ck_assert_int_eq(app_token(&tok, &id, a, "acme", "a", false), 0);
	ck_assert_str_eq(tok, "ghs_one");
	ck_assert_uint_eq(id, 7);
	ck_assert_uint_eq(s.nreqs, 2);
	ck_assert_str_eq(s.reqs[0].target, "/repos/acme/a/installation");
	ck_assert_ptr_nonnull(strstr(s.reqs[0].headers, "Authorization: Bearer eyJ"));
	ck_assert_str_eq(s.reqs[1].method, "POST");
	ck_assert_str_eq(s.reqs[1].target, "/app/installations/7/access_tokens");
	/* Cached per installation (any repository of the owner, any case). */
	ck_assert_int_eq(app_token(&tok, NULL, a, "ACME", "b", false), 0);
	ck_assert_str_eq(tok, "ghs_one");
	ck_assert_uint_eq(s.nreqs, 2);
	/* Refused by the API (stale): a new one; expired: a new one again. */
	ck_assert_int_eq(app_token(&tok, NULL, a, "acme", "a", true), 0);
	ck_assert_str_eq(tok, "ghs_two");
	ck_assert_int_eq(app_token(&tok, NULL, a, "acme", "a", false), 0);
	ck_assert_str_eq(tok, "ghs_three");
	ck_assert_uint_eq(s.nreqs, 4);
	ck_assert_uint_eq(app_owners(a, 0, &oi), 1);
	ck_assert_str_eq(oi.owner, "acme");
	ck_assert_uint_eq(oi.installation, 7);
	ck_assert_uint_eq(oi.tokens, 3);
	/* Not installed: said once, remembered. */
	ck_assert_int_eq(app_token(&tok, NULL, a, "gamma", "e", false), ERR_AUTH);
	ck_assert_str_eq(err_last(), "GitHub App 4242 is not installed on 'gamma' (GET "
	    "/repos/gamma/e/installation: 404): install it there, or leave that owner's "
	    "targets out");
	ck_assert(app_not_installed(a, "gamma"));
	ck_assert(!app_not_installed(a, "acme"));
	ck_assert_int_eq(app_token(&tok, NULL, a, "gamma", "f", false), ERR_AUTH);
	ck_assert_uint_eq(s.nreqs, 5);
	/* An owner without a repository: the org's route, then the user's. */
	ck_assert_int_eq(app_auth(&tok, "/orgs/beta/repos?per_page=100", false, a), 0);
	ck_assert_str_eq(tok, "ghs_b");
	ck_assert_str_eq(s.reqs[5].target, "/orgs/beta/installation");
	ck_assert_str_eq(s.reqs[6].target, "/users/beta/installation");
	/* A path naming no owner: the one set, else an error. */
	ck_assert_int_eq(app_auth(&tok, "/rate_limit", false, a), ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), "names no owner"));
	app_set_owner(a, "acme");
	ck_assert_int_eq(app_auth(&tok, "/rate_limit", false, a), 0);
	ck_assert_str_eq(tok, "ghs_three");
	ck_assert_int_eq(app_auth(&tok, "/repos/beta/c/pulls", false, a), 0);
	ck_assert_str_eq(tok, "ghs_b");
	ck_assert_uint_eq(s.nreqs, 8);
	/* A refused JWT: signed anew once, then the error says so. */
	ck_assert_int_eq(app_token(&tok, NULL, a, "delta", "x", false), ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(err_last(), "GitHub App 4242 (from test): the API refused "
	    "its JWT: authentication failed at"));
	ck_assert_ptr_nonnull(strstr(err_last(), "A JSON web token could not be decoded"));
	ck_assert(!app_not_installed(a, "delta"));
	ck_assert_uint_eq(s.nreqs, 10);
	app_free(a);
	app_free(NULL);
	stub_stop(&s);
}
END_TEST

Suite *
app_suite(void)
{
	Suite *s = suite_create("app");
	TCase *tc = tcase_create("jwt");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_b64url);
	tcase_add_test(tc, test_jwt);
	tcase_add_test(tc, test_key_refused);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_tokens);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
