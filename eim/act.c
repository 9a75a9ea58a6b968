/* The autopilot's actions: each alert mapped to what corrects it, each
 * action a change of the "autopilot" identity through eim_change_submit
 * (policy, approvals, audit), within its hourly ceiling of devices; and
 * the changes applied (eim_autopilot_apply), reversible the same way. */
#include "eim/internal.h"
#include "eim/autopilot.h"
#include "eim/change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* Whether a PSMO package enables a profile of operator iin. */
static bool enables_iin(const uint8_t *payload, size_t len, const char *iin)
{
	struct rsp_euicc_package pkg;
	struct rsp_arena a;
	uint8_t *copy = malloc(len ? len : 1);
	bool hit = false;

	rsp_arena_dynamic(&a);
	if (copy && rsp_decode(&rsp_t_euicc_package, memcpy(copy, payload, len), len, &pkg, &a) == IOT_OK &&
	    pkg.choice == RSP_PACKAGE_PSMO_LIST)
		for (size_t i = 0; i < pkg.u.psmo_list.count; i++) {
			const struct rsp_psmo *p = &pkg.u.psmo_list.items[i];
			char digits[21];

			if (p->choice != RSP_PSMO_ENABLE || p->u.enable.iccid.len != 10)
				continue;
			rsp_iccid_to_digits(p->u.enable.iccid.ptr, digits);
			hit |= !strncmp(digits, iin, strlen(iin));
		}
	rsp_arena_free(&a);
	free(copy);
	return hit;
}

/* Running campaigns: those enabling iin (iin non-NULL), or with work left
 * for devices of cohort ("fleet": any). */
static iot_err campaigns_to_halt(struct eim *e, const char *iin, const char *cohort, json_t *out)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err;

	if (iin)
		err = store_prepare(e->db, "SELECT c.id, (SELECT payload FROM operation o WHERE o.campaign = c.id LIMIT 1),"
					   " (SELECT kind FROM operation o WHERE o.campaign = c.id LIMIT 1)"
					   " FROM campaign c WHERE c.state = 0", &st);
	else
		err = store_prepare(e->db, "SELECT DISTINCT c.id, NULL, 0 FROM campaign c JOIN operation o ON o.campaign = c.id"
					   " WHERE c.state = 0 AND o.state < 2 AND ($1 = 'fleet' OR o.eid IN"
					   " (SELECT eid FROM euicc_label WHERE label = $1))", &st);
	if (err != IOT_OK)
		return err;
	if (!iin)
		store_bind_text(st, 1, cohort);
	while ((err = store_step(st, &row)) == IOT_OK && row) {
		size_t len = 0;
		const uint8_t *p = store_col_blob(st, 1, &len);

		if (!iin || (store_col_int(st, 2) == EIM_OP_PSMO && p && enables_iin(p, len, iin)))
			json_array_append_new(out, json_integer(store_col_int(st, 0)));
	}
	store_finalize(st);
	return err;
}

/* Devices the autopilot's applied changes touched in the last hour. */
static int64_t touched_last_hour(struct eim *e, int64_t now)
{
	struct store_stmt *st;
	bool row = false;
	int64_t n = 0;

	if (store_prepare(e->db, "SELECT COALESCE(SUM(devices), 0) FROM change_record WHERE requester = $1"
				 " AND state = 'applied' AND created > $2", &st) != IOT_OK)
		return 0;
	store_bind_text(st, 1, EIM_AUTOPILOT_ACTOR);
	store_bind_int(st, 2, now / 1000 - 3600);
	if (store_step(st, &row) == IOT_OK && row)
		n = store_col_int(st, 0);
	store_finalize(st);
	return n;
}

struct alert_row {
	int64_t id;
	char signal[32], cohort[128], subject[128];
};

/* One action for alert a: submitted as a change, its outcome appended to done. */
static void submit(struct eim *e, const struct eim_autopilot_settings *set, const struct alert_row *a,
		   enum eim_autopilot_action kind, json_t *target, json_t *what, int64_t now, json_t *done)
{
	struct eim_change_outcome out;
	char reason[320];
	json_t *change;
	int64_t devices = json_object_get(target, "eid") ? 1 : 0;
	const char *state;

