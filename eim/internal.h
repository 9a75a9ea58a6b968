/* Inside the eIM. */
#ifndef IOT_EIM_INTERNAL_H
#define IOT_EIM_INTERNAL_H

#include "eim/eim.h"
#include "crypto/key_cache.h"
#include "crypto/x509.h"
#include "net/coap.h"
#include "net/http.h"
#include "rsp/rsp.h"
#include "store/store.h"

/* A poll's bookkeeping (pollq.c), queued when the server writes it in the
 * background, else written in the poll's own transaction. */
struct eim_poll_record {
	char eid[33];
	char labels[256];
	int64_t now, at;                /* seconds (last contact), ms (health) */
	bool empty, esipa_json, coaps;
	int64_t cause;
};
iot_err eim_poll_write(struct eim *e, const struct eim_poll_record *r);
bool eim_poll_queue_push(struct eim_poll_queue *q, const struct eim_poll_record *r);

struct eim {
	struct eim_config cfg;
	char *eim_id, *fqdn;
	struct crypto_key *key;
	struct crypto_cert *cert, *tls_cert;
	struct crypto_cert **cis;
	size_t ci_count;
	struct store *db;
	struct crypto_key_cache *keys;  /* cfg.keys, or this eim's own (own_keys) */
	bool own_keys;
	struct x509_eum_cache *eums;    /* cfg.eums, or this eim's own (own_eums) */
	bool own_eums;
	struct http_client *es9;        /* the relay to SM-DP+s, opened on first use */
	bool notified;                  /* a notification was stored since eim_notifications_waiting */
	bool esipa_json;                /* the messages at hand came in the JSON binding */
	bool esipa_coaps;               /* ... over CoAP/DTLS (else HTTPS) */
	char source[64];                /* ... and from this address ("" unknown) */
	bool hold_triggers;             /* this poll gets no new download trigger */
	uint8_t txid_key[32];           /* the secret behind eimTransactionIds' tags */
	int64_t txid_untagged_upto;     /* operations up to this id were sent with bare ids */
	struct http_client *inject;     /* pushes over HTTPS (inject.c), opened on first use */
	struct net_coap_client *inject_coap;    /* the last device pushed over CoAPs, its DTLS session kept */
	char inject_coap_address[256];
	struct eim_policy *builtin_policy;      /* the built-in rules, when no policy is configured */
#define EIM_MAX_WEBHOOKS 8
	struct http_client *webhook_http[EIM_MAX_WEBHOOKS];     /* per receiver (webhook.c), opened on first use */
	bool quarantined;                       /* the eUICC polling now is quarantined (esipa.c) */
	bool none_expired;                      /* ... and had no pending operation expired a moment ago */
	bool reading;                           /* a poll's read transaction is open (esipa.c) */
	/* the autopilot's settings as last read, and when (ms): read at most once a second */
	struct eim_autopilot_settings_cache {
		int64_t at;
		uint8_t data[256];
	} ap_cache;
};

#define EIM_MAX_ACKS 64

iot_err eim_audit_schema(struct eim *e);
iot_err eim_inject_schema(struct eim *e);
/* A notification stored (a compact one whole), once; forwarded later (result.c). */
iot_err eim_store_notification(struct eim *e, const char *eid, int64_t seq, const struct rsp_pending_notification *in);
/* A column an older store's table lacks, added (schema upgrades in place). */
iot_err eim_add_column(struct eim *e, const char *table, const char *column, const char *decl);
/* How often a download the device could not finish (undefinedError: the
 * network, an eIM or SM-DP+ gone mid-way) is sent again before it fails. */
#define EIM_DOWNLOAD_RETRIES 3
/* An audit entry inside the caller's transaction: written with the change. */
iot_err eim_audit_append(struct eim *e, const char *actor, const char *action, const char *subject,
			 const char *outcome);
