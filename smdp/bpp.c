/* Bound Profile Packages (SGP.22 2.5.4): InitialiseSecureChannel signed with
 * SK.DPpb, ConfigureISDP ('87', encrypted), StoreMetadata ('88', MAC only),
 * the profile ('86', encrypted), protected with the session keys of
 * ECKA(otSK.DP, otPK.EUICC). */
#include "smdp/internal.h"

#include <stdlib.h>
#include <string.h>

/* sequenceOfNN: its tag, then every segment TLV bsp_protect made */
static iot_err put_sequence(struct der_writer *bpp, uint32_t tag, const struct der_writer *segments)
{
	der_put_tag(bpp, tag);
	der_put_len(bpp, segments->len);
	der_put_raw(bpp, segments->buf, segments->len);
	return der_writer_err(bpp);
}

iot_err smdp_protect_ahead(const uint8_t *upp, size_t upp_len, uint8_t ppk[SMDP_PPK_LEN],
			   struct der_writer *segments)
{
	struct bsp_keys keys;
	struct bsp session;
	iot_err err;

	if ((err = crypto_random(ppk, SMDP_PPK_LEN)) != IOT_OK)
		return err;
	memcpy(keys.s_enc, ppk, 16);
	memcpy(keys.s_mac, ppk + 16, 16);
	memcpy(keys.mac_chaining, ppk + 32, 16);
	bsp_init(&session, &keys);
	err = bsp_protect(&session, 0x86, true, upp, upp_len, segments);
	bsp_wipe(&session);
	return err;
}

/* SGP.22 5.5.1: smdpSign covers the DOs of the request before it and the
 * eUICC's one-time key */
static iot_err sign_iscr(const struct smdp_cred *c, const struct rsp_initialise_secure_channel_request *i,
			 const uint8_t euicc_otpk[CRYPTO_POINT_LEN], uint8_t sig[CRYPTO_SIG_LEN])
{
	struct der_writer w;
	struct crypto_buf part;
	size_t mark;
	iot_err err;

	der_writer_dynamic(&w);
	der_put_int64(&w, 0x82, i->remote_op_id);
	der_put_tlv(&w, 0x80, i->transaction_id.ptr, i->transaction_id.len);
	mark = der_begin(&w, 0xA6);
	der_put_tlv(&w, 0x80, i->control_ref_template.key_type.ptr, i->control_ref_template.key_type.len);
	der_put_tlv(&w, 0x81, i->control_ref_template.key_len.ptr, i->control_ref_template.key_len.len);
	der_put_tlv(&w, 0x84, i->control_ref_template.host_id.ptr, i->control_ref_template.host_id.len);
	der_end(&w, mark);
	der_put_tlv(&w, 0x5F49, i->smdp_otpk.ptr, i->smdp_otpk.len);
	der_put_tlv(&w, 0x5F49, euicc_otpk, CRYPTO_POINT_LEN);
	part = (struct crypto_buf){ w.buf, w.len };
	err = der_writer_err(&w) ? der_writer_err(&w) : ecdsa_sign(c->pb_key, &part, 1, sig);
	der_writer_free(&w);
	return err;
}

/* SGP.22 2.6.4.2: session keys from ECKA(otSK.DP, otPK.EUICC) and the KDF */
static iot_err session_keys(const struct crypto_key *dp_ot, const uint8_t euicc_otpk[CRYPTO_POINT_LEN],
			    const uint8_t host_id[16], const uint8_t eid[16], struct bsp_keys *keys)
{
	struct crypto_key *euicc_pub = NULL;
	uint8_t z[32];
	iot_err err;

	err = crypto_key_from_point(crypto_key_curve(dp_ot), euicc_otpk, CRYPTO_POINT_LEN, &euicc_pub);
	if (err == IOT_OK)
		err = ecka_shared_secret(dp_ot, euicc_pub, z);
	if (err == IOT_OK)
		err = bsp_derive_keys(z, sizeof(z), 0x88, 16, host_id, 16, eid, 16, keys);
	crypto_key_free(euicc_pub);
	memset(z, 0, sizeof(z));
	return err;
}

