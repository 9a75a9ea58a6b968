/* Inject mode (SGP.32 ESipa.TransferEimPackage): the eIM pushes an eUICC's
 * next operation to its IPA instead of waiting for the poll. A push sends
 * the very message a poll would get (one counterValue, one message kept),
 * so an operation pushed and polled at once is still made once. */
#include "eim/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"
#include "base/log.h"
#include "net/esipa_json.h"

#define RETRY_S 30
/* one push, all of it: an unreachable device holds the injector this long */
#define PUSH_TIMEOUT_MS 10000

iot_err eim_inject_schema(struct eim *e)
{
	iot_err err;

	/* a store made before the JSON binding: the euicc table gains its column */
	if ((err = eim_add_column(e, "euicc", "esipa_json", "INTEGER NOT NULL DEFAULT 0")) != IOT_OK)
		return err;
	return store_exec(e->db, "CREATE TABLE IF NOT EXISTS inject ("
				 " eid TEXT PRIMARY KEY REFERENCES euicc(eid), address TEXT NOT NULL,"
				 " next_try INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0);"
				 "CREATE INDEX IF NOT EXISTS inject_due ON inject(next_try);");
}

static bool address_valid(const char *a)
{
	const char *host = !strncmp(a, "https://", 8) ? a + 8 : !strncmp(a, "coaps://", 8) ? a + 8 : NULL;
	const char *colon = host ? strrchr(host, ':') : NULL;

	return colon && colon > host && atoi(colon + 1) > 0 && atoi(colon + 1) < 65536 && strlen(a) < 200 &&
	       !strpbrk(host, "/?#@ ");
}

iot_err eim_euicc_set_inject(struct eim *e, const char *eid, const char *address)
{
	struct store_stmt *st;
	struct eim_euicc u;
	bool row;
	iot_err err;

	if (address && !address_valid(address))
		return IOT_E_ARG;
	if ((err = eim_euicc_get(e, eid, &u)) != IOT_OK)
		return err;
	err = store_prepare(e->db, address ? "INSERT INTO inject(eid, address) VALUES ($1, $2) ON CONFLICT (eid)"
					     " DO UPDATE SET address = $2, next_try = 0, failures = 0"
					   : "DELETE FROM inject WHERE eid = $1", &st);
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if (address)
		store_bind_text(st, 2, address);
	err = store_step(st, &row);
	store_finalize(st);
	return err;
}

iot_err eim_euicc_inject(struct eim *e, const char *eid, char address[256])
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT address FROM inject WHERE eid = $1", &st);

	address[0] = 0;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row)
		snprintf(address, 256, "%s", store_col_text(st, 0));
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

/* One push over the device's transport, in the ASN.1 binding: the answer
 * malloc'd into *resp. IOT_E_IO: no answer; IOT_E_REFUSED: the IPA would not
 * take it. With json, body is the JSON text of transferEimPackage and *resp
 * its JSON answer (*status 200 or 204). */
static iot_err push_raw(struct eim *e, const char *address, bool json, const uint8_t *body, size_t len,
			uint8_t **resp, size_t *resp_len, int *status_out)
{
	static const char *const json_headers[] = { "Content-Type: application/json;charset=UTF-8",
						    "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	iot_err err;

	*resp = NULL;
	*resp_len = 0;
	*status_out = 200;
	if (!strncmp(address, "https://", 8)) {
		char url[300];
		int status = 0;

		if (!e->inject) {
			struct http_client_config c = { .ca_file = e->cfg.inject_ca, .cert_file = e->cfg.inject_cert_file,
							.key_file = e->cfg.inject_key_file, .timeout_ms = PUSH_TIMEOUT_MS };

			if ((err = http_client_new(&c, &e->inject)) != IOT_OK)
				return err;
		}
		snprintf(url, sizeof(url), "%s%s", address, json ? ESIPA_JSON_PATH "transferEimPackage" : "/gsma/rsp2/asn1");
		err = http_client_post(e->inject, url, json ? json_headers : eim_asn1_headers, body, len, &status, resp,
				       resp_len);
		if (err == IOT_OK && status != 200 && !(json && status == 204))
			err = status == 403 ? IOT_E_REFUSED : IOT_E_IO;
		*status_out = status;
	} else {
		char host[200];
		const char *colon = strrchr(address + 8, ':');
		struct net_coap_client_config c = { .host = host, .port = (uint16_t)atoi(colon + 1),
						    .path = "gsma/rsp2/asn1", .ca_file = e->cfg.inject_ca,
						    .cert_file = e->cfg.inject_cert_file, .key_file = e->cfg.inject_key_file,
						    .timeout_ms = PUSH_TIMEOUT_MS };
		int code = 0;

		/* the same device again (its acknowledgement, its next operation): the DTLS session kept */
		if (e->inject_coap && strcmp(e->inject_coap_address, address)) {
			net_coap_client_free(e->inject_coap);
			e->inject_coap = NULL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - address - 8), address + 8);
		if (!e->inject_coap && (err = net_coap_client_new(&c, &e->inject_coap)) != IOT_OK)
			return err;
		snprintf(e->inject_coap_address, sizeof(e->inject_coap_address), "%s", address);
		err = net_coap_client_post_to(e->inject_coap,
					      json ? ESIPA_JSON_COAP_PATH "transferEimPackage" : "gsma/rsp2/asn1", body, len,
					      &code, resp, resp_len);
		*status_out = *resp_len ? 200 : 204;
		if (err != IOT_OK) {            /* gone: a new session next time */
			net_coap_client_free(e->inject_coap);
			e->inject_coap = NULL;
		}
		if (err == IOT_OK && code / 100 != 2)
			err = code == 403 ? IOT_E_REFUSED : IOT_E_IO;
	}
	if (err != IOT_OK) {
		free(*resp);
		*resp = NULL;
	}
	return err;
}

