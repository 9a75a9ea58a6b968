/* ipad's Linux platform (platform.h). */
#include "ipad/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/io.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "net/coap.h"
#include "net/esipa_json.h"
#include "net/http.h"

struct ipad_platform {
	struct ipad_options o;
	struct card *card;
	struct http_client *eim_https, *es9;
	struct net_coap_client *eim_coap;
	char eim_for[256];              /* the eIM the clients were made for */
	char record_path[512];
	char ca_pem[4096];              /* the eIM's certificate from the eUICC, as PEM */
	char pin[64];                   /* or its public key pinned */
	char eim_url[300];
	uint64_t closed_sent, closed_received;
	unsigned apdus;                 /* exchanged with the eUICC */
	unsigned traced;                /* messages traced so far */
};

/* --trace: one file per message, for interop work and replays; a trace
 * that cannot be written is logged, never fatal. */
static void trace(struct ipad_platform *p, const char *way, const uint8_t *der, size_t len)
{
	char path[600];
	int fd;

	if (!p->o.trace_dir)
		return;
	snprintf(path, sizeof(path), "%s/%04u-%s.der", p->o.trace_dir, p->traced, way);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 || io_write_full(fd, der, len) != IOT_OK)
		log_warn("ipad", "the trace cannot be written", "path=%s", path);
	if (fd >= 0)
		close(fd);
}

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct ipad_platform *p = ctx;

	p->apdus++;
	return card_transmit(p->card, apdu, len, resp, cap, resp_len);
}

static iot_err reset(void *ctx)
{
	struct ipad_platform *p = ctx;

	return card_reset(p->card);
}

/* "HOST:PORT:..." entry for host:port, if any. */
static const char *connect_for(const struct ipad_platform *p, const char *host, uint16_t port)
{
	char prefix[300];

	snprintf(prefix, sizeof(prefix), "%s:%u:", host, port);
	for (size_t i = 0; i < p->o.connect_count; i++)
		if (!strncmp(p->o.connect[i], prefix, strlen(prefix)))
			return p->o.connect[i];
	return NULL;
}

/* trustedPublicKeyDataTls (SGP.32 2.11.1): a certificate becomes the trust
 * anchor, a public key is pinned. */
static iot_err eim_trust(struct ipad_platform *p, const struct ipa_eim *e)
{
	char b64[2048];
	size_t n;
	iot_err err;

	p->ca_pem[0] = p->pin[0] = 0;
	if (!e->tls_trust_len)
		return IOT_OK;
	if (e->tls_trust_is_cert) {
		if ((err = base64_encode(e->tls_trust, e->tls_trust_len, b64, sizeof(b64))) != IOT_OK)
			return err;
		n = (size_t)snprintf(p->ca_pem, sizeof(p->ca_pem), "-----BEGIN CERTIFICATE-----\n");
		for (size_t i = 0; b64[i] && n < sizeof(p->ca_pem) - 80; i += 64)
			n += (size_t)snprintf(p->ca_pem + n, sizeof(p->ca_pem) - n, "%.64s\n", b64 + i);
		snprintf(p->ca_pem + n, sizeof(p->ca_pem) - n, "-----END CERTIFICATE-----\n");
	} else {
		struct crypto_buf part = { e->tls_trust, e->tls_trust_len };
		uint8_t h[CRYPTO_SHA256_LEN];

		if ((err = crypto_sha256(&part, 1, h)) != IOT_OK)
			return err;
		memcpy(p->pin, "sha256//", 8);
		if ((err = base64_encode(h, sizeof(h), p->pin + 8, sizeof(p->pin) - 8)) != IOT_OK)
			return err;
	}
	return IOT_OK;
}

static void drop_eim_clients(struct ipad_platform *p)
{
	uint64_t s = 0, r = 0;

	if (p->eim_https) {
		http_client_wire_bytes(p->eim_https, &s, &r);
		p->closed_sent += s;      /* kept across client changes */
		p->closed_received += r;
	}
	http_client_free(p->eim_https);
	net_coap_client_free(p->eim_coap);
	p->eim_https = NULL;
	p->eim_coap = NULL;
	p->eim_for[0] = 0;
}

