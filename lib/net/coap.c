/* CoAP over DTLS on libcoap (coap.h). libcoap does the block-wise transfer
 * both ways (COAP_BLOCK_USE_LIBCOAP, one body per exchange); a context is
 * only ever used from one thread: the server's loop, or the client's
 * caller. */
#include "net/coap.h"
#include "net/tls_floor.h"

#include <arpa/inet.h>
#include <coap3/coap.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static pthread_once_t coap_once = PTHREAD_ONCE_INIT;
static int info_cb_index = -1;          /* SSL_CTX ex_data: libcoap's info callback */

static void coap_start_once(void)
{
	coap_startup();
	info_cb_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	/* errors come back as values; IOTRSP_COAP_DEBUG shows libcoap's own log */
	coap_set_log_level(getenv("IOTRSP_COAP_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	coap_dtls_set_log_level(getenv("IOTRSP_COAP_DEBUG") ? LOG_DEBUG : LOG_EMERG);
}

iot_err net_coap_reply_set(struct net_coap_reply *r, int code, const void *body, size_t len)
{
	uint8_t *b = NULL;

	if (len && !(b = malloc(len)))
		return IOT_E_NOMEM;
	if (len)
		memcpy(b, body, len);
	free(r->body);
	r->code = code;
	r->body = b;
	r->body_len = len;
	return IOT_OK;
}

/* ---- server ---- */

struct net_coap_server {
	struct net_coap_server_config cfg;
	coap_context_t *ctx;
	uint16_t port;
	pthread_t thread;
	atomic_bool stop;
};

static void free_body(coap_session_t *session, void *p)
{
	(void)session;
	free(p);
}

/* SGP.22 2.6.6: DTLS 1.2 or later, no CBC-SHA suites; libcoap calls it for
 * each session's SSL before its handshake. */
static int tls_floor(void *tls_session, coap_dtls_pki_t *setup)
{
	SSL *ssl = tls_session;

	(void)setup;
	return SSL_set_min_proto_version(ssl, DTLS1_2_VERSION) && SSL_set_cipher_list(ssl, NET_TLS_OPENSSL_CIPHERS);
}

static void on_post(coap_resource_t *resource, coap_session_t *session, const coap_pdu_t *request,
		    const coap_string_t *query, coap_pdu_t *response)
{
	struct net_coap_server *s = coap_get_app_data(coap_session_get_context(session));
	struct net_coap_reply r = { 0 };
	const uint8_t *data = NULL;
	size_t len = 0, offset = 0, total = 0;
	coap_str_const_t *uri = coap_resource_get_uri_path(resource);
	char peer[64] = "?", path[128] = "";

	(void)query;
	coap_print_addr(coap_session_get_addr_remote(session), (unsigned char *)peer, sizeof(peer));
	if (uri && uri->length < sizeof(path))
		memcpy(path, uri->s, uri->length);
	if (!coap_get_data_large(request, &len, &data, &offset, &total))
		len = total = 0;
	if (total > s->cfg.max_body || offset) {
		coap_pdu_set_code(response, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
		return;
	}
	s->cfg.handler(s->cfg.ctx, peer, path, data, len, &r);
	coap_pdu_set_code(response, (coap_pdu_code_t)COAP_RESPONSE_CODE(r.code ? r.code : 500));
	if (r.body_len) {
		/* libcoap serves it block by block (Block2) and frees it when done */
		if (!coap_add_data_large_response(resource, session, request, response, NULL,
						  COAP_MEDIATYPE_APPLICATION_OCTET_STREAM, -1, 0, r.body_len, r.body,
						  free_body, r.body))
			free(r.body);
	} else {
		free(r.body);
	}
}

static void *serve(void *arg)
{
	struct net_coap_server *s = arg;

	while (!atomic_load(&s->stop))
		coap_io_process(s->ctx, 100);
	return NULL;
}

/* A free UDP port on address, when the caller asked for any. */
static uint16_t free_port(const struct sockaddr_in *a)
{
	struct sockaddr_in b = *a;
	socklen_t len = sizeof(b);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port = 0;

	b.sin_port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&b, sizeof(b)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&b, &len) == 0)
		port = ntohs(b.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

iot_err net_coap_server_start(const struct net_coap_server_config *c, struct net_coap_server **out)
{
	struct net_coap_server *s;
	coap_address_t a;
	coap_resource_t *r;
	iot_err err = IOT_E_IO;

	pthread_once(&coap_once, coap_start_once);
	if (!c->handler || !c->path)
		return IOT_E_ARG;
	if (!(s = calloc(1, sizeof(*s))))
		return IOT_E_NOMEM;
	s->cfg = *c;
	if (!s->cfg.max_body)
		s->cfg.max_body = 1024 * 1024;
	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.size = sizeof(a.addr.sin);
	if (inet_pton(AF_INET, c->address ? c->address : "127.0.0.1", &a.addr.sin.sin_addr) != 1) {
		err = IOT_E_ARG;
		goto fail;
	}
	s->port = c->port ? c->port : free_port(&a.addr.sin);
	a.addr.sin.sin_port = htons(s->port);
	if (!(s->ctx = coap_new_context(NULL)))
		goto fail;
	coap_set_app_data(s->ctx, s);
	coap_context_set_block_mode(s->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	if (c->cert_file) {
		coap_dtls_pki_t pki = { .version = COAP_DTLS_PKI_SETUP_VERSION };

		/* the client authenticates the server; ESipa authenticates the device in its
		 * messages; a server that pushes (inject mode) wants its clients' certificates too */
		pki.pki_key.key_type = COAP_PKI_KEY_PEM;
		pki.pki_key.key.pem.public_cert = c->cert_file;
		pki.pki_key.key.pem.private_key = c->key_file;
		pki.additional_tls_setup_call_back = tls_floor;
		if (c->client_ca_file) {
			pki.verify_peer_cert = 1;
			pki.check_common_ca = 1;
			pki.cert_chain_validation = 1;
			pki.cert_chain_verify_depth = 3;
			pki.pki_key.key.pem.ca_file = c->client_ca_file;
		}
		if (!coap_dtls_is_supported() || !coap_context_set_pki(s->ctx, &pki))
			goto fail;
	}
	if (!coap_new_endpoint(s->ctx, &a, c->cert_file ? COAP_PROTO_DTLS : COAP_PROTO_UDP))
		goto fail;
	for (size_t i = 0; i == 0 || (c->more_paths && c->more_paths[i - 1]); i++) {
		if (!(r = coap_resource_init(coap_make_str_const(i ? c->more_paths[i - 1] : c->path), 0)))
			goto fail;
		coap_register_handler(r, COAP_REQUEST_POST, on_post);
		coap_add_resource(s->ctx, r);
	}
	if (pthread_create(&s->thread, NULL, serve, s)) {
		err = IOT_E_NOMEM;
		goto fail;
	}
	*out = s;
	return IOT_OK;
fail:
	if (s->ctx)
		coap_free_context(s->ctx);
	free(s);
	return err;
}

uint16_t net_coap_server_port(const struct net_coap_server *s)
{
	return s->port;
}

void net_coap_server_stop(struct net_coap_server *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	coap_free_context(s->ctx);
	free(s);
}

/* ---- client ---- */

struct net_coap_client {
	struct net_coap_client_config cfg;
	coap_context_t *ctx;
	coap_session_t *session;
	coap_address_t dst;
	char host[256];
	SSL_SESSION *resume;            /* the last DTLS session, offered at the next handshake */
	uint64_t sent, received;        /* DTLS record bytes on the wire (UDP payloads) */
	bool resumed;                   /* the current session was resumed */
	/* the exchange in progress */
	bool done, failed;
	int code;
	uint8_t *body;
	size_t body_len;
};

static coap_response_t on_response(coap_session_t *session, const coap_pdu_t *sent, const coap_pdu_t *received,
				   const coap_mid_t mid)
{
	struct net_coap_client *c = coap_session_get_app_data(session);
	const uint8_t *data;
	size_t len, offset, total;
	coap_pdu_code_t code = coap_pdu_get_code(received);

	(void)sent;
	(void)mid;
	if (!c || c->done)
		return COAP_RESPONSE_OK;
	c->code = (int)COAP_RESPONSE_CLASS(code) * 100 + (int)(code & 0x1F);
	if (coap_get_data_large(received, &len, &data, &offset, &total) && len) {
		if ((c->body = malloc(len)))
			memcpy(c->body, data, len);
		else
			c->failed = true;
		c->body_len = len;
	}
	c->done = true;
	return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *session, const coap_pdu_t *sent, const coap_nack_reason_t reason,
		    const coap_mid_t mid)
{
	struct net_coap_client *c = coap_session_get_app_data(session);

	(void)sent;
	(void)mid;
	(void)reason;
	if (c) {
		c->failed = true;
		c->done = true;
	}
}

iot_err net_coap_client_new(const struct net_coap_client_config *c, struct net_coap_client **out)
{
	struct net_coap_client *h;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	char port[8];

	pthread_once(&coap_once, coap_start_once);
	if (!c->host || !c->path || strlen(c->host) >= sizeof(h->host))
		return IOT_E_ARG;
	if (!(h = calloc(1, sizeof(*h))))
		return IOT_E_NOMEM;
	h->cfg = *c;
	strcpy(h->host, c->host);
	snprintf(port, sizeof(port), "%u", c->port ? c->port : (c->plain ? 5683 : 5684));
	if (getaddrinfo(c->connect_address ? c->connect_address : c->host, port, &hints, &ai) || !ai) {
		free(h);
		return IOT_E_IO;
	}
	coap_address_init(&h->dst);
	h->dst.size = (socklen_t)ai->ai_addrlen;
	memcpy(&h->dst.addr.sa, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!(h->ctx = coap_new_context(NULL))) {
		free(h);
		return IOT_E_NOMEM;
	}
	coap_context_set_block_mode(h->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	coap_set_app_data(h->ctx, h);
	coap_register_response_handler(h->ctx, on_response);
	coap_register_nack_handler(h->ctx, on_nack);
	*out = h;
	return IOT_OK;
}

/* Counts what the session's BIO (libcoap's, under OpenSSL) writes and
 * reads: the DTLS records, i.e. the UDP payloads, retransmissions included. */
static long count_bytes(BIO *b, int op, const char *argp, size_t len, int argi, long argl, int ret,
			size_t *processed)
{
	struct net_coap_client *c = (struct net_coap_client *)BIO_get_callback_arg(b);

	(void)argp;
	(void)len;
	(void)argi;
	(void)argl;
	if (c && ret > 0 && processed && op == (BIO_CB_WRITE | BIO_CB_RETURN))
		c->sent += *processed;
	else if (c && ret > 0 && processed && op == (BIO_CB_READ | BIO_CB_RETURN))
		c->received += *processed;
	return ret;
}

static void count_session(struct net_coap_client *c, const SSL *ssl)
{
	BIO *b = SSL_get_wbio(ssl);

	if (b && BIO_get_callback_ex(b) != count_bytes) {
		BIO_set_callback_arg(b, (char *)c);
		BIO_set_callback_ex(b, count_bytes);
	}
}

/* libcoap 4.3 has no resumption API and no hook between creating a client's
 * SSL and its first flight, so the context's info callback is wrapped once a
 * session exists: at HANDSHAKE_START, before the ClientHello is built, the
 * kept session is offered; then libcoap's own callback runs. */
static void offer_dtls_session(const SSL *ssl, int where, int ret)
{
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	void (*coap_cb)(const SSL *, int, int) = SSL_CTX_get_ex_data(ctx, info_cb_index);
	coap_session_t *session = SSL_get_app_data(ssl);
	struct net_coap_client *c = session ? coap_get_app_data(coap_session_get_context(session)) : NULL;

	if (where == SSL_CB_HANDSHAKE_START && c) {
		count_session(c, ssl);
		if (c->resume && !SSL_get_session(ssl))
			SSL_set_session((SSL *)ssl, c->resume);
	}
	if (coap_cb)
		coap_cb(ssl, where, ret);
}

static void wrap_info_callback(SSL *ssl)
{
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	void (*cb)(const SSL *, int, int) = SSL_CTX_get_info_callback(ctx);

	if (cb == offer_dtls_session)
		return;
	SSL_CTX_set_ex_data(ctx, info_cb_index, (void *)cb);
	SSL_CTX_set_info_callback(ctx, offer_dtls_session);
}

/* Keep the DTLS session's parameters so the next handshake can be an
 * abbreviated one (RFC 6347 4.2.4 / RFC 5077 tickets): a device that sleeps
 * between polls then pays for one round trip and no certificate. */
static void keep_dtls_session(struct net_coap_client *c)
{
	coap_tls_library_t type;
	SSL *ssl = c->session ? coap_session_get_tls(c->session, &type) : NULL;
	SSL_SESSION *s;

	if (!ssl || type != COAP_TLS_LIBRARY_OPENSSL)
		return;
	wrap_info_callback(ssl);        /* from now on each new session is counted, and offered the last */
	if (c->cfg.no_session_resumption || !(s = SSL_get1_session(ssl)))
		return;
	if (!SSL_SESSION_is_resumable(s)) {
		SSL_SESSION_free(s);
		return;
	}
	SSL_SESSION_free(c->resume);
	c->resume = s;
	c->resumed = SSL_session_reused(ssl);
}

bool net_coap_client_resumed(const struct net_coap_client *c)
{
	return c->resumed;
}

static void end_session(struct net_coap_client *c)
{
	if (c->session) {
		coap_session_set_app_data(c->session, NULL);
		coap_session_release(c->session);
		c->session = NULL;
	}
}

void net_coap_client_new_session(struct net_coap_client *c)
{
	end_session(c);
}

void net_coap_client_free(struct net_coap_client *c)
{
	if (!c)
		return;
	end_session(c);
	SSL_SESSION_free(c->resume);
	coap_free_context(c->ctx);
	free(c);
}

/* The certificate's name must be the eIM's. */
static int check_name(const char *cn, const uint8_t *cert, size_t cert_len, coap_session_t *session, unsigned depth,
		      int validated, void *arg)
{
	const struct net_coap_client *c = arg;

	(void)cert;
	(void)cert_len;
	(void)session;
	if (depth > 0)
		return validated;
	return validated && cn && !strcmp(cn, c->host);
}

static iot_err open_session(struct net_coap_client *c)
{
	coap_dtls_pki_t pki = { .version = COAP_DTLS_PKI_SETUP_VERSION };

	if (c->session)
		return IOT_OK;
	if (c->cfg.plain) {
		c->session = coap_new_client_session(c->ctx, NULL, &c->dst, COAP_PROTO_UDP);
	} else {
		/* the server's certificate chains to the trust anchor and names the host */
		pki.verify_peer_cert = 1;
		pki.check_common_ca = 1;        /* libcoap: verify against the CA given here */
		pki.cert_chain_validation = 1;
		pki.cert_chain_verify_depth = 3;
		pki.validate_cn_call_back = check_name;
		pki.additional_tls_setup_call_back = tls_floor;
		pki.cn_call_back_arg = c;
		pki.client_sni = c->host;
		if (c->cfg.ca_pem) {
			pki.pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
			pki.pki_key.key.pem_buf.ca_cert = (const uint8_t *)c->cfg.ca_pem;
			pki.pki_key.key.pem_buf.ca_cert_len = strlen(c->cfg.ca_pem) + 1;
		} else {
			pki.pki_key.key_type = COAP_PKI_KEY_PEM;
			pki.pki_key.key.pem.ca_file = c->cfg.ca_file;
			pki.pki_key.key.pem.public_cert = c->cfg.cert_file;
			pki.pki_key.key.pem.private_key = c->cfg.key_file;
		}
		c->session = coap_new_client_session_pki(c->ctx, NULL, &c->dst, COAP_PROTO_DTLS, &pki);
	}
	if (!c->session)
		return IOT_E_IO;
	coap_session_set_app_data(c->session, c);
	if (!c->cfg.plain) {
		coap_tls_library_t type;
		SSL *ssl = coap_session_get_tls(c->session, &type);

		/* the client's first session started before any hook could run:
		 * its first ClientHello is not counted (the wrapper counts the rest) */
		if (ssl && type == COAP_TLS_LIBRARY_OPENSSL)
			count_session(c, ssl);
	}
	return IOT_OK;
}

void net_coap_client_wire_bytes(const struct net_coap_client *c, uint64_t *sent, uint64_t *received)
{
	*sent = c->sent;
	*received = c->received;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

iot_err net_coap_client_post(struct net_coap_client *c, const uint8_t *body, size_t len, int *code, uint8_t **resp,
			     size_t *resp_len)
{
	return net_coap_client_post_to(c, c->cfg.path, body, len, code, resp, resp_len);
}

iot_err net_coap_client_post_to(struct net_coap_client *c, const char *path, const uint8_t *body, size_t len, int *code,
				uint8_t **resp, size_t *resp_len)
{
	coap_pdu_t *pdu;
	uint8_t token[8], fmt[4];
	size_t token_len;
	long left = c->cfg.timeout_ms > 0 ? c->cfg.timeout_ms : 30000, deadline;
	const char *p, *seg;
	iot_err err;

	if ((err = open_session(c)) != IOT_OK)
		return err;
	if (!(pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, c->session)))
		return IOT_E_NOMEM;
	coap_session_new_token(c->session, &token_len, token);
	coap_add_token(pdu, token_len, token);
	for (seg = p = path;; p++) {
		if (*p == '/' || !*p) {
			if (p > seg)
				coap_add_option(pdu, COAP_OPTION_URI_PATH, (size_t)(p - seg), (const uint8_t *)seg);
			if (!*p)
				break;
			seg = p + 1;
		}
	}
	coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
			coap_encode_var_safe(fmt, sizeof(fmt), COAP_MEDIATYPE_APPLICATION_OCTET_STREAM), fmt);
	/* Block1 when the body does not fit one datagram */
	if (len && !coap_add_data_large_request(c->session, pdu, len, body, NULL, NULL)) {
		coap_delete_pdu(pdu);
		return IOT_E_NOMEM;
	}
	c->done = c->failed = false;
	c->body = NULL;
	c->body_len = 0;
	if (coap_send(c->session, pdu) == COAP_INVALID_MID) {
		end_session(c);
		return IOT_E_IO;
	}
	deadline = now_ms() + left;
	while (!c->done && now_ms() < deadline)
		coap_io_process(c->ctx, 100);
	if (!c->done || c->failed) {
		free(c->body);
		end_session(c);         /* a new DTLS session next time */
		return IOT_E_IO;
	}
	keep_dtls_session(c);
	if (c->cfg.fresh_session)
		end_session(c);
	*code = c->code;
	*resp = c->body;
	*resp_len = c->body_len;
	return IOT_OK;
}
