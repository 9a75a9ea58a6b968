/* Shared inside lib/crypto only. */
#ifndef IOT_CRYPTO_INTERNAL_H
#define IOT_CRYPTO_INTERNAL_H

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"

struct crypto_key {
	EVP_PKEY *pkey;
	enum crypto_curve curve;
};

struct crypto_cert {
	X509 *x;
	struct crypto_key *key;
	uint8_t *der;
	size_t der_len;
};

/* OpenSSL's algorithms RSP uses, fetched once for the process (a call
 * naming one, or passing EVP_sha256(), looks it up again each time); a
 * member is NULL when OpenSSL lacks it. */
struct crypto_algs {
	EVP_MD *sha256;
	EVP_CIPHER *aes128_cbc, *aes128_ecb;
	EVP_MAC *cmac;
	EVP_KDF *x963;
};
const struct crypto_algs *crypto_algs(void);

/* The first value of attribute nid in name, as text. */
iot_err x509_name_text(const X509_NAME *name, int nid, char *buf, size_t cap);
/* Wraps an EVP_PKEY (taking ownership) after checking its curve. */
iot_err crypto_key_wrap(EVP_PKEY *pkey, struct crypto_key **out);
/* Writes data to path through a temporary file and rename, with mode. */
iot_err crypto_write_file_atomic(const char *path, const uint8_t *data, size_t len, int mode);
/* Writes what a memory BIO holds to path (atomically, with mode) and frees it. */
iot_err crypto_save_bio(BIO *mem, const char *path, int mode);

#endif
