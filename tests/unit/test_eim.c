/* The eIM core against libipa and the software eUICC in-process (ESipa
 * messages straight into eim_esipa), the SM-DP+ behind it over HTTPS, both
 * curves: first contact (certificates and association token learned and
 * chain-checked), an indirect download relayed to the SM-DP+ (its PIR
 * forwarded), signed PSMOs with a counter per eUICC, a lost answer re-sent
 * unchanged, forged and replayed results changing nothing, data requests,
 * unknown EIDs, cancel, an eCO, a refused delete, an SM-DP+ that is down,
 * notifications kept until forwarded, the audit chain. The relay speaks
 * ES9+ in the ASN.1 binding on P-256 and in the JSON binding on brainpool. */
#include "testutil.h"
#include "fixture.h"
#include "owner_side.h"

#include <stdio.h>

#include "base/hex.h"
#include "eim/eim.h"
#include "eim/server.h"
#include "net/http.h"
#include "ipa/ipa.h"
#include "rsp/rsp.h"
#include "smdp/server.h"
#include "store/store.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"
#define BOOT_EID_TEXT FIXTURE_EID

static enum crypto_curve curve;
static struct fixture_pki pki;
static struct smdp_credentials creds;
static struct smdp_server *smdp_https;
static struct smdp_server_config ss;    /* to start the SM-DP+ again */
static struct owner_side owner;         /* the profile owner's server: the SM-DP+'s progress reports */
static struct smdp_es2_client owner_client = { "op", "op-token", owner.url, NULL };
static int drop_results;
static struct eim_config ec;            /* to start eimd's server on the same store */
static struct http_client *via;         /* ESipa through eimd's HTTPS server, not straight in */
static char via_url[128];
static bool stop_smdp_at_bpp;           /* the SM-DP+ goes when the BPP is asked for */
static uint16_t restart_smdp_port;      /* the SM-DP+ comes back on it after a failed trigger's result */
static struct smdp *dp;
static struct euicc *euicc;
static struct eim *eim;
static struct ipa *ipa;
static char db[512], eim_db[512], smdp_cert[200], smdp_key[200], connect[128];
static bool drop_answer;                /* the eIM's next answer is lost on the way */
static int64_t messages;
static uint8_t packages[2][4096];      /* the first two getEimPackage answers carrying a package */
static size_t package_len[2], package_count;
static int compact_pirs;               /* handleNotification carrying a compact installation result */
static int pir_by_notification;        /* trigger results turned into handleNotification of their PIR, answers lost */
static int swallow_pdt_results;        /* trigger results lost before the eIM sees them */
static const uint8_t op_iccid[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x20, 0xF3 };

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	(void)ctx;
	return euicc_transmit(euicc, apdu, len, resp, cap, resp_len);
}

/* 'BF4F' { 'BF51' ... }: getEimPackage brought an eUICC Package */
static bool carries_package(const uint8_t *der, size_t len)
{
	struct der_reader r, in;
	struct der_tlv t;

	der_reader_init(&r, der, len);
	return der_read(&r, &t) == IOT_OK && der_enter(&r, &t, &in) == IOT_OK && der_read(&in, &t) == IOT_OK &&
	       t.tag == 0xBF51;
}

/* 'BF50' { ['5A'] 'BF54' ... }: a ProfileDownloadTriggerResult provided */
static bool carries_pdt_result(const uint8_t *der, size_t len)
{
	struct der_reader r, in;
	struct der_tlv t;

	der_reader_init(&r, der, len);
	if (der_read(&r, &t) != IOT_OK || der_enter(&r, &t, &in) != IOT_OK)
		return false;
	while (der_read(&in, &t) == IOT_OK)
		if (t.tag == 0xBF54)
			return true;
	return false;
}

static iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	struct der_writer w;
	iot_err err;

	(void)ctx;
	(void)e;
	messages++;
	/* 'BF3D' { pendingNotification 'A0' { compactProfileInstallationResult 'A0' } } */
	if (len > 8 && req[0] == 0xBF && req[1] == 0x3D) {
		struct der_reader r, in, in2;
		struct der_tlv t;

		der_reader_init(&r, req, len);
		if (der_read(&r, &t) == IOT_OK && der_enter(&r, &t, &in) == IOT_OK && der_read(&in, &t) == IOT_OK &&
		    t.tag == 0xA0 && der_enter(&in, &t, &in2) == IOT_OK && der_read(&in2, &t) == IOT_OK && t.tag == 0xA0)
			compact_pirs++;
	}
	if (stop_smdp_at_bpp && len > 2 && req[0] == 0xBF && req[1] == 0x3A) {
		smdp_server_stop(smdp_https);
		smdp_https = NULL;
	}
	if (via) {
		static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1",
						       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
		int status;

		err = http_client_post(via, via_url, headers, req, len, &status, resp, resp_len);
		if (err == IOT_OK && status != 200 && status != 204) {
			free(*resp);
			err = IOT_E_IO;
		}
		return err;
	}
	/* an IPA that reports an installation by handleNotification alone: the
	 * eIM sees the PIR there, never the trigger result (whose answer is lost) */
	if (pir_by_notification && len > 30 && req[0] == 0xBF && req[1] == 0x50 && carries_pdt_result(req, len)) {
		struct rsp_esipa_message_from_ipa in, out = { .choice = RSP_IPA_TO_EIM_HANDLE_NOTIFICATION };
		const struct rsp_eim_package_result *res = &in.u.provide_eim_package_result.eim_package_result;
		struct rsp_arena a;
		uint8_t *msg;
		size_t n;

		rsp_arena_dynamic(&a);
		assert_int_equal(rsp_decode(&rsp_t_esipa_message_from_ipa, req, len, &in, &a), IOT_OK);
		assert_int_equal(res->choice, RSP_EIM_RESULT_PDT_RESULT);
		assert_int_equal(res->u.pdt_result.result_data.choice, RSP_PDT_RESULT_PIR);
		out.u.handle_notification.choice = RSP_HANDLE_NOTIFICATION_PENDING;
		out.u.handle_notification.u.pending.choice = RSP_PENDING_PIR;
		out.u.handle_notification.u.pending.u.pir = res->u.pdt_result.result_data.u.pir;
		assert_int_equal(rsp_encode_alloc(&rsp_t_esipa_message_from_ipa, &out, &msg, &n), IOT_OK);
		der_writer_dynamic(&w);
		assert_int_equal(eim_esipa(eim, msg, n, &w), IOT_OK);
		der_writer_free(&w);
		free(msg);
		rsp_arena_free(&a);
		pir_by_notification--;
		return IOT_E_IO;
	}
	if (swallow_pdt_results && len > 30 && req[0] == 0xBF && req[1] == 0x50 && carries_pdt_result(req, len)) {
		swallow_pdt_results--;
		return IOT_E_IO;
	}
	der_writer_dynamic(&w);
	err = eim_esipa(eim, req, len, &w);
	/* 'BF50' carrying a ProfileDownloadTriggerResult ('BF54'): the SM-DP+ back */
	if (restart_smdp_port && len > 30 && req[0] == 0xBF && req[1] == 0x50 && carries_pdt_result(req, len)) {
		ss.http.port = restart_smdp_port;
		assert_int_equal(smdp_server_start(&ss, &smdp_https), IOT_OK);
		ss.http.port = 0;
		restart_smdp_port = 0;
	}
	if (err == IOT_OK && req[0] == 0xBF && req[1] == 0x4F && w.len > 6 && w.len < sizeof(packages[0]) &&
	    package_count < 2 && carries_package(w.buf, w.len)) {
		memcpy(packages[package_count], w.buf, w.len);
		package_len[package_count++] = w.len;
	}
	if (drop_results && len > 2 && req[0] == 0xBF && req[1] == 0x50) {
		drop_results--;         /* a provideEimPackageResult answer lost */
		der_writer_free(&w);
		return IOT_E_IO;
	}
	if (err != IOT_OK || drop_answer) {
		drop_answer = false;
		der_writer_free(&w);
		return IOT_E_IO;
	}
	*resp = w.buf;
	*resp_len = w.len;
	return IOT_OK;
}

static iot_err reset(void *ctx)
{
	(void)ctx;
	euicc_reset(euicc);
	return IOT_OK;
}

