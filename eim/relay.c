/* Indirect profile download (SGP.32 3.2.2): the ESipa functions relayed to
 * the SM-DP+ of the operation as ES9+ in the ASN.1 binding over HTTPS
 * (notifications are forwarded by forward.c). */
#include "eim/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "crypto/x509.h"
#include "net/es9_json.h"

/* The ASN.1 binding's headers (SGP.22 6.6, SGP.32 6.1): ES9+ to SM-DP+s, pushes to IPAs. */
const char *const eim_asn1_headers[] = { "Content-Type: application/x-gsma-rsp-asn1",
					 "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };

static const char *connect_for(const struct eim *e, const char *host)
{
	char host_port[300];

	snprintf(host_port, sizeof(host_port), "%s:443", host);
	return eim_connect_for(e, host_port, strlen(host_port));
}

/* SGP.22 6.5.2: the JSON binding, POST /gsma/rsp2/es9plus/<function>; the
 * answer turned into the ASN.1 response (malloc'd in *raw, *len). */
static iot_err es9_post_json(struct eim *e, const char *address, const uint8_t *req, size_t n, uint8_t **raw,
			     size_t *len)
{
	char base[400];
	int status;
	iot_err err;

	snprintf(base, sizeof(base), "https://%s/gsma/rsp2/es9plus/", address);
	if ((err = es9_json_post(e->es9, base, req, n, &status, raw, len, NULL)) == IOT_E_IO && status)
		log_warn("eim", "the SM-DP+ answered with an error", "address=%s status=%d", address, status);
	return err;
}

/* SGP.22 6.6: the ASN.1 binding, POST /gsma/rsp2/asn1. */
static iot_err es9_post_asn1(struct eim *e, const char *address, const uint8_t *req, size_t n, uint8_t **raw,
			     size_t *len)
{
	char url[400];
	int status;
	iot_err err;

	snprintf(url, sizeof(url), "https://%s/gsma/rsp2/asn1", address);
	if ((err = http_client_post(e->es9, url, eim_asn1_headers, req, n, &status, raw, len)) != IOT_OK)
		return err;
	if (status != 200 && status != 204) {
		log_warn("eim", "the SM-DP+ answered with an error", "address=%s status=%d", address, status);
		free(*raw);
		*raw = NULL;
		*len = 0;
		return IOT_E_IO;
	}
	return IOT_OK;
}

/* The relay's HTTPS client, made on first use. */
static iot_err es9_client(struct eim *e, const char *address)
{
	/* one SM-DP+ per relay client is the common case; connect-to only for tests */
	struct http_client_config c = { .ca_file = e->cfg.smdp_ca, .connect_to = connect_for(e, address),
					.timeout_ms = 30000 };

	return e->es9 ? IOT_OK : http_client_new(&c, &e->es9);
}

iot_err eim_es9(struct eim *e, const char *address, const struct rsp_remote_profile_provisioning_request *q,
		struct rsp_remote_profile_provisioning_response *r, struct rsp_arena *a, uint8_t **raw)
{
	uint8_t *req;
	size_t n, len = 0;
	iot_err err;

	*raw = NULL;
	if ((err = es9_client(e, address)) != IOT_OK)
		return err;
	if ((err = rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, q, &req, &n)) != IOT_OK)
		return err;
	err = e->cfg.es9_json ? es9_post_json(e, address, req, n, raw, &len) : es9_post_asn1(e, address, req, n, raw, &len);
	free(req);
	if (err != IOT_OK) {
		if (err != IOT_E_IO || !*raw)
			log_warn("eim", "the SM-DP+ cannot be reached", "address=%s json=%d", address, e->cfg.es9_json);
		free(*raw);
		*raw = NULL;
		return err;
	}
	if (!r || !len)
		return IOT_OK;
	return rsp_decode(&rsp_t_remote_profile_provisioning_response, *raw, len, r, a);
}

/* The SM-DP+ address an activation code names ("LPA:1$address$..."). */
static bool ac_address(const uint8_t *ac, size_t len, char *out, size_t cap)
{
	const uint8_t *p = memchr(ac, '$', len), *q;

	if (!p || !(q = memchr(p + 1, '$', len - (size_t)(p + 1 - ac))))
		q = ac + len;
	if (!p || (size_t)(q - p - 1) >= cap || q == p + 1)
		return false;
	memcpy(out, p + 1, (size_t)(q - p - 1));
	out[q - p - 1] = 0;
	return true;
}

