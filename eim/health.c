/* Fleet health, kept as events arrive: per device its learned rhythm, an
 * enable awaiting the device's return, stale results, quarantine; per
 * cohort (each label, and "fleet") counters by period for the baselines;
 * per operator profile and cohort the switches that held and those that
 * failed. Constant work per event: a few keyed upserts, no scan. */
#include "eim/internal.h"
#include "eim/autopilot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS health ("
	" eid TEXT PRIMARY KEY REFERENCES euicc(eid), last_poll INTEGER NOT NULL DEFAULT 0,"
	" last_empty INTEGER NOT NULL DEFAULT 0, interval INTEGER NOT NULL DEFAULT 0, samples INTEGER NOT NULL DEFAULT 0,"
	" burst INTEGER NOT NULL DEFAULT 0, burst_since INTEGER NOT NULL DEFAULT 0,"
	" switch_at INTEGER NOT NULL DEFAULT 0, switch_iin TEXT, switch_op INTEGER, switch_silent INTEGER NOT NULL DEFAULT 0,"
	" last_switch INTEGER NOT NULL DEFAULT 0,"
	" stale INTEGER NOT NULL DEFAULT 0, stale_since INTEGER NOT NULL DEFAULT 0,"
	" quarantined INTEGER NOT NULL DEFAULT 0, quarantine_change INTEGER);"
	"CREATE INDEX IF NOT EXISTS health_switch ON health(switch_at) WHERE switch_at > 0;"
	"CREATE INDEX IF NOT EXISTS health_quarantined ON health(eid) WHERE quarantined = 1;"
	"CREATE TABLE IF NOT EXISTS cohort_bucket ("
	" cohort TEXT NOT NULL, signal TEXT NOT NULL, bucket INTEGER NOT NULL, num INTEGER NOT NULL DEFAULT 0,"
	" den INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (cohort, signal, bucket));"
	"CREATE INDEX IF NOT EXISTS cohort_bucket_time ON cohort_bucket(bucket);"
	"CREATE TABLE IF NOT EXISTS baseline ("
	" cohort TEXT NOT NULL, signal TEXT NOT NULL, history TEXT NOT NULL, last_bucket INTEGER NOT NULL DEFAULT -1,"
	" PRIMARY KEY (cohort, signal));"
	"CREATE INDEX IF NOT EXISTS baseline_last ON baseline(signal, last_bucket);"
	"CREATE TABLE IF NOT EXISTS profile_outcome ("
	" iin TEXT NOT NULL, cohort TEXT NOT NULL, ok INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,"
	" silent INTEGER NOT NULL DEFAULT 0, rolled_back INTEGER NOT NULL DEFAULT 0, fell_back INTEGER NOT NULL DEFAULT 0,"
	" first_failed INTEGER NOT NULL DEFAULT 0, last_failed INTEGER NOT NULL DEFAULT 0,"
	" returned INTEGER NOT NULL DEFAULT 0, last_returned INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (iin, cohort));"
	"CREATE INDEX IF NOT EXISTS profile_outcome_failed ON profile_outcome(iin, cohort) WHERE failed > 0;"
	"CREATE TABLE IF NOT EXISTS profile_mark ("
	" id INTEGER PRIMARY KEY, iin TEXT NOT NULL, cohort TEXT NOT NULL, kind TEXT NOT NULL, created INTEGER NOT NULL,"
	" change INTEGER, active INTEGER NOT NULL DEFAULT 1);"
	"CREATE INDEX IF NOT EXISTS profile_mark_iin ON profile_mark(iin, active);"
	"CREATE TABLE IF NOT EXISTS probe ("
	" source TEXT PRIMARY KEY, count INTEGER NOT NULL, since INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS alert ("
	" id INTEGER PRIMARY KEY, at INTEGER NOT NULL, signal TEXT NOT NULL, cohort TEXT NOT NULL, subject TEXT NOT NULL,"
	" baseline INTEGER, observed INTEGER, threshold INTEGER, unit TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '',"
	" first_seen INTEGER NOT NULL, updated INTEGER NOT NULL, state TEXT NOT NULL, actions TEXT NOT NULL DEFAULT '[]',"
	" acted_at INTEGER, corrected_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS alert_state ON alert(state, id);"
	"CREATE INDEX IF NOT EXISTS alert_key ON alert(signal, cohort, subject, id);"
	"CREATE TABLE IF NOT EXISTS autopilot_setting (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS webhook_outbox ("
	" id INTEGER PRIMARY KEY, receiver TEXT NOT NULL, body TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0,"
	" next_try INTEGER NOT NULL, delivered INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
	"CREATE INDEX IF NOT EXISTS webhook_due ON webhook_outbox(delivered, next_try);";

