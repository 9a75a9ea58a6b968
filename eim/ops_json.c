/* The REST API's JSON for operations: a PSMO or eCO list, a data request or
 * a download read from JSON into what eim_op_create takes, and an eUICC's
 * EuiccPackageResult shown as JSON (docs/rest-api.yaml, Operation). */
#include "eim/ops_json.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "net/json_binding.h"
#include "rsp/rsp.h"

#define MAX_ITEMS 16            /* PSMOs or eCOs in one package */

/* Buffers a package being built points into, freed together. */
struct scratch {
	void *p[4 * MAX_ITEMS];
	size_t n;
};

static void scratch_free(struct scratch *s)
{
	while (s->n)
		free(s->p[--s->n]);
}

/* A base64 ASN.1 value obj[key] into b, kept in s. */
static iot_err get_asn1(struct scratch *s, const json_t *obj, const char *key, rsp_bytes *b)
{
	uint8_t *der;
	size_t len;

	if (s->n == sizeof(s->p) / sizeof(s->p[0]) || jb_get_asn1(obj, key, &der, &len) != IOT_OK)
		return IOT_E_JSON;
	s->p[s->n++] = der;
	*b = RSP_BYTES(der, len);
	return IOT_OK;
}

/* A string obj[key] into b (pointing into the JSON, which outlives the package). */
static bool get_text(const json_t *obj, const char *key, rsp_bytes *b, size_t max)
{
	const char *t = json_string_value(json_object_get(obj, key));

	if (!t || !*t || strlen(t) > max)
		return false;
	*b = RSP_BYTES(t, strlen(t));
	return true;
}

/* An ICCID as the REST API takes it: 19 or 20 decimal digits (E.118, F
 * padded), or any 20 hex digits: SGP.32's Iccid is a 10-byte OCTET STRING
 * and test and vendor ICCIDs use A-F. Written nibble-swapped as EF.ICCID. */
static iot_err iccid_from_text(const char *text, uint8_t out[10])
{
	uint8_t nib[20];

	if (rsp_iccid_from_digits(text, out) == IOT_OK)
		return IOT_OK;
	if (strlen(text) != 20)
		return IOT_E_ARG;
	for (size_t i = 0; i < 20; i++) {
		if (!isxdigit((unsigned char)text[i]))
			return IOT_E_ARG;
		nib[i] = (uint8_t)(isdigit((unsigned char)text[i]) ? text[i] - '0' : (toupper((unsigned char)text[i]) - 'A' + 10));
	}
	for (size_t i = 0; i < 10; i++)
		out[i] = (uint8_t)(nib[2 * i + 1] << 4 | nib[2 * i]);
	return IOT_OK;
}

