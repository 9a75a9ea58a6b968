/* ECKA (ECDH), the X9.63 KDF and the BSP session keys of SGP.22 2.6.4. */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

iot_err ecka_shared_secret(const struct crypto_key *own, const struct crypto_key *peer,
			   uint8_t out[32])
{
	EVP_PKEY_CTX *ctx;
	size_t len = 32;
	iot_err err = IOT_E_CRYPTO;

	/* both one-time keys are on the curve the CI key fixes */
	if (own->curve != peer->curve)
		return IOT_E_CRYPTO_CURVE;
	if (!(ctx = EVP_PKEY_CTX_new(own->pkey, NULL)))
		return IOT_E_NOMEM;
	/* the peer's point was checked on the curve when its key was made
	 * (crypto_key_from_point, a certificate's or SPKI's decoding), which
	 * with cofactor 1 is the whole check (NIST SP 800-56A 5.6.2.3.4):
	 * set_peer's own validation would add a scalar multiplication */
	if (EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer_ex(ctx, peer->pkey, 0) > 0 &&
	    EVP_PKEY_derive(ctx, out, &len) > 0 && len == 32)
		err = IOT_OK;
	EVP_PKEY_CTX_free(ctx);
	return err;
}

iot_err kdf_x963_sha256(const uint8_t *z, size_t z_len, const uint8_t *info, size_t info_len,
			uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = crypto_algs()->x963;
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[4], *p = params;
	iot_err err = IOT_E_CRYPTO;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, z_len);
	if (info_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if (ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0)
		err = IOT_OK;
	EVP_KDF_CTX_free(ctx);
	return err;
}

iot_err bsp_derive_keys(const uint8_t *shared_secret, size_t ss_len, uint8_t key_type,
			uint8_t key_len, const uint8_t *host_id, size_t host_id_len,
			const uint8_t *eid, size_t eid_len, struct bsp_keys *out)
{
	uint8_t info[2 + 1 + 16 + 1 + 16], kdf_out[48];
	size_t n = 0;
	iot_err err;

	/* SGP.22 2.6.4.2: hostId is OctetTo16, the EID 16 bytes; lengths in one byte */
	if (host_id_len > 16 || eid_len > 16)
		return IOT_E_ARG;
	/* only AES-128 ('88', 16 bytes) is defined for the BSP */
	if (key_type != 0x88 || key_len != 16)
		return IOT_E_ARG;
	info[n++] = key_type;
	info[n++] = key_len;
	info[n++] = (uint8_t)host_id_len;
	memcpy(info + n, host_id, host_id_len);
	n += host_id_len;
	info[n++] = (uint8_t)eid_len;
	memcpy(info + n, eid, eid_len);
	n += eid_len;
	if ((err = kdf_x963_sha256(shared_secret, ss_len, info, n, kdf_out, sizeof(kdf_out))) != IOT_OK)
		return err;
	/* SGP.22 2.6.4.2: initial MAC chaining value, then S-ENC, then S-MAC */
	memcpy(out->mac_chaining, kdf_out, 16);
	memcpy(out->s_enc, kdf_out + 16, 16);
	memcpy(out->s_mac, kdf_out + 32, 16);
	OPENSSL_cleanse(kdf_out, sizeof(kdf_out));
	return IOT_OK;
}