struct json_push {
	struct eim *e;
	const char *address;
};

static iot_err json_push(void *ctx, const struct esipa_json_function *f, const char *text, size_t len, int *status,
			 uint8_t **body, size_t *body_len)
{
	const struct json_push *c = ctx;

	(void)f;        /* transferEimPackage: push_raw knows its path */
	return push_raw(c->e, c->address, true, (const uint8_t *)text, len, body, body_len, status);
}

/* One push in the binding the device polls in (SGP.32 6.1 or 6.4); the
 * TransferEimPackageResponse, as DER, malloc'd into *resp. */
static iot_err push(struct eim *e, const char *address, bool json, const uint8_t *der, size_t len, uint8_t **resp,
		    size_t *resp_len)
{
	struct json_push c = { e, address };
	int status;

	if (!json)
		return push_raw(e, address, false, der, len, resp, resp_len, &status);
	return esipa_json_exchange(der, len, json_push, &c, resp, resp_len);
}

/* What a pushed operation's answer means (SGP.32 TransferEimPackageResponse):
 * a result is recorded as if provided, then acknowledged by a push of its
 * own; eimPackageReceived leaves the result to come by ProvideEimPackageResult;
 * an error fails the operation unless it is undefinedError (the poll brings it). */
static iot_err take_answer(struct eim *e, const char *eid, const char *address, bool json, int64_t op,
			   const uint8_t *raw, size_t len)
{
	struct rsp_transfer_eim_package_response r;
	struct rsp_eim_package_result res = { 0 };
	struct rsp_transfer_eim_package_request ack = { .choice = RSP_TRANSFER_EIM_ACKNOWLEDGEMENTS };
	struct rsp_arena a;
	int64_t acks[EIM_MAX_ACKS];
	size_t nacks = 0;
	uint8_t txid[EIM_TXID_LEN], *der = NULL, *resp = NULL;
	iot_err err;

	rsp_arena_dynamic(&a);
	if ((err = rsp_decode(&rsp_t_transfer_eim_package_response, raw, len, &r, &a)) != IOT_OK) {
		log_warn("eim", "malformed inject answer", "eid=%s bytes=%zu", eid, len);
		rsp_arena_free(&a);
		return err;
	}
	switch (r.choice) {
	case RSP_TRANSFER_RESP_EPR:
		res.choice = RSP_EIM_RESULT_EPR;
		res.u.epr = r.u.epr;
		break;
	case RSP_TRANSFER_RESP_EPR_AND_NOTIFICATIONS:
		res.choice = RSP_EIM_RESULT_EPR_AND_NOTIFICATIONS;
		res.u.epr_and_notifications = r.u.epr_and_notifications;
		break;
	case RSP_TRANSFER_RESP_IPA_EUICC_DATA:
		res.choice = RSP_EIM_RESULT_IPA_EUICC_DATA;
		res.u.ipa_euicc_data_response = r.u.ipa_euicc_data_response;
		break;
	case RSP_TRANSFER_RESP_ERROR:
		if (r.u.error == 127)
			break;
		/* invalidPackageFormat, unknownPackage: the operation failed */
		eim_txid(e, op, txid);
		res.choice = RSP_EIM_RESULT_ERROR;
		res.u.error = (struct rsp_transaction_error){ .has_eim_transaction_id = true,
							       .eim_transaction_id = RSP_BYTES(txid, EIM_TXID_LEN),
							       .error_code = r.u.error };
		break;
	default:
		break;                          /* eimPackageReceived */
	}
	if (res.choice)
		err = eim_record_result(e, eid, &res, acks, &nacks);
	if (err == IOT_OK && nacks) {
		ack.u.acks.items = acks;
		ack.u.acks.count = nacks;
		/* a lost acknowledgement only means the IPA delivers it again */
		if (rsp_encode_alloc(&rsp_t_transfer_eim_package_request, &ack, &der, &len) == IOT_OK &&
		    push(e, address, json, der, len, &resp, &len) != IOT_OK)
			log_warn("eim", "inject acknowledgement not delivered", "eid=%s", eid);
	}
	log_info("eim", "pushed", "eid=%s op=%lld answer=%d acks=%zu binding=%s", eid, (long long)op, r.choice, nacks,
		 json ? "json" : "asn1");
	free(der);
	free(resp);
	rsp_arena_free(&a);
	return err;
}

