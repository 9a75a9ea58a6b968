/* pkigen: makes a complete RSP test or demo PKI (SGP.26 profiles) on
 * NIST P-256, brainpoolP256r1 or both:
 *
 *   <out>/<curve>/ci.{key,pem}            the Certificate Issuer
 *   <out>/<curve>/eum.{key,pem}           an EUM, permitted EIN in nameConstraints
 *   <out>/<curve>/euicc/<EID>.{key,pem}   one eUICC per EID
 *   <out>/<curve>/smdp-{auth,pb,tls}.{key,pem}
 *   <out>/<curve>/eim-{sign,tls}.{key,pem}
 *
 * Private keys are written with mode 0600. What exists is kept (and used to
 * sign what is new) unless --force; whatever is made anew re-issues what
 * depends on it. --check verifies every chain under <out> instead.
 *
 * The EUM's nameConstraints are SGP.26's (O, serialNumber = EIN), which
 * SGP.22 reads as "the EID starts with the EIN". RFC 5280 matching (openssl
 * verify) reads them as a directory-name prefix and refuses every eUICC;
 * --rfc5280-name-constraints adds the subtree { C, O } that it accepts. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"

#define YEAR (365L * 24 * 3600)
#define MAX_EIDS 1000000

struct options {
	const char *out;
	bool nist, brainpool, force, check, rfc5280, registration;
	char **eids;
	size_t neids;
	const char *ein, *eum_org, *smdp_host, *eim_host;
};

struct item {                   /* one key and its certificate */
	struct crypto_key *key;
	struct crypto_cert *cert;
	bool fresh;             /* made in this run */
};

static int made, kept;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pkigen --out DIR [--curve nist|brainpool|both] [--eid EID]...\n"
		"              [--eid-range FIRST_EID|FIRST_30_DIGITS COUNT] [--ein EIN] [--eum-org NAME]\n"
		"              [--smdp-host NAME] [--eim-host NAME] [--force]\n"
		"              [--rfc5280-name-constraints] [--registration]\n"
		"       pkigen --out DIR --check\n"
		"Makes an SGP.26-style test PKI: CI, EUM, eUICCs, SM-DP+ auth/pb/TLS, eIM signing and TLS.\n"
		"--registration also writes <curve>/euiccs.ndjson and <curve>/euiccs.csv, the eUICCs as eimd's bulk\n"
		"registration takes them (POST /api/v1/euiccs/bulk): a JSON line or CSV record each, its EID and\n"
		"certificates.\n");
}

/* EID check digits: ISO 7064 MOD 97-10 over the 32 digits with '00' last */
static bool eid_with_check_digits(const char *first30, char out[33])
{
	unsigned mod = 0;
	size_t i;

	if (strlen(first30) != 30)
		return false;
	for (i = 0; i < 30; i++) {
		if (first30[i] < '0' || first30[i] > '9')
			return false;
		mod = (mod * 10 + (unsigned)(first30[i] - '0')) % 97;
	}
	mod = (mod * 100) % 97;
	snprintf(out, 33, "%s%02u", first30, 98 - mod);
	return true;
}

static bool eid_valid(const char *eid)
{
	char first[31], again[33];

	if (strlen(eid) != 32)
		return false;
	memcpy(first, eid, 30);
	first[30] = '\0';
	return eid_with_check_digits(first, again) && !strcmp(again, eid);
}

/* The 30-digit body plus n, as decimal. */
static bool eid_add(const char *eid, size_t n, char out[33])
{
	char body[31];
	int i;

	memcpy(body, eid, 30);
	body[30] = '\0';
	for (i = 29; i >= 0 && n; i--) {
		size_t d = (size_t)(body[i] - '0') + n;

		body[i] = (char)('0' + d % 10);
		n = d / 10;
	}
	return n == 0 && eid_with_check_digits(body, out);
}

