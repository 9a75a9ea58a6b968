/* ESipa JSON binding <-> ASN.1 (esipa_json.h). Each message is described by
 * its members in ASN.1 order: the tag on the wire, the JSON name and how the
 * value is carried. One walker turns DER into JSON and one JSON into DER, so
 * a function is a row in a table, not code of its own. */
#include "net/esipa_json.h"

#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "net/json_binding.h"

enum kind {
	K_HEX,          /* the value as upper-case hex text (transactionId, eidValue) */
	K_TLV,          /* the whole element, tag included, base64 */
	K_TLV_BARE,     /* as K_TLV; a bare value (no tag) is accepted on input */
	K_VAL,          /* the value alone, base64 (euiccChallenge, rPlmn) */
	K_TEXT,         /* a UTF8String as a JSON string */
	K_INT,          /* an INTEGER as a JSON integer */
	K_TRUE,         /* a NULL that is there: true */
	K_WRAP,         /* an explicit tag around one element: base64 of that element */
	K_RETAG,        /* an implicit tag over an element the JSON carries under its own tag (json_tag) */
	K_SEQ,          /* a SEQUENCE whose members are the body's own */
	K_OBJ,          /* a SEQUENCE carried as a JSON object of its members */
	K_EMPTY,        /* an alternative with nothing to say: the header alone */
	K_ERROR,        /* an error INTEGER: a Failed status with the function's codes */
};

struct member {
	uint32_t tag;                   /* 0: any tag (a CHOICE carried whole) */
	const char *name;
	enum kind kind;
	bool optional;
	const struct member *sub;       /* K_SEQ, K_OBJ: its members, ending with name NULL */
	uint32_t json_tag;              /* K_RETAG */
};

struct shape {
	bool choice;                    /* one of the members, or all of them in order */
	const struct member *m;         /* NULL: no message at all */
};

#define END { 0, NULL, K_EMPTY, false, NULL, 0 }

/* ---- IPA -> eIM ---- */

static const struct member get_eim_package_request[] = {
	{ 0x5A, "eidValue", K_HEX, false, NULL, 0 },
	{ 0x80, "notifyStateChange", K_TRUE, true, NULL, 0 },
	{ 0x81, "stateChangeCause", K_INT, true, NULL, 0 },
	{ 0x82, "rPlmn", K_VAL, true, NULL, 0 },
	END,
};
static const struct member provide_eim_package_result[] = {
	{ 0x5A, "eidValue", K_HEX, true, NULL, 0 },
	{ 0, "eimPackageResult", K_TLV, false, NULL, 0 },
	END,
};
static const struct member handle_notification[] = {
	{ 0xA0, "pendingNotification", K_WRAP, false, NULL, 0 },
	{ 0xBF50, "provideEimPackageResult", K_TLV, false, NULL, 0 },
	END,
};
static const struct member initiate_authentication_request[] = {
	{ 0x81, "euiccChallenge", K_VAL, false, NULL, 0 },
	{ 0x83, "smdpAddress", K_TEXT, true, NULL, 0 },
	{ 0xBF20, "euiccInfo1", K_TLV, true, NULL, 0 },
	{ 0x82, "eimTransactionId", K_HEX, true, NULL, 0 },
	END,
};
static const struct member authenticate_client_request[] = {
	{ 0x80, "transactionId", K_HEX, false, NULL, 0 },
	{ 0xBF38, "authenticateServerResponse", K_TLV, false, NULL, 0 },
	END,
};
static const struct member get_bpp_request[] = {
	{ 0x80, "transactionId", K_HEX, false, NULL, 0 },
	{ 0xBF21, "prepareDownloadResponse", K_TLV, false, NULL, 0 },
	END,
};
/* AUTOMATIC TAGS: [1] replaces the 'BF41' of SGP32-CancelSessionResponse */
static const struct member cancel_session_request[] = {
	{ 0x80, "transactionId", K_HEX, false, NULL, 0 },
	{ 0xA1, "cancelSessionResponse", K_RETAG, false, NULL, 0xBF41 },
	END,
};
static const struct member epr_and_notifications[] = {
	{ 0xBF51, "euiccPackageResult", K_TLV, false, NULL, 0 },
	{ 0xA0, "notificationList", K_TLV, false, NULL, 0 },
	END,
};
static const struct member transfer_eim_package_response[] = {
	{ 0xBF51, "euiccPackageResult", K_TLV, false, NULL, 0 },
	{ 0x30, "ePRAndNotifications", K_OBJ, false, epr_and_notifications, 0 },
	{ 0xBF52, "ipaEuiccDataResponse", K_TLV, false, NULL, 0 },
	{ 0x02, "eimPackageError", K_INT, false, NULL, 0 },
	{ 0x05, "eimPackageReceived", K_EMPTY, false, NULL, 0 },
	END,
};