static int setup(void **state)
{
	static const uint8_t md_boot[] = { 0xBF, 0x25, 0x17, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01,
					   0x91, 0x02, 'O', 'p', 0x92, 0x02, 'B', 'P', 0x95, 0x01, 0x01 };
	struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A", .profile_name = "IoT",
					  .profile_class = 2, .notification_address = ADDRESS };
	struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .reset = reset };
	static const char *cis[1], *connects[1];
	static uint8_t upp[12 * 1024];
	const uint8_t *resp;
	uint8_t *req;
	size_t n, len;

	(void)state;
	fixture_pki_make(&pki, curve);
	fixture_tls_cert_for(ADDRESS, pki.dir, "smdp-tls", smdp_cert, sizeof(smdp_cert), smdp_key, sizeof(smdp_key));
	test_store_url(db, sizeof(db), pki.dir, "smdp.db");
	test_store_url(eim_db, sizeof(eim_db), pki.dir, "eim.db");
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	ss.smdp = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db };
	ss.http = (struct http_server_config){ .cert_file = smdp_cert, .key_file = smdp_key, .threads = 2 };
	owner_side_start(&owner);
	ss.clients = &owner_client;
	ss.client_count = 1;
	assert_int_equal(smdp_server_start(&ss, &smdp_https), IOT_OK);
	assert_int_equal(smdp_open(&ss.smdp, &dp), IOT_OK);
	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 13);
	assert_int_equal(smdp_add_profile(dp, op_iccid, &info, upp, sizeof(upp)), IOT_OK);
	snprintf(connect, sizeof(connect), ADDRESS ":443:127.0.0.1:%u", smdp_server_port(smdp_https));
	cis[0] = pki.ci;
	connects[0] = connect;
	ec = (struct eim_config){ .eim_id = "eim.iotrsp.test", .fqdn = "eim.iotrsp.test", .key_file = pki.eim_key,
				  .cert_file = pki.eim_cert, .ci_files = cis, .ci_count = 1, .store_url = eim_db,
				  .smdp_ca = smdp_cert, .connect = connects, .connect_count = 1,
				  /* the relay speaks ES9+ in both bindings: ASN.1 on one curve, JSON on the other */
				  .es9_json = curve == CRYPTO_BRAINPOOL_P256R1 };
	assert_int_equal(eim_open(&ec, &eim), IOT_OK);
	euicc = fixture_euicc(&pki);
	assert_int_equal(euicc_preload_profile(euicc, md_boot, sizeof(md_boot), (const uint8_t *)"b", 1, true), IOT_OK);
	assert_int_equal(ipa_new(&p, NULL, &ipa), IOT_OK);
	/* the factory loads the eIM's AddInitialEim export */
	assert_int_equal(eim_initial_eim_request(eim, &req, &n), IOT_OK);
	assert_int_equal(ipa_es10(ipa, req, n, &resp, &len), IOT_OK);
	assert_int_equal(resp[0], 0xBF);
	free(req);
	messages = 0;
	drop_answer = false;
	drop_results = 0;
	package_count = 0;
	restart_smdp_port = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ipa_free(ipa);
	euicc_free(euicc);
	eim_close(eim);
	smdp_close(dp);
	smdp_server_stop(smdp_https);
	owner_side_stop(&owner);
	fixture_pki_remove(&pki);
	return 0;
}

static enum eim_op_state op_state(int64_t id, int64_t *code)
{
	struct eim_op op;

	assert_int_equal(eim_op_get(eim, id, &op), IOT_OK);
	if (code)
		*code = op.result_code;
	eim_op_free(&op);
	return op.state;
}

static int64_t psmo(int choice, const uint8_t *iccid)
{
	struct rsp_euicc_package pkg = { .choice = RSP_PACKAGE_PSMO_LIST };
	struct rsp_psmo p = { .choice = choice };
	uint8_t *der;
	size_t len;
	int64_t id;

	if (choice == RSP_PSMO_ENABLE)
		p.u.enable.iccid = RSP_BYTES(iccid, 10);
	else if (iccid)
		p.u.disable.iccid = RSP_BYTES(iccid, 10);
	pkg.u.psmo_list.items = &p;
	pkg.u.psmo_list.count = 1;
	assert_int_equal(rsp_encode_alloc(&rsp_t_euicc_package, &pkg, &der, &len), IOT_OK);
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_PSMO, der, len, &id), IOT_OK);
	free(der);
	return id;
}