/* A PSMO from JSON: {"enable":{"iccid":"...","rollback":true}} and the like. */
static iot_err psmo_from_json(struct scratch *s, const char *name, json_t *v, struct rsp_psmo *p)
{
	const char *digits = json_string_value(json_object_get(v, "iccid"));
	static const struct { const char *name; int choice; bool iccid; } kinds[] = {
		{ "enable", RSP_PSMO_ENABLE, true }, { "disable", RSP_PSMO_DISABLE, true },
		{ "delete", RSP_PSMO_DELETE, true }, { "listProfileInfo", RSP_PSMO_LIST_PROFILE_INFO, false },
		{ "getRAT", RSP_PSMO_GET_RAT, false },
		{ "configureImmediateEnable", RSP_PSMO_CONFIGURE_IMMEDIATE_ENABLE, false },
		{ "setFallbackAttribute", RSP_PSMO_SET_FALLBACK_ATTRIBUTE, true },
		{ "unsetFallbackAttribute", RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE, false },
		{ "setDefaultDpAddress", RSP_PSMO_SET_DEFAULT_DP_ADDRESS, false },
	};

	memset(p, 0, sizeof(*p));
	if (!json_is_object(v))
		return IOT_E_JSON;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(name, kinds[i].name))
			continue;
		p->choice = kinds[i].choice;
		if (kinds[i].iccid) {
			uint8_t *iccid;

			if (s->n == sizeof(s->p) / sizeof(s->p[0]) || !(iccid = malloc(10)))
				return IOT_E_NOMEM;
			s->p[s->n++] = iccid;
			if (!digits || iccid_from_text(digits, iccid) != IOT_OK)
				return IOT_E_ARG;
			p->u.enable.iccid = RSP_BYTES(iccid, 10);       /* the same place in every ICCID PSMO */
			p->u.enable.rollback_flag = p->choice == RSP_PSMO_ENABLE && json_is_true(json_object_get(v, "rollback"));
		}
		if (p->choice == RSP_PSMO_SET_DEFAULT_DP_ADDRESS &&
		    !get_text(v, "address", &p->u.set_default_dp_address.address, 255))
			return IOT_E_ARG;
		if (p->choice == RSP_PSMO_CONFIGURE_IMMEDIATE_ENABLE) {
			struct rsp_configure_immediate_profile_enabling_request *c = &p->u.configure_immediate_enable;

			c->immediate_enable_flag = json_is_true(json_object_get(v, "immediateEnable"));
			c->has_default_smdp_address = get_text(v, "defaultSmdpAddress", &c->default_smdp_address, 255);
			if (json_object_get(v, "defaultSmdpOid")) {
				const char *oid = json_string_value(json_object_get(v, "defaultSmdpOid"));
				uint8_t *b;
				size_t n;

				/* the OID's content octets, hex as in the ASN.1 */
				if (!oid || s->n == sizeof(s->p) / sizeof(s->p[0]) || !(b = malloc(64)))
					return IOT_E_ARG;
				s->p[s->n++] = b;
				if (hex_decode(oid, b, 64, &n) != IOT_OK || !n)
					return IOT_E_ARG;
				c->has_default_smdp_oid = true;
				c->default_smdp_oid = RSP_BYTES(b, n);
			}
		}
		return IOT_OK;
	}
	return IOT_E_ARG;
}

/* eimPublicKeyData / trustedPublicKeyDataTls: {"certificate": b64} or {"publicKey": b64 SPKI} */
static iot_err key_data_from_json(struct scratch *s, const json_t *v, struct rsp_eim_key_data *k)
{
	if (json_object_get(v, "certificate")) {
		k->choice = RSP_KEY_DATA_CERTIFICATE;
		return get_asn1(s, v, "certificate", &k->u.certificate);
	}
	k->choice = RSP_KEY_DATA_PUBLIC_KEY;
	return get_asn1(s, v, "publicKey", &k->u.public_key);
}

