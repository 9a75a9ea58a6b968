/* Known answers for the remaining messages: small ES10 functions, the
 * download legs of ESipa and ES9+. Written by hand from the ASN.1 modules. */
#include "testutil.h"

#include "rsp/rsp.h"
#include "kat.h"

static void test_empty_requests(void **state)
{
	struct rsp_empty e = { 0 };
	(void)state;

	assert_kat(&rsp_t_euicc_configured_addresses_request, &e, "BF3C00");
	assert_kat(&rsp_t_get_euicc_challenge_request, &e, "BF2E00");
	assert_kat(&rsp_t_get_euicc_info1_request, &e, "BF2000");
	assert_kat(&rsp_t_get_euicc_info2_request, &e, "BF2200");
	assert_kat(&rsp_t_get_rat_request, &e, "BF4300");
	assert_kat(&rsp_t_get_connectivity_parameters_request, &e, "BF5F00");
}

static void test_es10a(void **state)
{
	struct rsp_euicc_configured_addresses_response a = { 0 };
	struct rsp_address s = { RSP_STR("dp.x") };
	struct rsp_result r = { 0 };
	(void)state;

	a.has_default_dp_address = true;
	a.default_dp_address = RSP_STR("dp.x");
	a.root_ds_address = RSP_STR("ds.x");
	assert_kat(&rsp_t_euicc_configured_addresses_response, &a,
		   "BF3C0C" "800464702E78" "810464732E78");
	assert_kat(&rsp_t_set_default_dp_address_request, &s, "BF3F06" "800464702E78");
	assert_kat(&rsp_t_sgp32_set_default_dp_address_request, &s, "BF6506" "800464702E78");
	assert_kat(&rsp_t_set_default_dp_address_response, &r, "BF3F03" "800100");
}

static void test_es10_results(void **state)
{
	struct rsp_result r = { 1 };
	struct rsp_refresh_flag off = { false };
	struct rsp_get_euicc_challenge_response ch = { B(kat_challenge) };
	struct rsp_get_certs_request gc = { true, B(kat_ski) };
	struct rsp_bits_request ipae = { 1 }, tmpl = { 3 };
	(void)state;

	assert_kat(&rsp_t_get_euicc_challenge_response, &ch, "BF2E12" "8010" CHALLENGE_HEX);
	assert_kat(&rsp_t_notification_sent_response, &r, "BF3003" "800101");
	assert_kat(&rsp_t_get_certs_request, &gc, "BF5616" "8014" SKI20_HEX);
	assert_kat(&rsp_t_immediate_enable_response, &r, "BF5A03" "800101");
	assert_kat(&rsp_t_configure_immediate_profile_enabling_response, &r, "BF5903" "800101");
	assert_kat(&rsp_t_enable_emergency_profile_request, &off, "BF5B03" "800100");
	assert_kat(&rsp_t_disable_emergency_profile_request, &off, "BF5C03" "800100");
	assert_kat(&rsp_t_profile_rollback_request, &off, "BF5803" "800100");
	assert_kat(&rsp_t_enable_emergency_profile_response, &r, "BF5B03" "800101");
	assert_kat(&rsp_t_disable_emergency_profile_response, &r, "BF5C03" "800101");
	assert_kat(&rsp_t_return_from_fallback_response, &r, "BF5E03" "800101");
	assert_kat(&rsp_t_ipae_activation_response, &r, "BF4203" "800101");
	assert_kat(&rsp_t_disable_profile_response, &r, "BF3203" "800101");
	assert_kat(&rsp_t_sgp22_euicc_memory_reset_response, &r, "BF3403" "800101");
	assert_kat(&rsp_t_set_nickname_response, &r, "BF2903" "800101");
	assert_kat(&rsp_t_ipae_activation_request, &ipae, "BF4204" "80020780");
	assert_kat(&rsp_t_isdr_proprietary_application_template_iot, &tmpl, "E104" "800206C0");
}

