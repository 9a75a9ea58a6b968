/* ESipa messages (SGP.32 6.3): known answers written by hand from
 * SGP32Definitions, round trips, and decoding through the top-level CHOICEs
 * every transport carries. */
#include "testutil.h"

#include "rsp/rsp.h"
#include "kat.h"

static void test_get_eim_package_request(void **state)
{
	struct rsp_esipa_message_from_ipa m = { 0 };
	struct rsp_get_eim_package_request *r = &m.u.get_eim_package;
	(void)state;

	m.choice = RSP_IPA_TO_EIM_GET_EIM_PACKAGE;
	r->eid_value = B(kat_eid);
	r->notify_state_change = true;
	r->has_state_change_cause = true;
	r->state_change_cause = RSP_STATE_CHANGE_FALLBACK;
	r->has_rplmn = true;
	r->rplmn = RSP_STR("\x32\xF4\x01");
	assert_kat(&rsp_t_esipa_message_from_ipa, &m,
		   "BF4F1C" "5A10" EID_HEX "8000" "810101" "820332F401");
	/* the same message decoded through its own type */
	assert_kat(&rsp_t_get_eim_package_request, r,
		   "BF4F1C" "5A10" EID_HEX "8000" "810101" "820332F401");
}

static void test_get_eim_package_response(void **state)
{
	struct rsp_esipa_message_from_eim m = { 0 };
	struct rsp_get_eim_package_response *r = &m.u.get_eim_package;
	(void)state;

	m.choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE;
	r->choice = RSP_GET_EIM_PKG_ERROR;
	r->u.error = RSP_EIM_PKG_NO_PACKAGE;
	assert_kat(&rsp_t_esipa_message_from_eim, &m, "BF4F03" "020101");

	memset(&m, 0, sizeof(m));
	m.choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE;
	r->choice = RSP_GET_EIM_PKG_PDT_REQUEST;
	r->u.pdt_request.has_profile_download_data = true;
	r->u.pdt_request.profile_download_data.choice = RSP_PDD_ACTIVATION_CODE;
	r->u.pdt_request.profile_download_data.u.activation_code = RSP_STR("LPA:1$dp.io$MID");
	r->u.pdt_request.has_eim_transaction_id = true;
	r->u.pdt_request.eim_transaction_id = RSP_STR("\x01");
	assert_kat(&rsp_t_esipa_message_from_eim, &m,
		   "BF4F19" "BF5416"                    /* ProfileDownloadTriggerRequest */
		   "A011" "800F" "4C50413A312464702E696F244D4944" /* [0] activationCode */
		   "820101");                           /* eimTransactionId */

	memset(&m, 0, sizeof(m));
	m.choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE;
	r->choice = RSP_GET_EIM_PKG_IPA_EUICC_DATA_REQUEST;
	r->u.ipa_euicc_data_request.tag_list = RSP_STR("\x80\xBF\x20");
	r->u.ipa_euicc_data_request.has_search_criteria_notification = true;
	r->u.ipa_euicc_data_request.search_criteria_notification.choice = RSP_SEARCH_SEQ_NUMBER;
	r->u.ipa_euicc_data_request.search_criteria_notification.u.seq_number = 5;
	r->u.ipa_euicc_data_request.has_eim_transaction_id = true;
	r->u.ipa_euicc_data_request.eim_transaction_id = RSP_STR("\x09");
	assert_kat(&rsp_t_esipa_message_from_eim, &m,
		   "BF4F10" "BF520D" "5C0380BF20" "A103800105" "830109");
}

static void test_provide_eim_package_result(void **state)
{
	struct rsp_esipa_message_from_ipa m = { 0 };
	struct rsp_provide_eim_package_result *r = &m.u.provide_eim_package_result;
	(void)state;

	m.choice = RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT;
	r->has_eid_value = true;
	r->eid_value = B(kat_eid);
	r->eim_package_result.choice = RSP_EIM_RESULT_EPR;
	r->eim_package_result.u.epr.choice = RSP_EPR_ERROR_UNSIGNED;
	r->eim_package_result.u.epr.u.error_unsigned.eim_id = RSP_STR("eim1");
	r->eim_package_result.u.epr.u.error_unsigned.has_eim_transaction_id = true;
	r->eim_package_result.u.epr.u.error_unsigned.eim_transaction_id = RSP_STR("\x09");
	r->eim_package_result.u.epr.u.error_unsigned.has_association_token = true;
	r->eim_package_result.u.epr.u.error_unsigned.association_token = 7;
	assert_kat(&rsp_t_esipa_message_from_ipa, &m,
		   "BF5023" "5A10" EID_HEX
		   "BF510E" "A20C" "800465696D31" "820109" "840107");

	/* error alternative [0] of EimPackageResult */
	memset(&m, 0, sizeof(m));
	m.choice = RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT;
	r->eim_package_result.choice = RSP_EIM_RESULT_ERROR;
	r->eim_package_result.u.error.has_eim_transaction_id = true;
	r->eim_package_result.u.error.eim_transaction_id = RSP_STR("\x09");
	r->eim_package_result.u.error.error_code = 2;   /* unknownPackage */
	assert_kat(&rsp_t_esipa_message_from_ipa, &m, "BF5008" "A006" "800109" "020102");
}

