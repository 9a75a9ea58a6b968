/* Public keys, decoded once (key_cache.h). */
#include "crypto/key_cache.h"
#include "crypto/x509.h"
#include "crypto/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4

/* An entry is named by the SHA-256 of the bytes its key came from: a
 * certificate or key that changes (a new one stored for the same eUICC, an
 * eIM's new key) is another entry, so nothing has to be told to forget the
 * old one; it ages out. */
struct entry {
	uint8_t name[CRYPTO_SHA256_LEN];
	EVP_PKEY *pkey;                 /* NULL: free */
	enum crypto_curve curve;
	uint64_t used;
};

struct crypto_key_cache {
	pthread_mutex_t mu;
	size_t sets;
	uint64_t clock, hits, misses;
	struct entry *e;                /* sets * WAYS, set-associative */
};

iot_err crypto_key_cache_new(size_t capacity, struct crypto_key_cache **out)
{
	struct crypto_key_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return IOT_E_NOMEM;
	c->sets = capacity / WAYS ? capacity / WAYS : 1;
	if (!(c->e = calloc(c->sets * WAYS, sizeof(*c->e)))) {
		free(c);
		return IOT_E_NOMEM;
	}
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return IOT_OK;
}

void crypto_key_cache_free(struct crypto_key_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->sets * WAYS; i++)
		EVP_PKEY_free(c->e[i].pkey);
	pthread_mutex_destroy(&c->mu);
	free(c->e);
	free(c);
}

/* A key of the caller's own that shares the cached EVP_PKEY (read-only in
 * OpenSSL 3 once made: threads may verify with it at once). */
static iot_err share(EVP_PKEY *pkey, enum crypto_curve curve, struct crypto_key **out)
{
	struct crypto_key *k = calloc(1, sizeof(*k));

	if (!k)
		return IOT_E_NOMEM;
	if (!EVP_PKEY_up_ref(pkey)) {
		free(k);
		return IOT_E_CRYPTO;
	}
	k->pkey = pkey;
	k->curve = curve;
	*out = k;
	return IOT_OK;
}

static struct entry *lookup(struct crypto_key_cache *c, const uint8_t name[CRYPTO_SHA256_LEN], struct entry **victim)
{
	uint64_t h;
	struct entry *set;

	memcpy(&h, name, sizeof(h));
	set = c->e + (h % c->sets) * WAYS;
	*victim = set;
	for (int i = 0; i < WAYS; i++) {
		if (set[i].pkey && !memcmp(set[i].name, name, CRYPTO_SHA256_LEN))
			return &set[i];
		if (!set[i].pkey || (set[i].used < (*victim)->used && (*victim)->pkey))
			*victim = &set[i];
	}
	return NULL;
}

/* key kept under name, unless an entry has it already. */
static void keep(struct crypto_key_cache *c, const uint8_t name[CRYPTO_SHA256_LEN], const struct crypto_key *key)
{
	struct entry *victim;

	pthread_mutex_lock(&c->mu);
	if (!lookup(c, name, &victim) && EVP_PKEY_up_ref(key->pkey)) {
		EVP_PKEY_free(victim->pkey);
		memcpy(victim->name, name, CRYPTO_SHA256_LEN);
		victim->pkey = key->pkey;
		victim->curve = key->curve;
		victim->used = ++c->clock;
	}
	pthread_mutex_unlock(&c->mu);
}

/* An entry's name: the SHA-256 of what the key came from, a certificate
 * or a SubjectPublicKeyInfo, told apart by a first byte. */
static iot_err name_of(char kind, const uint8_t *der, size_t len, uint8_t name[CRYPTO_SHA256_LEN])
{
	struct crypto_buf parts[2] = { { (const uint8_t *)&kind, 1 }, { der, len } };

	return crypto_sha256(parts, 2, name);
}

iot_err crypto_key_cache_put_cert_der(struct crypto_key_cache *c, const uint8_t *der, size_t len,
				      const struct crypto_key *key)
{
	uint8_t name[CRYPTO_SHA256_LEN];
	iot_err err = name_of('c', der, len, name);

	if (err == IOT_OK)
		keep(c, name, key);
	return err;
}

iot_err crypto_key_cache_put_cert(struct crypto_key_cache *c, const struct crypto_cert *cert)
{
	size_t len;
	const uint8_t *der = x509_der(cert, &len);

	return crypto_key_cache_put_cert_der(c, der, len, x509_key(cert));
}

/* The key kept for what der is (kind), or decoded by decode and kept. */
static iot_err cached_key(struct crypto_key_cache *c, char kind, const uint8_t *der, size_t len,
			  iot_err (*decode)(const uint8_t *der, size_t len, struct crypto_key **out),
			  struct crypto_key **out)
{
	uint8_t name[CRYPTO_SHA256_LEN];
	struct entry *hit, *victim;
	iot_err err;

	*out = NULL;
	if ((err = name_of(kind, der, len, name)) != IOT_OK)
		return err;
	pthread_mutex_lock(&c->mu);
	if ((hit = lookup(c, name, &victim))) {
		hit->used = ++c->clock;
		c->hits++;
		err = share(hit->pkey, hit->curve, out);
		pthread_mutex_unlock(&c->mu);
		return err;
	}
	c->misses++;
	pthread_mutex_unlock(&c->mu);
	/* decoded outside the lock: two threads missing on one key both decode it */
	if ((err = decode(der, len, out)) == IOT_OK)
		keep(c, name, *out);
	return err;
}

iot_err crypto_key_cache_cert_key(struct crypto_key_cache *c, const uint8_t *der, size_t len,
				  struct crypto_key **out)
{
	return cached_key(c, 'c', der, len, x509_subject_key_der, out);
}

iot_err crypto_key_cache_spki_key(struct crypto_key_cache *c, const uint8_t *der, size_t len,
				  struct crypto_key **out)
{
	return cached_key(c, 's', der, len, crypto_key_from_spki, out);
}

void crypto_key_cache_stats(struct crypto_key_cache *c, uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&c->mu);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->mu);
}
