/* Views of the fleet for people (the console, eimctl): a summary by state,
 * profile, operator, label and binding; operations per minute; one eUICC's
 * operations; the campaigns; the audit log a page at a time. Each is one
 * pass over an index or the fleet, off the devices' request path. */
#include "eim/internal.h"
#include "eim/fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"

/* The rows of sql as [{names[0]: col 0, names[1]: col 1, ...}] (text, or an integer where int_cols says). */
static iot_err rows_json(struct eim *e, const char *sql, const char *types, const char *const *names, size_t ncols,
			 unsigned int_cols, int64_t a, int64_t b, const char *text, json_t *out)
{
	struct store_stmt *st;
	bool row = true;
	iot_err err = store_prepare(e->db, sql, &st);

	if (err != IOT_OK)
		return err;
	for (int i = 0; types && types[i]; i++) {
		if (types[i] == 'i')
			store_bind_int(st, i + 1, i == 0 ? a : b);
		else if (types[i] == 't')
			store_bind_text(st, i + 1, text);
	}
	while ((err = store_step(st, &row)) == IOT_OK && row) {
		json_t *o = json_object();

		for (size_t c = 0; c < ncols; c++)
			json_object_set_new(o, names[c], int_cols >> c & 1 ? json_integer(store_col_int(st, (int)c))
								    : json_string(store_col_text(st, (int)c) ? store_col_text(st, (int)c) : ""));
		json_array_append_new(out, o);
	}
	store_finalize(st);
	return err;
}

iot_err eim_fleet_summary(struct eim *e, int64_t silent_after, json_t **out)
{
	static const char *const totals[] = { "euiccs", "learned", "silent", "json", "coaps" };
	static const char *const by_iccid[] = { "iccid", "state", "count" };
	static const char *const by_key[] = { "key", "count" };
	json_t *t = json_array(), *profiles = json_array(), *operators = json_array(), *labels = json_array(),
	       *pending = json_array();
	iot_err err;

	*out = NULL;
	/* one pass over the fleet: how many, learned, silent since silent_after (never heard of counts), JSON binding */
	err = rows_json(e, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN cert IS NOT NULL AND token IS NOT NULL THEN 1 ELSE 0 END), 0),"
			" COALESCE(SUM(CASE WHEN last_contact < $1 THEN 1 ELSE 0 END), 0), COALESCE(SUM(esipa_json), 0), COALESCE(SUM(coaps), 0) FROM euicc",
			"i", totals, 5, 0x1F, silent_after, 0, NULL, t);
	if (err == IOT_OK)
		err = rows_json(e, "SELECT COUNT(DISTINCT eid) FROM operation WHERE state < 2", NULL, by_key + 1, 1, 1, 0, 0, NULL,
				pending);
	if (err == IOT_OK)
		err = rows_json(e, "SELECT iccid, CASE state WHEN 1 THEN 'enabled' ELSE 'disabled' END, COUNT(*) FROM profile"
				" GROUP BY iccid, state ORDER BY 3 DESC, 1 LIMIT 20", NULL, by_iccid, 3, 4, 0, 0, NULL, profiles);
	/* an operator by its enabled profiles' issuer prefix (89, country code, issuer: 7 digits) */
	if (err == IOT_OK)
		err = rows_json(e, "SELECT substr(iccid, 1, 7), COUNT(*) FROM profile WHERE state = 1 GROUP BY 1 ORDER BY 2 DESC"
				" LIMIT 20", NULL, by_key, 2, 2, 0, 0, NULL, operators);
	if (err == IOT_OK)
		err = rows_json(e, "SELECT label, COUNT(*) FROM euicc_label GROUP BY label ORDER BY 2 DESC, 1 LIMIT 20", NULL,
				by_key, 2, 2, 0, 0, NULL, labels);
	if (err == IOT_OK) {
		json_t *first = json_array_get(t, 0);

		*out = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:I}", "euiccs", json_object_get(first, "euiccs"), "learned",
				 json_object_get(first, "learned"), "silent", json_object_get(first, "silent"), "jsonBinding",
				 json_object_get(first, "json"), "profiles", profiles, "operators", operators, "silentSince",
				 (json_int_t)silent_after);
		json_object_set(*out, "labels", labels);
		json_object_set(*out, "coaps", json_object_get(first, "coaps"));
		json_object_set(*out, "withWork", json_object_get(json_array_get(pending, 0), "count"));
	}
	json_decref(t);
	json_decref(profiles);
	json_decref(operators);
	json_decref(labels);
	json_decref(pending);
	return err;
}

