/* EC keys on the two RSP curves. */
#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static const char *group_name(enum crypto_curve curve)
{
	switch (curve) {
	case CRYPTO_P256:
		return "prime256v1";
	case CRYPTO_BRAINPOOL_P256R1:
		return "brainpoolP256r1";
	default:
		return NULL;
	}
}

static enum crypto_curve curve_of(EVP_PKEY *pkey)
{
	char name[64];
	size_t len;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len))
		return CRYPTO_CURVE_NONE;
	if (!strcmp(name, "prime256v1") || !strcmp(name, "P-256") || !strcmp(name, "secp256r1"))
		return CRYPTO_P256;
	if (!strcmp(name, "brainpoolP256r1"))
		return CRYPTO_BRAINPOOL_P256R1;
	return CRYPTO_CURVE_NONE;
}

/* Takes ownership of pkey. */
iot_err crypto_key_wrap(EVP_PKEY *pkey, struct crypto_key **out)
{
	struct crypto_key *k;
	enum crypto_curve curve = curve_of(pkey);

	if (curve == CRYPTO_CURVE_NONE) {
		EVP_PKEY_free(pkey);
		return IOT_E_CRYPTO_CURVE;
	}
	if (!(k = calloc(1, sizeof(*k)))) {
		EVP_PKEY_free(pkey);
		return IOT_E_NOMEM;
	}
	k->pkey = pkey;
	k->curve = curve;
	*out = k;
	return IOT_OK;
}

/* Each curve's domain parameters as a key without a point, made once:
 * keys made from it share its group's precomputed values, where naming the
 * curve builds the group anew each time (a third of a key pair's
 * generation, over half of a public key's import). */
static EVP_PKEY *domain[2];
static pthread_once_t domain_once = PTHREAD_ONCE_INIT;

static void domain_make(void)
{
	for (int c = 0; c < 2; c++) {
		OSSL_PARAM params[] = { OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							       (char *)group_name(c ? CRYPTO_BRAINPOOL_P256R1 : CRYPTO_P256), 0),
					OSSL_PARAM_END };
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

		if (ctx && EVP_PKEY_fromdata_init(ctx) > 0)
			(void)EVP_PKEY_fromdata(ctx, &domain[c], EVP_PKEY_KEY_PARAMETERS, params);
		EVP_PKEY_CTX_free(ctx);
	}
}

/* NULL when the curve is not one of RSP's or OpenSSL failed */
static EVP_PKEY *domain_of(enum crypto_curve curve)
{
	if (curve != CRYPTO_P256 && curve != CRYPTO_BRAINPOOL_P256R1)
		return NULL;
	pthread_once(&domain_once, domain_make);
	return domain[curve == CRYPTO_BRAINPOOL_P256R1];
}

iot_err crypto_key_generate(enum crypto_curve curve, struct crypto_key **out)
{
	EVP_PKEY *d = domain_of(curve), *pkey = NULL;
	EVP_PKEY_CTX *ctx;
	bool ok;

	if (!group_name(curve))
		return IOT_E_CRYPTO_CURVE;
	if (!d || !(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, d, NULL)))
		return IOT_E_CRYPTO;
	ok = EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_generate(ctx, &pkey) > 0;
	EVP_PKEY_CTX_free(ctx);
	if (!ok) {
		EVP_PKEY_free(pkey);
		return IOT_E_CRYPTO;
	}
	return crypto_key_wrap(pkey, out);
}

iot_err crypto_key_load_pem(const char *path, struct crypto_key **out)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *pkey;

	if (!bio)
		return IOT_E_IO;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (!pkey) {
		(void)BIO_reset(bio);
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	if (!pkey)
		return IOT_E_CRYPTO_KEY;
	return crypto_key_wrap(pkey, out);
}

iot_err crypto_write_file_atomic(const char *path, const uint8_t *data, size_t len, int mode)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	int fd;
	iot_err err = IOT_OK;

	if (!tmp)
		return IOT_E_NOMEM;
	snprintf(tmp, n, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0) {
		free(tmp);
		return IOT_E_IO;
	}
	/* open() honours the umask; keys must be 0600 whatever it is */
	if (fchmod(fd, (mode_t)mode) != 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
		err = IOT_E_IO;
	if (close(fd) != 0)
		err = IOT_E_IO;
	if (err == IOT_OK && rename(tmp, path) != 0)
		err = IOT_E_IO;
	if (err != IOT_OK)
		unlink(tmp);
	free(tmp);
	return err;
}

iot_err crypto_save_bio(BIO *mem, const char *path, int mode)
{
	char *data;
	long len = BIO_get_mem_data(mem, &data);
	iot_err err = crypto_write_file_atomic(path, (const uint8_t *)data, (size_t)len, mode);

	BIO_free(mem);
	return err;
}

