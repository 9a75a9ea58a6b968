/* TLS (OpenSSL) over a caller's stream, through a BIO whose read and write
 * call the stream's callbacks, and HTTP/1.1 POSTs over it. */
#include "net/stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "net/tls_floor.h"

struct net_tls_session {
	SSL_SESSION *ssl;
};

struct net_tls_stream {
	SSL_CTX *ctx;
	SSL *ssl;
	const struct net_stream_io *io;
	iot_err io_err;                         /* what the stream said when a BIO call failed */
	struct net_tls_session **keep;
	uint8_t *pin;                           /* the pinned SubjectPublicKeyInfo */
	size_t pin_len;
};

static iot_err tls_write(struct net_tls_stream *s, const void *buf, size_t len);

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static int bio_write(BIO *b, const char *buf, int len)
{
	struct net_tls_stream *s = BIO_get_data(b);

	if ((s->io_err = s->io->send(s->io->ctx, (const uint8_t *)buf, (size_t)len)) != IOT_OK)
		return -1;
	return len;
}

static int bio_read(BIO *b, char *buf, int len)
{
	struct net_tls_stream *s = BIO_get_data(b);
	size_t n = 0;

	if ((s->io_err = s->io->recv(s->io->ctx, (uint8_t *)buf, (size_t)len, &n)) != IOT_OK)
		return -1;
	if (!n)
		s->io_err = IOT_E_IO;           /* the peer closed */
	return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static void bio_init(void)
{
	bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "iotrsp stream");
	if (bio_method) {
		BIO_meth_set_write(bio_method, bio_write);
		BIO_meth_set_read(bio_method, bio_read);
		BIO_meth_set_ctrl(bio_method, bio_ctrl);
	}
}

void net_tls_session_free(struct net_tls_session *s)
{
	if (!s)
		return;
	SSL_SESSION_free(s->ssl);
	free(s);
}

/* a pinned key: the leaf's SubjectPublicKeyInfo must be exactly it */
static int verify_pin(X509_STORE_CTX *x, void *arg)
{
	struct net_tls_stream *s = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(x);
	unsigned char *der = NULL;
	int n = leaf ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &der) : -1;
	int ok = n > 0 && (size_t)n == s->pin_len && !memcmp(der, s->pin, s->pin_len);

	OPENSSL_free(der);
	if (!ok)
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
	return ok;
}

static iot_err trust(struct net_tls_stream *s, const struct net_tls_trust *t)
{
	if (t->spki_der_len) {
		if (!(s->pin = malloc(t->spki_der_len)))
			return IOT_E_NOMEM;
		memcpy(s->pin, t->spki_der, t->spki_der_len);
		s->pin_len = t->spki_der_len;
		SSL_CTX_set_cert_verify_callback(s->ctx, verify_pin, s);
		return IOT_OK;
	}
	if (t->ca_der_len) {
		const unsigned char *p = t->ca_der;
		X509 *ca = d2i_X509(NULL, &p, (long)t->ca_der_len);
		int ok = ca && X509_STORE_add_cert(SSL_CTX_get_cert_store(s->ctx), ca);

		X509_free(ca);
		if (!ok)
			return IOT_E_CRYPTO;
	}
	if (t->ca_file && SSL_CTX_load_verify_locations(s->ctx, t->ca_file, NULL) != 1)
		return IOT_E_CRYPTO;
	if (!t->ca_der_len && !t->ca_file)
		return IOT_E_ARG;               /* nothing to trust the server by */
	return IOT_OK;
}

static iot_err open_stream(const struct net_tls_trust *t, const struct net_stream_io *io,
			   struct net_tls_session **session, bool datagram, struct net_tls_stream **out)
{
	struct net_tls_stream *s;
	BIO *bio;
	iot_err err;

