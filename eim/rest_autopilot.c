/* REST: what the autopilot saw and did, and how a person reverses it.
 *
 *   GET  /api/v1/alerts[?signal=&state=&after=&limit=]   auditor
 *   POST /api/v1/alerts/N/close                          operator (acknowledged)
 *   GET  /api/v1/autopilot                               auditor: settings and counts
 *   PUT  /api/v1/autopilot                               admin: settings (enabled, actions, thresholds)
 *   GET  /api/v1/autopilot/marks                         auditor: profiles blocked or at risk per cohort
 *   POST /api/v1/autopilot/marks/N/clear                 operator: a mark lifted (a change)
 *   GET  /api/v1/euiccs/{eid}/health                     auditor
 *   POST /api/v1/euiccs/{eid}/quarantine                 operator (a change)
 *   POST /api/v1/euiccs/{eid}/release                    admin (a change) */
#include "eim/server_internal.h"
#include "eim/autopilot.h"
#include "eim/change.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"

static void alerts(struct eim *e, const struct http_request *q, struct http_response *r)
{
	const char *after = http_request_arg(q, "after"), *limit = http_request_arg(q, "limit"), *end = "";
	struct eim_alert_filter f = { .signal = http_request_arg(q, "signal"), .state = http_request_arg(q, "state") };
	int64_t n = 0;
	json_t *a = NULL;
	iot_err err;

	if ((after && (!eim_rest_parse_id(after, &f.after, &end) || *end)) ||
	    (limit && (!eim_rest_parse_id(limit, &n, &end) || *end || n > 500))) {
		eim_rest_error(r, 400, "after and limit are digits (limit 500 at most)");
		return;
	}
	f.limit = (size_t)n;
	if ((err = eim_alert_list(e, &f, &a)) == IOT_OK)
		eim_rest_reply(r, 200, a);
	else
		eim_rest_failure(r, err, 500, "the alerts could not be read");
}

static void close_alert(struct eim *e, const struct eim_api_key *k, int64_t id, struct http_response *r)
{
	iot_err err = eim_alert_close(e, id, k->name);

	if (err == IOT_OK)
		eim_rest_reply(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "closed"));
	else
		eim_rest_failure(r, err, 404, "unknown alert");
}

/* A mark lifted: the change that reverses the one that set it. */
static void clear_mark(struct eim_server *s, struct eim *e, const struct eim_api_key *k, int64_t id,
		       struct http_response *r)
{
	json_t *all = NULL, *m, *found = NULL;
	size_t i;

	if (eim_profile_marks(e, &all) != IOT_OK) {
		json_decref(all);
		eim_rest_error(r, 500, "the marks could not be read");
		return;
	}
	json_array_foreach(json_object_get(all, "marks"), i, m)
		if (json_integer_value(json_object_get(m, "id")) == id && json_is_true(json_object_get(m, "active")))
			found = m;
	if (!found) {
		eim_rest_error(r, 404, "no active mark of that id");
	} else {
		bool blocked = !strcmp(json_string_value(json_object_get(found, "kind")), "blocked");
		json_t *change = json_pack("{s:{s:[]},s:{s:s,s:O,s:O},s:s}", "target", "eids", "autopilot", "action",
					   blocked ? "unblock-profile" : "clear-rollback-enable", "iin",
					   json_object_get(found, "iin"), "cohort", json_object_get(found, "cohort"),
					   "reason", "mark cleared by a person");

		eim_rest_submit_change(s, e, k, NULL, change, r);
		json_decref(change);
	}
	json_decref(all);
}

