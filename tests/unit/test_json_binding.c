/* base64 (RFC 4648 test vectors), hex, and the SGP.22 JSON binding helpers. */
#include "testutil.h"

#include "base/base64.h"
#include "base/hex.h"
#include "net/json_binding.h"
#include "rsp/rsp.h"

static void test_base64_rfc4648_vectors(void **state)
{
	/* RFC 4648 section 10 */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char out[16];
	uint8_t back[16];
	size_t i, n;
	(void)state;

	for (i = 0; i < 7; i++) {
		assert_int_equal(base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof(out)), IOT_OK);
		assert_string_equal(out, coded[i]);
		assert_int_equal(base64_decode(coded[i], strlen(coded[i]), back, sizeof(back), &n), IOT_OK);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(back, plain[i], n);
	}
	assert_int_equal(base64_decode("Zg=", 3, back, sizeof(back), &n), IOT_E_BASE64);
	assert_int_equal(base64_decode("Z===", 4, back, sizeof(back), &n), IOT_E_BASE64);
	assert_int_equal(base64_decode("Zh==", 4, back, sizeof(back), &n), IOT_E_BASE64);   /* pad bits */
	assert_int_equal(base64_decode("Zg==Zg==", 8, back, sizeof(back), &n), IOT_E_BASE64);
	assert_int_equal(base64_decode("Zm9*", 4, back, sizeof(back), &n), IOT_E_BASE64);
	assert_int_equal(base64_decode("Zm9v", 4, back, 2, &n), IOT_E_BUFFER);
	assert_int_equal(base64_encode((const uint8_t *)"foo", 3, out, 4), IOT_E_BUFFER);
}

static void test_hex(void **state)
{
	static const uint8_t eid[4] = { 0x89, 0x04, 0x9a, 0xF0 };
	uint8_t out[4];
	char text[9];
	size_t n;

	(void)state;
	hex_encode(eid, 4, text);
	assert_string_equal(text, "89049AF0");
	assert_int_equal(hex_decode("89049af0", out, sizeof(out), &n), IOT_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, eid, 4);
	assert_int_equal(hex_decode("890", out, sizeof(out), &n), IOT_E_ARG);
	assert_int_equal(hex_decode("89G0", out, sizeof(out), &n), IOT_E_ARG);
	assert_int_equal(hex_decode("8904900000", out, sizeof(out), &n), IOT_E_BUFFER);
	assert_int_equal(hex_decode("", out, sizeof(out), &n), IOT_OK);
	assert_int_equal(n, 0);
}

static void test_response_header(void **state)
{
	struct jb_status st = { JB_FAILED, "8.1.1", "3.8", NULL, "Invalid" };
	struct jb_status back;
	json_t *resp = jb_response(&st);
	char *text = json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS);
	(void)state;

	assert_string_equal(text,
		"{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
		"\"statusCodeData\":{\"message\":\"Invalid\",\"reasonCode\":\"3.8\",\"subjectCode\":\"8.1.1\"}}}}");
	assert_int_equal(jb_response_status(resp, &back), IOT_OK);
	assert_string_equal(back.status, JB_FAILED);
	assert_string_equal(back.subject_code, "8.1.1");
	assert_string_equal(back.reason_code, "3.8");
	free(text);
	json_decref(resp);

	st = (struct jb_status){ JB_EXECUTED_SUCCESS, NULL, NULL, NULL, NULL };
	resp = jb_response(&st);
	text = json_dumps(resp, JSON_COMPACT);
	assert_string_equal(text, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}");
	free(text);
	json_decref(resp);
}

static void test_request_header_and_asn1(void **state)
{
	static const uint8_t msg[] = { 0xBF, 0x2E, 0x00 };
	json_t *req = jb_request("eim.example", "42");
	const char *who, *call;
	uint8_t *der;
	size_t len;
	char *text;
	(void)state;

	assert_int_equal(jb_set_asn1(req, "euiccChallenge", msg, sizeof(msg)), IOT_OK);
	text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(text, "{\"euiccChallenge\":\"vy4A\",\"header\":{\"functionCallIdentifier\":\"42\","
				  "\"functionRequesterIdentifier\":\"eim.example\"}}");
	free(text);
	assert_int_equal(jb_request_header(req, &who, &call), IOT_OK);
	assert_string_equal(who, "eim.example");
	assert_int_equal(jb_get_asn1(req, "euiccChallenge", &der, &len), IOT_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(der, msg, 3);
	free(der);
	json_object_set_new(req, "bad", json_string("not base64!"));
	assert_int_equal(jb_get_asn1(req, "bad", &der, &len), IOT_E_BASE64);
	assert_int_equal(jb_get_asn1(req, "missing", &der, &len), IOT_E_JSON);
	json_decref(req);

	req = jb_request(NULL, NULL);
	assert_int_equal(jb_request_header(req, &who, &call), IOT_E_JSON);
	json_decref(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_rfc4648_vectors),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_response_header),
		cmocka_unit_test(test_request_header_and_asn1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
