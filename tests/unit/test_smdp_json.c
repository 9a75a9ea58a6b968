/* smdpd's JSON bindings over HTTPS (SGP.22 6.5): ES2+ for a profile owner
 * with its bearer token, then a whole ES9+ download into the software eUICC
 * with every value in JSON (base64 ASN.1, hex transactionId), and the
 * binding's errors: status codes in functionExecutionStatus, HTTP 400 / 401
 * / 404 for requests that are not RSP requests. */
#include "testutil.h"
#include "fixture.h"
#include "owner_side.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "base/hex.h"
#include "net/http.h"
#include "net/json_binding.h"
#include "rsp/rsp.h"
#include "smdp/server.h"

#define ADDRESS "smdp.iotrsp.test"

static struct fixture_pki pki;
static struct smdp_credentials creds;
/* the profile owner's own server, taking HandleDownloadProgressInfo */
static struct owner_side owner;
static char print_c[65];
/* operator-c has no token: it authenticates by its TLS client certificate */
static struct smdp_es2_client clients[] = { { "operator-a", "token-a", owner.url, NULL },
					    { "operator-b", "token-b", NULL, NULL },
					    { "operator-c", NULL, NULL, print_c } };
/* ES2+ client certificates: operator-c's, one expired and one trusted but
 * standing for no one (all three in the CA file), one foreign */
static char cert_c[200], key_c[200], cert_old[200], key_old[200], cert_none[200], key_none[200], cert_foreign[200],
	key_foreign[200], es2_ca[200];
static struct smdp_server *server;
static struct http_client *client;
static struct euicc *euicc;
static char db_url[200], tls_cert[200], tls_key[200];
static uint8_t resp[65536];
static size_t resp_len;

static void es2_client_certs(void)
{
	const char *trusted[] = { cert_c, cert_old, cert_none };
	struct crypto_cert *c;
	struct crypto_buf b;
	uint8_t d[CRYPTO_SHA256_LEN];
	FILE *out;

	fixture_tls_cert_for("operator-c", pki.dir, "op-c", cert_c, sizeof(cert_c), key_c, sizeof(key_c));
	fixture_tls_cert_dated("operator-c", time(NULL) - 7200, time(NULL) - 3600, pki.dir, "op-old", cert_old,
			       sizeof(cert_old), key_old, sizeof(key_old));
	fixture_tls_cert_for("operator-x", pki.dir, "op-none", cert_none, sizeof(cert_none), key_none,
			     sizeof(key_none));
	fixture_tls_cert_for("operator-c", pki.dir, "op-foreign", cert_foreign, sizeof(cert_foreign), key_foreign,
			     sizeof(key_foreign));
	snprintf(es2_ca, sizeof(es2_ca), "%s/es2-ca.pem", pki.dir);
	assert_non_null(out = fopen(es2_ca, "w"));
	for (size_t i = 0; i < 3; i++) {
		char line[256];
		FILE *in = fopen(trusted[i], "r");

		assert_non_null(in);
		while (fgets(line, sizeof(line), in))
			fputs(line, out);
		fclose(in);
	}
	fclose(out);
	assert_int_equal(x509_load(cert_c, &c), IOT_OK);
	b.ptr = x509_der(c, &b.len);
	assert_int_equal(crypto_sha256(&b, 1, d), IOT_OK);
	hex_encode(d, sizeof(d), print_c);
	x509_free(c);
}

static int setup(void **state)
{
	struct smdp_server_config sc = { 0 };
	struct http_client_config cc = { 0 };

	(void)state;
	owner_side_start(&owner);
	fixture_pki_make(&pki, CRYPTO_P256);
	fixture_tls_cert(pki.dir, "tls", tls_cert, sizeof(tls_cert), tls_key, sizeof(tls_key));
	snprintf(db_url, sizeof(db_url), "sqlite:%s/smdp.db", pki.dir);
	es2_client_certs();
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	sc.smdp = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db_url };
	sc.http = (struct http_server_config){ .cert_file = tls_cert, .key_file = tls_key, .threads = 2 };
	sc.clients = clients;
	sc.client_count = 3;
	sc.es2_client_ca_file = es2_ca;
	assert_int_equal(smdp_server_start(&sc, &server), IOT_OK);
	cc.ca_file = tls_cert;
	assert_int_equal(http_client_new(&cc, &client), IOT_OK);
	euicc = fixture_euicc(&pki);
	apdu(euicc, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	http_client_free(client);
	smdp_server_stop(server);
	owner_side_stop(&owner);
	euicc_free(euicc);
	fixture_pki_remove(&pki);
	return 0;
}

