/* A software eUICC for the fuzz targets: one throwaway PKI for the whole
 * run (removed at exit), the eUICC in memory with an enabled profile. */
#ifndef IOT_FUZZ_EUICC_H
#define IOT_FUZZ_EUICC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/x509.h"
#include "euicc/euicc.h"

static char dir[64];
static char ci_path[128], eum_path[128], key_path[128], cert_path[128];

static void remove_pki(void)
{
	unlink(ci_path);
	unlink(eum_path);
	unlink(key_path);
	unlink(cert_path);
	rmdir(dir);
}

/* One PKI for the whole run (made at the first input). */
static void make_pki(void)
{
	struct crypto_key *ci_key, *eum_key, *key;
	struct crypto_cert *ci, *eum, *cert;
	struct x509_template t = { 0 };
	time_t now = time(NULL);

	snprintf(dir, sizeof(dir), "/tmp/iotrsp-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(ci_path, sizeof(ci_path), "%s/ci.pem", dir);
	snprintf(eum_path, sizeof(eum_path), "%s/eum.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/euicc.key", dir);
	snprintf(cert_path, sizeof(cert_path), "%s/euicc.pem", dir);
	atexit(remove_pki);
	crypto_key_generate(CRYPTO_P256, &ci_key);
	crypto_key_generate(CRYPTO_P256, &eum_key);
	crypto_key_generate(CRYPTO_P256, &key);
	t.not_before = now - 3600;
	t.not_after = now + 3650L * 86400;
	t.role = X509_ROLE_CI;
	t.cn = "CI";
	x509_issue(&t, ci_key, NULL, ci_key, &ci);
	t.role = X509_ROLE_EUM;
	t.o = "EUM";
	t.ein = "89049032";
	x509_issue(&t, eum_key, ci, ci_key, &eum);
	t.ein = NULL;
	t.role = X509_ROLE_EUICC;
	t.serial_number = "89049032123451234512345678901235";
	x509_issue(&t, key, eum, eum_key, &cert);
	x509_save_pem(ci, ci_path);
	x509_save_pem(eum, eum_path);
	x509_save_pem(cert, cert_path);
	crypto_key_save_pem(key, key_path);
	crypto_key_free(ci_key);
	crypto_key_free(eum_key);
	crypto_key_free(key);
	x509_free(ci);
	x509_free(eum);
	x509_free(cert);
}

static inline struct euicc *fuzz_euicc_new(void)
{
	static const uint8_t md[] = { 0xBF, 0x25, 0x14, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x02,
				      0x91, 0x02, 'O', 'p', 0x92, 0x02, 'O', '1' };
	const char *cis[1];
	struct euicc_provision p = { 0 };
	struct euicc *e;

	make_pki();
	cis[0] = ci_path;
	p.key_path = key_path;
	p.cert_path = cert_path;
	p.eum_cert_path = eum_path;
	p.ci_cert_paths = cis;
	p.ci_count = 1;     /* in memory: no state file */
	if (euicc_create(&p, &e) != IOT_OK || euicc_preload_profile(e, md, sizeof(md), (const uint8_t *)"x", 1, true) != IOT_OK)
		abort();
	return e;
}

#endif