static void test_es10b_lists(void **state)
{
	struct rsp_list_notification_response ln = { 0 };
	struct rsp_notification_metadata md = { 0 };
	struct rsp_retrieve_notifications_list_response rn = { 0 };
	struct rsp_euicc_package_result epr = { 0 };
	struct rsp_get_eim_configuration_data_response g = { 0 };
	struct rsp_eim_configuration_data c = { 0 };
	struct rsp_profile_rollback_response rb = { 0 };
	(void)state;

	md.seq_number = 1;
	md.profile_management_operation = RSP_NOTIFY_INSTALL;
	md.notification_address = RSP_STR("dp.x");
	ln.choice = RSP_LIST_NOTIFICATION_OK;
	ln.u.list.items = &md;
	ln.u.list.count = 1;
	assert_kat(&rsp_t_list_notification_response, &ln,
		   "BF2812" "A010" "BF2F0D" "800101" "81020780" "0C0464702E78");

	set_epr_unsigned(&epr);
	rn.choice = RSP_RETRIEVE_NOTIF_EPR_LIST;
	rn.u.euicc_package_result_list.items = &epr;
	rn.u.euicc_package_result_list.count = 1;
	assert_kat(&rsp_t_retrieve_notifications_list_response, &rn, "BF2B13" "A211" EPR_UNSIGNED_HEX);
	rn.choice = RSP_RETRIEVE_NOTIF_ERROR;
	rn.u.error = 127;
	assert_kat(&rsp_t_sgp22_retrieve_notifications_list_response, &rn, "BF2B03" "81017F");

	c.eim_id = RSP_STR("eim1");
	g.eim_configuration_data_list.items = &c;
	g.eim_configuration_data_list.count = 1;
	assert_kat(&rsp_t_get_eim_configuration_data_response, &g, "BF550A" "A008" "3006" "800465696D31");

	rb.cmd_result = 0;
	rb.has_euicc_package_result = true;
	set_epr_unsigned(&rb.euicc_package_result);
	assert_kat(&rsp_t_profile_rollback_response, &rb, "BF5814" "020100" EPR_UNSIGNED_HEX);
}

static void test_es10b_misc_requests(void **state)
{
	struct rsp_configure_immediate_profile_enabling_request ci = { 0 };
	struct rsp_configure_isdp_request isdp = { 0 };
	struct rsp_replace_session_keys_request rsk = { B(kat_challenge), B(kat_challenge), B(kat_challenge) };
	(void)state;

	ci.immediate_enable_flag = true;
	ci.has_default_smdp_oid = true;
	ci.default_smdp_oid = RSP_STR("\x2B\x06\x01");
	ci.has_default_smdp_address = true;
	ci.default_smdp_address = RSP_STR("dp.x");
	assert_kat(&rsp_t_configure_immediate_profile_enabling_request, &ci,
		   "BF590D" "8000" "81032B0601" "820464702E78");
	isdp.has_dp_proprietary_data = true;
	isdp.dp_proprietary_data.dp_oid = RSP_STR("\x2B\x06\x01");
	assert_kat(&rsp_t_configure_isdp_request, &isdp, "BF2407" "B805" "80032B0601");
	assert_kat(&rsp_t_replace_session_keys_request, &rsk,
		   "BF2636" "8010" CHALLENGE_HEX "8110" CHALLENGE_HEX "8210" CHALLENGE_HEX);
}

static void test_store_metadata(void **state)
{
	struct rsp_store_metadata_request m = { 0 };
	struct rsp_notification_configuration_information nci = { RSP_NOTIFY_INSTALL, RSP_STR("dp.x") };
	(void)state;

	m.iccid = B(kat_iccid);
	m.service_provider_name = RSP_STR("Op");
	m.profile_name = RSP_STR("P1");
	m.profile_class = RSP_CLASS_OPERATIONAL;        /* the DEFAULT: not encoded */
	assert_kat(&rsp_t_sgp22_store_metadata_request, &m,
		   "BF2514" "5A0A" ICCID_HEX "91024F70" "92025031");
	m.profile_class = RSP_CLASS_PROVISIONING;
	m.has_notification_configuration_info = true;
	m.notification_configuration_info.items = &nci;
	m.notification_configuration_info.count = 1;
	m.has_fallback_allowed = true;
	m.fallback_allowed = true;
	assert_kat(&rsp_t_store_metadata_request, &m,
		   "BF2529" "5A0A" ICCID_HEX "91024F70" "92025031" "950101"
		   "B60C" "300A" "80020780" "810464702E78" "9F6701FF");
}

