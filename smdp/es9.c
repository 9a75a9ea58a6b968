/* ES9+ (SGP.22 5.6) in the ASN.1 binding: InitiateAuthentication,
 * AuthenticateClient, GetBoundProfilePackage, HandleNotification,
 * CancelSession. Sessions live in the store, keyed by transactionId. */
#include "smdp/es9_session.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/hex.h"
#include "base/log.h"

#define SIG_TLV_LEN (3 + CRYPTO_SIG_LEN)        /* '5F37' '40' r||s */

static void sig_tlv(const uint8_t sig[CRYPTO_SIG_LEN], uint8_t out[SIG_TLV_LEN])
{
	out[0] = 0x5F;
	out[1] = 0x37;
	out[2] = CRYPTO_SIG_LEN;
	memcpy(out + 3, sig, CRYPTO_SIG_LEN);
}

/* ---- InitiateAuthentication (SGP.22 5.6.1) ---- */

static bool pkid_listed(const struct crypto_cert *ci, const rsp_bytes_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (x509_ski_matches(ci, l->items[i].ptr, l->items[i].len))
			return true;
	return false;
}

/* What the response points into. */
struct initiate_out {
	uint8_t signed1[256], sig[CRYPTO_SIG_LEN], txid[16], challenge[16];
};

static iot_err initiate_authentication(struct smdp *s, const struct rsp_initiate_authentication_request *q,
				       struct rsp_remote_profile_provisioning_response *r, struct initiate_out *o,
				       struct smdp_status *st)
{
	struct rsp_initiate_authentication_ok_es9 *ok = &r->u.initiate_authentication.u.ok;
	uint8_t *sig = o->sig, *txid = o->txid, *challenge = o->challenge;
	const struct smdp_cred *c = NULL;
	struct der_writer w;
	struct crypto_buf part;
	size_t i, len;
	iot_err err;

	/* SGP.22 5.6.1: the address must be this SM-DP+'s, compared case-insensitively */
	if (q->smdp_address.len != strlen(s->address) ||
	    strncasecmp((const char *)q->smdp_address.ptr, s->address, q->smdp_address.len))
		return es9_refuse(st, 1, "8.8.1", "3.8", "Invalid SM-DP+ Address");
	/* SGP.22 5.6.1: the eUICC's specification version must be one we serve (v2.x) */
	if (q->euicc_info1.svn.len != 3 || q->euicc_info1.svn.ptr[0] != 2)
		return es9_refuse(st, 2, "8.8.3", "3.1", "The Specification Version Number indicated by the eUICC is not supported");
	/* SGP.22 5.6.1: a CI the eUICC signs with and verifies with, and we hold a certificate of */
	for (i = 0; i < s->cred_count && !c; i++)
		if (pkid_listed(s->creds[i].ci, &q->euicc_info1.euicc_ci_pkid_list_for_signing) &&
		    pkid_listed(s->creds[i].ci, &q->euicc_info1.euicc_ci_pkid_list_for_verification))
			c = &s->creds[i];
	if (!c) {
		bool can_verify = false;

		/* SGP.22 5.6.1: the SM-DP+ could verify this eUICC (a CI of euiccCiPKIdListForVerification
		 * is ours) but holds no certificate under a CI the eUICC verifies: 8.8.4/3.7, not 8.8.2/3.1 */
		for (i = 0; i < s->cred_count; i++)
			can_verify |= pkid_listed(s->creds[i].ci, &q->euicc_info1.euicc_ci_pkid_list_for_verification);
		if (can_verify)
			return es9_refuse(st, 3, "8.8.4", "3.7", "No certificate of this SM-DP+ is signed by a CI the eUICC can verify");
		return es9_refuse(st, 3, "8.8.2", "3.1", "None of the proposed Public Key Identifiers is supported");
	}

	if ((err = crypto_random(txid, sizeof(o->txid))) != IOT_OK ||
	    (err = crypto_random(challenge, sizeof(o->challenge))) != IOT_OK)
		return err;
	r->choice = RSP_ES9_RESP_INITIATE_AUTHENTICATION;
	r->u.initiate_authentication.choice = 1;
	ok->transaction_id = RSP_BYTES(txid, sizeof(o->txid));
	ok->server_signed1.transaction_id = ok->transaction_id;
	ok->server_signed1.euicc_challenge = q->euicc_challenge;
	ok->server_signed1.server_address = RSP_BYTES(s->address, strlen(s->address));
	ok->server_signed1.server_challenge = RSP_BYTES(challenge, sizeof(o->challenge));
	der_writer_fixed(&w, o->signed1, sizeof(o->signed1));
	if ((err = rsp_encode(&rsp_t_server_signed1, &ok->server_signed1, &w)) != IOT_OK)
		return err;
	ok->server_signed1.der = RSP_BYTES(w.buf, w.len);
	part = (struct crypto_buf){ w.buf, w.len };
	/* SGP.22 5.6.1: serverSignature1 over serverSigned1 with SK.DPauth.ECDSA */
	if ((err = ecdsa_sign(c->auth_key, &part, 1, sig)) != IOT_OK)
		return err;
	ok->server_signature1 = RSP_BYTES(sig, sizeof(o->sig));
	ok->euicc_ci_pkid_to_be_used = RSP_BYTES(x509_ski(c->ci, &len), len);
	ok->server_certificate = RSP_BYTES(x509_der(c->auth, &len), len);

