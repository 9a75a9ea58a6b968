/* ECDSA with SHA-256 and the plain r||s signature format of BSI TR-03111,
 * which RSP uses inside messages (tag '5F37'); X.509 uses the DER form. */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

iot_err ecdsa_sig_from_der(const uint8_t *der, size_t len, uint8_t sig[CRYPTO_SIG_LEN])
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *sv;
	iot_err err = IOT_E_CRYPTO_SIGNATURE;

	if (!s)
		return IOT_E_CRYPTO_SIGNATURE;
	ECDSA_SIG_get0(s, &r, &sv);
	/* TR-03111 5.2.1: r and s each as a 32-byte big-endian octet string */
	if (p == der + len && BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(sv, sig + 32, 32) == 32)
		err = IOT_OK;
	ECDSA_SIG_free(s);
	return err;
}

iot_err ecdsa_sig_to_der(const uint8_t sig[CRYPTO_SIG_LEN], uint8_t *der, size_t cap, size_t *len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *sv = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *p = der;
	int n;

	if (!s || !r || !sv || !ECDSA_SIG_set0(s, r, sv)) {
		ECDSA_SIG_free(s);
		BN_free(r);
		BN_free(sv);
		return IOT_E_NOMEM;
	}
	n = i2d_ECDSA_SIG(s, NULL);
	if (n <= 0 || (size_t)n > cap) {
		ECDSA_SIG_free(s);
		return n <= 0 ? IOT_E_CRYPTO : IOT_E_BUFFER;
	}
	i2d_ECDSA_SIG(s, &p);
	ECDSA_SIG_free(s);
	*len = (size_t)n;
	return IOT_OK;
}

iot_err ecdsa_sign(const struct crypto_key *key, const struct crypto_buf *parts, size_t n,
		   uint8_t sig[CRYPTO_SIG_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	size_t der_len = sizeof(der), i;
	iot_err err = IOT_E_CRYPTO;

	if (!md)
		return IOT_E_NOMEM;
	if (EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key->pkey, NULL) <= 0)
		goto out;
	for (i = 0; i < n; i++)
		if (EVP_DigestSignUpdate(md, parts[i].ptr, parts[i].len) <= 0)
			goto out;
	if (EVP_DigestSignFinal(md, der, &der_len) <= 0)
		goto out;
	err = ecdsa_sig_from_der(der, der_len, sig);
out:
	EVP_MD_CTX_free(md);
	return err;
}

iot_err ecdsa_verify(const struct crypto_key *key, const struct crypto_buf *parts, size_t n,
		     const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *md;
	uint8_t der[80];
	size_t der_len, i;
	iot_err err;
	int rc;

	/* TR-03111: a 256-bit curve gives exactly 64 bytes */
	if (sig_len != CRYPTO_SIG_LEN)
		return IOT_E_CRYPTO_SIGNATURE;
	if ((err = ecdsa_sig_to_der(sig, der, sizeof(der), &der_len)) != IOT_OK)
		return err;
	if (!(md = EVP_MD_CTX_new()))
		return IOT_E_NOMEM;
	err = IOT_E_CRYPTO;
	if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, key->pkey, NULL) <= 0)
		goto out;
	for (i = 0; i < n; i++)
		if (EVP_DigestVerifyUpdate(md, parts[i].ptr, parts[i].len) <= 0)
			goto out;
	rc = EVP_DigestVerifyFinal(md, der, der_len);
	err = rc == 1 ? IOT_OK : IOT_E_CRYPTO_SIGNATURE;
out:
	EVP_MD_CTX_free(md);
	return err;
}
