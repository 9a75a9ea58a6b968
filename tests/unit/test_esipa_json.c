/* ESipa's JSON binding (lib/net/esipa_json): every function's request and
 * answers as known answers, a DER value written out by hand from
 * SGP32Definitions and its JSON text from the binding's member table,
 * checked in both directions; the variants the sources disagree on taken on
 * input; malformed JSON and wrong types refused. */
#include "testutil.h"

#include <stdio.h>

#include "net/esipa_json.h"

struct kat {
	const char *function;
	bool request;
	const char *der;        /* hex */
	const char *json;
};

static const struct kat kats[] = {
	{ "getEimPackage", true,
	  "BF4F1C5A10890490321234512345123456789012358000810101820362F210",
	  "{\"eidValue\":\"89049032123451234512345678901235\",\"notifyStateChange\":true,\"stateChangeCause\":1,\"rPlmn\":\"YvIQ\"}" },
	{ "getEimPackage", false,
	  "BF4F08BF51053003800107",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"euiccPackageRequest\":\"v1EFMAOAAQc=\"}" },
	{ "getEimPackage", false,
	  "BF4F03020101",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"eimPackageError\":1}" },
	{ "provideEimPackageResult", true,
	  "BF501A5A1089049032123451234512345678901235BF5105A003800107",
	  "{\"eidValue\":\"89049032123451234512345678901235\",\"eimPackageResult\":\"v1EFoAOAAQc=\"}" },
	{ "provideEimPackageResult", false,
	  "BF5006BF5303800101",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"eimAcknowledgements\":\"v1MDgAEB\"}" },
	{ "provideEimPackageResult", false,
	  "BF50023000",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}" },
	{ "handleNotification", true,
	  "BF3D0AA0083006BF2F03800105",
	  "{\"pendingNotification\":\"MAa/LwOAAQU=\"}" },
	{ "handleNotification", true,
	  "BF3D1DBF501A5A1089049032123451234512345678901235BF5105A003800107",
	  "{\"provideEimPackageResult\":\"v1AaWhCJBJAyEjRRI0USNFZ4kBI1v1EFoAOAAQc=\"}" },
	{ "initiateAuthentication", true,
	  "BF392F8110000102030405060708090A0B0C0D0E0F8310736D64702E6578616D706C652E636F6DBF200582030205008201AB",
	  "{\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODw==\",\"smdpAddress\":\"smdp.example.com\",\"euiccInfo1\":\"vyAFggMCBQA=\",\"eimTransactionId\":\"AB\"}" },
	{ "initiateAuthentication", false,
	  "BF3970A06E800212343004800212345F3740AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA04141111111111111111111111111111111111111111300230000C054D49442D31",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"transactionId\":\"1234\",\"serverSigned1\":\"MASAAhI0\",\"serverSignature1\":\"XzdAqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqg==\",\"euiccCiPKIdentifierToBeUsed\":\"BBQREREREREREREREREREREREREREQ==\",\"serverCertificate\":\"MAIwAA==\",\"matchingId\":\"MID-1\"}" },
	{ "initiateAuthentication", false,
	  "BF3903810103",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":{\"subjectCode\":\"8.8.2\",\"reasonCode\":\"3.1\"}}}}" },
	{ "authenticateClient", true,
	  "BF3B0B80021234BF3804A0023000",
	  "{\"transactionId\":\"1234\",\"authenticateServerResponse\":\"vzgEoAIwAA==\"}" },
	{ "authenticateClient", false,
	  "BF3B59A05780021234BF25035A01893004800212345F3740BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB30023000",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"transactionId\":\"1234\",\"profileMetadata\":\"vyUDWgGJ\",\"smdpSigned2\":\"MASAAhI0\",\"smdpSignature2\":\"XzdAu7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7uw==\",\"smdpCertificate\":\"MAIwAA==\"}" },
	{ "authenticateClient", false,
	  "BF3B06A10480021234",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"transactionId\":\"1234\"}" },
	{ "getBoundProfilePackage", true,
	  "BF3A0B80021234BF2104A0023000",
	  "{\"transactionId\":\"1234\",\"prepareDownloadResponse\":\"vyEEoAIwAA==\"}" },
	{ "getBoundProfilePackage", false,
	  "BF3A0FA00D80021234BF3606BF2303820101",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"transactionId\":\"1234\",\"boundProfilePackage\":\"vzYGvyMDggEB\"}" },
	{ "getBoundProfilePackage", false,
	  "BF3A0381015F",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":{\"subjectCode\":\"8.10.1\",\"reasonCode\":\"3.9\"}}}}" },
	{ "cancelSession", true,
	  "BF410980021234A103020105",
	  "{\"transactionId\":\"1234\",\"cancelSessionResponse\":\"v0EDAgEF\"}" },
	{ "cancelSession", false,
	  "BF4102A000",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}" },
	{ "cancelSession", false,
	  "BF4103810101",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":{\"subjectCode\":\"8.10.1\",\"reasonCode\":\"3.9\"}}}}" },
	{ "transferEimPackage", true,
	  "BF4E08BF51053003800107",
	  "{\"euiccPackageRequest\":\"v1EFMAOAAQc=\"}" },
	{ "transferEimPackage", false,
	  "BF4E020500",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}" },
	{ "transferEimPackage", false,
	  "BF4E143012BF5105A003800107A0083006BF2F03800105",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"ePRAndNotifications\":{\"euiccPackageResult\":\"v1EFoAOAAQc=\",\"notificationList\":\"oAgwBr8vA4ABBQ==\"}}" },
	{ "transferEimPackage", false,
	  "BF4E03020102",
	  "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"eimPackageError\":2}" },
};

