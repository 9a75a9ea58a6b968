/* libipa's ESipa procedures against an eIM played by the test (eim_side.c)
 * and the software eUICC, with the SM-DP+ in-process behind the eIM (indirect
 * download) or reached directly (ES9+), on both curves: eIM selection, empty
 * polls and the back-off, PSMOs with the card reset after a profile switch,
 * results kept until acknowledged, replayed and forged packages, eUICC data
 * requests, downloads triggered either way, connectivity lost at each step,
 * power cuts during a download and before its result was delivered,
 * malformed and refusing eIM answers. */
#include "testutil.h"
#include "fixture.h"
#include "eim_side.h"

#include <stdio.h>

#include "ipacore/ipa.h"
#include "rsp/rsp.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"

static enum crypto_curve curve;
static struct fixture_pki pki;
static struct smdp_credentials creds;
static struct smdp *dp;
static struct euicc *euicc;
static struct eim_side eim;
static struct ipa *ipa;
static char db_url[200];
static uint64_t clock_ms = 1000000;
static uint8_t record[512];
static size_t record_len;
static unsigned resets;
static int power_cut_after = -1;        /* APDUs left before the power goes (-1: never) */
static int power_cut_in_bpp = -1;       /* the same, counted from the BPP's first APDU */
static bool smdp_direct_down;
static const uint8_t boot_iccid[10] = { 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t op_iccid[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x20, 0xF3 };
static const uint8_t op2_iccid[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x30, 0xF4 };

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	(void)ctx;
	if (power_cut_in_bpp >= 0 && len > 7 && apdu[1] == 0xE2 && apdu[5] == 0xBF && apdu[6] == 0x36) {
		power_cut_after = power_cut_in_bpp;
		power_cut_in_bpp = -1;
	}
	if (power_cut_after == 0) {
		euicc_reset(euicc);
		return IOT_E_CARD;
	}
	if (power_cut_after > 0)
		power_cut_after--;
	return euicc_transmit(euicc, apdu, len, resp, cap, resp_len);
}

static iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	(void)ctx;
	assert_string_equal(e->fqdn, "eim.iotrsp.test");
	if (power_cut_after == 0)
		return IOT_E_IO;
	return eim_side_handle(&eim, req, len, resp, resp_len);
}

static iot_err es9(void *ctx, const char *address, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
	struct der_writer w;

	(void)ctx;
	assert_string_equal(address, ADDRESS);
	if (smdp_direct_down)
		return IOT_E_IO;
	der_writer_dynamic(&w);
	assert_int_equal(smdp_es9(dp, req, len, &w, NULL), IOT_OK);
	*resp = w.buf;
	*resp_len = w.len;
	return IOT_OK;
}

static iot_err save(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	assert_true(len <= sizeof(record));
	if (len)
		memcpy(record, rec, len);
	record_len = len;
	return IOT_OK;
}

static iot_err load(void *ctx, uint8_t *rec, size_t cap, size_t *len)
{
	(void)ctx;
	if (!record_len)
		return IOT_E_NOT_FOUND;
	assert_true(record_len <= cap);
	memcpy(rec, record, record_len);
	*len = record_len;
	return IOT_OK;
}

static uint64_t now_ms(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

static iot_err reset(void *ctx)
{
	(void)ctx;
	resets++;
	euicc_reset(euicc);
	return IOT_OK;
}

static struct ipa *new_ipa(bool direct)
{
	struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .es9 = direct ? es9 : NULL, .save = save,
				  .load = load, .now_ms = now_ms, .reset = reset };
	struct ipa_config c = { .tac = (const uint8_t *)"\x35\x29\x06\x11", .poll_interval_s = 3600,
				.retry_min_s = 10, .retry_max_s = 600 };
	struct ipa *out;

	assert_int_equal(ipa_new(&p, &c, &out), IOT_OK);
	return out;
}

static const uint8_t ipa_gsma_aid[16] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					  0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };

