/* The eIM on HTTPS and CoAP/DTLS (server.h). */
#include "eim/server.h"
#include "eim/ops_json.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base64.h"
#include "base/hex.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "net/esipa_json.h"
#include "net/json_binding.h"
#include "rsp/rsp.h"

#define ASN1_TYPE "application/x-gsma-rsp-asn1"
#define JSON_TYPE "application/json"

struct eim_server {
	struct eim_server_config cfg;
	struct http_server *http;
	struct net_coap_server *coap;
	pthread_key_t core;
	atomic_ulong esipa_https, esipa_coap, esipa_json, esipa_malformed, rest_calls, rest_refused, notifications_forwarded,
		bpp_streamed, pushed;
	/* work off the request path: notifications to SM-DP+s, pushes to devices */
	struct worker {
		struct eim_server *s;
		iot_err (*step)(struct eim *e, unsigned max, unsigned *done);
		atomic_ulong *done;
		pthread_t thread;
		pthread_cond_t wake;
		bool woken, running;
	} forwarder, injector;
	pthread_mutex_t lock;
	bool stopping;
};

static struct eim *core(struct eim_server *s)
{
	struct eim *e = pthread_getspecific(s->core);

	if (!e && eim_open(&s->cfg.eim, &e) == IOT_OK && pthread_setspecific(s->core, e)) {
		eim_close(e);
		e = NULL;
	}
	return e;
}

static void core_free(void *e)
{
	eim_close(e);
}

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
	else
		return IOT_E_ARG;
	if (!eim_key_name_ok(a + 1, (size_t)(b - a - 1)) || (slot = atomic_fetch_add(&used, 1)) >= 64)
		return IOT_E_ARG;
	snprintf(names[slot], sizeof(names[slot]), "%.*s", (int)(b - a - 1), a + 1);
	k->name = names[slot];
	part = (struct crypto_buf){ (const uint8_t *)b + 1, strlen(b + 1) };
	return crypto_sha256(&part, 1, k->hash);
}

/* ---- ESipa ---- */

static void wake(struct worker *w)
{
	pthread_mutex_lock(&w->s->lock);
	w->woken = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->s->lock);
}

static void esipa(struct eim_server *s, bool json, const uint8_t *body, size_t len, int *status, struct der_writer *w)
{
	struct eim *e = core(s);
	iot_err err;

	if (!e) {
		*status = 503;
		return;
	}
	eim_esipa_binding(e, json);
	if ((err = eim_esipa(e, body, len, w)) == IOT_E_STORE || err == IOT_E_NOMEM) {
		/* the store failed (a full disk): nothing was done; the device tries again later */
		log_error("eim", "ESipa message not handled: the store failed", "bytes=%zu error=\"%s\"", len,
			  iot_strerror(err));
		*status = 503;
		return;
	}
	if (err != IOT_OK) {
		/* SGP.32 6.1: a message that does not decode is refused, nothing done */
		atomic_fetch_add(&s->esipa_malformed, 1);
		log_warn("eim", "malformed ESipa message", "bytes=%zu error=\"%s\"", len, iot_strerror(err));
		*status = 400;
		return;
	}
	*status = w->len ? 200 : 204;
	if (eim_notifications_waiting(e))
		wake(&s->forwarder);
	/* a result may free a device's next operation for a push */
	if (len > 2 && body[0] == 0xBF && (body[1] == 0x50 || body[1] == 0x3D))
		wake(&s->injector);
}

/* Runs w's step off the request path (a slow or absent SM-DP+ or device
 * never holds up a request; what failed is retried), as long as it has
 * work, then sleeps until woken or for a few seconds. */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct eim_server *s = w->s;
	struct eim *e = NULL;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		unsigned done = 0;

		if (!w->woken) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 5;
			pthread_cond_timedwait(&w->wake, &s->lock, &until);
		}
		w->woken = false;
		pthread_mutex_unlock(&s->lock);
		if (e || eim_open(&s->cfg.eim, &e) == IOT_OK) {
			do {
				if (w->step(e, 64, &done) != IOT_OK)
					break;
				atomic_fetch_add(w->done, done);
			} while (done && !s->stopping);
		}
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	eim_close(e);
	return NULL;
}

/* An ESipa request over HTTPS as either binding wants it: POST, its content
 * type (or one starting with it, when prefix), a protocol version it speaks;
 * counted. Otherwise answered here, false. */
