/* euiccd and the eIM, through APDUs: AddInitialEim, GetEimConfigurationData,
 * LoadEuiccPackage (signature, EID, counter, every PSMO result, eCOs with
 * association tokens), package results as notifications, persistence. */
#include "testutil.h"
#include "fixture.h"

#include "rsp/rsp.h"

static struct fixture_pki pki;
static struct crypto_key *eim_key;
static uint8_t resp[65536];
static size_t resp_len;
static uint8_t eid[16];

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	assert_int_equal(crypto_key_load_pem(pki.eim_key, &eim_key), IOT_OK);
	hex(FIXTURE_EID, eid, 16);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	crypto_key_free(eim_key);
	fixture_pki_remove(&pki);
	return 0;
}

static void send_es10(struct euicc *e, const void *value, const struct rsp_type *qt)
{
	uint8_t *req;
	size_t n;

	assert_int_equal(rsp_encode_alloc(qt, value, &req, &n), IOT_OK);
	if (es10_apdus(e, req, n, 255, resp, sizeof(resp), &resp_len, NULL) != 0x9000)
		fail_msg("%s refused by the eUICC", qt->name);
	free(req);
}

static struct euicc *new_euicc_with_profiles(void)
{
	struct euicc *e = fixture_euicc(&pki);
	static const uint8_t md_boot[] = { 0xBF, 0x25, 0x17, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01,
					   0x91, 0x02, 'O', 'p', 0x92, 0x02, 'B', 'P', 0x95, 0x01, 0x01 };
	static const uint8_t md_op[] = { 0xBF, 0x25, 0x14, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x02,
					 0x91, 0x02, 'O', 'p', 0x92, 0x02, 'O', '1' };

	assert_int_equal(euicc_preload_profile(e, md_boot, sizeof(md_boot), (const uint8_t *)"b", 1, true), IOT_OK);
	assert_int_equal(euicc_preload_profile(e, md_op, sizeof(md_op), (const uint8_t *)"o", 1, false), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	return e;
}

static void eim_config(struct rsp_eim_configuration_data *c, const char *id, uint8_t **spki, bool token)
{
	size_t len;

	memset(c, 0, sizeof(*c));
	c->eim_id = RSP_BYTES(id, strlen(id));
	c->has_eim_fqdn = true;
	c->eim_fqdn = RSP_STR("eim.iotrsp.test");
	c->has_counter_value = true;
	c->counter_value = 0;
	c->has_association_token = token;
	c->has_eim_public_key_data = true;
	c->eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
	assert_int_equal(crypto_key_spki(eim_key, spki, &len), IOT_OK);
	c->eim_public_key_data.u.public_key = RSP_BYTES(*spki, len);
	c->has_eim_supported_protocol = true;
	c->eim_supported_protocol = RSP_PROTO_RETRIEVE_HTTPS | RSP_PROTO_RETRIEVE_COAPS;
}

/* Adds eim1 with an association token; returns the token. */
static int64_t add_initial_eim(struct euicc *e)
{
	struct rsp_add_initial_eim_request q = { 0 };
	struct rsp_add_initial_eim_response r;
	struct rsp_eim_configuration_data c;
	struct rsp_arena a;
	uint8_t *spki;
	int64_t token;

	eim_config(&c, "eim1", &spki, true);
	q.eim_configuration_data_list.items = &c;
	q.eim_configuration_data_list.count = 1;
	send_es10(e, &q, &rsp_t_add_initial_eim_request);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_add_initial_eim_response, resp, resp_len, &r, &a), IOT_OK);
	assert_int_equal(r.choice, RSP_ADD_INITIAL_EIM_OK);
	assert_int_equal(r.u.ok.count, 1);
	assert_int_equal(r.u.ok.items[0].choice, RSP_ADD_INITIAL_EIM_ASSOCIATION_TOKEN);
	token = r.u.ok.items[0].u.association_token;
	/* a second initial eIM is refused */
	send_es10(e, &q, &rsp_t_add_initial_eim_request);
	assert_int_equal(rsp_decode(&rsp_t_add_initial_eim_response, resp, resp_len, &r, &a), IOT_OK);
	assert_int_equal(r.choice, RSP_ADD_INITIAL_EIM_ERROR);
	assert_int_equal(r.u.error, 2);
	rsp_arena_free(&a);
	free(spki);
	return token;
}

