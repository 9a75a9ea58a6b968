/* Public keys read from DER: a SubjectPublicKeyInfo, or a certificate's
 * subject key. The EC keys RSP uses (P-256, brainpoolP256r1, an
 * uncompressed point) are read here and made from their curve's domain
 * parameters (crypto_key_from_point): OpenSSL's decoders cost a result's
 * check more than its signature verification (eimd reads the key of an
 * eUICC's certificate at each result it records, cached or not). Anything
 * else goes to OpenSSL. */
#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "crypto/internal.h"

#include <string.h>

#include <openssl/x509.h>

#include "der/der.h"

/* id-ecPublicKey and the two curves, as OID contents */
static const uint8_t oid_ec_key[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 };
static const uint8_t oid_p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
static const uint8_t oid_bp256[] = { 0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07 };

#define IS(t, oid) ((t)->tag == 0x06 && (t)->len == sizeof(oid) && !memcmp((t)->value, oid, sizeof(oid)))

/* SEQUENCE { SEQUENCE { id-ecPublicKey, curve }, BIT STRING { 00 04 X Y } }
 * on one of the two curves: its key, else false. */
static bool ec_key_of(const struct der_tlv *spki, struct crypto_key **out)
{
	struct der_reader top, r, alg;
	struct der_tlv a, key, type, curve;
	enum crypto_curve cv;

	der_reader_init(&top, spki->raw, spki->raw_len);
	if (spki->tag != 0x30 || der_read(&top, &a) != IOT_OK || der_enter(&top, &a, &r) != IOT_OK ||
	    der_read(&r, &a) != IOT_OK || der_read(&r, &key) != IOT_OK || !der_reader_done(&r) || a.tag != 0x30 ||
	    key.tag != 0x03 || der_enter(&r, &a, &alg) != IOT_OK || der_read(&alg, &type) != IOT_OK ||
	    der_read(&alg, &curve) != IOT_OK || !der_reader_done(&alg) || !IS(&type, oid_ec_key))
		return false;
	if (IS(&curve, oid_p256))
		cv = CRYPTO_P256;
	else if (IS(&curve, oid_bp256))
		cv = CRYPTO_BRAINPOOL_P256R1;
	else
		return false;
	/* no unused bits, then the point (crypto_key_from_point checks it is on the curve) */
	if (key.len != CRYPTO_POINT_LEN + 1 || key.value[0] != 0)
		return false;
	return crypto_key_from_point(cv, key.value + 1, CRYPTO_POINT_LEN, out) == IOT_OK;
}

iot_err crypto_key_from_spki(const uint8_t *der, size_t len, struct crypto_key **out)
{
	struct der_reader r;
	struct der_tlv spki;
	const unsigned char *p = der;
	EVP_PKEY *pkey;

	der_reader_init(&r, der, len);
	if (der_read(&r, &spki) == IOT_OK && der_reader_done(&r) && ec_key_of(&spki, out))
		return IOT_OK;
	if (!(pkey = d2i_PUBKEY(NULL, &p, (long)len)) || p != der + len) {
		EVP_PKEY_free(pkey);
		return IOT_E_CRYPTO_KEY;
	}
	return crypto_key_wrap(pkey, out);
}

/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
 * and TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
 * signature, issuer, validity, subject, subjectPublicKeyInfo, ... } (RFC
 * 5280 4.1): the key of a well-formed one, read; any other through OpenSSL. */
iot_err x509_subject_key_der(const uint8_t *der, size_t len, struct crypto_key **out)
{
	struct der_reader top, cert, tbs;
	struct der_tlv c, t, a, s, f;
	struct crypto_cert *parsed;
	iot_err err;

	der_reader_init(&top, der, len);
	if (der_read(&top, &c) == IOT_OK && der_reader_done(&top) && c.tag == 0x30 &&
	    der_enter(&top, &c, &cert) == IOT_OK && der_read(&cert, &t) == IOT_OK && der_read(&cert, &a) == IOT_OK &&
	    der_read(&cert, &s) == IOT_OK && der_reader_done(&cert) && t.tag == 0x30 && a.tag == 0x30 &&
	    s.tag == 0x03 && der_enter(&cert, &t, &tbs) == IOT_OK && der_read(&tbs, &f) == IOT_OK &&
	    (f.tag != 0xA0 || der_read(&tbs, &f) == IOT_OK) && f.tag == 0x02) {
		static const uint32_t next[] = { 0x30, 0x30, 0x30, 0x30, 0x30 };   /* signature .. subjectPublicKeyInfo */
		size_t i = 0;

		while (i < sizeof(next) / sizeof(next[0]) && der_read(&tbs, &f) == IOT_OK && f.tag == next[i])
			i++;
		if (i == sizeof(next) / sizeof(next[0]) && ec_key_of(&f, out))
			return IOT_OK;
	}
	if ((err = x509_parse(der, len, &parsed)) != IOT_OK)
		return err;
	err = EVP_PKEY_up_ref(x509_key(parsed)->pkey) ? crypto_key_wrap(x509_key(parsed)->pkey, out) : IOT_E_CRYPTO;
	x509_free(parsed);
	return err;
}
