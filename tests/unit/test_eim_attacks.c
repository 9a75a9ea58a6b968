/* The eIM core against what an attacker on ESipa can send (issue: security
 * hardening), with libipa and two software eUICCs in-process: the genuine
 * device and an impostor with the same EID but certificates from another
 * CI. An impostor's first contact leaves the eUICC waiting for the genuine
 * one; an unsigned package error, which anyone can forge, never ends an
 * operation; eimTransactionIds cannot be guessed; cutting the audit log's
 * newest rows off is seen; one EID polled from many addresses is alerted on. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>

#include "eim/eim.h"
#include "ipacore/ipa.h"
#include "rsp/rsp.h"
#include "store/store.h"

static struct fixture_pki pki, other;
static struct eim_config ec;
static struct eim *eim;
static struct euicc *genuine, *impostor;
static struct ipa *ipa_genuine, *ipa_impostor;
static char eim_db[512];
static const char *cis[1];

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	return euicc_transmit(ctx, apdu, len, resp, cap, resp_len);
}

static iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	struct der_writer w;
	iot_err err;

	(void)ctx;
	(void)e;
	der_writer_dynamic(&w);
	if ((err = eim_esipa(eim, req, len, &w)) != IOT_OK) {
		der_writer_free(&w);
		return IOT_E_IO;
	}
	*resp = w.buf;
	*resp_len = w.len;
	return IOT_OK;
}

static iot_err reset(void *ctx)
{
	euicc_reset(ctx);
	return IOT_OK;
}

/* A device: its eUICC, and libipa on it with the eIM's initial configuration. */
static struct ipa *device(struct euicc *card)
{
	struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .reset = reset, .ctx = card };
	struct ipa *ipa;
	const uint8_t *resp;
	uint8_t *req;
	size_t n, len;

	assert_int_equal(ipa_new(&p, NULL, &ipa), IOT_OK);
	assert_int_equal(eim_initial_eim_request(eim, &req, &n), IOT_OK);
	assert_int_equal(ipa_es10(ipa, req, n, &resp, &len), IOT_OK);
	free(req);
	return ipa;
}

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	fixture_pki_make(&other, CRYPTO_P256);          /* another CI: the impostor's */
	test_store_url(eim_db, sizeof(eim_db), pki.dir, "eim.db");
	cis[0] = pki.ci;
	ec = (struct eim_config){ .eim_id = "eim.iotrsp.test", .fqdn = "eim.iotrsp.test", .key_file = pki.eim_key,
				  .cert_file = pki.eim_cert, .ci_files = cis, .ci_count = 1, .store_url = eim_db };
	assert_int_equal(eim_open(&ec, &eim), IOT_OK);
	genuine = fixture_euicc(&pki);
	impostor = fixture_euicc(&other);
	ipa_genuine = device(genuine);
	ipa_impostor = device(impostor);
	assert_int_equal(eim_euicc_register(eim, FIXTURE_EID, NULL), IOT_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ipa_free(ipa_genuine);
	ipa_free(ipa_impostor);
	euicc_free(genuine);
	euicc_free(impostor);
	eim_close(eim);
	fixture_pki_remove(&pki);
	fixture_pki_remove(&other);
	return 0;
}

static bool learned(void)
{
	struct eim_euicc u;

	assert_int_equal(eim_euicc_get(eim, FIXTURE_EID, &u), IOT_OK);
	return u.has_cert && u.has_token;
}

static int64_t audit_count(const char *action)
{
	struct store *raw;
	struct store_stmt *st;
	int64_t n;
	bool row;

	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	assert_int_equal(store_prepare(raw, "SELECT COUNT(*) FROM audit WHERE action = $1", &st), IOT_OK);
	store_bind_text(st, 1, action);
	assert_int_equal(store_step(st, &row), IOT_OK);
	n = store_col_int(st, 0);
	store_finalize(st);
	store_close(raw);
	return n;
}

/* One impostor poll used to fail the first contact for good; now the
 * genuine device still gets it and is learned. */
static void test_impostor_first_contact(void **state)
{
	int64_t refused;

	(void)state;
	/* (libipa polls again at once while packages come, a bounded number of times) */
	assert_int_equal(ipa_poll(ipa_impostor), IOT_OK);
	assert_false(learned());
	assert_true((refused = audit_count("first-contact-refused")) >= 1);
	assert_int_equal(ipa_poll(ipa_impostor), IOT_OK);         /* again: still nothing learned */
	assert_false(learned());
	assert_true(audit_count("first-contact-refused") > refused);
	assert_int_equal(ipa_poll(ipa_genuine), IOT_OK);
	assert_true(learned());
}

