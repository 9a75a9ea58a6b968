/* libFuzzer target: euicc_package_request decoder. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rsp_type(&rsp_t_euicc_package_request, data, size);
	return 0;
}
