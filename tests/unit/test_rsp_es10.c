/* ES10a/b/c (SGP.22 5.7, SGP.32 5.9): known answers written by hand from the
 * ASN.1 reference, round trips, malformed input. */
#include "testutil.h"

#include "rsp/rsp.h"
#include "kat.h"

static void test_es10c_profile_commands(void **state)
{
	struct rsp_profile_request en = { 0 };
	struct rsp_profile_identifier del = { 0 };
	struct rsp_result res = { 0 };
	struct rsp_profile_info_list_request list = { 0 };
	struct rsp_set_nickname_request nick = { 0 };
	(void)state;

	en.profile_identifier.choice = RSP_PROFILE_ID_ICCID;
	en.profile_identifier.u.iccid = B(kat_iccid);
	en.refresh_flag = true;
	/* AUTOMATIC TAGS: profileIdentifier [0] (explicit, a CHOICE), refreshFlag [1] */
	assert_kat(&rsp_t_enable_profile_request, &en, "BF3111" "A00C5A0A" ICCID_HEX "8101FF");
	en.refresh_flag = false;
	en.profile_identifier.choice = RSP_PROFILE_ID_ISDP_AID;
	en.profile_identifier.u.isdp_aid = RSP_STR("\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF\xFF\xFF\x89\x00\x00\x10\x00");
	assert_kat(&rsp_t_disable_profile_request, &en,
		   "BF3217" "A0124F10A0000005591010FFFFFFFF8900001000" "810100");
	del.choice = RSP_PROFILE_ID_ICCID;
	del.u.iccid = B(kat_iccid);
	/* a tagged CHOICE: 'BF33' wraps the alternative */
	assert_kat(&rsp_t_delete_profile_request, &del, "BF330C" "5A0A" ICCID_HEX);
	res.result = 2;
	assert_kat(&rsp_t_enable_profile_response, &res, "BF3103" "800102");
	assert_kat(&rsp_t_delete_profile_response, &res, "BF3303" "800102");

	list.has_search_criteria = true;
	list.search_criteria.choice = RSP_PROFILE_SEARCH_CLASS;
	list.search_criteria.u.profile_class = RSP_CLASS_OPERATIONAL;
	list.has_tag_list = true;
	list.tag_list = RSP_STR("\x5A\x9F\x70");
	assert_kat(&rsp_t_profile_info_list_request, &list, "BF2D0A" "A003950102" "5C035A9F70");

	nick.iccid = B(kat_iccid);
	nick.profile_nickname = RSP_STR("hi");
	assert_kat(&rsp_t_set_nickname_request, &nick, "BF2910" "5A0A" ICCID_HEX "90026869");
}

static void test_es10c_profile_info_list(void **state)
{
	struct rsp_profile_info_list_response r = { 0 };
	struct rsp_profile_info pi[2];
	struct rsp_notification_configuration_information nci = { 0 };
	(void)state;

	memset(pi, 0, sizeof(pi));
	r.choice = RSP_PROFILE_INFO_LIST_OK;
	r.u.ok.items = pi;
	r.u.ok.count = 2;
	pi[0].has_iccid = true;
	pi[0].iccid = B(kat_iccid);
	pi[0].has_profile_state = true;
	pi[0].profile_state = RSP_PROFILE_DISABLED;
	pi[0].has_service_provider_name = true;
	pi[0].service_provider_name = RSP_STR("Op");
	pi[0].has_notification_configuration_info = true;
	pi[0].notification_configuration_info.items = &nci;
	pi[0].notification_configuration_info.count = 1;
	nci.profile_management_operation = RSP_NOTIFY_INSTALL | RSP_NOTIFY_DELETE;
	nci.notification_address = RSP_STR("dp.x");
	pi[0].has_profile_policy_rules = true;
	pi[0].profile_policy_rules = RSP_PPR2;
	pi[0].has_fallback_allowed = true;
	pi[0].fallback_allowed = true;
	pi[1].has_profile_class = true;
	pi[1].profile_class = RSP_CLASS_PROVISIONING;
	pi[1].fallback_attribute = true;
	assert_kat(&rsp_t_profile_info_list_response, &r,
		   "BF2D37" "A035"
		   "E32A" "5A0A" ICCID_HEX "9F700100" "91024F70"
		   "B60C" "300A" "80020490" "810464702E78"   /* install+delete: bits 0,3 */
		   "99020520"                           /* ppr2 */
		   "9F6701FF"
		   "E307" "950101" "9F2601FF");

	memset(&r, 0, sizeof(r));
	r.choice = RSP_PROFILE_INFO_LIST_ERROR;
	r.u.error = 11;
	assert_kat(&rsp_t_profile_info_list_response, &r, "BF2D03" "81010B");
}

