/* The RSP message codec: every message of SGP.22 and SGP.32 is a C struct
 * described by a static table (struct rsp_type) written field by field from
 * the ASN.1 reference, and one engine encodes, decodes and prints them all.
 *
 * Tagging follows X.680 under AUTOMATIC TAGS: a context tag on a CHOICE or
 * an open type is explicit (it wraps the alternative), on anything else it
 * is implicit (it replaces the type's own tag). Tables give wire tags exactly
 * as the specs quote them ('A0', '5A', 'BF51').
 *
 * Ownership: decoded values point into the input buffer (zero copy) and into
 * the arena (lists, and certificates whose tag had to be restored); both must
 * outlive the decoded struct. Nothing else is allocated. */
#ifndef IOT_RSP_CODEC_H
#define IOT_RSP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "der/der.h"

/* OCTET STRING, UTF8String, OBJECT IDENTIFIER (content octets), or a whole
 * TLV (Certificate, SubjectPublicKeyInfo, open types). */
struct rsp_bytes {
	const uint8_t *ptr;
	size_t len;
};

#define RSP_BYTES(p, n) ((struct rsp_bytes){ (const uint8_t *)(p), (n) })
#define RSP_STR(s) ((struct rsp_bytes){ (const uint8_t *)(s), sizeof(s) - 1 })

/* SEQUENCE OF T: declared per element type so items is typed. */
#define RSP_LIST(T) struct { T *items; size_t count; }

/* Memory for decoded lists. Fixed: backed by the caller's buffer, never
 * allocates. Dynamic: grows in malloc'd chunks, released by rsp_arena_free. */
struct rsp_arena_chunk;
struct rsp_arena {
	uint8_t *buf;
	size_t cap;
	size_t used;
	struct rsp_arena_chunk *chunks;
	bool dynamic;
};

void rsp_arena_fixed(struct rsp_arena *a, void *buf, size_t cap);
void rsp_arena_dynamic(struct rsp_arena *a);
void rsp_arena_free(struct rsp_arena *a);
void *rsp_arena_alloc(struct rsp_arena *a, size_t size);

enum rsp_kind {
	RSP_BOOL,       /* bool */
	RSP_INT,        /* int64_t */
	RSP_NULL,       /* no storage: presence (has_ flag) or CHOICE selector */
	RSP_OCTETS,     /* struct rsp_bytes */
	RSP_UTF8,       /* struct rsp_bytes, validated UTF-8 */
	RSP_OID,        /* struct rsp_bytes, content octets */
	RSP_BITS,       /* uint64_t, named bit n is (1 << n) */
	RSP_RAW,        /* struct rsp_bytes holding the whole TLV as its own type */
	RSP_SEQ,        /* struct */
	RSP_SEQOF,      /* RSP_LIST(elem) */
	RSP_CHOICE,     /* struct { int choice; union {...} u; } */
};

enum rsp_field_flags {
	RSP_OPTIONAL = 1,
	RSP_DEFAULT = 2,
};

struct rsp_field;

struct rsp_type {
	const char *name;               /* the ASN.1 type name */
	enum rsp_kind kind;
	uint32_t tag;                   /* own tag; 0 for untagged CHOICE / open type */
	size_t size;                    /* sizeof the C value */
	size_t min, max;                /* SIZE constraint; max 0 = none */
	const struct rsp_field *fields; /* SEQ and CHOICE */
	unsigned nfields;
	const struct rsp_type *elem;    /* SEQOF */
	uint32_t elem_tag;              /* SEQOF: tag of each element, 0 = its own */
	size_t choice_offset;           /* CHOICE: offset of the int selector */
	size_t der_offset;              /* SEQ: 1 + offset of a struct rsp_bytes der, or 0 */
};

struct rsp_field {
	const char *name;
	uint32_t tag;                   /* wire tag, 0 = the type's own */
	unsigned flags;
	const struct rsp_type *type;
	size_t offset;
	size_t present;                 /* OPTIONAL: offset of the bool has_ flag */
	int64_t def;                    /* DEFAULT value (BOOLEAN, INTEGER) */
};

/* Decodes exactly one value of type t filling buf. *out (t->size bytes) is
 * cleared first. A SEQUENCE type with a der member gets the exact bytes it
 * was decoded from, for signature checks. */
iot_err rsp_decode(const struct rsp_type *t, const uint8_t *buf, size_t len,
		   void *out, struct rsp_arena *arena);
