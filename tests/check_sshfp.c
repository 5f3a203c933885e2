/*
 * sshfp: SHA-256 against FIPS 180-4's vectors, and the fingerprint of an
 * ssh public key as `ssh-keygen -l -E sha256` prints it, from a "key::"
 * literal, a public key file, the .pub beside a private key file, and the
 * public blob of an OpenSSH private key file (built here: no real
 * private key in the tests).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/sshfp.h"
#include "shared/util.h"

#define PUB "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIj8MjQxhI2wW88TwDq3gWS55n0mOddubdV8/HADXMYe"
/* ssh-keygen -l -E sha256 of PUB */
#define FP "SHA256:sqyStU9D/v6fP+REPWzUB0n+GNZvSPd+686+EmCSR7s"

static void
hex(char out[65], const unsigned char d[32])
{
	int i;

	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

START_TEST(test_sha256_vectors)
{
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char d[32];
	char h[65], *a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		sshfp_sha256(d, v[i].in, strlen(v[i].in));
		hex(h, d);
		ck_assert_str_eq(h, v[i].out);
	}
	/* 1000 bytes: many blocks, and a tail that needs a second padding block */
	a = malloc(1000);
	memset(a, 'a', 1000);
	sshfp_sha256(d, a, 1000);
	hex(h, d);
	ck_assert_str_eq(h, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
	free(a);
}
END_TEST

static char *
write_tmp(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void
put32(struct buf *b, uint32_t v)
{
	buf_addch(b, (int)(v >> 24));
	buf_addch(b, (int)((v >> 16) & 0xff));
	buf_addch(b, (int)((v >> 8) & 0xff));
	buf_addch(b, (int)(v & 0xff));
}

static void
putstr(struct buf *b, const void *s, size_t n)
{
	put32(b, (uint32_t)n);
	buf_add(b, s, n);
}

static void
b64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);

		buf_addch(out, a[(v >> 18) & 63]);
		buf_addch(out, a[(v >> 12) & 63]);
		buf_addch(out, i + 1 < n ? a[(v >> 6) & 63] : '=');
		buf_addch(out, i + 2 < n ? a[v & 63] : '=');
		if ((i / 3 + 1) % 17 == 0)
			buf_addch(out, '\n');
	}
}

START_TEST(test_fingerprints)
{
	char dir[] = "/tmp/check_sshfp.XXXXXX", *p, *fp = NULL;
	struct buf blob = BUF_INIT, raw = BUF_INIT, text = BUF_INIT;
	const char *sp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* a literal, with and without a comment */
	ck_assert_int_eq(sshfp_key(&fp, "key::" PUB " bot@example.com"), 0);
	ck_assert_str_eq(fp, FP);
	free(fp);
	ck_assert_int_eq(sshfp_key(&fp, "key::" PUB), 0);
	ck_assert_str_eq(fp, FP);
	free(fp);
	ck_assert_int_lt(sshfp_key(&fp, "key::nonsense"), 0);
	ck_assert_ptr_null(fp);
	/* a public key file */
	p = write_tmp(dir, "id.pub", PUB " bot@example.com\n");
	ck_assert_int_eq(sshfp_key(&fp, p), 0);
	ck_assert_str_eq(fp, FP);
	free(fp);
	free(p);
	/* "id" is a private key file with id.pub beside it: the .pub is read */
	p = write_tmp(dir, "id", "-----BEGIN OPENSSH PRIVATE KEY-----\nnot read\n"
	    "-----END OPENSSH PRIVATE KEY-----\n");
	ck_assert_int_eq(sshfp_key(&fp, p), 0);
	ck_assert_str_eq(fp, FP);
	free(fp);
	free(p);
	/* a private key file alone: the public blob in its clear header */
	sp = strchr(PUB, ' ') + 1;
	{
		/* PUB's key blob, decoded here (not by the module under test) */
		static const char b64a[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		unsigned acc = 0;
		int bits = 0;

		for (; *sp != '\0' && *sp != '='; sp++) {
			acc = (acc << 6) | (unsigned)(strchr(b64a, *sp) - b64a);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf_addch(&blob, (int)((acc >> bits) & 0xff));
			}
		}
	}
	buf_add(&raw, "openssh-key-v1", 15);
	putstr(&raw, "none", 4);
	putstr(&raw, "none", 4);
	putstr(&raw, "", 0);
	put32(&raw, 1);
	putstr(&raw, blob.ptr, blob.len);
	putstr(&raw, "\x01\x02\x03\x04 private part, never read", 30);
	buf_addstr(&text, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	b64(&text, (const unsigned char *)raw.ptr, raw.len);
	buf_addstr(&text, "\n-----END OPENSSH PRIVATE KEY-----\n");
	p = write_tmp(dir, "alone", text.ptr);
	ck_assert_int_eq(sshfp_key(&fp, p), 0);
	ck_assert_str_eq(fp, FP);
	free(fp);
	unlink(p);
	free(p);
	/* a truncated header: no fingerprint, no crash */
	buf_setlen(&text, 60);
	p = write_tmp(dir, "short", text.ptr);
	ck_assert_int_lt(sshfp_key(&fp, p), 0);
	ck_assert_ptr_null(fp);
	unlink(p);
	free(p);
	/* a missing file */
	p = xasprintf("%s/nope", dir);
	ck_assert_int_eq(sshfp_key(&fp, p), ERR_NOTFOUND);
	free(p);
	p = xasprintf("%s/id", dir);
	unlink(p);
	free(p);
	p = xasprintf("%s/id.pub", dir);
	unlink(p);
	free(p);
	rmdir(dir);
	buf_release(&blob);
	buf_release(&raw);
	buf_release(&text);
}
END_TEST

Suite *
sshfp_suite(void)
{
	Suite *s = suite_create("sshfp");
	TCase *tc = tcase_create("sshfp");

	tcase_add_test(tc, test_sha256_vectors);
	tcase_add_test(tc, test_fingerprints);
	suite_add_tcase(s, tc);
	return s;
}
