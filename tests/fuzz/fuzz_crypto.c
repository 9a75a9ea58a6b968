/* libFuzzer target: the parsers of lib/crypto — certificates (OpenSSL's
 * the DER check of CERT.EUICC against an EUM made here, a subject key read
 * from the DER), public keys
 * and points, DER signatures, and protected BPP segments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/bsp.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An EUM (nameConstraints 89049032) of its own CI, made once. */
static struct x509_euicc_issuer *the_eum(void)
{
	static struct x509_euicc_issuer *issuer;
	struct x509_template t = { .role = X509_ROLE_CI, .cn = "CI", .o = "fuzz", .serial = 1 };
	struct crypto_key *k;
	struct crypto_cert *ci, *eum;

	if (issuer)
		return issuer;
	t.not_before = time(NULL) - 3600;
	t.not_after = time(NULL) + 86400;
	if (crypto_key_generate(CRYPTO_P256, &k) != IOT_OK || x509_issue(&t, k, NULL, k, &ci) != IOT_OK)
		abort();
	t.role = X509_ROLE_EUM;
	t.ein = "89049032";
	if (x509_issue(&t, k, ci, k, &eum) != IOT_OK || x509_euicc_issuer_new(eum, &issuer) != IOT_OK)
		abort();
	x509_free(ci);
	x509_free(eum);
	crypto_key_free(k);
	return issuer;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_cert *cert = NULL;
	char eid[40];
	struct crypto_key *key = NULL;
	struct bsp_keys keys;
	struct bsp b;
	struct der_writer out;
	uint8_t sig[64];

	if (x509_parse(data, size, &cert) == IOT_OK) {
		size_t len;
		char serial[64];

		(void)x509_ski(cert, &len);
		(void)x509_subject_serial(cert, serial, sizeof(serial));
		(void)x509_check_issued(cert, X509_ROLE_EUICC, cert, 0);
		x509_free(cert);
	}
	(void)x509_euicc_check_der(the_eum(), data, size, time(NULL), eid, sizeof(eid), NULL);
	if (x509_subject_key_der(data, size, &key) == IOT_OK)
		crypto_key_free(key);
	if (crypto_key_from_spki(data, size, &key) == IOT_OK)
		crypto_key_free(key);
	if (crypto_key_from_point(CRYPTO_P256, data, size, &key) == IOT_OK)
		crypto_key_free(key);
	(void)ecdsa_sig_from_der(data, size, sig);
	memset(&keys, 0x5A, sizeof(keys));
	bsp_init(&b, &keys);
	der_writer_dynamic(&out);
	(void)bsp_unprotect(&b, data, size, size & 1, &out);
	der_writer_free(&out);
	return 0;
}