/* ---- eIM -> IPA ---- */

static const struct member get_eim_package_response[] = {
	{ 0xBF51, "euiccPackageRequest", K_TLV, false, NULL, 0 },
	{ 0xBF52, "ipaEuiccDataRequest", K_TLV, false, NULL, 0 },
	{ 0xBF54, "profileDownloadTriggerRequest", K_TLV, false, NULL, 0 },
	{ 0x02, "eimPackageError", K_INT, false, NULL, 0 },
	END,
};
static const struct member provide_eim_package_result_response[] = {
	{ 0xBF53, "eimAcknowledgements", K_TLV, false, NULL, 0 },
	{ 0x02, "provideEimPackageResultError", K_ERROR, false, NULL, 0 },
	{ 0x30, "emptyResponse", K_EMPTY, false, NULL, 0 },
	END,
};
static const struct member initiate_authentication_ok[] = {
	{ 0x80, "transactionId", K_HEX, true, NULL, 0 },
	{ 0x30, "serverSigned1", K_TLV, false, NULL, 0 },
	{ 0x5F37, "serverSignature1", K_TLV_BARE, false, NULL, 0 },
	{ 0x04, "euiccCiPKIdentifierToBeUsed", K_TLV_BARE, false, NULL, 0 },
	{ 0x30, "serverCertificate", K_TLV, false, NULL, 0 },
	{ 0x0C, "matchingId", K_TEXT, true, NULL, 0 },
	{ 0xA2, "ctxParams1", K_TLV, true, NULL, 0 },
	END,
};
static const struct member initiate_authentication_response[] = {
	{ 0xA0, "ok", K_SEQ, false, initiate_authentication_ok, 0 },
	{ 0x81, "error", K_ERROR, false, NULL, 0 },
	END,
};
static const struct member authenticate_client_ok_dp[] = {
	{ 0x80, "transactionId", K_HEX, true, NULL, 0 },
	{ 0xBF25, "profileMetadata", K_TLV, true, NULL, 0 },
	{ 0x30, "smdpSigned2", K_TLV, false, NULL, 0 },
	{ 0x5F37, "smdpSignature2", K_TLV_BARE, false, NULL, 0 },
	{ 0x30, "smdpCertificate", K_TLV, false, NULL, 0 },
	{ 0x04, "hashCc", K_TLV_BARE, true, NULL, 0 },
	END,
};
static const struct member authenticate_client_ok_ds[] = {
	{ 0x80, "transactionId", K_HEX, false, NULL, 0 },
	{ 0xBF54, "profileDownloadTrigger", K_TLV, true, NULL, 0 },
	END,
};
static const struct member authenticate_client_response[] = {
	{ 0xA0, "okDP", K_SEQ, false, authenticate_client_ok_dp, 0 },
	{ 0xA1, "okDS", K_SEQ, false, authenticate_client_ok_ds, 0 },
	{ 0x82, "error", K_ERROR, false, NULL, 0 },
	END,
};
static const struct member get_bpp_ok[] = {
	{ 0x80, "transactionId", K_HEX, true, NULL, 0 },
	{ 0xBF36, "boundProfilePackage", K_TLV, false, NULL, 0 },
	END,
};
static const struct member get_bpp_response[] = {
	{ 0xA0, "ok", K_SEQ, false, get_bpp_ok, 0 },
	{ 0x81, "error", K_ERROR, false, NULL, 0 },
	END,
};
static const struct member cancel_session_response[] = {
	{ 0x81, "error", K_ERROR, false, NULL, 0 },
	{ 0xA0, "ok", K_EMPTY, false, NULL, 0 },
	END,
};
static const struct member transfer_eim_package_request[] = {
	{ 0xBF51, "euiccPackageRequest", K_TLV, false, NULL, 0 },
	{ 0xBF52, "ipaEuiccDataRequest", K_TLV, false, NULL, 0 },
	{ 0xBF53, "eimAcknowledgements", K_TLV, false, NULL, 0 },
	{ 0xBF54, "profileDownloadTriggerRequest", K_TLV, false, NULL, 0 },
	END,
};