/* Signs and sends a package; the EuiccPackageResult is decoded into r. */
static void load_package(struct euicc *e, struct rsp_euicc_package_request *q, int64_t token, bool corrupt,
			 struct rsp_euicc_package_result *r, struct rsp_arena *a)
{
	uint8_t *signed_der, tok[12], sig[64];
	size_t n;
	struct der_writer tw;
	struct crypto_buf parts[2];

	assert_int_equal(rsp_encode_alloc(&rsp_t_euicc_package_signed, &q->signed_data, &signed_der, &n), IOT_OK);
	der_writer_fixed(&tw, tok, sizeof(tok));
	der_put_int64(&tw, 0x84, token);
	parts[0] = (struct crypto_buf){ signed_der, n };
	parts[1] = (struct crypto_buf){ tok, tw.len };
	assert_int_equal(ecdsa_sign(eim_key, parts, 2, sig), IOT_OK);
	if (corrupt)
		sig[5] ^= 1;
	q->eim_signature = RSP_BYTES(sig, 64);
	send_es10(e, q, &rsp_t_euicc_package_request);
	free(signed_der);
	assert_int_equal(rsp_decode(&rsp_t_euicc_package_result, resp, resp_len, r, a), IOT_OK);
}

/* The eUICC's signature over the result data followed by the token TLV. */
static void check_result_signature(const struct rsp_bytes *data_der, const struct rsp_bytes *sig, int64_t token)
{
	struct crypto_cert *cert;
	uint8_t tok[12];
	struct der_writer tw;
	struct crypto_buf parts[2];

	assert_int_equal(x509_load(pki.euicc_cert, &cert), IOT_OK);
	der_writer_fixed(&tw, tok, sizeof(tok));
	der_put_int64(&tw, 0x84, token);
	parts[0] = (struct crypto_buf){ data_der->ptr, data_der->len };
	parts[1] = (struct crypto_buf){ tok, tw.len };
	assert_int_equal(ecdsa_verify(x509_key(cert), parts, 2, sig->ptr, sig->len), IOT_OK);
	x509_free(cert);
}

static void package(struct rsp_euicc_package_request *q, struct rsp_psmo *psmos, size_t n, int64_t counter)
{
	memset(q, 0, sizeof(*q));
	q->signed_data.eim_id = RSP_STR("eim1");
	q->signed_data.eid_value = RSP_BYTES(eid, 16);
	q->signed_data.counter_value = counter;
	q->signed_data.has_eim_transaction_id = true;
	q->signed_data.eim_transaction_id = RSP_STR("\x42");
	q->signed_data.euicc_package.choice = RSP_PACKAGE_PSMO_LIST;
	q->signed_data.euicc_package.u.psmo_list.items = psmos;
	q->signed_data.euicc_package.u.psmo_list.count = n;
}

