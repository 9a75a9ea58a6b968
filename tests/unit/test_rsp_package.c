/* eUICC Packages (SGP.32 2.11, 5.9.x): known answers written by hand from
 * SGP32Definitions, round trips, and every class of malformed input. */
#include "testutil.h"

#include "rsp/rsp.h"
#include "kat.h"

static const char psmo_request_hex[] =
	"BF5181AD"                              /* EuiccPackageRequest */
	"3068"                                  /* EuiccPackageSigned */
	"800465696D31"                          /* eimId "eim1" */
	"5A10" EID_HEX                          /* eidValue */
	"810105"                                /* counterValue 5 */
	"82020102"                              /* eimTransactionId */
	"A047"                                  /* psmoList [0] */
	"A30E" "5A0A" ICCID_HEX "0500"          /* enable, rollbackFlag */
	"A40C" "5A0A" ICCID_HEX                 /* disable */
	"A600"                                  /* getRAT */
	"BF2D11" "A00C5A0A" ICCID_HEX "5C015A"  /* listProfileInfo: iccid, tagList */
	"A707" "8000" "8203612E62"              /* configureImmediateEnable */
	"BF6505" "8003647031"                   /* setDefaultDpAddress "dp1" */
	"A900"                                  /* unsetFallbackAttribute */
	"5F3740" SIG64_HEX;                     /* eimSignature */

static void build_psmo_request(struct rsp_euicc_package_request *req, struct rsp_psmo *psmo)
{
	memset(req, 0, sizeof(*req));
	memset(psmo, 0, 7 * sizeof(*psmo));
	req->signed_data.eim_id = RSP_STR("eim1");
	req->signed_data.eid_value = B(kat_eid);
	req->signed_data.counter_value = 5;
	req->signed_data.has_eim_transaction_id = true;
	req->signed_data.eim_transaction_id = B(kat_txid);
	req->signed_data.euicc_package.choice = RSP_PACKAGE_PSMO_LIST;
	req->signed_data.euicc_package.u.psmo_list.items = psmo;
	req->signed_data.euicc_package.u.psmo_list.count = 7;
	psmo[0].choice = RSP_PSMO_ENABLE;
	psmo[0].u.enable.iccid = B(kat_iccid);
	psmo[0].u.enable.rollback_flag = true;
	psmo[1].choice = RSP_PSMO_DISABLE;
	psmo[1].u.disable.iccid = B(kat_iccid);
	psmo[2].choice = RSP_PSMO_GET_RAT;
	psmo[3].choice = RSP_PSMO_LIST_PROFILE_INFO;
	psmo[3].u.list_profile_info.has_search_criteria = true;
	psmo[3].u.list_profile_info.search_criteria.choice = RSP_PROFILE_SEARCH_ICCID;
	psmo[3].u.list_profile_info.search_criteria.u.iccid = B(kat_iccid);
	psmo[3].u.list_profile_info.has_tag_list = true;
	psmo[3].u.list_profile_info.tag_list = RSP_STR("\x5A");
	psmo[4].choice = RSP_PSMO_CONFIGURE_IMMEDIATE_ENABLE;
	psmo[4].u.configure_immediate_enable.immediate_enable_flag = true;
	psmo[4].u.configure_immediate_enable.has_default_smdp_address = true;
	psmo[4].u.configure_immediate_enable.default_smdp_address = RSP_STR("a.b");
	psmo[5].choice = RSP_PSMO_SET_DEFAULT_DP_ADDRESS;
	psmo[5].u.set_default_dp_address.address = RSP_STR("dp1");
	psmo[6].choice = RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE;
	req->eim_signature = B(kat_sig);
}

static void test_euicc_package_request_psmos(void **state)
{
	struct rsp_euicc_package_request req;
	struct rsp_psmo psmo[7];
	(void)state;

	build_psmo_request(&req, psmo);
	assert_kat(&rsp_t_euicc_package_request, &req, psmo_request_hex);
}

