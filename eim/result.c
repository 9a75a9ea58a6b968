/* What an eUICC reports, recorded (SGP.32 6.3.2): eUICC Package results and
 * errors checked against its certificate and association token, data
 * responses (the first contact learning its certificates), download trigger
 * results (a download cut short sent again), notifications kept until
 * forwarded; each operation finished once, audited with it. */
#include "eim/internal.h"
#include "eim/autopilot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"
#include "base/log.h"

iot_err eim_euicc_certs(struct eim *e, const char *eid, struct eim_certs *c)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT u.cert, i.eum_cert FROM euicc u JOIN euicc_info i ON i.eid = u.eid"
					   " WHERE u.eid = $1 AND u.cert IS NOT NULL AND i.eum_cert IS NOT NULL", &st);

	memset(c, 0, sizeof(*c));
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		c->euicc = store_col_blob_copy(st, 0, &c->euicc_len);
		c->eum = store_col_blob_copy(st, 1, &c->eum_len);
		if (!c->euicc || !c->eum)
			err = IOT_E_NOMEM;
	}
	store_finalize(st);
	if (err != IOT_OK)
		eim_certs_free(c);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

void eim_certs_free(struct eim_certs *c)
{
	free(c->euicc);
	free(c->eum);
	memset(c, 0, sizeof(*c));
}

struct euicc_keys {
	struct crypto_key *key;
	bool has_token;
	int64_t token;
};

/* The eUICC's public key (from the key cache: parsed once per certificate) and association token. */
static iot_err load_keys(struct eim *e, const char *eid, struct euicc_keys *k)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT cert, token FROM euicc WHERE eid = $1", &st);

	memset(k, 0, sizeof(*k));
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		size_t n;
		const uint8_t *c = store_col_blob(st, 0, &n);

		if (c && n)
			err = crypto_key_cache_cert_key(e->keys, c, n, &k->key);
		k->has_token = !store_col_null(st, 1);
		k->token = store_col_int(st, 1);
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

/* SGP.32 2.6: the eUICC signed its result data followed by the associationToken TLV */
static bool signature_valid(const struct euicc_keys *k, const rsp_bytes *data, const rsp_bytes *sig)
{
	struct crypto_buf parts[2] = { { data->ptr, data->len } };
	struct der_writer tw;
	uint8_t tok[12];

	if (!k->key)
		return false;
	der_writer_fixed(&tw, tok, sizeof(tok));
	der_put_int64(&tw, 0x84, k->token);
	parts[1] = (struct crypto_buf){ tok, tw.len };
	return ecdsa_verify(k->key, parts, k->has_token ? 2 : 1, sig->ptr, sig->len) == IOT_OK;
}

/* Records the outcome of op (when it is sent and the eIM's, for this eUICC);
 * a result for an operation already finished changes nothing. */
static iot_err finish_op(struct eim *e, const char *eid, int64_t id, int64_t counter, enum eim_op_state state,
			 int64_t code, const uint8_t *result, size_t len)
{
	struct store_stmt *st;
	bool row;
	iot_err err = store_prepare(e->db,
				    "UPDATE operation SET state = $3, result_code = $4, result = $5, updated = $6"
				    " WHERE id = $1 AND eid = $2 AND state = 1 AND ($7 = 0 OR counter = $7)", &st);

	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	store_bind_text(st, 2, eid);
	store_bind_int(st, 3, state);
	store_bind_int(st, 4, code);
	store_bind_blob(st, 5, result, len);
	store_bind_int(st, 6, (int64_t)time(NULL));
	store_bind_int(st, 7, counter);
	err = store_step(st, &row);
	store_finalize(st);
	/* the same result again: a lost acknowledgement, or someone replaying it */
	if (err == IOT_OK && store_changes(e->db) != 1)
		return eim_health_stale_result(e, eid, eim_now_ms());
	if (err == IOT_OK) {
		char actor[48], subject[32], outcome[48];

		store_log_on_commit(e->db, "eim", "operation finished", "id=%lld eid=%s state=%s code=%lld",
				    (long long)id, eid, eim_op_state_name(state), (long long)code);
		/* every eUICC result in the audit log, in the same transaction */
		snprintf(actor, sizeof(actor), "euicc:%s", eid);
		snprintf(subject, sizeof(subject), "operation:%lld", (long long)id);
		snprintf(outcome, sizeof(outcome), "%s code=%lld", eim_op_state_name(state), (long long)code);
		err = eim_audit_append(e, actor, "result", subject, outcome);
		if (err == IOT_OK)
			err = eim_profiles_learn_result(e, eid, id, result, len);
		if (err == IOT_OK)
			err = eim_health_result(e, eid, state == EIM_DONE, eim_now_ms());
		/* the next operation may go now: a device in inject mode gets it pushed at once */
		if (err == IOT_OK && (err = store_prepare(e->db, "UPDATE inject SET next_try = 0 WHERE eid = $1", &st)) ==
					     IOT_OK) {
			store_bind_text(st, 1, eid);
			err = store_step(st, &row);
			store_finalize(st);
		}
	}
	return err;
}

