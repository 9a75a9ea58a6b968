/* What the ES9+ functions share (smdp/es9.c, es9_session.c, es9_end.c):
 * the session a transactionId names, kept in the store, and refusals. */
#ifndef IOT_SMDP_ES9_SESSION_H
#define IOT_SMDP_ES9_SESSION_H

#include "smdp/internal.h"

enum { PHASE_INITIATED = 1, PHASE_AUTHENTICATED, PHASE_BOUND };

struct session {
	uint8_t txid[16];
	int cred, phase;
	uint8_t server_challenge[16];
	char iccid[21], eid[33];
	uint8_t *euicc_cert, *dp_otsk;
	size_t euicc_cert_len, dp_otsk_len;
	uint8_t smdp_sig2[CRYPTO_SIG_LEN], euicc_otpk[CRYPTO_POINT_LEN];
	bool has_otpk;
};

void es9_session_free(struct session *ss);
/* The running session txid; IOT_E_NOT_FOUND when unknown or expired. */
iot_err es9_session_load(struct smdp *s, const rsp_bytes *txid, struct session *ss);
iot_err es9_session_end(struct smdp *s, const uint8_t txid[16]);
/* A refusal with the spec's code and status, IOT_E_REFUSED. */
iot_err es9_refuse(struct smdp_status *st, int code, const char *subject, const char *reason, const char *msg);
iot_err es9_verify_sig(const struct crypto_key *key, const struct crypto_buf *parts, size_t n, const rsp_bytes *sig);

/* es9_end.c: how a session ends, by the eUICC's notifications (SGP.22 5.6.4) or a CancelSession (5.6.5). */
iot_err es9_handle_pir(struct smdp *s, const struct rsp_profile_installation_result *pir, const uint8_t *der,
		       size_t len, struct smdp_status *st);
iot_err es9_handle_other(struct smdp *s, const struct rsp_other_signed_notification *n, const uint8_t *der, size_t len,
			 struct smdp_status *st);
iot_err es9_cancel_session(struct smdp *s, const struct rsp_cancel_session_request_es9 *q,
			   struct rsp_remote_profile_provisioning_response *r, struct smdp_status *st);

#endif