static void test_compact_pir_and_sgp22_forms(void **state)
{
	struct rsp_pending_notification p = { 0 };
	struct rsp_compact_profile_installation_result_data *d = &p.u.compact_pir.data;
	struct rsp_profile_info_list_response pl = { 0 };
	struct rsp_profile_info pi = { 0 };
	struct rsp_euicc_info2 i2 = { 0 };
	(void)state;

	p.choice = RSP_PENDING_COMPACT_PIR;
	d->transaction_id = B(kat_txid);
	d->seq_number = 5;
	d->iccid_present = false;
	d->compact_final_result.choice = RSP_COMPACT_FINAL_RESULT_SUCCESS;
	d->compact_final_result.u.success.compact_aid = RSP_STR("\x10\x00");
	p.u.compact_pir.euicc_sign_pir = B(kat_sig);
	assert_kat(&rsp_t_pending_notification, &p,
		   "A057"                               /* compactProfileInstallationResult [0] */
		   "A012" "80020102" "020105" "010100"  /* iccidPresent FALSE (not the DEFAULT) */
		   "A206" "A004" "4F021000"
		   "5F3740" SIG64_HEX);

	pi.has_iccid = true;
	pi.iccid = B(kat_iccid);
	pi.has_profile_state = true;
	pi.profile_state = RSP_PROFILE_ENABLED;
	pl.choice = RSP_PROFILE_INFO_LIST_OK;
	pl.u.ok.items = &pi;
	pl.u.ok.count = 1;
	assert_kat(&rsp_t_sgp22_profile_info_list_response, &pl,
		   "BF2D14" "A012" "E310" "5A0A" ICCID_HEX "9F700101");

	i2.profile_version = RSP_STR("\x02\x02\x00");
	i2.svn = RSP_STR("\x02\x02\x00");
	i2.euicc_firmware_ver = RSP_STR("\x01\x00\x00");
	i2.ext_card_resource = RSP_STR("");
	i2.pp_version = RSP_STR("\x01\x00\x00");
	i2.sas_acreditation_number = RSP_STR("");
	assert_kat(&rsp_t_sgp22_euicc_info2, &i2,
		   "BF2222" "8103020200" "8203020200" "8303010000" "8400" "850100" "880100"
		   "A900" "AA00" "0403010000" "0C00");
}