static iot_err eim_clients(struct ipad_platform *p, const struct ipa_eim *e)
{
	iot_err err;

	if (!strcmp(p->eim_for, e->fqdn) && (e->coaps ? (void *)p->eim_coap : (void *)p->eim_https))
		return IOT_OK;
	drop_eim_clients(p);
	if ((err = eim_trust(p, e)) != IOT_OK)
		return err;
	if (e->coaps) {
		uint16_t port = p->o.eim_coaps_port ? p->o.eim_coaps_port : 5684;
		const char *via = connect_for(p, e->fqdn, port);
		char addr[64] = "";
		struct net_coap_client_config c = { .host = e->fqdn, .port = port, .path = "gsma/rsp2/asn1",
						    .ca_file = p->o.eim_ca, .ca_pem = p->ca_pem[0] ? p->ca_pem : NULL,
						    .timeout_ms = p->o.timeout_ms,
						    .fresh_session = p->o.fresh_connection,
						    .no_session_resumption = p->o.no_session_resumption };

		/* HOST:PORT:ADDR:PORT: CoAP goes to ADDR:PORT */
		if (via) {
			const char *a = via + strlen(e->fqdn) + 1;
			unsigned cport;

			a = strchr(a, ':') + 1;
			if (sscanf(a, "%63[^:]:%u", addr, &cport) != 2)
				return IOT_E_ARG;
			c.connect_address = addr;
			c.port = (uint16_t)cport;
		}
		err = net_coap_client_new(&c, &p->eim_coap);
	} else {
		uint16_t port = p->o.eim_https_port ? p->o.eim_https_port : 443;
		struct http_client_config c = { .ca_file = p->o.eim_ca, .ca_pem = p->ca_pem[0] ? p->ca_pem : NULL,
						.pinned_key = p->pin[0] ? p->pin : NULL,
						.connect_to = connect_for(p, e->fqdn, port),
						.timeout_ms = p->o.timeout_ms,
						.fresh_connection = p->o.fresh_connection,
						.no_session_resumption = p->o.no_session_resumption };

		snprintf(p->eim_url, sizeof(p->eim_url), "https://%s:%u", e->fqdn, port);
		err = http_client_new(&c, &p->eim_https);
	}
	if (err == IOT_OK)
		snprintf(p->eim_for, sizeof(p->eim_for), "%s", e->fqdn);
	return err;
}

/* SGP.32 6.1: the ASN.1 binding, User-Agent gsma-rsp-ipad, X-Admin-Protocol */
static const char *const esipa_headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-ipad",
					     "X-Admin-Protocol: gsma/rsp/v2.5.0", "Accept: application/x-gsma-rsp-asn1",
					     NULL };

static iot_err esipa_exchange(struct ipad_platform *p, const struct ipa_eim *e, const uint8_t *req, size_t len,
			      uint8_t **resp, size_t *resp_len);

static iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	struct ipad_platform *p = ctx;
	iot_err err = eim_clients(p, e);

	if (err != IOT_OK)
		return err;
	trace(p, "up", req, len);
	err = esipa_exchange(p, e, req, len, resp, resp_len);
	if (err == IOT_OK)
		trace(p, "down", *resp, *resp_len);
	p->traced++;
	return err;
}

/* SGP.32 6.4: one JSON request to the eIM, the function in the path. */
struct json_post {
	struct ipad_platform *p;
	const struct ipa_eim *e;
};

