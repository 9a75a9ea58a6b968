/* Direct profile download (SGP.32 3.2.3, SGP.22 3.1.3): the eUICC through
 * ES10b, the SM-DP+ through ES9+ in the ASN.1 binding, the installation
 * result delivered before it is removed from the eUICC. */
#include "ipacore/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto/crypto.h"

void dl_init(struct dl *d, struct ipa *ipa, const struct dl_server *s, const char *address, const char *matching_id)
{
	memset(d, 0, sizeof(*d));
	d->ipa = ipa;
	d->server = s;
	d->address = address;
	d->matching_id = matching_id ? matching_id : "";
	rsp_arena_dynamic(&d->a);
}

void dl_free(struct dl *d)
{
	for (size_t i = 0; i < d->kept; i++)
		free(d->keep[i]);
	rsp_arena_free(&d->a);
}

uint8_t *dl_keep(struct dl *d, uint8_t *p)
{
	if (!p || d->kept == sizeof(d->keep) / sizeof(d->keep[0])) {
		free(p);
		return NULL;
	}
	d->keep[d->kept++] = p;
	return p;
}

/* ES10, the answer copied into the download's memory (the card's answers
 * live in the working buffer only until the next command). */
static iot_err es10(struct dl *d, const uint8_t *req, size_t len, uint8_t **out, size_t *out_len)
{
	const uint8_t *resp;
	iot_err err = ipa_es10(d->ipa, req, len, &resp, out_len);

	if (err != IOT_OK)
		return err;
	if (!(*out = dl_keep(d, malloc(*out_len ? *out_len : 1))))
		return IOT_E_NOMEM;
	memcpy(*out, resp, *out_len);
	return IOT_OK;
}

static iot_err es10_struct(struct dl *d, const struct rsp_type *t, const void *value, uint8_t **out, size_t *out_len)
{
	uint8_t *req;
	size_t n;
	iot_err err = rsp_encode_alloc(t, value, &req, &n);

	if (err == IOT_OK)
		err = es10(d, req, n, out, out_len);
	free(req);
	return err;
}

/* ---- the SM-DP+ over ES9+ (ASN.1 binding) ---- */

/* ES9+: the request, the answer kept (it may be empty). */
static iot_err es9(struct dl *d, const uint8_t *req, size_t len, uint8_t **out, size_t *out_len)
{
	iot_err err = d->ipa->p.es9(d->ipa->p.ctx, d->address, req, len, out, out_len);

	if (err != IOT_OK)
		return err;
	if (*out && !dl_keep(d, *out))
		return IOT_E_NOMEM;
	return IOT_OK;
}
/* A2 { tag { [80 txid] relayed } }; HandleNotification wants it inside [0],
 * CancelSessionRequestEs9 with the tag of [1]. */
static iot_err relay(struct dl *d, uint32_t tag, bool with_txid, const uint8_t *relayed, size_t len, uint8_t **out,
		     size_t *out_len)
{
	struct der_writer w;
	struct der_tlv t;
	size_t a2, inner, mark;
	iot_err err = IOT_OK;

	der_writer_dynamic(&w);
	a2 = der_begin(&w, 0xA2);
	inner = der_begin(&w, tag);
	if (with_txid)
		der_put_tlv(&w, 0x80, d->txid, d->txid_len);
	if (tag == 0xBF3D) {
		mark = der_begin(&w, 0xA0);
		der_put_raw(&w, relayed, len);
		der_end(&w, mark);
	} else if (tag == 0xBF41) {
		if ((err = der_parse_one(relayed, len, &t)) == IOT_OK)
			der_put_tlv(&w, 0xA1, t.value, t.len);
	} else {
		der_put_raw(&w, relayed, len);
	}
	der_end(&w, inner);
	der_end(&w, a2);
	if (err == IOT_OK && (err = der_writer_err(&w)) == IOT_OK)
		err = es9(d, w.buf, w.len, out, out_len);
	der_writer_free(&w);
	return err;
}

