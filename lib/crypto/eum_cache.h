/* EUM certificates already checked against a CI, kept parsed. An SM-DP+
 * checks CI -> EUM -> eUICC for every download (SGP.22 5.6.3), and an
 * eUICC's manufacturer is one of a handful: the CI's self-check and the
 * EUM's by the CI give the same answer every time while both certificates
 * are valid — only the time changes it, and the cache answers only within
 * both validity periods. Keyed by the CI's and the EUM's DER, compared byte
 * for byte (a handful of entries).
 * Never evicts (an EUM handed out may be in use on another thread): once
 * full, what is not kept is checked in full each time. Shared by threads. */
#ifndef IOT_CRYPTO_EUM_CACHE_H
#define IOT_CRYPTO_EUM_CACHE_H

#include <time.h>

#include "crypto/x509.h"

struct x509_eum_cache;

iot_err x509_eum_cache_new(size_t capacity, struct x509_eum_cache **out);
void x509_eum_cache_free(struct x509_eum_cache *c);
/* The EUM whose DER is der, parsed, when it was kept for ci and now lies
 * within both certificates' validity (then x509_check_issued of ci by
 * itself and of the EUM by ci would pass at now); NULL otherwise. Owned by
 * the cache, valid until x509_eum_cache_free. */
const struct crypto_cert *x509_eum_cache_get(struct x509_eum_cache *c, const struct crypto_cert *ci,
					     const uint8_t *der, size_t len, time_t now);
/* Keeps *eum, which passed x509_check_issued (as CI -> EUM) with ci: the
 * cache takes it (*eum set to NULL), unless full or kept already (then
 * *eum stays the caller's). */
/* As x509_eum_cache_get, the kept EUM prepared for x509_euicc_check_der
 * (the eUICC's certificate checked without OpenSSL decoding it); NULL
 * when not kept. Owned by the cache. */
struct x509_euicc_issuer *x509_eum_cache_issuer(struct x509_eum_cache *c, const struct crypto_cert *ci,
						const uint8_t *der, size_t len, time_t now);
void x509_eum_cache_put(struct x509_eum_cache *c, const struct crypto_cert *ci, struct crypto_cert **eum);

#endif