static bool esipa_https_ok(struct eim_server *s, const struct http_request *q, struct http_response *r,
			   const char *type, bool prefix)
{
	if (strcmp(q->method, "POST")) {
		r->status = 405;
		return false;
	}
	if (!q->content_type || (prefix ? strncmp(q->content_type, type, strlen(type)) : strcmp(q->content_type, type))) {
		http_response_set(r, 415, NULL, NULL, 0);
		return false;
	}
	/* SGP.32 6.1 (SGP.22 6.5.1): the request says which protocol version it speaks */
	if (!http_request_admin_protocol_ok(q)) {
		atomic_fetch_add(&s->esipa_malformed, 1);
		log_warn("eim", "ESipa request without a supported X-Admin-Protocol", "peer=%s value=%s", q->peer,
			 q->admin_protocol ? q->admin_protocol : "-");
		http_response_set(r, 400, NULL, NULL, 0);
		return false;
	}
	atomic_fetch_add(&s->esipa_https, 1);
	return true;
}

static void esipa_core(void *ctx, const uint8_t *req, size_t len, int *status, struct der_writer *w)
{
	esipa(ctx, true, req, len, status, w);
}

/* ESipa's JSON binding: the same core behind a thin translation. */
static void esipa_json(struct eim_server *s, const char *peer, const char *function, const uint8_t *body, size_t len,
		       struct esipa_json_answer *a)
{
	atomic_fetch_add(&s->esipa_json, 1);
	esipa_json_serve(function, body, len, esipa_core, s, a);
	if (a->malformed) {
		/* SGP.32 6.4: not JSON, or not the function's message: refused, nothing done */
		atomic_fetch_add(&s->esipa_malformed, 1);
		log_warn("eim", "malformed ESipa JSON request", "peer=%s function=%s status=%d", peer, function,
			 a->status);
	}
}

static void on_coap(void *ctx, const char *peer, const char *path, const uint8_t *body, size_t len, struct net_coap_reply *r)
{
	struct eim_server *s = ctx;
	struct der_writer w;
	int status;

	atomic_fetch_add(&s->esipa_coap, 1);
	/* SGP.32 6.2: either binding over CoAP, the JSON one by the function's Uri-Path */
	if (!strncmp(path, ESIPA_JSON_COAP_PATH, strlen(ESIPA_JSON_COAP_PATH))) {
		struct esipa_json_answer a;

		esipa_json(s, peer, path + strlen(ESIPA_JSON_COAP_PATH), body, len, &a);
		net_coap_reply_set(r, a.status == 200 || a.status == 204 ? 204 : a.status == 404 ? 404 :
				      a.status == 503 ? 503 : a.status == 500 ? 500 : 400, a.body, a.body_len);
		free(a.body);
		return;
	}
	der_writer_dynamic(&w);
	esipa(s, false, body, len, &status, &w);
	/* CoAP: 2.04 Changed with the answer; 4.00 Bad Request; 5.03 */
	net_coap_reply_set(r, status == 400 ? 400 : status == 503 ? 503 : 204, w.buf, status < 300 ? w.len : 0);
	der_writer_free(&w);
}

/* ---- REST ---- */

static void reply_json(struct http_response *r, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	if (text)
		http_response_set(r, status, JSON_TYPE, text, strlen(text));
	else
		http_response_set(r, status, NULL, NULL, 0);
	free(text);
	json_decref(body);
}

static void reply_error(struct http_response *r, int status, const char *message);

/* A failed call's answer: what err says when the store or the machine
 * failed (503, retry later: nothing was changed), else status. */
static void reply_failure(struct http_response *r, iot_err err, int status, const char *message)
{
	if (err == IOT_E_STORE || err == IOT_E_NOMEM || err == IOT_E_IO) {
		reply_error(r, 503, "the store is unavailable: nothing was changed, try again later");
		r->retry_after = 30;
		return;
	}
	reply_error(r, status, message);
}

static void reply_error(struct http_response *r, int status, const char *message)
{
	reply_json(r, status, json_pack("{s:s}", "error", message));
}

/* The caller's key, when it holds one of at least role; else 401 or 403 set. */
static const struct eim_api_key *authorize(struct eim_server *s, const struct http_request *q, enum eim_role role,
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
			struct eim *e = core(s);
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
		reply_error(r, 401, "a valid API key is needed (Authorization: Bearer)");
		return NULL;
	}
	if (k->role < role) {
		atomic_fetch_add(&s->rest_refused, 1);
		reply_error(r, 403, "this key's role may not do that");
		return NULL;
	}
	return k;
}