/* An IPA that says more of its device (IMEI, capabilities) and names the ISD-R's AID. */
static struct ipa *new_ipa_identified(const uint8_t *aid, size_t aid_len)
{
	static struct rsp_device_capabilities caps = {
		.has_eutran_epc_supported_release = true, .eutran_epc_supported_release = RSP_STR("\x0F\x00\x00"),
		.has_lpa_svn = true, .lpa_svn = RSP_STR("\x02\x05\x00"),
	};
	struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .save = save, .load = load, .now_ms = now_ms,
				  .reset = reset };
	struct ipa_config c = { .tac = (const uint8_t *)"\x35\x29\x06\x11", .poll_interval_s = 3600,
				.retry_min_s = 10, .retry_max_s = 600,
				.imei = (const uint8_t *)"\x35\x29\x06\x11\x22\x33\x44\x5F", .capabilities = &caps,
				.isd_r_aid = aid, .isd_r_aid_len = aid_len };
	struct ipa *out;

	assert_int_equal(ipa_new(&p, &c, &out), IOT_OK);
	return out;
}

static void add_profile(const uint8_t *iccid, const char *notify)
{
	struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A", .profile_name = "IoT",
					  .profile_class = 2, .notification_address = notify };
	static uint8_t upp[12 * 1024];

	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 7);
	assert_int_equal(smdp_add_profile(dp, iccid, &info, upp, sizeof(upp)), IOT_OK);
}

static void order(const uint8_t *iccid, const char *matching_id)
{
	uint8_t got[10];
	char mid[65];

	assert_int_equal(smdp_download_order(dp, "op", iccid, NULL, got, NULL), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, "op", iccid, NULL, matching_id, NULL, true, mid, NULL), IOT_OK);
}

static int setup_with(bool indirect)
{
	static const uint8_t md_boot[] = { 0xBF, 0x25, 0x17, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01,
					   0x91, 0x02, 'O', 'p', 0x92, 0x02, 'B', 'P', 0x95, 0x01, 0x01 };
	struct smdp_config sc;
	const uint8_t *resp;
	uint8_t *req;
	size_t len, n;

	fixture_pki_make(&pki, curve);
	snprintf(db_url, sizeof(db_url), "sqlite:%s/smdp.db", pki.dir);
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	sc = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db_url };
	assert_int_equal(smdp_open(&sc, &dp), IOT_OK);
	add_profile(op_iccid, "eim.iotrsp.test");
	add_profile(op2_iccid, NULL);
	euicc = fixture_euicc(&pki);
	assert_int_equal(euicc_preload_profile(euicc, md_boot, sizeof(md_boot), (const uint8_t *)"b", 1, true), IOT_OK);
	eim_side_init(&eim, curve, euicc_eid(euicc));
	eim.dp = dp;
	eim.smdp_address = ADDRESS;
	eim.indirect = indirect;
	record_len = 0;
	resets = 0;
	power_cut_after = power_cut_in_bpp = -1;
	smdp_direct_down = false;
	ipa = new_ipa(!indirect);
	/* IOTRSP_IPA_CORPUS=DIR: each test's eIM answers become a seed of fuzz_ipa_poll */
	if (getenv("IOTRSP_IPA_CORPUS")) {
		static unsigned seed;
		char path[300];

		snprintf(path, sizeof(path), "%s/seed-%02u", getenv("IOTRSP_IPA_CORPUS"), seed++);
		eim.transcript = fopen(path, "wb");
	}
	/* the factory: the initial eIM (SGP.32 5.9.x ES10b.AddInitialEim) */
	eim_side_add_initial_eim_request(&eim, false, &req, &n);
	assert_int_equal(ipa_es10(ipa, req, n, &resp, &len), IOT_OK);
	eim_side_set_token(&eim, resp, len);
	free(req);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_with(true);
}

static int setup_direct(void **state)
{
	(void)state;
	return setup_with(false);
}

static int teardown(void **state)
{
	(void)state;
	if (eim.transcript)
		fclose(eim.transcript);
	ipa_free(ipa);
	eim_side_free(&eim);
	euicc_free(euicc);
	smdp_close(dp);
	fixture_pki_remove(&pki);
	return 0;
}