static void test_psmo_package(void **state)
{
	struct euicc *e = new_euicc_with_profiles();
	struct rsp_euicc_package_request q;
	struct rsp_euicc_package_result r;
	struct rsp_psmo psmo[4];
	struct rsp_arena a;
	int64_t token = add_initial_eim(e);
	static const uint8_t op_iccid[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x02 };
	static const uint8_t no_iccid[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x09 };
	(void)state;

	rsp_arena_dynamic(&a);
	memset(psmo, 0, sizeof(psmo));
	psmo[0].choice = RSP_PSMO_ENABLE;
	psmo[0].u.enable.iccid = RSP_BYTES(op_iccid, 10);
	psmo[1].choice = RSP_PSMO_DELETE;
	psmo[1].u.delete_.iccid = RSP_BYTES(no_iccid, 10);
	psmo[2].choice = RSP_PSMO_LIST_PROFILE_INFO;
	psmo[3].choice = RSP_PSMO_SET_FALLBACK_ATTRIBUTE;
	psmo[3].u.set_fallback_attribute.iccid = RSP_BYTES(op_iccid, 10);
	package(&q, psmo, 4, 1);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
	check_result_signature(&r.u.result_signed.data.der, &r.u.result_signed.euicc_sign_epr, token);
	assert_int_equal(r.u.result_signed.data.counter_value, 1);
	assert_int_equal(r.u.result_signed.data.euicc_result.count, 4);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.code, 0);     /* enabled */
	assert_int_equal(r.u.result_signed.data.euicc_result.items[1].u.code, 1);     /* iccidOrAidNotFound */
	assert_int_equal(r.u.result_signed.data.euicc_result.items[2].u.list_profile_info.u.ok.count, 2);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[2].u.list_profile_info.u.ok.items[1].profile_state,
			 RSP_PROFILE_ENABLED);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[3].u.code, 0);

	/* replay: the same counter is refused, signed; nothing runs */
	package(&q, psmo, 1, 1);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_ERROR_SIGNED);
	assert_int_equal(r.u.error_signed.data.euicc_package_error_code, RSP_EPE_REPLAY_ERROR);
	check_result_signature(&r.u.error_signed.data.der, &r.u.error_signed.euicc_sign_epe, token);
	/* another eUICC's EID */
	package(&q, psmo, 1, 2);
	q.signed_data.eid_value = RSP_STR("\x89\x04\x90\x32\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01");
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_ERROR_SIGNED);
	assert_int_equal(r.u.error_signed.data.euicc_package_error_code, RSP_EPE_INVALID_EID);
	/* a bad signature, and an unknown eIM: unsigned errors */
	package(&q, psmo, 1, 2);
	load_package(e, &q, token, true, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_ERROR_UNSIGNED);
	assert_int_equal(r.u.error_unsigned.association_token, token);
	package(&q, psmo, 1, 2);
	q.signed_data.eim_id = RSP_STR("nobody");
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_ERROR_UNSIGNED);
	assert_false(r.u.error_unsigned.has_association_token);
	/* a package signed without the token does not verify */
	package(&q, psmo, 1, 2);
	load_package(e, &q, token + 1, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_ERROR_UNSIGNED);

	/* the counter survives a restart: counter 1 is still a replay there */
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	package(&q, psmo, 1, 1);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.u.error_signed.data.euicc_package_error_code, RSP_EPE_REPLAY_ERROR);
	package(&q, psmo, 1, 7);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.code, 2);     /* already enabled */
	rsp_arena_free(&a);
	euicc_free(e);
}

/* A listProfileInfo result stands as it was when taken, whatever later
 * PSMOs of the same package change */
static void test_list_then_delete(void **state)
{
	struct euicc *e = new_euicc_with_profiles();
	struct rsp_euicc_package_request q;
	struct rsp_euicc_package_result r;
	struct rsp_psmo psmo[2];
	struct rsp_arena a;
	int64_t token = add_initial_eim(e);
	static const uint8_t op_iccid[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x02 };
	(void)state;

	rsp_arena_dynamic(&a);
	memset(psmo, 0, sizeof(psmo));
	psmo[0].choice = RSP_PSMO_LIST_PROFILE_INFO;
	psmo[1].choice = RSP_PSMO_DELETE;
	psmo[1].u.delete_.iccid = RSP_BYTES(op_iccid, 10);
	package(&q, psmo, 2, 1);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[1].u.code, 0);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.list_profile_info.u.ok.count, 2);
	assert_memory_equal(r.u.result_signed.data.euicc_result.items[0].u.list_profile_info.u.ok.items[1].iccid.ptr,
			    op_iccid, 10);
	rsp_arena_free(&a);
	euicc_free(e);
}