static void test_euicc_package_request_ecos(void **state)
{
	static const uint8_t spki[] = { 0x30, 0x08, 0x30, 0x03, 0x06, 0x01, 0x2A, 0x03, 0x01, 0x00 };
	struct rsp_euicc_package_request req = { 0 };
	struct rsp_eco eco[3];
	struct rsp_eim_configuration_data *c = &eco[0].u.add_eim;
	(void)state;

	memset(eco, 0, sizeof(eco));
	req.signed_data.eim_id = RSP_STR("eim1");
	req.signed_data.eid_value = B(kat_eid);
	req.signed_data.counter_value = 6;
	req.signed_data.euicc_package.choice = RSP_PACKAGE_ECO_LIST;
	req.signed_data.euicc_package.u.eco_list.items = eco;
	req.signed_data.euicc_package.u.eco_list.count = 3;
	eco[0].choice = RSP_ECO_ADD_EIM;
	c->eim_id = RSP_STR("eim2");
	c->has_eim_fqdn = true;
	c->eim_fqdn = RSP_STR("e.io");
	c->has_eim_id_type = true;
	c->eim_id_type = RSP_EIM_ID_TYPE_FQDN;
	c->has_counter_value = true;
	c->counter_value = 0;
	c->has_association_token = true;
	c->association_token = 7;
	c->has_eim_public_key_data = true;
	c->eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
	c->eim_public_key_data.u.public_key = B(spki);
	c->has_eim_supported_protocol = true;
	c->eim_supported_protocol = RSP_PROTO_RETRIEVE_HTTPS | RSP_PROTO_RETRIEVE_COAPS;
	c->indirect_profile_download = true;
	eco[1].choice = RSP_ECO_DELETE_EIM;
	eco[1].u.delete_eim.eim_id = RSP_STR("eim3");
	eco[2].choice = RSP_ECO_LIST_EIM;
	req.eim_signature = B(kat_sig);
	assert_kat(&rsp_t_euicc_package_request, &req,
		   "BF518195" "3050"
		   "800465696D31" "5A10" EID_HEX "810106"
		   "A133"                               /* ecoList [1] */
		   "A827"                               /* addEim [8] */
		   "800465696D32"                       /* eimId */
		   "8104652E696F"                       /* eimFqdn */
		   "820102"                             /* eimIdType fqdn */
		   "830100"                             /* counterValue 0 */
		   "840107"                             /* associationToken */
		   "A50A" "A008" "3003" "06012A" "030100"   /* eimPublicKey [0] SPKI */
		   "870206C0"                           /* retrieve https + coaps */
		   "8900"                               /* indirectProfileDownload */
		   "A906" "800465696D33"                /* deleteEim */
		   "AB00"                               /* listEim */
		   "5F3740" SIG64_HEX);
}

static void test_euicc_package_result_signed(void **state)
{
	struct rsp_euicc_package_result r = { 0 };
	struct rsp_euicc_result_data res[6];
	struct rsp_profile_info pi = { 0 };
	struct rsp_eim_id_info eim = { 0 };
	struct rsp_euicc_package_result_data_signed *d = &r.u.result_signed.data;
	(void)state;

	memset(res, 0, sizeof(res));
	r.choice = RSP_EPR_RESULT_SIGNED;
	d->eim_id = RSP_STR("eim1");
	d->counter_value = 5;
	d->has_eim_transaction_id = true;
	d->eim_transaction_id = B(kat_txid);
	d->seq_number = 10;
	d->euicc_result.items = res;
	d->euicc_result.count = 6;
	res[0].choice = RSP_RESULT_ENABLE;
	res[0].u.code = 0;
	res[1].choice = RSP_RESULT_LIST_PROFILE_INFO;
	res[1].u.list_profile_info.choice = RSP_PROFILE_INFO_LIST_OK;
	res[1].u.list_profile_info.u.ok.items = &pi;
	res[1].u.list_profile_info.u.ok.count = 1;
	pi.has_iccid = true;
	pi.iccid = B(kat_iccid);
	pi.has_profile_state = true;
	pi.profile_state = RSP_PROFILE_ENABLED;
	pi.has_profile_class = true;
	pi.profile_class = RSP_CLASS_OPERATIONAL;
	pi.fallback_attribute = true;
	res[2].choice = RSP_RESULT_ADD_EIM;
	res[2].u.add_eim.choice = RSP_ADD_EIM_ASSOCIATION_TOKEN;
	res[2].u.add_eim.u.association_token = 7;
	res[3].choice = RSP_RESULT_LIST_EIM;
	res[3].u.list_eim.choice = RSP_LIST_EIM_ID_LIST;
	res[3].u.list_eim.u.eim_id_list.items = &eim;
	res[3].u.list_eim.u.eim_id_list.count = 1;
	eim.eim_id = RSP_STR("eim1");
	eim.has_eim_id_type = true;
	eim.eim_id_type = RSP_EIM_ID_TYPE_FQDN;
	res[4].choice = RSP_RESULT_PROCESSING_TERMINATED;
	res[4].u.code = RSP_PROCESSING_INTERRUPTION;
	res[5].choice = RSP_RESULT_SET_DEFAULT_DP_ADDRESS;
	r.u.result_signed.euicc_sign_epr = B(kat_sig);
	assert_kat(&rsp_t_euicc_package_result, &r,
		   "BF518198"                           /* EuiccPackageResult */
		   "A08195"                             /* euiccPackageResultSigned [0] */
		   "3050"                               /* EuiccPackageResultDataSigned */
		   "800465696D31" "810105" "82020102" "83010A"
		   "303E"                               /* euiccResult */
		   "830100"                             /* enableResult ok */
		   "BF2D1B" "A019" "E317"               /* listProfileInfoResult */
		   "5A0A" ICCID_HEX "9F700101" "950102" "9F2601FF"
		   "A803" "840107"                      /* addEimResult: associationToken */
		   "AB0D" "A00B" "3009" "800465696D31" "820102" /* listEimResult */
		   "020103"                             /* processingTerminated interruption */
		   "BF6503" "800100"                    /* setDefaultDpAddressResult ok */
		   "5F3740" SIG64_HEX);                 /* euiccSignEPR */
}

