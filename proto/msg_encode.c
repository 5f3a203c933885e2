/*
 * msg_encode — struct msg to a msgpack payload, with msgpack-c's packer
 * writing straight into a struct buf (no intermediate buffer).
 *
 * What is written is exactly what msg_decode accepts: every required field
 * (a NULL required string is written as ""), optional strings only when
 * set. Values the struct cannot hold on the wire (an oid that is not 40 hex
 * digits, an unknown status, level or mode) are programmer errors: BUG().
 */
#include "proto/msg.h"

#include <msgpack.h>
#include <string.h>

#include "proto/msg_schema.h"
#include "shared/util.h"

#define AT(m, off, T) ((const T *)(const void *)((const char *)(m) + (off)))

static int
enc_write(void *data, const char *p, size_t n)
{
	buf_add(data, p, n);
	return 0;
}

static void
enc_str(msgpack_packer *pk, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s ? s : "", n);
}

/* Hex digit value + 1; 0 for anything else. */
static const signed char hexval[256] = {
	['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1,
	['4'] = 4 + 1, ['5'] = 5 + 1, ['6'] = 6 + 1, ['7'] = 7 + 1,
	['8'] = 8 + 1, ['9'] = 9 + 1,
	['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1,
	['e'] = 14 + 1, ['f'] = 15 + 1,
	['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1,
	['E'] = 14 + 1, ['F'] = 15 + 1,
};

static void
enc_oid(msgpack_packer *pk, const char *hex)
{
	unsigned char raw[MSG_OID_RAW];
	size_t i;

	/* Table values are digit + 1, so 0 marks a non-digit (NUL included). */
	for (i = 0; i < MSG_OID_RAW; i++) {
		int hi = hexval[(unsigned char)hex[2 * i]];
		int lo = hi ? hexval[(unsigned char)hex[2 * i + 1]] : 0;

		if (!hi || !lo)
			BUG("msg_encode: oid '%.40s' is not 40 hex digits", hex);
		raw[i] = (unsigned char)((hi - 1) << 4 | (lo - 1));
	}
	if (hex[2 * MSG_OID_RAW] != '\0')
		BUG("msg_encode: oid '%.41s' is longer than 40 hex digits", hex);
	msgpack_pack_bin(pk, sizeof(raw));
	msgpack_pack_bin_body(pk, raw, sizeof(raw));
}

static void
enc_name(msgpack_packer *pk, const char *const *names, size_t n, int v,
    const char *what)
{
	if (v < 0 || (size_t)v >= n)
		BUG("msg_encode: %s %d out of range", what, v);
	enc_str(pk, names[v]);
}

static int
field_present(const struct msg *m, const struct msg_field *f)
{
	return !(f->kind == MK_OPTSTR && *AT(m, f->off, char *) == NULL);
}

static void enc_map(msgpack_packer *pk, const struct msg *m,
    const struct msg_schema *s);

static void
enc_value(msgpack_packer *pk, const struct msg *m, const struct msg_field *f)
{
	static const char *const modes[] = { "sync", "run" };
	size_t i, n;

	switch (f->kind) {
	case MK_STR:
	case MK_OPTSTR:
	case MK_SECRET:
		enc_str(pk, *AT(m, f->off, char *));
		break;
	case MK_U64:
		msgpack_pack_uint64(pk, *AT(m, f->off, uint64_t));
		break;
	case MK_U32:
		msgpack_pack_uint32(pk, *AT(m, f->off, uint32_t));
		break;
	case MK_I64:
		msgpack_pack_int64(pk, *AT(m, f->off, int64_t));
		break;
	case MK_BOOL:
		if (*AT(m, f->off, bool))
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case MK_MODE:
		enc_name(pk, modes, ARRAY_SIZE(modes),
		    (int)*AT(m, f->off, enum msg_job_mode), "job mode");
		break;
	case MK_LEVEL:
		enc_name(pk, msg_level_names, ARRAY_SIZE(msg_level_names),
		    *AT(m, f->off, int), "log level");
		break;
	case MK_STRV: {
		const struct strv *v = AT(m, f->off, struct strv);

		msgpack_pack_array(pk, v->n);
		for (i = 0; i < v->n; i++)
			enc_str(pk, v->v[i]);
		break;
	}
	case MK_KV: {
		const struct msg_kv *kv = *AT(m, f->off, struct msg_kv *);

		n = *AT(m, f->off2, size_t);
		msgpack_pack_map(pk, n);
		for (i = 0; i < n; i++) {
			enc_str(pk, kv[i].key);
			enc_str(pk, kv[i].value);
		}
		break;
	}
	case MK_MAP:
		enc_map(pk, m, f->sub);
		break;
	case MK_ENTRIES: {
		const struct msg_manifest_entry *e =
		    *AT(m, f->off, struct msg_manifest_entry *);

		n = *AT(m, f->off2, size_t);
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++) {
			msgpack_pack_array(pk, 5);
			enc_str(pk, e[i].path);
			msgpack_pack_uint32(pk, e[i].mode);
			enc_oid(pk, e[i].oid);
			if (e[i].binary)
				msgpack_pack_true(pk);
			else
				msgpack_pack_false(pk);
			if (e[i].transform)
				msgpack_pack_true(pk);
			else
				msgpack_pack_false(pk);
		}
		break;
	}
	case MK_BLOBS: {
		const struct msg_blob *b = *AT(m, f->off, struct msg_blob *);

		n = *AT(m, f->off2, size_t);
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++) {
			msgpack_pack_array(pk, 2);
			enc_oid(pk, b[i].oid);
			msgpack_pack_bin(pk, b[i].len);
			if (b[i].len)
				msgpack_pack_bin_body(pk, b[i].data, b[i].len);
		}
		break;
	}
	case MK_OIDS: {
		char (*oids)[41];

		memcpy(&oids, (const char *)m + f->off, sizeof(oids));
		n = *AT(m, f->off2, size_t);
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++)
			enc_oid(pk, oids[i]);
		break;
	}
	case MK_OID:
		enc_oid(pk, AT(m, f->off, char));
		break;
	case MK_BIN: {
		const unsigned char *data = *AT(m, f->off, unsigned char *);

		n = *AT(m, f->off2, size_t);
		msgpack_pack_bin(pk, n);
		if (n)
			msgpack_pack_bin_body(pk, data, n);
		break;
	}
	case MK_FILES: {
		const struct msg_file *fi = *AT(m, f->off, struct msg_file *);

		n = *AT(m, f->off2, size_t);
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++) {
			msgpack_pack_array(pk, 2);
			enc_str(pk, fi[i].path);
			enc_name(pk, msg_status_names,
			    ARRAY_SIZE(msg_status_names), fi[i].status,
			    "file status");
		}
		break;
	}
	default:
		BUG("msg_encode: field kind %d", f->kind);
	}
}

static void
enc_map(msgpack_packer *pk, const struct msg *m, const struct msg_schema *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += field_present(m, &s->f[i]);
	msgpack_pack_map(pk, n);
	for (i = 0; i < s->n; i++) {
		if (!field_present(m, &s->f[i]))
			continue;
		enc_str(pk, s->f[i].key);
		enc_value(pk, m, &s->f[i]);
	}
}

void
msg_encode(struct buf *out, const struct msg *m)
{
	const struct msg_schema *s = msg_schema_find(m->type);
	msgpack_packer pk;

	if (s == NULL)
		BUG("msg_encode: unknown message type %d", m->type);
	msgpack_packer_init(&pk, out, enc_write);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_uint32(&pk, (uint32_t)m->type);
	msgpack_pack_uint64(&pk, m->id);
	enc_map(&pk, m, s);
}