static void test_ecos_and_results_list(void **state)
{
	struct euicc *e = new_euicc_with_profiles();
	struct rsp_euicc_package_request q;
	struct rsp_euicc_package_result r;
	struct rsp_eco eco[4];
	struct rsp_arena a;
	uint8_t *spki, *spki2;
	int64_t token = add_initial_eim(e);
	(void)state;

	rsp_arena_dynamic(&a);
	memset(eco, 0, sizeof(eco));
	eco[0].choice = RSP_ECO_ADD_EIM;
	eim_config(&eco[0].u.add_eim, "eim2", &spki, true);
	eco[1].choice = RSP_ECO_LIST_EIM;
	eco[2].choice = RSP_ECO_UPDATE_EIM;
	eim_config(&eco[2].u.update_eim, "eim2", &spki2, false);
	eco[2].u.update_eim.counter_value = -1;
	eco[3].choice = RSP_ECO_DELETE_EIM;
	eco[3].u.delete_eim.eim_id = RSP_STR("eim2");
	package(&q, NULL, 0, 1);
	q.signed_data.euicc_package.choice = RSP_PACKAGE_ECO_LIST;
	q.signed_data.euicc_package.u.eco_list.items = eco;
	q.signed_data.euicc_package.u.eco_list.count = 4;
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.add_eim.choice, RSP_ADD_EIM_ASSOCIATION_TOKEN);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[1].u.list_eim.u.eim_id_list.count, 2);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[2].u.code, 6);     /* counter backwards */
	assert_int_equal(r.u.result_signed.data.euicc_result.items[3].u.code, 0);
	free(spki);
	free(spki2);

	/* the result waits as a package result; the IPA removes it when acknowledged */
	{
		struct rsp_retrieve_notifications_list_request rq = { 0 };
		struct rsp_retrieve_notifications_list_response rr;
		struct rsp_seq_number sent;
		struct rsp_result done;

		rq.has_search_criteria = true;
		rq.search_criteria.choice = RSP_SEARCH_EUICC_PACKAGE_RESULTS;
		send_es10(e, &rq, &rsp_t_retrieve_notifications_list_request);
		assert_int_equal(rsp_decode(&rsp_t_retrieve_notifications_list_response, resp, resp_len, &rr, &a), IOT_OK);
		assert_int_equal(rr.choice, RSP_RETRIEVE_NOTIF_EPR_LIST);
		assert_int_equal(rr.u.euicc_package_result_list.count, 1);
		sent.seq_number = rr.u.euicc_package_result_list.items[0].u.result_signed.data.seq_number;
		send_es10(e, &sent, &rsp_t_notification_sent_request);
		assert_int_equal(rsp_decode(&rsp_t_notification_sent_response, resp, resp_len, &done, &a), IOT_OK);
		assert_int_equal(done.result, 0);
		send_es10(e, &sent, &rsp_t_notification_sent_request);
		assert_int_equal(rsp_decode(&rsp_t_notification_sent_response, resp, resp_len, &done, &a), IOT_OK);
		assert_int_equal(done.result, 1);
		send_es10(e, &rq, &rsp_t_retrieve_notifications_list_request);
		assert_int_equal(rsp_decode(&rsp_t_retrieve_notifications_list_response, resp, resp_len, &rr, &a), IOT_OK);
		assert_int_equal(rr.u.euicc_package_result_list.count, 0);
	}
	/* GetEimConfigurationData: eim1 with the counter now at 1 */
	{
		struct rsp_get_eim_configuration_data_request gq = { 0 };
		struct rsp_get_eim_configuration_data_response gr;

		send_es10(e, &gq, &rsp_t_get_eim_configuration_data_request);
		assert_int_equal(rsp_decode(&rsp_t_get_eim_configuration_data_response, resp, resp_len, &gr, &a), IOT_OK);
		assert_int_equal(gr.eim_configuration_data_list.count, 1);
		assert_int_equal(gr.eim_configuration_data_list.items[0].counter_value, 1);
		assert_true(gr.eim_configuration_data_list.items[0].has_eim_fqdn);
	}
	rsp_arena_free(&a);
	euicc_free(e);
}

/* The eIM's key is kept from one package to the next (decoding it costs
 * more than the signature check): once updateEim gives eim1 another key,
 * a package signed with the old one is refused and one signed with the
 * new one runs. */