static void test_esipa_download(void **state)
{
	struct rsp_initiate_authentication_response_esipa ia = { 0 };
	struct rsp_authenticate_client_request_esipa ac = { 0 };
	struct rsp_authenticate_client_response_esipa acr = { 0 };
	struct rsp_get_bound_profile_package_request_esipa gb = { 0 };
	uint8_t hash[32];
	(void)state;

	ia.choice = RSP_ESIPA_OK;
	ia.u.ok.has_transaction_id = true;
	ia.u.ok.transaction_id = B(kat_txid);
	set_server_signed1(&ia.u.ok.server_signed1);
	ia.u.ok.server_signature1 = B(kat_sig);
	ia.u.ok.euicc_ci_pkid_to_be_used = B(kat_ski);
	ia.u.ok.server_certificate = B(kat_cert);
	ia.u.ok.has_matching_id = true;
	ia.u.ok.matching_id = RSP_STR("MID");
	ia.u.ok.has_ctx_params1 = true;
	ia.u.ok.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	ia.u.ok.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
	assert_kat(&rsp_t_initiate_authentication_response_esipa, &ia,
		   "BF3981A9" "A081A6" "80020102" SERVER_SIGNED1_HEX "5F3740" SIG64_HEX
		   "0414" SKI20_HEX "3003020101" "0C034D4944"
		   "A20C" "A00A" "A108" "800435290611" "A100");   /* ctxParams1 [2] */
	memset(&ia, 0, sizeof(ia));
	ia.choice = RSP_ESIPA_ERROR;
	ia.u.error = 52;
	assert_kat(&rsp_t_initiate_authentication_response_esipa, &ia, "BF3903" "810134");

	ac.transaction_id = B(kat_txid);
	ac.authenticate_server_response.choice = RSP_AUTH_RESP_ERROR;
	ac.authenticate_server_response.u.error.transaction_id = B(kat_txid);
	ac.authenticate_server_response.u.error.authenticate_error_code = RSP_AUTH_ERR_INVALID_SIGNATURE;
	assert_kat(&rsp_t_authenticate_client_request_esipa, &ac,
		   "BF3B10" "80020102" "BF3809" "A107" "80020102" "020102");
	/* the same bytes are an ES9+ AuthenticateClientRequest, both forms */
	assert_kat(&rsp_t_authenticate_client_request, &ac,
		   "BF3B10" "80020102" "BF3809" "A107" "80020102" "020102");
	assert_kat(&rsp_t_sgp32_authenticate_client_request, &ac,
		   "BF3B10" "80020102" "BF3809" "A107" "80020102" "020102");

	memset(hash, 0xCC, sizeof(hash));
	acr.choice = RSP_AUTH_CLIENT_OK_DP;
	acr.u.ok_dp.has_transaction_id = true;
	acr.u.ok_dp.transaction_id = B(kat_txid);
	acr.u.ok_dp.smdp_signed2.transaction_id = B(kat_txid);
	acr.u.ok_dp.smdp_signature2 = B(kat_sig);
	acr.u.ok_dp.smdp_certificate = B(kat_cert);
	acr.u.ok_dp.has_hash_cc = true;
	acr.u.ok_dp.hash_cc = B(hash);
	assert_kat(&rsp_t_authenticate_client_response_esipa, &acr,
		   "BF3B79" "A077" "80020102" "3007" "80020102" "010100" "5F3740" SIG64_HEX
		   "3003020101" "0420" "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC");
	memset(&acr, 0, sizeof(acr));
	acr.choice = RSP_AUTH_CLIENT_OK_DS;
	acr.u.ok_ds.transaction_id = B(kat_txid);
	acr.u.ok_ds.has_profile_download_trigger = true;
	acr.u.ok_ds.profile_download_trigger.has_profile_download_data = true;
	acr.u.ok_ds.profile_download_trigger.profile_download_data.choice = RSP_PDD_CONTACT_DEFAULT_SMDP;
	assert_kat(&rsp_t_authenticate_client_response_esipa, &acr,
		   "BF3B0D" "A10B" "80020102" "BF5404" "A002" "8100");
	memset(&acr, 0, sizeof(acr));
	acr.choice = RSP_AUTH_CLIENT_ERROR;
	acr.u.error = 8;
	assert_kat(&rsp_t_authenticate_client_response_esipa, &acr, "BF3B03" "820108");

	gb.transaction_id = B(kat_txid);
	gb.prepare_download_response.choice = RSP_PREPARE_DL_ERROR;
	gb.prepare_download_response.u.error.transaction_id = B(kat_txid);
	gb.prepare_download_response.u.error.download_error_code = RSP_DL_ERR_NO_SESSION_CONTEXT;
	assert_kat(&rsp_t_get_bound_profile_package_request_esipa, &gb,
		   "BF3A10" "80020102" "BF2109" "A107" "80020102" "020104");
	assert_kat(&rsp_t_get_bound_profile_package_request, &gb,
		   "BF3A10" "80020102" "BF2109" "A107" "80020102" "020104");
}

static void test_esipa_bpp_and_results(void **state)
{
	struct rsp_get_bound_profile_package_response_esipa r = { 0 };
	struct rsp_transfer_eim_package_request t = { 0 };
	struct rsp_handle_notification_esipa h = { 0 };
	struct rsp_provide_eim_package_result p = { 0 };
	struct rsp_pending_notification n = { 0 };
	int64_t ack = 7;
	(void)state;

	r.choice = RSP_ESIPA_ERROR;
	r.u.error = 50;
	assert_kat(&rsp_t_get_bound_profile_package_response_esipa, &r, "BF3A03" "810132");

	t.choice = RSP_TRANSFER_EIM_ACKNOWLEDGEMENTS;
	t.u.acks.items = &ack;
	t.u.acks.count = 1;
	assert_kat(&rsp_t_transfer_eim_package_request, &t, "BF4E06" "BF5303" "800107");

	h.choice = RSP_HANDLE_NOTIFICATION_EIM_RESULT;
	h.u.provide_eim_package_result.eim_package_result.choice = RSP_EIM_RESULT_EPR;
	set_epr_unsigned(&h.u.provide_eim_package_result.eim_package_result.u.epr);
	assert_kat(&rsp_t_handle_notification_esipa, &h, "BF3D14" "BF5011" EPR_UNSIGNED_HEX);

	p.eim_package_result.choice = RSP_EIM_RESULT_EPR_AND_NOTIFICATIONS;
	set_epr_unsigned(&p.eim_package_result.u.epr_and_notifications.euicc_package_result);
	set_compact_other(&n);
	p.eim_package_result.u.epr_and_notifications.notification_list.items = &n;
	p.eim_package_result.u.epr_and_notifications.notification_list.count = 1;
	assert_kat(&rsp_t_provide_eim_package_result, &p,
		   "BF507C" "307A" EPR_UNSIGNED_HEX "A067" COMPACT_OTHER_HEX);
}