static void test_provide_eim_package_result_response(void **state)
{
	struct rsp_esipa_message_from_eim m = { 0 };
	int64_t acks[2] = { 1, 2 };
	(void)state;

	m.choice = RSP_EIM_TO_IPA_PROVIDE_EIM_PACKAGE_RESULT;
	m.u.provide_eim_package_result.choice = RSP_PROVIDE_RESULT_ACKS;
	m.u.provide_eim_package_result.u.acks.items = acks;
	m.u.provide_eim_package_result.u.acks.count = 2;
	assert_kat(&rsp_t_esipa_message_from_eim, &m, "BF5009" "BF5306" "800101" "800102");
	m.u.provide_eim_package_result.choice = RSP_PROVIDE_RESULT_EMPTY;
	assert_kat(&rsp_t_esipa_message_from_eim, &m, "BF5002" "3000");
	m.u.provide_eim_package_result.choice = RSP_PROVIDE_RESULT_ERROR;
	m.u.provide_eim_package_result.u.error = 2;
	assert_kat(&rsp_t_esipa_message_from_eim, &m, "BF5003" "020102");
}

static void test_ipa_euicc_data_response(void **state)
{
	struct rsp_ipa_euicc_data_response r = { 0 };
	struct rsp_ipa_euicc_data *d = &r.u.data;
	(void)state;

	r.choice = RSP_IPA_EUICC_DATA;
	d->has_default_smdp_address = true;
	d->default_smdp_address = RSP_STR("dp.x");
	d->has_association_token = true;
	d->association_token = 7;
	d->has_ipa_capabilities = true;
	d->ipa_capabilities.ipa_features = 0x3f;
	d->ipa_capabilities.has_ipa_supported_protocols = true;
	d->ipa_capabilities.ipa_supported_protocols = RSP_PROTO_RETRIEVE_HTTPS;
	assert_kat(&rsp_t_ipa_euicc_data_response, &r,
		   "BF5215" "A013"                      /* ipaEuiccData [0] */
		   "810464702E78"                       /* defaultSmdpAddress */
		   "840107"                             /* associationToken */
		   "A808" "800202FC" "81020780");       /* ipaCapabilities */

	memset(&r, 0, sizeof(r));
	r.choice = RSP_IPA_EUICC_DATA_ERROR;
	r.u.error.error_code = RSP_IPA_DATA_ERR_INCORRECT_TAG_LIST;
	assert_kat(&rsp_t_ipa_euicc_data_response, &r, "BF5205" "A103" "020101");
}

static void test_cancel_session_request_esipa_compact(void **state)
{
	struct rsp_esipa_message_from_ipa m = { 0 };
	struct rsp_cancel_session_request_esipa *c = &m.u.cancel_session;
	(void)state;

	m.choice = RSP_IPA_TO_EIM_CANCEL_SESSION;
	c->transaction_id = B(kat_txid);
	c->cancel_session_response.choice = RSP_CANCEL_RESP_COMPACT_OK;
	c->cancel_session_response.u.compact_ok.signed_data.has_reason = true;
	c->cancel_session_response.u.compact_ok.signed_data.reason = RSP_CANCEL_POSTPONED;
	c->cancel_session_response.u.compact_ok.euicc_cancel_session_signature = B(kat_sig);
	assert_kat(&rsp_t_esipa_message_from_ipa, &m,
		   "BF4150" "80020102"
		   "A14A"                               /* [1] replaces 'BF41' */
		   "A248" "3003800101" "5F3740" SIG64_HEX);

	memset(&m, 0, sizeof(m));
	{
		struct rsp_esipa_message_from_eim e = { 0 };

		e.choice = RSP_EIM_TO_IPA_CANCEL_SESSION;
		e.u.cancel_session.choice = RSP_ESIPA_OK;
		assert_kat(&rsp_t_esipa_message_from_eim, &e, "BF4102" "A000");
		e.u.cancel_session.choice = RSP_ESIPA_ERROR;
		e.u.cancel_session.u.error = 1;
		assert_kat(&rsp_t_esipa_message_from_eim, &e, "BF4103" "810101");
	}
}

