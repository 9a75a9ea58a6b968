#include "net/json_binding.h"

#include <stdlib.h>
#include <string.h>

#include "base/base64.h"

json_t *jb_request(const char *function_requester_identifier, const char *function_call_identifier)
{
	json_t *req = json_object();

	if (!req || !function_requester_identifier)
		return req;
	if (json_object_set_new(req, "header",
				json_pack("{s:s, s:s}",
					  "functionRequesterIdentifier", function_requester_identifier,
					  "functionCallIdentifier",
					  function_call_identifier ? function_call_identifier : ""))) {
		json_decref(req);
		return NULL;
	}
	return req;
}

json_t *jb_response(const struct jb_status *st)
{
	json_t *status, *resp;

	status = json_pack("{s:s}", "status", st->status ? st->status : JB_EXECUTED_SUCCESS);
	if (!status)
		return NULL;
	/* SGP.22 6.5.1.4: statusCodeData only when the function did not simply succeed */
	if (st->subject_code && st->reason_code) {
		json_t *data = json_pack("{s:s, s:s}", "subjectCode", st->subject_code,
					 "reasonCode", st->reason_code);

		if (data && st->subject_identifier)
			json_object_set_new(data, "subjectIdentifier", json_string(st->subject_identifier));
		if (data && st->message)
			json_object_set_new(data, "message", json_string(st->message));
		if (!data || json_object_set_new(status, "statusCodeData", data)) {
			json_decref(status);
			return NULL;
		}
	}
	resp = json_pack("{s:{s:o}}", "header", "functionExecutionStatus", status);
	return resp;
}

static const char *opt_string(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

iot_err jb_response_status(const json_t *resp, struct jb_status *out)
{
	json_t *status = json_object_get(json_object_get(resp, "header"), "functionExecutionStatus");
	json_t *data;

	memset(out, 0, sizeof(*out));
	out->status = opt_string(status, "status");
	if (!out->status)
		return IOT_E_JSON;
	data = json_object_get(status, "statusCodeData");
	if (data) {
		out->subject_code = opt_string(data, "subjectCode");
		out->reason_code = opt_string(data, "reasonCode");
		out->subject_identifier = opt_string(data, "subjectIdentifier");
		out->message = opt_string(data, "message");
		if (!out->subject_code || !out->reason_code)
			return IOT_E_JSON;
	}
	return IOT_OK;
}

iot_err jb_request_header(const json_t *req, const char **requester, const char **call_id)
{
	json_t *header = json_object_get(req, "header");

	*requester = opt_string(header, "functionRequesterIdentifier");
	*call_id = opt_string(header, "functionCallIdentifier");
	return *requester && *call_id ? IOT_OK : IOT_E_JSON;
}

iot_err jb_set_asn1(json_t *obj, const char *key, const uint8_t *der, size_t len)
{
	size_t cap = base64_encoded_size(len);
	char *text = malloc(cap);
	iot_err err;

	if (!text)
		return IOT_E_NOMEM;
	err = base64_encode(der, len, text, cap);
	if (err == IOT_OK && json_object_set_new(obj, key, json_string(text)))
		err = IOT_E_NOMEM;
	free(text);
	return err;
}

iot_err jb_get_asn1(const json_t *obj, const char *key, uint8_t **der, size_t *len)
{
	json_t *v = json_object_get(obj, key);
	const char *text;
	size_t n, cap;
	uint8_t *buf;
	iot_err err;

	if (!json_is_string(v))
		return IOT_E_JSON;
	text = json_string_value(v);
	n = json_string_length(v);
	cap = n / 4 * 3 + 1;
	if (!(buf = malloc(cap)))
		return IOT_E_NOMEM;
	if ((err = base64_decode(text, n, buf, cap, len)) != IOT_OK) {
		free(buf);
		return err;
	}
	*der = buf;
	return IOT_OK;
}

const struct jb_code jb_es9_initiate_codes[] = {
	{ "8.8.1", "3.8", 1 }, { "8.8.3", "3.1", 2 }, { "8.8.2", "3.1", 3 }, { "8.8.4", "3.7", 3 }, { NULL, NULL, 0 },
};
const struct jb_code jb_es9_authenticate_codes[] = {
	{ "8.1.2", "6.1", 1 }, { "8.1.2", "6.3", 2 },   { "8.1.3", "6.1", 3 },  { "8.1.3", "6.3", 4 },
	{ "8.1", "6.1", 5 },   { "8.2.6", "3.8", 6 },   { "8.1.1", "3.8", 7 },  { "8.2", "1.2", 8 },
	{ "8.11.1", "3.9", 9 }, { "8.10.1", "3.9", 10 }, { NULL, NULL, 0 },
};
const struct jb_code jb_es9_bpp_codes[] = {
	{ "8.1", "6.1", 1 },   { "8.2.7", "2.2", 2 },   { "8.2.7", "3.8", 3 }, { "8.2.7", "6.4", 4 },
	{ "8.2", "3.7", 5 },   { "8.8.5", "4.10", 6 },  { "8.10.1", "3.9", 95 }, { NULL, NULL, 0 },
};
const struct jb_code jb_es9_cancel_codes[] = {
	{ "8.10.1", "3.9", 1 }, { "8.1", "6.1", 2 }, { NULL, NULL, 0 },
};
const struct jb_code jb_no_codes[] = { { NULL, NULL, 0 } };

int jb_code_of(const struct jb_code *table, const struct jb_status *st)
{
	for (const struct jb_code *m = table; m->subject; m++)
		if (st->subject_code && st->reason_code && !strcmp(st->subject_code, m->subject) &&
		    !strcmp(st->reason_code, m->reason))
			return m->code;
	return 127;     /* undefinedError */
}

const struct jb_code *jb_code_find(const struct jb_code *table, int code)
{
	for (const struct jb_code *m = table; m->subject; m++)
		if (m->code == code)
			return m;
	return NULL;
}
