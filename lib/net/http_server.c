/* The HTTP(S) server on libmicrohttpd: a thread pool, bodies gathered up to
 * a limit, one handler call per request. */
#include "net/http.h"
#include "net/tls_floor.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/par.h"

struct http_server {
	struct MHD_Daemon *d;
	http_handler handler;
	void *ctx;
	size_t max_body;
	const char *large_prefix;
	size_t large_max;
	char *cert, *key, *client_ca;
	bool client_cert_optional;
	gnutls_datum_t ticket_key;      /* one key for all workers: any of them resumes any session */
	uint16_t port;
};

/* What one connection's request gathers between the handler's calls. */
struct pending {
	uint8_t *body;
	size_t len, cap, limit;
	bool too_large;
};

iot_err http_response_set(struct http_response *r, int status, const char *content_type, const void *body,
			  size_t len)
{
	uint8_t *copy = NULL;

	if (len && !(copy = malloc(len)))
		return IOT_E_NOMEM;
	if (len)
		memcpy(copy, body, len);
	free(r->body);
	r->body = copy;
	r->body_len = len;
	r->status = status;
	r->content_type = content_type;
	return IOT_OK;
}

static iot_err read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	long n;
	char *buf;

	if (!f)
		return IOT_E_IO;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1))) {
		fclose(f);
		return IOT_E_IO;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return IOT_E_IO;
	}
	buf[n] = 0;
	fclose(f);
	*out = buf;
	return IOT_OK;
}