static void device(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const char *eid, const char *what,
		   bool get, bool post, const json_t *in, struct http_response *r)
{
	json_t *j;
	iot_err err;

	if (get && !strcmp(what, "health")) {
		if ((err = eim_health_get(e, eid, &j)) == IOT_OK)
			eim_rest_reply(r, 200, j);
		else
			eim_rest_failure(r, err, 404, "no health recorded for that eUICC");
	} else if (post && (!strcmp(what, "quarantine") || !strcmp(what, "release"))) {
		const char *reason = json_string_value(json_object_get(in, "reason"));
		json_t *change;

		/* SGP.32 leaves quarantine to the eIM: only an admin lets a device out */
		if (!strcmp(what, "release") && !eim_role_covers(k->role, EIM_ROLE_ADMIN)) {
			eim_rest_error(r, 403, "an admin's key releases a quarantined eUICC");
			return;
		}
		change = json_pack("{s:{s:s},s:{s:s},s:s}", "target", "eid", eid, "autopilot", "action", what, "reason",
				   reason ? reason : what);
		eim_rest_submit_change(s, e, k, eid, change, r);
		json_decref(change);
	} else {
		eim_rest_error(r, 404, "no such resource");
	}
}

bool eim_rest_autopilot(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const struct http_request *q,
			const json_t *in, struct http_response *r)
{
	static const char euiccs[] = "/api/v1/euiccs/", alerts_path[] = "/api/v1/alerts", marks[] = "/api/v1/autopilot/marks";
	bool get = !strcmp(q->method, "GET"), post = !strcmp(q->method, "POST"), put = !strcmp(q->method, "PUT");
	const char *rest = "";
	int64_t id;

	if (!strcmp(q->path, alerts_path) && get) {
		alerts(e, q, r);
	} else if (!strncmp(q->path, alerts_path, sizeof(alerts_path) - 1) && q->path[sizeof(alerts_path) - 1] == '/' &&
		   eim_rest_parse_id(q->path + sizeof(alerts_path), &id, &rest) && !strcmp(rest, "/close") && post) {
		close_alert(e, k, id, r);
	} else if (!strcmp(q->path, "/api/v1/autopilot") && (get || put)) {
		struct eim_autopilot_settings set;
		json_t *counts = NULL;
		char why[160];
		iot_err err = IOT_OK;

		if (put && !eim_role_covers(k->role, EIM_ROLE_ADMIN)) {
			eim_rest_error(r, 403, "an admin's key changes the autopilot's settings");
			return true;
		}
		if (put && (err = eim_autopilot_settings_put(e, k->name, in, why, sizeof(why))) != IOT_OK) {
			eim_rest_failure(r, err, 400, why);
			return true;
		}
		if ((err = eim_autopilot_settings_get(e, &set)) == IOT_OK && (err = eim_autopilot_metrics(e, &counts)) == IOT_OK)
			eim_rest_reply(r, 200, json_pack("{s:o,s:o}", "settings", eim_autopilot_settings_json(&set), "counts",
							 counts));
		else {
			json_decref(counts);
			eim_rest_failure(r, err, 500, "the autopilot's state could not be read");
		}
	} else if (!strcmp(q->path, marks) && get) {
		json_t *j = NULL;

		if (eim_profile_marks(e, &j) == IOT_OK)
			eim_rest_reply(r, 200, j);
		else {
			json_decref(j);
			eim_rest_error(r, 500, "the marks could not be read");
		}
	} else if (!strncmp(q->path, marks, sizeof(marks) - 1) && q->path[sizeof(marks) - 1] == '/' &&
		   eim_rest_parse_id(q->path + sizeof(marks), &id, &rest) && !strcmp(rest, "/clear") && post) {
		clear_mark(s, e, k, id, r);
	} else if (!strncmp(q->path, euiccs, sizeof(euiccs) - 1) && strlen(q->path) > sizeof(euiccs) - 1 + 33 &&
		   q->path[sizeof(euiccs) - 1 + 32] == '/' &&
		   (!strcmp(q->path + sizeof(euiccs) + 32, "health") || !strcmp(q->path + sizeof(euiccs) + 32, "quarantine") ||
		    !strcmp(q->path + sizeof(euiccs) + 32, "release"))) {
		char eid[33];

		memcpy(eid, q->path + sizeof(euiccs) - 1, 32);
		eid[32] = 0;
		device(s, e, k, eid, q->path + sizeof(euiccs) + 32, get, post, in, r);
	} else {
		return false;
	}
	return true;
}
