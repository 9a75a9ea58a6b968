/* ES9+ JSON <-> ASN.1 (lib/net/es9_json): every function's request goes
 * ASN.1 -> JSON -> ASN.1 unchanged, with the JSON members SGP.22 6.5.2
 * names; ok responses JSON -> ASN.1 -> JSON unchanged; a Failed status
 * becomes the function's error alternative with the code it stands for. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "net/es9_json.h"
#include "net/json_binding.h"

static const uint8_t txid[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

/* A2 { tag { children } } */
static void request(struct der_writer *w, uint32_t tag, void (*children)(struct der_writer *))
{
	size_t a2, in;

	der_writer_dynamic(w);
	a2 = der_begin(w, 0xA2);
	in = der_begin(w, tag);
	children(w);
	der_end(w, in);
	der_end(w, a2);
	assert_int_equal(der_writer_err(w), IOT_OK);
}

static void initiate(struct der_writer *w)
{
	static const uint8_t challenge[16] = { 0xC0, 0xFF, 0xEE };
	size_t m;

	der_put_tlv(w, 0x81, challenge, sizeof(challenge));
	der_put_tlv(w, 0x83, (const uint8_t *)"smdp.example.com", 16);
	m = der_begin(w, 0xBF20);
	der_put_tlv(w, 0x82, (const uint8_t *)"\x02\x05\x00", 3);
	der_end(w, m);
}

static void authenticate(struct der_writer *w)
{
	size_t m;

	der_put_tlv(w, 0x80, txid, sizeof(txid));
	m = der_begin(w, 0xBF38);
	der_put_int64(w, 0x02, 5);
	der_end(w, m);
}

static void bpp(struct der_writer *w)
{
	size_t m;

	der_put_tlv(w, 0x80, txid, sizeof(txid));
	m = der_begin(w, 0xBF21);
	der_put_tlv(w, 0x04, (const uint8_t *)"x", 1);
	der_end(w, m);
}

static void notification(struct der_writer *w)
{
	size_t a0 = der_begin(w, 0xA0), m = der_begin(w, 0xBF37);

	der_put_tlv(w, 0x80, (const uint8_t *)"n", 1);
	der_end(w, m);
	der_end(w, a0);
}

static void cancel(struct der_writer *w)
{
	size_t a1, m;

	der_put_tlv(w, 0x80, txid, sizeof(txid));
	a1 = der_begin(w, 0xA1);        /* CancelSessionResponse, [1] implicit */
	m = der_begin(w, 0xA0);
	der_put_tlv(w, 0x04, (const uint8_t *)"signed", 6);
	der_end(w, m);
	der_end(w, a1);
}

static void round_trip_request(uint32_t tag, void (*children)(struct der_writer *), const char *name,
			       const char *member)
{
	const struct es9_json_function *f;
	struct der_writer in, out;
	json_t *body;

	request(&in, tag, children);
	assert_int_equal(es9_json_request_from_asn1(in.buf, in.len, &f, &body), IOT_OK);
	assert_string_equal(f->name, name);
	assert_ptr_equal(es9_json_by_name(name), f);
	assert_non_null(json_object_get(body, member));
	der_writer_dynamic(&out);
	assert_int_equal(es9_json_request_to_asn1(f, body, &out), IOT_OK);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.buf, in.buf, in.len);
	json_decref(body);
	der_writer_free(&in);
	der_writer_free(&out);
}