static int mkdirs(const char *path)
{
	char tmp[1024];
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (i = 1; tmp[i]; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		tmp[i] = '/';
	}
	return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void item_free(struct item *it)
{
	crypto_key_free(it->key);
	x509_free(it->cert);
	memset(it, 0, sizeof(*it));
}

static void fail(const char *what, const char *path, iot_err err)
{
	fprintf(stderr, "pkigen: %s %s: %s\n", what, path, iot_strerror(err));
	exit(1);
}

/* Loads base.key/base.pem, or makes them: a new key pair when missing or
 * forced; a new certificate for the kept key when the issuer was made anew
 * (its old signature no longer chains). */
static void provide(struct item *it, const char *base, enum crypto_curve curve,
		    const struct x509_template *t, const struct item *issuer, bool force)
{
	char key_path[1100], cert_path[1100];
	bool have_key, reissue = issuer && issuer->fresh;
	iot_err err;

	snprintf(key_path, sizeof(key_path), "%s.key", base);
	snprintf(cert_path, sizeof(cert_path), "%s.pem", base);
	have_key = !force && access(key_path, R_OK) == 0;
	if (have_key && (err = crypto_key_load_pem(key_path, &it->key)) != IOT_OK)
		fail("cannot load", key_path, err);
	if (have_key && !reissue && access(cert_path, R_OK) == 0) {
		if ((err = x509_load(cert_path, &it->cert)) != IOT_OK)
			fail("cannot load", cert_path, err);
		it->fresh = false;
		kept++;
		return;
	}
	if (!have_key) {
		if ((err = crypto_key_generate(curve, &it->key)) != IOT_OK)
			fail("cannot make a key for", base, err);
		if ((err = crypto_key_save_pem(it->key, key_path)) != IOT_OK)
			fail("cannot write", key_path, err);
	}
	if ((err = x509_issue(t, it->key, issuer ? issuer->cert : NULL,
			      issuer ? issuer->key : it->key, &it->cert)) != IOT_OK)
		fail("cannot issue", cert_path, err);
	if ((err = x509_save_pem(it->cert, cert_path)) != IOT_OK)
		fail("cannot write", cert_path, err);
	it->fresh = true;
	made++;
}

/* The EIDs of the eUICC certificates already in dir that are not in eids. */
static size_t existing_eids(const char *dir, char **eids, size_t n, size_t cap)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t i, added = 0;

	while (d && (e = readdir(d))) {
		char eid[33];
		bool listed = false;

		if (strlen(e->d_name) != 36 || strcmp(e->d_name + 32, ".pem"))
			continue;
		memcpy(eid, e->d_name, 32);
		eid[32] = '\0';
		for (i = 0; i < n + added && !listed; i++)
			listed = !strcmp(eids[i], eid);
		if (!listed && eid_valid(eid) && n + added < cap)
			eids[n + added++] = strdup(eid);
	}
	if (d)
		closedir(d);
	return added;
}

static uint64_t next_serial(void)
{
	uint8_t r[8];
	uint64_t s = 0;
	size_t i;

	crypto_random(r, sizeof(r));
	for (i = 0; i < 8; i++)
		s = (s << 8) | r[i];
	return (s >> 1) | 1;    /* positive, non-zero */
}

static struct x509_template base_template(enum x509_role role, const char *cn, const char *o,
					  long years)
{
	struct x509_template t = { 0 };
	time_t now = time(NULL);

	t.role = role;
	t.cn = cn;
	t.o = o;
	t.serial = next_serial();
	t.not_before = now - 3600;
	t.not_after = now + years * YEAR;
	return t;
}

/* A certificate's DER in base64 (malloc'd). */
static char *b64(const struct crypto_cert *c)
{
	size_t n;
	const uint8_t *der = x509_der(c, &n);
	char *out = malloc(base64_encoded_size(n));

	if (!out || base64_encode(der, n, out, base64_encoded_size(n)) != IOT_OK)
		fail("cannot encode", "a certificate", IOT_E_NOMEM);
	return out;
}