/* POSTs q (consumed) to path; the HTTP status, and the JSON answer or NULL. */
static json_t *post(const char *path, json_t *q, const char *token, int *status)
{
	char url[200], auth[100];
	const char *headers[] = { "Content-Type: application/json", "X-Admin-Protocol: gsma/rsp/v2.5.0", auth, NULL };
	char *text = q ? json_dumps(q, JSON_COMPACT) : strdup("{not json");
	uint8_t *body;
	size_t len;
	json_t *r;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
	if (!token)
		headers[2] = NULL;
	snprintf(url, sizeof(url), "https://localhost:%u%s", smdp_server_port(server), path);
	assert_int_equal(http_client_post(client, url, headers, (const uint8_t *)text, strlen(text), status, &body, &len),
			 IOT_OK);
	r = len ? json_loadb((const char *)body, len, 0, NULL) : NULL;
	free(body);
	free(text);
	json_decref(q);
	return r;
}

static void assert_outcome(json_t *r, const char *status, const char *subject, const char *reason)
{
	struct jb_status st;

	assert_non_null(r);
	assert_int_equal(jb_response_status(r, &st), IOT_OK);
	assert_string_equal(st.status, status);
	if (subject)
		assert_string_equal(st.subject_code, subject);
	if (reason)
		assert_string_equal(st.reason_code, reason);
}

static json_t *es2(const char *fn, const char *token, json_t *body, int *status)
{
	char path[100];

	json_object_set_new(body, "header", json_pack("{s:s, s:s}", "functionRequesterIdentifier", "test",
						      "functionCallIdentifier", fn));
	snprintf(path, sizeof(path), "/gsma/rsp2/es2plus/%s", fn);
	return post(path, body, token, status);
}