iot_err eim_health_schema(struct eim *e)
{
	iot_err err = store_exec(e->db, schema);

	/* operations an enable's rollback undid; changes by requester (the autopilot's, for metrics) */
	if (err == IOT_OK)
		err = eim_add_column(e, "operation", "rolled_back", "INTEGER NOT NULL DEFAULT 0");
	return err == IOT_OK ? store_exec(e->db, "CREATE INDEX IF NOT EXISTS change_record_requester"
						 " ON change_record(requester, state);") : err;
}

/* Each cohort of a device: every label, and the whole fleet. */
size_t eim_cohorts(const char *labels, char out[][128], size_t cap)
{
	size_t n = 0;

	snprintf(out[n++], 128, "fleet");
	while (labels && *labels && n < cap) {
		size_t len = strcspn(labels, ",");

		if (len && len < 128) {
			memcpy(out[n], labels, len);
			out[n++][len] = 0;
		}
		labels += len + (labels[len] == ',');
	}
	return n;
}

static iot_err labels_of(struct eim *e, const char *eid, char *labels, size_t cap)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT labels FROM euicc WHERE eid = $1", &st);

	labels[0] = 0;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row)
		snprintf(labels, cap, "%s", store_col_text(st, 0) ? store_col_text(st, 0) : "");
	store_finalize(st);
	return err;
}

/* num and den of a cohort's signal added to in the period of now. */
static iot_err count(struct eim *e, const char *labels, const char *signal, int64_t num, int64_t den, int64_t now)
{
	struct eim_autopilot_settings set;
	char cohorts[16][128];
	size_t n = eim_cohorts(labels, cohorts, 16);
	iot_err err = eim_autopilot_settings_get(e, &set);

	/* summed in memory, written at the next round (tally.c) */
	for (size_t i = 0; err == IOT_OK && i < n; i++)
		err = eim_tally_add(e, cohorts[i], signal, now / set.bucket_ms, num, den);
	return err;
}

/* A switch to iin (made at since) that held (how NULL) or failed (how:
 * silent, rolled_back, fell_back), counted for each cohort of the device;
 * a device found silent before is not counted again when it comes back
 * (again: only its way back is). first_failed keeps the earliest failed
 * switch, for the time to detect; last_returned the latest way back. */
static iot_err profile_outcome(struct eim *e, const char *labels, const char *iin, const char *how, int64_t since,
			       int64_t now, bool again)
{
	char cohorts[16][128], sql[600];
	size_t n = eim_cohorts(labels, cohorts, 16);
	bool back = how && strcmp(how, "silent");
	iot_err err = IOT_OK;

	if (!how)
		snprintf(sql, sizeof(sql), "INSERT INTO profile_outcome(iin, cohort, ok) VALUES ($1, $2, 1)"
					   " ON CONFLICT (iin, cohort) DO UPDATE SET ok = profile_outcome.ok + 1");
	else
		snprintf(sql, sizeof(sql),
			 "INSERT INTO profile_outcome(iin, cohort, failed, %s, first_failed, last_failed, returned,"
			 " last_returned) VALUES ($1, $2, 1, 1, $3, $4, %d, %s) ON CONFLICT (iin, cohort) DO UPDATE SET"
			 " failed = profile_outcome.failed + %d, %s = profile_outcome.%s + 1, last_failed = $4,"
			 " first_failed = CASE WHEN profile_outcome.first_failed = 0 OR profile_outcome.first_failed > $3"
			 "  THEN $3 ELSE profile_outcome.first_failed END,"
			 " returned = profile_outcome.returned + %d,"
			 " last_returned = CASE WHEN %d = 1 THEN $4 ELSE profile_outcome.last_returned END",
			 how, back, back ? "$4" : "0", !again, how, how, back, back);
	for (size_t i = 0; err == IOT_OK && i < n; i++)
		err = how ? store_sql(e->db, sql, "ttii", iin, cohorts[i], since, now)
			  : store_sql(e->db, sql, "tt", iin, cohorts[i]);
	if (err == IOT_OK && how)
		log_warn("eim", "profile switch failed", "iin=%s how=%s labels=%s again=%d", iin, how, labels, again);
	return err;
}

