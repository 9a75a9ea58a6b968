/* Profile Download Triggers (SGP.32 3.2): the download through the eIM over
 * ESipa (indirect) or straight to the SM-DP+ over ES9+ (direct), the
 * ProfileDownloadTriggerResult provided back, and a record that survives a
 * power cut so that the next start finishes or cancels what was cut. */
#include "ipacore/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* ---- the SM-DP+ through the eIM (SGP.32 6.3.2) ---- */

static iot_err esipa(struct dl *d, const struct rsp_esipa_message_from_ipa *q, int expect,
		     struct rsp_esipa_message_from_eim *ans)
{
	uint8_t *raw;
	size_t len = 0;
	iot_err err = ipa_esipa(d->ipa, q, expect, ans, &d->a, &raw, &len);

	if (raw && !dl_keep(d, raw) && err == IOT_OK)
		err = IOT_E_NOMEM;
	d->answer = raw;
	d->answer_len = len;
	return err;
}

static iot_err esipa_initiate_authentication(struct dl *d, const rsp_bytes *challenge,
					     const struct rsp_euicc_info1 *info1, struct dl_auth1 *out, int *code)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_INITIATE_AUTHENTICATION };
	struct rsp_initiate_authentication_request_esipa *r = &q.u.initiate_authentication;
	struct rsp_esipa_message_from_eim a;
	const struct rsp_initiate_authentication_ok_esipa *ok;
	iot_err err;

	r->euicc_challenge = *challenge;
	r->has_smdp_address = d->address[0] != 0;
	r->smdp_address = RSP_BYTES(d->address, strlen(d->address));
	r->has_euicc_info1 = true;
	r->euicc_info1 = *info1;
	r->has_eim_transaction_id = d->eim_transaction_id.len > 0;
	r->eim_transaction_id = d->eim_transaction_id;
	if ((err = esipa(d, &q, RSP_EIM_TO_IPA_INITIATE_AUTHENTICATION, &a)) != IOT_OK)
		return err;
	if (a.u.initiate_authentication.choice != RSP_ESIPA_OK) {
		*code = (int)a.u.initiate_authentication.u.error;
		return IOT_OK;
	}
	ok = &a.u.initiate_authentication.u.ok;
	/* SGP.22 5.6.1: the transaction the SM-DP+ signed is the session's */
	if (ok->server_signed1.transaction_id.len > sizeof(d->txid) || !ok->server_signed1.transaction_id.len)
		return IOT_E_ASN1_SIZE;
	d->txid_len = ok->server_signed1.transaction_id.len;
	memcpy(d->txid, ok->server_signed1.transaction_id.ptr, d->txid_len);
	d->txid_known = true;
	out->server_signed1 = ok->server_signed1;
	out->server_signature1 = ok->server_signature1;
	out->euicc_ci_pkid_to_be_used = ok->euicc_ci_pkid_to_be_used;
	out->server_certificate = ok->server_certificate;
	out->has_matching_id = ok->has_matching_id;
	out->matching_id = ok->matching_id;
	return IOT_OK;
}

/* ---- minimizeEsipaBytes (SGP.32 2.x compact forms): what the eIM knows
 * already is left out; it rebuilds the signed data for the SM-DP+ ---- */

/* transactionId, serverAddress, serverChallenge and all of euiccInfo2 but
 * its extCardResource are the eIM's; so are both certificates */
static void compact_asr(struct rsp_authenticate_server_response *r)
{
	struct rsp_authenticate_response_ok ok;
	struct rsp_compact_authenticate_response_ok *c = &r->u.compact_ok;

	if (r->choice != RSP_AUTH_RESP_OK)
		return;
	ok = r->u.ok;
	memset(c, 0, sizeof(*c));
	r->choice = RSP_AUTH_RESP_COMPACT_OK;
	c->signed_data.choice = RSP_SIGNED_DATA_COMPACT_EUICC_SIGNED1;
	c->signed_data.u.compact_euicc_signed1.ext_card_resource = ok.euicc_signed1.euicc_info2.ext_card_resource;
	c->signed_data.u.compact_euicc_signed1.has_ctx_params1 = true;
	c->signed_data.u.compact_euicc_signed1.ctx_params1 = ok.euicc_signed1.ctx_params1;
	c->euicc_signature1 = ok.euicc_signature1;
}

