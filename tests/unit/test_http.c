/* lib/net HTTP on loopback: the libmicrohttpd server with TLS, the libcurl
 * client verifying it, bodies and headers both ways, the body limit, an
 * untrusted server refused, plain HTTP; a server that wants client
 * certificates (inject mode) answers 403 to others. */
#include "testutil.h"
#include "fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/x509.h"
#include "net/http.h"

static char dir[64], cert[128], key[128], other[128], client[128], client_key[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/iotrsp-http-XXXXXX");
	assert_non_null(mkdtemp(dir));
	fixture_tls_cert(dir, "tls", cert, sizeof(cert), key, sizeof(key));
	fixture_tls_cert(dir, "other", other, sizeof(other), NULL, 0);
	fixture_tls_cert(dir, "client", client, sizeof(client), client_key, sizeof(client_key));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Answers "<method> <path> <admin protocol>|<body>". */
static void echo(void *ctx, const struct http_request *q, struct http_response *r)
{
	char head[256];
	size_t n;
	uint8_t *buf;

	(void)ctx;
	n = (size_t)snprintf(head, sizeof(head), "%s %s %s|", q->method, q->path,
			     q->admin_protocol ? q->admin_protocol : "-");
	buf = malloc(n + q->body_len);
	memcpy(buf, head, n);
	memcpy(buf + n, q->body, q->body_len);
	assert_int_equal(http_response_set(r, 200, "text/plain", buf, n + q->body_len), IOT_OK);
	r->admin_protocol = "gsma/rsp/v2.5.0";
	free(buf);
}

static void test_tls_round_trip(void **state)
{
	struct http_server_config sc = { .cert_file = cert, .key_file = key, .handler = echo, .max_body = 100000 };
	struct http_client_config cc = { .ca_file = cert };
	const char *headers[] = { "X-Admin-Protocol: gsma/rsp/v2.5.0", "Content-Type: application/json", NULL };
	struct http_server *s;
	struct http_client *c;
	uint8_t *resp, *big = calloc(1, 100001);
	size_t len;
	char url[128];
	int status;

	(void)state;
	assert_int_equal(http_server_start(&sc, &s), IOT_OK);
	assert_true(http_server_port(s) > 0);
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/es9plus/initiateAuthentication", http_server_port(s));
	for (int i = 0; i < 3; i++) {   /* the same connection, kept alive */
		assert_int_equal(http_client_post(c, url, headers, (const uint8_t *)"{\"a\":1}", 7, &status, &resp, &len),
				 IOT_OK);
		assert_int_equal(status, 200);
		assert_int_equal(len, strlen("POST /gsma/rsp2/es9plus/initiateAuthentication gsma/rsp/v2.5.0|{\"a\":1}"));
		assert_memory_equal(resp, "POST /gsma/rsp2/es9plus/initiateAuthentication gsma/rsp/v2.5.0|{\"a\":1}", len);
		free(resp);
	}
	/* over the limit: 413, and the handler never sees it */
	assert_int_equal(http_client_post(c, url, headers, big, 100001, &status, &resp, &len), IOT_OK);
	assert_int_equal(status, 413);
	free(resp);
	assert_int_equal(http_client_post(c, url, headers, big, 100000, &status, &resp, &len), IOT_OK);
	assert_int_equal(status, 200);
	free(resp);
	http_client_free(c);
	/* a client that does not trust the server's certificate gets no answer */
	cc.ca_file = other;
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	assert_int_equal(http_client_post(c, url, headers, (const uint8_t *)"x", 1, &status, &resp, &len), IOT_E_IO);
	http_client_free(c);
	http_server_stop(s);
	free(big);
}

static void test_client_certificates(void **state)
{
	struct http_server_config sc = { .cert_file = cert, .key_file = key, .client_ca_file = client, .handler = echo };
	struct http_client_config cc = { .ca_file = cert };
	struct http_server *s;
	struct http_client *c;
	uint8_t *resp;
	size_t len;
	char url[128];
	int status;

	(void)state;
	assert_int_equal(http_server_start(&sc, &s), IOT_OK);
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/asn1", http_server_port(s));
	/* no certificate, then one the CA did not issue: 403, the handler not called */
	for (int i = 0; i < 2; i++) {
		cc.cert_file = i ? cert : NULL;
		cc.key_file = i ? key : NULL;
		assert_int_equal(http_client_new(&cc, &c), IOT_OK);
		resp = NULL;
		status = 0;
		/* without one the handshake completes (asked, not required) and we refuse */
		if (http_client_post(c, url, NULL, (const uint8_t *)"x", 1, &status, &resp, &len) == IOT_OK || !i)
			assert_int_equal(status, 403);
		free(resp);
		http_client_free(c);
	}
	cc.cert_file = client;
	cc.key_file = client_key;
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	assert_int_equal(http_client_post(c, url, NULL, (const uint8_t *)"x", 1, &status, &resp, &len), IOT_OK);
	assert_int_equal(status, 200);
	assert_memory_equal(resp, "POST /gsma/rsp2/asn1 -|x", len);
	free(resp);
	http_client_free(c);
	http_server_stop(s);
}

/* Bytes received by one request on a new connection. */
static uint64_t received_on_new_connection(struct http_client *c, const char *url)
{
	uint64_t up0, down0, up1, down1;
	uint8_t *resp;
	size_t len;
	int status;

	http_client_wire_bytes(c, &up0, &down0);
	assert_int_equal(http_client_post(c, url, NULL, (const uint8_t *)"x", 1, &status, &resp, &len), IOT_OK);
	assert_int_equal(status, 200);
	free(resp);
	http_client_wire_bytes(c, &up1, &down1);
	return down1 - down0;
}

/* A device that sleeps between polls: each connection new, the TLS session
 * resumed from a ticket (no certificate sent again) unless it opts out. */
static void test_tls_resumption(void **state)
{
	struct http_server_config sc = { .cert_file = cert, .key_file = key, .handler = echo, .threads = 2 };
	struct http_client_config cc = { .ca_file = cert, .fresh_connection = true };
	struct http_server *s;
	struct http_client *c;
	uint64_t full, resumed, again;
	char url[128];

	(void)state;
	assert_int_equal(http_server_start(&sc, &s), IOT_OK);
	snprintf(url, sizeof(url), "https://localhost:%u/x", http_server_port(s));
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	full = received_on_new_connection(c, url);
	resumed = received_on_new_connection(c, url);
	again = received_on_new_connection(c, url);
	http_client_free(c);
	print_message("full handshake %llu B down, resumed %llu and %llu B\n", (unsigned long long)full,
		      (unsigned long long)resumed, (unsigned long long)again);
	assert_true(resumed + 300 < full);      /* the certificate chain is not sent again */
	assert_true(again + 300 < full);
	cc.no_session_resumption = true;
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	full = received_on_new_connection(c, url);
	again = received_on_new_connection(c, url);
	http_client_free(c);
	assert_true(again + 100 > full);
	http_server_stop(s);
}

/* A body made while it is sent: byte i is i * 7 mod 251; breaks at `broken`. */
struct gen {
	size_t pos, len, broken;
	bool freed;
};

static long gen_read(void *ctx, uint8_t *buf, size_t cap)
{
	struct gen *g = ctx;
	size_t n = 0;

	if (g->broken && g->pos >= g->broken)
		return -1;
	while (n < cap && g->pos < g->len && (!g->broken || g->pos < g->broken))
		buf[n++] = (uint8_t)(g->pos++ * 7 % 251);
	return (long)n;
}

static void gen_free(void *ctx)
{
	((struct gen *)ctx)->freed = true;
}

static struct gen served;

static void streamer(void *ctx, const struct http_request *q, struct http_response *r)
{
	(void)ctx;
	served = (struct gen){ .len = 3000000, .broken = strstr(q->path, "broken") ? 1000000 : 0 };
	r->status = 200;
	r->content_type = "application/octet-stream";
	r->stream_len = served.len;
	r->stream_read = gen_read;
	r->stream_free = gen_free;
	r->stream_ctx = &served;
}

/* 3 MB produced while sent and read as it arrives, in small pieces (the
 * client's buffer fills and the transfer waits); a stream that breaks. */
static void test_streams(void **state)
{
	struct http_server_config sc = { .cert_file = cert, .key_file = key, .handler = streamer, .threads = 2 };
	struct http_client_config cc = { .ca_file = cert, .timeout_ms = 20000 };
	struct http_server *s;
	struct http_client *c;
	struct http_stream *st;
	uint8_t buf[700];
	size_t n, total = 0;
	bool same = true;
	char url[128];
	iot_err err;

	(void)state;
	assert_int_equal(http_server_start(&sc, &s), IOT_OK);
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	snprintf(url, sizeof(url), "https://localhost:%u/whole", http_server_port(s));
	assert_int_equal(http_client_stream_post(c, url, NULL, (const uint8_t *)"q", 1, &st), IOT_OK);
	assert_int_equal(http_stream_status(st), 200);
	while ((err = http_stream_read(st, buf, total % 3 ? sizeof(buf) : 100, &n)) == IOT_OK && n) {
		for (size_t i = 0; i < n; i++)
			same &= buf[i] == (uint8_t)((total + i) * 7 % 251);
		total += n;
	}
	assert_int_equal(err, IOT_OK);
	assert_int_equal(total, 3000000);
	assert_true(same);
	http_stream_close(st);
	/* the server side broke off: the reader is told, not given a short body */
	snprintf(url, sizeof(url), "https://localhost:%u/broken", http_server_port(s));
	assert_int_equal(http_client_stream_post(c, url, NULL, (const uint8_t *)"q", 1, &st), IOT_OK);
	total = 0;
	while ((err = http_stream_read(st, buf, sizeof(buf), &n)) == IOT_OK && n)
		total += n;
	assert_int_equal(err, IOT_E_IO);
	assert_true(total <= 1000000);
	http_stream_close(st);
	/* the client's own requests still work */
	snprintf(url, sizeof(url), "https://localhost:%u/x", http_server_port(s));
	http_client_free(c);
	http_server_stop(s);
	assert_true(served.freed);
	/* nobody there: no stream */
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	assert_int_equal(http_client_stream_post(c, url, NULL, (const uint8_t *)"q", 1, &st), IOT_E_IO);
	http_client_free(c);
}

/* openssl s_client against a server of ours: 0 when the handshake went through. */
static int s_client(uint16_t port, const char *how)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "openssl s_client -connect 127.0.0.1:%u %s </dev/null >/dev/null 2>&1", port, how);
	return system(cmd);
}

