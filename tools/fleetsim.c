/* fleetsim: a fleet of simulated IoT devices in one process, each an IPA
 * (libipa) with its own software eUICC (euicc, in memory), polling an eIM
 * over HTTPS or CoAP/DTLS from a few threads. For load tests, campaigns and
 * benchmarks: it prints polls per second, latency percentiles and what the
 * devices did.
 *
 *   fleetsim --pki DIR --initial-eim FILE --eim HOST:PORT [--coaps] [--ca PEM]
 *            [--devices N] [--threads T] [--rounds R] [--interval-ms M] [--timeout-ms M]
 *            [--register URL --api-key KEY]   (POST each EID to eimd's REST API first)
 *
 * DIR is a pkigen curve directory with eUICCs made by --eid-range; the
 * devices take the first N. Each starts with a bootstrap profile and the
 * eIM's AddInitialEim export, as from the factory. */
#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "euicc/euicc.h"
#include "ipa/ipa.h"
#include "net/coap.h"
#include "net/http.h"
#include "rsp/rsp.h"

struct device {
	struct euicc *euicc;
	struct ipa *ipa;
	char eid[33];
	struct worker *w;
};

struct worker {
	pthread_t thread;
	struct device *devices;
	size_t count;
	struct http_client *http;
	struct net_coap_client *coap;
	double *latency_ms;
	size_t latency_cap;             /* latencies kept: the first --rounds */
	size_t polls, failed;
	unsigned packages, installed, results;
	uint64_t payload_up, payload_down;      /* ESipa messages, both ways */
};

static struct {
	const char *pki, *initial, *eim, *ca, *register_url, *api_key, *until, *profiles_out;
	unsigned skip;
	bool coaps;
	unsigned devices, threads, rounds, interval_ms, timeout_ms;
	char host[256], url[300], connect[300];
	unsigned port;
} opt = { .devices = 100, .threads = 4, .rounds = 1, .timeout_ms = 5000 };


static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct device *d = ctx;

	return euicc_transmit(d->euicc, apdu, len, resp, cap, resp_len);
}

static iot_err reset(void *ctx)
{
	struct device *d = ctx;

	euicc_reset(d->euicc);
	return IOT_OK;
}

static iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-ipad",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	struct device *d = ctx;
	int status;
	iot_err err;

	(void)e;
	if (opt.coaps)
		err = net_coap_client_post(d->w->coap, req, len, &status, resp, resp_len);
	else
		err = http_client_post(d->w->http, opt.url, headers, req, len, &status, resp, resp_len);
	if (err == IOT_OK && status / 100 != 2) {
		free(*resp);
		*resp = NULL;
		err = IOT_E_IO;
	}
	if (err == IOT_OK) {
		d->w->payload_up += len;
		d->w->payload_down += *resp_len;
	}
	return err;
}

static iot_err record_save(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	(void)rec;
	(void)len;
	return IOT_OK;          /* in memory only: a simulated device never loses power */
}

static iot_err record_load(void *ctx, uint8_t *rec, size_t cap, size_t *len)
{
	(void)ctx;
	(void)rec;
	(void)cap;
	(void)len;
	return IOT_E_NOT_FOUND;
}

