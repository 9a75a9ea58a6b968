/* libipa's figures: bytes on the wire in both directions (TLS and DTLS
 * records, handshakes included; IP/UDP/TCP headers not) for an empty poll,
 * an enable PSMO round trip and an indirect download of a 12 KB profile,
 * over HTTPS and over CoAP/DTLS: with a new secure session per poll (full
 * handshake), with a new connection or DTLS session resuming the last one
 * (abbreviated handshake, session ticket), and with the session kept from
 * the poll before; and the peak heap libipa itself holds during
 * the download (the platform's and the eIM's allocations not counted).
 * The eIM is played in-process (tests/unit/eim_side.c) behind lib/net's
 * servers; the eUICC is the software one. Usage: bench_ipa */
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "fixture.h"
#include "eim_side.h"

#include "base/log.h"
#include "ipacore/ipa.h"
#include "net/coap.h"
#include "net/http.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"

/* ---- libipa's own heap: counted on the main thread outside the platform ---- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static __thread bool counting;
static __thread int in_platform;
static size_t heap_now, heap_peak, heap_allocs;

static void count_add(void *p)
{
	if (p && counting && !in_platform) {
		heap_now += malloc_usable_size(p);
		if (heap_now > heap_peak)
			heap_peak = heap_now;
	}
}

static void count_sub(void *p)
{
	if (p && counting && !in_platform) {
		size_t n = malloc_usable_size(p);

		heap_now = heap_now > n ? heap_now - n : 0;
	}
}

static void count_alloc(void)
{
	if (counting && !in_platform)
		heap_allocs++;
}

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);

	count_add(p);
	count_alloc();
	return p;
}

void *calloc(size_t n, size_t m)
{
	void *p = __libc_calloc(n, m);

	count_add(p);
	count_alloc();
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p;

	count_sub(old);
	p = __libc_realloc(old, n);
	count_add(p ? p : old);
	count_alloc();
	return p;
}

void free(void *p)
{
	count_sub(p);
	__libc_free(p);
}

/* ---- a UDP relay that counts what crosses it ---- */

struct relay {
	int down, up;                   /* facing the client, facing the server */
	struct sockaddr_in client, server;
	bool have_client;
	atomic_ullong to_server, to_client;
	atomic_bool stop;
	pthread_t thread;
	uint16_t port;
};

static void *relay_run(void *arg)
{
	struct relay *r = arg;
	uint8_t buf[65536];

	while (!atomic_load(&r->stop)) {
		struct pollfd p[2] = { { r->down, POLLIN, 0 }, { r->up, POLLIN, 0 } };
		socklen_t len = sizeof(r->client);
		ssize_t n;

		if (poll(p, 2, 50) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			n = recvfrom(r->down, buf, sizeof(buf), 0, (struct sockaddr *)&r->client, &len);
			if (n > 0) {
				r->have_client = true;
				atomic_fetch_add(&r->to_server, (unsigned long long)n);
				sendto(r->up, buf, (size_t)n, 0, (struct sockaddr *)&r->server, sizeof(r->server));
			}
		}
		if (p[1].revents & POLLIN) {
			n = recv(r->up, buf, sizeof(buf), 0);
			if (n > 0 && r->have_client) {
				atomic_fetch_add(&r->to_client, (unsigned long long)n);
				sendto(r->down, buf, (size_t)n, 0, (struct sockaddr *)&r->client, sizeof(r->client));
			}
		}
	}
	return NULL;
}

static void relay_start(struct relay *r, uint16_t server_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	memset(r, 0, sizeof(*r));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->down = socket(AF_INET, SOCK_DGRAM, 0);
	r->up = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(r->down, (struct sockaddr *)&a, sizeof(a)) || getsockname(r->down, (struct sockaddr *)&a, &len))
		abort();
	r->port = ntohs(a.sin_port);
	r->server.sin_family = AF_INET;
	r->server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->server.sin_port = htons(server_port);
	if (connect(r->up, (struct sockaddr *)&r->server, sizeof(r->server)))
		abort();
	pthread_create(&r->thread, NULL, relay_run, r);
}

