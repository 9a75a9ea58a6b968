/* HTTPS over a byte stream the caller carries itself — for an IPA inside
 * the eUICC (IPAe), whose TCP connection is a Bearer Independent Protocol
 * channel the device opens for it (ETSI TS 102 223): TLS is terminated
 * here, the device only carries records. Synchronous: the stream's
 * callbacks block until the bytes are sent or some arrive.
 *
 * Ownership: the io struct outlives the stream; answers are malloc'd for
 * the caller. */
#ifndef IOT_NET_STREAM_H
#define IOT_NET_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct net_stream_io {
	void *ctx;
	/* all of len, or IOT_E_IO */
	iot_err (*send)(void *ctx, const uint8_t *buf, size_t len);
	/* at least one byte, blocking until some came; *n 0 when the peer
	 * closed; IOT_E_IO when the link broke */
	iot_err (*recv)(void *ctx, uint8_t *buf, size_t cap, size_t *n);
};

/* What the server is trusted by: at least one of them. */
struct net_tls_trust {
	const char *host;               /* the certificate names it; also the SNI */
	const char *ca_file;            /* PEM trust anchors */
	const uint8_t *ca_der;          /* a trust anchor (a DER Certificate) */
	size_t ca_der_len;
	const uint8_t *spki_der;        /* or the server's key pinned (a DER SubjectPublicKeyInfo) */
	size_t spki_der_len;
};

/* A TLS session kept between connections for resumption (abbreviated
 * handshakes: fewer bytes on a slow bearer). */
struct net_tls_session;
void net_tls_session_free(struct net_tls_session *s);

struct net_tls_stream;
/* TLS 1.2 or later (the floor of tls_floor.h) over io; the handshake done
 * on return. *session, when given, is offered for resumption and replaced
 * by the new one when the stream closes. IOT_E_CRYPTO: the server was not
 * trusted; IOT_E_IO: the stream broke. */
iot_err net_tls_stream_open(const struct net_tls_trust *t, const struct net_stream_io *io,
			    struct net_tls_session **session, struct net_tls_stream **out);
/* DTLS 1.2 the same way, over a stream whose send and recv carry one
 * datagram each (a BIP channel in UDP): records of at most NET_DTLS_MTU. */
#define NET_DTLS_MTU 1152
iot_err net_dtls_stream_open(const struct net_tls_trust *t, const struct net_stream_io *io,
			     struct net_tls_session **session, struct net_tls_stream **out);
/* Application data: all of it written; at least one byte (a DTLS record's
 * payload) read. IOT_E_IO when the stream broke. */
iot_err net_tls_stream_write(struct net_tls_stream *s, const void *buf, size_t len);
iot_err net_tls_stream_read(struct net_tls_stream *s, uint8_t *buf, size_t cap, size_t *n);
/* Whether the handshake resumed the offered session. */
int net_tls_stream_resumed(const struct net_tls_stream *s);
/* close_notify sent (best effort), everything freed; NULL is fine. */
void net_tls_stream_close(struct net_tls_stream *s);

/* One HTTP/1.1 POST on the stream (kept open for the next one): headers a
 * NULL-terminated list of "Name: value" lines; the answer's status and its
 * body (Content-Length or chunked) malloc'd into *resp. IOT_E_IO when no
 * whole answer came; IOT_E_ASN1_VALUE when it was not HTTP; IOT_E_BUFFER
 * when its body passes max_body. */
iot_err net_tls_stream_post(struct net_tls_stream *s, const char *host, const char *path,
			    const char *const *headers, const uint8_t *body, size_t len, size_t max_body,
			    int *status, uint8_t **resp, size_t *resp_len);

/* One CoAP POST (RFC 7252) over a DTLS stream: confirmable, to the path's
 * Uri-Path segments, application/octet-stream, the body in Block1 blocks of
 * 1024 bytes when larger (RFC 7959), the answer's Block2 blocks fetched and
 * joined. *code the response code as class*100+detail (204 for 2.04).
 * IOT_E_IO when no whole answer came; IOT_E_ASN1_VALUE when it was not
 * CoAP; IOT_E_BUFFER past max_body. */
iot_err net_coap_stream_post(struct net_tls_stream *s, const char *path, const uint8_t *body, size_t len,
			     size_t max_body, int *code, uint8_t **resp, size_t *resp_len);

/* A CoAP message as the client above reads it (its parser, for the fuzzer):
 * the header, the Block1 and Block2 options, the payload (pointing into b).
 * IOT_E_ASN1_VALUE when it is not a well-formed CoAP message. */
struct net_coap_message {
	int type, code;
	uint16_t mid;
	uint8_t token[8];
	size_t tkl;
	bool has_block1, has_block2;
	uint32_t block1, block2;
	const uint8_t *payload;
	size_t payload_len;
};
iot_err net_coap_message_parse(const uint8_t *b, size_t n, struct net_coap_message *m);

#endif