static void test_es10c_eid_reset(void **state)
{
	struct rsp_get_euicc_data_request g = { 0 };
	struct rsp_get_euicc_data_response e = { 0 };
	struct rsp_bits_request reset = { 0 };
	struct rsp_euicc_memory_reset_response rr = { 0 };
	(void)state;

	g.tag_list = RSP_STR("\x5A");
	assert_kat(&rsp_t_get_euicc_data_request, &g, "BF3E03" "5C015A");
	e.eid_value = B(kat_eid);
	assert_kat(&rsp_t_get_euicc_data_response, &e, "BF3E12" "5A10" EID_HEX);
	reset.bits = 0x07;
	assert_kat(&rsp_t_euicc_memory_reset_request, &reset, "BF6404" "820205E0");
	assert_kat(&rsp_t_sgp22_euicc_memory_reset_request, &reset, "BF3404" "820205E0");
	rr.reset_result = 0;
	rr.has_reset_eim_result = true;
	rr.reset_eim_result = 1;
	assert_kat(&rsp_t_euicc_memory_reset_response, &rr, "BF6406" "800100" "810101");
}

static void test_es10b_notifications(void **state)
{
	struct rsp_retrieve_notifications_list_request rq = { 0 };
	struct rsp_cancel_session_request cs = { 0 };
	struct rsp_cancel_session_response csr = { 0 };
	struct rsp_list_notification_request ln = { 0 };
	struct rsp_seq_number sent = { 5 };
	(void)state;

	rq.has_search_criteria = true;
	rq.search_criteria.choice = RSP_SEARCH_EUICC_PACKAGE_RESULTS;
	assert_kat(&rsp_t_retrieve_notifications_list_request, &rq, "BF2B04" "A002" "8200");
	rq.search_criteria.choice = RSP_SEARCH_SEQ_NUMBER;
	rq.search_criteria.u.seq_number = 5;
	assert_kat(&rsp_t_sgp22_retrieve_notifications_list_request, &rq, "BF2B05" "A003" "800105");
	ln.has_profile_management_operation = true;
	ln.profile_management_operation = RSP_NOTIFY_ENABLE;
	assert_kat(&rsp_t_list_notification_request, &ln, "BF2804" "81020640");
	assert_kat(&rsp_t_notification_sent_request, &sent, "BF3003" "800105");

	cs.transaction_id = B(kat_txid);
	cs.reason = RSP_CANCEL_POSTPONED;
	assert_kat(&rsp_t_cancel_session_request, &cs, "BF4107" "80020102" "810101");
	csr.choice = RSP_CANCEL_RESP_OK;
	csr.u.ok.signed_data.transaction_id = B(kat_txid);
	csr.u.ok.signed_data.smdp_oid = RSP_STR("\x2B\x06\x01");
	csr.u.ok.signed_data.reason = RSP_CANCEL_POSTPONED;
	csr.u.ok.euicc_cancel_session_signature = B(kat_sig);
	assert_kat(&rsp_t_cancel_session_response, &csr,
		   "BF4153" "A051"
		   "300C" "80020102" "81032B0601" "820101"   /* EuiccCancelSessionSigned */
		   "5F3740" SIG64_HEX);
}