	/* sessions past their end are of no use to anyone (es9_session_load
	 * ignores them meanwhile): swept once a minute, not per session */
	if (smdp_now(s) - s->swept >= 60 || smdp_now(s) < s->swept) {
		if ((err = store_sql(s->db, "DELETE FROM session WHERE expires <= $1", "i", (int64_t)smdp_now(s))) != IOT_OK)
			return err;
		s->swept = smdp_now(s);
	}
	return store_sql(s->db, "INSERT INTO session (txid, cred, phase, server_challenge, expires)"
			" VALUES ($1, $2, 1, $3, $4)", "bibi", txid, sizeof(o->txid), (int64_t)(c - s->creds),
			challenge, sizeof(o->challenge), (int64_t)(smdp_now(s) + s->session_seconds));
}

/* ---- AuthenticateClient (SGP.22 5.6.3) ---- */

/* The refusal of a chain that failed with AuthenticateClient's code. */
static iot_err refuse_chain(struct smdp_status *st, int code)
{
	static const char *const subject[] = { [1] = "8.1.2", [2] = "8.1.2", [3] = "8.1.3", [4] = "8.1.3" };

	if (code == 9)
		return es9_refuse(st, 9, "8.11.1", "3.9", "CI Public Key unknown");
	if (code == 5)
		return es9_refuse(st, 5, "8.1", "6.1", "eUICC signature: verification failed");
	if (code < 1 || code > 4)
		code = 3;       /* no other code names a certificate: the eUICC's is refused */
	return es9_refuse(st, code, subject[code], code % 2 ? "6.1" : "6.3",
			  code % 2 ? "Certificate: verification failed" : "Certificate: expired");
}

/* The eUICC's certificate and signature when its EUM passed with this CI
 * before: the certificate checked from its DER (OpenSSL's X.509 decoding
 * of it cost more than its signature's verification). */
static iot_err check_euicc_known(struct smdp *s, struct x509_euicc_issuer *issuer,
				 const struct rsp_authenticate_response_ok *ok, char eid[33], struct smdp_status *st)
{
	struct crypto_key *key = NULL;
	struct crypto_buf part;
	iot_err err;

	/* SGP.22 5.6.3: CERT.EUICC by the EUM, the EID within the EUM's range */
	if ((err = x509_euicc_check_der(issuer, ok->euicc_certificate.ptr, ok->euicc_certificate.len, smdp_now(s), eid,
					33, &key)) != IOT_OK)
		return err == IOT_E_NOMEM ? err : refuse_chain(st, x509_authenticate_client_error(err, X509_ROLE_EUICC));
	/* SGP.22 5.6.3: euiccSignature1 over euiccSigned1 with PK.EUICC.ECDSA */
	part = (struct crypto_buf){ ok->euicc_signed1.der.ptr, ok->euicc_signed1.der.len };
	if (es9_verify_sig(key, &part, 1, &ok->euicc_signature1) != IOT_OK)
		err = es9_refuse(st, 5, "8.1", "6.1", "eUICC signature: verification failed");
	/* the session's later signatures (PrepareDownload, the PIR) are checked with it */
	else
		err = crypto_key_cache_put_cert_der(s->keys, ok->euicc_certificate.ptr, ok->euicc_certificate.len, key);
	crypto_key_free(key);
	return err;
}