static void test_handle_notification_esipa_compact(void **state)
{
	struct rsp_esipa_message_from_ipa m = { 0 };
	(void)state;

	m.choice = RSP_IPA_TO_EIM_HANDLE_NOTIFICATION;
	m.u.handle_notification.choice = RSP_HANDLE_NOTIFICATION_PENDING;
	set_compact_other(&m.u.handle_notification.u.pending);
	assert_kat(&rsp_t_esipa_message_from_ipa, &m,
		   "BF3D69" "A067"                      /* pendingNotification [0], explicit */
		   "A165"                               /* compactOtherSignedNotification [1] */
		   "5A10" EID_HEX
		   "BF2F0D" "800103" "81020520" "0C0464702E78"
		   "5F3740" SIG64_HEX);
}

static void test_initiate_authentication_esipa(void **state)
{
	struct rsp_initiate_authentication_request_esipa r = { 0 };
	struct rsp_bytes ski = B(kat_ski);
	(void)state;

	r.euicc_challenge = B(kat_challenge);
	r.has_smdp_address = true;
	r.smdp_address = RSP_STR("dp.io");
	r.has_euicc_info1 = true;
	r.euicc_info1.svn = RSP_STR("\x02\x05\x00");
	r.euicc_info1.euicc_ci_pkid_list_for_verification.items = &ski;
	r.euicc_info1.euicc_ci_pkid_list_for_verification.count = 1;
	r.euicc_info1.euicc_ci_pkid_list_for_signing.items = &ski;
	r.euicc_info1.euicc_ci_pkid_list_for_signing.count = 1;
	assert_kat(&rsp_t_initiate_authentication_request_esipa, &r,
		   "BF3951" "8110" CHALLENGE_HEX "830564702E696F"
		   "BF2035" "8203020500" "A9160414" SKI20_HEX "AA160414" SKI20_HEX);
}

static void test_pdt_result(void **state)
{
	struct rsp_profile_download_trigger_result r = { 0 };
	(void)state;

	r.has_eim_transaction_id = true;
	r.eim_transaction_id = RSP_STR("\x01");
	r.result_data.choice = RSP_PDT_RESULT_ERROR;
	r.result_data.u.error.reason = 127;
	assert_kat(&rsp_t_profile_download_trigger_result, &r, "BF5408" "820101" "300380017F");
}

static void test_transfer_eim_package(void **state)
{
	struct rsp_transfer_eim_package_response r = { 0 };
	(void)state;

	r.choice = RSP_TRANSFER_RESP_RECEIVED;
	assert_kat(&rsp_t_transfer_eim_package_response, &r, "BF4E02" "0500");
	r.choice = RSP_TRANSFER_RESP_ERROR;
	r.u.error = 1;
	assert_kat(&rsp_t_transfer_eim_package_response, &r, "BF4E03" "020101");
}

static void test_malformed_esipa(void **state)
{
	(void)state;
	/* unknown top-level message 'BF60' */
	assert_decode_fails(&rsp_t_esipa_message_from_ipa, "BF6000", IOT_E_ASN1_CHOICE);
	/* GetEimPackageRequest without eidValue */
	assert_decode_fails(&rsp_t_esipa_message_from_ipa, "BF4F02" "8000", IOT_E_ASN1_TAG);
	/* rPLMN of 2 bytes */
	assert_decode_fails(&rsp_t_esipa_message_from_ipa, "BF4F16" "5A10" EID_HEX "82023201",
			    IOT_E_ASN1_SIZE);
	/* length overruns the buffer */
	assert_decode_fails(&rsp_t_esipa_message_from_ipa, "BF4F20" "5A10" EID_HEX, IOT_E_DER_TRUNCATED);
	/* inner length overruns its parent */
	assert_decode_fails(&rsp_t_esipa_message_from_ipa, "BF4F12" "5A11" EID_HEX, IOT_E_DER_OVERRUN);
	/* indefinite length */
	assert_decode_fails(&rsp_t_esipa_message_from_ipa, "BF4F80" "5A10" EID_HEX "0000",
			    IOT_E_DER_INDEFINITE);
	/* explicit [0] holding two values */
	assert_decode_fails(&rsp_t_handle_notification_esipa, "BF3D06" "A004" "30003000",
			    IOT_E_DER_TRAILING);
	/* NULL with content */
	assert_decode_fails(&rsp_t_transfer_eim_package_response, "BF4E03" "050100", IOT_E_ASN1_VALUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_eim_package_request),
		cmocka_unit_test(test_get_eim_package_response),
		cmocka_unit_test(test_provide_eim_package_result),
		cmocka_unit_test(test_provide_eim_package_result_response),
		cmocka_unit_test(test_ipa_euicc_data_response),
		cmocka_unit_test(test_cancel_session_request_esipa_compact),
		cmocka_unit_test(test_handle_notification_esipa_compact),
		cmocka_unit_test(test_initiate_authentication_esipa),
		cmocka_unit_test(test_pdt_result),
		cmocka_unit_test(test_transfer_eim_package),
		cmocka_unit_test(test_malformed_esipa),
	};
	kat_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
