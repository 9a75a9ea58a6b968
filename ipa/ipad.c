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
#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "ipa/ipa.h"
#include "ipa/platform.h"
#include "net/coap.h"
#include "net/esipa_json.h"
#include "net/http.h"
#include "rsp/rsp.h"

static volatile sig_atomic_t stop, poll_now;

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
		"  --esipa-binding json|asn1|FQDN=json|FQDN=asn1   ESipa's function binding toward every eIM,\n"
		"                           or toward the eIM of that FQDN (repeatable; default asn1)\n"
		"  --json                   machine-readable output\n"
		"  --verbose, --help\n");
}

struct args {
	struct conf conf;
	const char *opt[48];               /* by O_ value */
	const char *connect[8];
	size_t connect_count;
	const char *binding[8];            /* --esipa-binding, each one */
	size_t binding_count;
	bool json, coaps, indirect;
};

enum { O_CONFIG = 1, O_CARD, O_STATE, O_EIM_CA, O_ES9_CA, O_CONNECT, O_EIM_PORT, O_COAPS_PORT, O_PREFER_COAPS,
       O_NO_DIRECT, O_FRESH, O_NO_RESUME, O_INTERVAL, O_RETRY_MIN, O_RETRY_MAX, O_TAC, O_JSON, O_VERBOSE, O_HELP,
       O_CC, O_EIM_ID, O_FQDN, O_EIM_CERT, O_COAPS, O_INDIRECT, O_TLS_CERT, O_REQUEST, O_TRACE, O_IMEI, O_CAPS,
       O_AID, O_STATE_CHANGE, O_RPLMN, O_FALLBACK_AFTER, O_TIMEOUT, O_INJECT_HTTPS, O_INJECT_COAPS, O_INJECT_CERT,
       O_INJECT_KEY, O_INJECT_CLIENT_CA, O_MINIMIZE, O_BINDING, O_ROLLBACK_AFTER };

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
				    [O_BINDING] = "esipa-binding" };

static const char *opt(const struct args *a, int o)
{
	return a->opt[o] ? a->opt[o] : keys[o] ? conf_get(&a->conf, keys[o]) : NULL;
}

static bool flag(const struct args *a, int o)
{
	const char *v = opt(a, o);

	return v && (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"));
}

/* ---- output ---- */

static void print_hex_field(bool json, bool *first, const char *name, const uint8_t *p, size_t n)
{
	char hex[2 * 256 + 1];

	hex_encode(p, n < 256 ? n : 256, hex);
	if (json)
		printf("%s\"%s\":\"%s\"", *first ? "" : ",", name, hex);
	else
		printf("%s: %s\n", name, hex);
	*first = false;
}

static void print_text_field(bool json, bool *first, const char *name, const char *text, size_t n)
{
	if (json) {
		printf("%s\"%s\":\"", *first ? "" : ",", name);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)text[i];

			if (c == '"' || c == '\\')
				printf("\\%c", c);
			else if (c < 0x20)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
		putchar('"');
	} else {
		printf("%s: %.*s\n", name, (int)n, text);
	}
	*first = false;
}

static void print_int_field(bool json, bool *first, const char *name, long long v)
{
	if (json)
		printf("%s\"%s\":%lld", *first ? "" : ",", name, v);
	else
		printf("%s: %lld\n", name, v);
	*first = false;
}

/* ---- commands ---- */

static iot_err es10(struct ipa *ipa, const struct rsp_type *qt, const void *q, const struct rsp_type *rt, void *out,
		    struct rsp_arena *a, uint8_t **copy)
{
	const uint8_t *resp;
	uint8_t *req;
	size_t n, len;
	iot_err err = rsp_encode_alloc(qt, q, &req, &n);

	if (err == IOT_OK && (err = ipa_es10(ipa, req, n, &resp, &len)) == IOT_OK) {
		if (!(*copy = malloc(len ? len : 1)))
			err = IOT_E_NOMEM;
		else
			err = rsp_decode(rt, memcpy(*copy, resp, len), len, out, a);
	}
	free(req);
	return err;
}