/* The SM-DP+'s answer: the ok alternative, or its error code in *code. */
static iot_err es9_answer(struct dl *d, const uint8_t *der, size_t len,
			  struct rsp_remote_profile_provisioning_response *r,
			  int *code)
{
	iot_err err = rsp_decode(&rsp_t_remote_profile_provisioning_response, der, len, r, &d->a);

	*code = 0;
	if (err != IOT_OK)
		return err;
	switch (r->choice) {
	case RSP_ES9_RESP_INITIATE_AUTHENTICATION:
		if (r->u.initiate_authentication.choice != 1)
			*code = (int)r->u.initiate_authentication.u.error;
		break;
	case RSP_ES9_RESP_AUTHENTICATE_CLIENT:
		if (r->u.authenticate_client.choice != 1)
			*code = (int)r->u.authenticate_client.u.error;
		break;
	case RSP_ES9_RESP_GET_BPP:
		if (r->u.get_bpp.choice != 1)
			*code = (int)r->u.get_bpp.u.error;
		break;
	default:
		if (r->u.cancel_session.choice != 1)
			*code = (int)r->u.cancel_session.u.error;
		break;
	}
	return IOT_OK;
}

/* The BPP inside A2 { BF3A { A0 { 80 txid, BF36 ... } } }. */
static iot_err find_bpp(const uint8_t *der, size_t len, const uint8_t **bpp, size_t *bpp_len)
{
	struct der_reader top, in, ok;
	struct der_tlv t;
	iot_err err;

	der_reader_init(&top, der, len);
	if ((err = der_read(&top, &t)) || (err = der_enter(&top, &t, &in)) || (err = der_read(&in, &t)) ||
	    (err = der_enter(&in, &t, &ok)) || (err = der_read(&ok, &t)))
		return err;
	if (t.tag != 0xA0 || (err = der_enter(&ok, &t, &in)) || (err = der_read(&in, &t)) || (err = der_read(&in, &t)))
		return err ? err : IOT_E_ASN1_TAG;
	if (t.tag != 0xBF36)
		return IOT_E_ASN1_TAG;
	*bpp = t.raw;
	*bpp_len = t.raw_len;
	return IOT_OK;
}

static iot_err es9_initiate(struct dl *d, const rsp_bytes *challenge, const struct rsp_euicc_info1 *info1,
			    struct dl_auth1 *out, int *code)
{
	struct rsp_remote_profile_provisioning_request q = { .choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION };
	struct rsp_remote_profile_provisioning_response a;
	uint8_t *req, *b;
	size_t n, l;
	iot_err err;

	q.u.initiate_authentication.euicc_challenge = *challenge;
	q.u.initiate_authentication.euicc_info1 = *info1;
	q.u.initiate_authentication.smdp_address = RSP_BYTES(d->address, strlen(d->address));
	if ((err = rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n)) != IOT_OK)
		return err;
	err = es9(d, req, n, &b, &l);
	free(req);
	if (err != IOT_OK || (err = es9_answer(d, b, l, &a, code)) != IOT_OK || *code)
		return err;
	if (a.choice != RSP_ES9_RESP_INITIATE_AUTHENTICATION ||
	    a.u.initiate_authentication.u.ok.transaction_id.len > sizeof(d->txid))
		return IOT_E_ASN1_TAG;
	d->txid_len = a.u.initiate_authentication.u.ok.transaction_id.len;
	memcpy(d->txid, a.u.initiate_authentication.u.ok.transaction_id.ptr, d->txid_len);
	d->txid_known = true;
	out->server_signed1 = a.u.initiate_authentication.u.ok.server_signed1;
	out->server_signature1 = a.u.initiate_authentication.u.ok.server_signature1;
	out->euicc_ci_pkid_to_be_used = a.u.initiate_authentication.u.ok.euicc_ci_pkid_to_be_used;
	out->server_certificate = a.u.initiate_authentication.u.ok.server_certificate;
	return IOT_OK;
}