/* The operation behind eimTransactionId, sent and a download; its SM-DP+,
 * and whether its IPA minimizes ESipa bytes. */
static iot_err download_op(struct eim *e, const rsp_bytes *txid, int64_t *id, char *smdp, size_t cap, bool *minimize)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err;

	if (!eim_txid_parse(e, txid, id))
		return IOT_E_NOT_FOUND;
	if ((err = store_prepare(e->db, "SELECT o.payload, x.ipa_features FROM operation o"
					" LEFT JOIN euicc_info x ON x.eid = o.eid WHERE o.id = $1 AND o.kind = 4 AND o.state = 1",
				 &st)) != IOT_OK)
		return err;
	store_bind_int(st, 1, *id);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		size_t n;
		const uint8_t *ac = store_col_blob(st, 0, &n);

		if (!ac || !ac_address(ac, n, smdp, cap))
			row = false;
		*minimize = (store_col_int(st, 1) & RSP_IPA_MINIMIZE_ESIPA_BYTES) != 0;
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

/* The registeredID (SM-DP+ OID) of a certificate as DER; empty when it has none. */
static size_t certificate_oid(const rsp_bytes *der, uint8_t oid[64])
{
	struct crypto_cert *cert = NULL;
	size_t len = 0;

	if (x509_parse(der->ptr, der->len, &cert) != IOT_OK || x509_subject_rid(cert, oid, 64, &len) != IOT_OK)
		len = 0;
	x509_free(cert);
	return len;
}

/* The session of a download: its SM-DP+, and what the compact messages of
 * minimizeEsipaBytes leave out (SGP.32): serverAddress and serverChallenge
 * the SM-DP+ signed, its OID (CERT.DPauth), the eUICC's info and certificates. */
static iot_err session_add(struct eim *e, const struct rsp_initiate_authentication_ok_esipa *ok, int64_t op,
			   const char *smdp)
{
	struct store_stmt *st;
	uint8_t oid[64];
	size_t oid_len = certificate_oid(&ok->server_certificate, oid);
	bool row;
	iot_err err;

	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = store_prepare(e->db, "INSERT INTO session(txid, op, smdp, created) VALUES ($1, $2, $3, $4)"
					" ON CONFLICT (txid) DO UPDATE SET op = $2, smdp = $3, created = $4", &st)) == IOT_OK) {
		store_bind_blob(st, 1, ok->transaction_id.ptr, ok->transaction_id.len);
		store_bind_int(st, 2, op);
		store_bind_text(st, 3, smdp);
		store_bind_int(st, 4, (int64_t)time(NULL));
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_OK && (err = store_prepare(e->db, "INSERT INTO session_info(txid, server_address, challenge, smdp_oid)"
							 " VALUES ($1, $2, $3, $4) ON CONFLICT (txid) DO UPDATE SET"
							 " server_address = $2, challenge = $3, smdp_oid = $4", &st)) ==
				     IOT_OK) {
		store_bind_blob(st, 1, ok->transaction_id.ptr, ok->transaction_id.len);
		store_bind_blob(st, 2, ok->server_signed1.server_address.ptr, ok->server_signed1.server_address.len);
		store_bind_blob(st, 3, ok->server_signed1.server_challenge.ptr, ok->server_signed1.server_challenge.len);
		store_bind_blob(st, 4, oid, oid_len);
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

/* AuthenticateClient's answer: the SM-DP+'s OID in CERT.DPpb and the
 * profile's ICCID, which a compact ProfileInstallationResult leaves out. */
static iot_err session_note_profile(struct eim *e, const rsp_bytes *txid, const rsp_bytes *pb_cert,
				    const rsp_bytes *iccid)
{
	struct store_stmt *st;
	uint8_t oid[64];
	size_t oid_len = certificate_oid(pb_cert, oid);
	bool row;
	iot_err err;

	if ((err = store_prepare(e->db, "UPDATE session_info SET pb_oid = $2, iccid = $3 WHERE txid = $1", &st)) !=
	    IOT_OK)
		return err;
	store_bind_blob(st, 1, txid->ptr, txid->len);
	store_bind_blob(st, 2, oid, oid_len);
	store_bind_blob(st, 3, iccid->ptr, iccid->len);
	err = store_step(st, &row);
	store_finalize(st);
	return err;
}

/* A download session as one query gives it: the SM-DP+ to relay to, whether
 * the IPA minimizes ESipa bytes, and what a compact message needs rebuilt
 * (copied into the arena; empty for a session made before it was kept). */
struct session {
	char smdp[256];
	bool minimize;
	rsp_bytes server_address, challenge, smdp_oid, euicc_info2, pb_oid, iccid;
	char eid[33];
};

static rsp_bytes arena_blob(struct store_stmt *st, int col, struct rsp_arena *a)
{
	size_t n = 0;
	const uint8_t *b = store_col_blob(st, col, &n);
	uint8_t *p = b && n ? rsp_arena_alloc(a, n) : NULL;

	if (!p)
		return RSP_BYTES(NULL, 0);
	memcpy(p, b, n);
	return RSP_BYTES(p, n);
}

static iot_err session_load(struct eim *e, const rsp_bytes *txid, struct session *out, struct rsp_arena *a)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT i.server_address, i.challenge, i.smdp_oid, x.euicc_info2, o.eid,"
					   " i.pb_oid, i.iccid, s.smdp, x.ipa_features"
					   " FROM session s LEFT JOIN session_info i ON i.txid = s.txid"
					   " LEFT JOIN operation o ON o.id = s.op LEFT JOIN euicc_info x ON x.eid = o.eid"
					   " WHERE s.txid = $1", &st);

	memset(out, 0, sizeof(*out));
	if (err != IOT_OK)
		return err;
	store_bind_blob(st, 1, txid->ptr, txid->len);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		out->server_address = arena_blob(st, 0, a);
		out->challenge = arena_blob(st, 1, a);
		out->smdp_oid = arena_blob(st, 2, a);
		out->euicc_info2 = arena_blob(st, 3, a);
		snprintf(out->eid, sizeof(out->eid), "%s", store_col_text(st, 4));
		out->pb_oid = arena_blob(st, 5, a);
		out->iccid = arena_blob(st, 6, a);
		snprintf(out->smdp, sizeof(out->smdp), "%s", store_col_text(st, 7));
		out->minimize = (store_col_int(st, 8) & RSP_IPA_MINIMIZE_ESIPA_BYTES) != 0;
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