static const struct esipa_json_function *fn(const char *name)
{
	const struct esipa_json_function *f = esipa_json_by_name(name);

	assert_non_null(f);
	return f;
}

static void assert_json_text(json_t *got, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

	assert_non_null(w);
	if (!json_equal(got, w))
		fail_msg("got %s\nwant %s", text, want);
	free(text);
	json_decref(w);
}

/* JSON text as the DER it stands for, in f's request or answer. */
static void assert_to_der(const struct esipa_json_function *f, bool request, const char *json, const char *der_hex)
{
	static uint8_t want[4096];
	size_t n = hex(der_hex, want, sizeof(want));
	json_t *j = json ? json_loads(json, 0, NULL) : NULL;
	struct der_writer w;

	der_writer_dynamic(&w);
	assert_true(!json || j);
	assert_int_equal(request ? esipa_json_request_to_asn1(f, j, &w) : esipa_json_response_to_asn1(f, j, &w), IOT_OK);
	assert_int_equal(w.len, n);
	assert_memory_equal(w.buf, want, n);
	der_writer_free(&w);
	json_decref(j);
}

static void test_known_answers(void **state)
{
	static uint8_t der[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct kat *k = &kats[i];
		const struct esipa_json_function *f = fn(k->function), *got = NULL;
		size_t n = hex(k->der, der, sizeof(der));
		json_t *j = NULL;

		print_message("%s %s\n", k->function, k->request ? "request" : "answer");
		if (k->request) {
			assert_int_equal(esipa_json_request_from_asn1(der, n, &got, &j), IOT_OK);
			assert_ptr_equal(got, f);
		} else {
			assert_int_equal(esipa_json_response_from_asn1(f, der, n, &j), IOT_OK);
		}
		assert_json_text(j, k->json);
		json_decref(j);
		assert_to_der(f, k->request, k->json, k->der);
	}
}

