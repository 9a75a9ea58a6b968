/* fleetsim: a fleet of simulated IoT devices in one process, each an IPA
 * (libipa) with its own software eUICC (euicc, in memory), polling an eIM
 * over HTTPS or CoAP/DTLS (or a mix). For load tests, campaigns and
 * benchmarks: it prints live progress, then polls per second, latency
 * percentiles, bytes and what the devices did.
 *
 *   fleetsim --pki DIR --initial-eim FILE --eim HOST:PORT [--coaps | --coaps-share PCT] [--ca PEM]
 *            [--devices N] [--threads T] [--rounds R | --until FILE] [--interval-ms M] [--jitter PCT]
 *            [--network-loss PCT] [--power-loss PCT] [--slow PCT:MS:BPS] [--progress S]
 *            [--timeout-ms M] [--register URL --api-key KEY] [--node HTTPS_PORT:COAPS_PORT ...]
 *
 * DIR is a pkigen curve directory with eUICCs made by --eid-range; the
 * devices take the first N. Each starts with a bootstrap profile and the
 * eIM's AddInitialEim export, as from the factory.
 *
 * The devices are scheduled, not threaded: each of T threads runs its share
 * of them, always the one due first, each polling every --interval-ms
 * (jittered by --jitter percent) and backing off after a failure. Some
 * devices misbehave as in the field: --network-loss drops that share of
 * ESipa exchanges (half before the eIM sees the request, half by losing
 * the answer), --power-loss cuts power in that share of polls at a random
 * APDU (the IPA restarts from its saved record, the eUICC is reset),
 * --slow puts a share of devices on links with MS of latency each way and
 * BPS bytes per second.
 *
 * A bad operator profile (--operator-profile IIN preloads a disabled one
 * whose ICCID starts with IIN; --no-coverage IIN:PCT puts that share of the
 * devices, labelled region=north, where it has no coverage: their ESipa
 * exchanges fail while it is enabled). Such a device rolls back after an
 * enable with rollbackFlag (--rollback-after-ms, libipa) and, without it,
 * falls back (ES10b.ExecuteFallbackMechanism) once it has not reached the
 * eIM for --fallback-after-ms, as a modem's platform would. */
#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "euicc/euicc.h"
#include "ipacore/ipa.h"
#include "net/coap.h"
#include "net/http.h"
#include "rsp/rsp.h"
#include "tools/fleetsim.h"

struct fleet_counts fleet;
struct fleet_options opt = { .devices = 100, .threads = 4, .rounds = 1, .timeout_ms = 5000 };