/* SGP.32 CompactAuthenticateResponseOk made whole for the SM-DP+: the
 * EuiccSigned1 the eUICC signed, rebuilt from the session (transactionId,
 * serverAddress, serverChallenge), the eUICC's euiccInfo2 as kept with its
 * extCardResource as given now, and ctxParams1; the certificates as kept. */
static iot_err expand_asr(struct eim *e, const struct session *se, const rsp_bytes *txid,
			  struct rsp_authenticate_server_response *r, struct rsp_arena *a)
{
	struct rsp_compact_authenticate_response_ok c = r->u.compact_ok;
	struct rsp_authenticate_response_ok *ok = &r->u.ok;
	struct rsp_euicc_signed1 s1 = { 0 };
	struct eim_certs certs = { 0 };
	uint8_t *der, *cp;
	size_t len;
	iot_err err;

	if (r->choice != RSP_AUTH_RESP_COMPACT_OK)
		return IOT_OK;
	memset(ok, 0, sizeof(*ok));
	r->choice = RSP_AUTH_RESP_OK;
	if (c.signed_data.choice == RSP_SIGNED_DATA_EUICC_SIGNED1) {
		ok->euicc_signed1 = c.signed_data.u.euicc_signed1;
	} else {
		/* ctxParams1 left out means the eIM made it: this eIM does not */
		if (!c.signed_data.u.compact_euicc_signed1.has_ctx_params1 || !se->euicc_info2.len)
			return IOT_E_ASN1_MISSING;
		if ((err = rsp_decode(&rsp_t_euicc_info2, se->euicc_info2.ptr, se->euicc_info2.len, &s1.euicc_info2, a)) !=
		    IOT_OK)
			return err;
		s1.transaction_id = *txid;
		s1.server_address = se->server_address;
		s1.server_challenge = se->challenge;
		s1.euicc_info2.ext_card_resource = c.signed_data.u.compact_euicc_signed1.ext_card_resource;
		s1.ctx_params1 = c.signed_data.u.compact_euicc_signed1.ctx_params1;
		if ((err = rsp_encode_alloc(&rsp_t_euicc_signed1, &s1, &der, &len)) != IOT_OK)
			return err;
		cp = rsp_arena_alloc(a, len);
		if (cp)
			memcpy(cp, der, len);
		free(der);
		if (!cp)
			return IOT_E_NOMEM;
		ok->euicc_signed1 = s1;
		ok->euicc_signed1.der = RSP_BYTES(cp, len);
	}
	ok->euicc_signature1 = c.euicc_signature1;
	if (!c.has_euicc_certificate || !c.has_eum_certificate) {
		if ((err = eim_euicc_certs(e, se->eid, &certs)) != IOT_OK)
			return err;
		if (!(cp = rsp_arena_alloc(a, certs.euicc_len + certs.eum_len))) {
			eim_certs_free(&certs);
			return IOT_E_NOMEM;
		}
		memcpy(cp, certs.euicc, certs.euicc_len);
		memcpy(cp + certs.euicc_len, certs.eum, certs.eum_len);
		ok->euicc_certificate = RSP_BYTES(cp, certs.euicc_len);
		ok->eum_certificate = RSP_BYTES(cp + certs.euicc_len, certs.eum_len);
		eim_certs_free(&certs);
	}
	if (c.has_euicc_certificate)
		ok->euicc_certificate = c.euicc_certificate;
	if (c.has_eum_certificate)
		ok->eum_certificate = c.eum_certificate;
	return IOT_OK;
}

