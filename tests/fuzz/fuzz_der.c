/* libFuzzer target: the BER-TLV reader on its own. */
#include <stdint.h>
#include <stdlib.h>

#include "der/der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct der_reader r;
	struct der_tlv t;

	if (der_validate(data, size) == IOT_OK) {
		/* everything validated must also read, and stay inside the input */
		der_reader_init(&r, data, size);
		while (!der_reader_done(&r)) {
			if (der_read(&r, &t) != IOT_OK)
				abort();
			if (t.raw < data || t.raw + t.raw_len > data + size)
				abort();
		}
	}
	return 0;
}