/* SGP.32 minimizeEsipaBytes: a compact notification made whole, so that the
 * SM-DP+ gets what the eUICC signed: an installation result from the
 * download session it ends, another from the certificates the eIM keeps of
 * its eUICC (named by the result it came with, or by its own eidValue).
 * *n stays the notification as received when it cannot be. */
static void expand_notification(struct eim *e, const char **eid, char named[33],
				const struct rsp_pending_notification **n, struct rsp_pending_notification *full,
				struct eim_certs *c, struct rsp_arena *a)
{
	const struct rsp_pending_notification *in = *n;

	if (in->choice == RSP_PENDING_COMPACT_PIR) {
		if (eim_expand_compact_pir(e, &in->u.compact_pir, full, named, a) == IOT_OK) {
			*n = full;
			if (!*eid)
				*eid = named;
		}
		return;
	}
	if (in->choice != RSP_PENDING_COMPACT_OTHER)
		return;
	/* handleNotification names no eUICC: the compact notification does */
	if (!*eid && in->u.compact_other.has_eid_value && in->u.compact_other.eid_value.len == 16) {
		hex_encode(in->u.compact_other.eid_value.ptr, 16, named);
		*eid = named;
	}
	if (!*eid || eim_euicc_certs(e, *eid, c) != IOT_OK)
		return;
	memset(full, 0, sizeof(*full));
	full->choice = RSP_PENDING_OTHER;
	full->u.other.tbs_other_notification = in->u.compact_other.tbs_other_notification;
	full->u.other.euicc_notification_signature = in->u.compact_other.euicc_notification_signature;
	full->u.other.euicc_certificate = RSP_BYTES(c->euicc, c->euicc_len);
	full->u.other.eum_certificate = RSP_BYTES(c->eum, c->eum_len);
	*n = full;
}

iot_err eim_store_notification(struct eim *e, const char *eid, int64_t seq, const struct rsp_pending_notification *in)
{
	struct rsp_pending_notification full;
	const struct rsp_pending_notification *n = in;
	struct eim_certs c = { 0 };
	struct rsp_arena a;
	struct store_stmt *st;
	char named[33];
	uint8_t *der = NULL;
	size_t len;
	bool row;
	iot_err err;

	rsp_arena_dynamic(&a);
	expand_notification(e, &eid, named, &n, &full, &c, &a);
	/* a notification delivered again (its acknowledgement lost) is the same
	 * signed bytes: stored, and so forwarded, once */
	if ((err = rsp_encode_alloc(&rsp_t_pending_notification, n, &der, &len)) == IOT_OK &&
	    (err = store_prepare(e->db, "INSERT INTO notification(eid, seq, der, received)"
					" SELECT $1, $2, $3, $4 WHERE NOT EXISTS"
					" (SELECT 1 FROM notification WHERE seq = $2 AND der = $3)", &st)) == IOT_OK) {
		store_bind_text(st, 1, eid);
		store_bind_int(st, 2, seq);
		store_bind_blob(st, 3, der, len);
		store_bind_int(st, 4, (int64_t)time(NULL));
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_OK && store_changes(e->db) == 1) {
		e->notified = true;
		if (eid && rsp_pending_notification_metadata(n))
			err = eim_profiles_learn_notification(e, eid, rsp_pending_notification_metadata(n));
	}
	free(der);
	eim_certs_free(&c);
	rsp_arena_free(&a);
	return err;
}