static iot_err es9_authenticate_client(struct dl *d, const uint8_t *asr, size_t len, struct dl_auth2 *out, int *code)
{
	struct rsp_remote_profile_provisioning_response a;
	uint8_t *b;
	size_t l;
	iot_err err;

	if ((err = relay(d, 0xBF3B, true, asr, len, &b, &l)) != IOT_OK || (err = es9_answer(d, b, l, &a, code)) != IOT_OK ||
	    *code)
		return err;
	if (a.choice != RSP_ES9_RESP_AUTHENTICATE_CLIENT)
		return IOT_E_ASN1_TAG;
	out->smdp_signed2 = a.u.authenticate_client.u.ok.smdp_signed2;
	out->smdp_signature2 = a.u.authenticate_client.u.ok.smdp_signature2;
	out->smdp_certificate = a.u.authenticate_client.u.ok.smdp_certificate;
	return IOT_OK;
}

static iot_err es9_get_bpp(struct dl *d, const uint8_t *pdr, size_t len, const uint8_t **bpp, size_t *bpp_len,
			   int *code)
{
	struct rsp_remote_profile_provisioning_response a;
	uint8_t *b;
	size_t l;
	iot_err err;

	if ((err = relay(d, 0xBF3A, true, pdr, len, &b, &l)) != IOT_OK || (err = es9_answer(d, b, l, &a, code)) != IOT_OK ||
	    *code)
		return err;
	return find_bpp(b, l, bpp, bpp_len);
}

static iot_err es9_cancel(struct dl *d, const uint8_t *csr, size_t len)
{
	uint8_t *ignored;
	size_t ignored_len;

	return relay(d, 0xBF41, true, csr, len, &ignored, &ignored_len);
}

static iot_err es9_deliver_pir(struct dl *d)
{
	uint8_t *ignored;
	size_t ignored_len;

	return relay(d, 0xBF3D, false, d->pir, d->pir_len, &ignored, &ignored_len);
}

const struct dl_server dl_es9_server = { es9_initiate, es9_authenticate_client, es9_get_bpp, es9_cancel,
					 es9_deliver_pir };

/* ---- the download itself ---- */

/* SGP.22 3.1.3: a download given up after AuthenticateServer is cancelled
 * on the eUICC and, with its signed answer, at the server. */
void dl_cancel(struct dl *d, int64_t reason, bool tell_server)
{
	struct rsp_cancel_session_request q = { RSP_BYTES(d->txid, d->txid_len), reason };
	uint8_t *resp;
	size_t len;

	if (es10_struct(d, &rsp_t_cancel_session_request, &q, &resp, &len) == IOT_OK && tell_server)
		(void)d->server->cancel(d, resp, len);
}

/* The BPP as SGP.22 2.5.5 has it sent: 'BF36' with 'BF23', then each
 * sequence header and each segment, one ES10 call each. d->pir gets the
 * last answer: the ProfileInstallationResult. */
static iot_err load_bpp(struct dl *d, const uint8_t *bpp, size_t len)
{
	struct der_reader top, in, seq;
	struct der_tlv outer, t, seg;
	const uint8_t *resp;
	size_t n = 0;
	iot_err err;

	der_reader_init(&top, bpp, len);
	if ((err = der_read(&top, &outer)) != IOT_OK || (err = der_enter(&top, &outer, &in)) != IOT_OK ||
	    (err = der_read(&in, &t)) != IOT_OK)
		return err;
	err = ipa_es10(d->ipa, bpp, (size_t)(t.raw + t.raw_len - bpp), &resp, &n);
	while (err == IOT_OK && !n && !der_reader_done(&in)) {
		if ((err = der_read(&in, &t)) != IOT_OK ||
		    (err = ipa_es10(d->ipa, t.raw, t.raw_len - t.len, &resp, &n)) != IOT_OK || n ||
		    (err = der_enter(&in, &t, &seq)) != IOT_OK)
			break;
		while (err == IOT_OK && !n && !der_reader_done(&seq))
			if ((err = der_read(&seq, &seg)) == IOT_OK)
				err = ipa_es10(d->ipa, seg.raw, seg.raw_len, &resp, &n);
	}
	if (err != IOT_OK)
		return err;
	/* SGP.22 5.7.6: the eUICC answers the last segment (or the failing one) with the PIR */
	if (!n || !(d->pir = dl_keep(d, malloc(n))))
		return n ? IOT_E_NOMEM : IOT_E_CARD;
	memcpy(d->pir, resp, n);
	d->pir_len = n;
	return IOT_OK;
}

