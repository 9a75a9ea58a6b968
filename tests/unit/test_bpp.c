/* A Bound Profile Package made with lib/crypto and lib/rsp (as an SM-DP+
 * would: signed InitialiseSecureChannel, ConfigureISDP, StoreMetadata,
 * optionally ReplaceSessionKeys, the profile) is unwrapped as an eUICC would
 * unwrap it, back into the exact profile bytes. Both curves, with and without
 * a profile protection key, for a 12 KB profile and for the TS.48 test
 * profiles in ../shared/reference/upp when present. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>

#include "crypto/bsp.h"
#include "crypto/crypto.h"
#include "rsp/rsp.h"
#include "smdp_side.h"

static const uint8_t eid[16] = { 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
				 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35 };
static const uint8_t txid[16] = { 0x7A, 0x1D, 0x55, 0x01, 0x02, 0x03, 0x04, 0x05,
				  0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D };

struct smdp_side {
	struct crypto_key *pb;
	uint8_t host_id[16];
};

/* Builds the BPP for profile, bound to the eUICC one-time public key. */
static void make_bpp(enum crypto_curve curve, const uint8_t euicc_otpk[65], const uint8_t *profile,
		     size_t plen, bool with_ppk, struct smdp_side *dp, uint8_t **bpp, size_t *bpp_len)
{
	struct rsp_store_metadata_request md = { 0 };
	struct smdp_bind b = { 0 };
	uint8_t *md_der;
	size_t md_len;

	assert_int_equal(crypto_key_generate(curve, &dp->pb), IOT_OK);
	md.iccid = RSP_STR("\x98\x94\x00\x00\x00\x00\x00\x00\x10\xF2");
	md.service_provider_name = RSP_STR("iotrsp");
	md.profile_name = RSP_STR("Test profile");
	md.profile_class = RSP_CLASS_OPERATIONAL;
	assert_int_equal(rsp_encode_alloc(&rsp_t_store_metadata_request, &md, &md_der, &md_len), IOT_OK);
	b.curve = curve;
	b.pb = dp->pb;
	b.euicc_otpk = euicc_otpk;
	b.eid = eid;
	b.txid = txid;
	b.txid_len = sizeof(txid);
	b.metadata = md_der;
	b.metadata_len = md_len;
	b.profile = profile;
	b.profile_len = plen;
	b.with_ppk = with_ppk;
	smdp_make_bpp(&b, bpp, bpp_len);
	memcpy(dp->host_id, b.host_id, 16);
	free(md_der);
}

/* Unprotects every segment TLV inside one sequenceOfXX. */
static void unwrap_sequence(struct bsp *b, const struct der_reader *parent, const struct der_tlv *seq,
			    bool decrypt, struct der_writer *out)
{
	struct der_reader r;
	struct der_tlv t;

	assert_int_equal(der_enter(parent, seq, &r), IOT_OK);
	while (!der_reader_done(&r)) {
		assert_int_equal(der_read(&r, &t), IOT_OK);
		assert_int_equal(bsp_unprotect(b, t.raw, t.raw_len, decrypt, out), IOT_OK);
	}
}

