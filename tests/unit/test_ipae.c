/* The IPA inside the eUICC: lib/cat's data objects (known answers written
 * by hand from ETSI TS 102 223), IpaeActivationRequest and ipaMode, and the
 * card's side of BIP driven by the test as the device's terminal: the
 * proactive command announced by '91XX', FETCH, TERMINAL RESPONSE, events,
 * and what the card refuses. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>

#include "cat/cat.h"
#include "ipacore/ipa.h"
#include "rsp/rsp.h"

static struct fixture_pki pki;
static uint8_t resp[4096];
static size_t resp_len;

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_pki_remove(&pki);
	return 0;
}

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
	uint8_t w[512];
	size_t wn = hex(want, w, sizeof(w));

	if (n != wn || memcmp(p, w, n)) {
		char got[1025];

		for (size_t i = 0; i < n && i < 512; i++)
			sprintf(got + 2 * i, "%02X", p[i]);
		fail_msg("got %s, want %s", got, want);
	}
}

static void test_cat_objects(void **state)
{
	uint8_t buf[300], data[200];
	uint8_t addr[5] = { CAT_ADDRESS_IPV4, 127, 0, 0, 1 }, tl[3] = { CAT_TRANSPORT_TCP_CLIENT, 0x01, 0xBB };
	struct cat_writer w;
	struct cat_command c;
	struct cat_tlv t;
	const uint8_t *p;
	(void)state;

	/* OPEN CHANNEL, immediate link, default bearer, 1500 bytes, TCP 443 to 127.0.0.1 */
	cat_writer_init(&w, buf, sizeof(buf));
	cat_begin(&w, 0xD0);
	cat_put_command_head(&w, 1, CAT_CMD_OPEN_CHANNEL, 0x01, CAT_DEV_TERMINAL);
	cat_put_byte(&w, CAT_TAG_BEARER_DESCRIPTION, true, 0x03);
	cat_put(&w, CAT_TAG_BUFFER_SIZE, true, "\x05\xDC", 2);
	cat_put(&w, CAT_TAG_TRANSPORT_LEVEL, true, tl, 3);
	cat_put(&w, CAT_TAG_OTHER_ADDRESS, true, addr, 5);
	cat_end(&w);
	assert_int_equal(cat_writer_err(&w), IOT_OK);
	assert_hex(buf, w.len, "D01C" "8103014001" "82028182" "B50103" "B90205DC" "BC030201BB" "BE05217F000001");
	assert_int_equal(cat_command_parse(buf, w.len, &c), IOT_OK);
	assert_int_equal(c.number, 1);
	assert_int_equal(c.type, CAT_CMD_OPEN_CHANNEL);
	assert_int_equal(c.qualifier, 1);
	assert_int_equal(c.destination, CAT_DEV_TERMINAL);
	assert_true(cat_find(c.objects, c.len, CAT_TAG_OTHER_ADDRESS, &t));
	assert_true(t.cr);
	assert_int_equal(t.len, 5);
	/* its TERMINAL RESPONSE: details copied, terminal to UICC, the result, channel 1 up */
	cat_writer_init(&w, buf, sizeof(buf));
	cat_put_response_head(&w, &c, CAT_RESULT_OK, NULL, 0);
	cat_put(&w, CAT_TAG_CHANNEL_STATUS, true, "\x81\x00", 2);
	assert_hex(buf, w.len, "8103014001" "82028281" "830100" "B8028100");
	/* a BIP error with its additional information */
	cat_writer_init(&w, buf, sizeof(buf));
	cat_put_response_head(&w, &c, CAT_RESULT_BIP_ERROR, (const uint8_t *)"\x07", 1);
	assert_hex(buf, w.len, "8103014001" "82028281" "83023A07");

	/* SEND DATA of 200 bytes: two-byte lengths ('81'), inner and outer */
	memset(data, 0xAB, sizeof(data));
	cat_writer_init(&w, buf, sizeof(buf));
	cat_begin(&w, 0xD0);
	cat_put_command_head(&w, 2, CAT_CMD_SEND_DATA, 0x01, CAT_DEV_CHANNEL1);
	cat_put(&w, CAT_TAG_CHANNEL_DATA, true, data, sizeof(data));
	cat_end(&w);
	assert_int_equal(w.len, 3 + 5 + 4 + 3 + 200);
	assert_hex(buf, 15, "D081D4" "8103024301" "82028121" "B681C8");
	assert_int_equal(cat_command_parse(buf, w.len, &c), IOT_OK);
	assert_true(cat_find(c.objects, c.len, CAT_TAG_CHANNEL_DATA, &t));
	assert_int_equal(t.len, 200);
	assert_int_equal(c.destination, CAT_DEV_CHANNEL1);

	/* too much for one object, or for the buffer: remembered, nothing past cap */
	cat_writer_init(&w, buf, 10);
	cat_put(&w, CAT_TAG_CHANNEL_DATA, true, data, 20);
	assert_int_equal(cat_writer_err(&w), IOT_E_BUFFER);
	cat_writer_init(&w, buf, sizeof(buf));
	cat_begin(&w, 0xD0);
	cat_put(&w, CAT_TAG_CHANNEL_DATA, true, data, 200);
	cat_put(&w, CAT_TAG_CHANNEL_DATA, true, data, 60);
	cat_end(&w);
	assert_int_equal(cat_writer_err(&w), IOT_E_BUFFER);

	/* malformed input: a length past the end, '81' with a short length, a
	 * reserved tag, an envelope longer than its bytes, details missing */
	p = buf;
	hex("3605AABB", buf, sizeof(buf));
	assert_int_equal(cat_next(&p, buf + 4, &t), IOT_E_DER_TRUNCATED);
	p = buf;
	hex("36817FAA", buf, sizeof(buf));
	assert_int_equal(cat_next(&p, buf + 4, &t), IOT_E_DER_TRUNCATED);
	p = buf;
	hex("FF01AA", buf, sizeof(buf));
	assert_int_equal(cat_next(&p, buf + 3, &t), IOT_E_ASN1_TAG);
	hex("D0098103014001", buf, sizeof(buf));
	assert_int_not_equal(cat_command_parse(buf, 7, &c), IOT_OK);
	hex("D00582028182", buf, sizeof(buf));
	assert_int_not_equal(cat_command_parse(buf, 7, &c), IOT_OK);
	hex("D0088103014001820281", buf, sizeof(buf));
	assert_int_not_equal(cat_command_parse(buf, 10, &c), IOT_OK);
}

