/* euiccd figures: APDUs and bytes for a whole 12 KB profile download at
 * STORE DATA block sizes 120 and 255; memory per eUICC instance; ES10 calls
 * per second for GetProfilesInfo and LoadEuiccPackage with one PSMO (state
 * in memory, and saved to a file with fsync). Prints figures only. */
#include "testutil.h"
#include "fixture.h"
#include "smdp_side.h"

#include <malloc.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "rsp/rsp.h"

static struct fixture_pki pki;
static uint8_t resp[65536];
static size_t resp_len;

/* Counts APDUs and bytes both ways through euicc_transmit. */
static unsigned long apdu_count, bytes_out, bytes_in;

static unsigned counted_es10(struct euicc *e, const uint8_t *req, size_t n, size_t block)
{
	unsigned before = 0, sw;
	size_t blocks = (n + block - 1) / block;

	sw = es10_apdus(e, req, n, block, resp, sizeof(resp), &resp_len, &before);
	apdu_count += before;
	/* each STORE DATA: 5 header bytes, data, Le; each GET RESPONSE 5 bytes;
	 * each answer its data and SW */
	bytes_out += n + blocks * 6 + (before - blocks) * 5;
	bytes_in += resp_len + before * 2;
	return sw;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void download_figures(size_t block)
{
	struct euicc *e = fixture_euicc(&pki);
	struct crypto_key *auth_key, *pb_key;
	struct crypto_cert *ci, *auth, *pb;
	struct rsp_arena a;
	uint8_t challenge[16], sig[64], sig1[64], otpk[65], tlv[67], *der, *bpp, md[128], *profile = calloc(1, 12288);
	size_t n, ski_len, cert_len, bpp_len;
	uint8_t txid[16] = { 1 }, eid[16];
	struct crypto_buf parts[2];
	struct der_writer w;

	crypto_key_load_pem(pki.dp_key, &auth_key);
	crypto_key_load_pem(pki.dp_pb_key, &pb_key);
	x509_load(pki.ci, &ci);
	x509_load(pki.dp_auth, &auth);
	x509_load(pki.dp_pb, &pb);
	hex(FIXTURE_EID, eid, 16);
	rsp_arena_dynamic(&a);
	apdu_count = bytes_out = bytes_in = 0;
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	apdu_count++;
	bytes_out += 21;
	bytes_in += 2;
	/* GetEuiccChallenge, AuthenticateServer, PrepareDownload, then the BPP */
	counted_es10(e, (const uint8_t *)"\xBF\x2E\x00", 3, block);
	memcpy(challenge, resp + 5, 16);
	{
		struct rsp_authenticate_server_request q = { 0 };
		struct rsp_authenticate_server_response r;

		q.server_signed1.transaction_id = RSP_BYTES(txid, 16);
		q.server_signed1.euicc_challenge = RSP_BYTES(challenge, 16);
		q.server_signed1.server_address = RSP_STR("smdp.iotrsp.test");
		q.server_signed1.server_challenge = RSP_BYTES(challenge, 16);
		rsp_encode_alloc(&rsp_t_server_signed1, &q.server_signed1, &der, &n);
		parts[0] = (struct crypto_buf){ der, n };
		ecdsa_sign(auth_key, parts, 1, sig);
		free(der);
		q.server_signature1 = RSP_BYTES(sig, 64);
		q.euicc_ci_pkid_to_be_used = RSP_BYTES(x509_ski(ci, &ski_len), ski_len);
		q.server_certificate = RSP_BYTES(x509_der(auth, &cert_len), cert_len);
		q.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
		q.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
		rsp_encode_alloc(&rsp_t_authenticate_server_request, &q, &der, &n);
		counted_es10(e, der, n, block);
		free(der);
		rsp_decode(&rsp_t_authenticate_server_response, resp, resp_len, &r, &a);
		memcpy(sig1, r.u.ok.euicc_signature1.ptr, 64);
	}
	{
		struct rsp_prepare_download_request q = { 0 };
		struct rsp_prepare_download_response r;

		q.smdp_signed2.transaction_id = RSP_BYTES(txid, 16);
		rsp_encode_alloc(&rsp_t_smdp_signed2, &q.smdp_signed2, &der, &n);
		memcpy(tlv, "\x5F\x37\x40", 3);
		memcpy(tlv + 3, sig1, 64);
		parts[0] = (struct crypto_buf){ der, n };
		parts[1] = (struct crypto_buf){ tlv, 67 };
		ecdsa_sign(pb_key, parts, 2, sig);
		free(der);
		q.smdp_signature2 = RSP_BYTES(sig, 64);
		q.smdp_certificate = RSP_BYTES(x509_der(pb, &cert_len), cert_len);
		rsp_encode_alloc(&rsp_t_prepare_download_request, &q, &der, &n);
		counted_es10(e, der, n, block);
		free(der);
		rsp_decode(&rsp_t_prepare_download_response, resp, resp_len, &r, &a);
		memcpy(otpk, r.u.ok.euicc_signed2.euicc_otpk.ptr, 65);
	}
	{
		struct rsp_store_metadata_request m = { 0 };
		struct smdp_bind b = { 0 };
		struct der_reader top, in, seq;
		struct der_tlv outer, t, seg;

		m.iccid = RSP_STR("\x98\x94\x00\x00\x00\x00\x00\x00\x00\x07");
		m.service_provider_name = RSP_STR("Operator");
		m.profile_name = RSP_STR("Operational");
		m.profile_class = RSP_CLASS_OPERATIONAL;
		der_writer_fixed(&w, md, sizeof(md));
		rsp_encode(&rsp_t_store_metadata_request, &m, &w);
		b.curve = pki.curve;
		b.pb = pb_key;
		b.euicc_otpk = otpk;
		b.eid = eid;
		b.txid = txid;
		b.txid_len = 16;
		b.metadata = md;
		b.metadata_len = w.len;
		b.profile = profile;
		b.profile_len = 12288;
		smdp_make_bpp(&b, &bpp, &bpp_len);
		der_reader_init(&top, bpp, bpp_len);
		der_read(&top, &outer);
		der_enter(&top, &outer, &in);
		der_read(&in, &t);
		counted_es10(e, bpp, (size_t)(t.raw + t.raw_len - bpp), block);
		while (!der_reader_done(&in)) {
			der_read(&in, &t);
			counted_es10(e, t.raw, t.raw_len - t.len, block);
			der_enter(&in, &t, &seq);
			while (!der_reader_done(&seq)) {
				der_read(&seq, &seg);
				counted_es10(e, seg.raw, seg.raw_len, block);
			}
		}
		printf("download 12 KB, block %3zu: %lu APDUs, %lu bytes to the eUICC, %lu bytes back (BPP %zu bytes, PIR %zu)\n",
		       block, apdu_count, bytes_out, bytes_in, bpp_len, resp_len);
		free(bpp);
	}
	rsp_arena_free(&a);
	crypto_key_free(auth_key);
	crypto_key_free(pb_key);
	x509_free(ci);
	x509_free(auth);
	x509_free(pb);
	free(profile);
	euicc_free(e);
}

static void memory_figures(void)
{
	enum { N = 1000 };
	static struct euicc *many[N];
	const char *cis[] = { pki.ci };
	struct euicc_provision p = { 0 };
	struct mallinfo2 before, after;
	static const uint8_t md[] = { 0xBF, 0x25, 0x14, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01,
				      0x91, 0x02, 'O', 'p', 0x92, 0x02, 'B', 'S' };
	size_t i;

	p.key_path = pki.euicc_key;
	p.cert_path = pki.euicc_cert;
	p.eum_cert_path = pki.eum;
	p.ci_cert_paths = cis;
	p.ci_count = 1;
	before = mallinfo2();
	for (i = 0; i < N; i++) {
		euicc_create(&p, &many[i]);
		euicc_preload_profile(many[i], md, sizeof(md), (const uint8_t *)"bootstrap", 9, true);
	}
	after = mallinfo2();
	printf("memory per eUICC instance (bootstrap profile, eIM none): %zu bytes of heap (%d instances)\n",
	       (after.uordblks - before.uordblks) / N, N);
	for (i = 0; i < N; i++)
		euicc_free(many[i]);
}

static void rate_figures(bool on_disk)
{
	struct euicc *e;
	const char *cis[] = { pki.ci };
	struct euicc_provision p = { 0 };
	struct crypto_key *eim_key;
	uint8_t *spki, *der, sig[64];
	size_t spki_len, n;
	double t0, t;
	long count;
	static const uint8_t md[] = { 0xBF, 0x25, 0x14, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01,
				      0x91, 0x02, 'O', 'p', 0x92, 0x02, 'B', 'S' };
	uint8_t eid[16];

	hex(FIXTURE_EID, eid, 16);
	p.key_path = pki.euicc_key;
	p.cert_path = pki.euicc_cert;
	p.eum_cert_path = pki.eum;
	p.ci_cert_paths = cis;
	p.ci_count = 1;
	p.state_path = on_disk ? pki.state : NULL;
	unlink(pki.state);
	euicc_create(&p, &e);
	euicc_preload_profile(e, md, sizeof(md), (const uint8_t *)"b", 1, true);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	for (count = 0, t0 = now_s(); (t = now_s() - t0) < 1.0; count++)
		if (es10_apdus(e, (const uint8_t *)"\xBF\x2D\x00", 3, 255, resp, sizeof(resp), &resp_len, NULL) != 0x9000 ||
		    resp_len < 10) {
			printf("GetProfilesInfo failed\n");
			return;
		}
	printf("GetProfilesInfo: %8.0f calls/s (through APDUs)\n", count / t);

	/* an eIM, then packages of one PSMO (listProfileInfo), counters rising */
	crypto_key_load_pem(pki.eim_key, &eim_key);
	crypto_key_spki(eim_key, &spki, &spki_len);
	{
		struct rsp_add_initial_eim_request q = { 0 };
		struct rsp_eim_configuration_data c = { 0 };

		c.eim_id = RSP_STR("eim1");
		c.has_eim_public_key_data = true;
		c.eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
		c.eim_public_key_data.u.public_key = RSP_BYTES(spki, spki_len);
		q.eim_configuration_data_list.items = &c;
		q.eim_configuration_data_list.count = 1;
		rsp_encode_alloc(&rsp_t_add_initial_eim_request, &q, &der, &n);
		es10_apdus(e, der, n, 255, resp, sizeof(resp), &resp_len, NULL);
		free(der);
	}
	for (count = 0, t0 = now_s(); (t = now_s() - t0) < 1.0; count++) {
		struct rsp_euicc_package_request q = { 0 };
		struct rsp_psmo psmo = { 0 };
		struct crypto_buf part;

		psmo.choice = RSP_PSMO_LIST_PROFILE_INFO;
		q.signed_data.eim_id = RSP_STR("eim1");
		q.signed_data.eid_value = RSP_BYTES(eid, 16);
		q.signed_data.counter_value = count + 1;
		q.signed_data.euicc_package.choice = RSP_PACKAGE_PSMO_LIST;
		q.signed_data.euicc_package.u.psmo_list.items = &psmo;
		q.signed_data.euicc_package.u.psmo_list.count = 1;
		rsp_encode_alloc(&rsp_t_euicc_package_signed, &q.signed_data, &der, &n);
		part = (struct crypto_buf){ der, n };
		ecdsa_sign(eim_key, &part, 1, sig);
		free(der);
		q.eim_signature = RSP_BYTES(sig, 64);
		rsp_encode_alloc(&rsp_t_euicc_package_request, &q, &der, &n);
		es10_apdus(e, der, n, 255, resp, sizeof(resp), &resp_len, NULL);
		free(der);
		/* the result is acknowledged and removed, as an IPA would */
		{
			struct rsp_euicc_package_result r;
			struct rsp_seq_number sent;
			struct rsp_arena a;
			uint8_t *rm;
			size_t rm_len;

			rsp_arena_dynamic(&a);
			if (rsp_decode(&rsp_t_euicc_package_result, resp, resp_len, &r, &a) != IOT_OK ||
			    r.choice != RSP_EPR_RESULT_SIGNED) {
				printf("LoadEuiccPackage failed\n");
				rsp_arena_free(&a);
				return;
			}
			sent.seq_number = r.u.result_signed.data.seq_number;
			rsp_arena_free(&a);
			rsp_encode_alloc(&rsp_t_notification_sent_request, &sent, &rm, &rm_len);
			es10_apdus(e, rm, rm_len, 255, resp, sizeof(resp), &resp_len, NULL);
			free(rm);
		}
	}
	printf("LoadEuiccPackage, one PSMO + RemoveNotificationFromList (the eIM's signing included), state %s: %6.0f packages/s\n",
	       on_disk ? "saved to a file (fsync)" : "in memory", count / t);
	free(spki);
	crypto_key_free(eim_key);
	euicc_free(e);
}

int main(void)
{
	fixture_pki_make(&pki, CRYPTO_P256);
	download_figures(120);
	download_figures(255);
	memory_figures();
	rate_figures(false);
	rate_figures(true);
	fixture_pki_remove(&pki);
	return 0;
}
