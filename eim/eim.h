/* eim: the eSIM IoT Manager's core (SGP.32 eIM). The fleet (eUICCs with
 * their certificate, association token and counterValue), operations (PSMO
 * and eCO packages, eUICC data requests, profile downloads) and the ESipa
 * procedures that carry them, in one store.
 *
 * One struct eim per thread; any number share one store. Ownership: what
 * the caller passes in stays the caller's; results handed out are malloc'd
 * for the caller (eim_op_free). */
#ifndef IOT_EIM_H
#define IOT_EIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "der/der.h"

/* Who holds an API key: an auditor reads; an operator also asks for
 * changes; an approver also approves others' changes; an admin does all
 * (keys, settings, overriding a built-in safety rule). */
enum eim_role { EIM_ROLE_AUDITOR = 1, EIM_ROLE_OPERATOR, EIM_ROLE_ADMIN, EIM_ROLE_APPROVER };
/* Whether a key of role have may do what needs role need. */
bool eim_role_covers(enum eim_role have, enum eim_role need);
const char *eim_role_name(enum eim_role r);
struct eim_policy_slot;
struct eim_webhook;

struct eim_config {
	const char *eim_id;                     /* eimId (SGP.32 2.11.1), e.g. the eIM's FQDN */
	const char *fqdn;                       /* where devices reach it */
	bool coaps;                             /* what the AddInitialEim export offers: CoAPs, else HTTPS */
	const char *key_file;                   /* SK.EIM.ECDSA (PEM) */
	const char *cert_file;                  /* its certificate: the public key the eUICCs get */
	const char *tls_cert_file;              /* optional: trustedPublicKeyDataTls for the export */
	const char *const *ci_files;            /* the CIs eUICC certificates chain to */
	size_t ci_count;
	const char *store_url;
	const char *smdp_ca;                    /* trust for SM-DP+s (ES9+ relay); NULL: the system's */
	bool es9_json;                          /* the relay speaks ES9+'s JSON binding, else its ASN.1 binding */
	const char *const *connect;             /* "HOST:PORT:ADDR:PORT" for SM-DP+s (tests, proxies) */
	size_t connect_count;
	unsigned op_seconds;                    /* an operation expires after (default 7 days; see eim_settings) */
	/* inject mode: trust for devices' certificates (PEM CAs), and the eIM's
	 * own TLS client certificate and key it pushes with */
	const char *inject_ca, *inject_cert_file, *inject_key_file;
	struct eim_policy_slot *policy;         /* the governance policy in force (eim/change.h); NULL: built-in rules */
	/* the autopilot's alerts go to these receivers (eim/autopilot.h), their
	 * TLS trust in webhook_ca (NULL: the system's) */
	const struct eim_webhook *webhooks;
	size_t webhook_count;
	const char *webhook_ca;
	/* nodes on one store: background work is done by the holder of its
	 * lease (store_lease_hold), which outlives a dead holder this long */
	unsigned lease_ms;                      /* default 30000 */
	/* when set (eimd's server), a poll's bookkeeping (last contact, its
	 * binding, the autopilot's counters) is queued here and written by
	 * eim_poll_flush in the background, many polls per transaction;
	 * unset, each poll writes its own */
	struct eim_poll_queue *polls;
	/* the eUICCs' public keys, parsed once and shared by a server's cores
	 * (lib/crypto/key_cache.h); unset, each eim keeps its own */
	struct crypto_key_cache *keys;
	/* EUMs checked against a CI already (lib/crypto/eum_cache.h): a first
	 * contact's eUICC certificate then checked from its DER; unset, each
	 * eim keeps its own */
	struct x509_eum_cache *eums;
};
/* How many EUMs an eim keeps checked (a fleet has a handful; more are checked in full). */
#define EIM_EUM_CACHE 64
/* How many eUICCs' keys a server keeps parsed (about 1 KB each). */
#define EIM_KEY_CACHE 8192

