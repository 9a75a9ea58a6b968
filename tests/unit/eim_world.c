/* The eIM core's test world (tests/unit/eim_world.h). */
#include "eim_world.h"

enum crypto_curve curve;
struct fixture_pki pki;
struct smdp_credentials creds;
struct smdp_server *smdp_https;
struct smdp_server_config ss;    /* to start the SM-DP+ again */
struct owner_side owner;         /* the profile owner's server: the SM-DP+'s progress reports */
struct smdp_es2_client owner_client = { "op", "op-token", owner.url, NULL };
int drop_results;
struct eim_config ec;            /* to start eimd's server on the same store */
struct http_client *via;         /* ESipa through eimd's HTTPS server, not straight in */
struct eim_server *world_server;
char via_url[128];
bool stop_smdp_at_bpp;           /* the SM-DP+ goes when the BPP is asked for */
uint16_t restart_smdp_port;      /* the SM-DP+ comes back on it after a failed trigger's result */
struct smdp *dp;
struct euicc *euicc;
struct eim *eim;
struct ipa *ipa;
static char db[512], smdp_cert[200], smdp_key[200], connect[128];
char eim_db[512];
bool drop_answer;                /* the eIM's next answer is lost on the way */
int64_t messages;
uint8_t packages[2][4096];      /* the first two getEimPackage answers carrying a package */
size_t package_len[2], package_count;
int compact_pirs;               /* handleNotification carrying a compact installation result */
int pir_by_notification;        /* trigger results turned into handleNotification of their PIR, answers lost */
int swallow_pdt_results;        /* trigger results lost before the eIM sees them */
const uint8_t op_iccid[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x20, 0xF3 };

iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
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

iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
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

iot_err reset(void *ctx)
{
	(void)ctx;
	euicc_reset(euicc);
	return IOT_OK;
}

int setup(void **state)
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

int teardown(void **state)
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

enum eim_op_state op_state(int64_t id, int64_t *code)
{
	struct eim_op op;

	assert_int_equal(eim_op_get(eim, id, &op), IOT_OK);
	if (code)
		*code = op.result_code;
	eim_op_free(&op);
	return op.state;
}

int64_t psmo(int choice, const uint8_t *iccid)
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
int64_t ordered_download(const uint8_t *iccid, const char *mid)
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

void first_contact(void)
{
	struct eim_euicc u;

	assert_int_equal(eim_euicc_register(eim, BOOT_EID_TEXT, "fleet=a"), IOT_OK);
	assert_int_equal(eim_euicc_register(eim, BOOT_EID_TEXT, NULL), IOT_E_REFUSED);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	if (world_server)
		assert_int_equal(eim_server_flush_polls(world_server), IOT_OK);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_true(u.has_cert);
	assert_true(u.has_token);
	assert_int_equal(u.pending, 0);
	assert_true(u.last_contact > 0);
}

/* A count the store gives (sql with text parameters a, b; NULL: none). */
int64_t store_count(const char *sql, const char *a, const char *b)
{
	return test_store_int(eim_db, sql, a, b);
}

int eim_world_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	return test_run_both_curves(name, tests, n, &curve);
}
