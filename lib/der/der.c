#include "der/der.h"

#include <stdlib.h>
#include <string.h>

/* At the top level a value running past the input is a truncated input; inside
 * a constructed value it overruns its parent. */
static iot_err short_input(const struct der_reader *r)
{
	return r->depth == 0 ? IOT_E_DER_TRUNCATED : IOT_E_DER_OVERRUN;
}

void der_reader_init(struct der_reader *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->end = buf ? buf + len : buf;
	r->depth = 0;
}

static iot_err read_tag(const struct der_reader *r, const uint8_t **pp, uint32_t *tag)
{
	const uint8_t *p = *pp;
	uint32_t t;
	uint32_t number = 0;
	size_t n = 1;

	if (p >= r->end)
		return short_input(r);
	t = *p++;
	if ((t & 0x1f) == 0x1f) {
		/* X.690 8.1.2.4: high tag number form, base-128 with continuation bits */
		for (;;) {
			if (p >= r->end)
				return short_input(r);
			if (++n > DER_MAX_TAG_BYTES)
				return IOT_E_DER_TAG;
			/* X.690 8.1.2.4.2 c): the first subsequent octet is not 0x80 */
			if (n == 2 && *p == 0x80)
				return IOT_E_DER_TAG;
			number = (number << 7) | (*p & 0x7f);
			t = (t << 8) | *p;
			if (!(*p++ & 0x80))
				break;
		}
		/* X.690 8.1.2.4: numbers below 31 use the low tag number form */
		if (number < 31)
			return IOT_E_DER_TAG;
	}
	*tag = t;
	*pp = p;
	return IOT_OK;
}

static iot_err read_len(const struct der_reader *r, const uint8_t **pp, size_t *len)
{
	const uint8_t *p = *pp;
	size_t n, v = 0;

	if (p >= r->end)
		return short_input(r);
	if (*p < 0x80) {
		*len = *p;
		*pp = p + 1;
		return IOT_OK;
	}
	/* X.690 10.1: DER (and every RSP message) uses the definite form only */
	if (*p == 0x80)
		return IOT_E_DER_INDEFINITE;
	n = *p++ & 0x7f;
	if (n > DER_MAX_LEN_BYTES)
		return IOT_E_DER_LENGTH;
	if ((size_t)(r->end - p) < n)
		return short_input(r);
	while (n--)
		v = (v << 8) | *p++;
	*len = v;
	*pp = p;
	return IOT_OK;
}

iot_err der_read_header(const uint8_t *buf, size_t len, uint32_t *tag, size_t *value_len,
			size_t *header_len)
{
	struct der_reader r;
	const uint8_t *p = buf;
	iot_err err;

	der_reader_init(&r, buf, len);
	if ((err = read_tag(&r, &p, tag)) != IOT_OK || (err = read_len(&r, &p, value_len)) != IOT_OK)
		return err;
	*header_len = (size_t)(p - buf);
	return IOT_OK;
}

iot_err der_peek(const struct der_reader *r, struct der_tlv *out)
{
	const uint8_t *p = r->p;
	uint32_t tag;
	size_t len;
	iot_err err;

	if ((err = read_tag(r, &p, &tag)) != IOT_OK)
		return err;
	if ((err = read_len(r, &p, &len)) != IOT_OK)
		return err;
	if ((size_t)(r->end - p) < len)
		return short_input(r);
	out->tag = tag;
	out->value = p;
	out->len = len;
	out->raw = r->p;
	out->raw_len = (size_t)(p - r->p) + len;
	return IOT_OK;
}

iot_err der_read(struct der_reader *r, struct der_tlv *out)
{
	iot_err err = der_peek(r, out);

	if (err == IOT_OK)
		r->p = out->raw + out->raw_len;
	return err;
}

iot_err der_enter(const struct der_reader *parent, const struct der_tlv *tlv,
		  struct der_reader *child)
{
	if (!der_tag_constructed(tlv->tag))
		return IOT_E_DER_PRIMITIVE;
	if (parent->depth + 1 > DER_MAX_DEPTH)
		return IOT_E_DER_DEPTH;
	child->p = tlv->value;
	child->end = tlv->value + tlv->len;
	child->depth = parent->depth + 1;
	return IOT_OK;
}

