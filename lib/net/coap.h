/* lib/net CoAP: RFC 7252 over DTLS (RFC 6347) with RFC 7959 block-wise
 * transfer for bodies of any size, on libcoap (OpenSSL backend) — the only
 * file that calls it. POST resources, as ESipa needs: one for the ASN.1
 * binding, one per function for the JSON binding.
 *
 * Ownership: the request body lives for the handler call only; the handler
 * sets the answer with net_coap_reply_set, which copies. A client answer is
 * malloc'd for the caller. */
#ifndef IOT_NET_COAP_H
#define IOT_NET_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct net_coap_reply {
	int code;                       /* CoAP response code as class*100+detail: 204 = 2.04 Changed */
	uint8_t *body;
	size_t body_len;
};
iot_err net_coap_reply_set(struct net_coap_reply *r, int code, const void *body, size_t len);

/* Called on the server's thread, one request at a time; path is the
 * resource asked for (one of the config's, without a leading '/'). */
typedef void (*net_coap_handler)(void *ctx, const char *peer, const char *path, const uint8_t *body, size_t len,
				 struct net_coap_reply *r);

struct net_coap_server_config {
	const char *address;            /* numeric IPv4 to bind; NULL: 127.0.0.1 */
	uint16_t port;                  /* 0: any free port */
	const char *path;               /* the resource, e.g. "gsma/rsp2/asn1" */
	const char *const *more_paths;  /* more resources for the same handler, NULL-terminated; or NULL */
	const char *cert_file, *key_file; /* PEM: DTLS with this certificate; NULL: plain CoAP (tests only) */
	const char *client_ca_file;     /* PEM CAs: clients must present a certificate they issued; NULL: not asked */
	size_t max_body;                /* larger requests get 4.13 (default 1 MiB) */
	net_coap_handler handler;
	void *ctx;
};

struct net_coap_server;
iot_err net_coap_server_start(const struct net_coap_server_config *c, struct net_coap_server **out);
uint16_t net_coap_server_port(const struct net_coap_server *s);
void net_coap_server_stop(struct net_coap_server *s);

struct net_coap_client_config {
	const char *host;               /* the server's name, checked against its certificate */
	const char *connect_address;    /* numeric address to reach it at; NULL: resolve host */
	uint16_t port;                  /* default 5684 (coaps) */
	const char *path;
	const char *ca_file;            /* trust anchors (PEM file), or */
	const char *ca_pem;             /* a trust anchor as PEM text */
	const char *cert_file, *key_file; /* PEM: a client certificate (with ca_file only), or NULL */
	bool plain;                     /* no DTLS (tests only) */
	long timeout_ms;                /* one exchange, all blocks (default 30 s) */
	/* A new DTLS handshake for every request (a device that sleeps between
	 * polls), instead of keeping the DTLS session up. */
	bool fresh_session;
	/* Each new DTLS session offers the last one's ticket or ID for an
	 * abbreviated handshake unless this is set. */
	bool no_session_resumption;
};

struct net_coap_client;
iot_err net_coap_client_new(const struct net_coap_client_config *c, struct net_coap_client **out);
void net_coap_client_free(struct net_coap_client *c);
/* POSTs body (block-wise when large); *code the response code, the answer
 * body in a malloc'd *resp. IOT_E_IO when no answer came in time. */
iot_err net_coap_client_post(struct net_coap_client *c, const uint8_t *body, size_t len, int *code, uint8_t **resp,
			     size_t *resp_len);
/* The same to another resource of the server (path as in the config). */
iot_err net_coap_client_post_to(struct net_coap_client *c, const char *path, const uint8_t *body, size_t len, int *code,
				uint8_t **resp, size_t *resp_len);

/* The next request opens a new DTLS session (resumed unless
 * no_session_resumption), as after a device's sleep. */
void net_coap_client_new_session(struct net_coap_client *c);
/* DTLS record bytes sent and received (the UDP payloads, handshakes and
 * retransmissions included) since the client was made; the very first
 * ClientHello of the client is not seen (libcoap sends it before any hook). */
void net_coap_client_wire_bytes(const struct net_coap_client *c, uint64_t *sent, uint64_t *received);
/* Whether the last exchange's DTLS session was an abbreviated (resumed) one. */
bool net_coap_client_resumed(const struct net_coap_client *c);

#endif
