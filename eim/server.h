/* The eIM on the network: ESipa in the ASN.1 binding over HTTPS (POST
 * /gsma/rsp2/asn1) and over CoAP/DTLS (resource gsma/rsp2/asn1), one
 * handler behind both; the REST API (JSON, /api/v1) with API keys and
 * roles; GET /health and /metrics.
 *
 * Each worker thread runs its own struct eim on the shared store, so the
 * configuration (and every string in it) must outlive the server. */
#ifndef IOT_EIM_SERVER_H
#define IOT_EIM_SERVER_H

#include "eim/eim.h"
#include "net/coap.h"
#include "net/http.h"

/* An API key: who holds it, what it may do, and its SHA-256 (the key itself
 * is not kept). */
struct eim_api_key {
	const char *name;
	enum eim_role role;
	uint8_t hash[32];
};
/* "ROLE:NAME:TOKEN" (role admin, approver, operator or auditor) into k. */
iot_err eim_api_key_parse(const char *text, struct eim_api_key *k);

struct eim_server_config {
	struct eim_config eim;
	struct http_server_config http;         /* handler and ctx are set by the server */
	struct net_coap_server_config coap;     /* port 0 with coap_off: no CoAP */
	bool coap_off;
	const struct eim_api_key *keys;
	size_t key_count;
	bool metrics_open;                      /* /metrics without a key (default: an auditor's or above) */
	const char *console_dir;                /* the console's files, served under /console/; NULL: none */
	unsigned autopilot_period_ms;           /* between the autopilot's rounds (default 5000) */
};

struct eim_server;
iot_err eim_server_start(const struct eim_server_config *c, struct eim_server **out);
uint16_t eim_server_https_port(const struct eim_server *s);
uint16_t eim_server_coap_port(const struct eim_server *s);
void eim_server_stop(struct eim_server *s);
/* The polls' bookkeeping queued so far (last contact, the autopilot's
 * counters: written in the background, a batch every 100 ms) written now. */
iot_err eim_server_flush_polls(struct eim_server *s);

#endif
