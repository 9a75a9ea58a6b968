/* The eIM core against libipa and the software eUICC in-process (ESipa
 * messages straight into eim_esipa), the SM-DP+ behind it over HTTPS, both
 * curves: first contact (certificates and association token learned and
 * chain-checked), an indirect download relayed to the SM-DP+ (its PIR
 * forwarded), signed PSMOs with a counter per eUICC, a lost answer re-sent
 * unchanged, forged and replayed results changing nothing, data requests,
 * unknown EIDs, cancel, an eCO, a refused delete, an SM-DP+ that is down, a
 * download ended by its PIR or a cancel (more in test_eim_more.c). The relay
 * speaks ES9+ in the ASN.1 binding on P-256 and in the JSON binding on brainpool. */
#include "eim_world.h"

static void test_zero_touch(void **state)
{
	int64_t dl, en, code;
	enum smdp_state st;
	struct eim_euicc u;
	unsigned sent;

	(void)state;
	first_contact();
	dl = ordered_download(op_iccid, "EIM-1");
	en = psmo(RSP_PSMO_ENABLE, op_iccid);
	assert_int_equal(op_state(dl, NULL), EIM_PENDING);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(dl, &code), EIM_DONE);
	assert_int_equal(op_state(en, &code), EIM_DONE);
	assert_int_equal(code, 0);
	/* the installation result is stored with the result, then forwarded to
	 * the SM-DP+ off the request path */
	assert_int_equal(smdp_profile_state(dp, op_iccid, &st), IOT_OK);
	assert_int_not_equal(st, SMDP_INSTALLED);
	assert_int_equal(eim_forward_notifications(eim, 64, &sent), IOT_OK);
	assert_true(sent >= 1);
	assert_int_equal(smdp_profile_state(dp, op_iccid, &st), IOT_OK);
	assert_int_equal(st, SMDP_INSTALLED);
	assert_int_equal(eim_forward_notifications(eim, 64, &sent), IOT_OK);
	assert_int_equal(sent, 0);              /* each once */
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_int_equal(u.counter, 1);
	assert_int_equal(u.pending, 0);
}

static void test_lost_answer_resent(void **state)
{
	static const uint8_t boot[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01 };
	int64_t id;
	struct eim_euicc u;

	(void)state;
	first_contact();
	id = psmo(RSP_PSMO_DISABLE, boot);
	drop_answer = true;             /* getEimPackage's answer never arrives */
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(op_state(id, NULL), EIM_SENT);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(id, NULL), EIM_DONE);
	/* the same bytes again: same counter, same signature */
	assert_int_equal(package_count, 2);
	assert_int_equal(package_len[0], package_len[1]);
	assert_memory_equal(packages[0], packages[1], package_len[0]);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_int_equal(u.counter, 1);         /* one counter for one operation */
}

static void test_data_request_and_errors(void **state)
{
	int64_t id, cancelled, code;
	struct eim_op op;

	(void)state;
	/* unknown EID: the IPA is told so */
	assert_int_equal(ipa_poll(ipa), IOT_E_REFUSED);
	first_contact();
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_DATA, (const uint8_t *)"\xBF\x20\xA9", 3, &id), IOT_OK);
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_DATA, (const uint8_t *)"\xBF\x20", 2, &cancelled),
			 IOT_OK);
	assert_int_equal(eim_op_cancel(eim, cancelled), IOT_OK);
	assert_int_equal(eim_op_create(eim, "8904903212345123451234567890123X", EIM_OP_DATA, (const uint8_t *)"\x84", 1,
				       &code), IOT_E_NOT_FOUND);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_op_get(eim, id, &op), IOT_OK);
	assert_int_equal(op.state, EIM_DONE);
	assert_non_null(op.result);
	assert_int_equal(op.result[0], 0xBF);
	eim_op_free(&op);
	assert_int_equal(op_state(cancelled, NULL), EIM_CANCELLED);
	assert_int_equal(eim_op_cancel(eim, id), IOT_E_REFUSED);
	/* a PSMO the eUICC refuses (no such profile): failed with its code */
	id = psmo(RSP_PSMO_ENABLE, (const uint8_t *)"\x98\x10\x32\x54\x76\x98\x10\x32\x54\xF6");
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(id, &code), EIM_FAILED);
	assert_int_not_equal(code, 0);
}