/* ---- what the eUICC holds ---- */

static size_t count_on_euicc(bool results)
{
	struct rsp_retrieve_notifications_list_request q = { 0 };
	struct rsp_retrieve_notifications_list_response r;
	struct rsp_arena a;
	const uint8_t *resp;
	uint8_t *req;
	size_t len, n;

	q.has_search_criteria = results;
	q.search_criteria.choice = RSP_SEARCH_EUICC_PACKAGE_RESULTS;
	assert_int_equal(rsp_encode_alloc(&rsp_t_retrieve_notifications_list_request, &q, &req, &n), IOT_OK);
	assert_int_equal(ipa_es10(ipa, req, n, &resp, &len), IOT_OK);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_retrieve_notifications_list_response, resp, len, &r, &a), IOT_OK);
	n = r.choice == RSP_RETRIEVE_NOTIF_LIST ? r.u.notification_list.count :
	    r.choice == RSP_RETRIEVE_NOTIF_EPR_LIST ? r.u.euicc_package_result_list.count : 0;
	rsp_arena_free(&a);
	free(req);
	return n;
}

/* The state of the profile iccid: 1 enabled, 0 disabled, -1 absent. */
static int profile_state(const uint8_t *iccid)
{
	struct rsp_profile_info_list_response r;
	struct rsp_arena a;
	const uint8_t *resp;
	size_t len;
	int st = -1;

	assert_int_equal(ipa_es10(ipa, (const uint8_t *)"\xBF\x2D\x00", 3, &resp, &len), IOT_OK);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_profile_info_list_response, resp, len, &r, &a), IOT_OK);
	for (size_t i = 0; i < r.u.ok.count; i++)
		if (r.u.ok.items[i].has_iccid && !memcmp(r.u.ok.items[i].iccid.ptr, iccid, 10))
			st = (int)r.u.ok.items[i].profile_state;
	rsp_arena_free(&a);
	return st;
}

static struct rsp_psmo psmo_iccid(int choice, const uint8_t *iccid)
{
	struct rsp_psmo p = { .choice = choice };

	if (choice == RSP_PSMO_ENABLE)
		p.u.enable.iccid = RSP_BYTES(iccid, 10);
	else
		p.u.disable.iccid = RSP_BYTES(iccid, 10);
	return p;
}

/* ---- the tests ---- */

static void test_select_and_empty_poll(void **state)
{
	struct ipa_eim e;
	uint64_t due;

	(void)state;
	assert_int_equal(ipa_eim_select(ipa, &e), IOT_OK);
	assert_string_equal(e.id, "eim.iotrsp.test");
	assert_string_equal(e.fqdn, "eim.iotrsp.test");
	assert_false(e.coaps);
	assert_true(e.indirect_download);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.messages, 1);      /* getEimPackage: noEimPackageAvailable */
	assert_int_equal(ipa_stats(ipa)->polls, 1);
	/* the card session began with TERMINAL CAPABILITY (TS 102 221 11.1.19): eUICC-related capabilities */
	{
		size_t n;
		const uint8_t *tc = euicc_terminal_capability(euicc, &n);

		assert_int_equal(n, 5);
		assert_memory_equal(tc, "\xA9\x03\x83\x01\x07", 5);
	}
	/* the next poll within [interval/2, interval] */
	due = ipa_poll_due_in(ipa);
	assert_true(due >= 1800000 && due <= 3600000);
	ipa_poll_now(ipa);
	assert_int_equal(ipa_poll_due_in(ipa), 0);
}