	json_object_set_new(what, "action", json_string(eim_autopilot_action_name(kind)));
	json_object_set_new(what, "alert", json_integer(a->id));
	if (!set->enabled || !set->actions[kind]) {
		json_array_append_new(done, json_pack("{s:s,s:s}", "action", eim_autopilot_action_name(kind), "state",
						      set->enabled ? "switched off" : "autopilot off"));
		json_decref(target);
		json_decref(what);
		return;
	}
	if (devices && touched_last_hour(e, now) + devices > set->max_devices_per_hour) {
		json_array_append_new(done, json_pack("{s:s,s:s,s:O}", "action", eim_autopilot_action_name(kind), "state",
						      "held: maxDevicesPerHour", "detail", what));
		log_warn("eim", "autopilot action held: its hourly ceiling is reached", "alert=%lld action=%s",
			 (long long)a->id, eim_autopilot_action_name(kind));
		json_decref(target);
		json_decref(what);
		return;
	}
	snprintf(reason, sizeof(reason), "alert %lld: %.32s in %.120s (%.120s)", (long long)a->id, a->signal, a->cohort,
		 a->subject);
	change = json_pack("{s:o,s:o,s:s}", "target", target, "autopilot", what, "reason", reason);
	if (eim_change_submit(e, EIM_AUTOPILOT_ACTOR, EIM_ROLE_OPERATOR, change, &out) != IOT_OK) {
		state = "failed";
		out.id = 0;
	} else {
		state = out.state;
	}
	json_array_append_new(done, json_pack("{s:s,s:I,s:s,s:s,s:O}", "action", eim_autopilot_action_name(kind), "change",
					      (json_int_t)out.id, "state", state, "why", out.decision.why, "detail",
					      json_object_get(change, "autopilot")));
	log_info("eim", "autopilot action", "alert=%lld action=%s change=%lld state=%s", (long long)a->id,
		 eim_autopilot_action_name(kind), (long long)out.id, state);
	eim_change_outcome_clear(&out);
	json_decref(change);
}

/* Cohorts where switches to iin failed: they get enables with rollbackFlag. */
static iot_err cohorts_failed(struct eim *e, const char *iin, json_t *out)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT cohort FROM profile_outcome WHERE iin = $1 AND failed > 0 AND cohort != 'fleet'"
					   " AND cohort NOT IN (SELECT cohort FROM profile_mark WHERE iin = $1 AND active = 1"
					   " AND kind = 'at-risk')", &st);

	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, iin);
	while ((err = store_step(st, &row)) == IOT_OK && row)
		json_array_append_new(out, json_string(store_col_text(st, 0)));
	store_finalize(st);
	return err;
}

static iot_err act(struct eim *e, const struct eim_autopilot_settings *set, const struct alert_row *a, int64_t now,
		   json_t *done)
{
	json_t *list = json_array(), *x;
	size_t i;
	iot_err err = IOT_OK;

	if (!strcmp(a->signal, "profile-failure")) {
		if ((err = campaigns_to_halt(e, a->subject, NULL, list)) == IOT_OK && json_array_size(list))
			submit(e, set, a, EIM_AP_HALT_CAMPAIGN, json_pack("{s:[]}", "eids"),
			       json_pack("{s:o,s:s}", "campaigns", json_deep_copy(list), "iin", a->subject), now, done);
		json_array_clear(list);
		if (err == IOT_OK && (err = cohorts_failed(e, a->subject, list)) == IOT_OK)
			json_array_foreach(list, i, x)
				submit(e, set, a, EIM_AP_ROLLBACK_ENABLE, json_pack("{s:[]}", "eids"),
				       json_pack("{s:s,s:O}", "iin", a->subject, "cohort", x), now, done);
	} else if (!strcmp(a->signal, "profile-failure-cohort")) {
		submit(e, set, a, EIM_AP_BLOCK_PROFILE, json_pack("{s:[]}", "eids"),
		       json_pack("{s:s,s:s}", "iin", a->subject, "cohort", a->cohort), now, done);
	} else if (!strcmp(a->signal, "failure-rate")) {
		if ((err = campaigns_to_halt(e, NULL, a->cohort, list)) == IOT_OK && json_array_size(list))
			submit(e, set, a, EIM_AP_HALT_CAMPAIGN, json_pack("{s:[]}", "eids"),
			       json_pack("{s:o}", "campaigns", json_deep_copy(list)), now, done);
	} else if (!strcmp(a->signal, "replayed-results") || !strcmp(a->signal, "many-sources")) {
		/* genuine signatures sent again, one EID from many places: a clone or
		 * captured traffic. Not a forged result or a refused first contact:
		 * anyone knowing an EID can send those, and must not freeze its device */
		if (strlen(a->subject) == 32 && !eim_health_quarantined(e, a->subject))
			submit(e, set, a, EIM_AP_QUARANTINE, json_pack("{s:s}", "eid", a->subject), json_object(), now, done);
	}
	json_decref(list);
	return err;
}

