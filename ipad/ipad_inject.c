/* ipad in inject mode: the eIM pushes eIM Packages (SGP.32
 * ESipa.TransferEimPackage) over HTTPS or CoAP/DTLS, in either binding. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/hex.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "ipacore/ipa.h"
#include "ipad/platform.h"
#include "net/coap.h"
#include "net/esipa_json.h"
#include "net/http.h"
#include "rsp/rsp.h"

#include "ipad/ipad.h"

/* ---- inject mode: the eIM pushes (SGP.32 ESipa.TransferEimPackage) ---- */

/* libipa runs one procedure at a time: a push waits for a poll, and back */
pthread_mutex_t ipad_ipa_lock = PTHREAD_MUTEX_INITIALIZER;

static iot_err transfer(struct ipa *ipa, bool coaps, const uint8_t *req, size_t len, uint8_t **resp, size_t *n)
{
	iot_err err;

	pthread_mutex_lock(&ipad_ipa_lock);
	err = ipa_transfer_eim_package(ipa, coaps, req, len, resp, n);
	pthread_mutex_unlock(&ipad_ipa_lock);
	if (err != IOT_OK)
		log_warn("ipad", "push not taken", "transport=%s error=\"%s\"", coaps ? "coaps" : "https",
			 iot_strerror(err));
	return err;
}

/* The JSON binding's transferEimPackage in front of the same transfer. */
struct push_core {
	struct inject *in;
	bool coaps;
};

static void push_core(void *ctx, const uint8_t *req, size_t len, int *status, struct der_writer *w)
{
	const struct push_core *c = ctx;
	uint8_t *resp = NULL;
	size_t n = 0;
	iot_err err = transfer(c->in->ipa, c->coaps, req, len, &resp, &n);

	if (err == IOT_OK)
		der_put_raw(w, resp, n);
	*status = err == IOT_OK ? 200 : err == IOT_E_REFUSED ? 403 : 500;
	free(resp);
}

static void push_json(struct inject *in, bool coaps, const uint8_t *body, size_t len, struct esipa_json_answer *a)
{
	struct push_core c = { in, coaps };

	esipa_json_serve("transferEimPackage", body, len, push_core, &c, a);
	if (a->malformed)
		log_warn("ipad", "malformed push", "binding=json transport=%s status=%d", coaps ? "coaps" : "https",
			 a->status);
}

static void on_push_https(void *ctx, const struct http_request *q, struct http_response *r)
{
	struct inject *in = ctx;
	uint8_t *resp = NULL;
	size_t n = 0;
	iot_err err;

	/* SGP.32 6.4: the JSON binding's transferEimPackage, POST, a protocol version we speak */
	if (!strcmp(q->path, ESIPA_JSON_PATH "transferEimPackage") && !strcmp(q->method, "POST")) {
		struct esipa_json_answer a;

		if (!q->content_type || strncmp(q->content_type, "application/json", 16) ||
		    !http_request_admin_protocol_ok(q)) {
			r->status = 400;
			return;
		}
		push_json(in, false, q->body, q->body_len, &a);
		http_response_set(r, a.status, a.body ? "application/json;charset=UTF-8" : NULL, a.body, a.body_len);
		r->admin_protocol = "gsma/rsp/v2.5.0";
		free(a.body);
		return;
	}
	/* SGP.32 6.1 (SGP.22 6.5.1): the ASN.1 binding, POST, a protocol version we speak */
	if (strcmp(q->path, "/gsma/rsp2/asn1") || strcmp(q->method, "POST")) {
		r->status = 404;
		return;
	}
	if (!q->content_type || strcmp(q->content_type, "application/x-gsma-rsp-asn1") ||
	    !http_request_admin_protocol_ok(q)) {
		r->status = 400;
		return;
	}
	err = transfer(in->ipa, false, q->body, q->body_len, &resp, &n);
	if (err == IOT_OK)
		http_response_set(r, 200, "application/x-gsma-rsp-asn1", resp, n);
	else
		r->status = err == IOT_E_REFUSED ? 403 : 500;
	r->admin_protocol = "gsma/rsp/v2.5.0";
	free(resp);
}

static void on_push_coaps(void *ctx, const char *peer, const char *path, const uint8_t *body, size_t len, struct net_coap_reply *r)
{
	struct inject *in = ctx;
	uint8_t *resp = NULL;
	size_t n = 0;
	iot_err err;

	(void)peer;
	if (!strcmp(path, ESIPA_JSON_COAP_PATH "transferEimPackage")) {
		struct esipa_json_answer a;

		push_json(in, true, body, len, &a);
		net_coap_reply_set(r, a.status == 200 || a.status == 204 ? 204 : a.status, a.body, a.body_len);
		free(a.body);
		return;
	}
	err = transfer(in->ipa, true, body, len, &resp, &n);
	if (err == IOT_OK)
		net_coap_reply_set(r, 204, resp, n);    /* 2.04 Changed */
	else
		r->code = err == IOT_E_REFUSED ? 403 : 500;
	free(resp);
}

/* --esipa-binding: json or asn1 for every eIM, FQDN=json or FQDN=asn1 for one. */
static int split_address(const char *text, char *host, size_t cap, uint16_t *port)
{
	const char *colon = text ? strrchr(text, ':') : NULL;

	if (!colon || (size_t)(colon - text) >= cap || !colon[1] || atoi(colon + 1) < 0 || atoi(colon + 1) > 65535)
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = 0;
	*port = (uint16_t)atoi(colon + 1);
	return 0;
}

int inject_start(const struct args *a, struct inject *in)
{
	const char *https = ipad_opt(a, O_INJECT_HTTPS), *coaps = ipad_opt(a, O_INJECT_COAPS);
	char host[2][64];
	uint16_t port[2];

	if (!https && !coaps)
		return 0;
	if ((https && split_address(https, host[0], sizeof(host[0]), &port[0])) ||
	    (coaps && split_address(coaps, host[1], sizeof(host[1]), &port[1])) || !ipad_opt(a, O_INJECT_CERT) ||
	    !ipad_opt(a, O_INJECT_KEY) || !ipad_opt(a, O_INJECT_CLIENT_CA)) {
		fprintf(stderr, "ipad: --inject-https/--inject-coaps want ADDR:PORT, with --inject-cert, --inject-key"
				" and --inject-client-ca\n");
		return -1;
	}
	if (https) {
		struct http_server_config c = { .address = host[0], .port = port[0], .cert_file = ipad_opt(a, O_INJECT_CERT),
						.key_file = ipad_opt(a, O_INJECT_KEY),
						.client_ca_file = ipad_opt(a, O_INJECT_CLIENT_CA), .threads = 1,
						.handler = on_push_https, .ctx = in };

		if (http_server_start(&c, &in->http) != IOT_OK)
			return -1;
	}
	if (coaps) {
		static const char *const json_path[] = { ESIPA_JSON_COAP_PATH "transferEimPackage", NULL };
		struct net_coap_server_config c = { .address = host[1], .port = port[1], .path = "gsma/rsp2/asn1",
						    .more_paths = json_path,
						    .cert_file = ipad_opt(a, O_INJECT_CERT), .key_file = ipad_opt(a, O_INJECT_KEY),
						    .client_ca_file = ipad_opt(a, O_INJECT_CLIENT_CA),
						    .handler = on_push_coaps, .ctx = in };

		if (net_coap_server_start(&c, &in->coap) != IOT_OK)
			return -1;
	}
	log_info("ipad", "taking pushes", "https_port=%u coaps_port=%u", in->http ? http_server_port(in->http) : 0,
		 in->coap ? net_coap_server_port(in->coap) : 0);
	return 0;
}
