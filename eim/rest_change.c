/* The REST API's governance (docs/rest-api.yaml): the policy and its dry
 * run, change records and their approval, staged campaigns' controls, and
 * the audit log's export. Operations and campaigns are asked for here as
 * changes (eim_rest_submit), whichever endpoint took them. */
#include "eim/server_internal.h"
#include "eim/change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

void eim_rest_submit(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const char *eid, const json_t *in,
		     struct http_response *r)
{
	json_t *change = NULL;
	char why[200];
	iot_err err = eim_change_from_body(eid, in, &change, why, sizeof(why));

	if (err != IOT_OK)
		eim_rest_failure(r, err, 400, why);
	else
		eim_rest_submit_change(s, e, k, eid, change, r);
	json_decref(change);
}

void eim_rest_submit_change(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const char *eid,
			    json_t *change, struct http_response *r)
{
	struct eim_change_outcome o = { 0 };
	const char *why = "not a change";
	iot_err err = eim_change_submit(e, k->name, k->role, change, &o);

	if (err != IOT_OK) {
		eim_rest_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : 400,
			    err == IOT_E_NOT_FOUND ? "unknown eUICC" : o.decision.why[0] ? o.decision.why : why);
	} else if (!strcmp(o.state, "applied")) {
		atomic_fetch_add(&s->changes[0], 1);
		eim_server_wake(&s->injector);
		if (json_object_get(change, "autopilot"))
			eim_rest_reply(r, 201, json_pack("{s:I,s:s}", "change", (json_int_t)o.id, "state", "applied"));
		else if (eid)
			eim_rest_reply(r, 201, json_pack("{s:I,s:s,s:I}", "id", (json_int_t)o.operation, "state", "pending", "change",
						(json_int_t)o.id));
		else
			eim_rest_reply(r, 201, json_pack("{s:I,s:I,s:I}", "id", (json_int_t)o.campaign, "operations",
						(json_int_t)o.operations, "change", (json_int_t)o.id));
	} else if (!strcmp(o.state, "pending")) {
		/* 202: recorded, waiting for an approver */
		atomic_fetch_add(&s->changes[1], 1);
		eim_rest_reply(r, 202, json_pack("{s:I,s:s,s:s,s:I,s:O}", "change", (json_int_t)o.id, "state", "pending", "hash", o.hash,
					"devices", (json_int_t)o.decision.devices, "rules", o.decision.rules));
	} else {
		char message[240];

		atomic_fetch_add(&s->changes[2], 1);
		snprintf(message, sizeof(message), "refused by policy: %s", o.decision.why);
		eim_rest_reply(r, 403, json_pack("{s:s,s:I,s:O}", "error", message, "change", (json_int_t)o.id, "rules",
					o.decision.rules));
	}
	eim_change_outcome_clear(&o);
}

static void evaluate(struct eim *e, const struct eim_api_key *k, const json_t *in, struct http_response *r)
{
	struct eim_decision d = { 0 };
	json_t *change = NULL, *body = json_deep_copy(in);
	const char *eid = json_string_value(json_object_get(in, "eid"));
	char why[200], eid_copy[33] = "";
	iot_err err;

	/* {"eid": E, OPERATION} for one eUICC, or a campaign's body */
	if (eid)
		snprintf(eid_copy, sizeof(eid_copy), "%s", eid);
	json_object_del(body, "eid");
	err = eim_change_from_body(eid ? eid_copy : NULL, body, &change, why, sizeof(why));
	json_decref(body);
	if (err == IOT_OK)
		err = eim_policy_evaluate(e, k->name, k->role, change, &d);
	if (err == IOT_OK)
		eim_rest_reply(r, 200, json_pack("{s:s,s:I,s:O,s:s}", "decision", eim_verdict_name(d.verdict), "devices",
					(json_int_t)d.devices, "rules", d.rules, "why", d.why));
	else
		eim_rest_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : 400, d.why[0] ? d.why : why);
	json_decref(change);
	eim_decision_clear(&d);
}

static void decide(struct eim *e, const struct eim_api_key *k, int64_t id, bool approve, const json_t *in,
		   struct http_response *r)
{
	struct eim_change_outcome o;
	iot_err err;