static iot_err json_post(void *ctx, const struct esipa_json_function *f, const char *text, size_t len, int *status,
			 uint8_t **body, size_t *body_len)
{
	static const char *const headers[] = { "Content-Type: application/json;charset=UTF-8",
					       "User-Agent: gsma-rsp-ipad", "X-Admin-Protocol: gsma/rsp/v2.5.0",
					       "Accept: application/json", NULL };
	const struct json_post *c = ctx;
	char url[400];
	iot_err err;

	if (c->e->coaps) {
		snprintf(url, sizeof(url), ESIPA_JSON_COAP_PATH "%s", f->name);
		err = net_coap_client_post_to(c->p->eim_coap, url, (const uint8_t *)text, len, status, body, body_len);
		/* 2.04 Changed: the JSON answer, or none */
		if (err == IOT_OK && *status / 100 == 2)
			*status = *body_len ? 200 : 204;
	} else {
		snprintf(url, sizeof(url), "%s" ESIPA_JSON_PATH "%s", c->p->eim_url, f->name);
		err = http_client_post(c->p->eim_https, url, headers, (const uint8_t *)text, len, status, body, body_len);
	}
	if (err == IOT_OK && *status != 200 && *status != 204)
		log_warn("ipad", "the eIM answered with an error", "binding=json function=%s status=%d", f->name,
			 *status);
	return err;
}

/* The binding toward e: its own when one is configured, else the default. */
static bool binding_json(const struct ipad_platform *p, const struct ipa_eim *e)
{
	for (size_t i = 0; i < p->o.binding_count; i++)
		if (!strcmp(p->o.bindings[i].fqdn, e->fqdn))
			return p->o.bindings[i].json;
	return p->o.esipa_json;
}

static iot_err esipa_exchange(struct ipad_platform *p, const struct ipa_eim *e, const uint8_t *req, size_t len,
			      uint8_t **resp, size_t *resp_len)
{
	char url[400];
	int status;
	iot_err err;

	if (binding_json(p, e)) {
		struct json_post c = { p, e };

		return esipa_json_exchange(req, len, json_post, &c, resp, resp_len);
	}
	if (e->coaps) {
		if ((err = net_coap_client_post(p->eim_coap, req, len, &status, resp, resp_len)) != IOT_OK)
			return err;
		/* 2.04 Changed with the answer, or empty */
		if (status / 100 != 2) {
			log_warn("ipad", "the eIM answered with an error", "transport=coaps code=%d.%02d", status / 100,
				 status % 100);
			free(*resp);
			*resp = NULL;
			return IOT_E_IO;
		}
		return IOT_OK;
	}
	snprintf(url, sizeof(url), "%s/gsma/rsp2/asn1", p->eim_url);
	if ((err = http_client_post(p->eim_https, url, esipa_headers, req, len, &status, resp, resp_len)) != IOT_OK)
		return err;
	if (status != 200 && status != 204) {
		log_warn("ipad", "the eIM answered with an error", "transport=https status=%d", status);
		free(*resp);
		*resp = NULL;
		return IOT_E_IO;
	}
	return IOT_OK;
}

/* SGP.22 6.6: ES9+ in the ASN.1 binding, to https://<address>/gsma/rsp2/asn1 */
static iot_err es9(void *ctx, const char *address, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-lpad",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	struct ipad_platform *p = ctx;
	char url[400];
	int status;
	iot_err err;

	if (!p->es9) {
		struct http_client_config c = { .ca_file = p->o.es9_ca, .timeout_ms = p->o.timeout_ms,
						.connect_to = connect_for(p, address, 443) };

		if ((err = http_client_new(&c, &p->es9)) != IOT_OK)
			return err;
	}
	snprintf(url, sizeof(url), "https://%s/gsma/rsp2/asn1", address);
	if ((err = http_client_post(p->es9, url, headers, req, len, &status, resp, resp_len)) != IOT_OK)
		return err;
	if (status != 200 && status != 204) {
		free(*resp);
		*resp = NULL;
		return IOT_E_IO;
	}
	return IOT_OK;
}

