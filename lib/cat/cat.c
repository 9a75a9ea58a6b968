/* ETSI TS 102 223 data objects: COMPREHENSION-TLVs inside a BER-TLV
 * envelope. Lengths are one byte below 128, else '81' and one byte: no
 * object of the toolkit is longer than 255 bytes. */
#include "cat/cat.h"

#include <string.h>

/* TS 101 220 7.1.1.1: one byte, or '81' then 128..255 */
static iot_err get_length(const uint8_t **p, const uint8_t *end, size_t *len)
{
	if (*p >= end)
		return IOT_E_DER_TRUNCATED;
	if (**p < 0x80) {
		*len = *(*p)++;
		return IOT_OK;
	}
	if (**p != 0x81 || end - *p < 2 || (*p)[1] < 0x80)
		return IOT_E_DER_TRUNCATED;
	*len = (*p)[1];
	*p += 2;
	return IOT_OK;
}

iot_err cat_next(const uint8_t **p, const uint8_t *end, struct cat_tlv *t)
{
	const uint8_t *q = *p;
	size_t len;
	iot_err err;

	if (q >= end)
		return IOT_E_NOT_FOUND;
	/* TS 101 220 7.1.1.2: '00', '80' and 'FF' are not tags; '7F' starts a
	 * three-byte tag, which the toolkit's BIP objects never use */
	if (*q == 0x00 || *q == 0x80 || *q == 0xFF || *q == 0x7F)
		return IOT_E_ASN1_TAG;
	t->cr = *q & 0x80;
	t->tag = *q & 0x7F;
	q++;
	if ((err = get_length(&q, end, &len)) != IOT_OK)
		return err;
	if ((size_t)(end - q) < len)
		return IOT_E_DER_TRUNCATED;
	t->val = q;
	t->len = len;
	*p = q + len;
	return IOT_OK;
}

bool cat_find(const uint8_t *buf, size_t len, uint8_t tag, struct cat_tlv *t)
{
	const uint8_t *p = buf, *end = buf + len;

	while (cat_next(&p, end, t) == IOT_OK)
		if (t->tag == tag)
			return true;
	return false;
}

iot_err cat_unwrap(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t **val, size_t *vlen)
{
	const uint8_t *p = buf + 1, *end = buf + len;
	iot_err err;

	if (len < 2 || buf[0] != tag)
		return IOT_E_ASN1_TAG;
	if ((err = get_length(&p, end, vlen)) != IOT_OK)
		return err;
	if ((size_t)(end - p) != *vlen)
		return IOT_E_DER_TRUNCATED;
	*val = p;
	return IOT_OK;
}

iot_err cat_command_parse(const uint8_t *buf, size_t len, struct cat_command *c)
{
	struct cat_tlv t;
	iot_err err;

	memset(c, 0, sizeof(*c));
	if ((err = cat_unwrap(buf, len, 0xD0, &c->objects, &c->len)) != IOT_OK)
		return err;
	/* TS 102 223 6.6: command details first, then device identities */
	const uint8_t *p = c->objects, *end = c->objects + c->len;
	if ((err = cat_next(&p, end, &t)) != IOT_OK || t.tag != CAT_TAG_COMMAND_DETAILS || t.len != 3)
		return IOT_E_ASN1_TAG;
	c->number = t.val[0];
	c->type = t.val[1];
	c->qualifier = t.val[2];
	if ((err = cat_next(&p, end, &t)) != IOT_OK || t.tag != CAT_TAG_DEVICE_IDENTITIES || t.len != 2)
		return IOT_E_ASN1_TAG;
	c->source = t.val[0];
	c->destination = t.val[1];
	/* the rest must be well formed too */
	while ((err = cat_next(&p, end, &t)) == IOT_OK)
		;
	return err == IOT_E_NOT_FOUND ? IOT_OK : err;
}

void cat_writer_init(struct cat_writer *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->envelope = (size_t)-1;
}

static void put_raw(struct cat_writer *w, const void *p, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void cat_put(struct cat_writer *w, uint8_t tag, bool cr, const void *val, size_t len)
{
	uint8_t head[3];
	size_t n = 0;

	if (len > CAT_MAX_OBJECT) {
		w->overflow = true;
		return;
	}
	head[n++] = (uint8_t)(tag | (cr ? 0x80 : 0));
	if (len >= 0x80)
		head[n++] = 0x81;
	head[n++] = (uint8_t)len;
	put_raw(w, head, n);
	put_raw(w, val, len);
}

void cat_put_byte(struct cat_writer *w, uint8_t tag, bool cr, uint8_t v)
{
	cat_put(w, tag, cr, &v, 1);
}

/* the envelope's length is fixed up at cat_end: two bytes kept for it */
void cat_begin(struct cat_writer *w, uint8_t tag)
{
	uint8_t head[3] = { tag, 0x81, 0x00 };

	w->envelope = w->len;
	put_raw(w, head, sizeof(head));
}

void cat_end(struct cat_writer *w)
{
	size_t at = w->envelope, body;

	if (w->overflow || at == (size_t)-1)
		return;
	body = w->len - at - 3;
	if (body > CAT_MAX_OBJECT) {
		w->overflow = true;
		return;
	}
	if (body < 0x80) {              /* the short form: one length byte */
		w->buf[at + 1] = (uint8_t)body;
		memmove(w->buf + at + 2, w->buf + at + 3, body);
		w->len--;
	} else {
		w->buf[at + 2] = (uint8_t)body;
	}
	w->envelope = (size_t)-1;
}

iot_err cat_writer_err(const struct cat_writer *w)
{
	return w->overflow ? IOT_E_BUFFER : IOT_OK;
}

void cat_put_command_head(struct cat_writer *w, uint8_t number, uint8_t type, uint8_t qualifier, uint8_t dest)
{
	uint8_t details[3] = { number, type, qualifier }, ids[2] = { CAT_DEV_UICC, dest };

	cat_put(w, CAT_TAG_COMMAND_DETAILS, true, details, sizeof(details));
	cat_put(w, CAT_TAG_DEVICE_IDENTITIES, true, ids, sizeof(ids));
}

/* TS 102 223 6.8: the command's details as received, terminal to UICC, the result */
void cat_put_response_head(struct cat_writer *w, const struct cat_command *c, uint8_t result,
			   const uint8_t *extra, size_t extra_len)
{
	uint8_t details[3] = { c->number, c->type, c->qualifier }, ids[2] = { CAT_DEV_TERMINAL, CAT_DEV_UICC };
	uint8_t res[8] = { result };

	if (extra_len > sizeof(res) - 1) {
		w->overflow = true;
		return;
	}
	if (extra_len)
		memcpy(res + 1, extra, extra_len);
	cat_put(w, CAT_TAG_COMMAND_DETAILS, true, details, sizeof(details));
	cat_put(w, CAT_TAG_DEVICE_IDENTITIES, true, ids, sizeof(ids));
	cat_put(w, CAT_TAG_RESULT, true, res, 1 + extra_len);
}
