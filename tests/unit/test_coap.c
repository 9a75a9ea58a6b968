/* lib/net CoAP on loopback: DTLS with the server's certificate checked
 * (trust anchor and name), bodies far above one datagram both ways
 * (RFC 7959 Block1 and Block2), the body limit, an untrusted server and a
 * wrong name refused, a server that is gone, plain CoAP; a server that
 * wants client certificates (inject mode) takes only those its CA issued. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>
#include <unistd.h>

#include "net/coap.h"

static char dir[64], cert[128], key[128], other[128], client[128], client_key[128];
static unsigned requests;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/iotrsp-coap-XXXXXX");
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

/* Answers the body twice over, each byte plus one. */
static void twice(void *ctx, const char *peer, const char *path, const uint8_t *body, size_t len, struct net_coap_reply *r)
{
	uint8_t *out = malloc(2 * len + 1);

	(void)ctx;
	assert_non_null(peer);
	assert_string_equal(path, "gsma/rsp2/asn1");
	requests++;
	for (size_t i = 0; i < 2 * len; i++)
		out[i] = (uint8_t)(body[i % len] + 1);
	assert_int_equal(net_coap_reply_set(r, 204, out, 2 * len), IOT_OK);
	free(out);
}

static struct net_coap_server *start(bool dtls)
{
	struct net_coap_server_config sc = { .path = "gsma/rsp2/asn1", .handler = twice, .max_body = 200000 };
	struct net_coap_server *s;

	if (dtls) {
		sc.cert_file = cert;
		sc.key_file = key;
	}
	assert_int_equal(net_coap_server_start(&sc, &s), IOT_OK);
	return s;
}

static void exchange(struct net_coap_client *c, size_t len)
{
	uint8_t *body = malloc(len), *resp;
	size_t resp_len;
	int code;

	for (size_t i = 0; i < len; i++)
		body[i] = (uint8_t)(i * 13);
	assert_int_equal(net_coap_client_post(c, body, len, &code, &resp, &resp_len), IOT_OK);
	assert_int_equal(code, 204);
	assert_int_equal(resp_len, 2 * len);
	for (size_t i = 0; i < 2 * len; i++)
		assert_int_equal(resp[i], (uint8_t)(body[i % len] + 1));
	free(resp);
	free(body);
}

static void test_dtls_block_wise(void **state)
{
	struct net_coap_server *s = start(true);
	struct net_coap_client_config cc = { .host = "localhost", .connect_address = "127.0.0.1", .path = "gsma/rsp2/asn1",
					     .ca_file = cert, .timeout_ms = 60000 };
	struct net_coap_client *c;
	uint64_t up0, down0, up1, down1;

	(void)state;
	cc.port = net_coap_server_port(s);
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	exchange(c, 20);
	net_coap_client_wire_bytes(c, &up0, &down0);
	assert_true(down0 > 500);       /* the server's certificate came */
	exchange(c, 60000);             /* ~59 Block1 and ~118 Block2 transfers */
	net_coap_client_wire_bytes(c, &up1, &down1);
	/* the bodies plus per-datagram CoAP and DTLS headers, no handshake */
	assert_true(up1 - up0 > 60000 && up1 - up0 < 60000 + 59 * 120 + 118 * 120);
	assert_true(down1 - down0 > 120000 && down1 - down0 < 120000 + 177 * 120);
	exchange(c, 1);
	net_coap_client_free(c);
	/* a new DTLS handshake for each request */
	cc.fresh_session = true;
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	exchange(c, 3000);
	assert_false(net_coap_client_resumed(c));
	/* the next handshakes are abbreviated: the first session is resumed */
	exchange(c, 3000);
	assert_true(net_coap_client_resumed(c));
	exchange(c, 30);
	assert_true(net_coap_client_resumed(c));
	net_coap_client_free(c);
	/* and full again when the device does not want resumption */
	cc.no_session_resumption = true;
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	exchange(c, 3000);
	exchange(c, 3000);
	assert_false(net_coap_client_resumed(c));
	net_coap_client_free(c);
	net_coap_server_stop(s);
}

static void test_body_limit(void **state)
{
	struct net_coap_server *s = start(true);
	struct net_coap_client_config cc = { .host = "localhost", .connect_address = "127.0.0.1", .path = "gsma/rsp2/asn1",
					     .ca_file = cert, .timeout_ms = 60000 };
	struct net_coap_client *c;
	uint8_t *big = calloc(1, 250000), *resp;
	size_t len;
	int code;

	(void)state;
	cc.port = net_coap_server_port(s);
	requests = 0;
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	assert_int_equal(net_coap_client_post(c, big, 250000, &code, &resp, &len), IOT_OK);
	assert_int_equal(code, 413);
	assert_int_equal(requests, 0);
	free(resp);
	net_coap_client_free(c);
	net_coap_server_stop(s);
	free(big);
}

