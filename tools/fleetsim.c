/* fleetsim: a fleet of simulated IoT devices in one process, each an IPA
 * (libipa) with its own software eUICC (euicc, in memory), polling an eIM
 * over HTTPS or CoAP/DTLS (or a mix). For load tests, campaigns and
 * benchmarks: it prints live progress, then polls per second, latency
 * percentiles, bytes and what the devices did.
 *
 *   fleetsim --pki DIR --initial-eim FILE --eim HOST:PORT [--coaps | --coaps-share PCT] [--ca PEM]
 *            [--devices N] [--threads T] [--rounds R | --until FILE] [--interval-ms M] [--jitter PCT]
 *            [--network-loss PCT] [--power-loss PCT] [--slow PCT:MS:BPS] [--progress S]
 *            [--timeout-ms M] [--register URL --api-key KEY]
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
	bool coaps, slow;
	double next_at;                 /* when its next poll is due (ms, monotonic) */
	unsigned polls, failures;       /* failures in a row, for the back-off */
	int cut_in;                     /* APDUs until the power goes (0: not in this poll) */
	bool off;                       /* power lost in this poll */
	bool online;                    /* its last poll reached the eIM */
	bool north;                     /* where --no-coverage's profile has none */
	double offline_since;           /* its first failed poll in a row (ms), 0: online */
	uint8_t record[512];            /* libipa's record, as flash would keep it */
	size_t record_len;
	unsigned seed;
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
	uint64_t payload_up, payload_down;      /* ESipa messages, both ways */
};

/* What the fleet has done so far, for the live progress and the report. */
static struct {
	atomic_ulong polls, failed, packages, installed, results, power_cuts, lost, up, down, fallbacks, uncovered,
		replayed;
	atomic_uint online;             /* devices whose last poll reached the eIM */
	atomic_bool stop;
} fleet;

static struct {
	const char *pki, *initial, *eim, *ca, *register_url, *api_key, *until, *profiles_out;
	unsigned skip;
	unsigned coaps_share;           /* percent of the devices on CoAP/DTLS */
	unsigned devices, threads, rounds, interval_ms, timeout_ms, jitter, progress_s;
	unsigned network_loss, power_loss;      /* percent of exchanges, of polls */
	unsigned slow_share, slow_ms, slow_bps;
	char operator_iin[8], uncovered_iin[8];         /* --operator-profile, --no-coverage */
	unsigned uncovered_share, fallback_after_ms;
	unsigned replay;                /* --replay: the first device sends each result this many times more */
	struct ipa_config ipa;          /* minimizeEsipaBytes */
	char host[256], url[300], connect[300];
	unsigned port;
} opt = { .devices = 100, .threads = 4, .rounds = 1, .timeout_ms = 5000 };


static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A uniform draw in [0, 1) from the device's own generator. */
static double draw(struct device *d)
{
	return rand_r(&d->seed) / ((double)RAND_MAX + 1);
}

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct device *d = ctx;

	/* the power goes between two APDUs: this one never reaches the card */
	if (d->off || (d->cut_in && --d->cut_in == 0)) {
		d->off = true;
		return IOT_E_CARD;
	}
	return euicc_transmit(d->euicc, apdu, len, resp, cap, resp_len);
}

static void pause_ms(double ms)
{
	struct timespec t = { (time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000.0) * 1e6) };

	if (ms > 0)
		nanosleep(&t, NULL);
}

static iot_err reset(void *ctx)
{
	struct device *d = ctx;

	euicc_reset(d->euicc);
	return IOT_OK;
}

static struct device *attacker;        /* --replay's: the first device */

/* The same ProvideEimPackageResult again, --replay times, its answers dropped. */
static void replay(struct device *d, const uint8_t *req, size_t len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-ipad",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };

	for (unsigned i = 0; i < opt.replay; i++) {
		uint8_t *resp = NULL;
		size_t resp_len;
		int status;

		if (d->coaps)
			(void)net_coap_client_post(d->w->coap, req, len, &status, &resp, &resp_len);
		else
			(void)http_client_post(d->w->http, opt.url, headers, req, len, &status, &resp, &resp_len);
		free(resp);
		atomic_fetch_add(&fleet.replayed, 1);
	}
}