/* EimConfigurationData for addEim and updateEim (SGP.32 2.11.1). */
static iot_err eim_config_from_json(struct scratch *s, const json_t *v, struct rsp_eim_configuration_data *c)
{
	static const char *const protocols[] = { "retrieveHttps", "retrieveCoaps", "injectHttps", "injectCoaps",
						 "proprietary" };
	static const char *const id_types[] = { "", "oid", "fqdn", "proprietary" };
	const char *id_type = json_string_value(json_object_get(v, "eimIdType"));
	json_t *p, *x;
	size_t i;
	iot_err err;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(v) || !get_text(v, "eimId", &c->eim_id, 128))
		return IOT_E_ARG;
	c->has_eim_fqdn = get_text(v, "eimFqdn", &c->eim_fqdn, 255);
	if (id_type) {
		for (i = 1; i < 4 && strcmp(id_type, id_types[i]); i++)
			;
		if (i == 4)
			return IOT_E_ARG;
		c->has_eim_id_type = true;
		c->eim_id_type = (int64_t)i;
	}
	if ((x = json_object_get(v, "counterValue"))) {
		if (!json_is_integer(x))
			return IOT_E_ARG;
		c->has_counter_value = true;
		c->counter_value = json_integer_value(x);
	}
	/* the eUICC makes the association token; the eIM asks for one by sending the field */
	c->has_association_token = json_is_true(json_object_get(v, "associationToken"));
	if ((x = json_object_get(v, "eimPublicKeyData"))) {
		c->has_eim_public_key_data = true;
		if ((err = key_data_from_json(s, x, &c->eim_public_key_data)) != IOT_OK)
			return err;
	}
	if ((x = json_object_get(v, "trustedPublicKeyDataTls"))) {
		c->has_trusted_public_key_data_tls = true;
		if ((err = key_data_from_json(s, x, &c->trusted_public_key_data_tls)) != IOT_OK)
			return err;
	}
	if ((p = json_object_get(v, "eimSupportedProtocol"))) {
		if (!json_is_array(p))
			return IOT_E_ARG;
		c->has_eim_supported_protocol = true;
		json_array_foreach(p, i, x) {
			size_t j;

			for (j = 0; j < 5 && (!json_is_string(x) || strcmp(json_string_value(x), protocols[j])); j++)
				;
			if (j == 5)
				return IOT_E_ARG;
			c->eim_supported_protocol |= 1u << j;
		}
	}
	if ((x = json_object_get(v, "euiccCiPKId"))) {
		uint8_t *b;
		size_t n;

		if (!json_is_string(x) || s->n == sizeof(s->p) / sizeof(s->p[0]) || !(b = malloc(32)))
			return IOT_E_ARG;
		s->p[s->n++] = b;
		if (hex_decode(json_string_value(x), b, 32, &n) != IOT_OK || !n)
			return IOT_E_ARG;
		c->has_euicc_ci_pkid = true;
		c->euicc_ci_pkid = RSP_BYTES(b, n);
	}
	c->indirect_profile_download = json_is_true(json_object_get(v, "indirectProfileDownload"));
	return IOT_OK;
}

/* An eCO from JSON: {"addEim":{...}}, {"deleteEim":{"eimId":"..."}}, {"updateEim":{...}}, {"listEim":{}} */
static iot_err eco_from_json(struct scratch *s, const char *name, json_t *v, struct rsp_eco *o)
{
	memset(o, 0, sizeof(*o));
	if (!json_is_object(v))
		return IOT_E_JSON;
	if (!strcmp(name, "addEim")) {
		o->choice = RSP_ECO_ADD_EIM;
		return eim_config_from_json(s, v, &o->u.add_eim);
	}
	if (!strcmp(name, "updateEim")) {
		o->choice = RSP_ECO_UPDATE_EIM;
		return eim_config_from_json(s, v, &o->u.update_eim);
	}
	if (!strcmp(name, "deleteEim")) {
		o->choice = RSP_ECO_DELETE_EIM;
		return get_text(v, "eimId", &o->u.delete_eim.eim_id, 128) ? IOT_OK : IOT_E_ARG;
	}
	if (!strcmp(name, "listEim")) {
		o->choice = RSP_ECO_LIST_EIM;
		return IOT_OK;
	}
	return IOT_E_ARG;
}

/* A PSMO or eCO list ("psmos" / "ecos", each an array of one-key objects) as an EuiccPackage. */
static iot_err package_from_json(json_t *list, bool ecos, uint8_t **payload, size_t *len)
{
	struct rsp_euicc_package pkg = { .choice = ecos ? RSP_PACKAGE_ECO_LIST : RSP_PACKAGE_PSMO_LIST };
	struct rsp_psmo p[MAX_ITEMS];
	struct rsp_eco o[MAX_ITEMS];
	struct scratch s = { .n = 0 };
	size_t n = json_array_size(list);
	iot_err err = IOT_OK;

	if (!n || n > MAX_ITEMS)
		return IOT_E_ARG;
	for (size_t i = 0; i < n && err == IOT_OK; i++) {
		json_t *item = json_array_get(list, i), *v;
		const char *name;

		if (json_object_size(item) != 1) {
			err = IOT_E_JSON;
			break;
		}
		json_object_foreach(item, name, v)
			err = ecos ? eco_from_json(&s, name, v, &o[i]) : psmo_from_json(&s, name, v, &p[i]);
	}
	if (err == IOT_OK && ecos) {
		pkg.u.eco_list.items = o;
		pkg.u.eco_list.count = n;
	} else if (err == IOT_OK) {
		pkg.u.psmo_list.items = p;
		pkg.u.psmo_list.count = n;
	}
	if (err == IOT_OK)
		err = rsp_encode_alloc(&rsp_t_euicc_package, &pkg, payload, len);
	scratch_free(&s);
	return err;
}

