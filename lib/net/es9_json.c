/* ES9+ JSON binding <-> ASN.1 (es9_json.h). Each function's request and ok
 * response are SEQUENCEs whose children map one to one onto JSON members:
 * transactionId as hex, every other member the base64 of one whole TLV
 * (SGP.22 6.5.2), except euiccChallenge (the 16 bytes) and smdpAddress (text). */
#include "net/es9_json.h"

#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "net/http.h"
#include "net/json_binding.h"

/* The JSON names of the children of each function's ok SEQUENCE, in order. */
static const char *const initiate_names[] = { "transactionId", "serverSigned1", "serverSignature1",
					      "euiccCiPKIdToBeUsed", "serverCertificate", NULL };
static const char *const authenticate_names[] = { "transactionId", "profileMetadata", "smdpSigned2",
						  "smdpSignature2", "smdpCertificate", NULL };
static const char *const bpp_names[] = { "transactionId", "boundProfilePackage", NULL };
static const char *const no_names[] = { NULL };

struct function_map {
	struct es9_json_function f;
	const char *const *names;
	const struct jb_code *errors;
};
static const struct function_map functions[] = {
	{ { "initiateAuthentication", 0xBF39 }, initiate_names, jb_es9_initiate_codes },
	{ { "authenticateClient", 0xBF3B }, authenticate_names, jb_es9_authenticate_codes },
	{ { "getBoundProfilePackage", 0xBF3A }, bpp_names, jb_es9_bpp_codes },
	{ { "handleNotification", 0xBF3D }, no_names, jb_no_codes },
	{ { "cancelSession", 0xBF41 }, no_names, jb_es9_cancel_codes },
};

static const struct function_map *map_of(const struct es9_json_function *f)
{
	return (const struct function_map *)f;  /* f is the first member */
}

const struct es9_json_function *es9_json_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (!strcmp(name, functions[i].f.name))
			return &functions[i].f;
	return NULL;
}

static const struct es9_json_function *by_tag(uint32_t tag)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (tag == functions[i].f.tag)
			return &functions[i].f;
	return NULL;
}

/* ---- server side ---- */

static iot_err put_txid(const json_t *q, struct der_writer *w)
{
	const char *text = json_string_value(json_object_get(q, "transactionId"));
	uint8_t txid[16];
	size_t n;

	/* SGP.22 6.5.2: transactionId is hex; TransactionId is 1 to 16 bytes */
	if (!text || hex_decode(text, txid, sizeof(txid), &n) != IOT_OK || !n)
		return IOT_E_JSON;
	der_put_tlv(w, 0x80, txid, n);
	return IOT_OK;
}

/* Appends the base64 ASN.1 value q[key] (one whole TLV); retag != 0
 * replaces its tag. */
static iot_err put_asn1(const json_t *q, const char *key, uint32_t retag, struct der_writer *w)
{
	struct der_tlv t;
	uint8_t *der;
	size_t len;
	iot_err err = jb_get_asn1(q, key, &der, &len);

	if (err != IOT_OK)
		return IOT_E_JSON;
	if ((err = der_parse_one(der, len, &t)) == IOT_OK) {
		if (retag)
			der_put_tlv(w, retag, t.value, t.len);
		else
			der_put_raw(w, der, len);
	}
	free(der);
	return err;
}

iot_err es9_json_request_to_asn1(const struct es9_json_function *f, const json_t *q, struct der_writer *w)
{
	size_t a2 = der_begin(w, 0xA2), inner = der_begin(w, f->tag), mark;
	const char *address;
	uint8_t *challenge;
	size_t len;
	iot_err err = IOT_OK;

	switch (f->tag) {
	case 0xBF39:
		address = json_string_value(json_object_get(q, "smdpAddress"));
		if ((err = jb_get_asn1(q, "euiccChallenge", &challenge, &len)) != IOT_OK)
			return IOT_E_JSON;
		der_put_tlv(w, 0x81, challenge, len);
		free(challenge);
		if (!address)
			return IOT_E_JSON;
		der_put_tlv(w, 0x83, (const uint8_t *)address, strlen(address));
		err = put_asn1(q, "euiccInfo1", 0, w);
		break;
	case 0xBF3B:
		if ((err = put_txid(q, w)) == IOT_OK)
			err = put_asn1(q, "authenticateServerResponse", 0, w);
		break;
	case 0xBF3A:
		if ((err = put_txid(q, w)) == IOT_OK)
			err = put_asn1(q, "prepareDownloadResponse", 0, w);
		break;
	case 0xBF3D:
		/* HandleNotification: pendingNotification is an explicit [0] */
		mark = der_begin(w, 0xA0);
		err = put_asn1(q, "pendingNotification", 0, w);
		der_end(w, mark);
		break;
	default:
		/* CancelSessionRequestEs9: cancelSessionResponse is [1], implicit */
		if ((err = put_txid(q, w)) == IOT_OK)
			err = put_asn1(q, "cancelSessionResponse", 0xA1, w);
		break;
	}
	der_end(w, inner);
	der_end(w, a2);
	return err == IOT_OK ? der_writer_err(w) : err;
}

