/* eimd: the eSIM IoT Manager daemon. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/sig.h"
#include "eim/autopilot.h"
#include "eim/change.h"
#include "eim/server.h"

#define MAX_MANY 16

/* SIGHUP: the policy file read again; one that does not parse leaves the one in force */
static void eimd_reload_policy(const struct eim_config *c, const char *file)
{
	struct eim_policy *pol;
	struct eim *e;
	char why[200];
	bool ok;

	if ((ok = eim_policy_load(file, &pol, why, sizeof(why)) == IOT_OK)) {
		eim_policy_slot_set(c->policy, pol);
		log_info("eimd", "policy reloaded", "file=%s", file);
	} else {
		log_error("eimd", "policy not reloaded: the one in force stays", "file=%s why=\"%s\"", file, why);
	}
	/* a policy change is a governance decision like any other: audited */
	if (eim_open(c, &e) == IOT_OK) {
		(void)eim_audit(e, "eimd", "policy-reload", file, ok ? "in force" : why);
		eim_close(e);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: eimd --config FILE [--initial-eim OUT | --audit-verify [EXPORT] | --migrate-store URL] [--verbose]\n"
		"The eSIM IoT Manager: ESipa over HTTPS and CoAP/DTLS, the REST API (/api/v1).\n"
		"\n"
		"config (key = value):\n"
		"  eim-id, fqdn            the eIM's identifier and the name devices reach it by\n"
		"  eim-key, eim-cert       SK.EIM.ECDSA and its certificate (signs eUICC Packages)\n"
		"  eim-tls-cert            optional: the TLS certificate eUICCs are told to trust\n"
		"  ci                      a CI eUICC certificates chain to (repeatable)\n"
		"  store                   sqlite:PATH (default sqlite:eim.db)\n"
		"  listen, port            HTTPS (default 127.0.0.1, 8443; 0: any free port)\n"
		"  coaps-port              CoAP/DTLS (default 5684; off: none)\n"
		"  tls-cert, tls-key       the server certificate for HTTPS and DTLS\n"
		"  coaps                   yes: the AddInitialEim export offers CoAPs, not HTTPS\n"
		"  smdp-ca                 trust for SM-DP+s (the ES9+ relay)\n"
		"  es9-binding             asn1 (default) or json: how the relay speaks ES9+\n"
		"  inject-ca               trust for devices' certificates when pushing (inject mode)\n"
		"  inject-cert, inject-key the client certificate pushes present (default tls-cert, tls-key)\n"
		"  connect                 HOST:PORT:ADDR:PORT to reach an SM-DP+ elsewhere (repeatable)\n"
		"  api-key                 ROLE:NAME:TOKEN, role admin|approver|operator|auditor (repeatable)\n"
		"  policy                  the governance policy (JSON; SIGHUP reloads it); none: built-in rules\n"
		"  threads                 HTTPS worker threads (default twice the processors, at least 4)\n"
		"  metrics                 key (default: /metrics wants an auditor's key or above) or open\n"
		"  console                 the operator console's directory, served under /console/ (off: none)\n"
		"  webhook                 URL KEY: the autopilot's alerts POSTed there, signed with KEY (repeatable)\n"
		"  webhook-ca              trust for webhook receivers (default: the system's)\n"
		"  autopilot-period-ms     between the autopilot's rounds (default 5000)\n"
		"  lease-ms                how long a node's hold on background work outlives it (default 30000)\n"
		"\n"
		"  --initial-eim OUT       write the AddInitialEim request factories load, then exit\n"
		"  --import-euiccs FILE    register the eUICCs of FILE (lines: EID [LABELS]), 1,000 per transaction\n"
		"  --audit-verify [EXPORT] check the audit log's hash chain (or an export of it, offline,\n"
		"                          with eim-cert: chain, signed checkpoints, signed end), then exit\n"
		"  --migrate-store URL     copy the store at URL (e.g. sqlite:eim.db) into the config's store\n"
		"                          (e.g. postgresql://...), which must have no eUICCs yet, then exit\n");
}

static size_t many(const struct conf *c, const char *key, const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < c->count && n < MAX_MANY; i++)
		if (!strcmp(c->entries[i].key, key))
			out[n++] = c->entries[i].value;
	return n;
}

