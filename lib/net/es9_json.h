/* ES9+ in the JSON binding (SGP.22 6.5.2), mapped to and from the ASN.1
 * RemoteProfileProvisioningRequest/Response ('A2') that the rest of the
 * project speaks: an SM-DP+ serving JSON turns requests into ASN.1 and its
 * answers back; a client (the eIM's relay) does the reverse.
 *
 * Ownership: json_t * results are new references; DER goes to the caller's
 * writer. */
#ifndef IOT_NET_ES9_JSON_H
#define IOT_NET_ES9_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "der/der.h"

struct es9_json_function {
	const char *name;               /* the path's last part, e.g. "initiateAuthentication" */
	uint32_t tag;                   /* its request's tag inside 'A2', e.g. 0xBF39 */
};
/* NULL when unknown. */
const struct es9_json_function *es9_json_by_name(const char *name);

/* ---- server side ---- */

/* The RemoteProfileProvisioningRequest a JSON request stands for.
 * IOT_E_JSON: a mandatory element missing or not base64/hex. */
iot_err es9_json_request_to_asn1(const struct es9_json_function *f, const json_t *q, struct der_writer *w);
/* The ok alternative of an ASN.1 response, field by field, into out. */
iot_err es9_json_response_from_asn1(const struct es9_json_function *f, const uint8_t *der, size_t len, json_t *out);

/* ---- client side ---- */

/* A RemoteProfileProvisioningRequest as the JSON request of its function. */
iot_err es9_json_request_from_asn1(const uint8_t *der, size_t len, const struct es9_json_function **f,
				   json_t **body);
/* A JSON response as the RemoteProfileProvisioningResponse the ASN.1 binding
 * would have given: the ok alternative, or the function's error alternative
 * with the code its functionExecutionStatus stands for (SGP.22 5.6, 127
 * when none); nothing for handleNotification. */
iot_err es9_json_response_to_asn1(const struct es9_json_function *f, const json_t *resp, struct der_writer *w);

/* ---- client side, over HTTPS ---- */

struct http_client;
/* Bytes of JSON text one exchange sent and received (added to). */
struct es9_json_bytes {
	size_t sent, received;
};
/* One ES9+ request in the JSON binding (SGP.22 6.5.2): req, a
 * RemoteProfileProvisioningRequest, posted as its function's JSON to base
 * followed by the function's name (base: https://HOST[:PORT]/gsma/rsp2/es9plus/),
 * the answer made into the ASN.1 response the other binding would have
 * given: *resp malloc'd, NULL and 0 when there is none (handleNotification).
 * IOT_E_IO: an HTTP status but 200 and 204 (*status), or an answer that is
 * no JSON. bytes may be NULL. */
iot_err es9_json_post(struct http_client *http, const char *base, const uint8_t *req, size_t n, int *status,
		      uint8_t **resp, size_t *resp_len, struct es9_json_bytes *bytes);

#endif
