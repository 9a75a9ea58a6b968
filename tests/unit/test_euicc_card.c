/* euiccd through APDUs: the card interface (ISO 7816-4 / GP status words,
 * channels, STORE DATA blocks, GET RESPONSE chaining), the identity
 * functions, the ES10c profile functions, and persistence. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>

#include "rsp/rsp.h"

static struct fixture_pki pki;

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_pki_remove(&pki);
	return 0;
}

#define SELECT_ISDR "00A4040410A0000005591010FFFFFFFF890000010000"

static uint8_t resp[65536];
static size_t resp_len;

/* An ES10 request by APDUs, decoded into out with type t. */
static void call(struct euicc *e, const uint8_t *req, size_t len, size_t block,
		 const struct rsp_type *t, void *out, struct rsp_arena *a)
{
	assert_int_equal(es10_apdus(e, req, len, block, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	assert_int_equal(rsp_decode(t, resp, resp_len, out, a), IOT_OK);
}

static void call_hex(struct euicc *e, const char *h, const struct rsp_type *t, void *out, struct rsp_arena *a)
{
	uint8_t req[1024];
	size_t n = hex(h, req, sizeof(req));

	call(e, req, n, 255, t, out, a);
}

static void test_card_interface(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	uint8_t data[300];
	size_t n;
	const uint8_t *atr = euicc_atr(&n);
	(void)state;

	/* TS: direct convention; T=0 and T=1 offered */
	assert_int_equal(atr[0], 0x3B);
	assert_int_equal(atr[3] & 0x0F, 0x00);
	assert_int_equal(atr[7] & 0x0F, 0x01);
	/* STORE DATA before the ISD-R is selected */
	assert_int_equal(apdu(e, "80E2910003BF2E00", NULL, NULL), 0x6985);
	/* SELECT an unknown AID, then the ISD-R with FCI ('61xx' without Le) */
	assert_int_equal(apdu(e, "00A4040408A0000000871002FF", NULL, NULL), 0x6A82);
	assert_int_equal(apdu(e, "00A4040410A0000005591010FFFFFFFF8900000100", data, &n) & 0xFF00, 0x6100);
	assert_int_equal(n, 0);
	assert_int_equal(apdu(e, "00C0000000", data, &n), 0x9000);
	assert_int_equal(data[0], 0x6F);
	/* with Le the FCI comes at once */
	assert_int_equal(apdu(e, SELECT_ISDR, data, &n), 0x9000);
	assert_int_equal(data[0], 0x6F);
	assert_int_equal(apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, &n), 0x9000);
	assert_int_equal(n, 0);
	/* wrong INS, CLA, P1P2, length */
	assert_int_equal(apdu(e, "80CA00FE00", NULL, NULL), 0x6D00);
	assert_int_equal(apdu(e, "00E2910003BF2E00", NULL, NULL), 0x6E00);
	assert_int_equal(apdu(e, "80E2120003BF2E00", NULL, NULL), 0x6A86);
	assert_int_equal(apdu(e, "80E2910005BF2E00", NULL, NULL), 0x6700);
	assert_int_equal(apdu(e, "80E2", NULL, NULL), 0x6700);
	/* a block out of sequence, and after it a fresh request works */
	assert_int_equal(apdu(e, "80E2110002BF2E", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "80E2910201" "00", NULL, NULL), 0x6A86);
	assert_int_equal(apdu(e, "80E2910003BF2E0000", data, &n), 0x9000);
	assert_int_equal(n, 21);                /* BF2E 12 80 10 <challenge> */
	/* an ES10 request the ISD-R does not know */
	assert_int_equal(apdu(e, "80E2910003BF7F0000", NULL, NULL), 0x6A80);
	/* GET RESPONSE with nothing pending; TERMINAL CAPABILITY */
	assert_int_equal(apdu(e, "00C0000000", NULL, NULL), 0x6985);
	assert_int_equal(apdu(e, "80AA000005A903830107", NULL, NULL), 0x9000);
	/* logical channels: open, select there, use, close; closed channel refused */
	assert_int_equal(apdu(e, "0070000001", data, &n), 0x9000);
	assert_int_equal(n, 1);
	assert_int_equal(data[0], 1);
	assert_int_equal(apdu(e, "01A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "81E2910006BF3E035C015A00", data, &n), 0x9000);
	assert_int_equal(n, 21);
	/* the answer fetched as lpac does: no Le, then GET RESPONSE in the proprietary class */
	assert_int_equal(apdu(e, "81E2910006BF3E035C015A", data, &n), 0x6115);
	assert_int_equal(apdu(e, "81C0000015", data, &n), 0x9000);
	assert_int_equal(n, 21);
	assert_int_equal(data[0], 0xBF);
	assert_int_equal(apdu(e, "0070800100", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "81E2910006BF3E035C015A00", NULL, NULL), 0x6881);
	assert_int_equal(apdu(e, "02A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL), 0x6881);
	/* a reset closes everything and forgets the selection */
	euicc_reset(e);
	assert_int_equal(apdu(e, "80E2910006BF3E035C015A00", NULL, NULL), 0x6985);
	euicc_free(e);
}

static void test_identity(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	struct rsp_arena a;
	struct rsp_get_euicc_data_response eid;
	struct rsp_euicc_info1 i1;
	struct rsp_euicc_info2 i2;
	struct rsp_get_certs_response certs;
	struct rsp_euicc_configured_addresses_response addr;
	struct rsp_get_euicc_challenge_response c1, c2;
	struct crypto_cert *ci;
	const uint8_t *ski;
	size_t ski_len;
	uint8_t eid_bin[16];
	(void)state;

	rsp_arena_dynamic(&a);
	assert_int_equal(apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL), 0x9000);
	call_hex(e, "BF3E035C015A", &rsp_t_get_euicc_data_response, &eid, &a);
	hex(FIXTURE_EID, eid_bin, 16);
	assert_memory_equal(eid.eid_value.ptr, eid_bin, 16);

	assert_int_equal(x509_load(pki.ci, &ci), IOT_OK);
	ski = x509_ski(ci, &ski_len);
	call_hex(e, "BF2000", &rsp_t_euicc_info1, &i1, &a);
	assert_int_equal(i1.euicc_ci_pkid_list_for_verification.count, 1);
	assert_memory_equal(i1.euicc_ci_pkid_list_for_verification.items[0].ptr, ski, ski_len);
	assert_memory_equal(i1.euicc_ci_pkid_list_for_signing.items[0].ptr, ski, ski_len);
	call_hex(e, "BF2200", &rsp_t_euicc_info2, &i2, &a);
	assert_true(i2.has_ipa_mode);
	assert_int_equal(i2.ipa_mode, RSP_IPA_MODE_IPAD);
	assert_true(i2.has_iot_specific_info);
	assert_memory_equal(i2.iot_specific_info.iot_version.items[0].ptr, "\x01\x02\x00", 3);
	assert_memory_equal(i2.euicc_ci_pkid_list_for_verification.items[0].ptr, ski, ski_len);

	/* GetCerts: the whole chain, over 256 bytes, read with GET RESPONSE */
	call_hex(e, "BF5600", &rsp_t_get_certs_response, &certs, &a);
	assert_int_equal(certs.choice, RSP_GET_CERTS_OK);
	assert_true(resp_len > 256);
	{
		uint8_t req[64] = { 0xBF, 0x56, 0x16, 0x80, 0x14 };

		memset(req + 5, 0xEE, 20);
		call(e, req, 25, 255, &rsp_t_get_certs_response, &certs, &a);
		assert_int_equal(certs.choice, RSP_GET_CERTS_ERROR);
		assert_int_equal(certs.u.error, 1);
	}
	call_hex(e, "BF3C00", &rsp_t_euicc_configured_addresses_response, &addr, &a);
	assert_true(addr.has_default_dp_address);
	assert_int_equal(addr.default_dp_address.len, strlen("smdp.iotrsp.test"));
	call_hex(e, "BF2E00", &rsp_t_get_euicc_challenge_response, &c1, &a);
	memcpy(eid_bin, c1.euicc_challenge.ptr, 16);
	call_hex(e, "BF2E00", &rsp_t_get_euicc_challenge_response, &c2, &a);
	assert_memory_not_equal(eid_bin, c2.euicc_challenge.ptr, 16);
	x509_free(ci);
	rsp_arena_free(&a);
	euicc_free(e);
}

static void test_set_default_dp_persists(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	struct rsp_arena a;
	struct rsp_result r;
	struct rsp_euicc_configured_addresses_response addr;
	uint8_t req[400];
	size_t n;
	(void)state;

	rsp_arena_dynamic(&a);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	/* a 300-byte address: three STORE DATA blocks of 120 */
	req[0] = 0xBF;
	req[1] = 0x65;
	req[2] = 0x82;
	req[3] = 0x01;
	req[4] = 0x30;
	req[5] = 0x80;
	req[6] = 0x82;
	req[7] = 0x01;
	req[8] = 0x2C;
	memset(req + 9, 'a', 300);
	n = 309;
	call(e, req, n, 120, &rsp_t_sgp32_set_default_dp_address_response, &r, &a);
	assert_int_equal(r.result, 0);
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	call_hex(e, "BF3C00", &rsp_t_euicc_configured_addresses_response, &addr, &a);
	assert_int_equal(addr.default_dp_address.len, 300);
	call_hex(e, "BF3F06800464702E78", &rsp_t_set_default_dp_address_response, &r, &a);
	assert_int_equal(r.result, 0);
	rsp_arena_free(&a);
	euicc_free(e);
}

/* SGP32-StoreMetadataRequest for tests: iccid ...nn, class, PPRs, and
 * notifications for enable/disable/delete to dp.x when notify. */
static size_t metadata(uint8_t *buf, size_t cap, uint8_t last, int64_t cls, uint64_t ppr, bool notify)
{
	struct rsp_store_metadata_request m = { 0 };
	struct rsp_notification_configuration_information nci = {
		RSP_NOTIFY_ENABLE | RSP_NOTIFY_DISABLE | RSP_NOTIFY_DELETE, RSP_STR("dp.x") };
	static uint8_t iccid[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct der_writer w;

	iccid[9] = last;
	m.iccid = RSP_BYTES(iccid, 10);
	m.service_provider_name = RSP_STR("Op");
	m.profile_name = RSP_STR("Profile");
	m.profile_class = cls;
	if (ppr) {
		m.has_profile_policy_rules = true;
		m.profile_policy_rules = ppr;
	}
	if (notify) {
		m.has_notification_configuration_info = true;
		m.notification_configuration_info.items = &nci;
		m.notification_configuration_info.count = 1;
	}
	der_writer_fixed(&w, buf, cap);
	assert_int_equal(rsp_encode(&rsp_t_store_metadata_request, &m, &w), IOT_OK);
	return w.len;
}

static void enable_cmd(struct euicc *e, const char *req_hex, int64_t want, const struct rsp_type *r_type)
{
	struct rsp_arena a;
	struct rsp_result r;

	rsp_arena_dynamic(&a);
	call_hex(e, req_hex, r_type, &r, &a);
	assert_int_equal(r.result, want);
	rsp_arena_free(&a);
}

#define ICCID_HEX(n) "9894000000000000000" n

static void test_profiles(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	struct rsp_arena a;
	struct rsp_profile_info_list_response list;
	uint8_t md[256];
	size_t n;
	(void)state;

	rsp_arena_dynamic(&a);
	n = metadata(md, sizeof(md), 0x01, RSP_CLASS_PROVISIONING, 0, false);
	assert_int_equal(euicc_preload_profile(e, md, n, (const uint8_t *)"boot", 4, true), IOT_OK);
	n = metadata(md, sizeof(md), 0x02, RSP_CLASS_OPERATIONAL, 0, true);
	assert_int_equal(euicc_preload_profile(e, md, n, (const uint8_t *)"op1", 3, false), IOT_OK);
	n = metadata(md, sizeof(md), 0x03, RSP_CLASS_OPERATIONAL, RSP_PPR2, false);
	assert_int_equal(euicc_preload_profile(e, md, n, (const uint8_t *)"op2", 3, false), IOT_OK);
	assert_int_equal(euicc_preload_profile(e, md, n, (const uint8_t *)"dup", 3, false), IOT_E_ARG);

	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	call_hex(e, "BF2D00", &rsp_t_profile_info_list_response, &list, &a);
	assert_int_equal(list.choice, RSP_PROFILE_INFO_LIST_OK);
	assert_int_equal(list.u.ok.count, 3);
	assert_int_equal(list.u.ok.items[0].profile_state, RSP_PROFILE_ENABLED);
	assert_int_equal(list.u.ok.items[1].profile_state, RSP_PROFILE_DISABLED);
	assert_int_equal(list.u.ok.items[0].profile_class, RSP_CLASS_PROVISIONING);
	/* search by ICCID with a tag list: only the tags asked */
	call_hex(e, "BF2D13" "A00C5A0A" ICCID_HEX("2") "5C039F705A", &rsp_t_profile_info_list_response, &list, &a);
	assert_int_equal(list.u.ok.count, 1);
	assert_true(list.u.ok.items[0].has_iccid && list.u.ok.items[0].has_profile_state);
	assert_false(list.u.ok.items[0].has_profile_name || list.u.ok.items[0].has_isdp_aid);
	/* search by class */
	call_hex(e, "BF2D05" "A003950102", &rsp_t_profile_info_list_response, &list, &a);
	assert_int_equal(list.u.ok.count, 2);

	/* enable op1: boot is disabled; notifications for op1's enable */
	enable_cmd(e, "BF3111" "A00C5A0A" ICCID_HEX("2") "8101FF", 0, &rsp_t_enable_profile_response);
	enable_cmd(e, "BF3111" "A00C5A0A" ICCID_HEX("2") "8101FF", 2, &rsp_t_enable_profile_response);
	enable_cmd(e, "BF3111" "A00C5A0A" ICCID_HEX("9") "8101FF", 1, &rsp_t_enable_profile_response);
	/* delete: enabled one refused; PPR2 refused; unknown ICCID */
	enable_cmd(e, "BF330C" "5A0A" ICCID_HEX("2"), 2, &rsp_t_delete_profile_response);
	enable_cmd(e, "BF330C" "5A0A" ICCID_HEX("3"), 3, &rsp_t_delete_profile_response);
	enable_cmd(e, "BF330C" "5A0A" ICCID_HEX("9"), 1, &rsp_t_delete_profile_response);
	/* disable op1, delete it */
	enable_cmd(e, "BF3211" "A00C5A0A" ICCID_HEX("2") "8101FF", 0, &rsp_t_disable_profile_response);
	enable_cmd(e, "BF3211" "A00C5A0A" ICCID_HEX("2") "8101FF", 2, &rsp_t_disable_profile_response);
	enable_cmd(e, "BF330C" "5A0A" ICCID_HEX("2"), 0, &rsp_t_delete_profile_response);
	/* nickname on boot */
	enable_cmd(e, "BF2911" "5A0A" ICCID_HEX("1") "9003426F6F", 0, &rsp_t_set_nickname_response);
	enable_cmd(e, "BF2911" "5A0A" ICCID_HEX("8") "9003426F6F", 1, &rsp_t_set_nickname_response);

	/* all of it survives a restart */
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	call_hex(e, "BF2D00", &rsp_t_profile_info_list_response, &list, &a);
	assert_int_equal(list.u.ok.count, 2);
	assert_true(list.u.ok.items[0].has_profile_nickname);
	assert_memory_equal(list.u.ok.items[0].profile_nickname.ptr, "Boo", 3);

	/* memory reset of operational profiles (SGP.32 form): op2 goes, PPR or not */
	{
		struct rsp_euicc_memory_reset_response rr;

		call_hex(e, "BF6404" "82020780", &rsp_t_euicc_memory_reset_response, &rr, &a);
		assert_int_equal(rr.reset_result, 0);
		call_hex(e, "BF6404" "82020780", &rsp_t_euicc_memory_reset_response, &rr, &a);
		assert_int_equal(rr.reset_result, 1);   /* nothingToDelete */
		call_hex(e, "BF2D00", &rsp_t_profile_info_list_response, &list, &a);
		assert_int_equal(list.u.ok.count, 1);
	}
	rsp_arena_free(&a);
	euicc_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_interface),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_set_default_dp_persists),
		cmocka_unit_test(test_profiles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