iot_err der_parse_one(const uint8_t *buf, size_t len, struct der_tlv *out)
{
	struct der_reader r;
	iot_err err;

	der_reader_init(&r, buf, len);
	if ((err = der_read(&r, out)) != IOT_OK)
		return err;
	return der_reader_done(&r) ? IOT_OK : IOT_E_DER_TRAILING;
}

static iot_err validate_level(struct der_reader *r)
{
	struct der_tlv t;
	struct der_reader child;
	iot_err err;

	while (!der_reader_done(r)) {
		if ((err = der_read(r, &t)) != IOT_OK)
			return err;
		if (!der_tag_constructed(t.tag))
			continue;
		if ((err = der_enter(r, &t, &child)) != IOT_OK)
			return err;
		if ((err = validate_level(&child)) != IOT_OK)
			return err;
	}
	return IOT_OK;
}

iot_err der_validate_value(const struct der_reader *parent, const struct der_tlv *tlv)
{
	struct der_reader child;
	iot_err err;

	if ((err = der_enter(parent, tlv, &child)) != IOT_OK)
		return err;
	return validate_level(&child);
}

iot_err der_validate(const uint8_t *buf, size_t len)
{
	struct der_reader r;

	der_reader_init(&r, buf, len);
	return validate_level(&r);
}

iot_err der_get_int64(const struct der_tlv *t, int64_t *out)
{
	uint64_t v;
	size_t i;

	if (t->len == 0)
		return IOT_E_ASN1_VALUE;
	/* X.690 8.3.2: the first nine bits are not all ones or all zeros */
	if (t->len > 1 && ((t->value[0] == 0x00 && !(t->value[1] & 0x80)) ||
			   (t->value[0] == 0xff && (t->value[1] & 0x80))))
		return IOT_E_ASN1_VALUE;
	if (t->len > 8)
		return IOT_E_ASN1_RANGE;
	v = (t->value[0] & 0x80) ? UINT64_MAX : 0;
	for (i = 0; i < t->len; i++)
		v = (v << 8) | t->value[i];
	*out = (int64_t)v;
	return IOT_OK;
}

iot_err der_get_bool(const struct der_tlv *t, bool *out)
{
	/* X.690 8.2: one octet, any non-zero value is TRUE (DER writes 0xFF) */
	if (t->len != 1)
		return IOT_E_ASN1_VALUE;
	*out = t->value[0] != 0;
	return IOT_OK;
}

iot_err der_get_null(const struct der_tlv *t)
{
	/* X.690 8.8.2: NULL has no content octets */
	return t->len == 0 ? IOT_OK : IOT_E_ASN1_VALUE;
}

iot_err der_get_bits(const struct der_tlv *t, uint64_t *out)
{
	uint64_t bits = 0;
	size_t i, nbits;
	unsigned unused;

	/* X.690 8.6.2: an initial octet with the number of unused bits (0..7) */
	if (t->len == 0)
		return IOT_E_ASN1_VALUE;
	unused = t->value[0];
	if (unused > 7 || (t->len == 1 && unused != 0))
		return IOT_E_ASN1_VALUE;
	nbits = (t->len - 1) * 8 - unused;
	for (i = 0; i < nbits && i < 64; i++)
		if (t->value[1 + i / 8] & (0x80 >> (i % 8)))
			bits |= (uint64_t)1 << i;
	*out = bits;
	return IOT_OK;
}

/* ---- writer ---- */

void der_writer_fixed(struct der_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->dynamic = false;
	w->err = IOT_OK;
}

void der_writer_dynamic(struct der_writer *w)
{
	der_writer_fixed(w, NULL, 0);
	w->dynamic = true;
}

