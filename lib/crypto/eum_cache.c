/* EUM certificates already checked against a CI (eum_cache.h). */
#include "crypto/eum_cache.h"
#include "crypto/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
	uint8_t *ci;                    /* the CI's DER, a copy */
	size_t ci_len;
	time_t from, until;             /* both certificates valid within */
	struct crypto_cert *cert;       /* the EUM, parsed (its DER inside) */
	struct x509_euicc_issuer *issuer;       /* the same, for x509_euicc_check_der */
};

struct x509_eum_cache {
	pthread_mutex_t mu;
	size_t count, cap;
	struct entry *e;
};

iot_err x509_eum_cache_new(size_t capacity, struct x509_eum_cache **out)
{
	struct x509_eum_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c || !(c->e = calloc(capacity ? capacity : 1, sizeof(*c->e)))) {
		free(c);
		return IOT_E_NOMEM;
	}
	c->cap = capacity ? capacity : 1;
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return IOT_OK;
}

void x509_eum_cache_free(struct x509_eum_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++) {
		x509_free(c->e[i].cert);
		x509_euicc_issuer_free(c->e[i].issuer);
		free(c->e[i].ci);
	}
	pthread_mutex_destroy(&c->mu);
	free(c->e);
	free(c);
}

/* e holds this EUM for this CI: compared byte for byte (a handful of entries, no hashing) */
static bool same(const struct entry *e, const struct crypto_cert *ci, const uint8_t *der, size_t len)
{
	return e->cert->der_len == len && e->ci_len == ci->der_len && !memcmp(e->cert->der, der, len) &&
	       !memcmp(e->ci, ci->der, ci->der_len);
}

static bool validity(const struct crypto_cert *cert, time_t *from, time_t *until)
{
	struct tm nb, na;

	if (ASN1_TIME_to_tm(X509_get0_notBefore(cert->x), &nb) != 1 ||
	    ASN1_TIME_to_tm(X509_get0_notAfter(cert->x), &na) != 1)
		return false;
	*from = timegm(&nb);
	*until = timegm(&na);
	return true;
}

static const struct entry *find(struct x509_eum_cache *c, const struct crypto_cert *ci, const uint8_t *der,
				size_t len, time_t now)
{
	const struct entry *found = NULL;

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->count && !found; i++)
		/* as x509_check_issued: after notBefore, before notAfter */
		if (same(&c->e[i], ci, der, len) && now > c->e[i].from && now < c->e[i].until)
			found = &c->e[i];
	pthread_mutex_unlock(&c->mu);
	return found;
}

const struct crypto_cert *x509_eum_cache_get(struct x509_eum_cache *c, const struct crypto_cert *ci,
					     const uint8_t *der, size_t len, time_t now)
{
	const struct entry *e = find(c, ci, der, len, now);

	return e ? e->cert : NULL;
}

struct x509_euicc_issuer *x509_eum_cache_issuer(struct x509_eum_cache *c, const struct crypto_cert *ci,
						const uint8_t *der, size_t len, time_t now)
{
	const struct entry *e = find(c, ci, der, len, now);

	return e ? e->issuer : NULL;
}

void x509_eum_cache_put(struct x509_eum_cache *c, const struct crypto_cert *ci, struct crypto_cert **eum)
{
	struct entry n = { 0 };
	time_t from, until;

	if (!validity(ci, &n.from, &n.until) || !validity(*eum, &from, &until))
		return;
	/* the window both certificates are valid in */
	n.from = from > n.from ? from : n.from;
	n.until = until < n.until ? until : n.until;
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->count; i++)
		if (same(&c->e[i], ci, (*eum)->der, (*eum)->der_len)) {
			pthread_mutex_unlock(&c->mu);
			return;
		}
	/* full: never an eviction (a kept EUM may be in use on another thread); the caller keeps its own */
	if (c->count < c->cap && (n.ci = malloc(ci->der_len)) && x509_euicc_issuer_new(*eum, &n.issuer) == IOT_OK) {
		memcpy(n.ci, ci->der, ci->der_len);
		n.ci_len = ci->der_len;
		n.cert = *eum;
		c->e[c->count++] = n;
		*eum = NULL;
	} else {
		free(n.ci);
	}
	pthread_mutex_unlock(&c->mu);
}
