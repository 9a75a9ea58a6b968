/* ES9+ sessions in the store, keyed by transactionId, and refusals. */
#include "smdp/es9_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void es9_session_free(struct session *ss)
{
	free(ss->euicc_cert);
	if (ss->dp_otsk)
		memset(ss->dp_otsk, 0, ss->dp_otsk_len);
	free(ss->dp_otsk);
	memset(ss, 0, sizeof(*ss));
}

static bool copy_fixed(struct store_stmt *q, int col, uint8_t *out, size_t n)
{
	size_t len;
	const uint8_t *b = store_col_blob(q, col, &len);

	if (!b || len != n)
		return false;
	memcpy(out, b, n);
	return true;
}

/* The running session txid; IOT_E_NOT_FOUND when unknown or expired. */
iot_err es9_session_load(struct smdp *s, const rsp_bytes *txid, struct session *ss)
{
	struct store_stmt *q;
	bool row;
	iot_err err;

	memset(ss, 0, sizeof(*ss));
	if (txid->len != sizeof(ss->txid))
		return IOT_E_NOT_FOUND;
	err = store_prepare(s->db, "SELECT cred, phase, server_challenge, iccid, eid, euicc_cert, smdp_sig2,"
			    " euicc_otpk, dp_otsk FROM session WHERE txid = $1 AND expires > $2", &q);
	if (err != IOT_OK)
		return err;
	if ((err = store_bind_blob(q, 1, txid->ptr, txid->len)) == IOT_OK &&
	    (err = store_bind_int(q, 2, smdp_now(s))) == IOT_OK && (err = store_step(q, &row)) == IOT_OK && !row)
		err = IOT_E_NOT_FOUND;
	if (err == IOT_OK) {
		memcpy(ss->txid, txid->ptr, sizeof(ss->txid));
		ss->cred = (int)store_col_int(q, 0);
		ss->phase = (int)store_col_int(q, 1);
		if (!copy_fixed(q, 2, ss->server_challenge, 16) || ss->cred < 0 || (size_t)ss->cred >= s->cred_count)
			err = IOT_E_STORE;
		snprintf(ss->iccid, sizeof(ss->iccid), "%s", store_col_null(q, 3) ? "" : store_col_text(q, 3));
		snprintf(ss->eid, sizeof(ss->eid), "%s", store_col_null(q, 4) ? "" : store_col_text(q, 4));
		ss->euicc_cert = store_col_blob_copy(q, 5, &ss->euicc_cert_len);
		copy_fixed(q, 6, ss->smdp_sig2, sizeof(ss->smdp_sig2));
		ss->has_otpk = copy_fixed(q, 7, ss->euicc_otpk, sizeof(ss->euicc_otpk));
		ss->dp_otsk = store_col_blob_copy(q, 8, &ss->dp_otsk_len);
		if (ss->phase >= PHASE_AUTHENTICATED && !ss->euicc_cert)
			err = IOT_E_STORE;
	}
	store_finalize(q);
	if (err != IOT_OK)
		es9_session_free(ss);
	return err;
}

iot_err es9_session_end(struct smdp *s, const uint8_t txid[16])
{
	return store_sql(s->db, "DELETE FROM session WHERE txid = $1", "b", txid, (size_t)16);
}

iot_err es9_refuse(struct smdp_status *st, int code, const char *subject, const char *reason, const char *msg)
{
	return smdp_status_set(st, IOT_E_REFUSED, code, subject, reason, msg);
}

iot_err es9_verify_sig(const struct crypto_key *key, const struct crypto_buf *parts, size_t n,
			  const rsp_bytes *sig)
{
	return ecdsa_verify(key, parts, n, sig->ptr, sig->len);
}
