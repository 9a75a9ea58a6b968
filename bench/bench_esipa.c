/* Bytes on the wire of ESipa with and without minimizeEsipaBytes (SGP.32),
 * and in the JSON binding (SGP.32 6.4) next to the ASN.1 one:
 * the real eIM (eimd's server, HTTPS), a real SM-DP+ behind it, a software
 * eUICC and libipa. For a full indirect download of a 12 KB profile and a
 * PSMO round trip (an enable whose result carries the enable and disable
 * notifications): the ESipa messages' bytes, and the TLS records' bytes on
 * a kept connection (handshake excluded: the same either way). Then inject
 * mode: operations queued over the REST API and pushed to the device's
 * HTTPS server (mutual TLS), latency from the REST call to the result
 * recorded, and the bytes of each push. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <time.h>

#include "base/log.h"
#include "eim/eim.h"
#include "eim/server.h"
#include "ipacore/ipa.h"
#include "net/coap.h"
#include "net/esipa_json.h"
#include "net/http.h"
#include "rsp/rsp.h"
#include "smdp/server.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"

static struct euicc *euicc;
static struct http_client *hc;
static char url[160], base_url[128];
static bool use_json;                   /* the device speaks ESipa's JSON binding */
static struct net_coap_client *cc;      /* ESipa over CoAP/DTLS instead of HTTPS */
static bool use_coap;
static uint64_t esipa_up, esipa_down;
static struct ipa *pushed_ipa;          /* the device taking pushes */
static pthread_mutex_t ipa_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t push_down, push_up, pushes;

/* The device's inject server: each push to libipa, one at a time. */
static void on_push(void *ctx, const struct http_request *q, struct http_response *r)
{
	uint8_t *resp = NULL;
	size_t n = 0;

	(void)ctx;
	pthread_mutex_lock(&ipa_lock);
	if (ipa_transfer_eim_package(pushed_ipa, false, q->body, q->body_len, &resp, &n) == IOT_OK) {
		http_response_set(r, 200, "application/x-gsma-rsp-asn1", resp, n);
		push_down += q->body_len;
		push_up += n;
		pushes++;
	} else {
		r->status = 500;
	}
	pthread_mutex_unlock(&ipa_lock);
	free(resp);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* An operation over the REST API, as an operator queues it: its id. */
static int64_t rest_operation(struct http_client *api, const char *base, const char *json)
{
	static const char *const headers[] = { "Content-Type: application/json", "Authorization: Bearer bench-secret",
					       NULL };
	char u[200];
	uint8_t *resp;
	size_t n;
	int status;
	long long id = 0;

	snprintf(u, sizeof(u), "%s/api/v1/euiccs/%s/operations", base, FIXTURE_EID);
	if (http_client_post(api, u, headers, (const uint8_t *)json, strlen(json), &status, &resp, &n) != IOT_OK ||
	    status != 201)
		abort();
	if (sscanf((const char *)resp, "{\"id\":%lld", &id) != 1)
		abort();
	free(resp);
	return id;
}

static enum eim_op_state state_of(struct eim *eim, int64_t id)
{
	struct eim_op op;
	enum eim_op_state st;

	if (eim_op_get(eim, id, &op) != IOT_OK)
		abort();
	st = op.state;
	eim_op_free(&op);
	return st;
}

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	(void)ctx;
	return euicc_transmit(euicc, apdu, len, resp, cap, resp_len);
}

/* The JSON binding: the bytes counted are the JSON texts on the wire. */
static iot_err json_post(void *ctx, const struct esipa_json_function *f, const char *text, size_t len, int *status,
			 uint8_t **body, size_t *body_len)
{
	static const char *const headers[] = { "Content-Type: application/json;charset=UTF-8",
					       "User-Agent: gsma-rsp-ipad", "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	char to[200];
	iot_err err;

	(void)ctx;
	if (use_coap) {
		snprintf(to, sizeof(to), ESIPA_JSON_COAP_PATH "%s", f->name);
		err = net_coap_client_post_to(cc, to, (const uint8_t *)text, len, status, body, body_len);
		if (err == IOT_OK && *status / 100 == 2)
			*status = *body_len ? 200 : 204;        /* 2.04 with the answer, or none */
	} else {
		snprintf(to, sizeof(to), "%s" ESIPA_JSON_PATH "%s", base_url, f->name);
		err = http_client_post(hc, to, headers, (const uint8_t *)text, len, status, body, body_len);
	}
	if (err == IOT_OK) {
		esipa_up += len;
		esipa_down += *body_len;
	}
	return err;
}

static iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-ipad",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	int status = 0;
	iot_err err;

	(void)ctx;
	(void)e;
	if (use_json)
		return esipa_json_exchange(req, len, json_post, NULL, resp, resp_len);
	if (use_coap) {
		err = net_coap_client_post(cc, req, len, &status, resp, resp_len);
		if (err == IOT_OK && status / 100 == 2)
			status = 200;
	} else {
		err = http_client_post(hc, url, headers, req, len, &status, resp, resp_len);
	}
	if (err == IOT_OK && status != 200 && status != 204) {
		free(*resp);
		return IOT_E_IO;
	}
	if (err == IOT_OK) {
		esipa_up += len;
		esipa_down += *resp_len;
	}
	return err;
}