static void test_psmo_enable_with_reset(void **state)
{
	struct rsp_psmo p[2];

	(void)state;
	order(op_iccid, "ZT-1");
	eim_side_queue_pdt(&eim, "LPA:1$" ADDRESS "$ZT-1");
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.pdt_installed, 1);
	assert_int_equal(profile_state(op_iccid), 0);
	/* the PIR was acknowledged: off the eUICC */
	assert_int_equal(count_on_euicc(false), 0);

	p[0] = psmo_iccid(RSP_PSMO_ENABLE, op_iccid);
	p[1] = (struct rsp_psmo){ .choice = RSP_PSMO_LIST_PROFILE_INFO };
	eim_side_queue_psmos(&eim, p, 2);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.eprs, 1);
	assert_int_equal(resets, 1);            /* the switch refreshed the card */
	assert_int_equal(profile_state(op_iccid), 1);
	assert_int_equal(profile_state(boot_iccid), 0);
	/* the enable notification travelled with the result; both acknowledged */
	assert_int_equal(eim.notifications_in_results, 1);
	assert_int_equal(count_on_euicc(true), 0);
	assert_int_equal(count_on_euicc(false), 0);
	assert_int_equal(ipa_stats(ipa)->packages, 1);
}

/* SGP.32 ES10b.ProfileRollback: an enable with rollbackFlag after which the
 * eIM cannot be reached is undone once the deadline passes, and both
 * results reach the eIM from the old profile; one after which it can be
 * reached stays. */
static void test_enable_with_rollback(void **state)
{
	struct rsp_psmo p;
	uint64_t due;

	(void)state;
	order(op_iccid, "RB-1");
	eim_side_queue_pdt(&eim, "LPA:1$" ADDRESS "$RB-1");
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.pdt_installed, 1);

	/* the new profile reaches nothing: the result is not delivered */
	p = psmo_iccid(RSP_PSMO_ENABLE, op_iccid);
	p.u.enable.rollback_flag = true;
	eim_side_queue_psmos(&eim, &p, 1);
	eim.fault = EIM_FAULT_DROP;
	eim.fault_tag = 0xBF50;
	eim.fault_count = 1000;
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(profile_state(op_iccid), 1);
	assert_true(ipa_rollback_armed(ipa, &due));
	assert_int_equal(due, 600000);
	/* failing before the deadline changes nothing */
	clock_ms += 599999;
	eim.fault_tag = 0;
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(profile_state(op_iccid), 1);
	assert_int_equal(ipa_stats(ipa)->rollbacks, 0);
	/* past it: back to the bootstrap profile, the card refreshed */
	clock_ms += 1;
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(ipa_stats(ipa)->rollbacks, 1);
	assert_false(ipa_rollback_armed(ipa, NULL));
	assert_int_equal(profile_state(op_iccid), 0);
	assert_int_equal(profile_state(boot_iccid), 1);
	assert_int_equal(resets, 2);
	assert_int_equal(ipa_poll_due_in(ipa), 0);
	/* on it the eIM gets the enable's result and the rollback's, both signed */
	eim.fault = EIM_FAULT_NONE;
	eim.fault_count = 0;
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.eprs, 2);
	assert_int_equal(count_on_euicc(true), 0);

	/* reached on the new profile: confirmed, no rollback ever */
	eim_side_queue_psmos(&eim, &p, 1);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_false(ipa_rollback_armed(ipa, NULL));
	clock_ms += 700000;
	eim.fault = EIM_FAULT_DROP;
	eim.fault_count = 1;
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(ipa_stats(ipa)->rollbacks, 1);
	assert_int_equal(profile_state(op_iccid), 1);
	eim.fault = EIM_FAULT_NONE;
}

static void test_results_kept_until_acknowledged(void **state)
{
	struct rsp_psmo p = psmo_iccid(RSP_PSMO_ENABLE, boot_iccid);

	(void)state;
	p = (struct rsp_psmo){ .choice = RSP_PSMO_LIST_PROFILE_INFO };
	eim.no_acks = true;
	eim_side_queue_psmos(&eim, &p, 1);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.eprs, 1);
	assert_int_equal(count_on_euicc(true), 1);
	/* lost answer: the result is delivered again at the next poll, then acknowledged */
	eim.no_acks = false;
	eim.fault = EIM_FAULT_DROP;
	eim.fault_tag = 0xBF50;
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(count_on_euicc(true), 1);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.eprs, 2);
	assert_int_equal(count_on_euicc(true), 0);
}

