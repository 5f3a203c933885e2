/*
 * msg_decode — a bounded, schema-driven msgpack reader for frame payloads.
 *
 * msgpack-c's unpacker is not used on untrusted input: it allocates
 * memory for every array or map from the count in its header, before the
 * elements exist (a 5-byte "array of 2^32-1 elements" asks its zone for
 * ~96 GiB), and a payload may nest arrays until its fixed stack runs out.
 * This reader instead walks the payload once, guided by the message's
 * field table (msg_schema.h):
 *   - nesting depth is fixed by the schema (at most 3 levels: body map,
 *     nested map or item array, item), never by the input;
 *   - an array or map count is accepted only if that many elements of the
 *     smallest valid encoding fit in the bytes left, so what is allocated
 *     for the decoded message is bounded by a small multiple of the
 *     payload length (which the frame layer already capped);
 *   - every value's msgpack type is checked against the field's kind;
 *     unknown keys, duplicate keys, missing required fields, strings with
 *     a NUL byte and trailing bytes are errors.
 * Strings are copied (NUL-terminated); blob data points into the payload.
 */
#include "proto/msg.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/msg_schema.h"
#include "shared/err.h"
#include "shared/util.h"

#define AT(m, off, T) ((T *)(void *)((char *)(m) + (off)))

/* Smallest valid wire size of one element, for the count bound. */
#define MIN_ENTRY 25    /* [path, mode, oid, binary, transform] */
#define MIN_BLOB 25     /* [oid, data] */
#define MIN_OID 22      /* bin8 header + 20 bytes */
#define MIN_FILE 8      /* [path, "added"] */

static const char TRUNC[] = "truncated";

/*
 * What a decoded message may allocate: MSG_DECODE_RATIO bytes per payload
 * byte plus MSG_DECODE_SLACK, each allocation counted with
 * MSG_ALLOC_OVERHEAD bytes for the allocator's own bookkeeping. Real
 * messages stay far below (a manifest entry decodes to ~3x its wire size);
 * without this, a payload of many 1-byte strings would cost ~40x.
 */
#define MSG_DECODE_RATIO 8
#define MSG_DECODE_SLACK (64 * 1024)
#define MSG_ALLOC_OVERHEAD 32

struct dec {
	const unsigned char *p;
	const unsigned char *end;
	size_t budget;  /* bytes the decoded message may still allocate */
	char why[96];   /* scratch for messages with numbers in them */
};

static const char BUDGET[] = "decoded message exceeds its memory budget";

/* Account for an allocation of n elements of size bytes before making it. */
static const char *
dec_charge(struct dec *d, size_t n, size_t size)
{
	size_t cost = n * size + MSG_ALLOC_OVERHEAD;

	if (cost > d->budget)
		return BUDGET;
	d->budget -= cost;
	return NULL;
}

static size_t
dec_left(const struct dec *d)
{
	return (size_t)(d->end - d->p);
}

