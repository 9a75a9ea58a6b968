/* fleetsim's devices: each an IPA (libipa) with its own software eUICC in
 * memory, its ESipa transport (a worker's HTTPS or CoAP/DTLS client), the
 * field's misbehaviour (lost exchanges, power cuts, slow links, a profile
 * without coverage, a replaying attacker), scheduled by worker threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "euicc/euicc.h"
#include "net/coap.h"
#include "net/http.h"
#include "rsp/rsp.h"
#include "tools/fleetsim.h"

double fleetsim_now_ms(void)
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

void fleetsim_pause_ms(double ms)
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

struct device *fleetsim_attacker;

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
			(void)net_coap_client_post(d->w->coap[0], req, len, &status, &resp, &resp_len);
		else
			(void)http_client_post(d->w->http[0], opt.node[0].url, headers, req, len, &status, &resp, &resp_len);
		free(resp);
		atomic_fetch_add(&fleet.replayed, 1);
	}
}

/* Several nodes (--node): any of them at random, each time, leaving out
 * for 5 s one that failed to answer, as a load balancer's health check
 * would (all of them when none is up). */
static unsigned pick_node(struct device *d)
{
	unsigned up[FLEET_NODES], n = 0;
	double now = fleetsim_now_ms();

	for (unsigned i = 0; i < opt.nodes; i++)
		if (d->w->node_down_until[i] <= now)
			up[n++] = i;
	if (!n)
		return (unsigned)(draw(d) * opt.nodes);
	return up[(unsigned)(draw(d) * n)];
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
	unsigned n;
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
		fleetsim_pause_ms(opt.timeout_ms / 4.0);
		return IOT_E_IO;
	}
	if (d->slow)
		fleetsim_pause_ms(opt.slow_ms + (opt.slow_bps ? len * 1000.0 / opt.slow_bps : 0));
	n = pick_node(d);
	if (d->coaps)
		err = net_coap_client_post(d->w->coap[n], req, len, &status, resp, resp_len);
	else
		err = http_client_post(d->w->http[n], opt.node[n].url, headers, req, len, &status, resp, resp_len);
	if (err != IOT_OK && opt.nodes > 1)
		d->w->node_down_until[n] = fleetsim_now_ms() + 5000;
	if (err == IOT_OK && status / 100 != 2) {
		free(*resp);
		*resp = NULL;
		err = IOT_E_IO;
	}
	if (err == IOT_OK && d->slow)
		fleetsim_pause_ms(opt.slow_ms + (opt.slow_bps ? *resp_len * 1000.0 / opt.slow_bps : 0));
	/* lost on the way back: the eIM did it, the device does not know */
	if (err == IOT_OK && opt.network_loss && draw(d) * 200 < opt.network_loss) {
		atomic_fetch_add(&fleet.lost, 1);
		free(*resp);
		*resp = NULL;
		err = IOT_E_IO;
	}
	/* an attacker on the first device's path: each result replayed, byte for byte */
	if (err == IOT_OK && opt.replay && d == fleetsim_attacker && len > 2 && req[0] == 0xBF &&
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
	return (uint64_t)fleetsim_now_ms();
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

int fleetsim_device_new(struct device *d, const char *eid, const uint8_t *initial, size_t initial_len)
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
	if (d->ipae)
		return true;            /* it polls by itself */
	return opt.until ? atomic_load(&fleet.stop) : d->polls >= opt.rounds;
}

static iot_err terminal_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
				 size_t *resp_len)
{
	struct device *d = ctx;

	return euicc_transmit(d->euicc, apdu, len, resp, cap, resp_len);
}

static bool fleet_stopped(void *ctx)
{
	(void)ctx;
	return atomic_load(&fleet.stop);
}

static void *terminal_main(void *arg)
{
	struct device *d = arg;
	struct cat_terminal_config c = { .transmit = terminal_transmit, .stopped = fleet_stopped, .ctx = d,
					 .status_ms = 50 };

	(void)cat_terminal_run(&c, &d->terminal_stats);
	return NULL;
}

int fleetsim_ipae_start(struct device *d, const char *connect_address)
{
	/* the eIM's name as its configuration gives it (port 443), reached where --eim says */
	char connect[600];
	struct euicc_ipae_config c = { .ca_file = opt.ca, .connect_to = connect, .retry_min_s = 1, .retry_max_s = 4 };
	static const uint8_t activate[] = { 0xBF, 0x42, 0x04, 0x80, 0x02, 0x07, 0x80 };
	const uint8_t *resp;
	size_t n;

	snprintf(connect, sizeof(connect), "%s:443:%s:%u", opt.host, connect_address ? connect_address : opt.host,
		 opt.node[0].https_port);
	c.poll_interval_s = opt.interval_ms >= 1000 ? opt.interval_ms / 1000 : 1;
	/* SGP.32 IpaeActivationRequest, activateIpae: ipaMode ipae from now on */
	if (euicc_ipae_start(d->euicc, &c) != IOT_OK || ipa_es10(d->ipa, activate, sizeof(activate), &resp, &n) != IOT_OK ||
	    n != 6 || resp[5] != 0) {
		fprintf(stderr, "fleetsim: device %s: no IPAe\n", d->eid);
		return -1;
	}
	d->ipae = true;
	if (pthread_create(&d->terminal, NULL, terminal_main, d) != 0)
		return -1;
	return 0;
}

void fleetsim_ipae_join(struct device *d)
{
	if (d->ipae)
		pthread_join(d->terminal, NULL);
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

void *fleetsim_work(void *arg)
{
	struct worker *w = arg;
	size_t cap = (size_t)opt.rounds * w->count;

	w->latency_ms = calloc(cap ? cap : 1, sizeof(double));
	w->busy_ms = calloc(cap ? cap : 1, sizeof(double));
	w->latency_cap = w->latency_ms && w->busy_ms ? cap : 0;
	for (;;) {
		struct device *d = NULL;
		const struct ipa_stats *s;
		unsigned p0, i0, r0, rb0, done;
		bool rolled;
		double t0, now = fleetsim_now_ms();
		bool ok;

		/* the device due first (ties: the lowest index, round robin at interval 0) */
		for (size_t i = 0; i < w->count; i++)
			if (!device_done(&w->devices[i]) && (!d || w->devices[i].next_at < d->next_at))
				d = &w->devices[i];
		if (!d)
			break;
		if (d->next_at > now) {
			fleetsim_pause_ms(d->next_at - now < 100 ? d->next_at - now : 100);
			continue;
		}
		s = ipa_stats(d->ipa);
		p0 = s->packages + s->data_requests + s->downloads;
		i0 = s->downloads_installed;
		r0 = s->results_delivered;
		rb0 = s->rollbacks;
		if (opt.power_loss && draw(d) * 100 < opt.power_loss)
			d->cut_in = 1 + (int)(draw(d) * 12);        /* somewhere in the poll, if it gets that far */
		t0 = fleetsim_now_ms();
		ok = ipa_poll(d->ipa) == IOT_OK;
		now = fleetsim_now_ms();
		s = ipa_stats(d->ipa);
		done = s->packages + s->data_requests + s->downloads - p0;
		if (w->polls < w->latency_cap) {
			w->latency_ms[w->polls] = now - t0;
			if (done) {
				w->busy_ms[w->busy++] = now - t0;
				w->busy_packages += done;
			}
		}
		w->polls++;
		d->polls++;
		rolled = s->rollbacks != rb0;
		atomic_fetch_add(&fleet.packages, done);
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
		if (rolled)
			d->next_at = now;
	}
	return NULL;
}
