/* lib/crypto: published vectors (RFC 4493 CMAC, ANSI X9.63 KDF), and for
 * each RSP-specific step an expected value computed here with different code
 * (straight OpenSSL EVP calls), never by lib/crypto itself. */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "crypto/bsp.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"

/* ---- independent reference computations ---- */

static void ref_sha256(const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
		       const uint8_t *c, size_t cl, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n;

	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	EVP_DigestUpdate(md, a, al);
	EVP_DigestUpdate(md, b, bl);
	EVP_DigestUpdate(md, c, cl);
	EVP_DigestFinal_ex(md, out, &n);
	EVP_MD_CTX_free(md);
}

/* ANSI X9.63: Hash(Z || counter32 || SharedInfo), counter from 1 */
static void ref_x963(const uint8_t *z, size_t zl, const uint8_t *info, size_t il,
		     uint8_t *out, size_t ol)
{
	uint32_t counter;
	size_t done = 0;

	for (counter = 1; done < ol; counter++) {
		uint8_t c[4] = { (uint8_t)(counter >> 24), (uint8_t)(counter >> 16),
				 (uint8_t)(counter >> 8), (uint8_t)counter };
		uint8_t h[32];
		size_t n = ol - done < 32 ? ol - done : 32;

		ref_sha256(z, zl, c, 4, info, il, h);
		memcpy(out + done, h, n);
		done += n;
	}
}

