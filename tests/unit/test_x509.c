/* X.509 for RSP: issuing with the SGP.26 profiles, and every chain check
 * failing on its own; the SGP.26 reference chains when ../shared is there. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "crypto/eum_cache.h"
#include "crypto/key_cache.h"
#include "crypto/x509.h"

#define EID "89049032123451234512345678901235"
#define DAY (24 * 3600)

struct pki {
	struct crypto_key *ci_key, *eum_key, *euicc_key, *dp_key;
	struct crypto_cert *ci, *eum, *euicc, *dp_auth;
};

static time_t now;

static struct crypto_cert *issue(const struct x509_template *t, struct crypto_key *key,
				 struct crypto_cert *issuer, struct crypto_key *issuer_key)
{
	struct crypto_cert *c = NULL;

	assert_int_equal(x509_issue(t, key, issuer, issuer_key, &c), IOT_OK);
	return c;
}

static struct x509_template tmpl(enum x509_role role, const char *cn)
{
	struct x509_template t = { 0 };

	t.role = role;
	t.cn = cn;
	t.o = "iotrsp EUM";
	t.serial = 7;
	t.not_before = now - DAY;
	t.not_after = now + 3650 * DAY;
	return t;
}

static void make_pki(struct pki *p, enum crypto_curve curve)
{
	struct x509_template t;

	assert_int_equal(crypto_key_generate(curve, &p->ci_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &p->eum_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &p->euicc_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &p->dp_key), IOT_OK);
	t = tmpl(X509_ROLE_CI, "Test CI");
	t.o = "iotrsp";
	t.rid = "2.999.1";
	p->ci = issue(&t, p->ci_key, NULL, p->ci_key);
	t = tmpl(X509_ROLE_EUM, "EUM");
	t.ein = "89049032";
	t.rid = "2.999.5";
	p->eum = issue(&t, p->eum_key, p->ci, p->ci_key);
	t = tmpl(X509_ROLE_EUICC, "eUICC");
	t.serial_number = EID;
	p->euicc = issue(&t, p->euicc_key, p->eum, p->eum_key);
	t = tmpl(X509_ROLE_DP_AUTH, "SM-DP+");
	t.rid = "2.999.10";
	p->dp_auth = issue(&t, p->dp_key, p->ci, p->ci_key);
}

static void free_pki(struct pki *p)
{
	crypto_key_free(p->ci_key);
	crypto_key_free(p->eum_key);
	crypto_key_free(p->euicc_key);
	crypto_key_free(p->dp_key);
	x509_free(p->ci);
	x509_free(p->eum);
	x509_free(p->euicc);
	x509_free(p->dp_auth);
}

static void check_good_chains(enum crypto_curve curve)
{
	struct pki p;
	enum x509_role failed;
	char serial[64];
	const uint8_t *ski;
	size_t len;

	make_pki(&p, curve);
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, p.euicc, now, &failed), IOT_OK);
	assert_int_equal(x509_verify_chain(p.ci, p.dp_auth, X509_ROLE_DP_AUTH, now), IOT_OK);
	assert_int_equal(x509_subject_serial(p.euicc, serial, sizeof(serial)), IOT_OK);
	assert_string_equal(serial, EID);
	ski = x509_ski(p.ci, &len);
	assert_non_null(ski);
	assert_int_equal(len, 20);
	assert_true(x509_ski_matches(p.ci, ski, 20));
	assert_true(x509_ski_matches(p.ci, ski, 8));       /* truncated identifier */
	assert_false(x509_ski_matches(p.eum, ski, 20));
	{
		uint8_t other[20] = { 0 };
		struct crypto_buf listed[2] = { { other, 20 }, { ski, 20 } };

		assert_int_equal(x509_ci_listed(p.ci, listed, 2), IOT_OK);
		assert_int_equal(x509_ci_listed(p.ci, listed, 1), IOT_E_CERT_CI_UNKNOWN);
		assert_int_equal(x509_authenticate_client_error(x509_ci_listed(p.ci, listed, 1), X509_ROLE_CI), 9);
	}
	assert_int_equal(crypto_key_curve(x509_key(p.euicc)), curve);
	free_pki(&p);
}

static void test_issue_and_verify_both_curves(void **state)
{
	(void)state;
	check_good_chains(CRYPTO_P256);
	check_good_chains(CRYPTO_BRAINPOOL_P256R1);
}

