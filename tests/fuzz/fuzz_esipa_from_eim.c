/* libFuzzer target: esipa_message_from_eim decoder. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rsp_type(&rsp_t_esipa_message_from_eim, data, size);
	return 0;
}