static void test_es10b_profile_installation_result(void **state)
{
	struct rsp_profile_installation_result p = { 0 };
	struct rsp_profile_installation_result_data *d = &p.data;
	(void)state;

	d->transaction_id = B(kat_txid);
	d->notification_metadata.seq_number = 1;
	d->notification_metadata.profile_management_operation = RSP_NOTIFY_INSTALL;
	d->notification_metadata.notification_address = RSP_STR("dp.x");
	d->notification_metadata.has_iccid = true;
	d->notification_metadata.iccid = B(kat_iccid);
	d->smdp_oid = RSP_STR("\x2B\x06\x01");
	d->final_result.choice = RSP_FINAL_RESULT_SUCCESS;
	d->final_result.u.success.aid =
		RSP_STR("\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF\xFF\xFF\x89\x00\x00\x10\x00");
	d->final_result.u.success.sima_response = RSP_STR("\x30\x07\xA0\x05\x30\x03\x80\x01\x00");
	p.euicc_sign_pir = B(kat_sig);
	assert_kat(&rsp_t_profile_installation_result, &p,
		   "BF37818C" "BF2746"
		   "80020102"
		   "BF2F19" "800101" "81020780" "0C0464702E78" "5A0A" ICCID_HEX
		   "06032B0601"
		   "A21F" "A01D"                        /* finalResult [2], successResult [0] */
		   "4F10A0000005591010FFFFFFFF8900001000" "04093007A00530038001" "00"
		   "5F3740" SIG64_HEX);
	memset(&d->final_result, 0, sizeof(d->final_result));
	d->final_result.choice = RSP_FINAL_RESULT_ERROR;
	d->final_result.u.error.bpp_command_id = RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS;
	d->final_result.u.error.error_reason = RSP_PIR_INTERRUPTION;
	d->notification_metadata.has_iccid = false;
	assert_kat(&rsp_t_sgp22_profile_installation_result, &p,
		   "BF3769" "BF2723"
		   "80020102"
		   "BF2F0D" "800101" "81020780" "0C0464702E78"
		   "06032B0601"
		   "A208" "A106" "800105" "81010B"      /* errorResult [1] */
		   "5F3740" SIG64_HEX);
}


static void test_es10b_authenticate_server(void **state)
{
	struct rsp_authenticate_server_request r = { 0 };
	struct rsp_ctx_params_for_common_authentication *c = &r.ctx_params1.u.common;
	(void)state;

	r.server_signed1.transaction_id = B(kat_txid);
	r.server_signed1.euicc_challenge = B(kat_challenge);
	r.server_signed1.server_address = RSP_STR("dp.io");
	r.server_signed1.server_challenge = B(kat_challenge);
	r.server_signature1 = B(kat_sig);
	r.euicc_ci_pkid_to_be_used = B(kat_ski);
	r.server_certificate = B(kat_cert);
	r.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	c->has_matching_id = true;
	c->matching_id = RSP_STR("MID");
	c->device_info.tac = RSP_STR("\x35\x29\x06\x11");
	c->device_info.has_imei = true;
	c->device_info.imei = RSP_STR("\x35\x29\x06\x11\x00\x00\x00\x01");
	assert_kat(&rsp_t_authenticate_server_request, &r,
		   "BF3881AA"
		   "302F" "80020102" "8110" CHALLENGE_HEX "830564702E696F" "8410" CHALLENGE_HEX
		   "5F3740" SIG64_HEX
		   "0414" SKI20_HEX                     /* euiccCiPKIdToBeUsed */
		   "3003020101"                         /* serverCertificate */
		   "A019" "8003" "4D4944"               /* ctxParamsForCommonAuthentication [0] */
		   "A112" "800435290611" "A100" "82083529061100000001");
}