void der_writer_free(struct der_writer *w)
{
	if (w->dynamic)
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

static bool reserve(struct der_writer *w, size_t more)
{
	size_t want;
	uint8_t *nb;

	if (w->err != IOT_OK)
		return false;
	if (more <= w->cap - w->len)
		return true;
	if (!w->dynamic) {
		w->err = IOT_E_BUFFER;
		return false;
	}
	if (more > SIZE_MAX / 2 - w->len) {
		w->err = IOT_E_NOMEM;
		return false;
	}
	want = w->cap ? w->cap : 256;
	while (want - w->len < more)
		want *= 2;
	nb = realloc(w->buf, want);
	if (!nb) {
		w->err = IOT_E_NOMEM;
		return false;
	}
	w->buf = nb;
	w->cap = want;
	return true;
}

size_t der_tag_size(uint32_t tag)
{
	size_t n = 1;

	while (tag > 0xff) {
		tag >>= 8;
		n++;
	}
	return n;
}

void der_put_raw(struct der_writer *w, const uint8_t *bytes, size_t len)
{
	if (!reserve(w, len))
		return;
	if (len)
		memcpy(w->buf + w->len, bytes, len);
	w->len += len;
}

void der_put_tag(struct der_writer *w, uint32_t tag)
{
	size_t n = der_tag_size(tag);

	if (!reserve(w, n))
		return;
	while (n--)
		w->buf[w->len++] = (uint8_t)(tag >> (8 * n));
}

static size_t len_size(size_t len)
{
	size_t n = 1;

	if (len < 0x80)
		return 1;
	while (len) {
		n++;
		len >>= 8;
	}
	return n;
}

void der_put_len(struct der_writer *w, size_t len)
{
	size_t n = len_size(len);

	if (n - 1 > DER_MAX_LEN_BYTES) {
		if (w->err == IOT_OK)
			w->err = IOT_E_DER_LENGTH;
		return;
	}
	if (!reserve(w, n))
		return;
	if (n == 1) {
		w->buf[w->len++] = (uint8_t)len;
		return;
	}
	w->buf[w->len++] = (uint8_t)(0x80 | (n - 1));
	while (--n)
		w->buf[w->len++] = (uint8_t)(len >> (8 * (n - 1)));
}

size_t der_begin(struct der_writer *w, uint32_t tag)
{
	der_put_tag(w, tag);
	if (reserve(w, 1))
		w->buf[w->len++] = 0;
	return w->len;        /* start of the value */
}

void der_end(struct der_writer *w, size_t mark)
{
	size_t len, extra;

	if (w->err != IOT_OK)
		return;
	len = w->len - mark;
	if (len < 0x80) {
		w->buf[mark - 1] = (uint8_t)len;
		return;
	}
	/* X.690 10.1: minimal length; move the value up to make room */
	extra = len_size(len) - 1;
	if (extra > DER_MAX_LEN_BYTES) {
		w->err = IOT_E_DER_LENGTH;
		return;
	}
	if (!reserve(w, extra))
		return;
	memmove(w->buf + mark + extra, w->buf + mark, len);
	w->len = mark - 1;
	der_put_len(w, len);
	w->len = mark + extra + len;
}

void der_put_tlv(struct der_writer *w, uint32_t tag, const uint8_t *value, size_t len)
{
	der_put_tag(w, tag);
	der_put_len(w, len);
	der_put_raw(w, value, len);
}

void der_put_int64(struct der_writer *w, uint32_t tag, int64_t v)
{
	uint8_t b[8];
	size_t n = 8, i;
	uint64_t u = (uint64_t)v;

	for (i = 0; i < 8; i++)
		b[7 - i] = (uint8_t)(u >> (8 * i));
	/* X.690 8.3.2: minimal two's complement */
	i = 0;
	while (n - i > 1 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) ||
			     (b[i] == 0xff && (b[i + 1] & 0x80))))
		i++;
	der_put_tlv(w, tag, b + i, n - i);
}

void der_put_bool(struct der_writer *w, uint32_t tag, bool v)
{
	uint8_t b = v ? 0xff : 0x00;

	der_put_tlv(w, tag, &b, 1);
}

void der_put_null(struct der_writer *w, uint32_t tag)
{
	der_put_tlv(w, tag, NULL, 0);
}

void der_put_bits(struct der_writer *w, uint32_t tag, uint64_t bits)
{
	uint8_t b[9] = { 0 };
	size_t nbits = 0, nbytes, i;

	for (i = 0; i < 64; i++)
		if (bits & ((uint64_t)1 << i))
			nbits = i + 1;
	nbytes = (nbits + 7) / 8;
	b[0] = (uint8_t)(nbytes * 8 - nbits);
	for (i = 0; i < nbits; i++)
		if (bits & ((uint64_t)1 << i))
			b[1 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
	der_put_tlv(w, tag, b, 1 + nbytes);
}
