/* libFuzzer target: JSON binding responses and base64 ASN.1 values. */
#include <stdint.h>
#include <stdlib.h>

#include "net/json_binding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct jb_status st;
	uint8_t *der;
	size_t len;

	if (!j)
		return 0;
	(void)jb_response_status(j, &st);
	if (jb_get_asn1(j, "transactionId", &der, &len) == IOT_OK)
		free(der);
	json_decref(j);
	return 0;
}