static void test_requests(void **state)
{
	const struct es9_json_function *f;
	struct der_writer w;
	json_t *body;

	(void)state;
	round_trip_request(0xBF39, initiate, "initiateAuthentication", "euiccChallenge");
	round_trip_request(0xBF39, initiate, "initiateAuthentication", "smdpAddress");
	round_trip_request(0xBF3B, authenticate, "authenticateClient", "authenticateServerResponse");
	round_trip_request(0xBF3A, bpp, "getBoundProfilePackage", "prepareDownloadResponse");
	round_trip_request(0xBF3D, notification, "handleNotification", "pendingNotification");
	round_trip_request(0xBF41, cancel, "cancelSession", "cancelSessionResponse");
	/* the transactionId is hex, the cancelSessionResponse as ES10b gave it ('BF41') */
	request(&w, 0xBF41, cancel);
	assert_int_equal(es9_json_request_from_asn1(w.buf, w.len, &f, &body), IOT_OK);
	assert_string_equal(json_string_value(json_object_get(body, "transactionId")), "0102030405060708");
	assert_true(!strncmp(json_string_value(json_object_get(body, "cancelSessionResponse")), "v0E", 3));
	json_decref(body);
	der_writer_free(&w);
	/* not a request this binding has */
	request(&w, 0xBF44, cancel);
	assert_int_equal(es9_json_request_from_asn1(w.buf, w.len, &f, &body), IOT_E_ASN1_CHOICE);
	der_writer_free(&w);
	assert_null(es9_json_by_name("transferEimPackage"));
}

static json_t *ok_response(void)
{
	struct jb_status ok = { JB_EXECUTED_SUCCESS, NULL, NULL, NULL, NULL };

	return jb_response(&ok);
}

static void test_responses(void **state)
{
	const struct es9_json_function *f = es9_json_by_name("getBoundProfilePackage");
	struct jb_status failed = { JB_FAILED, "8.2.6", "3.8", NULL, "MatchingID refused" };
	static const uint8_t refused[] = { 0xA2, 0x06, 0xBF, 0x3B, 0x03, 0x81, 0x01, 0x06 };
	static const uint8_t bpp_tlv[] = { 0xBF, 0x36, 0x03, 0x04, 0x01, 0x42 };
	struct der_writer w;
	json_t *resp = ok_response(), *back = ok_response();

	(void)state;
	/* ok: A2 { BF3A { A0 { 80 txid, BF36 ... } } } and back */
	json_object_set_new(resp, "transactionId", json_string("0102030405060708"));
	jb_set_asn1(resp, "boundProfilePackage", bpp_tlv, sizeof(bpp_tlv));
	der_writer_dynamic(&w);
	assert_int_equal(es9_json_response_to_asn1(f, resp, &w), IOT_OK);
	assert_int_equal(w.len, 2 + 3 + 2 + 10 + sizeof(bpp_tlv));
	assert_memory_equal(w.buf, "\xA2\x15\xBF\x3A\x12\xA0\x10\x80\x08", 9);
	assert_int_equal(es9_json_response_from_asn1(f, w.buf, w.len, back), IOT_OK);
	assert_string_equal(json_string_value(json_object_get(back, "transactionId")), "0102030405060708");
	assert_string_equal(json_string_value(json_object_get(back, "boundProfilePackage")),
			    json_string_value(json_object_get(resp, "boundProfilePackage")));
	der_writer_free(&w);
	json_decref(resp);
	json_decref(back);
	/* Failed, 8.2.6/3.8 on authenticateClient: matchingIdRefused(6) */
	resp = jb_response(&failed);
	der_writer_dynamic(&w);
	assert_int_equal(es9_json_response_to_asn1(es9_json_by_name("authenticateClient"), resp, &w), IOT_OK);
	assert_int_equal(w.len, sizeof(refused));
	assert_memory_equal(w.buf, refused, sizeof(refused));
	der_writer_free(&w);
	/* a status with no ASN.1 code of its own: undefinedError(127) */
	der_writer_dynamic(&w);
	assert_int_equal(es9_json_response_to_asn1(es9_json_by_name("initiateAuthentication"), resp, &w), IOT_OK);
	assert_memory_equal(w.buf, "\xA2\x06\xBF\x39\x03\x81\x01\x7F", 8);
	der_writer_free(&w);
	json_decref(resp);
	/* an ok answer missing a member: refused */
	resp = ok_response();
	der_writer_dynamic(&w);
	assert_int_equal(es9_json_response_to_asn1(f, resp, &w), IOT_E_JSON);
	der_writer_free(&w);
	json_decref(resp);
	/* handleNotification answers nothing */
	der_writer_dynamic(&w);
	assert_int_equal(es9_json_response_to_asn1(es9_json_by_name("handleNotification"), NULL, &w), IOT_OK);
	assert_int_equal(w.len, 0);
	der_writer_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
