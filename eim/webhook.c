/* Webhooks: every alert, with what was done about it, POSTed as JSON to
 * each configured receiver, signed with the receiver's key (HMAC-SHA256 of
 * the body, header X-Iotrsp-Signature). Queued in the store in the same
 * transaction as the alert, delivered by a worker of its own: a receiver
 * that is down or slow delays nothing else, and nothing is lost to a
 * restart. Failures are retried with back-off (1 s doubling to 10 min),
 * given up after 50 tries (logged). */
#include "eim/internal.h"
#include "eim/autopilot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "base/log.h"
#include "crypto/crypto.h"

#define WEBHOOK_TRIES 50

iot_err eim_webhook_queue(struct eim *e, const char *body)
{
	iot_err err = IOT_OK;

	for (size_t i = 0; err == IOT_OK && i < e->cfg.webhook_count; i++)
		err = store_sql(e->db, "INSERT INTO webhook_outbox(receiver, body, next_try) VALUES ($1, $2, 0)", "tt",
				e->cfg.webhooks[i].url, body);
	return err;
}

iot_err eim_webhook_sign(const char *key, const char *body, size_t len, char out[72])
{
	uint8_t mac[CRYPTO_SHA256_LEN];
	iot_err err = crypto_hmac_sha256((const uint8_t *)key, strlen(key), (const uint8_t *)body, len, mac);

	if (err != IOT_OK)
		return err;
	memcpy(out, "sha256=", 7);
	hex_encode(mac, sizeof(mac), out + 7);
	for (char *c = out + 7; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'F' ? *c + 32 : *c);   /* lower case, as receivers compare */
	return IOT_OK;
}

/* The receiver of url, its index in *i; NULL: no longer configured. */
static const struct eim_webhook *receiver(struct eim *e, const char *url, size_t *i)
{
	for (*i = 0; *i < e->cfg.webhook_count && *i < EIM_MAX_WEBHOOKS; (*i)++)
		if (!strcmp(e->cfg.webhooks[*i].url, url))
			return &e->cfg.webhooks[*i];
	return NULL;
}

/* A "connect" entry of the config for the URL's host and port (tests, proxies). */
static const char *connect_for(const struct eim *e, const char *url)
{
	const char *host = strstr(url, "://");

	return host ? eim_connect_for(e, host + 3, strcspn(host + 3, "/")) : NULL;
}

/* One delivery: 2xx is done, anything else goes again later. */
static bool deliver(struct eim *e, const struct eim_webhook *w, size_t index, int64_t id, const char *body,
		    char *error, size_t cap)
{
	char sig[72], sig_header[100], id_header[64];
	const char *headers[] = { "Content-Type: application/json", sig_header, id_header, NULL };
	uint8_t *resp = NULL;
	size_t resp_len;
	int status = 0;
	iot_err err;

	if (!e->webhook_http[index]) {
		struct http_client_config c = { .ca_file = e->cfg.webhook_ca, .timeout_ms = 5000,
						.connect_to = connect_for(e, w->url) };

		if ((err = http_client_new(&c, &e->webhook_http[index])) != IOT_OK) {
			snprintf(error, cap, "%s", iot_strerror(err));
			return false;
		}
	}
	if (eim_webhook_sign(w->key, body, strlen(body), sig) != IOT_OK)
		return false;
	snprintf(sig_header, sizeof(sig_header), "X-Iotrsp-Signature: %s", sig);
	snprintf(id_header, sizeof(id_header), "X-Iotrsp-Delivery: %lld", (long long)id);
	err = http_client_post(e->webhook_http[index], w->url, headers, (const uint8_t *)body, strlen(body), &status, &resp,
			       &resp_len);
	free(resp);
	if (err == IOT_OK && status / 100 == 2)
		return true;
	snprintf(error, cap, "%s", err != IOT_OK ? iot_strerror(err) : "HTTP status");
	if (err == IOT_OK)
		snprintf(error, cap, "HTTP %d", status);
	/* the connection may be what failed: the next try opens a new one */
	http_client_new_connection(e->webhook_http[index]);
	return false;
}

iot_err eim_webhook_step(struct eim *e, int64_t now, unsigned max, unsigned *sent)
{
	struct store_stmt *st;
	struct {
		int64_t id, tries;
		char *receiver, *body;
	} *rows;
	size_t n = 0;
	bool row = false;
	iot_err err;

	*sent = 0;
	if (!e->cfg.webhook_count || !(rows = calloc(max ? max : 1, sizeof(*rows))))
		return e->cfg.webhook_count ? IOT_E_NOMEM : IOT_OK;
	if ((err = store_prepare(e->db, "SELECT id, tries, receiver, body FROM webhook_outbox WHERE delivered = 0"
					" AND next_try <= $1 ORDER BY id LIMIT $2", &st)) != IOT_OK) {
		free(rows);
		return err;
	}
	store_bind_int(st, 1, now);
	store_bind_int(st, 2, max);
	while (n < max && (err = store_step(st, &row)) == IOT_OK && row) {
		rows[n].id = store_col_int(st, 0);
		rows[n].tries = store_col_int(st, 1);
		rows[n].receiver = strdup(store_col_text(st, 2));
		rows[n].body = strdup(store_col_text(st, 3));
		n++;
	}
	store_finalize(st);
	for (size_t i = 0; i < n; i++) {
		size_t index = 0;
		const struct eim_webhook *w = rows[i].receiver ? receiver(e, rows[i].receiver, &index) : NULL;
		char error[96] = "receiver no longer configured";
		bool ok = w && rows[i].body && deliver(e, w, index, rows[i].id, rows[i].body, error, sizeof(error));
		int64_t tries = rows[i].tries + 1, wait = tries < 20 ? 1000LL << (tries - 1) : 600000;

		wait = wait < 600000 ? wait : 600000;
		/* delivered: gone from the outbox, counted; failed: kept with its error */
		if (err == IOT_OK && ok && (err = store_sql(e->db, "DELETE FROM webhook_outbox WHERE id = $1", "i",
							     rows[i].id)) == IOT_OK)
			err = store_sql(e->db, "INSERT INTO autopilot_setting(name, value) VALUES ('webhooks.delivered', 1)"
					       " ON CONFLICT (name) DO UPDATE SET value = autopilot_setting.value + 1", "");
		else if (err == IOT_OK)
			err = store_sql(e->db, "UPDATE webhook_outbox SET tries = $2, next_try = $3, delivered = $4,"
					       " last_error = $5 WHERE id = $1", "iiiit", rows[i].id, tries, now + wait,
					(int64_t)(!w || tries >= WEBHOOK_TRIES ? 2 : 0), error);
		if (ok)
			(*sent)++;
		else if (!w || tries >= WEBHOOK_TRIES)
			log_error("eim", "webhook given up", "id=%lld receiver=%s tries=%lld error=\"%s\"",
				  (long long)rows[i].id, rows[i].receiver ? rows[i].receiver : "?", (long long)tries, error);
		else
			log_warn("eim", "webhook not delivered: tried again later", "id=%lld receiver=%s tries=%lld in_ms=%lld"
				 " error=\"%s\"", (long long)rows[i].id, w->url, (long long)tries, (long long)wait, error);
		free(rows[i].receiver);
		free(rows[i].body);
	}
	free(rows);
	return err;
}
