/* ipad's own parts: its options, the one-shot commands that read and set
 * the card (ipad_cmds.c) and inject mode (ipad_inject.c). */
#ifndef IOT_IPAD_H
#define IOT_IPAD_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "base/conf.h"
#include "ipacore/ipa.h"
#include "ipad/platform.h"
#include "net/coap.h"
#include "net/http.h"
#include "rsp/rsp.h"

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
       O_INJECT_KEY, O_INJECT_CLIENT_CA, O_MINIMIZE, O_BINDING, O_ROLLBACK_AFTER, O_TERMINAL_CAP, O_STATUS_MS, O_KBPS, O_COUNT };
_Static_assert(O_COUNT <= 48, "struct args.opt holds every option");



/* An option from the command line, else from the config file. */
const char *ipad_opt(const struct args *a, int o);
bool ipad_flag(const struct args *a, int o);

/* ipad_cmds.c: output fields (text or JSON) and the one-shot commands */
void print_hex_field(bool json, bool *first, const char *name, const uint8_t *p, size_t n);
void print_text_field(bool json, bool *first, const char *name, const char *text, size_t n);
void print_int_field(bool json, bool *first, const char *name, long long v);
int cmd_info(struct ipa *ipa, const struct args *a);
int cmd_profiles(struct ipa *ipa, const struct args *a);
int cmd_notifications(struct ipa *ipa, const struct args *a);
void print_stats(struct ipa *ipa, const struct ipad_platform *p, const struct args *a, iot_err err);
int cmd_add_initial_eim_request(struct ipa *ipa, const struct args *a, const char *path);
int cmd_add_initial_eim(struct ipa *ipa, const struct args *a, const char *id, const char *fqdn,
			const char *cert_path, const char *tls_path);

/* ipad_cmds.c: ipad ipae on|off (IpaeActivationRequest) */
int cmd_ipae(struct ipa *ipa, const struct args *a, bool on);

/* ipad_inject.c: the eIM's pushes (SGP.32 inject mode), taken while the
 * daemon polls; libipa runs one procedure at a time, under this lock */
extern pthread_mutex_t ipad_ipa_lock;
struct inject {
	struct ipa *ipa;
	struct http_server *http;
	struct net_coap_server *coap;
};
int inject_start(const struct args *a, struct inject *in);

#endif