static void test_each_check_fails_alone(void **state)
{
	struct pki p;
	struct x509_template t;
	struct crypto_cert *bad;
	struct crypto_key *other;
	enum x509_role failed;
	(void)state;

	make_pki(&p, CRYPTO_P256);
	assert_int_equal(crypto_key_generate(CRYPTO_P256, &other), IOT_OK);

	/* EID outside the EUM's EIN */
	t = tmpl(X509_ROLE_EUICC, "eUICC");
	t.serial_number = "89001012012341234012345678901224";
	bad = issue(&t, p.euicc_key, p.eum, p.eum_key);
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, bad, now, &failed), IOT_E_CERT_EID_RANGE);
	assert_int_equal(failed, X509_ROLE_EUICC);
	x509_free(bad);
	/* an EUM that also carries the RFC 5280 subtree { C, O } keeps the EIN rule */
	{
		struct crypto_cert *eum2, *ok_euicc;

		t = tmpl(X509_ROLE_EUM, "EUM");
		t.c = "ES";
		t.ein = "89049032";
		t.rfc5280_subtree = true;
		eum2 = issue(&t, p.eum_key, p.ci, p.ci_key);
		t = tmpl(X509_ROLE_EUICC, "eUICC");
		t.c = "ES";
		t.serial_number = "89001012012341234012345678901224";
		bad = issue(&t, p.euicc_key, eum2, p.eum_key);
		assert_int_equal(x509_verify_euicc_chain(p.ci, eum2, bad, now, &failed), IOT_E_CERT_EID_RANGE);
		t.serial_number = EID;
		ok_euicc = issue(&t, p.euicc_key, eum2, p.eum_key);
		assert_int_equal(x509_verify_euicc_chain(p.ci, eum2, ok_euicc, now, &failed), IOT_OK);
		x509_free(bad);
		x509_free(ok_euicc);
		x509_free(eum2);
	}
	/* right EIN, but another EUM's organisation */
	t.serial_number = EID;
	t.o = "Someone Else";
	bad = issue(&t, p.euicc_key, p.eum, p.eum_key);
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, bad, now, &failed), IOT_E_CERT_EID_RANGE);
	x509_free(bad);
	/* signed with a key that is not the EUM's */
	t = tmpl(X509_ROLE_EUICC, "eUICC");
	t.serial_number = EID;
	bad = issue(&t, p.euicc_key, p.eum, other);
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, bad, now, &failed), IOT_E_CERT_SIGNATURE);
	assert_int_equal(failed, X509_ROLE_EUICC);
	x509_free(bad);
	/* expired and not yet valid */
	t.not_after = now - 60;
	bad = issue(&t, p.euicc_key, p.eum, p.eum_key);
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, bad, now, &failed), IOT_E_CERT_EXPIRED);
	x509_free(bad);
	t.not_before = now + DAY;
	t.not_after = now + 2 * DAY;
	bad = issue(&t, p.euicc_key, p.eum, p.eum_key);
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, bad, now, &failed), IOT_E_CERT_NOT_YET_VALID);
	x509_free(bad);
	/* the policy of another role */
	t = tmpl(X509_ROLE_DP_AUTH, "eUICC");
	t.serial_number = EID;
	bad = issue(&t, p.euicc_key, p.eum, p.eum_key);
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, bad, now, &failed), IOT_E_CERT_POLICY);
	x509_free(bad);
	/* a CA key usage on a leaf */
	t = tmpl(X509_ROLE_EUM, "eUICC");
	t.serial_number = EID;
	bad = issue(&t, p.euicc_key, p.eum, p.eum_key);
	assert_int_equal(x509_check_issued(bad, X509_ROLE_EUICC, p.eum, now), IOT_E_CERT_KEY_USAGE);
	x509_free(bad);
	/* an issuer that is not a CA */
	t = tmpl(X509_ROLE_EUICC, "eUICC 2");
	t.serial_number = EID;
	bad = issue(&t, other, p.euicc, p.euicc_key);
	assert_int_equal(x509_check_issued(bad, X509_ROLE_EUICC, p.euicc, now), IOT_E_CERT_CA);
	x509_free(bad);
	/* a non-CI certificate in the place of the CI fails first, and is named */
	assert_int_equal(x509_verify_euicc_chain(p.dp_auth, p.eum, p.euicc, now, &failed), IOT_E_CERT_SIGNATURE);
	assert_int_equal(failed, X509_ROLE_CI);
	/* an SM-DP+ auth certificate is no SM-DP+ pb certificate */
	assert_int_equal(x509_verify_chain(p.ci, p.dp_auth, X509_ROLE_DP_PB, now), IOT_E_CERT_POLICY);
	/* whole chain expired in 20 years */
	assert_int_equal(x509_verify_euicc_chain(p.ci, p.eum, p.euicc, now + 20 * 365 * (time_t)DAY, &failed),
			 IOT_E_CERT_EXPIRED);
	crypto_key_free(other);
	free_pki(&p);
}

