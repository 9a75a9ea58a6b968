/* ECDSA sign and verify per second through lib/crypto (SHA-256 over a
 * 200-byte message, r||s signatures), ECKA + BSP key derivation per second,
 * a certificate's subject key read from its DER against OpenSSL's
 * decoding, and BSP protection throughput, for both RSP curves. Prints
 * figures only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/bsp.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* What eimd does with a stored eUICC certificate its key cache lacks. */
static void bench_subject_key(struct crypto_key *key, const char *name, double seconds)
{
	struct x509_template tp = { .role = X509_ROLE_CI, .cn = "bench", .o = "iotrsp", .serial = 1,
				    .not_before = time(NULL) - 60, .not_after = time(NULL) + 86400 };
	struct crypto_cert *cert, *parsed;
	struct crypto_key *k;
	const uint8_t *der;
	double t0, t, read;
	size_t len;
	long n;

	if (x509_issue(&tp, key, NULL, key, &cert) != IOT_OK)
		return;
	der = x509_der(cert, &len);
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < seconds; n++) {
		if (x509_subject_key_der(der, len, &k) != IOT_OK)
			break;
		crypto_key_free(k);
	}
	read = n / t;
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < seconds; n++) {
		if (x509_parse(der, len, &parsed) != IOT_OK)
			break;
		x509_free(parsed);
	}
	printf("%-16s cert's key     %9.0f /s read from its DER, %.0f /s decoded by OpenSSL (d2i_X509)\n", name, read,
	       n / t);
	x509_free(cert);
}

static void bench_curve(enum crypto_curve curve, const char *name, double seconds)
{
	uint8_t msg[200], sig[64], z[32], eid[16] = { 0x89 }, host[16] = { 0 };
	struct crypto_buf part = { msg, sizeof(msg) };
	struct crypto_key *key, *peer;
	struct bsp_keys keys;
	double t0, t;
	long n;

	memset(msg, 0x42, sizeof(msg));
	crypto_key_generate(curve, &key);
	crypto_key_generate(curve, &peer);
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < seconds; n++)
		ecdsa_sign(key, &part, 1, sig);
	printf("%-16s ecdsa sign     %9.0f /s\n", name, n / t);
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < seconds; n++)
		if (ecdsa_verify(key, &part, 1, sig, 64) != IOT_OK)
			return;
	printf("%-16s ecdsa verify   %9.0f /s\n", name, n / t);
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < seconds; n++) {
		ecka_shared_secret(key, peer, z);
		bsp_derive_keys(z, 32, 0x88, 16, host, 16, eid, 16, &keys);
	}
	printf("%-16s ecka+kdf       %9.0f /s\n", name, n / t);
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < seconds; n++) {
		struct crypto_key *k;

		crypto_key_generate(curve, &k);
		crypto_key_free(k);
	}
	printf("%-16s keygen         %9.0f /s\n", name, n / t);
	bench_subject_key(key, name, seconds);
	crypto_key_free(key);
	crypto_key_free(peer);
}

static void bench_bsp(double seconds)
{
	static uint8_t profile[12 * 1024];
	struct bsp_keys k;
	struct bsp b;
	struct der_writer w;
	double t0, t;
	long n;

	memset(&k, 0x11, sizeof(k));
	der_writer_dynamic(&w);
	for (n = 0, t0 = now_s(); (t = now_s() - t0) < seconds; n++) {
		bsp_init(&b, &k);
		w.len = 0;
		bsp_protect(&b, 0x86, true, profile, sizeof(profile), &w);
	}
	printf("%-16s bsp protect    %9.1f MB/s (12 KB profiles, %zu bytes bound)\n", "AES-128",
	       n * sizeof(profile) / t / 1e6, w.len);
	der_writer_free(&w);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;

	bench_curve(CRYPTO_P256, "NIST P-256", seconds);
	bench_curve(CRYPTO_BRAINPOOL_P256R1, "brainpoolP256r1", seconds);
	bench_bsp(seconds);
	return 0;
}
