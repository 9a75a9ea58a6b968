/* Autopilot: settings, alerts, and the actions taken on them (each a change
 * record of the "autopilot" identity, under the policy like a person's). */
#include "eim/internal.h"
#include "eim/autopilot.h"
#include "eim/change.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

const char *eim_autopilot_action_name(enum eim_autopilot_action a)
{
	static const char *const names[] = { "halt-campaign", "block-profile", "rollback-enable", "quarantine" };

	return (unsigned)a < EIM_AP_COUNT ? names[a] : "?";
}

/* ---- settings ---- */

static const struct setting {
	const char *name;
	size_t offset;
	int64_t def, min, max;
} settings[] = {
	{ "enabled", offsetof(struct eim_autopilot_settings, enabled), 1, 0, 1 },
	{ "maxDevicesPerHour", offsetof(struct eim_autopilot_settings, max_devices_per_hour), 1000, 0, 100000000 },
	{ "expectedIntervalMs", offsetof(struct eim_autopilot_settings, expected_interval_ms), 3600000, 100, 31622400000 },
	{ "silentIntervals", offsetof(struct eim_autopilot_settings, silent_intervals), 2, 1, 100 },
	{ "bucketMs", offsetof(struct eim_autopilot_settings, bucket_ms), 300000, 100, 86400000 },
	{ "history", offsetof(struct eim_autopilot_settings, history), 48, 4, 1000 },
	{ "warmup", offsetof(struct eim_autopilot_settings, warmup), 12, 2, 1000 },
	{ "madK", offsetof(struct eim_autopilot_settings, mad_k), 60, 10, 1000 },
	{ "minEvents", offsetof(struct eim_autopilot_settings, min_events), 20, 1, 1000000 },
	{ "failureRisePoints", offsetof(struct eim_autopilot_settings, failure_rise), 10, 1, 100 },
	{ "pollFactor", offsetof(struct eim_autopilot_settings, poll_factor), 3, 2, 1000 },
	{ "profileMinDevices", offsetof(struct eim_autopilot_settings, profile_min_devices), 2, 1, 1000000 },
	{ "profileBlockSharePercent", offsetof(struct eim_autopilot_settings, profile_block_share), 80, 1, 100 },
	{ "stormPolls", offsetof(struct eim_autopilot_settings, storm_polls), 20, 3, 1000000 },
	{ "staleResults", offsetof(struct eim_autopilot_settings, stale_results), 5, 1, 1000000 },
	{ "unknownEids", offsetof(struct eim_autopilot_settings, unknown_eids), 20, 1, 1000000 },
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static void set_field(struct eim_autopilot_settings *s, const struct setting *d, int64_t v)
{
	if (d->offset == offsetof(struct eim_autopilot_settings, enabled))
		s->enabled = v != 0;
	else
		*(int64_t *)((char *)s + d->offset) = v;
}

static int64_t get_field(const struct eim_autopilot_settings *s, const struct setting *d)
{
	if (d->offset == offsetof(struct eim_autopilot_settings, enabled))
		return s->enabled;
	return *(const int64_t *)((const char *)s + d->offset);
}

_Static_assert(sizeof(struct eim_autopilot_settings) <= sizeof(((struct eim *)0)->ap_cache.data),
	       "the settings fit their cache");

iot_err eim_autopilot_settings_get(struct eim *e, struct eim_autopilot_settings *out)
{
	struct store_stmt *st;
	int64_t now = eim_now_ms();
	bool row = false;
	iot_err err;

	/* every event reads them: from the store once a second at most (another
	 * thread's or node's change is seen within that second) */
	if (e->ap_cache.at && now - e->ap_cache.at < 1000 && now >= e->ap_cache.at) {
		memcpy(out, e->ap_cache.data, sizeof(*out));
		return IOT_OK;
	}
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < N_SETTINGS; i++)
		set_field(out, &settings[i], settings[i].def);
	for (int a = 0; a < EIM_AP_COUNT; a++)
		out->actions[a] = true;
	if ((err = store_prepare(e->db, "SELECT name, value FROM autopilot_setting", &st)) != IOT_OK)
		return err;
	while ((err = store_step(st, &row)) == IOT_OK && row) {
		const char *name = store_col_text(st, 0);
		int64_t v = store_col_int(st, 1);

		for (size_t i = 0; i < N_SETTINGS; i++)
			if (!strcmp(name, settings[i].name))
				set_field(out, &settings[i], v);
		for (int a = 0; a < EIM_AP_COUNT; a++)
			if (!strncmp(name, "action.", 7) && !strcmp(name + 7, eim_autopilot_action_name(a)))
				out->actions[a] = v != 0;
	}
	store_finalize(st);
	if (err == IOT_OK) {
		memcpy(e->ap_cache.data, out, sizeof(*out));
		e->ap_cache.at = now;
	}
	return err;
}

