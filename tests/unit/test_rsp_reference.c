/* Optional tests on the GSMA reference material (SGP.26 test certificates)
 * in ../shared/reference; skipped, saying so, when it is not there. */
#include "testutil.h"

#include <stdio.h>

#include "rsp/rsp.h"

static const char *ref_dir;

static uint8_t *load(const char *rel, size_t *len)
{
	char path[1024];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", ref_dir, rel);
	if (!(f = fopen(path, "rb")))
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* GetCertsResponse carries the SGP.26 EUM and eUICC certificates under the
 * implicit tags [5] and [6]: 'A5' and 'A6' replace their '30'. */
static void check_certs(const char *eum_path, const char *euicc_path)
{
	size_t eum_len, euicc_len, out_len, n;
	uint8_t *eum = load(eum_path, &eum_len), *euicc = load(euicc_path, &euicc_len), *out;
	struct rsp_get_certs_response r = { 0 }, back;
	struct rsp_arena a;
	uint8_t *want;

	if (!eum || !euicc) {
		free(eum);
		free(euicc);
		skip();
	}
	r.choice = RSP_GET_CERTS_OK;
	r.u.certs.eum_certificate = RSP_BYTES(eum, eum_len);
	r.u.certs.euicc_certificate = RSP_BYTES(euicc, euicc_len);
	assert_int_equal(rsp_encode_alloc(&rsp_t_get_certs_response, &r, &out, &out_len), IOT_OK);

	/* expected: BF56 82 LLLL A0 82 LLLL A5 <eum without its 30> A6 <euicc without its 30> */
	n = eum_len + euicc_len;
	assert_true(n > 255 && n < 65536 - 8);
	want = malloc(n + 9);
	want[0] = 0xBF;
	want[1] = 0x56;
	want[2] = 0x82;
	want[3] = (uint8_t)((n + 4) >> 8);
	want[4] = (uint8_t)(n + 4);
	want[5] = 0xA0;
	want[6] = 0x82;
	want[7] = (uint8_t)(n >> 8);
	want[8] = (uint8_t)n;
	memcpy(want + 9, eum, eum_len);
	want[9] = 0xA5;
	memcpy(want + 9 + eum_len, euicc, euicc_len);
	want[9 + eum_len] = 0xA6;
	assert_int_equal(out_len, n + 9);
	assert_memory_equal(out, want, out_len);

	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_get_certs_response, out, out_len, &back, &a), IOT_OK);
	/* decoded certificates are whole DER certificates again */
	assert_int_equal(back.u.certs.eum_certificate.len, eum_len);
	assert_memory_equal(back.u.certs.eum_certificate.ptr, eum, eum_len);
	assert_memory_equal(back.u.certs.euicc_certificate.ptr, euicc, euicc_len);
	rsp_arena_free(&a);
	free(want);
	free(out);
	free(eum);
	free(euicc);
}

static void test_sgp26_certificates_nist(void **state)
{
	(void)state;
	check_certs("sgp26-certs/EUM/CERT_EUM_ECDSA_NIST.der", "sgp26-certs/eUICC/CERT_EUICC_ECDSA_NIST.der");
}

static void test_sgp26_certificates_brainpool(void **state)
{
	(void)state;
	check_certs("sgp26-certs/EUM/CERT_EUM_ECDSA_BRP.der", "sgp26-certs/eUICC/CERT_EUICC_ECDSA_BRP.der");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sgp26_certificates_nist),
		cmocka_unit_test(test_sgp26_certificates_brainpool),
	};
	ref_dir = argc > 1 ? argv[1] : getenv("IOTRSP_REFERENCE");
	if (!ref_dir)
		ref_dir = "../shared/reference";
	printf("reference material: %s (tests skip when it is absent)\n", ref_dir);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
