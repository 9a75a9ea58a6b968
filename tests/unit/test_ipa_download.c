/* libipa's direct download against smdpd's server over HTTPS (ASN.1
 * binding) into the software eUICC on a logical channel, both curves:
 * activation codes, the nominal path (PIR delivered, then removed from the
 * eUICC), a confirmation code, a refused MatchingID, an SM-DP+ that is down. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>

#include "ipacore/ipa.h"
#include "net/http.h"
#include "rsp/rsp.h"
#include "smdp/server.h"

#define ADDRESS "smdp.iotrsp.test"

static enum crypto_curve curve;
static struct fixture_pki pki;
static struct smdp_credentials creds;
static struct smdp_server *server;
static struct smdp *dp;
static struct euicc *euicc;
static struct http_client *client;
static struct ipa *ipa;
static char db_url[200], tls_cert[200], tls_key[200], url[128];
static bool smdp_down;
static const uint8_t iccid[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x20, 0xF3 };

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	(void)ctx;
	return euicc_transmit(euicc, apdu, len, resp, cap, resp_len);
}

static iot_err es9(void *ctx, const char *address, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	int status;
	iot_err err;

	(void)ctx;
	assert_string_equal(address, ADDRESS);
	if (smdp_down)
		return IOT_E_IO;
	err = http_client_post(client, url, headers, req, len, &status, resp, resp_len);
	if (err == IOT_OK && status != 200 && status != 204) {
		free(*resp);
		return IOT_E_IO;
	}
	return err;
}

static int setup(void **state)
{
	struct smdp_server_config sc = { 0 };
	struct http_client_config cc = { 0 };
	struct ipa_platform p = { .transmit = transmit, .es9 = es9 };
	struct ipa_config ic = { .tac = (const uint8_t *)"\x35\x29\x06\x11" };
	struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A", .profile_name = "IoT",
					  .profile_class = 2 };
	static uint8_t upp[12 * 1024];

	(void)state;
	fixture_pki_make(&pki, curve);
	fixture_tls_cert(pki.dir, "tls", tls_cert, sizeof(tls_cert), tls_key, sizeof(tls_key));
	snprintf(db_url, sizeof(db_url), "sqlite:%s/smdp.db", pki.dir);
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	sc.smdp = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db_url };
	sc.http = (struct http_server_config){ .cert_file = tls_cert, .key_file = tls_key, .threads = 2 };
	assert_int_equal(smdp_server_start(&sc, &server), IOT_OK);
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/asn1", smdp_server_port(server));
	assert_int_equal(smdp_open(&sc.smdp, &dp), IOT_OK);
	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 5);
	assert_int_equal(smdp_add_profile(dp, iccid, &info, upp, sizeof(upp)), IOT_OK);
	cc.ca_file = tls_cert;
	assert_int_equal(http_client_new(&cc, &client), IOT_OK);
	euicc = fixture_euicc(&pki);
	assert_int_equal(ipa_new(&p, &ic, &ipa), IOT_OK);
	smdp_down = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ipa_free(ipa);
	euicc_free(euicc);
	http_client_free(client);
	smdp_close(dp);
	smdp_server_stop(server);
	fixture_pki_remove(&pki);
	return 0;
}

static void order(const char *matching_id, const char *cc)
{
	uint8_t got[10];
	char mid[65];

	assert_int_equal(smdp_download_order(dp, "op", iccid, NULL, got, NULL), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, "op", iccid, NULL, matching_id, cc, true, mid, NULL), IOT_OK);
}

static enum smdp_state state_of(void)
{
	enum smdp_state st;

	assert_int_equal(smdp_profile_state(dp, iccid, &st), IOT_OK);
	return st;
}

static void test_activation_codes(void **state)
{
	struct ipa_activation_code ac;

	(void)state;
	assert_int_equal(ipa_parse_activation_code("LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815", &ac), IOT_OK);
	assert_string_equal(ac.address, "smdp.example.com");
	assert_string_equal(ac.matching_id, "04386-AGYFT-A74Y8-3F815");
	assert_false(ac.cc_required);
	assert_int_equal(ipa_parse_activation_code("1$smdp.example.com$$1.3.6.1.4.1.31746$1", &ac), IOT_OK);
	assert_string_equal(ac.matching_id, "");
	assert_string_equal(ac.oid, "1.3.6.1.4.1.31746");
	assert_true(ac.cc_required);
	assert_int_equal(ipa_parse_activation_code("LPA:2$smdp.example.com$X", &ac), IOT_E_ARG);
	assert_int_equal(ipa_parse_activation_code("LPA:1$$X", &ac), IOT_E_ARG);
	assert_int_equal(ipa_parse_activation_code("LPA:1$a$b$c$2", &ac), IOT_E_ARG);
	assert_int_equal(ipa_parse_activation_code("LPA:1$a$b$c$1$extra", &ac), IOT_E_ARG);
}

static size_t pending_notifications(void)
{
	struct rsp_list_notification_response list;
	struct rsp_arena a;
	const uint8_t *resp;
	size_t len, n;

	rsp_arena_dynamic(&a);
	assert_int_equal(ipa_es10(ipa, (const uint8_t *)"\xBF\x28\x00", 3, &resp, &len), IOT_OK);
	assert_int_equal(rsp_decode(&rsp_t_list_notification_response, resp, len, &list, &a), IOT_OK);
	n = list.u.list.count;
	rsp_arena_free(&a);
	return n;
}

static void test_download(void **state)
{
	struct ipa_activation_code ac;
	struct ipa_download_result r;

	(void)state;
	order("IPA-1", NULL);
	assert_int_equal(ipa_parse_activation_code("LPA:1$" ADDRESS "$IPA-1", &ac), IOT_OK);
	assert_int_equal(ipa_download(ipa, &ac, NULL, &r), IOT_OK);
	assert_true(r.installed);
	assert_memory_equal(r.iccid, iccid, 10);
	assert_int_equal(state_of(), SMDP_INSTALLED);
	/* the PIR reached the SM-DP+, so it is off the eUICC */
	assert_int_equal(pending_notifications(), 0);
	/* a second try: the order is used up */
	assert_int_equal(ipa_download(ipa, &ac, NULL, &r), IOT_OK);
	assert_false(r.installed);
	assert_int_equal(r.server_code, 8);
}