static void test_es10b_authenticate_server_response_compact(void **state)
{
	struct rsp_authenticate_server_response r = { 0 };
	(void)state;

	r.choice = RSP_AUTH_RESP_COMPACT_OK;
	r.u.compact_ok.signed_data.choice = RSP_SIGNED_DATA_COMPACT_EUICC_SIGNED1;
	r.u.compact_ok.signed_data.u.compact_euicc_signed1.ext_card_resource = RSP_STR("\x01\x02\x03");
	r.u.compact_ok.euicc_signature1 = B(kat_sig);
	r.u.compact_ok.has_euicc_certificate = true;
	r.u.compact_ok.euicc_certificate = B(kat_cert);
	assert_kat(&rsp_t_authenticate_server_response, &r,
		   "BF3851" "A24F"
		   "A005" "8403010203"                  /* compactEuiccSigned1 [0] */
		   "5F3740" SIG64_HEX
		   "A103020101");                       /* euiccCertificate [1], implicit */

	memset(&r, 0, sizeof(r));
	r.choice = RSP_AUTH_RESP_ERROR;
	r.u.error.transaction_id = B(kat_txid);
	r.u.error.authenticate_error_code = RSP_AUTH_ERR_CI_PK_UNKNOWN;
	assert_kat(&rsp_t_sgp22_authenticate_server_response, &r, "BF3809" "A107" "80020102" "020107");
}

static void test_es10b_euicc_info2(void **state)
{
	struct rsp_euicc_info2 i = { 0 };
	struct rsp_bytes ski = B(kat_ski), iot = RSP_STR("\x01\x02\x00");
	(void)state;

	i.profile_version = RSP_STR("\x02\x03\x00");
	i.svn = RSP_STR("\x02\x05\x00");
	i.euicc_firmware_ver = RSP_STR("\x01\x00\x00");
	i.ext_card_resource = RSP_STR("\x01\x02\x03");
	i.uicc_capability = 0;
	i.has_ts102241_version = true;
	i.ts102241_version = RSP_STR("\x09\x02\x00");
	i.rsp_capability = 1;                   /* additionalProfile */
	i.euicc_ci_pkid_list_for_verification.items = &ski;
	i.euicc_ci_pkid_list_for_verification.count = 1;
	i.euicc_ci_pkid_list_for_signing.items = &ski;
	i.euicc_ci_pkid_list_for_signing.count = 1;
	i.pp_version = RSP_STR("\x01\x00\x00");
	i.sas_acreditation_number = RSP_STR("");
	i.has_ipa_mode = true;
	i.ipa_mode = RSP_IPA_MODE_IPAD;
	i.has_iot_specific_info = true;
	i.iot_specific_info.iot_version.items = &iot;
	i.iot_specific_info.iot_version.count = 1;
	i.iot_specific_info.fallback_supported = true;
	assert_kat(&rsp_t_euicc_info2, &i,
		   "BF2265"
		   "8103020300" "8203020500" "8303010000" "8403010203"
		   "850100"                             /* uiccCapability: no bit */
		   "8603090200"
		   "88020780"                           /* rspCapability additionalProfile */
		   "A9160414" SKI20_HEX "AA160414" SKI20_HEX
		   "0403010000" "0C00"                  /* ppVersion, sasAcreditationNumber */
		   "900100"                             /* ipaMode ipad */
		   "B409" "A005" "0403010200" "8200");  /* iotSpecificInfo */
}

static void test_es10b_prepare_download(void **state)
{
	struct rsp_prepare_download_request rq = { 0 };
	struct rsp_prepare_download_response r = { 0 };
	uint8_t hash[32];
	(void)state;

	memset(hash, 0xCC, sizeof(hash));
	rq.smdp_signed2.transaction_id = B(kat_txid);
	rq.smdp_signed2.cc_required_flag = false;
	rq.smdp_signature2 = B(kat_sig);
	rq.smdp_certificate = B(kat_cert);
	assert_kat(&rsp_t_prepare_download_request, &rq,
		   "BF2151" "3007" "80020102" "010100" "5F3740" SIG64_HEX "3003020101");

	r.choice = RSP_PREPARE_DL_OK;
	r.u.ok.euicc_signed2.transaction_id = B(kat_txid);
	r.u.ok.euicc_signed2.euicc_otpk = RSP_STR("\x04\xAA\xBB");
	r.u.ok.euicc_signed2.has_hash_cc = true;
	r.u.ok.euicc_signed2.hash_cc = B(hash);
	r.u.ok.euicc_signature2 = B(kat_sig);
	assert_kat(&rsp_t_sgp22_prepare_download_response, &r,
		   "BF2173" "A071"
		   "302C" "80020102" "5F490304AABB"
		   "0420" "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
		   "5F3740" SIG64_HEX);
	memset(&r, 0, sizeof(r));
	r.choice = RSP_PREPARE_DL_COMPACT_OK;
	r.u.compact_ok.compact_euicc_signed2.has_euicc_otpk = true;
	r.u.compact_ok.compact_euicc_signed2.euicc_otpk = RSP_STR("\x04\xAA\xBB");
	r.u.compact_ok.euicc_signature2 = B(kat_sig);
	assert_kat(&rsp_t_prepare_download_response, &r,
		   "BF214D" "A24B" "3006" "5F490304AABB" "5F3740" SIG64_HEX);
}

