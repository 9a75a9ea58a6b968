/* Staged campaigns moved on: a canary, then waves, each started only when
 * the one before met its success rate; a stage whose failures pass the halt
 * rate halts the campaign with its reason, the later stages untouched; the
 * campaign's rollback queued for each eUICC whose operation failed or did
 * not report back in time. Every move is audited as eimd's. */
#include "eim/internal.h"
#include "eim/change.h"
#include "eim/ops_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

const char *eim_campaign_state_name(int s)
{
	static const char *const names[] = { "running", "paused", "halted", "aborted", "done" };

	return (unsigned)s < 5 ? names[s] : "?";
}

static iot_err audit_campaign(struct eim *e, const char *actor, const char *action, int64_t id, int64_t change,
			      const char *outcome)
{
	char subject[96];

	snprintf(subject, sizeof(subject), "campaign:%lld change:%lld", (long long)id, (long long)change);
	return eim_audit_append(e, actor, action, subject, outcome);
}

iot_err eim_campaign_control(struct eim *e, int64_t id, const char *actor, const char *action)
{
	struct eim_campaign c;
	int to;
	iot_err err;

	if ((err = eim_campaign_get(e, id, &c)) != IOT_OK)
		return err;
	if (!strcmp(action, "pause") && c.state == EIM_CAMPAIGN_RUNNING)
		to = EIM_CAMPAIGN_PAUSED;
	else if (!strcmp(action, "resume") && (c.state == EIM_CAMPAIGN_PAUSED || c.state == EIM_CAMPAIGN_HALTED))
		to = EIM_CAMPAIGN_RUNNING;
	else if (!strcmp(action, "abort") && c.state != EIM_CAMPAIGN_ABORTED && c.state != EIM_CAMPAIGN_DONE)
		to = EIM_CAMPAIGN_ABORTED;
	else
		return strcmp(action, "pause") && strcmp(action, "resume") && strcmp(action, "abort") ? IOT_E_ARG
														 : IOT_E_REFUSED;
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	/* a halted campaign resumed goes on with its next stage: the person
	 * resuming it accepted what the halted stage came to */
	err = store_sql(e->db, "UPDATE campaign SET state = $1, stage = stage + $2, stage_started = $3, halt_reason = NULL"
			" WHERE id = $4 AND state = $5", "iiiii", (int64_t)to,
			(int64_t)(c.state == EIM_CAMPAIGN_HALTED && c.stage + 1 < c.stages), (int64_t)time(NULL), id,
			(int64_t)c.state);
	if (err == IOT_OK && store_changes(e->db) != 1)
		err = IOT_E_REFUSED;
	/* aborted: what was not sent never will be; what was sent finishes */
	if (err == IOT_OK && to == EIM_CAMPAIGN_ABORTED)
		err = store_sql(e->db, "UPDATE operation SET state = 4, updated = $1 WHERE campaign = $2 AND state = 0", "ii",
				(int64_t)time(NULL), id);
	if (err == IOT_OK)
		err = audit_campaign(e, actor, action, id, c.change, eim_campaign_state_name(to));
	if (err == IOT_OK)
		err = store_commit(e->db);
	else
		store_rollback(e->db);
	if (err == IOT_OK)
		log_info("eim", "campaign", "id=%lld action=%s by=%s state=%s", (long long)id, action, actor,
			 eim_campaign_state_name(to));
	return err;
}

/* The campaign's rollback for each eUICC whose operation failed, or was
 * sent and is late; once per operation. */
static iot_err queue_rollbacks(struct eim *e, int64_t id, int64_t change, const json_t *plan, bool late)
{
	json_t *rollback = json_object_get(plan, "rollback");
	enum eim_op_kind kind;
	uint8_t *payload = NULL;
	size_t len;
	struct eim_settings set;
	iot_err err;

	if (!rollback)
		return IOT_OK;
	if ((err = eim_op_from_json(rollback, &kind, &payload, &len)) == IOT_OK &&
	    (err = eim_settings_get(e, &set)) == IOT_OK) {
		int64_t now = (int64_t)time(NULL);

		err = store_sql(e->db,
				"INSERT INTO operation(eid, kind, payload, created, updated, expires, change, rollback_of)"
				" SELECT o.eid, $1, $2, $3, $3, $4, $5, o.id FROM operation o WHERE o.campaign = $6"
				" AND (o.state = 3 OR (o.state = 1 AND $7 = 1)) AND NOT EXISTS"
				" (SELECT 1 FROM operation r WHERE r.rollback_of = o.id)",
				"ibiiiii", (int64_t)kind, payload, len, now, now + set.operation_ttl, change, id, (int64_t)late);
		if (err == IOT_OK && store_changes(e->db) > 0) {
			char outcome[64];

			snprintf(outcome, sizeof(outcome), "rollback queued for %lld eUICC(s)", (long long)store_changes(e->db));
			err = audit_campaign(e, "eimd", "rollback", id, change, outcome);
		}
	}
	free(payload);
	return err;
}