static int device_new(struct device *d, const char *eid, const uint8_t *initial, size_t initial_len)
{
	static const uint8_t md_boot[] = { 0xBF, 0x25, 0x1E, 0x5A, 0x0A, 0x98, 0x40, 0x09, 0x23, 0, 0, 0, 0, 0, 0x91,
					   0x91, 0x09, 'B', 'o', 'o', 't', 's', 't', 'r', 'a', 'p', 0x92, 0x02, 'B', 'P',
					   0x95, 0x01, 0x01 };
	char key[512], cert[512], eum[512], ci[512];
	const char *cis[1] = { ci };
	struct euicc_provision p = { key, cert, eum, cis, 1, NULL, NULL, NULL };
	struct ipa_platform ip = { .ctx = d, .transmit = transmit, .esipa = esipa, .save = record_save,
				   .load = record_load, .reset = reset };
	const uint8_t *resp;
	size_t n;

	snprintf(d->eid, sizeof(d->eid), "%s", eid);
	snprintf(key, sizeof(key), "%s/euicc/%s.key", opt.pki, eid);
	snprintf(cert, sizeof(cert), "%s/euicc/%s.pem", opt.pki, eid);
	snprintf(eum, sizeof(eum), "%s/eum.pem", opt.pki);
	snprintf(ci, sizeof(ci), "%s/ci.pem", opt.pki);
	if (euicc_create(&p, &d->euicc) != IOT_OK ||
	    euicc_preload_profile(d->euicc, md_boot, sizeof(md_boot), (const uint8_t *)"b", 1, true) != IOT_OK ||
	    ipa_new(&ip, NULL, &d->ipa) != IOT_OK || ipa_es10(d->ipa, initial, initial_len, &resp, &n) != IOT_OK ||
	    n < 3 || resp[0] != 0xBF) {
		fprintf(stderr, "fleetsim: device %s cannot be made\n", eid);
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t cap = (size_t)opt.rounds * w->count;

	w->latency_ms = calloc(cap ? cap : 1, sizeof(double));
	w->latency_cap = cap;
	/* --until: rounds until the file appears (latencies of the first --rounds kept) */
	for (unsigned r = 0; opt.until ? access(opt.until, F_OK) != 0 : r < opt.rounds; r++) {
		for (size_t i = 0; i < w->count; i++) {
			struct device *d = &w->devices[i];
			const struct ipa_stats *s = ipa_stats(d->ipa);
			unsigned p0 = s->packages + s->data_requests + s->downloads, i0 = s->downloads_installed;
			unsigned r0 = s->results_delivered;
			double t0 = now_ms();

			if (opt.interval_ms) {
				struct timespec pause = { opt.interval_ms / 1000, (long)(opt.interval_ms % 1000) * 1000000L };

				nanosleep(&pause, NULL);
			}
			if (ipa_poll(d->ipa) != IOT_OK)
				w->failed++;
			if (w->polls < cap)
				w->latency_ms[w->polls] = now_ms() - t0;
			w->polls++;
			w->packages += s->packages + s->data_requests + s->downloads - p0;
			w->installed += s->downloads_installed - i0;
			w->results += s->results_delivered - r0;
		}
	}
	return NULL;
}

static int register_all(struct device *d, size_t n, const char *connect_address)
{
	const char *headers[3] = { "Content-Type: application/json", NULL, NULL };
	struct http_client_config c = { .ca_file = opt.ca };
	char host[256], connect[320];
	unsigned port;

	/* the REST API's own host and port, reached at --connect-address too */
	if (connect_address && sscanf(opt.register_url, "https://%255[^:/]:%u", host, &port) == 2) {
		snprintf(connect, sizeof(connect), "%s:%u:%s:%u", host, port, connect_address, port);
		c.connect_to = connect;
	}
	struct http_client *h;
	char auth[300], body[128];
	int failures = 0;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", opt.api_key ? opt.api_key : "");
	headers[1] = auth;
	if (http_client_new(&c, &h) != IOT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint8_t *resp;
		size_t len;
		int status;

		snprintf(body, sizeof(body), "{\"eid\":\"%s\",\"labels\":\"fleet=sim\"}", d[i].eid);
		if (http_client_post(h, opt.register_url, headers, (const uint8_t *)body, strlen(body), &status, &resp,
				     &len) != IOT_OK || (status != 201 && status != 409))
			failures++;
		else
			free(resp);
	}
	http_client_free(h);
	return failures ? -1 : 0;
}

/* Each device's profiles as its eUICC holds them (ES10c.GetProfilesInfo):
 * "EID ICCID enabled|disabled [fallback]" lines. */
static int write_profiles(struct device *d, size_t n)
{
	FILE *f = fopen(opt.profiles_out, "w");

	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct rsp_profile_info_list_response r;
		struct rsp_arena a;
		const uint8_t *resp;
		uint8_t *copy;
		size_t len;

		if (ipa_es10(d[i].ipa, (const uint8_t *)"\xBF\x2D\x00", 3, &resp, &len) != IOT_OK ||
		    !(copy = malloc(len ? len : 1)))
			continue;
		rsp_arena_dynamic(&a);
		if (rsp_decode(&rsp_t_profile_info_list_response, memcpy(copy, resp, len), len, &r, &a) == IOT_OK &&
		    r.choice == RSP_PROFILE_INFO_LIST_OK)
			for (size_t j = 0; j < r.u.ok.count; j++) {
				const struct rsp_profile_info *p = &r.u.ok.items[j];
				char iccid[21] = "?";

				if (p->has_iccid && p->iccid.len == 10)
					rsp_iccid_to_digits(p->iccid.ptr, iccid);
				fprintf(f, "%s %s %s%s\n", d[i].eid, iccid, p->profile_state == 1 ? "enabled" : "disabled",
					p->fallback_attribute ? " fallback" : "");
			}
		rsp_arena_free(&a);
		free(copy);
	}
	return fclose(f) == 0 ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fleetsim --pki DIR --initial-eim FILE --eim HOST:PORT [--connect-address ADDR] [--coaps]\n"
		   "                [--ca PEM] [--devices N] [--threads T] [--rounds R] [--interval-ms M]\n"
		   "                [--timeout-ms M] [--skip K] [--until FILE] [--profiles-out FILE]\n"
		   "                [--register URL --api-key KEY]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pki", required_argument, NULL, 'p' }, { "initial-eim", required_argument, NULL, 'i' },
		{ "eim", required_argument, NULL, 'e' }, { "coaps", no_argument, NULL, 'c' },
		{ "ca", required_argument, NULL, 'a' }, { "devices", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' }, { "rounds", required_argument, NULL, 'r' },
		{ "register", required_argument, NULL, 'R' }, { "api-key", required_argument, NULL, 'k' },
		{ "connect-address", required_argument, NULL, 'C' }, { "help", no_argument, NULL, 'h' },
		{ "interval-ms", required_argument, NULL, 'I' }, { "timeout-ms", required_argument, NULL, 'T' },
		{ "skip", required_argument, NULL, 's' }, { "until", required_argument, NULL, 'U' },
		{ "profiles-out", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *connect_address = NULL;
	char dir_path[512];
	struct worker *workers;
	struct device *devices;
	uint8_t initial[4096];
	size_t initial_len, made = 0, total_polls = 0, failed = 0, k = 0;
	unsigned packages = 0, installed = 0, results = 0;
	uint64_t up = 0, down = 0, wire_up = 0, wire_down = 0;
	size_t polls_all;
	double t0, elapsed, *all;
	DIR *dir;
	FILE *f;
	int c;

	log_set_level(LOG_ERROR);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': opt.pki = optarg; break;
		case 'i': opt.initial = optarg; break;
		case 'e': opt.eim = optarg; break;
		case 'c': opt.coaps = true; break;
		case 'a': opt.ca = optarg; break;
		case 'n': opt.devices = (unsigned)atoi(optarg); break;
		case 't': opt.threads = (unsigned)atoi(optarg); break;
		case 'r': opt.rounds = (unsigned)atoi(optarg); break;
		case 'R': opt.register_url = optarg; break;
		case 'k': opt.api_key = optarg; break;
		case 'C': connect_address = optarg; break;
		case 'I': opt.interval_ms = (unsigned)atoi(optarg); break;
		case 'T': opt.timeout_ms = (unsigned)atoi(optarg); break;
		case 's': opt.skip = (unsigned)atoi(optarg); break;
		case 'U': opt.until = optarg; break;
		case 'P': opt.profiles_out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opt.pki || !opt.initial || !opt.eim || sscanf(opt.eim, "%255[^:]:%u", opt.host, &opt.port) != 2 ||
	    !opt.devices || !opt.threads) {
		usage(stderr);
		return 2;
	}
	snprintf(opt.url, sizeof(opt.url), "https://%s:%u/gsma/rsp2/asn1", opt.host, opt.port);
	if (connect_address)
		snprintf(opt.connect, sizeof(opt.connect), "%s:%u:%s:%u", opt.host, opt.port, connect_address, opt.port);
	if (!(f = fopen(opt.initial, "rb"))) {
		fprintf(stderr, "fleetsim: %s cannot be read\n", opt.initial);
		return 1;
	}
	initial_len = fread(initial, 1, sizeof(initial), f);
	fclose(f);
	devices = calloc(opt.devices, sizeof(*devices));
	workers = calloc(opt.threads, sizeof(*workers));
	snprintf(dir_path, sizeof(dir_path), "%s/euicc", opt.pki);
	if (!(dir = opendir(dir_path))) {
		fprintf(stderr, "fleetsim: %s: no eUICCs\n", dir_path);
		return 1;
	}
	/* the eUICCs of the PKI in EID order, after --skip, up to --devices */
	{
		struct dirent **names;
		int count = scandir(dir_path, &names, NULL, alphasort), seen = 0;

		for (int i = 0; i < count; i++) {
			size_t n = strlen(names[i]->d_name);

			if (made < opt.devices && n == 36 && !strcmp(names[i]->d_name + 32, ".key") &&
			    (unsigned)seen++ >= opt.skip) {
				char eid[33];

				memcpy(eid, names[i]->d_name, 32);
				eid[32] = 0;
				if (device_new(&devices[made], eid, initial, initial_len))
					return 1;
				made++;
			}
			free(names[i]);
		}
		free(names);
	}
	closedir(dir);
	if (made < opt.devices) {
		fprintf(stderr, "fleetsim: only %zu eUICCs in %s\n", made, opt.pki);
		return 1;
	}
	if (opt.register_url && register_all(devices, made, connect_address)) {
		fprintf(stderr, "fleetsim: registering the fleet failed\n");
		return 1;
	}
	for (unsigned t = 0; t < opt.threads; t++) {
		struct worker *w = &workers[t];
		/* a short timeout: a device gives up on a dead eIM and polls again later */
		struct http_client_config hc = { .ca_file = opt.ca, .connect_to = opt.connect[0] ? opt.connect : NULL,
						 .timeout_ms = opt.timeout_ms };
		struct net_coap_client_config cc = { .host = opt.host, .connect_address = connect_address,
						     .port = (uint16_t)opt.port, .path = "gsma/rsp2/asn1", .ca_file = opt.ca,
						     .timeout_ms = opt.timeout_ms };

		w->devices = devices + (size_t)t * made / opt.threads;
		w->count = (size_t)(t + 1) * made / opt.threads - (size_t)t * made / opt.threads;
		for (size_t i = 0; i < w->count; i++)
			w->devices[i].w = w;
		if (http_client_new(&hc, &w->http) != IOT_OK || net_coap_client_new(&cc, &w->coap) != IOT_OK) {
			fprintf(stderr, "fleetsim: no transport to %s\n", opt.eim);
			return 1;
		}
	}
	t0 = now_ms();
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_create(&workers[t].thread, NULL, work, &workers[t]);
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_join(workers[t].thread, NULL);
	elapsed = now_ms() - t0;
	for (unsigned t = 0; t < opt.threads; t++) {
		total_polls += workers[t].polls;
		failed += workers[t].failed;
		packages += workers[t].packages;
		installed += workers[t].installed;
		results += workers[t].results;
		up += workers[t].payload_up;
		down += workers[t].payload_down;
		if (!opt.coaps) {
			uint64_t s_, r_;

			http_client_wire_bytes(workers[t].http, &s_, &r_);
			wire_up += s_;
			wire_down += r_;
		}
	}
	polls_all = total_polls;
	all = calloc(total_polls ? total_polls : 1, sizeof(double));
	for (unsigned t = 0; t < opt.threads; t++)
		for (size_t i = 0; i < workers[t].polls && i < workers[t].latency_cap; i++)
			all[k++] = workers[t].latency_ms[i];
	if (total_polls > k)
		total_polls = k;        /* --until: the latencies kept */
	qsort(all, total_polls, sizeof(double), cmp_double);
	printf("devices %zu threads %u rounds %u over %s: polls %zu (failed %zu) in %.2f s = %.1f polls/s; "
	       "poll latency p50 %.2f ms p99 %.2f ms; packages+requests executed %u, profiles installed %u, "
	       "results delivered %u\n",
	       made, opt.threads, opt.rounds, opt.coaps ? "CoAP/DTLS" : "HTTPS", polls_all, failed, elapsed / 1e3,
	       polls_all / (elapsed / 1e3), total_polls ? all[total_polls / 2] : 0,
	       total_polls ? all[total_polls * 99 / 100] : 0, packages, installed, results);
	printf("bytes per device: ESipa messages %llu up %llu down", (unsigned long long)(up / made),
	       (unsigned long long)(down / made));
	if (!opt.coaps)
		printf("; TCP incl. TLS %llu up %llu down", (unsigned long long)(wire_up / made),
		       (unsigned long long)(wire_down / made));
	printf("\n");
	if (opt.profiles_out && write_profiles(devices, made))
		return 1;
	for (unsigned t = 0; t < opt.threads; t++) {
		http_client_free(workers[t].http);
		net_coap_client_free(workers[t].coap);
		free(workers[t].latency_ms);
	}
	for (size_t i = 0; i < made; i++) {
		ipa_free(devices[i].ipa);
		euicc_free(devices[i].euicc);
	}
	free(all);
	free(devices);
	free(workers);
	return failed ? 1 : 0;
}