static unsigned ipae_activation(struct euicc *e, bool on, int *result)
{
	uint8_t req[8];
	size_t n = hex(on ? "BF420480020780" : "BF4203800100", req, sizeof(req));
	unsigned sw = es10_apdus(e, req, n, 255, resp, sizeof(resp), &resp_len, NULL);

	assert_int_equal(resp_len, 6);
	assert_hex(resp, 4, "BF420380");
	*result = resp[5];
	return sw;
}

static int ipa_mode(struct euicc *e)
{
	struct rsp_euicc_info2 info;
	struct rsp_arena a;
	int mode;

	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x22\x00", 3, 255, resp, sizeof(resp), &resp_len, NULL),
			 0x9000);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_euicc_info2, resp, resp_len, &info, &a), IOT_OK);
	assert_true(info.has_ipa_mode);
	mode = (int)info.ipa_mode;
	rsp_arena_free(&a);
	return mode;
}

/* the FCI's 'E1' template (SGP.32 ISDRProprietaryApplicationTemplateIoT) */
static uint8_t select_e1(struct euicc *e)
{
	uint8_t fci[256];
	size_t n = 0;

	assert_int_equal(apdu(e, "00A4040010A0000005591010FFFFFFFF890000010000", fci, &n), 0x9000);
	for (size_t i = 0; i + 4 < n; i++)
		if (fci[i] == 0xE1 && fci[i + 2] == 0x03)
			return fci[i + 3] > 1 ? fci[i + 5] : 0;   /* '03 01 00': no bit set */
	fail_msg("no E1 template in the FCI");
	return 0;
}