static void test_eim_key_rotated(void **state)
{
	struct euicc *e = new_euicc_with_profiles();
	struct rsp_euicc_package_request q;
	struct rsp_euicc_package_result r;
	struct rsp_eco eco;
	struct rsp_psmo psmo;
	struct rsp_arena a;
	struct crypto_key *old = eim_key, *next;
	uint8_t *spki;
	int64_t token = add_initial_eim(e);
	(void)state;

	rsp_arena_dynamic(&a);
	memset(&psmo, 0, sizeof(psmo));
	psmo.choice = RSP_PSMO_LIST_PROFILE_INFO;
	for (int64_t counter = 1; counter <= 2; counter++) {
		package(&q, &psmo, 1, counter);
		load_package(e, &q, token, false, &r, &a);
		assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
	}
	/* updateEim, signed with the old key: eim1's key is next from now on */
	assert_int_equal(crypto_key_generate(CRYPTO_P256, &next), IOT_OK);
	eim_key = next;
	memset(&eco, 0, sizeof(eco));
	eco.choice = RSP_ECO_UPDATE_EIM;
	eim_config(&eco.u.update_eim, "eim1", &spki, false);
	eco.u.update_eim.has_counter_value = false;
	eim_key = old;
	package(&q, NULL, 0, 3);
	q.signed_data.euicc_package.choice = RSP_PACKAGE_ECO_LIST;
	q.signed_data.euicc_package.u.eco_list.items = &eco;
	q.signed_data.euicc_package.u.eco_list.count = 1;
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.code, 0);
	free(spki);
	/* the old key no longer verifies */
	package(&q, &psmo, 1, 4);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_ERROR_UNSIGNED);
	/* the new one does, again and again */
	eim_key = next;
	for (int64_t counter = 4; counter <= 5; counter++) {
		package(&q, &psmo, 1, counter);
		load_package(e, &q, token, false, &r, &a);
		assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
		check_result_signature(&r.u.result_signed.data.der, &r.u.result_signed.euicc_sign_epr, token);
	}
	/* and across a restart */
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	package(&q, &psmo, 1, 6);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
	eim_key = old;
	crypto_key_free(next);
	rsp_arena_free(&a);
	euicc_free(e);
}

static void test_profile_notifications(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	struct rsp_arena a;
	struct rsp_list_notification_response ln;
	struct rsp_retrieve_notifications_list_response rr;
	struct crypto_cert *cert;
	static const uint8_t md[] = { 0xBF, 0x25, 0x22, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x05,
				      0x91, 0x02, 'O', 'p', 0x92, 0x02, 'P', '5',
				      0xB6, 0x0C, 0x30, 0x0A, 0x80, 0x02, 0x04, 0x70, 0x81, 0x04, 'd', 'p', '.', 'x' };
	(void)state;

	rsp_arena_dynamic(&a);
	assert_int_equal(euicc_preload_profile(e, md, sizeof(md), (const uint8_t *)"p", 1, false), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x31\x11\xA0\x0C\x5A\x0A\x98\x94\0\0\0\0\0\0\0\x05\x81\x01\xFF",
				    20, 255, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x28\x00", 3, 255, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_list_notification_response, resp, resp_len, &ln, &a), IOT_OK);
	assert_int_equal(ln.u.list.count, 1);
	assert_int_equal(ln.u.list.items[0].profile_management_operation, RSP_NOTIFY_ENABLE);
	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x2B\x00", 3, 255, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_retrieve_notifications_list_response, resp, resp_len, &rr, &a), IOT_OK);
	assert_int_equal(rr.u.notification_list.count, 1);
	assert_int_equal(rr.u.notification_list.items[0].choice, RSP_PENDING_OTHER);
	/* signed by the eUICC over tbsOtherNotification */
	assert_int_equal(x509_load(pki.euicc_cert, &cert), IOT_OK);
	{
		const struct rsp_other_signed_notification *o = &rr.u.notification_list.items[0].u.other;
		struct crypto_buf part = { o->tbs_other_notification.der.ptr, o->tbs_other_notification.der.len };

		assert_int_equal(ecdsa_verify(x509_key(cert), &part, 1, o->euicc_notification_signature.ptr,
					      o->euicc_notification_signature.len), IOT_OK);
	}
	x509_free(cert);
	rsp_arena_free(&a);
	euicc_free(e);
}

static int64_t simple(struct euicc *e, const char *req_hex, const struct rsp_type *t)
{
	uint8_t req[64];
	size_t n = hex(req_hex, req, sizeof(req));
	/* each of these responses starts with its INTEGER result */
	union {
		struct rsp_result r;
		struct rsp_profile_rollback_response rb;
	} u;
	struct rsp_arena a;

	assert_true(t->size <= sizeof(u));
	assert_int_equal(es10_apdus(e, req, n, 255, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(t, resp, resp_len, &u, &a), IOT_OK);
	rsp_arena_free(&a);
	return u.r.result;
}

static bool enabled(struct euicc *e, uint8_t last)
{
	struct rsp_profile_info_list_response list;
	struct rsp_arena a;
	size_t i;
	bool on = false;

	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x2D\x00", 3, 255, resp, sizeof(resp), &resp_len, NULL),
			 0x9000);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_profile_info_list_response, resp, resp_len, &list, &a), IOT_OK);
	for (i = 0; i < list.u.ok.count; i++)
		if (list.u.ok.items[i].iccid.ptr[9] == last)
			on = list.u.ok.items[i].profile_state == RSP_PROFILE_ENABLED;
	rsp_arena_free(&a);
	return on;
}

