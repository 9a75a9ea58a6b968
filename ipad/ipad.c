/* ipad: the IoT Profile Assistant daemon and its one-shot commands. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/hex.h"
#include "base/log.h"
#include "cat/terminal.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "ipacore/ipa.h"
#include "ipad/platform.h"
#include "net/coap.h"
#include "net/esipa_json.h"
#include "net/http.h"
#include "rsp/rsp.h"

#include "ipad/ipad.h"

static volatile sig_atomic_t stop, poll_now;

static bool stopped(void *ctx)
{
	(void)ctx;
	return stop;
}

/* a modem's CAT engine (3GPP TS 27.007 +CUSAT*) for ipad terminal on an AT link */
static iot_err usat_profile(void *ctx, const uint8_t *tp, size_t len)
{
	return card_usat_profile(ctx, tp, len);
}

static iot_err usat_command(void *ctx, uint8_t *cmd, size_t cap, size_t *len)
{
	return card_usat_command(ctx, cmd, cap, len);
}

static iot_err usat_respond(void *ctx, const uint8_t *tr, size_t len)
{
	return card_usat_response(ctx, tr, len);
}

static iot_err usat_envelope(void *ctx, const uint8_t *env, size_t len)
{
	return card_usat_envelope(ctx, env, len);
}

static int usat_fd(void *ctx)
{
	return card_usat_fd(ctx);
}

static const struct cat_toolkit usat = { usat_profile, usat_command, usat_respond, usat_envelope, usat_fd };

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		poll_now = 1;
	else
		stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipad [options] COMMAND [args]\n"
		"\n"
		"commands:\n"
		"  run                      poll the eIM on its schedule until SIGTERM (SIGUSR1: poll now)\n"
		"  poll                     one poll now: results, notifications, then every eIM package\n"
		"  info                     EID, eUICC information, the eIM to poll\n"
		"  ipae on|off              the IPA inside the eUICC (IPAe) activated or deactivated\n"
		"  terminal                 lend the network to the eUICC's IPAe (ETSI TS 102 223 BIP) until\n"
		"                           SIGTERM: no eSIM logic here (--status-interval MS, default 30000;\n"
		"                           --bearer-kbps N: a slow bearer emulated, e.g. 60 for NB-IoT)\n"
		"  profiles                 the profiles on the eUICC\n"
		"  notifications            the notifications and package results the eUICC holds\n"
		"  fallback | return-from-fallback   the eUICC's fallback mechanism (no service for long),\n"
		"                           then a poll tells the eIM\n"
		"  emergency on|off         enable or disable the emergency profile (eCall), then a poll\n"
		"  download CODE            direct download of an activation code (LPA:1$...)\n"
		"      [--confirmation-code CC]\n"
		"  add-initial-eim          the factory step: make an eIM this eUICC's first\n"
		"      --eim-id ID --fqdn FQDN --eim-cert PEM [--coaps] [--indirect] [--tls-cert PEM]\n"
		"      or --request FILE: the AddInitialEim request an eIM exported (eimd --initial-eim)\n"
		"\n"
		"options (also as 'key = value' in the config file, without the dashes):\n"
		"  --config FILE\n"
		"  --card SPEC              pcsc[:READER] | at:DEVICE | at-cgla:DEVICE | socket:PATH\n"
		"  --state-dir DIR          where the power-cut record lives (default .)\n"
		"  --eim-ca PEM             trust for the eIM when the eUICC gives none\n"
		"  --es9-ca PEM             trust for SM-DP+s in direct download\n"
		"  --connect H:P:ADDR:P     reach H:P at ADDR:P, checking the certificate for H (repeatable)\n"
		"  --eim-port N, --coaps-port N   the eIM's HTTPS and CoAPs ports (443, 5684)\n"
		"  --prefer-coaps           CoAP/DTLS when the eIM offers both\n"
		"  --no-direct              every download through the eIM\n"
		"  --fresh-connection       a new connection per message; --no-session-resumption\n"
		"  --poll-interval S, --retry-min S, --retry-max S\n"
		"  --rollback-after S       after an enable with rollbackFlag, roll back when the eIM is not\n"
		"                           reached on the new profile within S seconds (default 600)\n"
		"  --timeout S              one exchange with the eIM or an SM-DP+ (default 30)\n"
		"  --tac HEX8               the device's TAC\n"
		"  --trace DIR              keep each ESipa message and answer there (NNNN-up.der, NNNN-down.der)\n"
		"  --imei HEX16             the device's IMEI as DeviceInfo carries it (8 bytes)\n"
		"  --capabilities LIST      its DeviceCapabilities, e.g. eutranEpc=15.0.0,nr5gc=16.0.0,lpaSvn=2.5.0\n"
		"                           (gsm utran cdma2000onex cdma2000hrpd cdma2000ehrpd eutranEpc contactless\n"
		"                           rspCrl nrEpc nr5gc eutran5gc lpaSvn)\n"
		"  --isd-r-aid HEX          the ISD-R's AID, for eUICCs with a vendor AID\n"
		"  --state-change CAUSE     tell the eIM at the first poll that the eUICC changed without it:\n"
		"                           otherEim fallback emergencyProfile reset immediateEnableProfile\n"
		"                           deviceChange undefined\n"
		"  --rplmn HEX6             the last registered PLMN (MCC/MNC as 3GPP TS 24.008 codes it)\n"
		"  --fallback-after S       run: execute the fallback mechanism after S seconds without\n"
		"                           reaching the eIM (once, until a poll succeeds again)\n"
		"  --inject-https ADDR:PORT run: take the eIM's pushes (inject mode) over HTTPS here,\n"
		"  --inject-coaps ADDR:PORT  and/or over CoAP/DTLS, when the eUICC's eIM configuration allows it;\n"
		"  --inject-cert PEM         with this certificate and key (--inject-key PEM), from eIMs whose\n"
		"  --inject-client-ca PEM    client certificate this CA issued\n"
		"  --minimize-esipa-bytes   compact messages to the eIM (SGP.32 minimizeEsipaBytes)\n"
		"  --terminal-capability HEX  the TERMINAL CAPABILITY data sent before each card session\n"
		"                           (default A903830107: eUICC-related capabilities, TS 102 221 11.1.19)\n"
		"  --esipa-binding json|asn1|FQDN=json|FQDN=asn1   ESipa's function binding toward every eIM,\n"
		"                           or toward the eIM of that FQDN (repeatable; default asn1)\n"
		"  --json                   machine-readable output\n"
		"  --verbose, --help\n");
}