/* An order at the SM-DP+ for iccid under MatchingID mid, and the eIM's
 * download operation for it. */
static int64_t ordered_download(const uint8_t *iccid, const char *mid)
{
	uint8_t got[10];
	char made[65], ac[128];
	int64_t id;

	assert_int_equal(smdp_download_order(dp, "op", iccid, NULL, got, NULL), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, "op", iccid, NULL, mid, NULL, true, made, NULL), IOT_OK);
	snprintf(ac, sizeof(ac), "LPA:1$" ADDRESS "$%s", mid);
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_DOWNLOAD, (const uint8_t *)ac, strlen(ac), &id), IOT_OK);
	return id;
}

static void first_contact(void)
{
	struct eim_euicc u;

	assert_int_equal(eim_euicc_register(eim, BOOT_EID_TEXT, "fleet=a"), IOT_OK);
	assert_int_equal(eim_euicc_register(eim, BOOT_EID_TEXT, NULL), IOT_E_REFUSED);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_true(u.has_cert);
	assert_true(u.has_token);
	assert_int_equal(u.pending, 0);
	assert_true(u.last_contact > 0);
}

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

/* A count the store gives (sql with text parameters a, b; NULL: none). */
static int64_t store_count(const char *sql, const char *a, const char *b)
{
	struct store *raw;
	struct store_stmt *st;
	bool row = false;
	int64_t n;

	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	assert_int_equal(store_prepare(raw, sql, &st), IOT_OK);
	if (a)
		store_bind_text(st, 1, a);
	if (b)
		store_bind_text(st, 2, b);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	n = store_col_int(st, 0);
	store_finalize(st);
	store_close(raw);
	return n;
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
static void test_notifications_kept_until_forwarded(void **state)
{
	int64_t dl, en;
	uint16_t port = smdp_server_port(smdp_https);
	enum smdp_state state_at_dp;
	struct store *raw;
	struct store_stmt *st;
	bool row;
	unsigned sent;
	int tries = 0;

	(void)state;
	first_contact();
	dl = ordered_download(op_iccid, "KEEP-1");
	en = psmo(RSP_PSMO_ENABLE, op_iccid);
	/* both results (with the PIR, and with the enable's notifications)
	 * delivered, their answers lost: the device delivers them again */
	drop_results = 2;
	while (op_state(en, NULL) != EIM_DONE && tries++ < 6)
		ipa_poll(ipa);
	assert_int_equal(op_state(dl, NULL), EIM_DONE);
	assert_int_equal(drop_results, 0);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	assert_int_equal(store_prepare(raw, "SELECT COUNT(*), COUNT(DISTINCT der) FROM notification", &st), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(store_col_int(st, 0) >= 2);         /* the PIR and the enable's */
	assert_int_equal(store_col_int(st, 0), store_col_int(st, 1));
	store_finalize(st);
	store_close(raw);
	smdp_server_stop(smdp_https);
	smdp_https = NULL;
	assert_int_equal(eim_forward_notifications(eim, 64, &sent), IOT_OK);
	assert_int_equal(sent, 0);
	assert_int_equal(eim_forward_notifications(eim, 64, &sent), IOT_OK);
	assert_int_equal(sent, 0);
	/* back on the same port */
	ss.http.port = port;
	assert_int_equal(smdp_server_start(&ss, &smdp_https), IOT_OK);
	ss.http.port = 0;
	assert_int_equal(eim_forward_notifications(eim, 64, &sent), IOT_OK);
	assert_true(sent >= 1);
	assert_int_equal(smdp_profile_state(dp, op_iccid, &state_at_dp), IOT_OK);
	assert_int_equal(state_at_dp, SMDP_INSTALLED);
	assert_int_equal(eim_forward_notifications(eim, 64, &sent), IOT_OK);
	assert_int_equal(sent, 0);
}

/* minimizeEsipaBytes: the IPA sends the compact forms and the eIM rebuilds
 * what the SM-DP+ verifies: a download (AuthenticateServerResponse,
 * PrepareDownloadResponse), notifications with a result and again by
 * handleNotification (with the EID), an installation result, and a
 * CancelSession. */
static void test_minimized_messages(void **state)
{
	static const uint8_t second[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x30, 0xF2 };
	static uint8_t upp[4096];
	struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A", .profile_name = "IoT 2",
					  .profile_class = 2, .notification_address = ADDRESS };
	struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .reset = reset };
	struct ipa_config c = { .minimize_esipa_bytes = true };
	struct store *raw;
	struct store_stmt *st;
	uint8_t got[10];
	char made[65], ac[64];
	unsigned sent;
	int64_t dl, en, id;
	int tries = 0;
	bool row;

	(void)state;
	ipa_free(ipa);
	assert_int_equal(ipa_new(&p, &c, &ipa), IOT_OK);
	first_contact();
	dl = ordered_download(op_iccid, "MIN-1");
	/* the trigger result's answer lost: the installation result goes again, compact */
	drop_results = 1;
	compact_pirs = 0;
	while (op_state(dl, NULL) != EIM_DONE && tries++ < 6)
		ipa_poll(ipa);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(compact_pirs, 1);
	tries = 0;
	/* the enable's result answer lost: its notification comes again by handleNotification */
	en = psmo(RSP_PSMO_ENABLE, op_iccid);
	drop_results = 1;
	while (op_state(en, NULL) != EIM_DONE && tries++ < 6)
		ipa_poll(ipa);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	/* stored whole (no compact 'A0'/'A1'), and once: rebuilt both times to the same bytes */
	assert_int_equal(store_prepare(raw, "SELECT COUNT(*), COUNT(DISTINCT der), SUM(CASE WHEN substr(der, 1, 1) IN (x'A0', x'A1') THEN 1 ELSE 0 END)"
					    " FROM notification", &st), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_int_equal(store_col_int(st, 0), 2);      /* the PIR and the enable's */
	assert_int_equal(store_col_int(st, 1), 2);
	assert_int_equal(store_col_int(st, 2), 0);
	store_finalize(st);
	store_close(raw);
	/* an installation result sent compact (as another IPA may, by handleNotification):
	 * rebuilt from its download session to the very bytes stored */
	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	assert_int_equal(store_prepare(raw, "SELECT der FROM notification WHERE substr(der, 1, 2) = x'BF37'", &st),
			 IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	{
		struct rsp_esipa_message_from_ipa m = { .choice = RSP_IPA_TO_EIM_HANDLE_NOTIFICATION };
		struct rsp_pending_notification pn, *cn = &m.u.handle_notification.u.pending;
		struct rsp_compact_profile_installation_result_data *d = &cn->u.compact_pir.data;
		struct rsp_arena a;
		struct der_writer w;
		const uint8_t *pir;
		uint8_t *msg;
		size_t n;

		rsp_arena_dynamic(&a);
		pir = store_col_blob(st, 0, &n);
		assert_int_equal(rsp_decode(&rsp_t_pending_notification, pir, n, &pn, &a), IOT_OK);
		m.u.handle_notification.choice = RSP_HANDLE_NOTIFICATION_PENDING;
		cn->choice = RSP_PENDING_COMPACT_PIR;
		d->transaction_id = pn.u.pir.data.transaction_id;
		d->seq_number = pn.u.pir.data.notification_metadata.seq_number;
		d->iccid_present = pn.u.pir.data.notification_metadata.has_iccid;
		d->compact_final_result.choice = RSP_COMPACT_FINAL_RESULT_SUCCESS;
		d->compact_final_result.u.success.compact_aid = RSP_BYTES(pn.u.pir.data.final_result.u.success.aid.ptr + 13, 2);
		cn->u.compact_pir.euicc_sign_pir = pn.u.pir.euicc_sign_pir;
		assert_int_equal(rsp_encode_alloc(&rsp_t_esipa_message_from_ipa, &m, &msg, &n), IOT_OK);
		assert_true(n < 120);           /* against about 200 bytes whole */
		der_writer_dynamic(&w);
		assert_int_equal(eim_esipa(eim, msg, n, &w), IOT_OK);
		der_writer_free(&w);
		free(msg);
		rsp_arena_free(&a);
	}
	store_finalize(st);
	assert_int_equal(store_prepare(raw, "SELECT COUNT(*) FROM notification", &st), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_int_equal(store_col_int(st, 0), 2);
	store_finalize(st);
	store_close(raw);
	/* the SM-DP+ checks the eUICC's signature with the certificates the eIM added */
	assert_int_equal(eim_forward_notifications(eim, 64, &sent), IOT_OK);
	assert_int_equal(sent, 2);
	/* an order that wants a confirmation code the device cannot give: cancelled (postponed) */
	assert_int_equal(smdp_add_profile(dp, second, &info, upp, sizeof(upp)), IOT_OK);
	assert_int_equal(smdp_download_order(dp, "op", second, NULL, got, NULL), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, "op", second, NULL, "MIN-CC", "1234", true, made, NULL), IOT_OK);
	snprintf(ac, sizeof(ac), "LPA:1$" ADDRESS "$MIN-CC");
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_DOWNLOAD, (const uint8_t *)ac, strlen(ac), &id), IOT_OK);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	/* the SM-DP+ took the rebuilt, signed CancelSession: its owner hears of it
	 * (the report goes from the SM-DP+'s outbox, on a thread of its own) */
	assert_true(owner_side_wait_for(&owner, SMDP_POINT_BPP_DOWNLOAD, "8.8.5", "3.8"));
}

