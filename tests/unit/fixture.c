#include "testutil.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void issue_to(const char *cert_path, const char *key_path, const struct x509_template *t,
		     struct crypto_key *key, struct crypto_cert *issuer, struct crypto_key *issuer_key,
		     struct crypto_cert **out)
{
	struct crypto_cert *c;

	assert_int_equal(x509_issue(t, key, issuer, issuer_key, &c), IOT_OK);
	assert_int_equal(x509_save_pem(c, cert_path), IOT_OK);
	if (key_path)
		assert_int_equal(crypto_key_save_pem(key, key_path), IOT_OK);
	if (out)
		*out = c;
	else
		x509_free(c);
}

void fixture_pki_make(struct fixture_pki *p, enum crypto_curve curve)
{
	struct crypto_key *ci_key, *eum_key, *euicc_key, *dp_key, *pb_key, *eim_key;
	struct crypto_cert *ci, *eum;
	struct x509_template t = { 0 };
	time_t now = time(NULL);

	p->curve = curve;
	snprintf(p->dir, sizeof(p->dir), "/tmp/iotrsp-test-XXXXXX");
	assert_non_null(mkdtemp(p->dir));
#define PATH(f, name) snprintf(p->f, sizeof(p->f), "%s/%s", p->dir, name)
	PATH(ci, "ci.pem");
	PATH(eum, "eum.pem");
	PATH(euicc_key, "euicc.key");
	PATH(euicc_cert, "euicc.pem");
	PATH(state, "euicc.state");
	PATH(dp_key, "dp.key");
	PATH(dp_auth, "dp-auth.pem");
	PATH(dp_pb, "dp-pb.pem");
	PATH(dp_pb_key, "dp-pb.key");
	PATH(eim_key, "eim.key");
	PATH(eim_cert, "eim.pem");
	PATH(ci_key, "ci.key");
	PATH(eum_key, "eum.key");
#undef PATH
	assert_int_equal(crypto_key_generate(curve, &ci_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &eum_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &euicc_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &dp_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &pb_key), IOT_OK);
	assert_int_equal(crypto_key_generate(curve, &eim_key), IOT_OK);
	t.not_before = now - 3600;
	t.not_after = now + 3650L * 24 * 3600;
	t.serial = 1;
	t.role = X509_ROLE_CI;
	t.cn = "Test CI";
	t.o = "iotrsp";
	issue_to(p->ci, p->ci_key, &t, ci_key, NULL, ci_key, &ci);
	t.role = X509_ROLE_EUM;
	t.cn = "Test EUM";
	t.o = "iotrsp EUM";
	t.ein = "89049032";
	issue_to(p->eum, p->eum_key, &t, eum_key, ci, ci_key, &eum);
	t.ein = NULL;
	t.role = X509_ROLE_EUICC;
	t.cn = "Test eUICC";
	t.serial_number = FIXTURE_EID;
	issue_to(p->euicc_cert, p->euicc_key, &t, euicc_key, eum, eum_key, NULL);
	t.serial_number = NULL;
	t.o = "iotrsp";
	t.role = X509_ROLE_DP_AUTH;
	t.cn = "Test SM-DP+";
	t.rid = FIXTURE_SMDP_OID;
	issue_to(p->dp_auth, p->dp_key, &t, dp_key, ci, ci_key, NULL);
	t.role = X509_ROLE_DP_PB;
	issue_to(p->dp_pb, p->dp_pb_key, &t, pb_key, ci, ci_key, NULL);
	t.rid = NULL;
	t.role = X509_ROLE_EIM;
	t.cn = "Test eIM";
	issue_to(p->eim_cert, p->eim_key, &t, eim_key, ci, ci_key, NULL);
	crypto_key_free(ci_key);
	crypto_key_free(eum_key);
	crypto_key_free(euicc_key);
	crypto_key_free(dp_key);
	crypto_key_free(pb_key);
	crypto_key_free(eim_key);
	x509_free(ci);
	x509_free(eum);
}

void fixture_pki_remove(struct fixture_pki *p)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	assert_int_equal(system(cmd), 0);
}

struct euicc *fixture_euicc(const struct fixture_pki *p)
{
	const char *cis[] = { p->ci };
	struct euicc_provision prov = { 0 };
	struct euicc *e;

	prov.key_path = p->euicc_key;
	prov.cert_path = p->euicc_cert;
	prov.eum_cert_path = p->eum;
	prov.ci_cert_paths = cis;
	prov.ci_count = 1;
	prov.state_path = p->state;
	prov.default_dp_address = "smdp.iotrsp.test";
	assert_int_equal(euicc_create(&prov, &e), IOT_OK);
	return e;
}

unsigned apdu_bin(struct euicc *e, const uint8_t *cmd, size_t n, uint8_t *data, size_t *len)
{
	uint8_t resp[300];
	size_t rl;

	assert_int_equal(euicc_transmit(e, cmd, n, resp, sizeof(resp), &rl), IOT_OK);
	assert_true(rl >= 2);
	if (data)
		memcpy(data, resp, rl - 2);
	if (len)
		*len = rl - 2;
	return (unsigned)resp[rl - 2] << 8 | resp[rl - 1];
}

