/*
 * msg_schema — the field tables shared by msg.c, msg_encode.c and
 * msg_decode.c (internal to proto/; nothing outside proto/ includes it).
 *
 * Every message body is described by one table of fields: the wire key,
 * how the value is encoded, whether it may be absent, and where it lives
 * in struct msg (offsets from the start of struct msg). Nested maps (the
 * JOB's author, transforms and limits) have their own tables over the
 * same struct. Encoding, decoding and release all walk these tables, so a
 * field is described in exactly one place.
 */
#ifndef REPOCAST_MSG_SCHEMA_H
#define REPOCAST_MSG_SCHEMA_H

#include <stddef.h>

#include "proto/msg.h"

enum msg_kind {
	MK_STR,       /* char *, required; NULL is sent as "" */
	MK_OPTSTR,    /* char *, absent when NULL */
	MK_SECRET,    /* char *, required, wiped on release */
	MK_U64,       /* uint64_t */
	MK_U32,       /* uint32_t */
	MK_I64,       /* int64_t */
	MK_BOOL,      /* bool */
	MK_MODE,      /* enum msg_job_mode, "sync" / "run" */
	MK_LEVEL,     /* int log level, "error" .. "trace" */
	MK_STRV,      /* struct strv: array of strings */
	MK_KV,        /* struct msg_kv * at off, size_t count at off2: map */
	MK_MAP,       /* nested map, fields in sub */
	MK_ENTRIES,   /* manifest entries: array of [path, mode, oid, binary, transform] */
	MK_BLOBS,     /* blob items: array of [oid, data] */
	MK_OIDS,      /* want oids: array of 20-byte binaries */
	MK_FILES,     /* file items: array of [path, status] */
	MK_OID,       /* char[41] hex at off: one 20-byte binary */
	MK_BIN,       /* const unsigned char * at off, size_t length at off2:
	               * binary, borrowed from the payload */
};

struct msg_schema;

struct msg_field {
	const char *key;
	unsigned char kind;
	unsigned char opt;           /* may be absent */
	size_t off;                  /* offset in struct msg */
	size_t off2;                 /* MK_KV and arrays: offset of the count */
	const struct msg_schema *sub; /* MK_MAP */
};

struct msg_schema {
	const char *name;            /* "job", "author", ... */
	const struct msg_field *f;
	size_t n;
};

/* The body table of a message type; NULL for an unknown type. */
const struct msg_schema *msg_schema_find(int type);
/* Names used on the wire. */
extern const char *const msg_level_names[5];
extern const char *const msg_status_names[5];

#define MSG_OID_RAW 20

#endif