/* A result whose signature does not verify, or that answers an operation
 * already finished, changes nothing. */
static void test_forged_and_replayed_results(void **state)
{
	struct rsp_esipa_message_from_ipa q;
	struct rsp_arena a;
	struct der_writer w;
	uint8_t *req;
	size_t len;
	int64_t id, id2;
	struct eim_euicc u;

	(void)state;
	first_contact();
	id = psmo(RSP_PSMO_LIST_PROFILE_INFO, NULL);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(id, NULL), EIM_DONE);
	/* a forged result for a new operation: a flipped bit in the signature */
	id2 = psmo(RSP_PSMO_LIST_PROFILE_INFO, NULL);
	{
		/* send getEimPackage ourselves, take the package to the eUICC, forge the result */
		struct rsp_esipa_message_from_ipa g = { .choice = RSP_IPA_TO_EIM_GET_EIM_PACKAGE };
		struct rsp_esipa_message_from_eim m;
		struct rsp_eim_package_result res = { .choice = RSP_EIM_RESULT_EPR };
		uint8_t eid[16];
		const uint8_t *resp;
		size_t n, rl;
		struct der_reader rd, in;
		struct der_tlv t;

		assert_int_equal(hex_decode(BOOT_EID_TEXT, eid, 16, &n), IOT_OK);
		g.u.get_eim_package.eid_value = RSP_BYTES(eid, 16);
		assert_int_equal(rsp_encode_alloc(&rsp_t_esipa_message_from_ipa, &g, &req, &len), IOT_OK);
		der_writer_dynamic(&w);
		assert_int_equal(eim_esipa(eim, req, len, &w), IOT_OK);
		free(req);
		rsp_arena_dynamic(&a);
		assert_int_equal(rsp_decode(&rsp_t_esipa_message_from_eim, w.buf, w.len, &m, &a), IOT_OK);
		assert_int_equal(m.u.get_eim_package.choice, RSP_GET_EIM_PKG_EUICC_PACKAGE);
		der_reader_init(&rd, w.buf, w.len);
		assert_int_equal(der_read(&rd, &t), IOT_OK);
		assert_int_equal(der_enter(&rd, &t, &in), IOT_OK);
		assert_int_equal(der_read(&in, &t), IOT_OK);
		assert_int_equal(ipa_es10(ipa, t.raw, t.raw_len, &resp, &rl), IOT_OK);
		{
			uint8_t *copy = malloc(rl);

			memcpy(copy, resp, rl);
			assert_int_equal(rsp_decode(&rsp_t_euicc_package_result, copy, rl, &res.u.epr, &a), IOT_OK);
			assert_int_equal(res.u.epr.choice, RSP_EPR_RESULT_SIGNED);
			{
				uint8_t sig[64];

				memcpy(sig, res.u.epr.u.result_signed.euicc_sign_epr.ptr, 64);
				sig[10] ^= 1;
				res.u.epr.u.result_signed.euicc_sign_epr = RSP_BYTES(sig, 64);
				q = (struct rsp_esipa_message_from_ipa){ .choice = RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT };
				q.u.provide_eim_package_result.has_eid_value = true;
				q.u.provide_eim_package_result.eid_value = RSP_BYTES(eid, 16);
				q.u.provide_eim_package_result.eim_package_result = res;
				assert_int_equal(rsp_encode_alloc(&rsp_t_esipa_message_from_ipa, &q, &req, &len), IOT_OK);
				w.len = 0;
				assert_int_equal(eim_esipa(eim, req, len, &w), IOT_OK);
				free(req);
				assert_int_equal(op_state(id2, NULL), EIM_SENT);        /* nothing changed */
			}
			free(copy);
		}
		rsp_arena_free(&a);
		der_writer_free(&w);
	}
	/* the real result is still on the eUICC: the next poll delivers it */
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(id2, NULL), EIM_DONE);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_int_equal(u.counter, 2);
}

/* An eCO (listEim) travels like a PSMO; a delete PSMO; an SM-DP+ that is
 * down ends the download with an error and changes nothing at the eUICC. */
