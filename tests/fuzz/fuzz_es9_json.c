/* libFuzzer target: ES9+ JSON <-> ASN.1 (lib/net/es9_json). The first byte
 * picks the direction: an ASN.1 request into JSON (and that JSON back into
 * ASN.1), or a JSON response into the ASN.1 of a function. */
#include <stdint.h>
#include <stdlib.h>

#include "net/es9_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "initiateAuthentication", "authenticateClient", "getBoundProfilePackage",
					     "handleNotification", "cancelSession" };
	const struct es9_json_function *f;
	struct der_writer w;
	json_t *j;

	if (size < 1)
		return 0;
	der_writer_dynamic(&w);
	if (data[0] & 0x80) {
		if (es9_json_request_from_asn1(data + 1, size - 1, &f, &j) == IOT_OK) {
			/* what was read must write again */
			if (es9_json_request_to_asn1(f, j, &w) != IOT_OK)
				abort();
			json_decref(j);
		}
	} else if ((j = json_loadb((const char *)data + 1, size - 1, 0, NULL))) {
		f = es9_json_by_name(names[data[0] % 5]);
		(void)es9_json_response_to_asn1(f, j, &w);
		(void)es9_json_request_to_asn1(f, j, &w);
		json_decref(j);
	}
	der_writer_free(&w);
	return 0;
}