iot_err es9_json_response_from_asn1(const struct es9_json_function *f, const uint8_t *der, size_t len, json_t *out)
{
	const char *const *names = map_of(f)->names;
	struct der_reader top, in, ok;
	struct der_tlv t;
	char txid[33];
	iot_err err;

	der_reader_init(&top, der, len);
	if ((err = der_read(&top, &t)) != IOT_OK || (err = der_enter(&top, &t, &in)) != IOT_OK ||
	    (err = der_read(&in, &t)) != IOT_OK || (err = der_enter(&in, &t, &ok)) != IOT_OK ||
	    (err = der_read(&ok, &t)) != IOT_OK)
		return err;
	if (t.tag != 0xA0)
		return IOT_E_ASN1_CHOICE;
	if ((err = der_enter(&ok, &t, &in)) != IOT_OK)
		return err;
	for (size_t i = 0; names[i] && !der_reader_done(&in); i++) {
		if ((err = der_read(&in, &t)) != IOT_OK)
			return err;
		if (t.tag == 0x80 && t.len <= 16) {
			hex_encode(t.value, t.len, txid);
			json_object_set_new(out, names[i], json_string(txid));
		} else if ((err = jb_set_asn1(out, names[i], t.raw, t.raw_len)) != IOT_OK) {
			return err;
		}
	}
	return IOT_OK;
}

/* ---- client side ---- */

static iot_err set_txid(json_t *o, const struct der_tlv *t)
{
	char hex[33];

	if (t->tag != 0x80 || !t->len || t->len > 16)
		return IOT_E_ASN1_TAG;
	hex_encode(t->value, t->len, hex);
	json_object_set_new(o, "transactionId", json_string(hex));
	return IOT_OK;
}

/* The next child of in, which must carry tag. */
static iot_err next(struct der_reader *in, uint32_t tag, struct der_tlv *t)
{
	iot_err err = der_read(in, t);

	return err != IOT_OK ? err : t->tag == tag ? IOT_OK : IOT_E_ASN1_TAG;
}

static iot_err request_members(uint32_t tag, struct der_reader *in, json_t *o)
{
	struct der_tlv t, x;
	struct der_reader inner;
	struct der_writer w;
	iot_err err;

	switch (tag) {
	case 0xBF39:
		if ((err = next(in, 0x81, &t)) != IOT_OK ||
		    (err = jb_set_asn1(o, "euiccChallenge", t.value, t.len)) != IOT_OK ||
		    (err = next(in, 0x83, &t)) != IOT_OK)
			return err;
		/* UTF8String: text JSON can carry, or the request is malformed */
		if (json_object_set_new(o, "smdpAddress", json_stringn((const char *)t.value, t.len)))
			return IOT_E_ASN1_VALUE;
		if ((err = next(in, 0xBF20, &t)) != IOT_OK)
			return err;
		return jb_set_asn1(o, "euiccInfo1", t.raw, t.raw_len);
	case 0xBF3B:
	case 0xBF3A:
		if ((err = der_read(in, &t)) != IOT_OK || (err = set_txid(o, &t)) != IOT_OK ||
		    (err = next(in, tag == 0xBF3B ? 0xBF38 : 0xBF21, &t)) != IOT_OK)
			return err;
		return jb_set_asn1(o, tag == 0xBF3B ? "authenticateServerResponse" : "prepareDownloadResponse", t.raw,
				   t.raw_len);
	case 0xBF3D:
		if ((err = next(in, 0xA0, &t)) != IOT_OK || (err = der_enter(in, &t, &inner)) != IOT_OK ||
		    (err = der_read(&inner, &x)) != IOT_OK)
			return err;
		return jb_set_asn1(o, "pendingNotification", x.raw, x.raw_len);
	default:
		if ((err = der_read(in, &t)) != IOT_OK || (err = set_txid(o, &t)) != IOT_OK ||
		    (err = next(in, 0xA1, &t)) != IOT_OK)
			return err;
		/* [1] implicit in the request; the JSON carries it as ES10b gave it, 'BF41' */
		der_writer_dynamic(&w);
		der_put_tlv(&w, 0xBF41, t.value, t.len);
		err = der_writer_err(&w);
		if (err == IOT_OK)
			err = jb_set_asn1(o, "cancelSessionResponse", w.buf, w.len);
		der_writer_free(&w);
		return err;
	}
}

