/* euiccd: a software eUICC as a daemon — a simulator for development and
 * fleet testing, not a secure element. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/hex.h"
#include "base/log.h"
#include "euicc/euicc.h"
#include "euicc/server.h"
#include "rsp/rsp.h"

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A provisioning-class profile, enabled, as a factory loads it (SGP.32 2.x
 * bootstrap profile); its content is a placeholder: the simulator has no
 * file system to fill. */
static iot_err preload_bootstrap(struct euicc *e, const char *digits)
{
	struct rsp_store_metadata_request md = { 0 };
	uint8_t iccid[10], *der;
	size_t len;
	iot_err err;

	if ((err = rsp_iccid_from_digits(digits, iccid)) != IOT_OK)
		return err;
	md.iccid = RSP_BYTES(iccid, 10);
	md.service_provider_name = RSP_STR("Bootstrap");
	md.profile_name = RSP_STR("Bootstrap connectivity");
	md.profile_class = RSP_CLASS_PROVISIONING;
	if ((err = rsp_encode_alloc(&rsp_t_store_metadata_request, &md, &der, &len)) != IOT_OK)
		return err;
	err = euicc_preload_profile(e, der, len, (const uint8_t *)"bootstrap", 9, true);
	free(der);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: euiccd --state FILE [options]\n"
		"A software eUICC (SGP.32 ISD-R) — a simulator, not a secure element.\n\n"
		"  --state FILE        the eUICC's state (created from --key/--cert/--eum/--ci if missing)\n"
		"  --key FILE          SK.EUICC.ECDSA (PEM), to create a new eUICC\n"
		"  --cert FILE         CERT.EUICC.ECDSA; its serialNumber is the EID\n"
		"  --eum FILE          CERT.EUM.ECDSA\n"
		"  --ci FILE           a trusted CI certificate (repeat for more)\n"
		"  --default-dp ADDR   the default SM-DP+ address of a new eUICC\n"
		"  --bootstrap ICCID   a new eUICC leaves the factory with this bootstrap profile enabled\n"
		"  --socket PATH       serve APDUs on this Unix socket\n"
		"  --vpcd HOST[:PORT]  connect to vpcd (pcscd's virtual reader), port 35963 by default\n"
		"  --ipae              an IPA inside (IPAe): activated by the device (IpaeActivationRequest),\n"
		"                      it polls the eIM through the device's terminal (BIP), TLS inside\n"
		"  --ipae-ca FILE      the IPAe's trust for the eIM's TLS when its configuration carries none\n"
		"  --ipae-connect-to HOST:PORT:ADDR:PORT  where the IPAe reaches HOST:PORT (no DNS inside)\n"
		"  --ipae-poll-interval S  seconds between the IPAe's polls (default 3600)\n"
		"  --ipae-retry S[:MAX]    back-off after a failed poll (default 10:3600)\n"
		"  --config FILE       read these options from FILE (key = value), the command line wins\n"
		"  --verbose           debug logs\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' }, { "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' }, { "eum", required_argument, NULL, 'e' },
		{ "ci", required_argument, NULL, 'i' }, { "default-dp", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 'u' }, { "vpcd", required_argument, NULL, 'v' },
		{ "config", required_argument, NULL, 'f' }, { "verbose", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' }, { "bootstrap", required_argument, NULL, 'b' },
		{ "ipae", no_argument, NULL, 'I' }, { "ipae-ca", required_argument, NULL, 'A' },
		{ "ipae-connect-to", required_argument, NULL, 'C' },
		{ "ipae-poll-interval", required_argument, NULL, 'P' }, { "ipae-retry", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = NULL, *key = NULL, *cert = NULL, *eum = NULL, *dp = NULL, *sock = NULL, *vpcd = NULL, *bootstrap = NULL;
	const char *cis[8];
	size_t nci = 0, i;
	struct conf conf = { 0 };
	struct euicc_server_options so = { 0 };
	struct euicc_ipae_config ipae = { 0 };
	const char *ipae_on = NULL, *ipae_poll = NULL, *ipae_retry = NULL;
	struct euicc *e;
	struct sigaction sa;
	char host[256];
	iot_err err;
	int c, bad;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 'e': eum = optarg; break;
		case 'i':
			if (nci < 8)
				cis[nci++] = optarg;
			break;
		case 'd': dp = optarg; break;
		case 'b': bootstrap = optarg; break;
		case 'u': sock = optarg; break;
		case 'v': vpcd = optarg; break;
		case 'f':
			if ((err = conf_load(optarg, &conf, &bad)) != IOT_OK) {
				fprintf(stderr, "euiccd: %s: %s%s\n", optarg, iot_strerror(err),
					err == IOT_E_ARG ? " (a line without '=')" : "");
				return 2;
			}
			break;
		case 'I': ipae_on = "1"; break;
		case 'A': ipae.ca_file = optarg; break;
		case 'C': ipae.connect_to = optarg; break;
		case 'P': ipae_poll = optarg; break;
		case 'R': ipae_retry = optarg; break;
		case 'V': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* the configuration file fills what the command line left */
	state = state ? state : conf_get(&conf, "state");
	key = key ? key : conf_get(&conf, "key");
	cert = cert ? cert : conf_get(&conf, "cert");
	eum = eum ? eum : conf_get(&conf, "eum");
	dp = dp ? dp : conf_get(&conf, "default-dp");
	bootstrap = bootstrap ? bootstrap : conf_get(&conf, "bootstrap");
	sock = sock ? sock : conf_get(&conf, "socket");
	vpcd = vpcd ? vpcd : conf_get(&conf, "vpcd");
	ipae_on = ipae_on ? ipae_on : conf_get(&conf, "ipae");
	ipae.ca_file = ipae.ca_file ? ipae.ca_file : conf_get(&conf, "ipae-ca");
	ipae.connect_to = ipae.connect_to ? ipae.connect_to : conf_get(&conf, "ipae-connect-to");
	ipae_poll = ipae_poll ? ipae_poll : conf_get(&conf, "ipae-poll-interval");
	ipae_retry = ipae_retry ? ipae_retry : conf_get(&conf, "ipae-retry");
	if (ipae_poll)
		ipae.poll_interval_s = (unsigned)strtoul(ipae_poll, NULL, 10);
	if (ipae_retry) {
		char *end;

		ipae.retry_min_s = (unsigned)strtoul(ipae_retry, &end, 10);
		ipae.retry_max_s = *end == ':' ? (unsigned)strtoul(end + 1, NULL, 10) : 0;
	}
	for (i = 0; !nci && i < conf.count && nci < 8; i++)
		if (!strcmp(conf.entries[i].key, "ci"))
			cis[nci++] = conf.entries[i].value;
	if (!state || (!sock && !vpcd)) {
		usage(stderr);
		conf_free(&conf);
		return 2;
	}
	if (access(state, R_OK) == 0) {
		err = euicc_open(state, &e);
	} else {
		struct euicc_provision p = { key, cert, eum, cis, nci, state, dp, NULL };

		if ((err = euicc_create(&p, &e)) == IOT_OK && bootstrap)
			err = preload_bootstrap(e, bootstrap);
	}
	if (err != IOT_OK) {
		log_error("euiccd", "cannot load the eUICC", "state=%s error=\"%s\"", state, iot_strerror(err));
		conf_free(&conf);
		return 1;
	}
	if (ipae_on && strcmp(ipae_on, "0") && strcmp(ipae_on, "no") && (err = euicc_ipae_start(e, &ipae)) != IOT_OK) {
		log_error("euiccd", "cannot start the IPAe", "error=\"%s\"", iot_strerror(err));
		euicc_free(e);
		conf_free(&conf);
		return 1;
	}
	{
		char text[33];

		hex_encode(euicc_eid(e), 16, text);
		log_info("euiccd", "eUICC ready (a simulator, not a secure element)", "eid=%s state=%s ipae=%s", text,
			 state, ipae_on ? (euicc_ipae_active(e) ? "active" : "supported") : "no");
	}
	so.socket_path = sock;
	if (vpcd) {
		char *colon;

		snprintf(host, sizeof(host), "%s", vpcd);
		so.vpcd_port = 35963;
		if ((colon = strrchr(host, ':'))) {
			*colon = '\0';
			so.vpcd_port = atoi(colon + 1);
		}
		so.vpcd_host = host;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = euicc_serve(e, &so, &stop);
	log_info("euiccd", "stopped", "error=\"%s\"", iot_strerror(err));
	euicc_free(e);
	conf_free(&conf);
	return err == IOT_OK ? 0 : 1;
}
