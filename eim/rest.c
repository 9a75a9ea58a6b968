/* eimd's REST API (docs/rest-api.yaml): API keys and roles, eUICCs,
 * operations, campaigns, settings, the audit log, the factory export. Every
 * state change is audited; a failing store answers 503 and changes nothing. */
#include "eim/server_internal.h"
#include "eim/ops_json.h"
#include "eim/change.h"
#include "eim/fleet.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "crypto/crypto.h"
#include "net/json_binding.h"

iot_err eim_api_key_parse(const char *text, struct eim_api_key *k)
{
	const char *a = strchr(text, ':'), *b = a ? strchr(a + 1, ':') : NULL;
	struct crypto_buf part;
	static char names[64][64];
	static atomic_uint used;
	unsigned slot;

	if (!a || !b || !b[1] || b == a + 1)
		return IOT_E_ARG;
	if (!strncmp(text, "admin:", 6))
		k->role = EIM_ROLE_ADMIN;
	else if (!strncmp(text, "operator:", 9))
		k->role = EIM_ROLE_OPERATOR;
	else if (!strncmp(text, "auditor:", 8))
		k->role = EIM_ROLE_AUDITOR;
	else if (!strncmp(text, "approver:", 9))
		k->role = EIM_ROLE_APPROVER;
	else
		return IOT_E_ARG;
	if (!eim_key_name_ok(a + 1, (size_t)(b - a - 1)) || (slot = atomic_fetch_add(&used, 1)) >= 64)
		return IOT_E_ARG;
	snprintf(names[slot], sizeof(names[slot]), "%.*s", (int)(b - a - 1), a + 1);
	k->name = names[slot];
	part = (struct crypto_buf){ (const uint8_t *)b + 1, strlen(b + 1) };
	return crypto_sha256(&part, 1, k->hash);
}


void eim_rest_reply(struct http_response *r, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	if (text)
		http_response_set(r, status, JSON_TYPE, text, strlen(text));
	else
		http_response_set(r, status, NULL, NULL, 0);
	free(text);
	json_decref(body);
}


/* A failed call's answer: what err says when the store or the machine
 * failed (503, retry later: nothing was changed), else status. */
void eim_rest_failure(struct http_response *r, iot_err err, int status, const char *message)
{
	if (err == IOT_E_STORE || err == IOT_E_NOMEM || err == IOT_E_IO) {
		eim_rest_error(r, 503, "the store is unavailable: nothing was changed, try again later");
		r->retry_after = 30;
		return;
	}
	eim_rest_error(r, status, message);
}

/* A list read whole (err IOT_OK) or not at all. */
static void reply_list(struct http_response *r, iot_err err, json_t *a)
{
	if (err == IOT_OK) {
		eim_rest_reply(r, 200, a);
		return;
	}
	json_decref(a);
	eim_rest_failure(r, err, 500, "the list could not be read");
}

void eim_rest_error(struct http_response *r, int status, const char *message)
{
	eim_rest_reply(r, status, json_pack("{s:s}", "error", message));
}

/* The caller's key, when it holds one of at least role; else 401 or 403 set. */
const struct eim_api_key *eim_rest_authorize(struct eim_server *s, const struct http_request *q, enum eim_role role,
					     struct http_response *r)
{
	uint8_t h[32];
	struct crypto_buf part;
	const struct eim_api_key *k = NULL;

	static __thread struct eim_api_key stored;
	static __thread char stored_name[64];

	if (q->authorization && !strncmp(q->authorization, "Bearer ", 7)) {
		part = (struct crypto_buf){ (const uint8_t *)q->authorization + 7, strlen(q->authorization + 7) };
		if (crypto_sha256(&part, 1, h) == IOT_OK) {
			struct eim *e = eim_server_core(s);
			int stored_role;

			for (size_t i = 0; i < s->cfg.key_count; i++) {
				unsigned char diff = 0;

				/* constant time over the hash */
				for (size_t j = 0; j < 32; j++)
					diff |= (unsigned char)(h[j] ^ s->cfg.keys[i].hash[j]);
				if (!diff)
					k = &s->cfg.keys[i];
			}
			/* then the keys an admin made (looked up by hash: nothing secret compared) */
			if (!k && e && eim_key_find(e, h, stored_name, &stored_role) == IOT_OK) {
				stored = (struct eim_api_key){ .name = stored_name, .role = (enum eim_role)stored_role };
				k = &stored;
			}
		}
	}
	if (!k) {
		atomic_fetch_add(&s->rest_refused, 1);
		eim_rest_error(r, 401, "a valid API key is needed (Authorization: Bearer)");
		return NULL;
	}
	if (!eim_role_covers(k->role, role)) {
		atomic_fetch_add(&s->rest_refused, 1);
		eim_rest_error(r, 403, "this key's role may not do that");
		return NULL;
	}
	return k;
}

