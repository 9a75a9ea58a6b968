/* Change records: every operation and campaign is asked for as a change,
 * decided by the policy, approved by a second key when the policy says so,
 * and applied (its operations queued) in the transaction that records the
 * decision. The record keeps who asked and why, the rules met, who
 * approved, and links the operations it made. */
#include "eim/internal.h"
#include "eim/change.h"
#include "eim/autopilot.h"
#include "eim/ops_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/log.h"
#include "crypto/crypto.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS change_record ("
	" id INTEGER PRIMARY KEY, created INTEGER NOT NULL, requester TEXT NOT NULL, role INTEGER NOT NULL,"
	" reason TEXT NOT NULL, ticket TEXT NOT NULL, doc TEXT NOT NULL, hash TEXT NOT NULL, verdict TEXT NOT NULL,"
	" rules TEXT NOT NULL, state TEXT NOT NULL, devices INTEGER NOT NULL, approver TEXT, decided INTEGER,"
	" expires INTEGER, operation INTEGER, campaign INTEGER, note TEXT);"
	"CREATE INDEX IF NOT EXISTS change_record_state ON change_record(state, id);";

iot_err eim_governance_schema(struct eim *e)
{
	static const struct { const char *table, *column, *decl; } columns[] = {
		{ "profile", "class", "INTEGER NOT NULL DEFAULT 2" },
		{ "profile", "fallback", "INTEGER NOT NULL DEFAULT 0" },
		{ "operation", "change", "INTEGER" },
		{ "operation", "stage", "INTEGER NOT NULL DEFAULT 0" },
		{ "operation", "rollback_of", "INTEGER" },
		{ "campaign", "change", "INTEGER" },
		{ "campaign", "state", "INTEGER NOT NULL DEFAULT 0" },
		{ "campaign", "stage", "INTEGER NOT NULL DEFAULT 0" },
		{ "campaign", "stage_started", "INTEGER NOT NULL DEFAULT 0" },
		{ "campaign", "plan", "TEXT" },
		{ "campaign", "halt_reason", "TEXT" },
		{ "euicc", "coaps", "INTEGER NOT NULL DEFAULT 0" },
		{ "operation", "deliveries", "INTEGER NOT NULL DEFAULT 0" },
	};
	iot_err err = store_exec(e->db, schema);

	for (size_t i = 0; err == IOT_OK && i < sizeof(columns) / sizeof(columns[0]); i++)
		err = eim_add_column(e, columns[i].table, columns[i].column, columns[i].decl);
	if (err == IOT_OK)
		err = store_exec(e->db, "CREATE INDEX IF NOT EXISTS operation_change ON operation(change);"
					"CREATE INDEX IF NOT EXISTS operation_stage ON operation(campaign, stage, state);"
					"CREATE INDEX IF NOT EXISTS operation_failures ON operation(state, updated);"
					"CREATE INDEX IF NOT EXISTS campaign_state ON campaign(state, id);");
	return err;
}

bool eim_role_covers(enum eim_role have, enum eim_role need)
{
	/* auditor < operator < approver < admin */
	static const int rank[] = { 0, 1, 2, 4, 3 };

	return (unsigned)have < 5 && (unsigned)need < 5 && rank[have] >= rank[need];
}

const char *eim_role_name(enum eim_role r)
{
	static const char *const names[] = { "?", "auditor", "operator", "admin", "approver" };

	return (unsigned)r < 5 ? names[r] : "?";
}

void eim_change_outcome_clear(struct eim_change_outcome *o)
{
	eim_decision_clear(&o->decision);
	memset(o, 0, sizeof(*o));
}

/* ---- the change document ---- */

static bool short_text(const json_t *v, size_t max)
{
	return !v || (json_is_string(v) && json_string_length(v) <= max);
}

/* stages: counts or "P%", each above the one before */
static bool stages_ok(const json_t *v)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > 20)
		return false;
	json_array_foreach(v, i, x) {
		const char *t = json_string_value(x);
		char *end;
		long pct;

		if (json_is_integer(x) && json_integer_value(x) >= 1)
			continue;
		if (!t || (pct = strtol(t, &end, 10)) < 1 || pct > 100 || strcmp(end, "%"))
			return false;
	}
	return true;
}