static int cmd_info(struct ipa *ipa, const struct args *a)
{
	struct rsp_get_euicc_data_response eid;
	struct rsp_euicc_info2 info2;
	struct rsp_euicc_configured_addresses_response addr;
	struct ipa_eim eim;
	struct rsp_arena ar;
	uint8_t *c1 = NULL, *c2 = NULL, *c3 = NULL;
	bool first = true;
	iot_err err;

	rsp_arena_dynamic(&ar);
	if ((err = es10(ipa, &rsp_t_get_euicc_data_request, &(struct rsp_get_euicc_data_request){ RSP_STR("\x5A") },
			&rsp_t_get_euicc_data_response, &eid, &ar, &c1)) != IOT_OK ||
	    (err = es10(ipa, &rsp_t_get_euicc_info2_request, &(struct rsp_empty){ 0 }, &rsp_t_euicc_info2, &info2, &ar,
			&c2)) != IOT_OK ||
	    (err = es10(ipa, &rsp_t_euicc_configured_addresses_request, &(struct rsp_empty){ 0 },
			&rsp_t_euicc_configured_addresses_response, &addr, &ar, &c3)) != IOT_OK) {
		fprintf(stderr, "ipad: the eUICC does not answer: %s\n", iot_strerror(err));
		goto out;
	}
	if (a->json)
		putchar('{');
	print_hex_field(a->json, &first, "eid", eid.eid_value.ptr, eid.eid_value.len);
	if (info2.svn.len == 3) {
		char v[16];

		snprintf(v, sizeof(v), "%u.%u.%u", info2.svn.ptr[0], info2.svn.ptr[1], info2.svn.ptr[2]);
		print_text_field(a->json, &first, "svn", v, strlen(v));
	}
	if (info2.euicc_firmware_ver.len == 3) {
		char v[16];

		snprintf(v, sizeof(v), "%u.%u.%u", info2.euicc_firmware_ver.ptr[0], info2.euicc_firmware_ver.ptr[1],
			 info2.euicc_firmware_ver.ptr[2]);
		print_text_field(a->json, &first, "firmware", v, strlen(v));
	}
	if (addr.has_default_dp_address)
		print_text_field(a->json, &first, "default_smdp", (const char *)addr.default_dp_address.ptr,
				 addr.default_dp_address.len);
	print_text_field(a->json, &first, "root_smds", (const char *)addr.root_ds_address.ptr, addr.root_ds_address.len);
	if (ipa_eim_select(ipa, &eim) == IOT_OK) {
		print_text_field(a->json, &first, "eim_id", eim.id, strlen(eim.id));
		print_text_field(a->json, &first, "eim_fqdn", eim.fqdn, strlen(eim.fqdn));
		print_text_field(a->json, &first, "eim_transport", eim.coaps ? "coaps" : "https", eim.coaps ? 5 : 5);
		print_int_field(a->json, &first, "eim_indirect_download", eim.indirect_download);
	} else {
		print_text_field(a->json, &first, "eim_id", "", 0);
	}
	if (a->json)
		puts("}");
out:
	free(c1);
	free(c2);
	free(c3);
	rsp_arena_free(&ar);
	return err == IOT_OK ? 0 : 1;
}

static int cmd_profiles(struct ipa *ipa, const struct args *a)
{
	struct rsp_profile_info_list_request q = { 0 };
	struct rsp_profile_info_list_response r;
	struct rsp_arena ar;
	uint8_t *copy = NULL;
	iot_err err;

	rsp_arena_dynamic(&ar);
	if ((err = es10(ipa, &rsp_t_profile_info_list_request, &q, &rsp_t_profile_info_list_response, &r, &ar, &copy)) !=
		    IOT_OK ||
	    r.choice != RSP_PROFILE_INFO_LIST_OK) {
		fprintf(stderr, "ipad: the profile list cannot be read: %s\n", iot_strerror(err));
		err = err ? err : IOT_E_CARD;
		goto out;
	}
	if (a->json)
		putchar('[');
	for (size_t i = 0; i < r.u.ok.count; i++) {
		const struct rsp_profile_info *p = &r.u.ok.items[i];
		char iccid[21] = "";
		bool first = true;

		if (p->has_iccid && p->iccid.len == 10)
			rsp_iccid_to_digits(p->iccid.ptr, iccid);
		if (a->json)
			printf("%s{", i ? "," : "");
		print_text_field(a->json, &first, "iccid", iccid, strlen(iccid));
		print_text_field(a->json, &first, "state", p->profile_state == 1 ? "enabled" : "disabled",
				 p->profile_state == 1 ? 7 : 8);
		if (p->has_service_provider_name)
			print_text_field(a->json, &first, "provider", (const char *)p->service_provider_name.ptr,
					 p->service_provider_name.len);
		if (p->has_profile_name)
			print_text_field(a->json, &first, "name", (const char *)p->profile_name.ptr, p->profile_name.len);
		if (p->has_profile_class)
			print_int_field(a->json, &first, "class", p->profile_class);
		if (p->fallback_attribute)
			print_int_field(a->json, &first, "fallback", 1);
		if (a->json)
			putchar('}');
		else
			putchar('\n');
	}
	if (a->json)
		puts("]");
out:
	free(copy);
	rsp_arena_free(&ar);
	return err == IOT_OK ? 0 : 1;
}