/* The device tells of a change the eIM did not make (here a fallback) and
 * where it is: recorded, and the eIM asks for the profiles again in that
 * same poll; a plain poll after it asks for nothing more. */
static void test_state_change(void **state)
{
	struct eim_euicc_state st;
	struct eim_profile profiles[8];
	struct eim_euicc u;
	size_t n;

	(void)state;
	first_contact();
	assert_int_equal(eim_euicc_profiles(eim, BOOT_EID_TEXT, profiles, 8, &n), IOT_OK);
	assert_int_equal(n, 0);
	assert_int_equal(eim_euicc_state(eim, BOOT_EID_TEXT, &st), IOT_OK);
	assert_int_equal(st.change_cause, -1);
	ipa_set_rplmn(ipa, (const uint8_t *)"\x62\xF2\x10");
	ipa_notify_state_change(ipa, IPA_CHANGE_FALLBACK);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_euicc_state(eim, BOOT_EID_TEXT, &st), IOT_OK);
	assert_int_equal(st.change_cause, 1);
	assert_string_equal(st.rplmn, "62F210");
	assert_true(st.changed_at > 0);
	/* the refresh ran: the eIM knows the bootstrap profile now */
	assert_int_equal(eim_euicc_profiles(eim, BOOT_EID_TEXT, profiles, 8, &n), IOT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(profiles[0].state, 1);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_int_equal(u.counter, 1);
	assert_int_equal(u.pending, 0);
	/* told once: the next poll is a plain one */
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_int_equal(u.counter, 1);
}