struct eim;
struct crypto_key_cache;
struct x509_eum_cache;
/* The queue of polls' bookkeeping shared by a server's cores (pollq.c). */
struct eim_poll_queue;
iot_err eim_poll_queue_new(struct eim_poll_queue **out);
void eim_poll_queue_free(struct eim_poll_queue *q);
size_t eim_poll_queue_len(struct eim_poll_queue *q);
/* Until every batch taken from the queue (by another thread) is written. */
void eim_poll_queue_wait(struct eim_poll_queue *q);
/* Writes up to max*64 queued polls in one transaction; *done the polls
 * written when more wait (so the worker goes on at once), else 0. */
iot_err eim_poll_flush(struct eim *e, unsigned max, unsigned *done);
iot_err eim_open(const struct eim_config *c, struct eim **out);
void eim_close(struct eim *e);
/* Every table of the store at from_url (a SQLite file, say) copied into
 * c's store (PostgreSQL, say), in one transaction, audited there;
 * IOT_E_REFUSED, nothing changed: c's store already has eUICCs. */
iot_err eim_migrate_store(const struct eim_config *c, const char *from_url, uint64_t *rows, size_t *tables);
/* Background work shared by the nodes on one store: *held tells whether
 * this process holds the lease name (taken or renewed for lease_ms). */
iot_err eim_lease_hold(struct eim *e, const char *name, bool *held);
/* The same for a worker that asks often: renewed only once half the lease
 * has run since *held_until was set (0 at first). */
iot_err eim_lease_keep(struct eim *e, const char *name, int64_t *held_until, bool *held);
iot_err eim_lease_release(struct eim *e, const char *name);

/* ---- eUICCs ---- */

/* Registers eid (32 digits); the first contact learns its certificates and
 * association token (an IPA eUICC Data Request). IOT_E_REFUSED: known. */
iot_err eim_euicc_register(struct eim *e, const char *eid, const char *labels);
/* An eUICC's certificate and its EUM's (DER) checked: chain to a
 * configured CI, EID = the certificate's serialNumber. Once an EUM has
 * passed with a CI, its eUICCs' certificates are checked from their DER
 * (the same decisions, without OpenSSL decoding them). */
iot_err eim_euicc_check_certificates(struct eim *e, const char *eid, const uint8_t *eum, size_t eum_len,
				     const uint8_t *cert, size_t cert_len);
/* The same with the eUICC's certificate and its EUM's as the factory gave
 * them (DER): both checked first (chain to a configured CI, EID = the
 * certificate's serialNumber), or nothing is registered. */
iot_err eim_euicc_register_certified(struct eim *e, const char *eid, const char *labels, const uint8_t *eum,
				     size_t eum_len, const uint8_t *cert, size_t cert_len);
/* Many at once (a factory's list): n EIDs with their labels (NULL: none),
 * in one transaction, each with its first contact queued; one already
 * registered is left as it is. *added: how many were new. IOT_E_ARG
 * (nothing registered): an EID that is not 32 digits. */
/* One eUICC of a bulk registration: its EID, labels (comma-separated, or
 * NULL) and, optionally, CERT.EUICC and CERT.EUM in DER. */
struct eim_euicc_new {
	const char *eid, *labels;
	const uint8_t *cert, *eum;
	size_t cert_len, eum_len;
};
/* Registers n eUICCs all or nothing: every EID checked, every certificate
 * chain verified (each EUM once, the eUICCs' on `threads` threads), then
 * one transaction; an EID known already is left as it is (counted in
 * *known), so a retried upload changes nothing more. On a refusal nothing
 * is registered and *bad is the index of the first eUICC refused. */
iot_err eim_euicc_register_many(struct eim *e, const struct eim_euicc_new *v, size_t n, unsigned threads,
				size_t *added, size_t *known, size_t *bad);
iot_err eim_euicc_register_batch(struct eim *e, const char *const *eids, const char *const *labels, size_t n,
				 size_t *added);