/* The DER check of CERT.EUICC (x509_euicc_check_der) decides as the full
 * one (x509_verify_euicc_leaf) on each certificate, good or with one defect,
 * and refuses the tampered encodings. */
static void leaf_agrees(const struct crypto_cert *eum, const struct crypto_cert *c, iot_err want)
{
	struct x509_euicc_issuer *is;
	size_t n;
	const uint8_t *der = x509_der(c, &n);
	char eid[40];

	assert_int_equal(x509_verify_euicc_leaf(eum, c, now), want);
	assert_int_equal(x509_euicc_issuer_new(eum, &is), IOT_OK);
	assert_int_equal(x509_euicc_check_der(is, der, n, now, eid, sizeof(eid), NULL), want);
	if (want == IOT_OK) {
		struct crypto_key *key = NULL;
		uint8_t a[CRYPTO_POINT_LEN], b[CRYPTO_POINT_LEN];

		assert_string_equal(eid, EID);
		/* and the subject's key, the certificate's own */
		assert_int_equal(x509_euicc_check_der(is, der, n, now, eid, sizeof(eid), &key), IOT_OK);
		assert_int_equal(crypto_key_curve(key), crypto_key_curve(x509_key(c)));
		assert_int_equal(crypto_key_point(key, a), IOT_OK);
		assert_int_equal(crypto_key_point(x509_key(c), b), IOT_OK);
		assert_memory_equal(a, b, sizeof(a));
		crypto_key_free(key);
	}
	x509_euicc_issuer_free(is);
}

static void leaf_from_der(enum crypto_curve curve)
{
	struct pki p;
	struct x509_template t;
	struct crypto_cert *bad;
	struct crypto_key *other;
	struct x509_euicc_issuer *is;
	uint8_t der[2048];
	size_t n;
	char eid[40];
	static const struct {
		enum x509_role role;
		const char *serial, *o;
		int key;                        /* 1: signed by another key */
		long from, to;                  /* validity around now, in days (0: the default) */
		iot_err want;
	} cases[] = {
		{ X509_ROLE_EUICC, EID, NULL, 0, 0, 0, IOT_OK },
		{ X509_ROLE_EUICC, "89001012012341234012345678901224", NULL, 0, 0, 0, IOT_E_CERT_EID_RANGE },
		{ X509_ROLE_EUICC, EID, "Someone Else", 0, 0, 0, IOT_E_CERT_EID_RANGE },
		{ X509_ROLE_EUICC, EID, NULL, 1, 0, 0, IOT_E_CERT_SIGNATURE },
		{ X509_ROLE_EUICC, EID, NULL, 0, -10, -1, IOT_E_CERT_EXPIRED },
		{ X509_ROLE_EUICC, EID, NULL, 0, 1, 2, IOT_E_CERT_NOT_YET_VALID },
		{ X509_ROLE_DP_AUTH, EID, NULL, 0, 0, 0, IOT_E_CERT_POLICY },
		{ X509_ROLE_EUM, EID, NULL, 0, 0, 0, IOT_E_CERT_KEY_USAGE },
	};

	make_pki(&p, curve);
	assert_int_equal(crypto_key_generate(curve, &other), IOT_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = tmpl(cases[i].role, "eUICC");
		t.serial_number = cases[i].serial;
		if (cases[i].o)
			t.o = cases[i].o;
		if (cases[i].from || cases[i].to) {
			t.not_before = now + cases[i].from * DAY;
			t.not_after = now + cases[i].to * DAY;
		}
		bad = issue(&t, p.euicc_key, p.eum, cases[i].key ? other : p.eum_key);
		leaf_agrees(p.eum, bad, cases[i].want);
		x509_free(bad);
	}
	/* an issuer that is not a CA */
	t = tmpl(X509_ROLE_EUICC, "eUICC 2");
	t.serial_number = EID;
	bad = issue(&t, other, p.euicc, p.euicc_key);
	leaf_agrees(p.euicc, bad, IOT_E_CERT_CA);
	x509_free(bad);
	/* the good one's encoding tampered: a byte of the TBS, of the signature, cut, extended */
	{
		const uint8_t *good = x509_der(p.euicc, &n);

		assert_true(n < sizeof(der));
		assert_int_equal(x509_euicc_issuer_new(p.eum, &is), IOT_OK);
		for (size_t at = 0; at < n; at += 7) {
			struct crypto_cert *parsed = NULL;
			bool old_ok;

			memcpy(der, good, n);
			der[at] ^= 0x01;
			old_ok = x509_parse(der, n, &parsed) == IOT_OK && x509_verify_euicc_leaf(p.eum, parsed, now) == IOT_OK;
			assert_int_equal(x509_euicc_check_der(is, der, n, now, eid, sizeof(eid), NULL) == IOT_OK, old_ok);
			assert_false(old_ok && at > 8);         /* only a length's high bits could be harmless */
			x509_free(parsed);
		}
		memcpy(der, good, n);
		assert_int_not_equal(x509_euicc_check_der(is, der, n - 1, now, eid, sizeof(eid), NULL), IOT_OK);
		der[n] = 0;
		assert_int_not_equal(x509_euicc_check_der(is, der, n + 1, now, eid, sizeof(eid), NULL), IOT_OK);
		assert_int_equal(x509_euicc_check_der(is, der, n, now, eid, sizeof(eid), NULL), IOT_OK);
		x509_euicc_issuer_free(is);
	}
	crypto_key_free(other);
	free_pki(&p);
}