static void test_es2plus(void **state)
{
	json_t *r;
	int status;

	(void)state;
	/* SGP.22 6.1.2: no token, or a wrong one: not an ES2+ client */
	r = es2("downloadOrder", NULL, json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_int_equal(status, 401);
	json_decref(r);
	r = es2("downloadOrder", "token-x", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_int_equal(status, 401);
	json_decref(r);
	/* no profile yet */
	r = es2("downloadOrder", "token-a", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_int_equal(status, 200);
	assert_outcome(r, JB_FAILED, "8.2.1", "3.9");
	json_decref(r);
	r = es2("downloadOrder", "token-a", json_pack("{s:s}", "iccid", "89494499"), &status);
	assert_outcome(r, JB_FAILED, "8.2.1", "2.1");
	json_decref(r);
	/* a request without its header is not an ES2+ request */
	r = post("/gsma/rsp2/es2plus/downloadOrder", json_pack("{s:s}", "iccid", "8949449999999990023"), "token-a",
		 &status);
	assert_int_equal(status, 400);
	json_decref(r);
	r = post("/gsma/rsp2/es2plus/downloadOrder", NULL, "token-a", &status);
	assert_int_equal(status, 400);
	json_decref(r);
}

/* ---- ES9+ in JSON, the LPA's side ---- */

static json_t *es9(const char *fn, json_t *q, int *status)
{
	char path[100];

	snprintf(path, sizeof(path), "/gsma/rsp2/es9plus/%s", fn);
	return post(path, q, NULL, status);
}

static unsigned es10(const uint8_t *req, size_t n)
{
	unsigned count;

	return es10_apdus(euicc, req, n, 255, resp, sizeof(resp), &resp_len, &count);
}

static uint8_t *b64_field(json_t *r, const char *key, size_t *len)
{
	uint8_t *der;

	assert_int_equal(jb_get_asn1(r, key, &der, len), IOT_OK);
	return der;
}

/* The value of a whole TLV given as base64. */
static rsp_bytes tlv_value(const uint8_t *der, size_t len)
{
	struct der_tlv t;

	assert_int_equal(der_parse_one(der, len, &t), IOT_OK);
	return RSP_BYTES(t.value, t.len);
}

/* initiateAuthentication .. authenticateClient for matching_id; returns the
 * authenticateClient answer and the transactionId. */
static json_t *authenticate(const char *matching_id, char txid[33], uint8_t *bufs[8])
{
	struct rsp_authenticate_server_request q = { 0 };
	struct rsp_arena a;
	json_t *r, *in;
	uint8_t *req;
	size_t n, l1, l2, l3, l4;
	int status;

	assert_int_equal(es10((const uint8_t *)"\xBF\x2E\x00", 3), 0x9000);
	in = json_object();
	/* SGP.22 6.5.2.6: euiccChallenge is the 16 bytes, euiccInfo1 the whole 'BF20' */
	jb_set_asn1(in, "euiccChallenge", resp + 5, 16);
	assert_int_equal(es10((const uint8_t *)"\xBF\x20\x00", 3), 0x9000);
	jb_set_asn1(in, "euiccInfo1", resp, resp_len);
	json_object_set_new(in, "smdpAddress", json_string(ADDRESS));
	r = es9("initiateAuthentication", in, &status);
	assert_int_equal(status, 200);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	snprintf(txid, 33, "%s", json_string_value(json_object_get(r, "transactionId")));
	assert_int_equal(strlen(txid), 32);
	bufs[0] = b64_field(r, "serverSigned1", &l1);
	bufs[1] = b64_field(r, "serverSignature1", &l2);
	bufs[2] = b64_field(r, "euiccCiPKIdToBeUsed", &l3);
	bufs[3] = b64_field(r, "serverCertificate", &l4);
	json_decref(r);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_server_signed1, bufs[0], l1, &q.server_signed1, &a), IOT_OK);
	q.server_signature1 = tlv_value(bufs[1], l2);
	q.euicc_ci_pkid_to_be_used = tlv_value(bufs[2], l3);
	q.server_certificate = RSP_BYTES(bufs[3], l4);
	q.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	q.ctx_params1.u.common.has_matching_id = true;
	q.ctx_params1.u.common.matching_id = RSP_BYTES(matching_id, strlen(matching_id));
	q.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
	assert_int_equal(rsp_encode_alloc(&rsp_t_authenticate_server_request, &q, &req, &n), IOT_OK);
	rsp_arena_free(&a);
	assert_int_equal(es10(req, n), 0x9000);
	free(req);
	in = json_pack("{s:s}", "transactionId", txid);
	jb_set_asn1(in, "authenticateServerResponse", resp, resp_len);
	r = es9("authenticateClient", in, &status);
	assert_int_equal(status, 200);
	return r;
}

static void import_profile(void)
{
	struct smdp_config cfg = { .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db_url };
	struct smdp_profile_info info = { .owner = "operator-a", .service_provider_name = "Operator A",
					  .profile_name = "IoT", .profile_class = 2 };
	static uint8_t upp[8000];
	uint8_t iccid[10];
	struct smdp *dp;

	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 3);
	assert_int_equal(rsp_iccid_from_digits("8949449999999990023", iccid), IOT_OK);
	assert_int_equal(smdp_open(&cfg, &dp), IOT_OK);
	assert_int_equal(smdp_add_profile(dp, iccid, &info, upp, sizeof(upp)), IOT_OK);
	smdp_close(dp);
}

static void import_and_order(const char *matching_id)
{
	json_t *r;
	int status;

	import_profile();
	/* another owner does not see it */
	r = es2("downloadOrder", "token-b", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_outcome(r, JB_FAILED, "8.2.1", "3.9");
	json_decref(r);
	r = es2("downloadOrder", "token-a", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "iccid")), "8949449999999990023");
	json_decref(r);
	r = es2("confirmOrder", "token-a", json_pack("{s:s, s:s, s:b}", "iccid", "8949449999999990023", "matchingId",
						     matching_id, "releaseFlag", 0), &status);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "matchingId")), matching_id);
	assert_string_equal(json_string_value(json_object_get(r, "smdpAddress")), ADDRESS);
	json_decref(r);
}

