/* Public keys, decoded once. Decoding an X.509 certificate costs OpenSSL 3
 * about twice an ECDSA verification, a SubjectPublicKeyInfo about four
 * times; a server that checks the same devices' signatures again and again
 * (the eIM, each eUICC's results) keeps the keys, and so do eUICCs that
 * check the same eIM's packages. Bounded (its memory does not grow with the
 * fleet), least recently used out first, safe to share between threads. */
#ifndef IOT_CRYPTO_KEY_CACHE_H
#define IOT_CRYPTO_KEY_CACHE_H

#include "crypto/crypto.h"
#include "crypto/x509.h"

struct crypto_key_cache;

/* Room for about capacity keys. */
iot_err crypto_key_cache_new(size_t capacity, struct crypto_key_cache **out);
void crypto_key_cache_free(struct crypto_key_cache *c);
/* The subject public key of the certificate der (IOT_E_CERT_PARSE if it is
 * not one); *out is the caller's, freed with crypto_key_free. Keyed by the
 * certificate's bytes: a different certificate is never answered from an
 * older one's entry. */
iot_err crypto_key_cache_cert_key(struct crypto_key_cache *c, const uint8_t *der, size_t len,
				  struct crypto_key **out);
/* Keeps cert's key (a certificate already parsed and checked), so that the
 * next crypto_key_cache_cert_key of its DER parses nothing. */
iot_err crypto_key_cache_put_cert(struct crypto_key_cache *c, const struct crypto_cert *cert);
/* The same for a certificate checked from its DER (x509_euicc_check_der):
 * key is its subject public key. */
iot_err crypto_key_cache_put_cert_der(struct crypto_key_cache *c, const uint8_t *der, size_t len,
				      const struct crypto_key *key);
/* The key of the SubjectPublicKeyInfo der (IOT_E_CRYPTO_KEY if it is not
 * one), kept by its bytes as above. */
iot_err crypto_key_cache_spki_key(struct crypto_key_cache *c, const uint8_t *der, size_t len,
				  struct crypto_key **out);
void crypto_key_cache_stats(struct crypto_key_cache *c, uint64_t *hits, uint64_t *misses);

#endif