/* The eUICC's chain and signature; eid gets the EID of its certificate. */
static iot_err check_euicc(struct smdp *s, const struct smdp_cred *c, const struct rsp_authenticate_response_ok *ok,
			   char eid[33], struct smdp_status *st)
{
	struct crypto_cert *euicc = NULL, *eum = NULL;
	enum x509_role failed = X509_ROLE_EUICC;
	/* this EUM passed with this CI already, both still valid: the chain is checked from its leaf */
	struct x509_euicc_issuer *known = x509_eum_cache_issuer(s->eums, c->ci, ok->eum_certificate.ptr,
								ok->eum_certificate.len, smdp_now(s));
	const uint8_t *aki;
	struct crypto_buf part;
	size_t aki_len;
	iot_err err;
	int code;

	if (known)
		return check_euicc_known(s, known, ok, eid, st);
	if (x509_parse(ok->eum_certificate.ptr, ok->eum_certificate.len, &eum) != IOT_OK) {
		err = es9_refuse(st, 1, "8.1.2", "6.1", "EUM Certificate: verification failed");
		goto out;
	}
	/* SGP.22 5.6.3: the chain must end at the CI chosen in InitiateAuthentication */
	aki = x509_aki(eum, &aki_len);
	if (!aki || !x509_ski_matches(c->ci, aki, aki_len)) {
		err = es9_refuse(st, 9, "8.11.1", "3.9", "CI Public Key unknown");
		goto out;
	}
	if (x509_parse(ok->euicc_certificate.ptr, ok->euicc_certificate.len, &euicc) != IOT_OK) {
		err = es9_refuse(st, 3, "8.1.3", "6.1", "eUICC Certificate: verification failed");
		goto out;
	}
	/* SGP.22 5.6.3: CERT.EUM by the CI, CERT.EUICC by the EUM, the EID within the EUM's range */
	if ((err = x509_verify_euicc_chain(c->ci, eum, euicc, smdp_now(s), &failed)) == IOT_OK) {
		x509_eum_cache_put(s->eums, c->ci, &eum);
	} else if (failed == X509_ROLE_EUICC) {
		/* the CI and the EUM passed: the EUM is kept all the same */
		x509_eum_cache_put(s->eums, c->ci, &eum);
	}
	if (err != IOT_OK) {
		code = x509_authenticate_client_error(err, failed);
		err = refuse_chain(st, code);
		goto out;
	}
	/* SGP.22 5.6.3: euiccSignature1 over euiccSigned1 with PK.EUICC.ECDSA */
	part = (struct crypto_buf){ ok->euicc_signed1.der.ptr, ok->euicc_signed1.der.len };
	if (es9_verify_sig(x509_key(euicc), &part, 1, &ok->euicc_signature1) != IOT_OK) {
		err = es9_refuse(st, 5, "8.1", "6.1", "eUICC signature: verification failed");
		goto out;
	}
	err = x509_subject_serial(euicc, eid, 33);
	/* the session's later signatures (PrepareDownload, the PIR) are checked with it */
	if (err == IOT_OK)
		err = crypto_key_cache_put_cert(s->keys, euicc);
out:
	x509_free(euicc);
	x509_free(eum);
	return err;
}

/* The profile this eUICC may download: by MatchingID, or (none or empty)
 * the order for its EID (SGP.22 3.1.2, default SM-DP+ and SM-DS cases). */
static iot_err find_order(struct smdp *s, const struct rsp_ctx_params1 *ctx, const char *eid,
			  struct smdp_profile *p, struct smdp_status *st)
{
	const struct rsp_ctx_params_for_common_authentication *common = &ctx->u.common;
	char mid[65];
	iot_err err;

	if (common->has_matching_id && common->matching_id.len) {
		if (common->matching_id.len >= sizeof(mid))
			return es9_refuse(st, 6, "8.2.6", "3.8", "MatchingID refused");
		memcpy(mid, common->matching_id.ptr, common->matching_id.len);
		mid[common->matching_id.len] = 0;
		err = smdp_profile_load(s, SMDP_BY_MATCHING_ID, mid, p);
		/* SGP.22 5.6.3: the MatchingID must name an order */
		if (err == IOT_E_NOT_FOUND)
			return es9_refuse(st, 6, "8.2.6", "3.8", "MatchingID refused");
	} else {
		err = smdp_profile_load(s, SMDP_BY_RELEASED_EID, eid, p);
		/* SGP.22 5.6.3: without a MatchingID (the default SM-DP+ and SM-DS cases) the EID must
		 * have a pending order; one without is the EID's refusal, not a MatchingID's */
		if (err == IOT_E_NOT_FOUND)
			return es9_refuse(st, 7, "8.1.1", "3.8", "EID refused: no pending order for it");
	}
	if (err != IOT_OK)
		return err;
	/* SGP.22 5.6.3: an order bound to an EID is for that eUICC only */
	if (p->eid[0] && strcmp(p->eid, eid))
		return es9_refuse(st, 7, "8.1.1", "3.8", "EID refused");
	/* SGP.22 5.6.3: the profile must be released (or downloaded to this eUICC, a retry) */
	if (p->state != SMDP_RELEASED && p->state != SMDP_DOWNLOADED)
		return es9_refuse(st, 8, "8.2", "1.2", "Profile not released");
	/* SGP.22 5.6.3: the order must not have expired */
	if (p->expires && p->expires <= smdp_now(s))
		return es9_refuse(st, 127, "8.8.5", "4.10", "Download order expired");
	/* SGP.22 3.1.3.2: a limited number of bindings per order */
	if (p->downloads >= s->download_attempts)
		return es9_refuse(st, 127, "8.8.5", "6.4", "Maximum number of download attempts exceeded");
	return IOT_OK;
}

struct authenticate_out {
	uint8_t sig2[CRYPTO_SIG_LEN];
	uint8_t *signed2, *metadata;
	size_t signed2_len, metadata_len;
	struct rsp_arena arena;
};

static iot_err authenticate_client(struct smdp *s, const struct rsp_authenticate_client_request *q,
				   struct rsp_remote_profile_provisioning_response *r, struct authenticate_out *o,
				   struct smdp_status *st)
{
	struct rsp_authenticate_client_ok *ok = &r->u.authenticate_client.u.ok;
	const struct rsp_authenticate_server_response *asr = &q->authenticate_server_response;
	const struct rsp_euicc_signed1 *s1 = &asr->u.ok.euicc_signed1;
	struct session ss;
	struct smdp_profile p;
	struct crypto_buf parts[2];
	uint8_t sig1_tlv[SIG_TLV_LEN];
	const struct smdp_cred *c;
	char eid[33];
	size_t len;
	iot_err err;