static iot_err reset(void *ctx)
{
	(void)ctx;
	euicc_reset(euicc);
	return IOT_OK;
}

struct measure {
	uint64_t up, down, wire_up, wire_down;
};

/* One poll (the eIM's operations waiting), measured. */
static void measured_poll(struct ipa *ipa, struct measure *m)
{
	uint64_t s0, r0, s1, r1;

	esipa_up = esipa_down = 0;
	if (use_coap)
		net_coap_client_wire_bytes(cc, &s0, &r0);
	else
		http_client_wire_bytes(hc, &s0, &r0);
	if (ipa_poll(ipa) != IOT_OK)
		abort();
	if (use_coap)
		net_coap_client_wire_bytes(cc, &s1, &r1);
	else
		http_client_wire_bytes(hc, &s1, &r1);
	*m = (struct measure){ esipa_up, esipa_down, s1 - s0, r1 - r0 };
}

static void wait_done(struct eim *eim, int64_t id)
{
	struct eim_op op;

	if (eim_op_get(eim, id, &op) != IOT_OK || op.state != EIM_DONE) {
		fprintf(stderr, "bench_esipa: operation %lld not done (state %d)\n", (long long)id, (int)op.state);
		abort();
	}
	eim_op_free(&op);
}

static int64_t queue_enable(struct eim *eim, const uint8_t *iccid)
{
	struct rsp_euicc_package pkg = { .choice = RSP_PACKAGE_PSMO_LIST };
	struct rsp_psmo p = { .choice = RSP_PSMO_ENABLE };
	uint8_t *der;
	size_t len;
	int64_t id;

	p.u.enable.iccid = RSP_BYTES(iccid, 10);
	pkg.u.psmo_list.items = &p;
	pkg.u.psmo_list.count = 1;
	if (rsp_encode_alloc(&rsp_t_euicc_package, &pkg, &der, &len) != IOT_OK ||
	    eim_op_create(eim, FIXTURE_EID, EIM_OP_PSMO, der, len, &id) != IOT_OK)
		abort();
	free(der);
	return id;
}

/* A download of iccid through the eIM (measured when m). */
static void download(struct eim *eim, struct smdp *dp, struct ipa *ipa, const uint8_t *iccid, const char *mid,
		     struct measure *m)
{
	uint8_t got[10];
	char ac[96], made[65];
	int64_t id;
	struct measure ignored;

	snprintf(ac, sizeof(ac), "LPA:1$" ADDRESS "$%s", mid);
	if (smdp_download_order(dp, "op", iccid, NULL, got, NULL) != IOT_OK ||
	    smdp_confirm_order(dp, "op", iccid, NULL, mid, NULL, true, made, NULL) != IOT_OK ||
	    eim_op_create(eim, FIXTURE_EID, EIM_OP_DOWNLOAD, (const uint8_t *)ac, strlen(ac), &id) != IOT_OK)
		abort();
	measured_poll(ipa, m ? m : &ignored);
	wait_done(eim, id);
}

static void enable(struct eim *eim, struct ipa *ipa, const uint8_t *iccid, struct measure *m)
{
	struct measure ignored;
	int64_t id = queue_enable(eim, iccid);

	measured_poll(ipa, m ? m : &ignored);
	wait_done(eim, id);
}

#define MODES 5
/* 0: the ASN.1 binding over HTTPS; 1: with minimizeEsipaBytes (then inject
 * mode); 2: the JSON binding over HTTPS; 3, 4: ASN.1 and JSON over CoAP/DTLS */
