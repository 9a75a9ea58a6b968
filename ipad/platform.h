/* ipad's Linux platform for libipa: the eUICC through lib/card, ESipa over
 * HTTPS (lib/net, libcurl) or CoAP/DTLS (lib/net, libcoap) as the eIM's
 * configuration says, ES9+ over HTTPS, the power-cut record in a file
 * replaced atomically, and the monotonic clock. */
#ifndef IOT_IPA_PLATFORM_H
#define IOT_IPA_PLATFORM_H

#include "card/card.h"
#include "ipacore/ipa.h"

/* The binding toward one eIM, by its FQDN. */
struct ipad_binding {
	char fqdn[256];
	bool json;
};

struct ipad_options {
	struct card_config card;
	const char *state_dir;          /* the record lives here */
	const char *eim_ca;             /* PEM file: trust for the eIM when the eUICC gives none */
	const char *es9_ca;             /* PEM file: trust for SM-DP+s (direct download); NULL: the system's */
	const char *connect[8];         /* "HOST:PORT:ADDR:PORT": reach HOST:PORT elsewhere (tests, proxies) */
	size_t connect_count;
	uint16_t eim_https_port, eim_coaps_port;        /* default 443, 5684 */
	bool fresh_connection;          /* a new connection for every message */
	bool no_session_resumption;     /* and no TLS session resumption */
	bool no_direct;                 /* never ES9+ from the device: all through the eIM */
	bool esipa_json;                /* ESipa in the JSON binding (SGP.32 6.4), not the ASN.1 one */
	struct ipad_binding bindings[8]; /* per eIM, ahead of esipa_json */
	size_t binding_count;
	const char *trace_dir;          /* each ESipa message and answer kept there as DER (NNNN-up.der, NNNN-down.der) */
	long timeout_ms;
};

struct ipad_platform;
iot_err ipad_platform_new(const struct ipad_options *o, struct ipad_platform **out);
void ipad_platform_free(struct ipad_platform *p);
/* The functions for ipa_new; ctx is p. */
void ipad_platform_fill(struct ipad_platform *p, struct ipa_platform *out);
/* A state change the eIM has not heard of yet, kept in the state directory
 * (ipad.state-change) so a restart does not forget it: the cause, or -1
 * to forget it; and the one kept (-1: none). */
iot_err ipad_platform_keep_state_change(struct ipad_platform *p, int cause);
int ipad_platform_kept_state_change(const struct ipad_platform *p);
/* Bytes on the wire of ESipa so far (HTTPS: TCP level, TLS included). */
void ipad_platform_wire(const struct ipad_platform *p, uint64_t *sent, uint64_t *received);
/* The card link (for the terminal's toolkit on a modem). */
struct card *ipad_platform_card(struct ipad_platform *p);
/* APDUs exchanged with the eUICC so far. */
unsigned ipad_platform_apdus(const struct ipad_platform *p);

#endif
