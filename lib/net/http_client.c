/* The HTTP(S) client on libcurl: one easy handle per client, so that
 * connections are reused across requests. */
#include "net/http.h"
#include "net/tls_floor.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <linux/tcp.h>         /* struct tcp_info with byte counts */
#include <pthread.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

struct http_client {
	CURL *curl;
	struct curl_slist *connect_to;
	uint64_t sent, received;
};

struct sink {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n;

	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *b;

		while (cap < s->len + len)
			cap *= 2;
		if (!(b = realloc(s->buf, cap))) {
			s->failed = true;
			return 0;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return len;
}

/* Linux TCP_INFO: the bytes this socket sent (acknowledged) and received. */
static void tcp_bytes(int fd, uint64_t *sent, uint64_t *received)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	*sent = *received = 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
		*sent = ti.tcpi_bytes_acked;
		*received = ti.tcpi_bytes_received;
	}
}

static int on_close(void *userdata, curl_socket_t fd)
{
	struct http_client *h = userdata;
	uint64_t s, r;

	tcp_bytes(fd, &s, &r);
	h->sent += s;
	h->received += r;
	return close(fd);
}

void http_client_new_connection(struct http_client *c)
{
	curl_easy_setopt(c->curl, CURLOPT_FRESH_CONNECT, 1L);
}

void http_client_wire_bytes(const struct http_client *c, uint64_t *sent, uint64_t *received)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	uint64_t s = 0, r = 0;

	/* plus the connection still open */
	if (curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD)
		tcp_bytes(fd, &s, &r);
	*sent = c->sent + s;
	*received = c->received + r;
}

iot_err http_client_new(const struct http_client_config *c, struct http_client **out)
{
	struct http_client *h;

	pthread_once(&curl_once, curl_init_once);
	if (!(h = calloc(1, sizeof(*h))) || !(h->curl = curl_easy_init())) {
		free(h);
		return IOT_E_NOMEM;
	}
	if (c->ca_file)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_pem) {
		struct curl_blob blob = { (void *)c->ca_pem, strlen(c->ca_pem), CURL_BLOB_COPY };

		curl_easy_setopt(h->curl, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->pinned_key)
		curl_easy_setopt(h->curl, CURLOPT_PINNEDPUBLICKEY, c->pinned_key);
	if (c->connect_to) {
		if (!(h->connect_to = curl_slist_append(NULL, c->connect_to))) {
			http_client_free(h);
			return IOT_E_NOMEM;
		}
		curl_easy_setopt(h->curl, CURLOPT_CONNECT_TO, h->connect_to);
	}
	if (c->fresh_connection)
		curl_easy_setopt(h->curl, CURLOPT_FORBID_REUSE, 1L);
	if (c->no_session_resumption)
		curl_easy_setopt(h->curl, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	/* count what crossed each socket, TLS included, when it closes */
	/* SGP.22 2.6.6: TLS 1.2 or later, no CBC-SHA suites */
	curl_easy_setopt(h->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h->curl, CURLOPT_SSL_CIPHER_LIST, NET_TLS_OPENSSL_CIPHERS);
	curl_easy_setopt(h->curl, CURLOPT_CLOSESOCKETFUNCTION, on_close);
	curl_easy_setopt(h->curl, CURLOPT_CLOSESOCKETDATA, h);
	if (c->cert_file) {
		curl_easy_setopt(h->curl, CURLOPT_SSLCERT, c->cert_file);
		curl_easy_setopt(h->curl, CURLOPT_SSLKEY, c->key_file);
	}
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms : 30000L);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_MAXCONNECTS, 1L);   /* one server per client: a new connection ends the old */
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
	*out = h;
	return IOT_OK;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->connect_to);
	free(c);
}

iot_err http_client_post(struct http_client *c, const char *url, const char *const *headers, const uint8_t *body,
			 size_t len, int *status, uint8_t **resp, size_t *resp_len)
{
	return http_client_request(c, "POST", url, headers, body, len, status, resp, resp_len);
}