static void test_rollback_and_fallback(void **state)
{
	struct euicc *e = new_euicc_with_profiles();
	struct rsp_euicc_package_request q;
	struct rsp_euicc_package_result r;
	struct rsp_psmo psmo;
	struct rsp_arena a;
	int64_t token = add_initial_eim(e);
	static const uint8_t boot[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const uint8_t op[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x02 };
	(void)state;

	rsp_arena_dynamic(&a);
	/* the IPA may not configure immediate enable while an eIM is associated */
	assert_int_equal(simple(e, "BF59028000", &rsp_t_configure_immediate_profile_enabling_response), 2);
	/* no fallback profile yet */
	assert_int_equal(simple(e, "BF5D038001FF", &rsp_t_execute_fallback_mechanism_response), 6);
	memset(&psmo, 0, sizeof(psmo));
	psmo.choice = RSP_PSMO_SET_FALLBACK_ATTRIBUTE;
	psmo.u.set_fallback_attribute.iccid = RSP_BYTES(boot, 10);
	package(&q, &psmo, 1, 1);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.code, 0);
	/* the fallback profile is the enabled one: nothing to fall back to */
	assert_int_equal(simple(e, "BF5D038001FF", &rsp_t_execute_fallback_mechanism_response), 2);

	/* enable op with rollbackFlag, then roll back to boot */
	assert_int_equal(simple(e, "BF58038001FF", &rsp_t_profile_rollback_response), 1);
	psmo.choice = RSP_PSMO_ENABLE;
	psmo.u.enable.iccid = RSP_BYTES(op, 10);
	psmo.u.enable.rollback_flag = true;
	package(&q, &psmo, 1, 2);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.code, 0);
	assert_true(enabled(e, 0x02));
	{
		struct rsp_profile_rollback_response rb;

		assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x58\x03\x80\x01\xFF", 6, 255, resp, sizeof(resp),
					    &resp_len, NULL), 0x9000);
		assert_int_equal(rsp_decode(&rsp_t_profile_rollback_response, resp, resp_len, &rb, &a), IOT_OK);
		assert_int_equal(rb.cmd_result, 0);
		assert_true(rb.has_euicc_package_result);
		assert_int_equal(rb.euicc_package_result.u.result_signed.data.counter_value, 2);
		assert_int_equal(rb.euicc_package_result.u.result_signed.data.euicc_result.items[0].choice,
				 RSP_RESULT_ROLLBACK);
		check_result_signature(&rb.euicc_package_result.u.result_signed.data.der,
				       &rb.euicc_package_result.u.result_signed.euicc_sign_epr, token);
	}
	assert_true(enabled(e, 0x01));
	assert_int_equal(simple(e, "BF58038001FF", &rsp_t_profile_rollback_response), 1);

	/* op enabled again, then the fallback: boot comes back, and returns to op */
	psmo.u.enable.rollback_flag = false;
	package(&q, &psmo, 1, 3);
	load_package(e, &q, token, false, &r, &a);
	assert_true(enabled(e, 0x02));
	assert_int_equal(simple(e, "BF5D038001FF", &rsp_t_execute_fallback_mechanism_response), 0);
	assert_true(enabled(e, 0x01));
	/* the attribute cannot go while its profile is the one enabled */
	psmo.choice = RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE;
	package(&q, &psmo, 1, 4);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.u.result_signed.data.euicc_result.items[0].u.code, 3);
	/* the fallback state survives a restart */
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(simple(e, "BF5E038001FF", &rsp_t_return_from_fallback_response), 0);
	assert_true(enabled(e, 0x02));
	assert_int_equal(simple(e, "BF5E038001FF", &rsp_t_return_from_fallback_response), 6);
	rsp_arena_free(&a);
	euicc_free(e);
}

