/* How an ES9+ session ends: the eUICC's notifications, installation
 * results above all (SGP.22 5.6.4), or a CancelSession (5.6.5). */
#include "smdp/es9_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"

/* ---- HandleNotification (SGP.22 5.6.4) ---- */

static iot_err record_notification(struct smdp *s, const char *iccid, const char *eid,
				   const struct rsp_notification_metadata *m, int64_t result, const uint8_t *der,
				   size_t len)
{
	return store_sql(s->db, "INSERT INTO notification (iccid, eid, seq, operation, result, received, der)"
			" VALUES ($1, $2, $3, $4, $5, $6, $7)", "ttiiiib", iccid, eid, m->seq_number,
			(int64_t)m->profile_management_operation, result, (int64_t)smdp_now(s), der, len);
}

iot_err es9_handle_pir(struct smdp *s, const struct rsp_profile_installation_result *pir, const uint8_t *der,
			  size_t len, struct smdp_status *st)
{
	const struct rsp_profile_installation_result_data *d = &pir->data;
	struct crypto_key *euicc = NULL;
	struct crypto_buf part = { d->der.ptr, d->der.len };
	struct session ss;
	bool success = d->final_result.choice == RSP_FINAL_RESULT_SUCCESS;
	iot_err err;

	/* SGP.22 5.6.4: the PIR belongs to a session we ran */
	err = es9_session_load(s, &d->transaction_id, &ss);
	if (err == IOT_E_NOT_FOUND || (err == IOT_OK && ss.phase != PHASE_BOUND)) {
		es9_session_free(&ss);
		return es9_refuse(st, 0, "8.10.1", "3.9", "TransactionId unknown");
	}
	if (err != IOT_OK)
		return err;
	/* SGP.22 5.6.4: euiccSignPIR with the eUICC key of the session */
	if ((err = crypto_key_cache_cert_key(s->keys, ss.euicc_cert, ss.euicc_cert_len, &euicc)) == IOT_OK &&
	    es9_verify_sig(euicc, &part, 1, &pir->euicc_sign_pir) != IOT_OK)
		err = es9_refuse(st, 0, "8.1", "6.1", "eUICC signature: verification failed");
	crypto_key_free(euicc);
	if (err == IOT_OK)
		err = record_notification(s, ss.iccid, ss.eid, &d->notification_metadata,
					  success ? 0 : d->final_result.u.error.error_reason, der, len);
	if (err == IOT_OK)
		err = smdp_profile_set_state(s, ss.iccid, success ? SMDP_INSTALLED : SMDP_ERROR);
	if (err == IOT_OK) {
		/* SGP.22 5.3.7: the installation result goes to the owner as the eUICC signed it */
		static const struct smdp_status failed = { 0, "8.2.10", "4.2", "Profile installation failed" };
		uint8_t *result = NULL;
		size_t result_len = 0;

		err = rsp_encode_alloc(&rsp_t_profile_installation_result, pir, &result, &result_len);
		if (err == IOT_OK)
			err = smdp_progress_add(s, ss.iccid, ss.eid, SMDP_POINT_BPP_INSTALLATION, success ? NULL : &failed,
						result, result_len);
		free(result);
	}
	/* the download is over either way */
	if (err == IOT_OK)
		err = es9_session_end(s, ss.txid);
	if (err == IOT_OK)
		store_log_on_commit(s->db, "smdp", "installation result", "iccid=%s eid=%s result=%s", ss.iccid,
				    ss.eid, success ? "success" : "error");
	es9_session_free(&ss);
	return err;
}

iot_err es9_handle_other(struct smdp *s, const struct rsp_other_signed_notification *n, const uint8_t *der,
			    size_t len, struct smdp_status *st)
{
	struct crypto_cert *euicc = NULL, *eum = NULL;
	struct crypto_buf part = { n->tbs_other_notification.der.ptr, n->tbs_other_notification.der.len };
	char eid[33] = "", iccid[21] = "";
	iot_err err = IOT_E_CERT_CI_UNKNOWN;

	/* SGP.22 5.6.4: the eUICC's chain (to a CI we serve) and its signature */
	if (x509_parse(n->eum_certificate.ptr, n->eum_certificate.len, &eum) == IOT_OK &&
	    x509_parse(n->euicc_certificate.ptr, n->euicc_certificate.len, &euicc) == IOT_OK)
		for (size_t i = 0; i < s->cred_count && err != IOT_OK; i++)
			err = x509_verify_euicc_chain(s->creds[i].ci, eum, euicc, smdp_now(s), NULL);
	if (err == IOT_OK && es9_verify_sig(x509_key(euicc), &part, 1, &n->euicc_notification_signature) != IOT_OK)
		err = IOT_E_CRYPTO_SIGNATURE;
	if (err == IOT_OK)
		err = x509_subject_serial(euicc, eid, sizeof(eid));
	x509_free(euicc);
	x509_free(eum);
	if (err != IOT_OK)
		return es9_refuse(st, 0, "8.1", "6.1", "eUICC: verification failed");
	if (n->tbs_other_notification.has_iccid && n->tbs_other_notification.iccid.len == 10)
		hex_encode(n->tbs_other_notification.iccid.ptr, 10, iccid);
	err = record_notification(s, iccid[0] ? iccid : NULL, eid, &n->tbs_other_notification, 0, der, len);
	/* a profile deleted from the eUICC it was installed on is gone for good */
	if (err == IOT_OK && iccid[0] && n->tbs_other_notification.profile_management_operation == RSP_NOTIFY_DELETE)
		err = store_sql(s->db, "UPDATE profile SET state = $1, updated = $2 WHERE iccid = $3 AND eid = $4"
			       " AND state = $5", "iitti", (int64_t)SMDP_UNAVAILABLE, (int64_t)smdp_now(s), iccid, eid,
			       (int64_t)SMDP_INSTALLED);
	if (err == IOT_OK)
		store_log_on_commit(s->db, "smdp", "notification", "eid=%s iccid=%s operation=%llu", eid,
				    iccid[0] ? iccid : "-",
				    (unsigned long long)n->tbs_other_notification.profile_management_operation);
	return err;
}

