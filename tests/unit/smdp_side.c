#include "testutil.h"
#include "smdp_side.h"

void smdp_iscr_signed_data(const struct rsp_initialise_secure_channel_request *i,
			   const uint8_t euicc_otpk[65], struct der_writer *w)
{
	size_t mark;

	der_put_int64(w, 0x82, i->remote_op_id);
	der_put_tlv(w, 0x80, i->transaction_id.ptr, i->transaction_id.len);
	mark = der_begin(w, 0xA6);
	der_put_tlv(w, 0x80, i->control_ref_template.key_type.ptr, 1);
	der_put_tlv(w, 0x81, i->control_ref_template.key_len.ptr, 1);
	der_put_tlv(w, 0x84, i->control_ref_template.host_id.ptr, i->control_ref_template.host_id.len);
	der_end(w, mark);
	der_put_tlv(w, 0x5F49, i->smdp_otpk.ptr, i->smdp_otpk.len);
	der_put_tlv(w, 0x5F49, euicc_otpk, 65);
}

/* The values of the TLVs bsp_protect wrote, for lib/rsp's lists. */
static rsp_bytes_list segment_values(const struct der_writer *w)
{
	rsp_bytes_list l = { NULL, 0 };
	struct der_reader r;
	struct der_tlv t;
	size_t cap = w->len / 9 + 1;

	l.items = calloc(cap, sizeof(*l.items));
	der_reader_init(&r, w->buf, w->len);
	while (!der_reader_done(&r)) {
		assert_int_equal(der_read(&r, &t), IOT_OK);
		assert_true(l.count < cap);
		l.items[l.count++] = RSP_BYTES(t.value, t.len);
	}
	return l;
}

void smdp_make_bpp(struct smdp_bind *sb, uint8_t **bpp, size_t *bpp_len)
{
	struct rsp_bound_profile_package b = { 0 };
	struct rsp_initialise_secure_channel_request *i = &b.initialise_secure_channel_request;
	struct rsp_configure_isdp_request cfg = { 0 };
	struct der_writer signed_data, w87, w88, w87b, w86;
	struct crypto_key *ot, *euicc_pub;
	struct crypto_buf part;
	uint8_t z[32], sig[64], *cfg_der;
	size_t cfg_len;
	struct bsp_keys keys, ppk_keys;
	struct bsp session, ppk;

	assert_int_equal(crypto_key_generate(sb->curve, &ot), IOT_OK);
	assert_int_equal(crypto_key_point(ot, sb->smdp_otpk), IOT_OK);
	assert_int_equal(crypto_random(sb->host_id, sizeof(sb->host_id)), IOT_OK);
	i->remote_op_id = 1;
	i->transaction_id = RSP_BYTES(sb->txid, sb->txid_len);
	i->control_ref_template.key_type = RSP_STR("\x88");
	i->control_ref_template.key_len = RSP_STR("\x10");
	i->control_ref_template.host_id = RSP_BYTES(sb->host_id, sizeof(sb->host_id));
	i->smdp_otpk = RSP_BYTES(sb->smdp_otpk, 65);
	der_writer_dynamic(&signed_data);
	smdp_iscr_signed_data(i, sb->euicc_otpk, &signed_data);
	part = (struct crypto_buf){ signed_data.buf, signed_data.len };
	assert_int_equal(ecdsa_sign(sb->pb, &part, 1, sig), IOT_OK);
	i->smdp_sign = RSP_BYTES(sig, 64);
	der_writer_free(&signed_data);

	/* session keys: ECKA(otSK.DP, otPK.EUICC), then the KDF */
	assert_int_equal(crypto_key_from_point(sb->curve, sb->euicc_otpk, 65, &euicc_pub), IOT_OK);
	assert_int_equal(ecka_shared_secret(ot, euicc_pub, z), IOT_OK);
	crypto_key_free(euicc_pub);
	crypto_key_free(ot);
	assert_int_equal(bsp_derive_keys(z, 32, 0x88, 16, sb->host_id, 16, sb->eid, 16, &keys), IOT_OK);
	bsp_init(&session, &keys);

	assert_int_equal(rsp_encode_alloc(&rsp_t_configure_isdp_request, &cfg, &cfg_der, &cfg_len), IOT_OK);
	der_writer_dynamic(&w87);
	der_writer_dynamic(&w88);
	der_writer_dynamic(&w87b);
	der_writer_dynamic(&w86);
	assert_int_equal(bsp_protect(&session, 0x87, true, cfg_der, cfg_len, &w87), IOT_OK);
	assert_int_equal(bsp_protect(&session, 0x88, false, sb->metadata, sb->metadata_len, &w88), IOT_OK);
	if (sb->with_ppk) {
		/* the profile was protected ahead with a PPK, handed over in
		 * ReplaceSessionKeys */
		struct rsp_replace_session_keys_request rsk;
		uint8_t *rsk_der;
		size_t rsk_len;

		crypto_random(ppk_keys.s_enc, 16);
		crypto_random(ppk_keys.s_mac, 16);
		crypto_random(ppk_keys.mac_chaining, 16);
		rsk.initial_mac_chaining_value = RSP_BYTES(ppk_keys.mac_chaining, 16);
		rsk.ppk_enc = RSP_BYTES(ppk_keys.s_enc, 16);
		rsk.ppk_cmac = RSP_BYTES(ppk_keys.s_mac, 16);
		assert_int_equal(rsp_encode_alloc(&rsp_t_replace_session_keys_request, &rsk, &rsk_der, &rsk_len), IOT_OK);
		assert_int_equal(bsp_protect(&session, 0x87, true, rsk_der, rsk_len, &w87b), IOT_OK);
		free(rsk_der);
		bsp_init(&ppk, &ppk_keys);
		assert_int_equal(bsp_protect(&ppk, 0x86, true, sb->profile, sb->profile_len, &w86), IOT_OK);
		b.has_second_sequence_of87 = true;
		b.second_sequence_of87 = segment_values(&w87b);
	} else {
		assert_int_equal(bsp_protect(&session, 0x86, true, sb->profile, sb->profile_len, &w86), IOT_OK);
	}
	b.first_sequence_of87 = segment_values(&w87);
	b.sequence_of88 = segment_values(&w88);
	b.sequence_of86 = segment_values(&w86);
	assert_int_equal(rsp_encode_alloc(&rsp_t_bound_profile_package, &b, bpp, bpp_len), IOT_OK);
	free(b.first_sequence_of87.items);
	free(b.sequence_of88.items);
	free(b.second_sequence_of87.items);
	free(b.sequence_of86.items);
	free(cfg_der);
	der_writer_free(&w87);
	der_writer_free(&w88);
	der_writer_free(&w87b);
	der_writer_free(&w86);
	bsp_wipe(&session);
}