/* hash = SHA-256(previous hash || "id|ts|" || actor NUL action NUL subject NUL outcome NUL) */
iot_err eim_audit_entry_hash(const uint8_t prev[32], int64_t id, int64_t ts, const char *actor, const char *action,
			     const char *subject, const char *outcome, uint8_t out[32]);
/* The chain's head at entry id signed and kept, in the caller's transaction (audit_export.c). */
iot_err eim_audit_checkpoint(struct eim *e, int64_t id, const uint8_t hash[32], int64_t ts);
/* A store from before checkpoints gets them for the chain it holds (eim_open). */
iot_err eim_audit_checkpoint_upgrade(struct eim *e);
/* eimTransactionId: the operation id (8 bytes) and a tag only this eIM can
 * make (8 bytes), so no one names an operation without having been sent it. */
#define EIM_TXID_LEN 16
/* The secret behind the tags, made once per store (at eim_open). */
iot_err eim_txid_init(struct eim *e);
void eim_txid(const struct eim *e, int64_t id, uint8_t out[EIM_TXID_LEN]);
bool eim_txid_parse(const struct eim *e, const rsp_bytes *b, int64_t *id);

/* Content-Type and X-Admin-Protocol of the ASN.1 binding, NULL-ended (relay.c). */
extern const char *const eim_asn1_headers[];
/* ES9+ in the ASN.1 binding to the SM-DP+ at address (relay.c): the
 * request, its answer decoded into r (pointing into *raw, malloc'd). */
iot_err eim_es9(struct eim *e, const char *address, const struct rsp_remote_profile_provisioning_request *q,
		struct rsp_remote_profile_provisioning_response *r, struct rsp_arena *a, uint8_t **raw);
/* The indirect-download functions of ESipa, relayed (relay.c). */
iot_err eim_relay(struct eim *e, const struct rsp_esipa_message_from_ipa *q, struct rsp_esipa_message_from_eim *m,
		  struct rsp_arena *a, uint8_t **keep);

/* The message (a GetEimPackageResponse, 'BF4F') carrying eid's next
 * operation: the one sent already, again (*resent), or a new one made
 * for it, counter taken and message kept in one transaction. pending_only:
 * IOT_E_REFUSED rather than send again (a push). IOT_E_NOT_FOUND: none. */
iot_err eim_next_message(struct eim *e, const char *eid, const uint8_t eid_bytes[16], bool pending_only,
			 struct der_writer *out, int64_t *op, bool *resent);
/* An eIM Package Result from eid, however it came (ProvideEimPackageResult,
 * an inject answer): verified, matched to its operation and recorded in one
 * transaction; acks (EIM_MAX_ACKS) get the sequence numbers to acknowledge.
 * IOT_E_NOT_FOUND: eid is not registered. */
iot_err eim_record_result(struct eim *e, const char *eid, const struct rsp_eim_package_result *res, int64_t *acks,
			  size_t *nacks);

/* The eUICC's certificate and its EUM's as the eIM keeps them (malloc'd),
 * for the compact messages that leave them out. IOT_E_NOT_FOUND: not both. */
struct eim_certs {
	uint8_t *euicc, *eum;
	size_t euicc_len, eum_len;
};
iot_err eim_euicc_certs(struct eim *e, const char *eid, struct eim_certs *c);
void eim_certs_free(struct eim_certs *c);

/* A sent download about to go out again whose session the device cancelled
 * without reporting: ended with the cancel's reason or tried again (result.c). */
iot_err eim_download_cancelled(struct eim *e, const char *eid, int64_t id, bool *ended);
/* A PIR that came by handleNotification: the download it ends finished
 * (result.c). */
iot_err eim_download_finish_by_pir(struct eim *e, const struct rsp_pending_notification *n);

/* SGP.32 CompactProfileInstallationResult made whole from its download
 * session (notificationAddress, ICCID, the SM-DP+'s OID) and the SGP.22
 * ISD-P AID layout; eid gets the session's eUICC. IOT_E_NOT_FOUND: not a
 * session of this eIM (or one that did not get that far). */