static void test_eco_delete_and_smdp_down(void **state)
{
	struct rsp_euicc_package pkg = { .choice = RSP_PACKAGE_ECO_LIST };
	struct rsp_eco eco = { .choice = RSP_ECO_LIST_EIM };
	static const uint8_t boot[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01 };
	uint8_t *der;
	size_t len;
	int64_t id, code, dl;
	struct eim_op op;

	(void)state;
	first_contact();
	pkg.u.eco_list.items = &eco;
	pkg.u.eco_list.count = 1;
	assert_int_equal(rsp_encode_alloc(&rsp_t_euicc_package, &pkg, &der, &len), IOT_OK);
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_ECO, der, len, &id), IOT_OK);
	free(der);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_op_get(eim, id, &op), IOT_OK);
	assert_int_equal(op.state, EIM_DONE);
	assert_int_equal(op.counter, 1);
	eim_op_free(&op);
	/* the SM-DP+ goes away for good: the trigger fails, reported, is sent again
	 * (EIM_DOWNLOAD_RETRIES times) and then fails; the order stands */
	dl = ordered_download(op_iccid, "DOWN-1");
	smdp_server_stop(smdp_https);
	smdp_https = NULL;
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(dl, &code), EIM_FAILED);
	assert_int_equal(code, 127);
	/* deleting the enabled bootstrap profile: the eUICC refuses it (disable first) */
	id = psmo(RSP_PSMO_DELETE, boot);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(id, &code), EIM_FAILED);
	assert_int_not_equal(code, 0);
}

/* A download cut short (the SM-DP+ gone for a moment) is not refused: the
 * eIM sends the trigger again and it goes through; each retry audited. */
static void test_download_retried(void **state)
{
	int64_t dl, code;

	(void)state;
	first_contact();
	dl = ordered_download(op_iccid, "CUT-1");
	restart_smdp_port = smdp_server_port(smdp_https);
	smdp_server_stop(smdp_https);
	smdp_https = NULL;
	assert_int_equal(ipa_poll(ipa), IOT_OK);        /* fails, reported; back; polled again, done */
	assert_int_equal(restart_smdp_port, 0);
	assert_int_equal(op_state(dl, &code), EIM_DONE);
	assert_int_equal(code, 0);
}

/* #15 item 7: an IPA that reports the installation only by handleNotification
 * (its PIR, no trigger result) ends the download all the same; the trigger
 * result that comes later changes nothing; the PIR is kept for its SM-DP+ once. */
static void test_download_ended_by_pir_notification(void **state)
{
	int64_t dl, code;
	struct eim_op op;
	char subject[32];
	int tries = 0;

	(void)state;
	first_contact();
	dl = ordered_download(op_iccid, "PIR-1");
	pir_by_notification = 1;
	while (pir_by_notification && tries++ < 4)
		(void)ipa_poll(ipa);
	assert_int_equal(pir_by_notification, 0);
	assert_int_equal(op_state(dl, &code), EIM_DONE);
	assert_int_equal(code, 0);
	assert_int_equal(eim_op_get(eim, dl, &op), IOT_OK);
	assert_non_null(op.result);
	assert_int_equal(op.result[0], 0xBF);   /* the PIR as the operation's result */
	assert_int_equal(op.result[1], 0x37);
	eim_op_free(&op);
	/* the device delivers its trigger result after all: nothing moves */
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(dl, &code), EIM_DONE);
	snprintf(subject, sizeof(subject), "operation:%lld", (long long)dl);
	assert_int_equal(store_count("SELECT COUNT(*) FROM audit WHERE action = $1 AND subject = $2", "result", subject), 1);
	assert_int_equal(store_count("SELECT COUNT(*) FROM notification", NULL, NULL), 1);
}

/* #15 item 7: a device that ends a download with CancelSession alone (no
 * trigger result reaches the eIM): the operation ends with the cancel's
 * reason when it would go out again, and the device's next work goes; the
 * trigger result that arrives at last changes nothing. */