enum outcome { PUSHED, WAIT, UNREACHABLE };

/* When this eUICC is looked at again: at once after a push; after a while
 * when nothing could go; backing off while its device is unreachable. */
static void schedule(struct eim *e, const char *eid, enum outcome o)
{
	static const char *const sql[] = {
		[PUSHED] = "UPDATE inject SET next_try = 0, failures = 0 WHERE eid = $1",
		[WAIT] = "UPDATE inject SET next_try = $2 + $3 WHERE eid = $1",
		[UNREACHABLE] = ("UPDATE inject SET failures = failures + 1,"
				 " next_try = $2 + CASE WHEN $3 * (1 << CAST(CASE WHEN failures > 7 THEN 7 ELSE failures END AS INTEGER))"
				 "  > 3600 THEN 3600"
				 "  ELSE $3 * (1 << CAST(CASE WHEN failures > 7 THEN 7 ELSE failures END AS INTEGER)) END WHERE eid = $1"),
	};
	struct store_stmt *st;
	bool row;

	if (store_prepare(e->db, sql[o], &st) != IOT_OK)
		return;
	store_bind_text(st, 1, eid);
	if (o != PUSHED) {
		store_bind_int(st, 2, (int64_t)time(NULL));
		store_bind_int(st, 3, RETRY_S);
	}
	store_step(st, &row);
	store_finalize(st);
}

/* One eUICC's next operation pushed, if it is pending (one sent ahead and
 * unanswered keeps the order: the poll finishes it). */
static iot_err inject_one(struct eim *e, const char *eid, const char *address, bool json, bool *pushed)
{
	struct der_writer w;
	uint8_t eid_bytes[16], *resp = NULL;
	size_t n, resp_len;
	int64_t op = 0;
	bool resent;
	iot_err err;

	*pushed = false;
	if (hex_decode(eid, eid_bytes, sizeof(eid_bytes), &n) != IOT_OK || n != 16)
		return IOT_E_ARG;
	der_writer_dynamic(&w);
	err = eim_next_message(e, eid, eid_bytes, true, &w, &op, &resent);
	if (err == IOT_E_REFUSED || err == IOT_E_NOT_FOUND) {
		der_writer_free(&w);
		schedule(e, eid, WAIT);         /* nothing to push until the one ahead is answered */
		return IOT_OK;
	}
	/* SGP.32: TransferEimPackageRequest carries the same alternatives as GetEimPackageResponse */
	if (err == IOT_OK && (w.len < 2 || w.buf[0] != 0xBF || w.buf[1] != 0x4F))
		err = IOT_E_ASN1_TAG;
	if (err != IOT_OK) {
		der_writer_free(&w);
		return err;
	}
	w.buf[1] = 0x4E;
	if ((err = push(e, address, json, w.buf, w.len, &resp, &resp_len)) == IOT_OK) {
		*pushed = true;
		err = take_answer(e, eid, address, json, op, resp, resp_len);
	} else {
		/* sent all the same: the poll gets it again, unchanged */
		log_warn("eim", "push failed", "eid=%s op=%lld address=%s error=\"%s\"", eid, (long long)op, address,
			 iot_strerror(err));
		err = IOT_OK;
	}
	schedule(e, eid, *pushed ? PUSHED : UNREACHABLE);
	free(resp);
	der_writer_free(&w);
	return err;
}

iot_err eim_inject(struct eim *e, unsigned max, unsigned *pushed)
{
	struct target { char eid[33]; char address[256]; bool json; } *t;
	struct store_stmt *st;
	size_t n = 0;
	bool row = true;
	iot_err err;

	*pushed = 0;
	if (!max || !(t = calloc(max, sizeof(*t))))
		return max ? IOT_E_NOMEM : IOT_OK;
	/* read first, push after: no statement held open across the network */
	if ((err = store_prepare(e->db, "SELECT i.eid, i.address, u.esipa_json FROM inject i JOIN euicc u ON u.eid = i.eid"
					" WHERE i.next_try <= $1 AND EXISTS"
					" (SELECT 1 FROM operation o WHERE o.eid = i.eid AND o.state = 0 AND o.expires >= $1)"
					" ORDER BY i.next_try, i.eid LIMIT $2", &st)) == IOT_OK) {
		store_bind_int(st, 1, (int64_t)time(NULL));
		store_bind_int(st, 2, max);
		while (n < max && (err = store_step(st, &row)) == IOT_OK && row) {
			snprintf(t[n].eid, sizeof(t[n].eid), "%s", store_col_text(st, 0));
			snprintf(t[n].address, sizeof(t[n].address), "%s", store_col_text(st, 1));
			t[n].json = store_col_int(st, 2) != 0;
			n++;
		}
		store_finalize(st);
	}
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		bool one;

		if ((err = inject_one(e, t[i].eid, t[i].address, t[i].json, &one)) == IOT_OK && one)
			(*pushed)++;
	}
	free(t);
	return err;
}
