/* The eIM on HTTPS and CoAP/DTLS (server.h). */
#include "eim/server_internal.h"
#include "eim/change.h"
#include "eim/autopilot.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "crypto/eum_cache.h"
#include "crypto/key_cache.h"
#include "net/esipa_json.h"

#define ASN1_TYPE "application/x-gsma-rsp-asn1"

struct eim *eim_server_core(struct eim_server *s)
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

/* ---- ESipa ---- */

void eim_server_wake(struct eim_worker *w)
{
	pthread_mutex_lock(&w->s->lock);
	w->woken = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->s->lock);
}

void eim_server_nudge(struct eim_worker *w)
{
	pthread_mutex_lock(&w->s->lock);
	/* the first nudge since its last round wakes the worker to time its
	 * next one; the others would only wake it to go back to sleep (a
	 * context switch per device result) */
	if (!w->nudged) {
		w->nudged = true;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->s->lock);
}

/* Whether this thread is one the CoAP server calls on. */
static _Thread_local bool coap_thread;

static void esipa(struct eim_server *s, bool json, const char *peer, const uint8_t *body, size_t len, int *status,
		  struct der_writer *w)
{
	struct eim *e = eim_server_core(s);
	iot_err err;

	if (!e) {
		*status = 503;
		return;
	}
	eim_esipa_from(e, json, peer);
	/* the CoAP server calls on threads of its own (each with its own core) */
	eim_esipa_over(e, coap_thread);
	eim_server_count_poll(s);
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
		eim_server_wake(&s->forwarder);
	/* a result may free a device's next operation for a push */
	if (len > 2 && body[0] == 0xBF && (body[1] == 0x50 || body[1] == 0x3D)) {
		eim_server_nudge(&s->injector);
		/* ... and move a staged campaign on */
		eim_server_nudge(&s->governor);
	}
}

/* The autopilot's round (eim/autopilot.h) and the webhooks' deliveries, as
 * workers. Every node writes its own cohort counters; one judges. */
static iot_err autopilot_step(struct eim *e, unsigned max, unsigned *done)
{
	unsigned actions;
	bool held = false;
	iot_err err;

	(void)max;
	*done = 0;
	if ((err = eim_tally_flush(e)) != IOT_OK || (err = eim_lease_hold(e, "autopilot", &held)) != IOT_OK || !held)
		return err;
	return eim_autopilot_step(e, eim_now_ms(), done, &actions);
}

static iot_err webhook_step(struct eim *e, unsigned max, unsigned *done)
{
	return eim_webhook_step(e, eim_now_ms(), max, done);
}

#define N_WORKERS 6
static struct eim_worker *worker(struct eim_server *s, size_t i)
{
	struct eim_worker *all[N_WORKERS] = { &s->forwarder, &s->injector, &s->governor, &s->autopilot, &s->webhooks,
					      &s->pollkeeper };

	return all[i];
}

/* Runs w's step off the request path (a slow or absent SM-DP+ or device
 * never holds up a request; what failed is retried), as long as it has
 * work, then sleeps until woken or for a few seconds. */