iot_err eim_op_from_json(json_t *in, enum eim_op_kind *kind, uint8_t **payload, size_t *len)
{
	static const char *const kinds[] = { "psmos", "ecos", "dataRequest", "download", "euiccPackage" };
	json_t *psmos = json_object_get(in, "psmos"), *ecos = json_object_get(in, "ecos"),
	       *data = json_object_get(in, "dataRequest"), *dl = json_object_get(in, "download");
	int present = 0;

	/* one operation is one kind: a body naming two is ambiguous, refused */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		present += json_object_get(in, kinds[i]) != NULL;
	if (present != 1)
		return IOT_E_JSON;

	if (json_is_array(psmos) || json_is_array(ecos)) {
		*kind = json_is_array(ecos) ? EIM_OP_ECO : EIM_OP_PSMO;
		return package_from_json(json_is_array(ecos) ? ecos : psmos, json_is_array(ecos), payload, len);
	}
	if (json_is_object(data)) {
		const char *tags = json_string_value(json_object_get(data, "tags"));
		uint8_t buf[32];

		if (!tags || hex_decode(tags, buf, sizeof(buf), len) != IOT_OK || !*len || !(*payload = malloc(*len)))
			return IOT_E_JSON;
		memcpy(*payload, buf, *len);
		*kind = EIM_OP_DATA;
		return IOT_OK;
	}
	if (json_is_object(dl)) {
		const char *ac = json_string_value(json_object_get(dl, "activationCode"));
		const char *address = json_string_value(json_object_get(dl, "smdpAddress"));
		const char *mid = json_string_value(json_object_get(dl, "matchingId"));
		char made[300];

		/* or the SM-DP+ and MatchingID apart: the activation code they make (SGP.22 4.1) */
		if (!ac && address && *address && !strchr(address, '$') && (!mid || !strchr(mid, '$'))) {
			snprintf(made, sizeof(made), "1$%s$%s", address, mid ? mid : "");
			ac = made;
		}
		/* SGP.32 ProfileDownloadTriggerRequest: the Activation Code of SGP.22 4.1,
		 * "1$address$token..."; "LPA:" is only its QR/URI prefix: taken, not kept */
		if (ac && !strncmp(ac, "LPA:", 4))
			ac += 4;
		if (!ac || strncmp(ac, "1$", 2) || strlen(ac) > 255 || !(*payload = (uint8_t *)strdup(ac)))
			return IOT_E_JSON;
		*len = strlen(ac);
		*kind = EIM_OP_DOWNLOAD;
		return IOT_OK;
	}
	if (json_object_get(in, "euiccPackage")) {
		/* any PSMO or eCO list, as a base64 EuiccPackage ('A0' or 'A1') */
		struct rsp_euicc_package pkg;
		struct rsp_arena a;
		iot_err err;

		if (jb_get_asn1(in, "euiccPackage", payload, len) != IOT_OK)
			return IOT_E_JSON;
		rsp_arena_dynamic(&a);
		err = rsp_decode(&rsp_t_euicc_package, *payload, *len, &pkg, &a);
		rsp_arena_free(&a);
		if (err != IOT_OK) {
			free(*payload);
			return err;
		}
		*kind = pkg.choice == RSP_PACKAGE_ECO_LIST ? EIM_OP_ECO : EIM_OP_PSMO;
		return IOT_OK;
	}
	return IOT_E_JSON;
}

/* ---- results ---- */

static json_t *text_json(const rsp_bytes *b)
{
	return json_stringn((const char *)b->ptr, b->len);
}

