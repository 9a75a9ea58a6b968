/* Optional: euiccd provisioned with the GSMA SGP.26 test eUICC (key and
 * certificates from ../shared/reference/sgp26-certs) answers as that eUICC,
 * and authenticates the SGP.26 test SM-DP+. Skipped when the folder is
 * missing. */
#include "testutil.h"

#include <stdio.h>
#include <unistd.h>

#include "crypto/x509.h"
#include "euicc/euicc.h"
#include "fixture.h"
#include "rsp/rsp.h"

static char dir[64], state_path[128];
static uint8_t resp[65536];
static size_t resp_len;

static const char *ref(void)
{
	const char *r = getenv("IOTRSP_REFERENCE");

	return r ? r : "../shared/reference";
}

static void path(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/sgp26-certs/%s", ref(), rel);
}

static void check_curve(const char *c)
{
	char key[512], cert[512], eum[512], ci[512], auth_key[512], auth[512];
	const char *cis[] = { ci };
	struct euicc_provision p = { 0 };
	struct euicc *e;
	struct rsp_arena a;
	struct rsp_get_euicc_data_response eid;
	struct rsp_get_euicc_challenge_response ch;
	struct rsp_authenticate_server_request q = { 0 };
	struct rsp_authenticate_server_response r;
	struct crypto_key *dp_key;
	struct crypto_cert *ci_cert, *dp_cert, *euicc_cert, *eum_cert;
	struct crypto_buf part;
	uint8_t sig[64], *ss1, *req, eid_bin[16], challenge[16];
	size_t n, ski_len, cert_len;
	enum x509_role failed;
	char file[64];

	snprintf(file, sizeof(file), "eUICC/SK_EUICC_ECDSA_%s.pem", c);
	path(key, sizeof(key), file);
	snprintf(file, sizeof(file), "eUICC/CERT_EUICC_ECDSA_%s.der", c);
	path(cert, sizeof(cert), file);
	snprintf(file, sizeof(file), "EUM/CERT_EUM_ECDSA_%s.der", c);
	path(eum, sizeof(eum), file);
	snprintf(file, sizeof(file), "CertificateIssuer/CERT_CI_ECDSA_%s.der", c);
	path(ci, sizeof(ci), file);
	snprintf(file, sizeof(file), "DPauth/SK_S_SM_DPauth_ECDSA_%s.pem", c);
	path(auth_key, sizeof(auth_key), file);
	snprintf(file, sizeof(file), "DPauth/CERT_S_SM_DPauth_ECDSA_%s.der", c);
	path(auth, sizeof(auth), file);
	p.key_path = key;
	p.cert_path = cert;
	p.eum_cert_path = eum;
	p.ci_cert_paths = cis;
	p.ci_count = 1;
	p.state_path = state_path;
	unlink(state_path);
	assert_int_equal(euicc_create(&p, &e), IOT_OK);
	rsp_arena_dynamic(&a);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x3E\x03\x5C\x01\x5A", 6, 255, resp, sizeof(resp), &resp_len,
				    NULL), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_get_euicc_data_response, resp, resp_len, &eid, &a), IOT_OK);
	hex("89049032123451234512345678901235", eid_bin, 16);
	assert_memory_equal(eid.eid_value.ptr, eid_bin, 16);

	/* AuthenticateServer from the SGP.26 test SM-DP+ */
	assert_int_equal(crypto_key_load_pem(auth_key, &dp_key), IOT_OK);
	assert_int_equal(x509_load(ci, &ci_cert), IOT_OK);
	assert_int_equal(x509_load(auth, &dp_cert), IOT_OK);
	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x2E\x00", 3, 255, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_get_euicc_challenge_response, resp, resp_len, &ch, &a), IOT_OK);
	memcpy(challenge, ch.euicc_challenge.ptr, 16);
	q.server_signed1.transaction_id = RSP_STR("\x01\x02\x03\x04");
	q.server_signed1.euicc_challenge = RSP_BYTES(challenge, 16);
	q.server_signed1.server_address = RSP_STR("testsmdpplus1.example.com");
	q.server_signed1.server_challenge = RSP_BYTES(challenge, 16);
	assert_int_equal(rsp_encode_alloc(&rsp_t_server_signed1, &q.server_signed1, &ss1, &n), IOT_OK);
	part = (struct crypto_buf){ ss1, n };
	assert_int_equal(ecdsa_sign(dp_key, &part, 1, sig), IOT_OK);
	free(ss1);
	q.server_signature1 = RSP_BYTES(sig, 64);
	q.euicc_ci_pkid_to_be_used = RSP_BYTES(x509_ski(ci_cert, &ski_len), ski_len);
	q.server_certificate = RSP_BYTES(x509_der(dp_cert, &cert_len), cert_len);
	q.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	q.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
	assert_int_equal(rsp_encode_alloc(&rsp_t_authenticate_server_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es10_apdus(e, req, n, 255, resp, sizeof(resp), &resp_len, NULL), 0x9000);
	free(req);
	assert_int_equal(rsp_decode(&rsp_t_authenticate_server_response, resp, resp_len, &r, &a), IOT_OK);
	assert_int_equal(r.choice, RSP_AUTH_RESP_OK);
	/* and the answer verifies as an SM-DP+ checks it: chain and signature */
	assert_int_equal(x509_parse(r.u.ok.euicc_certificate.ptr, r.u.ok.euicc_certificate.len, &euicc_cert), IOT_OK);
	assert_int_equal(x509_parse(r.u.ok.eum_certificate.ptr, r.u.ok.eum_certificate.len, &eum_cert), IOT_OK);
	assert_int_equal(x509_verify_euicc_chain(ci_cert, eum_cert, euicc_cert, time(NULL), &failed), IOT_OK);
	part = (struct crypto_buf){ r.u.ok.euicc_signed1.der.ptr, r.u.ok.euicc_signed1.der.len };
	assert_int_equal(ecdsa_verify(x509_key(euicc_cert), &part, 1, r.u.ok.euicc_signature1.ptr, 64), IOT_OK);
	x509_free(euicc_cert);
	x509_free(eum_cert);
	x509_free(ci_cert);
	x509_free(dp_cert);
	crypto_key_free(dp_key);
	rsp_arena_free(&a);
	euicc_free(e);
}

static void test_sgp26_test_euicc(void **state)
{
	char probe[512];
	(void)state;

	path(probe, sizeof(probe), "eUICC/SK_EUICC_ECDSA_NIST.pem");
	if (access(probe, R_OK) != 0) {
		printf("skipped: no SGP.26 certificates under %s\n", ref());
		skip();
	}
	check_curve("NIST");
	check_curve("BRP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sgp26_test_euicc),
	};
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/iotrsp-sgp26-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(state_path, sizeof(state_path), "%s/euicc.state", dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(state_path);
	rmdir(dir);
	return rc;
}
