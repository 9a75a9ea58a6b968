/* A webhook receiver for the tests: HTTPS on loopback, each POST's
 * X-Iotrsp-Signature checked against HMAC-SHA256 of its body under the
 * shared key, one line per delivery in the output file ("ok ID BODY" or
 * "bad-signature ID BODY"). The first --fail-first deliveries are answered
 * 503, so that the sender's retries are seen.
 *
 *   webhook_sink --cert PEM --key PEM --hmac-key KEY --out FILE [--fail-first N]
 *
 * Prints "port=N" once listening; stops on SIGTERM. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hex.h"
#include "base/sig.h"
#include "crypto/crypto.h"
#include "net/http.h"

static const char *hmac_key;
static FILE *out;
static int fail_first;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void handle(void *ctx, const struct http_request *q, struct http_response *r)
{
	const char *sig = http_request_header(q, "X-Iotrsp-Signature"), *id = http_request_header(q, "X-Iotrsp-Delivery");
	uint8_t mac[CRYPTO_SHA256_LEN];
	char want[80] = "sha256=";
	bool ok;

	(void)ctx;
	if (strcmp(q->method, "POST") || strcmp(q->path, "/hook")) {
		r->status = 404;
		return;
	}
	ok = crypto_hmac_sha256((const uint8_t *)hmac_key, strlen(hmac_key), q->body, q->body_len, mac) == IOT_OK;
	hex_encode(mac, sizeof(mac), want + 7);
	for (char *c = want + 7; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'F' ? *c + 32 : *c);
	ok = ok && sig && !strcmp(sig, want);
	pthread_mutex_lock(&lock);
	if (fail_first > 0) {
		fail_first--;
		pthread_mutex_unlock(&lock);
		r->status = 503;
		return;
	}
	fprintf(out, "%s %s %.*s\n", ok ? "ok" : "bad-signature", id ? id : "-", (int)q->body_len, (const char *)q->body);
	fflush(out);
	pthread_mutex_unlock(&lock);
	r->status = ok ? 204 : 401;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "cert", required_argument, 0, 'c' }, { "key", required_argument, 0, 'k' },
					      { "hmac-key", required_argument, 0, 'h' }, { "out", required_argument, 0, 'o' },
					      { "fail-first", required_argument, 0, 'f' }, { 0, 0, 0, 0 } };
	struct http_server_config c = { .handler = handle, .threads = 2 };
	struct http_server *s;
	sigset_t sigs;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': c.cert_file = optarg; break;
		case 'k': c.key_file = optarg; break;
		case 'h': hmac_key = optarg; break;
		case 'o': out = fopen(optarg, "a"); break;
		case 'f': fail_first = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!hmac_key || !out || !c.cert_file || !c.key_file) {
		fprintf(stderr, "usage: webhook_sink --cert PEM --key PEM --hmac-key KEY --out FILE [--fail-first N]\n");
		return 2;
	}
	sig_block_daemon(&sigs, false);
	if (http_server_start(&c, &s) != IOT_OK) {
		fprintf(stderr, "webhook_sink: cannot listen\n");
		return 1;
	}
	printf("port=%u\n", http_server_port(s));
	fflush(stdout);
	(void)sig_wait_daemon(&sigs);
	http_server_stop(s);
	fclose(out);
	return 0;
}