static void ref_cmac(const uint8_t key[16], const uint8_t *m, size_t len, uint8_t out[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string("cipher", (char *)"AES-128-CBC", 0),
			   OSSL_PARAM_construct_end() };
	size_t n;

	assert_int_equal(EVP_MAC_init(ctx, key, 16, p), 1);
	EVP_MAC_update(ctx, m, len);
	EVP_MAC_final(ctx, out, &n, 16);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

static void ref_aes(bool ecb, bool enc, const uint8_t key[16], const uint8_t *iv,
		    const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n;

	EVP_CipherInit_ex(c, ecb ? EVP_aes_128_ecb() : EVP_aes_128_cbc(), NULL, key, iv, enc);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_CipherUpdate(c, out, &n, in, (int)len);
	assert_int_equal((size_t)n, len);
	EVP_CIPHER_CTX_free(c);
}

/* ---- published vectors ---- */

static void test_cmac_rfc4493(void **state)
{
	uint8_t key[16], msg[64], want[16], got[16];
	static const char *const macs[] = {
		"bb1d6929e95937287fa37d129b756746", "070a16b46b4d4144f79bdd9dd04a287c",
		"dfa66747de9ae63030ca32611497c827", "51f0bebf7e3b9d92fc49741779363cfe" };
	static const size_t lens[] = { 0, 16, 40, 64 };
	size_t i;
	(void)state;

	hex("2b7e151628aed2a6abf7158809cf4f3c", key, sizeof(key));
	hex("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
	    "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710", msg, sizeof(msg));
	for (i = 0; i < 4; i++) {
		hex(macs[i], want, sizeof(want));
		assert_int_equal(crypto_aes_cmac(key, msg, lens[i], got), IOT_OK);
		assert_memory_equal(got, want, 16);
	}
}

static void test_x963_kdf_vectors(void **state)
{
	uint8_t z[32], info[16], want[128], got[128];
	size_t zl, il, wl;
	(void)state;

	/* NIST CAVS ansx963_2001 SHA-256, empty SharedInfo */
	zl = hex("96c05619d56c328ab95fe84b18264b08725b85e33fd34f08", z, sizeof(z));
	wl = hex("443024c3dae66b95e6f5670601558f71", want, sizeof(want));
	assert_int_equal(kdf_x963_sha256(z, zl, NULL, 0, got, wl), IOT_OK);
	assert_memory_equal(got, want, wl);
	/* with SharedInfo, 128 bytes of key data */
	zl = hex("22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d", z, sizeof(z));
	il = hex("75eef81aa3041e33b80971203d2c0c52", info, sizeof(info));
	wl = hex("c498af77161cc59f2962b9a713e2b215152d139766ce34a776df11866a69bf2e"
		 "52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6cf92f30d0097111485"
		 "500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0ababc11f0bd496269"
		 "142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd7e386128ec26afc21", want, sizeof(want));
	assert_int_equal(kdf_x963_sha256(z, zl, info, il, got, wl), IOT_OK);
	assert_memory_equal(got, want, wl);
	/* and the reference loop of this test agrees with the published answer */
	ref_x963(z, zl, info, il, got, wl);
	assert_memory_equal(got, want, wl);
}

/* ---- RSP steps against independent computations ---- */

static void test_bsp_key_derivation(void **state)
{
	uint8_t z[32], host[] = { 0x01, 0x02, 0x03 }, eid[16], info[64], ref[48];
	struct bsp_keys k;
	size_t n = 0;
	(void)state;

	memset(z, 0x5A, sizeof(z));
	hex("89049032123451234512345678901235", eid, sizeof(eid));
	/* SGP.22 2.6.4.2 shared info, assembled by hand */
	info[n++] = 0x88;
	info[n++] = 0x10;
	info[n++] = sizeof(host);
	memcpy(info + n, host, sizeof(host));
	n += sizeof(host);
	info[n++] = 16;
	memcpy(info + n, eid, 16);
	n += 16;
	ref_x963(z, sizeof(z), info, n, ref, sizeof(ref));
	assert_int_equal(bsp_derive_keys(z, sizeof(z), 0x88, 16, host, sizeof(host), eid, 16, &k), IOT_OK);
	assert_memory_equal(k.mac_chaining, ref, 16);
	assert_memory_equal(k.s_enc, ref + 16, 16);
	assert_memory_equal(k.s_mac, ref + 32, 16);
	assert_int_equal(bsp_derive_keys(z, sizeof(z), 0x89, 16, host, sizeof(host), eid, 16, &k), IOT_E_ARG);
}

static void test_confirmation_code_hash(void **state)
{
	static const uint8_t cc[] = "12345678", txid[] = { 0xA1, 0xB2, 0xC3, 0xD4 };
	uint8_t inner[32], want[32], got[32];
	(void)state;

	ref_sha256(cc, 8, NULL, 0, NULL, 0, inner);
	ref_sha256(inner, 32, txid, sizeof(txid), NULL, 0, want);
	assert_int_equal(crypto_hash_confirmation_code(cc, 8, txid, sizeof(txid), got), IOT_OK);
	assert_memory_equal(got, want, 32);
}

static void check_ecdsa(enum crypto_curve curve)
{
	static const uint8_t msg1[] = "EuiccPackageSigned", msg2[] = "||associationToken";
	struct crypto_buf parts[2] = { { msg1, 18 }, { msg2, 18 } };
	uint8_t sig[64], sig2[64], der[80], whole[36];
	struct crypto_key *key;
	EVP_MD_CTX *md;
	ECDSA_SIG *s;
	size_t der_len;
	const unsigned char *p;
	const BIGNUM *r, *sv;
	size_t dl = sizeof(der);

	assert_int_equal(crypto_key_generate(curve, &key), IOT_OK);
	assert_int_equal(crypto_key_curve(key), curve);
	assert_int_equal(ecdsa_sign(key, parts, 2, sig), IOT_OK);
	/* the signature covers the concatenation, however it was split */
	memcpy(whole, msg1, 18);
	memcpy(whole + 18, msg2, 18);
	{
		struct crypto_buf one = { whole, 36 };

		assert_int_equal(ecdsa_verify(key, &one, 1, sig, 64), IOT_OK);
	}
	/* independent: r||s to DER by hand, verified by EVP directly */
	s = ECDSA_SIG_new();
	ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	der_len = (size_t)i2d_ECDSA_SIG(s, NULL);
	{
		unsigned char *q = der;

		i2d_ECDSA_SIG(s, &q);
	}
	ECDSA_SIG_free(s);
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey), 1);
	assert_int_equal(EVP_DigestVerify(md, der, der_len, whole, 36), 1);
	EVP_MD_CTX_free(md);
	/* independent: an EVP-made DER signature, converted by hand, verifies */
	md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey), 1);
	assert_int_equal(EVP_DigestSign(md, der, &dl, whole, 36), 1);
	EVP_MD_CTX_free(md);
	p = der;
	s = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	ECDSA_SIG_get0(s, &r, &sv);
	BN_bn2binpad(r, sig2, 32);
	BN_bn2binpad(sv, sig2 + 32, 32);
	ECDSA_SIG_free(s);
	assert_int_equal(ecdsa_verify(key, parts, 2, sig2, 64), IOT_OK);
	/* and the converters agree with each other */
	assert_int_equal(ecdsa_sig_to_der(sig2, der, sizeof(der), &der_len), IOT_OK);
	assert_int_equal(der_len, dl);
	assert_int_equal(ecdsa_sig_from_der(der, der_len, sig), IOT_OK);
	assert_memory_equal(sig, sig2, 64);
	/* tampering is caught */
	sig2[10] ^= 1;
	assert_int_equal(ecdsa_verify(key, parts, 2, sig2, 64), IOT_E_CRYPTO_SIGNATURE);
	assert_int_equal(ecdsa_verify(key, parts, 2, sig2, 63), IOT_E_CRYPTO_SIGNATURE);
	assert_int_equal(ecdsa_verify(key, parts, 1, sig, 64), IOT_E_CRYPTO_SIGNATURE);
	crypto_key_free(key);
}

