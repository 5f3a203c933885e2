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

static char dir[] = "/tmp/check_app.XXXXXX";
static EVP_PKEY *pkey;

static void
setup(void)
{
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
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