static bool rate_ok(const json_t *v)
{
	return !v || (json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1);
}

iot_err eim_change_from_body(const char *eid, const json_t *body, json_t **change, char *why, size_t cap)
{
	static const char *const meta[] = { "reason", "ticket", "override" };
	static const char *const campaign_keys[] = { "name", "maxInFlight", "stages", "haltFailureRate", "successRate",
						     "stageTimeoutSeconds", "rollback" };
	json_t *c = json_object(), *op = json_deep_copy(body), *camp = json_object(), *target = json_object(), *v;
	enum eim_op_kind kind;
	uint8_t *payload = NULL;
	size_t len, i;
	iot_err err = IOT_OK;

	*change = NULL;
	for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		if ((v = json_object_get(body, meta[i])))
			json_object_set(c, meta[i], v);
		json_object_del(op, meta[i]);
	}
	if (!short_text(json_object_get(c, "reason"), 500) || !short_text(json_object_get(c, "ticket"), 100)) {
		snprintf(why, cap, "reason: text up to 500 characters; ticket: up to 100");
		err = IOT_E_ARG;
	}
	v = json_object_get(c, "override");
	if (err == IOT_OK && v && (!json_is_array(v) || json_array_size(v) > 8)) {
		snprintf(why, cap, "override: a list of built-in rule names");
		err = IOT_E_ARG;
	}
	if (eid) {
		json_object_set_new(target, "eid", json_string(eid));
	} else {
		json_t *eids = json_object_get(op, "eids"), *label = json_object_get(op, "label");

		if (eids)
			json_object_set(target, "eids", eids);
		if (label)
			json_object_set(target, "label", label);
		json_object_del(op, "eids");
		json_object_del(op, "label");
		for (i = 0; i < sizeof(campaign_keys) / sizeof(campaign_keys[0]); i++) {
			if ((v = json_object_get(op, campaign_keys[i])))
				json_object_set(camp, campaign_keys[i], v);
			json_object_del(op, campaign_keys[i]);
		}
		if (err == IOT_OK && ((eids && (!json_is_array(eids) || !json_array_size(eids))) ||
				      (label && (!json_is_string(label) || !json_string_length(label))) || (!eids && !label))) {
			snprintf(why, cap, "a campaign wants eids (a list) or a label, and an operation");
			err = IOT_E_ARG;
		}
		v = json_object_get(camp, "maxInFlight");
		if (err == IOT_OK && ((v && (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000)) ||
				      !short_text(json_object_get(camp, "name"), 63) ||
				      (json_object_get(camp, "stages") && !stages_ok(json_object_get(camp, "stages"))) ||
				      !rate_ok(json_object_get(camp, "haltFailureRate")) ||
				      !rate_ok(json_object_get(camp, "successRate")))) {
			snprintf(why, cap, "maxInFlight: 1 to 1,000,000; stages: counts or \"P%%\"; rates: 0 to 1");
			err = IOT_E_ARG;
		}
		v = json_object_get(camp, "stageTimeoutSeconds");
		if (err == IOT_OK && v && (!json_is_integer(v) || json_integer_value(v) < 1)) {
			snprintf(why, cap, "stageTimeoutSeconds: seconds");
			err = IOT_E_ARG;
		}
		if (err == IOT_OK && (v = json_object_get(camp, "rollback"))) {
			if (!json_is_object(v) || eim_op_from_json(v, &kind, &payload, &len) != IOT_OK) {
				snprintf(why, cap, "rollback: an operation (psmos, ecos, ...)");
				err = IOT_E_ARG;
			}
			free(payload);
			payload = NULL;
		}
		json_object_set(c, "campaign", camp);
	}
	if (err == IOT_OK && eim_op_from_json(op, &kind, &payload, &len) != IOT_OK) {
		snprintf(why, cap, "not an operation: psmos, ecos, dataRequest, download or euiccPackage");
		err = IOT_E_ARG;
	}
	free(payload);
	json_object_set(c, "target", target);
	json_object_set(c, "operation", op);
	json_decref(op);
	json_decref(camp);
	json_decref(target);
	if (err != IOT_OK) {
		json_decref(c);
		return err;
	}
	*change = c;
	return IOT_OK;
}