static int cmd_notifications(struct ipa *ipa, const struct args *a)
{
	struct rsp_list_notification_request q = { 0 };
	struct rsp_list_notification_response r;
	struct rsp_retrieve_notifications_list_request rq = { .has_search_criteria = true };
	struct rsp_retrieve_notifications_list_response rr;
	struct rsp_arena ar;
	uint8_t *c1 = NULL, *c2 = NULL;
	size_t results = 0;
	iot_err err;

	rsp_arena_dynamic(&ar);
	rq.search_criteria.choice = RSP_SEARCH_EUICC_PACKAGE_RESULTS;
	if ((err = es10(ipa, &rsp_t_list_notification_request, &q, &rsp_t_list_notification_response, &r, &ar, &c1)) !=
		    IOT_OK ||
	    (err = es10(ipa, &rsp_t_retrieve_notifications_list_request, &rq, &rsp_t_retrieve_notifications_list_response,
			&rr, &ar, &c2)) != IOT_OK) {
		fprintf(stderr, "ipad: the notifications cannot be read: %s\n", iot_strerror(err));
		goto out;
	}
	if (rr.choice == RSP_RETRIEVE_NOTIF_EPR_LIST)
		results = rr.u.euicc_package_result_list.count;
	if (a->json)
		printf("{\"package_results\":%zu,\"notifications\":[", results);
	else
		printf("package results: %zu\n", results);
	for (size_t i = 0; r.choice == RSP_LIST_NOTIFICATION_OK && i < r.u.list.count; i++) {
		const struct rsp_notification_metadata *m = &r.u.list.items[i];
		static const char *const ops[] = { "install", "enable", "disable", "delete" };
		const char *op = "?";
		char iccid[21] = "";
		bool first = true;

		for (int b = 0; b < 4; b++)
			if (m->profile_management_operation & (1u << b))
				op = ops[b];
		if (m->has_iccid && m->iccid.len == 10)
			rsp_iccid_to_digits(m->iccid.ptr, iccid);
		if (a->json)
			printf("%s{", i ? "," : "");
		print_int_field(a->json, &first, "seq", m->seq_number);
		print_text_field(a->json, &first, "operation", op, strlen(op));
		print_text_field(a->json, &first, "address", (const char *)m->notification_address.ptr,
				 m->notification_address.len);
		print_text_field(a->json, &first, "iccid", iccid, strlen(iccid));
		if (a->json)
			putchar('}');
		else
			putchar('\n');
	}
	if (a->json)
		puts("]}");
out:
	free(c1);
	free(c2);
	rsp_arena_free(&ar);
	return err == IOT_OK ? 0 : 1;
}

