/* Campaigns: the same operation for many eUICCs, in stages (eim/rollout.c
 * moves them on). */
#include "eim/internal.h"
#include "eim/change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The plan's stages as cumulative counts of total: a count, or a share
 * ("P%", rounded up), each at least the one before; the last is all. */
static size_t resolve_stages(const json_t *stages, int64_t total, int64_t *cum, size_t cap)
{
	size_t n = 0, i;
	json_t *x;

	json_array_foreach(stages, i, x) {
		int64_t c = json_is_integer(x) ? json_integer_value(x) : (total * strtol(json_string_value(x), NULL, 10) + 99) / 100;

		if (c > total)
			c = total;
		if (n && c <= cum[n - 1])
			continue;
		if (n < cap - 1)
			cum[n++] = c;
	}
	if (!n || cum[n - 1] < total)
		cum[n++] = total;
	return n;
}

/* Stage numbers by the order operations were made: the first cum[0] the
 * canary (stage 0), then each wave. The plan kept has the counts. */
static iot_err plan_stages(struct eim *e, int64_t id, const json_t *plan, int64_t total)
{
	int64_t cum[24];
	size_t n = resolve_stages(json_object_get(plan, "stages"), total, cum, 24);
	json_t *kept = json_deep_copy(plan), *counts = json_array();
	char *text;
	iot_err err = IOT_OK;

	for (size_t k = 0; k < n; k++)
		json_array_append_new(counts, json_integer(cum[k]));
	json_object_set_new(kept, "stageCounts", counts);
	for (size_t k = 1; k < n && err == IOT_OK; k++)
		err = store_sql(e->db, "UPDATE operation SET stage = $1 WHERE id IN (SELECT id FROM operation"
				" WHERE campaign = $2 ORDER BY id LIMIT -1 OFFSET $3)", "iii", (int64_t)k, id, cum[k - 1]);
	if (err == IOT_OK && !(text = json_dumps(kept, JSON_COMPACT | JSON_SORT_KEYS)))
		err = IOT_E_NOMEM;
	if (err == IOT_OK) {
		err = store_sql(e->db, "UPDATE campaign SET plan = $1, stage_started = $2 WHERE id = $3", "tii", text,
				(int64_t)time(NULL), id);
		free(text);
	}
	json_decref(kept);
	return err;
}

iot_err eim_campaign_insert(struct eim *e, const char *name, enum eim_op_kind kind, const uint8_t *payload, size_t len,
			    const char *const *eids, size_t count, const char *label, unsigned max_in_flight,
			    int64_t change, const json_t *plan, int64_t *id, int64_t *total)
{
	struct eim_settings set;
	struct store_stmt *st;
	bool row;
	iot_err err;

	*total = 0;
	if (kind < EIM_OP_PSMO || kind > EIM_OP_DOWNLOAD || !len || (!count && !label) || !name)
		return IOT_E_ARG;
	if ((err = eim_settings_get(e, &set)) != IOT_OK)
		return err;
	if (!max_in_flight)
		max_in_flight = set.campaign_max_in_flight;
	if ((err = store_prepare(e->db, "INSERT INTO campaign(name, max_in_flight, created) VALUES ($1, $2, $3)", &st)) ==
	    IOT_OK) {
		store_bind_text(st, 1, name);
		store_bind_int(st, 2, max_in_flight);
		store_bind_int(st, 3, (int64_t)time(NULL));
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_OK)
		err = eim_last_id(e, id);
	/* one operation per target, all in one transaction: a campaign exists whole or not at all */
	for (size_t i = 0; err == IOT_OK && i < count; i++) {
		struct eim_euicc u;

		if ((err = eim_euicc_get(e, eids[i], &u)) == IOT_OK &&
		    (err = eim_op_insert(e, eids[i], kind, payload, len, *id, set.operation_ttl)) == IOT_OK)
			(*total)++;
	}
	if (err == IOT_OK && label) {
		static const char sql[] =
			"INSERT INTO operation(eid, kind, payload, created, updated, expires, campaign)"
			" SELECT eid, $1, $2, $3, $3, $4, $5 FROM euicc_label WHERE label = $6 ORDER BY eid";

		if ((err = store_prepare(e->db, sql, &st)) == IOT_OK) {
			int64_t now = (int64_t)time(NULL);

			store_bind_int(st, 1, kind);
			store_bind_blob(st, 2, payload, len);
			store_bind_int(st, 3, now);
			store_bind_int(st, 4, now + set.operation_ttl);
			store_bind_int(st, 5, *id);
			store_bind_text(st, 6, label);
			if ((err = store_step(st, &row)) == IOT_OK)
				*total += store_changes(e->db);
			store_finalize(st);
		}
	}
	if (err == IOT_OK && change)
		err = store_sql(e->db, "UPDATE campaign SET change = $1 WHERE id = $2", "ii", change, *id);
	if (err == IOT_OK && change)
		err = store_sql(e->db, "UPDATE operation SET change = $1 WHERE campaign = $2", "ii", change, *id);
	if (err == IOT_OK && plan)
		err = plan_stages(e, *id, plan, *total);
	if (err == IOT_OK)
		store_log_on_commit(e->db, "eim", "campaign", "id=%lld name=%s kind=%s operations=%lld max_in_flight=%u",
				    (long long)*id, name, eim_op_kind_name(kind), (long long)*total, max_in_flight);
	return err;
}

