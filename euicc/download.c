/* Profile download on the eUICC (SGP.22 3.1.3, 5.7.13-5.7.14, 5.5 via
 * ES10b.LoadBoundProfilePackage): AuthenticateServer, PrepareDownload, the
 * Bound Profile Package as a stream of STORE DATA sequences, the signed
 * ProfileInstallationResult, CancelSession. Nothing of a profile is kept
 * unless the whole package verified and installed. */
#include "euicc/es10.h"
#include "euicc/notify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum bpp_step { BPP_OUTER, BPP_ISCR, BPP_SEQ_HEADER, BPP_SEGMENTS, BPP_DONE };

void euicc_session_end(struct euicc *e)
{
	struct euicc_session *s = &e->dl;

	euicc_blob_free(&s->server_address);
	x509_free(s->dp_auth);
	x509_free(s->dp_pb);
	crypto_key_free(s->otsk);
	der_writer_free(&s->pending);
	der_writer_free(&s->cfg);
	der_writer_free(&s->metadata);
	der_writer_free(&s->rsk);
	der_writer_free(&s->profile);
	bsp_wipe(&s->bsp);
	memset(s, 0, sizeof(*s));
}

/* The trusted CI whose SKI is (or starts with) id. */
static struct crypto_cert *ci_by_id(struct euicc *e, const struct rsp_bytes *id)
{
	size_t i;

	for (i = 0; i < e->s.ci_count; i++)
		if (x509_ski_matches(e->ci[i], id->ptr, id->len))
			return e->ci[i];
	return NULL;
}

/* The CI of a server certificate: the one whose SKI its AKI names. */
static struct crypto_cert *ci_of(struct euicc *e, const struct crypto_cert *cert)
{
	size_t len;
	const uint8_t *aki = x509_aki(cert, &len);
	struct rsp_bytes id = { aki, len };

	return aki ? ci_by_id(e, &id) : NULL;
}

static iot_err sign_parts(struct euicc *e, const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
			  uint8_t sig[CRYPTO_SIG_LEN])
{
	struct crypto_buf parts[2] = { { a, al }, { b, bl } };

	return ecdsa_sign(e->key, parts, b ? 2 : 1, sig);
}

static size_t sig_tlv(const uint8_t *sig, size_t sig_len, uint8_t *out)
{
	out[0] = 0x5F;
	out[1] = 0x37;
	out[2] = (uint8_t)sig_len;
	memcpy(out + 3, sig, sig_len);
	return 3 + sig_len;
}

static iot_err auth_error(const struct rsp_authenticate_server_request *q, int code, struct der_writer *out)
{
	struct rsp_authenticate_server_response r = { 0 };

	r.choice = RSP_AUTH_RESP_ERROR;
	r.u.error.transaction_id = q->server_signed1.transaction_id;
	r.u.error.authenticate_error_code = code;
	return es10_reply(&rsp_t_authenticate_server_response, &r, out);
}