/* The alert as its webhook carries it. */
static iot_err queue_alert(struct eim *e, int64_t id)
{
	struct eim_alert_filter f = { .after = id - 1, .limit = 1 };
	json_t *list, *msg;
	char *text;
	iot_err err = eim_alert_list(e, &f, &list);

	if (err != IOT_OK)
		return err;
	msg = json_pack("{s:s,s:O}", "event", "alert", "alert", json_array_get(list, 0));
	text = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);
	err = text ? eim_webhook_queue(e, text) : IOT_E_NOMEM;
	free(text);
	json_decref(msg);
	json_decref(list);
	return err;
}

iot_err eim_autopilot_step(struct eim *e, int64_t now, unsigned *alerts, unsigned *actions)
{
	struct eim_autopilot_settings set;
	struct alert_row rows[32];
	struct store_stmt *st;
	size_t n = 0;
	bool row = false;
	iot_err err;

	*alerts = *actions = 0;
	if ((err = eim_autopilot_detect(e, now)) != IOT_OK || (err = eim_autopilot_settings_get(e, &set)) != IOT_OK ||
	    (err = store_prepare(e->db, "SELECT id, signal, cohort, subject FROM alert WHERE state = 'new' ORDER BY id"
					" LIMIT 32", &st)) != IOT_OK)
		return err;
	while (n < 32 && (err = store_step(st, &row)) == IOT_OK && row) {
		rows[n].id = store_col_int(st, 0);
		snprintf(rows[n].signal, sizeof(rows[n].signal), "%s", store_col_text(st, 1));
		snprintf(rows[n].cohort, sizeof(rows[n].cohort), "%s", store_col_text(st, 2));
		snprintf(rows[n].subject, sizeof(rows[n].subject), "%s", store_col_text(st, 3));
		n++;
	}
	store_finalize(st);
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		json_t *done = json_array(), *x;
		char *text;
		size_t k, applied = 0;

		err = act(e, &set, &rows[i], now, done);
		json_array_foreach(done, k, x)
			applied += !strcmp(json_string_value(json_object_get(x, "state")), "applied");
		text = json_dumps(done, JSON_COMPACT);
		if (err == IOT_OK && (err = store_begin(e->db)) == IOT_OK) {
			err = store_sql(e->db, "UPDATE alert SET state = $2, actions = $3, acted_at = $4 WHERE id = $1", "itti",
					rows[i].id, json_array_size(done) ? applied ? "acted" : "not acted" : "alert only",
					text ? text : "[]", now);
			if (err == IOT_OK)
				err = queue_alert(e, rows[i].id);
			if (err == IOT_OK)
				err = store_commit(e->db);
			else
				store_rollback(e->db);
		}
		*actions += (unsigned)applied;
		free(text);
		json_decref(done);
	}
	*alerts = (unsigned)n;
	return err;
}

/* ---- applying a change's "autopilot" member ---- */

