/* libFuzzer target: the SM-DP+'s ES9+ entry point (smdp_es9) with any
 * bytes: decoding, dispatch, every check before a session exists, and the
 * store transactions around them. One SM-DP+ (in-memory store) for the
 * run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/x509.h"
#include "smdp/smdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], ci[128], auth[128], auth_key[128], pb[128], pb_key[128];

static void remove_pki(void)
{
	unlink(ci);
	unlink(auth);
	unlink(auth_key);
	unlink(pb);
	unlink(pb_key);
	rmdir(dir);
}

static void issue(struct x509_template *t, const char *cert_path, const char *key_path, struct crypto_cert *issuer,
		  struct crypto_key *issuer_key, struct crypto_cert **out, struct crypto_key **out_key)
{
	struct crypto_key *k;
	struct crypto_cert *c;

	if (crypto_key_generate(CRYPTO_P256, &k) != IOT_OK ||
	    x509_issue(t, k, issuer, issuer_key ? issuer_key : k, &c) != IOT_OK || x509_save_pem(c, cert_path) != IOT_OK ||
	    (key_path && crypto_key_save_pem(k, key_path) != IOT_OK))
		abort();
	if (out)
		*out = c;
	else
		x509_free(c);
	if (out_key)
		*out_key = k;
	else
		crypto_key_free(k);
}

static struct smdp *make_smdp(void)
{
	struct x509_template t = { 0 };
	struct crypto_cert *ci_cert;
	struct crypto_key *ci_key;
	struct smdp_credentials creds;
	struct smdp_config cfg = { 0 };
	struct smdp *s;

	snprintf(dir, sizeof(dir), "/tmp/iotrsp-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(ci, sizeof(ci), "%s/ci.pem", dir);
	snprintf(auth, sizeof(auth), "%s/auth.pem", dir);
	snprintf(auth_key, sizeof(auth_key), "%s/auth.key", dir);
	snprintf(pb, sizeof(pb), "%s/pb.pem", dir);
	snprintf(pb_key, sizeof(pb_key), "%s/pb.key", dir);
	atexit(remove_pki);
	t.not_before = time(NULL) - 3600;
	t.not_after = time(NULL) + 3650L * 86400;
	t.role = X509_ROLE_CI;
	t.cn = "CI";
	issue(&t, ci, NULL, NULL, NULL, &ci_cert, &ci_key);
	t.rid = "2.999.10";
	t.role = X509_ROLE_DP_AUTH;
	t.cn = "SM-DP+";
	issue(&t, auth, auth_key, ci_cert, ci_key, NULL, NULL);
	t.role = X509_ROLE_DP_PB;
	issue(&t, pb, pb_key, ci_cert, ci_key, NULL, NULL);
	x509_free(ci_cert);
	crypto_key_free(ci_key);
	creds = (struct smdp_credentials){ ci, auth, auth_key, pb, pb_key };
	cfg.address = "smdp.iotrsp.test";
	cfg.creds = &creds;
	cfg.cred_count = 1;
	cfg.store_url = "sqlite::memory:";
	if (smdp_open(&cfg, &s) != IOT_OK)
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smdp *s;
	struct smdp_status st;
	struct der_writer w;

	if (!s)
		s = make_smdp();
	der_writer_dynamic(&w);
	/* never fails but for input that does not decode; the answer always does */
	if (smdp_es9(s, data, size, &w, &st) == IOT_OK && w.len && (w.buf[0] != 0xA2 || der_validate(w.buf, w.len) != IOT_OK))
		abort();
	der_writer_free(&w);
	return 0;
}
