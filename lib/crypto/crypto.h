/* lib/crypto: all the cryptography of RSP, on OpenSSL 3 — the only place in
 * the project that calls OpenSSL.
 *
 *   keys     NIST P-256 and brainpoolP256r1 key pairs and public keys
 *   ecdsa    SHA-256 ECDSA with plain r||s signatures (BSI TR-03111, tag '5F37')
 *   ecka     ECDH with one-time keys; X9.63 KDF; BSP session keys (SGP.22 2.6.4)
 *   bsp      the BPP protection protocol, formerly SCP03t (SGP.22 2.6.4)
 *   x509     certificates: parse, verify RSP chains, issue (the PKI generator)
 *
 * Ownership: objects returned through ** are owned by the caller and freed
 * with their _free function; byte buffers are the caller's. */
#ifndef IOT_CRYPTO_H
#define IOT_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"

enum crypto_curve {
	CRYPTO_CURVE_NONE = 0,
	CRYPTO_P256,                    /* NIST P-256, prime256v1 */
	CRYPTO_BRAINPOOL_P256R1,        /* brainpoolP256r1 */
};

#define CRYPTO_POINT_LEN 65             /* uncompressed EC point, '04' || X || Y */
#define CRYPTO_SIG_LEN 64               /* r || s */
#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SCALAR_LEN 32            /* a private key on either curve, big-endian */

struct crypto_buf {                     /* a span to sign or hash as one message */
	const uint8_t *ptr;
	size_t len;
};

/* ---- keys ---- */
struct crypto_key;

iot_err crypto_key_generate(enum crypto_curve curve, struct crypto_key **out);
/* A private key (PKCS#8 or SEC1) or a public key, PEM. */
iot_err crypto_key_load_pem(const char *path, struct crypto_key **out);
/* Writes the private key as PKCS#8 PEM with mode 0600, atomically. */
iot_err crypto_key_save_pem(const struct crypto_key *key, const char *path);
/* The private key as PKCS#8 DER in a malloc'd buffer (to embed in a state
 * file the caller keeps private), and back. */
iot_err crypto_key_private_der(const struct crypto_key *key, uint8_t **der, size_t *len);
iot_err crypto_key_from_private_der(const uint8_t *der, size_t len, struct crypto_key **out);
/* The private key as its bare scalar (a one-time key kept for a retry: no
 * encoder run per key), and back on the curve given, its public point
 * computed. */
iot_err crypto_key_private_scalar(const struct crypto_key *key, uint8_t out[CRYPTO_SCALAR_LEN]);
iot_err crypto_key_from_private_scalar(enum crypto_curve curve, const uint8_t *scalar, size_t len,
				       struct crypto_key **out);
/* Zeroes a secret; not optimized away as a memset before its end of life can be. */
void crypto_wipe(void *p, size_t n);
/* A public key from SubjectPublicKeyInfo DER, or from an uncompressed point. */
iot_err crypto_key_from_spki(const uint8_t *der, size_t len, struct crypto_key **out);
iot_err crypto_key_from_point(enum crypto_curve curve, const uint8_t *point, size_t len,
			      struct crypto_key **out);
/* The public point, uncompressed (CRYPTO_POINT_LEN bytes). */
iot_err crypto_key_point(const struct crypto_key *key, uint8_t out[CRYPTO_POINT_LEN]);
/* The SubjectPublicKeyInfo DER, in a malloc'd buffer. */
iot_err crypto_key_spki(const struct crypto_key *key, uint8_t **der, size_t *len);
enum crypto_curve crypto_key_curve(const struct crypto_key *key);
bool crypto_key_has_private(const struct crypto_key *key);
void crypto_key_free(struct crypto_key *key);

/* ---- hashes and random ---- */
iot_err crypto_sha256(const struct crypto_buf *parts, size_t n, uint8_t out[CRYPTO_SHA256_LEN]);
iot_err crypto_random(uint8_t *buf, size_t n);
/* SGP.22 3.1.3.x: Hashed Confirmation Code = SHA256(SHA256(code) || TransactionID) */
iot_err crypto_hash_confirmation_code(const uint8_t *code, size_t code_len,
				      const uint8_t *transaction_id, size_t txid_len,
				      uint8_t out[CRYPTO_SHA256_LEN]);
/* HMAC-SHA256 (RFC 2104), e.g. to sign a webhook's body. */
iot_err crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
			   uint8_t out[CRYPTO_SHA256_LEN]);
/* AES-128-CMAC (NIST SP 800-38B, RFC 4493). */
iot_err crypto_aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16]);

/* ---- ECDSA, TR-03111 plain signatures ---- */
/* Signs the concatenation of the parts with SHA-256. */
iot_err ecdsa_sign(const struct crypto_key *key, const struct crypto_buf *parts, size_t n,
		   uint8_t sig[CRYPTO_SIG_LEN]);
/* IOT_E_CRYPTO_SIGNATURE when sig (r||s) does not verify over the parts. */
iot_err ecdsa_verify(const struct crypto_key *key, const struct crypto_buf *parts, size_t n,
		     const uint8_t *sig, size_t sig_len);
iot_err ecdsa_sig_to_der(const uint8_t sig[CRYPTO_SIG_LEN], uint8_t *der, size_t cap, size_t *len);
iot_err ecdsa_sig_from_der(const uint8_t *der, size_t len, uint8_t sig[CRYPTO_SIG_LEN]);

/* ---- ECKA and key derivation ---- */
/* ECDH: the X coordinate of own * peer (32 bytes); both on the same curve. */
iot_err ecka_shared_secret(const struct crypto_key *own, const struct crypto_key *peer,
			   uint8_t out[32]);
/* ANSI X9.63 KDF with SHA-256. */
iot_err kdf_x963_sha256(const uint8_t *z, size_t z_len, const uint8_t *info, size_t info_len,
			uint8_t *out, size_t out_len);

struct bsp_keys {
	uint8_t mac_chaining[16];       /* initial MAC chaining value */
	uint8_t s_enc[16];
	uint8_t s_mac[16];
};
/* SGP.22 2.6.4.2: KDF(Z, keyType || keyLength || L(hostId) || hostId || L(EID) || EID) */
iot_err bsp_derive_keys(const uint8_t *shared_secret, size_t ss_len, uint8_t key_type,
			uint8_t key_len, const uint8_t *host_id, size_t host_id_len,
			const uint8_t *eid, size_t eid_len, struct bsp_keys *out);

#endif