/* The record: written to a new file, synced, renamed over the old one. */
/* Replaces path with data atomically (temp, fsync, rename); len 0 removes it. */
static iot_err save_file(const char *path, const uint8_t *data, size_t len)
{
	char tmp[600];
	int fd;

	if (!len)
		return unlink(path) == 0 || errno == ENOENT ? IOT_OK : IOT_E_IO;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return IOT_E_IO;
	if (io_write_full(fd, data, len) != IOT_OK || fsync(fd) != 0) {
		close(fd);
		return IOT_E_IO;
	}
	close(fd);
	return rename(tmp, path) == 0 ? IOT_OK : IOT_E_IO;
}

static iot_err save(void *ctx, const uint8_t *rec, size_t len)
{
	struct ipad_platform *p = ctx;

	return save_file(p->record_path, rec, len);
}

static void state_change_path(const struct ipad_platform *p, char *path, size_t cap)
{
	snprintf(path, cap, "%s/ipad.state-change", p->o.state_dir ? p->o.state_dir : ".");
}

iot_err ipad_platform_keep_state_change(struct ipad_platform *p, int cause)
{
	char path[600], text[16];

	state_change_path(p, path, sizeof(path));
	if (cause < 0)
		return save_file(path, NULL, 0);
	snprintf(text, sizeof(text), "%d\n", cause);
	return save_file(path, (const uint8_t *)text, strlen(text));
}

int ipad_platform_kept_state_change(const struct ipad_platform *p)
{
	char path[600];
	FILE *f;
	int cause = -1;

	state_change_path(p, path, sizeof(path));
	if ((f = fopen(path, "r"))) {
		if (fscanf(f, "%d", &cause) != 1 || cause < 0 || cause > 127)
			cause = -1;
		fclose(f);
	}
	return cause;
}

static iot_err load(void *ctx, uint8_t *rec, size_t cap, size_t *len)
{
	struct ipad_platform *p = ctx;
	int fd = open(p->record_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? IOT_E_NOT_FOUND : IOT_E_IO;
	n = read(fd, rec, cap);
	close(fd);
	if (n < 0)
		return IOT_E_IO;
	*len = (size_t)n;
	return IOT_OK;
}

static uint64_t now_ms(void *ctx)
{
	struct timespec t;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

iot_err ipad_platform_new(const struct ipad_options *o, struct ipad_platform **out)
{
	struct ipad_platform *p = calloc(1, sizeof(*p));
	iot_err err;

	if (!p)
		return IOT_E_NOMEM;
	p->o = *o;
	snprintf(p->record_path, sizeof(p->record_path), "%s/ipad.record", o->state_dir ? o->state_dir : ".");
	if (o->state_dir && mkdir(o->state_dir, 0700) != 0 && errno != EEXIST) {
		free(p);
		return IOT_E_IO;
	}
	if ((err = card_open(&o->card, &p->card)) != IOT_OK) {
		free(p);
		return err;
	}
	*out = p;
	return IOT_OK;
}

void ipad_platform_free(struct ipad_platform *p)
{
	if (!p)
		return;
	drop_eim_clients(p);
	http_client_free(p->es9);
	card_close(p->card);
	free(p);
}

void ipad_platform_fill(struct ipad_platform *p, struct ipa_platform *out)
{
	*out = (struct ipa_platform){ .ctx = p, .transmit = transmit, .esipa = esipa, .es9 = p->o.no_direct ? NULL : es9,
				      .save = save, .load = load, .now_ms = now_ms, .reset = reset };
}

void ipad_platform_wire(const struct ipad_platform *p, uint64_t *sent, uint64_t *received)
{
	uint64_t s = 0, r = 0;

	if (p->eim_https)
		http_client_wire_bytes(p->eim_https, &s, &r);
	*sent = p->closed_sent + s;
	*received = p->closed_received + r;
}

struct card *ipad_platform_card(struct ipad_platform *p)
{
	return p->card;
}

unsigned ipad_platform_apdus(const struct ipad_platform *p)
{
	return p->apdus;
}