/* the transactionId is the session's */
static void compact_pdr(struct rsp_prepare_download_response *r)
{
	struct rsp_prepare_download_response_ok ok;
	struct rsp_compact_prepare_download_response_ok *c = &r->u.compact_ok;

	if (r->choice != RSP_PREPARE_DL_OK)
		return;
	ok = r->u.ok;
	memset(c, 0, sizeof(*c));
	r->choice = RSP_PREPARE_DL_COMPACT_OK;
	c->compact_euicc_signed2.has_euicc_otpk = ok.euicc_signed2.euicc_otpk.len > 0;
	c->compact_euicc_signed2.euicc_otpk = ok.euicc_signed2.euicc_otpk;
	c->compact_euicc_signed2.has_hash_cc = ok.euicc_signed2.has_hash_cc;
	c->compact_euicc_signed2.hash_cc = ok.euicc_signed2.hash_cc;
	c->euicc_signature2 = ok.euicc_signature2;
}

/* the transactionId and the SM-DP+'s OID are the session's */
static void compact_csr(struct rsp_cancel_session_response *r)
{
	struct rsp_cancel_session_response_ok ok;
	struct rsp_compact_cancel_session_response_ok *c = &r->u.compact_ok;

	if (r->choice != RSP_CANCEL_RESP_OK)
		return;
	ok = r->u.ok;
	memset(c, 0, sizeof(*c));
	r->choice = RSP_CANCEL_RESP_COMPACT_OK;
	c->signed_data.has_reason = true;
	c->signed_data.reason = ok.signed_data.reason;
	c->euicc_cancel_session_signature = ok.euicc_cancel_session_signature;
}

static iot_err esipa_authenticate_client(struct dl *d, const uint8_t *asr, size_t len, struct dl_auth2 *out,
					 int *code)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_AUTHENTICATE_CLIENT };
	struct rsp_esipa_message_from_eim a;
	const struct rsp_authenticate_client_ok_dp_esipa *ok;
	iot_err err;

	q.u.authenticate_client.transaction_id = RSP_BYTES(d->txid, d->txid_len);
	if ((err = rsp_decode(&rsp_t_authenticate_server_response, asr, len,
			      &q.u.authenticate_client.authenticate_server_response, &d->a)) != IOT_OK)
		return err;
	if (d->ipa->cfg.minimize_esipa_bytes)
		compact_asr(&q.u.authenticate_client.authenticate_server_response);
	if ((err = esipa(d, &q, RSP_EIM_TO_IPA_AUTHENTICATE_CLIENT, &a)) != IOT_OK)
		return err;
	if (a.u.authenticate_client.choice == RSP_AUTH_CLIENT_ERROR) {
		*code = (int)a.u.authenticate_client.u.error;
		return IOT_OK;
	}
	if (a.u.authenticate_client.choice != RSP_AUTH_CLIENT_OK_DP) {
		*code = 127;            /* an SM-DS event: not offered by this IPA */
		return IOT_OK;
	}
	ok = &a.u.authenticate_client.u.ok_dp;
	out->smdp_signed2 = ok->smdp_signed2;
	out->smdp_signature2 = ok->smdp_signature2;
	out->smdp_certificate = ok->smdp_certificate;
	out->has_hash_cc = ok->has_hash_cc;
	out->hash_cc = ok->hash_cc;
	return IOT_OK;
}

/* The 'BF36' TLV wherever the answer nests it. */
static bool find_tlv(const uint8_t *der, size_t len, uint32_t tag, int depth, const uint8_t **out, size_t *out_len)
{
	struct der_reader r;
	struct der_tlv t;

	der_reader_init(&r, der, len);
	while (!der_reader_done(&r) && der_read(&r, &t) == IOT_OK) {
		if (t.tag == tag) {
			*out = t.raw;
			*out_len = t.raw_len;
			return true;
		}
		if (depth > 0 && der_tag_constructed(t.tag) && find_tlv(t.value, t.len, tag, depth - 1, out, out_len))
			return true;
	}
	return false;
}

static iot_err esipa_get_bound_profile_package(struct dl *d, const uint8_t *pdr, size_t len, const uint8_t **bpp,
					       size_t *bpp_len, int *code)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_GET_BPP };
	struct rsp_esipa_message_from_eim a;
	iot_err err;

	q.u.get_bpp.transaction_id = RSP_BYTES(d->txid, d->txid_len);
	if ((err = rsp_decode(&rsp_t_prepare_download_response, pdr, len, &q.u.get_bpp.prepare_download_response,
			      &d->a)) != IOT_OK)
		return err;
	if (d->ipa->cfg.minimize_esipa_bytes)
		compact_pdr(&q.u.get_bpp.prepare_download_response);
	if ((err = esipa(d, &q, RSP_EIM_TO_IPA_GET_BPP, &a)) != IOT_OK)
		return err;
	if (a.u.get_bpp.choice != RSP_ESIPA_OK) {
		*code = (int)a.u.get_bpp.u.error;
		return IOT_OK;
	}
	/* the BPP goes to the eUICC exactly as received (decoded above: well formed) */
	return find_tlv(d->answer, d->answer_len, 0xBF36, 2, bpp, bpp_len) ? IOT_OK : IOT_E_ASN1_MISSING;
}

