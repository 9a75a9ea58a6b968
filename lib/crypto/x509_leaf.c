/* CERT.EUICC checked from its DER against an EUM prepared once: the same
 * checks as x509_verify_euicc_leaf (signature, dates, key usage, role
 * policy, AKI, the EID within the EUM's EINs, a P-256 or brainpoolP256r1
 * key on its curve) without OpenSSL's full X.509 decoding, which costs
 * more than the signature itself: for registering eUICCs by the million. */
#include "crypto/x509.h"
#include "crypto/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include "der/der.h"

#define MAX_EINS 16
#define MAX_IDLE 8                      /* verification contexts kept: one per thread checking */

struct x509_euicc_issuer {
	EVP_PKEY *pkey;                 /* PK.EUM.ECDSA */
	bool ca;                        /* basicConstraints cA */
	uint8_t ski[64];
	size_t ski_len;
	bool ranged;                    /* nameConstraints: the EIDs it may certify */
	size_t eins;
	char ein[MAX_EINS][40], org[MAX_EINS][128];
	bool has_org[MAX_EINS];
	EC_GROUP *p256, *bp256;
	/* contexts set up to verify with pkey, kept between checks (setting
	 * one up fetches OpenSSL's algorithms: ~5 % of a check) */
	pthread_mutex_t mu;
	EVP_PKEY_CTX *idle[MAX_IDLE];
	size_t nidle;
};

/* id-ecPublicKey, the two curves, ecdsa-with-SHA256, the eUICC role policy
 * (2.23.146.1.2.1.1) and the extensions read, as OID contents */
static const uint8_t oid_ec_key[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 };
static const uint8_t oid_p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
static const uint8_t oid_bp256[] = { 0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07 };
static const uint8_t oid_ecdsa_sha256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02 };
static const uint8_t oid_euicc_policy[] = { 0x67, 0x81, 0x12, 0x01, 0x02, 0x01, 0x01 };
static const uint8_t oid_serial_number[] = { 0x55, 0x04, 0x05 };
static const uint8_t oid_org[] = { 0x55, 0x04, 0x0A };
static const uint8_t oid_key_usage[] = { 0x55, 0x1D, 0x0F };
static const uint8_t oid_policies[] = { 0x55, 0x1D, 0x20 };
static const uint8_t oid_aki[] = { 0x55, 0x1D, 0x23 };
static const uint8_t oid_ski[] = { 0x55, 0x1D, 0x0E };
static const uint8_t oid_basic[] = { 0x55, 0x1D, 0x13 };
static const uint8_t oid_san[] = { 0x55, 0x1D, 0x11 };

#define IS(t, oid) ((t)->len == sizeof(oid) && !memcmp((t)->value, oid, sizeof(oid)))

void x509_euicc_issuer_free(struct x509_euicc_issuer *i)
{
	if (!i)
		return;
	for (size_t k = 0; k < i->nidle; k++)
		EVP_PKEY_CTX_free(i->idle[k]);
	pthread_mutex_destroy(&i->mu);
	EVP_PKEY_free(i->pkey);
	EC_GROUP_free(i->p256);
	EC_GROUP_free(i->bp256);
	free(i);
}

iot_err x509_euicc_issuer_new(const struct crypto_cert *eum, struct x509_euicc_issuer **out)
{
	struct x509_euicc_issuer *i = calloc(1, sizeof(*i));
	NAME_CONSTRAINTS *nc;
	size_t ski_len;
	const uint8_t *ski = x509_ski(eum, &ski_len);

	if (!i)
		return IOT_E_NOMEM;
	if (!ski || ski_len > sizeof(i->ski) || !EVP_PKEY_up_ref(eum->key->pkey)) {
		free(i);
		return IOT_E_CERT_PARSE;
	}
	i->pkey = eum->key->pkey;
	pthread_mutex_init(&i->mu, NULL);
	i->ca = X509_get_extension_flags(eum->x) & EXFLAG_CA;
	memcpy(i->ski, ski, ski_len);
	i->ski_len = ski_len;
	i->p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	i->bp256 = EC_GROUP_new_by_curve_name(NID_brainpoolP256r1);
	/* SGP.22 4.5.2.1.0.2: the EINs (and O) of the EUM's permitted subtrees */
	if ((nc = X509_get_ext_d2i(eum->x, NID_name_constraints, NULL, NULL))) {
		i->ranged = true;
		for (int k = 0; k < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees) && i->eins < MAX_EINS; k++) {
			GENERAL_SUBTREE *st = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, k);

			if (st->base->type != GEN_DIRNAME ||
			    x509_name_text(st->base->d.directoryName, NID_serialNumber, i->ein[i->eins], sizeof(i->ein[0])) != IOT_OK)
				continue;
			i->has_org[i->eins] = x509_name_text(st->base->d.directoryName, NID_organizationName, i->org[i->eins],
						      sizeof(i->org[0])) == IOT_OK;
			i->eins++;
		}
		NAME_CONSTRAINTS_free(nc);
	}
	if (!i->p256 || !i->bp256) {
		x509_euicc_issuer_free(i);
		return IOT_E_CRYPTO;
	}
	*out = i;
	return IOT_OK;
}

/* RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ. */
static bool time_of(const struct der_tlv *t, time_t *out)
{
	struct tm tm = { 0 };
	const uint8_t *p = t->value;
	size_t n = t->len, y = t->tag == 0x17 ? 2 : 4;
	int v[7] = { 0 };

	if ((t->tag != 0x17 && t->tag != 0x18) || n != y + 11 || p[n - 1] != 'Z')
		return false;
	for (size_t k = 0; k < n - 1; k++)
		if (p[k] < '0' || p[k] > '9')
			return false;
	for (size_t k = 0; k < y; k++)
		v[0] = v[0] * 10 + (p[k] - '0');
	for (int f = 1; f < 6; f++)
		v[f] = (p[y + 2 * (f - 1)] - '0') * 10 + (p[y + 2 * (f - 1) + 1] - '0');
	if (y == 2)
		v[0] += v[0] >= 50 ? 1900 : 2000;
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return false;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*out = timegm(&tm);
	return true;
}

/* The first value of attribute oid in a Name, as text. */
static bool name_value(const struct der_reader *parent, const struct der_tlv *name, const uint8_t *oid, size_t oid_len,
		       char *buf, size_t cap)
{
	struct der_reader rdns, set, atv;
	struct der_tlv rdn, a, type, value;

	if (der_enter(parent, name, &rdns) != IOT_OK)
		return false;
	while (!der_reader_done(&rdns)) {
		if (der_read(&rdns, &rdn) != IOT_OK || rdn.tag != 0x31 || der_enter(&rdns, &rdn, &set) != IOT_OK)
			return false;
		while (!der_reader_done(&set)) {
			if (der_read(&set, &a) != IOT_OK || a.tag != 0x30 || der_enter(&set, &a, &atv) != IOT_OK ||
			    der_read(&atv, &type) != IOT_OK || der_read(&atv, &value) != IOT_OK || type.tag != 0x06)
				return false;
			if (type.len == oid_len && !memcmp(type.value, oid, oid_len)) {
				if (value.len >= cap)
					return false;
				memcpy(buf, value.value, value.len);
				buf[value.len] = 0;
				return true;
			}
		}
	}
	return false;
}

/* SubjectPublicKeyInfo: an EC key on P-256 or brainpoolP256r1, its point on the curve. */
static iot_err check_key(const struct x509_euicc_issuer *i, const struct der_reader *tbs, const struct der_tlv *spki,
			 enum crypto_curve *cv, const uint8_t **point)
{
	struct der_reader r, alg;
	struct der_tlv a, type, curve, key;
	const EC_GROUP *g;
	EC_POINT *pt;
	bool ok;

	if (der_enter(tbs, spki, &r) != IOT_OK || der_read(&r, &a) != IOT_OK || der_read(&r, &key) != IOT_OK ||
	    !der_reader_done(&r) || a.tag != 0x30 || key.tag != 0x03 || der_enter(&r, &a, &alg) != IOT_OK ||
	    der_read(&alg, &type) != IOT_OK || der_read(&alg, &curve) != IOT_OK || !IS(&type, oid_ec_key) ||
	    curve.tag != 0x06)
		return IOT_E_CERT_PARSE;
	g = IS(&curve, oid_p256) ? i->p256 : IS(&curve, oid_bp256) ? i->bp256 : NULL;
	if (!g)
		return IOT_E_CRYPTO_CURVE;
	*cv = g == i->p256 ? CRYPTO_P256 : CRYPTO_BRAINPOOL_P256R1;
	*point = key.value + 1;
	if (key.len != 66 || key.value[0] != 0 || key.value[1] != 0x04 || !(pt = EC_POINT_new(g)))
		return IOT_E_CRYPTO_KEY;
	ok = EC_POINT_oct2point(g, pt, key.value + 1, 65, NULL) == 1;
	EC_POINT_free(pt);
	return ok ? IOT_OK : IOT_E_CRYPTO_KEY;
}

/* The extensions: keyUsage with digitalSignature, the eUICC role policy,
 * the AKI naming the EUM's key; no unknown critical one, none twice. */
