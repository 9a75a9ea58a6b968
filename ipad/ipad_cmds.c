/* ipad's one-shot commands: what the card says (info, profiles,
 * notifications), AddInitialEim, and the fields they print. */
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
#include "ipacore/ipa.h"
#include "ipad/platform.h"
#include "net/coap.h"
#include "net/esipa_json.h"
#include "net/http.h"
#include "rsp/rsp.h"

#include "ipad/ipad.h"

/* ---- output ---- */

void print_hex_field(bool json, bool *first, const char *name, const uint8_t *p, size_t n)
{
	char hex[2 * 256 + 1];

	hex_encode(p, n < 256 ? n : 256, hex);
	if (json)
		printf("%s\"%s\":\"%s\"", *first ? "" : ",", name, hex);
	else
		printf("%s: %s\n", name, hex);
	*first = false;
}

void print_text_field(bool json, bool *first, const char *name, const char *text, size_t n)
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

void print_int_field(bool json, bool *first, const char *name, long long v)
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

int cmd_info(struct ipa *ipa, const struct args *a)
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
	if (info2.has_ipa_mode)         /* SGP.32: the active IPA, the device's or the eUICC's own */
		print_text_field(a->json, &first, "ipa_mode", info2.ipa_mode ? "ipae" : "ipad", 4);
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

int cmd_profiles(struct ipa *ipa, const struct args *a)
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

int cmd_notifications(struct ipa *ipa, const struct args *a)
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

void print_stats(struct ipa *ipa, const struct ipad_platform *p, const struct args *a, iot_err err)
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
	print_int_field(a->json, &first, "apdus", ipad_platform_apdus(p));
	if (a->json)
		puts("}");
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
int cmd_add_initial_eim_request(struct ipa *ipa, const struct args *a, const char *path)
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

int cmd_add_initial_eim(struct ipa *ipa, const struct args *a, const char *id, const char *fqdn,
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

/* SGP.32 IpaeActivationRequest: the IPA inside the eUICC on (activateIpae)
 * or off; the eUICC's answer printed (ok, or notSupported) */
int cmd_ipae(struct ipa *ipa, const struct args *a, bool on)
{
	struct rsp_bits_request q = { on ? 1u : 0u };
	struct rsp_result r;
	struct rsp_arena ar;
	uint8_t *copy = NULL;
	bool first = true;
	iot_err err;

	rsp_arena_dynamic(&ar);
	err = es10(ipa, &rsp_t_ipae_activation_request, &q, &rsp_t_ipae_activation_response, &r, &ar, &copy);
	if (err != IOT_OK) {
		fprintf(stderr, "ipad: the eUICC does not answer IpaeActivationRequest: %s\n", iot_strerror(err));
	} else {
		if (a->json)
			printf("{");
		print_text_field(a->json, &first, "ipae", on ? "on" : "off", on ? 2 : 3);
		print_text_field(a->json, &first, "result", r.result == 0 ? "ok" : r.result == 1 ? "notSupported" : "other",
				 r.result == 0 ? 2 : r.result == 1 ? 12 : 5);
		if (a->json)
			printf("}\n");
	}
	free(copy);
	rsp_arena_free(&ar);
	return err != IOT_OK ? 1 : r.result ? 3 : 0;
}