iot_err crypto_key_save_pem(const struct crypto_key *key, const char *path)
{
	BIO *mem = BIO_new(BIO_s_mem());

	if (!mem)
		return IOT_E_NOMEM;
	if (!crypto_key_has_private(key) ||
	    !PEM_write_bio_PrivateKey(mem, key->pkey, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(mem);
		return IOT_E_CRYPTO_KEY;
	}
	return crypto_save_bio(mem, path, 0600);
}

static iot_err copy_out(unsigned char *buf, int n, uint8_t **der, size_t *len)
{
	uint8_t *copy;

	if (n <= 0)
		return IOT_E_CRYPTO_KEY;
	/* hand out malloc'd memory, not OpenSSL's */
	copy = malloc((size_t)n);
	if (copy)
		memcpy(copy, buf, (size_t)n);
	OPENSSL_clear_free(buf, (size_t)n);
	if (!copy)
		return IOT_E_NOMEM;
	*der = copy;
	*len = (size_t)n;
	return IOT_OK;
}

iot_err crypto_key_private_der(const struct crypto_key *key, uint8_t **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n;

	if (!crypto_key_has_private(key))
		return IOT_E_CRYPTO_KEY;
	n = i2d_PrivateKey(key->pkey, &buf);
	return copy_out(buf, n, der, len);
}

iot_err crypto_key_from_private_der(const uint8_t *der, size_t len, struct crypto_key **out)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);

	if (!pkey || p != der + len) {
		EVP_PKEY_free(pkey);
		return IOT_E_CRYPTO_KEY;
	}
	return crypto_key_wrap(pkey, out);
}

void crypto_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

iot_err crypto_key_private_scalar(const struct crypto_key *key, uint8_t out[CRYPTO_SCALAR_LEN])
{
	BIGNUM *d = NULL;
	bool ok = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
		  BN_bn2binpad(d, out, CRYPTO_SCALAR_LEN) == CRYPTO_SCALAR_LEN;

	BN_clear_free(d);
	return ok ? IOT_OK : IOT_E_CRYPTO_KEY;
}

iot_err crypto_key_from_private_scalar(enum crypto_curve curve, const uint8_t *scalar, size_t len,
				       struct crypto_key **out)
{
	const char *group = group_name(curve);
	EC_GROUP *g = NULL;
	EC_POINT *q = NULL;
	BIGNUM *d = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t point[CRYPTO_POINT_LEN];
	iot_err err = IOT_E_CRYPTO_KEY;

	if (!group)
		return IOT_E_CRYPTO_CURVE;
	if (len != CRYPTO_SCALAR_LEN)
		return IOT_E_CRYPTO_KEY;
	/* 0 < d < n, and Q = d.G */
	if ((g = EC_GROUP_new_by_curve_name(OBJ_sn2nid(group))) && (q = EC_POINT_new(g)) &&
	    (d = BN_secure_new()) && BN_bin2bn(scalar, (int)len, d) && !BN_is_zero(d) &&
	    BN_cmp(d, EC_GROUP_get0_order(g)) < 0 && EC_POINT_mul(g, q, d, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point), NULL) == sizeof(point) &&
	    (bld = OSSL_PARAM_BLD_new()) &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) &&
	    EVP_PKEY_fromdata_init(ctx) > 0 && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) > 0) {
		err = crypto_key_wrap(pkey, out);
		pkey = NULL;
	}
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_POINT_free(q);
	EC_GROUP_free(g);
	return err;
}

iot_err crypto_key_from_point(enum crypto_curve curve, const uint8_t *point, size_t len,
			      struct crypto_key **out)
{
	EVP_PKEY *d = domain_of(curve), *pkey;
	EVP_PKEY_CTX *check = NULL;
	iot_err err = IOT_E_CRYPTO_KEY;

	if (!group_name(curve))
		return IOT_E_CRYPTO_CURVE;
	/* only the uncompressed form is used in RSP ('5F49') */
	if (len != CRYPTO_POINT_LEN || point[0] != 0x04)
		return IOT_E_CRYPTO_KEY;
	if (!d || !(pkey = EVP_PKEY_dup(d)))
		return IOT_E_CRYPTO;
	if (EVP_PKEY_set1_encoded_public_key(pkey, point, len) == 1 &&
	    (check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) &&
	    /* on the curve and not the point at infinity: both curves have
	     * cofactor 1, so that is in the group (NIST SP 800-56A 5.6.2.3.4);
	     * the full check's n*Q = O costs another scalar multiplication */
	    EVP_PKEY_public_check_quick(check) > 0) {
		err = crypto_key_wrap(pkey, out);
		pkey = NULL;
	}
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(check);
	return err;
}

iot_err crypto_key_point(const struct crypto_key *key, uint8_t out[CRYPTO_POINT_LEN])
{
	size_t len = 0;

	if (!EVP_PKEY_get_octet_string_param(key->pkey, OSSL_PKEY_PARAM_PUB_KEY, out,
					     CRYPTO_POINT_LEN, &len) ||
	    len != CRYPTO_POINT_LEN || out[0] != 0x04)
		return IOT_E_CRYPTO_KEY;
	return IOT_OK;
}

iot_err crypto_key_spki(const struct crypto_key *key, uint8_t **der, size_t *len)
{
	unsigned char *buf = NULL;
	int n = i2d_PUBKEY(key->pkey, &buf);

	return copy_out(buf, n, der, len);
}

enum crypto_curve crypto_key_curve(const struct crypto_key *key)
{
	return key->curve;
}

bool crypto_key_has_private(const struct crypto_key *key)
{
	BIGNUM *d = NULL;
	bool has = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;

	BN_clear_free(d);
	return has;
}

void crypto_key_free(struct crypto_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}