/* The device falls back on its own (no service for long) and tells the eIM
 * at its next poll, which learns the profiles again; then it returns. */
static void test_fallback_reported(void **state)
{
	static const uint8_t boot[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01 };
	struct eim_euicc_state st;
	struct eim_profile profiles[8];
	int64_t dl, en, fb;
	char boot_digits[21];
	size_t n;
	int result;

	(void)state;
	rsp_iccid_to_digits(boot, boot_digits);
	first_contact();
	dl = ordered_download(op_iccid, "FB-1");
	en = psmo(RSP_PSMO_ENABLE, op_iccid);
	/* no fallback profile yet: the eUICC says so, nothing changes, nothing to tell */
	assert_int_equal(ipa_switch_profile(ipa, IPA_EXECUTE_FALLBACK, &result), IOT_OK);
	assert_int_equal(result, 6);            /* fallbackNotAvailable */
	fb = psmo(RSP_PSMO_SET_FALLBACK_ATTRIBUTE, boot);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(dl, NULL), EIM_DONE);
	assert_int_equal(op_state(en, NULL), EIM_DONE);
	assert_int_equal(op_state(fb, NULL), EIM_DONE);
	assert_int_equal(eim_euicc_state(eim, BOOT_EID_TEXT, &st), IOT_OK);
	assert_int_equal(st.change_cause, -1);
	/* the fallback: the bootstrap profile is enabled, and the eIM hears of it */
	assert_int_equal(ipa_switch_profile(ipa, IPA_EXECUTE_FALLBACK, &result), IOT_OK);
	assert_int_equal(result, 0);
	assert_int_equal(ipa_poll_due_in(ipa), 0);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_euicc_state(eim, BOOT_EID_TEXT, &st), IOT_OK);
	assert_int_equal(st.change_cause, 1);   /* fallback */
	assert_int_equal(eim_euicc_profiles(eim, BOOT_EID_TEXT, profiles, 8, &n), IOT_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(profiles[i].state, strcmp(profiles[i].iccid, boot_digits) ? 0 : 1);
	/* and back */
	assert_int_equal(ipa_switch_profile(ipa, IPA_RETURN_FROM_FALLBACK, &result), IOT_OK);
	assert_int_equal(result, 0);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_euicc_profiles(eim, BOOT_EID_TEXT, profiles, 8, &n), IOT_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(profiles[i].state, strcmp(profiles[i].iccid, boot_digits) ? 1 : 0);
	/* no emergency profile on this eUICC */
	assert_int_equal(ipa_switch_profile(ipa, IPA_ENABLE_EMERGENCY, &result), IOT_OK);
	assert_int_equal(result, 8);            /* ecallNotAvailable */
}