static void test_download_ended_by_cancel(void **state)
{
	uint8_t got[10];
	char made[65], ac[64], subject[32];
	int64_t id, code;

	(void)state;
	first_contact();
	/* an order that wants a confirmation code the device cannot give: it cancels (postponed, 1) */
	assert_int_equal(smdp_download_order(dp, "op", op_iccid, NULL, got, NULL), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, "op", op_iccid, NULL, "CC-1", "1234", true, made, NULL), IOT_OK);
	snprintf(ac, sizeof(ac), "1$" ADDRESS "$CC-1");
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_DOWNLOAD, (const uint8_t *)ac, strlen(ac), &id), IOT_OK);
	swallow_pdt_results = 100;
	(void)ipa_poll(ipa);
	assert_int_equal(op_state(id, NULL), EIM_SENT);
	(void)ipa_poll(ipa);                    /* the eIM would send it again: it ends it instead */
	assert_int_equal(op_state(id, &code), EIM_FAILED);
	assert_int_equal(code, 1);
	swallow_pdt_results = 0;
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(id, &code), EIM_FAILED);
	assert_int_equal(code, 1);
	snprintf(subject, sizeof(subject), "operation:%lld", (long long)id);
	assert_int_equal(store_count("SELECT COUNT(*) FROM audit WHERE action = $1 AND subject = $2", "result", subject), 1);
}

/* Notifications whose SM-DP+ is down stay stored and go when it is back,
 * once; one the device delivers twice is stored once. */

/* A certificate's bytes with one byte changed at off (from the end when negative), malloc'd. */
static uint8_t *changed(const uint8_t *der, size_t len, long off, uint8_t value)
{
	uint8_t *copy = malloc(len);

	assert_non_null(copy);
	memcpy(copy, der, len);
	copy[off < 0 ? (long)len + off : off] = value;
	return copy;
}

/* First contacts' chains: in full until the EUM has passed with a CI, then
 * the eUICC's certificate alone, from its DER, with the same decisions; an
 * issuer Name OpenSSL cannot decode shows which path ran (the full one
 * refuses to parse it, the DER one finds the signature over it wrong). */
static void test_certificates_checked_again(void **state)
{
	struct crypto_cert *eum, *cert;
	const uint8_t *eum_der, *der;
	uint8_t *bad_sig, *bad_name;
	size_t eum_len, len;
	iot_err sig_full;

	(void)state;
	assert_int_equal(x509_load(pki.eum, &eum), IOT_OK);
	assert_int_equal(x509_load(pki.euicc_cert, &cert), IOT_OK);
	eum_der = x509_der(eum, &eum_len);
	der = x509_der(cert, &len);
	bad_sig = changed(der, len, -1, der[len - 1] ^ 0x01);
	bad_name = changed(der, len, 0, 0);
	/* where the issuer's first RDN starts: the certificate's own bytes say */
	for (size_t i = 16; i + 2 < len; i++)
		if (der[i] == 0x31 && der[i - 2] == 0x30 && der[i + 2] == 0x30) {
			memcpy(bad_name, der, len);
			bad_name[i] = 0x04;
			break;
		}
	assert_int_equal(eim_euicc_check_certificates(eim, FIXTURE_EID, eum_der, eum_len, bad_name, len),
			 IOT_E_CERT_PARSE);
	sig_full = eim_euicc_check_certificates(eim, FIXTURE_EID, eum_der, eum_len, bad_sig, len);
	assert_int_equal(sig_full, IOT_E_CERT_SIGNATURE);
	/* the EUM passed with the CI: kept, and the rest read from the eUICC's DER */
	assert_int_equal(eim_euicc_check_certificates(eim, FIXTURE_EID, eum_der, eum_len, bad_name, len),
			 IOT_E_CERT_SIGNATURE);
	assert_int_equal(eim_euicc_check_certificates(eim, FIXTURE_EID, eum_der, eum_len, bad_sig, len), sig_full);
	assert_int_equal(eim_euicc_check_certificates(eim, "89049032123451234512345678909999", eum_der, eum_len, der,
						      len), IOT_E_CERT_EID);
	assert_int_equal(eim_euicc_check_certificates(eim, FIXTURE_EID, eum_der, eum_len, der, len), IOT_OK);
	free(bad_sig);
	free(bad_name);
	x509_free(eum);
	x509_free(cert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zero_touch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_answer_resent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_request_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_and_replayed_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eco_delete_and_smdp_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_ended_by_pir_notification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_ended_by_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_certificates_checked_again, setup, teardown),
	};

	return eim_world_run("eim core", tests, sizeof(tests) / sizeof(tests[0]));
}