static iot_err esipa_cancel_session(struct dl *d, const uint8_t *csr, size_t len)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_CANCEL_SESSION };
	struct rsp_esipa_message_from_eim a;
	iot_err err;

	q.u.cancel_session.transaction_id = RSP_BYTES(d->txid, d->txid_len);
	if ((err = rsp_decode(&rsp_t_cancel_session_response, csr, len, &q.u.cancel_session.cancel_session_response,
			      &d->a)) != IOT_OK)
		return err;
	if (d->ipa->cfg.minimize_esipa_bytes)
		compact_csr(&q.u.cancel_session.cancel_session_response);
	return esipa(d, &q, RSP_EIM_TO_IPA_CANCEL_SESSION, &a);
}

static const struct dl_server esipa_server = { esipa_initiate_authentication, esipa_authenticate_client,
						esipa_get_bound_profile_package, esipa_cancel_session, NULL };

/* ---- the record that survives a power cut ---- */

enum pdt_stage { PDT_STARTED = 1, PDT_SESSION, PDT_LOADING };

struct pdt_record {
	uint8_t stage;
	bool direct;
	uint8_t txid[16], eim_txid[16];
	uint8_t txid_len, eim_txid_len;
	char address[256];
};

static const uint8_t record_magic[4] = { 'I', 'P', 'D', '1' };

static void record_save(struct ipa *ipa, const struct pdt_record *rec)
{
	uint8_t buf[4 + 4 + 32 + 1 + 255];
	size_t n = strlen(rec->address), len = 0;

	if (!ipa->p.save)
		return;
	memcpy(buf, record_magic, 4);
	len = 4;
	buf[len++] = rec->stage;
	buf[len++] = rec->direct;
	buf[len++] = rec->txid_len;
	memcpy(buf + len, rec->txid, 16);
	len += 16;
	buf[len++] = rec->eim_txid_len;
	memcpy(buf + len, rec->eim_txid, 16);
	len += 16;
	buf[len++] = (uint8_t)n;
	memcpy(buf + len, rec->address, n);
	len += n;
	if (ipa->p.save(ipa->p.ctx, buf, len) != IOT_OK)
		log_warn("ipa", "the download record could not be saved", "stage=%u", rec->stage);
}

static void record_clear(struct ipa *ipa)
{
	if (ipa->p.save)
		(void)ipa->p.save(ipa->p.ctx, NULL, 0);
}

static bool record_load(struct ipa *ipa, struct pdt_record *rec)
{
	uint8_t buf[512];
	size_t len, n;

	memset(rec, 0, sizeof(*rec));
	if (!ipa->p.load || ipa->p.load(ipa->p.ctx, buf, sizeof(buf), &len) != IOT_OK || len < 41 ||
	    memcmp(buf, record_magic, 4))
		return false;
	rec->stage = buf[4];
	rec->direct = buf[5];
	rec->txid_len = buf[6] <= 16 ? buf[6] : 16;
	memcpy(rec->txid, buf + 7, 16);
	rec->eim_txid_len = buf[23] <= 16 ? buf[23] : 16;
	memcpy(rec->eim_txid, buf + 24, 16);
	n = buf[40];
	if (41 + n > len)
		return false;
	memcpy(rec->address, buf + 41, n);
	rec->address[n] = 0;
	return rec->stage >= PDT_STARTED && rec->stage <= PDT_LOADING;
}

static void on_session(struct dl *d)
{
	struct pdt_record *rec = d->user;

	rec->stage = PDT_SESSION;
	rec->txid_len = (uint8_t)d->txid_len;
	memcpy(rec->txid, d->txid, d->txid_len);
	record_save(d->ipa, rec);
}

static void on_loading(struct dl *d)
{
	struct pdt_record *rec = d->user;

	rec->stage = PDT_LOADING;
	record_save(d->ipa, rec);
}

/* ---- the result ---- */

/* ProfileDownloadTriggerResult: the PIR, or profileDownloadError with, when
 * the SM-DP+ refused, its error response (the function's response with its
 * error alternative, e.g. 'BF3B' { '81' matchingIdRefused }) so the eIM
 * can tell why. */