/* The switch awaiting eid's return, ended: how it failed, or NULL: it held.
 * Only one made before now: the poll that carried the enable is no return. */
static iot_err end_switch(struct eim *e, const char *eid, const char *labels, const char *how, int64_t now)
{
	struct store_stmt *st;
	char iin[8] = "";
	bool row = false, silent = false;
	int64_t since = 0;
	/* RETURNING gives the new values: the switch's time is kept in last_switch */
	iot_err err = store_prepare(e->db, "UPDATE health SET switch_at = 0, last_switch = switch_at WHERE eid = $1"
					   " AND switch_at > 0 AND switch_at < $2 RETURNING switch_iin, switch_silent, last_switch",
				    &st);

	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, now);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		snprintf(iin, sizeof(iin), "%s", store_col_text(st, 0) ? store_col_text(st, 0) : "");
		silent = store_col_int(st, 1) != 0;
		since = store_col_int(st, 2);
	}
	store_finalize(st);
	/* counted once: a device found silent already failed, whatever brings it back */
	if (err != IOT_OK || !row || !iin[0] || (silent && !how))
		return err;
	return profile_outcome(e, labels, iin, how, since, now, silent);
}

iot_err eim_health_poll(struct eim *e, const char *eid, const char *labels, int64_t now, bool empty, int64_t cause)
{
	struct eim_autopilot_settings set;
	struct store_stmt *st;
	int64_t interval = 0, samples = 0, burst = 0, since = 0, switch_at = 0;
	bool row = false;
	iot_err err;

	/* one statement: the rhythm, an EWMA (1/8) of the gaps between polls that
	 * found no work (those that did are followed at once by the next), and
	 * the empty polls within one interval, for storms (SET reads the row as
	 * it was) */
	if ((err = eim_autopilot_settings_get(e, &set)) != IOT_OK ||
	    (err = store_prepare(e->db,
				 "INSERT INTO health(eid, last_poll, last_empty, burst, burst_since) VALUES ($1, $2,"
				 " $2 * $3, $3, $2) ON CONFLICT (eid) DO UPDATE SET"
				 " samples = health.samples + CASE WHEN $3 = 1 AND health.last_empty > 0 AND $2 > health.last_empty"
				 "  THEN 1 ELSE 0 END,"
				 " interval = CASE WHEN $3 = 1 AND health.last_empty > 0 AND $2 > health.last_empty THEN"
				 "  CASE WHEN health.samples > 0 THEN health.interval + ($2 - health.last_empty - health.interval) / 8"
				 "  ELSE $2 - health.last_empty END ELSE health.interval END,"
				 " burst = CASE WHEN $3 = 0 THEN health.burst"
				 "  WHEN $2 - health.burst_since > CASE WHEN health.interval > 1000 THEN health.interval ELSE 1000 END"
				 "  THEN 1 ELSE health.burst + 1 END,"
				 " burst_since = CASE WHEN $3 = 0 THEN health.burst_since"
				 "  WHEN $2 - health.burst_since > CASE WHEN health.interval > 1000 THEN health.interval ELSE 1000 END"
				 "  THEN $2 ELSE health.burst_since END,"
				 " last_poll = $2, last_empty = CASE WHEN $3 = 1 THEN $2 ELSE health.last_empty END"
				 " RETURNING burst, burst_since, samples, interval, switch_at", &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, now);
	store_bind_int(st, 3, empty);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		burst = store_col_int(st, 0);
		since = store_col_int(st, 1);
		samples = store_col_int(st, 2);
		interval = store_col_int(st, 3);
		switch_at = store_col_int(st, 4);
	}
	store_finalize(st);
	if (err != IOT_OK)
		return err;
	/* a storm: more empty polls within one interval than the setting */
	if (empty && burst == set.storm_polls && samples >= 3) {
		char detail[160];

		snprintf(detail, sizeof(detail), "%lld empty polls in %lld ms, its interval %lld ms", (long long)burst,
			 (long long)(now - since), (long long)interval);
		if ((err = eim_alert_raise(e, "polling-storm", eid, eid, 1, burst, set.storm_polls, "polls/interval", detail,
					   since, now)) != IOT_OK)
			return err;
	}
	/* back after a switch: it held, unless it came back through its fallback */
	if (switch_at && (err = end_switch(e, eid, labels, cause == RSP_STATE_CHANGE_FALLBACK ? "fell_back" : NULL,
					   now)) != IOT_OK)
		return err;
	/* the cohorts' polls (num) and fallbacks among them (den) */
	return count(e, labels, "polls", 1, cause == RSP_STATE_CHANGE_FALLBACK, now);
}

iot_err eim_health_polls(struct eim *e, const struct eim_poll_event *ev, size_t n)
{
	iot_err err = store_begin(e->db);

	for (size_t i = 0; err == IOT_OK && i < n; i++)
		err = eim_health_poll(e, ev[i].eid, ev[i].labels, ev[i].at, ev[i].empty, ev[i].cause);
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

iot_err eim_health_switch(struct eim *e, const char *eid, int64_t op, const char *iin, int64_t now)
{
	return store_sql(e->db, "INSERT INTO health(eid, switch_at, switch_iin, switch_op) VALUES ($1, $2, $3, $4)"
				" ON CONFLICT (eid) DO UPDATE SET switch_at = $2, switch_iin = $3, switch_op = $4,"
				" switch_silent = 0", "titi", eid, now, iin, op);
}

iot_err eim_health_result(struct eim *e, const char *eid, bool ok, int64_t now)
{
	char labels[256];
	iot_err err = labels_of(e, eid, labels, sizeof(labels));

	return err == IOT_OK ? count(e, labels, "failures", !ok, 1, now) : err;
}

iot_err eim_health_rollback(struct eim *e, const char *eid, int64_t op, int64_t now)
{
	char labels[256];
	iot_err err = labels_of(e, eid, labels, sizeof(labels));

	log_warn("eim", "enable rolled back by the device", "eid=%s op=%lld", eid, (long long)op);
	return err == IOT_OK ? end_switch(e, eid, labels, "rolled_back", now) : err;
}

/* Devices silent after a switch for silent_intervals of their rhythm:
 * each counted as a failure of the profile it switched to, once. */
iot_err eim_health_find_silent(struct eim *e, int64_t now, unsigned *found)
{
	struct eim_autopilot_settings set;
	struct store_stmt *st;
	char eids[64][33], iins[64][8];
	int64_t at[64];
	size_t n = 0;
	bool row = false;
	iot_err err;

	*found = 0;
	if ((err = eim_autopilot_settings_get(e, &set)) != IOT_OK ||
	    (err = store_prepare(e->db, "SELECT eid, switch_iin, switch_at FROM health WHERE switch_at > 0 AND switch_silent = 0"
					" AND switch_at + (CASE WHEN samples >= 2 THEN interval ELSE $2 END) * $3 < $1"
					" LIMIT 64", &st)) != IOT_OK)
		return err;
	store_bind_int(st, 1, now);
	store_bind_int(st, 2, set.expected_interval_ms);
	store_bind_int(st, 3, set.silent_intervals);
	while (n < 64 && (err = store_step(st, &row)) == IOT_OK && row) {
		snprintf(eids[n], sizeof(eids[n]), "%s", store_col_text(st, 0));
		snprintf(iins[n], sizeof(iins[n]), "%s", store_col_text(st, 1) ? store_col_text(st, 1) : "");
		at[n] = store_col_int(st, 2);
		n++;
	}
	store_finalize(st);
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		char labels[256];

		if ((err = labels_of(e, eids[i], labels, sizeof(labels))) == IOT_OK &&
		    (err = store_sql(e->db, "UPDATE health SET switch_silent = 1 WHERE eid = $1", "t", eids[i])) == IOT_OK &&
		    iins[i][0])
			err = profile_outcome(e, labels, iins[i], "silent", at[i], now, false);
		if (err == IOT_OK)
			log_warn("eim", "silent after a profile switch", "eid=%s iin=%s", eids[i], iins[i]);
	}
	*found = (unsigned)n;
	return err;
}

iot_err eim_health_security(struct eim *e, const char *eid, const char *signal, const char *detail, int64_t now)
{
	return eim_alert_raise(e, signal, eid ? eid : "source", eid ? eid : detail, 0, 1, 1, "events", detail, now, now);
}

/* One more event of key in its hour (sql: an upsert counting it, RETURNING
 * the count and the hour's start); *n and *since what it came to. */
static iot_err count_in_hour(struct eim *e, const char *sql, const char *key, int64_t now, int64_t *n, int64_t *since)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, sql, &st);

	*n = 0;
	*since = now;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, key);
	store_bind_int(st, 2, now);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		*n = store_col_int(st, 0);
		*since = store_col_int(st, 1);
	}
	store_finalize(st);
	return err;
}