/* The failure statuses of getEimPackage and provideEimPackageResult, as the
 * vendor IPA reads them (SGP.22's subject 8.1.1 EID with its reasons). */
static const struct jb_code eim_package_codes[] = {
	{ "8.1.1", "3.7", 1 }, { "8.1.1", "3.9", 2 }, { "8.1.1", "2.1", 3 }, { "8.1.1", "2.2", 4 }, { NULL, NULL, 0 },
};

struct function_map {
	struct esipa_json_function f;
	struct shape request, response;
	const struct jb_code *codes;
	uint32_t error_tag;             /* where a Failed status goes; 0: nowhere */
};

static const struct function_map functions[] = {
	{ { "getEimPackage", 0xBF4F }, { false, get_eim_package_request }, { true, get_eim_package_response },
	  eim_package_codes, 0x02 },
	{ { "provideEimPackageResult", 0xBF50 }, { false, provide_eim_package_result },
	  { true, provide_eim_package_result_response }, eim_package_codes, 0x02 },
	{ { "handleNotification", 0xBF3D }, { true, handle_notification }, { false, NULL }, jb_no_codes, 0 },
	{ { "initiateAuthentication", 0xBF39 }, { false, initiate_authentication_request },
	  { true, initiate_authentication_response }, jb_es9_initiate_codes, 0x81 },
	{ { "authenticateClient", 0xBF3B }, { false, authenticate_client_request }, { true, authenticate_client_response },
	  jb_es9_authenticate_codes, 0x82 },
	{ { "getBoundProfilePackage", 0xBF3A }, { false, get_bpp_request }, { true, get_bpp_response }, jb_es9_bpp_codes,
	  0x81 },
	{ { "cancelSession", 0xBF41 }, { false, cancel_session_request }, { true, cancel_session_response },
	  jb_es9_cancel_codes, 0x81 },
	{ { "transferEimPackage", 0xBF4E }, { true, transfer_eim_package_request }, { true, transfer_eim_package_response },
	  jb_no_codes, 0x02 },
};
#define FUNCTION_COUNT (sizeof(functions) / sizeof(functions[0]))

const char *const esipa_json_coap_paths[] = {
	"gsma/rsp2/esipa/getEimPackage",       "gsma/rsp2/esipa/provideEimPackageResult",
	"gsma/rsp2/esipa/handleNotification",  "gsma/rsp2/esipa/initiateAuthentication",
	"gsma/rsp2/esipa/authenticateClient",  "gsma/rsp2/esipa/getBoundProfilePackage",
	"gsma/rsp2/esipa/cancelSession",       "gsma/rsp2/esipa/transferEimPackage",
	NULL,
};

static const struct function_map *map_of(const struct esipa_json_function *f)
{
	return (const struct function_map *)f;  /* f is the first member */
}

const struct esipa_json_function *esipa_json_by_name(const char *name)
{
	for (size_t i = 0; i < FUNCTION_COUNT; i++)
		if (!strcmp(name, functions[i].f.name))
			return &functions[i].f;
	return NULL;
}

/* ---- ASN.1 -> JSON ---- */

static iot_err members_to_json(const struct member *m, bool choice, struct der_reader *in, json_t *o, int *error);

static iot_err set_new(json_t *o, const char *name, json_t *v)
{
	return v && !json_object_set_new(o, name, v) ? IOT_OK : IOT_E_ASN1_VALUE;
}

