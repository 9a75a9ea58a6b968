/* The REST API's JSON for operations (ops_json.c): the operation a request
 * body asks for, and an eUICC's EuiccPackageResult shown as JSON. */
#ifndef IOT_EIM_OPS_JSON_H
#define IOT_EIM_OPS_JSON_H

#include <jansson.h>

#include "eim/eim.h"

/* {"psmos":[...]}, {"ecos":[...]}, {"dataRequest":{...}}, {"download":{...}}
 * or {"euiccPackage":base64}: the kind and payload eim_op_create takes
 * (payload malloc'd for the caller). IOT_E_JSON or IOT_E_ARG when wrong. */
iot_err eim_op_from_json(json_t *in, enum eim_op_kind *kind, uint8_t **payload, size_t *len);
/* One JSON item per PSMO/eCO result, or the package error; NULL when der
 * is not an EuiccPackageResult. A new reference. */
json_t *eim_op_results_json(const uint8_t *der, size_t len);

/* A download's ProfileDownloadTriggerResult as JSON: installed and its
 * ICCID, or why not (the SM-DP+'s refusal when the IPA passed it on). */
json_t *eim_download_result_json(const uint8_t *der, size_t len);

#endif