/* An id as the API writes it: 1 to 18 digits and nothing else (no sign,
 * space, suffix or escape); end, when given, gets what follows the digits. */
static bool parse_id(const char *text, int64_t *id, const char **end)
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

static void rest(struct eim_server *s, const struct http_request *q, struct http_response *r)
{
	static const char euiccs[] = "/api/v1/euiccs", ops[] = "/api/v1/operations/";
	bool get = !strcmp(q->method, "GET"), post = !strcmp(q->method, "POST"), del = !strcmp(q->method, "DELETE"),
	     put = !strcmp(q->method, "PUT"), admin_only = !strncmp(q->path, "/api/v1/keys", 12) ||
						    (!strcmp(q->path, "/api/v1/settings") && !get);
	const struct eim_api_key *k;
	struct eim *e = core(s);
	json_t *in = NULL;
	char subject[96], outcome[64];
	iot_err err;

	atomic_fetch_add(&s->rest_calls, 1);
	if (!e) {
		reply_error(r, 503, "the store is unavailable");
		return;
	}
	/* API keys and eIM settings are the admin's; state changes the operator's; reading the auditor's */
	if (!(k = authorize(s, q, admin_only ? EIM_ROLE_ADMIN : post || del || put ? EIM_ROLE_OPERATOR : EIM_ROLE_AUDITOR,
			    r)))
		return;
	if (post || put) {
		json_error_t je;

		if (!q->content_type || strncmp(q->content_type, JSON_TYPE, strlen(JSON_TYPE)) ||
		    !(in = json_loadb((const char *)q->body, q->body_len, 0, &je)) || !json_is_object(in)) {
			json_decref(in);
			reply_error(r, q->content_type && !strncmp(q->content_type, JSON_TYPE, strlen(JSON_TYPE)) ? 400 : 415,
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
			reply_json(r, 201, json_pack("{s:s}", "eid", eid));
		else
			reply_failure(r, err, err == IOT_E_REFUSED ? 409 : 400,
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
			reply_error(r, 400, "profileState: enabled or disabled; learned: 0 or 1; profile: an ICCID");
			return;
		}
		err = list ? eim_euicc_list(e, &f, list, 500, &n) : IOT_E_NOMEM;
		if (err == IOT_OK)
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, euicc_json(&list[i]));
		free(list);
		if (err == IOT_OK)
			reply_json(r, 200, a);
		else {
			json_decref(a);
			reply_failure(r, err, 500, "the list could not be read");
		}
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
				reply_json(r, 200, j);
			} else {
				reply_failure(r, err, 404, "unknown eUICC");
			}
		} else if (!strcmp(rest_of, "/inject") && put) {
			json_t *addr = json_object_get(in, "address");

			/* {"address": "https://HOST:PORT" | "coaps://HOST:PORT" | null} */
			err = addr && (json_is_string(addr) || json_is_null(addr)) ?
				      eim_euicc_set_inject(e, eid, json_string_value(addr)) : IOT_E_ARG;
			snprintf(subject, sizeof(subject), "euicc:%s", eid);
			eim_audit(e, k->name, "inject address", subject, iot_errname(err));
			if (err == IOT_OK)
				reply_json(r, 200, json_pack("{s:s,s:O}", "eid", eid, "address", addr));
			else
				reply_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : 400, err == IOT_E_NOT_FOUND ? "unknown eUICC" :
					    "address: https://HOST:PORT, coaps://HOST:PORT or null");
		} else if (!strcmp(rest_of, "/operations") && post) {
			enum eim_op_kind kind;
			uint8_t *payload = NULL;
			size_t len;
			int64_t id = 0;

			if ((err = eim_op_from_json(in, &kind, &payload, &len)) == IOT_OK)
				err = eim_op_create(e, eid, kind, payload, len, &id);
			free(payload);
			if (err == IOT_OK)
				wake(&s->injector);
			snprintf(subject, sizeof(subject), "euicc:%s operation:%lld", eid, (long long)id);
			snprintf(outcome, sizeof(outcome), "%s", iot_errname(err));
			eim_audit(e, k->name, "operation", subject, outcome);
			if (err == IOT_OK)
				reply_json(r, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "pending"));
			else
				reply_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : 400, err == IOT_E_NOT_FOUND ? "unknown eUICC" :
					    "not an operation: psmos, dataRequest, download or euiccPackage");
		} else {
			reply_error(r, 404, "no such resource");
		}
	} else if (!strncmp(q->path, ops, sizeof(ops) - 1) && (get || del)) {
		int64_t id;
		struct eim_op op;

		if (!parse_id(q->path + sizeof(ops) - 1, &id, NULL)) {
			reply_error(r, 400, "an operation id is digits");
		} else if (get) {
			if ((err = eim_op_get(e, id, &op)) == IOT_OK)
				reply_json(r, 200, op_json(&op));
			else
				reply_failure(r, err, 404, "unknown operation");
			eim_op_free(&op);
		} else {
			err = eim_op_cancel(e, id);
			snprintf(subject, sizeof(subject), "operation:%lld", (long long)id);
			eim_audit(e, k->name, "cancel", subject, iot_errname(err));
			if (err == IOT_OK)
				reply_json(r, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "cancelled"));
			else
				reply_failure(r, err, err == IOT_E_REFUSED ? 409 : 404,
					    err == IOT_E_REFUSED ? "already sent" : "unknown operation");
		}
	} else if (!strcmp(q->path, "/api/v1/campaigns") && post) {
		json_t *targets = json_object_get(in, "eids");
		const char *name = json_string_value(json_object_get(in, "name"));
		const char *label = json_string_value(json_object_get(in, "label"));
		const char **eids = NULL;
		size_t n = json_is_array(targets) ? json_array_size(targets) : 0;
		enum eim_op_kind kind;
		uint8_t *payload = NULL;
		size_t len;
		int64_t id = 0, total = 0;

		err = eim_op_from_json(in, &kind, &payload, &len);
		if (err == IOT_OK && n && !(eids = calloc(n, sizeof(*eids))))
			err = IOT_E_NOMEM;
		for (size_t i = 0; err == IOT_OK && i < n; i++)
			if (!(eids[i] = json_string_value(json_array_get(targets, i))))
				err = IOT_E_JSON;
		/* maxInFlight: absent (the eIM's setting) or 1 to a million, never wrapped */
		if (err == IOT_OK && json_object_get(in, "maxInFlight") &&
		    (!json_is_integer(json_object_get(in, "maxInFlight")) ||
		     json_integer_value(json_object_get(in, "maxInFlight")) < 1 ||
		     json_integer_value(json_object_get(in, "maxInFlight")) > 1000000))
			err = IOT_E_ARG;
		if (err == IOT_OK)
			err = eim_campaign_create(e, name ? name : "campaign", kind, payload, len, eids, n, label,
						  (unsigned)json_integer_value(json_object_get(in, "maxInFlight")), &id, &total);
		free(eids);
		free(payload);
		snprintf(subject, sizeof(subject), "campaign:%lld operations=%lld", (long long)id, (long long)total);
		eim_audit(e, k->name, "campaign", subject, iot_errname(err));
		if (err == IOT_OK)
			wake(&s->injector);
		if (err == IOT_OK)
			reply_json(r, 201, json_pack("{s:I,s:I}", "id", (json_int_t)id, "operations", (json_int_t)total));
		else
			reply_failure(r, err, err == IOT_E_NOT_FOUND ? 404 : 400, err == IOT_E_NOT_FOUND ? "an unknown eUICC" :
				    "a campaign wants eids or label, and an operation");
	} else if (!strncmp(q->path, "/api/v1/campaigns/", 18) && get && strstr(q->path + 18, "/operations")) {
		struct eim_op *list;
		const char *after = http_request_arg(q, "after"), *rest_of_path;
		int64_t id, after_id = 0;
		json_t *a;
		size_t n = 0;

		if (!parse_id(q->path + 18, &id, &rest_of_path) || strcmp(rest_of_path, "/operations") ||
		    (after && !parse_id(after, &after_id, NULL))) {
			reply_error(r, 400, "a campaign id and an operation id (after) are digits");
		} else {
			list = calloc(500, sizeof(*list));
			a = json_array();
			/* per-device outcomes, 500 at a time (?after=OPERATION_ID) */
			err = list ? eim_campaign_operations(e, id, after_id, list, 500, &n) : IOT_E_NOMEM;
			for (size_t i = 0; err == IOT_OK && i < n; i++)
				json_array_append_new(a, op_json(&list[i]));
			free(list);
			if (err == IOT_OK)
			reply_json(r, 200, a);
		else {
			json_decref(a);
			reply_failure(r, err, 500, "the list could not be read");
		}
		}
	} else if (!strncmp(q->path, "/api/v1/campaigns/", 18) && get) {
		struct eim_campaign c;
		int64_t id;

		if (!parse_id(q->path + 18, &id, NULL))
			reply_error(r, 400, "a campaign id is digits");
		else if ((err = eim_campaign_get(e, id, &c)) == IOT_OK)
			reply_json(r, 200, json_pack("{s:I,s:s,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I,s:I}}", "id", (json_int_t)c.id,
						     "name", c.name, "maxInFlight", (json_int_t)c.max_in_flight, "total",
						     (json_int_t)c.total, "states", "pending", (json_int_t)c.by_state[0],
						     "sent", (json_int_t)c.by_state[1], "done", (json_int_t)c.by_state[2],
						     "failed", (json_int_t)c.by_state[3], "cancelled", (json_int_t)c.by_state[4],
						     "expired", (json_int_t)c.by_state[5]));
		else
			reply_failure(r, err, 404, "unknown campaign");
	} else if (!strcmp(q->path, "/api/v1/keys") && post) {
		static const char *const roles[] = { "", "auditor", "operator", "admin" };
		const char *name = json_string_value(json_object_get(in, "name"));
		const char *role = json_string_value(json_object_get(in, "role"));
		char token[65];
		int rn = 0;

		for (int i = 1; role && i <= 3; i++)
			if (!strcmp(role, roles[i]))
				rn = i;
		err = rn ? eim_key_create(e, name, rn, token) : IOT_E_ARG;
		snprintf(subject, sizeof(subject), "key:%s role=%s", name ? name : "-", role ? role : "-");
		eim_audit(e, k->name, "key-create", subject, iot_errname(err));
		if (err == IOT_OK)
			reply_json(r, 201, json_pack("{s:s,s:s,s:s}", "name", name, "role", role, "token", token));
		else
			reply_failure(r, err, err == IOT_E_REFUSED ? 409 : 400, err == IOT_E_REFUSED ? "the name exists" :
				    "a name and a role (admin, operator, auditor)");
	} else if (!strcmp(q->path, "/api/v1/keys") && get) {
		static const char *const roles[] = { "", "auditor", "operator", "admin" };
		char names[64][64];
		int rl[64];
		size_t n = 0;
		json_t *a = json_array();

		if ((err = eim_key_list(e, names, rl, 64, &n)) == IOT_OK)
			for (size_t i = 0; i < n; i++)
				json_array_append_new(a, json_pack("{s:s,s:s}", "name", names[i], "role",
								   rl[i] >= 1 && rl[i] <= 3 ? roles[rl[i]] : "?"));
		if (err == IOT_OK)
			reply_json(r, 200, a);
		else {
			json_decref(a);
			reply_failure(r, err, 500, "the list could not be read");
		}
	} else if (!strncmp(q->path, "/api/v1/keys/", 13) && del) {
		err = eim_key_delete(e, q->path + 13);
		snprintf(subject, sizeof(subject), "key:%.60s", q->path + 13);
		eim_audit(e, k->name, "key-delete", subject, iot_errname(err));
		if (err == IOT_OK)
			reply_json(r, 200, json_pack("{s:s}", "deleted", q->path + 13));
		else
			reply_failure(r, err, 404, "unknown key");
	} else if (!strcmp(q->path, "/api/v1/eim/initial-eim") && get) {
		uint8_t *der;
		size_t len;
		json_t *j = json_object();

		if (eim_initial_eim_request(e, &der, &len) == IOT_OK) {
			jb_set_asn1(j, "addInitialEimRequest", der, len);
			free(der);
			reply_json(r, 200, j);
		} else {
			json_decref(j);
			reply_error(r, 500, "no eIM configuration");
		}
	} else if (!strcmp(q->path, "/api/v1/settings") && (get || put)) {
		struct eim_settings set;
		json_t *v;

		if ((err = eim_settings_get(e, &set)) == IOT_OK && put) {
			/* the members given change, the others stay */
			if ((v = json_object_get(in, "operationTtlSeconds")))
				set.operation_ttl = json_is_integer(v) && json_integer_value(v) > 0 &&
							    json_integer_value(v) < 0x7FFFFFFF ? (unsigned)json_integer_value(v) : 0;
			if ((v = json_object_get(in, "campaignMaxInFlight")))
				set.campaign_max_in_flight = json_is_integer(v) && json_integer_value(v) > 0 &&
								     json_integer_value(v) < 0x7FFFFFFF
								     ? (unsigned)json_integer_value(v) : 0;
			err = eim_settings_set(e, &set);
			snprintf(outcome, sizeof(outcome), "ttl=%u max_in_flight=%u %s", set.operation_ttl,
				 set.campaign_max_in_flight, iot_errname(err));
			eim_audit(e, k->name, "settings", "eim", outcome);
		}
		if (err == IOT_OK)
			reply_json(r, 200, json_pack("{s:I,s:I}", "operationTtlSeconds", (json_int_t)set.operation_ttl,
						     "campaignMaxInFlight", (json_int_t)set.campaign_max_in_flight));
		else
			reply_failure(r, err, err == IOT_E_ARG ? 400 : 500,
				    "operationTtlSeconds: 60 to 31,622,400; campaignMaxInFlight: 1 to 1,000,000");
	} else if (!strcmp(q->path, "/api/v1/audit/verify") && get) {
		int64_t entries, bad;

		err = eim_audit_verify(e, &entries, &bad);
		reply_json(r, 200, json_pack("{s:b,s:I,s:I}", "intact", err == IOT_OK, "entries", (json_int_t)entries,
					     "firstBadEntry", (json_int_t)bad));
	} else {
		reply_error(r, 404, "no such resource");
	}
	json_decref(in);
}

