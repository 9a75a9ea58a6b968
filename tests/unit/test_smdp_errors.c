/* The SM-DP+'s refusals, each with its SGP.22 codes, through the test-side
 * LPA (smdp_lpa.c) on both curves and over HTTPS: MatchingID, EID, order
 * state and expiry, sessions, the eUICC's signatures and certificates,
 * InitiateAuthentication, unknown transactions, cancelled sessions, and
 * the ES2+ rules. */
#include "smdp_lpa.h"

#include <stdio.h>
#include <unistd.h>

static void test_matching_id_errors(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-E1", NULL, true);
	assert_int_equal(download("MATCH-WRONG", NULL), 6);     /* matchingIdRefused */
	/* no MatchingID and no order for this EID: the EID is refused (8.1.1/3.8), not a MatchingID */
	assert_int_equal(download(NULL, NULL), 7);
	assert_int_equal(download("", NULL), 7);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, NULL, NONE), 7);
	assert_status(&l, "8.1.1", "3.8");
	lpa_free(&l);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-WRONG", NONE), 6);
	assert_status(&l, "8.2.6", "3.8");
	/* the session ended with the refusal */
	assert_int_equal(lpa_authenticate(&l, "MATCH-E1", NONE), 10);
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_eid_mismatch(void **state)
{
	(void)state;
	add_profile(false);
	order("89049032123451234512345678909999", "MATCH-EID", NULL, true);
	assert_int_equal(download("MATCH-EID", NULL), 7);       /* eidMismatch */
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_unreleased_profile(void **state)
{
	struct smdp_status st;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-UR", NULL, false);
	assert_int_equal(state_of(), SMDP_CONFIRMED);
	assert_int_equal(download("MATCH-UR", NULL), 8);        /* noEligibleProfile: not released */
	assert_int_equal(smdp_release_profile(dp, OWNER, iccid, &st), IOT_OK);
	assert_int_equal(smdp_release_profile(dp, OWNER, iccid, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.1");
	assert_int_equal(download("MATCH-UR", NULL), 0);
}

static void test_expired_order(void **state)
{
	struct lpa l;
	time_t now = time(NULL);

	(void)state;
	if (transport != DIRECT)
		skip();        /* it moves the clock or changes the configuration of the SM-DP+ */
	smdp_close(dp);
	dp = open_dp(300, 0);
	add_profile(false);
	smdp_set_time(dp, now);
	order(NULL, "MATCH-EX", NULL, true);
	/* expiring between AuthenticateClient and GetBoundProfilePackage */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-EX", NONE), 0);
	lpa_prepare(&l, NULL);
	smdp_set_time(dp, now + 301);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 6);     /* downloadOrderExpired */
	assert_status(&l, "8.8.5", "4.10");
	lpa_free(&l);
	/* and at AuthenticateClient */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-EX", NONE), 127);
	assert_status(&l, "8.8.5", "4.10");
	lpa_free(&l);
}

static void test_session_expiry(void **state)
{
	struct lpa l;

	(void)state;
	if (transport != DIRECT)
		skip();        /* it moves the clock or changes the configuration of the SM-DP+ */
	add_profile(false);
	order(NULL, "MATCH-SX", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	smdp_set_time(dp, time(NULL) + 601);
	assert_int_equal(lpa_authenticate(&l, "MATCH-SX", NONE), 10);
	lpa_free(&l);
}

static void test_bad_euicc_signatures(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-SIG", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-SIG", BAD_SIGNATURE1), 5);   /* euiccSignatureInvalid */
	assert_status(&l, "8.1", "6.1");
	lpa_free(&l);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-SIG", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, true), 1);      /* euiccSignatureInvalid */
	assert_status(&l, "8.1", "6.1");
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_certificate_errors(void **state)
{
	static const struct {
		enum tamper t;
		int code;
		const char *subject, *reason;
	} cases[] = {
		{ FOREIGN_EUM, 9, "8.11.1", "3.9" },            /* ciPKUnknown */
		{ INVALID_EUM, 1, "8.1.2", "6.1" },             /* eumCertificateInvalid */
		{ EXPIRED_EUM, 2, "8.1.2", "6.3" },             /* eumCertificateExpired */
		{ INVALID_EUICC, 3, "8.1.3", "6.1" },           /* euiccCertificateInvalid */
		{ EXPIRED_EUICC, 4, "8.1.3", "6.3" },           /* euiccCertificateExpired */
	};
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-CERT", NULL, true);
	/* twice: the eUICC's certificate is checked in full while its EUM is
	 * new to the SM-DP+, from its DER once the EUM passed (the first
	 * INVALID_EUICC keeps it); both answer alike */
	for (size_t i = 0; i < 2 * sizeof(cases) / sizeof(cases[0]); i++) {
		size_t k = i % (sizeof(cases) / sizeof(cases[0]));

		lpa_init(&l);
		assert_int_equal(lpa_initiate(&l, AS_IS), 0);
		assert_int_equal(lpa_authenticate(&l, "MATCH-CERT", cases[k].t), cases[k].code);
		assert_status(&l, cases[k].subject, cases[k].reason);
		lpa_free(&l);
	}
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_initiate_errors(void **state)
{
	struct rsp_remote_profile_provisioning_request q = { .choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION };
	static const uint8_t challenge[16] = { 1 };
	struct lpa l;
	uint8_t *req;
	size_t n;

	(void)state;
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, OTHER_CI_PKIDS), 3);  /* ciPKNotSupported */
	assert_status(&l, "8.8.2", "3.1");
	assert_int_equal(lpa_initiate(&l, OTHER_CI_FOR_SIGNING), 3);
	assert_status(&l, "8.8.4", "3.7");
	q.u.initiate_authentication.euicc_challenge = RSP_BYTES(challenge, 16);
	q.u.initiate_authentication.smdp_address = RSP_STR("other.example");
	q.u.initiate_authentication.euicc_info1.svn = RSP_STR("\x02\x05\x00");
	assert_int_equal(rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es9(&l, req, n, NULL, NULL, NULL), 1); /* invalidDpAddress */
	assert_status(&l, "8.8.1", "3.8");
	free(req);
	q.u.initiate_authentication.smdp_address = RSP_STR("SMDP.iotrsp.TEST");
	q.u.initiate_authentication.euicc_info1.svn = RSP_STR("\x01\x00\x00");
	assert_int_equal(rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es9(&l, req, n, NULL, NULL, NULL), 2); /* euiccVersionNotSupportedByDp */
	free(req);
	/* a request that does not decode is an error of the call, nothing else */
	{
		struct der_writer w;

		der_writer_dynamic(&w);
		assert_int_not_equal(smdp_es9(dp, (const uint8_t *)"\xA2\x03\xBF\x39\x00", 5, &w, &l.st), IOT_OK);
		assert_int_equal(w.len, 0);
		der_writer_free(&w);
	}
	lpa_free(&l);
}

static void test_unknown_transaction(void **state)
{
	static const uint8_t random_txid[16] = { 0x5E, 0x55 };
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-TX", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-TX", UNKNOWN_TXID), 10);  /* invalidTransactionId */
	assert_status(&l, "8.10.1", "3.9");
	lpa_free(&l);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-TX", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, random_txid, false), 95);     /* invalidTransactionId */
	assert_status(&l, "8.10.1", "3.9");
	memcpy(l.txid, random_txid, 16);
	assert_int_equal(lpa_cancel(&l, 1), 1);                         /* invalidTransactionId */
	lpa_free(&l);
}