static iot_err report(struct ipa *ipa, const struct pdt_record *rec, const uint8_t *pir, size_t pir_len,
		      const struct ipa_download_result *dr)
{
	struct rsp_eim_package_result r = { .choice = RSP_EIM_RESULT_PDT_RESULT };
	struct rsp_profile_download_trigger_result *t = &r.u.pdt_result;
	struct rsp_arena a;
	struct der_writer w;
	uint8_t refusal[16];
	iot_err err = IOT_OK;

	rsp_arena_dynamic(&a);
	t->has_eim_transaction_id = rec->eim_txid_len > 0;
	t->eim_transaction_id = RSP_BYTES(rec->eim_txid, rec->eim_txid_len);
	if (pir && rsp_decode(&rsp_t_profile_installation_result, pir, pir_len, &t->result_data.u.pir, &a) == IOT_OK) {
		t->result_data.choice = RSP_PDT_RESULT_PIR;
	} else {
		t->result_data.choice = RSP_PDT_RESULT_ERROR;
		t->result_data.u.error.reason = 127;    /* undefinedError */
		if (dr && dr->server_code && dr->server_function) {
			size_t mark;

			der_writer_fixed(&w, refusal, sizeof(refusal));
			mark = der_begin(&w, dr->server_function);
			der_put_int64(&w, 0x81, dr->server_code);
			der_end(&w, mark);
			if (der_writer_err(&w) == IOT_OK) {
				t->result_data.u.error.has_error_response = true;
				t->result_data.u.error.error_response = RSP_BYTES(refusal, w.len);
			}
		}
	}
	if ((err = ipa_provide_result(ipa, &r)) == IOT_OK)
		record_clear(ipa);
	rsp_arena_free(&a);
	return err;
}

static void dl_for_record(struct dl *d, struct ipa *ipa, const struct pdt_record *rec)
{
	dl_init(d, ipa, rec->direct ? &dl_es9_server : &esipa_server, rec->address, "");
	d->txid_len = rec->txid_len;
	memcpy(d->txid, rec->txid, rec->txid_len);
	d->txid_known = rec->txid_len > 0;
}

/* The PIR of transaction txid among the eUICC's pending notifications. */
static bool find_pir(struct ipa *ipa, const struct pdt_record *rec, uint8_t **pir, size_t *pir_len)
{
	struct rsp_retrieve_notifications_list_request q = { 0 };
	struct rsp_retrieve_notifications_list_response r;
	struct rsp_profile_installation_result one;
	struct rsp_arena a;
	bool found = false;
	uint8_t *enc;
	size_t n;

	rsp_arena_dynamic(&a);
	if (ipa_es10_struct(ipa, &rsp_t_retrieve_notifications_list_request, &q, &rsp_t_retrieve_notifications_list_response,
			    &r, &a) == IOT_OK && r.choice == RSP_RETRIEVE_NOTIF_LIST) {
		for (size_t i = 0; i < r.u.notification_list.count && !found; i++) {
			const struct rsp_pending_notification *p = &r.u.notification_list.items[i];

			if (p->choice != RSP_PENDING_PIR || p->u.pir.data.transaction_id.len != rec->txid_len ||
			    memcmp(p->u.pir.data.transaction_id.ptr, rec->txid, rec->txid_len))
				continue;
			one = p->u.pir;
			if (rsp_encode_alloc(&rsp_t_profile_installation_result, &one, &enc, &n) == IOT_OK) {
				*pir = enc;
				*pir_len = n;
				found = true;
			}
		}
	}
	rsp_arena_free(&a);
	return found;
}

iot_err ipa_pdt_resume(struct ipa *ipa)
{
	struct pdt_record rec;
	struct dl d;
	uint8_t *pir = NULL;
	size_t pir_len = 0;
	iot_err err;

	if (!record_load(ipa, &rec))
		return IOT_OK;
	log_info("ipa", "resuming a download cut by a restart", "stage=%u direct=%d", rec.stage, rec.direct);
	/* SGP.32 3.2: a profile installed before the cut is reported with its PIR */
	if (rec.stage == PDT_LOADING && find_pir(ipa, &rec, &pir, &pir_len)) {
		err = report(ipa, &rec, pir, pir_len, NULL);
		free(pir);
		return err;
	}
	/* SGP.22 3.1.3: otherwise the open session is cancelled on both sides,
	 * as timed out (SGP.22 5.7.14): the order stands for another trigger */
	if (rec.stage >= PDT_SESSION) {
		dl_for_record(&d, ipa, &rec);
		dl_cancel(&d, 2, true);
		dl_free(&d);
	}
	return report(ipa, &rec, NULL, 0, NULL);
}