static void metrics(struct eim_server *s, struct http_response *r)
{
	char text[600];
	int n = snprintf(text, sizeof(text),
			 "eim_esipa_https_total %lu\neim_esipa_coap_total %lu\neim_esipa_json_total %lu\n"
			 "eim_esipa_malformed_total %lu\n"
			 "eim_rest_calls_total %lu\neim_rest_refused_total %lu\neim_notifications_forwarded_total %lu\n"
			 "eim_bpp_streamed_total %lu\neim_pushed_total %lu\n",
			 atomic_load(&s->esipa_https), atomic_load(&s->esipa_coap), atomic_load(&s->esipa_json),
			 atomic_load(&s->esipa_malformed),
			 atomic_load(&s->rest_calls), atomic_load(&s->rest_refused),
			 atomic_load(&s->notifications_forwarded), atomic_load(&s->bpp_streamed), atomic_load(&s->pushed));

	http_response_set(r, 200, "text/plain; version=0.0.4", text, (size_t)n);
}

static long stream_read(void *ctx, uint8_t *buf, size_t cap)
{
	return eim_stream_read(ctx, buf, cap);
}

static void stream_free(void *ctx)
{
	eim_stream_free(ctx);
}

static void handle(void *ctx, const struct http_request *q, struct http_response *r)
{
	struct eim_server *s = ctx;

	if (!strcmp(q->path, "/health")) {
		/* healthy when the store takes a write (a full disk, a lost database: 503) */
		bool ok = core(s) && eim_store_writable(core(s));

		if (ok)
			http_response_set(r, 200, JSON_TYPE, "{\"status\":\"ok\"}", 15);
		else
			reply_error(r, 503, "the store does not take writes");
		r->retry_after = ok ? 0 : 30;
		return;
	}
	if (!strcmp(q->path, "/metrics")) {
		/* what the fleet does is the operator's to know: a key unless opened */
		if (s->cfg.metrics_open || authorize(s, q, EIM_ROLE_AUDITOR, r))
			metrics(s, r);
		return;
	}
	if (!strncmp(q->path, "/api/v1/", 8)) {
		rest(s, q, r);
		return;
	}
	if (!strncmp(q->path, ESIPA_JSON_PATH, strlen(ESIPA_JSON_PATH))) {
		struct esipa_json_answer a;

		/* SGP.32 6.4: the JSON binding's content type (a charset may follow) */
		if (!esipa_https_ok(s, q, r, JSON_TYPE, true))
			return;
		esipa_json(s, q->peer, q->path + strlen(ESIPA_JSON_PATH), q->body, q->body_len, &a);
		http_response_set(r, a.status, a.body ? "application/json;charset=UTF-8" : NULL, a.body, a.body_len);
		r->admin_protocol = "gsma/rsp/v2.5.0";
		r->retry_after = a.status == 503 ? 30 : 0;
		free(a.body);
		return;
	}
	if (!strcmp(q->path, "/gsma/rsp2/asn1")) {
		struct eim_stream *stream;
		struct eim *e;
		struct der_writer w;
		int status;

		/* SGP.32 6.1: the ASN.1 binding's content type */
		if (!esipa_https_ok(s, q, r, ASN1_TYPE, false))
			return;
		/* a BPP goes to the device as it comes from the SM-DP+ */
		if ((e = core(s)) && eim_esipa_stream(e, q->body, q->body_len, &stream) == IOT_OK) {
			atomic_fetch_add(&s->bpp_streamed, 1);
			r->status = 200;
			r->content_type = ASN1_TYPE;
			r->admin_protocol = "gsma/rsp/v2.5.0";
			r->stream_len = eim_stream_length(stream);
			r->stream_read = stream_read;
			r->stream_free = stream_free;
			r->stream_ctx = stream;
			return;
		}
		der_writer_dynamic(&w);
		esipa(s, false, q->body, q->body_len, &status, &w);
		http_response_set(r, status, status == 200 ? ASN1_TYPE : NULL, w.buf, status == 200 ? w.len : 0);
		r->admin_protocol = "gsma/rsp/v2.5.0";
		r->retry_after = status == 503 ? 30 : 0;
		der_writer_free(&w);
		return;
	}
	r->status = 404;
}