/* the config file's key of each option (none: command line only) */
static const char *const keys[] = { [O_CARD] = "card", [O_STATE] = "state-dir", [O_EIM_CA] = "eim-ca",
				    [O_ES9_CA] = "es9-ca", [O_EIM_PORT] = "eim-port", [O_COAPS_PORT] = "coaps-port",
				    [O_PREFER_COAPS] = "prefer-coaps", [O_NO_DIRECT] = "no-direct",
				    [O_FRESH] = "fresh-connection", [O_NO_RESUME] = "no-session-resumption",
				    [O_INTERVAL] = "poll-interval", [O_RETRY_MIN] = "retry-min",
				    [O_RETRY_MAX] = "retry-max", [O_TAC] = "tac", [O_TRACE] = "trace",
				    [O_IMEI] = "imei", [O_CAPS] = "capabilities", [O_AID] = "isd-r-aid", [O_RPLMN] = "rplmn",
				    [O_FALLBACK_AFTER] = "fallback-after", [O_TIMEOUT] = "timeout",
				    [O_ROLLBACK_AFTER] = "rollback-after",
				    [O_INJECT_HTTPS] = "inject-https", [O_INJECT_COAPS] = "inject-coaps",
				    [O_INJECT_CERT] = "inject-cert", [O_INJECT_KEY] = "inject-key",
				    [O_INJECT_CLIENT_CA] = "inject-client-ca", [O_MINIMIZE] = "minimize-esipa-bytes",
				    [O_BINDING] = "esipa-binding", [O_TERMINAL_CAP] = "terminal-capability",
				    [O_STATUS_MS] = "status-interval", [O_KBPS] = "bearer-kbps" };