json_t *eim_autopilot_settings_json(const struct eim_autopilot_settings *s)
{
	json_t *j = json_object(), *a = json_object();

	for (size_t i = 0; i < N_SETTINGS; i++)
		json_object_set_new(j, settings[i].name, i == 0 ? json_boolean(s->enabled)
								: json_integer(get_field(s, &settings[i])));
	for (int k = 0; k < EIM_AP_COUNT; k++)
		json_object_set_new(a, eim_autopilot_action_name(k), json_boolean(s->actions[k]));
	json_object_set_new(j, "actions", a);
	return j;
}

iot_err eim_autopilot_settings_put(struct eim *e, const char *actor, const json_t *in, char *why, size_t cap)
{
	const json_t *actions = json_object_get(in, "actions"), *v;
	const char *key;
	char *text;
	iot_err err;

	if (!json_is_object(in) || (actions && !json_is_object(actions))) {
		snprintf(why, cap, "an object of settings");
		return IOT_E_ARG;
	}
	json_object_foreach((json_t *)in, key, v) {
		bool known = !strcmp(key, "actions");

		for (size_t i = 0; i < N_SETTINGS && !known; i++) {
			int64_t x = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);

			if (strcmp(key, settings[i].name))
				continue;
			known = true;
			if ((!json_is_integer(v) && !json_is_boolean(v)) || x < settings[i].min || x > settings[i].max) {
				snprintf(why, cap, "%s: from %lld to %lld", key, (long long)settings[i].min,
					 (long long)settings[i].max);
				return IOT_E_ARG;
			}
		}
		if (!known) {
			snprintf(why, cap, "%s: not a setting", key);
			return IOT_E_ARG;
		}
	}
	json_object_foreach((json_t *)actions, key, v) {
		bool known = false;

		for (int a = 0; a < EIM_AP_COUNT; a++)
			known |= !strcmp(key, eim_autopilot_action_name(a));
		if (!known || !json_is_boolean(v)) {
			snprintf(why, cap, "actions.%s: not an action switch (true or false)", key);
			return IOT_E_ARG;
		}
	}
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	e->ap_cache.at = 0;
	json_object_foreach((json_t *)in, key, v) {
		if (err == IOT_OK && strcmp(key, "actions"))
			err = store_sql(e->db, "INSERT INTO autopilot_setting(name, value) VALUES ($1, $2) ON CONFLICT (name)"
					       " DO UPDATE SET value = $2", "ti", key,
					(int64_t)(json_is_boolean(v) ? json_is_true(v) : json_integer_value(v)));
	}
	json_object_foreach((json_t *)actions, key, v) {
		char name[64];

		snprintf(name, sizeof(name), "action.%s", key);
		if (err == IOT_OK)
			err = store_sql(e->db, "INSERT INTO autopilot_setting(name, value) VALUES ($1, $2) ON CONFLICT (name)"
					       " DO UPDATE SET value = $2", "ti", name, (int64_t)json_is_true(v));
	}
	text = json_dumps(in, JSON_COMPACT | JSON_SORT_KEYS);
	if (err == IOT_OK)
		err = eim_audit_append(e, actor, "autopilot-settings", "autopilot", text ? text : "?");
	free(text);
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

/* ---- alerts ---- */

