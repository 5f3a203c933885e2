/* sshfp — see sshfp.h. */
#include "shared/sshfp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
		    w[i - 7] + (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void
sshfp_sha256(unsigned char out[32], const void *data, size_t len)
{
	uint32_t h[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
		0x1f83d9ab, 0x5be0cd19,
	};
	const unsigned char *p = data;
	unsigned char tail[128];
	uint64_t bits = (uint64_t)len * 8;
	size_t n, i;

	for (; len >= 64; p += 64, len -= 64)
		block(h, p);
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p, len);
	tail[len] = 0x80;
	n = len + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	block(h, tail);
	if (n == 128)
		block(h, tail + 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64val(int c)
{
	const char *p = c != '\0' ? strchr(b64, c) : NULL;

	return p != NULL ? (int)(p - b64) : -1;
}

/* Decode s (up to its first character outside the alphabet, '=' padding
 * and line breaks skipped) into b. */
static void
b64_decode(struct buf *b, const char *s, size_t n)
{
	unsigned acc = 0;
	int bits = 0, v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			continue;
		if ((v = b64val((unsigned char)s[i])) < 0)
			break;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(b, (char)((acc >> bits) & 0xff));
		}
	}
}

static char *
fp_of(const unsigned char *blob, size_t n)
{
	unsigned char d[32];
	struct buf b = BUF_INIT;
	size_t i;

	sshfp_sha256(d, blob, n);
	buf_addstr(&b, "SHA256:");
	for (i = 0; i < 32; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (i + 1 < 32 ? (unsigned)d[i + 1] << 8 : 0) |
		    (i + 2 < 32 ? d[i + 2] : 0);

		buf_addch(&b, b64[(v >> 18) & 63]);
		buf_addch(&b, b64[(v >> 12) & 63]);
		if (i + 1 < 32)
			buf_addch(&b, b64[(v >> 6) & 63]);
		if (i + 2 < 32)
			buf_addch(&b, b64[v & 63]);
	}
	return buf_detach(&b, NULL);
}

/* "<type> <base64> [comment]": the blob's fingerprint, or NULL. */
static char *
fp_public_line(const char *s, size_t n)
{
	struct buf blob = BUF_INIT;
	const char *sp = memchr(s, ' ', n);
	char *fp = NULL;
	size_t len;

	if (sp == NULL)
		return NULL;
	len = n - (size_t)(sp + 1 - s);
	b64_decode(&blob, sp + 1, len);
	if (blob.len > 4)
		fp = fp_of((const unsigned char *)blob.ptr, blob.len);
	buf_release(&blob);
	return fp;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * An OpenSSH private key: "openssh-key-v1\0", ciphername, kdfname,
 * kdfoptions, the number of keys, then the first public key blob, all
 * before the private part.
 */
static char *
fp_private(const char *s, size_t n)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	static const char magic[] = "openssh-key-v1";
	struct buf raw = BUF_INIT;
	const unsigned char *p, *end;
	const char *at = memmem(s, n, begin, sizeof(begin) - 1);
	char *fp = NULL;
	uint32_t len;
	int i;

	if (at == NULL)
		return NULL;
	at += sizeof(begin) - 1;
	b64_decode(&raw, at, n - (size_t)(at - s));
	p = (const unsigned char *)raw.ptr;
	end = p + raw.len;
	if (raw.len < sizeof(magic) || memcmp(p, magic, sizeof(magic)) != 0)
		goto out;
	p += sizeof(magic);
	for (i = 0; i < 3; i++) {          /* ciphername, kdfname, kdfoptions */
		if (end - p < 4 || (len = be32(p)) > (size_t)(end - p - 4))
			goto out;
		p += 4 + len;
	}
	if (end - p < 8 || be32(p) < 1)
		goto out;
	p += 4;
	if ((len = be32(p)) > (size_t)(end - p - 4) || len == 0)
		goto out;
	fp = fp_of(p + 4, len);
out:
	util_wipe(raw.ptr, raw.len);
	buf_release(&raw);
	return fp;
}

/* The file's bytes into b (at most 64 KiB: a key file is small). */
static int
read_small(struct buf *b, const char *path)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(errno == ENOENT ? ERR_NOTFOUND : ERR_FAIL, "cannot read '%s'", path);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && b->len < 65536)
		buf_add(b, chunk, (size_t)n);
	util_wipe(chunk, sizeof(chunk));
	close(fd);
	if (n < 0)
		return err_sys(ERR_FAIL, "cannot read '%s'", path);
	return 0;
}

int
sshfp_key(char **out, const char *key)
{
	struct buf b = BUF_INIT;
	char *pub, *fp = NULL;
	int rc;

	*out = NULL;
	if (strncmp(key, "key::", 5) == 0) {
		fp = fp_public_line(key + 5, strlen(key + 5));
		if (fp == NULL)
			return err_set(ERR_FAIL, "not an ssh public key");
		*out = fp;
		return 0;
	}
	/* A public key file, else the .pub beside it, else the private file's
	 * public blob. */
	if ((rc = read_small(&b, key)) < 0)
		return rc;
	if (strncmp(b.ptr, "ssh-", 4) == 0 || strncmp(b.ptr, "ecdsa-", 6) == 0 ||
	    strncmp(b.ptr, "sk-", 3) == 0) {
		fp = fp_public_line(b.ptr, strcspn(b.ptr, "\n"));
	} else {
		struct buf pb = BUF_INIT;

		pub = xasprintf("%s.pub", key);
		if (read_small(&pb, pub) == 0)
			fp = fp_public_line(pb.ptr, strcspn(pb.ptr, "\n"));
		else
			fp = fp_private(b.ptr, b.len);
		err_clear();
		buf_release(&pb);
		free(pub);
	}
	util_wipe(b.ptr, b.len);
	buf_release(&b);
	if (fp == NULL)
		return err_set(ERR_FAIL, "'%s' holds no ssh key this can read", key);
	*out = fp;
	return 0;
}
