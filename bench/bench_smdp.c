/* Full ES9+ downloads per second through smdpd's server over HTTPS on
 * loopback (the ASN.1 binding, keep-alive connections), 12 KB profiles,
 * both curves, 1 and 4 concurrent clients; each client an LPA driving its
 * own software eUICC through APDUs. Prints throughput, latency percentiles
 * and bytes on the wire. Usage: bench_smdp [DOWNLOADS_PER_RUN] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "fixture.h"

#include "net/http.h"
#include "rsp/rsp.h"
#include "smdp/server.h"

#define ADDRESS "smdp.iotrsp.test"
#define PROFILE_LEN (12 * 1024)

static struct fixture_pki pki;
static char url[128], tls_cert[200], tls_key[200];
static atomic_int next_order;
static int orders;
static int run_id;

struct client {
	pthread_t thread;
	double *latency_ms;
	int done;
	size_t bytes_out, bytes_in;
	int failures;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct link {
	struct euicc *e;
	struct http_client *http;
	uint8_t resp[65536];
	size_t resp_len;
	struct client *c;
};

static int es10(struct link *l, const uint8_t *req, size_t n)
{
	return es10_apdus(l->e, req, n, 255, l->resp, sizeof(l->resp), &l->resp_len, NULL) == 0x9000 ? 0 : -1;
}

static int post(struct link *l, const uint8_t *req, size_t n, uint8_t **out, size_t *out_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	int status = 0;

	*out = NULL;
	if (http_client_post(l->http, url, headers, req, n, &status, out, out_len) != IOT_OK ||
	    (status != 200 && status != 204))
		return -1;
	l->c->bytes_out += n;
	l->c->bytes_in += *out_len;
	return 0;
}

/* What the eUICC said, relayed: A2 { tag { 80 txid, it } }; HandleNotification
 * takes it inside [0]. */
static int relay(struct link *l, uint32_t tag, const uint8_t *txid, uint8_t **out, size_t *out_len)
{
	struct der_writer w;
	size_t a2, t, a0 = 0;
	int rc;

	der_writer_dynamic(&w);
	a2 = der_begin(&w, 0xA2);
	t = der_begin(&w, tag);
	if (txid)
		der_put_tlv(&w, 0x80, txid, 16);
	if (tag == 0xBF3D)
		a0 = der_begin(&w, 0xA0);
	der_put_raw(&w, l->resp, l->resp_len);
	if (tag == 0xBF3D)
		der_end(&w, a0);
	der_end(&w, t);
	der_end(&w, a2);
	rc = der_writer_err(&w) ? -1 : post(l, w.buf, w.len, out, out_len);
	der_writer_free(&w);
	return rc;
}

/* The ok alternative of a decoded response, or NULL. */
static bool response_ok(const uint8_t *der, size_t len, struct rsp_remote_profile_provisioning_response *r,
			struct rsp_arena *a)
{
	if (rsp_decode(&rsp_t_remote_profile_provisioning_response, der, len, r, a) != IOT_OK)
		return false;
	switch (r->choice) {
	case RSP_ES9_RESP_INITIATE_AUTHENTICATION:
		return r->u.initiate_authentication.choice == 1;
	case RSP_ES9_RESP_AUTHENTICATE_CLIENT:
		return r->u.authenticate_client.choice == 1;
	default:
		return r->u.get_bpp.choice == 1;
	}
}

