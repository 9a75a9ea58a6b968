/* The eIM's side of ESipa (SGP.32 6.3): getEimPackage, provideEimPackageResult,
 * handleNotification, and the indirect-download functions (relay.c). */
#include "eim/internal.h"
#include "eim/autopilot.h"
#include "eim/change.h"

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

/* Whether eid may get lifecycle work now (the policy's maintenance windows
 * for its labels). */
static bool in_window(struct eim *e, const char *eid, int64_t now)
{
	struct eim_policy *p = eim_policy_of(e);
	struct eim_euicc u;
	bool open = true;

	if (eim_policy_has_windows(p) && eim_euicc_get(e, eid, &u) == IOT_OK)
		open = eim_policy_window_open(p, u.labels, (time_t)now);
	eim_policy_release(p);
	return open;
}

/* The eUICC's next operation: the first contact before anything else, then
 * in order; expired ones are marked on the way. IOT_E_NOT_FOUND: none. */
static iot_err next_op(struct eim *e, const char *eid, struct next_op *o)
{
	struct store_stmt *st;
	int64_t now = (int64_t)time(NULL);
	bool row = false;
	iot_err err = IOT_OK;

	memset(o, 0, sizeof(*o));
	/* (a write: skipped when the poll's first read saw nothing expired) */
	if (!e->none_expired) {
		if ((err = store_prepare(e->db, "UPDATE operation SET state = 5, updated = $2 WHERE eid = $1 AND state = 0"
						" AND expires < $2", &st)) != IOT_OK)
			return err;
		store_bind_text(st, 1, eid);
		store_bind_int(st, 2, now);
		err = store_step(st, &row);
		store_finalize(st);
	}
	e->none_expired = false;
	/* the first contact first, then the device's own operations, then its
	 * campaigns' while running, in a stage under way and with room in
	 * flight (a sent one is always re-sent); lifecycle work (PSMO, eCO,
	 * download) only inside the device's maintenance windows */
	if (err != IOT_OK ||
	    (err = store_prepare(e->db,
				 "SELECT o.id, o.kind, o.state, o.payload, o.message FROM operation o"
				 " LEFT JOIN campaign c ON c.id = o.campaign"
				 " WHERE o.eid = $1 AND o.state < 2 AND (o.state = 1 OR ((o.campaign IS NULL OR"
				 "  (c.state = 0 AND o.stage <= c.stage AND"
				 "   (SELECT COUNT(*) FROM operation x WHERE x.campaign = o.campaign AND x.state = 1)"
				 "    < c.max_in_flight)) AND (o.kind IN (3, 5) OR $2 = 1)))"
				 " ORDER BY o.kind = 5 DESC, o.campaign IS NOT NULL, o.id LIMIT 1", &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	/* a quarantined device gets no lifecycle work until an admin releases it */
	store_bind_int(st, 2, in_window(e, eid, now) && !e->quarantined);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		o->id = store_col_int(st, 0);
		o->kind = (enum eim_op_kind)store_col_int(st, 1);
		o->state = (enum eim_op_state)store_col_int(st, 2);
		o->payload = store_col_blob_copy(st, 3, &o->payload_len);
		o->message = store_col_blob_copy(st, 4, &o->message_len);
		if (!o->payload)
			err = IOT_E_NOMEM;
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

/* The enables of a package under the autopilot's marks (eim/autopilot.h):
 * one of a profile blocked in a cohort of the device cancels the operation
 * (*blocked, audited); one going to a cohort at risk gets rollbackFlag
 * (audited); each is remembered, for the device's return. */
static iot_err enable_marks(struct eim *e, const char *eid, int64_t op, struct rsp_euicc_package *pkg, bool *blocked)
{
	char subject[96], why[200];
	iot_err err = IOT_OK;

	*blocked = false;
	snprintf(subject, sizeof(subject), "euicc:%s operation:%lld", eid, (long long)op);
	for (size_t i = 0; pkg->choice == RSP_PACKAGE_PSMO_LIST && i < pkg->u.psmo_list.count && err == IOT_OK; i++) {
		struct rsp_psmo_enable *en = &pkg->u.psmo_list.items[i].u.enable;
		char digits[21], iin[8];
		bool add_rollback;

		if (pkg->u.psmo_list.items[i].choice != RSP_PSMO_ENABLE || en->iccid.len != 10)
			continue;
		rsp_iccid_to_digits(en->iccid.ptr, digits);
		snprintf(iin, sizeof(iin), "%.7s", digits);
		if (!eim_health_enable_allowed(e, eid, iin, &add_rollback, why, sizeof(why))) {
			*blocked = true;
			log_warn("eim", "enable cancelled: the profile is blocked for the device", "eid=%s op=%lld why=\"%s\"",
				 eid, (long long)op, why);
			if ((err = store_sql(e->db, "UPDATE operation SET state = 4, updated = $2 WHERE id = $1 AND state = 0", "ii",
					     op, (int64_t)time(NULL))) == IOT_OK)
				err = eim_audit_append(e, EIM_AUTOPILOT_ACTOR, "cancel", subject, why);
			return err;
		}
		if (add_rollback && !en->rollback_flag) {
			en->rollback_flag = true;
			err = eim_audit_append(e, EIM_AUTOPILOT_ACTOR, "rollback-flag", subject, iin);
		}
		if (err == IOT_OK)
			err = eim_health_switch(e, eid, op, iin, eim_now_ms());
	}
	return err;
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
	bool row, blocked = false;
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
				      &a)) != IOT_OK ||
		    (err = enable_marks(e, eid_text, o->id, &q->signed_data.euicc_package, &blocked)) != IOT_OK || blocked)
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
		/* the bare Activation Code (SGP.22 4.1); operations stored before kept "LPA:" */
		if (o->payload_len > 4 && !memcmp(o->payload, "LPA:", 4))
			g->u.pdt_request.profile_download_data.u.activation_code = RSP_BYTES(o->payload + 4,
											    o->payload_len - 4);
		else
			g->u.pdt_request.profile_download_data.u.activation_code = RSP_BYTES(o->payload,
											    o->payload_len);
		g->u.pdt_request.has_eim_transaction_id = true;
		g->u.pdt_request.eim_transaction_id = RSP_BYTES(txid, EIM_TXID_LEN);
		break;
	}
	if (err == IOT_OK)
		err = answer(&m, out);
	/* only a pending one: sent already (polled and pushed at once) it is not made twice */
	if (err == IOT_OK && (err = store_prepare(e->db, "UPDATE operation SET state = 1, counter = $2, message = $3,"
							  " updated = $4, deliveries = 1 WHERE id = $1 AND state = 0", &st)) == IOT_OK) {
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
	if (err != IOT_OK || blocked)
		out->len = start;
	/* cancelled: the caller goes on to the next operation */
	return err == IOT_OK && blocked ? IOT_E_REFUSED : err;
}

/* The message that carries eid's next operation: the one sent already,
 * again, or a new one made for it. IOT_E_NOT_FOUND: none. */
/* A sent operation about to go out again: counted, and when it went out
 * operation_max_deliveries times or was first sent operation_max_sent ago,
 * failed instead (127, audited), so that one the device never completes
 * does not hold up the rest. The first contact always stays. */
static bool undelivered(struct eim *e, const char *eid, const struct next_op *o)
{
	struct eim_settings set;
	struct store_stmt *st;
	int64_t deliveries = 0, since = 0, now = (int64_t)time(NULL);
	bool row = false, failed = false, cancelled = false;
	char subject[96], outcome[64];

	if (o->kind == EIM_OP_CONTACT || eim_settings_get(e, &set) != IOT_OK || store_begin(e->db) != IOT_OK)
		return false;
	if (store_prepare(e->db, "UPDATE operation SET deliveries = deliveries + 1 WHERE id = $1 AND state = 1"
				 " RETURNING deliveries, updated", &st) == IOT_OK) {
		store_bind_int(st, 1, o->id);
		if (store_step(st, &row) == IOT_OK && row) {
			deliveries = store_col_int(st, 0);
			since = store_col_int(st, 1);
		}
		store_finalize(st);
	}
	/* #15: a device that cancelled the download's session and reported nothing */
	if (row && o->kind == EIM_OP_DOWNLOAD && eim_download_cancelled(e, eid, o->id, &cancelled) != IOT_OK) {
		store_rollback(e->db);
		return false;
	}
	failed = cancelled;
	if (row && !failed && (deliveries > set.operation_max_deliveries || now - since > set.operation_max_sent)) {
		snprintf(subject, sizeof(subject), "euicc:%s operation:%lld", eid, (long long)o->id);
		snprintf(outcome, sizeof(outcome), "failed after %lld deliveries in %lld s", (long long)deliveries - 1,
			 (long long)(now - since));
		failed = store_sql(e->db, "UPDATE operation SET state = 3, result_code = 127, updated = $2 WHERE id = $1"
				   " AND state = 1", "ii", o->id, now) == IOT_OK &&
			 eim_audit_append(e, "eimd", "undelivered", subject, outcome) == IOT_OK;
	}
	if (row && store_commit(e->db) == IOT_OK) {
		if (cancelled)
			log_warn("eim", "download cancelled by the device, never reported: ended", "eid=%s op=%lld", eid,
				 (long long)o->id);
		else if (failed)
			log_warn("eim", "operation undelivered: failed, the next one goes", "eid=%s op=%lld deliveries=%lld",
				 eid, (long long)o->id, (long long)deliveries - 1);
		return failed;
	}
	store_rollback(e->db);
	return false;
}

/* A poll's first reads (get_eim_package, next_op) share one read transaction. */
static iot_err reads_begin(struct eim *e)
{
	iot_err err = store_begin_read(e->db);

	e->reading = err == IOT_OK;
	return err;
}

static void reads_end(struct eim *e)
{
	if (e->reading)
		store_end_read(e->db);
	e->reading = false;
}

iot_err eim_next_message(struct eim *e, const char *eid, const uint8_t eid_bytes[16], bool pending_only,
			 struct der_writer *out, int64_t *op, bool *resent)
{
	struct next_op o;
	iot_err err = IOT_E_NOT_FOUND;

	for (int tries = 0; tries < 8; tries++) {
		err = next_op(e, eid, &o);
		/* the poll's reads end here: what follows may write */
		reads_end(e);
		if (err != IOT_OK)
			return err;
		if (o.state == EIM_SENT && !pending_only && undelivered(e, eid, &o)) {
			next_op_free(&o);
			continue;
		}
		if (e->hold_triggers && o.kind == EIM_OP_DOWNLOAD && o.state == EIM_PENDING) {
			log_warn("eim", "download trigger held: the EID is polled from many sources", "eid=%s op=%lld",
				 eid, (long long)o.id);
			next_op_free(&o);
			return IOT_E_NOT_FOUND;
		}
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
		store_log_on_commit(e->db, "eim", "state change", "eid=%s cause=%lld rplmn=%s", eid, (long long)cause,
				    plmn[0] ? plmn : "-");
	}
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

void eim_esipa_over(struct eim *e, bool coaps)
{
	e->esipa_coaps = coaps;
}

void eim_esipa_from(struct eim *e, bool json, const char *source)
{
	e->esipa_json = json;
	snprintf(e->source, sizeof(e->source), "%s", source ? source : "");
}

/* A poll for eid from a source other than its last one: counted within the
 * hour, alerted on from EIM_SOURCES_ALERT on; *sources and *since the count
 * and its hour's start. */
static iot_err note_source(struct eim *e, const char *eid, int64_t now, int64_t *sources, int64_t *since)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err;

	/* not waited for on disk: no answer promises it (a package this poll sends
	 * is committed after it and synced with it), and lost with the machine,
	 * the device's next poll from there counts as a move again */
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = store_prepare(e->db, "UPDATE euicc SET"
					" sources = CASE WHEN $3 - sources_since > 3600 THEN 1 ELSE sources + 1 END,"
					" sources_since = CASE WHEN $3 - sources_since > 3600 THEN $3 ELSE sources_since END,"
					" last_source = $2 WHERE eid = $1 RETURNING sources, sources_since", &st)) != IOT_OK) {
		store_rollback(e->db);
		return err;
	}
	store_bind_text(st, 1, eid);
	store_bind_text(st, 2, e->source);
	store_bind_int(st, 3, now);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		*sources = store_col_int(st, 0);
		*since = store_col_int(st, 1);
	}
	store_finalize(st);
	if (err == IOT_OK)
		err = store_commit_async(e->db);
	else
		store_rollback(e->db);
	if (err == IOT_OK && *sources >= EIM_SOURCES_ALERT) {
		char outcome[96];

		log_warn("eim", "one EID polled from many sources", "eid=%s sources_in_hour=%lld latest=%s", eid,
			 (long long)*sources, e->source);
		snprintf(outcome, sizeof(outcome), "sources=%lld latest=%.60s", (long long)*sources, e->source);
		err = eim_audit(e, "esipa", "many-sources", eid, outcome);
		if (err == IOT_OK && *sources == EIM_SOURCES_ALERT)
			err = eim_health_security(e, eid, "many-sources", outcome, eim_now_ms());
	}
	return err;
}