/* What an eUICC does with the BPP, segment by segment. */
static void unwrap_bpp(enum crypto_curve curve, struct crypto_key *euicc_ot, const uint8_t euicc_otpk[65],
		       const struct crypto_key *dp_pb, const uint8_t *bpp, size_t bpp_len,
		       const uint8_t *profile, size_t plen)
{
	struct rsp_bound_profile_package decoded;
	struct rsp_initialise_secure_channel_request iscr;
	struct rsp_arena arena;
	struct der_reader top, in;
	struct der_tlv outer, t;
	struct der_writer signed_data, cfg, md, rsk_der, upp;
	struct crypto_key *smdp_pub;
	struct crypto_buf part;
	struct bsp_keys keys;
	struct bsp b;
	uint8_t z[32];

	rsp_arena_dynamic(&arena);
	/* the whole package is a well-formed BoundProfilePackage */
	assert_int_equal(rsp_decode(&rsp_t_bound_profile_package, bpp, bpp_len, &decoded, &arena), IOT_OK);

	der_reader_init(&top, bpp, bpp_len);
	assert_int_equal(der_read(&top, &outer), IOT_OK);
	assert_int_equal(outer.tag, 0xBF36);
	assert_int_equal(der_enter(&top, &outer, &in), IOT_OK);
	assert_int_equal(der_read(&in, &t), IOT_OK);
	assert_int_equal(rsp_decode(&rsp_t_initialise_secure_channel_request, t.raw, t.raw_len, &iscr, &arena), IOT_OK);

	/* SGP.22 5.7.x: verify smdpSign with CERT.DPpb before anything else */
	der_writer_dynamic(&signed_data);
	smdp_iscr_signed_data(&iscr, euicc_otpk, &signed_data);
	part = (struct crypto_buf){ signed_data.buf, signed_data.len };
	assert_int_equal(ecdsa_verify(dp_pb, &part, 1, iscr.smdp_sign.ptr, iscr.smdp_sign.len), IOT_OK);
	der_writer_free(&signed_data);

	assert_int_equal(crypto_key_from_point(curve, iscr.smdp_otpk.ptr, iscr.smdp_otpk.len, &smdp_pub), IOT_OK);
	assert_int_equal(ecka_shared_secret(euicc_ot, smdp_pub, z), IOT_OK);
	crypto_key_free(smdp_pub);
	assert_int_equal(bsp_derive_keys(z, 32, iscr.control_ref_template.key_type.ptr[0],
					 iscr.control_ref_template.key_len.ptr[0],
					 iscr.control_ref_template.host_id.ptr, iscr.control_ref_template.host_id.len,
					 eid, 16, &keys), IOT_OK);
	bsp_init(&b, &keys);

	der_writer_dynamic(&cfg);
	der_writer_dynamic(&md);
	der_writer_dynamic(&rsk_der);
	der_writer_dynamic(&upp);
	assert_int_equal(der_read(&in, &t), IOT_OK);
	assert_int_equal(t.tag, 0xA0);
	unwrap_sequence(&b, &in, &t, true, &cfg);
	assert_int_equal(cfg.buf[0], 0xBF);
	assert_int_equal(cfg.buf[1], 0x24);
	assert_int_equal(der_read(&in, &t), IOT_OK);
	assert_int_equal(t.tag, 0xA1);
	unwrap_sequence(&b, &in, &t, false, &md);
	{
		struct rsp_store_metadata_request m;

		assert_int_equal(rsp_decode(&rsp_t_store_metadata_request, md.buf, md.len, &m, &arena), IOT_OK);
		assert_int_equal(m.profile_name.len, 12);
	}
	assert_int_equal(der_read(&in, &t), IOT_OK);
	if (t.tag == 0xA2) {
		struct rsp_replace_session_keys_request rsk;
		struct bsp_keys ppk;

		unwrap_sequence(&b, &in, &t, true, &rsk_der);
		assert_int_equal(rsp_decode(&rsp_t_replace_session_keys_request, rsk_der.buf, rsk_der.len, &rsk, &arena), IOT_OK);
		memcpy(ppk.s_enc, rsk.ppk_enc.ptr, 16);
		memcpy(ppk.s_mac, rsk.ppk_cmac.ptr, 16);
		memcpy(ppk.mac_chaining, rsk.initial_mac_chaining_value.ptr, 16);
		bsp_init(&b, &ppk);
		assert_int_equal(der_read(&in, &t), IOT_OK);
	}
	assert_int_equal(t.tag, 0xA3);
	unwrap_sequence(&b, &in, &t, true, &upp);
	assert_true(der_reader_done(&in));
	assert_int_equal(upp.len, plen);
	assert_memory_equal(upp.buf, profile, plen);

	der_writer_free(&cfg);
	der_writer_free(&md);
	der_writer_free(&rsk_der);
	der_writer_free(&upp);
	bsp_wipe(&b);
	rsp_arena_free(&arena);
}

