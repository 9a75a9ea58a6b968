/* smdpd: the SM-DP+ daemon — ES9+ and ES2+ over HTTPS — and its profile
 * import (smdpd --import UPP ...). */
#include <dirent.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/sig.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "rsp/rsp.h"
#include "smdp/server.h"

#define MAX_SETS 4
#define MAX_CLIENTS 32

static void usage(FILE *f)
{
	fprintf(f,
		"usage: smdpd --config FILE [options]\n"
		"       smdpd --config FILE --import UPP.der --iccid DIGITS [--count N] --owner NAME --spn NAME --name NAME\n"
		"       smdpd --config FILE --import-dir DIR --owner NAME --spn NAME --name NAME\n"
		"       smdpd --config FILE --migrate-store URL   (the store at URL, e.g. sqlite:smdp.db, copied\n"
		"         into the config's, e.g. postgresql://..., which must hold no profile yet)\n"
		"         (every file of DIR named ICCID or ICCID.der is that profile's UPP; one transaction per 1,000)\n"
		"An SM-DP+ (SGP.22 ES9+ and ES2+ over HTTPS, ES9+ also in the ASN.1 binding).\n\n"
		"  --address FQDN          this SM-DP+'s address, as in activation codes (address)\n"
		"  --listen IP             the IPv4 address to listen on (listen, default 127.0.0.1)\n"
		"  --port N                the port (port, default 8443; 0: any free one)\n"
		"  --tls-cert/--tls-key F  the HTTPS certificate and key, PEM (tls-cert, tls-key; none: plain HTTP)\n"
		"  --store URL             the store (store, default sqlite:smdp.db)\n"
		"  --threads N             worker threads (threads, default twice the processors, at least 4)\n"
		"  config only, repeatable, one set per CI: ci, dp-auth-cert, dp-auth-key, dp-pb-cert, dp-pb-key;\n"
		"  es2-client = OWNER:TOKEN[:URL]  (an ES2+ client, its bearer token or - for none, where its\n"
		"              HandleDownloadProgressInfo calls go); es2-progress-ca = FILE (trust for those URLs);\n"
		"  es2-client-ca = FILE (CAs of ES2+ client certificates: mutual TLS), es2-client-cert = OWNER:FILE\n"
		"              (the certificate that stands for OWNER);\n"
		"  lease-ms = N (nodes on one store: how long a dead node's hold on sending progress lasts, 30000)\n"
		"  import: --class test|provisioning|operational, --notify ADDRESS, --ppr 1|2|1,2 (policy rules),\n"
		"          --ppk (protect ahead with a PPK)\n"
		"  --config FILE           key = value lines, the command line wins\n"
		"  --verbose               debug logs\n");
}

/* The n-th value of key, in file order. */
static const char *nth(const struct conf *c, const char *key, size_t n)
{
	for (size_t i = 0; i < c->count; i++)
		if (!strcmp(c->entries[i].key, key) && n-- == 0)
			return c->entries[i].value;
	return NULL;
}

/* digits + 1, as a decimal number of the same width; false when it overflows */
static bool next_digits(char *d)
{
	for (size_t i = strlen(d); i-- > 0;) {
		if (d[i] < '9') {
			d[i]++;
			return true;
		}
		d[i] = '0';
	}
	return false;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = -1;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	*len = buf ? (size_t)n : 0;
	return buf;
}

/* A file name that is an ICCID (19 or 20 digits, optionally .der). */
static bool iccid_name(const char *name, char digits[24])
{
	size_t n = strspn(name, "0123456789");

	if ((n != 19 && n != 20) || (name[n] && strcmp(name + n, ".der")))
		return false;
	snprintf(digits, 24, "%.*s", (int)n, name);
	return true;
}

/* Profiles into the store in one transaction per SMDP_IMPORT_BATCH: the UPP
 * at path --count times with ICCIDs counting up from iccid_digits, or
 * (dir) every file of dir named by its ICCID. */