static void *work(void *arg)
{
	struct eim_worker *w = arg;
	struct eim_server *s = w->s;
	struct eim *e = NULL;
	int64_t held_until = 0;         /* the lease is surely this node's until then */

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		unsigned done = 0;

		int64_t wait_ms = w->woken ? 0 : w->nudged ? w->last_ms + w->gap_ms - eim_now_ms() :
				  w->period_ms ? w->period_ms : 5000;

		if (wait_ms > 0) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
			until.tv_sec += wait_ms / 1000 + until.tv_nsec / 1000000000;
			until.tv_nsec %= 1000000000;
			/* woken or nudged meanwhile: what to wait for is worked out again */
			if (pthread_cond_timedwait(&w->wake, &s->lock, &until) != ETIMEDOUT)
				continue;
		}
		w->woken = w->nudged = false;
		pthread_mutex_unlock(&s->lock);
		if (e || eim_open(&s->cfg.eim, &e) == IOT_OK) {
			do {
				bool held = true;

				/* the nodes on one store share it: one does it, the others stand by */
				if ((w->lease && (eim_lease_keep(e, w->lease, &held_until, &held) != IOT_OK || !held)) ||
				    w->step(e, 64, &done) != IOT_OK)
					break;
				atomic_fetch_add(w->done, done);
			} while (done && !s->stopping);
		}
		pthread_mutex_lock(&s->lock);
		w->last_ms = eim_now_ms();
	}
	pthread_mutex_unlock(&s->lock);
	/* a clean stop hands its lease over at once */
	if (e && (w->lease || w == &s->autopilot))
		(void)eim_lease_release(e, w->lease ? w->lease : "autopilot");
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

/* The address a device polls from, without a port (a port changes with
 * every connection; the address only when someone else polls). */
static void source_of(const char *peer, char *out, size_t cap)
{
	const char *colon = strrchr(peer, ':'), *bracket = strchr(peer, ']');

	if (peer[0] == '[' && bracket)                          /* "[v6]:port" */
		snprintf(out, cap, "%.*s", (int)(bracket - peer - 1), peer + 1);
	else if (colon && colon == strchr(peer, ':'))           /* "v4:port" */
		snprintf(out, cap, "%.*s", (int)(colon - peer), peer);
	else
		snprintf(out, cap, "%s", peer);
}

struct json_core {
	struct eim_server *s;
	const char *peer;
};

static void esipa_core(void *ctx, const uint8_t *req, size_t len, int *status, struct der_writer *w)
{
	const struct json_core *c = ctx;

	esipa(c->s, true, c->peer, req, len, status, w);
}

/* ESipa's JSON binding: the same core behind a thin translation. */
static void esipa_json(struct eim_server *s, const char *peer, const char *function, const uint8_t *body, size_t len,
		       struct esipa_json_answer *a)
{
	struct json_core c = { s, peer };

	atomic_fetch_add(&s->esipa_json, 1);
	esipa_json_serve(function, body, len, esipa_core, &c, a);
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
	char source[64];
	int status;

	atomic_fetch_add(&s->esipa_coap, 1);
	coap_thread = true;
	source_of(peer, source, sizeof(source));
	peer = source;
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
	esipa(s, false, peer, body, len, &status, &w);
	/* CoAP: 2.04 Changed with the answer; 4.00 Bad Request; 5.03 */
	net_coap_reply_set(r, status == 400 ? 400 : status == 503 ? 503 : 204, w.buf, status < 300 ? w.len : 0);
	der_writer_free(&w);
}

/* The autopilot's counts as Prometheus lines: alerts by signal, its changes
 * by state, profile marks, quarantined devices, webhooks. */
static int autopilot_metrics(struct eim_server *s, char *text, size_t cap)
{
	static const struct {
		const char *member, *metric, *label;
	} groups[] = {
		{ "alerts", "eim_autopilot_alerts_total", "signal" },
		{ "actions", "eim_autopilot_changes_total", "state" },
		{ "marks", "eim_autopilot_profile_marks", "kind" },
		{ "webhooks", "eim_autopilot_webhooks", "state" },
	};
	struct eim *e = eim_server_core(s);
	json_t *m = NULL, *v;
	const char *k;
	size_t n = 0;

	if (!e || eim_autopilot_metrics(e, &m) != IOT_OK) {
		json_decref(m);
		return 0;
	}
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		json_object_foreach(json_object_get(m, groups[g].member), k, v)
			if (n < cap)
				n += (size_t)snprintf(text + n, cap - n, "%s{%s=\"%s\"} %lld\n", groups[g].metric,
						      groups[g].label, k, (long long)json_integer_value(v));
	if (n < cap)
		n += (size_t)snprintf(text + n, cap - n, "eim_autopilot_quarantined %lld\n",
				      (long long)json_integer_value(json_object_get(m, "quarantined")));
	json_decref(m);
	return n < cap ? (int)n : (int)cap - 1;
}

