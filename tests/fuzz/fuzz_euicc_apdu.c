/* libFuzzer target: the eUICC's APDU front end with arbitrary APDU
 * sequences. The input is a list of APDUs, each prefixed by its length
 * byte; the eUICC starts selected, with a profile and an eIM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/x509.h"
#include "euicc/euicc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t md[] = { 0xBF, 0x25, 0x14, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x02,
				      0x91, 0x02, 'O', 'p', 0x92, 0x02, 'O', '1' };
	static const uint8_t select[] = { 0x00, 0xA4, 0x04, 0x0C, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
					  0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };
	static struct euicc *e;
	static uint8_t *initial;
	static size_t initial_len;
	uint8_t resp[300];
	size_t resp_len, off = 0;

	if (!e) {
		const char *cis[1];
		struct euicc_provision p = { 0 };

		make_pki();
		cis[0] = ci_path;
		p.key_path = key_path;
		p.cert_path = cert_path;
		p.eum_cert_path = eum_path;
		p.ci_cert_paths = cis;
		p.ci_count = 1;     /* in memory: no state file */
		if (euicc_create(&p, &e) != IOT_OK ||
		    euicc_preload_profile(e, md, sizeof(md), (const uint8_t *)"x", 1, true) != IOT_OK ||
		    euicc_snapshot(e, &initial, &initial_len) != IOT_OK)
			abort();
	}
	/* every input starts from the same state, card selected */
	if (euicc_restore(e, initial, initial_len) != IOT_OK)
		abort();
	euicc_transmit(e, select, sizeof(select), resp, sizeof(resp), &resp_len);
	while (off < size) {
		size_t n = data[off++];

		if (n > size - off)
			n = size - off;
		if (euicc_transmit(e, data + off, n, resp, sizeof(resp), &resp_len) != IOT_OK || resp_len < 2 ||
		    resp_len > 258)
			abort();
		off += n;
	}
	return 0;
}