static void test_ecdsa_both_curves(void **state)
{
	(void)state;
	check_ecdsa(CRYPTO_P256);
	check_ecdsa(CRYPTO_BRAINPOOL_P256R1);
}

static void test_keys_points_and_ecka(void **state)
{
	static const enum crypto_curve curves[] = { CRYPTO_P256, CRYPTO_BRAINPOOL_P256R1 };
	size_t i;
	(void)state;

	for (i = 0; i < 2; i++) {
		struct crypto_key *a, *b, *b_pub, *other;
		uint8_t pt[65], s1[32], s2[32], ref[32], *spki;
		size_t spki_len, rl = sizeof(ref);
		EVP_PKEY_CTX *ctx;

		assert_int_equal(crypto_key_generate(curves[i], &a), IOT_OK);
		assert_int_equal(crypto_key_generate(curves[i], &b), IOT_OK);
		assert_int_equal(crypto_key_point(b, pt), IOT_OK);
		assert_int_equal(pt[0], 0x04);
		assert_int_equal(crypto_key_from_point(curves[i], pt, 65, &b_pub), IOT_OK);
		assert_false(crypto_key_has_private(b_pub));
		assert_true(crypto_key_has_private(b));
		assert_int_equal(ecka_shared_secret(a, b_pub, s1), IOT_OK);
		/* independent: EVP derive with the other private key */
		ctx = EVP_PKEY_CTX_new(b->pkey, NULL);
		EVP_PKEY_derive_init(ctx);
		EVP_PKEY_derive_set_peer(ctx, a->pkey);
		assert_int_equal(EVP_PKEY_derive(ctx, ref, &rl), 1);
		EVP_PKEY_CTX_free(ctx);
		assert_memory_equal(s1, ref, 32);
		assert_int_equal(ecka_shared_secret(b, a, s2), IOT_OK);
		assert_memory_equal(s1, s2, 32);
		/* SPKI round trip */
		assert_int_equal(crypto_key_spki(b, &spki, &spki_len), IOT_OK);
		crypto_key_free(b_pub);
		assert_int_equal(crypto_key_from_spki(spki, spki_len, &b_pub), IOT_OK);
		free(spki);
		/* a point off the curve, a compressed point, a point of the other curve */
		pt[64] ^= 1;
		assert_int_equal(crypto_key_from_point(curves[i], pt, 65, &other), IOT_E_CRYPTO_KEY);
		pt[64] ^= 1;
		assert_int_equal(crypto_key_from_point(curves[i], pt, 33, &other), IOT_E_CRYPTO_KEY);
		assert_int_equal(crypto_key_generate(curves[1 - i], &other), IOT_OK);
		assert_int_equal(ecka_shared_secret(other, b_pub, s2), IOT_E_CRYPTO_CURVE);
		crypto_key_free(other);
		crypto_key_free(a);
		crypto_key_free(b);
		crypto_key_free(b_pub);
	}
}

/* A private key as its bare scalar and back: the same key pair (its point,
 * its ECDH), on its own curve only; 0, n and a short scalar refused. */