static iot_err get_eim_package(struct eim *e, const struct rsp_get_eim_package_request *q, struct der_writer *out)
{
	struct store_stmt *st;
	char eid[33], labels[256] = "";
	int64_t id, now = (int64_t)time(NULL), sources = 0, since = 0, at = eim_now_ms();
	bool row = false, resent, moved = false, open = true;
	iot_err err, herr = IOT_OK;

	/* SGP.32 6.3.2.6: the EID is 16 bytes, and one the eIM manages */
	if (q->eid_value.len != 16)
		return package_error(RSP_EIM_PKG_INVALID_EID, out);
	hex_encode(q->eid_value.ptr, 16, eid);
	if ((err = reads_begin(e)) != IOT_OK)
		return err;
	/* where it polls from is watched (read here; its contact is written with its health below) */
	if ((err = store_prepare(e->db, "SELECT u.last_source, u.sources, u.sources_since, u.labels,"
					" COALESCE(h.quarantined, 0), EXISTS (SELECT 1 FROM operation o WHERE o.eid = u.eid"
					"  AND o.state = 0 AND o.expires < $2),"
					" EXISTS (SELECT 1 FROM operation o WHERE o.eid = u.eid AND o.state < 2)"
					" FROM euicc u LEFT JOIN health h ON h.eid = u.eid WHERE u.eid = $1", &st)) != IOT_OK) {
		reads_end(e);
		return err;
	}
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, now);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		moved = e->source[0] && (!store_col_text(st, 0) || strcmp(store_col_text(st, 0), e->source));
		sources = store_col_int(st, 1);
		since = store_col_int(st, 2);
		snprintf(labels, sizeof(labels), "%s", store_col_text(st, 3) ? store_col_text(st, 3) : "");
		e->quarantined = store_col_int(st, 4) != 0;
		e->none_expired = store_col_int(st, 5) == 0;
		/* nothing pending or sent: an empty poll */
		open = store_col_int(st, 6) != 0;
	}
	store_finalize(st);
	/* the rest reads on in the same transaction unless something is written first */
	if (err != IOT_OK || !row || moved || !e->none_expired || q->notify_state_change || q->has_rplmn)
		reads_end(e);
	if (err != IOT_OK)
		return err;
	if (!row) {
		/* someone probing for EIDs: counted per source */
		if ((err = eim_health_unknown_eid(e, e->source, eim_now_ms())) != IOT_OK)
			return err;
		return package_error(RSP_EIM_PKG_EID_NOT_FOUND, out);
	}
	if ((moved && (err = note_source(e, eid, now, &sources, &since)) != IOT_OK) ||
	    (err = record_state(e, eid, q)) != IOT_OK)
		return err;
	/* someone else may be polling as it: a download trigger (its activation code)
	 * waits out the hour rather than go to whoever asks */
	e->hold_triggers = sources >= EIM_SOURCES_ALERT && now - since <= 3600;
	/* nothing open in the snapshot still read (nothing written since, which may make work) */
	err = open || !e->reading ? eim_next_message(e, eid, q->eid_value.ptr, false, out, &id, &resent)
				   : IOT_E_NOT_FOUND;
	reads_end(e);
	e->hold_triggers = e->quarantined = e->none_expired = false;
	/* in one transaction (one commit per poll): its last contact, the binding
	 * it polls in (the one its pushes go in), the transport; its rhythm, its
	 * return after a switch, its cohorts' counters */
	if (err == IOT_OK || err == IOT_E_NOT_FOUND) {
		struct eim_poll_record rec = { .now = now, .at = at, .empty = err == IOT_E_NOT_FOUND,
					       .esipa_json = e->esipa_json, .coaps = e->esipa_coaps,
					       .cause = q->notify_state_change && q->has_state_change_cause ?
								q->state_change_cause : -1 };

		memcpy(rec.eid, eid, sizeof(rec.eid));
		snprintf(rec.labels, sizeof(rec.labels), "%s", labels);
		/* the server writes it in the background with others (nothing
		 * this answer depends on); else, or when its queue is full, now */
		if (!e->cfg.polls || !eim_poll_queue_push(e->cfg.polls, &rec)) {
			if ((herr = store_begin(e->db)) == IOT_OK) {
				herr = eim_poll_write(e, &rec);
				if (herr == IOT_OK)
					herr = store_commit(e->db);
				else
					store_rollback(e->db);
			}
		}
	}
	if (herr != IOT_OK)
		return herr;
	if (err == IOT_E_NOT_FOUND)
		return package_error(RSP_EIM_PKG_NO_PACKAGE, out);
	if (err == IOT_OK)
		log_info("eim", "getEimPackage", "eid=%s op=%lld resent=%d", eid, (long long)id, resent);
	return err;
}

/* ---- provideEimPackageResult ---- */

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
			const struct rsp_pending_notification *n = &q.u.handle_notification.u.pending;

			/* kept for its SM-DP+; a PIR also ends the download it reports */
			if ((err = store_begin(e->db)) == IOT_OK) {
				if ((err = eim_store_notification(e, NULL, rsp_pending_notification_seq(n), n)) == IOT_OK &&
				    (err = eim_download_finish_by_pir(e, n)) == IOT_OK)
					err = store_commit(e->db);
				else
					store_rollback(e->db);
			}
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