static iot_err member_to_json(const struct member *m, const struct der_reader *parent, const struct der_tlv *t,
			      json_t *o, int *error)
{
	struct der_reader in;
	struct der_tlv x;
	struct der_writer w;
	char text[2 * 64 + 1];
	int64_t v;
	json_t *obj;
	iot_err err;

	switch (m->kind) {
	case K_HEX:
		if (!t->len || t->len > 64)
			return IOT_E_ASN1_SIZE;
		hex_encode(t->value, t->len, text);
		return set_new(o, m->name, json_string(text));
	case K_TLV:
	case K_TLV_BARE:
		return jb_set_asn1(o, m->name, t->raw, t->raw_len);
	case K_VAL:
		return jb_set_asn1(o, m->name, t->value, t->len);
	case K_TEXT:
		/* UTF8String: text JSON can carry, or the message is malformed */
		return set_new(o, m->name, json_stringn((const char *)t->value, t->len));
	case K_INT:
	case K_ERROR:
		if ((err = der_get_int64(t, &v)) != IOT_OK)
			return err;
		if (m->kind == K_ERROR) {
			*error = v > 0 && v < 128 ? (int)v : 127;
			return IOT_OK;
		}
		return set_new(o, m->name, json_integer(v));
	case K_TRUE:
		return set_new(o, m->name, json_true());
	case K_WRAP:
		if ((err = der_enter(parent, t, &in)) != IOT_OK || (err = der_read(&in, &x)) != IOT_OK)
			return err;
		if (!der_reader_done(&in))
			return IOT_E_DER_TRAILING;
		return jb_set_asn1(o, m->name, x.raw, x.raw_len);
	case K_RETAG:
		der_writer_dynamic(&w);
		der_put_tlv(&w, m->json_tag, t->value, t->len);
		if ((err = der_writer_err(&w)) == IOT_OK)
			err = jb_set_asn1(o, m->name, w.buf, w.len);
		der_writer_free(&w);
		return err;
	case K_SEQ:
		if ((err = der_enter(parent, t, &in)) != IOT_OK)
			return err;
		return members_to_json(m->sub, false, &in, o, error);
	case K_OBJ:
		if ((err = der_enter(parent, t, &in)) != IOT_OK)
			return err;
		if (!(obj = json_object()))
			return IOT_E_NOMEM;
		if ((err = members_to_json(m->sub, false, &in, obj, error)) != IOT_OK) {
			json_decref(obj);
			return err;
		}
		return set_new(o, m->name, obj);
	case K_EMPTY:
		return t->len ? IOT_E_ASN1_VALUE : IOT_OK;
	}
	return IOT_E_ARG;
}

static iot_err members_to_json(const struct member *m, bool choice, struct der_reader *in, json_t *o, int *error)
{
	struct der_tlv t;
	iot_err err;

	if (choice) {
		if ((err = der_read(in, &t)) != IOT_OK)
			return err;
		for (; m->name; m++)
			if (m->tag == t.tag || !m->tag)
				break;
		if (!m->name)
			return IOT_E_ASN1_CHOICE;
		if ((err = member_to_json(m, in, &t, o, error)) != IOT_OK)
			return err;
		return der_reader_done(in) ? IOT_OK : IOT_E_DER_TRAILING;
	}
	for (; m->name; m++) {
		if (der_reader_done(in) || der_peek(in, &t) != IOT_OK || (m->tag && t.tag != m->tag)) {
			if (m->optional)
				continue;
			return der_reader_done(in) ? IOT_E_ASN1_MISSING : IOT_E_ASN1_TAG;
		}
		if ((err = der_read(in, &t)) != IOT_OK || (err = member_to_json(m, in, &t, o, error)) != IOT_OK)
			return err;
	}
	return der_reader_done(in) ? IOT_OK : IOT_E_DER_TRAILING;
}

/* The message of f with shape s, whole: f's tag around the members. */
static iot_err message_to_json(const struct function_map *f, const struct shape *s, const uint8_t *der, size_t len,
			       json_t *o, int *error)
{
	struct der_reader top, in;
	struct der_tlv t;
	iot_err err;

	der_reader_init(&top, der, len);
	if ((err = der_read(&top, &t)) != IOT_OK)
		return err;
	if (!der_reader_done(&top))
		return IOT_E_DER_TRAILING;
	if (t.tag != f->f.tag)
		return IOT_E_ASN1_TAG;
	if ((err = der_enter(&top, &t, &in)) != IOT_OK)
		return err;
	return members_to_json(s->m, s->choice, &in, o, error);
}