static void test_es10b_bound_profile_package(void **state)
{
	struct rsp_bound_profile_package b = { 0 };
	struct rsp_initialise_secure_channel_request *i = &b.initialise_secure_channel_request;
	struct rsp_bytes s87 = RSP_STR("\x11\x11"), s88[2] = { RSP_STR("\x22\x22"), RSP_STR("\x33") };
	struct rsp_bytes s86[2] = { RSP_STR("\x44"), RSP_STR("\x55") };
	(void)state;

	i->remote_op_id = 1;
	i->transaction_id = B(kat_txid);
	i->control_ref_template.key_type = RSP_STR("\x88");
	i->control_ref_template.key_len = RSP_STR("\x10");
	i->control_ref_template.host_id = RSP_STR("\x01\x02");
	i->smdp_otpk = RSP_STR("\x04\xAA\xBB");
	i->smdp_sign = B(kat_sig);
	b.first_sequence_of87.items = &s87;
	b.first_sequence_of87.count = 1;
	b.sequence_of88.items = s88;
	b.sequence_of88.count = 2;
	b.sequence_of86.items = s86;
	b.sequence_of86.count = 2;
	assert_kat(&rsp_t_bound_profile_package, &b,
		   "BF3676"
		   "BF235C" "820101" "80020102"
		   "A60A" "800188" "810110" "84020102"  /* controlRefTemplate [6] */
		   "5F490304AABB" "5F3740" SIG64_HEX
		   "A004" "87021111"
		   "A107" "88022222" "880133"
		   "A306" "860144" "860155");
}

static void test_es10b_eim_configuration(void **state)
{
	struct rsp_add_initial_eim_request a = { 0 };
	struct rsp_eim_configuration_data c = { 0 };
	struct rsp_add_initial_eim_response ar = { 0 };
	struct rsp_add_initial_eim_item items[2];
	struct rsp_get_eim_configuration_data_request g = { 0 };
	(void)state;

	c.eim_id = RSP_STR("eim1");
	c.has_eim_fqdn = true;
	c.eim_fqdn = RSP_STR("e.io");
	c.has_eim_supported_protocol = true;
	c.eim_supported_protocol = RSP_PROTO_RETRIEVE_HTTPS;
	a.eim_configuration_data_list.items = &c;
	a.eim_configuration_data_list.count = 1;
	assert_kat(&rsp_t_add_initial_eim_request, &a,
		   "BF5714" "A012" "3010" "800465696D31" "8104652E696F" "87020780");

	memset(items, 0, sizeof(items));
	items[0].choice = RSP_ADD_INITIAL_EIM_ASSOCIATION_TOKEN;
	items[0].u.association_token = 7;
	items[1].choice = RSP_ADD_INITIAL_EIM_ADD_OK;
	ar.choice = RSP_ADD_INITIAL_EIM_OK;
	ar.u.ok.items = items;
	ar.u.ok.count = 2;
	assert_kat(&rsp_t_add_initial_eim_response, &ar, "BF5707" "A005" "840107" "0500");

	g.has_search_criteria = true;
	g.search_criteria.choice = RSP_EIM_SEARCH_EIM_ID;
	g.search_criteria.u.eim_id = RSP_STR("eim1");
	assert_kat(&rsp_t_get_eim_configuration_data_request, &g, "BF5508" "A006" "800465696D31");
}

