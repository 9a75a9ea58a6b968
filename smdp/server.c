/* The SM-DP+ on HTTP(S): the JSON and ASN.1 bindings of ES9+ and the JSON
 * binding of ES2+ over lib/net, each mapped onto the core (smdp.h). */
#include "smdp/server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/hex.h"
#include "base/log.h"
#include "crypto/eum_cache.h"
#include "crypto/key_cache.h"
#include "der/der.h"
#include "net/es9_json.h"
#include "net/json_binding.h"
#include "rsp/rsp.h"

#define ADMIN_PROTOCOL "gsma/rsp/v2.5.0"
#define JSON_TYPE "application/json;charset=UTF-8"
#define ASN1_TYPE "application/x-gsma-rsp-asn1"

struct smdp_server {
	struct smdp_server_config cfg;
	struct http_server *http;
	pthread_key_t core;
	struct crypto_key_cache *keys;  /* the eUICCs' keys, shared by the cores */
	struct x509_eum_cache *eums;    /* the EUMs checked, shared too */
	pthread_t sender;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping, sender_running;
	atomic_ulong progress_sent, progress_failed;
	atomic_ulong es9_requests, es9_refused, es2_requests, es2_refused, bpp_bytes;
};

/* The worker thread's own SM-DP+, opened on first use. */
static struct smdp *core(struct smdp_server *s)
{
	struct smdp *dp = pthread_getspecific(s->core);

	if (!dp && smdp_open(&s->cfg.smdp, &dp) == IOT_OK && pthread_setspecific(s->core, dp)) {
		smdp_close(dp);
		dp = NULL;
	}
	return dp;
}

static void core_free(void *dp)
{
	smdp_close(dp);
}

static void reply_json(struct http_response *r, int http_status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	if (text)
		http_response_set(r, http_status, JSON_TYPE, text, strlen(text));
	else
		r->status = 500;
	r->admin_protocol = ADMIN_PROTOCOL;
	free(text);
	json_decref(body);
}

static void reply_status(struct http_response *r, const char *subject, const char *reason, const char *message)
{
	struct jb_status st = { JB_FAILED, subject, reason, NULL, message };

	reply_json(r, 200, jb_response(&st));
}

/* ---- ES9+, JSON binding (SGP.22 6.5.2) ---- */

static void es9_json(struct smdp_server *s, const struct es9_json_function *f, const struct http_request *q,
		     struct http_response *r)
{
	struct jb_status ok = { JB_EXECUTED_SUCCESS, NULL, NULL, NULL, NULL };
	struct smdp_status st;
	struct der_writer req, resp;
	struct smdp *dp = core(s);
	json_t *in, *out;
	iot_err err;

	if (!(in = json_loadb((const char *)q->body, q->body_len, 0, NULL)) || !json_is_object(in)) {
		json_decref(in);
		http_response_set(r, 400, NULL, NULL, 0);
		return;
	}
	der_writer_dynamic(&req);
	der_writer_dynamic(&resp);
	if (!dp) {
		r->status = 503;
	} else if ((err = es9_json_request_to_asn1(f, in, &req)) != IOT_OK) {
		/* SGP.22 6.5.1: a mandatory element missing or malformed */
		reply_status(r, "1.3.1", err == IOT_E_JSON ? "2.2" : "2.1", "Invalid or missing data element");
	} else if (smdp_es9(dp, req.buf, req.len, &resp, &st) != IOT_OK) {
		reply_status(r, st.subject, st.reason, st.message);    /* the ASN.1 inside does not decode */
	} else if (st.subject && f->tag != 0xBF3D) {
		atomic_fetch_add(&s->es9_refused, 1);
		reply_status(r, st.subject, st.reason, st.message);
	} else if (f->tag == 0xBF3D) {
		/* SGP.22 6.5.2.4: HandleNotification has no response body */
		http_response_set(r, 204, NULL, NULL, 0);
		r->admin_protocol = ADMIN_PROTOCOL;
	} else {
		out = jb_response(&ok);
		if (out && es9_json_response_from_asn1(f, resp.buf, resp.len, out) == IOT_OK) {
			if (f->tag == 0xBF3A)
				atomic_fetch_add(&s->bpp_bytes, resp.len);
			reply_json(r, 200, out);
		} else {
			json_decref(out);
			r->status = 500;
		}
	}
	der_writer_free(&req);
	der_writer_free(&resp);
	json_decref(in);
}

/* ---- ES9+, ASN.1 binding (SGP.22 6.6) ---- */