static void test_euicc_package_error_unsigned_and_signed(void **state)
{
	struct rsp_euicc_package_result r = { 0 };
	(void)state;

	r.choice = RSP_EPR_ERROR_UNSIGNED;
	r.u.error_unsigned.eim_id = RSP_STR("eim1");
	r.u.error_unsigned.has_eim_transaction_id = true;
	r.u.error_unsigned.eim_transaction_id = RSP_STR("\x09");
	r.u.error_unsigned.has_association_token = true;
	r.u.error_unsigned.association_token = 7;
	assert_kat(&rsp_t_euicc_package_result, &r,
		   "BF510E" "A20C" "800465696D31" "820109" "840107");

	memset(&r, 0, sizeof(r));
	r.choice = RSP_EPR_ERROR_SIGNED;
	r.u.error_signed.data.eim_id = RSP_STR("eim1");
	r.u.error_signed.data.counter_value = 4;
	r.u.error_signed.data.euicc_package_error_code = RSP_EPE_REPLAY_ERROR;
	r.u.error_signed.euicc_sign_epe = B(kat_sig);
	assert_kat(&rsp_t_euicc_package_result, &r,
		   "BF5153" "A151" "300C" "800465696D31" "810104" "020104" "5F3740" SIG64_HEX);
}

static void test_signed_bytes_are_kept(void **state)
{
	static uint8_t buf[512];
	struct rsp_euicc_package_request req;
	struct rsp_arena a;
	uint8_t *out;
	size_t n = hex(psmo_request_hex, buf, sizeof(buf)), out_len;
	(void)state;

	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_euicc_package_request, buf, n, &req, &a), IOT_OK);
	/* the signature covers DER(EuiccPackageSigned) exactly as received */
	assert_ptr_equal(req.signed_data.der.ptr, buf + 4);
	assert_int_equal(req.signed_data.der.len, 2 + 0x68);
	assert_int_equal(req.signed_data.counter_value, 5);
	assert_int_equal(req.signed_data.euicc_package.u.psmo_list.count, 7);
	assert_int_equal(req.signed_data.euicc_package.u.psmo_list.items[3].choice,
			 RSP_PSMO_LIST_PROFILE_INFO);
	/* a relay re-encodes the signed part verbatim while der is set */
	req.signed_data.counter_value = 99;
	assert_int_equal(rsp_encode_alloc(&rsp_t_euicc_package_request, &req, &out, &out_len), IOT_OK);
	assert_int_equal(out_len, n);
	assert_memory_equal(out, buf, n);
	free(out);
	rsp_arena_free(&a);
}