/* A poll as the EID: the eUICC Package the eIM hands out, decoded into m. */
static void poll_as_eid(struct rsp_esipa_message_from_eim *m, struct rsp_arena *a, struct der_writer *w)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_GET_EIM_PACKAGE };
	static uint8_t eid[16];
	uint8_t *der;
	size_t n;

	hex(FIXTURE_EID, eid, sizeof(eid));
	q.u.get_eim_package.eid_value = RSP_BYTES(eid, 16);
	assert_int_equal(rsp_encode_alloc(&rsp_t_esipa_message_from_ipa, &q, &der, &n), IOT_OK);
	der_writer_dynamic(w);
	assert_int_equal(eim_esipa(eim, der, n, w), IOT_OK);
	free(der);
	assert_int_equal(rsp_decode(&rsp_t_esipa_message_from_eim, w->buf, w->len, m, a), IOT_OK);
}

/* A ProvideEimPackageResult with an unsigned error for txid, as anyone can make one. */
static void forge_unsigned_error(const rsp_bytes *txid)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT };
	struct rsp_eim_package_result *r = &q.u.provide_eim_package_result.eim_package_result;
	struct rsp_euicc_package_error_unsigned *u = &r->u.epr.u.error_unsigned;
	static uint8_t eid[16];
	struct der_writer w;
	uint8_t *der;
	size_t n;

	hex(FIXTURE_EID, eid, sizeof(eid));
	q.u.provide_eim_package_result.has_eid_value = true;
	q.u.provide_eim_package_result.eid_value = RSP_BYTES(eid, 16);
	r->choice = RSP_EIM_RESULT_EPR;
	r->u.epr.choice = RSP_EPR_ERROR_UNSIGNED;
	u->eim_id = RSP_STR("eim.iotrsp.test");
	u->has_eim_transaction_id = true;
	u->eim_transaction_id = *txid;
	u->has_association_token = true;
	u->association_token = 1;
	assert_int_equal(rsp_encode_alloc(&rsp_t_esipa_message_from_ipa, &q, &der, &n), IOT_OK);
	der_writer_dynamic(&w);
	assert_int_equal(eim_esipa(eim, der, n, &w), IOT_OK);
	der_writer_free(&w);
	free(der);
}

static enum eim_op_state op_state(int64_t id)
{
	struct eim_op op;

	assert_int_equal(eim_op_get(eim, id, &op), IOT_OK);
	eim_op_free(&op);
	return op.state;
}

/* Poll as the EID, forge an unsigned error naming the operation: it stays
 * sent, and the genuine device gets it and finishes it. A guessed id (the
 * bare operation id) names nothing. */
static void test_forged_unsigned_error(void **state)
{
	struct rsp_esipa_message_from_eim m;
	struct rsp_arena a;
	struct der_writer w;
	const rsp_bytes *txid;
	uint8_t guessed[8] = { 0 };
	int64_t id;

	(void)state;
	assert_int_equal(ipa_poll(ipa_genuine), IOT_OK);         /* first contact */
	assert_true(learned());
	/* listProfileInfo, polled for by the attacker first */
	assert_int_equal(eim_op_create(eim, FIXTURE_EID, EIM_OP_PSMO, (const uint8_t *)"\xA0\x03\xBF\x2D\x00", 5, &id),
			 IOT_OK);
	rsp_arena_dynamic(&a);
	poll_as_eid(&m, &a, &w);
	assert_int_equal(m.choice, RSP_EIM_TO_IPA_GET_EIM_PACKAGE);
	assert_int_equal(m.u.get_eim_package.choice, RSP_GET_EIM_PKG_EUICC_PACKAGE);
	txid = &m.u.get_eim_package.u.euicc_package_request.signed_data.eim_transaction_id;
	assert_int_equal(txid->len, 16);                           /* the id and the eIM's tag */
	assert_int_equal(op_state(id), EIM_SENT);
	/* a guess: the bare id (what the id alone used to be), and the id with a wrong tag */
	guessed[7] = (uint8_t)id;
	forge_unsigned_error(&RSP_BYTES(guessed, 8));
	{
		uint8_t wrong[16];

		memcpy(wrong, txid->ptr, 16);
		wrong[15] ^= 1;
		forge_unsigned_error(&RSP_BYTES(wrong, 16));
	}
	assert_int_equal(op_state(id), EIM_SENT);
	/* the real id, unsigned: kept all the same, and audited */
	forge_unsigned_error(txid);
	assert_int_equal(op_state(id), EIM_SENT);
	assert_int_equal(audit_count("unsigned-package-error"), 3);
	der_writer_free(&w);
	rsp_arena_free(&a);
	/* the genuine device gets the package again, runs it, its signed result ends it */
	assert_int_equal(ipa_poll(ipa_genuine), IOT_OK);
	assert_int_equal(op_state(id), EIM_DONE);
}

/* One EID polled from many addresses within the hour is alerted on, and a
 * download trigger (its activation code) is held rather than handed to
 * whoever asks; the same device polling again from its address, or from a
 * new one now and then, is not. */