/* Whether the enabled profile is --no-coverage's operator's. */
static bool no_coverage(struct device *d)
{
	uint8_t iccid[10];
	char digits[21];

	if (!opt.uncovered_iin[0] || !euicc_enabled_iccid(d->euicc, iccid))
		return false;
	rsp_iccid_to_digits(iccid, digits);
	return !strncmp(digits, opt.uncovered_iin, strlen(opt.uncovered_iin));
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
	if (d->off)
		return IOT_E_IO;
	/* the enabled profile has no coverage where the device is: nothing gets through */
	if (d->north && no_coverage(d)) {
		atomic_fetch_add(&fleet.uncovered, 1);
		return IOT_E_IO;
	}
	/* lost on the way out: the eIM never sees it */
	if (opt.network_loss && draw(d) * 200 < opt.network_loss) {
		atomic_fetch_add(&fleet.lost, 1);
		pause_ms(opt.timeout_ms / 4.0);
		return IOT_E_IO;
	}
	if (d->slow)
		pause_ms(opt.slow_ms + (opt.slow_bps ? len * 1000.0 / opt.slow_bps : 0));
	if (d->coaps)
		err = net_coap_client_post(d->w->coap, req, len, &status, resp, resp_len);
	else
		err = http_client_post(d->w->http, opt.url, headers, req, len, &status, resp, resp_len);
	if (err == IOT_OK && status / 100 != 2) {
		free(*resp);
		*resp = NULL;
		err = IOT_E_IO;
	}
	if (err == IOT_OK && d->slow)
		pause_ms(opt.slow_ms + (opt.slow_bps ? *resp_len * 1000.0 / opt.slow_bps : 0));
	/* lost on the way back: the eIM did it, the device does not know */
	if (err == IOT_OK && opt.network_loss && draw(d) * 200 < opt.network_loss) {
		atomic_fetch_add(&fleet.lost, 1);
		free(*resp);
		*resp = NULL;
		err = IOT_E_IO;
	}
	/* an attacker on the first device's path: each result replayed, byte for byte */
	if (err == IOT_OK && opt.replay && d == attacker && len > 2 && req[0] == 0xBF &&
	    req[1] == 0x50)
		replay(d, req, len);
	if (err == IOT_OK) {
		d->w->payload_up += len;
		d->w->payload_down += *resp_len;
		atomic_fetch_add(&fleet.up, len);
		atomic_fetch_add(&fleet.down, *resp_len);
	}
	return err;
}

/* The record lives as in flash: a power cut does not take it. */
static iot_err record_save(void *ctx, const uint8_t *rec, size_t len)
{
	struct device *d = ctx;

	if (len > sizeof(d->record))
		return IOT_E_ARG;
	if (len)
		memcpy(d->record, rec, len);
	d->record_len = len;
	return IOT_OK;
}

static iot_err record_load(void *ctx, uint8_t *rec, size_t cap, size_t *len)
{
	struct device *d = ctx;

	if (!d->record_len)
		return IOT_E_NOT_FOUND;
	if (d->record_len > cap)
		return IOT_E_ARG;
	memcpy(rec, d->record, d->record_len);
	*len = d->record_len;
	return IOT_OK;
}

static uint64_t clock_ms(void *ctx)
{
	(void)ctx;
	return (uint64_t)now_ms();
}

/* libipa keeps a copy of it. */
static struct ipa_platform platform_of(struct device *d)
{
	return (struct ipa_platform){ .ctx = d, .transmit = transmit, .esipa = esipa, .save = record_save,
				      .load = record_load, .reset = reset, .now_ms = clock_ms };
}

/* An operational profile of --operator-profile's operator, disabled, as a
 * multi-profile SKU ships: ICCID IIN then zeros and a 1, 20 digits, the same
 * on every device (one campaign's enable names it for all). */