/* An id as the API writes it: 1 to 18 digits and nothing else (no sign,
 * space, suffix or escape); end, when given, gets what follows the digits. */
bool eim_rest_parse_id(const char *text, int64_t *id, const char **end)
{
	size_t n = 0;

	while (text[n] >= '0' && text[n] <= '9' && n < 19)
		n++;
	if (!n || n > 18 || (!end && text[n]))
		return false;
	if (end)
		*end = text + n;
	*id = strtoll(text, NULL, 10);
	return true;
}

static json_t *euicc_json(const struct eim_euicc *u)
{
	return json_pack("{s:s,s:I,s:b,s:I,s:s,s:I}", "eid", u->eid, "counter", (json_int_t)u->counter, "learned",
			 u->has_cert && u->has_token, "lastContact", (json_int_t)u->last_contact, "labels", u->labels,
			 "pendingOperations", (json_int_t)u->pending);
}

static json_t *op_json(const struct eim_op *op)
{
	json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "id", (json_int_t)op->id, "eid", op->eid, "kind",
			      eim_op_kind_name(op->kind), "state", eim_op_state_name(op->state), "counterValue",
			      (json_int_t)op->counter, "resultCode", (json_int_t)op->result_code, "created",
			      (json_int_t)op->created, "updated", (json_int_t)op->updated);

	if (j && op->result)
		jb_set_asn1(j, "result", op->result, op->result_len);
	if (op->result && (op->kind == EIM_OP_PSMO || op->kind == EIM_OP_ECO || op->kind == EIM_OP_DOWNLOAD)) {
		json_t *results = op->kind == EIM_OP_DOWNLOAD ? eim_download_result_json(op->result, op->result_len)
							      : eim_op_results_json(op->result, op->result_len);

		if (results)
			json_object_set_new(j, "results", results);
	}
	return j;
}

static json_t *campaign_json(const struct eim_campaign *c)
{
	json_t *j = json_pack("{s:I,s:s,s:I,s:s,s:i,s:i,s:I}", "id", (json_int_t)c->id, "name", c->name, "maxInFlight",
			      (json_int_t)c->max_in_flight, "state", eim_campaign_state_name(c->state), "stage", c->stage + 1,
			      "stages", c->stages, "change", (json_int_t)c->change);

	/* stages count from 1 (the canary) for people */
	if (c->halt_reason[0])
		json_object_set_new(j, "haltReason", json_string(c->halt_reason));
	json_object_set_new(j, "total", json_integer(c->total));
	json_object_set_new(j, "states", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "pending", (json_int_t)c->by_state[0], "sent",
						   (json_int_t)c->by_state[1], "done", (json_int_t)c->by_state[2], "failed",
						   (json_int_t)c->by_state[3], "cancelled", (json_int_t)c->by_state[4],
						   "expired", (json_int_t)c->by_state[5]));
	return j;
}

/* A page of a list: ?before=ID (digits) and ?limit=N (1 to cap); false with 400 answered. */
static bool page_args(const struct http_request *q, int64_t cap, int64_t *before, int64_t *limit, struct http_response *r)
{
	const char *b = http_request_arg(q, "before"), *l = http_request_arg(q, "limit");

	*before = 0;
	*limit = cap < 100 ? cap : 100;
	if ((b && !eim_rest_parse_id(b, before, NULL)) || (l && (!eim_rest_parse_id(l, limit, NULL) || *limit < 1 ||
								  *limit > cap))) {
		eim_rest_error(r, 400, "before: an id; limit: a count");
		return false;
	}
	return true;
}