/* --import-euiccs FILE: "EID [LABELS]" lines, registered 1,000 per transaction. */
static int import_euiccs(const struct eim_config *c, const char *path)
{
	enum { BATCH = 1000 };
	static char lines[BATCH][320];
	const char *eids[BATCH], *labels[BATCH];
	FILE *f = fopen(path, "r");
	struct eim *e;
	size_t n = 0, added, total = 0, seen = 0, line_no = 0;
	iot_err err = IOT_OK;

	if (!f || eim_open(c, &e) != IOT_OK) {
		fprintf(stderr, "eimd: cannot read %s or open the store\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	for (bool more = true; err == IOT_OK && more;) {
		char *sp;

		more = fgets(lines[n], sizeof(lines[n]), f) != NULL;
		if (more) {
			line_no++;
			lines[n][strcspn(lines[n], "\r\n")] = 0;
			if (!lines[n][0] || lines[n][0] == '#')
				continue;
			sp = strchr(lines[n], ' ');
			if (sp)
				*sp++ = 0;
			eids[n] = lines[n];
			labels[n] = sp;
			n++;
		}
		if (n && (n == BATCH || !more)) {
			if ((err = eim_euicc_register_batch(e, eids, labels, n, &added)) == IOT_OK) {
				total += added;
				seen += n;
			}
			n = 0;
		}
	}
	fclose(f);
	{
		char outcome[64];

		snprintf(outcome, sizeof(outcome), "%s registered=%zu", err == IOT_OK ? "ok" : iot_errname(err), total);
		(void)eim_audit(e, "eimd", "import-euiccs", path, outcome);
	}
	eim_close(e);
	if (err != IOT_OK) {
		fprintf(stderr, "eimd: %s: the batch before line %zu failed: %s (%zu registered before it)\n", path,
			line_no, err == IOT_E_ARG ? "an EID is not 32 digits" : iot_strerror(err), total);
		return 1;
	}
	printf("registered %zu eUICCs (%zu known already)\n", total, seen - total);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' }, { "initial-eim", required_argument, NULL, 'i' },
		{ "audit-verify", no_argument, NULL, 'a' }, { "verbose", no_argument, NULL, 'V' },
		{ "import-euiccs", required_argument, NULL, 'E' }, { "migrate-store", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	static const char *cis[MAX_MANY], *connects[MAX_MANY], *keys_text[MAX_MANY], *hooks_text[MAX_MANY];
	static char hook_urls[MAX_MANY][512];
	static struct eim_webhook hooks[MAX_MANY];
	size_t nhooks;
	static struct eim_api_key keys[MAX_MANY];
	struct eim_server_config sc = { 0 };
	struct eim_server *server;
	struct conf conf = { 0 };
	sigset_t sigs;
	const char *initial = NULL, *euiccs = NULL, *migrate = NULL, *v;
	bool audit = false;
	size_t nkeys;
	int c, bad, sig, rc = 0;
	iot_err err;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((err = conf_load(optarg, &conf, &bad)) != IOT_OK) {
				fprintf(stderr, "eimd: %s: %s (line %d)\n", optarg, iot_strerror(err), bad);
				return 2;
			}
			break;
		case 'i': initial = optarg; break;
		case 'a': audit = true; break;
		case 'E': euiccs = optarg; break;
		case 'M': migrate = optarg; break;
		case 'V': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	sc.eim = (struct eim_config){ .eim_id = conf_get(&conf, "eim-id"), .fqdn = conf_get(&conf, "fqdn"),
				      .key_file = conf_get(&conf, "eim-key"), .cert_file = conf_get(&conf, "eim-cert"),
				      .tls_cert_file = conf_get(&conf, "eim-tls-cert"),
				      .store_url = conf_get(&conf, "store") ? conf_get(&conf, "store") : "sqlite:eim.db",
				      .smdp_ca = conf_get(&conf, "smdp-ca"), .inject_ca = conf_get(&conf, "inject-ca"),
				      .inject_cert_file = conf_get(&conf, "inject-cert") ? conf_get(&conf, "inject-cert")
										 : conf_get(&conf, "tls-cert"),
				      .inject_key_file = conf_get(&conf, "inject-key") ? conf_get(&conf, "inject-key")
										: conf_get(&conf, "tls-key") };
	sc.eim.ci_files = cis;
	sc.eim.ci_count = many(&conf, "ci", cis);
	sc.eim.connect = connects;
	sc.eim.connect_count = many(&conf, "connect", connects);
	sc.eim.coaps = (v = conf_get(&conf, "coaps")) && !strcmp(v, "yes");
	if ((v = conf_get(&conf, "es9-binding")) && strcmp(v, "json") && strcmp(v, "asn1")) {
		fprintf(stderr, "eimd: es9-binding is json or asn1\n");
		return 2;
	}
	sc.eim.es9_json = v && !strcmp(v, "json");
	if (!sc.eim.eim_id || !sc.eim.key_file || !sc.eim.cert_file || !sc.eim.ci_count) {
		fprintf(stderr, "eimd: the config needs eim-id, eim-key, eim-cert and ci\n");
		usage(stderr);
		conf_free(&conf);
		return 2;
	}
	nkeys = many(&conf, "api-key", keys_text);
	for (size_t i = 0; i < nkeys; i++)
		if (eim_api_key_parse(keys_text[i], &keys[i]) != IOT_OK) {
			fprintf(stderr, "eimd: api-key wants ROLE:NAME:TOKEN (admin, operator or auditor)\n");
			conf_free(&conf);
			return 2;
		}
	sc.keys = keys;
	sc.key_count = nkeys;
	nhooks = many(&conf, "webhook", hooks_text);
	for (size_t i = 0; i < nhooks; i++) {
		const char *sp = strchr(hooks_text[i], ' ');

		if (!sp || (size_t)(sp - hooks_text[i]) >= sizeof(hook_urls[i]) || strncmp(hooks_text[i], "https://", 8) ||
		    strlen(sp + strspn(sp, " ")) < 16) {
			fprintf(stderr, "eimd: webhook wants URL KEY (https://..., a key of 16 characters or more)\n");
			conf_free(&conf);
			return 2;
		}
		memcpy(hook_urls[i], hooks_text[i], (size_t)(sp - hooks_text[i]));
		hooks[i] = (struct eim_webhook){ hook_urls[i], sp + strspn(sp, " ") };
	}
	sc.eim.webhooks = hooks;
	sc.eim.webhook_count = nhooks;
	sc.eim.webhook_ca = conf_get(&conf, "webhook-ca");
	if ((v = conf_get(&conf, "autopilot-period-ms")))
		sc.autopilot_period_ms = (unsigned)atoi(v);
	if ((v = conf_get(&conf, "lease-ms")))
		sc.eim.lease_ms = (unsigned)atoi(v);
	if ((v = conf_get(&conf, "metrics")) && strcmp(v, "open") && strcmp(v, "key")) {
		fprintf(stderr, "eimd: metrics is key or open\n");
		conf_free(&conf);
		return 2;
	}
	sc.metrics_open = v && !strcmp(v, "open");
	/* the console as built beside the sources unless the config says where, or off */
	v = conf_get(&conf, "console");
	sc.console_dir = v && !strcmp(v, "off") ? NULL : v ? v : IOTRSP_CONSOLE_DIR;
	if (audit && optind < argc) {
		char why[200], *text = NULL;
		size_t len = 0;
		int64_t entries;
		FILE *f = fopen(argv[optind], "rb");

		/* an export, offline: the store is not needed, the eIM's certificate is */
		err = IOT_E_IO;
		if (f) {
			char buf[65536];
			size_t n;

			while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
				char *grown = realloc(text, len + n + 1);

				if (!grown)
					break;
				memcpy((text = grown) + len, buf, n);
				len += n;
			}
			fclose(f);
			err = eim_audit_verify_export(text ? text : "", len, sc.eim.cert_file, &entries, why, sizeof(why));
		} else {
			snprintf(why, sizeof(why), "cannot read %s", argv[optind]);
		}
		if (err == IOT_OK)
			printf("audit export intact: %lld entries, signed by the eIM to its end\n", (long long)entries);
		else
			printf("audit export BROKEN: %s\n", why);
		free(text);
		conf_free(&conf);
		return err == IOT_OK ? 0 : 1;
	}
	if ((v = conf_get(&conf, "policy"))) {
		struct eim_policy *pol;
		char why[200];

		if ((err = eim_policy_load(v, &pol, why, sizeof(why))) != IOT_OK ||
		    (err = eim_policy_slot_new(pol, &sc.eim.policy)) != IOT_OK) {
			fprintf(stderr, "eimd: policy %s: %s\n", v, why);
			conf_free(&conf);
			return 2;
		}
	}
	if (euiccs) {
		rc = import_euiccs(&sc.eim, euiccs);
		conf_free(&conf);
		eim_policy_slot_free(sc.eim.policy);
		return rc;
	}
	if (migrate) {
		uint64_t rows;
		size_t tables;

		err = eim_migrate_store(&sc.eim, migrate, &rows, &tables);
		if (err == IOT_OK)
			printf("store migrated: %zu tables, %llu rows from %s\n", tables, (unsigned long long)rows, migrate);
		else
			fprintf(stderr, "eimd: migrate-store: %s%s\n", iot_strerror(err),
				err == IOT_E_REFUSED ? " (the store of the config already has eUICCs)" : "");
		conf_free(&conf);
		eim_policy_slot_free(sc.eim.policy);
		return err == IOT_OK ? 0 : 1;
	}
	if (initial || audit) {
		struct eim *e;

		if ((err = eim_open(&sc.eim, &e)) != IOT_OK) {
			fprintf(stderr, "eimd: %s\n", iot_strerror(err));
			conf_free(&conf);
			eim_policy_slot_free(sc.eim.policy);
			return 1;
		}
		if (initial) {
			uint8_t *der;
			size_t len;
			FILE *f;

			rc = 1;
			if (eim_initial_eim_request(e, &der, &len) == IOT_OK && (f = fopen(initial, "wb"))) {
				rc = fwrite(der, 1, len, f) == len && fclose(f) == 0 ? 0 : 1;
				free(der);
			}
		} else {
			int64_t entries, first_bad;

			err = eim_audit_verify(e, &entries, &first_bad);
			if (err == IOT_OK)
				printf("audit log intact: %lld entries\n", (long long)entries);
			else
				printf("audit log BROKEN at entry %lld (%lld entries before it verify)\n", (long long)first_bad,
				       (long long)entries);
			rc = err == IOT_OK ? 0 : 1;
		}
		eim_close(e);
		conf_free(&conf);
		eim_policy_slot_free(sc.eim.policy);
		return rc;
	}
	sc.http = (struct http_server_config){ .address = conf_get(&conf, "listen"), .port = 8443,
					       .cert_file = conf_get(&conf, "tls-cert"), .key_file = conf_get(&conf, "tls-key"),
					       .threads = 0 };
	if ((v = conf_get(&conf, "port")))
		sc.http.port = (uint16_t)atoi(v);
	if ((v = conf_get(&conf, "threads")))
		sc.http.threads = (unsigned)atoi(v);
	v = conf_get(&conf, "coaps-port");
	sc.coap_off = v && !strcmp(v, "off");
	sc.coap = (struct net_coap_server_config){ .address = conf_get(&conf, "listen"),
						   .port = (uint16_t)(v && !sc.coap_off ? atoi(v) : 5684),
						   .cert_file = sc.http.cert_file, .key_file = sc.http.key_file };
	if (!sc.http.cert_file || !sc.http.key_file) {
		fprintf(stderr, "eimd: tls-cert and tls-key are needed: ESipa runs over HTTPS and DTLS only\n");
		conf_free(&conf);
		eim_policy_slot_free(sc.eim.policy);
		return 2;
	}
	/* before the server's threads start, so that they inherit the mask (sig.h) */
	sig_block_daemon(&sigs, true);
	if ((err = eim_server_start(&sc, &server)) != IOT_OK) {
		log_error("eimd", "cannot start", "error=\"%s\"", iot_strerror(err));
		conf_free(&conf);
		eim_policy_slot_free(sc.eim.policy);
		return 1;
	}
	/* the ports actually bound, for scripts that asked for any */
	log_info("eimd", "listening", "https_port=%u coaps_port=%u", eim_server_https_port(server),
		 eim_server_coap_port(server));
	while ((sig = sig_wait_daemon(&sigs)) == SIGHUP)
		if ((v = conf_get(&conf, "policy")))
			eimd_reload_policy(&sc.eim, v);
	eim_server_stop(server);
	eim_policy_slot_free(sc.eim.policy);
	log_info("eimd", "stopped", "signal=%s", sig == SIGINT ? "INT" : "TERM");
	conf_free(&conf);
	return rc;
}