static void relay_stop(struct relay *r)
{
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	close(r->down);
	close(r->up);
}

/* ---- the eIM side and the device ---- */

static struct fixture_pki pki;
static struct smdp *dp;
static struct eim_side eim;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct euicc *euicc;
static char tls_cert[200], tls_key[200];
static struct http_server *https;
static struct net_coap_server *coap;
static struct relay relay;
static bool use_coaps;
static struct http_client *hc;
static struct net_coap_client *cc;
static char url[128];
static uint8_t record[512];
static size_t record_len;

static void serve(const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len, iot_err *err)
{
	pthread_mutex_lock(&lock);
	*err = eim_side_handle(&eim, req, len, resp, resp_len);
	pthread_mutex_unlock(&lock);
}

static void on_https(void *ctx, const struct http_request *q, struct http_response *r)
{
	uint8_t *resp;
	size_t len;
	iot_err err;

	(void)ctx;
	serve(q->body, q->body_len, &resp, &len, &err);
	http_response_set(r, err ? 503 : len ? 200 : 204, "application/x-gsma-rsp-asn1", resp, err ? 0 : len);
	free(resp);
}

static void on_coap(void *ctx, const char *peer, const char *path, const uint8_t *body, size_t len, struct net_coap_reply *r)
{
	uint8_t *resp;
	size_t n;
	iot_err err;

	(void)ctx;
	(void)peer;
	(void)path;
	serve(body, len, &resp, &n, &err);
	net_coap_reply_set(r, err ? 503 : 204, resp, err ? 0 : n);
	free(resp);
}

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	iot_err err;

	(void)ctx;
	in_platform++;
	err = euicc_transmit(euicc, apdu, len, resp, cap, resp_len);
	in_platform--;
	return err;
}

static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-ipad",
				       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };

static iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	int status;
	iot_err err;

	(void)ctx;
	(void)e;
	in_platform++;
	if (use_coaps)
		err = net_coap_client_post(cc, req, len, &status, resp, resp_len);
	else
		err = http_client_post(hc, url, headers, req, len, &status, resp, resp_len);
	in_platform--;
	/* the answer is libipa's from here on */
	if (err == IOT_OK)
		count_add(*resp);
	return err;
}

static iot_err reset(void *ctx)
{
	(void)ctx;
	euicc_reset(euicc);
	return IOT_OK;
}

static iot_err save(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	if (len)
		memcpy(record, rec, len);
	record_len = len;
	return IOT_OK;
}

static iot_err load(void *ctx, uint8_t *rec, size_t cap, size_t *len)
{
	(void)ctx;
	if (!record_len || record_len > cap)
		return IOT_E_NOT_FOUND;
	memcpy(rec, record, record_len);
	*len = record_len;
	return IOT_OK;
}

static uint64_t now_ms(void *ctx)
{
	(void)ctx;
	return 0;
}

static void new_clients(void)
{
	struct http_client_config h = { .ca_file = tls_cert };
	struct net_coap_client_config c = { .host = "localhost", .connect_address = "127.0.0.1", .port = relay.port,
					    .path = "gsma/rsp2/asn1", .ca_file = tls_cert };

	http_client_free(hc);
	net_coap_client_free(cc);
	if (http_client_new(&h, &hc) != IOT_OK || net_coap_client_new(&c, &cc) != IOT_OK)
		abort();
}

static void wire(uint64_t *up, uint64_t *down)
{
	if (use_coaps) {
		*up = atomic_load(&relay.to_server);
		*down = atomic_load(&relay.to_client);
	} else {
		http_client_wire_bytes(hc, up, down);
	}
}

static int profile_no;