	if (!eim_role_covers(k->role, EIM_ROLE_APPROVER)) {
		eim_rest_error(r, 403, "an approver's or admin's key decides on changes");
		return;
	}
	err = eim_change_decide(e, id, k->name, k->role, approve, json_string_value(json_object_get(in, "hash")),
				json_string_value(json_object_get(in, "note")), &o);
	if (err == IOT_OK)
		eim_rest_reply(r, 200, json_pack("{s:I,s:s,s:I,s:I,s:I,s:s}", "change", (json_int_t)id, "state", o.state, "operation",
					(json_int_t)o.operation, "campaign", (json_int_t)o.campaign, "operations",
					(json_int_t)o.operations, "why", o.decision.why));
	else
		eim_rest_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : 409,
			    err == IOT_E_NOT_FOUND ? "unknown change" : o.decision.why[0] ? o.decision.why : iot_strerror(err));
	eim_change_outcome_clear(&o);
}

bool eim_rest_governance(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const struct http_request *q,
			 const json_t *in, struct http_response *r)
{
	static const char changes[] = "/api/v1/changes", campaigns[] = "/api/v1/campaigns/";
	bool get = !strcmp(q->method, "GET"), post = !strcmp(q->method, "POST");
	const char *rest;
	int64_t id;
	iot_err err;

	(void)s;
	if (!strcmp(q->path, "/api/v1/policy") && get) {
		struct eim_policy *p = eim_policy_of(e);

		eim_rest_reply(r, 200, p ? eim_policy_json(p) : NULL);
		eim_policy_release(p);
	} else if (!strcmp(q->path, "/api/v1/policy/evaluate") && post) {
		evaluate(e, k, in, r);
	} else if (!strcmp(q->path, changes) && get) {
		const char *after = http_request_arg(q, "after"), *limit = http_request_arg(q, "limit"), *end = "";
		struct eim_change_filter f = { .state = http_request_arg(q, "state"),
					       .requester = http_request_arg(q, "requester") };
		int64_t n = 0;
		json_t *a = NULL;

		/* ?state=&requester=&after=ID&limit=N (500 at most) */
		if ((after && (!eim_rest_parse_id(after, &f.after, &end) || *end)) || (limit && (!eim_rest_parse_id(limit, &n, &end) || *end))) {
			eim_rest_error(r, 400, "after and limit are digits");
			return true;
		}
		f.limit = (size_t)n;
		if ((err = eim_change_list(e, &f, &a)) == IOT_OK)
			eim_rest_reply(r, 200, a);
		else {
			json_decref(a);
			eim_rest_failure(r, err, 500, "the list could not be read");
		}
	} else if (!strncmp(q->path, changes, sizeof(changes) - 1) && q->path[sizeof(changes) - 1] == '/' &&
		   eim_rest_parse_id(q->path + sizeof(changes), &id, &rest)) {
		json_t *j;

		if (get && !*rest) {
			if ((err = eim_change_get(e, id, &j)) == IOT_OK)
				eim_rest_reply(r, 200, j);
			else
				eim_rest_failure(r, err, 404, "unknown change");
		} else if (post && (!strcmp(rest, "/approve") || !strcmp(rest, "/reject"))) {
			decide(e, k, id, !strcmp(rest, "/approve"), in, r);
		} else {
			eim_rest_error(r, 404, "no such resource");
		}
	} else if (!strncmp(q->path, campaigns, sizeof(campaigns) - 1) && post &&
		   eim_rest_parse_id(q->path + sizeof(campaigns) - 1, &id, &rest) && *rest == '/') {
		/* /campaigns/N/pause, /resume, /abort */
		err = eim_campaign_control(e, id, k->name, rest + 1);
		if (err == IOT_OK) {
			struct eim_campaign c;

			eim_server_wake(&s->governor);
			eim_server_wake(&s->injector);
			if (eim_campaign_get(e, id, &c) == IOT_OK)
				eim_rest_reply(r, 200, json_pack("{s:I,s:s,s:i}", "id", (json_int_t)id, "state",
							eim_campaign_state_name(c.state), "stage", c.stage + 1));
			else
				eim_rest_reply(r, 200, json_pack("{s:I}", "id", (json_int_t)id));
		} else {
			eim_rest_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : err == IOT_E_ARG ? 404 : 409,
				    err == IOT_E_NOT_FOUND ? "unknown campaign" : err == IOT_E_ARG ? "no such resource" :
				    "not from the state the campaign is in");
		}
	} else if (!strcmp(q->path, "/api/v1/audit/export") && get) {
		char *text;
		size_t len;

		/* JSON lines: entries, signed checkpoints, the signed end */
		if ((err = eim_audit_export(e, &text, &len)) == IOT_OK) {
			http_response_set(r, 200, "application/x-ndjson", text, len);
			free(text);
		} else {
			eim_rest_failure(r, err, 500, "the audit log could not be exported");
		}
	} else {
		return false;
	}
	return true;
}