static void test_many_sources(void **state)
{
	static const char *const from[] = { "192.0.2.1", "192.0.2.1", "192.0.2.1", "198.51.100.7", "198.51.100.7" };
	struct rsp_esipa_message_from_eim m;
	struct rsp_arena a;
	struct der_writer w;
	int64_t id;

	(void)state;
	assert_int_equal(ipa_poll(ipa_genuine), IOT_OK);         /* learned, no source given */
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		eim_esipa_from(eim, false, from[i]);
		rsp_arena_dynamic(&a);
		poll_as_eid(&m, &a, &w);
		der_writer_free(&w);
		rsp_arena_free(&a);
	}
	assert_int_equal(audit_count("many-sources"), 0);       /* two addresses */
	/* a download waits; the third address polls: alerted, and the trigger held */
	assert_int_equal(eim_op_create(eim, FIXTURE_EID, EIM_OP_DOWNLOAD, (const uint8_t *)"1$smdp.example.com$M1", 21,
				       &id), IOT_OK);
	eim_esipa_from(eim, false, "203.0.113.9");
	rsp_arena_dynamic(&a);
	poll_as_eid(&m, &a, &w);
	assert_int_equal(m.u.get_eim_package.choice, RSP_GET_EIM_PKG_ERROR);
	assert_int_equal(m.u.get_eim_package.u.error, RSP_EIM_PKG_NO_PACKAGE);
	der_writer_free(&w);
	rsp_arena_free(&a);
	assert_int_equal(audit_count("many-sources"), 1);       /* the third within the hour */
	assert_int_equal(op_state(id), EIM_PENDING);
	eim_esipa_from(eim, false, NULL);
}

/* Removing the newest audit rows (truncation) is seen, and stays seen
 * after the next entry. */
static void test_audit_truncation(void **state)
{
	struct store *raw;
	int64_t entries, bad;

	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(eim_audit(eim, "tester", "note", "x", "ok"), IOT_OK);
	assert_int_equal(eim_audit_verify(eim, &entries, &bad), IOT_OK);
	assert_int_equal(entries, 5);
	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	assert_int_equal(store_exec(raw, "DELETE FROM audit WHERE id > 3"), IOT_OK);
	store_close(raw);
	assert_int_not_equal(eim_audit_verify(eim, &entries, &bad), IOT_OK);
	assert_int_equal(bad, 4);                       /* the first row missing */
	assert_int_equal(eim_audit(eim, "tester", "note", "x", "ok"), IOT_OK);
	assert_int_not_equal(eim_audit_verify(eim, &entries, &bad), IOT_OK);
	assert_int_equal(bad, 4);
}

/* A device that takes an operation and never answers (a stuck card, an IPA
 * that drops it): the operation goes out at most operationMaxDeliveries
 * times, then fails (127, audited) and the next one goes. */
static void test_undelivered(void **state)
{
	struct rsp_esipa_message_from_eim m;
	struct eim_settings set;
	struct eim_op op;
	struct rsp_arena a;
	struct der_writer w;
	int64_t stuck, next, counter = 0;

	(void)state;
	assert_int_equal(ipa_poll(ipa_genuine), IOT_OK);         /* first contact */
	assert_true(learned());
	assert_int_equal(eim_settings_get(eim, &set), IOT_OK);
	set.operation_max_deliveries = 3;
	assert_int_equal(eim_settings_set(eim, &set), IOT_OK);
	assert_int_equal(eim_op_create(eim, FIXTURE_EID, EIM_OP_PSMO, (const uint8_t *)"\xA0\x03\xBF\x2D\x00", 5, &stuck),
			 IOT_OK);
	assert_int_equal(eim_op_create(eim, FIXTURE_EID, EIM_OP_PSMO, (const uint8_t *)"\xA0\x03\xBF\x2D\x00", 5, &next),
			 IOT_OK);
	rsp_arena_dynamic(&a);
	/* three deliveries of the same package, never answered */
	for (int i = 0; i < 3; i++) {
		poll_as_eid(&m, &a, &w);
		assert_int_equal(m.u.get_eim_package.choice, RSP_GET_EIM_PKG_EUICC_PACKAGE);
		if (!i)
			counter = m.u.get_eim_package.u.euicc_package_request.signed_data.counter_value;
		assert_int_equal(m.u.get_eim_package.u.euicc_package_request.signed_data.counter_value, counter);
		assert_int_equal(op_state(stuck), EIM_SENT);
		der_writer_free(&w);
	}
	/* the fourth poll: the stuck one fails, the next one goes with the next counter */
	poll_as_eid(&m, &a, &w);
	assert_int_equal(m.u.get_eim_package.choice, RSP_GET_EIM_PKG_EUICC_PACKAGE);
	assert_int_equal(m.u.get_eim_package.u.euicc_package_request.signed_data.counter_value, counter + 1);
	der_writer_free(&w);
	assert_int_equal(eim_op_get(eim, stuck, &op), IOT_OK);
	assert_int_equal(op.state, EIM_FAILED);
	assert_int_equal(op.result_code, 127);
	eim_op_free(&op);
	assert_int_equal(op_state(next), EIM_SENT);
	assert_int_equal(audit_count("undelivered"), 1);
	rsp_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_impostor_first_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_unsigned_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undelivered, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