	/* SGP.22 5.6.3: the transactionId must name a running session in its first step */
	err = es9_session_load(s, &q->transaction_id, &ss);
	if (err == IOT_E_NOT_FOUND || (err == IOT_OK && ss.phase != PHASE_INITIATED)) {
		es9_session_free(&ss);
		return es9_refuse(st, 10, "8.10.1", "3.9", "TransactionId unknown");
	}
	if (err != IOT_OK)
		return err;
	c = &s->creds[ss.cred];
	if (asr->choice == RSP_AUTH_RESP_ERROR) {
		/* SGP.22 5.6.3: the eUICC refused us; the session ends */
		log_info("smdp", "eUICC refused authentication", "code=%lld", (long long)asr->u.error.authenticate_error_code);
		err = es9_session_end(s, ss.txid);
		es9_session_free(&ss);
		return err == IOT_OK ? es9_refuse(st, 127, "8.1", "4.2", "AuthenticateServer failed on the eUICC") : err;
	}
	if (asr->choice != RSP_AUTH_RESP_OK) {
		/* the compact form stays between IPA and eIM (SGP.32 5.9.1) */
		es9_session_free(&ss);
		return es9_refuse(st, 127, "1.3.1", "2.1", "Compact AuthenticateServerResponse is not accepted by ES9+");
	}
	/* SGP.22 5.6.3: the signed transactionId must be this session's */
	if (s1->transaction_id.len != sizeof(ss.txid) || memcmp(s1->transaction_id.ptr, ss.txid, sizeof(ss.txid))) {
		es9_session_free(&ss);
		return es9_refuse(st, 10, "8.10.1", "3.9", "TransactionId unknown");
	}
	if ((err = check_euicc(s, c, &asr->u.ok, eid, st)) != IOT_OK) {
		es9_session_free(&ss);
		return err;
	}
	/* SGP.22 5.6.3: the serverChallenge must be the one of this session */
	if (s1->server_challenge.len != 16 || memcmp(s1->server_challenge.ptr, ss.server_challenge, 16)) {
		es9_session_free(&ss);
		return es9_refuse(st, 5, "8.1", "6.1", "eUICC: verification failed (serverChallenge)");
	}
	es9_session_free(&ss);
	if (s1->ctx_params1.choice != RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION)
		return es9_refuse(st, 127, "1.3.1", "2.1", "ctxParams1 unsupported");
	if ((err = find_order(s, &s1->ctx_params1, eid, &p, st)) != IOT_OK) {
		/* SGP.22 5.3.7: the owner hears of a refused eligibility check on its profile */
		if (err == IOT_E_REFUSED && p.iccid[0])
			err = smdp_progress_add(s, p.iccid, eid, SMDP_POINT_ELIGIBILITY, st, NULL, 0) == IOT_OK ?
			      IOT_E_REFUSED : IOT_E_STORE;
		return err;
	}
	if ((err = smdp_progress_add(s, p.iccid, eid, SMDP_POINT_ELIGIBILITY, NULL, NULL, 0)) != IOT_OK)
		return err;

	/* SGP.22 5.6.3: smdpSigned2 (ccRequiredFlag; the otPK of an earlier binding for a retry) */
	r->choice = RSP_ES9_RESP_AUTHENTICATE_CLIENT;
	r->u.authenticate_client.choice = 1;
	ok->transaction_id = q->transaction_id;
	ok->smdp_signed2.transaction_id = q->transaction_id;
	ok->smdp_signed2.cc_required_flag = p.has_cc;
	if (p.state == SMDP_DOWNLOADED && p.has_bound) {
		ok->smdp_signed2.has_bpp_euicc_otpk = true;
		ok->smdp_signed2.bpp_euicc_otpk = RSP_BYTES(p.bound_otpk, sizeof(p.bound_otpk));
	}
	if ((err = rsp_encode_alloc(&rsp_t_smdp_signed2, &ok->smdp_signed2, &o->signed2, &o->signed2_len)) != IOT_OK)
		return err;
	ok->smdp_signed2.der = RSP_BYTES(o->signed2, o->signed2_len);
	/* SGP.22 5.6.3: smdpSignature2 over smdpSigned2 and the eUICC's euiccSignature1 DO */
	if (asr->u.ok.euicc_signature1.len != CRYPTO_SIG_LEN)
		return es9_refuse(st, 5, "8.1", "6.1", "eUICC signature: verification failed");
	sig_tlv(asr->u.ok.euicc_signature1.ptr, sig1_tlv);
	parts[0] = (struct crypto_buf){ o->signed2, o->signed2_len };
	parts[1] = (struct crypto_buf){ sig1_tlv, sizeof(sig1_tlv) };
	if ((err = ecdsa_sign(c->pb_key, parts, 2, o->sig2)) != IOT_OK)
		return err;
	ok->smdp_signature2 = RSP_BYTES(o->sig2, sizeof(o->sig2));
	ok->smdp_certificate = RSP_BYTES(x509_der(c->pb, &len), len);
	if ((err = smdp_metadata_load(s, p.iccid, &o->metadata, &o->metadata_len)) != IOT_OK)
		return err;
	if ((err = rsp_decode(&rsp_t_sgp22_store_metadata_request, o->metadata, o->metadata_len, &ok->profile_metadata,
			      &o->arena)) != IOT_OK)
		return err;
	return store_sql(s->db, "UPDATE session SET phase = 2, iccid = $1, eid = $2, euicc_cert = $3, smdp_sig2 = $4"
			" WHERE txid = $5", "ttbbb", p.iccid, eid, asr->u.ok.euicc_certificate.ptr,
			asr->u.ok.euicc_certificate.len, o->sig2, sizeof(o->sig2), q->transaction_id.ptr,
			q->transaction_id.len);
}