const char *ipad_opt(const struct args *a, int o)
{
	if (a->opt[o])
		return a->opt[o];
	return o < (int)(sizeof(keys) / sizeof(keys[0])) && keys[o] ? conf_get(&a->conf, keys[o]) : NULL;
}

bool ipad_flag(const struct args *a, int o)
{
	const char *v = ipad_opt(a, o);

	return v && (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"));
}

static uint64_t monotonic_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec;
}

/* What the eIM has not heard yet survives a restart (ipad.state-change). */
static void keep_state_change(struct ipa *ipa, struct ipad_platform *p)
{
	int cause;

	if (ipad_platform_keep_state_change(p, ipa_state_change_pending(ipa, &cause) ? cause : -1) != IOT_OK)
		log_warn("ipad", "the state change cannot be kept", "cause=%d", cause);
}

static int parse_bindings(const struct args *a, struct ipad_options *o)
{
	for (size_t i = 0; i < a->binding_count; i++) {
		const char *v = a->binding[i], *eq = strrchr(v, '=');
		const char *which = eq ? eq + 1 : v;

		if (strcmp(which, "json") && strcmp(which, "asn1")) {
			fprintf(stderr, "ipad: --esipa-binding is json, asn1, FQDN=json or FQDN=asn1\n");
			return -1;
		}
		if (!eq) {
			o->esipa_json = !strcmp(which, "json");
		} else if (o->binding_count < sizeof(o->bindings) / sizeof(o->bindings[0]) &&
			   (size_t)(eq - v) < sizeof(o->bindings[0].fqdn) && eq > v) {
			struct ipad_binding *b = &o->bindings[o->binding_count++];

			memcpy(b->fqdn, v, (size_t)(eq - v));
			b->fqdn[eq - v] = 0;
			b->json = !strcmp(which, "json");
		} else {
			fprintf(stderr, "ipad: --esipa-binding %s: too many, or not an FQDN\n", v);
			return -1;
		}
	}
	return 0;
}

static int cmd_run(struct ipa *ipa, struct ipad_platform *p, const struct args *a, unsigned fallback_after)
{
	struct inject in = { .ipa = ipa };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t reached = monotonic_s();       /* the last time a poll reached the eIM */
	bool fell_back = false;
	unsigned polls = 0;
	iot_err err;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	if (inject_start(a, &in)) {
		http_server_stop(in.http);
		return 1;
	}
	log_info("ipad", "running", "pid=%ld", (long)getpid());
	while (!stop) {
		bool due;

		pthread_mutex_lock(&ipad_ipa_lock);
		if (poll_now) {
			poll_now = 0;
			ipa_poll_now(ipa);
		}
		if ((due = !ipa_poll_due_in(ipa))) {
			/* logged inside; the back-off is scheduled */
			if (ipa_poll(ipa) == IOT_OK) {
				reached = monotonic_s();
				fell_back = false;
			}
			keep_state_change(ipa, p);
			polls++;
		}
		pthread_mutex_unlock(&ipad_ipa_lock);
		if (due)
			continue;
		/* no service for long: the fallback profile, once (the eIM is told at the next poll) */
		if (fallback_after && !fell_back && monotonic_s() - reached >= fallback_after) {
			int result = -1;

			fell_back = true;
			pthread_mutex_lock(&ipad_ipa_lock);
			err = ipa_switch_profile(ipa, IPA_EXECUTE_FALLBACK, &result);
			pthread_mutex_unlock(&ipad_ipa_lock);
			if (err != IOT_OK || result)
				log_warn("ipad", "no fallback", "result=%d", result);
			else
				log_info("ipad", "fell back", "after_s=%u", fallback_after);
			keep_state_change(ipa, p);
		}
		/* sleep in short steps: a signal ends it at once */
		struct timespec t = { 0, 200 * 1000000L };

		nanosleep(&t, NULL);
	}
	http_server_stop(in.http);
	net_coap_server_stop(in.coap);
	log_info("ipad", "stopped", "polls=%u pushes=%u", polls, ipa_stats(ipa)->injected);
	return 0;
}