/* The SM-DP+ address and MatchingID the trigger names. */
static iot_err trigger_target(struct ipa *ipa, const struct rsp_profile_download_trigger_request *t,
			      struct ipa_activation_code *ac)
{
	struct rsp_euicc_configured_addresses_response addr;
	struct rsp_arena a;
	uint8_t mem[1024];
	char text[256];
	iot_err err;

	memset(ac, 0, sizeof(*ac));
	if (!t->has_profile_download_data)
		return IOT_OK;          /* the eIM knows the SM-DP+ and the order */
	switch (t->profile_download_data.choice) {
	case RSP_PDD_ACTIVATION_CODE:
		if (t->profile_download_data.u.activation_code.len >= sizeof(text))
			return IOT_E_ASN1_SIZE;
		memcpy(text, t->profile_download_data.u.activation_code.ptr, t->profile_download_data.u.activation_code.len);
		text[t->profile_download_data.u.activation_code.len] = 0;
		return ipa_parse_activation_code(text, ac);
	case RSP_PDD_CONTACT_DEFAULT_SMDP:
		/* SGP.22 5.7.3: the default SM-DP+ address held by the eUICC */
		rsp_arena_fixed(&a, mem, sizeof(mem));
		if ((err = ipa_es10_struct(ipa, &rsp_t_euicc_configured_addresses_request, &(struct rsp_empty){ 0 },
					   &rsp_t_euicc_configured_addresses_response, &addr, &a)) != IOT_OK)
			return err;
		if (!addr.has_default_dp_address || !addr.default_dp_address.len ||
		    addr.default_dp_address.len >= sizeof(ac->address))
			return IOT_E_NOT_FOUND;
		memcpy(ac->address, addr.default_dp_address.ptr, addr.default_dp_address.len);
		return IOT_OK;
	default:
		return IOT_E_ARG;       /* SM-DS discovery is not offered by this IPA */
	}
}

iot_err ipa_pdt_execute(struct ipa *ipa, const struct rsp_profile_download_trigger_request *t)
{
	struct ipa_activation_code ac;
	struct ipa_download_result r = { 0 };
	struct pdt_record rec = { .stage = PDT_STARTED };
	struct dl d;
	iot_err err;

	ipa->stats.downloads++;
	if (t->has_eim_transaction_id && t->eim_transaction_id.len <= sizeof(rec.eim_txid)) {
		rec.eim_txid_len = (uint8_t)t->eim_transaction_id.len;
		memcpy(rec.eim_txid, t->eim_transaction_id.ptr, rec.eim_txid_len);
	}
	if ((err = trigger_target(ipa, t, &ac)) != IOT_OK) {
		log_warn("ipa", "profile download trigger refused", "error=\"%s\"", iot_strerror(err));
		return report(ipa, &rec, NULL, 0, NULL);
	}
	/* SGP.32 2.11.1: indirectProfileDownload in the eIM's configuration routes it through the eIM */
	rec.direct = ipa->p.es9 && ac.address[0] && !ipa->eim.indirect_download;
	memcpy(rec.address, ac.address, sizeof(rec.address));
	record_save(ipa, &rec);

	dl_init(&d, ipa, rec.direct ? &dl_es9_server : &esipa_server, rec.address, ac.matching_id);
	d.eim_transaction_id = RSP_BYTES(rec.eim_txid, rec.eim_txid_len);
	d.on_session = on_session;
	d.on_loading = on_loading;
	d.user = &rec;
	err = dl_run(&d, NULL, &r);
	if (err == IOT_E_ARG)   /* a confirmation code the IPA cannot give: cancelled */
		err = IOT_OK;
	if (err == IOT_OK) {
		log_info("ipa", "profile download trigger", "direct=%d address=%s installed=%d server_code=%d euicc_code=%d",
			 rec.direct, rec.address, r.installed, r.server_code, r.euicc_code);
		if (r.installed)
			ipa->stats.downloads_installed++;
		/* direct: the SM-DP+ gets its PIR too; the eUICC keeps it until the eIM acknowledges */
		if (d.pir && d.server->deliver_pir)
			(void)d.server->deliver_pir(&d);
		err = report(ipa, &rec, d.pir, d.pir_len, &r);
	} else {
		/* cut short (transport, card, a malformed answer): the record makes the
		 * next poll finish it, or cancel it, and report */
		log_warn("ipa", "profile download interrupted", "stage=%u error=\"%s\"", rec.stage, iot_strerror(err));
	}
	dl_free(&d);
	return err;
}