static void test_es10b_certs_rat_fallback(void **state)
{
	struct rsp_get_certs_response gc = { 0 };
	struct rsp_get_rat_response rat = { 0 };
	struct rsp_ppar rule = { 0 };
	struct rsp_operator_id op = { 0 };
	struct rsp_refresh_flag rf = { true };
	struct rsp_result res = { 6 };
	struct rsp_get_connectivity_parameters_response cp = { 0 };
	(void)state;

	gc.choice = RSP_GET_CERTS_OK;
	gc.u.certs.eum_certificate = B(kat_cert);
	gc.u.certs.euicc_certificate = B(kat_cert);
	/* [5] and [6] replace the certificates' own '30' */
	assert_kat(&rsp_t_get_certs_response, &gc, "BF560C" "A00A" "A503020101" "A603020101");

	op.mcc_mnc = RSP_STR("\x32\xF4\x01");
	rule.ppr_ids = RSP_PPR1;
	rule.allowed_operators.items = &op;
	rule.allowed_operators.count = 1;
	rule.ppr_flags = 1;
	rat.rat.items = &rule;
	rat.rat.count = 1;
	assert_kat(&rsp_t_get_rat_response, &rat,
		   "BF4315" "A013" "3011" "80020640" "A107" "3005" "800332F401" "82020780");

	assert_kat(&rsp_t_execute_fallback_mechanism_request, &rf, "BF5D03" "8001FF");
	assert_kat(&rsp_t_return_from_fallback_request, &rf, "BF5E03" "8001FF");
	assert_kat(&rsp_t_immediate_enable_request, &rf, "BF5A03" "8001FF");
	assert_kat(&rsp_t_execute_fallback_mechanism_response, &res, "BF5D03" "800106");
	cp.choice = RSP_CONNECTIVITY_PARAMETERS;
	cp.u.params.has_http_params = true;
	cp.u.params.http_params = RSP_STR("\x01");
	assert_kat(&rsp_t_get_connectivity_parameters_response, &cp, "BF5F05" "A003" "810101");
}

static void test_malformed_es10(void **state)
{
	(void)state;
	/* ICCID of 9 bytes */
	assert_decode_fails(&rsp_t_delete_profile_request, "BF330B" "5A09001032547698103214",
			    IOT_E_ASN1_SIZE);
	/* refreshFlag missing */
	assert_decode_fails(&rsp_t_enable_profile_request, "BF310E" "A00C5A0A" ICCID_HEX,
			    IOT_E_ASN1_MISSING);
	/* BOOLEAN of two bytes */
	assert_decode_fails(&rsp_t_immediate_enable_request, "BF5A04" "8002FFFF", IOT_E_ASN1_VALUE);
	/* BIT STRING with 8 unused bits */
	assert_decode_fails(&rsp_t_euicc_memory_reset_request, "BF6404" "820208E0", IOT_E_ASN1_VALUE);
	/* OBJECT IDENTIFIER with a non-minimal subidentifier */
	assert_decode_fails(&rsp_t_configure_immediate_profile_enabling_request, "BF5904" "8102802B",
			    IOT_E_ASN1_VALUE);
	/* a primitive where a SEQUENCE belongs */
	assert_decode_fails(&rsp_t_get_certs_response, "BF5604" "80020000", IOT_E_ASN1_CHOICE);
	/* a certificate that is not well-formed DER inside */
	assert_decode_fails(&rsp_t_get_certs_response, "BF560B" "A009" "A503020105" "A6020201",
			    IOT_E_DER_OVERRUN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es10c_profile_commands),
		cmocka_unit_test(test_es10c_profile_info_list),
		cmocka_unit_test(test_es10c_eid_reset),
		cmocka_unit_test(test_es10b_notifications),
		cmocka_unit_test(test_es10b_profile_installation_result),
		cmocka_unit_test(test_es10b_authenticate_server),
		cmocka_unit_test(test_es10b_authenticate_server_response_compact),
		cmocka_unit_test(test_es10b_euicc_info2),
		cmocka_unit_test(test_es10b_prepare_download),
		cmocka_unit_test(test_es10b_bound_profile_package),
		cmocka_unit_test(test_es10b_eim_configuration),
		cmocka_unit_test(test_es10b_certs_rat_fallback),
		cmocka_unit_test(test_malformed_es10),
	};
	kat_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