iot_err esipa_json_request_from_asn1(const uint8_t *der, size_t len, const struct esipa_json_function **f,
				     json_t **body)
{
	uint32_t tag;
	size_t vlen, hlen;
	int error = 0;
	json_t *o;
	iot_err err;

	*f = NULL;
	if ((err = der_read_header(der, len, &tag, &vlen, &hlen)) != IOT_OK)
		return err;
	for (size_t i = 0; i < FUNCTION_COUNT && !*f; i++)
		if (functions[i].f.tag == tag)
			*f = &functions[i].f;
	if (!*f)
		return IOT_E_ASN1_CHOICE;
	if (!(o = json_object()))
		return IOT_E_NOMEM;
	if ((err = message_to_json(map_of(*f), &map_of(*f)->request, der, len, o, &error)) != IOT_OK) {
		json_decref(o);
		return err;
	}
	*body = o;
	return IOT_OK;
}

iot_err esipa_json_response_from_asn1(const struct esipa_json_function *f, const uint8_t *der, size_t len,
				      json_t **body)
{
	const struct function_map *fm = map_of(f);
	struct jb_status st = { JB_EXECUTED_SUCCESS, NULL, NULL, NULL, NULL };
	const struct jb_code *code;
	int error = 0;
	json_t *o, *r;
	iot_err err;

	*body = NULL;
	if (!len || !fm->response.m)
		return len ? IOT_E_DER_TRAILING : IOT_OK;       /* 204 */
	if (!(o = json_object()))
		return IOT_E_NOMEM;
	if ((err = message_to_json(fm, &fm->response, der, len, o, &error)) != IOT_OK) {
		json_decref(o);
		return err;
	}
	if (error) {
		/* SGP.22 6.5.1.4: a failure is a status, with the code that stands for it */
		code = jb_code_find(fm->codes, error);
		st = (struct jb_status){ JB_FAILED, code ? code->subject : "8.1", code ? code->reason : "4.2", NULL,
					 code ? NULL : "undefinedError" };
	}
	if (!(r = jb_response(&st)) || json_object_update(r, o)) {
		json_decref(r);
		json_decref(o);
		return IOT_E_NOMEM;
	}
	json_decref(o);
	*body = r;
	return IOT_OK;
}

/* ---- JSON -> ASN.1 ---- */

static iot_err members_to_asn1(const struct member *m, bool choice, const json_t *o, struct der_writer *w);

static bool present(const json_t *o, const struct member *m)
{
	json_t *v = json_object_get(o, m->name);

	if (m->kind == K_SEQ) {
		for (const struct member *s = m->sub; s->name; s++)
			if (!s->optional && !present(o, s))
				return false;
		return true;
	}
	if (m->kind == K_EMPTY || m->kind == K_ERROR)
		return false;
	return v && !json_is_null(v) && !(m->kind == K_TRUE && json_is_false(v));
}

/* o[name] decoded from base64 into a malloc'd buffer. */
static iot_err get_bytes(const json_t *o, const char *name, uint8_t **b, size_t *len)
{
	iot_err err = jb_get_asn1(o, name, b, len);

	return err == IOT_E_NOMEM ? err : err != IOT_OK ? IOT_E_JSON : IOT_OK;
}