static void add_and_order(uint8_t iccid[10], char *code, size_t cap)
{
	struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A", .profile_name = "IoT",
					  .profile_class = 2, .notification_address = "localhost" };
	static uint8_t upp[12 * 1024];
	char mid[65], want[16];
	uint8_t got[10];

	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 11 + profile_no);
	memcpy(iccid, "\x98\x94\x44\x99\x99\x99\x99\x09\x00\xF0", 10);
	iccid[8] = (uint8_t)(profile_no % 10 << 4 | profile_no / 10 % 10);
	snprintf(want, sizeof(want), "BENCH-%d", profile_no++);
	if (smdp_add_profile(dp, iccid, &info, upp, sizeof(upp)) != IOT_OK ||
	    smdp_download_order(dp, "op", iccid, NULL, got, NULL) != IOT_OK ||
	    smdp_confirm_order(dp, "op", iccid, NULL, want, NULL, true, mid, NULL) != IOT_OK)
		abort();
	snprintf(code, cap, "LPA:1$%s$%s", ADDRESS, want);
}

enum session { NEW_SESSION, RESUMED, KEPT };

/* One poll; its bytes each way. */
static void measured_poll(struct ipa *ipa, enum session how, uint64_t *up, uint64_t *down)
{
	uint64_t u0, d0, u1, d1, cu0, cd0;

	if (how == NEW_SESSION)
		new_clients();          /* a full handshake */
	else if (how == RESUMED && use_coaps)
		net_coap_client_new_session(cc);
	else if (how == RESUMED)
		http_client_new_connection(hc);
	/* what ending the last session sent (DTLS close_notify) crosses the relay first */
	usleep(20000);
	wire(&u0, &d0);
	net_coap_client_wire_bytes(cc, &cu0, &cd0);
	counting = true;
	heap_now = heap_peak = heap_allocs = 0;
	if (ipa_poll(ipa) != IOT_OK)
		abort();
	counting = false;
	wire(&u1, &d1);
	*up = u1 - u0;
	*down = d1 - d0;
	/* the client's own DTLS count agrees with the relay's, once the
	 * client's first session (whose first ClientHello it cannot see) is up */
	if (use_coaps && how != NEW_SESSION) {
		net_coap_client_wire_bytes(cc, &u1, &d1);
		if (u1 - cu0 != *up || d1 - cd0 != *down) {
			fprintf(stderr, "bench_ipa: DTLS bytes counted %llu/%llu, relayed %llu/%llu\n",
				(unsigned long long)(u1 - cu0), (unsigned long long)(d1 - cd0), (unsigned long long)*up,
				(unsigned long long)*down);
			abort();
		}
	}
}

static void enable_profile(const uint8_t *iccid)
{
	struct rsp_psmo enable = { .choice = RSP_PSMO_ENABLE };

	enable.u.enable.iccid = RSP_BYTES(iccid, 10);
	pthread_mutex_lock(&lock);
	eim_side_queue_psmos(&eim, &enable, 1);
	pthread_mutex_unlock(&lock);
}

static void print_row(const char *label, uint64_t up, uint64_t down)
{
	printf("  %-7s %-56s %8llu %8llu %8llu\n", use_coaps ? "CoAPs" : "HTTPS", label, (unsigned long long)up,
	       (unsigned long long)down, (unsigned long long)(up + down));
}