struct eim_euicc {
	char eid[33];
	int64_t counter;                        /* the last counterValue signed */
	bool has_token, has_cert;
	int64_t token;
	int64_t last_contact;                   /* unix time, 0: never */
	char labels[256];
	int64_t pending;                        /* operations pending or sent */
};
iot_err eim_euicc_get(struct eim *e, const char *eid, struct eim_euicc *out);
/* Which registered eUICCs eim_euicc_list gives; zero/NULL fields do not filter
 * (profile_state and learned: -1). Labels are also the groups. */
struct eim_euicc_filter {
	const char *after;                      /* EID order after this one */
	const char *label;                      /* its labels include this one, e.g. "site=north" */
	bool pending_only;                      /* with operations pending or sent */
	const char *iccid;                      /* it holds this profile (20 digits), as last reported */
	int profile_state;                      /* it holds a profile (iccid, or any) in this state: 1 enabled, 0 disabled */
	int learned;                            /* 1: first contact done, 0: not yet */
};
/* At most cap matching eUICCs in EID order. */
iot_err eim_euicc_list(struct eim *e, const struct eim_euicc_filter *f, struct eim_euicc *out, size_t cap,
		       size_t *n);
/* What the device said of itself in its polls (SGP.32 GetEimPackage):
 * the last registered PLMN (6 hex digits, "" when never said) and the last
 * state change the eIM did not make (cause as StateChangeCause, -1 none). */
struct eim_euicc_state {
	char rplmn[7];
	int64_t rplmn_at;
	int64_t change_cause, changed_at;
};
iot_err eim_euicc_state(struct eim *e, const char *eid, struct eim_euicc_state *out);
/* The profiles as the eUICC last reported them (listProfileInfo results,
 * then the notifications of installs, enables, disables and deletes): up to
 * cap ICCIDs (20 digits) with state 1 enabled, 0 disabled. */
struct eim_profile {
	char iccid[21];
	int state;
	int profile_class;                      /* 0 test, 1 provisioning, 2 operational (SGP.22) */
	bool fallback;                          /* it carries the fallback attribute (SGP.32) */
};
iot_err eim_euicc_profiles(struct eim *e, const char *eid, struct eim_profile *out, size_t cap, size_t *n);
/* The AddInitialEim request ('BF57') that makes this eIM a factory-fresh
 * eUICC's first (malloc'd). */
iot_err eim_initial_eim_request(struct eim *e, uint8_t **der, size_t *len);

/* ---- operations ---- */

enum eim_op_kind { EIM_OP_PSMO = 1, EIM_OP_ECO, EIM_OP_DATA, EIM_OP_DOWNLOAD, EIM_OP_CONTACT };
enum eim_op_state { EIM_PENDING = 0, EIM_SENT, EIM_DONE, EIM_FAILED, EIM_CANCELLED, EIM_EXPIRED };
const char *eim_op_kind_name(enum eim_op_kind k);
const char *eim_op_state_name(enum eim_op_state s);

/* A new operation on eid. payload: PSMO/eCO the DER of the EuiccPackage
 * (psmoList or ecoList); DATA the tag list; DOWNLOAD the activation code. */
iot_err eim_op_create(struct eim *e, const char *eid, enum eim_op_kind kind, const uint8_t *payload, size_t len,
		      int64_t *id);
struct eim_op {
	int64_t id;
	char eid[33];
	enum eim_op_kind kind;
	enum eim_op_state state;
	int64_t counter;                        /* the package's counterValue, 0 before it is sent */
	int64_t result_code;                    /* 0 ok; the eUICC's or eIM's code otherwise */
	uint8_t *result;                        /* the result as the eUICC gave it (DER), or NULL */
	size_t result_len;
	int64_t created, updated;
};
iot_err eim_op_get(struct eim *e, int64_t id, struct eim_op *op);
void eim_op_free(struct eim_op *op);
/* Cancels a pending operation (IOT_E_REFUSED once it is sent). */
iot_err eim_op_cancel(struct eim *e, int64_t id);