unsigned apdu(struct euicc *e, const char *hex_apdu, uint8_t *data, size_t *len)
{
	uint8_t cmd[300];
	size_t n = hex(hex_apdu, cmd, sizeof(cmd));

	return apdu_bin(e, cmd, n, data, len);
}

unsigned es10_apdus(struct euicc *e, const uint8_t *req, size_t len, size_t block,
		    uint8_t *resp, size_t cap, size_t *resp_len, unsigned *apdu_count)
{
	uint8_t cmd[300], part[300];
	size_t off = 0, n, got;
	unsigned sw, count = 0, blk = 0;

	*resp_len = 0;
	do {
		n = len - off < block ? len - off : block;
		cmd[0] = 0x80;
		cmd[1] = 0xE2;
		cmd[2] = off + n == len ? 0x91 : 0x11;
		cmd[3] = (uint8_t)blk++;
		cmd[4] = (uint8_t)n;
		memcpy(cmd + 5, req + off, n);
		cmd[5 + n] = 0x00;              /* Le: as much as there is */
		sw = apdu_bin(e, cmd, 6 + n, part, &got);
		count++;
		off += n;
		if (off < len && sw != 0x9000)
			break;
	} while (off < len);
	for (;;) {
		assert_true(*resp_len + got <= cap);
		memcpy(resp + *resp_len, part, got);
		*resp_len += got;
		if ((sw & 0xFF00) != 0x6100)
			break;
		/* GET RESPONSE for what remains */
		cmd[0] = 0x00;
		cmd[1] = 0xC0;
		cmd[2] = 0x00;
		cmd[3] = 0x00;
		cmd[4] = (uint8_t)(sw & 0xFF);
		sw = apdu_bin(e, cmd, 5, part, &got);
		count++;
	}
	if (apdu_count)
		*apdu_count += count;
	return sw;
}

unsigned fixture_load_bpp(struct euicc *e, const uint8_t *bpp, size_t len, size_t block, int corrupt_at,
			  uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct der_reader top, in, seq;
	struct der_tlv outer, t, seg;
	unsigned sw, count;
	int n = 0;

	der_reader_init(&top, bpp, len);
	assert_int_equal(der_read(&top, &outer), IOT_OK);
	assert_int_equal(der_enter(&top, &outer, &in), IOT_OK);
	assert_int_equal(der_read(&in, &t), IOT_OK);
	sw = es10_apdus(e, bpp, (size_t)(t.raw + t.raw_len - bpp), block, resp, cap, resp_len, &count);
	if (sw != 0x9000 || *resp_len)
		return sw;
	while (!der_reader_done(&in)) {
		assert_int_equal(der_read(&in, &t), IOT_OK);
		sw = es10_apdus(e, t.raw, t.raw_len - t.len, block, resp, cap, resp_len, &count);
		if (sw != 0x9000 || *resp_len)
			return sw;
		assert_int_equal(der_enter(&in, &t, &seq), IOT_OK);
		while (!der_reader_done(&seq)) {
			uint8_t copy[1100];

			assert_int_equal(der_read(&seq, &seg), IOT_OK);
			assert_true(seg.raw_len <= sizeof(copy));
			memcpy(copy, seg.raw, seg.raw_len);
			if (n++ == corrupt_at)
				copy[seg.raw_len - 12] ^= 0x08;
			sw = es10_apdus(e, copy, seg.raw_len, block, resp, cap, resp_len, &count);
			if (sw != 0x9000 || *resp_len)
				return sw;
		}
	}
	return sw;
}

void fixture_tls_cert(const char *dir, const char *name, char *cert, size_t cert_cap, char *key, size_t key_cap)
{
	fixture_tls_cert_for("localhost", dir, name, cert, cert_cap, key, key_cap);
}

void fixture_tls_cert_for(const char *host, const char *dir, const char *name, char *cert, size_t cert_cap, char *key,
			  size_t key_cap)
{
	fixture_tls_cert_dated(host, time(NULL) - 60, time(NULL) + 3600, dir, name, cert, cert_cap, key, key_cap);
}

void fixture_tls_cert_dated(const char *host, time_t not_before, time_t not_after, const char *dir, const char *name,
			    char *cert, size_t cert_cap, char *key, size_t key_cap)
{
	struct x509_template t = { 0 };
	struct crypto_key *k;
	struct crypto_cert *c;

	snprintf(cert, cert_cap, "%s/%s.pem", dir, name);
	if (key)
		snprintf(key, key_cap, "%s/%s.key", dir, name);
	assert_int_equal(crypto_key_generate(CRYPTO_P256, &k), IOT_OK);
	t.role = X509_ROLE_TLS;
	t.cn = host;
	t.dns = host;
	t.serial = 9;
	t.not_before = not_before;
	t.not_after = not_after;
	assert_int_equal(x509_issue(&t, k, NULL, k, &c), IOT_OK);
	assert_int_equal(x509_save_pem(c, cert), IOT_OK);
	if (key)
		assert_int_equal(crypto_key_save_pem(k, key), IOT_OK);
	x509_free(c);
	crypto_key_free(k);
}