static json_t *profiles_json(const struct rsp_profile_info_list_response *r)
{
	static const char *const classes[] = { "test", "provisioning", "operational" };
	json_t *a;

	if (r->choice != RSP_PROFILE_INFO_LIST_OK)
		return json_pack("{s:I}", "error", (json_int_t)r->u.error);
	a = json_array();
	for (size_t i = 0; i < r->u.ok.count; i++) {
		const struct rsp_profile_info *p = &r->u.ok.items[i];
		json_t *j = json_object();
		char iccid[21];

		if (p->has_iccid && p->iccid.len == 10) {
			rsp_iccid_to_digits(p->iccid.ptr, iccid);
			json_object_set_new(j, "iccid", json_string(iccid));
		}
		if (p->has_profile_state)
			json_object_set_new(j, "state", json_string(p->profile_state == 1 ? "enabled" : "disabled"));
		if (p->has_profile_class && p->profile_class >= 0 && p->profile_class <= 2)
			json_object_set_new(j, "class", json_string(classes[p->profile_class]));
		if (p->has_service_provider_name)
			json_object_set_new(j, "serviceProviderName", text_json(&p->service_provider_name));
		if (p->has_profile_name)
			json_object_set_new(j, "profileName", text_json(&p->profile_name));
		json_object_set_new(j, "fallbackAttribute", json_boolean(p->fallback_attribute));
		json_array_append_new(a, j);
	}
	return a;
}

static json_t *result_json(const struct rsp_euicc_result_data *d)
{
	static const char *const names[] = {
		"", "enable", "disable", "delete", "listProfileInfo", "getRAT", "configureImmediateEnable", "addEim",
		"deleteEim", "updateEim", "listEim", "rollback", "setFallbackAttribute", "unsetFallbackAttribute",
		"processingTerminated", "setDefaultDpAddress",
	};
	json_t *v;

	if (d->choice < 1 || d->choice > RSP_RESULT_SET_DEFAULT_DP_ADDRESS)
		return json_object();
	switch (d->choice) {
	case RSP_RESULT_LIST_PROFILE_INFO:
		v = profiles_json(&d->u.list_profile_info);
		break;
	case RSP_RESULT_GET_RAT:
		v = json_array();
		for (size_t i = 0; i < d->u.get_rat.count; i++)
			json_array_append_new(v, json_pack("{s:I,s:I,s:I}", "pprIds", (json_int_t)d->u.get_rat.items[i].ppr_ids,
							   "pprFlags", (json_int_t)d->u.get_rat.items[i].ppr_flags,
							   "allowedOperators",
							   (json_int_t)d->u.get_rat.items[i].allowed_operators.count));
		break;
	case RSP_RESULT_ADD_EIM:
		v = d->u.add_eim.choice == RSP_ADD_EIM_ASSOCIATION_TOKEN
			    ? json_pack("{s:I}", "associationToken", (json_int_t)d->u.add_eim.u.association_token)
			    : json_pack("{s:I}", "code", (json_int_t)d->u.add_eim.u.result_code);
		break;
	case RSP_RESULT_LIST_EIM:
		if (d->u.list_eim.choice != RSP_LIST_EIM_ID_LIST) {
			v = json_pack("{s:I}", "error", (json_int_t)d->u.list_eim.u.error);
			break;
		}
		v = json_array();
		for (size_t i = 0; i < d->u.list_eim.u.eim_id_list.count; i++)
			json_array_append_new(v, text_json(&d->u.list_eim.u.eim_id_list.items[i].eim_id));
		break;
	case RSP_RESULT_SET_DEFAULT_DP_ADDRESS:
		v = json_integer(d->u.set_default_dp_address.result);
		break;
	default:
		v = json_integer(d->u.code);
		break;
	}
	return json_pack("{s:o}", names[d->choice], v);
}