static void test_replayed_and_forged_packages(void **state)
{
	struct rsp_psmo p = psmo_iccid(RSP_PSMO_DISABLE, boot_iccid);
	struct rsp_eim_package_result r;
	struct rsp_provide_eim_package_result pr;
	struct rsp_esipa_message_from_ipa m;
	struct rsp_arena a;

	(void)state;
	eim_side_queue_psmos_counter(&eim, &p, 1, 5, true);    /* a forged signature */
	eim_side_queue_psmos_counter(&eim, &p, 1, 0, false);   /* counterValue not above the last */
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.results, 2);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_esipa_message_from_ipa, eim.last_result, eim.last_result_len, &m, &a), IOT_OK);
	pr = m.u.provide_eim_package_result;
	r = pr.eim_package_result;
	assert_int_equal(r.choice, RSP_EIM_RESULT_EPR);
	assert_int_equal(r.u.epr.choice, RSP_EPR_ERROR_SIGNED);
	assert_int_equal(r.u.epr.u.error_signed.data.euicc_package_error_code, RSP_EPE_REPLAY_ERROR);
	rsp_arena_free(&a);
	/* nothing was applied */
	assert_int_equal(profile_state(boot_iccid), 1);
	assert_int_equal(resets, 0);
}

static void test_data_request(void **state)
{
	static const uint8_t tags[] = { 0xBF, 0x20, 0xBF, 0x22, 0x81, 0x83, 0x84, 0xA5, 0xA6, 0xA8, 0xA9, 0xA0, 0xA2 };
	struct rsp_esipa_message_from_ipa m;
	const struct rsp_ipa_euicc_data_response *d;
	struct rsp_arena a;

	(void)state;
	eim_side_queue_data_request(&eim, tags, sizeof(tags));
	eim_side_queue_data_request(&eim, (const uint8_t *)"\xBF\x20\x99", 3);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.data_responses, 2);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_esipa_message_from_ipa, eim.last_result, eim.last_result_len, &m, &a), IOT_OK);
	d = &m.u.provide_eim_package_result.eim_package_result.u.ipa_euicc_data_response;
	assert_int_equal(d->choice, RSP_IPA_EUICC_DATA_ERROR);
	assert_int_equal(d->u.error.error_code, RSP_IPA_DATA_ERR_INCORRECT_TAG_LIST);
	assert_true(d->u.error.has_eim_transaction_id);
	rsp_arena_free(&a);
	ipa_free(ipa);
	ipa = new_ipa_identified(ipa_gsma_aid, sizeof(ipa_gsma_aid));
	eim_side_queue_data_request(&eim, tags, sizeof(tags));
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_esipa_message_from_ipa, eim.last_result, eim.last_result_len, &m, &a), IOT_OK);
	assert_true(m.u.provide_eim_package_result.has_eid_value);
	assert_memory_equal(m.u.provide_eim_package_result.eid_value.ptr, euicc_eid(euicc), 16);
	d = &m.u.provide_eim_package_result.eim_package_result.u.ipa_euicc_data_response;
	assert_int_equal(d->choice, RSP_IPA_EUICC_DATA);
	assert_true(d->u.data.has_euicc_info1 && d->u.data.has_euicc_info2);
	assert_true(d->u.data.has_root_smds_address && d->u.data.has_association_token);
	assert_int_equal(d->u.data.association_token, eim.token);
	assert_true(d->u.data.has_eum_certificate && d->u.data.has_euicc_certificate);
	assert_true(d->u.data.has_ipa_capabilities && d->u.data.has_device_info);
	assert_memory_equal(d->u.data.device_info.tac.ptr, "\x35\x29\x06\x11", 4);
	/* the device's identity as configured: IMEI and capabilities */
	assert_true(d->u.data.device_info.has_imei);
	assert_memory_equal(d->u.data.device_info.imei.ptr, "\x35\x29\x06\x11\x22\x33\x44\x5F", 8);
	assert_true(d->u.data.device_info.device_capabilities.has_eutran_epc_supported_release);
	assert_memory_equal(d->u.data.device_info.device_capabilities.eutran_epc_supported_release.ptr, "\x0F\x00\x00", 3);
	assert_true(d->u.data.device_info.device_capabilities.has_lpa_svn);
	assert_true(d->u.data.has_notifications_list && d->u.data.has_euicc_package_result_list);
	assert_true(d->u.data.has_eim_transaction_id);
	rsp_arena_free(&a);
	/* an eUICC whose ISD-R has another AID: not this one, so nothing is reached */
	ipa_free(ipa);
	ipa = new_ipa_identified((const uint8_t *)"\xA0\x00\x00\x09\x99\x01", 6);
	eim_side_queue_data_request(&eim, tags, sizeof(tags));
	assert_int_equal(ipa_poll(ipa), IOT_E_CARD);
	{
		struct ipa_platform p = { .transmit = transmit, .esipa = esipa };
		struct ipa_config c = { .isd_r_aid = (const uint8_t *)"\xA0\x00\x00\x05", .isd_r_aid_len = 4 };
		struct ipa *bad;

		assert_int_equal(ipa_new(&p, &c, &bad), IOT_E_ARG);       /* not an AID */
	}
}