#define SUCCESS "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"
#define FAILED(s, r) \
	"{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":{\"subjectCode\":\"" s \
	"\",\"reasonCode\":\"" r "\"}}}}"

/* What the sources disagree on, and what the binding leaves to the receiver:
 * every variant taken. */
static void test_variants_taken(void **state)
{
	json_t *j;

	(void)state;
	/* getEimPackage: a failure status for "nothing for you", as the vendor IPA reads it */
	assert_to_der(fn("getEimPackage"), false, FAILED("8.1.1", "3.7"), "BF4F03020101");
	assert_to_der(fn("getEimPackage"), false, FAILED("8.1.1", "3.9"), "BF4F03020102");
	assert_to_der(fn("getEimPackage"), false, FAILED("8.1.1", "2.2"), "BF4F03020104");
	assert_to_der(fn("getEimPackage"), false, FAILED("9.9", "9.9"), "BF4F0302017F");
	/* handleNotification: 204, or 200 with the header alone; nothing either way */
	assert_int_equal(esipa_json_response_from_asn1(fn("handleNotification"), NULL, 0, &j), IOT_OK);
	assert_null(j);
	assert_to_der(fn("handleNotification"), false, NULL, "");
	assert_to_der(fn("handleNotification"), false, "{" SUCCESS "}", "");
	/* serverSignature1 and euiccCiPKIdentifierToBeUsed without their tags */
	assert_to_der(fn("initiateAuthentication"), false,
		      "{" SUCCESS ",\"serverSigned1\":\"MASAAhI0\",\"serverSignature1\":\"qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqg==\","
		      "\"euiccCiPKIdentifierToBeUsed\":\"ERERERERERERERERERERERERERE=\",\"serverCertificate\":\"MAIwAA==\"}",
		      "BF3965A063300480021234" "5F3740" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "0414" "1111111111111111111111111111"
		      "111111111111" "30023000");
	/* an undefined error goes as a Failed status and comes back as undefinedError */
	assert_int_equal(esipa_json_response_from_asn1(fn("initiateAuthentication"),
						       (const uint8_t *)"\xBF\x39\x03\x81\x01\x34", 6, &j), IOT_OK);
	assert_json_text(j, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":{"
			    "\"subjectCode\":\"8.1\",\"reasonCode\":\"4.2\",\"message\":\"undefinedError\"}}}}");
	assert_to_der(fn("initiateAuthentication"), false, FAILED("8.1", "4.2"), "BF390381017F");
	json_decref(j);
	/* a body without the header (taken as success), a status with a warning */
	assert_to_der(fn("getEimPackage"), false, "{\"eimPackageError\":1}", "BF4F03020101");
	assert_to_der(fn("transferEimPackage"), false,
		      "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-WithWarning\"}}}", "BF4E020500");
	/* cancelSessionResponse with the [1] it has inside the request */
	assert_to_der(fn("cancelSession"), true, "{\"transactionId\":\"1234\",\"cancelSessionResponse\":\"oQMCAQU=\"}",
		      "BF410980021234A103020105");
	/* lower-case hex and notifyStateChange false */
	assert_to_der(fn("getEimPackage"), true,
		      "{\"eidValue\":\"89049032123451234512345678901235\",\"notifyStateChange\":false}",
		      "BF4F125A1089049032123451234512345678901235");
	assert_to_der(fn("authenticateClient"), true,
		      "{\"transactionId\":\"abcd\",\"authenticateServerResponse\":\"vzgEoAIwAA==\"}",
		      "BF3B0B8002ABCDBF3804A0023000");
}

/* JSON that is not what the function takes: refused, nothing written that
 * anybody would use. */
static void test_refused(void **state)
{
	static const struct {
		const char *function;
		bool request;
		const char *json;
		iot_err err;
	} bad[] = {
		{ "getEimPackage", true, "{}", IOT_E_JSON },
		{ "getEimPackage", true, "{\"eidValue\":89049032}", IOT_E_JSON },
		{ "getEimPackage", true, "{\"eidValue\":\"8904903212345123451234567890123\"}", IOT_E_JSON },
		{ "getEimPackage", true, "{\"eidValue\":\"89049032123451234512345678901235\",\"stateChangeCause\":\"1\"}",
		  IOT_E_JSON },
		{ "getEimPackage", true, "[]", IOT_E_JSON },
		{ "provideEimPackageResult", true, "{\"eimPackageResult\":\"not base64!\"}", IOT_E_JSON },
		{ "provideEimPackageResult", true, "{\"eimPackageResult\":\"vw==\"}", IOT_E_ASN1_VALUE },
		{ "handleNotification", true, "{\"somethingElse\":\"MAA=\"}", IOT_E_JSON },
		{ "authenticateClient", true, "{\"transactionId\":\"1234\",\"authenticateServerResponse\":\"MAA=\"}",
		  IOT_E_ASN1_TAG },
		{ "authenticateClient", true, "{\"transactionId\":\"\",\"authenticateServerResponse\":\"vzgA\"}",
		  IOT_E_JSON },
		{ "initiateAuthentication", true, "{\"smdpAddress\":\"x\"}", IOT_E_JSON },
		{ "getEimPackage", false, "{\"header\":{\"functionExecutionStatus\":{}}}", IOT_E_JSON },
		{ "getEimPackage", false, "{" SUCCESS "}", IOT_E_JSON },
		{ "getBoundProfilePackage", false, "{" SUCCESS ",\"transactionId\":\"1234\"}", IOT_E_JSON },
		{ "transferEimPackage", true, "{\"eimPackageError\":1}", IOT_E_JSON },
	};
	struct der_writer w;

	(void)state;
	assert_null(esipa_json_by_name("noSuchFunction"));
	assert_null(esipa_json_by_name(""));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct esipa_json_function *f = fn(bad[i].function);
		json_t *j = json_loads(bad[i].json, 0, NULL);

		print_message("%s %s\n", bad[i].function, bad[i].json);
		assert_non_null(j);
		der_writer_dynamic(&w);
		assert_int_equal(bad[i].request ? esipa_json_request_to_asn1(f, j, &w) : esipa_json_response_to_asn1(f, j, &w),
				 bad[i].err);
		der_writer_free(&w);
		json_decref(j);
	}
	/* DER that is not the function's message */
	{
		const struct esipa_json_function *f;
		json_t *j = NULL;

		assert_int_equal(esipa_json_request_from_asn1((const uint8_t *)"\xBF\x20\x00", 3, &f, &j), IOT_E_ASN1_CHOICE);
		assert_int_equal(esipa_json_request_from_asn1((const uint8_t *)"\xBF\x4F\x00", 3, &f, &j), IOT_E_ASN1_MISSING);
		assert_int_equal(esipa_json_request_from_asn1((const uint8_t *)"\xBF\x4F\x02\x5A", 4, &f, &j),
				 IOT_E_DER_TRUNCATED);
		assert_int_equal(esipa_json_response_from_asn1(fn("getEimPackage"), (const uint8_t *)"\xBF\x50\x00", 3, &j),
				 IOT_E_ASN1_TAG);
		assert_null(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_variants_taken),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