static iot_err check_extensions(const struct x509_euicc_issuer *i, const struct der_reader *tbs,
				const struct der_tlv *wrapped)
{
	struct der_reader outer, list, ext, in, pol, pi;
	struct der_tlv seq, e, id, x, v, p, pid, k;
	bool ku = false, policy = false, aki = false, seen_ku = false, seen_pol = false, seen_aki = false;

	if (der_enter(tbs, wrapped, &outer) != IOT_OK || der_read(&outer, &seq) != IOT_OK || !der_reader_done(&outer) ||
	    seq.tag != 0x30 || der_enter(&outer, &seq, &list) != IOT_OK)
		return IOT_E_CERT_PARSE;
	while (!der_reader_done(&list)) {
		bool critical = false;

		if (der_read(&list, &e) != IOT_OK || e.tag != 0x30 || der_enter(&list, &e, &ext) != IOT_OK ||
		    der_read(&ext, &id) != IOT_OK || id.tag != 0x06 || der_read(&ext, &x) != IOT_OK)
			return IOT_E_CERT_PARSE;
		if (x.tag == 0x01) {
			if (der_get_bool(&x, &critical) != IOT_OK || der_read(&ext, &x) != IOT_OK)
				return IOT_E_CERT_PARSE;
		}
		if (x.tag != 0x04 || !der_reader_done(&ext))
			return IOT_E_CERT_PARSE;
		/* extnValue: an OCTET STRING holding the extension's DER */
		der_reader_init(&in, x.value, x.len);
		if (der_read(&in, &v) != IOT_OK || !der_reader_done(&in))
			return IOT_E_CERT_PARSE;
		if (IS(&id, oid_key_usage)) {
			/* RFC 5280 4.2.1.3: bit 0 digitalSignature */
			if (seen_ku || v.tag != 0x03 || v.len < 2)
				return IOT_E_CERT_PARSE;
			seen_ku = true;
			ku = v.value[1] & 0x80;
		} else if (IS(&id, oid_policies)) {
			if (seen_pol || v.tag != 0x30 || der_enter(&in, &v, &pol) != IOT_OK)
				return IOT_E_CERT_PARSE;
			seen_pol = true;
			while (!der_reader_done(&pol)) {
				if (der_read(&pol, &p) != IOT_OK || p.tag != 0x30 || der_enter(&pol, &p, &pi) != IOT_OK ||
				    der_read(&pi, &pid) != IOT_OK || pid.tag != 0x06)
					return IOT_E_CERT_PARSE;
				policy = policy || IS(&pid, oid_euicc_policy);
			}
		} else if (IS(&id, oid_aki)) {
			/* RFC 5280 4.2.1.1: keyIdentifier [0] */
			struct der_reader a;

			if (seen_aki || v.tag != 0x30 || der_enter(&in, &v, &a) != IOT_OK)
				return IOT_E_CERT_PARSE;
			seen_aki = true;
			while (!der_reader_done(&a)) {
				if (der_read(&a, &k) != IOT_OK)
					return IOT_E_CERT_PARSE;
				if (k.tag == 0x80)
					aki = k.len == i->ski_len && !memcmp(k.value, i->ski, k.len);
			}
		} else if (critical && !IS(&id, oid_ski) && !IS(&id, oid_basic) && !IS(&id, oid_san)) {
			return IOT_E_CERT_PARSE;    /* RFC 5280 4.2: an unknown critical extension */
		}
	}
	if (!aki)
		return IOT_E_CERT_ISSUER;
	if (!ku)
		return IOT_E_CERT_KEY_USAGE;
	return policy ? IOT_OK : IOT_E_CERT_POLICY;
}

/* SGP.22 4.5.2.1.0.2: the EID starts with one of the EUM's EINs, with its O. */
static iot_err check_range(const struct x509_euicc_issuer *i, const char *eid, const char *org)
{
	if (!i->ranged)
		return IOT_OK;          /* older EUM certificates carry no range */
	for (size_t k = 0; k < i->eins; k++)
		if (!strncmp(eid, i->ein[k], strlen(i->ein[k])) && (!i->has_org[k] || !strcmp(i->org[k], org)))
			return IOT_OK;
	return IOT_E_CERT_EID_RANGE;
}