static void test_confirmation_code(void **state)
{
	struct ipa_activation_code ac;
	struct ipa_download_result r;

	(void)state;
	order("IPA-CC", "1357");
	assert_int_equal(ipa_parse_activation_code("LPA:1$" ADDRESS "$IPA-CC$$1", &ac), IOT_OK);
	/* without the code: postponed, the order stands */
	assert_int_equal(ipa_download(ipa, &ac, NULL, &r), IOT_E_ARG);
	assert_int_equal(state_of(), SMDP_RELEASED);
	assert_int_equal(ipa_download(ipa, &ac, "2468", &r), IOT_OK);
	assert_false(r.installed);
	assert_int_equal(r.server_code, 3);        /* confirmationCodeRefused */
	assert_int_equal(ipa_download(ipa, &ac, "1357", &r), IOT_OK);
	assert_true(r.installed);
}

static void test_refused_and_unreachable(void **state)
{
	struct ipa_activation_code ac;
	struct ipa_download_result r;

	(void)state;
	order("IPA-2", NULL);
	assert_int_equal(ipa_parse_activation_code("LPA:1$" ADDRESS "$IPA-WRONG", &ac), IOT_OK);
	assert_int_equal(ipa_download(ipa, &ac, NULL, &r), IOT_OK);
	assert_false(r.installed);
	assert_int_equal(r.server_code, 6);        /* matchingIdRefused */
	smdp_down = true;
	assert_int_equal(ipa_parse_activation_code("LPA:1$" ADDRESS "$IPA-2", &ac), IOT_OK);
	assert_int_equal(ipa_download(ipa, &ac, NULL, &r), IOT_E_IO);
	assert_int_equal(state_of(), SMDP_RELEASED);
	smdp_down = false;
	assert_int_equal(ipa_download(ipa, &ac, NULL, &r), IOT_OK);
	assert_true(r.installed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activation_codes),
		cmocka_unit_test_setup_teardown(test_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirmation_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_and_unreachable, setup, teardown),
	};
	int failed;

	curve = CRYPTO_P256;
	failed = cmocka_run_group_tests_name("ipa download, NIST P-256", tests, NULL, NULL);
	curve = CRYPTO_BRAINPOOL_P256R1;
	failed += cmocka_run_group_tests_name("ipa download, brainpoolP256r1", tests, NULL, NULL);
	return failed;
}