iot_err eim_health_stale_result(struct eim *e, const char *eid, int64_t now)
{
	struct eim_autopilot_settings set;
	int64_t n, since;
	char detail[128];
	iot_err err;

	if ((err = eim_autopilot_settings_get(e, &set)) != IOT_OK ||
	    (err = store_sql(e->db, "INSERT INTO health(eid) VALUES ($1) ON CONFLICT (eid) DO NOTHING", "t", eid)) != IOT_OK ||
	    (err = count_in_hour(e, "UPDATE health SET"
				    " stale = CASE WHEN $2 - stale_since > 3600000 THEN 1 ELSE stale + 1 END,"
				    " stale_since = CASE WHEN $2 - stale_since > 3600000 THEN $2 ELSE stale_since END"
				    " WHERE eid = $1 RETURNING stale, stale_since", eid, now, &n, &since)) != IOT_OK)
		return err;
	/* a lost acknowledgement brings one result again, an attacker many */
	if (n != set.stale_results + 1)
		return IOT_OK;
	snprintf(detail, sizeof(detail), "%lld signed results for finished operations within the hour", (long long)n);
	return eim_alert_raise(e, "replayed-results", eid, eid, 0, n, set.stale_results, "results/hour", detail, since,
			       now);
}

iot_err eim_health_unknown_eid(struct eim *e, const char *source, int64_t now)
{
	struct eim_autopilot_settings set;
	int64_t n, since;
	char detail[128];
	iot_err err;

	if (!source || !source[0])
		source = "unknown";
	if ((err = eim_autopilot_settings_get(e, &set)) != IOT_OK ||
	    (err = count_in_hour(e, "INSERT INTO probe(source, count, since) VALUES ($1, 1, $2)"
				    " ON CONFLICT (source) DO UPDATE SET"
				    " count = CASE WHEN $2 - probe.since > 3600000 THEN 1 ELSE probe.count + 1 END,"
				    " since = CASE WHEN $2 - probe.since > 3600000 THEN $2 ELSE probe.since END"
				    " RETURNING count, since", source, now, &n, &since)) != IOT_OK)
		return err;
	if (n != set.unknown_eids + 1)
		return IOT_OK;
	snprintf(detail, sizeof(detail), "%lld polls for EIDs this eIM does not manage within the hour", (long long)n);
	return eim_alert_raise(e, "unknown-eids", "source", source, 0, n, set.unknown_eids, "polls/hour", detail, since,
			       now);
}