static void make_curve(const struct options *o, enum crypto_curve curve, const char *name)
{
	char dir[1024], base[1100];
	struct item ci = { 0 }, eum = { 0 }, it = { 0 };
	struct x509_template t;
	size_t i, neids;
	FILE *reg = NULL, *reg_csv = NULL;
	char *b64_eum = NULL;

	snprintf(dir, sizeof(dir), "%s/%s/euicc", o->out, name);
	if (mkdirs(dir) != 0) {
		fprintf(stderr, "pkigen: cannot create %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	snprintf(dir, sizeof(dir), "%s/%s", o->out, name);

	/* SGP.26: the CI is self-signed, CA, keyCertSign + cRLSign, id-rspRole-ci */
	t = base_template(X509_ROLE_CI, "iotrsp Test CI", "iotrsp", 35);
	t.ou = "TESTCERT";
	t.c = "IT";
	t.rid = "2.999.1";
	snprintf(base, sizeof(base), "%s/ci", dir);
	provide(&ci, base, curve, &t, NULL, o->force);

	t = base_template(X509_ROLE_EUM, "iotrsp Test EUM", o->eum_org, 30);
	t.c = "ES";
	t.rid = "2.999.5";
	t.ein = o->ein;
	t.rfc5280_subtree = o->rfc5280;
	snprintf(base, sizeof(base), "%s/eum", dir);
	provide(&eum, base, curve, &t, &ci, o->force);

	/* an EUM made anew re-certifies every eUICC key already there */
	neids = o->neids;
	if (eum.fresh) {
		snprintf(base, sizeof(base), "%s/euicc", dir);
		neids += existing_eids(base, o->eids, o->neids, MAX_EIDS);
	}
	if (o->registration) {
		snprintf(base, sizeof(base), "%s/euiccs.ndjson", dir);
		if (!(reg = fopen(base, "w")))
			fail("cannot write", base, IOT_E_IO);
		snprintf(base, sizeof(base), "%s/euiccs.csv", dir);
		if (!(reg_csv = fopen(base, "w")))
			fail("cannot write", base, IOT_E_IO);
		fprintf(reg_csv, "eid,euiccCertificate,eumCertificate\r\n");
		b64_eum = b64(eum.cert);
	}
	for (i = 0; i < neids; i++) {
		t = base_template(X509_ROLE_EUICC, "iotrsp Test eUICC", o->eum_org, 30);
		t.c = "ES";
		t.serial_number = o->eids[i];
		snprintf(base, sizeof(base), "%s/euicc/%s", dir, o->eids[i]);
		provide(&it, base, curve, &t, &eum, o->force);
		if (reg) {
			char *cert = b64(it.cert);

			fprintf(reg, "{\"eid\":\"%s\",\"euiccCertificate\":\"%s\",\"eumCertificate\":\"%s\"}\n", o->eids[i],
				cert, b64_eum);
			fprintf(reg_csv, "%s,%s,%s\r\n", o->eids[i], cert, b64_eum);
			free(cert);
		}
		item_free(&it);
	}
	if ((reg && fclose(reg)) || (reg_csv && fclose(reg_csv)))
		fail("cannot write", dir, IOT_E_IO);
	free(b64_eum);

	t = base_template(X509_ROLE_DP_AUTH, "iotrsp Test SM-DP+", "iotrsp", 5);
	t.rid = "2.999.10";
	snprintf(base, sizeof(base), "%s/smdp-auth", dir);
	provide(&it, base, curve, &t, &ci, o->force);
	item_free(&it);
	t = base_template(X509_ROLE_DP_PB, "iotrsp Test SM-DP+", "iotrsp", 5);
	t.rid = "2.999.10";
	snprintf(base, sizeof(base), "%s/smdp-pb", dir);
	provide(&it, base, curve, &t, &ci, o->force);
	item_free(&it);
	t = base_template(X509_ROLE_DP_TLS, o->smdp_host, "iotrsp", 1);
	t.rid = "2.999.10";
	t.dns = o->smdp_host;
	snprintf(base, sizeof(base), "%s/smdp-tls", dir);
	provide(&it, base, curve, &t, &ci, o->force);
	item_free(&it);

	/* SGP.32 2.11.1: the eIM signs eUICC Packages with its own key; its
	 * certificate (or public key) goes into the eIM configuration data */
	t = base_template(X509_ROLE_EIM, "iotrsp Test eIM", "iotrsp", 5);
	snprintf(base, sizeof(base), "%s/eim-sign", dir);
	provide(&it, base, curve, &t, &ci, o->force);
	item_free(&it);
	t = base_template(X509_ROLE_TLS, o->eim_host, "iotrsp", 1);
	t.dns = o->eim_host;
	snprintf(base, sizeof(base), "%s/eim-tls", dir);
	provide(&it, base, curve, &t, &ci, o->force);
	item_free(&it);

	for (i = o->neids; i < neids; i++) {
		free(o->eids[i]);
		o->eids[i] = NULL;
	}
	item_free(&ci);
	item_free(&eum);
}

/* --check: every chain under <out>/<curve> with lib/crypto's RSP checks. */
static int check_curve(const char *out, const char *name)
{
	static const struct { const char *file; enum x509_role role; } leaves[] = {
		{ "smdp-auth", X509_ROLE_DP_AUTH }, { "smdp-pb", X509_ROLE_DP_PB },
		{ "smdp-tls", X509_ROLE_DP_TLS }, { "eim-sign", X509_ROLE_EIM }, { "eim-tls", X509_ROLE_TLS },
	};
	char path[1600], dir[1024];
	struct crypto_cert *ci = NULL, *eum = NULL, *c;
	time_t now = time(NULL);
	int bad = 0, good = 0;
	size_t i;
	struct dirent *e;
	DIR *d;
	iot_err err;

	snprintf(dir, sizeof(dir), "%s/%s", out, name);
	snprintf(path, sizeof(path), "%s/ci.pem", dir);
	if (access(path, R_OK) != 0)
		return 0;
	if (x509_load(path, &ci) != IOT_OK)
		return 1;
	snprintf(path, sizeof(path), "%s/eum.pem", dir);
	if (x509_load(path, &eum) != IOT_OK) {
		x509_free(ci);
		return 1;
	}
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.pem", dir, leaves[i].file);
		err = x509_load(path, &c);
		if (err == IOT_OK)
			err = x509_verify_chain(ci, c, leaves[i].role, now);
		if (err != IOT_OK) {
			fprintf(stderr, "%s: %s\n", path, iot_strerror(err));
			bad++;
		} else {
			good++;
		}
		x509_free(c);
		c = NULL;
	}
	snprintf(path, sizeof(path), "%s/euicc", dir);
	if ((d = opendir(path))) {
		while ((e = readdir(d))) {
			if (!strstr(e->d_name, ".pem"))
				continue;
			snprintf(path, sizeof(path), "%s/euicc/%s", dir, e->d_name);
			c = NULL;
			err = x509_load(path, &c);
			if (err == IOT_OK)
				err = x509_verify_euicc_chain(ci, eum, c, now, NULL);
			if (err != IOT_OK) {
				fprintf(stderr, "%s: %s\n", path, iot_strerror(err));
				bad++;
			} else {
				good++;
			}
			x509_free(c);
		}
		closedir(d);
	}
	printf("%s: %d certificate chains verified, %d failed\n", name, good, bad);
	x509_free(ci);
	x509_free(eum);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' }, { "curve", required_argument, NULL, 'c' },
		{ "eid", required_argument, NULL, 'e' }, { "eid-range", required_argument, NULL, 'r' },
		{ "ein", required_argument, NULL, 'i' }, { "eum-org", required_argument, NULL, 'g' },
		{ "smdp-host", required_argument, NULL, 's' }, { "eim-host", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' }, { "check", no_argument, NULL, 'k' },
		{ "rfc5280-name-constraints", no_argument, NULL, 'n' },
		{ "registration", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct options o = { .ein = "89049032", .eum_org = "iotrsp Test EUM",
			     .smdp_host = "smdp.iotrsp.test", .eim_host = "eim.iotrsp.test" };
	struct timespec t0, t1;
	size_t i;
	int c, rc = 0;

	static char *eid_store[MAX_EIDS];

	o.eids = eid_store;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out = optarg;
			break;
		case 'c':
			o.nist = !strcmp(optarg, "nist") || !strcmp(optarg, "both");
			o.brainpool = !strcmp(optarg, "brainpool") || !strcmp(optarg, "both");
			if (!o.nist && !o.brainpool) {
				usage(stderr);
				return 2;
			}
			break;
		case 'e':
			if (!eid_valid(optarg) || o.neids >= MAX_EIDS) {
				fprintf(stderr, "pkigen: %s is not an EID with valid check digits\n", optarg);
				return 2;
			}
			o.eids[o.neids++] = strdup(optarg);
			break;
		case 'r': {
			char first[33];
			const char *count = optind < argc ? argv[optind++] : NULL;
			long n = count ? strtol(count, NULL, 10) : 0;
			char eid[33];

			/* the first EID in full, or its 30 digits without check digits */
			if (strlen(optarg) == 30 && eid_with_check_digits(optarg, first))
				optarg = first;
			if (!eid_valid(optarg) || n <= 0 || (size_t)n > MAX_EIDS - o.neids) {
				fprintf(stderr, "pkigen: --eid-range wants a valid first EID and a count\n");
				return 2;
			}
			for (i = 0; i < (size_t)n; i++) {
				if (!eid_add(optarg, i, eid)) {
					fprintf(stderr, "pkigen: EID range overflows\n");
					return 2;
				}
				o.eids[o.neids++] = strdup(eid);
			}
			break;
		}
		case 'i':
			o.ein = optarg;
			break;
		case 'g':
			o.eum_org = optarg;
			break;
		case 's':
			o.smdp_host = optarg;
			break;
		case 'm':
			o.eim_host = optarg;
			break;
		case 'f':
			o.force = true;
			break;
		case 'k':
			o.check = true;
			break;
		case 'n':
			o.rfc5280 = true;
			break;
		case 'R':
			o.registration = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.out) {
		usage(stderr);
		return 2;
	}
	if (!o.nist && !o.brainpool)
		o.nist = o.brainpool = true;
	if (o.check)
		return check_curve(o.out, "nist") | check_curve(o.out, "brainpool");
	for (i = 0; i < o.neids; i++) {
		if (strncmp(o.eids[i], o.ein, strlen(o.ein)) != 0) {
			fprintf(stderr, "pkigen: EID %s is outside the EUM's EIN %s\n", o.eids[i], o.ein);
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o.nist)
		make_curve(&o, CRYPTO_P256, "nist");
	if (o.brainpool)
		make_curve(&o, CRYPTO_BRAINPOOL_P256R1, "brainpool");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("pkigen: %s: %d key pairs and certificates made, %d kept, %zu eUICC(s) per curve, %.2f s\n",
	       o.out, made, kept, o.neids,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < MAX_EIDS && o.eids[i]; i++)
		free(o.eids[i]);
	return rc;
}