iot_err eim_campaign_create(struct eim *e, const char *name, enum eim_op_kind kind, const uint8_t *payload, size_t len,
			    const char *const *eids, size_t count, const char *label, unsigned max_in_flight,
			    int64_t *id, int64_t *total)
{
	iot_err err = store_begin(e->db);

	if (err != IOT_OK)
		return err;
	if ((err = eim_campaign_insert(e, name, kind, payload, len, eids, count, label, max_in_flight, 0, NULL, id,
				       total)) != IOT_OK) {
		store_rollback(e->db);
		return err;
	}
	return store_commit(e->db);
}

iot_err eim_campaign_get(struct eim *e, int64_t id, struct eim_campaign *c)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT name, max_in_flight, state, stage, plan, change, halt_reason"
					   " FROM campaign WHERE id = $1", &st);

	memset(c, 0, sizeof(*c));
	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		c->id = id;
		snprintf(c->name, sizeof(c->name), "%s", store_col_text(st, 0));
		c->max_in_flight = (unsigned)store_col_int(st, 1);
		c->state = (int)store_col_int(st, 2);
		c->stage = (int)store_col_int(st, 3);
		c->stages = 1;
		if (!store_col_null(st, 4)) {
			json_t *plan = json_loads(store_col_text(st, 4), 0, NULL);

			c->stages = (int)json_array_size(json_object_get(plan, "stageCounts"));
			json_decref(plan);
		}
		c->change = store_col_int(st, 5);
		if (!store_col_null(st, 6))
			snprintf(c->halt_reason, sizeof(c->halt_reason), "%s", store_col_text(st, 6));
	}
	store_finalize(st);
	if (err != IOT_OK || !row)
		return err != IOT_OK ? err : IOT_E_NOT_FOUND;
	if ((err = store_prepare(e->db, "SELECT state, COUNT(*) FROM operation WHERE campaign = $1 GROUP BY state", &st)) !=
	    IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	while ((err = store_step(st, &row)) == IOT_OK && row) {
		int64_t state = store_col_int(st, 0), n = store_col_int(st, 1);

		if (state >= EIM_PENDING && state <= EIM_EXPIRED)
			c->by_state[state] = n;
		c->total += n;
	}
	store_finalize(st);
	return err;
}

iot_err eim_campaign_operations(struct eim *e, int64_t id, int64_t after, struct eim_op *out, size_t cap, size_t *n)
{
	struct store_stmt *st;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT " EIM_OP_COLUMNS " FROM operation"
					   " WHERE campaign = $1 AND id > $2 ORDER BY id LIMIT $3", &st);

	*n = 0;
	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	store_bind_int(st, 2, after);
	store_bind_int(st, 3, (int64_t)cap);
	while ((err = store_step(st, &row)) == IOT_OK && row && *n < cap) {
		eim_op_from_row(st, &out[(*n)++]);
	}
	store_finalize(st);
	return err;
}