bool eim_health_quarantined(struct eim *e, const char *eid)
{
	struct store_stmt *st;
	bool row = false, q = false;

	if (store_prepare(e->db, "SELECT quarantined FROM health WHERE eid = $1", &st) != IOT_OK)
		return false;
	store_bind_text(st, 1, eid);
	if (store_step(st, &row) == IOT_OK && row)
		q = store_col_int(st, 0) != 0;
	store_finalize(st);
	return q;
}

bool eim_health_enable_allowed(struct eim *e, const char *eid, const char *iin, bool *add_rollback, char *why,
			       size_t cap)
{
	struct store_stmt *st;
	char labels[256], cohorts[16][128];
	size_t n;
	bool row = false, allowed = true;

	*add_rollback = false;
	if (labels_of(e, eid, labels, sizeof(labels)) != IOT_OK)
		return true;
	n = eim_cohorts(labels, cohorts, 16);
	if (store_prepare(e->db, "SELECT cohort, kind, id FROM profile_mark WHERE iin = $1 AND active = 1", &st) != IOT_OK)
		return true;
	store_bind_text(st, 1, iin);
	while (store_step(st, &row) == IOT_OK && row) {
		const char *c = store_col_text(st, 0), *kind = store_col_text(st, 1);

		for (size_t i = 0; i < n; i++) {
			if (strcmp(c, cohorts[i]))
				continue;
			if (!strcmp(kind, "blocked") && allowed) {
				allowed = false;
				snprintf(why, cap, "profile %s blocked in cohort %s (mark %lld)", iin, c,
					 (long long)store_col_int(st, 2));
			}
			*add_rollback |= !strcmp(kind, "at-risk");
		}
	}
	store_finalize(st);
	return allowed;
}