static uint64_t
be(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * The low-level readers return NULL on success or a description of the
 * defect ("expected string", "truncated", ...); the caller names the field.
 */
static const char *
rd_len(struct dec *d, size_t hdr, size_t nbytes, uint64_t *len)
{
	if (dec_left(d) < hdr)
		return TRUNC;
	*len = nbytes ? be(d->p + 1, nbytes) : 0;
	d->p += hdr;
	return NULL;
}

static const char *
rd_str(struct dec *d, const char **s, size_t *n)
{
	const char *why;
	uint64_t len;
	unsigned c;

	if (d->p >= d->end)
		return TRUNC;
	c = *d->p;
	if ((c & 0xe0) == 0xa0) {
		len = c & 0x1f;
		d->p++;
	} else if (c == 0xd9 || c == 0xda || c == 0xdb) {
		size_t nb = c == 0xd9 ? 1 : c == 0xda ? 2 : 4;

		if ((why = rd_len(d, 1 + nb, nb, &len)) != NULL)
			return why;
	} else {
		return "expected string";
	}
	if (len > dec_left(d))
		return TRUNC;
	*s = (const char *)d->p;
	*n = (size_t)len;
	d->p += len;
	return NULL;
}

static const char *
rd_cstr(struct dec *d, char **out)
{
	const char *s, *why;
	size_t n;

	if ((why = rd_str(d, &s, &n)) != NULL)
		return why;
	if (memchr(s, '\0', n) != NULL)
		return "string contains a NUL byte";
	if ((why = dec_charge(d, n + 1, 1)) != NULL)
		return why;
	*out = xstrndup(s, n);
	return NULL;
}

static const char *
rd_bin(struct dec *d, const unsigned char **data, size_t *n)
{
	const char *why;
	uint64_t len;
	unsigned c;
	size_t nb;

	if (d->p >= d->end)
		return TRUNC;
	c = *d->p;
	if (c != 0xc4 && c != 0xc5 && c != 0xc6)
		return "expected binary";
	nb = c == 0xc4 ? 1 : c == 0xc5 ? 2 : 4;
	if ((why = rd_len(d, 1 + nb, nb, &len)) != NULL)
		return why;
	if (len > dec_left(d))
		return TRUNC;
	*data = d->p;
	*n = (size_t)len;
	d->p += len;
	return NULL;
}

static const char *
rd_oid(struct dec *d, char hex[41])
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *raw;
	const char *why;
	size_t n, i;

	if ((why = rd_bin(d, &raw, &n)) != NULL)
		return why == TRUNC ? why : "expected 20-byte binary oid";
	if (n != MSG_OID_RAW)
		return "expected 20-byte binary oid";
	for (i = 0; i < MSG_OID_RAW; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[40] = '\0';
	return NULL;
}

/*
 * An array or map header whose count must be plausible: count * min bytes
 * must fit in what is left of the payload.
 */
static const char *
rd_count(struct dec *d, int map, size_t min, size_t *n)
{
	const char *why;
	uint64_t cnt;
	unsigned c;

	if (d->p >= d->end)
		return TRUNC;
	c = *d->p;
	if (!map && (c & 0xf0) == 0x90) {
		cnt = c & 0x0f;
		d->p++;
	} else if (map && (c & 0xf0) == 0x80) {
		cnt = c & 0x0f;
		d->p++;
	} else if ((!map && (c == 0xdc || c == 0xdd)) ||
	    (map && (c == 0xde || c == 0xdf))) {
		size_t nb = (c == 0xdc || c == 0xde) ? 2 : 4;

		if ((why = rd_len(d, 1 + nb, nb, &cnt)) != NULL)
			return why;
	} else {
		return map ? "expected map" : "expected array";
	}
	if (cnt > dec_left(d) / min) {
		snprintf(d->why, sizeof(d->why),
		    "%llu %s exceed the payload", (unsigned long long)cnt,
		    map ? "entries" : "elements");
		return d->why;
	}
	*n = (size_t)cnt;
	return NULL;
}

static const char *
rd_uint(struct dec *d, uint64_t *v)
{
	const char *why;
	uint64_t u;
	unsigned c;
	size_t nb;

	if (d->p >= d->end)
		return TRUNC;
	c = *d->p;
	if (c <= 0x7f) {
		*v = c;
		d->p++;
		return NULL;
	}
	if (c >= 0xcc && c <= 0xcf) {
		nb = (size_t)1 << (c - 0xcc);
		if ((why = rd_len(d, 1 + nb, nb, v)) != NULL)
			return why;
		return NULL;
	}
	if (c >= 0xd0 && c <= 0xd3) {
		/* Signed encodings of non-negative numbers are accepted. */
		nb = (size_t)1 << (c - 0xd0);
		if (dec_left(d) < 1 + nb)
			return TRUNC;
		if (d->p[1] & 0x80)
			return "expected unsigned integer";
		if ((why = rd_len(d, 1 + nb, nb, &u)) != NULL)
			return why;
		*v = u;
		return NULL;
	}
	return "expected unsigned integer";
}

static const char *
rd_int(struct dec *d, int64_t *v)
{
	const char *why;
	uint64_t u;
	unsigned c;
	size_t nb;

	if (d->p >= d->end)
		return TRUNC;
	c = *d->p;
	if (c >= 0xe0) {
		*v = (int64_t)(int8_t)c;
		d->p++;
		return NULL;
	}
	if (c >= 0xd0 && c <= 0xd3) {
		nb = (size_t)1 << (c - 0xd0);
		if ((why = rd_len(d, 1 + nb, nb, &u)) != NULL)
			return why;
		/* Sign-extend from nb bytes. */
		if (nb < 8 && (u >> (nb * 8 - 1)) & 1)
			u |= ~(uint64_t)0 << (nb * 8);
		*v = (int64_t)u;
		return NULL;
	}
	if ((why = rd_uint(d, &u)) != NULL)
		return why == TRUNC ? why : "expected integer";
	if (u > INT64_MAX)
		return "out of range";
	*v = (int64_t)u;
	return NULL;
}

static const char *
rd_bool(struct dec *d, bool *v)
{
	if (d->p >= d->end)
		return TRUNC;
	if (*d->p != 0xc2 && *d->p != 0xc3)
		return "expected boolean";
	*v = *d->p == 0xc3;
	d->p++;
	return NULL;
}

/* One of a fixed set of strings; its index in *v. */
static const char *
rd_enum(struct dec *d, const char *const *names, size_t n, const char *want,
    int *v)
{
	const char *s, *why;
	size_t len, i;

	if ((why = rd_str(d, &s, &len)) != NULL)
		return why;
	for (i = 0; i < n; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
			*v = (int)i;
			return NULL;
		}
	}
	return want;
}