/* Through eimd's HTTPS server: with the ASN.1 binding the BPP goes to the
 * device as it comes from the SM-DP+ (streamed), and is installed; an
 * SM-DP+ gone when the BPP is asked for gives undefinedError, the download
 * fails, the order stands. */
static void test_bpp_over_https(void **state)
{
	struct eim_server_config sc = { .coap_off = true };
	struct http_client_config hc = { .timeout_ms = 20000 };
	struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A", .profile_name = "IoT 2",
					  .profile_class = 2, .notification_address = ADDRESS };
	static const uint8_t second[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x30, 0xF2 };
	static uint8_t upp[40 * 1024];
	char cert[200], key[200], want[64];
	struct eim_server *srv;
	uint8_t *resp;
	size_t len;
	int64_t dl, code;
	int status;

	(void)state;
	fixture_tls_cert_for("localhost", pki.dir, "eim-tls", cert, sizeof(cert), key, sizeof(key));
	sc.eim = ec;
	sc.http = (struct http_server_config){ .cert_file = cert, .key_file = key, .threads = 2 };
	sc.metrics_open = true;
	assert_int_equal(eim_server_start(&sc, &srv), IOT_OK);
	hc.ca_file = cert;
	assert_int_equal(http_client_new(&hc, &via), IOT_OK);
	snprintf(via_url, sizeof(via_url), "https://localhost:%u/gsma/rsp2/asn1", eim_server_https_port(srv));
	first_contact();
	dl = ordered_download(op_iccid, "HTTPS-1");
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(dl, &code), EIM_DONE);
	/* the ASN.1 binding streams; the JSON binding (base64 inside JSON) cannot */
	snprintf(via_url, sizeof(via_url), "https://localhost:%u/metrics", eim_server_https_port(srv));
	assert_int_equal(http_client_request(via, "GET", via_url, NULL, NULL, 0, &status, &resp, &len), IOT_OK);
	snprintf(want, sizeof(want), "eim_bpp_streamed_total %d\n", ec.es9_json ? 0 : 1);
	{
		char text[1024];

		snprintf(text, sizeof(text), "%.*s", (int)len, (const char *)resp);
		assert_non_null(strstr(text, want));
	}
	free(resp);
	snprintf(via_url, sizeof(via_url), "https://localhost:%u/gsma/rsp2/asn1", eim_server_https_port(srv));
	/* a larger profile; the SM-DP+ goes away just before the BPP */
	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 31);
	assert_int_equal(smdp_add_profile(dp, second, &info, upp, sizeof(upp)), IOT_OK);
	dl = ordered_download(second, "HTTPS-2");
	stop_smdp_at_bpp = true;
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	stop_smdp_at_bpp = false;
	assert_int_equal(op_state(dl, &code), EIM_FAILED);
	assert_int_equal(code, 127);
	http_client_free(via);
	via = NULL;
	eim_server_stop(srv);
}

/* The remaining PSMOs in one package after a download; an operation that
 * expired is never sent; a MatchingID the SM-DP+ refuses fails the download. */