iot_err dl_run(struct dl *d, const char *cc, struct ipa_download_result *r)
{
	struct rsp_get_euicc_challenge_response ch;
	struct rsp_euicc_info1 info1;
	struct dl_auth1 a1 = { 0 };
	struct dl_auth2 a2 = { 0 };
	struct rsp_authenticate_server_request as = { 0 };
	struct rsp_authenticate_server_response asr;
	struct rsp_prepare_download_request pd = { 0 };
	struct rsp_prepare_download_response pdr;
	struct rsp_profile_installation_result pir;
	const uint8_t *bpp;
	uint8_t *c, *i1, *auth, *prep, hash[32];
	size_t cl, il, al, pl, bpp_len;
	iot_err err;

	/* SGP.22 3.1.3.1: the eUICC's challenge and EUICCInfo1 open the authentication */
	if ((err = es10(d, (const uint8_t *)"\xBF\x2E\x00", 3, &c, &cl)) != IOT_OK ||
	    (err = rsp_decode(&rsp_t_get_euicc_challenge_response, c, cl, &ch, &d->a)) != IOT_OK ||
	    (err = es10(d, (const uint8_t *)"\xBF\x20\x00", 3, &i1, &il)) != IOT_OK ||
	    (err = rsp_decode(&rsp_t_euicc_info1, i1, il, &info1, &d->a)) != IOT_OK)
		return err;
	if ((err = d->server->initiate(d, &ch.euicc_challenge, &info1, &a1, &r->server_code)) != IOT_OK ||
	    r->server_code) {
		r->server_function = 0xBF39;
		return err;
	}
	if (d->on_session)
		d->on_session(d);

	/* SGP.22 5.7.13: AuthenticateServer with the MatchingID of the activation code */
	as.server_signed1 = a1.server_signed1;
	as.server_signature1 = a1.server_signature1;
	as.euicc_ci_pkid_to_be_used = a1.euicc_ci_pkid_to_be_used;
	as.server_certificate = a1.server_certificate;
	as.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	if (a1.has_matching_id) {
		as.ctx_params1.u.common.has_matching_id = true;
		as.ctx_params1.u.common.matching_id = a1.matching_id;
	} else if (d->matching_id[0]) {
		as.ctx_params1.u.common.has_matching_id = true;
		as.ctx_params1.u.common.matching_id = RSP_BYTES(d->matching_id, strlen(d->matching_id));
	}
	ipa_device_info(d->ipa, &as.ctx_params1.u.common.device_info);
	if ((err = es10_struct(d, &rsp_t_authenticate_server_request, &as, &auth, &al)) != IOT_OK)
		return err;
	if (rsp_decode(&rsp_t_authenticate_server_response, auth, al, &asr, &d->a) == IOT_OK &&
	    asr.choice == RSP_AUTH_RESP_ERROR)
		r->euicc_code = (int)asr.u.error.authenticate_error_code;
	/* SGP.22 3.1.3.1: the answer goes to the SM-DP+ whatever it is */
	if ((err = d->server->authenticate_client(d, auth, al, &a2, &r->server_code)) != IOT_OK)
		return err;
	r->server_function = r->server_code ? 0xBF3B : 0;
	if (r->server_code || r->euicc_code) {
		dl_cancel(d, 127, false);  /* the SM-DP+ ended its side already */
		return IOT_OK;
	}

	/* SGP.22 5.7.5: PrepareDownload, with hashCc when the order wants a confirmation code */
	pd.smdp_signed2 = a2.smdp_signed2;
	pd.smdp_signature2 = a2.smdp_signature2;
	pd.smdp_certificate = a2.smdp_certificate;
	if (pd.smdp_signed2.cc_required_flag && a2.has_hash_cc) {
		pd.has_hash_cc = true;
		pd.hash_cc = a2.hash_cc;
	} else if (pd.smdp_signed2.cc_required_flag) {
		if (!cc) {
			log_warn("ipa", "the order wants a confirmation code", "address=%s", d->address);
			dl_cancel(d, 1, true);     /* postponed: the order stands */
			return IOT_E_ARG;
		}
		if ((err = crypto_hash_confirmation_code((const uint8_t *)cc, strlen(cc), d->txid, d->txid_len, hash)) !=
		    IOT_OK)
			return err;
		pd.has_hash_cc = true;
		pd.hash_cc = RSP_BYTES(hash, sizeof(hash));
	}
	if ((err = es10_struct(d, &rsp_t_prepare_download_request, &pd, &prep, &pl)) != IOT_OK)
		return err;
	if (rsp_decode(&rsp_t_prepare_download_response, prep, pl, &pdr, &d->a) == IOT_OK &&
	    pdr.choice == RSP_PREPARE_DL_ERROR)
		r->euicc_code = (int)pdr.u.error.download_error_code;
	if ((err = d->server->get_bpp(d, prep, pl, &bpp, &bpp_len, &r->server_code)) != IOT_OK)
		return err;
	r->server_function = r->server_code ? 0xBF3A : 0;
	if (r->server_code || r->euicc_code) {
		dl_cancel(d, 127, false);
		return IOT_OK;
	}

	/* SGP.22 3.1.3.3: the BPP into the eUICC */
	if (d->on_loading)
		d->on_loading(d);
	if ((err = load_bpp(d, bpp, bpp_len)) != IOT_OK ||
	    (err = rsp_decode(&rsp_t_profile_installation_result, d->pir, d->pir_len, &pir, &d->a)) != IOT_OK)
		return err;
	r->installed = pir.data.final_result.choice == RSP_FINAL_RESULT_SUCCESS;
	if (!r->installed)
		r->pir_reason = (int)pir.data.final_result.u.error.error_reason;
	r->pir_seq = pir.data.notification_metadata.seq_number;
	if (pir.data.notification_metadata.has_iccid && pir.data.notification_metadata.iccid.len == 10)
		memcpy(r->iccid, pir.data.notification_metadata.iccid.ptr, 10);
	return IOT_OK;
}

iot_err ipa_download(struct ipa *ipa, const struct ipa_activation_code *ac, const char *confirmation_code,
		     struct ipa_download_result *r)
{
	struct dl d;
	iot_err err;

	memset(r, 0, sizeof(*r));
	if (!ipa->p.es9)
		return IOT_E_ARG;
	dl_init(&d, ipa, &dl_es9_server, ac->address, ac->matching_id);
	err = dl_run(&d, confirmation_code, r);
	/* SGP.22 3.1.3.3: the PIR to the SM-DP+, then, once delivered, off the eUICC (5.7.10) */
	if (err == IOT_OK && d.pir && es9_deliver_pir(&d) == IOT_OK)
		err = ipa_remove_notification(ipa, r->pir_seq);
	dl_free(&d);
	if (err != IOT_OK)
		log_warn("ipa", "download failed", "address=%s error=\"%s\"", ac->address, iot_strerror(err));
	else
		log_info("ipa", "download", "address=%s installed=%d server_code=%d euicc_code=%d pir_reason=%d",
			 ac->address, r->installed, r->server_code, r->euicc_code, r->pir_reason);
	return err;
}