/* A failed download's code: the SM-DP+'s, when the IPA passed on its error
 * response (the function's response, error alternative '81'), else the
 * IPA's profileDownloadErrorReason. */
/* A download the device could not finish, kept sent for another try while
 * it has tries left and has not expired: true when it was. */
static bool retry_download(struct eim *e, const char *eid, int64_t id)
{
	char subject[32];

	if (store_sql(e->db, "UPDATE operation SET retries = retries + 1, updated = $3 WHERE id = $1 AND eid = $2"
			     " AND state = 1 AND kind = 4 AND retries < $4 AND expires >= $3",
		      "itii", id, eid, (int64_t)time(NULL), (int64_t)EIM_DOWNLOAD_RETRIES) != IOT_OK ||
	    store_changes(e->db) != 1)
		return false;
	log_warn("eim", "download cut short: it goes again", "id=%lld eid=%s", (long long)id, eid);
	snprintf(subject, sizeof(subject), "operation:%lld", (long long)id);
	return eim_audit_append(e, "esipa", "download-retry", subject, "sent again") == IOT_OK;
}

/* A sent download whose relayed session the device cancelled and never
 * reported (no trigger result: some IPAs end a download with CancelSession
 * alone), found as it is about to go out again: ended with the cancel's
 * reason, or, for a reason worth another try (undefined, timeout) with tries
 * left, sent again as a cut download is. *ended: the operation is over. In
 * the caller's transaction. */