iot_err eim_fleet_minutes(struct eim *e, int64_t since, json_t **out)
{
	static const char *const names[] = { "minute", "state", "count" };

	*out = json_array();
	/* operations that ended (done 2, failed 3, expired 5) per minute: the (state, updated) index */
	return rows_json(e, "SELECT updated / 60, state, COUNT(*) FROM operation WHERE state IN (2, 3, 5) AND updated >= $1"
			 " GROUP BY 1, 2 ORDER BY 1", "i", names, 3, 7, since, 0, NULL, *out);
}

iot_err eim_euicc_operations(struct eim *e, const char *eid, int64_t before, size_t limit, struct eim_op *out,
			     size_t *n)
{
	struct store_stmt *st;
	bool row = true;
	/* newest first, a page before the operation id `before` (0: the newest) */
	iot_err err = store_prepare(e->db, "SELECT " EIM_OP_COLUMNS ", result FROM operation WHERE eid = $1"
					   " AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3", &st);

	*n = 0;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, before);
	store_bind_int(st, 3, (int64_t)limit);
	while (*n < limit && (err = store_step(st, &row)) == IOT_OK && row) {
		struct eim_op *op = &out[(*n)++];

		eim_op_from_row(st, op);
		/* the result as the eUICC gave it, for its decoded form (eim_op_free) */
		op->result = store_col_null(st, 8) ? NULL : store_col_blob_copy(st, 8, &op->result_len);
	}
	store_finalize(st);
	return err;
}

iot_err eim_euicc_notifications(struct eim *e, const char *eid, size_t limit, json_t **out)
{
	static const char *const events[] = { "install", "enable", "disable", "delete" };
	static const char *const states[] = { "pending", "forwarded", "kept" };
	struct store_stmt *st;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT id, seq, der, forwarded, received FROM notification WHERE eid = $1"
					   " ORDER BY id DESC LIMIT $2", &st);

	*out = json_array();
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, (int64_t)limit);
	while ((err = store_step(st, &row)) == IOT_OK && row) {
		struct rsp_pending_notification n;
		const struct rsp_notification_metadata *md;
		struct rsp_arena a;
		size_t len;
		uint8_t *der = store_col_blob_copy(st, 2, &len);
		int64_t fw = store_col_int(st, 3);
		json_t *j = json_pack("{s:I,s:I,s:s,s:I}", "id", (json_int_t)store_col_int(st, 0), "seq",
				      (json_int_t)store_col_int(st, 1), "state", fw >= 0 && fw < 3 ? states[fw] : "?", "received",
				      (json_int_t)store_col_int(st, 4));

		/* what it says: the event (SGP.22 NotificationEvent bits, local or by RPM), the profile, the receiver */
		rsp_arena_dynamic(&a);
		if (der && rsp_decode(&rsp_t_pending_notification, der, len, &n, &a) == IOT_OK &&
		    (md = rsp_pending_notification_metadata(&n))) {
			char iccid[21];

			for (int b = 0; b < 8; b++)
				if (md->profile_management_operation >> b & 1)
					json_object_set_new(j, "event", json_string(events[b % 4]));
			if (md->has_iccid && md->iccid.len == 10) {
				rsp_iccid_to_digits(md->iccid.ptr, iccid);
				json_object_set_new(j, "iccid", json_string(iccid));
			}
			json_object_set_new(j, "address", json_stringn((const char *)md->notification_address.ptr,
								       md->notification_address.len));
		}
		rsp_arena_free(&a);
		free(der);
		json_array_append_new(*out, j);
	}
	store_finalize(st);
	return err;
}

iot_err eim_campaign_list(struct eim *e, int64_t before, size_t limit, int64_t *ids, size_t *n)
{
	struct store_stmt *st;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT id FROM campaign WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2", &st);

	*n = 0;
	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, before);
	store_bind_int(st, 2, (int64_t)limit);
	while (*n < limit && (err = store_step(st, &row)) == IOT_OK && row)
		ids[(*n)++] = store_col_int(st, 0);
	store_finalize(st);
	return err;
}

iot_err eim_audit_page(struct eim *e, int64_t before, size_t limit, const char *subject, json_t **out)
{
	static const char *const names[] = { "id", "ts", "actor", "action", "subject", "outcome" };

	*out = json_array();
	/* newest first; subject: entries whose subject starts with it (e.g. "euicc:EID") */
	return rows_json(e, "SELECT id, ts, actor, action, subject, outcome FROM audit WHERE ($1 = 0 OR id < $1)"
			 " AND ($3 IS NULL OR substr(subject, 1, length($3)) = $3) ORDER BY id DESC LIMIT $2", "iit", names, 6,
			 3, before, (int64_t)limit, subject, *out);
}