static void test_private_scalar(void **state)
{
	static const enum crypto_curve curves[] = { CRYPTO_P256, CRYPTO_BRAINPOOL_P256R1 };
	/* the order n of each curve, big-endian */
	static const char *const order[] = {
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
		"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7",
	};
	(void)state;
	for (int i = 0; i < 2; i++) {
		struct crypto_key *a, *b, *peer;
		uint8_t d[CRYPTO_SCALAR_LEN], pa[CRYPTO_POINT_LEN], pb[CRYPTO_POINT_LEN], s1[32], s2[32], bad[32];
		size_t n;

		assert_int_equal(crypto_key_generate(curves[i], &a), IOT_OK);
		assert_int_equal(crypto_key_generate(curves[i], &peer), IOT_OK);
		assert_int_equal(crypto_key_private_scalar(a, d), IOT_OK);
		assert_int_equal(crypto_key_from_private_scalar(curves[i], d, sizeof(d), &b), IOT_OK);
		assert_true(crypto_key_has_private(b));
		assert_int_equal(crypto_key_curve(b), curves[i]);
		assert_int_equal(crypto_key_point(a, pa), IOT_OK);
		assert_int_equal(crypto_key_point(b, pb), IOT_OK);
		assert_memory_equal(pa, pb, sizeof(pa));
		assert_int_equal(ecka_shared_secret(a, peer, s1), IOT_OK);
		assert_int_equal(ecka_shared_secret(b, peer, s2), IOT_OK);
		assert_memory_equal(s1, s2, sizeof(s1));
		crypto_key_free(b);
		/* on the other curve (below both orders) it is another key */
		memcpy(bad, d, sizeof(bad));
		bad[0] &= 0x7F;
		assert_int_equal(crypto_key_from_private_scalar(curves[i], bad, sizeof(bad), &b), IOT_OK);
		assert_int_equal(crypto_key_point(b, pa), IOT_OK);
		crypto_key_free(b);
		assert_int_equal(crypto_key_from_private_scalar(curves[1 - i], bad, sizeof(bad), &b), IOT_OK);
		assert_int_equal(crypto_key_point(b, pb), IOT_OK);
		assert_memory_not_equal(pa, pb, sizeof(pa));
		crypto_key_free(b);
		assert_int_equal(crypto_key_from_private_scalar(curves[i], d, sizeof(d) - 1, &b), IOT_E_CRYPTO_KEY);
		memset(bad, 0, sizeof(bad));
		assert_int_equal(crypto_key_from_private_scalar(curves[i], bad, sizeof(bad), &b), IOT_E_CRYPTO_KEY);
		assert_int_equal(hex_decode(order[i], bad, sizeof(bad), &n), IOT_OK);
		assert_int_equal(crypto_key_from_private_scalar(curves[i], bad, sizeof(bad), &b), IOT_E_CRYPTO_KEY);
		bad[31]--;      /* n - 1 is a key */
		assert_int_equal(crypto_key_from_private_scalar(curves[i], bad, sizeof(bad), &b), IOT_OK);
		crypto_key_free(b);
		/* a public key has no scalar */
		assert_int_equal(crypto_key_point(a, pa), IOT_OK);
		assert_int_equal(crypto_key_from_point(curves[i], pa, sizeof(pa), &b), IOT_OK);
		assert_int_not_equal(crypto_key_private_scalar(b, d), IOT_OK);
		crypto_key_free(b);
		crypto_key_free(a);
		crypto_key_free(peer);
	}
}