/* ---- GetBoundProfilePackage (SGP.22 5.6.2) ---- */

/* SGP.22 2.6.4.3 / 5.6.2: hashCc = SHA-256(SHA-256(CC) | transactionId) */
static iot_err check_confirmation_code(struct smdp *s, const struct smdp_profile *p, const struct session *ss,
				       const struct rsp_euicc_signed2 *s2, struct smdp_status *st)
{
	struct crypto_buf parts[2] = { { p->cc_hash, sizeof(p->cc_hash) }, { ss->txid, sizeof(ss->txid) } };
	uint8_t expect[CRYPTO_SHA256_LEN];
	iot_err err;

	if (p->cc_tries >= s->cc_attempts)
		return es9_refuse(st, 4, "8.2.7", "6.4", "Confirmation Code: maximum number of attempts exceeded");
	if (!s2->has_hash_cc)
		return es9_refuse(st, 2, "8.2.7", "2.2", "Confirmation Code missing");
	if ((err = crypto_sha256(parts, 2, expect)) != IOT_OK)
		return err;
	if (s2->hash_cc.len == sizeof(expect) && !memcmp(s2->hash_cc.ptr, expect, sizeof(expect)))
		return IOT_OK;
	/* a wrong code counts; the last allowed try ends the order */
	if ((err = store_sql(s->db, "UPDATE profile SET cc_tries = cc_tries + 1 WHERE iccid = $1", "t", p->iccid)) != IOT_OK ||
	    (err = es9_session_end(s, ss->txid)) != IOT_OK)
		return err;
	if (p->cc_tries + 1 >= s->cc_attempts) {
		if ((err = smdp_profile_set_state(s, p->iccid, SMDP_ERROR)) != IOT_OK)
			return err;
		return es9_refuse(st, 4, "8.2.7", "6.4", "Confirmation Code: maximum number of attempts exceeded");
	}
	return es9_refuse(st, 3, "8.2.7", "3.8", "Confirmation Code refused");
}

/* The one-time key pair of this binding: the one used with this otPK.EUICC
 * before (same session or the profile's earlier binding), else a new one. */
static iot_err binding_key(struct smdp *s, const struct smdp_cred *c, const struct session *ss,
			   const struct smdp_profile *p, const uint8_t otpk[CRYPTO_POINT_LEN], struct crypto_key **dp_ot,
			   bool *fresh)
{
	const uint8_t *der = NULL;
	size_t len = 0;
	uint8_t *copy = NULL;
	iot_err err = IOT_OK;

	*fresh = false;
	if (ss->has_otpk && ss->dp_otsk && !memcmp(ss->euicc_otpk, otpk, CRYPTO_POINT_LEN)) {
		der = ss->dp_otsk;
		len = ss->dp_otsk_len;
	} else if (p->has_bound && !memcmp(p->bound_otpk, otpk, CRYPTO_POINT_LEN)) {
		struct store_stmt *q;
		bool row;

		if ((err = store_prepare(s->db, "SELECT bound_otsk FROM profile WHERE iccid = $1", &q)) != IOT_OK)
			return err;
		if ((err = store_bind_text(q, 1, p->iccid)) == IOT_OK && (err = store_step(q, &row)) == IOT_OK && row)
			copy = store_col_blob_copy(q, 0, &len);
		store_finalize(q);
		der = copy;
	}
	/* kept as the bare scalar; PKCS#8 in rows written before */
	if (err == IOT_OK && der && len == CRYPTO_SCALAR_LEN)
		err = crypto_key_from_private_scalar(crypto_key_curve(x509_key(c->pb)), der, len, dp_ot);
	else if (err == IOT_OK && der)
		err = crypto_key_from_private_der(der, len, dp_ot);
	else if (err == IOT_OK) {
		/* SGP.22 5.6.2: a new one-time key pair on the curve of CERT.DPpb */
		err = crypto_key_generate(crypto_key_curve(x509_key(c->pb)), dp_ot);
		*fresh = true;
	}
	if (copy) {
		memset(copy, 0, len);
		free(copy);
	}
	return err;
}