static void test_pdt_without_activation_code(void **state)
{
	(void)state;
	/* the eIM holds the order: SM-DP+ address and MatchingID come from it */
	order(op2_iccid, "HELD-1");
	eim.matching_id = "HELD-1";
	eim_side_queue_pdt(&eim, NULL);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.pdt_installed, 1);
	assert_int_equal(profile_state(op2_iccid), 0);
	assert_int_equal(count_on_euicc(false), 0);
	/* a refused MatchingID: the result is profileDownloadError */
	eim.matching_id = "WRONG";
	eim_side_queue_pdt(&eim, NULL);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.pdt_results, 2);
	assert_int_equal(eim.last_pdt_error, 127);
	assert_int_equal(record_len, 0);
}

static void test_direct_download(void **state)
{
	enum smdp_state st;

	(void)state;
	order(op_iccid, "DIRECT-1");
	eim_side_queue_pdt(&eim, "LPA:1$" ADDRESS "$DIRECT-1");
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.pdt_installed, 1);
	assert_int_equal(smdp_profile_state(dp, op_iccid, &st), IOT_OK);
	assert_int_equal(st, SMDP_INSTALLED);
	assert_int_equal(count_on_euicc(false), 0);
	/* the eIM saw no ES9+ traffic: getEimPackage, the result, getEimPackage */
	assert_int_equal(eim.messages, 3);
}

/* Connectivity lost at each step of an indirect download: the next poll
 * cancels the session and reports the failure; the order stands. */
static void test_connectivity_lost(void **state)
{
	static const uint32_t steps[] = { 0xBF39, 0xBF3B, 0xBF3A };
	enum smdp_state st;

	(void)state;
	order(op_iccid, "LOST-1");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		eim_side_queue_pdt(&eim, "LPA:1$" ADDRESS "$LOST-1");
		eim.fault = EIM_FAULT_DROP;
		eim.fault_tag = steps[i];
		assert_int_equal(ipa_poll(ipa), IOT_E_IO);
		assert_int_not_equal(record_len, 0);
		assert_true(ipa_poll_due_in(ipa) >= 5000);
		assert_int_equal(ipa_poll(ipa), IOT_OK);
		assert_int_equal(record_len, 0);
		assert_int_equal(eim.pdt_results, i + 1);
		assert_int_equal(eim.last_pdt_error, 127);
		assert_int_equal(profile_state(op_iccid), -1);
	}
	assert_int_equal(smdp_profile_state(dp, op_iccid, &st), IOT_OK);
	assert_int_equal(st, SMDP_RELEASED);
	/* then it goes through */
	eim_side_queue_pdt(&eim, "LPA:1$" ADDRESS "$LOST-1");
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.pdt_installed, 1);
}

/* Power cut while the BPP goes in: a new IPA (a restarted device) finds the
 * record, cancels, reports; power cut after installation but before the
 * result left: the PIR is found on the eUICC and reported, once. */
