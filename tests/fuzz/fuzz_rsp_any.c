/* libFuzzer target: every message decoder of lib/rsp (ES10 requests and
 * responses among them); the first byte picks the type. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;

	if (size < 1)
		return 0;
	while (rsp_all_types[n])
		n++;
	fuzz_rsp_type(rsp_all_types[data[0] % n], data + 1, size - 1);
	return 0;
}