int main(void)
{
	struct http_server_config hs = { .threads = 2, .handler = on_https };
	struct net_coap_server_config cs = { .path = "gsma/rsp2/asn1", .handler = on_coap };
	struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .save = save, .load = load, .now_ms = now_ms,
				  .reset = reset };
	struct smdp_credentials creds;
	struct smdp_config sc;
	struct ipa *ipa;
	char db[220], code[128];
	size_t n, len;
	const uint8_t *resp;
	uint8_t *req, iccid[10];
	size_t peak_download = 0, allocs_empty = 0, allocs_psmo = 0, allocs_download = 0;

	log_set_level(LOG_ERROR);
	fixture_pki_make(&pki, CRYPTO_P256);
	fixture_tls_cert(pki.dir, "tls", tls_cert, sizeof(tls_cert), tls_key, sizeof(tls_key));
	snprintf(db, sizeof(db), "sqlite:%s/smdp.db", pki.dir);
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	sc = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db };
	if (smdp_open(&sc, &dp) != IOT_OK)
		abort();
	euicc = fixture_euicc(&pki);
	eim_side_init(&eim, CRYPTO_P256, euicc_eid(euicc));
	eim.fqdn = "localhost";
	eim.dp = dp;
	eim.smdp_address = ADDRESS;
	eim.indirect = true;
	hs.cert_file = cs.cert_file = tls_cert;
	hs.key_file = cs.key_file = tls_key;
	if (http_server_start(&hs, &https) != IOT_OK || net_coap_server_start(&cs, &coap) != IOT_OK)
		abort();
	relay_start(&relay, net_coap_server_port(coap));
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/asn1", http_server_port(https));
	new_clients();
	if (ipa_new(&p, NULL, &ipa) != IOT_OK)
		abort();
	eim_side_add_initial_eim_request(&eim, false, &req, &n);
	if (ipa_es10(ipa, req, n, &resp, &len) != IOT_OK)
		abort();
	eim_side_set_token(&eim, resp, len);
	free(req);

	/* a first download and switch, unmeasured, so that every measured
	 * enable disables an operational profile too (two notifications) */
	add_and_order(iccid, code, sizeof(code));
	eim_side_queue_pdt(&eim, code);
	enable_profile(iccid);
	if (ipa_poll(ipa) != IOT_OK || eim.pdt_installed != 1)
		abort();

	printf("== ipa: bytes on the wire per poll (TLS/DTLS records incl. handshakes, not IP/TCP/UDP headers;\n"
	       "   P-256; 12 KB profile; the enable's result carries the enable and disable notifications)\n");
	printf("  %-7s %-56s %8s %8s %8s\n", "ESipa", "poll", "up B", "down B", "total B");
	for (int t = 0; t < 2; t++) {
		use_coaps = t == 1;
		for (int h = 0; h < 3; h++) {
			static const char *const names[2][3] = {
				{ "new TLS session", "new TCP conn., TLS session resumed", "TLS connection kept" },
				{ "new DTLS session", "new DTLS session, resumed", "DTLS session kept" } };
			const char *how = names[t][h];
			uint64_t up, down;
			char label[80];

			measured_poll(ipa, NEW_SESSION, &up, &down);    /* warm: a session to resume or keep */
			measured_poll(ipa, (enum session)h, &up, &down);
			snprintf(label, sizeof(label), "empty poll, %s", how);
			print_row(label, up, down);
			allocs_empty = heap_allocs;

			add_and_order(iccid, code, sizeof(code));
			eim_side_queue_pdt(&eim, code);
			measured_poll(ipa, (enum session)h, &up, &down);
			if (heap_peak > peak_download)
				peak_download = heap_peak;
			allocs_download = heap_allocs;
			snprintf(label, sizeof(label), "indirect download, %s", how);
			print_row(label, up, down);

			enable_profile(iccid);
			measured_poll(ipa, (enum session)h, &up, &down);
			snprintf(label, sizeof(label), "enable PSMO, %s", how);
			print_row(label, up, down);
			allocs_psmo = heap_allocs;
		}
	}
	if (eim.pdt_installed != 7)
		abort();
	printf("\n== ipa: libipa's own heap (the transport's answers, handed over, counted as held; its buffers\n"
	       "   fixed at creation not: working 16 KiB + messages 8 KiB + arena 16 KiB)\n");
	printf("  allocations per poll: empty %zu, enable PSMO %zu, indirect download %zu\n", allocs_empty, allocs_psmo,
	       allocs_download);
	printf("  peak held during an indirect download of a 12 KB profile: %zu bytes\n", peak_download);
	ipa_free(ipa);
	http_client_free(hc);
	net_coap_client_free(cc);
	relay_stop(&relay);
	http_server_stop(https);
	net_coap_server_stop(coap);
	eim_side_free(&eim);
	euicc_free(euicc);
	smdp_close(dp);
	fixture_pki_remove(&pki);
	return 0;
}