static iot_err set_quarantine(struct eim *e, int64_t change, const char *eid, bool on)
{
	char subject[96];
	iot_err err;

	if (!eid)
		return IOT_E_ARG;
	err = store_sql(e->db, "INSERT INTO health(eid, quarantined, quarantine_change) VALUES ($1, $2, $3)"
			       " ON CONFLICT (eid) DO UPDATE SET quarantined = $2, quarantine_change = $3",
			"tii", eid, (int64_t)on, change);
	snprintf(subject, sizeof(subject), "euicc:%s change:%lld", eid, (long long)change);
	return err == IOT_OK ? eim_audit_append(e, "eimd", on ? "quarantine" : "release", subject, "applied") : err;
}

static iot_err mark(struct eim *e, int64_t change, const char *iin, const char *cohort, const char *kind, bool on)
{
	char subject[200];
	iot_err err;

	if (!iin || !cohort || strlen(iin) > 7)
		return IOT_E_ARG;
	if (on)
		err = store_sql(e->db, "INSERT INTO profile_mark(iin, cohort, kind, created, change) SELECT $1, $2, $3, $4, $5"
				       " WHERE NOT EXISTS (SELECT 1 FROM profile_mark WHERE iin = $1 AND cohort = $2"
				       " AND kind = $3 AND active = 1)", "tttii", iin, cohort, kind, (int64_t)time(NULL), change);
	else
		err = store_sql(e->db, "UPDATE profile_mark SET active = 0 WHERE iin = $1 AND cohort = $2 AND kind = $3"
				       " AND active = 1", "ttt", iin, cohort, kind);
	snprintf(subject, sizeof(subject), "profile:%s cohort:%.120s change:%lld", iin, cohort, (long long)change);
	return err == IOT_OK ? eim_audit_append(e, "eimd", on ? kind : "unmark", subject, on ? "marked" : "cleared") : err;
}

static iot_err halt(struct eim *e, int64_t change, const json_t *campaigns, const char *reason)
{
	size_t i;
	json_t *x;
	iot_err err = IOT_OK;

	json_array_foreach(campaigns, i, x) {
		char subject[96];

		if (!json_is_integer(x))
			return IOT_E_ARG;
		if ((err = store_sql(e->db, "UPDATE campaign SET state = $2, halt_reason = $3 WHERE id = $1 AND state = $4",
				     "iiti", (int64_t)json_integer_value(x), (int64_t)EIM_CAMPAIGN_HALTED, reason,
				     (int64_t)EIM_CAMPAIGN_RUNNING)) != IOT_OK)
			return err;
		if (store_changes(e->db) != 1)
			continue;
		snprintf(subject, sizeof(subject), "campaign:%lld change:%lld", (long long)json_integer_value(x),
			 (long long)change);
		if ((err = eim_audit_append(e, "eimd", "halt", subject, reason)) != IOT_OK)
			return err;
		log_warn("eim", "campaign halted by the autopilot", "campaign=%lld change=%lld",
			 (long long)json_integer_value(x), (long long)change);
	}
	return err;
}

iot_err eim_autopilot_apply(struct eim *e, int64_t change, const json_t *c)
{
	const json_t *ap = json_object_get(c, "autopilot");
	const char *action = json_string_value(json_object_get(ap, "action"));
	const char *eid = json_string_value(json_object_get(json_object_get(c, "target"), "eid"));
	const char *iin = json_string_value(json_object_get(ap, "iin"));
	const char *cohort = json_string_value(json_object_get(ap, "cohort"));
	char reason[200];

	if (!action)
		return IOT_E_ARG;
	if (!strcmp(action, "quarantine") || !strcmp(action, "release"))
		return set_quarantine(e, change, eid, !strcmp(action, "quarantine"));
	if (!strcmp(action, "block-profile") || !strcmp(action, "unblock-profile"))
		return mark(e, change, iin, cohort, "blocked", !strcmp(action, "block-profile"));
	if (!strcmp(action, "rollback-enable") || !strcmp(action, "clear-rollback-enable"))
		return mark(e, change, iin, cohort, "at-risk", !strcmp(action, "rollback-enable"));
	if (!strcmp(action, "halt-campaign")) {
		snprintf(reason, sizeof(reason), "autopilot, change %lld, alert %lld", (long long)change,
			 (long long)json_integer_value(json_object_get(ap, "alert")));
		return halt(e, change, json_object_get(ap, "campaigns"), reason);
	}
	return IOT_E_ARG;
}