/* One campaign looked at; *moved when anything changed. */
static iot_err step_campaign(struct eim *e, int64_t id, bool *moved)
{
	struct store_stmt *st;
	int64_t by[6] = { 0 }, total = 0, change = 0, started = 0, now = (int64_t)time(NULL), bad;
	int stage = 0, stages;
	json_t *plan = NULL, *v;
	bool row = false, late;
	char reason[200] = "";
	iot_err err;

	*moved = false;
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = store_prepare(e->db, "SELECT stage, plan, change, stage_started FROM campaign WHERE id = $1 AND state = 0",
				 &st)) == IOT_OK) {
		store_bind_int(st, 1, id);
		if ((err = store_step(st, &row)) == IOT_OK && row) {
			stage = (int)store_col_int(st, 0);
			plan = store_col_null(st, 1) ? NULL : json_loads(store_col_text(st, 1), 0, NULL);
			change = store_col_int(st, 2);
			started = store_col_int(st, 3);
		}
		store_finalize(st);
	}
	if (err != IOT_OK || !row || !plan)
		goto out;
	stages = (int)json_array_size(json_object_get(plan, "stageCounts"));
	if ((err = store_prepare(e->db, "SELECT state, COUNT(*) FROM operation WHERE campaign = $1 AND stage = $2"
					" GROUP BY state", &st)) != IOT_OK)
		goto out;
	store_bind_int(st, 1, id);
	store_bind_int(st, 2, stage);
	while ((err = store_step(st, &row)) == IOT_OK && row)
		if ((unsigned)store_col_int(st, 0) < 6) {
			by[store_col_int(st, 0)] = store_col_int(st, 1);
			total += store_col_int(st, 1);
		}
	store_finalize(st);
	if (err != IOT_OK)
		goto out;
	/* past the stage's time: what is not back is late, what was not sent expires */
	v = json_object_get(plan, "stageTimeoutSeconds");
	late = json_is_integer(v) && now - started >= json_integer_value(v);
	if (late && by[EIM_PENDING]) {
		if ((err = store_sql(e->db, "UPDATE operation SET state = 5, updated = $1 WHERE campaign = $2 AND stage = $3"
					    " AND state = 0", "iii", now, id, (int64_t)stage)) != IOT_OK)
			goto out;
		by[EIM_EXPIRED] += by[EIM_PENDING];
		by[EIM_PENDING] = 0;
	}
	bad = by[EIM_FAILED] + by[EIM_EXPIRED] + (late ? by[EIM_SENT] : 0);
	if ((err = queue_rollbacks(e, id, change, plan, late)) != IOT_OK)
		goto out;
	v = json_object_get(plan, "haltFailureRate");
	if (v && total && (double)bad / (double)total > json_number_value(v)) {
		snprintf(reason, sizeof(reason), "stage %d: %lld of %lld failed or late (%.0f%% > %.0f%%)", stage + 1,
			 (long long)bad, (long long)total, 100.0 * (double)bad / (double)total, 100.0 * json_number_value(v));
	} else if (!by[EIM_PENDING] && (!by[EIM_SENT] || late)) {
		double ok = total ? (double)by[EIM_DONE] / (double)total : 1.0;

		v = json_object_get(plan, "successRate");
		if (v && ok < json_number_value(v))
			snprintf(reason, sizeof(reason), "stage %d: %lld of %lld succeeded (%.0f%% < %.0f%%)", stage + 1,
				 (long long)by[EIM_DONE], (long long)total, 100.0 * ok, 100.0 * json_number_value(v));
		else if (stage + 1 >= stages) {
			if ((err = store_sql(e->db, "UPDATE campaign SET state = 4 WHERE id = $1", "i", id)) == IOT_OK)
				err = audit_campaign(e, "eimd", "campaign-done", id, change, "all stages through");
			*moved = true;
		} else {
			char outcome[64];

			snprintf(outcome, sizeof(outcome), "stage %d of %d started", stage + 2, stages);
			if ((err = store_sql(e->db, "UPDATE campaign SET stage = stage + 1, stage_started = $1 WHERE id = $2",
					     "ii", now, id)) == IOT_OK)
				err = audit_campaign(e, "eimd", "campaign-stage", id, change, outcome);
			*moved = true;
		}
	}
	if (err == IOT_OK && reason[0]) {
		if ((err = store_sql(e->db, "UPDATE campaign SET state = 2, halt_reason = $1 WHERE id = $2", "ti", reason, id)) ==
		    IOT_OK)
			err = audit_campaign(e, "eimd", "campaign-halt", id, change, reason);
		store_log_on_commit(e->db, "eim", "campaign halted", "id=%lld reason=\"%s\"", (long long)id, reason);
		*moved = true;
	}
out:
	json_decref(plan);
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

iot_err eim_rollout_step(struct eim *e, unsigned max, unsigned *done)
{
	struct store_stmt *st;
	int64_t ids[64];
	size_t n = 0;
	bool row = true;
	unsigned expired = 0;
	iot_err err = eim_change_expire(e, &expired);

	*done = 0;
	(void)max;
	if (err == IOT_OK)
		err = store_prepare(e->db, "SELECT id FROM campaign WHERE state = 0 AND plan IS NOT NULL ORDER BY id LIMIT 64",
				    &st);
	if (err != IOT_OK)
		return err;
	while (n < 64 && (err = store_step(st, &row)) == IOT_OK && row)
		ids[n++] = store_col_int(st, 0);
	store_finalize(st);
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		bool moved;

		if ((err = step_campaign(e, ids[i], &moved)) == IOT_OK && moved)
			(*done)++;
	}
	/* the worker calls again while something moved: a stage started may be through at once */
	return err;
}