static void es9_asn1(struct smdp_server *s, const struct http_request *q, struct http_response *r)
{
	struct smdp *dp = core(s);
	struct smdp_status st;
	struct der_writer resp;

	if (!q->content_type || strncmp(q->content_type, ASN1_TYPE, strlen(ASN1_TYPE))) {
		r->status = 415;
		return;
	}
	if (!dp) {
		r->status = 503;
		return;
	}
	der_writer_dynamic(&resp);
	if (smdp_es9(dp, q->body, q->body_len, &resp, &st) != IOT_OK) {
		http_response_set(r, 400, NULL, NULL, 0);       /* not a RemoteProfileProvisioningRequest */
	} else {
		if (st.subject)
			atomic_fetch_add(&s->es9_refused, 1);
		if (resp.len > 2000)
			atomic_fetch_add(&s->bpp_bytes, resp.len);
		http_response_set(r, resp.len ? 200 : 204, resp.len ? ASN1_TYPE : NULL, resp.buf, resp.len);
	}
	r->admin_protocol = ADMIN_PROTOCOL;
	der_writer_free(&resp);
}

/* ---- ES2+, JSON binding (SGP.22 6.5.2, 5.3) ---- */

static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	/* compared in full whatever the first difference, so timing tells nothing */
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return !d;
}

/* SGP.22 2.6.6.1: the owner an ES2+ caller authenticates as, by its TLS
 * client certificate (mutual TLS) or its bearer token; NULL with *http
 * set (401 no credentials, 403 a certificate refused or standing for no
 * one, or contradicting the token). */
static const char *es2_owner(const struct smdp_server *s, const struct http_request *q, int *http)
{
	const char *a = q->authorization;
	const char *by_cert = NULL, *by_token = NULL;

	*http = 401;
	if (q->client_cert_refused) {
		log_warn("smdp", "ES2+ client certificate refused (foreign, expired or not yet valid)", "peer=%s", q->peer);
		*http = 403;
		return NULL;
	}
	for (size_t i = 0; q->client_cert_sha256 && i < s->cfg.client_count; i++)
		if (s->cfg.clients[i].cert_sha256 && !strcasecmp(s->cfg.clients[i].cert_sha256, q->client_cert_sha256))
			by_cert = s->cfg.clients[i].owner;
	if (q->client_cert_sha256 && !by_cert) {
		log_warn("smdp", "ES2+ client certificate trusted but configured for no client", "peer=%s sha256=%s",
			 q->peer, q->client_cert_sha256);
		*http = 403;
		return NULL;
	}
	if (a && !strncmp(a, "Bearer ", 7))
		for (size_t i = 0; i < s->cfg.client_count; i++)
			if (s->cfg.clients[i].token && same_secret(a + 7, s->cfg.clients[i].token))
				by_token = s->cfg.clients[i].owner;
	if (by_cert && by_token && strcmp(by_cert, by_token)) {
		*http = 403;
		return NULL;
	}
	return by_cert ? by_cert : by_token;
}

static const char *opt_text(const json_t *q, const char *key)
{
	return json_string_value(json_object_get(q, key));
}

static iot_err missing(struct smdp_status *st)
{
	*st = (struct smdp_status){ 0, "1.3.1", "2.2", "Mandatory element missing" };
	return IOT_E_REFUSED;
}