iot_err eim_alert_raise(struct eim *e, const char *signal, const char *cohort, const char *subject, int64_t baseline,
			int64_t observed, int64_t threshold, const char *unit, const char *detail, int64_t first_seen,
			int64_t now)
{
	struct store_stmt *st;
	bool row = false;
	int64_t id = 0;
	iot_err err;

	/* one alert per signal, cohort and subject until a person closes it: later
	 * evidence updates it; once closed, a new one comes when the evidence
	 * grows or an hour after */
	if ((err = store_prepare(e->db, "SELECT id FROM alert WHERE signal = $1 AND cohort = $2 AND subject = $3"
					" AND (state != 'closed' OR (updated > $4 AND observed >= $5)) ORDER BY id DESC LIMIT 1",
				 &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, signal);
	store_bind_text(st, 2, cohort);
	store_bind_text(st, 3, subject);
	store_bind_int(st, 4, now - 3600000);
	store_bind_int(st, 5, observed);
	if ((err = store_step(st, &row)) == IOT_OK && row)
		id = store_col_int(st, 0);
	store_finalize(st);
	if (err != IOT_OK)
		return err;
	if (id)
		return store_sql(e->db, "UPDATE alert SET observed = $2, baseline = $3, threshold = $4, detail = $5,"
					" updated = $6 WHERE id = $1", "iiiiti", id, observed, baseline, threshold, detail, now);
	log_warn("eim", "alert", "signal=%s cohort=%s subject=%s observed=%lld threshold=%lld baseline=%lld unit=%s", signal,
		 cohort, subject, (long long)observed, (long long)threshold, (long long)baseline, unit);
	return store_sql(e->db,
			 "INSERT INTO alert(at, signal, cohort, subject, baseline, observed, threshold, unit, detail, first_seen,"
			 " updated, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $1, 'new')",
			 "itttiiitti", now, signal, cohort, subject, baseline, observed, threshold, unit, detail, first_seen);
}

static json_t *alert_json(struct store_stmt *st)
{
	json_error_t je;
	json_t *actions = json_loads(store_col_text(st, 13) ? store_col_text(st, 13) : "[]", 0, &je);

	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:s,s:I,s:I,s:s,s:o,s:I,s:I}", "id",
			 (json_int_t)store_col_int(st, 0), "at", (json_int_t)store_col_int(st, 1), "signal",
			 store_col_text(st, 2), "cohort", store_col_text(st, 3), "subject", store_col_text(st, 4), "baseline",
			 (json_int_t)store_col_int(st, 5), "observed", (json_int_t)store_col_int(st, 6), "threshold",
			 (json_int_t)store_col_int(st, 7), "unit", store_col_text(st, 8), "detail", store_col_text(st, 9),
			 "firstSeen", (json_int_t)store_col_int(st, 10), "updated", (json_int_t)store_col_int(st, 11),
			 "state", store_col_text(st, 12), "actions", actions ? actions : json_array(), "actedAt",
			 (json_int_t)store_col_int(st, 14), "correctedAt", (json_int_t)store_col_int(st, 15));
}

iot_err eim_alert_close(struct eim *e, int64_t id, const char *actor)
{
	char subject[48];
	iot_err err;

	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	snprintf(subject, sizeof(subject), "alert:%lld", (long long)id);
	err = store_sql(e->db, "UPDATE alert SET state = 'closed' WHERE id = $1", "i", id);
	if (err == IOT_OK && store_changes(e->db) != 1)
		err = IOT_E_NOT_FOUND;
	if (err == IOT_OK)
		err = eim_audit_append(e, actor, "close", subject, "acknowledged");
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

#define ALERT_COLUMNS \
	"id, at, signal, cohort, subject, baseline, observed, threshold, unit, detail, first_seen, updated, state," \
	" actions, acted_at, corrected_at"

iot_err eim_alert_list(struct eim *e, const struct eim_alert_filter *f, json_t **out)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT " ALERT_COLUMNS " FROM alert WHERE id > $1 AND ($2 IS NULL OR signal = $2)"
					   " AND ($3 IS NULL OR state = $3) ORDER BY id LIMIT $4", &st);

	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, f->after);
	store_bind_text(st, 2, f->signal);
	store_bind_text(st, 3, f->state);
	store_bind_int(st, 4, f->limit ? (int64_t)f->limit : 500);
	*out = json_array();
	while ((err = store_step(st, &row)) == IOT_OK && row)
		json_array_append_new(*out, alert_json(st));
	store_finalize(st);
	if (err != IOT_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

/* ---- what REST and metrics show ---- */

/* Rows of "SELECT key, count" into obj[key] = count. */
static iot_err counts(struct eim *e, const char *sql, json_t *obj)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, sql, &st);

	if (err != IOT_OK)
		return err;
	while ((err = store_step(st, &row)) == IOT_OK && row)
		json_object_set_new(obj, store_col_text(st, 0) ? store_col_text(st, 0) : "?",
				    json_integer(store_col_int(st, 1)));
	store_finalize(st);
	return err;
}