/* SHA-256 of the change's canonical text (sorted keys, no spaces). */
static iot_err change_hash(const json_t *c, char hash[65], char **text)
{
	struct crypto_buf part;
	uint8_t h[32];
	iot_err err;

	if (!(*text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS)))
		return IOT_E_NOMEM;
	part = (struct crypto_buf){ (const uint8_t *)*text, strlen(*text) };
	if ((err = crypto_sha256(&part, 1, h)) == IOT_OK)
		hex_encode(h, 32, hash);
	return err;
}

/* ---- applying a change ---- */

/* Its operation or campaign, made in the caller's transaction. */
static iot_err apply_change(struct eim *e, int64_t id, const json_t *c, struct eim_change_outcome *out)
{
	const json_t *target = json_object_get(c, "target"), *camp = json_object_get(c, "campaign");
	json_t *op = json_object_get(c, "operation"), *eids = json_object_get(target, "eids");
	struct eim_settings set;
	enum eim_op_kind kind;
	uint8_t *payload = NULL;
	size_t len;
	iot_err err;

	/* an automatic action, or its reversal (eim/autopilot.h) */
	if (!op && json_object_get(c, "autopilot"))
		return eim_autopilot_apply(e, id, c);
	if ((err = eim_op_from_json(op, &kind, &payload, &len)) != IOT_OK || (err = eim_settings_get(e, &set)) != IOT_OK) {
		free(payload);
		return err;
	}
	if (!camp) {
		const char *eid = json_string_value(json_object_get(target, "eid"));

		if ((err = eim_op_insert(e, eid, kind, payload, len, 0, set.operation_ttl)) == IOT_OK &&
		    (err = eim_last_id(e, &out->operation)) == IOT_OK)
			err = store_sql(e->db, "UPDATE operation SET change = $1 WHERE id = $2", "ii", id, out->operation);
		out->operations = err == IOT_OK;
	} else {
		size_t n = json_array_size(eids);
		const char **list = n ? calloc(n, sizeof(*list)) : NULL;
		const json_t *name = json_object_get(camp, "name"), *mif = json_object_get(camp, "maxInFlight");

		for (size_t i = 0; i < n && list; i++)
			list[i] = json_string_value(json_array_get(eids, i));
		err = n && !list ? IOT_E_NOMEM
				 : eim_campaign_insert(e, name ? json_string_value(name) : "campaign", kind, payload, len, list, n,
						       json_string_value(json_object_get(target, "label")),
						       mif ? (unsigned)json_integer_value(mif) : 0, id, camp, &out->campaign,
						       &out->operations);
		free(list);
	}
	free(payload);
	if (err == IOT_OK)
		err = store_sql(e->db, "UPDATE change_record SET operation = $1, campaign = $2 WHERE id = $3", "iii",
				out->operation, out->campaign, id);
	return err;
}

static void audit_change(struct eim *e, const char *actor, const char *action, int64_t id, const char *detail,
			 const char *outcome)
{
	char subject[96];

	snprintf(subject, sizeof(subject), "change:%lld %s", (long long)id, detail);
	(void)eim_audit_append(e, actor, action, subject, outcome);
}

/* Logged once committed: the change, and a single operation as eim_op_create logs it. */
static void log_change(const json_t *change, const struct eim_change_outcome *out)
{
	log_info("eim", "change", "id=%lld state=%s devices=%lld operations=%lld", (long long)out->id, out->state,
		 (long long)out->decision.devices, (long long)out->operations);
	if (out->operation) {
		enum eim_op_kind kind;
		uint8_t *payload = NULL;
		size_t len;

		if (eim_op_from_json(json_object_get(change, "operation"), &kind, &payload, &len) == IOT_OK)
			log_info("eim", "operation", "id=%lld eid=%s kind=%s change=%lld", (long long)out->operation,
				 json_string_value(json_object_get(json_object_get(change, "target"), "eid")),
				 eim_op_kind_name(kind), (long long)out->id);
		free(payload);
	}
}

