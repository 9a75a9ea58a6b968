/* ES10 through any APDU transport, for the integration probes: SELECT the
 * ISD-R, STORE DATA, GET RESPONSE; then GetEID and GetEuiccInfo2 decoded. */
#ifndef IOT_PROBE_COMMON_H
#define IOT_PROBE_COMMON_H

#include <stdio.h>
#include <string.h>

#include "rsp/rsp.h"

typedef int (*probe_transmit)(void *ctx, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *resp_len);

static int probe_es10(probe_transmit tx, void *ctx, const uint8_t *req, size_t n, uint8_t *out, size_t *out_len)
{
	uint8_t cmd[262], r[300];
	size_t rl;

	cmd[0] = 0x80;
	cmd[1] = 0xE2;
	cmd[2] = 0x91;
	cmd[3] = 0x00;
	cmd[4] = (uint8_t)n;
	memcpy(cmd + 5, req, n);
	cmd[5 + n] = 0;
	*out_len = 0;
	if (tx(ctx, cmd, n + 6, r, &rl) || rl < 2)
		return -1;
	for (;;) {
		memcpy(out + *out_len, r, rl - 2);
		*out_len += rl - 2;
		if (r[rl - 2] != 0x61)
			return r[rl - 2] == 0x90 ? 0 : -1;
		memcpy(cmd, "\x00\xC0\x00\x00", 4);
		cmd[4] = r[rl - 1];
		if (tx(ctx, cmd, 5, r, &rl) || rl < 2)
			return -1;
	}
}

/* Prints "EID <hex>" and "EUICCInfo2 svn=... ipaMode=..."; 0 on success. */
static int probe_card(probe_transmit tx, void *ctx)
{
	static const uint8_t select[] = { 0x00, 0xA4, 0x04, 0x0C, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10,
					  0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };
	uint8_t r[4096];
	size_t rl, i;
	struct rsp_get_euicc_data_response eid;
	struct rsp_euicc_info2 info2;
	struct rsp_arena a;

	int rc = tx(ctx, select, sizeof(select), r, &rl);

	if (rc || rl < 2 || r[rl - 2] != 0x90) {
		fprintf(stderr, "probe: SELECT ISD-R failed (transmit %d, %zu bytes, SW %02X%02X)\n", rc, rl,
			rl >= 2 ? r[rl - 2] : 0, rl >= 2 ? r[rl - 1] : 0);
		return 1;
	}
	rsp_arena_dynamic(&a);
	if (probe_es10(tx, ctx, (const uint8_t *)"\xBF\x3E\x03\x5C\x01\x5A", 6, r, &rl) ||
	    rsp_decode(&rsp_t_get_euicc_data_response, r, rl, &eid, &a) != IOT_OK) {
		fprintf(stderr, "probe: GetEID failed\n");
		rsp_arena_free(&a);
		return 1;
	}
	printf("EID ");
	for (i = 0; i < eid.eid_value.len; i++)
		printf("%02X", eid.eid_value.ptr[i]);
	printf("\n");
	if (probe_es10(tx, ctx, (const uint8_t *)"\xBF\x22\x00", 3, r, &rl) ||
	    rsp_decode(&rsp_t_euicc_info2, r, rl, &info2, &a) != IOT_OK) {
		fprintf(stderr, "probe: GetEuiccInfo2 failed\n");
		rsp_arena_free(&a);
		return 1;
	}
	printf("EUICCInfo2 svn=%d.%d.%d ipaMode=%lld iotVersion=%d.%d.%d ciPKIds=%zu\n", info2.svn.ptr[0],
	       info2.svn.ptr[1], info2.svn.ptr[2], (long long)info2.ipa_mode,
	       info2.iot_specific_info.iot_version.items[0].ptr[0], info2.iot_specific_info.iot_version.items[0].ptr[1],
	       info2.iot_specific_info.iot_version.items[0].ptr[2], info2.euicc_ci_pkid_list_for_verification.count);
	rsp_arena_free(&a);
	return 0;
}

#endif