static iot_err get_bpp(struct smdp *s, const struct rsp_get_bound_profile_package_request *q,
		       struct rsp_remote_profile_provisioning_response *r, struct der_writer *bpp,
		       struct smdp_status *st)
{
	const struct rsp_prepare_download_response *pdr = &q->prepare_download_response;
	const struct rsp_euicc_signed2 *s2 = &pdr->u.ok.euicc_signed2;
	struct crypto_key *euicc = NULL;
	struct crypto_key *dp_ot = NULL;
	struct smdp_package pkg = { 0 };
	struct smdp_profile p;
	struct session ss;
	struct crypto_buf parts[2];
	uint8_t sig2_tlv[SIG_TLV_LEN], eid[16], otsk[CRYPTO_SCALAR_LEN];
	size_t n;
	bool fresh;
	iot_err err;

	/* SGP.22 5.6.2: the transactionId must name an authenticated session */
	err = es9_session_load(s, &q->transaction_id, &ss);
	if (err == IOT_E_NOT_FOUND || (err == IOT_OK && ss.phase < PHASE_AUTHENTICATED)) {
		es9_session_free(&ss);
		return es9_refuse(st, 95, "8.10.1", "3.9", "TransactionId unknown");
	}
	if (err != IOT_OK)
		return err;
	if (pdr->choice == RSP_PREPARE_DL_ERROR) {
		/* SGP.22 5.6.2: the eUICC refused the download: the session ends,
		 * the answer is a failure (never a success without a BPP) and the
		 * owner hears of it at the BPP download point */
		log_info("smdp", "eUICC refused PrepareDownload", "code=%lld", (long long)pdr->u.error.download_error_code);
		err = es9_refuse(st, 127, "8.1", "3.8", "eUICC refused the download (PrepareDownloadResponseError)");
		if (smdp_profile_load(s, SMDP_BY_ICCID, ss.iccid, &p) == IOT_OK &&
		    smdp_progress_add(s, p.iccid, ss.eid, SMDP_POINT_BPP_DOWNLOAD, st, NULL, 0) != IOT_OK)
			err = IOT_E_STORE;
		goto out;
	}
	if (pdr->choice != RSP_PREPARE_DL_OK) {
		err = es9_refuse(st, 127, "1.3.1", "2.1", "Compact PrepareDownloadResponse is not accepted by ES9+");
		goto out;
	}
	/* SGP.22 5.6.2: the signed transactionId must be this session's */
	if (s2->transaction_id.len != sizeof(ss.txid) || memcmp(s2->transaction_id.ptr, ss.txid, sizeof(ss.txid))) {
		err = es9_refuse(st, 95, "8.10.1", "3.9", "TransactionId unknown");
		goto out;
	}
	/* SGP.22 5.6.2: euiccSignature2 over euiccSigned2 and the smdpSignature2 DO */
	sig_tlv(ss.smdp_sig2, sig2_tlv);
	parts[0] = (struct crypto_buf){ s2->der.ptr, s2->der.len };
	parts[1] = (struct crypto_buf){ sig2_tlv, sizeof(sig2_tlv) };
	if ((err = crypto_key_cache_cert_key(s->keys, ss.euicc_cert, ss.euicc_cert_len, &euicc)) != IOT_OK)
		goto out;
	if (s2->euicc_otpk.len != CRYPTO_POINT_LEN ||
	    es9_verify_sig(euicc, parts, 2, &pdr->u.ok.euicc_signature2) != IOT_OK) {
		err = es9_refuse(st, 1, "8.1", "6.1", "eUICC signature: verification failed");
		goto out;
	}
	if ((err = smdp_profile_load(s, SMDP_BY_ICCID, ss.iccid, &p)) != IOT_OK)
		goto out;
	/* SGP.22 5.6.2: the order must still stand and not have expired */
	if (p.state != SMDP_RELEASED && p.state != SMDP_DOWNLOADED) {
		err = es9_refuse(st, 127, "8.2", "1.2", "Profile not released");
		goto out;
	}
	/* a profile is never handed to two eUICCs */
	if (p.eid[0] && strcmp(p.eid, ss.eid)) {
		err = es9_refuse(st, 127, "8.1.1", "3.8", "EID refused");
		goto out;
	}
	if (p.expires && p.expires <= smdp_now(s)) {
		err = es9_refuse(st, 6, "8.8.5", "4.10", "Download order expired");
		goto out;
	}
	if (p.has_cc && (err = check_confirmation_code(s, &p, &ss, s2, st)) != IOT_OK) {
		if (err == IOT_E_REFUSED &&
		    smdp_progress_add(s, p.iccid, ss.eid, SMDP_POINT_CONFIRMATION, st, NULL, 0) != IOT_OK)
			err = IOT_E_STORE;
		goto out;
	}
	if ((err = binding_key(s, &s->creds[ss.cred], &ss, &p, s2->euicc_otpk.ptr, &dp_ot, &fresh)) != IOT_OK)
		goto out;
	/* SGP.22 3.1.3.2: each new binding counts against the order's attempts */
	if (fresh && p.downloads >= s->download_attempts) {
		err = es9_refuse(st, 5, "8.8.5", "6.4", "BPP rebinding refused: maximum number of attempts exceeded");
		goto out;
	}
	if ((err = hex_decode(ss.eid, eid, sizeof(eid), &n)) != IOT_OK || n != sizeof(eid) ||
	    (err = smdp_package_load(s, p.iccid, &pkg)) != IOT_OK)
		goto out;
	if ((err = smdp_bind(&s->creds[ss.cred], ss.txid, sizeof(ss.txid), eid, s2->euicc_otpk.ptr, dp_ot, &pkg,
			     bpp)) != IOT_OK ||
	    (err = crypto_key_private_scalar(dp_ot, otsk)) != IOT_OK)
		goto out;
	err = store_sql(s->db, "UPDATE session SET phase = 3, euicc_otpk = $1, dp_otsk = $2 WHERE txid = $3", "bbb",
		       s2->euicc_otpk.ptr, (size_t)CRYPTO_POINT_LEN, otsk, sizeof(otsk), ss.txid, sizeof(ss.txid));
	if (err == IOT_OK)
		err = store_sql(s->db, "UPDATE profile SET state = $1, eid = $2, bound_otpk = $3, bound_otsk = $4,"
			       " downloads = downloads + $5, updated = $6 WHERE iccid = $7", "itbbiit",
			       (int64_t)SMDP_DOWNLOADED, ss.eid, s2->euicc_otpk.ptr, (size_t)CRYPTO_POINT_LEN, otsk,
			       sizeof(otsk), (int64_t)fresh, (int64_t)smdp_now(s), p.iccid);
	if (err == IOT_OK)
		err = smdp_progress_add(s, p.iccid, ss.eid, SMDP_POINT_BPP_DOWNLOAD, NULL, NULL, 0);
	if (err == IOT_OK) {
		r->choice = RSP_ES9_RESP_GET_BPP;
		r->u.get_bpp.choice = 1;
		r->u.get_bpp.u.ok.transaction_id = q->transaction_id;
		store_log_on_commit(s->db, "smdp", "BPP bound", "iccid=%s eid=%s fresh_key=%d bytes=%zu", p.iccid, ss.eid,
				    fresh, bpp->len);
	}
out:
	crypto_wipe(otsk, sizeof(otsk));
	crypto_key_free(dp_ot);
	crypto_key_free(euicc);
	smdp_package_free(&pkg);
	es9_session_free(&ss);
	return err;
}