/* A streamed body: what the handler's stream gives, as the socket takes it. */
struct stream_body {
	long (*read)(void *ctx, uint8_t *buf, size_t cap);
	void (*free)(void *ctx);
	void *ctx;
};

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_body *b = cls;
	long n = b->read(b->ctx, (uint8_t *)buf, max);

	(void)pos;
	return n > 0 ? (ssize_t)n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_done(void *cls)
{
	struct stream_body *b = cls;

	b->free(b->ctx);
	free(b);
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct http_response *r)
{
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret;

	if (r->stream_read && !r->body) {
		struct stream_body *b = malloc(sizeof(*b));

		if (b) {
			*b = (struct stream_body){ r->stream_read, r->stream_free, r->stream_ctx };
			if (!(resp = MHD_create_response_from_callback(r->stream_len, 16 * 1024, stream_reader, b,
								       stream_done)))
				free(b);
		}
		if (!resp) {
			r->stream_free(r->stream_ctx);
			return MHD_NO;
		}
	} else {
		resp = MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(r->body);
			return MHD_NO;
		}
	}
	r->body = NULL;
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->admin_protocol)
		MHD_add_response_header(resp, "X-Admin-Protocol", r->admin_protocol);
	for (size_t i = 0; r->headers && r->headers[i] && r->headers[i + 1]; i += 2)
		MHD_add_response_header(resp, r->headers[i], r->headers[i + 1]);
	if (r->retry_after > 0) {
		char seconds[16];

		snprintf(seconds, sizeof(seconds), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
	}
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* MHD asks for a client certificate but leaves the verdict to us: 1 when
 * one was presented, chains to the trust list and is within its validity
 * (checked here as well, whatever verification flags the library uses),
 * with its SHA-256 in hex; 0 when none was presented; -1 when refused. */
static int client_verified(struct MHD_Connection *conn, char sha256[65])
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *peers;
	gnutls_x509_crt_t crt;
	unsigned status = 1, n = 0;
	uint8_t digest[32];
	time_t now = time(NULL);
	int ok;

	if (!info || !info->tls_session || !(peers = gnutls_certificate_get_peers(info->tls_session, &n)) || !n)
		return 0;
	if (gnutls_certificate_verify_peers2(info->tls_session, &status) != 0 || status != 0)
		return -1;
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	ok = gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0 &&
	     gnutls_x509_crt_get_activation_time(crt) <= now && gnutls_x509_crt_get_expiration_time(crt) > now &&
	     gnutls_hash_fast(GNUTLS_DIG_SHA256, peers[0].data, peers[0].size, digest) == 0;
	gnutls_x509_crt_deinit(crt);
	if (!ok)
		return -1;
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(sha256 + 2 * i, 3, "%02x", digest[i]);
	return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *s = cls;
	struct pending *p = *con_cls;
	struct http_request q = { 0 };
	struct http_response r = { 0 };
	const union MHD_ConnectionInfo *ci;
	char peer[INET6_ADDRSTRLEN] = "?", client_sha256[65];

	(void)version;
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return MHD_NO;
		p->limit = s->large_prefix && !strncmp(url, s->large_prefix, strlen(s->large_prefix)) ? s->large_max
													    : s->max_body;
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (p->too_large || p->len + n > p->limit) {
			p->too_large = true;
			return MHD_YES;
		}
		if (p->len + n > p->cap) {
			size_t cap = p->cap ? p->cap : 4096;
			uint8_t *b;

			while (cap < p->len + n)
				cap *= 2;
			if (!(b = realloc(p->body, cap)))
				return MHD_NO;
			p->body = b;
			p->cap = cap;
		}
		memcpy(p->body + p->len, upload_data, n);
		p->len += n;
		return MHD_YES;
	}
	if (p->too_large) {
		r.status = 413;
		return queue(conn, &r);
	}
	if (s->client_ca) {
		int v = client_verified(conn, client_sha256);

		if (v <= 0 && !s->client_cert_optional) {
			log_warn("http", "client certificate missing or not trusted", "path=%s", url);
			r.status = 403;
			return queue(conn, &r);
		}
		q.client_cert_sha256 = v > 0 ? client_sha256 : NULL;
		q.client_cert_refused = v < 0;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, peer, sizeof(peer));
	q.method = method;
	q.path = url;
	q.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	q.admin_protocol = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Admin-Protocol");
	q.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	q.user_agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
	q.body = p->body ? p->body : (const uint8_t *)"";
	q.body_len = p->len;
	q.peer = peer;
	q.conn = conn;
	r.status = 500;
	s->handler(s->ctx, &q, &r);
	return queue(conn, &r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct pending *p = *con_cls;

	(void)cls;
	(void)conn;
	(void)t;
	if (p) {
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

/* libmicrohttpd leaves GnuTLS's session tickets off; a device that sleeps
 * between polls then pays a full handshake and the certificate chain on
 * every connection. Turned on here, before the connection's first read. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *info;

	(void)socket_context;
	if (code != MHD_CONNECTION_NOTIFY_STARTED || !s->ticket_key.data)
		return;
	if ((info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION)) && info->tls_session)
		gnutls_session_ticket_enable_server(info->tls_session, &s->ticket_key);
}

/* Percent-decoding of paths and arguments, except that a %00 stays as it
 * is: decoded, it would end the string early and "/x/1%00junk" would read
 * as "/x/1"; kept, such a path matches nothing. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *text)
{
	(void)cls;
	(void)c;
	for (const char *p = text; (p = strchr(p, '%')); p++)
		if (p[1] == '0' && p[2] == '0')
			return strlen(text);
	return MHD_http_unescape(text);
}

/* Twice the processors (a handler may wait on another server: eimd's relay
 * to an SM-DP+), at least 4, at most 64: each thread beyond the cores
 * costs every request a little. */
static unsigned default_threads(void)
{
	unsigned n = 2 * par_cores();

	return n < 4 ? 4 : n > 64 ? 64 : n;
}

iot_err http_server_start(const struct http_server_config *c, struct http_server **out)
{
	struct http_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(c->port) };
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	const union MHD_DaemonInfo *info;
	iot_err err = IOT_OK;

	if (!s)
		return IOT_E_NOMEM;
	s->handler = c->handler;
	s->ctx = c->ctx;
	s->max_body = c->max_body ? c->max_body : 1 << 20;
	s->large_prefix = c->large_body_prefix;
	s->large_max = c->large_body_max > s->max_body ? c->large_body_max : s->max_body;
	if (inet_pton(AF_INET, c->address ? c->address : "127.0.0.1", &sa.sin_addr) != 1)
		err = IOT_E_ARG;
	if (err == IOT_OK && c->cert_file) {
		flags |= MHD_USE_TLS;
		if ((err = read_file(c->cert_file, &s->cert)) == IOT_OK)
			err = read_file(c->key_file, &s->key);
		if (err == IOT_OK && c->client_ca_file)
			err = read_file(c->client_ca_file, &s->client_ca);
		s->client_cert_optional = c->client_cert_optional;
		if (err == IOT_OK && gnutls_session_ticket_key_generate(&s->ticket_key) < 0)
			err = IOT_E_NOMEM;
	}
	if (err == IOT_OK) {
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					MHD_OPTION_THREAD_POOL_SIZE, c->threads ? c->threads : default_threads(),
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
					MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
					s->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert,
					MHD_OPTION_HTTPS_MEM_KEY, s->key,
					MHD_OPTION_HTTPS_PRIORITIES, NET_TLS_GNUTLS_PRIORITIES,
					s->client_ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, s->client_ca,
					MHD_OPTION_END);
		if (!s->d)
			err = IOT_E_IO;
	}
	if (err == IOT_OK && (info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)))
		s->port = info->port;
	if (err != IOT_OK) {
		log_error("http", "cannot start the server", "port=%u tls=%d error=\"%s\"", c->port, c->cert_file != NULL,
			  iot_strerror(err));
		http_server_stop(s);
		return err;
	}
	*out = s;
	return IOT_OK;
}

uint16_t http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	free(s->cert);
	free(s->client_ca);
	if (s->key)
		memset(s->key, 0, strlen(s->key));
	free(s->key);
	if (s->ticket_key.data) {
		memset(s->ticket_key.data, 0, s->ticket_key.size);
		gnutls_free(s->ticket_key.data);
	}
	free(s);
}

bool http_request_admin_protocol_ok(const struct http_request *q)
{
	return q->admin_protocol && !strncmp(q->admin_protocol, "gsma/rsp/v2.", 12);
}

const char *http_request_arg(const struct http_request *q, const char *name)
{
	return q->conn ? MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

const char *http_request_header(const struct http_request *q, const char *name)
{
	return q->conn ? MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name) : NULL;
}