static void es2_json(struct smdp_server *s, const char *fn, const struct http_request *q, struct http_response *r)
{
	struct jb_status ok = { JB_EXECUTED_SUCCESS, NULL, NULL, NULL, NULL };
	int refusal;
	const char *owner = es2_owner(s, q, &refusal), *text;
	struct smdp_status st = { 0 };
	struct smdp *dp = core(s);
	uint8_t iccid[10], got[10];
	char digits[21], mid[65], ac[200];
	bool has_iccid;
	json_t *in, *out;
	iot_err err;

	/* SGP.22 6.1.2: ES2+ callers are authenticated */
	if (!owner) {
		r->status = refusal;
		return;
	}
	if (!(in = json_loadb((const char *)q->body, q->body_len, 0, NULL)) || !json_is_object(in) ||
	    jb_request_header(in, &text, &text) != IOT_OK) {
		json_decref(in);
		http_response_set(r, 400, NULL, NULL, 0);
		return;
	}
	if (!dp) {
		json_decref(in);
		r->status = 503;
		return;
	}
	atomic_fetch_add(&s->es2_requests, 1);
	text = opt_text(in, "iccid");
	has_iccid = text && rsp_iccid_from_digits(text, iccid) == IOT_OK;
	if (text && !has_iccid) {
		reply_status(r, "8.2.1", "2.1", "ICCID invalid");
		json_decref(in);
		return;
	}
	if (strcmp(fn, "downloadOrder") && !has_iccid) {
		reply_status(r, "8.2.1", "2.2", "ICCID missing");
		json_decref(in);
		return;
	}
	out = jb_response(&ok);
	if (!strcmp(fn, "downloadOrder")) {
		err = smdp_download_order(dp, owner, has_iccid ? iccid : NULL, opt_text(in, "eid"), got, &st);
		if (err == IOT_OK) {
			rsp_iccid_to_digits(got, digits);
			json_object_set_new(out, "iccid", json_string(digits));
		}
	} else if (!strcmp(fn, "confirmOrder")) {
		json_t *release = json_object_get(in, "releaseFlag");

		if (!json_is_boolean(release)) {
			err = missing(&st);
		} else if (json_object_get(in, "smdsAddress") || json_object_get(in, "rootSmdsAddress")) {
			/* SGP.22 5.3.2: with an SM-DS address the SM-DP+ registers the event
			 * there (ES12); smdpd has no SM-DS, so it refuses and changes nothing
			 * rather than confirm an order no device would ever discover */
			st = (struct smdp_status){ 0, "8.9", "5.1", "SM-DS inaccessible: this SM-DP+ registers no events (ES12)" };
			err = IOT_E_REFUSED;
		} else {
			err = smdp_confirm_order(dp, owner, iccid, opt_text(in, "eid"), opt_text(in, "matchingId"),
						 opt_text(in, "confirmationCode"), json_is_true(release), mid, &st);
		}
		if (err == IOT_OK) {
			if (opt_text(in, "eid"))
				json_object_set_new(out, "eid", json_string(opt_text(in, "eid")));
			json_object_set_new(out, "matchingId", json_string(mid));
			json_object_set_new(out, "smdpAddress", json_string(s->cfg.smdp.address));
			smdp_activation_code(dp, mid, ac, sizeof(ac));
			log_info("smdp", "activation code", "iccid=%s code=%s", text, ac);
		}
	} else if (!strcmp(fn, "cancelOrder")) {
		const char *final = opt_text(in, "finalProfileStatusIndicator");

		if (!final || (strcmp(final, "Available") && strcmp(final, "Unavailable")))
			err = missing(&st);
		else
			err = smdp_cancel_order(dp, owner, iccid, opt_text(in, "eid"), opt_text(in, "matchingId"),
						!strcmp(final, "Available"), &st);
	} else {
		err = smdp_release_profile(dp, owner, iccid, &st);
	}
	if (err != IOT_OK) {
		json_decref(out);
		atomic_fetch_add(&s->es2_refused, 1);
		if (st.subject)
			reply_status(r, st.subject, st.reason, st.message);
		else
			reply_status(r, "1.2", "4.2", iot_strerror(err));
	} else {
		reply_json(r, 200, out);
	}
	json_decref(in);
}

/* ---- ES2+.HandleDownloadProgressInfo, the sender (SGP.22 5.3.7) ---- */

static const struct smdp_es2_client *client_of(const struct smdp_server *s, const char *owner)
{
	for (size_t i = 0; i < s->cfg.client_count; i++)
		if (!strcmp(s->cfg.clients[i].owner, owner))
			return &s->cfg.clients[i];
	return NULL;
}