static void test_es9plus_download(void **state)
{
	struct rsp_prepare_download_request q = { 0 };
	struct rsp_arena a;
	uint8_t *bufs[8] = { 0 }, *s2, *sig2, *cert, *bpp, *req;
	size_t l1, l2, l3, bpp_len, n;
	char txid[33];
	json_t *r, *in;
	int status;

	(void)state;
	import_and_order("JSON-1");
	/* not released yet */
	r = authenticate("JSON-1", txid, bufs);
	assert_outcome(r, JB_FAILED, "8.2", "1.2");
	json_decref(r);
	for (int i = 0; i < 4; i++)
		free(bufs[i]);
	r = es2("releaseProfile", "token-a", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	json_decref(r);
	r = es2("releaseProfile", "token-a", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_outcome(r, JB_FAILED, "8.2.1", "3.5");
	json_decref(r);
	/* a wrong MatchingID */
	r = authenticate("JSON-X", txid, bufs);
	assert_outcome(r, JB_FAILED, "8.2.6", "3.8");
	json_decref(r);
	for (int i = 0; i < 4; i++)
		free(bufs[i]);

	r = authenticate("JSON-1", txid, bufs);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "transactionId")), txid);
	s2 = b64_field(r, "smdpSigned2", &l1);
	sig2 = b64_field(r, "smdpSignature2", &l2);
	cert = b64_field(r, "smdpCertificate", &l3);
	{
		uint8_t *md = b64_field(r, "profileMetadata", &n);

		assert_int_equal(md[0], 0xBF);  /* StoreMetadataRequest */
		assert_int_equal(md[1], 0x25);
		free(md);
	}
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_smdp_signed2, s2, l1, &q.smdp_signed2, &a), IOT_OK);
	q.smdp_signature2 = tlv_value(sig2, l2);
	q.smdp_certificate = RSP_BYTES(cert, l3);
	assert_int_equal(rsp_encode_alloc(&rsp_t_prepare_download_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es10(req, n), 0x9000);
	free(req);
	rsp_arena_free(&a);
	json_decref(r);
	in = json_pack("{s:s}", "transactionId", txid);
	jb_set_asn1(in, "prepareDownloadResponse", resp, resp_len);
	r = es9("getBoundProfilePackage", in, &status);
	assert_int_equal(status, 200);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	bpp = b64_field(r, "boundProfilePackage", &bpp_len);
	json_decref(r);
	assert_int_equal(fixture_load_bpp(euicc, bpp, bpp_len, 255, -1, resp, sizeof(resp), &resp_len), 0x9000);
	assert_int_equal(resp[0], 0xBF);
	assert_int_equal(resp[1], 0x37);
	/* SGP.22 6.5.2.4: the notification is taken with 204 and no body */
	in = json_object();
	jb_set_asn1(in, "pendingNotification", resp, resp_len);
	r = es9("handleNotification", in, &status);
	assert_int_equal(status, 204);
	assert_null(r);
	/* the session is over: the transactionId is unknown now */
	in = json_pack("{s:s}", "transactionId", txid);
	jb_set_asn1(in, "prepareDownloadResponse", (const uint8_t *)"\xBF\x21\x00", 3);
	r = es9("getBoundProfilePackage", in, &status);
	assert_outcome(r, JB_FAILED, NULL, NULL);
	json_decref(r);
	free(bpp);
	free(s2);
	free(sig2);
	free(cert);
	for (int i = 0; i < 4; i++)
		free(bufs[i]);

	/* SGP.22 5.3.7: the owner heard of each step, in order */
	{
		static const struct {
			int point;
			const char *status, *subject;
		} want[] = { { 1, JB_FAILED, "8.2" }, { 1, JB_EXECUTED_SUCCESS, NULL }, { 3, JB_EXECUTED_SUCCESS, NULL },
			     { 4, JB_EXECUTED_SUCCESS, NULL } };

		assert_int_equal(owner_side_wait(&owner, 4), 4);
		for (size_t i = 0; i < 4; i++) {
			json_t *rep = json_array_get(owner.reports, i), *st = json_object_get(rep, "notificationPointStatus");

			assert_int_equal(json_integer_value(json_object_get(rep, "notificationPointId")), want[i].point);
			assert_string_equal(json_string_value(json_object_get(rep, "iccid")), "8949449999999990023");
			assert_string_equal(json_string_value(json_object_get(rep, "eid")), FIXTURE_EID);
			assert_string_equal(json_string_value(json_object_get(st, "status")), want[i].status);
			if (want[i].subject)
				assert_string_equal(json_string_value(json_object_get(json_object_get(st, "statusCodeData"),
										     "subjectCode")), want[i].subject);
			assert_non_null(json_object_get(rep, "timestamp"));
		}
		/* the installation result, as the eUICC signed it */
		assert_int_equal(jb_get_asn1(json_array_get(owner.reports, 3), "resultData", &bpp, &bpp_len), IOT_OK);
		assert_int_equal(bpp[0], 0xBF);
		assert_int_equal(bpp[1], 0x37);
		free(bpp);
	}
}