static double cpu_seconds(const struct rusage *r)
{
	return (double)r->ru_utime.tv_sec + r->ru_utime.tv_usec / 1e6 + (double)r->ru_stime.tv_sec + r->ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* How many latencies w kept: of its polls (up to the first --rounds), or of those that executed something. */
static size_t kept(const struct worker *w, bool busy)
{
	return busy ? w->busy : w->polls < w->latency_cap ? w->polls : w->latency_cap;
}

/* Every worker's latencies kept (those of all polls, or of the polls that
 * executed something), sorted; *n how many. NULL when none or no memory. */
static double *latencies_sorted(const struct worker *workers, bool busy, size_t *n)
{
	size_t cap = 0, k = 0;
	double *v;

	*n = 0;
	for (unsigned t = 0; t < opt.threads; t++)
		cap += kept(&workers[t], busy);
	if (!cap || !(v = malloc(cap * sizeof(double))))
		return NULL;
	for (unsigned t = 0; t < opt.threads; t++) {
		memcpy(v + k, busy ? workers[t].busy_ms : workers[t].latency_ms, kept(&workers[t], busy) * sizeof(double));
		k += kept(&workers[t], busy);
	}
	qsort(v, k, sizeof(double), cmp_double);
	*n = k;
	return v;
}

/* The latency of the polls that executed something, apart: the IPA polls
 * again while the eIM has packages, so such a poll is that many round trips
 * back to back, and the empty polls around it would hide it. */
static void report_busy_polls(const struct worker *workers)
{
	size_t n, packages = 0;
	double *busy = latencies_sorted(workers, true, &n);

	if (!busy)
		return;
	for (unsigned t = 0; t < opt.threads; t++)
		packages += workers[t].busy_packages;
	printf("polls that executed packages or requests: %zu, %.1f each; their latency p50 %.2f ms p99 %.2f ms max %.2f ms\n",
	       n, (double)packages / (double)n, busy[n / 2], busy[n * 99 / 100], busy[n - 1]);
	free(busy);
}

/* --until: the stop file ends every device's schedule. */
static void *watch_until(void *arg)
{
	(void)arg;
	while (!atomic_load(&fleet.stop)) {
		if (access(opt.until, F_OK) == 0)
			atomic_store(&fleet.stop, true);
		fleetsim_pause_ms(50);
	}
	return NULL;
}

static atomic_bool progress_done;

/* A progress line every --progress seconds, to stderr. */
static void *progress(void *arg)
{
	double t0 = *(const double *)arg, last_t = t0;
	unsigned long last_polls = 0;

	while (!atomic_load(&progress_done)) {
		double now;
		unsigned long polls;

		for (unsigned i = 0; i < opt.progress_s * 10 && !atomic_load(&progress_done); i++)
			fleetsim_pause_ms(100);
		now = fleetsim_now_ms();
		polls = atomic_load(&fleet.polls);
		fprintf(stderr,
			"fleetsim %6.1f s: online %u/%u, polls %lu (%.0f/s), failed %lu, executed %lu, installed %lu, "
			"power cuts %lu, lost %lu, ESipa %.0f/%.0f kB up/down\n",
			(now - t0) / 1e3, atomic_load(&fleet.online), opt.devices, polls,
			(polls - last_polls) / ((now - last_t) / 1e3), atomic_load(&fleet.failed),
			atomic_load(&fleet.packages), atomic_load(&fleet.installed), atomic_load(&fleet.power_cuts),
			atomic_load(&fleet.lost), atomic_load(&fleet.up) / 1e3, atomic_load(&fleet.down) / 1e3);
		last_polls = polls;
		last_t = now;
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

		snprintf(body, sizeof(body), "{\"eid\":\"%s\",\"labels\":\"fleet=sim,region=%s\"}", d[i].eid,
			 d[i].north ? "north" : "south");
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
	fprintf(f, "usage: fleetsim --pki DIR --initial-eim FILE --eim HOST:PORT [--connect-address ADDR]\n"
		   "                [--coaps | --coaps-share PCT] [--ca PEM] [--devices N] [--threads T]\n"
		   "                [--rounds R | --until FILE] [--interval-ms M] [--jitter PCT] [--timeout-ms M]\n"
		   "                [--network-loss PCT] [--power-loss PCT] [--slow PCT:MS[:BPS]] [--progress S]\n"
		   "                [--skip K] [--profiles-out FILE] [--register URL --api-key KEY]\n"
		   "                [--minimize-esipa-bytes] [--operator-profile IIN] [--no-coverage IIN:PCT]\n"
		   "                [--rollback-after-ms M] [--fallback-after-ms M] [--replay N]\n"
		   "                [--node HTTPS_PORT:COAPS_PORT]... [--ipae-share PCT]\n"
		   "  --interval-ms   each device's poll interval (0: as fast as the fleet can)\n"
		   "  --jitter        each interval drawn in [M(1-J), M(1+J)], J in percent\n"
		   "  --network-loss  that share of ESipa exchanges lost (before or after the eIM)\n"
		   "  --power-loss    that share of polls cut by a power loss at a random APDU\n"
		   "  --slow          that share of devices on links with MS ms latency, BPS bytes/s\n"
		   "  --progress      a progress line every S seconds on stderr\n"
		   "  --minimize-esipa-bytes  the devices send SGP.32's compact messages\n"
		   "  --operator-profile      each device also holds a disabled operational profile, ICCID IIN...\n"
		   "  --no-coverage   that share of devices (region=north) cannot reach the eIM on IIN's profiles\n"
		   "  --rollback-after-ms     an enable with rollbackFlag is rolled back when the eIM is not\n"
		   "                          reached on the new profile within M ms (libipa's default: 10 min)\n"
		   "  --fallback-after-ms     a device without service for M ms executes the fallback mechanism\n"
		   "  --replay        an attacker replays each result of the first device N times more\n"
		   "  --node          an eIM node behind HOST (up to 8, in place of --eim's port): each exchange\n"
		   "                  goes to one of them at random, one that failed left out for 5 s (as a\n"
		   "                  load balancer's health check would)\n"
		   "  --ipae-share    that share of the HTTPS devices has its IPA in the eUICC (IPAe): it polls\n"
		   "                  by itself through the device's terminal (BIP); needs --until\n");
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
		{ "profiles-out", required_argument, NULL, 'P' }, { "jitter", required_argument, NULL, 'j' },
		{ "coaps-share", required_argument, NULL, 'm' }, { "network-loss", required_argument, NULL, 'L' },
		{ "power-loss", required_argument, NULL, 'W' }, { "slow", required_argument, NULL, 'S' },
		{ "progress", required_argument, NULL, 'G' },
		{ "minimize-esipa-bytes", no_argument, NULL, 'M' },
		{ "operator-profile", required_argument, NULL, 'O' }, { "no-coverage", required_argument, NULL, 'N' },
		{ "rollback-after-ms", required_argument, NULL, 'B' },
		{ "fallback-after-ms", required_argument, NULL, 'F' }, { "replay", required_argument, NULL, 'Y' },
		{ "node", required_argument, NULL, 'D' }, { "ipae-share", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	const char *connect_address = NULL;
	char dir_path[512];
	struct worker *workers;
	struct device *devices;
	uint8_t initial[4096];
	size_t initial_len, made = 0, total_polls = 0, failed = 0;
	unsigned packages = 0, installed = 0, results = 0;
	uint64_t up = 0, down = 0, wire_up = 0, wire_down = 0, dtls_up = 0, dtls_down = 0;
	size_t polls_all, coaps_devices = 0, ipae_devices = 0, ipad_devices, https_devices;
	pthread_t until_thread, progress_thread;
	struct rusage ru0, ru1;
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
		case 'c': opt.coaps_share = 100; break;
		case 'm': opt.coaps_share = (unsigned)atoi(optarg); break;
		case 'E': opt.ipae_share = (unsigned)atoi(optarg); break;
		case 'j': opt.jitter = (unsigned)atoi(optarg); break;
		case 'L': opt.network_loss = (unsigned)atoi(optarg); break;
		case 'W': opt.power_loss = (unsigned)atoi(optarg); break;
		case 'G': opt.progress_s = (unsigned)atoi(optarg); break;
		case 'M': opt.ipa.minimize_esipa_bytes = true; break;
		case 'O': snprintf(opt.operator_iin, sizeof(opt.operator_iin), "%s", optarg); break;
		case 'N':
			if (sscanf(optarg, "%7[0-9]:%u", opt.uncovered_iin, &opt.uncovered_share) != 2) {
				usage(stderr);
				return 2;
			}
			break;
		case 'B': opt.ipa.rollback_after_ms = (unsigned)atoi(optarg); break;
		case 'F': opt.fallback_after_ms = (unsigned)atoi(optarg); break;
		case 'Y': opt.replay = (unsigned)atoi(optarg); break;
		case 'D':
			if (opt.nodes == FLEET_NODES || sscanf(optarg, "%u:%u", &opt.node[opt.nodes].https_port,
							       &opt.node[opt.nodes].coaps_port) != 2) {
				usage(stderr);
				return 2;
			}
			opt.nodes++;
			break;
		case 'S':
			if (sscanf(optarg, "%u:%u:%u", &opt.slow_share, &opt.slow_ms, &opt.slow_bps) < 2) {
				usage(stderr);
				return 2;
			}
			break;
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
	    !opt.devices || !opt.threads || opt.coaps_share > 100 || opt.jitter > 100 || opt.network_loss > 100 ||
	    opt.power_loss > 100 || opt.slow_share > 100 || opt.uncovered_share > 100 ||
	    strlen(opt.operator_iin) > 7 || opt.ipae_share > 100 || (opt.ipae_share && !opt.until)) {
		usage(stderr);
		return 2;
	}
	if (!opt.nodes)
		opt.node[opt.nodes++] = (struct fleet_node){ .https_port = opt.port, .coaps_port = opt.port };
	for (unsigned n = 0; n < opt.nodes; n++) {
		struct fleet_node *o = &opt.node[n];

		snprintf(o->url, sizeof(o->url), "https://%s:%u/gsma/rsp2/asn1", opt.host, o->https_port);
		if (connect_address)
			snprintf(o->connect, sizeof(o->connect), "%s:%u:%s:%u", opt.host, o->https_port, connect_address,
				 o->https_port);
	}
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
				if (fleetsim_device_new(&devices[made], eid, initial, initial_len))
					return 1;
				/* spread evenly: device k is CoAP when its share's boundary is crossed */
				devices[made].coaps = (made + 1) * opt.coaps_share / 100 > made * opt.coaps_share / 100;
				devices[made].seed = (unsigned)(made * 2654435761u + 1);
				devices[made].slow = opt.slow_share &&
						     (made + 1) * opt.slow_share / 100 > made * opt.slow_share / 100;
				/* the region without coverage: every k-th device, spread as CoAP is */
				devices[made].north = opt.uncovered_share &&
						      (made + 1) * opt.uncovered_share / 100 > made * opt.uncovered_share / 100;
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
	fleetsim_attacker = devices;
	if (opt.register_url && register_all(devices, made, connect_address)) {
		fprintf(stderr, "fleetsim: registering the fleet failed\n");
		return 1;
	}
	/* the IPAe devices, spread as CoAP is, among those on HTTPS */
	for (size_t i = 0, https = 0; i < made; i++) {
		if (devices[i].coaps)
			continue;
		if ((https + 1) * opt.ipae_share / 100 > https * opt.ipae_share / 100 &&
		    fleetsim_ipae_start(&devices[i], connect_address))
			return 1;
		https++;
	}
	for (unsigned t = 0; t < opt.threads; t++) {
		struct worker *w = &workers[t];
		w->devices = devices + (size_t)t * made / opt.threads;
		w->count = (size_t)(t + 1) * made / opt.threads - (size_t)t * made / opt.threads;
		for (size_t i = 0; i < w->count; i++)
			w->devices[i].w = w;
		for (unsigned n = 0; n < opt.nodes; n++) {
			/* a short timeout: a device gives up on a dead eIM and polls again later */
			struct http_client_config hc = { .ca_file = opt.ca,
							 .connect_to = opt.node[n].connect[0] ? opt.node[n].connect : NULL,
							 .timeout_ms = opt.timeout_ms };
			struct net_coap_client_config cc = { .host = opt.host, .connect_address = connect_address,
							     .port = (uint16_t)opt.node[n].coaps_port, .path = "gsma/rsp2/asn1",
							     .ca_file = opt.ca, .timeout_ms = opt.timeout_ms };

			if (http_client_new(&hc, &w->http[n]) != IOT_OK || net_coap_client_new(&cc, &w->coap[n]) != IOT_OK) {
				fprintf(stderr, "fleetsim: no transport to %s\n", opt.eim);
				return 1;
			}
		}
	}
	t0 = fleetsim_now_ms();
	getrusage(RUSAGE_SELF, &ru0);
	if (opt.until)
		pthread_create(&until_thread, NULL, watch_until, NULL);
	if (opt.progress_s)
		pthread_create(&progress_thread, NULL, progress, &t0);
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_create(&workers[t].thread, NULL, fleetsim_work, &workers[t]);
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_join(workers[t].thread, NULL);
	elapsed = fleetsim_now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	if (opt.until)
		pthread_join(until_thread, NULL);
	for (size_t i = 0; i < made; i++)
		fleetsim_ipae_join(&devices[i]);
	if (opt.progress_s) {
		atomic_store(&progress_done, true);
		pthread_join(progress_thread, NULL);
	}
	for (unsigned t = 0; t < opt.threads; t++) {
		uint64_t s_, r_;

		total_polls += workers[t].polls;
		failed += workers[t].failed;
		for (unsigned n = 0; n < opt.nodes; n++) {
			http_client_wire_bytes(workers[t].http[n], &s_, &r_);
			wire_up += s_;
			wire_down += r_;
			net_coap_client_wire_bytes(workers[t].coap[n], &s_, &r_);
			dtls_up += s_;
			dtls_down += r_;
		}
	}
	packages = (unsigned)atomic_load(&fleet.packages);
	installed = (unsigned)atomic_load(&fleet.installed);
	results = (unsigned)atomic_load(&fleet.results);
	up = atomic_load(&fleet.up);
	down = atomic_load(&fleet.down);
	polls_all = total_polls;
	all = latencies_sorted(workers, false, &total_polls);  /* --until: the latencies kept */
	for (size_t i = 0; i < made; i++) {
		coaps_devices += devices[i].coaps;
		ipae_devices += devices[i].ipae;
	}
	printf("devices %zu threads %u rounds %u over %s: polls %zu (failed %zu) in %.2f s = %.1f polls/s; "
	       "poll latency p50 %.2f ms p99 %.2f ms max %.2f ms; packages+requests executed %u, profiles installed %u, "
	       "results delivered %u\n",
	       made, opt.threads, opt.rounds,
	       coaps_devices == made ? "CoAP/DTLS" : coaps_devices ? "HTTPS and CoAP/DTLS" : "HTTPS", polls_all, failed,
	       elapsed / 1e3, polls_all / (elapsed / 1e3), total_polls ? all[total_polls / 2] : 0,
	       total_polls ? all[total_polls * 99 / 100] : 0, total_polls ? all[total_polls - 1] : 0, packages, installed,
	       results);
	report_busy_polls(workers);
	/* what the load cost the generator itself (its start-up apart), so a
	 * bench can tell when the generator, not the eIM, is the limit */
	printf("load generator: CPU %.0f us per poll (user+system while polling, start-up apart)\n",
	       polls_all ? (cpu_seconds(&ru1) - cpu_seconds(&ru0)) * 1e6 / (double)polls_all : 0);
	if (opt.network_loss || opt.power_loss || opt.slow_share)
		printf("misbehaviour: power cuts %lu (each device restarted from its record), ESipa exchanges lost %lu, "
		       "devices on slow links %u\n",
		       atomic_load(&fleet.power_cuts), atomic_load(&fleet.lost),
		       (unsigned)(made * opt.slow_share / 100));
	if (opt.uncovered_share) {
		unsigned long rollbacks = 0;

		for (size_t i = 0; i < made; i++)
			rollbacks += ipa_stats(devices[i].ipa)->rollbacks;
		printf("coverage: devices without it on %s %u, exchanges lost to it %lu, rollbacks %lu, fallbacks %lu\n",
		       opt.uncovered_iin, (unsigned)(made * opt.uncovered_share / 100), atomic_load(&fleet.uncovered),
		       rollbacks, atomic_load(&fleet.fallbacks));
	}
	if (opt.replay)
		printf("replayed: %lu results of device %s\n", atomic_load(&fleet.replayed), devices[0].eid);
	/* the IPAe devices' bytes are their own (below) */
	ipad_devices = made - ipae_devices;
	https_devices = ipad_devices - coaps_devices;
	printf("bytes per device: ESipa messages %llu up %llu down", (unsigned long long)(ipad_devices ? up / ipad_devices : 0),
	       (unsigned long long)(ipad_devices ? down / ipad_devices : 0));
	if (https_devices)
		printf("; TCP incl. TLS %llu up %llu down%s", (unsigned long long)(wire_up / https_devices),
		       (unsigned long long)(wire_down / https_devices), coaps_devices ? " (HTTPS devices)" : "");
	/* each thread's first DTLS ClientHello is not seen: a few hundred bytes a thread */
	if (coaps_devices)
		printf("; UDP incl. DTLS %llu up %llu down%s", (unsigned long long)(dtls_up / coaps_devices),
		       (unsigned long long)(dtls_down / coaps_devices), coaps_devices < made ? " (CoAP devices)" : "");
	printf("\n");
	if (opt.ipae_share) {
		struct euicc_ipae_stats st, all_st = { 0 };
		unsigned ipae = 0, apdus = 0;

		for (size_t i = 0; i < made; i++) {
			if (!devices[i].ipae)
				continue;
			ipae++;
			euicc_ipae_stats(devices[i].euicc, &st);
			all_st.polls += st.polls;
			all_st.polls_failed += st.polls_failed;
			all_st.sent += st.sent;
			all_st.received += st.received;
			apdus += devices[i].terminal_stats.apdus;
		}
		printf("IPAe devices %u (their IPA in the eUICC, through the device's terminal over BIP): polls %u "
		       "(failed %u); per device: BIP channel %llu up %llu down, APDUs %u\n",
		       ipae, all_st.polls, all_st.polls_failed, (unsigned long long)(ipae ? all_st.sent / ipae : 0),
		       (unsigned long long)(ipae ? all_st.received / ipae : 0), ipae ? apdus / ipae : 0);
	}
	if (opt.profiles_out && write_profiles(devices, made))
		return 1;
	for (unsigned t = 0; t < opt.threads; t++) {
		for (unsigned n = 0; n < opt.nodes; n++) {
			http_client_free(workers[t].http[n]);
			net_coap_client_free(workers[t].coap[n]);
		}
		free(workers[t].latency_ms);
		free(workers[t].busy_ms);
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