/* A switch the device makes itself, then a poll so the eIM hears of it
 * at once (notifyStateChange); the eUICC's code is printed. */
static int cmd_switch(struct ipa *ipa, struct ipad_platform *p, const struct args *a, enum ipa_switch what)
{
	int result = -1;
	bool first = true;
	iot_err err = ipa_switch_profile(ipa, what, &result);

	if (err != IOT_OK && result < 0) {
		fprintf(stderr, "ipad: the eUICC does not answer: %s\n", iot_strerror(err));
		return 1;
	}
	if (a->json)
		putchar('{');
	print_int_field(a->json, &first, "result", result);
	if (a->json)
		puts("}");
	if (result)
		return 1;
	err = ipa_poll(ipa);
	print_stats(ipa, p, a, err);
	return err == IOT_OK ? 0 : 1;
}

static int cmd_download(struct ipa *ipa, const char *code, const char *cc, const struct args *a)
{
	struct ipa_activation_code ac;
	struct ipa_download_result r;
	char iccid[21] = "";
	bool first = true;
	iot_err err;

	if (ipa_parse_activation_code(code, &ac) != IOT_OK) {
		fprintf(stderr, "ipad: not an activation code: %s\n", code);
		return 2;
	}
	err = ipa_download(ipa, &ac, cc, &r);
	if (r.installed)
		rsp_iccid_to_digits(r.iccid, iccid);
	if (a->json)
		putchar('{');
	print_text_field(a->json, &first, "result", iot_errname(err), strlen(iot_errname(err)));
	print_int_field(a->json, &first, "installed", r.installed);
	print_text_field(a->json, &first, "iccid", iccid, strlen(iccid));
	print_int_field(a->json, &first, "smdp_code", r.server_code);
	print_int_field(a->json, &first, "euicc_code", r.euicc_code);
	if (a->json)
		puts("}");
	return err == IOT_OK && r.installed ? 0 : 1;
}

/* The device's identity beyond its TAC (SGP.22 4.2 DeviceInfo): kept for the IPA's life. */
static struct {
	uint8_t imei[8], aid[16], versions[12][3], terminal_capability[64];
	struct rsp_device_capabilities caps;
} identity;

/* "eutranEpc=15.0.0,nr5gc=16.0.0": each a release as its three version bytes. */
static int parse_capabilities(const char *text)
{
#define CAP(name, field) { name, offsetof(struct rsp_device_capabilities, has_##field), \
			   offsetof(struct rsp_device_capabilities, field) }
	static const struct { const char *name; size_t has, value; } caps[] = {
		CAP("gsm", gsm_supported_release), CAP("utran", utran_supported_release),
		CAP("cdma2000onex", cdma2000onex_supported_release), CAP("cdma2000hrpd", cdma2000hrpd_supported_release),
		CAP("cdma2000ehrpd", cdma2000ehrpd_supported_release), CAP("eutranEpc", eutran_epc_supported_release),
		CAP("contactless", contactless_supported_release), CAP("rspCrl", rsp_crl_supported_version),
		CAP("nrEpc", nr_epc_supported_release), CAP("nr5gc", nr5gc_supported_release),
		CAP("eutran5gc", eutran5gc_supported_release), CAP("lpaSvn", lpa_svn),
	};
#undef CAP
	const char *p = text;

	while (*p) {
		char name[32];
		unsigned x, y, z;
		int n = 0;
		size_t i;

		if (sscanf(p, "%31[^=]=%u.%u.%u%n", name, &x, &y, &z, &n) != 4 || x > 255 || y > 255 || z > 255)
			return -1;
		for (i = 0; i < sizeof(caps) / sizeof(caps[0]) && strcmp(name, caps[i].name); i++)
			;
		if (i == sizeof(caps) / sizeof(caps[0]))
			return -1;
		identity.versions[i][0] = (uint8_t)x;
		identity.versions[i][1] = (uint8_t)y;
		identity.versions[i][2] = (uint8_t)z;
		*(bool *)((char *)&identity.caps + caps[i].has) = true;
		*(rsp_bytes *)((char *)&identity.caps + caps[i].value) = RSP_BYTES(identity.versions[i], 3);
		p += n;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return 0;
}

