/* libFuzzer target: the parsers of lib/crypto — certificates, public keys
 * and points, DER signatures, and protected BPP segments. */
#include <stdint.h>
#include <string.h>

#include "crypto/bsp.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_cert *cert = NULL;
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