/* ES10b.AuthenticateServer (SGP.22 5.7.13) */
ES10_FN(es10b_authenticate_server)
{
	struct rsp_authenticate_server_request q;
	struct rsp_authenticate_server_response r = { 0 };
	struct rsp_euicc_signed1 *s1 = &r.u.ok.euicc_signed1;
	struct crypto_cert *ci, *dp_auth = NULL;
	struct crypto_buf part;
	struct der_writer signed1;
	uint8_t sig[CRYPTO_SIG_LEN];
	iot_err err = es10_decode(&rsp_t_authenticate_server_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	/* a new authentication ends any session before it */
	euicc_session_end(e);
	/* SGP.22 5.7.13: the CI named must be one this eUICC signs with */
	if (!(ci = ci_by_id(e, &q.euicc_ci_pkid_to_be_used)) || ci != ci_of(e, e->eum))
		return auth_error(&q, RSP_AUTH_ERR_CI_PK_UNKNOWN, out);
	/* SGP.22 5.7.13: CERT.XXauth verified with that CI */
	if ((err = x509_parse(q.server_certificate.ptr, q.server_certificate.len, &dp_auth)) != IOT_OK)
		return auth_error(&q, RSP_AUTH_ERR_INVALID_CERTIFICATE, out);
	if (crypto_key_curve(x509_key(dp_auth)) != crypto_key_curve(x509_key(ci))) {
		x509_free(dp_auth);
		return auth_error(&q, RSP_AUTH_ERR_UNSUPPORTED_CURVE, out);
	}
	if ((err = x509_verify_chain(ci, dp_auth, X509_ROLE_DP_AUTH, time(NULL))) != IOT_OK &&
	    (err = x509_verify_chain(ci, dp_auth, X509_ROLE_DS_AUTH, time(NULL))) != IOT_OK) {
		x509_free(dp_auth);
		return auth_error(&q, x509_authenticate_server_error(err), out);
	}
	/* SGP.22 5.7.13: serverSignature1 over serverSigned1 as received */
	part = (struct crypto_buf){ q.server_signed1.der.ptr, q.server_signed1.der.len };
	if (ecdsa_verify(x509_key(dp_auth), &part, 1, q.server_signature1.ptr, q.server_signature1.len) != IOT_OK) {
		x509_free(dp_auth);
		return auth_error(&q, RSP_AUTH_ERR_INVALID_SIGNATURE, out);
	}
	/* SGP.22 5.7.13: the challenge must be the one this eUICC gave */
	if (!e->has_challenge) {
		x509_free(dp_auth);
		return auth_error(&q, RSP_AUTH_ERR_NO_SESSION_CONTEXT, out);
	}
	if (q.server_signed1.euicc_challenge.len != 16 ||
	    memcmp(q.server_signed1.euicc_challenge.ptr, e->challenge, 16) != 0) {
		x509_free(dp_auth);
		return auth_error(&q, RSP_AUTH_ERR_EUICC_CHALLENGE_MISMATCH, out);
	}
	e->has_challenge = false;       /* one challenge, one session */

	s1->transaction_id = q.server_signed1.transaction_id;
	s1->server_address = q.server_signed1.server_address;
	s1->server_challenge = q.server_signed1.server_challenge;
	es10_euicc_info2(e, a, &s1->euicc_info2);
	s1->ctx_params1 = q.ctx_params1;
	der_writer_dynamic(&signed1);
	if ((err = rsp_encode(&rsp_t_euicc_signed1, s1, &signed1)) == IOT_OK)
		err = sign_parts(e, signed1.buf, signed1.len, NULL, 0, sig);
	if (err == IOT_OK) {
		r.choice = RSP_AUTH_RESP_OK;
		s1->der = RSP_BYTES(signed1.buf, signed1.len);
		r.u.ok.euicc_signature1 = RSP_BYTES(sig, sizeof(sig));
		r.u.ok.euicc_certificate = RSP_BYTES(e->s.cert.ptr, e->s.cert.len);
		r.u.ok.eum_certificate = RSP_BYTES(e->s.eum_cert.ptr, e->s.eum_cert.len);
		err = es10_reply(&rsp_t_authenticate_server_response, &r, out);
	}
	der_writer_free(&signed1);
	if (err != IOT_OK) {
		x509_free(dp_auth);
		return err;
	}
	e->dl.phase = EUICC_AUTHENTICATED;
	e->dl.dp_auth = dp_auth;
	memcpy(e->dl.txid, q.server_signed1.transaction_id.ptr, q.server_signed1.transaction_id.len);
	e->dl.txid_len = q.server_signed1.transaction_id.len;
	memcpy(e->dl.euicc_sig1, sig, sizeof(sig));
	return euicc_blob_set(&e->dl.server_address, q.server_signed1.server_address.ptr,
			      q.server_signed1.server_address.len);
}

static bool same_txid(const struct euicc *e, const struct rsp_bytes *txid)
{
	return txid->len == e->dl.txid_len && !memcmp(txid->ptr, e->dl.txid, txid->len);
}

static iot_err prepare_error(const struct rsp_prepare_download_request *q, int code, struct der_writer *out)
{
	struct rsp_prepare_download_response r = { 0 };

	r.choice = RSP_PREPARE_DL_ERROR;
	r.u.error.transaction_id = q->smdp_signed2.transaction_id;
	r.u.error.download_error_code = code;
	return es10_reply(&rsp_t_prepare_download_response, &r, out);
}

/* ES10b.PrepareDownload (SGP.22 5.7.14) */
ES10_FN(es10b_prepare_download)
{
	struct rsp_prepare_download_request q;
	struct rsp_prepare_download_response r = { 0 };
	struct rsp_euicc_signed2 *s2 = &r.u.ok.euicc_signed2;
	struct crypto_cert *dp_pb = NULL, *ci;
	struct crypto_key *otsk = NULL;
	struct crypto_buf parts[2];
	struct der_writer signed2;
	uint8_t tlv1[3 + CRYPTO_SIG_LEN], tlv2[3 + CRYPTO_SIG_LEN], sig[CRYPTO_SIG_LEN], point[CRYPTO_POINT_LEN];
	size_t n1, n2;
	iot_err err = es10_decode(&rsp_t_prepare_download_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	/* SGP.22 5.7.14: after a successful AuthenticateServer only */
	if (e->dl.phase != EUICC_AUTHENTICATED && e->dl.phase != EUICC_PREPARED)
		return prepare_error(&q, RSP_DL_ERR_NO_SESSION_CONTEXT, out);
	/* SGP.22 5.7.14: CERT.DPpb from the same CI as CERT.DPauth */
	ci = ci_of(e, e->dl.dp_auth);
	if (x509_parse(q.smdp_certificate.ptr, q.smdp_certificate.len, &dp_pb) != IOT_OK || !ci ||
	    x509_verify_chain(ci, dp_pb, X509_ROLE_DP_PB, time(NULL)) != IOT_OK) {
		x509_free(dp_pb);
		return prepare_error(&q, RSP_DL_ERR_INVALID_CERTIFICATE, out);
	}
	/* SGP.22 5.7.14: smdpSignature2 over smdpSigned2 and the euiccSignature1 TLV */
	n1 = sig_tlv(e->dl.euicc_sig1, CRYPTO_SIG_LEN, tlv1);
	parts[0] = (struct crypto_buf){ q.smdp_signed2.der.ptr, q.smdp_signed2.der.len };
	parts[1] = (struct crypto_buf){ tlv1, n1 };
	if (ecdsa_verify(x509_key(dp_pb), parts, 2, q.smdp_signature2.ptr, q.smdp_signature2.len) != IOT_OK) {
		x509_free(dp_pb);
		return prepare_error(&q, RSP_DL_ERR_INVALID_SIGNATURE, out);
	}
	if (!same_txid(e, &q.smdp_signed2.transaction_id)) {
		x509_free(dp_pb);
		return prepare_error(&q, RSP_DL_ERR_INVALID_TRANSACTION_ID, out);
	}
	/* SGP.22 5.7.14: a retry naming the otPK already used keeps that key */
	if (q.smdp_signed2.has_bpp_euicc_otpk && e->dl.otsk &&
	    q.smdp_signed2.bpp_euicc_otpk.len == CRYPTO_POINT_LEN &&
	    !memcmp(q.smdp_signed2.bpp_euicc_otpk.ptr, e->dl.otpk, CRYPTO_POINT_LEN)) {
		otsk = e->dl.otsk;
		e->dl.otsk = NULL;
	} else if ((err = crypto_key_generate(crypto_key_curve(x509_key(dp_pb)), &otsk)) != IOT_OK) {
		x509_free(dp_pb);
		return err;
	}
	crypto_key_point(otsk, point);
	s2->transaction_id = q.smdp_signed2.transaction_id;
	s2->euicc_otpk = RSP_BYTES(point, sizeof(point));
	s2->has_hash_cc = q.has_hash_cc;
	s2->hash_cc = q.hash_cc;
	der_writer_dynamic(&signed2);
	/* SGP.22 5.7.14: euiccSignature2 over euiccSigned2 and the smdpSignature2 TLV */
	n2 = sig_tlv(q.smdp_signature2.ptr, q.smdp_signature2.len, tlv2);
	if ((err = rsp_encode(&rsp_t_euicc_signed2, s2, &signed2)) == IOT_OK)
		err = sign_parts(e, signed2.buf, signed2.len, tlv2, n2, sig);
	if (err == IOT_OK) {
		r.choice = RSP_PREPARE_DL_OK;
		s2->der = RSP_BYTES(signed2.buf, signed2.len);
		r.u.ok.euicc_signature2 = RSP_BYTES(sig, sizeof(sig));
		err = es10_reply(&rsp_t_prepare_download_response, &r, out);
	}
	der_writer_free(&signed2);
	if (err != IOT_OK) {
		crypto_key_free(otsk);
		x509_free(dp_pb);
		return err;
	}
	crypto_key_free(e->dl.otsk);
	x509_free(e->dl.dp_pb);
	e->dl.otsk = otsk;
	memcpy(e->dl.otpk, point, sizeof(point));
	e->dl.dp_pb = dp_pb;
	e->dl.phase = EUICC_PREPARED;
	return IOT_OK;
}

/* ---- ProfileInstallationResult ---- */

/* SGP.22 5.7.x: the signed result, kept as a pending notification and
 * returned; the session ends with it. */
/* The signed PIR into out, kept as a pending notification; the caller
 * commits. */
static iot_err make_pir(struct euicc *e, const struct rsp_bytes *txid, const struct rsp_bytes *address,
			const struct rsp_bytes *oid, const uint8_t *iccid, const uint8_t *aid, int command, int reason,
			struct der_writer *out)
{
	struct rsp_profile_installation_result p = { 0 };
	struct rsp_profile_installation_result_data *d = &p.data;
	struct der_writer data;
	uint8_t sig[CRYPTO_SIG_LEN];
	size_t start = out->len;
	iot_err err;

	d->transaction_id = *txid;
	d->notification_metadata.seq_number = e->s.next_seq++;
	d->notification_metadata.profile_management_operation = RSP_NOTIFY_INSTALL;
	d->notification_metadata.notification_address = *address;
	d->notification_metadata.has_iccid = iccid != NULL;
	d->notification_metadata.iccid = RSP_BYTES(iccid, 10);
	d->smdp_oid = *oid;
	if (aid) {
		d->final_result.choice = RSP_FINAL_RESULT_SUCCESS;
		d->final_result.u.success.aid = RSP_BYTES(aid, 16);
		/* EUICCResponse: every profile element processed ok */
		d->final_result.u.success.sima_response = RSP_BYTES(rsp_sima_response_ok, sizeof(rsp_sima_response_ok));
	} else {
		d->final_result.choice = RSP_FINAL_RESULT_ERROR;
		d->final_result.u.error.bpp_command_id = command;
		d->final_result.u.error.error_reason = reason;
	}
	der_writer_dynamic(&data);
	/* SGP.22 5.7.x: euiccSignPIR over profileInstallationResultData */
	if ((err = rsp_encode(&rsp_t_profile_installation_result_data, d, &data)) == IOT_OK &&
	    (err = sign_parts(e, data.buf, data.len, NULL, 0, sig)) == IOT_OK) {
		d->der = RSP_BYTES(data.buf, data.len);
		p.euicc_sign_pir = RSP_BYTES(sig, sizeof(sig));
		err = rsp_encode(&rsp_t_profile_installation_result, &p, out);
	}
	if (err == IOT_OK)
		err = euicc_notification_add(e, EUICC_NOTIFY_PIR, RSP_NOTIFY_INSTALL,
					     d->notification_metadata.seq_number, out->buf + start, out->len - start);
	der_writer_free(&data);
	return err;
}

static void clear_loading(struct euicc *e)
{
	e->s.loading = false;
	euicc_blob_free(&e->s.loading_txid);
	euicc_blob_free(&e->s.loading_address);
	euicc_blob_free(&e->s.loading_oid);
}

/* SGP.22 5.7.x: the signed result of this session, kept as a pending
 * notification and returned; the session ends with it. */
static iot_err finish(struct euicc *e, const uint8_t *aid, int command, int reason, struct der_writer *out)
{
	struct der_writer whole, snap;
	uint8_t oid[64];
	size_t oid_len = 0;
	struct rsp_bytes txid = { e->dl.txid, e->dl.txid_len };
	struct rsp_bytes address = { e->dl.server_address.ptr, e->dl.server_address.len };
	struct rsp_bytes smdp_oid;
	iot_err err;

	/* smdpOid: as in CERT.DPpb (CERT.DPauth before PrepareDownload) */
	(void)x509_subject_rid(e->dl.dp_pb ? e->dl.dp_pb : e->dl.dp_auth, oid, sizeof(oid), &oid_len);
	if (!oid_len)
		oid[oid_len++] = 0;     /* '06 01 00': no OID in the certificate */
	smdp_oid = RSP_BYTES(oid, oid_len);
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	der_writer_dynamic(&whole);
	err = make_pir(e, &txid, &address, &smdp_oid, e->dl.has_iccid ? e->dl.iccid : NULL, aid, command, reason,
		       &whole);
	clear_loading(e);
	err = euicc_commit(e, &snap, err);
	if (err == IOT_OK)
		der_put_raw(out, whole.buf, whole.len);
	der_writer_free(&whole);
	euicc_session_end(e);
	return err == IOT_OK ? der_writer_err(out) : err;
}

/* After a power loss in the middle of a BPP: the result the SM-DP+ is owed
 * (SGP.22 ErrorReason installFailedDueToInterruption). */
iot_err euicc_report_interruption(struct euicc *e)
{
	struct der_writer pir, snap;
	struct rsp_bytes txid, address, oid;
	iot_err err;

	if (!e->s.loading)
		return IOT_OK;
	txid = RSP_BYTES(e->s.loading_txid.ptr, e->s.loading_txid.len);
	address = RSP_BYTES(e->s.loading_address.ptr, e->s.loading_address.len);
	oid = RSP_BYTES(e->s.loading_oid.ptr, e->s.loading_oid.len);
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	der_writer_dynamic(&pir);
	err = make_pir(e, &txid, &address, &oid, NULL, NULL, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS,
		       RSP_PIR_INTERRUPTION, &pir);
	clear_loading(e);
	der_writer_free(&pir);
	return euicc_commit(e, &snap, err);
}

static iot_err fail(struct euicc *e, int command, int reason, struct der_writer *out)
{
	return finish(e, NULL, command, reason, out);
}

/* ---- the Bound Profile Package ---- */

/* ES8+.InitialiseSecureChannel (SGP.22 5.5.1) */
static iot_err initialise_secure_channel(struct euicc *e, const uint8_t *tlv, size_t len, int *reason)
{
	struct rsp_initialise_secure_channel_request q;
	const struct rsp_control_ref_template *crt = &q.control_ref_template;
	struct rsp_arena a;
	struct der_writer signed_data;
	struct crypto_key *smdp_pub = NULL;
	struct crypto_buf part;
	struct bsp_keys keys;
	uint8_t z[32];
	size_t mark;
	iot_err err;

	rsp_arena_dynamic(&a);
	*reason = RSP_PIR_INCORRECT_INPUT_VALUES;
	err = rsp_decode(&rsp_t_initialise_secure_channel_request, tlv, len, &q, &a);
	if (err != IOT_OK)
		goto out;
	/* SGP.22 5.5.1: installBoundProfilePackage only */
	if (q.remote_op_id != 1) {
		*reason = RSP_PIR_UNSUPPORTED_REMOTE_OPERATION_TYPE;
		err = IOT_E_ARG;
		goto out;
	}
	if (!same_txid(e, &q.transaction_id)) {
		*reason = RSP_PIR_INVALID_TRANSACTION_ID;
		err = IOT_E_ARG;
		goto out;
	}
	/* SGP.22 5.5.1: key type AES ('88'), 16 bytes */
	if (crt->key_type.ptr[0] != 0x88 || crt->key_len.ptr[0] != 0x10) {
		*reason = RSP_PIR_UNSUPPORTED_CRT_VALUES;
		err = IOT_E_ARG;
		goto out;
	}
	/* SGP.22 5.5.1: smdpSign over the DOs before it, then the eUICC's otPK */
	der_writer_dynamic(&signed_data);
	der_put_int64(&signed_data, 0x82, q.remote_op_id);
	der_put_tlv(&signed_data, 0x80, q.transaction_id.ptr, q.transaction_id.len);
	mark = der_begin(&signed_data, 0xA6);
	der_put_tlv(&signed_data, 0x80, crt->key_type.ptr, 1);
	der_put_tlv(&signed_data, 0x81, crt->key_len.ptr, 1);
	der_put_tlv(&signed_data, 0x84, crt->host_id.ptr, crt->host_id.len);
	der_end(&signed_data, mark);
	der_put_tlv(&signed_data, 0x5F49, q.smdp_otpk.ptr, q.smdp_otpk.len);
	der_put_tlv(&signed_data, 0x5F49, e->dl.otpk, CRYPTO_POINT_LEN);
	part = (struct crypto_buf){ signed_data.buf, signed_data.len };
	err = ecdsa_verify(x509_key(e->dl.dp_pb), &part, 1, q.smdp_sign.ptr, q.smdp_sign.len);
	der_writer_free(&signed_data);
	if (err != IOT_OK) {
		*reason = RSP_PIR_INVALID_SIGNATURE;
		goto out;
	}
	/* session keys: ECKA(otSK.EUICC, otPK.DP), then the KDF (SGP.22 2.6.4.2) */
	if ((err = crypto_key_from_point(crypto_key_curve(e->dl.otsk), q.smdp_otpk.ptr, q.smdp_otpk.len,
					 &smdp_pub)) != IOT_OK ||
	    (err = ecka_shared_secret(e->dl.otsk, smdp_pub, z)) != IOT_OK ||
	    (err = bsp_derive_keys(z, 32, 0x88, 16, crt->host_id.ptr, crt->host_id.len, e->s.eid, 16, &keys)) != IOT_OK)
		goto out;
	bsp_init(&e->dl.bsp, &keys);
out:
	crypto_key_free(smdp_pub);
	rsp_arena_free(&a);
	return err;
}

/* The end of one sequenceOfXX: what its segments carried, applied. */
static iot_err end_sequence(struct euicc *e, int *command, int *reason)
{
	struct rsp_arena a;
	iot_err err = IOT_OK;

	rsp_arena_dynamic(&a);
	*reason = RSP_PIR_INCORRECT_INPUT_VALUES;
	switch (e->dl.seq_tag) {
	case 0xA0: {            /* ConfigureISDP */
		struct rsp_configure_isdp_request c;

		*command = RSP_BPP_CMD_CONFIGURE_ISDP;
		err = rsp_decode(&rsp_t_configure_isdp_request, e->dl.cfg.buf, e->dl.cfg.len, &c, &a);
		break;
	}
	case 0xA1: {            /* StoreMetadata */
		struct rsp_store_metadata_request m;

		*command = RSP_BPP_CMD_STORE_METADATA;
		err = rsp_decode(&rsp_t_store_metadata_request, e->dl.metadata.buf, e->dl.metadata.len, &m, &a);
		if (err != IOT_OK)
			break;
		memcpy(e->dl.iccid, m.iccid.ptr, 10);
		e->dl.has_iccid = true;
		/* SGP.22 5.5.3: the ICCID must not be on the eUICC already */
		if (euicc_find_iccid(e, m.iccid.ptr)) {
			*reason = RSP_PIR_ICCID_ALREADY_EXISTS;
			err = IOT_E_ARG;
		/* SGP.22 2.9: PPRs need the RAT's authorisation; this RAT has none */
		} else if (m.has_profile_policy_rules && (m.profile_policy_rules & (RSP_PPR1 | RSP_PPR2))) {
			*reason = RSP_PIR_PPR_NOT_ALLOWED;
			err = IOT_E_ARG;
		} else if (e->s.profile_count >= EUICC_MAX_PROFILES) {
			*reason = RSP_PIR_INSUFFICIENT_MEMORY;
			err = IOT_E_NOMEM;
		}
		break;
	}
	case 0xA2: {            /* ReplaceSessionKeys: the PPK from here on */
		struct rsp_replace_session_keys_request k;
		struct bsp_keys keys;

		*command = RSP_BPP_CMD_REPLACE_SESSION_KEYS;
		err = rsp_decode(&rsp_t_replace_session_keys_request, e->dl.rsk.buf, e->dl.rsk.len, &k, &a);
		if (err == IOT_OK && (k.ppk_enc.len != 16 || k.ppk_cmac.len != 16 || k.initial_mac_chaining_value.len != 16))
			err = IOT_E_ASN1_SIZE;
		if (err == IOT_OK) {
			memcpy(keys.s_enc, k.ppk_enc.ptr, 16);
			memcpy(keys.s_mac, k.ppk_cmac.ptr, 16);
			memcpy(keys.mac_chaining, k.initial_mac_chaining_value.ptr, 16);
			bsp_init(&e->dl.bsp, &keys);
		}
		break;
	}
	default:                /* profile elements: installed at the end */
		break;
	}
	rsp_arena_free(&a);
	return err;
}

static iot_err install(struct euicc *e, struct der_writer *out)
{
	struct euicc_profile *p;
	struct der_writer snap;
	uint8_t aid[16];
	iot_err err;

	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	err = euicc_profile_add(e, e->dl.metadata.buf, e->dl.metadata.len, e->dl.profile.buf, e->dl.profile.len, &p);
	clear_loading(e);
	if (err == IOT_OK) {
		memcpy(aid, p->aid, 16);
		/* for ImmediateEnable in this power cycle */
		memcpy(e->installed_iccid, p->iccid, 10);
		e->has_installed = true;
	}
	if ((err = euicc_commit(e, &snap, err)) != IOT_OK)
		return fail(e, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS,
			    err == IOT_E_NOMEM ? RSP_PIR_INSUFFICIENT_MEMORY : RSP_PIR_UNKNOWN_ERROR, out);
	return finish(e, aid, 0, 0, out);
}

/* From the secure channel on, a power loss must be reported (saved now). */
static iot_err mark_loading(struct euicc *e)
{
	struct der_writer snap;
	uint8_t oid[64];
	size_t oid_len = 0;
	iot_err err;

	(void)x509_subject_rid(e->dl.dp_pb, oid, sizeof(oid), &oid_len);
	if (!oid_len)
		oid[oid_len++] = 0;
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	e->s.loading = true;
	if ((err = euicc_blob_set(&e->s.loading_txid, e->dl.txid, e->dl.txid_len)) == IOT_OK &&
	    (err = euicc_blob_set(&e->s.loading_address, e->dl.server_address.ptr, e->dl.server_address.len)) == IOT_OK)
		err = euicc_blob_set(&e->s.loading_oid, oid, oid_len);
	return euicc_commit(e, &snap, err);
}

/* Feeds bytes of the BPP; whole TLVs are processed as they complete. */
static iot_err bpp_feed(struct euicc *e, const uint8_t *data, size_t len, struct der_writer *out)
{
	struct euicc_session *s = &e->dl;
	iot_err err;
	int command = RSP_BPP_CMD_INITIALISE_SECURE_CHANNEL, reason = RSP_PIR_INCORRECT_INPUT_VALUES;

	der_put_raw(&s->pending, data, len);
	if (der_writer_err(&s->pending) != IOT_OK)
		return fail(e, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS, RSP_PIR_INSUFFICIENT_MEMORY, out);
	for (;;) {
		uint32_t tag;
		size_t vlen, hlen, used;

		if (s->bpp_step == BPP_DONE)
			break;
		err = der_read_header(s->pending.buf, s->pending.len, &tag, &vlen, &hlen);
		if (err == IOT_E_DER_TRUNCATED)
			return IOT_OK;          /* wait for more */
		if (err != IOT_OK)
			return fail(e, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS, RSP_PIR_SCP03T_STRUCTURE_ERROR, out);
		switch (s->bpp_step) {
		case BPP_OUTER:
			if (tag != 0xBF36)
				return fail(e, RSP_BPP_CMD_INITIALISE_SECURE_CHANNEL, RSP_PIR_INCORRECT_INPUT_VALUES, out);
			s->bpp_left = vlen;
			used = hlen;
			s->bpp_step = BPP_ISCR;
			break;
		case BPP_ISCR:
			if (tag != 0xBF23 || hlen + vlen > s->bpp_left)
				return fail(e, RSP_BPP_CMD_INITIALISE_SECURE_CHANNEL, RSP_PIR_INCORRECT_INPUT_VALUES, out);
			if (s->pending.len < hlen + vlen)
				return IOT_OK;
			if (initialise_secure_channel(e, s->pending.buf, hlen + vlen, &reason) != IOT_OK)
				return fail(e, RSP_BPP_CMD_INITIALISE_SECURE_CHANNEL, reason, out);
			if ((err = mark_loading(e)) != IOT_OK)
				return err;
			used = hlen + vlen;
			s->bpp_left -= used;
			s->seq_tag = 0;
			s->bpp_step = BPP_SEQ_HEADER;
			break;
		case BPP_SEQ_HEADER: {
			/* SGP.22 2.5.4: A0, A1, then A2 (optional) and A3, in this order */
			bool ok = (s->seq_tag == 0 && tag == 0xA0) || (s->seq_tag == 0xA0 && tag == 0xA1) ||
				  (s->seq_tag == 0xA1 && (tag == 0xA2 || tag == 0xA3)) ||
				  (s->seq_tag == 0xA2 && tag == 0xA3);

			if (!ok || hlen + vlen > s->bpp_left)
				return fail(e, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS, RSP_PIR_SCP03T_STRUCTURE_ERROR, out);
			s->seq_tag = tag;
			s->seq_left = vlen;
			s->bpp_left -= hlen;
			used = hlen;
			s->bpp_step = BPP_SEGMENTS;
			break;
		}
		case BPP_SEGMENTS: {
			static const uint8_t want[] = { 0x87, 0x88, 0x87, 0x86 };
			static const int commands[] = { RSP_BPP_CMD_CONFIGURE_ISDP, RSP_BPP_CMD_STORE_METADATA,
							RSP_BPP_CMD_REPLACE_SESSION_KEYS, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS };
			unsigned i = s->seq_tag - 0xA0;
			struct der_writer *dest[] = { &s->cfg, &s->metadata, &s->rsk, &s->profile };

			command = commands[i];
			if (tag != want[i] || hlen + vlen > s->seq_left)
				return fail(e, command, RSP_PIR_SCP03T_STRUCTURE_ERROR, out);
			if (s->pending.len < hlen + vlen)
				return IOT_OK;
			/* SGP.22 5.5.x: every segment's MAC checked; '88' is MAC only */
			err = bsp_unprotect(&s->bsp, s->pending.buf, hlen + vlen, tag != 0x88, dest[i]);
			if (err != IOT_OK)
				return fail(e, command, err == IOT_E_CRYPTO_MAC || err == IOT_E_CRYPTO_PADDING ?
						   RSP_PIR_SCP03T_SECURITY_ERROR : RSP_PIR_SCP03T_STRUCTURE_ERROR, out);
			if (tag == 0x86 && s->profile.len > EUICC_NVM_BYTES)
				return fail(e, command, RSP_PIR_INSUFFICIENT_MEMORY, out);
			used = hlen + vlen;
			s->seq_left -= used;
			s->bpp_left -= used;
			break;
		}
		default:
			return fail(e, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS, RSP_PIR_UNKNOWN_ERROR, out);
		}
		memmove(s->pending.buf, s->pending.buf + used, s->pending.len - used);
		s->pending.len -= used;
		if (s->bpp_step == BPP_SEGMENTS && s->seq_left == 0) {
			if (end_sequence(e, &command, &reason) != IOT_OK)
				return fail(e, command, reason, out);
			if (s->seq_tag == 0xA3) {
				if (s->bpp_left != 0 || s->pending.len)
					return fail(e, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS, RSP_PIR_SCP03T_STRUCTURE_ERROR, out);
				return install(e, out);
			}
			s->bpp_step = BPP_SEQ_HEADER;
		}
	}
	return IOT_OK;
}

/* One STORE DATA sequence of ES10b.LoadBoundProfilePackage (SGP.22 5.7.6) */
iot_err euicc_load_bpp(struct euicc *e, const uint8_t *data, size_t len, struct der_writer *out)
{
	if (e->dl.phase == EUICC_PREPARED) {
		e->dl.phase = EUICC_LOADING;
		e->dl.bpp_step = BPP_OUTER;
		der_writer_dynamic(&e->dl.pending);
		der_writer_dynamic(&e->dl.cfg);
		der_writer_dynamic(&e->dl.metadata);
		der_writer_dynamic(&e->dl.rsk);
		der_writer_dynamic(&e->dl.profile);
	}
	if (e->dl.phase != EUICC_LOADING)
		return IOT_E_ASN1_CHOICE;       /* no session: not a request the ISD-R takes */
	return bpp_feed(e, data, len, out);
}

bool euicc_loading(const struct euicc *e)
{
	return e->dl.phase == EUICC_LOADING;
}

/* ES10b.CancelSession (SGP.22 5.7.14b) */
ES10_FN(es10b_cancel_session)
{
	struct rsp_cancel_session_request q;
	struct rsp_cancel_session_response r = { 0 };
	struct der_writer signed_data;
	uint8_t oid[64], sig[CRYPTO_SIG_LEN];
	size_t oid_len = 0;
	iot_err err = es10_decode(&rsp_t_cancel_session_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (e->dl.phase == EUICC_IDLE || !same_txid(e, &q.transaction_id)) {
		r.choice = RSP_CANCEL_RESP_ERROR;
		r.u.error = 5;  /* invalidTransactionId */
		return es10_reply(&rsp_t_cancel_session_response, &r, out);
	}
	(void)x509_subject_rid(e->dl.dp_auth, oid, sizeof(oid), &oid_len);
	r.choice = RSP_CANCEL_RESP_OK;
	r.u.ok.signed_data.transaction_id = q.transaction_id;
	r.u.ok.signed_data.smdp_oid = RSP_BYTES(oid, oid_len ? oid_len : 1);
	if (!oid_len)
		oid[0] = 0;
	r.u.ok.signed_data.reason = q.reason;
	der_writer_dynamic(&signed_data);
	if ((err = rsp_encode(&rsp_t_euicc_cancel_session_signed, &r.u.ok.signed_data, &signed_data)) == IOT_OK &&
	    (err = sign_parts(e, signed_data.buf, signed_data.len, NULL, 0, sig)) == IOT_OK) {
		r.u.ok.signed_data.der = RSP_BYTES(signed_data.buf, signed_data.len);
		r.u.ok.euicc_cancel_session_signature = RSP_BYTES(sig, sizeof(sig));
		err = es10_reply(&rsp_t_cancel_session_response, &r, out);
	}
	der_writer_free(&signed_data);
	euicc_session_end(e);
	return err;
}