static int parse_identity(const struct args *a, struct ipa_config *ic)
{
	const char *imei = ipad_opt(a, O_IMEI), *aid = ipad_opt(a, O_AID), *caps = ipad_opt(a, O_CAPS);
	const char *tcap = ipad_opt(a, O_TERMINAL_CAP);
	size_t n;

	if (imei && (hex_decode(imei, identity.imei, sizeof(identity.imei), &n) != IOT_OK || n != 8)) {
		fprintf(stderr, "ipad: --imei wants 16 hex digits\n");
		return -1;
	}
	ic->imei = imei ? identity.imei : NULL;
	if (aid && (hex_decode(aid, identity.aid, sizeof(identity.aid), &n) != IOT_OK || n < 5)) {
		fprintf(stderr, "ipad: --isd-r-aid wants 10 to 32 hex digits\n");
		return -1;
	}
	ic->isd_r_aid = aid ? identity.aid : NULL;
	ic->isd_r_aid_len = aid ? n : 0;
	if (caps && parse_capabilities(caps)) {
		fprintf(stderr, "ipad: --capabilities wants NAME=X.Y.Z,... (see --help)\n");
		return -1;
	}
	ic->capabilities = caps ? &identity.caps : NULL;
	/* ETSI TS 102 221 11.1.19: the TERMINAL CAPABILITY data sent at every card session */
	if (tcap && (hex_decode(tcap, identity.terminal_capability, sizeof(identity.terminal_capability), &n) != IOT_OK ||
		     n < 3 || identity.terminal_capability[0] != 0xA9)) {
		fprintf(stderr, "ipad: --terminal-capability wants the 'A9' template in hex (e.g. A903830107)\n");
		return -1;
	}
	ic->terminal_capability = tcap ? identity.terminal_capability : NULL;
	ic->terminal_capability_len = tcap ? n : 0;
	return 0;
}

