/* The SGP.22 JSON binding (SGP.22 6.5) shared by ES9+, ES2+ and the ESipa
 * JSON binding of SGP.32: the request header, functionExecutionStatus with
 * its subject and reason codes, and ASN.1 values carried as base64.
 *
 * Ownership: every json_t * returned is a new reference the caller releases
 * with json_decref; strings in struct jb_status point into the JSON object
 * they were read from. */
#ifndef IOT_NET_JSON_BINDING_H
#define IOT_NET_JSON_BINDING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define JB_EXECUTED_SUCCESS "Executed-Success"
#define JB_EXECUTED_WITH_WARNING "Executed-WithWarning"
#define JB_FAILED "Failed"
#define JB_EXPIRED "Expired"

struct jb_status {
	const char *status;             /* one of the JB_ values above */
	const char *subject_code;       /* e.g. "8.1.1", NULL when none */
	const char *reason_code;        /* e.g. "3.8" */
	const char *subject_identifier; /* optional */
	const char *message;            /* optional */
};

/* A request object with its header (SGP.22 6.5.1.3); a NULL requester
 * gives a request without header, as the LPA/IPA sends on ES9+. */
json_t *jb_request(const char *function_requester_identifier, const char *function_call_identifier);
/* A response object with header.functionExecutionStatus (SGP.22 6.5.1.4). */
json_t *jb_response(const struct jb_status *st);
/* Reads header.functionExecutionStatus of a response. */
iot_err jb_response_status(const json_t *resp, struct jb_status *out);
/* Reads header.functionRequesterIdentifier and functionCallIdentifier. */
iot_err jb_request_header(const json_t *req, const char **requester, const char **call_id);

/* An error code of an ASN.1 response and the status that stands for it in
 * the JSON binding (SGP.22 5.6 for ES9+). Tables end with subject NULL. */
struct jb_code {
	const char *subject, *reason;
	int code;
};
/* The code st stands for in table; 127 (undefinedError) when none. */
int jb_code_of(const struct jb_code *table, const struct jb_status *st);
/* The entry for code in table; NULL when it has none. */
const struct jb_code *jb_code_find(const struct jb_code *table, int code);
/* ES9+ (SGP.22 5.6.1-5.6.5), which ESipa's indirect download relays. */
extern const struct jb_code jb_es9_initiate_codes[], jb_es9_authenticate_codes[], jb_es9_bpp_codes[],
	jb_es9_cancel_codes[], jb_no_codes[];

/* Sets obj[key] to the base64 of der. */
iot_err jb_set_asn1(json_t *obj, const char *key, const uint8_t *der, size_t len);
/* Decodes the base64 string obj[key] into a malloc'd buffer the caller frees. */
iot_err jb_get_asn1(const json_t *obj, const char *key, uint8_t **der, size_t *len);

#endif
