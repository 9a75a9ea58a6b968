/* libFuzzer target: the REST API's operation JSON (eim/ops_json): a body
 * read into an operation (PSMOs, eCOs with their EimConfigurationData, data
 * requests, downloads); and any bytes shown as an EuiccPackageResult or a
 * ProfileDownloadTriggerResult. The first byte picks which. */
#include <stdint.h>
#include <stdlib.h>

#include "eim/ops_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum eim_op_kind kind;
	uint8_t *payload;
	size_t len;
	json_t *j;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (!(j = json_loadb((const char *)data + 1, size - 1, 0, NULL)))
			return 0;
		if (eim_op_from_json(j, &kind, &payload, &len) == IOT_OK)
			free(payload);
		json_decref(j);
	} else {
		json_decref(eim_op_results_json(data + 1, size - 1));
		json_decref(eim_download_result_json(data + 1, size - 1));
	}
	return 0;
}
