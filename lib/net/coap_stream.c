/* A CoAP client (RFC 7252) over a DTLS stream the caller carries, for the
 * IPA inside the eUICC: confirmable POSTs with block-wise transfer (RFC
 * 7959) both ways. No retransmission: the stream is a BIP channel whose
 * terminal answers or fails. libcoap (coap.c) serves everyone else; this
 * is the few hundred bytes of code a card would carry. */
#include "net/stream.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

enum {
	COAP_CON = 0, COAP_NON = 1, COAP_ACK = 2, COAP_RST = 3,
	COAP_POST = 0x02, COAP_CONTINUE = 0x5F,         /* 2.31 */
	OPT_URI_PATH = 11, OPT_CONTENT_FORMAT = 12, OPT_BLOCK2 = 23, OPT_BLOCK1 = 27, OPT_SIZE1 = 60,
	FORMAT_OCTET_STREAM = 42,
	BLOCK_SZX = 6,                  /* 1024 bytes */
	BLOCK_SIZE = 1 << (BLOCK_SZX + 4),
};

struct msg {
	uint8_t buf[BLOCK_SIZE + 256];
	size_t len;
	unsigned last_opt;
	bool overflow;
};

static void put(struct msg *m, const void *p, size_t n)
{
	if (m->overflow || sizeof(m->buf) - m->len < n) {
		m->overflow = true;
		return;
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

/* RFC 7252 3.1: delta and length in nibbles, 13 and 14 extend them */
static void nibble(unsigned v, uint8_t *nib, uint8_t *ext, size_t *n)
{
	if (v < 13) {
		*nib = (uint8_t)v;
	} else if (v < 269) {
		*nib = 13;
		ext[(*n)++] = (uint8_t)(v - 13);
	} else {
		*nib = 14;
		ext[(*n)++] = (uint8_t)((v - 269) >> 8);
		ext[(*n)++] = (uint8_t)(v - 269);
	}
}

static void option(struct msg *m, unsigned number, const void *val, size_t len)
{
	uint8_t head[5], ext[4], d, l;
	size_t n = 0, h = 1;

	nibble(number - m->last_opt, &d, ext, &n);
	nibble((unsigned)len, &l, ext, &n);
	head[0] = (uint8_t)(d << 4 | l);
	memcpy(head + 1, ext, n);
	h += n;
	put(m, head, h);
	put(m, val, len);
	m->last_opt = number;
}

/* a uint option in as few bytes as it takes (0: none) */
static void option_uint(struct msg *m, unsigned number, uint32_t v)
{
	uint8_t b[4];
	size_t n = 0;

	for (int i = 3; i >= 0; i--)
		if (v >> (8 * i) || n)
			b[n++] = (uint8_t)(v >> (8 * i));
	option(m, number, b, n);
}

static uint32_t get_uint(const uint8_t *p, size_t n)
{
	uint32_t v = 0;

	for (size_t i = 0; i < n && i < 4; i++)
		v = v << 8 | p[i];
	return v;
}

iot_err net_coap_message_parse(const uint8_t *b, size_t n, struct net_coap_message *r)
{
	size_t i;
	unsigned number = 0;

	memset(r, 0, sizeof(*r));
	/* RFC 7252 3: version 1, type, token length, code, message ID */
	if (n < 4 || b[0] >> 6 != 1 || (b[0] & 0x0F) > 8)
		return IOT_E_ASN1_VALUE;
	r->type = b[0] >> 4 & 3;
	r->tkl = b[0] & 0x0F;
	r->code = b[1];
	r->mid = (uint16_t)(b[2] << 8 | b[3]);
	if (n < 4 + r->tkl)
		return IOT_E_ASN1_VALUE;
	memcpy(r->token, b + 4, r->tkl);
	for (i = 4 + r->tkl; i < n;) {
		unsigned d = b[i] >> 4, l = b[i] & 0x0F;

		if (b[i] == 0xFF) {
			if (i + 1 == n)
				return IOT_E_ASN1_VALUE;        /* a marker with no payload */
			r->payload = b + i + 1;
			r->payload_len = n - i - 1;
			return IOT_OK;
		}
		i++;
		if (d == 15 || l == 15)
			return IOT_E_ASN1_VALUE;
		if (d == 13) {
			if (i >= n)
				return IOT_E_ASN1_VALUE;
			d = 13u + b[i++];
		} else if (d == 14) {
			if (i + 1 >= n)
				return IOT_E_ASN1_VALUE;
			d = 269u + (unsigned)(b[i] << 8 | b[i + 1]);
			i += 2;
		}
		if (l == 13) {
			if (i >= n)
				return IOT_E_ASN1_VALUE;
			l = 13u + b[i++];
		} else if (l == 14) {
			if (i + 1 >= n)
				return IOT_E_ASN1_VALUE;
			l = 269u + (unsigned)(b[i] << 8 | b[i + 1]);
			i += 2;
		}
		if (n - i < l)
			return IOT_E_ASN1_VALUE;
		number += d;
		if (number == OPT_BLOCK1 && l <= 3) {
			r->has_block1 = true;
			r->block1 = get_uint(b + i, l);
		} else if (number == OPT_BLOCK2 && l <= 3) {
			r->has_block2 = true;
			r->block2 = get_uint(b + i, l);
		}
		i += l;
	}
	return IOT_OK;
}

struct client {
	struct net_tls_stream *s;
	uint16_t mid;
	uint8_t token[4];
	uint8_t in[BLOCK_SIZE + 256];
	struct net_coap_message r;
};

/* The request's head: CON POST, our token, the path's segments, the format. */
static void head(struct client *c, struct msg *m, const char *path)
{
	uint8_t h[4] = { 0x40 | sizeof(c->token), COAP_POST, 0, 0 };
	const char *seg = path, *p;

	c->mid++;
	h[2] = (uint8_t)(c->mid >> 8);
	h[3] = (uint8_t)c->mid;
	m->len = 0;
	m->last_opt = 0;
	m->overflow = false;
	put(m, h, 4);
	put(m, c->token, sizeof(c->token));
	for (p = path;; p++) {
		if (*p == '/' || !*p) {
			if (p > seg)
				option(m, OPT_URI_PATH, seg, (size_t)(p - seg));
			if (!*p)
				break;
			seg = p + 1;
		}
	}
	option_uint(m, OPT_CONTENT_FORMAT, FORMAT_OCTET_STREAM);
}

/* Sends m, waits for its answer: piggybacked in the ACK, or an empty ACK
 * then the response in a CON of its own (acknowledged here). */
static iot_err exchange(struct client *c, struct msg *m)
{
	size_t n;
	iot_err err;

	if (m->overflow)
		return IOT_E_BUFFER;
	if ((err = net_tls_stream_write(c->s, m->buf, m->len)) != IOT_OK)
		return err;
	for (;;) {
		if ((err = net_tls_stream_read(c->s, c->in, sizeof(c->in), &n)) != IOT_OK ||
		    (err = net_coap_message_parse(c->in, n, &c->r)) != IOT_OK)
			return err;
		if (c->r.type == COAP_RST)
			return IOT_E_IO;
		if (c->r.type == COAP_ACK && c->r.mid != c->mid)
			continue;       /* an old acknowledgement */
		if (c->r.type == COAP_ACK && c->r.code == 0)
			continue;       /* empty: the response comes separately */
		if (c->r.tkl != sizeof(c->token) || memcmp(c->r.token, c->token, sizeof(c->token)))
			continue;       /* another exchange's */
		if (c->r.type == COAP_CON) {
			uint8_t ack[4] = { 0x60, 0x00, (uint8_t)(c->r.mid >> 8), (uint8_t)c->r.mid };

			if ((err = net_tls_stream_write(c->s, ack, sizeof(ack))) != IOT_OK)
				return err;
		}
		return IOT_OK;
	}
}

static iot_err append(uint8_t **b, size_t *len, const uint8_t *p, size_t n, size_t max)
{
	uint8_t *q;

	if (n > max || *len > max - n)
		return IOT_E_BUFFER;
	if (!(q = realloc(*b, *len + n + 1)))
		return IOT_E_NOMEM;
	if (n)
		memcpy(q + *len, p, n);
	*b = q;
	*len += n;
	return IOT_OK;
}

iot_err net_coap_stream_post(struct net_tls_stream *s, const char *path, const uint8_t *body, size_t len,
			     size_t max_body, int *code, uint8_t **resp, size_t *resp_len)
{
	static atomic_uint next_mid;
	struct client *c = calloc(1, sizeof(*c));
	struct msg *m = calloc(1, sizeof(*m));
	size_t off = 0;
	uint32_t num = 0;
	iot_err err = IOT_OK;

	*resp = NULL;
	*resp_len = 0;
	if (!c || !m) {
		free(c);
		free(m);
		return IOT_E_NOMEM;
	}
	c->s = s;
	c->mid = (uint16_t)(atomic_fetch_add(&next_mid, 0x100) + 0x100);
	for (size_t i = 0; i < sizeof(c->token); i++)
		c->token[i] = (uint8_t)(c->mid >> (i * 3) ^ (uintptr_t)c >> (8 * i));
	/* RFC 7959 2.5: Block1, 1024 bytes a block, 2.31 Continue between */
	do {
		size_t n = len - off < BLOCK_SIZE ? len - off : BLOCK_SIZE;
		bool more = off + n < len;

		head(c, m, path);
		if (len > BLOCK_SIZE) {
			option_uint(m, OPT_BLOCK1, num << 4 | (more ? 8u : 0u) | BLOCK_SZX);
			if (!num)
				option_uint(m, OPT_SIZE1, (uint32_t)len);
		}
		if (n) {
			put(m, "\xFF", 1);
			put(m, body + off, n);
		}
		if ((err = exchange(c, m)) != IOT_OK)
			goto out;
		off += n;
		num++;
		if (more && c->r.code != COAP_CONTINUE) {
			break;          /* refused before the end: its answer stands */
		}
	} while (off < len);
	*code = (c->r.code >> 5) * 100 + (c->r.code & 0x1F);
	if ((err = append(resp, resp_len, c->r.payload, c->r.payload_len, max_body)) != IOT_OK)
		goto out;
	/* RFC 7959 2.4: the answer's further blocks, asked for one by one */
	while (c->r.has_block2 && (c->r.block2 & 8)) {
		uint32_t next = (c->r.block2 >> 4) + 1, szx = c->r.block2 & 7;

		head(c, m, path);
		option_uint(m, OPT_BLOCK2, next << 4 | szx);
		if ((err = exchange(c, m)) != IOT_OK)
			goto out;
		if (!c->r.has_block2 || c->r.block2 >> 4 != next) {
			err = IOT_E_ASN1_VALUE;
			goto out;
		}
		if ((err = append(resp, resp_len, c->r.payload, c->r.payload_len, max_body)) != IOT_OK)
			goto out;
	}
out:
	if (err != IOT_OK) {
		log_warn("net", "CoAP over the stream failed", "path=%s error=\"%s\"", path, iot_strerror(err));
		free(*resp);
		*resp = NULL;
		*resp_len = 0;
	}
	free(c);
	free(m);
	return err;
}