static int download(struct link *l, const char *matching_id)
{
	struct rsp_remote_profile_provisioning_request q = { .choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION };
	struct rsp_remote_profile_provisioning_response r1, r2;
	struct rsp_authenticate_server_request as = { 0 };
	struct rsp_prepare_download_request pd = { 0 };
	struct rsp_get_euicc_challenge_response ch;
	struct der_reader top, in;
	struct der_tlv t;
	struct rsp_arena a;
	uint8_t *req = NULL, *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL, txid[16], challenge[16], info1[512];
	size_t n, l1, l2, l3, l4;
	int rc = -1;

	rsp_arena_dynamic(&a);
	if (es10(l, (const uint8_t *)"\xBF\x2E\x00", 3) ||
	    rsp_decode(&rsp_t_get_euicc_challenge_response, l->resp, l->resp_len, &ch, &a) != IOT_OK)
		goto out;
	memcpy(challenge, ch.euicc_challenge.ptr, 16);
	q.u.initiate_authentication.euicc_challenge = RSP_BYTES(challenge, 16);
	q.u.initiate_authentication.smdp_address = RSP_STR(ADDRESS);
	if (es10(l, (const uint8_t *)"\xBF\x20\x00", 3) || l->resp_len > sizeof(info1))
		goto out;
	memcpy(info1, l->resp, l->resp_len);
	if (rsp_decode(&rsp_t_euicc_info1, info1, l->resp_len, &q.u.initiate_authentication.euicc_info1, &a) != IOT_OK ||
	    rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n) != IOT_OK ||
	    post(l, req, n, &b1, &l1) || !response_ok(b1, l1, &r1, &a))
		goto out;
	memcpy(txid, r1.u.initiate_authentication.u.ok.transaction_id.ptr, 16);
	as.server_signed1 = r1.u.initiate_authentication.u.ok.server_signed1;
	as.server_signature1 = r1.u.initiate_authentication.u.ok.server_signature1;
	as.euicc_ci_pkid_to_be_used = r1.u.initiate_authentication.u.ok.euicc_ci_pkid_to_be_used;
	as.server_certificate = r1.u.initiate_authentication.u.ok.server_certificate;
	as.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	as.ctx_params1.u.common.has_matching_id = true;
	as.ctx_params1.u.common.matching_id = RSP_BYTES(matching_id, strlen(matching_id));
	as.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
	free(req);
	req = NULL;
	if (rsp_encode_alloc(&rsp_t_authenticate_server_request, &as, &req, &n) != IOT_OK || es10(l, req, n) ||
	    relay(l, 0xBF3B, txid, &b2, &l2) || !response_ok(b2, l2, &r2, &a))
		goto out;
	pd.smdp_signed2 = r2.u.authenticate_client.u.ok.smdp_signed2;
	pd.smdp_signature2 = r2.u.authenticate_client.u.ok.smdp_signature2;
	pd.smdp_certificate = r2.u.authenticate_client.u.ok.smdp_certificate;
	free(req);
	req = NULL;
	if (rsp_encode_alloc(&rsp_t_prepare_download_request, &pd, &req, &n) != IOT_OK || es10(l, req, n) ||
	    relay(l, 0xBF3A, txid, &b3, &l3))
		goto out;
	/* A2 { BF3A { A0 { 80 txid, BF36 bpp } } } */
	der_reader_init(&top, b3, l3);
	if (der_read(&top, &t) || der_enter(&top, &t, &in) || der_read(&in, &t) || der_enter(&in, &t, &top) ||
	    der_read(&top, &t) || t.tag != 0xA0 || der_enter(&top, &t, &in) || der_read(&in, &t) || der_read(&in, &t) ||
	    t.tag != 0xBF36)
		goto out;
	if (fixture_load_bpp(l->e, t.raw, t.raw_len, 255, -1, l->resp, sizeof(l->resp), &l->resp_len) != 0x9000 ||
	    l->resp_len < 2 || l->resp[1] != 0x37 || relay(l, 0xBF3D, NULL, &b4, &l4))
		goto out;
	rc = 0;
