/* More of the eIM core in its test world (eim_world.c), both curves:
 * notifications kept until forwarded, the BPP over HTTPS, state changes,
 * compact messages (minimizeEsipaBytes), a fallback reported, more PSMOs,
 * expiry and refusals, the audit chain. */
#include "eim_world.h"

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
	world_server = srv;
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
	world_server = NULL;
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

/* eimd's server queues a poll's bookkeeping (last contact, binding, the
 * autopilot's counters) and writes it in the background: the answer first,
 * then many polls in one transaction; nothing of it before the flush. */
static void test_poll_bookkeeping_queued(void **state)
{
	struct eim_poll_queue *q;
	struct eim *queued;
	struct eim_euicc u;
	unsigned done = 0;
	(void)state;

	assert_int_equal(eim_euicc_register(eim, BOOT_EID_TEXT, "fleet=a"), IOT_OK);
	assert_int_equal(eim_poll_queue_new(&q), IOT_OK);
	ec.polls = q;
	assert_int_equal(eim_open(&ec, &queued), IOT_OK);
	eim_close(eim);
	eim = queued;                   /* the device's polls now reach the queueing core */
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_true(eim_poll_queue_len(q) >= 2);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_int_equal(u.last_contact, 0);
	assert_int_equal(store_count("SELECT COUNT(*) FROM health WHERE eid = $1", BOOT_EID_TEXT, NULL), 0);
	assert_int_equal(eim_poll_flush(eim, 0, &done), IOT_OK);
	assert_int_equal(eim_poll_queue_len(q), 0);
	assert_int_equal(eim_euicc_get(eim, BOOT_EID_TEXT, &u), IOT_OK);
	assert_true(u.last_contact > 0);
	assert_int_equal(store_count("SELECT COUNT(*) FROM health WHERE eid = $1", BOOT_EID_TEXT, NULL), 1);
	ec.polls = NULL;
	eim_close(eim);
	assert_int_equal(eim_open(&ec, &eim), IOT_OK);
	eim_poll_queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_poll_bookkeeping_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notifications_kept_until_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpp_over_https, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_minimized_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_psmos_expiry_refusal, setup, teardown),
	};

	return eim_world_run("eim core, more", tests, sizeof(tests) / sizeof(tests[0]));
}