static void metrics(struct eim_server *s, struct http_response *r)
{
	char text[4096];
	int n = snprintf(text, sizeof(text),
			 "eim_esipa_https_total %lu\neim_esipa_coap_total %lu\neim_esipa_json_total %lu\n"
			 "eim_esipa_malformed_total %lu\n"
			 "eim_rest_calls_total %lu\neim_rest_refused_total %lu\neim_notifications_forwarded_total %lu\n"
			 "eim_bpp_streamed_total %lu\neim_pushed_total %lu\n"
			 "eim_changes_total{state=\"applied\"} %lu\neim_changes_total{state=\"pending\"} %lu\n"
			 "eim_changes_total{state=\"refused\"} %lu\neim_campaign_moves_total %lu\n",
			 atomic_load(&s->esipa_https), atomic_load(&s->esipa_coap), atomic_load(&s->esipa_json),
			 atomic_load(&s->esipa_malformed),
			 atomic_load(&s->rest_calls), atomic_load(&s->rest_refused),
			 atomic_load(&s->notifications_forwarded), atomic_load(&s->bpp_streamed), atomic_load(&s->pushed),
			 atomic_load(&s->changes[0]), atomic_load(&s->changes[1]), atomic_load(&s->changes[2]),
			 atomic_load(&s->campaign_moves));

	n += autopilot_metrics(s, text + n, sizeof(text) - (size_t)n);
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
		bool ok = eim_server_core(s) && eim_store_writable(eim_server_core(s));

		if (ok)
			http_response_set(r, 200, JSON_TYPE, "{\"status\":\"ok\"}", 15);
		else
			eim_rest_error(r, 503, "the store does not take writes");
		r->retry_after = ok ? 0 : 30;
		return;
	}
	if (!strcmp(q->path, "/metrics")) {
		/* what the fleet does is the operator's to know: a key unless opened */
		if (s->cfg.metrics_open || eim_rest_authorize(s, q, EIM_ROLE_AUDITOR, r))
			metrics(s, r);
		return;
	}
	if (!strncmp(q->path, "/api/v1/", 8)) {
		eim_rest(s, q, r);
		return;
	}
	if (eim_console(s, q, r))
		return;
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
		if ((e = eim_server_core(s)) && eim_esipa_stream(e, q->body, q->body_len, &stream) == IOT_OK) {
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
		esipa(s, false, q->peer, q->body, q->body_len, &status, &w);
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
	/* bulk registration: up to 100,000 eUICCs (about 2 KB each with certificates) */
	s->cfg.http.large_body_prefix = "/api/v1/euiccs/bulk";
	s->cfg.http.large_body_max = 256u << 20;
	s->cfg.coap.handler = on_coap;
	s->cfg.coap.ctx = s;
	s->cfg.coap.path = "gsma/rsp2/asn1";
	s->cfg.coap.more_paths = esipa_json_coap_paths;
	/* every core queues its polls' bookkeeping for the pollkeeper */
	if (eim_poll_queue_new(&s->polls) != IOT_OK) {
		free(s);
		return IOT_E_NOMEM;
	}
	s->cfg.eim.polls = s->polls;
	/* and shares the eUICCs' keys they parsed (bounded: its memory does not grow with the fleet) */
	if (crypto_key_cache_new(EIM_KEY_CACHE, &s->keys) != IOT_OK || pthread_key_create(&s->core, core_free)) {
		crypto_key_cache_free(s->keys);
		eim_poll_queue_free(s->polls);
		free(s);
		return IOT_E_NOMEM;
	}
	s->cfg.eim.keys = s->keys;
	/* and the EUMs checked (a first contact's chain then read from the eUICC's certificate alone) */
	if (x509_eum_cache_new(EIM_EUM_CACHE, &s->eums) != IOT_OK) {
		crypto_key_cache_free(s->keys);
		eim_poll_queue_free(s->polls);
		pthread_key_delete(s->core);
		free(s);
		return IOT_E_NOMEM;
	}
	s->cfg.eim.eums = s->eums;
	/* fail now, not at the first request, when the credentials or the store are unusable */
	if ((err = eim_open(&s->cfg.eim, &probe)) == IOT_OK) {
		eim_close(probe);
		err = http_server_start(&s->cfg.http, &s->http);
	}
	if (err == IOT_OK && !c->coap_off)
		err = net_coap_server_start(&s->cfg.coap, &s->coap);
	pthread_mutex_init(&s->lock, NULL);
	s->forwarder = (struct eim_worker){ .s = s, .step = eim_forward_notifications, .done = &s->notifications_forwarded,
					    .lease = "forwarder" };
	s->injector = (struct eim_worker){ .s = s, .step = eim_inject, .done = &s->pushed, .lease = "injector",
					   .gap_ms = 50 };
	/* nudged by every device result: a round per 50 ms at most is enough for a
	 * stage to move or a push to follow; an operator's call wakes them at once */
	s->governor = (struct eim_worker){ .s = s, .step = eim_rollout_step, .done = &s->campaign_moves,
					   .lease = "governor", .gap_ms = 50 };
	s->autopilot = (struct eim_worker){ .s = s, .step = autopilot_step, .done = &s->autopilot_alerts,
					    .period_ms = c->autopilot_period_ms ? c->autopilot_period_ms : 5000 };
	s->webhooks = (struct eim_worker){ .s = s, .step = webhook_step, .done = &s->webhooks_sent, .period_ms = 1000,
					   .lease = "webhooks" };
	/* each node writes its own polls' bookkeeping, a batch every 100 ms */
	s->pollkeeper = (struct eim_worker){ .s = s, .step = eim_poll_flush, .done = &s->polls_written, .period_ms = 100 };
	for (size_t i = 0; i < N_WORKERS; i++) {
		struct eim_worker *w = worker(s, i);

		pthread_cond_init(&w->wake, NULL);
		if (err == IOT_OK && pthread_create(&w->thread, NULL, work, w))
			err = IOT_E_NOMEM;
		w->running = err == IOT_OK;
	}
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

iot_err eim_server_flush_polls(struct eim_server *s)
{
	struct eim *e;
	unsigned done;
	iot_err err;

	/* what the pollkeeper is writing now, too */
	if (!eim_poll_queue_len(s->polls)) {
		eim_poll_queue_wait(s->polls);
		return IOT_OK;
	}
	if ((err = eim_open(&s->cfg.eim, &e)) != IOT_OK)
		return err;
	while (err == IOT_OK && eim_poll_queue_len(s->polls))
		err = eim_poll_flush(e, 0, &done);
	eim_close(e);
	eim_poll_queue_wait(s->polls);
	return err;
}

void eim_server_stop(struct eim_server *s)
{
	if (!s)
		return;
	http_server_stop(s->http);
	net_coap_server_stop(s->coap);
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	for (size_t i = 0; i < N_WORKERS; i++)
		pthread_cond_signal(&worker(s, i)->wake);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < N_WORKERS; i++) {
		struct eim_worker *w = worker(s, i);

		if (w->running)
			pthread_join(w->thread, NULL);
		pthread_cond_destroy(&w->wake);
	}
	/* the polls answered last: their bookkeeping written before the end */
	if (s->polls)
		(void)eim_server_flush_polls(s);
	eim_poll_queue_free(s->polls);
	crypto_key_cache_free(s->keys);
	x509_eum_cache_free(s->eums);
	pthread_mutex_destroy(&s->lock);
	pthread_key_delete(s->core);
	free(s);
}
