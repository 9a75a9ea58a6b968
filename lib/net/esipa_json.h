/* ESipa in the JSON binding (SGP.32 6.4; members and encodings as
 * implementers agree on them, docs/interpretations.md), mapped to and from
 * the ASN.1 messages the rest of the project speaks. One core, two thin
 * bindings: the eIM turns a JSON request into the EsipaMessageFromIpaToEim
 * it would have received and its answer back into JSON; the IPA does the
 * reverse. transferEimPackage (inject mode) runs the other way: its request
 * is the eIM's TransferEimPackageRequest, its response the IPA's.
 *
 * Strict in what it writes (the majority form), liberal in what it reads
 * (every variant the implementations use).
 *
 * Ownership: json_t * results are new references; DER goes to the caller's
 * writer. */
#ifndef IOT_NET_ESIPA_JSON_H
#define IOT_NET_ESIPA_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "der/der.h"

#define ESIPA_JSON_PATH "/gsma/rsp2/esipa/"        /* HTTPS: the function name follows */
#define ESIPA_JSON_COAP_PATH "gsma/rsp2/esipa/"    /* CoAP: as Uri-Path options */

struct esipa_json_function {
	const char *name;               /* the path's last part, e.g. "getEimPackage" */
	uint32_t tag;                   /* its messages' tag, e.g. 0xBF4F */
};
/* NULL when unknown. */
const struct esipa_json_function *esipa_json_by_name(const char *name);
/* Every function's resource for a CoAP server ("gsma/rsp2/esipa/getEimPackage"
 * and so on), NULL-terminated. */
extern const char *const esipa_json_coap_paths[];

/* The request of an exchange as JSON: an EsipaMessageFromIpaToEim, or a
 * TransferEimPackageRequest ('BF4E') of the eIM's; *f says the function. */
iot_err esipa_json_request_from_asn1(const uint8_t *der, size_t len, const struct esipa_json_function **f,
				     json_t **body);
/* A JSON request of function f as the message it stands for. IOT_E_JSON: a
 * mandatory member missing, of the wrong type or not valid base64/hex;
 * IOT_E_ASN1_*: a value that is not the element it must be. */
iot_err esipa_json_request_to_asn1(const struct esipa_json_function *f, const json_t *body, struct der_writer *w);

/* The answer to f's request as JSON (header included); *body NULL when the
 * binding answers with no body (204: handleNotification). len 0 stands for
 * no answer. */
iot_err esipa_json_response_from_asn1(const struct esipa_json_function *f, const uint8_t *der, size_t len,
				      json_t **body);
/* A JSON answer (NULL: 204, no body) as the ASN.1 answer the other binding
 * would have given; nothing written for 204 and for handleNotification. A Failed status
 * becomes the function's error code (127 when it names none). */
iot_err esipa_json_response_to_asn1(const struct esipa_json_function *f, const json_t *body, struct der_writer *w);

/* ---- the binding over a transport: what a server and a client do ---- */

/* The ASN.1 core behind a server: answers one message into w; *status 200
 * (answer in w), 204 (no answer), 400 (the message is malformed) or 503. */
typedef void (*esipa_json_core)(void *ctx, const uint8_t *req, size_t len, int *status, struct der_writer *w);

struct esipa_json_answer {
	int status;                     /* HTTP: 200, 204, 400 (not JSON), 404 (no such function), 503 */
	char *body;                     /* JSON text (malloc'd) or NULL */
	size_t body_len;
	bool malformed;                 /* not JSON, or not its function's message: the core never saw it */
};
/* Serves one request of the function named by the path's last part through
 * core: a JSON request that is not its function's message gets a Failed
 * status (SGP.22 6.5.1: 1.3.1 with 2.2 missing, 2.1 invalid) and never
 * reaches the core. */
void esipa_json_serve(const char *function, const uint8_t *body, size_t len, esipa_json_core core, void *ctx,
		      struct esipa_json_answer *a);

/* A client's request: the function to post der to and its JSON text
 * (malloc'd). */
iot_err esipa_json_client_request(const uint8_t *der, size_t len, const struct esipa_json_function **f, char **text,
				  size_t *text_len);
/* The server's answer (HTTP status and body) as the DER answer of f into w;
 * IOT_E_IO for a status other than 200 and 204. */
iot_err esipa_json_client_answer(const struct esipa_json_function *f, int status, const uint8_t *body, size_t len,
				 struct der_writer *w);

/* How a client sends one request of function f: its JSON text to the
 * function's path (ESIPA_JSON_PATH or ESIPA_JSON_COAP_PATH and f->name) on
 * the transport; back the answer's status as HTTP gives it (a CoAP
 * transport turns 2.04 into 200 with a body, 204 without) and its body,
 * malloc'd. */
typedef iot_err (*esipa_json_post)(void *ctx, const struct esipa_json_function *f, const char *text, size_t len,
				   int *status, uint8_t **body, size_t *body_len);
/* One exchange in the JSON binding: the DER request out as JSON through
 * post, the JSON answer back as DER (malloc'd *resp, *resp_len 0 for none).
 * IOT_E_IO: the transport failed or the status was not 200/204. */
iot_err esipa_json_exchange(const uint8_t *der, size_t len, esipa_json_post post, void *ctx, uint8_t **resp,
			    size_t *resp_len);

#endif