json_t *eim_op_results_json(const uint8_t *der, size_t len)
{
	struct rsp_euicc_package_result r;
	struct rsp_arena a;
	json_t *out = NULL;

	rsp_arena_dynamic(&a);
	if (rsp_decode(&rsp_t_euicc_package_result, der, len, &r, &a) == IOT_OK) {
		if (r.choice == RSP_EPR_RESULT_SIGNED) {
			const rsp_euicc_result_list *l = &r.u.result_signed.data.euicc_result;

			out = json_array();
			for (size_t i = 0; i < l->count; i++)
				json_array_append_new(out, result_json(&l->items[i]));
		} else if (r.choice == RSP_EPR_ERROR_SIGNED) {
			out = json_pack("{s:I}", "euiccPackageErrorCode",
					(json_int_t)r.u.error_signed.data.euicc_package_error_code);
		} else {
			out = json_pack("{s:s}", "euiccPackageErrorCode", "unsigned");
		}
	}
	rsp_arena_free(&a);
	return out;
}

/* The names of the codes an SM-DP+ refuses a download with (SGP.22 ES9+). */
static const char *smdp_refusal(uint32_t function, int64_t code)
{
	static const char *const authenticate[] = {
		"", "eumCertificateInvalid", "eumCertificateExpired", "euiccCertificateInvalid", "euiccCertificateExpired",
		"euiccSignatureInvalid", "matchingIdRefused", "eidMismatch", "noEligibleProfile", "ciPKUnknown",
		"invalidTransactionId",
	};
	static const char *const bpp[] = {
		"", "euiccSignatureInvalid", "confirmationCodeMissing", "confirmationCodeRefused",
		"confirmationCodeRetriesExceeded", "bppRebindingRefused", "downloadOrderExpired",
	};
	static const char *const initiate[] = { "", "invalidDpAddress", "euiccVersionNotSupportedByDp", "ciPKNotSupported" };

	if (function == 0xBF3B && code > 0 && code <= 10)
		return authenticate[code];
	if (function == 0xBF3A && code > 0 && code <= 6)
		return bpp[code];
	if (function == 0xBF3A && code == 95)
		return "invalidTransactionId";
	if (function == 0xBF39 && code > 0 && code <= 3)
		return initiate[code];
	return "undefinedError";
}

json_t *eim_download_result_json(const uint8_t *der, size_t len)
{
	struct rsp_profile_download_trigger_result t;
	struct rsp_arena a;
	json_t *out = NULL;

	rsp_arena_dynamic(&a);
	if (rsp_decode(&rsp_t_profile_download_trigger_result, der, len, &t, &a) != IOT_OK)
		goto done;
	if (t.result_data.choice == RSP_PDT_RESULT_PIR) {
		const struct rsp_profile_installation_result_data *d = &t.result_data.u.pir.data;
		char iccid[21] = "";

		if (d->notification_metadata.has_iccid && d->notification_metadata.iccid.len == 10)
			rsp_iccid_to_digits(d->notification_metadata.iccid.ptr, iccid);
		out = json_pack("{s:b,s:s}", "installed", d->final_result.choice == RSP_FINAL_RESULT_SUCCESS, "iccid", iccid);
		if (d->final_result.choice != RSP_FINAL_RESULT_SUCCESS)
			json_object_set_new(out, "errorReason", json_integer(d->final_result.u.error.error_reason));
	} else {
		const struct rsp_profile_download_error *pe = &t.result_data.u.error;
		struct der_reader r, in;
		struct der_tlv x, c;
		int64_t code;

		out = json_pack("{s:b,s:I}", "installed", 0, "profileDownloadErrorReason", (json_int_t)pe->reason);
		der_reader_init(&r, pe->has_error_response ? pe->error_response.ptr : NULL,
				pe->has_error_response ? pe->error_response.len : 0);
		if (pe->has_error_response && der_read(&r, &x) == IOT_OK && der_enter(&r, &x, &in) == IOT_OK &&
		    der_read(&in, &c) == IOT_OK && c.tag == 0x81 && der_get_int64(&c, &code) == IOT_OK)
			json_object_set_new(out, "smdpRefused",
					    json_pack("{s:s,s:I,s:s}", "function",
						      x.tag == 0xBF39 ? "initiateAuthentication" :
						      x.tag == 0xBF3B ? "authenticateClient" : "getBoundProfilePackage",
						      "code", (json_int_t)code, "reason", smdp_refusal(x.tag, code)));
	}
done:
	rsp_arena_free(&a);
	return out;
}
