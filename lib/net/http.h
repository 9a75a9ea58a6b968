/* lib/net HTTP: the server on libmicrohttpd (its TLS is GnuTLS), the client
 * on libcurl (TLS by OpenSSL) — the only files that call them.
 *
 * Ownership: a request and everything it points to live for the handler
 * call only; the handler fills the response body with http_response_set,
 * which copies. A client response body is malloc'd for the caller. */
#ifndef IOT_NET_HTTP_H
#define IOT_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct http_request {
	const char *method, *path;
	const char *content_type;       /* NULL when absent */
	const char *admin_protocol;     /* X-Admin-Protocol */
	const char *authorization;      /* Authorization */
	const char *user_agent;
	const uint8_t *body;
	size_t body_len;
	const char *peer;               /* the client's address, for logs */
	/* With client_cert_optional: the SHA-256 of the client certificate
	 * (64 hex digits) when one was presented, chains to client_ca_file and
	 * is within its validity; NULL otherwise. client_cert_refused: one was
	 * presented and failed those checks (foreign, expired, not yet valid). */
	const char *client_cert_sha256;
	bool client_cert_refused;
	void *conn;                     /* the server's: for http_request_arg */
};

/* SGP.22 6.5.1: the request names an RSP protocol version this code speaks
 * (X-Admin-Protocol: gsma/rsp/v2.x.y). */
bool http_request_admin_protocol_ok(const struct http_request *q);
/* A query-string argument of the request ("?label=x"), or NULL. */
const char *http_request_arg(const struct http_request *q, const char *name);
/* Any request header by name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *q, const char *name);

struct http_response {
	int status;
	const char *content_type;       /* a constant string */
	const char *admin_protocol;     /* X-Admin-Protocol to send, or NULL */
	unsigned retry_after;           /* Retry-After in seconds (with a 503), or 0 */
	const char *const *headers;     /* more headers, pairs of constant strings (name, value), NULL-ended */
	uint8_t *body;
	size_t body_len;
	/* Or, with body NULL, a body of stream_len bytes produced while it is
	 * sent: stream_read blocks until it has some and returns how many (0
	 * only at the end; negative: broken, the connection is dropped);
	 * stream_free(stream_ctx) is called once, whether all went or not. */
	size_t stream_len;
	long (*stream_read)(void *ctx, uint8_t *buf, size_t cap);
	void (*stream_free)(void *ctx);
	void *stream_ctx;
};

/* Sets the body (copied), status and content type. */
iot_err http_response_set(struct http_response *r, int status, const char *content_type, const void *body,
			  size_t len);

/* Called from the server's worker threads, several at a time. */
typedef void (*http_handler)(void *ctx, const struct http_request *q, struct http_response *r);

struct http_server_config {
	const char *address;            /* numeric IPv4 to bind; NULL: 127.0.0.1 */
	uint16_t port;                  /* 0: any free port */
	const char *cert_file, *key_file; /* PEM; NULL: plain HTTP */
	/* PEM CAs: every client must present a certificate they issued (else
	 * 403, the handler not called); NULL: clients are not asked for one */
	const char *client_ca_file;
	/* With client_ca_file: ask for a certificate without requiring one,
	 * and let the handler decide from http_request.client_cert_* */
	bool client_cert_optional;
	unsigned threads;               /* worker threads (0: twice the processors, at least 4, at most 64) */
	size_t max_body;                /* larger requests get 413 (default 1 MiB) */
	/* Paths under this prefix may carry up to large_body_max (bulk uploads) */
	const char *large_body_prefix;
	size_t large_body_max;
	http_handler handler;
	void *ctx;
};

struct http_server;

iot_err http_server_start(const struct http_server_config *c, struct http_server **out);
uint16_t http_server_port(const struct http_server *s);
/* Stops accepting, finishes the requests in progress, frees s. */
void http_server_stop(struct http_server *s);

/* ---- client ---- */

struct http_client_config {
	const char *ca_file;            /* trust anchors for the server; NULL: the system's */
	const char *cert_file, *key_file; /* a client certificate, or NULL */
	long timeout_ms;                /* whole request (default 30 s) */
	/* Trust for one server, instead of or beside ca_file: a CA certificate
	 * (PEM text), and/or the server's public key pinned ("sha256//<base64>"). */
	const char *ca_pem;
	const char *pinned_key;
	/* "HOST:PORT:CONNECT-HOST:CONNECT-PORT": reach HOST:PORT at another
	 * address, still verifying the certificate for HOST (tests, proxies). */
	const char *connect_to;
	/* A new connection for every request (a device that sleeps between
	 * polls), with or without TLS session resumption. */
	bool fresh_connection;
	bool no_session_resumption;
};

struct http_client;

/* One client keeps its connections open between requests (keep-alive). */
iot_err http_client_new(const struct http_client_config *c, struct http_client **out);
void http_client_free(struct http_client *c);
/* POSTs body; headers is a NULL-terminated list of "Name: value" lines.
 * IOT_E_IO when no HTTP response came (connection, TLS, timeout). */
iot_err http_client_post(struct http_client *c, const char *url, const char *const *headers, const uint8_t *body,
			 size_t len, int *status, uint8_t **resp, size_t *resp_len);
/* The same with any method ("GET", "DELETE", ...); body may be NULL. */
iot_err http_client_request(struct http_client *c, const char *method, const char *url, const char *const *headers,
			    const uint8_t *body, size_t len, int *status, uint8_t **resp, size_t *resp_len);
/* The next request opens a new connection (TLS resumption still applies
 * unless switched off): a device back from sleep. */
void http_client_new_connection(struct http_client *c);
/* A response read as it arrives, so a large body is passed on without
 * being held whole. The stream has a connection of its own (the client's
 * trust and connect-to, not its kept connection); it returns once the status
 * is known. Read until *n is 0; any time, close frees it. */
struct http_stream;
iot_err http_client_stream_post(struct http_client *c, const char *url, const char *const *headers,
				const uint8_t *body, size_t len, struct http_stream **out);
int http_stream_status(const struct http_stream *s);
/* Up to cap bytes, blocking until there are some; *n 0: the body ended.
 * IOT_E_IO: the transfer broke (or timed out). */
iot_err http_stream_read(struct http_stream *s, uint8_t *buf, size_t cap, size_t *n);
void http_stream_close(struct http_stream *s);

/* Bytes sent and received on the wire at the TCP level (TLS records and
 * handshakes included) since the client was created. */
void http_client_wire_bytes(const struct http_client *c, uint64_t *sent, uint64_t *received);

#endif