static void round_trip(enum crypto_curve curve, const uint8_t *profile, size_t plen, bool ppk)
{
	struct crypto_key *euicc_ot;
	struct smdp_side dp;
	uint8_t otpk[65], *bpp;
	size_t bpp_len;

	assert_int_equal(crypto_key_generate(curve, &euicc_ot), IOT_OK);
	assert_int_equal(crypto_key_point(euicc_ot, otpk), IOT_OK);
	make_bpp(curve, otpk, profile, plen, ppk, &dp, &bpp, &bpp_len);
	unwrap_bpp(curve, euicc_ot, otpk, dp.pb, bpp, bpp_len, profile, plen);
	/* a single flipped byte anywhere in the profile segments is refused */
	bpp[bpp_len - 100] ^= 0x40;
	{
		struct rsp_bound_profile_package d;
		struct rsp_arena a;
		struct bsp_keys k;
		struct bsp b;
		struct der_writer out;
		size_t i;
		iot_err err = IOT_OK;
		uint8_t z[32];
		struct crypto_key *pub;

		rsp_arena_dynamic(&a);
		assert_int_equal(rsp_decode(&rsp_t_bound_profile_package, bpp, bpp_len, &d, &a), IOT_OK);
		crypto_key_from_point(curve, d.initialise_secure_channel_request.smdp_otpk.ptr, 65, &pub);
		ecka_shared_secret(euicc_ot, pub, z);
		crypto_key_free(pub);
		bsp_derive_keys(z, 32, 0x88, 16, dp.host_id, 16, eid, 16, &k);
		bsp_init(&b, &k);
		der_writer_dynamic(&out);
		/* rebuild each segment TLV from its value, as DER has one encoding */
		for (i = 0; !ppk && err == IOT_OK && i < d.first_sequence_of87.count + d.sequence_of88.count +
						d.sequence_of86.count; i++) {
			const struct rsp_bytes *v;
			uint8_t tag;
			struct der_writer seg;

			if (i < d.first_sequence_of87.count) {
				v = &d.first_sequence_of87.items[i];
				tag = 0x87;
			} else if (i < d.first_sequence_of87.count + d.sequence_of88.count) {
				v = &d.sequence_of88.items[i - d.first_sequence_of87.count];
				tag = 0x88;
			} else {
				v = &d.sequence_of86.items[i - d.first_sequence_of87.count - d.sequence_of88.count];
				tag = 0x86;
			}
			der_writer_dynamic(&seg);
			der_put_tlv(&seg, tag, v->ptr, v->len);
			err = bsp_unprotect(&b, seg.buf, seg.len, tag != 0x88, &out);
			der_writer_free(&seg);
		}
		if (!ppk)
			assert_int_equal(err, IOT_E_CRYPTO_MAC);
		der_writer_free(&out);
		rsp_arena_free(&a);
	}
	free(bpp);
	crypto_key_free(euicc_ot);
	crypto_key_free(dp.pb);
}

static void test_bpp_12k_profile(void **state)
{
	static uint8_t profile[12 * 1024];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(profile); i++)
		profile[i] = (uint8_t)(i * 31 + (i >> 8));
	round_trip(CRYPTO_P256, profile, sizeof(profile), false);
	round_trip(CRYPTO_BRAINPOOL_P256R1, profile, sizeof(profile), false);
	round_trip(CRYPTO_P256, profile, sizeof(profile), true);
	round_trip(CRYPTO_BRAINPOOL_P256R1, profile, sizeof(profile), true);
	/* segment boundaries: one byte, exactly one segment, one more */
	round_trip(CRYPTO_P256, profile, 1, false);
	round_trip(CRYPTO_P256, profile, BSP_MAX_PLAIN_ENCRYPTED, false);
	round_trip(CRYPTO_P256, profile, BSP_MAX_PLAIN_ENCRYPTED + 1, false);
}

static void test_bpp_ts48_profiles(void **state)
{
	const char *ref = getenv("IOTRSP_REFERENCE");
	char dir[512], path[1024];
	struct dirent *e;
	DIR *d;
	int n = 0;
	(void)state;

	snprintf(dir, sizeof(dir), "%s/upp", ref ? ref : "../shared/reference");
	if (!(d = opendir(dir))) {
		printf("skipped: no TS.48 profiles under %s\n", dir);
		skip();
	}
	while ((e = readdir(d))) {
		FILE *f;
		uint8_t *buf;
		long len;

		if (!strstr(e->d_name, ".der"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = malloc((size_t)len);
		assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		round_trip(n % 2 ? CRYPTO_BRAINPOOL_P256R1 : CRYPTO_P256, buf, (size_t)len, n % 3 == 0);
		free(buf);
		n++;
	}
	closedir(d);
	assert_true(n > 0);
	printf("TS.48 profiles bound and unwrapped: %d\n", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpp_12k_profile),
		cmocka_unit_test(test_bpp_ts48_profiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