static iot_err preload_operator(struct device *d)
{
	size_t index = 1;
	uint8_t md[] = { 0xBF, 0x25, 0x1D, 0x5A, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x91, 0x08, 'O', 'p', 'e', 'r',
			 'a', 't', 'o', 'r', 0x92, 0x02, 'O', 'P', 0x95, 0x01, 0x02 };
	size_t n = strlen(opt.operator_iin);
	char digits[20];

	memcpy(digits, opt.operator_iin, n);
	for (size_t i = 20; i-- > n; index /= 10)
		digits[i] = (char)('0' + index % 10);
	for (int i = 0; i < 10; i++)      /* ICCID BCD, nibbles swapped (SGP.22 2.5.3) */
		md[5 + i] = (uint8_t)((digits[2 * i] - '0') | (digits[2 * i + 1] - '0') << 4);
	return euicc_preload_profile(d->euicc, md, sizeof(md), (const uint8_t *)"o", 1, false);
}

static int device_new(struct device *d, const char *eid, const uint8_t *initial, size_t initial_len)
{
	static const uint8_t md_boot[] = { 0xBF, 0x25, 0x1E, 0x5A, 0x0A, 0x98, 0x40, 0x09, 0x23, 0, 0, 0, 0, 0, 0x91,
					   0x91, 0x09, 'B', 'o', 'o', 't', 's', 't', 'r', 'a', 'p', 0x92, 0x02, 'B', 'P',
					   0x95, 0x01, 0x01 };
	char key[512], cert[512], eum[512], ci[512];
	const char *cis[1] = { ci };
	struct euicc_provision p = { key, cert, eum, cis, 1, NULL, NULL, NULL };
	struct ipa_platform ip = platform_of(d);
	const uint8_t *resp;
	size_t n;

	snprintf(d->eid, sizeof(d->eid), "%s", eid);
	snprintf(key, sizeof(key), "%s/euicc/%s.key", opt.pki, eid);
	snprintf(cert, sizeof(cert), "%s/euicc/%s.pem", opt.pki, eid);
	snprintf(eum, sizeof(eum), "%s/eum.pem", opt.pki);
	snprintf(ci, sizeof(ci), "%s/ci.pem", opt.pki);
	if (euicc_create(&p, &d->euicc) != IOT_OK ||
	    euicc_preload_profile(d->euicc, md_boot, sizeof(md_boot), (const uint8_t *)"b", 1, true) != IOT_OK ||
	    (opt.operator_iin[0] && preload_operator(d) != IOT_OK) ||
	    ipa_new(&ip, &opt.ipa, &d->ipa) != IOT_OK || ipa_es10(d->ipa, initial, initial_len, &resp, &n) != IOT_OK ||
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

/* When d polls next: the interval jittered, or a back-off after failures
 * (doubling from an eighth of the interval, at least 50 ms, up to it). */
static void schedule(struct device *d, double now, bool ok)
{
	double base = opt.interval_ms, j = opt.jitter / 100.0;

	if (!ok && d->failures) {
		double b = (opt.interval_ms > 400 ? opt.interval_ms / 8.0 : 50) * (1u << (d->failures < 8 ? d->failures - 1 : 7));

		base = opt.interval_ms && b > opt.interval_ms ? opt.interval_ms : b;
		j = 0.5;        /* each wait in [b/2, b] */
	}
	d->next_at = now + base * (1 - j + 2 * j * draw(d) * (ok ? 1 : 0.5));
}

/* Power comes back: the eUICC is reset, the IPA starts again from its record. */
static void power_on(struct device *d)
{
	ipa_free(d->ipa);
	d->ipa = NULL;
	euicc_reset(d->euicc);
	d->off = false;
	d->cut_in = 0;
	struct ipa_platform ip = platform_of(d);

	if (ipa_new(&ip, &opt.ipa, &d->ipa) != IOT_OK) {
		fprintf(stderr, "fleetsim: device %s does not start again\n", d->eid);
		exit(1);
	}
}

static bool device_done(const struct device *d)
{
	return opt.until ? atomic_load(&fleet.stop) : d->polls >= opt.rounds;
}

/* No service for --fallback-after-ms: the platform asks the eUICC for its
 * fallback profile (SGP.32 ES10b.ExecuteFallbackMechanism), as a modem
 * that cannot attach would; libipa tells the eIM at the next poll. */
static void fall_back(struct device *d, double now)
{
	int result = 0;

	if (!opt.fallback_after_ms || now - d->offline_since < opt.fallback_after_ms)
		return;
	d->offline_since = now;         /* once per outage's period, not at every poll */
	if (ipa_switch_profile(d->ipa, IPA_EXECUTE_FALLBACK, &result) == IOT_OK && result == 0) {
		atomic_fetch_add(&fleet.fallbacks, 1);
		d->next_at = now;
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t cap = (size_t)opt.rounds * w->count;

	w->latency_ms = calloc(cap ? cap : 1, sizeof(double));
	w->latency_cap = cap;
	for (;;) {
		struct device *d = NULL;
		const struct ipa_stats *s;
		unsigned p0, i0, r0, rb0;
		double t0, now = now_ms();
		bool ok;

		/* the device due first (ties: the lowest index, round robin at interval 0) */
		for (size_t i = 0; i < w->count; i++)
			if (!device_done(&w->devices[i]) && (!d || w->devices[i].next_at < d->next_at))
				d = &w->devices[i];
		if (!d)
			break;
		if (d->next_at > now) {
			pause_ms(d->next_at - now < 100 ? d->next_at - now : 100);
			continue;
		}
		s = ipa_stats(d->ipa);
		p0 = s->packages + s->data_requests + s->downloads;
		i0 = s->downloads_installed;
		r0 = s->results_delivered;
		rb0 = s->rollbacks;
		if (opt.power_loss && draw(d) * 100 < opt.power_loss)
			d->cut_in = 1 + (int)(draw(d) * 12);        /* somewhere in the poll, if it gets that far */
		t0 = now_ms();
		ok = ipa_poll(d->ipa) == IOT_OK;
		now = now_ms();
		if (w->polls < cap)
			w->latency_ms[w->polls] = now - t0;
		w->polls++;
		d->polls++;
		s = ipa_stats(d->ipa);
		atomic_fetch_add(&fleet.packages, s->packages + s->data_requests + s->downloads - p0);
		atomic_fetch_add(&fleet.installed, s->downloads_installed - i0);
		atomic_fetch_add(&fleet.results, s->results_delivered - r0);
		atomic_fetch_add(&fleet.polls, 1);
		if (d->off) {
			atomic_fetch_add(&fleet.power_cuts, 1);
			power_on(d);
			ok = false;
		}
		d->cut_in = 0;
		if (!ok) {
			w->failed++;
			d->failures++;
			atomic_fetch_add(&fleet.failed, 1);
			if (!d->offline_since)
				d->offline_since = now;
			fall_back(d, now);
		} else {
			d->failures = 0;
			d->offline_since = 0;
		}
		if (ok != d->online) {
			d->online = ok;
			if (ok)
				atomic_fetch_add(&fleet.online, 1);
			else
				atomic_fetch_sub(&fleet.online, 1);
		}
		schedule(d, now, ok);
		/* rolled back: libipa polls at once, on the old profile, to report it */
		if (s->rollbacks != rb0)
			d->next_at = now;
	}
	return NULL;
}

/* --until: the stop file ends every device's schedule. */
static void *watch_until(void *arg)
{
	(void)arg;
	while (!atomic_load(&fleet.stop)) {
		if (access(opt.until, F_OK) == 0)
			atomic_store(&fleet.stop, true);
		pause_ms(50);
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
			pause_ms(100);
		now = now_ms();
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
		   "  --replay        an attacker replays each result of the first device N times more\n");
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
		{ NULL, 0, NULL, 0 },
	};
	const char *connect_address = NULL;
	char dir_path[512];
	struct worker *workers;
	struct device *devices;
	uint8_t initial[4096];
	size_t initial_len, made = 0, total_polls = 0, failed = 0, k = 0;
	unsigned packages = 0, installed = 0, results = 0;
	uint64_t up = 0, down = 0, wire_up = 0, wire_down = 0, dtls_up = 0, dtls_down = 0;
	size_t polls_all, coaps_devices = 0;
	pthread_t until_thread, progress_thread;
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
	    strlen(opt.operator_iin) > 7) {
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
	attacker = devices;
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
	if (opt.until)
		pthread_create(&until_thread, NULL, watch_until, NULL);
	if (opt.progress_s)
		pthread_create(&progress_thread, NULL, progress, &t0);
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_create(&workers[t].thread, NULL, work, &workers[t]);
	for (unsigned t = 0; t < opt.threads; t++)
		pthread_join(workers[t].thread, NULL);
	elapsed = now_ms() - t0;
	if (opt.until)
		pthread_join(until_thread, NULL);
	if (opt.progress_s) {
		atomic_store(&progress_done, true);
		pthread_join(progress_thread, NULL);
	}
	for (unsigned t = 0; t < opt.threads; t++) {
		uint64_t s_, r_;

		total_polls += workers[t].polls;
		failed += workers[t].failed;
		http_client_wire_bytes(workers[t].http, &s_, &r_);
		wire_up += s_;
		wire_down += r_;
		net_coap_client_wire_bytes(workers[t].coap, &s_, &r_);
		dtls_up += s_;
		dtls_down += r_;
	}
	packages = (unsigned)atomic_load(&fleet.packages);
	installed = (unsigned)atomic_load(&fleet.installed);
	results = (unsigned)atomic_load(&fleet.results);
	up = atomic_load(&fleet.up);
	down = atomic_load(&fleet.down);
	polls_all = total_polls;
	all = calloc(total_polls ? total_polls : 1, sizeof(double));
	for (unsigned t = 0; t < opt.threads; t++)
		for (size_t i = 0; i < workers[t].polls && i < workers[t].latency_cap; i++)
			all[k++] = workers[t].latency_ms[i];
	if (total_polls > k)
		total_polls = k;        /* --until: the latencies kept */
	qsort(all, total_polls, sizeof(double), cmp_double);
	for (size_t i = 0; i < made; i++)
		coaps_devices += devices[i].coaps;
	printf("devices %zu threads %u rounds %u over %s: polls %zu (failed %zu) in %.2f s = %.1f polls/s; "
	       "poll latency p50 %.2f ms p99 %.2f ms; packages+requests executed %u, profiles installed %u, "
	       "results delivered %u\n",
	       made, opt.threads, opt.rounds,
	       coaps_devices == made ? "CoAP/DTLS" : coaps_devices ? "HTTPS and CoAP/DTLS" : "HTTPS", polls_all, failed,
	       elapsed / 1e3, polls_all / (elapsed / 1e3), total_polls ? all[total_polls / 2] : 0,
	       total_polls ? all[total_polls * 99 / 100] : 0, packages, installed, results);
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
	printf("bytes per device: ESipa messages %llu up %llu down", (unsigned long long)(up / made),
	       (unsigned long long)(down / made));
	if (coaps_devices < made)
		printf("; TCP incl. TLS %llu up %llu down%s", (unsigned long long)(wire_up / (made - coaps_devices)),
		       (unsigned long long)(wire_down / (made - coaps_devices)), coaps_devices ? " (HTTPS devices)" : "");
	/* each thread's first DTLS ClientHello is not seen: a few hundred bytes a thread */
	if (coaps_devices)
		printf("; UDP incl. DTLS %llu up %llu down%s", (unsigned long long)(dtls_up / coaps_devices),
		       (unsigned long long)(dtls_down / coaps_devices), coaps_devices < made ? " (CoAP devices)" : "");
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