iot_err eim_expand_compact_pir(struct eim *e, const struct rsp_compact_profile_installation_result *c,
			       struct rsp_pending_notification *out, char eid[33], struct rsp_arena *a);

/* What the eIM knows of an eUICC's profiles, learned in the caller's
 * transaction from the EuiccPackageResult of operation op (a listProfileInfo
 * list replaces it all; an enable, disable or delete that succeeded changes
 * its profile) or a notification's metadata. */
iot_err eim_profiles_learn_result(struct eim *e, const char *eid, int64_t op, const uint8_t *der, size_t len);
iot_err eim_profiles_learn_notification(struct eim *e, const char *eid, const struct rsp_notification_metadata *md);

/* An operation row inserted in the caller's transaction (eim.c), the id it
 * got (eim_last_id), and a row read back as EIM_OP_COLUMNS gives it (the
 * result bytes apart). */
/* An EID as eimd keeps it: 32 decimal digits. */
bool eim_eid_valid(const char *eid);
/* eid's labels (comma-separated) into euicc_label, in the caller's transaction. */
iot_err eim_labels_index(struct eim *e, const char *eid, const char *labels);
iot_err eim_op_insert(struct eim *e, const char *eid, enum eim_op_kind kind, const uint8_t *payload, size_t len,
		      int64_t campaign, unsigned ttl);
iot_err eim_last_id(struct eim *e, int64_t *id);
#define EIM_OP_COLUMNS "id, eid, kind, state, counter, result_code, created, updated"
void eim_op_from_row(struct store_stmt *st, struct eim_op *op);

/* ---- governance (eim/change.h) ---- */
#include <jansson.h>
struct eim_policy;
struct eim_decision;
iot_err eim_governance_schema(struct eim *e);
int64_t eim_policy_approval_ttl(const struct eim_policy *p);
bool eim_policy_has_windows(const struct eim_policy *p);
iot_err eim_policy_evaluate_with(struct eim *e, const struct eim_policy *p, const char *actor, enum eim_role role,
				 const json_t *change, struct eim_decision *d);
/* A campaign made in the caller's transaction, belonging to change (0:
 * none), rolled out as plan says (its stages, rates, rollback; NULL: one
 * stage). */
iot_err eim_campaign_insert(struct eim *e, const char *name, enum eim_op_kind kind, const uint8_t *payload, size_t len,
			    const char *const *eids, size_t count, const char *label, unsigned max_in_flight,
			    int64_t change, const json_t *plan, int64_t *id, int64_t *total);

/* The config's "connect" entry ("HOST:PORT:ADDR:PORT") for the n bytes
 * "HOST:PORT" at host_port, or NULL: the address to reach it at instead. */
const char *eim_connect_for(const struct eim *e, const char *host_port, size_t n);

/* ---- autopilot (eim/autopilot.h) ---- */
iot_err eim_health_schema(struct eim *e);
/* Each cohort of a device with these labels: "fleet", then each label. */
size_t eim_cohorts(const char *labels, char out[][128], size_t cap);
/* Devices silent after a switch, counted as the profile's failures (detect.c). */
iot_err eim_health_find_silent(struct eim *e, int64_t now, unsigned *found);
/* An alert (or the open one of the same signal, cohort and subject updated),
 * in the caller's transaction; times in ms. */
iot_err eim_alert_raise(struct eim *e, const char *signal, const char *cohort, const char *subject, int64_t baseline,
			int64_t observed, int64_t threshold, const char *unit, const char *detail, int64_t first_seen,
			int64_t now);
/* Cohort counters summed in memory (tally.c), written at each round in a
 * transaction of their own. */
iot_err eim_tally_add(struct eim *e, const char *cohort, const char *signal, int64_t bucket, int64_t num, int64_t den);
/* Detection's part of eim_autopilot_step (detect.c), in a transaction of its own. */
iot_err eim_autopilot_detect(struct eim *e, int64_t now);

#endif