static void test_malformed_packages(void **state)
{
	(void)state;
	/* signature missing */
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF510F" "300D" "800465696D31" "5A00" "810105" "A000",
			    IOT_E_ASN1_SIZE);
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF511F" "301D" "800465696D31" "5A10" EID_HEX "810105" "A000",
			    IOT_E_ASN1_MISSING);
	/* eidValue of 15 bytes */
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF5161" "301C" "800465696D31" "5A0F" "890490321234512345123456789012"
			    "810105" "A000" "5F3740" SIG64_HEX, IOT_E_ASN1_SIZE);
	/* counterValue before eidValue */
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF5162" "301D" "800465696D31" "810105" "5A10" EID_HEX "A000"
			    "5F3740" SIG64_HEX, IOT_E_ASN1_TAG);
	/* eimId twice */
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF5168" "3023" "800465696D31" "800465696D31" "5A10" EID_HEX "810105" "A000"
			    "5F3740" SIG64_HEX, IOT_E_ASN1_ORDER);
	/* empty and non-UTF-8 eimId */
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF515E" "3019" "8000" "5A10" EID_HEX "810105" "A000" "5F3740" SIG64_HEX,
			    IOT_E_ASN1_SIZE);
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF5160" "301B" "8002C0AF" "5A10" EID_HEX "810105" "A000" "5F3740" SIG64_HEX,
			    IOT_E_ASN1_VALUE);
	/* unknown PSMO [20] */
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF5164" "301F" "800465696D31" "5A10" EID_HEX "810105" "A002B400"
			    "5F3740" SIG64_HEX, IOT_E_ASN1_CHOICE);
	/* non-minimal INTEGER counterValue */
	assert_decode_fails(&rsp_t_euicc_package_request,
			    "BF5163" "301E" "800465696D31" "5A10" EID_HEX "81020005" "A000"
			    "5F3740" SIG64_HEX, IOT_E_ASN1_VALUE);
	/* trailing bytes after the message */
	assert_decode_fails(&rsp_t_euicc_package_result,
			    "BF5108" "A206" "800465696D31" "00", IOT_E_DER_TRAILING);
	/* wrong outer tag */
	assert_decode_fails(&rsp_t_euicc_package_result, "BF5208A206800465696D31", IOT_E_ASN1_TAG);
}

static void test_unknown_trailing_field_is_skipped(void **state)
{
	static uint8_t buf[128];
	struct rsp_arena a;
	struct rsp_euicc_package_result r;
	(void)state;

	rsp_arena_dynamic(&a);
	/* EXTENSIBILITY IMPLIED: an unknown [31] after the root members */
	decode_hex(&rsp_t_euicc_package_result, "BF510F" "A20D" "800465696D31" "840107" "9F1F0100",
		   &r, &a, buf, sizeof(buf));
	assert_int_equal(r.choice, RSP_EPR_ERROR_UNSIGNED);
	assert_true(r.u.error_unsigned.has_association_token);
	/* but a known member after an unknown one is out of order */
	assert_decode_fails(&rsp_t_euicc_package_result,
			    "BF510F" "A20D" "800465696D31" "9F1F0100" "840107", IOT_E_ASN1_ORDER);
	rsp_arena_free(&a);
}

static void test_fixed_arena_exhaustion(void **state)
{
	static uint8_t buf[512];
	uint8_t mem[16];
	struct rsp_arena a;
	struct rsp_euicc_package_request req;
	size_t n = hex(psmo_request_hex, buf, sizeof(buf));
	(void)state;

	rsp_arena_fixed(&a, mem, sizeof(mem));
	assert_int_equal(rsp_decode(&rsp_t_euicc_package_request, buf, n, &req, &a), IOT_E_NOMEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_euicc_package_request_psmos),
		cmocka_unit_test(test_euicc_package_request_ecos),
		cmocka_unit_test(test_euicc_package_result_signed),
		cmocka_unit_test(test_euicc_package_error_unsigned_and_signed),
		cmocka_unit_test(test_signed_bytes_are_kept),
		cmocka_unit_test(test_malformed_packages),
		cmocka_unit_test(test_unknown_trailing_field_is_skipped),
		cmocka_unit_test(test_fixed_arena_exhaustion),
	};
	kat_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