/* err_set "protocol error: PREFIX.KEY[IDX].SUB: WHY"; parts optional. */
static int
fail(const char *prefix, const char *key, size_t idx, const char *sub,
    const char *why)
{
	char path[160];

	if (key == NULL)
		snprintf(path, sizeof(path), "%s", prefix);
	else if (idx == SIZE_MAX)
		snprintf(path, sizeof(path), "%s.%s", prefix, key);
	else if (sub == NULL)
		snprintf(path, sizeof(path), "%s.%s[%zu]", prefix, key, idx);
	else
		snprintf(path, sizeof(path), "%s.%s[%zu].%s", prefix, key, idx,
		    sub);
	return err_set(ERR_PROTO, "protocol error: %s: %s", path, why);
}

/* An unknown key, quoted with unprintable bytes replaced and cut short. */
static int
fail_key(const char *prefix, const char *key, size_t n)
{
	char show[40];
	size_t i, k = n < 32 ? n : 32;

	for (i = 0; i < k; i++)
		show[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?';
	show[k] = '\0';
	return err_set(ERR_PROTO, "protocol error: %s: unknown key '%s%s'",
	    prefix, show, n > k ? "..." : "");
}

static const char *const mode_names[] = { "sync", "run" };

/*
 * The header of an array (or, with map, map) field: a count that n items
 * of at least min bytes each make plausible, charged to the budget and
 * allocated zeroed into the message's pointer at f->off (NULL when empty).
 */
static int
dec_array(size_t *n, struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix, int map, size_t min, size_t size)
{
	const char *why;
	void *items;

	if ((why = rd_count(d, map, min, n)) != NULL)
		return fail(prefix, f->key, SIZE_MAX, NULL, why);
	if (*n && (why = dec_charge(d, *n, size)) != NULL)
		return fail(prefix, f->key, SIZE_MAX, NULL, why);
	items = *n ? xcalloc(*n, size) : NULL;
	memcpy((char *)m + f->off, &items, sizeof(items));
	return 0;
}

/* Item i of an array field, itself an array of exactly k elements. */
static int
dec_item(struct dec *d, const struct msg_field *f, const char *prefix,
    size_t i, size_t k)
{
	const char *why;
	size_t got;

	if ((why = rd_count(d, 0, 1, &got)) != NULL)
		return fail(prefix, f->key, i, NULL, why);
	if (got != k) {
		snprintf(d->why, sizeof(d->why),
		    "expected array of %zu elements", k);
		return fail(prefix, f->key, i, NULL, d->why);
	}
	return 0;
}

static int
dec_entries(struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix)
{
	struct msg_manifest_entry **pe = AT(m, f->off, struct msg_manifest_entry *);
	size_t *pn = AT(m, f->off2, size_t);
	const char *why;
	size_t n, i;
	int rc;

	if ((rc = dec_array(&n, d, m, f, prefix, 0, MIN_ENTRY,
	    sizeof(**pe))) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct msg_manifest_entry *e = &(*pe)[i];
		uint64_t mode;

		if ((rc = dec_item(d, f, prefix, i, 5)) < 0)
			return rc;
		(*pn)++;
		if ((why = rd_cstr(d, &e->path)) != NULL)
			return fail(prefix, f->key, i, "path", why);
		if ((why = rd_uint(d, &mode)) != NULL)
			return fail(prefix, f->key, i, "mode", why);
		if (mode != 0100644 && mode != 0100755 && mode != 0120000)
			return fail(prefix, f->key, i, "mode",
			    "expected 0100644, 0100755 or 0120000");
		e->mode = (uint32_t)mode;
		if ((why = rd_oid(d, e->oid)) != NULL)
			return fail(prefix, f->key, i, "oid", why);
		if ((why = rd_bool(d, &e->binary)) != NULL)
			return fail(prefix, f->key, i, "binary", why);
		if ((why = rd_bool(d, &e->transform)) != NULL)
			return fail(prefix, f->key, i, "transform", why);
	}
	return 0;
}

static int
dec_blobs(struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix)
{
	struct msg_blob **pb = AT(m, f->off, struct msg_blob *);
	size_t *pn = AT(m, f->off2, size_t);
	const char *why;
	size_t n, i;
	int rc;

	if ((rc = dec_array(&n, d, m, f, prefix, 0, MIN_BLOB,
	    sizeof(**pb))) < 0)
		return rc;
	*pn = n;
	for (i = 0; i < n; i++) {
		struct msg_blob *b = &(*pb)[i];

		if ((rc = dec_item(d, f, prefix, i, 2)) < 0)
			return rc;
		if ((why = rd_oid(d, b->oid)) != NULL)
			return fail(prefix, f->key, i, "oid", why);
		if ((why = rd_bin(d, &b->data, &b->len)) != NULL)
			return fail(prefix, f->key, i, "data", why);
	}
	return 0;
}

static int
dec_oids(struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix)
{
	char (**poids)[41] = (char (**)[41])(void *)((char *)m + f->off);
	size_t *pn = AT(m, f->off2, size_t);
	const char *why;
	size_t n, i;
	int rc;

	if ((rc = dec_array(&n, d, m, f, prefix, 0, MIN_OID,
	    sizeof(**poids))) < 0)
		return rc;
	*pn = n;
	for (i = 0; i < n; i++)
		if ((why = rd_oid(d, (*poids)[i])) != NULL)
			return fail(prefix, f->key, i, NULL, why);
	return 0;
}

static int
dec_files(struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix)
{
	struct msg_file **pf = AT(m, f->off, struct msg_file *);
	size_t *pn = AT(m, f->off2, size_t);
	const char *why;
	size_t n, i;
	int rc;

	if ((rc = dec_array(&n, d, m, f, prefix, 0, MIN_FILE,
	    sizeof(**pf))) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct msg_file *fi = &(*pf)[i];

		if ((rc = dec_item(d, f, prefix, i, 2)) < 0)
			return rc;
		(*pn)++;
		if ((why = rd_cstr(d, &fi->path)) != NULL)
			return fail(prefix, f->key, i, "path", why);
		if ((why = rd_enum(d, msg_status_names,
		    ARRAY_SIZE(msg_status_names),
		    "expected added, modified, unchanged, deleted or skipped",
		    &fi->status)) != NULL)
			return fail(prefix, f->key, i, "status", why);
	}
	return 0;
}

static int
dec_strv(struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix)
{
	struct strv *v = AT(m, f->off, struct strv);
	const char *why;
	size_t n, i;
	int rc;

	_Static_assert(offsetof(struct strv, v) == 0,
	    "dec_array stores the item pointer at f->off");
	if ((rc = dec_array(&n, d, m, f, prefix, 0, 1, sizeof(*v->v))) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((why = rd_cstr(d, &v->v[i])) != NULL)
			return fail(prefix, f->key, i, NULL, why);
		v->n++;
	}
	return 0;
}

static int
dec_kv(struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix)
{
	struct msg_kv **pkv = AT(m, f->off, struct msg_kv *);
	size_t *pn = AT(m, f->off2, size_t);
	const char *why;
	size_t n, i;
	int rc;

	if ((rc = dec_array(&n, d, m, f, prefix, 1, 2, sizeof(**pkv))) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct msg_kv *kv = &(*pkv)[i];

		(*pn)++;
		if ((why = rd_cstr(d, &kv->key)) != NULL)
			return fail(prefix, f->key, i, "key", why);
		if ((why = rd_cstr(d, &kv->value)) != NULL)
			return fail(prefix, f->key, i, "value", why);
	}
	return 0;
}

static int dec_map(struct dec *d, struct msg *m, const struct msg_schema *s,
    const char *prefix);

static int
dec_value(struct dec *d, struct msg *m, const struct msg_field *f,
    const char *prefix)
{
	const char *why = NULL;
	uint64_t u;
	char sub[96];

	switch (f->kind) {
	case MK_STR:
	case MK_OPTSTR:
	case MK_SECRET:
		why = rd_cstr(d, AT(m, f->off, char *));
		break;
	case MK_U64:
		why = rd_uint(d, AT(m, f->off, uint64_t));
		break;
	case MK_U32:
		if ((why = rd_uint(d, &u)) == NULL && u > UINT32_MAX)
			why = "out of range";
		if (why == NULL)
			*AT(m, f->off, uint32_t) = (uint32_t)u;
		break;
	case MK_I64:
		why = rd_int(d, AT(m, f->off, int64_t));
		break;
	case MK_BOOL:
		why = rd_bool(d, AT(m, f->off, bool));
		break;
	case MK_MODE: {
		int v;

		why = rd_enum(d, mode_names, ARRAY_SIZE(mode_names),
		    "expected sync or run", &v);
		if (why == NULL)
			*AT(m, f->off, enum msg_job_mode) = (enum msg_job_mode)v;
		break;
	}
	case MK_LEVEL:
		why = rd_enum(d, msg_level_names, ARRAY_SIZE(msg_level_names),
		    "expected error, warn, info, debug or trace",
		    AT(m, f->off, int));
		break;
	case MK_STRV:
		return dec_strv(d, m, f, prefix);
	case MK_KV:
		return dec_kv(d, m, f, prefix);
	case MK_MAP:
		snprintf(sub, sizeof(sub), "%s.%s", prefix, f->key);
		return dec_map(d, m, f->sub, sub);
	case MK_ENTRIES:
		return dec_entries(d, m, f, prefix);
	case MK_BLOBS:
		return dec_blobs(d, m, f, prefix);
	case MK_OIDS:
		return dec_oids(d, m, f, prefix);
	case MK_FILES:
		return dec_files(d, m, f, prefix);
	case MK_OID:
		why = rd_oid(d, AT(m, f->off, char));
		break;
	case MK_BIN:
		why = rd_bin(d, AT(m, f->off, const unsigned char *), AT(m, f->off2, size_t));
		break;
	default:
		BUG("msg_decode: field kind %d", f->kind);
	}
	if (why != NULL)
		return fail(prefix, f->key, SIZE_MAX, NULL, why);
	return 0;
}

static int
dec_map(struct dec *d, struct msg *m, const struct msg_schema *s,
    const char *prefix)
{
	uint64_t seen = 0;
	const char *why, *key;
	size_t n, i, j, klen;
	int rc;

	if (s->n > 64)
		BUG("msg schema %s has more than 64 fields", s->name);
	if ((why = rd_count(d, 1, 2, &n)) != NULL)
		return fail(prefix, NULL, SIZE_MAX, NULL, why);
	for (i = 0; i < n; i++) {
		const struct msg_field *f = NULL;

		if ((why = rd_str(d, &key, &klen)) != NULL)
			return fail(prefix, NULL, SIZE_MAX, NULL,
			    why == TRUNC ? why : "expected string key");
		for (j = 0; j < s->n; j++) {
			if (strlen(s->f[j].key) == klen &&
			    memcmp(s->f[j].key, key, klen) == 0) {
				f = &s->f[j];
				break;
			}
		}
		if (f == NULL)
			return fail_key(prefix, key, klen);
		if (seen & (UINT64_C(1) << j))
			return fail(prefix, f->key, SIZE_MAX, NULL,
			    "duplicate key");
		seen |= UINT64_C(1) << j;
		if ((rc = dec_value(d, m, f, prefix)) < 0)
			return rc;
	}
	for (j = 0; j < s->n; j++)
		if (!s->f[j].opt && !(seen & (UINT64_C(1) << j)))
			return fail(prefix, s->f[j].key, SIZE_MAX, NULL,
			    "missing required field");
	return 0;
}

/* Rules across fields, after the body is read. */
static int
dec_check(const struct msg *m, const struct msg_schema *s)
{
	const struct msg_blob_chunk *c = &m->u.chunk;

	if (m->type != MSG_BLOB_CHUNK)
		return 0;
	if (c->offset > c->total || c->len > c->total - c->offset)
		return err_set(ERR_PROTO,
		    "protocol error: %s: offset %llu + length %zu exceeds total %llu",
		    s->name, (unsigned long long)c->offset, c->len,
		    (unsigned long long)c->total);
	if (c->last != (c->offset + c->len == c->total))
		return fail(s->name, "last", SIZE_MAX, NULL, c->last ?
		    "set on a chunk that does not end the blob" :
		    "not set on the chunk that ends the blob");
	return 0;
}

int
msg_decode(struct msg *m, const void *payload, size_t len)
{
	const struct msg_schema *s;
	struct dec d;
	const char *why;
	uint64_t type;
	size_t n;
	int rc;

	msg_init(m, 0);
	d.p = payload;
	d.end = d.p + len;
	d.budget = len > (SIZE_MAX - MSG_DECODE_SLACK) / MSG_DECODE_RATIO ?
	    SIZE_MAX : len * MSG_DECODE_RATIO + MSG_DECODE_SLACK;
	if (len == 0)
		return err_set(ERR_PROTO, "protocol error: empty payload");
	if ((why = rd_count(&d, 0, 1, &n)) != NULL)
		return fail("payload", NULL, SIZE_MAX, NULL, why);
	if (n != 3) {
		snprintf(d.why, sizeof(d.why),
		    "expected [type, id, body], got %zu elements", n);
		return fail("payload", NULL, SIZE_MAX, NULL, d.why);
	}
	if ((why = rd_uint(&d, &type)) != NULL)
		return fail("payload", "type", SIZE_MAX, NULL, why);
	if ((s = msg_schema_find(type > INT32_MAX ? 0 : (int)type)) == NULL)
		return err_set(ERR_PROTO, "protocol error: unknown message type %llu",
		    (unsigned long long)type);
	m->type = (int)type;
	if ((why = rd_uint(&d, &m->id)) != NULL) {
		rc = fail(s->name, "id", SIZE_MAX, NULL, why);
		goto fail;
	}
	if ((rc = dec_map(&d, m, s, s->name)) < 0)
		goto fail;
	if ((rc = dec_check(m, s)) < 0)
		goto fail;
	if (d.p != d.end) {
		snprintf(d.why, sizeof(d.why), "%zu trailing bytes",
		    dec_left(&d));
		rc = fail(s->name, NULL, SIZE_MAX, NULL, d.why);
		goto fail;
	}
	return 0;
fail:
	msg_release(m);
	return rc;
}