static void test_leaf_from_der(void **state)
{
	(void)state;
	leaf_from_der(CRYPTO_P256);
	leaf_from_der(CRYPTO_BRAINPOOL_P256R1);
}

static void test_spec_error_codes(void **state)
{
	(void)state;
	assert_int_equal(x509_authenticate_client_error(IOT_OK, X509_ROLE_EUICC), 0);
	assert_int_equal(x509_authenticate_client_error(IOT_E_CERT_SIGNATURE, X509_ROLE_EUM), 1);
	assert_int_equal(x509_authenticate_client_error(IOT_E_CERT_EXPIRED, X509_ROLE_EUM), 2);
	assert_int_equal(x509_authenticate_client_error(IOT_E_CERT_POLICY, X509_ROLE_EUICC), 3);
	assert_int_equal(x509_authenticate_client_error(IOT_E_CERT_EID_RANGE, X509_ROLE_EUICC), 3);
	assert_int_equal(x509_authenticate_client_error(IOT_E_CERT_NOT_YET_VALID, X509_ROLE_EUICC), 4);
	assert_int_equal(x509_authenticate_client_error(IOT_E_CRYPTO_SIGNATURE, X509_ROLE_EUICC), 5);
	assert_int_equal(x509_authenticate_client_error(IOT_E_CERT_CI_UNKNOWN, X509_ROLE_CI), 9);
	assert_int_equal(x509_authenticate_server_error(IOT_E_CERT_EXPIRED), 1);
	assert_int_equal(x509_authenticate_server_error(IOT_E_CRYPTO_SIGNATURE), 2);
	assert_int_equal(x509_authenticate_server_error(IOT_E_CRYPTO_CURVE), 3);
	assert_int_equal(x509_authenticate_server_error(IOT_E_CERT_CI_UNKNOWN), 7);
	assert_int_equal(x509_authenticate_server_error(IOT_E_NOMEM), 127);
}

static void test_parse_and_files(void **state)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	struct crypto_cert *c, *back;
	struct pki p;
	char path[] = "/tmp/iotrsp-cert-XXXXXX";
	const uint8_t *d1, *d2;
	size_t l1, l2;
	int fd = mkstemp(path);
	(void)state;

	close(fd);
	assert_int_equal(x509_parse(junk, sizeof(junk), &c), IOT_E_CERT_PARSE);
	make_pki(&p, CRYPTO_BRAINPOOL_P256R1);
	d1 = x509_der(p.eum, &l1);
	assert_int_equal(x509_parse(d1, l1 - 1, &c), IOT_E_CERT_PARSE);
	assert_int_equal(x509_save_pem(p.eum, path), IOT_OK);
	assert_int_equal(x509_load(path, &back), IOT_OK);
	d2 = x509_der(back, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(d1, d2, l1);
	x509_free(back);
	assert_int_equal(x509_save_der(p.eum, path), IOT_OK);
	assert_int_equal(x509_load(path, &back), IOT_OK);
	x509_free(back);
	unlink(path);
	free_pki(&p);
}