/* An owner that is down gets its reports later, none lost. */
static void test_progress_retried(void **state)
{
	json_t *r;
	int status;

	(void)state;
	owner_side_refuse(&owner, 1);
	import_and_order("JSON-2");
	r = es2("releaseProfile", "token-a", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	json_decref(r);
	{
		uint8_t *bufs[8] = { 0 };
		char txid[33];

		r = authenticate("JSON-2", txid, bufs);
		assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
		json_decref(r);
		for (int i = 0; i < 4; i++)
			free(bufs[i]);
	}
	/* the first try was refused; the retry comes after its back-off (1 s) */
	assert_int_equal(owner_side_wait(&owner, 1), 1);
	assert_int_equal(owner_side_refusals_left(&owner), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(owner.reports, 0), "notificationPointId")), 1);
}

/* An ES2+ call with a TLS client certificate (and maybe a token): the HTTP status. */
static int es2_with_cert(const char *cert, const char *key, const char *token)
{
	struct http_client_config cc = { .ca_file = tls_cert, .cert_file = cert, .key_file = key };
	struct http_client *c;
	char url[200], auth[100];
	const char *headers[] = { "Content-Type: application/json", "X-Admin-Protocol: gsma/rsp/v2.5.0", auth, NULL };
	const char *body = "{\"header\":{\"functionRequesterIdentifier\":\"t\",\"functionCallIdentifier\":\"d\"},"
			   "\"iccid\":\"8949449999999990023\"}";
	uint8_t *answer = NULL;
	size_t len;
	int status = 0;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
	if (!token)
		headers[2] = NULL;
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/es2plus/downloadOrder", smdp_server_port(server));
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	/* a refused certificate may end the connection before an answer */
	if (http_client_post(c, url, headers, (const uint8_t *)body, strlen(body), &status, &answer, &len) != IOT_OK)
		status = -1;
	if (status == 200) {
		json_t *r = json_loadb((const char *)answer, len, 0, NULL);

		/* the profile is operator-a's: operator-c is told it does not exist */
		if (token && !strcmp(token, "token-a"))
			assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
		else
			assert_outcome(r, JB_FAILED, "8.2.1", "3.9");
		json_decref(r);
	}
	free(answer);
	http_client_free(c);
	return status;
}

/* #15 item 10: ES2+ over mutual TLS (SGP.22 2.6.6.1), the owner known by its
 * certificate; a foreign, expired or unmapped one is refused; tokens stay. */
static void test_es2plus_mutual_tls(void **state)
{
	(void)state;
	import_profile();
	assert_int_equal(es2_with_cert(cert_c, key_c, NULL), 200);
	/* a certificate and the token of the same owner... or of another */
	assert_int_equal(es2_with_cert(cert_c, key_c, "token-b"), 403);
	assert_int_equal(es2_with_cert(cert_old, key_old, NULL), 403);
	assert_int_equal(es2_with_cert(cert_foreign, key_foreign, NULL), 403);
	assert_int_equal(es2_with_cert(cert_none, key_none, NULL), 403);
	/* a refused certificate is not rescued by a valid token */
	assert_int_equal(es2_with_cert(cert_foreign, key_foreign, "token-a"), 403);
	/* no certificate: the bearer token, as before; operator-c has none */
	assert_int_equal(es2_with_cert(NULL, NULL, "token-a"), 200);
	assert_int_equal(es2_with_cert(NULL, NULL, NULL), 401);
}

/* #15 item 15: ConfirmOrder asking for an SM-DS event is refused with the
 * spec's code (smdpd has no ES12) and confirms nothing. */
