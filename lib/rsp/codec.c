#include "rsp/codec.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

struct rsp_arena_chunk {
	struct rsp_arena_chunk *next;
	alignas(max_align_t) uint8_t data[];
};

#define ARENA_ALIGN (alignof(max_align_t))
#define ARENA_CHUNK 4096

void rsp_arena_fixed(struct rsp_arena *a, void *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

void rsp_arena_dynamic(struct rsp_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->dynamic = true;
}

void rsp_arena_free(struct rsp_arena *a)
{
	struct rsp_arena_chunk *c = a->chunks, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->buf = NULL;
	a->cap = a->used = 0;
}

void *rsp_arena_alloc(struct rsp_arena *a, size_t size)
{
	size_t start;
	void *p;

	if (!a)
		return NULL;
	start = (a->used + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (!a->buf || start > a->cap || size > a->cap - start) {
		struct rsp_arena_chunk *c;
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		if (!a->dynamic || cap > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		a->buf = c->data;
		a->cap = cap;
		start = 0;
	}
	p = a->buf + start;
	a->used = start + size;
	memset(p, 0, size);
	return p;
}

/* ---- primitive types ---- */

const struct rsp_type rsp_t_boolean = { .name = "BOOLEAN", .kind = RSP_BOOL, .tag = 0x01, .size = sizeof(bool) };
const struct rsp_type rsp_t_integer = { .name = "INTEGER", .kind = RSP_INT, .tag = 0x02, .size = sizeof(int64_t) };
const struct rsp_type rsp_t_null = { .name = "NULL", .kind = RSP_NULL, .tag = 0x05, .size = 0 };
const struct rsp_type rsp_t_octets = { .name = "OCTET STRING", .kind = RSP_OCTETS, .tag = 0x04, .size = sizeof(struct rsp_bytes) };
const struct rsp_type rsp_t_utf8 = { .name = "UTF8String", .kind = RSP_UTF8, .tag = 0x0C, .size = sizeof(struct rsp_bytes) };
const struct rsp_type rsp_t_oid = { .name = "OBJECT IDENTIFIER", .kind = RSP_OID, .tag = 0x06, .size = sizeof(struct rsp_bytes) };
const struct rsp_type rsp_t_bits = { .name = "BIT STRING", .kind = RSP_BITS, .tag = 0x03, .size = sizeof(uint64_t) };
const struct rsp_type rsp_t_any = { .name = "ANY", .kind = RSP_RAW, .tag = 0, .size = sizeof(struct rsp_bytes) };
const struct rsp_type rsp_t_certificate = { .name = "Certificate", .kind = RSP_RAW, .tag = 0x30, .size = sizeof(struct rsp_bytes) };
const struct rsp_type rsp_t_spki = { .name = "SubjectPublicKeyInfo", .kind = RSP_RAW, .tag = 0x30, .size = sizeof(struct rsp_bytes) };
const struct rsp_type rsp_t_empty = { .name = "SEQUENCE {}", .kind = RSP_SEQ, .tag = 0x30, .size = sizeof(struct rsp_empty) };
const struct rsp_type rsp_t_certificate_list = { .name = "CertificateList", .kind = RSP_RAW, .tag = 0x30, .size = sizeof(struct rsp_bytes) };

/* ---- helpers ---- */

#define AT(base, off) ((void *)((uint8_t *)(base) + (off)))
#define CAT(base, off) ((const void *)((const uint8_t *)(base) + (off)))

struct list {
	void *items;
	size_t count;
};

static bool explicit_tagging(const struct rsp_type *t)
{
	/* X.680 31.2.7: under AUTOMATIC TAGS a tag on an untagged CHOICE or an
	 * open type is explicit */
	return (t->kind == RSP_CHOICE || t->kind == RSP_RAW) && t->tag == 0;
}

static bool type_starts_with(const struct rsp_type *t, uint32_t tag);

static bool field_starts_with(const struct rsp_field *f, uint32_t tag)
{
	if (f->tag)
		return f->tag == tag;
	return type_starts_with(f->type, tag);
}

static bool type_starts_with(const struct rsp_type *t, uint32_t tag)
{
	unsigned i;

	if (t->tag)
		return t->tag == tag;
	if (t->kind == RSP_RAW)
		return true;    /* an untagged open type takes any value */
	for (i = 0; i < t->nfields; i++)
		if (field_starts_with(&t->fields[i], tag))
			return true;
	return false;
}

static size_t utf8_chars(const uint8_t *p, size_t len, bool *ok)
{
	size_t i = 0, n = 0;

	*ok = true;
	while (i < len) {
		uint8_t c = p[i];
		size_t k, extra;
		uint32_t cp;

		if (c < 0x80) {
			extra = 0;
			cp = c;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3;
			cp = c & 0x07;
		} else {
			*ok = false;
			return 0;
		}
		if (len - i - 1 < extra) {
			*ok = false;
			return 0;
		}
		for (k = 1; k <= extra; k++) {
			if ((p[i + k] & 0xc0) != 0x80) {
				*ok = false;
				return 0;
			}
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF */
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			*ok = false;
			return 0;
		}
		i += extra + 1;
		n++;
	}
	return n;
}

static iot_err check_oid(const struct rsp_bytes *b)
{
	size_t i;

	/* X.690 8.19.2: subidentifiers are minimal base-128, the last octet
	 * of the content ends one */
	if (b->len == 0 || (b->ptr[b->len - 1] & 0x80))
		return IOT_E_ASN1_VALUE;
	for (i = 0; i < b->len; i++)
		if (b->ptr[i] == 0x80 && (i == 0 || !(b->ptr[i - 1] & 0x80)))
			return IOT_E_ASN1_VALUE;
	return IOT_OK;
}

/* SIZE constraints and content rules of string-like values. */
static iot_err check_bytes(const struct rsp_type *t, const struct rsp_bytes *b)
{
	size_t n = b->len;

	if (t->kind == RSP_UTF8) {
		bool ok;

		n = utf8_chars(b->ptr, b->len, &ok);
		if (!ok)
			return IOT_E_ASN1_VALUE;
	} else if (t->kind == RSP_OID) {
		iot_err err = check_oid(b);

		if (err)
			return err;
	}
	if (n < t->min || (t->max && n > t->max))
		return IOT_E_ASN1_SIZE;
	return IOT_OK;
}

/* ---- decoder ---- */

struct dctx {
	struct rsp_arena *arena;
};

static iot_err decode_value(struct dctx *c, const struct rsp_type *t, uint32_t wire_tag,
			    const struct der_reader *parent, const struct der_tlv *tlv, void *out);

/* Reads the single TLV inside tlv (explicit tagging and tagged CHOICEs). */
static iot_err enter_single(const struct der_reader *parent, const struct der_tlv *tlv,
			    struct der_reader *child, struct der_tlv *inner)
{
	iot_err err;

	if ((err = der_enter(parent, tlv, child)) != IOT_OK)
		return err;
	if (der_reader_done(child))
		return IOT_E_ASN1_MISSING;
	if ((err = der_read(child, inner)) != IOT_OK)
		return err;
	return der_reader_done(child) ? IOT_OK : IOT_E_DER_TRAILING;
}

static iot_err decode_alternative(struct dctx *c, const struct rsp_type *t,
				  const struct der_reader *r, const struct der_tlv *tlv, void *out)
{
	unsigned i;

	for (i = 0; i < t->nfields; i++) {
		const struct rsp_field *f = &t->fields[i];

		if (!field_starts_with(f, tlv->tag))
			continue;
		*(int *)AT(out, t->choice_offset) = (int)i + 1;
		return decode_value(c, f->type, f->tag, r, tlv, AT(out, f->offset));
	}
	return IOT_E_ASN1_CHOICE;
}

static iot_err decode_sequence(struct dctx *c, const struct rsp_type *t,
			       struct der_reader *r, void *out)
{
	unsigned next = 0, i;
	bool extension = false;
	struct der_tlv tlv;
	iot_err err;

	while (!der_reader_done(r)) {
		const struct rsp_field *match = NULL;

		if ((err = der_read(r, &tlv)) != IOT_OK)
			return err;
		for (i = next; i < t->nfields; i++) {
			if (field_starts_with(&t->fields[i], tlv.tag)) {
				match = &t->fields[i];
				break;
			}
			if (!(t->fields[i].flags & (RSP_OPTIONAL | RSP_DEFAULT)))
				break;
		}
		if (match) {
			if (extension)
				return IOT_E_ASN1_ORDER;
			if (match->flags & RSP_OPTIONAL)
				*(bool *)AT(out, match->present) = true;
			if ((err = decode_value(c, match->type, match->tag, r, &tlv,
						AT(out, match->offset))) != IOT_OK)
				return err;
			next = i + 1;
			continue;
		}
		for (i = 0; i < next; i++)
			if (field_starts_with(&t->fields[i], tlv.tag))
				return IOT_E_ASN1_ORDER;
		for (i = next; i < t->nfields; i++)
			if (!(t->fields[i].flags & (RSP_OPTIONAL | RSP_DEFAULT)))
				return IOT_E_ASN1_TAG;
		/* EXTENSIBILITY IMPLIED: an unknown element after the root is an
		 * extension addition of a later version, skipped */
		extension = true;
	}
	for (i = next; i < t->nfields; i++)
		if (!(t->fields[i].flags & (RSP_OPTIONAL | RSP_DEFAULT)))
			return IOT_E_ASN1_MISSING;
	return IOT_OK;
}

static void set_defaults(const struct rsp_type *t, void *out)
{
	unsigned i;

	for (i = 0; i < t->nfields; i++) {
		const struct rsp_field *f = &t->fields[i];

		if (!(f->flags & RSP_DEFAULT))
			continue;
		if (f->type->kind == RSP_BOOL)
			*(bool *)AT(out, f->offset) = f->def != 0;
		else
			*(int64_t *)AT(out, f->offset) = f->def;
	}
}

static iot_err decode_list(struct dctx *c, const struct rsp_type *t,
			   struct der_reader *r, void *out)
{
	struct der_reader scan = *r;
	struct der_tlv tlv;
	struct list *l = out;
	size_t n = 0, i;
	uint8_t *items;
	iot_err err;

	while (!der_reader_done(&scan)) {
		if ((err = der_read(&scan, &tlv)) != IOT_OK)
			return err;
		n++;
	}
	if (n == 0)
		return IOT_OK;
	if (n > SIZE_MAX / t->elem->size)
		return IOT_E_NOMEM;
	if (!(items = rsp_arena_alloc(c->arena, n * (t->elem->size ? t->elem->size : 1))))
		return IOT_E_NOMEM;
	for (i = 0; i < n; i++) {
		if ((err = der_read(r, &tlv)) != IOT_OK)
			return err;
		/* decode_value checks the tag (and names an unknown alternative) */
		if ((err = decode_value(c, t->elem, t->elem_tag, r, &tlv,
					items + i * t->elem->size)) != IOT_OK)
			return err;
	}
	l->items = items;
	l->count = n;
	return IOT_OK;
}

/* A whole TLV of a type with its own tag (Certificate) that arrived under an
 * implicit context tag: restore the type's tag in a copy. */
static iot_err retag_copy(struct dctx *c, uint32_t tag, const struct der_tlv *tlv,
			  struct rsp_bytes *out)
{
	struct der_writer w;
	size_t need = der_tag_size(tag) + 1 + DER_MAX_LEN_BYTES + tlv->len;
	uint8_t *buf = rsp_arena_alloc(c->arena, need);

	if (!buf)
		return IOT_E_NOMEM;
	der_writer_fixed(&w, buf, need);
	der_put_tlv(&w, tag, tlv->value, tlv->len);
	if (der_writer_err(&w))
		return der_writer_err(&w);
	*out = RSP_BYTES(buf, w.len);
	return IOT_OK;
}

static iot_err decode_value(struct dctx *c, const struct rsp_type *t, uint32_t wire_tag,
			    const struct der_reader *parent, const struct der_tlv *tlv, void *out)
{
	struct der_reader child;
	struct der_tlv inner;
	iot_err err;

	if (explicit_tagging(t)) {
		if (wire_tag) {
			if (tlv->tag != wire_tag)
				return IOT_E_ASN1_TAG;
			if ((err = enter_single(parent, tlv, &child, &inner)) != IOT_OK)
				return err;
			return decode_value(c, t, 0, &child, &inner, out);
		}
		if (t->kind == RSP_RAW) {
			*(struct rsp_bytes *)out = RSP_BYTES(tlv->raw, tlv->raw_len);
			return der_tag_constructed(tlv->tag) ? der_validate_value(parent, tlv) : IOT_OK;
		}
		return decode_alternative(c, t, parent, tlv, out);
	}
	if (tlv->tag != (wire_tag ? wire_tag : t->tag))
		return IOT_E_ASN1_TAG;

	switch (t->kind) {
	case RSP_BOOL:
		return der_get_bool(tlv, out);
	case RSP_INT:
		return der_get_int64(tlv, out);
	case RSP_NULL:
		return der_get_null(tlv);
	case RSP_BITS:
		return der_get_bits(tlv, out);
	case RSP_OCTETS:
	case RSP_UTF8:
	case RSP_OID:
		if (der_tag_constructed(tlv->tag))
			return IOT_E_ASN1_VALUE;   /* DER: strings are primitive */
		*(struct rsp_bytes *)out = RSP_BYTES(tlv->value, tlv->len);
		return check_bytes(t, out);
	case RSP_RAW:
		if ((err = der_validate_value(parent, tlv)) != IOT_OK)
			return err;
		if (tlv->tag == t->tag) {
			*(struct rsp_bytes *)out = RSP_BYTES(tlv->raw, tlv->raw_len);
			return IOT_OK;
		}
		return retag_copy(c, t->tag, tlv, out);
	case RSP_SEQ:
		if ((err = der_enter(parent, tlv, &child)) != IOT_OK)
			return err;
		set_defaults(t, out);
		if (t->der_offset)
			*(struct rsp_bytes *)AT(out, t->der_offset - 1) = RSP_BYTES(tlv->raw, tlv->raw_len);
		return decode_sequence(c, t, &child, out);
	case RSP_SEQOF:
		if ((err = der_enter(parent, tlv, &child)) != IOT_OK)
			return err;
		return decode_list(c, t, &child, out);
	case RSP_CHOICE:
		/* a tagged CHOICE: its tag wraps the alternative */
		if ((err = enter_single(parent, tlv, &child, &inner)) != IOT_OK)
			return err;
		return decode_alternative(c, t, &child, &inner, out);
	}
	return IOT_E_ARG;
}

iot_err rsp_decode_prefix(const struct rsp_type *t, const uint8_t *buf, size_t len,
			  void *out, struct rsp_arena *arena, size_t *used)
{
	struct dctx c = { arena };
	struct der_reader r;
	struct der_tlv tlv;
	iot_err err;

	if (!t || !out || (!buf && len))
		return IOT_E_ARG;
	memset(out, 0, t->size);
	der_reader_init(&r, buf, len);
	if ((err = der_read(&r, &tlv)) != IOT_OK)
		return err;
	if ((err = decode_value(&c, t, 0, &r, &tlv, out)) != IOT_OK)
		return err;
	if (used)
		*used = tlv.raw_len;
	return IOT_OK;
}

iot_err rsp_decode(const struct rsp_type *t, const uint8_t *buf, size_t len,
		   void *out, struct rsp_arena *arena)
{
	size_t used;
	iot_err err = rsp_decode_prefix(t, buf, len, out, arena, &used);

	if (err == IOT_OK && used != len)
		err = IOT_E_DER_TRAILING;
	return err;
}

/* ---- encoder ---- */

static iot_err encode_value(const struct rsp_type *t, uint32_t wire_tag,
			    const void *in, struct der_writer *w);

static iot_err encode_alternative(const struct rsp_type *t, const void *in, struct der_writer *w)
{
	int choice = *(const int *)CAT(in, t->choice_offset);
	const struct rsp_field *f;

	if (choice < 1 || (unsigned)choice > t->nfields)
		return IOT_E_ASN1_CHOICE;
	f = &t->fields[choice - 1];
	return encode_value(f->type, f->tag, CAT(in, f->offset), w);
}

static iot_err encode_fields(const struct rsp_type *t, const void *in, struct der_writer *w)
{
	unsigned i;
	iot_err err;

	for (i = 0; i < t->nfields; i++) {
		const struct rsp_field *f = &t->fields[i];
		const void *v = CAT(in, f->offset);

		if ((f->flags & RSP_OPTIONAL) && !*(const bool *)CAT(in, f->present))
			continue;
		/* X.690 11.5: DER omits a value equal to its DEFAULT */
		if (f->flags & RSP_DEFAULT) {
			int64_t cur = f->type->kind == RSP_BOOL ? *(const bool *)v : *(const int64_t *)v;

			if (cur == f->def)
				continue;
		}
		if ((err = encode_value(f->type, f->tag, v, w)) != IOT_OK)
			return err;
	}
	return IOT_OK;
}

static iot_err encode_list(const struct rsp_type *t, const void *in, struct der_writer *w)
{
	const struct list *l = in;
	size_t i;
	iot_err err;

	if (l->count && !l->items)
		return IOT_E_ARG;
	for (i = 0; i < l->count; i++)
		if ((err = encode_value(t->elem, t->elem_tag,
					(const uint8_t *)l->items + i * t->elem->size, w)) != IOT_OK)
			return err;
	return IOT_OK;
}

/* Writes a whole TLV held in b under tag (its own, or an implicit one). */
static iot_err encode_raw(uint32_t tag, const struct rsp_bytes *b, struct der_writer *w)
{
	struct der_tlv tlv;
	iot_err err;

	if ((err = der_parse_one(b->ptr, b->len, &tlv)) != IOT_OK)
		return err;
	if (!tag || tag == tlv.tag)
		der_put_raw(w, b->ptr, b->len);
	else
		der_put_tlv(w, tag, tlv.value, tlv.len);
	return IOT_OK;
}

static iot_err encode_value(const struct rsp_type *t, uint32_t wire_tag,
			    const void *in, struct der_writer *w)
{
	uint32_t tag = wire_tag ? wire_tag : t->tag;
	const struct rsp_bytes *b = in;
	size_t mark;
	iot_err err;

	if (explicit_tagging(t)) {
		if (wire_tag) {
			mark = der_begin(w, wire_tag);
			if ((err = encode_value(t, 0, in, w)) != IOT_OK)
				return err;
			der_end(w, mark);
			return der_writer_err(w);
		}
		if (t->kind == RSP_RAW)
			return encode_raw(0, b, w);
		return encode_alternative(t, in, w);
	}

	switch (t->kind) {
	case RSP_BOOL:
		der_put_bool(w, tag, *(const bool *)in);
		break;
	case RSP_INT:
		der_put_int64(w, tag, *(const int64_t *)in);
		break;
	case RSP_NULL:
		der_put_null(w, tag);
		break;
	case RSP_BITS:
		der_put_bits(w, tag, *(const uint64_t *)in);
		break;
	case RSP_OCTETS:
	case RSP_UTF8:
	case RSP_OID:
		if (!b->ptr && b->len)
			return IOT_E_ARG;
		if ((err = check_bytes(t, b)) != IOT_OK)
			return err;
		der_put_tlv(w, tag, b->ptr, b->len);
		break;
	case RSP_RAW:
		if ((err = encode_raw(tag, b, w)) != IOT_OK)
			return err;
		break;
	case RSP_SEQ:
		if (t->der_offset) {
			const struct rsp_bytes *der = CAT(in, t->der_offset - 1);

			if (der->ptr) {
				if ((err = encode_raw(tag, der, w)) != IOT_OK)
					return err;
				return der_writer_err(w);
			}
		}
		/* fall through */
	case RSP_SEQOF:
	case RSP_CHOICE:
		mark = der_begin(w, tag);
		if (t->kind == RSP_SEQ)
			err = encode_fields(t, in, w);
		else if (t->kind == RSP_SEQOF)
			err = encode_list(t, in, w);
		else
			err = encode_alternative(t, in, w);
		if (err != IOT_OK)
			return err;
		der_end(w, mark);
		break;
	}
	return der_writer_err(w);
}

iot_err rsp_encode(const struct rsp_type *t, const void *in, struct der_writer *w)
{
	size_t start = w->len;
	iot_err err;

	if (!t || !in)
		return IOT_E_ARG;
	if ((err = der_writer_err(w)) != IOT_OK)
		return err;
	err = encode_value(t, 0, in, w);
	if (err != IOT_OK && der_writer_err(w) == IOT_OK)
		w->len = start;     /* leave nothing half-written */
	return err;
}

iot_err rsp_encode_alloc(const struct rsp_type *t, const void *in,
			 uint8_t **out, size_t *out_len)
{
	struct der_writer w;
	iot_err err;

	der_writer_dynamic(&w);
	if ((err = rsp_encode(t, in, &w)) != IOT_OK) {
		der_writer_free(&w);
		return err;
	}
	*out = w.buf;
	*out_len = w.len;
	return IOT_OK;
}

/* ---- printer ---- */

static void print_value(FILE *f, const struct rsp_type *t, const void *in, int depth);

static void print_hex(FILE *f, const struct rsp_bytes *b)
{
	size_t i;

	for (i = 0; i < b->len && i < 64; i++)
		fprintf(f, "%02X", b->ptr[i]);
	if (b->len > 64)
		fprintf(f, "... (%zu bytes)", b->len);
}

static void print_fields(FILE *f, const struct rsp_type *t, const void *in, int depth)
{
	unsigned i;

	for (i = 0; i < t->nfields; i++) {
		const struct rsp_field *fl = &t->fields[i];

		if ((fl->flags & RSP_OPTIONAL) && !*(const bool *)CAT(in, fl->present))
			continue;
		fprintf(f, "%*s%s", depth * 2, "", fl->name);
		print_value(f, fl->type, CAT(in, fl->offset), depth);
	}
}

static void print_value(FILE *f, const struct rsp_type *t, const void *in, int depth)
{
	const struct rsp_bytes *b = in;
	const struct list *l = in;
	size_t i;
	int choice;

	switch (t->kind) {
	case RSP_BOOL:
		fprintf(f, ": %s\n", *(const bool *)in ? "TRUE" : "FALSE");
		break;
	case RSP_INT:
		fprintf(f, ": %lld\n", (long long)*(const int64_t *)in);
		break;
	case RSP_NULL:
		fprintf(f, ": NULL\n");
		break;
	case RSP_BITS:
		fprintf(f, ": bits 0x%llx\n", (unsigned long long)*(const uint64_t *)in);
		break;
	case RSP_UTF8:
		fprintf(f, ": \"%.*s\"\n", (int)b->len, (const char *)b->ptr);
		break;
	case RSP_OCTETS:
	case RSP_OID:
	case RSP_RAW:
		fprintf(f, ": ");
		print_hex(f, b);
		fprintf(f, "\n");
		break;
	case RSP_SEQ:
		fprintf(f, " (%s)\n", t->name);
		print_fields(f, t, in, depth + 1);
		break;
	case RSP_SEQOF:
		fprintf(f, " (%s, %zu)\n", t->name, l->count);
		for (i = 0; i < l->count; i++) {
			fprintf(f, "%*s[%zu]", (depth + 1) * 2, "", i);
			print_value(f, t->elem, (const uint8_t *)l->items + i * t->elem->size, depth + 1);
		}
		break;
	case RSP_CHOICE:
		choice = *(const int *)CAT(in, t->choice_offset);
		if (choice < 1 || (unsigned)choice > t->nfields) {
			fprintf(f, ": <no alternative>\n");
			break;
		}
		fprintf(f, " (%s) %s", t->name, t->fields[choice - 1].name);
		print_value(f, t->fields[choice - 1].type,
			    CAT(in, t->fields[choice - 1].offset), depth);
		break;
	}
}

void rsp_print(FILE *f, const struct rsp_type *t, const void *in)
{
	fprintf(f, "message");
	print_value(f, t, in, 0);
}
