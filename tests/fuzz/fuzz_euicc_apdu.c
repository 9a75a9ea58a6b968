/* libFuzzer target: the eUICC's APDU front end with arbitrary APDU
 * sequences. The input is a list of APDUs, each prefixed by its length
 * byte; the eUICC starts selected, with a profile and an eIM. */
#include "fuzz_euicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t select[] = { 0x00, 0xA4, 0x04, 0x0C, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
					  0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };
	static struct euicc *e;
	static uint8_t *initial;
	static size_t initial_len;
	uint8_t resp[300];
	size_t resp_len, off = 0;

	if (!e) {
		e = fuzz_euicc_new();
		if (euicc_snapshot(e, &initial, &initial_len) != IOT_OK)
			abort();
	}
	/* every input starts from the same state, card selected */
	if (euicc_restore(e, initial, initial_len) != IOT_OK)
		abort();
	euicc_transmit(e, select, sizeof(select), resp, sizeof(resp), &resp_len);
	while (off < size) {
		size_t n = data[off++];

		if (n > size - off)
			n = size - off;
		if (euicc_transmit(e, data + off, n, resp, sizeof(resp), &resp_len) != IOT_OK || resp_len < 2 ||
		    resp_len > 258)
			abort();
		off += n;
	}
	return 0;
}