iot_err http_client_request(struct http_client *c, const char *method, const char *url, const char *const *headers,
			    const uint8_t *body, size_t len, int *status, uint8_t **resp, size_t *resp_len)
{
	struct curl_slist *list = NULL, *l;
	struct sink s = { 0 };
	long code = 0;
	CURLcode rc;

	for (size_t i = 0; headers && headers[i]; i++) {
		if (!(l = curl_slist_append(list, headers[i]))) {
			curl_slist_free_all(list);
			return IOT_E_NOMEM;
		}
		list = l;
	}
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, list);
	if (!strcmp(method, "GET")) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	}
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") && strcmp(method, "POST") ? method : NULL);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
	rc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->curl, CURLOPT_FRESH_CONNECT, 0L);
	curl_slist_free_all(list);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK || s.failed) {
		free(s.buf);
		return s.failed ? IOT_E_NOMEM : IOT_E_IO;
	}
	*status = (int)code;
	*resp = s.buf;
	*resp_len = s.len;
	return IOT_OK;
}

/* ---- streamed responses ---- */

struct http_stream {
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	uint8_t *request;
	long status;
	bool paused, done;
	CURLcode result;
	size_t start, end;
	uint8_t buf[32 * 1024];         /* what came and was not read yet; curl waits when it is full */
};

static size_t on_stream_data(char *data, size_t size, size_t n, void *userdata)
{
	struct http_stream *s = userdata;
	size_t len = size * n;

	if (s->start) {                 /* what was read makes room */
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	if (sizeof(s->buf) - s->end < len) {
		s->paused = true;       /* curl hands the same bytes again once resumed */
		return CURL_WRITEFUNC_PAUSE;
	}
	memcpy(s->buf + s->end, data, len);
	s->end += len;
	return len;
}

/* Moves the transfer on: resumes it if it waited for room, and waits up
 * to a second for the network when there is nothing to read. */
static void stream_pump(struct http_stream *s)
{
	CURLMsg *m;
	int running, left;

	if (s->paused) {
		s->paused = false;
		curl_easy_pause(s->easy, CURLPAUSE_CONT);
	}
	curl_multi_perform(s->multi, &running);
	while ((m = curl_multi_info_read(s->multi, &left)))
		if (m->msg == CURLMSG_DONE) {
			s->done = true;
			s->result = m->data.result;
		}
	if (!s->done && s->start == s->end && !s->paused)
		curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	if (!s->status)
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
}

iot_err http_client_stream_post(struct http_client *c, const char *url, const char *const *headers,
				const uint8_t *body, size_t len, struct http_stream **out)
{
	struct http_stream *s = calloc(1, sizeof(*s));
	struct curl_slist *l;

	if (!s || !(s->request = malloc(len ? len : 1)) || !(s->multi = curl_multi_init()) ||
	    !(s->easy = curl_easy_duphandle(c->curl))) {
		http_stream_close(s);
		return IOT_E_NOMEM;
	}
	memcpy(s->request, body, len);
	for (size_t i = 0; headers && headers[i]; i++) {
		if (!(l = curl_slist_append(s->headers, headers[i]))) {
			http_stream_close(s);
			return IOT_E_NOMEM;
		}
		s->headers = l;
	}
	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, (const char *)s->request);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(s->easy, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_stream_data);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	/* the stream may outlive the client: its socket is not counted there */
	curl_easy_setopt(s->easy, CURLOPT_CLOSESOCKETFUNCTION, NULL);
	curl_easy_setopt(s->easy, CURLOPT_CLOSESOCKETDATA, NULL);
	if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK) {
		http_stream_close(s);
		return IOT_E_NOMEM;
	}
	/* the status line, and some of the body or its end */
	while (!s->done && (!s->status || s->start == s->end))
		stream_pump(s);
	if (s->done && s->result != CURLE_OK) {
		http_stream_close(s);
		return IOT_E_IO;
	}
	*out = s;
	return IOT_OK;
}

int http_stream_status(const struct http_stream *s)
{
	return (int)s->status;
}

iot_err http_stream_read(struct http_stream *s, uint8_t *buf, size_t cap, size_t *n)
{
	*n = 0;
	while (s->start == s->end && !s->done)
		stream_pump(s);
	if (s->start < s->end) {
		*n = s->end - s->start < cap ? s->end - s->start : cap;
		memcpy(buf, s->buf + s->start, *n);
		s->start += *n;
		return IOT_OK;
	}
	return s->result == CURLE_OK ? IOT_OK : IOT_E_IO;
}

void http_stream_close(struct http_stream *s)
{
	if (!s)
		return;
	if (s->multi && s->easy)
		curl_multi_remove_handle(s->multi, s->easy);
	if (s->easy)
		curl_easy_cleanup(s->easy);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	curl_slist_free_all(s->headers);
	free(s->request);
	free(s);
}