void eim_rest(struct eim_server *s, const struct http_request *q, struct http_response *r)
{
	static const char euiccs[] = "/api/v1/euiccs", ops[] = "/api/v1/operations/";
	bool get = !strcmp(q->method, "GET"), post = !strcmp(q->method, "POST"), del = !strcmp(q->method, "DELETE"),
	     put = !strcmp(q->method, "PUT"), admin_only = !strncmp(q->path, "/api/v1/keys", 12) ||
						    (!strcmp(q->path, "/api/v1/settings") && !get);
	const struct eim_api_key *k;
	struct eim *e = eim_server_core(s);
	json_t *in = NULL;
	char subject[96], outcome[128];
	iot_err err;

	atomic_fetch_add(&s->rest_calls, 1);
	if (eim_rest_bulk(s, q, r))
		return;
	if (!e) {
		eim_rest_error(r, 503, "the store is unavailable");
		return;
	}
	/* API keys and eIM settings are the admin's; state changes the operator's; reading the auditor's */
	if (!(k = eim_rest_authorize(s, q, admin_only ? EIM_ROLE_ADMIN : post || del || put ? EIM_ROLE_OPERATOR : EIM_ROLE_AUDITOR,
			    r)))
		return;
	/* an empty POST is an empty object (the controls: pause, resume, abort) */
	if (post && !q->body_len)
		in = json_object();
	else if (post || put) {
		json_error_t je;

		if (!q->content_type || strncmp(q->content_type, JSON_TYPE, strlen(JSON_TYPE)) ||
		    !(in = json_loadb((const char *)q->body, q->body_len, 0, &je)) || !json_is_object(in)) {
			json_decref(in);
			eim_rest_error(r, q->content_type && !strncmp(q->content_type, JSON_TYPE, strlen(JSON_TYPE)) ? 400 : 415,
				    "a JSON object is expected");
			return;
		}
	}
	if (!strcmp(q->path, euiccs) && post) {
		const char *eid = json_string_value(json_object_get(in, "eid"));
		const char *labels = json_string_value(json_object_get(in, "labels"));
		uint8_t *cert = NULL, *eum = NULL;
		size_t cert_len = 0, eum_len = 0;

		/* optional: the certificates the factory read, base64 DER, both or neither */
		if (!eid || ((json_object_get(in, "euiccCertificate") || json_object_get(in, "eumCertificate")) &&
			     (jb_get_asn1(in, "euiccCertificate", &cert, &cert_len) != IOT_OK ||
			      jb_get_asn1(in, "eumCertificate", &eum, &eum_len) != IOT_OK)))
			err = IOT_E_ARG;
		else
			err = eim_euicc_register_certified(e, eid, labels, eum, eum_len, cert, cert_len);
		free(cert);
		free(eum);
		snprintf(subject, sizeof(subject), "euicc:%s", eid ? eid : "-");
		eim_audit(e, k->name, "register", subject, iot_errname(err));
		if (err == IOT_OK)
			eim_rest_reply(r, 201, json_pack("{s:s}", "eid", eid));
		else
			eim_rest_failure(r, err, err == IOT_E_REFUSED ? 409 : 400,
				    err == IOT_E_REFUSED ? "already registered" :
				    err == IOT_E_ARG ? "eid: 32 digits; euiccCertificate and eumCertificate: base64 DER, both"
						     : iot_strerror(err));
	} else if (!strcmp(q->path, euiccs) && get) {
		struct eim_euicc *list = calloc(500, sizeof(*list));
		const char *pending = http_request_arg(q, "pending"), *state = http_request_arg(q, "profileState"),
			   *learned = http_request_arg(q, "learned");
		struct eim_euicc_filter f = { .after = http_request_arg(q, "after"), .label = http_request_arg(q, "label"),
					      .pending_only = pending && !strcmp(pending, "1"),
					      .iccid = http_request_arg(q, "profile"), .profile_state = -1, .learned = -1 };
		json_t *a = json_array();
		size_t n = 0;

		/* ?label=&profile=ICCID&profileState=enabled|disabled&pending=1&learned=0|1&after=EID: 500 at a time */
		if (state)
			f.profile_state = !strcmp(state, "enabled") ? 1 : !strcmp(state, "disabled") ? 0 : -2;
		if (learned)
			f.learned = !strcmp(learned, "1") ? 1 : !strcmp(learned, "0") ? 0 : -2;
		if (f.profile_state == -2 || f.learned == -2 || (f.iccid && strlen(f.iccid) != 19 && strlen(f.iccid) != 20)) {
			json_decref(a);
			free(list);
			eim_rest_error(r, 400, "profileState: enabled or disabled; learned: 0 or 1; profile: an ICCID");
			return;
		}
		err = list ? eim_euicc_list(e, &f, list, 500, &n) : IOT_E_NOMEM;
		if (err == IOT_OK)
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, euicc_json(&list[i]));
		free(list);
		reply_list(r, err, a);
	} else if (!strncmp(q->path, euiccs, sizeof(euiccs) - 1) && q->path[sizeof(euiccs) - 1] == '/') {
		char eid[33] = "";
		const char *rest_of = q->path + sizeof(euiccs);
		struct eim_euicc u;

		snprintf(eid, sizeof(eid), "%.32s", rest_of);
		rest_of += strlen(eid);
		if (!*rest_of && get) {
			struct eim_euicc_state st;
			struct eim_profile profiles[16];
			char inject[256];
			size_t n;

			if ((err = eim_euicc_get(e, eid, &u)) == IOT_OK &&
			    (err = eim_euicc_profiles(e, eid, profiles, 16, &n)) == IOT_OK) {
				json_t *j = euicc_json(&u), *list = json_array();

				/* as the eUICC last reported them (listProfileInfo, notifications) */
				for (size_t i = 0; i < n; i++)
					json_array_append_new(list, json_pack("{s:s,s:s}", "iccid", profiles[i].iccid, "state",
									      profiles[i].state == 1 ? "enabled" : "disabled"));
				json_object_set_new(j, "profiles", list);
				if (eim_euicc_inject(e, eid, inject) == IOT_OK)
					json_object_set_new(j, "inject", json_string(inject));
				if (eim_euicc_state(e, eid, &st) == IOT_OK) {
					static const char *const causes[] = { "otherEim", "fallback", "emergencyProfile", "local",
									      "reset", "immediateEnableProfile", "deviceChange" };

					if (st.rplmn[0])
						json_object_set_new(j, "rplmn", json_pack("{s:s,s:I}", "plmn", st.rplmn, "at",
											(json_int_t)st.rplmn_at));
					if (st.change_cause >= 0)
						json_object_set_new(j, "lastStateChange",
								    json_pack("{s:s,s:I,s:I}", "cause",
									      st.change_cause < 7 ? causes[st.change_cause]
												  : "undefined",
									      "code", (json_int_t)st.change_cause, "at",
									      (json_int_t)st.changed_at));
				}
				eim_rest_reply(r, 200, j);
			} else {
				eim_rest_failure(r, err, 404, "unknown eUICC");
			}
		} else if (!strcmp(rest_of, "/inject") && put) {
			json_t *addr = json_object_get(in, "address");

			/* {"address": "https://HOST:PORT" | "coaps://HOST:PORT" | null} */
			err = addr && (json_is_string(addr) || json_is_null(addr)) ?
				      eim_euicc_set_inject(e, eid, json_string_value(addr)) : IOT_E_ARG;
			snprintf(subject, sizeof(subject), "euicc:%s", eid);
			eim_audit(e, k->name, "inject address", subject, iot_errname(err));
			if (err == IOT_OK)
				eim_rest_reply(r, 200, json_pack("{s:s,s:O}", "eid", eid, "address", addr));
			else
				eim_rest_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : 400, err == IOT_E_NOT_FOUND ? "unknown eUICC" :
					    "address: https://HOST:PORT, coaps://HOST:PORT or null");
		} else if (!strcmp(rest_of, "/operations") && get) {
			struct eim_op *list = calloc(500, sizeof(*list));
			int64_t before, limit;
			size_t n = 0;
			json_t *a = json_array();

			/* its history, newest first: ?before=OPERATION_ID&limit=N (500 at most) */
			if (!list || !page_args(q, 500, &before, &limit, r)) {
				json_decref(a);
				free(list);
				if (!list)
					eim_rest_error(r, 503, "out of memory");
				return;
			}
			err = eim_euicc_operations(e, eid, before, (size_t)limit, list, &n);
			for (size_t i = 0; i < n; i++) {
				if (err == IOT_OK)
					json_array_append_new(a, op_json(&list[i]));
				eim_op_free(&list[i]);
			}
			free(list);
			reply_list(r, err, a);
		} else if (!strcmp(rest_of, "/notifications") && get) {
			json_t *a = NULL;

			/* the newest 100, decoded */
			err = eim_euicc_notifications(e, eid, 100, &a);
			reply_list(r, err, a);
		} else if (!strcmp(rest_of, "/operations") && post) {
			/* a change of one operation: the policy first, maybe an approver */
			eim_rest_submit(s, e, k, eid, in, r);
		} else if (!eim_rest_autopilot(s, e, k, q, in, r)) {
			/* /health, /quarantine, /release: rest_autopilot.c */
			eim_rest_error(r, 404, "no such resource");
		}
	} else if (!strncmp(q->path, ops, sizeof(ops) - 1) && (get || del)) {
		int64_t id;
		struct eim_op op;

		if (!eim_rest_parse_id(q->path + sizeof(ops) - 1, &id, NULL)) {
			eim_rest_error(r, 400, "an operation id is digits");
		} else if (get) {
			if ((err = eim_op_get(e, id, &op)) == IOT_OK)
				eim_rest_reply(r, 200, op_json(&op));
			else
				eim_rest_failure(r, err, 404, "unknown operation");
			eim_op_free(&op);
		} else {
			err = eim_op_cancel(e, id);
			snprintf(subject, sizeof(subject), "operation:%lld", (long long)id);
			eim_audit(e, k->name, "cancel", subject, iot_errname(err));
			if (err == IOT_OK)
				eim_rest_reply(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "cancelled"));
			else
				eim_rest_failure(r, err, err == IOT_E_REFUSED ? 409 : 404,
					    err == IOT_E_REFUSED ? "already sent" : "unknown operation");
		}
	} else if (!strcmp(q->path, "/api/v1/campaigns") && get) {
		int64_t before, limit, ids[100];
		size_t n = 0;
		json_t *a = json_array();

		/* newest first: ?before=ID&limit=N (100 at most) */
		if (!page_args(q, 100, &before, &limit, r)) {
			json_decref(a);
			return;
		}
		err = eim_campaign_list(e, before, (size_t)limit, ids, &n);
		for (size_t i = 0; err == IOT_OK && i < n; i++) {
			struct eim_campaign c;

			if ((err = eim_campaign_get(e, ids[i], &c)) == IOT_OK)
				json_array_append_new(a, campaign_json(&c));
		}
		reply_list(r, err, a);
	} else if (!strcmp(q->path, "/api/v1/campaigns") && post) {
		eim_rest_submit(s, e, k, NULL, in, r);
	} else if (!strncmp(q->path, "/api/v1/campaigns/", 18) && get && strstr(q->path + 18, "/operations")) {
		struct eim_op *list;
		const char *after = http_request_arg(q, "after"), *rest_of_path;
		int64_t id, after_id = 0;
		json_t *a;
		size_t n = 0;

		if (!eim_rest_parse_id(q->path + 18, &id, &rest_of_path) || strcmp(rest_of_path, "/operations") ||
		    (after && !eim_rest_parse_id(after, &after_id, NULL))) {
			eim_rest_error(r, 400, "a campaign id and an operation id (after) are digits");
		} else {
			list = calloc(500, sizeof(*list));
			a = json_array();
			/* per-device outcomes, 500 at a time (?after=OPERATION_ID) */
			err = list ? eim_campaign_operations(e, id, after_id, list, 500, &n) : IOT_E_NOMEM;
			for (size_t i = 0; err == IOT_OK && i < n; i++)
				json_array_append_new(a, op_json(&list[i]));
			free(list);
			reply_list(r, err, a);
		}
	} else if (!strncmp(q->path, "/api/v1/campaigns/", 18) && get) {
		struct eim_campaign c;
		int64_t id;

		if (!eim_rest_parse_id(q->path + 18, &id, NULL))
			eim_rest_error(r, 400, "a campaign id is digits");
		else if ((err = eim_campaign_get(e, id, &c)) == IOT_OK)
			eim_rest_reply(r, 200, campaign_json(&c));
		else
			eim_rest_failure(r, err, 404, "unknown campaign");
	} else if (!strcmp(q->path, "/api/v1/keys") && post) {
		static const char *const roles[] = { "", "auditor", "operator", "admin", "approver" };
		const char *name = json_string_value(json_object_get(in, "name"));
		const char *role = json_string_value(json_object_get(in, "role"));
		char token[65];
		int rn = 0;

		for (int i = 1; role && i <= 4; i++)
			if (!strcmp(role, roles[i]))
				rn = i;
		err = rn ? eim_key_create(e, name, rn, token) : IOT_E_ARG;
		snprintf(subject, sizeof(subject), "key:%s role=%s", name ? name : "-", role ? role : "-");
		eim_audit(e, k->name, "key-create", subject, iot_errname(err));
		if (err == IOT_OK)
			eim_rest_reply(r, 201, json_pack("{s:s,s:s,s:s}", "name", name, "role", role, "token", token));
		else
			eim_rest_failure(r, err, err == IOT_E_REFUSED ? 409 : 400, err == IOT_E_REFUSED ? "the name exists" :
				    "a name and a role (admin, approver, operator, auditor)");
	} else if (!strcmp(q->path, "/api/v1/keys") && get) {
		static const char *const roles[] = { "", "auditor", "operator", "admin", "approver" };
		char names[64][64];
		int rl[64];
		size_t n = 0;
		json_t *a = json_array();

		if ((err = eim_key_list(e, names, rl, 64, &n)) == IOT_OK)
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, json_pack("{s:s,s:s}", "name", names[i], "role",
								   rl[i] >= 1 && rl[i] <= 4 ? roles[rl[i]] : "?"));
		reply_list(r, err, a);
	} else if (!strncmp(q->path, "/api/v1/keys/", 13) && del) {
		err = eim_key_delete(e, q->path + 13);
		snprintf(subject, sizeof(subject), "key:%.60s", q->path + 13);
		eim_audit(e, k->name, "key-delete", subject, iot_errname(err));
		if (err == IOT_OK)
			eim_rest_reply(r, 200, json_pack("{s:s}", "deleted", q->path + 13));
		else
			eim_rest_failure(r, err, 404, "unknown key");
	} else if (!strcmp(q->path, "/api/v1/eim/initial-eim") && get) {
		uint8_t *der;
		size_t len;
		json_t *j = json_object();

		if (eim_initial_eim_request(e, &der, &len) == IOT_OK) {
			jb_set_asn1(j, "addInitialEimRequest", der, len);
			free(der);
			eim_rest_reply(r, 200, j);
		} else {
			json_decref(j);
			eim_rest_error(r, 500, "no eIM configuration");
		}
	} else if (!strcmp(q->path, "/api/v1/settings") && (get || put)) {
		struct eim_settings set;
		json_t *v;

		static const struct { const char *name; size_t offset; } fields[] = {
			{ "operationTtlSeconds", offsetof(struct eim_settings, operation_ttl) },
			{ "campaignMaxInFlight", offsetof(struct eim_settings, campaign_max_in_flight) },
			{ "operationMaxDeliveries", offsetof(struct eim_settings, operation_max_deliveries) },
			{ "operationMaxSentSeconds", offsetof(struct eim_settings, operation_max_sent) },
		};

		if ((err = eim_settings_get(e, &set)) == IOT_OK && put) {
			/* the members given change, the others stay; out of range: nothing changes */
			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
				if ((v = json_object_get(in, fields[i].name)))
					*(unsigned *)((char *)&set + fields[i].offset) =
						json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 0x7FFFFFFF
							? (unsigned)json_integer_value(v) : 0;
			err = eim_settings_set(e, &set);
			snprintf(outcome, sizeof(outcome), "ttl=%u max_in_flight=%u deliveries=%u sent=%u %s", set.operation_ttl,
				 set.campaign_max_in_flight, set.operation_max_deliveries, set.operation_max_sent,
				 iot_errname(err));
			eim_audit(e, k->name, "settings", "eim", outcome);
		}
		if (err == IOT_OK) {
			json_t *j = json_object();

			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
				json_object_set_new(j, fields[i].name, json_integer(*(unsigned *)((char *)&set + fields[i].offset)));
			eim_rest_reply(r, 200, j);
		} else {
			eim_rest_failure(r, err, err == IOT_E_ARG ? 400 : 500,
					 "operationTtlSeconds: 60 to 31,622,400; campaignMaxInFlight: 1 to 1,000,000; "
					 "operationMaxDeliveries: 2 to 1,000; operationMaxSentSeconds: 60 to 31,622,400");
		}
	} else if (!strcmp(q->path, "/api/v1/audit/verify") && get) {
		int64_t entries, bad;

		err = eim_audit_verify(e, &entries, &bad);
		eim_rest_reply(r, 200, json_pack("{s:b,s:I,s:I}", "intact", err == IOT_OK, "entries", (json_int_t)entries,
					     "firstBadEntry", (json_int_t)bad));
	} else if (!eim_rest_governance(s, e, k, q, in, r) && !eim_rest_fleet(s, e, k, q, r) &&
		   !eim_rest_autopilot(s, e, k, q, in, r)) {
		eim_rest_error(r, 404, "no such resource");
	}
	json_decref(in);
}