/* SGP.32 emergency profile: only one marked with ecallIndication; while it
 * is enabled no fallback and no eUICC Package runs (ecallActive); disabling
 * it goes back to the profile it replaced, also after a restart. And
 * GetConnectivityParameters: these profiles carry none. */
static void test_emergency_profile(void **state)
{
	struct euicc *e = new_euicc_with_profiles();
	static const uint8_t md_em[] = { 0xBF, 0x25, 0x18, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x03,
					 0x91, 0x02, 'O', 'p', 0x92, 0x02, 'E', 'M', 0x9F, 0x7B, 0x01, 0xFF };
	struct rsp_get_connectivity_parameters_response cp;
	struct rsp_euicc_package_request q;
	struct rsp_euicc_package_result r;
	struct rsp_psmo psmo = { .choice = RSP_PSMO_GET_RAT };
	struct rsp_arena a;
	int64_t token = add_initial_eim(e);

	(void)state;
	rsp_arena_dynamic(&a);
	assert_int_equal(simple(e, "BF5B038001FF", &rsp_t_enable_emergency_profile_response), 8);   /* none */
	assert_int_equal(simple(e, "BF5C038001FF", &rsp_t_disable_emergency_profile_response), 2);
	assert_int_equal(euicc_preload_profile(e, md_em, sizeof(md_em), (const uint8_t *)"e", 1, false), IOT_OK);
	assert_int_equal(simple(e, "BF5B038001FF", &rsp_t_enable_emergency_profile_response), 0);
	assert_true(enabled(e, 0x03));
	assert_false(enabled(e, 0x01));
	assert_int_equal(simple(e, "BF5B038001FF", &rsp_t_enable_emergency_profile_response), 2);
	/* eCall active: no fallback, no package (signed ecallActive, counter unused) */
	assert_int_equal(simple(e, "BF5D038001FF", &rsp_t_execute_fallback_mechanism_response), 104);
	package(&q, &psmo, 1, 1);
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_ERROR_SIGNED);
	assert_int_equal(r.u.error_signed.data.euicc_package_error_code, RSP_EPE_ECALL_ACTIVE);
	/* it survives a restart, and ends back on the bootstrap profile */
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(simple(e, "BF5C038001FF", &rsp_t_disable_emergency_profile_response), 0);
	assert_true(enabled(e, 0x01));
	assert_false(enabled(e, 0x03));
	assert_int_equal(simple(e, "BF5C038001FF", &rsp_t_disable_emergency_profile_response), 2);
	/* the same package now runs (the counter was not used up) */
	load_package(e, &q, token, false, &r, &a);
	assert_int_equal(r.choice, RSP_EPR_RESULT_SIGNED);
	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x5F\x00", 3, 255, resp, sizeof(resp), &resp_len, NULL),
			 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_get_connectivity_parameters_response, resp, resp_len, &cp, &a), IOT_OK);
	assert_int_equal(cp.choice, 2);
	assert_int_equal(cp.u.error, 1);        /* parametersNotAvailable */
	rsp_arena_free(&a);
	euicc_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psmo_package),
		cmocka_unit_test(test_list_then_delete),
		cmocka_unit_test(test_ecos_and_results_list),
		cmocka_unit_test(test_eim_key_rotated),
		cmocka_unit_test(test_profile_notifications),
		cmocka_unit_test(test_rollback_and_fallback),
		cmocka_unit_test(test_emergency_profile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