iot_err es9_json_request_from_asn1(const uint8_t *der, size_t len, const struct es9_json_function **f,
				   json_t **body)
{
	struct der_reader top, a2, in;
	struct der_tlv t;
	json_t *o;
	iot_err err;

	der_reader_init(&top, der, len);
	if ((err = next(&top, 0xA2, &t)) != IOT_OK || (err = der_enter(&top, &t, &a2)) != IOT_OK ||
	    (err = der_read(&a2, &t)) != IOT_OK)
		return err;
	if (!(*f = by_tag(t.tag)))
		return IOT_E_ASN1_CHOICE;
	if ((err = der_enter(&a2, &t, &in)) != IOT_OK)
		return err;
	if (!(o = json_object()))
		return IOT_E_NOMEM;
	if ((err = request_members(t.tag, &in, o)) != IOT_OK) {
		json_decref(o);
		return err;
	}
	*body = o;
	return IOT_OK;
}

iot_err es9_json_response_to_asn1(const struct es9_json_function *f, const json_t *resp, struct der_writer *w)
{
	const char *const *names = map_of(f)->names;
	struct jb_status st;
	size_t a2, inner, ok;
	iot_err err;

	if (f->tag == 0xBF3D)
		return IOT_OK;          /* HandleNotification: no response */
	if ((err = jb_response_status(resp, &st)) != IOT_OK)
		return err;
	a2 = der_begin(w, 0xA2);
	inner = der_begin(w, f->tag);
	if (!strcmp(st.status, JB_EXECUTED_SUCCESS) || !strcmp(st.status, JB_EXECUTED_WITH_WARNING)) {
		ok = der_begin(w, 0xA0);
		for (size_t i = 0; names[i] && err == IOT_OK; i++) {
			if (!strcmp(names[i], "transactionId"))
				err = put_txid(resp, w);
			else
				err = put_asn1(resp, names[i], 0, w);
		}
		der_end(w, ok);
	} else {
		der_put_int64(w, 0x81, jb_code_of(map_of(f)->errors, &st));
	}
	der_end(w, inner);
	der_end(w, a2);
	return err == IOT_OK ? der_writer_err(w) : err;
}

iot_err es9_json_post(struct http_client *http, const char *base, const uint8_t *req, size_t n, int *status,
		      uint8_t **resp, size_t *resp_len, struct es9_json_bytes *bytes)
{
	static const char *const headers[] = { "Content-Type: application/json", "X-Admin-Protocol: gsma/rsp/v2.5.0",
					       NULL };
	const struct es9_json_function *f;
	struct der_writer w;
	json_t *body, *answer = NULL;
	char url[512], *text;
	uint8_t *got = NULL;
	size_t got_len = 0;
	iot_err err;

	*resp = NULL;
	*resp_len = 0;
	*status = 0;
	if ((err = es9_json_request_from_asn1(req, n, &f, &body)) != IOT_OK)
		return err;
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return IOT_E_NOMEM;
	snprintf(url, sizeof(url), "%s%s", base, f->name);
	err = http_client_post(http, url, headers, (const uint8_t *)text, strlen(text), status, &got, &got_len);
	if (err == IOT_OK && bytes) {
		bytes->sent += strlen(text);
		bytes->received += got_len;
	}
	free(text);
	if (err != IOT_OK || *status == 204 || (*status == 200 && !got_len)) {
		free(got);
		return err;
	}
	if (*status != 200 || !(answer = json_loadb((const char *)got, got_len, 0, NULL))) {
		free(got);
		return IOT_E_IO;
	}
	free(got);
	der_writer_dynamic(&w);
	if ((err = es9_json_response_to_asn1(f, answer, &w)) == IOT_OK && w.len) {
		*resp = w.buf;
		*resp_len = w.len;
		w.buf = NULL;
	}
	der_writer_free(&w);
	json_decref(answer);
	return err;
}