iot_err eim_expand_compact_pir(struct eim *e, const struct rsp_compact_profile_installation_result *c,
			       struct rsp_pending_notification *out, char eid[33], struct rsp_arena *a)
{
	const struct rsp_compact_profile_installation_result_data *d = &c->data;
	struct rsp_profile_installation_result *pir = &out->u.pir;
	struct session se;
	uint8_t *aid;
	iot_err err;

	if ((err = session_load(e, &d->transaction_id, &se, a)) != IOT_OK)
		return err;
	if (!se.pb_oid.len || (d->iccid_present && se.iccid.len != 10))
		return IOT_E_NOT_FOUND;
	memset(out, 0, sizeof(*out));
	out->choice = RSP_PENDING_PIR;
	pir->data.transaction_id = d->transaction_id;
	pir->data.notification_metadata.seq_number = d->seq_number;
	pir->data.notification_metadata.profile_management_operation = RSP_NOTIFY_INSTALL;
	pir->data.notification_metadata.notification_address = se.server_address;
	pir->data.notification_metadata.has_iccid = d->iccid_present;
	pir->data.notification_metadata.iccid = se.iccid;
	pir->data.smdp_oid = se.pb_oid;
	if (d->compact_final_result.choice == RSP_COMPACT_FINAL_RESULT_SUCCESS) {
		const struct rsp_compact_success_result *ok = &d->compact_final_result.u.success;

		if (ok->compact_aid.len != 2 || !(aid = rsp_arena_alloc(a, 16)))
			return ok->compact_aid.len != 2 ? IOT_E_ASN1_SIZE : IOT_E_NOMEM;
		/* SGP.32 compactAid: bytes 14 and 15 of the SGP.22 ISD-P AID */
		memcpy(aid, rsp_isdp_aid_head, 13);
		memcpy(aid + 13, ok->compact_aid.ptr, 2);
		aid[15] = 0x00;
		pir->data.final_result.choice = RSP_FINAL_RESULT_SUCCESS;
		pir->data.final_result.u.success.aid = RSP_BYTES(aid, 16);
		/* SGP.32 CompactSuccessResult: simaResponse absent means the plain success */
		pir->data.final_result.u.success.sima_response =
			ok->has_sima_response ? ok->sima_response
					      : RSP_BYTES(rsp_sima_response_ok, sizeof(rsp_sima_response_ok));
	} else {
		pir->data.final_result.choice = RSP_FINAL_RESULT_ERROR;
		pir->data.final_result.u.error = d->compact_final_result.u.error;
	}
	pir->euicc_sign_pir = c->euicc_sign_pir;
	snprintf(eid, 33, "%s", se.eid);
	return IOT_OK;
}

