/*
 * blobread — a blob in slices: from a loose object, from a whole entry in
 * a pack, from a delta (read whole), and a corrupt pack entry refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gitfix.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/sync/blobread.h"

#define BIG (3u * 1024 * 1024 + 7)

/* Deterministic bytes that zlib cannot shrink much. */
static unsigned char *
noise(size_t n, unsigned seed)
{
	unsigned char *p = xmalloc(n);
	uint32_t x = 2463534242u + seed;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

/* Read b to its end in slices of step bytes into a new buffer of *n bytes. */
static unsigned char *
slurp(struct blobread *b, uint64_t size, size_t step, size_t *n)
{
	unsigned char *out = xmalloc(size + 1);
	size_t got;

	*n = 0;
	for (;;) {
		ck_assert_int_eq(blobread_read(&got, b, out + *n, step), 0);
		if (got == 0)
			break;
		*n += got;
		ck_assert_uint_le(*n, size);
	}
	return out;
}

/* Pack the objects ids into repo's objects/pack and remove their loose files. */
static void
pack_and_prune(git_repository *r, const char *dir, const git_oid *ids, size_t n)
{
	git_packbuilder *pb;
	char *packdir = xasprintf("%s/objects/pack", dir);
	size_t i;

	ck_assert_int_eq(git_packbuilder_new(&pb, r), 0);
	git_packbuilder_set_threads(pb, 1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(git_packbuilder_insert(pb, &ids[i], NULL), 0);
	ck_assert_int_eq(git_packbuilder_write(pb, packdir, 0, NULL, NULL), 0);
	git_packbuilder_free(pb);
	for (i = 0; i < n; i++) {
		char hex[41], *loose;

		git_oid_tostr(hex, sizeof(hex), &ids[i]);
		loose = xasprintf("%s/objects/%.2s/%s", dir, hex, hex + 2);
		ck_assert_int_eq(unlink(loose), 0);
		free(loose);
	}
	free(packdir);
}

static void
check_read(git_repository *r, const git_oid *id, const unsigned char *want, size_t len,
    const char *how)
{
	static const size_t steps[] = { 1u << 20, 4093 };
	struct blobread *b;
	unsigned char *got;
	uint64_t size;
	size_t n, k;

	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(blobread_open(&b, &size, r, id), 0);
		ck_assert_str_eq(blobread_how(b), how);
		ck_assert_uint_eq(size, len);
		got = slurp(b, size, steps[k], &n);
		ck_assert_uint_eq(n, len);
		ck_assert(memcmp(got, want, len) == 0);
		free(got);
		blobread_free(b);
	}
}

START_TEST(test_blobread_loose_pack_delta)
{
	unsigned char *a = noise(BIG, 1), *b2 = xmalloc(BIG);
	char *dir = gitfix_tmpdir();
	git_repository *r;
	git_oid ids[3];
	struct blobread *br;
	uint64_t size;
	const char *how[2];

	git_libgit2_init();
	r = gitfix_init(dir, "main");
	/* b2: a with a few bytes changed, the kind of pair a pack stores as a delta */
	memcpy(b2, a, BIG);
	memcpy(b2 + BIG / 2, "changed", 7);
	ck_assert_int_eq(git_blob_create_from_buffer(&ids[0], r, a, BIG), 0);
	ck_assert_int_eq(git_blob_create_from_buffer(&ids[1], r, b2, BIG), 0);
	ck_assert_int_eq(git_blob_create_from_buffer(&ids[2], r, "", 0), 0);
	check_read(r, &ids[0], a, BIG, "loose");
	check_read(r, &ids[2], (const unsigned char *)"", 0, "loose");

	pack_and_prune(r, dir, ids, 2);
	/* One of the two is now a delta of the other: read whole; the base streams. */
	ck_assert_int_eq(blobread_open(&br, &size, r, &ids[0]), 0);
	how[0] = blobread_how(br);
	blobread_free(br);
	ck_assert_int_eq(blobread_open(&br, &size, r, &ids[1]), 0);
	how[1] = blobread_how(br);
	blobread_free(br);
	ck_assert_msg((strcmp(how[0], "pack") == 0 && strcmp(how[1], "whole") == 0) ||
	    (strcmp(how[0], "whole") == 0 && strcmp(how[1], "pack") == 0),
	    "expected one whole entry and one delta, got %s and %s", how[0], how[1]);
	check_read(r, &ids[0], a, BIG, how[0]);
	check_read(r, &ids[1], b2, BIG, how[1]);

	/* Not there at all, and a tree is not a blob. */
	memset(&ids[2], 0x42, sizeof(ids[2]));
	ck_assert_int_eq(blobread_open(&br, &size, r, &ids[2]), ERR_NOTFOUND);
	ck_assert_str_eq(err_last(), "blob 4242424242424242424242424242424242424242 not found");
	ck_assert_ptr_null(br);
	git_repository_free(r);
	gitfix_rmrf(dir);
	free(dir);
	free(a);
	free(b2);
	git_libgit2_shutdown();
}
END_TEST

START_TEST(test_blobread_corrupt_pack)
{
	unsigned char *a = noise(BIG, 2);
	char *dir = gitfix_tmpdir(), *cmd;
	git_repository *r;
	struct blobread *br;
	unsigned char *buf = xmalloc(BIG);
	uint64_t size;
	size_t got, n = 0;
	git_oid id;
	int rc = 0;
	FILE *f;

	git_libgit2_init();
	r = gitfix_init(dir, "main");
	ck_assert_int_eq(git_blob_create_from_buffer(&id, r, a, BIG), 0);
	pack_and_prune(r, dir, &id, 1);
	/* Flip bytes in the middle of the entry's compressed data. */
	cmd = xasprintf("ls %s/objects/pack/*.pack", dir);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	{
		char path[4096];
		FILE *p;

		ck_assert_ptr_nonnull(fgets(path, sizeof(path), f));
		path[strcspn(path, "\n")] = '\0';
		p = fopen(path, "r+b");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(fseek(p, BIG / 2, SEEK_SET), 0);
		ck_assert_int_eq(fwrite("\xff\x00\xff\x00\xff\x00\xff\x00", 1, 8, p), 8);
		fclose(p);
	}
	pclose(f);
	free(cmd);
	ck_assert_int_eq(blobread_open(&br, &size, r, &id), 0);
	ck_assert_str_eq(blobread_how(br), "pack");
	while (rc == 0 && n < BIG) {
		rc = blobread_read(&got, br, buf + n, BIG - n);
		n += got;
		if (got == 0)
			break;
	}
	/* zlib notices: bad data, or at the latest the Adler-32 at the end. */
	ck_assert_int_lt(rc, 0);
	ck_assert_msg(strstr(err_last(), "corrupt pack data") != NULL, "%s", err_last());
	blobread_free(br);
	git_repository_free(r);
	gitfix_rmrf(dir);
	free(dir);
	free(a);
	free(buf);
	git_libgit2_shutdown();
}
END_TEST

Suite *
blobread_suite(void)
{
	Suite *s = suite_create("blobread");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_blobread_loose_pack_delta);
	tcase_add_test(tc, test_blobread_corrupt_pack);
	suite_add_tcase(s, tc);
	return s;
}