/* The key cache answers the certificate's own key, parsed once; another
 * certificate (a new one for the same eUICC) never gets the old key; it
 * stays within its room; junk is refused and not kept. */
static void test_key_cache(void **state)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	struct crypto_key_cache *c;
	struct crypto_key *k, *other_key;
	struct crypto_cert *other;
	struct x509_template t = tmpl(X509_ROLE_EUICC, "eUICC");
	struct crypto_buf msg = { (const uint8_t *)"result", 6 };
	uint8_t sig[CRYPTO_SIG_LEN], other_sig[CRYPTO_SIG_LEN];
	uint64_t hits, misses, misses_after;
	const uint8_t *der;
	size_t len, other_len;
	struct pki p;
	(void)state;

	make_pki(&p, CRYPTO_P256);
	t.serial_number = EID;
	assert_int_equal(crypto_key_generate(CRYPTO_P256, &other_key), IOT_OK);
	other = issue(&t, other_key, p.eum, p.eum_key);
	assert_int_equal(ecdsa_sign(p.euicc_key, &msg, 1, sig), IOT_OK);
	assert_int_equal(ecdsa_sign(other_key, &msg, 1, other_sig), IOT_OK);
	assert_int_equal(crypto_key_cache_new(8, &c), IOT_OK);
	der = x509_der(p.euicc, &len);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(crypto_key_cache_cert_key(c, der, len, &k), IOT_OK);
		assert_int_equal(ecdsa_verify(k, &msg, 1, sig, sizeof(sig)), IOT_OK);
		assert_int_equal(ecdsa_verify(k, &msg, 1, other_sig, sizeof(other_sig)), IOT_E_CRYPTO_SIGNATURE);
		crypto_key_free(k);
	}
	crypto_key_cache_stats(c, &hits, &misses);
	assert_int_equal(misses, 1);
	assert_int_equal(hits, 2);
	/* the same EID, another certificate: its own key */
	der = x509_der(other, &other_len);
	assert_int_equal(crypto_key_cache_cert_key(c, der, other_len, &k), IOT_OK);
	assert_int_equal(ecdsa_verify(k, &msg, 1, other_sig, sizeof(other_sig)), IOT_OK);
	assert_int_equal(ecdsa_verify(k, &msg, 1, sig, sizeof(sig)), IOT_E_CRYPTO_SIGNATURE);
	crypto_key_free(k);
	/* a certificate parsed and checked elsewhere, kept: its key then parses nothing */
	crypto_key_cache_stats(c, &hits, &misses);
	assert_int_equal(crypto_key_cache_put_cert(c, p.dp_auth), IOT_OK);
	der = x509_der(p.dp_auth, &len);
	assert_int_equal(crypto_key_cache_cert_key(c, der, len, &k), IOT_OK);
	crypto_key_cache_stats(c, &hits, &misses_after);
	assert_int_equal(misses_after, misses);
	assert_int_equal(ecdsa_sign(p.dp_key, &msg, 1, sig), IOT_OK);
	assert_int_equal(ecdsa_verify(k, &msg, 1, sig, sizeof(sig)), IOT_OK);
	crypto_key_free(k);
	assert_int_equal(ecdsa_sign(p.euicc_key, &msg, 1, sig), IOT_OK);
	der = x509_der(other, &other_len);
	assert_int_equal(crypto_key_cache_cert_key(c, der, other_len, &k), IOT_OK);
	/* a key handed out outlives the cache */
	crypto_key_cache_free(c);
	assert_int_equal(ecdsa_verify(k, &msg, 1, other_sig, sizeof(other_sig)), IOT_OK);
	crypto_key_free(k);
	/* junk: refused, not kept */
	assert_int_equal(crypto_key_cache_new(8, &c), IOT_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(crypto_key_cache_cert_key(c, junk, sizeof(junk), &k), IOT_E_CERT_PARSE);
	assert_null(k);
	crypto_key_cache_stats(c, &hits, &misses);
	assert_int_equal(hits, 0);
	/* bounded: 64 certificates through room for 8 after one, which is then parsed again */
	der = x509_der(p.euicc, &len);
	assert_int_equal(crypto_key_cache_cert_key(c, der, len, &k), IOT_OK);
	crypto_key_free(k);
	for (int i = 0; i < 64; i++) {
		struct crypto_cert *x;
		struct x509_template ti = t;

		ti.serial = 100 + (uint64_t)i;
		x = issue(&ti, p.euicc_key, p.eum, p.eum_key);
		der = x509_der(x, &len);
		assert_int_equal(crypto_key_cache_cert_key(c, der, len, &k), IOT_OK);
		crypto_key_free(k);
		x509_free(x);
	}
	der = x509_der(p.euicc, &len);
	assert_int_equal(crypto_key_cache_cert_key(c, der, len, &k), IOT_OK);
	crypto_key_free(k);
	crypto_key_cache_stats(c, &hits, &misses);
	assert_int_equal(hits, 0);
	assert_int_equal(misses, 2 + 1 + 64 + 1);
	crypto_key_cache_free(c);
	/* SubjectPublicKeyInfos: kept by their bytes, apart from certificates */
	assert_int_equal(crypto_key_cache_new(8, &c), IOT_OK);
	{
		uint8_t *spki, *other_spki;
		size_t n, other_n;

		assert_int_equal(crypto_key_spki(p.euicc_key, &spki, &n), IOT_OK);
		assert_int_equal(crypto_key_spki(other_key, &other_spki, &other_n), IOT_OK);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(crypto_key_cache_spki_key(c, spki, n, &k), IOT_OK);
			assert_int_equal(ecdsa_verify(k, &msg, 1, sig, sizeof(sig)), IOT_OK);
			assert_int_equal(ecdsa_verify(k, &msg, 1, other_sig, sizeof(other_sig)), IOT_E_CRYPTO_SIGNATURE);
			crypto_key_free(k);
		}
		assert_int_equal(crypto_key_cache_spki_key(c, other_spki, other_n, &k), IOT_OK);
		assert_int_equal(ecdsa_verify(k, &msg, 1, other_sig, sizeof(other_sig)), IOT_OK);
		crypto_key_free(k);
		crypto_key_cache_stats(c, &hits, &misses);
		assert_int_equal(hits, 1);
		assert_int_equal(misses, 2);
		/* a certificate's bytes are no key, whatever was kept */
		assert_int_equal(crypto_key_cache_spki_key(c, junk, sizeof(junk), &k), IOT_E_CRYPTO_KEY);
		assert_null(k);
		assert_int_equal(crypto_key_cache_cert_key(c, spki, n, &k), IOT_E_CERT_PARSE);
		der = x509_der(p.euicc, &len);
		assert_int_equal(crypto_key_cache_cert_key(c, der, len, &k), IOT_OK);
		crypto_key_free(k);
		assert_int_equal(crypto_key_cache_spki_key(c, der, len, &k), IOT_E_CRYPTO_KEY);
		free(spki);
		free(other_spki);
	}
	crypto_key_cache_free(c);
	crypto_key_free(other_key);
	x509_free(other);
	free_pki(&p);
}