static void test_activation(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	struct euicc_ipae_config cfg = { .ca_file = pki.ci };
	int result;
	(void)state;

	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	/* an eUICC without an IPA inside: notSupported, and the toolkit unknown */
	assert_int_equal(ipae_activation(e, true, &result), 0x9000);
	assert_int_equal(result, 1);
	assert_int_equal(ipa_mode(e), RSP_IPA_MODE_IPAD);
	assert_int_equal(select_e1(e) & 0x80, 0);       /* ipaeSupported clear */
	assert_int_equal(apdu(e, "8012000010", NULL, NULL), 0x6D00);
	euicc_free(e);

	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	assert_int_equal(euicc_ipae_start(e, &cfg), IOT_OK);
	assert_int_equal(select_e1(e) & 0x80, 0x80);    /* ipaeSupported */
	assert_int_equal(ipae_activation(e, true, &result), 0x9000);
	assert_int_equal(result, 0);
	assert_int_equal(ipa_mode(e), RSP_IPA_MODE_IPAE);
	assert_true(euicc_ipae_active(e));
	euicc_free(e);
	/* kept across a power cut */
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(ipa_mode(e), RSP_IPA_MODE_IPAE);
	assert_int_equal(euicc_ipae_start(e, &cfg), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(ipae_activation(e, false, &result), 0x9000);
	assert_int_equal(result, 0);
	assert_int_equal(ipa_mode(e), RSP_IPA_MODE_IPAD);
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(ipa_mode(e), RSP_IPA_MODE_IPAD);
	euicc_free(e);
}

/* TS 102 223 5.2 profile bytes with BIP: events, channel commands, TCP */
#define PROFILE_BIP "801000001101000000000C00000000001F22000000 03"
#define PROFILE_NO_BIP "8010000011010000000000000000000000000000 0000"

static void test_toolkit_refusals(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	struct euicc_ipae_config cfg = { .ca_file = pki.ci, .timeout_ms = 5000 };
	(void)state;

	assert_int_equal(euicc_ipae_start(e, &cfg), IOT_OK);
	assert_int_equal(apdu(e, PROFILE_NO_BIP, NULL, NULL), 0x9000);
	/* nothing to fetch, nothing fetched to answer */
	assert_int_equal(apdu(e, "8012000010", NULL, NULL), 0x6985);
	assert_int_equal(apdu(e, "80140000 0C 810301430182028281830100", NULL, NULL), 0x6985);
	/* P1-P2 must be zero; an envelope that is not an event download, or malformed */
	assert_int_equal(apdu(e, "8012010010", NULL, NULL), 0x6A86);
	assert_int_equal(apdu(e, "80C2000003 D10100", NULL, NULL), 0x6A80);
	assert_int_equal(apdu(e, "80C2000004 D6039901", NULL, NULL), 0x6A80);
	assert_int_equal(apdu(e, "80C2000007 D605990109 8201", NULL, NULL), 0x6A80);
	euicc_free(e);
}

static iot_err to_card(void *ctx, const uint8_t *apdu, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	return euicc_transmit(ctx, apdu, len, out, cap, out_len);
}

/* A poll of the active IPAe with an eIM configured, the test as the
 * terminal: OPEN CHANNEL comes with the TERMINAL PROFILE's answer, to the
 * address configured for the eIM's name; a refusal ends the poll, the
 * channel never opened, and the card goes back to '9000'. */
static void test_open_channel_refused(void **state)
{
	struct euicc *e = fixture_euicc(&pki);
	struct euicc_ipae_config cfg = { .ca_file = pki.ci, .connect_to = "eim.iotrsp.test:443:127.0.0.1:4443",
					 .timeout_ms = 20000, .retry_min_s = 3600, .retry_max_s = 3600 };
	struct rsp_eim_configuration_data c = { 0 };
	struct rsp_add_initial_eim_request q = { 0 };
	struct rsp_add_initial_eim_response r;
	struct rsp_arena a;
	struct euicc_ipae_stats st;
	struct crypto_key *key;
	uint8_t *req, *spki, cmd[300];
	size_t n, cn = 0, spki_len;
	unsigned sw;
	int result;
	(void)state;

	c.eim_id = RSP_STR("eim1");
	c.has_eim_fqdn = true;
	c.eim_fqdn = RSP_STR("eim.iotrsp.test");
	c.has_counter_value = true;
	c.has_eim_supported_protocol = true;
	c.eim_supported_protocol = RSP_PROTO_RETRIEVE_HTTPS;
	assert_int_equal(crypto_key_load_pem(pki.eim_key, &key), IOT_OK);
	assert_int_equal(crypto_key_spki(key, &spki, &spki_len), IOT_OK);
	c.has_eim_public_key_data = true;
	c.eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
	c.eim_public_key_data.u.public_key = RSP_BYTES(spki, spki_len);
	q.eim_configuration_data_list.items = &c;
	q.eim_configuration_data_list.count = 1;
	assert_int_equal(rsp_encode_alloc(&rsp_t_add_initial_eim_request, &q, &req, &n), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(es10_apdus(e, req, n, 255, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_add_initial_eim_response, resp, resp_len, &r, &a), IOT_OK);
	assert_int_equal(r.choice, RSP_ADD_INITIAL_EIM_OK);
	rsp_arena_free(&a);
	free(req);
	free(spki);
	crypto_key_free(key);
	assert_int_equal(euicc_ipae_start(e, &cfg), IOT_OK);
	assert_int_equal(ipae_activation(e, true, &result), 0x9000);
	assert_int_equal(result, 0);

	sw = apdu(e, PROFILE_BIP, NULL, NULL);
	assert_int_equal(sw & 0xFF00, 0x9100);          /* the first command waits */
	assert_int_equal(apdu(e, "80F2000C00", NULL, NULL), sw);        /* STATUS says so too */
	/* meanwhile the device's own IPA still reads the eUICC: every answer
	 * ends '91XX' while the command waits, a normal ending (TS 102 221 10.2.1.1) */
	{
		struct ipa_platform pf = { .ctx = e, .transmit = to_card };
		struct ipa *ipa;
		const uint8_t *eid;
		size_t en;

		assert_int_equal(ipa_new(&pf, NULL, &ipa), IOT_OK);
		assert_int_equal(ipa_es10(ipa, (const uint8_t *)"\xBF\x3E\x03\x5C\x01\x5A", 6, &eid, &en), IOT_OK);
		assert_true(en > 16 && eid[0] == 0xBF && eid[1] == 0x3E);
		ipa_free(ipa);
	}
	{
		char fetch[16];

		snprintf(fetch, sizeof(fetch), "80120000%02X", sw & 0xFF);
		assert_int_equal(apdu(e, fetch, cmd, &cn), 0x9000);
	}
	assert_int_equal(cn, sw & 0xFF);
	assert_hex(cmd, cn, "D01C" "8103014001" "82028182" "B50103" "B90205DC" "BC0302115B" "BE05217F000001");
	/* refused: the remote is not reachable */
	assert_int_equal(apdu(e, "80140000 0D 810301400182028281 83023A07", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "80F2000C00", NULL, NULL), 0x9000);
	euicc_ipae_stats(e, &st);
	assert_int_equal(st.commands, 1);
	assert_int_equal(st.channels, 0);
	euicc_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cat_objects),
		cmocka_unit_test(test_activation),
		cmocka_unit_test(test_toolkit_refusals),
		cmocka_unit_test(test_open_channel_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
