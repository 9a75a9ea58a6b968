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
#include <stdint.h>

#include "base/err.h"
#include "der/der.h"

#define ESIPA_JSON_PATH "/gsma/rsp2/esipa/"

struct esipa_json_function {
	const char *name;               /* the path's last part, e.g. "getEimPackage" */
	uint32_t tag;                   /* its messages' tag, e.g. 0xBF4F */
};
/* NULL when unknown. */
const struct esipa_json_function *esipa_json_by_name(const char *name);

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
 * would have given; nothing written for handleNotification. A Failed status
 * becomes the function's error code (127 when it names none). */
iot_err esipa_json_response_to_asn1(const struct esipa_json_function *f, const json_t *body, struct der_writer *w);

#endif
