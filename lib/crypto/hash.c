/* SHA-256, HMAC-SHA256, AES-CMAC, randomness and the confirmation code hash. */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

static struct crypto_algs algs;

static void algs_fetch(void)
{
	algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	algs.aes128_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	algs.aes128_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	algs.cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	algs.x963 = EVP_KDF_fetch(NULL, "X963KDF", NULL);
}

const struct crypto_algs *crypto_algs(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, algs_fetch);
	return &algs;
}

iot_err crypto_sha256(const struct crypto_buf *parts, size_t n, uint8_t out[CRYPTO_SHA256_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;
	size_t i;
	iot_err err = IOT_E_CRYPTO;

	if (!md)
		return IOT_E_NOMEM;
	if (EVP_DigestInit_ex2(md, crypto_algs()->sha256, NULL) <= 0)
		goto out;
	for (i = 0; i < n; i++)
		if (EVP_DigestUpdate(md, parts[i].ptr, parts[i].len) <= 0)
			goto out;
	if (EVP_DigestFinal_ex(md, out, &len) > 0 && len == CRYPTO_SHA256_LEN)
		err = IOT_OK;
out:
	EVP_MD_CTX_free(md);
	return err;
}

iot_err crypto_random(uint8_t *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? IOT_OK : IOT_E_CRYPTO;
}

iot_err crypto_hash_confirmation_code(const uint8_t *code, size_t code_len,
				      const uint8_t *transaction_id, size_t txid_len,
				      uint8_t out[CRYPTO_SHA256_LEN])
{
	uint8_t inner[CRYPTO_SHA256_LEN];
	struct crypto_buf one = { code, code_len };
	struct crypto_buf two[2] = { { inner, sizeof(inner) }, { transaction_id, txid_len } };
	iot_err err;

	/* SGP.22 3.1.3.x: SHA256(SHA256(Confirmation Code) || TransactionID) */
	if ((err = crypto_sha256(&one, 1, inner)) != IOT_OK)
		return err;
	return crypto_sha256(two, 2, out);
}

iot_err crypto_aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
	EVP_MAC *mac = crypto_algs()->cmac;
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t out_len = 0;
	iot_err err = IOT_E_CRYPTO;

	if (ctx && EVP_MAC_init(ctx, key, 16, params) > 0 && EVP_MAC_update(ctx, msg, len) > 0 &&
	    EVP_MAC_final(ctx, out, &out_len, 16) > 0 && out_len == 16)
		err = IOT_OK;
	EVP_MAC_CTX_free(ctx);
	return err;
}

iot_err crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
			   uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned int n = 0;
	const EVP_MD *sha256 = crypto_algs()->sha256;

	if (key_len > 1024 || !sha256 || !HMAC(sha256, key, (int)key_len, msg, len, out, &n) ||
	    n != CRYPTO_SHA256_LEN)
		return IOT_E_CRYPTO;
	return IOT_OK;
}