static void test_es9_ok_responses(void **state)
{
	struct rsp_initiate_authentication_response ia = { 0 };
	struct rsp_authenticate_client_response_es9 ac = { 0 };
	struct rsp_store_metadata_request *m = &ac.u.ok.profile_metadata;
	(void)state;

	ia.choice = RSP_ES9_OK;
	ia.u.ok.transaction_id = B(kat_txid);
	set_server_signed1(&ia.u.ok.server_signed1);
	ia.u.ok.server_signature1 = B(kat_sig);
	ia.u.ok.euicc_ci_pkid_to_be_used = B(kat_ski);
	ia.u.ok.server_certificate = B(kat_cert);
	assert_kat(&rsp_t_initiate_authentication_response, &ia,
		   "BF398196" "A08193" "80020102" SERVER_SIGNED1_HEX "5F3740" SIG64_HEX
		   "0414" SKI20_HEX "3003020101");

	ac.choice = RSP_ES9_OK;
	ac.u.ok.transaction_id = B(kat_txid);
	m->iccid = B(kat_iccid);
	m->service_provider_name = RSP_STR("Op");
	m->profile_name = RSP_STR("P1");
	m->profile_class = RSP_CLASS_OPERATIONAL;
	ac.u.ok.smdp_signed2.transaction_id = B(kat_txid);
	ac.u.ok.smdp_signature2 = B(kat_sig);
	ac.u.ok.smdp_certificate = B(kat_cert);
	assert_kat(&rsp_t_authenticate_client_response_es9, &ac,
		   "BF3B6E" "A06C" "80020102"
		   "BF2514" "5A0A" ICCID_HEX "91024F70" "92025031"
		   "3007" "80020102" "010100" "5F3740" SIG64_HEX "3003020101");
}


static void test_authenticate_server_response_ok(void **state)
{
	struct rsp_authenticate_server_response r = { 0 };
	struct rsp_euicc_signed1 *e = &r.u.ok.euicc_signed1;
	struct rsp_device_info *d = &e->ctx_params1.u.common.device_info;
	(void)state;

	r.choice = RSP_AUTH_RESP_OK;
	e->transaction_id = B(kat_txid);
	e->server_address = RSP_STR("dp.io");
	e->server_challenge = B(kat_challenge);
	e->euicc_info2.profile_version = RSP_STR("\x02\x03\x00");
	e->euicc_info2.svn = RSP_STR("\x02\x05\x00");
	e->euicc_info2.euicc_firmware_ver = RSP_STR("\x01\x00\x00");
	e->euicc_info2.ext_card_resource = RSP_STR("");
	e->euicc_info2.pp_version = RSP_STR("\x01\x00\x00");
	e->euicc_info2.sas_acreditation_number = RSP_STR("");
	e->euicc_info2.has_certification_data_object = true;
	e->euicc_info2.certification_data_object.platform_label = RSP_STR("PL");
	e->euicc_info2.certification_data_object.discovery_base_url = RSP_STR("u.x");
	e->euicc_info2.has_ipa_mode = true;
	e->ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	d->tac = RSP_STR("\x35\x29\x06\x11");
	d->device_capabilities.has_eutran_epc_supported_release = true;
	d->device_capabilities.eutran_epc_supported_release = RSP_STR("\x0F\x00\x00");
	d->device_capabilities.has_device_additional_feature_support = true;
	d->device_capabilities.device_additional_feature_support.has_nai_support = true;
	d->device_capabilities.device_additional_feature_support.nai_support = RSP_STR("\x01\x00\x00");
	r.u.ok.euicc_signature1 = B(kat_sig);
	r.u.ok.euicc_certificate = B(kat_cert);
	r.u.ok.eum_certificate = B(kat_cert);
	assert_kat(&rsp_t_authenticate_server_response, &r,
		   "BF3881BA" "A081B7"
		   "3068"                               /* SGP32-EuiccSigned1 */
		   "80020102" "830564702E696F" "8410" CHALLENGE_HEX
		   "BF2230" "8103020300" "8203020500" "8303010000" "8400" "850100" "880100"
		   "A900" "AA00" "0403010000" "0C00"
		   "AC09" "8002504C" "8103752E78"       /* certificationDataObject */
		   "900100"                             /* ipaMode */
		   "A016" "A114" "800435290611"         /* ctxParams1, deviceInfo */
		   "A10C" "85030F0000" "AE05" "8003010000"
		   "5F3740" SIG64_HEX "3003020101" "3003020101");
}