static iot_err member_to_asn1(const struct member *m, const json_t *o, struct der_writer *w)
{
	json_t *v = json_object_get(o, m->name);
	const char *text;
	uint8_t bin[64], *b = NULL;
	struct der_tlv t;
	size_t len, mark;
	iot_err err = IOT_OK;

	switch (m->kind) {
	case K_HEX:
		if (!(text = json_string_value(v)) || hex_decode(text, bin, sizeof(bin), &len) != IOT_OK || !len)
			return IOT_E_JSON;
		der_put_tlv(w, m->tag, bin, len);
		return IOT_OK;
	case K_TEXT:
		if (!(text = json_string_value(v)))
			return IOT_E_JSON;
		der_put_tlv(w, m->tag, (const uint8_t *)text, json_string_length(v));
		return IOT_OK;
	case K_INT:
		if (!json_is_integer(v))
			return IOT_E_JSON;
		der_put_int64(w, m->tag, json_integer_value(v));
		return IOT_OK;
	case K_TRUE:
		if (!json_is_true(v))
			return IOT_E_JSON;
		der_put_tlv(w, m->tag, NULL, 0);
		return IOT_OK;
	case K_OBJ:
		if (!json_is_object(v))
			return IOT_E_JSON;
		mark = der_begin(w, m->tag);
		err = members_to_asn1(m->sub, false, v, w);
		der_end(w, mark);
		return err;
	case K_SEQ:
		mark = der_begin(w, m->tag);
		err = members_to_asn1(m->sub, false, o, w);
		der_end(w, mark);
		return err;
	case K_EMPTY:
		der_put_tlv(w, m->tag, NULL, 0);
		return IOT_OK;
	case K_ERROR:
		return IOT_E_ARG;
	case K_TLV:
	case K_TLV_BARE:
	case K_VAL:
	case K_WRAP:
	case K_RETAG:
		break;
	}
	if ((err = get_bytes(o, m->name, &b, &len)) != IOT_OK)
		return err;
	if (m->kind == K_VAL) {
		der_put_tlv(w, m->tag, b, len);
	} else if (der_parse_one(b, len, &t) != IOT_OK) {
		/* the sources differ: a signature or key identifier may come bare */
		if (m->kind == K_TLV_BARE)
			der_put_tlv(w, m->tag, b, len);
		else
			err = IOT_E_ASN1_VALUE;
	} else if (m->kind == K_WRAP) {
		mark = der_begin(w, m->tag);
		der_put_raw(w, b, len);
		der_end(w, mark);
	} else if (m->kind == K_RETAG) {
		if (t.tag == m->json_tag || t.tag == m->tag)
			der_put_tlv(w, m->tag, t.value, t.len);
		else
			err = IOT_E_ASN1_TAG;
	} else if (!m->tag || t.tag == m->tag) {
		der_put_raw(w, b, len);
	} else if (m->kind == K_TLV_BARE) {
		der_put_tlv(w, m->tag, b, len);         /* bare bytes that happen to parse */
	} else {
		err = IOT_E_ASN1_TAG;
	}
	free(b);
	return err;
}

static iot_err members_to_asn1(const struct member *m, bool choice, const json_t *o, struct der_writer *w)
{
	const struct member *empty = NULL;
	iot_err err;

	if (!json_is_object(o))
		return IOT_E_JSON;
	if (choice) {
		for (; m->name; m++) {
			if (m->kind == K_EMPTY && !empty)
				empty = m;
			if (present(o, m))
				return member_to_asn1(m, o, w);
		}
		/* none of them: the alternative that says nothing, when there is one */
		return empty ? member_to_asn1(empty, o, w) : IOT_E_JSON;
	}
	for (; m->name; m++) {
		if (!present(o, m)) {
			if (m->optional)
				continue;
			return IOT_E_JSON;
		}
		if ((err = member_to_asn1(m, o, w)) != IOT_OK)
			return err;
	}
	return IOT_OK;
}

iot_err esipa_json_request_to_asn1(const struct esipa_json_function *f, const json_t *body, struct der_writer *w)
{
	const struct function_map *fm = map_of(f);
	size_t mark = der_begin(w, f->tag);
	iot_err err = members_to_asn1(fm->request.m, fm->request.choice, body, w);

	der_end(w, mark);
	return err == IOT_OK ? der_writer_err(w) : err;
}

iot_err esipa_json_response_to_asn1(const struct esipa_json_function *f, const json_t *body, struct der_writer *w)
{
	const struct function_map *fm = map_of(f);
	struct jb_status st = { JB_EXECUTED_SUCCESS, NULL, NULL, NULL, NULL };
	size_t mark;
	iot_err err = IOT_OK;

	/* 204, or handleNotification's header alone: no answer, as the ASN.1
	 * binding's empty one */
	if (!fm->response.m || !body)
		return IOT_OK;
	/* a header is what the binding sends; a body without one is taken as it is */
	if (json_object_get(body, "header") && (err = jb_response_status(body, &st)) != IOT_OK)
		return err;
	mark = der_begin(w, f->tag);
	if (!strcmp(st.status, JB_EXECUTED_SUCCESS) || !strcmp(st.status, JB_EXECUTED_WITH_WARNING)) {
		err = members_to_asn1(fm->response.m, fm->response.choice, body, w);
	} else if (fm->error_tag) {
		/* SGP.22 6.5.1.4: the status stands for the function's error code */
		der_put_int64(w, fm->error_tag, jb_code_of(fm->codes, &st));
	} else {
		err = IOT_E_JSON;
	}
	der_end(w, mark);
	return err == IOT_OK ? der_writer_err(w) : err;
}