/* --state-change and --rplmn: what the next polls tell the eIM of the device. */
static int device_state(const struct args *a, struct ipa *ipa)
{
	static const char *const causes[] = { "otherEim", "fallback", "emergencyProfile", "local", "reset",
					      "immediateEnableProfile", "deviceChange" };
	const char *cause = ipad_opt(a, O_STATE_CHANGE), *plmn = ipad_opt(a, O_RPLMN);
	uint8_t p[3];
	size_t n, i;

	if (plmn) {
		if (hex_decode(plmn, p, sizeof(p), &n) != IOT_OK || n != 3) {
			fprintf(stderr, "ipad: --rplmn wants 6 hex digits\n");
			return -1;
		}
		ipa_set_rplmn(ipa, p);
	}
	if (!cause)
		return 0;
	for (i = 0; i < sizeof(causes) / sizeof(causes[0]) && strcmp(cause, causes[i]); i++)
		;
	if (i == sizeof(causes) / sizeof(causes[0]) && strcmp(cause, "undefined")) {
		fprintf(stderr, "ipad: --state-change: unknown cause %s (see --help)\n", cause);
		return -1;
	}
	ipa_notify_state_change(ipa, i < sizeof(causes) / sizeof(causes[0]) ? (int)i : IPA_CHANGE_UNDEFINED);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, 0, O_CONFIG }, { "card", required_argument, 0, O_CARD },
		{ "state-dir", required_argument, 0, O_STATE }, { "eim-ca", required_argument, 0, O_EIM_CA },
		{ "es9-ca", required_argument, 0, O_ES9_CA }, { "connect", required_argument, 0, O_CONNECT },
		{ "eim-port", required_argument, 0, O_EIM_PORT }, { "coaps-port", required_argument, 0, O_COAPS_PORT },
		{ "prefer-coaps", no_argument, 0, O_PREFER_COAPS }, { "no-direct", no_argument, 0, O_NO_DIRECT },
		{ "fresh-connection", no_argument, 0, O_FRESH },
		{ "no-session-resumption", no_argument, 0, O_NO_RESUME },
		{ "poll-interval", required_argument, 0, O_INTERVAL }, { "retry-min", required_argument, 0, O_RETRY_MIN },
		{ "retry-max", required_argument, 0, O_RETRY_MAX }, { "tac", required_argument, 0, O_TAC },
		{ "trace", required_argument, 0, O_TRACE }, { "imei", required_argument, 0, O_IMEI },
		{ "capabilities", required_argument, 0, O_CAPS }, { "isd-r-aid", required_argument, 0, O_AID },
		{ "state-change", required_argument, 0, O_STATE_CHANGE }, { "rplmn", required_argument, 0, O_RPLMN },
		{ "fallback-after", required_argument, 0, O_FALLBACK_AFTER }, { "timeout", required_argument, 0, O_TIMEOUT },
		{ "rollback-after", required_argument, 0, O_ROLLBACK_AFTER },
		{ "json", no_argument, 0, O_JSON }, { "verbose", no_argument, 0, O_VERBOSE },
		{ "help", no_argument, 0, O_HELP }, { "confirmation-code", required_argument, 0, O_CC },
		{ "eim-id", required_argument, 0, O_EIM_ID }, { "fqdn", required_argument, 0, O_FQDN },
		{ "eim-cert", required_argument, 0, O_EIM_CERT }, { "coaps", no_argument, 0, O_COAPS },
		{ "indirect", no_argument, 0, O_INDIRECT }, { "tls-cert", required_argument, 0, O_TLS_CERT },
		{ "request", required_argument, 0, O_REQUEST },
		{ "inject-https", required_argument, 0, O_INJECT_HTTPS },
		{ "inject-coaps", required_argument, 0, O_INJECT_COAPS },
		{ "inject-cert", required_argument, 0, O_INJECT_CERT }, { "inject-key", required_argument, 0, O_INJECT_KEY },
		{ "inject-client-ca", required_argument, 0, O_INJECT_CLIENT_CA },
		{ "minimize-esipa-bytes", no_argument, 0, O_MINIMIZE },
		{ "esipa-binding", required_argument, 0, O_BINDING },
		{ "terminal-capability", required_argument, 0, O_TERMINAL_CAP },
		{ "status-interval", required_argument, 0, O_STATUS_MS },
		{ "bearer-kbps", required_argument, 0, O_KBPS },
		{ 0, 0, 0, 0 } };
	struct args a = { 0 };
	struct ipad_options o = { 0 };
	struct ipad_platform *p = NULL;
	struct ipa_platform ip;
	struct ipa_config ic = { 0 };
	struct ipa *ipa = NULL;
	const char *cmd, *card, *tac;
	int kept;
	uint8_t tac_bytes[4] = { 0x35, 0x29, 0x06, 0x11 };
	size_t tac_len;
	int c, bad, rc = 1;
	iot_err err;

	log_set_level(LOG_WARN);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_CONFIG:
			if (conf_load(optarg, &a.conf, &bad) != IOT_OK) {
				fprintf(stderr, "ipad: %s: cannot be read (line %d)\n", optarg, bad);
				return 2;
			}
			break;
		case O_CONNECT:
			if (a.connect_count < sizeof(a.connect) / sizeof(a.connect[0]))
				a.connect[a.connect_count++] = optarg;
			break;
		case O_BINDING:
			if (a.binding_count < sizeof(a.binding) / sizeof(a.binding[0]))
				a.binding[a.binding_count++] = optarg;
			break;
		case O_JSON: a.json = true; break;
		case O_COAPS: a.coaps = true; break;
		case O_INDIRECT: a.indirect = true; break;
		case O_VERBOSE: log_set_level(LOG_INFO); break;
		case O_PREFER_COAPS: case O_NO_DIRECT: case O_FRESH: case O_NO_RESUME: case O_MINIMIZE: a.opt[c] = "1"; break;
		case O_HELP: usage(stdout); return 0;
		case '?': usage(stderr); return 2;
		default: a.opt[c] = optarg; break;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		conf_free(&a.conf);
		return 2;
	}
	cmd = argv[optind];
	card = ipad_opt(&a, O_CARD);
	if (!card || card_parse(card, &o.card) != IOT_OK) {
		fprintf(stderr, "ipad: --card is needed: pcsc[:READER], at:DEVICE, at-cgla:DEVICE or socket:PATH\n");
		conf_free(&a.conf);
		return 2;
	}
	for (size_t i = 0; i < a.conf.count && a.connect_count < 8; i++)
		if (!strcmp(a.conf.entries[i].key, "connect"))
			a.connect[a.connect_count++] = a.conf.entries[i].value;
	o.state_dir = ipad_opt(&a, O_STATE);
	o.eim_ca = ipad_opt(&a, O_EIM_CA);
	o.es9_ca = ipad_opt(&a, O_ES9_CA);
	memcpy(o.connect, a.connect, sizeof(a.connect));
	o.connect_count = a.connect_count;
	o.eim_https_port = ipad_opt(&a, O_EIM_PORT) ? (uint16_t)atoi(ipad_opt(&a, O_EIM_PORT)) : 0;
	o.eim_coaps_port = ipad_opt(&a, O_COAPS_PORT) ? (uint16_t)atoi(ipad_opt(&a, O_COAPS_PORT)) : 0;
	o.fresh_connection = ipad_flag(&a, O_FRESH);
	o.no_session_resumption = ipad_flag(&a, O_NO_RESUME);
	o.no_direct = ipad_flag(&a, O_NO_DIRECT);
	o.trace_dir = ipad_opt(&a, O_TRACE);
	for (size_t i = 0; i < a.conf.count && a.binding_count < 8; i++)
		if (!strcmp(a.conf.entries[i].key, "esipa-binding"))
			a.binding[a.binding_count++] = a.conf.entries[i].value;
	if (parse_bindings(&a, &o)) {
		conf_free(&a.conf);
		return 2;
	}
	o.timeout_ms = ipad_opt(&a, O_TIMEOUT) ? atol(ipad_opt(&a, O_TIMEOUT)) * 1000 : 0;
	if ((tac = ipad_opt(&a, O_TAC)) && (hex_decode(tac, tac_bytes, sizeof(tac_bytes), &tac_len) != IOT_OK || tac_len != 4)) {
		fprintf(stderr, "ipad: --tac wants 8 hex digits\n");
		conf_free(&a.conf);
		return 2;
	}
	ic.tac = tac_bytes;
	if (parse_identity(&a, &ic)) {
		conf_free(&a.conf);
		return 2;
	}
	ic.prefer_coaps = ipad_flag(&a, O_PREFER_COAPS);
	ic.minimize_esipa_bytes = ipad_flag(&a, O_MINIMIZE);
	ic.inject_https = !strcmp(cmd, "run") && ipad_opt(&a, O_INJECT_HTTPS);
	ic.inject_coaps = !strcmp(cmd, "run") && ipad_opt(&a, O_INJECT_COAPS);
	ic.poll_interval_s = ipad_opt(&a, O_INTERVAL) ? (unsigned)atoi(ipad_opt(&a, O_INTERVAL)) : 0;
	ic.retry_min_s = ipad_opt(&a, O_RETRY_MIN) ? (unsigned)atoi(ipad_opt(&a, O_RETRY_MIN)) : 0;
	ic.retry_max_s = ipad_opt(&a, O_RETRY_MAX) ? (unsigned)atoi(ipad_opt(&a, O_RETRY_MAX)) : 0;
	ic.rollback_after_ms = ipad_opt(&a, O_ROLLBACK_AFTER) ? (unsigned)atoi(ipad_opt(&a, O_ROLLBACK_AFTER)) * 1000u : 0;
	if ((err = ipad_platform_new(&o, &p)) != IOT_OK) {
		fprintf(stderr, "ipad: the eUICC cannot be reached through %s: %s\n", card, iot_strerror(err));
		conf_free(&a.conf);
		return 1;
	}
	ipad_platform_fill(p, &ip);
	if ((err = ipa_new(&ip, &ic, &ipa)) != IOT_OK) {
		fprintf(stderr, "ipad: %s\n", iot_strerror(err));
		goto out;
	}
	/* a change not yet told before the last stop is told now */
	if ((kept = ipad_platform_kept_state_change(p)) >= 0)
		ipa_notify_state_change(ipa, kept);
	if (device_state(&a, ipa)) {
		rc = 2;
		goto out;
	}
	if (!strcmp(cmd, "run")) {
		rc = cmd_run(ipa, p, &a, ipad_opt(&a, O_FALLBACK_AFTER) ? (unsigned)atoi(ipad_opt(&a, O_FALLBACK_AFTER)) : 0);
	} else if (!strcmp(cmd, "poll")) {
		err = ipa_poll(ipa);
		print_stats(ipa, p, &a, err);
		rc = err == IOT_OK ? 0 : 1;
	} else if (!strcmp(cmd, "fallback") || !strcmp(cmd, "return-from-fallback") ||
		   (!strcmp(cmd, "emergency") && optind + 1 < argc &&
		    (!strcmp(argv[optind + 1], "on") || !strcmp(argv[optind + 1], "off")))) {
		rc = cmd_switch(ipa, p, &a, !strcmp(cmd, "fallback") ? IPA_EXECUTE_FALLBACK :
					   !strcmp(cmd, "return-from-fallback") ? IPA_RETURN_FROM_FALLBACK :
					   !strcmp(argv[optind + 1], "on") ? IPA_ENABLE_EMERGENCY : IPA_DISABLE_EMERGENCY);
	} else if (!strcmp(cmd, "terminal")) {
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		struct cat_terminal_config tc = {
			.transmit = ip.transmit, .stopped = stopped, .ctx = ip.ctx,
			.status_ms = ipad_opt(&a, O_STATUS_MS) ? (unsigned)atoi(ipad_opt(&a, O_STATUS_MS)) : 0,
			.kbps = ipad_opt(&a, O_KBPS) ? (unsigned)atoi(ipad_opt(&a, O_KBPS)) : 0 };

		/* the device lends its network to the eUICC's own IPA (BIP); a
		 * modem runs the toolkit's APDUs itself */
		if (o.card.kind == CARD_AT) {
			tc.toolkit = &usat;
			tc.ctx = ipad_platform_card(p);
		}
		rc = cat_terminal_run(&tc, NULL) ? 1 : 0;
	} else if (!strcmp(cmd, "ipae") && optind + 1 < argc &&
		   (!strcmp(argv[optind + 1], "on") || !strcmp(argv[optind + 1], "off"))) {
		rc = cmd_ipae(ipa, &a, !strcmp(argv[optind + 1], "on"));
	} else if (!strcmp(cmd, "info")) {
		rc = cmd_info(ipa, &a);
	} else if (!strcmp(cmd, "profiles")) {
		rc = cmd_profiles(ipa, &a);
	} else if (!strcmp(cmd, "notifications")) {
		rc = cmd_notifications(ipa, &a);
	} else if (!strcmp(cmd, "download") && optind + 1 < argc) {
		rc = cmd_download(ipa, argv[optind + 1], a.opt[O_CC], &a);
	} else if (!strcmp(cmd, "add-initial-eim") && a.opt[O_REQUEST]) {
		rc = cmd_add_initial_eim_request(ipa, &a, a.opt[O_REQUEST]);
	} else if (!strcmp(cmd, "add-initial-eim")) {
		rc = cmd_add_initial_eim(ipa, &a, a.opt[O_EIM_ID], a.opt[O_FQDN], a.opt[O_EIM_CERT], a.opt[O_TLS_CERT]);
	} else {
		usage(stderr);
		rc = 2;
	}
	keep_state_change(ipa, p);
out:
	ipa_free(ipa);
	ipad_platform_free(p);
	conf_free(&a.conf);
	return rc;
}