iot_err eim_download_cancelled(struct eim *e, const char *eid, int64_t id, bool *ended)
{
	struct store_stmt *st;
	bool row = false;
	int64_t reason = 0;
	iot_err err;

	*ended = false;
	if ((err = store_prepare(e->db, "SELECT cancelled FROM session WHERE op = $1 AND cancelled IS NOT NULL LIMIT 1",
				 &st)) != IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	if ((err = store_step(st, &row)) == IOT_OK && row)
		reason = store_col_int(st, 0);
	store_finalize(st);
	if (err != IOT_OK || !row ||
	    (err = store_sql(e->db, "UPDATE session SET cancelled = NULL WHERE op = $1", "i", id)) != IOT_OK)
		return err;
	/* SGP.22 CancelSessionReason: timeout(2) and undefinedReason(127) may go better next time */
	if ((reason == 127 || reason == 2) && retry_download(e, eid, id))
		return IOT_OK;
	*ended = true;
	return finish_op(e, eid, id, 0, EIM_FAILED, reason, NULL, 0);
}

static int64_t download_error_code(const struct rsp_profile_download_error *pe)
{
	struct der_reader r, in;
	struct der_tlv t;
	int64_t code;

	if (!pe->has_error_response)
		return pe->reason;
	der_reader_init(&r, pe->error_response.ptr, pe->error_response.len);
	if (der_read(&r, &t) == IOT_OK && der_enter(&r, &t, &in) == IOT_OK && der_read(&in, &t) == IOT_OK &&
	    t.tag == 0x81 && der_get_int64(&t, &code) == IOT_OK && code > 0)
		return code;
	return pe->reason;
}

/* The result code of one item, for the operation's state: 0 when it succeeded. */
static int64_t result_code(const struct rsp_euicc_result_data *d)
{
	switch (d->choice) {
	case RSP_RESULT_LIST_PROFILE_INFO:
		return d->u.list_profile_info.choice == RSP_PROFILE_INFO_LIST_OK ? 0 : d->u.list_profile_info.u.error;
	case RSP_RESULT_GET_RAT:
		return 0;
	case RSP_RESULT_ADD_EIM:
		return d->u.add_eim.choice == RSP_ADD_EIM_ASSOCIATION_TOKEN ? 0 : d->u.add_eim.u.result_code;
	case RSP_RESULT_LIST_EIM:
		return d->u.list_eim.choice == RSP_LIST_EIM_ID_LIST ? 0 : d->u.list_eim.u.error;
	case RSP_RESULT_SET_DEFAULT_DP_ADDRESS:
		return d->u.set_default_dp_address.result;
	case RSP_RESULT_DELETE_EIM:
		return d->u.code == 2 ? 0 : d->u.code;   /* lastEimDeleted: deleted all the same */
	default:
		return d->u.code;
	}
}

/* SGP.32 ES10b.ProfileRollback: the device went back from the profile
 * operation id enabled (it could not reach us there). The operation is
 * marked rolled back, the device's profiles are listed again. */
static iot_err rolled_back(struct eim *e, const char *eid, int64_t id)
{
	static const uint8_t list_profiles[] = { 0xA0, 0x03, 0xBF, 0x2D, 0x00 };     /* psmoList { listProfileInfo } */
	char subject[96];
	int64_t op;
	iot_err err;

	snprintf(subject, sizeof(subject), "euicc:%s operation:%lld", eid, (long long)id);
	if ((err = store_sql(e->db, "UPDATE operation SET rolled_back = 1 WHERE id = $1 AND eid = $2 AND rolled_back = 0",
			     "it", id, eid)) != IOT_OK || store_changes(e->db) != 1)
		return err;
	if ((err = eim_audit_append(e, "euicc", "rollback", subject, "rolled back by the device")) == IOT_OK &&
	    (err = eim_health_rollback(e, eid, id, eim_now_ms())) == IOT_OK)
		err = eim_op_create(e, eid, EIM_OP_PSMO, list_profiles, sizeof(list_profiles), &op);
	return err;
}

static bool has_rollback(const struct rsp_euicc_package_result_data_signed *d)
{
	for (size_t i = 0; i < d->euicc_result.count; i++)
		if (d->euicc_result.items[i].choice == RSP_RESULT_ROLLBACK)
			return true;
	return false;
}

/* An EuiccPackageResult: verified, matched to its operation, recorded. */
static iot_err package_result(struct eim *e, const char *eid, const struct euicc_keys *k,
			      const struct rsp_euicc_package_result *r, int64_t *acks, size_t *nacks)
{
	uint8_t *der;
	size_t len;
	int64_t id, code = 0;
	iot_err err;

	if ((err = rsp_encode_alloc(&rsp_t_euicc_package_result, r, &der, &len)) != IOT_OK)
		return err;
	switch (r->choice) {
	case RSP_EPR_RESULT_SIGNED: {
		const struct rsp_euicc_package_result_data_signed *d = &r->u.result_signed.data;

		/* SGP.32 2.6: signed by this eUICC over what it sent, for this eIM */
		if (!signature_valid(k, &d->der, &r->u.result_signed.euicc_sign_epr) ||
		    d->eim_id.len != strlen(e->eim_id) || memcmp(d->eim_id.ptr, e->eim_id, d->eim_id.len) ||
		    !d->has_eim_transaction_id || !eim_txid_parse(e, &d->eim_transaction_id, &id)) {
			log_warn("eim", "package result refused: signature or identifiers", "eid=%s", eid);
			err = eim_health_security(e, eid, "forged-result", "a package result whose signature or identifiers"
					      " are not this eUICC's for this eIM", eim_now_ms());
			break;
		}
		/* a rollbackResult speaks of the enable it undid, finished already */
		if (has_rollback(d)) {
			err = rolled_back(e, eid, id);
			acks[(*nacks)++] = d->seq_number;
			break;
		}
		/* the first item that failed gives the operation's code */
		for (size_t i = 0; i < d->euicc_result.count && !code; i++)
			code = result_code(&d->euicc_result.items[i]);
		err = finish_op(e, eid, id, d->counter_value, code ? EIM_FAILED : EIM_DONE, code, der, len);
		acks[(*nacks)++] = d->seq_number;
		break;
	}
	case RSP_EPR_ERROR_SIGNED: {
		const struct rsp_euicc_package_error_data_signed *d = &r->u.error_signed.data;

		if (!signature_valid(k, &d->der, &r->u.error_signed.euicc_sign_epe) || !d->has_eim_transaction_id ||
		    !eim_txid_parse(e, &d->eim_transaction_id, &id)) {
			log_warn("eim", "package error refused: signature or identifiers", "eid=%s", eid);
			err = eim_health_security(e, eid, "forged-result", "a package error whose signature or identifiers"
					      " are not this eUICC's", eim_now_ms());
			break;
		}
		err = finish_op(e, eid, id, 0, EIM_FAILED, d->euicc_package_error_code, der, len);
		break;
	}
	default:
		/* unsigned: anyone may have sent it (SGP.32 gives it no authenticity). The
		 * operation stays sent and goes again at the next poll; only a signed
		 * result or error, or its expiry, ends it */
		log_warn("eim", "unsigned package error: the operation is kept", "eid=%s", eid);
		err = eim_audit_append(e, "esipa", "unsigned-package-error", eid, "kept");
		break;
	}
	free(der);
	return err;
}

/* What a data response tells that compact messages leave out (SGP.32
 * minimizeEsipaBytes): the EUM certificate, euiccInfo2, the IPA's features. */
static iot_err remember_ipa_data(struct eim *e, const char *eid, const struct rsp_ipa_euicc_data *d)
{
	struct store_stmt *st;
	uint8_t *info2 = NULL;
	size_t info2_len = 0;
	bool row;
	iot_err err;

	if (!d->has_eum_certificate && !d->has_euicc_info2 && !d->has_ipa_capabilities)
		return IOT_OK;
	if (d->has_euicc_info2 &&
	    (err = rsp_encode_alloc(&rsp_t_euicc_info2, &d->euicc_info2, &info2, &info2_len)) != IOT_OK)
		return err;
	if ((err = store_prepare(e->db, "INSERT INTO euicc_info(eid, eum_cert, euicc_info2, ipa_features)"
					" VALUES ($1, $2, $3, $4) ON CONFLICT (eid) DO UPDATE SET"
					" eum_cert = COALESCE($2, euicc_info.eum_cert),"
					" euicc_info2 = COALESCE($3, euicc_info.euicc_info2),"
					" ipa_features = COALESCE($4, euicc_info.ipa_features)", &st)) == IOT_OK) {
		store_bind_text(st, 1, eid);
		if (d->has_eum_certificate)
			store_bind_blob(st, 2, d->eum_certificate.ptr, d->eum_certificate.len);
		else
			store_bind_null(st, 2);
		if (info2)
			store_bind_blob(st, 3, info2, info2_len);
		else
			store_bind_null(st, 3);
		if (d->has_ipa_capabilities)
			store_bind_int(st, 4, (int64_t)d->ipa_capabilities.ipa_features);
		else
			store_bind_null(st, 4);
		err = store_step(st, &row);
		store_finalize(st);
	}
	free(info2);
	return err;
}

/* The first contact: the certificates chain to a CI we trust and name this EID. */
static iot_err learn_euicc(struct eim *e, const char *eid, const struct rsp_ipa_euicc_data *d)
{
	struct store_stmt *st;
	iot_err err;
	bool row;

	if (!d->has_eum_certificate || !d->has_euicc_certificate)
		return IOT_E_ASN1_MISSING;
	err = eim_euicc_check_certificates(e, eid, d->eum_certificate.ptr, d->eum_certificate.len,
					   d->euicc_certificate.ptr, d->euicc_certificate.len);
	if (err == IOT_OK && (err = store_prepare(e->db, "UPDATE euicc SET cert = $2, token = $3 WHERE eid = $1", &st)) ==
				     IOT_OK) {
		store_bind_text(st, 1, eid);
		store_bind_blob(st, 2, d->euicc_certificate.ptr, d->euicc_certificate.len);
		if (d->has_association_token)
			store_bind_int(st, 3, d->association_token);
		else
			store_bind_null(st, 3);
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err != IOT_OK)
		log_warn("eim", "first contact refused", "eid=%s error=\"%s\"", eid, iot_strerror(err));
	return err;
}

iot_err eim_record_result(struct eim *e, const char *eid, const struct rsp_eim_package_result *res, int64_t *acks,
			  size_t *nacks_out)
{
	struct euicc_keys k = { 0 };
	size_t nacks = 0;
	int64_t id;
	iot_err err;

	*nacks_out = 0;
	if ((err = load_keys(e, eid, &k)) != IOT_OK)
		return err;
	if ((err = store_begin(e->db)) != IOT_OK) {
		crypto_key_free(k.key);
		return err;
	}
	switch (res->choice) {
	case RSP_EIM_RESULT_EPR:
		err = package_result(e, eid, &k, &res->u.epr, acks, &nacks);
		break;
	case RSP_EIM_RESULT_EPR_AND_NOTIFICATIONS: {
		const rsp_pending_notification_list *l = &res->u.epr_and_notifications.notification_list;

		err = package_result(e, eid, &k, &res->u.epr_and_notifications.euicc_package_result, acks, &nacks);
		for (size_t i = 0; err == IOT_OK && i < l->count && nacks < EIM_MAX_ACKS; i++) {
			err = eim_store_notification(e, eid, rsp_pending_notification_seq(&l->items[i]), &l->items[i]);
			acks[nacks++] = rsp_pending_notification_seq(&l->items[i]);
		}
		break;
	}
	case RSP_EIM_RESULT_IPA_EUICC_DATA: {
		const struct rsp_ipa_euicc_data_response *d = &res->u.ipa_euicc_data_response;
		const rsp_bytes *t = d->choice == RSP_IPA_EUICC_DATA ? &d->u.data.eim_transaction_id :
								      &d->u.error.eim_transaction_id;
		struct eim_op op;
		uint8_t *der;
		size_t len;

		if (!eim_txid_parse(e, t, &id) || eim_op_get(e, id, &op) != IOT_OK)
			break;
		if ((err = rsp_encode_alloc(&rsp_t_ipa_euicc_data_response, d, &der, &len)) == IOT_OK) {
			bool ok = d->choice == RSP_IPA_EUICC_DATA &&
				  (op.kind != EIM_OP_CONTACT || learn_euicc(e, eid, &d->u.data) == IOT_OK);

			if (ok)
				err = remember_ipa_data(e, eid, &d->u.data);
			/* a first contact refused (certificates that are not this eUICC's, or an
			 * error: nothing in it is signed) leaves the eUICC waiting for a valid one:
			 * the request goes again to whoever polls next, the genuine device too */
			if (!ok && op.kind == EIM_OP_CONTACT) {
				err = eim_audit_append(e, "esipa", "first-contact-refused", eid, "kept");
				if (err == IOT_OK)
					err = eim_health_security(e, eid, "certificate-refused", "a first contact with"
								  " certificates that are not this eUICC's", eim_now_ms());
				free(der);
				eim_op_free(&op);
				break;
			}
			if (err == IOT_OK)
				err = finish_op(e, eid, id, 0, ok ? EIM_DONE : EIM_FAILED,
						ok ? 0 : d->choice == RSP_IPA_EUICC_DATA ? 127 : d->u.error.error_code, der,
						len);
			free(der);
		}
		eim_op_free(&op);
		break;
	}
	case RSP_EIM_RESULT_PDT_RESULT: {
		const struct rsp_profile_download_trigger_result *p = &res->u.pdt_result;
		uint8_t *der;
		size_t len;

		if (!p->has_eim_transaction_id || !eim_txid_parse(e, &p->eim_transaction_id, &id))
			break;
		/* the device reports its download itself: a cancel it relayed is accounted for here */
		if ((err = store_sql(e->db, "UPDATE session SET cancelled = NULL WHERE op = $1 AND cancelled IS NOT NULL",
				     "i", id)) != IOT_OK)
			break;
		if ((err = rsp_encode_alloc(&rsp_t_profile_download_trigger_result, p, &der, &len)) != IOT_OK)
			break;
		if (p->result_data.choice == RSP_PDT_RESULT_PIR) {
			const struct rsp_profile_installation_result *pir = &p->result_data.u.pir;
			bool ok = pir->data.final_result.choice == RSP_FINAL_RESULT_SUCCESS;
			struct rsp_pending_notification n = { .choice = RSP_PENDING_PIR };

			err = finish_op(e, eid, id, 0, ok ? EIM_DONE : EIM_FAILED,
					ok ? 0 : pir->data.final_result.u.error.error_reason, der, len);
			n.u.pir = *pir;
			if (err == IOT_OK)
				err = eim_store_notification(e, eid, pir->data.notification_metadata.seq_number, &n);
			acks[nacks++] = pir->data.notification_metadata.seq_number;
		} else if (download_error_code(&p->result_data.u.error) == 127 && retry_download(e, eid, id)) {
			/* cut short, not refused: the trigger goes again at the next poll */
		} else {
			err = finish_op(e, eid, id, 0, EIM_FAILED, download_error_code(&p->result_data.u.error), der, len);
		}
		free(der);
		break;
	}
	default:
		if (res->u.error.has_eim_transaction_id && eim_txid_parse(e, &res->u.error.eim_transaction_id, &id))
			err = finish_op(e, eid, id, 0, EIM_FAILED, res->u.error.error_code, NULL, 0);
		break;
	}
	crypto_key_free(k.key);
	if (err != IOT_OK) {
		store_rollback(e->db);
		return err;
	}
	/* stored before acknowledged: the eUICC may forget what we acknowledge */
	if ((err = store_commit(e->db)) != IOT_OK)
		return err;
	*nacks_out = nacks;
	return IOT_OK;
}


/* A PIR delivered by handleNotification, by an IPA that sends no trigger
 * result: the download it ends (found by the relay session's
 * transactionId, its eUICC's signature over it checked) finished with its
 * outcome, in the caller's transaction. A trigger result after it changes
 * nothing; a PIR that names no session of this eIM only goes on to its
 * SM-DP+. */
iot_err eim_download_finish_by_pir(struct eim *e, const struct rsp_pending_notification *in)
{
	const struct rsp_pending_notification *n = in;
	struct rsp_pending_notification full;
	const struct rsp_profile_installation_result *pir;
	struct eim_certs c = { 0 };
	struct euicc_keys k = { 0 };
	struct store_stmt *st;
	struct rsp_arena a;
	const char *eid = NULL;
	char named[33], owner[33] = "";
	int64_t id = 0;
	bool row = false, ok;
	iot_err err;

	rsp_arena_dynamic(&a);
	expand_notification(e, &eid, named, &n, &full, &c, &a);
	eim_certs_free(&c);
	if (n->choice != RSP_PENDING_PIR) {
		rsp_arena_free(&a);
		return IOT_OK;
	}
	pir = &n->u.pir;
	if ((err = store_prepare(e->db, "SELECT o.id, o.eid FROM session s JOIN operation o ON o.id = s.op"
					" WHERE s.txid = $1 AND o.state = 1 AND o.kind = 4", &st)) != IOT_OK) {
		rsp_arena_free(&a);
		return err;
	}
	store_bind_blob(st, 1, pir->data.transaction_id.ptr, pir->data.transaction_id.len);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		id = store_col_int(st, 0);
		snprintf(owner, sizeof(owner), "%s", store_col_text(st, 1));
	}
	store_finalize(st);
	/* SGP.22 5.6.4: euiccSignPIR over profileInstallationResultData, by that eUICC */
	if (err == IOT_OK && row && (err = load_keys(e, owner, &k)) == IOT_OK) {
		struct crypto_buf part = { pir->data.der.ptr, pir->data.der.len };

		if (!k.key || ecdsa_verify(k.key, &part, 1, pir->euicc_sign_pir.ptr, pir->euicc_sign_pir.len) !=
				       IOT_OK) {
			log_warn("eim", "installation result refused: not signed by the eUICC", "eid=%s op=%lld", owner,
				 (long long)id);
			row = false;
		}
	}
	if (err == IOT_OK && row) {
		uint8_t *der;
		size_t len;

		ok = pir->data.final_result.choice == RSP_FINAL_RESULT_SUCCESS;
		if ((err = rsp_encode_alloc(&rsp_t_pending_notification, n, &der, &len)) == IOT_OK) {
			err = finish_op(e, owner, id, 0, ok ? EIM_DONE : EIM_FAILED,
					ok ? 0 : pir->data.final_result.u.error.error_reason, der, len);
			free(der);
		}
	}
	crypto_key_free(k.key);
	rsp_arena_free(&a);
	return err;
}