static void print_stats(struct ipa *ipa, const struct ipad_platform *p, const struct args *a, iot_err err)
{
	const struct ipa_stats *s = ipa_stats(ipa);
	uint64_t sent, received;
	bool first = true;

	ipad_platform_wire(p, &sent, &received);
	if (a->json)
		putchar('{');
	print_text_field(a->json, &first, "result", iot_errname(err), strlen(iot_errname(err)));
	print_int_field(a->json, &first, "packages", s->packages);
	print_int_field(a->json, &first, "data_requests", s->data_requests);
	print_int_field(a->json, &first, "downloads", s->downloads);
	print_int_field(a->json, &first, "installed", s->downloads_installed);
	print_int_field(a->json, &first, "results_delivered", s->results_delivered);
	print_int_field(a->json, &first, "notifications_delivered", s->notifications_delivered);
	print_int_field(a->json, &first, "rejected", s->rejected);
	print_int_field(a->json, &first, "https_bytes_sent", (long long)sent);
	print_int_field(a->json, &first, "https_bytes_received", (long long)received);
	if (a->json)
		puts("}");
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

/* ---- inject mode: the eIM pushes (SGP.32 ESipa.TransferEimPackage) ---- */

/* libipa runs one procedure at a time: a push waits for a poll, and back */
static pthread_mutex_t ipa_lock = PTHREAD_MUTEX_INITIALIZER;

struct inject {
	struct ipa *ipa;
	struct http_server *http;
	struct net_coap_server *coap;
};

static iot_err transfer(struct ipa *ipa, bool coaps, const uint8_t *req, size_t len, uint8_t **resp, size_t *n)
{
	iot_err err;

	pthread_mutex_lock(&ipa_lock);
	err = ipa_transfer_eim_package(ipa, coaps, req, len, resp, n);
	pthread_mutex_unlock(&ipa_lock);
	if (err != IOT_OK)
		log_warn("ipad", "push not taken", "transport=%s error=\"%s\"", coaps ? "coaps" : "https",
			 iot_strerror(err));
	return err;
}

/* The JSON binding's transferEimPackage in front of the same transfer. */
struct push_core {
	struct inject *in;
	bool coaps;
};

static void push_core(void *ctx, const uint8_t *req, size_t len, int *status, struct der_writer *w)
{
	const struct push_core *c = ctx;
	uint8_t *resp = NULL;
	size_t n = 0;
	iot_err err = transfer(c->in->ipa, c->coaps, req, len, &resp, &n);

	if (err == IOT_OK)
		der_put_raw(w, resp, n);
	*status = err == IOT_OK ? 200 : err == IOT_E_REFUSED ? 403 : 500;
	free(resp);
}

static void push_json(struct inject *in, bool coaps, const uint8_t *body, size_t len, struct esipa_json_answer *a)
{
	struct push_core c = { in, coaps };

	esipa_json_serve("transferEimPackage", body, len, push_core, &c, a);
	if (a->malformed)
		log_warn("ipad", "malformed push", "binding=json transport=%s status=%d", coaps ? "coaps" : "https",
			 a->status);
}

static void on_push_https(void *ctx, const struct http_request *q, struct http_response *r)
{
	struct inject *in = ctx;
	uint8_t *resp = NULL;
	size_t n = 0;
	iot_err err;

	/* SGP.32 6.4: the JSON binding's transferEimPackage, POST, a protocol version we speak */
	if (!strcmp(q->path, ESIPA_JSON_PATH "transferEimPackage") && !strcmp(q->method, "POST")) {
		struct esipa_json_answer a;

		if (!q->content_type || strncmp(q->content_type, "application/json", 16) ||
		    !http_request_admin_protocol_ok(q)) {
			r->status = 400;
			return;
		}
		push_json(in, false, q->body, q->body_len, &a);
		http_response_set(r, a.status, a.body ? "application/json;charset=UTF-8" : NULL, a.body, a.body_len);
		r->admin_protocol = "gsma/rsp/v2.5.0";
		free(a.body);
		return;
	}
	/* SGP.32 6.1 (SGP.22 6.5.1): the ASN.1 binding, POST, a protocol version we speak */
	if (strcmp(q->path, "/gsma/rsp2/asn1") || strcmp(q->method, "POST")) {
		r->status = 404;
		return;
	}
	if (!q->content_type || strcmp(q->content_type, "application/x-gsma-rsp-asn1") ||
	    !http_request_admin_protocol_ok(q)) {
		r->status = 400;
		return;
	}
	err = transfer(in->ipa, false, q->body, q->body_len, &resp, &n);
	if (err == IOT_OK)
		http_response_set(r, 200, "application/x-gsma-rsp-asn1", resp, n);
	else
		r->status = err == IOT_E_REFUSED ? 403 : 500;
	r->admin_protocol = "gsma/rsp/v2.5.0";
	free(resp);
}

static void on_push_coaps(void *ctx, const char *peer, const char *path, const uint8_t *body, size_t len, struct net_coap_reply *r)
{
	struct inject *in = ctx;
	uint8_t *resp = NULL;
	size_t n = 0;
	iot_err err;

	(void)peer;
	if (!strcmp(path, ESIPA_JSON_COAP_PATH "transferEimPackage")) {
		struct esipa_json_answer a;

		push_json(in, true, body, len, &a);
		net_coap_reply_set(r, a.status == 200 || a.status == 204 ? 204 : a.status, a.body, a.body_len);
		free(a.body);
		return;
	}
	err = transfer(in->ipa, true, body, len, &resp, &n);
	if (err == IOT_OK)
		net_coap_reply_set(r, 204, resp, n);    /* 2.04 Changed */
	else
		r->code = err == IOT_E_REFUSED ? 403 : 500;
	free(resp);
}

/* --esipa-binding: json or asn1 for every eIM, FQDN=json or FQDN=asn1 for one. */
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

static int split_address(const char *text, char *host, size_t cap, uint16_t *port)
{
	const char *colon = text ? strrchr(text, ':') : NULL;

	if (!colon || (size_t)(colon - text) >= cap || !colon[1] || atoi(colon + 1) < 0 || atoi(colon + 1) > 65535)
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = 0;
	*port = (uint16_t)atoi(colon + 1);
	return 0;
}

static int inject_start(const struct args *a, struct inject *in)
{
	const char *https = opt(a, O_INJECT_HTTPS), *coaps = opt(a, O_INJECT_COAPS);
	char host[2][64];
	uint16_t port[2];

	if (!https && !coaps)
		return 0;
	if ((https && split_address(https, host[0], sizeof(host[0]), &port[0])) ||
	    (coaps && split_address(coaps, host[1], sizeof(host[1]), &port[1])) || !opt(a, O_INJECT_CERT) ||
	    !opt(a, O_INJECT_KEY) || !opt(a, O_INJECT_CLIENT_CA)) {
		fprintf(stderr, "ipad: --inject-https/--inject-coaps want ADDR:PORT, with --inject-cert, --inject-key"
				" and --inject-client-ca\n");
		return -1;
	}
	if (https) {
		struct http_server_config c = { .address = host[0], .port = port[0], .cert_file = opt(a, O_INJECT_CERT),
						.key_file = opt(a, O_INJECT_KEY),
						.client_ca_file = opt(a, O_INJECT_CLIENT_CA), .threads = 1,
						.handler = on_push_https, .ctx = in };

		if (http_server_start(&c, &in->http) != IOT_OK)
			return -1;
	}
	if (coaps) {
		static const char *const json_path[] = { ESIPA_JSON_COAP_PATH "transferEimPackage", NULL };
		struct net_coap_server_config c = { .address = host[1], .port = port[1], .path = "gsma/rsp2/asn1",
						    .more_paths = json_path,
						    .cert_file = opt(a, O_INJECT_CERT), .key_file = opt(a, O_INJECT_KEY),
						    .client_ca_file = opt(a, O_INJECT_CLIENT_CA),
						    .handler = on_push_coaps, .ctx = in };

		if (net_coap_server_start(&c, &in->coap) != IOT_OK)
			return -1;
	}
	log_info("ipad", "taking pushes", "https_port=%u coaps_port=%u", in->http ? http_server_port(in->http) : 0,
		 in->coap ? net_coap_server_port(in->coap) : 0);
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

		pthread_mutex_lock(&ipa_lock);
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
		pthread_mutex_unlock(&ipa_lock);
		if (due)
			continue;
		/* no service for long: the fallback profile, once (the eIM is told at the next poll) */
		if (fallback_after && !fell_back && monotonic_s() - reached >= fallback_after) {
			int result = -1;

			fell_back = true;
			pthread_mutex_lock(&ipa_lock);
			err = ipa_switch_profile(ipa, IPA_EXECUTE_FALLBACK, &result);
			pthread_mutex_unlock(&ipa_lock);
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

static int print_initial_eim_answer(const struct args *a, const char *id, const struct rsp_add_initial_eim_response *r)
{
	bool first = true;

	if (r->choice != RSP_ADD_INITIAL_EIM_OK) {
		fprintf(stderr, "ipad: the eUICC refused the initial eIM (error %lld)\n", (long long)r->u.error);
		return 1;
	}
	if (a->json)
		putchar('{');
	print_text_field(a->json, &first, "eim_id", id, strlen(id));
	if (r->u.ok.count && r->u.ok.items[0].choice == RSP_ADD_INITIAL_EIM_ASSOCIATION_TOKEN)
		print_int_field(a->json, &first, "association_token", r->u.ok.items[0].u.association_token);
	if (a->json)
		puts("}");
	return 0;
}

/* The factory step with the eIM's own export, sent as it is. */
static int cmd_add_initial_eim_request(struct ipa *ipa, const struct args *a, const char *path)
{
	struct rsp_add_initial_eim_request q;
	struct rsp_add_initial_eim_response r;
	struct rsp_arena ar;
	uint8_t buf[4096], *copy;
	const uint8_t *resp;
	size_t n, len;
	FILE *f = fopen(path, "rb");
	char id[129] = "";
	int rc = 1;

	if (!f) {
		fprintf(stderr, "ipad: %s cannot be read\n", path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	rsp_arena_dynamic(&ar);
	if (rsp_decode(&rsp_t_add_initial_eim_request, buf, n, &q, &ar) != IOT_OK || !q.eim_configuration_data_list.count) {
		fprintf(stderr, "ipad: %s is not an AddInitialEim request\n", path);
	} else if (ipa_es10(ipa, buf, n, &resp, &len) == IOT_OK && (copy = malloc(len ? len : 1))) {
		snprintf(id, sizeof(id), "%.*s", (int)q.eim_configuration_data_list.items[0].eim_id.len,
			 (const char *)q.eim_configuration_data_list.items[0].eim_id.ptr);
		if (rsp_decode(&rsp_t_add_initial_eim_response, memcpy(copy, resp, len), len, &r, &ar) == IOT_OK)
			rc = print_initial_eim_answer(a, id, &r);
		free(copy);
	}
	rsp_arena_free(&ar);
	return rc;
}

static int cmd_add_initial_eim(struct ipa *ipa, const struct args *a, const char *id, const char *fqdn,
			       const char *eim_cert, const char *tls_cert)
{
	struct rsp_add_initial_eim_request q = { 0 };
	struct rsp_add_initial_eim_response r;
	struct rsp_eim_configuration_data c = { 0 };
	struct crypto_cert *cert = NULL, *tls = NULL;
	struct rsp_arena ar;
	uint8_t *spki = NULL, *copy = NULL;
	size_t n;
	iot_err err;

	if (!id || !fqdn || !eim_cert) {
		fprintf(stderr, "ipad: add-initial-eim needs --eim-id, --fqdn and --eim-cert\n");
		return 2;
	}
	if ((err = x509_load(eim_cert, &cert)) != IOT_OK || (err = crypto_key_spki(x509_key(cert), &spki, &n)) != IOT_OK ||
	    (tls_cert && (err = x509_load(tls_cert, &tls)) != IOT_OK)) {
		fprintf(stderr, "ipad: %s: %s\n", tls && err ? tls_cert : eim_cert, iot_strerror(err));
		x509_free(cert);
		free(spki);
		return 1;
	}
	/* SGP.32 2.11.1 EimConfigurationData */
	c.eim_id = RSP_BYTES(id, strlen(id));
	c.has_eim_fqdn = true;
	c.eim_fqdn = RSP_BYTES(fqdn, strlen(fqdn));
	c.has_eim_id_type = true;
	c.eim_id_type = RSP_EIM_ID_TYPE_FQDN;
	c.has_counter_value = true;
	c.has_association_token = true;
	c.has_eim_public_key_data = true;
	c.eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
	c.eim_public_key_data.u.public_key = RSP_BYTES(spki, n);
	if (tls) {
		size_t dl;
		const uint8_t *der = x509_der(tls, &dl);

		c.has_trusted_public_key_data_tls = true;
		c.trusted_public_key_data_tls.choice = RSP_KEY_DATA_CERTIFICATE;
		c.trusted_public_key_data_tls.u.certificate = RSP_BYTES(der, dl);
	}
	c.has_eim_supported_protocol = true;
	c.eim_supported_protocol = a->coaps ? RSP_PROTO_RETRIEVE_COAPS : RSP_PROTO_RETRIEVE_HTTPS;
	c.indirect_profile_download = a->indirect;
	q.eim_configuration_data_list.items = &c;
	q.eim_configuration_data_list.count = 1;
	rsp_arena_dynamic(&ar);
	err = es10(ipa, &rsp_t_add_initial_eim_request, &q, &rsp_t_add_initial_eim_response, &r, &ar, &copy);
	if (err == IOT_OK && print_initial_eim_answer(a, id, &r)) {
		err = IOT_E_REFUSED;
	} else if (err != IOT_OK) {
		fprintf(stderr, "ipad: add-initial-eim: %s\n", iot_strerror(err));
	}
	free(copy);
	rsp_arena_free(&ar);
	free(spki);
	x509_free(cert);
	x509_free(tls);
	return err == IOT_OK ? 0 : 1;
}

/* The device's identity beyond its TAC (SGP.22 4.2 DeviceInfo): kept for the IPA's life. */
static struct {
	uint8_t imei[8], aid[16], versions[12][3];
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
	const char *imei = opt(a, O_IMEI), *aid = opt(a, O_AID), *caps = opt(a, O_CAPS);
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
	return 0;
}

/* --state-change and --rplmn: what the next polls tell the eIM of the device. */
static int device_state(const struct args *a, struct ipa *ipa)
{
	static const char *const causes[] = { "otherEim", "fallback", "emergencyProfile", "local", "reset",
					      "immediateEnableProfile", "deviceChange" };
	const char *cause = opt(a, O_STATE_CHANGE), *plmn = opt(a, O_RPLMN);
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
	card = opt(&a, O_CARD);
	if (!card || card_parse(card, &o.card) != IOT_OK) {
		fprintf(stderr, "ipad: --card is needed: pcsc[:READER], at:DEVICE, at-cgla:DEVICE or socket:PATH\n");
		conf_free(&a.conf);
		return 2;
	}
	for (size_t i = 0; i < a.conf.count && a.connect_count < 8; i++)
		if (!strcmp(a.conf.entries[i].key, "connect"))
			a.connect[a.connect_count++] = a.conf.entries[i].value;
	o.state_dir = opt(&a, O_STATE);
	o.eim_ca = opt(&a, O_EIM_CA);
	o.es9_ca = opt(&a, O_ES9_CA);
	memcpy(o.connect, a.connect, sizeof(a.connect));
	o.connect_count = a.connect_count;
	o.eim_https_port = opt(&a, O_EIM_PORT) ? (uint16_t)atoi(opt(&a, O_EIM_PORT)) : 0;
	o.eim_coaps_port = opt(&a, O_COAPS_PORT) ? (uint16_t)atoi(opt(&a, O_COAPS_PORT)) : 0;
	o.fresh_connection = flag(&a, O_FRESH);
	o.no_session_resumption = flag(&a, O_NO_RESUME);
	o.no_direct = flag(&a, O_NO_DIRECT);
	o.trace_dir = opt(&a, O_TRACE);
	for (size_t i = 0; i < a.conf.count && a.binding_count < 8; i++)
		if (!strcmp(a.conf.entries[i].key, "esipa-binding"))
			a.binding[a.binding_count++] = a.conf.entries[i].value;
	if (parse_bindings(&a, &o)) {
		conf_free(&a.conf);
		return 2;
	}
	o.timeout_ms = opt(&a, O_TIMEOUT) ? atol(opt(&a, O_TIMEOUT)) * 1000 : 0;
	if ((tac = opt(&a, O_TAC)) && (hex_decode(tac, tac_bytes, sizeof(tac_bytes), &tac_len) != IOT_OK || tac_len != 4)) {
		fprintf(stderr, "ipad: --tac wants 8 hex digits\n");
		conf_free(&a.conf);
		return 2;
	}
	ic.tac = tac_bytes;
	if (parse_identity(&a, &ic)) {
		conf_free(&a.conf);
		return 2;
	}
	ic.prefer_coaps = flag(&a, O_PREFER_COAPS);
	ic.minimize_esipa_bytes = flag(&a, O_MINIMIZE);
	ic.inject_https = !strcmp(cmd, "run") && opt(&a, O_INJECT_HTTPS);
	ic.inject_coaps = !strcmp(cmd, "run") && opt(&a, O_INJECT_COAPS);
	ic.poll_interval_s = opt(&a, O_INTERVAL) ? (unsigned)atoi(opt(&a, O_INTERVAL)) : 0;
	ic.retry_min_s = opt(&a, O_RETRY_MIN) ? (unsigned)atoi(opt(&a, O_RETRY_MIN)) : 0;
	ic.retry_max_s = opt(&a, O_RETRY_MAX) ? (unsigned)atoi(opt(&a, O_RETRY_MAX)) : 0;
	ic.rollback_after_ms = opt(&a, O_ROLLBACK_AFTER) ? (unsigned)atoi(opt(&a, O_ROLLBACK_AFTER)) * 1000u : 0;
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
		rc = cmd_run(ipa, p, &a, opt(&a, O_FALLBACK_AFTER) ? (unsigned)atoi(opt(&a, O_FALLBACK_AFTER)) : 0);
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