static const char *const mode_names[MODES] = { "asn1", "asn1 min", "json", "asn1", "json" };
static const char *const mode_transports[MODES] = { "HTTPS", "HTTPS", "HTTPS", "CoAPs", "CoAPs" };

static void print_row(const char *what, int mode, const struct measure *m)
{
	printf("  %-30s %-6s %-9s %8llu %8llu %8llu %8llu %8llu\n", what, mode_transports[mode], mode_names[mode],
	       (unsigned long long)m->up, (unsigned long long)m->down, (unsigned long long)m->wire_up,
	       (unsigned long long)m->wire_down, (unsigned long long)(m->wire_up + m->wire_down));
}

#define PUSHED_OPS 50

/* Inject mode: the eUICC's configuration of the eIM allows it (updateEim by
 * poll), the device serves HTTPS, the eIM pushes; PUSHED_OPS getRAT PSMOs
 * queued over REST one after the other, each timed to its recorded result. */
static void inject_phase(struct eim_server *srv, struct eim *eim, const struct fixture_pki *pki, const char *eim_cert)
{
	char dev_cert[300], dev_key[300], address[64], base[64];
	struct http_server_config hs = { .threads = 1, .handler = on_push };
	struct http_client_config ac = { .ca_file = eim_cert, .timeout_ms = 30000 };
	struct http_server *dev;
	struct http_client *api;
	double lat[PUSHED_OPS], t0;
	int64_t id;

	snprintf(dev_cert, sizeof(dev_cert), "%s/device-tls.pem", pki->dir);
	snprintf(dev_key, sizeof(dev_key), "%s/device-tls.key", pki->dir);
	hs.cert_file = dev_cert;
	hs.key_file = dev_key;
	hs.client_ca_file = eim_cert;
	if (http_server_start(&hs, &dev) != IOT_OK || http_client_new(&ac, &api) != IOT_OK)
		abort();
	snprintf(base, sizeof(base), "https://localhost:%u", eim_server_https_port(srv));
	/* the device polls in the ASN.1 binding over HTTPS, the one it takes
	 * pushes in: the eIM pushes in the binding of the device's last poll
	 * (the last mode's was JSON over CoAPs) */
	use_json = false;
	use_coap = false;
	id = rest_operation(api, base, "{\"ecos\":[{\"updateEim\":{\"eimId\":\"eim.iotrsp.test\","
				       "\"eimSupportedProtocol\":[\"retrieveHttps\",\"injectHttps\"]}}]}");
	pthread_mutex_lock(&ipa_lock);
	if (ipa_poll(pushed_ipa) != IOT_OK)
		abort();
	pthread_mutex_unlock(&ipa_lock);
	wait_done(eim, id);
	/* the poll's binding recorded (the eIM writes its polls' bookkeeping
	 * in batches) before the first push asks which one to use */
	if (eim_server_flush_polls(srv) != IOT_OK)
		abort();
	snprintf(address, sizeof(address), "https://localhost:%u", http_server_port(dev));
	if (eim_euicc_set_inject(eim, FIXTURE_EID, address) != IOT_OK)
		abort();
	for (int i = 0; i < PUSHED_OPS; i++) {
		t0 = now_ms();
		id = rest_operation(api, base, "{\"psmos\":[{\"getRAT\":{}}]}");
		while (state_of(eim, id) != EIM_DONE) {
			struct timespec w = { 0, 200000 };

			if (now_ms() - t0 > 20000)
				abort();
			nanosleep(&w, NULL);
		}
		lat[i] = now_ms() - t0;
	}
	qsort(lat, PUSHED_OPS, sizeof(lat[0]), cmp_double);
	printf("\n== esipa inject mode: a getRAT PSMO queued over REST, pushed over HTTPS (mutual TLS, the eIM's\n"
	       "   connection kept), run on the eUICC, its signed result recorded (%d in a row, no polls)\n", PUSHED_OPS);
	printf("  latency REST call -> result recorded: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	       lat[PUSHED_OPS / 2], lat[PUSHED_OPS * 9 / 10], lat[PUSHED_OPS * 99 / 100], lat[PUSHED_OPS - 1]);
	printf("  per operation (ESipa, pushes and their answers incl. the acknowledgement push): %.0f B down, %.0f B up"
	       " (%llu pushes)\n", (double)push_down / PUSHED_OPS, (double)push_up / PUSHED_OPS,
	       (unsigned long long)pushes);
	http_client_free(api);
	http_server_stop(dev);
}

int main(void)
{
	static const uint8_t md_boot[] = { 0xBF, 0x25, 0x17, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01,
					   0x91, 0x02, 'O', 'p', 0x92, 0x02, 'B', 'P', 0x95, 0x01, 0x01 };
	static uint8_t upp[12 * 1024];
	struct fixture_pki pki;
	struct smdp_credentials creds;
	struct smdp_server_config ss = { 0 };
	struct smdp_server *smdp_https;
	struct smdp *dp;
	struct eim_server_config sc = { 0 };
	struct eim_server *srv;
	struct eim *eim;
	struct http_client_config hcc = { .timeout_ms = 30000 };
	const char *cis[1], *connects[1];
	char db[220], eim_db[220], smdp_cert[200], smdp_key[200], eim_cert[200], eim_key[200], connect[128];
	static char dev_cert[200], dev_key[200];
	struct eim_api_key key;
	struct measure dl[MODES], en[MODES], idle[MODES];
	uint8_t iccids[MODES + 1][10];  /* one per mode, the last for the setup */
	int64_t id = 0;
	iot_err err;

	log_set_level(LOG_ERROR);
	fixture_pki_make(&pki, CRYPTO_P256);
	fixture_tls_cert_for(ADDRESS, pki.dir, "smdp-tls", smdp_cert, sizeof(smdp_cert), smdp_key, sizeof(smdp_key));
	fixture_tls_cert_for("localhost", pki.dir, "eim-tls", eim_cert, sizeof(eim_cert), eim_key, sizeof(eim_key));
	snprintf(db, sizeof(db), "sqlite:%s/smdp.db", pki.dir);
	snprintf(eim_db, sizeof(eim_db), "sqlite:%s/eim.db", pki.dir);
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	ss.smdp = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db };
	ss.http = (struct http_server_config){ .cert_file = smdp_cert, .key_file = smdp_key, .threads = 2 };
	if ((err = smdp_server_start(&ss, &smdp_https)) != IOT_OK || (err = smdp_open(&ss.smdp, &dp)) != IOT_OK) {
		fprintf(stderr, "bench_esipa: the SM-DP+ does not start: %s\n", iot_strerror(err));
		abort();
	}
	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 13);
	snprintf(connect, sizeof(connect), ADDRESS ":443:127.0.0.1:%u", smdp_server_port(smdp_https));
	cis[0] = pki.ci;
	connects[0] = connect;
	sc.eim = (struct eim_config){ .eim_id = "eim.iotrsp.test", .fqdn = "eim.iotrsp.test", .key_file = pki.eim_key,
				      .cert_file = pki.eim_cert, .ci_files = cis, .ci_count = 1, .store_url = eim_db,
				      .smdp_ca = smdp_cert, .connect = connects, .connect_count = 1 };
	sc.http = (struct http_server_config){ .cert_file = eim_cert, .key_file = eim_key, .threads = 2 };
	sc.coap = (struct net_coap_server_config){ .cert_file = eim_cert, .key_file = eim_key };
	/* inject mode: the device's certificate is its own anchor; the eIM pushes with its TLS one */
	fixture_tls_cert_for("localhost", pki.dir, "device-tls", dev_cert, sizeof(dev_cert), dev_key, sizeof(dev_key));
	sc.eim.inject_ca = dev_cert;
	sc.eim.inject_cert_file = eim_cert;
	sc.eim.inject_key_file = eim_key;
	if (eim_api_key_parse("operator:bench:bench-secret", &key) != IOT_OK)
		abort();
	sc.keys = &key;
	sc.key_count = 1;
	if ((err = eim_server_start(&sc, &srv)) != IOT_OK || (err = eim_open(&sc.eim, &eim)) != IOT_OK) {
		fprintf(stderr, "bench_esipa: the eIM does not start: %s\n", iot_strerror(err));
		abort();
	}
	hcc.ca_file = eim_cert;
	if (http_client_new(&hcc, &hc) != IOT_OK)
		abort();
	snprintf(base_url, sizeof(base_url), "https://localhost:%u", eim_server_https_port(srv));
	snprintf(url, sizeof(url), "%s/gsma/rsp2/asn1", base_url);
	{
		struct net_coap_client_config c = { .host = "localhost", .connect_address = "127.0.0.1",
						    .port = eim_server_coap_port(srv), .path = "gsma/rsp2/asn1",
						    .ca_file = eim_cert, .timeout_ms = 30000 };

		if (net_coap_client_new(&c, &cc) != IOT_OK)
			abort();
	}
	euicc = fixture_euicc(&pki);
	if (euicc_preload_profile(euicc, md_boot, sizeof(md_boot), (const uint8_t *)"b", 1, true) != IOT_OK ||
	    eim_euicc_register(eim, FIXTURE_EID, NULL) != IOT_OK)
		abort();
	for (int i = 0; i < MODES + 1; i++) {
		struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A",
						  .profile_name = "IoT", .profile_class = 2,
						  .notification_address = ADDRESS };

		memcpy(iccids[i], "\x98\x94\x44\x99\x99\x99\x99\x09\x20\xF3", 10);
		iccids[i][8] = (uint8_t)(0x20 + 0x10 * i);
		if (smdp_add_profile(dp, iccids[i], &info, upp, sizeof(upp)) != IOT_OK)
			abort();
	}
	for (int m = 0; m < MODES; m++) {
		char mid[16];

		struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .reset = reset };
		struct ipa_config c = { .minimize_esipa_bytes = m == 1, .inject_https = m == 1 };
		struct ipa *ipa;
		uint8_t *req;
		const uint8_t *resp;
		size_t n, len;

		use_json = m == 2 || m == 4;
		use_coap = m >= 3;
		if (ipa_new(&p, &c, &ipa) != IOT_OK)
			abort();
		if (m == 0) {
			/* the factory's AddInitialEim, the first contact (certificates, capabilities),
			 * then an operational profile enabled so that each measured enable disables
			 * one: its result carries two notifications */
			if (eim_initial_eim_request(eim, &req, &n) != IOT_OK || ipa_es10(ipa, req, n, &resp, &len) != IOT_OK)
				abort();
			free(req);
			if (ipa_poll(ipa) != IOT_OK)
				abort();
			download(eim, dp, ipa, iccids[MODES], "BENCH-SETUP", NULL);
			enable(eim, ipa, iccids[MODES], NULL);
		} else {
			/* the eIM learns the IPA's features again */
			if (eim_op_create(eim, FIXTURE_EID, EIM_OP_DATA, (const uint8_t *)"\xA8", 1, &id) != IOT_OK ||
			    ipa_poll(ipa) != IOT_OK)
				abort();
			wait_done(eim, id);
		}
		snprintf(mid, sizeof(mid), "BENCH-%d", m);
		download(eim, dp, ipa, iccids[m], mid, &dl[m]);
		enable(eim, ipa, iccids[m], &en[m]);
		measured_poll(ipa, &idle[m]);   /* nothing waits: noEimPackageAvailable */
		if (m == 1)
			pushed_ipa = ipa;
		else
			ipa_free(ipa);
	}
	use_json = use_coap = false;
	printf("== esipa: bytes in the ASN.1 binding with and without minimizeEsipaBytes (SGP.32 compact\n"
	       "   messages) and in the JSON binding (SGP.32 6.4); the real eIM over HTTPS and CoAP/DTLS\n"
	       "   (kept session, handshake excluded), P-256,\n"
	       "   12 KB profile; (D)TLS: the record bytes\n");
	printf("  %-30s %-6s %-9s %8s %8s %8s %8s %8s\n", "", "", "", "ESipa up", "down", "TLS up", "down", "total");
	for (int m = 0; m < MODES; m++)
		print_row("indirect download (one poll)", m, &dl[m]);
	for (int m = 0; m < MODES; m++)
		print_row("enable PSMO + 2 notifications", m, &en[m]);
	for (int m = 0; m < MODES; m++)
		print_row("empty poll", m, &idle[m]);
	printf("  saved up: download %lld B (%.0f %%), PSMO round trip %lld B (%.0f %%)\n",
	       (long long)dl[0].wire_up - (long long)dl[1].wire_up,
	       100.0 * ((double)dl[0].wire_up - (double)dl[1].wire_up) / (double)dl[0].wire_up,
	       (long long)en[0].wire_up - (long long)en[1].wire_up,
	       100.0 * ((double)en[0].wire_up - (double)en[1].wire_up) / (double)en[0].wire_up);
	inject_phase(srv, eim, &pki, eim_cert);
	ipa_free(pushed_ipa);
	http_client_free(hc);
	net_coap_client_free(cc);
	euicc_free(euicc);
	eim_close(eim);
	eim_server_stop(srv);
	smdp_close(dp);
	smdp_server_stop(smdp_https);
	fixture_pki_remove(&pki);
	return 0;
}