iot_err eim_change_submit(struct eim *e, const char *actor, enum eim_role role, json_t *change,
			  struct eim_change_outcome *out)
{
	struct eim_policy *p = eim_policy_of(e);
	char *text = NULL, *rules = NULL, detail[64], outcome[64];
	int64_t now = (int64_t)time(NULL);
	iot_err err;

	memset(out, 0, sizeof(*out));
	if (!p)
		return IOT_E_NOMEM;
	err = eim_policy_evaluate_with(e, p, actor, role, change, &out->decision);
	if (err == IOT_OK)
		err = change_hash(change, out->hash, &text);
	if (err == IOT_OK && !(rules = json_dumps(out->decision.rules, JSON_COMPACT)))
		err = IOT_E_NOMEM;
	snprintf(out->state, sizeof(out->state), "%s", out->decision.verdict == EIM_ALLOW ? "applied" :
					      out->decision.verdict == EIM_NEEDS_APPROVAL ? "pending" : "refused");
	if (err == IOT_OK && (err = store_begin(e->db)) == IOT_OK) {
		err = store_sql(e->db,
				"INSERT INTO change_record(created, requester, role, reason, ticket, doc, hash, verdict, rules,"
				" state, devices, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
				"ititttttttii", now, actor, (int64_t)role,
				json_string_value(json_object_get(change, "reason")) ? json_string_value(json_object_get(change, "reason")) : "",
				json_string_value(json_object_get(change, "ticket")) ? json_string_value(json_object_get(change, "ticket")) : "",
				text, out->hash, eim_verdict_name(out->decision.verdict), rules, out->state, out->decision.devices,
				out->decision.verdict == EIM_NEEDS_APPROVAL ? now + eim_policy_approval_ttl(p) : (int64_t)0);
		/* store_sql binds 't' NULL as NULL: the state column is never NULL */
		if (err == IOT_OK)
			err = eim_last_id(e, &out->id);
		if (err == IOT_OK && out->decision.verdict == EIM_ALLOW)
			err = apply_change(e, out->id, change, out);
		snprintf(detail, sizeof(detail), "devices=%lld", (long long)out->decision.devices);
		snprintf(outcome, sizeof(outcome), "%s%s%.40s", out->state, out->decision.why[0] ? " " : "", out->decision.why);
		if (err == IOT_OK)
			audit_change(e, actor, "change", out->id, detail, outcome);
		if (err == IOT_OK)
			err = store_commit(e->db);
		else
			store_rollback(e->db);
	}
	if (err == IOT_OK)
		log_change(change, out);
	free(text);
	free(rules);
	eim_policy_release(p);
	return err;
}

struct record {
	char state[16], requester[64], hash[65];
	int64_t expires;
	int role;
	json_t *doc;
	char *text;
};

static iot_err record_get(struct eim *e, int64_t id, struct record *r)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT state, requester, hash, expires, role, doc FROM change_record"
					   " WHERE id = $1", &st);

	memset(r, 0, sizeof(*r));
	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		snprintf(r->state, sizeof(r->state), "%s", store_col_text(st, 0));
		snprintf(r->requester, sizeof(r->requester), "%s", store_col_text(st, 1));
		snprintf(r->hash, sizeof(r->hash), "%s", store_col_text(st, 2));
		r->expires = store_col_int(st, 3);
		r->role = (int)store_col_int(st, 4);
		r->text = strdup(store_col_text(st, 5));
		r->doc = r->text ? json_loads(r->text, 0, NULL) : NULL;
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

/* The record's state moved from pending (or not at all: IOT_E_REFUSED). */
static iot_err record_close(struct eim *e, int64_t id, const char *state, const char *approver, const char *note)
{
	iot_err err = store_sql(e->db, "UPDATE change_record SET state = $1, approver = $2, decided = $3, note = $4"
				" WHERE id = $5 AND state = 'pending'", "ttiti", state, approver, (int64_t)time(NULL),
				note ? note : "", id);

	return err != IOT_OK ? err : store_changes(e->db) == 1 ? IOT_OK : IOT_E_REFUSED;
}

