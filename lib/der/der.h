/* BER-TLV reader and DER writer (ISO/IEC 8825-1, X.690), the encoding of
 * every RSP message. No dependencies beyond libc.
 *
 * Tags are kept as the bytes written on the wire, big-endian in a uint32_t:
 * 0x30, 0x5A, 0xBF51, 0x5F37, 0x9F70. That is how the GSMA specifications
 * quote them, so a table can be checked against the spec by eye.
 *
 * Reading is zero-copy: every der_tlv points into the caller's buffer, which
 * must outlive it. The reader never reads outside the bytes it was given. */
#ifndef IOT_DER_H
#define IOT_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Deeper nesting than this is rejected; RSP messages need about 12. */
#define DER_MAX_DEPTH 32
/* Tags of up to 4 bytes (tag numbers below 2^21), lengths of up to 4 bytes. */
#define DER_MAX_TAG_BYTES 4
#define DER_MAX_LEN_BYTES 4

struct der_tlv {
	uint32_t tag;           /* tag bytes as on the wire */
	const uint8_t *value;   /* the value, inside the input */
	size_t len;             /* length of the value */
	const uint8_t *raw;     /* the whole TLV: tag, length and value */
	size_t raw_len;
};

/* Iterates over the TLVs of one level: the top level of a buffer, or the
 * value of a constructed TLV (see der_enter). */
struct der_reader {
	const uint8_t *p;
	const uint8_t *end;
	unsigned depth;         /* 0 at the top level */
};

static inline bool der_tag_constructed(uint32_t tag)
{
	while (tag > 0xff)
		tag >>= 8;
	return (tag & 0x20) != 0;
}

void der_reader_init(struct der_reader *r, const uint8_t *buf, size_t len);
static inline bool der_reader_done(const struct der_reader *r)
{
	return r->p >= r->end;
}
/* Reads the next TLV of this level into *out and advances. */
iot_err der_read(struct der_reader *r, struct der_tlv *out);
/* Reads the next TLV without advancing. */
iot_err der_peek(const struct der_reader *r, struct der_tlv *out);
/* A reader over the value of tlv, one level deeper than parent. The tlv must
 * be constructed. */
iot_err der_enter(const struct der_reader *parent, const struct der_tlv *tlv,
		  struct der_reader *child);
/* Reads only the tag and length at the start of buf (for a stream whose
 * value is still arriving): IOT_E_DER_TRUNCATED when the header itself is
 * incomplete. */
iot_err der_read_header(const uint8_t *buf, size_t len, uint32_t *tag, size_t *value_len,
			size_t *header_len);
/* Parses buf as exactly one TLV, with nothing after it. */
iot_err der_parse_one(const uint8_t *buf, size_t len, struct der_tlv *out);
/* Checks that buf is a sequence of well-formed TLVs, recursing into every
 * constructed one, to at most DER_MAX_DEPTH levels. */
iot_err der_validate(const uint8_t *buf, size_t len);
/* The same for the value of a constructed tlv read from parent, with depth
 * counted from the parent's. */
iot_err der_validate_value(const struct der_reader *parent, const struct der_tlv *tlv);

/* Primitive values. Each checks the encoding X.690 requires. */
iot_err der_get_int64(const struct der_tlv *t, int64_t *out);
iot_err der_get_bool(const struct der_tlv *t, bool *out);
iot_err der_get_null(const struct der_tlv *t);
/* A named-bit BIT STRING: bit n of the ASN.1 value is (1 << n) in *out.
 * Bits above 63 are ignored (extensible named-bit lists). */
iot_err der_get_bits(const struct der_tlv *t, uint64_t *out);

/* Writer. Errors are sticky: after the first failure every call is a no-op
 * and der_writer_err() reports it, so a message is built without checking
 * each step. A fixed writer never allocates; a dynamic one grows its buffer
 * with realloc and must be released with der_writer_free. */
struct der_writer {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool dynamic;
	iot_err err;
};

void der_writer_fixed(struct der_writer *w, uint8_t *buf, size_t cap);
void der_writer_dynamic(struct der_writer *w);
void der_writer_free(struct der_writer *w);
static inline iot_err der_writer_err(const struct der_writer *w)
{
	return w->err;
}

/* Opens a constructed (or any) value: writes the tag, reserves the length
 * and returns a mark for der_end, which fills the minimal DER length in. */
size_t der_begin(struct der_writer *w, uint32_t tag);
void der_end(struct der_writer *w, size_t mark);

void der_put_raw(struct der_writer *w, const uint8_t *bytes, size_t len);
void der_put_tag(struct der_writer *w, uint32_t tag);
void der_put_len(struct der_writer *w, size_t len);
void der_put_tlv(struct der_writer *w, uint32_t tag, const uint8_t *value, size_t len);
void der_put_int64(struct der_writer *w, uint32_t tag, int64_t v);
void der_put_bool(struct der_writer *w, uint32_t tag, bool v);
void der_put_null(struct der_writer *w, uint32_t tag);
/* Named-bit BIT STRING in DER: trailing zero bits removed (X.690 11.2.2). */
void der_put_bits(struct der_writer *w, uint32_t tag, uint64_t bits);

/* Number of bytes the tag takes on the wire. */
size_t der_tag_size(uint32_t tag);

#endif