static void test_profile_info_full(void **state)
{
	struct rsp_profile_info p = { 0 };
	struct rsp_vendor_specific_item v = { RSP_STR("\x2B\x06\x01"), RSP_STR("\x04\x01\xAA") };
	(void)state;

	p.has_iccid = true;
	p.iccid = B(kat_iccid);
	p.has_isdp_aid = true;
	p.isdp_aid = RSP_STR("\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF\xFF\xFF\x89\x00\x00\x10\x00");
	p.has_profile_state = true;
	p.has_profile_nickname = true;
	p.profile_nickname = RSP_STR("hi");
	p.has_icon_type = true;
	p.icon_type = RSP_ICON_PNG;
	p.has_icon = true;
	p.icon = RSP_STR("\x89\x50");
	p.has_profile_owner = true;
	p.profile_owner.mcc_mnc = RSP_STR("\x32\xF4\x01");
	p.profile_owner.has_gid1 = true;
	p.profile_owner.gid1 = RSP_STR("\xFF");
	p.has_dp_proprietary_data = true;
	p.dp_proprietary_data.dp_oid = RSP_STR("\x2B\x06\x01");
	p.has_service_specific_data_stored_in_euicc = true;
	p.service_specific_data_stored_in_euicc.items = &v;
	p.service_specific_data_stored_in_euicc.count = 1;
	p.has_ecall_indication = true;
	assert_kat(&rsp_t_profile_info, &p,
		   "E351" "5A0A" ICCID_HEX "4F10A0000005591010FFFFFFFF8900001000" "9F700100"
		   "90026869" "930101" "94028950"
		   "B708" "800332F401" "8101FF"         /* profileOwner */
		   "B805" "80032B0601"                  /* dpProprietaryData */
		   "BF220C" "300A" "80032B0601" "A103" "0401AA"   /* open type [1], explicit */
		   "9F7B0100");
}

/* ICCID digits and their Iccid coding (the ICCID of the TS.48 test profile) */
static void test_iccid_digits(void **state)
{
	static const uint8_t coded[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x20, 0xF3 };
	uint8_t out[10];
	char text[21];

	(void)state;
	assert_int_equal(rsp_iccid_from_digits("8949449999999990023", out), IOT_OK);
	assert_memory_equal(out, coded, 10);
	rsp_iccid_to_digits(coded, text);
	assert_string_equal(text, "8949449999999990023");
	assert_int_equal(rsp_iccid_from_digits("89049032123451234512", out), IOT_OK);
	rsp_iccid_to_digits(out, text);
	assert_string_equal(text, "89049032123451234512");
	assert_int_equal(rsp_iccid_from_digits("8904903212345123451", out), IOT_OK);
	assert_int_equal(out[9], 0xF1);
	assert_int_equal(rsp_iccid_from_digits("890490321234512345", out), IOT_E_ARG);
	assert_int_equal(rsp_iccid_from_digits("890490321234512345A", out), IOT_E_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_requests),
		cmocka_unit_test(test_es10a),
		cmocka_unit_test(test_es10_results),
		cmocka_unit_test(test_es10b_lists),
		cmocka_unit_test(test_es10b_misc_requests),
		cmocka_unit_test(test_store_metadata),
		cmocka_unit_test(test_compact_pir_and_sgp22_forms),
		cmocka_unit_test(test_esipa_download),
		cmocka_unit_test(test_esipa_bpp_and_results),
		cmocka_unit_test(test_es9_ok_responses),
		cmocka_unit_test(test_authenticate_server_response_ok),
		cmocka_unit_test(test_profile_info_full),
		cmocka_unit_test(test_iccid_digits),
	};
	kat_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