/* SGP.32 CompactPrepareDownloadResponseOk: EUICCSigned2 with the session's transactionId. */
static void expand_pdr(const rsp_bytes *txid, struct rsp_prepare_download_response *r)
{
	struct rsp_compact_prepare_download_response_ok c = r->u.compact_ok;
	struct rsp_prepare_download_response_ok *ok = &r->u.ok;

	if (r->choice != RSP_PREPARE_DL_COMPACT_OK)
		return;
	memset(ok, 0, sizeof(*ok));
	r->choice = RSP_PREPARE_DL_OK;
	ok->euicc_signed2.transaction_id = *txid;
	ok->euicc_signed2.euicc_otpk = c.compact_euicc_signed2.euicc_otpk;
	ok->euicc_signed2.has_hash_cc = c.compact_euicc_signed2.has_hash_cc;
	ok->euicc_signed2.hash_cc = c.compact_euicc_signed2.hash_cc;
	ok->euicc_signature2 = c.euicc_signature2;
}

/* SGP.32 CompactCancelSessionResponseOk: EuiccCancelSessionSigned with the
 * session's transactionId and the SM-DP+'s OID. */
static iot_err expand_csr(const struct session *se, const rsp_bytes *txid, struct rsp_cancel_session_response *r)
{
	struct rsp_compact_cancel_session_response_ok c = r->u.compact_ok;
	struct rsp_cancel_session_response_ok *ok = &r->u.ok;

	if (r->choice != RSP_CANCEL_RESP_COMPACT_OK)
		return IOT_OK;
	if (!c.signed_data.has_reason)
		return IOT_E_ASN1_MISSING;
	if (!se->smdp_oid.len)
		return IOT_E_NOT_FOUND;
	memset(ok, 0, sizeof(*ok));
	r->choice = RSP_CANCEL_RESP_OK;
	ok->signed_data.transaction_id = *txid;
	ok->signed_data.smdp_oid = se->smdp_oid;
	ok->signed_data.reason = c.signed_data.reason;
	ok->euicc_cancel_session_signature = c.euicc_cancel_session_signature;
	return IOT_OK;
}

iot_err eim_relay(struct eim *e, const struct rsp_esipa_message_from_ipa *q, struct rsp_esipa_message_from_eim *m,
		  struct rsp_arena *a, uint8_t **keep)
{
	struct rsp_remote_profile_provisioning_request es9 = { 0 };
	struct rsp_remote_profile_provisioning_response r = { 0 };
	struct session se = { .smdp = "" };
	char smdp[256];
	int64_t op;
	bool minimize = false;
	iot_err err;