iot_err eim_change_decide(struct eim *e, int64_t id, const char *actor, enum eim_role role, bool approve,
			  const char *hash, const char *note, struct eim_change_outcome *out)
{
	struct record r;
	char check[65], *text = NULL, detail[64];
	const char *refusal = NULL;
	iot_err err;

	memset(out, 0, sizeof(*out));
	out->id = id;
	if ((err = record_get(e, id, &r)) != IOT_OK)
		return err;
	snprintf(out->hash, sizeof(out->hash), "%s", r.hash);
	snprintf(out->state, sizeof(out->state), "%s", r.state);
	if (!eim_role_covers(role, EIM_ROLE_APPROVER))
		refusal = "an approver's or admin's key decides on changes";
	else if (strcmp(r.state, "pending"))
		refusal = "the change is not pending";
	else if (!strcmp(r.requester, actor))
		/* four eyes: whoever asked never approves their own change */
		refusal = "the requester cannot decide on their own change";
	else if (r.expires <= (int64_t)time(NULL))
		refusal = "the approval period is over: the change expired";
	else if (approve && (!hash || strcmp(hash, r.hash)))
		refusal = "the hash is not this change's: approve what you were shown";
	else if (!r.doc || change_hash(r.doc, check, &text) != IOT_OK || strcmp(check, r.hash))
		refusal = "the stored change no longer matches its hash";
	free(text);
	if (refusal) {
		snprintf(out->decision.why, sizeof(out->decision.why), "%s", refusal);
		if (!strcmp(refusal, "the approval period is over: the change expired"))
			(void)eim_change_expire(e, NULL);
		if (store_begin(e->db) == IOT_OK) {
			audit_change(e, actor, approve ? "approve" : "reject", id, "", refusal);
			(void)store_commit(e->db);
		}
		json_decref(r.doc);
		free(r.text);
		return IOT_E_REFUSED;
	}
	/* the policy again, as it is now: the fleet may have changed since */
	if (approve && (err = eim_policy_evaluate(e, r.requester, (enum eim_role)r.role, r.doc, &out->decision)) == IOT_OK &&
	    out->decision.verdict == EIM_REFUSE)
		approve = false;
	if (err == IOT_OK && (err = store_begin(e->db)) == IOT_OK) {
		const char *state = !approve ? (out->decision.verdict == EIM_REFUSE ? "refused" : "rejected") : "applied";

		err = record_close(e, id, state, actor, note);
		if (err == IOT_OK && approve)
			err = apply_change(e, id, r.doc, out);
		snprintf(detail, sizeof(detail), "hash=%.16s", r.hash);
		if (err == IOT_OK)
			audit_change(e, actor, approve || out->decision.verdict == EIM_REFUSE ? "approve" : "reject", id, detail,
				     out->decision.verdict == EIM_REFUSE ? out->decision.why : state);
		if (err == IOT_OK && (err = store_commit(e->db)) == IOT_OK) {
			snprintf(out->state, sizeof(out->state), "%s", state);
			log_change(r.doc, out);
		}
		if (err != IOT_OK)
			store_rollback(e->db);
	}
	json_decref(r.doc);
	free(r.text);
	return err;
}

iot_err eim_change_expire(struct eim *e, unsigned *expired)
{
	struct store_stmt *st;
	int64_t ids[64];
	size_t n = 0;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT id FROM change_record WHERE state = 'pending' AND expires <= $1"
					   " ORDER BY id LIMIT 64", &st);

	if (expired)
		*expired = 0;
	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, (int64_t)time(NULL));
	while (n < 64 && (err = store_step(st, &row)) == IOT_OK && row)
		ids[n++] = store_col_int(st, 0);
	store_finalize(st);
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		if ((err = store_begin(e->db)) != IOT_OK)
			break;
		if ((err = record_close(e, ids[i], "expired", NULL, "no approver decided in time")) == IOT_OK) {
			audit_change(e, "eimd", "expire", ids[i], "", "expired unapproved");
			if (expired)
				(*expired)++;
		}
		if (err == IOT_E_REFUSED)       /* decided meanwhile */
			err = IOT_OK;
		if (err == IOT_OK)
			err = store_commit(e->db);
		else
			store_rollback(e->db);
	}
	return err;
}

/* ---- reading them ---- */