/* A context that verifies with the EUM's key: a kept one, or a new one. */
static EVP_PKEY_CTX *verifier_take(struct x509_euicc_issuer *i)
{
	EVP_PKEY_CTX *ctx = NULL;

	pthread_mutex_lock(&i->mu);
	if (i->nidle)
		ctx = i->idle[--i->nidle];
	pthread_mutex_unlock(&i->mu);
	if (!ctx && (ctx = EVP_PKEY_CTX_new(i->pkey, NULL)) && EVP_PKEY_verify_init(ctx) != 1) {
		EVP_PKEY_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void verifier_put(struct x509_euicc_issuer *i, EVP_PKEY_CTX *ctx)
{
	pthread_mutex_lock(&i->mu);
	if (i->nidle < MAX_IDLE) {
		i->idle[i->nidle++] = ctx;
		ctx = NULL;
	}
	pthread_mutex_unlock(&i->mu);
	EVP_PKEY_CTX_free(ctx);
}

iot_err x509_euicc_check_der(struct x509_euicc_issuer *i, const uint8_t *der, size_t len, time_t now,
			     char *eid, size_t eid_cap, struct crypto_key **key)
{
	struct der_reader top, cert, tbs, alg, val;
	struct der_tlv c, t, a, s, f, algid, issuer, validity, nb, na, subject, spki, exts;
	char org[128] = "";
	const uint8_t *point = NULL;
	enum crypto_curve curve = CRYPTO_P256;
	time_t from, to;
	uint8_t digest[CRYPTO_SHA256_LEN];
	EVP_PKEY_CTX *ctx;
	int ok;
	iot_err err;

	der_reader_init(&top, der, len);
	if (der_read(&top, &c) != IOT_OK || !der_reader_done(&top) || c.tag != 0x30 ||
	    der_enter(&top, &c, &cert) != IOT_OK || der_read(&cert, &t) != IOT_OK || der_read(&cert, &a) != IOT_OK ||
	    der_read(&cert, &s) != IOT_OK || !der_reader_done(&cert) || t.tag != 0x30 || a.tag != 0x30 ||
	    s.tag != 0x03 || s.len < 2 || s.value[0] != 0 || der_enter(&cert, &a, &alg) != IOT_OK ||
	    der_read(&alg, &algid) != IOT_OK || !IS(&algid, oid_ecdsa_sha256) || !der_reader_done(&alg))
		return IOT_E_CERT_PARSE;
	/* issuers are CAs (basicConstraints cA) */
	if (!i->ca)
		return IOT_E_CERT_CA;
	/* TBSCertificate: [0] v3, serialNumber, signature, issuer, validity, subject, spki, [3] extensions */
	if (der_enter(&cert, &t, &tbs) != IOT_OK || der_read(&tbs, &f) != IOT_OK || f.tag != 0xA0 ||
	    f.len != 3 || memcmp(f.value, "\x02\x01\x02", 3) || der_read(&tbs, &f) != IOT_OK || f.tag != 0x02 ||
	    der_read(&tbs, &f) != IOT_OK || f.raw_len != a.raw_len || memcmp(f.raw, a.raw, a.raw_len) ||
	    der_read(&tbs, &issuer) != IOT_OK || der_read(&tbs, &validity) != IOT_OK ||
	    der_read(&tbs, &subject) != IOT_OK || der_read(&tbs, &spki) != IOT_OK || der_read(&tbs, &exts) != IOT_OK ||
	    exts.tag != 0xA3 || !der_reader_done(&tbs) || subject.tag != 0x30 || validity.tag != 0x30)
		return IOT_E_CERT_PARSE;
	/* the issuer is known by the AKI (below), as x509_check_issued does */
	(void)issuer;
	if (der_enter(&tbs, &validity, &val) != IOT_OK || der_read(&val, &nb) != IOT_OK ||
	    der_read(&val, &na) != IOT_OK || !der_reader_done(&val) || !time_of(&nb, &from) || !time_of(&na, &to))
		return IOT_E_CERT_PARSE;
	if (from >= now)
		return IOT_E_CERT_NOT_YET_VALID;
	if (to <= now)
		return IOT_E_CERT_EXPIRED;
	if ((err = check_key(i, &tbs, &spki, &curve, &point)) != IOT_OK || (err = check_extensions(i, &tbs, &exts)) != IOT_OK)
		return err;
	/* SGP.22 4.5.2 (CERT.EUICC): the subject's serialNumber is the EID */
	if (!name_value(&tbs, &subject, oid_serial_number, sizeof(oid_serial_number), eid, eid_cap))
		return IOT_E_CERT_EID_RANGE;
	(void)name_value(&tbs, &subject, oid_org, sizeof(oid_org), org, sizeof(org));
	if ((err = check_range(i, eid, org)) != IOT_OK)
		return err;
	/* SGP.22 4.5.2: signed by the EUM's key (ecdsa-with-SHA256 over the
	 * TBSCertificate); last, so that every field above is read whatever
	 * the input (and a fuzzer reaches them) */
	if (crypto_sha256(&(struct crypto_buf){ t.raw, t.raw_len }, 1, digest) != IOT_OK ||
	    !(ctx = verifier_take(i)))
		return IOT_E_NOMEM;
	ok = EVP_PKEY_verify(ctx, s.value + 1, s.len - 1, digest, sizeof(digest)) == 1;
	verifier_put(i, ctx);
	if (!ok)
		return IOT_E_CERT_SIGNATURE;
	return key ? crypto_key_from_point(curve, point, CRYPTO_POINT_LEN, key) : IOT_OK;
}