/* Where needle is in hay, or NULL. */
static const uint8_t *find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return hay + i;
	return NULL;
}

/* The offset of the first byte inside a certificate's issuer Name. */
static size_t issuer_at(const uint8_t *der, size_t len)
{
	struct der_reader top, cert, tbs;
	struct der_tlv t;

	der_reader_init(&top, der, len);
	assert_int_equal(der_read(&top, &t), IOT_OK);
	assert_int_equal(der_enter(&top, &t, &cert), IOT_OK);
	assert_int_equal(der_read(&cert, &t), IOT_OK);
	assert_int_equal(der_enter(&cert, &t, &tbs), IOT_OK);
	for (int i = 0; i < 4; i++)             /* [0] version, serialNumber, signature, issuer */
		assert_int_equal(der_read(&tbs, &t), IOT_OK);
	assert_int_equal(t.value[0], 0x31);     /* its first RDN, a SET */
	return (size_t)(t.value - der);
}

/* A subject key read from the DER: the key OpenSSL decodes, for each role
 * and both curves; a point off its curve refused whichever path reads it;
 * no certificate, no key. The same for a SubjectPublicKeyInfo. */
static void test_subject_key_der(void **state)
{
	static const enum crypto_curve curves[] = { CRYPTO_P256, CRYPTO_BRAINPOOL_P256R1 };
	uint8_t a[CRYPTO_POINT_LEN], b[CRYPTO_POINT_LEN], *copy, *spki;
	const uint8_t *der, *at;
	struct crypto_cert *other;
	struct crypto_key *k;
	size_t len, n;
	struct pki p;
	(void)state;

	for (size_t c = 0; c < 2; c++) {
		struct crypto_cert *certs[4];

		make_pki(&p, curves[c]);
		certs[0] = p.ci;
		certs[1] = p.eum;
		certs[2] = p.euicc;
		certs[3] = p.dp_auth;
		for (size_t i = 0; i < 4; i++) {
			der = x509_der(certs[i], &len);
			assert_int_equal(x509_subject_key_der(der, len, &k), IOT_OK);
			assert_int_equal(crypto_key_curve(k), curves[c]);
			assert_int_equal(crypto_key_point(k, a), IOT_OK);
			assert_int_equal(crypto_key_point(x509_key(certs[i]), b), IOT_OK);
			assert_memory_equal(a, b, sizeof(a));
			crypto_key_free(k);
			/* its point moved off the curve: no key, read or decoded */
			assert_non_null(at = find(der, len, b, sizeof(b)));
			assert_non_null(copy = malloc(len));
			memcpy(copy, der, len);
			copy[(at - der) + 40] ^= 0x01;
			assert_int_not_equal(x509_subject_key_der(copy, len, &k), IOT_OK);
			/* cut short: no certificate */
			assert_int_equal(x509_subject_key_der(der, len - 1, &k), IOT_E_CERT_PARSE);
			/* read, not decoded: an issuer OpenSSL cannot decode is not looked into */
			memcpy(copy, der, len);
			copy[issuer_at(der, len)] = 0x04;
			assert_int_equal(x509_parse(copy, len, &other), IOT_E_CERT_PARSE);
			assert_int_equal(x509_subject_key_der(copy, len, &k), IOT_OK);
			assert_int_equal(crypto_key_point(k, a), IOT_OK);
			assert_memory_equal(a, b, sizeof(a));
			crypto_key_free(k);
			free(copy);
		}
		assert_int_equal(crypto_key_spki(x509_key(p.euicc), &spki, &n), IOT_OK);
		assert_int_equal(crypto_key_from_spki(spki, n, &k), IOT_OK);
		assert_int_equal(crypto_key_point(k, a), IOT_OK);
		assert_int_equal(crypto_key_point(x509_key(p.euicc), b), IOT_OK);
		assert_memory_equal(a, b, sizeof(a));
		crypto_key_free(k);
		spki[n - 5] ^= 0x01;
		assert_int_equal(crypto_key_from_spki(spki, n, &k), IOT_E_CRYPTO_KEY);
		assert_int_equal(x509_subject_key_der(spki, n, &k), IOT_E_CERT_PARSE);
		free(spki);
		free_pki(&p);
	}
}

