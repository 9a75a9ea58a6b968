/* The eIM's side of ESipa (SGP.32 6.3): getEimPackage, provideEimPackageResult,
 * handleNotification, and the indirect-download functions (relay.c). */
#include "eim/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"
#include "base/log.h"

static iot_err answer(const struct rsp_esipa_message_from_eim *m, struct der_writer *out)
{
	iot_err err = rsp_encode(&rsp_t_esipa_message_from_eim, m, out);

	return err == IOT_OK ? der_writer_err(out) : err;
}

static iot_err package_error(int64_t code, struct der_writer *out)
{
	struct rsp_esipa_message_from_eim m = { .choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE };

	m.u.get_eim_package.choice = RSP_GET_EIM_PKG_ERROR;
	m.u.get_eim_package.u.error = code;
	return answer(&m, out);
}

/* ---- getEimPackage ---- */

struct next_op {
	int64_t id;
	enum eim_op_kind kind;
	enum eim_op_state state;
	uint8_t *payload, *message;
	size_t payload_len, message_len;
};

static void next_op_free(struct next_op *o)
{
	free(o->payload);
	free(o->message);
}

static uint8_t *copy_blob(struct store_stmt *st, int col, size_t *len)
{
	const uint8_t *b = store_col_blob(st, col, len);
	uint8_t *p;

	if (!b || !*len || !(p = malloc(*len)))
		return NULL;
	return memcpy(p, b, *len);
}

/* The eUICC's next operation: the first contact before anything else, then
 * in order; expired ones are marked on the way. IOT_E_NOT_FOUND: none. */