static void test_power_cuts(void **state)
{
	(void)state;
	order(op_iccid, "CUT-1");
	eim_side_queue_pdt(&eim, "LPA:1$" ADDRESS "$CUT-1");
	power_cut_in_bpp = 20;          /* within the BPP's segments */
	assert_int_not_equal(ipa_poll(ipa), IOT_OK);
	power_cut_after = -1;
	ipa_free(ipa);
	ipa = new_ipa(false);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	/* the eUICC itself reported the interruption (installFailedDueToInterruption) */
	assert_int_equal(eim.pdt_results, 1);
	assert_int_equal(eim.last_pdt_error, -1);
	assert_int_equal(eim.pdt_installed, 0);
	assert_int_equal(profile_state(op_iccid), -1);
	assert_int_equal(record_len, 0);
	assert_int_equal(count_on_euicc(false), 0);

	/* the order stands (the SM-DP+ took the failed PIR); installed, then
	 * the result lost twice and the device restarted */
	eim_side_queue_pdt(&eim, "LPA:1$" ADDRESS "$CUT-1");
	eim.fault = EIM_FAULT_DROP;
	eim.fault_tag = 0xBF50;
	eim.fault_count = 2;
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(profile_state(op_iccid), 0);
	ipa_free(ipa);
	ipa = new_ipa(false);
	assert_int_equal(ipa_poll(ipa), IOT_E_IO);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.pdt_installed, 1);
	assert_int_equal(eim.last_pdt_error, -1);
	assert_int_equal(count_on_euicc(false), 0);
	assert_int_equal(record_len, 0);
}

static void test_malformed_and_refusing_eim(void **state)
{
	struct rsp_psmo p = psmo_iccid(RSP_PSMO_DISABLE, boot_iccid);
	uint64_t first, second;

	(void)state;
	eim_side_queue_psmos(&eim, &p, 1);
	eim.fault = EIM_FAULT_GARBAGE;
	eim.fault_tag = 0xBF4F;
	assert_int_not_equal(ipa_poll(ipa), IOT_OK);
	first = ipa_poll_due_in(ipa);
	eim.fault = EIM_FAULT_WRONG_MESSAGE;
	eim.fault_tag = 0xBF4F;
	assert_int_equal(ipa_poll(ipa), IOT_E_ASN1_TAG);
	second = ipa_poll_due_in(ipa);
	assert_int_equal(ipa_stats(ipa)->rejected, 2);
	/* nothing executed; the back-off grew: [5 s, 10 s] then [10 s, 20 s] */
	assert_int_equal(profile_state(boot_iccid), 1);
	assert_true(first >= 5000 && first <= 10000);
	assert_true(second >= 10000 && second <= 20000);
	/* the package is still there and runs now */
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(profile_state(boot_iccid), 0);
	/* an eIM that does not know the EID */
	eim.eid[0] ^= 1;
	assert_int_equal(ipa_poll(ipa), IOT_E_REFUSED);
}

static void test_card_reset_between_polls(void **state)
{
	struct rsp_psmo p = { .choice = RSP_PSMO_LIST_PROFILE_INFO };

	(void)state;
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	euicc_reset(euicc);             /* the modem reset the card */
	eim_side_queue_psmos(&eim, &p, 1);
	assert_int_equal(ipa_poll(ipa), IOT_OK);
	assert_int_equal(eim.eprs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select_and_empty_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psmo_enable_with_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_kept_until_acknowledged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_with_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replayed_and_forged_packages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pdt_without_activation_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_download, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_connectivity_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cuts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_refusing_eim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_card_reset_between_polls, setup, teardown),
	};
	int failed;

	curve = CRYPTO_P256;
	failed = cmocka_run_group_tests_name("ipa over ESipa, NIST P-256", tests, NULL, NULL);
	curve = CRYPTO_BRAINPOOL_P256R1;
	failed += cmocka_run_group_tests_name("ipa over ESipa, brainpoolP256r1", tests, NULL, NULL);
	return failed;
}