static void test_more_psmos_expiry_refusal(void **state)
{
	struct rsp_euicc_package pkg = { .choice = RSP_PACKAGE_PSMO_LIST };
	struct rsp_psmo p[4] = { { .choice = RSP_PSMO_SET_FALLBACK_ATTRIBUTE }, { .choice = RSP_PSMO_GET_RAT },
				 { .choice = RSP_PSMO_SET_DEFAULT_DP_ADDRESS }, { .choice = RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE } };
	struct store *raw;
	uint8_t *der, got[10];
	size_t len;
	int64_t dl, id, stale, code;
	char mid[65];

	(void)state;
	first_contact();
	assert_int_equal(smdp_download_order(dp, "op", op_iccid, NULL, got, NULL), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, "op", op_iccid, NULL, "REAL-1", NULL, true, mid, NULL), IOT_OK);
	/* a code the SM-DP+ refuses: matchingIdRefused, the download failed */
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_DOWNLOAD, (const uint8_t *)"LPA:1$" ADDRESS "$WRONG",
				       strlen("LPA:1$" ADDRESS "$WRONG"), &dl), IOT_OK);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(dl, &code), EIM_FAILED);
	assert_int_equal(code, 6);              /* matchingIdRefused, as the SM-DP+ said (either binding) */
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_DOWNLOAD, (const uint8_t *)"LPA:1$" ADDRESS "$REAL-1",
				       strlen("LPA:1$" ADDRESS "$REAL-1"), &dl), IOT_OK);
	p[0].u.set_fallback_attribute.iccid = RSP_BYTES(op_iccid, 10);
	p[2].u.set_default_dp_address.address = RSP_STR("dp.example.com");
	pkg.u.psmo_list.items = p;
	pkg.u.psmo_list.count = 4;
	assert_int_equal(rsp_encode_alloc(&rsp_t_euicc_package, &pkg, &der, &len), IOT_OK);
	assert_int_equal(eim_op_create(eim, BOOT_EID_TEXT, EIM_OP_PSMO, der, len, &id), IOT_OK);
	free(der);
	/* and one that expires before the device comes */
	stale = psmo(RSP_PSMO_LIST_PROFILE_INFO, NULL);
	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	{
		char sql[96];

		snprintf(sql, sizeof(sql), "UPDATE operation SET expires = 1 WHERE id = %lld", (long long)stale);
		assert_int_equal(store_exec(raw, sql), IOT_OK);
	}
	store_close(raw);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(op_state(dl, NULL), EIM_DONE);
	assert_int_equal(op_state(id, &code), EIM_DONE);
	assert_int_equal(code, 0);
	assert_int_equal(op_state(stale, NULL), EIM_EXPIRED);
}

/* The audit log: the results written with them, chained; an edited or a
 * removed entry is found. */
static void test_audit_chain(void **state)
{
	struct store *raw;
	int64_t entries, bad;

	(void)state;
	first_contact();
	psmo(RSP_PSMO_LIST_PROFILE_INFO, NULL);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim_audit(eim, "api:ops", "create", "operation:9", "pending"), IOT_OK);
	assert_int_equal(eim_audit_verify(eim, &entries, &bad), IOT_OK);
	assert_int_equal(entries, 3);           /* two results, one API call */
	assert_int_equal(store_open(eim_db, &raw), IOT_OK);
	assert_int_equal(store_exec(raw, "UPDATE audit SET outcome = 'failed code=0' WHERE id = 2"), IOT_OK);
	assert_int_equal(eim_audit_verify(eim, &entries, &bad), IOT_E_CRYPTO_MAC);
	assert_int_equal(bad, 2);
	assert_int_equal(store_exec(raw, "DELETE FROM audit WHERE id = 2"), IOT_OK);
	assert_int_equal(eim_audit_verify(eim, &entries, &bad), IOT_E_CRYPTO_MAC);
	assert_int_equal(bad, 2);
	store_close(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zero_touch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_answer_resent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_request_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_and_replayed_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eco_delete_and_smdp_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_ended_by_pir_notification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download_ended_by_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notifications_kept_until_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpp_over_https, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minimized_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_psmos_expiry_refusal, setup, teardown),
	};
	int failed;

	curve = CRYPTO_P256;
	failed = cmocka_run_group_tests_name("eim core, NIST P-256", tests, NULL, NULL);
	curve = CRYPTO_BRAINPOOL_P256R1;
	failed += cmocka_run_group_tests_name("eim core, brainpoolP256r1", tests, NULL, NULL);
	return failed;
}