out:
	free(req);
	free(b1);
	free(b2);
	free(b3);
	free(b4);
	rsp_arena_free(&a);
	return rc;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	const char *cis[] = { pki.ci };
	struct euicc_provision prov = { pki.euicc_key, pki.euicc_cert, pki.eum, cis, 1, NULL, ADDRESS, NULL };
	struct http_client_config cc = { .ca_file = tls_cert };
	struct link l = { .c = c };
	uint8_t *fresh;
	size_t fresh_len;
	char mid[32];
	int i;

	if (euicc_create(&prov, &l.e) != IOT_OK || http_client_new(&cc, &l.http) != IOT_OK ||
	    euicc_snapshot(l.e, &fresh, &fresh_len) != IOT_OK) {
		c->failures++;
		return NULL;
	}
	while ((i = atomic_fetch_add(&next_order, 1)) < orders) {
		double t0;

		/* each download into a fresh eUICC (the same one, restored) */
		euicc_restore(l.e, fresh, fresh_len);
		apdu(l.e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
		snprintf(mid, sizeof(mid), "B%d-%d", run_id, i);
		t0 = now_ms();
		if (download(&l, mid)) {
			c->failures++;
			continue;
		}
		c->latency_ms[c->done++] = now_ms() - t0;
	}
	free(fresh);
	http_client_free(l.http);
	euicc_free(l.e);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run(enum crypto_curve curve, int clients, int count)
{
	struct smdp_credentials creds;
	struct smdp_server_config sc = { 0 };
	struct smdp_server *server;
	struct smdp *dp;
	struct client cl[16] = { 0 };
	struct smdp_profile_info info = { .owner = "bench", .service_provider_name = "Bench",
					  .profile_name = "12 KB", .profile_class = 2 };
	static uint8_t upp[PROFILE_LEN];
	double *all, t0, secs;
	size_t total = 0, out = 0, in = 0;
	char db[200], digits[21], mid[32];
	int failures = 0;

	fixture_pki_make(&pki, curve);
	fixture_tls_cert(pki.dir, "tls", tls_cert, sizeof(tls_cert), tls_key, sizeof(tls_key));
	snprintf(db, sizeof(db), "sqlite:%s/smdp.db", pki.dir);
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	sc.smdp = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db };
	sc.http = (struct http_server_config){ .cert_file = tls_cert, .key_file = tls_key, .threads = (unsigned)clients };
	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 7 + 1);
	/* the orders, made ahead: ES2+ is not what is measured */
	if (smdp_open(&sc.smdp, &dp) != IOT_OK)
		abort();
	run_id++;
	for (int i = 0; i < count; i++) {
		uint8_t iccid[10], got[10];
		char out_mid[65];

		snprintf(digits, sizeof(digits), "8949449%012d", i);
		snprintf(mid, sizeof(mid), "B%d-%d", run_id, i);
		if (rsp_iccid_from_digits(digits, iccid) != IOT_OK || smdp_add_profile(dp, iccid, &info, upp, sizeof(upp)) ||
		    smdp_download_order(dp, "bench", iccid, NULL, got, NULL) ||
		    smdp_confirm_order(dp, "bench", iccid, NULL, mid, NULL, true, out_mid, NULL))
			abort();
	}
	smdp_close(dp);
	if (smdp_server_start(&sc, &server) != IOT_OK)
		abort();
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/asn1", smdp_server_port(server));
	orders = count;
	atomic_store(&next_order, 0);
	t0 = now_ms();
	for (int i = 0; i < clients; i++) {
		cl[i].latency_ms = calloc((size_t)count, sizeof(double));
		pthread_create(&cl[i].thread, NULL, client_main, &cl[i]);
	}
	for (int i = 0; i < clients; i++)
		pthread_join(cl[i].thread, NULL);
	secs = (now_ms() - t0) / 1e3;
	smdp_server_stop(server);
	all = calloc((size_t)count, sizeof(double));
	for (int i = 0; i < clients; i++) {
		memcpy(all + total, cl[i].latency_ms, (size_t)cl[i].done * sizeof(double));
		total += (size_t)cl[i].done;
		out += cl[i].bytes_out;
		in += cl[i].bytes_in;
		failures += cl[i].failures;
		free(cl[i].latency_ms);
	}
	qsort(all, total, sizeof(double), cmp_double);
	printf("  %-16s %d client%s: %5.1f downloads/s  latency p50 %6.1f ms  p99 %6.1f ms  "
	       "wire %zu B up / %zu B down per download  (%zu done, %d failed)\n",
	       curve == CRYPTO_P256 ? "NIST P-256" : "brainpoolP256r1", clients, clients > 1 ? "s" : " ",
	       total / secs, total ? all[total / 2] : 0, total ? all[total * 99 / 100] : 0, total ? out / total : 0,
	       total ? in / total : 0, total, failures);
	free(all);
	fixture_pki_remove(&pki);
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 200;
	static const int concurrency[] = { 1, 4 };

	printf("== smdpd: full ES9+ downloads over HTTPS (ASN.1 binding, keep-alive), 12 KB profiles, "
	       "eUICC side in the same process\n");
	for (int c = 0; c < 2; c++) {
		run(CRYPTO_P256, concurrency[c], count);
		run(CRYPTO_BRAINPOOL_P256R1, concurrency[c], count);
	}
	return 0;
}