static void test_confirm_order_with_smds(void **state)
{
	json_t *r;
	int status;

	(void)state;
	import_profile();
	r = es2("downloadOrder", "token-a", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	json_decref(r);
	r = es2("confirmOrder", "token-a", json_pack("{s:s, s:s, s:s, s:b}", "iccid", "8949449999999990023", "matchingId",
						     "SMDS-1", "smdsAddress", "smds.example.test", "releaseFlag", 1),
		&status);
	assert_int_equal(status, 200);
	assert_outcome(r, JB_FAILED, "8.9", "5.1");
	json_decref(r);
	/* nothing was confirmed or released: the MatchingID does not authenticate */
	{
		uint8_t *bufs[8] = { 0 };
		char txid[33];

		r = authenticate("SMDS-1", txid, bufs);
		assert_outcome(r, JB_FAILED, NULL, NULL);
		json_decref(r);
		for (int i = 0; i < 4; i++)
			free(bufs[i]);
	}
	/* the same order confirmed without an SM-DS goes on */
	r = es2("confirmOrder", "token-a", json_pack("{s:s, s:s, s:b}", "iccid", "8949449999999990023", "matchingId",
						     "SMDS-1", "releaseFlag", 1), &status);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	json_decref(r);
}

/* #15 item 13: an eUICC that refuses PrepareDownload gets a failure, never
 * "Executed-Success" without a BPP; the session ends and the owner hears of it. */
static void test_bpp_refused_by_euicc(void **state)
{
	uint8_t *bufs[8] = { 0 }, txid_bin[16], pdr[26];
	char txid[33];
	size_t n;
	json_t *r, *in;
	int status;

	(void)state;
	import_and_order("JSON-3");
	r = es2("releaseProfile", "token-a", json_pack("{s:s}", "iccid", "8949449999999990023"), &status);
	json_decref(r);
	r = authenticate("JSON-3", txid, bufs);
	assert_outcome(r, JB_EXECUTED_SUCCESS, NULL, NULL);
	json_decref(r);
	for (int i = 0; i < 4; i++)
		free(bufs[i]);
	/* PrepareDownloadResponse 'BF21' { downloadResponseError [1] { transactionId, undefinedError(127) } } */
	assert_int_equal(hex_decode(txid, txid_bin, sizeof(txid_bin), &n), IOT_OK);
	memcpy(pdr, "\xBF\x21\x17\xA1\x15\x80\x10", 7);
	memcpy(pdr + 7, txid_bin, 16);
	memcpy(pdr + 23, "\x02\x01\x7F", 3);
	in = json_pack("{s:s}", "transactionId", txid);
	jb_set_asn1(in, "prepareDownloadResponse", pdr, sizeof(pdr));
	r = es9("getBoundProfilePackage", in, &status);
	assert_int_equal(status, 200);
	assert_outcome(r, JB_FAILED, "8.1", "3.8");
	assert_null(json_object_get(r, "boundProfilePackage"));
	json_decref(r);
	/* the session is over */
	in = json_pack("{s:s}", "transactionId", txid);
	jb_set_asn1(in, "prepareDownloadResponse", pdr, sizeof(pdr));
	r = es9("getBoundProfilePackage", in, &status);
	assert_outcome(r, JB_FAILED, "8.10.1", "3.9");
	json_decref(r);
	assert_true(owner_side_wait_for(&owner, 3, "8.1", "3.8"));
}

static void test_binding_errors(void **state)
{
	json_t *r;
	int status;
	char url[200];
	const char *no_protocol[] = { "Content-Type: application/json", NULL };
	uint8_t *body;
	size_t len;

	(void)state;
	/* SGP.22 6.5.1: a mandatory element missing */
	r = es9("initiateAuthentication", json_pack("{s:s}", "smdpAddress", ADDRESS), &status);
	assert_int_equal(status, 200);
	assert_outcome(r, JB_FAILED, "1.3.1", "2.2");
	json_decref(r);
	r = es9("authenticateClient", json_pack("{s:s, s:s}", "transactionId", "zz", "authenticateServerResponse", "AA=="),
		&status);
	assert_outcome(r, JB_FAILED, "1.3.1", NULL);
	json_decref(r);
	r = es9("initiateAuthentication", NULL, &status);
	assert_int_equal(status, 400);
	json_decref(r);
	r = es9("noSuchFunction", json_object(), &status);
	assert_int_equal(status, 404);
	json_decref(r);
	/* without X-Admin-Protocol it is not an RSP request */
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/es9plus/initiateAuthentication",
		 smdp_server_port(server));
	assert_int_equal(http_client_post(client, url, no_protocol, (const uint8_t *)"{}", 2, &status, &body, &len),
			 IOT_OK);
	assert_int_equal(status, 400);
	free(body);
	/* the ASN.1 binding wants its content type, and a request that decodes */
	r = post("/gsma/rsp2/asn1", json_object(), NULL, &status);
	assert_int_equal(status, 415);
	json_decref(r);
	/* health and metrics */
	snprintf(url, sizeof(url), "https://localhost:%u/health", smdp_server_port(server));
	assert_int_equal(http_client_post(client, url, NULL, (const uint8_t *)"", 0, &status, &body, &len), IOT_OK);
	assert_int_equal(status, 200);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_es2plus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_es9plus_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bpp_refused_by_euicc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_order_with_smds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_es2plus_mutual_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress_retried, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