/* ---- inject mode (SGP.32 ESipa.TransferEimPackage) ---- */

/* Where the eIM pushes eid's operations: "https://HOST:PORT" or
 * "coaps://HOST:PORT" (the IPA's ESipa resource there); NULL: nowhere, it
 * polls. IOT_E_ARG: not such an address; IOT_E_NOT_FOUND: unknown eUICC. */
iot_err eim_euicc_set_inject(struct eim *e, const char *eid, const char *address);
iot_err eim_euicc_inject(struct eim *e, const char *eid, char address[256]);
/* Pushes the next pending operation of up to max eUICCs that have an
 * address and are due, each answer recorded as a provided result (its
 * acknowledgement pushed back). A device that cannot be reached is tried
 * again later, backing off; what was sent to it stays for its poll. */
iot_err eim_inject(struct eim *e, unsigned max, unsigned *pushed);

/* ---- campaigns ---- */

/* The same operation (PSMO, eCO, data or download) for many eUICCs: each EID
 * of eids, and each eUICC whose labels (comma-separated) include label. At
 * most max_in_flight of its operations are out at once (0: the setting), and a
 * device's own operations go before the campaign's: a campaign over a large
 * fleet neither starves single operations nor floods the SM-DP+. Created
 * whole or not at all; *total the operations made. */
iot_err eim_campaign_create(struct eim *e, const char *name, enum eim_op_kind kind, const uint8_t *payload, size_t len,
			    const char *const *eids, size_t count, const char *label, unsigned max_in_flight,
			    int64_t *id, int64_t *total);
struct eim_campaign {
	int64_t id;
	char name[64];
	unsigned max_in_flight;
	int64_t total;
	int64_t by_state[6];                    /* indexed by enum eim_op_state */
	int state;                              /* enum eim_campaign_state (eim/change.h) */
	int stage, stages;                      /* the stage under way (0: the canary), of how many */
	int64_t change;                         /* its change record, 0 none */
	char halt_reason[200];                  /* why it halted, "" when it did not */
};
iot_err eim_campaign_get(struct eim *e, int64_t id, struct eim_campaign *c);
/* Its operations, one per device, after operation id `after`, at most cap
 * (result bytes not filled). */
iot_err eim_campaign_operations(struct eim *e, int64_t id, int64_t after, struct eim_op *out, size_t cap, size_t *n);

/* ---- ESipa (SGP.32 6.3) ---- */

/* One EsipaMessageFromIpaToEim, whichever binding brought it; the answer
 * (an EsipaMessageFromEimToIpa) appended to out, nothing for
 * handleNotification. Fails only when the request does not decode. */
iot_err eim_esipa(struct eim *e, const uint8_t *req, size_t len, struct der_writer *out);
/* Where the messages eim_esipa is given next came from: the binding (false:
 * ASN.1, the default; true: JSON), which inject mode then pushes in, and
 * the source address (NULL: unknown). A device's poll records both; one EID
 * polled from EIM_SOURCES_ALERT addresses within an hour is alerted on
 * (logged and audited): someone else may be polling as it. */
void eim_esipa_from(struct eim *e, bool json, const char *source);
#define EIM_SOURCES_ALERT 3
/* ... and over which transport (true: CoAP/DTLS, false: HTTPS), kept per eUICC at its polls. */
void eim_esipa_over(struct eim *e, bool coaps);

/* The BPP leg of an indirect download passed on as it arrives (SGP.32
 * 3.2.2): when req is a GetBoundProfilePackageRequest of a session this eIM
 * relays, and the relay speaks ES9+'s ASN.1 binding, the ES9+ request goes
 * out and *out gives the ESipa answer — the SM-DP+'s
 * GetBoundProfilePackageResponse, whose bytes are the same in ESipa —
 * without the BPP ever held whole (or undefinedError when the SM-DP+ fails
 * before it starts). IOT_E_NOT_FOUND: not such a request (eim_esipa answers
 * it). eim_stream_read blocks until it has bytes; 0 at the end, negative
 * when the SM-DP+ broke off. */