/* ---- the ASN.1 binding ---- */

static iot_err decode_request(const uint8_t *req, size_t len, struct rsp_remote_profile_provisioning_request *q,
			      struct rsp_arena *a)
{
	struct der_reader top, in;
	struct der_tlv outer, inner;
	iot_err err;

	der_reader_init(&top, req, len);
	if ((err = der_read(&top, &outer)) != IOT_OK)
		return err;
	if (!der_reader_done(&top))
		return IOT_E_DER_TRAILING;
	if (outer.tag == 0xA2 && der_enter(&top, &outer, &in) == IOT_OK && der_read(&in, &inner) == IOT_OK &&
	    der_reader_done(&in) && inner.tag == 0xBF3B) {
		/* SGP.32 eUICCs sign the SGP.32 EUICCInfo2; SGP.22 ones the SGP.22 form */
		memset(q, 0, sizeof(*q));
		q->choice = RSP_ES9_REQ_AUTHENTICATE_CLIENT;
		err = rsp_decode(&rsp_t_sgp32_authenticate_client_request, inner.raw, inner.raw_len,
				 &q->u.authenticate_client, a);
		if (err == IOT_OK)
			return IOT_OK;
	}
	return rsp_decode(&rsp_t_remote_profile_provisioning_request, req, len, q, a);
}

static void error_response(struct rsp_remote_profile_provisioning_response *r, int request, int code)
{
	static const int choice[] = { [RSP_ES9_REQ_INITIATE_AUTHENTICATION] = RSP_ES9_RESP_INITIATE_AUTHENTICATION,
				      [RSP_ES9_REQ_AUTHENTICATE_CLIENT] = RSP_ES9_RESP_AUTHENTICATE_CLIENT,
				      [RSP_ES9_REQ_GET_BPP] = RSP_ES9_RESP_GET_BPP,
				      [RSP_ES9_REQ_CANCEL_SESSION] = RSP_ES9_RESP_CANCEL_SESSION };

	memset(r, 0, sizeof(*r));
	r->choice = choice[request];
	/* every ES9+ response CHOICE has the error as its second alternative */
	switch (request) {
	case RSP_ES9_REQ_INITIATE_AUTHENTICATION:
		r->u.initiate_authentication.choice = 2;
		r->u.initiate_authentication.u.error = code;
		break;
	case RSP_ES9_REQ_AUTHENTICATE_CLIENT:
		r->u.authenticate_client.choice = 2;
		r->u.authenticate_client.u.error = code;
		break;
	case RSP_ES9_REQ_GET_BPP:
		r->u.get_bpp.choice = 2;
		r->u.get_bpp.u.error = code;
		break;
	default:
		r->u.cancel_session.choice = 2;
		r->u.cancel_session.u.error = code;
		break;
	}
}

/* Writes the GetBoundProfilePackageResponse around a BPP already built. */
static iot_err put_bpp_response(const struct rsp_get_bound_profile_package_ok *ok, const struct der_writer *bpp,
				struct der_writer *out)
{
	size_t a2 = der_begin(out, 0xA2), bf3a = der_begin(out, 0xBF3A), a0 = der_begin(out, 0xA0);