	memset(m, 0, sizeof(*m));
	switch (q->choice) {
	case RSP_IPA_TO_EIM_INITIATE_AUTHENTICATION: {
		const struct rsp_initiate_authentication_request_esipa *i = &q->u.initiate_authentication;

		m->choice = RSP_EIM_TO_IPA_INITIATE_AUTHENTICATION;
		/* SGP.32 3.2.2: the trigger's transaction names the operation and its SM-DP+ */
		if (!i->has_eim_transaction_id ||
		    download_op(e, &i->eim_transaction_id, &op, smdp, sizeof(smdp), &minimize) != IOT_OK ||
		    !i->has_euicc_info1) {
			m->u.initiate_authentication.choice = RSP_ESIPA_ERROR;
			m->u.initiate_authentication.u.error = 52;     /* invalidEimTransactionId */
			return IOT_OK;
		}
		if (i->has_smdp_address && (i->smdp_address.len != strlen(smdp) ||
					    memcmp(i->smdp_address.ptr, smdp, strlen(smdp)))) {
			m->u.initiate_authentication.choice = RSP_ESIPA_ERROR;
			m->u.initiate_authentication.u.error = 50;     /* smdpAddressMismatch */
			return IOT_OK;
		}
		es9.choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION;
		es9.u.initiate_authentication.euicc_challenge = i->euicc_challenge;
		es9.u.initiate_authentication.euicc_info1 = i->euicc_info1;
		es9.u.initiate_authentication.smdp_address = RSP_BYTES(smdp, strlen(smdp));
		if ((err = eim_es9(e, smdp, &es9, &r, a, keep)) != IOT_OK)
			break;
		m->u.initiate_authentication.choice = r.u.initiate_authentication.choice;
		if (r.u.initiate_authentication.choice == RSP_ES9_OK) {
			struct rsp_initiate_authentication_ok_esipa *ok = &m->u.initiate_authentication.u.ok;

			ok->transaction_id = r.u.initiate_authentication.u.ok.transaction_id;
			ok->server_signed1 = r.u.initiate_authentication.u.ok.server_signed1;
			ok->server_signature1 = r.u.initiate_authentication.u.ok.server_signature1;
			ok->euicc_ci_pkid_to_be_used = r.u.initiate_authentication.u.ok.euicc_ci_pkid_to_be_used;
			ok->server_certificate = r.u.initiate_authentication.u.ok.server_certificate;
			err = session_add(e, ok, op, smdp);
			/* SGP.32: the IPA has the transactionId in serverSigned1 */
			ok->has_transaction_id = !minimize;
		} else {
			m->u.initiate_authentication.u.error = r.u.initiate_authentication.u.error;
		}
		return err;
	}
	case RSP_IPA_TO_EIM_AUTHENTICATE_CLIENT:
		m->choice = RSP_EIM_TO_IPA_AUTHENTICATE_CLIENT;
		if (session_load(e, &q->u.authenticate_client.transaction_id, &se, a) != IOT_OK) {
			m->u.authenticate_client.choice = RSP_AUTH_CLIENT_ERROR;
			m->u.authenticate_client.u.error = 10;  /* invalidTransactionId */
			return IOT_OK;
		}
		es9.choice = RSP_ES9_REQ_AUTHENTICATE_CLIENT;
		es9.u.authenticate_client.transaction_id = q->u.authenticate_client.transaction_id;
		es9.u.authenticate_client.authenticate_server_response = q->u.authenticate_client.authenticate_server_response;
		/* SGP.32 minimizeEsipaBytes: compact on ESipa, whole on ES9+ */
		if ((err = expand_asr(e, &se, &es9.u.authenticate_client.transaction_id,
				      &es9.u.authenticate_client.authenticate_server_response, a)) != IOT_OK ||
		    (err = eim_es9(e, se.smdp, &es9, &r, a, keep)) != IOT_OK)
			break;
		if (r.u.authenticate_client.choice == RSP_ES9_OK) {
			struct rsp_authenticate_client_ok_dp_esipa *ok = &m->u.authenticate_client.u.ok_dp;

			m->u.authenticate_client.choice = RSP_AUTH_CLIENT_OK_DP;
			ok->has_transaction_id = !se.minimize;
			ok->transaction_id = r.u.authenticate_client.u.ok.transaction_id;
			ok->has_profile_metadata = true;
			ok->profile_metadata = r.u.authenticate_client.u.ok.profile_metadata;
			ok->smdp_signed2 = r.u.authenticate_client.u.ok.smdp_signed2;
			ok->smdp_signature2 = r.u.authenticate_client.u.ok.smdp_signature2;
			ok->smdp_certificate = r.u.authenticate_client.u.ok.smdp_certificate;
			if (ok->profile_metadata.iccid.len == 10 &&
			    (err = session_note_profile(e, &q->u.authenticate_client.transaction_id, &ok->smdp_certificate,
							&ok->profile_metadata.iccid)) != IOT_OK)
				return err;
		} else {
			m->u.authenticate_client.choice = RSP_AUTH_CLIENT_ERROR;
			m->u.authenticate_client.u.error = r.u.authenticate_client.u.error;
		}
		return IOT_OK;
	case RSP_IPA_TO_EIM_GET_BPP:
		m->choice = RSP_EIM_TO_IPA_GET_BPP;
		if (session_load(e, &q->u.get_bpp.transaction_id, &se, a) != IOT_OK) {
			m->u.get_bpp.choice = RSP_ESIPA_ERROR;
			m->u.get_bpp.u.error = 95;              /* invalidTransactionId */
			return IOT_OK;
		}
		es9.choice = RSP_ES9_REQ_GET_BPP;
		es9.u.get_bpp.transaction_id = q->u.get_bpp.transaction_id;
		es9.u.get_bpp.prepare_download_response = q->u.get_bpp.prepare_download_response;
		expand_pdr(&es9.u.get_bpp.transaction_id, &es9.u.get_bpp.prepare_download_response);
		if ((err = eim_es9(e, se.smdp, &es9, &r, a, keep)) != IOT_OK)
			break;
		m->u.get_bpp.choice = r.u.get_bpp.choice;
		if (r.u.get_bpp.choice == RSP_ES9_OK) {
			m->u.get_bpp.u.ok.has_transaction_id = !se.minimize;
			m->u.get_bpp.u.ok.transaction_id = r.u.get_bpp.u.ok.transaction_id;
			m->u.get_bpp.u.ok.bound_profile_package = r.u.get_bpp.u.ok.bound_profile_package;
		} else {
			m->u.get_bpp.u.error = r.u.get_bpp.u.error;
		}
		return IOT_OK;
	default:                /* cancelSession */
		m->choice = RSP_EIM_TO_IPA_CANCEL_SESSION;
		if (session_load(e, &q->u.cancel_session.transaction_id, &se, a) != IOT_OK) {
			m->u.cancel_session.choice = RSP_ESIPA_ERROR;
			m->u.cancel_session.u.error = 1;        /* invalidTransactionId */
			return IOT_OK;
		}
		es9.choice = RSP_ES9_REQ_CANCEL_SESSION;
		es9.u.cancel_session.transaction_id = q->u.cancel_session.transaction_id;
		es9.u.cancel_session.cancel_session_response = q->u.cancel_session.cancel_session_response;
		if ((err = expand_csr(&se, &es9.u.cancel_session.transaction_id,
				      &es9.u.cancel_session.cancel_session_response)) != IOT_OK ||
		    (err = eim_es9(e, se.smdp, &es9, &r, a, keep)) != IOT_OK)
			break;
		m->u.cancel_session.choice = r.u.cancel_session.choice;
		m->u.cancel_session.u.error = r.u.cancel_session.u.error;
		/* the session is over: its reason kept, in case no trigger result follows (eim_download_cancelled) */
		if (r.u.cancel_session.choice == RSP_ES9_OK &&
		    es9.u.cancel_session.cancel_session_response.choice == RSP_CANCEL_RESP_OK)
			err = store_sql(e->db, "UPDATE session SET cancelled = $2 WHERE txid = $1", "bi",
					q->u.cancel_session.transaction_id.ptr, q->u.cancel_session.transaction_id.len,
					es9.u.cancel_session.cancel_session_response.u.ok.signed_data.reason);
		return err;
	}
	/* the SM-DP+ is down or answered nonsense: the IPA gets undefinedError and the session ends */
	log_warn("eim", "relay to the SM-DP+ failed", "address=%s error=\"%s\"",
		 q->choice == RSP_IPA_TO_EIM_INITIATE_AUTHENTICATION ? smdp : se.smdp, iot_strerror(err));
	free(*keep);
	*keep = NULL;
	m->u.initiate_authentication.choice = RSP_ESIPA_ERROR;
	m->u.initiate_authentication.u.error = 127;
	if (q->choice == RSP_IPA_TO_EIM_AUTHENTICATE_CLIENT) {
		m->u.authenticate_client.choice = RSP_AUTH_CLIENT_ERROR;
		m->u.authenticate_client.u.error = 127;
	} else if (q->choice == RSP_IPA_TO_EIM_GET_BPP) {
		m->u.get_bpp.choice = RSP_ESIPA_ERROR;
		m->u.get_bpp.u.error = 127;
	} else if (q->choice == RSP_IPA_TO_EIM_CANCEL_SESSION) {
		m->u.cancel_session.choice = RSP_ESIPA_ERROR;
		m->u.cancel_session.u.error = 127;
	}
	return IOT_OK;
}

