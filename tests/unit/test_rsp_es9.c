/* ES9+ ASN.1 binding (SGP.22 6.6): known answers written by hand from
 * RSPDefinitions, round trips, malformed input. */
#include "testutil.h"

#include "rsp/rsp.h"
#include "kat.h"

static void test_handle_notification(void **state)
{
	struct rsp_remote_profile_provisioning_request r = { 0 };
	struct rsp_other_signed_notification *n;
	(void)state;

	r.choice = RSP_ES9_REQ_HANDLE_NOTIFICATION;
	r.u.handle_notification.pending_notification.choice = RSP_PENDING_OTHER;
	n = &r.u.handle_notification.pending_notification.u.other;
	n->tbs_other_notification.seq_number = 3;
	n->tbs_other_notification.profile_management_operation = RSP_NOTIFY_DISABLE;
	n->tbs_other_notification.notification_address = RSP_STR("dp.x");
	n->euicc_notification_signature = B(kat_sig);
	n->euicc_certificate = B(kat_cert);
	n->eum_certificate = B(kat_cert);
	assert_kat(&rsp_t_remote_profile_provisioning_request, &r,
		   "A264" "BF3D61"
		   "A05F"                               /* pendingNotification [0], explicit */
		   "305D" "BF2F0D" "800103" "81020520" "0C0464702E78"
		   "5F3740" SIG64_HEX "3003020101" "3003020101");
}

static void test_initiate_authentication(void **state)
{
	struct rsp_remote_profile_provisioning_response r = { 0 };
	struct rsp_initiate_authentication_request q = { 0 };
	struct rsp_bytes ski = B(kat_ski);
	(void)state;

	r.choice = RSP_ES9_RESP_INITIATE_AUTHENTICATION;
	r.u.initiate_authentication.choice = RSP_ES9_ERROR;
	r.u.initiate_authentication.u.error = 3;
	assert_kat(&rsp_t_remote_profile_provisioning_response, &r, "A206" "BF3903" "810103");

	q.euicc_challenge = B(kat_challenge);
	q.smdp_address = RSP_STR("dp.io");
	q.euicc_info1.svn = RSP_STR("\x02\x05\x00");
	q.euicc_info1.euicc_ci_pkid_list_for_verification.items = &ski;
	q.euicc_info1.euicc_ci_pkid_list_for_verification.count = 1;
	assert_kat(&rsp_t_initiate_authentication_request, &q,
		   "BF393B" "8110" CHALLENGE_HEX "830564702E696F"
		   "BF201F" "8203020500" "A9160414" SKI20_HEX "AA00");
}

static void test_cancel_session(void **state)
{
	struct rsp_cancel_session_request_es9 c = { 0 };
	struct rsp_cancel_session_response_es9 r = { 0 };
	(void)state;

	c.transaction_id = B(kat_txid);
	c.cancel_session_response.choice = RSP_CANCEL_RESP_ERROR;
	c.cancel_session_response.u.error = 5;
	/* AUTOMATIC TAGS: [0] transactionId, [1] replaces 'BF41' */
	assert_kat(&rsp_t_cancel_session_request_es9, &c, "BF4109" "80020102" "A103" "810105");
	r.choice = RSP_ES9_OK;
	assert_kat(&rsp_t_cancel_session_response_es9, &r, "BF4102" "A000");
}

static void test_get_bound_profile_package_error(void **state)
{
	struct rsp_get_bound_profile_package_response r = { 0 };
	(void)state;

	r.choice = RSP_ES9_ERROR;
	r.u.error = 95;
	assert_kat(&rsp_t_get_bound_profile_package_response, &r, "BF3A03" "81015F");
}

static void test_authenticate_client_es11(void **state)
{
	struct rsp_authenticate_client_response_es11 r = { 0 };
	struct rsp_event_entry e = { RSP_STR("E1"), RSP_STR("dp.x") };
	(void)state;

	r.choice = RSP_ES9_OK;
	r.u.ok.transaction_id = B(kat_txid);
	r.u.ok.event_entries.items = &e;
	r.u.ok.event_entries.count = 1;
	assert_kat(&rsp_t_authenticate_client_response_es11, &r,
		   "BF4014" "A012" "80020102" "A10C" "300A" "80024531" "810464702E78");
}

static void test_malformed_es9(void **state)
{
	(void)state;
	/* SGP.22 HandleNotification has no compact alternatives */
	assert_decode_fails(&rsp_t_handle_notification, "BF3D04" "A002" "A000", IOT_E_ASN1_CHOICE);
	/* smdpAddress missing */
	assert_decode_fails(&rsp_t_initiate_authentication_request, "BF3912" "8110" CHALLENGE_HEX,
			    IOT_E_ASN1_MISSING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handle_notification),
		cmocka_unit_test(test_initiate_authentication),
		cmocka_unit_test(test_cancel_session),
		cmocka_unit_test(test_get_bound_profile_package_error),
		cmocka_unit_test(test_authenticate_client_es11),
		cmocka_unit_test(test_malformed_es9),
	};
	kat_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