iot_err eim_autopilot_metrics(struct eim *e, json_t **out)
{
	json_t *alerts = json_object(), *actions = json_object(), *marks = json_object(), *hooks = json_object(),
	       *quarantined = json_object();
	iot_err err;

	if ((err = counts(e, "SELECT signal, COUNT(*) FROM alert GROUP BY signal", alerts)) == IOT_OK &&
	    (err = counts(e, "SELECT state, COUNT(*) FROM change_record WHERE requester = 'autopilot' GROUP BY state",
			  actions)) == IOT_OK &&
	    (err = counts(e, "SELECT kind, COUNT(*) FROM profile_mark WHERE active = 1 GROUP BY kind", marks)) == IOT_OK &&
	    (err = counts(e, "SELECT 'pending', COUNT(*) FROM webhook_outbox WHERE delivered = 0", hooks)) == IOT_OK &&
	    (err = counts(e, "SELECT 'failed', COUNT(*) FROM webhook_outbox WHERE delivered = 2", hooks)) == IOT_OK &&
	    (err = counts(e, "SELECT 'delivered', value FROM autopilot_setting WHERE name = 'webhooks.delivered'", hooks)) ==
		    IOT_OK)
		err = counts(e, "SELECT 'devices', COUNT(*) FROM health WHERE quarantined = 1", quarantined);
	*out = json_pack("{s:o,s:o,s:o,s:o,s:I}", "alerts", alerts, "actions", actions, "marks", marks, "webhooks", hooks,
			 "quarantined", (json_int_t)json_integer_value(json_object_get(quarantined, "devices")));
	json_decref(quarantined);
	return err;
}

iot_err eim_health_get(struct eim *e, const char *eid, json_t **out)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT last_poll, interval, samples, switch_at, switch_iin, switch_op,"
					   " switch_silent, quarantined, quarantine_change, stale FROM health WHERE eid = $1",
				    &st);

	*out = NULL;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row)
		*out = json_pack("{s:s,s:I,s:I,s:I,s:I,s:s?,s:I,s:b,s:b,s:I,s:I}", "eid", eid, "lastPoll",
				 (json_int_t)store_col_int(st, 0), "intervalMs", (json_int_t)store_col_int(st, 1),
				 "intervalSamples", (json_int_t)store_col_int(st, 2), "switchAt",
				 (json_int_t)store_col_int(st, 3), "switchIin", store_col_text(st, 4), "switchOperation",
				 (json_int_t)store_col_int(st, 5), "silentAfterSwitch", store_col_int(st, 6) != 0,
				 "quarantined", store_col_int(st, 7) != 0, "quarantineChange",
				 (json_int_t)store_col_int(st, 8), "staleResults", (json_int_t)store_col_int(st, 9));
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

iot_err eim_profile_marks(struct eim *e, json_t **out)
{
	struct store_stmt *st;
	json_t *marks = json_array(), *outcomes = json_array();
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT id, iin, cohort, kind, created, change, active FROM profile_mark"
					   " ORDER BY id DESC LIMIT 500", &st);
	bool prepared = err == IOT_OK;

	while (prepared && (err = store_step(st, &row)) == IOT_OK && row)
		json_array_append_new(marks, json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:b}", "id", (json_int_t)store_col_int(st, 0),
						       "iin", store_col_text(st, 1), "cohort", store_col_text(st, 2),
						       "kind", store_col_text(st, 3), "created",
						       (json_int_t)store_col_int(st, 4), "change",
						       (json_int_t)store_col_int(st, 5), "active", store_col_int(st, 6) != 0));
	if (prepared)
		store_finalize(st);
	if (err == IOT_OK && (err = store_prepare(e->db, "SELECT iin, cohort, ok, failed, silent, rolled_back, fell_back,"
							 " returned, first_failed, last_returned FROM profile_outcome"
							 " ORDER BY iin, cohort LIMIT 500", &st)) == IOT_OK) {
		while ((err = store_step(st, &row)) == IOT_OK && row)
			json_array_append_new(outcomes, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "iin",
								  store_col_text(st, 0), "cohort", store_col_text(st, 1),
								  "held", (json_int_t)store_col_int(st, 2), "failed",
								  (json_int_t)store_col_int(st, 3), "silent",
								  (json_int_t)store_col_int(st, 4), "rolledBack",
								  (json_int_t)store_col_int(st, 5), "fellBack",
								  (json_int_t)store_col_int(st, 6), "returned",
								  (json_int_t)store_col_int(st, 7), "firstFailedSwitch",
								  (json_int_t)store_col_int(st, 8), "lastReturned",
								  (json_int_t)store_col_int(st, 9)));
		store_finalize(st);
	}
	*out = json_pack("{s:o,s:o}", "marks", marks, "outcomes", outcomes);
	return err;
}