struct eim_stream;
iot_err eim_esipa_stream(struct eim *e, const uint8_t *req, size_t len, struct eim_stream **out);
size_t eim_stream_length(const struct eim_stream *s);
long eim_stream_read(struct eim_stream *s, uint8_t *buf, size_t cap);
void eim_stream_free(struct eim_stream *s);

/* Notifications the eUICCs sent (in results, with a PIR, or by
 * handleNotification) are stored first, then forwarded to the SM-DP+ each
 * names (ES9+ HandleNotification): at most max of them in this call, each
 * delivered once; one whose receiver fails stays for the next call (that
 * receiver is not tried again in this call). *sent: how many went. */
enum { EIM_NOTIFICATION_PENDING = 0, EIM_NOTIFICATION_FORWARDED = 1, EIM_NOTIFICATION_KEPT = 2 };
iot_err eim_forward_notifications(struct eim *e, unsigned max, unsigned *sent);
/* Whether this struct eim stored a notification since the last call (the
 * forwarder need not look otherwise). */
bool eim_notifications_waiting(struct eim *e);

/* ---- settings an admin changes at run time (kept in the store) ---- */

struct eim_settings {
	unsigned operation_ttl;                 /* seconds an operation waits for its eUICC, then expires (60 s..366 d) */
	unsigned campaign_max_in_flight;        /* a campaign's maxInFlight when it names none (1..1,000,000) */
	/* an operation sent and never answered is sent again at each poll, at
	 * most this many times in all and for this long; then it fails (resultCode
	 * 127, audited "undelivered") and the device's next one goes */
	unsigned operation_max_deliveries;      /* 2..1,000, default 20 */
	unsigned operation_max_sent;            /* seconds, 60 s..366 d, default 7 days */
};
/* The settings in force: the config's (op_seconds; 100) until changed. */
iot_err eim_settings_get(struct eim *e, struct eim_settings *out);
/* All of them at once; IOT_E_ARG (nothing changed) when one is out of range. */
iot_err eim_settings_set(struct eim *e, const struct eim_settings *in);

/* ---- API keys kept in the store (besides those of the config file) ---- */

/* role: 1 auditor, 2 operator, 3 admin. A new key for name: its token (64
 * hex digits) comes back once; only its SHA-256 is kept. IOT_E_REFUSED: the
 * name exists. */
iot_err eim_key_create(struct eim *e, const char *name, int role, char token[65]);
/* The key whose token hashes to hash: its name and role; IOT_E_NOT_FOUND. */
iot_err eim_key_find(struct eim *e, const uint8_t hash[32], char name[64], int *role);
iot_err eim_key_delete(struct eim *e, const char *name);
/* Whether the store takes a write now (a small one, in a setting row the
 * eIM reads nowhere else) and its disk has EIM_STORE_MIN_FREE left: /health. */
#define EIM_STORE_MIN_FREE (1024 * 1024)
bool eim_store_writable(struct eim *e);
/* Whether the n bytes at name make a key name (1-63 of A-Z a-z 0-9 . _ - @). */
bool eim_key_name_ok(const char *name, size_t n);
/* Names and roles, at most cap. */
iot_err eim_key_list(struct eim *e, char (*names)[64], int *roles, size_t cap, size_t *n);

/* ---- audit (append-only, hash-chained) ---- */

/* Appends an entry: who, what, about what, how it ended; each entry's hash
 * covers the previous entry's, so an edit or removal breaks the chain. */
iot_err eim_audit(struct eim *e, const char *actor, const char *action, const char *subject, const char *outcome);
/* Walks the chain: IOT_OK with *entries, or IOT_E_CRYPTO_MAC with *bad the
 * first entry that does not match. */
iot_err eim_audit_verify(struct eim *e, int64_t *entries, int64_t *bad);

#endif