/* ---- the BPP leg, streamed ---- */

struct eim_stream {
	struct http_stream *http;       /* NULL: the whole answer is in head */
	uint8_t head[24];               /* the answer's first bytes, as read with the headers */
	size_t head_pos, head_len;
	size_t length, left;            /* the answer's length; what is still to give */
};

/* An answer the eIM makes itself: undefinedError, the session ends (as eim_relay). */
static void stream_refuse(struct eim_stream *s, const char *smdp, const char *why)
{
	static const uint8_t undefined[] = { 0xBF, 0x3A, 0x03, 0x81, 0x01, 0x7F };

	log_warn("eim", "relay to the SM-DP+ failed", "address=%s error=\"%s\"", smdp, why);
	http_stream_close(s->http);
	s->http = NULL;
	memcpy(s->head, undefined, sizeof(undefined));
	s->head_pos = 0;
	s->head_len = s->length = s->left = sizeof(undefined);
}

/* The ES9+ answer's head, 'A2' L 'BF3A' L: the ESipa answer is the 'BF3A'
 * TLV as it stands (SGP.32 GetBoundProfilePackageResponseEsipa has the
 * same tags as ES9+ GetBoundProfilePackageResponse). */
static iot_err stream_head(struct eim_stream *s)
{
	uint32_t tag, inner;
	size_t vlen, hlen, vlen2, hlen2, n;
	iot_err err;

	for (;;) {
		if ((err = http_stream_read(s->http, s->head + s->head_len, sizeof(s->head) - s->head_len, &n)) != IOT_OK)
			return err;
		s->head_len += n;
		if (der_read_header(s->head, s->head_len, &tag, &vlen, &hlen) == IOT_OK &&
		    der_read_header(s->head + hlen, s->head_len - hlen, &inner, &vlen2, &hlen2) == IOT_OK)
			break;
		if (!n || s->head_len == sizeof(s->head))
			return IOT_E_DER_TRUNCATED;
	}
	/* SGP.22 6.6: RemoteProfileProvisioningResponse [2] holding getBoundProfilePackageResponse only */
	if (tag != 0xA2 || inner != 0xBF3A || vlen != hlen2 + vlen2)
		return IOT_E_ASN1_TAG;
	s->head_pos = hlen;
	s->length = s->left = hlen2 + vlen2;
	if (s->head_len - s->head_pos > s->left)
		return IOT_E_DER_OVERRUN;
	return IOT_OK;
}