	pthread_once(&bio_once, bio_init);
	if (!bio_method || !t->host)
		return IOT_E_ARG;
	if (!(s = calloc(1, sizeof(*s))))
		return IOT_E_NOMEM;
	s->io = io;
	s->keep = session;
	err = IOT_E_CRYPTO;
	/* SGP.32 2.5, SGP.22 2.6.6: (D)TLS 1.2 or later, no SHA-1 suites */
	if (!(s->ctx = SSL_CTX_new(datagram ? DTLS_client_method() : TLS_client_method())) ||
	    !SSL_CTX_set_min_proto_version(s->ctx, datagram ? DTLS1_2_VERSION : TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(s->ctx, NET_TLS_OPENSSL_CIPHERS))
		goto fail;
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	if ((err = trust(s, t)) != IOT_OK)
		goto fail;
	err = IOT_E_CRYPTO;
	if (!(s->ssl = SSL_new(s->ctx)) || !(bio = BIO_new(bio_method)))
		goto fail;
	BIO_set_data(bio, s);
	BIO_set_init(bio, 1);
	SSL_set_bio(s->ssl, bio, bio);
	if (datagram) {
		/* records that fit the channel's buffer whole, one datagram each
		 * (the stream delivers datagrams whole; no path MTU to ask) */
		SSL_set_options(s->ssl, SSL_OP_NO_QUERY_MTU);
		SSL_set_mtu(s->ssl, NET_DTLS_MTU);
	}
	if (!SSL_set_tlsext_host_name(s->ssl, t->host) || (!t->spki_der_len && !SSL_set1_host(s->ssl, t->host)))
		goto fail;
	if (session && *session)
		SSL_set_session(s->ssl, (*session)->ssl);
	if (SSL_connect(s->ssl) != 1) {
		long v = SSL_get_verify_result(s->ssl);

		err = s->io_err != IOT_OK ? s->io_err : IOT_E_CRYPTO;
		log_warn("net", "TLS over the stream failed", "host=%s verify=%ld err=%s", t->host, v, iot_strerror(err));
		ERR_clear_error();
		goto fail;
	}
	*out = s;
	return IOT_OK;
fail:
	ERR_clear_error();
	net_tls_stream_close(s);
	return err;
}

iot_err net_tls_stream_open(const struct net_tls_trust *t, const struct net_stream_io *io,
			    struct net_tls_session **session, struct net_tls_stream **out)
{
	return open_stream(t, io, session, false, out);
}

iot_err net_dtls_stream_open(const struct net_tls_trust *t, const struct net_stream_io *io,
			     struct net_tls_session **session, struct net_tls_stream **out)
{
	return open_stream(t, io, session, true, out);
}

iot_err net_tls_stream_write(struct net_tls_stream *s, const void *buf, size_t len)
{
	return tls_write(s, buf, len);
}

iot_err net_tls_stream_read(struct net_tls_stream *s, uint8_t *buf, size_t cap, size_t *n)
{
	int r = SSL_read(s->ssl, buf, (int)cap);

	if (r <= 0) {
		ERR_clear_error();
		return IOT_E_IO;
	}
	*n = (size_t)r;
	return IOT_OK;
}

int net_tls_stream_resumed(const struct net_tls_stream *s)
{
	return SSL_session_reused(s->ssl);
}

void net_tls_stream_close(struct net_tls_stream *s)
{
	if (!s)
		return;
	if (s->ssl && SSL_is_init_finished(s->ssl)) {
		SSL_SESSION *sess = SSL_get1_session(s->ssl);

		if (sess && s->keep) {
			struct net_tls_session *k = *s->keep ? *s->keep : calloc(1, sizeof(*k));

			if (k) {
				SSL_SESSION_free(k->ssl);
				k->ssl = sess;
				*s->keep = k;
				sess = NULL;
			}
		}
		SSL_SESSION_free(sess);
		if (s->io_err == IOT_OK)
			(void)SSL_shutdown(s->ssl);     /* close_notify; no wait for the peer's */
	}
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	free(s->pin);
	ERR_clear_error();
	free(s);
}

static iot_err tls_write(struct net_tls_stream *s, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		int n = SSL_write(s->ssl, (const char *)buf + done, (int)(len - done));

		if (n <= 0) {
			ERR_clear_error();
			return IOT_E_IO;
		}
		done += (size_t)n;
	}
	return IOT_OK;
}

/* HTTP/1.1 answer reading: a buffer of what came, consumed from the front */
struct reader {
	struct net_tls_stream *s;
	uint8_t buf[4096];
	size_t len, pos;
};