/* A free TCP port on loopback (for an openssl s_server). */
static uint16_t free_tcp_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool listening(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Our client toward an openssl s_server that speaks only the version and
 * suites given: the answer's status, or -1 when our client would not talk
 * to it. */
static int client_toward(const char *version, const char *ciphers)
{
	struct http_client_config cc = { .ca_file = cert, .timeout_ms = 20000 };
	struct http_client *c;
	uint16_t port = free_tcp_port();
	char url[64], portarg[8];
	uint8_t *body = NULL;
	size_t len;
	int status = -1, st;
	pid_t pid;

	snprintf(portarg, sizeof(portarg), "%u", port);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("openssl", "openssl", "s_server", "-accept", portarg, "-cert", cert, "-key", key, "-www", version,
		       "-cipher", ciphers, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	WAIT_UNTIL(listening(port));
	snprintf(url, sizeof(url), "https://localhost:%u/", port);
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	if (http_client_request(c, "GET", url, NULL, NULL, 0, &status, &body, &len) != IOT_OK)
		status = -1;
	free(body);
	http_client_free(c);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return status;
}

/* SGP.22 2.6.6: TLS 1.2 or later, no CBC-SHA suites, on our servers and
 * from our clients; what is allowed still goes through. */
static void test_tls_floor(void **state)
{
	struct http_server_config sc = { .cert_file = cert, .key_file = key, .handler = echo };
	struct http_server *s;
	uint16_t port;

	(void)state;
	assert_int_equal(http_server_start(&sc, &s), IOT_OK);
	port = http_server_port(s);
	assert_int_equal(s_client(port, "-tls1_2"), 0);
	assert_int_equal(s_client(port, "-tls1_3"), 0);
	assert_int_not_equal(s_client(port, "-tls1 -cipher DEFAULT:@SECLEVEL=0"), 0);
	assert_int_not_equal(s_client(port, "-tls1_1 -cipher DEFAULT:@SECLEVEL=0"), 0);
	assert_int_not_equal(s_client(port, "-tls1_2 -cipher ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"), 0);
	http_server_stop(s);
	assert_int_equal(client_toward("-tls1_2", "ALL:@SECLEVEL=0"), 200);
	assert_int_equal(client_toward("-tls1_1", "ALL:@SECLEVEL=0"), -1);
	assert_int_equal(client_toward("-tls1", "ALL:@SECLEVEL=0"), -1);
	assert_int_equal(client_toward("-tls1_2", "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"), -1);
}

static void test_plain_http(void **state)
{
	struct http_server_config sc = { .handler = echo };
	struct http_client_config cc = { 0 };
	struct http_server *s;
	struct http_client *c;
	uint8_t *resp;
	size_t len;
	char url[128];
	int status;

	(void)state;
	assert_int_equal(http_server_start(&sc, &s), IOT_OK);
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/health", http_server_port(s));
	assert_int_equal(http_client_post(c, url, NULL, (const uint8_t *)"", 0, &status, &resp, &len), IOT_OK);
	assert_int_equal(status, 200);
	assert_memory_equal(resp, "POST /health -|", len);
	free(resp);
	http_client_free(c);
	http_server_stop(s);
	/* nothing listens any more */
	assert_int_equal(http_client_new(&cc, &c), IOT_OK);
	assert_int_equal(http_client_post(c, url, NULL, (const uint8_t *)"", 0, &status, &resp, &len), IOT_E_IO);
	http_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_round_trip),
		cmocka_unit_test(test_tls_resumption),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_client_certificates),
		cmocka_unit_test(test_plain_http),
		cmocka_unit_test(test_tls_floor),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
