/* libFuzzer target: remote_profile_provisioning_request decoder. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rsp_type(&rsp_t_remote_profile_provisioning_request, data, size);
	return 0;
}