static json_t *progress_json(const struct smdp_server *s, const struct smdp_progress *p)
{
	struct jb_status st = { p->success ? JB_EXECUTED_SUCCESS : JB_FAILED, p->subject[0] ? p->subject : NULL,
				p->reason[0] ? p->reason : NULL, NULL, NULL };
	char call[32], when[32];
	time_t at = (time_t)p->at;
	struct tm tm;
	json_t *q, *status;

	snprintf(call, sizeof(call), "progress-%lld", (long long)p->id);
	gmtime_r(&at, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	q = jb_request(s->cfg.smdp.address, call);
	/* notificationPointStatus has the form of functionExecutionStatus */
	status = jb_response(&st);
	if (!q || !status) {
		json_decref(q);
		json_decref(status);
		return NULL;
	}
	json_object_set(q, "notificationPointStatus",
			json_object_get(json_object_get(status, "header"), "functionExecutionStatus"));
	json_decref(status);
	if (p->eid[0])
		json_object_set_new(q, "eid", json_string(p->eid));
	json_object_set_new(q, "iccid", json_string(p->iccid));
	json_object_set_new(q, "timestamp", json_string(when));
	json_object_set_new(q, "notificationPointId", json_integer(p->point));
	if (p->result)
		jb_set_asn1(q, "resultData", p->result, p->result_len);
	return q;
}

/* Sends one report; true when the owner took it (or has nowhere to take it). */
static bool send_progress(struct smdp_server *s, struct http_client *http, const struct smdp_progress *p)
{
	static const char *const headers[] = { "Content-Type: application/json;charset=UTF-8",
					       "X-Admin-Protocol: " ADMIN_PROTOCOL, NULL };
	const struct smdp_es2_client *c = client_of(s, p->owner);
	json_t *q;
	char *text;
	uint8_t *resp = NULL;
	size_t len;
	int status = 0;
	iot_err err;

	if (!c || !c->progress_url)
		return true;
	if (!(q = progress_json(s, p)) || !(text = json_dumps(q, JSON_COMPACT))) {
		json_decref(q);
		return false;
	}
	err = http_client_post(http, c->progress_url, headers, (const uint8_t *)text, strlen(text), &status, &resp, &len);
	free(resp);
	free(text);
	json_decref(q);
	if (err == IOT_OK && status >= 200 && status < 300) {
		atomic_fetch_add(&s->progress_sent, 1);
		return true;
	}
	atomic_fetch_add(&s->progress_failed, 1);
	log_warn("smdp", "HandleDownloadProgressInfo not delivered, will retry", "owner=%s iccid=%s point=%d http=%d",
		 p->owner, p->iccid, p->point, status);
	return false;
}

/* reports sent before their rows are forgotten in one transaction */
#define PROGRESS_BATCH 32

static void *sender_main(void *arg)
{
	struct smdp_server *s = arg;
	struct http_client_config cc = { .ca_file = s->cfg.progress_ca_file, .timeout_ms = 10000 };
	struct http_client *http = NULL;
	struct smdp *dp = NULL;
	struct smdp_progress p[PROGRESS_BATCH];
	int64_t delivered[PROGRESS_BATCH];
	struct timespec until;

	if (smdp_open(&s->cfg.smdp, &dp) != IOT_OK || http_client_new(&cc, &http) != IOT_OK)
		log_error("smdp", "the progress sender cannot start", "%s", "");
	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		pthread_mutex_unlock(&s->lock);
		bool held = false;

		/* nodes on one store: the holder of the lease sends, the others stand by */
		if (dp && smdp_progress_lease(dp, s->cfg.lease_ms ? s->cfg.lease_ms : 30000, &held) != IOT_OK)
			held = false;
		while (held && http) {
			size_t n = 0, sent = 0;
			int64_t failed = 0;

			if (smdp_progress_due(dp, p, PROGRESS_BATCH, &n) != IOT_OK || !n)
				break;
			/* in order; the first refused is retried later, the rest wait behind it */
			for (; sent < n; sent++) {
				if (!send_progress(s, http, &p[sent])) {
					failed = p[sent].id;
					break;
				}
				delivered[sent] = p[sent].id;
			}
			for (size_t i = 0; i < n; i++)
				free(p[i].result);
			if (smdp_progress_done(dp, delivered, sent, failed) != IOT_OK || failed || n < PROGRESS_BATCH)
				break;
		}
		pthread_mutex_lock(&s->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 200 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (!s->stopping)
			pthread_cond_timedwait(&s->wake, &s->lock, &until);
	}
	pthread_mutex_unlock(&s->lock);
	if (dp)
		(void)smdp_progress_release(dp);
	http_client_free(http);
	smdp_close(dp);
	return NULL;
}

/* ---- routing ---- */

static void metrics(struct smdp_server *s, struct http_response *r)
{
	char text[768];
	int n = snprintf(text, sizeof(text),
			 "smdp_es9_requests_total %lu\nsmdp_es9_refused_total %lu\n"
			 "smdp_es2_requests_total %lu\nsmdp_es2_refused_total %lu\nsmdp_bpp_bytes_total %lu\n"
			 "smdp_progress_sent_total %lu\nsmdp_progress_failed_total %lu\n",
			 atomic_load(&s->es9_requests), atomic_load(&s->es9_refused), atomic_load(&s->es2_requests),
			 atomic_load(&s->es2_refused), atomic_load(&s->bpp_bytes), atomic_load(&s->progress_sent),
			 atomic_load(&s->progress_failed));

	http_response_set(r, 200, "text/plain; version=0.0.4", text, (size_t)n);
}

static void handle(void *ctx, const struct http_request *q, struct http_response *r)
{
	struct smdp_server *s = ctx;
	static const char es9[] = "/gsma/rsp2/es9plus/", es2[] = "/gsma/rsp2/es2plus/";

	if (!strcmp(q->path, "/health")) {
		http_response_set(r, core(s) ? 200 : 503, JSON_TYPE, "{\"status\":\"ok\"}", 15);
		return;
	}
	if (!strcmp(q->path, "/metrics")) {
		metrics(s, r);
		return;
	}
	if (strcmp(q->method, "POST")) {
		r->status = 405;
		return;
	}
	/* SGP.22 6.5.1 / 6.6: every RSP request says which protocol version it speaks */
	if (!http_request_admin_protocol_ok(q)) {
		http_response_set(r, 400, NULL, NULL, 0);
		return;
	}
	if (!strcmp(q->path, "/gsma/rsp2/asn1")) {
		atomic_fetch_add(&s->es9_requests, 1);
		es9_asn1(s, q, r);
		return;
	}
	if (!strncmp(q->path, es9, sizeof(es9) - 1)) {
		const struct es9_json_function *f = es9_json_by_name(q->path + sizeof(es9) - 1);

		if (f) {
			atomic_fetch_add(&s->es9_requests, 1);
			es9_json(s, f, q, r);
			return;
		}
	}
	if (!strncmp(q->path, es2, sizeof(es2) - 1)) {
		const char *fn = q->path + sizeof(es2) - 1;

		if (!strcmp(fn, "downloadOrder") || !strcmp(fn, "confirmOrder") || !strcmp(fn, "cancelOrder") ||
		    !strcmp(fn, "releaseProfile")) {
			es2_json(s, fn, q, r);
			return;
		}
	}
	r->status = 404;
}

iot_err smdp_server_start(const struct smdp_server_config *c, struct smdp_server **out)
{
	struct smdp_server *s = calloc(1, sizeof(*s));
	struct smdp *probe;
	iot_err err;

	if (!s)
		return IOT_E_NOMEM;
	s->cfg = *c;
	s->cfg.http.handler = handle;
	s->cfg.http.ctx = s;
	if (c->es2_client_ca_file) {
		s->cfg.http.client_ca_file = c->es2_client_ca_file;
		s->cfg.http.client_cert_optional = true;
	}
	/* the cores share the eUICCs' keys: a session's later messages (PrepareDownload, the PIR)
	 * land on any thread (4,096 sessions' worth, about 1 KB each) */
	if (crypto_key_cache_new(4096, &s->keys) != IOT_OK || x509_eum_cache_new(64, &s->eums) != IOT_OK ||
	    pthread_key_create(&s->core, core_free)) {
		crypto_key_cache_free(s->keys);
		x509_eum_cache_free(s->eums);
		free(s);
		return IOT_E_NOMEM;
	}
	s->cfg.smdp.keys = s->keys;
	s->cfg.smdp.eums = s->eums;
	/* fail now, not at the first request, when the credentials or the store are unusable */
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if ((err = smdp_open(&s->cfg.smdp, &probe)) == IOT_OK) {
		smdp_close(probe);
		err = http_server_start(&s->cfg.http, &s->http);
	}
	if (err == IOT_OK && pthread_create(&s->sender, NULL, sender_main, s))
		err = IOT_E_NOMEM;
	if (err != IOT_OK) {
		http_server_stop(s->http);
		pthread_key_delete(s->core);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
		crypto_key_cache_free(s->keys);
		x509_eum_cache_free(s->eums);
		free(s);
		return err;
	}
	s->sender_running = true;
	log_info("smdp", "serving", "address=%s port=%u tls=%d", c->smdp.address, http_server_port(s->http),
		 c->http.cert_file != NULL);
	*out = s;
	return IOT_OK;
}

uint16_t smdp_server_port(const struct smdp_server *s)
{
	return http_server_port(s->http);
}

void smdp_server_stop(struct smdp_server *s)
{
	if (!s)
		return;
	http_server_stop(s->http);      /* its threads exit, closing their SM-DP+ */
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->sender_running)
		pthread_join(s->sender, NULL);
	pthread_key_delete(s->core);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	crypto_key_cache_free(s->keys);
	x509_eum_cache_free(s->eums);
	free(s);
}