static void test_untrusted_and_gone(void **state)
{
	struct net_coap_server *s = start(true);
	struct net_coap_client_config cc = { .host = "localhost", .connect_address = "127.0.0.1", .path = "gsma/rsp2/asn1",
					     .ca_file = other, .timeout_ms = 3000 };
	struct net_coap_client *c;
	uint8_t *resp;
	size_t len;
	int code;
	uint16_t port = net_coap_server_port(s);

	(void)state;
	cc.port = port;
	requests = 0;
	/* a certificate that does not chain to the trust anchor */
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	assert_int_equal(net_coap_client_post(c, (const uint8_t *)"x", 1, &code, &resp, &len), IOT_E_IO);
	net_coap_client_free(c);
	/* the right anchor but another name */
	cc.ca_file = cert;
	cc.host = "eim.example.com";
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	assert_int_equal(net_coap_client_post(c, (const uint8_t *)"x", 1, &code, &resp, &len), IOT_E_IO);
	net_coap_client_free(c);
	assert_int_equal(requests, 0);
	/* nobody there any more */
	net_coap_server_stop(s);
	cc.host = "localhost";
	cc.timeout_ms = 1500;
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	assert_int_equal(net_coap_client_post(c, (const uint8_t *)"x", 1, &code, &resp, &len), IOT_E_IO);
	net_coap_client_free(c);
}

/* openssl s_client over DTLS against a server of ours: 0 when the handshake went through. */
static int s_client(uint16_t port, const char *how)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "timeout 60 openssl s_client -connect 127.0.0.1:%u %s </dev/null >/dev/null 2>&1",
		 port, how);
	return system(cmd);
}

/* SGP.22 2.6.6: DTLS 1.2, no CBC-SHA suites; what is allowed still goes through. */
static void test_tls_floor(void **state)
{
	struct net_coap_server *s = start(true);
	uint16_t port = net_coap_server_port(s);

	(void)state;
	assert_int_equal(s_client(port, "-dtls1_2"), 0);
	assert_int_not_equal(s_client(port, "-dtls1 -cipher DEFAULT:@SECLEVEL=0"), 0);
	assert_int_not_equal(s_client(port, "-dtls1_2 -cipher ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA"), 0);
	net_coap_server_stop(s);
}

static void test_client_certificates(void **state)
{
	struct net_coap_server_config sc = { .path = "gsma/rsp2/asn1", .handler = twice, .cert_file = cert,
					     .key_file = key, .client_ca_file = client };
	struct net_coap_client_config cc = { .host = "localhost", .connect_address = "127.0.0.1", .path = "gsma/rsp2/asn1",
					     .ca_file = cert, .timeout_ms = 3000 };
	struct net_coap_server *s;
	struct net_coap_client *c;
	uint8_t *resp;
	size_t len;
	int code;

	(void)state;
	assert_int_equal(net_coap_server_start(&sc, &s), IOT_OK);
	cc.port = net_coap_server_port(s);
	requests = 0;
	/* no certificate, then one its CA did not issue: no handshake, nothing handled */
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	assert_int_equal(net_coap_client_post(c, (const uint8_t *)"x", 1, &code, &resp, &len), IOT_E_IO);
	net_coap_client_free(c);
	cc.cert_file = cert;
	cc.key_file = key;
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	assert_int_equal(net_coap_client_post(c, (const uint8_t *)"x", 1, &code, &resp, &len), IOT_E_IO);
	net_coap_client_free(c);
	assert_int_equal(requests, 0);
	/* the one it trusts */
	cc.cert_file = client;
	cc.key_file = client_key;
	cc.timeout_ms = 60000;
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	exchange(c, 100);
	net_coap_client_free(c);
	assert_int_equal(requests, 1);
	net_coap_server_stop(s);
}

static void test_plain(void **state)
{
	struct net_coap_server *s = start(false);
	struct net_coap_client_config cc = { .host = "localhost", .connect_address = "127.0.0.1", .path = "gsma/rsp2/asn1",
					     .plain = true, .timeout_ms = 60000 };
	struct net_coap_client *c;

	(void)state;
	cc.port = net_coap_server_port(s);
	assert_int_equal(net_coap_client_new(&cc, &c), IOT_OK);
	exchange(c, 5000);
	net_coap_client_free(c);
	net_coap_server_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtls_block_wise),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_untrusted_and_gone),
		cmocka_unit_test(test_client_certificates),
		cmocka_unit_test(test_tls_floor),
		cmocka_unit_test(test_plain),
	};

	return cmocka_run_group_tests_name("lib/net CoAP", tests, setup, teardown);
}