static int import(const struct smdp_config *cfg, const char *path, const char *dir, const char *iccid_digits,
		  long count, const struct smdp_profile_info *info)
{
	struct smdp *dp;
	uint8_t iccid[10], *upp = NULL;
	char digits[24] = "";
	long done = 0;
	size_t len = 0;
	DIR *d = NULL;
	struct dirent *ent;
	struct timespec t0, t1;
	iot_err err;

	if (!dir && !(upp = read_file(path, &len))) {
		fprintf(stderr, "smdpd: cannot read %s\n", path);
		return 1;
	}
	if (dir && !(d = opendir(dir))) {
		fprintf(stderr, "smdpd: cannot read the directory %s\n", dir);
		return 1;
	}
	if (!dir) {
		snprintf(digits, sizeof(digits), "%s", iccid_digits);
		if (rsp_iccid_from_digits(digits, iccid) != IOT_OK) {
			fprintf(stderr, "smdpd: --iccid wants 19 or 20 digits\n");
			free(upp);
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = smdp_open(cfg, &dp)) == IOT_OK && (err = smdp_import_begin(dp)) == IOT_OK) {
		if (!dir) {
			/* --count N: N profiles, the same content, ICCIDs counting up from --iccid */
			for (done = 0; err == IOT_OK && done < count; done++) {
				if (done && (!next_digits(digits) || rsp_iccid_from_digits(digits, iccid) != IOT_OK)) {
					err = IOT_E_ARG;
					break;
				}
				err = smdp_add_profile(dp, iccid, info, upp, len);
			}
		} else {
			while (err == IOT_OK && (ent = readdir(d))) {
				char file[4096];

				if (!iccid_name(ent->d_name, digits))
					continue;
				snprintf(file, sizeof(file), "%s/%s", dir, ent->d_name);
				if (!(upp = read_file(file, &len)) || rsp_iccid_from_digits(digits, iccid) != IOT_OK)
					err = IOT_E_IO;
				else if ((err = smdp_add_profile(dp, iccid, info, upp, len)) == IOT_OK)
					done++;
				free(upp);
				upp = NULL;
			}
		}
		err = err == IOT_OK ? smdp_import_end(dp, true) : (smdp_import_end(dp, false), err);
	}
	smdp_close(dp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(upp);
	if (d)
		closedir(d);
	if (err != IOT_OK) {
		fprintf(stderr, "smdpd: import of %s failed: %s (the batches of %d before it are in)\n", digits,
			err == IOT_E_REFUSED ? "the ICCID exists" : iot_strerror(err), SMDP_IMPORT_BATCH);
		return 1;
	}
	if (done == 1 && !dir)
		printf("imported %s (%zu bytes) for %s\n", iccid_digits, len, info->owner);
	else
		printf("imported %ld profiles for %s in %.2f s (%.0f/s)\n", done, info->owner,
		       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		       done / ((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 + 1e-9));
	return 0;
}

/* The SHA-256 of a certificate file (PEM or DER), 64 hex digits. */
static iot_err cert_sha256(const char *path, char out[65])
{
	struct crypto_cert *c;
	struct crypto_buf b;
	uint8_t d[CRYPTO_SHA256_LEN];
	iot_err err;

	if ((err = x509_load(path, &c)) != IOT_OK)
		return err;
	b.ptr = x509_der(c, &b.len);
	err = crypto_sha256(&b, 1, d);
	x509_free(c);
	for (size_t i = 0; err == IOT_OK && i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return err;
}

/* es2-client = OWNER:TOKEN[:URL] (TOKEN "-": certificate only) and
 * es2-client-cert = OWNER:FILE, the certificate that owner presents. */
static iot_err es2_clients(const struct conf *conf, struct smdp_es2_client *clients, char owners[][128],
			   char tokens[][256], char prints[][65], size_t *n)
{
	const char *v;

	for (*n = 0; *n < MAX_CLIENTS && (v = nth(conf, "es2-client", *n)); ++*n) {
		const char *colon = strchr(v, ':'), *url = colon ? strchr(colon + 1, ':') : NULL;
		size_t token_len = url ? (size_t)(url - colon - 1) : colon ? strlen(colon + 1) : 0;

		if (!colon || colon == v || !token_len || (size_t)(colon - v) >= sizeof(owners[0]) ||
		    token_len >= sizeof(tokens[0]) || (url && !url[1])) {
			fprintf(stderr, "smdpd: es2-client wants OWNER:TOKEN or OWNER:TOKEN:URL\n");
			return IOT_E_ARG;
		}
		snprintf(owners[*n], sizeof(owners[0]), "%.*s", (int)(colon - v), v);
		snprintf(tokens[*n], sizeof(tokens[0]), "%.*s", (int)token_len, colon + 1);
		clients[*n] = (struct smdp_es2_client){ owners[*n], strcmp(tokens[*n], "-") ? tokens[*n] : NULL,
							url ? url + 1 : NULL, NULL };
	}
	for (size_t i = 0; (v = nth(conf, "es2-client-cert", i)); i++) {
		const char *colon = strchr(v, ':');
		size_t k = 0;

		while (colon && k < *n && (strlen(owners[k]) != (size_t)(colon - v) || strncmp(owners[k], v, colon - v)))
			k++;
		if (!colon || k == *n) {
			fprintf(stderr, "smdpd: es2-client-cert wants OWNER:FILE for an OWNER of es2-client\n");
			return IOT_E_ARG;
		}
		if (cert_sha256(colon + 1, prints[k]) != IOT_OK) {
			fprintf(stderr, "smdpd: es2-client-cert: cannot read the certificate %s\n", colon + 1);
			return IOT_E_ARG;
		}
		clients[k].cert_sha256 = prints[k];
	}
	return IOT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' }, { "address", required_argument, NULL, 'a' },
		{ "listen", required_argument, NULL, 'l' }, { "port", required_argument, NULL, 'p' },
		{ "tls-cert", required_argument, NULL, 'c' }, { "tls-key", required_argument, NULL, 'k' },
		{ "store", required_argument, NULL, 's' }, { "threads", required_argument, NULL, 't' },
		{ "import", required_argument, NULL, 'I' }, { "iccid", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 1000 }, { "import-dir", required_argument, NULL, 1001 },
		{ "owner", required_argument, NULL, 'o' }, { "spn", required_argument, NULL, 'S' },
		{ "name", required_argument, NULL, 'n' }, { "class", required_argument, NULL, 'C' },
		{ "notify", required_argument, NULL, 'N' }, { "ppk", no_argument, NULL, 'P' },
		{ "ppr", required_argument, NULL, 'R' }, { "migrate-store", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *address = NULL, *listen_ip = NULL, *port = NULL, *tls_cert = NULL, *tls_key = NULL, *store = NULL;
	const char *threads = NULL, *upp = NULL, *iccid = NULL, *klass = "operational", *dir = NULL, *migrate = NULL;
	long count = 1;
	struct smdp_profile_info info = { 0 };
	struct smdp_credentials sets[MAX_SETS];
	struct smdp_es2_client clients[MAX_CLIENTS];
	char owners[MAX_CLIENTS][128], tokens[MAX_CLIENTS][256], prints[MAX_CLIENTS][65];
	struct smdp_server_config sc = { 0 };
	struct smdp_server *server;
	struct conf conf = { 0 };
	sigset_t sigs;
	size_t nsets = 0, nclients = 0;
	iot_err err;
	int c, bad, rc = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((err = conf_load(optarg, &conf, &bad)) != IOT_OK) {
				fprintf(stderr, "smdpd: %s: %s (line %d)\n", optarg, iot_strerror(err), bad);
				return 2;
			}
			break;
		case 'a': address = optarg; break;
		case 'l': listen_ip = optarg; break;
		case 'p': port = optarg; break;
		case 'c': tls_cert = optarg; break;
		case 'k': tls_key = optarg; break;
		case 's': store = optarg; break;
		case 't': threads = optarg; break;
		case 'I': upp = optarg; break;
		case 'i': iccid = optarg; break;
		case 1000: count = atol(optarg); break;
		case 1001: dir = optarg; break;
		case 'o': info.owner = optarg; break;
		case 'S': info.service_provider_name = optarg; break;
		case 'n': info.profile_name = optarg; break;
		case 'C': klass = optarg; break;
		case 'N': info.notification_address = optarg; break;
		case 'P': info.protect_ahead = true; break;
		case 'R':
			/* SGP.22 2.9.1: PPR1 (no disabling), PPR2 (no deleting) */
			info.ppr |= strchr(optarg, '1') ? RSP_PPR1 : 0;
			info.ppr |= strchr(optarg, '2') ? RSP_PPR2 : 0;
			break;
		case 'M': migrate = optarg; break;
		case 'V': log_set_level(LOG_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	address = address ? address : conf_get(&conf, "address");
	listen_ip = listen_ip ? listen_ip : conf_get(&conf, "listen");
	port = port ? port : conf_get(&conf, "port");
	tls_cert = tls_cert ? tls_cert : conf_get(&conf, "tls-cert");
	tls_key = tls_key ? tls_key : conf_get(&conf, "tls-key");
	store = store ? store : conf_get(&conf, "store");
	threads = threads ? threads : conf_get(&conf, "threads");
	for (nsets = 0; nsets < MAX_SETS && nth(&conf, "ci", nsets); nsets++) {
		sets[nsets] = (struct smdp_credentials){ nth(&conf, "ci", nsets), nth(&conf, "dp-auth-cert", nsets),
							 nth(&conf, "dp-auth-key", nsets), nth(&conf, "dp-pb-cert", nsets),
							 nth(&conf, "dp-pb-key", nsets) };
		if (!sets[nsets].auth_cert || !sets[nsets].auth_key || !sets[nsets].pb_cert || !sets[nsets].pb_key) {
			fprintf(stderr, "smdpd: credential set %zu lacks dp-auth-cert/-key or dp-pb-cert/-key\n", nsets + 1);
			conf_free(&conf);
			return 2;
		}
	}
	if (es2_clients(&conf, clients, owners, tokens, prints, &nclients) != IOT_OK) {
		conf_free(&conf);
		return 2;
	}
	if (!address || !nsets) {
		fprintf(stderr, "smdpd: an address and at least one credential set (ci, dp-auth-*, dp-pb-*) are needed\n");
		usage(stderr);
		conf_free(&conf);
		return 2;
	}
	sc.smdp = (struct smdp_config){ .address = address, .creds = sets, .cred_count = nsets,
					.store_url = store ? store : "sqlite:smdp.db" };
	if (migrate) {
		uint64_t rows;
		size_t tables;

		if ((err = smdp_migrate_store(&sc.smdp, migrate, &rows, &tables)) == IOT_OK)
			printf("store migrated: %zu tables, %llu rows from %s\n", tables, (unsigned long long)rows, migrate);
		else
			fprintf(stderr, "smdpd: migrate-store: %s%s\n", iot_strerror(err),
				err == IOT_E_REFUSED ? " (the store of the config already has profiles)" : "");
		conf_free(&conf);
		return err == IOT_OK ? 0 : 1;
	}
	if (upp || dir) {
		info.profile_class = !strcmp(klass, "test") ? RSP_CLASS_TEST :
				     !strcmp(klass, "provisioning") ? RSP_CLASS_PROVISIONING : RSP_CLASS_OPERATIONAL;
		if ((!dir && !iccid) || !info.owner || !info.service_provider_name || !info.profile_name) {
			fprintf(stderr, "smdpd: --import needs --iccid, and both --import and --import-dir --owner, --spn and --name\n");
			rc = 2;
		} else {
			rc = count > 0 ? import(&sc.smdp, upp, dir, iccid, count, &info) : 2;
		}
		conf_free(&conf);
		return rc;
	}
	sc.http = (struct http_server_config){ .address = listen_ip, .port = (uint16_t)(port ? atoi(port) : 8443),
					       .cert_file = tls_cert, .key_file = tls_key,
					       .threads = threads ? (unsigned)atoi(threads) : 0 };
	sc.clients = clients;
	sc.client_count = nclients;
	sc.progress_ca_file = conf_get(&conf, "es2-progress-ca");
	sc.es2_client_ca_file = conf_get(&conf, "es2-client-ca");
	for (size_t i = 0; i < nclients; i++)
		if (clients[i].cert_sha256 && !sc.es2_client_ca_file) {
			/* without CAs no client certificate is asked for, let alone trusted */
			fprintf(stderr, "smdpd: es2-client-cert wants es2-client-ca (the CAs of those certificates)\n");
			conf_free(&conf);
			return 2;
		}
	if (conf_get(&conf, "lease-ms"))
		sc.lease_ms = (unsigned)atoi(conf_get(&conf, "lease-ms"));
	/* before the server's threads start, so that they inherit the mask (sig.h) */
	sig_block_daemon(&sigs, false);
	if ((err = smdp_server_start(&sc, &server)) != IOT_OK) {
		log_error("smdpd", "cannot start", "error=\"%s\"", iot_strerror(err));
		conf_free(&conf);
		return 1;
	}
	(void)sig_wait_daemon(&sigs);
	smdp_server_stop(server);
	log_info("smdpd", "stopped", "%s", "");
	conf_free(&conf);
	return 0;
}