/* ---- CancelSession (SGP.22 5.6.5) ---- */

enum { REASON_POSTPONED = 1, REASON_TIMEOUT = 2 };

iot_err es9_cancel_session(struct smdp *s, const struct rsp_cancel_session_request_es9 *q,
			      struct rsp_remote_profile_provisioning_response *r, struct smdp_status *st)
{
	const struct rsp_cancel_session_response *c = &q->cancel_session_response;
	const struct rsp_euicc_cancel_session_signed *sd = &c->u.ok.signed_data;
	struct crypto_key *euicc = NULL;
	struct crypto_buf part = { sd->der.ptr, sd->der.len };
	struct session ss;
	iot_err err;

	/* SGP.22 5.6.5: the transactionId must name a running session */
	err = es9_session_load(s, &q->transaction_id, &ss);
	if (err == IOT_E_NOT_FOUND) {
		es9_session_free(&ss);
		return es9_refuse(st, 1, "8.10.1", "3.9", "TransactionId unknown");
	}
	if (err != IOT_OK)
		return err;
	if (c->choice == RSP_CANCEL_RESP_OK) {
		/* SGP.22 5.6.5: signed by the eUICC of the session, for this session and SM-DP+ */
		if (!ss.euicc_cert || crypto_key_cache_cert_key(s->keys, ss.euicc_cert, ss.euicc_cert_len, &euicc) != IOT_OK ||
		    es9_verify_sig(euicc, &part, 1, &c->u.ok.euicc_cancel_session_signature) != IOT_OK) {
			err = es9_refuse(st, 2, "8.1", "6.1", "eUICC signature: verification failed");
		} else if (sd->transaction_id.len != sizeof(ss.txid) ||
			   memcmp(sd->transaction_id.ptr, ss.txid, sizeof(ss.txid))) {
			err = es9_refuse(st, 1, "8.10.1", "3.9", "TransactionId unknown");
		} else if (sd->smdp_oid.len != s->creds[ss.cred].oid_len ||
			   memcmp(sd->smdp_oid.ptr, s->creds[ss.cred].oid, sd->smdp_oid.len)) {
			err = es9_refuse(st, 2, "8.8", "3.10", "SM-DP+ OID mismatch");
		}
	} else if (c->choice != RSP_CANCEL_RESP_ERROR) {
		err = es9_refuse(st, 127, "1.3.1", "2.1", "Compact CancelSessionResponse is not accepted by ES9+");
	}
	crypto_key_free(euicc);
	if (err == IOT_OK && ss.iccid[0] && c->choice == RSP_CANCEL_RESP_OK) {
		int64_t reason = sd->reason;
		/* SGP.22 3.1.3 / 5.6.5: postponed or timed out, the order stands; else it ends in error */
		bool retry = reason == REASON_POSTPONED || reason == REASON_TIMEOUT;

		/* SGP.22 3.1.3.2: a package already bound stays bound for the retry, with the
		 * one-time keys it was bound with (bppEuiccOtpk), as after a lost BPP */
		err = store_sql(s->db, "UPDATE profile SET"
				" state = CASE WHEN $4 = 1 AND state = 5 AND bound_otpk IS NOT NULL THEN 5 ELSE $1 END,"
				" bound_otpk = CASE WHEN $4 = 1 AND state = 5 THEN bound_otpk ELSE NULL END,"
				" bound_otsk = CASE WHEN $4 = 1 AND state = 5 THEN bound_otsk ELSE NULL END, updated = $2"
				" WHERE iccid = $3 AND state IN (4, 5)", "iiti",
				(int64_t)(retry ? SMDP_RELEASED : SMDP_ERROR), (int64_t)smdp_now(s), ss.iccid, (int64_t)retry);
		store_log_on_commit(s->db, "smdp", "session cancelled", "iccid=%s eid=%s reason=%lld", ss.iccid, ss.eid,
				    (long long)reason);
		if (err == IOT_OK) {
			static const struct smdp_status cancelled = { 0, "8.8.5", "3.8", "Session cancelled by the eUICC" };

			err = smdp_progress_add(s, ss.iccid, ss.eid, SMDP_POINT_BPP_DOWNLOAD, &cancelled, NULL, 0);
		}
	}
	if (err == IOT_OK)
		err = es9_session_end(s, ss.txid);
	if (err == IOT_OK) {
		r->choice = RSP_ES9_RESP_CANCEL_SESSION;
		r->u.cancel_session.choice = 1;
	}
	es9_session_free(&ss);
	return err;
}
