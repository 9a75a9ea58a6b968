/* libFuzzer target: ESipa's JSON binding (lib/net/esipa_json). The first
 * byte picks what is fuzzed and, for JSON, the function: an ASN.1 message
 * into JSON (which must write back), an ASN.1 answer into JSON, or JSON
 * served through esipa_json_serve (an echo core behind it) and read as an
 * answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/esipa_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void echo(void *ctx, const uint8_t *req, size_t len, int *status, struct der_writer *w)
{
	(void)ctx;
	der_put_raw(w, req, len);
	*status = len & 1 ? 400 : 200;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "getEimPackage", "provideEimPackageResult", "handleNotification",
					     "initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
					     "cancelSession", "transferEimPackage" };
	const struct esipa_json_function *f;
	struct esipa_json_answer a;
	struct der_writer w;
	json_t *j;

	if (size < 1)
		return 0;
	f = esipa_json_by_name(names[(data[0] >> 2) % 8]);
	der_writer_dynamic(&w);
	switch (data[0] & 3) {
	case 0:
		if (esipa_json_request_from_asn1(data + 1, size - 1, &f, &j) == IOT_OK) {
			/* what was read must write again */
			if (esipa_json_request_to_asn1(f, j, &w) != IOT_OK)
				abort();
			json_decref(j);
		}
		break;
	case 1:
		if (esipa_json_response_from_asn1(f, data + 1, size - 1, &j) == IOT_OK) {
			if (esipa_json_response_to_asn1(f, j, &w) != IOT_OK)
				abort();
			json_decref(j);
		}
		break;
	case 2:
		esipa_json_serve(f->name, data + 1, size - 1, echo, NULL, &a);
		free(a.body);
		break;
	default:
		(void)esipa_json_client_answer(f, 200, data + 1, size - 1, &w);
		break;
	}
	der_writer_free(&w);
	return 0;
}