iot_err eim_server_start(const struct eim_server_config *c, struct eim_server **out)
{
	struct eim_server *s = calloc(1, sizeof(*s));
	struct eim *probe;
	iot_err err;

	if (!s)
		return IOT_E_NOMEM;
	s->cfg = *c;
	s->cfg.http.handler = handle;
	s->cfg.http.ctx = s;
	s->cfg.coap.handler = on_coap;
	s->cfg.coap.ctx = s;
	s->cfg.coap.path = "gsma/rsp2/asn1";
	s->cfg.coap.more_paths = esipa_json_coap_paths;
	if (pthread_key_create(&s->core, core_free)) {
		free(s);
		return IOT_E_NOMEM;
	}
	/* fail now, not at the first request, when the credentials or the store are unusable */
	if ((err = eim_open(&s->cfg.eim, &probe)) == IOT_OK) {
		eim_close(probe);
		err = http_server_start(&s->cfg.http, &s->http);
	}
	if (err == IOT_OK && !c->coap_off)
		err = net_coap_server_start(&s->cfg.coap, &s->coap);
	pthread_mutex_init(&s->lock, NULL);
	s->forwarder = (struct worker){ .s = s, .step = eim_forward_notifications, .done = &s->notifications_forwarded };
	s->injector = (struct worker){ .s = s, .step = eim_inject, .done = &s->pushed };
	pthread_cond_init(&s->forwarder.wake, NULL);
	pthread_cond_init(&s->injector.wake, NULL);
	if (err == IOT_OK && pthread_create(&s->forwarder.thread, NULL, work, &s->forwarder))
		err = IOT_E_NOMEM;
	s->forwarder.running = err == IOT_OK;
	if (err == IOT_OK && pthread_create(&s->injector.thread, NULL, work, &s->injector))
		err = IOT_E_NOMEM;
	s->injector.running = err == IOT_OK;
	if (err != IOT_OK) {
		eim_server_stop(s);
		return err;
	}
	log_info("eim", "serving", "eim=%s https_port=%u coaps_port=%u", c->eim.eim_id, http_server_port(s->http),
		 s->coap ? net_coap_server_port(s->coap) : 0);
	*out = s;
	return IOT_OK;
}

uint16_t eim_server_https_port(const struct eim_server *s)
{
	return http_server_port(s->http);
}

uint16_t eim_server_coap_port(const struct eim_server *s)
{
	return s->coap ? net_coap_server_port(s->coap) : 0;
}

void eim_server_stop(struct eim_server *s)
{
	if (!s)
		return;
	http_server_stop(s->http);
	net_coap_server_stop(s->coap);
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->forwarder.wake);
	pthread_cond_signal(&s->injector.wake);
	pthread_mutex_unlock(&s->lock);
	if (s->forwarder.running)
		pthread_join(s->forwarder.thread, NULL);
	if (s->injector.running)
		pthread_join(s->injector.thread, NULL);
	pthread_cond_destroy(&s->forwarder.wake);
	pthread_cond_destroy(&s->injector.wake);
	pthread_mutex_destroy(&s->lock);
	pthread_key_delete(s->core);
	free(s);
}