iot_err smdp_bind(const struct smdp_cred *c, const uint8_t *txid, size_t txid_len, const uint8_t eid[16],
		  const uint8_t euicc_otpk[CRYPTO_POINT_LEN], const struct crypto_key *dp_ot,
		  const struct smdp_package *pkg, struct der_writer *bpp)
{
	struct rsp_initialise_secure_channel_request i = { 0 };
	struct rsp_configure_isdp_request cfg = { 0 };
	struct der_writer seg;
	struct bsp_keys keys;
	struct bsp session;
	uint8_t host_id[16], point[CRYPTO_POINT_LEN], sig[CRYPTO_SIG_LEN], *cfg_der = NULL;
	size_t cfg_len, outer;
	iot_err err;

	if ((err = crypto_random(host_id, sizeof(host_id))) != IOT_OK ||
	    (err = crypto_key_point(dp_ot, point)) != IOT_OK)
		return err;
	i.remote_op_id = 1;     /* installBoundProfilePackage */
	i.transaction_id = RSP_BYTES(txid, txid_len);
	i.control_ref_template.key_type = RSP_STR("\x88");
	i.control_ref_template.key_len = RSP_STR("\x10");
	i.control_ref_template.host_id = RSP_BYTES(host_id, sizeof(host_id));
	i.smdp_otpk = RSP_BYTES(point, sizeof(point));
	if ((err = sign_iscr(c, &i, euicc_otpk, sig)) != IOT_OK ||
	    (err = session_keys(dp_ot, euicc_otpk, host_id, eid, &keys)) != IOT_OK)
		return err;
	i.smdp_sign = RSP_BYTES(sig, sizeof(sig));
	bsp_init(&session, &keys);
	memset(&keys, 0, sizeof(keys));
	if ((err = rsp_encode_alloc(&rsp_t_configure_isdp_request, &cfg, &cfg_der, &cfg_len)) != IOT_OK) {
		bsp_wipe(&session);
		return err;
	}
	der_writer_dynamic(&seg);
	outer = der_begin(bpp, 0xBF36);
	err = rsp_encode(&rsp_t_initialise_secure_channel_request, &i, bpp);
	if (err == IOT_OK && (err = bsp_protect(&session, 0x87, true, cfg_der, cfg_len, &seg)) == IOT_OK)
		err = put_sequence(bpp, 0xA0, &seg);
	seg.len = 0;
	if (err == IOT_OK &&
	    (err = bsp_protect(&session, 0x88, false, pkg->metadata, pkg->metadata_len, &seg)) == IOT_OK)
		err = put_sequence(bpp, 0xA1, &seg);
	seg.len = 0;
	if (err == IOT_OK && pkg->ppk) {
		/* SGP.22 2.5.4: the PPKs go to the eUICC in ReplaceSessionKeys */
		struct rsp_replace_session_keys_request rsk = {
			.ppk_enc = RSP_BYTES(pkg->ppk, 16),
			.ppk_cmac = RSP_BYTES(pkg->ppk + 16, 16),
			.initial_mac_chaining_value = RSP_BYTES(pkg->ppk + 32, 16),
		};
		uint8_t *rsk_der = NULL;
		size_t rsk_len;

		err = rsp_encode_alloc(&rsp_t_replace_session_keys_request, &rsk, &rsk_der, &rsk_len);
		if (err == IOT_OK && (err = bsp_protect(&session, 0x87, true, rsk_der, rsk_len, &seg)) == IOT_OK)
			err = put_sequence(bpp, 0xA2, &seg);
		if (rsk_der)
			memset(rsk_der, 0, rsk_len);
		free(rsk_der);
		if (err == IOT_OK) {
			der_put_tag(bpp, 0xA3);
			der_put_len(bpp, pkg->upp_len);
			der_put_raw(bpp, pkg->upp, pkg->upp_len);
		}
	} else if (err == IOT_OK &&
		   (err = bsp_protect(&session, 0x86, true, pkg->upp, pkg->upp_len, &seg)) == IOT_OK) {
		err = put_sequence(bpp, 0xA3, &seg);
	}
	der_end(bpp, outer);
	bsp_wipe(&session);
	free(cfg_der);
	der_writer_free(&seg);
	return err == IOT_OK ? der_writer_err(bpp) : err;
}
