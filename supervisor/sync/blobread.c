/*
 * blobread — a blob in slices: loose stream, whole pack entry inflated
 * incrementally, or the whole object. See blobread.h.
 */
#include "supervisor/sync/blobread.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "shared/err.h"
#include "shared/git/err_git.h"
#include "shared/util.h"

#define IN_CHUNK (64u * 1024)
#define PACK_BLOB 3            /* object type bits of a whole blob entry */

enum blobread_kind { BR_LOOSE, BR_PACK, BR_WHOLE };

struct blobread {
	enum blobread_kind kind;
	char hex[GIT_OID_HEXSZ + 1];
	uint64_t size, done;       /* blob bytes, bytes handed out */
	git_odb *odb;              /* owned */
	git_odb_stream *stream;    /* BR_LOOSE */
	git_odb_object *obj;       /* BR_WHOLE */
	int fd;                    /* BR_PACK: the .pack file */
	uint64_t pos;              /* next .pack offset to read */
	z_stream z;
	bool z_open, z_end;
	unsigned char *in;         /* IN_CHUNK bytes of compressed input */
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Look id up in one version-2 pack index: 1 with the entry's offset in
 * *off, 0 when absent, -1 when the index is malformed (treated as absent
 * by the caller: libgit2's own read then decides).
 */
static int
idx_find(uint64_t *off, const unsigned char *p, size_t len, const git_oid *id)
{
	static const unsigned char magic[8] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	const unsigned char *fan = p + 8, *ids, *o32, *o64;
	uint32_t n, lo, hi, mid, v;
	int c;

	if (len < 8 + 1024 + 40 || memcmp(p, magic, 8) != 0)
		return -1;
	n = be32(fan + 255 * 4);
	if ((uint64_t)n * 28 > len - (8 + 1024 + 40))
		return -1;
	ids = fan + 1024;
	o32 = ids + (size_t)n * 24;    /* after the ids (20) and the CRCs (4) */
	o64 = o32 + (size_t)n * 4;
	lo = id->id[0] ? be32(fan + (id->id[0] - 1) * 4) : 0;
	hi = be32(fan + id->id[0] * 4);
	if (lo > hi || hi > n)
		return -1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(ids + (size_t)mid * 20, id->id, 20);
		if (c == 0) {
			v = be32(o32 + (size_t)mid * 4);
			if (!(v & 0x80000000u)) {
				*off = v;
				return 1;
			}
			v &= 0x7fffffffu;
			if ((size_t)(o64 - p) + ((size_t)v + 1) * 8 > len - 40)
				return -1;
			*off = (uint64_t)be32(o64 + (size_t)v * 8) << 32 | be32(o64 + (size_t)v * 8 + 4);
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* 1 found (the .pack path in *pack, the entry's offset in *off), 0 not. */
static int
pack_find(char **pack, uint64_t *off, const char *packdir, const git_oid *id)
{
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((d = opendir(packdir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		struct stat st;
		char *path;
		void *map;
		int fd;

		if (nl < 5 || strcmp(de->d_name + nl - 4, ".idx") != 0)
			continue;
		path = xasprintf("%s/%s", packdir, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
			map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
			if (map != MAP_FAILED) {
				if (idx_find(off, map, (size_t)st.st_size, id) == 1) {
					*pack = xasprintf("%.*s.pack", (int)(strlen(path) - 4), path);
					found = 1;
				}
				munmap(map, (size_t)st.st_size);
			}
		}
		if (fd >= 0)
			close(fd);
		free(path);
	}
	closedir(d);
	return found;
}

/*
 * Open the pack entry at off when it holds the blob whole: 1 ready, 0 the
 * entry is a delta (or not a blob: the caller falls back), -1 error.
 */
static int
pack_open(struct blobread *b, const char *pack, uint64_t off)
{
	unsigned char hdr[16];
	uint64_t size;
	ssize_t n;
	size_t i;
	unsigned shift;

	b->fd = open(pack, O_RDONLY | O_CLOEXEC);
	if (b->fd < 0)
		return err_set(ERR_FAIL, "cannot open pack '%s': %s", pack, strerror(errno));
	n = pread(b->fd, hdr, sizeof(hdr), (off_t)off);
	if (n <= 0)
		return err_set(ERR_FAIL, "cannot read pack '%s' at %llu: %s", pack,
		    (unsigned long long)off, n < 0 ? strerror(errno) : "end of file");
	if (((hdr[0] >> 4) & 7) != PACK_BLOB)
		return 0;
	size = hdr[0] & 15;
	shift = 4;
	for (i = 0; hdr[i] & 0x80; ) {
		if (++i >= (size_t)n || shift > 57)
			return err_set(ERR_FAIL, "corrupt pack entry of blob %s in '%s'", b->hex,
			    pack);
		size |= (uint64_t)(hdr[i] & 0x7f) << shift;
		shift += 7;
	}
	if (size != b->size)
		return err_set(ERR_FAIL, "pack entry of blob %s in '%s' has %llu bytes, not %llu",
		    b->hex, pack, (unsigned long long)size, (unsigned long long)b->size);
	b->pos = off + i + 1;
	if (inflateInit(&b->z) != Z_OK)
		return err_set(ERR_FAIL, "cannot start inflating blob %s", b->hex);
	b->z_open = true;
	b->in = xmalloc(IN_CHUNK);
	b->kind = BR_PACK;
	return 1;
}

static int
pack_read(size_t *got, struct blobread *b, void *buf, size_t n)
{
	int zr;

	b->z.next_out = buf;
	b->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	while (b->z.avail_out > 0 && !b->z_end) {
		if (b->z.avail_in == 0) {
			ssize_t r = pread(b->fd, b->in, IN_CHUNK, (off_t)b->pos);

			if (r < 0)
				return err_set(ERR_FAIL, "cannot read blob %s: %s", b->hex,
				    strerror(errno));
			if (r == 0)
				return err_set(ERR_FAIL, "blob %s: pack ends inside the entry", b->hex);
			b->pos += (uint64_t)r;
			b->z.next_in = b->in;
			b->z.avail_in = (uInt)r;
		}
		zr = inflate(&b->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			b->z_end = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return err_set(ERR_FAIL, "blob %s: corrupt pack data (%s)", b->hex,
			    b->z.msg ? b->z.msg : "inflate failed");
	}
	*got = (size_t)((unsigned char *)b->z.next_out - (unsigned char *)buf);
	return 0;
}

int
blobread_open(struct blobread **out, uint64_t *size, git_repository *repo, const git_oid *id)
{
	struct blobread *b = xcalloc(1, sizeof(*b));
	git_buf objects = { NULL, 0, 0 };
	git_object_t type;
	char *packdir = NULL, *pack = NULL;
	size_t len;
	uint64_t off;
	int rc;

	*out = NULL;
	*size = 0;
	b->fd = -1;
	git_oid_tostr(b->hex, sizeof(b->hex), id);
	if (git_repository_odb(&b->odb, repo) < 0) {
		rc = err_git(ERR_FAIL, "cannot open the object database");
		goto fail;
	}
	rc = git_odb_read_header(&len, &type, b->odb, id);
	if (rc == GIT_ENOTFOUND || (rc == 0 && type != GIT_OBJECT_BLOB)) {
		rc = err_set(ERR_NOTFOUND, "blob %s not found", b->hex);
		goto fail;
	}
	if (rc < 0) {
		rc = err_git(ERR_FAIL, "cannot read blob %s", b->hex);
		goto fail;
	}
	b->size = len;
	if (git_odb_open_rstream(&b->stream, &len, &type, b->odb, id) == 0) {
		b->kind = BR_LOOSE;
		goto done;
	}
	b->stream = NULL;
	if (git_repository_item_path(&objects, repo, GIT_REPOSITORY_ITEM_OBJECTS) == 0) {
		packdir = xasprintf("%spack", objects.ptr);
		if (pack_find(&pack, &off, packdir, id) == 1 && (rc = pack_open(b, pack, off)) != 0) {
			if (rc < 0)
				goto fail;
			goto done;
		}
	}
	/* A delta, or where we cannot look: libgit2 reads it whole. */
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	if (git_odb_read(&b->obj, b->odb, id) < 0) {
		rc = err_git(ERR_FAIL, "cannot read blob %s", b->hex);
		goto fail;
	}
	b->kind = BR_WHOLE;
done:
	git_buf_dispose(&objects);
	free(packdir);
	free(pack);
	*size = b->size;
	*out = b;
	return 0;
fail:
	git_buf_dispose(&objects);
	free(packdir);
	free(pack);
	blobread_free(b);
	return rc;
}

int
blobread_read(size_t *got, struct blobread *b, void *buf, size_t n)
{
	uint64_t left = b->size - b->done;
	int r;

	*got = 0;
	if (n > left)
		n = (size_t)left;
	if (n == 0)
		return 0;
	switch (b->kind) {
	case BR_LOOSE:
		r = git_odb_stream_read(b->stream, buf, n);
		if (r < 0)
			return err_git(ERR_FAIL, "cannot read blob %s", b->hex);
		*got = (size_t)r;
		break;
	case BR_PACK:
		if (pack_read(got, b, buf, n) < 0)
			return -1;
		break;
	case BR_WHOLE:
		memcpy(buf, (const char *)git_odb_object_data(b->obj) + b->done, n);
		*got = n;
		break;
	}
	if (*got == 0)
		return err_set(ERR_FAIL, "blob %s ends after %llu of %llu bytes", b->hex,
		    (unsigned long long)b->done, (unsigned long long)b->size);
	b->done += *got;
	return 0;
}

const char *
blobread_how(const struct blobread *b)
{
	static const char *const names[] = { "loose", "pack", "whole" };

	return names[b->kind];
}

void
blobread_free(struct blobread *b)
{
	if (b == NULL)
		return;
	if (b->stream != NULL)
		git_odb_stream_free(b->stream);
	git_odb_object_free(b->obj);
	if (b->z_open)
		inflateEnd(&b->z);
	if (b->fd >= 0)
		close(b->fd);
	free(b->in);
	git_odb_free(b->odb);
	free(b);
}