static void test_key_files(void **state)
{
	char path[] = "/tmp/iotrsp-key-XXXXXX";
	struct crypto_key *k, *back;
	uint8_t p1[65], p2[65];
	struct stat st;
	int fd = mkstemp(path);
	(void)state;

	close(fd);
	assert_int_equal(crypto_key_generate(CRYPTO_BRAINPOOL_P256R1, &k), IOT_OK);
	assert_int_equal(crypto_key_save_pem(k, path), IOT_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(crypto_key_load_pem(path, &back), IOT_OK);
	assert_int_equal(crypto_key_curve(back), CRYPTO_BRAINPOOL_P256R1);
	crypto_key_point(k, p1);
	crypto_key_point(back, p2);
	assert_memory_equal(p1, p2, 65);
	unlink(path);
	assert_int_equal(crypto_key_load_pem(path, &back), IOT_E_IO);
	{
		uint8_t *der;
		size_t len;
		struct crypto_key *again;

		assert_int_equal(crypto_key_private_der(k, &der, &len), IOT_OK);
		assert_int_equal(crypto_key_from_private_der(der, len, &again), IOT_OK);
		crypto_key_point(again, p2);
		assert_memory_equal(p1, p2, 65);
		assert_true(crypto_key_has_private(again));
		assert_int_equal(crypto_key_from_private_der(der, len - 1, &back), IOT_E_CRYPTO_KEY);
		free(der);
		crypto_key_free(again);
	}
	crypto_key_free(k);
	crypto_key_free(back);
}

/* The first protected segments, recomputed with EVP: ICV = AES-ECB(S-ENC,
 * counter), AES-CBC over data || 80 00.., C-MAC = CMAC(S-MAC, MCV || T || L || C)[0..8] */
static void test_bsp_segments_independent(void **state)
{
	struct bsp_keys k;
	struct bsp b;
	struct der_writer w;
	uint8_t data[40], padded[48], counter[16] = { 0 }, iv[16], ct[48], macin[16 + 3 + 56], full[16];
	uint8_t mac2[16], macin2[16 + 2 + 48];
	(void)state;

	memset(k.s_enc, 0x11, 16);
	memset(k.s_mac, 0x22, 16);
	memset(k.mac_chaining, 0x33, 16);
	memset(data, 0xC4, sizeof(data));
	bsp_init(&b, &k);
	der_writer_dynamic(&w);
	assert_int_equal(bsp_protect(&b, 0x87, true, data, sizeof(data), &w), IOT_OK);
	assert_int_equal(bsp_protect(&b, 0x88, false, data, sizeof(data), &w), IOT_OK);

	/* segment 1: encrypted, block 1 */
	memcpy(padded, data, 40);
	padded[40] = 0x80;
	memset(padded + 41, 0, 7);
	counter[15] = 1;
	ref_aes(true, true, k.s_enc, NULL, counter, 16, iv);
	ref_aes(false, true, k.s_enc, iv, padded, 48, ct);
	memcpy(macin, k.mac_chaining, 16);
	macin[16] = 0x87;
	macin[17] = 48 + 8;
	memcpy(macin + 18, ct, 48);
	ref_cmac(k.s_mac, macin, 16 + 2 + 48, full);
	assert_int_equal(w.buf[0], 0x87);
	assert_int_equal(w.buf[1], 56);
	assert_memory_equal(w.buf + 2, ct, 48);
	assert_memory_equal(w.buf + 50, full, 8);
	/* segment 2: MAC only, chained on the full previous MAC */
	memcpy(macin2, full, 16);
	macin2[16] = 0x88;
	macin2[17] = 40 + 8;
	memcpy(macin2 + 18, data, 40);
	ref_cmac(k.s_mac, macin2, 16 + 2 + 40, mac2);
	assert_int_equal(w.buf[58], 0x88);
	assert_int_equal(w.buf[59], 48);
	assert_memory_equal(w.buf + 60, data, 40);
	assert_memory_equal(w.buf + 100, mac2, 8);
	assert_int_equal(w.len, 108);
	/* the block counter moved past the MAC-only segment too */
	assert_int_equal(b.block, 3);
	der_writer_free(&w);
}

static void test_bsp_round_trip_and_tamper(void **state)
{
	static uint8_t data[5000];
	struct bsp_keys k;
	struct bsp tx, rx;
	struct der_writer w, out;
	struct der_reader r;
	struct der_tlv t;
	size_t i, segments = 0;
	(void)state;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	crypto_random(k.s_enc, 16);
	crypto_random(k.s_mac, 16);
	crypto_random(k.mac_chaining, 16);
	bsp_init(&tx, &k);
	bsp_init(&rx, &k);
	der_writer_dynamic(&w);
	der_writer_dynamic(&out);
	assert_int_equal(bsp_protect(&tx, 0x86, true, data, sizeof(data), &w), IOT_OK);
	der_reader_init(&r, w.buf, w.len);
	while (!der_reader_done(&r)) {
		assert_int_equal(der_read(&r, &t), IOT_OK);
		assert_true(t.raw_len <= BSP_MAX_SEGMENT);
		if (segments == 2) {
			/* a flipped bit fails the MAC and leaves the session as it was */
			uint8_t copy[BSP_MAX_SEGMENT];
			struct bsp before = rx;

			memcpy(copy, t.raw, t.raw_len);
			copy[t.raw_len - 20] ^= 0x01;
			assert_int_equal(bsp_unprotect(&rx, copy, t.raw_len, true, &out), IOT_E_CRYPTO_MAC);
			assert_memory_equal(&before, &rx, sizeof(rx));
		}
		assert_int_equal(bsp_unprotect(&rx, t.raw, t.raw_len, true, &out), IOT_OK);
		segments++;
	}
	assert_int_equal(segments, (sizeof(data) + BSP_MAX_PLAIN_ENCRYPTED - 1) / BSP_MAX_PLAIN_ENCRYPTED);
	assert_int_equal(out.len, sizeof(data));
	assert_memory_equal(out.buf, data, sizeof(data));
	/* a replayed segment no longer verifies: the MAC chain moved on */
	der_reader_init(&r, w.buf, w.len);
	der_read(&r, &t);
	assert_int_equal(bsp_unprotect(&rx, t.raw, t.raw_len, true, &out), IOT_E_CRYPTO_MAC);
	der_writer_free(&w);
	der_writer_free(&out);
	bsp_wipe(&rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmac_rfc4493),
		cmocka_unit_test(test_x963_kdf_vectors),
		cmocka_unit_test(test_bsp_key_derivation),
		cmocka_unit_test(test_confirmation_code_hash),
		cmocka_unit_test(test_ecdsa_both_curves),
		cmocka_unit_test(test_keys_points_and_ecka),
		cmocka_unit_test(test_private_scalar),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_bsp_segments_independent),
		cmocka_unit_test(test_bsp_round_trip_and_tamper),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