/* EUMs kept once checked: answered for their CI, within both validity
 * periods only, never for another CI or other bytes; a full cache keeps
 * nothing more and leaves the certificate to its caller. */
static void test_eum_cache(void **state)
{
	struct x509_eum_cache *c;
	struct crypto_cert *eum, *eum2, *other_ci;
	struct crypto_key *other_key;
	struct x509_template t = tmpl(X509_ROLE_CI, "Other CI");
	const uint8_t *der;
	size_t len;
	struct pki p;
	(void)state;

	make_pki(&p, CRYPTO_P256);
	assert_int_equal(crypto_key_generate(CRYPTO_P256, &other_key), IOT_OK);
	t.o = "iotrsp";
	other_ci = issue(&t, other_key, NULL, other_key);
	der = x509_der(p.eum, &len);
	assert_int_equal(x509_eum_cache_new(1, &c), IOT_OK);
	assert_null(x509_eum_cache_get(c, p.ci, der, len, now));
	assert_int_equal(x509_parse(der, len, &eum), IOT_OK);
	x509_eum_cache_put(c, p.ci, &eum);
	assert_null(eum);
	assert_non_null(x509_eum_cache_get(c, p.ci, der, len, now));
	assert_int_equal(x509_verify_euicc_leaf(x509_eum_cache_get(c, p.ci, der, len, now), p.euicc, now), IOT_OK);
	{
		/* and kept ready for the eUICC's certificate's DER */
		size_t n;
		const uint8_t *leaf = x509_der(p.euicc, &n);
		char eid[40];

		assert_non_null(x509_eum_cache_issuer(c, p.ci, der, len, now));
		assert_int_equal(x509_euicc_check_der(x509_eum_cache_issuer(c, p.ci, der, len, now), leaf, n, now, eid,
						      sizeof(eid), NULL), IOT_OK);
		assert_null(x509_eum_cache_issuer(c, other_ci, der, len, now));
		assert_null(x509_eum_cache_issuer(c, p.ci, der, len, now + 3651 * DAY));
	}
	/* another CI, other bytes, outside the EUM's validity (tmpl: a day before now to ten years on) */
	assert_null(x509_eum_cache_get(c, other_ci, der, len, now));
	assert_null(x509_eum_cache_get(c, p.ci, der, len - 1, now));
	assert_null(x509_eum_cache_get(c, p.ci, der, len, now - 2 * DAY));
	assert_null(x509_eum_cache_get(c, p.ci, der, len, now + 3651 * DAY));
	/* full: the caller keeps its certificate */
	der = x509_der(p.dp_auth, &len);
	assert_int_equal(x509_parse(der, len, &eum2), IOT_OK);
	x509_eum_cache_put(c, p.ci, &eum2);
	assert_non_null(eum2);
	x509_free(eum2);
	x509_eum_cache_free(c);
	x509_free(other_ci);
	crypto_key_free(other_key);
	free_pki(&p);
}