static void test_cancelled_session(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-CS", NULL, true);
	/* postponed: the order stands */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-CS", NONE), 0);
	assert_int_equal(lpa_cancel(&l, 1), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 95);    /* the session is gone */
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_RELEASED);
	/* the end user rejected it: the order ends in error */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-CS", NONE), 0);
	assert_int_equal(lpa_cancel(&l, 0), 0);
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_ERROR);
}

/* ---- ES2+ ---- */

static void test_es2_rules(void **state)
{
	static const uint8_t unknown[10] = { 0x98, 0x94, 0x99 };
	struct smdp_profile_info info = { .owner = OWNER, .service_provider_name = "Operator A",
					  .profile_name = "IoT", .profile_class = 2 };
	struct smdp_status st;
	enum smdp_state other_state;
	uint8_t got[10], other[10];
	char mid[65];

	(void)state;
	add_profile(false);
	/* the same ICCID twice */
	assert_int_equal(smdp_add_profile(dp, iccid, &info, (const uint8_t *)"\x30\x00", 2), IOT_E_REFUSED);
	/* another owner does not see the profile */
	assert_int_equal(smdp_download_order(dp, "operator-b", iccid, NULL, got, &st), IOT_E_NOT_FOUND);
	assert_string_equal(st.subject, "8.2.1");
	assert_string_equal(st.reason, "3.9");
	assert_int_equal(smdp_download_order(dp, "operator-b", NULL, NULL, got, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.5");
	assert_int_equal(smdp_download_order(dp, OWNER, unknown, NULL, got, &st), IOT_E_NOT_FOUND);
	assert_int_equal(smdp_download_order(dp, OWNER, iccid, "8904", got, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.1.1");
	/* confirm before the order: invalid transition */
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "M-1", NULL, true, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.reason, "3.5");
	assert_int_equal(smdp_download_order(dp, OWNER, iccid, NULL, got, &st), IOT_OK);
	assert_int_equal(state_of(), SMDP_ALLOCATED);
	assert_int_equal(smdp_download_order(dp, OWNER, iccid, NULL, got, &st), IOT_E_REFUSED);
	assert_string_equal(st.reason, "3.3");
	/* an empty MatchingID needs an EID; MatchingIDs are unique and well-formed */
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "", NULL, true, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.1.1");
	assert_string_equal(st.reason, "2.2");
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "bad id!", NULL, true, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.6");
	memcpy(other, iccid, 10);
	other[9] = 0x20;
	assert_int_equal(smdp_add_profile(dp, other, &info, (const uint8_t *)"\x30\x00", 2), IOT_OK);
	assert_int_equal(smdp_download_order(dp, OWNER, other, NULL, got, &st), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, OWNER, other, NULL, "M-DUP", NULL, false, mid, &st), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "M-DUP", NULL, false, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.reason, "3.3");
	assert_int_equal(state_of(), SMDP_ALLOCATED);           /* refused: nothing changed */
	/* cancel: only the order named (its MatchingID, its EID), nothing on a mismatch */
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, NULL, "M-OTHER", true, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.6");
	assert_string_equal(st.reason, "3.8");
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, "89049032123451234512345678901299", "M-DUP", true, &st),
			 IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.1.1");
	assert_string_equal(st.reason, "3.8");
	assert_int_equal(smdp_profile_state(dp, other, &other_state), IOT_OK);
	assert_int_not_equal(other_state, SMDP_AVAILABLE);        /* the order stands */
	/* cancel: back to available, or gone for good */
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, NULL, "M-DUP", true, &st), IOT_OK);
	assert_int_equal(smdp_profile_state(dp, other, &other_state), IOT_OK);
	assert_int_equal(other_state, SMDP_AVAILABLE);
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, NULL, NULL, true, &st), IOT_E_REFUSED);
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "M-DUP", NULL, false, mid, &st), IOT_OK);
	assert_int_equal(smdp_cancel_order(dp, OWNER, iccid, NULL, NULL, false, &st), IOT_OK);
	assert_int_equal(state_of(), SMDP_UNAVAILABLE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
static const struct CMUnitTest tests[] = {
	T(test_matching_id_errors), T(test_eid_mismatch), T(test_unreleased_profile), T(test_expired_order),
	T(test_session_expiry), T(test_bad_euicc_signatures), T(test_certificate_errors), T(test_initiate_errors),
	T(test_unknown_transaction), T(test_cancelled_session), T(test_es2_rules),
};

int main(void)
{
	return smdp_lpa_run("smdp errors", tests, sizeof(tests) / sizeof(tests[0]));
}