#define CHANGE_COLUMNS                                                                                       \
	"id, created, requester, role, reason, ticket, doc, hash, verdict, rules, state, devices, approver, decided," \
	" expires, operation, campaign, note"

static json_t *record_json(struct store_stmt *st)
{
	json_t *j = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:o,s:s,s:I}", "id", (json_int_t)store_col_int(st, 0),
			      "created", (json_int_t)store_col_int(st, 1), "requester", store_col_text(st, 2), "role",
			      eim_role_name((enum eim_role)store_col_int(st, 3)), "reason", store_col_text(st, 4), "ticket",
			      store_col_text(st, 5), "change", json_loads(store_col_text(st, 6), 0, NULL), "hash",
			      store_col_text(st, 7), "decision", store_col_text(st, 8), "rules",
			      json_loads(store_col_text(st, 9), 0, NULL), "state", store_col_text(st, 10), "devices",
			      (json_int_t)store_col_int(st, 11));

	if (!j)
		return NULL;
	if (!store_col_null(st, 12))
		json_object_set_new(j, "approver", json_string(store_col_text(st, 12)));
	if (!store_col_null(st, 13))
		json_object_set_new(j, "decided", json_integer(store_col_int(st, 13)));
	if (store_col_int(st, 14))
		json_object_set_new(j, "expires", json_integer(store_col_int(st, 14)));
	if (store_col_int(st, 15))
		json_object_set_new(j, "operation", json_integer(store_col_int(st, 15)));
	if (store_col_int(st, 16))
		json_object_set_new(j, "campaign", json_integer(store_col_int(st, 16)));
	if (!store_col_null(st, 17) && *store_col_text(st, 17))
		json_object_set_new(j, "note", json_string(store_col_text(st, 17)));
	return j;
}

iot_err eim_change_get(struct eim *e, int64_t id, json_t **out)
{
	static const char *const states[] = { "pending", "sent", "done", "failed", "cancelled", "expired" };
	struct store_stmt *st;
	json_t *outcome = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "pending", 0, "sent", 0, "done", 0, "failed", 0,
				    "cancelled", 0, "expired", 0);
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT " CHANGE_COLUMNS " FROM change_record WHERE id = $1", &st);

	*out = NULL;
	if (err == IOT_OK) {
		store_bind_int(st, 1, id);
		if ((err = store_step(st, &row)) == IOT_OK && row)
			*out = record_json(st);
		store_finalize(st);
	}
	/* what its operations came to (rollbacks included) */
	if (err == IOT_OK && row &&
	    (err = store_prepare(e->db, "SELECT state, COUNT(*) FROM operation WHERE change = $1 GROUP BY state", &st)) ==
		    IOT_OK) {
		store_bind_int(st, 1, id);
		while ((err = store_step(st, &row)) == IOT_OK && row)
			if ((unsigned)store_col_int(st, 0) < 6)
				json_object_set_new(outcome, states[store_col_int(st, 0)], json_integer(store_col_int(st, 1)));
		store_finalize(st);
		row = true;
	}
	if (*out)
		json_object_set(*out, "outcome", outcome);
	json_decref(outcome);
	if (err != IOT_OK) {
		json_decref(*out);
		*out = NULL;
		return err;
	}
	return *out ? IOT_OK : row ? IOT_E_NOMEM : IOT_E_NOT_FOUND;
}

iot_err eim_change_list(struct eim *e, const struct eim_change_filter *f, json_t **out)
{
	struct store_stmt *st;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT " CHANGE_COLUMNS " FROM change_record WHERE id > $1"
					   " AND ($2 IS NULL OR state = $2) AND ($3 IS NULL OR requester = $3)"
					   " ORDER BY id LIMIT $4", &st);

	*out = json_array();
	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, f->after);
	if (f->state)
		store_bind_text(st, 2, f->state);
	else
		store_bind_null(st, 2);
	if (f->requester)
		store_bind_text(st, 3, f->requester);
	else
		store_bind_null(st, 3);
	store_bind_int(st, 4, f->limit && f->limit <= 500 ? (int64_t)f->limit : 500);
	while ((err = store_step(st, &row)) == IOT_OK && row)
		json_array_append_new(*out, record_json(st));
	store_finalize(st);
	return err;
}