	der_put_tlv(out, 0x80, ok->transaction_id.ptr, ok->transaction_id.len);
	der_put_raw(out, bpp->buf, bpp->len);
	der_end(out, a0);
	der_end(out, bf3a);
	der_end(out, a2);
	return der_writer_err(out);
}

iot_err smdp_es9(struct smdp *s, const uint8_t *req, size_t len, struct der_writer *out, struct smdp_status *st)
{
	struct rsp_remote_profile_provisioning_request q;
	struct rsp_remote_profile_provisioning_response r;
	struct authenticate_out ao = { 0 };
	struct initiate_out io;
	struct smdp_status local;
	struct der_writer bpp;
	struct rsp_arena a;
	iot_err err;

	if (!st)
		st = &local;
	smdp_status_set(st, IOT_OK, 0, NULL, NULL, NULL);
	rsp_arena_dynamic(&a);
	if ((err = decode_request(req, len, &q, &a)) != IOT_OK) {
		rsp_arena_free(&a);
		return smdp_status_set(st, err, 127, "1.3.1", "2.1", "Request does not decode");
	}
	memset(&r, 0, sizeof(r));
	rsp_arena_dynamic(&ao.arena);
	der_writer_dynamic(&bpp);
	if ((err = store_begin(s->db)) != IOT_OK)
		goto out;
	switch (q.choice) {
	case RSP_ES9_REQ_INITIATE_AUTHENTICATION:
		err = initiate_authentication(s, &q.u.initiate_authentication, &r, &io, st);
		break;
	case RSP_ES9_REQ_AUTHENTICATE_CLIENT:
		err = authenticate_client(s, &q.u.authenticate_client, &r, &ao, st);
		break;
	case RSP_ES9_REQ_GET_BPP:
		err = get_bpp(s, &q.u.get_bpp, &r, &bpp, st);
		break;
	case RSP_ES9_REQ_CANCEL_SESSION:
		err = es9_cancel_session(s, &q.u.cancel_session, &r, st);
		break;
	default: {
		const struct rsp_pending_notification *n = &q.u.handle_notification.pending_notification;

		if (n->choice == RSP_PENDING_PIR)
			err = es9_handle_pir(s, &n->u.pir, req, len, st);
		else if (n->choice == RSP_PENDING_OTHER)
			err = es9_handle_other(s, &n->u.other, req, len, st);
		else
			err = es9_refuse(st, 0, "1.3.1", "2.1", "Compact notifications are not accepted by ES9+");
		break;
	}
	}
	/* SGP.22 5.6.2 / 5.6.3: an error ends the RSP session */
	if (err == IOT_E_REFUSED && (q.choice == RSP_ES9_REQ_AUTHENTICATE_CLIENT || q.choice == RSP_ES9_REQ_GET_BPP)) {
		const rsp_bytes *txid = q.choice == RSP_ES9_REQ_GET_BPP ? &q.u.get_bpp.transaction_id :
					&q.u.authenticate_client.transaction_id;
		iot_err e = store_sql(s->db, "DELETE FROM session WHERE txid = $1", "b", txid->ptr, txid->len);

		if (e != IOT_OK)
			err = e;
	}
	/* a refusal may still have changed something on purpose (a wrong
	 * confirmation code counts, a refused session ends) */
	if (err == IOT_OK || err == IOT_E_REFUSED) {
		/* a session's first two steps promise nothing a crash of the
		 * machine could break: lost, the next step finds no session
		 * and the LPA starts again (SGP.22 3.1.3); the binding, a
		 * confirmation code's try and a result are on disk before
		 * their answer leaves */
		iot_err c = q.choice == RSP_ES9_REQ_INITIATE_AUTHENTICATION || q.choice == RSP_ES9_REQ_AUTHENTICATE_CLIENT ?
			    store_commit_async(s->db) : store_commit(s->db);

		if (c != IOT_OK)
			err = c;
	} else {
		store_rollback(s->db);
	}
	if (err != IOT_OK && err != IOT_E_REFUSED)
		smdp_status_set(st, err, 127, "1.2", "4.2", iot_strerror(err));
	if (q.choice == RSP_ES9_REQ_HANDLE_NOTIFICATION) {
		err = IOT_OK;   /* no response, whatever happened (SGP.22 5.6.4) */
		goto out;
	}
	if (st->code)
		error_response(&r, q.choice, st->code);
	if (q.choice == RSP_ES9_REQ_GET_BPP && !st->code)
		err = put_bpp_response(&r.u.get_bpp.u.ok, &bpp, out);
	else
		err = rsp_encode(&rsp_t_remote_profile_provisioning_response, &r, out);
out:
	if (err == IOT_OK && st->subject)
		log_info("smdp", "ES9+ refused", "request=%d code=%d subject=%s reason=%s message=\"%s\"", q.choice, st->code,
			 st->subject, st->reason, st->message);
	free(ao.signed2);
	free(ao.metadata);
	rsp_arena_free(&ao.arena);
	rsp_arena_free(&a);
	der_writer_free(&bpp);
	return err;
}