/* Decodes the first value of type t at the start of buf; *used is set to
 * its length. */
iot_err rsp_decode_prefix(const struct rsp_type *t, const uint8_t *buf, size_t len,
			  void *out, struct rsp_arena *arena, size_t *used);
/* Appends the DER encoding of *in. A SEQUENCE whose der member is set is
 * written as those exact bytes (relaying signed data unchanged); clear it
 * to encode from the fields. */
iot_err rsp_encode(const struct rsp_type *t, const void *in, struct der_writer *w);
/* Encodes into a malloc'd buffer the caller frees. */
iot_err rsp_encode_alloc(const struct rsp_type *t, const void *in,
			 uint8_t **out, size_t *out_len);
/* Prints *in as an indented tree with field names, for tools and logs. */
void rsp_print(FILE *f, const struct rsp_type *t, const void *in);

/* Primitive types shared by the message tables. */
extern const struct rsp_type rsp_t_boolean, rsp_t_integer, rsp_t_null,
	rsp_t_octets, rsp_t_utf8, rsp_t_oid, rsp_t_bits, rsp_t_any,
	rsp_t_certificate, rsp_t_spki, rsp_t_certificate_list, rsp_t_empty;

/* Table-writing helpers, used by the message modules. S is the C struct of
 * the table being written. */
#define RSP_F(m, tg, ty) { #m, tg, 0, &(ty), offsetof(S, m), 0, 0 }
#define RSP_O(m, tg, ty) { #m, tg, RSP_OPTIONAL, &(ty), offsetof(S, m), offsetof(S, has_##m), 0 }
#define RSP_N(m, tg) { #m, tg, RSP_OPTIONAL, &rsp_t_null, 0, offsetof(S, m), 0 }
#define RSP_D(m, tg, ty, dv) { #m, tg, RSP_DEFAULT, &(ty), offsetof(S, m), 0, dv }
/* A CHOICE alternative (stored in u.m) and a NULL alternative. */
#define RSP_A(m, tg, ty) { #m, tg, 0, &(ty), offsetof(S, u.m), 0, 0 }
#define RSP_AN(m, tg) { #m, tg, 0, &rsp_t_null, 0, 0, 0 }
/* An alternative named nm stored in a shared union member u.m. */
#define RSP_AM(nm, m, tg, ty) { nm, tg, 0, &(ty), offsetof(S, u.m), 0, 0 }
#define RSP_NFIELDS(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

#define RSP_SEQUENCE(id, asn, tg, flds) \
	const struct rsp_type rsp_t_##id = { .name = asn, .kind = RSP_SEQ, .tag = tg, \
		.size = sizeof(S), .fields = flds, .nfields = RSP_NFIELDS(flds) }
#define RSP_SEQUENCE_DER(id, asn, tg, flds) \
	const struct rsp_type rsp_t_##id = { .name = asn, .kind = RSP_SEQ, .tag = tg, \
		.size = sizeof(S), .fields = flds, .nfields = RSP_NFIELDS(flds), \
		.der_offset = 1 + offsetof(S, der) }
#define RSP_EMPTY_SEQUENCE(id, asn, tg) \
	const struct rsp_type rsp_t_##id = { .name = asn, .kind = RSP_SEQ, .tag = tg, \
		.size = sizeof(struct rsp_empty) }
#define RSP_CHOICE_TYPE(id, asn, tg, flds) \
	const struct rsp_type rsp_t_##id = { .name = asn, .kind = RSP_CHOICE, .tag = tg, \
		.size = sizeof(S), .fields = flds, .nfields = RSP_NFIELDS(flds), \
		.choice_offset = offsetof(S, choice) }
#define RSP_SEQUENCE_OF(id, asn, tg, el, eltag) \
	const struct rsp_type rsp_t_##id = { .name = asn, .kind = RSP_SEQOF, .tag = tg, \
		.size = sizeof(RSP_LIST(void)), .elem = &(el), .elem_tag = eltag }
#define RSP_SIZED(id, asn, knd, tg, lo, hi) \
	const struct rsp_type rsp_t_##id = { .name = asn, .kind = knd, .tag = tg, \
		.size = sizeof(struct rsp_bytes), .min = lo, .max = hi }

/* A SEQUENCE {} (no members). */
struct rsp_empty {
	char unused;
};

#endif