/* ---- over a transport ---- */

static char *dump(const json_t *j, size_t *len)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	*len = text ? strlen(text) : 0;
	return text;
}

static void serve_failed(struct esipa_json_answer *a, const char *subject, const char *reason, const char *message)
{
	struct jb_status st = { JB_FAILED, subject, reason, NULL, message };
	json_t *r = jb_response(&st);

	a->status = r ? 200 : 503;
	a->body = dump(r, &a->body_len);
	json_decref(r);
}

void esipa_json_serve(const char *function, const uint8_t *body, size_t len, esipa_json_core core, void *ctx,
		      struct esipa_json_answer *a)
{
	const struct esipa_json_function *f = esipa_json_by_name(function);
	struct der_writer req, resp;
	json_t *in, *out = NULL;
	iot_err err;

	memset(a, 0, sizeof(*a));
	if (!f) {
		a->status = 404;
		return;
	}
	if (!(in = json_loadb((const char *)body, len, 0, NULL)) || !json_is_object(in)) {
		json_decref(in);
		a->status = 400;
		a->malformed = true;
		return;
	}
	der_writer_dynamic(&req);
	der_writer_dynamic(&resp);
	if ((err = esipa_json_request_to_asn1(f, in, &req)) != IOT_OK) {
		/* SGP.22 6.5.1: a mandatory element missing or malformed */
		a->malformed = true;
		serve_failed(a, "1.3.1", err == IOT_E_JSON ? "2.2" : "2.1", "Invalid or missing data element");
		goto done;
	}
	core(ctx, req.buf, req.len, &a->status, &resp);
	if (a->status == 400) {
		serve_failed(a, "1.3.1", "2.1", "Invalid data element");
	} else if (a->status == 200 || a->status == 204) {
		if (esipa_json_response_from_asn1(f, resp.buf, a->status == 200 ? resp.len : 0, &out) != IOT_OK) {
			a->status = 500;
		} else {
			a->status = out ? 200 : 204;
			a->body = dump(out, &a->body_len);
		}
	}
done:
	json_decref(out);
	json_decref(in);
	der_writer_free(&req);
	der_writer_free(&resp);
}

iot_err esipa_json_client_request(const uint8_t *der, size_t len, const struct esipa_json_function **f, char **text,
				  size_t *text_len)
{
	json_t *body;
	iot_err err = esipa_json_request_from_asn1(der, len, f, &body);

	if (err != IOT_OK)
		return err;
	*text = dump(body, text_len);
	json_decref(body);
	return *text ? IOT_OK : IOT_E_NOMEM;
}

iot_err esipa_json_client_answer(const struct esipa_json_function *f, int status, const uint8_t *body, size_t len,
				 struct der_writer *w)
{
	json_t *in = NULL;
	iot_err err;

	if (status != 200 && status != 204)
		return IOT_E_IO;
	if (status == 200 && len && !(in = json_loadb((const char *)body, len, 0, NULL)))
		return IOT_E_JSON;
	err = esipa_json_response_to_asn1(f, in, w);
	json_decref(in);
	return err;
}

iot_err esipa_json_exchange(const uint8_t *der, size_t len, esipa_json_post post, void *ctx, uint8_t **resp,
			    size_t *resp_len)
{
	const struct esipa_json_function *f;
	struct der_writer w;
	uint8_t *body = NULL;
	char *text;
	size_t text_len, body_len = 0;
	int status = 0;
	iot_err err;

	*resp = NULL;
	*resp_len = 0;
	if ((err = esipa_json_client_request(der, len, &f, &text, &text_len)) != IOT_OK)
		return err;
	err = post(ctx, f, text, text_len, &status, &body, &body_len);
	free(text);
	if (err != IOT_OK) {
		free(body);
		return err;
	}
	der_writer_dynamic(&w);
	err = esipa_json_client_answer(f, status, body, body_len, &w);
	free(body);
	if (err != IOT_OK) {
		der_writer_free(&w);
		return err;
	}
	*resp = w.buf;
	*resp_len = w.len;
	return IOT_OK;
}
