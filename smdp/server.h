/* The SM-DP+ on HTTP(S) (SGP.22 6.5 / 6.6): ES9+ in the JSON binding
 * (POST /gsma/rsp2/es9plus/<function>) and the ASN.1 binding (POST
 * /gsma/rsp2/asn1), ES2+ in the JSON binding (POST /gsma/rsp2/es2plus/
 * <function>) for profile owners authenticated by bearer tokens, GET
 * /health and GET /metrics; and, as a client, ES2+.HandleDownloadProgressInfo
 * to the owners from a durable outbox, retried until delivered.
 *
 * Each worker thread runs its own struct smdp on the shared store, so the
 * configuration (and every string in it) must outlive the server. */
#ifndef IOT_SMDP_SERVER_H
#define IOT_SMDP_SERVER_H

#include "net/http.h"
#include "smdp/smdp.h"

/* An ES2+ client: the profile owner a bearer token (NULL: none) and/or a
 * TLS client certificate (its SHA-256, 64 hex digits; NULL: none) stand
 * for, and where its HandleDownloadProgressInfo calls go (NULL: none). */
struct smdp_es2_client {
	const char *owner, *token;
	const char *progress_url;
	const char *cert_sha256;
};

struct smdp_server_config {
	struct smdp_config smdp;
	struct http_server_config http;         /* handler and ctx are set by the server */
	const struct smdp_es2_client *clients;
	size_t client_count;
	const char *progress_ca_file;           /* trust anchors for the owners' servers; NULL: the system's */
	/* PEM CAs of the ES2+ clients' certificates (SGP.22 2.6.6.1, mutual TLS):
	 * clients are asked for one, ES9+ callers are not required to give one */
	const char *es2_client_ca_file;
	unsigned lease_ms;                      /* nodes on one store: the progress sender's lease (default 30000) */
};

struct smdp_server;

iot_err smdp_server_start(const struct smdp_server_config *c, struct smdp_server **out);
uint16_t smdp_server_port(const struct smdp_server *s);
void smdp_server_stop(struct smdp_server *s);

#endif