/* The SGP.26 test certificates pass the same checks. */
static void test_sgp26_reference_chains(void **state)
{
	const char *ref = getenv("IOTRSP_REFERENCE");
	static const char *const curves[] = { "NIST", "BRP" };
	char path[3][512];
	size_t i;
	(void)state;

	if (!ref)
		ref = "../shared/reference";
	snprintf(path[0], sizeof(path[0]), "%s/sgp26-certs/CertificateIssuer/CERT_CI_ECDSA_NIST.der", ref);
	if (access(path[0], R_OK) != 0) {
		printf("skipped: no SGP.26 certificates under %s\n", ref);
		skip();
	}
	for (i = 0; i < 2; i++) {
		struct crypto_cert *ci, *eum, *euicc, *auth, *pb;
		enum x509_role failed;
		char p[512];

		snprintf(path[0], sizeof(path[0]), "%s/sgp26-certs/CertificateIssuer/CERT_CI_ECDSA_%s.der", ref, curves[i]);
		snprintf(path[1], sizeof(path[1]), "%s/sgp26-certs/EUM/CERT_EUM_ECDSA_%s.der", ref, curves[i]);
		snprintf(path[2], sizeof(path[2]), "%s/sgp26-certs/eUICC/CERT_EUICC_ECDSA_%s.der", ref, curves[i]);
		assert_int_equal(x509_load(path[0], &ci), IOT_OK);
		assert_int_equal(x509_load(path[1], &eum), IOT_OK);
		assert_int_equal(x509_load(path[2], &euicc), IOT_OK);
		assert_int_equal(x509_verify_euicc_chain(ci, eum, euicc, now, &failed), IOT_OK);
		snprintf(p, sizeof(p), "%s/sgp26-certs/DPauth/CERT_S_SM_DPauth_ECDSA_%s.der", ref, curves[i]);
		assert_int_equal(x509_load(p, &auth), IOT_OK);
		assert_int_equal(x509_verify_chain(ci, auth, X509_ROLE_DP_AUTH, now), IOT_OK);
		snprintf(p, sizeof(p), "%s/sgp26-certs/DPpb/CERT_S_SM_DPpb_ECDSA_%s.der", ref, curves[i]);
		assert_int_equal(x509_load(p, &pb), IOT_OK);
		assert_int_equal(x509_verify_chain(ci, pb, X509_ROLE_DP_PB, now), IOT_OK);
		assert_int_equal(x509_verify_chain(ci, pb, X509_ROLE_DP_AUTH, now), IOT_E_CERT_POLICY);
		x509_free(ci);
		x509_free(eum);
		x509_free(euicc);
		x509_free(auth);
		x509_free(pb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_and_verify_both_curves),
		cmocka_unit_test(test_each_check_fails_alone),
		cmocka_unit_test(test_leaf_from_der),
		cmocka_unit_test(test_spec_error_codes),
		cmocka_unit_test(test_parse_and_files),
		cmocka_unit_test(test_key_cache),
		cmocka_unit_test(test_subject_key_der),
		cmocka_unit_test(test_eum_cache),
		cmocka_unit_test(test_sgp26_reference_chains),
	};
	now = time(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