static iot_err fill(struct reader *r)
{
	int n;

	if (r->pos == r->len)
		r->pos = r->len = 0;
	if (r->len == sizeof(r->buf)) {
		if (!r->pos)
			return IOT_E_ASN1_VALUE;        /* a header line longer than the buffer */
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	n = SSL_read(r->s->ssl, r->buf + r->len, (int)(sizeof(r->buf) - r->len));
	if (n <= 0) {
		ERR_clear_error();
		return IOT_E_IO;
	}
	r->len += (size_t)n;
	return IOT_OK;
}

/* One line without its CRLF, NUL-terminated in place. */
static iot_err line(struct reader *r, char **out)
{
	for (;;) {
		uint8_t *start = r->buf + r->pos, *nl = memchr(start, '\n', r->len - r->pos);
		iot_err err;

		if (nl) {
			if (nl > start && nl[-1] == '\r')
				nl[-1] = 0;
			*nl = 0;
			*out = (char *)start;
			r->pos = (size_t)(nl - r->buf) + 1;
			return IOT_OK;
		}
		if ((err = fill(r)) != IOT_OK)
			return err;
	}
}

static iot_err take(struct reader *r, uint8_t *out, size_t n)
{
	while (n) {
		size_t k;
		iot_err err;

		if (r->pos == r->len && (err = fill(r)) != IOT_OK)
			return err;
		k = r->len - r->pos < n ? r->len - r->pos : n;
		memcpy(out, r->buf + r->pos, k);
		r->pos += k;
		out += k;
		n -= k;
	}
	return IOT_OK;
}

static iot_err body_grow(uint8_t **b, size_t *len, size_t more, size_t max)
{
	uint8_t *p;

	if (more > max || *len > max - more)
		return IOT_E_BUFFER;
	if (!(p = realloc(*b, *len + more + 1)))
		return IOT_E_NOMEM;
	*b = p;
	return IOT_OK;
}

/* RFC 9112 7.1: chunk sizes in hex, each chunk then CRLF, a last empty one */
static iot_err chunked(struct reader *r, size_t max, uint8_t **b, size_t *len)
{
	for (;;) {
		char *l, *end;
		unsigned long n;
		iot_err err;

		if ((err = line(r, &l)) != IOT_OK)
			return err;
		n = strtoul(l, &end, 16);
		if (end == l)
			return IOT_E_ASN1_VALUE;
		if (!n)
			break;
		if ((err = body_grow(b, len, n, max)) != IOT_OK || (err = take(r, *b + *len, n)) != IOT_OK)
			return err;
		*len += n;
		if ((err = line(r, &l)) != IOT_OK)
			return err;
	}
	for (;;) {                              /* trailer fields, then an empty line */
		char *l;
		iot_err err = line(r, &l);

		if (err != IOT_OK || !*l)
			return err;
	}
}

iot_err net_tls_stream_post(struct net_tls_stream *s, const char *host, const char *path,
			    const char *const *headers, const uint8_t *body, size_t len, size_t max_body,
			    int *status, uint8_t **resp, size_t *resp_len)
{
	struct reader *r;
	char head[1024], *l;
	size_t n, clen = 0;
	bool has_clen = false, is_chunked = false;
	iot_err err;

	*resp = NULL;
	*resp_len = 0;
	n = (size_t)snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n", path,
			     host, len);
	for (size_t i = 0; headers && headers[i] && n < sizeof(head); i++)
		n += (size_t)snprintf(head + n, sizeof(head) - n, "%s\r\n", headers[i]);
	if (n + 2 >= sizeof(head))
		return IOT_E_BUFFER;
	memcpy(head + n, "\r\n", 2);
	/* the head and the body in one write: one TLS record where it fits */
	{
		uint8_t *req = malloc(n + 2 + len);

		if (!req)
			return IOT_E_NOMEM;
		memcpy(req, head, n + 2);
		if (len)
			memcpy(req + n + 2, body, len);
		err = tls_write(s, req, n + 2 + len);
		free(req);
		if (err != IOT_OK)
			return err;
	}
	if (!(r = calloc(1, sizeof(*r))))
		return IOT_E_NOMEM;
	r->s = s;
	if ((err = line(r, &l)) != IOT_OK)
		goto out;
	/* RFC 9112 4: HTTP/1.x SP status-code SP reason */
	if (strncmp(l, "HTTP/1.", 7) || strlen(l) < 12 || sscanf(l + 9, "%3d", status) != 1) {
		err = IOT_E_ASN1_VALUE;
		goto out;
	}
	for (;;) {
		if ((err = line(r, &l)) != IOT_OK)
			goto out;
		if (!*l)
			break;
		if (!strncasecmp(l, "Content-Length:", 15)) {
			has_clen = true;
			clen = strtoul(l + 15, NULL, 10);
		} else if (!strncasecmp(l, "Transfer-Encoding:", 18) && strstr(l + 18, "chunked")) {
			is_chunked = true;
		}
	}
	if (is_chunked) {
		err = chunked(r, max_body, resp, resp_len);
	} else if (has_clen) {
		if ((err = body_grow(resp, resp_len, clen, max_body)) == IOT_OK &&
		    (err = take(r, *resp, clen)) == IOT_OK)
			*resp_len = clen;
	} else if (*status != 204 && *status != 304) {
		err = IOT_E_ASN1_VALUE;         /* a body to the end of the connection: not kept alive, not taken */
	}
out:
	if (err != IOT_OK) {
		free(*resp);
		*resp = NULL;
		*resp_len = 0;
	}
	free(r);
	return err;
}