static iot_err next_op(struct eim *e, const char *eid, struct next_op *o)
{
	struct store_stmt *st;
	int64_t now = (int64_t)time(NULL);
	bool row = false;
	iot_err err;

	memset(o, 0, sizeof(*o));
	if ((err = store_prepare(e->db, "UPDATE operation SET state = 5, updated = $2 WHERE eid = $1 AND state = 0"
					" AND expires < $2", &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, now);
	err = store_step(st, &row);
	store_finalize(st);
	/* the first contact first, then the device's own operations, then its
	 * campaigns' while they have room in flight (a sent one is always re-sent) */
	if (err != IOT_OK ||
	    (err = store_prepare(e->db,
				 "SELECT o.id, o.kind, o.state, o.payload, o.message FROM operation o"
				 " LEFT JOIN campaign c ON c.id = o.campaign"
				 " WHERE o.eid = $1 AND o.state < 2 AND (o.campaign IS NULL OR o.state = 1 OR"
				 "  (SELECT COUNT(*) FROM operation x WHERE x.campaign = o.campaign AND x.state = 1)"
				 "   < c.max_in_flight)"
				 " ORDER BY o.kind = 5 DESC, o.campaign IS NOT NULL, o.id LIMIT 1", &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		o->id = store_col_int(st, 0);
		o->kind = (enum eim_op_kind)store_col_int(st, 1);
		o->state = (enum eim_op_state)store_col_int(st, 2);
		o->payload = copy_blob(st, 3, &o->payload_len);
		o->message = copy_blob(st, 4, &o->message_len);
		if (!o->payload)
			err = IOT_E_NOMEM;
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

/* SGP.32 2.6: the eIM signs DER(EuiccPackageSigned) then the associationToken TLV */
static iot_err sign_package(struct eim *e, struct rsp_euicc_package_request *q, bool has_token, int64_t token,
			    uint8_t sig[64], uint8_t **signed_der)
{
	struct crypto_buf parts[2];
	struct der_writer tw;
	uint8_t tok[12];
	size_t n;
	iot_err err;

	if ((err = rsp_encode_alloc(&rsp_t_euicc_package_signed, &q->signed_data, signed_der, &n)) != IOT_OK)
		return err;
	q->signed_data.der = RSP_BYTES(*signed_der, n);
	parts[0] = (struct crypto_buf){ *signed_der, n };
	der_writer_fixed(&tw, tok, sizeof(tok));
	der_put_int64(&tw, 0x84, token);
	parts[1] = (struct crypto_buf){ tok, tw.len };
	if ((err = ecdsa_sign(e->key, parts, has_token ? 2 : 1, sig)) != IOT_OK)
		return err;
	q->eim_signature = RSP_BYTES(sig, 64);
	return IOT_OK;
}

/* The GetEimPackageResponse for o, counterValue taken and the message kept
 * in the same transaction, so a lost answer is re-sent unchanged. */
static iot_err build_message(struct eim *e, const char *eid_text, const uint8_t eid[16], struct next_op *o,
			     struct der_writer *out)
{
	struct rsp_esipa_message_from_eim m = { .choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE };
	struct rsp_get_eim_package_response *g = &m.u.get_eim_package;
	struct store_stmt *st;
	struct eim_euicc u;
	struct rsp_arena a;
	uint8_t txid[EIM_TXID_LEN], sig[64], *signed_der = NULL;
	size_t start = out->len;
	bool row;
	iot_err err;

	eim_txid(e, o->id, txid);
	rsp_arena_dynamic(&a);
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = eim_euicc_get(e, eid_text, &u)) != IOT_OK)
		goto out;
	switch (o->kind) {
	case EIM_OP_PSMO:
	case EIM_OP_ECO: {
		struct rsp_euicc_package_request *q = &g->u.euicc_package_request;

		g->choice = RSP_GET_EIM_PKG_EUICC_PACKAGE;
		if ((err = rsp_decode(&rsp_t_euicc_package, o->payload, o->payload_len, &q->signed_data.euicc_package,
				      &a)) != IOT_OK)
			goto out;
		/* SGP.32 5.9.1: a counterValue above every one this eUICC accepted from us */
		q->signed_data.eim_id = RSP_BYTES(e->eim_id, strlen(e->eim_id));
		q->signed_data.eid_value = RSP_BYTES(eid, 16);
		q->signed_data.counter_value = u.counter + 1;
		q->signed_data.has_eim_transaction_id = true;
		q->signed_data.eim_transaction_id = RSP_BYTES(txid, EIM_TXID_LEN);
		if ((err = sign_package(e, q, u.has_token, u.token, sig, &signed_der)) != IOT_OK ||
		    (err = store_prepare(e->db, "UPDATE euicc SET counter = $2 WHERE eid = $1", &st)) != IOT_OK)
			goto out;
		store_bind_text(st, 1, eid_text);
		store_bind_int(st, 2, u.counter + 1);
		err = store_step(st, &row);
		store_finalize(st);
		break;
	}
	case EIM_OP_DATA:
	case EIM_OP_CONTACT:
		g->choice = RSP_GET_EIM_PKG_IPA_EUICC_DATA_REQUEST;
		g->u.ipa_euicc_data_request.tag_list = RSP_BYTES(o->payload, o->payload_len);
		g->u.ipa_euicc_data_request.has_eim_transaction_id = true;
		g->u.ipa_euicc_data_request.eim_transaction_id = RSP_BYTES(txid, EIM_TXID_LEN);
		break;
	case EIM_OP_DOWNLOAD:
		g->choice = RSP_GET_EIM_PKG_PDT_REQUEST;
		g->u.pdt_request.has_profile_download_data = true;
		g->u.pdt_request.profile_download_data.choice = RSP_PDD_ACTIVATION_CODE;
		g->u.pdt_request.profile_download_data.u.activation_code = RSP_BYTES(o->payload, o->payload_len);
		g->u.pdt_request.has_eim_transaction_id = true;
		g->u.pdt_request.eim_transaction_id = RSP_BYTES(txid, EIM_TXID_LEN);
		break;
	}
	if (err == IOT_OK)
		err = answer(&m, out);
	/* only a pending one: sent already (polled and pushed at once) it is not made twice */
	if (err == IOT_OK && (err = store_prepare(e->db, "UPDATE operation SET state = 1, counter = $2, message = $3,"
							  " updated = $4 WHERE id = $1 AND state = 0", &st)) == IOT_OK) {
		store_bind_int(st, 1, o->id);
		store_bind_int(st, 2, o->kind == EIM_OP_PSMO || o->kind == EIM_OP_ECO ? u.counter + 1 : 0);
		store_bind_blob(st, 3, out->buf + start, out->len - start);
		store_bind_int(st, 4, (int64_t)time(NULL));
		err = store_step(st, &row);
		store_finalize(st);
		if (err == IOT_OK && store_changes(e->db) != 1)
			err = IOT_E_REFUSED;
	}
out:
	/* committed before the package leaves: a crash never reuses a counter */
	if (err == IOT_OK)
		err = store_commit(e->db);
	else
		store_rollback(e->db);
	free(signed_der);
	rsp_arena_free(&a);
	if (err != IOT_OK)
		out->len = start;
	return err;
}

/* The message that carries eid's next operation: the one sent already,
 * again, or a new one made for it. IOT_E_NOT_FOUND: none. */
iot_err eim_next_message(struct eim *e, const char *eid, const uint8_t eid_bytes[16], bool pending_only,
			 struct der_writer *out, int64_t *op, bool *resent)
{
	struct next_op o;
	iot_err err;

	for (int tries = 0; tries < 2; tries++) {
		if ((err = next_op(e, eid, &o)) != IOT_OK)
			return err;
		*op = o.id;
		*resent = o.state == EIM_SENT;
		if (o.state == EIM_SENT && pending_only) {
			err = IOT_E_REFUSED;
		} else if (o.state == EIM_SENT && o.message) {
			/* delivered but not answered: the same bytes again, never a new counter */
			der_put_raw(out, o.message, o.message_len);
			err = der_writer_err(out);
		} else {
			err = build_message(e, eid, eid_bytes, &o, out);
		}
		next_op_free(&o);
		if (err != IOT_E_REFUSED || pending_only)
			return err;
		/* sent meanwhile by another thread: read it again */
	}
	return err;
}

/* What a getEimPackage says of the device besides asking: the last
 * registered PLMN, and a change of state the eIM did not make (SGP.32
 * 6.3.2.6), after which the eIM asks for the profiles again. */
static iot_err record_state(struct eim *e, const char *eid, const struct rsp_get_eim_package_request *q)
{
	static const uint8_t list_profiles[] = { 0xA0, 0x03, 0xBF, 0x2D, 0x00 };     /* psmoList { listProfileInfo } */
	int64_t now = (int64_t)time(NULL), id, cause = q->has_state_change_cause ? q->state_change_cause : 127;
	struct store_stmt *st;
	char plmn[7] = "", outcome[48];
	bool row = false;
	iot_err err;

	if (!q->notify_state_change && !(q->has_rplmn && q->rplmn.len == 3))
		return IOT_OK;
	if (q->has_rplmn && q->rplmn.len == 3)
		hex_encode(q->rplmn.ptr, 3, plmn);
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = store_prepare(e->db, "INSERT INTO euicc_state(eid, rplmn, rplmn_at, change_cause, changed_at)"
					" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (eid) DO UPDATE SET"
					" rplmn = COALESCE($2, euicc_state.rplmn), rplmn_at = COALESCE($3, euicc_state.rplmn_at),"
					" change_cause = COALESCE($4, euicc_state.change_cause),"
					" changed_at = COALESCE($5, euicc_state.changed_at)", &st)) == IOT_OK) {
		store_bind_text(st, 1, eid);
		store_bind_text(st, 2, plmn[0] ? plmn : NULL);
		if (plmn[0])
			store_bind_int(st, 3, now);
		else
			store_bind_null(st, 3);
		if (q->notify_state_change) {
			store_bind_int(st, 4, cause);
			store_bind_int(st, 5, now);
		} else {
			store_bind_null(st, 4);
			store_bind_null(st, 5);
		}
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_OK && q->notify_state_change) {
		char actor[48];

		snprintf(actor, sizeof(actor), "euicc:%s", eid);
		snprintf(outcome, sizeof(outcome), "cause=%lld", (long long)cause);
		err = eim_audit_append(e, actor, "state change", "euicc", outcome);
		/* what changed is learned again, unless a refresh is already waiting */
		if (err == IOT_OK && (err = store_prepare(e->db, "SELECT 1 FROM operation WHERE eid = $1 AND kind = 1"
								 " AND state = 0 AND payload = $2", &st)) == IOT_OK) {
			store_bind_text(st, 1, eid);
			store_bind_blob(st, 2, list_profiles, sizeof(list_profiles));
			err = store_step(st, &row);
			store_finalize(st);
			if (err == IOT_OK && !row)
				err = eim_op_create(e, eid, EIM_OP_PSMO, list_profiles, sizeof(list_profiles), &id);
		}
		log_info("eim", "state change", "eid=%s cause=%lld rplmn=%s", eid, (long long)cause, plmn[0] ? plmn : "-");
	}
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

void eim_esipa_from(struct eim *e, bool json, const char *source)
{
	e->esipa_json = json;
	snprintf(e->source, sizeof(e->source), "%s", source ? source : "");
}

/* A poll for eid from e->source: counted when the source is not the last
 * one, within the hour; alerted on from EIM_SOURCES_ALERT on. */
static iot_err note_source(struct eim *e, const char *eid, int64_t now)
{
	struct store_stmt *st;
	int64_t sources = 0;
	bool row = false;
	iot_err err;

	if (!e->source[0])
		return IOT_OK;
	if ((err = store_prepare(e->db, "UPDATE euicc SET"
					" sources = CASE WHEN $3 - sources_since > 3600 THEN 1 ELSE sources + 1 END,"
					" sources_since = CASE WHEN $3 - sources_since > 3600 THEN $3 ELSE sources_since END,"
					" last_source = $2"
					" WHERE eid = $1 AND (last_source IS NULL OR last_source <> $2) RETURNING sources",
				 &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_text(st, 2, e->source);
	store_bind_int(st, 3, now);
	if ((err = store_step(st, &row)) == IOT_OK && row)   /* a row: the source changed */
		sources = store_col_int(st, 0);
	store_finalize(st);
	if (err == IOT_OK && sources >= EIM_SOURCES_ALERT) {
		char outcome[96];

		log_warn("eim", "one EID polled from many sources", "eid=%s sources_in_hour=%lld latest=%s", eid,
			 (long long)sources, e->source);
		snprintf(outcome, sizeof(outcome), "sources=%lld latest=%.60s", (long long)sources, e->source);
		err = eim_audit(e, "esipa", "many-sources", eid, outcome);
	}
	return err;
}

static iot_err get_eim_package(struct eim *e, const struct rsp_get_eim_package_request *q, struct der_writer *out)
{
	struct store_stmt *st;
	char eid[33];
	int64_t id;
	bool row, resent;
	iot_err err;

	/* SGP.32 6.3.2.6: the EID is 16 bytes, and one the eIM manages */
	if (q->eid_value.len != 16)
		return package_error(RSP_EIM_PKG_INVALID_EID, out);
	hex_encode(q->eid_value.ptr, 16, eid);
	/* the binding it polls in is the one its pushes go in */
	if ((err = store_prepare(e->db, "UPDATE euicc SET last_contact = $2, esipa_json = $3 WHERE eid = $1", &st)) !=
	    IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, (int64_t)time(NULL));
	store_bind_int(st, 3, e->esipa_json);
	err = store_step(st, &row);
	store_finalize(st);
	if (err != IOT_OK)
		return err;
	if (store_changes(e->db) != 1)
		return package_error(RSP_EIM_PKG_EID_NOT_FOUND, out);
	if ((err = note_source(e, eid, (int64_t)time(NULL))) != IOT_OK ||
	    (err = record_state(e, eid, q)) != IOT_OK)
		return err;
	if ((err = eim_next_message(e, eid, q->eid_value.ptr, false, out, &id, &resent)) == IOT_E_NOT_FOUND)
		return package_error(RSP_EIM_PKG_NO_PACKAGE, out);
	if (err == IOT_OK)
		log_info("eim", "getEimPackage", "eid=%s op=%lld resent=%d", eid, (long long)id, resent);
	return err;
}

/* ---- provideEimPackageResult ---- */

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
		c->euicc = copy_blob(st, 0, &c->euicc_len);
		c->eum = copy_blob(st, 1, &c->eum_len);
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
	struct crypto_cert *cert;
	bool has_token;
	int64_t token;
};

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
			err = x509_parse(c, n, &k->cert);
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

	if (!k->cert)
		return false;
	der_writer_fixed(&tw, tok, sizeof(tok));
	der_put_int64(&tw, 0x84, k->token);
	parts[1] = (struct crypto_buf){ tok, tw.len };
	return ecdsa_verify(x509_key(k->cert), parts, k->has_token ? 2 : 1, sig->ptr, sig->len) == IOT_OK;
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
	if (err == IOT_OK && store_changes(e->db) == 1) {
		char actor[48], subject[32], outcome[48];

		log_info("eim", "operation finished", "id=%lld eid=%s state=%s code=%lld", (long long)id, eid,
			 eim_op_state_name(state), (long long)code);
		/* every eUICC result in the audit log, in the same transaction */
		snprintf(actor, sizeof(actor), "euicc:%s", eid);
		snprintf(subject, sizeof(subject), "operation:%lld", (long long)id);
		snprintf(outcome, sizeof(outcome), "%s code=%lld", eim_op_state_name(state), (long long)code);
		err = eim_audit_append(e, actor, "result", subject, outcome);
		if (err == IOT_OK)
			err = eim_profiles_learn_result(e, eid, id, result, len);
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

static iot_err store_notification(struct eim *e, const char *eid, int64_t seq, const struct rsp_pending_notification *in)
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
		x509_free(k.cert);
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
			err = store_notification(e, eid, rsp_pending_notification_seq(&l->items[i]), &l->items[i]);
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
				err = store_notification(e, eid, pir->data.notification_metadata.seq_number, &n);
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
	x509_free(k.cert);
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

static iot_err provide_result(struct eim *e, const struct rsp_provide_eim_package_result *q, struct der_writer *out)
{
	struct rsp_esipa_message_from_eim m = { .choice = RSP_EIM_TO_IPA_PROVIDE_EIM_PACKAGE_RESULT };
	struct rsp_provide_eim_package_result_response *r = &m.u.provide_eim_package_result;
	int64_t acks[EIM_MAX_ACKS];
	size_t nacks = 0;
	char eid[33];
	iot_err err;

	/* SGP.32 6.3.2.x: the eUICC the result comes from */
	if (!q->has_eid_value || q->eid_value.len != 16) {
		r->choice = RSP_PROVIDE_RESULT_ERROR;
		r->u.error = q->has_eid_value ? 3 : 4;          /* invalidEid, missingEid */
		return answer(&m, out);
	}
	hex_encode(q->eid_value.ptr, 16, eid);
	if ((err = eim_record_result(e, eid, &q->eim_package_result, acks, &nacks)) == IOT_E_NOT_FOUND) {
		r->choice = RSP_PROVIDE_RESULT_ERROR;
		r->u.error = 2;                                 /* eidNotFound */
		return answer(&m, out);
	}
	if (err != IOT_OK)
		return err;
	r->choice = nacks ? RSP_PROVIDE_RESULT_ACKS : RSP_PROVIDE_RESULT_EMPTY;
	r->u.acks.items = acks;
	r->u.acks.count = nacks;
	return answer(&m, out);
}

/* ---- the entry point ---- */


iot_err eim_esipa(struct eim *e, const uint8_t *req, size_t len, struct der_writer *out)
{
	struct rsp_esipa_message_from_ipa q;
	struct rsp_esipa_message_from_eim m;
	struct rsp_arena a;
	uint8_t *keep = NULL;
	iot_err err;

	rsp_arena_dynamic(&a);
	if ((err = rsp_decode(&rsp_t_esipa_message_from_ipa, req, len, &q, &a)) != IOT_OK) {
		rsp_arena_free(&a);
		return err;
	}
	switch (q.choice) {
	case RSP_IPA_TO_EIM_GET_EIM_PACKAGE:
		err = get_eim_package(e, &q.u.get_eim_package, out);
		break;
	case RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT:
		err = provide_result(e, &q.u.provide_eim_package_result, out);
		break;
	case RSP_IPA_TO_EIM_HANDLE_NOTIFICATION:
		if (q.u.handle_notification.choice == RSP_HANDLE_NOTIFICATION_PENDING) {
			err = store_notification(e, NULL, rsp_pending_notification_seq(&q.u.handle_notification.u.pending),
						 &q.u.handle_notification.u.pending);
		} else {
			err = provide_result(e, &q.u.handle_notification.u.provide_eim_package_result, out);
			out->len = 0;   /* handleNotification has no answer */
		}
		break;
	case RSP_IPA_TO_EIM_TRANSFER_EIM_PACKAGE_RESPONSE:
		err = IOT_E_ASN1_CHOICE;        /* inject mode is not offered */
		break;
	default:
		if ((err = eim_relay(e, &q, &m, &a, &keep)) == IOT_OK)
			err = answer(&m, out);
		break;
	}
	free(keep);
	rsp_arena_free(&a);
	return err;
}