iot_err eim_esipa_stream(struct eim *e, const uint8_t *req, size_t len, struct eim_stream **out)
{
	struct rsp_remote_profile_provisioning_request es9 = { .choice = RSP_ES9_REQ_GET_BPP };
	struct rsp_esipa_message_from_ipa q;
	struct eim_stream *s;
	struct rsp_arena a;
	struct session se;
	char url[400];
	uint8_t *body = NULL;
	size_t n;
	iot_err err;

	/* only the ASN.1 binding can be passed on as it comes */
	if (e->cfg.es9_json || len < 2 || req[0] != 0xBF || req[1] != 0x3A)
		return IOT_E_NOT_FOUND;
	rsp_arena_dynamic(&a);
	if (rsp_decode(&rsp_t_esipa_message_from_ipa, req, len, &q, &a) != IOT_OK || q.choice != RSP_IPA_TO_EIM_GET_BPP ||
	    session_load(e, &q.u.get_bpp.transaction_id, &se, &a) != IOT_OK) {
		rsp_arena_free(&a);
		return IOT_E_NOT_FOUND;         /* eim_esipa answers it, or refuses it */
	}
	es9.u.get_bpp.transaction_id = q.u.get_bpp.transaction_id;
	es9.u.get_bpp.prepare_download_response = q.u.get_bpp.prepare_download_response;
	expand_pdr(&es9.u.get_bpp.transaction_id, &es9.u.get_bpp.prepare_download_response);
	err = rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &es9, &body, &n);
	rsp_arena_free(&a);
	if (err != IOT_OK)
		return err;
	if (!(s = calloc(1, sizeof(*s)))) {
		free(body);
		return IOT_E_NOMEM;
	}
	snprintf(url, sizeof(url), "https://%s/gsma/rsp2/asn1", se.smdp);
	if ((err = es9_client(e, se.smdp)) != IOT_OK ||
	    (err = http_client_stream_post(e->es9, url, eim_asn1_headers, body, n, &s->http)) != IOT_OK)
		stream_refuse(s, se.smdp, iot_strerror(err));
	else if (http_stream_status(s->http) != 200)
		stream_refuse(s, se.smdp, "HTTP status");
	else if ((err = stream_head(s)) != IOT_OK)
		stream_refuse(s, se.smdp, iot_strerror(err));
	free(body);
	*out = s;
	return IOT_OK;
}

size_t eim_stream_length(const struct eim_stream *s)
{
	return s->length;
}

long eim_stream_read(struct eim_stream *s, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	if (cap > s->left)
		cap = s->left;
	if (s->head_pos < s->head_len) {
		n = s->head_len - s->head_pos < cap ? s->head_len - s->head_pos : cap;
		memcpy(buf, s->head + s->head_pos, n);
		s->head_pos += n;
	} else if (cap && (!s->http || http_stream_read(s->http, buf, cap, &n) != IOT_OK || !n)) {
		/* the SM-DP+ broke off mid-BPP: the device sees a cut answer and cancels */
		log_warn("eim", "the SM-DP+ broke off a BPP", "left=%zu", s->left);
		return -1;
	}
	s->left -= n;
	return (long)n;
}

void eim_stream_free(struct eim_stream *s)
{
	if (!s)
		return;
	http_stream_close(s->http);
	free(s);
}
