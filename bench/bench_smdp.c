/* Full ES9+ downloads per second through smdpd's server over HTTPS on
 * loopback (keep-alive connections), 12 KB profiles,
 * both curves, 1, 4, 16 and 64 concurrent clients; each client an LPA driving its
 * own software eUICC through APDUs. Prints throughput, smdpd's CPU per
 * download (next to its cryptography's cost when SMDP_CRYPTO_US_P256 and
 * SMDP_CRYPTO_US_BRAINPOOL give it), latency percentiles and bytes on the
 * wire; the same in the JSON binding, and retried downloads (an order whose
 * BPP was lost once, downloaded again into the same eUICC).
 * Usage: bench_smdp [DOWNLOADS_PER_RUN [p256|brainpool|both [CLIENTS [asn1|json|retried|all]]]] */
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
#include "download_client.h"

#define ADDRESS "smdp.iotrsp.test"
#define PROFILE_LEN (12 * 1024)

static struct fixture_pki pki;
static char url[128], json_url[128], tls_cert[200], tls_key[200];
static atomic_int next_order;
static int orders;
static int run_id;
static bool json, retry;                /* this run's binding, and whether it measures retries */
static pthread_barrier_t start;

struct client {
	pthread_t thread;
	double cpu_s;                   /* this client's own CPU: the eUICC, the LPA, curl */
	double *latency_ms;
	int *orders;                    /* with retry, those it lost the BPP of */
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

static double cpu_seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define ISD_R_SELECT "00A4040C10A0000005591010FFFFFFFF8900000100"

/* One client: with retry, first each of its orders up to the BPP, lost
 * (an eUICC each, keeping its one-time key), then, measured, each again
 * from the start into the same eUICC; else each download into a fresh
 * eUICC (the same one, restored). */
static void *client_main(void *arg)
{
	struct client *c = arg;
	const char *cis[] = { pki.ci };
	struct euicc_provision prov = { pki.euicc_key, pki.euicc_cert, pki.eum, cis, 1, NULL, ADDRESS, NULL };
	struct http_client_config cc = { .ca_file = tls_cert };
	struct link l = { .url = url, .json_url = json ? json_url : NULL, .address = ADDRESS };
	struct euicc **lost = calloc((size_t)orders, sizeof(*lost)), *own = NULL;
	uint8_t *fresh = NULL;
	size_t fresh_len, nlost = 0;
	double cpu0;
	char mid[32];
	int i;

	if (!lost || euicc_create(&prov, &own) != IOT_OK || http_client_new(&cc, &l.http) != IOT_OK ||
	    euicc_snapshot(own, &fresh, &fresh_len) != IOT_OK)
		c->failures++;
	while (!c->failures && retry && (i = atomic_fetch_add(&next_order, 1)) < orders) {
		snprintf(mid, sizeof(mid), "B%d-%d", run_id, i);
		c->orders[nlost] = i;
		if (euicc_create(&prov, &lost[nlost]) != IOT_OK) {
			c->failures++;
			break;
		}
		l.e = lost[nlost++];
		apdu(l.e, ISD_R_SELECT, NULL, NULL);
		if (dl_download(&l, mid, false))
			c->failures++;
	}
	/* measured from here, by all at once */
	pthread_barrier_wait(&start);
	l.bytes_out = l.bytes_in = 0;
	l.e = own;
	cpu0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
	for (size_t k = 0; !c->failures; k++) {
		double t0;

		if (retry) {
			if (k >= nlost)
				break;
			l.e = lost[k];
			i = c->orders[k];
		} else {
			if ((i = atomic_fetch_add(&next_order, 1)) >= orders)
				break;
			euicc_restore(l.e, fresh, fresh_len);
			apdu(l.e, ISD_R_SELECT, NULL, NULL);
		}
		snprintf(mid, sizeof(mid), "B%d-%d", run_id, i);
		t0 = now_ms();
		if (dl_download(&l, mid, true)) {
			c->failures++;
			continue;
		}
		c->latency_ms[c->done++] = now_ms() - t0;
	}
	c->cpu_s = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	c->bytes_out = l.bytes_out;
	c->bytes_in = l.bytes_in;
	for (size_t k = 0; k < nlost; k++)
		euicc_free(lost[k]);
	free(lost);
	free(fresh);
	http_client_free(l.http);
	euicc_free(own);
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
	struct client *cl = calloc((size_t)clients, sizeof(*cl));
	struct smdp_profile_info info = { .owner = "bench", .service_provider_name = "Bench",
					  .profile_name = "12 KB", .profile_class = 2 };
	static uint8_t upp[PROFILE_LEN];
	double *all, t0, secs, cpu0, server_cpu;
	size_t total = 0, out = 0, in = 0;
	char db[200], digits[21], mid[32], ratio[32] = "";
	const char *crypto_us;
	double server_us;
	int failures = 0;

	fixture_pki_make(&pki, curve);
	fixture_tls_cert(pki.dir, "tls", tls_cert, sizeof(tls_cert), tls_key, sizeof(tls_key));
	snprintf(db, sizeof(db), "sqlite:%s/smdp.db", pki.dir);
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	sc.smdp = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db };
	sc.http = (struct http_server_config){ .cert_file = tls_cert, .key_file = tls_key, .threads = 0 };
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
	snprintf(json_url, sizeof(json_url), "https://localhost:%u/gsma/rsp2/es9plus/", smdp_server_port(server));
	orders = count;
	atomic_store(&next_order, 0);
	pthread_barrier_init(&start, NULL, (unsigned)clients + 1);
	for (int i = 0; i < clients; i++) {
		cl[i].latency_ms = calloc((size_t)count, sizeof(double));
		cl[i].orders = calloc((size_t)count, sizeof(int));
		pthread_create(&cl[i].thread, NULL, client_main, &cl[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_ms();
	cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < clients; i++)
		pthread_join(cl[i].thread, NULL);
	secs = (now_ms() - t0) / 1e3;
	/* the process's CPU but the clients' own: smdpd's threads (HTTPS
	 * workers, its sender and the store's checkpointer) */
	server_cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	for (int i = 0; i < clients; i++)
		server_cpu -= cl[i].cpu_s;
	smdp_server_stop(server);
	pthread_barrier_destroy(&start);
	all = calloc((size_t)count, sizeof(double));
	for (int i = 0; i < clients; i++) {
		memcpy(all + total, cl[i].latency_ms, (size_t)cl[i].done * sizeof(double));
		total += (size_t)cl[i].done;
		out += cl[i].bytes_out;
		in += cl[i].bytes_in;
		failures += cl[i].failures;
		free(cl[i].latency_ms);
		free(cl[i].orders);
	}
	qsort(all, total, sizeof(double), cmp_double);
	server_us = total ? server_cpu * 1e6 / (double)total : 0;
	crypto_us = getenv(curve == CRYPTO_P256 ? "SMDP_CRYPTO_US_P256" : "SMDP_CRYPTO_US_BRAINPOOL");
	if (crypto_us && atof(crypto_us) > 0)
		snprintf(ratio, sizeof(ratio), ", %4.1fx its crypto", server_us / atof(crypto_us));
	printf("  %-16s %-4s %-7s %3d client%s %6.1f downloads/s  smdpd CPU %5.0f us/download%s  latency p50 %6.1f ms  "
	       "p99 %6.1f ms  (%zu done, %d failed)\n",
	       curve == CRYPTO_P256 ? "NIST P-256" : "brainpoolP256r1", json ? "json" : "asn1", retry ? "retried" : "",
	       clients, clients > 1 ? "s" : " ",
	       total / secs, server_us, ratio, total ? all[total / 2] : 0, total ? all[total * 99 / 100] : 0, total,
	       failures);
	if (clients == 1 && !retry)
		printf("  %-16s %-4s %-7s wire %zu B up / %zu B down per download\n", "", "", "", total ? out / total : 0,
		       total ? in / total : 0);
	free(all);
	free(cl);
	fixture_pki_remove(&pki);
}

/* Whether KIND (asn1, json or retried) is among those asked for. */
static bool asked(const char *only, const char *kind)
{
	return !*only || !strcmp(only, "all") || !strcmp(only, kind);
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 200;
	static const int concurrency[] = { 1, 4, 16, 64 };
	const char *curves = argc > 2 ? argv[2] : "", *kinds = argc > 4 ? argv[4] : "";
	int clients = argc > 3 ? atoi(argv[3]) : 0;

	printf("== smdpd: full ES9+ downloads over HTTPS (ASN.1 and JSON bindings, keep-alive), 12 KB profiles,\n"
	       "   eUICC side in the same process; retried: each order's BPP lost once (the eUICC keeps its\n"
	       "   one-time key), the download again from the start measured; smdpd CPU: the process's but\n"
	       "   the clients' threads', against the SM-DP+ side's elliptic-curve work (openssl speed)\n");
	for (int c = 0; c < 4; c++) {
		if (clients && concurrency[c] != clients)
			continue;
		for (int k = 0; k < 2; k++) {
			enum crypto_curve curve = k ? CRYPTO_BRAINPOOL_P256R1 : CRYPTO_P256;

			if (!strcmp(curves, k ? "p256" : "brainpool"))
				continue;
			json = retry = false;
			if (asked(kinds, "asn1"))
				run(curve, concurrency[c], count);
			json = true;
			if (asked(kinds, "json"))
				run(curve, concurrency[c], count);
			/* retries at 1 and 16 clients unless asked for */
			json = false;
			retry = true;
			if (asked(kinds, "retried") && (!strcmp(kinds, "retried") || c == 0 || c == 2))
				run(curve, concurrency[c], count);
		}
	}
	return 0;
}
